import { useState } from 'react';
import { useParams } from 'react-router-dom';
import { Avatar, Button, Card, DatePicker, Descriptions, Form, Input, List, Modal, Skeleton, Table, Tag } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { UserOutlined } from '@ant-design/icons';
import { AdminCustomerPatchBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, validateBody } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { fmtTime } from '../../lib/format';
import { LoadError } from '../../components/Results';
import type { Customer, Order, Paged } from '../../lib/types';
import { useOrderColumns } from '../orders/OrderList';
import { tableWidth } from '../../lib/table';
import CustomerPoints from './CustomerPoints';
import CustomerMembership from './CustomerMembership';
import CustomerStoredValue from './CustomerStoredValue';
import CustomerMemberCard from './CustomerMemberCard';
import CustomerCoupons from './CustomerCoupons';
import Customer360 from './Customer360';

interface CustomerDetailData extends Customer {
  /** YYYY-MM-DD. */
  birthday: string | null;
  /** The customer used their one change; only staff can correct it now. */
  birthdayLocked: boolean;
  identities: { id: string; provider: string; appId: string | null; openid: string | null; createdAt: string }[];
  addresses: { id: string; contactName: string; phone: string; province: string; city: string; district: string; detail: string; isDefault: boolean }[];
}

export default function CustomerDetail() {
  const { id } = useParams();
  const { t } = useI18n();
  const { can } = useAuth();
  const { data: c, error, reload } = useApi<CustomerDetailData>(`/customers/${id}`);
  const [page, setPage] = useState(1);
  const orders = useApi<Paged<Order>>(can('orders:read') ? '/orders' : null, { customerId: id, page, pageSize: 10 });
  const columns = useOrderColumns();
  const [editing, setEditing] = useState(false);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<{ remark: string }>();
  const [editingBirthday, setEditingBirthday] = useState(false);
  const [birthdayForm] = Form.useForm<{ birthday: Dayjs | null }>();

  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!c) return <div className="page-card"><Skeleton active /></div>;

  const saveRemark = async () => {
    const remark = (form.getFieldValue('remark') ?? '').trim();
    const body = validateBody(form, AdminCustomerPatchBody, { remark: remark || null });
    if (!body) return;
    setSaving(true);
    try {
      await api.patch(`/customers/${c.id}`, body);
      feedback.message.success(t('common.saved'));
      setEditing(false);
      reload();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const saveBirthday = async () => {
    const picked = birthdayForm.getFieldValue('birthday') as Dayjs | null | undefined;
    const body = validateBody(birthdayForm, AdminCustomerPatchBody, { birthday: picked ? picked.format('YYYY-MM-DD') : null });
    if (!body) return;
    setSaving(true);
    try {
      await api.patch(`/customers/${c.id}`, body);
      feedback.message.success(t('customer.birthdaySaved'));
      setEditingBirthday(false);
      reload();
    } catch (err) {
      if (!applyApiError(birthdayForm, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const birthday = (
    <span data-testid="customer-birthday">
      {c.birthday ?? <span className="muted">{t('customer.birthdayNone')}</span>}
      {can('customers:write') && (
        <Button
          type="link"
          size="small"
          onClick={() => {
            birthdayForm.setFieldsValue({ birthday: c.birthday ? dayjs(c.birthday) : null });
            setEditingBirthday(true);
          }}
          data-testid="customer-edit-birthday"
        >
          {t('customer.birthdayEdit')}
        </Button>
      )}
    </span>
  );

  return (
    <div>
      <Card
        variant="borderless"
        style={{ marginBottom: 16 }}
        title={
          <span style={{ display: 'inline-flex', gap: 12, alignItems: 'center' }}>
            <Avatar src={c.avatarUrl ?? undefined} icon={<UserOutlined />} alt="" />
            {c.nickname || c.phone || c.id.slice(0, 8)}
            <Tag>{t(`customer.source.${c.source}`)}</Tag>
          </span>
        }
        extra={
          can('customers:write') && (
            <Button
              onClick={() => {
                form.setFieldsValue({ remark: c.remark ?? '' });
                setEditing(true);
              }}
              data-testid="customer-edit-remark"
            >
              {t('customer.editRemark')}
            </Button>
          )
        }
      >
        <Descriptions
          size="small"
          column={{ xs: 1, md: 3 }}
          items={[
            { key: 'phone', label: t('common.phone'), children: c.phone ?? '-' },
            { key: 'gender', label: t('customer.gender'), children: t(`customer.gender.${c.gender}`) },
            { key: 'region', label: t('customer.region'), children: [c.province, c.city].filter(Boolean).join(' ') || '-' },
            { key: 'birthday', label: t('customer.birthday'), children: birthday },
            { key: 'reg', label: t('customer.registeredAt'), children: fmtTime(c.registeredAt) },
            { key: 'act', label: t('customer.lastActiveAt'), children: fmtTime(c.lastActiveAt) },
            { key: 'remark', label: t('common.remark'), children: c.remark ?? '-' },
          ]}
        />
      </Card>
      <Customer360 customerId={c.id} />
      <CustomerMembership customerId={c.id} />
      <CustomerMemberCard customerId={c.id} />
      <CustomerPoints customerId={c.id} />
      <CustomerStoredValue customerId={c.id} />
      {/* Coupons are promotions data: without promotions:read the server refuses them, so the card would only ever show an error. */}
      {can('promotions:read') && <CustomerCoupons customerId={c.id} />}
      <Card title={t('customer.orders')} variant="borderless" style={{ marginBottom: 16 }}>
        <Table<Order>
          rowKey="id"
          size="small"
          loading={orders.loading}
          dataSource={orders.data?.items ?? []}
          columns={columns}
          scroll={orders.data?.items.length ? { x: tableWidth(columns, 180) } : undefined}
          onChange={(pg) => setPage(pg.current ?? 1)}
          pagination={{ current: page, pageSize: 10, total: orders.data?.total ?? 0, showTotal: (n) => t('common.total', { n }) }}
        />
      </Card>
      <Card title={t('customer.addresses')} variant="borderless" style={{ marginBottom: 16 }}>
        <List
          dataSource={c.addresses}
          renderItem={(a) => (
            <List.Item>
              {a.contactName} {a.phone} · {a.province}
              {a.city}
              {a.district} {a.detail} {a.isDefault && <Tag color="blue">{t('shipping.default')}</Tag>}
            </List.Item>
          )}
        />
      </Card>
      <Card title={t('customer.identities')} variant="borderless">
        <List
          dataSource={c.identities}
          renderItem={(i) => (
            <List.Item>
              <Tag>{i.provider}</Tag> {i.openid ?? '-'} <span className="muted">{fmtTime(i.createdAt)}</span>
            </List.Item>
          )}
        />
      </Card>
      <Modal
        open={editingBirthday}
        title={t('customer.birthdayEdit')}
        onCancel={() => setEditingBirthday(false)}
        onOk={saveBirthday}
        confirmLoading={saving}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'customer-birthday-save' } as never}
        forceRender
      >
        <Form form={birthdayForm} layout="vertical" name="customerBirthday">
          <Form.Item name="birthday" label={t('customer.birthday')} extra={c.birthdayLocked ? t('customer.birthdayLocked') : t('customer.birthdayOpen')}>
            <DatePicker
              allowClear
              style={{ width: 220 }}
              placeholder={t('customer.birthdayPlaceholder')}
              disabledDate={(d) => d.isAfter(dayjs(), 'day') || d.isBefore(dayjs('1900-01-01'), 'day')}
              data-testid="customer-birthday-input"
            />
          </Form.Item>
        </Form>
      </Modal>
      <Modal open={editing} title={t('customer.editRemark')} onCancel={() => setEditing(false)} onOk={saveRemark} confirmLoading={saving} okText={t('common.save')} cancelText={t('common.cancel')} forceRender>
        <Form form={form} layout="vertical" name="customerRemark">
          <Form.Item name="remark" label={t('common.remark')}>
            <Input.TextArea rows={4} maxLength={500} showCount />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
