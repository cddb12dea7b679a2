import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, Card, Form, Input, InputNumber, Radio, Select, Skeleton, Space, Switch } from 'antd';
import { InviteSettingsBody, type InviteSettings } from '@siyu/contracts';
import { api } from '../../../lib/api';
import { feedback, showError } from '../../../lib/feedback';
import { applyApiError, validateBody } from '../../../lib/form';
import { useApi } from '../../../lib/hooks';
import { useI18n } from '../../../lib/i18n';
import { useAuth } from '../../../lib/auth';
import { couponLabel } from '../../../lib/promo-label';
import type { CouponTemplate, Paged } from '../../../lib/types';
import { LoadError } from '../../../components/Results';
import '../../promotions/promotions.css';

type Settings = InviteSettings;

/** The form edits the cash rewards in yuan. */
type Values = Omit<Settings, 'inviterCashFen' | 'inviteeCashFen'> & { inviterCashYuan?: number; inviteeCashYuan?: number };
const toValues = (s: Settings): Values => ({ ...s, cashPayout: s.cashPayout ?? 'balance', activityName: s.activityName ?? null, inviterCashYuan: (s.inviterCashFen ?? 0) / 100, inviteeCashYuan: (s.inviteeCashFen ?? 0) / 100 });
const yuanToFen = (y: number | undefined) => Math.round((y ?? 0) * 100);

/** 邀请设置: who counts as a new customer, when an invitation is rewarded, what each side gets, the inviter's daily cap. */
export default function InviteSettings() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const writable = can('promotions:write');
  const { data, error, reload, setData } = useApi<Settings>('/invitations/settings');
  // A shop has a handful of coupon templates: the newest 100 are enough to choose from.
  const templates = useApi<Paged<CouponTemplate>>('/coupons', { page: 1, pageSize: 100 });
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const newCustomer = Form.useWatch('newCustomer', form);
  const trigger = Form.useWatch('trigger', form);
  const cashPayout = Form.useWatch('cashPayout', form);

  useEffect(() => {
    if (data) form.setFieldsValue(toValues(data));
  }, [data, form]);

  const options = (templates.data?.items ?? []).map((c) => ({ value: c.id, label: `${c.name}(${couponLabel(c, lang)})`, disabled: c.status === 'ended' }));

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = form.getFieldsValue(true) as Values;
    const body: Settings = {
      enabled: !!v.enabled,
      newCustomer: v.newCustomer,
      newAccountHours: v.newAccountHours ?? 24,
      trigger: v.trigger,
      attributionDays: v.attributionDays ?? 7,
      inviterCouponTemplateId: v.inviterCouponTemplateId || null,
      inviterPoints: v.inviterPoints ?? 0,
      inviteeCouponTemplateId: v.inviteeCouponTemplateId || null,
      inviteePoints: v.inviteePoints ?? 0,
      inviterCashFen: yuanToFen(v.inviterCashYuan),
      inviteeCashFen: yuanToFen(v.inviteeCashYuan),
      cashPayout: v.cashPayout ?? 'balance',
      activityName: v.activityName?.trim() || null,
      inviterDailyCap: v.inviterDailyCap ?? 0,
    };
    if (!validateBody(form, InviteSettingsBody, body, { inviterCashFen: 'inviterCashYuan', inviteeCashFen: 'inviteeCashYuan' })) return;
    setSaving(true);
    try {
      const saved = await api.put<Settings>('/invitations/settings', body);
      setData(saved ?? body);
      feedback.message.success(t('common.saved'));
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!data) return <div className="page-card"><Skeleton active /></div>;

  const couponSelect = (testId: string, label: string) => (
    <Select allowClear showSearch={{ optionFilterProp: 'label' }} options={options} loading={templates.loading} placeholder={t('fission.iv.noCoupon')} aria-label={label} style={{ width: 320 }} data-testid={testId} />
  );

  return (
    <Form<Values> form={form} layout="horizontal" labelCol={{ flex: '160px' }} initialValues={toValues(data)} disabled={!writable} name="invite-settings" className="promo-form" data-testid="iv-settings-form">
      {!writable && <Alert type="info" showIcon title={t('fission.iv.readOnly')} style={{ marginBottom: 12 }} />}
      <Card title={t('fission.iv.section.switch')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item name="enabled" label={t('fission.iv.enabled')} valuePropName="checked" extra={t('fission.iv.enabledHint')}>
          <Switch data-testid="iv-enabled" />
        </Form.Item>
      </Card>
      <Card title={t('fission.iv.section.who')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item name="newCustomer" label={t('fission.iv.newCustomer')} required>
          <Radio.Group data-testid="iv-new-customer">
            <Space orientation="vertical" size={8}>
              {(['never_paid', 'new_account'] as const).map((k) => (
                <Radio key={k} value={k}>
                  <b>{t(`fission.iv.new.${k}`)}</b>
                  <div className="muted" style={{ fontSize: 12, maxWidth: 560 }}>
                    {t(`fission.iv.newHint.${k}`)}
                  </div>
                </Radio>
              ))}
            </Space>
          </Radio.Group>
        </Form.Item>
        {newCustomer === 'new_account' && (
          <Form.Item name="newAccountHours" label={t('fission.iv.newAccountHours')} required rules={[{ required: true, message: t('common.required') }]} extra={t('fission.iv.newAccountHoursHint')}>
            <InputNumber min={1} max={720} precision={0} suffix={t('fission.iv.hours')} data-testid="iv-new-hours" />
          </Form.Item>
        )}
        <Form.Item name="trigger" label={t('fission.iv.trigger')} required>
          <Radio.Group data-testid="iv-trigger">
            <Space orientation="vertical" size={8}>
              {(['registered', 'first_order'] as const).map((k) => (
                <Radio key={k} value={k}>
                  <b>{t(`fission.iv.trig.${k}`)}</b>
                  <div className="muted" style={{ fontSize: 12, maxWidth: 560 }}>
                    {t(`fission.iv.trigHint.${k}`)}
                  </div>
                </Radio>
              ))}
            </Space>
          </Radio.Group>
        </Form.Item>
        {trigger === 'first_order' && (
          <Form.Item name="attributionDays" label={t('fission.iv.attributionDays')} required rules={[{ required: true, message: t('common.required') }]} extra={t('fission.iv.attributionDaysHint')}>
            <InputNumber min={1} max={90} precision={0} suffix={t('fission.unit.day')} data-testid="iv-attribution" />
          </Form.Item>
        )}
      </Card>
      <Card title={t('fission.iv.section.rewards')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item label=" " colon={false}>
          <Alert type="info" showIcon title={t('fission.iv.rewardsHint')} style={{ maxWidth: 640 }} />
        </Form.Item>
        <Form.Item label={t('fission.iv.inviterGets')}>
          <Space wrap>
            <Form.Item name="inviterCouponTemplateId" noStyle>
              {couponSelect('iv-inviter-coupon', t('fission.iv.inviterCoupon'))}
            </Form.Item>
            <Form.Item name="inviterPoints" noStyle>
              <InputNumber min={0} max={100000} precision={0} suffix={t('fission.iv.points')} aria-label={t('fission.iv.inviterPoints')} data-testid="iv-inviter-points" />
            </Form.Item>
            <Form.Item name="inviterCashYuan" noStyle>
              <InputNumber min={0} max={1000} precision={2} prefix="¥" suffix={t(cashPayout === 'wechat' ? 'fission.iv.cashWechat' : 'fission.iv.cash')} aria-label={t('fission.iv.inviterCash')} data-testid="iv-inviter-cash" />
            </Form.Item>
          </Space>
        </Form.Item>
        <Form.Item label={t('fission.iv.inviteeGets')}>
          <Space wrap>
            <Form.Item name="inviteeCouponTemplateId" noStyle>
              {couponSelect('iv-invitee-coupon', t('fission.iv.inviteeCoupon'))}
            </Form.Item>
            <Form.Item name="inviteePoints" noStyle>
              <InputNumber min={0} max={100000} precision={0} suffix={t('fission.iv.points')} aria-label={t('fission.iv.inviteePoints')} data-testid="iv-invitee-points" />
            </Form.Item>
            <Form.Item name="inviteeCashYuan" noStyle>
              <InputNumber min={0} max={1000} precision={2} prefix="¥" suffix={t(cashPayout === 'wechat' ? 'fission.iv.cashWechat' : 'fission.iv.cash')} aria-label={t('fission.iv.inviteeCash')} data-testid="iv-invitee-cash" />
            </Form.Item>
          </Space>
        </Form.Item>
        <Form.Item name="cashPayout" label={t('fission.iv.cashPayout')} required>
          <Radio.Group data-testid="iv-cash-payout">
            <Space orientation="vertical" size={8}>
              {(['balance', 'wechat'] as const).map((k) => (
                <Radio key={k} value={k}>
                  <b>{t(`fission.iv.payout.${k}`)}</b>
                  <div className="muted" style={{ fontSize: 12, maxWidth: 560 }}>
                    {t(`fission.iv.payoutHint.${k}`)}
                  </div>
                </Radio>
              ))}
            </Space>
          </Radio.Group>
        </Form.Item>
        {cashPayout === 'wechat' && (
          <Form.Item name="activityName" label={t('fission.iv.activityName')} extra={t('fission.iv.activityNameHint')}>
            <Input maxLength={32} placeholder="邀请有礼" style={{ width: 320 }} data-testid="iv-activity-name" />
          </Form.Item>
        )}
        <Form.Item name="inviterDailyCap" label={t('fission.iv.dailyCap')} required rules={[{ required: true, message: t('common.required') }]} extra={t('fission.iv.dailyCapHint')}>
          <InputNumber min={0} max={1000} precision={0} suffix={t('fission.iv.perDay')} data-testid="iv-daily-cap" />
        </Form.Item>
        <Form.Item label=" " colon={false}>
          <Link to="/coupons/new">{t('fission.iv.newCoupon')}</Link>
        </Form.Item>
      </Card>
      {writable && (
        <div className="form-footer">
          <Button onClick={() => form.setFieldsValue(toValues(data))}>{t('common.reset')}</Button>
          <Button type="primary" loading={saving} onClick={save} data-testid="iv-settings-save">
            {t('common.save')}
          </Button>
        </div>
      )}
    </Form>
  );
}
