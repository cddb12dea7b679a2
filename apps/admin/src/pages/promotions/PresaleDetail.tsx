import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Button, Col, Popconfirm, Row, Skeleton, Space, Statistic, Table, Tag, type TableProps } from 'antd';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { formatFen } from '../../lib/money';
import { fmtTime } from '../../lib/format';
import { LoadError } from '../../components/Results';
import { ProductThumb, useProductBriefs, useProductDetails } from './ProductPicker';
import { PresalePhaseTag, PresaleWindows } from './PresaleList';
import type { PresaleDetail as Detail, PresaleOrder, PresaleOrderStatus } from './salesTypes';
import './promotions.css';

const STATUS_COLORS: Record<PresaleOrderStatus, string> = {
  pending_deposit: 'orange',
  deposit_paid: 'blue',
  balance_ordered: 'cyan',
  completed: 'green',
  closed: 'default',
  forfeited: 'red',
  refunded: 'purple',
};

/** One 定金预售: its phases, SKUs with deposit and deduction, results, and every customer's deposit. */
export default function PresaleDetail() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const { can } = useAuth();
  const detail = useApi<Detail>(`/presales/${id}`);
  const [busy, setBusy] = useState(false);
  const p = detail.data;
  const briefs = useProductBriefs(p ? [p.productId] : []);
  const details = useProductDetails(p ? [p.productId] : []);
  const product = p ? details.get(p.productId) : undefined;
  const skuText = (skuId: string) => (product && product !== 'missing' ? product.skus.find((s) => s.id === skuId)?.specText || t('activity.ld.defaultSku') : skuId.slice(0, 8));
  const skuPrice = (skuId: string) => (product && product !== 'missing' ? product.skus.find((s) => s.id === skuId)?.price : undefined);

  const end = async () => {
    setBusy(true);
    try {
      detail.setData(await api.post<Detail>(`/presales/${id}/end`));
      feedback.message.success(t('presale.ended'));
    } catch (err) {
      showError(err);
    } finally {
      setBusy(false);
    }
  };

  if (detail.error) return <LoadError error={detail.error} onRetry={detail.reload} />;
  if (!p) return <div className="page-card"><Skeleton active /></div>;

  const columns: TableProps<PresaleOrder>['columns'] = [
    { title: t('presale.order.no'), dataIndex: 'depositNo', width: 200 },
    {
      title: t('presale.order.customer'),
      dataIndex: 'customerId',
      width: 120,
      render: (c: string) => <Link to={`/customers/${c}`}>{c.slice(0, 8)}</Link>,
    },
    { title: t('presale.sku'), dataIndex: 'skuId', render: (s: string) => skuText(s) },
    { title: t('presale.order.quantity'), dataIndex: 'quantity', width: 70 },
    { title: t('presale.depositAmount'), key: 'deposit', width: 180, render: (_, o) => <span>{formatFen(o.depositFen)} <span className="muted">({o.label})</span></span> },
    { title: t('common.status'), dataIndex: 'status', width: 110, render: (s: PresaleOrderStatus) => <Tag color={STATUS_COLORS[s]}>{t(`presale.order.status.${s}`)}</Tag> },
    { title: t('presale.order.paidAt'), dataIndex: 'depositPaidAt', width: 170, render: (v: string | null) => fmtTime(v) },
    {
      title: t('presale.order.balanceOrder'),
      dataIndex: 'balanceOrderId',
      width: 120,
      render: (o: string | null) => (o ? <Link to={`/orders/${o}`}>{t('common.view')}</Link> : <span className="muted">-</span>),
    },
  ];

  return (
    <div>
      <div className="page-card" data-testid="presale-header">
        <div className="promo-head">
          <div>
            <Space size={8} wrap>
              <h1>{p.name}</h1>
              <PresalePhaseTag phase={p.phase} />
              <Tag>{p.depositRefundable ? t('presale.refundableYes') : t('presale.refundableNo')}</Tag>
            </Space>
            <div className="promo-meta">
              <ProductThumb id={p.productId} brief={briefs.get(p.productId)} />
              <PresaleWindows p={p} />
              <span>{t('presale.limitText', { n: p.perCustomerLimit })}</span>
            </div>
          </div>
          <span className="spacer" />
          {can('promotions:write') && p.status !== 'ended' && p.phase !== 'ended' && (
            <Popconfirm title={t('presale.endConfirm')} onConfirm={end} okText={t('promo.action.end')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
              <Button danger loading={busy} data-testid="presale-end">
                {t('promo.action.end')}
              </Button>
            </Popconfirm>
          )}
        </div>
        <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
          {(
            [
              ['deposits', p.stats.deposits],
              ['units', p.stats.units],
              ['depositFen', formatFen(p.stats.depositFen, true)],
              ['awaitingBalance', p.stats.awaitingBalance],
              ['completed', p.stats.completed],
              ['forfeited', p.stats.forfeited],
              ['refunded', p.stats.refunded],
            ] as const
          ).map(([k, v]) => (
            <Col key={k} xs={12} md={6} xl={3}>
              <Statistic title={<span className="stat-label">{t(`presale.stats.${k}`)}</span>} value={v} data-testid={`presale-stat-${k}`} />
            </Col>
          ))}
        </Row>
      </div>
      <div className="page-card">
        <h2 className="page-title" style={{ fontSize: 16 }}>
          {t('presale.skus')}
        </h2>
        <Table
          size="small"
          rowKey="skuId"
          pagination={false}
          dataSource={p.items}
          style={{ maxWidth: 800 }}
          data-testid="presale-items"
          columns={[
            { title: t('presale.sku'), dataIndex: 'skuId', render: (s: string) => skuText(s) },
            { title: t('presale.price'), key: 'price', width: 110, render: (_, i) => formatFen(skuPrice(i.skuId)) },
            { title: t('presale.depositAmount'), dataIndex: 'depositFen', width: 110, render: (v: number) => formatFen(v) },
            { title: t('presale.deductAmount'), dataIndex: 'deductFen', width: 110, render: (v: number) => formatFen(v) },
            { title: t('presale.preview'), dataIndex: 'label', width: 160, render: (v: string) => <span style={{ color: '#cf1322' }}>{v}</span> },
            {
              title: t('presale.balanceColumn'),
              key: 'balance',
              width: 110,
              render: (_, i) => {
                const price = skuPrice(i.skuId);
                return price === undefined ? '-' : formatFen(Math.max(0, price - i.deductFen));
              },
            },
          ]}
        />
      </div>
      <div className="page-card">
        <h2 className="page-title" style={{ fontSize: 16 }}>
          {t('presale.orders')}
        </h2>
        <Table<PresaleOrder>
          size="small"
          rowKey="id"
          columns={columns}
          dataSource={p.orders}
          scroll={{ x: 1100 }}
          locale={{ emptyText: <span className="muted">{t('presale.noOrders')}</span> }}
          pagination={{ pageSize: 20, showSizeChanger: false, showTotal: (n) => t('common.total', { n }) }}
          data-testid="presale-orders"
        />
      </div>
    </div>
  );
}
