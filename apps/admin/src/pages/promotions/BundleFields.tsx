import { useState } from 'react';
import { Button, Card, Form, Input, InputNumber, Table, type FormInstance } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { BundleRules } from '@siyu/contracts';
import { useI18n } from '../../lib/i18n';
import { formatFen, yuanToFen } from '../../lib/money';
import { moneyRule, zodRule } from '../../lib/form';
import type { ActivityValues, BundleRow } from './activityForm';
import { ProductPickerModal, ProductThumb, useProductBriefs, type ProductBrief } from './ProductPicker';

const MAX_PRODUCTS = 10;

/** 组合套餐: 2–10 products with a quantity each, sold together at one price. */
export default function BundleFields({ form, disabled }: { form: FormInstance<ActivityValues>; disabled: boolean }) {
  const { t } = useI18n();
  const [picking, setPicking] = useState(false);
  const rows = (Form.useWatch('bundleRows', { form, preserve: true }) ?? []) as BundleRow[];
  const price = Form.useWatch('bundlePrice', { form, preserve: true }) as string | undefined;
  const briefs = useProductBriefs(rows.map((r) => r.productId));

  const setRows = (next: BundleRow[]) => {
    form.setFieldValue('bundleRows', next);
    form.setFields([{ name: 'bundleRows', errors: [] }]);
  };
  const onPicked = (ids: string[]) => {
    const current = (form.getFieldValue('bundleRows') ?? []) as BundleRow[];
    const kept = current.filter((r) => ids.includes(r.productId));
    setRows([...kept, ...ids.filter((id) => !kept.some((r) => r.productId === id)).map((productId) => ({ productId, quantity: 1 }))]);
    setPicking(false);
  };

  // The set's price compared with buying each product at its lowest SKU price.
  let sum = 0;
  let known = true;
  for (const r of rows) {
    const b = briefs.get(r.productId);
    if (!b || b === 'missing') known = false;
    else sum += b.minPriceFen * (r.quantity ?? 0);
  }
  const priceFen = yuanToFen(price ?? '');

  return (
    <Card title={t('activity.section.bundle')} variant="borderless" style={{ marginBottom: 16 }}>
      <Form.List name="bundleRows">
        {(fields, _ops, { errors }) => (
          <>
            <div className="toolbar" style={{ marginBottom: 8 }}>
              <Button icon={<PlusOutlined />} disabled={disabled} onClick={() => setPicking(true)} data-testid="bundle-pick-products">
                {t('activity.bundle.addProducts')}
              </Button>
              <span className="muted">{t('activity.bundle.hint', { max: MAX_PRODUCTS })}</span>
            </div>
            <Table<{ key: number; name: number }>
              size="small"
              bordered
              pagination={false}
              rowKey="key"
              dataSource={fields.map((f) => ({ key: f.key, name: f.name }))}
              style={{ maxWidth: 860 }}
              data-testid="bundle-rows"
              locale={{ emptyText: <span className="muted">{t('activity.bundle.empty')}</span> }}
              columns={[
                { title: t('activity.product'), key: 'p', render: (_, f) => (rows[f.name] ? <ProductThumb id={rows[f.name].productId} brief={briefs.get(rows[f.name].productId)} /> : null) },
                {
                  title: t('activity.lowestPrice'),
                  key: 'min',
                  width: 130,
                  render: (_, f) => {
                    const b = rows[f.name] ? (briefs.get(rows[f.name].productId) as ProductBrief | 'missing' | undefined) : undefined;
                    return b && b !== 'missing' ? formatFen(b.minPriceFen) : '-';
                  },
                },
                {
                  title: t('activity.bundle.quantity'),
                  key: 'q',
                  width: 150,
                  render: (_, f) => (
                    <Form.Item name={[f.name, 'quantity']} rules={[zodRule(BundleRules.shape.items.element.shape.quantity, (x) => x ?? undefined)]} style={{ margin: 0 }}>
                      <InputNumber min={1} max={10} precision={0} style={{ width: '100%' }} aria-label={`${t('activity.bundle.quantity')} ${f.name + 1}`} data-testid={`bundle-quantity-${f.name}`} />
                    </Form.Item>
                  ),
                },
                {
                  title: t('common.actions'),
                  key: 'a',
                  width: 80,
                  render: (_, f) => (
                    <Button
                      type="text"
                      size="small"
                      danger
                      icon={<DeleteOutlined />}
                      disabled={disabled}
                      aria-label={`${t('common.delete')} ${f.name + 1}`}
                      onClick={() => setRows(rows.filter((_, i) => i !== f.name))}
                    />
                  ),
                },
              ]}
            />
            <Form.ErrorList errors={errors} />
          </>
        )}
      </Form.List>
      <Form.Item name="bundlePrice" label={t('activity.bundle.price')} required rules={[moneyRule(true)]} style={{ marginTop: 16 }}>
        <Input prefix="¥" inputMode="decimal" style={{ width: 200 }} data-testid="bundle-price" />
      </Form.Item>
      <div className="amount-rows" style={{ marginLeft: 0, maxWidth: 420 }} data-testid="bundle-compare">
        <div>
          <span className="muted">{t('activity.bundle.sum')}</span>
          <span>{rows.length ? (known ? formatFen(sum) : '…') : '-'}</span>
        </div>
        <div>
          <span className="muted">{t('activity.bundle.price')}</span>
          <span>{priceFen !== null ? formatFen(priceFen) : '-'}</span>
        </div>
        <div className="total">
          <span>{t('activity.bundle.saving')}</span>
          <span style={{ color: priceFen !== null && priceFen >= sum && rows.length ? '#d4380d' : undefined }}>
            {priceFen !== null && known && rows.length ? (priceFen < sum ? formatFen(sum - priceFen) : t('activity.bundle.noSaving')) : '-'}
          </span>
        </div>
      </div>
      <ProductPickerModal open={picking} selected={rows.map((r) => r.productId)} max={MAX_PRODUCTS} onClose={() => setPicking(false)} onOk={onPicked} />
    </Card>
  );
}
