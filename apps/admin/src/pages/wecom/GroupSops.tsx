import { useMemo } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Button, Space, Switch, Table, Tag, Tooltip, type TableProps } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { tableWidth } from '../../lib/table';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { LoadError } from '../../components/Results';
import { TableFrame } from '../analytics/TableFrame';
import { sopBody, sortSteps, sopTotal, stepWhen } from './helpers-groups';
import { SopBar, anchorText, sopScopeText } from './labels-groups';
import type { StaffMember } from './types';
import type { GroupSop } from './types-groups';
import './wecom.css';
import './groups.css';

/**
 * 群 SOP: planned messages by day — to the group some days after it was made, or privately to a new member
 * some days after they joined. Each due step becomes a mass task the group's owner confirms in WeCom.
 */
export default function GroupSops() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const writable = can('messaging:write');
  const { data, error, loading, reload, setData } = useApi<{ items: GroupSop[] }>('/wecom/group-sops');
  const staff = useApi<{ items: StaffMember[] }>('/wecom/staff');
  const names = useMemo(() => new Map((staff.data?.items ?? []).map((s) => [s.userid, s.name])), [staff.data]);

  const toggle = async (s: GroupSop, active: boolean) => {
    try {
      await api.put(`/wecom/group-sops/${s.id}`, { ...sopBody(s), active });
      setData((d) => (d ? { items: d.items.map((x) => (x.id === s.id ? { ...x, active } : x)) } : d));
      feedback.message.success(active ? t('wecom.sop.activated') : t('wecom.sop.paused'));
    } catch (err) {
      showError(err);
    }
  };

  const remove = async (s: GroupSop) => {
    try {
      await api.del(`/wecom/group-sops/${s.id}`);
      feedback.message.success(t('common.deleted'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  const columns: TableProps<GroupSop>['columns'] = [
    {
      title: t('wecom.sop.name'),
      key: 'name',
      width: 200,
      render: (_, s) => (
        <div>
          <Link to={`/wecom/group-sops/${s.id}`} data-testid="wecom-sop-name">{s.name}</Link>
          <div className="muted" style={{ fontSize: 12 }}>{anchorText(s.anchor, lang)}</div>
        </div>
      ),
    },
    { title: t('wecom.sop.scope'), key: 'scope', width: 160, render: (_, s) => <span style={{ fontSize: 13 }}>{sopScopeText(s, t, (u) => names.get(u) ?? u)}</span> },
    {
      title: t('wecom.sop.steps'),
      key: 'steps',
      render: (_, s) => {
        const sorted = sortSteps(s.steps);
        return (
          <Tooltip title={sorted.map((st, i) => <div key={i}>{stepWhen(st, t)} · {st.text.slice(0, 40) || t('wecom.sop.attachmentsOnly')}</div>)}>
            <ul className="wecom-step-list">
              {sorted.slice(0, 3).map((st, i) => (
                <li key={i}>
                  <Tag style={{ marginRight: 6 }}>{stepWhen(st, t)}</Tag>
                  {st.text || <span className="muted">{t('wecom.sop.attachmentsOnly')}</span>}
                </li>
              ))}
              {sorted.length > 3 && <li className="muted">{t('wecom.sop.moreSteps', { n: sorted.length - 3 })}</li>}
            </ul>
          </Tooltip>
        );
      },
    },
    {
      title: t('wecom.sop.progress'),
      key: 'progress',
      width: 190,
      render: (_, s) =>
        sopTotal(s.counts) ? (
          <div data-testid={`wecom-sop-progress-${s.id}`}>
            <SopBar counts={s.counts} />
            <div className="muted" style={{ fontSize: 12, marginTop: 4 }}>{t('wecom.sop.countsShort', { sent: s.counts.sent, queued: s.counts.queued, skipped: s.counts.skipped })}</div>
          </div>
        ) : (
          <span className="muted" style={{ fontSize: 12 }}>{t('wecom.sop.noRuns')}</span>
        ),
    },
    {
      title: t('wecom.sop.active'),
      dataIndex: 'active',
      width: 90,
      render: (v: boolean, s) => <Switch size="small" checked={v} disabled={!writable} onChange={(x) => toggle(s, x)} aria-label={t('wecom.sop.active')} data-testid={`wecom-sop-active-${s.id}`} />,
    },
    {
      title: t('common.actions'),
      key: 'a',
      width: 170,
      fixed: 'right',
      render: (_, s) => (
        <Space size={0} wrap>
          <Button type="link" size="small" onClick={() => navigate(`/wecom/group-sops/${s.id}`)} data-testid={`wecom-sop-open-${s.id}`}>{t('common.detail')}</Button>
          {writable && <Button type="link" size="small" onClick={() => navigate(`/wecom/group-sops/${s.id}/edit`)} data-testid={`wecom-sop-edit-${s.id}`}>{t('common.edit')}</Button>}
          {writable && <ConfirmDelete title={t('wecom.sop.deleteConfirm')} onConfirm={() => remove(s)} testId={`wecom-sop-delete-${s.id}`} okTestId={`wecom-sop-delete-ok-${s.id}`} />}
        </Space>
      ),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;
  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.wecomGroupSops')}</h1>
      <p className="muted wecom-note">{t('wecom.sop.intro')}</p>
      {writable && (
        <div className="toolbar">
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/wecom/group-sops/new')} data-testid="wecom-sop-new">
            {t('wecom.sop.new')}
          </Button>
        </div>
      )}
      <TableFrame testId="wecom-sop-table" label={t('nav.wecomGroupSops')}>
        <Table<GroupSop>
          rowKey="id"
          loading={loading}
          dataSource={data?.items ?? []}
          columns={columns}
          scroll={{ x: tableWidth(columns, 260) }}
          pagination={{ pageSize: 20, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
          locale={{ emptyText: <span className="muted">{t('wecom.sop.empty')}</span> }}
          onRow={(s) => ({ 'data-testid': `wecom-sop-row-${s.name}`, 'data-active': String(s.active) }) as React.HTMLAttributes<HTMLElement>}
        />
      </TableFrame>
    </div>
  );
}
