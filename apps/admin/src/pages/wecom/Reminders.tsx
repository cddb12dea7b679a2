import { useMemo } from 'react';
import { Link } from 'react-router-dom';
import { Button, Popconfirm, Select, Table, Tag, Tooltip, type TableProps } from 'antd';
import { WECOM_REMINDER_STATUSES, WECOM_TODO_STATUSES } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { tableWidth } from '../../lib/table';
import type { Paged } from '../../lib/types';
import { LoadError } from '../../components/Results';
import { TableFrame } from '../analytics/TableFrame';
import { useListParams } from '../promotions/shared';
import { ReminderStatusTag, TodoTag } from './reach-labels';
import type { StaffMember } from './types';
import type { Reminder, ReminderRule, ReminderStatus, TodoStatus } from './types-reach';
import './wecom.css';
import './reach.css';

/**
 * 提醒与待办: every reminder, by rule or set by hand; who it went to (whoever served the customer when it
 * was due), and whether that member has done it. Skipped ones say why (no one serves the customer any more…).
 */
export default function Reminders() {
  const { t } = useI18n();
  const { can } = useAuth();
  const { params, update, page, pageSize } = useListParams();
  const filters = {
    status: (params.get('status') ?? undefined) as ReminderStatus | undefined,
    todo: (params.get('todo') ?? undefined) as TodoStatus | undefined,
    staff: params.get('staff') ?? undefined,
    ruleId: params.get('ruleId') ?? undefined,
  };
  const { data, error, loading, reload } = useApi<Paged<Reminder>>('/wecom/reminders', { page, pageSize, ...filters });
  const staff = useApi<{ items: StaffMember[] }>(can('messaging:read') ? '/wecom/staff' : null);
  const rules = useApi<{ items: ReminderRule[] }>(can('messaging:read') ? '/wecom/reminder-rules' : null);
  const names = useMemo(() => new Map((staff.data?.items ?? []).map((s) => [s.userid, s.name])), [staff.data]);
  const ruleNames = useMemo(() => new Map((rules.data?.items ?? []).map((r) => [r.id, r.name])), [rules.data]);

  const cancel = async (r: Reminder) => {
    try {
      await api.post(`/wecom/reminders/${r.id}/cancel`);
      feedback.message.success(t('wecom.rem.cancelled'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  const columns: TableProps<Reminder>['columns'] = [
    {
      title: t('wecom.rel.customer'),
      key: 'c',
      width: 150,
      render: (_, r) => (
        <div>
          {(r.name ?? r.externalUserid) && <div>{r.name ?? r.externalUserid}</div>}
          {r.customerId && <Link to={`/customers/${r.customerId}`} style={{ fontSize: 12 }}>{t('wecom.rel.linked')}</Link>}
        </div>
      ),
    },
    { title: t('wecom.rem.staffTo'), dataIndex: 'staffUserid', width: 120, render: (u: string | null) => (u ? (names.get(u) ?? u) : <span className="muted">{t('wecom.rem.decidedWhenDue')}</span>) },
    {
      title: t('wecom.rem.message'),
      key: 'm',
      render: (_, r) => (
        <div>
          <b>{r.title}</b>
          <div className="clamp-2" style={{ fontSize: 12 }}>{r.rendered}</div>
          <div className="muted" style={{ fontSize: 12 }}>{r.ruleId ? t('wecom.rem.byRule', { name: ruleNames.get(r.ruleId) ?? r.createdBy.replace(/^rule:/, '') }) : t('wecom.rem.byHand', { name: r.createdBy })}</div>
        </div>
      ),
    },
    { title: t('wecom.rem.dueAt'), dataIndex: 'dueAt', width: 170, render: fmtTime },
    {
      title: t('common.status'),
      dataIndex: 'status',
      width: 130,
      render: (v: ReminderStatus, r) => (
        <Tooltip title={r.error ?? (r.skipReason ? t(`wecom.rem.skip.${r.skipReason as 'no_active_relation'}`) : undefined)}>
          <span data-testid={`wecom-reminder-status-${r.id}`}>
            <ReminderStatusTag status={v} />
            {r.skipReason && v !== 'cancelled' && <div className="muted" style={{ fontSize: 12 }}>{t(`wecom.rem.skip.${r.skipReason as 'no_active_relation'}`)}</div>}
          </span>
        </Tooltip>
      ),
    },
    {
      title: t('wecom.rem.todo'),
      key: 'todo',
      width: 130,
      render: (_, r) => (
        <div>
          <TodoTag todo={r.todo} />
          {r.snoozedUntil && <div className="muted" style={{ fontSize: 12 }}>{t('wecom.rem.until', { time: fmtTime(r.snoozedUntil) })}</div>}
        </div>
      ),
    },
    { title: t('wecom.rem.sentAt'), dataIndex: 'sentAt', width: 170, render: fmtTime },
    {
      title: t('common.actions'),
      key: 'a',
      width: 90,
      fixed: 'right',
      render: (_, r) =>
        r.status === 'scheduled' && can('customers:write') ? (
          <Popconfirm title={t('wecom.rem.cancelConfirm')} onConfirm={() => cancel(r)} okText={t('common.confirm')} cancelText={t('common.cancel')}>
            <Button type="link" size="small" danger data-testid={`wecom-reminder-cancel-${r.id}`}>{t('wecom.mass.cancel')}</Button>
          </Popconfirm>
        ) : null,
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;
  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.wecomReminders')}</h1>
      <p className="muted wecom-note">{t('wecom.rem.intro')}</p>
      <div className="filters" data-testid="wecom-reminder-filters">
        <Select
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          placeholder={t('wecom.rem.staffTo')}
          value={filters.staff}
          onChange={(v) => update({ staff: v })}
          options={(staff.data?.items ?? []).map((s) => ({ value: s.userid, label: s.name }))}
          style={{ width: 150 }}
          aria-label={t('wecom.rem.staffTo')}
          data-testid="wecom-reminder-filter-staff"
        />
        <Select allowClear placeholder={t('common.status')} value={filters.status} onChange={(v) => update({ status: v })} options={WECOM_REMINDER_STATUSES.map((s) => ({ value: s, label: t(`wecom.rem.status.${s}`) }))} style={{ width: 130 }} aria-label={t('common.status')} />
        <Select allowClear placeholder={t('wecom.rem.todo')} value={filters.todo} onChange={(v) => update({ todo: v })} options={WECOM_TODO_STATUSES.map((s) => ({ value: s, label: t(`wecom.rem.todo.${s}`) }))} style={{ width: 130 }} aria-label={t('wecom.rem.todo')} data-testid="wecom-reminder-filter-todo" />
        <Select allowClear placeholder={t('wecom.rem.rule')} value={filters.ruleId} onChange={(v) => update({ ruleId: v })} options={(rules.data?.items ?? []).map((r) => ({ value: r.id, label: r.name }))} style={{ width: 180 }} aria-label={t('wecom.rem.rule')} />
        {filters.ruleId && !ruleNames.has(filters.ruleId) && <Tag closable onClose={() => update({ ruleId: undefined })}>{filters.ruleId.slice(0, 8)}</Tag>}
      </div>
      <TableFrame testId="wecom-reminder-table" label={t('nav.wecomReminders')}>
        <Table<Reminder>
          rowKey="id"
          loading={loading}
          dataSource={data?.items ?? []}
          columns={columns}
          scroll={{ x: tableWidth(columns, 240) }}
          onChange={(pg) => update({ page: pg.current ?? 1, pageSize: pg.pageSize ?? 20 })}
          pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
          locale={{ emptyText: <span className="muted">{t('wecom.rem.empty')}</span> }}
          onRow={(r) => ({ 'data-testid': `wecom-reminder-row-${r.id}`, 'data-status': r.status }) as React.HTMLAttributes<HTMLElement>}
        />
      </TableFrame>
    </div>
  );
}
