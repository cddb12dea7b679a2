import { useEffect, useMemo, useState } from 'react';
import { Alert, Button, Form, Input, InputNumber, Modal, Radio, Space, Table, Tag, TreeSelect } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { TAG_COLORS, TagBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, moneyRule, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { fenToYuan, yuanToFen } from '../../lib/money';
import { LoadError } from '../../components/Results';
import type { CategoryNode } from '../../lib/types';
import { categoryTree } from '../products/ProductList';
import { categoryPaths, ruleText, type CustomerTag } from './audience';
import { ConfirmDelete } from '../../components/ConfirmDelete';

type RuleType = 'paid_in_days' | 'bought_category';

interface Values {
  name: string;
  color: (typeof TAG_COLORS)[number];
  kind: 'manual' | 'auto';
  rule: { type: RuleType; days: number | null; minYuan: string; categoryId: string | undefined };
}

const EMPTY_RULE: Values['rule'] = { type: 'paid_in_days', days: 90, minYuan: '', categoryId: undefined };

function toBody(v: Values) {
  const r = v.rule ?? EMPTY_RULE;
  const rule =
    v.kind === 'manual'
      ? null
      : r.type === 'paid_in_days'
        ? { type: 'paid_in_days' as const, days: r.days ?? undefined, minFen: yuanToFen(r.minYuan) ?? undefined }
        : { type: 'bought_category' as const, categoryId: r.categoryId ?? '' };
  return { name: String(asText(v.name)).trim(), color: v.color, kind: v.kind, rule };
}

// The contract's paths → the form's fields (money is typed in yuan).
const FIELD_MAP = { 'rule.minFen': 'rule.minYuan' };

/** 客户标签: manual tags, automatic tags kept by a rule, and the source tags the system puts on. */
export default function CustomerTags() {
  const { t } = useI18n();
  const { can } = useAuth();
  const writable = can('customers:write');
  const { data, error, loading, reload } = useApi<{ items: CustomerTag[] }>('/tags');
  const cats = useApi<{ items: CategoryNode[] }>(can('catalog:read') ? '/categories' : null);
  const paths = useMemo(() => (cats.data ? categoryPaths(cats.data.items) : null), [cats.data]);
  const [editing, setEditing] = useState<CustomerTag | 'new' | null>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<Values>();

  useEffect(() => {
    if (!editing) return;
    form.resetFields();
    if (editing === 'new') form.setFieldsValue({ name: '', color: 'blue', kind: 'manual', rule: EMPTY_RULE });
    else {
      const r = editing.rule;
      form.setFieldsValue({
        name: editing.name,
        color: editing.color as Values['color'],
        kind: editing.kind === 'auto' ? 'auto' : 'manual',
        rule: !r ? EMPTY_RULE : r.type === 'paid_in_days' ? { ...EMPTY_RULE, days: r.days, minYuan: fenToYuan(r.minFen).replace(/\.00$/, '') } : { ...EMPTY_RULE, type: 'bought_category', categoryId: r.categoryId },
      });
    }
  }, [editing, form]);

  const kind = Form.useWatch('kind', form);
  const ruleType = Form.useWatch(['rule', 'type'], form);

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const body = validateBody(form, TagBody, toBody(form.getFieldsValue(true) as Values), FIELD_MAP);
    if (!body) return;
    setSaving(true);
    try {
      if (editing === 'new') await api.post('/tags', body);
      else if (editing) await api.put(`/tags/${editing.id}`, body);
      feedback.message.success(body.kind === 'auto' ? t('tags.savedAuto') : t('common.saved'));
      setEditing(null);
      reload();
    } catch (err) {
      if (!applyApiError(form, err, FIELD_MAP)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const remove = async (tag: CustomerTag) => {
    try {
      await api.del(`/tags/${tag.id}`);
      feedback.message.success(t('common.deleted'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  if (error) return <LoadError error={error} onRetry={reload} />;

  return (
    <div className="page-card">
      <h1 className="page-title">{t('tags.title')}</h1>
      <div className="toolbar">
        {writable && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="tag-new">
            {t('tags.new')}
          </Button>
        )}
        <span className="muted">{t('tags.hint')}</span>
      </div>
      <Table<CustomerTag>
        rowKey="id"
        loading={loading}
        dataSource={data?.items ?? []}
        pagination={false}
        locale={{ emptyText: <span className="muted">{t('tags.empty')}</span> }}
        onRow={(tag) => ({ 'data-testid': `tag-row-${tag.name}` }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('tags.name'), key: 'name', width: 220, render: (_, tag) => <Tag color={tag.color}>{tag.name}</Tag> },
          { title: t('tags.kind'), dataIndex: 'kind', width: 120, render: (k: CustomerTag['kind']) => t(`tags.kind.${k}`) },
          {
            title: t('tags.rule'),
            key: 'rule',
            render: (_, tag) => (tag.kind === 'auto' ? ruleText(tag.rule, paths, t) : tag.kind === 'source' ? <span className="muted">{t('tags.sourceRule')}</span> : <span className="muted">{t('tags.manualRule')}</span>),
          },
          { title: t('tags.customers'), dataIndex: 'customers', width: 120, align: 'right', render: (n: number) => t('tags.people', { n }) },
          {
            title: t('common.actions'),
            key: 'a',
            width: 140,
            render: (_, tag) =>
              tag.kind === 'source' ? (
                <span className="muted">{t('tags.systemKept')}</span>
              ) : (
                writable && (
                  <Space size={0}>
                    <Button type="link" size="small" onClick={() => setEditing(tag)} data-testid={`tag-edit-${tag.name}`}>
                      {t('common.edit')}
                    </Button>
                    <ConfirmDelete title={t('tags.deleteConfirm', { name: tag.name, n: tag.customers ?? 0 })} onConfirm={() => remove(tag)} testId={`tag-delete-${tag.name}`} okTestId="tag-delete-ok" />
                  </Space>
                )
              ),
          },
        ]}
      />

      <Modal
        open={!!editing}
        width={600}
        title={editing === 'new' ? t('tags.new') : t('tags.edit')}
        onCancel={() => setEditing(null)}
        onOk={save}
        confirmLoading={saving}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'tag-save' } as never}
        forceRender
      >
        <Form<Values> form={form} layout="vertical" name="customerTag">
          <Form.Item name="name" label={t('tags.name')} required rules={[zodRule(TagBody.shape.name, (x) => String(asText(x)).trim())]}>
            <Input maxLength={20} placeholder={t('tags.namePlaceholder')} data-testid="tag-name" />
          </Form.Item>
          <Form.Item name="color" label={t('tags.color')}>
            <Radio.Group data-testid="tag-color">
              {TAG_COLORS.map((c) => (
                <Radio key={c} value={c} aria-label={t(`tags.color.${c}`)}>
                  <Tag color={c} style={{ marginInlineEnd: 0 }}>
                    {t(`tags.color.${c}`)}
                  </Tag>
                </Radio>
              ))}
            </Radio.Group>
          </Form.Item>
          <Form.Item name="kind" label={t('tags.kind')} extra={editing !== 'new' ? t('tags.kindFixed') : kind === 'auto' ? t('tags.autoHint') : t('tags.manualHint')}>
            <Radio.Group disabled={editing !== 'new'} data-testid="tag-kind">
              <Radio value="manual">{t('tags.kind.manual')}</Radio>
              <Radio value="auto">{t('tags.kind.auto')}</Radio>
            </Radio.Group>
          </Form.Item>
          {kind === 'auto' && (
            <div style={{ background: '#f7f8fa', padding: '12px 16px 0', borderRadius: 4 }} data-testid="tag-rule">
              <Form.Item name={['rule', 'type']} label={t('tags.rule')}>
                <Radio.Group data-testid="tag-rule-type">
                  <Radio value="paid_in_days">{t('tags.rule.paid')}</Radio>
                  <Radio value="bought_category">{t('tags.rule.bought')}</Radio>
                </Radio.Group>
              </Form.Item>
              {ruleType === 'bought_category' ? (
                <Form.Item name={['rule', 'categoryId']} label={t('tags.rule.category')} rules={[{ required: true, message: t('tags.rule.chooseCategory') }]}>
                  <TreeSelect
                    treeDefaultExpandAll
                    showSearch={{ treeNodeFilterProp: 'title' }}
                    treeData={categoryTree(cats.data?.items ?? [])}
                    placeholder={t('tags.rule.chooseCategory')}
                    loading={cats.loading}
                    data-testid="tag-rule-category"
                  />
                </Form.Item>
              ) : (
                <Space align="start" wrap>
                  <Form.Item name={['rule', 'days']} label={t('tags.rule.days')} rules={[{ required: true, message: t('common.required') }]}>
                    <InputNumber min={1} max={3650} precision={0} prefix={t('tags.rule.daysPrefix')} suffix={t('promo.daysUnit')} style={{ width: 180 }} data-testid="tag-rule-days" />
                  </Form.Item>
                  <Form.Item name={['rule', 'minYuan']} label={t('tags.rule.minYuan')} rules={[moneyRule(true)]}>
                    <Input prefix="¥" style={{ width: 200 }} placeholder="1000" data-testid="tag-rule-min" />
                  </Form.Item>
                </Space>
              )}
              <Alert type="info" showIcon title={t('tags.rule.reapply')} style={{ marginBottom: 12 }} />
            </div>
          )}
        </Form>
      </Modal>
    </div>
  );
}
