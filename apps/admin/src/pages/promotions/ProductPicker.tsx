import { useEffect, useState, useSyncExternalStore } from 'react';
import { Button, Input, Modal, Space, Table, Tag, type TableProps } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { api } from '../../lib/api';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import { ProductStatusTag } from '../../components/StatusTag';
import type { Paged, ProductDetail, ProductRow } from '../../lib/types';

/** What the promotion forms show of a product: enough to recognise it and compare prices. */
export interface ProductBrief {
  id: string;
  title: string;
  imageUrl: string | null;
  minPriceFen: number;
  maxPriceFen: number;
}

// Rules and templates carry product ids only; titles come from the picker, from an activity's
// `products`, or from GET /products/:id. One cache for the page so each product is fetched once.
const briefs = new Map<string, ProductBrief | 'missing'>();
const details = new Map<string, ProductDetail | 'missing'>();
const inflight = new Map<string, Promise<void>>();
const listeners = new Set<() => void>();
let version = 0;
const notify = () => {
  version++;
  listeners.forEach((l) => l());
};
const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

const briefOfRow = (p: ProductRow): ProductBrief => ({ id: p.id, title: p.title, imageUrl: p.images[0] ?? null, minPriceFen: p.minPrice, maxPriceFen: p.maxPrice });
const briefOfDetail = (p: ProductDetail): ProductBrief => ({ id: p.id, title: p.title, imageUrl: p.images[0] ?? null, minPriceFen: p.minPrice, maxPriceFen: p.maxPrice });

export function rememberProducts(list: ProductBrief[]) {
  let changed = false;
  for (const p of list) {
    if (!briefs.has(p.id) || briefs.get(p.id) === 'missing') {
      briefs.set(p.id, p);
      changed = true;
    }
  }
  if (changed) notify();
}

function load(id: string): Promise<void> {
  const running = inflight.get(id);
  if (running) return running;
  const job = api
    .get<ProductDetail>(`/products/${id}`)
    .then((d) => {
      details.set(id, d);
      briefs.set(id, briefOfDetail(d));
    })
    .catch(() => {
      details.set(id, 'missing');
      if (!briefs.has(id)) briefs.set(id, 'missing');
    })
    .finally(() => {
      inflight.delete(id);
      notify();
    });
  inflight.set(id, job);
  return job;
}

/** A product with its SKUs, from the page cache or the API (undefined when it no longer exists). */
export async function loadProductDetail(id: string): Promise<ProductDetail | undefined> {
  if (!details.has(id)) await load(id);
  const d = details.get(id);
  return d === 'missing' ? undefined : d;
}

/** Briefs for these ids (fetching the unknown ones, a few at a time); 'missing' for deleted products. */
export function useProductBriefs(ids: string[]): Map<string, ProductBrief | 'missing'> {
  useSyncExternalStore(subscribe, () => version);
  const key = ids.join(',');
  useEffect(() => {
    const missing = ids.filter((id) => !briefs.has(id) && !inflight.has(id));
    let i = 0;
    const next = (): Promise<void> => (i < missing.length ? load(missing[i++]).then(next) : Promise.resolve());
    void Promise.all([next(), next(), next(), next()]);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return briefs;
}

/** A product with its SKUs (for per-SKU prices and gift SKUs); null while loading. */
export function useProductDetails(ids: string[]): Map<string, ProductDetail | 'missing'> {
  useSyncExternalStore(subscribe, () => version);
  const key = ids.join(',');
  useEffect(() => {
    for (const id of ids) if (!details.has(id)) void load(id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return details;
}

export function priceRange(p: Pick<ProductBrief, 'minPriceFen' | 'maxPriceFen'>) {
  return p.minPriceFen === p.maxPriceFen ? formatFen(p.minPriceFen) : `${formatFen(p.minPriceFen)} ~ ${formatFen(p.maxPriceFen)}`;
}

/** Searches GET /products?q= in a modal; keeps the choice across pages and searches. */
export function ProductPickerModal({
  open,
  multiple = true,
  selected,
  max,
  title,
  onClose,
  onOk,
}: {
  open: boolean;
  multiple?: boolean;
  selected: string[];
  max?: number;
  title?: string;
  onClose: () => void;
  onOk: (ids: string[]) => void;
}) {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const [keys, setKeys] = useState<string[]>(selected);
  useEffect(() => {
    if (open) {
      setKeys(selected);
      setQ('');
      setSearch('');
      setPage(1);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open]);
  const list = useApi<Paged<ProductRow>>(open ? '/products' : null, { q: search || undefined, page, pageSize: 8 });
  useEffect(() => {
    if (list.data) rememberProducts(list.data.items.map(briefOfRow));
  }, [list.data]);

  const columns: TableProps<ProductRow>['columns'] = [
    {
      title: t('product.title'),
      dataIndex: 'title',
      render: (_, p) => (
        <div className="product-cell">
          {p.images[0] ? <img src={p.images[0]} alt="" /> : <span className="img-placeholder" />}
          <span>{p.title}</span>
        </div>
      ),
    },
    { title: t('product.price'), key: 'price', width: 170, render: (_, p) => priceRange(briefOfRow(p)) },
    { title: t('product.stock'), dataIndex: 'stock', width: 80 },
    { title: t('common.status'), dataIndex: 'status', width: 90, render: (s: ProductRow['status']) => <ProductStatusTag status={s} /> },
  ];
  const over = max !== undefined && keys.length > max;

  return (
    <Modal
      open={open}
      width={860}
      title={title ?? t('promo.pickProducts')}
      onCancel={onClose}
      onOk={() => onOk(keys)}
      okText={t('common.confirm')}
      cancelText={t('common.cancel')}
      okButtonProps={{ disabled: over || (!multiple && keys.length === 0), 'data-testid': 'product-picker-ok' } as never}
      destroyOnHidden
    >
      <div className="toolbar">
        <Input.Search
          allowClear
          style={{ width: 300 }}
          placeholder={t('product.searchPlaceholder')}
          aria-label={t('product.searchPlaceholder')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onSearch={(v) => {
            setSearch(v.trim());
            setPage(1);
          }}
          data-testid="product-picker-search"
        />
        <span className="spacer" />
        {multiple && (
          <span className="muted" style={over ? { color: '#d4380d' } : undefined}>
            {max !== undefined ? t('promo.pickedOfMax', { n: keys.length, max }) : t('product.selected', { n: keys.length })}
          </span>
        )}
      </div>
      <Table<ProductRow>
        size="small"
        rowKey="id"
        loading={list.loading}
        columns={columns}
        dataSource={list.data?.items ?? []}
        data-testid="product-picker-table"
        rowSelection={{
          type: multiple ? 'checkbox' : 'radio',
          selectedRowKeys: keys,
          preserveSelectedRowKeys: true,
          onChange: (k) => setKeys(k as string[]),
          getCheckboxProps: (p) => ({ 'aria-label': p.title }) as never,
          columnTitle: multiple ? undefined : <span className="sr-only">{t('promo.choose')}</span>,
        }}
        onRow={(p) => ({ onClick: () => (multiple ? setKeys((ks) => (ks.includes(p.id) ? ks.filter((k) => k !== p.id) : [...ks, p.id])) : setKeys([p.id])), style: { cursor: 'pointer' } })}
        pagination={{ current: page, pageSize: 8, total: list.data?.total ?? 0, showSizeChanger: false, onChange: setPage, showTotal: (n) => t('common.total', { n }) }}
      />
    </Modal>
  );
}

export function ProductThumb({ brief, id }: { brief: ProductBrief | 'missing' | undefined; id: string }) {
  const { t } = useI18n();
  if (brief === 'missing') return <span className="muted">{t('promo.productMissing', { id: id.slice(0, 8) })}</span>;
  if (!brief) return <span className="muted">…</span>;
  return (
    <div className="product-cell">
      {brief.imageUrl ? <img src={brief.imageUrl} alt="" style={{ width: 36, height: 36 }} /> : <span className="img-placeholder" style={{ width: 36, height: 36 }} />}
      <div>
        <div>{brief.title}</div>
        <div className="muted" style={{ fontSize: 12 }}>
          {priceRange(brief)}
        </div>
      </div>
    </div>
  );
}

/**
 * A form control holding product ids: the chosen products in a small table with a remove button each,
 * and a button that opens the picker (it takes the Form.Item's id, so the label points at it).
 */
export function ProductListField({
  id,
  value,
  onChange,
  disabled,
  max = 500,
  buttonText,
  testId = 'pick-products',
}: {
  id?: string;
  value?: string[];
  onChange?: (v: string[]) => void;
  disabled?: boolean;
  max?: number;
  buttonText?: string;
  testId?: string;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const ids = value ?? [];
  const known = useProductBriefs(ids);
  return (
    <div>
      <Space style={{ marginBottom: ids.length ? 8 : 0 }}>
        <Button id={id} icon={<PlusOutlined />} disabled={disabled} onClick={() => setOpen(true)} data-testid={testId}>
          {buttonText ?? t('promo.pickProducts')}
        </Button>
        {ids.length > 0 && <span className="muted">{t('product.selected', { n: ids.length })}</span>}
      </Space>
      {ids.length > 0 && (
        <Table<{ id: string }>
          size="small"
          rowKey="id"
          pagination={ids.length > 10 ? { pageSize: 10, size: 'small', showSizeChanger: false } : false}
          dataSource={ids.map((i) => ({ id: i }))}
          style={{ maxWidth: 640 }}
          columns={[
            { title: t('product.title'), key: 'p', render: (_, r) => <ProductThumb id={r.id} brief={known.get(r.id)} /> },
            {
              title: t('common.actions'),
              key: 'a',
              width: 80,
              render: (_, r) => (
                <Button
                  type="text"
                  size="small"
                  danger
                  icon={<DeleteOutlined />}
                  disabled={disabled}
                  aria-label={`${t('common.delete')} ${(known.get(r.id) as ProductBrief | undefined)?.title ?? ''}`}
                  onClick={() => onChange?.(ids.filter((x) => x !== r.id))}
                />
              ),
            },
          ]}
        />
      )}
      <ProductPickerModal
        open={open}
        selected={ids}
        max={max}
        onClose={() => setOpen(false)}
        onOk={(next) => {
          // Keep the existing order; newly picked products go to the end.
          onChange?.([...ids.filter((x) => next.includes(x)), ...next.filter((x) => !ids.includes(x))]);
          setOpen(false);
        }}
      />
    </div>
  );
}

/** One product (兑换券's gift, a 满赠 tier's gift product). */
export function ProductSingleField({ id, value, onChange, disabled, fallbackTitle, testId = 'pick-product' }: { id?: string; value?: string; onChange?: (v: string | undefined) => void; disabled?: boolean; fallbackTitle?: string | null; testId?: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const known = useProductBriefs(value ? [value] : []);
  const brief = value ? known.get(value) : undefined;
  return (
    <Space wrap>
      {value && (brief && brief !== 'missing' ? <ProductThumb id={value} brief={brief} /> : fallbackTitle ? <Tag>{fallbackTitle}</Tag> : <ProductThumb id={value} brief={brief} />)}
      <Button id={id} icon={value ? undefined : <PlusOutlined />} disabled={disabled} onClick={() => setOpen(true)} data-testid={testId}>
        {value ? t('promo.changeProduct') : t('promo.pickProduct')}
      </Button>
      <ProductPickerModal
        open={open}
        multiple={false}
        title={t('promo.pickProduct')}
        selected={value ? [value] : []}
        onClose={() => setOpen(false)}
        onOk={(next) => {
          onChange?.(next[0]);
          setOpen(false);
        }}
      />
    </Space>
  );
}
