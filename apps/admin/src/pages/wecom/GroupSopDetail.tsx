import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { Button, Col, Descriptions, Empty, Row, Space, Statistic, Table, Tag, Tooltip, type TableProps } from 'antd';
import { EditOutlined } from '@ant-design/icons';
import { useAuth } from '../../lib/auth';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import { fmtMinute } from '../promotions/shared';
import { AttachmentTags } from './AttachmentsField';
import { stepCounts, stepWhen } from './helpers-groups';
import { SopBar, SopLegend, SopRunStatusTag, anchorText, sopReasonText, sopScopeText } from './labels-groups';
import type { StaffMember } from './types';
import type { GroupSop, SopCounts, SopRun, SopRuns } from './types-groups';
import './wecom.css';
import './groups.css';

const PAGE_SIZE = 20;

/**
 * One SOP: its steps, each with how far it got (sent, still queued, skipped), and every run — which group
 * (and, for 入群后 steps, which new member), when it is due, and the mass task the owner confirms.
 */
export default function GroupSopDetail() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const { id } = useParams();
  const navigate = useNavigate();
  const { data: sop, error, reload } = useApi<GroupSop>(`/wecom/group-sops/${id}`);
  const [page, setPage] = useState(1);
  const runs = useApi<SopRuns>(`/wecom/group-sops/${id}/runs`, { page, pageSize: PAGE_SIZE });
  const staff = useApi<{ items: StaffMember[] }>('/wecom/staff');
  const names = useMemo(() => new Map((staff.data?.items ?? []).map((s) => [s.userid, s.name])), [staff.data]);
  const perStep = useMemo(() => (sop ? stepCounts(sop.steps.length, runs.data?.steps ?? []) : []), [sop, runs.data]);
  const totals = useMemo<SopCounts>(() => perStep.reduce((a, c) => ({ sent: a.sent + c.sent, queued: a.queued + c.queued, skipped: a.skipped + c.skipped }), { sent: 0, queued: 0, skipped: 0 }), [perStep]);
  const toMember = sop?.anchor === 'member_joined';

  const columns: TableProps<SopRun>['columns'] = [
    {
      title: t('wecom.sop.step'),
      key: 'step',
      width: 170,
      render: (_, r) => (
        <span>
          {t('wecom.sop.stepN', { n: r.stepIndex + 1 })}
          {r.day !== null && r.time !== null && ` · ${stepWhen({ day: r.day, time: r.time }, t)}`}
        </span>
      ),
    },
    { title: t('wecom.sop.group'), key: 'chat', render: (_, r) => <Link to={`/wecom/groups/${encodeURIComponent(r.chatId)}`}>{r.chatName || t('wecom.grp.unnamed')}</Link> },
    ...(toMember ? [{ title: t('wecom.sop.member'), key: 'member', width: 140, render: (_: unknown, r: SopRun) => r.member?.name ?? r.member?.externalUserid ?? '-' }] : []),
    { title: t('wecom.sop.dueAt'), dataIndex: 'dueAt', width: 150, render: (v: string) => fmtMinute(v) },
    {
      title: t('common.status'),
      key: 'status',
      width: 170,
      render: (_, r) => (
        <div>
          <SopRunStatusTag status={r.status} />
          {r.reason && <div className="muted" style={{ fontSize: 12 }}>{sopReasonText(r.reason, t)}</div>}
        </div>
      ),
    },
    {
      title: t('wecom.sop.massTask'),
      key: 'mass',
      width: 130,
      render: (_, r) =>
        r.massTaskId ? (
          <Tooltip title={t('wecom.sop.massTaskHint')}>
            <Link to={`/wecom/mass-tasks/${r.massTaskId}`} data-testid="wecom-sop-run-mass">{t('wecom.sop.openMassTask')}</Link>
          </Tooltip>
        ) : (
          <span className="muted">-</span>
        ),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!sop) return null;

  return (
    <div>
      <div className="page-card" data-testid="wecom-sop-detail">
        <Space style={{ width: '100%', justifyContent: 'space-between' }} align="start" wrap>
          <h1 className="page-title" style={{ marginBottom: 8 }}>
            {sop.name} {sop.active ? <Tag color="green">{t('wecom.sop.on')}</Tag> : <Tag>{t('wecom.sop.off')}</Tag>}
          </h1>
          {can('messaging:write') && (
            <Button icon={<EditOutlined />} onClick={() => navigate(`/wecom/group-sops/${sop.id}/edit`)} data-testid="wecom-sop-detail-edit">
              {t('common.edit')}
            </Button>
          )}
        </Space>
        <Descriptions column={{ xs: 1, md: 2 }} size="small">
          <Descriptions.Item label={t('wecom.sop.anchor')}>{anchorText(sop.anchor, lang)}</Descriptions.Item>
          <Descriptions.Item label={t('wecom.sop.scope')}>{sopScopeText(sop, t, (u) => names.get(u) ?? u)}</Descriptions.Item>
          <Descriptions.Item label={t('common.createdAt')}>{fmtMinute(sop.createdAt)}</Descriptions.Item>
          <Descriptions.Item label={t('wecom.sop.steps')}>{t('wecom.sop.stepsN', { n: sop.steps.length })}</Descriptions.Item>
        </Descriptions>
        <Row gutter={[16, 16]} className="wecom-stat-row" style={{ marginTop: 12 }} data-testid="wecom-sop-totals">
          <Col xs={8} md={6} lg={4}><Statistic title={t('wecom.sop.run.sent')} value={totals.sent} valueStyle={{ color: '#13a04a' }} /></Col>
          <Col xs={8} md={6} lg={4}><Statistic title={t('wecom.sop.run.queued')} value={totals.queued} valueStyle={{ color: '#1677ff' }} /></Col>
          <Col xs={8} md={6} lg={4}><Statistic title={t('wecom.sop.run.skipped')} value={totals.skipped} /></Col>
        </Row>
      </div>

      <div className="page-card">
        <h2 className="wecom-h2">{t('wecom.sop.perStep')}</h2>
        <p className="muted wecom-note">{t('wecom.sop.perStepNote')}</p>
        <div className="wecom-steps-view">
          {sop.steps.map((st, i) => {
            const c = perStep[i] ?? { sent: 0, queued: 0, skipped: 0 };
            return (
              <div key={i} className="wecom-step-card" data-testid={`wecom-sop-step-card-${i}`} data-sent={c.sent} data-queued={c.queued} data-skipped={c.skipped}>
                <div className="wecom-step-head" style={{ marginBottom: 0 }}>
                  <span>{t('wecom.sop.stepN', { n: i + 1 })}</span>
                  <Tag color="blue" data-testid={`wecom-sop-step-when-${i}`}>{stepWhen(st, t)}</Tag>
                </div>
                <div className="wecom-step-text">{st.text || <span className="muted">{t('wecom.sop.attachmentsOnly')}</span>}</div>
                <AttachmentTags list={st.attachments} />
                <div style={{ marginTop: 10 }}>
                  {c.sent + c.queued + c.skipped ? <SopBar counts={c} testId={`wecom-sop-step-bar-${i}`} /> : <div className="muted" style={{ fontSize: 12 }}>{t('wecom.sop.noRunsStep')}</div>}
                  <SopLegend counts={c} />
                </div>
              </div>
            );
          })}
        </div>
      </div>

      <div className="page-card">
        <h2 className="wecom-h2">{t('wecom.sop.runs')}</h2>
        {runs.error ? (
          <LoadError error={runs.error} onRetry={runs.reload} />
        ) : (
          <Table<SopRun>
            rowKey={(r) => `${r.stepIndex}:${r.chatId}:${r.member?.externalUserid ?? ''}:${r.dueAt}`}
            size="small"
            loading={runs.loading}
            dataSource={runs.data?.items ?? []}
            columns={columns}
            scroll={{ x: 900 }}
            onChange={(pg) => setPage(pg.current ?? 1)}
            pagination={{ current: page, pageSize: PAGE_SIZE, total: runs.data?.total ?? 0, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
            locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={sop.active ? t('wecom.sop.noRunsYet') : t('wecom.sop.noRunsOff')} /> }}
            onRow={(r) => ({ 'data-testid': `wecom-sop-run-${r.stepIndex}-${r.chatId}`, 'data-status': r.status }) as React.HTMLAttributes<HTMLElement>}
          />
        )}
      </div>
    </div>
  );
}
