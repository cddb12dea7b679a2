import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Button, Input, Popconfirm, Space, Table, Tabs, type TableProps } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import { api, type Query } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n, type TFunction } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { formatFen } from '../../lib/money';
import { useListParams } from '../promotions/shared';
import { saveBlob, writeXlsx } from '../promotions/sheet';
import { ErrorBar, PromoterStatusTag } from './shared';
import { RejectModal } from './RejectModal';
import type { PagedList, PromoterRow, PromoterStatus } from './types';
import '../promotions/promotions.css';

const STATUSES: PromoterStatus[] = ['pending', 'approved', 'rejected', 'disabled'];
const EXPORT_PAGE = 100;
const EXPORT_MAX_ROWS = 10_000;

function sheetRows(items: PromoterRow[], t: TFunction): string[][] {
  const yuan = (fen: number) => (fen / 100).toFixed(2);
  return [
    [
      t('fission.ds.promoter'),
      t('common.phone'),
      t('common.status'),
      t('fission.ds.parent'),
      t('fission.ds.team1'),
      t('fission.ds.team2'),
      t('fission.ds.xls.earned'),
      t('fission.ds.xls.frozen'),
      t('fission.ds.xls.payable'),
      t('fission.ds.xls.paid'),
      t('fission.ds.appliedAt'),
      'ID',
    ],
    ...items.map((p) => [
      p.nickname ?? '',
      p.phone ?? '',
      t(`fission.ds.promoter.${p.status}`),
      p.parentNickname ?? '',
      String(p.team1),
      String(p.team2),
      yuan(p.earnedFen),
      yuan(p.frozenFen),
      yuan(p.payableFen),
      yuan(p.paidFen),
      p.appliedAt ? fmtTime(p.appliedAt) : '',
      p.customerId,
    ]),
  ];
}

/** 分销员: applications to review (通过 / 拒绝 with a reason), active promoters, disabling; Excel of the list. */
export default function Promoters() {
  const { t } = useI18n();
  const { can } = useAuth();
  const manage = can('distribution:manage');
  const { params, update, page, pageSize } = useListParams();
  const status = (params.get('status') ?? undefined) as PromoterStatus | undefined;
  const q = params.get('q') ?? undefined;
  const [search, setSearch] = useState(q ?? '');
  const query: Query = { status, q, page, pageSize };
  const { data, loading, error, reload } = useApi<PagedList<PromoterRow>>('/promoters', query);
  const [busy, setBusy] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState<PromoterRow | null>(null);
  const [exporting, setExporting] = useState(false);

  const act = async (p: PromoterRow, action: 'approve' | 'disable') => {
    setBusy(p.customerId);
    try {
      await api.post(`/promoters/${p.customerId}/${action}`);
      feedback.message.success(t(`fission.ds.done.${action}`));
      reload();
    } catch (err) {
      showError(err);
    } finally {
      setBusy(null);
    }
  };

  const reject = async (reason: string) => {
    if (!rejecting) return;
    await api.post(`/promoters/${rejecting.customerId}/reject`, { reason });
    feedback.message.success(t('fission.ds.done.reject'));
    setRejecting(null);
    reload();
  };

  const doExport = async () => {
    setExporting(true);
    try {
      const all: PromoterRow[] = [];
      let total = 0;
      for (let p = 1; all.length < EXPORT_MAX_ROWS; p++) {
        const res = await api.get<PagedList<PromoterRow>>('/promoters', { status, q, page: p, pageSize: EXPORT_PAGE });
        all.push(...res.items);
        total = res.total;
        if (res.items.length < EXPORT_PAGE || all.length >= res.total) break;
      }
      const name = t('nav.promoters');
      saveBlob(writeXlsx(name, sheetRows(all.slice(0, EXPORT_MAX_ROWS), t)), `${name}-${new Date().toISOString().slice(0, 10)}.xlsx`);
      if (total > EXPORT_MAX_ROWS) feedback.message.warning(t('fission.ds.exportCapped', { n: EXPORT_MAX_ROWS, total }));
    } catch (err) {
      showError(err);
    } finally {
      setExporting(false);
    }
  };

  const columns: TableProps<PromoterRow>['columns'] = [
    {
      title: t('fission.ds.promoter'),
      key: 'who',
      width: 170,
      render: (_, p) => (
        <div>
          <Link to={`/distribution/promoters/${p.customerId}`} data-testid={`promoter-link-${p.customerId}`}>
            {p.nickname || p.customerId.slice(0, 8)}
          </Link>
          {p.phone && (
            <div className="muted" style={{ fontSize: 12 }}>
              {p.phone}
            </div>
          )}
        </div>
      ),
    },
    { title: t('common.status'), dataIndex: 'status', width: 110, render: (s: PromoterStatus) => <PromoterStatusTag status={s} /> },
    { title: t('fission.ds.parent'), dataIndex: 'parentNickname', width: 120, render: (v: string | null) => v ?? <span className="muted">-</span> },
    { title: t('fission.ds.team1'), dataIndex: 'team1', width: 80, align: 'right' },
    { title: t('fission.ds.team2'), dataIndex: 'team2', width: 80, align: 'right' },
    { title: t('fission.ds.earned'), dataIndex: 'earnedFen', width: 110, align: 'right', render: (v: number) => formatFen(v, true) },
    { title: t('fission.ds.money.frozenFen'), dataIndex: 'frozenFen', width: 110, align: 'right', render: (v: number) => formatFen(v, true) },
    { title: t('fission.ds.money.payableFen'), dataIndex: 'payableFen', width: 130, align: 'right', render: (v: number) => formatFen(v, true) },
    { title: t('fission.ds.money.paidFen'), dataIndex: 'paidFen', width: 110, align: 'right', render: (v: number) => formatFen(v, true) },
    { title: t('fission.ds.appliedAt'), dataIndex: 'appliedAt', width: 160, render: (v: string | null) => fmtTime(v) },
    {
      title: t('common.actions'),
      key: 'a',
      width: 170,
      fixed: 'right',
      render: (_, p) => (
        <Space size={0} wrap>
          <Link to={`/distribution/promoters/${p.customerId}`} style={{ padding: '0 7px' }}>
            {t('common.detail')}
          </Link>
          {manage && p.status === 'pending' && (
            <>
              <Button type="link" size="small" loading={busy === p.customerId} onClick={() => act(p, 'approve')} data-testid={`promoter-approve-${p.customerId}`}>
                {t('fission.ds.approve')}
              </Button>
              <Button type="link" size="small" danger onClick={() => setRejecting(p)} data-testid={`promoter-reject-${p.customerId}`}>
                {t('fission.ds.reject')}
              </Button>
            </>
          )}
          {manage && p.status === 'approved' && (
            <Popconfirm title={t('fission.ds.disableConfirm')} onConfirm={() => act(p, 'disable')} okText={t('fission.ds.disable')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
              <Button type="link" size="small" danger loading={busy === p.customerId} data-testid={`promoter-disable-${p.customerId}`}>
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
      <h1 className="page-title">{t('nav.promoters')}</h1>
      <Tabs
        activeKey={status ?? 'all'}
        onChange={(k) => update({ status: k === 'all' ? undefined : k })}
        items={[{ key: 'all', label: t('common.all') }, ...STATUSES.map((s) => ({ key: s, label: t(`fission.ds.promoter.${s}`) }))]}
        data-testid="promoter-tabs"
      />
      <div className="filters">
        <Input.Search
          allowClear
          style={{ width: 280 }}
          placeholder={t('fission.ds.searchPlaceholder')}
          aria-label={t('fission.ds.searchPlaceholder')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          onSearch={(v) => update({ q: v.trim() || undefined })}
          data-testid="promoter-search"
        />
        <span style={{ flex: 1 }} />
        <Button icon={<DownloadOutlined />} loading={exporting} disabled={!data?.total} onClick={doExport} data-testid="promoter-export">
          {t('common.export')}
        </Button>
      </div>
      <ErrorBar error={error} onRetry={reload} />
      <Table<PromoterRow>
        rowKey="customerId"
        loading={loading}
        columns={columns}
        dataSource={data?.items ?? []}
        scroll={data?.items.length ? { x: 1460 } : undefined}
        locale={{ emptyText: <span className="muted">{status === 'pending' ? t('fission.ds.noPending') : t('fission.ds.noPromoters')}</span> }}
        onChange={(pg) => update({ page: pg.current ?? 1, pageSize: pg.pageSize ?? 20 })}
        pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
        onRow={(p) => ({ 'data-testid': `promoter-row-${p.customerId}`, 'data-status': p.status }) as never}
        data-testid="promoter-table"
      />
      <RejectModal
        open={!!rejecting}
        title={t('fission.ds.rejectTitle', { name: rejecting?.nickname ?? '' })}
        onCancel={() => setRejecting(null)}
        onSubmit={reject}
        testId="promoter-reject-modal"
      />
    </div>
  );
}
