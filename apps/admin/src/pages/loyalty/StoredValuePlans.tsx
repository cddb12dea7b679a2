import { useEffect, useState } from 'react';
import { Alert, Button, Form, Input, InputNumber, Modal, Space, Switch, Table, Tag } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { TopupPlanBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { formatFen, yuanToFen } from '../../lib/money';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { LoadError } from '../../components/Results';

/** A top-up plan (充值方案) as the API returns it. */
export interface TopupPlan {
  id: string;
  name: string;
  amountFen: number;
  bonusFen: number;
  active: boolean;
  sortOrder: number;
}

interface Values {
  name: string;
  /** Yuan. */
  amount: number | null;
  bonus: number | null;
  active: boolean;
  sortOrder: number | null;
}

const shape = TopupPlanBody.shape;
/** Yuan from an InputNumber (precision 2) → fen, through the text so 19.99 is 1999 exactly; empty stays missing. */
export const yuanBoxToFen = (v: number | null | undefined) => (v === null || v === undefined ? undefined : (yuanToFen(v.toFixed(2)) ?? Number.NaN));
const requiredNum = (v: unknown) => (v === null || v === undefined ? Number.NaN : v);

function toBody(v: Values) {
  return {
    name: String(asText(v.name)).trim(),
    amountFen: yuanBoxToFen(v.amount),
    bonusFen: v.bonus === null || v.bonus === undefined ? 0 : yuanBoxToFen(v.bonus),
    active: !!v.active,
    sortOrder: requiredNum(v.sortOrder),
  };
}

/** 充值方案: "充 ¥100 送 ¥20" tiles the storefront offers; add, change, switch off or remove. */
export default function StoredValuePlans() {
  const { t } = useI18n();
  const { can } = useAuth();
  const canManage = can('loyalty:manage');
  const plans = useApi<TopupPlan[]>('/stored-value/plans');
  const [editing, setEditing] = useState<TopupPlan | 'new' | null>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<Values>();

  useEffect(() => {
    if (!editing) return;
    form.resetFields();
    form.setFieldsValue(
      editing === 'new'
        ? { name: '', amount: null, bonus: null, active: true, sortOrder: 0 }
        : { name: editing.name, amount: editing.amountFen / 100, bonus: editing.bonusFen / 100, active: editing.active, sortOrder: editing.sortOrder },
    );
  }, [editing, form]);

  const amount = Form.useWatch('amount', form);
  const bonus = Form.useWatch('bonus', form);
  const credited = (yuanBoxToFen(amount) ?? 0) + (yuanBoxToFen(bonus) ?? 0);

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const body = validateBody(form, TopupPlanBody, toBody(form.getFieldsValue(true) as Values), { amountFen: 'amount', bonusFen: 'bonus' });
    if (!body) return;
    setSaving(true);
    try {
      if (editing === 'new') await api.post('/stored-value/plans', body);
      else if (editing) await api.put(`/stored-value/plans/${editing.id}`, body);
      feedback.message.success(t('common.saved'));
      setEditing(null);
      plans.reload();
    } catch (err) {
      if (!applyApiError(form, err, { amountFen: 'amount', bonusFen: 'bonus' })) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const remove = async (p: TopupPlan) => {
    try {
      await api.del(`/stored-value/plans/${p.id}`);
      feedback.message.success(t('common.deleted'));
      plans.setData((d) => d && d.filter((x) => x.id !== p.id));
    } catch (err) {
      showError(err);
    }
  };

  if (plans.error && !plans.data) return <LoadError error={plans.error} onRetry={plans.reload} />;

  return (
    <div data-testid="sv-plans">
      {!canManage && <Alert type="info" showIcon title={t('sv.readOnly')} style={{ marginBottom: 12 }} />}
      <div className="toolbar">
        {canManage && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="sv-plan-new">
            {t('sv.plan.new')}
          </Button>
        )}
        <span className="muted">{t('sv.plan.hint')}</span>
      </div>
      <Table<TopupPlan>
        rowKey="id"
        loading={plans.loading}
        dataSource={plans.data ?? []}
        pagination={false}
        scroll={{ x: 760 }}
        locale={{ emptyText: <span className="muted">{t('sv.plan.empty')}</span> }}
        data-testid="sv-plan-table"
        columns={[
          { title: t('sv.plan.name'), dataIndex: 'name', ellipsis: true },
          { title: t('sv.plan.amount'), dataIndex: 'amountFen', width: 120, align: 'right', render: (v: number) => formatFen(v, true) },
          { title: t('sv.plan.bonus'), dataIndex: 'bonusFen', width: 120, align: 'right', render: (v: number) => (v ? formatFen(v, true) : '-') },
          { title: t('sv.plan.credited'), key: 'credited', width: 130, align: 'right', render: (_, p) => formatFen(p.amountFen + p.bonusFen, true) },
          { title: t('mall.sortOrder'), dataIndex: 'sortOrder', width: 80, align: 'right' },
          { title: t('common.status'), dataIndex: 'active', width: 100, render: (a: boolean) => <Tag color={a ? 'green' : 'default'}>{a ? t('sv.plan.active') : t('sv.plan.inactive')}</Tag> },
          ...(canManage
            ? [
                {
                  title: t('common.actions'),
                  key: 'a',
                  width: 140,
                  render: (_: unknown, p: TopupPlan) => (
                    <Space size={0}>
                      <Button type="link" size="small" onClick={() => setEditing(p)} aria-label={`${t('common.edit')} ${p.name}`} data-testid={`sv-plan-edit-${p.id}`}>
                        {t('common.edit')}
                      </Button>
                      <ConfirmDelete title={t('sv.plan.deleteConfirm', { name: p.name })} onConfirm={() => void remove(p)} testId={`sv-plan-delete-${p.id}`} okTestId={`sv-plan-delete-ok-${p.id}`} />
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />

      <Modal
        open={!!editing}
        width={520}
        title={editing === 'new' ? t('sv.plan.new') : t('sv.plan.edit')}
        onCancel={() => setEditing(null)}
        onOk={save}
        confirmLoading={saving}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'sv-plan-save' } as never}
        forceRender
      >
        <Form<Values> form={form} layout="horizontal" labelCol={{ flex: '100px' }} name="topupPlan">
          <Form.Item name="name" label={t('sv.plan.name')} required rules={[zodRule(shape.name, asText)]}>
            <Input maxLength={40} showCount placeholder={t('sv.plan.namePlaceholder')} data-testid="sv-plan-name" />
          </Form.Item>
          <Form.Item name="amount" label={t('sv.plan.amount')} required validateFirst rules={[{ required: true, message: t('common.required') }, zodRule(shape.amountFen, (v) => yuanBoxToFen(v as number | null))]}>
            <InputNumber min={0.01} max={100_000} precision={2} prefix="¥" style={{ width: 200 }} data-testid="sv-plan-amount" />
          </Form.Item>
          <Form.Item name="bonus" label={t('sv.plan.bonus')} extra={t('sv.plan.bonusHint')}>
            <InputNumber min={0} max={100_000} precision={2} prefix="¥" placeholder="0.00" style={{ width: 200 }} data-testid="sv-plan-bonus" />
          </Form.Item>
          <Form.Item label={t('sv.plan.credited')}>
            <span data-testid="sv-plan-credited">{formatFen(credited, true)}</span>
          </Form.Item>
          <Form.Item name="sortOrder" label={t('mall.sortOrder')} required validateFirst rules={[{ required: true, message: t('common.required') }, zodRule(shape.sortOrder, requiredNum)]} extra={t('mall.sortHint')}>
            <InputNumber min={0} max={10_000} precision={0} style={{ width: 200 }} data-testid="sv-plan-sort" />
          </Form.Item>
          <Form.Item name="active" label={t('sv.plan.onSale')} valuePropName="checked" style={{ marginBottom: 0 }}>
            <Switch data-testid="sv-plan-active" />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
