import { Button, Dialog, PullToRefresh, Toast } from 'antd-mobile';
import { CloseOutline, RightOutline } from 'antd-mobile-icons';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { COUPON_KIND_TEXT } from '../components/CouponCard';
import { Page } from '../components/Page';
import { ListSkeleton } from '../components/ProductCard';
import { EmptyState, ErrorState } from '../components/States';
import { ApiError, api, errorMessage, uuid } from '../lib/api';
import { useLoad } from '../lib/hooks';
import { useSession } from '../lib/session';
import { money } from '../lib/format';
import type { CouponKind } from '../lib/types';
import './points-mall.css';
import './retention.css';

/** An item on sale in the points mall, as the storefront API lists it. */
export interface MallItem {
  id: string;
  /** A coupon redeemed here, or goods ordered through the redeem page (积分 + optional cash). */
  kind?: 'coupon' | 'goods';
  title: string;
  couponTemplateId: string | null;
  coupon: { name: string; kind: CouponKind } | null;
  skuId?: string | null;
  productId?: string | null;
  product?: { title: string; specText: string; imageUrl: string | null; priceFen: number; onSale: boolean } | null;
  cashFen?: number;
  points: number;
  stock: number;
  redeemed: number;
  perCustomerLimit: number;
  status: 'on_sale' | 'off_shelf';
  sortOrder: number;
}

interface Redemption {
  id: string;
  couponId: string;
  points: number;
}

const MALL_ERROR_TEXT: Record<string, string> = {
  POINTS_INSUFFICIENT: '积分不足,无法兑换',
  MALL_SOLD_OUT: '来晚了,该商品已兑完',
  MALL_LIMIT_REACHED: '已达到每人限兑数量',
  MALL_ITEM_OFF_SHELF: '该商品已下架,暂不可兑换',
};

/** The server's refusal codes in Chinese (its messages are English); anything else as the API says it. */
function mallErrorText(err: unknown): string {
  if (err instanceof ApiError && MALL_ERROR_TEXT[err.code]) {
    if (err.code === 'POINTS_INSUFFICIENT' && typeof err.details?.balance === 'number') return `积分不足,当前仅有 ${err.details.balance} 积分`;
    if (err.code === 'MALL_LIMIT_REACHED' && typeof err.details?.limit === 'number') return `每人限兑 ${err.details.limit} 张,你已兑满`;
    return MALL_ERROR_TEXT[err.code];
  }
  return errorMessage(err);
}

/** Why an item cannot be redeemed now, or null when it can. Without a balance (visitors) only stock counts: tapping asks them to sign in. */
function blockedReason(i: MallItem, balance: number | null, limited: boolean): string | null {
  if (i.stock <= 0) return '已兑完';
  if (i.kind === 'goods' && !i.product?.onSale) return '暂不可兑换';
  if (limited) return '已达兑换上限';
  if (balance !== null && balance < i.points) return `积分不足\n还差 ${i.points - balance}`;
  return null;
}

const NOTICE_MS = 6000;

/**
 * 积分商城: coupons bought with points. Visitors can browse; 兑换 sends them to sign in and back
 * (`?redeem=<id>` reopens the confirmation, it never redeems without it). Each confirmed tap carries an
 * Idempotency-Key, kept only for a retry after a network failure, so a lost answer never spends twice.
 */
export default function PointsMall() {
  const navigate = useNavigate();
  const { token, checking } = useSession();
  const [params, setParams] = useSearchParams();
  const list = useLoad(() => api<{ items: MallItem[] }>('GET', '/points/mall'), []);
  // limit=1: only the balance is wanted here.
  const mine = useLoad(() => (token ? api<{ balance: number }>('GET', '/me/points', { query: { limit: 1 } }).then((r) => r.balance) : Promise.resolve(null)), [token]);
  const balance = token && !mine.error ? mine.data : null;
  const [busyId, setBusyId] = useState<string | null>(null);
  // Items this customer reached the per-customer limit on (the list does not say; the server's refusal does).
  const [limited, setLimited] = useState<Set<string>>(() => new Set());
  const [notice, setNotice] = useState<string | null>(null);
  const busy = useRef(false);
  const keys = useRef(new Map<string, string>());

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);

  const refresh = useCallback(async () => {
    await Promise.all([list.reload(), mine.reload()]);
  }, [list, mine]);

  const redeem = useCallback(
    async (item: MallItem) => {
      if (busy.current) return;
      if (!token) {
        Toast.show({ content: '请先登录' });
        navigate(`/login?redirect=${encodeURIComponent(`/points-mall?redeem=${item.id}`)}`);
        return;
      }
      // Goods become an order: the customer chooses delivery or pickup on the redeem page.
      if (item.kind === 'goods') {
        navigate(`/points-mall/${encodeURIComponent(item.id)}/redeem`);
        return;
      }
      const question = `确认用 ${item.points} 积分兑换?`;
      const ok = await Dialog.confirm({
        'aria-label': question,
        title: question,
        content: `兑换「${item.title}」,优惠券将放入“我的优惠券”;积分一经兑换不退还`,
        confirmText: '确认兑换',
        cancelText: '再想想',
      });
      if (!ok || busy.current) return;
      busy.current = true;
      setBusyId(item.id);
      const key = keys.current.get(item.id) ?? uuid();
      keys.current.set(item.id, key);
      try {
        const r = await api<Redemption>('POST', `/points/mall/${encodeURIComponent(item.id)}/redeem`, { body: {}, headers: { 'Idempotency-Key': key } });
        keys.current.delete(item.id);
        setNotice(`兑换成功,已扣除 ${r.points} 积分`);
        // Show the result at once; the reloads below bring the server's numbers.
        list.setData((d) => d && { items: d.items.map((x) => (x.id === item.id ? { ...x, stock: Math.max(0, x.stock - 1), redeemed: x.redeemed + 1 } : x)) });
        mine.setData((b) => (b === null ? b : Math.max(0, b - r.points)));
        void refresh();
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 0) keys.current.delete(item.id);
        if (err instanceof ApiError && err.status === 401) {
          navigate(`/login?redirect=${encodeURIComponent(`/points-mall?redeem=${item.id}`)}`);
          return;
        }
        if (err instanceof ApiError && err.code === 'MALL_LIMIT_REACHED') setLimited((s) => new Set(s).add(item.id));
        Toast.show({ icon: 'fail', content: mallErrorText(err) });
        if (err instanceof ApiError && err.status === 409) void refresh();
      } finally {
        busy.current = false;
        setBusyId(null);
      }
    },
    [token, navigate, list, mine, refresh],
  );

  // Back from signing in with ?redeem=<id>: ask again (spending points always needs the customer's yes).
  const wanted = params.get('redeem');
  const resumed = useRef(false);
  useEffect(() => {
    if (!wanted || resumed.current || !token || checking || !list.data || (mine.data === null && !mine.error)) return;
    resumed.current = true;
    const next = new URLSearchParams(params);
    next.delete('redeem');
    setParams(next, { replace: true });
    const item = list.data.items.find((x) => x.id === wanted);
    if (!item) return;
    const reason = blockedReason(item, mine.error ? null : mine.data, false);
    if (reason) Toast.show({ content: reason.replace('\n', ',') });
    else void redeem(item);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [wanted, token, checking, list.data, mine.data]);

  const items = list.data?.items ?? [];

  return (
    <Page
      title="积分商城"
      back
      testId="page-points-mall"
      right={
        token ? (
          <Link to="/me/coupons" className="small link-btn" style={{ padding: 0 }} data-testid="mall-my-coupons">
            我的券
          </Link>
        ) : undefined
      }
    >
      <PullToRefresh onRefresh={refresh}>
        <section className="mall-hero" aria-label="我的积分">
          {token ? (
            <>
              <div className="grow">
                <div className="mall-hero-label">我的积分</div>
                <div className="mall-hero-balance" data-testid="mall-balance">
                  {balance ?? '—'}
                </div>
                <div className="mall-hero-sub">积分可兑换下列好券好物</div>
              </div>
              <Link to="/me/points" className="mall-hero-link" data-testid="mall-points-detail">
                积分明细
                <RightOutline aria-hidden fontSize={12} />
              </Link>
            </>
          ) : (
            <>
              <div className="grow">
                <div className="mall-hero-label">积分兑好券</div>
                <div className="mall-hero-sub">登录后查看我的积分并兑换</div>
              </div>
              <button type="button" className="mall-hero-link" onClick={() => navigate(`/login?redirect=${encodeURIComponent('/points-mall')}`)} data-testid="mall-sign-in">
                登录 / 注册
              </button>
            </>
          )}
        </section>

        {list.error && !list.data ? (
          <ErrorState error={list.error} onRetry={list.reload} />
        ) : !list.data ? (
          <ListSkeleton rows={3} />
        ) : items.length === 0 ? (
          <EmptyState
            title="暂无可兑换的商品"
            description="过几天再来看看吧"
            action={
              <Button color="primary" fill="outline" className="btn-round" onClick={() => navigate('/me/check-in')}>
                去签到攒积分
              </Button>
            }
          />
        ) : (
          <ul className="plain-list mall-list" aria-label="可兑换的商品" data-testid="mall-list">
            {items.map((i) => {
              const reason = blockedReason(i, balance, limited.has(i.id));
              const soldOut = i.stock <= 0;
              const goods = i.kind === 'goods';
              const unit = goods ? '件' : '张';
              return (
                <li key={i.id} className={soldOut ? 'mall-item dim' : 'mall-item'} data-testid="mall-item" data-item-id={i.id}>
                  <div className="mall-item-face" data-testid="mall-item-points">
                    <div className="mall-item-points">{i.points}</div>
                    <div className="mall-item-unit">积分</div>
                    {goods && !!i.cashFen && (
                      <div className="mall-cash" data-testid="mall-item-cash">
                        +{money(i.cashFen)}
                      </div>
                    )}
                  </div>
                  <div className="mall-item-body">
                    <h2 className="mall-item-title ellipsis-2">{i.title}</h2>
                    {goods ? (
                      <div className="mall-item-meta ellipsis" data-testid="mall-item-goods">
                        {i.product ? `实物 · ${i.product.title}${i.product.specText ? ` ${i.product.specText}` : ''}` : '实物商品'}
                      </div>
                    ) : (
                      <div className="mall-item-meta ellipsis" data-testid="mall-item-coupon">
                        {i.coupon ? `${COUPON_KIND_TEXT[i.coupon.kind]} · ${i.coupon.name}` : '优惠券'}
                      </div>
                    )}
                    <div className="mall-item-meta">
                      <span data-testid="mall-item-stock">{soldOut ? '已兑完' : `剩余 ${i.stock} ${unit}`}</span>
                      {` · 每人限兑 ${i.perCustomerLimit} ${unit}`}
                    </div>
                    {!soldOut && i.stock <= 10 && <div className="mall-item-low">仅剩 {i.stock} {unit},先兑先得</div>}
                  </div>
                  <div className="mall-item-side">
                    <Button
                      size="small"
                      color="primary"
                      className="btn-round"
                      disabled={!!reason}
                      loading={busyId === i.id}
                      onClick={() => void redeem(i)}
                      aria-label={`兑换 ${i.title},${i.points} 积分${goods && i.cashFen ? ` 加 ${money(i.cashFen)}` : ''}`}
                      aria-describedby={reason ? `mall-reason-${i.id}` : undefined}
                      data-testid="mall-redeem"
                    >
                      兑换
                    </Button>
                    {reason && (
                      <span className="mall-item-reason" id={`mall-reason-${i.id}`} data-testid="mall-reason">
                        {reason}
                      </span>
                    )}
                  </div>
                </li>
              );
            })}
          </ul>
        )}
        {items.length > 0 && (
          <section className="card" aria-labelledby="mall-rules-title">
            <h2 id="mall-rules-title" className="card-title pts-h">
              兑换说明
            </h2>
            <ul className="mall-rules">
              <li>兑换成功后优惠券立即放入“我的优惠券”,请在有效期内使用</li>
              <li>兑换优惠券所用积分不退还;每件商品有每人限兑数量</li>
              <li>实物商品兑换后生成订单,可选快递或到店自提;订单取消或退款时积分退回</li>
              <li>购物、每日签到都能获得积分</li>
            </ul>
          </section>
        )}
      </PullToRefresh>

      <div aria-live="polite" role="status">
        {notice && (
          <div className="mall-notice" data-testid="mall-notice">
            <span className="grow">
              {notice},优惠券已放入 <Link to="/me/coupons" data-testid="mall-notice-coupons">我的优惠券</Link>
            </span>
            <button type="button" aria-label="关闭提示" onClick={() => setNotice(null)}>
              <CloseOutline aria-hidden />
            </button>
          </div>
        )}
      </div>
    </Page>
  );
}
