import type { ReactNode } from 'react';
import { Button, Input, Popconfirm, Select, Table, Tabs, type TableProps } from 'antd';
import { useI18n } from '../../lib/i18n';
import type { Paged } from '../../lib/types';

type Action = 'pause' | 'resume' | 'end';

/**
 * 暂停 / 恢复 / 结束 for a coupon or an activity, each behind a confirmation; `confirmKey` is the
 * dictionary prefix of the confirmation texts (`coupon` → coupon.pauseConfirm …).
 */
export function StatusActions({ item, writable, busy, testPrefix, confirmKey, onAction }: {
  item: { id: string; status: 'active' | 'paused' | 'ended' };
  writable: boolean;
  busy: boolean;
  testPrefix: string;
  confirmKey: 'coupon' | 'activity';
  onAction: (action: Action) => void;
}) {
  const { t } = useI18n();
  if (!writable) return null;
  const confirm = (action: Action, label: string, danger = false) => (
    <Popconfirm
      title={t(`${confirmKey}.${action}Confirm`)}
      onConfirm={() => onAction(action)}
      okText={action === 'end' ? t('promo.action.end') : t('common.confirm')}
      cancelText={t('common.cancel')}
      okButtonProps={danger ? { danger: true } : undefined}
    >
      <Button type="link" size="small" danger={danger} loading={!danger && busy} data-testid={`${testPrefix}-${action}-${item.id}`}>
        {label}
      </Button>
    </Popconfirm>
  );
  return (
    <>
      {item.status === 'active' && confirm('pause', t('promo.action.pause'))}
      {item.status === 'paused' && confirm('resume', t('promo.action.resume'))}
      {item.status !== 'ended' && confirm('end', t('promo.action.end'), true)}
    </>
  );
}

/**
 * The list page both coupons and activities use: a create button, a kind filter and a search box, status
 * tabs, and the server-paged table, all kept in the URL by `useListParams`.
 */
export function PromoListBody<T extends { id: string }>(props: {
  create: ReactNode;
  kind: { value?: string; placeholder: string; width: number; options: { value: string; label: string }[]; testId: string };
  search: { value: string; onChange: (v: string) => void; placeholder: string; width: number; testId: string };
  tabs: { active: string; items: { key: string; label: string }[]; testId: string };
  update: (patch: Record<string, string | number | undefined>) => void;
  table: { columns: TableProps<T>['columns']; data: Paged<T> | null | undefined; loading: boolean; page: number; pageSize: number; scrollX: number; rowTestId: (row: T) => string };
}) {
  const { t } = useI18n();
  const { kind, search, tabs, table, update } = props;
  return (
    <>
      <div className="toolbar">
        {props.create}
        <span className="spacer" />
        <Select
          allowClear
          style={{ width: kind.width }}
          placeholder={kind.placeholder}
          aria-label={kind.placeholder}
          value={kind.value}
          onChange={(v) => update({ kind: v })}
          options={kind.options}
          data-testid={kind.testId}
        />
        <Input.Search
          allowClear
          style={{ width: search.width }}
          placeholder={search.placeholder}
          aria-label={search.placeholder}
          value={search.value}
          onChange={(e) => search.onChange(e.target.value)}
          onSearch={(v) => update({ q: v.trim() })}
          data-testid={search.testId}
        />
      </div>
      <Tabs activeKey={tabs.active} onChange={(k) => update({ status: k === 'all' ? undefined : k })} items={[{ key: 'all', label: t('common.all') }, ...tabs.items]} data-testid={tabs.testId} />
      <Table<T>
        rowKey="id"
        loading={table.loading}
        columns={table.columns}
        dataSource={table.data?.items ?? []}
        scroll={table.data?.items.length ? { x: table.scrollX } : undefined}
        onRow={(row) => ({ 'data-testid': table.rowTestId(row) }) as React.HTMLAttributes<HTMLElement>}
        onChange={(pg) => update({ page: pg.current, pageSize: pg.pageSize })}
        pagination={{ current: table.page, pageSize: table.pageSize, total: table.data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
      />
    </>
  );
}
