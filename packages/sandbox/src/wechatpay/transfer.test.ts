import { constants, createDecipheriv, createPrivateKey, createSign, createVerify, publicEncrypt, privateDecrypt, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wechatPaySandbox, type WechatPaySandboxOptions } from './index.js';

/**
 * 商家转账 at the protocol level, signing by hand (no merchant client) so a bug shared with the client in
 * apps/server cannot hide here.
 */
interface Merchant {
  mchId: string;
  appId: string;
  serialNo: string;
  privateKeyPem: string;
  apiV3Key: string;
  platformKeys: Record<string, string>;
}

interface Sandbox {
  app: FastifyInstance;
  base: string;
  origin: string;
  inbox: Array<{ url: string; headers: Record<string, unknown>; body: string }>;
}

async function start(opts: Partial<WechatPaySandboxOptions> = {}): Promise<Sandbox> {
  const app = Fastify();
  const sb = { app, base: '', origin: '', inbox: [] } as Sandbox;
  await app.register(async (r) => {
    r.removeContentTypeParser('application/json');
    r.addContentTypeParser('application/json', { parseAs: 'string' }, (_q, b, done) => done(null, b));
    r.post('/hook/*', async (req, reply) => {
      sb.inbox.push({ url: req.url, headers: req.headers, body: req.body as string });
      return reply.status(204).send();
    });
  });
  await app.register(wechatPaySandbox, { prefix: '/sandbox/wechatpay', baseUrl: () => sb.base, notifyRetryDelaysMs: [20], transferCancelDelayMs: 20, ...opts });
  await app.listen({ host: '127.0.0.1', port: 0 });
  sb.origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  sb.base = `${sb.origin}/sandbox/wechatpay`;
  return sb;
}

let sb: Sandbox;
beforeAll(async () => {
  sb = await start();
});
afterAll(() => sb.app.close());

async function newMerchant(s = sb, body: object = {}): Promise<Merchant> {
  const res = await fetch(`${s.base}/sandbox/merchants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return (await res.json()) as Merchant;
}

async function signed(m: Merchant, method: string, path: string, body?: object, headers: Record<string, string> = {}, s = sb) {
  const raw = body ? JSON.stringify(body) : '';
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomUUID().replace(/-/g, '');
  const url = new URL(s.base + path);
  const sig = createSign('RSA-SHA256').update(`${method}\n${url.pathname}${url.search}\n${ts}\n${nonce}\n${raw}\n`).sign(createPrivateKey(m.privateKeyPem), 'base64');
  const auth = `WECHATPAY2-SHA256-RSA2048 mchid="${m.mchId}",nonce_str="${nonce}",signature="${sig}",timestamp="${ts}",serial_no="${m.serialNo}"`;
  const res = await fetch(url, { method, headers: { authorization: auth, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, body: body ? raw : undefined });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

const control = async (path: string, body: object, s = sb) => {
  const res = await fetch(`${s.base}/sandbox/transfer/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

let seq = 0;
const billNo = () => `WD${Date.now()}${++seq}`;
const bill = (m: Merchant, outBillNo: string, extra: object = {}, s = sb) => ({
  appid: m.appId,
  out_bill_no: outBillNo,
  transfer_scene_id: '1005',
  openid: 'o_promoter_1',
  transfer_amount: 1234,
  transfer_remark: '推广佣金提现',
  notify_url: `${s.origin}/hook/${outBillNo}`,
  user_recv_perception: '劳务报酬',
  transfer_scene_report_infos: [
    { info_type: '岗位类型', info_content: '推广员' },
    { info_type: '报酬说明', info_content: '11月推广佣金' },
  ],
  ...extra,
});
const create = (m: Merchant, body: object, headers: Record<string, string> = {}, s = sb) => signed(m, 'POST', '/v3/fund-app/mch-transfer/transfer-bills', body, headers, s);
const query = (m: Merchant, no: string, s = sb) => signed(m, 'GET', `/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/${no}`, undefined, {}, s);

/** Encrypted as the published API says: RSA-OAEP (SHA-1) with the platform key named by Wechatpay-Serial. */
function encryptName(m: Merchant, name: string) {
  const [serial, pem] = Object.entries(m.platformKeys)[0];
  return { serial, ciphertext: publicEncrypt({ key: pem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(name)).toString('base64') };
}

function decryptNotification(m: Merchant, body: string) {
  const n = JSON.parse(body);
  const data = Buffer.from(n.resource.ciphertext, 'base64');
  const d = createDecipheriv('aes-256-gcm', Buffer.from(m.apiV3Key), Buffer.from(n.resource.nonce));
  d.setAuthTag(data.subarray(data.length - 16));
  d.setAAD(Buffer.from(n.resource.associated_data));
  return { envelope: n, resource: JSON.parse(Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]).toString()) };
}

async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('商家转账 sandbox', () => {
  it('validates a transfer as WeChat does', async () => {
    const m = await newMerchant();
    const refused = async (extra: object, code: string, field?: string, headers: Record<string, string> = {}) => {
      const res = await create(m, bill(m, billNo(), extra), headers);
      expect({ status: res.status, code: res.json.code }, JSON.stringify(extra)).toEqual({ status: code === 'NO_AUTH' ? 403 : 400, code });
      if (field) expect(res.json.detail?.field).toBe(field);
    };
    await refused({ transfer_remark: '备'.repeat(33) }, 'PARAM_ERROR', 'transfer_remark');
    await refused({ transfer_remark: '' }, 'PARAM_ERROR', 'transfer_remark');
    await refused({ transfer_amount: 9 }, 'PARAM_ERROR', 'transfer_amount');
    await refused({ transfer_amount: 12.5 }, 'PARAM_ERROR', 'transfer_amount');
    await refused({ transfer_amount: 200_000 }, 'PARAM_ERROR', 'user_name');
    await refused({ transfer_scene_report_infos: [{ info_type: '岗位类型', info_content: '推广员' }] }, 'PARAM_ERROR', 'transfer_scene_report_infos');
    await refused({ transfer_scene_report_infos: undefined }, 'PARAM_ERROR', 'transfer_scene_report_infos');
    await refused({ transfer_scene_id: '9999' }, 'NO_AUTH', 'transfer_scene_id');
    await refused({ appid: 'wx0000000000000000' }, 'APPID_MCHID_NOT_MATCH');
    await refused({ out_bill_no: 'WD-1' }, 'PARAM_ERROR', 'out_bill_no');
    await refused({ openid: 'not an openid' }, 'PARAM_ERROR', 'openid');
    await refused({ notify_url: 'https://shop.example/notify?x=1' }, 'PARAM_ERROR', 'notify_url');
    // user_name is encrypted: without Wechatpay-Serial, with a wrong one, or not decryptable, it is refused.
    const { serial, ciphertext } = encryptName(m, '张三');
    await refused({ user_name: ciphertext }, 'PARAM_ERROR', 'Wechatpay-Serial');
    await refused({ user_name: ciphertext }, 'PARAM_ERROR', 'Wechatpay-Serial', { 'wechatpay-serial': 'PUB_KEY_ID_0000' });
    await refused({ user_name: Buffer.from('张三').toString('base64') }, 'PARAM_ERROR', 'user_name', { 'wechatpay-serial': serial });
    // Scene 1000 (现金营销) asks for other report items.
    await refused({ transfer_scene_id: '1000' }, 'PARAM_ERROR', 'transfer_scene_report_infos');
    const ok = await create(m, bill(m, billNo(), { transfer_scene_id: '1000', transfer_scene_report_infos: [{ info_type: '活动名称', info_content: '新人礼' }, { info_type: '奖励说明', info_content: '注册奖励' }] }));
    expect(ok.status).toBe(200);
  });

  it('answers WAIT_USER_CONFIRM with package_info, signed; the same out_bill_no is the same bill', async () => {
    const m = await newMerchant();
    const no = billNo();
    const first = await create(m, bill(m, no));
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ out_bill_no: no, transfer_bill_no: expect.stringMatching(/^\d{40}$/), create_time: expect.stringMatching(/\+08:00$/), state: 'WAIT_USER_CONFIRM', package_info: expect.any(String) });
    const key = m.platformKeys[first.headers.get('wechatpay-serial')!];
    const message = `${first.headers.get('wechatpay-timestamp')}\n${first.headers.get('wechatpay-nonce')}\n${first.text}\n`;
    expect(createVerify('RSA-SHA256').update(message).verify(key, first.headers.get('wechatpay-signature')!, 'base64')).toBe(true);

    expect((await create(m, bill(m, no))).json).toEqual(first.json);
    const changed = await create(m, bill(m, no, { transfer_amount: 1235 }));
    expect({ status: changed.status, code: changed.json.code }).toEqual({ status: 400, code: 'INVALID_REQUEST' });
    const q = await query(m, no);
    expect(q.json).toMatchObject({ mch_id: m.mchId, out_bill_no: no, transfer_bill_no: first.json.transfer_bill_no, appid: m.appId, state: 'WAIT_USER_CONFIRM', transfer_amount: 1234, transfer_remark: '推广佣金提现', openid: 'o_promoter_1' });
    expect(q.json.package_info).toBeUndefined();

    // Another merchant's number space is its own.
    const other = await newMerchant();
    expect((await query(other, no)).status).toBe(404);
    expect((await create(other, bill(other, no))).json.transfer_bill_no).not.toBe(first.json.transfer_bill_no);
  });

  it('confirm → SUCCESS and exactly one MCHTRANSFER.BILL.FINISHED; a SUCCESS bill cannot be cancelled', async () => {
    const m = await newMerchant();
    const no = billNo();
    const { package_info } = (await create(m, bill(m, no))).json;
    const confirmed = await control('confirm', { package_info });
    expect(confirmed.status).toBe(200);
    expect(confirmed.json).toMatchObject({ out_bill_no: no, state: 'SUCCESS' });
    expect((await control('confirm', { package_info })).json.state).toBe('SUCCESS');
    expect((await control('decline', { package_info })).status).toBe(400);

    const note = await waitFor(() => sb.inbox.find((n) => n.url.endsWith(no)));
    const { envelope, resource } = decryptNotification(m, note.body);
    expect(envelope).toMatchObject({ event_type: 'MCHTRANSFER.BILL.FINISHED', resource_type: 'encrypt-resource', summary: '商家转账单据终态通知', resource: { original_type: 'mch_payment', associated_data: 'mch_payment' } });
    expect(resource).toEqual({
      out_bill_no: no, transfer_bill_no: expect.stringMatching(/^\d{40}$/), state: 'SUCCESS', mch_id: m.mchId, transfer_amount: 1234, openid: 'o_promoter_1',
      create_time: expect.stringMatching(/\+08:00$/), update_time: expect.stringMatching(/\+08:00$/),
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(sb.inbox.filter((n) => n.url.endsWith(no))).toHaveLength(1);

    expect((await query(m, no)).json.state).toBe('SUCCESS');
    const cancel = await signed(m, 'POST', `/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/${no}/cancel`);
    expect({ status: cancel.status, code: cancel.json.code }).toEqual({ status: 400, code: 'INVALID_REQUEST' });
  });

  it('decline → CANCELLED with its notification; the merchant can cancel before the payee confirms', async () => {
    const m = await newMerchant();
    const declined = billNo();
    const a = (await create(m, bill(m, declined))).json;
    expect((await control('decline', { package_info: a.package_info })).json.state).toBe('CANCELLED');
    const n1 = decryptNotification(m, (await waitFor(() => sb.inbox.find((n) => n.url.endsWith(declined)))).body);
    expect(n1.resource).toMatchObject({ out_bill_no: declined, state: 'CANCELLED' });
    expect((await control('confirm', { package_info: a.package_info })).status).toBe(400);

    const cancelled = billNo();
    const b = (await create(m, bill(m, cancelled))).json;
    const res = await signed(m, 'POST', `/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/${cancelled}/cancel`);
    expect(res.json).toEqual({ out_bill_no: cancelled, transfer_bill_no: b.transfer_bill_no, state: 'CANCELING', update_time: expect.any(String) });
    const n2 = decryptNotification(m, (await waitFor(() => sb.inbox.find((n) => n.url.endsWith(cancelled)))).body);
    expect(n2.resource).toMatchObject({ out_bill_no: cancelled, state: 'CANCELLED' });
    expect((await query(m, cancelled)).json.state).toBe('CANCELLED');
    expect((await control('confirm', { package_info: b.package_info })).status).toBe(400);
    // Asking to create it again gives back the cancelled bill, never a new payment.
    expect((await create(m, bill(m, cancelled))).json).toMatchObject({ transfer_bill_no: b.transfer_bill_no, state: 'CANCELLED' });
    expect((await signed(m, 'POST', '/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/NOSUCHBILL/cancel')).status).toBe(404);
  });

  it('fails on request (sandbox control) with fail_reason in the notification', async () => {
    const m = await newMerchant();
    const no = billNo();
    const { package_info } = (await create(m, bill(m, no))).json;
    expect((await control('fail', { package_info, fail_reason: 'REAL_NAME_CHECK_FAIL' })).json).toMatchObject({ state: 'FAIL', fail_reason: 'REAL_NAME_CHECK_FAIL' });
    const n = decryptNotification(m, (await waitFor(() => sb.inbox.find((x) => x.url.endsWith(no)))).body);
    expect(n.resource).toMatchObject({ state: 'FAIL', fail_reason: 'REAL_NAME_CHECK_FAIL' });
  });

  it('takes user_name from ¥2,000 encrypted with the platform key, and returns it encrypted for the merchant', async () => {
    const m = await newMerchant(sb, { verifyMode: 'public_key' });
    const no = billNo();
    const { serial, ciphertext } = encryptName(m, '李小龙');
    expect(serial).toMatch(/^PUB_KEY_ID_/);
    const res = await create(m, bill(m, no, { transfer_amount: 200_000, user_name: ciphertext }), { 'wechatpay-serial': serial });
    expect(res.json.state).toBe('WAIT_USER_CONFIRM');
    const listed = (await (await fetch(`${sb.base}/sandbox/transfers?mchid=${m.mchId}`)).json()) as { transfers: Array<Record<string, unknown>> };
    expect(listed.transfers.find((t) => t.out_bill_no === no)).toMatchObject({ user_name: '李小龙', transfer_amount: 200_000 });
    const q = await query(m, no);
    const plain = privateDecrypt({ key: createPrivateKey(m.privateKeyPem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(q.json.user_name, 'base64')).toString();
    expect(plain).toBe('李小龙');
  });

  it('serves the 确认收款 page and takes the payee’s tap', async () => {
    const m = await newMerchant();
    const no = billNo();
    const { package_info } = (await create(m, bill(m, no, { transfer_amount: 8800 }))).json;
    const page = await fetch(`${sb.base}/transfer/confirm?package=${encodeURIComponent(package_info)}`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('确认收款');
    expect(html).toContain('¥88.00');
    expect(html).toContain(m.mchId);
    const form = new URLSearchParams({ package: package_info, action: 'confirm', redirect: 'https://shop.example/me/withdrawals' });
    const tapped = await fetch(`${sb.base}/transfer/confirm`, { method: 'POST', body: form, redirect: 'manual' });
    expect(tapped.status).toBe(303);
    expect(tapped.headers.get('location')).toBe('https://shop.example/me/withdrawals?result=success');
    expect((await query(m, no)).json.state).toBe('SUCCESS');
    const again = await fetch(`${sb.base}/transfer/confirm?package=${encodeURIComponent(package_info)}`);
    expect(await again.text()).toContain('已收款');
    expect((await fetch(`${sb.base}/transfer/confirm?package=nope`)).status).toBe(404);
  });

  it('cancels a bill the payee left unconfirmed past the confirm window', async () => {
    const quick = await start({ transferConfirmWindowMs: 60, pollMs: 20 });
    try {
      const m = await newMerchant(quick);
      const no = billNo();
      const { package_info } = (await create(m, bill(m, no, {}, quick), {}, quick)).json;
      const note = await waitFor(() => quick.inbox.find((n) => n.url.endsWith(no)));
      expect(decryptNotification(m, note.body).resource).toMatchObject({ out_bill_no: no, state: 'CANCELLED' });
      expect((await control('confirm', { package_info }, quick)).status).toBe(400);
    } finally {
      await quick.app.close();
    }
  });
});
