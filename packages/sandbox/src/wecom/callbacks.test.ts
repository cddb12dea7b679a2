import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemorySandboxStore } from '../store.js';
import { WECOM_SANDBOX } from './index.js';
import { sleep, startReceiver, startSandbox, type Receiver, type Sandbox } from './test-support.js';

let sb: Sandbox;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  // A short push timeout, so the no-answer case runs in about two seconds.
  sb = await startSandbox({ pushTimeoutMs: 400 });
});
afterAll(async () => {
  await sb.close();
  await rx.close();
});
beforeEach(() => {
  rx.answer = { status: 200, body: 'success' };
  expect(rx.problems).toEqual([]);
});

async function connectedCorp() {
  const corp = await sb.newCorp();
  const set = await sb.sim(`/corps/${corp}/callback`, { url: rx.url });
  expect(set).toMatchObject({ status: 200, body: { callbackUrl: rx.url } });
  return corp;
}

describe('callback URL', () => {
  it("is saved only after the server answers WeCom's encrypted echostr check", async () => {
    const corp = await sb.newCorp();
    const bad = await sb.sim(`/corps/${corp}/callback`, { url: 'http://127.0.0.1:1/cb' });
    expect(bad.status).toBe(400);
    expect((await sb.sim(`/corps/${corp}`, undefined, 'GET')).body.callbackUrl).toBeNull();
    // A server checking another token answers 403: refused too.
    const other = await startReceiver('othertoken');
    expect((await sb.sim(`/corps/${corp}/callback`, { url: other.url })).status).toBe(400);
    await other.close();
    expect((await sb.sim(`/corps/${corp}/callback`, { url: rx.url })).status).toBe(200);
  });

  it('drops events while no URL is set, as WeCom has nowhere to send them', async () => {
    const corp = await sb.newCorp();
    const ext = (await sb.sim(`/corps/${corp}/customers`, { name: '无人接收' })).body.external_userid;
    await sb.sim(`/corps/${corp}/add`, { userid: 'lisi', external_userid: ext });
    await sleep(200);
    expect(rx.pushes.some((p) => p.fields.ExternalUserID === ext)).toBe(false);
    expect((await sb.sim(`/corps/${corp}/pushes`, undefined, 'GET')).body.pushes).toEqual([]);
  });
});

describe('events', () => {
  it('pushes add_external_contact with State and WelcomeCode, encrypted and signed (checked by @wecom/crypto and an independent implementation)', async () => {
    const corp = await connectedCorp();
    const token = await sb.token(corp);
    const way = await sb.post('/cgi-bin/externalcontact/add_contact_way', { type: 1, scene: 2, state: 'poster-11', user: ['zhaoliu'] }, { access_token: token });
    const ext = (await sb.sim(`/corps/${corp}/customers`, { name: '扫码客' })).body.external_userid;
    const { body: scan } = await sb.sim(`/corps/${corp}/scan`, { config_id: way.config_id, external_userid: ext });
    const push = await rx.waitFor((p) => p.fields.ExternalUserID === ext);
    expect(push.outer).toMatchObject({ ToUserName: corp, AgentID: String(WECOM_SANDBOX.agentId) });
    expect(push.receiveId).toBe(corp);
    expect(push.query).toMatchObject({ msg_signature: expect.stringMatching(/^[0-9a-f]{40}$/), timestamp: expect.stringMatching(/^\d{10}$/), nonce: expect.any(String) });
    expect(push.fields).toEqual({
      ToUserName: corp,
      FromUserName: 'sys',
      CreateTime: expect.stringMatching(/^\d{10}$/),
      MsgType: 'event',
      Event: 'change_external_contact',
      ChangeType: 'add_external_contact',
      UserID: 'zhaoliu',
      ExternalUserID: ext,
      State: 'poster-11',
      WelcomeCode: scan.welcome_code,
    });
    // The welcome code from the callback is what send_welcome_msg takes.
    expect(await sb.post('/cgi-bin/externalcontact/send_welcome_msg', { welcome_code: push.fields.WelcomeCode, text: { content: '欢迎' } }, { access_token: token })).toMatchObject({ errcode: 0 });
    expect(rx.problems).toEqual([]);
  });

  it('pushes del_external_contact (staff deleted) and del_follow_user (customer deleted), and change_contact when a member leaves', async () => {
    const corp = await connectedCorp();
    const ext = (await sb.sim(`/corps/${corp}/customers`, { name: '删除客' })).body.external_userid;
    await sb.sim(`/corps/${corp}/add`, { userid: 'lisi', external_userid: ext });
    await sb.sim(`/corps/${corp}/add`, { userid: 'wangwu', external_userid: ext });
    expect((await sb.sim(`/corps/${corp}/delete`, { userid: 'lisi', external_userid: ext, by: 'staff' })).body.change_type).toBe('del_external_contact');
    await sb.sim(`/corps/${corp}/delete`, { userid: 'wangwu', external_userid: ext, by: 'customer' });
    expect((await rx.waitFor((p) => p.fields.ExternalUserID === ext && p.fields.ChangeType === 'del_external_contact')).fields.UserID).toBe('lisi');
    expect((await rx.waitFor((p) => p.fields.ExternalUserID === ext && p.fields.ChangeType === 'del_follow_user')).fields.UserID).toBe('wangwu');
    expect((await sb.sim(`/corps/${corp}/delete`, { userid: 'lisi', external_userid: ext, by: 'staff' })).body.errcode).toBe(84061);
    await sb.sim(`/corps/${corp}/staff/sunqi/leave`);
    const left = await rx.waitFor((p) => p.outer.ToUserName === corp && p.fields.Event === 'change_contact');
    expect(left.fields).toMatchObject({ ChangeType: 'delete_user', UserID: 'sunqi' });
  });

  it('pushes edit_external_contact when a member edits a customer on their phone, change_external_tag for console tag changes', async () => {
    const corp = await connectedCorp();
    const token = await sb.token(corp);
    const ext = (await sb.sim(`/corps/${corp}/customers`, { name: '编辑客' })).body.external_userid;
    await sb.sim(`/corps/${corp}/add`, { userid: 'zhouba', external_userid: ext });
    const { body: group } = await sb.sim(`/corps/${corp}/tags`, { group_name: '兴趣', tag: [{ name: '户外' }] });
    const tagId = group.tag[0].id;
    const created = await rx.waitFor((p) => p.fields.Event === 'change_external_tag' && p.fields.Id === tagId);
    expect(created.fields).toMatchObject({ ChangeType: 'create', TagType: 'tag' });
    await rx.waitFor((p) => p.fields.Event === 'change_external_tag' && p.fields.Id === group.group_id && p.fields.TagType === 'tag_group');
    expect((await sb.sim(`/corps/${corp}/edit`, { userid: 'zhouba', external_userid: ext, remark: '爱露营', add_tag: [tagId] })).status).toBe(200);
    const edit = await rx.waitFor((p) => p.fields.ExternalUserID === ext && p.fields.ChangeType === 'edit_external_contact');
    expect(edit.fields.UserID).toBe('zhouba');
    const got = await sb.get('/cgi-bin/externalcontact/get', { access_token: token, external_userid: ext });
    expect(got.follow_user[0]).toMatchObject({ remark: '爱露营', tags: [{ tag_id: tagId, tag_name: '户外', group_name: '兴趣' }] });
    await sb.sim(`/corps/${corp}/tags/delete`, { tag_id: [tagId] });
    expect((await rx.waitFor((p) => p.fields.Id === tagId && p.fields.ChangeType === 'delete')).fields.TagType).toBe('tag');
    // Changes through the API are the app's own: no event.
    const apiTag = await sb.post('/cgi-bin/externalcontact/add_corp_tag', { group_name: '接口', tag: [{ name: 'A' }] }, { access_token: token });
    await sleep(150);
    expect(rx.pushes.some((p) => p.fields.Id === apiTag.tag_group.tag[0].id)).toBe(false);
  });

  it('pushes group chat creation and members joining', async () => {
    const corp = await connectedCorp();
    const token = await sb.token(corp);
    const ext = (await sb.sim(`/corps/${corp}/customers`, { name: '群成员' })).body.external_userid;
    const { body: chat } = await sb.sim(`/corps/${corp}/groupchats`, { owner: 'zhangsan', name: '南京西路老客群', members: [] });
    expect((await rx.waitFor((p) => p.fields.ChatId === chat.chat_id && p.fields.ChangeType === 'create')).fields.Event).toBe('change_external_chat');
    await sb.sim(`/corps/${corp}/groupchats/${chat.chat_id}/join`, { external_userid: ext });
    const joined = await rx.waitFor((p) => p.fields.ChatId === chat.chat_id && p.fields.ChangeType === 'update');
    expect(joined.fields).toMatchObject({ UpdateDetail: 'add_member', JoinScene: '3', MemChangeCnt: '1' });
    const got = await sb.post('/cgi-bin/externalcontact/groupchat/get', { chat_id: chat.chat_id }, { access_token: token });
    expect(got.group_chat).toMatchObject({ owner: 'zhangsan', name: '南京西路老客群', member_list: [{ userid: 'zhangsan', type: 1 }, { userid: ext, type: 2, join_scene: 3 }] });
    expect((await sb.post('/cgi-bin/externalcontact/groupchat/list', { owner_filter: { userid_list: ['zhangsan'] } }, { access_token: token })).group_chat_list).toEqual([{ chat_id: chat.chat_id, status: 0 }]);
    // Reassigning a chat whose owner still works needs onjob_transfer.
    expect((await sb.post('/cgi-bin/externalcontact/groupchat/transfer', { chat_id_list: [chat.chat_id], new_owner: 'lisi' }, { access_token: token })).failed_chat_list).toEqual([expect.objectContaining({ chat_id: chat.chat_id, errcode: 90500 })]);
    expect((await sb.post('/cgi-bin/externalcontact/groupchat/onjob_transfer', { chat_id_list: [chat.chat_id], new_owner: 'lisi' }, { access_token: token })).failed_chat_list).toEqual([]);
    expect((await sb.post('/cgi-bin/externalcontact/groupchat/get', { chat_id: chat.chat_id }, { access_token: token })).group_chat.owner).toBe('lisi');
  });
});

describe('delivery', () => {
  it('retries an unacknowledged push three times with the same event, then gives up', async () => {
    const corp = await connectedCorp();
    const ext = (await sb.sim(`/corps/${corp}/customers`, { name: '重试客' })).body.external_userid;
    rx.answer = (p) => (p.fields.ExternalUserID === ext ? { status: 500, body: 'oops' } : { status: 200, body: 'success' });
    await sb.sim(`/corps/${corp}/add`, { userid: 'zhangsan', external_userid: ext });
    for (let i = 0; i < 100 && rx.pushes.filter((p) => p.fields.ExternalUserID === ext).length < 4; i++) await sleep(20);
    await sleep(300);
    const tries = rx.pushes.filter((p) => p.fields.ExternalUserID === ext);
    expect(tries).toHaveLength(4);
    expect(new Set(tries.map((t) => t.inner)).size).toBe(1);
    expect(new Set(tries.map((t) => t.query.nonce)).size).toBe(4);
    const [log] = (await sb.sim(`/corps/${corp}/pushes`, undefined, 'GET')).body.pushes;
    expect(log).toMatchObject({ delivered: false, gaveUp: true, attempts: [{ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }] });
  });

  it('counts an answer after the timeout, or a body other than "success", as none; a later success ends the retries', async () => {
    const corp = await connectedCorp();
    const ext = (await sb.sim(`/corps/${corp}/customers`, { name: '慢服务器' })).body.external_userid;
    let n = 0;
    rx.answer = (p) => {
      if (p.fields.ExternalUserID !== ext) return { status: 200, body: 'success' };
      n += 1;
      return n === 1 ? { delayMs: 700 } : n === 2 ? { status: 200, body: 'error' } : { status: 200, body: '' };
    };
    await sb.sim(`/corps/${corp}/add`, { userid: 'zhangsan', external_userid: ext });
    for (let i = 0; i < 150; i++) {
      const [log] = (await sb.sim(`/corps/${corp}/pushes`, undefined, 'GET')).body.pushes;
      if (log?.delivered) break;
      await sleep(20);
    }
    const [log] = (await sb.sim(`/corps/${corp}/pushes`, undefined, 'GET')).body.pushes;
    expect(log).toMatchObject({ delivered: true, attempts: [{ status: null, error: expect.stringContaining('no answer') }, { status: 200, body: 'error' }, { status: 200, body: '' }] });
  });

  it('survives a restart: state stays in the store and a retry left pending is delivered by the next process', async () => {
    const store = new MemorySandboxStore();
    const first = await startSandbox({ retryDelaysMs: [300, 300, 300] }, store);
    const corp = await first.newCorp();
    expect((await first.sim(`/corps/${corp}/callback`, { url: rx.url })).status).toBe(200);
    const ext = (await first.sim(`/corps/${corp}/customers`, { name: '重启客' })).body.external_userid;
    rx.answer = (p) => (p.fields.ExternalUserID === ext && rx.pushes.filter((x) => x.fields.ExternalUserID === ext).length === 1 ? { status: 503, body: '' } : { status: 200, body: 'success' });
    await first.sim(`/corps/${corp}/add`, { userid: 'lisi', external_userid: ext });
    await rx.waitFor((p) => p.fields.ExternalUserID === ext);
    await first.close();
    const second = await startSandbox({ retryDelaysMs: [300, 300, 300] }, store);
    try {
      for (let i = 0; i < 100 && rx.pushes.filter((p) => p.fields.ExternalUserID === ext).length < 2; i++) await sleep(20);
      const [log] = (await second.sim(`/corps/${corp}/pushes`, undefined, 'GET')).body.pushes;
      expect(log).toMatchObject({ delivered: true, attempts: [{ status: 503 }, { status: 200 }] });
      const token = await second.token(corp);
      expect((await second.get('/cgi-bin/externalcontact/list', { access_token: token, userid: 'lisi' })).external_userid).toEqual([ext]);
    } finally {
      await second.close();
    }
  });
});
