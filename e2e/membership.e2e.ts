import { describe, expect, it } from 'vitest';
import { createProduct } from '../apps/server/src/testing/commerce.js';
import { newPhone, type E2EApp } from './support/app.js';
import type { WatchedPage } from './support/browser.js';
import { twoPersonStage } from './support/stage.js';
import { consoleGo, consoleSignIn, payInCashier, settle, shopSignIn } from './support/flows.js';

/**
 * The retention loop of issue 5 on a phone: top up ¥100 and get ¥20, pay an order with the balance alone,
 * earn points for it, check in, redeem a points-mall item — and the merchant sees balance, ledgers and
 * points on the customer's profile.
 */
let app: E2EApp;
let merchant: WatchedPage;
let customer: WatchedPage;
const { a11y } = twoPersonStage((s) => ({ app, merchant, customer } = s));
const digits = (s: string) => s.replace(/[^\d.]/g, '');

describe('membership: top up → pay with balance → points → check in → redeem → the merchant sees it all', () => {
  let productId = '';
  const phone = newPhone();

  it('the shop offers 充100送20, points rules and a points-mall coupon', async () => {
    const own = { session: app.owner };
    expect((await app.t.call('PUT', '/api/admin/points/rules', { ...own, body: { enabled: true, earnPerYuan: 1, signupPoints: 0, checkinPoints: 5, checkinStreakBonus: [], pointsPerYuan: 100, maxDeductPercent: 50, expiry: 'end_of_next_year', expiryDays: null } })).status).toBe(200);
    expect((await app.t.call('POST', '/api/admin/stored-value/plans', { ...own, body: { name: '充100送20', amountFen: 10_000, bonusFen: 2_000 } })).status).toBe(201);
    const tpl = await app.t.call('POST', '/api/admin/coupons', { ...own, body: { name: '积分换3元券', kind: 'no_threshold', amountOffFen: 300, validity: { type: 'relative', days: 30 }, totalQuantity: 100, claimable: false } });
    expect((await app.t.call('POST', '/api/admin/points/mall', { ...own, body: { title: '3元无门槛券', couponTemplateId: tpl.body.id, points: 50, stock: 10 } })).status).toBe(201);
    productId = (await createProduct(app.t, app.owner, { title: '明前龙井', priceFen: 8_000, stock: 10 })).id;
    expect((await app.t.call('POST', '/api/admin/pickup-points', { ...own, body: { name: '城西门店', address: '杭州市西湖区文一路 1 号' } })).status).toBe(201);
  });

  it('a customer tops up ¥100 and gets ¥120 of balance', async () => {
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/me/balance/top-up`);
    await page.waitForURL(/\/login/);
    await shopSignIn(customer, app.t, phone);
    await page.waitForURL(/\/me\/balance\/top-up/);
    const plan = page.getByTestId('top-up-plan').filter({ hasText: '充100送20' });
    await plan.click();
    await settle(page);
    await customer.screenshot('shop-30-top-up');
    await a11y.check(customer, 'storefront top-up');
    await page.getByTestId('top-up-pay').click();
    await payInCashier(customer, app.slug, undefined, /\/me\/balance\/top-up\/result\?id=[0-9a-f-]{36}/);
    await expect.poll(async () => digits(await page.getByTestId('top-up-new-balance').innerText()), { timeout: 20_000 }).toBe('120.00');
    await settle(page);
    await customer.screenshot('shop-31-top-up-result');
    await a11y.check(customer, 'storefront top-up result');
    await page.goto(`${app.t.url}/s/${app.slug}/me/balance`);
    await expect.poll(async () => digits(await page.getByTestId('balance-total').innerText())).toBe('120.00');
    expect(await page.getByTestId('balance-split').innerText()).toMatch(/100\.00[\s\S]*20\.00/);
    await settle(page);
    await customer.screenshot('shop-32-balance');
    await a11y.check(customer, 'storefront my balance');
  });

  it('pays an ¥80 order with the balance alone: paid at once, no WeChat Pay', async () => {
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/products/${productId}`);
    await page.getByTestId('buy-now').click();
    await page.getByTestId('sku-confirm-buy').click();
    await page.waitForURL(/\/checkout$/);
    await page.getByTestId('fulfilment-pickup').click();
    await expect.poll(() => page.getByTestId('checkout-balance-text').innerText()).toContain('120.00');
    await page.getByTestId('checkout-balance-switch').click();
    await expect.poll(async () => digits(await page.getByTestId('checkout-balance-paid').innerText())).toBe('80.00');
    await settle(page);
    await customer.screenshot('shop-33-checkout-balance');
    await a11y.check(customer, 'storefront checkout paying with balance');
    await expect.poll(() => page.getByTestId('submit-order').isEnabled()).toBe(true);
    await page.getByTestId('submit-order').click();
    await expect.poll(() => page.getByTestId('pay-result').innerText(), { timeout: 20_000 }).toBe('支付成功');
    expect(page.url()).not.toContain('/sandbox/');
    await page.goto(`${app.t.url}/s/${app.slug}/me/balance`);
    await expect.poll(async () => digits(await page.getByTestId('balance-total').innerText())).toBe('40.00');
  });

  it('earns 80 points for it, checks in for 5 and redeems a coupon for 50', async () => {
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/me/points`);
    await expect.poll(async () => {
      await page.reload();
      return (await page.getByTestId('points-balance').innerText()).replace(/\D/g, '');
    }, { timeout: 20_000 }).toBe('80');
    await page.goto(`${app.t.url}/s/${app.slug}/me/check-in`);
    await page.getByTestId('check-in-button').click();
    await expect.poll(() => page.getByTestId('check-in-streak').innerText()).toContain('1');
    await page.goto(`${app.t.url}/s/${app.slug}/points-mall`);
    await expect.poll(async () => (await page.getByTestId('mall-balance').innerText()).replace(/\D/g, '')).toBe('85');
    const item = page.getByTestId('mall-item').filter({ hasText: '3元无门槛券' });
    await item.getByTestId('mall-redeem').click();
    await page.getByRole('button', { name: '确认兑换' }).click();
    await page.getByTestId('mall-notice').waitFor();
    await expect.poll(async () => (await page.getByTestId('mall-balance').innerText()).replace(/\D/g, '')).toBe('35');
  });

  it("the merchant sees the balance, its statement and the points on the customer's profile", async () => {
    const found = await app.t.call('GET', `/api/admin/customers?q=${phone}`, { session: app.owner });
    const customerId = found.body.items[0].id as string;
    const page = merchant.page;
    await consoleSignIn(merchant, app.t.url, app.login, app.password);
    await consoleGo(page, app.t.url, `/customers/${customerId}`);
    const sv = page.getByTestId('customer-stored-value');
    await expect.poll(async () => digits(await sv.getByTestId('sv-balance').innerText())).toBe('40.00');
    const ledger = await sv.getByTestId('sv-ledger').innerText();
    for (const label of ['充值', '消费']) expect(ledger).toContain(label);
    const points = page.getByTestId('customer-points');
    await expect.poll(async () => (await points.getByTestId('points-balance').innerText()).replace(/\D/g, '')).toBe('35');
    const pointsText = await points.innerText();
    for (const label of ['购物获得', '签到', '积分兑换']) expect(pointsText).toContain(label);
    // A staff correction through the adjust modal: ¥1 of bonus taken back, the balance follows.
    await sv.getByTestId('sv-adjust').click();
    await page.getByTestId('sv-adjust-bonus').fill('-1');
    await page.getByTestId('sv-adjust-reason').fill('多送了一元');
    await page.getByTestId('sv-adjust-submit').click();
    await expect.poll(async () => digits(await sv.getByTestId('sv-balance').innerText())).toBe('39.00');
    await settle(page);
    await merchant.screenshot('console-30-customer-balance-points');
    await a11y.check(merchant, 'console customer profile with balance and points');

    await consoleGo(page, app.t.url, '/stored-value');
    await expect.poll(async () => (await page.getByTestId('sv-overview').innerText()).includes('100.00')).toBe(true);
    await settle(page);
    await merchant.screenshot('console-31-stored-value');
    await a11y.check(merchant, 'console stored value');
  });
});
