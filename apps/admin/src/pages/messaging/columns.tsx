import { Link } from 'react-router-dom';
import { Tooltip, type TableProps } from 'antd';
import type { Channel, DeliveryStatus, Topic } from '@siyu/contracts';
import { useAuth } from '../../lib/auth';
import { fmtTime } from '../../lib/format';
import { useI18n } from '../../lib/i18n';
import { DeliveryStatusTag, chainText, channelText, topicText } from './labels';
import type { Delivery } from './types';

/** The columns every delivery table shows (the log, a broadcast, a customer's 消息 tab). */
export function useDeliveryColumns({ customer = true }: { customer?: boolean } = {}): TableProps<Delivery>['columns'] {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  return [
    { title: t('msg.log.createdAt'), dataIndex: 'createdAt', width: 170, render: fmtTime },
    ...(customer
      ? [
          {
            title: t('msg.log.customer'),
            key: 'customer',
            width: 150,
            render: (_: unknown, d: Delivery) =>
              can('customers:read') ? <Link to={`/customers/${d.customerId}`}>{d.customerName ?? d.customerId.slice(0, 8)}</Link> : (d.customerName ?? d.customerId.slice(0, 8)),
          },
        ]
      : []),
    {
      title: t('msg.log.topic'),
      dataIndex: 'topic',
      width: 160,
      render: (x: Topic, d: Delivery) => (
        <div>
          <div>{topicText(x, lang)}</div>
          <div className="muted" style={{ fontSize: 12 }}>{d.broadcastId ? <Link to={`/messaging/broadcasts/${d.broadcastId}`}>{t('msg.log.fromBroadcast')}</Link> : d.transactional ? t('msg.transactional') : t('msg.marketing')}</div>
        </div>
      ),
    },
    {
      title: t('msg.channel'),
      dataIndex: 'channel',
      width: 170,
      render: (c: Channel | null, d: Delivery) => (
        <Tooltip title={d.channels.length > 1 ? t('msg.log.chain', { chain: chainText(d.channels, lang) }) : undefined}>
          <span>{c ? channelText(c, lang) : <span className="muted">{t('msg.log.noChannel')}</span>}</span>
        </Tooltip>
      ),
    },
    { title: t('msg.log.template'), dataIndex: 'templateName', width: 150, render: (v: string | null) => v ?? <span className="muted">-</span> },
    { title: t('msg.log.recipient'), dataIndex: 'recipient', width: 140, render: (v: string | null) => v ?? <span className="muted">-</span> },
    {
      title: t('common.status'),
      dataIndex: 'status',
      width: 110,
      render: (s: DeliveryStatus, d: Delivery) => <DeliveryStatusTag status={s} reason={d.reason} />,
    },
    {
      title: t('common.reason'),
      dataIndex: 'reason',
      render: (v: string | null) =>
        v ? (
          <Tooltip title={v}>
            <span className="clamp-2" style={{ fontSize: 12 }}>{v}</span>
          </Tooltip>
        ) : (
          <span className="muted">-</span>
        ),
    },
    {
      title: t('msg.log.sentAt'),
      key: 'sentAt',
      width: 170,
      render: (_: unknown, d: Delivery) => (
        <div style={{ fontSize: 12 }}>
          <div>{fmtTime(d.sentAt)}</div>
          {d.deliveredAt && <div className="muted">{t('msg.log.deliveredAt', { time: fmtTime(d.deliveredAt) })}</div>}
        </div>
      ),
    },
  ];
}
