import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, Popconfirm, Space, Table, Tabs, type TableProps } from 'antd';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { formatFen } from '../../lib/money';
import { useListParams } from '../promotions/shared';
import { ErrorBar, WithdrawalStatusTag } from './shared';
import { RejectModal } from './RejectModal';
import type { PagedList, WithdrawalRow, WithdrawalStatus } from './types';
import '../promotions/promotions.css';

const STATUSES: WithdrawalStatus[] = ['reviewing', 'approved', 'transferring', 'wait_confirm', 'paid', 'rejected', 'failed'];

/** 提现审核: promoters' withdrawals; 通过 starts the WeChat transfer, 拒绝 returns the money to their balance. */
export default function Withdrawals() {
  const { t } = useI18n();
  const { can } = useAuth();
  const payout = can('distribution:payout');
  const { params, update, page, pageSize } = useListParams();
  const status = (params.get('status') ?? undefined) as WithdrawalStatus | undefined;
  const { data, loading, error, reload } = useApi<PagedList<WithdrawalRow>>('/withdrawals', { status, page, pageSize });
  const [busy, setBusy] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState<WithdrawalRow | null>(null);

  const approve = async (w: WithdrawalRow) => {
    setBusy(w.id);
    try {
      await api.post(`/withdrawals/${w.id}/approve`);
      feedback.message.success(t('fission.ds.wdApproved'));
      reload();
    } catch (err) {
      showError(err);
    } finally {
      setBusy(null);
    }
  };

  const columns: TableProps<WithdrawalRow>['columns'] = [
    { title: t('fission.ds.withdrawalNo'), dataIndex: 'withdrawalNo', width: 200 },
    {
      title: t('fission.ds.promoter'),
      key: 'who',
      width: 130,
      render: (_, w) => <Link to={`/distribution/promoters/${w.customerId}`}>{w.nickname || w.customerId.slice(0, 8)}</Link>,
    },
    { title: t('fission.ds.wdAmount'), dataIndex: 'amountFen', width: 110, align: 'right', render: (v: number) => formatFen(v, true) },
    { title: t('fission.ds.wdFee'), dataIndex: 'feeFen', width: 90, align: 'right', render: (v: number) => formatFen(v) },
    { title: t('fission.ds.wdPay'), dataIndex: 'payFen', width: 110, align: 'right', render: (v: number) => <b>{formatFen(v, true)}</b> },
    {
      title: t('common.status'),
      key: 'status',
      width: 170,
      render: (_, w) => (
        <div>
          <WithdrawalStatusTag status={w.status} />
          {(w.rejectReason || w.failReason) && (
            <div className="muted" style={{ fontSize: 12 }} data-testid="withdrawal-reason">
              {w.rejectReason || w.failReason}
            </div>
          )}
        </div>
      ),
    },
    { title: t('fission.ds.wdCreated'), dataIndex: 'createdAt', width: 175, render: (v: string) => fmtTime(v) },
    { title: t('fission.ds.wdReviewed'), dataIndex: 'reviewedAt', width: 175, render: (v: string | null) => fmtTime(v) },
    { title: t('fission.ds.wdPaid'), dataIndex: 'paidAt', width: 175, render: (v: string | null) => fmtTime(v) },
    ...(payout
      ? [
          {
            title: t('common.actions'),
            key: 'a',
            width: 130,
            fixed: 'right' as const,
            render: (_: unknown, w: WithdrawalRow) =>
              w.status === 'reviewing' ? (
                <Space size={0}>
                  <Popconfirm title={t('fission.ds.wdApproveConfirm', { amount: formatFen(w.payFen) })} onConfirm={() => approve(w)} okText={t('fission.ds.approve')} cancelText={t('common.cancel')}>
                    <Button type="link" size="small" loading={busy === w.id} data-testid={`withdrawal-approve-${w.id}`}>
                      {t('fission.ds.approve')}
                    </Button>
                  </Popconfirm>
                  <Button type="link" size="small" danger onClick={() => setRejecting(w)} data-testid={`withdrawal-reject-${w.id}`}>
                    {t('fission.ds.reject')}
                  </Button>
                </Space>
              ) : (
                <span className="muted">-</span>
              ),
          },
        ]
      : []),
  ];

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.withdrawals')}</h1>
      <p className="muted">{t('fission.ds.wdHint')}</p>
      {!payout && <Alert type="info" showIcon title={t('fission.ds.noPayout')} style={{ marginBottom: 12 }} data-testid="withdrawal-no-payout" />}
      <Tabs
        activeKey={status ?? 'all'}
        onChange={(k) => update({ status: k === 'all' ? undefined : k })}
        items={[{ key: 'all', label: t('common.all') }, ...STATUSES.map((s) => ({ key: s, label: t(`fission.ds.wd.${s}`) }))]}
        data-testid="withdrawal-tabs"
      />
      <ErrorBar error={error} onRetry={reload} />
      <Table<WithdrawalRow>
        rowKey="id"
        loading={loading}
        columns={columns}
        dataSource={data?.items ?? []}
        scroll={data?.items.length ? { x: 1480 } : undefined}
        locale={{ emptyText: <span className="muted">{t('fission.ds.noWithdrawals')}</span> }}
        onChange={(pg) => update({ page: pg.current ?? 1, pageSize: pg.pageSize ?? 20 })}
        pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
        onRow={(w) => ({ 'data-testid': `withdrawal-row-${w.id}`, 'data-status': w.status }) as never}
        data-testid="withdrawal-table"
      />
      <RejectModal
        open={!!rejecting}
        title={t('fission.ds.wdRejectTitle', { amount: formatFen(rejecting?.amountFen ?? 0), name: rejecting?.nickname ?? '' })}
        onCancel={() => setRejecting(null)}
        onSubmit={async (reason) => {
          await api.post(`/withdrawals/${rejecting!.id}/reject`, { reason });
          feedback.message.success(t('fission.ds.wdRejected'));
          setRejecting(null);
          reload();
        }}
        testId="withdrawal-reject-modal"
      />
    </div>
  );
}
