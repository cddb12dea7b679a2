import { describe, expect, it } from 'vitest';
import { signInCustomer, type CustomerFixture } from '../apps/server/src/testing/commerce.js';
import type { E2EApp } from './support/app.js';
import type { WatchedPage } from './support/browser.js';
import { twoPersonStage } from './support/stage.js';
import { consoleGo, consoleSelect, consoleSignIn, settle } from './support/flows.js';

/**
 * 人群: a dynamic customer group built in the console as nested AND / OR conditions (three levels), its live
 * estimate and the errors on a row, saved and described in one sentence in the list; a member who stops
 * matching leaves, and the group's 进出记录 shows who entered and who left.
 */
let app: E2EApp;
let merchant: WatchedPage;
const { a11y } = twoPersonStage((s) => ({ app, merchant } = s));
const NAME = '高潜未复购';

describe('segments: a nested rule with a live estimate → saved → a member leaves → entries and exits', () => {
  const people: CustomerFixture[] = [];
  let tagId = '';

  it('six customers, three of them tagged 高潜客户', async () => {
    for (let i = 0; i < 6; i++) people.push(await signInCustomer(app.t, app.slug));
    const tag = await app.t.call('POST', '/api/admin/tags', { session: app.owner, body: { name: '高潜客户', color: 'orange', kind: 'manual' } });
    expect(tag.status).toBe(201);
    tagId = tag.body.id;
    for (const c of people.slice(0, 3)) expect((await app.t.call('PUT', `/api/admin/customers/${c.customerId}/tags`, { session: app.owner, body: { tagIds: [tagId] } })).status).toBe(200);
  });

  it('builds 没做过支付订单 且 (高潜客户 或 消费≥¥1000 或 (超过30天未下单 且 已关注公众号)) and sees about 3 of 6', async () => {
    const page = merchant.page;
    const pick = (testId: string, text: string) => consoleSelect(page, testId, text);
    await consoleSignIn(merchant, app.t.url, app.login, app.password);
    await consoleGo(page, app.t.url, '/customers/groups');
    await page.getByTestId('group-new').click();
    await page.getByTestId('group-name').fill(NAME);
    // The starter condition becomes "did not pay an order in the last 30 days" (everyone here).
    await pick('seg-type-0', '行为');
    await pick('seg-0-did', '没做过');
    await expect.poll(() => page.getByTestId('seg-estimate-count').getAttribute('data-count'), { timeout: 20_000 }).toBe('6');
    // A sub-group combining the other way (或): the tag, spend in yuan, and a third level.
    await page.getByTestId('seg-add-group-root').click();
    await expect.poll(() => page.getByTestId('seg-op-1').locator('.ant-segmented-item-selected').innerText()).toBe('或');
    await pick('seg-1.0-tags', '高潜客户');
    await page.keyboard.press('Escape');
    await page.getByTestId('seg-add-1').click();
    await pick('seg-type-1.1', '消费金额');
    await page.getByTestId('seg-1.1-min').fill('12.345');
    await expect.poll(() => page.getByTestId('seg-error-1.1').innerText()).toBe('请输入金额,最多两位小数');
    expect(await page.getByTestId('seg-estimate').innerText()).toContain('条件填写完整后显示预估人数');
    await page.getByTestId('seg-1.1-min').fill('1000');
    await page.getByTestId('seg-add-group-1').click();
    await pick('seg-type-1.2.0', '最近下单');
    await pick('seg-1.2.0-mode', '超过 N 天未下单');
    await page.getByTestId('seg-add-1.2').click();
    await pick('seg-type-1.2.1', '关注公众号');
    // Level 3 takes no further group.
    expect(await page.getByTestId('seg-add-group-1.2').isDisabled()).toBe(true);
    await expect.poll(() => page.getByTestId('seg-estimate-count').getAttribute('data-count'), { timeout: 20_000 }).toBe('3');
    expect(await page.getByTestId('seg-estimate-total').innerText()).toBe('共 6 人');
    await settle(page);
    await merchant.screenshot('console-60-segment-builder');
    await a11y.check(merchant, 'console segment builder');
    await page.getByTestId('group-save').click();
    await page.getByTestId(`group-row-${NAME}`).waitFor();
    await expect.poll(() => page.getByTestId(`group-count-${NAME}`).innerText()).toBe('3 人');
    expect(await page.getByTestId(`group-rule-${NAME}`).innerText()).toBe('近30天未支付订单 且 (含任一标签“高潜客户” 或 累计消费≥¥1000 或 (超过30天未下单 且 已关注公众号))');
    await settle(page);
    await merchant.screenshot('console-61-segment-list');
    await a11y.check(merchant, 'console customer groups');
  });

  it('a customer who loses the tag leaves; 进出记录 shows three entries and the exit', async () => {
    const page = merchant.page;
    const [gone] = people;
    expect((await app.t.call('PUT', `/api/admin/customers/${gone.customerId}/tags`, { session: app.owner, body: { tagIds: [] } })).status).toBe(200);
    const groups = await app.t.call('GET', '/api/admin/groups', { session: app.owner });
    const group = groups.body.items.find((g: { name: string }) => g.name === NAME);
    await expect
      .poll(async () => (await app.t.call('GET', `/api/admin/groups/${group.id}/changes`, { session: app.owner })).body.items.map((c: { change: string }) => c.change).join(','), { timeout: 20_000, interval: 300 })
      .toBe('left,entered,entered,entered');
    await consoleGo(page, app.t.url, '/customers/groups');
    await expect.poll(() => page.getByTestId(`group-count-${NAME}`).innerText()).toBe('2 人');
    await page.getByTestId(`group-open-${NAME}`).click();
    await page.getByTestId('group-tab-changes').click();
    await page.getByTestId('group-changes').waitFor();
    await expect.poll(() => page.getByTestId('group-change-left').count()).toBe(1);
    expect(await page.getByTestId('group-change-entered').count()).toBe(3);
    await expect.poll(() => page.getByTestId('group-changes').locator('tbody tr').first().innerText()).toContain(gone.phone);
    await settle(page);
    await merchant.screenshot('console-62-segment-changes');
    await a11y.check(merchant, 'console segment entries and exits');
  });

  it('editing shows the saved rule as it was built', async () => {
    const page = merchant.page;
    await page.keyboard.press('Escape');
    await page.getByTestId(`group-edit-${NAME}`).click();
    await page.getByTestId('seg-cond-1.2.1').waitFor();
    expect(await page.getByTestId('seg-cond-0').getAttribute('data-type')).toBe('event');
    expect(await page.getByTestId('seg-cond-1.1').getAttribute('data-type')).toBe('spend');
    expect(await page.getByTestId('seg-1.1-min').inputValue()).toBe('1000');
    expect(await page.getByTestId('seg-cond-1.2.1').getAttribute('data-type')).toBe('follows_oa');
    await expect.poll(() => page.getByTestId('seg-estimate-count').getAttribute('data-count'), { timeout: 20_000 }).toBe('2');
  });
});
