import { Button, Dialog, Skeleton, TextArea, Toast } from 'antd-mobile';
import { REFUND_REASON_CODES, REFUND_REASON_LABELS, quoteRefund, type RefundReasonCode } from '@siyu/contracts';
import { useMemo, useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { QtyStepper, RoundCheck } from '../components/Controls';
import { Img } from '../components/Img';
import { Page } from '../components/Page';
import { Price } from '../components/Price';
import { LinePaid } from '../components/PromoLines';
import { ErrorState } from '../components/States';
import { ApiError, api, errorMessage, uuid } from '../lib/api';
import { money } from '../lib/format';
import { useLoad } from '../lib/hooks';
import type { OrderDetail } from '../lib/types';


/** 申请售后: refund only, or return and refund, for chosen lines and quantities with a reason. */
export default function AfterSale() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const { data: o, error, reload } = useLoad(() => api<OrderDetail>('GET', `/orders/${id}`), [id]);
  const [type, setType] = useState<'refund_only' | 'return_refund' | null>(null);
  const [qty, setQty] = useState<Record<string, number>>({});
  const [reason, setReason] = useState<RefundReasonCode | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [fieldError, setFieldError] = useState<Record<string, string>>({});
  const key = useRef(uuid());

  const lines = useMemo(() => (o ? o.items.filter((i) => i.quantity > i.refundedQty) : []), [o]);
  if (error) return <Page title="申请售后" back><ErrorState error={error} onRetry={reload} /></Page>;
  if (!o) return <Page title="申请售后" back><div className="card"><Skeleton.Paragraph lineCount={5} animated /></div></Page>;

  const shipped = o.status === 'shipped' || o.status === 'completed';
  const effectiveType = type ?? (shipped ? null : 'refund_only');
  const chosen = lines.filter((l) => (qty[l.id] ?? 0) > 0);
  // Worked out with the function the server books the refund with: line shares, postage, balance part.
  const quote = quoteRefund(
    { ...o, balanceFen: o.balanceFen ?? 0, notShipped: o.status === 'paid' },
    o.items,
    chosen.map((l) => ({ orderItemId: l.id, quantity: qty[l.id] })),
    o.refunds.filter((r) => r.status === 'refunded').reduce((n, r) => n + (r.balanceFen ?? 0), 0),
  );

  const submit = async () => {
    const errs: Record<string, string> = {};
    if (!effectiveType) errs.type = '请选择售后类型';
    if (!chosen.length) errs.items = '请选择要售后的商品';
    if (!reason) errs.reason = '请选择售后原因';
    setFieldError(errs);
    if (Object.keys(errs).length) return void Toast.show({ content: Object.values(errs)[0] });
    setBusy(true);
    try {
      await api('POST', `/orders/${o.id}/refunds`, {
        body: {
          type: effectiveType,
          items: chosen.map((l) => ({ orderItemId: l.id, quantity: qty[l.id] })),
          reasonCode: reason,
          reason: note.trim(),
        },
        headers: { 'Idempotency-Key': key.current },
      });
      await Dialog.alert({ content: '售后申请已提交,请等待商家处理', confirmText: '好的' });
      navigate(`/orders/${o.id}`, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.field) {
        const f = err.field.startsWith('items') ? 'items' : err.field === 'type' ? 'type' : err.field === 'reason' || err.field === 'reasonCode' ? 'reason' : null;
        if (f) setFieldError({ [f]: err.message });
      }
      if (!(err instanceof ApiError && err.status === 0)) key.current = uuid();
      Toast.show({ icon: 'fail', content: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="申请售后" back={`/orders/${o.id}`} actionbar testId="page-after-sale">
      <section className="card" aria-labelledby="t-type">
        <div className="card-title" id="t-type">
          售后类型
        </div>
        <div className="seg" role="radiogroup" aria-labelledby="t-type" style={{ margin: 0, padding: 0 }}>
          <button type="button" role="radio" aria-checked={effectiveType === 'refund_only'} onClick={() => setType('refund_only')} data-testid="refund-type-refund_only">
            仅退款
          </button>
          <button type="button" role="radio" aria-checked={effectiveType === 'return_refund'} disabled={!shipped} onClick={() => setType('return_refund')} data-testid="refund-type-return_refund">
            退货退款
          </button>
        </div>
        <p className="small muted" style={{ margin: '8px 0 0' }}>
          {shipped ? '已收到货需要退回商品,请选择“退货退款”' : '商品尚未发货,可申请仅退款'}
        </p>
        {fieldError.type && <p className="problem">{fieldError.type}</p>}
      </section>

      <section className="card" aria-labelledby="t-items">
        <div className="card-title" id="t-items">
          选择商品
        </div>
        {lines.map((l) => {
          const max = l.quantity - l.refundedQty;
          const q = qty[l.id] ?? 0;
          return (
            <div key={l.id} className="line-item" style={{ alignItems: 'center' }} data-testid="refund-line" data-order-item-id={l.id}>
              <RoundCheck checked={q > 0} label={`选择 ${l.title}`} onChange={(on) => setQty((m) => ({ ...m, [l.id]: on ? max : 0 }))} testId="refund-line-check" />
              <div className="thumb">
                <Img src={l.imageUrl} alt={l.title} />
              </div>
              <div className="info">
                <div className="ellipsis-2">{l.title}</div>
                {l.specText && <span className="spec-pill">{l.specText}</span>}
                <LinePaid item={l} />
                <div className="row between" style={{ marginTop: 4 }}>
                  <Price fen={l.unitPriceFen} />
                  {q > 0 ? <QtyStepper value={q} max={max} label={`${l.title} 售后数量`} onChange={(v) => setQty((m) => ({ ...m, [l.id]: v }))} testId="refund-qty" /> : <span className="small muted">可售后 {max} 件</span>}
                </div>
              </div>
            </div>
          );
        })}
        {fieldError.items && <p className="problem">{fieldError.items}</p>}
      </section>

      <section className="card" aria-labelledby="t-reason">
        <div className="card-title" id="t-reason">
          售后原因
        </div>
        <div className="cat-chips" style={{ padding: 0 }} role="radiogroup" aria-labelledby="t-reason" data-testid="refund-reason">
          {REFUND_REASON_CODES.map((r) => (
            <button key={r} type="button" role="radio" aria-checked={reason === r} className="chip" aria-pressed={undefined} onClick={() => setReason(r)} data-testid="refund-reason-option" data-reason={r}>
              {REFUND_REASON_LABELS[r].zh}
            </button>
          ))}
        </div>
        {fieldError.reason && <p className="problem">{fieldError.reason}</p>}
        <label className="remark" style={{ marginTop: 12 }}>
          <span>补充说明</span>
          <TextArea placeholder="选填,描述具体问题" value={note} onChange={setNote} maxLength={150} rows={2} autoSize aria-label="补充说明" data-testid="refund-note" />
        </label>
      </section>

      <div className="fixed-bottom actionbar" role="toolbar" aria-label="提交售后">
        <div className="grow" data-testid="refund-estimate">
          预计退款 <Price fen={quote.amountFen} size="md" />
          {(quote.shippingFen > 0 || quote.balanceFen > 0) && (
            <div className="small muted">
              {[quote.shippingFen > 0 ? `含运费 ${money(quote.shippingFen)}` : '', quote.balanceFen > 0 ? `余额 ${money(quote.balanceFen)} + 微信 ${money(quote.cashFen)}` : ''].filter(Boolean).join(',')}
            </div>
          )}
        </div>
        <Button color="primary" className="btn-round" loading={busy} onClick={submit} data-testid="refund-submit">
          提交申请
        </Button>
      </div>
    </Page>
  );
}
