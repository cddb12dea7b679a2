import { useEffect } from 'react';
import { Link } from 'react-router-dom';
import { Button, DatePicker, Divider, Form, Input, InputNumber, Radio, Select, Slider, Space, Switch } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { z } from 'zod';
import { JOURNEY_EVENTS, type JourneyTrigger } from '@siyu/contracts';
import { zodRule } from '../../lib/form';
import { useI18n } from '../../lib/i18n';
import type { GraphIssue, JourneyMeta } from './graph';
import { hidePick, issueText } from './Inspector';
import { eventText } from './labels';
import type { Lookups } from './lookups';

const DATE_PROPS = ['birthday', 'member_card_end', 'last_paid_at'] as const;
const KINDS = ['event', 'segment_entered', 'date_property', 'schedule'] as const;
const FILTER_OPS = ['eq', 'neq', 'contains', 'gt', 'lt', 'set', 'not_set'] as const;

export function defaultTrigger(kind: JourneyTrigger['kind']): JourneyTrigger {
  switch (kind) {
    case 'event':
      return { kind, event: 'cart.item_added', where: [] };
    case 'segment_entered':
      return { kind, groupId: '' };
    case 'date_property':
      return { kind, property: 'birthday', offsetDays: -3, hour: 10 };
    case 'schedule':
      return { kind, groupId: '', at: dayjs().add(1, 'day').hour(10).minute(0).second(0).millisecond(0).toISOString(), every: 'once' };
  }
}

interface Values {
  trigger: JourneyTrigger & { where?: { property: string; op: string; value?: string | number }[] };
  goalOn: boolean;
  goal: { event: string; withinDays: number } | null;
  reentry: { kind: 'never' | 'after_exit' | 'after_days'; days?: number };
  holdoutPercent: number;
  exitOnSegmentLeft: boolean;
}

const toValues = (m: JourneyMeta): Values => ({
  trigger: m.trigger,
  goalOn: !!m.goal,
  goal: m.goal ?? { event: 'order.paid', withinDays: 7 },
  reentry: m.reentry,
  holdoutPercent: m.holdoutPercent,
  exitOnSegmentLeft: m.exitOnSegmentLeft,
});

function toMeta(v: Values, name: string): JourneyMeta {
  let trigger = v.trigger;
  if (trigger.kind === 'event')
    trigger = {
      ...trigger,
      where: (trigger.where ?? []).filter(Boolean).map((w) => {
        const value = w.value === '' || w.value === undefined || ['set', 'not_set'].includes(w.op) ? undefined : ['gt', 'lt'].includes(w.op) && w.value !== undefined && !Number.isNaN(Number(w.value)) ? Number(w.value) : w.value;
        return { property: (w.property ?? '').trim(), op: w.op, ...(value !== undefined ? { value } : {}) } as never;
      }),
    };
  return {
    name,
    trigger,
    goal: v.goalOn && v.goal ? ({ event: v.goal.event, withinDays: v.goal.withinDays } as JourneyMeta['goal']) : null,
    reentry: (v.reentry.kind === 'after_days' ? { kind: 'after_days', days: v.reentry.days ?? Number.NaN } : { kind: v.reentry.kind }) as JourneyMeta['reentry'],
    holdoutPercent: v.holdoutPercent,
    exitOnSegmentLeft: v.trigger.kind === 'segment_entered' ? !!v.exitOnSegmentLeft : false,
  };
}

/** The journey's own settings: what starts it, what counts as converted, who may come back, and the holdout. */
export default function SettingsPanel({ meta, onChange, lookups, issues, disabled, live }: { meta: JourneyMeta; onChange: (m: JourneyMeta) => void; lookups: Lookups; issues: GraphIssue[]; disabled?: boolean; live?: boolean }) {
  const { t, lang } = useI18n();
  const [form] = Form.useForm<Values>();
  const kind = Form.useWatch(['trigger', 'kind'], form) ?? meta.trigger.kind;
  const goalOn = Form.useWatch('goalOn', form) ?? !!meta.goal;
  const reentry = Form.useWatch(['reentry', 'kind'], form) ?? meta.reentry.kind;
  const holdout = Form.useWatch('holdoutPercent', form) ?? meta.holdoutPercent;

  useEffect(() => {
    const fields = issues.filter((i) => i.path.length).map((i) => ({ name: i.path as (string | number)[], errors: [issueText(i, t, lang)] }));
    if (fields.length) form.setFields(fields as never);
  }, [issues, form, t, lang]);

  const groupOptions = lookups.groups.map((g) => ({ value: g.id, label: `${g.name}${g.kind === 'dynamic' ? ` · ${t('jr.trigger.dynamic')}` : ''}` }));
  const groupRule = [zodRule(z.uuid(), (v) => v ?? '')].map((r) => ({ ...r, message: t('jr.trigger.chooseGroup') }));
  const groupField = (
    <Form.Item
      name={['trigger', 'groupId']}
      getValueProps={hidePick}
      label={t('jr.trigger.group')}
      rules={[{ required: true, message: t('jr.trigger.chooseGroup') }, ...groupRule]}
      extra={!lookups.groups.length && !lookups.loading.groups ? <span>{t('jr.trigger.noGroup')} <Link to="/customers/groups">{t('nav.customerGroups')}</Link></span> : undefined}
    >
      <Select showSearch optionFilterProp="label" options={groupOptions} loading={lookups.loading.groups} data-testid="jr-trigger-group" />
    </Form.Item>
  );

  return (
    <div className="jr-inspector" data-testid="jr-settings">
      <Form
        form={form}
        layout="vertical"
        size="small"
        initialValues={toValues(meta)}
        disabled={disabled}
        onValuesChange={(changed: Partial<Values>, all: Values) => {
          if (changed.trigger?.kind && changed.trigger.kind !== meta.trigger.kind) {
            const next = defaultTrigger(changed.trigger.kind);
            form.setFieldsValue({ trigger: next as Values['trigger'] });
            all = { ...all, trigger: next };
          }
          onChange(toMeta(all, meta.name));
        }}
      >
        <h3 className="jr-section">{t('jr.trigger.title')}</h3>
        {live && <p className="muted jr-hint">{t('jr.trigger.liveHint')}</p>}
        <Form.Item name={['trigger', 'kind']} label={t('jr.trigger.kind')}>
          <Select options={KINDS.map((k) => ({ value: k, label: t(`jr.trigger.kind.${k}`) }))} data-testid="jr-trigger-kind" />
        </Form.Item>
        {kind === 'event' && (
          <>
            <Form.Item name={['trigger', 'event']} label={t('jr.field.event')}>
              <Select options={JOURNEY_EVENTS.map((e) => ({ value: e, label: eventText(e, lang) }))} data-testid="jr-trigger-event" />
            </Form.Item>
            <Form.List name={['trigger', 'where']}>
              {(fields, { add, remove }) => (
                <div style={{ marginBottom: 12 }}>
                  <div className="muted jr-hint">{t('jr.trigger.where')}</div>
                  {fields.map((f) => (
                    <Space key={f.key} align="baseline" size={4}>
                      <Form.Item name={[f.name, 'property']} rules={[{ required: true, message: t('common.required') }]} style={{ marginBottom: 6 }}>
                        <Input placeholder="category_id" style={{ width: 100 }} aria-label={t('jr.rule.property')} />
                      </Form.Item>
                      <Form.Item name={[f.name, 'op']} style={{ marginBottom: 6 }}>
                        <Select style={{ width: 84 }} options={FILTER_OPS.map((o) => ({ value: o, label: o }))} />
                      </Form.Item>
                      <Form.Item name={[f.name, 'value']} style={{ marginBottom: 6 }}>
                        <Input style={{ width: 90 }} aria-label={t('jr.rule.value')} />
                      </Form.Item>
                      <MinusCircleOutlined onClick={() => remove(f.name)} aria-label={t('common.delete')} />
                    </Space>
                  ))}
                  {fields.length < 5 && (
                    <Button size="small" type="dashed" icon={<PlusOutlined />} onClick={() => add({ property: '', op: 'eq', value: '' })}>
                      {t('jr.trigger.addWhere')}
                    </Button>
                  )}
                </div>
              )}
            </Form.List>
          </>
        )}
        {kind === 'segment_entered' && (
          <>
            {groupField}
            <Form.Item name="exitOnSegmentLeft" valuePropName="checked" label={t('jr.settings.exitOnLeft')}>
              <Switch />
            </Form.Item>
          </>
        )}
        {kind === 'date_property' && (
          <>
            <Form.Item name={['trigger', 'property']} label={t('jr.field.dateProperty')}>
              <Select options={DATE_PROPS.map((p) => ({ value: p, label: t(`jr.dateProp.${p}`) }))} />
            </Form.Item>
            <Space>
              <Form.Item name={['trigger', 'offsetDays']} label={t('jr.field.offsetDays')} extra={t('jr.field.offsetHint')}>
                <InputNumber min={-60} max={365} precision={0} />
              </Form.Item>
              <Form.Item name={['trigger', 'hour']} label={t('jr.field.hour')}>
                <InputNumber min={0} max={23} precision={0} />
              </Form.Item>
            </Space>
          </>
        )}
        {kind === 'schedule' && (
          <>
            {groupField}
            <Form.Item
              name={['trigger', 'at']}
              label={t('jr.trigger.at')}
              rules={[{ required: true, message: t('common.required') }]}
              getValueProps={(v: string | undefined) => ({ value: v ? dayjs(v) : null })}
              normalize={(d: dayjs.Dayjs | null) => (d ? d.toISOString() : '')}
            >
              <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" />
            </Form.Item>
            <Form.Item name={['trigger', 'every']} label={t('jr.trigger.every')}>
              <Radio.Group optionType="button" options={(['once', 'day', 'week', 'month'] as const).map((e) => ({ value: e, label: t(`jr.every.${e}`) }))} />
            </Form.Item>
          </>
        )}

        <Divider style={{ margin: '12px 0' }} />
        <h3 className="jr-section">{t('jr.settings.goal')}</h3>
        <Form.Item name="goalOn" valuePropName="checked" label={t('jr.settings.goalOn')} extra={t('jr.settings.goalHint')}>
          <Switch data-testid="jr-goal-on" />
        </Form.Item>
        {goalOn && (
          <Space align="start">
            <Form.Item name={['goal', 'event']} label={t('jr.field.event')}>
              <Select style={{ width: 150 }} options={JOURNEY_EVENTS.map((e) => ({ value: e, label: eventText(e, lang) }))} />
            </Form.Item>
            <Form.Item name={['goal', 'withinDays']} label={t('jr.settings.withinDays')} rules={[zodRule(z.number().int().min(1).max(90))]}>
              <InputNumber min={1} max={90} precision={0} addonAfter={t('jr.rule.days')} style={{ width: 120 }} />
            </Form.Item>
          </Space>
        )}

        <Divider style={{ margin: '12px 0' }} />
        <h3 className="jr-section">{t('jr.settings.reentry')}</h3>
        <Form.Item name={['reentry', 'kind']}>
          <Radio.Group options={(['never', 'after_exit', 'after_days'] as const).map((k) => ({ value: k, label: t(`jr.settings.reentry.${k}`) }))} />
        </Form.Item>
        {reentry === 'after_days' && (
          <Form.Item name={['reentry', 'days']} label={t('jr.settings.reentryDays')} rules={[zodRule(z.number().int().min(1).max(365))]}>
            <InputNumber min={1} max={365} precision={0} addonAfter={t('jr.rule.days')} />
          </Form.Item>
        )}

        <Divider style={{ margin: '12px 0' }} />
        <h3 className="jr-section">{t('jr.settings.holdout')}</h3>
        <Form.Item name="holdoutPercent" extra={t('jr.settings.holdoutHint', { n: holdout })}>
          <Slider ariaLabelForHandle={t('jr.settings.holdout')} min={0} max={50} marks={{ 0: '0%', 10: '10%', 25: '25%', 50: '50%' }} tooltip={{ formatter: (v) => `${v}%` }} />
        </Form.Item>
      </Form>
    </div>
  );
}
