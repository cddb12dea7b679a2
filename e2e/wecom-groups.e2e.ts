import { describe, expect, it } from 'vitest';
import { connectCorp } from '../apps/server/src/modules/wecom/followups.fixtures.js';
import type { E2EApp } from './support/app.js';
import type { WatchedPage } from './support/browser.js';
import { consoleGo, consoleSignIn, settle } from './support/flows.js';
import { twoPersonStage } from './support/stage.js';

/**
 * Customer groups (社群) in the console: the merchant syncs the corp's groups, makes a group code (群活码) for
 * one of them, a WeChat user scans it and the join shows in the code's statistics and the group's members;
 * a group welcome template is made in WeCom (its owner picks it per group on their phone); then a group SOP whose first step falls due becomes a mass task, queued until the owner confirms it on
 * their phone and sent after.
 *
 * The simulator's controls stand only for what WeCom's own apps do (a member making a group, a customer
 * scanning, the owner confirming); the server's clock is pinned to 09:00 Beijing time today and moved on,
 * as the server's own tests do, so the SOP's step falls due without waiting for a real hour.
 */
let app: E2EApp;
let merchant: WatchedPage;
const stage = twoPersonStage((s) => ({ app, merchant } = s));

const HOUR = 3_600_000;
const GROUP = '静安店福利群 1 群';
const CODE = '收银台福利群码';
const SOP = '新群破冰';
const WELCOME = '福利群欢迎语';
const STEP = '欢迎大家进群!群公告里有新人专享券';

let w: Awaited<ReturnType<typeof connectCorp>>;
let shiftMs = 0;
let chatId = '';
let codeId = '';
let scanner = '';
let sopId = '';

const base = () => app.t.url;

/** Until `check` holds, with the queue worked in between (callbacks from the simulator are jobs). */
async function until(check: () => Promise<boolean>, what: string) {
  const end = Date.now() + 20_000;
  for (;;) {
    await app.t.drain();
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('WeCom customer groups: a group code brings a customer in, an SOP step goes out', () => {
  it('syncs the corp’s groups from the console', async () => {
    const bj = new Date(Date.now() + 8 * HOUR);
    const offset = Date.UTC(bj.getUTCFullYear(), bj.getUTCMonth(), bj.getUTCDate(), 9) - 8 * HOUR - Date.now();
    app.t.platform.now = () => new Date(Date.now() + offset + shiftMs);
    w = await connectCorp(app.t, { shopId: app.shopId, slug: app.slug, owner: app.owner });
    const regular = (await w.sim('/customers', { name: '王女士' })).body.external_userid as string;
    chatId = (await w.sim('/groupchats', { owner: 'zhangsan', name: GROUP, members: [regular] })).body.chat_id as string;

    await consoleSignIn(merchant, base(), app.login, app.password);
    await consoleGo(merchant.page, base(), '/wecom/groups');
    const page = merchant.page;
    await page.getByTestId('wecom-group-sync').click();
    await page.locator('[data-testid="wecom-group-sync-run"][data-status="done"]').waitFor({ timeout: 30_000 });
    await page.getByTestId(`wecom-group-row-${GROUP}`).waitFor();
    await expect.poll(() => page.getByTestId(`wecom-group-members-${chatId}`).innerText()).toContain('2');
    await settle(page);
    await merchant.screenshot('wecom-groups-01-list');
    await stage.a11y.check(merchant, 'wecom groups');
  });

  it('makes a group code; a customer scans it and shows in its statistics and the group’s members', async () => {
    const page = merchant.page;
    await consoleGo(page, base(), '/wecom/group-codes');
    await page.getByTestId('wecom-gcode-new').click();
    await page.getByTestId('wecom-gcode-name-input').fill(CODE);
    await page.getByTestId('wecom-gcode-chats').click();
    await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option', { hasText: GROUP }).first().click();
    await page.keyboard.press('Escape');
    await page.getByTestId('wecom-gcode-room-name').fill('静安店福利群 ');
    await page.getByTestId('wecom-gcode-save').click();
    await page.waitForURL(/\/wecom\/group-codes\/[0-9a-f-]{36}\/stats$/);
    codeId = /group-codes\/([0-9a-f-]{36})\/stats/.exec(page.url())![1]!;
    await page.locator('[data-testid="wecom-gcode-stats"][data-joins="0"]').waitFor();

    const code = (await w.admin('GET', `/wecom/group-codes/${codeId}`)).body as { configId: string; state: string };
    scanner = (await w.sim('/customers', { name: '陈小姐' })).body.external_userid as string;
    const scan = await w.sim(`/join-ways/${code.configId}/scan`, { external_userid: scanner });
    expect(scan.body).toMatchObject({ chat_id: chatId, joined: true });
    await until(async () => (await w.admin('GET', `/wecom/groups/${chatId}/members`)).body.total === 3, 'the scan among the members');

    await page.reload();
    await page.locator('[data-testid="wecom-gcode-stats"][data-joins="1"][data-still-in="1"]').waitFor();
    await page.locator(`[data-testid="wecom-gcode-chat-${chatId}"][data-joins="1"]`).waitFor();
    await settle(page);
    await merchant.screenshot('wecom-groups-02-code-stats');
    await stage.a11y.check(merchant, 'wecom group code stats');

    await page.getByTestId(`wecom-gcode-chat-${chatId}`).getByRole('link', { name: GROUP }).click();
    const row = page.getByTestId(`wecom-group-member-${scanner}`);
    await row.waitFor();
    expect(await row.innerText()).toContain('扫描群二维码入群');
    expect(await row.getByTestId('wecom-group-member-code').innerText()).toBe(`群活码:${CODE}`);
    await settle(page);
    await merchant.screenshot('wecom-groups-03-members');
    await stage.a11y.check(merchant, 'wecom group members');
  });

  it('makes a group welcome template in WeCom, and says the owner picks it per group', async () => {
    const page = merchant.page;
    await consoleGo(page, base(), '/wecom/group-welcomes');
    expect(await page.getByTestId('wecom-gwel-rule').innerText()).toContain('群主在手机企业微信中打开群聊');
    await page.getByTestId('wecom-gwel-new').click();
    await page.getByTestId('wecom-gwel-name-input').fill(WELCOME);
    await page.getByTestId('wecom-gwel-text').fill('欢迎 %NICKNAME% 加入福利群!');
    await page.getByTestId('wecom-gwel-att-add').click();
    await page.getByTestId('wecom-gwel-att-0-title').fill('新人专享券');
    await page.getByTestId('wecom-gwel-att-0-url').fill('https://shop.example.com/coupons');
    // A second attachment is not offered: WeCom's group welcome takes one.
    expect(await page.getByTestId('wecom-gwel-att-add').count()).toBe(0);
    await page.getByTestId('wecom-gwel-save').click();
    const row = page.getByTestId(`wecom-gwel-row-${WELCOME}`);
    await row.waitFor();
    expect(await row.innerText()).toContain('已同步');
    expect(await row.innerText()).toContain('链接 · 新人专享券');
    const saved = (await w.admin('GET', '/wecom/group-welcomes')).body.items as { templateId: string | null; notifyStaff: boolean }[];
    expect(saved).toEqual([expect.objectContaining({ templateId: expect.any(String), notifyStaff: true })]);
    await settle(page);
    await merchant.screenshot('wecom-groups-04-welcomes');
    await stage.a11y.check(merchant, 'wecom group welcomes');
  });

  it('makes an SOP whose due step is queued for the owner, then sent once they confirm', async () => {
    const page = merchant.page;
    await consoleGo(page, base(), '/wecom/group-sops/new');
    await page.getByTestId('wecom-sop-name-input').fill(SOP);
    await page.getByTestId('wecom-sop-scope').getByText('指定客户群', { exact: true }).click();
    await page.getByTestId('wecom-sop-chats').click();
    await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option', { hasText: GROUP }).first().click();
    await page.keyboard.press('Escape');
    // 当天 10:00: an hour after the pinned 09:00.
    await page.getByTestId('wecom-sop-step-day-0').fill('0');
    await page.getByTestId('wecom-sop-step-text-0').fill(STEP);
    await page.getByTestId('wecom-sop-save').click();
    await page.waitForURL(/\/wecom\/group-sops\/[0-9a-f-]{36}$/);
    sopId = /group-sops\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
    await page.getByTestId('wecom-sop-detail').waitFor();
    await expect.poll(() => page.getByTestId('wecom-sop-step-when-0').innerText()).toBe('当天 10:00');

    shiftMs = 2 * HOUR;
    await app.t.services.wecom.groupSops.tick();
    await app.t.drain();
    await page.reload();
    await page.locator('[data-testid="wecom-sop-step-card-0"][data-queued="1"][data-sent="0"]').waitFor();
    await page.locator(`[data-testid="wecom-sop-run-0-${chatId}"][data-status="queued"]`).waitFor();
    await settle(page);
    await merchant.screenshot('wecom-groups-05-sop-queued');
    await stage.a11y.check(merchant, 'wecom group SOP');

    // The owner confirms on their phone; the mass task's page asks WeCom for the result.
    const task = ((await w.sim('/tasks')).body as { msgid: string; text?: { content: string } }[]).find((x) => x.text?.content === STEP)!;
    expect((await w.sim(`/tasks/${task.msgid}/confirm`, { userid: 'zhangsan' })).status).toBe(200);
    await page.getByTestId(`wecom-sop-run-0-${chatId}`).getByTestId('wecom-sop-run-mass').click();
    await page.getByTestId('wecom-mass-refresh').click();
    await page.locator('[data-testid="wecom-mass-staff-zhangsan"][data-status="sent"]').waitFor();

    await consoleGo(page, base(), `/wecom/group-sops/${sopId}`);
    await page.locator('[data-testid="wecom-sop-step-card-0"][data-sent="1"][data-queued="0"]').waitFor();
    await page.locator(`[data-testid="wecom-sop-run-0-${chatId}"][data-status="sent"]`).waitFor();
    await settle(page);
    await merchant.screenshot('wecom-groups-06-sop-sent');

    await consoleGo(page, base(), '/wecom/group-sops');
    expect(await page.getByTestId(`wecom-sop-progress-${sopId}`).innerText()).toContain('已发送 1');
    shiftMs = 0;
  });
});
