import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Button, Card, Col, Descriptions, Popconfirm, Row, Skeleton, Space, Steps, Table, Tag, Timeline, Tooltip } from 'antd';
import { historyNoteText, lineSavingsText, refundReasonText } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { useApi } from '../../lib/hooks';
import { textLang, useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { formatFen } from '../../lib/money';
import { fmtTime, fullAddress } from '../../lib/format';
import { LoadError } from '../../components/Results';
import { OrderStatusTag, RefundStatusTag } from '../../components/StatusTag';
import type { MessageKey } from '../../lib/dict';
import type { OrderDetail as Detail, OrderItem, Refund } from '../../lib/types';
import ShipModal from './ShipModal';
import RefundModal from './RefundModal';

export default function OrderDetail() {
  const { id } = useParams();
  const { t, lang } = useI18n();
  const tl = textLang(lang);
  const { can } = useAuth();
  const { data: o, error, loading, reload } = useApi<Detail>(`/orders/${id}`);
  const [shipOpen, setShipOpen] = useState(false);
  const [refundOpen, setRefundOpen] = useState(false);

  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!o) return <div className="page-card"><Skeleton active={loading} /></div>;

  const cancel = async () => {
    try {
      await api.post(`/orders/${o.id}/cancel`, {});
      feedback.message.success(t('order.cancelled'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  const stepIndex = o.completedAt ? 3 : o.shippedAt ? 2 : o.paidAt ? 1 : 0;
  const canRefund = can('orders:refund') && ['paid', 'shipped', 'completed'].includes(o.status) && o.items.some((i) => i.quantity > i.refundedQty);

  const historyTitle = (action: string) => {
    const key = `history.${action}` as MessageKey;
    const s = t(key);
    return s === key ? action : s;
  };
  // Why it was cancelled, in the reader's language when the entry has a code (the order row keeps Chinese).
  const cancelEntry = [...o.history].reverse().find((h) => h.action === 'cancel');
  const cancelReason = cancelEntry ? historyNoteText(cancelEntry, tl) || o.cancelReason : o.cancelReason;
  const itemOf = (id: string) => o.items.find((i) => i.id === id);

  return (
    <div data-testid="order-detail" data-status={o.status}>
      <Card variant="borderless" style={{ marginBottom: 16 }}>
        <div className="toolbar" style={{ marginBottom: 8 }}>
          <h1 className="page-title" style={{ margin: 0 }}>
            {t('order.no')}:<span data-testid="order-no">{o.orderNo}</span>
          </h1>
          <span data-testid="order-status"><OrderStatusTag status={o.status} fulfilment={o.fulfilment} /></span>
          {o.fulfilmentHold && (
            <Tooltip title={t('fission.orderHeldHint')}>
              <Tag color="orange" data-testid="order-held">
                {t('fission.orderHeld')}
              </Tag>
            </Tooltip>
          )}
          <span className="spacer" />
          <Space>
            {can('orders:fulfil') && o.status === 'paid' && o.fulfilment === 'express' && !o.fulfilmentHold && (
              <Button type="primary" onClick={() => setShipOpen(true)} data-testid="order-ship">
                {t('order.ship')}
              </Button>
            )}
            {canRefund && (
              <Button danger onClick={() => setRefundOpen(true)} data-testid="order-refund">
                {t('order.refund')}
              </Button>
            )}
            {can('orders:fulfil') && o.status === 'pending_payment' && (
              <Popconfirm title={`${t('order.cancel')}?`} onConfirm={cancel} okText={t('common.confirm')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
                <Button data-testid="order-cancel">{t('order.cancel')}</Button>
              </Popconfirm>
            )}
          </Space>
        </div>
        {o.status !== 'cancelled' && (
          <Steps
            size="small"
            current={stepIndex}
            style={{ marginTop: 16 }}
            items={[
              { title: t('order.steps.placed'), content: fmtTime(o.createdAt) },
              { title: t('order.steps.paid'), content: o.paidAt ? fmtTime(o.paidAt) : undefined },
              { title: o.fulfilment === 'pickup' ? t('order.fulfilment.pickup') : t('order.steps.shipped'), content: o.shippedAt ? fmtTime(o.shippedAt) : undefined },
              { title: t('order.steps.completed'), content: o.completedAt ? fmtTime(o.completedAt) : undefined },
            ]}
          />
        )}
      </Card>

      <Row gutter={16}>
        <Col xs={24} xl={16}>
          <Card title={t('order.info')} variant="borderless" style={{ marginBottom: 16 }}>
            <Descriptions
              column={{ xs: 1, md: 2 }}
              size="small"
              items={[
                { key: 'created', label: t('order.createdAt'), children: fmtTime(o.createdAt) },
                { key: 'ful', label: t('order.fulfilment'), children: t(`order.fulfilment.${o.fulfilment}`) },
                {
                  key: 'cust',
                  label: t('order.customer'),
                  children: o.customer ? <Link to={`/customers/${o.customerId}`}>{o.customer.nickname ?? o.customer.phone ?? o.customerId.slice(0, 8)}</Link> : '-',
                },
                { key: 'phone', label: t('common.phone'), children: o.customer?.phone ?? '-' },
                { key: 'paidAt', label: t('order.paidAt'), children: fmtTime(o.paidAt) },
                { key: 'tx', label: t('order.transactionId'), children: o.payment?.transactionId ?? '-' },
                { key: 'remark', label: t('order.remark'), children: o.remark || '-', span: 2 },
                ...(cancelReason ? [{ key: 'cancel', label: t('order.cancelReason'), children: <span data-testid="order-cancel-reason">{cancelReason}</span>, span: 2 }] : []),
              ]}
            />
          </Card>

          <Card title={o.fulfilment === 'pickup' ? t('order.pickupPoint') : t('order.address')} variant="borderless" style={{ marginBottom: 16 }}>
            {o.fulfilment === 'express' && o.address && (
              <Descriptions
                column={1}
                size="small"
                items={[
                  {
                    key: 'who',
                    label: t('order.address'),
                    // One item on two lines: a second item with a blank label rendered a stray ":".
                    children: (
                      <div>
                        <div>{`${o.address.contactName} ${o.address.phone}`}</div>
                        <div>{fullAddress(o.address)}</div>
                      </div>
                    ),
                  },
                  { key: 'carrier', label: t('order.carrier'), children: o.carrierName ?? '-' },
                  { key: 'track', label: t('order.trackingNo'), children: <span data-testid="order-tracking-no">{o.trackingNo ?? '-'}</span> },
                ]}
              />
            )}
            {o.fulfilment === 'pickup' && o.pickupPoint && (
              <Descriptions
                column={1}
                size="small"
                items={[
                  { key: 'name', label: t('pickupPoint.name'), children: o.pickupPoint.name },
                  { key: 'addr', label: t('pickupPoint.address'), children: o.pickupPoint.address },
                  { key: 'phone', label: t('pickupPoint.phone'), children: o.pickupPoint.phone ?? '-' },
                  { key: 'code', label: t('order.pickupCode'), children: o.pickupCode ?? '-' },
                ]}
              />
            )}
          </Card>

          <Card title={t('order.items')} variant="borderless" style={{ marginBottom: 16 }}>
            <Table<OrderItem>
              size="small"
              rowKey="id"
              pagination={false}
              dataSource={o.items}
              scroll={{ x: 730 }}
              columns={[
                {
                  title: t('order.goods'),
                  key: 'g',
                  render: (_, i) => (
                    <div className="product-cell">
                      {i.imageUrl ? <img src={i.imageUrl} alt="" /> : <span className="img-placeholder" />}
                      <div>
                        <Link to={`/products/${i.productId}`}>{i.title}</Link>
                        <div className="muted" style={{ fontSize: 12 }}>{i.specText}{i.skuCode ? ` · ${i.skuCode}` : ''}</div>
                      </div>
                    </div>
                  ),
                },
                { title: t('order.unitPrice'), dataIndex: 'unitPriceFen', width: 100, render: (v: number) => formatFen(v) },
                { title: t('order.quantity'), dataIndex: 'quantity', width: 70 },
                { title: t('order.discount'), dataIndex: 'discountFen', width: 90, render: (v: number) => (v ? `-${formatFen(v)}` : '-') },
                {
                  title: t('order.paid'),
                  key: 'paid',
                  width: 190,
                  render: (_, i) => {
                    const why = i.savings ? lineSavingsText(i.savings, tl) : '';
                    return (
                      <div>
                        <div>{formatFen(i.payableFen)}</div>
                        {why && <div className="muted" style={{ fontSize: 12 }} data-testid="order-item-savings">{why}</div>}
                      </div>
                    );
                  },
                },
                { title: t('order.refunded'), key: 'rf', width: 110, render: (_, i) => (i.refundedQty ? `${i.refundedQty} / ${formatFen(i.refundedFen)}` : '-') },
              ]}
            />
            <div className="amount-rows" style={{ marginTop: 16 }} data-testid="order-amounts">
              <div><span>{t('order.itemsTotal')}</span><span>{formatFen(o.itemsTotalFen)}</span></div>
              <div><span>{t('order.discount')}</span><span>-{formatFen(o.discountFen)}</span></div>
              <div><span>{t('order.shippingFee')}</span><span>{formatFen(o.shippingFen)}</span></div>
              <div className="total"><span>{t('order.payable')}</span><span>{formatFen(o.payableFen)}</span></div>
              <div><span>{t('order.paid')}</span><span data-testid="order-paid">{formatFen(o.paidFen)}</span></div>
              {(o.balanceFen ?? 0) > 0 && (
                <>
                  <div><span>{t('order.balancePaid')}</span><span data-testid="order-balance-paid">{formatFen(o.balanceFen ?? 0)}</span></div>
                  <div><span>{t('order.cashPaid')}</span><span>{formatFen(o.payableFen - (o.balanceFen ?? 0))}</span></div>
                </>
              )}
              {o.refundedFen > 0 && <div><span>{t('order.refundedTotal')}</span><span data-testid="order-refunded">{formatFen(o.refundedFen)}</span></div>}
            </div>
          </Card>

          {o.refunds.length > 0 && (
            <Card title={t('order.refunds')} variant="borderless" style={{ marginBottom: 16 }}>
              <Table<Refund>
                size="small"
                rowKey="id"
                pagination={false}
                dataSource={o.refunds}
                columns={[
                  { title: t('refund.no'), dataIndex: 'refundNo' },
                  { title: t('refund.type'), dataIndex: 'type', render: (v: Refund['type']) => t(`refund.type.${v}`) },
                  {
                    title: t('refund.goods'),
                    key: 'goods',
                    render: (_, r) => r.items.map((it) => <div key={it.orderItemId}>{`${itemOf(it.orderItemId)?.title ?? ''} ${itemOf(it.orderItemId)?.specText ?? ''} ${it.quantity ? `× ${it.quantity}` : t('refund.priceDifference')}`}</div>),
                  },
                  {
                    title: t('refund.amount'),
                    key: 'amount',
                    render: (_, r) => (
                      <div>
                        <div>{formatFen(r.amountFen)}</div>
                        {r.balanceFen > 0 && <div className="muted" style={{ fontSize: 12 }}>{t('refund.balancePart', { amount: formatFen(r.balanceFen) })}</div>}
                      </div>
                    ),
                  },
                  { title: t('refund.reason'), key: 'reason', render: (_, r) => refundReasonText(r, tl) || '-' },
                  { title: t('common.status'), dataIndex: 'status', render: (s: Refund['status']) => <RefundStatusTag status={s} /> },
                  { title: t('common.createdAt'), dataIndex: 'createdAt', render: fmtTime },
                ]}
              />
            </Card>
          )}
        </Col>
        <Col xs={24} xl={8}>
          <Card title={t('order.timeline')} variant="borderless" style={{ marginBottom: 16 }}>
            <Timeline
              data-testid="order-timeline"
              items={[...o.history].reverse().map((h, i) => ({
                key: h.id,
                color: i === 0 ? 'blue' : 'gray',
                title: fmtTime(h.createdAt),
                content: (
                  <div>
                    <div style={{ fontWeight: 500 }}>{historyTitle(h.action)}</div>
                    <div className="muted" style={{ fontSize: 12 }}>
                      {t(`history.actor.${h.actorType}` as MessageKey)}
                      {historyNoteText(h, tl) ? ` · ${historyNoteText(h, tl)}` : ''}
                    </div>
                  </div>
                ),
              }))}
            />
          </Card>
        </Col>
      </Row>

      <ShipModal
        order={shipOpen ? o : null}
        onClose={() => setShipOpen(false)}
        onShipped={() => {
          setShipOpen(false);
          reload();
        }}
      />
      <RefundModal
        order={o}
        open={refundOpen}
        onClose={() => setRefundOpen(false)}
        onDone={() => {
          setRefundOpen(false);
          reload();
        }}
      />
    </div>
  );
}
