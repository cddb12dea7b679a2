import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WECOM_SANDBOX } from '@siyu/sandbox';
import { rows, sql } from '../../platform/db/index.js';
import { startTestApp, type StaffSession, type TestApp } from '../../testing/harness.js';
import { customerHelpers } from '../customers/test-helpers.js';
import { beijingMonth, WecomMass } from './mass.js';

/**
 * Mass messages (群发) against the sandbox's WeCom simulator: a task becomes one add_msg_template per
 * sender and only reaches the customers of members who confirm it on their phone (the sim's confirm hook);
 * recipients are chosen against the monthly cap, opt-outs and the contact budget; scheduled tasks wait for
 * their time; a retried creation never asks WeCom twice. The server's clock is pinned to 10:00 Beijing time
 * today (outside quiet hours, in the simulator's month).
 */
let t: TestApp;
let shop: { shopId: string; slug: string; owner: StaffSession };
let corpId: string;
let vip: string;
let capTag: string;
const ext: Record<'a' | 'b' | 'c' | 'd' | 'e', string> = { a: '', b: '', c: '', d: '', e: '' };
const cust: Record<'a' | 'b' | 'd', string> = { a: '', b: '', d: '' };
let shiftMs = 0;

const admin = (method: string, path: string, body?: unknown) => t.call(method, `/api/admin${path}`, { session: shop.owner, body });
const sim = (path: string, body?: unknown) => t.call(body === undefined ? 'GET' : 'POST', `/sandbox/wecom/__sim/corps/${corpId}${path}`, { body });
type SimTask = { msgid: string; text?: { content: string }; tasks: { userid: string; status: number; results: { external_userid: string; chat_id: string; status: number }[] }[] };
const simTasks = async (text: string) => ((await sim('/tasks')).body as SimTask[]).filter((x) => x.text?.content === text);
const msgidOf = async (text: string, userid: string) => (await simTasks(text)).find((x) => x.tasks.some((p) => p.userid === userid))!.msgid;
const confirm = async (text: string, userid: string) => {
  const r = await sim(`/tasks/${await msgidOf(text, userid)}/confirm`, { userid });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
};
const counters = async (customerId: string) => (await admin('GET', `/customers/${customerId}/messages`)).body.counters as { today: Record<string, number>; week: Record<string, number> };
const create = async (body: Record<string, unknown>) => {
  const r = await admin('POST', '/wecom/mass-tasks', body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string; status: string };
};
const detail = async (id: string) => (await admin('GET', `/wecom/mass-tasks/${id}`)).body;
const refresh = async (id: string) => {
  const r = await admin('POST', `/wecom/mass-tasks/${id}/refresh`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};

beforeAll(async () => {
  t = await startTestApp();
  const bj = new Date(Date.now() + 8 * 3600_000);
  const tenAm = Date.UTC(bj.getUTCFullYear(), bj.getUTCMonth(), bj.getUTCDate(), 10) - 8 * 3600_000;
  const offset = tenAm - Date.now();
  t.platform.now = () => new Date(Date.now() + offset + shiftMs);

  shop = await t.createShop();
  corpId = (await t.call('POST', '/sandbox/wecom/__sim/corps', { body: {} })).body.corpId;
  const saved = await admin('PUT', '/wecom/settings', {
    corpId, contactSecret: WECOM_SANDBOX.contactSecret, agentId: WECOM_SANDBOX.agentId, agentSecret: WECOM_SANDBOX.agentSecret,
    callbackToken: WECOM_SANDBOX.token, encodingAesKey: WECOM_SANDBOX.encodingAesKey,
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  const tags = await admin('POST', '/wecom/tags', { groupName: '会员', names: ['VIP', '封顶'] });
  expect(tags.status, JSON.stringify(tags.body)).toBe(201);
  [vip, capTag] = tags.body.tags.map((x: { id: string }) => x.id);

  // WeChat users who are customers of the shop (same unionid), and two who are not.
  const h = customerHelpers(t);
  const person = async (name: string) => {
    const key = `mass-${randomBytes(4).toString('hex')}`;
    const signed = await h.wechatSignIn(shop.slug, { key, nickname: name });
    const { unionid } = await h.wechatCode({ key });
    return { customerId: signed.customer.id as string, external: (await sim('/customers', { name, unionid })).body.external_userid as string };
  };
  const add = async (userid: string, external: string, tag?: string) => {
    expect((await sim('/add', { userid, external_userid: external })).status).toBe(200);
    if (tag) expect((await sim('/edit', { userid, external_userid: external, add_tag: [tag] })).status).toBe(200);
  };
  const a = await person('甲');
  const b = await person('乙');
  const d = await person('丁');
  [ext.a, ext.b, ext.d, cust.a, cust.b, cust.d] = [a.external, b.external, d.external, a.customerId, b.customerId, d.customerId];
  ext.c = (await sim('/customers', { name: '丙' })).body.external_userid;
  ext.e = (await sim('/customers', { name: '戊' })).body.external_userid;
  await add('zhangsan', ext.a, vip);
  await add('lisi', ext.b, vip);
  await add('wangwu', ext.c, vip);
  await add('zhangsan', ext.d);
  await add('zhaoliu', ext.e, capTag);
  // No callback URL is set: the staff sync pulls every member's customers with their tags.
  expect((await admin('POST', '/wecom/staff/sync')).status).toBe(202);
  await t.drain();
  expect((await admin('GET', '/wecom/relations?pageSize=100')).body.items).toHaveLength(5);
}, 120_000);
afterAll(() => t?.close());

describe('WeCom mass messages (群发)', () => {
  it('a task to a tag reaches only the customers of staff who confirmed, tracked per staff and per customer; the budget follows what was sent', async () => {
    const text = '会员日:全场 8 折';
    const task = await create({ name: '会员日', audience: { kind: 'tags', tagIds: [vip] }, text, attachments: [{ type: 'link', title: '会员日', url: 'https://shop.example.com/vip' }] });
    expect(task.status).toBe('creating');
    await t.drain();

    // One task per sender, each with that sender's customers only; nothing sent yet.
    const made = await simTasks(text);
    expect(made).toHaveLength(3);
    expect(made.map((m) => m.tasks.map((p) => [p.userid, p.results.map((r) => r.external_userid)])).flat().sort()).toEqual(
      [['lisi', [ext.b]], ['wangwu', [ext.c]], ['zhangsan', [ext.a]]].sort(),
    );
    let d = await detail(task.id);
    expect(d).toMatchObject({ status: 'sending', recipients: { total: 3, pending: 3, sent: 0 } });
    expect(d.staff.map((s: { userid: string; status: string }) => [s.userid, s.status])).toEqual([['lisi', 'pending'], ['wangwu', 'pending'], ['zhangsan', 'pending']]);
    // The budget holds a place for each linked customer while their message may still go.
    expect((await counters(cust.a)).today.wecom).toBe(1);

    // zhangsan confirms; 乙 deletes lisi before lisi confirms (非好友); wangwu never does.
    await confirm(text, 'zhangsan');
    expect((await sim('/delete', { userid: 'lisi', external_userid: ext.b, by: 'customer' })).status).toBe(200);
    await confirm(text, 'lisi');
    d = await refresh(task.id);
    expect(d).toMatchObject({ status: 'sending', recipients: { total: 3, sent: 1, notFriend: 1, pending: 1 } });
    const byStaff = Object.fromEntries(d.staff.map((s: { userid: string }) => [s.userid, s]));
    expect(byStaff.zhangsan).toMatchObject({ status: 'sent', name: '张三', recipients: { total: 1, sent: 1 } });
    expect(byStaff.lisi).toMatchObject({ status: 'sent', recipients: { total: 1, notFriend: 1 } });
    expect(byStaff.wangwu).toMatchObject({ status: 'pending', recipients: { total: 1, pending: 1 } });
    const sent = await admin('GET', `/wecom/mass-tasks/${task.id}/recipients?status=sent`);
    expect(sent.body.items).toEqual([expect.objectContaining({ externalUserId: ext.a, userid: 'zhangsan', customerId: cust.a, status: 'sent' })]);

    // Sent counts in the contact budget (as WeCom, across channels); not a friend gives its place back.
    expect((await counters(cust.a)).today).toMatchObject({ wecom: 1, total: 1 });
    expect((await counters(cust.b)).today).toMatchObject({ wecom: 0, total: 0 });

    // A week on, wangwu still has not confirmed: tracking ends and 丙 is reported never confirmed.
    // (The poll job itself: a staff session would have expired in a week of shifted time.)
    shiftMs = 8 * 86_400_000;
    try {
      await t.services.wecom.mass.progress.poll(shop.shopId, task.id);
    } finally {
      shiftMs = 0;
    }
    d = await detail(task.id);
    expect(d).toMatchObject({ status: 'done', recipients: { sent: 1, notFriend: 1, unconfirmed: 1, pending: 0 } });
    expect((await admin('GET', '/wecom/mass-tasks')).body.items[0]).toMatchObject({ id: task.id, status: 'done', staff: { total: 3, confirmed: 2 } });
  });

  it('leaves out customers whose contact budget is spent or who refused promotions, with the reason', async () => {
    // 甲 got today's WeCom message above (daily WeCom cap 1); 丁 refuses promotions.
    await t.services.messaging.setPreferences(shop.shopId, cust.d, { refusedTopics: ['promotion'], refusedChannels: [], smsMarketing: false });
    const group = await admin('POST', '/groups', { name: '老客', kind: 'static' });
    expect(group.status, JSON.stringify(group.body)).toBe(201);
    const members = await admin('POST', `/groups/${group.body.id}/members`, { customerIds: [cust.a, cust.d] });
    expect(members.status, JSON.stringify(members.body)).toBeLessThan(300);
    const task = await create({ name: '老客回馈', audience: { kind: 'segment', groupId: group.body.id }, text: '老客回馈' });
    await t.drain();
    const d = await detail(task.id);
    expect(d).toMatchObject({ status: 'done', recipients: { total: 2, excluded: 2 }, excludedReasons: { 'budget:daily.wecom': 1, 'opted_out:promotion': 1 } });
    expect(await simTasks('老客回馈')).toHaveLength(0);
    expect((await counters(cust.a)).today.wecom).toBe(1);
  });

  it('keeps a customer under the monthly cap (days in the month) and the simulator never refuses one for it', async () => {
    const cap = beijingMonth(t.platform.now()).days;
    for (let i = 1; i <= cap; i++) {
      const task = await create({ name: `每日 ${i}`, audience: { kind: 'tags', tagIds: [capTag] }, text: `每日一荐 ${i}` });
      await t.drain();
      await confirm(`每日一荐 ${i}`, 'zhaoliu');
      expect(await refresh(task.id)).toMatchObject({ status: 'done', recipients: { sent: 1 } });
    }
    const over = await create({ name: '超出', audience: { kind: 'tags', tagIds: [capTag] }, text: '每日一荐 超出' });
    await t.drain();
    const d = await detail(over.id);
    expect(d).toMatchObject({ status: 'done', recipients: { total: 1, excluded: 1 }, excludedReasons: { [`monthly_cap:${cap}`]: 1 } });
    expect(await simTasks('每日一荐 超出')).toHaveLength(0);
    // Every message the simulator took for 戊 was sent: none came back "received another mass message" (3).
    const results = ((await sim('/tasks?userid=zhaoliu')).body as SimTask[]).flatMap((m) => m.tasks.flatMap((p) => p.results)).filter((r) => r.external_userid === ext.e);
    expect(results).toHaveLength(cap);
    expect(results.every((r) => r.status === 1)).toBe(true);
  }, 120_000);

  it('a cap set in config below the days of the month wins', () => {
    const at = new Date('2027-02-10T02:00:00Z');
    const mass = (cap?: number) => new WecomMass({ config: { WECOM_MASS_MONTHLY_CAP: cap } } as never, {} as never, {} as never, {} as never);
    expect(beijingMonth(at).days).toBe(28);
    expect(mass().monthlyCap(at)).toBe(28);
    expect(mass(4).monthlyCap(at)).toBe(4);
    // 1 March 00:30 Beijing is still 28 February in UTC: the month is Beijing's.
    expect(beijingMonth(new Date('2027-02-28T16:30:00Z')).days).toBe(31);
  });

  it('a scheduled task is created in WeCom at its time, not before', async () => {
    // Tomorrow: 甲 has had today's WeCom message already.
    const at = new Date(t.platform.now().getTime() + 25 * 3600_000);
    const task = await create({ name: '明早', audience: { kind: 'tags', tagIds: [vip] }, senders: ['zhangsan'], text: '定时群发', sendAt: at.toISOString() });
    expect(task.status).toBe('scheduled');
    await t.services.wecom.mass.tick();
    await t.drain();
    expect((await detail(task.id)).status).toBe('scheduled');
    expect(await simTasks('定时群发')).toHaveLength(0);

    shiftMs = 25 * 3600_000 + 60_000;
    try {
      expect(await t.services.wecom.mass.tick()).toBeGreaterThanOrEqual(1);
      await t.drain();
    } finally {
      shiftMs = 0;
    }
    const made = await simTasks('定时群发');
    expect(made).toHaveLength(1);
    expect(made[0]!.tasks.map((p) => p.userid)).toEqual(['zhangsan']);
    expect((await detail(task.id)).status).toBe('sending');

    // A scheduled task can be cancelled until it runs; one that ran cannot.
    const later = await create({ name: '取消', audience: { kind: 'tags', tagIds: [vip] }, text: '不发了', sendAt: at.toISOString() });
    expect((await admin('POST', `/wecom/mass-tasks/${later.id}/cancel`)).body.status).toBe('cancelled');
    expect((await admin('POST', `/wecom/mass-tasks/${task.id}/cancel`)).status).toBe(409);
  });

  it('a retried creation does not create a second add_msg_template, even when the first run died before keeping the msgid', async () => {
    const text = '重试不重发';
    const task = await create({ name: '重试', audience: { kind: 'tags', tagIds: [vip] }, senders: ['wangwu'], text });
    await t.drain();
    const first = await simTasks(text);
    expect(first).toHaveLength(1);

    // The job delivered twice: the second finds the task created and does nothing.
    await t.platform.jobs.send('wecom.mass-run', { shopId: shop.shopId, taskId: task.id });
    await t.drain();
    expect(await simTasks(text)).toHaveLength(1);

    // A run that asked WeCom and died before storing the answer: the retry finds the task WeCom made.
    await t.platform.db.execute(sql`UPDATE wecom_mass_sends SET msgid = NULL WHERE task_id = ${task.id}`);
    await t.platform.db.execute(sql`UPDATE wecom_mass_tasks SET status = 'creating' WHERE id = ${task.id}`);
    await t.services.wecom.mass.run(shop.shopId, task.id);
    expect(await simTasks(text)).toHaveLength(1);
    const [kept] = await rows<{ msgid: string }>(t.platform.db, sql`SELECT msgid FROM wecom_mass_sends WHERE task_id = ${task.id}`);
    expect(kept!.msgid).toBe(first[0]!.msgid);
    expect((await detail(task.id)).status).toBe('sending');
  });

  it('a task to customer groups goes to the groups the sender owns, each tracked after confirmation', async () => {
    const chat = (await sim('/groupchats', { owner: 'sunqi', name: '会员群', members: [ext.c] })).body.chat_id as string;
    const task = await create({ name: '群发到群', audience: { kind: 'groups' }, senders: ['sunqi'], text: '群里的朋友们好', attachments: [{ type: 'image', picUrl: 'https://shop.example.com/a.png' }] });
    await t.drain();
    expect((await detail(task.id)).staff).toEqual([expect.objectContaining({ userid: 'sunqi', status: 'pending' })]);
    await confirm('群里的朋友们好', 'sunqi');
    const d = await refresh(task.id);
    expect(d).toMatchObject({ status: 'done', recipients: { total: 1, sent: 1 } });
    expect((await admin('GET', `/wecom/mass-tasks/${task.id}/recipients`)).body.items).toEqual([expect.objectContaining({ chatId: chat, status: 'sent', userid: 'sunqi' })]);
  });

  it('refuses unknown tags and senders, naming the field', async () => {
    const tag = await admin('POST', '/wecom/mass-tasks', { name: 'x', audience: { kind: 'tags', tagIds: ['etNOPE'] }, text: 'x' });
    expect(tag.status).toBe(400);
    expect(tag.body.error.details.field).toBe('audience.tagIds.0');
    const who = await admin('POST', '/wecom/mass-tasks', { name: 'x', audience: { kind: 'tags', tagIds: [vip] }, senders: ['nobody'], text: 'x' });
    expect(who.body.error.details.field).toBe('senders.0');
    const many = await admin('POST', '/wecom/mass-tasks', { name: 'x', audience: { kind: 'tags', tagIds: [vip] }, text: 'x', attachments: Array(10).fill({ type: 'image', picUrl: 'https://a.example.com/x.png' }) });
    expect(many.status).toBe(400);
  });
});
