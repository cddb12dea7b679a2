import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { Avatar, Button, Input, Select, Table } from 'antd';
import { UserOutlined } from '@ant-design/icons';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { fmtTime } from '../../lib/format';
import type { Customer, Paged } from '../../lib/types';
import { useAuth } from '../../lib/auth';
import AddToGroupModal from './AddToGroupModal';

export default function CustomerList() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const [q, setQ] = useState(params.get('q') ?? '');
  const query = { q: params.get('q') ?? undefined, source: params.get('source') ?? undefined, page: Number(params.get('page') ?? 1), pageSize: Number(params.get('pageSize') ?? 20) };
  const { data, loading } = useApi<Paged<Customer>>('/customers', query);
  const { can } = useAuth();
  const [grouping, setGrouping] = useState<{ id: string; label: string } | null>(null);

  const update = (patch: Record<string, string | number | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === '') next.delete(k);
      else next.set(k, String(v));
    }
    if (!('page' in patch)) next.delete('page');
    setParams(next);
  };

  return (
    <div className="page-card">
      <h1 className="page-title">{t('customer.list')}</h1>
      <div className="filters">
        <Input.Search
          allowClear
          style={{ width: 280 }}
          placeholder={t('customer.searchPlaceholder')}
          aria-label={t('customer.searchPlaceholder')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onSearch={(v) => update({ q: v.trim() })}
          data-testid="customer-search"
        />
        <Select
          allowClear
          style={{ width: 160 }}
          placeholder={t('customer.source')}
          aria-label={t('customer.source')}
          value={query.source}
          onChange={(v) => update({ source: v })}
          options={(['sms', 'wechat', 'import'] as const).map((s) => ({ value: s, label: t(`customer.source.${s}`) }))}
        />
      </div>
      <Table<Customer>
        rowKey="id"
        loading={loading}
        dataSource={data?.items ?? []}
        onChange={(pg) => update({ page: pg.current, pageSize: pg.pageSize })}
        pagination={{ current: query.page, pageSize: query.pageSize, total: data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
        onRow={(c) => ({ 'data-testid': `customer-row-${c.id}` }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: t('customer.nickname'),
            key: 'n',
            render: (_, c) => (
              <Link to={`/customers/${c.id}`} style={{ display: 'inline-flex', gap: 8, alignItems: 'center' }}>
                <Avatar size="small" src={c.avatarUrl ?? undefined} icon={<UserOutlined />} alt="" />
                {c.nickname || c.phone || c.id.slice(0, 8)}
              </Link>
            ),
          },
          { title: t('common.phone'), dataIndex: 'phone', width: 140, render: (v: string | null) => v ?? '-' },
          { title: t('customer.source'), dataIndex: 'source', width: 120, render: (s: Customer['source']) => t(`customer.source.${s}`) },
          { title: t('customer.region'), key: 'r', width: 140, render: (_, c) => [c.province, c.city].filter(Boolean).join(' ') || '-' },
          { title: t('common.remark'), dataIndex: 'remark', ellipsis: true, render: (v: string | null) => v ?? '-' },
          { title: t('customer.registeredAt'), dataIndex: 'registeredAt', width: 170, render: fmtTime },
          { title: t('customer.lastActiveAt'), dataIndex: 'lastActiveAt', width: 170, render: fmtTime },
          ...(can('customers:write')
            ? [
                {
                  title: t('common.actions'),
                  key: 'a',
                  width: 110,
                  render: (_: unknown, c: Customer) => (
                    <Button type="link" size="small" onClick={() => setGrouping({ id: c.id, label: c.nickname || c.phone || c.id.slice(0, 8) })} data-testid={`add-to-group-${c.id}`}>
                      {t('groups.addToGroup')}
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
      <AddToGroupModal customer={grouping} onClose={() => setGrouping(null)} />
    </div>
  );
}
