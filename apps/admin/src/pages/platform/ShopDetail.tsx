import { useState } from 'react';
import { useParams } from 'react-router-dom';
import { Alert, Button, Card, Descriptions, Skeleton, Table, Tag } from 'antd';
import { LoadError } from '../../components/Results';
import { useI18n } from '../../lib/i18n';
import { feedback } from '../../lib/feedback';
import { formatTime } from './format';
import StatusModal from './StatusModal';
import type { OperatorAuditEntry, PlatformShop } from './types';
import { usePlatformApi } from './usePlatformApi';
import { actionLabel } from './AuditLog';

/** One shop: who owns it, its figures, its status and everything the operator did to it. */
export default function ShopDetail() {
  const { t } = useI18n();
  const { id } = useParams();
  const [changing, setChanging] = useState(false);
  const { data, error, loading, reload } = usePlatformApi<PlatformShop & { history: OperatorAuditEntry[] }>(`/shops/${id}`);

  if (error && !data) return <LoadError error={error} onRetry={reload} />;
  if (!data) return <Card variant="borderless"><Skeleton active /></Card>;
  return (
    <>
      <Card
        title={data.name}
        variant="borderless"
        style={{ marginBottom: 16 }}
        extra={
          <Button danger={data.status === 'active'} onClick={() => setChanging(true)} data-testid={data.status === 'active' ? 'platform-suspend' : 'platform-resume'}>
            {t(data.status === 'active' ? 'platform.suspend' : 'platform.resume')}
          </Button>
        }
      >
        {data.status === 'suspended' && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 16 }}
            title={t('platform.suspendedSince', { at: formatTime(data.suspendedAt) })}
            description={`${t('platform.reason')}: ${data.suspensionReason ?? '—'} (${t(data.suspensionReasonPublic ? 'platform.reasonShown' : 'platform.reasonHidden')})`}
            data-testid="platform-shop-suspended"
          />
        )}
        <Descriptions column={2} size="small">
          <Descriptions.Item label={t('platform.storefront')}><a href={`/s/${data.slug}/`} target="_blank" rel="noreferrer">/s/{data.slug}/</a></Descriptions.Item>
          <Descriptions.Item label={t('common.status')}><Tag color={data.status === 'active' ? 'green' : 'red'}>{t(`platform.status.${data.status}`)}</Tag></Descriptions.Item>
          <Descriptions.Item label={t('platform.owner')}>{data.owner ? `${data.owner.displayName} · ${data.owner.login}${data.owner.phone && data.owner.phone !== data.owner.login ? ` · ${data.owner.phone}` : ''}` : '—'}</Descriptions.Item>
          <Descriptions.Item label={t('common.createdAt')}>{formatTime(data.createdAt)}</Descriptions.Item>
          <Descriptions.Item label={t('platform.products')}>{data.products}</Descriptions.Item>
          <Descriptions.Item label={t('platform.orders')}>{data.orders}</Descriptions.Item>
        </Descriptions>
      </Card>
      <Card title={t('platform.history')} variant="borderless">
        <Table<OperatorAuditEntry>
          rowKey="id"
          size="small"
          loading={loading}
          dataSource={data.history}
          pagination={false}
          columns={[
            { title: t('platform.when'), dataIndex: 'createdAt', render: (v: string) => formatTime(v) },
            { title: t('platform.action'), dataIndex: 'action', render: (v: string) => actionLabel(t, v) },
            { title: t('platform.reason'), dataIndex: 'reason', render: (v: string | null) => v ?? '—' },
            { title: t('platform.by'), dataIndex: 'operatorLogin' },
          ]}
        />
      </Card>
      {changing && (
        <StatusModal
          shop={data}
          onClose={() => setChanging(false)}
          onDone={() => {
            feedback.message.success(t(data.status === 'active' ? 'platform.suspended' : 'platform.resumed'));
            setChanging(false);
            reload();
          }}
        />
      )}
    </>
  );
}
