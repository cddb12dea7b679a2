import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, createProduct, payOrder, signInCustomer, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';
import { maskedAuthor } from './service.js';

let t: TestApp;
let shop: ShopFixture;
let pickupPointId: string;
let productId: string;
let skus: string[];
const store = (path: string) => `/api/store/${shop.slug}${path}`;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  pickupPointId = (await t.call('POST', '/api/admin/pickup-points', { session: shop.owner, body: { name: '门店', address: '文三路 1 号' } })).body.id;
  const product = await createProduct(t, shop.owner, { title: '手冲咖啡豆', priceFen: 5_000, stock: 1000, specs: { 烘焙: ['浅', '中'] } });
  productId = product.id;
  skus = product.skus.map((s) => s.id);
  const rules = (await t.call('GET', '/api/admin/points/rules', { session: shop.owner })).body;
  const set = await t.call('PUT', '/api/admin/points/rules', { session: shop.owner, body: { ...rules, reviewPoints: 20, reviewMinChars: 10 } });
  expect(set.status, JSON.stringify(set.body)).toBe(200);
});
afterAll(() => t?.close());

/** An order of both SKUs, paid; `complete` verifies the pickup code, which completes it. */
async function order(c: CustomerFixture, complete = true) {
  const o = await t.call('POST', store('/orders'), { headers: bearer(c, { 'idempotency-key': randomUUID() }), body: { items: skus.map((skuId) => ({ skuId, quantity: 1 })), fulfilment: 'pickup', pickupPointId, couponId: null } });
  expect(o.status, JSON.stringify(o.body)).toBe(201);
  const paid = await payOrder(t, shop.slug, c, o.body.id);
  if (complete) expect((await t.call('POST', '/api/admin/orders/pickup/verify', { session: shop.owner, body: { code: paid.pickupCode } })).body.status).toBe('completed');
  return o.body as { id: string; items: { id: string }[] };
}
const review = (c: CustomerFixture, o: { id: string; items: { id: string }[] }, line: number, rating: number, content: string) =>
  t.call('POST', store('/reviews'), { headers: bearer(c), body: { orderId: o.id, orderItemId: o.items[line].id, rating, content } });
const reviewPoints = async (c: CustomerFixture) =>
  ((await t.call('GET', store('/me/points'), { headers: bearer(c) })).body.ledger as { kind: string; delta: number }[]).filter((l) => l.kind === 'review').map((l) => l.delta);

describe('reviews (评价有礼)', () => {
  it('opens once the order is completed, once per line, racing submissions included', async () => {
    const c = await signInCustomer(t, shop.slug);
    const o = await order(c, false);
    const early = await review(c, o, 0, 5, '还没收到货就想评价一下');
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'REVIEW_ORDER_NOT_COMPLETED', details: { field: 'orderId' } });

    const done = await order(c);
    const first = await review(c, done, 0, 5, '香气很足,浅烘果酸明显,回购!');
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ orderId: done.id, orderItemId: done.items[0].id, productId, rating: 5, status: 'visible' });
    const again = await review(c, done, 0, 1, '改个差评');
    expect(again.body.error).toMatchObject({ code: 'REVIEW_EXISTS', details: { field: 'orderItemId' } });

    const racing = await Promise.all([review(c, done, 1, 4, '中烘比较均衡,适合做拿铁'), review(c, done, 1, 4, '连点了两下'), review(c, done, 1, 4, '同时提交')]);
    expect(racing.filter((r) => r.status === 201)).toHaveLength(1);
    expect(racing.filter((r) => r.status !== 201).every((r) => r.body.error.code === 'REVIEW_EXISTS')).toBe(true);

    const mine = await t.call('GET', store(`/me/reviews?orderId=${done.id}`), { headers: bearer(c) });
    expect(mine.body.items.map((r: { orderItemId: string }) => r.orderItemId).sort()).toEqual(done.items.map((i) => i.id).sort());
  });

  it('credits review points once per review, only to reviews long enough', async () => {
    const c = await signInCustomer(t, shop.slug);
    const o = await order(c);
    expect((await review(c, o, 0, 5, '好')).status).toBe(201);
    expect((await review(c, o, 1, 4, '豆子新鲜,包装很用心,下次还买')).status).toBe(201);
    await t.drain();
    expect(await reviewPoints(c)).toEqual([20]);
    // The same review announced again (a replay) earns nothing more: the ledger's reference is the review.
    const long = (await t.call('GET', store(`/me/reviews?orderId=${o.id}`), { headers: bearer(c) })).body.items.find((r: { rating: number }) => r.rating === 4);
    await t.platform.database.transaction((tx) =>
      t.platform.events.emit(tx, { shopId: shop.shopId, type: 'review.created', payload: { reviewId: long.id, customerId: c.customerId, contentLength: 30 } }),
    );
    await t.drain();
    expect(await reviewPoints(c)).toEqual([20]);
  });

  it("refuses another customer's order and bad ratings", async () => {
    const owner = await signInCustomer(t, shop.slug);
    const other = await signInCustomer(t, shop.slug);
    const o = await order(owner);
    const theirs = await review(other, o, 0, 5, '借别人的订单评价');
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe('NOT_FOUND');
    const bad = await review(owner, o, 0, 6, '六星');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('rating');
    const long = await review(owner, o, 0, 5, '好'.repeat(501));
    expect(long.body.error.details.field).toBe('content');
  });

  it('shows visible reviews on the product page with the average; staff hide and show them', async () => {
    const page = async (q = '') => (await t.call('GET', store(`/products/${productId}/reviews${q}`))).body;
    const before = await page();
    // Earlier tests left 5★, 4★, 5★(短), 4★.
    expect(before.summary).toMatchObject({ count: 4, average: 4.5, byRating: { 1: 0, 2: 0, 3: 0, 4: 2, 5: 2 }, goodRate: 100 });
    expect(before.items[0]).toEqual({ id: expect.any(String), rating: expect.any(Number), content: expect.any(String), authorName: expect.stringMatching(/\*\*\*\*/), specText: expect.any(String), createdAt: expect.any(String) });
    expect(JSON.stringify(before)).not.toMatch(/customerId|orderId/);
    const paged = await page('?pageSize=1&page=2');
    expect(paged).toMatchObject({ total: 4, page: 2, pageSize: 1 });
    expect(paged.items).toHaveLength(1);
    expect((await page('?rating=4')).items.every((r: { rating: number }) => r.rating === 4)).toBe(true);

    const list = await t.call('GET', `/api/admin/reviews?rating=5&productId=${productId}`, { session: shop.owner });
    expect(list.body.total).toBe(2);
    const target = list.body.items[0];
    const cs = await t.createStaff(shop.owner, 'customer_service');
    const hidden = await t.call('PATCH', `/api/admin/reviews/${target.id}`, { session: cs, body: { status: 'hidden' } });
    expect(hidden.body).toMatchObject({ id: target.id, status: 'hidden', moderatedBy: 'customer_service' });
    expect((await page()).summary).toMatchObject({ count: 3, byRating: { 5: 1 } });
    expect((await page()).items.some((r: { id: string }) => r.id === target.id)).toBe(false);
    expect((await t.call('GET', '/api/admin/reviews?status=hidden', { session: shop.owner })).body.items.map((r: { id: string }) => r.id)).toEqual([target.id]);
    const planner = await t.createStaff(shop.owner, 'planner');
    expect((await t.call('PATCH', `/api/admin/reviews/${target.id}`, { session: planner, body: { status: 'visible' } })).status).toBe(403);
    await t.call('PATCH', `/api/admin/reviews/${target.id}`, { session: shop.owner, body: { status: 'visible' } });
    expect((await page()).summary.count).toBe(4);
    expect((await t.call('GET', store(`/products/${randomUUID()}/reviews`))).status).toBe(404);
  });

  it('masks the author', () => {
    expect(maskedAuthor({ nickname: '王小明', phone: '13800001234' })).toBe('王**');
    expect(maskedAuthor({ nickname: null, phone: '13800001234' })).toBe('138****1234');
    expect(maskedAuthor({ nickname: ' ', phone: null })).toBe('匿名用户');
  });
});
