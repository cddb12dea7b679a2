import { Button, Dialog, Skeleton, Toast } from 'antd-mobile';
import { EnvironmentOutline, LocationFill, RightOutline } from 'antd-mobile-icons';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { Img } from '../components/Img';
import { Page } from '../components/Page';
import { Price } from '../components/Price';
import { EmptyState, ErrorState } from '../components/States';
import { ApiError, api, errorMessage, uuid } from '../lib/api';
import { checkoutDraft } from '../lib/checkout-draft';
import { fullAddress, money } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { startPayment } from '../lib/pay';
import type { Address, CheckoutPreview, Order, PickupPoint } from '../lib/types';
import type { MallItem } from './PointsMall';
import './retention.css';

type Preview = CheckoutPreview & { mall?: { itemId: string; points: number; cashFen: number; balance: number; enough: boolean } };

const MALL_ORDER_TEXT: Record<string, string> = {
  POINTS_INSUFFICIENT: '积分不足,无法兑换',
  MALL_SOLD_OUT: '来晚了,该商品已兑完',
  MALL_LIMIT_REACHED: '已达到每人限兑数量',
  MALL_ITEM_OFF_SHELF: '该商品已下架,暂不可兑换',
  PRODUCT_NOT_ON_SALE: '该商品已下架,暂不可兑换',
  STOCK_INSUFFICIENT: '商品库存不足,暂不可兑换',
};
const mallOrderText = (err: unknown) => (err instanceof ApiError && MALL_ORDER_TEXT[err.code]) || errorMessage(err);

/**
 * 积分兑换 goods: the customer chooses delivery (address) or pickup (store) and places a normal order
 * priced at the item's cash price; its points are spent with the order. A points-only item is paid at
 * once; with cash the customer pays like any order. The address picker shares the checkout draft.
 */
export default function MallRedeem() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const list = useLoad(() => api<{ items: MallItem[] }>('GET', '/points/mall'), []);
  const item = list.data?.items.find((i) => i.id === id && i.kind === 'goods') ?? null;
  const skuId = item?.skuId ?? null;
  const [draft, setDraft] = useState(() => checkoutDraft.get());
  const [submitting, setSubmitting] = useState(false);
  const busy = useRef(false);
  // One key per redeem attempt on this page: a retry after a lost answer never makes a second order.
  const key = useRef(uuid());

  // The draft carries the address chosen on the address page; it is this redemption's when it holds just this SKU.
  useEffect(() => {
    if (!skuId || !item) return;
    const d = checkoutDraft.get();
    if (d && d.items.length === 1 && d.items[0].skuId === skuId && d.items[0].quantity === 1 && !d.fromCart) return setDraft(d);
    const fresh = { items: [{ skuId, quantity: 1 }], fromCart: false, images: { [skuId]: item.product?.imageUrl ?? null } };
    checkoutDraft.set(fresh);
    setDraft(fresh);
  }, [skuId, item]);

  const update = (p: Partial<NonNullable<typeof draft>>) =>
    setDraft((d) => {
      if (!d) return d;
      const next = { ...d, ...p };
      checkoutDraft.set(next);
      return next;
    });

  const fulfilment = draft?.fulfilment ?? 'express';
  const addresses = useLoad(() => api<{ items: Address[] }>('GET', '/me/addresses'), []);
  const points = useLoad(() => api<{ items: PickupPoint[] }>('GET', '/pickup-points'), []);
  const address = useMemo(() => {
    const all = addresses.data?.items ?? [];
    return all.find((a) => a.id === draft?.addressId) ?? all.find((a) => a.isDefault) ?? all[0] ?? null;
  }, [addresses.data, draft?.addressId]);
  const activePoints = (points.data?.items ?? []).filter((p) => p.active !== false);
  const point = activePoints.find((p) => p.id === draft?.pickupPointId) ?? (activePoints.length === 1 ? activePoints[0] : null);

  const body = skuId && {
    items: [{ skuId, quantity: 1 }],
    fulfilment,
    ...(fulfilment === 'express' ? { addressId: address?.id } : { pickupPointId: point?.id }),
    mallItemId: id,
  };
  const ready = !!body && (fulfilment === 'express' ? !!address : !!point);
  const previewKey = JSON.stringify(body);
  const preview = useLoad(
    () => (ready && body ? api<Preview>('POST', '/checkout/preview', { body }) : Promise.resolve(null)),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [previewKey, ready],
  );

  if (list.error) {
    return (
      <Page title="积分兑换" back="/points-mall">
        <ErrorState error={list.error} onRetry={list.reload} />
      </Page>
    );
  }
  if (list.data && !item) {
    return (
      <Page title="积分兑换" back="/points-mall">
        <EmptyState
          title="该商品已下架或不存在"
          action={
            <Button color="primary" className="btn-round" onClick={() => navigate('/points-mall', { replace: true })}>
              返回积分商城
            </Button>
          }
        />
      </Page>
    );
  }

  const mall = preview.data?.mall;
  const submit = async () => {
    if (busy.current || !body || !item) return;
    if (fulfilment === 'express' && !address) return void Toast.show({ content: '请先添加收货地址' });
    if (fulfilment === 'pickup' && !point) return void Toast.show({ content: '请选择自提门店' });
    const question = `确认用 ${item.points} 积分${item.cashFen ? ` + ${money(item.cashFen)}` : ''}兑换?`;
    const ok = await Dialog.confirm({ 'aria-label': question, title: question, content: `兑换「${item.title}」;订单取消或退款时积分会退回`, confirmText: '确认兑换', cancelText: '再想想' });
    if (!ok || busy.current) return;
    busy.current = true;
    setSubmitting(true);
    let order: Order;
    try {
      order = await api<Order>('POST', '/orders', { body, headers: { 'Idempotency-Key': key.current } });
    } catch (err) {
      busy.current = false;
      setSubmitting(false);
      if (err instanceof ApiError && err.status === 0) Toast.show({ icon: 'fail', content: '网络异常,请重新提交(不会重复兑换)' });
      else {
        key.current = uuid();
        await Dialog.alert({ title: '兑换失败', content: mallOrderText(err), confirmText: '知道了' });
        void preview.reload();
      }
      return;
    }
    checkoutDraft.clear();
    navigate(`/orders/${order.id}`, { replace: true });
    if (order.status !== 'pending_payment') {
      Toast.show({ icon: 'success', content: '兑换成功' });
      return;
    }
    try {
      const outcome = await startPayment(order.id);
      if (outcome.kind === 'returned') navigate(`/pay/result/${order.id}?result=${outcome.result}`, { replace: true });
    } catch (err) {
      Toast.show({ content: errorMessage(err) });
    }
  };

  const shortBy = mall && !mall.enough ? mall.points - mall.balance : 0;
  return (
    <Page title="积分兑换" back="/points-mall" actionbar testId="page-mall-redeem">
      <div className="seg" role="radiogroup" aria-label="配送方式" data-testid="redeem-fulfilment">
        {(
          [
            ['express', '快递配送'],
            ['pickup', '到店自提'],
          ] as const
        ).map(([k, label]) => (
          <button key={k} type="button" role="radio" aria-checked={fulfilment === k} onClick={() => update({ fulfilment: k })} data-testid={`redeem-fulfilment-${k}`}>
            {label}
          </button>
        ))}
      </div>

      {fulfilment === 'express' ? (
        <section className="card" aria-label="收货地址">
          {addresses.loading && !addresses.data ? (
            <Skeleton.Paragraph lineCount={2} animated />
          ) : address ? (
            <button type="button" className="addr-card" onClick={() => navigate('/me/addresses?select=1')} data-testid="redeem-address" aria-label={`收货地址:${address.contactName} ${address.phone} ${fullAddress(address)},点击更换`}>
              <LocationFill fontSize={22} color="var(--shop-red)" aria-hidden />
              <span style={{ flex: 1, minWidth: 0 }}>
                <span style={{ display: 'block', fontWeight: 600, fontSize: 15 }}>
                  {address.contactName} <span style={{ fontWeight: 400 }}>{address.phone}</span>
                </span>
                <span className="small muted ellipsis-2" style={{ marginTop: 4 }}>
                  {fullAddress(address)}
                </span>
              </span>
              <RightOutline aria-hidden />
            </button>
          ) : (
            <Button block color="primary" fill="outline" onClick={() => navigate('/me/addresses/new?select=1')} data-testid="redeem-add-address">
              + 添加收货地址
            </Button>
          )}
        </section>
      ) : (
        <section className="card" aria-labelledby="redeem-pickup-title">
          <div className="card-title" id="redeem-pickup-title">
            选择自提门店
          </div>
          {points.loading && !points.data ? (
            <Skeleton.Paragraph lineCount={2} animated />
          ) : activePoints.length === 0 ? (
            <p className="muted">商家暂未开通到店自提,请选择快递配送</p>
          ) : (
            <div role="radiogroup" aria-labelledby="redeem-pickup-title">
              {activePoints.map((p) => (
                <button key={p.id} type="button" role="radio" aria-checked={point?.id === p.id} className="pickup-opt" onClick={() => update({ pickupPointId: p.id })} data-testid="redeem-pickup-point">
                  <EnvironmentOutline fontSize={18} aria-hidden style={{ marginTop: 2 }} />
                  <span style={{ flex: 1 }}>
                    <span style={{ display: 'block', fontWeight: 600 }}>{p.name}</span>
                    <span className="small muted" style={{ display: 'block' }}>
                      {p.address}
                    </span>
                  </span>
                </button>
              ))}
            </div>
          )}
        </section>
      )}

      <section className="card" aria-label="兑换的商品">
        {!item ? (
          <Skeleton.Paragraph lineCount={2} animated />
        ) : (
          <div className="line-item" data-testid="redeem-item">
            <div className="thumb">
              <Img src={item.product?.imageUrl ?? null} alt={item.title} />
            </div>
            <div className="info">
              <div className="ellipsis-2">{item.title}</div>
              {item.product?.specText && <span className="spec-pill">{item.product.specText}</span>}
              <div className="row between" style={{ marginTop: 4 }}>
                <span className="redeem-cost">
                  {item.points} 积分{item.cashFen ? ` + ${money(item.cashFen)}` : ''}
                </span>
                <span className="muted">×1</span>
              </div>
            </div>
          </div>
        )}
      </section>

      <section className="card" aria-label="金额明细" data-testid="redeem-amounts">
        {preview.error ? (
          <p className="problem" role="alert" data-testid="redeem-error">
            {mallOrderText(preview.error)}
          </p>
        ) : !ready ? (
          <p className="muted">{fulfilment === 'express' ? '请先选择收货地址' : '请先选择自提门店'}</p>
        ) : !preview.data ? (
          <Skeleton.Paragraph lineCount={3} animated />
        ) : (
          <>
            <div className="kv">
              <span>消耗积分</span>
              <span className="v redeem-cost" data-testid="redeem-points">
                {mall?.points ?? item?.points} 积分
              </span>
            </div>
            <div className="kv">
              <span>我的积分</span>
              <span className={shortBy ? 'v problem' : 'v'} data-testid="redeem-balance">
                {mall?.balance ?? '—'}
                {shortBy ? `(还差 ${shortBy})` : ''}
              </span>
            </div>
            <div className="kv">
              <span>
                运费
                {preview.data.shipping.reason && <span className="small muted">({preview.data.shipping.reason})</span>}
              </span>
              <span className="v">{preview.data.shippingFen ? `+${money(preview.data.shippingFen)}` : fulfilment === 'pickup' ? '到店自提 免运费' : '免运费'}</span>
            </div>
            <div className="kv" style={{ borderTop: '1px solid #f0f0f0', marginTop: 4, paddingTop: 10 }}>
              <span>需付款</span>
              <Price fen={preview.data.payableFen} size="md" testId="redeem-payable" />
            </div>
          </>
        )}
      </section>

      <div className="fixed-bottom actionbar" role="toolbar" aria-label="确认兑换">
        <div className="grow" style={{ textAlign: 'right' }}>
          {item ? (
            <span className="redeem-cost">
              {item.points} 积分{preview.data?.payableFen ? ` + ${money(preview.data.payableFen)}` : ''}
            </span>
          ) : (
            <span className="muted">—</span>
          )}
        </div>
        <Button color="primary" className="btn-round" style={{ minWidth: 120 }} loading={submitting} disabled={!preview.data || submitting || !!shortBy} onClick={() => void submit()} data-testid="redeem-submit">
          {shortBy ? '积分不足' : '确认兑换'}
        </Button>
      </div>
    </Page>
  );
}
