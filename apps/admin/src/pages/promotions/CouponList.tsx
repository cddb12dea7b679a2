import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Button, Progress, Space, type TableProps } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { COUPON_KINDS, COUPON_TEMPLATE_STATUSES } from '@siyu/contracts';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { couponLabel } from '../../lib/promo-label';
import { useAuth } from '../../lib/auth';
import type { CouponTemplate, Paged } from '../../lib/types';
import { audienceText, changeStatus, CouponKindTag, couponKindText, PromotionStatusTag, scopeText, useListParams, validityText } from './shared';
import { PromoListBody, StatusActions } from './PromoList';
import './promotions.css';

/** 优惠券: templates with what was issued and used, filtered by status and kind. */
export default function CouponList() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const { params, update, page, pageSize } = useListParams();
  const [q, setQ] = useState(params.get('q') ?? '');
  const [busy, setBusy] = useState<string | null>(null);
  const query = { page, pageSize, status: params.get('status') ?? undefined, kind: params.get('kind') ?? undefined, q: params.get('q') ?? undefined };
  const { data, loading, reload } = useApi<Paged<CouponTemplate>>('/coupons', query);
  const writable = can('promotions:write');

  const act = async (c: CouponTemplate, action: 'pause' | 'resume' | 'end') => {
    setBusy(c.id);
    const res = await changeStatus<CouponTemplate>(`/coupons/${c.id}`, action, t);
    setBusy(null);
    if (res) reload();
  };

  const columns: TableProps<CouponTemplate>['columns'] = [
    {
      title: t('coupon.name'),
      dataIndex: 'name',
      render: (_, c) => (
        <div>
          <Link to={`/coupons/${c.id}`} data-testid={`coupon-link-${c.id}`}>
            {c.name}
          </Link>
          <div className="muted" style={{ fontSize: 12 }}>
            {scopeText(c.scope, t)}
            {c.audience !== 'all' ? ` · ${audienceText(c.audience, t)}` : ''}
          </div>
        </div>
      ),
    },
    { title: t('coupon.kind'), dataIndex: 'kind', width: 110, render: (k: CouponTemplate['kind']) => <CouponKindTag kind={k} /> },
    { title: t('coupon.label'), key: 'label', width: 160, render: (_, c) => couponLabel(c, lang) },
    { title: t('coupon.validity'), key: 'validity', width: 170, render: (_, c) => validityText(c.validity, t) },
    {
      title: t('coupon.issuedOfTotal'),
      key: 'issued',
      width: 150,
      render: (_, c) => (
        <div>
          <div>
            {c.issuedCount} / {c.totalQuantity}
          </div>
          <Progress
            percent={c.totalQuantity ? Math.min(100, Math.floor((c.issuedCount / c.totalQuantity) * 100)) : 0}
            size="small"
            showInfo={false}
            aria-label={`${t('coupon.issuedOfTotal')} ${c.name}`}
          />
        </div>
      ),
    },
    { title: t('coupon.used'), key: 'used', width: 80, render: (_, c) => c.stats.used },
    { title: t('common.status'), dataIndex: 'status', width: 90, render: (s: CouponTemplate['status']) => <PromotionStatusTag status={s} /> },
    {
      title: t('common.actions'),
      key: 'a',
      width: 230,
      fixed: 'right',
      render: (_, c) => (
        <Space size={0} wrap>
          <Button type="link" size="small" onClick={() => navigate(`/coupons/${c.id}`)} data-testid={`coupon-detail-${c.id}`}>
            {t('common.detail')}
          </Button>
          {writable && c.status !== 'ended' && (
            <Button type="link" size="small" onClick={() => navigate(`/coupons/${c.id}/edit`)} data-testid={`coupon-edit-${c.id}`}>
              {t('common.edit')}
            </Button>
          )}
          <StatusActions item={c} writable={writable} busy={busy === c.id} testPrefix="coupon" confirmKey="coupon" onAction={(action) => act(c, action)} />
        </Space>
      ),
    },
  ];

  return (
    <div className="page-card">
      <h1 className="page-title">{t('coupon.list')}</h1>
      <PromoListBody<CouponTemplate>
        create={
          writable && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/coupons/new')} data-testid="new-coupon">
              {t('coupon.new')}
            </Button>
          )
        }
        kind={{ value: query.kind, placeholder: t('coupon.kind'), width: 160, options: COUPON_KINDS.map((k) => ({ value: k, label: couponKindText(k, lang) })), testId: 'filter-coupon-kind' }}
        search={{ value: q, onChange: setQ, placeholder: t('coupon.searchPlaceholder'), width: 260, testId: 'coupon-search' }}
        tabs={{ active: query.status ?? 'all', items: COUPON_TEMPLATE_STATUSES.map((s) => ({ key: s, label: t(`promo.status.${s}`) })), testId: 'coupon-status-tabs' }}
        update={update}
        table={{ columns, data, loading, page, pageSize, scrollX: 1120, rowTestId: (c) => `coupon-row-${c.id}` }}
      />
    </div>
  );
}
