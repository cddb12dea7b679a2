import { SendSmsRequest } from '@alicloud/dysmsapi20170525';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SMS_SANDBOX } from './index.js';
import { eventually, newPhone, sleep, startReceiver, startSmsSandbox, type SmsTestSandbox } from './test-support.js';

/**
 * Receipts and replies pushed to the merchant's server in each vendor's format, acknowledged only by the
 * vendor's success answer and retried otherwise.
 */

let sb: SmsTestSandbox;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let pushing = true;

beforeAll(async () => {
  receiver = await startReceiver();
  sb = await startSmsSandbox(() =>
    pushing
      ? {
          tencentStatusUrl: `${receiver.url}/tencent/status`,
          tencentReplyUrl: `${receiver.url}/tencent/reply`,
          aliyunReportUrl: `${receiver.url}/aliyun/report`,
          aliyunUpUrl: `${receiver.url}/aliyun/up`,
        }
      : {},
  );
});
afterAll(async () => {
  await sb.app.close();
  await receiver.close();
});
beforeEach(async () => {
  pushing = true;
  await sb.sim('POST', '/__sim/reset');
  await sb.sim('POST', '/__sim/settings', { receiptDelayMs: 50, callbackRetryDelaysMs: [100, 100, 100] });
});

const SIGN = '思域商城';
const CST = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const tencentSend = (numbers: string[], templateId = '1000001', params = ['123456', '5']) =>
  sb.tencent().SendSms({ PhoneNumberSet: numbers.map((n) => `+86${n}`), SmsSdkAppId: SMS_SANDBOX.smsSdkAppId, SignName: SIGN, TemplateId: templateId, TemplateParamSet: params });
const aliyunSend = (numbers: string[], outId = 'out-1') =>
  sb.aliyun().sendSms(new SendSmsRequest({ phoneNumbers: numbers.join(','), signName: SIGN, templateCode: 'SMS_900007', templateParam: JSON.stringify({ points: '300', date: '12月31日' }), outId }));
/** Every receipt element pushed so far on a path. */
const pushed = (path: string) => receiver.on(path).flatMap((r) => (Array.isArray(r.body) ? r.body : [r.body]));

describe('receipts pushed to the merchant', () => {
  it('pushes Tencent status callbacks as one JSON array per send, with failures for failing numbers', async () => {
    const [a, b] = [newPhone(), newPhone()];
    await sb.sim('POST', `/__sim/numbers/${b}/fail`, { reason: '停机' });
    const res = await tencentSend([a, b]);
    const [sa, sbn] = res.SendStatusSet!.map((s) => s.SerialNo);
    const push = await eventually(() => {
      const p = receiver.on('/tencent/status').find((r) => r.body.some((x: { sid: string }) => x.sid === sa));
      expect(p).toBeDefined();
      return p!;
    });
    expect(push.body).toHaveLength(2);
    expect(push.body.find((x: { sid: string }) => x.sid === sa)).toEqual({
      user_receive_time: expect.stringMatching(CST),
      nationcode: '86',
      mobile: a,
      report_status: 'SUCCESS',
      errmsg: 'DELIVRD',
      description: '用户短信送达成功',
      sid: sa,
    });
    expect(push.body.find((x: { sid: string }) => x.sid === sbn)).toMatchObject({ mobile: b, report_status: 'FAIL', errmsg: 'UNDELIV', description: '停机' });
    // Acknowledged with {"result":0}: pushed once.
    await sleep(300);
    expect(pushed('/tencent/status').filter((x) => x.sid === sa)).toHaveLength(1);
  });

  it('pushes Aliyun SmsReport arrays', async () => {
    const to = newPhone();
    const res = await aliyunSend([to], 'order-7');
    const item = await eventually(() => {
      const x = pushed('/aliyun/report').find((r) => r.biz_id === res.body!.bizId);
      expect(x).toBeDefined();
      return x;
    });
    expect(item).toEqual({
      phone_number: to,
      send_time: expect.stringMatching(CST),
      report_time: expect.stringMatching(CST),
      success: true,
      err_code: 'DELIVERED',
      err_msg: '用户接收成功',
      sms_size: '1',
      biz_id: res.body!.bizId,
      out_id: 'order-7',
    });
  });

  it('retries a push the merchant did not acknowledge (HTTP 500, or 200 without the success answer)', async () => {
    receiver.answer('/tencent/status', { status: 500, body: { result: 1 } }, { status: 200, body: { result: 1, errmsg: 'busy' } });
    receiver.answer('/aliyun/report', { status: 500, body: 'oops' });
    const t = await tencentSend([newPhone()]);
    const sid = t.SendStatusSet![0].SerialNo;
    const a = await aliyunSend([newPhone()]);
    await eventually(() => expect(pushed('/tencent/status').filter((x) => x.sid === sid)).toHaveLength(3));
    await eventually(() => expect(pushed('/aliyun/report').filter((x) => x.biz_id === a.body!.bizId)).toHaveLength(2));
    await sleep(400);
    expect(pushed('/tencent/status').filter((x) => x.sid === sid)).toHaveLength(3);
    expect(pushed('/aliyun/report').filter((x) => x.biz_id === a.body!.bizId)).toHaveLength(2);
  });

  it('gives up after the last retry', async () => {
    // The first attempt and its three retries all refused.
    receiver.answer('/tencent/status', ...Array.from({ length: 4 }, () => ({ status: 503, body: {} })));
    const sid = (await tencentSend([newPhone()])).SendStatusSet![0].SerialNo;
    await eventually(() => expect(pushed('/tencent/status').filter((x) => x.sid === sid)).toHaveLength(4));
    await sleep(500);
    expect(pushed('/tencent/status').filter((x) => x.sid === sid)).toHaveLength(4);
  });

  it('pushes nothing while no callback URL is configured (the pull API still has the receipt)', async () => {
    pushing = false;
    const sid = (await tencentSend([newPhone()])).SendStatusSet![0].SerialNo;
    const found = await eventually(async () => {
      const r = await sb.tencent().PullSmsSendStatus({ Limit: 100, SmsSdkAppId: SMS_SANDBOX.smsSdkAppId });
      const x = (r.PullSmsSendStatusSet ?? []).find((p) => p.SerialNo === sid);
      expect(x).toBeDefined();
      return x;
    });
    expect(found).toMatchObject({ ReportStatus: 'SUCCESS' });
    expect(pushed('/tencent/status').filter((x) => x.sid === sid)).toEqual([]);
  });
});

describe('replies pushed to the merchant', () => {
  it('pushes a Tencent reply callback object and an Aliyun SmsUp array, retried like receipts', async () => {
    const [t, a] = [newPhone(), newPhone()];
    await tencentSend([t], '1000010', ['年终盛典', 'https://s.example.com/a']);
    await aliyunSend([a]);
    receiver.answer('/tencent/reply', { status: 500, body: {} });
    const before = Math.floor(Date.now() / 1000);
    await sb.sim('POST', '/__sim/reply', { phone: t, text: 'R' });
    await sb.sim('POST', '/__sim/reply', { phone: `+86${a}`, text: '收到,谢谢' });

    const tr = await eventually(() => {
      const got = receiver.on('/tencent/reply').filter((r) => r.body.mobile === t);
      expect(got).toHaveLength(2);
      return got[1].body;
    });
    expect(tr).toEqual({ extend: '', mobile: t, nationcode: '86', sign: SIGN, text: 'R', time: expect.any(Number) });
    expect(tr.time).toBeGreaterThanOrEqual(before);

    const ar = await eventually(() => {
      const got = pushed('/aliyun/up').find((r) => r.phone_number === a);
      expect(got).toBeDefined();
      return got;
    });
    expect(ar).toEqual({ phone_number: a, send_time: expect.stringMatching(CST), content: '收到,谢谢', sign_name: SIGN, dest_code: '', sequence_id: expect.any(Number) });
    expect((await sb.sim('GET', `/replies?phone=${t}`)).body.items).toEqual([expect.objectContaining({ text: 'R', optOut: true, pushed: true })]);
  });

  it('needs a sign name for a number that never got a message', async () => {
    const r = await sb.sim('POST', '/__sim/reply', { phone: newPhone(), text: 'R' });
    expect(r).toMatchObject({ status: 400, body: { error: expect.stringContaining('signName') } });
    const ok = await sb.sim('POST', '/__sim/reply', { phone: newPhone(), text: 'R', signName: SIGN, vendor: 'aliyun' });
    expect(ok.body).toMatchObject({ vendor: 'aliyun', optOut: true });
  });
});
