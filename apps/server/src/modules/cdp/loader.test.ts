import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { openDuckDb } from './engine/duckdb.js';
import type { AnalyticsEngine } from './engine/types.js';
import { EventLoader } from './loader.js';

let t: TestApp;
let engine: AnalyticsEngine;

beforeAll(async () => {
  t = await startTestApp();
  // The app's own loader is stopped: this test drives one with tiny pages over its own engine.
  await t.services.cdp.stop();
  engine = await openDuckDb({ path: ':memory:' });
  await engine.init();
});
afterAll(async () => {
  await engine?.close();
  await t?.close();
});

describe('the event loader', () => {
  it('reads pages in numeric (xid, id) order, so ids crossing a power of ten are all loaded', async () => {
    const shop = await t.createShop();
    // Ids 96 … 107 in one transaction: as text, "100" sorts before "96".
    await t.platform.db.execute(sql`SELECT setval('cdp_inbox_id_seq', 95)`);
    const events = Array.from({ length: 12 }, (_, i) => ({
      type: 'track' as const, event: 'crossing', messageId: `x${i}`, anonymousId: `a${i}`, ts: Date.now(), properties: {}, source: '', medium: '', campaign: '', channel: '', os: '', path: '',
    }));
    expect((await t.services.cdp.accept(shop.shopId, events)).accepted).toBe(12);
    const loader = new EventLoader(t.platform, engine, { pageSize: 3, idleMs: 10, customersAmong: async () => new Set() });
    await loader.drain();
    const [row] = await engine.query<{ n: number; lo: number; hi: number }>(`SELECT count(*) AS n, min(inbox_id) AS lo, max(inbox_id) AS hi FROM events WHERE shop_id = '${shop.shopId}'`, {});
    expect(row).toEqual({ n: 12, lo: 96, hi: 107 });
    // Draining again finds nothing new and loads nothing twice.
    await loader.drain();
    const [again] = await engine.query<{ n: number }>(`SELECT count(*) AS n FROM events WHERE shop_id = '${shop.shopId}'`, {});
    expect(again!.n).toBe(12);
  });
});
