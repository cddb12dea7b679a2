import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WECOM_SANDBOX } from './state.js';
import { startSandbox, type Sandbox } from './test-support.js';

/** WeCom's web OAuth2 for the app, as the sidebar uses it: authorize → code → getuserinfo. */
let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb?.close());

const authorize = (corp: string, extra: Record<string, string> = {}) => {
  const q = new URLSearchParams({ appid: corp, redirect_uri: 'https://shop.example.com/s/demo/wecom/sidebar?x=1', response_type: 'code', scope: 'snsapi_base', state: 'st', agentid: String(WECOM_SANDBOX.agentId), ...extra });
  return fetch(`${sb.base}/connect/oauth2/authorize?${q}`, { redirect: 'manual' });
};

describe('OAuth2 for the app', () => {
  it('redirects back with a code and state; getuserinfo names the member', async () => {
    const corp = await sb.newCorp();
    const res = await authorize(corp, { userid: 'lisi' });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    expect(back.origin + back.pathname).toBe('https://shop.example.com/s/demo/wecom/sidebar');
    expect(back.searchParams.get('x')).toBe('1');
    expect(back.searchParams.get('state')).toBe('st');
    const token = await sb.token(corp, WECOM_SANDBOX.agentSecret);
    const who = await sb.get('/cgi-bin/auth/getuserinfo', { access_token: token, code: back.searchParams.get('code')! });
    expect(who).toMatchObject({ errcode: 0, userid: 'lisi' });
  });

  it('shows a member picker without a userid, and refuses an unknown corp', async () => {
    const corp = await sb.newCorp();
    const page = await authorize(corp);
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const s of WECOM_SANDBOX.staff) expect(html).toContain(s.name);
    expect((await authorize('wwnosuchcorp000')).status).toBe(400);
  });

  it('refuses a forged code, another corp’s code, an expired one (5 min) and one of a member who left', async () => {
    const corp = await sb.newCorp();
    const other = await sb.newCorp();
    const token = await sb.token(corp, WECOM_SANDBOX.agentSecret);
    const codeOf = async (c: string, userid: string) => new URL((await authorize(c, { userid })).headers.get('location')!).searchParams.get('code')!;
    expect(await sb.get('/cgi-bin/auth/getuserinfo', { access_token: token, code: 'forged.code' })).toMatchObject({ errcode: 40029 });
    expect(await sb.get('/cgi-bin/auth/getuserinfo', { access_token: token, code: await codeOf(other, 'zhangsan') })).toMatchObject({ errcode: 40029 });

    const leaving = await codeOf(corp, 'wangwu');
    expect((await sb.sim(`/corps/${corp}/staff/wangwu/leave`, {})).status).toBe(200);
    expect(await sb.get('/cgi-bin/auth/getuserinfo', { access_token: token, code: leaving })).toMatchObject({ errcode: 40029 });

    const late = await codeOf(corp, 'zhangsan');
    expect((await sb.sim(`/corps/${corp}/clock`, { advanceMs: 6 * 60_000 })).status).toBe(200);
    expect(await sb.get('/cgi-bin/auth/getuserinfo', { access_token: token, code: late })).toMatchObject({ errcode: 42003 });
  });
});
