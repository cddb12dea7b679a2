import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { customerHelpers } from '../apps/server/src/modules/customers/test-helpers.js';
import { addAddress, bearer, createProduct, payOrder, type CustomerFixture } from '../apps/server/src/testing/commerce.js';
import { newPhone, type E2EApp } from './support/app.js';
import { newContext, watchedPage, type WatchedPage } from './support/browser.js';
import { twoPersonStage } from './support/stage.js';
import { consoleGo, consoleSignIn, payInCashier, pickShopRegion, settle } from './support/flows.js';

/**
 * Issue 15's flow (触达): the merchant connects the sandbox official account in 渠道设置 and creates a source
 * QR code that tags its followers; a customer scans it on their phone and follows, signs in to the storefront
 * with WeChat (the same person, so the same unionid), is tagged by the source, buys and is shipped to; the
 * order-shipped template message shows in the sandbox's phone view. A broadcast to the source tag with a 30%
 * holdout runs, and its result page shows the sent arm and the holdout.
 */
let app: E2EApp;
let merchant: WatchedPage;
let customer: WatchedPage;
let browser: Browser;
/**
 * WeChat on a customer's phone: the sandbox's scan page and chat view. A page of its own phone-sized context, so
 * it and the storefront are each in the foreground (a background tab gets no animation frames and stalls clicks).
 */
let wechat: WatchedPage;
const { a11y } = twoPersonStage((s) => ({ app, merchant, customer, browser } = s));

const OA = { appid: 'wxsandboxmp0000001', secret: 'sandbox-mp-secret' };
/** A preset person of the WeChat sandbox (张三): the scan page, the OAuth consent page and the phone view all know them. */
const FAN = { key: 'zhangsan', nickname: '张三' };
const TAG = '门店扫码';
const QR_NAME = '万象城门店';
const WELCOME = '欢迎关注思域好物!新人券已放入领券中心。';
const PRODUCT = '保湿面霜 50ml';
const TRACKING_NO = 'SF7654321098765';
/** Followers besides 张三, made through the same QR code and WeChat sign-in over HTTP: 8 in all, 30% held out → 2 and 6. */
const MORE_FANS = 7;

const admin = (method: string, path: string, body?: unknown) => app.t.call(method, `/api/admin${path}`, { session: app.owner, body });
const phoneView = (key: string) => `${app.t.url}/sandbox/mp/phone?appid=${OA.appid}&key=${encodeURIComponent(key)}&refresh=0`;
const simMessages = async (key: string) =>
  (await app.t.call('GET', `/sandbox/mp/__sim/messages?appid=${OA.appid}&key=${encodeURIComponent(key)}&all=1`)).body.items as { type: string; direction: string; title?: string; text?: string }[];
/** A date a week from now in shop time, as WeChat's time keywords want it. */
const inAWeek = () => `${new Date(Date.now() + 8 * 3600_000 + 7 * 86_400_000).toISOString().slice(0, 10)} 10:00`;

beforeAll(async () => {
  wechat = await watchedPage(await newContext(browser, 'shop'), 'wechat', { fullPage: false });
  wechat.allow(
    /Failed to load resource: .*404.*\/favicon\.ico\)$/,
    "the scan page and the phone view are the WeChat simulator's pages, not the product's; they declare no icon, so Chromium's automatic /favicon.ico request 404s there",
  );
  customer.allow(
    /Failed to load resource: .*404.*\/favicon\.ico\)$/,
    "WeChat's consent page is the OAuth simulator's page; it declares no icon, so Chromium's automatic /favicon.ico request 404s there",
  );
});
afterEach(() => wechat.assertClean());

describe('reach: official account, source QR code, order-shipped template message, broadcast with a holdout', () => {
  let tagId = '';
  let qrId = '';
  let qrUrl = '';
  let productId = '';
  let orderId = '';
  let orderNo = '';
  let fanCustomerId = '';
  let broadcastId = '';
  /** The followers made over HTTP, by WeChat user key. */
  const fans = new Map<string, CustomerFixture>();

  it('the merchant connects the sandbox official account in 渠道设置 and the test passes', async () => {
    const page = merchant.page;
    await consoleSignIn(merchant, app.t.url, app.login, app.password);
    await consoleGo(page, app.t.url, '/messaging/channels');
    await page.getByTestId('channel-oa').waitFor();
    await page.getByTestId('oa-callback-url-pending').waitFor();
    await page.getByTestId('oa-name').fill('思域好物');
    await page.getByTestId('oa-app-id').fill(OA.appid);
    await page.getByTestId('oa-app-secret').fill(OA.secret);
    await page.getByTestId('oa-token-generate').click();
    await expect.poll(() => page.getByTestId('oa-token').inputValue()).toMatch(/^[A-Za-z0-9]{32}$/);
    await page.getByTestId('oa-aes-generate').click();
    await expect.poll(() => page.getByTestId('oa-aes-key').inputValue()).toMatch(/^[A-Za-z0-9]{43}$/);
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/admin/messaging/channels/oa') && r.request().method() === 'PUT');
    await page.getByTestId('oa-save').click();
    expect((await saved).status()).toBe(200);
    // Saved: the server address to paste into WeChat's console appears (in the sandbox the test button pastes it).
    await expect.poll(() => page.getByTestId('oa-callback-url').innerText()).toMatch(/\/api\/hooks\/wechat-mp\/[0-9a-f-]{36}$/);
    await page.getByTestId('oa-test').click();
    const result = page.getByTestId('oa-test-result');
    await result.waitFor();
    expect(await result.getAttribute('data-ok'), await result.innerText()).toBe('true');
    await settle(page);
    await merchant.screenshot('console-70-oa-connected');
    await a11y.check(merchant, 'console channels (official account connected)');

    const channels = await admin('GET', '/messaging/channels');
    expect(channels.body.oa).toMatchObject({ appId: OA.appid, verifiedAt: expect.any(String) });
    // The simulator now pushes this account's events to the shop's callback.
    const account = await app.t.call('GET', `/sandbox/mp/__sim/accounts/${OA.appid}`);
    expect(JSON.stringify(account.body)).toContain(channels.body.oa.callbackUrl);
  });

  it('the merchant turns quiet hours off in 触达规则 (so the broadcast goes out whatever the hour)', async () => {
    const page = merchant.page;
    await consoleGo(page, app.t.url, '/messaging/rules');
    await page.getByTestId('budget-form').waitFor();
    const quiet = page.getByTestId('budget-quiet-on');
    await expect.poll(() => quiet.getAttribute('aria-checked')).toBe('true');
    await quiet.click();
    await expect.poll(() => quiet.getAttribute('aria-checked')).toBe('false');
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/admin/messaging/budget') && r.request().method() === 'PUT');
    await page.getByTestId('budget-save').click();
    expect((await saved).status()).toBe(200);
    const budget = (await admin('GET', '/messaging/budget')).body;
    expect(budget.quietStart).toBe(budget.quietEnd);
    // The caps stay: one marketing template message a day per follower is all the broadcast needs.
    expect(budget.daily.oa_template).toBe(1);
  });

  it("the vendor's templates are imported and a promotion template is added; the library lists both", async () => {
    const imported = await admin('POST', '/messaging/templates/import', { channel: 'oa_template' });
    expect(imported.status).toBe(200);
    expect(imported.body.imported).toContainEqual({ topic: 'order_shipped', title: '订单发货通知' });
    // 活动通知 has a time keyword (活动时间) that no promotion variable can fill, so it is not imported blindly …
    expect(imported.body.skipped.map((s: { title: string }) => s.title)).toContain('活动通知');
    // … the merchant maps it by hand: the activity's name, fixed text, and a date WeChat accepts.
    const vendor = (await admin('GET', '/messaging/vendor-templates?channel=oa_template')).body.items.find((v: { title: string }) => v.title === '活动通知');
    const promo = await admin('POST', '/messaging/templates', {
      name: '会员日活动通知', topic: 'promotion', channel: 'oa_template', vendorTemplateId: vendor.templateId, content: vendor.content,
      fields: [{ key: 'thing1', value: '{{activity}}' }, { key: 'thing2', value: '全场会员价再享9折' }, { key: 'time3', value: inAWeek() }, { key: 'thing4', value: '点击详情进入商城' }],
      link: '{{link}}', enabled: true,
    });
    expect(promo.status, JSON.stringify(promo.body)).toBe(201);

    const page = merchant.page;
    await consoleGo(page, app.t.url, '/messaging/templates');
    await page.getByTestId('template-row-订单发货通知').waitFor();
    await page.getByTestId('template-row-会员日活动通知').waitFor();
    await settle(page);
    await merchant.screenshot('console-71-templates');
    await a11y.check(merchant, 'console template library');
  });

  it('the merchant creates a permanent source QR code that tags its followers 门店扫码', async () => {
    tagId = (await admin('POST', '/tags', { name: TAG, kind: 'manual' })).body.id;
    expect(tagId).toBeTruthy();
    const page = merchant.page;
    await consoleGo(page, app.t.url, '/messaging/qr-codes');
    await page.getByTestId('qr-new').click();
    await page.getByTestId('qr-form').waitFor();
    await page.getByTestId('qr-name').fill(QR_NAME);
    await page.getByTestId('qr-kind-permanent').click();
    await page.getByTestId('qr-tags').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: TAG }).click();
    // Close the tag list by going on to the next field.
    await page.getByTestId('qr-welcome').click();
    await page.getByTestId('qr-welcome').fill(WELCOME);
    await expect.poll(() => page.getByTestId('qr-form').locator('.ant-select-selection-item', { hasText: TAG }).count()).toBe(1);
    await merchant.screenshot('console-72-qr-form', { fullPage: false });
    const created = page.waitForResponse((r) => r.url().endsWith('/api/admin/messaging/qr-codes') && r.request().method() === 'POST');
    await page.getByTestId('qr-save').click();
    const res = await created;
    expect(res.status()).toBe(201);
    const qr = (await res.json()) as { id: string; url: string; tagIds: string[]; kind: string };
    qrId = qr.id;
    expect(qr).toMatchObject({ kind: 'permanent', tagIds: [tagId] });

    // The code as the merchant prints it: the image and WeChat's URL it encodes.
    const image = page.getByTestId('qr-created-image');
    await image.waitFor();
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(100);
    qrUrl = (await page.getByTestId('qr-created-url').innerText()).trim();
    expect(qrUrl).toBe(qr.url);
    expect(qrUrl).toMatch(/\/sandbox\/mp\/q\/[A-Za-z0-9_-]+$/);
    await settle(page);
    await merchant.screenshot('console-73-qr-created', { fullPage: false });
    await a11y.check(merchant, 'console QR code created');
    await page.getByTestId('qr-created-close').click();
    await page.getByTestId(`qr-row-${QR_NAME}`).waitFor();
    expect(await page.getByTestId(`qr-stats-${qrId}`).getAttribute('data-scans')).toBe('0');
  });

  it('a customer scans the code with WeChat and follows; the welcome reply arrives and the code counts one scan and one follow', async () => {
    const page = wechat.page;
    await page.goto(qrUrl);
    await page.getByRole('heading', { name: /扫码关注/ }).waitFor();
    await page.getByLabel('以哪个微信用户扫码').fill(FAN.key);
    await wechat.screenshot('shop-70-wechat-scan');
    await page.getByRole('button', { name: '扫码' }).click();
    await page.waitForURL(/\/sandbox\/mp\/phone\?/);
    // The shop's answer to the subscribe event (the code's welcome text) is the first line of the chat.
    await page.goto(phoneView(FAN.key));
    await expect
      .poll(async () => {
        await page.reload();
        return page.locator('main').innerText();
      }, { timeout: 15_000 })
      .toContain(WELCOME);
    expect(await page.locator('header').innerText()).toContain('已关注');
    await wechat.screenshot('shop-71-wechat-followed');

    const m = merchant.page;
    await consoleGo(m, app.t.url, '/messaging/qr-codes');
    const stats = m.getByTestId(`qr-stats-${qrId}`);
    await stats.waitFor();
    expect([await stats.getAttribute('data-scans'), await stats.getAttribute('data-follows')]).toEqual(['1', '1']);
    await settle(m);
    await merchant.screenshot('console-74-qr-scanned');
    await a11y.check(merchant, 'console QR codes with scans');
  });

  it('the follower signs in to the storefront with WeChat, buys with an express address and pays', async () => {
    productId = (await createProduct(app.t, app.owner, { title: PRODUCT, priceFen: 12_800, stock: 20 })).id;
    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/products/${productId}`);
    await expect.poll(() => page.getByTestId('product-title').innerText()).toContain(PRODUCT);
    await page.getByTestId('buy-now').click();
    await page.waitForURL(/\/login/);
    await page.getByTestId('wechat-sign-in').click();
    // WeChat's consent page (the OAuth sandbox): the same WeChat user who followed, so the same unionid.
    await page.waitForURL(/\/sandbox\/wechat\/connect\/oauth2\/authorize/);
    await page.getByRole('radio', { name: FAN.nickname, exact: true }).check();
    await customer.screenshot('shop-72-wechat-consent');
    await page.getByRole('button', { name: '允许' }).click();
    await page.waitForURL(new RegExp(`/s/${app.slug}/products/${productId}$`), { timeout: 20_000 });

    await page.getByTestId('buy-now').click();
    await page.getByTestId('sku-confirm-buy').click();
    await page.waitForURL(/\/checkout$/);
    await expect.poll(() => page.getByTestId('fulfilment-express').getAttribute('aria-checked')).toBe('true');
    await page.getByTestId('checkout-add-address').click();
    await page.waitForURL(/\/me\/addresses\/new/);
    await page.getByTestId('address-contactName').fill('张三');
    await page.getByTestId('address-phone').fill(newPhone());
    await page.getByTestId('address-detail').fill('科技南路 18 号 2 栋 1203');
    await pickShopRegion(page, ['广东省', '深圳市', '南山区']);
    await page.getByTestId('address-save').click();
    await page.waitForURL(/\/checkout$/);
    await expect.poll(() => page.getByTestId('checkout-address').innerText()).toContain('张三');
    await expect.poll(() => page.getByTestId('submit-order').isEnabled()).toBe(true);
    await page.getByTestId('submit-order').click();
    await payInCashier(customer, app.slug);
    await expect.poll(() => page.getByTestId('pay-result').innerText(), { timeout: 20_000 }).toBe('支付成功');
    await page.getByTestId('view-order').click();
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
    orderId = /\/orders\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
    await expect.poll(() => page.getByTestId('order-status').getAttribute('data-status')).toBe('paid');
    orderNo = (await page.getByTestId('order-no').innerText()).trim();
    await settle(page);
    await customer.screenshot('shop-73-order-paid');
    await a11y.check(customer, 'storefront order detail (WeChat customer)');
  });

  it("the console shows the follower as the customer, tagged 门店扫码 by the code they came through", async () => {
    const page = merchant.page;
    // Linking runs as jobs (the follower's unionid, then the sign-in): wait for the follower to have a customer.
    await expect
      .poll(async () => (await admin('GET', '/messaging/followers')).body.items.find((f: { sourceQr: string | null; customerId: string | null }) => f.sourceQr === QR_NAME && f.customerId)?.customerId, { timeout: 20_000 })
      .toBeTruthy();
    await consoleGo(page, app.t.url, '/messaging/followers');
    const row = page.getByTestId('followers-table').locator('tr', { hasText: QR_NAME });
    await expect.poll(() => row.innerText()).toContain(FAN.nickname);
    await settle(page);
    await merchant.screenshot('console-75-followers');
    await a11y.check(merchant, 'console followers');

    await row.getByRole('link', { name: FAN.nickname }).click();
    await page.waitForURL(/\/admin\/customers\/[0-9a-f-]{36}$/);
    fanCustomerId = /\/customers\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
    await settle(page);
    await expect.poll(() => page.getByTestId('member-tags').innerText(), { timeout: 15_000 }).toContain(TAG);
    // The profile is long: the shot shows its 会员等级与标签 card with the source tag.
    await page.getByTestId('customer-membership').scrollIntoViewIfNeeded();
    await merchant.screenshot('console-76-customer-tagged', { fullPage: false });
    await a11y.check(merchant, 'console customer with the source tag');
    const tags = await admin('GET', `/customers/${fanCustomerId}/tags`);
    expect(tags.body.items.map((x: { id: string }) => x.id)).toContain(tagId);
    expect((await admin('GET', `/orders/${orderId}`)).body.customerId).toBe(fanCustomerId);
  });

  it("the merchant ships; the order-shipped template message with the tracking number shows in WeChat's phone view", async () => {
    const page = merchant.page;
    await consoleGo(page, app.t.url, '/orders');
    const row = page.getByTestId(`order-row-${orderNo}`);
    await row.waitFor();
    expect(await row.innerText()).toContain('待发货');
    await page.getByTestId(`ship-button-${orderNo}`).click();
    await page.getByTestId('ship-carrier').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '顺丰速运' }).click();
    await page.getByTestId('ship-tracking-no').fill(TRACKING_NO);
    const shipped = page.waitForResponse((r) => r.url().endsWith(`/orders/${orderId}/ship`));
    await page.getByTestId('ship-submit').click();
    expect((await shipped).status()).toBe(200);
    await expect.poll(() => row.innerText()).toContain('已发货');

    const phone = wechat.page;
    await phone.goto(phoneView(FAN.key));
    const card = phone.locator('article.card', { has: phone.getByRole('heading', { name: '订单发货通知' }) });
    await expect
      .poll(async () => {
        await phone.reload();
        return card.count();
      }, { timeout: 20_000 })
      .toBe(1);
    // The shipped notice is transactional (sent whatever the caps); WeChat's receipt (TEMPLATESENDJOBFINISH) marks it delivered.
    await expect
      .poll(async () => (await admin('GET', `/messaging/deliveries?customerId=${fanCustomerId}&topic=order_shipped`)).body.items[0]?.status, { timeout: 20_000 })
      .toBe('delivered');
    await phone.reload();
    const text = await card.innerText();
    expect(text).toContain('模板消息');
    expect(text).toMatch(new RegExp(`快递单号\\s*${TRACKING_NO}`));
    // Delivered: the phone shows no 发送中 / 未送达 mark on the card.
    expect(await card.locator('.tag').count()).toBe(0);
    await wechat.screenshot('shop-74-wechat-order-shipped');
  });

  it('more customers follow through the same code and sign in with WeChat; the tag gathers all of them', async () => {
    const h = customerHelpers(app.t);
    for (let i = 1; i <= MORE_FANS; i++) {
      const key = `reach-fan-${process.pid}-${i}`;
      // What the scan page posts: the simulated user scans the code (a subscribe event with its scene).
      const scanned = await fetch(qrUrl, { method: 'POST', body: new URLSearchParams({ key }), redirect: 'manual' });
      expect(scanned.status).toBe(303);
      const signed = await h.wechatSignIn(app.slug, { key, nickname: `粉丝${i}` });
      fans.set(key, { token: signed.token, customerId: signed.customer.id, phone: newPhone() });
    }
    await expect
      .poll(async () => (await admin('GET', '/tags')).body.items.find((x: { id: string }) => x.id === tagId)?.customers, { timeout: 30_000, interval: 500 })
      .toBe(MORE_FANS + 1);
    const qr = (await admin('GET', '/messaging/qr-codes')).body.items.find((x: { id: string }) => x.id === qrId);
    expect(qr).toMatchObject({ scans: MORE_FANS + 1, follows: MORE_FANS + 1 });
  });

  it('a broadcast to 门店扫码 over template messages keeps 30% back; the result page shows the sent arm and the holdout', async () => {
    const page = merchant.page;
    await consoleGo(page, app.t.url, '/messaging/broadcasts');
    await page.getByTestId('broadcast-new').click();
    await page.waitForURL(/\/messaging\/broadcasts\/new$/);
    await page.getByTestId('broadcast-wizard').waitFor();
    await page.getByTestId('broadcast-name').fill('会员日群发');
    await page.getByTestId('broadcast-audience-tag').click();
    await page.getByTestId('broadcast-tag').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: TAG }).click();
    await merchant.screenshot('console-77-broadcast-audience');
    await page.getByTestId('broadcast-next').click();

    // Only the official account's template messages: no mini-program, no SMS.
    await page.getByTestId('broadcast-step-content').waitFor();
    const mini = page.getByTestId('broadcast-channel-mini_subscribe');
    if (await mini.isChecked()) await mini.click();
    await expect.poll(() => mini.isChecked()).toBe(false);
    await expect.poll(() => page.getByTestId('broadcast-channel-oa_template').isChecked()).toBe(true);
    await page.getByTestId('broadcast-template-oa_template').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '会员日活动通知' }).click();
    await page.getByTestId('broadcast-var-activity').fill('思域会员日');
    await page.getByTestId('broadcast-link').fill('/');
    await expect.poll(() => page.getByTestId('broadcast-preview-oa_template').innerText()).toContain('思域会员日');
    await settle(page);
    await merchant.screenshot('console-78-broadcast-content');
    await a11y.check(merchant, 'console broadcast wizard (content)');
    await page.getByTestId('broadcast-next').click();

    await page.getByTestId('broadcast-step-measure').waitFor({ state: 'visible' });
    await page.getByTestId('broadcast-holdout').fill('30');
    const draft = page.waitForResponse((r) => /\/api\/admin\/messaging\/broadcasts\/[0-9a-f-]{36}\/estimate$/.test(r.url()));
    await page.getByTestId('broadcast-next').click();
    expect((await draft).status()).toBe(200);
    await page.getByTestId('broadcast-estimate').waitFor();
    const stat = async (k: string) => Number((await page.getByTestId(`estimate-${k}`).locator('.ant-statistic-content-value').innerText()).replace(/\D/g, ''));
    expect({ audience: await stat('audience'), holdout: await stat('holdout'), toSend: await stat('toSend'), oa: await stat('reach-oa_template') }).toEqual({
      audience: MORE_FANS + 1, holdout: 2, toSend: MORE_FANS - 1, oa: MORE_FANS - 1,
    });
    await settle(page);
    await merchant.screenshot('console-79-broadcast-estimate');
    await a11y.check(merchant, 'console broadcast estimate');

    await page.getByTestId('broadcast-confirm').click();
    await page.waitForURL(/\/messaging\/broadcasts\/[0-9a-f-]{36}$/);
    broadcastId = /\/broadcasts\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
    await page.getByTestId('broadcast-detail').waitFor();
    // The page polls while it sends; the worker's maintenance marks it done once every message has an outcome.
    await expect.poll(() => page.getByTestId('broadcast-status').getAttribute('data-status'), { timeout: 60_000, interval: 500 }).toBe('done');
    await expect.poll(() => page.getByTestId('broadcast-stat-doneN').innerText()).toContain(String(MORE_FANS - 1));

    // Both arms, side by side; delivered counts WeChat's receipts, so refresh until every one has come back.
    const sent = page.getByTestId('broadcast-result-sent');
    const held = page.getByTestId('broadcast-result-holdout');
    await sent.waitFor();
    await held.waitFor();
    expect(await page.getByTestId('broadcast-result-sent-recipients').innerText()).toBe(String(MORE_FANS - 1));
    expect(await page.getByTestId('broadcast-result-holdout-recipients').innerText()).toBe('2');
    await expect
      .poll(async () => {
        const n = await page.getByTestId('broadcast-result-sent-delivered').innerText();
        if (n !== String(MORE_FANS - 1)) {
          await page.getByTestId('broadcast-result-refresh').click();
          await settle(page);
        }
        return page.getByTestId('broadcast-result-sent-delivered').innerText();
      }, { timeout: 20_000, interval: 500 })
      .toBe(String(MORE_FANS - 1));
    await page.getByTestId('broadcast-result-incremental').waitFor();
    await settle(page);
    await merchant.screenshot('console-80-broadcast-result');
    await a11y.check(merchant, 'console broadcast result');

    // What the arms mean on the phones: the sent arm got exactly one 活动通知 each, the holdout none.
    const result = (await admin('GET', `/messaging/broadcasts/${broadcastId}/result`)).body;
    expect(result.arms.sent.recipients).toBe(MORE_FANS - 1);
    expect(result.arms.holdout.recipients).toBe(2);
    const deliveries = (await admin('GET', `/messaging/deliveries?broadcastId=${broadcastId}&pageSize=100`)).body.items as { customerId: string; status: string; channel: string }[];
    expect(deliveries).toHaveLength(MORE_FANS - 1);
    expect(deliveries.every((d) => d.channel === 'oa_template' && d.status === 'delivered'), JSON.stringify(deliveries)).toBe(true);
    const sentTo = new Set(deliveries.map((d) => d.customerId));
    const everyone: [string, string][] = [[FAN.key, fanCustomerId], ...[...fans].map(([key, c]): [string, string] => [key, c.customerId])];
    for (const [key, customerId] of everyone) {
      const got = (await simMessages(key)).filter((m) => m.type === 'template' && m.title === '活动通知').length;
      expect(got, key).toBe(sentTo.has(customerId) ? 1 : 0);
    }
  });

  it('a recipient taps the tracked link in the message and buys; the sent arm counts the click and the order', async () => {
    const deliveries = (await admin('GET', `/messaging/deliveries?broadcastId=${broadcastId}&pageSize=100`)).body.items as { customerId: string }[];
    const sentTo = new Set(deliveries.map((d) => d.customerId));
    const [key, buyer] = [...fans].find(([, c]) => sentTo.has(c.customerId))!;
    const phone = wechat.page;
    await phone.goto(phoneView(key));
    const card = phone.locator('article.card', { has: phone.getByRole('heading', { name: '活动通知' }) });
    await card.waitFor();
    const text = await card.innerText();
    expect(text).toContain('思域会员日');
    expect(text).toContain('全场会员价再享9折');
    const more = card.getByRole('link', { name: '详情' });
    expect(await more.getAttribute('href')).toMatch(/\/r\/[A-Za-z0-9_-]{22}$/);
    await wechat.screenshot('shop-75-wechat-broadcast');
    // The short link names the recipient, then leads to the shop.
    await more.click();
    await phone.waitForURL(new RegExp(`/s/${app.slug}/?$`));
    await phone.getByTestId('shop-name').waitFor();

    // They buy within the attribution window (over HTTP: the storefront purchase is shown above).
    const addressId = await addAddress(app.t, app.slug, buyer);
    const sku = (await admin('GET', `/products/${productId}`)).body.skus[0].id as string;
    const placed = await app.t.call('POST', `/api/store/${app.slug}/orders`, { headers: bearer(buyer), body: { items: [{ skuId: sku, quantity: 1 }], fulfilment: 'express', addressId } });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    await payOrder(app.t, app.slug, buyer, (placed.body.orders?.[0] ?? placed.body).id);

    const page = merchant.page;
    await expect
      .poll(async () => {
        await page.getByTestId('broadcast-result-refresh').click();
        await settle(page);
        return [await page.getByTestId('broadcast-result-sent-clicked').innerText(), await page.getByTestId('broadcast-result-sent-buyers').innerText()];
      }, { timeout: 20_000, interval: 500 })
      .toEqual(['1', '1']);
    expect(await page.getByTestId('broadcast-result-sent-revenue').innerText()).toContain('128.00');
    expect(await page.getByTestId('broadcast-result-holdout-buyers').innerText()).toBe('0');
    await page.getByTestId('broadcast-result-incremental-estimate').waitFor();
    await settle(page);
    await merchant.screenshot('console-81-broadcast-result-order');
    await a11y.check(merchant, 'console broadcast result with an order');
  });
});
