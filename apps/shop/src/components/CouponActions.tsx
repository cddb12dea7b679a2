import { Button, Toast } from 'antd-mobile';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, api, errorMessage, uuid } from '../lib/api';
import { useSession } from '../lib/session';
import type { CentreCoupon, MyCoupon } from '../lib/types';

const COUPON_ERROR_TEXT: Record<string, string> = {
  COUPON_SOLD_OUT: '优惠券已领完',
  COUPON_LIMIT_REACHED: '已达到每人限领数量',
  COUPON_PAUSED: '活动已暂停,暂不可领取',
  COUPON_ENDED: '活动已结束',
  COUPON_NEW_CUSTOMERS_ONLY: '该券仅限新客领取',
  COUPON_ALREADY_USED: '该优惠券已被其他订单使用',
  COUPON_NOT_APPLICABLE: '该优惠券不满足使用条件',
};

/** The server's message when it is Chinese, otherwise ours for the coupon refusal codes. */
export function couponErrorText(err: unknown): string {
  const msg = errorMessage(err);
  if (err instanceof ApiError && COUPON_ERROR_TEXT[err.code] && !/[\u4e00-\u9fff]/.test(msg)) return COUPON_ERROR_TEXT[err.code];
  return msg;
}

interface Options {
  /** Where sign-in comes back to; the page claims the coupon named by `?claim=<id>` on return. */
  returnTo: (c: CentreCoupon) => string;
  /** The coupon as it now stands (after a claim or a refusal). */
  onUpdate: (c: CentreCoupon) => void;
  onClaimed?: (c: CentreCoupon, mine: MyCoupon) => void;
}

/**
 * Claiming a coupon: a visitor is sent to sign in and back (the return URL carries `claim=<id>` so the
 * claim they asked for completes on return); a signed-in customer claims with an Idempotency-Key that is
 * kept for a retry after a network failure, so a lost answer never claims twice.
 */
export function useCouponClaim({ returnTo, onUpdate, onClaimed }: Options) {
  const session = useSession();
  const navigate = useNavigate();
  const [busyId, setBusyId] = useState<string | null>(null);
  const busy = useRef(false);
  const keys = useRef(new Map<string, string>());

  const refresh = useCallback(
    (id: string) =>
      api<CentreCoupon>('GET', `/coupons/${encodeURIComponent(id)}`)
        .then(onUpdate)
        .catch(() => {
          /* the card keeps its last state; the next load corrects it */
        }),
    [onUpdate],
  );

  const claim = useCallback(
    async (c: CentreCoupon) => {
      if (busy.current) return;
      if (!session.token) {
        Toast.show({ content: '请先登录' });
        navigate(`/login?redirect=${encodeURIComponent(returnTo(c))}`);
        return;
      }
      busy.current = true;
      setBusyId(c.id);
      const key = keys.current.get(c.id) ?? uuid();
      keys.current.set(c.id, key);
      try {
        const mine = await api<MyCoupon>('POST', `/coupons/${encodeURIComponent(c.id)}/claim`, { body: {}, headers: { 'Idempotency-Key': key } });
        keys.current.delete(c.id);
        Toast.show({ icon: 'success', content: '领取成功' });
        // Until the server says whether another may be claimed, show it as claimed (no double tap).
        onUpdate({ ...c, claimedByMe: c.claimedByMe + 1, remaining: Math.max(0, c.remaining - 1), canClaim: false, reason: '已领取' });
        onClaimed?.(c, mine);
        void refresh(c.id);
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 0) keys.current.delete(c.id);
        if (err instanceof ApiError && err.status === 401) {
          navigate(`/login?redirect=${encodeURIComponent(returnTo(c))}`);
          return;
        }
        Toast.show({ icon: 'fail', content: couponErrorText(err) });
        if (err instanceof ApiError && err.status === 409) void refresh(c.id);
      } finally {
        busy.current = false;
        setBusyId(null);
      }
    },
    [session.token, navigate, returnTo, onUpdate, onClaimed, refresh],
  );

  return { claim, busyId };
}

/**
 * Completes the claim a visitor started before signing in: the page came back with `?claim=<id>`.
 * The parameter is removed first, so a reload or going back never claims again.
 */
export function useClaimOnReturn(coupons: CentreCoupon[] | null | undefined, claim: (c: CentreCoupon) => unknown, param = 'claim') {
  const [params, setParams] = useSearchParams();
  const { token, checking } = useSession();
  const done = useRef(false);
  const wanted = params.get(param);
  useEffect(() => {
    if (!wanted || done.current || !token || checking || !coupons) return;
    done.current = true;
    const next = new URLSearchParams(params);
    next.delete(param);
    setParams(next, { replace: true });
    const c = coupons.find((x) => x.id === wanted || wanted === '1');
    if (c && c.canClaim) void claim(c);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [wanted, token, checking, coupons]);
}

/** The right side of a claim-centre coupon: 立即领取, or why not. */
export function CouponClaimAction({ coupon, busy, onClaim, onUse }: { coupon: CentreCoupon; busy: boolean; onClaim: () => void; onUse: () => void }) {
  if (coupon.canClaim) {
    return (
      <>
        <Button size="small" color="primary" className="btn-round coupon-btn" loading={busy} onClick={onClaim} aria-label={`${coupon.claimedByMe > 0 ? '继续领取' : '立即领取'} ${coupon.name}`} data-testid="coupon-claim">
          {coupon.claimedByMe > 0 ? '继续领取' : '立即领取'}
        </Button>
        {coupon.claimedByMe > 0 && <span className="coupon-note">已领{coupon.claimedByMe}张</span>}
      </>
    );
  }
  if (coupon.claimedByMe > 0) {
    return (
      <>
        <span className="coupon-state" data-testid="coupon-state">
          {coupon.reason ?? '已领取'}
        </span>
        <Button size="small" color="primary" fill="outline" className="btn-round coupon-btn" onClick={onUse} aria-label={`去使用 ${coupon.name}`} data-testid="coupon-use">
          去使用
        </Button>
      </>
    );
  }
  return (
    <span className="coupon-state" data-testid="coupon-state">
      {coupon.reason ?? '暂不可领'}
    </span>
  );
}
