import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SMS_SANDBOX, SMS_SANDBOX_TEMPLATES, ALIYUN_SMS_SANDBOX_TEMPLATES } from './index.js';
import { eventually, newPhone, sleep, startSmsSandbox, type SmsTestSandbox } from './test-support.js';

/** Tencent's official SDK, unchanged but for its endpoint, is the client here: integrators use exactly this. */

let sb: SmsTestSandbox;

beforeAll(async () => {
  sb = await startSmsSandbox();
});
afterAll(() => sb.app.close());
afterEach(async () => {
  await sb.sim('POST', '/__sim/reset');
});

const SIGN = '思域商城';
const send = (numbers: string[], templateId: string, params: string[], extra: { sign?: string; secretKey?: string; reqTimeout?: number } = {}) =>
  sb.tencent({ secretKey: extra.secretKey, reqTimeout: extra.reqTimeout }).SendSms({
    PhoneNumberSet: numbers.map((n) => `+86${n}`),
    SmsSdkAppId: SMS_SANDBOX.smsSdkAppId,
    SignName: extra.sign ?? SIGN,
    TemplateId: templateId,
    TemplateParamSet: params,
    SessionContext: 'ctx',
  });
const inbox = async (phone: string) => (await sb.sim('GET', `/messages?phone=${phone}`)).body.items as Array<Record<string, any>>;
const template = (name: string) => SMS_SANDBOX_TEMPLATES.find((t) => t.name === name)!;

describe('Tencent Cloud SMS sandbox with the official Node SDK', () => {
  it('accepts a SendSms signed by the SDK (mounted under /sandbox/sms) and puts the message in the inbox', async () => {
    const to = newPhone();
    const res = await send([to], SMS_SANDBOX.verificationTemplateId, ['246810', '5']);
    expect(res.RequestId).toEqual(expect.any(String));
    expect(res.SendStatusSet).toEqual([expect.objectContaining({ PhoneNumber: `+86${to}`, Code: 'Ok', Fee: 1, SessionContext: 'ctx', SerialNo: expect.any(String), IsoCode: 'CN' })]);

    const items = await inbox(to);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      serialNo: res.SendStatusSet![0].SerialNo,
      text: '【思域商城】您的验证码为246810,5分钟内有效。如非本人操作,请忽略。',
      vendor: 'tencent',
      templateId: '1000001',
      kind: 'notification',
      status: expect.stringMatching(/sending|delivered/),
    });
    await eventually(async () => expect((await inbox(to))[0].status).toBe('delivered'));
  });

  it('refuses the SDK signing with a wrong secret key, in Tencent error shape, and sends nothing', async () => {
    const to = newPhone();
    await expect(send([to], SMS_SANDBOX.verificationTemplateId, ['1', '5'], { secretKey: 'not-the-sandbox-key' })).rejects.toMatchObject({
      code: 'AuthFailure.SignatureFailure',
      requestId: expect.any(String),
    });
    expect(await inbox(to)).toEqual([]);
  });

  it('passes business errors through the SDK as Tencent does (unknown template, params)', async () => {
    await expect(send([newPhone()], '42', [])).rejects.toMatchObject({ code: 'FailedOperation.TemplateIncorrectOrUnapproved' });
    await expect(send([newPhone()], '1000002', ['A1'])).rejects.toMatchObject({ code: 'FailedOperation.TemplateParamSetNotMatchApprovedTemplate' });
    await expect(send([newPhone()], '1000001', ['12ab', '5'])).rejects.toMatchObject({ code: 'InvalidParameterValue.TemplateParameterFormatError' });
    await expect(send([newPhone()], '1000002', ['x'.repeat(36), '顺丰', 'SF1'])).rejects.toMatchObject({ code: 'InvalidParameterValue.TemplateParameterLengthLimit' });
    await expect(send([newPhone()], '1000001', ['123456', '5'], { sign: ' ' })).rejects.toMatchObject({ code: 'FailedOperation.SignatureIncorrectOrUnapproved' });
  });

  it('has the template table for both vendors: same texts, marketing ones end with 拒收请回复R', async () => {
    expect(SMS_SANDBOX_TEMPLATES.map((t) => t.id)).toEqual(Array.from({ length: 12 }, (_, i) => String(1000001 + i)));
    expect(ALIYUN_SMS_SANDBOX_TEMPLATES.map((t) => t.code)).toEqual(Array.from({ length: 12 }, (_, i) => `SMS_${900001 + i}`));
    const marketing = SMS_SANDBOX_TEMPLATES.filter((t) => t.kind === 'marketing');
    expect(marketing.length).toBeGreaterThanOrEqual(2);
    for (const t of marketing) expect(t.text.endsWith('拒收请回复R')).toBe(true);
    for (const t of SMS_SANDBOX_TEMPLATES) {
      const a = ALIYUN_SMS_SANDBOX_TEMPLATES.find((x) => x.code === t.aliyunCode)!;
      expect(a.params).toHaveLength(t.params);
      expect(t.text.replace(/\{(\d+)\}/g, (_m, i: string) => `\${${a.params[Number(i) - 1]}}`)).toBe(a.text);
    }
    // Every template sends with its params.
    for (const t of SMS_SANDBOX_TEMPLATES) {
      const params = t.paramTypes.map((type) => (type === 'code' ? '123456' : type === 'link' ? 'https://s.example.com/a/1' : '示例'));
      const res = await send([newPhone()], t.id, params);
      expect(res.SendStatusSet![0].Code).toBe('Ok');
    }
  });

  it('answers per number in a group send (bad number, accepted numbers, Fee for long text)', async () => {
    const [a, b] = [newPhone(), newPhone()];
    const res = await sb.tencent().SendSms({
      PhoneNumberSet: [`+86${a}`, '12345', b],
      SmsSdkAppId: SMS_SANDBOX.smsSdkAppId,
      SignName: SIGN,
      TemplateId: template('活动通知').id,
      TemplateParamSet: ['双十二年终盛典全场满299减50', 'https://s.example.com/s/demo/activities/12345'],
    });
    expect(res.SendStatusSet!.map((s) => s.Code)).toEqual(['Ok', 'InvalidParameterValue.IncorrectPhoneNumber', 'Ok']);
    expect(res.SendStatusSet![2].PhoneNumber).toBe(`+86${b}`);
    const [m] = await inbox(b);
    expect(m).toMatchObject({ kind: 'marketing', templateName: '活动通知', batchId: res.RequestId });
    expect(m.text).toBe('【思域商城】双十二年终盛典全场满299减50火热进行中,点击https://s.example.com/s/demo/activities/12345查看详情,拒收请回复R');
    expect(res.SendStatusSet![0].Fee).toBe([...m.text].length <= 70 ? 1 : Math.ceil([...m.text].length / 67));
  });

  it('enforces per-number limits when they are set: 30 s same content, then the daily count', async () => {
    expect((await sb.sim('POST', '/__sim/settings', { thirtySecondLimit: 1, dailyLimit: 2 })).body).toMatchObject({ thirtySecondLimit: 1, dailyLimit: 2 });
    const to = newPhone();
    const other = newPhone();
    expect((await send([to, other], '1000001', ['111111', '5'])).SendStatusSet!.map((s) => s.Code)).toEqual(['Ok', 'Ok']);
    const again = await send([to], '1000001', ['111111', '5']);
    expect(again.SendStatusSet![0]).toMatchObject({ Code: 'LimitExceeded.PhoneNumberThirtySecondLimit', SerialNo: '', Fee: 0 });
    expect((await send([to], '1000001', ['222222', '5'])).SendStatusSet![0].Code).toBe('Ok');
    expect((await send([to], '1000001', ['333333', '5'])).SendStatusSet![0].Code).toBe('LimitExceeded.PhoneNumberDailyLimit');
    expect(await inbox(to)).toHaveLength(2);
    // Off again (reset after each test): the same content goes through.
    await sb.sim('POST', '/__sim/settings', { thirtySecondLimit: null, dailyLimit: null });
    expect((await send([to], '1000001', ['111111', '5'])).SendStatusSet![0].Code).toBe('Ok');
    // The application's daily quota: what is left goes out, the rest is refused per number.
    await sb.sim('POST', '/__sim/settings', { dailyQuota: 1 });
    expect((await send([newPhone(), newPhone()], '1000001', ['444444', '5'])).SendStatusSet!.map((s) => s.Code)).toEqual(['Ok', 'LimitExceeded.AppDailyLimit']);
  });

  it('refuses marketing to a number that replied R under that sign, and only marketing, only that sign', async () => {
    const to = newPhone();
    const activity = template('活动通知');
    expect((await send([to], activity.id, ['年终盛典', 'https://s.example.com/a'])).SendStatusSet![0].Code).toBe('Ok');
    const r = await sb.sim('POST', '/__sim/reply', { phone: to, text: 'R' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ vendor: 'tencent', signName: SIGN, text: 'R', optOut: true, phoneNumber: `+86${to}` });

    const refused = await send([to], activity.id, ['年终盛典', 'https://s.example.com/a']);
    expect(refused.SendStatusSet![0]).toMatchObject({ Code: 'FailedOperation.PhoneNumberInBlacklist', SerialNo: '' });
    expect((await send([to], template('订单发货').id, ['SY001', '顺丰', 'SF123'])).SendStatusSet![0].Code).toBe('Ok');
    expect((await send([to], activity.id, ['年终盛典', 'https://s.example.com/a'], { sign: '另一家店' })).SendStatusSet![0].Code).toBe('Ok');
    expect((await sb.sim('GET', '/__sim/blacklist')).body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ vendor: 'tencent', signName: SIGN, phones: expect.objectContaining({ [`+86${to}`]: expect.anything() }) })]),
    );
    // An ordinary reply opts nothing out.
    const other = newPhone();
    await send([other], activity.id, ['年终盛典', 'https://s.example.com/a']);
    expect((await sb.sim('POST', '/__sim/reply', { phone: other, text: '好的' })).body.optOut).toBe(false);
    expect((await send([other], activity.id, ['年终盛典', 'https://s.example.com/a'])).SendStatusSet![0].Code).toBe('Ok');
  });

  it('hands out receipts once through PullSmsSendStatus, and by number through PullSmsSendStatusByPhoneNumber', async () => {
    const [ok, dead] = [newPhone(), newPhone()];
    expect((await sb.sim('POST', `/__sim/numbers/${dead}/fail`, { reason: '空号' })).status).toBe(200);
    const res = await send([ok, dead], '1000001', ['135790', '5']);
    const serials = res.SendStatusSet!.map((s) => s.SerialNo);
    const pulled: Array<Record<string, any>> = [];
    await eventually(async () => {
      const r = await sb.tencent().PullSmsSendStatus({ Limit: 100, SmsSdkAppId: SMS_SANDBOX.smsSdkAppId });
      pulled.push(...(r.PullSmsSendStatusSet ?? []));
      expect(pulled.filter((p) => serials.includes(p.SerialNo))).toHaveLength(2);
    });
    const mine = pulled.filter((p) => serials.includes(p.SerialNo));
    expect(mine.find((p) => p.SubscriberNumber === ok)).toEqual({
      UserReceiveTime: expect.any(Number),
      CountryCode: '86',
      SubscriberNumber: ok,
      PhoneNumber: `+86${ok}`,
      SerialNo: serials[0],
      ReportStatus: 'SUCCESS',
      Description: '用户短信送达成功',
      SessionContext: 'ctx',
    });
    expect(mine.find((p) => p.SubscriberNumber === dead)).toMatchObject({ ReportStatus: 'FAIL', Description: '空号' });
    // Pulled once: not again.
    const again = await sb.tencent().PullSmsSendStatus({ Limit: 100, SmsSdkAppId: SMS_SANDBOX.smsSdkAppId });
    expect((again.PullSmsSendStatusSet ?? []).filter((p) => serials.includes(p.SerialNo!))).toEqual([]);

    const byPhone = await sb.tencent().PullSmsSendStatusByPhoneNumber({
      BeginTime: Math.floor(Date.now() / 1000) - 60,
      Offset: 0,
      Limit: 10,
      PhoneNumber: `+86${dead}`,
      SmsSdkAppId: SMS_SANDBOX.smsSdkAppId,
    });
    expect(byPhone.PullSmsSendStatusSet).toEqual([expect.objectContaining({ SerialNo: serials[1], ReportStatus: 'FAIL' })]);
    expect((await inbox(dead))[0]).toMatchObject({ status: 'failed', report: { success: false, description: '空号' } });

    await expect(sb.tencent().PullSmsSendStatus({ Limit: 101, SmsSdkAppId: SMS_SANDBOX.smsSdkAppId })).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    await expect(sb.tencent().PullSmsSendStatus({ Limit: 10, SmsSdkAppId: '1400999999' })).rejects.toMatchObject({ code: 'InvalidParameterValue.SdkAppIdNotExist' });
  });

  it('hands out replies through PullSmsReplyStatus', async () => {
    const to = newPhone();
    await send([to], template('优惠券发放').id, ['满100减20券', '12月31日', 'https://s.example.com/c']);
    const before = Math.floor(Date.now() / 1000);
    await sb.sim('POST', '/__sim/reply', { phone: to, text: 'TD' });
    const pulled: Array<Record<string, any>> = [];
    await eventually(async () => {
      const r = await sb.tencent().PullSmsReplyStatus({ Limit: 100, SmsSdkAppId: SMS_SANDBOX.smsSdkAppId });
      pulled.push(...(r.PullSmsReplyStatusSet ?? []));
      expect(pulled.find((p) => p.SubscriberNumber === to)).toBeDefined();
    });
    const item = pulled.find((p) => p.SubscriberNumber === to)!;
    expect(item).toEqual({
      ExtendCode: '',
      CountryCode: '86',
      SubscriberNumber: to,
      PhoneNumber: `+86${to}`,
      SignName: SIGN,
      ReplyContent: 'TD',
      ReplyTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
      ReplyUnixTime: expect.any(Number),
    });
    expect(item.ReplyUnixTime).toBeGreaterThanOrEqual(before);
    const byPhone = await sb.tencent().PullSmsReplyStatusByPhoneNumber({ BeginTime: before - 5, Offset: 0, Limit: 10, PhoneNumber: `+86${to}`, SmsSdkAppId: SMS_SANDBOX.smsSdkAppId });
    expect(byPhone.PullSmsReplyStatusSet).toEqual([expect.objectContaining({ ReplyContent: 'TD' })]);
    const again = await sb.tencent().PullSmsReplyStatus({ Limit: 100, SmsSdkAppId: SMS_SANDBOX.smsSdkAppId });
    expect((again.PullSmsReplyStatusSet ?? []).find((p) => p.SubscriberNumber === to)).toBeUndefined();
  });

  it('injects faults: vendor error, HTTP 500 and timeout, each for its count, then clears them', async () => {
    const to = newPhone();
    expect((await sb.sim('POST', '/__sim/faults', { vendor: 'tencent', action: 'SendSms', kind: 'error', count: 2 })).status).toBe(200);
    await expect(send([to], '1000001', ['123456', '5'])).rejects.toMatchObject({ code: 'RequestLimitExceeded' });
    await expect(send([to], '1000001', ['123456', '5'])).rejects.toMatchObject({ code: 'RequestLimitExceeded' });
    expect((await send([to], '1000001', ['123456', '5'])).SendStatusSet![0].Code).toBe('Ok');

    await sb.sim('POST', '/__sim/faults', { vendor: 'tencent', kind: 'error', code: 'InternalError.Timeout', message: 'simulated' });
    await expect(sb.tencent().PullSmsSendStatus({ Limit: 1, SmsSdkAppId: SMS_SANDBOX.smsSdkAppId })).rejects.toMatchObject({ code: 'InternalError.Timeout' });

    await sb.sim('POST', '/__sim/faults', { vendor: 'tencent', action: 'SendSms', kind: 'http500' });
    await expect(send([to], '1000001', ['123456', '5'])).rejects.toMatchObject({ httpCode: 500 });

    await sb.sim('POST', '/__sim/settings', { timeoutFaultMs: 3_000 });
    await sb.sim('POST', '/__sim/faults', { vendor: 'tencent', action: 'SendSms', kind: 'timeout' });
    const started = Date.now();
    await expect(send([to], '1000001', ['123456', '5'], { reqTimeout: 1 })).rejects.toBeDefined();
    expect(Date.now() - started).toBeLessThan(2_900);

    await sb.sim('POST', '/__sim/faults', { vendor: 'tencent', kind: 'error', count: 5 });
    expect((await sb.sim('GET', '/__sim/faults')).body.faults).toEqual([expect.objectContaining({ vendor: 'tencent', kind: 'error', remaining: 5, action: null })]);
    await sb.sim('DELETE', '/__sim/faults');
    expect((await send([to], '1000001', ['123456', '5'])).SendStatusSet![0].Code).toBe('Ok');
    // Only the sends that succeeded reached the phone.
    expect(await inbox(to)).toHaveLength(2);

    expect((await sb.sim('POST', '/__sim/faults', { vendor: 'tencent', kind: 'boom' })).status).toBe(400);
    expect((await sb.sim('POST', '/__sim/settings', { failRate: 2 })).status).toBe(400);
  });

  it('serves the inbox page with kinds, opt-outs and a reply box that replies as the customer', async () => {
    const to = newPhone();
    await send([to], template('新品上架').id, ['冬季羽绒服', '399', 'https://s.example.com/p/1']);
    await sleep(10);
    const page = await fetch(`${sb.origin}/sandbox/sms/inbox?phone=${to}`);
    const html = await page.text();
    expect(html).toContain('营销');
    expect(html).toContain('action="inbox/reply"');
    expect(html).not.toContain('已退订');
    const posted = await fetch(`${sb.origin}/sandbox/sms/inbox/reply`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ phone: `+86${to}`, signName: SIGN, vendor: 'tencent', text: '退订', filter: to }).toString(),
      redirect: 'manual',
    });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe(`../inbox?phone=${to}`);
    expect(await (await fetch(`${sb.origin}/sandbox/sms/inbox?phone=${to}`)).text()).toContain('已退订');
    expect((await send([to], template('新品上架').id, ['冬季羽绒服', '399', 'https://s.example.com/p/1'])).SendStatusSet![0].Code).toBe('FailedOperation.PhoneNumberInBlacklist');
  });
});
