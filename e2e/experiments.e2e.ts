import { describe, expect, it } from 'vitest';
import type { Request } from 'playwright-core';
import { createProduct } from '../apps/server/src/testing/commerce.js';
import type { E2EApp } from './support/app.js';
import type { WatchedPage } from './support/browser.js';
import { twoPersonStage } from './support/stage.js';
import { consoleGo, consoleSignIn, settle } from './support/flows.js';

/**
 * A/B 实验 on the storefront with the flags evaluated in the browser: the merchant runs a buy-button test; a
 * phone opens the product page, draws its variant from the experiments' config (no request per visitor),
 * shows that variant's text and reports the exposure, which the server checks and counts once; a second
 * visit shows the same text from the stored config; the console's list counts the device.
 */
let app: E2EApp;
let merchant: WatchedPage;
let customer: WatchedPage;
const { a11y } = twoPersonStage((s) => ({ app, merchant, customer } = s));

const TEXTS: Record<string, string> = { control: '立即购买', urgent: '马上抢购' };

describe('experiments: a buy-button test drawn in the browser, shown, counted once', () => {
  let productId = '';
  let experimentId = '';

  it('the merchant starts a 50/50 test of the buy button', async () => {
    productId = (await createProduct(app.t, app.owner, { priceFen: 9900, stock: 20 })).id;
    const created = await app.t.call('POST', '/api/admin/experiments', {
      session: app.owner,
      body: {
        key: 'buy_button', name: '购买按钮文案', hypothesis: '紧迫感提升转化',
        variants: [
          { key: 'control', name: '对照', weight: 50, payload: { buttonText: TEXTS.control } },
          { key: 'urgent', name: '紧迫感', weight: 50, payload: { buttonText: TEXTS.urgent } },
        ],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    experimentId = created.body.id;
    expect((await app.t.call('POST', `/api/admin/experiments/${experimentId}/start`, { session: app.owner })).status).toBe(200);
  });

  it('a phone draws its variant itself, shows its text and reports it once', async () => {
    const page = customer.page;
    const asked: string[] = [];
    const onRequest = (r: Request) => {
      if (r.url().includes('/flags')) asked.push(`${r.method()} ${new URL(r.url()).pathname}`);
    };
    page.on('request', onRequest);
    const exposure = page.waitForRequest((r) => r.url().endsWith('/flags/exposures') && r.method() === 'POST', { timeout: 20_000 });
    await page.goto(`${app.t.url}/s/${app.slug}/products/${productId}`);
    const sent = JSON.parse((await exposure).postData() ?? '{}') as { device: string; exposures: { key: string; variant: string }[] };
    expect(sent.exposures).toHaveLength(1);
    const { variant } = sent.exposures[0]!;
    expect(sent.exposures[0]!.key).toBe('buy_button');
    await expect.poll(() => page.getByTestId('buy-now').innerText(), { timeout: 10_000 }).toBe(TEXTS[variant]);
    await settle(page);
    await customer.screenshot('experiments-01-product-variant');
    await a11y.check(customer, 'experiments product page');
    // One config request and one exposure batch; never the per-visitor server evaluation.
    expect(asked.filter((a) => a.endsWith('/flags'))).toEqual([]);
    expect(asked.filter((a) => a === `GET /api/store/${app.slug}/flags/config`)).toHaveLength(1);

    // The server counted the device in that variant, once.
    await expect.poll(async () => (await app.t.call('GET', '/api/admin/experiments', { session: app.owner })).body.items[0].exposedDevices, { timeout: 10_000 }).toBe(1);

    // A second visit: the same text at once (the stored config), the same device, still one exposure counted.
    await page.reload();
    await expect.poll(() => page.getByTestId('buy-now').innerText(), { timeout: 10_000 }).toBe(TEXTS[variant]);
    await page.waitForTimeout(800);
    expect((await app.t.call('GET', '/api/admin/experiments', { session: app.owner })).body.items[0].exposedDevices).toBe(1);
    page.off('request', onRequest);
  });

  it('the console lists the running test with its exposed device', async () => {
    const page = merchant.page;
    await consoleSignIn(merchant, app.t.url, app.login, app.password);
    await consoleGo(page, app.t.url, '/analytics/experiments');
    await expect.poll(() => page.locator('body').innerText(), { timeout: 15_000 }).toContain('购买按钮文案');
    await settle(page);
    await merchant.screenshot('experiments-02-console-list');
    await a11y.check(merchant, 'experiments list');
  });
});
