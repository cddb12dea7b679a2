import { useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { Button, Form, Input, InputNumber, Modal, Select, Space, Switch, Table, Tag, Tooltip, TreeSelect, type TableProps } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import type { TextAreaRef } from 'antd/es/input/TextArea';
import { WECOM_REMINDER_VARIABLES, WecomReminderRuleBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, validateBody } from '../../lib/form';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import type { CategoryNode } from '../../lib/types';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { LoadError } from '../../components/Results';
import { TableFrame } from '../analytics/TableFrame';
import { categoryTree } from '../products/ProductList';
import { delayParts, renderTemplate, UNIT_DAYS } from './helpers-reach';
import type { ReminderRule } from './types-reach';
import './wecom.css';
import './reach.css';

interface Values {
  name: string;
  categoryIds: string[];
  delayN: number;
  delayUnit: 'day' | 'week' | 'month';
  title: string;
  text: string;
  enabled: boolean;
}

const toValues = (r: ReminderRule | null): Values => {
  const d = r ? delayParts(r.delayDays) : { n: 3, unit: 'month' as const };
  return { name: r?.name ?? '', categoryIds: r?.categoryIds ?? [], delayN: d.n, delayUnit: d.unit, title: r?.title ?? '', text: r?.text ?? '', enabled: r?.enabled ?? true };
};

function flatNames(nodes: CategoryNode[], out = new Map<string, string>()) {
  for (const n of nodes) {
    out.set(n.id, n.name);
    flatNames(n.children ?? [], out);
  }
  return out;
}

/**
 * 提醒规则: "N days after a paid order with a product of these categories, remind whoever serves the
 * customer" — the eyeglasses case is 3 months after lenses, invite them for a free cleaning. The text may
 * use the customer's name, the product, the order number and the date it was paid.
 */
export default function ReminderRules() {
  const { t } = useI18n();
  const { can } = useAuth();
  const writable = can('messaging:write');
  const { data, error, loading, reload } = useApi<{ items: ReminderRule[] }>('/wecom/reminder-rules');
  const cats = useApi<{ items: CategoryNode[] }>(can('catalog:read') ? '/categories' : null);
  const catNames = useMemo(() => flatNames(cats.data?.items ?? []), [cats.data]);
  const [editing, setEditing] = useState<ReminderRule | 'new' | null>(null);
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const textRef = useRef<TextAreaRef>(null);
  const text = Form.useWatch('text', form) ?? '';
  const sample = { name: t('wecom.rem.sample.name'), product: t('wecom.rem.sample.product'), orderNo: 'SY20261204001', paidDate: '2026-09-04' };

  const delayText = (days: number) => {
    const d = delayParts(days);
    return t(`wecom.rem.after.${d.unit}`, { n: d.n });
  };

  const open = (r: ReminderRule | 'new') => {
    form.resetFields();
    form.setFieldsValue(toValues(r === 'new' ? null : r));
    setEditing(r);
  };

  /** Puts {{var}} where the cursor is in the text, as typing braces by hand is error-prone. */
  const insertVar = (v: string) => {
    const el = textRef.current?.resizableTextArea?.textArea;
    const cur = (form.getFieldValue('text') as string) ?? '';
    const at = el ? el.selectionStart : cur.length;
    const next = `${cur.slice(0, at)}{{${v}}}${cur.slice(el ? el.selectionEnd : at)}`;
    form.setFieldValue('text', next);
    requestAnimationFrame(() => el?.focus());
  };

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = form.getFieldsValue(true) as Values;
    const map = { delayDays: 'delayN', 'categoryIds.0': 'categoryIds' };
    const body = validateBody(
      form,
      WecomReminderRuleBody,
      { name: v.name?.trim(), event: 'order.paid', categoryIds: v.categoryIds ?? [], delayDays: (v.delayN ?? 0) * UNIT_DAYS[v.delayUnit], title: v.title?.trim(), text: v.text?.trim(), enabled: v.enabled },
      map,
    );
    if (!body) return;
    setSaving(true);
    try {
      if (editing === 'new') await api.post('/wecom/reminder-rules', body);
      else if (editing) await api.put(`/wecom/reminder-rules/${editing.id}`, body);
      feedback.message.success(t('common.saved'));
      setEditing(null);
      reload();
    } catch (err) {
      if (!applyApiError(form, err, map)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const toggle = async (r: ReminderRule, enabled: boolean) => {
    try {
      const { id: _id, createdAt: _c, updatedAt: _u, ...rest } = r;
      await api.put(`/wecom/reminder-rules/${r.id}`, { ...rest, enabled });
      reload();
    } catch (err) {
      showError(err);
    }
  };

  const remove = async (r: ReminderRule) => {
    try {
      await api.del(`/wecom/reminder-rules/${r.id}`);
      feedback.message.success(t('common.deleted'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  const columns: TableProps<ReminderRule>['columns'] = [
    { title: t('wecom.rem.ruleName'), dataIndex: 'name', width: 180, render: (v: string, r) => <Link to={`/wecom/reminders?ruleId=${r.id}`} data-testid="wecom-rule-name">{v}</Link> },
    {
      title: t('wecom.rem.when'),
      key: 'when',
      width: 260,
      render: (_, r) => (
        <div>
          <div>{r.categoryIds.length ? t('wecom.rem.afterBuying', { cats: r.categoryIds.map((c) => catNames.get(c) ?? c.slice(0, 8)).join(t('common.listSep')) }) : t('wecom.rem.afterAnyOrder')}</div>
          <Tag color="blue" style={{ marginTop: 4 }} data-testid="wecom-rule-delay">{delayText(r.delayDays)}</Tag>
        </div>
      ),
    },
    {
      title: t('wecom.rem.message'),
      key: 'msg',
      render: (_, r) => (
        <Tooltip title={renderTemplate(r.text, sample)}>
          <div>
            <b>{r.title}</b>
            <div className="muted clamp-2" style={{ fontSize: 12 }}>{r.text}</div>
          </div>
        </Tooltip>
      ),
    },
    { title: t('common.enabled'), dataIndex: 'enabled', width: 90, render: (v: boolean, r) => <Switch size="small" checked={v} disabled={!writable} onChange={(x) => toggle(r, x)} aria-label={t('common.enabled')} data-testid={`wecom-rule-enabled-${r.id}`} /> },
    { title: t('wecom.rem.updatedAt'), dataIndex: 'updatedAt', width: 170, render: fmtTime },
    {
      title: t('common.actions'),
      key: 'a',
      width: 190,
      fixed: 'right',
      render: (_, r) => (
        <Space size={0} wrap>
          <Link to={`/wecom/reminders?ruleId=${r.id}`} style={{ padding: '0 7px', fontSize: 14 }}>{t('wecom.rem.itsReminders')}</Link>
          {writable && <Button type="link" size="small" onClick={() => open(r)} data-testid={`wecom-rule-edit-${r.id}`}>{t('common.edit')}</Button>}
          {writable && <ConfirmDelete title={t('wecom.rem.deleteConfirm')} onConfirm={() => remove(r)} testId={`wecom-rule-delete-${r.id}`} okTestId={`wecom-rule-delete-ok-${r.id}`} />}
        </Space>
      ),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;
  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.wecomReminderRules')}</h1>
      <p className="muted wecom-note">{t('wecom.rem.rulesIntro')}</p>
      {writable && (
        <div className="toolbar">
          <Button type="primary" icon={<PlusOutlined />} onClick={() => open('new')} data-testid="wecom-rule-new">
            {t('wecom.rem.newRule')}
          </Button>
        </div>
      )}
      <TableFrame testId="wecom-rule-table" label={t('nav.wecomReminderRules')}>
        <Table<ReminderRule>
          rowKey="id"
          loading={loading}
          dataSource={data?.items ?? []}
          columns={columns}
          scroll={{ x: 1100 }}
          pagination={false}
          locale={{ emptyText: <span className="muted">{t('wecom.rem.noRules')}</span> }}
          onRow={(r) => ({ 'data-testid': `wecom-rule-row-${r.name}` }) as React.HTMLAttributes<HTMLElement>}
        />
      </TableFrame>
      <Modal
        open={!!editing}
        title={editing === 'new' ? t('wecom.rem.newRule') : t('wecom.rem.editRule')}
        onCancel={() => setEditing(null)}
        onOk={save}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        confirmLoading={saving}
        width={680}
        okButtonProps={{ 'data-testid': 'wecom-rule-save' } as never}
        destroyOnHidden
      >
        <Form<Values> form={form} layout="vertical" name="wecomRule" requiredMark={false} data-testid="wecom-rule-form" preserve={false}>
          <Form.Item name="name" label={t('wecom.rem.ruleName')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
            <Input maxLength={60} placeholder={t('wecom.rem.ruleNamePlaceholder')} data-testid="wecom-rule-name-input" />
          </Form.Item>
          <Form.Item label={t('wecom.rem.event')} extra={t('wecom.rem.eventHint')}>
            <Space align="start" wrap>
              <span style={{ lineHeight: '32px' }}>{t('wecom.rem.event.order.paid')}</span>
              <Form.Item name="categoryIds" noStyle>
                <TreeSelect multiple treeDefaultExpandAll allowClear treeData={categoryTree(cats.data?.items ?? [])} placeholder={t('wecom.rem.anyCategory')} style={{ width: 300 }} aria-label={t('wecom.rem.categories')} data-testid="wecom-rule-categories" />
              </Form.Item>
            </Space>
          </Form.Item>
          <Form.Item label={t('wecom.rem.delay')} required>
            <Space.Compact>
              <Form.Item name="delayN" noStyle rules={[{ required: true, message: t('common.required') }]}>
                <InputNumber min={0} max={730} precision={0} style={{ width: 100 }} aria-label={t('wecom.rem.delay')} data-testid="wecom-rule-delay-n" />
              </Form.Item>
              <Form.Item name="delayUnit" noStyle>
                <Select style={{ width: 100 }} options={(['day', 'week', 'month'] as const).map((u) => ({ value: u, label: t(`wecom.rem.unit.${u}`) }))} aria-label={t('wecom.rem.unit')} data-testid="wecom-rule-delay-unit" />
              </Form.Item>
            </Space.Compact>
          </Form.Item>
          <Form.Item name="title" label={t('wecom.rem.title')} extra={t('wecom.rem.titleHint')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
            <Input maxLength={40} showCount data-testid="wecom-rule-title" />
          </Form.Item>
          <Form.Item name="text" label={t('wecom.rem.text')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
            <Input.TextArea ref={textRef} rows={4} maxLength={500} showCount data-testid="wecom-rule-text" />
          </Form.Item>
          <div className="wecom-vars" style={{ marginTop: -12, marginBottom: 12 }}>
            <span className="muted" style={{ fontSize: 12, marginRight: 8 }}>{t('wecom.rem.insertVar')}</span>
            {WECOM_REMINDER_VARIABLES.map((v) => (
              <Tag key={v} color="processing" onClick={() => insertVar(v)} role="button" tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && insertVar(v)} data-testid={`wecom-rule-var-${v}`}>
                {t(`wecom.rem.var.${v}`)}
              </Tag>
            ))}
          </div>
          {text.trim() && (
            <div style={{ marginBottom: 12 }}>
              <div className="muted" style={{ fontSize: 12, marginBottom: 4 }}>{t('wecom.rem.preview')}</div>
              <div className="wecom-preview" data-testid="wecom-rule-preview">{renderTemplate(text, sample)}</div>
            </div>
          )}
          <Form.Item name="enabled" valuePropName="checked" label={t('common.enabled')}>
            <Switch />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
