import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOIN_WAY_CAPACITY } from './join-ways.js';
import { startSandbox, type Sandbox } from './test-support.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());

async function setup() {
  const corp = await sb.newCorp();
  const token = await sb.token(corp);
  const customer = async (name: string) => (await sb.sim(`/corps/${corp}/customers`, { name })).body.external_userid as string;
  const chat = (await sb.sim(`/corps/${corp}/groupchats`, { owner: 'zhangsan', name: '会员福利群1' })).body.chat_id as string;
  const api = (path: string, body: unknown) => sb.post(`/cgi-bin/externalcontact/${path}`, body, { access_token: token });
  return { corp, token, customer, chat, api };
}

describe('group join ways (群活码) and group welcome templates', () => {
  it('lands scans in the way’s chat with its state, fills it, then opens room_base_name + id with the same owner', async () => {
    const { corp, customer, chat, api } = await setup();
    expect(await api('groupchat/add_join_way', { scene: 2, chat_id_list: [chat], state: 'x'.repeat(31), auto_create_room: 1, room_base_name: '会员福利群' })).toMatchObject({ errcode: 40058 });
    expect(await api('groupchat/add_join_way', { scene: 2, chat_id_list: ['wrnope'], state: 's', auto_create_room: 0 })).toMatchObject({ errcode: 40050 });
    expect(await api('groupchat/add_join_way', { scene: 2, chat_id_list: [chat, chat, chat, chat, chat, chat], auto_create_room: 0 })).toMatchObject({ errcode: 40058 });
    const made = await api('groupchat/add_join_way', { scene: 2, chat_id_list: [chat], state: 'gq-store-1', auto_create_room: 1, room_base_name: '会员福利群', room_base_id: 2 });
    expect(made).toMatchObject({ errcode: 0, config_id: expect.any(String) });
    const way = (await api('groupchat/get_join_way', { config_id: made.config_id })).join_way;
    expect(way).toMatchObject({ chat_id_list: [chat], state: 'gq-store-1', qr_code: expect.stringContaining('/join/') });
    expect((await fetch(way.qr_code)).headers.get('content-type')).toBe('image/png');

    const first = await customer('甲');
    expect((await sb.sim(`/corps/${corp}/join-ways/${made.config_id}/scan`, { external_userid: first })).body).toEqual({ chat_id: chat, joined: true });
    const got = (await api('groupchat/get', { chat_id: chat })).group_chat;
    expect(got.member_list.find((m: { userid: string }) => m.userid === first)).toMatchObject({ type: 2, join_scene: 3, state: 'gq-store-1' });

    for (let i = 1; i < JOIN_WAY_CAPACITY; i++) await sb.sim(`/corps/${corp}/join-ways/${made.config_id}/scan`, { external_userid: await customer(`客${i}`) });
    const overflow = (await sb.sim(`/corps/${corp}/join-ways/${made.config_id}/scan`, { external_userid: await customer('满员后') })).body;
    expect(overflow.chat_id).not.toBe(chat);
    const opened = (await api('groupchat/get', { chat_id: overflow.chat_id })).group_chat;
    expect(opened).toMatchObject({ name: '会员福利群2', owner: 'zhangsan' });
    expect((await api('groupchat/get_join_way', { config_id: made.config_id })).join_way).toMatchObject({ chat_id_list: [chat, overflow.chat_id], room_base_id: 3 });

    await api('groupchat/del_join_way', { config_id: made.config_id });
    expect(await api('groupchat/get_join_way', { config_id: made.config_id })).toMatchObject({ errcode: 41044 });
  });

  it('sends the template the owner chose to everyone who joins after, and nothing once the template is deleted', async () => {
    const { corp, customer, chat, api } = await setup();
    expect(await api('group_welcome_template/add', { text: { content: '欢迎' }, image: { pic_url: 'https://example.com/a.png' }, link: { title: 't', url: 'https://example.com' } })).toMatchObject({ errcode: 40058 });
    const t = await api('group_welcome_template/add', { text: { content: '欢迎进群，群公告有新人券' }, link: { title: '新人券', url: 'https://example.com/c' } });
    expect(t).toMatchObject({ errcode: 0, template_id: expect.any(String) });
    expect(await api('group_welcome_template/get', { template_id: t.template_id })).toMatchObject({ text: { content: '欢迎进群，群公告有新人券' }, link: { title: '新人券' } });

    const before = await customer('早到');
    await sb.sim(`/corps/${corp}/groupchats/${chat}/join`, { external_userid: before });
    await sb.sim(`/corps/${corp}/groupchats/${chat}/welcome`, { template_id: t.template_id });
    const after = await customer('晚到');
    await sb.sim(`/corps/${corp}/groupchats/${chat}/join`, { external_userid: after });
    const sent = (await sb.sim(`/corps/${corp}/group-welcome-messages?chat_id=${chat}`, undefined, 'GET')).body;
    expect(sent).toEqual([expect.objectContaining({ external_userid: after, template_id: t.template_id, text: '欢迎进群，群公告有新人券' })]);

    await api('group_welcome_template/edit', { template_id: t.template_id, text: { content: '改过的欢迎语' } });
    await api('group_welcome_template/del', { template_id: t.template_id });
    await sb.sim(`/corps/${corp}/groupchats/${chat}/join`, { external_userid: await customer('删除后') });
    expect((await sb.sim(`/corps/${corp}/group-welcome-messages?chat_id=${chat}`, undefined, 'GET')).body).toHaveLength(1);
  });

  it('sends a group mass message only to the chats named in chat_id_list', async () => {
    const { corp, chat, api } = await setup();
    const other = (await sb.sim(`/corps/${corp}/groupchats`, { owner: 'zhangsan', name: '会员福利群2' })).body.chat_id as string;
    const r = await api('add_msg_template', { chat_type: 'group', sender: 'zhangsan', chat_id_list: [other], text: { content: '第 3 天：群规' } });
    expect(r).toMatchObject({ errcode: 0 });
    const res = await api('get_groupmsg_send_result', { msgid: r.msgid, userid: 'zhangsan' });
    expect(res.send_list.map((x: { chat_id: string }) => x.chat_id)).toEqual([other]);
    expect(chat).not.toBe(other);
  });
});
