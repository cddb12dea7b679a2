import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

const require = createRequire(import.meta.url);
export const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../artifacts');

/** Debian's Chromium; the suite never downloads a browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

export type Surface = 'console' | 'shop';

/** The merchant console at a desktop size; the storefront as a phone (375×812, touch). */
export async function newContext(browser: Browser, surface: Surface): Promise<BrowserContext> {
  const ctx =
    surface === 'console'
      ? await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
      : await browser.newContext({
          viewport: { width: 375, height: 812 },
          deviceScaleFactor: 2,
          isMobile: true,
          hasTouch: true,
          locale: 'zh-CN',
          timezoneId: 'Asia/Shanghai',
          userAgent:
            'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
        });
  ctx.setDefaultTimeout(15_000);
  ctx.setDefaultNavigationTimeout(30_000);
  return ctx;
}

/**
 * A page that records every console error, uncaught exception and React warning. `assertClean()`
 * (called after each test) fails with all of them. Lines that a flow provokes on purpose are allowed
 * one by one with `allow(pattern, why)`.
 */
export class WatchedPage {
  readonly problems: string[] = [];
  private readonly allowed: { re: RegExp; why: string }[] = [];

  constructor(
    readonly page: Page,
    readonly name: string,
    /** Full-page shots for the console; the storefront is shot as the phone screen shows it (fixed bars stay put). */
    private readonly fullPage = true,
  ) {
    page.on('console', (m) => this.onConsole(m));
    page.on('pageerror', (e) => this.problems.push(`[pageerror] ${page.url()} ${e.message}`));
    page.on('crash', () => this.problems.push(`[crash] ${page.url()}`));
  }

  private onConsole(m: ConsoleMessage) {
    const text = m.text();
    const isReactWarning = /^Warning: |React does not recognize|validateDOMNesting|Each child in a list should have a unique/.test(text);
    const isAntdWarning = /^Warning: \[antd|\[antd: /.test(text);
    if (m.type() !== 'error' && !(m.type() === 'warning' && (isReactWarning || isAntdWarning))) return;
    const where = m.location()?.url ? ` (${m.location().url})` : '';
    const line = `[console.${m.type()}] ${this.page.url()} ${text}${where}`;
    if (this.allowed.some((a) => a.re.test(line))) return;
    this.problems.push(line);
  }

  /** Allows console lines matching `re`; `why` documents the expected cause in the test itself. */
  allow(re: RegExp, why: string) {
    if (!why.trim()) throw new Error('say why a console line is expected');
    this.allowed.push({ re, why });
  }

  assertClean() {
    if (this.problems.length) {
      const list = this.problems.splice(0);
      throw new Error(`${this.name}: ${list.length} console problem(s):\n${list.join('\n')}`);
    }
  }

  async screenshot(name: string, opts: { fullPage?: boolean } = {}) {
    // Let fonts, images and antd's motion settle so the picture shows the page as a person sees it.
    await this.page.evaluate(() => document.fonts.ready).catch(() => undefined);
    await this.page.waitForTimeout(300);
    await this.page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: opts.fullPage ?? this.fullPage, animations: 'disabled' });
  }
}

export async function watchedPage(ctx: BrowserContext, name: string, opts: { fullPage?: boolean } = {}): Promise<WatchedPage> {
  return new WatchedPage(await ctx.newPage(), name, opts.fullPage ?? true);
}

const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * Runs axe-core on the page as it is now and fails on every serious or critical violation, naming the
 * rule, the help text and the offending elements.
 */
export async function checkA11y(page: Page | WatchedPage, name: string): Promise<void> {
  const p = page instanceof WatchedPage ? page.page : page;
  await p.waitForLoadState('networkidle').catch(() => undefined);
  // The pointer rests where the last click was, which on a new page can be over a link (hover colours
  // are lighter); axe should judge the page at rest, after transitions have finished.
  const vp = p.viewportSize();
  if (vp) await p.mouse.move(vp.width - 2, vp.height - 2);
  await p
    .evaluate(() => Promise.race([Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))), new Promise((r) => setTimeout(r, 2000))]))
    .catch(() => undefined);
  const has = await p.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
  // Evaluated over the DevTools protocol: the pages' CSP (script-src 'self', no inline scripts) would
  // block an injected <script> tag, and the refusal would land in the console as an error.
  if (!has) await p.evaluate(axeSource);
  const violations = (await p.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: unknown[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations;
  })) as AxeViolation[];
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    const lines = bad.map(
      (v) => `  ${v.impact} ${v.id}: ${v.help}\n${v.nodes
        .slice(0, 8)
        .map((n) => `      ${JSON.stringify(n.target)}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`)
        .join('\n')}`,
    );
    throw new Error(`axe: ${bad.length} serious/critical violation(s) on ${name} (${p.url()}):\n${lines.join('\n')}`);
  }
}
