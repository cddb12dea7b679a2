import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, DatePicker, Drawer, Empty, Skeleton, Space, Table, Tag, Tooltip } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { downloadUrl } from '../../../lib/api';
import { useApi } from '../../../lib/hooks';
import { useI18n } from '../../../lib/i18n';
import { OrderStatusTag } from '../../../components/StatusTag';
import type { OrderStatus } from '../../../lib/types';
import { ErrorBar } from '../shared';
import { beijingMinute, itemsText, shanghaiToday, type LeaderRow, type PickList, type PickLine, type PickOrder } from './types';

/**
 * 拣货单 of one leader for one batch day: what to pack by SKU (with totals) and the orders in the batch.
 * The Excel is the server's file of the same query, downloaded with the session cookie.
 */
export function PickListDrawer({ leader, onClose }: { leader: LeaderRow | null; onClose: () => void }) {
  const { t } = useI18n();
  const [date, setDate] = useState(shanghaiToday());
  const path = leader ? `/leaders/${leader.customerId}/pick-list` : null;
  const { data, loading, error, reload } = useApi<PickList>(path, { date });
  const totalQty = (data?.lines ?? []).reduce((s, l) => s + l.quantity, 0);

  return (
    <Drawer
      open={!!leader}
      onClose={onClose}
      size={820}
      title={leader ? t('fission.ld.pickTitle', { name: leader.name }) : ''}
      destroyOnHidden
      data-testid="leader-pick-drawer"
      extra={
        leader && (
          <Button icon={<DownloadOutlined />} href={downloadUrl(`/leaders/${leader.customerId}/pick-list.xlsx`, { date })} data-testid="leader-pick-export">
            {t('fission.ld.exportExcel')}
          </Button>
        )
      }
    >
      <Space wrap style={{ marginBottom: 12 }}>
        <span>{t('fission.ld.batchDate')}</span>
        <DatePicker
          allowClear={false}
          value={dayjs(date)}
          onChange={(d) => d && setDate(d.format('YYYY-MM-DD'))}
          aria-label={t('fission.ld.batchDate')}
          data-testid="leader-pick-date"
        />
        {leader?.pointName && <Tag>{leader.pointName}</Tag>}
        {data?.pickupDate && <span className="muted" data-testid="leader-pick-pickup-date">{t('fission.ld.pickupOn', { date: data.pickupDate })}</span>}
      </Space>
      <ErrorBar error={error} onRetry={reload} />
      {!data && loading ? (
        <Skeleton active />
      ) : data ? (
        <>
          <Alert
            type="info"
            showIcon
            style={{ marginBottom: 12 }}
            title={t('fission.ld.windowText', { from: beijingMinute(data.window?.from), to: beijingMinute(data.window?.to) })}
            data-testid="leader-pick-window"
          />
          <h3 style={{ fontSize: 15 }}>{t('fission.ld.bySku')}</h3>
          <Table<PickLine>
            size="small"
            rowKey="skuId"
            pagination={false}
            loading={loading}
            dataSource={data.lines}
            data-testid="leader-pick-lines"
            locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('fission.ld.noPick')} /> }}
            columns={[
              { title: t('fission.ld.goods'), dataIndex: 'title' },
              { title: t('fission.sku'), dataIndex: 'specText', width: 160, render: (v: string | null) => v || <span className="muted">-</span> },
              { title: t('fission.ld.quantity'), dataIndex: 'quantity', width: 90, align: 'right' },
              { title: t('fission.ld.orderCount'), dataIndex: 'orders', width: 90, align: 'right' },
            ]}
            summary={() =>
              data.lines.length > 0 && (
                <Table.Summary.Row>
                  <Table.Summary.Cell index={0} colSpan={2}>
                    <b>{t('fission.ld.total')}</b>
                  </Table.Summary.Cell>
                  <Table.Summary.Cell index={2} align="right">
                    <b data-testid="leader-pick-total">{totalQty}</b>
                  </Table.Summary.Cell>
                  <Table.Summary.Cell index={3} align="right">
                    <b>{data.orders.length}</b>
                  </Table.Summary.Cell>
                </Table.Summary.Row>
              )
            }
          />
          <h3 style={{ fontSize: 15, marginTop: 20 }}>{t('fission.ld.ordersInBatch', { n: data.orders.length })}</h3>
          <Table<PickOrder>
            size="small"
            rowKey="orderId"
            pagination={data.orders.length > 20 ? { pageSize: 20 } : false}
            dataSource={data.orders}
            data-testid="leader-pick-orders"
            columns={[
              { title: t('fission.ld.orderNo'), dataIndex: 'orderNo', width: 190, render: (v: string, o) => <Link to={`/orders/${o.orderId}`}>{v}</Link> },
              { title: t('fission.ld.customer'), key: 'c', width: 150, render: (_, o) => <div>{o.customerNickname || o.phone || '-'}{o.customerNickname && o.phone && <div className="muted" style={{ fontSize: 12 }}>{o.phone}</div>}</div> },
              { title: t('fission.ld.items'), key: 'items', render: (_, o) => itemsText(o.items) },
              { title: t('common.status'), dataIndex: 'status', width: 100, render: (s: OrderStatus, o) => (o.onHold ? <Tooltip title={t('fission.ld.onHoldHint')}><Tag color="orange">{t('fission.ld.onHold')}</Tag></Tooltip> : <OrderStatusTag status={s} fulfilment="pickup" />) },
            ]}
          />
        </>
      ) : null}
    </Drawer>
  );
}
