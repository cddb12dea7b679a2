import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, createProduct, payOrder, signInCustomer, waitFor, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';
import { xlsxText } from '../../app/route-walk.js';

let t: TestApp;
let shop: ShopFixture;
let pickupPointId: string;
let clothes: string;
let tee: string;
let mug: string;
const store = (path: string) => `/api/store/${shop.slug}${path}`;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  pickupPointId = (await t.call('POST', '/api/admin/pickup-points', { session: shop.owner, body: { name: '门店', address: '文三路 1 号' } })).body.id;
  clothes = (await t.call('POST', '/api/admin/categories', { session: shop.owner, body: { name: '服装' } })).body.id;
  const tees = (await t.call('POST', '/api/admin/categories', { session: shop.owner, body: { name: 'T恤', parentId: clothes } })).body.id;
  const teeProduct = await t.call('POST', '/api/admin/products', { session: shop.owner, body: { title: '白T', status: 'on_sale', categoryId: tees, skus: [{ price: 10_000, stock: 100 }] } });
  tee = teeProduct.body.skus[0].id;
  mug = (await createProduct(t, shop.owner, { title: '马克杯', priceFen: 5_000, stock: 100 })).skus[0].id;
});
afterAll(() => t?.close());

const buy = async (c: CustomerFixture, skuId: string) => {
  const o = await t.call('POST', store('/orders'), { headers: bearer(c, { 'idempotency-key': randomUUID() }), body: { items: [{ skuId, quantity: 1 }], fulfilment: 'pickup', pickupPointId, couponId: null } });
  expect(o.status, JSON.stringify(o.body)).toBe(201);
  await payOrder(t, shop.slug, c, o.body.id);
  await t.drain();
  return o.body as { id: string; items: { id: string }[] };
};
const tagNames = async (c: CustomerFixture) => (await t.call('GET', `/api/admin/customers/${c.customerId}/tags`, { session: shop.owner })).body.items.map((x: { name: string }) => x.name).sort();

describe('customer tags', () => {
  it('tags new customers by how they came in, and lets staff set manual tags only', async () => {
    const c = await signInCustomer(t, shop.slug);
    await t.drain();
    expect(await tagNames(c)).toEqual(['商城会员']);
    const vip = await t.call('POST', '/api/admin/tags', { session: shop.owner, body: { name: '老客户', kind: 'manual' } });
    expect(vip.status).toBe(201);
    const auto = await t.call('POST', '/api/admin/tags', { session: shop.owner, body: { name: '自动', kind: 'auto', rule: { type: 'paid_in_days', minFen: 1, days: 1 } } });
    expect((await t.call('PUT', `/api/admin/customers/${c.customerId}/tags`, { session: shop.owner, body: { tagIds: [vip.body.id] } })).status).toBe(200);
    expect(await tagNames(c)).toEqual(['商城会员', '老客户']);
    const wrong = await t.call('PUT', `/api/admin/customers/${c.customerId}/tags`, { session: shop.owner, body: { tagIds: [vip.body.id, auto.body.id] } });
    expect(wrong.body.error).toMatchObject({ code: 'TAG_NOT_MANUAL', details: { field: 'tagIds.1' } });
    expect((await t.call('POST', '/api/admin/tags', { session: shop.owner, body: { name: '老客户', kind: 'manual' } })).body.error.code).toBe('TAG_NAME_TAKEN');
    await t.call('DELETE', `/api/admin/tags/${auto.body.id}`, { session: shop.owner });
  });

  it('keeps automatic tags true: spend in a window (with refunds) and a category bought, sub-categories included', async () => {
    const high = await t.call('POST', '/api/admin/tags', { session: shop.owner, body: { name: '高价值', kind: 'auto', rule: { type: 'paid_in_days', minFen: 15_000, days: 90 } } });
    const wear = await t.call('POST', '/api/admin/tags', { session: shop.owner, body: { name: '服装买家', kind: 'auto', rule: { type: 'bought_category', categoryId: clothes } } });
    expect([high.status, wear.status]).toEqual([201, 201]);
    const c = await signInCustomer(t, shop.slug);
    await buy(c, mug);
    expect(await tagNames(c)).toEqual(['商城会员']);
    const shirt = await buy(c, tee);
    expect(await tagNames(c)).toEqual(['商城会员', '服装买家', '高价值']);
    const refund = await t.call('POST', `/api/admin/orders/${shirt.id}/refunds`, { session: shop.owner, body: { items: [{ orderItemId: shirt.items[0].id, quantity: 1 }], reason: '退货' } });
    expect(refund.status).toBe(201);
    await t.drain();
    await waitFor(async () => (await t.call('GET', `/api/admin/orders/${shirt.id}`, { session: shop.owner })).body.status === 'refunded', 'refund');
    await t.drain();
    expect(await tagNames(c)).toEqual(['商城会员']);
    const again = await buy(c, tee);
    expect(await tagNames(c)).toContain('高价值');
    // 100 days later the spend has left the window: the nightly pass takes the tag off.
    await t.platform.db.execute(sql`UPDATE audience_payments SET paid_at = now() - interval '100 days' WHERE customer_id = ${c.customerId}`);
    await t.services.tags.evaluateShop(shop.shopId);
    expect(await tagNames(c)).toEqual(['商城会员', '服装买家']);
    expect(again.id).toBeTruthy();
    const list = await t.call('GET', '/api/admin/tags', { session: shop.owner });
    expect(list.body.items.find((x: { name: string }) => x.name === '服装买家').customers).toBeGreaterThanOrEqual(1);
  });
});

describe('customer groups', () => {
  it('dynamic groups by spend, tags and ordering, with live counts; static groups; Excel export; coupons issued to a group', async () => {
    const [big, small, none] = [await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug)];
    await t.drain();
    await buy(big, tee);
    await buy(big, tee);
    await buy(small, mug);
    const spenders = await t.call('POST', '/api/admin/groups', { session: shop.owner, body: { name: '消费满¥150', kind: 'dynamic', conditions: { minSpendFen: 15_000 } } });
    expect(spenders.status, JSON.stringify(spenders.body)).toBe(201);
    const members = await t.call('GET', `/api/admin/groups/${spenders.body.id}/members`, { session: shop.owner });
    const ids = members.body.items.map((m: { id: string }) => m.id);
    expect(ids).toContain(big.customerId);
    expect(ids).not.toContain(small.customerId);
    const never = await t.call('POST', '/api/admin/groups', { session: shop.owner, body: { name: '未下单', kind: 'dynamic', conditions: { neverOrdered: true, sources: ['sms'] } } });
    const neverIds = (await t.call('GET', `/api/admin/groups/${never.body.id}/members?pageSize=100`, { session: shop.owner })).body.items.map((m: { id: string }) => m.id);
    expect(neverIds).toContain(none.customerId);
    expect(neverIds).not.toContain(big.customerId);

    // Live: one more purchase moves `small` into the spenders.
    const before = (await t.call('GET', `/api/admin/groups/${spenders.body.id}`, { session: shop.owner })).body.count;
    await buy(small, tee);
    expect((await t.call('GET', `/api/admin/groups/${spenders.body.id}`, { session: shop.owner })).body.count).toBe(before + 1);

    const list = await t.call('POST', '/api/admin/groups', { session: shop.owner, body: { name: '活动名单', kind: 'static' } });
    expect((await t.call('POST', `/api/admin/groups/${list.body.id}/members`, { session: shop.owner, body: { customerIds: [none.customerId, small.customerId] } })).body.count).toBe(2);
    const foreign = await t.call('POST', `/api/admin/groups/${list.body.id}/members`, { session: shop.owner, body: { customerIds: [randomUUID()] } });
    expect(foreign.body.error).toMatchObject({ code: 'NOT_FOUND', details: { field: 'customerIds.0' } });
    expect((await t.call('POST', `/api/admin/groups/${list.body.id}/members/remove`, { session: shop.owner, body: { customerIds: [small.customerId] } })).body.count).toBe(1);

    const res = await fetch(`${t.url}/api/admin/groups/${spenders.body.id}/export.xlsx`, { headers: { cookie: shop.owner.cookie } });
    expect(res.status).toBe(200);
    const text = await xlsxText(await res.arrayBuffer());
    expect(text).toContain(big.phone);
    expect(text).toContain(small.phone);
    expect(text).not.toContain(none.phone);

    const tpl = await t.call('POST', '/api/admin/coupons', { session: shop.owner, body: { name: '分组券', kind: 'no_threshold', amountOffFen: 500, validity: { type: 'relative', days: 7 }, totalQuantity: 100 } });
    const batch = await t.call('POST', `/api/admin/coupons/${tpl.body.id}/issue`, { session: shop.owner, body: { target: { type: 'group', groupId: list.body.id } } });
    expect(batch.body.target).toBe('分组:活动名单');
    await t.drain();
    expect((await t.call('GET', `/api/admin/coupon-batches/${batch.body.id}`, { session: shop.owner })).body).toMatchObject({ status: 'done', issued: 1 });
    expect((await t.call('GET', store('/me/coupons'), { headers: bearer(none) })).body.counts.unused).toBe(1);
  });

  it('coupons for customers with certain tags: only they can claim and use them', async () => {
    const vip = await t.call('POST', '/api/admin/tags', { session: shop.owner, body: { name: 'VIP', kind: 'manual' } });
    const bad = await t.call('POST', '/api/admin/coupons', { session: shop.owner, body: { name: 'VIP券', kind: 'no_threshold', amountOffFen: 500, audience: 'tags', audienceIds: [], validity: { type: 'relative', days: 7 }, totalQuantity: 10 } });
    expect(bad.body.error.details.field).toBe('audienceIds');
    const tpl = await t.call('POST', '/api/admin/coupons', { session: shop.owner, body: { name: 'VIP券', kind: 'no_threshold', amountOffFen: 500, audience: 'tags', audienceIds: [vip.body.id], validity: { type: 'relative', days: 7 }, totalQuantity: 10, perCustomerLimit: 2 } });
    expect(tpl.status).toBe(201);
    const c = await signInCustomer(t, shop.slug);
    await t.drain();
    const refused = await t.call('POST', store(`/coupons/${tpl.body.id}/claim`), { headers: bearer(c) });
    expect(refused.body.error.code).toBe('COUPON_AUDIENCE_MISMATCH');
    expect((await t.call('GET', store(`/coupons/${tpl.body.id}`), { headers: bearer(c) })).body).toMatchObject({ canClaim: false, reason: '仅限指定客户' });
    await t.call('PUT', `/api/admin/customers/${c.customerId}/tags`, { session: shop.owner, body: { tagIds: [vip.body.id] } });
    const claimed = await t.call('POST', store(`/coupons/${tpl.body.id}/claim`), { headers: bearer(c) });
    expect(claimed.status).toBe(201);
    // Untagged again, the coupon no longer applies at checkout.
    await t.call('PUT', `/api/admin/customers/${c.customerId}/tags`, { session: shop.owner, body: { tagIds: [] } });
    const preview = await t.call('POST', store('/checkout/preview'), { headers: bearer(c), body: { items: [{ skuId: mug, quantity: 1 }], fulfilment: 'pickup', pickupPointId } });
    expect(preview.body.coupons.unavailable).toEqual([expect.objectContaining({ reason: '仅限指定客户使用' })]);
  });
});
