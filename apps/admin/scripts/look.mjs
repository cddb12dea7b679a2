// Screenshots + console + axe check of the console pages (a developer's look, not the E2E suite).
// usage: node apps/admin/scripts/look.mjs http://127.0.0.1:4173 /tmp/shots [lang] [paths...]
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const [base = 'http://127.0.0.1:4173', out = '/tmp/shots', lang = 'zh-CN', ...paths] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const pages = paths.length ? paths : ['/', '/products', '/products/new', '/categories', '/products/import', '/orders', '/refunds', '/pickup', '/shipping-templates', '/pickup-points', '/customers', '/settings', '/staff', '/api-keys'];

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: lang });
await ctx.addInitScript((l) => localStorage.setItem('siyu.admin.lang', l), lang);
const page = await ctx.newPage();
const logs = [];
page.on('console', (m) => { if (['error', 'warning'].includes(m.type())) logs.push(`[${m.type()}] ${page.url()} ${m.text().slice(0, 400)}`); });
page.on('pageerror', (e) => logs.push(`[pageerror] ${page.url()} ${e.message}`));

await page.goto(`${base}/admin/sign-in`);
await page.getByTestId('signin-login').fill('owner@demo');
await page.getByTestId('signin-password').fill('siyu-demo-123');
await page.screenshot({ path: `${out}/sign-in.png` });
await page.getByTestId('signin-submit').click();
await page.waitForURL((u) => !u.pathname.endsWith('/sign-in'));

for (const p of pages) {
  await page.goto(`${base}/admin${p}`);
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(400);
  const name = p === '/' ? 'dashboard' : p.slice(1).replace(/\//g, '_');
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: true });
  await page.evaluate(axeSource);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  for (const v of res.violations.filter((v) => ['serious', 'critical'].includes(v.impact))) {
    logs.push(`[axe ${v.impact}] ${p} ${v.id}: ${v.help} :: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  }
}
console.log(logs.join('\n') || 'no console errors, no serious axe violations');
await browser.close();
