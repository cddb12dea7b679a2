import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Alert, Button, Card, Form, Input, InputNumber, Popconfirm, Radio, Skeleton, Space, Table } from 'antd';
import { DistributionProductBody } from '@siyu/contracts';
import { api, ApiError } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, moneyRule, validateBody } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { fmtTime } from '../../lib/format';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { fenToYuan, formatFen, yuanToFen } from '../../lib/money';
import { ProductSingleField, useProductDetails } from '../promotions/ProductPicker';
import { bpText, pctToBp } from './shared';
import type { DistributionSettings, ProductCommission } from './types';
import '../promotions/promotions.css';

interface Values {
  mode: 'percent' | 'fixed';
  level1Pct?: number;
  level2Pct?: number;
  level1Yuan?: string;
  level2Yuan?: string;
}

const toValues = (c: ProductCommission | null): Values =>
  !c
    ? { mode: 'percent', level1Pct: undefined, level2Pct: undefined, level1Yuan: '', level2Yuan: '' }
    : c.mode === 'percent'
      ? { mode: 'percent', level1Pct: c.level1 / 100, level2Pct: c.level2 / 100, level1Yuan: '', level2Yuan: '' }
      : { mode: 'fixed', level1Yuan: fenToYuan(c.level1), level2Yuan: fenToYuan(c.level2) };

/**
 * 商品佣金: one product's commission instead of the shop's rates — a percent of what the buyer paid for the
 * line, or a fixed amount per unit — for each tier.
 */
export default function ProductCommissions() {
  const { t } = useI18n();
  const { can } = useAuth();
  const writable = can('distribution:manage');
  const [params, setParams] = useSearchParams();
  const productId = params.get('productId') ?? undefined;
  const settings = useApi<DistributionSettings>('/distribution/settings');
  const [current, setCurrent] = useState<ProductCommission | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<Error | null>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<Values>();
  const mode = (Form.useWatch('mode', form) ?? 'percent') as Values['mode'];
  const l1Pct = Form.useWatch('level1Pct', form) as number | undefined;
  const l1Yuan = Form.useWatch('level1Yuan', form) as string | undefined;
  const details = useProductDetails(productId ? [productId] : []);
  const product = productId ? details.get(productId) : undefined;
  const tiers = settings.data?.tiers ?? 2;
  const [tick, setTick] = useState(0);
  const overrides = useApi<{ items: { productId: string; title: string | null; mode: 'percent' | 'fixed'; level1: number; level2: number; updatedAt: string }[] }>('/distribution/products');
  const ratesText = (c: Pick<ProductCommission, 'mode' | 'level1' | 'level2'>) =>
    c.mode === 'percent' ? t('fission.ds.pc.nowPct', { l1: bpText(c.level1), l2: bpText(c.level2) }) : t('fission.ds.pc.nowFixed', { l1: formatFen(c.level1), l2: formatFen(c.level2) });

  const reset = async (id: string) => {
    try {
      await api.del(`/distribution/products/${id}`);
      feedback.message.success(t('common.saved'));
      overrides.reload();
      if (id === productId) setTick((n) => n + 1);
    } catch (err) {
      showError(err);
    }
  };

  useEffect(() => {
    if (!productId) return;
    const ctl = new AbortController();
    setCurrent(undefined);
    setLoadError(null);
    api
      .get<ProductCommission | null>(`/distribution/products/${productId}`, undefined, { signal: ctl.signal })
      .then((c) => {
        // No rule of its own: the API answers the shop's rates with custom: false.
        const own = c && c.custom !== false && (c.mode === 'percent' || c.mode === 'fixed') ? c : null;
        setCurrent(own);
        form.setFieldsValue(toValues(own));
      })
      .catch((e: Error) => {
        if (e.name === 'AbortError') return;
        if (e instanceof ApiError && e.status === 404) {
          setCurrent(null);
          form.setFieldsValue(toValues(null));
        } else setLoadError(e);
      });
    return () => ctl.abort();
  }, [productId, form, tick]);

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = form.getFieldsValue(true) as Values;
    const body: ProductCommission =
      v.mode === 'percent'
        ? { mode: 'percent', level1: pctToBp(v.level1Pct) ?? 0, level2: tiers === 2 ? (pctToBp(v.level2Pct) ?? 0) : 0 }
        : { mode: 'fixed', level1: yuanToFen(v.level1Yuan) ?? 0, level2: tiers === 2 ? (yuanToFen(v.level2Yuan) ?? 0) : 0 };
    const fieldMap = v.mode === 'percent' ? { level1: 'level1Pct', level2: 'level2Pct' } : { level1: 'level1Yuan', level2: 'level2Yuan' };
    if (!validateBody(form, DistributionProductBody, body, fieldMap)) return;
    setSaving(true);
    try {
      const saved = await api.put<ProductCommission>(`/distribution/products/${productId}`, body);
      setCurrent(saved && saved.mode ? { ...saved, custom: true } : body);
      feedback.message.success(t('common.saved'));
      overrides.reload();
    } catch (err) {
      if (!applyApiError(form, err, fieldMap)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const price = product && product !== 'missing' ? product.minPrice : undefined;
  const example = (() => {
    if (price === undefined) return null;
    if (mode === 'percent' && typeof l1Pct === 'number') return t('fission.ds.pc.examplePct', { price: formatFen(price), earn: formatFen(Math.floor((price * Math.round(l1Pct * 100)) / 10000)) });
    const f = yuanToFen(l1Yuan);
    if (mode === 'fixed' && f !== null) return t('fission.ds.pc.exampleFixed', { earn: formatFen(f), n: 3, total: formatFen(f * 3) });
    return null;
  })();

  return (
    <div>
      <div className="page-card">
        <h1 className="page-title">{t('nav.productCommissions')}</h1>
        <p className="muted">{t('fission.ds.pc.hint')}</p>
        {settings.data && (
          <p data-testid="pc-shop-rates">
            {t('fission.ds.pc.shopRates', { l1: bpText(settings.data.level1Bp), l2: settings.data.tiers === 2 ? bpText(settings.data.level2Bp) : t('fission.ds.pc.noTier2') })}
          </p>
        )}
        <Space wrap>
          <span>{t('fission.product')}:</span>
          <ProductSingleField value={productId} onChange={(id) => setParams(id ? { productId: id } : {})} testId="pc-product" />
        </Space>
      </div>
      {productId && (
        <Card variant="borderless" title={t('fission.ds.pc.formTitle')} data-testid="pc-card">
          {loadError ? (
            <Alert type="error" showIcon title={`${t('common.loadFailed')}: ${loadError.message}`} action={<Button size="small" onClick={() => setTick((n) => n + 1)}>{t('common.retry')}</Button>} data-testid="fission-load-error" />
          ) : current === undefined ? (
            <Skeleton active />
          ) : (
            <Form<Values> form={form} layout="horizontal" labelCol={{ flex: '150px' }} disabled={!writable} className="promo-form" name="product-commission" data-testid="pc-form">
              <Form.Item label={t('fission.ds.pc.now')}>
                <span data-testid="pc-current">
                  {current === null ? t('fission.ds.pc.usesShop') : ratesText(current)}
                </span>
                {current !== null && writable && productId && (
                  <Popconfirm title={t('fission.ds.pc.resetConfirm')} onConfirm={() => reset(productId)}>
                    <Button type="link" data-testid="pc-reset">
                      {t('fission.ds.pc.reset')}
                    </Button>
                  </Popconfirm>
                )}
              </Form.Item>
              <Form.Item name="mode" label={t('fission.ds.pc.mode')} required>
                <Radio.Group
                  data-testid="pc-mode"
                  options={[
                    { value: 'percent', label: t('fission.ds.pc.percent') },
                    { value: 'fixed', label: t('fission.ds.pc.fixed') },
                  ]}
                />
              </Form.Item>
              {mode === 'percent' ? (
                <>
                  <Form.Item name="level1Pct" label={t('fission.ds.level1')} required rules={[{ required: true, message: t('common.required') }]}>
                    <InputNumber min={0} max={100} precision={2} suffix="%" data-testid="pc-level1" />
                  </Form.Item>
                  {tiers === 2 && (
                    <Form.Item name="level2Pct" label={t('fission.ds.level2')} required rules={[{ required: true, message: t('common.required') }]}>
                      <InputNumber min={0} max={100} precision={2} suffix="%" data-testid="pc-level2" />
                    </Form.Item>
                  )}
                </>
              ) : (
                <>
                  <Form.Item name="level1Yuan" label={t('fission.ds.level1PerUnit')} required rules={[moneyRule(true)]}>
                    <Input prefix="¥" style={{ width: 180 }} data-testid="pc-level1-fixed" />
                  </Form.Item>
                  {tiers === 2 && (
                    <Form.Item name="level2Yuan" label={t('fission.ds.level2PerUnit')} required rules={[moneyRule(true)]}>
                      <Input prefix="¥" style={{ width: 180 }} data-testid="pc-level2-fixed" />
                    </Form.Item>
                  )}
                </>
              )}
              {example && (
                <Form.Item label=" " colon={false}>
                  <span className="muted" data-testid="pc-example">
                    {example}
                  </span>
                </Form.Item>
              )}
              {writable && (
                <Form.Item label=" " colon={false}>
                  <Button type="primary" loading={saving} onClick={save} data-testid="pc-save">
                    {t('common.save')}
                  </Button>
                </Form.Item>
              )}
            </Form>
          )}
        </Card>
      )}
      <Card variant="borderless" title={t('fission.ds.pc.listTitle')} style={{ marginTop: 16 }} data-testid="pc-list">
        <Table
          rowKey="productId"
          size="small"
          loading={overrides.loading}
          dataSource={overrides.data?.items ?? []}
          pagination={false}
          locale={{ emptyText: t('fission.ds.pc.listEmpty') }}
          columns={[
            { title: t('fission.product'), dataIndex: 'title', render: (v: string | null, r) => v ?? r.productId.slice(0, 8) },
            { title: t('fission.ds.pc.rates'), key: 'rates', render: (_, r) => ratesText(r) },
            { title: t('fission.ds.pc.updatedAt'), dataIndex: 'updatedAt', render: (v: string) => fmtTime(v) },
            {
              title: '',
              key: 'actions',
              render: (_, r) => (
                <Space>
                  <Button type="link" size="small" onClick={() => setParams({ productId: r.productId })}>
                    {t('fission.ds.pc.edit')}
                  </Button>
                  {writable && (
                    <Popconfirm title={t('fission.ds.pc.resetConfirm')} onConfirm={() => reset(r.productId)}>
                      <Button type="link" size="small" danger>
                        {t('fission.ds.pc.reset')}
                      </Button>
                    </Popconfirm>
                  )}
                </Space>
              ),
            },
          ]}
        />
      </Card>
    </div>
  );
}
