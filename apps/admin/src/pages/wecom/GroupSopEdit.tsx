import { useEffect, useMemo, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import dayjs, { type Dayjs } from 'dayjs';
import { Alert, Button, Card, Form, Input, InputNumber, Radio, Select, Space, Switch, TimePicker } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { WECOM_SOP_ANCHORS, WECOM_SOP_MAX_DAY, WECOM_SOP_MAX_STEPS, WecomSopBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, validateBody } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import { AttachmentsField } from './AttachmentsField';
import { GroupPicker } from './GroupPicker';
import { duplicateSteps, emptySopForm, newStep, sopFieldMap, sopFormToBody, sopToForm, sortSteps, stepWhen, type SopFormValues, type SopStepForm } from './helpers-groups';
import { anchorText } from './labels-groups';
import type { StaffMember } from './types';
import type { GroupSop } from './types-groups';
import './wecom.css';
import './groups.css';

const fieldMap = new Proxy({} as Record<string, string>, { get: (_, k) => (typeof k === 'string' ? sopFieldMap(k) : undefined) });

/** Times are HH:MM text in the form (as the contract has them); the picker works on dayjs. */
const hourProps = {
  getValueProps: (v: string | undefined) => ({ value: v ? dayjs(v, 'HH:mm') : null }),
  normalize: (d: Dayjs | null) => (d ? d.format('HH:mm') : ''),
};

/** 新建 / 编辑群 SOP: what it is anchored to, which groups, and its steps by day and time. */
export default function GroupSopEdit() {
  const { t, lang } = useI18n();
  const { id } = useParams();
  const navigate = useNavigate();
  const editing = !!id && id !== 'new';
  const sop = useApi<GroupSop>(editing ? `/wecom/group-sops/${id}` : null);
  const staff = useApi<{ items: StaffMember[] }>('/wecom/staff');
  const [form] = Form.useForm<SopFormValues>();
  const [saving, setSaving] = useState(false);
  const scope = Form.useWatch('scope', form) ?? 'all';
  const anchor = Form.useWatch('anchor', form) ?? 'group_created';
  const steps = (Form.useWatch('steps', form) ?? []) as SopStepForm[];

  useEffect(() => {
    if (!editing) form.setFieldsValue(emptySopForm());
    else if (sop.data) form.setFieldsValue(sopToForm(sop.data));
  }, [editing, sop.data, form]);

  const ownerOptions = useMemo(() => (staff.data?.items ?? []).filter((s) => s.status !== 5).map((s) => ({ value: s.userid, label: s.name })), [staff.data]);

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    // Steps are kept in the order they run, so step 1 on the detail page is the first to go out.
    const values = form.getFieldsValue(true) as SopFormValues;
    const sorted = sortSteps(values.steps.map((st) => ({ ...st, day: st.day ?? 0 })));
    form.setFieldValue('steps', sorted);
    const body = validateBody(form, WecomSopBody, sopFormToBody({ ...values, steps: sorted }), fieldMap);
    if (!body) return;
    setSaving(true);
    try {
      const saved = editing ? await api.put<GroupSop>(`/wecom/group-sops/${id}`, body) : await api.post<GroupSop>('/wecom/group-sops', body);
      feedback.message.success(editing ? t('common.saved') : t('wecom.sop.created'));
      navigate(`/wecom/group-sops/${saved.id}`);
    } catch (err) {
      if (!applyApiError(form, err, fieldMap)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const stepsRule = {
    validator: async (_r: unknown, list: SopStepForm[] | undefined) => {
      if (!list?.length) throw new Error(t('wecom.sop.stepsRequired'));
      const dup = duplicateSteps(list);
      if (dup.length) throw new Error(t('wecom.sop.sameTime', { n: dup.map((i) => i + 1).join(t('common.listSep')) }));
    },
  };

  const loadError = sop.error ?? staff.error;
  if (loadError) return <LoadError error={loadError} onRetry={() => (sop.reload(), staff.reload())} />;

  return (
    <div className="page-card">
      <h1 className="page-title">{editing ? t('nav.wecomGroupSopEdit') : t('nav.wecomGroupSopNew')}</h1>
      <Alert type="info" showIcon title={t('wecom.sop.howItWorks')} style={{ marginBottom: 16 }} />
      <Form<SopFormValues> form={form} layout="vertical" name="wecomSop" requiredMark={false} data-testid="wecom-sop-form">
        <Card title={t('wecom.code.basics')} size="small" variant="borderless" className="wecom-section">
          <Form.Item name="name" label={t('wecom.sop.name')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
            <Input maxLength={60} style={{ maxWidth: 420 }} placeholder={t('wecom.sop.namePlaceholder')} data-testid="wecom-sop-name-input" />
          </Form.Item>
          <Form.Item name="anchor" label={t('wecom.sop.anchor')} extra={anchor === 'member_joined' ? t('wecom.sop.anchorHint.member_joined') : t('wecom.sop.anchorHint.group_created')}>
            <Radio.Group data-testid="wecom-sop-anchor">
              {WECOM_SOP_ANCHORS.map((a) => (
                <Radio key={a} value={a} data-testid={`wecom-sop-anchor-${a}`}>
                  {anchorText(a, lang)}
                </Radio>
              ))}
            </Radio.Group>
          </Form.Item>
          <Form.Item name="active" valuePropName="checked" label={t('wecom.sop.active')} extra={t('wecom.sop.activeHint')}>
            <Switch data-testid="wecom-sop-active" />
          </Form.Item>
        </Card>

        <Card title={t('wecom.sop.scope')} size="small" variant="borderless" className="wecom-section">
          <Form.Item name="scope">
            <Radio.Group data-testid="wecom-sop-scope">
              <Radio value="all">{t('wecom.sop.scope.all')}</Radio>
              <Radio value="chats">{t('wecom.sop.scope.chats')}</Radio>
              <Radio value="owners">{t('wecom.sop.scope.owners')}</Radio>
            </Radio.Group>
          </Form.Item>
          {scope === 'all' && <div className="muted wecom-note" style={{ marginTop: -12, marginBottom: 12 }}>{t('wecom.sop.scope.allHint')}</div>}
          {scope === 'chats' && (
            <Form.Item name="chatIds" label={t('wecom.sop.scope.chats')} rules={[{ required: true, type: 'array', min: 1, message: t('wecom.gcode.chatsRequired') }]}>
              <GroupPicker known={sop.data?.chats} testId="wecom-sop-chats" />
            </Form.Item>
          )}
          {scope === 'owners' && (
            <Form.Item name="owners" label={t('wecom.sop.scope.owners')} extra={t('wecom.sop.scope.ownersHint')} rules={[{ required: true, type: 'array', min: 1, message: t('wecom.sop.ownersRequired') }]}>
              <Select mode="multiple" allowClear showSearch={{ optionFilterProp: 'label' }} options={ownerOptions} loading={staff.loading} placeholder={t('wecom.code.pickMany')} style={{ maxWidth: 560 }} data-testid="wecom-sop-owners" />
            </Form.Item>
          )}
        </Card>

        <Card title={t('wecom.sop.steps')} size="small" variant="borderless" className="wecom-section">
          <div className="muted wecom-note" style={{ marginBottom: 12 }}>{t('wecom.sop.stepsHint')}</div>
          <Form.List name="steps" rules={[stepsRule]}>
            {(fields, { add, remove }, { errors }) => (
              <div data-testid="wecom-sop-steps">
                {fields.map((f, i) => {
                  const st = steps[f.name];
                  return (
                    <div key={f.key} className="wecom-step" data-testid={`wecom-sop-step-${i}`}>
                      <div className="wecom-step-head">
                        <span>{t('wecom.sop.stepN', { n: i + 1 })}</span>
                        {st && st.day !== null && st.day !== undefined && st.time && <span className="muted" style={{ fontWeight: 400 }}>· {stepWhen({ day: st.day, time: st.time }, t)}</span>}
                        <span className="spacer" />
                        <Button type="text" danger size="small" icon={<DeleteOutlined />} onClick={() => remove(f.name)} disabled={fields.length <= 1} aria-label={t('wecom.sop.removeStep')} data-testid={`wecom-sop-step-remove-${i}`} />
                      </div>
                      <Space align="start" wrap>
                        <Form.Item name={[f.name, 'day']} label={t('wecom.sop.day')} rules={[{ required: true, message: t('common.required') }]}>
                          <InputNumber min={0} max={WECOM_SOP_MAX_DAY} precision={0} prefix={t('wecom.sop.dayPrefix')} suffix={t('wecom.sop.daySuffix') || undefined} style={{ width: 140 }} data-testid={`wecom-sop-step-day-${i}`} />
                        </Form.Item>
                        <Form.Item name={[f.name, 'time']} label={t('wecom.sop.time')} rules={[{ required: true, message: t('common.required') }]} {...hourProps}>
                          <TimePicker format="HH:mm" minuteStep={5} allowClear={false} needConfirm={false} data-testid={`wecom-sop-step-time-${i}`} />
                        </Form.Item>
                      </Space>
                      <Form.Item name={[f.name, 'text']} label={t('wecom.sop.text')} extra={t('wecom.sop.textHint')}>
                        <Input.TextArea rows={3} maxLength={4000} showCount style={{ maxWidth: 640 }} data-testid={`wecom-sop-step-text-${i}`} />
                      </Form.Item>
                      <Form.Item label={t('wecom.att.title9')}>
                        <AttachmentsField name={[f.name, 'attachments']} fullPath={['steps', f.name, 'attachments']} testId={`wecom-sop-step-att-${i}`} />
                      </Form.Item>
                    </div>
                  );
                })}
                <Form.ErrorList errors={errors} />
                <Button icon={<PlusOutlined />} onClick={() => add(newStep(steps[steps.length - 1]))} disabled={fields.length >= WECOM_SOP_MAX_STEPS} data-testid="wecom-sop-add-step" style={{ marginTop: 4 }}>
                  {t('wecom.sop.addStep', { n: fields.length, max: WECOM_SOP_MAX_STEPS })}
                </Button>
              </div>
            )}
          </Form.List>
        </Card>
      </Form>
      <div className="form-footer">
        <Space>
          <Button type="primary" loading={saving} onClick={save} data-testid="wecom-sop-save">
            {editing ? t('common.save') : t('wecom.sop.create')}
          </Button>
          <Button onClick={() => navigate(editing ? `/wecom/group-sops/${id}` : '/wecom/group-sops')}>{t('common.cancel')}</Button>
        </Space>
      </div>
    </div>
  );
}
