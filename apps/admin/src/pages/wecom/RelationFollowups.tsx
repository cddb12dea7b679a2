import { useState } from 'react';
import { Alert, Button, Form, Input, Select, Space, Timeline } from 'antd';
import { ArrowRightOutlined } from '@ant-design/icons';
import { WECOM_STAGES, WecomFollowupBody, type WecomStage } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, zodRule } from '../../lib/form';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { StageTag, stageText } from './labels';
import type { Followup } from './types-reach';
import './reach.css';

interface Values {
  text: string;
  stage: WecomStage | undefined;
}

/**
 * 跟进记录 of one relation, newest first, and a form to add one. A stage change is made with the record
 * that explains it (the server moves the stage in the same transaction), so the record says from what to what.
 */
export default function RelationFollowups({ relationId, stage, disabled, onAdded }: { relationId: string; stage: WecomStage; disabled?: boolean; onAdded: () => void }) {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const writable = can('customers:write') && !disabled;
  const { data, error, reload } = useApi<{ stage: WecomStage; items: Followup[] }>(`/wecom/relations/${relationId}/followups`);
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);

  const add = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = form.getFieldsValue(true) as Values;
    setSaving(true);
    try {
      await api.post(`/wecom/relations/${relationId}/followups`, { text: (v.text ?? '').trim(), ...(v.stage && v.stage !== stage ? { stage: v.stage } : {}) });
      form.resetFields();
      feedback.message.success(t('wecom.fu.added'));
      reload();
      onAdded();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <div data-testid="wecom-followups">
      {writable && (
        <Form<Values> form={form} layout="vertical" name="wecomFollowup" requiredMark={false} style={{ marginBottom: 12 }}>
          <Form.Item name="text" label={t('wecom.fu.new')} rules={[zodRule(WecomFollowupBody.shape.text, (x) => String(x ?? '').trim())]}>
            <Input.TextArea rows={3} maxLength={2000} showCount placeholder={t('wecom.fu.placeholder')} data-testid="wecom-followup-text" />
          </Form.Item>
          <Space align="start" wrap>
            <Form.Item name="stage" label={t('wecom.fu.moveTo')} extra={t('wecom.fu.moveHint', { stage: stageText(stage, lang) })}>
              <Select allowClear style={{ width: 180 }} placeholder={t('wecom.fu.keepStage')} options={WECOM_STAGES.filter((s) => s !== stage).map((s) => ({ value: s, label: stageText(s, lang) }))} data-testid="wecom-followup-stage" />
            </Form.Item>
            <Button type="primary" ghost loading={saving} onClick={add} style={{ marginTop: 30 }} data-testid="wecom-followup-add">
              {t('wecom.fu.add')}
            </Button>
          </Space>
        </Form>
      )}
      {error && <Alert type="error" showIcon title={error.message} />}
      {data && !data.items.length && <div className="muted">{t('wecom.fu.empty')}</div>}
      {data && data.items.length > 0 && (
        <Timeline
          data-testid="wecom-followup-list"
          items={data.items.map((f) => ({
            color: f.stageChanged ? 'blue' : 'gray',
            content: (
              <div className="wecom-followup">
                {f.stageChanged && (
                  <div style={{ marginBottom: 4 }} data-testid="wecom-followup-stage-change">
                    <StageTag stage={f.stageBefore} /> <ArrowRightOutlined style={{ fontSize: 11, marginRight: 8 }} aria-label={t('wecom.fu.to')} />
                    <StageTag stage={f.stageAfter} />
                  </div>
                )}
                <div className="wecom-followup-text">{f.text}</div>
                <div className="muted" style={{ fontSize: 12 }}>
                  {f.author}
                  {f.staffUserid ? ` · ${t('wecom.fu.fromSidebar')}` : ''} · {fmtTime(f.at)}
                </div>
              </div>
            ),
          }))}
        />
      )}
    </div>
  );
}
