import { useEffect, useState } from 'react';
import { Alert, Button, Form, Input, InputNumber, Modal, Radio, Select, Space, Table, Tag } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { PointsMallItemBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import type { CouponKind, CouponTemplate, Paged } from '../../lib/types';
import { CouponKindTag } from '../promotions/shared';

type MallStatus = 'on_sale' | 'off_shelf';

/** A points-mall item as the API returns it. */
export interface PointsMallItem {
  id: string;
  title: string;
  couponTemplateId: string;
  /** Null when the coupon template is gone. */
  coupon: { name: string; kind: CouponKind } | null;
  points: number;
  stock: number;
  redeemed: number;
  perCustomerLimit: number;
  status: MallStatus;
  sortOrder: number;
}

interface Values {
  title: string;
  couponTemplateId?: string;
  points: number | null;
  stock: number | null;
  perCustomerLimit: number | null;
  sortOrder: number | null;
  status: MallStatus;
}

const shape = PointsMallItemBody.shape;
// An empty number box is a missing value; the contract reports it rather than treating it as 0.
const num = (v: unknown) => (v === null || v === undefined ? undefined : v);
// perCustomerLimit and sortOrder have defaults in the contract; an emptied box must not silently become the default.
const requiredNum = (v: unknown) => (v === null || v === undefined ? Number.NaN : v);

function toBody(v: Values) {
  return {
    title: v.title ?? '',
    couponTemplateId: v.couponTemplateId ?? '',
    points: num(v.points),
    stock: num(v.stock),
    perCustomerLimit: requiredNum(v.perCustomerLimit),
    status: v.status,
    sortOrder: requiredNum(v.sortOrder),
  };
}

const bodyOf = (i: PointsMallItem, patch: Partial<PointsMallItem> = {}) => {
  const x = { ...i, ...patch };
  return { title: x.title, couponTemplateId: x.couponTemplateId, points: x.points, stock: x.stock, perCustomerLimit: x.perCustomerLimit, status: x.status, sortOrder: x.sortOrder };
};

/** 积分商城: coupons customers redeem with points — what each costs, how many are left, and on or off the shelf. */
export default function PointsMall() {
  const { t } = useI18n();
  const { can } = useAuth();
  const canManage = can('loyalty:manage');
  const items = useApi<{ items: PointsMallItem[] }>('/points/mall');
  // A shop has a handful of coupons; the newest 100 are enough to choose from.
  const templates = useApi<Paged<CouponTemplate>>(canManage ? '/coupons' : null, { page: 1, pageSize: 100 });
  const [editing, setEditing] = useState<PointsMallItem | 'new' | null>(null);
  const [saving, setSaving] = useState(false);
  const [toggling, setToggling] = useState<string | null>(null);
  const [form] = Form.useForm<Values>();
  const requiredRule = { required: true, message: t('common.required') };

  useEffect(() => {
    if (!editing) return;
    form.resetFields();
    form.setFieldsValue(
      editing === 'new'
        ? { title: '', couponTemplateId: undefined, points: null, stock: null, perCustomerLimit: 1, sortOrder: 0, status: 'on_sale' }
        : { ...bodyOf(editing) },
    );
  }, [editing, form]);

  const current = editing && editing !== 'new' ? editing.couponTemplateId : null;
  // Ended coupons cannot be issued any more; the item's own coupon stays listed so an old item still shows what it gives.
  const couponOptions = (templates.data?.items ?? [])
    .filter((c) => c.status !== 'ended' || c.id === current)
    .map((c) => ({ value: c.id, label: `${c.name}(${c.label})${c.status === 'ended' ? ` · ${t('promo.status.ended')}` : ''}`, disabled: c.status === 'ended' }));

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const body = validateBody(form, PointsMallItemBody, toBody(form.getFieldsValue(true) as Values));
    if (!body) return;
    setSaving(true);
    try {
      if (editing === 'new') await api.post('/points/mall', body);
      else if (editing) await api.put(`/points/mall/${editing.id}`, body);
      feedback.message.success(t('common.saved'));
      setEditing(null);
      items.reload();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const toggle = async (i: PointsMallItem) => {
    const status: MallStatus = i.status === 'on_sale' ? 'off_shelf' : 'on_sale';
    setToggling(i.id);
    try {
      const saved = await api.put<PointsMallItem>(`/points/mall/${i.id}`, bodyOf(i, { status }));
      items.setData((d) => d && { items: d.items.map((x) => (x.id === i.id ? { ...x, ...saved } : x)) });
      feedback.message.success(t(status === 'on_sale' ? 'mall.putOnDone' : 'mall.takeOffDone'));
    } catch (err) {
      showError(err);
    } finally {
      setToggling(null);
    }
  };

  if (items.error && !items.data) return <LoadError error={items.error} onRetry={items.reload} />;

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.pointsMall')}</h1>
      {!canManage && <Alert type="info" showIcon title={t('mall.readOnly')} style={{ marginBottom: 12 }} />}
      <div className="toolbar">
        {canManage && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="mall-new">
            {t('mall.new')}
          </Button>
        )}
        <span className="muted">{t('mall.hint')}</span>
      </div>
      <Table<PointsMallItem>
        rowKey="id"
        loading={items.loading}
        dataSource={items.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: <span className="muted">{t('mall.empty')}</span> }}
        data-testid="mall-table"
        columns={[
          { title: t('mall.itemTitle'), dataIndex: 'title', width: 220, ellipsis: true },
          {
            title: t('mall.coupon'),
            key: 'coupon',
            render: (_, i) =>
              i.coupon ? (
                <Space size={4} wrap>
                  <CouponKindTag kind={i.coupon.kind} />
                  <span>{i.coupon.name}</span>
                </Space>
              ) : (
                <span className="muted">{t('mall.couponGone')}</span>
              ),
          },
          { title: t('mall.points'), dataIndex: 'points', width: 110, align: 'right', render: (v: number) => v.toLocaleString() },
          { title: t('mall.stockLeft'), dataIndex: 'stock', width: 90, align: 'right', render: (v: number) => (v === 0 ? <span style={{ color: '#cf1322' }}>0</span> : v.toLocaleString()) },
          { title: t('mall.redeemed'), dataIndex: 'redeemed', width: 110, align: 'right' },
          { title: t('mall.perCustomerLimit'), dataIndex: 'perCustomerLimit', width: 130, align: 'right' },
          { title: t('mall.sortOrder'), dataIndex: 'sortOrder', width: 80, align: 'right' },
          {
            title: t('common.status'),
            dataIndex: 'status',
            width: 100,
            render: (s: MallStatus) => <Tag color={s === 'on_sale' ? 'green' : 'default'}>{t(`mall.status.${s}`)}</Tag>,
          },
          ...(canManage
            ? [
                {
                  title: t('common.actions'),
                  key: 'a',
                  width: 150,
                  render: (_: unknown, i: PointsMallItem) => (
                    <Space size={0}>
                      <Button type="link" size="small" onClick={() => setEditing(i)} aria-label={`${t('common.edit')} ${i.title}`} data-testid={`mall-edit-${i.id}`}>
                        {t('common.edit')}
                      </Button>
                      <Button
                        type="link"
                        size="small"
                        loading={toggling === i.id}
                        onClick={() => void toggle(i)}
                        aria-label={`${t(i.status === 'on_sale' ? 'mall.takeOff' : 'mall.putOn')} ${i.title}`}
                        data-testid={`mall-toggle-${i.id}`}
                      >
                        {t(i.status === 'on_sale' ? 'mall.takeOff' : 'mall.putOn')}
                      </Button>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />

      <Modal
        open={!!editing}
        width={560}
        title={editing === 'new' ? t('mall.new') : t('mall.edit')}
        onCancel={() => setEditing(null)}
        onOk={save}
        confirmLoading={saving}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'mall-save' } as never}
        forceRender
      >
        <Form<Values> form={form} layout="horizontal" labelCol={{ flex: '110px' }} name="pointsMallItem">
          <Form.Item name="title" label={t('mall.itemTitle')} required rules={[zodRule(shape.title, asText)]}>
            <Input maxLength={40} showCount placeholder={t('mall.titlePlaceholder')} data-testid="mall-title" />
          </Form.Item>
          <Form.Item name="couponTemplateId" label={t('mall.coupon')} required rules={[{ required: true, message: t('pack.chooseCoupon') }]} extra={t('mall.couponHint')}>
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              options={couponOptions}
              placeholder={t('pack.chooseCoupon')}
              loading={templates.loading}
              notFoundContent={templates.loading ? undefined : t('mall.noCoupons')}
              data-testid="mall-coupon"
            />
          </Form.Item>
          <Form.Item name="points" label={t('mall.points')} required validateFirst rules={[requiredRule, zodRule(shape.points, num)]}>
            <InputNumber min={1} max={10_000_000} precision={0} suffix={t('points.unit')} style={{ width: 200 }} data-testid="mall-points" />
          </Form.Item>
          <Form.Item name="stock" label={t('mall.stock')} required validateFirst rules={[requiredRule, zodRule(shape.stock, num)]} extra={editing && editing !== 'new' ? t('mall.stockHintEdit', { n: editing.redeemed }) : t('mall.stockHint')}>
            <InputNumber min={0} max={10_000_000} precision={0} suffix={t('mall.sheets')} style={{ width: 200 }} data-testid="mall-stock" />
          </Form.Item>
          <Form.Item name="perCustomerLimit" label={t('mall.perCustomerLimit')} required validateFirst rules={[requiredRule, zodRule(shape.perCustomerLimit, requiredNum)]}>
            <InputNumber min={1} max={100} precision={0} suffix={t('mall.sheets')} style={{ width: 200 }} data-testid="mall-limit" />
          </Form.Item>
          <Form.Item name="sortOrder" label={t('mall.sortOrder')} required validateFirst rules={[requiredRule, zodRule(shape.sortOrder, requiredNum)]} extra={t('mall.sortHint')}>
            <InputNumber min={0} max={10_000} precision={0} style={{ width: 200 }} data-testid="mall-sort" />
          </Form.Item>
          <Form.Item name="status" label={t('common.status')} style={{ marginBottom: 0 }}>
            <Radio.Group data-testid="mall-status">
              <Radio value="on_sale">{t('mall.status.on_sale')}</Radio>
              <Radio value="off_shelf">{t('mall.status.off_shelf')}</Radio>
            </Radio.Group>
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
