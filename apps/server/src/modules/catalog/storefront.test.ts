import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProductInput } from '@siyu/contracts';
import { InventoryService } from '../inventory/service.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { addAddress, bearer, payOrder, signInCustomer, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';
import { STOCK_NEUTRAL, STOCK_WRITES } from './stock-watch.js';

/**
 * The storefront answers product pages and listings from a per-process cache. Whatever changes what a
 * shopper sees — an edit, on/off sale, a price, images, a category, stock, sold-out, sales — must show
 * on the very next request in the process that made the change. (Other processes: storefront-scaled.test.ts.)
 */
let t: TestApp;
let shop: ShopFixture;
let other: ShopFixture;
let customer: CustomerFixture;
let addressId: string;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  other = await t.createShop();
  customer = await signInCustomer(t, shop.slug);
  addressId = await addAddress(t, shop.slug, customer);
});
afterAll(() => t?.close());

const admin = (method: string, path: string, body?: unknown) => t.call(method, `/api/admin${path}`, { session: shop.owner, body });
const store = (path: string, headers?: Record<string, string>) => t.call('GET', `/api/store/${shop.slug}${path}`, { headers });
const card = async (id: string, query = '') => (await store(`/products${query}`)).body.items.find((p: any) => p.id === id);

const mug = (over: Record<string, unknown> = {}) => ({
  title: '马克杯',
  status: 'on_sale',
  images: ['/media/img/a.png'],
  specAttributes: [{ name: '颜色', values: ['白', '黑'] }],
  skus: [
    { specValues: { 颜色: '白' }, price: 3900, stock: 2 },
    { specValues: { 颜色: '黑' }, price: 4500, stock: 1 },
  ],
  ...over,
});

describe('storefront cache in the process that makes the change', () => {
  it('shows edits, prices, images, categories and on/off sale at once', async () => {
    const p = (await admin('POST', '/products', mug())).body;
    // Warm every cached answer first, so each check below reads from the cache.
    expect((await store(`/products/${p.id}`)).body).toMatchObject({ title: '马克杯', minPrice: 3900, images: ['/media/img/a.png'] });
    expect(await card(p.id)).toMatchObject({ title: '马克杯', minPrice: 3900 });
    // Answers are the same for a signed-in customer (they are cached for everyone).
    expect((await store(`/products/${p.id}`, bearer(customer))).body.title).toBe('马克杯');

    const cat = (await admin('POST', '/categories', { name: '杯具' })).body;
    const edited = mug({ title: '保温马克杯', categoryId: cat.id, images: ['/media/img/b.png'], skus: mug().skus.map((s) => ({ ...s, price: s.price - 900, stock: undefined })) });
    expect((await admin('PUT', `/products/${p.id}`, edited)).status).toBe(200);
    expect((await store(`/products/${p.id}`)).body).toMatchObject({ title: '保温马克杯', minPrice: 3000, maxPrice: 3600, categoryId: cat.id, images: ['/media/img/b.png'] });
    expect((await store(`/products/${p.id}`)).body.skus.map((s: any) => s.price)).toEqual([3000, 3600]);
    expect(await card(p.id)).toMatchObject({ title: '保温马克杯', minPrice: 3000, imageUrl: '/media/img/b.png' });
    expect((await store(`/products?categoryId=${cat.id}`)).body.items.map((x: any) => x.id)).toEqual([p.id]);

    // A sub-category joins the parent's listing at once.
    const sub = (await admin('POST', '/categories', { name: '子类', parentId: cat.id })).body;
    expect((await store(`/products?categoryId=${cat.id}`)).body.total).toBe(1);
    expect((await admin('PUT', `/products/${p.id}`, { ...edited, categoryId: sub.id })).status).toBe(200);
    expect((await store(`/products?categoryId=${cat.id}`)).body.items.map((x: any) => x.id)).toEqual([p.id]);
    const tree = (await store('/categories')).body.items;
    expect(tree.find((c: any) => c.id === cat.id).children.map((c: any) => c.name)).toEqual(['子类']);
    expect((await admin('PATCH', `/categories/${sub.id}`, { name: '小杯' })).status).toBe(200);
    expect((await store('/categories')).body.items.find((c: any) => c.id === cat.id).children.map((c: any) => c.name)).toEqual(['小杯']);

    // Off the shelf: gone from both at once; back on sale: back at once.
    expect((await admin('POST', '/products/bulk-status', { ids: [p.id], status: 'off_shelf' })).status).toBe(200);
    expect((await store(`/products/${p.id}`)).status).toBe(404);
    expect(await card(p.id)).toBeUndefined();
    expect((await admin('POST', '/products/bulk-status', { ids: [p.id], status: 'on_sale' })).status).toBe(200);
    expect((await store(`/products/${p.id}`)).status).toBe(200);
    expect(await card(p.id)).toMatchObject({ title: '保温马克杯' });

    // A cached answer is the shop's own: another shop's storefront still answers 404 for it.
    const foreign = await t.call('GET', `/api/store/${other.slug}/products/${p.id}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('NOT_FOUND');
    expect((await t.call('GET', `/api/store/${other.slug}/products`)).body.items).toEqual([]);
  });

  it('shows stock and sold-out right after the last unit sells, and back in stock when an order is cancelled', async () => {
    const p = (await admin('POST', '/products', mug({ title: '限量杯' }))).body;
    const [white, black] = p.skus.map((s: any) => s.id);
    expect((await store(`/products/${p.id}`)).body).toMatchObject({ soldOut: false, skus: [{ available: 2, soldOut: false }, { available: 1, soldOut: false }] });
    expect(await card(p.id)).toMatchObject({ soldOut: false });

    // Staff count the shelf: the new number shows at once.
    expect((await admin('POST', `/skus/${white}/stock`, { available: 1 })).status).toBe(200);
    expect((await store(`/products/${p.id}`)).body.skus[0]).toMatchObject({ available: 1, soldOut: false });

    // A customer buys the last unit of each SKU.
    const order = await t.call('POST', `/api/store/${shop.slug}/orders`, {
      headers: bearer(customer),
      body: { items: [{ skuId: white, quantity: 1 }, { skuId: black, quantity: 1 }], fulfilment: 'express', addressId },
    });
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    expect((await store(`/products/${p.id}`)).body).toMatchObject({ soldOut: true, skus: [{ available: 0, soldOut: true }, { available: 0, soldOut: true }] });
    expect(await card(p.id)).toMatchObject({ soldOut: true });

    // Cancelled before payment: the units go back on sale, and the storefront says so at once.
    const cancel = await t.call('POST', `/api/store/${shop.slug}/orders/${order.body.id}/cancel`, { headers: bearer(customer), body: {} });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    expect((await store(`/products/${p.id}`)).body).toMatchObject({ soldOut: false, skus: [{ available: 1 }, { available: 1 }] });
    expect(await card(p.id)).toMatchObject({ soldOut: false });
  });

  it('counts sales when an order is paid, and re-orders the best-seller listing', async () => {
    const first = (await admin('POST', '/products', mug({ title: '畅销A' }))).body;
    const second = (await admin('POST', '/products', mug({ title: '畅销B' }))).body;
    const bestSellers = async () => (await store('/products?sort=-sales&pageSize=50')).body.items.map((x: any) => x.id).filter((id: string) => id === first.id || id === second.id);
    await t.services.catalog.recordSales(t.platform.db, shop.shopId, [{ productId: first.id, quantity: 1 }]);
    expect((await store(`/products/${second.id}`)).body.salesCount).toBe(0);
    expect(await bestSellers()).toEqual([first.id, second.id]);

    const order = await t.call('POST', `/api/store/${shop.slug}/orders`, { headers: bearer(customer), body: { items: [{ skuId: second.skus[0].id, quantity: 2 }], fulfilment: 'express', addressId } });
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    await payOrder(t, shop.slug, customer, order.body.id);
    expect((await store(`/products/${second.id}`)).body.salesCount).toBe(2);
    expect(await card(second.id, '?pageSize=50')).toMatchObject({ salesCount: 2 });
    expect(await bestSellers()).toEqual([second.id, first.id]);
  });

  it('keeps a change made inside a transaction from the cache until that transaction commits', async () => {
    const p = (await admin('POST', '/products', mug({ title: '事务前' }))).body;
    expect((await store(`/products/${p.id}`)).body.title).toBe('事务前');
    const versions = t.services.catalog.versions.of(shop.shopId);
    const before = versions.content;
    await expect(
      t.platform.database.transaction(async (tx) => {
        await t.services.catalog.updateProduct(shop.owner.actor, p.id, ProductInput.parse(mug({ title: '回滚了' })), tx);
        // Not committed yet: telling the cache now would let a reader keep the old rows as fresh.
        expect(versions.content).toBe(before);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(versions.content).toBe(before);
    expect((await store(`/products/${p.id}`)).body.title).toBe('事务前');

    await t.platform.database.transaction((tx) => t.services.catalog.updateProduct(shop.owner.actor, p.id, ProductInput.parse(mug({ title: '提交了' })), tx));
    expect(versions.content).toBeGreaterThan(before);
    expect((await store(`/products/${p.id}`)).body.title).toBe('提交了');
  });
});

describe('stock watch', () => {
  it('classifies every inventory operation as changing what shoppers see or not', () => {
    // Private helpers that only the operations below call.
    const internal = ['constructor', 'ensureLevel', 'closeHeld', 'ledger', 'inTx'];
    const methods = Object.getOwnPropertyNames(InventoryService.prototype).filter((m) => !internal.includes(m));
    const classified = [...Object.keys(STOCK_WRITES), ...STOCK_NEUTRAL];
    expect(methods.filter((m) => !classified.includes(m)), 'put new InventoryService methods in STOCK_WRITES or STOCK_NEUTRAL (catalog/stock-watch.ts)').toEqual([]);
    expect(classified.filter((m) => !methods.includes(m))).toEqual([]);
  });
});
