import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, Form, Input, InputNumber, Popconfirm, Radio, Select, Space, type FormRule } from 'antd';
import { DeleteOutlined, MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { z } from 'zod';
import { Duration, JOURNEY_EVENTS, JourneyNode, SegmentRule, type JourneyNodeType } from '@siyu/contracts';
import { zodRule } from '../../lib/form';
import { contractMessage, useI18n, type TFunction } from '../../lib/i18n';
import { AUTO_VARS, usedVariables } from '../messaging/BroadcastNew';
import { channelText } from '../messaging/labels';
import { SEND_CHANNELS } from '../messaging/types';
import { PICK_ME, type GraphIssue } from './graph';
import { eventText, nodeTypeText } from './labels';
import type { Lookups } from './lookups';
import { SegmentBuilder } from '../customers/SegmentBuilder';
import { fromRule, ruleIssues, toRule, type DraftRule } from '../customers/segment-rule';
import { NODE_ICONS } from './icons';

/** The object schema of one node type (the contract's union member), for per-field rules. */
function shapeOf(type: JourneyNodeType): Record<string, z.ZodType> {
  const option = (JourneyNode.options as unknown as { shape: Record<string, z.ZodType> & { type: { value: string } } }[]).find((o) => (o.shape.type as unknown as { value: string }).value === type);
  return option?.shape ?? {};
}

/** A graph issue in words. */
export function issueText(i: GraphIssue, t: TFunction, lang: string): string {
  if (i.code === 'schema') return contractMessage(i.message ?? 'invalid');
  // A playbook's template placeholder names its channel, like a missing template.
  if (i.code === 'placeholder' && i.path[0] === 'templateIds') return t('jr.issue.templateMissing', { channel: channelText(String(i.path[1]) as never, lang as never) });
  const vars = { ...i.vars } as Record<string, string | number>;
  if (typeof vars.branch === 'string' && ['yes', 'no', 'timeout'].includes(vars.branch)) vars.branch = t(`jr.branch.${vars.branch}` as 'jr.branch.yes');
  if (typeof vars.channel === 'string') vars.channel = channelText(vars.channel as never, lang as never);
  return t(`jr.issue.${i.code}` as 'jr.issue.cycle', vars);
}

/** Where an issue shows: a rule's inner paths on the rule editor; the split list as a whole above the form. */
const fieldOf = (path: (string | number)[]) => (path[0] === 'rule' ? ['rule'] : path);
const onlyGeneral = (i: GraphIssue) => !i.path.length || (i.path[0] === 'branches' && i.path.length < 3);

/** A playbook's placeholder shows as nothing chosen yet. */
export const hidePick = (v: unknown) => ({ value: v === PICK_ME ? undefined : Array.isArray(v) ? v.filter((x) => x !== PICK_ME) : v });

const UNITS = ['minutes', 'hours', 'days'] as const;
const DATE_PROPS = ['birthday', 'member_card_end', 'last_paid_at'] as const;

function DurationFields({ name, label, disabled }: { name: string; label: string; disabled?: boolean }) {
  const { t } = useI18n();
  return (
    <Form.Item label={label} required style={{ marginBottom: 12 }}>
      <Space.Compact>
        <Form.Item name={[name, 'amount']} noStyle rules={[zodRule(Duration.shape.amount)]} validateTrigger={['onChange', 'onBlur']}>
          <InputNumber min={1} precision={0} style={{ width: 110 }} disabled={disabled} aria-label={label} data-testid={`jr-f-${name}-amount`} />
        </Form.Item>
        <Form.Item name={[name, 'unit']} noStyle>
          <Select style={{ width: 100 }} disabled={disabled} options={UNITS.map((u) => ({ value: u, label: t(`jr.unitName.${u}`) }))} aria-label={t('jr.field.unit')} />
        </Form.Item>
      </Space.Compact>
    </Form.Item>
  );
}

/**
 * A condition node's rule in the segment builder (人群's own editor: nested AND / OR, every condition
 * type, its checks on each row), with "use a group's conditions" to start from a dynamic group.
 */
function ConditionRule({ value, onChange, lookups, disabled, showAll }: { value?: SegmentRule; onChange?: (r: SegmentRule) => void; lookups: Lookups; disabled?: boolean; showAll: boolean }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<DraftRule>(() => fromRule(value));
  const issues = useMemo(() => ruleIssues(draft), [draft]);
  const change = (d: DraftRule) => {
    setDraft(d);
    onChange?.(toRule(d));
  };
  const dynamic = lookups.groups.filter((g) => g.kind === 'dynamic' && g.conditions);
  return (
    <div data-testid="jr-rule">
      {dynamic.length > 0 && !disabled && (
        <Select
          size="small"
          placeholder={t('jr.rule.fromGroup')}
          value={null}
          style={{ width: 200, marginBottom: 8 }}
          onChange={(id: string) => {
            const g = dynamic.find((x) => x.id === id);
            if (g?.conditions) change(fromRule(g.conditions as unknown as SegmentRule));
          }}
          options={dynamic.map((g) => ({ value: g.id, label: g.name }))}
          data-testid="jr-rule-from-group"
        />
      )}
      <SegmentBuilder value={draft} onChange={change} issues={issues} showAllErrors={showAll} lookups={lookups.segment} disabled={disabled} />
    </div>
  );
}

/** The right-hand form of the selected node: fields of its type, validated with the contract as typed. */
export default function Inspector({
  node,
  onChange,
  onDelete,
  lookups,
  issues,
  disabled,
  showAll = false,
}: {
  node: JourneyNode;
  onChange: (n: JourneyNode) => void;
  onDelete: () => void;
  lookups: Lookups;
  issues: GraphIssue[];
  disabled?: boolean;
  /** A save was tried: every problem shows, not only those of rows already touched. */
  showAll?: boolean;
}) {
  const { t, lang } = useI18n();
  const [form] = Form.useForm();
  const shape = useMemo(() => shapeOf(node.type), [node.type]);
  /** The contract's rule for a field; nothing chosen yet reads as "required". */
  const rule = (field: string): FormRule[] => {
    const s = shape[field];
    if (!s) return [];
    const contract = zodRule(s) as { validator: (r: unknown, v: unknown) => Promise<void> };
    return [
      {
        validator: async (r, v) => {
          if (v === '' || v === undefined || v === null || (Array.isArray(v) && !v.length)) throw new Error(t('common.required'));
          return contract.validator(r, v);
        },
      },
    ];
  };
  const channels = (Form.useWatch('channels', form) as string[] | undefined) ?? (node.type === 'send' ? node.channels : []);
  const templateIds = (Form.useWatch('templateIds', form) as Record<string, string> | undefined) ?? (node.type === 'send' ? node.templateIds : {});
  const branches = Form.useWatch('branches', form) as { key: string; percent: number }[] | undefined;

  // The checks' findings on this node's fields, each on its field.
  useEffect(() => {
    const fields = issues.filter((i) => !onlyGeneral(i)).map((i) => ({ name: fieldOf(i.path), errors: [issueText(i, t, lang)] }));
    if (fields.length) form.setFields(fields);
  }, [issues, form, t, lang]);

  const chosen = useMemo(() => lookups.templates.filter((x) => channels.some((c) => templateIds?.[c] === x.id)), [lookups.templates, channels, templateIds]);
  const vars = useMemo(() => usedVariables(chosen).filter((v) => !AUTO_VARS.includes(v)), [chosen]);
  const general = issues.filter(onlyGeneral);

  const body = () => {
    switch (node.type) {
      case 'wait':
        return <DurationFields name="duration" label={t('jr.field.duration')} disabled={disabled} />;
      case 'wait_until_time':
        return (
          <Space>
            <Form.Item name="hour" label={t('jr.field.hour')} rules={rule('hour')}>
              <InputNumber min={0} max={23} precision={0} disabled={disabled} />
            </Form.Item>
            <Form.Item name="minute" label={t('jr.field.minute')} rules={rule('minute')}>
              <InputNumber min={0} max={59} precision={0} disabled={disabled} />
            </Form.Item>
          </Space>
        );
      case 'wait_until_date':
        return (
          <>
            <Form.Item name="property" label={t('jr.field.dateProperty')} rules={rule('property')}>
              <Select disabled={disabled} options={DATE_PROPS.map((p) => ({ value: p, label: t(`jr.dateProp.${p}`) }))} />
            </Form.Item>
            <Space>
              <Form.Item name="offsetDays" label={t('jr.field.offsetDays')} rules={rule('offsetDays')} extra={t('jr.field.offsetHint')}>
                <InputNumber min={-60} max={365} precision={0} disabled={disabled} />
              </Form.Item>
              <Form.Item name="hour" label={t('jr.field.hour')} rules={rule('hour')}>
                <InputNumber min={0} max={23} precision={0} disabled={disabled} />
              </Form.Item>
            </Space>
          </>
        );
      case 'wait_event':
        return (
          <>
            <Form.Item name="event" label={t('jr.field.event')} rules={rule('event')}>
              <Select disabled={disabled} options={JOURNEY_EVENTS.map((e) => ({ value: e, label: eventText(e, lang) }))} data-testid="jr-f-event" />
            </Form.Item>
            <DurationFields name="timeout" label={t('jr.field.timeout')} disabled={disabled} />
            <p className="muted jr-hint">{t('jr.hint.waitEvent')}</p>
          </>
        );
      case 'condition':
        return (
          <>
            <Form.Item name="rule" label={t('jr.field.rule')} rules={[zodRule(SegmentRule)]}>
              <ConditionRule lookups={lookups} disabled={disabled} showAll={showAll} />
            </Form.Item>
            <p className="muted jr-hint">{t('jr.hint.condition')}</p>
          </>
        );
      case 'random_split': {
        const sum = (branches ?? node.branches).reduce((s, b) => s + (Number(b?.percent) || 0), 0);
        return (
          <>
            <Form.List name="branches">
              {(fields, { add, remove }) => (
                <>
                  {fields.map((f) => (
                    <Space key={f.key} align="baseline">
                      <Form.Item name={[f.name, 'key']} rules={[{ required: true, message: t('common.required') }, { pattern: /^[a-z0-9_]{1,20}$/, message: t('jr.field.keyPattern') }]} style={{ marginBottom: 8 }}>
                        <Input style={{ width: 110 }} disabled={disabled} aria-label={t('jr.field.branchKey')} />
                      </Form.Item>
                      <Form.Item name={[f.name, 'percent']} rules={[{ required: true, message: t('common.required') }]} style={{ marginBottom: 8 }}>
                        <InputNumber min={1} max={99} precision={0} addonAfter="%" style={{ width: 110 }} disabled={disabled} aria-label={t('jr.field.percent')} />
                      </Form.Item>
                      {fields.length > 2 && !disabled && <MinusCircleOutlined onClick={() => remove(f.name)} aria-label={t('common.delete')} />}
                    </Space>
                  ))}
                  {fields.length < 5 && !disabled && (
                    <Button size="small" type="dashed" icon={<PlusOutlined />} onClick={() => add({ key: String.fromCharCode(97 + fields.length), percent: 10 })}>
                      {t('jr.field.addBranch')}
                    </Button>
                  )}
                </>
              )}
            </Form.List>
            <div className={sum === 100 ? 'muted jr-hint' : 'jr-hint jr-error-text'} data-testid="jr-split-sum">
              {t('jr.field.splitSum', { n: sum })}
            </div>
          </>
        );
      }
      case 'send':
        return (
          <>
            <Form.Item name="channels" label={t('jr.field.channels')} rules={rule('channels')} extra={t('jr.field.channelsHint')}>
              <Select mode="multiple" disabled={disabled} options={SEND_CHANNELS.map((c) => ({ value: c, label: channelText(c, lang) }))} data-testid="jr-f-channels" />
            </Form.Item>
            {channels.map((ch) => {
              const options = lookups.templates.filter((x) => x.channel === ch && x.enabled).map((x) => ({ value: x.id, label: x.name }));
              return (
                <Form.Item
                  key={ch}
                  name={['templateIds', ch]}
                  getValueProps={hidePick}
                  label={`${channelText(ch as never, lang)} · ${t('jr.field.template')}`}
                  rules={[{ required: true, message: t('jr.field.chooseTemplate') }]}
                  extra={!options.length && !lookups.loading.templates ? <span>{t('jr.field.noTemplate')} <Link to="/messaging/templates">{t('nav.msgTemplates')}</Link></span> : undefined}
                >
                  <Select disabled={disabled} options={options} loading={lookups.loading.templates} placeholder={t('jr.field.chooseTemplate')} data-testid={`jr-f-template-${ch}`} />
                </Form.Item>
              );
            })}
            {vars.map((v) => (
              <Form.Item key={v} name={['vars', v]} label={t('jr.field.var', { name: v })} rules={[{ max: 200 }]}>
                <Input disabled={disabled} />
              </Form.Item>
            ))}
          </>
        );
      case 'coupon':
        return (
          <Form.Item name="couponTemplateId" getValueProps={hidePick} label={t('jr.field.coupon')} rules={rule('couponTemplateId')} extra={!lookups.coupons.length && !lookups.loading.coupons ? t('jr.field.noCoupon') : undefined}>
            <Select showSearch optionFilterProp="label" disabled={disabled} loading={lookups.loading.coupons} options={lookups.coupons.map((c) => ({ value: c.id, label: `${c.name} · ${c.label}` }))} data-testid="jr-f-coupon" />
          </Form.Item>
        );
      case 'points':
        return (
          <Form.Item name="points" label={t('jr.field.points')} rules={rule('points')}>
            <InputNumber min={1} max={1_000_000} precision={0} disabled={disabled} />
          </Form.Item>
        );
      case 'tag':
        return (
          <>
            <Form.Item name="action" label={t('jr.field.tagAction')}>
              <Radio.Group disabled={disabled} options={[{ value: 'add', label: t('jr.tag.add') }, { value: 'remove', label: t('jr.tag.remove') }]} />
            </Form.Item>
            <Form.Item name="tagIds" getValueProps={hidePick} label={t('jr.field.tags')} rules={rule('tagIds')}>
              <Select mode="multiple" optionFilterProp="label" disabled={disabled} loading={lookups.loading.tags} options={lookups.tags.filter((x) => x.kind === 'manual').map((x) => ({ value: x.id, label: x.name }))} data-testid="jr-f-tags" />
            </Form.Item>
          </>
        );
      case 'webhook':
        return (
          <Form.Item name="url" label={t('jr.field.url')} rules={rule('url')} extra={t('jr.field.urlHint')}>
            <Input disabled={disabled} placeholder="https://" data-testid="jr-f-url" />
          </Form.Item>
        );
      case 'exit':
        return <p className="muted jr-hint">{t('jr.hint.exit')}</p>;
    }
  };

  return (
    <div className="jr-inspector" data-testid="jr-inspector" data-node={node.id}>
      <div className="jr-inspector-head">
        <span className="jr-node-icon">{NODE_ICONS[node.type]}</span>
        <strong>{nodeTypeText(node.type, lang)}</strong>
        <span className="muted jr-node-id">{node.id}</span>
        <span style={{ flex: 1 }} />
        {!disabled && (
          <Popconfirm title={t('jr.deleteNodeConfirm')} onConfirm={onDelete} okText={t('common.delete')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
            <Button size="small" type="text" danger icon={<DeleteOutlined />} data-testid="jr-node-delete">
              {t('common.delete')}
            </Button>
          </Popconfirm>
        )}
      </div>
      {general.map((i, k) => (
        <Alert key={k} type={i.level === 'error' ? 'error' : 'warning'} showIcon title={issueText(i, t, lang)} style={{ marginBottom: 8 }} />
      ))}
      <Form
        form={form}
        layout="vertical"
        size="small"
        initialValues={node}
        disabled={disabled}
        onValuesChange={(_, all) => onChange({ ...node, ...all, id: node.id, type: node.type } as JourneyNode)}
      >
        {body()}
      </Form>
    </div>
  );
}
