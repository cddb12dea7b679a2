import { describe, expect, it } from 'vitest';
import { newPhone, type E2EApp } from './support/app.js';
import type { WatchedPage } from './support/browser.js';
import { twoPersonStage } from './support/stage.js';
import { chooseSku, consoleGo, consoleSignIn, orderIdOf, payInCashier, pickShopRegion, settle, shopSignIn } from './support/flows.js';

/**
 * Issue flow 1: the merchant creates a 2×2-SKU product in the console and puts it on sale; a customer on
 * a phone signs in by SMS code, buys two SKUs with a new express address, pays in the WeChat Pay sandbox
 * cashier; the merchant ships with carrier + tracking number; the customer sees 已发货 and the number.
 */
let app: E2EApp;
let merchant: WatchedPage;
let customer: WatchedPage;
const { a11y } = twoPersonStage((s) => ({ app, merchant, customer } = s));

const TITLE = '纯棉圆领T恤';
// Row order of the console's SKU matrix: the first attribute varies slowest.
const SKUS = [
  { spec: { 颜色: '红', 尺码: 'M' }, price: '59.90', stock: 10 },
  { spec: { 颜色: '红', 尺码: 'L' }, price: '59.90', stock: 8 },
  { spec: { 颜色: '蓝', 尺码: 'M' }, price: '69.00', stock: 6 },
  { spec: { 颜色: '蓝', 尺码: 'L' }, price: '69.00', stock: 4 },
];

describe('express order: create product → buy on a phone → pay → ship → customer sees tracking', () => {
  let productId = '';
  let orderId = '';
  let orderNo = '';
  const phone = newPhone();
  const trackingNo = 'SF1234567890123';

  it('merchant signs in and creates a product with a 颜色 × 尺码 SKU matrix, on sale', async () => {
    const page = merchant.page;
    await consoleSignIn(merchant, app.t.url, app.login, app.password, { a11y });
    await settle(page);
    await expect.poll(() => page.url()).toMatch(/\/admin\/?$/);
    await merchant.screenshot('console-02-dashboard');
    await a11y.check(merchant, 'console dashboard');

    await consoleGo(page, app.t.url, '/products');
    await page.getByTestId('new-product').click();
    await page.waitForURL(/\/admin\/products\/new$/);
    await page.getByTestId('product-form').waitFor();
    await page.getByTestId('product-title').fill(TITLE);
    await page.getByTestId('product-subtitle').fill('新疆长绒棉,亲肤透气');

    for (const [i, [name, values]] of ([['颜色', ['红', '蓝']], ['尺码', ['M', 'L']]] as const).entries()) {
      await page.getByTestId('add-spec').click();
      await page.getByTestId(`spec-name-${i}`).fill(name);
      const input = page.getByTestId(`spec-values-${i}`).locator('input');
      for (const v of values) {
        await input.fill(v);
        await input.press('Enter');
      }
    }
    await expect.poll(() => page.locator('[data-testid^="sku-price-"]').count()).toBe(4);
    // The matrix rows must be the combinations, in the order the prices below assume.
    const rowsText = await page.getByTestId('sku-table').locator('tbody tr.ant-table-row').allInnerTexts();
    expect(rowsText.map((r) => r.replace(/\s+/g, ' ').trim().slice(0, 3))).toEqual(['红 M', '红 L', '蓝 M', '蓝 L']);
    for (const [i, s] of SKUS.entries()) {
      await page.getByTestId(`sku-price-${i}`).fill(s.price);
      await page.getByTestId(`sku-stock-${i}`).fill(String(s.stock));
    }
    await page.getByTestId('product-status-on_sale').click();
    await merchant.screenshot('console-03-product-form');
    await a11y.check(merchant, 'console product form');

    const created = page.waitForResponse((r) => r.url().endsWith('/api/admin/products') && r.request().method() === 'POST');
    await page.getByTestId('product-save').click();
    const res = await created;
    expect(res.status()).toBe(201);
    productId = (await res.json()).id;
    await page.waitForURL(/\/admin\/products$/);
    await settle(page);
    const row = page.getByTestId(`product-row-${productId}`);
    await expect.poll(() => row.innerText()).toContain(TITLE);
    await expect.poll(() => page.getByTestId(`product-onsale-${productId}`).getAttribute('aria-checked')).toBe('true');
    await merchant.screenshot('console-04-products');
    await a11y.check(merchant, 'console products list');

    // What the console saved is what the merchant typed: four SKUs, fen prices, stock.
    const detail = await app.t.call('GET', `/api/admin/products/${productId}`, { session: app.owner });
    expect(detail.body.status).toBe('on_sale');
    expect(
      detail.body.skus.map((s: any) => [s.specValues.颜色, s.specValues.尺码, s.price, s.stock.available]).sort(),
    ).toEqual(SKUS.map((s) => [s.spec.颜色, s.spec.尺码, Math.round(Number(s.price) * 100), s.stock]).sort());
  });

  it('customer on a phone signs in by SMS code and puts two SKUs in the cart', async () => {
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/`);
    const card = page.locator(`[data-testid="product-card"][data-product-id="${productId}"]`).first();
    await card.waitFor();
    await settle(page);
    // The header names the shop (GET /api/store/:shop/shop), not the generic 微商城 fallback.
    await expect.poll(() => page.getByTestId('shop-name').innerText()).toBe(`Shop ${app.slug}`);
    await customer.screenshot('shop-01-home');
    await a11y.check(customer, 'storefront home');

    await card.click();
    await page.waitForURL(new RegExp(`/products/${productId}$`));
    await expect.poll(() => page.getByTestId('product-title').innerText()).toContain(TITLE);
    await settle(page);
    await customer.screenshot('shop-02-product');
    await a11y.check(customer, 'storefront product detail');

    // Adding to the cart while signed out leads to the login page and back.
    await page.getByTestId('add-to-cart').click();
    await page.waitForURL(/\/login/);
    await customer.screenshot('shop-03-login');
    await a11y.check(customer, 'storefront login');
    await shopSignIn(customer, app.t, phone);
    await page.waitForURL(new RegExp(`/products/${productId}$`));

    await page.getByTestId('add-to-cart').click();
    await chooseSku(page, { 颜色: '红', 尺码: 'M' });
    await expect.poll(() => page.getByTestId('sku-stock').innerText()).toContain('10');
    await customer.screenshot('shop-04-sku-popup', { fullPage: false });
    await page.getByTestId('sku-confirm-cart').click();
    await page.getByTestId('sku-popup').waitFor({ state: 'hidden' });

    await page.getByTestId('add-to-cart').click();
    await chooseSku(page, { 颜色: '蓝', 尺码: 'L' });
    await page.getByTestId('sku-qty-plus').click();
    await expect.poll(() => page.getByTestId('sku-qty-input').inputValue()).toBe('2');
    await page.getByTestId('sku-confirm-cart').click();
    await page.getByTestId('sku-popup').waitFor({ state: 'hidden' });

    await page.getByTestId('go-cart').click();
    await page.waitForURL(/\/cart$/);
    await expect.poll(() => page.getByTestId('cart-line').count()).toBe(2);
    await settle(page);
    await customer.screenshot('shop-05-cart');
    await a11y.check(customer, 'storefront cart');
  });

  it('customer checks out with a new express address and pays in the sandbox cashier', async () => {
    const page = customer.page;
    await page.getByTestId('cart-checkout').click();
    await page.waitForURL(/\/checkout$/);
    await expect.poll(() => page.getByTestId('fulfilment-express').getAttribute('aria-checked')).toBe('true');
    await page.getByTestId('checkout-add-address').click();
    await page.waitForURL(/\/me\/addresses\/new/);
    await page.getByTestId('address-contactName').fill('王小明');
    // A new address starts from the phone the customer signed in with.
    await expect.poll(() => page.getByTestId('address-phone').inputValue()).toBe(phone);
    // Saving without a region names it; the picker offers only real 省 / 市 / 区.
    await page.getByTestId('address-detail').fill('文三路 90 号 3 幢 501');
    await page.getByTestId('address-save').click();
    await expect.poll(() => page.locator('.adm-form-item-feedback-error').allInnerTexts()).toContain('请选择所在地区(省 / 市 / 区)');
    await pickShopRegion(page, ['浙江省', '杭州市', '西湖区'], 'address-region', () => customer.screenshot('shop-06a-region-picker'));
    await expect.poll(() => page.getByTestId('address-region').innerText()).toBe('浙江省 杭州市 西湖区');
    await customer.screenshot('shop-06-address');
    await a11y.check(customer, 'storefront address form');
    await page.getByTestId('address-save').click();
    await page.waitForURL(/\/checkout$/);

    await expect.poll(() => page.getByTestId('checkout-address').innerText()).toContain('王小明');
    await expect.poll(() => page.getByTestId('checkout-line').count()).toBe(2);
    await expect.poll(() => page.getByTestId('submit-order').isEnabled()).toBe(true);
    // 59.90 + 2 × 69.00 = 197.90 of goods (plus whatever the shop's shipping rule adds).
    await expect.poll(() => page.getByTestId('checkout-amounts').innerText()).toContain('197.90');
    await settle(page);
    await customer.screenshot('shop-07-checkout');
    await a11y.check(customer, 'storefront checkout');

    await page.getByTestId('submit-order').click();
    await payInCashier(customer, app.slug, 'shop-08-cashier');
    orderId = orderIdOf(page.url());
    await expect.poll(() => page.getByTestId('pay-result').innerText(), { timeout: 20_000 }).toBe('支付成功');
    await customer.screenshot('shop-09-pay-result');
    await page.getByTestId('view-order').click();
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    await expect.poll(() => page.getByTestId('order-status').getAttribute('data-status')).toBe('paid');
    orderNo = (await page.getByTestId('order-no').innerText()).trim();
    expect(await page.getByTestId('order-item').count()).toBe(2);
    await settle(page);
    await customer.screenshot('shop-10-order-paid');
    await a11y.check(customer, 'storefront order detail');

    const order = await app.t.call('GET', `/api/admin/orders/${orderId}`, { session: app.owner });
    expect(order.body.status).toBe('paid');
    const lines = order.body.items.map((i: any) => `${i.specText}×${i.quantity}`).sort();
    expect(lines).toEqual([expect.stringMatching(/红.*M.*×1$/), expect.stringMatching(/蓝.*L.*×2$/)]);
    expect(order.body.paidFen).toBeGreaterThanOrEqual(19_790);
  });

  it('merchant sees the paid order and ships it with carrier and tracking number', async () => {
    const page = merchant.page;
    await consoleGo(page, app.t.url, '/orders');
    const row = page.getByTestId(`order-row-${orderNo}`);
    await row.waitFor();
    expect(await row.innerText()).toContain('待发货');
    await merchant.screenshot('console-05-orders');
    await a11y.check(merchant, 'console orders list');

    await page.getByTestId(`ship-button-${orderNo}`).click();
    // The dialog says where the parcel goes and what goes in it.
    await expect.poll(() => page.getByTestId('ship-receiver').innerText()).toBe(`王小明 ${phone}`);
    expect(await page.getByTestId('ship-address').innerText()).toBe('浙江省杭州市西湖区 文三路 90 号 3 幢 501');
    const shipLines = (await page.getByTestId('ship-line').allInnerTexts()).map((l) => l.replace(/\s+/g, ' ')).sort();
    expect(shipLines).toEqual([expect.stringMatching(/红.*M.*× 1$/), expect.stringMatching(/蓝.*L.*× 2$/)]);
    const carrier = page.getByTestId('ship-carrier');
    await carrier.click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '顺丰速运' }).click();
    await page.getByTestId('ship-tracking-no').fill(trackingNo);
    await merchant.screenshot('console-06-ship-modal', { fullPage: false });
    const shipped = page.waitForResponse((r) => r.url().endsWith(`/orders/${orderId}/ship`));
    await page.getByTestId('ship-submit').click();
    expect((await shipped).status()).toBe(200);
    await expect.poll(() => row.innerText()).toContain('已发货');

    await page.getByTestId(`order-link-${orderNo}`).click();
    await page.waitForURL(new RegExp(`/admin/orders/${orderId}$`));
    await settle(page);
    await expect.poll(() => page.getByTestId('order-detail').getAttribute('data-status')).toBe('shipped');
    expect(await page.getByTestId('order-tracking-no').innerText()).toBe(trackingNo);
    await merchant.screenshot('console-07-order-detail');
    await a11y.check(merchant, 'console order detail');

    // The dashboard counts the paid order (its figures come from the order events the worker dispatches).
    await consoleGo(page, app.t.url, '/');
    const paid = page.getByTestId('dash-today-paidFen');
    const until = Date.now() + 15_000;
    while (!(await paid.innerText()).includes('197.90') && Date.now() < until) {
      await page.waitForTimeout(500);
      await page.reload();
      await settle(page);
    }
    expect(await paid.innerText()).toContain('197.90');
    expect(await page.getByTestId('dash-today-orders').innerText()).toContain('1');
    await merchant.screenshot('console-02b-dashboard-after-order');
  });

  it('customer sees 已发货 with the tracking number on the order page', async () => {
    const page = customer.page;
    await page.reload();
    await expect.poll(() => page.getByTestId('order-status').getAttribute('data-status')).toBe('shipped');
    expect(await page.getByTestId('order-status').innerText()).toContain('已发货');
    expect(await page.getByTestId('tracking-number').innerText()).toBe(trackingNo);
    expect(await page.getByTestId('carrier-name').innerText()).toContain('顺丰');
    await settle(page);
    await customer.screenshot('shop-11-order-shipped');
    await a11y.check(customer, 'storefront order detail (shipped)');
  });
});
