import { Link } from 'react-router-dom';
import { Table, Tabs, Tag, type TableProps } from 'antd';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import { useListParams } from '../promotions/shared';
import { CommissionStatusTag, ErrorBar, bpText } from './shared';
import type { CommissionRow, CommissionStatus, PagedList } from './types';
import '../promotions/promotions.css';

const STATUSES: CommissionStatus[] = ['frozen', 'payable', 'cancelled'];

/** Commission lines: the order, who earns it at which tier, the amount (less any clawback), when it thaws. */
export function CommissionTable({
  items,
  hidePromoter,
  loading,
  pagination,
  testId,
}: {
  items: CommissionRow[];
  hidePromoter?: boolean;
  loading?: boolean;
  pagination?: TableProps<CommissionRow>['pagination'];
  testId: string;
}) {
  const { t } = useI18n();
  const columns: TableProps<CommissionRow>['columns'] = [
    {
      title: t('fission.ds.orderNo'),
      key: 'order',
      width: 200,
      render: (_, c) => (c.orderId ? <Link to={`/orders/${c.orderId}`}>{c.orderNo}</Link> : c.orderNo),
    },
    ...(hidePromoter
      ? []
      : [
          {
            title: t('fission.ds.promoter'),
            key: 'promoter',
            width: 130,
            render: (_: unknown, c: CommissionRow) => {
              const name = c.promoterNickname || c.promoterId?.slice(0, 8) || '-';
              return c.promoterId ? <Link to={`/distribution/promoters/${c.promoterId}`}>{name}</Link> : name;
            },
          },
        ]),
    {
      title: t('fission.ds.buyer'),
      key: 'buyer',
      width: 120,
      render: (_, c) => (c.buyerId ? <Link to={`/customers/${c.buyerId}`}>{c.buyerNickname || c.buyerId.slice(0, 8)}</Link> : '-'),
    },
    { title: t('fission.product'), dataIndex: 'productTitle', render: (v?: string) => v ?? '-' },
    { title: t('fission.ds.tier'), dataIndex: 'tier', width: 80, render: (v: 1 | 2) => <Tag color={v === 1 ? 'blue' : 'cyan'}>{t(`fission.ds.tierN.${v}`)}</Tag> },
    {
      title: t('fission.ds.amount'),
      key: 'amount',
      width: 150,
      align: 'right',
      render: (_, c) => (
        <div>
          <div>{formatFen(c.amountFen)}</div>
          {c.mode && c.rate !== undefined && (
            <div className="muted" style={{ fontSize: 12 }}>
              {c.mode === 'percent' ? t('fission.ds.basisPct', { base: formatFen(c.baseFen), rate: bpText(c.rate) }) : t('fission.ds.basisFixed', { rate: formatFen(c.rate), n: c.quantity ?? 1 })}
            </div>
          )}
        </div>
      ),
    },
    {
      title: t('fission.ds.clawed'),
      dataIndex: 'clawedFen',
      width: 110,
      align: 'right',
      render: (v?: number) => (v ? <span style={{ color: '#cf1322' }}>-{formatFen(v)}</span> : <span className="muted">-</span>),
    },
    { title: t('common.status'), dataIndex: 'status', width: 100, render: (s: CommissionStatus) => <CommissionStatusTag status={s} /> },
    { title: t('fission.ds.thawAt'), dataIndex: 'thawAt', width: 160, render: (v?: string | null) => fmtTime(v) },
    { title: t('common.createdAt'), dataIndex: 'createdAt', width: 160, render: (v?: string) => fmtTime(v) },
  ];
  return (
    <Table<CommissionRow>
      size="small"
      rowKey="id"
      loading={loading}
      columns={columns}
      dataSource={items}
      scroll={items.length ? { x: 1300 } : undefined}
      pagination={pagination ?? (items.length > 20 ? { pageSize: 20, showSizeChanger: false } : false)}
      locale={{ emptyText: <span className="muted">{t('fission.ds.noCommissions')}</span> }}
      onRow={(c) => ({ 'data-testid': `commission-row-${c.id}`, 'data-status': c.status }) as never}
      data-testid={testId}
    />
  );
}

/** 佣金明细: every commission line by status — frozen until the after-sale window closes, then payable. */
export default function Commissions() {
  const { t } = useI18n();
  const { params, update, page, pageSize } = useListParams();
  const status = (params.get('status') ?? undefined) as CommissionStatus | undefined;
  const { data, loading, error, reload } = useApi<PagedList<CommissionRow>>('/commissions', { status, page, pageSize });
  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.commissions')}</h1>
      <p className="muted">{t('fission.ds.commissionsHint')}</p>
      <Tabs
        activeKey={status ?? 'all'}
        onChange={(k) => update({ status: k === 'all' ? undefined : k })}
        items={[{ key: 'all', label: t('common.all') }, ...STATUSES.map((s) => ({ key: s, label: t(`fission.ds.commission.${s}`) }))]}
        data-testid="commission-tabs"
      />
      <ErrorBar error={error} onRetry={reload} />
      <CommissionTable
        items={data?.items ?? []}
        loading={loading}
        testId="commission-table"
        pagination={{
          current: page,
          pageSize,
          total: data?.total ?? 0,
          showSizeChanger: true,
          showTotal: (n) => t('common.total', { n }),
          onChange: (p, ps) => update({ page: p, pageSize: ps }),
        }}
      />
    </div>
  );
}
