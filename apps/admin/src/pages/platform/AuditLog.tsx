import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Button, Card, Table } from 'antd';
import { LoadError } from '../../components/Results';
import { useI18n, type TFunction } from '../../lib/i18n';
import type { MessageKey } from '../../lib/dict';
import { formatTime } from './format';
import type { OperatorAuditEntry } from './types';
import { usePlatformApi } from './usePlatformApi';

const ACTIONS: Record<string, MessageKey> = {
  'shop.suspend': 'platform.action.suspend',
  'shop.resume': 'platform.action.resume',
  sign_in: 'platform.action.signIn',
  sign_out: 'platform.action.signOut',
  'operator.create': 'platform.action.create',
  'operator.update': 'platform.action.update',
};
export const actionLabel = (t: TFunction, action: string) => (ACTIONS[action] ? t(ACTIONS[action]) : action);

/** Everything the operator did, newest first (pages back with "older"). */
export default function AuditLog() {
  const { t } = useI18n();
  const [beforeId, setBeforeId] = useState<number | undefined>();
  const { data, error, loading, reload } = usePlatformApi<{ items: OperatorAuditEntry[] }>('/audit-log', { limit: 50, beforeId });
  if (error && !data) return <LoadError error={error} onRetry={reload} />;
  const items = data?.items ?? [];
  return (
    <Card title={t('platform.auditLog')} variant="borderless" extra={beforeId ? <Button onClick={() => setBeforeId(undefined)}>{t('platform.newest')}</Button> : null}>
      <Table<OperatorAuditEntry>
        rowKey="id"
        loading={loading}
        dataSource={items}
        pagination={false}
        data-testid="platform-audit"
        columns={[
          { title: t('platform.when'), dataIndex: 'createdAt', render: (v: string) => formatTime(v) },
          { title: t('platform.action'), dataIndex: 'action', render: (v: string) => actionLabel(t, v) },
          { title: t('platform.shop'), dataIndex: 'shopId', render: (v: string | null) => (v ? <Link to={`/platform/shops/${v}`}>{t('common.view')}</Link> : '—') },
          { title: t('platform.reason'), dataIndex: 'reason', render: (v: string | null) => v ?? '—' },
          { title: t('platform.by'), dataIndex: 'operatorLogin' },
          { title: 'IP', dataIndex: 'ip', render: (v: string | null) => v ?? '—' },
        ]}
      />
      {items.length === 50 && (
        <div style={{ textAlign: 'center', marginTop: 12 }}>
          <Button onClick={() => setBeforeId(items[items.length - 1].id)}>{t('platform.older')}</Button>
        </div>
      )}
    </Card>
  );
}
