import { describe, expect, it } from 'vitest';
import { createProduct } from '../apps/server/src/testing/commerce.js';
import { createSale } from '../apps/server/src/modules/flashsale/testing.js';
import { newPhone, type E2EApp } from './support/app.js';
import type { WatchedPage } from './support/browser.js';
import { twoPersonStage } from './support/stage.js';
import { consoleGo, consoleSignIn, payInCashier, settle, shopSignIn } from './support/flows.js';

/**
 * Issue 6 on a phone and in the console: grab a flash-sale unit and pay for it, the merchant watches the
 * live view; pay a pre-sale deposit (¥50 counts as ¥100), then, in the balance window, the balance.
 */
let app: E2EApp;
let merchant: WatchedPage;
let customer: WatchedPage;
const { a11y } = twoPersonStage((s) => ({ app, merchant, customer } = s));
const HOUR = 3600_000;

describe('flash sale and deposit pre-sale', () => {
  let flashSaleId = '';
  let presaleProductId = '';
  const phone = newPhone();

  it('the shop runs a flash sale now and a pre-sale whose deposit phase is open', async () => {
    const own = { session: app.owner };
    expect((await app.t.call('POST', '/api/admin/pickup-points', { ...own, body: { name: '城西门店', address: '杭州市西湖区文一路 1 号' } })).status).toBe(201);
    const flash = await createProduct(app.t, app.owner, { title: '秒杀茶具', priceFen: 19_900, stock: 20 });
    flashSaleId = (await createSale(app.t, app.owner, { skuId: flash.skus[0].id, stock: 5, priceFen: 9_900 })).id;
    const pre = await createProduct(app.t, app.owner, { title: '新茶预售', priceFen: 30_000, stock: 20 });
    presaleProductId = pre.id;
    const now = Date.now();
    const res = await app.t.call('POST', '/api/admin/presales', {
      ...own,
      body: {
        name: '明前新茶预售', productId: pre.id,
        depositStartsAt: new Date(now - HOUR).toISOString(), depositEndsAt: new Date(now + 24 * HOUR).toISOString(),
        balanceStartsAt: new Date(now + 48 * HOUR).toISOString(), balanceEndsAt: new Date(now + 72 * HOUR).toISOString(),
        items: [{ skuId: pre.skus[0].id, depositFen: 5_000, deductFen: 10_000 }],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });

  it('a customer grabs a flash-sale unit, picks it up in store and pays ¥99', async () => {
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/login`);
    await shopSignIn(customer, app.t, phone);
    await page.goto(`${app.t.url}/s/${app.slug}/flash-sale`);
    const item = page.getByTestId('flash-item').filter({ hasText: '秒杀茶具' });
    await item.waitFor();
    await settle(page);
    await customer.screenshot('shop-40-flash-sale');
    await a11y.check(customer, 'storefront flash sale');
    await item.getByTestId('flash-grab').click();
    const sheet = page.getByTestId('flash-grab-sheet');
    await sheet.getByTestId('fulfilment-pickup').click();
    await sheet.getByTestId('pickup-point').first().click();
    await a11y.check(customer, 'storefront flash sale grab sheet');
    await sheet.getByTestId('flash-submit').click();
    await payInCashier(customer, app.slug);
    await expect.poll(() => page.getByTestId('pay-result').innerText(), { timeout: 20_000 }).toBe('支付成功');
  });

  it('the merchant sees it sold and paid in the live view', async () => {
    const page = merchant.page;
    await consoleSignIn(merchant, app.t.url, app.login, app.password);
    await consoleGo(page, app.t.url, `/flash-sales/${flashSaleId}/live`);
    await expect.poll(async () => (await app.t.call('GET', `/api/admin/flash-sales/${flashSaleId}/live`, { session: app.owner })).body, { timeout: 20_000 }).toMatchObject({ sold: 1, remaining: 4, paidOrders: 1 });
    await page.reload();
    await settle(page);
    await merchant.screenshot('console-40-flash-sale-live');
    await a11y.check(merchant, 'console flash sale live view');
  });

  it('pays a ¥50 deposit on the pre-sale product page', async () => {
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/products/${presaleProductId}`);
    await expect.poll(() => page.getByTestId('presale-label').innerText()).toContain('定金¥50抵¥100');
    await settle(page);
    await customer.screenshot('shop-41-presale-product');
    await a11y.check(customer, 'storefront pre-sale product');
    await page.getByTestId('presale-pay-deposit').click();
    await page.getByTestId('sku-confirm').click();
    await payInCashier(customer, app.slug, undefined, /\/me\/presales\/result/);
    await expect.poll(() => page.getByTestId('presale-result').innerText(), { timeout: 20_000 }).toContain('定金支付成功');
  });

  it('in the balance window pays the rest: ¥300 − ¥100 = ¥200', async () => {
    const page = customer.page;
    const realNow = app.t.platform.now;
    app.t.platform.now = () => new Date(Date.now() + 49 * HOUR);
    try {
      await page.goto(`${app.t.url}/s/${app.slug}/me/presales`);
      await page.getByTestId('presale-pay-balance').click();
      await page.waitForURL(/\/checkout$/);
      await page.getByTestId('fulfilment-pickup').click();
      await expect.poll(() => page.getByTestId('checkout-amounts').innerText()).toContain('200.00');
      await settle(page);
      await customer.screenshot('shop-42-presale-balance');
      await a11y.check(customer, 'storefront pre-sale balance checkout');
      await page.getByTestId('submit-order').click();
      await payInCashier(customer, app.slug);
      await expect.poll(() => page.getByTestId('pay-result').innerText(), { timeout: 20_000 }).toBe('支付成功');
      await page.goto(`${app.t.url}/s/${app.slug}/me/presales`);
      await expect.poll(() => page.getByTestId('presale-order-status').first().innerText(), { timeout: 20_000 }).toContain('已完成');
    } finally {
      app.t.platform.now = realNow;
    }
  });
});
