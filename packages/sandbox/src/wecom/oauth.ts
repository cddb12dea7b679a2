import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Route } from './api.js';
import type { WecomCore } from './core.js';
import { simNow } from './core.js';
import { WxError } from './errors.js';
import { WECOM_SANDBOX, staffOf } from './state.js';

/** WeCom's OAuth2 codes live 5 minutes. */
const CODE_TTL_MS = 5 * 60_000;

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Codes are signed rather than stored, so every sandbox process accepts the codes of the others without
 * a change to the corp's state; the key is the sandbox's (public) app secret, which is enough for a
 * simulator. Unlike WeCom's, a code can be exchanged more than once within its 5 minutes.
 */
const sign = (payload: string) => createHmac('sha256', `oauth:${WECOM_SANDBOX.agentSecret}`).update(payload).digest('base64url');

export function issueCode(corpId: string, userid: string, now: number) {
  const payload = Buffer.from(JSON.stringify({ c: corpId, u: userid, e: now + CODE_TTL_MS, n: randomBytes(6).toString('hex') })).toString('base64url');
  return `${payload}.${sign(payload)}`;
}

function readCode(code: unknown): { c: string; u: string; e: number } | null {
  if (typeof code !== 'string') return null;
  const [payload, mac] = code.split('.');
  if (!payload || !mac) return null;
  const want = Buffer.from(sign(payload));
  const got = Buffer.from(mac);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString()) as { c: string; u: string; e: number };
  } catch {
    return null;
  }
}

/**
 * WeCom's web OAuth2 for a self-built app (网页授权登录), as published:
 *
 *   GET https://open.weixin.qq.com/connect/oauth2/authorize?appid=CORPID&redirect_uri=…&response_type=code&scope=snsapi_base&state=…&agentid=…#wechat_redirect
 *       → 302 to redirect_uri?code=CODE&state=STATE (inside the WeCom app the member is known; here they
 *         pick themselves on a page, or a test names them with &userid=)
 *   GET /cgi-bin/auth/getuserinfo?access_token&code → {userid} for a member; 40029 invalid code, 42003 expired
 *
 * In the sandbox the authorize page lives under this plugin's base instead of open.weixin.qq.com.
 */
export function oauthApi(app: FastifyInstance, core: WecomCore, route: Route) {
  app.get('/connect/oauth2/authorize', { schema: { hide: true } }, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const s = q.appid ? await core.corp(q.appid) : undefined;
    if (!s) return reply.code(400).type('text/plain; charset=utf-8').send('appid 无效(40013)');
    if (q.response_type !== 'code' || !q.redirect_uri) return reply.code(400).type('text/plain; charset=utf-8').send('参数错误:response_type=code 与 redirect_uri 必填');
    let target: URL;
    try {
      target = new URL(q.redirect_uri);
    } catch {
      return reply.code(400).type('text/plain; charset=utf-8').send('redirect_uri 无效');
    }
    const member = staffOf(s, q.userid);
    if (member && member.status === 1) {
      target.searchParams.set('code', issueCode(s.corpId, member.userid, simNow(s)));
      if (q.state !== undefined) target.searchParams.set('state', q.state);
      return reply.redirect(target.toString(), 302);
    }
    const self = new URL(req.url, 'http://x');
    const links = s.staff
      .filter((x) => x.status === 1)
      .map((x) => {
        self.searchParams.set('userid', x.userid);
        return `<li><a href="${esc(`authorize${self.search}`)}">${esc(x.name)}</a> <span class="meta">${esc(x.position)}</span></li>`;
      })
      .join('');
    return reply
      .type('text/html; charset=utf-8')
      .send(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><title>企业微信授权 · Siyu 沙箱</title>
<style>body{font-family:-apple-system,"PingFang SC",sans-serif;max-width:420px;margin:2rem auto;padding:0 1rem}li{margin:.6rem 0}.meta{color:#555;font-size:.8rem}a{color:#2b6fd6}</style></head>
<body><h1>企业微信授权</h1><p>${esc(s.name)}:在企业微信里打开时成员身份是已知的;沙箱里请选择以哪位成员打开。</p><ul>${links}</ul></body></html>`);
  });

  route(['GET'], '/cgi-bin/auth/getuserinfo', ({ s, ctx, query }) => {
    const c = readCode(query.code);
    if (!c || c.c !== s.corpId) throw new WxError(40029, 'invalid code');
    if (c.e < ctx.now) throw new WxError(42003, 'code expired');
    const member = staffOf(s, c.u);
    if (!member || member.status !== 1) throw new WxError(40029, 'invalid code');
    return { userid: member.userid, user_ticket: '' };
  });
}
