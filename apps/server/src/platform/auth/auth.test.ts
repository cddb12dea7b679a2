import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { rows, sql } from '../db/index.js';

let t: TestApp;
beforeAll(async () => {
  // Sign-ins come "from" chosen client addresses through the loopback proxy.
  t = await startTestApp({ LOGIN_MAX_FAILURES: '3', TRUST_PROXY: 'loopback' });
});
afterAll(() => t?.close());

describe('staff sign-in and sessions', () => {
  it('signs in with a cookie session and answers /auth/me', async () => {
    const shop = await t.createShop();
    const me = await t.call('GET', '/api/admin/auth/me', { session: shop.owner });
    expect(me.status).toBe(200);
    expect(me.body.actor.role).toBe('owner');
    expect(me.body.shop.id).toBe(shop.shopId);
    expect(me.body.permissions).toContain('orders:refund');
  });

  it('refuses a wrong password and locks the account after repeated failures', async () => {
    const shop = await t.createShop();
    const wrong = () => t.call('POST', '/api/admin/auth/sign-in', { body: { login: shop.owner.login, password: 'nope-nope' } });
    expect((await wrong()).body.error.code).toBe('INVALID_CREDENTIALS');
    expect((await wrong()).status).toBe(401);
    const third = await wrong();
    expect(third.status).toBe(423);
    expect(third.body.error.code).toBe('ACCOUNT_LOCKED');
    // Even the right password is refused while locked.
    const right = await t.call('POST', '/api/admin/auth/sign-in', { body: { login: shop.owner.login, password: shop.owner.password } });
    expect(right.body.error.code).toBe('ACCOUNT_LOCKED');
  });

  it('counts parallel wrong passwords before checking them: 30 at once get at most the limit of tries', async () => {
    const shop = await t.createShop();
    const from = { 'x-forwarded-for': '198.51.100.30' };
    const res = await Promise.all(
      Array.from({ length: 30 }, () => t.call('POST', '/api/admin/auth/sign-in', { body: { login: shop.owner.login, password: 'wrong-password' }, headers: from })),
    );
    const codes = res.map((r) => r.body.error.code);
    // A try that was checked answers INVALID_CREDENTIALS (or ACCOUNT_LOCKED for the last one); the rest never reach the hash.
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS').length).toBeLessThanOrEqual(2);
    expect(codes.filter((c) => c === 'ACCOUNT_LOCKED').length).toBeGreaterThanOrEqual(28);
    const [row] = await rows<{ attempts: number }>(t.platform.db, sql`SELECT attempts FROM staff_sign_in_attempts WHERE login = ${shop.owner.login} AND ip = '198.51.100.30'`);
    expect(row.attempts).toBe(30);
    const right = await t.call('POST', '/api/admin/auth/sign-in', { body: { login: shop.owner.login, password: shop.owner.password }, headers: from });
    expect(right.status).toBe(423);
    expect(Date.parse(right.body.error.details.lockedUntil)).toBeGreaterThan(Date.now());
  });

  it('locks per login and client address: a stranger’s guesses do not lock the owner out', async () => {
    const shop = await t.createShop();
    const attempt = (ip: string, password: string) => t.call('POST', '/api/admin/auth/sign-in', { body: { login: shop.owner.login, password }, headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 5; i++) await attempt('203.0.113.66', `guess-${i}-password`);
    expect((await attempt('203.0.113.66', shop.owner.password)).body.error.code).toBe('ACCOUNT_LOCKED');
    const owner = await attempt('198.51.100.8', shop.owner.password);
    expect(owner.status).toBe(200);
    // A success clears the owner's own count: two slips, a success, two slips again — never locked.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2; i++) expect((await attempt('198.51.100.9', 'typo-password')).status).toBe(401);
      expect((await attempt('198.51.100.9', shop.owner.password)).status).toBe(200);
    }
    // The same login written in other case is the same target for counting.
    const upper = await t.call('POST', '/api/admin/auth/sign-in', { body: { login: shop.owner.login.toUpperCase(), password: 'x-wrong-password' }, headers: { 'x-forwarded-for': '203.0.113.66' } });
    expect(upper.body.error.code).toBe('ACCOUNT_LOCKED');
  });

  it('requires the CSRF header for cookie-session writes', async () => {
    const shop = await t.createShop();
    const res = await t.call('PATCH', '/api/admin/shop', { session: shop.owner, headers: { 'x-csrf-token': 'forged' }, body: { name: 'x' } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('CSRF_INVALID');
    const ok = await t.call('PATCH', '/api/admin/shop', { session: shop.owner, body: { name: '新名字' } });
    expect(ok.status).toBe(200);
    expect(ok.body.name).toBe('新名字');
  });

  it('rejects a missing or expired session with a stable code', async () => {
    expect((await t.call('GET', '/api/admin/auth/me')).body.error.code).toBe('UNAUTHENTICATED');
    const res = await t.call('GET', '/api/admin/auth/me', { headers: { cookie: 'siyu_session=not-a-session' } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('SESSION_EXPIRED');
  });

  it('lets an integrator use an API key, and a revoked key stops working', async () => {
    const shop = await t.createShop();
    const created = await t.call('POST', '/api/admin/api-keys', { session: shop.owner, body: { name: 'ERP', role: 'operator' } });
    expect(created.status).toBe(201);
    const auth = { authorization: `Bearer ${created.body.key}` };
    const me = await t.call('GET', '/api/admin/auth/me', { headers: auth });
    expect(me.body.actor).toMatchObject({ type: 'api_key', role: 'operator', shopId: shop.shopId });
    // An operator key cannot manage staff.
    expect((await t.call('POST', '/api/admin/staff', { headers: auth, body: { login: 'x-user', password: 'longenough', displayName: 'x', role: 'admin' } })).status).toBe(403);
    await t.call('DELETE', `/api/admin/api-keys/${created.body.id}`, { session: shop.owner });
    expect((await t.call('GET', '/api/admin/auth/me', { headers: auth })).body.error.code).toBe('API_KEY_INVALID');
  });

  it('writes an audit entry with before and after for a staff write', async () => {
    const shop = await t.createShop();
    await t.call('PATCH', '/api/admin/shop', { session: shop.owner, body: { settings: { unpaidTimeoutMinutes: 45 } } });
    const log = await t.call('GET', '/api/admin/audit-log', { session: shop.owner });
    const entry = log.body.items.find((e: any) => e.action === 'PATCH /api/admin/shop');
    expect(entry.actorName).toBe('Owner');
    expect(entry.before.settings.unpaidTimeoutMinutes).toBe(30);
    expect(entry.after.settings.unpaidTimeoutMinutes).toBe(45);
  });

  it('validates bodies with field-level errors and refuses malformed JSON', async () => {
    const shop = await t.createShop();
    const bad = await t.call('POST', '/api/admin/staff', { session: shop.owner, body: { login: 'ok-login', password: 'short', displayName: 'x', role: 'admin' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'password' } });
    const junk = await t.call('POST', '/api/admin/staff', { session: shop.owner, body: '{"login": ' });
    expect(junk.status).toBe(400);
    expect(junk.body.error.code).toBe('INVALID_JSON');
    const zh = await t.call('POST', '/api/admin/staff', { session: shop.owner, headers: { 'accept-language': 'zh-CN' }, body: '{' });
    expect(zh.body.error.message).toBe('请求体不是合法的 JSON');
  });
});

describe('ops endpoints', () => {
  it('serves health, readiness, metrics and the OpenAPI document', async () => {
    expect((await t.call('GET', '/healthz')).body.status).toBe('ok');
    expect((await t.call('GET', '/readyz')).body.checks).toEqual({ database: 'ok', hotStore: 'ok' });
    const metrics = await t.call('GET', '/metrics');
    expect(metrics.body).toContain('siyu_http_requests_total');
    const doc = await t.call('GET', '/openapi.json');
    expect(doc.body.openapi).toBe('3.0.3');
    expect(Object.keys(doc.body.paths)).toContain('/api/admin/auth/sign-in');
    const docs = await fetch(t.url + '/docs/');
    expect(docs.status).toBe(200);
    expect((await t.call('GET', '/healthz')).headers.get('x-content-type-options')).toBe('nosniff');
  });
});
