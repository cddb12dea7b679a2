import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';

let t: TestApp;
let shop: Awaited<ReturnType<TestApp['createShop']>>;
let key: string;
const basic = (k: string) => ({ authorization: `Basic ${Buffer.from(`${k}:`).toString('base64')}` });

const send = (p: string, body: unknown, headers: Record<string, string> = basic(key)) => t.call('POST', `/v1/${p}`, { headers, body });
const load = async () => {
  await t.drain();
  await t.services.cdp.drain();
};
const q = (sqlText: string) => t.services.cdp['e'].query<Record<string, unknown>>(sqlText, {});
const count = async (where: string) => Number((await q(`SELECT count(*) AS n FROM events WHERE shop_id = '${shop.shopId}' AND ${where}`))[0]!.n);

beforeAll(async () => {
  t = await startTestApp();
  shop = await t.createShop();
  const created = await t.call('POST', '/api/admin/analytics/write-keys', { session: shop.owner, body: { name: 'server' } });
  expect(created.status).toBe(201);
  key = created.body.key;
});
afterAll(() => t?.close());

describe('Segment tracking API', () => {
  it('takes every call shape, one at a time and in a batch', async () => {
    const anon = `dev-${randomUUID()}`;
    const user = `u-${randomUUID()}`;
    const ctx = { page: { path: '/s/x/products/1', url: 'https://m.example.com/s/x/products/1?utm_source=wx', title: '白T' }, campaign: { source: 'wx', medium: 'social', name: 'double11' }, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger' };
    const calls = [
      ['track', { anonymousId: anon, event: 'product_viewed', properties: { product_id: 'p1', price_fen: 9900 }, context: ctx }],
      ['page', { anonymousId: anon, name: '商品详情', properties: { path: '/s/x/products/1' }, context: ctx }],
      ['screen', { anonymousId: anon, name: 'Home' }],
      ['identify', { anonymousId: anon, userId: user, traits: { nickname: '小王', phone: '13800138000' } }],
      ['group', { userId: user, groupId: 'company-1', traits: { name: 'ACME' } }],
      ['alias', { previousId: `old-${user}`, userId: user }],
    ] as const;
    for (const [type, body] of calls) {
      const r = await send(type, { ...body, messageId: randomUUID() });
      expect(r.status, `${type} ${JSON.stringify(r.body)}`).toBe(200);
      expect(r.body).toMatchObject({ success: true, accepted: 1, duplicates: 0, errors: [] });
    }
    const batch = await send('batch', { batch: calls.map(([type, body]) => ({ ...body, type, messageId: randomUUID() })) });
    expect(batch.body).toMatchObject({ success: true, accepted: 6 });
    await load();
    expect(await count(`event = 'product_viewed' AND source = 'wx' AND medium = 'social' AND campaign = 'double11' AND channel = 'wx' AND os = 'iOS'`)).toBe(2);
    expect(await count(`event = '$pageview' AND path = '/s/x/products/1'`)).toBe(2);
    for (const e of ['$screen', '$identify', '$group', '$alias']) expect(await count(`event = '${e}'`)).toBe(2);
    // All of it is one person: the device, the user, the alias and the phone.
    const persons = await q(`SELECT count(DISTINCT person_id) AS n FROM events WHERE shop_id = '${shop.shopId}' AND distinct_id IN ('${anon}', '${user}')`);
    expect(Number(persons[0]!.n)).toBe(1);
  });

  it('accepts the write key as basic auth or in the body, and refuses a wrong or revoked one', async () => {
    const ev = () => ({ anonymousId: `a-${randomUUID()}`, event: 'x_happened' });
    expect((await send('track', { ...ev(), writeKey: key }, {})).status).toBe(200);
    expect((await send('track', ev(), basic('wk_nope'))).body.error).toMatchObject({ code: 'INVALID_WRITE_KEY', details: { field: 'writeKey' } });
    expect((await send('track', ev(), {})).status).toBe(401);
    const other = await t.call('POST', '/api/admin/analytics/write-keys', { session: shop.owner, body: { name: 'to revoke' } });
    expect((await send('track', ev(), basic(other.body.key))).status).toBe(200);
    expect((await t.call('DELETE', `/api/admin/analytics/write-keys/${other.body.id}`, { session: shop.owner })).status).toBe(204);
    // The revoking process forgets the key at once (others within the cache's 10 s).
    expect((await send('track', ev(), basic(other.body.key))).status).toBe(401);
  });

  it('beacons send text/plain JSON with the key inside', async () => {
    const r = await t.call('POST', '/v1/batch', { headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: JSON.stringify({ writeKey: key, batch: [{ type: 'track', anonymousId: `b-${randomUUID()}`, event: 'beacon_sent' }] }) });
    expect(r.status).toBe(200);
    expect(r.body.accepted).toBe(1);
  });

  it('counts a replayed messageId once, within a batch, across batches and across call types', async () => {
    const id = randomUUID();
    const anon = `r-${randomUUID()}`;
    const ev = { type: 'track', anonymousId: anon, event: 'replayed', messageId: id };
    expect((await send('batch', { batch: [ev, ev, ev] })).body).toMatchObject({ accepted: 1, duplicates: 2 });
    expect((await send('track', ev)).body).toMatchObject({ accepted: 0, duplicates: 1 });
    const racing = await Promise.all(Array.from({ length: 20 }, () => send('batch', { batch: [ev] })));
    expect(racing.every((r) => r.status === 200 && r.body.accepted === 0)).toBe(true);
    await load();
    expect(await count(`event = 'replayed'`)).toBe(1);
  });

  it('corrects the device clock by the gap between timestamp and sentAt', async () => {
    const anon = `c-${randomUUID()}`;
    // The phone's clock is 2 hours fast; the event happened 5 s before it was sent.
    const fast = Date.now() + 2 * 3600_000;
    const before = Date.now();
    await send('batch', { sentAt: new Date(fast).toISOString(), batch: [{ type: 'track', anonymousId: anon, event: 'skewed', timestamp: new Date(fast - 5000).toISOString() }] });
    const after = Date.now();
    await load();
    const [row] = await q(`SELECT ts FROM events WHERE shop_id = '${shop.shopId}' AND event = 'skewed'`);
    expect(Number(row!.ts)).toBeGreaterThanOrEqual(before - 5000);
    expect(Number(row!.ts)).toBeLessThanOrEqual(after - 5000);
    // Without sentAt the timestamp is taken as it is.
    await send('track', { anonymousId: anon, event: 'unskewed', timestamp: '2026-11-11T00:00:00.000Z' });
    await load();
    expect(Number((await q(`SELECT ts FROM events WHERE shop_id = '${shop.shopId}' AND event = 'unskewed'`))[0]!.ts)).toBe(Date.parse('2026-11-11T00:00:00.000Z'));
  });

  it('names the field of each bad event and keeps the good ones of the batch', async () => {
    const anon = `v-${randomUUID()}`;
    const good = (n: number) => ({ type: 'track', anonymousId: anon, event: `good_${n}` });
    const r = await send('batch', {
      batch: [
        good(1),
        { type: 'track', anonymousId: anon },
        { type: 'track', event: 'nobody' },
        { type: 'track', anonymousId: 'undefined', event: 'junk' },
        { type: 'track', userId: 'null', event: 'junk' },
        { type: 'shout', anonymousId: anon },
        { type: 'track', anonymousId: anon, event: 'bad_props', properties: [1, 2] },
        { type: 'track', anonymousId: anon, event: 'bad_time', timestamp: 'yesterday' },
        { type: 'track', anonymousId: anon, event: 'x'.repeat(201) },
        { type: 'track', anonymousId: anon, event: 'nul', properties: { a: 'b\u0000c' } },
        { type: 'track', anonymousId: anon, event: 'huge', properties: { blob: 'x'.repeat(33 * 1024) } },
        { type: 'alias', userId: 'u1' },
        { type: 'track', anonymousId: anon, event: '$pageview' },
        good(2),
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.success).toBe(false);
    expect(r.body.accepted).toBe(2);
    expect(r.body.errors.map((e: { index: number; code: string; field: string }) => [e.index, e.code, e.field])).toEqual([
      [1, 'INVALID_EVENT', 'batch.1.event'],
      [2, 'INVALID_EVENT', 'batch.2.userId'],
      [3, 'JUNK_ID', 'batch.3.anonymousId'],
      [4, 'JUNK_ID', 'batch.4.userId'],
      [5, 'INVALID_EVENT', 'batch.5.type'],
      [6, 'INVALID_EVENT', 'batch.6.properties'],
      [7, 'INVALID_EVENT', 'batch.7.timestamp'],
      [8, 'INVALID_EVENT', 'batch.8.event'],
      [9, 'INVALID_EVENT', 'batch.9'],
      [10, 'EVENT_TOO_LARGE', 'batch.10'],
      [11, 'INVALID_EVENT', 'batch.11.previousId'],
      [12, 'INVALID_EVENT', 'batch.12.event'],
    ]);
    // A single call that is bad is a 400 with the field; a batch with nothing good is a 400 too.
    expect((await send('track', { anonymousId: anon })).body.error).toMatchObject({ code: 'INVALID_EVENT', details: { field: 'event' } });
    expect((await send('identify', { userId: 'anonymous' })).body.error).toMatchObject({ code: 'JUNK_ID', details: { field: 'userId' } });
    expect((await send('batch', { batch: [{ type: 'track' }] })).status).toBe(400);
    expect((await send('batch', { batch: 'no' })).body.errors[0]).toMatchObject({ field: 'batch' });
    expect((await send('batch', { batch: [] })).status).toBe(400);
    await load();
    expect(await count(`distinct_id = '${anon}'`)).toBe(2);
  });

  it('refuses a body over the size limits with 413', async () => {
    const big = Array.from({ length: 20 }, () => ({ type: 'track', anonymousId: 'size-test', event: 'big', properties: { blob: 'x'.repeat(30 * 1024) } }));
    expect((await send('batch', { batch: big })).status).toBe(413);
    expect((await send('track', { anonymousId: 'size-test', event: 'big', properties: { blob: 'x'.repeat(40 * 1024) } })).status).toBe(413);
  });

  it('answers CORS preflights so a web view on another origin can send', async () => {
    const r = await fetch(`${t.url}/v1/batch`, { method: 'OPTIONS', headers: { origin: 'https://h5.example.com', 'access-control-request-method': 'POST' } });
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://h5.example.com');
  });

  it('gives the storefront its own key, the same one to every page', async () => {
    const [a, b] = await Promise.all([t.call('GET', `/api/store/${shop.slug}/analytics/config`), t.call('GET', `/api/store/${shop.slug}/analytics/config`)]);
    expect(a.body.writeKey).toMatch(/^wk_/);
    expect(b.body.writeKey).toBe(a.body.writeKey);
    expect((await send('track', { anonymousId: `s-${randomUUID()}`, event: 'from_store' }, basic(a.body.writeKey))).status).toBe(200);
  });
});

describe('load and durability', () => {
  it('sheds load with 429 past the inbox limit and loses none of what it accepted', async () => {
    // One INSERT at a time and room for one more request's events: while the first INSERT runs, the third
    // request onwards are refused. On PostgreSQL the INSERT is held by a lock until all have been answered
    // or queued, so the test does not depend on timing; on PGlite a 1,000-row INSERT outlasts the burst.
    const small = await startTestApp({ INGEST_MAX_PENDING: '1000', INGEST_MAX_INFLIGHT: '1' });
    let release = async () => {};
    try {
      const s = await small.createShop();
      const k = (await small.call('POST', '/api/admin/analytics/write-keys', { session: s.owner, body: { name: 'k' } })).body.key;
      if (process.env.DATABASE_URL) {
        const pg = (await import('pg')).default;
        const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await c.connect();
        await c.query(`SET search_path TO "${small.database.schema}"`);
        await c.query('BEGIN');
        await c.query('LOCK TABLE cdp_inbox IN SHARE MODE');
        release = async () => {
          await c.query('COMMIT');
          await c.end();
          release = async () => {};
        };
      }
      const sending = Array.from({ length: 12 }, (_, i) =>
        small.call('POST', '/v1/batch', { headers: basic(k), body: { batch: Array.from({ length: 1000 }, (_, j) => ({ type: 'track', anonymousId: `p${j % 100}`, event: 'burst', messageId: `m-${i}-${j}` })) } }),
      );
      // The refused ones answer at once; the rest wait for the lock.
      const firstShed = await Promise.race(sending.map((p) => p.then((r) => (r.status === 429 ? r : new Promise<never>(() => {})))));
      expect(firstShed.body.error.code).toBe('INGEST_BUSY');
      expect(firstShed.headers.get('retry-after')).toBe('1');
      await release();
      const results = await Promise.all(sending);
      const ok = results.filter((r) => r.status === 200);
      const shed = results.filter((r) => r.status === 429);
      expect(ok.length + shed.length).toBe(12);
      expect(ok.length).toBeGreaterThanOrEqual(2);
      expect(shed.length).toBeGreaterThan(0);
      const accepted = ok.reduce((n, r) => n + r.body.accepted, 0);
      expect(accepted).toBe(ok.length * 1000);
      await small.services.cdp.drain();
      const [row] = await small.services.cdp['e'].query<{ n: number }>(`SELECT count(*) AS n FROM events WHERE shop_id = '${s.shopId}' AND event = 'burst'`, {});
      expect(Number(row!.n)).toBe(accepted);
    } finally {
      await release();
      await small.close();
    }
  });

  it('keeps what it answered 200 for when the server dies before loading it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-cdp-'));
    const file = path.join(dir, 'events.duckdb');
    const first = await startTestApp({ ANALYTICS_PATH: file }, { keepDatabase: true });
    const s = await first.createShop();
    const k = (await first.call('POST', '/api/admin/analytics/write-keys', { session: s.owner, body: { name: 'k' } })).body.key;
    // The loader of this process is stopped, as if it had not got to these events yet.
    await first.services.cdp.stop();
    const r = await first.call('POST', '/v1/batch', { headers: basic(k), body: { batch: Array.from({ length: 50 }, (_, i) => ({ type: 'track', anonymousId: `d${i}`, event: 'durable' })) } });
    expect(r.body.accepted).toBe(50);
    await first.close();
    const second = await startTestApp({ ANALYTICS_PATH: file }, { database: first.database });
    try {
      await second.services.cdp.drain();
      const [row] = await second.services.cdp['e'].query<{ n: number }>(`SELECT count(*) AS n FROM events WHERE shop_id = '${s.shopId}' AND event = 'durable'`, {});
      expect(Number(row!.n)).toBe(50);
      // Loading again changes nothing.
      await second.services.cdp.drain();
      const [again] = await second.services.cdp['e'].query<{ n: number }>(`SELECT count(*) AS n FROM events WHERE shop_id = '${s.shopId}' AND event = 'durable'`, {});
      expect(Number(again!.n)).toBe(50);
    } finally {
      await second.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
