import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, createProduct, payOrder, signInCustomer, waitFor, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';
import { pointsDeduction } from './checkout-extension.js';
import { expiryOf, streakBonus } from './points-service.js';

let t: TestApp;
let shop: ShopFixture;
let pickupPointId: string;
const store = (path: string) => `/api/store/${shop.slug}${path}`;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  pickupPointId = (await t.call('POST', '/api/admin/pickup-points', { session: shop.owner, body: { name: '门店', address: '文三路 1 号' } })).body.id;
  const rules = await t.call('PUT', '/api/admin/points/rules', {
    session: shop.owner,
    body: { enabled: true, earnPerYuan: 1, signupPoints: 100, checkinPoints: 5, checkinStreakBonus: [{ day: 3, bonus: 10 }], pointsPerYuan: 100, maxDeductPercent: 50, expiry: 'end_of_next_year', expiryDays: null },
  });
  expect(rules.status, JSON.stringify(rules.body)).toBe(200);
});
afterAll(() => t?.close());

async function ledgerInvariant(customerId: string) {
  const [r] = await rows<{ balance: number; ledger: number; lots: number; negative: number }>(t.platform.db, sql`
    SELECT COALESCE((SELECT balance FROM points_accounts WHERE shop_id = ${shop.shopId} AND customer_id = ${customerId}), 0) AS balance,
           COALESCE((SELECT sum(delta)::int FROM points_ledger WHERE shop_id = ${shop.shopId} AND customer_id = ${customerId}), 0) AS ledger,
           COALESCE((SELECT sum(remaining)::int FROM points_lots WHERE shop_id = ${shop.shopId} AND customer_id = ${customerId}), 0) AS lots,
           (SELECT count(*)::int FROM points_ledger WHERE shop_id = ${shop.shopId} AND customer_id = ${customerId} AND balance_after < 0) AS negative`);
  expect(r.balance).toBe(r.ledger);
  expect(r.balance).toBe(r.lots);
  expect(r.negative).toBe(0);
  return r.balance;
}

const order = (c: CustomerFixture, skuId: string, quantity: number, usePoints: boolean, path = '/orders') =>
  t.call('POST', store(path), { headers: bearer(c, path === '/orders' ? { 'idempotency-key': randomUUID() } : {}), body: { items: [{ skuId, quantity }], fulfilment: 'pickup', pickupPointId, couponId: null, usePoints } });

describe('points rules (pure)', () => {
  it('deducts whole yuan, capped by the share of goods and by the balance', () => {
    expect(pointsDeduction(10_000, { balance: 10_000, pointsPerYuan: 100, maxDeductPercent: 50 })).toEqual({ yuan: 50, points: 5000 });
    expect(pointsDeduction(10_000, { balance: 1_999, pointsPerYuan: 100, maxDeductPercent: 50 })).toEqual({ yuan: 19, points: 1900 });
    expect(pointsDeduction(199, { balance: 100_000, pointsPerYuan: 100, maxDeductPercent: 100 })).toEqual({ yuan: 1, points: 100 });
    expect(pointsDeduction(10_000, { balance: 99, pointsPerYuan: 100, maxDeductPercent: 50 })).toEqual({ yuan: 0, points: 0 });
  });

  it('expires points at the end of the following year, Shanghai time', () => {
    expect(expiryOf({ expiry: 'end_of_next_year', expiryDays: null }, new Date('2026-06-01T00:00:00Z'))?.toISOString()).toBe('2027-12-31T16:00:00.000Z');
    // 2026-12-31 20:00 UTC is already 2027 in Shanghai.
    expect(expiryOf({ expiry: 'end_of_next_year', expiryDays: null }, new Date('2026-12-31T20:00:00Z'))?.toISOString()).toBe('2028-12-31T16:00:00.000Z');
    expect(expiryOf({ expiry: 'never', expiryDays: null }, new Date())).toBeNull();
    expect(streakBonus([{ day: 7, bonus: 20 }], 7)).toBe(20);
    expect(streakBonus([{ day: 7, bonus: 20 }], 8)).toBe(0);
  });
});

describe('earning, paying with points and refunds', () => {
  it('gives sign-up points, earns on payment, pays part of an order with points, and a refund takes back and returns in proportion', async () => {
    const c = await signInCustomer(t, shop.slug);
    await t.drain();
    expect((await t.call('GET', store('/me/points'), { headers: bearer(c) })).body.balance).toBe(100);
    const p = await createProduct(t, shop.owner, { priceFen: 30_000, stock: 100 });
    const sku = p.skus[0].id;
    const first = await order(c, sku, 1, false);
    await payOrder(t, shop.slug, c, first.body.id);
    await t.drain();
    expect(await ledgerInvariant(c.customerId)).toBe(100 + 300);

    const preview = await order(c, sku, 1, true, '/checkout/preview');
    expect(preview.body.points).toMatchObject({ balance: 400, usable: 400, deductFen: 400, using: true });
    expect(preview.body.payableFen).toBe(30_000 - 400);
    const paidWithPoints = await order(c, sku, 1, true);
    expect(paidWithPoints.status).toBe(201);
    expect(paidWithPoints.body.pricing.adjustments).toEqual([expect.objectContaining({ code: 'points', amountFen: -400, quantity: 400 })]);
    expect(await ledgerInvariant(c.customerId)).toBe(0);
    await payOrder(t, shop.slug, c, paidWithPoints.body.id);
    await t.drain();
    // ¥296 paid → 296 points
    expect(await ledgerInvariant(c.customerId)).toBe(296);

    const refund = await t.call('POST', `/api/admin/orders/${paidWithPoints.body.id}/refunds`, { session: shop.owner, body: { items: [{ orderItemId: paidWithPoints.body.items[0].id, quantity: 1 }], reason: '质量问题' } });
    expect(refund.status).toBe(201);
    await t.drain();
    await waitFor(async () => (await t.call('GET', `/api/admin/orders/${paidWithPoints.body.id}`, { session: shop.owner })).body.status === 'refunded', 'refund');
    await t.drain();
    // The 296 earned are taken back and the 400 spent come back.
    expect(await ledgerInvariant(c.customerId)).toBe(400);
    const summary = await t.call('GET', `/api/admin/customers/${c.customerId}/points`, { session: shop.owner });
    expect(summary.body.ledger.map((l: { kind: string; delta: number }) => [l.kind, l.delta])).toEqual([
      ['return_spend', 400], ['reverse_earn', -296], ['earn_order', 296], ['spend_order', -400], ['earn_order', 300], ['signup', 100],
    ]);
  });

  it('returns spent points when the unpaid order is cancelled', async () => {
    const c = await signInCustomer(t, shop.slug);
    await t.drain();
    const p = await createProduct(t, shop.owner, { priceFen: 10_000, stock: 10 });
    const placed = await order(c, p.skus[0].id, 1, true);
    expect(placed.body.pricing.adjustments).toEqual([expect.objectContaining({ code: 'points', amountFen: -100 })]);
    expect(await ledgerInvariant(c.customerId)).toBe(0);
    await t.call('POST', store(`/orders/${placed.body.id}/cancel`), { headers: bearer(c), body: {} });
    await t.drain();
    expect(await ledgerInvariant(c.customerId)).toBe(100);
  });

  it('lets exactly one of parallel orders spend the same points', async () => {
    const c = await signInCustomer(t, shop.slug);
    await t.drain();
    const p = await createProduct(t, shop.owner, { priceFen: 10_000, stock: 50 });
    const results = await Promise.all(Array.from({ length: 5 }, () => order(c, p.skus[0].id, 1, true)));
    const withPoints = results.filter((r) => r.status === 201 && r.body.pricing.adjustments.some((a: { code: string }) => a.code === 'points'));
    expect(withPoints).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) expect(r.body.error.code).toBe('POINTS_INSUFFICIENT');
    expect(await ledgerInvariant(c.customerId)).toBe(0);
  });

  it('adjusts by hand, never below 0, once per request key', async () => {
    const c = await signInCustomer(t, shop.slug);
    await t.drain();
    const key = randomUUID();
    const add = () => t.call('POST', `/api/admin/customers/${c.customerId}/points/adjust`, { session: shop.owner, headers: { 'idempotency-key': key }, body: { delta: 50, reason: '补偿' } });
    expect((await add()).body.balance).toBe(150);
    expect((await add()).body.balance).toBe(150);
    const over = await t.call('POST', `/api/admin/customers/${c.customerId}/points/adjust`, { session: shop.owner, body: { delta: -151, reason: '扣除' } });
    expect(over.body.error).toMatchObject({ code: 'POINTS_INSUFFICIENT', details: { field: 'delta' } });
    expect(await ledgerInvariant(c.customerId)).toBe(150);
  });
});

describe('check-in (签到)', () => {
  it('counts a streak across days with its bonus, once a day', async () => {
    const c = await signInCustomer(t, shop.slug);
    await t.drain();
    const realNow = t.platform.now;
    const start = Date.parse('2026-11-20T02:00:00Z');
    try {
      const got: number[] = [];
      for (let d = 0; d < 4; d++) {
        t.platform.now = () => new Date(start + d * 86_400_000);
        const r = await t.call('POST', store('/me/check-in'), { headers: bearer(c) });
        expect(r.status).toBe(201);
        got.push(r.body.points);
        expect(r.body.streak).toBe(d + 1);
      }
      expect(got).toEqual([5, 5, 15, 5]);
      expect((await t.call('POST', store('/me/check-in'), { headers: bearer(c) })).body.error.code).toBe('ALREADY_CHECKED_IN');
      // A missed day starts again.
      t.platform.now = () => new Date(start + 5 * 86_400_000);
      expect((await t.call('POST', store('/me/check-in'), { headers: bearer(c) })).body.streak).toBe(1);
      const month = await t.call('GET', store('/me/check-ins?month=2026-11'), { headers: bearer(c) });
      expect(month.body.days.map((x: { day: string }) => x.day)).toEqual(['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-25']);
      expect(month.body).toMatchObject({ checkedInToday: true, streak: 1 });
    } finally {
      t.platform.now = realNow;
    }
    expect(await ledgerInvariant(c.customerId)).toBe(100 + 35);
  });
});

describe('merging customers', () => {
  it('moves points, lots and what orders spent to the survivor; a refund of a moved order returns them there', async () => {
    const product = await createProduct(t, shop.owner, { priceFen: 20_000, stock: 10 });
    const from = await signInCustomer(t, shop.slug);
    const into = await signInCustomer(t, shop.slug);
    await t.drain();
    const paid = await order(from, product.skus[0].id, 1, false);
    await payOrder(t, shop.slug, from, paid.body.id);
    await t.drain();
    expect(await ledgerInvariant(from.customerId)).toBe(100 + 200);
    const spending = await order(from, product.skus[0].id, 1, true);
    expect(spending.status, JSON.stringify(spending.body)).toBe(201);
    expect(await ledgerInvariant(from.customerId)).toBe(0);
    await t.platform.database.transaction((tx) => t.platform.events.emit(tx, { shopId: shop.shopId, type: 'customer.merged', payload: { fromCustomerId: from.customerId, intoCustomerId: into.customerId } }));
    await t.drain();
    expect(await ledgerInvariant(from.customerId)).toBe(0);
    // Both had sign-up points: the survivor keeps both postings.
    expect(await ledgerInvariant(into.customerId)).toBe(100);
    const cancel = await t.call('POST', store(`/orders/${spending.body.id}/cancel`), { headers: bearer(into), body: { reason: '不要了' } });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    await t.drain();
    expect(await ledgerInvariant(into.customerId)).toBe(100 + 300);
  });
});

describe('the ledger under random interleavings', () => {
  it('keeps balance = sum of the ledger = sum of open lots, never negative, whatever happens in whatever order', async () => {
    const s = t.services.points;
    const op = fc.oneof(
      fc.record({ kind: fc.constant('earn' as const), n: fc.integer({ min: 1, max: 500 }) }),
      fc.record({ kind: fc.constant('spend' as const), n: fc.integer({ min: 1, max: 700 }) }),
      fc.record({ kind: fc.constant('return' as const), order: fc.nat(5), share: fc.integer({ min: 0, max: 100 }) }),
      fc.record({ kind: fc.constant('reverse' as const), order: fc.nat(5), n: fc.integer({ min: 1, max: 600 }) }),
      fc.record({ kind: fc.constant('expire' as const), lotAgeDays: fc.integer({ min: 1, max: 3 }) }),
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 25 }), async (ops) => {
        const customerId = randomUUID();
        const orders = Array.from({ length: 6 }, () => randomUUID());
        let k = 0;
        // Half of every batch runs in parallel: the account lock must keep them apart.
        const run = async (o: (typeof ops)[number]) => {
          const ref = `r${k++}`;
          try {
            await t.platform.database.transaction(async (tx) => {
              if (o.kind === 'earn') await s.earn(tx, shop.shopId, customerId, o.n, 'adjust', ref);
              if (o.kind === 'spend') await s.spendForOrder(tx, shop.shopId, customerId, o.n, orders[k % orders.length]);
              if (o.kind === 'return') await s.returnSpent(tx, shop.shopId, customerId, orders[o.order], o.share === 100 ? 'all' : o.share * 3, ref);
              if (o.kind === 'reverse') await s.reverseEarned(tx, shop.shopId, customerId, orders[o.order], o.n, `${orders[o.order]}:${ref}`);
              if (o.kind === 'expire') await tx.execute(sql`UPDATE points_lots SET expires_at = now() - interval '1 minute' WHERE customer_id = ${customerId} AND id = (SELECT min(id) FROM points_lots WHERE customer_id = ${customerId} AND remaining > 0)`);
            });
            if (o.kind === 'expire') await s.expireDue();
          } catch (err) {
            if (!(err instanceof AppError && err.code === 'POINTS_INSUFFICIENT')) throw err;
          }
        };
        const half = Math.floor(ops.length / 2);
        await Promise.all(ops.slice(0, half).map(run));
        for (const o of ops.slice(half)) await run(o);
        await ledgerInvariant(customerId);
        // A spend never returns more than it took: per order, returned ≤ spent.
        const over = await rows(t.platform.db, sql`SELECT 1 FROM points_order_spends WHERE customer_id = ${customerId} AND returned > amount`);
        expect(over).toHaveLength(0);
        runs++;
      }),
      { numRuns: 25 },
    );
    expect(runs).toBe(25);
  });
});

describe('earning for many at once (a journey batch)', () => {
  it('posts each (kind, ref) once, keeps balance = ledger = lots, and races with single earns without deadlock', async () => {
    const customers = Array.from({ length: 12 }, () => randomUUID());
    const { points } = t.services;
    // One customer already has the first grant (a batch retried after a crash finds it posted).
    await t.platform.database.transaction((tx) => points.earn(tx, shop.shopId, customers[0]!, 7, 'adjust', 'j:0', 'x'));
    const grants = customers.flatMap((c, i) => [{ customerId: c, amount: 7, ref: `j:${i}` }, { customerId: c, amount: 3, ref: `j:${i}:b` }]);
    grants.push({ customerId: customers[1]!, amount: 7, ref: 'j:1' }); // the same grant twice in one batch
    const [fresh] = await Promise.all([
      t.platform.database.transaction((tx) => points.earnMany(tx, shop.shopId, grants, 'adjust', '自动化营销赠送')),
      ...customers.slice(0, 4).map((c, i) => t.platform.database.transaction((tx) => points.earn(tx, shop.shopId, c, 1, 'adjust', `single:${i}`, 'x'))),
    ]);
    expect(fresh.size).toBe(2 * customers.length - 1);
    expect(fresh.has('j:0')).toBe(false);
    for (const [i, c] of customers.entries()) expect(await ledgerInvariant(c)).toBe(10 + (i < 4 ? 1 : 0));
    const again = await t.platform.database.transaction((tx) => points.earnMany(tx, shop.shopId, grants, 'adjust', 'x'));
    expect(again.size).toBe(0);
    const [events] = await rows<{ n: number }>(t.platform.db, sql`
      SELECT count(*)::int AS n FROM outbox_events WHERE type = 'points.changed' AND shop_id = ${shop.shopId} AND payload->>'ref' LIKE 'j:%'`);
    expect(events!.n).toBe(2 * customers.length);
  });
});
