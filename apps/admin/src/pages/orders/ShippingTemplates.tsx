import { useState } from 'react';
import { Button, Checkbox, Col, Form, Input, InputNumber, Modal, Popconfirm, Radio, Row, Select, Space, Table, Tag } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { ShippingTemplateBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, moneyRule, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { fenToYuan, formatFen, yuanToFen } from '../../lib/money';
import { fullProvince, provinceOptions } from '../../lib/regions';

interface Rule {
  regions: string[];
  first: number;
  firstFeeFen: number;
  additional: number;
  additionalFeeFen: number;
}
interface Template {
  id: string;
  name: string;
  chargeBy: 'piece' | 'weight';
  rules: Rule[];
  freeOverFen: number | null;
  excludedRegions: string[];
  isDefault: boolean;
}
interface RuleForm {
  regions?: string[];
  first?: number;
  firstFee?: string;
  additional?: number;
  additionalFee?: string;
}
interface Values {
  name: string;
  chargeBy: 'piece' | 'weight';
  rules: RuleForm[];
  freeOver?: string;
  excludedRegions?: string[];
  isDefault?: boolean;
}

const NEW: Values = { name: '', chargeBy: 'piece', rules: [{ regions: [], first: 1, firstFee: '0.00', additional: 1, additionalFee: '0.00' }], freeOver: '', excludedRegions: [], isDefault: false };

const toForm = (tpl: Template): Values => ({
  name: tpl.name,
  chargeBy: tpl.chargeBy,
  rules: tpl.rules.map((r) => ({ regions: r.regions.map(fullProvince), first: r.first, firstFee: fenToYuan(r.firstFeeFen), additional: r.additional, additionalFee: fenToYuan(r.additionalFeeFen) })),
  freeOver: tpl.freeOverFen === null ? '' : fenToYuan(tpl.freeOverFen),
  excludedRegions: tpl.excludedRegions.map(fullProvince),
  isDefault: tpl.isDefault,
});

/** 运费模板: fees by piece or weight per list of regions, entered in yuan and sent as fen. */
export default function ShippingTemplates() {
  const { t } = useI18n();
  const { can } = useAuth();
  const { data, loading, reload } = useApi<{ items: Template[] }>('/shipping-templates');
  const [editing, setEditing] = useState<{ id?: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<Values>();
  const chargeBy = Form.useWatch('chargeBy', form);
  const writable = can('shipping:manage');

  const open = (tpl?: Template) => {
    form.resetFields();
    form.setFieldsValue(tpl ? toForm(tpl) : NEW);
    setEditing({ id: tpl?.id });
  };

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = form.getFieldsValue(true) as Values;
    const body = {
      name: v.name,
      chargeBy: v.chargeBy,
      rules: (v.rules ?? []).map((r) => ({
        regions: r.regions ?? [],
        first: r.first ?? 0,
        firstFeeFen: yuanToFen(r.firstFee) ?? Number.NaN,
        additional: r.additional ?? 0,
        additionalFeeFen: yuanToFen(r.additionalFee) ?? Number.NaN,
      })),
      freeOverFen: v.freeOver ? (yuanToFen(v.freeOver) ?? Number.NaN) : null,
      excludedRegions: v.excludedRegions ?? [],
      isDefault: !!v.isDefault,
    };
    const fieldMap: Record<string, string> = { freeOverFen: 'freeOver' };
    body.rules.forEach((_, i) => {
      fieldMap[`rules.${i}.firstFeeFen`] = `rules.${i}.firstFee`;
      fieldMap[`rules.${i}.additionalFeeFen`] = `rules.${i}.additionalFee`;
    });
    if (!validateBody(form, ShippingTemplateBody, body, fieldMap)) return;
    setSaving(true);
    try {
      if (editing?.id) await api.put(`/shipping-templates/${editing.id}`, body);
      else await api.post('/shipping-templates', body);
      feedback.message.success(t('common.saved'));
      setEditing(null);
      reload();
    } catch (err) {
      if (!applyApiError(form, err, fieldMap)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const remove = async (id: string) => {
    try {
      await api.del(`/shipping-templates/${id}`);
      feedback.message.success(t('common.deleted'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  const unit = (tpl: Pick<Template, 'chargeBy'>) => (tpl.chargeBy === 'piece' ? t('shipping.chargeBy.piece') : t('shipping.chargeBy.weight'));
  const byWeight = chargeBy === 'weight';

  return (
    <div className="page-card">
      <h1 className="page-title">{t('shipping.title')}</h1>
      {writable && (
        <div className="toolbar">
          <Button type="primary" icon={<PlusOutlined />} onClick={() => open()} data-testid="new-shipping-template">
            {t('shipping.new')}
          </Button>
        </div>
      )}
      <Table<Template>
        rowKey="id"
        loading={loading}
        dataSource={data?.items ?? []}
        pagination={false}
        expandable={{
          expandedRowRender: (tpl) => (
            <Table<Rule>
              size="small"
              rowKey={(r) => r.regions.join(',') || '*'}
              pagination={false}
              dataSource={tpl.rules}
              columns={[
                { title: t('shipping.regions'), dataIndex: 'regions', render: (r: string[]) => (r.length ? r.join('、') : t('shipping.otherRegions')) },
                { title: tpl.chargeBy === 'piece' ? t('shipping.first') : t('shipping.firstWeight'), dataIndex: 'first', width: 110 },
                { title: t('shipping.firstFee'), dataIndex: 'firstFeeFen', width: 110, render: (v: number) => formatFen(v) },
                { title: tpl.chargeBy === 'piece' ? t('shipping.additional') : t('shipping.additionalWeight'), dataIndex: 'additional', width: 120 },
                { title: t('shipping.additionalFee'), dataIndex: 'additionalFeeFen', width: 110, render: (v: number) => formatFen(v) },
              ]}
            />
          ),
        }}
        columns={[
          { title: t('shipping.name'), dataIndex: 'name', render: (n: string, tpl) => <Space>{n}{tpl.isDefault && <Tag color="blue">{t('shipping.default')}</Tag>}</Space> },
          { title: t('shipping.chargeBy'), key: 'cb', width: 110, render: (_, tpl) => unit(tpl) },
          { title: t('shipping.rules'), key: 'rules', width: 120, render: (_, tpl) => t('shipping.ruleCount', { n: tpl.rules.length }) },
          { title: t('shipping.freeOver'), dataIndex: 'freeOverFen', width: 140, render: (v: number | null) => (v === null ? '-' : formatFen(v)) },
          { title: t('shipping.excluded'), dataIndex: 'excludedRegions', render: (r: string[]) => (r.length ? r.join('、') : '-') },
          {
            title: t('common.actions'),
            key: 'a',
            width: 150,
            render: (_, tpl) =>
              writable && (
                <Space size={4}>
                  <Button type="link" size="small" onClick={() => open(tpl)}>
                    {t('common.edit')}
                  </Button>
                  <Popconfirm title={t('common.deleteConfirm')} onConfirm={() => remove(tpl.id)} okText={t('common.delete')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
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
        width={920}
        title={editing?.id ? t('shipping.edit') : t('shipping.new')}
        onCancel={() => setEditing(null)}
        onOk={save}
        confirmLoading={saving}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'shipping-save' } as never}
        forceRender
      >
        <Form form={form} layout="vertical" name="shippingTemplate" initialValues={NEW}>
          <Row gutter={16}>
            <Col span={12}>
              <Form.Item name="name" label={t('shipping.name')} required rules={[zodRule(ShippingTemplateBody.shape.name, asText)]}>
                <Input maxLength={40} data-testid="shipping-name" />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item name="chargeBy" label={t('shipping.chargeBy')}>
                <Radio.Group
                  options={[
                    { value: 'piece', label: t('shipping.chargeBy.piece') },
                    { value: 'weight', label: t('shipping.chargeBy.weight') },
                  ]}
                />
              </Form.Item>
            </Col>
          </Row>
          <div style={{ fontWeight: 500, marginBottom: 8 }}>{t('shipping.rules')}</div>
          <Form.List name="rules">
            {(fields, { add, remove }, { errors }) => (
              <>
                {fields.map((f, i) => (
                  <div key={f.key} style={{ background: '#f7f8fa', padding: '12px 12px 0', borderRadius: 4, marginBottom: 8 }} data-testid={`shipping-rule-${i}`}>
                    <Row gutter={8} align="top">
                      <Col span={24}>
                        <Form.Item name={[f.name, 'regions']} label={t('shipping.regions')} extra={t('shipping.regionsAll')}>
                          <Select mode="multiple" allowClear options={provinceOptions()} placeholder={t('shipping.otherRegions')} aria-label={t('shipping.regions')} data-testid={`shipping-regions-${i}`} />
                        </Form.Item>
                      </Col>
                      <Col span={5}>
                        <Form.Item name={[f.name, 'first']} label={byWeight ? t('shipping.firstWeight') : t('shipping.first')}>
                          <InputNumber min={1} max={1_000_000} precision={0} style={{ width: '100%' }} />
                        </Form.Item>
                      </Col>
                      <Col span={5}>
                        <Form.Item name={[f.name, 'firstFee']} label={t('shipping.firstFee')} rules={[moneyRule(true)]}>
                          <Input prefix="¥" inputMode="decimal" data-testid={`shipping-first-fee-${i}`} />
                        </Form.Item>
                      </Col>
                      <Col span={5}>
                        <Form.Item name={[f.name, 'additional']} label={byWeight ? t('shipping.additionalWeight') : t('shipping.additional')}>
                          <InputNumber min={0} max={1_000_000} precision={0} style={{ width: '100%' }} />
                        </Form.Item>
                      </Col>
                      <Col span={5}>
                        <Form.Item name={[f.name, 'additionalFee']} label={t('shipping.additionalFee')} rules={[moneyRule(true)]}>
                          <Input prefix="¥" inputMode="decimal" data-testid={`shipping-additional-fee-${i}`} />
                        </Form.Item>
                      </Col>
                      <Col span={4} style={{ paddingTop: 30 }}>
                        <Button icon={<DeleteOutlined />} disabled={fields.length <= 1} onClick={() => remove(f.name)} aria-label={`${t('common.delete')} ${i + 1}`} />
                      </Col>
                    </Row>
                  </div>
                ))}
                <Form.ErrorList errors={errors} />
                <Button icon={<PlusOutlined />} onClick={() => add({ regions: [], first: 1, firstFee: '0.00', additional: 1, additionalFee: '0.00' })} style={{ marginBottom: 16 }} data-testid="shipping-add-rule">
                  {t('shipping.addRule')}
                </Button>
              </>
            )}
          </Form.List>
          <Row gutter={16}>
            <Col span={8}>
              <Form.Item name="freeOver" label={t('shipping.freeOver')} extra={t('shipping.freeOverHint')} rules={[moneyRule(false)]}>
                <Input prefix="¥" inputMode="decimal" data-testid="shipping-free-over" />
              </Form.Item>
            </Col>
            <Col span={16}>
              <Form.Item name="excludedRegions" label={t('shipping.excluded')}>
                <Select mode="multiple" allowClear options={provinceOptions()} aria-label={t('shipping.excluded')} data-testid="shipping-excluded" />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name="isDefault" valuePropName="checked" style={{ marginBottom: 0 }}>
            <Checkbox data-testid="shipping-default">{t('shipping.isDefault')}</Checkbox>
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
