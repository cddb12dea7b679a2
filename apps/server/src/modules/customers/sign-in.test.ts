import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, customerHelpers, newPhone, sleep } from './test-helpers.js';

let t: TestApp;
let h: ReturnType<typeof customerHelpers>;
beforeAll(async () => {
  // Requests come "from" many client addresses through the loopback proxy, so per-IP caps bite only where meant.
  t = await startTestApp({ SMS_RESEND_SECONDS: '1', SMS_MAX_ATTEMPTS: '3', SMS_DAILY_LIMIT: '2', SMS_IP_HOURLY_LIMIT: '3', TRUST_PROXY: 'loopback' });
  h = customerHelpers(t);
});
afterAll(() => t?.close());

describe('sign-in with phone and SMS code', () => {
  it('sends a real SMS to the sandbox, signs in, and registers the customer once', async () => {
    const { slug } = await t.createShop();
    const phone = newPhone();
    const sent = await h.requestCode(slug, phone);
    expect(sent.body).toEqual({ resendAfterSeconds: 1, expiresInSeconds: 300 });
    const inbox = await t.call('GET', `/sandbox/sms/messages?phone=${phone}`);
    expect(inbox.body.items).toHaveLength(1);
    expect(inbox.body.items[0].text).toMatch(/^【思域商城】您的验证码为\d{6},5分钟内有效。如非本人操作,请忽略。$/);
    const page = await fetch(`${t.url}/sandbox/sms/inbox?phone=${phone}`);
    expect(await page.text()).toContain(inbox.body.items[0].text);

    const first = await t.call('POST', `/api/store/${slug}/auth/sign-in/sms`, { body: { phone, code: await h.inboxCode(phone) } });
    expect(first.status).toBe(200);
    expect(first.body.customer).toMatchObject({ phone, wechatBound: false });
    const me = await t.call('GET', `/api/store/${slug}/me`, { headers: bearer(first.body.token) });
    expect(me.body).toMatchObject({ id: first.body.customer.id, phone });

    await sleep(1100);
    const again = await h.smsSignIn(slug, phone);
    expect(again.customer.id).toBe(first.body.customer.id);
    const registered = (await h.events('customer.registered')).filter((e) => e.customerId === first.body.customer.id);
    expect(registered).toEqual([{ customerId: first.body.customer.id, source: 'sms' }]);

    const out = await t.call('POST', `/api/store/${slug}/auth/sign-out`, { headers: bearer(first.body.token) });
    expect(out.status).toBe(200);
    expect((await t.call('GET', `/api/store/${slug}/me`, { headers: bearer(first.body.token) })).body.error.code).toBe('SESSION_EXPIRED');
    expect((await t.call('GET', `/api/store/${slug}/me`, { headers: bearer(again.token) })).status).toBe(200);
  });

  it('refuses a resend inside the interval, and caps codes per phone per day and per IP', async () => {
    const { slug } = await t.createShop();
    const phone = newPhone();
    expect((await h.requestCode(slug, phone)).status).toBe(200);
    const soon = await h.requestCode(slug, phone);
    expect(soon.status).toBe(429);
    expect(soon.body.error).toMatchObject({ code: 'SMS_TOO_FREQUENT', details: { field: 'phone', retryAfterSeconds: 1 } });
    expect(soon.headers.get('retry-after')).toBe('1');
    expect((await t.call('GET', `/sandbox/sms/messages?phone=${phone}`)).body.items).toHaveLength(1);

    await sleep(1100);
    expect((await h.requestCode(slug, phone)).status).toBe(200);
    await sleep(1100);
    const third = await h.requestCode(slug, phone);
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('SMS_DAILY_LIMIT');

    const ip = '192.0.2.77';
    for (let i = 0; i < 3; i++) expect((await h.requestCode(slug, newPhone(), 'sign_in', ip)).status).toBe(200);
    const capped = await h.requestCode(slug, newPhone(), 'sign_in', ip);
    expect(capped.status).toBe(429);
    expect(capped.body.error.code).toBe('RATE_LIMITED');
  });

  it('counts wrong codes and locks the code after SMS_MAX_ATTEMPTS', async () => {
    const { slug } = await t.createShop();
    const phone = newPhone();
    await h.requestCode(slug, phone);
    const right = await h.inboxCode(phone);
    const wrong = right === '000000' ? '111111' : '000000';
    const signIn = (code: string) => t.call('POST', `/api/store/${slug}/auth/sign-in/sms`, { body: { phone, code } });
    const one = await signIn(wrong);
    expect(one.status).toBe(400);
    expect(one.body.error).toMatchObject({ code: 'SMS_CODE_INVALID', details: { field: 'code', attemptsLeft: 2 } });
    expect((await signIn(wrong)).body.error.details.attemptsLeft).toBe(1);
    const locked = await signIn(wrong);
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('SMS_TOO_MANY_ATTEMPTS');
    // Even the right code no longer works; a new code does.
    expect((await signIn(right)).body.error.code).toBe('SMS_TOO_MANY_ATTEMPTS');
    await sleep(1100);
    expect((await h.smsSignIn(slug, phone)).customer.phone).toBe(phone);
  });

  it('refuses an expired code', async () => {
    const { slug } = await t.createShop();
    const phone = newPhone();
    await h.requestCode(slug, phone);
    const code = await h.inboxCode(phone);
    const realNow = t.platform.now;
    t.platform.now = () => new Date(Date.now() + 301_000);
    try {
      const res = await t.call('POST', `/api/store/${slug}/auth/sign-in/sms`, { body: { phone, code } });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'SMS_CODE_EXPIRED', details: { field: 'code' } });
    } finally {
      t.platform.now = realNow;
    }
  });

  it('accepts a code once, even when two sign-ins race with it', async () => {
    const { slug } = await t.createShop();
    const phone = newPhone();
    await h.requestCode(slug, phone);
    const code = await h.inboxCode(phone);
    const both = await Promise.all([0, 1].map(() => t.call('POST', `/api/store/${slug}/auth/sign-in/sms`, { body: { phone, code } })));
    expect(both.map((r) => r.status).sort()).toEqual([200, 400]);
    const reuse = await t.call('POST', `/api/store/${slug}/auth/sign-in/sms`, { body: { phone, code } });
    expect(reuse.body.error.code).toBe('SMS_CODE_INVALID');
  });

  it('creates exactly one customer when sign-ins for a new phone run in parallel', async () => {
    const { shopId } = await t.createShop();
    const phone = newPhone();
    const s = t.services.customers;
    const results = await Promise.all(
      Array.from({ length: 6 }, () => t.platform.database.transaction((tx) => s.findOrCreateByPhone(tx, shopId, phone))),
    );
    expect(new Set(results.map((r) => r.customer.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const ids = await s.findIdsByPhone(shopId, phone);
    expect(ids).toEqual([results[0].customer.id]);
    expect((await h.events('customer.registered')).filter((e) => e.customerId === ids[0])).toHaveLength(1);
  });
});

describe('sign-in with WeChat web authorization', () => {
  it('walks the consent page with snsapi_userinfo and signs in with the profile', async () => {
    const { slug } = await t.createShop();
    const got = await t.call('GET', `/api/store/${slug}/auth/wechat/authorize-url?scope=snsapi_userinfo&redirect=${encodeURIComponent('https://shop.example.com/login/callback')}`);
    expect(got.status).toBe(200);
    const url = new URL(got.body.url);
    expect(url.hash).toBe('#wechat_redirect');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ appid: 'wxsandbox000000001', response_type: 'code', scope: 'snsapi_userinfo', state: got.body.state });

    url.hash = '';
    const page = await fetch(url);
    const html = await page.text();
    expect(html).toContain('允许');
    expect(html).toContain('张三');
    const form = new URLSearchParams({ ...Object.fromEntries(url.searchParams), user: 'zhangsan', decision: 'allow' });
    const consent = await fetch(url.origin + url.pathname, { method: 'POST', body: form, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(consent.status).toBe(302);
    const back = new URL(consent.headers.get('location')!);
    expect(back.origin + back.pathname).toBe('https://shop.example.com/login/callback');
    expect(back.searchParams.get('state')).toBe(got.body.state);

    const cookie = got.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    expect(got.headers.getSetCookie()[0]).toMatch(new RegExp(`^siyu_wx_state=.+; Max-Age=600; Path=/api/store/${slug}/auth; HttpOnly; SameSite=Lax$`));
    const signIn = await t.call('POST', `/api/store/${slug}/auth/sign-in/wechat`, { body: { code: back.searchParams.get('code'), state: got.body.state }, headers: { cookie } });
    expect(signIn.status).toBe(200);
    expect(signIn.body.customer).toMatchObject({ nickname: '张三', gender: 'male', phone: null, wechatBound: true });
    expect(signIn.body.customer.avatarUrl).toMatch(/\/sandbox\/wechat\/avatar\/zhangsan\.svg$/);

    // A code works once at WeChat, and a state once here.
    const reused = await h.wechatPost(slug, back.searchParams.get('code')!, await h.wechatStart(slug));
    expect(reused.body.error.code).toBe('WECHAT_CODE_INVALID');
    const restate = await t.call('POST', `/api/store/${slug}/auth/sign-in/wechat`, { body: { code: (await h.wechatCode({ key: 'zhangsan' })).code, state: got.body.state }, headers: { cookie } });
    expect(restate.body.error.code).toBe('WECHAT_STATE_INVALID');

    // Refusing returns to the site with the state only.
    const deny = await fetch(url.origin + url.pathname, { method: 'POST', body: new URLSearchParams({ ...Object.fromEntries(url.searchParams), user: 'zhangsan', decision: 'deny' }), redirect: 'manual' });
    expect(new URL(deny.headers.get('location')!).searchParams.has('code')).toBe(false);
  });

  it('signs in silently with snsapi_base, and the same person later with userinfo is the same customer', async () => {
    const { slug } = await t.createShop();
    const key = `base-${newPhone()}`;
    const base = await h.wechatSignIn(slug, { key, nickname: '小明' }, 'snsapi_base');
    expect(base.customer).toMatchObject({ nickname: null, wechatBound: true });
    const full = await h.wechatSignIn(slug, { key, nickname: '小明' }, 'snsapi_userinfo');
    expect(full.customer.id).toBe(base.customer.id);
    expect(full.customer.nickname).toBe('小明');
    expect((await h.events('customer.registered')).filter((e) => e.customerId === base.customer.id)).toEqual([{ customerId: base.customer.id, source: 'wechat' }]);
  });

  it('maps the same unionid under another official account to the same customer', async () => {
    const { slug, shopId, owner } = await t.createShop();
    const key = `union-${newPhone()}`;
    const first = await h.wechatSignIn(slug, { key, nickname: '跨号' });
    await t.services.tenancy.updateShop(owner.actor, { settings: { wechat: { appId: 'wxsandbox000000002', appSecret: 'sandbox-app-secret-2' } } });
    const start = await h.wechatStart(slug, 'snsapi_base');
    expect(start.appId).toBe('wxsandbox000000002');
    const { code, openid } = await h.wechatCode({ key }, 'snsapi_base', 'wxsandbox000000002');
    const second = await h.wechatPost(slug, code, start);
    expect(second.status).toBe(200);
    expect(second.body.customer.id).toBe(first.customer.id);
    expect(await t.services.customers.wechatOpenid(shopId, first.customer.id, 'wxsandbox000000002')).toBe(openid);
    const detail = await t.call('GET', `/api/admin/customers/${first.customer.id}`, { session: owner });
    expect(detail.body.identities.map((i: any) => i.appId).sort()).toEqual(['wxsandbox000000001', 'wxsandbox000000002']);
    expect(new Set(detail.body.identities.map((i: any) => i.unionid)).size).toBe(1);
  });

  it('creates one customer when the first WeChat sign-ins of a person race', async () => {
    const { slug } = await t.createShop();
    const key = `race-${newPhone()}`;
    const starts = await Promise.all([1, 2, 3].map(() => h.wechatStart(slug, 'snsapi_base')));
    const codes = await Promise.all(starts.map(() => h.wechatCode({ key }, 'snsapi_base')));
    const res = await Promise.all(codes.map(({ code }, i) => h.wechatPost(slug, code, starts[i])));
    expect(res.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(new Set(res.map((r) => r.body.customer.id)).size).toBe(1);
  });
});

describe('account takeover through a planted WeChat sign-in', () => {
  it('refuses a sign-in without the state, or with a state issued to another browser', async () => {
    const { slug } = await t.createShop();
    const attacker = { key: `attacker-${newPhone()}`, nickname: '攻击者' };
    const noState = await t.call('POST', `/api/store/${slug}/auth/sign-in/wechat`, { body: { code: (await h.wechatCode(attacker)).code } });
    expect(noState.status).toBe(400);
    expect(noState.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'state' } });

    // The attacker starts a sign-in in their own browser and plants code + state in the victim's browser.
    const attackersStart = await h.wechatStart(slug);
    const code = (await h.wechatCode(attacker)).code;
    const planted = await t.call('POST', `/api/store/${slug}/auth/sign-in/wechat`, { body: { code, state: attackersStart.state } });
    expect(planted.body.error.code).toBe('WECHAT_STATE_INVALID');
    const victimsStart = await h.wechatStart(slug);
    const mixed = await t.call('POST', `/api/store/${slug}/auth/sign-in/wechat`, { body: { code, state: attackersStart.state }, headers: { cookie: victimsStart.cookie } });
    expect(mixed.body.error.code).toBe('WECHAT_STATE_INVALID');
    // Another shop's state is no good here either.
    const other = await t.createShop();
    const foreign = await h.wechatStart(other.slug);
    expect((await h.wechatPost(slug, code, foreign)).body.error.code).toBe('WECHAT_STATE_INVALID');
  });

  it('the takeover chain is refused: the attacker’s WeChat never becomes the owner of the victim’s account without the victim’s SMS code', async () => {
    const { slug, owner } = await t.createShop();
    const victim = await h.smsSignIn(slug);
    const attacker = await h.wechatSignIn(slug, { key: `chain-${newPhone()}`, nickname: '攻击者' });
    const bind = (code: string) => t.call('POST', `/api/store/${slug}/me/bind-phone`, { headers: bearer(attacker.token), body: { phone: victim.phone, code } });

    expect((await t.call('POST', `/api/store/${slug}/me/bind-phone`, { headers: bearer(attacker.token), body: { phone: victim.phone } })).status).toBe(400);
    expect((await bind('000000')).body.error.code).toBe('SMS_CODE_INVALID');
    // A code the attacker received on their own phone does not open someone else's number.
    const own = newPhone();
    await h.requestCode(slug, own, 'bind');
    expect((await bind(await h.inboxCode(own))).body.error.code).toBe('SMS_CODE_INVALID');
    // Guessing is capped: the right code after too many wrong ones is refused as well.
    await sleep(1100);
    expect((await h.requestCode(slug, victim.phone, 'bind')).status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await bind(String(100000 + i))).status);
    expect(statuses.at(-1)).toBe(429);
    expect((await bind(await h.inboxCode(victim.phone))).status).toBe(429);

    const detail = await t.call('GET', `/api/admin/customers/${victim.customer.id}`, { session: owner });
    expect(detail.body).toMatchObject({ phone: victim.phone, mergedInto: null, identities: [] });
    expect((await t.call('GET', `/api/store/${slug}/me`, { headers: bearer(victim.token) })).body.id).toBe(victim.customer.id);
    expect((await t.call('GET', `/api/store/${slug}/me`, { headers: bearer(attacker.token) })).body).toMatchObject({ id: attacker.customer.id, phone: null });
  });
});

describe('one person, one customer', () => {
  it('binding a phone that another customer has merges into the older customer', async () => {
    const { slug, owner } = await t.createShop();
    const phoneCustomer = await h.smsSignIn(slug);
    const wx = await h.wechatSignIn(slug, { key: `merge-${newPhone()}`, nickname: '合并者' });
    const addr = { contactName: '王五', phone: newPhone(), province: '广东省', city: '深圳市', district: '南山区', detail: '科技园 1 号' };
    expect((await t.call('POST', `/api/store/${slug}/me/addresses`, { headers: bearer(wx.token), body: addr })).status).toBe(201);

    await sleep(1100);
    expect((await h.requestCode(slug, phoneCustomer.phone, 'bind')).status).toBe(200);
    const bound = await t.call('POST', `/api/store/${slug}/me/bind-phone`, { headers: bearer(wx.token), body: { phone: phoneCustomer.phone, code: await h.inboxCode(phoneCustomer.phone) } });
    expect(bound.status).toBe(200);
    expect(bound.body).toMatchObject({ merged: true, customer: { id: phoneCustomer.customer.id, phone: phoneCustomer.phone, nickname: '合并者', wechatBound: true } });
    expect(bound.body.token).not.toBe(wx.token);

    // The merged customer's sessions end; the survivor's new token works and owns the moved address.
    expect((await t.call('GET', `/api/store/${slug}/me`, { headers: bearer(wx.token) })).status).toBe(401);
    const addresses = await t.call('GET', `/api/store/${slug}/me/addresses`, { headers: bearer(bound.body.token) });
    expect(addresses.body.items).toHaveLength(1);
    expect(addresses.body.items[0].isDefault).toBe(true);
    expect((await h.events('customer.merged')).filter((e) => e.intoCustomerId === phoneCustomer.customer.id)).toEqual([
      { fromCustomerId: wx.customer.id, intoCustomerId: phoneCustomer.customer.id },
    ]);
    const gone = await t.call('GET', `/api/admin/customers/${wx.customer.id}`, { session: owner });
    expect(gone.body).toMatchObject({ mergedInto: phoneCustomer.customer.id, phone: null, identities: [] });
    const list = await t.call('GET', '/api/admin/customers', { session: owner });
    expect(list.body.items.map((c: any) => c.id)).toEqual([phoneCustomer.customer.id]);
  });

  it('binding a free phone just sets it, and a second bind is refused', async () => {
    const { slug } = await t.createShop();
    const wx = await h.wechatSignIn(slug, { key: `free-${newPhone()}` });
    const phone = newPhone();
    // A sign-in code is not a bind code.
    await h.requestCode(slug, phone, 'sign_in');
    const wrongPurpose = await t.call('POST', `/api/store/${slug}/me/bind-phone`, { headers: bearer(wx.token), body: { phone, code: await h.inboxCode(phone) } });
    expect(wrongPurpose.body.error.code).toBe('SMS_CODE_INVALID');
    await sleep(1100);
    await h.requestCode(slug, phone, 'bind');
    const res = await t.call('POST', `/api/store/${slug}/me/bind-phone`, { headers: bearer(wx.token), body: { phone, code: await h.inboxCode(phone) } });
    expect(res.body).toMatchObject({ merged: false, token: wx.token, customer: { id: wx.customer.id, phone } });
    const other = newPhone();
    await h.requestCode(slug, other, 'bind');
    const again = await t.call('POST', `/api/store/${slug}/me/bind-phone`, { headers: bearer(wx.token), body: { phone: other, code: await h.inboxCode(other) } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('PHONE_ALREADY_BOUND');
  });
});
