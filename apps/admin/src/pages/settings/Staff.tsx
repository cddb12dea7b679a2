import { useState } from 'react';
import { Button, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, emptyToUndefined, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { fmtTime } from '../../lib/format';
import type { MessageKey } from '../../lib/dict';
import { ROLES, StaffCreate, StaffPatch } from './schemas';

interface StaffRow {
  id: string;
  login: string;
  displayName: string;
  phone: string | null;
  role: (typeof ROLES)[number];
  status: 'active' | 'disabled';
  lastLoginAt: string | null;
  createdAt: string;
}
interface Values {
  login?: string;
  password?: string;
  displayName?: string;
  phone?: string;
  role?: StaffRow['role'];
}

export default function Staff() {
  const { t } = useI18n();
  const { can, me } = useAuth();
  const { data, loading, reload } = useApi<{ items: StaffRow[] }>('/staff');
  const roles = useApi<{ roles: { role: string; permissions: string[] }[]; permissions: Record<string, string> }>('/roles');
  const [editing, setEditing] = useState<StaffRow | 'new' | null>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<Values>();
  const writable = can('staff:manage');
  // Only an owner hands out the owner role.
  const roleOptions = ROLES.filter((r) => r !== 'owner' || me?.actor.role === 'owner').map((r) => ({ value: r, label: t(`role.${r}` as MessageKey) }));

  const open = (s: StaffRow | 'new') => {
    form.resetFields();
    form.setFieldsValue(s === 'new' ? { role: 'operator' } : { displayName: s.displayName, phone: s.phone ?? '', role: s.role, password: '' });
    setEditing(s);
  };

  const save = async () => {
    const v = form.getFieldsValue(true) as Values;
    setSaving(true);
    try {
      if (editing === 'new') {
        const body = { login: v.login?.trim() ?? '', password: v.password ?? '', displayName: v.displayName ?? '', phone: emptyToUndefined(v.phone?.trim()), role: v.role };
        if (!validateBody(form, StaffCreate, body)) return;
        await api.post('/staff', body);
      } else if (editing) {
        const body = { displayName: v.displayName, phone: v.phone?.trim() ? v.phone.trim() : null, role: v.role, ...(v.password ? { password: v.password } : {}) };
        if (!validateBody(form, StaffPatch, body)) return;
        await api.patch(`/staff/${editing.id}`, body);
      }
      feedback.message.success(t('common.saved'));
      setEditing(null);
      reload();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const setStatus = async (s: StaffRow, status: StaffRow['status']) => {
    try {
      await api.patch(`/staff/${s.id}`, { status });
      feedback.message.success(t('common.saved'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  const isNew = editing === 'new';
  return (
    <div>
      <div className="page-card">
        <h1 className="page-title">{t('staff.title')}</h1>
        {writable && (
          <div className="toolbar">
            <Button type="primary" icon={<PlusOutlined />} onClick={() => open('new')} data-testid="new-staff">
              {t('staff.new')}
            </Button>
          </div>
        )}
        <Table<StaffRow>
          rowKey="id"
          loading={loading}
          dataSource={data?.items ?? []}
          pagination={false}
          columns={[
            { title: t('staff.displayName'), dataIndex: 'displayName' },
            { title: t('staff.login'), dataIndex: 'login' },
            { title: t('common.phone'), dataIndex: 'phone', render: (v: string | null) => v ?? '-' },
            { title: t('staff.role'), dataIndex: 'role', render: (r: string) => <Tag color="blue">{t(`role.${r}` as MessageKey)}</Tag> },
            { title: t('common.status'), dataIndex: 'status', render: (s: string) => (s === 'active' ? <Tag color="green">{t('common.enabled')}</Tag> : <Tag>{t('common.disabled')}</Tag>) },
            { title: t('staff.lastLogin'), dataIndex: 'lastLoginAt', render: fmtTime },
            {
              title: t('common.actions'),
              key: 'a',
              width: 160,
              render: (_, s) =>
                writable &&
                s.id !== me?.staff?.id && (
                  <Space size={4}>
                    <Button type="link" size="small" onClick={() => open(s)}>
                      {t('common.edit')}
                    </Button>
                    {s.status === 'active' ? (
                      <Popconfirm title={t('staff.disableConfirm')} onConfirm={() => setStatus(s, 'disabled')} okText={t('common.confirm')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
                        <Button type="link" size="small" danger>
                          {t('staff.disable')}
                        </Button>
                      </Popconfirm>
                    ) : (
                      <Button type="link" size="small" onClick={() => setStatus(s, 'active')}>
                        {t('staff.enable')}
                      </Button>
                    )}
                  </Space>
                ),
            },
          ]}
        />
      </div>
      <div className="page-card">
        <h2 className="page-title" style={{ fontSize: 16 }}>{t('staff.permissions')}</h2>
        <Table
          size="small"
          rowKey="role"
          loading={roles.loading}
          pagination={false}
          dataSource={roles.data?.roles ?? []}
          columns={[
            { title: t('staff.role'), dataIndex: 'role', width: 140, render: (r: string) => t(`role.${r}` as MessageKey) },
            { title: t('staff.permissions'), dataIndex: 'permissions', render: (ps: string[]) => ps.map((p) => <Tag key={p} style={{ marginBottom: 4 }} title={roles.data?.permissions[p]}>{p}</Tag>) },
          ]}
        />
      </div>
      <Modal
        open={!!editing}
        title={isNew ? t('staff.new') : t('staff.edit')}
        onCancel={() => setEditing(null)}
        onOk={save}
        confirmLoading={saving}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'staff-save' } as never}
        forceRender
      >
        <Form form={form} layout="vertical" name="staff">
          {isNew && (
            <Form.Item name="login" label={t('staff.login')} required rules={[zodRule(StaffCreate.shape.login, asText)]}>
              <Input autoComplete="off" data-testid="staff-login" />
            </Form.Item>
          )}
          <Form.Item name="displayName" label={t('staff.displayName')} required rules={[zodRule(StaffCreate.shape.displayName, asText)]}>
            <Input maxLength={50} data-testid="staff-display-name" />
          </Form.Item>
          <Form.Item name="phone" label={t('common.phone')} rules={[zodRule(StaffCreate.shape.phone)]}>
            <Input maxLength={11} inputMode="numeric" />
          </Form.Item>
          <Form.Item name="role" label={t('staff.role')} required>
            <Select options={roleOptions} data-testid="staff-role" />
          </Form.Item>
          <Form.Item name="password" label={isNew ? t('staff.password') : t('staff.newPassword')} required={isNew} rules={[zodRule(StaffCreate.shape.password.optional(), isNew ? asText : emptyToUndefined)]}>
            <Input.Password autoComplete="new-password" data-testid="staff-password" />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
