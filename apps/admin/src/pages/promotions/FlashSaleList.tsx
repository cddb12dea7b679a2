import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Button, Input, Popconfirm, Space, Table, Tabs, Tag, type TableProps } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { useApi } from '../../lib/hooks';
import { useI18n, type TFunction } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import type { Paged } from '../../lib/types';
import { fmtMinute, useListParams } from './shared';
import type { FlashSaleRow, FlashSaleStatus, FlashSessionState } from './salesTypes';
import './promotions.css';

const STATUS_COLORS: Record<FlashSaleStatus, string> = { draft: 'default', published: 'green', ended: 'default' };
const STATE_COLORS: Record<FlashSessionState, string> = { upcoming: 'blue', running: 'red', ended: 'default' };

export function FlashStatusTag({ status }: { status: FlashSaleStatus }) {
  const { t } = useI18n();
  return <Tag color={STATUS_COLORS[status]} data-testid="flash-status">{t(`flash.status.${status}`)}</Tag>;
}

/** "10:00–11:00" on the same day, with the date when the day changes. */
export function sessionText(s: { startsAt: string; endsAt: string }) {
  const a = dayjs(s.startsAt);
  const b = dayjs(s.endsAt);
  return `${a.format('MM-DD HH:mm')}–${b.isSame(a, 'day') ? b.format('HH:mm') : b.format('MM-DD HH:mm')}`;
}

export function SessionTag({ s, t }: { s: { startsAt: string; endsAt: string; state: FlashSessionState }; t: TFunction }) {
  return (
    <Tag color={STATE_COLORS[s.state]} style={{ marginBottom: 4 }}>
      {sessionText(s)} · {t(`flash.state.${s.state}`)}
    </Tag>
  );
}

/** publish / end / delete of a flash sale; returns true when it worked. */
export async function flashAction(id: string, action: 'publish' | 'end' | 'delete', t: TFunction): Promise<boolean> {
  try {
    if (action === 'delete') await api.del(`/flash-sales/${id}`);
    else await api.post(`/flash-sales/${id}/${action}`);
    feedback.message.success(t(`flash.done.${action}`));
    return true;
  } catch (err) {
    showError(err);
    return false;
  }
}

/** 秒杀: every flash sale with its sessions; drafts are edited and published, published ones watched live. */
export default function FlashSaleList() {
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const { params, update, page, pageSize } = useListParams();
  const [q, setQ] = useState(params.get('q') ?? '');
  const [busy, setBusy] = useState<string | null>(null);
  const query = { page, pageSize, status: params.get('status') ?? undefined, q: params.get('q') ?? undefined };
  const { data, loading, reload } = useApi<Paged<FlashSaleRow>>('/flash-sales', query);
  const writable = can('promotions:write');

  const act = async (s: FlashSaleRow, action: 'publish' | 'end' | 'delete') => {
    setBusy(s.id);
    const ok = await flashAction(s.id, action, t);
    setBusy(null);
    if (ok) reload();
  };

  const columns: TableProps<FlashSaleRow>['columns'] = [
    {
      title: t('flash.name'),
      dataIndex: 'name',
      width: 200,
      render: (_, s) => (
        <Link to={`/flash-sales/${s.id}`} data-testid={`flash-link-${s.id}`}>
          {s.name}
        </Link>
      ),
    },
    { title: t('common.status'), dataIndex: 'status', width: 90, render: (st: FlashSaleStatus) => <FlashStatusTag status={st} /> },
    {
      title: t('flash.sessions'),
      key: 'sessions',
      render: (_, s) => (
        <div>
          {s.sessions.slice(0, 6).map((x) => (
            <SessionTag key={x.id} s={x} t={t} />
          ))}
          {s.sessions.length > 6 && <span className="muted">{t('flash.moreSessions', { n: s.sessions.length - 6 })}</span>}
        </div>
      ),
    },
    { title: t('flash.limit'), dataIndex: 'perCustomerLimit', width: 100 },
    { title: t('common.createdAt'), dataIndex: 'createdAt', width: 150, render: (v: string) => fmtMinute(v) },
    {
      title: t('common.actions'),
      key: 'a',
      width: 230,
      fixed: 'right',
      render: (_, s) => (
        <Space size={0} wrap>
          <Button type="link" size="small" onClick={() => navigate(`/flash-sales/${s.id}`)} data-testid={`flash-open-${s.id}`}>
            {writable && s.status === 'draft' ? t('common.edit') : t('common.view')}
          </Button>
          {s.status !== 'draft' && (
            <Button type="link" size="small" onClick={() => navigate(`/flash-sales/${s.id}/live`)} data-testid={`flash-live-${s.id}`}>
              {t('flash.live')}
            </Button>
          )}
          {writable && s.status === 'draft' && (
            <Popconfirm title={t('flash.publishConfirm')} onConfirm={() => act(s, 'publish')} okText={t('flash.publish')} cancelText={t('common.cancel')}>
              <Button type="link" size="small" loading={busy === s.id} data-testid={`flash-publish-${s.id}`}>
                {t('flash.publish')}
              </Button>
            </Popconfirm>
          )}
          {writable && s.status === 'draft' && (
            <Popconfirm title={t('common.deleteConfirm')} onConfirm={() => act(s, 'delete')} okText={t('common.delete')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
              <Button type="link" size="small" danger data-testid={`flash-delete-${s.id}`}>
                {t('common.delete')}
              </Button>
            </Popconfirm>
          )}
          {writable && s.status === 'published' && (
            <Popconfirm title={t('flash.endConfirm')} onConfirm={() => act(s, 'end')} okText={t('promo.action.end')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
              <Button type="link" size="small" danger loading={busy === s.id} data-testid={`flash-end-${s.id}`}>
                {t('promo.action.end')}
              </Button>
            </Popconfirm>
          )}
        </Space>
      ),
    },
  ];

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.flashSales')}</h1>
      <div className="toolbar">
        {writable && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/flash-sales/new')} data-testid="new-flash-sale">
            {t('flash.new')}
          </Button>
        )}
        <span className="spacer" />
        <Input.Search
          allowClear
          style={{ width: 240 }}
          placeholder={t('flash.searchPlaceholder')}
          aria-label={t('flash.searchPlaceholder')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onSearch={(v) => update({ q: v.trim() })}
          data-testid="flash-search"
        />
      </div>
      <Tabs
        activeKey={query.status ?? 'all'}
        onChange={(k) => update({ status: k === 'all' ? undefined : k })}
        items={[{ key: 'all', label: t('common.all') }, ...(['draft', 'published', 'ended'] as const).map((k) => ({ key: k, label: t(`flash.status.${k}`) }))]}
        data-testid="flash-status-tabs"
      />
      <Table<FlashSaleRow>
        rowKey="id"
        loading={loading}
        columns={columns}
        dataSource={data?.items ?? []}
        scroll={data?.items.length ? { x: 1100 } : undefined}
        onRow={(row) => ({ 'data-testid': `flash-row-${row.id}` }) as React.HTMLAttributes<HTMLElement>}
        onChange={(pg) => update({ page: pg.current, pageSize: pg.pageSize })}
        pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
      />
    </div>
  );
}
