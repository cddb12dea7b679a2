import { useState } from 'react';
import { Button, Space, Tag, Tooltip, type TableProps } from 'antd';
import { fmtTime } from '../../../lib/format';
import { useI18n } from '../../../lib/i18n';
import { useAuth } from '../../../lib/auth';
import { formatFen } from '../../../lib/money';
import { ReviewActions, ReviewListPage, useReviewList } from '../ReviewList';
import { PickListDrawer } from './PickListDrawer';
import { type LeaderRow, type LeaderStatus } from './types';
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
  const list = useReviewList<LeaderRow>('/leaders', 'fission.ld.done');
  const [picking, setPicking] = useState<LeaderRow | null>(null);

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
          <ReviewActions row={l} list={list} manage={manage} testIdPrefix="leader" disableConfirm={t('fission.ld.disableConfirm')} />
        </Space>
      ),
    },
  ];

  return (
    <ReviewListPage<LeaderRow>
      list={list}
      title={t('nav.leaders')}
      testIdPrefix="leader"
      statusLabel={(s) => t(`fission.ld.status.${s}`)}
      searchPlaceholder={t('fission.ld.searchPlaceholder')}
      columns={columns}
      scrollX={1360}
      emptyText={list.status === 'pending' ? t('fission.ld.noPending') : t('fission.ld.noLeaders')}
      rejectTitle={(r) => t('fission.ld.rejectTitle', { name: r?.name ?? '' })}
    >
      <PickListDrawer leader={picking} onClose={() => setPicking(null)} />
    </ReviewListPage>
  );
}
