import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { Alert, Button, Card, Col, DatePicker, Form, Input, InputNumber, Radio, Row, Select, Skeleton, Switch, TreeSelect } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { COUPON_KINDS, CouponTemplateBody, CouponTemplatePatch } from '@siyu/contracts';
import { api, ApiError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, moneyRule, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { fenToYuan, yuanToFen } from '../../lib/money';
import { LoadError } from '../../components/Results';
import type { CategoryNode, CouponKind, CouponTemplate } from '../../lib/types';
import { categoryTree } from '../products/ProductList';
import type { MemberLevelsData } from '../loyalty/MemberLevels';
import type { CustomerTag } from '../customers/audience';
import { audienceText, couponKindText, percentToZhe, validityText, zheToPercent } from './shared';
import { ProductListField, ProductSingleField, useProductBriefs } from './ProductPicker';
import './promotions.css';

interface Values {
  name: string;
  kind: CouponKind;
  threshold?: string;
  amountOff?: string;
  zhe?: number | null;
  maxDiscount?: string;
  giftProductId?: string;
  scope: 'all' | 'categories' | 'products';
  categoryIds: string[];
  productIds: string[];
  excludedProductIds: string[];
  audience: CouponTemplate['audience'];
  /** Kept apart so switching between levels and tags does not send one's ids as the other's. */
  levelIds: string[];
  tagIds: string[];
  validityType: 'fixed' | 'relative';
  validRange?: [Dayjs, Dayjs] | null;
  validDays?: number | null;
  totalQuantity?: number | null;
  perCustomerLimit?: number | null;
  stacksWithActivities: boolean;
  claimable: boolean;
  description?: string;
}

const EMPTY: Values = {
  name: '',
  kind: 'amount_off',
  threshold: '',
  amountOff: '',
  scope: 'all',
  categoryIds: [],
  productIds: [],
  excludedProductIds: [],
  audience: 'all',
  levelIds: [],
  tagIds: [],
  validityType: 'relative',
  validDays: 7,
  totalQuantity: 1000,
  perCustomerLimit: 1,
  stacksWithActivities: true,
  claimable: true,
  description: '',
};

const shape = CouponTemplateBody.shape;

function toForm(c: CouponTemplate): Values {
  return {
    name: c.name,
    kind: c.kind,
    threshold: c.thresholdFen ? fenToYuan(c.thresholdFen) : '',
    amountOff: c.amountOffFen === null ? '' : fenToYuan(c.amountOffFen),
    zhe: percentToZhe(c.percentPaid),
    maxDiscount: c.maxDiscountFen === null ? '' : fenToYuan(c.maxDiscountFen),
    giftProductId: c.giftProductId ?? undefined,
    scope: c.scope,
    categoryIds: c.scope === 'categories' ? c.scopeIds : [],
    productIds: c.scope === 'products' ? c.scopeIds : [],
    excludedProductIds: c.excludedProductIds,
    audience: c.audience,
    levelIds: c.audience === 'levels' ? (c.audienceIds ?? []) : [],
    tagIds: c.audience === 'tags' ? (c.audienceIds ?? []) : [],
    validityType: c.validity.type,
    validRange: c.validity.type === 'fixed' ? [dayjs(c.validity.from), dayjs(c.validity.to)] : null,
    validDays: c.validity.type === 'relative' ? c.validity.days : 7,
    totalQuantity: c.totalQuantity,
    perCustomerLimit: c.perCustomerLimit,
    stacksWithActivities: c.stacksWithActivities,
    claimable: c.claimable,
    description: c.description ?? '',
  };
}

const fen = (yuan: string | undefined) => (yuan && yuan.trim() ? (yuanToFen(yuan) ?? Number.NaN) : undefined);

function toBody(v: Values) {
  const k = v.kind;
  return {
    name: v.name,
    kind: k,
    thresholdFen: k === 'no_threshold' ? 0 : (fen(v.threshold) ?? 0),
    amountOffFen: k === 'amount_off' || k === 'no_threshold' ? fen(v.amountOff) : undefined,
    percentPaid: k === 'percent_off' ? zheToPercent(v.zhe) : undefined,
    maxDiscountFen: k === 'percent_off' ? fen(v.maxDiscount) : undefined,
    giftProductId: k === 'gift' ? v.giftProductId : undefined,
    scope: v.scope,
    scopeIds: v.scope === 'categories' ? (v.categoryIds ?? []) : v.scope === 'products' ? (v.productIds ?? []) : [],
    excludedProductIds: v.scope === 'products' ? [] : (v.excludedProductIds ?? []),
    audience: v.audience,
    audienceIds: v.audience === 'levels' ? (v.levelIds ?? []) : v.audience === 'tags' ? (v.tagIds ?? []) : [],
    validity:
      v.validityType === 'fixed'
        ? { type: 'fixed' as const, from: v.validRange?.[0]?.startOf('day').toISOString(), to: v.validRange?.[1]?.endOf('day').toISOString() }
        : { type: 'relative' as const, days: v.validDays ?? Number.NaN },
    totalQuantity: v.totalQuantity ?? Number.NaN,
    perCustomerLimit: v.perCustomerLimit ?? Number.NaN,
    stacksWithActivities: v.stacksWithActivities,
    claimable: v.claimable,
    description: v.description?.trim() ?? '',
  };
}

/** The API's field names on this form's fields. */
function fieldMapFor(v: Values): Record<string, string> {
  const scopeField = v.scope === 'categories' ? 'categoryIds' : 'productIds';
  const indexed: Record<string, string> = {};
  (v.scope === 'categories' ? (v.categoryIds ?? []) : (v.productIds ?? [])).forEach((_, i) => (indexed[`scopeIds.${i}`] = scopeField));
  (v.excludedProductIds ?? []).forEach((_, i) => (indexed[`excludedProductIds.${i}`] = 'excludedProductIds'));
  const audienceField = v.audience === 'tags' ? 'tagIds' : 'levelIds';
  (v.audience === 'tags' ? (v.tagIds ?? []) : (v.levelIds ?? [])).forEach((_, i) => (indexed[`audienceIds.${i}`] = audienceField));
  return {
    ...indexed,
    audienceIds: audienceField,
    thresholdFen: 'threshold',
    amountOffFen: 'amountOff',
    percentPaid: 'zhe',
    maxDiscountFen: 'maxDiscount',
    scopeIds: scopeField,
    validity: v.validityType === 'fixed' ? 'validRange' : 'validDays',
    'validity.from': 'validRange',
    'validity.to': 'validRange',
    'validity.days': 'validDays',
    'validity.type': 'validityType',
  };
}

/** 优惠券 create / edit: the kind decides which value fields show; value fields freeze once coupons were issued. */
export default function CouponEdit() {
  const { id } = useParams();
  const isNew = !id;
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const detail = useApi<CouponTemplate>(isNew ? null : `/coupons/${id}`);
  const cats = useApi<{ items: CategoryNode[] }>('/categories');
  const [ready, setReady] = useState(isNew);
  const tpl = detail.data;
  const locked = !!tpl && tpl.issuedCount > 0;

  useEffect(() => {
    if (tpl) {
      form.setFieldsValue(toForm(tpl));
      setReady(true);
    }
  }, [tpl, form]);

  const kind = Form.useWatch('kind', form) ?? 'amount_off';
  const scope = Form.useWatch('scope', form) ?? 'all';
  const validityType = Form.useWatch('validityType', form) ?? 'relative';
  const audience = Form.useWatch('audience', form) ?? 'all';
  // Levels and tags load the first time their audience is chosen, then stay.
  const [wanted, setWanted] = useState({ levels: false, tags: false });
  useEffect(() => {
    if ((audience === 'levels' || audience === 'tags') && !wanted[audience]) setWanted((w) => ({ ...w, [audience]: true }));
  }, [audience, wanted]);
  const levels = useApi<MemberLevelsData>(wanted.levels && can('loyalty:read') ? '/members/levels' : null);
  const tags = useApi<{ items: CustomerTag[] }>(wanted.tags && can('customers:read') ? '/tags' : null);
  const watched = Form.useWatch([], form) as Values | undefined;
  const giftBriefs = useProductBriefs(watched?.giftProductId ? [watched.giftProductId] : []);

  const submit = async () => {
    setFormError(null);
    let v: Values;
    try {
      await form.validateFields();
      v = form.getFieldsValue(true) as Values;
    } catch {
      return;
    }
    const full = toBody(v);
    const fieldMap = fieldMapFor(v);
    let body: Record<string, unknown>;
    if (locked) {
      body = { name: full.name, totalQuantity: full.totalQuantity, perCustomerLimit: full.perCustomerLimit, stacksWithActivities: full.stacksWithActivities, claimable: full.claimable, description: full.description };
      if (!validateBody(form, CouponTemplatePatch, body, fieldMap)) return;
    } else {
      body = full;
      if (!validateBody(form, CouponTemplateBody, body, fieldMap)) return;
      if (isNew && !full.description) delete body.description;
    }
    setSaving(true);
    try {
      const saved = isNew ? await api.post<CouponTemplate>('/coupons', body) : await api.patch<CouponTemplate>(`/coupons/${id}`, body);
      feedback.message.success(isNew ? t('coupon.created') : t('common.saved'));
      navigate(`/coupons/${saved.id}`);
    } catch (err) {
      const onField = applyApiError(form, err, fieldMap);
      setFormError((err as Error).message);
      if (!onField) showError(err);
      // Someone issued coupons since the page loaded: reload so the form shows what may still change.
      if (err instanceof ApiError && err.code === 'COUPON_TEMPLATE_LOCKED') detail.reload();
    } finally {
      setSaving(false);
    }
  };

  if (detail.error) return <LoadError error={detail.error} onRetry={detail.reload} />;
  if (!ready) return <div className="page-card"><Skeleton active /></div>;

  const needsThreshold = kind !== 'no_threshold';
  const thresholdRequired = kind === 'amount_off';

  return (
    <Form<Values>
      form={form}
      layout="horizontal"
      labelCol={{ flex: '140px' }}
      initialValues={EMPTY}
      name="coupon"
      className="promo-form"
      data-testid="coupon-form"
      onValuesChange={() => formError && setFormError(null)}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 12 }} data-testid="coupon-form-error" />}
      {locked && <Alert type="warning" showIcon title={t('coupon.lockedHint', { n: tpl!.issuedCount })} style={{ marginBottom: 12 }} data-testid="coupon-locked" />}
      <Row gutter={16} wrap={false}>
        <Col flex="auto" style={{ minWidth: 0 }}>
          <Card title={t('coupon.section.basic')} variant="borderless" style={{ marginBottom: 16 }}>
            <Form.Item name="name" label={t('coupon.name')} required rules={[zodRule(shape.name, asText)]} extra={t('coupon.nameHint')}>
              <Input maxLength={40} showCount style={{ maxWidth: 420 }} data-testid="coupon-name" />
            </Form.Item>
            <Form.Item name="kind" label={t('coupon.kind')} required>
              <Radio.Group optionType="button" buttonStyle="solid" disabled={locked} data-testid="coupon-kind">
                {COUPON_KINDS.map((k) => (
                  <Radio.Button key={k} value={k} data-testid={`coupon-kind-${k}`}>
                    {couponKindText(k, lang)}
                  </Radio.Button>
                ))}
              </Radio.Group>
            </Form.Item>
            <Form.Item label=" " colon={false} style={{ marginTop: -16 }}>
              <span className="muted">{t(`coupon.kindHint.${kind}`)}</span>
            </Form.Item>
            {needsThreshold && (
              <Form.Item
                name="threshold"
                label={t('coupon.threshold')}
                required={thresholdRequired}
                rules={[moneyRule(thresholdRequired)]}
                extra={thresholdRequired ? t('coupon.thresholdHint') : t('coupon.thresholdOptionalHint')}
              >
                <Input prefix="¥" inputMode="decimal" style={{ width: 200 }} disabled={locked} data-testid="coupon-threshold" />
              </Form.Item>
            )}
            {(kind === 'amount_off' || kind === 'no_threshold') && (
              <Form.Item name="amountOff" label={t('coupon.amountOff')} required rules={[moneyRule(true)]}>
                <Input prefix="¥" inputMode="decimal" style={{ width: 200 }} disabled={locked} data-testid="coupon-amount-off" />
              </Form.Item>
            )}
            {kind === 'percent_off' && (
              <>
                <Form.Item name="zhe" label={t('coupon.zhe')} required rules={[{ required: true, message: t('common.required') }]} extra={t('coupon.zheHint')}>
                  <InputNumber min={0.1} max={9.9} step={0.5} precision={1} suffix={t('promo.zheUnit')} style={{ width: 200 }} disabled={locked} data-testid="coupon-zhe" />
                </Form.Item>
                <Form.Item name="maxDiscount" label={t('coupon.maxDiscount')} rules={[moneyRule(false)]} extra={t('coupon.maxDiscountHint')}>
                  <Input prefix="¥" inputMode="decimal" style={{ width: 200 }} disabled={locked} data-testid="coupon-max-discount" />
                </Form.Item>
              </>
            )}
            {kind === 'gift' && (
              <Form.Item name="giftProductId" label={t('coupon.giftProduct')} required rules={[{ required: true, message: t('coupon.giftRequired') }]} extra={t('coupon.giftHint')}>
                <ProductSingleField disabled={locked} fallbackTitle={tpl?.giftProductTitle} testId="coupon-gift-product" />
              </Form.Item>
            )}
          </Card>

          <Card title={t('coupon.section.rules')} variant="borderless" style={{ marginBottom: 16 }}>
            <Form.Item name="scope" label={t('promo.scope')}>
              <Radio.Group disabled={locked} data-testid="coupon-scope">
                <Radio value="all">{t('promo.scope.all')}</Radio>
                <Radio value="categories">{t('promo.scope.categories')}</Radio>
                <Radio value="products">{t('promo.scope.products')}</Radio>
              </Radio.Group>
            </Form.Item>
            {scope === 'categories' && (
              <Form.Item name="categoryIds" label={t('promo.scopeCategories')} required rules={[{ type: 'array', min: 1, message: t('promo.chooseOne') }]}>
                <TreeSelect
                  multiple
                  treeDefaultExpandAll
                  allowClear
                  disabled={locked}
                  treeData={categoryTree(cats.data?.items ?? [])}
                  placeholder={t('promo.chooseCategories')}
                  style={{ maxWidth: 420 }}
                  data-testid="coupon-categories"
                />
              </Form.Item>
            )}
            {scope === 'products' && (
              <Form.Item name="productIds" label={t('promo.scopeProducts')} required rules={[{ type: 'array', min: 1, message: t('promo.chooseOne') }]}>
                <ProductListField disabled={locked} testId="coupon-pick-products" />
              </Form.Item>
            )}
            {scope !== 'products' && (
              <Form.Item name="excludedProductIds" label={t('promo.excluded')} extra={t('promo.excludedHint')}>
                <ProductListField disabled={locked} buttonText={t('promo.pickExcluded')} testId="coupon-pick-excluded" />
              </Form.Item>
            )}
            <Form.Item name="audience" label={t('coupon.audience')}>
              <Radio.Group disabled={locked} data-testid="coupon-audience">
                <Radio value="all">{t('coupon.audience.all')}</Radio>
                <Radio value="new_customers">{t('coupon.audience.new_customers')}</Radio>
                <Radio value="levels">{t('coupon.audience.levels')}</Radio>
                <Radio value="tags">{t('coupon.audience.tags')}</Radio>
              </Radio.Group>
            </Form.Item>
            {audience === 'levels' && (
              <Form.Item name="levelIds" label={t('coupon.audienceLevels')} required rules={[{ type: 'array', min: 1, message: t('promo.chooseOne') }]}>
                <Select
                  mode="multiple"
                  allowClear
                  disabled={locked}
                  loading={levels.loading}
                  options={(levels.data?.levels ?? []).slice().sort((a, b) => a.rank - b.rank).map((l) => ({ value: l.id, label: l.name }))}
                  optionFilterProp="label"
                  placeholder={t('coupon.audienceLevelsPlaceholder')}
                  style={{ maxWidth: 420 }}
                  data-testid="coupon-audience-levels"
                />
              </Form.Item>
            )}
            {audience === 'tags' && (
              <Form.Item name="tagIds" label={t('coupon.audienceTags')} required rules={[{ type: 'array', min: 1, message: t('promo.chooseOne') }]}>
                <Select
                  mode="multiple"
                  allowClear
                  disabled={locked}
                  loading={tags.loading}
                  options={(tags.data?.items ?? []).map((x) => ({ value: x.id, label: x.name }))}
                  optionFilterProp="label"
                  placeholder={t('coupon.audienceTagsPlaceholder')}
                  style={{ maxWidth: 420 }}
                  data-testid="coupon-audience-tags"
                />
              </Form.Item>
            )}
            <Form.Item name="stacksWithActivities" label={t('coupon.stacks')} valuePropName="checked" extra={t('coupon.stacksHint')}>
              <Switch data-testid="coupon-stacks" />
            </Form.Item>
          </Card>

          <Card title={t('coupon.section.issue')} variant="borderless" style={{ marginBottom: 16 }}>
            <Form.Item name="validityType" label={t('coupon.validity')}>
              <Radio.Group disabled={locked} data-testid="coupon-validity-type">
                <Radio value="relative">{t('coupon.validity.relative')}</Radio>
                <Radio value="fixed">{t('coupon.validity.fixed')}</Radio>
              </Radio.Group>
            </Form.Item>
            {validityType === 'fixed' ? (
              <Form.Item name="validRange" label={t('coupon.validRange')} required rules={[{ required: true, message: t('common.required') }]}>
                <DatePicker.RangePicker disabled={locked} placeholder={[t('common.startDate'), t('common.endDate')]} data-testid="coupon-valid-range" />
              </Form.Item>
            ) : (
              <Form.Item name="validDays" label={t('coupon.validDays')} required rules={[zodRule(shape.validity.options[1].shape.days, (x) => x ?? undefined)]}>
                <InputNumber min={1} max={365} precision={0} suffix={t('promo.daysUnit')} style={{ width: 200 }} disabled={locked} data-testid="coupon-valid-days" />
              </Form.Item>
            )}
            <Form.Item
              name="totalQuantity"
              label={t('coupon.totalQuantity')}
              required
              extra={tpl ? t('coupon.totalQuantityHint', { n: tpl.issuedCount }) : undefined}
              rules={[
                zodRule(shape.totalQuantity, (x) => x ?? undefined),
                { validator: async (_r, value) => { if (tpl && typeof value === 'number' && value < tpl.issuedCount) throw new Error(t('coupon.totalBelowIssued', { n: tpl.issuedCount })); } },
              ]}
            >
              <InputNumber min={1} max={10_000_000} precision={0} suffix={t('promo.sheetsUnit')} style={{ width: 200 }} data-testid="coupon-total" />
            </Form.Item>
            <Form.Item name="perCustomerLimit" label={t('coupon.perCustomerLimit')} required rules={[zodRule(shape.perCustomerLimit, (x) => x ?? undefined)]}>
              <InputNumber min={1} max={100} precision={0} suffix={t('promo.sheetsUnit')} style={{ width: 200 }} data-testid="coupon-per-customer" />
            </Form.Item>
            <Form.Item name="claimable" label={t('coupon.claimable')} valuePropName="checked" extra={t('coupon.claimableHint')}>
              <Switch data-testid="coupon-claimable" />
            </Form.Item>
            <Form.Item name="description" label={t('coupon.description')} rules={[zodRule(shape.description)]}>
              <Input.TextArea rows={3} maxLength={500} showCount style={{ maxWidth: 560 }} placeholder={t('coupon.descriptionPlaceholder')} data-testid="coupon-description" />
            </Form.Item>
          </Card>
        </Col>
        <Col flex="300px">
          <CouponPreview values={watched} giftTitle={(() => { const b = watched?.giftProductId ? giftBriefs.get(watched.giftProductId) : undefined; return b && b !== 'missing' ? b.title : (tpl?.giftProductTitle ?? null); })()} />
        </Col>
      </Row>

      <div className="form-footer">
        <Button onClick={() => navigate(isNew ? '/coupons' : `/coupons/${id}`)}>{t('common.cancel')}</Button>
        <Button type="primary" loading={saving} onClick={submit} data-testid="coupon-save">
          {t('common.save')}
        </Button>
      </div>
    </Form>
  );
}

/** How the coupon will look to customers, updated as the merchant types. */
function CouponPreview({ values, giftTitle }: { values?: Values; giftTitle: string | null }) {
  const { t, lang } = useI18n();
  if (!values) return null;
  const k = values.kind ?? 'amount_off';
  const threshold = yuanToFen(values.threshold ?? '') ?? 0;
  const off = yuanToFen(values.amountOff ?? '');
  const cap = yuanToFen(values.maxDiscount ?? '');
  let big: string;
  if (k === 'percent_off') big = values.zhe ? `${values.zhe}${t('promo.zheUnit')}` : `-${t('promo.zheUnit')}`;
  else if (k === 'gift') big = t('coupon.preview.gift');
  else big = off !== null ? `¥${fenToYuan(off).replace(/\.00$/, '')}` : '¥-';
  const cond = k === 'no_threshold' || threshold === 0 ? t('coupon.preview.noThreshold') : t('coupon.preview.threshold', { n: fenToYuan(threshold).replace(/\.00$/, '') });
  const validity =
    values.validityType === 'fixed'
      ? values.validRange?.[0] && values.validRange?.[1]
        ? validityText({ type: 'fixed', from: values.validRange[0].toISOString(), to: values.validRange[1].toISOString() }, t)
        : '-'
      : validityText({ type: 'relative', days: values.validDays ?? 0 }, t);
  return (
    <Card title={t('coupon.preview')} variant="borderless" style={{ position: 'sticky', top: 16 }} data-testid="coupon-preview">
      <div className="coupon-ticket">
        <div className="coupon-ticket-value">
          <div className="coupon-ticket-big">{big}</div>
          <div className="coupon-ticket-cond">{cond}</div>
        </div>
        <div className="coupon-ticket-body">
          <div className="coupon-ticket-name">{values.name || couponKindText(k, lang)}</div>
          {k === 'percent_off' && cap !== null && <div>{t('coupon.preview.cap', { n: fenToYuan(cap).replace(/\.00$/, '') })}</div>}
          {k === 'gift' && giftTitle && <div>{giftTitle}</div>}
          <div>{values.scope === 'all' ? t('promo.scope.allText') : values.scope === 'categories' ? t('promo.scope.categoriesText') : t('promo.scope.productsText')}</div>
          <div>{validity}</div>
        </div>
      </div>
      {values.audience && values.audience !== 'all' && <div className="muted" style={{ marginTop: 8 }}>{audienceText(values.audience, t)}</div>}
    </Card>
  );
}
