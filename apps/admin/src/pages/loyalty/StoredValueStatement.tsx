import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Button, DatePicker, Input, Select, Table } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { STORED_VALUE_KINDS } from '@siyu/contracts';
import { downloadUrl } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useApi } from '../../lib/hooks';
import { useI18n, type TFunction } from '../../lib/i18n';
import { fmtTime } from '../../lib/format';
import { formatFen } from '../../lib/money';
import type { Paged } from '../../lib/types';

export type StoredValueKind = (typeof STORED_VALUE_KINDS)[number];

/** One posting of a member balance, as the statement and the customer page show it. */
export interface StoredValuePosting {
  id: number;
  customerId: string;
  phone?: string | null;
  kind: StoredValueKind;
  kindLabel: string;
  orderId: string | null;
  principalDeltaFen: number;
  bonusDeltaFen: number;
  deltaFen: number;
  principalAfterFen: number;
  bonusAfterFen: number;
  balanceAfterFen: number;
  note: string | null;
  createdAt: string;
}

/** "+¥20.00" green, "−¥5.00" red, "-" for nothing. */
export function signedFen(fen: number) {
  if (fen === 0) return <span className="muted">-</span>;
  return <span style={{ color: fen > 0 ? '#237804' : '#cf1322', fontWeight: 500 }}>{fen > 0 ? `+${formatFen(fen, true)}` : `−${formatFen(-fen, true)}`}</span>;
}

/** The columns both the statement and a customer's ledger show (the statement adds the member). */
export function postingColumns(t: TFunction) {
  return [
    { title: t('sv.col.time'), dataIndex: 'createdAt', width: 170, render: (v: string) => fmtTime(v) },
    { title: t('sv.col.kind'), dataIndex: 'kind', width: 100, render: (k: StoredValueKind) => t(`sv.kind.${k}`) },
    { title: t('sv.col.principal'), dataIndex: 'principalDeltaFen', width: 120, align: 'right' as const, render: signedFen },
    { title: t('sv.col.bonus'), dataIndex: 'bonusDeltaFen', width: 120, align: 'right' as const, render: signedFen },
    { title: t('sv.col.delta'), dataIndex: 'deltaFen', width: 120, align: 'right' as const, render: signedFen },
    {
      title: t('sv.col.after'),
      key: 'after',
      width: 150,
      align: 'right' as const,
      render: (_: unknown, p: StoredValuePosting) => (
        <span title={t('sv.afterSplit', { principal: formatFen(p.principalAfterFen, true), bonus: formatFen(p.bonusAfterFen, true) })}>{formatFen(p.balanceAfterFen, true)}</span>
      ),
    },
    {
      title: t('sv.col.note'),
      key: 'note',
      render: (_: unknown, p: StoredValuePosting) => (
        <span>
          {p.note ?? ''}
          {p.orderId && (
            <>
              {p.note ? ' · ' : ''}
              <Link to={`/orders/${p.orderId}`}>{t('sv.viewOrder')}</Link>
            </>
          )}
          {!p.note && !p.orderId && '-'}
        </span>
      ),
    },
  ];
}

interface Filters {
  from?: string;
  to?: string;
  kind?: StoredValueKind;
  phone?: string;
}

/** 储值流水: every posting of every member, filtered by date, kind and phone; Excel export. */
export default function StoredValueStatement() {
  const { t } = useI18n();
  const { can } = useAuth();
  const [filters, setFilters] = useState<Filters>({});
  const [phone, setPhone] = useState('');
  const [range, setRange] = useState<[Dayjs, Dayjs] | null>(null);
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const { data, loading, error } = useApi<Paged<StoredValuePosting>>('/stored-value/statement', { ...filters, page, pageSize });

  const apply = (patch: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...patch }));
    setPage(1);
  };

  return (
    <div data-testid="sv-statement">
      <div className="filters">
        <DatePicker.RangePicker
          value={range}
          placeholder={[t('common.startDate'), t('common.endDate')]}
          aria-label={t('sv.filter.date')}
          onChange={(v) => {
            setRange(v && v[0] && v[1] ? [v[0], v[1]] : null);
            apply({ from: v?.[0] ? v[0].startOf('day').toISOString() : undefined, to: v?.[1] ? v[1].endOf('day').toISOString() : undefined });
          }}
          data-testid="sv-filter-date"
        />
        <Select<StoredValueKind | 'all'>
          style={{ width: 140 }}
          value={filters.kind ?? 'all'}
          aria-label={t('sv.col.kind')}
          onChange={(k) => apply({ kind: k === 'all' ? undefined : k })}
          options={[{ value: 'all', label: t('sv.filter.allKinds') }, ...STORED_VALUE_KINDS.map((k) => ({ value: k, label: t(`sv.kind.${k}`) }))]}
          data-testid="sv-filter-kind"
        />
        <Input
          allowClear
          style={{ width: 180 }}
          placeholder={t('order.searchPhone')}
          aria-label={t('order.searchPhone')}
          inputMode="numeric"
          value={phone}
          onChange={(e) => setPhone(e.target.value.replace(/\D/g, ''))}
          onPressEnter={() => apply({ phone: phone.trim() || undefined })}
          data-testid="sv-filter-phone"
        />
        <Button type="primary" onClick={() => apply({ phone: phone.trim() || undefined })} data-testid="sv-search">
          {t('common.search')}
        </Button>
        <Button
          onClick={() => {
            setPhone('');
            setRange(null);
            setFilters({});
            setPage(1);
          }}
        >
          {t('common.reset')}
        </Button>
        <span style={{ flex: 1 }} />
        {can('customers:export') && (
          <Button icon={<DownloadOutlined />} href={downloadUrl('/stored-value/statement.xlsx', { from: filters.from, to: filters.to, kind: filters.kind, phone: filters.phone })} data-testid="sv-export">
            {t('common.export')}
          </Button>
        )}
      </div>
      {error && <p style={{ color: '#cf1322' }} role="alert">{error.message}</p>}
      <Table<StoredValuePosting>
        rowKey="id"
        size="small"
        loading={loading}
        dataSource={data?.items ?? []}
        scroll={{ x: 1150 }}
        locale={{ emptyText: <span className="muted">{t('sv.statementEmpty')}</span> }}
        onChange={(pg) => {
          setPage(pg.current ?? 1);
          setPageSize(pg.pageSize ?? 20);
        }}
        pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
        data-testid="sv-statement-table"
        columns={[
          postingColumns(t)[0],
          {
            title: t('sv.col.member'),
            key: 'member',
            width: 140,
            render: (_: unknown, p: StoredValuePosting) => <Link to={`/customers/${p.customerId}`}>{p.phone ?? p.customerId.slice(0, 8)}</Link>,
          },
          ...postingColumns(t).slice(1),
        ]}
      />
    </div>
  );
}
