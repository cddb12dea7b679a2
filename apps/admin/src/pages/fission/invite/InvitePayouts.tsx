import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Table, Tabs, Tag, Tooltip, type TableProps } from 'antd';
import { fmtTime } from '../../../lib/format';
import { useApi } from '../../../lib/hooks';
import { useI18n } from '../../../lib/i18n';
import { ErrorBar } from '../shared';

export type PayoutStatus = 'pending' | 'transferring' | 'wait_confirm' | 'paid' | 'failed' | 'cancelled';
const STATUSES: PayoutStatus[] = ['wait_confirm', 'paid', 'failed', 'cancelled'];
const COLORS: Record<PayoutStatus, string> = { pending: 'default', transferring: 'processing', wait_confirm: 'processing', paid: 'green', failed: 'orange', cancelled: 'orange' };

interface Payout {
  id: string;
  invitationId: string;
  customerId: string;
  nickname: string | null;
  side: 'inviter' | 'invitee';
  amountFen: number;
  outBillNo: string;
  status: PayoutStatus;
  failReason: string | null;
  creditedToBalance: boolean;
  createdAt: string;
  paidAt: string | null;
  creditedAt: string | null;
}

/** 现金奖励转账: invitation cash paid as WeChat change, and those that went into the member balance instead. */
export default function InvitePayouts() {
  const { t } = useI18n();
  const [status, setStatus] = useState<PayoutStatus | undefined>();
  const [paging, setPaging] = useState({ page: 1, pageSize: 10 });
  const list = useApi<{ items: Payout[]; total: number }>('/invitations/payouts', { status, ...paging });
  if (!status && paging.page === 1 && list.data && list.data.total === 0) return null;

  const columns: TableProps<Payout>['columns'] = [
    { title: t('fission.iv.payouts.customer'), key: 'c', width: 150, render: (_, r) => <Link to={`/customers/${r.customerId}`}>{r.nickname || r.customerId.slice(0, 8)}</Link> },
    { title: t('fission.iv.payouts.side'), dataIndex: 'side', width: 90, render: (v: Payout['side']) => t(v === 'inviter' ? 'fission.iv.inviter' : 'fission.iv.invitee') },
    { title: t('fission.iv.payouts.amount'), dataIndex: 'amountFen', width: 100, align: 'right', render: (v: number) => `¥${(v / 100).toFixed(2)}` },
    {
      title: t('common.status'),
      dataIndex: 'status',
      width: 150,
      render: (s: PayoutStatus, r) => (
        <>
          <Tag color={COLORS[s]}>{t(`fission.iv.payouts.status.${s}`)}</Tag>
          {r.creditedToBalance && (
            <Tooltip title={r.failReason ?? undefined}>
              <Tag>{t('fission.iv.payouts.toBalance')}</Tag>
            </Tooltip>
          )}
        </>
      ),
    },
    { title: t('fission.iv.payouts.billNo'), dataIndex: 'outBillNo', width: 230 },
    { title: t('fission.iv.payouts.createdAt'), dataIndex: 'createdAt', width: 160, render: (v: string) => fmtTime(v) },
    { title: t('fission.iv.payouts.doneAt'), key: 'done', width: 160, render: (_, r) => fmtTime(r.paidAt ?? r.creditedAt) },
  ];

  return (
    <div className="page-card">
      <h2 className="page-title" style={{ fontSize: 16 }}>
        {t('fission.iv.payouts.title')}
      </h2>
      <p className="muted">{t('fission.iv.payouts.hint')}</p>
      <Tabs
        activeKey={status ?? 'all'}
        onChange={(k) => {
          setStatus(k === 'all' ? undefined : (k as PayoutStatus));
          setPaging((p) => ({ ...p, page: 1 }));
        }}
        items={[{ key: 'all', label: t('common.all') }, ...STATUSES.map((s) => ({ key: s, label: t(`fission.iv.payouts.status.${s}`) }))]}
        data-testid="iv-payout-tabs"
      />
      <ErrorBar error={list.error} onRetry={list.reload} />
      <Table<Payout>
        rowKey="id"
        loading={list.loading}
        columns={columns}
        dataSource={list.data?.items ?? []}
        scroll={list.data?.items.length ? { x: 1040 } : undefined}
        onChange={(pg) => setPaging({ page: pg.current ?? 1, pageSize: pg.pageSize ?? 10 })}
        pagination={{ current: paging.page, pageSize: paging.pageSize, total: list.data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
        onRow={(r) => ({ 'data-testid': `iv-payout-${r.id}`, 'data-status': r.status }) as never}
        data-testid="iv-payout-table"
      />
    </div>
  );
}
