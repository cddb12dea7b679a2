import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { ACCOUNTS, accountOf, checkData, renderLines, templateOf, templatesOf, type AccountKind, type Template } from './accounts.js';
import type { MpCore } from './core.js';
import { checkMenu, currentSelfMenu } from './menu.js';
import { checkQrRequest, codeOfTicket, qrCodeId, ticketOf, type QrCode } from './qr.js';
import { KIND, grantKey, newMsgid, wxErr, type Fault, type Grant, type MpMessage, type MpUser } from './state.js';
import { wxaCodeUnlimit } from './wxacode.js';

/** A body the JSON parser could not read, or none at all (see index.ts). */
export interface BodyMarks {
  __invalidJson?: boolean;
  __empty?: boolean;
}

type Body = Record<string, unknown> & BodyMarks;

interface Ctx {
  req: FastifyRequest;
  reply: FastifyReply;
  appid: string;
  body: Body;
  query: Record<string, string | undefined>;
  /** A `system_failed` fault taken by this call: the send is accepted but its delivery fails. */
  systemFail: boolean;
}

type Handler = (ctx: Ctx) => Promise<unknown>;

interface RouteOptions {
  /** Which accounts' access_token the API takes (48001 for the others); null: no access_token. */
  auth: AccountKind | 'any' | null;
  /** For routes without an access_token: where the appid is, for faults that name one. */
  appidFrom?: (q: Record<string, string | undefined>, b: Body) => string | undefined;
}

const NGINX_500 = '<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
const TIMEOUT_HOLD_MS = 30_000;
const JSCODE_TTL_MS = 5 * 60_000;

export interface JsCode {
  appid: string;
  key: string;
  expiresAt: number;
  used: boolean;
}

/**
 * The vendor API on api.weixin.qq.com (and showqrcode of mp.weixin.qq.com), as published: JSON in and
 * out, every error `{errcode, errmsg}` with HTTP 200.
 */
export function vendorApi(app: FastifyInstance, core: MpCore, baseUrl: () => string) {
  /** What a call answers under a fault (a `system_failed` send is not answered here: it goes through). */
  async function applyFault(f: Fault, ctx: { req: FastifyRequest; reply: FastifyReply }): Promise<unknown> {
    if (f.kind === 'system_failed') return { errcode: -1, errmsg: 'system error' };
    if (f.kind === 'http500') return ctx.reply.code(500).type('text/html').send(NGINX_500);
    if (f.kind === 'errcode') return { errcode: f.errcode ?? -1, errmsg: f.errmsg ?? 'system error' };
    // timeout: hold the answer until the client gives up (or 30 s, or the server closes).
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        core.held.delete(done);
        resolve();
      };
      const timer = setTimeout(done, TIMEOUT_HOLD_MS);
      ctx.reply.raw.once('close', done);
      core.held.add(done);
    });
    if (ctx.reply.raw.destroyed || ctx.req.raw.socket?.destroyed) {
      ctx.reply.hijack();
      return ctx.reply;
    }
    return { errcode: -1, errmsg: 'system error' };
  }

  function route(method: 'GET' | 'POST', path: string, o: RouteOptions, handler: Handler) {
    const isSend = /\/send$|\/bizsend$/.test(path);
    app.route({
      method,
      url: path,
      schema: { hide: true },
      handler: async (req, reply) => {
        const query = (req.query ?? {}) as Record<string, string | undefined>;
        const body = (method === 'POST' ? (req.body ?? { __empty: true }) : {}) as Body;
        let appid: string | undefined;
        if (o.auth) {
          const who = await core.checkToken(query.access_token);
          if (!('appid' in who)) return wxErr(who.errcode, who.errmsg);
          appid = who.appid;
          if (o.auth !== 'any' && accountOf(appid)?.kind !== o.auth) return wxErr(48001, 'api unauthorized');
        } else {
          appid = o.appidFrom?.(query, body);
        }
        let systemFail = false;
        if (core.faults.length) {
          const f = await core.takeFault(path, appid);
          if (f && f.kind === 'system_failed' && isSend) systemFail = true;
          else if (f) return applyFault(f, { req, reply });
        }
        if (method === 'POST') {
          if (body.__empty) return wxErr(44002, 'empty post data');
          if (body.__invalidJson || typeof body !== 'object' || Array.isArray(body)) return wxErr(47001, 'data format error');
        }
        return handler({ req, reply, appid: appid ?? '', body, query, systemFail });
      },
    });
  }

  // ---- access tokens ----

  const credentials = (grantType: unknown, appid: unknown, secret: unknown) => {
    if (grantType !== 'client_credential') return wxErr(40002, 'invalid grant_type');
    if (!appid) return wxErr(41002, 'appid missing');
    const account = accountOf(String(appid));
    if (!account) return wxErr(40013, 'invalid appid');
    if (!secret) return wxErr(41004, 'appsecret missing');
    if (secret !== account.secret) return wxErr(40125, 'invalid appsecret');
    return null;
  };

  route('GET', '/cgi-bin/token', { auth: null, appidFrom: (q) => q.appid }, async ({ query }) => {
    const bad = credentials(query.grant_type, query.appid, query.secret);
    if (bad) return bad;
    const t = await core.issueLegacy(query.appid!);
    return { access_token: t.token, expires_in: Math.round((t.expiresAt - Date.now()) / 1000) };
  });

  route('POST', '/cgi-bin/stable_token', { auth: null, appidFrom: (_q, b) => (typeof b.appid === 'string' ? b.appid : undefined) }, async ({ body }) => {
    const bad = credentials(body.grant_type, body.appid, body.secret);
    if (bad) return bad;
    if (body.force_refresh !== undefined && typeof body.force_refresh !== 'boolean') return wxErr(47001, 'data format error');
    const t = await core.issueStable(String(body.appid), body.force_refresh === true);
    return { access_token: t.token, expires_in: Math.max(1, Math.round((t.expiresAt - Date.now()) / 1000)) };
  });

  // ---- parametric QR codes ----

  route('POST', '/cgi-bin/qrcode/create', { auth: 'oa' }, async ({ appid, body }) => {
    const checked = checkQrRequest(body);
    if ('error' in checked) return wxErr(checked.error.errcode, checked.error.errmsg);
    const { scene, ...rest } = checked.qr;
    const code = qrCodeId(appid, rest.actionName, scene);
    const qr: QrCode = { ...rest, code, appid, ticket: ticketOf(code), url: `${baseUrl()}/q/${code}`, createdAt: new Date().toISOString() };
    // Expired temporary codes are kept a day, so a late scan is told "expired" rather than "unknown".
    await core.store.put<QrCode>(KIND.qr, code, qr, { ref: appid, expiresAt: qr.expiresAt ? new Date(qr.expiresAt + 86_400_000) : null });
    const out: Record<string, unknown> = { ticket: qr.ticket };
    if (qr.expiresAt) out.expire_seconds = Math.round((qr.expiresAt - Date.now()) / 1000);
    out.url = qr.url;
    return out;
  });

  app.get('/cgi-bin/showqrcode', { schema: { hide: true } }, async (req, reply) => {
    const code = codeOfTicket((req.query as { ticket?: string }).ticket);
    const qr = code ? await core.store.get<QrCode>(KIND.qr, code) : undefined;
    if (!qr || (qr.expiresAt && qr.expiresAt < Date.now())) return reply.code(404).type('text/plain; charset=utf-8').send('ticket invalid or expired');
    const png = await QRCode.toBuffer(qr.url, { type: 'png', width: 430, margin: 2, errorCorrectionLevel: 'M' });
    return reply.type('image/png').header('cache-control', 'max-age=60').send(png);
  });

  // ---- followers ----

  const info = (u: MpUser, lang = 'zh_CN') =>
    u.subscribe
      ? {
          subscribe: 1,
          openid: u.openid,
          language: lang,
          subscribe_time: u.subscribeTime,
          unionid: u.unionid,
          remark: '',
          groupid: 0,
          tagid_list: [] as number[],
          subscribe_scene: u.subscribeScene,
          qr_scene: u.qrScene,
          qr_scene_str: u.qrSceneStr,
        }
      : { subscribe: 0, openid: u.openid };

  route('GET', '/cgi-bin/user/get', { auth: 'oa' }, async ({ appid, query }) => {
    const users = await core.users(appid);
    let start = 0;
    if (query.next_openid) {
      const i = users.findIndex((u) => u.openid === query.next_openid);
      if (i < 0) return wxErr(40003, 'invalid openid');
      start = i + 1;
    }
    const size = core.settings.followerPageSize;
    const page: string[] = [];
    for (let i = start; i < users.length && page.length < size; i++) if (users[i].subscribe) page.push(users[i].openid);
    const total = users.reduce((n, u) => n + u.subscribe, 0);
    // As WeChat does: no `data` once the list is exhausted, and next_openid is then empty.
    return page.length ? { total, count: page.length, data: { openid: page }, next_openid: page[page.length - 1] } : { total, count: 0, next_openid: '' };
  });

  route('GET', '/cgi-bin/user/info', { auth: 'oa' }, async ({ appid, query }) => {
    if (!query.openid) return wxErr(41009, 'missing openid');
    const u = await core.getUser(appid, query.openid);
    if (!u) return wxErr(40003, 'invalid openid');
    return info(u, query.lang || 'zh_CN');
  });

  route('POST', '/cgi-bin/user/info/batchget', { auth: 'oa' }, async ({ appid, body }) => {
    const list = body.user_list;
    if (!Array.isArray(list) || list.length === 0 || list.length > 100) return wxErr(40032, 'invalid openid list size');
    const out = [];
    for (const item of list as Array<{ openid?: unknown; lang?: unknown }>) {
      const u = typeof item?.openid === 'string' ? await core.getUser(appid, item.openid) : undefined;
      if (!u) return wxErr(40003, 'invalid openid');
      out.push(info(u, typeof item.lang === 'string' ? item.lang : 'zh_CN'));
    }
    return { user_info_list: out };
  });

  // ---- custom menu ----

  route('POST', '/cgi-bin/menu/create', { auth: 'oa' }, async ({ appid, body }) => {
    const bad = checkMenu(body.button, ACCOUNTS.filter((a) => a.kind === 'mini').map((a) => a.appid));
    if (bad) return wxErr(bad.errcode, bad.errmsg);
    const menuid = 400_000_000 + randomBytes(3).readUIntBE(0, 3);
    await core.updateAccount(appid, (a) => ({ ...a, menu: { button: body.button as unknown[], menuid, createdAt: new Date().toISOString() } }));
    return { errcode: 0, errmsg: 'ok' };
  });

  route('GET', '/cgi-bin/menu/get', { auth: 'oa' }, async ({ appid }) => {
    const menu = (await core.account(appid)).menu;
    if (!menu) return wxErr(46003, 'menu no exist');
    return { menu: { button: menu.button, menuid: menu.menuid } };
  });

  route('GET', '/cgi-bin/get_current_selfmenu_info', { auth: 'oa' }, async ({ appid }) => {
    const menu = (await core.account(appid)).menu;
    return menu ? { is_menu_open: 1, selfmenu_info: { button: currentSelfMenu(menu.button) } } : { is_menu_open: 0 };
  });

  route('GET', '/cgi-bin/menu/delete', { auth: 'oa' }, async ({ appid }) => {
    await core.updateAccount(appid, (a) => ({ ...a, menu: undefined }));
    return { errcode: 0, errmsg: 'ok' };
  });

  // ---- template messages ----

  route('GET', '/cgi-bin/template/get_all_private_template', { auth: 'oa' }, async ({ appid }) => ({
    template_list: templatesOf(appid, 'template').map((t) => ({
      template_id: t.id,
      title: t.title,
      primary_industry: 'IT科技',
      deputy_industry: '互联网|电子商务',
      content: t.content,
      example: t.exampleText,
    })),
  }));

  const miniAppids = new Set(ACCOUNTS.filter((a) => a.kind === 'mini').map((a) => a.appid));

  /** `miniprogram` of a template or subscription message: a mini-program linked to the account. */
  const checkMiniprogram = (mp: unknown) => {
    if (mp === undefined || mp === null) return null;
    const m = mp as { appid?: unknown; pagepath?: unknown };
    if (typeof m !== 'object' || typeof m.appid !== 'string' || !miniAppids.has(m.appid)) return wxErr(40166, 'invalid weapp appid');
    if (m.pagepath !== undefined && typeof m.pagepath !== 'string') return wxErr(40165, 'invalid weapp pagepath');
    return null;
  };

  const validUrl = (u: unknown) => {
    if (typeof u !== 'string') return false;
    try {
      const p = new URL(u);
      return p.protocol === 'http:' || p.protocol === 'https:';
    } catch {
      return false;
    }
  };

  /** touser, template_id and data, as both kinds of send check them (40003, 40037, 47003). */
  const checkMessage = (appid: string, body: Body, type: 'template' | 'subscribe'): { errcode: number; errmsg: string } | { t: Template; touser: string; values: Record<string, string> } => {
    if (typeof body.touser !== 'string' || !body.touser) return { errcode: 40003, errmsg: 'invalid openid' };
    const t = templateOf(appid, typeof body.template_id === 'string' ? body.template_id : undefined, type);
    if (!t) return { errcode: 40037, errmsg: 'invalid template_id' };
    const checked = checkData(t, body.data);
    if ('error' in checked) return { errcode: 47003, errmsg: checked.error };
    return { t, touser: body.touser, values: checked.values };
  };

  route('POST', '/cgi-bin/message/template/send', { auth: 'oa' }, async ({ appid, body, systemFail }) => {
    const stats = `stats:${appid}`;
    const clientMsgId = typeof body.client_msg_id === 'string' && body.client_msg_id ? body.client_msg_id : undefined;
    const refuse = async (errcode: number, errmsg: string) => {
      // A retry of a send that went through answers as the first did, even if the user has since left.
      const first = await core.dedupeHit(appid, clientMsgId);
      if (first) {
        core.counters.add(stats, 'template.deduped');
        return { errcode: 0, errmsg: 'ok', msgid: first.msgid };
      }
      core.counters.add(stats, `template.refused.${errcode}`);
      return wxErr(errcode, errmsg);
    };
    const checked = checkMessage(appid, body, 'template');
    if ('errcode' in checked) return refuse(checked.errcode, checked.errmsg);
    const { t, touser } = checked;
    if (body.url !== undefined && body.url !== '' && !validUrl(body.url)) return refuse(40048, 'invalid url');
    const badMini = checkMiniprogram(body.miniprogram);
    if (badMini) return refuse(badMini.errcode, 'invalid weapp appid');
    if (body.client_msg_id !== undefined && (typeof body.client_msg_id !== 'string' || body.client_msg_id.length > 64)) return refuse(47003, 'argument invalid! client_msg_id invalid');
    const user = await core.getUser(appid, touser);
    if (!user) return refuse(40003, 'invalid openid');
    if (!user.subscribe) return refuse(43004, 'require subscribe');
    if (user.blocked.includes(t.id)) return refuse(43101, 'user refuse to accept the msg');
    const quotaKey = core.quotaKey(appid);
    await core.counters.load(quotaKey);
    if (core.counters.value(quotaKey, 'template') >= core.settings.dailyQuota) return refuse(45009, 'reach max api daily quota limit');
    // Reserved before the write, so sends racing for the last units of quota cannot overshoot it.
    core.counters.add(quotaKey, 'template');
    const now = new Date();
    const mp = body.miniprogram as { appid: string; pagepath?: string } | undefined;
    const msgid = newMsgid();
    const msg: MpMessage = {
      id: `m:${appid}:${msgid}`,
      appid,
      openid: user.openid,
      type: 'template',
      direction: 'out',
      createdAt: now.toISOString(),
      msgid,
      templateId: t.id,
      title: t.title,
      lines: renderLines(t, checked.values),
      url: typeof body.url === 'string' && body.url ? body.url : undefined,
      miniprogram: mp ? { appid: mp.appid, pagepath: mp.pagepath } : undefined,
      clientMsgId,
      status: 'pending',
      systemFail: systemFail || undefined,
    };
    let written: { message: MpMessage; duplicate: boolean };
    try {
      written = await core.insertTemplateMessage(msg, new Date(now.getTime() + core.settings.finishDelayMs));
    } catch (err) {
      core.counters.add(quotaKey, 'template', -1);
      throw err;
    }
    if (written.duplicate) {
      core.counters.add(quotaKey, 'template', -1);
      core.counters.add(stats, 'template.deduped');
    } else {
      core.counters.add(stats, 'template.accepted');
    }
    return { errcode: 0, errmsg: 'ok', msgid: written.message.msgid };
  });

  // ---- one-time subscription messages (mini-program 订阅消息, OA 订阅通知) ----

  const subscribeSend = (kind: 'oa' | 'mini') => async ({ appid, body, systemFail }: Ctx) => {
    const stats = `stats:${appid}`;
    const refuse = (errcode: number, errmsg: string) => {
      core.counters.add(stats, `subscribe.refused.${errcode}`);
      return wxErr(errcode, errmsg);
    };
    const checked = checkMessage(appid, body, 'subscribe');
    if ('errcode' in checked) return refuse(checked.errcode, checked.errmsg);
    const { t, touser } = checked;
    if (kind === 'mini') {
      if (body.miniprogram_state !== undefined && !['developer', 'trial', 'formal'].includes(body.miniprogram_state as string)) return refuse(47003, 'argument invalid! miniprogram_state invalid');
      if (body.lang !== undefined && !['zh_CN', 'en_US', 'zh_HK', 'zh_TW'].includes(body.lang as string)) return refuse(47003, 'argument invalid! lang invalid');
      if (body.page !== undefined && typeof body.page !== 'string') return refuse(47003, 'argument invalid! page invalid');
    } else {
      if (body.page !== undefined && body.page !== '' && !validUrl(body.page)) return refuse(40048, 'invalid url');
      const badMini = checkMiniprogram(body.miniprogram);
      if (badMini) return refuse(badMini.errcode, 'invalid weapp appid');
    }
    // Each acceptance is worth exactly one message: taken atomically, so two sends racing for it get one.
    let taken = false;
    await core.store.update<Grant>(KIND.grant, grantKey(appid, touser, t.id), (cur) => {
      taken = !!cur && cur.n > 0;
      return taken ? { value: { ...cur!, n: cur!.n - 1 } } : undefined;
    });
    if (!taken) return (await core.getUser(appid, touser)) ? refuse(43101, 'user refuse to accept the msg') : refuse(40003, 'invalid openid');
    const now = new Date();
    const msgid = newMsgid();
    const mp = body.miniprogram as { appid: string; pagepath?: string } | undefined;
    await core.putMessage(
      {
        id: `s:${appid}:${msgid}`,
        appid,
        openid: touser,
        type: 'subscribe',
        direction: 'out',
        createdAt: now.toISOString(),
        msgid,
        templateId: t.id,
        title: t.title,
        lines: renderLines(t, checked.values),
        page: typeof body.page === 'string' && body.page ? body.page : undefined,
        miniprogram: mp ? { appid: mp.appid, pagepath: mp.pagepath } : undefined,
        status: 'pending',
        systemFail: systemFail || undefined,
      },
      new Date(now.getTime() + core.settings.finishDelayMs),
    );
    core.counters.add(stats, 'subscribe.accepted');
    return { errcode: 0, errmsg: 'ok', msgid };
  };

  route('POST', '/cgi-bin/message/subscribe/send', { auth: 'mini' }, subscribeSend('mini'));
  route('POST', '/cgi-bin/message/subscribe/bizsend', { auth: 'oa' }, subscribeSend('oa'));

  route('GET', '/wxaapi/newtmpl/gettemplate', { auth: 'any' }, async ({ appid }) => ({
    errcode: 0,
    errmsg: 'ok',
    data: templatesOf(appid, 'subscribe').map((t) => ({ priTmplId: t.id, title: t.title, content: t.content, example: t.exampleText, type: 2 })),
  }));

  // ---- mini-program codes (小程序码) ----

  route('POST', '/wxa/getwxacodeunlimit', { auth: 'mini' }, async ({ body, reply }) => wxaCodeUnlimit(body, reply));

  // ---- mini-program sign-in ----

  route('GET', '/sns/jscode2session', { auth: null, appidFrom: (q) => q.appid }, async ({ query }) => {
    const account = accountOf(query.appid);
    if (!query.appid) return wxErr(41002, 'appid missing');
    if (!account || account.kind !== 'mini') return wxErr(40013, 'invalid appid');
    if (!query.secret) return wxErr(41004, 'appsecret missing');
    if (query.secret !== account.secret) return wxErr(40125, 'invalid appsecret');
    if (query.grant_type !== 'authorization_code') return wxErr(40002, 'invalid grant_type');
    if (!query.js_code) return wxErr(41008, 'missing code');
    let outcome: 'invalid' | 'used' | 'ok' = 'invalid';
    const code = await core.store.update<JsCode>(KIND.jscode, query.js_code, (cur) => {
      outcome = !cur || cur.appid !== query.appid || cur.expiresAt < Date.now() ? 'invalid' : cur.used ? 'used' : 'ok';
      return outcome === 'ok' ? { value: { ...cur!, used: true } } : undefined;
    });
    if (outcome === 'invalid' || !code) return wxErr(40029, 'invalid code');
    if (outcome === 'used') return wxErr(40163, 'code been used');
    const { after } = await core.changeUser(query.appid, code.key, () => undefined);
    return { session_key: randomBytes(16).toString('base64'), openid: after.openid, unionid: after.unionid };
  });
}

export async function issueJsCode(core: MpCore, appid: string, key: string): Promise<string> {
  const code = randomBytes(24).toString('base64url').slice(0, 32);
  const expiresAt = Date.now() + JSCODE_TTL_MS;
  await core.store.put<JsCode>(KIND.jscode, code, { appid, key, expiresAt, used: false }, { expiresAt: new Date(expiresAt + JSCODE_TTL_MS) });
  return code;
}

