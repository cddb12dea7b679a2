import { PullToRefresh, Swiper } from 'antd-mobile';
import { RightOutline, SearchOutline } from 'antd-mobile-icons';
import { useNavigate } from 'react-router-dom';
import { ListFooter } from '../components/ListFooter';
import { Page } from '../components/Page';
import { ProductCard, ProductGridSkeleton } from '../components/ProductCard';
import { EmptyState, ErrorState } from '../components/States';
import { api } from '../lib/api';
import { useLoad } from '../lib/hooks';
import { usePaged } from '../lib/paged';
import { useShop } from '../lib/shop-info';
import type { FlashSessions } from '../lib/flashsale';
import type { CentreCoupon, Category, Paged, ProductSummary } from '../lib/types';

const SHORTCUT_COLORS = ['#d9001b', '#c2410c', '#a16207', '#15803d', '#0369a1', '#6d28d9', '#be185d', '#0f766e', '#4d7c0f'];
const BANNER_BG = ['linear-gradient(120deg,#b8001a,#e0432c)', 'linear-gradient(120deg,#9a3412,#c2410c)', 'linear-gradient(120deg,#1e3a8a,#1d4ed8)'];

export default function Home() {
  const shop = useShop();
  const navigate = useNavigate();
  const cats = useLoad(() => api<{ items: Category[] }>('GET', '/categories'), []);
  const list = usePaged((page) => api<Paged<ProductSummary>>('GET', '/products', { query: { page, pageSize: 10, sort: '-created' } }), []);
  // The claim-centre entry shows only when there is something to claim.
  const coupons = useLoad(() => api<{ items: CentreCoupon[] }>('GET', '/coupons').catch(() => null), []);
  const claimable = (coupons.data?.items ?? []).filter((c) => c.canClaim);
  // The 秒杀 entry says what is on; it works without it.
  const flash = useLoad(() => api<FlashSessions>('GET', '/flash-sales').catch(() => null), []);
  const flashNow = (flash.data?.sessions ?? []).some((x) => x.state === 'running' && !x.soldOut);
  const nextSession = (flash.data?.sessions ?? []).find((x) => x.state === 'upcoming');
  const flashNext = nextSession ? new Date(nextSession.startsAt).toTimeString().slice(0, 5) : null;
  const highlights = list.items.filter((p) => p.imageUrl && !p.soldOut).slice(0, 3);

  return (
    <Page title={shop.name} tabbar bare testId="page-home">
      <PullToRefresh
        onRefresh={async () => {
          await Promise.all([list.reset(), cats.reload(), coupons.reload(), flash.reload()]);
        }}
      >
        <header className="home-header">
          <h1>
            <span className="logo" aria-hidden="true">
              {shop.name.slice(0, 1)}
            </span>
            <span data-testid="shop-name">{shop.name}</span>
          </h1>
          <button type="button" className="home-search" onClick={() => navigate('/search')} data-testid="home-search">
            <SearchOutline aria-hidden /> 搜索店内商品
          </button>
        </header>

        <section className="home-banner" aria-label="店铺推荐">
          <Swiper autoplay={highlights.length > 1} loop={highlights.length > 1} style={{ '--height': '150px' } as React.CSSProperties}>
            {(highlights.length ? highlights : [null]).map((p, i) => (
              <Swiper.Item key={p?.id ?? 'welcome'}>
                {p ? (
                  <button
                    type="button"
                    className="banner-slide"
                    style={{ background: BANNER_BG[i % BANNER_BG.length], border: 0, width: '100%', textAlign: 'left', cursor: 'pointer', flexDirection: 'row', alignItems: 'center', gap: 16 }}
                    onClick={() => navigate(`/products/${p.id}`)}
                  >
                    <span style={{ flex: 1, display: 'flex', flexDirection: 'column', color: '#fff', minWidth: 0 }}>
                      <small>新品推荐</small>
                      <b className="ellipsis-2">{p.title}</b>
                      <span>立即查看 ›</span>
                    </span>
                    <img src={p.imageUrl!} alt="" style={{ width: 110, height: 110, objectFit: 'cover', borderRadius: 10, background: '#fff' }} />
                  </button>
                ) : (
                  <div className="banner-slide" style={{ background: BANNER_BG[0] }}>
                    <b>欢迎光临 {shop.name}</b>
                    <span>精选好物 · 微信支付 · 安心购</span>
                  </div>
                )}
              </Swiper.Item>
            ))}
          </Swiper>
        </section>

        {cats.data && cats.data.items.length > 0 && (
          <nav className="card" aria-label="商品分类">
            <div className="shortcuts">
              {cats.data.items.slice(0, 9).map((c, i) => (
                <button key={c.id} type="button" className="shortcut" onClick={() => navigate(`/category/${c.id}`)} data-testid="category-shortcut">
                  <span className="ico" style={{ background: SHORTCUT_COLORS[i % SHORTCUT_COLORS.length] }} aria-hidden="true">
                    {c.imageUrl ? <img src={c.imageUrl} alt="" /> : c.name.slice(0, 1)}
                  </span>
                  <span className="ellipsis" style={{ maxWidth: '100%' }}>
                    {c.name}
                  </span>
                </button>
              ))}
              <button type="button" className="shortcut" onClick={() => navigate('/category')}>
                <span className="ico" style={{ background: '#595959' }} aria-hidden="true">
                  全
                </span>
                <span>全部分类</span>
              </button>
            </div>
          </nav>
        )}

        <button type="button" className="promo-entry flash-entry" onClick={() => navigate('/flash-sale')} data-testid="home-flash-entry">
          <span className="promo-entry-title">
            <b>限时秒杀</b>
            <span className="small" data-testid="home-flash-text">
              {flashNow ? '正在抢购中' : flashNext ? `${flashNext} 开抢` : '每日多场 · 限量抢购'}
            </span>
          </span>
          <span className="promo-entry-go" style={{ marginLeft: 'auto' }}>
            去抢购 <RightOutline aria-hidden />
          </span>
        </button>

        {claimable.length > 0 && (
          <button type="button" className="promo-entry" onClick={() => navigate('/coupons')} data-testid="home-coupon-entry">
            <span className="promo-entry-title">
              <b>领券中心</b>
              <span className="small">{claimable.length} 张好券待领取</span>
            </span>
            <span className="promo-entry-chips" aria-hidden="true">
              {claimable.slice(0, 2).map((c) => (
                <span key={c.id} className="coupon-chip">
                  {c.label}
                </span>
              ))}
            </span>
            <span className="promo-entry-go">
              去领券 <RightOutline aria-hidden />
            </span>
          </button>
        )}

        <h2 className="section-title">为你推荐</h2>
        {list.initialLoading ? (
          <ProductGridSkeleton count={4} />
        ) : list.error && list.items.length === 0 ? (
          <ErrorState error={list.error} onRetry={list.reset} />
        ) : list.items.length === 0 ? (
          <EmptyState title="店铺还没有上架商品" description="过几天再来看看吧" />
        ) : (
          <div className="grid2" data-testid="product-grid">
            {list.items.map((p) => (
              <ProductCard key={p.id} p={p} />
            ))}
          </div>
        )}
        <ListFooter hasMore={list.hasMore} loadMore={list.loadMore} count={list.items.length} />
      </PullToRefresh>
    </Page>
  );
}
