import { Button, PullToRefresh } from 'antd-mobile';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { Img } from '../components/Img';
import { ListFooter } from '../components/ListFooter';
import { Page } from '../components/Page';
import { Price } from '../components/Price';
import { ListSkeleton } from '../components/ProductCard';
import { EmptyState, ErrorState } from '../components/States';
import { api } from '../lib/api';
import { REFUND_STATUS_SHORT, money } from '../lib/format';
import { statusText } from '../lib/status';
import { cancelOrder, confirmReceipt, payOrder } from '../lib/order-actions';
import { usePaged } from '../lib/paged';
import type { Order, OrderStatus, Paged } from '../lib/types';

/** The 售后 tab lists every order that had a request, finished ones too, with what became of it. */
export const ORDER_TABS: { key: string; label: string; status?: OrderStatus; afterSale?: true }[] = [
  { key: 'all', label: '全部' },
  { key: 'pending_payment', label: '待付款', status: 'pending_payment' },
  { key: 'paid', label: '待发货', status: 'paid' },
  { key: 'shipped', label: '已发货', status: 'shipped' },
  { key: 'completed', label: '已完成', status: 'completed' },
  { key: 'after_sale', label: '售后', afterSale: true },
];

/** Some money went back but the order goes on (a fully refunded order says 已退款 as its status). */
const partlyRefunded = (o: Order) => o.refundedFen > 0 && o.status !== 'refunded';

export default function Orders() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  // Links from before the 售后 tab kept finished requests said status=refund_requested.
  const asked = params.get('status') === 'refund_requested' ? 'after_sale' : params.get('status');
  const tab = ORDER_TABS.find((t) => t.key === asked) ?? ORDER_TABS[0];
  const list = usePaged((page) => api<Paged<Order>>('GET', '/orders', { query: { page, pageSize: 10, status: tab.status, afterSale: tab.afterSale ? 'true' : undefined } }), [tab.key]);

  const replace = (o: Order) =>
    list.setItems((items) => (tab.status && o.status !== tab.status ? items.filter((i) => i.id !== o.id) : items.map((i) => (i.id === o.id ? { ...i, ...o, items: i.items, afterSale: i.afterSale } : i))));

  return (
    <Page title="我的订单" back="/me" testId="page-orders">
      <div className="order-tabs fixed-top" role="tablist" aria-label="订单状态">
        {ORDER_TABS.map((t) => (
          <button key={t.key} type="button" role="tab" aria-selected={t.key === tab.key} onClick={() => setParams(t.key === 'all' ? {} : { status: t.key }, { replace: true })} data-testid={`orders-tab-${t.key}`}>
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={tab.label}>
        <PullToRefresh onRefresh={list.reset}>
          {list.initialLoading ? (
            <ListSkeleton rows={3} />
          ) : list.error && !list.items.length ? (
            <ErrorState error={list.error} onRetry={list.reset} />
          ) : list.items.length === 0 ? (
            <EmptyState
              title="暂无相关订单"
              action={
                <Button color="primary" fill="outline" className="btn-round" onClick={() => navigate('/')}>
                  去逛逛
                </Button>
              }
            />
          ) : (
            <ul className="plain-list">
              {list.items.map((o) => {
                const count = o.items.reduce((n, i) => n + i.quantity, 0);
                return (
                  <li key={o.id} className="order-card" data-testid="order-card" data-order-id={o.id}>
                    <div className="head">
                      <span className="muted">
                        {o.fulfilment === 'pickup' ? '到店自提' : '快递配送'} · 订单号 {o.orderNo}
                      </span>
                      <span className="status" data-testid="order-status">
                        {statusText(o.status, o.fulfilment)}
                      </span>
                    </div>
                    <button type="button" className="order-body" onClick={() => navigate(`/orders/${o.id}`)}>
                      {o.items.length === 1 ? (
                        <div className="line-item" style={{ padding: 0 }}>
                          <div className="thumb">
                            <Img src={o.items[0].imageUrl} alt={o.items[0].title} />
                          </div>
                          <div className="info">
                            <div className="ellipsis-2">{o.items[0].title}</div>
                            {o.items[0].specText && <span className="spec-pill">{o.items[0].specText}</span>}
                          </div>
                        </div>
                      ) : (
                        <div className="thumb-row">
                          {o.items.slice(0, 4).map((i) => (
                            <div className="thumb" key={i.id}>
                              <Img src={i.imageUrl} alt={i.title} />
                            </div>
                          ))}
                        </div>
                      )}
                    </button>
                    <div style={{ textAlign: 'right', marginTop: 8 }}>
                      共 {count} 件 {o.status === 'pending_payment' ? '需付款' : '实付'}:<Price fen={o.payableFen} size="md" />
                    </div>
                    {(o.afterSale || partlyRefunded(o)) && (
                      <div className="after-sale-row" data-testid="order-after-sale">
                        {partlyRefunded(o) && (
                          <span className="promo-tag" data-testid="order-partial-refund">
                            部分退款 {money(o.refundedFen)}
                          </span>
                        )}
                        {o.afterSale && (
                          <span className="small" data-testid="order-after-sale-status" data-refund-status={o.afterSale.status}>
                            售后:{REFUND_STATUS_SHORT[o.afterSale.status]}
                            {o.afterSale.status === 'refunded' && !partlyRefunded(o) ? ` ${money(o.afterSale.amountFen)}` : ''}
                          </span>
                        )}
                      </div>
                    )}
                    <div className="actions">
                      {o.status === 'pending_payment' && (
                        <>
                          <Button size="small" className="btn-round" onClick={async () => { const u = await cancelOrder(o.id); if (u) replace(u); }}>
                            取消订单
                          </Button>
                          <Button size="small" color="primary" className="btn-round" onClick={() => payOrder(o.id, navigate)} data-testid="order-pay">
                            去支付
                          </Button>
                        </>
                      )}
                      {o.status === 'shipped' && (
                        <Button size="small" color="primary" fill="outline" className="btn-round" onClick={async () => { if (await confirmReceipt(o.id)) replace({ ...o, status: 'completed' }); }}>
                          确认收货
                        </Button>
                      )}
                      <Button size="small" className="btn-round" onClick={() => navigate(`/orders/${o.id}`)}>
                        查看详情
                      </Button>
                    </div>
                  </li>
                );
              })}
            </ul>
          )}
          <ListFooter hasMore={list.hasMore} loadMore={list.loadMore} count={list.items.length} />
        </PullToRefresh>
      </div>
    </Page>
  );
}
