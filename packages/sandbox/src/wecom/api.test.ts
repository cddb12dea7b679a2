import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WECOM_SANDBOX } from './index.js';
import { HOUR, startSandbox, type Sandbox } from './test-support.js';

const CORP = WECOM_SANDBOX.corpId;

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());

/** A corp with a customer who scanned a contact way of zhangsan's. */
async function corpWithCustomer(state = 'store-2') {
  const corp = await sb.newCorp();
  const token = await sb.token(corp);
  const way = await sb.post('/cgi-bin/externalcontact/add_contact_way', { type: 1, scene: 2, state, user: ['zhangsan'] }, { access_token: token });
  const { body: c } = await sb.sim(`/corps/${corp}/customers`, { name: '王小美', unionid: 'o6_bmasdasdsad6_2sgVt7hMZOPfL' });
  const { body: scan } = await sb.sim(`/corps/${corp}/scan`, { config_id: way.config_id, external_userid: c.external_userid });
  return { corp, token, way, ext: c.external_userid as string, scan };
}

describe('access tokens', () => {
  it('answers bad corpid 40013 and bad secret 40001; one token per secret, 7200 s, the same while valid', async () => {
    expect(await sb.get('/cgi-bin/gettoken', { corpid: 'wwnope', corpsecret: 'x' })).toMatchObject({ errcode: 40013 });
    expect(await sb.get('/cgi-bin/gettoken', { corpid: CORP, corpsecret: 'wrong' })).toMatchObject({ errcode: 40001 });
    const a = await sb.get('/cgi-bin/gettoken', { corpid: CORP, corpsecret: WECOM_SANDBOX.contactSecret });
    expect(a).toMatchObject({ errcode: 0, errmsg: 'ok', access_token: expect.any(String), expires_in: 7200 });
    const again = await sb.get('/cgi-bin/gettoken', { corpid: CORP, corpsecret: WECOM_SANDBOX.contactSecret });
    expect(again.access_token).toBe(a.access_token);
    const agent = await sb.token(CORP, WECOM_SANDBOX.agentSecret);
    expect(agent).not.toBe(a.access_token);
    expect(await sb.get('/cgi-bin/department/list')).toMatchObject({ errcode: 41001 });
    expect(await sb.get('/cgi-bin/department/list', { access_token: 'nope' })).toMatchObject({ errcode: 40014 });
  });

  it('expires tokens after 7200 s of the corp clock (42001), then hands out a new one', async () => {
    const corp = await sb.newCorp();
    const t = await sb.token(corp);
    await sb.sim(`/corps/${corp}/clock`, { advanceMs: 2 * HOUR });
    expect(await sb.get('/cgi-bin/department/list', { access_token: t })).toMatchObject({ errcode: 42001 });
    const fresh = await sb.token(corp);
    expect(fresh).not.toBe(t);
    expect((await sb.get('/cgi-bin/department/list', { access_token: fresh })).department).toHaveLength(3);
  });

  it('a 40014 fault ends the token early: the call and later ones with it fail until a new gettoken', async () => {
    const corp = await sb.newCorp();
    const t = await sb.token(corp);
    expect((await sb.sim(`/corps/${corp}/faults`, { errcode: 40014, times: 1 })).status).toBe(200);
    expect(await sb.get('/cgi-bin/user/list', { access_token: t, department_id: '1', fetch_child: '1' })).toMatchObject({ errcode: 40014 });
    expect(await sb.get('/cgi-bin/user/list', { access_token: t, department_id: '1', fetch_child: '1' })).toMatchObject({ errcode: 40014 });
    const fresh = await sb.token(corp);
    expect(fresh).not.toBe(t);
    expect((await sb.get('/cgi-bin/user/list', { access_token: fresh, department_id: '1', fetch_child: '1' })).userlist).toHaveLength(6);
  });

  it('a 42001 fault on one path, a 45009 for any call, and 5xx as an HTTP error', async () => {
    const corp = await sb.newCorp();
    let t = await sb.token(corp);
    await sb.sim(`/corps/${corp}/faults`, { errcode: 42001, times: 1, path: '/cgi-bin/message/send' });
    expect((await sb.get('/cgi-bin/department/list', { access_token: t })).errcode).toBe(0);
    const send = { touser: 'lisi', msgtype: 'text', agentid: WECOM_SANDBOX.agentId, text: { content: '提醒' } };
    expect(await sb.post('/cgi-bin/message/send', send, { access_token: t })).toMatchObject({ errcode: 42001 });
    t = await sb.token(corp);
    await sb.sim(`/corps/${corp}/faults`, { errcode: 45009, times: 2 });
    expect(await sb.get('/cgi-bin/department/list', { access_token: t })).toMatchObject({ errcode: 45009 });
    expect(await sb.post('/cgi-bin/message/send', send, { access_token: t })).toMatchObject({ errcode: 45009 });
    await sb.sim(`/corps/${corp}/faults`, { errcode: 500, times: 1 });
    const res = await fetch(`${sb.base}/cgi-bin/department/list?access_token=${t}`);
    expect(res.status).toBe(500);
    expect(await sb.post('/cgi-bin/message/send', send, { access_token: t })).toMatchObject({ errcode: 0, msgid: expect.any(String) });
    expect((await sb.sim(`/corps/${corp}/faults`, undefined, 'GET')).body.faults).toEqual([]);
  });
});

describe('simulation hooks', () => {
  it('answers 404 for an unknown corp and 400 with the errcode for a refused action; a fault can target gettoken', async () => {
    expect((await sb.sim('/corps/wwunknowncorp/customers', { name: 'x' })).status).toBe(404);
    const corp = await sb.newCorp();
    expect((await sb.sim('/corps', { corpId: corp })).status).toBe(409);
    expect(await sb.sim(`/corps/${corp}/add`, { userid: 'ghost', external_userid: 'wm' })).toEqual({ status: 400, body: { error: 'invalid userid', errcode: 40003 } });
    expect((await sb.sim(`/corps/${corp}/clock`, { advanceMs: -1 })).status).toBe(400);
    expect((await sb.sim(`/corps/${corp}/faults`, { errcode: -1, path: '/cgi-bin/gettoken' })).status).toBe(200);
    expect(await sb.get('/cgi-bin/gettoken', { corpid: corp, corpsecret: WECOM_SANDBOX.contactSecret })).toMatchObject({ errcode: -1 });
    expect(await sb.get('/cgi-bin/gettoken', { corpid: corp, corpsecret: WECOM_SANDBOX.contactSecret })).toMatchObject({ errcode: 0 });
  });
});

describe('directory', () => {
  it('lists departments and staff (status 1 active, 5 after leaving)', async () => {
    const corp = await sb.newCorp();
    const t = await sb.token(corp);
    expect((await sb.get('/cgi-bin/department/list', { access_token: t, id: '2' })).department).toEqual([{ id: 2, name: '南京西路店', parentid: 1, order: 100000000 }]);
    expect((await sb.get('/cgi-bin/user/list', { access_token: t, department_id: '2' })).userlist.map((u: { userid: string }) => u.userid)).toEqual(['zhangsan', 'lisi', 'wangwu']);
    expect((await sb.get('/cgi-bin/user/list', { access_token: t, department_id: '1' })).userlist).toEqual([]);
    expect(await sb.get('/cgi-bin/user/list', { access_token: t, department_id: '99' })).toMatchObject({ errcode: 60123 });
    await sb.sim(`/corps/${corp}/staff/wangwu/leave`);
    const wangwu = (await sb.get('/cgi-bin/user/get', { access_token: t, userid: 'wangwu' }));
    expect(wangwu).toMatchObject({ errcode: 0, name: '王五', status: 5, department: [2] });
    expect((await sb.get('/cgi-bin/externalcontact/get_follow_user_list', { access_token: t })).follow_user).not.toContain('wangwu');
  });
});

describe('corp tags', () => {
  it('adds groups and tags, refuses duplicates (40071), marks and unmarks a customer, deletes', async () => {
    const { corp, token, ext } = await corpWithCustomer();
    const added = await sb.post('/cgi-bin/externalcontact/add_corp_tag', { group_name: '客户等级', tag: [{ name: '金卡' }, { name: '银卡' }] }, { access_token: token });
    expect(added).toMatchObject({ errcode: 0, tag_group: { group_id: expect.stringMatching(/^et/), group_name: '客户等级', tag: [{ name: '金卡' }, { name: '银卡' }] } });
    const [gold, silver] = added.tag_group.tag.map((t: { id: string }) => t.id);
    expect(await sb.post('/cgi-bin/externalcontact/add_corp_tag', { group_id: added.tag_group.group_id, tag: [{ name: '金卡' }] }, { access_token: token })).toMatchObject({ errcode: 40071 });
    expect(await sb.post('/cgi-bin/externalcontact/mark_tag', { userid: 'zhangsan', external_userid: ext, add_tag: [gold, silver] }, { access_token: token })).toMatchObject({ errcode: 0 });
    expect(await sb.post('/cgi-bin/externalcontact/mark_tag', { userid: 'zhangsan', external_userid: ext, remove_tag: [silver] }, { access_token: token })).toMatchObject({ errcode: 0 });
    expect(await sb.post('/cgi-bin/externalcontact/mark_tag', { userid: 'zhangsan', external_userid: ext, add_tag: ['etnope'] }, { access_token: token })).toMatchObject({ errcode: 40068 });
    expect(await sb.post('/cgi-bin/externalcontact/mark_tag', { userid: 'lisi', external_userid: ext, add_tag: [gold] }, { access_token: token })).toMatchObject({ errcode: 84061 });
    const got = await sb.get('/cgi-bin/externalcontact/get', { access_token: token, external_userid: ext });
    expect(got.follow_user[0].tags).toEqual([{ group_name: '客户等级', tag_name: '金卡', tag_id: gold, type: 1 }]);
    expect(await sb.post('/cgi-bin/externalcontact/edit_corp_tag', { id: gold, name: '黑金卡' }, { access_token: token })).toMatchObject({ errcode: 0 });
    expect((await sb.post('/cgi-bin/externalcontact/get_corp_tag_list', { tag_id: [gold] }, { access_token: token })).tag_group[0].tag).toEqual([expect.objectContaining({ id: gold, name: '黑金卡' })]);
    await sb.post('/cgi-bin/externalcontact/del_corp_tag', { tag_id: [gold, silver] }, { access_token: token });
    expect((await sb.post('/cgi-bin/externalcontact/get_corp_tag_list', {}, { access_token: token })).tag_group).toEqual([]);
    expect((await sb.sim(`/corps/${corp}/relations?external_userid=${ext}`, undefined, 'GET')).body[0].tags).toEqual([]);
  });
});

describe('contact ways and customers', () => {
  it('refuses a state longer than 30 characters (40058) and keeps the state on the relation', async () => {
    const corp = await sb.newCorp();
    const t = await sb.token(corp);
    expect(await sb.post('/cgi-bin/externalcontact/add_contact_way', { type: 1, scene: 2, state: 'x'.repeat(31), user: ['zhangsan'] }, { access_token: t })).toMatchObject({ errcode: 40058 });
    expect(await sb.post('/cgi-bin/externalcontact/add_contact_way', { type: 1, scene: 2, user: ['zhangsan', 'lisi'] }, { access_token: t })).toMatchObject({ errcode: 40058 });
    const way = await sb.post('/cgi-bin/externalcontact/add_contact_way', { type: 2, scene: 2, state: 's'.repeat(30), user: ['zhangsan', 'lisi'] }, { access_token: t });
    expect(way).toMatchObject({ errcode: 0, config_id: expect.any(String), qr_code: expect.stringMatching(/\/contact\/[0-9a-f]{32}\/qr\.png$/) });
    const png = await fetch(way.qr_code);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect((await png.arrayBuffer()).byteLength).toBeGreaterThan(100);
    const scanPage = await fetch(way.qr_code.replace(/\/qr\.png$/, ''));
    expect(await scanPage.text()).toContain('扫码添加');
    expect((await sb.post('/cgi-bin/externalcontact/get_contact_way', { config_id: way.config_id }, { access_token: t })).contact_way).toMatchObject({ state: 's'.repeat(30), user: ['zhangsan', 'lisi'] });
    const a = (await sb.sim(`/corps/${corp}/customers`, { name: 'A' })).body.external_userid;
    const b = (await sb.sim(`/corps/${corp}/customers`, { name: 'B' })).body.external_userid;
    expect((await sb.sim(`/corps/${corp}/scan`, { config_id: way.config_id, external_userid: a })).body.userid).toBe('zhangsan');
    expect((await sb.sim(`/corps/${corp}/scan`, { config_id: way.config_id, external_userid: b })).body.userid).toBe('lisi');
    const got = await sb.get('/cgi-bin/externalcontact/get', { access_token: t, external_userid: b });
    expect(got.follow_user).toEqual([expect.objectContaining({ userid: 'lisi', state: 's'.repeat(30), add_way: 1 })]);
  });

  it('reads customers: get, list (84061 for none), batch/get_by_user with a cursor; remark', async () => {
    const { corp, token, ext } = await corpWithCustomer();
    const got = await sb.get('/cgi-bin/externalcontact/get', { access_token: token, external_userid: ext });
    expect(got).toMatchObject({ errcode: 0, external_contact: { external_userid: ext, name: '王小美', type: 1, unionid: 'o6_bmasdasdsad6_2sgVt7hMZOPfL' }, follow_user: [{ userid: 'zhangsan', state: 'store-2', add_way: 1, createtime: expect.any(Number) }] });
    expect(await sb.get('/cgi-bin/externalcontact/get', { access_token: token, external_userid: 'wmnope' })).toMatchObject({ errcode: 40096 });
    expect((await sb.get('/cgi-bin/externalcontact/list', { access_token: token, userid: 'zhangsan' })).external_userid).toEqual([ext]);
    expect(await sb.get('/cgi-bin/externalcontact/list', { access_token: token, userid: 'lisi' })).toMatchObject({ errcode: 84061 });
    const more = (await sb.sim(`/corps/${corp}/customers`, { name: '李雷' })).body.external_userid;
    await sb.sim(`/corps/${corp}/add`, { userid: 'zhangsan', external_userid: more });
    const first = await sb.post('/cgi-bin/externalcontact/batch/get_by_user', { userid_list: ['zhangsan'], limit: 1 }, { access_token: token });
    expect(first.external_contact_list).toHaveLength(1);
    expect(first.next_cursor).not.toBe('');
    const second = await sb.post('/cgi-bin/externalcontact/batch/get_by_user', { userid_list: ['zhangsan'], limit: 1, cursor: first.next_cursor }, { access_token: token });
    expect(second).toMatchObject({ next_cursor: '', external_contact_list: [{ external_contact: { external_userid: more }, follow_info: { userid: 'zhangsan', add_way: 3, tag_id: [] } }] });
    expect(await sb.post('/cgi-bin/externalcontact/batch/get_by_user', { userid_list: Array(101).fill('zhangsan') }, { access_token: token })).toMatchObject({ errcode: 40058 });
    await sb.post('/cgi-bin/externalcontact/remark', { userid: 'zhangsan', external_userid: ext, remark: '老客户', remark_mobiles: ['13900000000'] }, { access_token: token });
    expect((await sb.get('/cgi-bin/externalcontact/get', { access_token: token, external_userid: ext })).follow_user[0]).toMatchObject({ remark: '老客户', remark_mobiles: ['13900000000'] });
  });
});

describe('welcome messages', () => {
  it('sends once per code (41051 the second time) and records what the customer got', async () => {
    const { corp, token, ext, scan } = await corpWithCustomer();
    const msg = { welcome_code: scan.welcome_code, text: { content: '你好,我是张三' }, attachments: [{ msgtype: 'link', link: { title: '新人礼', url: 'https://example.com' } }] };
    expect(await sb.post('/cgi-bin/externalcontact/send_welcome_msg', msg, { access_token: token })).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(await sb.post('/cgi-bin/externalcontact/send_welcome_msg', msg, { access_token: token })).toMatchObject({ errcode: 41051 });
    const { body } = await sb.sim(`/corps/${corp}/welcome-messages?external_userid=${ext}`, undefined, 'GET');
    expect(body).toEqual([{ external_userid: ext, userid: 'zhangsan', text: '你好,我是张三', attachments: msg.attachments, sent_at: expect.any(String) }]);
  });

  it('a code older than 20 s of the corp clock is refused (40096), one within 20 s works', async () => {
    const { corp, token, scan } = await corpWithCustomer();
    await sb.sim(`/corps/${corp}/clock`, { advanceMs: 19_000 });
    const ext2 = (await sb.sim(`/corps/${corp}/customers`, { name: '韩梅梅' })).body.external_userid;
    const second = (await sb.sim(`/corps/${corp}/add`, { userid: 'lisi', external_userid: ext2 })).body;
    await sb.sim(`/corps/${corp}/clock`, { advanceMs: 2_000 });
    expect(await sb.post('/cgi-bin/externalcontact/send_welcome_msg', { welcome_code: scan.welcome_code, text: { content: '迟到了' } }, { access_token: token })).toMatchObject({ errcode: 40096 });
    expect(await sb.post('/cgi-bin/externalcontact/send_welcome_msg', { welcome_code: second.welcome_code, text: { content: '及时' } }, { access_token: token })).toMatchObject({ errcode: 0 });
  });
});

describe('app messages, moments, tickets', () => {
  it('delivers app messages to staff phones and reports invalid users', async () => {
    const corp = await sb.newCorp();
    const t = await sb.token(corp, WECOM_SANDBOX.agentSecret);
    const r = await sb.post('/cgi-bin/message/send', { touser: 'lisi|ghost', msgtype: 'textcard', agentid: WECOM_SANDBOX.agentId, textcard: { title: '跟进提醒', description: '王小美 3 天未回访', url: 'https://example.com/c/1' } }, { access_token: t });
    expect(r).toMatchObject({ errcode: 0, invaliduser: 'ghost', msgid: expect.any(String) });
    expect(await sb.post('/cgi-bin/message/send', { touser: 'lisi', msgtype: 'text', agentid: 1, text: { content: 'x' } }, { access_token: t })).toMatchObject({ errcode: 40056 });
    expect(await sb.post('/cgi-bin/message/send', { touser: 'ghost', msgtype: 'text', agentid: WECOM_SANDBOX.agentId, text: { content: 'x' } }, { access_token: t })).toMatchObject({ errcode: 81013 });
    const { body } = await sb.sim(`/corps/${corp}/app-messages?touser=lisi`, undefined, 'GET');
    expect(body).toEqual([expect.objectContaining({ touser: 'lisi', msgtype: 'textcard', title: '跟进提醒', content: '王小美 3 天未回访' })]);
    const phone = await (await fetch(`${sb.base}/phone?corp=${corp}&userid=lisi&refresh=0`)).text();
    expect(phone).toContain('跟进提醒');
  });

  it('creates a moment task and reports its result; hands out JS-SDK tickets', async () => {
    const corp = await sb.newCorp();
    const t = await sb.token(corp);
    const job = await sb.post('/cgi-bin/externalcontact/add_moment_task', { text: { content: '双十一上新' }, visible_range: { sender_list: { user_list: ['zhangsan', 'ghost'] } } }, { access_token: t });
    expect(job).toMatchObject({ errcode: 0, jobid: expect.any(String) });
    const res = await sb.get('/cgi-bin/externalcontact/get_moment_task_result', { access_token: t, jobid: job.jobid });
    expect(res).toMatchObject({ status: 3, type: 'add_moment_task', result: { moment_id: expect.any(String), invalid_sender_list: { user_list: ['ghost'] } } });
    const ticket = await sb.get('/cgi-bin/get_jsapi_ticket', { access_token: t });
    expect(ticket).toMatchObject({ errcode: 0, ticket: expect.any(String), expires_in: 7200 });
    expect((await sb.get('/cgi-bin/ticket/get', { access_token: t, type: 'agent_config' })).ticket).not.toBe(ticket.ticket);
  });
});
