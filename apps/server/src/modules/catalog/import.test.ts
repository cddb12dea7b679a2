import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type StaffSession, type TestApp } from '../../testing/harness.js';
import { download, upload } from './testing/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const HEADER = ['商品名称', '分类', '规格1', '规格1值', '规格2', '规格2值', '售价(元)', '划线价(元)', '库存', '商品编码', '状态(草稿/上架)'];

async function xlsx(rows: (string | number | null)[][]) {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet('商品');
  for (const r of rows) sheet.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function readXlsx(data: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(data as unknown as ArrayBuffer);
  const out: string[][] = [];
  wb.worksheets[0].eachRow((row) => out.push((row.values as unknown[]).slice(1).map((v) => (v == null ? '' : String(v)))));
  return out;
}

async function runImport(session: StaffSession, fileName: string, data: Buffer | string, type?: string) {
  const started = await upload(t, '/api/admin/catalog/imports', session, fileName, data, type);
  expect(started.status).toBe(202);
  expect(started.body.status).toBe('queued');
  await t.drain();
  const res = await t.call('GET', `/api/admin/catalog/imports/${started.body.id}`, { session });
  return res.body;
}

const products = (session: StaffSession, q = '') => t.call('GET', `/api/admin/products?pageSize=100&q=${encodeURIComponent(q)}`, { session }).then((r) => r.body.items);
const detail = (session: StaffSession, id: string) => t.call('GET', `/api/admin/products/${id}`, { session }).then((r) => r.body);

describe('catalog import', () => {
  it('imports the good products and names every bad row, writing nothing of a product with a bad row', async () => {
    const shop = await t.createShop();
    const s = shop.owner;
    const clothes = (await t.call('POST', '/api/admin/categories', { session: s, body: { name: '服装' } })).body;
    await t.call('POST', '/api/admin/categories', { session: s, body: { name: 'T恤', parentId: clothes.id } });
    await t.call('POST', '/api/admin/products', { session: s, body: { title: '已有商品', skus: [{ price: 100, skuCode: 'EXIST-1' }] } });

    const file = await xlsx([
      HEADER,
      ['夏日T恤', '服装/T恤', '颜色', '红', '尺码', 'M', 59.9, 99, 10, 'TS-1', '上架'],
      ['夏日T恤', '', '颜色', '红', '尺码', 'L', '59.90', '', 5, '', ''],
      ['夏日T恤', '', '颜色', '蓝', '尺码', 'M', 69, '', 0, '', ''],
      ['夏日T恤', '', '颜色', '蓝', '尺码', 'L', '69.00', '', 3, '', ''],
      ['坏价格商品', '', '', '', '', '', '12.345', '', 1, '', ''],
      ['未知分类商品', '不存在', '', '', '', '', 10, '', '', '', ''],
      ['部分坏', '', '款式', 'A', '', '', 10, '', 5, '', ''],
      ['部分坏', '', '款式', 'B', '', '', 10, '', -3, '', ''],
      [],
      ['编码重复', '', '', '', '', '', 1, '', '', 'EXIST-1', ''],
      ['划线价低', '', '', '', '', '', 10, 9, '', '', ''],
      ['保温杯', '', '', '', '', '', '¥39', '', 4, '', '草稿'],
    ]);
    const result = await runImport(s, '商品.xlsx', file);
    expect(result).toMatchObject({ status: 'done', total: 11, processed: 11, succeeded: 5, failed: 6 });
    expect(result.errors).toEqual([
      { row: 6, field: '售价(元)', code: 'PRICE_INVALID', message: expect.stringContaining('价格') },
      { row: 7, field: '分类', code: 'CATEGORY_NOT_FOUND', message: expect.any(String) },
      { row: 8, field: '商品名称', code: 'PRODUCT_HAS_ERRORS', message: expect.any(String) },
      { row: 9, field: '库存', code: 'QUANTITY_INVALID', message: expect.any(String) },
      { row: 11, field: '商品编码', code: 'SKU_CODE_DUPLICATE', message: expect.any(String) },
      { row: 12, field: '划线价(元)', code: 'MARKET_PRICE_BELOW_PRICE', message: '划线价不能低于售价' },
    ]);

    const list = await products(s);
    expect(list.map((p: any) => p.title).sort()).toEqual(['保温杯', '夏日T恤', '已有商品']);
    const tee = await detail(s, list.find((p: any) => p.title === '夏日T恤').id);
    expect(tee).toMatchObject({ status: 'on_sale', minPrice: 5990, maxPrice: 6900 });
    expect(tee.specAttributes).toEqual([{ name: '颜色', values: ['红', '蓝'] }, { name: '尺码', values: ['M', 'L'] }]);
    expect(tee.skus.map((k: any) => [k.specText, k.price, k.marketPrice, k.stock.available])).toEqual([
      ['红 / M', 5990, 9900, 10],
      ['红 / L', 5990, null, 5],
      ['蓝 / M', 6900, null, 0],
      ['蓝 / L', 6900, null, 3],
    ]);
    const cup = await detail(s, list.find((p: any) => p.title === '保温杯').id);
    expect(cup).toMatchObject({ status: 'draft', minPrice: 3900 });
    expect(cup.skus[0].stock.available).toBe(4);

    const report = await download(t, `/api/admin/catalog/imports/${result.id}/errors.xlsx`, s);
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toContain('spreadsheetml');
    const cells = await readXlsx(report.data);
    expect(cells[0].slice(0, 5)).toEqual(['行号', '列', '错误代码', '错误说明', '商品名称']);
    expect(cells.find((r) => r[0] === '9')).toEqual(expect.arrayContaining(['库存', 'QUANTITY_INVALID', '部分坏', '-3']));
  });

  it('imports a CSV with English headers and a byte-order mark', async () => {
    const shop = await t.createShop();
    const csv = '\uFEFFTitle,Category,Spec1,Spec1 Value,Spec2,Spec2 Value,Price,Market Price,Stock,SKU Code,Status\n' +
      '"Mug, large",,Colour,White,,,12.5,,7,MUG-W,on_sale\n' +
      '"Mug, large",,Colour,Black,,,12.50,20,2,MUG-B,\n' +
      'Broken,,,,,,abc,,,,\n';
    const result = await runImport(shop.owner, 'products.csv', csv, 'text/csv');
    expect(result).toMatchObject({ status: 'done', total: 3, succeeded: 2, failed: 1 });
    expect(result.errors).toEqual([{ row: 4, field: '售价(元)', code: 'PRICE_INVALID', message: expect.any(String) }]);
    const [mug] = await products(shop.owner);
    const d = await detail(shop.owner, mug.id);
    expect(d).toMatchObject({ title: 'Mug, large', status: 'on_sale' });
    expect(d.skus.map((k: any) => [k.skuCode, k.price, k.marketPrice, k.stock.available])).toEqual([
      ['MUG-W', 1250, null, 7],
      ['MUG-B', 1250, 2000, 2],
    ]);
  });

  it('exports one row per SKU in the template columns, and the export imports back', async () => {
    const shop = await t.createShop();
    const s = shop.owner;
    const food = (await t.call('POST', '/api/admin/categories', { session: s, body: { name: '食品' } })).body;
    const nuts = (await t.call('POST', '/api/admin/categories', { session: s, body: { name: '坚果', parentId: food.id } })).body;
    const created = (await t.call('POST', '/api/admin/products', {
      session: s,
      body: {
        title: '每日坚果',
        categoryId: nuts.id,
        status: 'on_sale',
        specAttributes: [{ name: '规格', values: ['小包', '礼盒'] }],
        skus: [
          { specValues: { 规格: '小包' }, price: 1990, marketPrice: 2990, stock: 50, skuCode: 'NUT-S' },
          { specValues: { 规格: '礼盒' }, price: 12800, stock: 6, skuCode: 'NUT-BOX' },
        ],
      },
    })).body;
    await t.call('POST', '/api/admin/products', { session: s, body: { title: '草稿不导出', skus: [{ price: 1 }] } });

    const exported = await download(t, '/api/admin/products/export.xlsx?status=on_sale', s);
    expect(exported.status).toBe(200);
    const cells = await readXlsx(exported.data);
    expect(cells[0]).toEqual(HEADER);
    expect(cells.slice(1)).toEqual([
      ['每日坚果', '食品/坚果', '规格', '小包', '', '', '19.90', '29.90', '50', 'NUT-S', '上架'],
      ['每日坚果', '食品/坚果', '规格', '礼盒', '', '', '128.00', '', '6', 'NUT-BOX', '上架'],
    ]);

    // Back into the same shop: the product is updated in place, its SKU ids kept.
    const again = await runImport(s, 'export.xlsx', exported.data);
    expect(again).toMatchObject({ status: 'done', succeeded: 2, failed: 0, productsUpdated: 1, productsCreated: 0 });
    const after = await detail(s, created.id);
    expect(after.skus.map((k: any) => k.id)).toEqual(created.skus.map((k: any) => k.id));
    expect((await products(s)).length).toBe(2);

    // Into another shop with the same categories: the same product appears.
    const other = await t.createShop();
    const f2 = (await t.call('POST', '/api/admin/categories', { session: other.owner, body: { name: '食品' } })).body;
    await t.call('POST', '/api/admin/categories', { session: other.owner, body: { name: '坚果', parentId: f2.id } });
    const copied = await runImport(other.owner, 'export.xlsx', exported.data);
    expect(copied).toMatchObject({ succeeded: 2, productsCreated: 1 });
    const [p] = await products(other.owner);
    const d = await detail(other.owner, p.id);
    expect(d).toMatchObject({ title: '每日坚果', status: 'on_sale', minPrice: 1990, maxPrice: 12800 });
    expect(d.skus.map((k: any) => [k.specText, k.price, k.marketPrice, k.stock.available, k.skuCode])).toEqual([
      ['小包', 1990, 2990, 50, 'NUT-S'],
      ['礼盒', 12800, null, 6, 'NUT-BOX'],
    ]);
  });

  it('refuses a file that is not a spreadsheet, and serves the template', async () => {
    const shop = await t.createShop();
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');
    for (const [name, data] of [['photo.xlsx', png], ['notes.txt', 'just some words\nno columns here'], ['fake.xlsx', Buffer.from('PK\u0003\u0004garbage')]] as const) {
      const res = await upload(t, '/api/admin/catalog/imports', shop.owner, name, data);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'IMPORT_FILE_INVALID', details: { field: 'file' } });
    }
    const template = await download(t, '/api/admin/catalog/import-template.xlsx', shop.owner);
    expect(template.status).toBe(200);
    expect((await readXlsx(template.data))[0]).toEqual(HEADER);
    const empty = await upload(t, '/api/admin/catalog/imports', shop.owner, 'template.xlsx', template.data);
    expect(empty.body.error.code).toBe('IMPORT_FILE_INVALID');
    const zh = await fetch(`${t.url}/api/admin/catalog/imports`, { method: 'POST', headers: { cookie: shop.owner.cookie, 'x-csrf-token': shop.owner.csrf, 'content-type': 'multipart/form-data; boundary=x', 'accept-language': 'zh-CN' }, body: '--x\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello\r\n--x--\r\n' });
    expect((await zh.json()).error.message).toBe('导入文件格式不正确');
  });
});
