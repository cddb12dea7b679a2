import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, sql } from '../../platform/db/index.js';
import { startTestApp, type StaffSession, type TestApp } from '../../testing/harness.js';
import { waitFor } from '../../testing/commerce.js';
import { download } from '../catalog/testing/fixtures.js';
import { connectCorp } from './followups.fixtures.js';

/**
 * Customer groups (社群) against the sandbox's WeCom simulator: groups and members synced and kept current
 * by change_external_chat callbacks, group codes (join ways) with their statistics by state, group welcome
 * templates made in WeCom, and group SOPs whose due steps become mass tasks exactly once. The server's
 * clock is pinned to 10:00 Beijing time today and moved by `shiftMs`.
 */
let t: TestApp;
let shop: { shopId: string; slug: string; owner: StaffSession };
let w: Awaited<ReturnType<typeof connectCorp>>;
let shiftMs = 0;
const HOUR = 3_600_000;

beforeAll(async () => {
  t = await startTestApp();
  const bj = new Date(Date.now() + 8 * HOUR);
  const tenAm = Date.UTC(bj.getUTCFullYear(), bj.getUTCMonth(), bj.getUTCDate(), 10) - 8 * HOUR;
  const offset = tenAm - Date.now();
  t.platform.now = () => new Date(Date.now() + offset + shiftMs);
  shop = await t.createShop();
  w = await connectCorp(t, shop);
});
afterAll(() => t?.close());

const customer = async (name: string) => (await w.sim('/customers', { name })).body.external_userid as string;
const chatEvents = async (chatId: string) =>
  (await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM wecom_callbacks WHERE shop_id = ${shop.shopId} AND event = 'change_external_chat' AND fields->>'ChatId' = ${chatId} AND processed_at IS NOT NULL`))[0]!.n;
/**
 * A change in WeCom pushes change_external_chat; waits until `n` of the chat's events were worked. Two joins
 * in one second push the same XML (the event names the chat, not the member), which is stored once.
 */
async function worked(chatId: string, n: number) {
  await waitFor(async () => {
    await t.drain();
    return (await chatEvents(chatId)) >= n;
  }, `${n} change_external_chat events of ${chatId}`);
}
async function until(check: () => Promise<boolean>, what: string) {
  await waitFor(async () => {
    await t.drain();
    return check();
  }, what);
}
const members = async (chatId: string, presence = 'current') => { const r = await w.admin('GET', `/wecom/groups/${chatId}/members?presence=${presence}`); if (r.status !== 200) console.log(JSON.stringify(r.body)); return r.body as { items: { memberId: string; kind: string; state: string | null; joinScene: number; leftAt: string | null }[]; total: number };
};

describe('customer groups: sync and callbacks', () => {
  it('syncs groups with members, then follows joins, quits and dismissals from callbacks', async () => {
    const a = await customer('群成员甲');
    const made = await w.sim('/groupchats', { owner: 'zhangsan', name: '老客福利群', members: [a] });
    expect(made.status).toBe(200);
    const chatId = made.body.chat_id as string;
    const run = await w.admin('POST', '/wecom/groups/sync');
    expect(run.status).toBe(202);
    await t.drain();
    expect((await w.admin('GET', `/wecom/sync-runs/${run.body.id}`)).body).toMatchObject({ status: 'done', progress: expect.objectContaining({ groups: expect.any(Number) }) });

    const list = await w.admin('GET', '/wecom/groups?owner=zhangsan&q=福利');
    expect(list.body.items).toEqual([expect.objectContaining({ chatId, name: '老客福利群', owner: 'zhangsan', ownerName: '张三', memberCount: 2, customerCount: 1 })]);
    expect((await members(chatId)).items.map((m) => [m.memberId, m.kind])).toEqual([['zhangsan', 'staff'], [a, 'customer']]);

    const b = await customer('群成员乙');
    await w.sim(`/groupchats/${chatId}/join`, { external_userid: b });
    await worked(chatId, 2);
    expect((await members(chatId)).total).toBe(3);
    await w.sim(`/groupchats/${chatId}/quit`, { external_userid: a });
    await worked(chatId, 3);
    expect((await members(chatId)).items.map((m) => m.memberId)).not.toContain(a);
    expect((await members(chatId, 'left')).items).toEqual([expect.objectContaining({ memberId: a, leftAt: expect.any(String) })]);
    const overview = (await w.admin('GET', '/wecom/groups/overview')).body;
    expect(overview).toMatchObject({ groups: expect.any(Number), customers: expect.any(Number) });
    expect(overview.days).toHaveLength(30);
    expect(overview.days.reduce((n: number, d: { left: number }) => n + d.left, 0)).toBeGreaterThanOrEqual(1);

    await w.sim(`/groupchats/${chatId}/dismiss`, {});
    await worked(chatId, 4);
    expect((await w.admin('GET', `/wecom/groups/${chatId}`)).status).toBe(404);
  });
});

describe('group codes (群活码)', () => {
  it('refuses unknown groups and nameless auto-created rooms with the field, then counts joins by state', async () => {
    const chatId = (await w.sim('/groupchats', { owner: 'lisi', name: '新品体验群1' })).body.chat_id as string;
    await worked(chatId, 1);
    const unknown = await w.admin('POST', '/wecom/group-codes', { name: '体验群码', chatIds: ['wrnotagroup'], roomBaseName: '新品体验群' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'WECOM_GROUP_UNKNOWN', details: { field: 'chatIds.0' } });
    const nameless = await w.admin('POST', '/wecom/group-codes', { name: '体验群码', chatIds: [chatId], autoCreateRoom: true });
    expect(nameless.status).toBe(400);
    expect(JSON.stringify(nameless.body)).toContain('roomBaseName');

    const made = await w.admin('POST', '/wecom/group-codes', { name: '体验群码', state: 'gq-trial', chatIds: [chatId], roomBaseName: '新品体验群', roomBaseId: 2 });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ state: 'gq-trial', qrCode: expect.stringContaining('/join/'), chats: [{ chatId, name: '新品体验群1' }] });
    const qr = await download(t, `/api/admin/wecom/group-codes/${made.body.id}/qr`, shop.owner);
    expect([qr.status, qr.data.subarray(1, 4).toString()]).toEqual([200, 'PNG']);
    const again = await w.admin('POST', '/wecom/group-codes', { name: '另一个', state: 'gq-trial', chatIds: [chatId], roomBaseName: 'x' });
    expect(again.status).toBe(409);

    for (const name of ['扫码甲', '扫码乙']) {
      expect((await w.sim(`/join-ways/${made.body.configId}/scan`, { external_userid: await customer(name) })).status).toBe(200);
    }
    await until(async () => (await members(chatId)).total === 3, 'both scans in the group');
    const stats = (await w.admin('GET', `/wecom/group-codes/${made.body.id}/stats`)).body;
    expect(stats).toMatchObject({ joins: 2, stillIn: 2, left: 0, chats: [{ chatId, joins: 2 }] });
    expect(stats.days.reduce((n: number, d: { joins: number }) => n + d.joins, 0)).toBe(2);
    expect((await members(chatId)).items.filter((m) => m.kind === 'customer').every((m) => m.state === 'gq-trial' && m.joinScene === 3)).toBe(true);

    const changed = await w.admin('PUT', `/wecom/group-codes/${made.body.id}`, { name: '体验群码（改）', state: 'gq-trial', chatIds: [chatId], autoCreateRoom: false });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(((await w.sim(`/join-ways/${made.body.configId}/scan`, { external_userid: await customer('改后') })).body)).toMatchObject({ chat_id: chatId });
    expect((await w.admin('DELETE', `/wecom/group-codes/${made.body.id}`)).status).toBe(204);
    expect((await w.admin('GET', '/wecom/group-codes')).body.items.some((c: { id: string }) => c.id === made.body.id)).toBe(false);
    expect((await w.admin('GET', `/wecom/group-codes/${made.body.id}/stats`)).body.joins).toBeGreaterThanOrEqual(2);
  });
});

describe('group welcome templates (入群欢迎语)', () => {
  it('makes the template in WeCom; a group whose owner chose it greets who joins; deleting removes it in WeCom', async () => {
    const bad = await w.admin('POST', '/wecom/group-welcomes', { name: '空的' });
    expect(bad.status).toBe(400);
    const made = await w.admin('POST', '/wecom/group-welcomes', { name: '新人欢迎', text: '欢迎加入！群公告里有新人券', attachment: { type: 'link', title: '新人券', url: 'https://shop.example.com/c/1' } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const chatId = (await w.sim('/groupchats', { owner: 'wangwu', name: '欢迎测试群' })).body.chat_id as string;
    expect((await w.sim(`/groupchats/${chatId}/welcome`, { template_id: made.body.templateId })).status).toBe(200);
    const newcomer = await customer('新人');
    await w.sim(`/groupchats/${chatId}/join`, { external_userid: newcomer });
    expect((await w.sim(`/group-welcome-messages?chat_id=${chatId}`)).body).toEqual([expect.objectContaining({ external_userid: newcomer, text: '欢迎加入！群公告里有新人券' })]);

    const edited = await w.admin('PUT', `/wecom/group-welcomes/${made.body.id}`, { name: '新人欢迎', text: '欢迎！', attachment: null });
    expect(edited.status).toBe(200);
    expect((await w.admin('DELETE', `/wecom/group-welcomes/${made.body.id}`)).status).toBe(204);
    expect((await w.admin('GET', '/wecom/group-welcomes')).body.items).toEqual([]);
    await w.sim(`/groupchats/${chatId}/join`, { external_userid: await customer('删后入群') });
    expect((await w.sim(`/group-welcome-messages?chat_id=${chatId}`)).body).toHaveLength(1);
  });
});

describe('group SOPs (社群 SOP)', () => {
  type SimTask = { msgid: string; text?: { content: string }; tasks: { userid: string; results: { external_userid: string; chat_id: string }[] }[] };
  const simTasks = async (text: string) => ((await w.sim('/tasks')).body as SimTask[]).filter((x) => x.text?.content === text);

  it('sends a step into each group once when its day and time come, and only after the SOP was switched on', async () => {
    const mine = (await w.sim('/groupchats', { owner: 'zhaoliu', name: 'SOP 群 A', members: [await customer('A1')] })).body.chat_id as string;
    const other = (await w.sim('/groupchats', { owner: 'zhaoliu', name: 'SOP 群 B' })).body.chat_id as string;
    await worked(other, 1);
    const bad = await w.admin('POST', '/wecom/group-sops', { name: 'x', anchor: 'group_created', chatIds: ['wrnope'], steps: [{ day: 0, time: '10:30', text: 'hi' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('chatIds.0');
    const twice = await w.admin('POST', '/wecom/group-sops', { name: 'x', anchor: 'group_created', steps: [{ day: 0, time: '10:30', text: 'a' }, { day: 0, time: '10:30', text: 'b' }] });
    expect(twice.status).toBe(400);

    const sop = await w.admin('POST', '/wecom/group-sops', {
      name: '新群破冰', anchor: 'group_created', chatIds: [mine],
      steps: [{ day: 0, time: '10:30', text: '第 0 天：欢迎大家，先看群规' }, { day: 2, time: '09:00', text: '第 2 天：新人专享券' }],
    });
    expect(sop.status, JSON.stringify(sop.body)).toBe(201);
    const svc = t.services.wecom.groupSops;
    expect(await svc.tick()).toBe(0);

    shiftMs = 1 * HOUR; // 11:00: step 0 is due for the group created today
    const [first, second] = await Promise.all([svc.tick(), svc.tick()]);
    expect(first + second).toBe(1);
    expect(await svc.tick()).toBe(0);
    await t.drain();
    const tasks = await simTasks('第 0 天：欢迎大家，先看群规');
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.tasks).toEqual([expect.objectContaining({ userid: 'zhaoliu', results: [expect.objectContaining({ chat_id: mine })] })]);
    expect(tasks[0]!.tasks[0]!.results.map((r) => r.chat_id)).not.toContain(other);

    const runs = (await w.admin('GET', `/wecom/group-sops/${sop.body.id}/runs`)).body;
    expect(runs.items).toEqual([expect.objectContaining({ stepIndex: 0, chatId: mine, chatName: 'SOP 群 A', status: 'queued', massTaskId: expect.any(String) })]);
    expect((await w.sim(`/tasks/${tasks[0]!.msgid}/confirm`, { userid: 'zhaoliu' })).status).toBe(200);
    expect((await w.admin('POST', `/wecom/mass-tasks/${runs.items[0].massTaskId}/refresh`)).status).toBe(200);
    expect((await w.admin('GET', `/wecom/group-sops/${sop.body.id}`)).body.counts).toEqual({ queued: 0, sent: 1, skipped: 0 });

    // Off, and on again two days later: day 2's 09:00 passed while it was off, so it is not sent late.
    const body = { name: '新群破冰', anchor: 'group_created', chatIds: [mine], steps: sop.body.steps };
    expect((await w.admin('PUT', `/wecom/group-sops/${sop.body.id}`, { ...body, active: false })).status).toBe(200);
    shiftMs = 2 * 24 * HOUR + 1 * HOUR;
    expect(await svc.tick()).toBe(0);
    expect((await w.admin('PUT', `/wecom/group-sops/${sop.body.id}`, { ...body, active: true })).status).toBe(200);
    expect(await svc.tick()).toBe(0);
    expect((await w.admin('GET', `/wecom/group-sops/${sop.body.id}/runs`)).body.steps).toEqual([
      { stepIndex: 0, queued: 0, sent: 1, skipped: 0 },
      { stepIndex: 1, queued: 0, sent: 0, skipped: 0 },
    ]);
    shiftMs = 0;
  });

  it('writes to each new member the day after they joined when they are the owner’s contact, and records why not otherwise', async () => {
    const svc = t.services.wecom.groupSops;
    const friend = await customer('好友成员');
    await w.addStaff('sunqi', friend);
    const stranger = await customer('陌生成员');
    const chatId = (await w.sim('/groupchats', { owner: 'sunqi', name: '入群 SOP 群' })).body.chat_id as string;
    const sop = await w.admin('POST', '/wecom/group-sops', { name: '新人关怀', anchor: 'member_joined', owners: ['sunqi'], steps: [{ day: 1, time: '10:30', text: '入群第 1 天：送您一张券' }] });
    expect(sop.status, JSON.stringify(sop.body)).toBe(201);
    await w.sim(`/groupchats/${chatId}/join`, { external_userid: friend });
    await w.sim(`/groupchats/${chatId}/join`, { external_userid: stranger });
    await until(async () => (await members(chatId)).total === 3, 'both members in the group');
    expect(await svc.tick()).toBe(0);

    shiftMs = 24 * HOUR + 1 * HOUR;
    expect(await svc.tick()).toBe(1);
    await t.drain();
    const runs = (await w.admin('GET', `/wecom/group-sops/${sop.body.id}/runs`)).body;
    const byMember = Object.fromEntries(runs.items.map((r: { member: { externalUserid: string }; status: string; reason: string | null }) => [r.member.externalUserid, [r.status, r.reason]]));
    expect(byMember).toEqual({ [friend]: ['queued', null], [stranger]: ['skipped', 'not_contact'] });
    const tasks = await simTasks('入群第 1 天：送您一张券');
    expect(tasks.flatMap((x) => x.tasks.flatMap((p) => p.results.map((r) => r.external_userid)))).toEqual([friend]);
    shiftMs = 0;
  });
});
