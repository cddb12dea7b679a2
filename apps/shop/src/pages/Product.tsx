import { Button, Skeleton, Swiper, Toast } from 'antd-mobile';
import { RightOutline, ShopbagOutline, AppOutline } from 'antd-mobile-icons';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router-dom';
import { Img } from '../components/Img';
import { Page } from '../components/Page';
import { MarketPrice, Price } from '../components/Price';
import { PromoBundles } from '../components/PromoBundles';
import { PresaleBand, presaleItemFor, presaleProduct } from '../components/PresaleBand';
import { PromoCoupons, PromoFlash, PromoReductions, flashPhase, withActivityPrices } from '../components/PromoProduct';
import { RichText } from '../components/RichText';
import { SkuPopup, type SkuAction } from '../components/SkuPopup';
import { ErrorState } from '../components/States';
import { ApiError, api } from '../lib/api';
import { checkoutDraft } from '../lib/checkout-draft';
import { money } from '../lib/format';
import { toastError, useLoad } from '../lib/hooks';
import { depositResultPath, monthDay, payDeposit, presaleErrorText, type Presale } from '../lib/presale';
import { useSession } from '../lib/session';
import { track } from '../lib/tracking';
import { useFlagText } from '../lib/flags';
import type { CentreCoupon, Cart, ProductDetail, ProductPromotions, StoreSku } from '../lib/types';
import { ReviewsSection } from './ProductReviews';
import { ShareButton } from './ShareButton';
import { useProductFission } from './fission/ProductFission';

export default function ProductPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const loc = useLocation();
  const session = useSession();
  // The console's A/B 实验 "buy_button" may change this text; the control keeps 立即购买.
  const buyText = useFlagText('buy_button', 'buttonText', '立即购买');
  const { data: product, error, reload } = useLoad(() => api<ProductDetail>('GET', `/products/${encodeURIComponent(id)}`), [id]);
  // Promotions never block the product page: without them it shows regular prices.
  const promos = useLoad(() => api<ProductPromotions>('GET', `/products/${encodeURIComponent(id)}/promotions`).catch(() => null), [id, session.token]);
  // A 定金预售 replaces the buy buttons; its clock is the server's (skew = server − this device).
  const presaleLoad = useLoad(
    () =>
      api<{ presale: Presale | null; serverTime: string }>('GET', `/products/${encodeURIComponent(id)}/presale`)
        .then((r) => ({ presale: r.presale, skewMs: Date.parse(r.serverTime) - Date.now() }))
        .catch(() => null),
    [id],
  );
  const presale = presaleLoad.data?.presale && presaleLoad.data.presale.phase !== 'ended' ? presaleLoad.data.presale : null;
  const promoData = promos.data;
  const setPromos = promos.setData;
  const flash = promoData?.limitedDiscount ?? null;
  // While a 限时折扣 runs, the SKU picker (and the price here) show the activity price.
  const p = useMemo(() => withActivityPrices(product, flash), [product, flash]);
  const onCouponUpdate = useCallback((c: CentreCoupon) => setPromos((d) => d && { ...d, coupons: d.coupons.map((x) => (x.id === c.id ? c : x)) }), [setPromos]);
  const [popup, setPopup] = useState<{ open: boolean; action: SkuAction | null }>({ open: false, action: null });
  const [busy, setBusy] = useState(false);
  const [picked, setPicked] = useState<{ sku: StoreSku | null; qty: number }>({ sku: null, qty: 1 });
  const [slide, setSlide] = useState(0);
  const onSelect = useCallback((sku: StoreSku | null, qty: number) => setPicked({ sku, qty }), []);
  // 拼团 / 砍价: bands in the body and, while a group buy runs, 单独购买 / 发起拼团 as the buy buttons.
  const fission = useProductFission(id, presale ? null : p);

  // Once per product shown: a retry or a promotions reload must not count another view.
  const viewed = useRef<string | null>(null);
  useEffect(() => {
    if (!product || viewed.current === product.id) return;
    viewed.current = product.id;
    track('product_viewed', { product_id: product.id, name: product.title, price_fen: product.minPrice });
  }, [product]);

  if (error) {
    return (
      <Page title="商品详情" back>
        <ErrorState error={error} onRetry={reload} />
      </Page>
    );
  }
  if (!p) {
    return (
      <Page title="商品详情" back>
        <Skeleton animated style={{ '--width': '100%', '--height': '375px', '--border-radius': '0' } as React.CSSProperties} />
        <div className="pd-info">
          <Skeleton.Title animated />
          <Skeleton.Paragraph lineCount={3} animated />
        </div>
      </Page>
    );
  }

  const needSignIn = () => {
    if (session.token) return false;
    Toast.show({ content: '请先登录' });
    navigate(`/login?redirect=${encodeURIComponent(loc.pathname)}`);
    return true;
  };

  const open = (action: SkuAction | null) => {
    if (action && needSignIn()) return;
    setPopup({ open: true, action });
  };

  const confirm = async (sku: StoreSku, quantity: number, action: SkuAction) => {
    if (needSignIn()) return;
    if (action === 'buy') {
      checkoutDraft.set({
        items: [{ skuId: sku.id, quantity }],
        fromCart: false,
        images: { [sku.id]: p.images[0] ?? null },
        info: { [sku.id]: { title: p.title, specText: sku.specText, priceFen: sku.price } },
      });
      setPopup({ open: false, action: null });
      navigate('/checkout');
      return;
    }
    setBusy(true);
    try {
      const cart = await api<Cart>('POST', '/cart/items', { body: { skuId: sku.id, quantity } });
      track('product_added', { product_id: p.id, sku_id: sku.id, quantity, price_fen: sku.price });
      session.setCart(cart);
      setPopup({ open: false, action: null });
      Toast.show({ icon: 'success', content: '已加入购物车' });
    } catch (err) {
      toastError(err);
    } finally {
      setBusy(false);
    }
  };

  const payPresaleDeposit = async (sku: StoreSku, quantity: number) => {
    if (!presale || needSignIn()) return;
    setBusy(true);
    try {
      const r = await payDeposit(presale.id, { skuId: sku.id, quantity });
      setPopup({ open: false, action: null });
      const next = depositResultPath(r);
      if (next) navigate(next);
    } catch (err) {
      Toast.show({ icon: 'fail', content: err instanceof ApiError ? presaleErrorText(err.code, err.message) : (err as Error).message });
      if (err instanceof ApiError && err.code === 'PRESALE_NOT_IN_DEPOSIT') void presaleLoad.reload();
    } finally {
      setBusy(false);
    }
  };

  const priceSku = picked.sku ?? [...p.skus].sort((a, b) => a.price - b.price)[0];
  const phase = flashPhase(flash);
  const images = p.images.length ? p.images : [null];
  const hasSpecs = p.specAttributes.length > 0;

  return (
    <Page title={p.title} back actionbar testId="page-product">
      <section className="pd-swiper" aria-label="商品图片">
        <Swiper
          onIndexChange={setSlide}
          indicator={(total, cur) => (images.length > 1 ? <div className="pd-indicator" aria-hidden="true">{`${cur + 1}/${total}`}</div> : null)}
        >
          {images.map((src, i) => (
            <Swiper.Item key={`${src}-${i}`}>
              <div className="slide">
                <Img src={src} alt={`${p.title} 图片 ${i + 1}`} lazy={i > 0} />
              </div>
            </Swiper.Item>
          ))}
        </Swiper>
        <span className="sr-only" aria-live="polite">{`第 ${slide + 1} 张,共 ${images.length} 张`}</span>
      </section>

      {presale && <PresaleBand presale={presale} product={p} sku={picked.sku} skewMs={presaleLoad.data?.skewMs ?? 0} onBoundary={() => void presaleLoad.reload()} />}

      {!presale && flash && phase && <PromoFlash discount={flash} sku={picked.sku} onPhaseEnd={() => void promos.reload()} />}

      <section className="pd-info">
        {phase !== 'running' && !presale && (
          <div className="row between">
            <div>
              <Price fen={picked.sku ? picked.sku.price : p.minPrice} size="lg" from={!picked.sku && p.maxPrice > p.minPrice} testId="product-price" />
              <MarketPrice fen={priceSku?.marketPrice} />
            </div>
            <span className="small muted">已售 {p.salesCount}</span>
          </div>
        )}
        <div className="pd-title-row">
          <h2 className="pd-title" data-testid="product-title">
            {p.title}
          </h2>
          <ShareButton target="product" targetId={p.id} title={p.title} />
        </div>
        {p.subtitle && <p className="small muted" style={{ margin: 0 }}>{p.subtitle}</p>}
        {/* With the 限时折扣 band carrying the price, sales move under the title. */}
        {(phase === 'running' || presale) && <p className="small muted" style={{ margin: '4px 0 0' }}>已售 {p.salesCount}</p>}
      </section>

      {fission.block}

      <section className="pd-cell card" style={{ margin: '10px 0 0', borderRadius: 0 }}>
        {promoData && <PromoCoupons productId={p.id} coupons={promoData.coupons} onUpdate={onCouponUpdate} />}
        {promoData && <PromoReductions items={promoData.fullReductions} />}
        {hasSpecs && (
          <button type="button" className="cell-btn" onClick={() => open(null)} data-testid="open-sku">
            <span className="muted">已选</span>
            <span className="grow ellipsis">{picked.sku ? `${picked.sku.specText},${picked.qty} 件` : `请选择 ${p.specAttributes.map((a) => a.name).join(' ')}`}</span>
            <RightOutline aria-hidden />
          </button>
        )}
        <div className="cell-btn" style={{ cursor: 'default' }}>
          <span className="muted">配送</span>
          <span className="grow">快递配送 · 到店自提</span>
        </div>
        <div className="cell-btn" style={{ cursor: 'default' }}>
          <span className="muted">库存</span>
          <span className="grow" data-testid="product-stock">
            {p.soldOut ? '已售罄' : picked.sku ? (picked.sku.soldOut ? '已售罄' : `库存 ${picked.sku.available} 件`) : '有货'}
          </span>
        </div>
      </section>

      {promoData && <PromoBundles bundles={promoData.bundles} />}

      <ReviewsSection productId={p.id} />

      <section className="pd-desc" aria-labelledby="desc-title">
        <h3 id="desc-title" style={{ fontSize: 15, margin: '0 0 8px' }}>
          商品详情
        </h3>
        {p.description ? <RichText source={p.description} alt={p.title} /> : <p className="muted">商家暂未填写商品详情</p>}
      </section>

      <div className="fixed-bottom actionbar" role="toolbar" aria-label="购买操作">
        <button type="button" className="icon-btn" onClick={() => navigate('/')}>
          <AppOutline fontSize={22} aria-hidden />
          <span>店铺</span>
        </button>
        <button type="button" className="icon-btn" onClick={() => navigate('/cart')} data-testid="go-cart">
          <span className="tab-icon">
            <ShopbagOutline fontSize={22} aria-hidden />
            {session.cartCount > 0 && (
              <span className="dot-badge" aria-hidden="true">
                {session.cartCount > 99 ? '99+' : session.cartCount}
              </span>
            )}
          </span>
          <span>购物车</span>
          {session.cartCount > 0 && <span className="sr-only">,{session.cartCount} 件商品</span>}
        </button>
        {presale ? (
          presale.phase === 'deposit' ? (
            <Button block color="primary" className="btn-round grow presale-pay" onClick={() => open('buy')} disabled={p.soldOut} data-testid="presale-pay-deposit">
              {p.soldOut ? '已售罄' : '支付定金'}
            </Button>
          ) : presale.phase === 'balance' ? (
            <Button block color="primary" className="btn-round grow" onClick={() => navigate('/me/presales')} data-testid="presale-go-balance">
              已付定金?去付尾款
            </Button>
          ) : (
            <Button block color="default" className="btn-round grow" disabled data-testid="presale-waiting">
              {presale.phase === 'upcoming' ? `定金 ${monthDay(presale.depositStartsAt)} 开始` : `尾款 ${monthDay(presale.balanceStartsAt, false)}开始`}
            </Button>
          )
        ) : fission.actions ? (
          fission.actions(() => open('buy'))
        ) : p.soldOut ? (
          <Button block color="default" className="btn-round grow" disabled>
            已售罄
          </Button>
        ) : (
          <div className="grow row" style={{ gap: 0 }}>
            <Button block className="btn-orange" style={{ borderRadius: '999px 0 0 999px' }} onClick={() => open('cart')} data-testid="add-to-cart">
              加入购物车
            </Button>
            <Button block color="primary" style={{ borderRadius: '0 999px 999px 0' }} onClick={() => open('buy')} data-testid="buy-now">
              {buyText}
            </Button>
          </div>
        )}
      </div>

      {presale ? (
        <SkuPopup
          product={presaleProduct(p, presale)}
          visible={popup.open}
          action={popup.action}
          busy={busy}
          onClose={() => setPopup({ open: false, action: null })}
          onConfirm={(sku, qty) => (presale.phase === 'deposit' ? void payPresaleDeposit(sku, qty) : setPopup({ open: false, action: null }))}
          onSelect={onSelect}
          confirmText={presale.phase === 'deposit' ? '支付定金' : '确定'}
          maxQuantity={presale.perCustomerLimit}
          note={(sku) => {
            const x = presaleItemFor(presale, p, sku);
            return x ? (
              <div className="small presale-note" data-testid="sku-presale-note">
                {x.item.label} · 尾款 {money(Math.max(0, x.sku.price - x.item.deductFen))}
              </div>
            ) : null;
          }}
        />
      ) : (
        <SkuPopup product={p} visible={popup.open} action={popup.action} busy={busy} onClose={() => setPopup({ open: false, action: null })} onConfirm={confirm} onSelect={onSelect} />
      )}
    </Page>
  );
}
