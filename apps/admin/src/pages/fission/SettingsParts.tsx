import { useEffect, useState, type ReactNode } from 'react';
import { Alert, Button, Card, Form, type FormItemProps } from 'antd';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';

/** The parts the 分销设置 / 团长设置 forms share. */

/**
 * Loads the settings at `path` into a form (again whenever they are reloaded or saved); `writable`
 * says whether this user may change them (distribution:manage).
 */
export function useSettingsForm<S, V>(path: string, toValues: (s: S) => V) {
  const { can } = useAuth();
  const writable = can('distribution:manage');
  const { data, error, reload, setData } = useApi<S>(path);
  const [form] = Form.useForm<V>();
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (data) form.setFieldsValue(toValues(data) as Parameters<typeof form.setFieldsValue>[0]);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, form]);
  /** Every value of the form (hidden fields too), or null when a field fails its rules. */
  const validValues = async (): Promise<V | null> => {
    try {
      await form.validateFields();
    } catch {
      return null;
    }
    return form.getFieldsValue(true) as V;
  };
  return { writable, data, error, reload, setData, form, saving, setSaving, validValues };
}

/** Shown above a settings form the user may only read. */
export function ReadOnlyNote({ writable }: { writable: boolean }) {
  const { t } = useI18n();
  if (writable) return null;
  return <Alert type="info" showIcon title={t('fission.ds.readOnly')} style={{ marginBottom: 12 }} />;
}

/** One titled group of settings. */
export function SettingsSection({ title, children }: { title: ReactNode; children: ReactNode }) {
  return (
    <Card title={title} variant="borderless" style={{ marginBottom: 16 }}>
      {children}
    </Card>
  );
}

/** A form item that must be filled in (marked, and 必填 when empty). */
export function RequiredItem(props: FormItemProps) {
  const { t } = useI18n();
  return <Form.Item required rules={[{ required: true, message: t('common.required') }]} {...props} />;
}

/** 重置 / 保存 under the form, for those who may change the settings. */
export function SettingsFooter({ writable, saving, onReset, onSave, saveTestId }: { writable: boolean; saving: boolean; onReset: () => void; onSave: () => void; saveTestId: string }) {
  const { t } = useI18n();
  if (!writable) return null;
  return (
    <div className="form-footer">
      <Button onClick={onReset}>{t('common.reset')}</Button>
      <Button type="primary" loading={saving} onClick={onSave} data-testid={saveTestId}>
        {t('common.save')}
      </Button>
    </div>
  );
}
