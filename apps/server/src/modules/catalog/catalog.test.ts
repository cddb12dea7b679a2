import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type StaffSession, type TestApp } from '../../testing/harness.js';
import { upload } from './testing/fixtures.js';

let t: TestApp;
let A: { shopId: string; slug: string; owner: StaffSession };
let B: { shopId: string; slug: string; owner: StaffSession };
beforeAll(async () => {
  t = await startTestApp();
  A = await t.createShop();
  B = await t.createShop();
});
afterAll(() => t?.close());

const tshirt = (over: Record<string, unknown> = {}) => ({
  title: '夏日T恤',
  status: 'on_sale',
  specAttributes: [
    { name: '颜色', values: ['红', '蓝'] },
    { name: '尺码', values: ['M', 'L'] },
  ],
  skus: [
    { specValues: { 颜色: '红', 尺码: 'M' }, price: 5900, marketPrice: 9900, stock: 10, skuCode: 'TS-R-M' },
    { specValues: { 颜色: '红', 尺码: 'L' }, price: 5900, stock: 5 },
    { specValues: { 颜色: '蓝', 尺码: 'M' }, price: 6900, stock: 0 },
    { specValues: { 颜色: '蓝', 尺码: 'L' }, price: 6900, stock: 3 },
  ],
  ...over,
});

const post = (path: string, body: unknown, session = A.owner) => t.call('POST', `/api/admin${path}`, { body, session });

describe('products and SKUs', () => {
  it('generates the 2×2 SKU matrix and keeps SKU ids of combinations that survive an edit', async () => {
    const created = await post('/products', tshirt());
    expect(created.status).toBe(201);
    expect(created.body.skus.map((s: any) => s.specText)).toEqual(['红 / M', '红 / L', '蓝 / M', '蓝 / L']);
    expect(created.body).toMatchObject({ minPrice: 5900, maxPrice: 6900, status: 'on_sale' });
    expect(created.body.skus[0]).toMatchObject({ skuCode: 'TS-R-M', marketPrice: 9900, stock: { available: 10 } });
    expect(created.body.skus[1].skuCode).toMatch(/^SY[0-9A-F]{12}$/);
    const id = (spec: string, list = created.body.skus) => list.find((s: any) => s.specText === spec)?.id;

    // 蓝 becomes 绿, and the attributes are listed in the other order: the 红 SKUs keep their ids.
    const updated = await t.call('PUT', `/api/admin/products/${created.body.id}`, {
      session: A.owner,
      body: tshirt({
        specAttributes: [{ name: '尺码', values: ['M', 'L'] }, { name: '颜色', values: ['红', '绿'] }],
        skus: [
          { specValues: { 颜色: '红', 尺码: 'M' }, price: 5500, skuCode: 'TS-R-M' },
          { specValues: { 颜色: '红', 尺码: 'L' }, price: 5500 },
          { specValues: { 颜色: '绿', 尺码: 'M' }, price: 5900, stock: 8 },
          { specValues: { 颜色: '绿', 尺码: 'L' }, price: 5900 },
        ],
      }),
    });
    expect(updated.status).toBe(200);
    const after = updated.body.skus;
    expect(after).toHaveLength(4);
    expect(id('M / 红', after)).toBe(id('红 / M'));
    expect(id('L / 红', after)).toBe(id('红 / L'));
    expect(after.find((s: any) => s.specText === 'M / 红').stock.available).toBe(10); // stock left out: unchanged
    expect(after.find((s: any) => s.specText === 'M / 绿').stock.available).toBe(8);
    expect(after.find((s: any) => s.specText === 'L / 红').skuCode).toBe(created.body.skus[1].skuCode);
    // The removed 蓝 SKUs can no longer be ordered.
    const forOrder = await t.services.catalog.skusForOrder(t.platform.db, A.shopId, [id('蓝 / M'), id('红 / M')]);
    expect(forOrder.map((s) => s.skuId)).toEqual([id('红 / M')]);
    expect(forOrder[0]).toMatchObject({ productTitle: '夏日T恤', specText: 'M / 红', price: 5500, productStatus: 'on_sale', skuCode: 'TS-R-M' });
  });

  it('gives a product without attributes one default SKU', async () => {
    const res = await post('/products', { title: '保温杯', skus: [{ price: 3900, stock: 4 }] });
    expect(res.status).toBe(201);
    expect(res.body.skus).toHaveLength(1);
    expect(res.body.skus[0]).toMatchObject({ specValues: {}, specText: '', price: 3900, stock: { available: 4 } });
    expect(res.body.status).toBe('draft');
  });

  it('names the offending field in validation errors', async () => {
    const neg = await post('/products', tshirt({ skus: [{ ...tshirt().skus[0], price: -1 }, ...tshirt().skus.slice(1)] }));
    expect(neg.status).toBe(400);
    expect(neg.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'skus.0.price' } });
    const below = await post('/products', tshirt({ skus: [...tshirt().skus.slice(0, 2), { ...tshirt().skus[2], marketPrice: 100 }, tshirt().skus[3]] }));
    expect(below.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'skus.2.marketPrice' } });
    const huge = await post('/products', tshirt({ skus: [tshirt().skus[0], { ...tshirt().skus[1], stock: 1e9 }, ...tshirt().skus.slice(2)] }));
    expect(huge.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'skus.1.stock' } });
    const missing = await post('/products', tshirt({ skus: tshirt().skus.slice(0, 3) }));
    expect(missing.status).toBe(422);
    expect(missing.body.error).toMatchObject({ code: 'SKU_COMBINATION_MISSING', details: { field: 'skus', missing: ['蓝 / L'] } });
    const stray = await post('/products', tshirt({ skus: [...tshirt().skus.slice(0, 3), { specValues: { 颜色: '黑', 尺码: 'L' }, price: 1 }] }));
    expect(stray.body.error).toMatchObject({ code: 'SKU_SPEC_INVALID', details: { field: 'skus.3.specValues' } });
    const free = await post('/products', { title: '赠品', status: 'on_sale', skus: [{ price: 0 }] });
    expect(free.body.error).toMatchObject({ code: 'PRODUCT_PRICE_REQUIRED', details: { field: 'status' } });
    const dupCode = await post('/products', { title: '另一件', skus: [{ price: 100, skuCode: 'TS-R-M' }] });
    expect(dupCode.status).toBe(409);
    expect(dupCode.body.error).toMatchObject({ code: 'SKU_CODE_DUPLICATE', details: { field: 'skus.0.skuCode' } });
    const foreignCategory = await post('/products', { title: '跨店分类', categoryId: (await post('/categories', { name: 'B类' }, B.owner)).body.id, skus: [{ price: 100 }] });
    expect(foreignCategory.body.error).toMatchObject({ code: 'CATEGORY_NOT_FOUND', details: { field: 'categoryId' } });
  });

  it('searches by title or SKU code, filters by category, status and price, sorts and pages', async () => {
    const shop = await t.createShop();
    const s = shop.owner;
    const food = (await post('/categories', { name: '食品' }, s)).body;
    const snacks = (await post('/categories', { name: '零食', parentId: food.id }, s)).body;
    const mk = async (title: string, price: number, extra: Record<string, unknown> = {}) =>
      (await post('/products', { title, skus: [{ price, stock: 1, ...(extra.skuCode ? { skuCode: extra.skuCode } : {}) }], ...extra, skuCode: undefined }, s)).body;
    const chips = await mk('薯片 原味', 800, { categoryId: snacks.id, status: 'on_sale', skuCode: 'CHIP-001' });
    const rice = await mk('东北大米 5kg', 5900, { categoryId: food.id, status: 'on_sale' });
    await mk('薯片 番茄味', 900, { categoryId: snacks.id });
    for (let i = 0; i < 5; i++) await mk(`杯子 ${i}`, 1000 + i * 100);
    await t.services.catalog.recordSales(t.platform.db, shop.shopId, [{ productId: rice.id, quantity: 7 }, { productId: chips.id, quantity: 3 }]);

    const list = (q: string) => t.call('GET', `/api/admin/products?${q}`, { session: s }).then((r) => r.body);
    expect((await list('q=薯片')).total).toBe(2);
    expect((await list('q=chip-0')).items.map((p: any) => p.id)).toEqual([chips.id]);
    expect((await list(`categoryId=${food.id}`)).total).toBe(3); // includes the sub-category
    expect((await list(`categoryId=${snacks.id}&status=on_sale`)).items.map((p: any) => p.title)).toEqual(['薯片 原味']);
    expect((await list('minPrice=1000&maxPrice=1300')).total).toBe(4);
    expect((await list('sort=-sales&pageSize=2')).items.map((p: any) => p.id)).toEqual([rice.id, chips.id]);
    expect((await list('sort=price&pageSize=1')).items[0].minPrice).toBe(800);
    const page2 = await list('sort=price&page=2&pageSize=3');
    expect(page2).toMatchObject({ total: 8, page: 2, pageSize: 3 });
    expect(page2.items.map((p: any) => p.minPrice)).toEqual([1100, 1200, 1300]);
    expect(page2.items[0]).toMatchObject({ stock: 1, skuCount: 1 });
    const bad = await t.call('GET', '/api/admin/products?sort=random', { session: s });
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'sort' } });
  });

  it('changes status in bulk all-or-nothing, reporting each failing id', async () => {
    const a = (await post('/products', { title: '批量A', skus: [{ price: 100 }] })).body;
    const b = (await post('/products', { title: '批量B', skus: [{ price: 0 }] })).body;
    const foreign = (await post('/products', { title: 'B店商品', skus: [{ price: 100 }] }, B.owner)).body;
    const res = await post('/products/bulk-status', { ids: [a.id, b.id, foreign.id], status: 'on_sale' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('BULK_STATUS_FAILED');
    expect(res.body.error.details.failed).toEqual([
      { id: b.id, code: 'PRODUCT_PRICE_REQUIRED', message: expect.any(String) },
      { id: foreign.id, code: 'NOT_FOUND', message: 'Product not found' },
    ]);
    expect((await t.call('GET', `/api/admin/products/${a.id}`, { session: A.owner })).body.status).toBe('draft');
    const ok = await post('/products/bulk-status', { ids: [a.id, b.id], status: 'off_shelf' });
    expect(ok.body).toEqual({ updated: 2 });
    expect((await t.call('GET', `/api/admin/products/${b.id}`, { session: A.owner })).body.status).toBe('off_shelf');
  });

  it('deletes drafts only, and adjusts stock per SKU without going negative', async () => {
    const draft = (await post('/products', { title: '草稿品', skus: [{ price: 100, stock: 2 }] })).body;
    const live = (await post('/products', { title: '在售品', status: 'on_sale', skus: [{ price: 100, stock: 2 }] })).body;
    expect((await t.call('DELETE', `/api/admin/products/${live.id}`, { session: A.owner })).body.error.code).toBe('PRODUCT_NOT_DRAFT');
    expect((await t.call('DELETE', `/api/admin/products/${draft.id}`, { session: A.owner })).status).toBe(200);
    expect((await t.call('GET', `/api/admin/products/${draft.id}`, { session: A.owner })).status).toBe(404);

    const sku = live.skus[0].id;
    const minus = await post(`/skus/${sku}/stock`, { delta: -3, reason: '破损' });
    expect(minus.status).toBe(409);
    expect(minus.body.error).toMatchObject({ code: 'STOCK_NEGATIVE', details: { field: 'delta', available: 2 } });
    expect((await post(`/skus/${sku}/stock`, { delta: 5, reason: '到货' })).body.after).toMatchObject({ available: 7, received: 7 });
    expect((await post(`/skus/${sku}/stock`, { available: 1 })).body.after).toMatchObject({ available: 1, received: 1 });
    expect((await post(`/skus/${sku}/stock`, { available: 1, delta: 2 })).body.error.code).toBe('VALIDATION_FAILED');
    const ledger = await t.call('GET', `/api/admin/skus/${sku}/stock-ledger`, { session: A.owner });
    expect(ledger.body.items.map((e: any) => e.deltaAvailable)).toEqual([-6, 5, 2]);
  });
});

describe('categories', () => {
  it('keeps two levels, unique names among siblings, and refuses to delete a category in use', async () => {
    const top = await post('/categories', { name: '服装', sortOrder: 1 });
    expect(top.status).toBe(201);
    const child = (await post('/categories', { name: 'T恤', parentId: top.body.id })).body;
    expect((await post('/categories', { name: '服装' })).body.error.code).toBe('CATEGORY_NAME_TAKEN');
    expect((await post('/categories', { name: '服装', parentId: top.body.id })).status).toBe(201); // a child may share its parent's name
    expect((await post('/categories', { name: '太深', parentId: child.id })).body.error).toMatchObject({ code: 'CATEGORY_DEPTH_EXCEEDED', details: { field: 'parentId' } });
    const product = (await post('/products', { title: '分类里的商品', categoryId: child.id, skus: [{ price: 100 }] })).body;
    const del = await t.call('DELETE', `/api/admin/categories/${child.id}`, { session: A.owner });
    expect(del.status).toBe(409);
    expect(del.body.error).toMatchObject({ code: 'CATEGORY_NOT_EMPTY', details: { products: 1 } });
    expect((await t.call('DELETE', `/api/admin/categories/${top.body.id}`, { session: A.owner })).body.error.code).toBe('CATEGORY_NOT_EMPTY');
    const tree = await t.call('GET', '/api/admin/categories', { session: A.owner });
    const node = tree.body.items.find((c: any) => c.id === top.body.id);
    expect(node.children.map((c: any) => [c.name, c.productCount])).toEqual(expect.arrayContaining([['T恤', 1]]));
    await t.call('DELETE', `/api/admin/products/${product.id}`, { session: A.owner });
    expect((await t.call('DELETE', `/api/admin/categories/${child.id}`, { session: A.owner })).status).toBe(200);
    const renamed = await t.call('PATCH', `/api/admin/categories/${top.body.id}`, { session: A.owner, body: { name: '男装' } });
    expect(renamed.body.name).toBe('男装');
  });
});

describe('storefront', () => {
  it('shows products on sale only, with stock state per SKU', async () => {
    const shop = await t.createShop();
    const live = (await post('/products', tshirt({ title: '上架T恤' }), shop.owner)).body;
    // SKU codes are unique in a shop: the draft's SKUs go without.
    const draftRes = await post('/products', tshirt({ title: '草稿T恤', status: 'draft', skus: tshirt().skus.map(({ skuCode: _code, ...sku }) => sku) }), shop.owner);
    expect(draftRes.status).toBe(201);
    const draft = draftRes.body;
    const list = await t.call('GET', `/api/store/${shop.slug}/products`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((p: any) => p.id)).toEqual([live.id]);
    expect(list.body.items[0]).toMatchObject({ minPrice: 5900, maxPrice: 6900, soldOut: false });
    expect(JSON.stringify(list.body)).not.toContain('草稿T恤');
    expect((await t.call('GET', `/api/store/${shop.slug}/products/${draft.id}`)).status).toBe(404);
    const detail = await t.call('GET', `/api/store/${shop.slug}/products/${live.id}`);
    expect(detail.body.specAttributes).toHaveLength(2);
    expect(detail.body.skus.find((s: any) => s.specText === '蓝 / M')).toMatchObject({ available: 0, soldOut: true });
    expect(detail.body.skus.find((s: any) => s.specText === '红 / M')).toMatchObject({ available: 10, soldOut: false, price: 5900 });
    expect(detail.body.skus[0]).not.toHaveProperty('skuCode');
    // Another shop's product is not found through this shop's storefront.
    expect((await t.call('GET', `/api/store/${B.slug}/products/${live.id}`)).status).toBe(404);
    expect((await t.call('GET', `/api/store/${shop.slug}/categories`)).body.items).toEqual([]);
  });
});

describe('media', () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082', 'hex');

  it('accepts images by their bytes, serves them publicly, and refuses anything else', async () => {
    const res = await upload(t, '/api/admin/media', A.owner, 'photo.jpg', png, 'image/jpeg');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ contentType: 'image/png', size: png.length });
    const served = await fetch(t.url + res.body.url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
    const fake = await upload(t, '/api/admin/media', A.owner, 'evil.png', '<script>alert(1)</script>', 'image/png');
    expect(fake.status).toBe(415);
    expect(fake.body.error).toMatchObject({ code: 'MEDIA_TYPE_UNSUPPORTED', details: { field: 'file' } });
    const gif = await upload(t, '/api/admin/media', A.owner, 'a.gif', Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(20)]));
    expect(gif.body.contentType).toBe('image/gif');
    expect((await fetch(`${t.url}/media/../../etc/passwd`)).status).toBe(404);
    expect((await fetch(`${t.url}/media/img/nothing.png`)).status).toBe(404);
  });

  it('refuses an image above the upload limit', async () => {
    const small = await startTestApp({ UPLOAD_MAX_BYTES: '2048' });
    try {
      const shop = await small.createShop();
      const big = Buffer.concat([png, Buffer.alloc(4096)]);
      const res = await upload(small, '/api/admin/media', shop.owner, 'big.png', big, 'image/png');
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    } finally {
      await small.close();
    }
  });
});

describe('tenant isolation', () => {
  it("answers 404 when shop B reaches for shop A's categories, products, SKUs, imports and media", async () => {
    const cat = (await post('/categories', { name: '隔离分类' })).body;
    const product = (await post('/products', tshirt({ title: '隔离商品', categoryId: cat.id, skus: tshirt().skus.map((k) => ({ ...k, skuCode: undefined })) }))).body;
    const sku = product.skus[0].id;
    const img = (await upload(t, '/api/admin/media', A.owner, 'a.gif', Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(20)]))).body;
    const imp = (await upload(t, '/api/admin/catalog/imports', A.owner, 'a.csv', '商品名称,售价(元)\n隔离导入,1.00\n', 'text/csv')).body;
    const as = (method: string, path: string, body?: unknown) => t.call(method, `/api/admin${path}`, { session: B.owner, body });
    const attempts = [
      await as('PATCH', `/categories/${cat.id}`, { name: '偷改' }),
      await as('DELETE', `/categories/${cat.id}`),
      await as('GET', `/products/${product.id}`),
      await as('PUT', `/products/${product.id}`, tshirt()),
      await as('DELETE', `/products/${product.id}`),
      await as('POST', `/skus/${sku}/stock`, { available: 999 }),
      await as('GET', `/skus/${sku}/stock-ledger`),
      await as('GET', `/catalog/imports/${imp.id}`),
      await as('GET', `/catalog/imports/${imp.id}/errors.xlsx`),
      await as('DELETE', `/media/${img.id}`),
    ];
    expect(attempts.map((r) => [r.status, r.body.error?.code])).toEqual(attempts.map(() => [404, 'NOT_FOUND']));
    // B's lists do not contain A's things either.
    expect((await as('GET', '/products?q=隔离')).body.total).toBe(0);
    expect(JSON.stringify((await as('GET', '/categories')).body)).not.toContain(cat.id);
    expect(JSON.stringify((await as('GET', '/media')).body)).not.toContain(img.id);
    expect(JSON.stringify((await as('GET', '/catalog/imports')).body)).not.toContain(imp.id);
    // And A's data is unchanged.
    const still = await t.call('GET', `/api/admin/products/${product.id}`, { session: A.owner });
    expect(still.body.skus[0].stock.available).toBe(10);
    expect((await t.call('GET', '/api/admin/categories', { session: A.owner })).body.items.some((c: any) => c.name === '隔离分类')).toBe(true);
  });

  it('limits writes to roles with catalog:write', async () => {
    const cs = await t.createStaff(A.owner, 'customer_service');
    expect((await t.call('GET', '/api/admin/products', { session: cs })).status).toBe(200);
    const res = await post('/products', { title: '客服不能建', skus: [{ price: 1 }] }, cs);
    expect(res.status).toBe(403);
    expect((await upload(t, '/api/admin/catalog/imports', cs, 'a.csv', '商品名称,售价(元)\nx,1\n')).status).toBe(403);
  });
});
