import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemorySandboxStore } from '../store.js';
import { openidOf } from '../wechat-oauth/index.js';
import { WECHAT_MP_SANDBOX } from './index.js';
import { sleep, startReceiver, startSandbox, type Receiver, type Sandbox } from './test-support.js';

const OA = WECHAT_MP_SANDBOX.officialAccount;
const OA2 = WECHAT_MP_SANDBOX.officialAccount2;
const MINI = WECHAT_MP_SANDBOX.miniProgram;
const T = WECHAT_MP_SANDBOX.templateIds[OA.appid];

const shipped = {
  thing1: { value: '轻薄羽绒服' },
  character_string2: { value: 'SF1234567890' },
  thing3: { value: '顺丰速运' },
  time4: { value: '2024年11月11日 10:30' },
};

let sb: Sandbox;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  // A short push timeout, so the timeout-and-retry case runs in a second.
  sb = await startSandbox({ pushTimeoutMs: 500, finishRetryDelaysMs: [200, 200] });
  const set = await sb.sim(`/accounts/${OA.appid}/server`, { url: rx.url, token: rx.token, encodingAESKey: rx.encodingAESKey });
  expect(set.status).toBe(200);
});
afterAll(async () => {
  await sb.close();
  await rx.close();
});
beforeEach(() => {
  rx.answer = { status: 200, body: 'success' };
  expect(rx.problems).toEqual([]);
});

describe('server configuration', () => {
  it("checks the URL with WeChat's echostr handshake before saving", async () => {
    rx.echo = 'wrong';
    const bad = await sb.sim(`/accounts/${OA2.appid}/server`, { url: rx.url, token: rx.token, encodingAESKey: rx.encodingAESKey });
    rx.echo = 'verbatim';
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: expect.stringContaining('URL 校验失败'), status: 200, body: expect.stringMatching(/^\d+-nope$/) });
    expect((await sb.sim(`/accounts/${OA2.appid}`, undefined, 'GET')).body.server).toBeNull();
    // The wrong token fails the receiver's signature check, so no echostr comes back either.
    expect((await sb.sim(`/accounts/${OA2.appid}/server`, { url: rx.url, token: 'otherToken', encodingAESKey: rx.encodingAESKey })).status).toBe(400);
    expect((await sb.sim(`/accounts/${OA2.appid}/server`, { url: rx.url, token: rx.token, encodingAESKey: 'short' })).status).toBe(400);
    expect((await sb.sim(`/accounts/${OA2.appid}/server`, { url: 'http://127.0.0.1:1/wx', token: rx.token, encodingAESKey: rx.encodingAESKey })).status).toBe(400);
    const ok = await sb.sim(`/accounts/${OA2.appid}/server`, { url: rx.url, token: rx.token, encodingAESKey: rx.encodingAESKey });
    expect(ok.status).toBe(200);
    expect((await sb.sim(`/accounts/${OA2.appid}`, undefined, 'GET')).body.server).toMatchObject({ url: rx.url, token: rx.token });
    await sb.sim(`/accounts/${OA2.appid}/server`, undefined, 'DELETE');
  });
});

describe('events pushed to the merchant (safe mode)', () => {
  it('pushes a QR follow as subscribe with qrscene_ and Ticket, then SCAN, encrypted and signed', async () => {
    const token = await sb.token(OA.appid, OA.secret);
    const qr = await sb.post('/cgi-bin/qrcode/create', { expire_seconds: 3600, action_name: 'QR_STR_SCENE', action_info: { scene: { scene_str: 'store-42' } } }, { access_token: token });
    const key = 'qr-follower';
    const openid = openidOf(OA.appid, key);
    const { body: followed } = await sb.sim(`/users/${key}/follow`, { appid: OA.appid, ticket: qr.ticket });
    expect(followed).toMatchObject({ openid, event: 'subscribe', push: { configured: true, delivered: true, attempts: [{ status: 200 }] } });
    const ev = await rx.waitFor((p) => p.fields.FromUserName === openid && p.fields.Event === 'subscribe');
    expect(ev.appid).toBe(OA.appid);
    expect(ev.query).toMatchObject({ encrypt_type: 'aes', openid });
    expect(ev.fields).toEqual({ ToUserName: OA.ghId, FromUserName: openid, CreateTime: expect.stringMatching(/^\d{10}$/), MsgType: 'event', Event: 'subscribe', EventKey: 'qrscene_store-42', Ticket: qr.ticket });
    const info = await sb.get('/cgi-bin/user/info', { access_token: token, openid });
    expect(info).toMatchObject({ subscribe: 1, subscribe_scene: 'ADD_SCENE_QR_CODE', qr_scene: 0, qr_scene_str: 'store-42' });

    const { body: scanned } = await sb.sim(`/users/${key}/scan`, { appid: OA.appid, ticket: qr.ticket });
    expect(scanned).toMatchObject({ event: 'SCAN', alreadyFollowing: true });
    const scan = await rx.waitFor((p) => p.fields.FromUserName === openid && p.fields.Event === 'SCAN');
    expect(scan.fields).toMatchObject({ EventKey: 'store-42', Ticket: qr.ticket });

    // A numeric permanent scene, by scene value: EventKey qrscene_<id>.
    const { body: byScene } = await sb.sim('/users/scene-follower/follow', { appid: OA.appid, scene: '123' });
    const sceneEv = await rx.waitFor((p) => p.fields.FromUserName === byScene.openid && p.fields.Event === 'subscribe');
    expect(sceneEv.fields).toMatchObject({ EventKey: 'qrscene_123', Ticket: expect.any(String) });
    expect(rx.problems).toEqual([]);
  });

  it('pushes unsubscribe and CLICK events', async () => {
    const token = await sb.token(OA.appid, OA.secret);
    await sb.post('/cgi-bin/menu/create', { button: [{ type: 'click', name: '签到', key: 'CHECK_IN' }] }, { access_token: token });
    const key = 'clicker';
    const openid = (await sb.sim(`/users/${key}/follow`, { appid: OA.appid })).body.openid;
    const plain = await rx.waitFor((p) => p.fields.FromUserName === openid && p.fields.Event === 'subscribe');
    expect(plain.fields.EventKey).toBeUndefined();
    expect((await sb.sim(`/users/${key}/click`, { appid: OA.appid, key: 'CHECK_IN' })).body).toMatchObject({ event: 'CLICK', push: { delivered: true } });
    expect((await rx.waitFor((p) => p.fields.FromUserName === openid && p.fields.Event === 'CLICK')).fields).toMatchObject({ MsgType: 'event', EventKey: 'CHECK_IN' });
    expect((await sb.sim(`/users/${key}/click`, { appid: OA.appid, key: 'NOPE' })).status).toBe(400);
    await sb.sim(`/users/${key}/unfollow`, { appid: OA.appid });
    await rx.waitFor((p) => p.fields.FromUserName === openid && p.fields.Event === 'unsubscribe');
    expect((await sb.sim(`/users/${key}/text`, { appid: OA.appid, content: 'hi' })).status).toBe(400);
  });

  it('retries a push answered 500 with the same MsgId and CreateTime', async () => {
    const key = 'retry-user';
    const openid = (await sb.sim(`/users/${key}/follow`, { appid: OA.appid })).body.openid;
    rx.answer = (p) => (p.fields.MsgType === 'text' && rx.pushes.filter((x) => x.fields.MsgId === p.fields.MsgId).length === 1 ? { status: 500, body: 'oops' } : { status: 200, body: 'success' });
    const { body } = await sb.sim(`/users/${key}/text`, { appid: OA.appid, content: '还有货吗?' });
    expect(body.push).toMatchObject({ delivered: true, attempts: [{ status: 500 }, { status: 200 }] });
    const tries = rx.pushes.filter((p) => p.fields.FromUserName === openid && p.fields.MsgType === 'text');
    expect(tries).toHaveLength(2);
    expect(tries[0].fields).toEqual({ ToUserName: OA.ghId, FromUserName: openid, CreateTime: expect.any(String), MsgType: 'text', Content: '还有货吗?', MsgId: body.msgId });
    expect(tries[1].fields.MsgId).toBe(tries[0].fields.MsgId);
    expect(tries[1].fields.CreateTime).toBe(tries[0].fields.CreateTime);
    expect(tries[1].query.nonce).not.toBe(tries[0].query.nonce);
  });

  it('gives up after 3 attempts, counting a slow answer (past the timeout) as none', async () => {
    const key = 'slow-user';
    await sb.sim(`/users/${key}/follow`, { appid: OA.appid });
    rx.answer = { delayMs: 800 };
    const { body } = await sb.sim(`/users/${key}/text`, { appid: OA.appid, content: 'ping' });
    expect(body.push.delivered).toBe(false);
    expect(body.push.attempts).toHaveLength(3);
    expect(body.push.attempts[0]).toMatchObject({ status: null, error: expect.stringContaining('no answer') });
  });

  it('shows an encrypted passive reply to the user', async () => {
    const key = 'reply-user';
    const openid = (await sb.sim(`/users/${key}/follow`, { appid: OA.appid })).body.openid;
    rx.answer = (p) => ({ body: rx.reply(p.fields.FromUserName, p.fields.ToUserName, p.appid, '<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[您好,有货的]]></Content>') });
    const { body } = await sb.sim(`/users/${key}/text`, { appid: OA.appid, content: '有货吗' });
    expect(body.push).toMatchObject({ delivered: true, reply: { msgType: 'text', content: '您好,有货的' } });
    const { items } = await sb.get('/__sim/messages', { appid: OA.appid, openid });
    expect(items[0]).toMatchObject({ type: 'reply', content: '您好,有货的' });
    const all = await sb.get('/__sim/messages', { appid: OA.appid, openid, all: '1' });
    expect(all.items.map((m: { type: string }) => m.type)).toEqual(['reply', 'user_text']);
    // An unencrypted or wrongly signed reply is not shown (WeChat shows 该公众号暂时无法提供服务).
    rx.answer = { body: '<xml><ToUserName>x</ToUserName><MsgType>text</MsgType><Content>plain</Content></xml>' };
    expect((await sb.sim(`/users/${key}/text`, { appid: OA.appid, content: '再问一次' })).body.push).toMatchObject({ delivered: true, replyError: expect.stringContaining('Encrypt') });
    rx.answer = (p) => ({ body: rx.reply(p.fields.FromUserName, p.fields.ToUserName, p.appid, '<MsgType>text</MsgType><Content>x</Content>').replace(/<MsgSignature><!\[CDATA\[\w+/, '<MsgSignature><![CDATA[0000') });
    expect((await sb.sim(`/users/${key}/text`, { appid: OA.appid, content: '又问' })).body.push.replyError).toContain('MsgSignature');
  });
});

describe('delivery-finished events', () => {
  let token: string;
  beforeAll(async () => {
    token = await sb.token(OA.appid, OA.secret);
  });
  const send = (touser: string, extra: Record<string, unknown> = {}) => sb.post('/cgi-bin/message/template/send', { touser, template_id: T.ORDER_SHIPPED, data: shipped, ...extra }, { access_token: token });

  it('pushes TEMPLATESENDJOBFINISH once per send, once per client_msg_id', async () => {
    const openid = (await sb.sim('/users/finish-user/follow', { appid: OA.appid })).body.openid;
    const a = await send(openid, { client_msg_id: 'ship-1' });
    const again = await send(openid, { client_msg_id: 'ship-1' });
    expect(again.msgid).toBe(a.msgid);
    const ev = await rx.waitFor((p) => p.fields.Event === 'TEMPLATESENDJOBFINISH' && p.fields.MsgID === String(a.msgid));
    expect(ev.fields).toEqual({ ToUserName: OA.ghId, FromUserName: openid, CreateTime: expect.any(String), MsgType: 'event', Event: 'TEMPLATESENDJOBFINISH', MsgID: String(a.msgid), Status: 'success' });
    expect(ev.query.openid).toBe(openid);
    await sleep(500);
    expect(rx.pushes.filter((p) => p.fields.MsgID === String(a.msgid))).toHaveLength(1);
    const { items } = await sb.get('/__sim/messages', { appid: OA.appid, openid });
    expect(items.filter((m: { msgid: number }) => m.msgid === a.msgid)).toEqual([expect.objectContaining({ status: 'success', finish: expect.objectContaining({ delivered: true, attempts: 1 }) })]);
    expect(rx.problems).toEqual([]);
  });

  it('reports failed:user block when the user refuses the template after the send', async () => {
    await sb.sim('/settings', { finishDelayMs: 400 });
    try {
      const openid = (await sb.sim('/users/late-blocker/follow', { appid: OA.appid })).body.openid;
      const r = await send(openid);
      await sb.sim('/users/late-blocker/block-template', { appid: OA.appid, templateId: T.ORDER_SHIPPED });
      const ev = await rx.waitFor((p) => p.fields.MsgID === String(r.msgid));
      expect(ev.fields.Status).toBe('failed:user block');
    } finally {
      await sb.sim('/settings', { finishDelayMs: null });
    }
  });

  it("reports 'failed: system failed' under a system_failed fault", async () => {
    const openid = (await sb.sim('/users/unlucky/follow', { appid: OA.appid })).body.openid;
    await sb.sim('/faults', { api: '/cgi-bin/message/template/send', appid: OA.appid, kind: 'system_failed', count: 1 });
    const r = await send(openid);
    expect(r.errcode).toBe(0);
    expect((await rx.waitFor((p) => p.fields.MsgID === String(r.msgid))).fields.Status).toBe('failed: system failed');
    const ok = await send(openid);
    expect((await rx.waitFor((p) => p.fields.MsgID === String(ok.msgid))).fields.Status).toBe('success');
  });

  it('retries the finished event when the merchant answers 500, with the same CreateTime', async () => {
    const openid = (await sb.sim('/users/finish-retry/follow', { appid: OA.appid })).body.openid;
    rx.answer = (p) => (p.fields.Event === 'TEMPLATESENDJOBFINISH' && rx.pushes.filter((x) => x.fields.MsgID === p.fields.MsgID).length < 3 ? { status: 500 } : { status: 200 });
    const r = await send(openid);
    const deadline = Date.now() + 5_000;
    while (rx.pushes.filter((p) => p.fields.MsgID === String(r.msgid)).length < 3 && Date.now() < deadline) await sleep(50);
    const tries = rx.pushes.filter((p) => p.fields.MsgID === String(r.msgid));
    expect(tries).toHaveLength(3);
    expect(new Set(tries.map((t) => t.fields.CreateTime)).size).toBe(1);
    await sleep(600);
    expect(rx.pushes.filter((p) => p.fields.MsgID === String(r.msgid))).toHaveLength(3);
    const { items } = await sb.get('/__sim/messages', { appid: OA.appid, openid });
    expect(items[0].finish).toMatchObject({ attempts: 3, delivered: true, lastStatus: 200 });
  });

  it('pushes subscribe_msg_popup_event and subscribe_msg_sent_event for OA subscription notices', async () => {
    const S = WECHAT_MP_SANDBOX.subscribeTemplateIds[OA.appid];
    const openid = (await sb.sim('/users/popup-user/follow', { appid: OA.appid })).body.openid;
    await sb.sim('/users/popup-user/subscribe', { appid: OA.appid, templateIds: [S.BIRTHDAY] });
    const popup = await rx.waitFor((p) => p.fields.FromUserName === openid && p.fields.Event === 'subscribe_msg_popup_event');
    expect(popup.inner).toContain(`<TemplateId><![CDATA[${S.BIRTHDAY}]]></TemplateId>`);
    expect(popup.inner).toContain('<SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString>');
    const r = await sb.post('/cgi-bin/message/subscribe/bizsend', { touser: openid, template_id: S.BIRTHDAY, data: { thing1: { value: '张三' }, thing2: { value: '双倍积分' }, date3: { value: '2024年11月30日' } } }, { access_token: token });
    expect(r.errcode).toBe(0);
    const sent = await rx.waitFor((p) => p.fields.FromUserName === openid && p.fields.Event === 'subscribe_msg_sent_event');
    expect(sent.inner).toContain(`<MsgID><![CDATA[${r.msgid}]]></MsgID>`);
    expect(sent.inner).toContain('<ErrorStatus><![CDATA[success]]></ErrorStatus>');
  });
});

describe('state survives a restart', () => {
  it('keeps tokens, followers, messages and delivers an event left pending', async () => {
    const store = new MemorySandboxStore();
    const first = await startSandbox({ pollMs: 100 }, store);
    await first.sim(`/accounts/${OA2.appid}/server`, { url: rx.url, token: rx.token, encodingAESKey: rx.encodingAESKey });
    const token = await first.token(OA2.appid, OA2.secret);
    const openid = (await first.sim('/users/durable/follow', { appid: OA2.appid })).body.openid;
    await first.sim('/settings', { finishDelayMs: 1_500 });
    const r = await first.post('/cgi-bin/message/template/send', { touser: openid, template_id: WECHAT_MP_SANDBOX.templateIds[OA2.appid].ORDER_SHIPPED, data: shipped, client_msg_id: 'durable-1' }, { access_token: token });
    expect(r.errcode).toBe(0);
    await first.close();

    const second = await startSandbox({ pollMs: 100 }, store);
    try {
      expect((await second.get('/cgi-bin/user/get', { access_token: token })).data.openid).toEqual([openid]);
      // The retry after the restart is still recognised.
      const retry = await second.post('/cgi-bin/message/template/send', { touser: openid, template_id: WECHAT_MP_SANDBOX.templateIds[OA2.appid].ORDER_SHIPPED, data: shipped, client_msg_id: 'durable-1' }, { access_token: token });
      expect(retry.msgid).toBe(r.msgid);
      const ev = await rx.waitFor((p) => p.fields.MsgID === String(r.msgid), 5_000);
      expect(ev.fields.Status).toBe('success');
      expect((await second.get('/__sim/stats', { appid: OA2.appid })).template).toMatchObject({ accepted: 1, deduped: 1 });
      expect((await second.sim('/settings', undefined, 'GET')).body.finishDelayMs).toBe(1_500);
    } finally {
      await second.close();
    }
  });
});

describe('mini-program', () => {
  it('pushes subscribe_msg_sent_event to the mini-program server when configured', async () => {
    const rx2 = await startReceiver('miniToken', 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210abcdefg');
    try {
      expect((await sb.sim(`/accounts/${MINI.appid}/server`, { url: rx2.url, token: rx2.token, encodingAESKey: rx2.encodingAESKey })).status).toBe(200);
      const S = WECHAT_MP_SANDBOX.subscribeTemplateIds[MINI.appid];
      const { body } = await sb.sim('/users/mini-event/subscribe', { appid: MINI.appid, templateIds: [S.FLASH_SALE_START] });
      const token = await sb.token(MINI.appid, MINI.secret);
      const r = await sb.post('/cgi-bin/message/subscribe/send', { touser: body.openid, template_id: S.FLASH_SALE_START, data: { thing1: { value: '整点秒杀' }, thing2: { value: '保温杯' }, amount3: { value: '¥39.90' }, time4: { value: '20:00' } } }, { access_token: token });
      expect(r.errcode).toBe(0);
      const ev = await rx2.waitFor((p) => p.fields.Event === 'subscribe_msg_sent_event');
      expect(ev.fields).toMatchObject({ ToUserName: MINI.ghId, FromUserName: body.openid, MsgType: 'event' });
      expect(ev.appid).toBe(MINI.appid);
      expect(rx2.problems).toEqual([]);
    } finally {
      await sb.sim(`/accounts/${MINI.appid}/server`, undefined, 'DELETE');
      await rx2.close();
    }
  });
});
