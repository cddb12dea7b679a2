import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { startE2EApp, type E2EApp } from './app.js';
import { launchBrowser, newContext, watchedPage, type WatchedPage } from './browser.js';
import { A11yLog } from './flows.js';

export interface Stage {
  app: E2EApp;
  browser: Browser;
  /** The console at 1440 px. */
  merchant: WatchedPage;
  /** The storefront on a 375 px phone. */
  customer: WatchedPage;
  a11y: A11yLog;
}

/**
 * One server, one Chromium, a merchant and a customer for a flow file: started before the first test
 * (then handed to `onReady`), checked for console errors and accessibility after each, closed after the last.
 */
export function twoPersonStage(onReady: (stage: Stage) => void): Stage {
  const stage = { a11y: new A11yLog() } as Stage;
  beforeAll(async () => {
    stage.app = await startE2EApp();
    stage.browser = await launchBrowser();
    stage.merchant = await watchedPage(await newContext(stage.browser, 'console'), 'console');
    stage.customer = await watchedPage(await newContext(stage.browser, 'shop'), 'storefront', { fullPage: false });
    onReady(stage);
  });
  afterEach(() => {
    stage.merchant.assertClean();
    stage.customer.assertClean();
    stage.a11y.assertClean();
  });
  afterAll(async () => {
    await stage.browser?.close();
    await stage.app?.t.close();
  });
  return stage;
}
