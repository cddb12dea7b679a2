import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { Alert, Button, Rate, Select, Space, Table, Tag, Tooltip } from 'antd';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import type { Paged } from '../../lib/types';
import { LoadError } from '../../components/Results';
import { ProductSingleField } from '../promotions/ProductPicker';

type ReviewStatus = 'visible' | 'hidden';

/** A review as GET /reviews lists it. */
export interface AdminReview {
  id: string;
  customerId: string;
  authorName: string;
  orderId: string;
  orderNo: string;
  productId: string;
  productTitle: string;
  specText: string;
  rating: number;
  content: string;
  status: ReviewStatus;
  moderatedAt: string | null;
  moderatedBy: string | null;
  createdAt: string;
}

/** 商品评价: every review, filtered by rating, product or status; staff hide one from the product page or show it again. */
export default function ReviewList() {
  const { t } = useI18n();
  const { can } = useAuth();
  const canModerate = can('reviews:moderate');
  const [params, setParams] = useSearchParams();
  const rating = params.get('rating') ? Number(params.get('rating')) : undefined;
  const status = (params.get('status') as ReviewStatus | null) ?? undefined;
  const productId = params.get('productId') ?? undefined;
  const page = Number(params.get('page') ?? 1);
  const pageSize = Number(params.get('pageSize') ?? 20);
  const list = useApi<Paged<AdminReview>>('/reviews', { rating, status, productId, page, pageSize });
  const [busy, setBusy] = useState<string | null>(null);

  const filter = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === '') next.delete(k);
      else next.set(k, v);
    }
    next.delete('page');
    setParams(next);
  };

  const moderate = async (r: AdminReview) => {
    const next: ReviewStatus = r.status === 'visible' ? 'hidden' : 'visible';
    setBusy(r.id);
    try {
      const saved = await api.patch<AdminReview>(`/reviews/${r.id}`, { status: next });
      list.setData((d) => d && { ...d, items: d.items.map((x) => (x.id === r.id ? saved : x)) });
      feedback.message.success(t(next === 'hidden' ? 'reviews.hideDone' : 'reviews.showDone'));
    } catch (err) {
      showError(err);
    } finally {
      setBusy(null);
    }
  };

  if (list.error && !list.data) return <LoadError error={list.error} onRetry={list.reload} />;

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.reviews')}</h1>
      {!canModerate && <Alert type="info" showIcon title={t('reviews.readOnly')} style={{ marginBottom: 12 }} />}
      <div className="toolbar">
        <Space wrap>
          <Select
            style={{ width: 130 }}
            value={rating ?? 0}
            onChange={(v: number) => filter({ rating: v ? String(v) : undefined })}
            options={[{ value: 0, label: t('reviews.allRatings') }, ...[5, 4, 3, 2, 1].map((n) => ({ value: n, label: t('reviews.stars', { n }) }))]}
            aria-label={t('reviews.rating')}
            data-testid="reviews-filter-rating"
          />
          <Select
            style={{ width: 130 }}
            value={status ?? 'all'}
            onChange={(v: string) => filter({ status: v === 'all' ? undefined : v })}
            options={[{ value: 'all', label: t('reviews.allStatus') }, { value: 'visible', label: t('reviews.status.visible') }, { value: 'hidden', label: t('reviews.status.hidden') }]}
            aria-label={t('common.status')}
            data-testid="reviews-filter-status"
          />
          <ProductSingleField value={productId} onChange={(v) => filter({ productId: v })} testId="reviews-filter-product" />
          {productId && (
            <Button type="link" onClick={() => filter({ productId: undefined })} data-testid="reviews-filter-product-clear">
              {t('reviews.anyProduct')}
            </Button>
          )}
        </Space>
        <span className="muted">{t('reviews.hint')}</span>
      </div>
      <Table<AdminReview>
        rowKey="id"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        locale={{ emptyText: <span className="muted">{t('reviews.empty')}</span> }}
        scroll={list.data?.items.length ? { x: 1100 } : undefined}
        onRow={(r) => ({ 'data-testid': `review-row-${r.id}` }) as React.HTMLAttributes<HTMLElement>}
        onChange={(pg) => {
          const next = new URLSearchParams(params);
          next.set('page', String(pg.current));
          next.set('pageSize', String(pg.pageSize));
          setParams(next);
        }}
        pagination={{ current: page, pageSize, total: list.data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
        columns={[
          {
            title: t('reviews.rating'),
            dataIndex: 'rating',
            width: 150,
            render: (v: number) => <Rate disabled value={v} style={{ fontSize: 14 }} aria-label={t('reviews.stars', { n: v })} />,
          },
          {
            title: t('reviews.content'),
            dataIndex: 'content',
            render: (v: string) => (v ? <span style={{ whiteSpace: 'pre-wrap' }}>{v}</span> : <span className="muted">{t('reviews.noContent')}</span>),
          },
          {
            title: t('reviews.product'),
            key: 'product',
            width: 200,
            render: (_, r) => (
              <div>
                <div className="ellipsis">{r.productTitle}</div>
                {r.specText && <div className="muted small">{r.specText}</div>}
              </div>
            ),
          },
          {
            title: t('reviews.author'),
            key: 'author',
            width: 130,
            render: (_, r) => (can('customers:read') ? <Link to={`/customers/${r.customerId}`}>{r.authorName}</Link> : r.authorName),
          },
          {
            title: t('reviews.order'),
            dataIndex: 'orderNo',
            width: 190,
            render: (v: string, r) => (can('orders:read') ? <Link to={`/orders/${r.orderId}`}>{v}</Link> : v),
          },
          { title: t('reviews.createdAt'), dataIndex: 'createdAt', width: 170, render: (v: string) => fmtTime(v) },
          {
            title: t('common.status'),
            dataIndex: 'status',
            width: 100,
            render: (s: ReviewStatus, r) => {
              const tag = <Tag color={s === 'visible' ? 'green' : 'default'}>{t(`reviews.status.${s}`)}</Tag>;
              return r.moderatedAt ? <Tooltip title={t('reviews.moderated', { name: r.moderatedBy ?? '-', time: fmtTime(r.moderatedAt) })}>{tag}</Tooltip> : tag;
            },
          },
          ...(canModerate
            ? [
                {
                  title: t('common.actions'),
                  key: 'a',
                  width: 90,
                  fixed: 'right' as const,
                  render: (_: unknown, r: AdminReview) => (
                    <Button
                      type="link"
                      size="small"
                      loading={busy === r.id}
                      onClick={() => void moderate(r)}
                      aria-label={`${t(r.status === 'visible' ? 'reviews.hide' : 'reviews.show')} ${r.authorName}`}
                      data-testid={`review-toggle-${r.id}`}
                    >
                      {t(r.status === 'visible' ? 'reviews.hide' : 'reviews.show')}
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
    </div>
  );
}
