import { describe, expect, it } from 'vitest';
import { sql } from '../apps/server/src/platform/db/index.js';
import { bearer, signInCustomer, type CustomerFixture } from '../apps/server/src/testing/commerce.js';
import type { E2EApp } from './support/app.js';
import type { WatchedPage } from './support/browser.js';
import { twoPersonStage } from './support/stage.js';
import { consoleGo, consoleSignIn, settle } from './support/flows.js';

/**
 * 邀请有礼 paid as WeChat change in Chromium: the merchant chooses 微信零钱 in the console's invitation settings; a
 * friend accepts the customer's invitation (through the API — fission.e2e.ts drives share links in the browser);
 * the customer finds ¥5.00 waiting on their 邀请有礼 page, taps 领取, confirms on the sandbox's 确认收款 page
 * (WeChat's own, in production) and the console shows the payout 已到零钱.
 */
let app: E2EApp;
let merchant: WatchedPage;
let customer: WatchedPage;
const { a11y } = twoPersonStage((s) => ({ app, merchant, customer } = s));

const store = (path: string) => `/api/store/${app.slug}${path}`;

/** A customer who signed in through the merchant's WeChat app: WeChat Pay can transfer only to an openid. */
async function wechatCustomer() {
  const c = await signInCustomer(app.t, app.slug);
  const { appId } = await app.t.services.payments.merchant(app.shopId);
  await app.t.platform.db.execute(sql`
    INSERT INTO customer_identities (shop_id, customer_id, provider, app_id, openid)
    VALUES (${app.shopId}, ${c.customerId}, 'wechat', ${appId}, ${`o_e2e_${c.customerId.replace(/-/g, '').slice(0, 20)}`})`);
  return c;
}

/** Reloads the page and answers the payouts it loaded (the list renders from exactly that answer). */
async function reloadPayouts(page: WatchedPage['page']) {
  const loaded = page.waitForResponse((r) => r.url().endsWith('/me/invitations/payouts') && r.request().method() === 'GET');
  await page.reload();
  return ((await (await loaded).json()) as { items: { status: string }[] }).items;
}

describe('邀请有礼: cash to WeChat change, claimed by the customer', () => {
  let inviter: CustomerFixture;

  it('the merchant pays invitation cash as WeChat change', async () => {
    await consoleSignIn(merchant, app.t.url, app.login, app.password);
    // The scheme through the API (its form has its own checks in the server tests); the choice is shown in the console.
    const saved = await app.t.call('PUT', '/api/admin/invitations/settings', {
      session: app.owner,
      body: {
        enabled: true, newCustomer: 'new_account', newAccountHours: 24, trigger: 'registered', attributionDays: 7, inviterCouponTemplateId: null, inviterPoints: 0,
        inviteeCouponTemplateId: null, inviteePoints: 0, inviterDailyCap: 10, inviterCashFen: 500, inviteeCashFen: 300, cashPayout: 'wechat', activityName: '冬季邀请有礼',
      },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    await consoleGo(merchant.page, app.t.url, '/invitations/settings');
    await expect.poll(() => merchant.page.getByText('微信零钱', { exact: false }).count()).toBeGreaterThan(0);
    await settle(merchant.page);
    await merchant.screenshot('console-invite-01-wechat-cash');
  });

  it('a friend accepts; the customer claims ¥5.00 on the 确认收款 page', async () => {
    inviter = await wechatCustomer();
    const friend = await wechatCustomer();
    const share = await app.t.call('POST', store('/me/share'), { headers: bearer(inviter), body: { kind: 'promoter' } });
    const accepted = await app.t.call('POST', store('/invitations/accept'), { headers: bearer(friend), body: { scene: share.body.scene } });
    expect(accepted.body.outcome, JSON.stringify(accepted.body)).toBe('accepted');

    const page = customer.page;
    await page.goto(`${app.t.url}/s/${app.slug}/`);
    await page.evaluate(([k, v]) => localStorage.setItem(k!, v!), [`siyu:shop:${app.slug}:token`, inviter.token]);
    await page.goto(`${app.t.url}/s/${app.slug}/me/invite`);
    expect(await page.getByTestId('invite-reward-inviter').innerText()).toContain('¥5.00 微信零钱');
    // The bill is made by a job of the app's worker; the page shows it once WeChat holds it for confirmation.
    await expect.poll(async () => (await reloadPayouts(page)).filter((p) => p.status === 'wait_confirm').length, { timeout: 30_000 }).toBe(1);
    await page.locator('[data-testid="invite-payout"][data-status="wait_confirm"]').waitFor();
    expect(await page.getByTestId('invite-payout').innerText()).toContain('¥5.00');
    await settle(page);
    await customer.screenshot('shop-invite-01-payout-to-claim');
    await a11y.check(customer, 'storefront invitation payouts');

    customer.allow(/Failed to load resource: .*404.*\/favicon\.ico\)$/, "the sandbox's 确认收款 page is the simulator's, not the product's; it declares no icon");
    await page.getByTestId('invite-payout-claim').click();
    await page.waitForURL(/\/sandbox\/wechatpay\/transfer\/confirm/);
    await page.getByRole('button', { name: '确认收款' }).click();
    await page.waitForURL(/\/me\/invite/);
    // Paid once WeChat's MCHTRANSFER notification has landed: the payout leaves the list.
    await expect.poll(async () => (await reloadPayouts(page)).length, { timeout: 30_000 }).toBe(0);
    await page.getByTestId('invite-list').waitFor();
    expect(await page.getByTestId('invite-payouts').count()).toBe(0);
    // Nothing went into the balance: the money is in WeChat change.
    expect(await app.t.services.storedValue.account(app.shopId, inviter.customerId)).toMatchObject({ bonusFen: 0 });
  });

  it('the console lists the payout as 已到零钱', async () => {
    const page = merchant.page;
    await consoleGo(page, app.t.url, '/invitations');
    const paid = page.locator('[data-testid^="iv-payout-"][data-status="paid"]');
    await expect.poll(() => paid.count(), { timeout: 20_000 }).toBe(1);
    expect(await paid.innerText()).toContain('已到零钱');
    await settle(page);
    await merchant.screenshot('console-invite-02-payouts');
    await a11y.check(merchant, 'console invitation payouts');
  });
});
