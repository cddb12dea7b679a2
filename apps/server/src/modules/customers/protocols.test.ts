import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { SmsSendError, TencentSmsClient, tc3Authorization } from '../../platform/sms/index.js';
import { WechatApiError, WechatOAuthClient } from './wechat-oauth/client.js';
import { newPhone } from './test-helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const sms = (over: Partial<ConstructorParameters<typeof TencentSmsClient>[0]> = {}) =>
  new TencentSmsClient({
    baseUrl: `${t.url}/sandbox/sms`,
    secretId: 'AKIDsandbox',
    secretKey: 'sandbox-secret-key',
    region: 'ap-guangzhou',
    smsSdkAppId: '1400000001',
    signName: '思域商城',
    templates: { verifyCode: '1000001' },
    ...over,
  });

describe('Tencent Cloud SMS protocol against the sandbox', () => {
  it('signs with TC3-HMAC-SHA256 and the sandbox checks the signature', async () => {
    const phone = newPhone();
    const ok = await sms().sendVerificationCode({ phone, code: '123456', ttlMinutes: 5 });
    expect(ok.fee).toBe(1);
    const inbox = await t.call('GET', `/sandbox/sms/messages?phone=%2B86${phone}`);
    expect(inbox.body.items[0]).toMatchObject({ phoneNumber: `+86${phone}`, templateId: '1000001', text: '【思域商城】您的验证码为123456,5分钟内有效。如非本人操作,请忽略。' });

    await expect(sms({ secretKey: 'not-the-key' }).sendVerificationCode({ phone, code: '1', ttlMinutes: 5 })).rejects.toMatchObject({ vendorCode: 'AuthFailure.SignatureFailure' });
    await expect(sms({ secretId: 'AKIDother' }).sendVerificationCode({ phone, code: '1', ttlMinutes: 5 })).rejects.toMatchObject({ vendorCode: 'AuthFailure.SecretIdNotFound' });
    await expect(sms({ now: () => new Date(Date.now() - 600_000) }).sendVerificationCode({ phone, code: '1', ttlMinutes: 5 })).rejects.toMatchObject({ vendorCode: 'AuthFailure.SignatureExpire' });
    await expect(sms({ templates: { verifyCode: '999' } }).sendVerificationCode({ phone, code: '1', ttlMinutes: 5 })).rejects.toBeInstanceOf(SmsSendError);
    const bad = await sms().sendSms({ phoneNumbers: ['+8612'], templateId: '1000001', templateParams: ['1', '5'] });
    expect(bad.statuses[0].Code).toBe('InvalidParameterValue.IncorrectPhoneNumber');
  });

  it('rejects a body altered after signing, in Tencent error shape', async () => {
    const payload = JSON.stringify({ PhoneNumberSet: [`+86${newPhone()}`], SmsSdkAppId: '1400000001', SignName: 'x', TemplateId: '1000001', TemplateParamSet: ['1', '5'] });
    const timestamp = Math.floor(Date.now() / 1000);
    const host = new URL(t.url).host;
    const authorization = tc3Authorization({ secretId: 'AKIDsandbox', secretKey: 'sandbox-secret-key', service: 'sms', host, payload, timestamp });
    const headers = { authorization, 'content-type': 'application/json; charset=utf-8', 'x-tc-action': 'SendSms', 'x-tc-version': '2021-01-11', 'x-tc-timestamp': String(timestamp), 'x-tc-region': 'ap-guangzhou' };
    const good = await fetch(`${t.url}/sandbox/sms/`, { method: 'POST', headers, body: payload });
    expect(((await good.json()) as any).Response.SendStatusSet[0].Code).toBe('Ok');
    const tampered = await fetch(`${t.url}/sandbox/sms/`, { method: 'POST', headers, body: payload.replace('"x"', '"y"') });
    const body = (await tampered.json()) as any;
    expect(body.Response.Error.Code).toBe('AuthFailure.SignatureFailure');
    expect(typeof body.Response.RequestId).toBe('string');
  });
});

describe('WeChat web authorization protocol against the sandbox', () => {
  const client = () => new WechatOAuthClient({ authorizeBaseUrl: `${t.url}/sandbox/wechat`, apiBaseUrl: `${t.url}/sandbox/wechat` });
  const app = { appId: 'wxsandbox000000001', appSecret: 'sandbox-app-secret' };
  const code = async (scope: string, appid = app.appId, key = 'protocol-user') =>
    (await t.call('POST', '/sandbox/wechat/sandbox/authorize', { body: { appid, scope, user: { key, nickname: '协议' } } })).body.code as string;

  it('exchanges a code once, reads userinfo only with snsapi_userinfo, and keeps unionid across apps', async () => {
    const c = client();
    const full = await c.exchangeCode(app, await code('snsapi_userinfo'));
    expect(full).toMatchObject({ scope: 'snsapi_userinfo', expiresIn: 7200 });
    const info = await c.userInfo(full.accessToken, full.openid);
    expect(info).toMatchObject({ openid: full.openid, nickname: '协议', unionid: full.unionid, privilege: [] });
    expect(await c.checkToken(full.accessToken, full.openid)).toBe(true);
    expect(await c.checkToken('nope', full.openid)).toBe(false);

    const base = await c.exchangeCode(app, await code('snsapi_base'));
    await expect(c.userInfo(base.accessToken, base.openid)).rejects.toMatchObject({ errcode: 48001 });

    const other = await c.exchangeCode({ appId: 'wxsandbox000000002', appSecret: 'sandbox-app-secret-2' }, await code('snsapi_base', 'wxsandbox000000002'));
    expect(other.openid).not.toBe(full.openid);
    expect(other.unionid).toBe(full.unionid);
  });

  it('answers errors with errcode: wrong secret, unknown code, reused code', async () => {
    const c = client();
    const once = await code('snsapi_base');
    await expect(c.exchangeCode({ ...app, appSecret: 'wrong' }, once)).rejects.toMatchObject({ errcode: 40125 });
    await expect(c.exchangeCode(app, 'made-up')).rejects.toMatchObject({ errcode: 40029 });
    await c.exchangeCode(app, once);
    await expect(c.exchangeCode(app, once)).rejects.toBeInstanceOf(WechatApiError);
    const url = new URL(c.authorizeUrl({ appId: app.appId, redirectUri: 'https://s.example.com/cb', scope: 'snsapi_base', state: 's1' }));
    expect(url.pathname).toBe('/sandbox/wechat/connect/oauth2/authorize');
    const badScope = await fetch(`${t.url}/sandbox/wechat/connect/oauth2/authorize?appid=${app.appId}&redirect_uri=https%3A%2F%2Fs.example.com&response_type=code&scope=snsapi_login`);
    expect(await badScope.text()).toContain('10005');
  });
});
