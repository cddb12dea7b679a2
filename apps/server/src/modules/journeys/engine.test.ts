import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyBody } from '@siyu/contracts';
import { rows, sql } from '../../platform/db/index.js';
import { startTestApp, type StaffSession, type TestApp } from '../../testing/harness.js';
import { splitBranch } from './graph.js';
import { WorkerCrash } from './service.js';

/**
 * Durable execution under crashes: three workers advance the same instances at once and die at random
 * points (inside a step's transaction before it commits, or right after). Whatever happens, every customer
 * is in exactly one state per journey, each walks exactly the path the graph gives, and no node's effect
 * (tag, points, message) happens twice.
 */
let t: TestApp;
let shop: { shopId: string; slug: string; owner: StaffSession };
let offsetMs = 0;
let def: JourneyBody;
const admin = (method: string, path: string, body?: unknown) => t.call(method, `/api/admin${path}`, { session: shop.owner, body });
const HOUR = 3_600_000;

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  t = await startTestApp();
  shop = await t.createShop();
  t.services.journeys.clock = () => new Date(Date.now() + offsetMs);
  const tag = (await admin('POST', '/tags', { name: '走过旅程', kind: 'manual' })).body.id;
  const tpl = await admin('POST', '/messaging/templates', {
    name: '旅程短信', topic: 'promotion', channel: 'sms', vendorTemplateId: '1000010', content: '{1}火热进行中,点击{2}查看详情,拒收请回复R',
    fields: [{ key: '1', value: '{{activity}}' }, { key: '2', value: '{{link}}' }],
  });
  expect(tpl.status).toBe(201);
  def = {
    name: '崩溃演练', trigger: { kind: 'event', event: 'customer.registered', where: [] }, positions: {}, exitOnSegmentLeft: false,
    goal: { event: 'order.paid', withinDays: 1 }, reentry: { kind: 'never' }, holdoutPercent: 20,
    nodes: [
      { id: 't', type: 'tag', action: 'add', tagIds: [tag] },
      { id: 'w', type: 'wait', duration: { amount: 1, unit: 'hours' } },
      { id: 's', type: 'random_split', branches: [{ key: 'a', percent: 50 }, { key: 'b', percent: 50 }] },
      { id: 'p', type: 'points', points: 10 },
      { id: 'x', type: 'exit' },
      { id: 'm', type: 'send', channels: ['sms'], templateIds: { sms: tpl.body.id }, vars: { activity: '演练' } },
    ],
    edges: [
      { from: 'entry', to: 't' }, { from: 't', to: 'w' }, { from: 'w', to: 's' },
      { from: 's', to: 'p', branch: 'a' }, { from: 'p', to: 'x' }, { from: 's', to: 'm', branch: 'b' },
    ],
  };
}, 120_000);
afterAll(() => t?.close());

describe('advancing under crashes', () => {
  it('leaves every customer in one state, on the graph’s path, with each effect once', async () => {
    const split = def.nodes.find((n) => n.id === 's') as Extract<JourneyBody['nodes'][number], { type: 'random_split' }>;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 3, max: 10 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 5, max: 45 }), async (n, seed, crashPercent) => {
        const pCrash = crashPercent / 100;
        runs++;
        const created = await admin('POST', '/journeys', { ...def, name: `崩溃演练 ${runs}` });
        const id = created.body.id as string;
        expect((await admin('POST', `/journeys/${id}/publish`)).status).toBe(200);
        const customers = Array.from({ length: n }, () => randomUUID());
        await t.platform.database.transaction(async (tx) => {
          const [j] = await rows<{ id: string; shop_id: string; version: number }>(tx, sql`SELECT id, shop_id, version FROM journeys WHERE id = ${id}`);
          for (const c of customers) await t.services.journeys.enter(tx, j!, c);
        });

        const rng = mulberry32(seed);
        let crashes = 0;
        const maybeCrash = (where: string) => {
          if (rng() < pCrash / 2) {
            crashes++;
            throw new Error(`killed ${where}`);
          }
        };
        t.services.journeys.faults = { beforeCommit: () => maybeCrash('before commit'), afterCommit: () => maybeCrash('after commit') };
        const worker = async () => {
          for (let k = 0; k < 30; k++) {
            try {
              if ((await t.services.journeys.advanceDue(2)) === 0) return;
            } catch (err) {
              if (!(err instanceof WorkerCrash)) throw err;
              // The worker died; a new one starts in its place.
            }
          }
        };
        try {
          for (let round = 0; round < 40; round++) {
            await Promise.all([worker(), worker(), worker()]);
            const states = await rows<{ customer_id: string; n: number; live: number }>(t.platform.db, sql`
              SELECT customer_id, count(*)::int AS n, count(*) FILTER (WHERE status IN ('active', 'waiting'))::int AS live FROM journey_instances WHERE journey_id = ${id} GROUP BY 1`);
            expect(states).toHaveLength(n);
            expect(states.every((s) => s.n === 1 && s.live <= 1)).toBe(true);
            if (states.every((s) => s.live === 0)) break;
            // Time passes: claims of dead workers expire, waits end, the holdout's goal window closes.
            offsetMs += 2 * HOUR;
          }
        } finally {
          t.services.journeys.faults = {};
        }

        const list = await rows<{ id: string; customer_id: string; arm: string; status: string }>(t.platform.db, sql`SELECT id, customer_id, arm, status FROM journey_instances WHERE journey_id = ${id}`);
        expect(list.map((i) => i.customer_id).sort()).toEqual([...customers].sort());
        for (const i of list) {
          const steps = await rows<{ seq: number; node_id: string; outcome: string }>(t.platform.db, sql`SELECT seq, node_id, outcome FROM journey_steps WHERE instance_id = ${i.id} ORDER BY seq`);
          const walked = steps.map((s) => `${s.node_id}:${s.outcome}`);
          const points = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM points_ledger WHERE shop_id = ${shop.shopId} AND customer_id = ${i.customer_id}`);
          const messages = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM deliveries WHERE shop_id = ${shop.shopId} AND customer_id = ${i.customer_id}`);
          const tagged = (await t.services.tags.tagsOf(shop.shopId, i.customer_id)).length;
          if (i.arm === 'holdout') {
            expect(i.status).toBe('done');
            expect([walked, points[0]!.n, messages[0]!.n, tagged]).toEqual([[], 0, 0, 0]);
            continue;
          }
          expect(steps.map((s) => s.seq)).toEqual(steps.map((_, k) => k + 1));
          const branch = splitBranch(split, i.id);
          if (branch === 'a') {
            expect(walked).toEqual(['t:tagged', 'w:done', 's:a', 'p:awarded', 'x:exited']);
            expect(i.status).toBe('exited');
            expect([points[0]!.n, messages[0]!.n]).toEqual([1, 0]);
          } else {
            expect(walked).toEqual(['t:tagged', 'w:done', 's:b', 'm:queued']);
            expect(i.status).toBe('done');
            expect([points[0]!.n, messages[0]!.n]).toEqual([0, 1]);
          }
          expect(tagged).toBe(1);
        }
        void crashes;
      }),
      { numRuns: Number(process.env.JOURNEY_PROPERTY_RUNS ?? 12) },
    );
  });
});
