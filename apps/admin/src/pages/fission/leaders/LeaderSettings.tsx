import { Alert, Form, InputNumber, Skeleton, Switch, TimePicker } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { api } from '../../../lib/api';
import { feedback, showError } from '../../../lib/feedback';
import { applyApiError } from '../../../lib/form';
import { useI18n } from '../../../lib/i18n';
import { LoadError } from '../../../components/Results';
import { pctToBp } from '../shared';
import { ReadOnlyNote, RequiredItem, SettingsFooter, SettingsSection, useSettingsForm } from '../SettingsParts';
import type { LeaderSettings as Settings } from './types';
import '../../promotions/promotions.css';

interface Values {
  enabled: boolean;
  commissionPct: number;
  cutoff: Dayjs;
  pickupAfterDays: number;
  autoApprove: boolean;
}

const toValues = (s: Settings): Values => ({
  enabled: s.enabled,
  commissionPct: s.commissionBp / 100,
  cutoff: dayjs(`2000-01-01T${s.cutoffTime || '20:00'}:00`),
  pickupAfterDays: s.pickupAfterDays,
  autoApprove: s.autoApprove,
});

const FIELD_MAP: Record<string, string> = { commissionBp: 'commissionPct', cutoffTime: 'cutoff' };

/** 团长设置: on/off, the leader's commission on verified pickups, the daily cut-off, when a batch is picked up, auto-approval. */
export default function LeaderSettings() {
  const { t } = useI18n();
  const { writable, data, error, reload, setData, form, saving, setSaving, validValues } = useSettingsForm<Settings, Values>('/leaders/settings', toValues);
  const cutoff = Form.useWatch('cutoff', form) as Dayjs | undefined;
  const days = Form.useWatch('pickupAfterDays', form) as number | undefined;

  const save = async () => {
    const v = await validValues();
    if (!v) return;
    const body: Settings = {
      enabled: !!v.enabled,
      commissionBp: pctToBp(v.commissionPct) ?? 0,
      cutoffTime: v.cutoff.format('HH:mm'),
      pickupAfterDays: v.pickupAfterDays,
      autoApprove: !!v.autoApprove,
    };
    setSaving(true);
    try {
      const saved = await api.put<Settings>('/leaders/settings', body);
      setData(saved ?? body);
      feedback.message.success(t('common.saved'));
    } catch (err) {
      if (!applyApiError(form, err, FIELD_MAP)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!data) return <div className="page-card"><Skeleton active /></div>;

  const example = cutoff && days !== undefined && days !== null ? t('fission.ld.batchExample', { time: cutoff.format('HH:mm'), days: days === 0 ? t('fission.ld.sameDay') : t('fission.ld.afterDays', { n: days }) }) : null;

  return (
    <Form<Values> form={form} layout="horizontal" labelCol={{ flex: '160px' }} initialValues={toValues(data)} disabled={!writable} name="leader-settings" className="promo-form" data-testid="leader-settings-form">
      <ReadOnlyNote writable={writable} />
      <SettingsSection title={t('nav.leaderSettings')}>
        <Form.Item name="enabled" label={t('fission.ld.enabled')} valuePropName="checked" extra={t('fission.ld.enabledHint')}>
          <Switch data-testid="leader-enabled" />
        </Form.Item>
        <Form.Item name="autoApprove" label={t('fission.ld.autoApprove')} valuePropName="checked" extra={t('fission.ld.autoApproveHint')}>
          <Switch data-testid="leader-auto-approve" />
        </Form.Item>
        <RequiredItem name="commissionPct" label={t('fission.ld.commissionRate')} extra={t('fission.ld.commissionRateHint')}>
          <InputNumber min={0} max={50} precision={2} step={0.5} suffix="%" data-testid="leader-commission" />
        </RequiredItem>
      </SettingsSection>
      <SettingsSection title={t('fission.ld.section.batch')}>
        <RequiredItem name="cutoff" label={t('fission.ld.cutoff')} extra={t('fission.ld.cutoffHint')}>
          <TimePicker format="HH:mm" minuteStep={5} allowClear={false} needConfirm={false} data-testid="leader-cutoff" />
        </RequiredItem>
        <RequiredItem name="pickupAfterDays" label={t('fission.ld.pickupAfterDays')} extra={t('fission.ld.pickupAfterDaysHint')}>
          <InputNumber min={0} max={7} precision={0} suffix={t('fission.unit.day')} data-testid="leader-pickup-days" />
        </RequiredItem>
        {example && (
          <Form.Item label=" " colon={false}>
            <Alert type="info" showIcon title={example} style={{ maxWidth: 640 }} data-testid="leader-batch-example" />
          </Form.Item>
        )}
      </SettingsSection>
      <SettingsFooter writable={writable} saving={saving} onReset={() => form.setFieldsValue(toValues(data))} onSave={save} saveTestId="leader-settings-save" />
    </Form>
  );
}
