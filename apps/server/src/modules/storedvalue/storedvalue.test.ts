import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { xlsxText } from '../../app/route-walk.js';
import { bearer, createProduct, payOrder, signInCustomer, waitFor, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';

let t: TestApp;
let shop: ShopFixture;
let pickupPointId: string;
let planId: string;
const store = (path: string) => `/api/store/${shop.slug}${path}`;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  pickupPointId = (await t.call('POST', '/api/admin/pickup-points', { session: shop.owner, body: { name: '门店', address: '文三路 1 号' } })).body.id;
  const plan = await t.call('POST', '/api/admin/stored-value/plans', { session: shop.owner, body: { name: '充100送20', amountFen: 10_000, bonusFen: 2_000 } });
  expect(plan.status, JSON.stringify(plan.body)).toBe(201);
  planId = plan.body.id;
});
afterAll(() => t?.close());

/** The account equals the sum of its ledger, both parts are ≥ 0, and every row's running balance is ≥ 0. */
async function invariant(customerId: string) {
  const [r] = await rows<{ p: string; b: string; lp: string; lb: string; negative: number }>(t.platform.db, sql`
    SELECT COALESCE((SELECT principal_fen FROM stored_value_accounts WHERE shop_id = ${shop.shopId} AND customer_id = ${customerId}), 0) AS p,
           COALESCE((SELECT bonus_fen FROM stored_value_accounts WHERE shop_id = ${shop.shopId} AND customer_id = ${customerId}), 0) AS b,
           COALESCE((SELECT sum(principal_delta) FROM stored_value_ledger WHERE shop_id = ${shop.shopId} AND customer_id = ${customerId}), 0) AS lp,
           COALESCE((SELECT sum(bonus_delta) FROM stored_value_ledger WHERE shop_id = ${shop.shopId} AND customer_id = ${customerId}), 0) AS lb,
           (SELECT count(*)::int FROM stored_value_ledger WHERE shop_id = ${shop.shopId} AND customer_id = ${customerId} AND (principal_after < 0 OR bonus_after < 0)) AS negative`);
  expect(Number(r.p)).toBe(Number(r.lp));
  expect(Number(r.b)).toBe(Number(r.lb));
  expect(r.negative).toBe(0);
  return { principalFen: Number(r.p), bonusFen: Number(r.b) };
}

/** Tops up through the sandbox cashier the way a customer does, and waits for the balance. */
async function topUp(c: CustomerFixture, body: Record<string, unknown> = { planId }) {
  const started = await t.call('POST', store('/me/stored-value/topups'), { headers: bearer(c, { 'idempotency-key': randomUUID() }), body });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  const paid = await t.call('POST', '/sandbox/wechatpay/sandbox/pay', { body: { prepay_id: started.body.payment.prepayId } });
  expect(paid.status).toBe(200);
  return waitFor(async () => {
    const r = await t.call('GET', store(`/me/stored-value/topups/${started.body.topup.id}`), { headers: bearer(c) });
    return r.body.status === 'paid' ? r.body : null;
  }, 'top-up to be credited');
}

/** WeChat confirms the cash part by notification (over HTTP); then the balance part is posted by the event. */
async function refunded(refundId: string) {
  await waitFor(async () => {
    await t.drain();
    const [r] = await rows<{ status: string }>(t.platform.db, sql`SELECT status FROM refunds WHERE id = ${refundId}`);
    return r?.status === 'refunded';
  }, 'refund to complete');
  await t.drain();
}

const checkout = (c: CustomerFixture, skuId: string, quantity: number, useBalance: boolean) =>
  t.call('POST', store('/orders'), { headers: bearer(c, { 'idempotency-key': randomUUID() }), body: { items: [{ skuId, quantity }], fulfilment: 'pickup', pickupPointId, couponId: null, useBalance } });

describe('top-ups', () => {
  it('credits ¥100 + ¥20 bonus once, however often WeChat notifies', async () => {
    const c = await signInCustomer(t, shop.slug);
    const offer = await t.call('GET', store('/me/stored-value'), { headers: bearer(c) });
    expect(offer.body.plans).toEqual([expect.objectContaining({ id: planId, label: '充100送20' })]);
    const done = await topUp(c);
    expect(done.account).toMatchObject({ principalFen: 10_000, bonusFen: 2_000, balanceFen: 12_000, toppedUpFen: 10_000 });

    // WeChat retries: the same notification again, and then the same transaction under a new notification id.
    const deliveries = (await t.call('GET', '/sandbox/wechatpay/sandbox/notifications')).body.notifications;
    const mine = deliveries.filter((n: any) => n.acknowledged && String(n.url).includes('/notify/')).at(-1);
    await t.call('POST', `/sandbox/wechatpay/sandbox/notifications/${mine.id}/resend`);
    await t.platform.db.execute(sql`DELETE FROM payment_notifications WHERE shop_id = ${shop.shopId}`);
    await t.call('POST', `/sandbox/wechatpay/sandbox/notifications/${mine.id}/resend`);
    await waitFor(async () => {
      const l = (await t.call('GET', '/sandbox/wechatpay/sandbox/notifications')).body.notifications;
      const n = l.find((x: any) => x.id === mine.id);
      return n && n.attempts >= 3 && n.acknowledged;
    }, 'replays acknowledged');
    expect(await invariant(c.customerId)).toEqual({ principalFen: 10_000, bonusFen: 2_000 });
    const ledger = await t.call('GET', store('/me/stored-value/ledger'), { headers: bearer(c) });
    expect(ledger.body.items).toHaveLength(1);
    expect(ledger.body.items[0]).toMatchObject({ kind: 'topup', principalDeltaFen: 10_000, bonusDeltaFen: 2_000, note: '充值 ¥100,赠送 ¥20' });
  });

  it('refuses bad amounts with the field, and a double tap starts one top-up', async () => {
    const c = await signInCustomer(t, shop.slug);
    const low = await t.call('POST', store('/me/stored-value/topups'), { headers: bearer(c), body: { amountFen: 50 } });
    expect(low.status).toBe(400);
    expect(low.body.error).toMatchObject({ code: 'TOPUP_AMOUNT_OUT_OF_RANGE', details: { field: 'amountFen' } });
    const both = await t.call('POST', store('/me/stored-value/topups'), { headers: bearer(c), body: { amountFen: 5000, planId } });
    expect(both.body.error.code).toBe('TOPUP_AMOUNT_REQUIRED');
    const ghost = await t.call('POST', store('/me/stored-value/topups'), { headers: bearer(c), body: { planId: randomUUID() } });
    expect(ghost.status).toBe(404);
    const key = randomUUID();
    const [a, b] = await Promise.all([0, 1].map(() => t.call('POST', store('/me/stored-value/topups'), { headers: bearer(c, { 'idempotency-key': key }), body: { amountFen: 5000 } })));
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.topup.id).toBe(b.body.topup.id);
    const [n] = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM topups WHERE customer_id = ${c.customerId}`);
    expect(n.n).toBe(1);
  });

  it('closes an unpaid top-up when its window passes, without crediting', async () => {
    const c = await signInCustomer(t, shop.slug);
    const started = await t.call('POST', store('/me/stored-value/topups'), { headers: bearer(c), body: { planId } });
    await t.services.topups.expire(shop.shopId, started.body.topup.id);
    const r = await t.call('GET', store(`/me/stored-value/topups/${started.body.topup.id}?sync=true`), { headers: bearer(c) });
    expect(r.body).toMatchObject({ status: 'closed', account: { balanceFen: 0 } });
    expect((await t.call('POST', '/sandbox/wechatpay/sandbox/pay', { body: { prepay_id: started.body.payment.prepayId } })).status).toBeGreaterThanOrEqual(400);
  });
});

describe('paying with the balance', () => {
  it('pays an order from the balance alone: paid at once, principal and bonus in proportion', async () => {
    const c = await signInCustomer(t, shop.slug);
    await topUp(c);
    const product = await createProduct(t, shop.owner, { priceFen: 5_000, stock: 10 });
    const preview = await t.call('POST', store('/checkout/preview'), { headers: bearer(c), body: { items: [{ skuId: product.skus[0].id, quantity: 1 }], fulfilment: 'pickup', pickupPointId, couponId: null } });
    expect(preview.body.balance).toEqual({ enabled: true, balanceFen: 12_000, usableFen: 5_000, using: false });
    const o = await checkout(c, product.skus[0].id, 1, true);
    expect(o.status, JSON.stringify(o.body)).toBe(201);
    expect(o.body).toMatchObject({ status: 'paid', payableFen: 5_000, balanceFen: 5_000, paidFen: 5_000 });
    // 12,000 held as 10,000 + 2,000: the bonus share of 5,000 is floor(5,000 × 2,000 / 12,000) = 833.
    expect(await invariant(c.customerId)).toEqual({ principalFen: 10_000 - 4_167, bonusFen: 2_000 - 833 });
    await t.drain();
    const stock = await rows<{ sold: number; reserved: number }>(t.platform.db, sql`SELECT sold, reserved FROM inventory_levels WHERE sku_id = ${product.skus[0].id}`);
    expect(stock[0]).toMatchObject({ sold: 1, reserved: 0 });
    const pay = await t.call('POST', store(`/orders/${o.body.id}/pay`), { headers: bearer(c), body: {} });
    expect(pay.body.error.code).toBe('ORDER_STATE_INVALID');
  });

  it('pays with balance and WeChat Pay together; refunds go back in the same proportions, to the fen', async () => {
    const c = await signInCustomer(t, shop.slug);
    await topUp(c);
    const product = await createProduct(t, shop.owner, { priceFen: 5_000, stock: 10 });
    const o = await checkout(c, product.skus[0].id, 3, true);
    expect(o.body).toMatchObject({ status: 'pending_payment', payableFen: 15_000, balanceFen: 12_000 });
    expect(await invariant(c.customerId)).toEqual({ principalFen: 0, bonusFen: 0 });
    const paid = await payOrder(t, shop.slug, c, o.body.id);
    expect(paid).toMatchObject({ paidFen: 15_000 });
    const payment = await rows<{ amount_fen: number }>(t.platform.db, sql`SELECT amount_fen FROM payments WHERE order_id = ${o.body.id}`);
    expect(payment[0].amount_fen).toBe(3_000);

    // Refund one unit, then the other two: ¥120 of ¥150 was balance, so 4/5 of each refund goes back to it.
    const line = paid.items[0];
    const first = await t.call('POST', `/api/admin/orders/${o.body.id}/refunds`, { session: shop.owner, body: { items: [{ orderItemId: line.id, quantity: 1 }], reason: '缺货' } });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ amountFen: 5_000, balanceFen: 4_000 });
    await refunded(first.body.id);
    expect(await invariant(c.customerId)).toEqual({ principalFen: Math.floor(10_000 * 4_000 / 12_000) + 1, bonusFen: Math.floor(2_000 * 4_000 / 12_000) });
    const rest = await t.call('POST', `/api/admin/orders/${o.body.id}/refunds`, { session: shop.owner, body: { items: [{ orderItemId: line.id, quantity: 2 }], reason: '缺货' } });
    expect(rest.body).toMatchObject({ amountFen: 10_000, balanceFen: 8_000 });
    await refunded(rest.body.id);
    // Everything is back: exactly the ¥100 principal and ¥20 bonus, and ¥30 through WeChat Pay.
    expect(await invariant(c.customerId)).toEqual({ principalFen: 10_000, bonusFen: 2_000 });
    const wechat = await rows<{ n: string }>(t.platform.db, sql`SELECT sum(amount_fen - balance_fen) AS n FROM refunds WHERE order_id = ${o.body.id} AND status = 'refunded'`);
    expect(Number(wechat[0].n)).toBe(3_000);
    const after = await t.call('GET', store(`/orders/${o.body.id}`), { headers: bearer(c) });
    expect(after.body).toMatchObject({ status: 'refunded', refundedFen: 15_000 });
  });

  it('gives the balance back when an unpaid order is cancelled', async () => {
    const c = await signInCustomer(t, shop.slug);
    await topUp(c);
    const product = await createProduct(t, shop.owner, { priceFen: 20_000, stock: 10 });
    const o = await checkout(c, product.skus[0].id, 1, true);
    expect(o.body.balanceFen).toBe(12_000);
    const cancel = await t.call('POST', store(`/orders/${o.body.id}/cancel`), { headers: bearer(c), body: { reason: '不想要了' } });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    await t.drain();
    expect(await invariant(c.customerId)).toEqual({ principalFen: 10_000, bonusFen: 2_000 });
  });

  it('lets parallel checkouts never overdraw: losers get BALANCE_INSUFFICIENT and leave nothing behind', async () => {
    const c = await signInCustomer(t, shop.slug);
    await topUp(c);
    const product = await createProduct(t, shop.owner, { priceFen: 7_000, stock: 50 });
    const results = await Promise.all(Array.from({ length: 6 }, () => checkout(c, product.skus[0].id, 1, true)));
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status !== 201);
    for (const r of refused) expect(r.body.error).toMatchObject({ code: 'BALANCE_INSUFFICIENT', details: { field: expect.any(String) } });
    expect(ok.length).toBeGreaterThanOrEqual(1);
    const usedFen = ok.reduce((s, r) => s + r.body.balanceFen, 0);
    expect(usedFen).toBeLessThanOrEqual(12_000);
    const left = await invariant(c.customerId);
    expect(left.principalFen + left.bonusFen).toBe(12_000 - usedFen);
    // Every order's balance part is exactly one ledger posting; a refused checkout left no order and no posting.
    const spends = await rows<{ order_id: string; n: string }>(t.platform.db, sql`SELECT order_id, -sum(principal_delta + bonus_delta) AS n FROM stored_value_ledger WHERE customer_id = ${c.customerId} AND kind = 'spend' GROUP BY order_id`);
    expect(spends.map((s) => [s.order_id, Number(s.n)]).sort()).toEqual(ok.filter((r) => r.body.balanceFen > 0).map((r) => [r.body.id, r.body.balanceFen]).sort());
    const [orders] = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM orders WHERE customer_id = ${c.customerId}`);
    expect(orders.n).toBe(ok.length);
  });
});

describe('merging customers', () => {
  it('moves the balance and its statement to the survivor, so a later refund of a moved order finds it', async () => {
    const from = await signInCustomer(t, shop.slug);
    const into = await signInCustomer(t, shop.slug);
    await topUp(from);
    const product = await createProduct(t, shop.owner, { priceFen: 8_000, stock: 10 });
    const o = await checkout(from, product.skus[0].id, 1, true);
    expect(o.body).toMatchObject({ status: 'paid', balanceFen: 8_000 });
    await t.platform.database.transaction((tx) => t.platform.events.emit(tx, { shopId: shop.shopId, type: 'customer.merged', payload: { fromCustomerId: from.customerId, intoCustomerId: into.customerId } }));
    await t.drain();
    expect(await invariant(from.customerId)).toEqual({ principalFen: 0, bonusFen: 0 });
    const moved = await invariant(into.customerId);
    expect(moved.principalFen + moved.bonusFen).toBe(4_000);
    const refund = await t.call('POST', `/api/admin/orders/${o.body.id}/refunds`, { session: shop.owner, body: { items: [{ orderItemId: o.body.items[0].id, quantity: 1 }], reason: '缺货' } });
    expect(refund.body).toMatchObject({ amountFen: 8_000, balanceFen: 8_000 });
    await refunded(refund.body.id);
    expect(await invariant(into.customerId)).toEqual({ principalFen: 10_000, bonusFen: 2_000 });
  });
});

describe('the console', () => {
  it('shows the balance, the statement and corrects by hand, never below 0', async () => {
    const c = await signInCustomer(t, shop.slug);
    await topUp(c);
    const profile = await t.call('GET', `/api/admin/customers/${c.customerId}/stored-value`, { session: shop.owner });
    expect(profile.body.account).toMatchObject({ principalFen: 10_000, bonusFen: 2_000 });
    expect(profile.body.topups[0]).toMatchObject({ status: 'paid', amountFen: 10_000, bonusFen: 2_000 });
    const tooMuch = await t.call('POST', `/api/admin/customers/${c.customerId}/stored-value/adjust`, { session: shop.owner, body: { principalDeltaFen: 0, bonusDeltaFen: -2_001, reason: '纠错' } });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.error).toMatchObject({ code: 'BALANCE_INSUFFICIENT', details: { field: 'bonusFen' } });
    const key = randomUUID();
    const adj = () => t.call('POST', `/api/admin/customers/${c.customerId}/stored-value/adjust`, { session: shop.owner, headers: { 'idempotency-key': key }, body: { principalDeltaFen: 0, bonusDeltaFen: -500, reason: '活动赠送多发' } });
    expect((await adj()).body).toMatchObject({ posted: true, account: { bonusFen: 1_500 } });
    expect((await adj()).body).toMatchObject({ posted: false, account: { bonusFen: 1_500 } });
    const statement = await t.call('GET', `/api/admin/stored-value/statement?phone=${c.phone}`, { session: shop.owner });
    expect(statement.body.items.map((i: any) => i.kind)).toEqual(['adjust', 'topup']);
    expect(statement.body.items[0]).toMatchObject({ phone: c.phone, bonusDeltaFen: -500, note: '活动赠送多发' });
    const overview = await t.call('GET', '/api/admin/stored-value/overview', { session: shop.owner });
    expect(overview.body.principalFen).toBeGreaterThanOrEqual(10_000);
    const xlsx = await fetch(`${t.url}/api/admin/stored-value/statement.xlsx`, { headers: { cookie: shop.owner.cookie } });
    expect(xlsx.status).toBe(200);
    const text = await xlsxText(await xlsx.arrayBuffer());
    expect(text).toContain(c.phone);
    expect(text).toContain('活动赠送多发');
  });
});

describe('the ledger under random interleavings', () => {
  it('keeps account = sum of the ledger, never negative, returns ≤ spends, whatever happens in whatever order', async () => {
    const s = t.services.storedValue;
    const op = fc.oneof(
      fc.record({ kind: fc.constant('topup' as const), p: fc.integer({ min: 1, max: 20_000 }), b: fc.integer({ min: 0, max: 5_000 }) }),
      fc.record({ kind: fc.constant('spend' as const), n: fc.integer({ min: 1, max: 15_000 }) }),
      fc.record({ kind: fc.constant('refund' as const), order: fc.nat(3), n: fc.integer({ min: 1, max: 8_000 }) }),
      fc.record({ kind: fc.constant('cancel' as const), order: fc.nat(3) }),
      fc.record({ kind: fc.constant('adjust' as const), p: fc.integer({ min: -3_000, max: 3_000 }), b: fc.integer({ min: -1_000, max: 1_000 }) }),
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 25 }), async (ops) => {
        const customerId = randomUUID();
        const orders = Array.from({ length: 4 }, () => randomUUID());
        let k = 0;
        const run = async (o: (typeof ops)[number]) => {
          const ref = `r${k++}`;
          try {
            // A staff correction opens its own transaction (PGlite has one connection: never nest).
            if (o.kind === 'adjust') {
              await s.adjust({ shopId: shop.shopId, type: 'staff', id: 'tester', name: 't', role: 'owner' }, customerId, { principalDeltaFen: o.p, bonusDeltaFen: o.b, reason: 'x' }, ref);
              return;
            }
            await t.platform.database.transaction(async (tx) => {
              if (o.kind === 'topup') await s.creditTopup(tx, shop.shopId, customerId, randomUUID(), { principalFen: o.p, bonusFen: o.b }, 'x');
              if (o.kind === 'spend') await s.spend(tx, shop.shopId, customerId, orders[k % orders.length], o.n, 'x');
              if (o.kind === 'refund') await s.returnToBalance(tx, shop.shopId, customerId, orders[o.order], o.n, 'refund', ref, 'x');
              if (o.kind === 'cancel') await s.returnToBalance(tx, shop.shopId, customerId, orders[o.order], Number.MAX_SAFE_INTEGER, 'cancel', orders[o.order], 'x');
            });
          } catch (err) {
            if (!(err instanceof AppError && ['BALANCE_INSUFFICIENT', 'BALANCE_ALREADY_SPENT'].includes(err.code))) throw err;
          }
        };
        // Half of every batch runs in parallel: the account lock must keep them apart.
        const half = Math.floor(ops.length / 2);
        await Promise.all(ops.slice(0, half).map(run));
        for (const o of ops.slice(half)) await run(o);
        await invariant(customerId);
        // Per order and per part, what came back never exceeds what was taken.
        const over = await rows(t.platform.db, sql`
          SELECT order_id FROM stored_value_ledger WHERE customer_id = ${customerId} AND order_id IS NOT NULL GROUP BY order_id
          HAVING sum(principal_delta) > 0 OR sum(bonus_delta) > 0`);
        expect(over).toHaveLength(0);
        runs++;
      }),
      { numRuns: 25 },
    );
    expect(runs).toBe(25);
  });
});
