import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type Runtime } from '../../app/runtime.js';
import { sha256 } from '../../platform/auth/tokens.js';
import { loadConfig } from '../../platform/config.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { CustomersService } from './service.js';
import { isSignedToken, readSessionToken, REVOKED_KEY, signSessionToken } from './sessions.js';
import { bearer, customerHelpers, newPhone, sleep } from './test-helpers.js';

const env = { SMS_RESEND_SECONDS: '1', SMS_DAILY_LIMIT: '100', SMS_IP_HOURLY_LIMIT: '10000', TRUST_PROXY: 'loopback' };

let t: TestApp;
let h: ReturnType<typeof customerHelpers>;
let shop: Awaited<ReturnType<TestApp['createShop']>>;
/**
 * "Another process": on PostgreSQL + Redis a second server on the same schema and the same Redis keys;
 * embedded, where one process is all there is, a second customers service over the same database and
 * hot store (its own token cache and its own view of ended sessions, as a process has).
 */
let other: { resolves(token: string): Promise<boolean>; close(): Promise<void> };

beforeAll(async () => {
  t = await startTestApp(env);
  h = customerHelpers(t);
  shop = await t.createShop();
  if (process.env.DATABASE_URL && process.env.REDIS_URL) {
    const prefix = (t.platform.hot as unknown as { prefix: string }).prefix;
    const config = loadConfig({ ...process.env, NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', SEED_DEMO: 'false', ...env });
    const b: Runtime = await startRuntime(config, { serve: true, worker: false, listen: { host: '127.0.0.1', port: 0 } }, {
      pgliteDir: 'memory://', schema: t.database.schema, redisPrefix: prefix, mediaDir: path.join(os.tmpdir(), `siyu-media-${randomBytes(4).toString('hex')}`), poolSize: 4,
    });
    other = {
      resolves: async (token) => (await fetch(`${b.url}/api/store/${shop.slug}/me`, { headers: bearer(token) })).status === 200,
      close: () => b.close(),
    };
  } else {
    const b = new CustomersService(t.platform, t.services.tenancy);
    other = { resolves: async (token) => (await b.resolveToken(shop.shopId, token)) !== null, close: async () => undefined };
  }
}, 60_000);
afterAll(async () => {
  await other?.close();
  await t?.close();
});

const me = (token: string, slug = shop.slug) => t.call('GET', `/api/store/${slug}/me`, { headers: bearer(token) });

/** Polls the other process until it refuses the token; answers how long that took. */
async function refusedByOtherWithin(token: string, ms: number) {
  const from = Date.now();
  while (await other.resolves(token)) {
    if (Date.now() - from > ms) throw new Error(`the other process still accepts the token after ${ms} ms`);
    await sleep(20);
  }
  return Date.now() - from;
}

/** Runs `fn` while every database query throws: proves a path reads nothing from the database. */
async function withoutDatabase<T>(fn: () => Promise<T>): Promise<T> {
  const db = t.platform.db;
  t.platform.db = new Proxy(db, { get: () => () => { throw new Error('the database was used'); } });
  try {
    return await fn();
  } finally {
    t.platform.db = db;
  }
}

describe('signed customer sessions', () => {
  it('are signed, recorded in customer_sessions, and resolved without the database', async () => {
    const c = await h.smsSignIn(shop.slug);
    expect(isSignedToken(c.token)).toBe(true);
    const claims = readSessionToken(t.platform.config.SESSION_SECRET, c.token)!;
    expect(claims).toMatchObject({ customerId: c.customer.id, shopId: shop.shopId });
    const recorded = ((await t.platform.db.execute(sql`SELECT customer_id, expires_at FROM customer_sessions WHERE token_hash = ${sha256(c.token)}`)) as unknown as { rows: { customer_id: string; expires_at: Date | string }[] }).rows;
    expect(recorded).toHaveLength(1);
    expect(recorded[0].customer_id).toBe(c.customer.id);
    expect(new Date(recorded[0].expires_at).getTime()).toBe(claims.expiresAt);
    await t.services.customers.resolveToken(shop.shopId, c.token);
    const resolved = await withoutDatabase(async () => [
      await t.services.customers.resolveToken(shop.shopId, c.token),
      await t.services.customers.resolveToken(shop.shopId, c.token),
    ]);
    expect(resolved).toEqual([{ id: c.customer.id, shopId: shop.shopId }, { id: c.customer.id, shopId: shop.shopId }]);
    expect((await me(c.token)).body).toMatchObject({ id: c.customer.id });
  });

  it('a signed-out token is refused at once here and within a second in another process', async () => {
    const c = await h.smsSignIn(shop.slug);
    const kept = await h.smsSignIn(shop.slug);
    expect(await other.resolves(c.token)).toBe(true);
    expect((await t.call('POST', `/api/store/${shop.slug}/auth/sign-out`, { headers: bearer(c.token) })).status).toBe(200);
    expect((await me(c.token)).status).toBe(401);
    const took = await refusedByOtherWithin(c.token, 1000);
    expect(took).toBeLessThan(1000);
    // Only that session ended.
    expect((await me(kept.token)).status).toBe(200);
    expect(await other.resolves(kept.token)).toBe(true);
  });

  it('refuses forged, altered, expired and other shops’ tokens', async () => {
    const c = await h.smsSignIn(shop.slug);
    const secret = t.platform.config.SESSION_SECRET;
    const claims = readSessionToken(secret, c.token)!;
    const now = Date.now();
    const forged = signSessionToken('someone-else-secret-of-at-least-32-characters', claims);
    const [head, payload, sig] = c.token.split('.');
    const flipped = payload.slice(0, 10) + (payload[10] === 'A' ? 'B' : 'A') + payload.slice(11);
    const altered = [head, flipped, sig].join('.');
    const expired = signSessionToken(secret, { ...claims, issuedAt: now - 3600_000, expiresAt: now - 1000 });
    // Longer than sessions may live now (issued when the setting was longer).
    const tooOld = signSessionToken(secret, { ...claims, issuedAt: now - (t.platform.config.CUSTOMER_SESSION_TTL_HOURS * 3600_000 + 60_000), expiresAt: now + 3600_000 });
    const someoneElse = signSessionToken(secret, { ...claims, customerId: randomUUID() });
    for (const bad of [forged, altered, expired, tooOld, 'c1.', 'c1.abc.def', `${c.token}x`]) {
      expect((await me(bad)).status).toBe(401);
      expect(await t.services.customers.resolveToken(shop.shopId, bad)).toBeNull();
    }
    // Made with the real secret, a token is believed: the secret is what guards them.
    expect(await t.services.customers.resolveToken(shop.shopId, someoneElse)).not.toBeNull();
    const elsewhere = await t.createShop();
    expect((await me(c.token, elsewhere.slug)).status).toBe(401);
    expect((await me(c.token)).status).toBe(200);
  });

  it('a merge ends every session of the merged-away customer, here and in another process', async () => {
    const phoneCustomer = await h.smsSignIn(shop.slug);
    const person = { key: `sess-merge-${newPhone()}` };
    const wx = await h.wechatSignIn(shop.slug, person);
    // A second session of the same person, on another device.
    const wx2 = await h.wechatSignIn(shop.slug, person);
    expect(wx2.customer.id).toBe(wx.customer.id);
    expect(await other.resolves(wx.token)).toBe(true);
    expect(await other.resolves(wx2.token)).toBe(true);
    await sleep(1100);
    expect((await h.requestCode(shop.slug, phoneCustomer.phone, 'bind')).status).toBe(200);
    const bound = await t.call('POST', `/api/store/${shop.slug}/me/bind-phone`, { headers: bearer(wx.token), body: { phone: phoneCustomer.phone, code: await h.inboxCode(phoneCustomer.phone) } });
    expect(bound.body).toMatchObject({ merged: true, customer: { id: phoneCustomer.customer.id } });
    expect((await me(wx.token)).status).toBe(401);
    expect((await me(wx2.token)).status).toBe(401);
    expect(await refusedByOtherWithin(wx.token, 1000)).toBeLessThan(1000);
    expect(await other.resolves(wx2.token)).toBe(false);
    expect(await other.resolves(bound.body.token)).toBe(true);
    expect(await other.resolves(phoneCustomer.token)).toBe(true);
    // The customer.merged subscriber ends them too (should the merging process have died before it could).
    await t.drain();
    const delivered = ((await t.platform.db.execute(sql`SELECT count(*)::int AS n FROM processed_events WHERE subscriber = 'customers.end-merged-sessions'`)) as unknown as { rows: { n: number }[] }).rows[0].n;
    expect(delivered).toBeGreaterThanOrEqual(1);
  });

  it('tokens issued before signed ones keep working until they expire, through the database', async () => {
    const c = await h.smsSignIn(shop.slug);
    const opaque = randomBytes(32).toString('base64url');
    const stale = randomBytes(32).toString('base64url');
    await t.platform.db.execute(sql`
      INSERT INTO customer_sessions (token_hash, shop_id, customer_id, via, expires_at)
      VALUES (${sha256(opaque)}, ${shop.shopId}, ${c.customer.id}, 'sms', now() + interval '1 day'),
             (${sha256(stale)}, ${shop.shopId}, ${c.customer.id}, 'sms', now() - interval '1 second')`);
    expect((await me(opaque)).body).toMatchObject({ id: c.customer.id });
    expect(await other.resolves(opaque)).toBe(true);
    expect((await me(stale)).status).toBe(401);
    await t.call('POST', `/api/store/${shop.slug}/auth/sign-out`, { headers: bearer(opaque) });
    expect((await me(opaque)).status).toBe(401);
  });

  it('when the hot store lost the ended sessions, older tokens are checked in the database', async () => {
    const out = await h.smsSignIn(shop.slug);
    const still = await h.smsSignIn(shop.slug);
    await t.call('POST', `/api/store/${shop.slug}/auth/sign-out`, { headers: bearer(out.token) });
    await sleep(1100);
    // Redis flushed (or the embedded process restarted): the timeline begins again, without them.
    await t.platform.hot.del(REVOKED_KEY);
    const fresh = new CustomersService(t.platform, t.services.tenancy);
    await sleep(1100);
    const fresher = await h.smsSignIn(shop.slug);
    expect(await fresh.resolveToken(shop.shopId, out.token)).toBeNull();
    expect(await fresh.resolveToken(shop.shopId, still.token)).toEqual({ id: still.customer.id, shopId: shop.shopId });
    // A token issued after the loss needs no database again.
    await fresh.resolveToken(shop.shopId, fresher.token);
    expect(await withoutDatabase(() => fresh.resolveToken(shop.shopId, fresher.token))).toEqual({ id: fresher.customer.id, shopId: shop.shopId });
    // While the older one is read from the database (by a process that has not cached it yet).
    const another = new CustomersService(t.platform, t.services.tenancy);
    await another.revocations.refresh();
    await expect(withoutDatabase(() => another.resolveToken(shop.shopId, still.token))).rejects.toThrow('the database was used');
  });
});
