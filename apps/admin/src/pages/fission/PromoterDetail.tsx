import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Button, Col, Descriptions, Popconfirm, Row, Skeleton, Space, Statistic, Table, Tabs, Tag } from 'antd';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { formatFen } from '../../lib/money';
import { LoadError } from '../../components/Results';
import { ErrorBar, PromoterStatusTag } from './shared';
import { RejectModal } from './RejectModal';
import { CommissionTable } from './Commissions';
import type { BindingAction, BindingAudit, PagedList, PromoterDetail as Detail, TeamMember } from './types';
import '../promotions/promotions.css';

/**
 * One tier of the promoter's team, a page at a time. The brief's admin API has no team list yet; this asks
 * GET /promoters/:customerId/team?tier= (the store's /me/promoter/team shape) and shows an error until it exists.
 */
function TeamTable({ customerId, tier }: { customerId: string; tier: 1 | 2 }) {
  const { t } = useI18n();
  const [page, setPage] = useState(1);
  const { data, loading, error, reload } = useApi<PagedList<TeamMember>>(`/promoters/${customerId}/team`, { tier, page, pageSize: 20 });
  return (
    <>
      <ErrorBar error={error} onRetry={reload} />
      <Table<TeamMember>
        size="small"
        rowKey={(m) => m.customerId ?? `${m.nickname}-${m.boundAt}`}
        loading={loading}
        dataSource={data?.items ?? []}
        pagination={{ current: page, pageSize: 20, total: data?.total ?? 0, showSizeChanger: false, onChange: setPage, hideOnSinglePage: true }}
        locale={{ emptyText: <span className="muted">{t('fission.ds.noTeam')}</span> }}
        data-testid={`promoter-team${tier}`}
        columns={[
          { title: t('fission.ds.member'), key: 'n', render: (_, m) => (m.customerId ? <Link to={`/customers/${m.customerId}`}>{m.nickname || m.customerId.slice(0, 8)}</Link> : (m.nickname ?? '-')) },
          { title: t('fission.ds.boundAt'), dataIndex: 'boundAt', width: 170, render: (v: string) => fmtTime(v) },
          { title: t('fission.ds.orders'), dataIndex: 'orders', width: 80, align: 'right' },
          { title: t('fission.ds.spent'), dataIndex: 'spentFen', width: 120, align: 'right', render: (v: number) => formatFen(v, true) },
        ]}
      />
    </>
  );
}

const ACTION_COLORS: Record<BindingAction, string> = { bind: 'green', rebind: 'blue', expire: 'default', merge: 'purple' };

/** One promoter: account, who they brought (two tiers at most), their commissions and every binding change. */
export default function PromoterDetail() {
  const { customerId = '' } = useParams();
  const { t } = useI18n();
  const { can } = useAuth();
  const manage = can('distribution:manage');
  const detail = useApi<Detail>(`/promoters/${customerId}`);
  const [busy, setBusy] = useState(false);
  const [rejecting, setRejecting] = useState(false);
  const p = detail.data;

  const act = async (action: 'approve' | 'disable') => {
    setBusy(true);
    try {
      await api.post(`/promoters/${customerId}/${action}`);
      feedback.message.success(t(`fission.ds.done.${action}`));
      detail.reload();
    } catch (err) {
      showError(err);
    } finally {
      setBusy(false);
    }
  };

  if (detail.error) return <LoadError error={detail.error} onRetry={detail.reload} />;
  if (!p) return <div className="page-card"><Skeleton active /></div>;
  const bindings = p.bindings ?? [];
  const money = [
    ['earnedFen', p.earnedFen],
    ['frozenFen', p.frozenFen],
    ['payableFen', p.payableFen],
    ['paidFen', p.paidFen],
    ['clawedFen', p.clawedFen],
    ['withdrawingFen', p.withdrawingFen],
  ] as const;

  return (
    <div>
      <div className="page-card" data-testid="promoter-header">
        <div className="promo-head">
          <div>
            <Space size={8} wrap>
              <h1>{p.nickname || p.customerId.slice(0, 8)}</h1>
              <PromoterStatusTag status={p.status} />
            </Space>
            <Descriptions column={{ xs: 1, md: 3 }} size="small" style={{ marginTop: 8 }} data-testid="promoter-account">
              <Descriptions.Item label={t('common.phone')}>{p.phone ?? '-'}</Descriptions.Item>
              {p.realName !== undefined && <Descriptions.Item label={t('fission.ds.realName')}>{p.realName ?? '-'}</Descriptions.Item>}
              <Descriptions.Item label={t('fission.ds.parent')}>{p.parentNickname ?? '-'}</Descriptions.Item>
              <Descriptions.Item label={t('fission.ds.appliedAt')}>{fmtTime(p.appliedAt)}</Descriptions.Item>
              {p.reviewedAt !== undefined && <Descriptions.Item label={t('fission.ds.reviewedAt')}>{fmtTime(p.reviewedAt)}</Descriptions.Item>}
              {p.rejectReason && <Descriptions.Item label={t('fission.ds.rejectReason')}>{p.rejectReason}</Descriptions.Item>}
              <Descriptions.Item label={t('fission.ds.customer')}>
                <Link to={`/customers/${p.customerId}`}>{t('fission.ds.openCustomer')}</Link>
              </Descriptions.Item>
            </Descriptions>
          </div>
          <span className="spacer" />
          {manage && p.status === 'pending' && (
            <Space>
              <Button type="primary" loading={busy} onClick={() => act('approve')} data-testid="promoter-approve">
                {t('fission.ds.approve')}
              </Button>
              <Button danger onClick={() => setRejecting(true)} data-testid="promoter-reject">
                {t('fission.ds.reject')}
              </Button>
            </Space>
          )}
          {manage && p.status === 'approved' && (
            <Popconfirm title={t('fission.ds.disableConfirm')} onConfirm={() => act('disable')} okText={t('fission.ds.disable')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
              <Button danger loading={busy} data-testid="promoter-disable">
                {t('fission.ds.disable')}
              </Button>
            </Popconfirm>
          )}
        </div>
        <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
          {money.map(([k, v]) =>
            v === undefined ? null : (
              <Col key={k} xs={12} md={8} xl={4}>
                <Statistic title={<span className="stat-label">{t(`fission.ds.acct.${k}`)}</span>} value={formatFen(v, true)} data-testid={`promoter-${k}`} />
              </Col>
            ),
          )}
        </Row>
      </div>
      <div className="page-card">
        <Tabs
          data-testid="promoter-tabs"
          items={[
            { key: 'team1', label: t('fission.ds.teamTab1', { n: p.team1 }), children: <TeamTable customerId={customerId} tier={1} /> },
            { key: 'team2', label: t('fission.ds.teamTab2', { n: p.team2 }), children: <TeamTable customerId={customerId} tier={2} /> },
            { key: 'commissions', label: t('fission.ds.commissionsTab'), children: <CommissionTable items={p.commissions ?? []} hidePromoter testId="promoter-commissions" /> },
            {
              key: 'bindings',
              label: t('fission.ds.bindingsTab'),
              children: (
                <Table<BindingAudit>
                  size="small"
                  rowKey={(b) => `${b.customerId}-${b.promoterId}-${b.action}-${b.at}`}
                  dataSource={bindings}
                  pagination={bindings.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
                  locale={{ emptyText: <span className="muted">{t('fission.ds.noBindings')}</span> }}
                  data-testid="promoter-bindings"
                  columns={[
                    { title: t('fission.ds.when'), dataIndex: 'at', width: 170, render: (v: string) => fmtTime(v) },
                    { title: t('fission.ds.bindAction'), dataIndex: 'action', width: 100, render: (v: BindingAction) => <Tag color={ACTION_COLORS[v] ?? 'default'}>{t(`fission.ds.bindLog.${v}`)}</Tag> },
                    { title: t('fission.ds.member'), key: 'c', render: (_, b) => <Link to={`/customers/${b.customerId}`}>{b.customerNickname || b.customerId.slice(0, 8)}</Link> },
                    {
                      title: t('fission.ds.boundTo'),
                      key: 'p',
                      width: 140,
                      render: (_, b) => (b.promoterId === customerId ? <Tag>{t('fission.ds.thisPromoter')}</Tag> : <Link to={`/distribution/promoters/${b.promoterId}`}>{b.promoterNickname || b.promoterId.slice(0, 8)}</Link>),
                    },
                    {
                      title: t('fission.ds.previous'),
                      key: 'prev',
                      width: 140,
                      render: (_, b) =>
                        !b.previousPromoterId ? '-' : b.previousPromoterId === customerId ? <Tag>{t('fission.ds.thisPromoter')}</Tag> : <Link to={`/distribution/promoters/${b.previousPromoterId}`}>{b.previousPromoterNickname || b.previousPromoterId.slice(0, 8)}</Link>,
                    },
                    { title: t('fission.ds.scene'), dataIndex: 'scene', width: 130, render: (v: string | null) => (v ? <code>{v}</code> : '-') },
                    { title: t('fission.ds.bindExpires'), dataIndex: 'expiresAt', width: 170, render: (v: string | null) => (v ? fmtTime(v) : t('fission.ds.noExpiry')) },
                  ]}
                />
              ),
            },
          ]}
        />
      </div>
      <RejectModal
        open={rejecting}
        title={t('fission.ds.rejectTitle', { name: p.nickname ?? '' })}
        onCancel={() => setRejecting(false)}
        onSubmit={async (reason) => {
          await api.post(`/promoters/${customerId}/reject`, { reason });
          feedback.message.success(t('fission.ds.done.reject'));
          setRejecting(false);
          detail.reload();
        }}
        testId="promoter-reject-modal"
      />
    </div>
  );
}
