import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openidOf, unionidOf } from '../wechat-oauth/index.js';
import { WECHAT_MP_SANDBOX } from './index.js';
import { startSandbox, type Sandbox } from './test-support.js';

const OA = WECHAT_MP_SANDBOX.officialAccount;
const OA2 = WECHAT_MP_SANDBOX.officialAccount2;
const MINI = WECHAT_MP_SANDBOX.miniProgram;
const T = WECHAT_MP_SANDBOX.templateIds[OA.appid];

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());

const shipped = (over: Record<string, string> = {}) => ({
  thing1: { value: over.thing1 ?? '轻薄羽绒服 米白 M' },
  character_string2: { value: over.character_string2 ?? 'SF1234567890' },
  thing3: { value: over.thing3 ?? '顺丰速运' },
  time4: { value: over.time4 ?? '2024年11月11日 10:30' },
});

describe('access tokens', () => {
  it('refuses a bad appid (40013) and a bad secret (40125), WeChat style with HTTP 200', async () => {
    const res = await fetch(`${sb.base}/cgi-bin/token?grant_type=client_credential&appid=wxnope&secret=x`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ errcode: 40013, errmsg: expect.stringMatching(/^invalid appid/) });
    expect(await sb.get('/cgi-bin/token', { grant_type: 'client_credential', appid: OA.appid, secret: 'wrong' })).toMatchObject({ errcode: 40125 });
    expect(await sb.get('/cgi-bin/token', { grant_type: 'password', appid: OA.appid, secret: OA.secret })).toMatchObject({ errcode: 40002 });
  });

  it('issues 7200 s tokens; a new /cgi-bin/token invalidates the previous one (40001)', async () => {
    const first = await sb.get('/cgi-bin/token', { grant_type: 'client_credential', appid: OA.appid, secret: OA.secret });
    expect(first).toEqual({ access_token: expect.any(String), expires_in: 7200 });
    expect(first.access_token.length).toBeGreaterThan(100);
    const list = await sb.get('/cgi-bin/template/get_all_private_template', { access_token: first.access_token });
    expect(list.template_list).toHaveLength(9);
    const second = await sb.token(OA.appid, OA.secret);
    expect(await sb.get('/cgi-bin/template/get_all_private_template', { access_token: first.access_token })).toMatchObject({
      errcode: 40001,
      errmsg: expect.stringMatching(/^invalid credential, access_token is invalid or not latest/),
    });
    expect((await sb.get('/cgi-bin/template/get_all_private_template', { access_token: second })).template_list).toHaveLength(9);
    expect(await sb.get('/cgi-bin/template/get_all_private_template')).toMatchObject({ errcode: 41001 });
  });

  it('expire-token makes the current tokens 42001, invalidate-token makes them 40001', async () => {
    const legacy = await sb.token(OA2.appid, OA2.secret);
    const stable = (await sb.post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: OA2.appid, secret: OA2.secret })).access_token;
    expect((await sb.sim(`/accounts/${OA2.appid}/expire-token`)).status).toBe(200);
    for (const t of [legacy, stable]) expect(await sb.get('/cgi-bin/user/get', { access_token: t })).toMatchObject({ errcode: 42001, errmsg: expect.stringMatching(/^access_token expired/) });
    // An expired stable token is replaced on the next normal call.
    const renewed = (await sb.post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: OA2.appid, secret: OA2.secret })).access_token;
    expect(renewed).not.toBe(stable);
    expect(await sb.get('/cgi-bin/user/get', { access_token: renewed })).toMatchObject({ total: expect.any(Number) });
    await sb.sim(`/accounts/${OA2.appid}/invalidate-token`);
    expect(await sb.get('/cgi-bin/user/get', { access_token: renewed })).toMatchObject({ errcode: 40001 });
  });

  it('stable_token hands out the same token until force_refresh, isolated from /cgi-bin/token', async () => {
    const ask = (force?: boolean) => sb.post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: MINI.appid, secret: MINI.secret, ...(force === undefined ? {} : { force_refresh: force }) });
    const a = await ask();
    const b = await ask(false);
    expect(b.access_token).toBe(a.access_token);
    expect(a.expires_in).toBeGreaterThan(7000);
    // The legacy endpoint does not touch the stable token.
    await sb.token(MINI.appid, MINI.secret);
    expect(await sb.get('/wxaapi/newtmpl/gettemplate', { access_token: a.access_token })).toMatchObject({ errcode: 0 });
    const forced = await ask(true);
    expect(forced.access_token).not.toBe(a.access_token);
    expect(await sb.get('/wxaapi/newtmpl/gettemplate', { access_token: a.access_token })).toMatchObject({ errcode: 40001 });
    expect((await ask()).access_token).toBe(forced.access_token);
    // A second forced refresh within 30 s does not refresh (WeChat's rule).
    expect((await ask(true)).access_token).toBe(forced.access_token);
    expect(await sb.post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: MINI.appid, secret: 'nope' })).toMatchObject({ errcode: 40125 });
  });

  it("refuses an API of the other kind of account (48001) and bad bodies (44002, 47001)", async () => {
    const mini = await sb.token(MINI.appid, MINI.secret);
    expect(await sb.get('/cgi-bin/user/get', { access_token: mini })).toMatchObject({ errcode: 48001 });
    const oa = await sb.token(OA.appid, OA.secret);
    const raw = (body: string) => fetch(`${sb.base}/cgi-bin/menu/create?access_token=${oa}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.json());
    expect(await raw('')).toMatchObject({ errcode: 44002 });
    expect(await raw('{not json')).toMatchObject({ errcode: 47001 });
  });
});

describe('parametric QR codes', () => {
  let token: string;
  beforeAll(async () => {
    token = await sb.token(OA.appid, OA.secret);
  });

  it('creates temporary and permanent codes and validates them as WeChat does', async () => {
    const temp = await sb.post('/cgi-bin/qrcode/create', { expire_seconds: 600, action_name: 'QR_STR_SCENE', action_info: { scene: { scene_str: 'poster-1' } } }, { access_token: token });
    expect(temp).toEqual({ ticket: expect.any(String), expire_seconds: 600, url: expect.stringContaining(`${sb.base}/q/`) });
    const dflt = await sb.post('/cgi-bin/qrcode/create', { action_name: 'QR_SCENE', action_info: { scene: { scene_id: 42 } } }, { access_token: token });
    expect(dflt.expire_seconds).toBe(60);
    const perm1 = await sb.post('/cgi-bin/qrcode/create', { action_name: 'QR_LIMIT_SCENE', action_info: { scene: { scene_id: 100000 } } }, { access_token: token });
    const perm2 = await sb.post('/cgi-bin/qrcode/create', { action_name: 'QR_LIMIT_SCENE', action_info: { scene: { scene_id: 100000 } } }, { access_token: token });
    expect(perm1.expire_seconds).toBeUndefined();
    expect(perm2.ticket).toBe(perm1.ticket);
    const bad = (body: unknown) => sb.post('/cgi-bin/qrcode/create', body, { access_token: token });
    expect(await bad({ action_name: 'QR_LIMIT_SCENE', action_info: { scene: { scene_id: 100001 } } })).toMatchObject({ errcode: 40053 });
    expect(await bad({ action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: 'x'.repeat(65) } } })).toMatchObject({ errcode: 40053 });
    expect(await bad({ action_name: 'QR_STR_SCENE', action_info: { scene: { scene_str: '' } } })).toMatchObject({ errcode: 40053 });
    expect(await bad({ action_name: 'QR_WHATEVER', action_info: { scene: { scene_id: 1 } } })).toMatchObject({ errcode: 40052 });
    expect(await bad({ expire_seconds: 2_592_001, action_name: 'QR_SCENE', action_info: { scene: { scene_id: 1 } } })).toMatchObject({ errcode: 47003 });
  });

  it('shows a ticket as a PNG of its url', async () => {
    const qr = await sb.post('/cgi-bin/qrcode/create', { expire_seconds: 600, action_name: 'QR_SCENE', action_info: { scene: { scene_id: 7 } } }, { access_token: token });
    const res = await fetch(`${sb.base}/cgi-bin/showqrcode?ticket=${encodeURIComponent(qr.ticket)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await res.arrayBuffer());
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect((await fetch(`${sb.base}/cgi-bin/showqrcode?ticket=nope`)).status).toBe(404);
    // The url is a page where a demo user "scans" it.
    const landing = await fetch(qr.url);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain('扫码关注');
  });
});

describe('followers and user info', () => {
  it('pages followers by next_openid, in a stable order, current followers only', async () => {
    const own = await startSandbox();
    try {
      await own.sim('/settings', { followerPageSize: 2 });
      const keys = ['p1', 'p2', 'p3', 'p4', 'p5'];
      for (const k of keys) expect((await own.sim(`/users/${k}/follow`, { appid: OA.appid })).status).toBe(200);
      await own.sim('/users/p3/unfollow', { appid: OA.appid });
      const token = await own.token(OA.appid, OA.secret);
      const seen: string[] = [];
      let next = '';
      const pages = [];
      for (let i = 0; i < 10; i++) {
        const page = await own.get('/cgi-bin/user/get', next ? { access_token: token, next_openid: next } : { access_token: token });
        pages.push(page);
        expect(page.total).toBe(4);
        if (page.count === 0) {
          expect(page).toEqual({ total: 4, count: 0, next_openid: '' });
          break;
        }
        expect(page.data.openid.length).toBe(page.count);
        seen.push(...page.data.openid);
        next = page.next_openid;
        expect(next).toBe(page.data.openid[page.count - 1]);
      }
      expect(pages.map((p) => p.count)).toEqual([2, 2, 0]);
      expect(seen).toEqual(['p1', 'p2', 'p4', 'p5'].map((k) => openidOf(OA.appid, k)));
      expect(await own.get('/cgi-bin/user/get', { access_token: token, next_openid: 'ozzzz' })).toMatchObject({ errcode: 40003 });
      // Following again keeps the user's place.
      await own.sim('/users/p3/follow', { appid: OA.appid });
      const all = await own.get('/cgi-bin/user/get', { access_token: token });
      expect(all.data.openid).toEqual(['p1', 'p2'].map((k) => openidOf(OA.appid, k)));
      await own.sim('/settings', { followerPageSize: 10 });
      expect((await own.get('/cgi-bin/user/get', { access_token: token })).data.openid).toEqual(['p1', 'p2', 'p3', 'p4', 'p5'].map((k) => openidOf(OA.appid, k)));
    } finally {
      await own.close();
    }
  });

  it("gives the OAuth sandbox's unionid, the same on both OAs and the mini-program", async () => {
    const key = 'unionid-user';
    const f1 = await sb.sim(`/users/${key}/follow`, { appid: OA.appid });
    const f2 = await sb.sim(`/users/${key}/follow`, { appid: OA2.appid });
    expect(f1.body).toMatchObject({ openid: openidOf(OA.appid, key), unionid: unionidOf(key), event: 'subscribe' });
    expect(f2.body.openid).not.toBe(f1.body.openid);
    const token = await sb.token(OA.appid, OA.secret);
    const info = await sb.get('/cgi-bin/user/info', { access_token: token, openid: f1.body.openid, lang: 'zh_CN' });
    expect(info).toEqual({
      subscribe: 1,
      openid: openidOf(OA.appid, key),
      language: 'zh_CN',
      subscribe_time: expect.any(Number),
      unionid: unionidOf(key),
      remark: '',
      groupid: 0,
      tagid_list: [],
      subscribe_scene: 'ADD_SCENE_SEARCH',
      qr_scene: 0,
      qr_scene_str: '',
    });
    const { body: js } = await sb.sim(`/users/${key}/jscode`, { appid: MINI.appid });
    const session = await sb.get('/sns/jscode2session', { appid: MINI.appid, secret: MINI.secret, js_code: js.code, grant_type: 'authorization_code' });
    expect(session).toEqual({ session_key: expect.any(String), openid: openidOf(MINI.appid, key), unionid: unionidOf(key) });
    expect(await sb.get('/sns/jscode2session', { appid: MINI.appid, secret: MINI.secret, js_code: js.code, grant_type: 'authorization_code' })).toMatchObject({ errcode: 40163 });
    expect(await sb.get('/sns/jscode2session', { appid: MINI.appid, secret: MINI.secret, js_code: 'nope', grant_type: 'authorization_code' })).toMatchObject({ errcode: 40029 });
    expect(await sb.get('/sns/jscode2session', { appid: OA.appid, secret: OA.secret, js_code: js.code, grant_type: 'authorization_code' })).toMatchObject({ errcode: 40013 });

    await sb.sim(`/users/${key}/unfollow`, { appid: OA.appid });
    expect(await sb.get('/cgi-bin/user/info', { access_token: token, openid: f1.body.openid })).toEqual({ subscribe: 0, openid: f1.body.openid });
    expect(await sb.get('/cgi-bin/user/info', { access_token: token, openid: 'o-not-a-user' })).toMatchObject({ errcode: 40003 });
    const batch = await sb.post('/cgi-bin/user/info/batchget', { user_list: [{ openid: f1.body.openid, lang: 'zh_CN' }] }, { access_token: token });
    expect(batch.user_info_list).toEqual([{ subscribe: 0, openid: f1.body.openid }]);
    expect(await sb.post('/cgi-bin/user/info/batchget', { user_list: Array.from({ length: 101 }, () => ({ openid: f1.body.openid })) }, { access_token: token })).toMatchObject({ errcode: 40032 });
  });
});

describe('custom menu', () => {
  it('validates like WeChat and returns the menu in both shapes', async () => {
    const token = await sb.token(OA.appid, OA.secret);
    const create = (button: unknown) => sb.post('/cgi-bin/menu/create', { button }, { access_token: token });
    const click = (name: string, key: string) => ({ type: 'click', name, key });
    expect(await create([click('a', 'A'), click('b', 'B'), click('c', 'C'), click('d', 'D')])).toMatchObject({ errcode: 40016 });
    expect(await create([{ name: '更多', sub_button: Array.from({ length: 6 }, (_, i) => click(`s${i}`, `S${i}`)) }])).toMatchObject({ errcode: 40023 });
    expect(await create([{ type: 'click', name: '签到' }])).toMatchObject({ errcode: 40019 });
    expect(await create([{ type: 'teleport', name: '传送' }])).toMatchObject({ errcode: 40017 });
    expect(await create([{ type: 'click', name: '这个按钮的名字实在是太长了', key: 'X' }])).toMatchObject({ errcode: 40018 });
    expect(await create([{ name: '更多', sub_button: [{ type: 'view', name: '官网', url: 'ftp://x' }] }])).toMatchObject({ errcode: 40054 });
    expect(await create([{ name: '更多', sub_button: [{ type: 'miniprogram', name: '商城', url: 'https://shop.example', appid: 'wxother', pagepath: 'pages/index' }] }])).toMatchObject({ errcode: 40166 });
    expect(await sb.get('/cgi-bin/menu/get', { access_token: token })).toMatchObject({ errcode: 46003 });

    const button: Array<Record<string, unknown> & { sub_button?: unknown[] }> = [
      click('今日签到', 'CHECK_IN'),
      { type: 'view', name: '商城', url: 'https://shop.example/s/demo/' },
      { name: '我的', sub_button: [click('会员卡', 'MEMBER_CARD'), { type: 'miniprogram', name: '小程序', url: 'https://shop.example', appid: MINI.appid, pagepath: 'pages/index/index' }] },
    ];
    expect(await create(button)).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(await sb.get('/cgi-bin/menu/get', { access_token: token })).toEqual({ menu: { button, menuid: expect.any(Number) } });
    const current = await sb.get('/cgi-bin/get_current_selfmenu_info', { access_token: token });
    expect(current.is_menu_open).toBe(1);
    expect(current.selfmenu_info.button[2]).toEqual({ name: '我的', sub_button: { list: [button[2].sub_button![0], button[2].sub_button![1]] } });
  });
});

describe('template messages', () => {
  let token: string;
  const key = 'tmpl-user';
  let openid: string;
  beforeAll(async () => {
    token = await sb.token(OA.appid, OA.secret);
    openid = (await sb.sim(`/users/${key}/follow`, { appid: OA.appid })).body.openid;
  });
  const send = (body: Record<string, unknown>) => sb.post('/cgi-bin/message/template/send', { touser: openid, template_id: T.ORDER_SHIPPED, data: shipped(), ...body }, { access_token: token });

  it('lists the private templates with new-style keywords', async () => {
    const { template_list } = await sb.get('/cgi-bin/template/get_all_private_template', { access_token: token });
    const shippedTpl = template_list.find((t: { template_id: string }) => t.template_id === T.ORDER_SHIPPED);
    expect(shippedTpl).toEqual({
      template_id: T.ORDER_SHIPPED,
      title: '订单发货通知',
      primary_industry: 'IT科技',
      deputy_industry: '互联网|电子商务',
      content: '商品名称:{{thing1.DATA}}\n快递单号:{{character_string2.DATA}}\n快递公司:{{thing3.DATA}}\n发货时间:{{time4.DATA}}\n',
      example: expect.stringContaining('快递单号:'),
    });
    expect(template_list.map((t: { title: string }) => t.title)).toEqual(expect.arrayContaining(['取货提醒', '秒杀开始提醒', '预售尾款支付提醒', '会员卡到期提醒', '积分到期提醒', '优惠券到期提醒', '生日祝福', '活动通知']));
    // The other OA has its own ids for the same topics.
    expect(WECHAT_MP_SANDBOX.templateIds[OA2.appid].ORDER_SHIPPED).not.toBe(T.ORDER_SHIPPED);
  });

  it('sends, and renders the message for the user', async () => {
    const r = await send({ url: 'https://shop.example/orders/1' });
    expect(r).toEqual({ errcode: 0, errmsg: 'ok', msgid: expect.any(Number) });
    const { items } = await sb.get('/__sim/messages', { appid: OA.appid, openid });
    expect(items[0]).toMatchObject({ type: 'template', msgid: r.msgid, title: '订单发货通知', url: 'https://shop.example/orders/1', text: '商品名称: 轻薄羽绒服 米白 M\n快递单号: SF1234567890\n快递公司: 顺丰速运\n发货时间: 2024年11月11日 10:30' });
    const phone = await (await fetch(`${sb.base}/phone?appid=${OA.appid}&key=${key}`)).text();
    expect(phone).toContain('订单发货通知');
    expect(phone).toContain('SF1234567890');
    expect(phone).toContain('lang="zh-CN"');
    expect(phone).toContain('http-equiv="refresh" content="3"');
  });

  it('refuses with 40003, 40037, 47003, 43004 and 43101', async () => {
    expect(await send({ touser: 'o-nobody' })).toMatchObject({ errcode: 40003 });
    expect(await send({ touser: openidOf(MINI.appid, key) })).toMatchObject({ errcode: 40003 });
    expect(await send({ template_id: 'not-a-template' })).toMatchObject({ errcode: 40037 });
    expect(await send({ template_id: WECHAT_MP_SANDBOX.templateIds[OA2.appid].ORDER_SHIPPED })).toMatchObject({ errcode: 40037 });
    expect(await send({ data: { thing1: { value: 'x' } } })).toMatchObject({ errcode: 47003, errmsg: expect.stringContaining('data.character_string2') });
    expect(await send({ data: shipped({ thing1: '这是一个非常非常非常非常非常长的商品名称啊' }) })).toMatchObject({ errcode: 47003, errmsg: expect.stringContaining('data.thing1') });
    expect(await send({ data: shipped({ character_string2: '快递单号' }) })).toMatchObject({ errcode: 47003 });
    expect(await send({ data: shipped({ time4: '明天上午' }) })).toMatchObject({ errcode: 47003, errmsg: expect.stringContaining('data.time4') });
    expect(await send({ miniprogram: { appid: 'wxother', pagepath: 'pages/x' } })).toMatchObject({ errcode: 40166 });

    const leaver = (await sb.sim('/users/tmpl-leaver/follow', { appid: OA.appid })).body.openid;
    await sb.sim('/users/tmpl-leaver/unfollow', { appid: OA.appid });
    expect(await send({ touser: leaver })).toMatchObject({ errcode: 43004, errmsg: expect.stringMatching(/^require subscribe/) });

    const blocker = (await sb.sim('/users/tmpl-blocker/follow', { appid: OA.appid })).body.openid;
    expect((await send({ touser: blocker })).errcode).toBe(0);
    expect((await sb.sim('/users/tmpl-blocker/block-template', { appid: OA.appid, templateId: T.ORDER_SHIPPED })).status).toBe(200);
    expect(await send({ touser: blocker })).toMatchObject({ errcode: 43101, errmsg: expect.stringMatching(/^user refuse to accept the msg/) });
    expect((await send({ touser: blocker, template_id: T.PICKUP_READY, data: { thing1: { value: '坚果' }, character_string2: { value: '8391' }, thing3: { value: '南山店' }, time4: { value: '21:00' } } })).errcode).toBe(0);
    await sb.sim('/users/tmpl-blocker/unblock-template', { appid: OA.appid, templateId: T.ORDER_SHIPPED });
    expect((await send({ touser: blocker })).errcode).toBe(0);
  });

  it('dedupes by client_msg_id: the same msgid, one message', async () => {
    const before = (await sb.get('/__sim/stats', { appid: OA.appid })).template;
    const a = await send({ client_msg_id: 'order-1-shipped' });
    const b = await send({ client_msg_id: 'order-1-shipped', data: shipped({ thing1: '改了也一样' }) });
    const c = await send({ client_msg_id: 'order-2-shipped' });
    expect(a.errcode).toBe(0);
    expect(b).toEqual({ errcode: 0, errmsg: 'ok', msgid: a.msgid });
    expect(c.msgid).not.toBe(a.msgid);
    // Racing retries of one send get one message too.
    const racing = await Promise.all(Array.from({ length: 5 }, () => send({ client_msg_id: 'order-3-shipped' })));
    expect(new Set(racing.map((r) => r.msgid)).size).toBe(1);
    const { items } = await sb.get('/__sim/messages', { appid: OA.appid, openid });
    expect(items.filter((m: { msgid: number }) => m.msgid === a.msgid)).toHaveLength(1);
    expect(items.filter((m: { msgid: number }) => m.msgid === racing[0].msgid)).toHaveLength(1);
    const after = (await sb.get('/__sim/stats', { appid: OA.appid })).template;
    expect(after.accepted - before.accepted).toBe(3);
    expect(after.deduped - before.deduped).toBe(5);
  });

  it('stops at the daily quota (45009) and counts refusals', async () => {
    const own = await startSandbox();
    try {
      await own.sim('/settings', { dailyQuota: 2 });
      const tk = await own.token(OA.appid, OA.secret);
      const to = (await own.sim('/users/quota-user/follow', { appid: OA.appid })).body.openid;
      const go = (extra: Record<string, unknown> = {}) => own.post('/cgi-bin/message/template/send', { touser: to, template_id: T.ORDER_SHIPPED, data: shipped(), ...extra }, { access_token: tk });
      expect((await go({ client_msg_id: 'q1' })).errcode).toBe(0);
      expect((await go()).errcode).toBe(0);
      expect(await go()).toMatchObject({ errcode: 45009, errmsg: expect.stringMatching(/^reach max api daily quota limit/) });
      // A retry of a send that went through still answers with its msgid.
      expect(await go({ client_msg_id: 'q1' })).toMatchObject({ errcode: 0, msgid: expect.any(Number) });
      const stats = await own.get('/__sim/stats', { appid: OA.appid });
      expect(stats.template).toMatchObject({ accepted: 2, deduped: 1, refused: { '45009': 1 } });
      expect(stats.quota).toMatchObject({ used: 2, limit: 2 });
      await own.sim('/settings', { dailyQuota: 3 });
      expect((await go()).errcode).toBe(0);
    } finally {
      await own.close();
    }
  });
});

describe('one-time subscription messages', () => {
  it('allows exactly one send per grant, then 43101 (mini-program)', async () => {
    const token = (await sb.post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: MINI.appid, secret: MINI.secret })).access_token;
    const tpl = await sb.get('/wxaapi/newtmpl/gettemplate', { access_token: token });
    expect(tpl.data).toHaveLength(9);
    expect(tpl.data[0]).toEqual({ priTmplId: expect.any(String), title: expect.any(String), content: expect.stringContaining('{{'), example: expect.any(String), type: 2 });
    const S = WECHAT_MP_SANDBOX.subscribeTemplateIds[MINI.appid];
    const { body: js } = await sb.sim('/users/sub-user/jscode', { appid: MINI.appid });
    const { openid } = await sb.get('/sns/jscode2session', { appid: MINI.appid, secret: MINI.secret, js_code: js.code, grant_type: 'authorization_code' });
    const data = { thing1: { value: '每日坚果礼盒' }, character_string2: { value: '8391' }, thing3: { value: '南山科技园店' }, time4: { value: '2024-11-12 21:00' } };
    const send = (extra: Record<string, unknown> = {}) => sb.post('/cgi-bin/message/subscribe/send', { touser: openid, template_id: S.PICKUP_READY, page: 'pages/order/detail?id=1', miniprogram_state: 'formal', lang: 'zh_CN', data, ...extra }, { access_token: token });

    expect(await send()).toMatchObject({ errcode: 43101 });
    const sub1 = await sb.sim('/users/sub-user/subscribe', { appid: MINI.appid, templateIds: [S.PICKUP_READY] });
    expect(sub1.body).toMatchObject({ openid, grants: { [S.PICKUP_READY]: 1 } });
    await sb.sim('/users/sub-user/subscribe', { appid: MINI.appid, templateIds: [S.PICKUP_READY, S.ORDER_SHIPPED] });
    expect((await sb.sim(`/users/sub-user?appid=${MINI.appid}`, undefined, 'GET')).body.grants).toEqual({ [S.PICKUP_READY]: 2, [S.ORDER_SHIPPED]: 1 });
    expect(await send()).toMatchObject({ errcode: 0, errmsg: 'ok' });
    expect(await send()).toMatchObject({ errcode: 0 });
    expect(await send()).toMatchObject({ errcode: 43101, errmsg: expect.stringMatching(/^user refuse to accept the msg/) });

    expect(await send({ touser: 'o-nobody' })).toMatchObject({ errcode: 40003 });
    expect(await send({ template_id: T.PICKUP_READY })).toMatchObject({ errcode: 40037 });
    expect(await send({ data: { thing1: { value: '坚果' } } })).toMatchObject({ errcode: 47003 });
    expect(await send({ miniprogram_state: 'production' })).toMatchObject({ errcode: 47003 });
    // Refusals leave the grant: the order-shipped grant is still there for one send.
    const shippedSend = await send({ template_id: S.ORDER_SHIPPED, data: shipped() });
    expect(shippedSend.errcode).toBe(0);
    const { items } = await sb.get('/__sim/messages', { appid: MINI.appid, openid });
    expect(items.map((m: { title: string }) => m.title)).toEqual(['订单发货通知', '取货提醒', '取货提醒']);
    expect((await sb.sim('/users/sub-user/subscribe', { appid: MINI.appid, templateIds: ['nope'] })).status).toBe(400);
  });

  it('OA subscription notices (bizsend) take a grant too', async () => {
    const token = await sb.token(OA.appid, OA.secret);
    const S = WECHAT_MP_SANDBOX.subscribeTemplateIds[OA.appid];
    const { body: u } = await sb.sim('/users/biz-user/follow', { appid: OA.appid });
    const send = () =>
      sb.post(
        '/cgi-bin/message/subscribe/bizsend',
        { touser: u.openid, template_id: S.COUPON_EXPIRING, page: 'https://shop.example/coupons', data: { thing1: { value: '满199减30券' }, amount2: { value: '¥30.00' }, time3: { value: '2024年11月15日 23:59' }, thing4: { value: '请尽快使用' } } },
        { access_token: token },
      );
    expect(await send()).toMatchObject({ errcode: 43101 });
    await sb.sim('/users/biz-user/subscribe', { appid: OA.appid, templateIds: [S.COUPON_EXPIRING] });
    expect(await send()).toMatchObject({ errcode: 0 });
    expect(await send()).toMatchObject({ errcode: 43101 });
    // The subscription template is not a template-message id.
    expect(await sb.post('/cgi-bin/message/template/send', { touser: u.openid, template_id: S.COUPON_EXPIRING, data: {} }, { access_token: token })).toMatchObject({ errcode: 40037 });
  });
});

describe('fault injection', () => {
  it('fails the next count calls with an errcode, an HTTP 500 or a held answer, then recovers', async () => {
    const token = await sb.token(OA2.appid, OA2.secret);
    const get = () => sb.get('/cgi-bin/user/get', { access_token: token });
    expect((await sb.sim('/faults', { api: '/cgi-bin/user/get', kind: 'errcode', errcode: 45009, errmsg: 'reach max api daily quota limit', count: 2 })).status).toBe(200);
    expect(await get()).toEqual({ errcode: 45009, errmsg: 'reach max api daily quota limit' });
    expect(await get()).toMatchObject({ errcode: 45009 });
    expect(await get()).toMatchObject({ total: expect.any(Number) });

    await sb.sim('/faults', { api: '*', kind: 'http500', count: 1 });
    const res = await fetch(`${sb.base}/cgi-bin/user/get?access_token=${token}`);
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('500 Internal Server Error');
    expect(await get()).toMatchObject({ total: expect.any(Number) });

    await sb.sim('/faults', { api: '/cgi-bin/user/get', kind: 'timeout', count: 1 });
    const started = Date.now();
    await expect(fetch(`${sb.base}/cgi-bin/user/get?access_token=${token}`, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await get()).toMatchObject({ total: expect.any(Number) });

    // Scoped to an appid: another account's calls are untouched.
    await sb.sim('/faults', { api: '*', appid: OA.appid, kind: 'errcode', count: 1 });
    expect(await get()).toMatchObject({ total: expect.any(Number) });
    expect((await sb.sim('/faults', undefined, 'GET')).body.faults).toHaveLength(1);
    expect((await sb.sim('/faults', undefined, 'DELETE')).body).toEqual({ faults: [] });
    expect((await sb.sim('/faults', { api: '/x', kind: 'explode', count: 1 })).status).toBe(400);
  });

  it('applies faults to token calls too', async () => {
    await sb.sim('/faults', { api: '/cgi-bin/token', kind: 'errcode', errcode: -1, errmsg: 'system error', count: 1 });
    expect(await sb.get('/cgi-bin/token', { grant_type: 'client_credential', appid: OA.appid, secret: OA.secret })).toEqual({ errcode: -1, errmsg: 'system error' });
    expect(await sb.get('/cgi-bin/token', { grant_type: 'client_credential', appid: OA.appid, secret: OA.secret })).toMatchObject({ access_token: expect.any(String) });
  });
});

describe('pages', () => {
  it('serves the index with the accounts and a customer form', async () => {
    const res = await fetch(`${sb.base}/`);
    const html = await res.text();
    expect(html).toContain('lang="zh-CN"');
    expect(html).toContain(OA.appid);
    expect(html).toContain('<label for="demo-key">');
    const follow = await fetch(`${sb.base}/demo`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'appid=wxsandboxmp0000001&key=demo-user&action=follow', redirect: 'manual' });
    expect(follow.status).toBe(303);
    expect(follow.headers.get('location')).toBe(`phone?appid=${OA.appid}&key=demo-user`);
    const text = await fetch(`${sb.base}/demo`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'appid=wxsandboxmp0000001&key=demo-user&action=text&content=%E4%BD%A0%E5%A5%BD', redirect: 'manual' });
    expect(text.status).toBe(303);
    const phone = await (await fetch(`${sb.base}/phone?appid=${OA.appid}&key=demo-user`)).text();
    expect(phone).toContain('你好');
  });
});
