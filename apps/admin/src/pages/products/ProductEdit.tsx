import { useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { Alert, Button, Card, Form, Input, InputNumber, Radio, Select, Skeleton, Space, Table, TreeSelect } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { MAX_SPEC_ATTRIBUTES, MAX_STOCK, ProductInput, SkuInput } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, moneyRule, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { fenToYuan, yuanToFen } from '../../lib/money';
import ImageUpload from '../../components/ImageUpload';
import { LoadError } from '../../components/Results';
import type { CategoryNode, ProductDetail, ProductStatus } from '../../lib/types';
import { categoryTree } from './ProductList';
import { regenerate, sameRows, usableAttrs, type SkuFormRow, type SpecAttr } from './sku';

interface FormValues {
  title: string;
  subtitle?: string;
  description?: string;
  categoryId?: string | null;
  status: ProductStatus;
  images: string[];
  weightGrams?: number | null;
  specAttributes: SpecAttr[];
  skus: SkuFormRow[];
}

const shape = ProductInput.shape;

function toForm(p: ProductDetail): FormValues {
  return {
    title: p.title,
    subtitle: p.subtitle,
    description: p.description,
    categoryId: p.categoryId,
    status: p.status,
    images: p.images,
    weightGrams: p.weightGrams,
    specAttributes: p.specAttributes,
    skus: p.skus.map((s) => ({
      specValues: s.specValues,
      price: fenToYuan(s.price),
      marketPrice: s.marketPrice === null ? '' : fenToYuan(s.marketPrice),
      stock: s.stock.available,
      loadedStock: s.stock.available,
      skuCode: s.skuCode,
      existing: true,
    })),
  };
}

const EMPTY: FormValues = { title: '', status: 'draft', images: [], specAttributes: [], skus: [{ specValues: {}, stock: 0 }], weightGrams: 0 };

export default function ProductEdit() {
  const { id } = useParams();
  const isNew = !id;
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [form] = Form.useForm<FormValues>();
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const detail = useApi<ProductDetail>(isNew ? null : `/products/${id}`);
  const cats = useApi<{ items: CategoryNode[] }>('/categories');
  const readOnly = !can('catalog:write');
  const [ready, setReady] = useState(isNew);
  const prevAttrs = useRef<{ name: string }[]>([]);

  useEffect(() => {
    if (detail.data) {
      form.setFieldsValue(toForm(detail.data));
      prevAttrs.current = usableAttrs(detail.data.specAttributes);
      setReady(true);
    }
  }, [detail.data, form]);

  // The SKU matrix follows the spec attributes: every combination is a row, typed values are kept.
  const attrs = Form.useWatch('specAttributes', { form, preserve: true }) as SpecAttr[] | undefined;
  const rows = (Form.useWatch('skus', { form, preserve: true }) ?? []) as SkuFormRow[];
  useEffect(() => {
    if (!ready) return;
    const current = (form.getFieldValue('skus') ?? []) as SkuFormRow[];
    const next = regenerate(attrs, current, prevAttrs.current);
    prevAttrs.current = usableAttrs(attrs);
    if (!sameRows(current, next) || current.some((r, i) => JSON.stringify(r.specValues) !== JSON.stringify(next[i]?.specValues))) {
      form.setFieldValue('skus', next);
    }
  }, [attrs, ready, form]);

  const usable = useMemo(() => usableAttrs(attrs), [attrs]);
  const [batch, setBatch] = useState<{ price?: string; marketPrice?: string; stock?: number | null }>({});
  const applyBatch = () => {
    const current = (form.getFieldValue('skus') ?? []) as SkuFormRow[];
    form.setFieldValue(
      'skus',
      current.map((r) => ({
        ...r,
        ...(batch.price ? { price: batch.price } : {}),
        ...(batch.marketPrice ? { marketPrice: batch.marketPrice } : {}),
        ...(batch.stock !== undefined && batch.stock !== null ? { stock: batch.stock } : {}),
      })),
    );
    void form.validateFields(current.flatMap((_, i) => [['skus', i, 'price'], ['skus', i, 'marketPrice']]) as never).catch(() => undefined);
  };

  const submit = async () => {
    setFormError(null);
    let v: FormValues;
    try {
      await form.validateFields();
      v = form.getFieldsValue(true) as FormValues;
    } catch {
      return;
    }
    const body = {
      title: v.title,
      subtitle: v.subtitle ?? '',
      description: v.description ?? '',
      categoryId: v.categoryId ?? null,
      status: v.status,
      images: v.images ?? [],
      weightGrams: v.weightGrams ?? 0,
      specAttributes: usableAttrs(v.specAttributes),
      skus: (v.skus ?? []).map((r) => {
        const stockChanged = !r.existing || r.stock !== r.loadedStock;
        return {
          specValues: r.specValues,
          price: yuanToFen(r.price) ?? Number.NaN,
          marketPrice: r.marketPrice ? (yuanToFen(r.marketPrice) ?? Number.NaN) : null,
          ...(stockChanged ? { stock: r.stock ?? 0 } : {}),
          ...(r.skuCode?.trim() ? { skuCode: r.skuCode.trim() } : {}),
        };
      }),
    };
    const parsed = validateBody(form, ProductInput, body);
    if (!parsed) return;
    setSaving(true);
    try {
      if (isNew) {
        await api.post('/products', body);
        feedback.message.success(t('product.created'));
      } else {
        await api.put(`/products/${id}`, body);
        feedback.message.success(t('product.updated'));
      }
      navigate('/products');
    } catch (err) {
      const onField = applyApiError(form, err);
      setFormError((err as Error).message);
      if (!onField) showError(err);
    } finally {
      setSaving(false);
    }
  };

  if (detail.error) return <LoadError error={detail.error} onRetry={detail.reload} />;
  if (!ready) return <div className="page-card"><Skeleton active /></div>;

  const skuColumns = [
    ...usable.map((a) => ({
      title: a.name,
      key: `attr-${a.name}`,
      render: (_: unknown, r: SkuFormRow) => <span className="sku-spec-cell">{r.specValues[a.name]}</span>,
    })),
    {
      title: <span className="ant-form-item-required">{t('product.skuPrice')}</span>,
      key: 'price',
      width: 150,
      render: (_: unknown, __: SkuFormRow, i: number) => (
        <Form.Item name={['skus', i, 'price']} rules={[moneyRule(true)]} style={{ margin: 0 }}>
          <Input prefix="¥" inputMode="decimal" aria-label={`${t('product.skuPrice')} ${i + 1}`} data-testid={`sku-price-${i}`} />
        </Form.Item>
      ),
    },
    {
      title: t('product.skuMarketPrice'),
      key: 'marketPrice',
      width: 150,
      render: (_: unknown, __: SkuFormRow, i: number) => (
        <Form.Item name={['skus', i, 'marketPrice']} rules={[moneyRule(false)]} style={{ margin: 0 }}>
          <Input prefix="¥" inputMode="decimal" aria-label={`${t('product.skuMarketPrice')} ${i + 1}`} data-testid={`sku-market-price-${i}`} />
        </Form.Item>
      ),
    },
    {
      title: t('product.skuStock'),
      key: 'stock',
      width: 130,
      render: (_: unknown, __: SkuFormRow, i: number) => (
        <Form.Item name={['skus', i, 'stock']} style={{ margin: 0 }}>
          <InputNumber min={0} max={MAX_STOCK} precision={0} style={{ width: '100%' }} aria-label={`${t('product.skuStock')} ${i + 1}`} data-testid={`sku-stock-${i}`} />
        </Form.Item>
      ),
    },
    {
      title: t('product.skuCode'),
      key: 'skuCode',
      width: 190,
      render: (_: unknown, __: SkuFormRow, i: number) => (
        <Form.Item name={['skus', i, 'skuCode']} rules={[zodRule(SkuInput.shape.skuCode)]} style={{ margin: 0 }}>
          <Input placeholder={t('product.skuCodeAuto')} aria-label={`${t('product.skuCode')} ${i + 1}`} data-testid={`sku-code-${i}`} />
        </Form.Item>
      ),
    },
  ];

  return (
    <Form<FormValues>
      form={form}
      layout="horizontal"
      labelCol={{ flex: '120px' }}
      initialValues={EMPTY}
      disabled={readOnly}
      name="product"
      data-testid="product-form"
      onValuesChange={() => formError && setFormError(null)}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 12 }} data-testid="product-form-error" />}
      <Card title={t('product.basic')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item name="title" label={t('product.title')} required rules={[zodRule(shape.title, asText)]}>
          <Input maxLength={100} showCount data-testid="product-title" />
        </Form.Item>
        <Form.Item name="subtitle" label={t('product.subtitle')} rules={[zodRule(shape.subtitle)]}>
          <Input maxLength={200} data-testid="product-subtitle" />
        </Form.Item>
        <Form.Item name="categoryId" label={t('product.category')}>
          <TreeSelect allowClear treeData={categoryTree(cats.data?.items ?? [])} style={{ maxWidth: 320 }} placeholder={t('product.noCategory')} data-testid="product-category" />
        </Form.Item>
        <Form.Item name="images" label={t('product.images')} rules={[zodRule(shape.images)]}>
          <ImageUpload max={20} testId="product-image-upload" />
        </Form.Item>
        <Form.Item name="weightGrams" label={t('product.weight')} rules={[zodRule(shape.weightGrams)]}>
          <InputNumber min={0} max={1_000_000} precision={0} style={{ width: 200 }} />
        </Form.Item>
        <Form.Item name="status" label={t('product.status')}>
          <Radio.Group data-testid="product-status">
            {(['draft', 'on_sale', 'off_shelf'] as const).map((s) => (
              <Radio key={s} value={s} data-testid={`product-status-${s}`}>
                {t(`product.status.${s}`)}
              </Radio>
            ))}
          </Radio.Group>
        </Form.Item>
      </Card>

      <Card title={t('product.specs')} variant="borderless" style={{ marginBottom: 16 }} extra={<span className="muted">{t('product.specHint')}</span>}>
        <Form.List name="specAttributes">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f, i) => (
                <div key={f.key} style={{ background: '#f7f8fa', padding: '12px 16px 0', borderRadius: 4, marginBottom: 12 }} data-testid={`spec-attr-${i}`}>
                  <Space align="start" wrap>
                    <Form.Item name={[f.name, 'name']} label={t('product.specAttr')} rules={[zodRule(shape.specAttributes.unwrap().element.shape.name, asText)]}>
                      <Input placeholder={t('product.specAttrPlaceholder')} style={{ width: 160 }} data-testid={`spec-name-${i}`} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'values']} label={t('product.specValues')} rules={[zodRule(shape.specAttributes.unwrap().element.shape.values, (v) => v ?? [])]}>
                      <Select
                        mode="tags"
                        open={false}
                        suffixIcon={null}
                        tokenSeparators={[',', ',', ' ']}
                        placeholder={t('product.specValuesPlaceholder')}
                        style={{ minWidth: 360 }}
                        data-testid={`spec-values-${i}`}
                      />
                    </Form.Item>
                    <Button icon={<DeleteOutlined />} onClick={() => remove(f.name)} aria-label={`${t('product.removeSpec')} ${i + 1}`} data-testid={`remove-spec-${i}`} />
                  </Space>
                </div>
              ))}
              <Button icon={<PlusOutlined />} disabled={readOnly || fields.length >= MAX_SPEC_ATTRIBUTES} onClick={() => add({ name: '', values: [] })} data-testid="add-spec">
                {t('product.addSpec')}
              </Button>
            </>
          )}
        </Form.List>

        <div style={{ marginTop: 20 }}>
          <div className="toolbar" style={{ marginBottom: 8 }}>
            <strong>{t('product.skuTable')}</strong>
            {rows.length > 1 && !readOnly && (
              <Space wrap>
                <span className="muted">{t('product.batchFill')}:</span>
                <Input size="small" prefix="¥" style={{ width: 110 }} placeholder={t('product.skuPrice')} aria-label={`${t('product.batchFill')} ${t('product.skuPrice')}`} value={batch.price} onChange={(e) => setBatch({ ...batch, price: e.target.value })} data-testid="batch-price" />
                <Input size="small" prefix="¥" style={{ width: 120 }} placeholder={t('product.skuMarketPrice')} aria-label={`${t('product.batchFill')} ${t('product.skuMarketPrice')}`} value={batch.marketPrice} onChange={(e) => setBatch({ ...batch, marketPrice: e.target.value })} data-testid="batch-market-price" />
                <InputNumber size="small" min={0} max={MAX_STOCK} precision={0} style={{ width: 100 }} placeholder={t('product.skuStock')} aria-label={`${t('product.batchFill')} ${t('product.skuStock')}`} value={batch.stock} onChange={(v) => setBatch({ ...batch, stock: v })} data-testid="batch-stock" />
                <Button size="small" onClick={applyBatch} data-testid="batch-apply">
                  {t('product.batchApply')}
                </Button>
              </Space>
            )}
          </div>
          <Table<SkuFormRow>
            size="small"
            bordered
            pagination={false}
            rowKey={(r) => JSON.stringify(r.specValues)}
            columns={skuColumns}
            dataSource={rows}
            data-testid="sku-table"
            scroll={{ x: 700 }}
          />
        </div>
      </Card>

      <Card title={t('product.description')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item name="description" rules={[zodRule(shape.description)]}>
          <Input.TextArea rows={6} maxLength={100000} aria-label={t('product.description')} data-testid="product-description" />
        </Form.Item>
      </Card>

      <div className="form-footer">
        <Button onClick={() => navigate('/products')} disabled={false}>
          {t('common.cancel')}
        </Button>
        {!readOnly && (
          <Button type="primary" loading={saving} onClick={submit} data-testid="product-save">
            {t('common.save')}
          </Button>
        )}
      </div>
    </Form>
  );
}
