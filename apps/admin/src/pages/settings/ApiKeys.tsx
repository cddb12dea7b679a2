import { useState } from 'react';
import { Alert, Button, Form, Input, Modal, Popconfirm, Select, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { fmtTime } from '../../lib/format';
import type { MessageKey } from '../../lib/dict';
import { ApiKeyCreate, ROLES } from './schemas';

interface Key {
  id: string;
  name: string;
  role: string;
  prefix: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

export default function ApiKeys() {
  const { t } = useI18n();
  const { data, loading, reload } = useApi<{ items: Key[] }>('/api-keys');
  const [creating, setCreating] = useState(false);
  const [saving, setSaving] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [form] = Form.useForm<{ name: string; role: string }>();

  const create = async () => {
    const v = form.getFieldsValue(true);
    const body = validateBody(form, ApiKeyCreate, { name: v.name ?? '', role: v.role });
    if (!body) return;
    setSaving(true);
    try {
      const res = await api.post<Key & { key: string }>('/api-keys', body);
      setCreating(false);
      setSecret(res.key);
      reload();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const revoke = async (id: string) => {
    try {
      await api.del(`/api-keys/${id}`);
      feedback.message.success(t('apiKey.revoked'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  return (
    <div className="page-card">
      <h1 className="page-title">{t('apiKey.title')}</h1>
      <div className="toolbar">
        <Button
          type="primary"
          icon={<PlusOutlined />}
          onClick={() => {
            form.resetFields();
            form.setFieldsValue({ role: 'operator' });
            setCreating(true);
          }}
          data-testid="new-api-key"
        >
          {t('apiKey.new')}
        </Button>
      </div>
      <Table<Key>
        rowKey="id"
        loading={loading}
        dataSource={data?.items ?? []}
        pagination={false}
        columns={[
          { title: t('apiKey.name'), dataIndex: 'name' },
          { title: t('apiKey.prefix'), dataIndex: 'prefix', render: (p: string) => <code>{p}…</code> },
          { title: t('staff.role'), dataIndex: 'role', render: (r: string) => t(`role.${r}` as MessageKey) },
          { title: t('common.status'), dataIndex: 'revokedAt', render: (r: string | null) => (r ? <Tag>{t('apiKey.revoked')}</Tag> : <Tag color="green">{t('apiKey.active')}</Tag>) },
          { title: t('apiKey.lastUsed'), dataIndex: 'lastUsedAt', render: fmtTime },
          { title: t('common.createdAt'), dataIndex: 'createdAt', render: fmtTime },
          {
            title: t('common.actions'),
            key: 'a',
            width: 100,
            render: (_, k) =>
              !k.revokedAt && (
                <Popconfirm title={t('apiKey.revokeConfirm')} onConfirm={() => revoke(k.id)} okText={t('apiKey.revoke')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
                  <Button type="link" size="small" danger>
                    {t('apiKey.revoke')}
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      <Modal open={creating} title={t('apiKey.new')} onCancel={() => setCreating(false)} onOk={create} confirmLoading={saving} okText={t('common.create')} cancelText={t('common.cancel')} forceRender>
        <Form form={form} layout="vertical" name="apiKey">
          <Form.Item name="name" label={t('apiKey.name')} required rules={[zodRule(ApiKeyCreate.shape.name, asText)]}>
            <Input maxLength={50} data-testid="api-key-name" />
          </Form.Item>
          <Form.Item name="role" label={t('staff.role')} required>
            <Select options={ROLES.filter((r) => r !== 'owner').map((r) => ({ value: r, label: t(`role.${r}` as MessageKey) }))} />
          </Form.Item>
        </Form>
      </Modal>
      <Modal open={!!secret} title={t('apiKey.secretTitle')} onCancel={() => setSecret(null)} onOk={() => setSecret(null)} okText={t('common.confirm')} cancelButtonProps={{ style: { display: 'none' } }}>
        <Alert type="warning" showIcon title={t('apiKey.secretHint')} style={{ marginBottom: 12 }} />
        <Typography.Paragraph copyable={{ text: secret ?? '' }} code data-testid="api-key-secret">
          {secret}
        </Typography.Paragraph>
      </Modal>
    </div>
  );
}
