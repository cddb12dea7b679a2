import { useEffect, useState } from 'react';
import { Alert, Button, Form, Input, InputNumber, Modal, Select, Space, Switch, Table, Tag } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { MemberCardPlanBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n, type TFunction } from '../../lib/i18n';
import { couponLabel } from '../../lib/promo-label';
import { formatFen } from '../../lib/money';
import { LoadError } from '../../components/Results';
import type { CouponTemplate, Paged } from '../../lib/types';
import { discountToPercent, percentToDiscount } from './MemberLevels';
import { yuanBoxToFen } from './StoredValuePlans';

export type CardPeriodKind = 'month' | 'quarter' | 'year' | 'days';
export const CARD_PERIODS: CardPeriodKind[] = ['month', 'quarter', 'year', 'days'];

/** A paid member card (付费会员卡) as the console lists it. */
export interface MemberCardPlan {
  id: string;
  name: string;
  periodKind: CardPeriodKind;
  /** Days one purchase adds (30/90/365 for the fixed periods). */
  days: number;
  priceFen: number;
  /** 95 = 9.5折; null: no discount. */
  percentPaid: number | null;
  freeShipping: boolean;
  monthlyCouponTemplateId: string | null;
  description: string;
  active: boolean;
  sortOrder: number;
  holders: number;
}

interface Values {
  name: string;
  periodKind: CardPeriodKind;
  days: number | null;
  /** Yuan. */
  price: number | null;
  /** 折: 9.5 means 95% paid; empty: none. */
  discount: number | null;
  freeShipping: boolean;
  monthlyCouponTemplateId: string | null;
  description: string;
  active: boolean;
  sortOrder: number | null;
}

const FIELDS = { priceFen: 'price', percentPaid: 'discount' };
const requiredNum = (v: unknown) => (v === null || v === undefined ? Number.NaN : v);

function toBody(v: Values) {
  return {
    name: String(asText(v.name)).trim(),
    periodKind: v.periodKind,
    days: v.periodKind === 'days' ? (v.days ?? null) : null,
    priceFen: yuanBoxToFen(v.price),
    percentPaid: discountToPercent(v.discount),
    freeShipping: !!v.freeShipping,
    monthlyCouponTemplateId: v.monthlyCouponTemplateId ?? null,
    description: (v.description ?? '').trim(),
    active: !!v.active,
    sortOrder: requiredNum(v.sortOrder),
  };
}

const bodyOf = (p: MemberCardPlan, patch: Partial<MemberCardPlan> = {}) => {
  const x = { ...p, ...patch };
  return { name: x.name, periodKind: x.periodKind, days: x.periodKind === 'days' ? x.days : null, priceFen: x.priceFen, percentPaid: x.percentPaid, freeShipping: x.freeShipping, monthlyCouponTemplateId: x.monthlyCouponTemplateId, description: x.description, active: x.active, sortOrder: x.sortOrder };
};

/** "月卡 · 30 天" / "365 天". */
export function periodText(p: { periodKind: CardPeriodKind; days: number | null }, t: TFunction) {
  return p.periodKind === 'days' ? t('card.daysN', { n: p.days ?? 0 }) : `${t(`card.period.${p.periodKind}`)} · ${t('card.daysN', { n: p.days ?? 0 })}`;
}

/** 付费会员卡: cards members buy for a period, with a discount, free shipping and a monthly coupon. */
export default function MemberCards() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const canManage = can('loyalty:manage');
  const plans = useApi<MemberCardPlan[]>('/member-cards');
  const coupons = useApi<Paged<CouponTemplate>>(can('promotions:read') ? '/coupons' : null, { page: 1, pageSize: 100 });
  const [editing, setEditing] = useState<MemberCardPlan | 'new' | null>(null);
  const [saving, setSaving] = useState(false);
  const [toggling, setToggling] = useState<string | null>(null);
  const [form] = Form.useForm<Values>();
  const periodKind = (Form.useWatch('periodKind', form) ?? 'month') as CardPeriodKind;

  useEffect(() => {
    if (!editing) return;
    form.resetFields();
    form.setFieldsValue(
      editing === 'new'
        ? { name: '', periodKind: 'month', days: null, price: null, discount: null, freeShipping: false, monthlyCouponTemplateId: null, description: '', active: true, sortOrder: 0 }
        : {
            name: editing.name,
            periodKind: editing.periodKind,
            days: editing.periodKind === 'days' ? editing.days : null,
            price: editing.priceFen / 100,
            discount: percentToDiscount(editing.percentPaid),
            freeShipping: editing.freeShipping,
            monthlyCouponTemplateId: editing.monthlyCouponTemplateId,
            description: editing.description ?? '',
            active: editing.active,
            sortOrder: editing.sortOrder,
          },
    );
  }, [editing, form]);

  const couponName = (id: string | null) => {
    if (!id) return null;
    const c = coupons.data?.items.find((x) => x.id === id);
    return c ? c.name : coupons.data ? t('levels.couponGone') : t('levels.couponUnknown');
  };
  const current = editing && editing !== 'new' ? editing.monthlyCouponTemplateId : null;
  const couponOptions = [
    { value: '', label: t('card.noCoupon') },
    ...(coupons.data?.items ?? [])
      .filter((c) => c.status !== 'ended' || c.id === current)
      .map((c) => ({ value: c.id, label: `${c.name}(${couponLabel(c, lang)})`, disabled: c.status === 'ended' })),
  ];

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const body = validateBody(form, MemberCardPlanBody, toBody(form.getFieldsValue(true) as Values), FIELDS);
    if (!body) return;
    setSaving(true);
    try {
      if (editing === 'new') await api.post('/member-cards', body);
      else if (editing) await api.put(`/member-cards/${editing.id}`, body);
      feedback.message.success(t('common.saved'));
      setEditing(null);
      plans.reload();
    } catch (err) {
      if (!applyApiError(form, err, FIELDS)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const toggle = async (p: MemberCardPlan) => {
    setToggling(p.id);
    try {
      await api.put(`/member-cards/${p.id}`, bodyOf(p, { active: !p.active }));
      plans.setData((d) => d && d.map((x) => (x.id === p.id ? { ...x, active: !p.active } : x)));
      feedback.message.success(t(p.active ? 'card.stopped' : 'card.started'));
    } catch (err) {
      showError(err);
    } finally {
      setToggling(null);
    }
  };

  if (plans.error && !plans.data) return <LoadError error={plans.error} onRetry={plans.reload} />;

  const benefits = (p: MemberCardPlan) => {
    const list: string[] = [];
    if (p.percentPaid) list.push(t('card.benefit.discount', { n: percentToDiscount(p.percentPaid) ?? '' }));
    if (p.freeShipping) list.push(t('card.benefit.freeShipping'));
    if (p.monthlyCouponTemplateId) list.push(t('card.benefit.coupon', { name: couponName(p.monthlyCouponTemplateId) ?? '' }));
    return list;
  };

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.memberCards')}</h1>
      {!canManage && <Alert type="info" showIcon title={t('sv.readOnly')} style={{ marginBottom: 12 }} />}
      <div className="toolbar">
        {canManage && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="card-new">
            {t('card.new')}
          </Button>
        )}
        <span className="muted">{t('card.hint')}</span>
      </div>
      <Table<MemberCardPlan>
        rowKey="id"
        loading={plans.loading}
        dataSource={plans.data ?? []}
        pagination={false}
        scroll={{ x: 960 }}
        locale={{ emptyText: <span className="muted">{t('card.empty')}</span> }}
        data-testid="card-table"
        columns={[
          { title: t('card.name'), dataIndex: 'name', width: 160, ellipsis: true },
          { title: t('card.period'), key: 'period', width: 130, render: (_, p) => periodText(p, t) },
          { title: t('card.price'), dataIndex: 'priceFen', width: 110, align: 'right', render: (v: number) => formatFen(v, true) },
          {
            title: t('card.benefits'),
            key: 'benefits',
            render: (_, p) => {
              const list = benefits(p);
              return list.length ? (
                <Space size={4} wrap>
                  {list.map((b) => (
                    <Tag key={b}>{b}</Tag>
                  ))}
                </Space>
              ) : (
                <span className="muted">-</span>
              );
            },
          },
          { title: t('card.holders'), dataIndex: 'holders', width: 100, align: 'right', render: (n: number) => <span data-testid="card-holders">{n.toLocaleString()}</span> },
          { title: t('common.status'), dataIndex: 'active', width: 90, render: (a: boolean) => <Tag color={a ? 'green' : 'default'}>{a ? t('card.onSale') : t('card.offSale')}</Tag> },
          ...(canManage
            ? [
                {
                  title: t('common.actions'),
                  key: 'a',
                  width: 140,
                  render: (_: unknown, p: MemberCardPlan) => (
                    <Space size={0}>
                      <Button type="link" size="small" onClick={() => setEditing(p)} aria-label={`${t('common.edit')} ${p.name}`} data-testid={`card-edit-${p.id}`}>
                        {t('common.edit')}
                      </Button>
                      <Button type="link" size="small" loading={toggling === p.id} onClick={() => void toggle(p)} aria-label={`${t(p.active ? 'card.stop' : 'card.start')} ${p.name}`} data-testid={`card-toggle-${p.id}`}>
                        {t(p.active ? 'card.stop' : 'card.start')}
                      </Button>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />

      <Modal
        open={!!editing}
        width={580}
        title={editing === 'new' ? t('card.new') : t('card.edit')}
        onCancel={() => setEditing(null)}
        onOk={save}
        confirmLoading={saving}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'card-save' } as never}
        forceRender
      >
        <Form<Values> form={form} layout="horizontal" labelCol={{ flex: '110px' }} name="memberCardPlan">
          <Form.Item name="name" label={t('card.name')} required rules={[zodRule(MemberCardPlanBody.shape.name, asText)]}>
            <Input maxLength={40} showCount placeholder={t('card.namePlaceholder')} data-testid="card-name" />
          </Form.Item>
          <Form.Item name="periodKind" label={t('card.period')} required>
            <Select options={CARD_PERIODS.map((k) => ({ value: k, label: t(`card.period.${k}`) }))} style={{ width: 200 }} data-testid="card-period" />
          </Form.Item>
          {periodKind === 'days' && (
            <Form.Item name="days" label={t('card.days')} required rules={[{ required: true, message: t('common.required') }]}>
              <InputNumber min={1} max={3660} precision={0} suffix={t('card.dayUnit')} style={{ width: 200 }} data-testid="card-days" />
            </Form.Item>
          )}
          <Form.Item name="price" label={t('card.price')} required rules={[{ required: true, message: t('common.required') }]}>
            <InputNumber min={0.01} max={100_000} precision={2} prefix="¥" style={{ width: 200 }} data-testid="card-price" />
          </Form.Item>
          <Form.Item name="discount" label={t('card.discount')} extra={t('card.discountHint')}>
            <InputNumber min={0.1} max={9.9} step={0.5} precision={1} suffix={t('levels.zhe')} placeholder={t('levels.noDiscount')} style={{ width: 200 }} data-testid="card-discount" />
          </Form.Item>
          <Form.Item name="freeShipping" label={t('levels.freeShipping')} valuePropName="checked">
            <Switch data-testid="card-free-shipping" />
          </Form.Item>
          <Form.Item
            name="monthlyCouponTemplateId"
            label={t('card.monthlyCoupon')}
            extra={t('card.monthlyCouponHint')}
            getValueProps={(v: string | null) => ({ value: v ?? '' })}
            normalize={(v: string) => (v ? v : null)}
          >
            <Select showSearch={{ optionFilterProp: 'label' }} options={couponOptions} loading={coupons.loading} style={{ width: '100%' }} data-testid="card-coupon" />
          </Form.Item>
          <Form.Item name="description" label={t('card.description')}>
            <Input.TextArea rows={3} maxLength={500} showCount placeholder={t('card.descriptionPlaceholder')} data-testid="card-description" />
          </Form.Item>
          <Form.Item name="sortOrder" label={t('mall.sortOrder')} required rules={[{ required: true, message: t('common.required') }]} extra={t('mall.sortHint')}>
            <InputNumber min={0} max={10_000} precision={0} style={{ width: 200 }} data-testid="card-sort" />
          </Form.Item>
          <Form.Item name="active" label={t('card.onSaleLabel')} valuePropName="checked" style={{ marginBottom: 0 }}>
            <Switch data-testid="card-active" />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
