import { createHmac, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { QuerySendDetailsRequest, SendSmsRequest } from '@alicloud/dysmsapi20170525';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALIYUN_SMS_SANDBOX, ALIYUN_SMS_SANDBOX_TEMPLATES, SMS_SANDBOX } from './index.js';
import { cstDay } from './phone.js';
import { eventually, newPhone, startSmsSandbox, type SmsTestSandbox } from './test-support.js';

/** Aliyun's official SDK (@alicloud/dysmsapi20170525 with an @alicloud/openapi-client Config), only its endpoint changed. */

let sb: SmsTestSandbox;
/** The last request that reached the Aliyun simulator, as sent (for the replay test). */
let lastAliyun: { method: string; url: string; headers: Record<string, string | string[] | undefined> } | null = null;

beforeAll(async () => {
  sb = await startSmsSandbox(undefined, (app) =>
    app.addHook('onRequest', async (req) => {
      if (req.url.startsWith('/sandbox/sms/aliyun')) lastAliyun = { method: req.method, url: req.url, headers: { ...req.headers } };
    }),
  );
});
afterAll(() => sb.app.close());
afterEach(async () => {
  await sb.sim('POST', '/__sim/reset');
});

const SIGN = '思域商城';
const code = (name: string) => ALIYUN_SMS_SANDBOX_TEMPLATES.find((t) => t.name === name)!.code;
const sendReq = (phones: string[], templateCode: string, param: Record<string, unknown> | string, extra: { sign?: string; outId?: string } = {}) =>
  new SendSmsRequest({
    phoneNumbers: phones.join(','),
    signName: extra.sign ?? SIGN,
    templateCode,
    templateParam: typeof param === 'string' ? param : JSON.stringify(param),
    outId: extra.outId,
  });
const inbox = async (phone: string) => (await sb.sim('GET', `/messages?phone=${phone}`)).body.items as Array<Record<string, any>>;

describe('Aliyun SMS sandbox with the official Node SDK', () => {
  it('accepts SendSms signed with ACS3-HMAC-SHA256 (the SDK default) at <sandbox>/sms/aliyun', async () => {
    const to = newPhone();
    const res = await sb.aliyun().sendSms(sendReq([to], ALIYUN_SMS_SANDBOX.verificationTemplateCode, { code: '864209', minutes: '5' }, { outId: 'order-1' }));
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ code: 'OK', message: 'OK', bizId: expect.stringMatching(/^\d+\^0$/), requestId: expect.any(String) });
    const [m] = await inbox(to);
    expect(m).toMatchObject({
      vendor: 'aliyun',
      templateId: 'SMS_900001',
      kind: 'notification',
      bizId: res.body!.bizId,
      outId: 'order-1',
      text: '【思域商城】您的验证码为864209,5分钟内有效。如非本人操作,请忽略。',
    });
    expect(lastAliyun!.headers.authorization).toMatch(/^ACS3-HMAC-SHA256 Credential=LTAIsandbox,/);
  });

  it('accepts the RPC signature v1 (HMAC-SHA1, signatureAlgorithm v2) as well', async () => {
    const to = newPhone();
    const res = await sb.aliyun({ rpcV1: true }).sendSms(sendReq([to], code('订单发货'), { order: 'SY20261204001', carrier: '顺丰', tracking: 'SF1234567890' }));
    expect(res.body).toMatchObject({ code: 'OK' });
    expect(lastAliyun!.url).toContain('SignatureMethod=HMAC-SHA1');
    expect((await inbox(to))[0].text).toBe('【思域商城】您的订单SY20261204001已发货,顺丰运单号SF1234567890,请注意查收。');
  });

  it('refuses a wrong secret, an unknown key and an unsigned call with Aliyun errors, and sends nothing', async () => {
    const to = newPhone();
    const req = () => sendReq([to], 'SMS_900001', { code: '123456', minutes: '5' });
    await expect(sb.aliyun({ secret: 'wrong' }).sendSms(req())).rejects.toMatchObject({ code: 'SignatureDoesNotMatch', statusCode: 400 });
    await expect(sb.aliyun({ secret: 'wrong', rpcV1: true }).sendSms(req())).rejects.toMatchObject({ code: 'SignatureDoesNotMatch', statusCode: 400 });
    await expect(sb.aliyun({ accessKeyId: 'LTAIunknown' }).sendSms(req())).rejects.toMatchObject({ code: 'InvalidAccessKeyId.NotFound', statusCode: 404 });
    const unsigned = await fetch(`${sb.origin}/sandbox/sms/aliyun/?Action=SendSms&Version=2017-05-25&PhoneNumbers=${to}`, { method: 'POST' });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ Code: 'IncompleteSignature', RequestId: expect.any(String) });
    expect(await inbox(to)).toEqual([]);
  });

  it('accepts an RPC v1 request signed by hand with its parameters in a form body (no SDK)', async () => {
    const to = newPhone();
    const pct = (x: string) => encodeURIComponent(x).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const params: Record<string, string> = {
      AccessKeyId: ALIYUN_SMS_SANDBOX.accessKeyId,
      Action: 'SendSms',
      Format: 'JSON',
      PhoneNumbers: to,
      RegionId: 'cn-hangzhou',
      SignName: SIGN,
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: randomUUID(),
      SignatureVersion: '1.0',
      TemplateCode: 'SMS_900008',
      TemplateParam: JSON.stringify({ coupon: '满100减20券', date: '12月31日' }),
      Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      Version: '2017-05-25',
    };
    const sign = (secret: string) => {
      const canonical = Object.keys(params).sort().map((k) => `${pct(k)}=${pct(params[k])}`).join('&');
      return createHmac('sha1', `${secret}&`).update(`POST&${pct('/')}&${pct(canonical)}`).digest('base64');
    };
    const post = (signature: string) =>
      fetch(`${sb.origin}/sandbox/sms/aliyun/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...params, Signature: signature }).toString(),
      });
    const bad = await post(sign('not-the-secret'));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ Code: 'SignatureDoesNotMatch' });
    const good = await post(sign(ALIYUN_SMS_SANDBOX.accessKeySecret));
    expect(good.status).toBe(200);
    expect(await good.json()).toMatchObject({ Code: 'OK', BizId: expect.any(String) });
    expect((await inbox(to))[0].text).toBe('【思域商城】您的满100减20券将于12月31日过期,请尽快使用。');
  });

  it('refuses a replayed request (same signature nonce)', async () => {
    await sb.aliyun().sendSms(sendReq([newPhone()], 'SMS_900001', { code: '123456', minutes: '5' }));
    const captured = lastAliyun!;
    const replay = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const r = httpRequest(`${sb.origin}${captured.url}`, { method: captured.method, headers: captured.headers as Record<string, string> }, (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data) }));
      });
      r.on('error', reject);
      r.end();
    });
    expect(replay).toMatchObject({ status: 400, body: { Code: 'SignatureNonceUsed' } });
  });

  it('validates numbers, sign, template and named params (isv.* codes in a 200 answer)', async () => {
    const client = sb.aliyun();
    const ok = { code: '123456', minutes: '5' };
    expect((await client.sendSms(sendReq(['1234'], 'SMS_900001', ok))).body).toMatchObject({ code: 'isv.MOBILE_NUMBER_ILLEGAL', requestId: expect.any(String) });
    expect((await client.sendSms(sendReq([newPhone()], 'SMS_123', ok))).body).toMatchObject({ code: 'isv.SMS_TEMPLATE_ILLEGAL' });
    expect((await client.sendSms(sendReq([newPhone()], 'SMS_900001', { code: '123456' }))).body).toMatchObject({ code: 'isv.TEMPLATE_MISSING_PARAMETERS' });
    expect((await client.sendSms(sendReq([newPhone()], 'SMS_900001', '{not json'))).body).toMatchObject({ code: 'isv.INVALID_JSON_PARAM' });
    expect((await client.sendSms(sendReq([newPhone()], 'SMS_900002', { order: 'x'.repeat(36), carrier: '顺丰', tracking: '1' }))).body).toMatchObject({ code: 'isv.PARAM_LENGTH_LIMIT' });
    expect((await client.sendSms(sendReq(Array.from({ length: 1001 }, () => newPhone()), 'SMS_900001', ok))).body).toMatchObject({ code: 'isv.MOBILE_COUNT_OVER_LIMIT' });
    await sb.sim('POST', '/__sim/settings', { approvedSigns: [SIGN] });
    expect((await client.sendSms(sendReq([newPhone()], 'SMS_900001', ok, { sign: '陌生签名' }))).body).toMatchObject({ code: 'isv.SMS_SIGNATURE_ILLEGAL' });
    expect((await client.sendSms(sendReq([newPhone()], 'SMS_900001', ok))).body).toMatchObject({ code: 'OK' });
  });

  it('refuses marketing to a number that replied TD (isv.BLACK_KEY_CONTROL_LIMIT); a group send reports it in the receipt', async () => {
    const to = newPhone();
    const promo = code('活动通知');
    const param = { activity: '年终盛典', link: 'https://s.example.com/a' };
    expect((await sb.aliyun().sendSms(sendReq([to], promo, param))).body!.code).toBe('OK');
    expect((await sb.sim('POST', '/__sim/reply', { phone: to, text: 'td', vendor: 'aliyun' })).body).toMatchObject({ optOut: true, signName: SIGN, vendor: 'aliyun' });
    expect((await sb.aliyun().sendSms(sendReq([to], promo, param))).body).toMatchObject({ code: 'isv.BLACK_KEY_CONTROL_LIMIT' });
    expect((await sb.aliyun().sendSms(sendReq([to], code('积分到期'), { points: '500', date: '12月31日' }))).body!.code).toBe('OK');
    // The opt-out is per vendor account: Tencent never heard it.
    const tencent = await sb.tencent().SendSms({
      PhoneNumberSet: [`+86${to}`],
      SmsSdkAppId: SMS_SANDBOX.smsSdkAppId,
      SignName: SIGN,
      TemplateId: ALIYUN_SMS_SANDBOX_TEMPLATES.find((t) => t.code === promo)!.tencentId,
      TemplateParamSet: [param.activity, param.link],
    });
    expect(tencent.SendStatusSet![0].Code).toBe('Ok');
    const other = newPhone();
    const group = await sb.aliyun().sendSms(sendReq([to, other], promo, param));
    expect(group.body!.code).toBe('OK');
    const [refused] = await inbox(to);
    expect(refused).toMatchObject({ bizId: group.body!.bizId, status: 'failed', report: { success: false, code: 'isv.BLACK_KEY_CONTROL_LIMIT' } });
    expect((await inbox(other))[0]).toMatchObject({ bizId: group.body!.bizId, kind: 'marketing' });
  });

  it('enforces per-number flow control and the daily quota when set', async () => {
    await sb.sim('POST', '/__sim/settings', { thirtySecondLimit: 1 });
    const to = newPhone();
    const param = { code: '123456', minutes: '5' };
    expect((await sb.aliyun().sendSms(sendReq([to], 'SMS_900001', param))).body!.code).toBe('OK');
    expect((await sb.aliyun().sendSms(sendReq([to], 'SMS_900001', param))).body).toMatchObject({ code: 'isv.BUSINESS_LIMIT_CONTROL', message: expect.stringContaining('流控') });
    await sb.sim('POST', '/__sim/settings', { thirtySecondLimit: null, dailyQuota: 2 });
    expect((await sb.aliyun().sendSms(sendReq([newPhone()], 'SMS_900001', param))).body!.code).toBe('OK');
    expect((await sb.aliyun().sendSms(sendReq([newPhone(), newPhone()], 'SMS_900001', param))).body).toMatchObject({ code: 'isv.DAY_LIMIT_CONTROL' });
  });

  it('answers QuerySendDetails with SmsSendDetailDTOs: waiting, delivered, failed', async () => {
    const [ok, dead] = [newPhone(), newPhone()];
    await sb.sim('POST', `/__sim/numbers/${dead}/fail`, { reason: '停机', code: 'MK:0005' });
    await sb.sim('POST', '/__sim/settings', { receiptDelayMs: 1_000 });
    const sent = await sb.aliyun().sendSms(sendReq([ok, dead], 'SMS_900004', { activity: '整点秒杀', time: '20:00' }, { outId: 'fs-1' }));
    const bizId = sent.body!.bizId!;
    const query = (phone: string) =>
      sb.aliyun().querySendDetails(new QuerySendDetailsRequest({ phoneNumber: phone, sendDate: cstDay(Date.now()), pageSize: 10, currentPage: 1, bizId }));
    const waiting = await query(ok);
    expect(waiting.body!.smsSendDetailDTOs!.smsSendDetailDTO![0]).toMatchObject({ sendStatus: 1, phoneNum: ok });
    await eventually(async () => {
      const done = await query(ok);
      expect(done.body).toMatchObject({ code: 'OK', totalCount: '1' });
      expect(done.body!.smsSendDetailDTOs!.smsSendDetailDTO![0]).toMatchObject({
        sendStatus: 3,
        errCode: 'DELIVERED',
        templateCode: 'SMS_900004',
        outId: 'fs-1',
        phoneNum: ok,
        content: '【思域商城】您预约的秒杀“整点秒杀”将于20:00开始,数量有限,请准时参与。',
        sendDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
        receiveDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
      });
    });
    expect((await query(dead)).body!.smsSendDetailDTOs!.smsSendDetailDTO![0]).toMatchObject({ sendStatus: 2, errCode: 'MK:0005' });
    const none = await sb.aliyun().querySendDetails(new QuerySendDetailsRequest({ phoneNumber: ok, sendDate: '20200101', pageSize: 10, currentPage: 1 }));
    expect(none.body).toMatchObject({ code: 'OK', totalCount: '0' });
  });

  it('injects faults: isv error, HTTP 500, timeout', async () => {
    const to = newPhone();
    const param = { code: '123456', minutes: '5' };
    await sb.sim('POST', '/__sim/faults', { vendor: 'aliyun', action: 'SendSms', kind: 'error' });
    expect((await sb.aliyun().sendSms(sendReq([to], 'SMS_900001', param))).body).toMatchObject({ code: 'isv.BUSINESS_LIMIT_CONTROL' });
    await sb.sim('POST', '/__sim/faults', { vendor: 'aliyun', kind: 'error', code: 'Throttling.User', message: 'Request was denied due to user flow control.' });
    await expect(sb.aliyun().sendSms(sendReq([to], 'SMS_900001', param))).rejects.toMatchObject({ code: 'Throttling.User', statusCode: 400 });
    await sb.sim('POST', '/__sim/faults', { vendor: 'aliyun', kind: 'http500' });
    await expect(sb.aliyun().sendSms(sendReq([to], 'SMS_900001', param))).rejects.toMatchObject({ code: 'InternalError', statusCode: 500 });
    await sb.sim('POST', '/__sim/settings', { timeoutFaultMs: 3_000 });
    await sb.sim('POST', '/__sim/faults', { vendor: 'aliyun', kind: 'timeout' });
    await expect(sb.aliyun({ readTimeout: 500 }).sendSms(sendReq([to], 'SMS_900001', param))).rejects.toBeDefined();
    // Tencent faults do not touch Aliyun.
    await sb.sim('POST', '/__sim/faults', { vendor: 'tencent', kind: 'error' });
    expect((await sb.aliyun().sendSms(sendReq([to], 'SMS_900001', param))).body!.code).toBe('OK');
    expect(await inbox(to)).toHaveLength(1);
  });
});
