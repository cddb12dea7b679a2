import { describe, expect, it } from 'vitest';
import { connectCorp } from '../apps/server/src/modules/wecom/followups.fixtures.js';
import { newContext, watchedPage, type WatchedPage } from './support/browser.js';
import type { E2EApp } from './support/app.js';
import { settle, wecomSidebarAs } from './support/flows.js';
import { twoPersonStage } from './support/stage.js';

/**
 * 客户侧边栏 on a 375 px phone, as WeCom's chat toolbar would show it. The sandbox has no WeCom client, so the
 * contact comes from ?external_userid= and the member picks themselves on the simulator's OAuth2 page. The
 * member sees the customer's order after the customer buys, writes a follow-up, sends a coupon; a member who
 * does not serve the customer sees nothing of them.
 */
let app: E2EApp;
let staff: WatchedPage;
const stage = twoPersonStage((s) => ({ app, customer: staff } = s));
let w: Awaited<ReturnType<typeof connectCorp>>;
let contact: Awaited<ReturnType<Awaited<ReturnType<typeof connectCorp>>['linkedContact']>>;

const sidebarUrl = () => `${app.t.url}/s/${app.slug}/wecom/sidebar?external_userid=${encodeURIComponent(contact.external)}`;

const openAs = (page: WatchedPage, name: string) => wecomSidebarAs(page, name, sidebarUrl());

describe('WeCom sidebar: the member sees their customer with the whole picture', () => {
  it("signs in with WeCom and shows the customer's order after they buy", async () => {
    w = await connectCorp(app.t, { shopId: app.shopId, slug: app.slug, owner: app.owner });
    contact = await w.linkedContact('zhangsan', '王女士');
    await openAs(staff, '张三');
    const page = staff.page;
    await page.getByRole('heading', { name: '王女士' }).waitFor();
    await expect.poll(() => page.getByText('还没有订单').count()).toBe(1);

    const lens = await w.product('1.60 防蓝光镜片', null, 39_900);
    await w.buy(contact.customer, lens.skus[0]!.id);
    await page.reload();
    await page.getByText('1.60 防蓝光镜片×1').waitFor();
    await settle(page);
    await staff.screenshot('wecom-01-sidebar-customer');
    await stage.a11y.check(staff, 'wecom sidebar customer');
  });

  it('writes a follow-up that moves the stage, and sends a coupon into the customer’s account', async () => {
    const page = staff.page;
    await page.getByRole('tab', { name: '跟进' }).click();
    await page.getByLabel('跟进内容').fill('客户想下周到店复查视力');
    await page.getByText('有意向', { exact: true }).click();
    await page.getByRole('button', { name: '保存跟进' }).click();
    await page.getByText('客户想下周到店复查视力').waitFor();
    await expect.poll(() => page.locator('.ws-head').innerText()).toContain('有意向');
    await settle(page);
    await staff.screenshot('wecom-02-sidebar-followup');
    await stage.a11y.check(staff, 'wecom sidebar follow-ups');

    const tpl = await w.admin('POST', '/coupons', { name: '复查立减 20 元', kind: 'no_threshold', amountOffFen: 2000, validity: { type: 'relative', days: 30 }, totalQuantity: 100 });
    expect(tpl.status).toBe(201);
    await page.getByRole('tab', { name: '发送' }).click();
    await page.getByText('复查立减 20 元').waitFor();
    await page.getByRole('button', { name: '发给客户' }).click();
    await page.getByText('您有一张新的优惠券').waitFor();
    await settle(page);
    await staff.screenshot('wecom-03-sidebar-coupon-sent');
    const coupons = await w.admin('GET', `/customers/${contact.customer.customerId}/coupons`);
    expect(coupons.body.items.filter((c: { templateId: string }) => c.templateId === tpl.body.id)).toHaveLength(1);
  });

  it('asks the customer for their health-data consent; once given, the member records the prescription', async () => {
    const page = staff.page;
    await page.getByRole('tab', { name: '客户' }).click();
    await page.getByRole('button', { name: '邀请客户授权' }).click();
    const link = await page.getByRole('link', { name: /health-consent/ }).innerText();
    expect(link).toBe(`${app.t.url}/s/${app.slug}/me/health-consent`);

    // The customer, signed in to the storefront on their own phone, opens the link and agrees.
    const phone = await watchedPage(await newContext(stage.browser, 'shop'), 'storefront (王女士)', { fullPage: false });
    await phone.page.addInitScript(([key, token]) => localStorage.setItem(key!, token!), [`siyu:shop:${app.slug}:token`, contact.customer.token]);
    await phone.page.goto(link);
    await expect.poll(() => phone.page.getByTestId('health-consent-state').innerText()).toBe('未同意');
    await phone.page.getByTestId('health-consent-grant').click();
    await expect.poll(() => phone.page.getByTestId('health-consent-state').innerText()).toBe('已同意');
    await settle(phone.page);
    await phone.screenshot('wecom-04-health-consent');
    await stage.a11y.check(phone, 'storefront health consent');
    phone.assertClean();

    await page.reload();
    await page.getByLabel('资料名称').fill('验光处方');
    await page.getByLabel('资料内容').fill('R -3.25/-0.50×180 L -3.00 PD 62');
    await page.getByText('验光处方(健康信息)').click();
    await page.getByRole('button', { name: '保存', exact: true }).click();
    await page.getByText('R -3.25/-0.50×180 L -3.00 PD 62').waitFor();
    await settle(page);
    await staff.screenshot('wecom-05-sidebar-prescription');
  });

  it('shows a member who does not serve the customer nothing of them', async () => {
    const other = await watchedPage(await newContext(stage.browser, 'shop'), 'storefront (李四)', { fullPage: false });
    // The API answers 404 for a contact that is not theirs; the page says so instead of showing anything.
    other.allow(/status of 404/, 'the sidebar asks for a contact that is not this member’s customer');
    await openAs(other, '李四');
    await other.page.getByRole('alert').getByText('这位客户不是你的客户').waitFor();
    expect(await other.page.getByText('王女士').count()).toBe(0);
    await other.screenshot('wecom-06-sidebar-stranger');
    other.assertClean();
  });
});
