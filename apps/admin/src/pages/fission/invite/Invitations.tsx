import { useMemo } from 'react';
import { Link } from 'react-router-dom';
import { Col, Row, Table, Tabs, Tag, Tooltip, type TableProps } from 'antd';
import type { EChartsCoreOption } from 'echarts/core';
import { fmtTime } from '../../../lib/format';
import { useApi } from '../../../lib/hooks';
import { useI18n, type TFunction } from '../../../lib/i18n';
import Chart from '../../../components/Chart';
import { useListParams } from '../../promotions/shared';
import { fillDays } from '../charts';
import { ChartBesideRanking, RankingTable, StatCard } from '../OverviewParts';
import { ErrorBar } from '../shared';
import InvitePayouts from './InvitePayouts';
import '../../promotions/promotions.css';

export type InvitationStatus = 'accepted' | 'rewarded' | 'expired' | 'rejected';
const STATUSES: InvitationStatus[] = ['accepted', 'rewarded', 'expired', 'rejected'];
const STATUS_COLORS: Record<InvitationStatus, string> = { accepted: 'processing', rewarded: 'green', expired: 'default', rejected: 'red' };

interface Invitation {
  id: string;
  inviterId: string;
  inviteeId: string;
  status: InvitationStatus;
  rejectReason: string | null;
  acceptedAt: string;
  expiresAt: string;
  qualifiedOrderId: string | null;
  rewardedAt: string | null;
  inviterRewarded: boolean;
  inviterNickname: string | null;
  inviterPhone: string | null;
  inviteeNickname: string | null;
  inviteePhone: string | null;
}

interface Overview {
  accepted: number;
  rewarded: number;
  expired: number;
  rejected: number;
  ranking: { customerId: string; nickname: string | null; invited: number; rewarded: number }[];
  daily: { date: string; accepted: number; rewarded: number }[];
}

/** Invitations accepted per day as bars, rewarded that day as a line (30 days, quiet ones as zero). */
function dailyOption(raw: Overview['daily'], t: TFunction): EChartsCoreOption {
  const days = fillDays(raw, (date) => ({ date, accepted: 0, rewarded: 0 }));
  const accepted = t('fission.iv.chart.accepted');
  const rewarded = t('fission.iv.chart.rewarded');
  return {
    color: ['#155bd4', '#2fc25b'],
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: [accepted, rewarded] },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: days.map((d) => d.date.slice(5, 10)), axisTick: { alignWithLabel: true } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: accepted, type: 'bar', barMaxWidth: 16, data: days.map((d) => d.accepted) },
      { name: rewarded, type: 'line', symbol: 'circle', symbolSize: 4, data: days.map((d) => d.rewarded) },
    ],
  };
}

function Person({ id, nickname, phone }: { id: string; nickname: string | null; phone: string | null }) {
  return (
    <div>
      <Link to={`/customers/${id}`}>{nickname || phone || id.slice(0, 8)}</Link>
      {nickname && phone && <div className="muted" style={{ fontSize: 12 }}>{phone}</div>}
    </div>
  );
}

/** 邀请有礼: totals, the last 30 days, who invites most, and every invitation by status. */
export default function Invitations() {
  const { t } = useI18n();
  const ov = useApi<Overview>('/invitations/overview');
  const { params, update, page, pageSize } = useListParams();
  const status = (params.get('status') ?? undefined) as InvitationStatus | undefined;
  const list = useApi<{ items: Invitation[]; total: number }>('/invitations', { status, page, pageSize });
  const option = useMemo(() => (ov.data?.daily ? dailyOption(ov.data.daily, t) : null), [ov.data?.daily, t]);

  const columns: TableProps<Invitation>['columns'] = [
    { title: t('fission.iv.inviter'), key: 'inviter', width: 160, render: (_, r) => <Person id={r.inviterId} nickname={r.inviterNickname} phone={r.inviterPhone} /> },
    { title: t('fission.iv.invitee'), key: 'invitee', width: 160, render: (_, r) => <Person id={r.inviteeId} nickname={r.inviteeNickname} phone={r.inviteePhone} /> },
    {
      title: t('common.status'),
      dataIndex: 'status',
      width: 110,
      render: (s: InvitationStatus, r) => {
        const tag = <Tag color={STATUS_COLORS[s] ?? 'default'}>{t(`fission.iv.status.${s}`)}</Tag>;
        return s === 'rejected' && r.rejectReason ? <Tooltip title={r.rejectReason === 'merged' ? t('fission.iv.rejectMerged') : r.rejectReason}>{tag}</Tooltip> : tag;
      },
    },
    { title: t('fission.iv.acceptedAt'), dataIndex: 'acceptedAt', width: 160, render: (v: string) => fmtTime(v) },
    { title: t('fission.iv.expiresAt'), dataIndex: 'expiresAt', width: 160, render: (v: string, r) => (r.status === 'accepted' ? fmtTime(v) : <span className="muted">-</span>) },
    { title: t('fission.iv.rewardedAt'), dataIndex: 'rewardedAt', width: 160, render: (v: string | null) => fmtTime(v) },
    {
      title: t('fission.iv.inviterReward'),
      key: 'ir',
      width: 130,
      render: (_, r) => (r.status !== 'rewarded' ? <span className="muted">-</span> : r.inviterRewarded ? <Tag color="green">{t('fission.iv.given')}</Tag> : <Tooltip title={t('fission.iv.capHint')}><Tag>{t('fission.iv.capped')}</Tag></Tooltip>),
    },
    { title: t('fission.iv.order'), dataIndex: 'qualifiedOrderId', width: 90, render: (v: string | null) => (v ? <Link to={`/orders/${v}`}>{t('common.view')}</Link> : <span className="muted">-</span>) },
  ];

  const cards = ['accepted', 'rewarded', 'expired', 'rejected'] as const;
  return (
    <div>
      <div className="page-card">
        <h1 className="page-title">{t('nav.invitations')}</h1>
        <p className="muted">
          {t('fission.iv.overviewHint')} <Link to="/invitations/settings" style={{ textDecoration: 'underline' }}>{t('nav.inviteSettings')}</Link>
        </p>
        <ErrorBar error={ov.error} onRetry={ov.reload} />
        <Row gutter={[16, 16]}>
          {cards.map((k) => (
            <Col key={k} xs={12} lg={6}>
              <StatCard testId={`iv-card-${k}`} loading={!ov.data && ov.loading} title={t(`fission.iv.total.${k}`)} value={ov.data?.[k] ?? '-'} />
            </Col>
          ))}
        </Row>
      </div>
      <ChartBesideRanking
        chartTitle={t('fission.iv.chartTitle')}
        chart={option && <Chart option={option} height={300} label={t('fission.iv.chartTitle')} testId="iv-chart" />}
        rankingTitle={t('fission.iv.ranking')}
        ranking={
          <RankingTable
            dataSource={ov.data?.ranking ?? []}
            testId="iv-ranking"
            emptyText={t('fission.iv.noRanking')}
            columns={[
              { title: t('fission.iv.inviter'), dataIndex: 'nickname', render: (v: string | null, r) => <Link to={`/customers/${r.customerId}`}>{v || r.customerId.slice(0, 8)}</Link> },
              { title: t('fission.iv.invited'), dataIndex: 'invited', width: 80, align: 'right' },
              { title: t('fission.iv.rewarded'), dataIndex: 'rewarded', width: 80, align: 'right' },
            ]}
          />
        }
      />
      <div className="page-card">
        <h2 className="page-title" style={{ fontSize: 16 }}>
          {t('fission.iv.list')}
        </h2>
        <Tabs
          activeKey={status ?? 'all'}
          onChange={(k) => update({ status: k === 'all' ? undefined : k })}
          items={[{ key: 'all', label: t('common.all') }, ...STATUSES.map((s) => ({ key: s, label: t(`fission.iv.status.${s}`) }))]}
          data-testid="iv-tabs"
        />
        <ErrorBar error={list.error} onRetry={list.reload} />
        <Table<Invitation>
          rowKey="id"
          loading={list.loading}
          columns={columns}
          dataSource={list.data?.items ?? []}
          scroll={list.data?.items.length ? { x: 1140 } : undefined}
          locale={{ emptyText: <span className="muted">{t('fission.iv.noInvitations')}</span> }}
          onChange={(pg) => update({ page: pg.current ?? 1, pageSize: pg.pageSize ?? 20 })}
          pagination={{ current: page, pageSize, total: list.data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
          onRow={(r) => ({ 'data-testid': `iv-row-${r.id}`, 'data-status': r.status }) as never}
          data-testid="iv-table"
        />
      </div>
      <InvitePayouts />
    </div>
  );
}
