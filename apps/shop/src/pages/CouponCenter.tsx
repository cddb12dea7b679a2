import { Button, PullToRefresh } from 'antd-mobile';
import { useCallback } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { CouponClaimAction, useClaimOnReturn, useCouponClaim } from '../components/CouponActions';
import { CouponCard } from '../components/CouponCard';
import { Page } from '../components/Page';
import { ListSkeleton } from '../components/ProductCard';
import { EmptyState, ErrorState } from '../components/States';
import { api } from '../lib/api';
import { useLoad } from '../lib/hooks';
import { useSession } from '../lib/session';
import { useShop } from '../lib/shop-info';
import type { CentreCoupon } from '../lib/types';

/** 领券中心: every coupon the shop lists for claiming. */
export default function CouponCenter() {
  const navigate = useNavigate();
  const shop = useShop();
  const { token } = useSession();
  const list = useLoad(() => api<{ items: CentreCoupon[] }>('GET', '/coupons'), [token]);
  const { setData } = list;

  const onUpdate = useCallback((c: CentreCoupon) => setData((d) => d && { items: d.items.map((x) => (x.id === c.id ? c : x)) }), [setData]);
  const returnTo = useCallback((c: CentreCoupon) => `/coupons?claim=${encodeURIComponent(c.id)}`, []);
  const { claim, busyId } = useCouponClaim({ returnTo, onUpdate });
  useClaimOnReturn(list.data?.items, claim);

  const items = list.data?.items ?? [];

  return (
    <Page
      title="领券中心"
      back
      testId="page-coupon-center"
      right={
        <Link to="/me/coupons" className="small link-btn" style={{ padding: 0 }} data-testid="coupon-center-mine">
          我的券
        </Link>
      }
    >
      <PullToRefresh onRefresh={list.reload}>
        <section className="coupon-banner" aria-labelledby="coupon-banner-title">
          <h2 id="coupon-banner-title">领券中心</h2>
          <p>{shop.name} 好券天天领,下单立享优惠</p>
        </section>
        {list.error && !list.data ? (
          <ErrorState error={list.error} onRetry={list.reload} />
        ) : !list.data ? (
          <ListSkeleton rows={3} />
        ) : items.length === 0 ? (
          <EmptyState
            title="暂无可领取的优惠券"
            description="过几天再来看看吧"
            action={
              <Button color="primary" fill="outline" className="btn-round" onClick={() => navigate('/')}>
                去逛逛
              </Button>
            }
          />
        ) : (
          <ul className="plain-list coupon-list" aria-label="可领取的优惠券" data-testid="coupon-center-list">
            {items.map((c) => {
              const soldOut = !c.canClaim && c.claimedByMe === 0 && (c.remaining <= 0 || c.reason === '已领完');
              return (
                <CouponCard
                  key={c.id}
                  item
                  coupon={c}
                  validity={c.validityText}
                  dim={!c.canClaim && c.claimedByMe === 0}
                  stamp={soldOut ? '已领完' : undefined}
                  action={soldOut ? undefined : <CouponClaimAction coupon={c} busy={busyId === c.id} onClaim={() => void claim(c)} onUse={() => navigate('/')} />}
                >
                  {c.description && <div className="coupon-meta ellipsis">{c.description}</div>}
                  {c.canClaim && c.remaining > 0 && c.remaining <= 10 && <div className="coupon-hot">仅剩 {c.remaining} 张</div>}
                </CouponCard>
              );
            })}
          </ul>
        )}
      </PullToRefresh>
    </Page>
  );
}
