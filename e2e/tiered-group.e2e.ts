import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bearer, createProduct, payOrder, signInCustomer, type CustomerFixture } from '../apps/server/src/testing/commerce.js';
import type { E2EApp } from './support/app.js';
import type { WatchedPage } from './support/browser.js';
import { twoPersonStage } from './support/stage.js';
import { consoleGo, consoleSignIn, settle } from './support/flows.js';

/**
 * 阶梯团 in Chromium: the merchant makes a tiered group buy in the console (2 人 ¥59, 3 人 ¥49); three customers
 * join one group (the buying itself through the API, as the group-of-two flow in fission.e2e.ts already drives
 * checkout and the cashier); the group page shows the ladder while the group grows; once its time is up the
 * group is settled and each member sees the ¥10 difference that came back, and the console shows the tier.
 */
let app: E2EApp;
let merchant: WatchedPage;
let customer: WatchedPage;
const { a11y } = twoPersonStage((s) => ({ app, merchant, customer } = s));

const HOUR = 3_600_000;
const fmt = (d: Date) => {
  const bj = new Date(d.getTime() + 8 * HOUR);
  return bj.toISOString().slice(0, 16).replace('T', ' ');
};

describe('阶梯团: tiers in the console, the ladder on the phone, the difference back after settlement', () => {
  let productId = '';
  let skuId = '';
  let groupBuyId = '';
  let groupId = '';
  const buyers: { c: CustomerFixture; orderId: string }[] = [];
  let pickupPointId = '';

  it('the merchant makes a tiered group buy of 2 / 3 people', async () => {
    pickupPointId = (await app.t.call('POST', '/api/admin/pickup-points', { session: app.owner, body: { name: '文三路门店', address: '文三路 478 号' } })).body.id;
    const product = await createProduct(app.t, app.owner, { title: '赣南脐橙 5 斤', priceFen: 6_900, stock: 50 });
    productId = product.id;
    skuId = product.skus[0].id;
    await consoleSignIn(merchant, app.t.url, app.login, app.password);
    const page = merchant.page;
    await consoleGo(page, app.t.url, '/group-buys/new');
    await page.getByTestId('groupbuy-name').fill('脐橙阶梯团');
    // The range picker takes typed times, as a merchant with the keyboard would enter them.
    const range = page.locator('.ant-picker-range').first();
    const [from, to] = [fmt(new Date(Date.now() - 60_000)), fmt(new Date(Date.now() + 48 * HOUR))];
    await range.locator('input').first().click();
    await range.locator('input').first().fill(from);
    await page.keyboard.press('Enter');
    await range.locator('input').nth(1).fill(to);
    await page.keyboard.press('Enter');
    await expect.poll(() => range.locator('input').nth(1).inputValue()).toBe(to);
    await page.getByTestId('groupbuy-product').click();
    await page.getByTestId('product-picker-table').getByText('赣南脐橙 5 斤').click();
    await page.getByTestId('product-picker-ok').click();
    await page.getByTestId('groupbuy-tiered').click();
    // Three tiers by default (2 / 3 / 5): take the last one away.
    await page.getByRole('button', { name: '删除第 3 档' }).click();
    await expect.poll(() => page.getByTestId('groupbuy-tier-size-1').inputValue()).toBe('3');
    await page.getByTestId('groupbuy-tier-price-0').fill('59');
    await page.getByTestId('groupbuy-tier-price-1').fill('59');
    // The second tier must cost less: the form says so on the field before anything is sent.
    await page.getByTestId('groupbuy-save').click();
    await expect.poll(() => page.getByText('每档价格须低于上一档').count()).toBeGreaterThan(0);
    await page.getByTestId('groupbuy-tier-price-1').fill('49');
    await settle(page);
    await merchant.screenshot('console-tiered-01-form');
    await a11y.check(merchant, 'console tiered group form');
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/admin/group-buys') && r.request().method() === 'POST');
    await page.getByTestId('groupbuy-save').click();
    const res = await saved;
    expect(res.status()).toBe(201);
    const body = await res.json();
    groupBuyId = body.id;
    expect(body).toMatchObject({ tierSizes: [2, 3], groupSize: 3, leaderMode: 'same', items: [expect.objectContaining({ groupPriceFen: 5_900, tierPricesFen: [5_900, 4_900] })] });
    await page.waitForURL(new RegExp(`/group-buys/${groupBuyId}$`));
    await expect.poll(() => page.getByTestId('groupbuy-tiered-tag').innerText()).toContain('2 / 3');
  });

  /** A customer who bought through the API, on the phone: their session is the one the shop keeps in localStorage. */
  async function asCustomer(c: CustomerFixture, path: string) {
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/`);
    await page.evaluate(([k, v]) => localStorage.setItem(k!, v!), [`siyu:shop:${app.slug}:token`, c.token]);
    await page.goto(`${app.t.url}/s/${app.slug}${path}`);
  }

  async function join(c: CustomerFixture) {
    const placed = await app.t.call('POST', `/api/store/${app.slug}/orders`, {
      headers: bearer(c, { 'idempotency-key': randomUUID() }),
      body: { items: [{ skuId, quantity: 1 }], fulfilment: 'pickup', pickupPointId, groupBuy: { groupBuyId, ...(groupId ? { groupId } : {}) } },
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    await payOrder(app.t, app.slug, c, placed.body.id);
    buyers.push({ c, orderId: placed.body.id });
    if (!groupId) groupId = (await app.t.call('GET', `/api/store/${app.slug}/me/group-buys`, { headers: bearer(c) })).body.items[0].groupId;
  }

  it('two customers form the group; the first sees the ladder and what one more friend would save', async () => {
    await join(await signInCustomer(app.t, app.slug));
    await join(await signInCustomer(app.t, app.slug));
    const page = customer.page;
    // A visitor on the product page: the ladder, the rule, and the formed group still open to join.
    await page.goto(`${app.t.url}/s/${app.slug}/products/${productId}`);
    await expect.poll(() => page.getByTestId('product-group-tiers').innerText()).toContain('3人团 ¥49.00');
    expect(await page.getByTestId('product-group-tier-rule').innerText()).toContain('差价自动退回');
    await expect.poll(() => page.locator('[data-testid="open-group-line"][data-formed="true"]').count()).toBe(1);
    await settle(page);
    await customer.screenshot('shop-tiered-00-product');
    await asCustomer(buyers[0]!.c, `/group-buys/groups/${groupId}`);
    await expect.poll(() => page.getByTestId('group-tier-status').innerText()).toContain('已成团');
    expect(await page.getByTestId('group-tier-status').innerText()).toContain('再邀 1 人降至 ¥49.00');
    expect(await page.getByTestId('group-tier').count()).toBe(2);
    expect(await page.getByTestId('group-tier').first().getAttribute('data-reached')).toBe('true');
    // Formed: the order is no longer held for the group.
    const order = await app.t.call('GET', `/api/store/${app.slug}/orders/${buyers[0]!.orderId}`, { headers: bearer(buyers[0]!.c) });
    expect(order.body.fulfilmentHold).toBeNull();
    await settle(page);
    await customer.screenshot('shop-tiered-01-group-growing');
    await a11y.check(customer, 'storefront tiered group growing');
  });

  it('a third joins: the group is full, settled at ¥49, and each member sees ¥10 come back', async () => {
    await join(await signInCustomer(app.t, app.slug));
    // The full group's settlement is a job the app's worker runs; the refunds then go through the sandbox's WeChat Pay.
    await expect.poll(async () => (await app.t.call('GET', `/api/store/${app.slug}/group-buys/groups/${groupId}`)).body.settledAt, { timeout: 30_000 }).not.toBeNull();
    for (const b of buyers) {
      await expect.poll(async () => (await app.t.call('GET', `/api/store/${app.slug}/orders/${b.orderId}`, { headers: bearer(b.c) })).body.refundedFen, { timeout: 30_000 }).toBe(1_000);
    }
    const page = customer.page;
    await page.reload();
    await expect.poll(() => page.getByTestId('group-tier-refund').innerText()).toContain('差价 ¥10.00 已原路退回');
    expect(await page.getByTestId('group-tier-status').innerText()).toContain('已按 3 人团价结算');
    await settle(page);
    await customer.screenshot('shop-tiered-02-group-settled');
    await a11y.check(customer, 'storefront tiered group settled');

    await page.goto(`${app.t.url}/s/${app.slug}/orders/${buyers[0]!.orderId}`);
    await expect.poll(() => page.locator('[data-testid="refund"][data-price-difference="true"]').innerText()).toContain('差价退款');
    await settle(page);
    await customer.screenshot('shop-tiered-03-order-difference');

    const console = merchant.page;
    await consoleGo(console, app.t.url, `/group-buys/${groupBuyId}`);
    await expect.poll(() => console.getByTestId(`group-tier-${groupId}`).innerText()).toContain('已达 3 人档');
    await expect.poll(() => console.getByTestId('group-member-tier-refund').count()).toBe(3);
    expect(await console.getByTestId('group-member-tier-refund').first().innerText()).toBe('退差价 ¥10.00');
    await settle(console);
    await merchant.screenshot('console-tiered-02-groups');
    await a11y.check(merchant, 'console tiered groups');
  });
});
