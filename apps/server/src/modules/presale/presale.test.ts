import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, createProduct, payOrder, signInCustomer, waitFor, type CustomerFixture, type ShopFixture, atTime } from '../../testing/commerce.js';
import { deductLabel, phaseOf } from './service.js';

const HOUR = 3600_000;
let t: TestApp;
let shop: ShopFixture;
let pickupPointId: string;
const store = (path: string) => `/api/store/${shop.slug}${path}`;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  pickupPointId = (await t.call('POST', '/api/admin/pickup-points', { session: shop.owner, body: { name: '门店', address: '文三路 1 号' } })).body.id;
});
afterAll(() => t?.close());

/** A product at ¥300 in a pre-sale whose deposit phase runs now: ¥50 deposit counts as ¥100. */
async function presale(opts: { refundable?: boolean; limit?: number; stock?: number } = {}) {
  const product = await createProduct(t, shop.owner, { priceFen: 30_000, stock: opts.stock ?? 10 });
  const now = Date.now();
  const res = await t.call('POST', '/api/admin/presales', {
    session: shop.owner,
    body: {
      name: '新品预售', productId: product.id,
      depositStartsAt: new Date(now - HOUR).toISOString(), depositEndsAt: new Date(now + 24 * HOUR).toISOString(),
      balanceStartsAt: new Date(now + 48 * HOUR).toISOString(), balanceEndsAt: new Date(now + 72 * HOUR).toISOString(),
      depositRefundable: opts.refundable ?? false, perCustomerLimit: opts.limit ?? 2,
      items: [{ skuId: product.skus[0].id, depositFen: 5_000, deductFen: 10_000 }],
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { activity: res.body, skuId: product.skus[0].id, productId: product.id, start: now };
}

async function level(skuId: string) {
  const [r] = await rows<{ available: number; reserved: number; sold: number; held: number }>(t.platform.db, sql`SELECT available, reserved, sold, held FROM inventory_levels WHERE sku_id = ${skuId}`);
  return r;
}

async function payDeposit(c: CustomerFixture, activityId: string, skuId: string, quantity = 1) {
  const started = await t.call('POST', store(`/presales/${activityId}/deposits`), { headers: bearer(c, { 'idempotency-key': randomUUID() }), body: { skuId, quantity } });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  await t.call('POST', '/sandbox/wechatpay/sandbox/pay', { body: { prepay_id: started.body.payment.prepayId } });
  return waitFor(async () => {
    const r = await t.call('GET', store(`/me/presale-orders/${started.body.presaleOrder.id}`), { headers: bearer(c) });
    return r.body.status === 'deposit_paid' ? r.body : null;
  }, 'deposit to be paid');
}

const at = <T>(ms: number, run: () => Promise<T>) => atTime(t, ms, run);

describe('pre-sale rules (pure)', () => {
  it('knows its phase and labels the inflated deposit', () => {
    const a = { depositStartsAt: new Date(1000), depositEndsAt: new Date(2000), balanceStartsAt: new Date(3000), balanceEndsAt: new Date(4000), status: 'active' as const };
    expect([500, 1500, 2500, 3500, 4500].map((ms) => phaseOf(a, new Date(ms)))).toEqual(['upcoming', 'deposit', 'waiting', 'balance', 'ended']);
    expect(deductLabel(5_000, 10_000)).toBe('定金¥50抵¥100');
    expect(deductLabel(5_000, 5_000)).toBe('定金¥50');
  });
});

describe('deposit then balance', () => {
  it('sets the units aside for the deposit, deducts ¥100 for a ¥50 deposit, and sells the units when the balance is paid', async () => {
    const { activity, skuId, productId, start } = await presale();
    const page = await t.call('GET', store(`/products/${productId}/presale`));
    expect(page.body.presale).toMatchObject({ phase: 'deposit', items: [{ skuId, depositFen: 5_000, deductFen: 10_000, label: '定金¥50抵¥100' }] });
    const c = await signInCustomer(t, shop.slug);
    const deposit = await payDeposit(c, activity.id, skuId);
    expect(deposit).toMatchObject({ status: 'deposit_paid', depositFen: 5_000, deductFen: 10_000, canPayBalance: false });
    expect(await level(skuId)).toMatchObject({ available: 9, held: 1 });

    const body = { items: [{ skuId, quantity: 1 }], fulfilment: 'pickup', pickupPointId, presaleOrderId: deposit.id };
    const early = await t.call('POST', store('/checkout/preview'), { headers: bearer(c), body });
    expect(early.body.error).toMatchObject({ code: 'PRESALE_BALANCE_NOT_OPEN', details: { field: 'presaleOrderId' } });

    await at(start + 49 * HOUR, async () => {
      await t.services.presales.tick();
      const due = await rows(t.platform.db, sql`SELECT 1 FROM outbox_events WHERE type = 'presale.balance_due' AND payload->>'presaleOrderId' = ${deposit.id}`);
      expect(due).toHaveLength(1);
      const wrong = await t.call('POST', store('/checkout/preview'), { headers: bearer(c), body: { ...body, items: [{ skuId, quantity: 2 }] } });
      expect(wrong.body.error).toMatchObject({ code: 'PRESALE_ITEMS_MISMATCH', details: { field: 'items' } });
      const preview = await t.call('POST', store('/checkout/preview'), { headers: bearer(c), body });
      expect(preview.body.payableFen).toBe(20_000);
      expect(preview.body.adjustments).toEqual([expect.objectContaining({ code: 'presale_deposit', label: '定金抵扣(定金¥50抵¥100)', amountFen: -10_000 })]);
      const order = await t.call('POST', store('/orders'), { headers: bearer(c, { 'idempotency-key': randomUUID() }), body });
      expect(order.status, JSON.stringify(order.body)).toBe(201);
      expect(await level(skuId)).toMatchObject({ available: 9, held: 0, reserved: 1 });
      const again = await t.call('POST', store('/orders'), { headers: bearer(c, { 'idempotency-key': randomUUID() }), body });
      expect(again.body.error.code).toBe('PRESALE_STATE_INVALID');
      await payOrder(t, shop.slug, c, order.body.id);
      await t.drain();
    });
    expect(await level(skuId)).toMatchObject({ available: 9, held: 0, reserved: 0, sold: 1 });
    const mine = await t.call('GET', store(`/me/presale-orders/${deposit.id}`), { headers: bearer(c) });
    expect(mine.body.status).toBe('completed');
    const console = await t.call('GET', `/api/admin/presales/${activity.id}`, { session: shop.owner });
    expect(console.body.stats).toMatchObject({ deposits: 1, completed: 1, depositFen: 5_000 });
  });

  it('pays the balance of held units even after the rest of the stock sold out (the stock pre-check leaves balances alone)', async () => {
    const { activity, skuId, start } = await presale({ stock: 2 });
    const c = await signInCustomer(t, shop.slug);
    const deposit = await payDeposit(c, activity.id, skuId);
    expect(await level(skuId)).toMatchObject({ available: 1, held: 1 });
    const buy = (who: CustomerFixture) =>
      t.call('POST', store('/orders'), { headers: bearer(who, { 'idempotency-key': randomUUID() }), body: { items: [{ skuId, quantity: 1 }], fulfilment: 'pickup', pickupPointId } });
    const [a, b] = [await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug)];
    expect((await buy(a)).status).toBe(201);
    // Refused by the reservation, then from memory.
    expect((await buy(b)).body.error.code).toBe('STOCK_INSUFFICIENT');
    expect((await buy(b)).body.error.code).toBe('STOCK_INSUFFICIENT');
    await at(start + 49 * HOUR, async () => {
      const order = await t.call('POST', store('/orders'), {
        headers: bearer(c, { 'idempotency-key': randomUUID() }),
        body: { items: [{ skuId, quantity: 1 }], fulfilment: 'pickup', pickupPointId, presaleOrderId: deposit.id },
      });
      expect(order.status, JSON.stringify(order.body)).toBe(201);
    });
    expect(await level(skuId)).toMatchObject({ available: 0, held: 0, reserved: 2 });
  });

  it('keeps a non-refundable deposit when the balance is never paid, and puts the units back on sale', async () => {
    const { activity, skuId, start } = await presale();
    const c = await signInCustomer(t, shop.slug);
    const deposit = await payDeposit(c, activity.id, skuId);
    await at(start + 73 * HOUR, () => t.services.presales.tick());
    const [o] = await rows<{ status: string }>(t.platform.db, sql`SELECT status FROM presale_orders WHERE id = ${deposit.id}`);
    expect(o.status).toBe('forfeited');
    expect(await level(skuId)).toMatchObject({ available: 10, held: 0 });
  });

  it('refunds a refundable deposit through WeChat Pay when the balance is never paid', async () => {
    const { activity, skuId, start } = await presale({ refundable: true });
    const c = await signInCustomer(t, shop.slug);
    const deposit = await payDeposit(c, activity.id, skuId);
    await at(start + 73 * HOUR, () => t.services.presales.tick());
    await waitFor(async () => {
      await t.drain();
      const [o] = await rows<{ status: string }>(t.platform.db, sql`SELECT status FROM presale_orders WHERE id = ${deposit.id}`);
      return o.status === 'refunded';
    }, 'deposit refund');
    expect(await level(skuId)).toMatchObject({ available: 10, held: 0 });
  });

  it('a deposit given up is refunding at once: it cannot pay off a balance while the money goes back', async () => {
    const { activity, skuId, start } = await presale({ refundable: true });
    const c = await signInCustomer(t, shop.slug);
    const deposit = await payDeposit(c, activity.id, skuId);
    const cancel = await t.call('POST', store(`/me/presale-orders/${deposit.id}/cancel`), { headers: bearer(c) });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    expect(cancel.body.status).toBe('refunding');
    await at(start + 49 * HOUR, async () => {
      const balance = await t.call('POST', store('/checkout/preview'), { headers: bearer(c), body: { items: [{ skuId, quantity: 1 }], fulfilment: 'pickup', pickupPointId, presaleOrderId: deposit.id } });
      expect(balance.body.error).toMatchObject({ code: 'PRESALE_STATE_INVALID', details: { field: 'presaleOrderId' } });
    });
    await waitFor(async () => {
      await t.drain();
      const [o] = await rows<{ status: string }>(t.platform.db, sql`SELECT status FROM presale_orders WHERE id = ${deposit.id}`);
      return o.status === 'refunded';
    }, 'deposit refund');
    expect(await level(skuId)).toMatchObject({ available: 10, held: 0 });
  });

  it('ended early by the shop, even a non-refundable deposit goes back', async () => {
    const { activity, skuId } = await presale({ refundable: false });
    const c = await signInCustomer(t, shop.slug);
    const deposit = await payDeposit(c, activity.id, skuId);
    const ended = await t.call('POST', `/api/admin/presales/${activity.id}/end`, { session: shop.owner });
    expect(ended.status).toBe(200);
    await waitFor(async () => {
      await t.drain();
      const [o] = await rows<{ status: string }>(t.platform.db, sql`SELECT status FROM presale_orders WHERE id = ${deposit.id}`);
      return o.status === 'refunded';
    }, 'deposit refund after an early end');
  });

  it('closes an unpaid deposit after its window, giving the units back', async () => {
    const { activity, skuId } = await presale();
    const c = await signInCustomer(t, shop.slug);
    const started = await t.call('POST', store(`/presales/${activity.id}/deposits`), { headers: bearer(c), body: { skuId, quantity: 2 } });
    expect(await level(skuId)).toMatchObject({ available: 8, held: 2 });
    await t.services.presales.expireDeposit(shop.shopId, started.body.presaleOrder.id);
    expect(await level(skuId)).toMatchObject({ available: 10, held: 0 });
    const r = await t.call('GET', store(`/me/presale-orders/${started.body.presaleOrder.id}?sync=true`), { headers: bearer(c) });
    expect(r.body.status).toBe('closed');
  });

  it('holds the per-customer limit and the stock under parallel deposits', async () => {
    const { activity, skuId } = await presale({ limit: 1, stock: 3 });
    const c = await signInCustomer(t, shop.slug);
    const mine = await Promise.all(Array.from({ length: 5 }, () => t.call('POST', store(`/presales/${activity.id}/deposits`), { headers: bearer(c), body: { skuId, quantity: 1 } })));
    expect(mine.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of mine.filter((x) => x.status !== 201)) expect(r.body.error).toMatchObject({ code: 'PRESALE_LIMIT_REACHED', details: { field: 'quantity' } });
    const others = await Promise.all(Array.from({ length: 4 }, () => signInCustomer(t, shop.slug)));
    const rush = await Promise.all(others.map((o) => t.call('POST', store(`/presales/${activity.id}/deposits`), { headers: bearer(o), body: { skuId, quantity: 1 } })));
    expect(rush.filter((r) => r.status === 201)).toHaveLength(2);
    for (const r of rush.filter((x) => x.status !== 201)) expect(r.body.error.code).toBe('STOCK_INSUFFICIENT');
    expect(await level(skuId)).toMatchObject({ available: 0, held: 3 });
  });

  it('refuses a deduction worth the whole price, and a second pre-sale of the same product', async () => {
    const { productId, skuId } = await presale();
    const now = Date.now();
    const body = {
      name: 'x', productId,
      depositStartsAt: new Date(now).toISOString(), depositEndsAt: new Date(now + HOUR).toISOString(),
      balanceStartsAt: new Date(now + 2 * HOUR).toISOString(), balanceEndsAt: new Date(now + 3 * HOUR).toISOString(),
      items: [{ skuId, depositFen: 5_000, deductFen: 30_000 }],
    };
    const high = await t.call('POST', '/api/admin/presales', { session: shop.owner, body });
    expect(high.status).toBe(422);
    expect(high.body.error).toMatchObject({ code: 'PRESALE_DEDUCT_TOO_HIGH', details: { field: 'items.0.deductFen' } });
    const twice = await t.call('POST', '/api/admin/presales', { session: shop.owner, body: { ...body, items: [{ skuId, depositFen: 5_000, deductFen: 6_000 }] } });
    expect(twice.body.error).toMatchObject({ code: 'PRESALE_OVERLAP', details: { field: 'productId' } });
  });
});
