import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser } from 'playwright-core';
import { startE2EApp, type E2EApp } from './support/app.js';
import { launchBrowser, newContext, watchedPage, type WatchedPage } from './support/browser.js';
import { A11yLog, consoleGo, consoleSignIn, settle } from './support/flows.js';

/**
 * Issue flow 3: the merchant uploads an .xlsx with good rows and one bad row (negative price); the
 * progress bar runs to done, the bad row is named with its row number and message, and the good
 * product is in the product list.
 */
let app: E2EApp;
let browser: Browser;
let merchant: WatchedPage;
const a11y = new A11yLog();
let dir = '';

beforeAll(async () => {
  app = await startE2EApp();
  browser = await launchBrowser();
  merchant = await watchedPage(await newContext(browser, 'console'), 'console');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-e2e-import-'));
});

afterEach(() => {
  merchant.assertClean();
  a11y.assertClean();
});

afterAll(async () => {
  await browser?.close();
  await app?.t.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// The headers of the console's import template (GET /api/admin/catalog/import-template.xlsx).
const HEADER = ['商品名称', '分类', '规格1', '规格1值', '规格2', '规格2值', '售价(元)', '划线价(元)', '库存', '商品编码', '状态(草稿/上架)'];

async function workbook(file: string, rows: (string | number)[][]) {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet('商品');
  sheet.addRow(HEADER);
  for (const r of rows) sheet.addRow(r);
  await wb.xlsx.writeFile(file);
}

describe('batch import from Excel', () => {
  it('imports the good rows, names the bad row, and the good product is listed', async () => {
    const page = merchant.page;
    const file = path.join(dir, '春季新品.xlsx');
    await workbook(file, [
      ['亚麻衬衫', '', '颜色', '白', '尺码', 'M', 129, 199, 12, 'LINEN-W-M', '上架'],
      ['亚麻衬衫', '', '颜色', '白', '尺码', 'L', 129, 199, 9, 'LINEN-W-L', '上架'],
      ['帆布托特包', '', '', '', '', '', 45.5, '', 30, 'TOTE-1', '上架'],
      // Row 5 of the sheet (header is row 1): a negative price.
      ['坏价格围巾', '', '', '', '', '', -9.9, '', 5, 'SCARF-1', '上架'],
    ]);

    await consoleSignIn(merchant, app.t.url, app.login, app.password);
    await consoleGo(page, app.t.url, '/products/import');
    await merchant.screenshot('console-11-import');
    await a11y.check(merchant, 'console import page');

    // Record every progress value the page shows while it polls, to see the bar actually run.
    const seen: string[] = [];
    // antd's Dragger keeps the testid on its visible box and the file input beside it.
    const [uploaded] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/admin/catalog/imports') && r.request().method() === 'POST'),
      page.locator('.ant-upload input[type="file"]').setInputFiles(file),
    ]);
    expect(uploaded.status()).toBe(202);
    const result = page.getByTestId('import-result');
    await result.waitFor();
    const progress = page.getByTestId('import-progress');
    const until = Date.now() + 30_000;
    for (;;) {
      const status = await result.getAttribute('data-status');
      seen.push(`${status}:${await progress.getAttribute('aria-valuenow').catch(() => null)}`);
      if (status === 'done' || status === 'failed') break;
      if (Date.now() > until) throw new Error(`import did not finish: ${seen.join(' ')}`);
      await page.waitForTimeout(100);
    }
    expect(await result.getAttribute('data-status')).toBe('done');
    await expect.poll(() => progress.getAttribute('aria-valuenow')).toBe('100');
    // It started below 100% (queued or running) and ended at 100%.
    expect(seen[0]).toMatch(/^(queued|running):/);

    const summary = await page.getByTestId('import-summary').innerText();
    expect(summary).toMatch(/4/);
    const errors = page.getByTestId('import-error-row');
    await expect.poll(() => errors.count()).toBeGreaterThanOrEqual(1);
    const bad = page.locator('[data-testid="import-error-row"][data-row="5"]');
    await expect.poll(() => bad.count()).toBeGreaterThanOrEqual(1);
    const badText = await bad.first().innerText();
    expect(badText).toContain('5');
    expect(badText).toContain('价格');
    // Only the bad row is reported.
    expect(await page.locator('[data-testid="import-error-row"]:not([data-row="5"])').count()).toBe(0);
    await settle(page);
    await merchant.screenshot('console-12-import-done');
    await a11y.check(merchant, 'console import result');

    await consoleGo(page, app.t.url, '/products');
    const titles = await page.getByTestId('product-title-link').allInnerTexts();
    expect(titles).toEqual(expect.arrayContaining(['亚麻衬衫', '帆布托特包']));
    expect(titles).not.toContain('坏价格围巾');
    await merchant.screenshot('console-13-products-after-import');

    const list = await app.t.call('GET', '/api/admin/products?pageSize=100&q=' + encodeURIComponent('亚麻衬衫'), { session: app.owner });
    const shirt = await app.t.call('GET', `/api/admin/products/${list.body.items[0].id}`, { session: app.owner });
    expect(shirt.body.status).toBe('on_sale');
    expect(shirt.body.skus.map((s: any) => [s.skuCode, s.price, s.stock.available]).sort()).toEqual([
      ['LINEN-W-L', 12_900, 9],
      ['LINEN-W-M', 12_900, 12],
    ]);
  });
});
