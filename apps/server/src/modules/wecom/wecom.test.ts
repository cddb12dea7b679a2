import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WECOM_SANDBOX } from '@siyu/sandbox';
import { rows, sql } from '../../platform/db/index.js';
import { startTestApp, type StaffSession, type TestApp } from '../../testing/harness.js';
import { addAddress, createProduct, payOrder, waitFor } from '../../testing/commerce.js';
import { customerHelpers } from '../customers/test-helpers.js';
import { download } from '../catalog/testing/fixtures.js';
import { sealCallback, encrypt, signature } from './client/crypto.js';
import { WeComApiError, WeComClient } from './client/wecom-client.js';

/**
 * The WeCom module against the sandbox's simulator, both ways: our calls to its API (tokens, staff,
 * tags, contact ways, welcome messages) and its signed, encrypted callbacks to us. Each run uses a fresh
 * simulated corp, so limits and clocks do not leak between runs.
 */
let t: TestApp;
let shop: { shopId: string; slug: string; owner: StaffSession };
let corpId: string;
let settings: { id: string; callbackUrl: string };

const admin = (method: string, path: string, body?: unknown) => t.call(method, `/api/admin${path}`, { session: shop.owner, body });
const sim = (path: string, body?: unknown) => t.call(body === undefined ? 'GET' : 'POST', `/sandbox/wecom/__sim/corps/${corpId}${path}`, { body });
const keys = () => ({ token: WECOM_SANDBOX.token, encodingAesKey: WECOM_SANDBOX.encodingAesKey, corpId });
const callbacks = async () => rows<{ id: string; change_type: string; processed_at: Date | null; xml: string; fields: Record<string, string> }>(t.platform.db, sql`SELECT * FROM wecom_callbacks WHERE shop_id = ${shop.shopId} ORDER BY received_at`);

beforeAll(async () => {
  t = await startTestApp();
  shop = await t.createShop();
  const corp = await t.call('POST', '/sandbox/wecom/__sim/corps', { body: {} });
  expect(corp.status).toBe(200);
  corpId = corp.body.corpId;
  const saved = await admin('PUT', '/wecom/settings', {
    corpId, contactSecret: WECOM_SANDBOX.contactSecret, agentId: WECOM_SANDBOX.agentId, agentSecret: WECOM_SANDBOX.agentSecret,
    callbackToken: WECOM_SANDBOX.token, encodingAesKey: WECOM_SANDBOX.encodingAesKey,
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  expect(saved.body.contactSecret).not.toBe(WECOM_SANDBOX.contactSecret);
  settings = saved.body;
  // What the admin does in WeCom's console: WeCom checks the URL with an encrypted echostr first.
  const registered = await sim('/callback', { url: settings.callbackUrl });
  expect(registered.status, JSON.stringify(registered.body)).toBe(200);
}, 120_000);
afterAll(() => t?.close());

describe('WeCom: connecting the corp', () => {
  it('tests both secrets with gettoken, and names the one that is wrong', async () => {
    const ok = await admin('POST', '/wecom/settings/test');
    expect(ok.body).toEqual({ ok: true, results: [{ secret: 'contact', ok: true }, { secret: 'agent', ok: true }] });

    const other = await t.createShop();
    const bad = await t.call('PUT', '/api/admin/wecom/settings', {
      session: other.owner,
      body: { corpId, contactSecret: 'not-the-contact-secret', agentId: null, callbackToken: 'abc', encodingAesKey: 'b'.repeat(43) },
    });
    expect(bad.status).toBe(200);
    const tested = await t.call('POST', '/api/admin/wecom/settings/test', { session: other.owner });
    expect(tested.body.ok).toBe(false);
    expect(tested.body.results[0]).toMatchObject({ secret: 'contact', ok: false, errcode: 40001 });
    const view = await t.call('GET', '/api/admin/wecom/settings', { session: other.owner });
    expect(view.body.lastError).toContain('40001');
  });

  it('answers the URL check only with the right signature, and refuses forged callbacks', async () => {
    const echostr = encrypt(WECOM_SANDBOX.encodingAesKey, 'echo-123', corpId);
    const q = new URLSearchParams({ msg_signature: signature(WECOM_SANDBOX.token, '1', '2', echostr), timestamp: '1', nonce: '2', echostr });
    const good = await fetch(`${settings.callbackUrl}?${q}`);
    expect(await good.text()).toBe('echo-123');
    q.set('msg_signature', '0'.repeat(40));
    expect((await fetch(`${settings.callbackUrl}?${q}`)).status).toBe(401);

    const sealed = sealCallback({ ...keys(), token: 'forged' }, '<xml><Event>change_external_contact</Event></xml>');
    const forged = await fetch(`${settings.callbackUrl}?${new URLSearchParams(sealed.query)}`, { method: 'POST', body: sealed.body });
    expect(forged.status).toBe(401);
    const otherCorp = sealCallback({ ...keys(), corpId: 'wwsomeoneelse0001' }, '<xml><Event>change_external_contact</Event></xml>');
    expect((await fetch(`${settings.callbackUrl}?${new URLSearchParams(otherCorp.query)}`, { method: 'POST', body: otherCorp.body })).status).toBe(401);
  });
});

describe('WeCom: staff, tags and tokens', () => {
  it('syncs departments and staff in a job with progress', async () => {
    const run = await admin('POST', '/wecom/staff/sync');
    expect(run.status).toBe(202);
    await t.drain();
    const done = await admin('GET', `/wecom/sync-runs/${run.body.id}`);
    expect(done.body).toMatchObject({ status: 'done', progress: { departments: 3, staff: WECOM_SANDBOX.staff.length } });
    const staff = await admin('GET', '/wecom/staff');
    expect(staff.body.items.map((s: { userid: string }) => s.userid).sort()).toEqual(WECOM_SANDBOX.staff.map((s) => s.userid).sort());
    expect(staff.body.items.find((s: { userid: string }) => s.userid === 'zhangsan')).toMatchObject({ name: '张三', active: true, departments: [2] });
    const depts = await admin('GET', '/wecom/departments');
    expect(depts.body.items).toHaveLength(3);
  });

  it('refetches a token WeCom calls invalid (40014) or expired (42001) once, and retries the call', async () => {
    const spy = vi.spyOn(WeComClient.prototype, 'getToken');
    try {
      const key = `wecom:token:${corpId}:contact:${createHash('sha256').update(WECOM_SANDBOX.contactSecret).digest('hex').slice(0, 16)}`;
      await admin('POST', '/wecom/tags/sync');
      const first = JSON.parse((await t.platform.hot.get(key))!).token as string;
      spy.mockClear();

      expect((await sim('/invalidate-tokens', {})).status).toBe(200);
      const synced = await admin('POST', '/wecom/tags/sync');
      expect(synced.status, JSON.stringify(synced.body)).toBe(200);
      expect(spy).toHaveBeenCalledTimes(1);
      const second = JSON.parse((await t.platform.hot.get(key))!).token as string;
      expect(second).not.toBe(first);

      spy.mockClear();
      expect((await sim('/expire-tokens', {})).status).toBe(200);
      expect((await admin('GET', '/wecom/tags')).status).toBe(200);
      expect((await admin('POST', '/wecom/tags/sync')).status).toBe(200);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(JSON.parse((await t.platform.hot.get(key))!).token).not.toBe(second);

      // A fault on one call: the same token refetch-and-retry path, with the error code WeCom uses.
      spy.mockClear();
      expect((await sim('/faults', { errcode: 42001, times: 1, path: '/cgi-bin/externalcontact/get_corp_tag_list' })).status).toBe(200);
      expect((await admin('POST', '/wecom/tags/sync')).status).toBe(200);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('WeCom: channel codes', () => {
  it('refuses a state longer than 30 characters, naming the field', async () => {
    const res = await admin('POST', '/wecom/channel-codes', { name: '太长', mode: 'single', users: ['zhangsan'], state: 's'.repeat(31) });
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('state');
    const unknown = await admin('POST', '/wecom/channel-codes', { name: '无人', mode: 'rotation', users: ['zhangsan', 'nobody'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: 'WECOM_STAFF_UNKNOWN', details: { field: 'users.1' } });
  });

  it('a scan: welcomed within the window before the sync, tagged both sides, linked, given the coupon; duplicate callbacks do nothing; purchases count for the code', async () => {
    const tag = await admin('POST', '/wecom/tags', { groupName: '渠道', names: ['门店扫码'] });
    expect(tag.status, JSON.stringify(tag.body)).toBe(201);
    const tagId = tag.body.tags[0].id as string;
    const coupon = await admin('POST', '/coupons', { name: '加好友立减', kind: 'no_threshold', amountOffFen: 500, validity: { type: 'relative', days: 7 }, totalQuantity: 100 });
    expect(coupon.status).toBe(201);
    const code = await admin('POST', '/wecom/channel-codes', {
      name: '南京西路店', mode: 'rotation', users: ['zhangsan', 'lisi'], backupUserid: 'wangwu', tagIds: [tagId],
      welcome: { text: '欢迎光临私域好物,送您一张优惠券', couponTemplateId: coupon.body.id },
    });
    expect(code.status, JSON.stringify(code.body)).toBe(201);
    expect(code.body.state.length).toBeLessThanOrEqual(30);
    expect(code.body.currentUsers).toEqual(['zhangsan', 'lisi']);
    // The console shows the QR through the server (its CSP allows only its own origin's images).
    const qr = await download(t, `/api/admin/wecom/channel-codes/${code.body.id}/qr`, shop.owner);
    expect([qr.status, qr.data.subarray(1, 4).toString()]).toEqual([200, 'PNG']);

    // A WeChat user who is already a customer (signed in with WeChat: same unionid).
    const h = customerHelpers(t);
    const key = `wecom-${randomBytes(4).toString('hex')}`;
    const signed = await h.wechatSignIn(shop.slug, { key, nickname: '扫码客户' });
    const { unionid } = await h.wechatCode({ key });
    const customer = await sim('/customers', { name: '扫码客户', unionid });
    const external = customer.body.external_userid as string;

    const welcomed = vi.spyOn(WeComClient.prototype, 'sendWelcomeMsg');
    const fetched = vi.spyOn(WeComClient.prototype, 'externalContact');
    const scanned = await sim('/scan', { config_id: code.body.configId, external_userid: external });
    expect(scanned.status, JSON.stringify(scanned.body)).toBe(200);
    await waitFor(async () => (await callbacks()).find((c) => c.change_type === 'add_external_contact'), 'the add callback');
    await t.drain();
    // Send first, sync after: the welcome code must not wait behind the contact fetch.
    expect(welcomed).toHaveBeenCalledTimes(1);
    expect(welcomed.mock.invocationCallOrder[0]).toBeLessThan(fetched.mock.invocationCallOrder[0]!);
    welcomed.mockRestore();
    fetched.mockRestore();

    const welcomes = (await sim(`/welcome-messages?external_userid=${external}`)).body as { userid: string; text: unknown; attachments: { msgtype: string; link?: { url: string } }[]; sent_at: string }[];
    expect(welcomes).toHaveLength(1);
    expect(JSON.stringify(welcomes[0]!.text)).toContain('欢迎光临私域好物');
    expect(welcomes[0]!.attachments[0]).toMatchObject({ msgtype: 'link' });
    expect(welcomes[0]!.attachments[0]!.link!.url).toContain(`/coupons/${coupon.body.id}`);
    const owner = (await sim(`/relations?external_userid=${external}`)).body[0] as { userid: string; createtime: number; tags: unknown };
    expect(new Date(welcomes[0]!.sent_at).getTime() - owner.createtime * 1000).toBeLessThan(20_000);
    expect(JSON.stringify(owner.tags)).toContain(tagId);

    const list = await admin('GET', `/wecom/relations?channelCodeId=${code.body.id}`);
    expect(list.body.items).toHaveLength(1);
    const relation = list.body.items[0];
    expect(relation).toMatchObject({ staffUserid: scanned.body.userid, externalUserid: external, state: code.body.state, status: 'active', customerId: signed.customer.id, tagIds: [tagId], addWay: 1 });
    const coupons = await admin('GET', `/customers/${signed.customer.id}/coupons`);
    expect(JSON.stringify(coupons.body)).toContain(coupon.body.id);

    // Acknowledged at the first attempt, well inside WeCom's 5 s.
    const pushes = (await t.call('GET', `/sandbox/wecom/__sim/corps/${corpId}/pushes`)).body.pushes as { xml: string; delivered: boolean; attempts: { status: number; ms: number; body?: string }[] }[];
    const addPush = pushes.find((x) => x.xml.includes('add_external_contact') && x.xml.includes(external));
    expect(addPush).toMatchObject({ delivered: true, attempts: [{ status: 200, body: 'success' }] });
    expect(addPush!.attempts[0]!.ms).toBeLessThan(5_000);

    // WeCom retries an unanswered event with the same content: stored once, worked once.
    const [add] = (await callbacks()).filter((c) => c.change_type === 'add_external_contact');
    const again = sealCallback(keys(), add!.xml);
    const retried = await fetch(`${settings.callbackUrl}?${new URLSearchParams(again.query)}`, { method: 'POST', body: again.body });
    expect(retried.status).toBe(200);
    expect(await retried.text()).toBe('success');
    await t.drain();
    expect((await callbacks()).filter((c) => c.change_type === 'add_external_contact')).toHaveLength(1);
    expect((await sim(`/welcome-messages?external_userid=${external}`)).body).toHaveLength(1);
    const detail = await admin('GET', `/wecom/relations/${relation.id}`);
    expect(detail.body.history.map((x: { kind: string }) => x.kind)).toEqual(['added']);

    // The customer buys: a first order through the code, with its revenue.
    const product = await createProduct(t, shop.owner, { priceFen: 3000, stock: 5, title: '香薰蜡烛' });
    const c = { token: signed.token, customerId: signed.customer.id, phone: '13800138001' };
    const addressId = await addAddress(t, shop.slug, c);
    const placed = await t.call('POST', `/api/store/${shop.slug}/orders`, { headers: { authorization: `Bearer ${c.token}` }, body: { items: [{ skuId: product.skus[0]!.id, quantity: 1 }], fulfilment: 'express', addressId } });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const paid = await payOrder(t, shop.slug, c, placed.body.id);
    await t.drain();
    const stats = await admin('GET', `/wecom/channel-codes/${code.body.id}/stats`);
    expect(stats.body).toMatchObject({ adds: 1, deletions: 0, activeContacts: 1, linkedCustomers: 1, buyers: 1, firstOrders: 1, orders: 1, revenueFen: paid.paidFen });

    // The customer deletes the staff member: the relation is ended with history, the code counts it.
    expect((await sim('/delete', { userid: scanned.body.userid, external_userid: external, by: 'customer' })).status).toBe(200);
    await waitFor(async () => (await callbacks()).find((x) => x.change_type === 'del_follow_user'), 'the delete callback');
    await t.drain();
    const ended = await admin('GET', `/wecom/relations/${relation.id}`);
    expect(ended.body).toMatchObject({ status: 'deleted_by_customer' });
    expect(ended.body.history.map((x: { kind: string }) => x.kind)).toEqual(['added', 'deleted_by_customer']);
    expect((await admin('GET', `/wecom/channel-codes/${code.body.id}/stats`)).body).toMatchObject({ adds: 1, deletions: 1, activeContacts: 0 });
  });

  it('a welcome code that expired before its job ran is recorded, not retried, and the contact is still synced', async () => {
    const code = await admin('POST', '/wecom/channel-codes', { name: '迟到', mode: 'single', users: ['wangwu'], welcome: { text: '迟到的欢迎' } });
    expect(code.status, JSON.stringify(code.body)).toBe(201);
    const external = (await sim('/customers', { name: '迟到客户' })).body.external_userid as string;
    expect((await sim('/scan', { config_id: code.body.configId, external_userid: external })).status).toBe(200);
    const cb = await waitFor(async () => (await callbacks()).find((c) => c.fields.ExternalUserID === external), 'the add callback');
    expect((await sim('/clock', { advanceMs: 21_000 })).status).toBe(200);
    await t.drain();
    expect((await sim(`/welcome-messages?external_userid=${external}`)).body).toEqual([]);
    const [row] = await rows<{ welcome_error: string | null; processed_at: Date | null }>(t.platform.db, sql`SELECT welcome_error, processed_at FROM wecom_callbacks WHERE id = ${cb.id}`);
    expect(row!.welcome_error).toMatch(/^40096/);
    expect(row!.processed_at).not.toBeNull();
    expect((await admin('GET', `/wecom/relations?channelCodeId=${code.body.id}`)).body.items).toHaveLength(1);
  });

  it('a welcome whose answer was lost (timeout) is tried again, meets 41051 and counts as sent: once, and not as an error', async () => {
    const code = await admin('POST', '/wecom/channel-codes', { name: '超时', mode: 'single', users: ['wangwu'], welcome: { text: '超时的欢迎' } });
    expect(code.status, JSON.stringify(code.body)).toBe(201);
    const external = (await sim('/customers', { name: '超时客户' })).body.external_userid as string;
    const real = WeComClient.prototype.sendWelcomeMsg;
    const lost = vi.spyOn(WeComClient.prototype, 'sendWelcomeMsg').mockImplementationOnce(async function (this: WeComClient, ...args: Parameters<typeof real>) {
      await real.apply(this, args);
      throw new WeComApiError(-2, 'unreachable: The operation was aborted due to timeout', '/cgi-bin/externalcontact/send_welcome_msg');
    });
    expect((await sim('/scan', { config_id: code.body.configId, external_userid: external })).status).toBe(200);
    const cb = await waitFor(async () => (await callbacks()).find((c) => c.fields.ExternalUserID === external), 'the add callback');
    await t.drain();
    // Whichever job took the welcome (the welcome job or the callback's) failed on the lost answer; its retry
    // (run here at once rather than after the backoff) meets 41051. The other job leaves the welcome alone.
    await t.services.wecom.callbacks.sendWelcome(cb.id);
    await t.services.wecom.callbacks.process(cb.id);
    expect(lost).toHaveBeenCalledTimes(2);
    lost.mockRestore();
    expect((await sim(`/welcome-messages?external_userid=${external}`)).body).toHaveLength(1);
    const [row] = await rows<{ welcome_error: string | null; welcome_sent_at: Date | null; processed_at: Date | null }>(t.platform.db, sql`
      SELECT welcome_error, welcome_sent_at, processed_at FROM wecom_callbacks WHERE id = ${cb.id}`);
    expect(row!.welcome_error).toBeNull();
    expect(row!.welcome_sent_at).not.toBeNull();
    expect(row!.processed_at).not.toBeNull();
  });

  it('the welcome job and the callback job racing (each twice) welcome once and record it as sent', async () => {
    const code = await admin('POST', '/wecom/channel-codes', { name: '并发', mode: 'single', users: ['wangwu'], welcome: { text: '并发的欢迎' } });
    expect(code.status, JSON.stringify(code.body)).toBe(201);
    const external = (await sim('/customers', { name: '并发客户' })).body.external_userid as string;
    expect((await sim('/scan', { config_id: code.body.configId, external_userid: external })).status).toBe(200);
    const cb = await waitFor(async () => (await callbacks()).find((c) => c.fields.ExternalUserID === external), 'the add callback');
    const c = t.services.wecom.callbacks;
    await Promise.all([c.sendWelcome(cb.id), c.process(cb.id), c.sendWelcome(cb.id), c.process(cb.id)]);
    await t.drain();
    expect((await sim(`/welcome-messages?external_userid=${external}`)).body).toHaveLength(1);
    const [row] = await rows<{ welcome_error: string | null; welcome_sent_at: Date | null; processed_at: Date | null }>(t.platform.db, sql`
      SELECT welcome_error, welcome_sent_at, processed_at FROM wecom_callbacks WHERE id = ${cb.id}`);
    expect(row).toMatchObject({ welcome_error: null, welcome_sent_at: expect.anything(), processed_at: expect.anything() });
  });

  it('links a contact to the customer who signs in with WeChat later (same unionid)', async () => {
    const h = customerHelpers(t);
    const key = `later-${randomBytes(4).toString('hex')}`;
    const { unionid } = await h.wechatCode({ key });
    const external = (await sim('/customers', { name: '先加好友', unionid })).body.external_userid as string;
    expect((await sim('/add', { userid: 'wangwu', external_userid: external })).status).toBe(200);
    await waitFor(async () => (await callbacks()).find((c) => c.fields.ExternalUserID === external), 'the add callback');
    await t.drain();
    const before = (await admin('GET', '/wecom/relations?staff=wangwu')).body.items.find((r: { externalUserid: string }) => r.externalUserid === external);
    expect(before).toMatchObject({ customerId: null, status: 'active' });
    const signed = await h.wechatSignIn(shop.slug, { key, nickname: '后注册' });
    await t.drain();
    const after = await admin('GET', `/wecom/relations?customerId=${signed.customer.id}`);
    expect(after.body.items.map((r: { id: string }) => r.id)).toEqual([before.id]);

    // Segments learn the owner (wecom.owners_changed) once the contact is the customer's, and lose it when the relation ends.
    const owners = async () => {
      await t.drain();
      const [row] = await rows<{ wecom_owners: string[] }>(t.platform.db, sql`SELECT wecom_owners FROM audience_customers WHERE shop_id = ${shop.shopId} AND customer_id = ${signed.customer.id}`);
      return row?.wecom_owners;
    };
    expect(await owners()).toEqual(['wangwu']);
    expect((await sim('/delete', { userid: 'wangwu', external_userid: external, by: 'customer' })).status).toBe(200);
    await waitFor(async () => (await callbacks()).find((c) => c.fields.ExternalUserID === external && c.change_type === 'del_follow_user'), 'the delete callback');
    expect(await owners()).toEqual([]);
  });

  it('a tag added in Siyu goes to WeCom (mark_tag); a code follows its schedule, moves off a member who left, is changed and deleted', async () => {
    const tags = await admin('POST', '/wecom/tags', { groupName: '意向', names: ['高意向'] });
    const tagId = tags.body.tags[0].id as string;
    const customer = await sim('/customers', { name: '搜索添加' });
    const external = customer.body.external_userid as string;
    expect((await sim('/add', { userid: 'zhaoliu', external_userid: external })).status).toBe(200);
    await waitFor(async () => (await callbacks()).find((c) => c.fields.ExternalUserID === external), 'the add callback');
    await t.drain();
    const [relation] = (await admin('GET', `/wecom/relations?staff=zhaoliu`)).body.items;
    expect(relation).toMatchObject({ externalUserid: external, channelCodeId: null });
    const marked = await admin('POST', `/wecom/relations/${relation.id}/tags`, { add: [tagId] });
    expect(marked.status, JSON.stringify(marked.body)).toBe(200);
    expect(marked.body.tagIds).toEqual([tagId]);
    expect(JSON.stringify((await sim(`/relations?external_userid=${external}`)).body[0].tags)).toContain(tagId);
    expect((await admin('GET', `/wecom/relations?tag=${tagId}`)).body.items.map((r: { id: string }) => r.id)).toEqual([relation.id]);
    // The member edits the customer in the WeCom app; an admin adds a tag in WeCom's console: both come back.
    expect((await sim('/edit', { userid: 'zhaoliu', external_userid: external, remark: '在 App 里改的', remove_tag: [tagId] })).status).toBe(200);
    expect((await sim('/tags', { group_name: '后台', tag: [{ name: '后台加的' }] })).status).toBe(200);
    await waitFor(async () => (await callbacks()).find((c) => c.change_type === 'create'), 'the change_external_tag callback');
    await waitFor(async () => (await callbacks()).find((c) => c.change_type === 'edit_external_contact'), 'the edit callback');
    await t.drain();
    expect((await admin('GET', `/wecom/relations/${relation.id}`)).body).toMatchObject({ remark: '在 App 里改的', tagIds: [] });
    expect((await admin('GET', '/wecom/tags')).body.items.map((x: { name: string }) => x.name)).toContain('后台加的');
    const staged = await admin('PATCH', `/wecom/relations/${relation.id}`, { stage: 'interested', remark: '老客户' });
    expect(staged.body).toMatchObject({ stage: 'interested', remark: '老客户' });
    expect((await sim(`/relations?external_userid=${external}`)).body[0].remark).toBe('老客户');
    const unknownTag = await admin('POST', `/wecom/relations/${relation.id}/tags`, { add: ['no-such-tag'] });
    expect(unknownTag.body.error).toMatchObject({ code: 'WECOM_TAG_UNKNOWN', details: { field: 'add.0' } });

    // Every day, all day: zhaoliu is on duty, so the code's members follow the schedule.
    const code = await admin('POST', '/wecom/channel-codes', {
      name: '静安寺店', mode: 'single', users: ['sunqi'], backupUserid: 'zhouba',
      schedules: [{ weekdays: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59', users: ['zhaoliu'] }],
    });
    expect(code.status, JSON.stringify(code.body)).toBe(201);
    const onDuty = code.body.currentUsers[0];
    expect(['zhaoliu', 'sunqi']).toContain(onDuty);
    // zhaoliu leaves: the code moves to someone still there (the backup when nobody scheduled is).
    expect((await sim('/staff/zhaoliu/leave', {})).status).toBe(200);
    await waitFor(async () => (await callbacks()).find((c) => c.fields.ChangeType === 'delete_user'), 'the change_contact callback');
    await t.drain();
    const moved = await admin('GET', `/wecom/channel-codes/${code.body.id}`);
    expect(moved.body.currentUsers).not.toContain('zhaoliu');
    expect(['sunqi', 'zhouba']).toContain(moved.body.currentUsers[0]);

    // Changed without schedules: update_contact_way puts the default member on the code.
    const changed = await admin('PUT', `/wecom/channel-codes/${code.body.id}`, { name: '静安寺店(新)', mode: 'single', users: ['sunqi'], state: code.body.state });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ name: '静安寺店(新)', currentUsers: ['sunqi'], schedules: [] });
    const modeChange = await admin('PUT', `/wecom/channel-codes/${code.body.id}`, { name: 'x', mode: 'rotation', users: ['sunqi', 'zhouba'] });
    expect(modeChange.body.error).toMatchObject({ code: 'WECOM_CODE_MODE_FIXED', details: { field: 'mode' } });
    // Deleted in WeCom (a scan of the printed code fails there); its statistics stay readable.
    expect((await admin('DELETE', `/wecom/channel-codes/${code.body.id}`)).status).toBe(204);
    expect((await admin('GET', `/wecom/channel-codes/${code.body.id}`)).status).toBe(404);
    expect((await sim('/scan', { config_id: code.body.configId, external_userid: external })).body.errcode).toBe(41044);
    expect((await admin('GET', `/wecom/channel-codes/${code.body.id}/stats`)).body).toMatchObject({ deleted: true, adds: 0 });
  });
});

describe('WeCom: the relations list', () => {
  it('filters by name or remark, add way and added time, and exports the filtered list to Excel', async () => {
    expect((await admin('POST', '/wecom/staff/sync')).status).toBe(202);
    await t.drain();
    const made: string[] = [];
    for (const name of ['筛选客户甲', '筛选客户乙']) {
      const external = (await sim('/customers', { name })).body.external_userid as string;
      made.push(external);
      expect((await sim('/add', { userid: 'zhouba', external_userid: external })).status).toBe(200);
    }
    await waitFor(async () => {
      await t.drain();
      return (await admin('GET', '/wecom/relations?staff=zhouba&q=筛选客户')).body.total === 2;
    }, 'both contacts of zhouba synced');
    const { items } = (await admin('GET', '/wecom/relations?staff=zhouba&q=筛选客户甲')).body;
    expect(items.map((r: { externalUserid: string }) => r.externalUserid)).toEqual([made[0]]);
    const addWay = items[0].addWay as number;
    expect((await admin('GET', `/wecom/relations?staff=zhouba&q=筛选客户&addWay=${addWay}`)).body.total).toBe(2);
    expect((await admin('GET', `/wecom/relations?staff=zhouba&q=筛选客户&addWay=${addWay + 1}`)).body.total).toBe(0);
    const added = new Date(items[0].addedAt).getTime();
    expect((await admin('GET', `/wecom/relations?staff=zhouba&q=筛选客户&addedFrom=${new Date(added + 60_000).toISOString()}`)).body.total).toBe(0);
    expect((await admin('GET', `/wecom/relations?staff=zhouba&q=筛选客户&addedFrom=${new Date(added - 3_600_000).toISOString()}&addedTo=${new Date(added + 3_600_000).toISOString()}`)).body.total).toBe(2);
    expect((await admin('GET', '/wecom/relations?addWay=x')).status).toBe(400);

    const res = await download(t, `/api/admin/wecom/relations/export.xlsx?staff=zhouba&q=${encodeURIComponent('筛选客户')}`, shop.owner);
    expect(res.status).toBe(200);
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.data as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('企微客户')!;
    const names = sheet.getColumn(1).values.slice(2).map(String).sort();
    expect(names).toEqual(['筛选客户乙', '筛选客户甲']);
    expect(sheet.getRow(2).getCell(4).value).toBe('周八');
    expect(sheet.getRow(2).getCell(10).value).toBe('正常');
  });
});
