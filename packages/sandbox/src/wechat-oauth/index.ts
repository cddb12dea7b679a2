import { createHash, randomBytes } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { MemorySandboxStore, type SandboxStore } from '../store.js';

/**
 * Simulator of WeChat official-account web authorization (网页授权), as published:
 *   GET  /connect/oauth2/authorize        the consent page (open.weixin.qq.com)
 *   GET  /sns/oauth2/access_token         code → access_token + openid (+ unionid)
 *   GET  /sns/oauth2/refresh_token
 *   GET  /sns/userinfo                    needs a snsapi_userinfo token (else 48001)
 *   GET  /sns/auth                        checks a token
 *
 * Sandbox apps (both bound to the same open platform, so one person has one unionid across them):
 *   appid `wxsandbox000000001`, secret `sandbox-app-secret`
 *   appid `wxsandbox000000002`, secret `sandbox-app-secret-2`
 * Test hook: `POST /sandbox/authorize {appid, scope, user:{key, nickname}}` → `{code}` skips the page.
 */
export const WECHAT_SANDBOX_APPS: Record<string, string> = {
  wxsandbox000000001: 'sandbox-app-secret',
  wxsandbox000000002: 'sandbox-app-secret-2',
};

const CODE_TTL_MS = 5 * 60_000;
const TOKEN_TTL_S = 7200;
const REFRESH_TTL_MS = 30 * 24 * 3600_000;
const SCOPES = ['snsapi_base', 'snsapi_userinfo'] as const;
type Scope = (typeof SCOPES)[number];

interface Person {
  key: string;
  nickname: string;
  sex: 0 | 1 | 2;
  province: string;
  city: string;
}

interface Grant {
  appid: string;
  key: string;
  scope: Scope;
  expiresAt: number;
}

const PRESET: Person[] = [
  { key: 'zhangsan', nickname: '张三', sex: 1, province: '广东', city: '深圳' },
  { key: 'lisi', nickname: '李四', sex: 2, province: '浙江', city: '杭州' },
  { key: 'wangwu', nickname: '王五', sex: 1, province: '上海', city: '上海' },
];

const digest = (s: string) => createHash('sha256').update(s).digest('base64url');
/** Openid is per (app, person); deterministic so the same test user keeps it across restarts. */
export const openidOf = (appid: string, key: string) => `o${digest(`openid:${appid}:${key}`).slice(0, 27)}`;
/** Unionid is per person across every app of the open platform. */
export const unionidOf = (key: string) => `o${digest(`unionid:${key}`).slice(0, 27)}`;
const token = (n = 32) => randomBytes(n).toString('base64url');

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const err = (errcode: number, errmsg: string) => ({ errcode, errmsg });

const PERSON = 'wechat.person';
const CODE = 'wechat.code';
const ACCESS_TOKEN = 'wechat.access-token';
const REFRESH_TOKEN = 'wechat.refresh-token';
/** Expired grants are swept at most this often (on the next code issued). */
const SWEEP_EVERY_MS = 60_000;

export const wechatOAuthSandbox: FastifyPluginAsync<{ baseUrl(): string; store?: SandboxStore }> = async (app, opts) => {
  const store = opts.store ?? new MemorySandboxStore();
  let lastSweep = 0;

  /** The preset people exist without being stored; a stored record (a changed nickname) wins. */
  const person = async (key: string): Promise<Person | undefined> => (await store.get<Person>(PERSON, key)) ?? PRESET.find((p) => p.key === key);

  const everyone = async (): Promise<Person[]> => {
    const stored = (await store.list<Person>(PERSON)).reverse();
    return [...PRESET.filter((p) => !stored.some((s) => s.key === p.key)), ...stored];
  };

  const personFor = async (key: string, nickname?: string): Promise<Person> => {
    const preset = PRESET.find((p) => p.key === key);
    return (await store.update<Person>(PERSON, key, (cur) => {
      const existing = cur ?? preset;
      if (existing) return nickname && nickname !== existing.nickname ? { value: { ...existing, nickname } } : undefined;
      return { value: { key, nickname: nickname || `微信用户${key.slice(0, 6)}`, sex: 0, province: '', city: '' } };
    })) ?? preset!;
  };

  const issueCode = async (appid: string, scope: Scope, key: string) => {
    if (Date.now() - lastSweep > SWEEP_EVERY_MS) {
      lastSweep = Date.now();
      await store.purgeExpired(new Date());
    }
    const code = token(24);
    const expiresAt = Date.now() + CODE_TTL_MS;
    // Kept past its expiry for a while, so a late exchange is told "invalid code" rather than nothing.
    await store.put<Grant & { used: boolean }>(CODE, code, { appid, key, scope, expiresAt, used: false }, { expiresAt: new Date(expiresAt + CODE_TTL_MS) });
    return code;
  };

  const grantToken = async (kind: string, grant: Grant) => {
    const t = token();
    await store.put<Grant>(kind, t, grant, { expiresAt: new Date(grant.expiresAt) });
    return t;
  };

  const redirectWith = (reply: FastifyReply, redirectUri: string, params: Record<string, string>) => {
    const url = new URL(redirectUri);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return reply.redirect(url.toString(), 302);
  };

  const errorPage = (reply: FastifyReply, errcode: number, msg: string) => {
    reply.status(200).type('text/html; charset=utf-8');
    return page('授权失败', `<p style="color:#c00">${errcode} ${escapeHtml(msg)}</p>`);
  };

  type AuthorizeQuery = { appid?: string; redirect_uri?: string; response_type?: string; scope?: string; state?: string };
  /** The same checks WeChat makes before it shows the page, with its error numbers. */
  const checkAuthorize = (q: AuthorizeQuery): { errcode: number; msg: string } | null => {
    if (!q.appid) return { errcode: 10012, msg: 'appid 不能为空' };
    if (!WECHAT_SANDBOX_APPS[q.appid]) return { errcode: 10016, msg: 'appid 无效' };
    if (!q.redirect_uri) return { errcode: 10011, msg: 'redirect_uri 不能为空' };
    try {
      const u = new URL(q.redirect_uri);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    } catch {
      return { errcode: 10003, msg: 'redirect_uri 参数错误' };
    }
    if (q.response_type !== 'code') return { errcode: 10006, msg: 'response_type 必须为 code' };
    if (!q.scope) return { errcode: 10010, msg: 'scope 不能为空' };
    if (!SCOPES.includes(q.scope as Scope)) return { errcode: 10005, msg: '此公众号并没有这些 scope 的权限' };
    return null;
  };

  app.get('/', { schema: { hide: true } }, async (_req, reply) => {
    reply.type('text/html; charset=utf-8');
    const apps = Object.keys(WECHAT_SANDBOX_APPS).map((a) => `<li><code>${a}</code> / <code>${escapeHtml(WECHAT_SANDBOX_APPS[a])}</code></li>`).join('');
    const users = (await everyone()).map((p) => `<li>${escapeHtml(p.nickname)} (<code>${escapeHtml(p.key)}</code>)</li>`).join('');
    return page('微信网页授权沙箱', `<p>模拟微信公众号网页授权(snsapi_base / snsapi_userinfo)。</p><h2>测试公众号</h2><ul>${apps}</ul><h2>测试微信用户</h2><ul>${users}</ul>`);
  });

  app.get('/connect/oauth2/authorize', { schema: { hide: true } }, async (req, reply) => {
    const q = req.query as AuthorizeQuery;
    const bad = checkAuthorize(q);
    if (bad) return errorPage(reply, bad.errcode, bad.msg);
    // snsapi_base is silent in WeChat: the browser already is a known WeChat user, so no page is shown.
    const remembered = parseCookie(req.headers.cookie, 'sandbox_wechat_user');
    if (q.scope === 'snsapi_base' && remembered && (await person(remembered))) {
      return redirectWith(reply, q.redirect_uri!, { code: await issueCode(q.appid!, 'snsapi_base', remembered), state: q.state ?? '' });
    }
    const hidden = (['appid', 'redirect_uri', 'response_type', 'scope', 'state'] as const)
      .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(q[k] ?? '')}">`)
      .join('');
    const choices = (await everyone())
      .map((p, i) => `<label style="display:block;margin:.4rem 0"><input type="radio" name="user" value="${escapeHtml(p.key)}"${(remembered ? p.key === remembered : i === 0) ? ' checked' : ''}> ${escapeHtml(p.nickname)}</label>`)
      .join('');
    const asks = q.scope === 'snsapi_userinfo' ? '获取你的昵称、头像、地区及性别' : '获取你的身份标识';
    reply.type('text/html; charset=utf-8');
    // The form's answer redirects to the merchant's site, which browsers check against form-action.
    reply.header('content-security-policy', "default-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; form-action *; frame-ancestors 'self'");
    return page('微信授权', `<p>网页由公众号 <code>${escapeHtml(q.appid!)}</code> 开发,请求${asks}。</p>
<form method="post" action="authorize">${hidden}
<fieldset style="border:1px solid #ddd;border-radius:8px"><legend>选择测试微信用户</legend>${choices}
<label style="display:block;margin:.4rem 0"><input type="radio" name="user" value="__new"> 新用户,昵称:<input name="nickname" maxlength="32" placeholder="例如 小明"></label></fieldset>
<p><button name="decision" value="allow" style="background:#07c160;color:#fff;border:0;padding:.6rem 2rem;border-radius:4px">允许</button>
<button name="decision" value="deny" style="padding:.6rem 2rem;border-radius:4px;border:1px solid #ccc">拒绝</button></p></form>`);
  });

  app.post('/connect/oauth2/authorize', { schema: { hide: true } }, async (req, reply) => {
    const body = (req.body ?? {}) as AuthorizeQuery & { user?: string; nickname?: string; decision?: string };
    const bad = checkAuthorize(body);
    if (bad) return errorPage(reply, bad.errcode, bad.msg);
    // A refusal returns to the site with the state only, as the published flow describes.
    if (body.decision !== 'allow') return redirectWith(reply, body.redirect_uri!, { state: body.state ?? '' });
    let key = body.user ?? '';
    if (key === '__new' || !key) {
      const nickname = (body.nickname ?? '').trim().slice(0, 32);
      if (!nickname) return errorPage(reply, 10013, '请输入新用户的昵称');
      key = `u${digest(nickname).slice(0, 10)}`;
      await personFor(key, nickname);
    } else if (!(await person(key))) {
      return errorPage(reply, 10013, '未知的测试用户');
    }
    reply.header('set-cookie', `sandbox_wechat_user=${encodeURIComponent(key)}; Path=/; SameSite=Lax; HttpOnly`);
    return redirectWith(reply, body.redirect_uri!, { code: await issueCode(body.appid!, body.scope as Scope, key), state: body.state ?? '' });
  });

  // Browsers post the consent form as urlencoded; parse it only inside this plugin.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.post('/sandbox/authorize', { schema: { hide: true } }, async (req, reply) => {
    const body = (req.body ?? {}) as { appid?: string; scope?: string; user?: { key?: string; nickname?: string } };
    if (!body.appid || !WECHAT_SANDBOX_APPS[body.appid]) return reply.status(400).send(err(10016, 'invalid appid'));
    if (!SCOPES.includes(body.scope as Scope)) return reply.status(400).send(err(10005, 'invalid scope'));
    const key = body.user?.key?.trim();
    if (!key || key.length > 64) return reply.status(400).send(err(41001, 'user.key missing'));
    await personFor(key, body.user?.nickname?.trim().slice(0, 32));
    return { code: await issueCode(body.appid, body.scope as Scope, key), openid: openidOf(body.appid, key), unionid: unionidOf(key) };
  });

  app.get('/sns/oauth2/access_token', { schema: { hide: true } }, async (req) => {
    const q = req.query as { appid?: string; secret?: string; code?: string; grant_type?: string };
    if (!q.appid || !WECHAT_SANDBOX_APPS[q.appid]) return err(40013, 'invalid appid');
    if (q.secret !== WECHAT_SANDBOX_APPS[q.appid]) return err(40125, 'invalid appsecret');
    if (q.grant_type !== 'authorization_code') return err(40002, 'invalid grant_type');
    if (!q.code) return err(41008, 'missing code');
    // A code works once: the flip to used is atomic, so two exchanges racing for it cannot both win.
    let outcome: 'invalid' | 'used' | 'ok' = 'invalid';
    const grant = await store.update<Grant & { used: boolean }>(CODE, q.code, (cur) => {
      outcome = !cur || cur.appid !== q.appid || cur.expiresAt < Date.now() ? 'invalid' : cur.used ? 'used' : 'ok';
      return outcome === 'ok' ? { value: { ...cur!, used: true } } : undefined;
    });
    if (outcome === 'invalid' || !grant) return err(40029, 'invalid code');
    if (outcome === 'used') return err(40163, 'code been used');
    const { used: _used, ...g } = grant;
    const access = await grantToken(ACCESS_TOKEN, { ...g, expiresAt: Date.now() + TOKEN_TTL_S * 1000 });
    const refresh = await grantToken(REFRESH_TOKEN, { ...g, expiresAt: Date.now() + REFRESH_TTL_MS });
    return {
      access_token: access,
      expires_in: TOKEN_TTL_S,
      refresh_token: refresh,
      openid: openidOf(grant.appid, grant.key),
      scope: grant.scope,
      is_snapshotuser: 0,
      unionid: unionidOf(grant.key),
    };
  });

  app.get('/sns/oauth2/refresh_token', { schema: { hide: true } }, async (req) => {
    const q = req.query as { appid?: string; grant_type?: string; refresh_token?: string };
    if (!q.appid || !WECHAT_SANDBOX_APPS[q.appid]) return err(40013, 'invalid appid');
    if (q.grant_type !== 'refresh_token') return err(40002, 'invalid grant_type');
    const grant = q.refresh_token ? await store.get<Grant>(REFRESH_TOKEN, q.refresh_token) : undefined;
    if (!grant || grant.appid !== q.appid || grant.expiresAt < Date.now()) return err(40030, 'invalid refresh_token');
    const access = await grantToken(ACCESS_TOKEN, { ...grant, expiresAt: Date.now() + TOKEN_TTL_S * 1000 });
    return { access_token: access, expires_in: TOKEN_TTL_S, refresh_token: q.refresh_token, openid: openidOf(grant.appid, grant.key), scope: grant.scope };
  });

  const tokenFor = async (accessToken?: string, openid?: string) => {
    const grant = accessToken ? await store.get<Grant>(ACCESS_TOKEN, accessToken) : undefined;
    if (!grant) return { error: err(40001, 'invalid credential, access_token is invalid or not latest') };
    if (grant.expiresAt < Date.now()) return { error: err(42001, 'access_token expired') };
    if (!openid || openid !== openidOf(grant.appid, grant.key)) return { error: err(40003, 'invalid openid') };
    return { grant };
  };

  app.get('/sns/userinfo', { schema: { hide: true } }, async (req) => {
    const q = req.query as { access_token?: string; openid?: string; lang?: string };
    const { grant, error } = await tokenFor(q.access_token, q.openid);
    if (!grant) return error;
    if (grant.scope !== 'snsapi_userinfo') return err(48001, 'api unauthorized');
    const p = (await person(grant.key)) ?? { key: grant.key, nickname: `微信用户${grant.key.slice(0, 6)}`, sex: 0, province: '', city: '' };
    return {
      openid: openidOf(grant.appid, grant.key),
      nickname: p.nickname,
      sex: p.sex,
      province: p.province,
      city: p.city,
      country: p.province ? '中国' : '',
      headimgurl: `${opts.baseUrl()}/avatar/${encodeURIComponent(p.key)}.svg`,
      privilege: [],
      unionid: unionidOf(grant.key),
    };
  });

  app.get('/sns/auth', { schema: { hide: true } }, async (req) => {
    const q = req.query as { access_token?: string; openid?: string };
    const { grant, error } = await tokenFor(q.access_token, q.openid);
    return grant ? err(0, 'ok') : error;
  });

  app.get('/avatar/:file', { schema: { hide: true } }, async (req, reply) => {
    const key = decodeURIComponent((req.params as { file: string }).file.replace(/\.svg$/, ''));
    const p = await person(key);
    const letter = escapeHtml((p?.nickname ?? '?').slice(0, 1));
    const hue = parseInt(createHash('md5').update(key).digest('hex').slice(0, 2), 16) * 1.4;
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400');
    return `<svg xmlns="http://www.w3.org/2000/svg" width="132" height="132"><rect width="132" height="132" fill="hsl(${hue.toFixed(0)},55%,55%)"/><text x="66" y="84" font-size="56" text-anchor="middle" fill="#fff" font-family="sans-serif">${letter}</text></svg>`;
  });
};

function parseCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

function page(title: string, body: string) {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · Siyu 沙箱</title>
<style>body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;max-width:480px;margin:1.5rem auto;padding:0 1rem}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}
