import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Button, Modal, Space, type TableProps } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { ACTIVITY_KINDS } from '@siyu/contracts';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { activityLabel } from '../../lib/promo-label';
import { useAuth } from '../../lib/auth';
import { formatFen } from '../../lib/money';
import type { Activity, Paged } from '../../lib/types';
import { ActivityKindTag, activityKindText, changeStatus, fmtMinute, PhaseTag, useListParams } from './shared';
import { PromoListBody, StatusActions } from './PromoList';
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
    { title: t('activity.label'), key: 'label', width: 190, render: (_, a) => activityLabel(a, lang) },
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
          <StatusActions item={a} writable={writable} busy={busy === a.id} testPrefix="activity" confirmKey="activity" onAction={(action) => act(a, action)} />
        </Space>
      ),
    },
  ];

  return (
    <div className="page-card">
      <h1 className="page-title">{t('activity.list')}</h1>
      <PromoListBody<Activity>
        create={
          writable && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setChoosing(true)} data-testid="new-activity">
              {t('activity.new')}
            </Button>
          )
        }
        kind={{ value: query.kind, placeholder: t('activity.kind'), width: 170, options: ACTIVITY_KINDS.map((k) => ({ value: k, label: activityKindText(k, lang) })), testId: 'filter-activity-kind' }}
        search={{ value: q, onChange: setQ, placeholder: t('activity.searchPlaceholder'), width: 240, testId: 'activity-search' }}
        tabs={{ active: query.status ?? 'all', items: PHASES.map((p) => ({ key: p, label: t(`promo.phase.${p}`) })), testId: 'activity-status-tabs' }}
        update={update}
        table={{ columns, data, loading, page, pageSize, scrollX: 1100, rowTestId: (a) => `activity-row-${a.id}` }}
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
