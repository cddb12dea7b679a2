import { describe, expect, it } from 'vitest';
import { createProduct } from '../apps/server/src/testing/commerce.js';
import { newPhone, type E2EApp } from './support/app.js';
import type { WatchedPage } from './support/browser.js';
import { twoPersonStage } from './support/stage.js';
import { consoleGo, consoleSignIn, orderIdOf, payInCashier, settle, shopSignIn } from './support/flows.js';

/**
 * Promotions flow: the merchant creates a 满100减20 coupon in the console; a customer opens its claim
 * link on a phone, signs in and claims it, checks out ¥120 of goods with the coupon preselected and pays
 * ¥100; the merchant's coupon statistics show one use.
 */
let app: E2EApp;
let merchant: WatchedPage;
let customer: WatchedPage;
const { a11y } = twoPersonStage((s) => ({ app, merchant, customer } = s));

describe('coupon: 满100减20 in the console → claim link → ¥120 checkout pays ¥100 → one use in the statistics', () => {
  let couponId = '';
  let claimUrl = '';
  let productId = '';
  let orderId = '';

  it('merchant creates a 满100减20 coupon and gets its claim link', async () => {
    const page = merchant.page;
    await consoleSignIn(merchant, app.t.url, app.login, app.password);
    await consoleGo(page, app.t.url, '/coupons/new');
    await page.getByTestId('coupon-name').fill('新客满100减20');
    // antd puts the test id on the radio's hidden input; people click its label.
    await page.locator('label', { has: page.getByTestId('coupon-kind-amount_off') }).click();
    await expect.poll(() => page.getByTestId('coupon-kind-amount_off').isChecked()).toBe(true);
    await page.getByTestId('coupon-threshold').fill('100');
    await page.getByTestId('coupon-amount-off').fill('20');
    await page.getByTestId('coupon-total').fill('100');
    await settle(page);
    await merchant.screenshot('console-14-coupon-form');
    await a11y.check(merchant, 'console coupon form');
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/admin/coupons') && r.request().method() === 'POST');
    await page.getByTestId('coupon-save').click();
    const res = await saved;
    expect(res.status()).toBe(201);
    couponId = (await res.json()).id;
    await page.waitForURL(new RegExp(`/admin/coupons/${couponId}$`));
    await expect.poll(() => page.getByTestId('coupon-detail-label').innerText()).toBe('满100减20');
    claimUrl = (await page.getByTestId('coupon-claim-url').innerText()).trim();
    expect(claimUrl).toBe(`${app.t.url}/s/${app.slug}/coupons/${couponId}`);
    // The QR code for posters is drawn.
    await expect.poll(() => page.getByTestId('coupon-qr').locator('canvas').evaluate((c: HTMLCanvasElement) => c.width)).toBeGreaterThan(50);
    await settle(page);
    await merchant.screenshot('console-15-coupon-detail');
    await a11y.check(merchant, 'console coupon detail');

    // Goods and a pickup point come from the API: the other flows cover their screens.
    productId = (await createProduct(app.t, app.owner, { title: '白茶礼盒', priceFen: 12000, stock: 10 })).id;
    const point = await app.t.call('POST', '/api/admin/pickup-points', { session: app.owner, body: { name: '滨江门店', address: '杭州市滨江区江南大道 1 号' } });
    expect(point.status).toBe(201);
  });

  it('a customer on a phone opens the claim link, signs in and claims it', async () => {
    const page = customer.page;
    await page.goto(claimUrl);
    await page.getByTestId('claim-coupon').waitFor();
    expect(await page.getByTestId('claim-coupon').innerText()).toContain('满100');
    await settle(page);
    await customer.screenshot('shop-15-claim-link');
    await a11y.check(customer, 'storefront claim link');
    await page.getByTestId('coupon-claim').click();
    await page.waitForURL(/\/login/);
    await shopSignIn(customer, app.t, newPhone());
    // Back on the claim page, the claim completes by itself.
    await page.getByTestId('claim-done').waitFor({ timeout: 15_000 });
    await settle(page);
    await customer.screenshot('shop-16-claimed');
    const mine = await app.t.call('GET', `/api/admin/coupons/${couponId}`, { session: app.owner });
    expect(mine.body.issuedCount).toBe(1);
  });

  it('checks out ¥120 of goods with the coupon preselected and pays ¥100', async () => {
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/products/${productId}`);
    await page.getByTestId('buy-now').click();
    await page.getByTestId('sku-confirm-buy').click();
    await page.waitForURL(/\/checkout$/);
    await page.getByTestId('fulfilment-pickup').click();
    await expect.poll(() => page.getByTestId('fulfilment-pickup').getAttribute('aria-checked')).toBe('true');
    await expect.poll(() => page.getByTestId('checkout-coupon-value').innerText()).toContain('-¥20.00');
    const amounts = page.getByTestId('checkout-amounts');
    await expect.poll(() => amounts.innerText()).toContain('120.00');
    await expect.poll(() => page.getByTestId('submit-order').isEnabled()).toBe(true);
    await expect.poll(() => amounts.innerText()).toContain('100.00');
    await settle(page);
    await customer.screenshot('shop-17-checkout-coupon');
    await a11y.check(customer, 'storefront checkout with coupon');

    await page.getByTestId('checkout-coupon-row').click();
    await page.getByTestId('coupon-picker').waitFor();
    await settle(page);
    await customer.screenshot('shop-18-coupon-picker');
    await a11y.check(customer, 'storefront coupon picker');
    const preselected = page.getByTestId('coupon-option').first();
    expect(await preselected.getAttribute('aria-checked')).toBe('true');
    // Choosing the preselected coupon again closes the popup and keeps the price.
    await preselected.click();
    await page.getByTestId('coupon-picker').waitFor({ state: 'hidden' });
    await expect.poll(() => page.getByTestId('checkout-coupon-value').innerText()).toContain('-¥20.00');

    await page.getByTestId('submit-order').click();
    await payInCashier(customer, app.slug);
    orderId = orderIdOf(page.url());
    await expect.poll(() => page.getByTestId('pay-result').innerText(), { timeout: 20_000 }).toBe('支付成功');
    const order = await app.t.call('GET', `/api/admin/orders/${orderId}`, { session: app.owner });
    expect(order.body).toMatchObject({ status: 'paid', itemsTotalFen: 12000, discountFen: 2000, payableFen: 10000, paidFen: 10000 });
  });

  it("the merchant's coupon statistics show one use", async () => {
    const page = merchant.page;
    await consoleGo(page, app.t.url, `/coupons/${couponId}`);
    await expect.poll(async () => (await page.getByTestId('coupon-stat-used').innerText()).replace(/\s/g, ''), { timeout: 15_000 }).toContain('1');
    expect((await page.getByTestId('coupon-stat-orders').innerText()).replace(/\s/g, '')).toContain('1');
    expect(await page.getByTestId('coupon-stat-revenue').innerText()).toContain('100.00');
    expect(await page.getByTestId('coupon-stat-discount').innerText()).toContain('20.00');
    await settle(page);
    await merchant.screenshot('console-16-coupon-stats');
    const stats = await app.t.call('GET', `/api/admin/coupons/${couponId}`, { session: app.owner });
    expect(stats.body.stats).toMatchObject({ issued: 1, used: 1, orders: 1, revenueFen: 10000, discountFen: 2000 });
  });
});
