import { useMemo } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Button, Select, Table, type TableProps } from 'antd';
import { SwapOutlined } from '@ant-design/icons';
import { WECOM_HANDOVER_STATUSES } from '@siyu/contracts';
import { useAuth } from '../../lib/auth';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { tableWidth } from '../../lib/table';
import type { Paged } from '../../lib/types';
import { LoadError } from '../../components/Results';
import { TableFrame } from '../analytics/TableFrame';
import { useListParams } from '../promotions/shared';
import { handoverSettled } from './helpers-reach';
import { HandoverBar, HandoverStatusTag } from './reach-labels';
import type { StaffMember } from './types';
import type { Handover } from './types-reach';
import './wecom.css';
import './reach.css';

/** 客户转接: every handover, who gave and who took, and how far WeCom's results are. */
export default function Handovers() {
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const { params, update, page, pageSize } = useListParams();
  const status = params.get('status') ?? undefined;
  const staffFilter = params.get('staff') ?? undefined;
  const { data, error, loading, reload } = useApi<Paged<Handover>>('/wecom/handovers', { page, pageSize, status, staff: staffFilter });
  const staff = useApi<{ items: StaffMember[] }>('/wecom/staff');
  const names = useMemo(() => new Map((staff.data?.items ?? []).map((s) => [s.userid, s.name])), [staff.data]);
  const nameOf = (u: string) => names.get(u) ?? u;

  const columns: TableProps<Handover>['columns'] = [
    {
      title: t('wecom.ho.kind'),
      key: 'kind',
      width: 110,
      render: (_, h) => <Link to={`/wecom/handovers/${h.id}`} data-testid={`wecom-ho-link-${h.id}`}>{t(`wecom.ho.kind.${h.kind}`)}</Link>,
    },
    { title: t('wecom.ho.fromTo'), key: 'who', width: 200, render: (_, h) => <span>{nameOf(h.handoverUserid)} → {nameOf(h.takeoverUserid)}</span> },
    { title: t('common.status'), dataIndex: 'status', width: 110, render: (v: Handover['status']) => <HandoverStatusTag status={v} /> },
    {
      title: t('wecom.ho.progress'),
      key: 'bar',
      width: 260,
      render: (_, h) => (
        <div>
          <HandoverBar counts={h.counts} testId={`wecom-ho-bar-${h.id}`} />
          <div className="muted" style={{ fontSize: 12, marginTop: 4 }}>
            {t('wecom.ho.summary', { done: h.counts.done, settled: handoverSettled(h.counts), total: h.counts.total })}
            {h.refusals.length > 0 && ` · ${t('wecom.ho.refusedN', { n: h.refusals.length })}`}
          </div>
        </div>
      ),
    },
    { title: t('common.createdAt'), dataIndex: 'createdAt', width: 170, render: fmtTime },
    { title: t('wecom.ho.finishedAt'), dataIndex: 'finishedAt', width: 170, render: fmtTime },
    {
      title: t('common.actions'),
      key: 'a',
      width: 80,
      fixed: 'right',
      render: (_, h) => (
        <Button type="link" size="small" onClick={() => navigate(`/wecom/handovers/${h.id}`)} data-testid={`wecom-ho-open-${h.id}`}>
          {t('common.detail')}
        </Button>
      ),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;
  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.wecomHandovers')}</h1>
      <p className="muted wecom-note">{t('wecom.ho.intro')}</p>
      <div className="toolbar">
        {can('customers:write') && (
          <Button type="primary" icon={<SwapOutlined />} onClick={() => navigate('/wecom/handovers/new')} data-testid="wecom-ho-new">
            {t('wecom.ho.new')}
          </Button>
        )}
        <Select
          allowClear
          placeholder={t('common.status')}
          value={status}
          onChange={(v) => update({ status: v })}
          options={WECOM_HANDOVER_STATUSES.map((s) => ({ value: s, label: t(`wecom.ho.status.${s}`) }))}
          style={{ width: 140 }}
          aria-label={t('common.status')}
        />
        <Select
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          placeholder={t('wecom.rel.staff')}
          value={staffFilter}
          onChange={(v) => update({ staff: v })}
          options={(staff.data?.items ?? []).map((s) => ({ value: s.userid, label: s.name }))}
          style={{ width: 160 }}
          aria-label={t('wecom.rel.staff')}
        />
      </div>
      <TableFrame testId="wecom-ho-table" label={t('nav.wecomHandovers')}>
        <Table<Handover>
          rowKey="id"
          loading={loading}
          dataSource={data?.items ?? []}
          columns={columns}
          scroll={{ x: tableWidth(columns, 200) }}
          onChange={(pg) => update({ page: pg.current ?? 1, pageSize: pg.pageSize ?? 20 })}
          pagination={{ current: page, pageSize, total: data?.total ?? 0, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
          locale={{ emptyText: <span className="muted">{t('wecom.ho.empty')}</span> }}
          onRow={(h) => ({ 'data-testid': `wecom-ho-row-${h.id}`, 'data-status': h.status }) as React.HTMLAttributes<HTMLElement>}
        />
      </TableFrame>
    </div>
  );
}
