import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProductInput } from '@siyu/contracts';
import { startRuntime, type Runtime } from '../../app/runtime.js';
import { loadConfig } from '../../platform/config.js';
import { systemActor, type Actor } from '../../platform/context.js';

/**
 * Two server processes on one PostgreSQL schema and one Redis, as in scaled mode: what one of them
 * changes, the other's storefront cache shows within a second (within versions.ts CHECK_EVERY_MS plus a
 * request, in fact). The two
 * runtimes share nothing in memory, as two processes would not. It always runs: PostgreSQL and Redis are
 * part of the machine (DATABASE_URL / REDIS_URL name others), and the embedded mode has one process only.
 */
const PG = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const id = randomBytes(5).toString('hex');
const schema = `t_sf_${id}`;

let a: Runtime;
let b: Runtime;
let slug: string;
let actor: Actor;

async function start(): Promise<Runtime> {
  const config = loadConfig({ ...process.env, NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', SEED_DEMO: 'false', DATABASE_URL: PG, REDIS_URL: REDIS });
  return startRuntime(config, { serve: true, worker: false, listen: { host: '127.0.0.1', port: 0 } }, {
    schema,
    // The same prefix for both: they share the hot store as two processes of one deployment do.
    redisPrefix: `test:${id}:`,
    mediaDir: path.join(os.tmpdir(), `siyu-media-${id}`),
    poolSize: 5,
  });
}

beforeAll(async () => {
  a = await start();
  b = await start();
  slug = `sf-${id}`;
  const { shop } = await a.services.tenancy.createShop({ slug, name: 'Shop', owner: { login: `owner-${id}`, password: 'owner-password-1', displayName: 'Owner' } });
  actor = systemActor(shop.id);
}, 120_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  const c = new pg.Client({ connectionString: PG });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
});

const get = async (rt: Runtime, p: string) => {
  const res = await fetch(`${rt.url}/api/store/${slug}${p}`);
  return { status: res.status, body: (await res.json()) as any };
};

/** Asks `rt` every 20 ms until `seen` holds; answers how long that took after the change was made. */
async function until(rt: Runtime, p: string, seen: (r: { status: number; body: any }) => boolean, changedAt: number) {
  for (;;) {
    const r = await get(rt, p);
    if (seen(r)) return Date.now() - changedAt;
    if (Date.now() - changedAt > 5_000) throw new Error(`${p} not updated after 5 s: ${JSON.stringify(r.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const cup = (title: string, stock?: number) =>
  ProductInput.parse({ title, status: 'on_sale', skus: [{ price: 2500, ...(stock === undefined ? {} : { stock }) }] });

describe('storefront cache across two processes', () => {
  it('shows an edit, the last unit sold and going off sale in the other process within a second', async () => {
    const product = await a.services.catalog.createProduct(actor, cup('双进程杯', 1));
    // Both processes hold the product page and the listing in their caches.
    for (const rt of [a, b]) {
      expect((await get(rt, `/products/${product.id}`)).body).toMatchObject({ title: '双进程杯', soldOut: false, skus: [{ available: 1 }] });
      expect((await get(rt, '/products')).body.items.map((p: any) => p.title)).toContain('双进程杯');
    }

    let changedAt = Date.now();
    await a.services.catalog.updateProduct(actor, product.id, cup('改名杯'));
    // The process that made the change: at once.
    expect((await get(a, `/products/${product.id}`)).body.title).toBe('改名杯');
    const editSeen = await until(b, `/products/${product.id}`, (r) => r.body.title === '改名杯', changedAt);
    const listSeen = await until(b, '/products', (r) => r.body.items.some((p: any) => p.title === '改名杯'), changedAt);

    // The last unit sells in process A, reserved in an order's transaction as checkout does.
    changedAt = Date.now();
    await a.platform.database.transaction((tx) => a.services.inventory.reserve(tx, actor.shopId, randomUUID(), [{ skuId: product.skus[0].id, quantity: 1 }]));
    expect((await get(a, `/products/${product.id}`)).body).toMatchObject({ soldOut: true, skus: [{ available: 0, soldOut: true }] });
    const soldOutSeen = await until(b, `/products/${product.id}`, (r) => r.body.soldOut === true && r.body.skus[0].available === 0, changedAt);
    const soldOutListed = await until(b, '/products', (r) => r.body.items.find((p: any) => p.id === product.id)?.soldOut === true, changedAt);

    changedAt = Date.now();
    await a.services.catalog.bulkStatus(actor, [product.id], 'off_shelf');
    expect((await get(a, `/products/${product.id}`)).status).toBe(404);
    const offSeen = await until(b, `/products/${product.id}`, (r) => r.status === 404, changedAt);

    const delays = { editSeen, listSeen, soldOutSeen, soldOutListed, offSeen };
    console.log(`storefront cache across processes, ms until seen: ${JSON.stringify(delays)}`);
    for (const ms of Object.values(delays)) expect(ms, JSON.stringify(delays)).toBeLessThan(1_000);
  }, 60_000);
});
