import { useState } from 'react';
import { Button, Card, Form, Input, InputNumber, Select, Space, Table, type FormInstance } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { LimitedDiscountRules } from '@siyu/contracts';
import { useI18n } from '../../lib/i18n';
import { formatFen, yuanToFen } from '../../lib/money';
import { moneyRule, zodRule } from '../../lib/form';
import type { ActivityValues, DiscountRow } from './activityForm';
import { loadProductDetail, ProductPickerModal, ProductThumb, useProductBriefs, useProductDetails, type ProductBrief } from './ProductPicker';
import { zheToPercent } from './shared';

const MAX_ROWS = 200;
const discounted = (priceFen: number, zhe: number) => Math.max(1, Math.round((priceFen * (zheToPercent(zhe) ?? 100)) / 100));

/** 限时折扣: products (or single SKUs) at a share paid or a fixed price, and a per-customer unit limit. */
export default function LimitedDiscountFields({ form, disabled }: { form: FormInstance<ActivityValues>; disabled: boolean }) {
  const { t } = useI18n();
  const [picking, setPicking] = useState(false);
  const [splitting, setSplitting] = useState<string | null>(null);
  const rows = (Form.useWatch('discountRows', { form, preserve: true }) ?? []) as DiscountRow[];
  const productIds = [...new Set(rows.map((r) => r.productId))];
  const briefs = useProductBriefs(productIds);
  const details = useProductDetails([...new Set(rows.filter((r) => r.skuId).map((r) => r.productId))]);

  const current = () => (form.getFieldValue('discountRows') ?? []) as DiscountRow[];
  const setRows = (next: DiscountRow[]) => {
    form.setFieldValue('discountRows', next);
    form.setFields([{ name: 'discountRows', errors: [] }]);
  };

  const onPicked = (ids: string[]) => {
    const kept = current().filter((r) => ids.includes(r.productId));
    const have = new Set(kept.map((r) => r.productId));
    setRows([...kept, ...ids.filter((id) => !have.has(id)).map((productId): DiscountRow => ({ productId, mode: 'percent', zhe: 8, price: '' }))]);
    setPicking(false);
  };

  // Per SKU: the product row becomes one row per SKU, each starting from the product's discount.
  const split = async (productId: string) => {
    setSplitting(productId);
    const d = await loadProductDetail(productId);
    setSplitting(null);
    if (!d) return;
    const rowsNow = current();
    const at = rowsNow.findIndex((r) => r.productId === productId);
    const base = rowsNow[at];
    const skuRows = d.skus.map((s): DiscountRow => ({ productId, skuId: s.id, mode: base.mode, zhe: base.zhe, price: base.price }));
    setRows([...rowsNow.slice(0, at), ...skuRows, ...rowsNow.slice(at + 1).filter((r) => r.productId !== productId)]);
  };
  const merge = (productId: string) => {
    const rowsNow = current();
    const at = rowsNow.findIndex((r) => r.productId === productId);
    const first = rowsNow[at];
    setRows([...rowsNow.slice(0, at), { productId, mode: first.mode, zhe: first.zhe, price: first.price }, ...rowsNow.slice(at + 1).filter((r) => r.productId !== productId)]);
  };

  const skuOf = (r: DiscountRow) => {
    if (!r.skuId) return undefined;
    const d = details.get(r.productId);
    return d && d !== 'missing' ? d.skus.find((s) => s.id === r.skuId) : undefined;
  };
  const originalText = (r: DiscountRow) => {
    const sku = skuOf(r);
    if (sku) return formatFen(sku.price);
    const b = briefs.get(r.productId) as ProductBrief | undefined | 'missing';
    if (!b || b === 'missing' || r.skuId) return '-';
    return b.minPriceFen === b.maxPriceFen ? formatFen(b.minPriceFen) : `${formatFen(b.minPriceFen)} ~ ${formatFen(b.maxPriceFen)}`;
  };
  const activityText = (r: DiscountRow) => {
    if (r.mode === 'price') {
      const p = yuanToFen(r.price ?? '');
      return p === null ? '-' : formatFen(p);
    }
    if (!r.zhe) return '-';
    const sku = skuOf(r);
    if (sku) return formatFen(discounted(sku.price, r.zhe));
    const b = briefs.get(r.productId);
    if (!b || b === 'missing' || r.skuId) return '-';
    const lo = discounted(b.minPriceFen, r.zhe);
    const hi = discounted(b.maxPriceFen, r.zhe);
    return lo === hi ? formatFen(lo) : `${formatFen(lo)} ~ ${formatFen(hi)}`;
  };

  return (
    <Card title={t('activity.section.limited_discount')} variant="borderless" style={{ marginBottom: 16 }}>
      <Form.List name="discountRows">
        {(fields, _ops, { errors }) => (
          <>
            <div className="toolbar" style={{ marginBottom: 8 }}>
              <Button icon={<PlusOutlined />} disabled={disabled} onClick={() => setPicking(true)} data-testid="ld-pick-products">
                {t('activity.ld.addProducts')}
              </Button>
              <span className="muted">{t('activity.ld.hint')}</span>
            </div>
            <Table<{ key: number; name: number }>
              size="small"
              bordered
              pagination={false}
              rowKey="key"
              dataSource={fields.map((f) => ({ key: f.key, name: f.name }))}
              data-testid="ld-rows"
              locale={{ emptyText: <span className="muted">{t('activity.ld.empty')}</span> }}
              columns={[
                {
                  title: t('activity.product'),
                  key: 'product',
                  render: (_, f) => {
                    const r = rows[f.name];
                    if (!r) return null;
                    const sku = skuOf(r);
                    return r.skuId ? (
                      <div style={{ paddingLeft: 12 }}>
                        <div className="muted" style={{ fontSize: 12 }}>{(briefs.get(r.productId) as ProductBrief | undefined)?.title ?? ''}</div>
                        <div>{sku ? sku.specText || t('activity.ld.defaultSku') : '…'}</div>
                      </div>
                    ) : (
                      <ProductThumb id={r.productId} brief={briefs.get(r.productId)} />
                    );
                  },
                },
                { title: t('activity.originalPrice'), key: 'orig', width: 170, render: (_, f) => (rows[f.name] ? originalText(rows[f.name]) : null) },
                {
                  title: t('activity.ld.mode'),
                  key: 'mode',
                  width: 130,
                  render: (_, f) => (
                    <Form.Item name={[f.name, 'mode']} style={{ margin: 0 }}>
                      <Select
                        aria-label={`${t('activity.ld.mode')} ${f.name + 1}`}
                        options={[
                          { value: 'percent', label: t('activity.ld.mode.percent') },
                          { value: 'price', label: t('activity.ld.mode.price') },
                        ]}
                        data-testid={`ld-mode-${f.name}`}
                      />
                    </Form.Item>
                  ),
                },
                {
                  title: t('activity.ld.value'),
                  key: 'value',
                  width: 170,
                  render: (_, f) =>
                    rows[f.name]?.mode === 'price' ? (
                      <Form.Item name={[f.name, 'price']} rules={[moneyRule(true)]} style={{ margin: 0 }}>
                        <Input prefix="¥" inputMode="decimal" aria-label={`${t('activity.ld.mode.price')} ${f.name + 1}`} data-testid={`ld-price-${f.name}`} />
                      </Form.Item>
                    ) : (
                      <Form.Item name={[f.name, 'zhe']} rules={[{ required: true, message: t('common.required') }]} style={{ margin: 0 }}>
                        <InputNumber min={0.1} max={9.9} step={0.5} precision={1} suffix={t('promo.zheUnit')} style={{ width: '100%' }} aria-label={`${t('activity.ld.mode.percent')} ${f.name + 1}`} data-testid={`ld-zhe-${f.name}`} />
                      </Form.Item>
                    ),
                },
                { title: t('activity.activityPrice'), key: 'activityPrice', width: 170, render: (_, f) => (rows[f.name] ? <span data-testid={`ld-activity-price-${f.name}`}>{activityText(rows[f.name])}</span> : null) },
                {
                  title: t('common.actions'),
                  key: 'a',
                  width: 170,
                  render: (_, f) => {
                    const r = rows[f.name];
                    if (!r) return null;
                    const firstOfProduct = rows.findIndex((x) => x.productId === r.productId) === f.name;
                    return (
                      <Space size={0}>
                        {!r.skuId ? (
                          <Button type="link" size="small" disabled={disabled} loading={splitting === r.productId} onClick={() => split(r.productId)} data-testid={`ld-split-${f.name}`}>
                            {t('activity.ld.perSku')}
                          </Button>
                        ) : (
                          firstOfProduct && (
                            <Button type="link" size="small" disabled={disabled} onClick={() => merge(r.productId)}>
                              {t('activity.ld.perProduct')}
                            </Button>
                          )
                        )}
                        <Button
                          type="text"
                          size="small"
                          danger
                          icon={<DeleteOutlined />}
                          disabled={disabled}
                          aria-label={`${t('common.delete')} ${f.name + 1}`}
                          onClick={() => setRows(current().filter((_, i) => i !== f.name))}
                        />
                      </Space>
                    );
                  },
                },
              ]}
            />
            <Form.ErrorList errors={errors} />
          </>
        )}
      </Form.List>
      <Form.Item
        name="perCustomerLimit"
        label={t('activity.ld.perCustomerLimit')}
        extra={t('activity.ld.perCustomerHint')}
        rules={[zodRule(LimitedDiscountRules.shape.perCustomerLimit, (x) => x ?? undefined)]}
        style={{ marginTop: 16 }}
      >
        <InputNumber min={0} max={999} precision={0} suffix={t('activity.unitsUnit')} style={{ width: 200 }} data-testid="ld-per-customer" />
      </Form.Item>
      <ProductPickerModal open={picking} selected={productIds} max={MAX_ROWS} onClose={() => setPicking(false)} onOk={onPicked} />
    </Card>
  );
}
