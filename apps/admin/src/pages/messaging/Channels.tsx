import { useEffect, useState, type ReactNode } from 'react';
import { Alert, Button, Card, Form, Input, Radio, Space, Tag, Typography } from 'antd';
import { ApiOutlined, SyncOutlined, ThunderboltOutlined } from '@ant-design/icons';
import { MiniProgramBody, OfficialAccountBody, SmsAccountBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { asText, zodRule } from '../../lib/form';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import ChoiceRadios from './ChoiceRadios';
import MenuEditor from './MenuEditor';
import type { Channels as ChannelsData, MpAccount, SmsAccount, SmsCallbacks, TestResult } from './types';
import { useSaveAndTest, type SaveAndTest } from './useSaveAndTest';
import './messaging.css';

const trim = (v: unknown) => String(asText(v)).trim();
/** A blank secret keeps the stored one (the contract leaves it out on an update). */
const secret = (v: unknown) => (trim(v) === '' ? undefined : trim(v));
/** Whether the contract lets an update leave the AES key out (then a blank box keeps the stored key). */
const AES_KEY_OPTIONAL = OfficialAccountBody.shape.encodingAesKey.safeParse(undefined).success;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomText(n: number) {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => ALNUM[b % ALNUM.length]).join('');
}

/** 已验证 2026-12-04 10:00 / 最近一次错误 / 未验证: the state a channel card starts with. */
function VerifyState({ verifiedAt, lastError, testId }: { verifiedAt: string | null; lastError?: string | null; testId: string }) {
  const { t } = useI18n();
  if (lastError) return <Tag color="red" data-testid={testId} title={lastError}>{t('msg.ch.lastError')}</Tag>;
  if (verifiedAt) return <Tag color="green" data-testid={testId}>{t('msg.ch.verifiedAt', { time: fmtTime(verifiedAt) })}</Tag>;
  return <Tag data-testid={testId}>{t('msg.ch.unverified')}</Tag>;
}

/** The answer of 测试连接, kept under the form until the next test or save. */
function TestAlert({ result, testId }: { result: TestResult | null; testId: string }) {
  const { t } = useI18n();
  if (!result) return null;
  const extra = [result.templates !== undefined ? t('msg.ch.testTemplates', { n: result.templates }) : '', result.followers !== undefined ? t('msg.ch.testFollowers', { n: result.followers }) : ''].filter(Boolean).join(t('common.listSep'));
  return result.ok ? (
    <Alert type="success" showIcon title={t('msg.ch.testOk')} description={extra || undefined} style={{ marginBottom: 16 }} data-testid={testId} data-ok="true" />
  ) : (
    <Alert type="error" showIcon title={t('msg.ch.testFailed')} description={result.error} style={{ marginBottom: 16 }} data-testid={testId} data-ok="false" />
  );
}

/** 保存 (with the right to write) and 测试连接 (once the account is saved), then any extra buttons of the card. */
function SaveTestButtons({ kind, writable, hasAccount, actions, children }: { kind: 'oa' | 'mini' | 'sms'; writable: boolean; hasAccount: boolean; actions: SaveAndTest; children?: ReactNode }) {
  const { t } = useI18n();
  return (
    <Space wrap>
      {writable && (
        <Button type="primary" loading={actions.saving} onClick={actions.save} data-testid={`${kind}-save`}>
          {t('common.save')}
        </Button>
      )}
      <Button icon={<ApiOutlined />} loading={actions.testing} disabled={!hasAccount} onClick={actions.test} data-testid={`${kind}-test`}>
        {t('msg.ch.test')}
      </Button>
      {children}
    </Space>
  );
}

/** 名称 / AppID / AppSecret of an official account or mini-program (data-testid `{kind}-name`, `-app-id`, `-app-secret`). */
function MpAppFields({ kind, shape, account, nameLabel, appIdExtra }: { kind: 'oa' | 'mini'; shape: Pick<typeof MiniProgramBody.shape, 'name' | 'appId' | 'appSecret'>; account: MpAccount | null; nameLabel: string; appIdExtra?: string }) {
  const { t } = useI18n();
  return (
    <>
      <Form.Item name="name" label={nameLabel} rules={[zodRule(shape.name, trim)]}>
        <Input maxLength={40} data-testid={`${kind}-name`} />
      </Form.Item>
      <Form.Item name="appId" label="AppID" extra={appIdExtra} rules={[zodRule(shape.appId, trim)]}>
        <Input maxLength={18} style={{ maxWidth: 260 }} spellCheck={false} data-testid={`${kind}-app-id`} />
      </Form.Item>
      <Form.Item
        name="appSecret"
        label="AppSecret"
        extra={account?.appSecret ? t('msg.ch.secretKept', { masked: account.appSecret }) : t('msg.ch.secretHint')}
        rules={[zodRule(shape.appSecret, secret), ...(account ? [] : [{ required: true, message: t('common.required') }])]}
      >
        <Input.Password maxLength={64} autoComplete="new-password" placeholder={account?.appSecret ?? ''} data-testid={`${kind}-app-secret`} />
      </Form.Item>
    </>
  );
}

interface OaValues {
  name: string;
  appId: string;
  appSecret: string;
  token: string;
  encodingAesKey: string;
}

function OfficialAccountCard({ account, writable, onSaved }: { account: MpAccount | null; writable: boolean; onSaved: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<OaValues>();
  const [syncing, setSyncing] = useState(false);
  const aesOptional = AES_KEY_OPTIONAL && !!account;

  useEffect(() => {
    form.setFieldsValue({ name: account?.name ?? '', appId: account?.appId ?? '', appSecret: '', token: account?.token ?? '', encodingAesKey: '' });
  }, [account, form]);

  const toBody = (v: OaValues) => ({
    name: trim(v.name),
    appId: trim(v.appId),
    appSecret: secret(v.appSecret),
    token: trim(v.token),
    encodingAesKey: aesOptional ? secret(v.encodingAesKey) : trim(v.encodingAesKey),
  });

  const actions = useSaveAndTest({ form, channel: 'oa', schema: OfficialAccountBody, toBody, secretField: 'appSecret', isNew: !account, onSaved });

  const sync = async () => {
    setSyncing(true);
    try {
      const r = await api.post<{ synced: number; linked: number; unfollowed?: number }>('/messaging/channels/oa/sync-followers');
      feedback.message.success(t('msg.ch.synced', { n: r.synced, linked: r.linked, gone: r.unfollowed ?? 0 }));
    } catch (err) {
      showError(err);
    } finally {
      setSyncing(false);
    }
  };

  return (
    <Card
      title={t('msg.ch.oa')}
      variant="borderless"
      extra={account && <VerifyState verifiedAt={account.verifiedAt} lastError={account.lastError} testId="oa-state" />}
      data-testid="channel-oa"
    >
      <p className="muted msg-note">{t('msg.ch.oaIntro')}</p>
      <div className="msg-callback">
        <div className="stat-label">{t('msg.ch.callbackUrl')}</div>
        {account?.callbackUrl ? (
          <Typography.Text code copyable={{ text: account.callbackUrl, tooltips: [t('common.copy'), t('common.copied')] }} data-testid="oa-callback-url">
            {account.callbackUrl}
          </Typography.Text>
        ) : (
          <span className="muted" data-testid="oa-callback-url-pending">{t('msg.ch.callbackAfterSave')}</span>
        )}
        <div className="muted" style={{ fontSize: 12, marginTop: 4 }}>{t('msg.ch.callbackHint')}</div>
      </div>
      {account?.lastError && <Alert type="error" showIcon title={t('msg.ch.lastError')} description={account.lastError} style={{ marginBottom: 16 }} />}
      <TestAlert result={actions.result} testId="oa-test-result" />
      <Form<OaValues> form={form} layout="vertical" name="channelOa" disabled={!writable} requiredMark={false}>
        <MpAppFields kind="oa" shape={OfficialAccountBody.shape} account={account} nameLabel={t('msg.ch.oaName')} appIdExtra={t('msg.ch.appIdHint')} />
        <Form.Item label={t('msg.ch.token')} extra={t('msg.ch.tokenHint')} required>
          <Space.Compact style={{ width: '100%' }}>
            <Form.Item name="token" noStyle rules={[zodRule(OfficialAccountBody.shape.token, trim)]}>
              <Input maxLength={32} spellCheck={false} aria-label={t('msg.ch.token')} data-testid="oa-token" />
            </Form.Item>
            <Button onClick={() => form.setFieldsValue({ token: randomText(32) })} data-testid="oa-token-generate">
              {t('msg.ch.generate')}
            </Button>
          </Space.Compact>
        </Form.Item>
        <Form.Item label="EncodingAESKey" extra={account?.encodingAesKey ? t(aesOptional ? 'msg.ch.aesKept' : 'msg.ch.aesRetype', { masked: account.encodingAesKey }) : t('msg.ch.aesHint')} required>
          <Space.Compact style={{ width: '100%' }}>
            <Form.Item name="encodingAesKey" noStyle rules={[zodRule(OfficialAccountBody.shape.encodingAesKey, aesOptional ? secret : trim)]}>
              <Input maxLength={43} spellCheck={false} placeholder={account?.encodingAesKey ?? ''} aria-label="EncodingAESKey" data-testid="oa-aes-key" />
            </Form.Item>
            <Button onClick={() => form.setFieldsValue({ encodingAesKey: randomText(43) })} data-testid="oa-aes-generate">
              {t('msg.ch.generate')}
            </Button>
          </Space.Compact>
        </Form.Item>
      </Form>
      <SaveTestButtons kind="oa" writable={writable} hasAccount={!!account} actions={actions}>
        {writable && (
          <Button icon={<SyncOutlined />} loading={syncing} disabled={!account} onClick={sync} data-testid="oa-sync-followers">
            {t('msg.ch.syncFollowers')}
          </Button>
        )}
      </SaveTestButtons>
    </Card>
  );
}

interface MiniValues {
  name: string;
  appId: string;
  appSecret: string;
  state: 'developer' | 'trial' | 'formal';
}

function MiniProgramCard({ account, writable, onSaved }: { account: MpAccount | null; writable: boolean; onSaved: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<MiniValues>();
  const actions = useSaveAndTest({
    form,
    channel: 'mini',
    schema: MiniProgramBody,
    toBody: (v: MiniValues) => ({ name: trim(v.name), appId: trim(v.appId), appSecret: secret(v.appSecret), state: v.state }),
    secretField: 'appSecret',
    isNew: !account,
    onSaved,
  });

  useEffect(() => {
    const state = account?.state === 'developer' || account?.state === 'trial' ? account.state : 'formal';
    form.setFieldsValue({ name: account?.name ?? '', appId: account?.appId ?? '', appSecret: '', state });
  }, [account, form]);

  return (
    <Card title={t('msg.ch.mini')} variant="borderless" extra={account && <VerifyState verifiedAt={account.verifiedAt} lastError={account.lastError} testId="mini-state" />} data-testid="channel-mini">
      <p className="muted msg-note">{t('msg.ch.miniIntro')}</p>
      <TestAlert result={actions.result} testId="mini-test-result" />
      <Form<MiniValues> form={form} layout="vertical" name="channelMini" disabled={!writable} requiredMark={false}>
        <MpAppFields kind="mini" shape={MiniProgramBody.shape} account={account} nameLabel={t('msg.ch.miniName')} />
        <Form.Item name="state" label={t('msg.ch.miniState')} extra={t('msg.ch.miniStateHint')}>
          <Radio.Group data-testid="mini-state-radio">
            <Radio value="formal">{t('msg.ch.miniState.formal')}</Radio>
            <Radio value="trial">{t('msg.ch.miniState.trial')}</Radio>
            <Radio value="developer">{t('msg.ch.miniState.developer')}</Radio>
          </Radio.Group>
        </Form.Item>
      </Form>
      <SaveTestButtons kind="mini" writable={writable} hasAccount={!!account} actions={actions} />
    </Card>
  );
}

interface SmsValues {
  vendor: 'tencent' | 'aliyun';
  accessKeyId: string;
  accessKeySecret: string;
  sdkAppId: string;
  signName: string;
  region: string;
}

const DEFAULT_REGION = { tencent: 'ap-guangzhou', aliyun: 'cn-hangzhou' } as const;

function SmsCard({ account, callbacks, writable, onSaved }: { account: SmsAccount | null; callbacks?: SmsCallbacks; writable: boolean; onSaved: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<SmsValues>();
  const actions = useSaveAndTest({
    form,
    channel: 'sms',
    schema: SmsAccountBody,
    toBody: (v: SmsValues) => ({
      vendor: v.vendor,
      accessKeyId: trim(v.accessKeyId),
      accessKeySecret: secret(v.accessKeySecret),
      sdkAppId: v.vendor === 'tencent' ? trim(v.sdkAppId) || null : null,
      signName: trim(v.signName),
      region: trim(v.region) || DEFAULT_REGION[v.vendor],
    }),
    secretField: 'accessKeySecret',
    isNew: !account,
    onSaved,
  });
  const vendor = Form.useWatch('vendor', form) ?? account?.vendor ?? 'tencent';

  useEffect(() => {
    form.setFieldsValue({
      vendor: account?.vendor ?? 'tencent',
      accessKeyId: account?.accessKeyId ?? '',
      accessKeySecret: '',
      sdkAppId: account?.sdkAppId ?? '',
      signName: account?.signName ?? '',
      region: account?.region ?? DEFAULT_REGION.tencent,
    });
  }, [account, form]);

  return (
    <Card title={t('msg.ch.sms')} variant="borderless" extra={account && <VerifyState verifiedAt={account.verifiedAt} testId="sms-state" />} data-testid="channel-sms">
      <p className="muted msg-note">{t('msg.ch.smsIntro')}</p>
      {callbacks && (
        <div className="msg-callback" data-testid="sms-callbacks">
          {(vendor === 'tencent'
            ? [
                ['msg.ch.smsStatusUrl', callbacks.tencentStatusUrl],
                ['msg.ch.smsReplyUrl', callbacks.tencentReplyUrl],
              ]
            : [
                ['msg.ch.smsStatusUrl', callbacks.aliyunReportUrl],
                ['msg.ch.smsReplyUrl', callbacks.aliyunUpUrl],
              ]
          ).map(([label, url]) => (
            <div key={label} style={{ marginBottom: 4 }}>
              <div className="stat-label">{t(label as 'msg.ch.smsStatusUrl')}</div>
              <Typography.Text code copyable={{ text: url, tooltips: [t('common.copy'), t('common.copied')] }}>
                {url}
              </Typography.Text>
            </div>
          ))}
          <div className="muted" style={{ fontSize: 12 }}>{t('msg.ch.smsCallbackHint')}</div>
        </div>
      )}
      <TestAlert result={actions.result} testId="sms-test-result" />
      <Form<SmsValues>
        form={form}
        layout="vertical"
        name="channelSms"
        disabled={!writable}
        requiredMark={false}
        onValuesChange={(changed: Partial<SmsValues>) => {
          // A region typed for one vendor means nothing to the other: follow the vendor unless the merchant changed it.
          if (changed.vendor) {
            const region = trim(form.getFieldValue('region'));
            if (!region || region === DEFAULT_REGION.tencent || region === DEFAULT_REGION.aliyun) form.setFieldsValue({ region: DEFAULT_REGION[changed.vendor] });
          }
        }}
      >
        <Form.Item name="vendor" label={t('msg.ch.smsVendor')}>
          <ChoiceRadios
            testId="sms-vendor"
            choices={[
              { value: 'tencent', label: t('msg.ch.vendor.tencent') },
              { value: 'aliyun', label: t('msg.ch.vendor.aliyun') },
            ]}
          />
        </Form.Item>
        <Form.Item name="accessKeyId" label={vendor === 'tencent' ? 'SecretId' : 'AccessKey ID'} rules={[zodRule(SmsAccountBody.shape.accessKeyId, trim)]}>
          <Input maxLength={64} spellCheck={false} data-testid="sms-access-key-id" />
        </Form.Item>
        <Form.Item
          name="accessKeySecret"
          label={vendor === 'tencent' ? 'SecretKey' : 'AccessKey Secret'}
          extra={account?.accessKeySecret ? t('msg.ch.secretKept', { masked: account.accessKeySecret }) : t('msg.ch.secretHint')}
          rules={[zodRule(SmsAccountBody.shape.accessKeySecret, secret), ...(account ? [] : [{ required: true, message: t('common.required') }])]}
        >
          <Input.Password maxLength={128} autoComplete="new-password" placeholder={account?.accessKeySecret ?? ''} data-testid="sms-access-key-secret" />
        </Form.Item>
        {vendor === 'tencent' && (
          <Form.Item name="sdkAppId" label="SmsSdkAppId" extra={t('msg.ch.sdkAppIdHint')} rules={[zodRule(SmsAccountBody.shape.sdkAppId, (x) => trim(x) || null), { required: true, message: t('common.required') }]}>
            <Input maxLength={10} inputMode="numeric" style={{ maxWidth: 260 }} data-testid="sms-sdk-app-id" />
          </Form.Item>
        )}
        <Form.Item name="signName" label={t('msg.ch.signName')} extra={t('msg.ch.signNameHint')} rules={[zodRule(SmsAccountBody.shape.signName, trim)]}>
          <Input maxLength={12} style={{ maxWidth: 260 }} data-testid="sms-sign-name" />
        </Form.Item>
        <Form.Item name="region" label={t('msg.ch.region')} rules={[zodRule(SmsAccountBody.shape.region, trim)]}>
          <Input maxLength={32} style={{ maxWidth: 260 }} placeholder={DEFAULT_REGION[vendor]} data-testid="sms-region" />
        </Form.Item>
      </Form>
      <SaveTestButtons kind="sms" writable={writable} hasAccount={!!account} actions={actions} />
    </Card>
  );
}

/**
 * 渠道设置: the shop's own WeChat official account (server URL, token and AES key for its messages, a
 * connection test, follower sync and its menu), mini-program (subscribe messages) and SMS vendor account.
 */
export default function Channels() {
  const { t } = useI18n();
  const { can } = useAuth();
  const writable = can('messaging:write');
  const { data, error, reload } = useApi<ChannelsData>('/messaging/channels');

  if (error) return <LoadError error={error} onRetry={reload} />;

  return (
    <div>
      <div className="page-card">
        <h1 className="page-title">{t('nav.msgChannels')}</h1>
        <p className="muted msg-note" style={{ margin: 0 }}>
          <ThunderboltOutlined aria-hidden /> {t('msg.ch.intro')}
        </p>
        {!writable && <Alert type="info" showIcon title={t('msg.readOnly')} style={{ marginTop: 12 }} />}
      </div>
      {data && (
        <>
          <div className="msg-cards">
            <OfficialAccountCard account={data.oa} writable={writable} onSaved={reload} />
            <MiniProgramCard account={data.mini} writable={writable} onSaved={reload} />
            <SmsCard account={data.sms} callbacks={data.smsCallbacks} writable={writable} onSaved={reload} />
          </div>
          <MenuEditor account={data.oa} writable={writable} onSaved={reload} />
        </>
      )}
    </div>
  );
}
