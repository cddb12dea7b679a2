import { useEffect, useMemo } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Button, Progress, Table, type TableProps } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useAuth } from '../../lib/auth';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import type { CustomerGroup, CustomerTag } from '../customers/audience';
import { BroadcastStatusTag, audienceText, chainText } from './labels';
import type { Broadcast } from './types';
import './messaging.css';

const ACTIVE = ['scheduled', 'preparing', 'sending'];
const REFRESH_MS = 5000;

export const broadcastPercent = (b: Broadcast) => (b.status === 'done' ? 100 : b.progress.total > 0 ? Math.min(100, Math.floor((b.progress.done / b.progress.total) * 100)) : 0);

/** Names of the groups and tags a broadcast's audience may point at. */
export function useAudienceNames() {
  const { can } = useAuth();
  const groups = useApi<{ items: CustomerGroup[] }>(can('customers:read') ? '/groups' : null);
  const tags = useApi<{ items: CustomerTag[] }>(can('customers:read') ? '/tags' : null);
  return useMemo(() => ({ groups: new Map((groups.data?.items ?? []).map((g) => [g.id, g.name])), tags: new Map((tags.data?.items ?? []).map((x) => [x.id, x.name])) }), [groups.data, tags.data]);
}

/** 群发: broadcasts with their audience, channel chain and progress; running ones refresh on their own. */
export default function Broadcasts() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const { data, error, loading, reload } = useApi<{ items: Broadcast[] }>('/messaging/broadcasts');
  const names = useAudienceNames();
  const running = !!data?.items.some((b) => ACTIVE.includes(b.status));

  useEffect(() => {
    if (!running) return;
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [running, reload]);

  const columns: TableProps<Broadcast>['columns'] = [
    {
      title: t('msg.bc.name'),
      dataIndex: 'name',
      render: (_, b) => (
        <div>
          <Link to={`/messaging/broadcasts/${b.id}`} data-testid={`broadcast-link-${b.id}`}>
            {b.name}
          </Link>
          <div className="muted" style={{ fontSize: 12 }}>{audienceText(b.audience, t, names)}</div>
        </div>
      ),
    },
    { title: t('common.status'), dataIndex: 'status', width: 100, render: (s: Broadcast['status']) => <BroadcastStatusTag status={s} /> },
    { title: t('msg.bc.channels'), dataIndex: 'channels', width: 260, render: (c: Broadcast['channels']) => <span style={{ fontSize: 12 }}>{chainText(c, lang)}</span> },
    {
      title: t('msg.bc.recipients'),
      key: 'recipients',
      width: 150,
      render: (_, b) => (b.recipients ? <span>{t('msg.bc.recipientsCell', { n: b.recipients, holdout: b.holdout })}</span> : <span className="muted">{t('msg.bc.holdoutCell', { n: b.holdoutPercent })}</span>),
    },
    {
      title: t('msg.bc.progress'),
      key: 'progress',
      width: 180,
      render: (_, b) =>
        b.status === 'draft' ? (
          <span className="muted">-</span>
        ) : (
          <div>
            <div style={{ fontSize: 12 }}>
              {b.progress.done} / {b.progress.total}
            </div>
            <Progress percent={broadcastPercent(b)} size="small" showInfo={false} status={b.status === 'sending' ? 'active' : b.status === 'cancelled' ? 'exception' : undefined} aria-label={`${t('msg.bc.progress')} ${b.name}`} />
          </div>
        ),
    },
    {
      title: t('msg.bc.time'),
      key: 'time',
      width: 190,
      render: (_, b) => (
        <div style={{ fontSize: 12 }}>
          {b.scheduledAt && !b.startedAt ? <div>{t('msg.bc.scheduledFor', { time: fmtTime(b.scheduledAt) })}</div> : b.startedAt ? <div>{t('msg.bc.startedAt', { time: fmtTime(b.startedAt) })}</div> : null}
          <div className="muted">{t('msg.bc.createdAt', { time: fmtTime(b.createdAt) })}</div>
        </div>
      ),
    },
    {
      title: t('common.actions'),
      key: 'a',
      width: 90,
      fixed: 'right',
      render: (_, b) => (
        <Button type="link" size="small" onClick={() => navigate(`/messaging/broadcasts/${b.id}`)} data-testid={`broadcast-detail-${b.id}`}>
          {t('common.detail')}
        </Button>
      ),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.msgBroadcasts')}</h1>
      <p className="muted msg-note">{t('msg.bc.intro')}</p>
      <div className="toolbar">
        {can('messaging:send') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/messaging/broadcasts/new')} data-testid="broadcast-new">
            {t('msg.bc.new')}
          </Button>
        )}
      </div>
      <Table<Broadcast>
        rowKey="id"
        loading={loading && !data}
        dataSource={data?.items ?? []}
        columns={columns}
        scroll={data?.items.length ? { x: 1150 } : undefined}
        pagination={{ pageSize: 20, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
        locale={{ emptyText: <span className="muted">{t('msg.bc.empty')}</span> }}
        onRow={(b) => ({ 'data-testid': `broadcast-row-${b.name}`, 'data-status': b.status }) as React.HTMLAttributes<HTMLElement>}
        data-testid="broadcast-table"
      />
    </div>
  );
}
