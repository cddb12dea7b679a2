import { useState } from 'react';
import type { FormInstance } from 'antd';
import type { z } from 'zod';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, validateBody } from '../../lib/form';
import { useI18n } from '../../lib/i18n';
import type { TestResult } from './types';

/**
 * 保存 / 测试连接 of a channel card (`/messaging/channels/{channel}`): save validates the form and the
 * contract, asks for the secret when the account is new, PUTs the body and clears the last test; test
 * POSTs `/test` and keeps its answer. Both reload the page's channels through onSaved.
 */
export function useSaveAndTest<V, S extends z.ZodType>(opts: {
  form: FormInstance<V>;
  channel: 'oa' | 'mini' | 'sms';
  schema: S;
  toBody: (v: V) => unknown;
  /** The secret a new account must be given (an update may leave it blank to keep the stored one). */
  secretField: keyof z.output<S> & string;
  isNew: boolean;
  onSaved: () => void;
}) {
  const { form, channel, schema, toBody, secretField, isNew, onSaved } = opts;
  const { t } = useI18n();
  const [saving, setSaving] = useState(false);
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<TestResult | null>(null);

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const body = validateBody(form, schema, toBody(form.getFieldsValue(true) as V));
    if (!body) return;
    if (isNew && !(body as Record<string, unknown>)[secretField]) {
      form.setFields([{ name: secretField as never, errors: [t('common.required')] }]);
      return;
    }
    setSaving(true);
    try {
      await api.put(`/messaging/channels/${channel}`, body);
      feedback.message.success(t('common.saved'));
      setResult(null);
      onSaved();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const test = async () => {
    setTesting(true);
    try {
      setResult(await api.post<TestResult>(`/messaging/channels/${channel}/test`));
      onSaved();
    } catch (err) {
      showError(err);
    } finally {
      setTesting(false);
    }
  };

  return { saving, testing, result, save, test };
}

export type SaveAndTest = ReturnType<typeof useSaveAndTest>;
