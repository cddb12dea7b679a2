import { useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Alert, Button, Card, Form, Input, Select, Space } from 'antd';
import { WecomMomentBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, validateBody } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { AttachmentsField } from './AttachmentsField';
import { deptTree, tagGroups, type DeptNode } from './helpers';
import { attachmentsToBody, type AttachmentForm } from './helpers-reach';
import type { CorpTag, Department, StaffMember } from './types';
import type { Moment } from './types-reach';
import './wecom.css';

interface Values {
  text: string;
  attachments: AttachmentForm[];
  userids: string[];
  departmentIds: number[];
  tagIds: string[];
}

/**
 * The departments in tree order, indented by depth, for a plain multiple Select (antd's TreeSelect puts an
 * aria-owns on its input that points at a list it has not rendered, which screen readers trip on).
 */
const deptOptions = (nodes: DeptNode[], depth = 0): { value: number; label: string; title: string }[] =>
  nodes.flatMap((n) => [{ value: n.key, label: `${'\u3000'.repeat(depth)}${n.title} (${n.count})`, title: n.title }, ...deptOptions(n.children, depth + 1)]);

/** 发朋友圈: the post, which members publish it (people or departments), and which of their customers see it. */
export default function MomentNew() {
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const staff = useApi<{ items: StaffMember[] }>('/wecom/staff');
  const depts = useApi<{ items: Department[] }>('/wecom/departments');
  const tags = useApi<{ items: CorpTag[] }>(can('customers:read') ? '/wecom/tags' : null);
  const userids = Form.useWatch('userids', form) ?? [];
  const departmentIds = Form.useWatch('departmentIds', form) ?? [];

  useEffect(() => form.setFieldsValue({ text: '', attachments: [], userids: [], departmentIds: [], tagIds: [] }), [form]);

  const staffOptions = useMemo(() => (staff.data?.items ?? []).filter((s) => s.status === 1).map((s) => ({ value: s.userid, label: s.name })), [staff.data]);
  const tree = useMemo(() => deptOptions(deptTree(depts.data?.items ?? [], staff.data?.items ?? [])), [depts.data, staff.data]);
  const tagOptions = tagGroups(tags.data?.items ?? []).map((g) => ({ label: g.groupName, title: g.groupName, options: g.tags.map((x) => ({ value: x.id, label: x.name })) }));

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = form.getFieldsValue(true) as Values;
    const body = validateBody(form, WecomMomentBody, { text: (v.text ?? '').trim(), attachments: attachmentsToBody(v.attachments), userids: v.userids ?? [], departmentIds: v.departmentIds ?? [], tagIds: v.tagIds ?? [] });
    if (!body) return;
    setSaving(true);
    try {
      await api.post<Moment>('/wecom/moments', body);
      feedback.message.success(t('wecom.moment.created'));
      navigate('/wecom/moments');
    } catch (err) {
      const map = new Proxy({} as Record<string, string>, { get: (_, k) => (typeof k === 'string' ? k.replace(/^(userids|tagIds|departmentIds)\.\d+$/, '$1') : undefined) });
      if (!applyApiError(form, err, map)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.wecomMomentNew')}</h1>
      <Alert type="info" showIcon title={t('wecom.moment.howItWorks')} style={{ marginBottom: 16 }} />
      <Form<Values> form={form} layout="vertical" name="wecomMoment" requiredMark={false} data-testid="wecom-moment-form">
        <Card title={t('wecom.moment.content')} size="small" variant="borderless" className="wecom-section">
          <Form.Item name="text" label={t('wecom.mass.text')} extra={t('wecom.mass.textHint')}>
            <Input.TextArea rows={5} maxLength={4000} showCount style={{ maxWidth: 640 }} data-testid="wecom-moment-text-input" />
          </Form.Item>
          <Form.Item label={t('wecom.att.title9')} extra={t('wecom.att.hint')}>
            <AttachmentsField testId="wecom-moment-att" />
          </Form.Item>
        </Card>
        <Card title={t('wecom.moment.range')} size="small" variant="borderless" className="wecom-section">
          <Form.Item name="userids" label={t('wecom.moment.postersStaff')}>
            <Select mode="multiple" allowClear showSearch={{ optionFilterProp: 'label' }} options={staffOptions} placeholder={t('wecom.code.pickMany')} style={{ maxWidth: 560 }} data-testid="wecom-moment-staff-input" />
          </Form.Item>
          <Form.Item name="departmentIds" label={t('wecom.moment.postersDepts')} extra={!userids.length && !departmentIds.length ? t('wecom.moment.everyoneHint') : t('wecom.moment.rangeHint')}>
            <Select mode="multiple" allowClear options={tree} showSearch={{ optionFilterProp: 'title' }} optionLabelProp="title" placeholder={t('wecom.moment.pickDepts')} style={{ maxWidth: 560 }} data-testid="wecom-moment-depts" />
          </Form.Item>
          <Form.Item name="tagIds" label={t('wecom.moment.seenBy')} extra={t('wecom.moment.seenByHint')}>
            <Select mode="multiple" allowClear options={tagOptions} showSearch={{ optionFilterProp: 'label' }} placeholder={t('wecom.moment.allCustomers')} style={{ maxWidth: 560 }} data-testid="wecom-moment-tags" />
          </Form.Item>
        </Card>
      </Form>
      <div className="form-footer">
        <Space>
          <Button type="primary" loading={saving} onClick={save} data-testid="wecom-moment-save">
            {t('wecom.moment.post')}
          </Button>
          <Button onClick={() => navigate('/wecom/moments')}>{t('common.cancel')}</Button>
        </Space>
      </div>
    </div>
  );
}
