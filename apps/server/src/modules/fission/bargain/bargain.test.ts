import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../../testing/harness.js';
import { bearer, createProduct, nextPhone, payOrder, signInCustomer, type CustomerFixture, type ShopFixture } from '../../../testing/commerce.js';
import { openSession } from '../../customers/shared.js';

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

/**
 * Many signed-in customers at once: what an SMS sign-in writes (the customer and a session), in one
 * transaction per 50, instead of 200 code round trips through the sandbox.
 */
async function customers(n: number): Promise<CustomerFixture[]> {
  const out: CustomerFixture[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await t.platform.database.transaction(async (tx) => {
      const made: CustomerFixture[] = [];
      for (let k = i; k < Math.min(n, i + 50); k++) {
        const phone = nextPhone();
        const { customer } = await t.services.customers.findOrCreateByPhone(tx, shop.shopId, phone);
        const { token } = await openSession(t.platform, tx, shop.shopId, customer.id, 'sms', {});
        made.push({ token, customerId: customer.id, phone });
      }
      return made;
    });
    out.push(...batch);
  }
  return out;
}

interface Spec {
  priceFen?: number;
  startPriceFen?: number;
  floorPriceFen?: number;
  helpersNeeded?: number;
  buyMode?: 'floor_only' | 'current_price';
  launchHours?: number;
  helpsPerHelperPerDay?: number;
  launchesPerCustomer?: number;
  stock?: number;
}

/** A product at ¥100 (by default) in a bargain running now. */
async function bargain(spec: Spec = {}) {
  const product = await createProduct(t, shop.owner, { priceFen: spec.priceFen ?? 10_000, stock: 50, title: '砍价商品' });
  const now = Date.now();
  const res = await t.call('POST', '/api/admin/bargains', {
    session: shop.owner,
    body: {
      name: '砍一刀', productId: product.id, skuId: product.skus[0].id,
      startsAt: new Date(now - HOUR).toISOString(), endsAt: new Date(now + 72 * HOUR).toISOString(),
      ...(spec.startPriceFen ? { startPriceFen: spec.startPriceFen } : {}),
      floorPriceFen: spec.floorPriceFen ?? 1_000, helpersNeeded: spec.helpersNeeded ?? 5, buyMode: spec.buyMode ?? 'current_price',
      launchHours: spec.launchHours ?? 24, helpsPerHelperPerDay: spec.helpsPerHelperPerDay ?? 10, launchesPerCustomer: spec.launchesPerCustomer ?? 1, stock: spec.stock ?? 10,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { b: res.body, productId: product.id, skuId: product.skus[0].id };
}

const launch = (c: CustomerFixture, bargainId: string, device?: string) =>
  t.call('POST', store(`/bargains/${bargainId}/launches`), { headers: bearer(c, device ? { 'x-device-id': device } : {}) });
const help = (c: CustomerFixture, launchId: string, device?: string) =>
  t.call('POST', store(`/bargain-launches/${launchId}/helps`), { headers: bearer(c, device ? { 'x-device-id': device } : {}) });
const orderBody = (skuId: string, launchId: string) => ({ items: [{ skuId, quantity: 1 }], fulfilment: 'pickup', pickupPointId, bargainLaunchId: launchId });
const order = (c: CustomerFixture, skuId: string, launchId: string) =>
  t.call('POST', store('/orders'), { headers: bearer(c, { 'idempotency-key': randomUUID() }), body: orderBody(skuId, launchId) });

async function launchRow(id: string) {
  const [r] = await rows<{ status: string; current_price_fen: number; helps_count: number; sold: number; order_id: string | null }>(t.platform.db, sql`
    SELECT l.status, l.current_price_fen, l.helps_count, b.sold, l.order_id FROM bargain_launches l JOIN bargains b ON b.id = l.bargain_id WHERE l.id = ${id}`);
  return r;
}

describe('creating a bargain', () => {
  it('defaults the start price to the SKU price and refuses a floor at or above it, or more helpers than fen to cut', async () => {
    const { b, productId, skuId } = await bargain({ floorPriceFen: 1_000, helpersNeeded: 5 });
    expect(b).toMatchObject({ startPriceFen: 10_000, floorPriceFen: 1_000, helpersNeeded: 5, status: 'active', buyMode: 'current_price', firstCutPct: [30, 50], productTitle: '砍价商品', sold: 0 });
    const product = await createProduct(t, shop.owner, { priceFen: 500, stock: 5 });
    const base = { name: 'x', productId: product.id, skuId: product.skus[0].id, startsAt: new Date(Date.now() - HOUR).toISOString(), endsAt: new Date(Date.now() + HOUR).toISOString(), stock: 5 };
    const floor = await t.call('POST', '/api/admin/bargains', { session: shop.owner, body: { ...base, floorPriceFen: 500, helpersNeeded: 1 } });
    expect(floor.status).toBe(422);
    expect(floor.body.error).toMatchObject({ code: 'BARGAIN_FLOOR_NOT_BELOW_START', details: { field: 'floorPriceFen', startPriceFen: 500 } });
    const many = await t.call('POST', '/api/admin/bargains', { session: shop.owner, body: { ...base, floorPriceFen: 490, helpersNeeded: 11 } });
    expect(many.status).toBe(422);
    expect(many.body.error).toMatchObject({ code: 'BARGAIN_TOO_MANY_HELPERS', details: { field: 'helpersNeeded', max: 10 } });
    const exact = await t.call('POST', '/api/admin/bargains', { session: shop.owner, body: { ...base, floorPriceFen: 490, helpersNeeded: 10 } });
    expect(exact.status, JSON.stringify(exact.body)).toBe(201);
    const dear = await t.call('POST', '/api/admin/bargains', { session: shop.owner, body: { ...base, startPriceFen: 600, floorPriceFen: 100, helpersNeeded: 1 } });
    expect(dear.body.error).toMatchObject({ code: 'BARGAIN_START_ABOVE_PRICE', details: { field: 'startPriceFen' } });
    const pct = await t.call('POST', '/api/admin/bargains', { session: shop.owner, body: { ...base, floorPriceFen: 100, helpersNeeded: 1, firstCutPct: [60, 40] } });
    expect(pct.status).toBe(400);
    expect(pct.body.error.details.field).toBe('firstCutPct');
    const twice = await t.call('POST', '/api/admin/bargains', { session: shop.owner, body: { ...base, productId, skuId, floorPriceFen: 100, helpersNeeded: 1 } });
    expect(twice.body.error).toMatchObject({ code: 'BARGAIN_OVERLAP', details: { field: 'productId' } });
    const alien = await t.call('POST', '/api/admin/bargains', { session: shop.owner, body: { ...base, skuId, floorPriceFen: 100, helpersNeeded: 1 } });
    expect(alien.status).toBe(404);
    expect(alien.body.error.details.field).toBe('skuId');
  });
});

describe('launch, help, buy', () => {
  it('launches once, cuts along the curve, and buys at the current price', async () => {
    const { b, productId, skuId } = await bargain({ helpersNeeded: 5, floorPriceFen: 1_000 });
    const page = await t.call('GET', store(`/products/${productId}/bargain`));
    expect(page.body.bargain).toMatchObject({ id: b.id, startPriceFen: 10_000, floorPriceFen: 1_000, skuId });
    const [me, f1, f2] = await customers(3);
    const first = await launch(me, b.id);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ status: 'ongoing', currentPriceFen: 10_000, helpsCount: 0, helpersNeeded: 5, mine: true, canBuy: true, skuId, helps: [] });
    const again = await launch(me, b.id);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const id = first.body.id as string;

    const h1 = await help(f1, id);
    expect(h1.status, JSON.stringify(h1.body)).toBe(200);
    // The first helper cuts 30–50 % of the whole ¥90.
    expect(h1.body.cutFen).toBeGreaterThanOrEqual(2_700);
    expect(h1.body.cutFen).toBeLessThanOrEqual(4_500);
    const h2 = await help(f2, id);
    expect(h2.body.currentPriceFen).toBe(10_000 - h1.body.cutFen - h2.body.cutFen);
    expect(h2.body.status).toBe('ongoing');

    const seen = await t.call('GET', store(`/bargain-launches/${id}`), { headers: bearer(f1) });
    expect(seen.body).toMatchObject({ mine: false, helpedByMe: true, canBuy: false, helpsCount: 2, currentPriceFen: h2.body.currentPriceFen });
    expect(seen.body.helps.map((h: { cutFen: number }) => h.cutFen)).toEqual([h1.body.cutFen, h2.body.cutFen]);
    const anonymous = await t.call('GET', store(`/bargain-launches/${id}`));
    expect(anonymous.body).toMatchObject({ mine: false, helpedByMe: false, orderId: null });

    const preview = await t.call('POST', store('/checkout/preview'), { headers: bearer(me), body: orderBody(skuId, id) });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body.payableFen).toBe(h2.body.currentPriceFen);
    expect(preview.body.adjustments).toEqual([expect.objectContaining({ code: 'bargain', label: '砍价', amountFen: -(10_000 - h2.body.currentPriceFen) })]);
    const two = await t.call('POST', store('/checkout/preview'), { headers: bearer(me), body: { ...orderBody(skuId, id), items: [{ skuId, quantity: 2 }] } });
    expect(two.body.error).toMatchObject({ code: 'BARGAIN_ITEMS_INVALID', details: { field: 'items' } });
    const notMine = await t.call('POST', store('/checkout/preview'), { headers: bearer(f1), body: orderBody(skuId, id) });
    expect(notMine.status).toBe(404);
    expect(notMine.body.error.details.field).toBe('bargainLaunchId');

    const placed = await order(me, skuId, id);
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(placed.body.payableFen).toBe(h2.body.currentPriceFen);
    expect(await launchRow(id)).toMatchObject({ status: 'ordered', sold: 1 });
    const late = await help((await customers(1))[0], id);
    expect(late.body.error).toMatchObject({ code: 'BARGAIN_CLOSED', details: { field: 'id', status: 'ordered' } });
    const second = await order(me, skuId, id);
    expect(second.body.error).toMatchObject({ code: 'BARGAIN_ORDERED', details: { field: 'bargainLaunchId' } });

    await payOrder(t, shop.slug, me, placed.body.id);
    await t.drain();
    const console = await t.call('GET', `/api/admin/bargains/${b.id}`, { session: shop.owner });
    expect(console.body.stats).toEqual({ launches: 1, succeeded: 0, ordered: 1, helps: 2 });
    expect(console.body.launches[0]).toMatchObject({ id, customerId: me.customerId, helpsCount: 2, helpersNeeded: 5, status: 'ordered', orderId: placed.body.id });
    const list = await t.call('GET', '/api/admin/bargains', { session: shop.owner });
    expect(list.body.items.find((x: { id: string }) => x.id === b.id).stats).toEqual({ launches: 1, succeeded: 0, ordered: 1, helps: 2 });
    const mine = await t.call('GET', store('/me/bargain-launches'), { headers: bearer(me) });
    expect(mine.body.items[0]).toMatchObject({ id, status: 'ordered', orderId: placed.body.id, canBuy: false });
  });

  it('floor_only: buys only once the last helper lands on the floor; a cancelled order gives the launch and the quota back', async () => {
    const { b, skuId } = await bargain({ helpersNeeded: 3, floorPriceFen: 0, buyMode: 'floor_only', startPriceFen: 9_000 });
    const [me, ...friends] = await customers(5);
    const id = (await launch(me, b.id)).body.id as string;
    expect((await t.call('GET', store(`/bargain-launches/${id}`), { headers: bearer(me) })).body.canBuy).toBe(false);
    const early = await order(me, skuId, id);
    expect(early.body.error).toMatchObject({ code: 'BARGAIN_NOT_AT_FLOOR', details: { field: 'bargainLaunchId', floorPriceFen: 0 } });
    const cuts: number[] = [];
    for (const f of friends.slice(0, 3)) {
      const r = await help(f, id);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      cuts.push(r.body.cutFen);
    }
    expect(cuts.reduce((a, c) => a + c, 0)).toBe(9_000);
    expect(await launchRow(id)).toMatchObject({ status: 'succeeded', current_price_fen: 0, helps_count: 3 });
    const fourth = await help(friends[3], id);
    expect(fourth.body.error).toMatchObject({ code: 'BARGAIN_CLOSED', details: { status: 'succeeded' } });

    const placed = await order(me, skuId, id);
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(placed.body.payableFen).toBe(0);
    // Nothing left to pay: paid as placed. The next launch of the same bargain is refused by the limit.
    await t.drain();
    expect(await launchRow(id)).toMatchObject({ status: 'ordered', sold: 1 });
    const more = await launch(me, b.id);
    expect(more.body.error).toMatchObject({ code: 'BARGAIN_LAUNCH_LIMIT', details: { field: 'id', limit: 1 } });

    const { b: b2, skuId: sku2 } = await bargain({ helpersNeeded: 1, floorPriceFen: 5_000, buyMode: 'floor_only' });
    const id2 = (await launch(me, b2.id)).body.id as string;
    expect((await help(friends[0], id2)).body).toMatchObject({ cutFen: 5_000, currentPriceFen: 5_000, status: 'succeeded' });
    const o = await order(me, sku2, id2);
    expect(o.status).toBe(201);
    expect(await launchRow(id2)).toMatchObject({ status: 'ordered', sold: 1 });
    const cancel = await t.call('POST', store(`/orders/${o.body.id}/cancel`), { headers: bearer(me), body: { reason: '不想要了' } });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    await t.drain();
    expect(await launchRow(id2)).toMatchObject({ status: 'succeeded', sold: 0, order_id: null });
    const reorder = await order(me, sku2, id2);
    expect(reorder.status, JSON.stringify(reorder.body)).toBe(201);
    expect(reorder.body.payableFen).toBe(5_000);
  });
});

describe('refusals', () => {
  it('refuses self-help, a second help, the launcher’s or a used device, the launcher’s phone, and past the daily cap', async () => {
    const { b } = await bargain({ helpersNeeded: 20, helpsPerHelperPerDay: 2 });
    const [me, a, d1, d2] = await customers(4);
    const id = (await launch(me, b.id, 'dev-launcher')).body.id as string;

    const self = await help(me, id);
    expect(self.status).toBe(409);
    expect(self.body.error).toMatchObject({ code: 'BARGAIN_HELP_REFUSED', details: { field: 'id', reason: 'self' } });
    expect((await help(a, id)).status).toBe(200);
    const twice = await help(a, id);
    expect(twice.body.error).toMatchObject({ code: 'BARGAIN_ALREADY_HELPED', details: { field: 'id' } });

    const mineDevice = await help(d1, id, 'dev-launcher');
    expect(mineDevice.body.error).toMatchObject({ code: 'BARGAIN_HELP_REFUSED', details: { reason: 'same_device' } });
    expect((await help(d1, id, 'dev-1')).status).toBe(200);
    const sameDevice = await help(d2, id, 'dev-1');
    expect(sameDevice.body.error).toMatchObject({ code: 'BARGAIN_HELP_REFUSED', details: { reason: 'same_device' } });

    // A second account whose delivery address is the launcher's phone is the launcher.
    const twin = await signInCustomer(t, shop.slug);
    const addr = await t.call('POST', store('/me/addresses'), {
      headers: bearer(twin),
      body: { contactName: '张三', phone: me.phone, province: '浙江省', city: '杭州市', district: '西湖区', detail: '文三路 1 号', isDefault: true },
    });
    expect(addr.status).toBe(201);
    const phone = await help(twin, id);
    expect(phone.body.error).toMatchObject({ code: 'BARGAIN_HELP_REFUSED', details: { field: 'id', reason: 'same_phone' } });

    // Two helps a day across the shop's launches: `a` helped once; one more, then refused.
    const [l2, l3] = await customers(2);
    const id2 = (await launch(l2, b.id)).body.id as string;
    const id3 = (await launch(l3, b.id)).body.id as string;
    expect((await help(a, id2)).status).toBe(200);
    const capped = await help(a, id3);
    expect(capped.status).toBe(409);
    expect(capped.body.error).toMatchObject({ code: 'BARGAIN_DAILY_LIMIT', details: { field: 'id', limit: 2 } });
    expect((await launchRow(id3)).helps_count).toBe(0);

    const anonymous = await t.call('POST', store(`/bargain-launches/${id}/helps`));
    expect(anonymous.status).toBe(401);
    const unknown = await help(a, randomUUID());
    expect(unknown.status).toBe(404);
  });

  it('expires a launch at its deadline: no more helps, no purchase; the sweep marks it', async () => {
    const { b, skuId } = await bargain({ helpersNeeded: 5, launchHours: 2, launchesPerCustomer: 2 });
    const [me, f] = await customers(2);
    const first = await launch(me, b.id);
    const id = first.body.id as string;
    expect(new Date(first.body.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(2 * HOUR);
    const realNow = t.platform.now;
    t.platform.now = () => new Date(Date.now() + 3 * HOUR);
    try {
      expect((await t.call('GET', store(`/bargain-launches/${id}`))).body.status).toBe('expired');
      const late = await help(f, id);
      expect(late.body.error).toMatchObject({ code: 'BARGAIN_CLOSED', details: { status: 'expired' } });
      const buy = await order(me, skuId, id);
      expect(buy.body.error).toMatchObject({ code: 'BARGAIN_CLOSED', details: { field: 'bargainLaunchId' } });
      expect(await t.services.fission.bargains.expireDue()).toBeGreaterThanOrEqual(1);
      expect((await launchRow(id)).status).toBe('expired');
      // The second of two launches a customer may make.
      const next = await launch(me, b.id);
      expect(next.status).toBe(201);
      expect(next.body.id).not.toBe(id);
    } finally {
      t.platform.now = realNow;
    }
  });

  it('ending a bargain expires its ongoing launches and refuses new ones', async () => {
    const { b } = await bargain();
    const [me, other] = await customers(2);
    const id = (await launch(me, b.id)).body.id as string;
    const ended = await t.call('POST', `/api/admin/bargains/${b.id}/end`, { session: shop.owner });
    expect(ended.status).toBe(200);
    expect(ended.body.status).toBe('ended');
    expect((await launchRow(id)).status).toBe('expired');
    const refused = await launch(other, b.id);
    expect(refused.body.error).toMatchObject({ code: 'BARGAIN_NOT_ACTIVE', details: { field: 'id', status: 'ended' } });
  });
});

describe('quota, stock and price at order', () => {
  it('reserves stock only with the order, counts the quota there, and refuses past it', async () => {
    const { b, skuId } = await bargain({ helpersNeeded: 1, floorPriceFen: 3_000, stock: 1 });
    const [a, c, f] = await customers(3);
    const ia = (await launch(a, b.id)).body.id as string;
    const ic = (await launch(c, b.id)).body.id as string;
    await help(f, ia);
    const level = async () => (await rows<{ available: number; reserved: number }>(t.platform.db, sql`SELECT available, reserved FROM inventory_levels WHERE sku_id = ${skuId}`))[0];
    expect(await level()).toEqual({ available: 50, reserved: 0 });
    expect((await order(a, skuId, ia)).status).toBe(201);
    expect(await level()).toEqual({ available: 49, reserved: 1 });
    const [g] = await customers(1);
    await help(g, ic);
    const over = await order(c, skuId, ic);
    expect(over.body.error).toMatchObject({ code: 'BARGAIN_SOLD_OUT', details: { field: 'bargainLaunchId' } });
    const [late] = await customers(1);
    expect((await launch(late, b.id)).body.error).toMatchObject({ code: 'BARGAIN_SOLD_OUT', details: { field: 'id' } });
    const mixed = await t.call('POST', store('/checkout/preview'), { headers: bearer(c), body: { ...orderBody(skuId, ic), mallItemId: randomUUID() } });
    expect(mixed.body.error).toMatchObject({ code: 'BARGAIN_NOT_COMBINABLE', details: { field: 'bargainLaunchId' } });
  });

  it('refuses an order priced before a friend cut the price again', async () => {
    const { b, skuId } = await bargain({ helpersNeeded: 5 });
    const [me, f1, f2] = await customers(3);
    const id = (await launch(me, b.id)).body.id as string;
    await help(f1, id);
    const bargains = t.services.fission.bargains;
    const ctx = await bargains.forCheckout(t.platform.db, shop.shopId, me.customerId, id, [{ skuId, quantity: 1 }]);
    await help(f2, id);
    const claim = t.platform.database.transaction((tx) => bargains.claimForOrder(tx, shop.shopId, me.customerId, ctx, randomUUID()));
    await expect(claim).rejects.toMatchObject({ code: 'BARGAIN_PRICE_CHANGED' });
    expect(await launchRow(id)).toMatchObject({ status: 'ongoing', sold: 0, helps_count: 2 });
  });
});

describe('races', () => {
  it('200 parallel helps of a launch needing 150: exactly 150 cuts summing to start − floor, the price on the floor, the rest closed', async () => {
    const { b } = await bargain({ priceFen: 100_000, floorPriceFen: 1_000, helpersNeeded: 150 });
    const [me, ...helpers] = await customers(201);
    const id = (await launch(me, b.id)).body.id as string;
    const res = await Promise.all(helpers.map((h) => help(h, id)));
    const ok = res.filter((r) => r.status === 200);
    expect(ok).toHaveLength(150);
    for (const r of res.filter((x) => x.status !== 200)) expect(r.body.error).toMatchObject({ code: 'BARGAIN_CLOSED', details: { status: 'succeeded' } });
    expect(ok.every((r) => r.body.cutFen >= 1 && r.body.currentPriceFen >= 1_000)).toBe(true);
    expect(ok.reduce((s, r) => s + r.body.cutFen, 0)).toBe(99_000);
    const [sum] = await rows<{ n: number; cut: number; helpers: number; lowest: number }>(t.platform.db, sql`
      SELECT count(*)::int AS n, sum(cut_fen)::int AS cut, count(DISTINCT helper_id)::int AS helpers, min(price_after_fen)::int AS lowest FROM bargain_helps WHERE launch_id = ${id}`);
    expect(sum).toEqual({ n: 150, cut: 99_000, helpers: 150, lowest: 1_000 });
    expect(await launchRow(id)).toMatchObject({ status: 'succeeded', current_price_fen: 1_000, helps_count: 150 });
  });

  it('the same helper helping 10 times in parallel helps once', async () => {
    const { b } = await bargain({ helpersNeeded: 5 });
    const [me, f] = await customers(2);
    const id = (await launch(me, b.id)).body.id as string;
    const res = await Promise.all(Array.from({ length: 10 }, () => help(f, id)));
    expect(res.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of res.filter((x) => x.status !== 200)) expect(r.body.error.code).toBe('BARGAIN_ALREADY_HELPED');
    expect((await launchRow(id)).helps_count).toBe(1);
  });

  it('two parallel orders of one launch make one order', async () => {
    const { b, skuId } = await bargain({ helpersNeeded: 2 });
    const [me, f] = await customers(2);
    const id = (await launch(me, b.id)).body.id as string;
    await help(f, id);
    const both = await Promise.all([order(me, skuId, id), order(me, skuId, id)]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(both.find((r) => r.status === 409)!.body.error).toMatchObject({ code: 'BARGAIN_ORDERED', details: { field: 'bargainLaunchId' } });
    expect(await launchRow(id)).toMatchObject({ status: 'ordered', sold: 1 });
  });

  it('parallel launches by one customer make one launch', async () => {
    const { b } = await bargain({ launchesPerCustomer: 3 });
    const [me] = await customers(1);
    const res = await Promise.all(Array.from({ length: 5 }, () => launch(me, b.id)));
    expect(new Set(res.map((r) => r.body.id)).size).toBe(1);
    expect(res.filter((r) => r.status === 201)).toHaveLength(1);
  });
});
