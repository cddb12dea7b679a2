import { useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import dayjs, { type Dayjs } from 'dayjs';
import { Alert, Button, Card, DatePicker, Form, Input, Radio, Select, Space } from 'antd';
import { WecomMassTaskBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, validateBody } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import type { CustomerGroup } from '../customers/audience';
import { AttachmentsField } from './AttachmentsField';
import { tagGroups } from './helpers';
import { emptyMassForm, massFieldMap, massFormToBody, type MassFormValues } from './helpers-reach';
import type { CorpTag, StaffMember } from './types';
import type { MassTask } from './types-reach';
import './wecom.css';

const fieldMap = new Proxy({} as Record<string, string>, { get: (_, k) => (typeof k === 'string' ? massFieldMap(k) : undefined) });

/** The picker works on dayjs; the form keeps the ISO time the contract takes. */
const timeProps = {
  getValueProps: (v: string | undefined) => ({ value: v ? dayjs(v) : null }),
  normalize: (d: Dayjs | null) => (d ? d.toISOString() : undefined),
};

/** 新建群发: who (tags, a customer group, or customer groups chats), who sends, what, and when. */
export default function MassTaskNew() {
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [form] = Form.useForm<MassFormValues>();
  const [saving, setSaving] = useState(false);
  const staff = useApi<{ items: StaffMember[] }>('/wecom/staff');
  const tags = useApi<{ items: CorpTag[] }>(can('customers:read') ? '/wecom/tags' : null);
  const groups = useApi<{ items: CustomerGroup[] }>(can('customers:read') ? '/groups' : null);
  const kind = Form.useWatch('audienceKind', form) ?? 'tags';
  const when = Form.useWatch('when', form) ?? 'now';

  useEffect(() => form.setFieldsValue(emptyMassForm()), [form]);

  const staffOptions = useMemo(
    () => (staff.data?.items ?? []).filter((s) => s.status === 1).map((s) => ({ value: s.userid, label: s.canContact ? s.name : `${s.name} (${t('wecom.staff.canContactNo')})`, disabled: !s.canContact })),
    [staff.data, t],
  );
  const tagOptions = tagGroups(tags.data?.items ?? []).map((g) => ({ label: g.groupName, title: g.groupName, options: g.tags.map((x) => ({ value: x.id, label: x.name })) }));
  const groupOptions = (groups.data?.items ?? []).map((g) => ({ value: g.id, label: `${g.name} · ${t('wecom.mass.groupCount', { n: g.count })}` }));

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const body = validateBody(form, WecomMassTaskBody, massFormToBody(form.getFieldsValue(true) as MassFormValues), fieldMap);
    if (!body) return;
    setSaving(true);
    try {
      const made = await api.post<MassTask>('/wecom/mass-tasks', body);
      feedback.message.success(made.status === 'scheduled' ? t('wecom.mass.scheduled') : t('wecom.mass.created'));
      navigate(`/wecom/mass-tasks/${made.id}`);
    } catch (err) {
      if (!applyApiError(form, err, fieldMap)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.wecomMassNew')}</h1>
      <Alert type="info" showIcon title={t('wecom.mass.howItWorks')} style={{ marginBottom: 16 }} />
      <Form<MassFormValues> form={form} layout="vertical" name="wecomMass" requiredMark={false} data-testid="wecom-mass-form">
        <Card title={t('wecom.mass.who')} size="small" variant="borderless" className="wecom-section">
          <Form.Item name="name" label={t('wecom.mass.name')} extra={t('wecom.mass.nameHint')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
            <Input maxLength={60} style={{ maxWidth: 420 }} data-testid="wecom-mass-name-input" />
          </Form.Item>
          <Form.Item name="audienceKind" label={t('wecom.mass.audience')}>
            <Radio.Group data-testid="wecom-mass-audience">
              <Radio value="tags">{t('wecom.mass.aud.tags')}</Radio>
              <Radio value="segment">{t('wecom.mass.aud.segment')}</Radio>
              <Radio value="groups">{t('wecom.mass.aud.groups')}</Radio>
            </Radio.Group>
          </Form.Item>
          {kind === 'tags' && (
            <Form.Item name="tagIds" label={t('wecom.rel.tags')} extra={t('wecom.mass.tagsHint')} rules={[{ required: true, type: 'array', min: 1, message: t('wecom.mass.pickTags') }]}>
              <Select mode="multiple" allowClear options={tagOptions} showSearch={{ optionFilterProp: 'label' }} placeholder={t('wecom.rel.tagsPlaceholder')} style={{ maxWidth: 560 }} data-testid="wecom-mass-tags" />
            </Form.Item>
          )}
          {kind === 'segment' && (
            <Form.Item name="groupId" label={t('wecom.mass.aud.segment')} extra={t('wecom.mass.segmentHint')} rules={[{ required: true, message: t('common.required') }]}>
              <Select showSearch={{ optionFilterProp: 'label' }} options={groupOptions} loading={groups.loading} style={{ maxWidth: 420 }} data-testid="wecom-mass-group" />
            </Form.Item>
          )}
          <Form.Item
            name="senders"
            label={t('wecom.mass.senders')}
            extra={kind === 'groups' ? t('wecom.mass.sendersGroupsHint') : t('wecom.mass.sendersHint')}
            rules={kind === 'groups' ? [{ required: true, type: 'array', min: 1, message: t('wecom.mass.pickSenders') }] : []}
          >
            <Select mode="multiple" allowClear options={staffOptions} showSearch={{ optionFilterProp: 'label' }} placeholder={kind === 'groups' ? t('wecom.code.pickMany') : t('wecom.mass.allStaff')} style={{ maxWidth: 560 }} data-testid="wecom-mass-senders" />
          </Form.Item>
        </Card>

        <Card title={t('wecom.mass.what')} size="small" variant="borderless" className="wecom-section">
          <Form.Item name="text" label={t('wecom.mass.text')} extra={t('wecom.mass.textHint')}>
            <Input.TextArea rows={5} maxLength={4000} showCount style={{ maxWidth: 640 }} data-testid="wecom-mass-text" />
          </Form.Item>
          <Form.Item label={t('wecom.att.title9')} extra={t('wecom.att.hint')}>
            <AttachmentsField testId="wecom-mass-att" />
          </Form.Item>
        </Card>

        <Card title={t('wecom.mass.when')} size="small" variant="borderless" className="wecom-section">
          <Form.Item name="when">
            <Radio.Group data-testid="wecom-mass-when">
              <Radio value="now">{t('wecom.mass.now')}</Radio>
              <Radio value="later">{t('wecom.mass.later')}</Radio>
            </Radio.Group>
          </Form.Item>
          {when === 'later' && (
            <Form.Item
              name="sendAt"
              label={t('wecom.mass.sendAt')}
              extra={t('wecom.mass.sendAtHint')}
              rules={[
                { required: true, message: t('common.required') },
                { validator: async (_r, v: string | undefined) => { if (v && dayjs(v).isBefore(dayjs())) throw new Error(t('wecom.mass.sendAtPast')); } },
              ]}
              {...timeProps}
            >
              <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" disabledDate={(d) => d.isBefore(dayjs().startOf('day'))} data-testid="wecom-mass-send-at" />
            </Form.Item>
          )}
        </Card>
      </Form>
      <div className="form-footer">
        <Space>
          <Button type="primary" loading={saving} onClick={save} data-testid="wecom-mass-save">
            {when === 'later' ? t('wecom.mass.schedule') : t('wecom.mass.createNow')}
          </Button>
          <Button onClick={() => navigate('/wecom/mass-tasks')}>{t('common.cancel')}</Button>
        </Space>
      </div>
    </div>
  );
}
