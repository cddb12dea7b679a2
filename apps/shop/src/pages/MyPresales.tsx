import { Button, Dialog, Toast } from 'antd-mobile';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Img } from '../components/Img';
import { Price } from '../components/Price';
import { ApiError, api } from '../lib/api';
import { checkoutDraft } from '../lib/checkout-draft';
import { money } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { depositResultPath, monthDay, payDeposit, pendingDeposit, PRESALE_STATUS_TEXT, presaleErrorText, type PresaleOrder } from '../lib/presale';
import type { ProductDetail } from '../lib/types';
import { MyActivityList } from './MyActivityList';
import './sales.css';

/** 我的预售: every deposit with what is due and when; 付尾款 opens checkout with the deposit deducted. */
export default function MyPresales() {
  const navigate = useNavigate();
  const list = useLoad(() => api<{ items: PresaleOrder[] }>('GET', '/me/presale-orders'), []);
  const items = list.data?.items ?? [];
  const productIds = [...new Set(items.map((o) => o.activity?.productId).filter((x): x is string => !!x))];
  // Titles, images and prices of the goods (the pre-sale order names the SKU only).
  const products = useLoad(async () => {
    const found = await Promise.all(productIds.map((pid) => api<ProductDetail>('GET', `/products/${pid}`).catch(() => null)));
    return new Map(found.filter((p): p is ProductDetail => !!p).map((p) => [p.id, p]));
  }, [productIds.join(',')]);
  const [busy, setBusy] = useState<string | null>(null);
  const [refunding, setRefunding] = useState<Set<string>>(new Set());

  const goodsOf = (o: PresaleOrder) => {
    const p = o.activity ? products.data?.get(o.activity.productId) : undefined;
    const sku = p?.skus.find((s) => s.id === o.skuId);
    return { p, sku };
  };

  const payBalance = (o: PresaleOrder) => {
    const { p, sku } = goodsOf(o);
    checkoutDraft.set({
      items: [{ skuId: o.skuId, quantity: o.quantity }],
      fromCart: false,
      images: { [o.skuId]: p?.images[0] ?? null },
      info: p && sku ? { [o.skuId]: { title: p.title, specText: sku.specText, priceFen: sku.price } } : undefined,
      presaleOrderId: o.id,
    });
    navigate('/checkout');
  };

  const refund = async (o: PresaleOrder) => {
    const ok = await Dialog.confirm({ title: '退定金', content: `确定放弃本次预售并退回定金 ${money(o.depositFen)}?退回后预留的商品将不再保留。`, confirmText: '退定金', cancelText: '再想想' });
    if (!ok) return;
    setBusy(o.id);
    try {
      await api('POST', `/me/presale-orders/${o.id}/cancel`);
      setRefunding((s) => new Set(s).add(o.id));
      Toast.show({ icon: 'success', content: '已申请退定金,将原路退回' });
      void list.reload();
    } catch (err) {
      Toast.show({ icon: 'fail', content: err instanceof ApiError ? presaleErrorText(err.code, err.message) : '操作失败,请稍后再试' });
    } finally {
      setBusy(null);
    }
  };

  const resume = async (o: PresaleOrder) => {
    const saved = pendingDeposit.get();
    if (!saved || saved.id !== o.id) return;
    setBusy(o.id);
    try {
      const r = await payDeposit(saved.activityId, saved.body, saved.key);
      const next = depositResultPath(r);
      if (next) navigate(next);
    } catch (err) {
      Toast.show({ icon: 'fail', content: err instanceof ApiError ? presaleErrorText(err.code, err.message) : '支付失败,请稍后再试' });
    } finally {
      setBusy(null);
    }
  };

  return (
    <MyActivityList<PresaleOrder> title="我的预售" testId="page-my-presales" list={list} emptyTitle="还没有预售订单" emptyDescription="支付定金后,可在这里支付尾款" label="预售订单">
      {(o) => {
        const { p, sku } = goodsOf(o);
        const a = o.activity;
        // `refunding` from the server; the local set covers the moment between tapping 退定金 and the reload.
        const isRefunding = o.status === 'refunding' || (o.status === 'deposit_paid' && refunding.has(o.id));
        const balanceFen = sku ? Math.max(0, sku.price * o.quantity - o.deductFen) : null;
        const canRefund = o.status === 'deposit_paid' && !!a?.depositRefundable && !isRefunding;
        const canResume = o.status === 'pending_deposit' && pendingDeposit.get()?.id === o.id;
        return (
          <li key={o.id} className="card presale-order" data-testid="presale-order" data-status={o.status}>
            <div className="presale-order-head">
              <span className="ellipsis">{a?.name ?? '定金预售'}</span>
              <span className="presale-status" data-testid="presale-order-status">
                {isRefunding ? '定金退款中' : PRESALE_STATUS_TEXT[o.status]}
              </span>
            </div>
            <div className="line-item" style={{ padding: '10px 0 0' }}>
              <div className="thumb">
                <Img src={p?.images[0] ?? null} alt={p?.title ?? '预售商品'} />
              </div>
              <div className="info">
                <div className="ellipsis-2">{p?.title ?? '预售商品'}</div>
                {sku?.specText && <span className="spec-pill">{sku.specText}</span>}
                <div className="small" style={{ marginTop: 4 }}>
                  {o.status === 'pending_deposit' || o.status === 'closed' ? '定金' : '已付定金'} <Price fen={o.depositFen} /> <span className="muted">×{o.quantity}件</span>
                </div>
                <div className="small presale-note">{o.label}</div>
              </div>
            </div>
            {a && (
              <div className="small muted" style={{ marginTop: 6 }}>
                尾款时间 {monthDay(a.balanceStartsAt)} – {monthDay(a.balanceEndsAt)}
                {balanceFen !== null && (o.status === 'deposit_paid' || o.status === 'balance_ordered') && <span>,尾款约 {money(balanceFen)}</span>}
              </div>
            )}
            <div className="presale-actions">
              {canRefund && (
                <Button size="small" className="btn-round" loading={busy === o.id} onClick={() => refund(o)} data-testid="presale-refund">
                  退定金
                </Button>
              )}
              {canResume && (
                <Button size="small" color="primary" className="btn-round" loading={busy === o.id} onClick={() => resume(o)} data-testid="presale-resume">
                  继续支付定金
                </Button>
              )}
              {o.canPayBalance && (
                <Button size="small" color="primary" className="btn-round" onClick={() => payBalance(o)} data-testid="presale-pay-balance">
                  付尾款
                </Button>
              )}
              {o.status === 'deposit_paid' && !o.canPayBalance && a?.phase === 'waiting' && (
                <Button size="small" className="btn-round" disabled>
                  尾款 {monthDay(a.balanceStartsAt, false)}开始
                </Button>
              )}
              {o.balanceOrderId && (
                <Button size="small" className="btn-round" onClick={() => navigate(`/orders/${o.balanceOrderId}`)} data-testid="presale-balance-order">
                  {o.status === 'balance_ordered' ? '去支付尾款' : '查看订单'}
                </Button>
              )}
              {a && (
                <Button size="small" className="btn-round" onClick={() => navigate(`/products/${a.productId}`)}>
                  查看商品
                </Button>
              )}
            </div>
          </li>
        );
      }}
    </MyActivityList>
  );
}
