import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, startSandbox, type Sandbox } from './test-support.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());

async function setup() {
  const corp = await sb.newCorp();
  const token = await sb.token(corp);
  const add = async (userid: string, name: string) => {
    const ext = (await sb.sim(`/corps/${corp}/customers`, { name })).body.external_userid as string;
    await sb.sim(`/corps/${corp}/add`, { userid, external_userid: ext });
    return ext;
  };
  return { corp, token, a: await add('zhangsan', '甲'), b: await add('zhangsan', '乙'), c: await add('lisi', '丙') };
}

/** Days in the Beijing month of the corp's clock, as WeCom counts the monthly cap. */
async function capOf(corp: string) {
  const now = new Date(Date.parse((await sb.sim(`/corps/${corp}/clock`, undefined, 'GET')).body.now) + 8 * 3_600_000);
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate();
}

describe('mass messages (群发)', () => {
  it('creates a task per sending member that stays unsent until the member confirms on their phone', async () => {
    const { corp, token, a, b, c } = await setup();
    const r = await sb.post('/cgi-bin/externalcontact/add_msg_template', { chat_type: 'single', external_userid: [a, b, c, 'wmstranger'], text: { content: '双十一会员日' } }, { access_token: token });
    expect(r).toMatchObject({ errcode: 0, fail_list: ['wmstranger'], msgid: expect.stringMatching(/^msg/) });
    const tasks = await sb.post('/cgi-bin/externalcontact/get_groupmsg_task', { msgid: r.msgid }, { access_token: token });
    expect(tasks.task_list).toEqual([{ userid: 'zhangsan', status: 0 }, { userid: 'lisi', status: 0 }]);
    const before = await sb.post('/cgi-bin/externalcontact/get_groupmsg_send_result', { msgid: r.msgid, userid: 'zhangsan' }, { access_token: token });
    expect(before.send_list).toEqual([{ external_userid: a, chat_id: '', userid: 'zhangsan', status: 0 }, { external_userid: b, chat_id: '', userid: 'zhangsan', status: 0 }]);

    // zhangsan confirms on the phone page; b deleted zhangsan meanwhile, so b is "not a friend" (2).
    const phone = await (await fetch(`${sb.base}/phone?corp=${corp}&userid=zhangsan&refresh=0`)).text();
    expect(phone).toContain('双十一会员日');
    expect(phone).toContain('确认发送');
    await sb.sim(`/corps/${corp}/delete`, { userid: 'zhangsan', external_userid: b, by: 'customer' });
    const form = new URLSearchParams({ corp, userid: 'zhangsan', msgid: r.msgid });
    const confirmed = await fetch(`${sb.base}/phone/confirm`, { method: 'POST', body: form, redirect: 'manual' });
    expect(confirmed.status).toBe(303);
    expect(new URL(confirmed.headers.get('location')!, `${sb.base}/phone/confirm`).pathname).toBe(new URL(`${sb.base}/phone`).pathname);
    const after = await sb.post('/cgi-bin/externalcontact/get_groupmsg_send_result', { msgid: r.msgid, userid: 'zhangsan' }, { access_token: token });
    expect(after.send_list).toEqual([
      { external_userid: a, chat_id: '', userid: 'zhangsan', status: 1, send_time: expect.any(Number) },
      { external_userid: b, chat_id: '', userid: 'zhangsan', status: 2 },
    ]);
    expect((await sb.post('/cgi-bin/externalcontact/get_groupmsg_task', { msgid: r.msgid }, { access_token: token })).task_list).toEqual([
      { userid: 'zhangsan', status: 2, send_time: expect.any(Number) },
      { userid: 'lisi', status: 0 },
    ]);
    expect(await (await fetch(`${sb.base}/phone?corp=${corp}&userid=zhangsan&refresh=0`)).text()).not.toContain('确认发送');
    const list = await sb.post('/cgi-bin/externalcontact/get_groupmsg_list_v2', { chat_type: 'single', start_time: 0, end_time: 4_000_000_000 }, { access_token: token });
    expect(list.group_msg_list).toEqual([expect.objectContaining({ msgid: r.msgid, text: { content: '双十一会员日' } })]);
  });

  it('caps each customer at as many mass messages a month as the month has days (status 3 beyond), and resets next month', async () => {
    const { corp, a } = await setup();
    const cap = await capOf(corp);
    const send = async () => {
      // Fetched each time: moving the clock by days expires tokens, as it would in WeCom.
      const token = await sb.token(corp);
      const r = await sb.post('/cgi-bin/externalcontact/add_msg_template', { external_userid: [a], text: { content: '上新' } }, { access_token: token });
      const { body } = await sb.sim(`/corps/${corp}/tasks/${r.msgid}/confirm`, { userid: 'zhangsan' });
      return body.results[0].status as number;
    };
    // Pinned to the start of a month, so the cap's month does not end halfway through the loop.
    const { body: clock } = await sb.sim(`/corps/${corp}/clock`, undefined, 'GET');
    const local = new Date(Date.parse(clock.now) + 8 * 3_600_000);
    const nextMonth = Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1, 1) - 8 * 3_600_000;
    await sb.sim(`/corps/${corp}/clock`, { advanceMs: nextMonth - Date.parse(clock.now) });
    const monthCap = await capOf(corp);
    const statuses: number[] = [];
    for (let i = 0; i < monthCap + 1; i++) statuses.push(await send());
    expect(statuses.slice(0, monthCap)).toEqual(Array(monthCap).fill(1));
    expect(statuses[monthCap]).toBe(3);
    expect(cap).toBeGreaterThanOrEqual(28);
    await sb.sim(`/corps/${corp}/clock`, { advanceMs: 31 * DAY });
    expect(await send()).toBe(1);
  });

  it('validates: at most 9 attachments, a sender must work here, a confirmation by a member without a part is refused', async () => {
    const { corp, token, a } = await setup();
    const image = { msgtype: 'image', image: { media_id: 'm' } };
    expect(await sb.post('/cgi-bin/externalcontact/add_msg_template', { external_userid: [a], attachments: Array(10).fill(image) }, { access_token: token })).toMatchObject({ errcode: 40058 });
    expect(await sb.post('/cgi-bin/externalcontact/add_msg_template', { sender: 'ghost', text: { content: 'x' } }, { access_token: token })).toMatchObject({ errcode: 40003 });
    const r = await sb.post('/cgi-bin/externalcontact/add_msg_template', { sender: 'zhangsan', text: { content: '仅张三的客户' } }, { access_token: token });
    expect((await sb.post('/cgi-bin/externalcontact/get_groupmsg_task', { msgid: r.msgid }, { access_token: token })).task_list).toEqual([{ userid: 'zhangsan', status: 0 }]);
    expect((await sb.sim(`/corps/${corp}/tasks/${r.msgid}/confirm`, { userid: 'lisi' })).status).toBe(400);
  });

  it('sends to the group chats a member owns (chat_type group), counted per chat', async () => {
    const { corp, token, a } = await setup();
    const { body: chat } = await sb.sim(`/corps/${corp}/groupchats`, { owner: 'zhangsan', name: '老客群', members: [a] });
    expect(await sb.post('/cgi-bin/externalcontact/add_msg_template', { chat_type: 'group', text: { content: '群公告' } }, { access_token: token })).toMatchObject({ errcode: 40058 });
    const r = await sb.post('/cgi-bin/externalcontact/add_msg_template', { chat_type: 'group', sender: 'zhangsan', text: { content: '群公告' } }, { access_token: token });
    expect((await sb.sim(`/corps/${corp}/tasks/${r.msgid}/confirm`, { userid: 'zhangsan' })).body.results).toEqual([{ external_userid: '', chat_id: chat.chat_id, status: 1, send_time: expect.any(Number) }]);
    const res = await sb.post('/cgi-bin/externalcontact/get_groupmsg_send_result', { msgid: r.msgid, userid: 'zhangsan' }, { access_token: token });
    expect(res.send_list).toEqual([{ external_userid: '', chat_id: chat.chat_id, userid: 'zhangsan', status: 1, send_time: expect.any(Number) }]);
    expect((await sb.post('/cgi-bin/externalcontact/get_groupmsg_list_v2', { chat_type: 'group' }, { access_token: token })).group_msg_list).toHaveLength(1);
  });
});
