import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire('/work/main/apps/admin/package.json');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
await page.goto('http://127.0.0.1:4173/admin/sign-in');
await page.getByTestId('signin-login').fill('owner@demo');
await page.getByTestId('signin-password').fill('siyu-demo-123');
await page.getByTestId('signin-submit').click();
await page.waitForURL((u) => !u.pathname.endsWith('/sign-in'));
for (const p of process.argv.slice(2)) {
  await page.goto('http://127.0.0.1:4173/admin' + p); await page.waitForLoadState('networkidle'); await page.waitForTimeout(500);
  await page.evaluate(axeSource);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  for (const v of res.violations) for (const n of v.nodes.slice(0, 4)) console.log(p, v.id, v.impact, n.target.join(' '), (n.any[0]?.message ?? '').slice(0, 160));
}
await browser.close();
