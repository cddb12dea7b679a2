import { useState } from 'react';
import { Alert, Form, Input, InputNumber, Radio, Skeleton, Space, Switch } from 'antd';
import { DistributionSettingsBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, moneyRule, validateBody } from '../../lib/form';
import { useI18n } from '../../lib/i18n';
import { fenToYuan, yuanToFen } from '../../lib/money';
import { LoadError } from '../../components/Results';
import { pctToBp } from './shared';
import { ReadOnlyNote, RequiredItem, SettingsFooter, SettingsSection, useSettingsForm } from './SettingsParts';
import type { BindingMode, DistributionSettings as Settings, Eligibility } from './types';
import '../promotions/promotions.css';

interface Values {
  enabled: boolean;
  eligibility: Eligibility;
  spendThreshold: string;
  bindingMode: BindingMode;
  bindingDays: number | null;
  newCustomersOnly: boolean;
  tiers: 1 | 2;
  level1Pct: number;
  level2Pct: number;
  afterSaleDays: number;
  withdrawMin: string;
  withdrawFeePct: number;
  withdrawReview: boolean;
}

const toValues = (s: Settings): Values => ({
  enabled: s.enabled,
  eligibility: s.eligibility,
  spendThreshold: fenToYuan(s.spendThresholdFen),
  bindingMode: s.bindingMode,
  bindingDays: s.bindingDays ?? 30,
  newCustomersOnly: s.newCustomersOnly,
  tiers: s.tiers,
  level1Pct: s.level1Bp / 100,
  level2Pct: s.level2Bp / 100,
  afterSaleDays: s.afterSaleDays,
  withdrawMin: fenToYuan(s.withdrawMinFen),
  withdrawFeePct: s.withdrawFeeBp / 100,
  withdrawReview: s.withdrawReview,
});

const FIELD_MAP: Record<string, string> = {
  spendThresholdFen: 'spendThreshold',
  level1Bp: 'level1Pct',
  level2Bp: 'level2Pct',
  withdrawMinFen: 'withdrawMin',
  withdrawFeeBp: 'withdrawFeePct',
};

/** 分销设置: who may promote, how a customer binds to a promoter, the rates (two tiers at most), withdrawals. */
export default function DistributionSettings() {
  const { t } = useI18n();
  const { writable, data, error, reload, setData, form, saving, setSaving, validValues } = useSettingsForm<Settings, Values>('/distribution/settings', toValues);
  const [formError, setFormError] = useState<string | null>(null);
  const eligibility = Form.useWatch('eligibility', form) as Eligibility | undefined;
  const bindingMode = Form.useWatch('bindingMode', form) as BindingMode | undefined;
  const tiers = Form.useWatch('tiers', form) as 1 | 2 | undefined;

  const save = async () => {
    setFormError(null);
    const v = await validValues();
    if (!v) return;
    const body: Settings = {
      enabled: !!v.enabled,
      eligibility: v.eligibility,
      spendThresholdFen: v.eligibility === 'spend' ? (yuanToFen(v.spendThreshold) ?? 0) : (data?.spendThresholdFen ?? 0),
      bindingMode: v.bindingMode,
      bindingDays: v.bindingMode === 'permanent' ? null : v.bindingDays,
      newCustomersOnly: !!v.newCustomersOnly,
      tiers: v.tiers,
      level1Bp: pctToBp(v.level1Pct) ?? 0,
      level2Bp: v.tiers === 2 ? (pctToBp(v.level2Pct) ?? 0) : 0,
      afterSaleDays: v.afterSaleDays,
      withdrawMinFen: yuanToFen(v.withdrawMin) ?? 0,
      withdrawFeeBp: pctToBp(v.withdrawFeePct) ?? 0,
      withdrawReview: !!v.withdrawReview,
    };
    if (!validateBody(form, DistributionSettingsBody, body, FIELD_MAP)) return;
    setSaving(true);
    try {
      const saved = await api.put<Settings>('/distribution/settings', body);
      setData(saved ?? body);
      feedback.message.success(t('common.saved'));
    } catch (err) {
      const onField = applyApiError(form, err, FIELD_MAP);
      setFormError((err as Error).message);
      if (!onField) showError(err);
    } finally {
      setSaving(false);
    }
  };

  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!data) return <div className="page-card"><Skeleton active /></div>;

  return (
    <Form<Values>
      form={form}
      layout="horizontal"
      labelCol={{ flex: '160px' }}
      initialValues={toValues(data)}
      disabled={!writable}
      name="distribution-settings"
      className="promo-form"
      data-testid="ds-settings-form"
      onValuesChange={() => formError && setFormError(null)}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 12 }} data-testid="ds-settings-error" />}
      <ReadOnlyNote writable={writable} />
      <SettingsSection title={t('fission.ds.section.who')}>
        <Form.Item name="enabled" label={t('fission.ds.enabled')} valuePropName="checked" extra={t('fission.ds.enabledHint')}>
          <Switch data-testid="ds-enabled" />
        </Form.Item>
        <Form.Item name="eligibility" label={t('fission.ds.eligibility')} required>
          <Radio.Group data-testid="ds-eligibility">
            <Space orientation="vertical" size={4}>
              {(['everyone', 'apply', 'spend'] as const).map((e) => (
                <Radio key={e} value={e}>
                  {t(`fission.ds.elig.${e}`)} <span className="muted">— {t(`fission.ds.eligHint.${e}`)}</span>
                </Radio>
              ))}
            </Space>
          </Radio.Group>
        </Form.Item>
        {eligibility === 'spend' && (
          <Form.Item name="spendThreshold" label={t('fission.ds.spendThreshold')} required rules={[moneyRule(true)]}>
            <Input prefix="¥" style={{ width: 180 }} data-testid="ds-spend" />
          </Form.Item>
        )}
      </SettingsSection>
      <SettingsSection title={t('fission.ds.section.binding')}>
        <Form.Item name="bindingMode" label={t('fission.ds.bindingMode')} required>
          <Radio.Group data-testid="ds-binding-mode">
            <Space orientation="vertical" size={8}>
              {(['first_click', 'last_click', 'permanent'] as const).map((m) => (
                <Radio key={m} value={m}>
                  <b>{t(`fission.ds.bind.${m}`)}</b>
                  <div className="muted" style={{ fontSize: 12, maxWidth: 560 }}>
                    {t(`fission.ds.bindHint.${m}`)}
                  </div>
                </Radio>
              ))}
            </Space>
          </Radio.Group>
        </Form.Item>
        {bindingMode !== 'permanent' && (
          <RequiredItem name="bindingDays" label={t('fission.ds.bindingDays')} extra={t('fission.ds.bindingDaysHint')}>
            <InputNumber min={1} max={3650} precision={0} suffix={t('fission.unit.day')} data-testid="ds-binding-days" />
          </RequiredItem>
        )}
        <Form.Item name="newCustomersOnly" label={t('fission.ds.newCustomersOnly')} valuePropName="checked" extra={t('fission.ds.newCustomersOnlyHint')}>
          <Switch data-testid="ds-new-only" />
        </Form.Item>
      </SettingsSection>
      <SettingsSection title={t('fission.ds.section.rates')}>
        <Form.Item label=" " colon={false}>
          <Alert type="info" showIcon title={t('fission.ds.tierRule')} style={{ maxWidth: 640 }} data-testid="ds-tier-rule" />
        </Form.Item>
        <Form.Item name="tiers" label={t('fission.ds.tiers')} required>
          <Radio.Group
            data-testid="ds-tiers"
            options={[
              { value: 1, label: t('fission.ds.tier1Only') },
              { value: 2, label: t('fission.ds.tier2') },
            ]}
          />
        </Form.Item>
        <RequiredItem name="level1Pct" label={t('fission.ds.level1')} extra={t('fission.ds.level1Hint')}>
          <InputNumber min={0} max={100} precision={2} step={0.5} suffix="%" data-testid="ds-level1" />
        </RequiredItem>
        {tiers === 2 && (
          <RequiredItem name="level2Pct" label={t('fission.ds.level2')} extra={t('fission.ds.level2Hint')}>
            <InputNumber min={0} max={100} precision={2} step={0.5} suffix="%" data-testid="ds-level2" />
          </RequiredItem>
        )}
        <RequiredItem name="afterSaleDays" label={t('fission.ds.afterSaleDays')} extra={t('fission.ds.afterSaleDaysHint')}>
          <InputNumber min={0} max={90} precision={0} suffix={t('fission.unit.day')} data-testid="ds-after-sale" />
        </RequiredItem>
      </SettingsSection>
      <SettingsSection title={t('fission.ds.section.withdraw')}>
        <Form.Item name="withdrawMin" label={t('fission.ds.withdrawMin')} required rules={[moneyRule(true)]} extra={t('fission.ds.withdrawMinHint')}>
          <Input prefix="¥" style={{ width: 180 }} data-testid="ds-withdraw-min" />
        </Form.Item>
        <RequiredItem name="withdrawFeePct" label={t('fission.ds.withdrawFee')} extra={t('fission.ds.withdrawFeeHint')}>
          <InputNumber min={0} max={50} precision={2} step={0.1} suffix="%" data-testid="ds-withdraw-fee" />
        </RequiredItem>
        <Form.Item name="withdrawReview" label={t('fission.ds.withdrawReview')} valuePropName="checked" extra={t('fission.ds.withdrawReviewHint')}>
          <Switch data-testid="ds-withdraw-review" />
        </Form.Item>
      </SettingsSection>
      <SettingsFooter writable={writable} saving={saving} onReset={() => form.setFieldsValue(toValues(data))} onSave={save} saveTestId="ds-settings-save" />
    </Form>
  );
}
