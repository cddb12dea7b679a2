import { Button, PullToRefresh } from 'antd-mobile';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { CouponCard, couponDate, myCouponValidity } from '../components/CouponCard';
import { Page } from '../components/Page';
import { ListSkeleton } from '../components/ProductCard';
import { EmptyState, ErrorState } from '../components/States';
import { api } from '../lib/api';
import { useLoad } from '../lib/hooks';
import type { MyCoupon, MyCoupons as MyCouponsData } from '../lib/types';

const TABS = [
  { key: 'unused', label: '未使用' },
  { key: 'used', label: '已使用' },
  { key: 'expired', label: '已过期' },
] as const;
type TabKey = (typeof TABS)[number]['key'];

const STAMP: Record<MyCoupon['status'], string | undefined> = { unused: undefined, used: '已使用', expired: '已过期', revoked: '已作废' };
const SOON_MS = 3 * 24 * 3600 * 1000;

/** 我的优惠券: 未使用 / 已使用 / 已过期, each with its count. */
export default function MyCoupons() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const tab: TabKey = TABS.find((t) => t.key === params.get('status'))?.key ?? 'unused';
  const list = useLoad(() => api<MyCouponsData>('GET', '/me/coupons', { query: { status: tab } }), [tab]);
  const counts = list.data?.counts;
  const items = list.data?.items ?? [];

  return (
    <Page
      title="我的优惠券"
      back="/me"
      testId="page-my-coupons"
      right={
        <Link to="/coupons" className="small link-btn" style={{ padding: 0 }} data-testid="my-coupons-center">
          领券中心
        </Link>
      }
    >
      <div className="order-tabs fixed-top" role="tablist" aria-label="优惠券状态">
        {TABS.map((t) => (
          <button
            key={t.key}
            type="button"
            role="tab"
            id={`coupon-tab-${t.key}`}
            aria-selected={t.key === tab}
            aria-controls="coupon-tab-panel"
            onClick={() => setParams(t.key === 'unused' ? {} : { status: t.key }, { replace: true })}
            data-testid={`my-coupons-tab-${t.key}`}
          >
            {t.label}
            {counts ? `(${counts[t.key]})` : ''}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="coupon-tab-panel" aria-labelledby={`coupon-tab-${tab}`}>
        <PullToRefresh onRefresh={list.reload}>
          {list.error && !list.data ? (
            <ErrorState error={list.error} onRetry={list.reload} />
          ) : !list.data || list.loading ? (
            <ListSkeleton rows={3} />
          ) : items.length === 0 ? (
            <EmptyState
              title={tab === 'unused' ? '暂无可用的优惠券' : tab === 'used' ? '还没有用过优惠券' : '没有过期的优惠券'}
              description={tab === 'unused' ? '去领券中心领几张吧' : undefined}
              action={
                tab === 'unused' ? (
                  <Button color="primary" fill="outline" className="btn-round" onClick={() => navigate('/coupons')} data-testid="my-coupons-go-center">
                    去领券
                  </Button>
                ) : undefined
              }
            />
          ) : (
            <ul className="plain-list coupon-list" aria-label={`${TABS.find((t) => t.key === tab)!.label}的优惠券`} data-testid="my-coupons-list">
              {items.map((c) => {
                const usable = c.status === 'unused';
                const soon = usable && new Date(c.validTo).getTime() - Date.now() < SOON_MS;
                const notYet = usable && new Date(c.validFrom).getTime() > Date.now();
                return (
                  <CouponCard
                    key={c.id}
                    item
                    testId="my-coupon"
                    coupon={c}
                    validity={myCouponValidity(c)}
                    dim={!usable}
                    stamp={STAMP[c.status]}
                    action={
                      usable ? (
                        <Button size="small" color="primary" fill="outline" className="btn-round coupon-btn" disabled={notYet} onClick={() => navigate('/')} aria-label={`去使用 ${c.name}`} data-testid="coupon-use">
                          {notYet ? '未开始' : '去使用'}
                        </Button>
                      ) : undefined
                    }
                  >
                    {soon && !notYet && <div className="coupon-hot">即将过期</div>}
                    {c.status === 'used' && c.usedAt && (
                      <div className="coupon-meta">
                        {couponDate(c.usedAt)} 已使用
                        {c.orderId && (
                          <Link to={`/orders/${c.orderId}`} className="link-btn" style={{ padding: '0 0 0 6px', fontSize: 12, textDecoration: 'underline' }}>
                            查看订单
                          </Link>
                        )}
                      </div>
                    )}
                  </CouponCard>
                );
              })}
            </ul>
          )}
        </PullToRefresh>
      </div>
    </Page>
  );
}
