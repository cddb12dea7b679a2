import { useState } from 'react';
import { Button, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Table } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { CategoryCreate } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import type { CategoryNode } from '../../lib/types';

type Row = Omit<CategoryNode, 'children'> & { children?: Row[] };
const toRows = (ns: CategoryNode[]): Row[] => ns.map((n) => ({ ...n, children: n.children.length ? toRows(n.children) : undefined }));

interface Values {
  name: string;
  parentId?: string | null;
  sortOrder?: number;
}

export default function Categories() {
  const { t } = useI18n();
  const { can } = useAuth();
  const { data, loading, reload } = useApi<{ items: CategoryNode[] }>('/categories');
  const [editing, setEditing] = useState<{ id?: string; values: Values } | null>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<Values>();
  const writable = can('catalog:write');

  const open = (id: string | undefined, values: Values) => {
    setEditing({ id, values });
    form.resetFields();
    form.setFieldsValue(values);
  };

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = form.getFieldsValue();
    const body = { name: v.name, parentId: v.parentId ?? null, sortOrder: v.sortOrder ?? 0 };
    if (!validateBody(form, CategoryCreate, body)) return;
    setSaving(true);
    try {
      if (editing?.id) await api.patch(`/categories/${editing.id}`, body);
      else await api.post('/categories', body);
      feedback.message.success(t('common.saved'));
      setEditing(null);
      reload();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const remove = async (id: string) => {
    try {
      await api.del(`/categories/${id}`);
      feedback.message.success(t('common.deleted'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  return (
    <div className="page-card">
      <h1 className="page-title">{t('category.title')}</h1>
      {writable && (
        <div className="toolbar">
          <Button type="primary" icon={<PlusOutlined />} onClick={() => open(undefined, { name: '', parentId: null, sortOrder: 0 })} data-testid="new-category">
            {t('category.new')}
          </Button>
        </div>
      )}
      <Table<Row>
        rowKey="id"
        loading={loading}
        dataSource={toRows(data?.items ?? [])}
        pagination={false}
        expandable={{ defaultExpandAllRows: true }}
        columns={[
          { title: t('category.name'), dataIndex: 'name' },
          { title: t('category.productCount'), dataIndex: 'productCount', width: 120 },
          { title: t('category.sortOrder'), dataIndex: 'sortOrder', width: 100 },
          {
            title: t('common.actions'),
            key: 'a',
            width: 240,
            render: (_, c) =>
              writable && (
                <Space size={4}>
                  {!c.parentId && (
                    <Button type="link" size="small" onClick={() => open(undefined, { name: '', parentId: c.id, sortOrder: 0 })}>
                      {t('category.newChild')}
                    </Button>
                  )}
                  <Button type="link" size="small" onClick={() => open(c.id, { name: c.name, parentId: c.parentId, sortOrder: c.sortOrder })}>
                    {t('common.edit')}
                  </Button>
                  <Popconfirm title={t('common.deleteConfirm')} onConfirm={() => remove(c.id)} okText={t('common.delete')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
                    <Button type="link" size="small" danger>
                      {t('common.delete')}
                    </Button>
                  </Popconfirm>
                </Space>
              ),
          },
        ]}
      />
      <Modal
        open={!!editing}
        title={editing?.id ? t('common.edit') : t('category.new')}
        onCancel={() => setEditing(null)}
        onOk={save}
        confirmLoading={saving}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        forceRender
      >
        <Form form={form} layout="vertical" name="category">
          <Form.Item name="name" label={t('category.name')} required rules={[zodRule(CategoryCreate.shape.name, asText)]}>
            <Input maxLength={30} data-testid="category-name" />
          </Form.Item>
          <Form.Item name="parentId" label={t('category.parent')}>
            <Select
              allowClear
              placeholder={t('category.rootLevel')}
              options={(data?.items ?? []).filter((c) => c.id !== editing?.id).map((c) => ({ value: c.id, label: c.name }))}
            />
          </Form.Item>
          <Form.Item name="sortOrder" label={t('category.sortOrder')}>
            <InputNumber min={0} max={100000} precision={0} style={{ width: 160 }} />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
