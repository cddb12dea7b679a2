import { describe, expect, it } from 'vitest';
import { gradientPng } from '../apps/server/src/app/demo-images.js';
import { bearer, signInCustomer } from '../apps/server/src/testing/commerce.js';
import { newPhone, smsCode, type E2EApp } from './support/app.js';
import { newContext, watchedPage, type WatchedPage } from './support/browser.js';
import { twoPersonStage } from './support/stage.js';
import { consoleGo, settle } from './support/flows.js';

/**
 * Issue 11: a merchant signs up in the console with a phone and an SMS code, creates a shop (name,
 * address, logo, contact phone), follows the first-steps checklist to add a product and sees it in the
 * shop's own storefront; the platform operator signs in to the platform area and suspends the shop: its
 * storefront says 店铺暂停营业 and takes no orders, and its staff see a banner. The merchant then resets a
 * forgotten password by SMS code from the sign-in page.
 */
let app: E2EApp;
let merchant: WatchedPage;
let customer: WatchedPage;
let operator: WatchedPage;
const stage = twoPersonStage((s) => ({ app, merchant, customer } = s));
const { a11y } = stage;

const OPERATOR = { login: 'platform-ops', password: 'operator-password-1' };
const SHOP = { name: '茶语小铺', slug: `tea-${process.pid}`, phone: '0571-88886666' };
const PRODUCT = '明前龙井 250g';

describe('onboarding: sign up → create a shop → first product in its storefront → the operator suspends it', () => {
  const phone = newPhone();
  let shopId = '';
  let skuId = '';

  it('a merchant signs up with a phone and an SMS code', async () => {
    const page = merchant.page;
    await page.goto(`${app.t.url}/admin/`);
    await page.waitForURL(/\/admin\/sign-in/);
    await page.getByTestId('signin-sign-up').click();
    await page.waitForURL(/\/admin\/sign-up$/);
    await page.getByTestId('signup-form').waitFor();
    await settle(page);
    await merchant.screenshot('console-60-sign-up');
    await a11y.check(merchant, 'console sign-up');

    await page.getByTestId('signup-phone').fill(phone);
    await page.getByTestId('signup-send-code').click();
    await page.getByTestId('signup-notice').waitFor();
    await expect.poll(() => page.getByTestId('signup-send-code').innerText()).toMatch(/秒后重发/);
    await page.getByTestId('signup-code').fill(await smsCode(app.t, phone));
    await page.getByTestId('signup-password').fill('my-shop-pass-1');
    await page.getByTestId('signup-confirm').fill('my-shop-pass-1');
    await page.getByTestId('signup-name').fill('王老板');
    await merchant.screenshot('console-61-sign-up-filled');
    await page.getByTestId('signup-submit').click();
    await page.waitForURL(/\/admin\/onboarding\/create-shop$/);
  });

  it('creates the shop with name, address, logo and contact phone, and lands on the checklist', async () => {
    const page = merchant.page;
    await page.getByTestId('create-shop-form').waitFor();
    await page.getByTestId('create-shop-name').fill(SHOP.name);
    // A reserved address is refused as it is typed.
    await page.getByTestId('create-shop-slug').fill('admin');
    await expect.poll(() => page.getByText('这个地址为系统保留').count()).toBeGreaterThan(0);
    await page.getByTestId('create-shop-slug').fill(SHOP.slug);
    await page.getByText('这个地址可以使用').waitFor();
    await page.locator('input[type="file"]').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: gradientPng([21, 91, 212], [79, 141, 245], 160) });
    await page.locator('.onb-logo img').waitFor();
    await page.getByTestId('create-shop-phone').fill(SHOP.phone);
    await settle(page);
    await merchant.screenshot('console-62-create-shop');
    await a11y.check(merchant, 'console create shop');

    const created = page.waitForResponse((r) => r.url().endsWith('/api/admin/sign-up/shop') && r.request().method() === 'POST');
    await page.getByTestId('create-shop-submit').click();
    const res = await created;
    expect(res.status()).toBe(201);
    shopId = (await res.json()).shop.id;
    await page.waitForURL((u) => /\/admin\/?$/.test(u.pathname));
    const checklist = page.getByTestId('onboarding-checklist');
    await checklist.waitFor();
    await expect.poll(() => page.getByTestId('shop-name').innerText()).toContain(SHOP.name);
    await expect.poll(() => page.locator('[data-testid="shop-name"] img').count()).toBe(1);
    for (const key of ['wechat_pay', 'first_product', 'first_coupon']) expect(await page.getByTestId(`onboarding-step-${key}`).getAttribute('data-done')).toBe('false');
    await settle(page);
    await merchant.screenshot('console-63-checklist');
    await a11y.check(merchant, 'console dashboard with checklist');

    const shop = await app.t.call('GET', `/api/store/${SHOP.slug}/shop`);
    expect(shop.body).toMatchObject({ name: SHOP.name, servicePhone: SHOP.phone, status: 'active' });
    expect(shop.body.logoUrl).toMatch(/^\/media\//);
  });

  it('follows the checklist to add a product, and sees it in its own storefront', async () => {
    const page = merchant.page;
    await page.getByTestId('onboarding-go-first_product').click();
    await page.waitForURL(/\/admin\/products\/new$/);
    await page.getByTestId('product-form').waitFor();
    await page.getByTestId('product-title').fill(PRODUCT);
    await page.getByTestId('sku-price-0').fill('168');
    await page.getByTestId('sku-stock-0').fill('20');
    await page.getByTestId('product-status-on_sale').click();
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/admin/products') && r.request().method() === 'POST');
    await page.getByTestId('product-save').click();
    const res = await saved;
    expect(res.status()).toBe(201);
    skuId = (await res.json()).skus[0].id;
    await page.waitForURL(/\/admin\/products$/);

    await consoleGo(page, app.t.url, '/');
    await expect.poll(() => page.getByTestId('onboarding-step-first_product').getAttribute('data-done')).toBe('true');
    expect(await page.getByTestId('onboarding-step-first_coupon').getAttribute('data-done')).toBe('false');
    await merchant.screenshot('console-64-checklist-product-done');

    const shopPage = customer.page;
    await shopPage.goto(`${app.t.url}/s/${SHOP.slug}/`);
    const card = shopPage.getByTestId('product-card').filter({ hasText: PRODUCT });
    await card.first().waitFor();
    await expect.poll(() => shopPage.title()).toContain(SHOP.name);
    await settle(shopPage);
    await customer.screenshot('shop-60-new-shop-home');
    await a11y.check(customer, 'storefront of the new shop');
  });

  it('the platform operator signs in, finds the shop and suspends it with a public reason', async () => {
    await app.t.services.operators.set(OPERATOR);
    operator = await watchedPage(await newContext(stage.browser, 'console'), 'platform');
    const page = operator.page;
    await page.goto(`${app.t.url}/admin/platform/`);
    await page.waitForURL(/\/admin\/platform\/sign-in$/);
    await page.getByTestId('platform-signin-form').waitFor();
    await settle(page);
    await operator.screenshot('platform-01-sign-in');
    await a11y.check(operator, 'platform sign-in');
    await page.getByTestId('platform-signin-login').fill(OPERATOR.login);
    await page.getByTestId('platform-signin-password').fill(OPERATOR.password);
    await page.getByTestId('platform-signin-submit').click();
    await page.waitForURL(/\/admin\/platform$/);

    const row = page.getByTestId(`platform-shop-${SHOP.slug}`);
    await row.waitFor();
    expect(await row.innerText()).toMatch(new RegExp(`${SHOP.name}[\\s\\S]*王老板[\\s\\S]*${phone}[\\s\\S]*营业中`));
    await settle(page);
    await operator.screenshot('platform-02-shops');
    await a11y.check(operator, 'platform shop list');

    // Before the suspension, a customer of the shop is signed in and could order.
    const buyer = await signInCustomer(app.t, SHOP.slug);

    await row.getByTestId('platform-suspend').click();
    await page.getByTestId('platform-status-reason').fill('店铺资质待补充,补充后恢复营业');
    await page.getByTestId('platform-status-public').click();
    await operator.screenshot('platform-03-suspend');
    await a11y.check(operator, 'platform suspend dialog');
    await page.getByTestId('platform-status-confirm').click();
    await expect.poll(() => row.getByTestId('platform-shop-status').innerText()).toBe('已暂停');
    await settle(page);
    await operator.screenshot('platform-04-suspended');

    // The storefront takes no orders from that moment.
    const order = await app.t.call('POST', `/api/store/${SHOP.slug}/orders`, { headers: bearer(buyer, { 'accept-language': 'zh-CN' }), body: { items: [{ skuId, quantity: 1 }], fulfilment: 'express' } });
    expect(order.status).toBe(403);
    expect(order.body.error).toMatchObject({ code: 'SHOP_SUSPENDED', message: '店铺暂停营业,暂不能下单' });

    await page.getByTestId('platform-shop-link').filter({ hasText: SHOP.name }).click();
    await page.getByTestId('platform-shop-suspended').waitFor();
    await settle(page);
    await operator.screenshot('platform-05-shop-detail');
    await a11y.check(operator, 'platform shop detail');
    const log = await app.t.services.operators.auditLog({ limit: 10, shopId });
    expect(log.map((e) => e.action)).toEqual(['shop.suspend']);
    operator.assertClean();
  });

  it('the storefront says 店铺暂停营业 with the reason, and the staff see a banner', async () => {
    const shopPage = customer.page;
    await shopPage.goto(`${app.t.url}/s/${SHOP.slug}/`);
    await shopPage.getByTestId('shop-suspended').waitFor();
    expect(await shopPage.getByRole('heading', { level: 1 }).innerText()).toBe('店铺暂停营业');
    expect(await shopPage.getByTestId('shop-suspended-reason').innerText()).toContain('店铺资质待补充');
    expect(await shopPage.getByTestId('product-card').count()).toBe(0);
    await settle(shopPage);
    await customer.screenshot('shop-61-suspended');
    await a11y.check(customer, 'storefront suspended');

    const page = merchant.page;
    await consoleGo(page, app.t.url, '/');
    await page.getByTestId('shop-suspended-banner').waitFor();
    expect(await page.getByTestId('shop-suspended-banner').innerText()).toContain('店铺资质待补充');
    await merchant.screenshot('console-65-suspended-banner');
    await a11y.check(merchant, 'console with suspended banner');
    await operator.page.context().close();
  });

  it('the merchant who forgot the password resets it by SMS code from the sign-in page', async () => {
    const page = merchant.page;
    await page.getByTestId('account-menu').hover();
    await page.getByTestId('sign-out').click();
    await page.waitForURL(/\/admin\/sign-in$/);
    await page.getByTestId('signin-forgot').click();
    await page.waitForURL(/\/admin\/forgot-password$/);
    await page.getByTestId('reset-form').waitFor();
    // The sign-up code went to this phone minutes ago in real life; the run is faster than the resend interval.
    await app.t.platform.hot.del(`sms:resend:platform:${phone}`);
    const before = (await app.t.call('GET', `/sandbox/sms/messages?phone=${phone}`)).body.items.length;
    await page.getByTestId('reset-login').fill(phone);
    await page.getByTestId('reset-send-code').click();
    await page.getByTestId('reset-sent').waitFor();
    await page.getByTestId('reset-code').fill(await smsCode(app.t, phone, before));
    await page.getByTestId('reset-password').fill('new-shop-pass-2');
    await page.getByTestId('reset-confirm').fill('new-shop-pass-2');
    await settle(page);
    await merchant.screenshot('console-66-forgot-password');
    await a11y.check(merchant, 'console forgot password');
    await page.getByTestId('reset-submit').click();
    await page.getByTestId('reset-done').waitFor();
    expect(await page.getByTestId('reset-done').innerText()).toContain(phone);
    await page.getByTestId('reset-to-signin').click();
    await page.getByTestId('signin-login').fill(phone);
    await page.getByTestId('signin-password').fill('new-shop-pass-2');
    await page.getByTestId('signin-submit').click();
    await page.waitForURL((u) => /\/admin\/?$/.test(u.pathname));
    await page.getByTestId('shop-suspended-banner').waitFor();
  });
});
