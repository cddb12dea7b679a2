import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WECOM_SANDBOX } from '@siyu/sandbox';
import { startTestApp, type StaffSession, type TestApp } from '../../testing/harness.js';
import { connectCorp } from './followups.fixtures.js';

/**
 * The customer 360 sidebar: WeCom OAuth2 and JS-SDK signatures against the simulator, and what a member
 * may see and do for a contact they serve (and nothing for one they do not).
 */
let t: TestApp;
let shop: { shopId: string; slug: string; owner: StaffSession };
let w: Awaited<ReturnType<typeof connectCorp>>;
let offsetMs = 0;
const PAGE = 'https://shop.example.com/s/demo/wecom/sidebar?from=toolbar';

/** What the page does: ask for WeCom's OAuth2 URL, let WeCom (here: the sandbox, naming the member) redirect back with a code, exchange it. */
async function signIn(userid: string, slug = shop.slug) {
  const auth = await t.call('GET', `/api/store/${slug}/wecom/sidebar/authorize?redirect=${encodeURIComponent(PAGE)}`);
  expect(auth.status, JSON.stringify(auth.body)).toBe(200);
  const url = new URL((auth.body.url as string).split('#')[0]!);
  expect(url.pathname.endsWith('/connect/oauth2/authorize')).toBe(true);
  expect(url.searchParams.get('scope')).toBe('snsapi_base');
  url.searchParams.set('userid', userid);
  const back = await fetch(url, { redirect: 'manual' });
  expect(back.status).toBe(302);
  const code = new URL(back.headers.get('location')!).searchParams.get('code')!;
  const session = await t.call('POST', `/api/store/${slug}/wecom/sidebar/session`, { body: { code } });
  expect(session.status, JSON.stringify(session.body)).toBe(200);
  expect(session.body.userid).toBe(userid);
  return { 'x-wecom-sidebar-token': session.body.token as string };
}

const store = (method: string, path: string, headers: Record<string, string>, body?: unknown) => t.call(method, `/api/store/${shop.slug}/wecom${path}`, { headers, body });

let zhangsan: Record<string, string>;
let lisi: Record<string, string>;
let contact: Awaited<ReturnType<Awaited<ReturnType<typeof connectCorp>>['linkedContact']>>;

beforeAll(async () => {
  t = await startTestApp();
  shop = await t.createShop();
  t.services.wecom.reminders.clock = () => new Date(Date.now() + offsetMs);
  w = await connectCorp(t, shop);
  contact = await w.linkedContact('zhangsan', '侧边栏客户');
  zhangsan = await signIn('zhangsan');
  lisi = await signIn('lisi');
}, 120_000);
afterAll(() => t?.close());

describe('sidebar: who is asking', () => {
  it('refuses a forged, foreign or missing session and a bad code', async () => {
    expect((await store('GET', `/sidebar/customers/${contact.external}`, {})).status).toBe(401);
    const token = zhangsan['x-wecom-sidebar-token']!;
    const forged = `${Buffer.from(JSON.stringify({ s: shop.shopId, u: 'zhangsan', e: Date.now() + 1e9 })).toString('base64url')}.${token.split('.')[1]}x`;
    expect((await store('GET', `/sidebar/customers/${contact.external}`, { 'x-wecom-sidebar-token': forged })).status).toBe(401);
    // Another shop with its own corp (the same member ids): A's session is no session there, and its own
    // 张三 does not serve A's contact, so the contact does not exist for them.
    const other = await t.createShop();
    await connectCorp(t, other);
    expect((await t.call('GET', `/api/store/${other.slug}/wecom/sidebar/todos`, { headers: zhangsan })).status).toBe(401);
    const theirZhangsan = await signIn('zhangsan', other.slug);
    const across = await t.call('GET', `/api/store/${other.slug}/wecom/sidebar/customers/${contact.external}`, { headers: theirZhangsan });
    expect(across.status).toBe(404);
    expect(across.body.error.code).toBe('NOT_FOUND');
    const bad = await t.call('POST', `/api/store/${shop.slug}/wecom/sidebar/session`, { body: { code: 'not-a-code' } });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('WECOM_CODE_INVALID');
  });

  it('signs wx.config with the corp ticket and wx.agentConfig with the app ticket, as WeCom publishes (checked by hand)', async () => {
    const res = await store('GET', `/sidebar/jssdk?url=${encodeURIComponent(`${PAGE}#section`)}`, zhangsan);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ corpId: w.corpId, agentId: WECOM_SANDBOX.agentId, url: PAGE });
    // The tickets, fetched independently from the simulator with the app's own token.
    const base = `${t.url}/sandbox/wecom`;
    const token = (await (await fetch(`${base}/cgi-bin/gettoken?corpid=${w.corpId}&corpsecret=${WECOM_SANDBOX.agentSecret}`)).json()).access_token as string;
    const corpTicket = (await (await fetch(`${base}/cgi-bin/get_jsapi_ticket?access_token=${token}`)).json()).ticket as string;
    const agentTicket = (await (await fetch(`${base}/cgi-bin/ticket/get?access_token=${token}&type=agent_config`)).json()).ticket as string;
    expect(corpTicket).not.toBe(agentTicket);
    const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
    const { config, agentConfig } = res.body as Record<'config' | 'agentConfig', { timestamp: number; nonceStr: string; signature: string }>;
    expect(config.signature).toBe(sha1(`jsapi_ticket=${corpTicket}&noncestr=${config.nonceStr}&timestamp=${config.timestamp}&url=${PAGE}`));
    expect(agentConfig.signature).toBe(sha1(`jsapi_ticket=${agentTicket}&noncestr=${agentConfig.nonceStr}&timestamp=${agentConfig.timestamp}&url=${PAGE}`));
    expect(Math.abs(config.timestamp - Date.now() / 1000)).toBeLessThan(60);
  });
});

describe('sidebar: the customer', () => {
  it("shows the member their customer's order after the customer buys; a member who does not serve them gets 404", async () => {
    const before = await store('GET', `/sidebar/customers/${contact.external}`, zhangsan);
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    expect(before.body).toMatchObject({ contact: { externalUserid: contact.external, name: '侧边栏客户' }, relation: { id: contact.relationId, stage: 'pending' }, customer: { id: contact.customer.customerId, orders: { total: 0 } } });

    const p = await w.product('渐进多焦点镜片', null, 88_800);
    const paid = await w.buy(contact.customer, p.skus[0]!.id);
    const after = await store('GET', `/sidebar/customers/${contact.external}`, zhangsan);
    expect(after.body.customer.orders.total).toBe(1);
    expect(after.body.customer.orders.items[0]).toMatchObject({ orderNo: paid.orderNo, status: 'paid', items: [{ title: '渐进多焦点镜片', quantity: 1 }] });
    expect(after.body.customer).toMatchObject({ points: expect.any(Number), tags: expect.any(Array), coupons: { unused: 0 } });

    // 李四 does not serve this customer: as if the contact did not exist, for reads and for every action.
    const stranger = await store('GET', `/sidebar/customers/${contact.external}`, lisi);
    expect(stranger.status).toBe(404);
    expect(JSON.stringify(stranger.body)).not.toContain('侧边栏客户');
    expect((await store('GET', '/sidebar/customers/wmnosuchcontact', zhangsan)).status).toBe(404);
    expect((await store('POST', `/sidebar/customers/${contact.external}/followups`, lisi, { text: '偷看' })).status).toBe(404);
    expect((await store('POST', `/sidebar/customers/${contact.external}/product-card`, lisi, { productId: p.id })).status).toBe(404);

    // A member whose relation has ended no longer sees the customer either.
    const other = await w.linkedContact('wangwu', '已删除的客户');
    const wangwu = await signIn('wangwu');
    expect((await store('GET', `/sidebar/customers/${other.external}`, wangwu)).status).toBe(200);
    await w.removeStaff('wangwu', other.external);
    expect((await store('GET', `/sidebar/customers/${other.external}`, wangwu)).status).toBe(404);
  });

  it('keeps and shows health data only with the customer’s separate consent', async () => {
    const path = `/sidebar/customers/${contact.external}/fields`;
    const refused = await store('PUT', `${path}/prescription`, zhangsan, { label: '验光处方', value: 'R -3.25/-0.50×180 L -3.00', health: true });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'WECOM_HEALTH_CONSENT_MISSING', details: { field: 'health' } });
    expect((await store('PUT', `${path}/frame_size`, zhangsan, { label: '镜架尺寸', value: '52□18-140' })).status).toBe(200);

    const customer = { authorization: `Bearer ${contact.customer.token}` };
    expect((await t.call('PUT', `/api/store/${shop.slug}/wecom/health-consent`, { headers: customer, body: { granted: true } })).body).toEqual({ granted: true });
    expect((await store('PUT', `${path}/prescription`, zhangsan, { label: '验光处方', value: 'R -3.25/-0.50×180 L -3.00', health: true })).status).toBe(200);
    const shown = await store('GET', `/sidebar/customers/${contact.external}`, zhangsan);
    expect(shown.body.customer.healthConsent).toBe(true);
    expect(shown.body.customer.fields.map((f: { key: string }) => f.key).sort()).toEqual(['frame_size', 'prescription']);

    // Withdrawn: the prescription is not even sent to the page any more.
    expect((await t.call('PUT', `/api/store/${shop.slug}/wecom/health-consent`, { headers: customer, body: { granted: false } })).body).toEqual({ granted: false });
    const hidden = await store('GET', `/sidebar/customers/${contact.external}`, zhangsan);
    expect(hidden.body.customer.healthConsent).toBe(false);
    expect(hidden.body.customer.fields.map((f: { key: string }) => f.key)).toEqual(['frame_size']);
    expect(JSON.stringify(hidden.body)).not.toContain('-3.25');
  });

  it('sends a coupon into the customer’s account once per idempotency key, and tells the member', async () => {
    const tpl = await w.admin('POST', '/coupons', { name: '老客回店券', kind: 'no_threshold', amountOffFen: 2000, validity: { type: 'relative', days: 30 }, totalQuantity: 100, perCustomerLimit: 5 });
    expect(tpl.status, JSON.stringify(tpl.body)).toBe(201);
    const listed = await store('GET', '/sidebar/coupon-templates', zhangsan);
    expect(listed.body.items.map((c: { id: string }) => c.id)).toContain(tpl.body.id);

    const key = randomBytes(8).toString('hex');
    const first = await store('POST', `/sidebar/customers/${contact.external}/coupons`, zhangsan, { templateId: tpl.body.id, idempotencyKey: key });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ repeated: false, notice: '优惠券已发到客户账户', message: { msgtype: 'news' } });
    const again = await store('POST', `/sidebar/customers/${contact.external}/coupons`, zhangsan, { templateId: tpl.body.id, idempotencyKey: key });
    expect(again.body).toMatchObject({ repeated: true, couponId: first.body.couponId });
    const mine = (await w.admin('GET', `/customers/${contact.customer.customerId}/coupons`)).body.items.filter((c: { templateId: string }) => c.templateId === tpl.body.id);
    expect(mine).toHaveLength(1);
    // A new tap is a new coupon.
    const second = await store('POST', `/sidebar/customers/${contact.external}/coupons`, zhangsan, { templateId: tpl.body.id, idempotencyKey: randomBytes(8).toString('hex') });
    expect(second.body, JSON.stringify(second.body)).toMatchObject({ repeated: false });
    expect((await w.admin('GET', `/customers/${contact.customer.customerId}/coupons`)).body.items.filter((c: { templateId: string }) => c.templateId === tpl.body.id)).toHaveLength(2);
    expect((await store('GET', `/sidebar/customers/${contact.external}`, zhangsan)).body.customer.coupons.unused).toBe(2);
  });

  it('tags (mark_tag), adds a follow-up, answers a product card, and keeps the member’s to-dos', async () => {
    const tag = await w.admin('POST', '/wecom/tags', { groupName: '配镜', names: ['近视'] });
    const tagId = tag.body.tags[0].id as string;
    const tagged = await store('POST', `/sidebar/customers/${contact.external}/tags`, zhangsan, { add: [tagId] });
    expect(tagged.status, JSON.stringify(tagged.body)).toBe(200);
    expect(tagged.body.tagIds).toEqual([tagId]);
    expect(JSON.stringify((await w.sim(`/relations?external_userid=${contact.external}`)).body[0].tags)).toContain(tagId);

    const f = await store('POST', `/sidebar/customers/${contact.external}/followups`, zhangsan, { text: '聊天中确认下周来取镜', stage: 'interested' });
    expect(f.status, JSON.stringify(f.body)).toBe(201);
    expect(f.body).toMatchObject({ staffUserid: 'zhangsan', author: '张三', stageAfter: 'interested' });
    const view = await store('GET', `/sidebar/customers/${contact.external}`, zhangsan);
    expect(view.body.relation).toMatchObject({ stage: 'interested', tags: [{ id: tagId, name: '配镜·近视' }] });
    expect(view.body.followups[0]).toMatchObject({ text: '聊天中确认下周来取镜' });

    const p = await w.product('防蓝光镜片', null, 39_900);
    const card = await store('POST', `/sidebar/customers/${contact.external}/product-card`, zhangsan, { productId: p.id });
    expect(card.body).toMatchObject({ msgtype: 'news', enterChat: true, news: { title: '防蓝光镜片' } });
    expect(card.body.news.link).toContain(`/s/${shop.slug}/products/${p.id}`);
    expect(card.body.news.desc).toContain('¥399.00');

    const r = await store('POST', `/sidebar/customers/${contact.external}/reminders`, zhangsan, { dueAt: new Date(Date.now() + 86_400_000).toISOString(), text: '提醒 {{name}} 来取镜' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect((await store('GET', `/sidebar/customers/${contact.external}`, zhangsan)).body.reminders.map((x: { id: string }) => x.id)).toContain(r.body.id);
    offsetMs = 2 * 86_400_000;
    await t.services.wecom.reminders.dispatchDue();
    await t.drain();
    const todos = await store('GET', '/sidebar/todos', zhangsan);
    const todo = todos.body.open.find((x: { id: string }) => x.id === r.body.id);
    expect(todo).toMatchObject({ todo: 'open', externalUserid: contact.external });
    expect((await w.appMessages('zhangsan')).filter((m) => m.content === '提醒 侧边栏客户 来取镜')).toHaveLength(1);
    // Another member cannot touch it; its recipient snoozes it, then marks it done.
    expect((await store('PATCH', `/sidebar/todos/${r.body.id}`, lisi, { todo: 'done' })).status).toBe(404);
    const snoozed = await store('PATCH', `/sidebar/todos/${r.body.id}`, zhangsan, { todo: 'snoozed', snoozedUntil: new Date(Date.now() + 5 * 86_400_000).toISOString() });
    expect(snoozed.body.todo).toBe('snoozed');
    expect((await store('GET', '/sidebar/todos', zhangsan)).body.snoozed.map((x: { id: string }) => x.id)).toContain(r.body.id);
    expect((await store('PATCH', `/sidebar/todos/${r.body.id}`, zhangsan, { todo: 'done' })).body.todo).toBe('done');
    expect((await store('GET', '/sidebar/todos', zhangsan)).body.done.map((x: { id: string }) => x.id)).toContain(r.body.id);
    offsetMs = 0;
  });
});
