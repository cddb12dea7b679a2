import { useState } from 'react';
import { Button, Input, Popconfirm, Space, Table, Tabs, Tag, Tooltip, type TableProps } from 'antd';
import { api, type Query } from '../../../lib/api';
import { feedback, showError } from '../../../lib/feedback';
import { fmtTime } from '../../../lib/format';
import { useApi } from '../../../lib/hooks';
import { useI18n } from '../../../lib/i18n';
import { useAuth } from '../../../lib/auth';
import { formatFen } from '../../../lib/money';
import { useListParams } from '../../promotions/shared';
import { ErrorBar } from '../shared';
import { RejectModal } from '../RejectModal';
import { PickListDrawer } from './PickListDrawer';
import { LEADER_STATUSES, type LeaderRow, type LeaderStatus } from './types';
import '../../promotions/promotions.css';

const STATUS_COLORS: Record<LeaderStatus, string> = { pending: 'gold', approved: 'green', rejected: 'red', disabled: 'default' };
export function LeaderStatusTag({ status }: { status: LeaderStatus }) {
  const { t } = useI18n();
  return <Tag color={STATUS_COLORS[status] ?? 'default'}>{t(`fission.ld.status.${status}`)}</Tag>;
}

/** 团长: applications to review (通过 creates the leader's pickup point; 拒绝 with a reason), leaders, disabling, 拣货单. */
export default function Leaders() {
  const { t } = useI18n();
  const { can } = useAuth();
  const manage = can('distribution:manage');
  const { params, update, page, pageSize } = useListParams();
  const status = (params.get('status') ?? undefined) as LeaderStatus | undefined;
  const q = params.get('q') ?? undefined;
  const [search, setSearch] = useState(q ?? '');
  const query: Query = { status, q, page, pageSize };
  const { data, loading, error, reload } = useApi<{ items: LeaderRow[]; total: number }>('/leaders', query);
  const [busy, setBusy] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState<LeaderRow | null>(null);
  const [picking, setPicking] = useState<LeaderRow | null>(null);

  const act = async (l: LeaderRow, action: 'approve' | 'disable') => {
    setBusy(l.customerId);
    try {
      await api.post(`/leaders/${l.customerId}/${action}`);
      feedback.message.success(t(`fission.ld.done.${action}`));
      reload();
    } catch (err) {
      showError(err);
    } finally {
      setBusy(null);
    }
  };

  const reject = async (reason: string) => {
    if (!rejecting) return;
    await api.post(`/leaders/${rejecting.customerId}/reject`, { reason });
    feedback.message.success(t('fission.ld.done.reject'));
    setRejecting(null);
    reload();
  };

  const columns: TableProps<LeaderRow>['columns'] = [
    {
      title: t('fission.ld.leader'),
      key: 'who',
      width: 150,
      render: (_, l) => (
        <div>
          <div>{l.name}</div>
          {l.phone && <div className="muted" style={{ fontSize: 12 }}>{l.phone}</div>}
        </div>
      ),
    },
    { title: t('common.status'), dataIndex: 'status', width: 120, render: (s: LeaderStatus, l) => (
        <div>
          <LeaderStatusTag status={s} />
          {l.status === 'rejected' && l.rejectReason && (
            <Tooltip title={l.rejectReason}>
              <div className="muted" style={{ fontSize: 12, maxWidth: 110, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} data-testid={`leader-reject-reason-${l.customerId}`}>
                {l.rejectReason}
              </div>
            </Tooltip>
          )}
        </div>
      ) },
    {
      title: t('fission.ld.point'),
      key: 'point',
      width: 240,
      render: (_, l) => (
        <div>
          <div>{l.pointName || '-'}</div>
          <div className="muted" style={{ fontSize: 12 }}>{l.address}</div>
          {l.hours && <div className="muted" style={{ fontSize: 12 }}>{t('fission.ld.hours')}: {l.hours}</div>}
        </div>
      ),
    },
    { title: t('fission.ld.customers'), dataIndex: 'customers', width: 100, align: 'right' },
    { title: t('fission.ld.ordersVerified'), dataIndex: 'ordersVerified', width: 110, align: 'right' },
    { title: t('fission.ld.commission'), dataIndex: 'commissionFen', width: 110, align: 'right', render: (v: number) => formatFen(v, true) },
    { title: t('fission.ld.unsettled'), dataIndex: 'unsettledFen', width: 110, align: 'right', render: (v: number) => formatFen(v, true) },
    { title: t('fission.ld.appliedAt'), dataIndex: 'appliedAt', width: 160, render: (v: string | null) => fmtTime(v) },
    {
      title: t('common.actions'),
      key: 'a',
      width: 150,
      fixed: 'right',
      render: (_, l) => (
        <Space size={0} wrap>
          {(l.status === 'approved' || l.status === 'disabled') && (
            <Button type="link" size="small" onClick={() => setPicking(l)} data-testid={`leader-pick-${l.customerId}`}>
              {t('fission.ld.pickList')}
            </Button>
          )}
          {manage && l.status === 'pending' && (
            <>
              <Button type="link" size="small" loading={busy === l.customerId} onClick={() => act(l, 'approve')} data-testid={`leader-approve-${l.customerId}`}>
                {t('fission.ds.approve')}
              </Button>
              <Button type="link" size="small" danger onClick={() => setRejecting(l)} data-testid={`leader-reject-${l.customerId}`}>
                {t('fission.ds.reject')}
              </Button>
            </>
          )}
          {manage && l.status === 'approved' && (
            <Popconfirm title={t('fission.ld.disableConfirm')} onConfirm={() => act(l, 'disable')} okText={t('fission.ds.disable')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
              <Button type="link" size="small" danger loading={busy === l.customerId} data-testid={`leader-disable-${l.customerId}`}>
                {t('fission.ds.disable')}
              </Button>
            </Popconfirm>
          )}
        </Space>
      ),
    },
  ];

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.leaders')}</h1>
      <Tabs
        activeKey={status ?? 'all'}
        onChange={(k) => update({ status: k === 'all' ? undefined : k })}
        items={[{ key: 'all', label: t('common.all') }, ...LEADER_STATUSES.map((s) => ({ key: s, label: t(`fission.ld.status.${s}`) }))]}
        data-testid="leader-tabs"
      />
      <div className="filters">
        <Input.Search
          allowClear
          style={{ width: 280 }}
          placeholder={t('fission.ld.searchPlaceholder')}
          aria-label={t('fission.ld.searchPlaceholder')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          onSearch={(v) => update({ q: v.trim() || undefined })}
          data-testid="leader-search"
        />
      </div>
      <ErrorBar error={error} onRetry={reload} />
      <Table<LeaderRow>
        rowKey="customerId"
        loading={loading}
        columns={columns}
        dataSource={data?.items ?? []}
        scroll={data?.items.length ? { x: 1360 } : undefined}
        locale={{ emptyText: <span className="muted">{status === 'pending' ? t('fission.ld.noPending') : t('fission.ld.noLeaders')}</span> }}
        onChange={(pg) => update({ page: pg.current ?? 1, pageSize: pg.pageSize ?? 20 })}
        pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
        onRow={(l) => ({ 'data-testid': `leader-row-${l.customerId}`, 'data-status': l.status }) as never}
        data-testid="leader-table"
      />
      <RejectModal open={!!rejecting} title={t('fission.ld.rejectTitle', { name: rejecting?.name ?? '' })} onCancel={() => setRejecting(null)} onSubmit={reject} testId="leader-reject-modal" />
      <PickListDrawer leader={picking} onClose={() => setPicking(null)} />
    </div>
  );
}
