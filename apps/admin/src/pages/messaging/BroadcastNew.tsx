import { useMemo, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Alert, Button, Card, Checkbox, Col, DatePicker, Empty, Form, Input, InputNumber, Row, Segmented, Select, Space, Statistic, Steps, Switch, Tag } from 'antd';
import { ArrowDownOutlined, ArrowUpOutlined, SendOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { BroadcastBody, SMS_PRICE_FEN, TOPIC_VARIABLES } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import type { CustomerGroup, CustomerTag } from '../customers/audience';
import { useAuth } from '../../lib/auth';
import { armTitle, defaultVariants, followBaseVars, splitCounts, variantLetter, variantsBody, type VariantValues } from './ab';
import ChoiceRadios from './ChoiceRadios';
import { channelText, chainText } from './labels';
import { TemplatePreview } from './Templates';
import { SEND_CHANNELS, type Broadcast, type BroadcastEstimate, type Channels, type MessageTemplate, type SendChannel } from './types';
import VariantsEditor from './VariantsEditor';
import './messaging.css';

interface ChainItem {
  channel: SendChannel;
  on: boolean;
  templateId?: string;
}

interface Values {
  name: string;
  audienceKind: 'all' | 'group' | 'tag';
  groupId?: string;
  tagId?: string;
  chain: ChainItem[];
  vars: Record<string, string>;
  abTest: boolean;
  variants: VariantValues[];
  link: string;
  holdoutPercent: number | null;
  attributionDays: number | null;
  when: 'now' | 'at';
  scheduledAt: Dayjs | null;
}

const shape = BroadcastBody.shape;
const trim = (v: unknown) => String(asText(v)).trim();
/** Filled in by the server for every recipient; the merchant does not type them. */
export const AUTO_VARS = ['shopName', 'link'];
const VAR_RE = /\{\{\s*([a-zA-Z][a-zA-Z0-9_]*)\s*\}\}/g;

const INITIAL: Values = {
  name: '',
  audienceKind: 'all',
  chain: SEND_CHANNELS.map((c) => ({ channel: c, on: c !== 'sms' })),
  vars: {},
  abTest: false,
  variants: [],
  link: '',
  holdoutPercent: 10,
  attributionDays: 7,
  when: 'now',
  scheduledAt: null,
};

/** The variables the chosen templates use, in the order they first appear. */
export function usedVariables(templates: MessageTemplate[]): string[] {
  const out: string[] = [];
  for (const tpl of templates)
    for (const text of [...tpl.fields.map((f) => f.value), tpl.link ?? ''])
      for (const m of text.matchAll(VAR_RE)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

function toBody(v: Values) {
  const on = (v.chain ?? []).filter((c) => c.on);
  const vars = Object.fromEntries(Object.entries(v.vars ?? {}).flatMap(([k, x]) => (trim(x) ? [[k, trim(x)]] : [])));
  return {
    name: trim(v.name),
    audience: v.audienceKind === 'group' ? { kind: 'group' as const, groupId: v.groupId ?? '' } : v.audienceKind === 'tag' ? { kind: 'tag' as const, tagId: v.tagId ?? '' } : { kind: 'all' as const },
    channels: on.map((c) => c.channel),
    templateIds: Object.fromEntries(on.map((c) => [c.channel, c.templateId ?? ''])),
    vars,
    link: trim(v.link) || null,
    holdoutPercent: v.holdoutPercent ?? Number.NaN,
    attributionDays: v.attributionDays ?? Number.NaN,
    scheduledAt: v.when === 'at' && v.scheduledAt ? v.scheduledAt.toISOString() : null,
    variants: v.abTest ? variantsBody(v.variants ?? [], v.vars ?? {}, on.map((c) => c.channel)) : [],
  };
}

/** The contract's paths → the wizard's fields, and the step each is on. */
function fieldMap(chain: ChainItem[]): Record<string, string> {
  const map: Record<string, string> = { 'audience.groupId': 'groupId', 'audience.tagId': 'tagId', audience: 'audienceKind', channels: 'chain', scheduledAt: 'scheduledAt' };
  chain.forEach((c, i) => (map[`templateIds.${c.channel}`] = `chain.${i}.templateId`));
  return map;
}
const STEP_OF: [RegExp, number][] = [
  [/^(name|audienceKind|groupId|tagId)/, 0],
  [/^(chain|vars|link|abTest|variants)/, 1],
  [/^(holdoutPercent|attributionDays|when|scheduledAt)/, 2],
];
const stepOf = (field: string) => STEP_OF.find(([re]) => re.test(field))?.[1] ?? 0;

/**
 * 新建群发: who (everyone, a group, a tag), how (a chain of channels, each with a promotion template, tried
 * in order), the holdout that measures the effect, when, and then what it will reach and cost.
 */
export default function BroadcastNew() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const [step, setStep] = useState(0);
  const [busy, setBusy] = useState(false);
  const [draft, setDraft] = useState<{ key: string; broadcast: Broadcast; estimate: BroadcastEstimate } | null>(null);
  const templates = useApi<{ items: MessageTemplate[] }>('/messaging/templates');
  const channels = useApi<Channels>('/messaging/channels');
  const groups = useApi<{ items: CustomerGroup[] }>(can('customers:read') ? '/groups' : null);
  const tags = useApi<{ items: CustomerTag[] }>(can('customers:read') ? '/tags' : null);

  const audienceKind = Form.useWatch('audienceKind', form) ?? 'all';
  // `preserve`: the chain's `channel` has no field of its own, and a plain watch sees only fields.
  const chain = (Form.useWatch('chain', { form, preserve: true }) ?? INITIAL.chain) as ChainItem[];
  const varValues = (Form.useWatch('vars', form) ?? {}) as Record<string, string>;
  const link = Form.useWatch('link', form) ?? '';
  const when = Form.useWatch('when', form) ?? 'now';
  const holdoutPercent = Form.useWatch('holdoutPercent', form);
  const abTest = Form.useWatch('abTest', form) ?? false;
  // `preserve`: a variant's `key` has no field of its own either.
  const variants = (Form.useWatch('variants', { form, preserve: true }) ?? []) as VariantValues[];
  const [previewKey, setPreviewKey] = useState('a');
  // The broadcast's values as they were before the last edit, so the arms that kept them can follow.
  const lastVars = useRef<Record<string, string>>({});

  const promotion = useMemo(() => (templates.data?.items ?? []).filter((x) => x.topic === 'promotion' && x.enabled), [templates.data]);
  const onChain = chain.filter((c) => c.on).map((c) => c.channel);
  const baseTemplates: Partial<Record<SendChannel, MessageTemplate>> = Object.fromEntries(
    chain.filter((c) => c.on).flatMap((c) => {
      const tpl = promotion.find((x) => x.id === c.templateId && x.channel === c.channel);
      return tpl ? [[c.channel, tpl]] : [];
    }),
  );
  const chosen = onChain.map((c) => baseTemplates[c]).filter((x): x is MessageTemplate => !!x);
  /** The templates an arm sends: its own where it picked one, else the broadcast's. */
  const templatesOf = (v: VariantValues | undefined) =>
    onChain.map((c) => (v?.templateIds?.[c] ? promotion.find((x) => x.id === v.templateIds[c] && x.channel === c) : baseTemplates[c])).filter((x): x is MessageTemplate => !!x);
  const variablesOf = (v: VariantValues) => usedVariables(templatesOf(v)).filter((k) => !AUTO_VARS.includes(k));
  const variables = usedVariables(chosen).filter((k) => !AUTO_VARS.includes(k));
  const linkUsed = [chosen, ...(abTest ? variants.map(templatesOf) : [])].some((list) => usedVariables(list).includes('link'));
  const examples = TOPIC_VARIABLES.promotion as Record<string, string>;
  const filled = (vars: Record<string, string | undefined> | undefined) => Object.fromEntries(Object.entries(vars ?? {}).filter(([, x]) => trim(x))) as Record<string, string>;
  const previewVariant = abTest ? (variants.find((v) => v.key === previewKey) ?? variants[0]) : undefined;
  const previewVars = { ...examples, ...filled(varValues), ...filled(previewVariant?.vars), link: trim(link) || examples.link! };
  const previewTemplates = previewVariant ? templatesOf(previewVariant) : chosen;

  const onValuesChange = (changed: Partial<Values>) => {
    // The whole store: the values antd passes leave out what has no field, such as a variant's key.
    const all = form.getFieldsValue(true) as Values;
    if (changed.abTest && !(all.variants ?? []).length) {
      form.setFieldValue('variants', defaultVariants(all.vars ?? {}, (letter) => t('msg.ab.defaultName', { letter })));
      setPreviewKey('a');
    }
    if (changed.vars) {
      const before = lastVars.current;
      lastVars.current = { ...(all.vars ?? {}) };
      const next = all.abTest ? followBaseVars(all.variants ?? [], before, all.vars ?? {}) : null;
      if (next) form.setFieldValue('variants', next);
    }
  };
  const connected: Record<SendChannel, boolean> = { mini_subscribe: !!channels.data?.mini, oa_template: !!channels.data?.oa, sms: !!channels.data?.sms };

  /** Validates the whole body and puts each issue on its field; goes back to the first step with one. */
  const validated = () => {
    const v = form.getFieldsValue(true) as Values;
    const map = fieldMap(v.chain ?? []);
    const body = validateBody(form, BroadcastBody, toBody(v), map);
    if (!body) {
      const first = form.getFieldsError().find((f) => f.errors.length);
      if (first) setStep(Math.min(step, stepOf(first.name.join('.'))));
      return null;
    }
    return body;
  };

  const STEP_FIELDS: (string | (string | number)[])[][] = [
    ['name', 'audienceKind', 'groupId', 'tagId'],
    [
      'chain',
      'link',
      ...chain.map((_, i) => ['chain', i, 'templateId']),
      ...variables.map((k) => ['vars', k]),
      ...(abTest ? variants.flatMap((v, i) => [['variants', i, 'name'], ['variants', i, 'weight'], ...onChain.map((c) => ['variants', i, 'templateIds', c]), ...variablesOf(v).map((k) => ['variants', i, 'vars', k])]) : []),
    ],
    ['holdoutPercent', 'attributionDays', 'when', 'scheduledAt'],
  ];

  const next = async () => {
    try {
      await form.validateFields(STEP_FIELDS[step] as never);
    } catch {
      return;
    }
    if (step === 1 && !chain.some((c) => c.on)) {
      feedback.message.error(t('msg.bc.chooseChannel'));
      return;
    }
    if (step < 2) {
      setStep(step + 1);
      return;
    }
    // Step 3 → 4: the draft is created (once per distinct body) and estimated.
    const body = validated();
    if (!body) return;
    const key = JSON.stringify(body);
    if (draft?.key === key) {
      setStep(3);
      return;
    }
    setBusy(true);
    try {
      const b = await api.post<Broadcast>('/messaging/broadcasts', body);
      const estimate = await api.post<BroadcastEstimate>(`/messaging/broadcasts/${b.id}/estimate`);
      setDraft({ key, broadcast: b, estimate });
      setStep(3);
    } catch (err) {
      const map = fieldMap((form.getFieldsValue(true) as Values).chain ?? []);
      if (applyApiError(form, err, map)) {
        const first = form.getFieldsError().find((f) => f.errors.length);
        if (first) setStep(stepOf(first.name.join('.')));
      }
      showError(err);
    } finally {
      setBusy(false);
    }
  };

  const confirm = async () => {
    if (!draft) return;
    setBusy(true);
    try {
      await api.post<Broadcast>(`/messaging/broadcasts/${draft.broadcast.id}/start`);
      feedback.message.success(draft.broadcast.scheduledAt ? t('msg.bc.scheduledOk') : t('msg.bc.startedOk'));
      navigate(`/messaging/broadcasts/${draft.broadcast.id}`);
    } catch (err) {
      showError(err);
    } finally {
      setBusy(false);
    }
  };

  const move = (i: number, d: -1 | 1) => {
    const list = [...chain];
    const j = i + d;
    if (j < 0 || j >= list.length) return;
    [list[i], list[j]] = [list[j]!, list[i]!];
    form.setFieldsValue({ chain: list });
  };

  const groupOptions = (groups.data?.items ?? []).map((g) => ({ value: g.id, label: t('msg.bc.groupOption', { name: g.name, n: g.count }) }));
  const tagOptions = (tags.data?.items ?? []).map((x) => ({ value: x.id, label: x.customers !== undefined ? t('msg.bc.groupOption', { name: x.name, n: x.customers }) : x.name }));
  const est = draft?.estimate;
  const drafted = draft?.broadcast.variants ?? [];
  const split = est ? splitCounts(est.toSend, drafted.map((v) => v.weight)) : [];

  return (
    <div className="page-card" data-testid="broadcast-wizard">
      <h1 className="page-title">{t('nav.msgBroadcastNew')}</h1>
      <Steps
        current={step}
        items={[{ title: t('msg.bc.step.audience') }, { title: t('msg.bc.step.content') }, { title: t('msg.bc.step.measure') }, { title: t('msg.bc.step.confirm') }]}
        data-testid="broadcast-steps"
      />
      <Form<Values> form={form} layout="vertical" name="broadcast" initialValues={INITIAL} requiredMark={false} className="msg-wizard-body" onValuesChange={onValuesChange}>
        {/* Step 1: who */}
        <div hidden={step !== 0} data-testid="broadcast-step-audience">
          <Form.Item name="name" label={t('msg.bc.name')} extra={t('msg.bc.nameHint')} rules={[zodRule(shape.name, trim)]}>
            <Input maxLength={60} style={{ maxWidth: 480 }} data-testid="broadcast-name" />
          </Form.Item>
          <Form.Item name="audienceKind" label={t('msg.bc.audience')}>
            <ChoiceRadios
              testId="broadcast-audience"
              choices={[
                { value: 'all', label: t('msg.bc.audience.all') },
                { value: 'group', label: t('msg.bc.audience.group'), disabled: !can('customers:read') },
                { value: 'tag', label: t('msg.bc.audience.tag'), disabled: !can('customers:read') },
              ]}
            />
          </Form.Item>
          {audienceKind === 'group' && (
            <Form.Item name="groupId" label={t('msg.bc.audience.group')} rules={[{ required: true, message: t('msg.bc.chooseGroup') }]}>
              <Select showSearch={{ optionFilterProp: 'label' }} options={groupOptions} loading={groups.loading} placeholder={t('msg.bc.chooseGroup')} style={{ maxWidth: 480 }} data-testid="broadcast-group" />
            </Form.Item>
          )}
          {audienceKind === 'tag' && (
            <Form.Item name="tagId" label={t('msg.bc.audience.tag')} rules={[{ required: true, message: t('msg.bc.chooseTag') }]}>
              <Select showSearch={{ optionFilterProp: 'label' }} options={tagOptions} loading={tags.loading} placeholder={t('msg.bc.chooseTag')} style={{ maxWidth: 480 }} data-testid="broadcast-tag" />
            </Form.Item>
          )}
          <Alert type="info" showIcon title={t('msg.bc.audienceHint')} style={{ maxWidth: 720 }} />
        </div>

        {/* Step 2: how and what */}
        <div hidden={step !== 1} data-testid="broadcast-step-content">
          <p className="muted msg-note">{t('msg.bc.chainHint')}</p>
          <Row gutter={24}>
            <Col xs={24} lg={14}>
              <Form.List name="chain">
                {(fields) => (
                  <div className="msg-chain" data-testid="broadcast-chain">
                    {fields.map((f, i) => {
                      const item = chain[i];
                      if (!item) return null;
                      const options = promotion.filter((x) => x.channel === item.channel).map((x) => ({ value: x.id, label: x.name }));
                      const order = chain.slice(0, i + 1).filter((c) => c.on).length;
                      return (
                        <div key={f.key} className={`msg-chain-item${item.on ? '' : ' off'}`} data-testid={`broadcast-chain-${item.channel}`}>
                          <div className="msg-chain-head">
                            {item.on ? <span className="msg-chain-no" aria-hidden>{order}</span> : null}
                            <Form.Item name={[f.name, 'on']} valuePropName="checked" noStyle>
                              <Checkbox data-testid={`broadcast-channel-${item.channel}`}>
                                <b>{channelText(item.channel, lang)}</b>
                              </Checkbox>
                            </Form.Item>
                            {channels.data && !connected[item.channel] && <Tag color="orange">{t('msg.bc.notConnected')}</Tag>}
                            <span style={{ flex: 1 }} />
                            <Button size="small" type="text" icon={<ArrowUpOutlined />} disabled={i === 0} aria-label={t('msg.bc.moveUp', { channel: channelText(item.channel, lang) })} onClick={() => move(i, -1)} />
                            <Button size="small" type="text" icon={<ArrowDownOutlined />} disabled={i === fields.length - 1} aria-label={t('msg.bc.moveDown', { channel: channelText(item.channel, lang) })} onClick={() => move(i, 1)} />
                          </div>
                          {item.on && (
                            <Form.Item
                              name={[f.name, 'templateId']}
                              label={t('msg.bc.template')}
                              rules={[{ required: true, message: t('msg.bc.chooseTemplate') }]}
                              extra={!options.length ? <span>{t('msg.bc.noTemplate')} <Link to="/messaging/templates">{t('nav.msgTemplates')}</Link></span> : item.channel === 'sms' ? t('msg.bc.smsHint') : undefined}
                              style={{ marginTop: 12, marginBottom: 0 }}
                            >
                              <Select options={options} loading={templates.loading} placeholder={t('msg.bc.chooseTemplate')} data-testid={`broadcast-template-${item.channel}`} />
                            </Form.Item>
                          )}
                        </div>
                      );
                    })}
                  </div>
                )}
              </Form.List>
              {variables.length > 0 && (
                <div style={{ marginTop: 16 }}>
                  <div className="stat-label" style={{ marginBottom: 8 }}>{t('msg.bc.vars')}</div>
                  {variables.map((k) => (
                    <Form.Item key={k} name={['vars', k]} label={`{{${k}}}`} rules={[{ required: true, whitespace: true, message: t('msg.bc.varRequired') }, { max: 200 }]}>
                      <Input maxLength={200} placeholder={examples[k] ?? ''} data-testid={`broadcast-var-${k}`} />
                    </Form.Item>
                  ))}
                </div>
              )}
              <Form.Item
                name="link"
                label={t('msg.bc.link')}
                extra={t('msg.bc.linkHint')}
                style={{ marginTop: 16 }}
                rules={[zodRule(shape.link, (x) => trim(x) || null), ...(linkUsed ? [{ required: true, whitespace: true, message: t('msg.bc.linkRequired') }] : [])]}
              >
                <Input maxLength={500} placeholder="/pages/activity/index?id=…" data-testid="broadcast-link" />
              </Form.Item>
              <div className="msg-ab-switch">
                <Form.Item name="abTest" valuePropName="checked" noStyle>
                  <Switch id="broadcast-ab" data-testid="broadcast-ab" />
                </Form.Item>
                <label htmlFor="broadcast-ab">
                  <b>{t('msg.ab.switch')}</b>
                </label>
              </div>
              <p className="muted msg-note">{t('msg.ab.switchHint')}</p>
              {abTest && <VariantsEditor variants={variants} onChain={onChain} promotion={promotion} baseTemplates={baseTemplates} variablesOf={variablesOf} examples={examples} />}
            </Col>
            <Col xs={24} lg={10}>
              <div className="stat-label" style={{ marginBottom: 8 }}>{t('msg.bc.preview')}</div>
              {abTest && variants.length > 0 && (
                <Segmented
                  aria-label={t('msg.ab.previewOf')}
                  value={previewVariant?.key}
                  onChange={(k) => setPreviewKey(String(k))}
                  options={variants.map((v) => ({ value: v.key, label: `${variantLetter(v.key)} · ${trim(v.name) || t('msg.ab.letter', { letter: variantLetter(v.key) })}` }))}
                  style={{ marginBottom: 12, maxWidth: '100%' }}
                  data-testid="broadcast-preview-variant"
                />
              )}
              {previewTemplates.length ? (
                <Space orientation="vertical" style={{ width: '100%' }} data-testid="broadcast-preview">
                  {chain
                    .filter((c) => c.on)
                    .map((c) => {
                      const tpl = previewTemplates.find((x) => x.channel === c.channel);
                      return tpl ? (
                        <div key={c.channel}>
                          <div className="muted" style={{ fontSize: 12, marginBottom: 4 }}>{channelText(c.channel, lang)} · {tpl.name}</div>
                          <TemplatePreview content={tpl.content} fields={tpl.fields} topic="promotion" vars={previewVars} channel={c.channel} testId={`broadcast-preview-${c.channel}`} />
                        </div>
                      ) : null;
                    })}
                </Space>
              ) : (
                <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('msg.bc.previewEmpty')} />
              )}
            </Col>
          </Row>
        </div>

        {/* Step 3: measure and schedule */}
        <div hidden={step !== 2} data-testid="broadcast-step-measure">
          <Form.Item name="holdoutPercent" label={t('msg.bc.holdout')} extra={t('msg.bc.holdoutHint', { n: holdoutPercent ?? 0 })} rules={[zodRule(shape.holdoutPercent, (v) => (v === null || v === undefined ? Number.NaN : v))]}>
            <InputNumber min={0} max={50} precision={0} suffix="%" style={{ width: 160 }} data-testid="broadcast-holdout" />
          </Form.Item>
          <Form.Item name="attributionDays" label={t('msg.bc.attributionDays')} extra={t('msg.bc.attributionHint')} rules={[zodRule(shape.attributionDays, (v) => (v === null || v === undefined ? Number.NaN : v))]}>
            <InputNumber min={1} max={30} precision={0} suffix={t('promo.daysUnit')} style={{ width: 160 }} data-testid="broadcast-attribution-days" />
          </Form.Item>
          <Form.Item name="when" label={t('msg.bc.when')}>
            <ChoiceRadios
              testId="broadcast-when"
              choices={[
                { value: 'now', label: t('msg.bc.now') },
                { value: 'at', label: t('msg.bc.at') },
              ]}
            />
          </Form.Item>
          {when === 'at' && (
            <Form.Item
              name="scheduledAt"
              label={t('msg.bc.scheduledAt')}
              extra={t('msg.bc.scheduledHint')}
              rules={[
                { required: true, message: t('common.required') },
                { validator: async (_r, v: Dayjs | null) => (v && v.isBefore(dayjs()) ? Promise.reject(new Error(t('msg.bc.inPast'))) : undefined) },
              ]}
            >
              <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" disabledDate={(d) => d.isBefore(dayjs(), 'day')} data-testid="broadcast-scheduled-at" />
            </Form.Item>
          )}
        </div>
      </Form>

      {/* Step 4: reach, cost, confirm */}
      {step === 3 && est && draft && (
        <div className="msg-wizard-body msg-estimate" data-testid="broadcast-estimate">
          <Alert type="info" showIcon title={t('msg.bc.estimateHint')} style={{ marginBottom: 16 }} />
          <Row gutter={[16, 16]}>
            {(
              [
                ['audience', est.audience],
                ['holdout', est.holdout],
                ['toSend', est.toSend],
                ['unreachable', est.unreachable],
              ] as const
            ).map(([k, v]) => (
              <Col key={k} xs={12} md={6}>
                <Card size="small">
                  <Statistic title={t(`msg.bc.est.${k}`)} value={v} data-testid={`estimate-${k}`} />
                </Card>
              </Col>
            ))}
          </Row>
          <Card size="small" title={t('msg.bc.est.reach')} style={{ marginTop: 16 }}>
            <Row gutter={[16, 16]}>
              {onChain.map((c, i) => (
                <Col key={c} xs={24} md={8}>
                  <Statistic title={`${i + 1}. ${channelText(c, lang)}`} value={est.reachable[c] ?? 0} suffix={t('msg.bc.people')} data-testid={`estimate-reach-${c}`} />
                </Col>
              ))}
            </Row>
            <p className="muted" style={{ fontSize: 12, margin: '12px 0 0' }}>{t('msg.bc.est.reachHint', { chain: chainText(onChain, lang) })}</p>
          </Card>
          {drafted.length > 0 && (
            <Card size="small" title={t('msg.ab.split')} style={{ marginTop: 16 }} data-testid="estimate-split">
              <Row gutter={[16, 16]}>
                <Col xs={12} md={6}>
                  <Statistic title={t('msg.ab.holdoutRow')} value={est.holdout} suffix={t('msg.bc.people')} data-testid="estimate-split-holdout" />
                </Col>
                {drafted.map((v, i) => (
                  <Col key={v.key} xs={12} md={6}>
                    <Statistic title={armTitle(t('msg.ab.letter', { letter: variantLetter(v.key) }), v.name)} value={split[i] ?? 0} suffix={t('msg.bc.people')} data-testid={`estimate-split-${v.key}`} />
                  </Col>
                ))}
              </Row>
              <p className="muted" style={{ fontSize: 12, margin: '12px 0 0' }}>{t('msg.ab.splitHint')}</p>
            </Card>
          )}
          {onChain.includes('sms') && (
            <Card size="small" title={t('msg.bc.est.sms')} style={{ marginTop: 16 }}>
              <Row gutter={16}>
                <Col xs={12} md={8}>
                  <Statistic title={t('msg.bc.est.smsCount')} value={est.smsCount} data-testid="estimate-sms-count" />
                </Col>
                <Col xs={12} md={8}>
                  <Statistic title={t('msg.bc.est.cost')} value={formatFen(est.costFen, true)} data-testid="estimate-cost" />
                </Col>
              </Row>
              <p className="muted" style={{ fontSize: 12, margin: '12px 0 0' }}>{t('msg.bc.est.costHint', { price: formatFen(SMS_PRICE_FEN) })}</p>
            </Card>
          )}
          {est.toSend <= 0 && <Alert type="error" showIcon style={{ marginTop: 16 }} title={t('msg.bc.nobody')} data-testid="broadcast-nobody" />}
          <Alert
            type={draft.broadcast.scheduledAt ? 'info' : 'warning'}
            showIcon
            style={{ marginTop: 16 }}
            title={draft.broadcast.scheduledAt ? t('msg.bc.confirmScheduled', { time: dayjs(draft.broadcast.scheduledAt).format('YYYY-MM-DD HH:mm'), n: est.toSend }) : t('msg.bc.confirmNow', { n: est.toSend })}
          />
        </div>
      )}

      <div className="msg-wizard-footer">
        {step > 0 && (
          <Button onClick={() => setStep(step - 1)} disabled={busy} data-testid="broadcast-prev">
            {t('msg.bc.prev')}
          </Button>
        )}
        {step < 3 ? (
          <Button type="primary" onClick={next} loading={busy} data-testid="broadcast-next">
            {step === 2 ? t('msg.bc.toEstimate') : t('msg.bc.next')}
          </Button>
        ) : (
          <Button type="primary" icon={<SendOutlined />} onClick={confirm} loading={busy} disabled={!est || est.toSend <= 0} data-testid="broadcast-confirm">
            {draft?.broadcast.scheduledAt ? t('msg.bc.confirmSchedule') : t('msg.bc.confirmSend')}
          </Button>
        )}
        <Button type="link" onClick={() => navigate('/messaging/broadcasts')} disabled={busy}>
          {t('common.cancel')}
        </Button>
        {step === 3 && draft && <span className="muted" style={{ alignSelf: 'center', fontSize: 12 }}>{t('msg.bc.draftSaved')}</span>}
      </div>
    </div>
  );
}
