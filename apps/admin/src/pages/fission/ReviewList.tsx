import { useState, type ReactNode } from 'react';
import { Button, Input, Popconfirm, Table, Tabs, type TableProps } from 'antd';
import { api, type Query } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useListParams } from '../promotions/shared';
import { ErrorBar } from './shared';
import { RejectModal } from './RejectModal';

export type ReviewStatus = 'pending' | 'approved' | 'rejected' | 'disabled';
export const REVIEW_STATUSES: ReviewStatus[] = ['pending', 'approved', 'rejected', 'disabled'];

interface ReviewRow {
  customerId: string;
  status: ReviewStatus;
}

/**
 * The state of a review list (分销员 / 团长): status tab and search in the URL, the page of rows, and
 * 通过 / 停用 / 拒绝 posted to `${base}/:customerId/:action`, each confirmed with `${doneKey}.${action}`.
 */
export function useReviewList<R extends ReviewRow>(base: string, doneKey: 'fission.ds.done' | 'fission.ld.done') {
  const { t } = useI18n();
  const { params, update, page, pageSize } = useListParams();
  const status = (params.get('status') ?? undefined) as R['status'] | undefined;
  const q = params.get('q') ?? undefined;
  const [search, setSearch] = useState(q ?? '');
  const query: Query = { status, q, page, pageSize };
  const { data, loading, error, reload } = useApi<{ items: R[]; total: number }>(base, query);
  const [busy, setBusy] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState<R | null>(null);

  const act = async (row: R, action: 'approve' | 'disable') => {
    setBusy(row.customerId);
    try {
      await api.post(`${base}/${row.customerId}/${action}`);
      feedback.message.success(t(`${doneKey}.${action}`));
      reload();
    } catch (err) {
      showError(err);
    } finally {
      setBusy(null);
    }
  };

  const reject = async (reason: string) => {
    if (!rejecting) return;
    await api.post(`${base}/${rejecting.customerId}/reject`, { reason });
    feedback.message.success(t(`${doneKey}.reject`));
    setRejecting(null);
    reload();
  };

  return { status, q, search, setSearch, update, page, pageSize, data, loading, error, reload, busy, rejecting, setRejecting, act, reject };
}

export type ReviewListState<R extends ReviewRow> = ReturnType<typeof useReviewList<R>>;

/** 通过 / 拒绝 on a pending row and 停用 (confirmed) on an approved one, for those who may manage. */
export function ReviewActions<R extends ReviewRow>({ row, list, manage, testIdPrefix, disableConfirm }: { row: R; list: ReviewListState<R>; manage: boolean; testIdPrefix: string; disableConfirm: string }) {
  const { t } = useI18n();
  if (!manage) return null;
  if (row.status === 'pending') {
    return (
      <>
        <Button type="link" size="small" loading={list.busy === row.customerId} onClick={() => list.act(row, 'approve')} data-testid={`${testIdPrefix}-approve-${row.customerId}`}>
          {t('fission.ds.approve')}
        </Button>
        <Button type="link" size="small" danger onClick={() => list.setRejecting(row)} data-testid={`${testIdPrefix}-reject-${row.customerId}`}>
          {t('fission.ds.reject')}
        </Button>
      </>
    );
  }
  if (row.status === 'approved') {
    return (
      <Popconfirm title={disableConfirm} onConfirm={() => list.act(row, 'disable')} okText={t('fission.ds.disable')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
        <Button type="link" size="small" danger loading={list.busy === row.customerId} data-testid={`${testIdPrefix}-disable-${row.customerId}`}>
          {t('fission.ds.disable')}
        </Button>
      </Popconfirm>
    );
  }
  return null;
}

interface Props<R extends ReviewRow> {
  list: ReviewListState<R>;
  title: string;
  /** `promoter` / `leader`: the data-testids are `${testIdPrefix}-tabs`, `-search`, `-table`, `-row-<id>`, `-reject-modal`. */
  testIdPrefix: string;
  statusLabel: (s: ReviewStatus) => string;
  searchPlaceholder: string;
  /** After the search box (export and the like). */
  toolbar?: ReactNode;
  columns: TableProps<R>['columns'];
  scrollX: number;
  emptyText: string;
  rejectTitle: (row: R | null) => string;
  /** Drawers and the like, after the reject modal. */
  children?: ReactNode;
}

/** A review list page: status tabs, search, the table with paging, and the reject modal. */
export function ReviewListPage<R extends ReviewRow>({ list, title, testIdPrefix, statusLabel, searchPlaceholder, toolbar, columns, scrollX, emptyText, rejectTitle, children }: Props<R>) {
  const { t } = useI18n();
  const { status, search, setSearch, update, page, pageSize, data, loading, error, reload, rejecting, setRejecting, reject } = list;
  return (
    <div className="page-card">
      <h1 className="page-title">{title}</h1>
      <Tabs
        activeKey={status ?? 'all'}
        onChange={(k) => update({ status: k === 'all' ? undefined : k })}
        items={[{ key: 'all', label: t('common.all') }, ...REVIEW_STATUSES.map((s) => ({ key: s, label: statusLabel(s) }))]}
        data-testid={`${testIdPrefix}-tabs`}
      />
      <div className="filters">
        <Input.Search
          allowClear
          style={{ width: 280 }}
          placeholder={searchPlaceholder}
          aria-label={searchPlaceholder}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          onSearch={(v) => update({ q: v.trim() || undefined })}
          data-testid={`${testIdPrefix}-search`}
        />
        {toolbar}
      </div>
      <ErrorBar error={error} onRetry={reload} />
      <Table<R>
        rowKey="customerId"
        loading={loading}
        columns={columns}
        dataSource={data?.items ?? []}
        scroll={data?.items.length ? { x: scrollX } : undefined}
        locale={{ emptyText: <span className="muted">{emptyText}</span> }}
        onChange={(pg) => update({ page: pg.current ?? 1, pageSize: pg.pageSize ?? 20 })}
        pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
        onRow={(r) => ({ 'data-testid': `${testIdPrefix}-row-${r.customerId}`, 'data-status': r.status }) as never}
        data-testid={`${testIdPrefix}-table`}
      />
      <RejectModal open={!!rejecting} title={rejectTitle(rejecting)} onCancel={() => setRejecting(null)} onSubmit={reject} testId={`${testIdPrefix}-reject-modal`} />
      {children}
    </div>
  );
}
