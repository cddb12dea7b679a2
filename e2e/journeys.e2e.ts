import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { shopMinute } from '../apps/server/src/modules/messaging/budget.js';
import { inHoldout } from '../apps/server/src/modules/journeys/graph.js';
import { bearer, createProduct, signInCustomer, type CustomerFixture } from '../apps/server/src/testing/commerce.js';
import type { E2EApp } from './support/app.js';
import type { WatchedPage } from './support/browser.js';
import { twoPersonStage } from './support/stage.js';
import { checkoutCartAtPickup, chooseSku, consoleGo, consoleSignIn, settle } from './support/flows.js';

/**
 * Issue 15's flow (自动化营销): the merchant builds the abandoned-cart journey on the canvas from its playbook
 * (a coupon and the SMS template chosen in the inspector) and publishes it; a customer adds to the cart on
 * their phone and leaves; after the (test-shortened) hour the coupon and the reminder SMS arrive in the
 * sandbox; the customer comes back and pays; the canvas counts show it, and the customer the holdout kept
 * got nothing.
 */
let app: E2EApp;
let merchant: WatchedPage;
let customer: WatchedPage;
const { a11y } = twoPersonStage((s) => ({ app, merchant, customer } = s));

const COUPON = '回来就减 5 元';
const TEMPLATE = '购物车召回短信';
const PRODUCT = '香薰蜡烛 200g';
/** The journey engine's clock is moved this far forward to pass the hour's wait. */
let offsetMs = 0;

const admin = (method: string, path: string, body?: unknown) => app.t.call(method, `/api/admin${path}`, { session: app.owner, body });
const smsTo = async (c: CustomerFixture) =>
  ((await app.t.call('GET', `/sandbox/sms/messages?phone=${c.phone}`)).body.items as { templateId: string; text: string }[]).filter((m) => m.templateId === '1000010');
const myCoupons = async (c: CustomerFixture) => (await app.t.call('GET', `/api/store/${app.slug}/me/coupons`, { headers: bearer(c) })).body.items as { name?: string }[];

async function pick(page: Page, testId: string, text: string) {
  await page.getByTestId(testId).click();
  await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option', { hasText: text }).first().click();
}

describe('journeys: the abandoned cart built on the canvas → a coupon and an SMS after the wait → a purchase, counted against the holdout', () => {
  let journeyId = '';
  let productId = '';
  let treated: CustomerFixture;
  let held: CustomerFixture;

  it('the shop has a coupon, the sandbox SMS channel and a marketing SMS template', async () => {
    // The engine's clock moves with `offsetMs`; marketing SMS go out at noon shop time whatever hour the test runs.
    app.t.services.journeys.clock = () => new Date(Date.now() + offsetMs);
    app.t.services.dispatcher.clock = () => new Date(Date.now() + ((720 - shopMinute(new Date()) + 1440) % 1440) * 60_000);
    expect((await admin('PUT', '/messaging/channels/sms', { vendor: 'tencent', accessKeyId: 'AKIDsandbox', accessKeySecret: 'sandbox-secret-key', sdkAppId: '1400000001', signName: '思域商城' })).status).toBe(200);
    const tpl = await admin('POST', '/messaging/templates', {
      name: TEMPLATE, topic: 'promotion', channel: 'sms', vendorTemplateId: '1000010', content: '{1}火热进行中,点击{2}查看详情,拒收请回复R',
      fields: [{ key: '1', value: '{{activity}}' }, { key: '2', value: '{{link}}' }],
    });
    expect(tpl.status, JSON.stringify(tpl.body)).toBe(201);
    const coupon = await admin('POST', '/coupons', { name: COUPON, kind: 'amount_off', thresholdFen: 5000, amountOffFen: 500, validity: { type: 'relative', days: 7 }, totalQuantity: 100, perCustomerLimit: 5 });
    expect(coupon.status, JSON.stringify(coupon.body)).toBe(201);
    productId = (await createProduct(app.t, app.owner, { title: PRODUCT, priceFen: 8800, stock: 50, specs: { 香型: ['雪松'] } })).id;
    expect((await admin('POST', '/pickup-points', { name: '文三路门店', address: '文三路 478 号' })).status).toBe(201);
  });

  it('the merchant starts from the playbook, chooses the coupon and the SMS on the canvas, and publishes', async () => {
    const page = merchant.page;
    await consoleSignIn(merchant, app.t.url, app.login, app.password);
    await consoleGo(page, app.t.url, '/journeys');
    await page.getByTestId('journey-from-playbook').first().click();
    await page.getByTestId('jr-playbook-use-abandoned_cart').click();
    await page.waitForURL(/\/admin\/journeys\/[0-9a-f-]{36}$/);
    journeyId = /\/journeys\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
    await page.getByTestId('jr-node-coupon').waitFor();
    await settle(page);
    await merchant.screenshot('journey-01-playbook-canvas');

    await page.getByTestId('jr-node-coupon').click();
    await pick(page, 'jr-f-coupon', COUPON);
    await page.getByTestId('jr-node-remind').click();
    // The playbook's chain is subscribe message → template message → SMS; this shop sends SMS only.
    for (const other of ['小程序订阅消息', '公众号模板消息']) {
      await page.getByTestId('jr-f-channels').locator('.ant-select-selection-item', { hasText: other }).locator('.ant-select-selection-item-remove').click();
    }
    await pick(page, 'jr-f-template-sms', TEMPLATE);
    await page.getByTestId('jr-save').click();
    await settle(page);
    await merchant.screenshot('journey-02-send-node-inspector');
    await page.getByTestId('jr-publish').click();
    await page.getByTestId('jr-publish-ok').click();
    await expect.poll(async () => (await admin('GET', `/journeys/${journeyId}`)).body.status, { timeout: 15_000 }).toBe('live');
    const def = (await admin('GET', `/journeys/${journeyId}`)).body.definition;
    expect(def.nodes.find((n: { id: string }) => n.id === 'remind')).toMatchObject({ channels: ['sms'] });
    expect(def.holdoutPercent).toBeGreaterThan(0);
    await merchant.screenshot('journey-03-published');
    await a11y.check(merchant, 'console journey editor');
  });

  it('a customer the journey will act on adds to the cart on their phone and leaves; one the holdout keeps does the same', async () => {
    // The arm is a hash of journey and customer, so a customer of each arm is found before they shop.
    while (!treated || !held) {
      const c = await signInCustomer(app.t, app.slug);
      if (inHoldout(journeyId, c.customerId, (await admin('GET', `/journeys/${journeyId}`)).body.definition.holdoutPercent)) held ??= c;
      else treated ??= c;
    }
    for (const c of [treated, held]) {
      const consent = await app.t.call('PUT', `/api/store/${app.slug}/messages/preferences`, { headers: bearer(c), body: { refusedTopics: [], refusedChannels: [], smsMarketing: true } });
      expect(consent.status).toBe(200);
    }
    // The customer is signed in on their phone already (the sign-in itself is other flows' business; a second
    // code to the same phone within a minute would be refused).
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/`);
    await page.evaluate(([key, token]) => localStorage.setItem(key!, token!), [`siyu:shop:${app.slug}:token`, treated.token]);
    await page.goto(`${app.t.url}/s/${app.slug}/products/${productId}`);
    await page.getByTestId('add-to-cart').click();
    await chooseSku(page, { 香型: '雪松' });
    await page.getByTestId('sku-confirm-cart').click();
    await page.getByTestId('sku-popup').waitFor({ state: 'hidden' });
    await customer.screenshot('journey-04-added-to-cart');
    const skuId = (await app.t.call('GET', `/api/store/${app.slug}/products/${productId}`)).body.skus[0].id;
    expect((await app.t.call('POST', `/api/store/${app.slug}/cart/items`, { headers: bearer(held), body: { skuId, quantity: 1 } })).status).toBe(200);
    // Both are in the journey, waiting for a payment.
    await expect.poll(async () => (await admin('GET', `/journeys/${journeyId}/stats`)).body.entry?.entered, { timeout: 20_000 }).toBe(2);
    expect(await smsTo(treated)).toHaveLength(0);
  });

  it('after the hour the coupon and the reminder SMS arrive in the sandbox; the holdout customer gets nothing', async () => {
    offsetMs = 61 * 60_000;
    await expect.poll(async () => (await smsTo(treated)).length, { timeout: 30_000 }).toBe(1);
    expect((await smsTo(treated))[0]!.text).toContain('购物车');
    expect((await myCoupons(treated)).length).toBe(1);
    const page = customer.page;
    customer.allow(/Failed to load resource: .*404.*\/favicon\.ico\)$/, "the SMS inbox is the sandbox's page, not the product's; it declares no icon");
    await page.goto(`${app.t.url}/sandbox/sms/inbox?phone=${treated.phone}`);
    await expect.poll(() => page.locator('body').innerText(), { timeout: 15_000 }).toContain('购物车');
    await customer.screenshot('journey-05-sms-in-sandbox');
    await page.goto(`${app.t.url}/s/${app.slug}/me/coupons`);
    await expect.poll(() => page.locator('body').innerText(), { timeout: 15_000 }).toContain(COUPON);
    await customer.screenshot('journey-06-coupon-arrived');
    expect(await smsTo(held)).toHaveLength(0);
    expect(await myCoupons(held)).toHaveLength(0);
  });

  it('the customer comes back and pays with the coupon; the canvas counts the conversion', async () => {
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/cart`);
    await checkoutCartAtPickup(customer, app.slug);

    await expect.poll(async () => (await admin('GET', `/journeys/${journeyId}/stats`)).body.entry?.converted, { timeout: 20_000 }).toBe(1);
    const m = merchant.page;
    await consoleGo(m, app.t.url, `/journeys/${journeyId}`);
    const coupon = m.getByTestId('jr-node-coupon');
    await expect.poll(() => coupon.getByTestId('jr-badge-converted').innerText(), { timeout: 20_000 }).toContain('1');
    expect(await coupon.getByTestId('jr-badge-entered').innerText()).toContain('1');
    await merchant.screenshot('journey-07-canvas-counts');
    await m.getByRole('tab', { name: '效果' }).click();
    await m.getByTestId('jr-result').waitFor();
    await expect.poll(() => m.getByTestId('jr-result-treatment').innerText(), { timeout: 15_000 }).toContain('1');
    await merchant.screenshot('journey-08-result-vs-holdout');
    // The holdout customer: in the journey, never acted on.
    const stats = (await admin('GET', `/journeys/${journeyId}/stats`)).body;
    expect(stats.entry).toMatchObject({ entered: 2, holdout: 1 });
    expect(stats.result.arms.treatment).toMatchObject({ customers: 1, converted: 1, orders: 1 });
    expect(stats.result.arms.holdout).toMatchObject({ customers: 1, converted: 0 });
    expect(await smsTo(held)).toHaveLength(0);
  });
});
