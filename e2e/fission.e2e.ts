import { describe, expect, it } from 'vitest';
import { createProduct } from '../apps/server/src/testing/commerce.js';
import { newPhone, type E2EApp } from './support/app.js';
import { newContext, watchedPage, type WatchedPage } from './support/browser.js';
import { twoPersonStage, type Stage } from './support/stage.js';
import { consoleGo, consoleSignIn, orderIdOf, payInCashier, settle, shopSignIn } from './support/flows.js';

/**
 * Issue 17's flows (裂变) in Chromium:
 * 1. 拼团: a customer opens a group of 2 and shares it; a new customer opens the link, joins and pays; the
 *    group forms and both orders can be picked up (before, the first could not).
 * 2. 分销: a promoter shares the shop; a friend opens the link, signs in (bound on the server) and buys; the
 *    commission is frozen, payable once the after-sales window closed, withdrawn, approved in the console and
 *    received through the sandbox's 商家转账 confirmation page.
 */
let app: E2EApp;
let merchant: WatchedPage;
let customer: WatchedPage;
let stage: Stage;
const { a11y } = (stage = twoPersonStage((s) => ({ app, merchant, customer } = s)));

/** A second phone: the friend who receives the link. */
async function friendPage(name: string) {
  return watchedPage(await newContext(stage.browser, 'shop'), name, { fullPage: false });
}

async function pickupCodeOf(orderId: string) {
  const res = await app.t.call('GET', `/api/admin/orders/${orderId}`, { session: app.owner });
  return res.body.pickupCode as string;
}

async function verifyPickup(orderId: string) {
  return app.t.call('POST', '/api/admin/orders/pickup/verify', { session: app.owner, body: { code: await pickupCodeOf(orderId) } });
}

/** Storefront checkout at the shop's pickup point, then the sandbox cashier until 支付成功. */
async function checkoutAtPickupAndPay(w: WatchedPage, shot: string) {
  const page = w.page;
  await page.waitForURL(/\/checkout$/);
  await page.getByTestId('fulfilment-pickup').click();
  await expect.poll(() => page.getByTestId('submit-order').isEnabled()).toBe(true);
  await settle(page);
  await w.screenshot(shot);
  await page.getByTestId('submit-order').click();
  await payInCashier(w, app.slug);
  await expect.poll(() => page.getByTestId('pay-result').innerText(), { timeout: 20_000 }).toBe('支付成功');
  return orderIdOf(page.url());
}

describe('拼团: open a group of 2 → share → a new customer joins and pays → both orders can be picked up', () => {
  let productId = '';
  let groupUrl = '';
  let firstOrder = '';
  let secondOrder = '';
  let friend: WatchedPage;

  it('the merchant runs a group buy of 2 (pickup point and goods from the API, the list in the console)', async () => {
    await app.t.call('POST', '/api/admin/pickup-points', { session: app.owner, body: { name: '文三路门店', address: '文三路 478 号' } });
    const product = await createProduct(app.t, app.owner, { title: '有机草莓礼盒', priceFen: 9_900, stock: 20 });
    productId = product.id;
    const created = await app.t.call('POST', '/api/admin/group-buys', {
      session: app.owner,
      body: { name: '草莓两人团', productId, startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 86_400_000).toISOString(), groupSize: 2, durationMinutes: 1440, items: [{ skuId: product.skus[0].id, groupPriceFen: 5_900 }] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await consoleSignIn(merchant, app.t.url, app.login, app.password);
    await consoleGo(merchant.page, app.t.url, '/group-buys');
    await expect.poll(() => merchant.page.getByTestId('groupbuy-table').innerText()).toContain('草莓两人团');
    await merchant.screenshot('console-fission-01-group-buys');
    await a11y.check(merchant, 'console group buys');
  });

  it('a customer opens the group from the product page, pays, and shares the group', async () => {
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/products/${productId}`);
    await page.getByTestId('product-group-buy').waitFor();
    await settle(page);
    await customer.screenshot('shop-fission-01-product-group-buy');
    await page.getByTestId('group-buy-open').click();
    await page.waitForURL(/\/login/);
    await shopSignIn(customer, app.t, newPhone());
    await page.waitForURL(new RegExp(`/products/${productId}$`));
    await page.getByTestId('group-buy-open').click();
    await page.getByTestId('sku-confirm').or(page.getByTestId('sku-confirm-buy')).first().click();
    firstOrder = await checkoutAtPickupAndPay(customer, 'shop-fission-02-checkout-group');

    // Held: the shop may not hand it over before the group forms.
    expect((await verifyPickup(firstOrder)).body.error.code).toBe('ORDER_ON_HOLD');
    await page.goto(`${app.t.url}/s/${app.slug}/orders/${firstOrder}`);
    await expect.poll(() => page.getByTestId('order-group-hold').innerText()).toContain('拼团中');
    await customer.screenshot('shop-fission-03-order-held');

    await page.goto(`${app.t.url}/s/${app.slug}/me/group-buys`);
    await page.getByTestId('my-group').first().locator('button.line-item').click();
    await page.waitForURL(/\/group-buys\/groups\//);
    await expect.poll(() => page.getByTestId('group-status').innerText()).toContain('拼团中');
    await page.getByTestId('group-invite').click();
    await page.getByTestId('fission-share-popup').waitFor();
    await expect.poll(async () => (await page.getByTestId('fission-share-url').innerText()).includes('/share/')).toBe(true);
    groupUrl = (await page.getByTestId('fission-share-url').innerText()).trim();
    await expect.poll(() => page.getByTestId('fission-share-poster').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 }).toBe(750);
    await settle(page);
    await customer.screenshot('shop-fission-04-group-share');
    await a11y.check(customer, 'storefront group share');
  });

  it('a new customer opens the link, joins, pays, and the group forms', async () => {
    friend = await friendPage('storefront (friend)');
    const page = friend.page;
    await page.goto(groupUrl);
    await page.waitForURL(/\/group-buys\/groups\//);
    await expect.poll(() => page.getByTestId('group-seats-left').innerText()).toContain('1');
    await settle(page);
    await friend.screenshot('shop-fission-05-friend-group');
    await page.getByTestId('group-join').click();
    await page.waitForURL(/\/login/);
    await shopSignIn(friend, app.t, newPhone());
    await page.waitForURL(/\/group-buys\/groups\//);
    await page.getByTestId('group-join').click();
    await page.getByTestId('sku-confirm').or(page.getByTestId('sku-confirm-buy')).first().click();
    secondOrder = await checkoutAtPickupAndPay(friend, 'shop-fission-06-checkout-join');

    await page.goto(`${app.t.url}/s/${app.slug}/me/group-buys`);
    await page.getByTestId('my-group').first().locator('button.line-item').click();
    await expect.poll(() => page.getByTestId('group-status').innerText(), { timeout: 20_000 }).toContain('拼团成功');
    await settle(page);
    await friend.screenshot('shop-fission-07-group-formed');
    await a11y.check(friend, 'storefront group formed');
  });

  it('both orders can now be picked up, and the console shows the group formed', async () => {
    for (const id of [firstOrder, secondOrder]) {
      const res = await verifyPickup(id);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    await consoleGo(merchant.page, app.t.url, '/group-buys');
    await merchant.page.getByTestId('groupbuy-table').getByText('草莓两人团').click();
    await merchant.page.waitForURL(/\/group-buys\/[0-9a-f-]{36}$/);
    await expect.poll(() => merchant.page.getByTestId('groupbuy-groups').innerText()).toContain('2/2');
    await settle(merchant.page);
    await merchant.screenshot('console-fission-02-group-buy-detail');
    await a11y.check(merchant, 'console group buy detail');
    await friend.page.context().close();
  });
});

describe('分销: promoter poster link → a friend buys → commission frozen → payable after the window → withdrawn through 商家转账', () => {
  let productId = '';
  let shareUrl = '';
  let friend: WatchedPage;
  let orderId = '';

  it('the merchant switches distribution on in the console', async () => {
    productId = (await createProduct(app.t, app.owner, { title: '手冲咖啡豆 250g', priceFen: 10_000, stock: 20 })).id;
    const page = merchant.page;
    await consoleGo(page, app.t.url, '/distribution/settings');
    await page.getByTestId('ds-settings-form').waitFor();
    await page.getByTestId('ds-enabled').click();
    await page.getByTestId('ds-after-sale').fill('7');
    await merchant.screenshot('console-fission-03-distribution-settings');
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/admin/distribution/settings') && r.request().method() === 'PUT');
    await page.getByTestId('ds-settings-save').click();
    expect((await saved).status()).toBe(200);
    expect((await app.t.call('GET', '/api/admin/distribution/settings', { session: app.owner })).body).toMatchObject({ enabled: true, afterSaleDays: 7, tiers: 2 });
  });

  it('a customer becomes a promoter and shares the shop’s poster', async () => {
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/me/promoter`);
    await expect.poll(() => page.getByTestId('promoter-status').getAttribute('data-status')).toBe('approved');
    await page.getByTestId('promoter-share').click();
    await page.getByTestId('fission-share-popup').waitFor();
    await expect.poll(async () => (await page.getByTestId('fission-share-url').innerText()).includes('/share/')).toBe(true);
    shareUrl = (await page.getByTestId('fission-share-url').innerText()).trim();
    await expect.poll(() => page.getByTestId('fission-share-poster').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 }).toBe(750);
    await settle(page);
    await customer.screenshot('shop-fission-08-promoter-poster');
  });

  it('a friend opens the poster link, signs in, and buys: the commission is frozen', async () => {
    friend = await friendPage('storefront (promoter friend)');
    const page = friend.page;
    await page.goto(shareUrl);
    await page.waitForURL((u) => !u.pathname.includes('/share/'));
    await page.goto(`${app.t.url}/s/${app.slug}/products/${productId}`);
    await page.getByTestId('buy-now').click();
    await page.waitForURL(/\/login/);
    const visit = page.waitForResponse((r) => r.url().endsWith('/referrals/visit'));
    await shopSignIn(friend, app.t, newPhone());
    expect((await (await visit).json()).bound).toBe(true);
    await page.waitForURL(new RegExp(`/products/${productId}$`));
    await page.getByTestId('buy-now').click();
    await page.getByTestId('sku-confirm-buy').click();
    orderId = await checkoutAtPickupAndPay(friend, 'shop-fission-09-friend-checkout');
    expect((await verifyPickup(orderId)).status).toBe(200);
    await app.t.drain();

    const p = customer.page;
    await p.goto(`${app.t.url}/s/${app.slug}/me/promoter?tab=commissions`);
    await expect.poll(() => p.getByTestId('promoter-commission').first().innerText(), { timeout: 20_000 }).toContain('冻结');
    await settle(p);
    await customer.screenshot('shop-fission-10-commission-frozen');
  });

  it('after the after-sales window it is payable; the promoter withdraws, staff approve, the promoter confirms receipt', async () => {
    const realNow = app.t.platform.now;
    app.t.platform.now = () => new Date(Date.now() + 8 * 86_400_000);
    try {
      await app.t.services.fission.distribution.tick();
    } finally {
      app.t.platform.now = realNow;
    }
    const p = customer.page;
    await p.goto(`${app.t.url}/s/${app.slug}/me/promoter?tab=withdraw`);
    await p.getByTestId('withdraw-amount').waitFor();
    // 10 % of ¥100.00.
    await expect.poll(() => p.getByTestId('promoter-status').innerText()).toContain('10.00');
    await p.getByTestId('withdraw-amount').fill('10');
    await p.getByTestId('withdraw-submit').click();
    await p.getByRole('button', { name: '确认提现' }).click();
    await expect.poll(() => p.getByTestId('withdrawal-status').first().innerText()).toContain('审核');
    await settle(p);
    await customer.screenshot('shop-fission-11-withdrawal-review');

    const page = merchant.page;
    await consoleGo(page, app.t.url, '/distribution/withdrawals');
    const approve = page.locator('[data-testid^="withdrawal-approve-"]').first();
    await approve.waitFor();
    await merchant.screenshot('console-fission-04-withdrawals');
    await a11y.check(merchant, 'console withdrawals');
    await approve.click();
    const approved = page.waitForResponse((r) => /\/withdrawals\/[0-9a-f-]{36}\/approve$/.test(r.url()));
    await page.locator('.ant-popconfirm .ant-btn-primary').click();
    expect((await approved).status()).toBe(200);
    await app.t.drain();

    await p.goto(`${app.t.url}/s/${app.slug}/me/promoter?tab=withdraw`);
    await expect.poll(() => p.getByTestId('withdrawal-status').first().innerText(), { timeout: 20_000 }).toContain('确认收款');
    customer.allow(/Failed to load resource: .*404.*\/favicon\.ico\)$/, "the sandbox's 确认收款 page is the simulator's, not the product's; it declares no icon");
    await p.getByTestId('withdrawal-confirm').first().click();
    await p.waitForURL(/\/sandbox\/wechatpay\/transfer\/confirm/);
    await p.getByRole('button', { name: '确认收款' }).waitFor();
    await customer.screenshot('shop-fission-12-transfer-confirm');
    await p.getByRole('button', { name: '确认收款' }).click();
    await p.waitForURL(/\/me\/promoter/);
    await expect.poll(async () => {
      await p.reload();
      return p.getByTestId('withdrawal-status').first().innerText();
    }, { timeout: 30_000 }).toContain('已到账');
    await settle(p);
    await customer.screenshot('shop-fission-13-withdrawn');
    const account = (await app.t.call('GET', '/api/admin/distribution/overview', { session: app.owner })).body;
    expect(account).toMatchObject({ paidFen: 1_000, frozenFen: 0 });
    await friend.page.context().close();
  });
});
