import { useState } from 'react';
import { Alert, Button, Form, Input, Modal, Space, Switch, Table, Tag, Tooltip, type TableProps } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { WecomGroupWelcomeBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, validateBody } from '../../lib/form';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { LoadError } from '../../components/Results';
import { TableFrame } from '../analytics/TableFrame';
import { AttachmentsField, AttachmentTags } from './AttachmentsField';
import { welcomeFieldMap, welcomeFormToBody, welcomeToForm, type WelcomeFormValues } from './helpers-groups';
import type { GroupWelcome } from './types-groups';
import './wecom.css';
import './groups.css';

const fieldMap = new Proxy({} as Record<string, string>, { get: (_, k) => (typeof k === 'string' ? welcomeFieldMap(k) : undefined) });

/**
 * 入群欢迎语: templates kept in WeCom. WeCom does not let a merchant set a group's welcome from outside: each
 * group's owner picks a template on their phone, and from then on everyone who joins that group gets it.
 * So this page makes the templates (and tells the staff about a new one); choosing stays in WeCom.
 */
export default function GroupWelcomes() {
  const { t } = useI18n();
  const { can } = useAuth();
  const writable = can('messaging:write');
  const { data, error, loading, reload } = useApi<{ items: GroupWelcome[] }>('/wecom/group-welcomes');
  const [editing, setEditing] = useState<GroupWelcome | 'new' | null>(null);
  const [form] = Form.useForm<WelcomeFormValues>();
  const [saving, setSaving] = useState(false);

  const open = (w: GroupWelcome | 'new') => {
    form.resetFields();
    form.setFieldsValue(welcomeToForm(w === 'new' ? null : w));
    setEditing(w);
  };

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const body = validateBody(form, WecomGroupWelcomeBody, welcomeFormToBody(form.getFieldsValue(true) as WelcomeFormValues), fieldMap);
    if (!body) return;
    setSaving(true);
    try {
      if (editing === 'new') await api.post('/wecom/group-welcomes', body);
      else if (editing) await api.put(`/wecom/group-welcomes/${editing.id}`, body);
      feedback.message.success(editing === 'new' ? t('wecom.gwel.created') : t('common.saved'));
      setEditing(null);
      reload();
    } catch (err) {
      if (!applyApiError(form, err, fieldMap)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const remove = async (w: GroupWelcome) => {
    try {
      await api.del(`/wecom/group-welcomes/${w.id}`);
      feedback.message.success(t('common.deleted'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  const columns: TableProps<GroupWelcome>['columns'] = [
    { title: t('wecom.gwel.name'), dataIndex: 'name', width: 180, render: (v: string) => <span data-testid="wecom-gwel-name">{v}</span> },
    {
      title: t('wecom.gwel.content'),
      key: 'content',
      render: (_, w) => (
        <div>
          <Tooltip title={w.text ? <span className="wecom-welcome-text">{w.text}</span> : undefined}>
            <div className="clamp-2" style={{ fontSize: 13 }}>{w.text || <span className="muted">{t('wecom.gwel.noText')}</span>}</div>
          </Tooltip>
          <AttachmentTags list={w.attachment ? [w.attachment] : []} />
        </div>
      ),
    },
    {
      title: t('wecom.gwel.notify'),
      dataIndex: 'notifyStaff',
      width: 130,
      render: (v: boolean) => (v ? <Tag color="blue">{t('wecom.gwel.notified')}</Tag> : <span className="muted">{t('wecom.gwel.notNotified')}</span>),
    },
    {
      title: t('wecom.gwel.inWecom'),
      dataIndex: 'templateId',
      width: 130,
      render: (v: string | null) => (v ? <Tooltip title={`template_id: ${v}`}><Tag color="green">{t('wecom.gwel.synced')}</Tag></Tooltip> : <Tag color="orange">{t('wecom.gwel.notSynced')}</Tag>),
    },
    { title: t('wecom.rem.updatedAt'), dataIndex: 'updatedAt', width: 170, render: fmtTime },
    {
      title: t('common.actions'),
      key: 'a',
      width: 120,
      fixed: 'right',
      render: (_, w) =>
        writable ? (
          <Space size={0} wrap>
            <Button type="link" size="small" onClick={() => open(w)} data-testid={`wecom-gwel-edit-${w.id}`}>{t('common.edit')}</Button>
            <ConfirmDelete title={t('wecom.gwel.deleteConfirm')} onConfirm={() => remove(w)} testId={`wecom-gwel-delete-${w.id}`} okTestId={`wecom-gwel-delete-ok-${w.id}`} />
          </Space>
        ) : (
          <span className="muted">-</span>
        ),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;
  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.wecomGroupWelcomes')}</h1>
      <Alert
        type="info"
        showIcon
        className="wecom-welcome-rule"
        title={t('wecom.gwel.ruleTitle')}
        description={
          <ol>
            <li>{t('wecom.gwel.rule1')}</li>
            <li>{t('wecom.gwel.rule2')}</li>
            <li>{t('wecom.gwel.rule3')}</li>
          </ol>
        }
        data-testid="wecom-gwel-rule"
      />
      {writable && (
        <div className="toolbar">
          <Button type="primary" icon={<PlusOutlined />} onClick={() => open('new')} data-testid="wecom-gwel-new">
            {t('wecom.gwel.new')}
          </Button>
        </div>
      )}
      <TableFrame testId="wecom-gwel-table" label={t('nav.wecomGroupWelcomes')}>
        <Table<GroupWelcome>
          rowKey="id"
          loading={loading}
          dataSource={data?.items ?? []}
          columns={columns}
          scroll={{ x: 1000 }}
          pagination={{ pageSize: 20, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
          locale={{ emptyText: <span className="muted">{t('wecom.gwel.empty')}</span> }}
          onRow={(w) => ({ 'data-testid': `wecom-gwel-row-${w.name}` }) as React.HTMLAttributes<HTMLElement>}
        />
      </TableFrame>
      <Modal
        open={!!editing}
        title={editing === 'new' ? t('wecom.gwel.new') : t('wecom.gwel.edit')}
        onCancel={() => setEditing(null)}
        onOk={save}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        confirmLoading={saving}
        width={760}
        okButtonProps={{ 'data-testid': 'wecom-gwel-save' } as never}
        destroyOnHidden
      >
        <Form<WelcomeFormValues> form={form} layout="vertical" name="wecomGroupWelcome" requiredMark={false} data-testid="wecom-gwel-form" preserve={false}>
          <Form.Item name="name" label={t('wecom.gwel.name')} extra={t('wecom.gwel.nameHint')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
            <Input maxLength={60} data-testid="wecom-gwel-name-input" />
          </Form.Item>
          <Form.Item name="text" label={t('wecom.gwel.text')} extra={t('wecom.gwel.textHint')}>
            <Input.TextArea rows={4} maxLength={4000} showCount data-testid="wecom-gwel-text" />
          </Form.Item>
          <Form.Item label={t('wecom.gwel.attachment')} extra={t('wecom.gwel.attachmentHint')}>
            <AttachmentsField max={1} testId="wecom-gwel-att" />
          </Form.Item>
          <Form.Item name="notifyStaff" valuePropName="checked" label={t('wecom.gwel.notify')} extra={editing === 'new' ? t('wecom.gwel.notifyHint') : t('wecom.gwel.notifyHintEdit')}>
            <Switch data-testid="wecom-gwel-notify" />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
