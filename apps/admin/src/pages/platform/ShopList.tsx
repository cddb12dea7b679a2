import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Button, Card, Input, Select, Space, Table, Tag } from 'antd';
import { LoadError } from '../../components/Results';
import { useI18n } from '../../lib/i18n';
import { feedback } from '../../lib/feedback';
import { formatTime } from './format';
import StatusModal from './StatusModal';
import type { PlatformShop } from './types';
import { usePlatformApi } from './usePlatformApi';

/** Every shop of the deployment: owner, created, status, products and orders; suspend or resume. */
export default function ShopList() {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<'active' | 'suspended' | undefined>();
  const [page, setPage] = useState(1);
  const [changing, setChanging] = useState<PlatformShop | null>(null);
  const { data, error, loading, reload } = usePlatformApi<{ items: PlatformShop[]; total: number }>('/shops', { q, status, page, pageSize: 20 });

  if (error && !data) return <LoadError error={error} onRetry={reload} />;
  return (
    <Card title={t('platform.shops')} variant="borderless">
      <div className="filters">
        <Input.Search allowClear placeholder={t('platform.searchShops')} onSearch={(v) => { setQ(v.trim()); setPage(1); }} style={{ width: 280 }} aria-label={t('platform.searchShops')} data-testid="platform-shop-search" />
        <Select
          allowClear
          placeholder={t('common.status')}
          value={status}
          onChange={(v) => { setStatus(v); setPage(1); }}
          style={{ width: 160 }}
          aria-label={t('common.status')}
          options={[{ value: 'active', label: t('platform.status.active') }, { value: 'suspended', label: t('platform.status.suspended') }]}
        />
      </div>
      <Table<PlatformShop>
        rowKey="id"
        loading={loading}
        dataSource={data?.items ?? []}
        pagination={{ current: page, pageSize: 20, total: data?.total ?? 0, onChange: setPage, showTotal: (n) => t('common.total', { n }) }}
        onRow={(s) => ({ 'data-testid': `platform-shop-${s.slug}` }) as object}
        columns={[
          {
            title: t('platform.shop'),
            key: 'shop',
            render: (_, s) => (
              <div>
                <Link to={`/platform/shops/${s.id}`} data-testid="platform-shop-link">{s.name}</Link>
                <div className="muted">/s/{s.slug}/</div>
              </div>
            ),
          },
          { title: t('platform.owner'), key: 'owner', render: (_, s) => (s.owner ? <div>{s.owner.displayName}<div className="muted">{s.owner.login}</div></div> : '—') },
          { title: t('common.createdAt'), dataIndex: 'createdAt', render: (v: string) => formatTime(v) },
          {
            title: t('common.status'),
            dataIndex: 'status',
            render: (v: PlatformShop['status']) => <Tag color={v === 'active' ? 'green' : 'red'} data-testid="platform-shop-status">{t(`platform.status.${v}`)}</Tag>,
          },
          { title: t('platform.products'), dataIndex: 'products', align: 'right' },
          { title: t('platform.orders'), dataIndex: 'orders', align: 'right' },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, s) => (
              <Space>
                <Link to={`/platform/shops/${s.id}`}>{t('common.detail')}</Link>
                <Button size="small" danger={s.status === 'active'} onClick={() => setChanging(s)} data-testid={s.status === 'active' ? 'platform-suspend' : 'platform-resume'}>
                  {t(s.status === 'active' ? 'platform.suspend' : 'platform.resume')}
                </Button>
              </Space>
            ),
          },
        ]}
      />
      {changing && (
        <StatusModal
          shop={changing}
          onClose={() => setChanging(null)}
          onDone={() => {
            feedback.message.success(t(changing.status === 'active' ? 'platform.suspended' : 'platform.resumed'));
            setChanging(null);
            reload();
          }}
        />
      )}
    </Card>
  );
}
