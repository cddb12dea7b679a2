import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { addAddress, bearer, createProduct, payOrder, signInCustomer, type CustomerFixture } from '../../testing/commerce.js';
import { hotKeys } from './keys.js';
import { createSale, flashOrders, stockOf, writeOrders } from './testing.js';

let t: TestApp;
let shop: Awaited<ReturnType<TestApp['createShop']>>;
const store = (p: string) => `/api/store/${shop.slug}${p}`;
const buyers: (CustomerFixture & { addressId: string })[] = [];

async function buyer() {
  const c = await signInCustomer(t, shop.slug);
  const b = { ...c, addressId: await addAddress(t, shop.slug, c) };
  buyers.push(b);
  return b;
}

const attempt = (b: CustomerFixture & { addressId: string }, itemId: string, extra: Record<string, unknown> = {}) =>
  t.call('POST', store('/flash-sales/attempts'), { headers: bearer(b), body: { itemId, fulfilment: 'express', addressId: b.addressId, ...extra } });

async function product(stock: number, priceFen = 5900) {
  return (await createProduct(t, shop.owner, { priceFen, stock, title: '秒杀商品' })).skus[0].id;
}

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000', SIGNIN_RATE_PER_MINUTE: '10000' });
  shop = await t.createShop();
}, 60_000);
afterAll(() => t?.close());

describe('console: drafts and publish', () => {
  it('validates sessions and prices, edits and deletes drafts, and carves the activity stock out of normal stock at publish', async () => {
    const skuId = await product(100);
    const at = Date.now() + 3600_000;
    const body = (over: Record<string, unknown> = {}) => ({
      name: '三场秒杀', perCustomerLimit: 2,
      sessions: [
        { startsAt: new Date(at), endsAt: new Date(at + 3600_000), items: [{ skuId, priceFen: 990, stock: 30 }] },
        { startsAt: new Date(at + 4 * 3600_000), endsAt: new Date(at + 5 * 3600_000), items: [{ skuId, priceFen: 1990, stock: 20 }] },
      ],
      ...over,
    });
    const overlap = await t.call('POST', '/api/admin/flash-sales', { session: shop.owner, body: body({ sessions: [body().sessions[0], { ...body().sessions[0] }] }) });
    expect(overlap.status).toBe(400);
    expect(overlap.body.error).toMatchObject({ code: 'SESSION_OVERLAP', details: { field: 'sessions.1.startsAt' } });
    const dear = await t.call('POST', '/api/admin/flash-sales', { session: shop.owner, body: body({ sessions: [{ ...body().sessions[0], items: [{ skuId, priceFen: 6000, stock: 1 }] }] }) });
    expect(dear.body.error).toMatchObject({ code: 'FLASH_PRICE_TOO_HIGH', details: { field: 'sessions.0.items.0.priceFen' } });
    const unknown = await t.call('POST', '/api/admin/flash-sales', { session: shop.owner, body: body({ sessions: [{ ...body().sessions[0], items: [{ skuId: randomUUID(), priceFen: 1, stock: 1 }] }] }) });
    expect(unknown.status).toBe(422);

    const created = await t.call('POST', '/api/admin/flash-sales', { session: shop.owner, body: body() });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'draft', perCustomerLimit: 2 });
    expect(created.body.sessions).toHaveLength(2);
    expect(created.body.sessions[0].items[0]).toMatchObject({ skuId, priceFen: 990, originalPriceFen: 5900, stock: 30, remaining: 30, sold: 0 });
    // A draft holds nothing.
    expect((await stockOf(t, skuId)).level).toMatchObject({ available: 100, held: 0 });

    const edited = await t.call('PUT', `/api/admin/flash-sales/${created.body.id}`, { session: shop.owner, body: body({ name: '改名秒杀', perCustomerLimit: 1 }) });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ name: '改名秒杀', perCustomerLimit: 1 });

    const tooMuch = await t.call('POST', '/api/admin/flash-sales', { session: shop.owner, body: body({ sessions: [{ ...body().sessions[0], items: [{ skuId, priceFen: 990, stock: 101 }] }] }) });
    const refused = await t.call('POST', `/api/admin/flash-sales/${tooMuch.body.id}/publish`, { session: shop.owner });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('STOCK_INSUFFICIENT');
    expect((await t.call('DELETE', `/api/admin/flash-sales/${tooMuch.body.id}`, { session: shop.owner })).status).toBe(200);
    expect((await t.call('GET', `/api/admin/flash-sales/${tooMuch.body.id}`, { session: shop.owner })).status).toBe(404);

    const published = await t.call('POST', `/api/admin/flash-sales/${created.body.id}/publish`, { session: shop.owner });
    expect(published.status).toBe(200);
    expect(published.body.status).toBe('published');
    const s = await stockOf(t, skuId);
    expect(s.level).toMatchObject({ received: 100, available: 50, held: 50 });
    expect(s.ledger).toEqual(s.level);
    expect(s.balanced).toBe(true);
    const ledger = await t.call('GET', `/api/admin/skus/${skuId}/stock-ledger`, { session: shop.owner });
    expect(JSON.stringify(ledger.body)).toContain('hold');
    // Published: fixed.
    expect((await t.call('PUT', `/api/admin/flash-sales/${created.body.id}`, { session: shop.owner, body: body() })).body.error.code).toBe('FLASH_SALE_NOT_DRAFT');
    expect((await t.call('DELETE', `/api/admin/flash-sales/${created.body.id}`, { session: shop.owner })).body.error.code).toBe('FLASH_SALE_NOT_DRAFT');
    const list = await t.call('GET', '/api/admin/flash-sales?status=published', { session: shop.owner });
    expect(list.body.items.map((x: { id: string }) => x.id)).toContain(created.body.id);
  });
});

describe('the purchase path', () => {
  it('accepts an attempt (202), writes a normal pending order at the flash price, and the order pays through WeChat Pay', async () => {
    const skuId = await product(10);
    const sale = await createSale(t, shop.owner, { skuId, stock: 5, priceFen: 990 });
    const b = await buyer();
    const res = await attempt(b, sale.itemId);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'pending' });
    const pending = await t.call('GET', store(`/flash-sales/attempts/${res.body.attemptId}`), { headers: bearer(b) });
    expect(pending.body.status).toBe('pending');
    // Another customer cannot read it.
    const other = await buyer();
    expect((await t.call('GET', store(`/flash-sales/attempts/${res.body.attemptId}`), { headers: bearer(other) })).status).toBe(404);

    await writeOrders(t, shop.shopId);
    const done = await t.call('GET', store(`/flash-sales/attempts/${res.body.attemptId}`), { headers: bearer(b) });
    expect(done.body).toMatchObject({ status: 'ordered', code: null });
    const order = (await t.call('GET', store(`/orders/${done.body.orderId}`), { headers: bearer(b) })).body;
    expect(order).toMatchObject({ status: 'pending_payment', source: 'flash_sale', itemsTotalFen: 990, shippingFen: 0, payableFen: 990 });
    expect(order.items[0]).toMatchObject({ skuId, unitPriceFen: 990, quantity: 1 });
    expect(order.pricing.adjustments.find((a: { code: string }) => a.code === 'flash_sale')).toMatchObject({ skuId, quantity: 1, ref: sale.id });
    expect(order.address).toMatchObject({ province: '广东省' });
    // Units come out of the activity's held stock, not normal stock.
    expect((await stockOf(t, skuId)).level).toMatchObject({ available: 5, held: 4, reserved: 1, sold: 0 });

    await payOrder(t, shop.slug, b, order.id);
    await t.drain();
    const s = await stockOf(t, skuId);
    expect(s.level).toMatchObject({ available: 5, held: 4, reserved: 0, sold: 1 });
    expect(s.ledger).toEqual(s.level);
    const live = (await t.call('GET', `/api/admin/flash-sales/${sale.id}/live`, { session: shop.owner })).body;
    expect(live).toMatchObject({ stock: 5, sold: 1, remaining: 4, orders: 1, paidOrders: 1, paymentRate: 1, acceptedLastMinute: 1 });
    expect(live.ordersPerSecond).toBeGreaterThan(0);
  });

  it('checks the address as the attempt is written (units and allowance back at once), and holds each customer to the limit', async () => {
    const skuId = await product(10);
    const sale = await createSale(t, shop.owner, { skuId, stock: 5, limit: 2 });
    const b = await buyer();
    const noAddress = await attempt(b, sale.itemId, { addressId: randomUUID() });
    expect(noAddress.status).toBe(404);
    expect(noAddress.body.error.details.field).toBe('addressId');
    const someoneElses = await attempt(b, sale.itemId, { addressId: (await buyer()).addressId });
    expect(someoneElses.status).toBe(404);
    const tooMany = await attempt(b, sale.itemId, { quantity: 3 });
    expect(tooMany.body.error).toMatchObject({ code: 'FLASH_SALE_LIMIT_REACHED', details: { field: 'quantity', limit: 2 } });
    expect((await attempt(b, sale.itemId)).status).toBe(202);
    expect((await attempt(b, sale.itemId)).status).toBe(202);
    const third = await attempt(b, sale.itemId);
    expect(third.status).toBe(409);
    expect(third.body.error.code).toBe('FLASH_SALE_LIMIT_REACHED');
    await writeOrders(t, shop.shopId);
    expect(await flashOrders(t, sale.id)).toMatchObject({ orders: 2, units: 2, dup: 0 });
    const storefront = (await t.call('GET', store(`/flash-sales/sessions/${sale.sessionId}`))).body;
    expect(storefront.items[0]).toMatchObject({ remaining: 3, soldOut: false });
  });

  it('answers sold out once the activity stock is gone, and shows it on the storefront', async () => {
    const skuId = await product(10);
    const sale = await createSale(t, shop.owner, { skuId, stock: 2 });
    for (let i = 0; i < 2; i++) expect((await attempt(await buyer(), sale.itemId)).status).toBe(202);
    const late = await attempt(await buyer(), sale.itemId);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('FLASH_SALE_SOLD_OUT');
    // The storefront list is cached for a second per process.
    await new Promise((r) => setTimeout(r, 1100));
    const page = (await t.call('GET', store('/flash-sales'))).body;
    const mine = page.sessions.find((s: { sessionId: string }) => s.sessionId === sale.sessionId);
    expect(mine).toMatchObject({ state: 'running', soldOut: true });
    expect(mine.items[0]).toMatchObject({ remaining: 0, soldOut: true, soldPercent: 100 });
    expect(mine.countdownMs).toBeGreaterThan(0);
    expect(Date.parse(page.serverTime)).toBeGreaterThan(0);
  });

  it('refuses before the session starts and after it ends', async () => {
    const skuId = await product(10);
    const early = await createSale(t, shop.owner, { skuId, stock: 2, startsInMs: 3600_000 });
    const b = await buyer();
    const res = await attempt(b, early.itemId);
    expect(res.body.error).toMatchObject({ code: 'FLASH_SALE_NOT_STARTED' });
    const page = (await t.call('GET', store(`/flash-sales/sessions/${early.sessionId}`))).body;
    expect(page.state).toBe('upcoming');
    expect(page.countdownMs).toBeGreaterThan(3500_000);
  });

  it('lets one attempt per customer be in flight, and rate-limits per IP and per customer with 429', async () => {
    const skuId = await product(20);
    const sale = await createSale(t, shop.owner, { skuId, stock: 5, limit: 5 });
    const b = await buyer();
    // Another attempt of this customer is on its way to PostgreSQL (in another process, say).
    const inFlight = hotKeys(sale.sessionId).inFlight(b.customerId);
    await t.platform.hot.set(inFlight, '1', { ttlMs: 10_000 });
    const busy = await attempt(b, sale.itemId);
    expect(busy.status).toBe(429);
    expect(busy.body.error.code).toBe('FLASH_SALE_ATTEMPT_IN_FLIGHT');
    await t.platform.hot.del(inFlight);
    // Parallel taps of one customer: those that overlap are refused, never more than the stock or limit taken.
    const taps = await Promise.all(Array.from({ length: 8 }, () => attempt(b, sale.itemId)));
    expect(taps.filter((r) => r.status === 202).length).toBeGreaterThanOrEqual(1);
    expect(taps.every((r) => r.status === 202 || (r.status === 429 && r.body.error.code === 'FLASH_SALE_ATTEMPT_IN_FLIGHT'))).toBe(true);

    // Fixed one-second windows: parallel requests land in at most two windows, so at most 2 × the rate pass.
    const byIp = await createSale(t, shop.owner, { skuId, stock: 6, limit: 6, ipRatePerSecond: 2 });
    const crowd = [];
    for (let i = 0; i < 6; i++) crowd.push(await buyer());
    const ipRes = await Promise.all(crowd.map((c) => attempt(c, byIp.itemId)));
    expect(ipRes.filter((r) => r.status === 202).length).toBeGreaterThanOrEqual(1);
    expect(ipRes.filter((r) => r.status === 202).length).toBeLessThanOrEqual(4);
    const limited = ipRes.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(2);
    for (const r of limited) expect(r.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { scope: 'ip' } });

    const byCustomer = await createSale(t, shop.owner, { skuId, stock: 3, limit: 3, customerRatePerSecond: 1 });
    const one = await buyer();
    const mine = await Promise.all(Array.from({ length: 4 }, () => attempt(one, byCustomer.itemId)));
    expect(mine.filter((r) => r.status === 429 && r.body.error.code === 'RATE_LIMITED' && r.body.error.details.scope === 'customer').length).toBeGreaterThanOrEqual(2);
    expect(mine.filter((r) => r.status === 202).length).toBeGreaterThanOrEqual(1);
  });

  it('gives a cancelled order’s units back to the activity stock and the customer’s allowance', async () => {
    const skuId = await product(10);
    const sale = await createSale(t, shop.owner, { skuId, stock: 1 });
    const b = await buyer();
    const first = await attempt(b, sale.itemId);
    await writeOrders(t, shop.shopId);
    const { orderId } = (await t.call('GET', store(`/flash-sales/attempts/${first.body.attemptId}`), { headers: bearer(b) })).body;
    expect((await attempt(await buyer(), sale.itemId)).body.error.code).toBe('FLASH_SALE_SOLD_OUT');
    expect((await stockOf(t, skuId)).level).toMatchObject({ available: 9, reserved: 1, held: 0 });

    expect((await t.call('POST', store(`/orders/${orderId}/cancel`), { headers: bearer(b), body: { reason: '不想要了' } })).status).toBe(200);
    // The reservation went back to the activity (held), not to normal sale.
    expect((await stockOf(t, skuId)).level).toMatchObject({ available: 9, reserved: 0, held: 1 });
    await t.drain();
    expect((await t.call('GET', store(`/flash-sales/sessions/${sale.sessionId}`))).body.items[0]).toMatchObject({ remaining: 1, soldOut: false });
    // The same customer may try again: their allowance came back.
    expect((await attempt(b, sale.itemId)).status).toBe(202);
    await writeOrders(t, shop.shopId);
    const s = await stockOf(t, skuId);
    expect(s.ledger).toEqual(s.level);
    expect(s.balanced).toBe(true);
    const live = (await t.call('GET', `/api/admin/flash-sales/${sale.id}/live`, { session: shop.owner })).body;
    expect(live).toMatchObject({ stock: 1, sold: 1, remaining: 0, orders: 2 });
  });

  it('exactly 50 of 300 concurrent attempts for 50 units are accepted, each written as one order', async () => {
    const skuId = await product(100);
    const sale = await createSale(t, shop.owner, { skuId, stock: 50 });
    const people: (CustomerFixture & { addressId: string })[] = [];
    for (let i = 0; i < 150; i++) people.push(await buyer());
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => attempt(people[i % 150], sale.itemId)));
    const accepted = results.filter((r) => r.status === 202);
    expect(accepted).toHaveLength(50);
    const codes = new Set(results.filter((r) => r.status !== 202).map((r) => r.body.error.code));
    for (const c of codes) expect(['FLASH_SALE_SOLD_OUT', 'FLASH_SALE_LIMIT_REACHED', 'FLASH_SALE_ATTEMPT_IN_FLIGHT']).toContain(c);
    await writeOrders(t, shop.shopId);
    expect(await flashOrders(t, sale.id)).toMatchObject({ orders: 50, live: 50, units: 50, dup: 0 });
    const [per] = await rows<{ n: number }>(t.platform.db, sql`
      SELECT count(*)::int AS n FROM (SELECT customer_id FROM flash_sale_attempts WHERE flash_sale_id = ${sale.id} GROUP BY 1 HAVING sum(quantity) > 1) d`);
    expect(per.n).toBe(0);
    const live = (await t.call('GET', `/api/admin/flash-sales/${sale.id}/live`, { session: shop.owner })).body;
    expect(live.sold + live.remaining).toBe(50);
    expect(live.remaining).toBe(0);
    expect((await stockOf(t, skuId)).level).toMatchObject({ available: 50, reserved: 50, held: 0 });
  }, 120_000);
});

describe('an attempt that cannot become an order', () => {
  it('fails alone: the rest of its batch still becomes orders, and its customer is told why', async () => {
    const skuId = await product(10);
    const sale = await createSale(t, shop.owner, { skuId, stock: 3 });
    const people = [await buyer(), await buyer(), await buyer()];
    for (const b of people) expect((await attempt(b, sale.itemId)).status).toBe(202);
    await t.services.flashSalePurchase.settleWrites();
    // One held unit goes missing behind the sale's back (a manual stock edit, a bug): the batch of three cannot be written.
    await t.platform.db.execute(sql`UPDATE inventory_levels SET held = held - 1, available = available + 1 WHERE sku_id = ${skuId}`);
    await t.services.flashSaleOrders.drain(shop.shopId);
    await t.drain();
    const attempts = await rows<{ id: string; customer_id: string; status: string; failure_code: string | null }>(t.platform.db, sql`
      SELECT id, customer_id, status, failure_code FROM flash_sale_attempts WHERE flash_sale_id = ${sale.id} ORDER BY accepted_at`);
    expect(attempts.map((a) => a.status)).toEqual(['ordered', 'ordered', 'failed']);
    expect(attempts[2].failure_code).toBe('STOCK_INSUFFICIENT');
    expect(await flashOrders(t, sale.id)).toMatchObject({ orders: 2, live: 2, units: 2, dup: 0 });
    const loser = people.find((b) => b.customerId === attempts[2].customer_id)!;
    const seen = await t.call('GET', store(`/flash-sales/attempts/${attempts[2].id}`), { headers: bearer(loser) });
    expect(seen.body).toMatchObject({ status: 'failed', code: 'STOCK_INSUFFICIENT', orderId: null });
    const failed = await rows(t.platform.db, sql`SELECT 1 FROM outbox_events WHERE type = 'flash_sale.attempt_failed' AND payload->>'attemptId' = ${attempts[2].id}`);
    expect(failed).toHaveLength(1);
    expect((await stockOf(t, skuId)).balanced).toBe(true);
  });
});

describe('reconciliation and settlement', () => {
  it('rebuilds the hot store from PostgreSQL after it lost its data, limits included', async () => {
    const skuId = await product(20);
    const sale = await createSale(t, shop.owner, { skuId, stock: 10 });
    const b = await buyer();
    expect((await attempt(b, sale.itemId)).status).toBe(202);
    expect((await attempt(await buyer(), sale.itemId)).status).toBe(202);
    await writeOrders(t, shop.shopId);
    expect((await attempt(await buyer(), sale.itemId)).status).toBe(202);
    await t.services.flashSalePurchase.settleWrites();
    // The crash: every key of the session is gone (Redis flushed, or the embedded process restarted).
    const keys = hotKeys(sale.sessionId);
    for (const k of [keys.warm, keys.left(sale.itemId), keys.bought(sale.itemId, b.customerId)]) await t.platform.hot.del(k);
    await t.services.flashSaleReconciler.reconcile(sale.sessionId);
    // 10 − 2 ordered − 1 accepted but not yet written.
    expect(await t.platform.hot.get(keys.left(sale.itemId))).toBe('7');
    expect((await attempt(b, sale.itemId)).body.error.code).toBe('FLASH_SALE_LIMIT_REACHED');
    await writeOrders(t, shop.shopId);
    expect(await flashOrders(t, sale.id)).toMatchObject({ orders: 3, dup: 0 });
  });

  it('writes attempts a crashed server accepted but never stored, once, and their orders once', async () => {
    const skuId = await product(20);
    const sale = await createSale(t, shop.owner, { skuId, stock: 10 });
    const b = await buyer();
    const keys = hotKeys(sale.sessionId);
    // What the purchase path does up to its atomic step, then the process dies before the group commit.
    const id = randomUUID();
    const rec = {
      id, shopId: shop.shopId, flashSaleId: sale.id, sessionId: sale.sessionId, itemId: sale.itemId, customerId: b.customerId, quantity: 1, fulfilment: 'express',
      address: { contactName: '张三', phone: b.phone, province: '广东省', city: '深圳市', district: '南山区', detail: '科技园 1 号' }, pickupPoint: null, remark: null,
      acceptedAt: new Date(Date.now() - 10_000).toISOString(),
    };
    const taken = await t.platform.hot.applyCounters(
      [{ key: keys.left(sale.itemId), by: -1, min: 0, mustExist: true }, { key: keys.bought(sale.itemId, b.customerId), by: 1, max: 1 }],
      { record: { key: keys.pending, field: id, value: JSON.stringify(rec) } },
    );
    expect(taken.ok).toBe(true);
    // Another customer's attempt, taken the same way; its address is deleted before anyone writes it.
    const gone = await buyer();
    const lostId = randomUUID();
    const lost = { ...rec, id: lostId, customerId: gone.customerId, address: null, addressId: gone.addressId };
    expect((await t.platform.hot.applyCounters(
      [{ key: keys.left(sale.itemId), by: -1, min: 0, mustExist: true }, { key: keys.bought(sale.itemId, gone.customerId), by: 1, max: 1 }],
      { record: { key: keys.pending, field: lostId, value: JSON.stringify(lost) } },
    )).ok).toBe(true);
    expect((await t.call('DELETE', store(`/me/addresses/${gone.addressId}`), { headers: bearer(gone) })).status).toBe(200);
    await t.services.flashSaleReconciler.reconcile(sale.sessionId);
    await t.services.flashSaleReconciler.reconcile(sale.sessionId);
    await writeOrders(t, shop.shopId);
    const polled = await t.call('GET', store(`/flash-sales/attempts/${id}`), { headers: bearer(b) });
    expect(polled.body.status).toBe('ordered');
    // No order ships to an address that is not there: that attempt failed, and its unit and allowance came back.
    expect((await t.call('GET', store(`/flash-sales/attempts/${lostId}`), { headers: bearer(gone) })).body).toMatchObject({ status: 'failed', code: 'ADDRESS_NOT_FOUND', orderId: null });
    expect(await t.platform.hot.get(keys.bought(sale.itemId, gone.customerId))).toBe('0');
    // A retried batch, and a second write of the same order, find the first.
    await t.services.flashSaleOrders.drain(shop.shopId);
    const again = await t.platform.database.transaction((tx) => t.services.bulkOrders.createMany(tx, shop.shopId, [{
      sourceRef: id, customerId: b.customerId, fulfilment: 'express', address: rec.address, pickupPoint: null,
      lines: [{ skuId, productId: randomUUID(), categoryId: null, title: 'x', specText: '', skuCode: null, imageUrl: null, unitPriceFen: 1, quantity: 1, weightGrams: 0 }],
      priceReason: { code: 'flash_sale', label: 'x' },
    }], { source: 'flash_sale', stock: 'held' }));
    expect(again.get(id)).toMatchObject({ orderId: polled.body.orderId, created: false });
    expect(await flashOrders(t, sale.id)).toMatchObject({ orders: 1, dup: 0 });
    expect(await t.platform.hot.get(keys.left(sale.itemId))).toBe('9');
  });

  it('ends: accepted attempts become orders, unsold units go back to normal stock, and a later cancel returns its unit too', async () => {
    const skuId = await product(30);
    const sale = await createSale(t, shop.owner, { skuId, stock: 10 });
    const b = await buyer();
    const a1 = await attempt(b, sale.itemId);
    expect((await attempt(await buyer(), sale.itemId)).status).toBe(202);
    await t.services.flashSalePurchase.settleWrites();
    const ended = await t.call('POST', `/api/admin/flash-sales/${sale.id}/end`, { session: shop.owner });
    expect(ended.status).toBe(200);
    expect(ended.body.status).toBe('ended');
    expect(ended.body.sessions[0].items[0]).toMatchObject({ sold: 2, remaining: 0, returnedToStock: 8 });
    expect((await attempt(await buyer(), sale.itemId)).body.error.code).toBe('FLASH_SALE_ENDED');
    expect(await flashOrders(t, sale.id)).toMatchObject({ orders: 2, live: 2 });
    expect((await stockOf(t, skuId)).level).toMatchObject({ received: 30, available: 28, reserved: 2, held: 0 });
    // Unpaid after the end: cancelling gives the unit back to normal stock (held → available at once).
    await t.drain();
    const { orderId } = (await t.call('GET', store(`/flash-sales/attempts/${a1.body.attemptId}`), { headers: bearer(b) })).body;
    await t.call('POST', store(`/orders/${orderId}/cancel`), { headers: bearer(b), body: { reason: '不要了' } });
    await t.drain();
    const s = await stockOf(t, skuId);
    expect(s.level).toMatchObject({ available: 29, reserved: 1, held: 0 });
    expect(s.ledger).toEqual(s.level);
    const live = (await t.call('GET', `/api/admin/flash-sales/${sale.id}/live`, { session: shop.owner })).body;
    expect(live.sessions[0].items[0]).toMatchObject({ returnedToStock: 9, orders: 2, cancelledUnits: 1 });
  });

  it('remind me: stored per customer, and flash_sale.reminder_due is emitted once a few minutes before the start', async () => {
    const skuId = await product(10);
    const sale = await createSale(t, shop.owner, { skuId, stock: 2, startsInMs: 3 * 60_000 });
    const b = await buyer();
    const r = await t.call('POST', store(`/flash-sales/sessions/${sale.sessionId}/remind`), { headers: bearer(b) });
    expect(r.status).toBe(201);
    expect((await t.call('POST', store(`/flash-sales/sessions/${sale.sessionId}/remind`), { headers: bearer(b) })).status).toBe(201);
    const other = await buyer();
    await t.call('POST', store(`/flash-sales/sessions/${sale.sessionId}/remind`), { headers: bearer(other) });
    await t.call('DELETE', store(`/flash-sales/sessions/${sale.sessionId}/remind`), { headers: bearer(other) });
    expect((await t.call('GET', store(`/flash-sales/sessions/${sale.sessionId}`), { headers: bearer(b) })).body.reminded).toBe(true);
    expect((await t.call('GET', store(`/flash-sales/sessions/${sale.sessionId}`), { headers: bearer(other) })).body.reminded).toBe(false);
    await t.services.flashSaleReconciler.remind();
    await t.services.flashSaleReconciler.remind();
    const events = await rows<{ payload: { sessionId: string; customerIds: string[] } }>(t.platform.db, sql`
      SELECT payload FROM outbox_events WHERE type = 'flash_sale.reminder_due' AND payload->>'sessionId' = ${sale.sessionId}`);
    expect(events).toHaveLength(1);
    expect(events[0].payload.customerIds).toEqual([b.customerId]);
    const running = await createSale(t, shop.owner, { skuId, stock: 1 });
    expect((await t.call('POST', store(`/flash-sales/sessions/${running.sessionId}/remind`), { headers: bearer(b) })).body.error.code).toBe('FLASH_SALE_ALREADY_STARTED');
  });
});
