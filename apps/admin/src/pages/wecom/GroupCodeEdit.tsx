import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { Button, Card, Form, Input, InputNumber, Space, Switch } from 'antd';
import { WECOM_GROUP_CODE_MAX_CHATS, WECOM_GROUP_STATE_MAX, WecomGroupCodeBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, validateBody } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import { GroupPicker } from './GroupPicker';
import { emptyGroupCodeForm, groupCodeFieldMap, groupCodeFormToBody, groupCodeToForm, type GroupCodeFormValues } from './helpers-groups';
import type { GroupCode } from './types-groups';
import './wecom.css';
import './groups.css';

const fieldMap = new Proxy({} as Record<string, string>, { get: (_, k) => (typeof k === 'string' ? groupCodeFieldMap(k) : undefined) });

/** 新建 / 编辑群活码: its name and state, the groups it fills in order, and what WeCom does when all are full. */
export default function GroupCodeEdit() {
  const { t } = useI18n();
  const { id } = useParams();
  const navigate = useNavigate();
  const editing = !!id && id !== 'new';
  const code = useApi<GroupCode>(editing ? `/wecom/group-codes/${id}` : null);
  const [form] = Form.useForm<GroupCodeFormValues>();
  const [saving, setSaving] = useState(false);
  const auto = Form.useWatch('autoCreateRoom', form);
  const baseName = Form.useWatch('roomBaseName', form);
  const baseId = Form.useWatch('roomBaseId', form);

  useEffect(() => {
    if (!editing) form.setFieldsValue(emptyGroupCodeForm());
    else if (code.data) form.setFieldsValue(groupCodeToForm(code.data));
  }, [editing, code.data, form]);

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const body = validateBody(form, WecomGroupCodeBody, groupCodeFormToBody(form.getFieldsValue(true) as GroupCodeFormValues), fieldMap);
    if (!body) return;
    setSaving(true);
    try {
      const saved = editing ? await api.put<GroupCode>(`/wecom/group-codes/${id}`, body) : await api.post<GroupCode>('/wecom/group-codes', body);
      feedback.message.success(editing ? t('common.saved') : t('wecom.gcode.created'));
      navigate(`/wecom/group-codes/${saved.id}/stats`);
    } catch (err) {
      if (!applyApiError(form, err, fieldMap)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  if (code.error) return <LoadError error={code.error} onRetry={code.reload} />;

  return (
    <div className="page-card">
      <h1 className="page-title">{editing ? t('nav.wecomGroupCodeEdit') : t('nav.wecomGroupCodeNew')}</h1>
      <Form<GroupCodeFormValues> form={form} layout="vertical" name="wecomGroupCode" requiredMark={false} data-testid="wecom-gcode-form">
        <Card title={t('wecom.code.basics')} size="small" variant="borderless" className="wecom-section">
          <Form.Item name="name" label={t('wecom.gcode.name')} extra={t('wecom.gcode.nameHint')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
            <Input maxLength={60} style={{ maxWidth: 420 }} data-testid="wecom-gcode-name-input" />
          </Form.Item>
          <Form.Item
            name="state"
            label={t('wecom.code.state')}
            extra={t('wecom.gcode.stateHint', { n: WECOM_GROUP_STATE_MAX })}
            rules={[{ pattern: /^[A-Za-z0-9_-]*$/, message: t('wecom.gcode.stateChars') }]}
          >
            <Input maxLength={WECOM_GROUP_STATE_MAX} showCount spellCheck={false} style={{ maxWidth: 420 }} placeholder={t('wecom.code.statePlaceholder')} data-testid="wecom-gcode-state" />
          </Form.Item>
        </Card>

        <Card title={t('wecom.gcode.chats')} size="small" variant="borderless" className="wecom-section">
          <Form.Item
            name="chatIds"
            label={t('wecom.gcode.pickChats', { n: WECOM_GROUP_CODE_MAX_CHATS })}
            extra={t('wecom.gcode.chatsHint')}
            rules={[{ required: true, type: 'array', min: 1, message: t('wecom.gcode.chatsRequired') }]}
          >
            <GroupPicker max={WECOM_GROUP_CODE_MAX_CHATS} known={code.data?.chats} testId="wecom-gcode-chats" />
          </Form.Item>
          <Form.Item name="autoCreateRoom" valuePropName="checked" label={t('wecom.gcode.autoCreate')} extra={t('wecom.gcode.autoCreateHint')}>
            <Switch data-testid="wecom-gcode-auto" />
          </Form.Item>
          {auto && (
            <Space align="start" wrap>
              <Form.Item name="roomBaseName" label={t('wecom.gcode.roomBaseName')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
                <Input maxLength={40} style={{ width: 260 }} placeholder={t('wecom.gcode.roomBaseNamePlaceholder')} data-testid="wecom-gcode-room-name" />
              </Form.Item>
              <Form.Item name="roomBaseId" label={t('wecom.gcode.roomBaseId')} rules={[{ required: true, message: t('common.required') }]}>
                <InputNumber min={1} max={100000} precision={0} style={{ width: 140 }} data-testid="wecom-gcode-room-id" />
              </Form.Item>
              <div className="muted wecom-note" style={{ paddingTop: 34 }}>
                {baseName?.trim() ? t('wecom.gcode.roomExample', { a: `${baseName.trim()}${baseId ?? 1}`, b: `${baseName.trim()}${(baseId ?? 1) + 1}` }) : ''}
              </div>
            </Space>
          )}
        </Card>
      </Form>
      <div className="form-footer">
        <Space>
          <Button type="primary" loading={saving} onClick={save} data-testid="wecom-gcode-save">
            {editing ? t('common.save') : t('wecom.gcode.create')}
          </Button>
          <Button onClick={() => navigate('/wecom/group-codes')}>{t('common.cancel')}</Button>
        </Space>
      </div>
    </div>
  );
}
