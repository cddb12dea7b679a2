import { useEffect, useState } from 'react';
import { Alert, Button, Form, Input, InputNumber, Skeleton, Switch } from 'antd';
import { StoredValueSettingsBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, validateBody } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import { yuanBoxToFen } from './StoredValuePlans';

export interface StoredValueSettingsData {
  enabled: boolean;
  customAmountEnabled: boolean;
  minCustomFen: number;
  maxCustomFen: number;
  terms: string;
}

interface Values {
  enabled: boolean;
  customAmountEnabled: boolean;
  /** Yuan. */
  minCustom: number | null;
  maxCustom: number | null;
  terms: string;
}

const FIELDS = { minCustomFen: 'minCustom', maxCustomFen: 'maxCustom' };

/** 储值设置: whether the shop takes top-ups, whether customers may type an amount (and its range), the terms. */
export default function StoredValueSettings({ onSaved, readOnly }: { onSaved: () => void; readOnly: boolean }) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const { data, error, reload, setData } = useApi<StoredValueSettingsData>('/stored-value/settings');
  const [saving, setSaving] = useState(false);
  const custom = Form.useWatch('customAmountEnabled', form);

  useEffect(() => {
    if (data) form.setFieldsValue({ enabled: data.enabled, customAmountEnabled: data.customAmountEnabled, minCustom: data.minCustomFen / 100, maxCustom: data.maxCustomFen / 100, terms: data.terms });
  }, [data, form]);

  const submit = async () => {
    const v = form.getFieldsValue(true) as Values;
    const body = validateBody(
      form,
      StoredValueSettingsBody,
      { enabled: !!v.enabled, customAmountEnabled: !!v.customAmountEnabled, minCustomFen: yuanBoxToFen(v.minCustom), maxCustomFen: yuanBoxToFen(v.maxCustom), terms: (v.terms ?? '').trim() },
      FIELDS,
    );
    if (!body) return;
    setSaving(true);
    try {
      const saved = await api.put<StoredValueSettingsData>('/stored-value/settings', body);
      setData(saved);
      feedback.message.success(t('common.saved'));
      onSaved();
    } catch (err) {
      if (!applyApiError(form, err, FIELDS)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!data) return <Skeleton active />;

  return (
    <Form<Values> form={form} layout="horizontal" labelCol={{ flex: '160px' }} name="storedValueSettings" disabled={readOnly} style={{ maxWidth: 760 }} data-testid="sv-settings">
      {readOnly && <Alert type="info" showIcon title={t('sv.readOnly')} style={{ marginBottom: 12 }} />}
      <Form.Item name="enabled" label={t('sv.set.enabled')} valuePropName="checked" extra={t('sv.set.enabledHint')}>
        <Switch data-testid="sv-set-enabled" />
      </Form.Item>
      <Form.Item name="customAmountEnabled" label={t('sv.set.custom')} valuePropName="checked" extra={t('sv.set.customHint')}>
        <Switch data-testid="sv-set-custom" />
      </Form.Item>
      <Form.Item name="minCustom" label={t('sv.set.min')} hidden={!custom}>
        <InputNumber min={0.01} max={100_000} precision={2} prefix="¥" style={{ width: 200 }} data-testid="sv-set-min" />
      </Form.Item>
      <Form.Item name="maxCustom" label={t('sv.set.max')} hidden={!custom}>
        <InputNumber min={0.01} max={100_000} precision={2} prefix="¥" style={{ width: 200 }} data-testid="sv-set-max" />
      </Form.Item>
      <Form.Item name="terms" label={t('sv.set.terms')} extra={t('sv.set.termsHint')}>
        <Input.TextArea rows={5} maxLength={2000} showCount placeholder={t('sv.set.termsPlaceholder')} data-testid="sv-set-terms" />
      </Form.Item>
      {!readOnly && (
        <Form.Item label=" " colon={false} style={{ marginBottom: 0 }}>
          <Button type="primary" loading={saving} onClick={submit} data-testid="sv-set-save">
            {t('common.save')}
          </Button>
        </Form.Item>
      )}
    </Form>
  );
}
