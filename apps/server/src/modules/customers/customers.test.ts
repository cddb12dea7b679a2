import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, customerHelpers, newPhone } from './test-helpers.js';

let t: TestApp;
let h: ReturnType<typeof customerHelpers>;
beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '1000' });
  h = customerHelpers(t);
});
afterAll(() => t?.close());

const address = (n: number, extra: Record<string, unknown> = {}) => ({
  contactName: `收货人${n}`,
  phone: '13800138000',
  province: '浙江省',
  city: '杭州市',
  district: '西湖区',
  detail: `文三路 ${n} 号`,
  ...extra,
});

describe('addresses', () => {
  it('keeps exactly one default: first is default, a new default demotes, deleting the default promotes', async () => {
    const { slug } = await t.createShop();
    const { token } = await h.smsSignIn(slug);
    const post = (body: unknown) => t.call('POST', `/api/store/${slug}/me/addresses`, { headers: bearer(token), body });
    const list = async () => (await t.call('GET', `/api/store/${slug}/me/addresses`, { headers: bearer(token) })).body.items as any[];
    const defaults = async () => (await list()).filter((a) => a.isDefault).map((a) => a.id);

    const a1 = (await post(address(1, { isDefault: false }))).body;
    expect(a1.isDefault).toBe(true);
    const a2 = (await post(address(2))).body;
    expect(await defaults()).toEqual([a1.id]);
    const a3 = (await post(address(3, { isDefault: true, postalCode: '310000' }))).body;
    expect(a3).toMatchObject({ isDefault: true, postalCode: '310000' });
    expect(await defaults()).toEqual([a3.id]);

    const patched = await t.call('PATCH', `/api/store/${slug}/me/addresses/${a2.id}`, { headers: bearer(token), body: { isDefault: true, detail: '新地址 8 号' } });
    expect(patched.body).toMatchObject({ isDefault: true, detail: '新地址 8 号', contactName: '收货人2' });
    expect(await defaults()).toEqual([a2.id]);

    // Turning the default off hands it to another address.
    const off = await t.call('PATCH', `/api/store/${slug}/me/addresses/${a2.id}`, { headers: bearer(token), body: { isDefault: false } });
    expect(off.body.isDefault).toBe(false);
    expect((await defaults())).toHaveLength(1);

    const current = (await defaults())[0];
    expect((await t.call('DELETE', `/api/store/${slug}/me/addresses/${current}`, { headers: bearer(token) })).status).toBe(200);
    expect(await list()).toHaveLength(2);
    expect(await defaults()).toHaveLength(1);
    expect((await list())[0].isDefault).toBe(true);
  });

  it('allows at most 20 addresses and validates fields', async () => {
    const { slug } = await t.createShop();
    const { token } = await h.smsSignIn(slug);
    for (let i = 0; i < 20; i++) expect((await t.call('POST', `/api/store/${slug}/me/addresses`, { headers: bearer(token), body: address(i) })).status).toBe(201);
    const over = await t.call('POST', `/api/store/${slug}/me/addresses`, { headers: bearer(token), body: address(21) });
    expect(over.status).toBe(422);
    expect(over.body.error.code).toBe('ADDRESS_LIMIT_REACHED');
    const bad = await t.call('POST', `/api/store/${slug}/me/addresses`, { headers: bearer(token), body: address(1, { phone: '12345' }) });
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'phone' } });
    expect((await t.call('GET', `/api/store/${slug}/me/addresses`)).body.error.code).toBe('UNAUTHENTICATED');
  });

  it("answers 404 for another customer's address", async () => {
    const { slug, shopId } = await t.createShop();
    const alice = await h.smsSignIn(slug);
    const bob = await h.smsSignIn(slug);
    const a = (await t.call('POST', `/api/store/${slug}/me/addresses`, { headers: bearer(alice.token), body: address(1) })).body;
    for (const [method, body] of [['GET'], ['PATCH', { detail: 'x 号' }], ['DELETE']] as const) {
      const res = await t.call(method, `/api/store/${slug}/me/addresses/${a.id}`, { headers: bearer(bob.token), body });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    expect((await t.services.customers.getAddress(shopId, alice.customer.id, a.id)).detail).toBe('文三路 1 号');
    await expect(t.services.customers.getAddress(shopId, bob.customer.id, a.id)).rejects.toMatchObject({ status: 404 });
  });
});

describe('profile', () => {
  it('lets the customer change nickname, avatar and gender', async () => {
    const { slug } = await t.createShop();
    const { token } = await h.smsSignIn(slug);
    const res = await t.call('PATCH', `/api/store/${slug}/me`, { headers: bearer(token), body: { nickname: '小红', gender: 'female' } });
    expect(res.body).toMatchObject({ nickname: '小红', gender: 'female' });
    expect((await t.call('PATCH', `/api/store/${slug}/me`, { headers: bearer(token), body: { phone: '13900000000' } })).status).toBe(400);
  });
});

describe('shop isolation', () => {
  it("refuses shop A's customer token on shop B and hides A's customers and addresses from B", async () => {
    const a = await t.createShop();
    const b = await t.createShop();
    const alice = await h.smsSignIn(a.slug);
    const addr = (await t.call('POST', `/api/store/${a.slug}/me/addresses`, { headers: bearer(alice.token), body: address(1) })).body;

    const cross = await t.call('GET', `/api/store/${b.slug}/me`, { headers: bearer(alice.token) });
    expect(cross.status).toBe(401);
    expect(cross.body.error.code).toBe('SESSION_EXPIRED');

    const bob = await h.smsSignIn(b.slug, alice.phone);
    expect(bob.customer.id).not.toBe(alice.customer.id);
    expect((await t.call('GET', `/api/store/${b.slug}/me/addresses/${addr.id}`, { headers: bearer(bob.token) })).status).toBe(404);
    expect((await t.call('DELETE', `/api/store/${b.slug}/me/addresses/${addr.id}`, { headers: bearer(bob.token) })).status).toBe(404);

    expect((await t.call('GET', `/api/admin/customers/${alice.customer.id}`, { session: b.owner })).status).toBe(404);
    expect((await t.call('PATCH', `/api/admin/customers/${alice.customer.id}`, { session: b.owner, body: { remark: 'x' } })).status).toBe(404);
    const listB = await t.call('GET', '/api/admin/customers', { session: b.owner });
    expect(listB.body.items.map((c: any) => c.id)).toEqual([bob.customer.id]);
    await expect(t.services.customers.getCustomer(b.shopId, alice.customer.id)).rejects.toMatchObject({ status: 404 });
    await expect(t.services.customers.getAddress(b.shopId, alice.customer.id, addr.id)).rejects.toMatchObject({ status: 404 });
  });
});

describe('admin customers', () => {
  it('lists, searches, filters, shows detail and edits with an audit entry', async () => {
    const shop = await t.createShop();
    const p1 = await h.smsSignIn(shop.slug, '13712345678');
    const p2 = await h.smsSignIn(shop.slug);
    const wx = await h.wechatSignIn(shop.slug, { key: `admin-${newPhone()}`, nickname: '张小花' });
    const get = (q = '') => t.call('GET', `/api/admin/customers${q}`, { session: shop.owner });

    const all = await get();
    expect(all.body).toMatchObject({ total: 3, page: 1, pageSize: 20 });
    expect(all.body.items.map((c: any) => c.id)).toEqual([wx.customer.id, p2.customer.id, p1.customer.id]);
    expect((await get('?q=1234567')).body.items.map((c: any) => c.id)).toEqual([p1.customer.id]);
    expect((await get(`?q=${encodeURIComponent('小花')}`)).body.items.map((c: any) => c.id)).toEqual([wx.customer.id]);
    expect((await get('?source=wechat')).body.total).toBe(1);
    expect((await get('?source=sms&pageSize=1&page=2')).body).toMatchObject({ total: 2, items: [{ id: p1.customer.id }] });
    expect((await get(`?registeredFrom=${new Date(Date.now() + 60_000).toISOString()}`)).body.total).toBe(0);
    expect((await get('?q=%25')).body.total).toBe(0);

    const detail = await get(`/${wx.customer.id}`);
    expect(detail.body).toMatchObject({ source: 'wechat', nickname: '张小花', addresses: [], identities: [{ provider: 'wechat', appId: 'wxsandbox000000001' }] });

    const service = await t.createStaff(shop.owner, 'customer_service');
    const edit = await t.call('PATCH', `/api/admin/customers/${p1.customer.id}`, { session: service, body: { remark: '老客户,爱买眼镜', nickname: '王先生' } });
    expect(edit.body).toMatchObject({ remark: '老客户,爱买眼镜', nickname: '王先生' });
    const log = await t.call('GET', '/api/admin/audit-log', { session: shop.owner });
    const entry = log.body.items.find((e: any) => e.entity === 'customer');
    expect(entry).toMatchObject({ entityId: p1.customer.id, before: { remark: null }, after: { remark: '老客户,爱买眼镜' } });

    const copywriter = await t.createStaff(shop.owner, 'copywriter');
    expect((await t.call('GET', '/api/admin/customers', { session: copywriter })).status).toBe(403);
    const planner = await t.createStaff(shop.owner, 'planner');
    expect((await t.call('PATCH', `/api/admin/customers/${p1.customer.id}`, { session: planner, body: { remark: 'x' } })).status).toBe(403);
  });

  it('gives other modules phones, ids by phone and new customers per day', async () => {
    const shop = await t.createShop();
    const a = await h.smsSignIn(shop.slug);
    const s = t.services.customers;
    expect(await s.findIdsByPhone(shop.shopId, a.phone)).toEqual([a.customer.id]);
    expect((await s.phonesFor(shop.shopId, [a.customer.id])).get(a.customer.id)).toBe(a.phone);
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    expect((await s.newCustomersByDay(shop.shopId, new Date(Date.now() - 86400_000))).get(today)).toBe(1);
    expect((await s.getCustomer(shop.shopId, a.customer.id)).source).toBe('sms');
    expect(await s.wechatOpenid(shop.shopId, a.customer.id, 'wxsandbox000000001')).toBeNull();
  });
});
