import { useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { Button, Input, Popconfirm, Space, Switch, Table, Tabs, TreeSelect, type TableProps } from 'antd';
import { DownloadOutlined, PlusOutlined, UploadOutlined } from '@ant-design/icons';
import { PRODUCT_STATUSES } from '@siyu/contracts';
import { api, ApiError, downloadUrl } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { formatFen } from '../../lib/money';
import { fmtTime } from '../../lib/format';
import { ProductStatusTag } from '../../components/StatusTag';
import type { CategoryNode, Paged, ProductRow, ProductStatus } from '../../lib/types';

export function categoryTree(nodes: CategoryNode[]): { value: string; title: string; children?: ReturnType<typeof categoryTree> }[] {
  return nodes.map((n) => ({ value: n.id, title: n.name, children: n.children.length ? categoryTree(n.children) : undefined }));
}

export default function ProductList() {
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [selected, setSelected] = useState<string[]>([]);
  const [busyIds, setBusyIds] = useState<string[]>([]);
  const [q, setQ] = useState(params.get('q') ?? '');

  const query = {
    page: Number(params.get('page') ?? 1),
    pageSize: Number(params.get('pageSize') ?? 20),
    q: params.get('q') ?? undefined,
    status: params.get('status') ?? undefined,
    categoryId: params.get('categoryId') ?? undefined,
    sort: params.get('sort') ?? undefined,
  };
  const { data, loading, reload } = useApi<Paged<ProductRow>>('/products', query);
  const cats = useApi<{ items: CategoryNode[] }>('/categories');
  const catNames = useMemo(() => {
    const m = new Map<string, string>();
    const walk = (ns: CategoryNode[]) => ns.forEach((n) => (m.set(n.id, n.name), walk(n.children)));
    walk(cats.data?.items ?? []);
    return m;
  }, [cats.data]);

  const update = (patch: Record<string, string | number | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === '') next.delete(k);
      else next.set(k, String(v));
    }
    if (!('page' in patch)) next.delete('page');
    setParams(next);
    setSelected([]);
  };

  const setStatus = async (ids: string[], status: ProductStatus) => {
    setBusyIds(ids);
    try {
      const res = await api.post<{ updated: number }>('/products/bulk-status', { ids, status });
      feedback.message.success(t('product.bulkDone', { n: res.updated }));
      setSelected([]);
      reload();
    } catch (err) {
      if (err instanceof ApiError && Array.isArray(err.details?.failed)) {
        const failed = err.details.failed as { id: string; message: string }[];
        const titles = failed.map((f) => data?.items.find((p) => p.id === f.id)?.title ?? f.id).join('、');
        feedback.message.error(`${err.message}:${titles}`);
      } else showError(err);
    } finally {
      setBusyIds([]);
    }
  };

  const remove = async (id: string) => {
    try {
      await api.del(`/products/${id}`);
      feedback.message.success(t('product.deleted'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  const sortOrder = (field: string) => (query.sort === field ? 'ascend' : query.sort === `-${field}` ? 'descend' : null);
  const columns: TableProps<ProductRow>['columns'] = [
    {
      title: t('product.title'),
      dataIndex: 'title',
      render: (_, p) => (
        <div className="product-cell">
          {p.images[0] ? <img src={p.images[0]} alt="" /> : <span className="img-placeholder" />}
          <div>
            <Link to={`/products/${p.id}`} data-testid="product-title-link">{p.title}</Link>
            {p.subtitle && <div className="muted" style={{ fontSize: 12 }}>{p.subtitle}</div>}
          </div>
        </div>
      ),
    },
    { title: t('product.category'), dataIndex: 'categoryId', width: 120, render: (v: string | null) => (v ? (catNames.get(v) ?? '-') : <span className="muted">{t('product.noCategory')}</span>) },
    {
      title: t('product.price'),
      key: 'price',
      width: 160,
      sorter: true,
      sortOrder: sortOrder('price'),
      render: (_, p) => (p.minPrice === p.maxPrice ? formatFen(p.minPrice) : `${formatFen(p.minPrice)} ~ ${formatFen(p.maxPrice)}`),
    },
    { title: t('product.stock'), dataIndex: 'stock', width: 90 },
    { title: t('product.sales'), dataIndex: 'salesCount', key: 'sales', width: 90, sorter: true, sortOrder: sortOrder('sales') },
    { title: t('common.status'), dataIndex: 'status', width: 90, render: (s: ProductStatus) => <ProductStatusTag status={s} /> },
    {
      title: t('product.onSaleToggle'),
      key: 'onSale',
      width: 90,
      render: (_, p) => (
        <Switch
          size="small"
          checked={p.status === 'on_sale'}
          loading={busyIds.includes(p.id)}
          disabled={!can('catalog:write')}
          aria-label={`${t('product.onSaleToggle')} ${p.title}`}
          data-testid={`product-onsale-${p.id}`}
          onChange={(on) => setStatus([p.id], on ? 'on_sale' : 'off_shelf')}
        />
      ),
    },
    { title: t('common.createdAt'), dataIndex: 'createdAt', key: 'created', width: 170, sorter: true, sortOrder: sortOrder('created'), render: fmtTime },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 120,
      render: (_, p) => (
        <Space size={4}>
          <Button type="link" size="small" onClick={() => navigate(`/products/${p.id}`)} data-testid={`product-edit-${p.id}`}>
            {can('catalog:write') ? t('common.edit') : t('common.view')}
          </Button>
          {can('catalog:write') && p.status === 'draft' && (
            <Popconfirm title={t('common.deleteConfirm')} onConfirm={() => remove(p.id)} okText={t('common.delete')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
              <Button type="link" size="small" danger>
                {t('common.delete')}
              </Button>
            </Popconfirm>
          )}
        </Space>
      ),
    },
  ];

  const exportQuery = { q: query.q, status: query.status, categoryId: query.categoryId, sort: query.sort };

  return (
    <div className="page-card">
      <h1 className="page-title">{t('product.list')}</h1>
      <div className="toolbar">
        {can('catalog:write') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/products/new')} data-testid="new-product">
            {t('product.new')}
          </Button>
        )}
        {can('catalog:import') && (
          <>
            <Button icon={<UploadOutlined />} onClick={() => navigate('/products/import')} data-testid="go-import">
              {t('nav.import')}
            </Button>
            <Button icon={<DownloadOutlined />} href={downloadUrl('/products/export.xlsx', exportQuery)} data-testid="export-products">
              {t('product.export')}
            </Button>
          </>
        )}
        <span className="spacer" />
        <TreeSelect
          allowClear
          style={{ width: 180 }}
          placeholder={t('product.category')}
          aria-label={t('product.category')}
          treeData={categoryTree(cats.data?.items ?? [])}
          value={query.categoryId}
          onChange={(v) => update({ categoryId: v })}
          data-testid="filter-category"
        />
        <Input.Search
          allowClear
          style={{ width: 260 }}
          placeholder={t('product.searchPlaceholder')}
          aria-label={t('product.searchPlaceholder')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onSearch={(v) => update({ q: v.trim() })}
          data-testid="product-search"
        />
      </div>
      <Tabs
        activeKey={query.status ?? 'all'}
        onChange={(k) => update({ status: k === 'all' ? undefined : k })}
        items={[{ key: 'all', label: t('common.all') }, ...PRODUCT_STATUSES.map((s) => ({ key: s, label: t(`product.status.${s}`) }))]}
      />
      {can('catalog:write') && (
        <div className="toolbar">
          <span className="muted">{t('product.selected', { n: selected.length })}</span>
          <Popconfirm title={`${t('product.bulkOn')}?`} disabled={!selected.length} onConfirm={() => setStatus(selected, 'on_sale')} okText={t('common.confirm')} cancelText={t('common.cancel')}>
            <Button size="small" disabled={!selected.length} data-testid="bulk-on">
              {t('product.bulkOn')}
            </Button>
          </Popconfirm>
          <Popconfirm title={`${t('product.bulkOff')}?`} disabled={!selected.length} onConfirm={() => setStatus(selected, 'off_shelf')} okText={t('common.confirm')} cancelText={t('common.cancel')}>
            <Button size="small" disabled={!selected.length} data-testid="bulk-off">
              {t('product.bulkOff')}
            </Button>
          </Popconfirm>
        </div>
      )}
      <Table<ProductRow>
        rowKey="id"
        loading={loading}
        columns={columns}
        dataSource={data?.items ?? []}
        rowSelection={can('catalog:write') ? { selectedRowKeys: selected, onChange: (keys) => setSelected(keys as string[]) } : undefined}
        onRow={(p) => ({ 'data-testid': `product-row-${p.id}` }) as React.HTMLAttributes<HTMLElement>}
        onChange={(pg, _f, sorter) => {
          const s = Array.isArray(sorter) ? sorter[0] : sorter;
          const field = s?.order ? (s.columnKey as string) : undefined;
          const sort = field ? (s.order === 'ascend' ? field : `-${field}`) : undefined;
          update({ page: pg.current, pageSize: pg.pageSize, sort });
        }}
        pagination={{
          current: query.page,
          pageSize: query.pageSize,
          total: data?.total ?? 0,
          showSizeChanger: true,
          showTotal: (n) => t('common.total', { n }),
        }}
      />
    </div>
  );
}
