import { Button, Form, Skeleton, Steps, Toast } from 'antd-mobile';
import { historyNoteText, refundReasonText } from '@siyu/contracts';
import { TextInput } from '../components/TextInput';
import { EnvironmentOutline, LocationFill, TruckOutline } from 'antd-mobile-icons';
import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { Img } from '../components/Img';
import { Page } from '../components/Page';
import { MarketPrice, Price } from '../components/Price';
import { LinePaid, PromoGiftLines, PromoSavings, savingLines } from '../components/PromoLines';
import { QrCode } from '../components/QrCode';
import { ErrorState } from '../components/States';
import { ApiError, api } from '../lib/api';
import { HISTORY_TEXT, REFUND_STATUS_TEXT, REFUND_TYPE_TEXT, dateTime, fullAddress, money } from '../lib/format';
import { statusText } from '../lib/status';
import { toastError, useLoad } from '../lib/hooks';
import { cancelOrder, confirmReceipt, payOrder } from '../lib/order-actions';
import type { Carrier, OrderDetail as Detail, Refund } from '../lib/types';
import './retention.css';
import { OrderGroupHold } from './fission/OrderGroupHold';
import { isPriceDifferenceRefund } from './fission/tiers';

const OPEN_REFUND = new Set(['requested', 'awaiting_return', 'returned', 'processing']);

function copy(text: string) {
  const done = () => Toast.show({ content: '已复制' });
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => Toast.show({ content: '复制失败,请长按选择' }));
    return;
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  ta.select();
  try {
    document.execCommand('copy');
    done();
  } catch {
    Toast.show({ content: '复制失败,请长按选择' });
  }
  ta.remove();
}

function useCountdown(until: string | null) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!until) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [until]);
  if (!until) return null;
  const left = Math.max(0, new Date(until).getTime() - now);
  const m = Math.floor(left / 60000);
  const s = Math.floor((left % 60000) / 1000);
  return { left, text: `${m} 分 ${String(s).padStart(2, '0')} 秒` };
}

function heroText(o: Detail): string {
  switch (o.status) {
    case 'pending_payment':
      return '请尽快完成支付,超时订单将自动取消';
    case 'paid':
      // A group-buy order waits for its group: nothing is prepared or handed over before it forms.
      if ((o as Detail & { fulfilmentHold?: string | null }).fulfilmentHold) return '拼团中,成团后商家发货;未成团将自动全额退款';
      return o.fulfilment === 'pickup' ? '商品已备好后即可到店自提,请出示提货码' : '商家正在备货,请耐心等待发货';
    case 'shipped':
      return '商品已发出,请注意查收';
    case 'completed':
      return '交易已完成,感谢您的购买';
    case 'cancelled':
      return o.cancelReason ? `取消原因:${o.cancelReason}` : '订单已取消';
    case 'refund_requested':
      return '售后处理中,请留意商家处理进度';
    case 'refunded':
      return `已退款 ${money(o.refundedFen)},款项将原路退回`;
  }
}

function ReturnForm({ order, refund, onDone }: { order: Detail; refund: Refund; onDone: (r: Refund) => void }) {
  const carriers = useLoad(() => api<{ items: Carrier[] }>('GET', '/carriers'), []);
  const [form] = Form.useForm<{ carrier: string; trackingNo: string }>();
  const [busy, setBusy] = useState(false);
  const submit = async (v: { carrier: string; trackingNo: string }) => {
    setBusy(true);
    try {
      const r = await api<Refund>('POST', `/orders/${order.id}/refunds/${refund.id}/return`, { body: { carrier: v.carrier, trackingNo: v.trackingNo.trim() } });
      Toast.show({ icon: 'success', content: '退货单号已提交' });
      onDone(r);
    } catch (err) {
      if (err instanceof ApiError && (err.field === 'carrier' || err.field === 'trackingNo')) form.setFields([{ name: err.field, errors: [err.message] }]);
      else toastError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Form form={form} layout="horizontal" onFinish={submit} initialValues={{ carrier: '', trackingNo: '' }} mode="card" style={{ '--border-top': '0', '--border-bottom': '0' } as React.CSSProperties}
      footer={<Button block type="submit" color="primary" className="btn-round" loading={busy} data-testid="return-submit">提交退货物流</Button>}>
      <Form.Item name="carrier" label="快递公司" rules={[{ required: true, message: '请选择快递公司' }]}>
        <select className="native-select" data-testid="return-carrier">
          <option value="" disabled>
            请选择
          </option>
          {(carriers.data?.items ?? []).map((c) => (
            <option key={c.code} value={c.code}>
              {c.name}
            </option>
          ))}
        </select>
      </Form.Item>
      <Form.Item name="trackingNo" label="快递单号" rules={[{ required: true, message: '请填写快递单号' }, { pattern: /^[A-Za-z0-9-]{6,32}$/, message: '快递单号为 6–32 位字母或数字' }]}>
        <TextInput placeholder="请填写退货快递单号" maxLength={32} data-testid="return-tracking-no" />
      </Form.Item>
    </Form>
  );
}

export default function OrderDetail() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const { data: o, setData, error, reload } = useLoad(() => api<Detail>('GET', `/orders/${id}`), [id]);
  const countdown = useCountdown(o?.status === 'pending_payment' ? o.payExpiresAt : null);
  // Lines of a completed order already reviewed show 已评价 instead of the 评价 button.
  const reviewed = useLoad(
    () => (o?.status === 'completed' ? api<{ items: { orderItemId: string }[] }>('GET', '/me/reviews', { query: { orderId: o.id } }).then((r) => new Set(r.items.map((x) => x.orderItemId))) : Promise.resolve(null)),
    [o?.id, o?.status],
  );

  if (error) {
    return (
      <Page title="订单详情" back="/orders">
        <ErrorState error={error} onRetry={reload} />
      </Page>
    );
  }
  if (!o) {
    return (
      <Page title="订单详情" back="/orders">
        <div className="status-hero">
          <Skeleton.Title animated />
        </div>
        <div className="card">
          <Skeleton.Paragraph lineCount={4} animated />
        </div>
      </Page>
    );
  }

  const openRefund = o.refunds.find((r) => OPEN_REFUND.has(r.status));
  const held = !!(o as Detail & { fulfilmentHold?: string | null }).fulfilmentHold;
  const canRefund = ['paid', 'shipped', 'completed'].includes(o.status) && !held && !openRefund && o.items.some((i) => i.quantity > i.refundedQty);
  const withdraw = async (r: Refund) => {
    try {
      await api('POST', `/orders/${o.id}/refunds/${r.id}/cancel`, { body: {} });
      Toast.show({ icon: 'success', content: '已撤销售后申请' });
      void reload();
    } catch (err) {
      toastError(err);
    }
  };
  const hasActions = o.status === 'pending_payment' || o.status === 'shipped' || canRefund;
  // 满赠 gifts are order items whose whole price was saved (titled 【赠品】); any gift not among them is listed after.
  const gifts = o.pricing?.gifts ?? [];
  const giftSkus = new Set(gifts.map((g) => g.skuId));
  const isGift = (i: Detail['items'][number]) => i.title.startsWith('【赠品】') || (giftSkus.has(i.skuId) && i.payableFen === 0 && i.discountFen > 0);
  const extraGifts = gifts.filter((g) => !o.items.some((i) => i.skuId === g.skuId && isGift(i)));

  return (
    <Page title="订单详情" back="/orders" actionbar={hasActions} testId="page-order-detail">
      <section className="status-hero" aria-live="polite">
        <h2 data-testid="order-status" data-status={o.status}>
          {held && o.status === 'paid' ? '待成团' : statusText(o.status, o.fulfilment)}
        </h2>
        <p style={{ margin: 0, opacity: 0.95 }}>
          {o.status === 'pending_payment' && countdown ? (countdown.left > 0 ? `剩余 ${countdown.text} 自动关闭订单` : '支付已超时,订单即将关闭') : heroText(o)}
        </p>
      </section>

      {/* 拼团: held, not shipped, until the group succeeds. */}
      <OrderGroupHold orderId={o.id} hold={(o as Detail & { fulfilmentHold?: string | null }).fulfilmentHold} />

      {o.fulfilment === 'pickup' && o.pickupCode && (
        <section className="card" aria-labelledby="pickup-code-title" style={{ marginTop: -16, position: 'relative' }}>
          <div className="card-title" id="pickup-code-title" style={{ justifyContent: 'center' }}>
            提货码
          </div>
          <div className="pickup-code" data-testid="pickup-code" aria-label={`提货码 ${o.pickupCode.split('').join(' ')}`}>
            {o.pickupCode.replace(/(\d{4})(\d{4})/, '$1 $2')}
          </div>
          <QrCode value={o.pickupCode} label={`提货码二维码 ${o.pickupCode}`} />
          <p className="small muted" style={{ textAlign: 'center', margin: '8px 0 0' }}>
            {o.status === 'completed' ? '已核销' : '到店后向店员出示提货码或二维码'}
          </p>
        </section>
      )}

      {o.carrier && o.trackingNo && (
        <section className="card" aria-label="物流信息">
          <div className="row gap8">
            <TruckOutline fontSize={22} aria-hidden color="var(--shop-red)" />
            <div style={{ flex: 1 }}>
              <div data-testid="carrier-name">{o.carrierName ?? o.carrier}</div>
              <div className="small muted">
                运单号 <span data-testid="tracking-number">{o.trackingNo}</span>
              </div>
              {o.shippedAt && <div className="small muted">发货时间 {dateTime(o.shippedAt)}</div>}
            </div>
            <Button size="mini" className="btn-round" onClick={() => copy(o.trackingNo!)} aria-label="复制运单号">
              复制
            </Button>
          </div>
        </section>
      )}

      {o.fulfilment === 'express' && o.address && (
        <section className="card" aria-label="收货地址">
          <div className="row gap8">
            <LocationFill fontSize={22} aria-hidden color="var(--shop-red)" />
            <div style={{ flex: 1 }}>
              <div style={{ fontWeight: 600 }}>
                {o.address.contactName} <span style={{ fontWeight: 400 }}>{o.address.phone}</span>
              </div>
              <div className="small muted">{fullAddress(o.address)}</div>
            </div>
          </div>
        </section>
      )}
      {o.fulfilment === 'pickup' && o.pickupPoint && (
        <section className="card" aria-label="自提门店">
          <div className="row gap8" style={{ alignItems: 'flex-start' }}>
            <EnvironmentOutline fontSize={22} aria-hidden color="var(--shop-red)" />
            <div style={{ flex: 1 }}>
              <div style={{ fontWeight: 600 }} data-testid="order-pickup-point">
                {o.pickupPoint.name}
              </div>
              <div className="small muted">{o.pickupPoint.address}</div>
              {o.pickupPoint.hours && <div className="small muted">营业时间 {o.pickupPoint.hours}</div>}
              {o.pickupPoint.phone && (
                <a className="small link-btn" style={{ padding: 0 }} href={`tel:${o.pickupPoint.phone}`}>
                  联系门店 {o.pickupPoint.phone}
                </a>
              )}
            </div>
          </div>
        </section>
      )}

      {o.refunds.length > 0 && (
        <section className="card" aria-label="售后">
          <div className="card-title">售后记录</div>
          {o.refunds.map((r) => (
            <div key={r.id} className="refund-box" data-testid="refund" data-refund-status={r.status} data-price-difference={isPriceDifferenceRefund(r) ? 'true' : undefined}>
              <div className="row between">
                <strong>{isPriceDifferenceRefund(r) ? '差价退款' : REFUND_TYPE_TEXT[r.type]}</strong>
                <span className="status-text" data-testid="refund-status">
                  {REFUND_STATUS_TEXT[r.status]}
                </span>
              </div>
              <div className="small muted">
                {r.items
                  .map((it) => {
                    const line = o.items.find((i) => i.id === it.orderItemId);
                    // quantity 0: a price-difference refund (阶梯团差价), money back with the goods kept.
                    const what = it.quantity === 0 ? ` 差价退款 ${money(it.amountFen)}` : ` × ${it.quantity}`;
                    return line ? `${line.title}${line.specText ? `(${line.specText})` : ''}${what}` : '';
                  })
                  .filter(Boolean)
                  .join(',')}
              </div>
              <div className="small muted">
                退款金额 {money(r.amountFen)}
                {r.shippingFen > 0 ? `(含运费 ${money(r.shippingFen)})` : ''} · 原因:{refundReasonText(r, 'zh')}
              </div>
              {r.status === 'refunded' && (
                <div className="small" data-testid="refund-way-back">
                  已原路退回:{[(r.cashFen ?? r.amountFen) > 0 ? `微信支付 ${money(r.cashFen ?? r.amountFen)}` : '', (r.balanceFen ?? 0) > 0 ? `会员余额 ${money(r.balanceFen ?? 0)}` : ''].filter(Boolean).join(',') || money(0)}
                </div>
              )}
              {r.rejectReason && <div className="small problem">拒绝原因:{r.rejectReason}</div>}
              {r.returnTrackingNo && <div className="small muted">退货单号 {r.returnTrackingNo}</div>}
              {r.status === 'awaiting_return' && (
                <ReturnForm order={o} refund={r} onDone={() => void reload()} />
              )}
              {(r.status === 'requested' || r.status === 'awaiting_return') && (
                <div style={{ textAlign: 'right', marginTop: 6 }}>
                  <Button size="small" className="btn-round" onClick={() => withdraw(r)} data-testid="refund-withdraw">
                    撤销申请
                  </Button>
                </div>
              )}
            </div>
          ))}
        </section>
      )}

      <section className="card" aria-label="商品">
        {o.items.map((i) => (
          <div key={i.id} className="line-item" data-testid="order-item">
            <div className="thumb">
              <Img src={i.imageUrl} alt={i.title} />
            </div>
            <div className="info">
              <button type="button" className="order-body ellipsis-2" onClick={() => navigate(`/products/${i.productId}`)}>
                {isGift(i) && <span className="promo-tag">赠品</span>}
                {isGift(i) ? i.title.replace(/^【赠品】/, '') : i.title}
              </button>
              {i.specText && <span className="spec-pill">{i.specText}</span>}
              <div className="row between" style={{ marginTop: 4 }}>
                {isGift(i) ? (
                  <span>
                    <Price fen={0} />
                    <MarketPrice fen={i.unitPriceFen} />
                  </span>
                ) : (
                  <Price fen={i.unitPriceFen} />
                )}
                <span className="muted">×{i.quantity}</span>
              </div>
              {!isGift(i) && <LinePaid item={i} />}
              {i.refundedQty > 0 ? (
                <div className="small problem" data-testid="order-item-refunded">
                  已退 {i.refundedQty} 件,退款 {money(i.refundedFen)}
                </div>
              ) : (
                // Money back without units: only a price difference (阶梯团) was refunded on this line.
                i.refundedFen > 0 && (
                  <div className="small muted" data-testid="order-item-refunded">
                    已退差价 {money(i.refundedFen)}
                  </div>
                )
              )}
              {o.status === 'completed' && !isGift(i) && i.refundedQty < i.quantity && reviewed.data && (
                <div className="rv-line-actions">
                  {reviewed.data.has(i.id) ? (
                    <span className="rv-done" data-testid="order-item-reviewed">
                      已评价
                    </span>
                  ) : (
                    <Button size="mini" color="primary" fill="outline" className="btn-round" onClick={() => navigate(`/orders/${o.id}/review/${i.id}`)} aria-label={`评价 ${i.title}`} data-testid="order-item-review">
                      评价
                    </Button>
                  )}
                </div>
              )}
            </div>
          </div>
        ))}
        <PromoGiftLines gifts={extraGifts} />
        <div className="kv">
          <span>商品金额</span>
          <span className="v">{money(o.itemsTotalFen)}</span>
        </div>
        {savingLines(o.pricing?.adjustments).length > 0 ? (
          <PromoSavings adjustments={savingLines(o.pricing?.adjustments)} />
        ) : (
          o.discountFen > 0 && (
            <div className="kv">
              <span>优惠</span>
              <span className="v price">-{money(o.discountFen)}</span>
            </div>
          )
        )}
        <div className="kv">
          <span>运费</span>
          <span className="v">{o.shippingFen ? `+${money(o.shippingFen)}` : '免运费'}</span>
        </div>
        <div className="kv">
          <span>{o.status === 'pending_payment' ? '需付款' : o.paidAt ? '实付款' : '订单金额'}</span>
          <Price fen={o.payableFen} size="md" testId="order-payable" />
        </div>
        {(o.balanceFen ?? 0) > 0 && (
          <>
            <div className="kv">
              <span>余额支付</span>
              <span className="v" data-testid="order-balance-paid">
                {money(o.balanceFen ?? 0)}
              </span>
            </div>
            {o.payableFen > (o.balanceFen ?? 0) && (
              <div className="kv">
                <span>{o.status === 'pending_payment' ? '还需支付' : '微信支付'}</span>
                <span className="v">{money(o.payableFen - (o.balanceFen ?? 0))}</span>
              </div>
            )}
          </>
        )}
        {o.refundedFen > 0 && (
          <div className="kv">
            <span>已退款</span>
            <span className="v">{money(o.refundedFen)}</span>
          </div>
        )}
      </section>

      <section className="card" aria-label="订单信息">
        <div className="kv">
          <span className="muted">订单编号</span>
          <span className="v">
            <span data-testid="order-no">{o.orderNo}</span>{' '}
            <button type="button" className="link-btn" onClick={() => copy(o.orderNo)} aria-label="复制订单编号">
              复制
            </button>
          </span>
        </div>
        <div className="kv">
          <span className="muted">下单时间</span>
          <span className="v">{dateTime(o.createdAt)}</span>
        </div>
        {o.paidAt && (
          <div className="kv">
            <span className="muted">支付时间</span>
            <span className="v">{dateTime(o.paidAt)}</span>
          </div>
        )}
        <div className="kv">
          <span className="muted">配送方式</span>
          <span className="v">{o.fulfilment === 'pickup' ? '到店自提' : '快递配送'}</span>
        </div>
        {o.remark && (
          <div className="kv">
            <span className="muted">订单备注</span>
            <span className="v">{o.remark}</span>
          </div>
        )}
      </section>

      {o.history.length > 0 && (
        <section className="card timeline" aria-label="订单进度">
          <div className="card-title">订单进度</div>
          <Steps direction="vertical" current={o.history.length - 1}>
            {[...o.history].reverse().map((h) => (
              <Steps.Step key={h.id} status="finish" title={HISTORY_TEXT[h.action] ?? statusText(h.toStatus as Detail['status'])} description={`${dateTime(h.createdAt)}${historyNoteText(h, 'zh') ? ` · ${historyNoteText(h, 'zh')}` : ''}`} />
            ))}
          </Steps>
        </section>
      )}

      {hasActions && (
        <div className="fixed-bottom actionbar" role="toolbar" aria-label="订单操作" style={{ justifyContent: 'flex-end' }}>
          {canRefund && (
            <Button className="btn-round" onClick={() => navigate(`/orders/${o.id}/after-sale`)} data-testid="request-refund">
              申请售后
            </Button>
          )}
          {o.status === 'pending_payment' && (
            <>
              <Button className="btn-round" onClick={async () => { const u = await cancelOrder(o.id); if (u) setData(u); }} data-testid="cancel-order">
                取消订单
              </Button>
              <Button color="primary" className="btn-round" onClick={() => payOrder(o.id, navigate)} data-testid="pay-order">
                去支付 {money(o.payableFen - (o.balanceFen ?? 0))}
              </Button>
            </>
          )}
          {o.status === 'shipped' && (
            <Button color="primary" className="btn-round" onClick={async () => { if (await confirmReceipt(o.id)) void reload(); }} data-testid="confirm-receipt">
              确认收货
            </Button>
          )}
        </div>
      )}
    </Page>
  );
}
