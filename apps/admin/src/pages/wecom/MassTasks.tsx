import { useMemo } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Button, Progress, Select, Table, Tooltip, type TableProps } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { WECOM_MASS_TASK_STATUSES, WECOM_MASS_TASK_STATUS_LABELS, type WecomMassTaskStatus } from '@siyu/contracts';
import { useAuth } from '../../lib/auth';
import { useApi } from '../../lib/hooks';
import { textLang, useI18n } from '../../lib/i18n';
import { tableWidth } from '../../lib/table';
import type { Paged } from '../../lib/types';
import { LoadError } from '../../components/Results';
import { TableFrame } from '../analytics/TableFrame';
import type { CustomerGroup } from '../customers/audience';
import { fmtMinute, useListParams } from '../promotions/shared';
import { AttachmentTags } from './AttachmentsField';
import { massReach, percentOf } from './helpers-reach';
import { MassStatusTag, audienceText } from './reach-labels';
import type { CorpTag, StaffMember } from './types';
import type { MassTaskListItem } from './types-reach';
import './wecom.css';

/**
 * 群发任务: messages to customers (by corp tag or customer group) or to customer groups, which WeCom puts on
 * each sender's phone; a task reaches customers only as each member confirms, so the list shows that first.
 */
export default function MassTasks() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const { params, update, page, pageSize } = useListParams();
  const status = (params.get('status') ?? undefined) as WecomMassTaskStatus | undefined;
  const { data, error, loading, reload } = useApi<Paged<MassTaskListItem>>('/wecom/mass-tasks', { page, pageSize, status });
  const staff = useApi<{ items: StaffMember[] }>('/wecom/staff');
  const tags = useApi<{ items: CorpTag[] }>(can('customers:read') ? '/wecom/tags' : null);
  const groups = useApi<{ items: CustomerGroup[] }>(can('customers:read') ? '/groups' : null);
  const names = useMemo(() => new Map((staff.data?.items ?? []).map((s) => [s.userid, s.name])), [staff.data]);
  const tagMap = useMemo(() => new Map((tags.data?.items ?? []).map((x) => [x.id, x])), [tags.data]);
  const groupName = (id: string) => groups.data?.items.find((g) => g.id === id)?.name;

  const columns: TableProps<MassTaskListItem>['columns'] = [
    {
      title: t('wecom.mass.name'),
      key: 'name',
      width: 220,
      render: (_, m) => (
        <div>
          <div>
            <Link to={`/wecom/mass-tasks/${m.id}`} data-testid="wecom-mass-name">{m.name}</Link>
          </div>
          <Tooltip title={m.text}>
            <div className="muted clamp-2" style={{ fontSize: 12 }}>{m.text || '-'}</div>
          </Tooltip>
          <AttachmentTags list={m.attachments} />
        </div>
      ),
    },
    { title: t('common.status'), dataIndex: 'status', width: 110, render: (v: WecomMassTaskStatus) => <MassStatusTag status={v} /> },
    { title: t('wecom.mass.audience'), key: 'aud', width: 200, render: (_, m) => audienceText(m.audience, t, tagMap, groupName) },
    {
      title: t('wecom.mass.senders'),
      key: 'senders',
      width: 160,
      render: (_, m) => (m.senders.length ? m.senders.map((u) => names.get(u) ?? u).join(t('common.listSep')) : <span className="muted">{t('wecom.mass.allStaff')}</span>),
    },
    {
      title: t('wecom.mass.confirmed'),
      key: 'confirm',
      width: 170,
      render: (_, m) =>
        m.staff.total ? (
          <div data-testid={`wecom-mass-confirm-${m.id}`}>
            <div style={{ fontSize: 12 }}>{t('wecom.mass.staffConfirmed', { n: m.staff.confirmed, total: m.staff.total })}</div>
            <Progress percent={percentOf(m.staff.confirmed, m.staff.total)} status="normal" size="small" showInfo={false} aria-label={t('wecom.mass.confirmed')} />
          </div>
        ) : (
          <span className="muted">-</span>
        ),
    },
    {
      title: t('wecom.mass.reached'),
      key: 'reach',
      width: 150,
      render: (_, m) => {
        const r = massReach(m.recipients);
        if (!r.tried && !m.recipients.sent) return <span className="muted">-</span>;
        if (m.chatType === 'group') return m.recipients.sent ? t('wecom.mass.chatsSent', { n: m.recipients.sent }) : <span className="muted">-</span>;
        return (
          <div style={{ fontSize: 12 }}>
            <div>{t('wecom.mass.sentOf', { n: r.sent, total: r.tried })}</div>
            {m.recipients.excluded > 0 && <div className="muted">{t('wecom.mass.excludedN', { n: m.recipients.excluded })}</div>}
          </div>
        );
      },
    },
    { title: t('wecom.mass.sendAt'), dataIndex: 'sendAt', width: 140, render: (v: string) => fmtMinute(v) },
    {
      title: t('common.actions'),
      key: 'a',
      width: 80,
      fixed: 'right',
      render: (_, m) => (
        <Button type="link" size="small" onClick={() => navigate(`/wecom/mass-tasks/${m.id}`)} data-testid={`wecom-mass-open-${m.id}`}>
          {t('common.detail')}
        </Button>
      ),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;
  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.wecomMass')}</h1>
      <p className="muted wecom-note">{t('wecom.mass.intro')}</p>
      <div className="toolbar">
        {can('messaging:write') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/wecom/mass-tasks/new')} data-testid="wecom-mass-new">
            {t('wecom.mass.new')}
          </Button>
        )}
        <Select
          allowClear
          placeholder={t('common.status')}
          value={status}
          onChange={(v) => update({ status: v })}
          options={WECOM_MASS_TASK_STATUSES.map((s) => ({ value: s, label: WECOM_MASS_TASK_STATUS_LABELS[s][textLang(lang)] }))}
          style={{ width: 150 }}
          aria-label={t('common.status')}
          data-testid="wecom-mass-filter-status"
        />
      </div>
      <TableFrame testId="wecom-mass-table" label={t('nav.wecomMass')}>
        <Table<MassTaskListItem>
          rowKey="id"
          loading={loading}
          dataSource={data?.items ?? []}
          columns={columns}
          scroll={{ x: tableWidth(columns, 220) }}
          onChange={(pg) => update({ page: pg.current ?? 1, pageSize: pg.pageSize ?? 20 })}
          pagination={{ current: page, pageSize, total: data?.total ?? 0, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
          locale={{ emptyText: <span className="muted">{t('wecom.mass.empty')}</span> }}
          onRow={(m) => ({ 'data-testid': `wecom-mass-row-${m.name}`, 'data-status': m.status }) as React.HTMLAttributes<HTMLElement>}
        />
      </TableFrame>
    </div>
  );
}
