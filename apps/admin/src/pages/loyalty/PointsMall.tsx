import { useEffect, useState } from 'react';
import { Alert, Button, Form, Input, InputNumber, Modal, Radio, Select, Space, Table, Tag } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { PointsMallItemBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { couponLabel } from '../../lib/promo-label';
import { formatFen, yuanToFen } from '../../lib/money';
import { LoadError } from '../../components/Results';
import type { CouponKind, CouponTemplate, Paged } from '../../lib/types';
import { CouponKindTag } from '../promotions/shared';
import { ProductSingleField, useProductDetails } from '../promotions/ProductPicker';

type MallStatus = 'on_sale' | 'off_shelf';
type MallKind = 'coupon' | 'goods';

/** A points-mall item as the API returns it. */
export interface PointsMallItem {
  id: string;
  kind: MallKind;
  title: string;
  couponTemplateId: string | null;
  /** Null when the coupon template is gone (or the item is goods). */
  coupon: { name: string; kind: CouponKind } | null;
  skuId: string | null;
  productId: string | null;
  /** Goods: null when the SKU is gone. */
  product: { title: string; specText: string; imageUrl: string | null; priceFen: number; onSale: boolean } | null;
  cashFen: number;
  points: number;
  stock: number;
  redeemed: number;
  perCustomerLimit: number;
  status: MallStatus;
  sortOrder: number;
}

interface Values {
  kind: MallKind;
  title: string;
  couponTemplateId?: string;
  /** Only to choose the SKU from. */
  productId?: string;
  skuId?: string;
  /** Yuan. */
  cash: number | null;
  points: number | null;
  stock: number | null;
  perCustomerLimit: number | null;
  sortOrder: number | null;
  status: MallStatus;
}

const shape = PointsMallItemBody.shape;
// An empty number box is a missing value; the contract reports it rather than treating it as 0.
const num = (v: unknown) => (v === null || v === undefined ? undefined : v);
// perCustomerLimit and sortOrder have defaults in the contract; an emptied box must not silently become the default.
const requiredNum = (v: unknown) => (v === null || v === undefined ? Number.NaN : v);

function toBody(v: Values) {
  const goods = v.kind === 'goods';
  return {
    kind: v.kind,
    title: v.title ?? '',
    ...(goods ? { skuId: v.skuId, cashFen: v.cash === null || v.cash === undefined ? 0 : (yuanToFen(v.cash.toFixed(2)) ?? Number.NaN) } : { couponTemplateId: v.couponTemplateId }),
    points: num(v.points),
    stock: num(v.stock),
    perCustomerLimit: requiredNum(v.perCustomerLimit),
    status: v.status,
    sortOrder: requiredNum(v.sortOrder),
  };
}

const bodyOf = (i: PointsMallItem, patch: Partial<PointsMallItem> = {}) => {
  const x = { ...i, ...patch };
  const refs = x.kind === 'goods' ? { skuId: x.skuId ?? undefined, cashFen: x.cashFen } : { couponTemplateId: x.couponTemplateId ?? undefined };
  return { kind: x.kind, title: x.title, ...refs, points: x.points, stock: x.stock, perCustomerLimit: x.perCustomerLimit, status: x.status, sortOrder: x.sortOrder };
};

const valuesOf = (i: PointsMallItem): Values => ({
  kind: i.kind,
  title: i.title,
  couponTemplateId: i.couponTemplateId ?? undefined,
  productId: i.productId ?? undefined,
  skuId: i.skuId ?? undefined,
  cash: i.kind === 'goods' ? i.cashFen / 100 : null,
  points: i.points,
  stock: i.stock,
  perCustomerLimit: i.perCustomerLimit,
  sortOrder: i.sortOrder,
  status: i.status,
});

/** "500 积分 + ¥9.90", or "500 积分". */
export function mallPrice(i: Pick<PointsMallItem, 'points' | 'cashFen'>, t: ReturnType<typeof useI18n>['t']) {
  return i.cashFen > 0 ? t('mall.pointsPlusCash', { points: i.points.toLocaleString(), cash: formatFen(i.cashFen) }) : t('mall.pointsOnly', { points: i.points.toLocaleString() });
}

/** 积分商城: coupons customers redeem with points — what each costs, how many are left, and on or off the shelf. */
export default function PointsMall() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const canManage = can('loyalty:manage');
  const items = useApi<{ items: PointsMallItem[] }>('/points/mall');
  // A shop has a handful of coupons; the newest 100 are enough to choose from.
  const templates = useApi<Paged<CouponTemplate>>(canManage ? '/coupons' : null, { page: 1, pageSize: 100 });
  const [editing, setEditing] = useState<PointsMallItem | 'new' | null>(null);
  const [saving, setSaving] = useState(false);
  const [toggling, setToggling] = useState<string | null>(null);
  const [form] = Form.useForm<Values>();
  const requiredRule = { required: true, message: t('common.required') };

  useEffect(() => {
    if (!editing) return;
    form.resetFields();
    form.setFieldsValue(
      editing === 'new'
        ? { kind: 'coupon', title: '', couponTemplateId: undefined, productId: undefined, skuId: undefined, cash: null, points: null, stock: null, perCustomerLimit: 1, sortOrder: 0, status: 'on_sale' }
        : valuesOf(editing),
    );
  }, [editing, form]);

  const kind = (Form.useWatch('kind', form) ?? 'coupon') as MallKind;
  const productId = Form.useWatch('productId', form) as string | undefined;
  const productDetails = useProductDetails(productId ? [productId] : []);
  const picked = productId ? productDetails.get(productId) : undefined;
  const skuOptions = picked && picked !== 'missing' ? picked.skus.map((k) => ({ value: k.id, label: `${k.specText || picked.title} · ${formatFen(k.price)}` })) : [];
  const current = editing && editing !== 'new' ? editing.couponTemplateId : null;
  // Ended coupons cannot be issued any more; the item's own coupon stays listed so an old item still shows what it gives.
  const couponOptions = (templates.data?.items ?? [])
    .filter((c) => c.status !== 'ended' || c.id === current)
    .map((c) => ({ value: c.id, label: `${c.name}(${couponLabel(c, lang)})${c.status === 'ended' ? ` · ${t('promo.status.ended')}` : ''}`, disabled: c.status === 'ended' }));

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const body = validateBody(form, PointsMallItemBody, toBody(form.getFieldsValue(true) as Values));
    if (!body) return;
    setSaving(true);
    try {
      if (editing === 'new') await api.post('/points/mall', body);
      else if (editing) await api.put(`/points/mall/${editing.id}`, body);
      feedback.message.success(t('common.saved'));
      setEditing(null);
      items.reload();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const toggle = async (i: PointsMallItem) => {
    const status: MallStatus = i.status === 'on_sale' ? 'off_shelf' : 'on_sale';
    setToggling(i.id);
    try {
      const saved = await api.put<PointsMallItem>(`/points/mall/${i.id}`, bodyOf(i, { status }));
      items.setData((d) => d && { items: d.items.map((x) => (x.id === i.id ? { ...x, ...saved } : x)) });
      feedback.message.success(t(status === 'on_sale' ? 'mall.putOnDone' : 'mall.takeOffDone'));
    } catch (err) {
      showError(err);
    } finally {
      setToggling(null);
    }
  };

  if (items.error && !items.data) return <LoadError error={items.error} onRetry={items.reload} />;

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.pointsMall')}</h1>
      {!canManage && <Alert type="info" showIcon title={t('mall.readOnly')} style={{ marginBottom: 12 }} />}
      <div className="toolbar">
        {canManage && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="mall-new">
            {t('mall.new')}
          </Button>
        )}
        <span className="muted">
          {t('mall.hint')}
          <br />
          {t('mall.hintGoods')}
        </span>
      </div>
      <Table<PointsMallItem>
        rowKey="id"
        loading={items.loading}
        dataSource={items.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: <span className="muted">{t('mall.empty')}</span> }}
        data-testid="mall-table"
        columns={[
          { title: t('mall.itemTitle'), dataIndex: 'title', width: 220, ellipsis: true },
          {
            title: t('mall.give'),
            key: 'give',
            render: (_, i) =>
              i.kind === 'goods' ? (
                i.product ? (
                  <Space size={4} wrap>
                    <Tag color="blue">{t('mall.kind.goods')}</Tag>
                    <span>{i.product.title}</span>
                    {i.product.specText && <span className="muted">{i.product.specText}</span>}
                    {!i.product.onSale && <Tag color="warning">{t('mall.goodsOffSale')}</Tag>}
                  </Space>
                ) : (
                  <span className="muted">{t('mall.goodsGone')}</span>
                )
              ) : i.coupon ? (
                <Space size={4} wrap>
                  <CouponKindTag kind={i.coupon.kind} />
                  <span>{i.coupon.name}</span>
                </Space>
              ) : (
                <span className="muted">{t('mall.couponGone')}</span>
              ),
          },
          { title: t('mall.price'), key: 'price', width: 170, align: 'right', render: (_, i) => <span data-testid={`mall-price-${i.id}`}>{mallPrice(i, t)}</span> },
          { title: t('mall.stockLeft'), dataIndex: 'stock', width: 90, align: 'right', render: (v: number) => (v === 0 ? <span style={{ color: '#cf1322' }}>0</span> : v.toLocaleString()) },
          { title: t('mall.redeemed'), dataIndex: 'redeemed', width: 110, align: 'right' },
          { title: t('mall.perCustomerLimit'), dataIndex: 'perCustomerLimit', width: 130, align: 'right' },
          { title: t('mall.sortOrder'), dataIndex: 'sortOrder', width: 80, align: 'right' },
          {
            title: t('common.status'),
            dataIndex: 'status',
            width: 100,
            render: (s: MallStatus) => <Tag color={s === 'on_sale' ? 'green' : 'default'}>{t(`mall.status.${s}`)}</Tag>,
          },
          ...(canManage
            ? [
                {
                  title: t('common.actions'),
                  key: 'a',
                  width: 150,
                  render: (_: unknown, i: PointsMallItem) => (
                    <Space size={0}>
                      <Button type="link" size="small" onClick={() => setEditing(i)} aria-label={`${t('common.edit')} ${i.title}`} data-testid={`mall-edit-${i.id}`}>
                        {t('common.edit')}
                      </Button>
                      <Button
                        type="link"
                        size="small"
                        loading={toggling === i.id}
                        onClick={() => void toggle(i)}
                        aria-label={`${t(i.status === 'on_sale' ? 'mall.takeOff' : 'mall.putOn')} ${i.title}`}
                        data-testid={`mall-toggle-${i.id}`}
                      >
                        {t(i.status === 'on_sale' ? 'mall.takeOff' : 'mall.putOn')}
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
        width={560}
        title={editing === 'new' ? t('mall.new') : t('mall.edit')}
        onCancel={() => setEditing(null)}
        onOk={save}
        confirmLoading={saving}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'mall-save' } as never}
        forceRender
      >
        <Form<Values> form={form} layout="horizontal" labelCol={{ flex: '110px' }} name="pointsMallItem">
          <Form.Item name="title" label={t('mall.itemTitle')} required rules={[zodRule(shape.title, asText)]}>
            <Input maxLength={40} showCount placeholder={t('mall.titlePlaceholder')} data-testid="mall-title" />
          </Form.Item>
          <Form.Item name="kind" label={t('mall.kind')} extra={editing !== 'new' ? t('mall.kindFixed') : undefined}>
            <Radio.Group disabled={editing !== 'new'} data-testid="mall-kind">
              <Radio value="coupon">{t('mall.kind.coupon')}</Radio>
              <Radio value="goods">{t('mall.kind.goods')}</Radio>
            </Radio.Group>
          </Form.Item>
          {kind === 'coupon' ? (
            <Form.Item name="couponTemplateId" label={t('mall.coupon')} required rules={[{ required: true, message: t('pack.chooseCoupon') }]} extra={t('mall.couponHint')}>
              <Select
                showSearch={{ optionFilterProp: 'label' }}
                options={couponOptions}
                placeholder={t('pack.chooseCoupon')}
                loading={templates.loading}
                notFoundContent={templates.loading ? undefined : t('mall.noCoupons')}
                data-testid="mall-coupon"
              />
            </Form.Item>
          ) : (
            <>
              <Form.Item name="productId" label={t('mall.goods')} required rules={[{ required: true, message: t('promo.pickProduct') }]} extra={t('mall.goodsHint')}>
                <ProductSingleField
                  onChange={(id) => {
                    form.setFieldsValue({ productId: id, skuId: undefined });
                  }}
                  testId="mall-goods-product"
                />
              </Form.Item>
              {productId && (
                <Form.Item name="skuId" label={t('mall.chooseSku')} required rules={[{ required: true, message: t('mall.chooseSku') }]}>
                  <Select
                    options={skuOptions}
                    placeholder={t('mall.chooseSku')}
                    loading={!picked}
                    notFoundContent={picked ? t('mall.noSkus') : undefined}
                    data-testid="mall-goods-sku"
                  />
                </Form.Item>
              )}
              <Form.Item name="cash" label={t('mall.cash')} extra={t('mall.cashHint')}>
                <InputNumber min={0} max={1_000_000} precision={2} prefix="¥" placeholder="0.00" style={{ width: 200 }} data-testid="mall-cash" />
              </Form.Item>
            </>
          )}
          <Form.Item name="points" label={t('mall.points')} required validateFirst rules={[requiredRule, zodRule(shape.points, num)]}>
            <InputNumber min={1} max={10_000_000} precision={0} suffix={t('points.unit')} style={{ width: 200 }} data-testid="mall-points" />
          </Form.Item>
          <Form.Item name="stock" label={t('mall.stock')} required validateFirst rules={[requiredRule, zodRule(shape.stock, num)]} extra={editing && editing !== 'new' ? t('mall.stockHintEdit', { n: editing.redeemed }) : t('mall.stockHint')}>
            <InputNumber min={0} max={10_000_000} precision={0} suffix={kind === 'goods' ? t('mall.units') : t('mall.sheets')} style={{ width: 200 }} data-testid="mall-stock" />
          </Form.Item>
          <Form.Item name="perCustomerLimit" label={t('mall.perCustomerLimit')} required validateFirst rules={[requiredRule, zodRule(shape.perCustomerLimit, requiredNum)]}>
            <InputNumber min={1} max={100} precision={0} suffix={kind === 'goods' ? t('mall.units') : t('mall.sheets')} style={{ width: 200 }} data-testid="mall-limit" />
          </Form.Item>
          <Form.Item name="sortOrder" label={t('mall.sortOrder')} required validateFirst rules={[requiredRule, zodRule(shape.sortOrder, requiredNum)]} extra={t('mall.sortHint')}>
            <InputNumber min={0} max={10_000} precision={0} style={{ width: 200 }} data-testid="mall-sort" />
          </Form.Item>
          <Form.Item name="status" label={t('common.status')} style={{ marginBottom: 0 }}>
            <Radio.Group data-testid="mall-status">
              <Radio value="on_sale">{t('mall.status.on_sale')}</Radio>
              <Radio value="off_shelf">{t('mall.status.off_shelf')}</Radio>
            </Radio.Group>
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
