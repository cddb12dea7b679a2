import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Alert, Button, Col, Descriptions, Popconfirm, Progress, Row, Select, Space, Statistic, Table, Tag, Tooltip, type TableProps } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { WECOM_MASS_RECIPIENT_STATUSES, type WecomMassRecipientStatus } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import type { Paged } from '../../lib/types';
import { LoadError } from '../../components/Results';
import type { CustomerGroup } from '../customers/audience';
import { AttachmentTags } from './AttachmentsField';
import { massReach, percentOf } from './helpers-reach';
import { MassStatusTag, RecipientStatusTag, audienceText, reasonText, recipientStatusText } from './reach-labels';
import type { CorpTag } from './types';
import type { MassRecipient, MassStaffProgress, MassTaskDetail as Detail } from './types-reach';
import './wecom.css';

/**
 * One mass task: each sender's confirmation (未发送 / 已发送) with what their customers got, the customers
 * left out before it was created and why (this month's cap, opted out, contact budget), and every recipient.
 */
export default function MassTaskDetail() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const { id } = useParams();
  const { data: m, error, reload, setData } = useApi<Detail>(`/wecom/mass-tasks/${id}`);
  const tags = useApi<{ items: CorpTag[] }>(can('customers:read') ? '/wecom/tags' : null);
  const groups = useApi<{ items: CustomerGroup[] }>(can('customers:read') ? '/groups' : null);
  const tagMap = useMemo(() => new Map((tags.data?.items ?? []).map((x) => [x.id, x])), [tags.data]);
  const [filter, setFilter] = useState<{ status?: WecomMassRecipientStatus; staff?: string; page: number }>({ page: 1 });
  const recipients = useApi<Paged<MassRecipient>>(`/wecom/mass-tasks/${id}/recipients`, { ...filter, pageSize: 20 });
  const [busy, setBusy] = useState<'refresh' | 'cancel' | null>(null);

  const refresh = async () => {
    setBusy('refresh');
    try {
      setData(await api.post<Detail>(`/wecom/mass-tasks/${id}/refresh`));
      recipients.reload();
      feedback.message.success(t('wecom.mass.refreshed'));
    } catch (err) {
      showError(err);
    } finally {
      setBusy(null);
    }
  };
  const cancel = async () => {
    setBusy('cancel');
    try {
      await api.post(`/wecom/mass-tasks/${id}/cancel`);
      reload();
      feedback.message.success(t('wecom.mass.cancelled'));
    } catch (err) {
      showError(err);
    } finally {
      setBusy(null);
    }
  };

  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!m) return null;
  const c = m.recipients;
  const reach = massReach(c);
  const confirmed = m.staff.filter((s) => s.status === 'sent').length;
  const groupTask = m.chatType === 'group';
  // Recipients are chosen when the task runs: until then there is nothing to count.
  const notStarted = (m.status === 'scheduled' || m.status === 'cancelled') && !c.total && !m.staff.length;

  const staffColumns: TableProps<MassStaffProgress>['columns'] = [
    { title: t('wecom.rel.staff'), dataIndex: 'name', width: 140 },
    {
      title: t('wecom.mass.staffStatus'),
      dataIndex: 'status',
      width: 120,
      render: (v: MassStaffProgress['status'], s) => (
        <Tooltip title={s.error}>
          <Tag color={v === 'sent' ? 'green' : v === 'failed' ? 'red' : v === 'pending' ? 'gold' : 'blue'} data-testid={`wecom-mass-staff-status-${s.userid}`}>
            {t(`wecom.mass.staff.${v}`)}
          </Tag>
        </Tooltip>
      ),
    },
    {
      title: groupTask ? t('wecom.mass.chats') : t('wecom.mass.customersSent'),
      key: 'bar',
      render: (_, s) => {
        const r = s.recipients;
        return (
          <div data-testid={`wecom-mass-staff-bar-${s.userid}`}>
            <Progress
              percent={percentOf(r.sent + r.notFriend + r.receivedOther + r.unconfirmed, r.total)}
              success={{ percent: percentOf(r.sent, r.total) }}
              size="small"
              status="normal"
              format={() => `${r.sent}/${r.total}`}
              aria-label={t('wecom.mass.customersSent')}
            />
            <div className="muted" style={{ fontSize: 12 }}>
              {[
                r.pending && `${recipientStatusText('pending', lang)} ${r.pending}`,
                r.notFriend && `${recipientStatusText('not_friend', lang)} ${r.notFriend}`,
                r.receivedOther && `${recipientStatusText('received_other', lang)} ${r.receivedOther}`,
                r.unconfirmed && `${recipientStatusText('unconfirmed', lang)} ${r.unconfirmed}`,
              ]
                .filter(Boolean)
                .join(t('common.listSep')) || ' '}
            </div>
          </div>
        );
      },
    },
    { title: t('wecom.mass.sendTime'), dataIndex: 'sendTime', width: 170, render: fmtTime },
  ];

  const recipientColumns: TableProps<MassRecipient>['columns'] = [
    {
      title: groupTask ? t('wecom.mass.chat') : t('wecom.rel.customer'),
      key: 'who',
      render: (_, r) => (
        <div>
          <div>{r.name ?? r.externalUserId ?? r.chatId}</div>
          {r.customerId && <Link to={`/customers/${r.customerId}`} style={{ fontSize: 12 }}>{t('wecom.rel.linked')}</Link>}
        </div>
      ),
    },
    { title: t('wecom.rel.staff'), dataIndex: 'userid', width: 140, render: (u: string) => m.staff.find((s) => s.userid === u)?.name ?? u },
    { title: t('common.status'), dataIndex: 'status', width: 130, render: (v: WecomMassRecipientStatus) => <RecipientStatusTag status={v} /> },
    { title: t('common.reason'), dataIndex: 'reason', width: 200, render: (v: string | null) => (v ? reasonText(v, t) : <span className="muted">-</span>) },
    { title: t('wecom.mass.sendTime'), dataIndex: 'sendTime', width: 170, render: fmtTime },
  ];

  return (
    <div>
      <div className="page-card" data-testid="wecom-mass-detail" data-status={m.status}>
        <Space style={{ width: '100%', justifyContent: 'space-between' }} align="start" wrap>
          <h1 className="page-title" style={{ marginBottom: 8 }}>
            {m.name} <MassStatusTag status={m.status} />
          </h1>
          <Space>
            {m.status === 'sending' && (
              <Button icon={<ReloadOutlined />} loading={busy === 'refresh'} onClick={refresh} data-testid="wecom-mass-refresh">
                {t('wecom.mass.refresh')}
              </Button>
            )}
            {m.status === 'scheduled' && can('messaging:write') && (
              <Popconfirm title={t('wecom.mass.cancelConfirm')} onConfirm={cancel} okText={t('common.confirm')} cancelText={t('common.cancel')} okButtonProps={{ 'data-testid': 'wecom-mass-cancel-ok' } as never}>
                <Button danger loading={busy === 'cancel'} data-testid="wecom-mass-cancel">{t('wecom.mass.cancel')}</Button>
              </Popconfirm>
            )}
          </Space>
        </Space>
        {m.error && <Alert type={m.status === 'failed' ? 'error' : 'warning'} showIcon title={m.error} style={{ marginBottom: 12 }} />}
        {m.status === 'sending' && <Alert type="info" showIcon title={t('wecom.mass.sendingHint')} style={{ marginBottom: 12 }} />}
        {notStarted && <Alert type={m.status === 'cancelled' ? 'warning' : 'info'} showIcon title={m.status === 'cancelled' ? t('wecom.mass.cancelledNote') : t('wecom.mass.notStarted', { time: fmtTime(m.notBefore ?? m.sendAt) })} style={{ marginBottom: 12 }} />}
        <Descriptions column={{ xs: 1, md: 2 }} size="small" data-testid="wecom-mass-info">
          <Descriptions.Item label={t('wecom.mass.audience')}>{audienceText(m.audience, t, tagMap, (gid) => groups.data?.items.find((g) => g.id === gid)?.name)}</Descriptions.Item>
          <Descriptions.Item label={t('wecom.mass.senders')}>{m.senders.length ? m.staff.filter((s) => m.senders.includes(s.userid)).map((s) => s.name).join(t('common.listSep')) || m.senders.join(t('common.listSep')) : t('wecom.mass.allStaff')}</Descriptions.Item>
          <Descriptions.Item label={t('wecom.mass.sendAt')}>
            {fmtTime(m.sendAt)}
            {m.notBefore && <span className="muted"> · {t('wecom.mass.quietUntil', { time: fmtTime(m.notBefore) })}</span>}
          </Descriptions.Item>
          <Descriptions.Item label={t('wecom.mass.createdBy')}>{m.createdBy ?? '-'} · {fmtTime(m.createdAt)}</Descriptions.Item>
          <Descriptions.Item label={t('wecom.mass.text')} span={2}>
            <span className="wecom-welcome-text">{m.text || '-'}</span>
          </Descriptions.Item>
          {m.attachments.length > 0 && (
            <Descriptions.Item label={t('wecom.att.title9')} span={2}>
              <AttachmentTags list={m.attachments} />
            </Descriptions.Item>
          )}
        </Descriptions>
      </div>

      {!notStarted && (
        <>
          <div className="page-card">
            <h2 className="wecom-h2">{t('wecom.mass.progress')}</h2>
            <Row gutter={[16, 16]} className="wecom-stat-row" data-testid="wecom-mass-counts">
              <Col xs={12} md={6} lg={4}><Statistic title={t('wecom.mass.staffConfirmedTitle')} value={confirmed} suffix={`/ ${m.staff.length}`} /></Col>
              {!groupTask && <Col xs={12} md={6} lg={4}><Statistic title={t('wecom.mass.tried')} value={reach.tried} /></Col>}
              <Col xs={12} md={6} lg={4}><Statistic title={recipientStatusText('sent', lang)} value={c.sent} valueStyle={{ color: '#13a04a' }} /></Col>
              <Col xs={12} md={6} lg={4}><Statistic title={recipientStatusText('pending', lang)} value={c.pending} /></Col>
              <Col xs={12} md={6} lg={4}><Statistic title={`${recipientStatusText('not_friend', lang)} / ${recipientStatusText('received_other', lang)}`} value={c.notFriend + c.receivedOther} /></Col>
              <Col xs={12} md={6} lg={4}><Statistic title={recipientStatusText('unconfirmed', lang)} value={c.unconfirmed} /></Col>
            </Row>
            {!groupTask && reach.tried > 0 && (
              <Progress percent={reach.percent} status="normal" style={{ marginTop: 12, maxWidth: 560 }} format={(p) => t('wecom.mass.reachPercent', { p: p ?? 0 })} aria-label={t('wecom.mass.reached')} />
            )}
            {c.excluded > 0 && (
              <div style={{ marginTop: 16 }} data-testid="wecom-mass-excluded">
                <h3 className="wecom-h3">{t('wecom.mass.excludedTitle', { n: c.excluded })}</h3>
                <Space wrap>
                  {Object.entries(m.excludedReasons).map(([reason, n]) => (
                    <Tag key={reason} color="default" style={{ padding: '2px 8px' }} data-testid={`wecom-mass-reason-${reason}`}>
                      {reasonText(reason, t)} <b>{n}</b>
                    </Tag>
                  ))}
                </Space>
                <p className="muted wecom-note" style={{ marginTop: 8 }}>{t('wecom.mass.excludedNote')}</p>
              </div>
            )}
            <h3 className="wecom-h3">{t('wecom.mass.perStaff')}</h3>
            <Table<MassStaffProgress>
              rowKey="userid"
              size="small"
              dataSource={m.staff}
              columns={staffColumns}
              pagination={false}
              scroll={{ x: 720 }}
              locale={{ emptyText: <span className="muted">{m.status === 'scheduled' ? t('wecom.mass.notYet') : t('wecom.mass.noSenders')}</span> }}
              onRow={(s) => ({ 'data-testid': `wecom-mass-staff-${s.userid}`, 'data-status': s.status }) as React.HTMLAttributes<HTMLElement>}
            />
          </div>

          <div className="page-card">
            <h2 className="wecom-h2">{t('wecom.mass.recipients')}</h2>
            <div className="filters">
              <Select
                allowClear
                placeholder={t('common.status')}
                value={filter.status}
                onChange={(v) => setFilter((f) => ({ ...f, status: v, page: 1 }))}
                options={WECOM_MASS_RECIPIENT_STATUSES.map((s) => ({ value: s, label: recipientStatusText(s, lang) }))}
                style={{ width: 160 }}
                aria-label={t('common.status')}
                data-testid="wecom-mass-recipient-status"
              />
              <Select
                allowClear
                placeholder={t('wecom.rel.staff')}
                value={filter.staff}
                onChange={(v) => setFilter((f) => ({ ...f, staff: v, page: 1 }))}
                options={m.staff.map((s) => ({ value: s.userid, label: s.name }))}
                style={{ width: 160 }}
                aria-label={t('wecom.rel.staff')}
              />
            </div>
            <Table<MassRecipient>
              rowKey={(r) => r.externalUserId ?? r.chatId ?? ''}
              size="small"
              loading={recipients.loading}
              dataSource={recipients.data?.items ?? []}
              columns={recipientColumns}
              scroll={{ x: 800 }}
              onChange={(pg) => setFilter((f) => ({ ...f, page: pg.current ?? 1 }))}
              pagination={{ current: filter.page, pageSize: 20, total: recipients.data?.total ?? 0, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
              locale={{ emptyText: <span className="muted">{t('wecom.mass.noRecipients')}</span> }}
              data-testid="wecom-mass-recipients"
            />
          </div>
        </>
      )}
    </div>
  );
}
