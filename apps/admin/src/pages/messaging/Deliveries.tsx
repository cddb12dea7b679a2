import { useState } from 'react';
import { Button, Select, Table, Tag } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import { CHANNELS, DELIVERY_STATUSES, TOPICS, type Channel, type DeliveryStatus, type Topic } from '@siyu/contracts';
import { api, type Query } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n, type Lang, type TFunction } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import { TableFrame } from '../analytics/TableFrame';
import type { Paged } from '../../lib/types';
import { tableWidth } from '../../lib/table';
import { useListParams } from '../promotions/shared';
import { saveBlob, writeXlsx } from '../promotions/sheet';
import { chainText, channelText, deliveryStatusText, topicText } from './labels';
import { useDeliveryColumns } from './columns';
import type { Delivery } from './types';
import './messaging.css';

const EXPORT_PAGE = 100;
/** Enough for a day of a big shop; a longer log is narrowed by its filters first. */
const EXPORT_MAX_ROWS = 10_000;

function sheetRows(items: Delivery[], t: TFunction, lang: Lang): string[][] {
  const head = [
    t('msg.log.createdAt'),
    t('msg.log.customer'),
    t('msg.log.customerId'),
    t('msg.log.topic'),
    t('msg.log.kind'),
    t('msg.channel'),
    t('msg.log.chainShort'),
    t('msg.log.template'),
    t('msg.log.recipient'),
    t('common.status'),
    t('common.reason'),
    t('msg.log.sentAt'),
    t('msg.log.deliveredAtShort'),
    t('msg.log.broadcastId'),
  ];
  const time = (v: string | null) => (v ? fmtTime(v) : '');
  return [
    head,
    ...items.map((d) => [
      fmtTime(d.createdAt),
      d.customerName ?? '',
      d.customerId,
      topicText(d.topic, lang),
      d.transactional ? t('msg.transactional') : t('msg.marketing'),
      d.channel ? channelText(d.channel, lang) : '',
      chainText(d.channels, lang),
      d.templateName ?? '',
      d.recipient ?? '',
      deliveryStatusText(d.status, lang),
      d.reason ?? '',
      time(d.sentAt),
      time(d.deliveredAt),
      d.broadcastId ?? '',
    ]),
  ];
}

/** 发送记录: every message the shop sent or held back, with its channel, status and why. */
export default function Deliveries() {
  const { t, lang } = useI18n();
  const { params, update, page, pageSize } = useListParams();
  const filters = {
    status: (params.get('status') ?? undefined) as DeliveryStatus | undefined,
    channel: (params.get('channel') ?? undefined) as Channel | undefined,
    topic: (params.get('topic') ?? undefined) as Topic | undefined,
    customerId: params.get('customerId') ?? undefined,
    broadcastId: params.get('broadcastId') ?? undefined,
  };
  const query: Query = { page, pageSize, ...filters };
  const { data, error, loading, reload } = useApi<Paged<Delivery>>('/messaging/deliveries', query);
  const columns = useDeliveryColumns();
  const [exporting, setExporting] = useState(false);

  const doExport = async () => {
    setExporting(true);
    try {
      const all: Delivery[] = [];
      let total = 0;
      for (let p = 1; all.length < EXPORT_MAX_ROWS; p++) {
        const res = await api.get<Paged<Delivery>>('/messaging/deliveries', { ...filters, page: p, pageSize: EXPORT_PAGE });
        all.push(...res.items);
        total = res.total;
        if (res.items.length < EXPORT_PAGE || all.length >= res.total) break;
      }
      const name = t('nav.msgDeliveries');
      saveBlob(writeXlsx(name, sheetRows(all.slice(0, EXPORT_MAX_ROWS), t, lang)), `${name}-${new Date().toISOString().slice(0, 10)}.xlsx`);
      if (total > EXPORT_MAX_ROWS) feedback.message.warning(t('msg.log.exportCapped', { n: EXPORT_MAX_ROWS, total }));
    } catch (err) {
      showError(err);
    } finally {
      setExporting(false);
    }
  };

  if (error) return <LoadError error={error} onRetry={reload} />;

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.msgDeliveries')}</h1>
      <div className="filters" data-testid="delivery-filters">
        <Select
          allowClear
          placeholder={t('common.status')}
          value={filters.status}
          onChange={(v) => update({ status: v })}
          options={DELIVERY_STATUSES.map((s) => ({ value: s, label: deliveryStatusText(s, lang) }))}
          style={{ width: 150 }}
          aria-label={t('common.status')}
          data-testid="delivery-filter-status"
        />
        <Select
          allowClear
          placeholder={t('msg.channel')}
          value={filters.channel}
          onChange={(v) => update({ channel: v })}
          options={CHANNELS.map((c) => ({ value: c, label: channelText(c, lang) }))}
          style={{ width: 200 }}
          aria-label={t('msg.channel')}
          data-testid="delivery-filter-channel"
        />
        <Select
          allowClear
          placeholder={t('msg.log.topic')}
          value={filters.topic}
          onChange={(v) => update({ topic: v })}
          options={TOPICS.map((x) => ({ value: x, label: topicText(x, lang) }))}
          style={{ width: 180 }}
          aria-label={t('msg.log.topic')}
          data-testid="delivery-filter-topic"
        />
        {filters.customerId && (
          <Tag closable onClose={() => update({ customerId: undefined })} style={{ alignSelf: 'center' }} data-testid="delivery-filter-customer">
            {t('msg.log.customerFilter', { id: filters.customerId.slice(0, 8) })}
          </Tag>
        )}
        {filters.broadcastId && (
          <Tag closable onClose={() => update({ broadcastId: undefined })} style={{ alignSelf: 'center' }} data-testid="delivery-filter-broadcast">
            {t('msg.log.broadcastFilter', { id: filters.broadcastId.slice(0, 8) })}
          </Tag>
        )}
        <span style={{ flex: 1 }} />
        <Button icon={<DownloadOutlined />} loading={exporting} disabled={!data?.total} onClick={doExport} data-testid="delivery-export">
          {t('common.export')}
        </Button>
      </div>
      <TableFrame testId="delivery-table" label={t('nav.msgDeliveries')}>
        <Table<Delivery>
          rowKey="id"
          loading={loading}
          dataSource={data?.items ?? []}
          columns={columns}
          scroll={{ x: tableWidth(columns, 200) }}
          onChange={(pg) => update({ page: pg.current ?? 1, pageSize: pg.pageSize ?? 20 })}
          pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
          locale={{ emptyText: <span className="muted">{t('msg.log.empty')}</span> }}
          onRow={(d) => ({ 'data-testid': `delivery-row-${d.id}`, 'data-status': d.status }) as React.HTMLAttributes<HTMLElement>}
        />
      </TableFrame>
    </div>
  );
}
