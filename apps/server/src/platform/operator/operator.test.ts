import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type StaffSession, type TestApp } from '../../testing/harness.js';
import { bearer, createProduct, signInCustomer, type CustomerFixture } from '../../testing/commerce.js';
import { operatorCommand } from './cli.js';

let t: TestApp;
const LOGIN = 'platform-ops';
const PASSWORD = 'operator-password-1';

interface OperatorSession {
  cookie: string;
  csrf: string;
}

async function operatorSignIn(login = LOGIN, password = PASSWORD): Promise<OperatorSession> {
  const res = await t.call('POST', '/api/platform/auth/sign-in', { body: { login, password } });
  if (res.status !== 200) throw new Error(`operator sign-in: ${res.status} ${JSON.stringify(res.body)}`);
  return { cookie: res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), csrf: res.body.csrfToken };
}

const op = (s: OperatorSession, extra: Record<string, string> = {}) => ({ cookie: s.cookie, 'x-csrf-token': s.csrf, ...extra });

let ops: OperatorSession;
let shop: { shopId: string; slug: string; owner: StaffSession };
let customer: CustomerFixture;
let skuId: string;
let pickupPointId: string;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000' });
  await t.services.operators.set({ login: LOGIN, password: PASSWORD });
  ops = await operatorSignIn();
  shop = await t.createShop();
  skuId = (await createProduct(t, shop.owner, { title: '白茶', priceFen: 9900, stock: 20 })).skus[0].id;
  pickupPointId = (await t.call('POST', '/api/admin/pickup-points', { session: shop.owner, body: { name: '西湖店', address: '杭州市西湖区 1 号' } })).body.id;
  customer = await signInCustomer(t, shop.slug);
});
afterAll(() => t?.close());

const placeOrder = () => t.call('POST', `/api/store/${shop.slug}/orders`, { headers: bearer(customer), body: { items: [{ skuId, quantity: 1 }], fulfilment: 'pickup', pickupPointId } });

describe('platform operator sign-in', () => {
  it('refuses a wrong password and an unknown login', async () => {
    const wrong = await t.call('POST', '/api/platform/auth/sign-in', { body: { login: LOGIN, password: 'not-the-password' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
    const unknown = await t.call('POST', '/api/platform/auth/sign-in', { body: { login: 'someone-else', password: PASSWORD } });
    expect(unknown.body.error.code).toBe('INVALID_CREDENTIALS');
    const me = await t.call('GET', '/api/platform/auth/me', { headers: op(ops) });
    expect(me.body.operator).toMatchObject({ login: LOGIN, displayName: '平台运营' });
  });

  it("refuses shop staff, API keys, strangers and writes without the operator's CSRF token", async () => {
    const key = await t.call('POST', '/api/admin/api-keys', { session: shop.owner, body: { name: 'ERP', role: 'owner' } });
    const attempts = [
      await t.call('GET', '/api/platform/shops', { session: shop.owner }),
      await t.call('GET', '/api/platform/shops', { headers: { authorization: `Bearer ${key.body.key}` } }),
      await t.call('GET', '/api/platform/shops'),
      await t.call('POST', `/api/platform/shops/${shop.shopId}/suspend`, { session: shop.owner, body: { reason: '店员自己来' } }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHENTICATED');
    }
    // The staff cookie next to the operator's, and the staff CSRF token in place of the operator's.
    const mixed = await t.call('POST', `/api/platform/shops/${shop.shopId}/suspend`, { headers: { cookie: `${ops.cookie}; ${shop.owner.cookie}`, 'x-csrf-token': shop.owner.csrf }, body: { reason: '混用令牌' } });
    expect(mixed.status).toBe(403);
    expect(mixed.body.error.code).toBe('CSRF_INVALID');
    // And the operator's session opens no shop's console.
    expect((await t.call('GET', '/api/admin/shop', { headers: op(ops) })).status).toBe(401);
    expect((await t.call('GET', `/api/admin/shop`, { session: shop.owner })).body.status).toBe('active');
  });
});

describe('the shop list', () => {
  it('lists every shop with owner, status and counts, newest first, searchable', async () => {
    expect((await placeOrder()).status).toBe(201);
    const other = await t.createShop();
    const list = await t.call('GET', '/api/platform/shops?pageSize=100', { headers: op(ops) });
    expect(list.status).toBe(200);
    expect(list.body.total).toBeGreaterThanOrEqual(2);
    expect(list.body.items[0].id).toBe(other.shopId);
    const mine = list.body.items.find((s: { id: string }) => s.id === shop.shopId);
    expect(mine).toMatchObject({ slug: shop.slug, status: 'active', products: 1, orders: 1, owner: { login: shop.owner.login, displayName: 'Owner' } });
    const found = await t.call('GET', `/api/platform/shops?q=${encodeURIComponent(shop.slug.toUpperCase())}`, { headers: op(ops) });
    expect(found.body.items.map((s: { id: string }) => s.id)).toEqual([shop.shopId]);
    const suspended = await t.call('GET', '/api/platform/shops?status=suspended', { headers: op(ops) });
    expect(suspended.body.items).toEqual([]);
  });
});

describe('suspending and resuming a shop', () => {
  it('stops the storefront taking orders at once, keeps reads, and lets staff in with the status', async () => {
    // The storefront has the shop cached (30 s) before the suspension.
    expect((await t.call('GET', `/api/store/${shop.slug}/products`)).status).toBe(200);
    const res = await t.call('POST', `/api/platform/shops/${shop.shopId}/suspend`, { headers: op(ops), body: { reason: '涉嫌售卖违禁品,核实中', reasonPublic: true } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ changed: true, shop: { status: 'suspended', suspensionReason: '涉嫌售卖违禁品,核实中', suspensionReasonPublic: true } });

    const order = await placeOrder();
    expect(order.status).toBe(403);
    expect(order.body.error).toMatchObject({ code: 'SHOP_SUSPENDED', details: { field: 'shop' } });
    const zh = await t.call('POST', `/api/store/${shop.slug}/cart/items`, { headers: bearer(customer, { 'accept-language': 'zh-CN' }), body: { skuId, quantity: 1 } });
    expect(zh.body.error).toMatchObject({ code: 'SHOP_SUSPENDED', message: '店铺暂停营业,暂不能下单' });
    expect((await t.call('POST', `/api/store/${shop.slug}/auth/sms-code`, { body: { phone: customer.phone, purpose: 'sign_in' } })).body.error.code).toBe('SHOP_SUSPENDED');
    expect((await t.call('GET', `/api/store/${shop.slug}/products`)).status).toBe(200);
    expect((await t.call('GET', `/api/store/${shop.slug}/shop`)).body).toMatchObject({ status: 'suspended', suspensionReason: '涉嫌售卖违禁品,核实中' });

    const staff = await t.signIn(shop.owner.login, shop.owner.password);
    expect((await t.call('GET', '/api/admin/shop', { session: staff })).body).toMatchObject({ status: 'suspended', suspensionReason: '涉嫌售卖违禁品,核实中' });
    const shopAudit = await t.call('GET', '/api/admin/audit-log', { session: staff });
    expect(shopAudit.body.items[0]).toMatchObject({ action: 'shop.suspend', actorType: 'system', after: { status: 'suspended', reason: '涉嫌售卖违禁品,核实中' } });

    // A second click changes and records nothing.
    const again = await t.call('POST', `/api/platform/shops/${shop.shopId}/suspend`, { headers: op(ops), body: { reason: '再点一次' } });
    expect(again.body.changed).toBe(false);
    expect(again.body.shop.suspensionReason).toBe('涉嫌售卖违禁品,核实中');
  });

  it('keeps a private reason off the storefront', async () => {
    const quiet = await t.createShop();
    await t.call('POST', `/api/platform/shops/${quiet.shopId}/suspend`, { headers: op(ops), body: { reason: '资质过期' } });
    expect((await t.call('GET', `/api/store/${quiet.slug}/shop`)).body).toMatchObject({ status: 'suspended', suspensionReason: null });
    const detail = await t.call('GET', `/api/platform/shops/${quiet.shopId}`, { headers: op(ops) });
    expect(detail.body).toMatchObject({ status: 'suspended', suspensionReason: '资质过期', suspensionReasonPublic: false });
    expect(detail.body.history[0]).toMatchObject({ action: 'shop.suspend', reason: '资质过期', operatorLogin: LOGIN });
  });

  it('resumes the shop: orders are taken again', async () => {
    const res = await t.call('POST', `/api/platform/shops/${shop.shopId}/resume`, { headers: op(ops), body: { reason: '核实无误' } });
    expect(res.body).toMatchObject({ changed: true, shop: { status: 'active', suspensionReason: null } });
    expect((await placeOrder()).status).toBe(201);
    expect((await t.call('GET', `/api/store/${shop.slug}/shop`)).body.status).toBe('active');
  });

  it('records every operator action in its audit log', async () => {
    const log = await t.call('GET', '/api/platform/audit-log?limit=200', { headers: op(ops) });
    const actions = log.body.items.map((e: { action: string; shopId: string | null; reason: string | null }) => [e.action, e.shopId === shop.shopId ? 'shop' : e.shopId ? 'other' : null, e.reason]);
    expect(actions).toContainEqual(['shop.suspend', 'shop', '涉嫌售卖违禁品,核实中']);
    expect(actions).toContainEqual(['shop.resume', 'shop', '核实无误']);
    expect(actions).toContainEqual(['sign_in', null, null]);
    expect(actions.filter(([a, s]: string[]) => a === 'shop.suspend' && s === 'shop')).toHaveLength(1);
    const missing = await t.call('POST', '/api/platform/shops/00000000-0000-4000-8000-000000000000/suspend', { headers: op(ops), body: { reason: '不存在的店' } });
    expect(missing.status).toBe(404);
  });
});

describe('setting the operator', () => {
  it('the operator command changes the credentials and ends the sessions of the old ones', async () => {
    const open = async () => ({ operators: t.services.operators, close: async () => undefined });
    expect(await operatorCommand(['--login', 'ops2', '--password', 'short'], t.platform.config, open)).toBe(2);
    expect(await operatorCommand(['--login', 'ops2', '--password', 'a-long-new-password', '--name', '平台小王'], t.platform.config, open)).toBe(0);
    expect((await t.call('GET', '/api/platform/auth/me', { headers: op(ops) })).status).toBe(401);
    const fresh = await operatorSignIn('ops2', 'a-long-new-password');
    expect((await t.call('GET', '/api/platform/auth/me', { headers: op(fresh) })).body.operator).toMatchObject({ login: 'ops2', displayName: '平台小王' });
    const rows = await t.services.operators.auditLog({ limit: 10 });
    expect(rows.find((e) => e.action === 'operator.update')).toMatchObject({ operatorLogin: 'cli', before: { login: LOGIN }, after: { login: 'ops2' } });
  });

  it('makes one at first start only when there is none (printed password on a demo start)', async () => {
    expect(await t.services.operators.ensureAtStart({ demo: true })).toEqual({ login: 'ops2', created: false });
    const fresh = await startTestApp();
    try {
      expect(await fresh.services.operators.ensureAtStart({ demo: false })).toBeNull();
      const made = await fresh.services.operators.ensureAtStart({ demo: true });
      expect(made).toMatchObject({ login: 'operator', created: true });
      expect(made!.password!.length).toBeGreaterThanOrEqual(16);
      const res = await fresh.call('POST', '/api/platform/auth/sign-in', { body: { login: 'operator', password: made!.password } });
      expect(res.status).toBe(200);
    } finally {
      await fresh.close();
    }
  });

  it('makes one operator when several processes start together with OPERATOR_LOGIN / OPERATOR_PASSWORD', async () => {
    const fresh = await startTestApp({ OPERATOR_LOGIN: 'env-ops', OPERATOR_PASSWORD: 'env-operator-pass' });
    try {
      const results = await Promise.all([1, 2, 3].map(() => fresh.services.operators.ensureAtStart({ demo: false })));
      expect(results.filter((r) => r?.created)).toHaveLength(1);
      expect(results.every((r) => r?.login === 'env-ops' && r.password === undefined)).toBe(true);
      expect((await fresh.services.operators.auditLog({ limit: 10 })).filter((e) => e.action === 'operator.create')).toHaveLength(1);
      expect((await fresh.call('POST', '/api/platform/auth/sign-in', { body: { login: 'env-ops', password: 'env-operator-pass' } })).status).toBe(200);
    } finally {
      await fresh.close();
    }
  });
});
