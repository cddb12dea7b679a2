import { useEffect, useMemo, useState } from 'react';
import { useParams } from 'react-router-dom';
import { Alert, Col, Descriptions, Row, Select, Statistic, Table, Tag, Tooltip, type TableProps } from 'antd';
import { WECOM_HANDOVER_CUSTOMER_STATES, type WecomHandoverCustomerState } from '@siyu/contracts';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import { HANDOVER_BAR, HANDOVER_COLORS, handoverSettled, splitRefusals } from './helpers-reach';
import { HandoverBar, HandoverStateTag, HandoverStatusTag, refusalText } from './reach-labels';
import type { StaffMember } from './types';
import type { HandoverDetail as Detail, HandoverRefusal } from './types-reach';
import './wecom.css';
import './reach.css';

/** While WeCom has customers to answer for, the page reads the handover again this often. */
const LIVE_MS = 5_000;

/**
 * One handover's results: the customers as a bar (done, refused by the customer, at the taker's limit,
 * failed, waiting for WeCom, not sent yet), then each customer with its state and times, its groups, and
 * what was refused before sending.
 */
export default function HandoverDetail() {
  const { t } = useI18n();
  const { id } = useParams();
  const { data: h, error, reload } = useApi<Detail>(`/wecom/handovers/${id}`);
  const staff = useApi<{ items: StaffMember[] }>('/wecom/staff');
  const names = useMemo(() => new Map((staff.data?.items ?? []).map((s) => [s.userid, s.name])), [staff.data]);
  const nameOf = (u: string) => names.get(u) ?? u;
  const [state, setState] = useState<WecomHandoverCustomerState>();

  const open = h && h.status !== 'done';
  useEffect(() => {
    if (!open) return;
    const timer = setInterval(reload, LIVE_MS);
    return () => clearInterval(timer);
  }, [open, reload]);

  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!h) return null;
  const c = h.counts;
  const refusals = splitRefusals(h.refusals);
  const rows = state ? h.customers.filter((x) => x.state === state) : h.customers;

  const columns: TableProps<Detail['customers'][number]>['columns'] = [
    { title: t('wecom.rel.customer'), key: 'n', render: (_, x) => <span data-testid="wecom-ho-customer-name">{x.name ?? x.externalUserid}</span> },
    {
      title: t('common.status'),
      dataIndex: 'state',
      width: 120,
      render: (v: WecomHandoverCustomerState, x) => (
        <Tooltip title={x.errcode ? `errcode ${x.errcode}` : undefined}>
          <span><HandoverStateTag state={v} /></span>
        </Tooltip>
      ),
    },
    { title: t('wecom.ho.chunk'), dataIndex: 'chunk', width: 80, render: (v: number | null) => v ?? '-' },
    { title: t('wecom.ho.sentAt'), dataIndex: 'sentAt', width: 170, render: fmtTime },
    { title: t('wecom.ho.takeoverAt'), dataIndex: 'takeoverAt', width: 170, render: fmtTime },
    { title: t('wecom.ho.settledAt'), dataIndex: 'settledAt', width: 170, render: fmtTime },
  ];
  const refusalColumns: TableProps<HandoverRefusal>['columns'] = [
    { title: t('wecom.rel.customer'), key: 'n', render: (_, r) => r.name ?? r.externalUserid ?? r.chatId },
    { title: t('wecom.ho.why'), key: 'r', render: (_, r) => refusalText(r, t) },
  ];

  return (
    <div>
      <div className="page-card" data-testid="wecom-ho-detail" data-status={h.status}>
        <h1 className="page-title">
          {t(`wecom.ho.kind.${h.kind}`)}: {nameOf(h.handoverUserid)} → {nameOf(h.takeoverUserid)} <HandoverStatusTag status={h.status} />
        </h1>
        {open && <Alert type="info" showIcon title={t('wecom.ho.waitingHint')} style={{ marginBottom: 12 }} />}
        <Descriptions column={{ xs: 1, md: 3 }} size="small" style={{ marginBottom: 12 }}>
          <Descriptions.Item label={t('wecom.mass.createdBy')}>{h.createdBy ?? '-'} · {fmtTime(h.createdAt)}</Descriptions.Item>
          <Descriptions.Item label={t('wecom.ho.sentAt')}>{fmtTime(h.sentAt)}</Descriptions.Item>
          <Descriptions.Item label={t('wecom.ho.lastPolled')}>{fmtTime(h.lastPolledAt)}</Descriptions.Item>
          {h.kind === 'onjob' && <Descriptions.Item label={t('wecom.ho.message')} span={3}>{h.successMessage ?? t('wecom.ho.defaultMessage')}</Descriptions.Item>}
        </Descriptions>
        <Row gutter={[16, 16]} className="wecom-stat-row" data-testid="wecom-ho-counts">
          <Col xs={8} md={4} lg={3}><Statistic title={t('wecom.ho.requestedTotal')} value={c.total} /></Col>
          {(['waiting', 'done', 'refused', 'limit', 'failed'] as const).map((k) => (
            <Col key={k} xs={8} md={4} lg={3}>
              <Statistic title={t(`wecom.ho.state.${k}`)} value={c[k]} valueStyle={{ color: k === 'waiting' ? undefined : HANDOVER_COLORS[k] }} />
            </Col>
          ))}
        </Row>
        <div style={{ marginTop: 16, maxWidth: 720 }}>
          <HandoverBar counts={c} height={14} testId="wecom-ho-progress" />
          <div className="wecom-legend">
            {HANDOVER_BAR.map((k) => (
              <span key={k}>
                <i style={{ background: HANDOVER_COLORS[k] }} />
                {t(`wecom.ho.state.${k}`)} {c[k]}
              </span>
            ))}
            <span className="muted">{t('wecom.ho.summary', { done: c.done, settled: handoverSettled(c), total: c.total })}</span>
          </div>
        </div>
      </div>

      <div className="page-card">
        <h2 className="wecom-h2">{t('wecom.ho.perCustomer')}</h2>
        <div className="filters">
          <Select
            allowClear
            placeholder={t('common.status')}
            value={state}
            onChange={setState}
            options={WECOM_HANDOVER_CUSTOMER_STATES.map((s) => ({ value: s, label: `${t(`wecom.ho.state.${s}`)} (${c[s]})` }))}
            style={{ width: 160 }}
            aria-label={t('common.status')}
          />
        </div>
        <Table
          rowKey="externalUserid"
          size="small"
          dataSource={rows}
          columns={columns}
          scroll={{ x: 900 }}
          pagination={{ pageSize: 20, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
          locale={{ emptyText: <span className="muted">{t('wecom.ho.noCustomersIn')}</span> }}
          onRow={(x) => ({ 'data-testid': `wecom-ho-row-${x.externalUserid}`, 'data-state': x.state }) as React.HTMLAttributes<HTMLElement>}
          data-testid="wecom-ho-customers-table"
        />
      </div>

      {h.groups.length > 0 && (
        <div className="page-card">
          <h2 className="wecom-h2">{t('wecom.ho.groups')}</h2>
          <Table
            rowKey="chatId"
            size="small"
            dataSource={h.groups}
            pagination={false}
            columns={[
              { title: t('wecom.mass.chat'), key: 'n', render: (_, g) => g.name ?? g.chatId },
              { title: t('common.status'), dataIndex: 'state', width: 120, render: (v: string, g) => <Tag color={v === 'done' ? 'green' : v === 'failed' ? 'red' : 'default'}>{t(`wecom.ho.state.${v === 'done' || v === 'failed' ? v : 'requested'}`)}{g.errcode ? ` · ${g.errcode}` : ''}</Tag> },
              { title: t('wecom.ho.settledAt'), dataIndex: 'settledAt', width: 170, render: fmtTime },
            ]}
          />
        </div>
      )}

      {h.refusals.length > 0 && (
        <div className="page-card">
          <h2 className="wecom-h2">{t('wecom.ho.refusalsBefore', { n: h.refusals.length })}</h2>
          <Table<HandoverRefusal>
            rowKey={(r) => r.externalUserid ?? r.chatId ?? r.name ?? ''}
            size="small"
            dataSource={[...refusals.customers, ...refusals.groups]}
            columns={refusalColumns}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
          />
        </div>
      )}
    </div>
  );
}
