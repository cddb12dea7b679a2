import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Button, Input, Modal, Popconfirm, Select, Space, Table, Tabs, type TableProps } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { ACTIVITY_KINDS } from '@siyu/contracts';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { formatFen } from '../../lib/money';
import type { Activity, Paged } from '../../lib/types';
import { ActivityKindTag, activityKindText, changeStatus, fmtMinute, PhaseTag, useListParams } from './shared';
import './promotions.css';

const PHASES = ['upcoming', 'running', 'paused', 'ended'] as const;

/** 营销活动: every activity with its phase and results; new ones start from a kind. */
export default function ActivityList() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const { params, update, page, pageSize } = useListParams();
  const [q, setQ] = useState(params.get('q') ?? '');
  const [choosing, setChoosing] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const query = { page, pageSize, kind: params.get('kind') ?? undefined, status: params.get('status') ?? undefined, q: params.get('q') ?? undefined };
  const { data, loading, reload } = useApi<Paged<Activity>>('/activities', query);
  const writable = can('promotions:write');

  const act = async (a: Activity, action: 'pause' | 'resume' | 'end') => {
    setBusy(a.id);
    const res = await changeStatus<Activity>(`/activities/${a.id}`, action, t);
    setBusy(null);
    if (res) reload();
  };

  const columns: TableProps<Activity>['columns'] = [
    {
      title: t('activity.name'),
      dataIndex: 'name',
      render: (_, a) => (
        <Link to={`/activities/${a.id}`} data-testid={`activity-link-${a.id}`}>
          {a.name}
        </Link>
      ),
    },
    { title: t('activity.kind'), dataIndex: 'kind', width: 120, render: (k: Activity['kind']) => <ActivityKindTag kind={k} /> },
    { title: t('activity.label'), dataIndex: 'label', width: 190 },
    {
      title: t('activity.period'),
      key: 'period',
      width: 170,
      render: (_, a) => (
        <div style={{ fontSize: 12 }}>
          <div>{fmtMinute(a.startsAt)}</div>
          <div className="muted">{t('activity.until', { time: fmtMinute(a.endsAt) })}</div>
        </div>
      ),
    },
    { title: t('activity.phase'), dataIndex: 'phase', width: 90, render: (p: Activity['phase']) => <PhaseTag phase={p} /> },
    { title: t('activity.stats.orders'), key: 'orders', width: 90, render: (_, a) => a.stats.orders },
    { title: t('activity.stats.revenue'), key: 'revenue', width: 120, render: (_, a) => formatFen(a.stats.revenueFen, true) },
    {
      title: t('common.actions'),
      key: 'a',
      width: 190,
      fixed: 'right',
      render: (_, a) => (
        <Space size={0} wrap>
          <Button type="link" size="small" onClick={() => navigate(`/activities/${a.id}`)} data-testid={`activity-open-${a.id}`}>
            {writable && a.status !== 'ended' ? t('common.edit') : t('common.view')}
          </Button>
          {writable && a.status === 'active' && (
            <Popconfirm title={t('activity.pauseConfirm')} onConfirm={() => act(a, 'pause')} okText={t('common.confirm')} cancelText={t('common.cancel')}>
              <Button type="link" size="small" loading={busy === a.id} data-testid={`activity-pause-${a.id}`}>
                {t('promo.action.pause')}
              </Button>
            </Popconfirm>
          )}
          {writable && a.status === 'paused' && (
            <Popconfirm title={t('activity.resumeConfirm')} onConfirm={() => act(a, 'resume')} okText={t('common.confirm')} cancelText={t('common.cancel')}>
              <Button type="link" size="small" loading={busy === a.id} data-testid={`activity-resume-${a.id}`}>
                {t('promo.action.resume')}
              </Button>
            </Popconfirm>
          )}
          {writable && a.status !== 'ended' && (
            <Popconfirm title={t('activity.endConfirm')} onConfirm={() => act(a, 'end')} okText={t('promo.action.end')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
              <Button type="link" size="small" danger data-testid={`activity-end-${a.id}`}>
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
      <h1 className="page-title">{t('activity.list')}</h1>
      <div className="toolbar">
        {writable && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setChoosing(true)} data-testid="new-activity">
            {t('activity.new')}
          </Button>
        )}
        <span className="spacer" />
        <Select
          allowClear
          style={{ width: 170 }}
          placeholder={t('activity.kind')}
          aria-label={t('activity.kind')}
          value={query.kind}
          onChange={(v) => update({ kind: v })}
          options={ACTIVITY_KINDS.map((k) => ({ value: k, label: activityKindText(k, lang) }))}
          data-testid="filter-activity-kind"
        />
        <Input.Search
          allowClear
          style={{ width: 240 }}
          placeholder={t('activity.searchPlaceholder')}
          aria-label={t('activity.searchPlaceholder')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onSearch={(v) => update({ q: v.trim() })}
          data-testid="activity-search"
        />
      </div>
      <Tabs
        activeKey={query.status ?? 'all'}
        onChange={(k) => update({ status: k === 'all' ? undefined : k })}
        items={[{ key: 'all', label: t('common.all') }, ...PHASES.map((p) => ({ key: p, label: t(`promo.phase.${p}`) }))]}
        data-testid="activity-status-tabs"
      />
      <Table<Activity>
        rowKey="id"
        loading={loading}
        columns={columns}
        dataSource={data?.items ?? []}
        scroll={data?.items.length ? { x: 1100 } : undefined}
        onRow={(a) => ({ 'data-testid': `activity-row-${a.id}` }) as React.HTMLAttributes<HTMLElement>}
        onChange={(pg) => update({ page: pg.current, pageSize: pg.pageSize })}
        pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
      />
      <Modal open={choosing} width={720} title={t('activity.chooseKind')} footer={null} onCancel={() => setChoosing(false)} destroyOnHidden>
        <div className="kind-choice" data-testid="activity-kind-choice">
          {ACTIVITY_KINDS.map((k) => (
            <button key={k} type="button" onClick={() => navigate(`/activities/new?kind=${k}`)} data-testid={`activity-kind-${k}`}>
              <strong>{activityKindText(k, lang)}</strong>
              <span>{t(`activity.kindHint.${k}`)}</span>
            </button>
          ))}
        </div>
      </Modal>
    </div>
  );
}
