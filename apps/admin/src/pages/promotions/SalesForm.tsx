/**
 * The parts the "new sales activity" forms share (定金预售, 拼团, 砍价): the form frame with its error bar and
 * footer, the submit flow (validate → page checks → schema → POST → go to the new one), the picked product's
 * detail, the per-SKU rows table and the common fields.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { Alert, Button, Checkbox, DatePicker, Form, Input, InputNumber, Radio, Space, Table, type FormInstance, type FormRule } from 'antd';
import type { TableColumnsType } from 'antd';
import type { z } from 'zod';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, moneyRule, validateBody } from '../../lib/form';
import { useI18n, type TFunction } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import type { ProductDetail } from '../../lib/types';
import { loadProductDetail, ProductSingleField } from './ProductPicker';
import './promotions.css';

type Key = Parameters<TFunction>[0];

/** What a page's checks hand to the save: the body, its schema, and the API paths back to the form's fields. */
export interface Prepared {
  body: unknown;
  schema: z.ZodType;
  fieldMap: Record<string, string>;
}

/**
 * The create flow: clears the error, validates the fields, lets the page check and build the body
 * (null = it marked a field and stops), checks the body against the schema, POSTs it and opens the new one;
 * an API error lands on its field when it names one, else in the bar and a toast.
 */
export function useCreateSubmit<V>(
  form: FormInstance<V>,
  opts: { endpoint: string; created: Key; openPath: (id: string) => string; prepare: (v: V) => Prepared | null },
) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);

  const submit = async () => {
    setFormError(null);
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const prepared = opts.prepare(form.getFieldsValue(true) as V);
    if (!prepared) return;
    const { body, schema, fieldMap } = prepared;
    if (!validateBody(form, schema, body, fieldMap)) return;
    setSaving(true);
    try {
      const saved = await api.post<{ id: string }>(opts.endpoint, body);
      feedback.message.success(t(opts.created));
      navigate(opts.openPath(saved.id), { replace: true });
    } catch (err) {
      const onField = applyApiError(form, err, fieldMap);
      setFormError((err as Error).message);
      if (!onField) showError(err);
    } finally {
      setSaving(false);
    }
  };

  return { saving, formError, clearError: () => formError && setFormError(null), submit };
}

/** The form frame: error bar on top, the cards, then 取消 / the create button. */
export function CreateForm<V>({
  form,
  name,
  labelWidth,
  initialValues,
  state,
  cancelTo,
  createLabel,
  children,
}: {
  form: FormInstance<V>;
  /** Form name, and the prefix of its test ids (`${name}-form`, `${name}-form-error`, `${name}-save`). */
  name: string;
  labelWidth: string;
  initialValues: Partial<V>;
  state: ReturnType<typeof useCreateSubmit<V>>;
  cancelTo: string;
  createLabel: string;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const { formError, saving, submit, clearError } = state;
  return (
    <Form<V>
      form={form}
      layout="horizontal"
      labelCol={{ flex: labelWidth }}
      initialValues={initialValues}
      name={name}
      className="promo-form"
      data-testid={`${name}-form`}
      onValuesChange={() => clearError()}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 12 }} data-testid={`${name}-form-error`} />}
      {children}
      <div className="form-footer">
        <Button onClick={() => navigate(cancelTo)}>{t('common.cancel')}</Button>
        <Button type="primary" loading={saving} onClick={submit} data-testid={`${name}-save`}>
          {createLabel}
        </Button>
      </div>
    </Form>
  );
}

/**
 * The picked product's detail (null while none is picked or it did not load); `onClear` when the pick is
 * cleared, `onLoad` with what loaded (undefined when it could not).
 */
export function usePickedProduct(productId: string | undefined, onClear: () => void, onLoad: (d: ProductDetail | undefined) => void) {
  const [product, setProduct] = useState<ProductDetail | null>(null);
  const handlers = useRef({ onClear, onLoad });
  handlers.current = { onClear, onLoad };
  useEffect(() => {
    let cancelled = false;
    if (!productId) {
      setProduct(null);
      handlers.current.onClear();
      return;
    }
    void loadProductDetail(productId).then((d) => {
      if (cancelled) return;
      setProduct(d ?? null);
      handlers.current.onLoad(d);
    });
    return () => {
      cancelled = true;
    };
  }, [productId]);
  return product;
}

/** One row a SKU of the picked product, all taking part, with the page's own fields. */
export interface SkuRowBase {
  skuId: string;
  specText: string;
  priceFen: number;
  on: boolean;
}
export function skuRowsOf<E extends object>(d: ProductDetail | undefined, extra: E): (SkuRowBase & E)[] {
  return (d?.skus ?? []).map((s) => ({ skuId: s.id, specText: s.specText, priceFen: s.price, on: true, ...extra }));
}

/** API paths of the chosen rows' items (`items.N` counts chosen rows only) → the form's `rows.I.field`. */
export function itemsFieldMap(rows: SkuRowBase[], fields: Record<string, string>, map: Record<string, string> = {}): Record<string, string> {
  let n = 0;
  rows.forEach((r, i) => {
    if (!r.on) return;
    for (const [api, field] of Object.entries(fields)) map[`items.${n}.${api}`] = `rows.${i}.${field}`;
    n++;
  });
  return map;
}

type RowRef = { key: number; name: number };

/** A ¥ input for one row's field, off (and unchecked) while the row is left out. */
export function RowMoneyInput({ rows, row, field, label, required = true, placeholder, testId }: { rows: SkuRowBase[]; row: number; field: string; label: string; required?: boolean; placeholder?: string; testId: string }) {
  const on = rows[row]?.on;
  return (
    <Form.Item name={[row, field]} rules={on ? [moneyRule(required)] : []} style={{ margin: 0 }}>
      <Input prefix="¥" disabled={!on} placeholder={placeholder} aria-label={`${label} ${rows[row]?.specText ?? ''}`} data-testid={testId} />
    </Form.Item>
  );
}

/**
 * The per-SKU table of a product: take part or not, the SKU, its price, then the page's columns.
 * `keys` name the texts (each page keeps its own words).
 */
export function SkuRowsItem<R extends SkuRowBase>({
  product,
  rows,
  label,
  extra,
  maxWidth,
  testPrefix,
  keys,
  columns,
}: {
  product: ProductDetail;
  rows: R[];
  label: string;
  extra: string;
  maxWidth: number;
  /** `${testPrefix}-sku-rows`, `${testPrefix}-sku-on`. */
  testPrefix: string;
  keys: { include: Key; includeSku: Key; sku: Key; price: Key; defaultSku: Key };
  columns: TableColumnsType<RowRef>;
}) {
  const { t } = useI18n();
  return (
    <Form.Item label={label} required extra={extra}>
      <Form.List name="rows">
        {(fields) => (
          <Table<RowRef>
            size="small"
            bordered
            pagination={false}
            rowKey="key"
            style={{ maxWidth }}
            dataSource={fields.map((f) => ({ key: f.key, name: f.name }))}
            data-testid={`${testPrefix}-sku-rows`}
            columns={[
              {
                title: <span className="sr-only">{t(keys.include)}</span>,
                key: 'on',
                width: 48,
                render: (_, f) => (
                  <Form.Item name={[f.name, 'on']} valuePropName="checked" noStyle>
                    <Checkbox aria-label={t(keys.includeSku, { sku: rows[f.name]?.specText || product.title })} data-testid={`${testPrefix}-sku-on`} />
                  </Form.Item>
                ),
              },
              { title: t(keys.sku), key: 'sku', render: (_, f) => rows[f.name]?.specText || t(keys.defaultSku) },
              { title: t(keys.price), key: 'price', width: 100, render: (_, f) => (rows[f.name] ? formatFen(rows[f.name].priceFen) : '') },
              ...columns,
            ]}
          />
        )}
      </Form.List>
    </Form.Item>
  );
}

/** The activity's name: at most 60 characters, counted. */
export function NameItem({ label, rules, placeholder, testId }: { label: string; rules: FormRule[]; placeholder: string; testId: string }) {
  return (
    <Form.Item name="name" label={label} required rules={rules}>
      <Input maxLength={60} showCount style={{ maxWidth: 420 }} placeholder={placeholder} data-testid={testId} />
    </Form.Item>
  );
}

/** The single product the activity sells. */
export function ProductItem({ label, message, testId }: { label: string; message: string; testId: string }) {
  return (
    <Form.Item name="productId" label={label} required rules={[{ required: true, message }]}>
      <ProductSingleField testId={testId} />
    </Form.Item>
  );
}

/** A required from ~ to, to the minute. */
export function TimeRangeItem({ name, label, placeholder, extra, testId }: { name: string; label: string; placeholder: [string, string]; extra?: string; testId: string }) {
  const { t } = useI18n();
  return (
    <Form.Item name={name} label={label} required rules={[{ required: true, message: t('common.required') }]} extra={extra}>
      <DatePicker.RangePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" placeholder={placeholder} aria-label={label} data-testid={testId} />
    </Form.Item>
  );
}

/** A required whole number within min..max, with its unit. */
export function CountItem({ name, label, extra, min = 1, max, suffix, testId }: { name: string; label: string; extra?: string; min?: number; max: number; suffix: string; testId: string }) {
  const { t } = useI18n();
  return (
    <Form.Item name={name} label={label} required rules={[{ required: true, message: t('common.required') }]} extra={extra}>
      <InputNumber min={min} max={max} precision={0} suffix={suffix} data-testid={testId} />
    </Form.Item>
  );
}

/** One of a few modes, each with a line saying what it means. */
export function ModeRadioItem<M extends string>({ name, label, modes, text, hint, testId }: { name: string; label: string; modes: readonly M[]; text: (m: M) => string; hint: (m: M) => string; testId: string }) {
  return (
    <Form.Item name={name} label={label} required>
      <Radio.Group data-testid={testId}>
        <Space orientation="vertical" size={4}>
          {modes.map((m) => (
            <Radio key={m} value={m}>
              {text(m)} <span className="muted">— {hint(m)}</span>
            </Radio>
          ))}
        </Space>
      </Radio.Group>
    </Form.Item>
  );
}
