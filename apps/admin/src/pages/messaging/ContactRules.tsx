import { useEffect, useState } from 'react';
import { Alert, Button, Card, Form, InputNumber, Space, Switch, TimePicker } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { ContactBudgetBody, DEFAULT_CONTACT_BUDGET, SMS_MARKETING_WINDOW, SMS_OPT_OUT_SUFFIX, TOPICS, isTransactional, type ContactBudget } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import { channelText, topicText } from './labels';
import './messaging.css';

type CapKey = keyof ContactBudget['daily'];
const ROWS: CapKey[] = ['total', 'mini_subscribe', 'oa_template', 'sms', 'wecom'];
type Caps = Record<CapKey, number | null>;

interface Values {
  daily: Caps;
  weekly: Caps;
  quietOn: boolean;
  quiet: [Dayjs, Dayjs] | null;
}

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const toTime = (minutes: number) => dayjs().startOf('day').add(minutes, 'minute');
const toMinutes = (d: Dayjs) => d.hour() * 60 + d.minute();
const caps = (c: Partial<Caps> | undefined): Caps => Object.fromEntries(ROWS.map((k) => [k, c?.[k] ?? null])) as Caps;

function fromBudget(b: ContactBudget): Values {
  const on = b.quietStart !== b.quietEnd;
  return { daily: caps(b.daily), weekly: caps(b.weekly), quietOn: on, quiet: on ? [toTime(b.quietStart), toTime(b.quietEnd)] : [toTime(21 * 60), toTime(9 * 60)] };
}

function toBody(v: Values) {
  const on = v.quietOn && v.quiet?.[0] && v.quiet?.[1];
  return {
    daily: caps(v.daily),
    weekly: caps(v.weekly),
    // Equal start and end: no quiet hours.
    quietStart: on ? toMinutes(v.quiet![0]) : 0,
    quietEnd: on ? toMinutes(v.quiet![1]) : 0,
  };
}

const capShape = ContactBudgetBody.shape.daily.shape.total;

/**
 * 触达规则: how often one customer may be contacted for marketing (per day and per week, in total and per
 * channel) and the quiet hours when nothing but transactional messages goes out.
 */
export default function ContactRules() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const writable = can('messaging:write');
  const [form] = Form.useForm<Values>();
  const { data, error, reload, setData } = useApi<ContactBudget>('/messaging/budget');
  const [saving, setSaving] = useState(false);
  const quietOn = Form.useWatch('quietOn', form);

  useEffect(() => {
    if (data) form.setFieldsValue(fromBudget(data));
  }, [data, form]);

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const body = validateBody(form, ContactBudgetBody, toBody(form.getFieldsValue(true) as Values), { quietStart: 'quiet', quietEnd: 'quiet' });
    if (!body) return;
    setSaving(true);
    try {
      setData(await api.put<ContactBudget>('/messaging/budget', body));
      feedback.message.success(t('common.saved'));
    } catch (err) {
      if (!applyApiError(form, err, { quietStart: 'quiet', quietEnd: 'quiet' })) showError(err);
    } finally {
      setSaving(false);
    }
  };

  if (error) return <LoadError error={error} onRetry={reload} />;

  const transactional = TOPICS.filter(isTransactional)
    .map((x) => topicText(x, lang))
    .join(t('common.listSep'));

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.msgRules')}</h1>
      <p className="muted msg-note">{t('msg.rules.intro', { topics: transactional })}</p>
      {!writable && <Alert type="info" showIcon title={t('msg.readOnly')} style={{ marginBottom: 12 }} />}
      <Form<Values> form={form} name="contactBudget" disabled={!writable} data-testid="budget-form">
        <Card title={t('msg.rules.caps')} variant="borderless" size="small" style={{ marginBottom: 16 }}>
          <p className="muted msg-note">{t('msg.rules.capsHint')}</p>
          <table className="msg-budget-table">
            <thead>
              <tr>
                <th scope="col">{t('msg.rules.channel')}</th>
                <th scope="col">{t('msg.rules.daily')}</th>
                <th scope="col">{t('msg.rules.weekly')}</th>
              </tr>
            </thead>
            <tbody>
              {ROWS.map((k) => {
                const name = k === 'total' ? t('msg.rules.total') : channelText(k, lang);
                return (
                  <tr key={k}>
                    <th scope="row" style={{ paddingTop: 10 }}>
                      {name}
                      {k === 'mini_subscribe' && <div className="muted" style={{ fontSize: 12, fontWeight: 400, maxWidth: 220 }}>{t('msg.rules.miniHint')}</div>}
                    </th>
                    {(['daily', 'weekly'] as const).map((period) => (
                      <td key={period}>
                        <Form.Item name={[period, k]} rules={[zodRule(capShape, (v) => (v === undefined ? null : v))]}>
                          <InputNumber
                            min={0}
                            max={100}
                            precision={0}
                            placeholder={t('msg.rules.unlimited')}
                            suffix={t('msg.rules.times')}
                            style={{ width: 160 }}
                            aria-label={`${name} ${t(period === 'daily' ? 'msg.rules.daily' : 'msg.rules.weekly')}`}
                            data-testid={`budget-${period}-${k}`}
                          />
                        </Form.Item>
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </Card>
        <Card title={t('msg.rules.quiet')} variant="borderless" size="small" style={{ marginBottom: 16 }}>
          <Space align="start" wrap size={24}>
            <Form.Item name="quietOn" valuePropName="checked" label={t('msg.rules.quietOn')}>
              <Switch data-testid="budget-quiet-on" />
            </Form.Item>
            {quietOn && (
              <>
                <Form.Item name="quiet" label={t('msg.rules.quietRange')} extra={t('msg.rules.quietHint')} rules={[{ required: true, message: t('common.required') }]}>
                  <TimePicker.RangePicker
                    id={{ start: 'contactBudget_quiet', end: 'contactBudget_quiet_end' }}
                    format="HH:mm"
                    order={false}
                    minuteStep={5}
                    allowClear={false}
                    placeholder={[t('msg.rules.quietStart'), t('msg.rules.quietEnd')]}
                    data-testid="budget-quiet"
                  />
                </Form.Item>
                {/* The item's label names the start box; the end box needs its own. */}
                <label htmlFor="contactBudget_quiet_end" className="sr-only">
                  {t('msg.rules.quietEnd')}
                </label>
              </>
            )}
          </Space>
        </Card>
      </Form>
      <Alert
        type="warning"
        showIcon
        title={t('msg.rules.smsTitle')}
        description={t('msg.rules.smsNote', { start: hhmm(SMS_MARKETING_WINDOW.start), end: hhmm(SMS_MARKETING_WINDOW.end), suffix: SMS_OPT_OUT_SUFFIX })}
        style={{ marginBottom: 16 }}
        data-testid="budget-sms-note"
      />
      {writable && (
        <Space>
          <Button type="primary" loading={saving} onClick={save} data-testid="budget-save">
            {t('common.save')}
          </Button>
          <Button onClick={() => form.setFieldsValue(fromBudget(DEFAULT_CONTACT_BUDGET))} data-testid="budget-defaults">
            {t('msg.rules.defaults')}
          </Button>
        </Space>
      )}
    </div>
  );
}
