import { useEffect, useState } from 'react';
import { Alert, Button, Card, Form, InputNumber, Radio, Skeleton, Switch } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { PointsRulesBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { contractMessage, useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';

type Expiry = 'never' | 'end_of_next_year' | 'days';

/** The rules as the API returns and receives them. */
export interface PointsRulesData {
  enabled: boolean;
  earnPerYuan: number;
  signupPoints: number;
  checkinPoints: number;
  checkinStreakBonus: { day: number; bonus: number }[];
  pointsPerYuan: number;
  maxDeductPercent: number;
  expiry: Expiry;
  expiryDays: number | null;
  sharePoints: number;
  shareDailyCap: number;
  reviewPoints: number;
  reviewMinChars: number;
}

interface Values {
  enabled: boolean;
  earnPerYuan: number | null;
  signupPoints: number | null;
  checkinPoints: number | null;
  checkinStreakBonus: { day: number | null; bonus: number | null }[];
  pointsPerYuan: number | null;
  maxDeductPercent: number | null;
  expiry: Expiry;
  expiryDays: number | null;
  sharePoints: number | null;
  shareDailyCap: number | null;
  reviewPoints: number | null;
  reviewMinChars: number | null;
}

const MAX_STREAK_ROWS = 10;
const shape = PointsRulesBody.shape;
const bonusShape = shape.checkinStreakBonus.element.shape;
// An empty number box is a missing value, which the contract reports, rather than 0.
const num = (v: unknown) => (v === null || v === undefined ? undefined : v);
const required = (v: unknown) => (v === null || v === undefined ? Number.NaN : v);

function toBody(v: Values) {
  return {
    enabled: !!v.enabled,
    earnPerYuan: num(v.earnPerYuan),
    signupPoints: num(v.signupPoints),
    checkinPoints: num(v.checkinPoints),
    checkinStreakBonus: (v.checkinStreakBonus ?? []).map((b) => ({ day: num(b?.day), bonus: num(b?.bonus) })),
    pointsPerYuan: num(v.pointsPerYuan),
    maxDeductPercent: num(v.maxDeductPercent),
    expiry: v.expiry,
    expiryDays: v.expiry === 'days' ? (v.expiryDays ?? null) : null,
    // These have defaults in the contract; an emptied box must be reported, not become the default.
    sharePoints: required(v.sharePoints),
    shareDailyCap: required(v.shareDailyCap),
    reviewPoints: required(v.reviewPoints),
    reviewMinChars: required(v.reviewMinChars),
  };
}

// The list as a whole (one bonus per day, at most 10); each row's numbers are checked on their own fields.
const streakListRule = {
  validator: async (_rule: unknown, value: Values['checkinStreakBonus'] | undefined) => {
    const res = shape.checkinStreakBonus.safeParse(toBody({ checkinStreakBonus: value ?? [] } as unknown as Values).checkinStreakBonus);
    const listIssue = res.success ? undefined : res.error.issues.find((i) => i.path.length === 0);
    if (listIssue) throw new Error(contractMessage(listIssue.message));
  },
};

/** The sample order in the deduction example, in yuan. */
const SAMPLE_ORDER_YUAN = 200;

/** 积分规则: how customers earn points (orders, sign-up, daily check-in), how they pay with them, and when they expire. */
export default function PointsRules() {
  const { t } = useI18n();
  const { can } = useAuth();
  const canManage = can('loyalty:manage');
  const [form] = Form.useForm<Values>();
  const { data, error, reload, setData } = useApi<PointsRulesData>('/points/rules');
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);

  useEffect(() => {
    if (data) form.setFieldsValue({ ...data, checkinStreakBonus: data.checkinStreakBonus.map((b) => ({ ...b })) });
  }, [data, form]);

  const expiry = Form.useWatch('expiry', form) ?? 'end_of_next_year';
  const pointsPerYuan = Form.useWatch('pointsPerYuan', form);
  const maxDeductPercent = Form.useWatch('maxDeductPercent', form);

  const submit = async () => {
    setFormError(null);
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const body = validateBody(form, PointsRulesBody, toBody(form.getFieldsValue(true) as Values));
    if (!body) return;
    setSaving(true);
    try {
      const saved = await api.put<PointsRulesData>('/points/rules', body);
      setData(saved);
      feedback.message.success(t('common.saved'));
    } catch (err) {
      setFormError((err as Error).message);
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!data) return <div className="page-card"><Skeleton active /></div>;

  let example: string;
  if (typeof pointsPerYuan !== 'number' || pointsPerYuan < 1 || typeof maxDeductPercent !== 'number') example = '';
  else {
    const capYuan = Math.floor((SAMPLE_ORDER_YUAN * maxDeductPercent) / 100);
    example = capYuan > 0 ? t('points.example', { order: SAMPLE_ORDER_YUAN, points: capYuan * pointsPerYuan, yuan: capYuan }) : t('points.exampleNone');
  }

  return (
    <Form<Values>
      form={form}
      layout="horizontal"
      labelCol={{ flex: '180px' }}
      name="pointsRules"
      disabled={!canManage}
      data-testid="points-rules-form"
      onValuesChange={() => formError && setFormError(null)}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 12 }} data-testid="points-rules-error" />}
      {!canManage && <Alert type="info" showIcon title={t('points.readOnly')} style={{ marginBottom: 12 }} />}
      <Card title={t('points.section.switch')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item name="enabled" label={t('points.enabled')} valuePropName="checked" extra={t('points.enabledHint')} style={{ marginBottom: 0 }}>
          <Switch data-testid="points-enabled" />
        </Form.Item>
      </Card>

      <Card title={t('points.section.earn')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item name="earnPerYuan" label={t('points.earnPerYuan')} required rules={[zodRule(shape.earnPerYuan, num)]} extra={t('points.earnPerYuanHint')}>
          <InputNumber min={0} max={1000} precision={0} prefix={t('points.perYuanPrefix')} suffix={t('points.unit')} style={{ width: 240 }} data-testid="points-earn-per-yuan" />
        </Form.Item>
        <Form.Item name="signupPoints" label={t('points.signupPoints')} required rules={[zodRule(shape.signupPoints, num)]} extra={t('points.zeroOff')}>
          <InputNumber min={0} max={1_000_000} precision={0} suffix={t('points.unit')} style={{ width: 240 }} data-testid="points-signup" />
        </Form.Item>
        <Form.Item name="checkinPoints" label={t('points.checkinPoints')} required rules={[zodRule(shape.checkinPoints, num)]} extra={t('points.zeroOff')}>
          <InputNumber min={0} max={100_000} precision={0} suffix={t('points.unit')} style={{ width: 240 }} data-testid="points-checkin" />
        </Form.Item>
        <Form.Item label={t('points.streakBonus')} extra={t('points.streakBonusHint')}>
          <Form.List name="checkinStreakBonus" rules={[streakListRule]}>
            {(fields, { add, remove }, { errors }) => (
              <>
                {fields.map((f, i) => (
                  <div key={f.key} style={{ display: 'flex', alignItems: 'flex-start', gap: 8, flexWrap: 'wrap' }} data-testid={`points-streak-${i}`}>
                    <span style={{ lineHeight: '32px' }}>{t('points.streakDayPrefix')}</span>
                    <Form.Item name={[f.name, 'day']} rules={[zodRule(bonusShape.day, num)]} style={{ marginBottom: 12 }}>
                      <InputNumber min={2} max={365} precision={0} style={{ width: 90 }} aria-label={t('points.streakDay', { n: i + 1 })} data-testid={`points-streak-day-${i}`} />
                    </Form.Item>
                    <span style={{ lineHeight: '32px' }}>{t('points.streakBonusMid')}</span>
                    <Form.Item name={[f.name, 'bonus']} rules={[zodRule(bonusShape.bonus, num)]} style={{ marginBottom: 12 }}>
                      <InputNumber min={1} max={100_000} precision={0} style={{ width: 120 }} aria-label={t('points.streakPoints', { n: i + 1 })} data-testid={`points-streak-bonus-${i}`} />
                    </Form.Item>
                    <span style={{ lineHeight: '32px' }}>{t('points.unit')}</span>
                    <Button type="text" icon={<DeleteOutlined />} onClick={() => remove(f.name)} aria-label={`${t('common.delete')} ${i + 1}`} />
                  </div>
                ))}
                <Form.ErrorList errors={errors} />
                {fields.length < MAX_STREAK_ROWS && (
                  <Button
                    icon={<PlusOutlined />}
                    onClick={() => {
                      const used = (form.getFieldValue('checkinStreakBonus') ?? []) as Values['checkinStreakBonus'];
                      const next = Math.max(1, ...used.map((b) => b?.day ?? 0)) + 1;
                      add({ day: Math.min(next, 365), bonus: 10 });
                    }}
                    data-testid="points-streak-add"
                  >
                    {t('points.streakAdd', { n: MAX_STREAK_ROWS - fields.length })}
                  </Button>
                )}
              </>
            )}
          </Form.List>
        </Form.Item>
      </Card>

      <Card title={t('points.section.share')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item name="sharePoints" label={t('points.sharePoints')} required rules={[zodRule(shape.sharePoints, required)]} extra={t('points.sharePointsHint')}>
          <InputNumber min={0} max={100_000} precision={0} suffix={t('points.unit')} style={{ width: 240 }} data-testid="points-share" />
        </Form.Item>
        <Form.Item name="shareDailyCap" label={t('points.shareDailyCap')} required rules={[zodRule(shape.shareDailyCap, required)]} extra={t('points.shareDailyCapHint')}>
          <InputNumber min={0} max={100} precision={0} suffix={t('points.timesUnit')} style={{ width: 240 }} data-testid="points-share-cap" />
        </Form.Item>
        <Form.Item name="reviewPoints" label={t('points.reviewPoints')} required rules={[zodRule(shape.reviewPoints, required)]} extra={t('points.reviewPointsHint')}>
          <InputNumber min={0} max={100_000} precision={0} suffix={t('points.unit')} style={{ width: 240 }} data-testid="points-review" />
        </Form.Item>
        <Form.Item name="reviewMinChars" label={t('points.reviewMinChars')} required rules={[zodRule(shape.reviewMinChars, required)]} extra={t('points.reviewMinCharsHint')} style={{ marginBottom: 0 }}>
          <InputNumber min={0} max={500} precision={0} suffix={t('points.charsUnit')} style={{ width: 240 }} data-testid="points-review-min-chars" />
        </Form.Item>
      </Card>

      <Card title={t('points.section.use')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item name="pointsPerYuan" label={t('points.pointsPerYuan')} required rules={[zodRule(shape.pointsPerYuan, num)]}>
          <InputNumber min={1} max={100_000} precision={0} suffix={t('points.perYuanSuffix')} style={{ width: 240 }} data-testid="points-per-yuan" />
        </Form.Item>
        <Form.Item name="maxDeductPercent" label={t('points.maxDeductPercent')} required rules={[zodRule(shape.maxDeductPercent, num)]} extra={t('points.maxDeductHint')}>
          <InputNumber min={0} max={100} precision={0} suffix="%" style={{ width: 240 }} data-testid="points-max-deduct" />
        </Form.Item>
        <Form.Item label=" " colon={false} style={{ marginTop: -12, marginBottom: 0 }}>
          <span className="muted" data-testid="points-example">{example}</span>
        </Form.Item>
      </Card>

      <Card title={t('points.section.expiry')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item name="expiry" label={t('points.expiry')}>
          <Radio.Group data-testid="points-expiry">
            <Radio value="never">{t('points.expiry.never')}</Radio>
            <Radio value="end_of_next_year">{t('points.expiry.end_of_next_year')}</Radio>
            <Radio value="days">{t('points.expiry.days')}</Radio>
          </Radio.Group>
        </Form.Item>
        {expiry === 'days' && (
          <Form.Item name="expiryDays" label={t('points.expiryDays')} required validateFirst rules={[{ required: true, message: t('common.required') }, zodRule(shape.expiryDays, num)]}>
            <InputNumber min={1} max={3650} precision={0} suffix={t('promo.daysUnit')} style={{ width: 240 }} data-testid="points-expiry-days" />
          </Form.Item>
        )}
        <Form.Item label=" " colon={false} style={{ marginTop: -12, marginBottom: 0 }}>
          <span className="muted">{t(`points.expiryHint.${expiry}`)}</span>
        </Form.Item>
      </Card>

      {canManage && (
        <div className="form-footer">
          <Button type="primary" loading={saving} onClick={submit} data-testid="points-rules-save">
            {t('common.save')}
          </Button>
        </div>
      )}
    </Form>
  );
}
