import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, signInCustomer, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';
import { couponKeys } from './claim-counters.js';

// The hot claim path against crashes and against the other ways of issuing coupons: PostgreSQL stays the
// record, the hot counters follow it, nothing is oversold, issued twice, or answered without its row.

let t: TestApp;
let shop: ShopFixture;
const store = (path: string) => `/api/store/${shop.slug}${path}`;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000', SIGNIN_RATE_PER_MINUTE: '10000' });
  shop = await t.createShop();
});
afterAll(() => t?.close());

async function template(body: Record<string, unknown>) {
  const res = await t.call('POST', '/api/admin/coupons', {
    session: shop.owner,
    body: { name: '满100减20', kind: 'amount_off', thresholdFen: 10000, amountOffFen: 2000, validity: { type: 'relative', days: 7 }, totalQuantity: 100, ...body },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}

async function customers(n: number): Promise<CustomerFixture[]> {
  const out: CustomerFixture[] = [];
  for (let i = 0; i < n; i += 10) out.push(...(await Promise.all(Array.from({ length: Math.min(10, n - i) }, () => signInCustomer(t, shop.slug)))));
  return out;
}

const claim = (c: CustomerFixture, id: string, key?: string) => t.call('POST', store(`/coupons/${id}/claim`), { headers: bearer(c, key ? { 'idempotency-key': key } : {}) });
const coupons = () => t.services.coupons;

/** What PostgreSQL says: coupons left, rows per customer, and whether `issued_count` and the events match the rows. */
async function record(templateId: string) {
  const [tpl] = await rows<{ left: number; issued: number; rows: number; events: number }>(t.platform.db, sql`
    SELECT total_quantity - issued_count AS left, issued_count AS issued,
      (SELECT count(*)::int FROM coupons WHERE template_id = ${templateId}) AS rows,
      (SELECT count(*)::int FROM outbox_events WHERE type = 'coupon.issued' AND payload->>'templateId' = ${templateId}) AS events
    FROM coupon_templates WHERE id = ${templateId}`);
  const holders = await rows<{ customer_id: string; n: number }>(t.platform.db, sql`
    SELECT customer_id, count(*)::int AS n FROM coupons WHERE template_id = ${templateId} GROUP BY customer_id`);
  return { ...tpl, held: Object.fromEntries(holders.map((h) => [h.customer_id, String(h.n)])) };
}

/** The hot counters, once every write and recount asked for has finished. */
async function hot(templateId: string) {
  await coupons().claims.settled();
  const k = couponKeys(templateId);
  return { left: await t.platform.hot.get(k.left), held: await t.platform.hot.hgetall(k.held), pending: await t.platform.hot.hgetall(k.pending) };
}

async function expectCountersAgree(templateId: string) {
  const db = await record(templateId);
  expect(db.issued).toBe(db.rows);
  expect(db.events).toBe(db.rows);
  expect(await hot(templateId)).toEqual({ left: String(db.left), held: db.held, pending: {} });
  return db;
}

describe('a claim and its row', () => {
  it('answers 201 only with the coupon in PostgreSQL, and a retry with the key gets the same one', async () => {
    const tpl = await template({ totalQuantity: 50, perCustomerLimit: 3 });
    const people = await customers(10);
    const key = randomUUID();
    const results = await Promise.all([...people.flatMap((c) => [claim(c, tpl.id), claim(c, tpl.id)]), claim(people[0], tpl.id, key), claim(people[0], tpl.id, key)]);
    expect(results.every((r) => r.status === 201)).toBe(true);
    const ids = results.map((r) => r.body.id as string);
    expect(ids.at(-1)).toBe(ids.at(-2));
    const [{ n }] = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM coupons WHERE id = ANY(${`{${ids.join(',')}}`}::uuid[])`);
    expect(n).toBe(21);
    expect(results[0].body).toMatchObject({ templateId: tpl.id, status: 'unused', source: 'claim', label: '满100减20' });
    const again = await claim(people[0], tpl.id, key);
    expect(again.body.id).toBe(ids.at(-1));
    await expectCountersAgree(tpl.id);
  });
});

describe('crashes and drift', () => {
  it('a process killed between the hot-store step and its write: reconciliation writes the claim, or counts it back', async () => {
    const tpl = await template({ totalQuantity: 3, perCustomerLimit: 1 });
    const [a, b, c, d] = await customers(4);
    // a and b are taken in the hot store by a process that then dies; c claims normally.
    const key = randomUUID();
    const orphanA = await coupons().claims.takeOnly(shop.shopId, a.customerId, tpl.id, key);
    const orphanB = await coupons().claims.takeOnly(shop.shopId, b.customerId, tpl.id);
    expect(orphanA && orphanB).toBeTruthy();
    expect((await claim(c, tpl.id)).status).toBe(201);
    // Sold out in the hot store (a and b hold theirs), though only one row exists.
    expect((await claim(d, tpl.id)).body.error.code).toBe('COUPON_SOLD_OUT');
    expect(Object.keys((await hot(tpl.id)).pending).sort()).toEqual([orphanA!.id, orphanB!.id].sort());
    await coupons().counters.reconcile({ orphanAfterMs: 0 });
    const db = await expectCountersAgree(tpl.id);
    expect(db.rows).toBe(3);
    expect(db.held).toEqual({ [a.customerId]: '1', [b.customerId]: '1', [c.customerId]: '1' });
    // a retries with the key the dead process was given: the coupon reconciliation wrote for it.
    const retry = await claim(a, tpl.id, key);
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(orphanA!.id);

    // An orphan the rules refuse by the time it is found is dropped and its unit counted back.
    const paused = await template({ totalQuantity: 2, perCustomerLimit: 1 });
    const orphanD = await coupons().claims.takeOnly(shop.shopId, d.customerId, paused.id, randomUUID());
    expect(orphanD).toBeTruthy();
    await t.call('POST', `/api/admin/coupons/${paused.id}/pause`, { session: shop.owner });
    await coupons().counters.reconcile({ orphanAfterMs: 0 });
    await t.call('POST', `/api/admin/coupons/${paused.id}/resume`, { session: shop.owner });
    expect((await expectCountersAgree(paused.id)).rows).toBe(0);
    expect((await claim(d, paused.id)).status).toBe(201);
    expect((await expectCountersAgree(paused.id)).left).toBe(1);
  });

  it('a write that fails after the step answers no 201, and the counters are put right at once', async () => {
    const tpl = await template({ totalQuantity: 10, perCustomerLimit: 2 });
    const [unlucky, fine] = await customers(2);
    // The database refuses this customer's coupons (a full disk, a constraint someone added …).
    await t.platform.db.execute(sql.raw(`
      CREATE FUNCTION refuse_coupon_of_${unlucky.customerId.replace(/-/g, '')}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.customer_id = '${unlucky.customerId}' THEN RAISE EXCEPTION 'no space left'; END IF; RETURN NEW; END $$`));
    await t.platform.db.execute(sql.raw(`CREATE TRIGGER refuse_unlucky BEFORE INSERT ON coupons FOR EACH ROW EXECUTE FUNCTION refuse_coupon_of_${unlucky.customerId.replace(/-/g, '')}()`));
    try {
      const results = await Promise.all([claim(unlucky, tpl.id), claim(fine, tpl.id), claim(unlucky, tpl.id, randomUUID()), claim(fine, tpl.id)]);
      expect(results.map((r) => r.status)).toEqual([500, 201, 500, 201]);
      const db = await expectCountersAgree(tpl.id);
      expect(db).toMatchObject({ rows: 2, left: 8, held: { [fine.customerId]: '2' } });
    } finally {
      await t.platform.db.execute(sql`DROP TRIGGER refuse_unlucky ON coupons`);
    }
    expect((await claim(unlucky, tpl.id)).status).toBe(201);
    expect((await claim(unlucky, tpl.id)).status).toBe(201);
    expect((await claim(unlucky, tpl.id)).body.error.code).toBe('COUPON_LIMIT_REACHED');
    await expectCountersAgree(tpl.id);
  });

  it('a hot store that lost its data: claims wait (503) while the counters, holdings and keys are loaded from PostgreSQL', async () => {
    const tpl = await template({ totalQuantity: 4, perCustomerLimit: 1 });
    const [a, b, c, d, e] = await customers(5);
    const key = randomUUID();
    const first = await claim(a, tpl.id, key);
    expect(first.status).toBe(201);
    expect((await claim(b, tpl.id)).status).toBe(201);
    await coupons().claims.settled();
    const k = couponKeys(tpl.id);
    await t.platform.hot.del([k.left, k.held, k.keys, k.pending]);
    // Another process is loading them: this one answers 503 rather than guess.
    const token = await t.platform.hot.lock(k.sync, 10_000);
    const waiting = await claim(c, tpl.id);
    expect(waiting.status).toBe(503);
    expect(waiting.body.error).toMatchObject({ code: 'COUPON_WARMING', details: { retryAfterSeconds: 1 } });
    await t.platform.hot.unlock(k.sync, token!);
    // Loaded again: a's retry gets its coupon, b is at the limit, two are left for c, d and e.
    expect((await claim(a, tpl.id, key)).body.id).toBe(first.body.id);
    expect((await claim(b, tpl.id)).body.error.code).toBe('COUPON_LIMIT_REACHED');
    const rest = await Promise.all([claim(c, tpl.id), claim(d, tpl.id), claim(e, tpl.id)]);
    expect(rest.map((r) => r.status).sort()).toEqual([201, 201, 409]);
    expect((await expectCountersAgree(tpl.id)).rows).toBe(4);
  });

  it('counters that drifted either way: PostgreSQL refuses what they wrongly allow, reconciliation restores what they wrongly refuse', async () => {
    const tpl = await template({ totalQuantity: 3, perCustomerLimit: 1 });
    const people = await customers(6);
    expect((await claim(people[0], tpl.id)).status).toBe(201);
    const k = couponKeys(tpl.id);
    // Too generous: 100 left, and people[0] holding nothing.
    await t.platform.hot.set(k.left, '100');
    await t.platform.hot.hdel(k.held, [people[0].customerId]);
    const results = await Promise.all(people.map((c) => claim(c, tpl.id)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    expect(results[0].body.error.code).toBe('COUPON_LIMIT_REACHED');
    expect(results.filter((r) => r.status === 409).map((r) => r.body.error.code).filter((c) => c === 'COUPON_SOLD_OUT')).toHaveLength(3);
    expect((await expectCountersAgree(tpl.id)).rows).toBe(3);
    // Too strict: nothing left in the hot store while staff raised the total in PostgreSQL alone.
    await rows(t.platform.db, sql`UPDATE coupon_templates SET total_quantity = 5 WHERE id = ${tpl.id}`);
    expect((await claim(people[4], tpl.id)).body.error.code).toBe('COUPON_SOLD_OUT');
    await coupons().counters.reconcile();
    await new Promise((r) => setTimeout(r, 600));
    const more = await Promise.all(people.slice(3).map((c) => claim(c, tpl.id)));
    expect(more.filter((r) => r.status === 201)).toHaveLength(2);
    expect((await expectCountersAgree(tpl.id)).rows).toBe(5);
  });
});

describe('every way of issuing keeps the same counters', () => {
  it('claims racing issue batches and pack gifts never pass the total nor the per-customer limit', async () => {
    const tpl = await template({ totalQuantity: 60, perCustomerLimit: 2 });
    const people = await customers(40);
    const pack = await t.call('POST', '/api/admin/coupon-packs', { session: shop.owner, body: { name: '两张装', items: [{ templateId: tpl.id, quantity: 2 }] } });
    expect(pack.status).toBe(201);
    // Loaded in the hot store first, so that the batches and packs below have counters to follow.
    expect((await claim(people[0], tpl.id)).status).toBe(201);
    const batch = await t.call('POST', `/api/admin/coupons/${tpl.id}/issue`, { session: shop.owner, body: { target: { type: 'customers', customerIds: people.slice(0, 20).map((c) => c.customerId) } } });
    expect(batch.status).toBe(202);
    const gifts = people.slice(10, 20).map((c, i) =>
      t.platform.database.transaction((tx) => t.services.gifts.givePack(tx, shop.shopId, pack.body.id, c.customerId, 'pack', `race:${i}`)));
    const claims = people.flatMap((c) => [claim(c, tpl.id), claim(c, tpl.id), claim(c, tpl.id)]);
    const [answers] = await Promise.all([Promise.all(claims), t.drain(), Promise.all(gifts)]);
    expect(answers.every((r) => r.status === 201 || (r.status === 409 && ['COUPON_SOLD_OUT', 'COUPON_LIMIT_REACHED'].includes(r.body.error.code)))).toBe(true);
    let db = await expectCountersAgree(tpl.id);
    expect(db.rows).toBeLessThanOrEqual(60);
    expect(Math.max(...Object.values(db.held).map(Number))).toBeLessThanOrEqual(2);
    // Whatever the race left unclaimed can still be claimed: no unit was lost on the way.
    const under = people.filter((c) => Number(db.held[c.customerId] ?? 0) < 2);
    await Promise.all(under.flatMap((c) => [claim(c, tpl.id), claim(c, tpl.id)]));
    db = await expectCountersAgree(tpl.id);
    expect(db.rows).toBe(60);
    expect(Object.values(db.held).every((n) => Number(n) <= 2)).toBe(true);
    const [{ dup }] = await rows<{ dup: number }>(t.platform.db, sql`
      SELECT count(*)::int AS dup FROM (SELECT customer_id, seq FROM coupons WHERE template_id = ${tpl.id} GROUP BY 1, 2 HAVING count(*) > 1) x`);
    expect(dup).toBe(0);
  });

  it('a merge moves coupons and the holdings follow', async () => {
    const tpl = await template({ totalQuantity: 10, perCustomerLimit: 2 });
    const [from, into] = await customers(2);
    expect((await claim(from, tpl.id)).status).toBe(201);
    expect((await claim(into, tpl.id)).status).toBe(201);
    await t.platform.database.transaction((tx) => t.platform.events.emit(tx, { shopId: shop.shopId, type: 'customer.merged', payload: { fromCustomerId: from.customerId, intoCustomerId: into.customerId } }));
    await t.drain();
    const db = await expectCountersAgree(tpl.id);
    expect(db.held).toEqual({ [into.customerId]: '2' });
    expect((await claim(into, tpl.id)).body.error.code).toBe('COUPON_LIMIT_REACHED');
  });
});
