import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Button, Space, type TableProps } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { fmtTime } from '../../lib/format';
import { useI18n, type TFunction } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { formatFen } from '../../lib/money';
import { saveBlob, writeXlsx } from '../promotions/sheet';
import { PromoterStatusTag } from './shared';
import { ReviewActions, ReviewListPage, useReviewList } from './ReviewList';
import type { PagedList, PromoterRow, PromoterStatus } from './types';
import '../promotions/promotions.css';

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
  const list = useReviewList<PromoterRow>('/promoters', 'fission.ds.done');
  const { status, q, data } = list;
  const [exporting, setExporting] = useState(false);

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
          <ReviewActions row={p} list={list} manage={manage} testIdPrefix="promoter" disableConfirm={t('fission.ds.disableConfirm')} />
        </Space>
      ),
    },
  ];

  return (
    <ReviewListPage<PromoterRow>
      list={list}
      title={t('nav.promoters')}
      testIdPrefix="promoter"
      statusLabel={(s) => t(`fission.ds.promoter.${s}`)}
      searchPlaceholder={t('fission.ds.searchPlaceholder')}
      toolbar={
        <>
          <span style={{ flex: 1 }} />
          <Button icon={<DownloadOutlined />} loading={exporting} disabled={!data?.total} onClick={doExport} data-testid="promoter-export">
            {t('common.export')}
          </Button>
        </>
      }
      columns={columns}
      scrollX={1460}
      emptyText={status === 'pending' ? t('fission.ds.noPending') : t('fission.ds.noPromoters')}
      rejectTitle={(r) => t('fission.ds.rejectTitle', { name: r?.nickname ?? '' })}
    />
  );
}
