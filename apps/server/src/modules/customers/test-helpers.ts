import { randomInt } from 'node:crypto';
import { expect } from 'vitest';
import type { TestApp } from '../../testing/harness.js';

export const newPhone = () => `13${randomInt(3, 10)}${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
/** Each request gets its own client address so the per-IP cap only bites where a test wants it to. */
export const randomIp = () => `10.${randomInt(0, 256)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function customerHelpers(t: TestApp) {
  const requestCode = (slug: string, phone: string, purpose: 'sign_in' | 'bind' = 'sign_in', ip = randomIp()) =>
    t.call('POST', `/api/store/${slug}/auth/sms-code`, { body: { phone, purpose }, headers: { 'x-forwarded-for': ip } });

  /** Reads the newest code sent to the phone from the sandbox inbox, as a demo user would. */
  const inboxCode = async (phone: string) => {
    const res = await t.call('GET', `/sandbox/sms/messages?phone=${phone}`);
    const m = /验证码为(\d{6})/.exec(res.body.items[0]?.text ?? '');
    if (!m) throw new Error(`no code in inbox for ${phone}: ${JSON.stringify(res.body)}`);
    return m[1];
  };

  const smsSignIn = async (slug: string, phone = newPhone()) => {
    const sent = await requestCode(slug, phone);
    expect(sent.status).toBe(200);
    const res = await t.call('POST', `/api/store/${slug}/auth/sign-in/sms`, { body: { phone, code: await inboxCode(phone) } });
    expect(res.status).toBe(200);
    return { token: res.body.token as string, customer: res.body.customer, phone };
  };

  /** The sandbox's test hook stands in for the user tapping "允许" on the consent page. */
  const wechatCode = async (user: { key: string; nickname?: string }, scope: 'snsapi_base' | 'snsapi_userinfo' = 'snsapi_userinfo', appid = 'wxsandbox000000001') => {
    const res = await t.call('POST', '/sandbox/wechat/sandbox/authorize', { body: { appid, scope, user } });
    expect(res.status).toBe(200);
    return res.body as { code: string; openid: string; unionid: string };
  };

  /** What the storefront does first: asks for the authorize URL; the state is bound to this "browser" by its cookie. */
  const wechatStart = async (slug: string, scope: 'snsapi_base' | 'snsapi_userinfo' = 'snsapi_userinfo') => {
    const res = await t.call('GET', `/api/store/${slug}/auth/wechat/authorize-url?scope=${scope}&redirect=${encodeURIComponent('https://shop.example.com/login/callback')}`);
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    return { state: res.body.state as string, appId: res.body.appId as string, cookie };
  };

  const wechatPost = (slug: string, code: string, start: { state: string; cookie: string }) =>
    t.call('POST', `/api/store/${slug}/auth/sign-in/wechat`, { body: { code, state: start.state }, headers: { cookie: start.cookie } });

  const wechatSignIn = async (slug: string, user: { key: string; nickname?: string }, scope: 'snsapi_base' | 'snsapi_userinfo' = 'snsapi_userinfo', appid?: string) => {
    const start = await wechatStart(slug, scope);
    const { code } = await wechatCode(user, scope, appid ?? start.appId);
    const res = await wechatPost(slug, code, start);
    expect(res.status).toBe(200);
    return { token: res.body.token as string, customer: res.body.customer };
  };

  const events = async (type: string) => {
    const res = (await t.platform.db.execute(
      (await import('drizzle-orm')).sql`SELECT payload FROM outbox_events WHERE type = ${type} ORDER BY id`,
    )) as unknown as { rows: { payload: Record<string, unknown> }[] };
    return res.rows.map((r) => r.payload);
  };

  return { requestCode, inboxCode, smsSignIn, wechatCode, wechatStart, wechatPost, wechatSignIn, events };
}
