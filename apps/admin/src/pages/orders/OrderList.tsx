import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { Button, DatePicker, Input, Space, Table, Tabs, Tag, type TableProps } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { ORDER_STATUSES, goodsSummaryText } from '@siyu/contracts';
import { downloadUrl } from '../../lib/api';
import { useApi } from '../../lib/hooks';
import { textLang, useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { formatFen } from '../../lib/money';
import { fmtTime } from '../../lib/format';
import { tableWidth } from '../../lib/table';
import { OrderStatusTag, orderStatusText } from '../../components/StatusTag';
import type { Order, Paged } from '../../lib/types';
import ShipModal from './ShipModal';

export function OrderGoods({ order }: { order: Order }) {
  const { lang } = useI18n();
  const first = order.items[0];
  if (!first) return null;
  return (
    <div className="product-cell">
      {first.imageUrl ? <img src={first.imageUrl} alt="" /> : <span className="img-placeholder" />}
      <div style={{ minWidth: 0 }}>
        <div style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', maxWidth: 260 }}>{first.title}</div>
        <div className="muted" style={{ fontSize: 12 }} data-testid="order-goods-summary">
          {goodsSummaryText(order.items, textLang(lang))}
        </div>
      </div>
    </div>
  );
}

/** Orders table used by the order list and the customer detail page. */
export function useOrderColumns(onShip?: (o: Order) => void): TableProps<Order>['columns'] {
  const { t } = useI18n();
  const { can } = useAuth();
  return [
    { title: t('order.no'), dataIndex: 'orderNo', width: 190, render: (no: string, o) => <Link to={`/orders/${o.id}`} data-testid={`order-link-${no}`}>{no}</Link> },
    { title: t('order.goods'), key: 'goods', render: (_, o) => <OrderGoods order={o} /> },
    {
      title: t('order.amount'),
      key: 'amount',
      width: 130,
      render: (_, o) => (
        <div>
          <div>{formatFen(o.paidFen || o.payableFen)}</div>
          {o.shippingFen > 0 && <div className="muted" style={{ fontSize: 12 }}>{t('order.shippingFee')} {formatFen(o.shippingFen)}</div>}
          {/* A fully refunded order says so in its status; a partly refunded one says how much here. */}
          {o.refundedFen > 0 && o.status !== 'refunded' && (
            <Tag color="orange" style={{ marginTop: 2 }} data-testid={`order-partial-refund-${o.orderNo}`}>
              {t('order.partialRefund', { amount: formatFen(o.refundedFen) })}
            </Tag>
          )}
        </div>
      ),
    },
    { title: t('order.customerPhone'), dataIndex: 'customerPhone', width: 130, render: (p: string | null) => p ?? '-' },
    { title: t('order.fulfilment'), dataIndex: 'fulfilment', width: 90, render: (f: Order['fulfilment']) => t(`order.fulfilment.${f}`) },
    { title: t('common.status'), dataIndex: 'status', width: 110, render: (s: Order['status'], o: Order) => (
        <>
          <OrderStatusTag status={s} fulfilment={o.fulfilment} />
          {o.fulfilmentHold && <Tag color="orange">{t('fission.orderHeld')}</Tag>}
        </>
      ) },
    { title: t('order.createdAt'), dataIndex: 'createdAt', width: 170, className: 'nowrap', render: (v: string) => <span data-testid="order-created-at">{fmtTime(v)}</span> },
    {
      title: t('common.actions'),
      key: 'a',
      width: 120,
      fixed: 'right',
      render: (_, o) => (
        <Space size={4}>
          <Link to={`/orders/${o.id}`}>{t('common.detail')}</Link>
          {onShip && can('orders:fulfil') && o.status === 'paid' && o.fulfilment === 'express' && (
            <Button type="link" size="small" onClick={() => onShip(o)} data-testid={`ship-button-${o.orderNo}`}>
              {t('order.ship')}
            </Button>
          )}
        </Space>
      ),
    },
  ];
}

export default function OrderList() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [shipping, setShipping] = useState<Order | null>(null);
  const [orderNo, setOrderNo] = useState(params.get('orderNo') ?? '');
  const [phone, setPhone] = useState(params.get('phone') ?? '');

  const filters = {
    status: params.get('status') ?? undefined,
    orderNo: params.get('orderNo') ?? undefined,
    phone: params.get('phone') ?? undefined,
    from: params.get('from') ?? undefined,
    to: params.get('to') ?? undefined,
  };
  const query = { ...filters, page: Number(params.get('page') ?? 1), pageSize: Number(params.get('pageSize') ?? 20) };
  const { data, loading, reload } = useApi<Paged<Order>>('/orders', query);
  const columns = useOrderColumns(setShipping);

  const update = (patch: Record<string, string | number | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === '') next.delete(k);
      else next.set(k, String(v));
    }
    if (!('page' in patch)) next.delete('page');
    setParams(next);
  };

  const range: [dayjs.Dayjs, dayjs.Dayjs] | null = filters.from && filters.to ? [dayjs(filters.from), dayjs(filters.to)] : null;

  return (
    <div className="page-card">
      <h1 className="page-title">{t('order.list')}</h1>
      <div className="filters">
        <Input
          allowClear
          style={{ width: 220 }}
          placeholder={t('order.searchOrderNo')}
          aria-label={t('order.searchOrderNo')}
          value={orderNo}
          onChange={(e) => setOrderNo(e.target.value)}
          onPressEnter={() => update({ orderNo: orderNo.trim(), phone: phone.trim() })}
          data-testid="filter-order-no"
        />
        <Input
          allowClear
          style={{ width: 180 }}
          placeholder={t('order.searchPhone')}
          aria-label={t('order.searchPhone')}
          inputMode="numeric"
          value={phone}
          onChange={(e) => setPhone(e.target.value.replace(/\D/g, ''))}
          onPressEnter={() => update({ orderNo: orderNo.trim(), phone: phone.trim() })}
          data-testid="filter-phone"
        />
        <DatePicker.RangePicker
          value={range}
          placeholder={[t('common.startDate'), t('common.endDate')]}
          aria-label={t('common.dateRange')}
          onChange={(v) =>
            update({ from: v?.[0] ? v[0].startOf('day').toISOString() : undefined, to: v?.[1] ? v[1].endOf('day').toISOString() : undefined })
          }
          data-testid="filter-date"
        />
        <Button type="primary" onClick={() => update({ orderNo: orderNo.trim(), phone: phone.trim() })} data-testid="order-search">
          {t('common.search')}
        </Button>
        <Button
          onClick={() => {
            setOrderNo('');
            setPhone('');
            setParams(new URLSearchParams());
          }}
        >
          {t('common.reset')}
        </Button>
        <span style={{ flex: 1 }} />
        {can('orders:export') && (
          <Button icon={<DownloadOutlined />} href={downloadUrl('/orders/export.xlsx', filters)} data-testid="export-orders">
            {t('common.export')}
          </Button>
        )}
      </div>
      <Tabs
        activeKey={filters.status ?? 'all'}
        onChange={(k) => update({ status: k === 'all' ? undefined : k })}
        items={[{ key: 'all', label: t('common.all') }, ...ORDER_STATUSES.map((s) => ({ key: s, label: orderStatusText(s, lang) }))]}
        data-testid="order-status-tabs"
      />
      <Table<Order>
        rowKey="id"
        loading={loading}
        columns={columns}
        dataSource={data?.items ?? []}
        scroll={data?.items.length ? { x: tableWidth(columns, 180) } : undefined}
        onRow={(o) =>
          ({
            'data-testid': `order-row-${o.orderNo}`,
            style: { cursor: 'pointer' },
            onDoubleClick: () => navigate(`/orders/${o.id}`),
          }) as React.HTMLAttributes<HTMLElement>
        }
        onChange={(pg) => update({ page: pg.current, pageSize: pg.pageSize })}
        pagination={{ current: query.page, pageSize: query.pageSize, total: data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
      />
      <ShipModal
        order={shipping}
        onClose={() => setShipping(null)}
        onShipped={() => {
          setShipping(null);
          reload();
        }}
      />
    </div>
  );
}
