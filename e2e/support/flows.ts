import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { checkA11y, type WatchedPage } from './browser.js';
import { smsCode, type TestApp } from './app.js';

/**
 * Collects axe results of every key page a flow passes, so one run reports all of them; the test
 * fails at its end (afterEach) when any page had a serious or critical violation.
 */
export class A11yLog {
  readonly failures: string[] = [];
  readonly checked: string[] = [];
  async check(page: WatchedPage, name: string) {
    this.checked.push(name);
    try {
      await checkA11y(page, name);
    } catch (err) {
      this.failures.push((err as Error).message);
    }
  }
  assertClean() {
    if (this.failures.length) throw new Error(this.failures.splice(0).join('\n\n'));
  }
}

/** Signs in to the merchant console through its form and waits for the dashboard. */
export async function consoleSignIn(w: WatchedPage, base: string, login: string, password: string, shots?: { a11y: A11yLog }) {
  const page = w.page;
  await page.goto(`${base}/admin/`);
  await page.waitForURL(/\/admin\/sign-in/);
  await page.getByTestId('signin-form').waitFor();
  if (shots) {
    await w.screenshot('console-01-sign-in');
    await shots.a11y.check(w, 'console sign-in');
  }
  await page.getByTestId('signin-login').fill(login);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
  await page.waitForURL((u) => !u.pathname.endsWith('/sign-in'));
}

/** Opens a console page and waits until the network is quiet and antd's spinners are gone. */
export async function consoleGo(page: Page, base: string, p: string) {
  await page.goto(`${base}/admin${p}`);
  await settle(page);
}

export async function settle(page: Page) {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.locator('.ant-spin-spinning, .ant-skeleton-active, .adm-skeleton').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
  // Transient toasts ("已保存") cover the content a screenshot is meant to show.
  await page.locator('.adm-toast-mask, .ant-message-notice').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
}

/** Confirms payment on the bundled WeChat Pay sandbox cashier page and waits to be back in the shop (an order's pay result unless `backTo` says otherwise). */
export async function payInCashier(w: WatchedPage, slug: string, shot?: string, backTo: RegExp = new RegExp(`/s/${slug}/pay/result/`)) {
  const page = w.page;
  w.allow(
    /Failed to load resource: .*404.*\/favicon\.ico\)$/,
    "the sandbox cashier is the simulator's page, not the product's; it declares no icon, so Chromium's automatic /favicon.ico request 404s there",
  );
  await page.waitForURL(/\/sandbox\/wechatpay\/pay/);
  const pay = page.getByRole('button', { name: '确认支付' });
  await pay.waitFor();
  if (shot) await w.screenshot(shot);
  await pay.click();
  await page.waitForURL(backTo);
}

/** From the cart page: checkout, pick up in store, submit and pay in the sandbox cashier, until 支付成功. */
export async function checkoutCartAtPickup(w: WatchedPage, slug: string) {
  const page = w.page;
  await page.getByTestId('cart-checkout').click();
  await page.waitForURL(/\/checkout$/);
  await page.getByTestId('fulfilment-pickup').click();
  await expect.poll(() => page.getByTestId('submit-order').isEnabled()).toBe(true);
  await page.getByTestId('submit-order').click();
  await payInCashier(w, slug);
  await expect.poll(() => page.getByTestId('pay-result').innerText(), { timeout: 20_000 }).toBe('支付成功');
  await settle(page);
}

/** Signs a customer in on the storefront's login page with the code from the sandbox SMS inbox. */
export async function shopSignIn(w: WatchedPage, t: TestApp, phone: string) {
  const page = w.page;
  await page.getByTestId('login-phone').waitFor();
  await page.getByTestId('login-phone').fill(phone);
  const before = await t.call('GET', `/sandbox/sms/messages?phone=${phone}`);
  await page.getByTestId('send-code').click();
  const code = await smsCode(t, phone, (before.body?.items ?? []).length);
  await page.getByTestId('login-code').fill(code);
  await page.getByTestId('sign-in').click();
  await page.waitForURL((u) => !u.pathname.endsWith('/login'));
}

/** Chooses a value of every spec attribute in the open SKU popup. */
export async function chooseSku(page: Page, spec: Record<string, string>) {
  const popup = page.getByTestId('sku-popup');
  await popup.waitFor();
  for (const [attr, value] of Object.entries(spec)) {
    const option = popup.locator(`[data-testid="sku-option"][data-attr="${attr}"][data-value="${value}"]`);
    await option.click();
    await expect.poll(() => option.getAttribute('aria-pressed')).toBe('true');
  }
}

/** The order id at the end of a storefront /orders/:id or /pay/result/:id URL. */
export function orderIdOf(url: string): string {
  const m = /\/(?:orders|pay\/result)\/([0-9a-f-]{36})/.exec(new URL(url).pathname);
  if (!m) throw new Error(`no order id in ${url}`);
  return m[1];
}

/** Opens the console select with `testId` and chooses the (first) option showing `text`. */
export async function consoleSelect(page: Page, testId: string, text: string) {
  const select = page.getByTestId(testId);
  await select.click();
  // This select's own dropdown (its listbox is `<input id>_list`): another select's may still be closing — its
  // animation runs longer on a loaded machine — and list the same option, then vanish under the click.
  const input = (await select.evaluate((el) => el.tagName)) === 'INPUT' ? select : select.locator('input').first();
  const id = await input.getAttribute('id');
  const dropdown = id
    ? page.locator('.ant-select-dropdown', { has: page.locator(`[id="${id}_list"]`) })
    : page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)');
  await dropdown.locator('.ant-select-item-option', { hasText: text }).first().click();
}

/** Picks 省 / 市 / 区 in the storefront's region picker (antd-mobile Cascader) opened by `trigger`. */
export async function pickShopRegion(page: Page, names: [string, string, string], trigger = 'address-region', beforeConfirm?: () => Promise<void>) {
  await page.getByTestId(trigger).click();
  const popup = page.locator('.adm-cascader').last();
  await popup.waitFor();
  for (const name of names) {
    await popup.locator('.adm-cascader-view-content .adm-check-list-item', { hasText: name }).filter({ hasText: new RegExp(`^\\s*${name}\\s*$`) }).first().click();
  }
  await beforeConfirm?.();
  await popup.locator('.adm-cascader-header-button', { hasText: '确定' }).click();
  await popup.waitFor({ state: 'hidden' });
}

/** Picks 省 / 市 / 区 in a console region cascader (antd Cascader) by typing and choosing the matching path. */
export async function pickConsoleRegion(page: Page, testId: string, names: [string, string, string]) {
  await page.getByTestId(testId).click();
  await page.keyboard.type(names[2]);
  await page.locator('.ant-cascader-dropdown:visible .ant-cascader-menu-item', { hasText: names.join(' / ') }).first().click();
}

/**
 * The WeCom member on the simulator's OAuth2 page picks themselves; inside WeCom this step is silent. Waits
 * for the customer sidebar that the page at `url` (or the link just followed) leads to.
 */
export async function wecomSidebarAs(w: WatchedPage, memberName: string, url?: string) {
  const page = w.page;
  if (url) await page.goto(url);
  await page.getByRole('link', { name: memberName }).click();
  await page.getByTestId('wecom-sidebar').waitFor();
}
