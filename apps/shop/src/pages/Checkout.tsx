import { Button, Dialog, Skeleton, Switch, TextArea, Toast } from 'antd-mobile';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { couponErrorText } from '../components/CouponActions';
import { CouponPicker } from '../components/CouponPicker';
import { AddressCard, FulfilmentSwitch, PickupChooser } from '../components/FulfilmentChooser';
import { Img } from '../components/Img';
import { Page } from '../components/Page';
import { PromoGiftLines, PromoSavings, savingLines } from '../components/PromoLines';
import { Price } from '../components/Price';
import { EmptyState } from '../components/States';
import { ApiError, api, errorMessage, uuid } from '../lib/api';
import { checkoutDraft, type CheckoutDraft } from '../lib/checkout-draft';
import { money } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { startPayment } from '../lib/pay';
import { useSession } from '../lib/session';
import { track } from '../lib/tracking';
import type { Address, Cart, CheckoutPreview, Order, PickupPoint } from '../lib/types';
import { fissionBody, fissionNote, type FissionDraft } from './fission/checkout';

const COUPON_REFUSALS = new Set(['COUPON_ALREADY_USED', 'COUPON_NOT_APPLICABLE']);

/** Drafts already recorded as started: coming back from the address picker is the same checkout. */
const startedDrafts = new Set<string>();

/** What points could pay on this order (present once the loyalty module prices checkout). */
interface CheckoutPoints {
  enabled: boolean;
  balance: number;
  pointsPerYuan: number;
  maxDeductPercent: number;
  /** Points this order would spend with 积分抵扣 on; 0 when points cannot pay anything. */
  usable: number;
  deductFen: number;
  using: boolean;
}
/** What the member balance could pay on this order (present once stored value prices checkout). */
interface CheckoutBalance {
  enabled: boolean;
  balanceFen: number;
  /** What the balance would pay with 余额支付 on; 0 when there is nothing to pay with. */
  usableFen: number;
  using: boolean;
}
type Preview = CheckoutPreview & { points?: CheckoutPoints; balance?: CheckoutBalance; tenders?: { code: string; label: string; amountFen: number }[]; cashDueFen?: number };

/** Why the 积分抵扣 switch is off-limits on this order. */
function pointsBlockedReason(p: CheckoutPoints): string {
  if (p.maxDeductPercent === 0) return '本店暂不支持积分抵扣';
  if (p.balance === 0) return '暂无可用积分';
  if (p.balance < p.pointsPerYuan) return `共 ${p.balance} 积分,满 ${p.pointsPerYuan} 积分可抵 ¥1`;
  return `订单金额不足以使用积分(共 ${p.balance} 积分)`;
}

/**
 * A tender row at checkout (积分抵扣, 余额支付): a switch with what it would pay, or why it cannot.
 * Space/Enter on the wrapper toggles too; a blocked switch leaves the tab order.
 */
function TenderSwitchRow(props: {
  /** Names the row's ids and test ids: checkout-<name>-row, -label, -text, -switch. */
  name: 'points' | 'balance';
  label: string;
  text: string;
  /** Set when the text should carry its own id (checkout-<name>-text). */
  textHasId?: boolean;
  blocked: boolean;
  using: boolean;
  disabled: boolean;
  onChange: (on: boolean) => void;
}) {
  const { name, label, text, textHasId, blocked, using, disabled, onChange } = props;
  const toggle = () => {
    if (!blocked && !disabled) onChange(!using);
  };
  return (
    <div className="kv points-switch-row" data-testid={`checkout-${name}-row`}>
      <span className="grow" id={`checkout-${name}-label`}>
        {label}
        <span className={blocked ? 'small muted points-switch-text' : 'small points-switch-text'} id={textHasId ? `checkout-${name}-text` : undefined} data-testid={`checkout-${name}-text`}>
          {text}
        </span>
      </span>
      <span
        onKeyDown={(e) => {
          if (e.key === ' ' || e.key === 'Enter') {
            e.preventDefault();
            toggle();
          }
        }}
      >
        <Switch
          checked={using}
          disabled={blocked || disabled}
          onChange={(on) => onChange(on)}
          tabIndex={blocked ? -1 : 0}
          aria-labelledby={`checkout-${name}-label`}
          data-testid={`checkout-${name}-switch`}
        />
      </span>
    </div>
  );
}

/** The 积分抵扣 row: what points would pay, or why they cannot. */
function PointsRow({ points, disabled, onChange }: { points: CheckoutPoints; disabled: boolean; onChange: (on: boolean) => void }) {
  const blocked = points.usable === 0;
  const text = blocked ? pointsBlockedReason(points) : `可用 ${points.usable} 积分抵 ${money(points.deductFen)}`;
  return <TenderSwitchRow name="points" label="积分抵扣" text={text} textHasId blocked={blocked} using={points.using} disabled={disabled} onChange={onChange} />;
}

/** The 余额支付 row: what the balance would pay on this order, or why it cannot. */
function BalanceRow({ balance, disabled, onChange }: { balance: CheckoutBalance; disabled: boolean; onChange: (on: boolean) => void }) {
  const blocked = balance.usableFen === 0;
  const text = balance.balanceFen === 0 ? '暂无可用余额' : blocked ? `可用余额 ${money(balance.balanceFen)}` : `可用余额 ${money(balance.balanceFen)},本单可抵 ${money(balance.usableFen)}`;
  return <TenderSwitchRow name="balance" label="余额支付" text={text} blocked={blocked} using={balance.using} disabled={disabled} onChange={onChange} />;
}

/**
 * The customer's coupon choice rides in the draft (so choosing an address and coming back keeps it):
 * absent = let the server pick the best, null = no coupon, an id = that coupon. A new checkout starts a
 * new draft, so a stale choice never carries over.
 */
type Draft = CheckoutDraft & Pick<FissionDraft, 'groupBuy' | 'bargainLaunchId'>;

export default function Checkout() {
  const navigate = useNavigate();
  const session = useSession();
  const [draft, setDraft] = useState<Draft | null>(() => checkoutDraft.get());
  const [submitting, setSubmitting] = useState(false);
  const submittingRef = useRef(false);
  // No draft in this browser (storage cleared, another device): what is ticked in the cart is what the customer meant to buy.
  const cart = useLoad(() => (draft ? Promise.resolve(null) : api<Cart>('GET', '/cart')), []);
  useEffect(() => {
    const lines = (cart.data?.items ?? []).filter((l) => l.selected && !l.problem);
    if (draft || !lines.length) return;
    checkoutDraft.set({
      items: lines.map((l) => ({ skuId: l.skuId, quantity: l.quantity })),
      fromCart: true,
      images: Object.fromEntries(lines.map((l) => [l.skuId, l.imageUrl])),
      info: Object.fromEntries(lines.map((l) => [l.skuId, { title: l.title, specText: l.specText, priceFen: l.unitPriceFen }])),
    });
    setDraft(checkoutDraft.get());
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cart.data]);

  const update = (p: Partial<Draft>) => {
    setDraft((d) => {
      if (!d) return d;
      const next = { ...d, ...p };
      checkoutDraft.set(next);
      return next;
    });
  };

  const fulfilment = draft?.fulfilment ?? 'express';
  const addresses = useLoad(() => api<{ items: Address[] }>('GET', '/me/addresses'), []);
  const points = useLoad(() => api<{ items: PickupPoint[] }>('GET', '/pickup-points'), []);
  // The community leader (社区团长) the customer chose: their point is where pickup orders go by default.
  const myLeader = useLoad(() => api<{ mine: { pickupPointId: string | null } | null }>('GET', '/me/leader').catch(() => ({ mine: null })), []);

  const address = useMemo(() => {
    const list = addresses.data?.items ?? [];
    return list.find((a) => a.id === draft?.addressId) ?? list.find((a) => a.isDefault) ?? list[0] ?? null;
  }, [addresses.data, draft?.addressId]);
  const activePoints = (points.data?.items ?? []).filter((p) => p.active !== false);
  const point = activePoints.find((p) => p.id === draft?.pickupPointId) ?? null;

  const body = draft && {
    items: draft.items,
    fulfilment,
    ...(fulfilment === 'express' ? { addressId: address?.id } : { pickupPointId: point?.id }),
    ...(draft.remark?.trim() ? { remark: draft.remark.trim() } : {}),
    ...(draft.couponId !== undefined ? { couponId: draft.couponId } : {}),
    usePoints: draft.usePoints === true,
    useBalance: draft.useBalance === true,
    fromCart: draft.fromCart,
    ...(draft.presaleOrderId ? { presaleOrderId: draft.presaleOrderId } : {}),
    ...fissionBody(draft),
  };
  const ready = !!draft && (fulfilment === 'express' ? !!address : !!point);
  const previewKey = JSON.stringify(body ? { ...body, remark: undefined } : null);
  const preview = useLoad(
    () => (ready && body ? api<Preview>('POST', '/checkout/preview', { body }) : Promise.resolve(null)),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [previewKey, ready],
  );

  const startedHere = useRef(false);
  useEffect(() => {
    if (!draft || !draft.items.length || startedHere.current || (draft.id && startedDrafts.has(draft.id))) return;
    const infos = draft.items.map((it) => draft.info?.[it.skuId]);
    const known = infos.every((i) => !!i);
    // Without the prices seen before (a draft from elsewhere) the priced preview supplies the total.
    if (!known && !preview.data) return;
    startedHere.current = true;
    if (draft.id) startedDrafts.add(draft.id);
    track('checkout_started', {
      items: draft.items.reduce((n, it) => n + it.quantity, 0),
      total_fen: known ? draft.items.reduce((n, it, i) => n + (infos[i]?.priceFen ?? 0) * it.quantity, 0) : preview.data!.itemsTotalFen,
    });
  }, [draft, preview.data]);

  const leaderPointId = myLeader.data?.mine?.pickupPointId ?? null;
  useEffect(() => {
    if (fulfilment !== 'pickup' || draft?.pickupPointId) return;
    const leaderPoint = leaderPointId ? activePoints.find((p) => p.id === leaderPointId) : undefined;
    if (leaderPoint) update({ pickupPointId: leaderPoint.id });
    else if (activePoints.length === 1) update({ pickupPointId: activePoints[0].id });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fulfilment, activePoints.length, leaderPointId]);

  // A chosen coupon that no longer applies (used by another order, expired): go back to the best one.
  const previewCode = preview.error?.code;
  const chosenGone = typeof draft?.couponId === 'string' && !!preview.data?.coupons && !preview.data.coupons.available.some((a) => a.coupon.id === draft.couponId);
  useEffect(() => {
    if ((previewCode && COUPON_REFUSALS.has(previewCode) && draft?.couponId) || chosenGone) {
      Toast.show({ content: '所选优惠券已不可用,已为你重新选择' });
      update({ couponId: undefined });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [previewCode, chosenGone]);

  if (!draft && cart.loading) {
    return (
      <Page title="确认订单" back>
        <div className="card">
          <Skeleton.Paragraph lineCount={5} animated />
        </div>
      </Page>
    );
  }
  if (!draft || draft.items.length === 0) {
    return (
      <Page title="确认订单" back>
        <EmptyState
          title="没有要结算的商品"
          action={
            <Button color="primary" className="btn-round" onClick={() => navigate('/cart', { replace: true })}>
              返回购物车
            </Button>
          }
        />
      </Page>
    );
  }

  const submit = async () => {
    if (submittingRef.current || !body) return;
    if (fulfilment === 'express' && !address) return void Toast.show({ content: '请先添加收货地址' });
    if (fulfilment === 'pickup' && !point) return void Toast.show({ content: '请选择自提门店' });
    submittingRef.current = true;
    setSubmitting(true);
    // One key per checkout attempt, saved before the request: a retry after a lost answer reuses it.
    const key = draft.key ?? uuid();
    if (!draft.key) update({ key });
    let order: Order;
    try {
      // The coupon the customer saw (the server's pick included) is the one ordered, or a 409 says why not.
      const coupons = preview.data?.coupons;
      const orderBody = coupons && draft.couponId === undefined ? { ...body, couponId: coupons.selectedId } : body;
      order = await api<Order>('POST', '/orders', { body: orderBody, headers: { 'Idempotency-Key': key } });
    } catch (err) {
      submittingRef.current = false;
      setSubmitting(false);
      if (err instanceof ApiError && err.status === 0) {
        Toast.show({ icon: 'fail', content: '网络异常,请重新提交(不会重复下单)' });
      } else if (err instanceof ApiError && COUPON_REFUSALS.has(err.code)) {
        // The coupon went to a parallel order or no longer applies: re-price (best remaining coupon) and say why.
        await Dialog.alert({ title: '优惠券不可用', content: `${couponErrorText(err)},已为你重新计算优惠,请确认后再提交`, confirmText: '知道了' });
        if (draft.couponId !== undefined) update({ couponId: undefined });
        else void preview.reload();
      } else if (err instanceof ApiError && err.code === 'POINTS_INSUFFICIENT') {
        // Points were spent elsewhere meanwhile (another order, an expiry): re-price with what is left.
        await Dialog.alert({ title: '积分不足', content: '积分余额已变化,已为你重新计算抵扣金额,请确认后再提交', confirmText: '知道了' });
        void preview.reload();
      } else if (err instanceof ApiError && err.code === 'BALANCE_INSUFFICIENT') {
        // The balance was spent elsewhere meanwhile: re-price with what is left.
        await Dialog.alert({ title: '余额不足', content: '账户余额已变化,已为你重新计算余额支付金额,请确认后再提交', confirmText: '知道了' });
        void preview.reload();
      } else {
        await Dialog.alert({ title: '下单失败', content: errorMessage(err), confirmText: '知道了' });
        void preview.reload();
      }
      return;
    }
    checkoutDraft.clear();
    void session.refreshCart();
    // The balance (or savings) covered everything: the order is paid as placed, no WeChat Pay.
    if (order.status !== 'pending_payment') {
      navigate(`/pay/result/${order.id}?result=success`, { replace: true });
      return;
    }
    navigate(`/orders/${order.id}`, { replace: true });
    try {
      const outcome = await startPayment(order.id);
      if (outcome.kind === 'returned') navigate(`/pay/result/${order.id}?result=${outcome.result}`, { replace: true });
    } catch (err) {
      Toast.show({ content: err instanceof ApiError ? err.message : (err as Error).message });
    }
  };

  // 满赠 gifts are priced as lines (their whole price saved); they are listed apart, as 赠品 ×1 ¥0.00.
  const lines = preview.data?.lines.filter((l) => !l.gift);
  const coupons = preview.data?.coupons;
  // With the coupon row present the coupon saving is shown there, not twice.
  const adjustments = savingLines(preview.data?.adjustments, coupons ? ['coupon'] : []);
  const couponSaving = -(preview.data?.adjustments ?? []).filter((a) => a.code === 'coupon').reduce((n, a) => n + a.amountFen, 0);
  const gifts =
    preview.data?.gifts ??
    (preview.data?.lines ?? []).filter((l) => l.gift).map((l) => ({ skuId: l.skuId, productId: l.productId, title: l.title, specText: l.specText, quantity: l.quantity, reason: '' }));
  // Hints such as "再买¥5.00可减¥20"; coupon notes are shown per coupon in the picker instead.
  // The 积分抵扣 row says itself why points cannot pay, so its note is not repeated.
  const loyalty = preview.data?.points?.enabled ? preview.data.points : null;
  const notes = (preview.data?.notes ?? []).filter((n) => n.code !== 'coupon' && !(loyalty && n.code === 'points'));
  const balance = preview.data?.balance?.enabled ? preview.data.balance : null;
  const balancePaid = (preview.data?.tenders ?? []).filter((x) => x.code === 'stored_value').reduce((n, x) => n + x.amountFen, 0);
  const cashDue = preview.data ? (preview.data.cashDueFen ?? preview.data.payableFen) : null;

  return (
    <Page title="确认订单" back actionbar testId="page-checkout">
      <FulfilmentSwitch value={fulfilment} onChange={(k) => update({ fulfilment: k })} />

      {fulfilment === 'express' ? (
        <AddressCard
          address={address}
          loading={addresses.loading && !addresses.data}
          onChange={() => navigate('/me/addresses?select=1')}
          onAdd={() => navigate('/me/addresses/new?select=1')}
        />
      ) : (
        <PickupChooser points={activePoints} loading={points.loading && !points.data} value={point?.id ?? null} onChange={(id) => update({ pickupPointId: id })} />
      )}

      {draft.presaleOrderId && (
        <p className="promo-note" role="note" style={{ padding: '0 12px' }} data-testid="checkout-presale-note">
          预售尾款订单:商品和数量与定金一致,定金将自动抵扣
        </p>
      )}

      {fissionNote(draft) && (
        <p className="promo-note" role="note" style={{ padding: '0 12px' }} data-testid="checkout-fission-note">
          {fissionNote(draft)}
        </p>
      )}

      <section className="card" aria-label="商品清单">
        {lines
          ? lines.map((l) => (
              <div key={l.skuId} className="line-item" data-testid="checkout-line">
                <div className="thumb">
                  <Img src={draft.images[l.skuId]} alt={l.title} />
                </div>
                <div className="info">
                  <div className="ellipsis-2">{l.title}</div>
                  {l.specText && <span className="spec-pill">{l.specText}</span>}
                  <div className="row between" style={{ marginTop: 4 }}>
                    <Price fen={l.unitPriceFen} />
                    <span className="muted">×{l.quantity}</span>
                  </div>
                </div>
              </div>
            ))
          : draft.items.map((it) => {
              const info = draft.info?.[it.skuId];
              return (
                <div key={it.skuId} className="line-item" data-testid="checkout-line">
                  <div className="thumb">
                    <Img src={draft.images[it.skuId]} alt={info?.title ?? '商品图片'} />
                  </div>
                  <div className="info">
                    {info ? (
                      <>
                        <div className="ellipsis-2">{info.title}</div>
                        {info.specText && <span className="spec-pill">{info.specText}</span>}
                      </>
                    ) : (
                      <Skeleton.Paragraph lineCount={2} animated={preview.loading} />
                    )}
                    <div className="row between" style={{ marginTop: 4 }}>
                      {info ? <Price fen={info.priceFen} /> : <span />}
                      <span className="muted">×{it.quantity}</span>
                    </div>
                  </div>
                </div>
              );
            })}
        {lines && <PromoGiftLines gifts={gifts} />}
        <label className="remark">
          <span>订单备注</span>
          <TextArea placeholder="选填,可填写您的特殊要求" value={draft.remark ?? ''} onChange={(v) => update({ remark: v })} maxLength={200} rows={1} autoSize aria-label="订单备注" data-testid="checkout-remark" />
        </label>
      </section>

      <section className="card" aria-label="金额明细" data-testid="checkout-amounts">
        {preview.error ? (
          <p className="problem" role="alert" data-testid="checkout-error">
            {preview.error.message}
          </p>
        ) : !ready ? (
          <p className="muted">{fulfilment === 'express' ? '请先选择收货地址' : '请先选择自提门店'}</p>
        ) : !preview.data ? (
          <Skeleton.Paragraph lineCount={3} animated />
        ) : (
          <>
            <div className="kv">
              <span>商品金额</span>
              <span className="v">{money(preview.data.itemsTotalFen)}</span>
            </div>
            <PromoSavings adjustments={adjustments} />
            {notes.map((n, i) => (
              <p key={`${n.code}-${n.ref ?? ''}-${i}`} className="promo-note" data-testid="promo-note">
                {n.message}
              </p>
            ))}
            {coupons && <CouponPicker coupons={coupons} savingFen={couponSaving} disabled={submitting || preview.loading} onChoose={(id) => update({ couponId: id })} />}
            {loyalty && <PointsRow points={loyalty} disabled={submitting || preview.loading} onChange={(on) => update({ usePoints: on })} />}
            <div className="kv">
              <span>
                运费
                {preview.data.shipping.reason && <span className="small muted">({preview.data.shipping.reason})</span>}
              </span>
              <span className="v" data-testid="checkout-shipping">
                {preview.data.shippingFen ? `+${money(preview.data.shippingFen)}` : fulfilment === 'pickup' ? '到店自提 免运费' : '免运费'}
              </span>
            </div>
            <div className="kv" style={{ borderTop: '1px solid #f0f0f0', marginTop: 4, paddingTop: 10 }}>
              <span>实付款</span>
              <Price fen={preview.data.payableFen} size="md" testId="checkout-payable" />
            </div>
            {balance && <BalanceRow balance={balance} disabled={submitting || preview.loading} onChange={(on) => update({ useBalance: on })} />}
            {balancePaid > 0 && (
              <>
                <div className="kv">
                  <span>余额支付</span>
                  <span className="v price" data-testid="checkout-balance-paid">
                    −{money(balancePaid)}
                  </span>
                </div>
                <div className="kv">
                  <span>还需支付</span>
                  <Price fen={cashDue ?? 0} size="md" testId="checkout-cash-due" />
                </div>
              </>
            )}
          </>
        )}
      </section>

      <div className="fixed-bottom actionbar" role="toolbar" aria-label="提交订单">
        <div className="grow" style={{ textAlign: 'right' }}>
          <span className="small">共 {draft.items.reduce((n, i) => n + i.quantity, 0)} 件,</span>
          {balancePaid > 0 ? '还需支付:' : '合计:'}
          {preview.data ? <Price fen={balancePaid > 0 ? (cashDue ?? 0) : preview.data.payableFen} size="md" /> : <span className="muted">—</span>}
        </div>
        <Button color="primary" className="btn-round" style={{ minWidth: 120 }} loading={submitting} disabled={!preview.data || submitting} onClick={submit} data-testid="submit-order">
          提交订单
        </Button>
      </div>
    </Page>
  );
}
