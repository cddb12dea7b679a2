import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createProduct, signInCustomer } from '../apps/server/src/testing/commerce.js';
import { newPhone, type E2EApp } from './support/app.js';
import type { WatchedPage } from './support/browser.js';
import { twoPersonStage } from './support/stage.js';
import { checkoutCartAtPickup, chooseSku, consoleGo, consoleSignIn, settle, shopSignIn } from './support/flows.js';

/**
 * Issue 13's flow: a customer arrives from a poster (utm), browses, views a product, adds it to the cart
 * and pays, all recorded by the storefront's SDK and the mall's own events; the console's funnel shows the
 * four steps, the people who dropped off are saved as a customer group, and the buyer's 360 timeline
 * shows what they did.
 */
let app: E2EApp;
let merchant: WatchedPage;
let customer: WatchedPage;
const { a11y } = twoPersonStage((s) => ({ app, merchant, customer } = s));

const FUNNEL = ['$pageview', 'product_viewed', 'product_added', 'order_paid'];
const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
const monthAgo = () => new Date(Date.now() + 8 * 3600_000 - 29 * 86_400_000).toISOString().slice(0, 10);

describe('customer data: browse → view → add → pay, then the funnel, a drop-off group and the 360 timeline', () => {
  const phone = newPhone();
  let productId = '';
  let buyerId = '';

  it('a customer from a poster browses, views a product, adds it to the cart and pays', async () => {
    productId = (await createProduct(app.t, app.owner, { title: '手冲咖啡豆 250g', priceFen: 6800, stock: 20, specs: { 烘焙度: ['中烘'] } })).id;
    await app.t.call('POST', '/api/admin/pickup-points', { session: app.owner, body: { name: '文三路门店', address: '文三路 478 号' } });
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/?utm_source=poster&utm_medium=offline&utm_campaign=autumn`);
    await page.getByTestId('shop-name').waitFor();
    await page.goto(`${app.t.url}/s/${app.slug}/products/${productId}`);
    await expect.poll(() => page.getByTestId('product-title').innerText()).toContain('手冲咖啡豆');
    await page.getByTestId('add-to-cart').click();
    await page.waitForURL(/\/login/);
    await shopSignIn(customer, app.t, phone);
    await page.waitForURL(new RegExp(`/products/${productId}$`));
    await page.getByTestId('add-to-cart').click();
    await chooseSku(page, { 烘焙度: '中烘' });
    await page.getByTestId('sku-confirm-cart').click();
    await page.getByTestId('sku-popup').waitFor({ state: 'hidden' });
    await page.getByTestId('go-cart').click();
    await page.waitForURL(/\/cart$/);
    await checkoutCartAtPickup(customer, app.slug);

    const found = await app.t.call('GET', `/api/admin/customers?q=${phone}&page=1&pageSize=5`, { session: app.owner });
    buyerId = found.body.items[0].id;
    // Another customer views and adds the same coffee but never pays (sent as the SDK would, a few seconds apart).
    const browser = await signInCustomer(app.t, app.slug);
    const key = (await app.t.call('GET', `/api/store/${app.slug}/analytics/config`)).body.writeKey;
    const at = (i: number) => new Date(Date.now() - 60_000 + i * 5_000).toISOString();
    const sent = await app.t.call('POST', '/v1/batch', {
      headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
      body: {
        batch: [
          { type: 'page', userId: browser.customerId, properties: { path: `/s/${app.slug}/` }, timestamp: at(0), messageId: randomUUID() },
          { type: 'track', userId: browser.customerId, event: 'product_viewed', properties: { product_id: productId }, timestamp: at(1), messageId: randomUUID() },
          { type: 'track', userId: browser.customerId, event: 'product_added', properties: { product_id: productId }, timestamp: at(2), messageId: randomUUID() },
        ],
      },
    });
    expect(sent.body.accepted).toBe(3);
    // The SDK flushes every 2 s and the loader every 200 ms: wait until the engine has the whole story.
    const funnel = { kind: 'funnel', from: monthAgo(), to: today(), windowDays: 7, steps: FUNNEL.map((event) => ({ event })) };
    await expect
      .poll(async () => (await app.t.call('POST', '/api/admin/analytics/query', { session: app.owner, body: funnel })).body.groups?.[0]?.counts, { timeout: 30_000, interval: 500 })
      .toEqual([2, 2, 2, 1]);
  });

  it('the console funnel shows the four steps', async () => {
    const page = merchant.page;
    await consoleSignIn(merchant, app.t.url, app.login, app.password);
    await consoleGo(page, app.t.url, '/analytics/funnels');
    await page.getByTestId('funnel-table').waitFor();
    await expect.poll(() => page.getByTestId('funnel-step-count-3').first().innerText(), { timeout: 20_000 }).toBe('1');
    const counts = await Promise.all([0, 1, 2, 3].map((i) => page.getByTestId(`funnel-step-count-${i}`).first().innerText()));
    expect(counts).toEqual(['2', '2', '2', '1']);
    await settle(page);
    await merchant.screenshot('console-40-funnel');
    await a11y.check(merchant, 'console funnel');
  });

  it('the people who added to the cart and did not pay are saved as a customer group', async () => {
    const page = merchant.page;
    await page.getByTestId('funnel-drop-2').first().click();
    const drawer = page.getByTestId('people-drawer');
    await drawer.waitFor();
    await expect.poll(() => page.getByTestId('people-total').innerText()).toContain('1');
    await page.getByTestId('save-group-name').fill('加购未付款');
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/admin/analytics/people/group') && r.request().method() === 'POST');
    await page.getByTestId('save-group').click();
    const res = await saved;
    expect(res.status()).toBe(201);
    const body = (await res.json()) as { group: { id: string }; added: number };
    expect(body.added).toBe(1);
    await page.getByTestId('save-group-result').waitFor();
    await settle(page);
    await merchant.screenshot('console-41-drop-off-group');
    await a11y.check(merchant, 'console people drawer');
    const members = await app.t.call('GET', `/api/admin/groups/${body.group.id}/members?page=1&pageSize=10`, { session: app.owner });
    expect(members.body.items).toHaveLength(1);
    expect(members.body.items[0].id).not.toBe(buyerId);
  });

  it("the buyer's 360 timeline shows the visit, the view, the cart and the payment", async () => {
    const page = merchant.page;
    await consoleGo(page, app.t.url, `/customers/${buyerId}`);
    await page.getByTestId('timeline').waitFor();
    await expect
      .poll(async () => page.getByTestId('timeline-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-event'))), { timeout: 20_000 })
      .toContain('order_paid');
    const events = await page.getByTestId('timeline-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-event')));
    for (const e of ['$pageview', 'product_viewed', 'product_added', 'checkout_started', 'order_placed', 'order_paid', 'signed_up', '$identify']) expect(events, e).toContain(e);
    await expect.poll(() => page.getByTestId('c360-identities').innerText()).toContain(buyerId);
    await settle(page);
    await merchant.screenshot('console-42-customer-360');
    await a11y.check(merchant, 'console customer 360');
  });
});
