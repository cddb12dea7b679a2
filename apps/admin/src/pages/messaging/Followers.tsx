import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Button, Table, Tag, type TableProps } from 'antd';
import { SyncOutlined } from '@ant-design/icons';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import { TableFrame } from '../analytics/TableFrame';
import type { Paged } from '../../lib/types';
import { useListParams } from '../promotions/shared';
import type { Follower } from './types';
import './messaging.css';

/** 粉丝: the official account's followers, the customer each is linked to (by unionid) and where they came from. */
export default function Followers() {
  const { t } = useI18n();
  const { can } = useAuth();
  const { update, page, pageSize } = useListParams();
  const { data, error, loading, reload } = useApi<Paged<Follower>>('/messaging/followers', { page, pageSize });
  const [syncing, setSyncing] = useState(false);

  const sync = async () => {
    setSyncing(true);
    try {
      const r = await api.post<{ synced: number; linked: number; unfollowed?: number }>('/messaging/channels/oa/sync-followers');
      feedback.message.success(t('msg.ch.synced', { n: r.synced, linked: r.linked, gone: r.unfollowed ?? 0 }));
      reload();
    } catch (err) {
      showError(err);
    } finally {
      setSyncing(false);
    }
  };

  const columns: TableProps<Follower>['columns'] = [
    { title: 'OpenID', dataIndex: 'openid', render: (v: string) => <code style={{ fontSize: 12 }}>{v}</code> },
    { title: 'UnionID', dataIndex: 'unionid', render: (v: string | null) => (v ? <code style={{ fontSize: 12 }}>{v}</code> : <span className="muted">-</span>) },
    {
      title: t('msg.fans.customer'),
      key: 'customer',
      width: 180,
      render: (_, f) =>
        f.customerId ? (
          can('customers:read') ? (
            <Link to={`/customers/${f.customerId}`}>{f.customerName ?? f.customerId.slice(0, 8)}</Link>
          ) : (
            (f.customerName ?? f.customerId.slice(0, 8))
          )
        ) : (
          <span className="muted">{t('msg.fans.unlinked')}</span>
        ),
    },
    { title: t('common.status'), dataIndex: 'subscribed', width: 100, render: (s: boolean) => (s ? <Tag color="green">{t('msg.fans.subscribed')}</Tag> : <Tag>{t('msg.fans.unsubscribed')}</Tag>) },
    { title: t('msg.fans.subscribedAt'), dataIndex: 'subscribedAt', width: 170, render: fmtTime },
    {
      title: t('msg.fans.source'),
      key: 'source',
      width: 200,
      render: (_, f) => (f.sourceQr ? <Tag color="blue">{f.sourceQr}</Tag> : f.sourceScene ? <span className="muted">{f.sourceScene}</span> : <span className="muted">-</span>),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.msgFollowers')}</h1>
      <div className="toolbar">
        <span className="muted msg-note">{t('msg.fans.intro')}</span>
        <span className="spacer" />
        {can('messaging:write') && (
          <Button icon={<SyncOutlined />} loading={syncing} onClick={sync} data-testid="followers-sync">
            {t('msg.ch.syncFollowers')}
          </Button>
        )}
      </div>
      <TableFrame testId="followers-table" label={t('nav.msgFollowers')}>
        <Table<Follower>
          rowKey="openid"
          loading={loading}
          dataSource={data?.items ?? []}
          columns={columns}
          scroll={{ x: 1100 }}
          onChange={(pg) => update({ page: pg.current ?? 1, pageSize: pg.pageSize ?? 20 })}
          pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
          locale={{ emptyText: <span className="muted">{t('msg.fans.empty')}</span> }}
        />
      </TableFrame>
    </div>
  );
}
