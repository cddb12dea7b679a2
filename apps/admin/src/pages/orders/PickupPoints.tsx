import { useState } from 'react';
import { Button, Form, Input, Modal, Space, Switch, Table } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { PickupPointBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, emptyToNull, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import RegionCascader from '../../components/RegionCascader';

interface Point {
  id: string;
  name: string;
  /** The whole address customers read; with a region, composed from it and `street`. */
  address: string;
  street: string | null;
  province: string | null;
  city: string | null;
  district: string | null;
  phone: string | null;
  hours: string | null;
  active: boolean;
}

interface Values {
  name: string;
  region?: string[];
  /** The street part (or the whole address of a point saved before the region picker). */
  address: string;
  phone: string;
  hours: string;
  active: boolean;
}

export default function PickupPoints() {
  const { t } = useI18n();
  const { can } = useAuth();
  const { data, loading, reload } = useApi<{ items: Point[] }>('/pickup-points');
  const [editing, setEditing] = useState<{ id?: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const [toggling, setToggling] = useState<string | null>(null);
  const [form] = Form.useForm<Values>();
  const writable = can('shipping:manage');

  const open = (p?: Point) => {
    form.resetFields();
    form.setFieldsValue(
      p
        ? { name: p.name, region: p.province && p.city && p.district ? [p.province, p.city, p.district] : undefined, address: p.street ?? p.address, phone: p.phone ?? '', hours: p.hours ?? '', active: p.active }
        : { name: '', region: undefined, address: '', phone: '', hours: '', active: true },
    );
    setEditing({ id: p?.id });
  };

  const save = async () => {
    const v = form.getFieldsValue(true) as Values;
    const [province = null, city = null, district = null] = v.region ?? [];
    const body = { name: v.name ?? '', province, city, district, address: v.address ?? '', phone: emptyToNull(v.phone?.trim()) as string | null, hours: emptyToNull(v.hours?.trim()) as string | null, active: v.active !== false };
    if (!validateBody(form, PickupPointBody, body, { province: 'region', city: 'region', district: 'region' })) return;
    setSaving(true);
    try {
      if (editing?.id) await api.patch(`/pickup-points/${editing.id}`, body);
      else await api.post('/pickup-points', body);
      feedback.message.success(t('common.saved'));
      setEditing(null);
      reload();
    } catch (err) {
      if (!applyApiError(form, err, { province: 'region', city: 'region', district: 'region' })) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const toggle = async (p: Point, active: boolean) => {
    setToggling(p.id);
    try {
      await api.patch(`/pickup-points/${p.id}`, { active });
      reload();
    } catch (err) {
      showError(err);
    } finally {
      setToggling(null);
    }
  };

  return (
    <div className="page-card">
      <h1 className="page-title">{t('pickupPoint.title')}</h1>
      {writable && (
        <div className="toolbar">
          <Button type="primary" icon={<PlusOutlined />} onClick={() => open()} data-testid="new-pickup-point">
            {t('pickupPoint.new')}
          </Button>
        </div>
      )}
      <Table<Point>
        rowKey="id"
        loading={loading}
        dataSource={data?.items ?? []}
        pagination={false}
        columns={[
          { title: t('pickupPoint.name'), dataIndex: 'name' },
          { title: t('pickupPoint.address'), dataIndex: 'address' },
          { title: t('pickupPoint.phone'), dataIndex: 'phone', render: (v: string | null) => v ?? '-' },
          { title: t('pickupPoint.hours'), dataIndex: 'hours', render: (v: string | null) => v ?? '-' },
          {
            title: t('pickupPoint.active'),
            dataIndex: 'active',
            width: 90,
            render: (a: boolean, p) => <Switch size="small" checked={a} disabled={!writable} loading={toggling === p.id} onChange={(on) => toggle(p, on)} aria-label={`${t('pickupPoint.active')} ${p.name}`} />,
          },
          {
            title: t('common.actions'),
            key: 'a',
            width: 100,
            render: (_, p) =>
              writable && (
                <Space>
                  <Button type="link" size="small" onClick={() => open(p)}>
                    {t('common.edit')}
                  </Button>
                </Space>
              ),
          },
        ]}
      />
      <Modal
        open={!!editing}
        title={editing?.id ? t('pickupPoint.edit') : t('pickupPoint.new')}
        onCancel={() => setEditing(null)}
        onOk={save}
        confirmLoading={saving}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'pickup-point-save' } as never}
        forceRender
      >
        <Form form={form} layout="vertical" name="pickupPoint">
          <Form.Item name="name" label={t('pickupPoint.name')} required rules={[zodRule(PickupPointBody.shape.name, asText)]}>
            <Input maxLength={40} data-testid="pickup-point-name" />
          </Form.Item>
          <Form.Item name="region" label={t('region.label')} required rules={[{ required: true, message: t('region.required') }]}>
            <RegionCascader testId="pickup-point-region" />
          </Form.Item>
          <Form.Item name="address" label={t('pickupPoint.street')} required rules={[zodRule(PickupPointBody.shape.address, asText)]}>
            <Input maxLength={200} placeholder={t('pickupPoint.streetHint')} data-testid="pickup-point-address" />
          </Form.Item>
          <Form.Item name="phone" label={t('pickupPoint.phone')}>
            <Input maxLength={30} />
          </Form.Item>
          <Form.Item name="hours" label={t('pickupPoint.hours')}>
            <Input maxLength={60} placeholder="09:00-21:00" />
          </Form.Item>
          <Form.Item name="active" label={t('pickupPoint.active')} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
