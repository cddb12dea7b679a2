import { X509Certificate, createPrivateKey, createPublicKey, createSign, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../platform/errors.js';
import { WechatPayClient, sandboxCashierUrl, type WechatPayTransaction } from './client.js';
import { startWechatPaySandbox, type WechatPaySandboxHarness } from './sandbox-harness.js';

let sb: WechatPaySandboxHarness;
beforeAll(async () => {
  sb = await startWechatPaySandbox();
});
afterAll(async () => {
  await sb.close();
});

let seq = 0;
const orderNo = () => `SY${Date.now()}${++seq}`;

async function expectAppError(p: Promise<unknown> | (() => unknown), status: number, code: string): Promise<AppError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect({ status: (err as AppError).status, code: (err as AppError).code }).toEqual({ status, code });
    return err as AppError;
  }
  throw new Error(`expected ${code}`);
}

describe('WechatPayClient against the sandbox', () => {
  it('prepays, gets paid, and receives a verified, decrypted TRANSACTION.SUCCESS notification', async () => {
    const { config, client } = await sb.merchant();
    const outTradeNo = orderNo();
    const notifyUrl = sb.notifyUrl(`pay-${outTradeNo}`);
    const { prepayId } = await client.jsapiPrepay({ description: '私域小店-眼镜', outTradeNo, amountFen: 1234, payerOpenid: 'o_customer_1', notifyUrl });
    expect(prepayId).toMatch(/^wx/);
    expect((await client.queryByOutTradeNo(outTradeNo)).trade_state).toBe('NOTPAY');

    // The pay sheet parameters carry a paySign WeChat can check with the merchant's public key.
    const params = client.jsapiPayParams(prepayId);
    expect(params).toMatchObject({ appId: config.appId, package: `prepay_id=${prepayId}`, signType: 'RSA' });
    const merchantPublic = createPublicKey(createPrivateKey(config.privateKeyPem));
    const message = `${params.appId}\n${params.timeStamp}\n${params.nonceStr}\n${params.package}\n`;
    expect(createVerify('RSA-SHA256').update(message).verify(merchantPublic, params.paySign, 'base64')).toBe(true);

    // The customer confirms on the cashier page, which also validates paySign.
    const cashier = sandboxCashierUrl(sb.baseUrl, params, 'https://shop.example/orders/1');
    const page = await fetch(cashier);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('¥12.34');
    const form = new URLSearchParams({ ...Object.fromEntries(new URL(cashier).searchParams), action: 'confirm' });
    const confirmed = await fetch(`${sb.baseUrl}/pay`, { method: 'POST', body: form, redirect: 'manual' });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe('https://shop.example/orders/1?result=success');

    const received = await sb.waitFor(() => sb.received.find((r) => r.path.endsWith(outTradeNo)));
    const n = client.parseNotification<WechatPayTransaction>(received.headers, received.rawBody);
    expect(n.eventType).toBe('TRANSACTION.SUCCESS');
    expect(n.originalType).toBe('transaction');
    expect(n.resource).toMatchObject({ out_trade_no: outTradeNo, mchid: config.mchId, appid: config.appId, trade_state: 'SUCCESS', payer: { openid: 'o_customer_1' } });
    expect(n.resource.amount).toEqual({ total: 1234, payer_total: 1234, currency: 'CNY', payer_currency: 'CNY' });

    const q = await client.queryByOutTradeNo(outTradeNo);
    expect(q).toMatchObject({ trade_state: 'SUCCESS', transaction_id: n.resource.transaction_id, success_time: expect.stringMatching(/\+08:00$/) });
  });

  it('refuses forged, tampered, mis-keyed and stale notifications with the right codes', async () => {
    const { config, client } = await sb.merchant();
    const outTradeNo = orderNo();
    const { prepayId } = await client.jsapiPrepay({ description: 'forgery target', outTradeNo, amountFen: 500, payerOpenid: 'o_2', notifyUrl: sb.notifyUrl(`forge-${outTradeNo}`) });
    await sb.pay(prepayId);
    const real = await sb.waitFor(() => sb.received.find((r) => r.path.endsWith(outTradeNo)));
    const h = (over: Record<string, string>) => ({ ...real.headers, ...over });
    const platformSerial = Object.keys(config.platformKeys)[0];
    // The restore token holds the sandbox's platform key, which lets the test produce validly signed variants.
    const platformKey = createPrivateKey(JSON.parse(Buffer.from(config.restoreToken, 'base64url').toString()).platformPrivateKeyPem);
    const signWith = (key: KeyObject, ts: string, body: string) =>
      ({ 'wechatpay-timestamp': ts, 'wechatpay-nonce': 'N0nce', 'wechatpay-serial': platformSerial, 'wechatpay-signature': createSignature(key, `${ts}\nN0nce\n${body}\n`) });

    expect(client.parseNotification(real.headers, real.rawBody).resource).toMatchObject({ out_trade_no: outTradeNo });

    const altered = real.rawBody.replace('"TRANSACTION.SUCCESS"', '"TRANSACTION.SUCCESS" ');
    await expectAppError(() => client.parseNotification(real.headers, altered), 401, 'PAYMENT_SIGNATURE_INVALID');
    await expectAppError(() => client.parseNotification(h({ 'wechatpay-serial': 'PUB_KEY_ID_0000' }), real.rawBody), 401, 'PAYMENT_SIGNATURE_INVALID');
    await expectAppError(() => client.parseNotification(h({ 'wechatpay-signature': '' }), real.rawBody), 401, 'PAYMENT_SIGNATURE_INVALID');
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    await expectAppError(() => client.parseNotification(signWith(attacker, String(Math.floor(Date.now() / 1000)), real.rawBody), real.rawBody), 401, 'PAYMENT_SIGNATURE_INVALID');

    const sixMinutesAgo = String(Math.floor(Date.now() / 1000) - 360);
    await expectAppError(() => client.parseNotification(signWith(platformKey, sixMinutesAgo, real.rawBody), real.rawBody), 401, 'PAYMENT_NOTIFICATION_EXPIRED');

    // Validly signed but the ciphertext was altered before signing: only the GCM tag catches it.
    const parsed = JSON.parse(real.rawBody);
    const ct = Buffer.from(parsed.resource.ciphertext, 'base64');
    ct[0] ^= 1;
    parsed.resource.ciphertext = ct.toString('base64');
    const tampered = JSON.stringify(parsed);
    await expectAppError(() => client.parseNotification(signWith(platformKey, String(Math.floor(Date.now() / 1000)), tampered), tampered), 400, 'PAYMENT_DECRYPT_FAILED');

    const wrongApiKey = new WechatPayClient({ ...config, apiV3Key: 'x'.repeat(32), baseUrl: sb.baseUrl });
    await expectAppError(() => wrongApiKey.parseNotification(real.headers, real.rawBody), 400, 'PAYMENT_DECRYPT_FAILED');
  });

  it('works in public-key mode (Wechatpay-Serial is a PUB_KEY_ID_)', async () => {
    const { config, client } = await sb.merchant('public_key');
    const serial = Object.keys(config.platformKeys)[0];
    expect(serial).toMatch(/^PUB_KEY_ID_\d+$/);
    const outTradeNo = orderNo();
    const { prepayId } = await client.jsapiPrepay({ description: 'pk mode', outTradeNo, amountFen: 1, payerOpenid: 'o_3', notifyUrl: sb.notifyUrl(`pk-${outTradeNo}`) });
    await sb.pay(prepayId);
    const received = await sb.waitFor(() => sb.received.find((r) => r.path.endsWith(outTradeNo)));
    expect(received.headers['wechatpay-serial']).toBe(serial);
    expect(client.parseNotification<WechatPayTransaction>(received.headers, received.rawBody).resource.amount?.total).toBe(1);
  });

  it('refunds partially up to the paid total, is idempotent per out_refund_no, and notifies REFUND.SUCCESS', async () => {
    const { client } = await sb.merchant();
    const outTradeNo = orderNo();
    const { prepayId } = await client.jsapiPrepay({ description: 'refund me', outTradeNo, amountFen: 1000, payerOpenid: 'o_4', notifyUrl: sb.notifyUrl(`p-${outTradeNo}`) });
    await expectAppError(client.refund({ outTradeNo, outRefundNo: `${outTradeNo}R0`, refundFen: 1, totalFen: 1000 }), 502, 'WECHATPAY_ERROR');
    await sb.pay(prepayId);

    const refundNotify = sb.notifyUrl(`refund-${outTradeNo}`);
    const r1 = await client.refund({ outTradeNo, outRefundNo: `${outTradeNo}R1`, reason: '尺寸不合适', refundFen: 300, totalFen: 1000, notifyUrl: refundNotify });
    expect(r1).toMatchObject({ status: 'PROCESSING', amount: { refund: 300, total: 1000, currency: 'CNY' } });
    const again = await client.refund({ outTradeNo, outRefundNo: `${outTradeNo}R1`, refundFen: 300, totalFen: 1000, notifyUrl: refundNotify });
    expect(again.refund_id).toBe(r1.refund_id);
    await client.refund({ outTradeNo, outRefundNo: `${outTradeNo}R2`, refundFen: 700, totalFen: 1000, notifyUrl: refundNotify });
    const over = await expectAppError(client.refund({ outTradeNo, outRefundNo: `${outTradeNo}R3`, refundFen: 1, totalFen: 1000 }), 502, 'WECHATPAY_ERROR');
    expect(over.details).toMatchObject({ vendorCode: 'INVALID_REQUEST', vendorStatus: 400 });
    await expectAppError(client.refund({ outTradeNo, outRefundNo: `${outTradeNo}R4`, refundFen: 1, totalFen: 999 }), 502, 'WECHATPAY_ERROR');

    const notes = await sb.waitFor(() => {
      const got = sb.received.filter((r) => r.path.endsWith(`refund-${outTradeNo}`));
      return got.length === 2 && got;
    });
    const parsed = notes.map((n) => client.parseNotification(n.headers, n.rawBody));
    expect(parsed.map((p) => p.eventType)).toEqual(['REFUND.SUCCESS', 'REFUND.SUCCESS']);
    expect(parsed.map((p) => (p.resource as { amount: { refund: number } }).amount.refund).sort()).toEqual([300, 700]);
    expect(parsed[0].resource).toMatchObject({ refund_status: 'SUCCESS', out_trade_no: outTradeNo });
    expect((await client.queryRefund(`${outTradeNo}R1`)).status).toBe('SUCCESS');
    expect((await client.queryByOutTradeNo(outTradeNo)).trade_state).toBe('REFUND');
  });

  it('retries unacknowledged notifications, not acknowledged ones, and a resend repeats the same id', async () => {
    const { client } = await sb.merchant();
    const flaky = orderNo();
    const steady = orderNo();
    let failuresLeft = 2;
    sb.answerWith((n) => (n.path.endsWith(flaky) && failuresLeft-- > 0 ? 500 : 204));
    try {
      for (const no of [flaky, steady]) {
        const { prepayId } = await client.jsapiPrepay({ description: 'retry', outTradeNo: no, amountFen: 10, payerOpenid: 'o_5', notifyUrl: sb.notifyUrl(`r-${no}`) });
        await sb.pay(prepayId);
      }
      const flakyDelivery = await sb.waitFor(async () => (await sb.notifications()).find((d) => d.url.endsWith(flaky) && d.acknowledged));
      expect(flakyDelivery.attempts).toBe(3);
      expect(sb.received.filter((r) => r.path.endsWith(flaky)).map((r) => r.answeredStatus)).toEqual([500, 500, 204]);
      await new Promise((r) => setTimeout(r, 400)); // longer than the whole retry schedule
      const steadyDelivery = (await sb.notifications()).find((d) => d.url.endsWith(steady))!;
      expect({ attempts: steadyDelivery.attempts, acknowledged: steadyDelivery.acknowledged }).toEqual({ attempts: 1, acknowledged: true });

      const res = await fetch(`${sb.baseUrl}/sandbox/notifications/${steadyDelivery.id}/resend`, { method: 'POST' });
      expect(res.status).toBe(200);
      const copies = sb.received.filter((r) => r.path.endsWith(steady)).map((r) => client.parseNotification(r.headers, r.rawBody));
      expect(copies).toHaveLength(2);
      expect(copies[0].id).toBe(copies[1].id);
    } finally {
      sb.answerWith(() => 204);
    }
  });

  it('is refused by the sandbox when signing with the wrong key, and refuses answers signed by an unknown platform key', async () => {
    const { config } = await sb.merchant();
    const other = await sb.merchant();
    const impostor = new WechatPayClient({ ...config, privateKeyPem: other.config.privateKeyPem, baseUrl: sb.baseUrl });
    const err = await expectAppError(impostor.queryByOutTradeNo('NOPE123456'), 502, 'WECHATPAY_ERROR');
    expect(err.details).toMatchObject({ vendorCode: 'SIGN_ERROR', vendorStatus: 401 });

    const trustsWrongPlatform = new WechatPayClient({ ...config, platformKeys: other.config.platformKeys, baseUrl: sb.baseUrl });
    await expectAppError(trustsWrongPlatform.jsapiPrepay({ description: 'x', outTradeNo: orderNo(), amountFen: 1, payerOpenid: 'o', notifyUrl: sb.notifyUrl() }), 502, 'PAYMENT_SIGNATURE_INVALID');
  });

  it('treats an identical prepay as a retry, a different one as ORDER_NO_USED-style INVALID_REQUEST, and closes orders', async () => {
    const { client } = await sb.merchant();
    const outTradeNo = orderNo();
    const input = { description: 'dup', outTradeNo, amountFen: 200, payerOpenid: 'o_6', notifyUrl: sb.notifyUrl() };
    const a = await client.jsapiPrepay(input);
    expect(await client.jsapiPrepay(input)).toEqual(a);
    const dup = await expectAppError(client.jsapiPrepay({ ...input, amountFen: 201 }), 502, 'WECHATPAY_ERROR');
    expect(dup.details).toMatchObject({ vendorCode: 'INVALID_REQUEST', vendorStatus: 400 });

    await client.close(outTradeNo);
    expect((await client.queryByOutTradeNo(outTradeNo)).trade_state).toBe('CLOSED');
    expect((await sb.pay(a.prepayId)).status).toBe(400);
    const missing = await expectAppError(client.queryByOutTradeNo('NEVER-EXISTED'), 502, 'WECHATPAY_ERROR');
    expect(missing.details).toMatchObject({ vendorCode: 'ORDER_NOT_EXIST', vendorStatus: 404 });
  });
});

describe('platform certificates and lookups by transaction_id', () => {
  it('verifies with a real X.509 platform certificate, and downloads certificates itself (first download included)', async () => {
    const { config, client } = await sb.merchant('certificate');
    const [[serial, pem]] = Object.entries(config.platformKeys);
    expect(pem).toContain('-----BEGIN CERTIFICATE-----');
    expect(new X509Certificate(pem).serialNumber).toBe(serial);
    expect((await client.jsapiPrepay({ description: 'cert', outTradeNo: orderNo(), amountFen: 1, payerOpenid: 'o_c', notifyUrl: sb.notifyUrl() })).prepayId).toMatch(/^wx/);

    // A merchant that knows no certificate yet cannot believe any answer until it downloads one.
    const fresh = new WechatPayClient({ ...config, platformKeys: {}, baseUrl: sb.baseUrl });
    await expectAppError(fresh.queryByOutTradeNo('NEVER-EXISTED'), 502, 'PAYMENT_SIGNATURE_INVALID');
    const certs = await fresh.downloadPlatformCertificates();
    expect(certs).toEqual([{ serialNo: serial, pem, effectiveTime: expect.stringMatching(/\+08:00$/), expireTime: expect.stringMatching(/\+08:00$/) }]);
    const missing = await expectAppError(fresh.queryByOutTradeNo('NEVER-EXISTED'), 502, 'WECHATPAY_ERROR');
    expect(missing.details).toMatchObject({ vendorCode: 'ORDER_NOT_EXIST' });

    // Only the APIv3 key opens the certificate; a wrong one must not lead to trusting anything.
    const wrongKey = new WechatPayClient({ ...config, platformKeys: {}, apiV3Key: 'k'.repeat(32), baseUrl: sb.baseUrl });
    await expectAppError(wrongKey.downloadPlatformCertificates(), 502, 'WECHATPAY_CERTIFICATE_INVALID');
    await expectAppError(wrongKey.queryByOutTradeNo('NEVER-EXISTED'), 502, 'PAYMENT_SIGNATURE_INVALID');

    const pk = await sb.merchant('public_key');
    const none = await expectAppError(pk.client.downloadPlatformCertificates(), 502, 'WECHATPAY_ERROR');
    expect(none.details).toMatchObject({ vendorCode: 'RESOURCE_NOT_EXISTS', vendorStatus: 404 });
  });

  it('carries attach, queries and refunds by transaction_id', async () => {
    const { client } = await sb.merchant();
    const outTradeNo = orderNo();
    const { prepayId } = await client.jsapiPrepay({ description: 'attach', outTradeNo, amountFen: 600, payerOpenid: 'o_7', notifyUrl: sb.notifyUrl(`a-${outTradeNo}`), attach: 'topup:T-9' });
    expect((await client.queryByOutTradeNo(outTradeNo)).attach).toBe('topup:T-9');
    await sb.pay(prepayId);
    const received = await sb.waitFor(() => sb.received.find((r) => r.path.endsWith(`a-${outTradeNo}`)));
    const { resource } = client.parseNotification<WechatPayTransaction>(received.headers, received.rawBody);
    expect(resource).toMatchObject({ attach: 'topup:T-9', trade_state: 'SUCCESS' });
    expect(await client.queryByTransactionId(resource.transaction_id!)).toMatchObject({ out_trade_no: outTradeNo, attach: 'topup:T-9' });
    const r = await client.refund({ transactionId: resource.transaction_id!, outRefundNo: `${outTradeNo}R`, refundFen: 600, totalFen: 600 });
    expect(r).toMatchObject({ out_trade_no: outTradeNo, transaction_id: resource.transaction_id, status: 'PROCESSING' });
    await sb.waitFor(async () => (await client.queryRefund(`${outTradeNo}R`)).status === 'SUCCESS');
    expect((await client.queryByTransactionId(resource.transaction_id!)).trade_state).toBe('REFUND');
  });
});

function createSignature(key: KeyObject, message: string): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(key, 'base64');
}
