import { describe, expect, it } from 'vitest';
import { createProduct } from '../apps/server/src/testing/commerce.js';
import { newPhone, type E2EApp } from './support/app.js';
import type { WatchedPage } from './support/browser.js';
import { twoPersonStage } from './support/stage.js';
import { chooseSku, consoleGo, consoleSignIn, orderIdOf, payInCashier, pickConsoleRegion, settle, shopSignIn } from './support/flows.js';

/**
 * Issue flow 2 (到店自提): the merchant sets up a pickup point in the console; a customer buys with
 * 到店自提 and pays; the order page shows the 8-digit pickup code and its QR code; staff verify the code
 * on the console's pickup page; the customer's order shows 已完成.
 */
let app: E2EApp;
let merchant: WatchedPage;
let customer: WatchedPage;
const { a11y } = twoPersonStage((s) => ({ app, merchant, customer } = s));

describe('store pickup: pickup point → buy with 到店自提 → pay → code + QR → staff verify → 已完成', () => {
  const POINT = '西湖文三路门店';
  let productId = '';
  let orderId = '';
  let pickupCode = '';

  it('merchant creates a pickup point in the console', async () => {
    const page = merchant.page;
    await consoleSignIn(merchant, app.t.url, app.login, app.password);
    await consoleGo(page, app.t.url, '/pickup-points');
    await page.getByTestId('new-pickup-point').click();
    await page.getByTestId('pickup-point-name').fill(POINT);
    await pickConsoleRegion(page, 'pickup-point-region', ['浙江省', '杭州市', '西湖区']);
    await page.getByTestId('pickup-point-address').fill('文三路 478 号 1 楼');
    await merchant.screenshot('console-08a-pickup-point-form', { fullPage: false });
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/admin/pickup-points') && r.request().method() === 'POST');
    await page.getByTestId('pickup-point-save').click();
    expect((await saved).status()).toBe(201);
    await expect.poll(() => page.locator('.ant-table-row', { hasText: POINT }).count()).toBe(1);
    // What customers read is the whole address, composed from the picked region and the street.
    expect(await page.locator('.ant-table-row', { hasText: POINT }).innerText()).toContain('浙江省杭州市西湖区文三路 478 号 1 楼');
    await settle(page);
    await merchant.screenshot('console-08-pickup-points');
    await a11y.check(merchant, 'console pickup points');

    // The goods themselves come from the API: flow 1 covers the product form.
    productId = (await createProduct(app.t, app.owner, { title: '手冲咖啡豆 250g', priceFen: 8800, stock: 20, specs: { 烘焙度: ['浅烘', '中烘'] } })).id;
  });

  it('customer buys it with 到店自提 and pays', async () => {
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/products/${productId}`);
    await page.getByTestId('buy-now').click();
    await page.waitForURL(/\/login/);
    await shopSignIn(customer, app.t, newPhone());
    await page.waitForURL(new RegExp(`/products/${productId}$`));

    await page.getByTestId('buy-now').click();
    await chooseSku(page, { 烘焙度: '中烘' });
    await page.getByTestId('sku-confirm-buy').click();
    await page.waitForURL(/\/checkout$/);
    await page.getByTestId('fulfilment-pickup').click();
    await expect.poll(() => page.getByTestId('fulfilment-pickup').getAttribute('aria-checked')).toBe('true');
    // The shop's only active point is chosen for the customer.
    const point = page.getByTestId('pickup-point').filter({ hasText: POINT });
    await expect.poll(() => point.getAttribute('aria-checked')).toBe('true');
    await expect.poll(() => page.getByTestId('submit-order').isEnabled()).toBe(true);
    await expect.poll(() => page.getByTestId('checkout-amounts').innerText()).toContain('88.00');
    await settle(page);
    await customer.screenshot('shop-12-checkout-pickup');
    await a11y.check(customer, 'storefront checkout (pickup)');

    await page.getByTestId('submit-order').click();
    await payInCashier(customer, app.slug);
    orderId = orderIdOf(page.url());
    await expect.poll(() => page.getByTestId('pay-result').innerText(), { timeout: 20_000 }).toBe('支付成功');
  });

  it('the order page shows the pickup code as digits and as a QR code', async () => {
    const page = customer.page;
    await page.getByTestId('view-order').click();
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    await expect.poll(() => page.getByTestId('order-status').getAttribute('data-status')).toBe('paid');
    const shown = (await page.getByTestId('pickup-code').innerText()).replace(/\s/g, '');
    expect(shown).toMatch(/^\d{8}$/);
    pickupCode = shown;
    // The QR code is an image that actually rendered (a data URL of some size), not an empty box.
    const qr = page.getByTestId('pickup-qr');
    await qr.waitFor();
    await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth >= 100)).toBe(true);
    expect(await qr.getAttribute('alt')).toContain(pickupCode);
    expect(await page.getByTestId('order-pickup-point').innerText()).toContain(POINT);
    await settle(page);
    await customer.screenshot('shop-13-pickup-code');
    await a11y.check(customer, 'storefront order detail (pickup code)');

    const order = await app.t.call('GET', `/api/admin/orders/${orderId}`, { session: app.owner });
    expect(order.body).toMatchObject({ status: 'paid', fulfilment: 'pickup' });
  });

  it('staff look the code up and verify it on the console pickup page', async () => {
    const page = merchant.page;
    await consoleGo(page, app.t.url, '/pickup');
    await settle(page);
    await a11y.check(merchant, 'console pickup verify');
    await page.getByTestId('pickup-code-input').fill(pickupCode);
    await page.getByTestId('pickup-lookup').click();
    const result = page.getByTestId('pickup-result');
    await result.waitFor();
    await expect.poll(() => result.innerText()).toContain('手冲咖啡豆 250g');
    expect(await result.innerText()).toContain(POINT);
    await merchant.screenshot('console-09-pickup-lookup');
    await a11y.check(merchant, 'console pickup lookup result');
    await page.getByTestId('pickup-verify').click();
    await page.getByTestId('pickup-done').waitFor();
    await settle(page);
    await merchant.screenshot('console-10-pickup-verified');

    const order = await app.t.call('GET', `/api/admin/orders/${orderId}`, { session: app.owner });
    expect(order.body.status).toBe('completed');
  });

  it('the customer sees the order completed (已完成)', async () => {
    const page = customer.page;
    await page.reload();
    await expect.poll(() => page.getByTestId('order-status').getAttribute('data-status')).toBe('completed');
    expect(await page.getByTestId('order-status').innerText()).toContain('已完成');
    await settle(page);
    await customer.screenshot('shop-14-pickup-completed');
  });
});
