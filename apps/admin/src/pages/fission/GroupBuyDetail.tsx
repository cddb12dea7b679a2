import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Col, Skeleton, Table, Tabs, Tag, type TableProps } from 'antd';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import { LoadError } from '../../components/Results';
import Chart from '../../components/Chart';
import { groupDailyOption } from './charts';
import { ActivityHeader, ErrorBar, GroupFill, GroupStatusTag, LeaderModeTag, ProductCell, StatTile, WindowText, durationText, fmtMinute } from './shared';
import type { Group, GroupBuyDetail as Detail, GroupBuyItem, GroupMember, GroupStatus, PagedList } from './types';
import '../promotions/promotions.css';

const STATUSES: GroupStatus[] = ['open', 'succeeded', 'failed'];

/** A group's members: the leader first, real customers with their order, refunded ones marked, then the 系统补位 seats. */
function Members({ g }: { g: Group }) {
  const { t } = useI18n();
  const ordered = [...g.members].sort((a, b) => Number(b.isLeader) - Number(a.isLeader));
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 2, fontSize: 12 }} data-testid={`group-members-${g.id}`}>
      {ordered.map((m: GroupMember) => (
        <div key={`${m.customerId}-${m.orderId}`} data-testid="group-member">
          {m.isLeader && <Tag color="orange">{t('fission.gb.leaderTag')}</Tag>}
          <Link to={`/customers/${m.customerId}`}>{m.nickname || m.customerId.slice(0, 8)}</Link>
          <span className="muted"> · </span>
          <Link to={`/orders/${m.orderId}`}>{m.orderNo ?? t('fission.gb.order')}</Link>
          <span className="muted"> · {fmtMinute(m.joinedAt)}</span>
          {m.moved && (
            <Tag color="blue" style={{ marginLeft: 6 }} title={t('fission.gb.movedHint')}>
              {t('fission.gb.moved')}
            </Tag>
          )}
          {!m.refundedAt && m.status === 'refunding' && (
            <Tag color="orange" style={{ marginLeft: 6 }} data-testid="group-member-refunding">
              {t('fission.gb.refunding')}
            </Tag>
          )}
          {m.refundedAt && (
            <Tag color="red" style={{ marginLeft: 6 }} data-testid="group-member-refunded">
              {t('fission.gb.refunded', { at: fmtMinute(m.refundedAt) })}
            </Tag>
          )}
          {!!m.tierRefundFen && (
            <Tag color="green" style={{ marginLeft: 6 }} data-testid="group-member-tier-refund">
              {t('fission.gb.tierRefund', { amount: formatFen(m.tierRefundFen) })}
            </Tag>
          )}
        </div>
      ))}
      {Array.from({ length: g.virtualSeats }, (_, i) => (
        <div key={`v${i}`} data-testid="group-member-virtual">
          <Tag>{t('fission.gb.virtualSeat')}</Tag>
          <span className="muted">{t('fission.gb.virtualSeatNote')}</span>
        </div>
      ))}
    </div>
  );
}

/** 阶梯团: the tier a group has reached so far, and whether the difference has gone back. */
function TierCell({ g, tierSizes }: { g: Group; tierSizes: number[] }) {
  const { t } = useI18n();
  if (g.status === 'failed') return <span className="muted">-</span>;
  const reached = g.tierSizeReached ?? tierSizes.filter((n) => n <= g.filled).at(-1) ?? null;
  return (
    <div style={{ fontSize: 12 }} data-testid={`group-tier-${g.id}`}>
      <div>{reached ? t('fission.gb.tierReached', { n: reached }) : t('fission.gb.tierNotYet', { n: tierSizes[0] })}</div>
      <div className="muted">{g.settledAt ? t('fission.gb.tierSettled', { at: fmtMinute(g.settledAt) }) : g.status === 'succeeded' ? t('fission.gb.tierGrowing') : ''}</div>
    </div>
  );
}

/** One 拼团: its rules, SKUs, results, the last 30 days, and every group with its members. */
export default function GroupBuyDetail() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const detail = useApi<Detail>(`/group-buys/${id}`);
  const [status, setStatus] = useState<GroupStatus | 'all'>('all');
  const [page, setPage] = useState(1);
  const pageSize = 20;
  const groups = useApi<PagedList<Group>>(`/group-buys/${id}/groups`, { status: status === 'all' ? undefined : status, page, pageSize });
  const g = detail.data;
  const option = useMemo(() => (g?.daily ? groupDailyOption(g.daily, t) : null), [g?.daily, t]);

  if (detail.error) return <LoadError error={detail.error} onRetry={detail.reload} />;
  if (!g) return <div className="page-card"><Skeleton active /></div>;

  const columns: TableProps<Group>['columns'] = [
    { title: t('fission.gb.groupNo'), dataIndex: 'id', width: 100, render: (v: string) => <code>{v.slice(0, 8)}</code> },
    { title: t('common.status'), dataIndex: 'status', width: 90, render: (s: GroupStatus) => <GroupStatusTag status={s} /> },
    { title: t('fission.gb.fill'), key: 'fill', width: 170, render: (_, r) => <GroupFill size={r.size} filled={r.filled} virtualSeats={r.virtualSeats} /> },
    ...(g.tierSizes
      ? [{ title: t('fission.gb.tierColumn'), key: 'tier', width: 150, render: (_: unknown, r: Group) => <TierCell g={r} tierSizes={g.tierSizes!} /> }]
      : []),
    { title: t('fission.gb.members'), key: 'members', render: (_, r) => <Members g={r} /> },
    { title: t('fission.gb.openedAt'), dataIndex: 'openedAt', width: 140, render: (v: string) => fmtMinute(v) },
    { title: t('fission.gb.expiresAt'), dataIndex: 'expiresAt', width: 140, render: (v: string) => fmtMinute(v) },
    { title: t('fission.gb.endedAt'), dataIndex: 'endedAt', width: 140, render: (v: string | null) => fmtMinute(v) },
  ];

  const stats = [
    ['groupsOpen', g.stats.groupsOpen],
    ['groupsSucceeded', g.stats.groupsSucceeded],
    ['groupsFailed', g.stats.groupsFailed],
    ['membersPaid', g.stats.membersPaid],
    ['paidFen', formatFen(g.stats.paidFen, true)],
  ] as const;
  const settled = g.stats.groupsSucceeded + g.stats.groupsFailed;

  return (
    <div>
      <ActivityHeader<Detail>
        a={g}
        testPrefix="groupbuy"
        tags={
          <>
            <LeaderModeTag mode={g.leaderMode} />
            {g.newCustomerOnly && <Tag color="magenta">{t('fission.gb.newOnlyTag')}</Tag>}
            {g.virtualThresholdPct !== null && <Tag color="gold">{t('fission.gb.virtualTag', { n: g.virtualThresholdPct })}</Tag>}
            {g.tierSizes && <Tag color="purple" data-testid="groupbuy-tiered-tag">{t('fission.gb.tieredTag', { sizes: g.tierSizes.join(' / ') })}</Tag>}
          </>
        }
        meta={
          <>
            <ProductCell title={g.productTitle} imageUrl={g.imageUrl} />
            <WindowText a={g} />
            <span>
              {g.tierSizes ? t('fission.gb.tierSizeText', { min: g.tierSizes[0], max: g.groupSize }) : t('fission.gb.sizeText', { n: g.groupSize })} · {t('fission.gb.durationText', { d: durationText(g.durationMinutes, t) })}
            </span>
            <span>{t('fission.gb.limitsText', { order: g.perOrderLimit, customer: g.perCustomerLimit })}</span>
          </>
        }
        endConfirm={t('fission.gb.endConfirm')}
        endPath={`/group-buys/${id}/end`}
        onEnded={(next) => detail.setData({ ...next, daily: next.daily ?? g.daily ?? [] })}
      >
        {stats.map(([k, v]) => (
          <Col key={k} xs={12} md={8} xl={4}>
            <StatTile label={t(`fission.gb.stats.${k}`)} value={v} testId={`groupbuy-stat-${k}`} />
          </Col>
        ))}
        <Col xs={12} md={8} xl={4}>
          <StatTile label={t('fission.gb.stats.successRate')} value={settled ? `${Math.round((g.stats.groupsSucceeded / settled) * 100)}%` : '-'} testId="groupbuy-stat-rate" />
        </Col>
      </ActivityHeader>
      <div className="page-card">
        <h2 className="page-title" style={{ fontSize: 16 }}>
          {t('fission.skus')}
        </h2>
        <Table
          size="small"
          rowKey="skuId"
          pagination={false}
          dataSource={g.items}
          style={{ maxWidth: 760 }}
          data-testid="groupbuy-items"
          columns={[
            { title: t('fission.sku'), dataIndex: 'specText', render: (s: string) => s || t('fission.defaultSku') },
            { title: t('fission.price'), dataIndex: 'priceFen', width: 110, render: (v: number) => formatFen(v) },
            ...(g.tierSizes
              ? g.tierSizes.map((n, k) => ({
                  title: t('fission.gb.tierPrice', { n }),
                  key: `tier${k}`,
                  width: 110,
                  render: (_: unknown, it: GroupBuyItem) => <span style={{ color: '#cf1322' }}>{formatFen(it.tierPricesFen?.[k] ?? it.groupPriceFen)}</span>,
                }))
              : [
                  { title: t('fission.gb.groupPrice'), dataIndex: 'groupPriceFen', width: 120, render: (v: number) => <span style={{ color: '#cf1322' }}>{formatFen(v)}</span> },
                  { title: t('fission.gb.leaderPrice'), dataIndex: 'leaderPriceFen', width: 120, render: (v: number) => formatFen(v) },
                ]),
          ]}
        />
      </div>
      <div className="page-card">
        <h2 className="page-title" style={{ fontSize: 16 }}>
          {t('fission.gb.chartTitle')}
        </h2>
        {option && (
          <Chart option={option} height={280} label={t('fission.gb.chartTitle')} testId="groupbuy-chart" />
        )}
      </div>
      <div className="page-card">
        <h2 className="page-title" style={{ fontSize: 16 }}>
          {t('fission.gb.groups')}
        </h2>
        <Tabs
          activeKey={status}
          onChange={(k) => {
            setStatus(k as GroupStatus | 'all');
            setPage(1);
          }}
          items={[{ key: 'all', label: t('common.all') }, ...STATUSES.map((s) => ({ key: s, label: t(`fission.gb.group.${s}`) }))]}
          data-testid="groupbuy-group-tabs"
        />
        <ErrorBar error={groups.error} onRetry={groups.reload} />
        <Table<Group>
          size="small"
          rowKey="id"
          loading={groups.loading}
          columns={columns}
          dataSource={groups.data?.items ?? []}
          scroll={groups.data?.items.length ? { x: 1200 } : undefined}
          locale={{ emptyText: <span className="muted">{t('fission.gb.noGroups')}</span> }}
          pagination={{ current: page, pageSize, total: groups.data?.total ?? 0, showSizeChanger: false, onChange: setPage, showTotal: (n) => t('common.total', { n }) }}
          onRow={(r) => ({ 'data-testid': `group-row-${r.id}`, 'data-status': r.status }) as never}
          data-testid="groupbuy-groups"
        />
      </div>
    </div>
  );
}
