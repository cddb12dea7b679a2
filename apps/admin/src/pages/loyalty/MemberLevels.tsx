import { useEffect, useState } from 'react';
import { Alert, Button, Card, Form, Input, InputNumber, Radio, Select, Skeleton, Switch, Table } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { LEVEL_METRIC_LABELS, LEVEL_PERIOD_LABELS, MemberLevelsBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { fenToYuan, formatFen } from '../../lib/money';
import { LoadError } from '../../components/Results';
import type { CouponPack, CouponTemplate, Paged } from '../../lib/types';

type Metric = keyof typeof LEVEL_METRIC_LABELS;
type Period = keyof typeof LEVEL_PERIOD_LABELS;

/** A level as the API returns it. */
export interface MemberLevel {
  id: string;
  rank: number;
  name: string;
  /** Fen of spend, or a number of orders. */
  threshold: number;
  percentPaid: number | null;
  freeShipping: boolean;
  monthlyPackId: string | null;
  /** 生日礼: the coupon given on the member's birthday. */
  birthdayCouponTemplateId: string | null;
}

export interface MemberLevelsData {
  metric: Metric;
  period: Period;
  levels: MemberLevel[];
}

interface LevelRow {
  name: string;
  /** Yuan when the metric is spend, orders otherwise. */
  threshold: number | null;
  /** 折: 9.5 means the customer pays 95%. */
  discount: number | null;
  freeShipping: boolean;
  monthlyPackId: string | null;
  birthdayCouponTemplateId: string | null;
}

interface Values {
  metric: Metric;
  period: Period;
  levels: LevelRow[];
}

const MAX_LEVELS = 20;
const levelShape = MemberLevelsBody.shape.levels.element.shape;

/** 9.5 折 → 95 (percent paid); empty → no discount. */
export const discountToPercent = (zhe: number | null | undefined) => (zhe === null || zhe === undefined ? null : Math.round(zhe * 10));
export const percentToDiscount = (percent: number | null) => (percent === null ? null : percent / 10);

const thresholdToApi = (metric: Metric, v: number | null | undefined) => {
  if (v === null || v === undefined) return undefined;
  // Through the fixed-point text so 19.99 ¥ is 1999 fen exactly.
  return metric === 'spend' ? Math.round(Number(v.toFixed(2)) * 100) : v;
};

function toBody(v: Values) {
  return {
    metric: v.metric,
    period: v.period,
    levels: (v.levels ?? []).map((l, i) => ({
      rank: i + 1,
      name: String(asText(l?.name)).trim(),
      threshold: thresholdToApi(v.metric, l?.threshold),
      percentPaid: discountToPercent(l?.discount),
      freeShipping: !!l?.freeShipping,
      monthlyPackId: l?.monthlyPackId ?? null,
      birthdayCouponTemplateId: l?.birthdayCouponTemplateId ?? null,
    })),
  };
}

function toValues(d: MemberLevelsData): Values {
  return {
    metric: d.metric,
    period: d.period,
    levels: d.levels.map((l) => ({
      name: l.name,
      threshold: d.metric === 'spend' ? Number(fenToYuan(l.threshold)) : l.threshold,
      discount: percentToDiscount(l.percentPaid),
      freeShipping: l.freeShipping,
      monthlyPackId: l.monthlyPackId,
      birthdayCouponTemplateId: l.birthdayCouponTemplateId ?? null,
    })),
  };
}

/** A level's threshold as text: "¥1,000.00" or "5 单". */
export function thresholdText(metric: Metric, value: number, t: ReturnType<typeof useI18n>['t']) {
  return metric === 'spend' ? formatFen(value, true) : t('levels.ordersN', { n: value });
}

/** 会员等级: what decides a level (spend or orders over a period) and each level's threshold and benefits. */
export default function MemberLevels() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const canManage = can('loyalty:manage');
  const [form] = Form.useForm<Values>();
  const { data, error, reload, setData } = useApi<MemberLevelsData>('/members/levels');
  const packs = useApi<{ items: CouponPack[] }>(can('promotions:read') ? '/coupon-packs' : null);
  // A shop has a handful of coupons; the newest 100 are enough to choose a birthday coupon from.
  const coupons = useApi<Paged<CouponTemplate>>(can('promotions:read') ? '/coupons' : null, { page: 1, pageSize: 100 });
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const l10n = lang === 'zh-CN' ? 'zh' : 'en';

  useEffect(() => {
    if (data) form.setFieldsValue(toValues(data));
  }, [data, form]);

  const metric = (Form.useWatch('metric', form) ?? data?.metric ?? 'spend') as Metric;

  const submit = async () => {
    setFormError(null);
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const values = form.getFieldsValue(true) as Values;
    const body = validateBody(form, MemberLevelsBody, toBody(values));
    if (!body) return;
    setSaving(true);
    try {
      const saved = await api.put<MemberLevelsData>('/members/levels', body);
      setData(saved);
      feedback.message.success(t('levels.saved'));
    } catch (err) {
      setFormError((err as Error).message);
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!data) return <div className="page-card"><Skeleton active /></div>;

  // Packs a level points at stay choosable even when the pack list cannot be read.
  const packOptions = [
    ...(packs.data?.items ?? []).map((p) => ({ value: p.id, label: p.name })),
    ...data.levels
      .filter((l) => l.monthlyPackId && !(packs.data?.items ?? []).some((p) => p.id === l.monthlyPackId))
      .map((l) => ({ value: l.monthlyPackId!, label: packs.data ? t('levels.packGone') : t('levels.packUnknown') })),
  ];

  // Coupons a level points at stay choosable even when they ended or the list cannot be read.
  const couponOptions = [
    ...(coupons.data?.items ?? []).filter((c) => c.status !== 'ended' || data.levels.some((l) => l.birthdayCouponTemplateId === c.id)).map((c) => ({ value: c.id, label: c.name })),
    ...data.levels
      .filter((l) => l.birthdayCouponTemplateId && !(coupons.data?.items ?? []).some((c) => c.id === l.birthdayCouponTemplateId))
      .map((l) => ({ value: l.birthdayCouponTemplateId!, label: coupons.data ? t('levels.couponGone') : t('levels.couponUnknown') })),
  ];

  return (
    <Form<Values>
      form={form}
      layout="horizontal"
      labelCol={{ flex: '140px' }}
      name="memberLevels"
      disabled={!canManage}
      data-testid="levels-form"
      onValuesChange={() => formError && setFormError(null)}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 12 }} data-testid="levels-error" />}
      {!canManage && <Alert type="info" showIcon title={t('levels.readOnly')} style={{ marginBottom: 12 }} />}
      <Card title={t('levels.section.rule')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item name="metric" label={t('levels.metric')}>
          <Radio.Group
            data-testid="levels-metric"
            onChange={() => {
              // Yuan and order counts do not translate; keep the rows and ask for new thresholds.
              const rows = (form.getFieldValue('levels') ?? []) as LevelRow[];
              form.setFieldValue('levels', rows.map((r) => ({ ...r, threshold: null })));
            }}
          >
            {(Object.keys(LEVEL_METRIC_LABELS) as Metric[]).map((m) => (
              <Radio key={m} value={m}>
                {LEVEL_METRIC_LABELS[m][l10n]}
              </Radio>
            ))}
          </Radio.Group>
        </Form.Item>
        <Form.Item name="period" label={t('levels.period')} extra={t('levels.periodHint')} style={{ marginBottom: 0 }}>
          <Radio.Group data-testid="levels-period">
            {(Object.keys(LEVEL_PERIOD_LABELS) as Period[]).map((p) => (
              <Radio key={p} value={p}>
                {LEVEL_PERIOD_LABELS[p][l10n]}
              </Radio>
            ))}
          </Radio.Group>
        </Form.Item>
      </Card>

      <Card title={t('levels.section.levels')} variant="borderless" style={{ marginBottom: 16 }} extra={<span className="muted">{t('levels.levelsHint')}</span>}>
        <Form.List name="levels">
          {(fields, { add, remove }) => (
            <>
              <Table
                rowKey="key"
                size="middle"
                pagination={false}
                dataSource={fields}
                locale={{ emptyText: <span className="muted">{t('levels.empty')}</span> }}
                onRow={(_, i) => ({ 'data-testid': `level-row-${i}` }) as React.HTMLAttributes<HTMLElement>}
                columns={[
                  { title: t('levels.rank'), key: 'rank', width: 80, render: (_, _f, i) => <span className="muted">{`Lv${i + 1}`}</span> },
                  {
                    title: t('levels.name'),
                    key: 'name',
                    width: 200,
                    render: (_, f, i) => (
                      <Form.Item name={[f.name, 'name']} rules={[zodRule(levelShape.name, (x) => String(asText(x)).trim())]} style={{ marginBottom: 0 }}>
                        <Input maxLength={20} placeholder={t('levels.namePlaceholder')} aria-label={t('levels.rowName', { n: i + 1 })} data-testid={`level-name-${i}`} />
                      </Form.Item>
                    ),
                  },
                  {
                    title: metric === 'spend' ? t('levels.thresholdSpend') : t('levels.thresholdOrders'),
                    key: 'threshold',
                    width: 220,
                    render: (_, f, i) => (
                      <Form.Item name={[f.name, 'threshold']} rules={[{ required: true, message: t('common.required') }]} style={{ marginBottom: 0 }}>
                        {metric === 'spend' ? (
                          <InputNumber min={0} max={1_000_000_000} precision={2} prefix="¥" style={{ width: '100%' }} aria-label={t('levels.rowThreshold', { n: i + 1 })} data-testid={`level-threshold-${i}`} />
                        ) : (
                          <InputNumber min={0} max={1_000_000} precision={0} suffix={t('levels.ordersUnit')} style={{ width: '100%' }} aria-label={t('levels.rowThreshold', { n: i + 1 })} data-testid={`level-threshold-${i}`} />
                        )}
                      </Form.Item>
                    ),
                  },
                  {
                    title: t('levels.discount'),
                    key: 'discount',
                    width: 170,
                    render: (_, f, i) => (
                      <Form.Item name={[f.name, 'discount']} rules={[zodRule(levelShape.percentPaid, (x) => discountToPercent(x as number | null))]} style={{ marginBottom: 0 }}>
                        <InputNumber min={0.1} max={9.9} step={0.5} precision={1} suffix={t('levels.zhe')} placeholder={t('levels.noDiscount')} style={{ width: '100%' }} aria-label={t('levels.rowDiscount', { n: i + 1 })} data-testid={`level-discount-${i}`} />
                      </Form.Item>
                    ),
                  },
                  {
                    title: t('levels.freeShipping'),
                    key: 'freeShipping',
                    width: 90,
                    render: (_, f, i) => (
                      <Form.Item name={[f.name, 'freeShipping']} valuePropName="checked" style={{ marginBottom: 0 }}>
                        <Switch aria-label={t('levels.rowFreeShipping', { n: i + 1 })} data-testid={`level-free-shipping-${i}`} />
                      </Form.Item>
                    ),
                  },
                  {
                    title: t('levels.monthlyPack'),
                    key: 'pack',
                    render: (_, f, i) => (
                      <Form.Item name={[f.name, 'monthlyPackId']} style={{ marginBottom: 0 }}>
                        <Select allowClear placeholder={t('levels.noPack')} options={packOptions} style={{ width: '100%', minWidth: 160 }} aria-label={t('levels.rowPack', { n: i + 1 })} data-testid={`level-pack-${i}`} />
                      </Form.Item>
                    ),
                  },
                  {
                    title: t('levels.birthdayCoupon'),
                    key: 'birthday',
                    render: (_, f, i) => (
                      <Form.Item name={[f.name, 'birthdayCouponTemplateId']} style={{ marginBottom: 0 }}>
                        <Select allowClear showSearch={{ optionFilterProp: 'label' }} placeholder={t('levels.noBirthdayCoupon')} options={couponOptions} style={{ width: '100%', minWidth: 160 }} aria-label={t('levels.rowBirthdayCoupon', { n: i + 1 })} data-testid={`level-birthday-coupon-${i}`} />
                      </Form.Item>
                    ),
                  },
                  ...(canManage
                    ? [
                        {
                          title: t('common.actions'),
                          key: 'actions',
                          width: 70,
                          render: (_: unknown, f: { name: number }, i: number) => (
                            <Button type="text" danger icon={<DeleteOutlined />} onClick={() => remove(f.name)} aria-label={`${t('common.delete')} Lv${i + 1}`} data-testid={`level-remove-${i}`} />
                          ),
                        },
                      ]
                    : []),
                ]}
              />
              {canManage && fields.length < MAX_LEVELS && (
                <Button
                  icon={<PlusOutlined />}
                  style={{ marginTop: 12 }}
                  onClick={() => add({ name: '', threshold: null, discount: null, freeShipping: false, monthlyPackId: null, birthdayCouponTemplateId: null })}
                  data-testid="level-add"
                >
                  {t('levels.add', { n: MAX_LEVELS - fields.length })}
                </Button>
              )}
            </>
          )}
        </Form.List>
        <div className="muted" style={{ marginTop: 12 }}>
          {t('levels.footnote')}
        </div>
        <div className="muted" style={{ marginTop: 4 }} data-testid="levels-birthday-hint">
          {t('levels.birthdayHint')}
        </div>
      </Card>

      {canManage && (
        <div className="form-footer">
          <Button type="primary" loading={saving} onClick={submit} data-testid="levels-save">
            {t('common.save')}
          </Button>
        </div>
      )}
    </Form>
  );
}
