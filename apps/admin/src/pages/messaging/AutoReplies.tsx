import { useEffect, useState } from 'react';
import { Alert, Button, Card, Form, Input, Modal, Radio, Space, Switch, Table, Tag, Tooltip } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { AutoReplyBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { LoadError } from '../../components/Results';
import type { AutoReply } from './types';
import './messaging.css';

interface Values {
  keyword: string;
  match: 'exact' | 'contains';
  reply: string;
  enabled: boolean;
}

const shape = AutoReplyBody.shape;
const trim = (v: unknown) => String(asText(v)).trim();

/** 关注回复: what a new follower is told (a QR code's own welcome replaces it for followers from that code). */
function FollowReply({ reply, writable, onSaved }: { reply: AutoReply | undefined; writable: boolean; onSaved: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    form.setFieldsValue({ reply: reply?.reply ?? '', enabled: reply?.enabled ?? true });
  }, [reply, form]);

  const save = async () => {
    const v = form.getFieldsValue(true) as Values;
    const body = validateBody(form, AutoReplyBody, { kind: 'follow', keyword: null, match: 'exact', reply: trim(v.reply), enabled: v.enabled !== false });
    if (!body) return;
    setSaving(true);
    try {
      if (reply) await api.put(`/messaging/auto-replies/${reply.id}`, body);
      else await api.post('/messaging/auto-replies', body);
      feedback.message.success(t('common.saved'));
      onSaved();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card title={t('msg.reply.follow')} variant="borderless" size="small" style={{ marginBottom: 16 }} data-testid="follow-reply">
      <Form<Values> form={form} layout="vertical" name="followReply" disabled={!writable} requiredMark={false} style={{ maxWidth: 720 }}>
        <Form.Item name="reply" label={t('msg.reply.text')} extra={t('msg.reply.followHint')} rules={[zodRule(shape.reply, trim)]}>
          <Input.TextArea rows={4} maxLength={600} showCount data-testid="follow-reply-text" />
        </Form.Item>
        <Form.Item name="enabled" label={t('common.status')} valuePropName="checked">
          <Switch checkedChildren={t('common.enabled')} unCheckedChildren={t('common.disabled')} data-testid="follow-reply-enabled" />
        </Form.Item>
      </Form>
      {writable && (
        <Button type="primary" loading={saving} onClick={save} data-testid="follow-reply-save">
          {t('common.save')}
        </Button>
      )}
    </Card>
  );
}

/** 自动回复: the follow reply and keyword replies of the official account. */
export default function AutoReplies() {
  const { t } = useI18n();
  const { can } = useAuth();
  const writable = can('messaging:write');
  const { data, error, loading, reload } = useApi<{ items: AutoReply[] }>('/messaging/auto-replies');
  const [editing, setEditing] = useState<AutoReply | 'new' | null>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<Values>();

  useEffect(() => {
    if (!editing) return;
    form.resetFields();
    if (editing === 'new') form.setFieldsValue({ keyword: '', match: 'exact', reply: '', enabled: true });
    else form.setFieldsValue({ keyword: editing.keyword ?? '', match: editing.match, reply: editing.reply, enabled: editing.enabled });
  }, [editing, form]);

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = form.getFieldsValue(true) as Values;
    const body = validateBody(form, AutoReplyBody, { kind: 'keyword', keyword: trim(v.keyword) || null, match: v.match, reply: trim(v.reply), enabled: v.enabled !== false });
    if (!body) return;
    setSaving(true);
    try {
      if (editing === 'new') await api.post('/messaging/auto-replies', body);
      else if (editing) await api.put(`/messaging/auto-replies/${editing.id}`, body);
      feedback.message.success(t('common.saved'));
      setEditing(null);
      reload();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const remove = async (r: AutoReply) => {
    try {
      await api.del(`/messaging/auto-replies/${r.id}`);
      feedback.message.success(t('common.deleted'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  if (error) return <LoadError error={error} onRetry={reload} />;
  const follow = data?.items.find((r) => r.kind === 'follow');
  const keywords = (data?.items ?? []).filter((r) => r.kind === 'keyword');

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.msgAutoReplies')}</h1>
      <p className="muted msg-note">{t('msg.reply.intro')}</p>
      {!writable && <Alert type="info" showIcon title={t('msg.readOnly')} style={{ marginBottom: 12 }} />}
      {data && <FollowReply reply={follow} writable={writable} onSaved={reload} />}
      <Card
        title={t('msg.reply.keywords')}
        variant="borderless"
        size="small"
        extra={
          writable && (
            <Button type="primary" size="small" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="keyword-reply-new">
              {t('msg.reply.new')}
            </Button>
          )
        }
      >
        <Table<AutoReply>
          rowKey="id"
          size="small"
          loading={loading}
          dataSource={keywords}
          pagination={false}
          locale={{ emptyText: <span className="muted">{t('msg.reply.empty')}</span> }}
          onRow={(r) => ({ 'data-testid': `keyword-reply-row-${r.keyword}` }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('msg.reply.keyword'), dataIndex: 'keyword', width: 180, render: (k: string) => <b>{k}</b> },
            { title: t('msg.reply.match'), dataIndex: 'match', width: 110, render: (m: AutoReply['match']) => t(`msg.reply.match.${m}`) },
            {
              title: t('msg.reply.text'),
              dataIndex: 'reply',
              render: (r: string) => (
                <Tooltip title={r}>
                  <span className="clamp-2">{r}</span>
                </Tooltip>
              ),
            },
            { title: t('common.status'), dataIndex: 'enabled', width: 80, render: (e: boolean) => (e ? <Tag color="green">{t('common.enabled')}</Tag> : <Tag>{t('common.disabled')}</Tag>) },
            {
              title: t('common.actions'),
              key: 'a',
              width: 130,
              render: (_, r) =>
                writable && (
                  <Space size={0}>
                    <Button type="link" size="small" onClick={() => setEditing(r)} data-testid={`keyword-reply-edit-${r.id}`}>
                      {t('common.edit')}
                    </Button>
                    <ConfirmDelete title={t('msg.reply.deleteConfirm', { keyword: r.keyword ?? '' })} onConfirm={() => remove(r)} testId={`keyword-reply-delete-${r.id}`} okTestId="keyword-reply-delete-ok" />
                  </Space>
                ),
            },
          ]}
        />
      </Card>

      <Modal
        open={!!editing}
        width={600}
        title={editing === 'new' ? t('msg.reply.new') : t('msg.reply.edit')}
        onCancel={() => setEditing(null)}
        onOk={save}
        confirmLoading={saving}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'keyword-reply-save' } as never}
        forceRender
      >
        <Form<Values> form={form} layout="vertical" name="keywordReply" requiredMark={false}>
          <Form.Item name="keyword" label={t('msg.reply.keyword')} rules={[{ required: true, message: t('common.required') }, zodRule(shape.keyword, (v) => trim(v) || null)]}>
            <Input maxLength={30} data-testid="keyword-reply-keyword" />
          </Form.Item>
          <Form.Item name="match" label={t('msg.reply.match')}>
            <Radio.Group data-testid="keyword-reply-match">
              <Radio value="exact">{t('msg.reply.match.exact')}</Radio>
              <Radio value="contains">{t('msg.reply.match.contains')}</Radio>
            </Radio.Group>
          </Form.Item>
          <Form.Item name="reply" label={t('msg.reply.text')} rules={[zodRule(shape.reply, trim)]}>
            <Input.TextArea rows={4} maxLength={600} showCount data-testid="keyword-reply-text" />
          </Form.Item>
          <Form.Item name="enabled" label={t('common.status')} valuePropName="checked">
            <Switch checkedChildren={t('common.enabled')} unCheckedChildren={t('common.disabled')} />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
