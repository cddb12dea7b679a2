import { describe, expect, it } from 'vitest';
import { createProduct } from '../apps/server/src/testing/commerce.js';
import { newPhone, type E2EApp } from './support/app.js';
import type { WatchedPage } from './support/browser.js';
import { twoPersonStage } from './support/stage.js';
import { consoleGo, consoleSignIn, payInCashier, settle, shopSignIn } from './support/flows.js';

/**
 * Retention flow: a customer earns points by paying (and reaches 银卡), checks in, redeems a points-mall
 * coupon; the merchant sees the balance, the ledger and the level on the customer's profile.
 */
let app: E2EApp;
let merchant: WatchedPage;
let customer: WatchedPage;
const { a11y } = twoPersonStage((s) => ({ app, merchant, customer } = s));

describe('points: earn by paying → check in → redeem in the points mall → the merchant sees it all', () => {
  let productId = '';
  let itemId = '';
  const phone = newPhone();

  it('the shop sets points rules, levels and a points-mall coupon', async () => {
    const own = { session: app.owner };
    const rules = await app.t.call('PUT', '/api/admin/points/rules', { ...own, body: { enabled: true, earnPerYuan: 1, signupPoints: 0, checkinPoints: 5, checkinStreakBonus: [{ day: 7, bonus: 20 }], pointsPerYuan: 100, maxDeductPercent: 50, expiry: 'end_of_next_year', expiryDays: null } });
    expect(rules.status).toBe(200);
    const levels = await app.t.call('PUT', '/api/admin/members/levels', { ...own, body: { metric: 'spend', period: 'all', levels: [{ rank: 1, name: '银卡', threshold: 10_000, percentPaid: null, freeShipping: false, monthlyPackId: null }] } });
    expect(levels.status).toBe(200);
    const tpl = await app.t.call('POST', '/api/admin/coupons', { ...own, body: { name: '积分换5元券', kind: 'no_threshold', amountOffFen: 500, validity: { type: 'relative', days: 30 }, totalQuantity: 100, claimable: false } });
    const item = await app.t.call('POST', '/api/admin/points/mall', { ...own, body: { title: '5元无门槛券', couponTemplateId: tpl.body.id, points: 100, stock: 10 } });
    expect(item.status).toBe(201);
    itemId = item.body.id;
    productId = (await createProduct(app.t, app.owner, { title: '桂花乌龙', priceFen: 12_000, stock: 10 })).id;
    expect((await app.t.call('POST', '/api/admin/pickup-points', { ...own, body: { name: '城西门店', address: '杭州市西湖区文一路 1 号' } })).status).toBe(201);
  });

  it('a customer pays ¥120 and sees 120 points', async () => {
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/products/${productId}`);
    await page.getByTestId('buy-now').click();
    await page.waitForURL(/\/login/);
    await shopSignIn(customer, app.t, phone);
    await page.waitForURL(new RegExp(`/products/${productId}$`));
    await page.getByTestId('buy-now').click();
    await page.getByTestId('sku-confirm-buy').click();
    await page.waitForURL(/\/checkout$/);
    await page.getByTestId('fulfilment-pickup').click();
    await expect.poll(() => page.getByTestId('checkout-amounts').innerText()).toContain('120.00');
    await expect.poll(() => page.getByTestId('submit-order').isEnabled()).toBe(true);
    await page.getByTestId('submit-order').click();
    await payInCashier(customer, app.slug);
    await expect.poll(() => page.getByTestId('pay-result').innerText(), { timeout: 20_000 }).toBe('支付成功');

    // Points arrive through the outbox a moment after the payment.
    await page.goto(`${app.t.url}/s/${app.slug}/me/points`);
    await expect.poll(async () => {
      await page.reload();
      return (await page.getByTestId('points-balance').innerText()).replace(/\D/g, '');
    }, { timeout: 20_000 }).toBe('120');
    await settle(page);
    await customer.screenshot('shop-19-points');
    await a11y.check(customer, 'storefront my points');
  });

  it('checks in for 5 points', async () => {
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/me/check-in`);
    await page.getByTestId('check-in-button').click();
    await expect.poll(() => page.getByTestId('check-in-streak').innerText()).toContain('1');
    await settle(page);
    await customer.screenshot('shop-20-check-in');
    await a11y.check(customer, 'storefront check-in');
  });

  it('redeems a coupon in the points mall for 100 points', async () => {
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/points-mall`);
    await expect.poll(async () => (await page.getByTestId('mall-balance').innerText()).replace(/\D/g, '')).toBe('125');
    const item = page.getByTestId('mall-item').filter({ hasText: '5元无门槛券' });
    await item.getByTestId('mall-redeem').click();
    await page.getByRole('button', { name: '确认兑换' }).click();
    await page.getByTestId('mall-notice').waitFor();
    await expect.poll(async () => (await page.getByTestId('mall-balance').innerText()).replace(/\D/g, '')).toBe('25');
    await settle(page);
    await customer.screenshot('shop-21-points-mall');
    await a11y.check(customer, 'storefront points mall');
    const redeemed = await app.t.call('GET', '/api/admin/points/mall', { session: app.owner });
    expect(redeemed.body.items.find((i: { id: string }) => i.id === itemId)).toMatchObject({ stock: 9, redeemed: 1 });
  });

  it("the merchant sees balance, ledger and level on the customer's profile", async () => {
    const found = await app.t.call('GET', `/api/admin/customers?q=${phone}`, { session: app.owner });
    const customerId = found.body.items[0].id as string;
    const page = merchant.page;
    await consoleSignIn(merchant, app.t.url, app.login, app.password);
    await consoleGo(page, app.t.url, `/customers/${customerId}`);
    const card = page.getByTestId('customer-points');
    await expect.poll(async () => (await card.getByTestId('points-balance').innerText()).replace(/\D/g, '')).toBe('25');
    const text = await card.innerText();
    for (const label of ['购物获得', '签到', '积分兑换']) expect(text).toContain(label);
    await expect.poll(() => page.getByTestId('member-level').innerText()).toContain('银卡');
    await settle(page);
    await merchant.screenshot('console-17-customer-points');
    await a11y.check(merchant, 'console customer profile with points and level');
  });
});
