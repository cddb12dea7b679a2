import { afterEach, describe, expect, it } from 'vitest';
import { connectCorp } from '../apps/server/src/modules/wecom/followups.fixtures.js';
import type { E2EApp } from './support/app.js';
import { newContext, watchedPage, type WatchedPage } from './support/browser.js';
import { consoleGo, consoleSelect, consoleSignIn, orderIdOf, payInCashier, settle, wecomSidebarAs } from './support/flows.js';
import { twoPersonStage } from './support/stage.js';

/**
 * Issue 16's loop (企业微信 SCRM) in Chromium. The merchant makes a channel code in the console that tags and
 * welcomes with a coupon; a WeChat user scans it and is welcomed within WeCom's 20 s, tagged; she claims the
 * coupon from the welcome link on her phone (signing in with WeChat, so her WeCom contact becomes the shop's
 * customer) and buys lenses; her assistant's sidebar shows the order. Three months on, the lens rule reminds
 * the assistant on their WeCom phone and in the sidebar's to-dos. The assistant leaves; the merchant hands
 * their customers to a colleague (离职继承), and after WeCom's 24 h each shows 接替完毕 and the new owner.
 *
 * The simulator's controls stand only for what WeCom's and WeChat's own apps do: a customer scanning, a
 * member leaving, time passing. Everything a merchant, customer or member does goes through the pages.
 */
let app: E2EApp;
let merchant: WatchedPage;
let customer: WatchedPage;
const stage = twoPersonStage((s) => ({ app, merchant, customer } = s));

/** The member's phone (WeCom app and sidebar), a context of its own: the sidebar's session is per tab. */
const extraPages: WatchedPage[] = [];
afterEach(() => extraPages.forEach((p) => p.assertClean()));

const DAY = 86_400_000;
const TAG = '门店扫码';
const CODE_NAME = '南京西路店导购码';
const WELCOME = '您好,我是南京西路店的李四,送您一张 20 元配镜券,点开即可领取';
const COUPON = '加企微立减 20 元';
const LENS = '1.60 防蓝光镜片';
const RULE = '镜片免费清洗';
const RULE_TITLE = '邀请免费清洗';
/** The WeChat user who scans and buys (the OAuth sandbox knows her by this key; her unionid follows from it). */
const LIN = { key: 'wecom-loop-lin', nickname: '林女士' };
/** A second person scanning the same code who never signs in to the shop. */
const CHEN = '陈先生';

type Welcome = { userid: string; external_userid: string; text?: string; attachments: { msgtype: string; link?: { url: string; title: string } }[]; sent_at: string };
type SimRelation = { userid: string; external_userid: string; createtime: number; tags: string[] };

let w: Awaited<ReturnType<typeof connectCorp>>;
let tagId = '';
let couponId = '';
let codeId = '';
let configId = '';
const lin = { external: '', unionid: '', customerId: '' };
let chen = '';
let lensId = '';
let reminderId = '';
let handoverId = '';

const admin = (method: string, path: string, body?: unknown) => w.admin(method, path, body);
const welcomesOf = async (external: string) => (await w.sim(`/welcome-messages?external_userid=${external}`)).body as Welcome[];
const simRelations = async (external: string) => (await w.sim(`/relations?external_userid=${external}`)).body as SimRelation[];

async function staffPhone(name: string) {
  const p = await watchedPage(await newContext(stage.browser, 'shop'), name, { fullPage: false });
  p.allow(/Failed to load resource: .*404.*\/favicon\.ico\)$/, "the WeCom phone view and OAuth2 page are the simulator's pages, not the product's; they declare no icon, so Chromium's automatic /favicon.ico request 404s there");
  extraPages.push(p);
  return p;
}

describe('WeCom SCRM loop: channel code → welcome with a coupon → purchase in the sidebar → reminder → handover of a leaver', () => {
  it('the merchant makes a tag and a channel code that tags, and welcomes with a coupon; the QR code shows', async () => {
    w = await connectCorp(app.t, { shopId: app.shopId, slug: app.slug, owner: app.owner });
    // The coupon's own screens are coupon.e2e.ts's; here it is what the welcome carries.
    const coupon = await admin('POST', '/coupons', { name: COUPON, kind: 'no_threshold', amountOffFen: 2000, validity: { type: 'relative', days: 30 }, totalQuantity: 100 });
    expect(coupon.status, JSON.stringify(coupon.body)).toBe(201);
    couponId = coupon.body.id;

    const page = merchant.page;
    await consoleSignIn(merchant, app.t.url, app.login, app.password);
    await consoleGo(page, app.t.url, '/wecom/tags');
    await page.getByTestId('wecom-tag-new').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('标签组').fill('渠道');
    await dialog.getByLabel('标签', { exact: true }).click();
    await page.keyboard.type(TAG);
    await page.keyboard.press('Enter');
    const made = page.waitForResponse((r) => r.url().endsWith('/api/admin/wecom/tags') && r.request().method() === 'POST');
    await page.getByTestId('wecom-tag-save').click();
    const madeRes = await made;
    expect(madeRes.status()).toBe(201);
    tagId = (await madeRes.json()).tags[0].id;
    await page.getByTestId('wecom-tag-group-渠道').getByText(TAG).waitFor();
    // WeCom has the tag too: it was made there first.
    expect(JSON.stringify((await admin('GET', '/wecom/tags')).body)).toContain(tagId);

    await consoleGo(page, app.t.url, '/wecom/channel-codes');
    await page.getByTestId('wecom-code-new').click();
    await page.getByTestId('wecom-code-form').waitFor();
    await page.getByTestId('wecom-code-name-input').fill(CODE_NAME);
    await consoleSelect(page, 'wecom-code-users', '李四');
    await consoleSelect(page, 'wecom-code-tags', TAG);
    await page.keyboard.press('Escape');
    await page.getByTestId('wecom-code-welcome-on').click();
    await page.getByTestId('wecom-code-welcome-text').fill(WELCOME);
    await page.getByTestId('wecom-code-attachment').getByText('优惠券', { exact: true }).click();
    await consoleSelect(page, 'wecom-code-coupon', COUPON);
    await expect.poll(() => page.getByTestId('wecom-code-form').locator('.ant-select-selection-item', { hasText: TAG }).count()).toBe(1);
    await settle(page);
    await merchant.screenshot('wecom-loop-01-code-form');
    await stage.a11y.check(merchant, 'console channel code form');

    const saved = page.waitForResponse((r) => r.url().endsWith('/api/admin/wecom/channel-codes') && r.request().method() === 'POST');
    await page.getByTestId('wecom-code-save').click();
    const res = await saved;
    expect(res.status()).toBe(201);
    const code = await res.json();
    codeId = code.id;
    configId = code.configId;
    expect(code).toMatchObject({ mode: 'single', users: ['lisi'], tagIds: [tagId], welcome: { couponTemplateId: couponId } });
    await page.waitForURL(new RegExp(`/admin/wecom/channel-codes/${codeId}/stats$`));
    // The printed code: WeCom's QR image, loaded and drawn.
    const qr = page.getByTestId('wecom-code-qr-big');
    await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 15_000 }).toBeGreaterThan(100);
    await expect.poll(() => page.getByTestId('wecom-code-info').innerText()).toContain(TAG);
    await settle(page);
    await merchant.screenshot('wecom-loop-02-code-qr');
    await stage.a11y.check(merchant, 'console channel code with its QR code');
  });

  it('the lens rule: 3 months after lenses are bought, remind the customer’s assistant to invite them for a free cleaning', async () => {
    // Set up before anyone buys: a rule applies to purchases paid after it exists.
    const glasses = await admin('POST', '/categories', { name: '眼镜' });
    const lenses = await admin('POST', '/categories', { name: '镜片', parentId: glasses.body.id });
    expect(lenses.status, JSON.stringify(lenses.body)).toBe(201);
    lensId = (await w.product(LENS, lenses.body.id, 39_900)).id;

    const page = merchant.page;
    await consoleGo(page, app.t.url, '/wecom/reminder-rules');
    await page.getByTestId('wecom-rule-new').click();
    await page.getByTestId('wecom-rule-form').waitFor();
    await page.getByTestId('wecom-rule-name-input').fill(RULE);
    await page.getByTestId('wecom-rule-categories').click();
    await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-tree-title', { hasText: /^镜片$/ }).click();
    await page.keyboard.press('Escape');
    // The form starts at 3 个月; the merchant keeps it.
    await expect.poll(() => page.getByTestId('wecom-rule-delay-n').inputValue()).toBe('3');
    await page.getByTestId('wecom-rule-title').fill(RULE_TITLE);
    await page.getByTestId('wecom-rule-text').fill('{{name}} 于 {{paidDate}} 购买了{{product}},已满三个月,请邀请 TA 到店免费清洗眼镜');
    await expect.poll(() => page.getByTestId('wecom-rule-preview').innerText()).toContain('已满三个月');
    await settle(page);
    await merchant.screenshot('wecom-loop-03-rule-form', { fullPage: false });
    await stage.a11y.check(merchant, 'console reminder rule form');
    await page.getByTestId('wecom-rule-save').click();
    const row = page.getByTestId(`wecom-rule-row-${RULE}`);
    await expect.poll(() => row.innerText()).toContain('镜片');
    expect(await row.getByTestId('wecom-rule-delay').innerText()).toContain('3');
    const rules = (await admin('GET', '/wecom/reminder-rules')).body.items as { name: string; delayDays: number; categoryIds: string[] }[];
    expect(rules.find((r) => r.name === RULE)).toMatchObject({ delayDays: 90, categoryIds: [lenses.body.id] });
    await settle(page);
    await merchant.screenshot('wecom-loop-04-rules');
    await stage.a11y.check(merchant, 'console reminder rules');
  });

  it('a customer scans the code: welcomed once with the coupon link within WeCom’s 20 s, and tagged in the console', async () => {
    // WeChat knows her (same person on every app of the open platform, so the same unionid WeCom reports).
    const known = await app.t.call('POST', '/sandbox/wechat/sandbox/authorize', { body: { appid: 'wxsandbox000000001', scope: 'snsapi_userinfo', user: LIN } });
    expect(known.status).toBe(200);
    lin.unionid = known.body.unionid;
    lin.external = (await w.sim('/customers', { name: LIN.nickname, unionid: lin.unionid })).body.external_userid;
    chen = (await w.sim('/customers', { name: CHEN })).body.external_userid;

    for (const external of [lin.external, chen]) {
      const scanned = await w.sim('/scan', { config_id: configId, external_userid: external });
      expect(scanned.status, JSON.stringify(scanned.body)).toBe(200);
      expect(scanned.body.userid).toBe('lisi');
    }

    for (const external of [lin.external, chen]) {
      await expect.poll(async () => (await welcomesOf(external)).length, { timeout: 20_000 }).toBe(1);
      const [welcome] = await welcomesOf(external);
      expect(welcome!.text).toBe(WELCOME);
      expect(welcome!.attachments).toHaveLength(1);
      expect(welcome!.attachments[0]).toMatchObject({ msgtype: 'link' });
      expect(welcome!.attachments[0]!.link!.url).toBe(`${app.t.url}/s/${app.slug}/coupons/${couponId}`);
      // WeCom's rule, judged on WeCom's own clock: the welcome went out within 20 s of the add.
      const [rel] = await simRelations(external);
      const afterAdd = new Date(welcome!.sent_at).getTime() - rel!.createtime * 1000;
      expect(afterAdd).toBeGreaterThanOrEqual(0);
      expect(afterAdd).toBeLessThan(20_000);
    }

    // Tagged on both sides, then shown so in the code's page.
    await expect.poll(async () => (await simRelations(lin.external))[0]?.tags ?? [], { timeout: 20_000 }).toContain(tagId);
    await expect
      .poll(async () => ((await admin('GET', `/wecom/relations?channelCodeId=${codeId}`)).body.items as { tagIds: string[] }[]).filter((r) => r.tagIds.includes(tagId)).length, { timeout: 20_000 })
      .toBe(2);
    const page = merchant.page;
    await consoleGo(page, app.t.url, `/wecom/channel-codes/${codeId}/stats`);
    await expect.poll(() => page.getByTestId('wecom-code-stats').getAttribute('data-adds')).toBe('2');
    const row = page.getByTestId(`wecom-code-customer-${lin.external}`);
    await expect.poll(() => row.innerText()).toContain(LIN.nickname);
    expect(await row.innerText()).toContain(TAG);
    expect(await row.innerText()).toContain('李四');
    expect(await page.getByTestId(`wecom-code-customer-${chen}`).innerText()).toContain(TAG);
    await settle(page);
    await merchant.screenshot('wecom-loop-05-code-scanned');
    await stage.a11y.check(merchant, 'console channel code after two scans');

    // Exactly once: the worked callbacks sent nothing more.
    for (const external of [lin.external, chen]) expect(await welcomesOf(external)).toHaveLength(1);
  });

  it('she opens the welcome’s link on her phone, signs in with WeChat, claims the coupon and buys lenses with it', async () => {
    const point = await app.t.call('POST', '/api/admin/pickup-points', { session: app.owner, body: { name: '南京西路店', address: '上海市静安区南京西路 1266 号' } });
    expect(point.status).toBe(201);
    const link = (await welcomesOf(lin.external))[0]!.attachments[0]!.link!.url;
    customer.allow(
      /Failed to load resource: .*404.*\/favicon\.ico\)$/,
      "WeChat's consent page is the OAuth simulator's page; it declares no icon, so Chromium's automatic /favicon.ico request 404s there",
    );
    const page = customer.page;
    await page.goto(link);
    await page.getByTestId('claim-coupon').waitFor();
    expect(await page.getByTestId('claim-coupon').innerText()).toContain('20');
    await settle(page);
    await customer.screenshot('wecom-loop-06-welcome-coupon');
    await stage.a11y.check(customer, 'storefront claim page from the welcome');
    await page.getByTestId('coupon-claim').click();
    await page.waitForURL(/\/login/);
    await page.getByTestId('wechat-sign-in').click();
    await page.waitForURL(/\/sandbox\/wechat\/connect\/oauth2\/authorize/);
    await page.getByRole('radio', { name: LIN.nickname, exact: true }).check();
    await page.getByRole('button', { name: '允许' }).click();
    await page.getByTestId('claim-done').waitFor({ timeout: 20_000 });
    await settle(page);
    await customer.screenshot('wecom-loop-07-claimed');

    // Her WeCom contact is the shop's customer now (linked by unionid when she signed in).
    await expect
      .poll(async () => ((await admin('GET', `/wecom/relations?channelCodeId=${codeId}`)).body.items as { externalUserid: string; customerId: string | null }[]).find((r) => r.externalUserid === lin.external)?.customerId ?? '', { timeout: 20_000 })
      .not.toBe('');
    lin.customerId = ((await admin('GET', `/wecom/relations?channelCodeId=${codeId}`)).body.items as { externalUserid: string; customerId: string }[]).find((r) => r.externalUserid === lin.external)!.customerId;

    await page.goto(`${app.t.url}/s/${app.slug}/products/${lensId}`);
    await expect.poll(() => page.getByTestId('product-title').innerText()).toContain(LENS);
    await page.getByTestId('buy-now').click();
    await page.getByTestId('sku-confirm-buy').click();
    await page.waitForURL(/\/checkout$/);
    await page.getByTestId('fulfilment-pickup').click();
    await expect.poll(() => page.getByTestId('fulfilment-pickup').getAttribute('aria-checked')).toBe('true');
    await expect.poll(() => page.getByTestId('checkout-coupon-value').innerText()).toContain('-¥20.00');
    await expect.poll(() => page.getByTestId('submit-order').isEnabled()).toBe(true);
    await expect.poll(() => page.getByTestId('checkout-amounts').innerText()).toContain('379.00');
    await settle(page);
    await customer.screenshot('wecom-loop-08-checkout');
    await page.getByTestId('submit-order').click();
    await payInCashier(customer, app.slug);
    const orderId = orderIdOf(page.url());
    await expect.poll(() => page.getByTestId('pay-result').innerText(), { timeout: 20_000 }).toBe('支付成功');
    const order = await admin('GET', `/orders/${orderId}`);
    expect(order.body).toMatchObject({ customerId: lin.customerId, status: 'paid', discountFen: 2000, paidFen: 37_900 });
    await settle(page);
    await customer.screenshot('wecom-loop-09-paid');
  });

  it('her assistant opens the sidebar on their phone and sees the order', async () => {
    const staff = await staffPhone('李四 (sidebar)');
    await wecomSidebarAs(staff, '李四', `${app.t.url}/s/${app.slug}/wecom/sidebar?external_userid=${encodeURIComponent(lin.external)}`);
    const page = staff.page;
    await page.getByRole('heading', { name: LIN.nickname }).waitFor();
    const order = page.locator('li', { hasText: `${LENS}×1` });
    await order.waitFor();
    // What she paid after the welcome's coupon.
    expect(await order.innerText()).toContain('¥379.00');
    await expect.poll(() => page.locator('.ws-chip.on').innerText()).toContain(TAG);
    await settle(page);
    await staff.screenshot('wecom-loop-10-sidebar-order');
    await stage.a11y.check(staff, 'wecom sidebar with the order');
  });

  it('three months later the rule fires: the assistant gets the app message, the console lists it sent and the sidebar as a to-do', async () => {
    const scheduled = (await admin('GET', `/wecom/reminders?customerId=${lin.customerId}`)).body.items as { id: string; status: string; dueAt: string }[];
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]!.status).toBe('scheduled');
    reminderId = scheduled[0]!.id;
    const before = (await w.appMessages('lisi')).length;

    // Time passes for the reminders as in followups.test.ts: their clock moves 91 days, and the every-minute
    // job's pass runs now rather than within the next minute.
    const reminders = app.t.services.wecom.reminders;
    const realClock = reminders.clock;
    reminders.clock = () => new Date(Date.now() + 91 * DAY);
    try {
      await reminders.dispatchDue();
      await expect.poll(async () => (await w.appMessages('lisi')).length, { timeout: 20_000 }).toBe(before + 1);
      await expect.poll(async () => (await admin('GET', `/wecom/reminders/${reminderId}`)).body.status).toBe('sent');
      // Exactly once: a later pass, still three months on, finds nothing left to send.
      expect(await reminders.dispatchDue()).toBe(0);
    } finally {
      reminders.clock = realClock;
    }
    const messages = await w.appMessages('lisi');
    expect(messages).toHaveLength(before + 1);
    const msg = messages.at(-1)!;
    expect(msg).toMatchObject({ msgtype: 'textcard', title: RULE_TITLE });
    expect(msg.content).toContain(LIN.nickname);
    expect(msg.content).toContain(LENS);
    expect(msg.url).toBe(`${app.t.url}/s/${app.slug}/wecom/sidebar?todo=${reminderId}&external_userid=${encodeURIComponent(lin.external)}`);

    const page = merchant.page;
    await consoleGo(page, app.t.url, '/wecom/reminders');
    const row = page.getByTestId(`wecom-reminder-row-${reminderId}`);
    await expect.poll(() => row.getAttribute('data-status')).toBe('sent');
    const text = await row.innerText();
    for (const s of ['已发送', '李四', '待处理', RULE_TITLE, LIN.nickname]) expect(text).toContain(s);
    await settle(page);
    await merchant.screenshot('wecom-loop-11-reminders');
    await stage.a11y.check(merchant, 'console reminders');

    // On the assistant's phone: the WeCom app's message, and its link to the sidebar's to-dos.
    const phone = await staffPhone('李四 (WeCom app)');
    await phone.page.goto(`${app.t.url}/sandbox/wecom/phone?corp=${encodeURIComponent(w.corpId)}&userid=lisi&refresh=0`);
    const card = phone.page.locator('.card', { hasText: RULE_TITLE });
    await card.waitFor();
    expect(await card.innerText()).toContain(LIN.nickname);
    await phone.screenshot('wecom-loop-12-wecom-app-message');
    await card.getByRole('link', { name: '详情' }).click();
    await wecomSidebarAs(phone, '李四');
    const todos = phone.page.getByRole('region', { name: /待处理/ });
    await expect.poll(() => todos.innerText()).toContain(RULE_TITLE);
    expect(await todos.innerText()).toContain(LENS);
    await settle(phone.page);
    await phone.screenshot('wecom-loop-13-sidebar-todo');
    await stage.a11y.check(phone, 'wecom sidebar to-dos from the reminder');
  });

  it('the assistant leaves; the merchant hands their customers to 王五 (离职继承), and after WeCom’s 24 h both are 接替完毕', async () => {
    const left = await w.sim('/staff/lisi/leave', {});
    expect(left.status, JSON.stringify(left.body)).toBe(200);
    // WeCom tells the shop (change_contact); the staff sync that follows marks the member as left.
    await expect
      .poll(async () => ((await admin('GET', '/wecom/staff')).body.items as { userid: string; status: number }[]).find((s) => s.userid === 'lisi')?.status, { timeout: 30_000 })
      .toBe(5);

    const page = merchant.page;
    await consoleGo(page, app.t.url, '/wecom/handovers');
    await page.getByTestId('wecom-ho-new').click();
    await page.getByTestId('wecom-ho-kind-resigned').click();
    await consoleSelect(page, 'wecom-ho-giver', '李四');
    await page.getByTestId('wecom-ho-next').click();
    await page.getByTestId('wecom-ho-step-customers').waitFor();
    // antd puts the test id on the checkbox's hidden input; people click its label.
    const all = page.locator('label', { has: page.getByTestId('wecom-ho-all-customers') });
    await expect.poll(() => all.innerText()).toContain('2 位');
    await all.click();
    // WeCom is asked for the leaver's groups too; 李四 owns none.
    await page.getByTestId('wecom-ho-groups').getByText('该成员没有作为群主的客户群').waitFor();
    await expect.poll(() => page.getByTestId('wecom-ho-chosen').innerText()).toContain('2');
    await settle(page);
    await merchant.screenshot('wecom-loop-14-handover-customers');
    await stage.a11y.check(merchant, 'console handover wizard: customers');
    await page.getByTestId('wecom-ho-next').click();
    await consoleSelect(page, 'wecom-ho-taker', '王五');
    await page.getByTestId('wecom-ho-preview').click();
    const preview = page.getByTestId('wecom-ho-step-preview');
    await preview.waitFor();
    await preview.getByText('所选客户都可以转接').waitFor();
    expect(await preview.innerText()).toContain('离职继承');
    await settle(page);
    await merchant.screenshot('wecom-loop-15-handover-preview');
    await stage.a11y.check(merchant, 'console handover wizard: preview');
    await page.getByTestId('wecom-ho-confirm').click();
    await page.waitForURL(/\/admin\/wecom\/handovers\/[0-9a-f-]{36}$/);
    handoverId = /\/handovers\/([0-9a-f-]{36})$/.exec(page.url())![1]!;

    // Sent to WeCom: it waits for its 24 h, and the detail page says so for each customer.
    const detail = page.getByTestId('wecom-ho-detail');
    await expect.poll(() => detail.getAttribute('data-status'), { timeout: 30_000 }).toBe('waiting');
    for (const external of [lin.external, chen]) await expect.poll(() => page.getByTestId(`wecom-ho-row-${external}`).getAttribute('data-state'), { timeout: 15_000 }).toBe('waiting');
    const sent = (await w.sim('/transfers')).body as { kind: string; handover_userid: string; takeover_userid: string; external_userid: string; status: number }[];
    expect(sent.map((x) => [x.kind, x.handover_userid, x.takeover_userid, x.status]).sort()).toEqual([['resigned', 'lisi', 'wangwu', 2], ['resigned', 'lisi', 'wangwu', 2]]);
    await settle(page);
    await merchant.screenshot('wecom-loop-16-handover-waiting');

    // A day passes at WeCom; the page follows by itself (it reads the handover again while it is open).
    expect((await w.sim('/clock', { advanceMs: 24 * 3600_000 + 60_000 })).status).toBe(200);
    await expect.poll(() => detail.getAttribute('data-status'), { timeout: 45_000 }).toBe('done');
    for (const [external, name] of [[lin.external, LIN.nickname], [chen, CHEN]] as const) {
      const row = page.getByTestId(`wecom-ho-row-${external}`);
      expect(await row.getAttribute('data-state')).toBe('done');
      expect(await row.innerText()).toContain(name);
      expect(await row.getByTestId('wecom-handover-state').innerText()).toBe('接替完毕');
      expect((await simRelations(external)).map((r) => r.userid)).toEqual(['wangwu']);
    }
    expect((await admin('GET', `/wecom/handovers/${handoverId}`)).body).toMatchObject({ kind: 'resigned', status: 'done', counts: { total: 2, done: 2, waiting: 0, failed: 0 } });
    await settle(page);
    await merchant.screenshot('wecom-loop-17-handover-done');
    await stage.a11y.check(merchant, 'console handover results');

    // The relation list: 王五 serves her now; 李四's relation is kept as handed over.
    await consoleGo(page, app.t.url, `/wecom/relations?customerId=${lin.customerId}`);
    const table = page.getByTestId('wecom-relation-table');
    const active = table.locator('tr[data-status="active"]');
    await expect.poll(() => active.count()).toBe(1);
    expect(await active.innerText()).toContain('王五');
    const old = table.locator('tr[data-status="transferred"]');
    expect(await old.count()).toBe(1);
    expect(await old.innerText()).toContain('李四');
    expect(await old.innerText()).toContain('已转接');
    await settle(page);
    await merchant.screenshot('wecom-loop-18-relations-new-owner');
    await stage.a11y.check(merchant, 'console relations after the handover');
  });
});
