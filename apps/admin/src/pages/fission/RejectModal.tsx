import { useEffect, useState } from 'react';
import { Form, Input, Modal } from 'antd';
import { applyApiError } from '../../lib/form';
import { showError } from '../../lib/feedback';
import { useI18n } from '../../lib/i18n';

/** A rejection with its reason (1–200 characters), shown to the promoter; the caller's submit does the call. */
export function RejectModal({ open, title, onCancel, onSubmit, testId }: { open: boolean; title: string; onCancel: () => void; onSubmit: (reason: string) => Promise<void>; testId?: string }) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ reason: string }>();
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (open) form.resetFields();
  }, [open, form]);

  const ok = async () => {
    let v: { reason: string };
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    setSaving(true);
    try {
      await onSubmit(v.reason.trim());
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal open={open} title={title} onCancel={onCancel} onOk={ok} okText={t('fission.ds.reject')} cancelText={t('common.cancel')} okButtonProps={{ danger: true, loading: saving, 'data-testid': `${testId}-ok` } as never} destroyOnHidden data-testid={testId}>
      <Form form={form} layout="vertical" name="reject">
        <Form.Item name="reason" label={t('common.reason')} required rules={[{ required: true, whitespace: true, message: t('fission.ds.reasonRequired') }, { max: 200, message: t('fission.ds.reasonMax') }]} extra={t('fission.ds.reasonHint')}>
          <Input.TextArea rows={3} maxLength={200} showCount data-testid={`${testId}-reason`} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
