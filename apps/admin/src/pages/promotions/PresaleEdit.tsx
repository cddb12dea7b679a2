import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Alert, Button, Card, Checkbox, DatePicker, Form, Input, InputNumber, Switch, Table } from 'antd';
import type { Dayjs } from 'dayjs';
import { PresaleBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, moneyRule, validateBody, zodRule } from '../../lib/form';
import { useI18n } from '../../lib/i18n';
import { formatFen, yuanToFen } from '../../lib/money';
import type { ProductDetail } from '../../lib/types';
import { loadProductDetail, ProductSingleField } from './ProductPicker';
import type { Presale } from './salesTypes';
import './promotions.css';

interface SkuRow {
  skuId: string;
  specText: string;
  priceFen: number;
  on: boolean;
  deposit: string;
  deduct: string;
}

interface Values {
  name: string;
  productId?: string;
  rows: SkuRow[];
  depositRange?: [Dayjs, Dayjs];
  balanceRange?: [Dayjs, Dayjs];
  depositRefundable: boolean;
  perCustomerLimit: number;
}

const nameSchema = PresaleBody.shape.name;
const yuan = (fen: number) => (fen / 100).toFixed(fen % 100 === 0 ? 0 : 2);
/** "定金¥50抵¥100" as the storefront and the order show it. */
export const deductText = (depositFen: number, deductFen: number) => (deductFen > depositFen ? `定金¥${yuan(depositFen)}抵¥${yuan(deductFen)}` : `定金¥${yuan(depositFen)}`);

/** New 定金预售: a product, per SKU the deposit and what it counts for, the two windows, refundable, limit. */
export default function PresaleEdit() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [product, setProduct] = useState<ProductDetail | null>(null);
  const productId = Form.useWatch('productId', form);
  const rows = (Form.useWatch('rows', { form, preserve: true }) ?? []) as SkuRow[];

  useEffect(() => {
    let cancelled = false;
    if (!productId) {
      setProduct(null);
      form.setFieldValue('rows', []);
      return;
    }
    void loadProductDetail(productId).then((d) => {
      if (cancelled) return;
      setProduct(d ?? null);
      form.setFieldValue(
        'rows',
        (d?.skus ?? []).map((s): SkuRow => ({ skuId: s.id, specText: s.specText, priceFen: s.price, on: true, deposit: '', deduct: '' })),
      );
    });
    return () => {
      cancelled = true;
    };
  }, [productId, form]);

  const fieldMapOf = (v: Values) => {
    const map: Record<string, string> = {
      depositStartsAt: 'depositRange',
      depositEndsAt: 'depositRange',
      balanceStartsAt: 'balanceRange',
      balanceEndsAt: 'balanceRange',
      items: 'productId',
    };
    let n = 0;
    v.rows.forEach((r, i) => {
      if (!r.on) return;
      map[`items.${n}.depositFen`] = `rows.${i}.deposit`;
      map[`items.${n}.deductFen`] = `rows.${i}.deduct`;
      map[`items.${n}.skuId`] = `rows.${i}.deposit`;
      n++;
    });
    return map;
  };

  const submit = async () => {
    setFormError(null);
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = form.getFieldsValue(true) as Values;
    const chosen = v.rows.filter((r) => r.on);
    const body = {
      name: (v.name ?? '').trim(),
      productId: v.productId,
      depositStartsAt: v.depositRange?.[0]?.toISOString(),
      depositEndsAt: v.depositRange?.[1]?.toISOString(),
      balanceStartsAt: v.balanceRange?.[0]?.toISOString(),
      balanceEndsAt: v.balanceRange?.[1]?.toISOString(),
      depositRefundable: !!v.depositRefundable,
      perCustomerLimit: v.perCustomerLimit,
      items: chosen.map((r) => ({ skuId: r.skuId, depositFen: yuanToFen(r.deposit) ?? 0, deductFen: yuanToFen(r.deduct || r.deposit) ?? 0 })),
    };
    const fieldMap = fieldMapOf(v);
    if (chosen.length === 0) {
      form.setFields([{ name: 'productId', errors: [t('presale.pickSku')] }]);
      return;
    }
    // The deposit must count for less than the price: the balance must be something.
    const dear = v.rows.findIndex((r) => r.on && (yuanToFen(r.deduct || r.deposit) ?? 0) >= r.priceFen);
    if (dear >= 0) {
      form.setFields([{ name: ['rows', dear, 'deduct'], errors: [t('presale.deductTooHigh')] }]);
      return;
    }
    if (!validateBody(form, PresaleBody, body, fieldMap)) return;
    setSaving(true);
    try {
      const saved = await api.post<Presale>('/presales', body);
      feedback.message.success(t('presale.created'));
      navigate(`/presales/${saved.id}`, { replace: true });
    } catch (err) {
      const onField = applyApiError(form, err, fieldMap);
      setFormError((err as Error).message);
      if (!onField) showError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Form<Values>
      form={form}
      layout="horizontal"
      labelCol={{ flex: '140px' }}
      initialValues={{ name: '', rows: [], depositRefundable: false, perCustomerLimit: 1 }}
      name="presale"
      className="promo-form"
      data-testid="presale-form"
      onValuesChange={() => formError && setFormError(null)}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 12 }} data-testid="presale-form-error" />}
      <Card title={t('presale.section.basic')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item name="name" label={t('presale.name')} required rules={[zodRule(nameSchema, asText)]}>
          <Input maxLength={60} showCount style={{ maxWidth: 420 }} placeholder={t('presale.namePlaceholder')} data-testid="presale-name" />
        </Form.Item>
        <Form.Item name="productId" label={t('presale.product')} required rules={[{ required: true, message: t('presale.pickProduct') }]}>
          <ProductSingleField testId="presale-product" />
        </Form.Item>
        {product && (
          <Form.Item label={t('presale.skus')} required extra={t('presale.skusHint')}>
            <Form.List name="rows">
              {(fields) => (
                <Table<{ key: number; name: number }>
                  size="small"
                  bordered
                  pagination={false}
                  rowKey="key"
                  style={{ maxWidth: 900 }}
                  dataSource={fields.map((f) => ({ key: f.key, name: f.name }))}
                  data-testid="presale-sku-rows"
                  columns={[
                    {
                      title: <span className="sr-only">{t('presale.include')}</span>,
                      key: 'on',
                      width: 48,
                      render: (_, f) => (
                        <Form.Item name={[f.name, 'on']} valuePropName="checked" noStyle>
                          <Checkbox aria-label={t('presale.includeSku', { sku: rows[f.name]?.specText || product.title })} data-testid="presale-sku-on" />
                        </Form.Item>
                      ),
                    },
                    { title: t('presale.sku'), key: 'sku', render: (_, f) => rows[f.name]?.specText || t('activity.ld.defaultSku') },
                    { title: t('presale.price'), key: 'price', width: 100, render: (_, f) => (rows[f.name] ? formatFen(rows[f.name].priceFen) : '') },
                    {
                      title: t('presale.depositAmount'),
                      key: 'deposit',
                      width: 150,
                      render: (_, f) => (
                        <Form.Item name={[f.name, 'deposit']} rules={rows[f.name]?.on ? [moneyRule(true)] : []} style={{ margin: 0 }}>
                          <Input prefix="¥" disabled={!rows[f.name]?.on} aria-label={`${t('presale.depositAmount')} ${rows[f.name]?.specText ?? ''}`} data-testid="presale-deposit" />
                        </Form.Item>
                      ),
                    },
                    {
                      title: t('presale.deductAmount'),
                      key: 'deduct',
                      width: 150,
                      render: (_, f) => (
                        <Form.Item name={[f.name, 'deduct']} rules={rows[f.name]?.on ? [moneyRule(false)] : []} style={{ margin: 0 }}>
                          <Input prefix="¥" disabled={!rows[f.name]?.on} placeholder={t('presale.deductPlaceholder')} aria-label={`${t('presale.deductAmount')} ${rows[f.name]?.specText ?? ''}`} data-testid="presale-deduct" />
                        </Form.Item>
                      ),
                    },
                    {
                      title: t('presale.preview'),
                      key: 'preview',
                      width: 210,
                      render: (_, f) => {
                        const r = rows[f.name];
                        const dep = r ? yuanToFen(r.deposit) : null;
                        const ded = r ? yuanToFen(r.deduct || r.deposit) : null;
                        if (!r?.on || dep === null || ded === null) return <span className="muted">-</span>;
                        return (
                          <div data-testid="presale-preview">
                            <div style={{ color: '#cf1322' }}>{deductText(dep, ded)}</div>
                            <div className="muted" style={{ fontSize: 12 }}>
                              {t('presale.balanceDue', { amount: formatFen(Math.max(0, r.priceFen - ded)) })}
                            </div>
                          </div>
                        );
                      },
                    },
                  ]}
                />
              )}
            </Form.List>
          </Form.Item>
        )}
      </Card>
      <Card title={t('presale.section.windows')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item name="depositRange" label={t('presale.depositWindow')} required rules={[{ required: true, message: t('common.required') }]} extra={t('presale.depositWindowHint')}>
          <DatePicker.RangePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" placeholder={[t('presale.depositStarts'), t('presale.depositEnds')]} aria-label={t('presale.depositWindow')} data-testid="presale-deposit-range" />
        </Form.Item>
        <Form.Item name="balanceRange" label={t('presale.balanceWindow')} required rules={[{ required: true, message: t('common.required') }]} extra={t('presale.balanceWindowHint')}>
          <DatePicker.RangePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" placeholder={[t('presale.balanceStarts'), t('presale.balanceEnds')]} aria-label={t('presale.balanceWindow')} data-testid="presale-balance-range" />
        </Form.Item>
      </Card>
      <Card title={t('presale.section.rules')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item name="depositRefundable" label={t('presale.refundable')} valuePropName="checked" extra={t('presale.refundableHint')}>
          <Switch data-testid="presale-refundable" />
        </Form.Item>
        <Form.Item name="perCustomerLimit" label={t('presale.limit')} required rules={[{ required: true, message: t('common.required') }]}>
          <InputNumber min={1} max={100} precision={0} suffix={t('presale.unitsSuffix')} data-testid="presale-limit" />
        </Form.Item>
      </Card>
      <div className="form-footer">
        <Button onClick={() => navigate('/presales')}>{t('common.cancel')}</Button>
        <Button type="primary" loading={saving} onClick={submit} data-testid="presale-save">
          {t('presale.create')}
        </Button>
      </div>
    </Form>
  );
}
