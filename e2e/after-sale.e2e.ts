import { describe, expect, it } from 'vitest';
import { addAddress, bearer, createProduct } from '../apps/server/src/testing/commerce.js';
import { newPhone, type E2EApp } from './support/app.js';
import { watchedPage, type WatchedPage } from './support/browser.js';
import { twoPersonStage } from './support/stage.js';
import { consoleGo, consoleSignIn, orderIdOf, payInCashier, settle, shopSignIn } from './support/flows.js';

/**
 * After-sales as a new customer and a new merchant meet it: the checkout survives a new tab; a line bought
 * with a 满100减20 coupon says what it really cost; the customer asks for a refund of one line with a reason
 * from the list; the console lists it with reason and date in view, and the approve dialog says which item,
 * how many, how much and where the money goes; the customer's 售后 tab keeps the finished request and the
 * order shows 部分退款; in English the console's timeline and reasons are English; a slow first load shows a skeleton.
 */
let app: E2EApp;
let merchant: WatchedPage;
let customer: WatchedPage;
const { a11y } = twoPersonStage((s) => ({ app, merchant, customer } = s));

const SHIRT = '亚麻衬衫';
const SOCKS = '棉袜三双装';
const yuan = (fen: number) => `¥${(fen / 100).toFixed(2)}`;

describe('after-sales: coupon shares, a partial refund from request to 退款成功, in both languages', () => {
  const phone = newPhone();
  let orderId = '';
  let orderNo = '';
  let shirtPaid = 0;
  let refundNo = '';

  it('customer’s checkout survives a reload and a new tab', async () => {
    await consoleSignIn(merchant, app.t.url, app.login, app.password);
    const shirt = await createProduct(app.t, app.owner, { title: SHIRT, priceFen: 7000, stock: 10 });
    const socks = await createProduct(app.t, app.owner, { title: SOCKS, priceFen: 4000, stock: 10 });
    const coupon = await app.t.call('POST', '/api/admin/coupons', {
      session: app.owner,
      body: { name: '满100减20', kind: 'amount_off', thresholdFen: 10000, amountOffFen: 2000, validity: { type: 'relative', days: 7 }, totalQuantity: 10 },
    });
    expect(coupon.status).toBe(201);
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/login`);
    await shopSignIn(customer, app.t, phone);
    // The customer's coupon, address and cart come through the API with the browser's session: other flows cover those screens.
    const token = await page.evaluate((slug) => localStorage.getItem(`siyu:shop:${slug}:token`), app.slug);
    const me = await app.t.call('GET', `/api/store/${app.slug}/me`, { headers: { authorization: `Bearer ${token}` } });
    const c = { token: token!, customerId: me.body.id as string, phone };
    expect((await app.t.call('POST', `/api/store/${app.slug}/coupons/${coupon.body.id}/claim`, { headers: bearer(c) })).status).toBe(201);
    await addAddress(app.t, app.slug, c);
    for (const sku of [shirt.skus[0].id, socks.skus[0].id]) {
      expect((await app.t.call('POST', `/api/store/${app.slug}/cart/items`, { headers: bearer(c), body: { skuId: sku, quantity: 1 } })).status).toBe(200);
    }

    await page.goto(`${app.t.url}/s/${app.slug}/cart`);
    await expect.poll(() => page.getByTestId('cart-line').count()).toBe(2);
    await page.getByTestId('cart-checkout').click();
    await page.waitForURL(/\/checkout$/);
    await expect.poll(() => page.getByTestId('checkout-line').count()).toBe(2);

    await page.reload();
    await expect.poll(() => page.getByTestId('checkout-line').count()).toBe(2);

    // The same browser, a new tab straight onto /checkout: the selection is there.
    const tab = await watchedPage(page.context(), 'storefront (new tab)', { fullPage: false });
    await tab.page.goto(`${app.t.url}/s/${app.slug}/checkout`);
    await expect.poll(() => tab.page.getByTestId('checkout-line').count()).toBe(2);
    await expect.poll(() => tab.page.getByTestId('checkout-amounts').innerText()).toContain('90.00');
    await settle(tab.page);
    await tab.screenshot('shop-30-checkout-new-tab');
    tab.assertClean();
    await tab.page.close();
  });

  it('customer pays, and each line says its share of the coupon', async () => {
    const page = customer.page;
    await expect.poll(() => page.getByTestId('submit-order').isEnabled()).toBe(true);
    await page.getByTestId('submit-order').click();
    await payInCashier(customer, app.slug);
    orderId = orderIdOf(page.url());
    await expect.poll(() => page.getByTestId('pay-result').innerText(), { timeout: 20_000 }).toBe('支付成功');
    await page.goto(`${app.t.url}/s/${app.slug}/orders/${orderId}`);
    await expect.poll(() => page.getByTestId('order-status').getAttribute('data-status')).toBe('paid');
    orderNo = (await page.getByTestId('order-no').innerText()).trim();

    const order = (await app.t.call('GET', `/api/admin/orders/${orderId}`, { session: app.owner })).body;
    const shirt = order.items.find((i: any) => i.title === SHIRT);
    shirtPaid = shirt.payableFen;
    const share = 7000 - shirtPaid;
    expect(share).toBe(Math.round((2000 * 7000) / 11000));
    const paidLine = page.getByTestId('order-item').filter({ hasText: SHIRT }).getByTestId('line-paid');
    await expect.poll(() => paidLine.innerText()).toBe(`实付 ${yuan(shirtPaid)},含优惠券分摊 −${yuan(share)}`);
    await settle(page);
    await customer.screenshot('shop-31-order-line-shares');
    await a11y.check(customer, 'storefront order detail with coupon shares');

    await page.getByTestId('request-refund').click();
    await page.waitForURL(/\/after-sale$/);
    const line = page.getByTestId('refund-line').filter({ hasText: SHIRT });
    await expect.poll(() => line.getByTestId('line-paid').innerText()).toContain('含优惠券分摊');
    await line.getByTestId('refund-line-check').click();
    await page.locator('[data-testid="refund-reason-option"][data-reason="quality"]').click();
    await page.getByRole('textbox', { name: '补充说明' }).fill('领口开线');
    await expect.poll(() => page.getByTestId('refund-estimate').innerText()).toContain(yuan(shirtPaid).slice(1));
    await settle(page);
    await customer.screenshot('shop-32-after-sale-form');
    await a11y.check(customer, 'storefront after-sale form');
    const asked = page.waitForResponse((r) => r.url().endsWith(`/orders/${orderId}/refunds`) && r.request().method() === 'POST');
    await page.getByTestId('refund-submit').click();
    const res = await asked;
    expect(res.status()).toBe(201);
    const refund = await res.json();
    expect(refund).toMatchObject({ reasonCode: 'quality', reason: '领口开线', amountFen: shirtPaid });
    refundNo = refund.refundNo;
    await page.getByRole('button', { name: '好的' }).click();
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
  });

  it('merchant sees reason and date beside the pinned actions, and the approve dialog says what goes back', async () => {
    const page = merchant.page;
    await consoleGo(page, app.t.url, '/refunds');
    const row = page.getByTestId(`refund-row-${refundNo}`);
    await row.waitFor();
    await expect.poll(() => row.getByTestId(`refund-reason-${refundNo}`).innerText()).toBe('质量问题:领口开线');
    // At 1440 px nothing lies under the pinned action column: reason and date end before it starts.
    const actions = await row.locator('td.ant-table-cell-fix-right, td.ant-table-cell-fix-end').first().boundingBox();
    for (const cell of [row.getByTestId(`refund-reason-${refundNo}`), row.getByTestId('refund-created-at')]) {
      const box = await cell.locator('xpath=ancestor::td[1]').boundingBox();
      expect(box!.x + box!.width).toBeLessThanOrEqual(actions!.x);
    }
    expect(await row.getByTestId('refund-created-at').innerText()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    await settle(page);
    await merchant.screenshot('console-30-refunds');
    await a11y.check(merchant, 'console after-sales list');

    await page.getByTestId(`refund-approve-${refundNo}`).click();
    const dialog = page.getByTestId('refund-decide-dialog');
    await dialog.waitFor();
    const lines = await dialog.getByTestId('refund-summary-line').allInnerTexts();
    expect(lines.map((l) => l.replace(/\s+/g, ' ').trim())).toEqual([`${SHIRT} × 1 ${yuan(shirtPaid)}`]);
    expect(await dialog.getByTestId('refund-summary-total').innerText()).toBe(yuan(shirtPaid));
    expect(await dialog.getByTestId('refund-summary-way').innerText()).toBe(`微信支付 ${yuan(shirtPaid)}`);
    expect(await page.getByTestId('refund-decide-submit').innerText()).toBe(`同意并退款 ${yuan(shirtPaid)}`);
    await merchant.screenshot('console-31-approve-dialog', { fullPage: false });
    await a11y.check(merchant, 'console approve dialog');
    const approved = page.waitForResponse((r) => r.url().endsWith('/approve'));
    await page.getByTestId('refund-decide-submit').click();
    expect((await approved).status()).toBe(200);

    const until = Date.now() + 20_000;
    for (;;) {
      const o = (await app.t.call('GET', `/api/admin/orders/${orderId}`, { session: app.owner })).body;
      if (o.refundedFen === shirtPaid) break;
      if (Date.now() > until) throw new Error('the refund did not complete');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it('customer’s 售后 tab keeps the finished request and the order shows 部分退款', async () => {
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/me`);
    await page.getByTestId('me-orders-after_sale').click();
    await page.waitForURL(/\/orders\?status=after_sale$/);
    const card = page.locator(`[data-testid="order-card"][data-order-id="${orderId}"]`);
    await card.waitFor();
    await expect.poll(() => card.getByTestId('order-after-sale-status').innerText()).toBe('售后:退款成功');
    expect(await card.getByTestId('order-partial-refund').innerText()).toBe(`部分退款 ${yuan(shirtPaid)}`);
    await settle(page);
    await customer.screenshot('shop-33-after-sale-tab');
    await a11y.check(customer, 'storefront 售后 tab');

    await card.getByRole('button', { name: '查看详情' }).click();
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    await expect.poll(() => page.getByTestId('refund').getAttribute('data-refund-status')).toBe('refunded');
    expect(await page.getByTestId('refund-way-back').innerText()).toBe(`已原路退回:微信支付 ${yuan(shirtPaid)}`);
    await settle(page);
    await customer.screenshot('shop-34-order-refunded-line', { fullPage: true });
  });

  it('in English the console says the timeline, reasons and coupon labels in English', async () => {
    const page = merchant.page;
    await consoleGo(page, app.t.url, `/orders/${orderId}`);
    await page.getByTestId('lang-switch').getByText('English').click();
    await expect.poll(() => page.getByTestId('order-timeline').innerText()).toContain(`Refund only ${yuan(shirtPaid)}: Quality problem: 领口开线`);
    const timeline = await page.getByTestId('order-timeline').innerText();
    expect(timeline).toContain(`Partial refund ${yuan(shirtPaid)}`);
    expect(timeline).toMatch(/WeChat Pay ¥\d+\.\d{2}/);
    expect(timeline).not.toMatch(/[退款微信支付]{2}/);
    await settle(page);
    await merchant.screenshot('console-32-order-detail-en');
    await a11y.check(merchant, 'console order detail (English)');

    await consoleGo(page, app.t.url, '/refunds');
    await expect.poll(() => page.getByTestId(`refund-reason-${refundNo}`).innerText()).toBe('Quality problem: 领口开线');
    await merchant.screenshot('console-32b-refunds-en');

    // The order list keeps the order time clear of the pinned actions and marks the partial refund.
    await consoleGo(page, app.t.url, '/orders');
    const orderRow = page.getByTestId(`order-row-${orderNo}`);
    await expect.poll(() => orderRow.getByTestId(`order-partial-refund-${orderNo}`).innerText()).toBe(`Partly refunded ${yuan(shirtPaid)}`);
    const pinned = await orderRow.locator('td.ant-table-cell-fix-right, td.ant-table-cell-fix-end').first().boundingBox();
    const time = await orderRow.getByTestId('order-created-at').locator('xpath=ancestor::td[1]').boundingBox();
    expect(time!.x + time!.width).toBeLessThanOrEqual(pinned!.x);
    expect(await orderRow.getByTestId('order-created-at').innerText()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(await orderRow.getByTestId('order-goods-summary').innerText()).toBe('+ 1 more × 2');
    await merchant.screenshot('console-35-orders-en');

    // Shipping templates name provinces as addresses do (in full), picked from the list.
    await consoleGo(page, app.t.url, '/shipping-templates');
    await page.getByTestId('new-shipping-template').click();
    await page.getByTestId('shipping-regions-0').click();
    await page.keyboard.type('新疆');
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '新疆维吾尔自治区' }).click();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('shipping-rule-0').innerText()).toContain('新疆维吾尔自治区');
    await merchant.screenshot('console-34-shipping-template-regions', { fullPage: false });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await consoleGo(page, app.t.url, '/coupons');
    await expect.poll(() => page.locator('.ant-table-row', { hasText: '满100减20' }).innerText()).toContain('¥20 off over ¥100');
    await page.getByTestId('lang-switch').getByText('中文').click();
    await expect.poll(() => page.locator('.ant-table-row', { hasText: '满100减20' }).innerText()).toContain('满100减20');
  });

  it('a slow first load shows a skeleton, not an empty page', async () => {
    const page = merchant.page;
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/api/admin/refunds?*', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${app.t.url}/admin/refunds`);
    await page.getByTestId('page-loading').waitFor();
    expect(await page.getByTestId(`refund-row-${refundNo}`).isVisible()).toBe(false);
    expect(await page.getByRole('heading', { name: '售后维权' }).isVisible()).toBe(false);
    await merchant.screenshot('console-33-loading', { fullPage: false });
    await a11y.check(merchant, 'console page loading');
    release();
    await page.getByTestId(`refund-row-${refundNo}`).waitFor();
    await page.getByTestId('page-loading').waitFor({ state: 'detached' });
    await page.unroute('**/api/admin/refunds?*');
    // Changing the tab afterwards loads in place: the page stays.
    await page.getByRole('tab', { name: '已退款' }).click();
    await expect.poll(() => page.getByTestId('page-loading').count()).toBe(0);
    await page.getByTestId(`refund-row-${refundNo}`).waitFor();
  });
});
