import { useEffect, useState } from 'react';
import { Button, Card, Col, Form, Input, InputNumber, Modal, Popconfirm, Row, Select, Skeleton, Space, Switch, Table, Tag } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { CouponPackBody, GiftRuleBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, moneyRule, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { couponLabel } from '../../lib/promo-label';
import { useAuth } from '../../lib/auth';
import { fenToYuan, yuanToFen } from '../../lib/money';
import type { CouponPack, CouponTemplate, GiftRule, Paged } from '../../lib/types';
import './promotions.css';

interface PackValues {
  name: string;
  items: { templateId?: string; quantity?: number | null }[];
}

/** 券包与赠券: coupon packs, and the two gift rules (新客有礼, 支付有礼) that hand a pack out. */
export default function CouponPacks() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const writable = can('promotions:write');
  const packs = useApi<{ items: CouponPack[] }>('/coupon-packs');
  // Packs are made of coupon templates; a shop has a handful, so the first 100 (newest) are enough to choose from.
  const templates = useApi<Paged<CouponTemplate>>('/coupons', { page: 1, pageSize: 100 });
  const gifts = useApi<{ new_customer: GiftRule; pay: GiftRule }>('/coupon-gifts');
  const [editing, setEditing] = useState<CouponPack | 'new' | null>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<PackValues>();

  useEffect(() => {
    if (!editing) return;
    form.resetFields();
    form.setFieldsValue(editing === 'new' ? { name: '', items: [{ quantity: 1 }] } : { name: editing.name, items: editing.items.map((i) => ({ templateId: i.templateId, quantity: i.quantity })) });
  }, [editing, form]);

  const templateOptions = (templates.data?.items ?? []).map((c) => ({
    value: c.id,
    label: `${c.name}(${couponLabel(c, lang)})`,
    disabled: c.status === 'ended',
  }));

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = form.getFieldsValue(true) as PackValues;
    const body = { name: v.name, items: (v.items ?? []).map((i) => ({ templateId: i.templateId ?? '', quantity: i.quantity ?? Number.NaN })) };
    if (!validateBody(form, CouponPackBody, body)) return;
    setSaving(true);
    try {
      if (editing === 'new') await api.post('/coupon-packs', body);
      else if (editing) await api.patch(`/coupon-packs/${editing.id}`, body);
      feedback.message.success(t('common.saved'));
      setEditing(null);
      packs.reload();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const remove = async (p: CouponPack) => {
    try {
      await api.del(`/coupon-packs/${p.id}`);
      feedback.message.success(t('common.deleted'));
      packs.reload();
      gifts.reload();
    } catch (err) {
      showError(err);
    }
  };

  return (
    <div>
      <Row gutter={16}>
        {(['new_customer', 'pay'] as const).map((kind) => (
          <Col key={kind} span={12}>
            <GiftRuleCard kind={kind} rule={gifts.data?.[kind] ?? null} loading={gifts.loading && !gifts.data} packs={packs.data?.items ?? []} writable={writable} onSaved={gifts.reload} />
          </Col>
        ))}
      </Row>

      <div className="page-card">
        <h1 className="page-title">{t('pack.title')}</h1>
        <div className="toolbar">
          {writable && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="new-pack">
              {t('pack.new')}
            </Button>
          )}
          <span className="muted">{t('pack.hint')}</span>
        </div>
        <Table<CouponPack>
          rowKey="id"
          loading={packs.loading}
          dataSource={packs.data?.items ?? []}
          pagination={false}
          data-testid="pack-table"
          columns={[
            { title: t('pack.name'), dataIndex: 'name', width: 220 },
            {
              title: t('pack.coupons'),
              key: 'items',
              render: (_, p) => (
                <Space size={[4, 4]} wrap>
                  {p.items.map((i) => (
                    <Tag key={i.templateId}>
                      {i.name} · {i.labelFields ? couponLabel(i.labelFields, lang) : i.label} × {i.quantity}
                    </Tag>
                  ))}
                </Space>
              ),
            },
            { title: t('pack.count'), key: 'count', width: 100, render: (_, p) => p.items.reduce((n, i) => n + i.quantity, 0) },
            {
              title: t('common.actions'),
              key: 'a',
              width: 140,
              render: (_, p) =>
                writable && (
                  <Space size={0}>
                    <Button type="link" size="small" onClick={() => setEditing(p)} data-testid={`pack-edit-${p.id}`}>
                      {t('common.edit')}
                    </Button>
                    <Popconfirm title={t('pack.deleteConfirm')} onConfirm={() => remove(p)} okText={t('common.delete')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
                      <Button type="link" size="small" danger data-testid={`pack-delete-${p.id}`}>
                        {t('common.delete')}
                      </Button>
                    </Popconfirm>
                  </Space>
                ),
            },
          ]}
        />
      </div>

      <Modal
        open={!!editing}
        width={720}
        title={editing === 'new' ? t('pack.new') : t('pack.edit')}
        onCancel={() => setEditing(null)}
        onOk={save}
        confirmLoading={saving}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'pack-save' } as never}
        forceRender
      >
        <Form form={form} layout="vertical" name="couponPack">
          <Form.Item name="name" label={t('pack.name')} required rules={[zodRule(CouponPackBody.shape.name, asText)]}>
            <Input maxLength={40} data-testid="pack-name" />
          </Form.Item>
          <Form.List name="items">
            {(fields, { add, remove: drop }, { errors }) => (
              <>
                <div style={{ fontWeight: 500, marginBottom: 8 }}>{t('pack.coupons')}</div>
                {fields.map((f, i) => (
                  <Row key={f.key} gutter={8} align="top" data-testid={`pack-item-${i}`}>
                    <Col flex="auto">
                      <Form.Item name={[f.name, 'templateId']} rules={[{ required: true, message: t('pack.chooseCoupon') }]}>
                        <Select
                          showSearch={{ optionFilterProp: 'label' }}
                          options={templateOptions}
                          placeholder={t('pack.chooseCoupon')}
                          aria-label={`${t('pack.coupon')} ${i + 1}`}
                          loading={templates.loading}
                          data-testid={`pack-template-${i}`}
                        />
                      </Form.Item>
                    </Col>
                    <Col flex="150px">
                      <Form.Item name={[f.name, 'quantity']} rules={[zodRule(CouponPackBody.shape.items.element.shape.quantity, (x) => x ?? undefined)]}>
                        <InputNumber min={1} max={10} precision={0} suffix={t('promo.sheetsUnit')} style={{ width: '100%' }} aria-label={`${t('pack.quantity')} ${i + 1}`} data-testid={`pack-quantity-${i}`} />
                      </Form.Item>
                    </Col>
                    <Col flex="40px">
                      <Button icon={<DeleteOutlined />} disabled={fields.length <= 1} onClick={() => drop(f.name)} aria-label={`${t('common.delete')} ${i + 1}`} />
                    </Col>
                  </Row>
                ))}
                <Form.ErrorList errors={errors} />
                <Button icon={<PlusOutlined />} disabled={fields.length >= 20} onClick={() => add({ quantity: 1 })} data-testid="pack-add-item">
                  {t('pack.addCoupon')}
                </Button>
              </>
            )}
          </Form.List>
        </Form>
      </Modal>
    </div>
  );
}

interface GiftValues {
  enabled: boolean;
  packId?: string | null;
  minPaid?: string;
}

/** 新客有礼 / 支付有礼: on or off, which pack, and (pay) the least an order must pay. */
function GiftRuleCard({ kind, rule, loading, packs, writable, onSaved }: { kind: 'new_customer' | 'pay'; rule: GiftRule | null; loading: boolean; packs: CouponPack[]; writable: boolean; onSaved: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<GiftValues>();
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (rule) form.setFieldsValue({ enabled: rule.enabled, packId: rule.packId, minPaid: rule.minPaidFen ? fenToYuan(rule.minPaidFen) : '' });
  }, [rule, form]);
  const enabled = Form.useWatch('enabled', form);

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = form.getFieldsValue(true) as GiftValues;
    const body = { enabled: !!v.enabled, packId: v.packId ?? null, minPaidFen: kind === 'pay' && v.minPaid ? (yuanToFen(v.minPaid) ?? Number.NaN) : 0 };
    const fieldMap = { minPaidFen: 'minPaid' };
    if (!validateBody(form, GiftRuleBody, body, fieldMap)) return;
    setSaving(true);
    try {
      await api.put(`/coupon-gifts/${kind}`, body);
      feedback.message.success(t('common.saved'));
      onSaved();
    } catch (err) {
      if (!applyApiError(form, err, fieldMap)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card
      variant="borderless"
      title={t(`gift.${kind}`)}
      extra={rule ? <span className="muted" data-testid={`gift-given-${kind}`}>{t('gift.given', { n: rule.given })}</span> : null}
      style={{ marginBottom: 16 }}
      data-testid={`gift-card-${kind}`}
    >
      {loading ? (
        <Skeleton active paragraph={{ rows: 2 }} />
      ) : (
        <Form form={form} layout="horizontal" labelCol={{ flex: '110px' }} name={`gift-${kind}`} disabled={!writable} initialValues={{ enabled: false, packId: null, minPaid: '' }}>
          <div className="muted" style={{ marginBottom: 12 }}>
            {t(`gift.${kind}.hint`)}
          </div>
          <Form.Item name="enabled" label={t('common.enabled')} valuePropName="checked">
            <Switch data-testid={`gift-enabled-${kind}`} />
          </Form.Item>
          <Form.Item name="packId" label={t('gift.pack')} required={!!enabled} rules={[{ validator: async (_r, v) => { if (form.getFieldValue('enabled') && !v) throw new Error(t('gift.choosePack')); } }]}>
            <Select
              allowClear
              style={{ maxWidth: 320 }}
              placeholder={t('gift.choosePack')}
              options={packs.map((p) => ({ value: p.id, label: p.name }))}
              data-testid={`gift-pack-${kind}`}
            />
          </Form.Item>
          {kind === 'pay' && (
            <Form.Item name="minPaid" label={t('gift.minPaid')} rules={[moneyRule(false)]} extra={t('gift.minPaidHint')}>
              <Input prefix="¥" inputMode="decimal" style={{ width: 200 }} data-testid="gift-min-paid" />
            </Form.Item>
          )}
          {writable && (
            <Form.Item label=" " colon={false} style={{ marginBottom: 0 }}>
              <Button type="primary" loading={saving} onClick={save} data-testid={`gift-save-${kind}`}>
                {t('common.save')}
              </Button>
            </Form.Item>
          )}
        </Form>
      )}
    </Card>
  );
}
