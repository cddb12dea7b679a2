import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, Card, Descriptions, Form, Input, InputNumber, Progress, Space, Tag, Typography } from 'antd';
import { ApiOutlined, SyncOutlined } from '@ant-design/icons';
import { WecomSettingsBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import { syncPercent } from './helpers';
import type { SyncRun, WecomSettings, WecomTestResult } from './types';
import './wecom.css';

interface Values {
  corpId: string;
  contactSecret: string;
  agentId: number | null;
  agentSecret: string;
  callbackToken: string;
  encodingAesKey: string;
}

const shape = WecomSettingsBody.shape;
const trim = (v: unknown) => String(asText(v)).trim();
/** A blank secret keeps the stored one: the contract leaves it out on an update. */
const secret = (v: unknown) => (trim(v) === '' ? undefined : trim(v));

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomText(n: number) {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => ALNUM[b % ALNUM.length]).join('');
}

const POLL_MS = 1000;
/** The last sync run of the corp, so that reopening the page shows it (the server keeps no "latest"). */
const RUN_KEY = 'siyu.admin.wecom.syncRun';

function SyncCard({ corpRef, writable }: { corpRef: string | null; writable: boolean }) {
  const connected = !!corpRef;
  const runKey = `${RUN_KEY}.${corpRef}`;
  const { t } = useI18n();
  const [run, setRun] = useState<SyncRun | null>(null);
  const [starting, setStarting] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const poll = (id: string) => {
    if (timer.current) clearTimeout(timer.current);
    api
      .get<SyncRun>(`/wecom/sync-runs/${id}`)
      .then((r) => {
        setRun(r);
        if (r.status === 'queued' || r.status === 'running') timer.current = setTimeout(() => poll(id), POLL_MS);
      })
      .catch(() => sessionStorage.removeItem(runKey));
  };

  useEffect(() => {
    const last = corpRef ? sessionStorage.getItem(runKey) : null;
    if (last && connected) poll(last);
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, [corpRef]); // eslint-disable-line react-hooks/exhaustive-deps

  const start = async () => {
    setStarting(true);
    try {
      const r = await api.post<SyncRun>('/wecom/staff/sync');
      sessionStorage.setItem(runKey, r.id);
      setRun(r);
      poll(r.id);
    } catch (err) {
      showError(err);
    } finally {
      setStarting(false);
    }
  };

  const busy = run?.status === 'queued' || run?.status === 'running';
  const p = run?.progress ?? {};
  return (
    <Card title={t('wecom.sync.title')} variant="borderless" data-testid="wecom-sync-card">
      <p className="muted wecom-note">{t('wecom.sync.intro')}</p>
      {writable && (
        <Button type="primary" icon={<SyncOutlined spin={busy} />} loading={starting} disabled={!connected || busy} onClick={start} data-testid="wecom-sync">
          {busy ? t('wecom.sync.running') : t('wecom.sync.start')}
        </Button>
      )}
      {!connected && <div className="muted wecom-note" style={{ marginTop: 8 }}>{t('wecom.sync.connectFirst')}</div>}
      {run && (
        <div className="wecom-sync" data-testid="wecom-sync-run" data-status={run.status}>
          <Progress
            percent={syncPercent(run)}
            status={run.status === 'failed' ? 'exception' : run.status === 'done' ? 'success' : 'active'}
            aria-label={t('wecom.sync.progressLabel')}
            data-testid="wecom-sync-progress"
          />
          <div className="muted wecom-note">
            {run.status === 'queued' && t('wecom.sync.queued')}
            {run.status === 'running' && (p.relationStaffTotal ? t('wecom.sync.stepRelations', { done: p.relationStaffDone ?? 0, total: p.relationStaffTotal }) : p.staff !== undefined ? t('wecom.sync.stepTags') : t('wecom.sync.stepStaff'))}
            {run.status === 'done' && t('wecom.sync.doneAt', { time: fmtTime(run.finishedAt) })}
          </div>
          {run.status === 'failed' && <Alert type="error" showIcon title={t('wecom.sync.failed')} description={run.error} style={{ marginTop: 8 }} />}
          <Descriptions size="small" column={3} style={{ marginTop: 12 }} data-testid="wecom-sync-counts">
            <Descriptions.Item label={t('wecom.sync.departments')}>{p.departments ?? '-'}</Descriptions.Item>
            <Descriptions.Item label={t('wecom.sync.staff')}>{p.staff ?? '-'}</Descriptions.Item>
            <Descriptions.Item label={t('wecom.sync.left')}>{p.left ?? '-'}</Descriptions.Item>
            <Descriptions.Item label={t('wecom.sync.tags')}>{p.tags ?? '-'}</Descriptions.Item>
            <Descriptions.Item label={t('wecom.sync.relations')}>{p.relations ?? '-'}</Descriptions.Item>
          </Descriptions>
          {run.status === 'done' && <Link to="/wecom/staff" data-testid="wecom-sync-to-staff">{t('wecom.sync.seeStaff')}</Link>}
        </div>
      )}
    </Card>
  );
}

/**
 * 企微设置: the shop's WeCom corp (客户联系 secret, the self-built app that messages staff, the callback's
 * Token and EncodingAESKey), the callback URL to paste into WeCom's admin console, a connection test and
 * the sync of departments, staff, corp tags and customers.
 */
export default function Settings() {
  const { t } = useI18n();
  const { can } = useAuth();
  const writable = can('messaging:write');
  const { data: corp, error, loading, reload } = useApi<WecomSettings | null>('/wecom/settings');
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<WecomTestResult | null>(null);
  const agentId = Form.useWatch('agentId', form);

  useEffect(() => {
    if (loading) return;
    form.setFieldsValue({ corpId: corp?.corpId ?? '', contactSecret: '', agentId: corp?.agentId ?? null, agentSecret: '', callbackToken: corp?.callbackToken ?? '', encodingAesKey: '' });
  }, [corp, loading, form]);

  const toBody = (v: Values) => ({
    corpId: trim(v.corpId),
    contactSecret: secret(v.contactSecret),
    agentId: v.agentId ?? null,
    agentSecret: v.agentId === null || v.agentId === undefined ? undefined : secret(v.agentSecret),
    callbackToken: trim(v.callbackToken),
    encodingAesKey: secret(v.encodingAesKey),
  });

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const body = validateBody(form, WecomSettingsBody, toBody(form.getFieldsValue(true) as Values));
    if (!body) return;
    setSaving(true);
    try {
      await api.put('/wecom/settings', body);
      feedback.message.success(t('common.saved'));
      setResult(null);
      reload();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const test = async () => {
    setTesting(true);
    try {
      setResult(await api.post<WecomTestResult>('/wecom/settings/test'));
      reload();
    } catch (err) {
      showError(err);
    } finally {
      setTesting(false);
    }
  };

  if (error) return <LoadError error={error} onRetry={reload} />;
  const isNew = !corp;
  const required = isNew ? [{ required: true, message: t('common.required') }] : [];
  const secretLabel = { contact: t('wecom.set.contactSecret'), agent: t('wecom.set.agentSecret') };

  return (
    <div>
      <div className="page-card">
        <h1 className="page-title">{t('nav.wecomSettings')}</h1>
        <p className="muted wecom-note" style={{ margin: 0 }}>{t('wecom.set.intro')}</p>
        {!writable && <Alert type="info" showIcon title={t('wecom.readOnly')} style={{ marginTop: 12 }} />}
      </div>
      <div className="wecom-cards">
        <Card
          title={t('wecom.set.corp')}
          variant="borderless"
          data-testid="wecom-settings-card"
          extra={
            corp &&
            (corp.lastError ? (
              <Tag color="red" title={corp.lastError} data-testid="wecom-state">{t('wecom.set.lastError')}</Tag>
            ) : corp.verifiedAt ? (
              <Tag color="green" data-testid="wecom-state">{t('wecom.set.verifiedAt', { time: fmtTime(corp.verifiedAt) })}</Tag>
            ) : (
              <Tag data-testid="wecom-state">{t('wecom.set.unverified')}</Tag>
            ))
          }
        >
          <div className="wecom-callback">
            <div className="stat-label">{t('wecom.set.callbackUrl')}</div>
            {corp?.callbackUrl ? (
              <Typography.Text code copyable={{ text: corp.callbackUrl, tooltips: [t('common.copy'), t('common.copied')] }} data-testid="wecom-callback-url">
                {corp.callbackUrl}
              </Typography.Text>
            ) : (
              <span className="muted" data-testid="wecom-callback-url-pending">{t('wecom.set.callbackAfterSave')}</span>
            )}
            <div className="muted" style={{ fontSize: 12, marginTop: 4 }}>{t('wecom.set.callbackHint')}</div>
          </div>
          {corp?.lastError && !result && <Alert type="error" showIcon title={t('wecom.set.lastError')} description={corp.lastError} style={{ marginBottom: 16 }} />}
          {result && (
            <Alert
              type={result.ok ? 'success' : 'error'}
              showIcon
              title={result.ok ? t('wecom.set.testOk') : t('wecom.set.testFailed')}
              description={
                <ul className="wecom-test-list">
                  {result.results.map((r) => (
                    <li key={r.secret}>
                      {secretLabel[r.secret]}: {r.ok ? t('wecom.set.testSecretOk') : r.errcode === 40013 ? t('wecom.set.err40013') : r.errcode === 40001 ? t('wecom.set.err40001') : r.error}
                    </li>
                  ))}
                </ul>
              }
              style={{ marginBottom: 16 }}
              data-testid="wecom-test-result"
              data-ok={String(result.ok)}
            />
          )}
          <Form<Values> form={form} layout="vertical" name="wecomSettings" disabled={!writable} requiredMark={false}>
            <Form.Item name="corpId" label={t('wecom.set.corpId')} extra={t('wecom.set.corpIdHint')} rules={[zodRule(shape.corpId, trim)]}>
              <Input maxLength={32} style={{ maxWidth: 320 }} spellCheck={false} data-testid="wecom-corp-id" />
            </Form.Item>
            <Form.Item
              name="contactSecret"
              label={t('wecom.set.contactSecret')}
              extra={corp?.contactSecret ? t('wecom.set.secretKept', { masked: corp.contactSecret }) : t('wecom.set.contactSecretHint')}
              rules={[zodRule(shape.contactSecret, secret), ...required]}
            >
              <Input.Password maxLength={128} autoComplete="new-password" placeholder={corp?.contactSecret ?? ''} data-testid="wecom-contact-secret" />
            </Form.Item>
            <Form.Item name="agentId" label={t('wecom.set.agentId')} extra={t('wecom.set.agentIdHint')} rules={[zodRule(shape.agentId, (v) => (v === undefined || v === '' ? null : v))]}>
              <InputNumber min={1} precision={0} controls={false} style={{ width: 200 }} data-testid="wecom-agent-id" />
            </Form.Item>
            <Form.Item
              name="agentSecret"
              label={t('wecom.set.agentSecret')}
              extra={corp?.agentSecret ? t('wecom.set.secretKept', { masked: corp.agentSecret }) : undefined}
              rules={[zodRule(shape.agentSecret, secret), ...(agentId && !corp?.agentSecret ? [{ required: true, message: t('common.required') }] : [])]}
            >
              <Input.Password maxLength={128} autoComplete="new-password" disabled={!agentId} placeholder={corp?.agentSecret ?? ''} data-testid="wecom-agent-secret" />
            </Form.Item>
            <Form.Item label="Token" extra={t('wecom.set.tokenHint')} required>
              <Space.Compact style={{ width: '100%' }}>
                <Form.Item name="callbackToken" noStyle rules={[zodRule(shape.callbackToken, trim)]}>
                  <Input maxLength={32} spellCheck={false} aria-label="Token" data-testid="wecom-token" />
                </Form.Item>
                <Button onClick={() => form.setFieldsValue({ callbackToken: randomText(32) })} data-testid="wecom-token-generate">
                  {t('wecom.set.generate')}
                </Button>
              </Space.Compact>
            </Form.Item>
            <Form.Item label="EncodingAESKey" extra={corp?.encodingAesKey ? t('wecom.set.aesKept', { masked: corp.encodingAesKey }) : t('wecom.set.aesHint')} required>
              <Space.Compact style={{ width: '100%' }}>
                <Form.Item name="encodingAesKey" noStyle rules={[zodRule(shape.encodingAesKey, secret), ...required]}>
                  <Input maxLength={43} spellCheck={false} placeholder={corp?.encodingAesKey ?? ''} aria-label="EncodingAESKey" data-testid="wecom-aes-key" />
                </Form.Item>
                <Button onClick={() => form.setFieldsValue({ encodingAesKey: randomText(43) })} data-testid="wecom-aes-generate">
                  {t('wecom.set.generate')}
                </Button>
              </Space.Compact>
            </Form.Item>
          </Form>
          <Space wrap>
            {writable && (
              <Button type="primary" loading={saving} onClick={save} data-testid="wecom-save">
                {t('common.save')}
              </Button>
            )}
            <Button icon={<ApiOutlined />} loading={testing} disabled={!corp} onClick={test} data-testid="wecom-test">
              {t('wecom.set.test')}
            </Button>
          </Space>
        </Card>
        <SyncCard corpRef={corp?.id ?? null} writable={writable} />
      </div>
    </div>
  );
}
