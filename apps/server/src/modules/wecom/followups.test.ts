import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, sql } from '../../platform/db/index.js';
import { startTestApp, type StaffSession, type TestApp } from '../../testing/harness.js';
import { signInCustomer } from '../../testing/commerce.js';
import { connectCorp } from './followups.fixtures.js';

/**
 * Follow-ups and reminders against the sandbox's WeCom simulator: a rule made from a paid order fires
 * months later, as an app message on the phone of whoever serves the customer then, once.
 */
let t: TestApp;
let shop: { shopId: string; slug: string; owner: StaffSession };
let w: Awaited<ReturnType<typeof connectCorp>>;
let offsetMs = 0;
const DAY = 86_400_000;

/** What the every-minute job does: claim what is due, then the send jobs run. */
async function fireDue() {
  const n = await t.services.wecom.reminders.dispatchDue();
  await t.drain();
  return n;
}

beforeAll(async () => {
  t = await startTestApp();
  shop = await t.createShop();
  t.services.wecom.reminders.clock = () => new Date(Date.now() + offsetMs);
  w = await connectCorp(t, shop);
}, 120_000);
afterAll(() => t?.close());

describe('follow-ups', () => {
  it('records text, who and the stage change, keeps the history, and moves the relation stage with it', async () => {
    const { relationId } = await w.linkedContact('wangwu', '跟进客户');
    const first = await w.admin('POST', `/wecom/relations/${relationId}/followups`, { text: '电话沟通,想配一副防蓝光眼镜', stage: 'contacted' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ stageBefore: 'pending', stageAfter: 'contacted', stageChanged: true, author: shop.owner.actor.name, staffUserid: null });
    const second = await w.admin('POST', `/wecom/relations/${relationId}/followups`, { text: '约了周六到店验光' });
    expect(second.body).toMatchObject({ stageBefore: 'contacted', stageAfter: 'contacted', stageChanged: false });
    await w.admin('POST', `/wecom/relations/${relationId}/followups`, { text: '到店成交', stage: 'won' });

    const list = await w.admin('GET', `/wecom/relations/${relationId}/followups`);
    expect(list.body.stage).toBe('won');
    expect(list.body.items.map((f: { text: string }) => f.text)).toEqual(['到店成交', '约了周六到店验光', '电话沟通,想配一副防蓝光眼镜']);
    expect((await w.admin('GET', `/wecom/relations/${relationId}`)).body.stage).toBe('won');

    const bad = await w.admin('POST', `/wecom/relations/${relationId}/followups`, { text: 'x', stage: 'maybe' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('stage');
    expect((await w.admin('GET', '/wecom/relations/00000000-0000-4000-8000-000000000000/followups')).status).toBe(404);
  });
});

describe('reminder rules', () => {
  it('3 months after a lens purchase the owner at that time is reminded on their phone, exactly once; no owner is a recorded skip', async () => {
    const glasses = await w.admin('POST', '/categories', { name: '眼镜' });
    const lenses = await w.admin('POST', '/categories', { name: '镜片', parentId: glasses.body.id });
    const frames = await w.admin('POST', '/categories', { name: '镜架', parentId: glasses.body.id });
    expect(lenses.status, JSON.stringify(lenses.body)).toBe(201);
    const lens = await w.product('1.67 非球面镜片', lenses.body.id);
    const frame = await w.product('钛合金镜架', frames.body.id);

    const unknownCategory = await w.admin('POST', '/wecom/reminder-rules', { name: 'x', event: 'order.paid', categoryIds: ['00000000-0000-4000-8000-000000000000'], delayDays: 90, title: 't', text: 'x' });
    expect(unknownCategory.body.error).toMatchObject({ code: 'CATEGORY_NOT_FOUND', details: { field: 'categoryIds.0' } });
    const badVariable = await w.admin('POST', '/wecom/reminder-rules', { name: 'x', event: 'order.paid', delayDays: 90, title: 't', text: '{{phone}}' });
    expect(badVariable.status).toBe(400);
    expect(badVariable.body.error.details.field).toBe('text');

    const rule = await w.admin('POST', '/wecom/reminder-rules', {
      name: '镜片免费清洗', event: 'order.paid', categoryIds: [lenses.body.id], delayDays: 90,
      title: '邀请免费清洗', text: '{{name}} 于 {{paidDate}} 购买了{{product}},已满三个月,请邀请 TA 到店免费清洗眼镜',
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);

    const { external, customer } = await w.linkedContact('zhangsan', '配镜客户');
    // A frame alone is not a lens purchase.
    await w.buy(customer, frame.skus[0]!.id);
    expect((await w.admin('GET', `/wecom/reminders?ruleId=${rule.body.id}`)).body.total).toBe(0);
    const paid = await w.buy(customer, lens.skus[0]!.id);
    const scheduled = await w.admin('GET', `/wecom/reminders?ruleId=${rule.body.id}`);
    expect(scheduled.body.items).toHaveLength(1);
    const reminder = scheduled.body.items[0];
    expect(reminder).toMatchObject({ status: 'scheduled', customerId: customer.customerId, staffUserid: null });
    expect(new Date(reminder.dueAt).getTime() - new Date(paid.paidAt).getTime()).toBeGreaterThanOrEqual(90 * DAY - 60_000);
    expect(new Date(reminder.dueAt).getTime() - new Date(paid.paidAt).getTime()).toBeLessThan(90 * DAY + 60_000);

    // The same event delivered again makes no second reminder.
    const [event] = await rows<{ id: number; shop_id: string; type: string; payload: Record<string, unknown>; created_at: Date }>(t.platform.db, sql`
      SELECT * FROM outbox_events WHERE shop_id = ${shop.shopId} AND type = 'order.paid' AND payload->>'orderId' = ${paid.id}`);
    expect(event).toBeDefined();
    const again = await t.platform.database.transaction((tx) =>
      t.services.wecom.reminders.onOrderPaid(tx, { id: event!.id, shopId: shop.shopId, type: 'order.paid', payload: event!.payload, createdAt: new Date(event!.created_at).toISOString() }));
    expect(again).toBe(0);

    // Two months on: not due.
    offsetMs = 60 * DAY;
    expect(await fireDue()).toBe(0);

    // The customer moves from 张三 to 李四 (as a handover ends) before the reminder is due.
    await w.removeStaff('zhangsan', external);
    await w.addStaff('lisi', external);
    const zhangsanBefore = (await w.appMessages('zhangsan')).length;

    offsetMs = 91 * DAY;
    expect(await fireDue()).toBe(1);
    const toLisi = await w.appMessages('lisi');
    expect(toLisi).toHaveLength(1);
    expect(toLisi[0]).toMatchObject({ msgtype: 'textcard', title: '邀请免费清洗' });
    expect(toLisi[0]!.content).toContain('配镜客户');
    expect(toLisi[0]!.content).toContain('1.67 非球面镜片');
    expect(toLisi[0]!.url).toContain(`/s/${shop.slug}/wecom/sidebar?todo=${reminder.id}`);
    expect(await w.appMessages('zhangsan')).toHaveLength(zhangsanBefore);

    // Exactly once: later passes, and the send job run again, send nothing more.
    expect(await fireDue()).toBe(0);
    expect(await t.services.wecom.reminders.deliver(reminder.id)).toBe('not-due');
    expect(await w.appMessages('lisi')).toHaveLength(1);
    const sent = await w.admin('GET', `/wecom/reminders/${reminder.id}`);
    expect(sent.body).toMatchObject({ status: 'sent', staffUserid: 'lisi', todo: 'open' });

    // A buyer whom no staff member serves: the reminder is skipped with its reason, nobody is messaged.
    offsetMs = 0;
    const stranger = await signInCustomer(t, shop.slug);
    await w.buy(stranger, lens.skus[0]!.id);
    const before = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM wecom_reminders WHERE shop_id = ${shop.shopId} AND status = 'sent'`);
    offsetMs = 91 * DAY;
    expect(await fireDue()).toBe(1);
    const skipped = (await w.admin('GET', `/wecom/reminders?customerId=${stranger.customerId}`)).body.items;
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ status: 'skipped', skipReason: 'no_active_relation', staffUserid: null });
    expect((await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM wecom_reminders WHERE shop_id = ${shop.shopId} AND status = 'sent'`))[0]!.n).toBe(before[0]!.n);
    expect(await w.appMessages('lisi')).toHaveLength(1);
    offsetMs = 0;
  });

  it('changes and deletes a rule; deleting cancels what it scheduled', async () => {
    const rule = await w.admin('POST', '/wecom/reminder-rules', { name: '复购', event: 'order.paid', delayDays: 30, title: '复购提醒', text: '{{name}} 的订单 {{orderNo}} 已满 30 天' });
    const changed = await w.admin('PUT', `/wecom/reminder-rules/${rule.body.id}`, { name: '复购(改)', event: 'order.paid', delayDays: 45, title: '复购提醒', text: '{{name}} 已满 45 天', enabled: true });
    expect(changed.body).toMatchObject({ name: '复购(改)', delayDays: 45 });
    const { customer } = await w.linkedContact('wangwu', '复购客户');
    const p = await w.product('护理液', null, 3000);
    await w.buy(customer, p.skus[0]!.id);
    const made = (await w.admin('GET', `/wecom/reminders?ruleId=${rule.body.id}`)).body.items;
    expect(made).toHaveLength(1);
    expect((await w.admin('DELETE', `/wecom/reminder-rules/${rule.body.id}`)).status).toBe(204);
    expect((await w.admin('GET', `/wecom/reminder-rules/${rule.body.id}`)).status).toBe(404);
    expect((await w.admin('GET', `/wecom/reminders/${made[0].id}`)).body).toMatchObject({ status: 'cancelled', skipReason: 'rule_deleted' });
  });

  it('a one-off reminder goes to the owner when due and becomes their to-do', async () => {
    const { customer } = await w.linkedContact('zhaoliu', '回访客户');
    const due = new Date(Date.now() + 2 * DAY);
    const made = await w.admin('POST', '/wecom/reminders', { customerId: customer.customerId, dueAt: due.toISOString(), title: '回访', text: '回访 {{name}},问问新眼镜戴得习惯吗' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect((await w.admin('POST', '/wecom/reminders', { dueAt: due.toISOString(), text: 'x' })).body.error.details.field).toBe('customerId');
    offsetMs = 3 * DAY;
    await fireDue();
    offsetMs = 0;
    const msgs = await w.appMessages('zhaoliu');
    expect(msgs.filter((m) => m.content === '回访 回访客户,问问新眼镜戴得习惯吗')).toHaveLength(1);
    expect((await w.admin('GET', `/wecom/reminders?staff=zhaoliu&todo=open`)).body.items.map((r: { id: string }) => r.id)).toContain(made.body.id);
  });
});
