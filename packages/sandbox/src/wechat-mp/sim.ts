import type { FastifyInstance, FastifyReply } from 'fastify';
import { openidOf } from '../wechat-oauth/index.js';
import { ACCOUNTS, accountOf, templatesOf } from './accounts.js';
import { SimError, type UserActions } from './actions.js';
import { TOKEN_RULE, urlCheck, validEncodingAESKey } from './callback.js';
import type { MpCore } from './core.js';
import { issueJsCode } from './api.js';
import { DEFAULT_SETTINGS, chinaDay, type FaultKind, type MpMessage, type Settings } from './state.js';

export interface SimOptions {
  core: MpCore;
  actions: UserActions;
  fetch: typeof fetch;
  pushTimeoutMs: number;
}

/** A message as the hooks and pages show it: the rendered text, not the storage details. */
export function messageView(m: MpMessage) {
  return {
    id: m.id,
    type: m.type,
    direction: m.direction,
    createdAt: m.createdAt,
    msgid: m.msgid,
    status: m.status,
    templateId: m.templateId,
    title: m.title,
    lines: m.lines,
    text: m.lines ? m.lines.map((l) => `${l.label}: ${l.value}`).join('\n') : m.content,
    url: m.url,
    page: m.page,
    miniprogram: m.miniprogram,
    clientMsgId: m.clientMsgId,
    content: m.content,
    reply: m.reply ? { msgType: m.reply.msgType, content: m.reply.content, articles: m.reply.articles, mediaId: m.reply.mediaId } : undefined,
    finish: m.finish,
  };
}

/** `a.b.c: n` counters as nested objects. */
function nest(flat: Record<string, number>) {
  const out: Record<string, unknown> = {};
  for (const [k, n] of Object.entries(flat)) {
    const parts = k.split('.');
    let at = out as Record<string, unknown>;
    for (const p of parts.slice(0, -1)) at = (at[p] ??= {}) as Record<string, unknown>;
    at[parts[parts.length - 1]] = n;
  }
  return out;
}

export async function statsOf(core: MpCore, appid: string) {
  const s = nest(await core.counters.read(`stats:${appid}`)) as Record<string, { refused?: object; finish?: object } | undefined>;
  const of = (c: { refused?: object; finish?: object } | undefined) => ({ accepted: 0, deduped: 0, ...c, refused: { ...c?.refused }, finish: { success: 0, failed: 0, ...c?.finish } });
  const quotaKey = core.quotaKey(appid);
  const used = (await core.counters.read(quotaKey)).template ?? 0;
  return {
    appid,
    template: of(s.template),
    subscribe: of(s.subscribe),
    quota: { day: chinaDay(), used, limit: core.settings.dailyQuota },
  };
}

export async function accountSummary(core: MpCore, appid: string) {
  const a = accountOf(appid)!;
  const state = await core.account(appid);
  const users = await core.users(appid);
  return {
    appid,
    kind: a.kind,
    name: a.name,
    ghId: a.ghId,
    server: state.server ?? null,
    followers: users.reduce((n, u) => n + u.subscribe, 0),
    users: users.length,
    menu: state.menu ?? null,
    tokens: { legacyExpiresAt: state.legacy ? new Date(state.legacy.expiresAt).toISOString() : null, stableExpiresAt: state.stable ? new Date(state.stable.expiresAt).toISOString() : null },
    templates: a.kind === 'oa' ? templatesOf(appid, 'template').map((t) => ({ id: t.id, code: t.code, title: t.title, keywords: t.keywords })) : [],
    subscribeTemplates: templatesOf(appid, 'subscribe').map((t) => ({ id: t.id, code: t.code, title: t.title, keywords: t.keywords })),
    stats: await statsOf(core, appid),
  };
}

const FAULT_KINDS: FaultKind[] = ['timeout', 'http500', 'errcode', 'system_failed'];

/**
 * The simulation hooks under /__sim (not WeChat's API): tests, the E2E run and the demo drive simulated
 * WeChat users and the accounts' settings through them. Refusals are HTTP 4xx with `{error}`.
 */
export function simHooks(app: FastifyInstance, o: SimOptions) {
  const { core, actions } = o;

  const fail = (reply: FastifyReply, err: unknown) => {
    if (err instanceof SimError) return reply.code(err.status).send({ error: err.message });
    throw err;
  };
  const run = async (reply: FastifyReply, f: () => Promise<unknown>) => {
    try {
      return await f();
    } catch (err) {
      return fail(reply, err);
    }
  };
  const body = (b: unknown) => (b && typeof b === 'object' ? (b as Record<string, unknown>) : {});
  const known = (reply: FastifyReply, appid: string) => {
    if (accountOf(appid)) return true;
    void reply.code(404).send({ error: `unknown appid ${appid}` });
    return false;
  };

  app.get('/__sim/accounts', { schema: { hide: true } }, async () => ({
    accounts: ACCOUNTS.map((a) => ({ appid: a.appid, secret: a.secret, kind: a.kind, name: a.name, ghId: a.ghId })),
  }));

  app.get('/__sim/accounts/:appid', { schema: { hide: true } }, async (req, reply) => {
    const { appid } = req.params as { appid: string };
    if (!known(reply, appid)) return reply;
    return accountSummary(core, appid);
  });

  app.post('/__sim/accounts/:appid/server', { schema: { hide: true } }, async (req, reply) => {
    const { appid } = req.params as { appid: string };
    if (!known(reply, appid)) return reply;
    const b = body(req.body);
    let url: URL;
    try {
      url = new URL(String(b.url));
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
    } catch {
      return reply.code(400).send({ error: 'url must be an http(s) URL' });
    }
    if (typeof b.token !== 'string' || !TOKEN_RULE.test(b.token)) return reply.code(400).send({ error: 'token must be 3 to 32 letters or digits' });
    if (!validEncodingAESKey(b.encodingAESKey)) return reply.code(400).send({ error: 'encodingAESKey must be 43 characters of base64 (a 32-byte key)' });
    const server = { url: url.toString(), token: b.token, encodingAESKey: b.encodingAESKey };
    // WeChat checks the URL before it saves the configuration: the echostr must come back as it was sent.
    const check = await urlCheck(server, { fetch: o.fetch, timeoutMs: o.pushTimeoutMs });
    if (!check.ok) return reply.code(400).send({ error: 'URL 校验失败: the server did not answer the echostr verbatim', status: check.status, body: check.body, detail: check.error });
    await core.updateAccount(appid, (a) => ({ ...a, server }));
    return { appid, server, check: { status: check.status } };
  });

  app.delete('/__sim/accounts/:appid/server', { schema: { hide: true } }, async (req, reply) => {
    const { appid } = req.params as { appid: string };
    if (!known(reply, appid)) return reply;
    await core.updateAccount(appid, (a) => ({ ...a, server: undefined }));
    return { appid, server: null };
  });

  for (const [path, how] of [
    ['expire-token', 'expire'],
    ['invalidate-token', 'invalidate'],
  ] as const) {
    app.post(`/__sim/accounts/:appid/${path}`, { schema: { hide: true } }, async (req, reply) => {
      const { appid } = req.params as { appid: string };
      if (!known(reply, appid)) return reply;
      return { appid, tokens: await core.endTokens(appid, how) };
    });
  }

  app.get('/__sim/settings', { schema: { hide: true } }, async () => core.settings);

  app.post('/__sim/settings', { schema: { hide: true } }, async (req, reply) => {
    const b = body(req.body);
    const change: Partial<Settings> = {};
    const limits: Record<keyof Settings, [number, number]> = { followerPageSize: [1, 10_000], dailyQuota: [0, 100_000_000], finishDelayMs: [0, 600_000] };
    for (const k of Object.keys(limits) as Array<keyof Settings>) {
      if (b[k] === undefined) continue;
      if (b[k] === null) {
        change[k] = DEFAULT_SETTINGS[k];
        continue;
      }
      const n = b[k];
      if (typeof n !== 'number' || !Number.isInteger(n) || n < limits[k][0] || n > limits[k][1]) return reply.code(400).send({ error: `${k} must be an integer from ${limits[k][0]} to ${limits[k][1]}` });
      change[k] = n;
    }
    return core.setSettings(change);
  });

  app.get('/__sim/faults', { schema: { hide: true } }, async () => ({ faults: core.faults }));

  app.post('/__sim/faults', { schema: { hide: true } }, async (req, reply) => {
    const b = body(req.body);
    if (typeof b.api !== 'string' || !(b.api === '*' || b.api.startsWith('/'))) return reply.code(400).send({ error: "api must be a path such as '/cgi-bin/message/template/send', or '*'" });
    if (!FAULT_KINDS.includes(b.kind as FaultKind)) return reply.code(400).send({ error: `kind must be one of ${FAULT_KINDS.join(', ')}` });
    const count = b.count === undefined ? 1 : b.count;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1_000_000) return reply.code(400).send({ error: 'count must be a positive integer' });
    if (b.appid !== undefined && !accountOf(String(b.appid))) return reply.code(400).send({ error: `unknown appid ${String(b.appid)}` });
    if (b.errcode !== undefined && !Number.isInteger(b.errcode)) return reply.code(400).send({ error: 'errcode must be an integer' });
    return {
      faults: await core.addFault({
        api: b.api.split('?')[0],
        appid: b.appid as string | undefined,
        kind: b.kind as FaultKind,
        errcode: b.errcode as number | undefined,
        errmsg: typeof b.errmsg === 'string' ? b.errmsg : undefined,
        remaining: count,
      }),
    };
  });

  app.delete('/__sim/faults', { schema: { hide: true } }, async () => {
    await core.clearFaults();
    return { faults: [] };
  });

  // ---- simulated users ----

  const userRoute = (action: string, f: (key: string, b: Record<string, unknown>) => Promise<unknown>) =>
    app.post(`/__sim/users/:key/${action}`, { schema: { hide: true } }, async (req, reply) => run(reply, () => f((req.params as { key: string }).key, body(req.body))));

  userRoute('follow', (key, b) => actions.follow(b.appid, key, { ticket: b.ticket, scene: b.scene }));
  userRoute('unfollow', (key, b) => actions.unfollow(b.appid, key));
  userRoute('scan', (key, b) => actions.scan(b.appid, key, b.ticket));
  userRoute('text', (key, b) => actions.text(b.appid, key, b.content));
  userRoute('click', (key, b) => actions.click(b.appid, key, b.key));
  userRoute('block-template', (key, b) => actions.blockTemplate(b.appid, key, b.templateId, true));
  userRoute('unblock-template', (key, b) => actions.blockTemplate(b.appid, key, b.templateId, false));
  userRoute('subscribe', (key, b) => actions.subscribe(b.appid, key, b.templateIds));
  userRoute('jscode', async (key, b) => {
    const account = accountOf(typeof b.appid === 'string' ? b.appid : undefined);
    if (!account || account.kind !== 'mini') throw new SimError(400, `appid must be the mini-program (${ACCOUNTS.find((a) => a.kind === 'mini')!.appid})`);
    if (!key || key.length > 64) throw new SimError(400, 'user key must be 1 to 64 characters');
    const { after } = await core.changeUser(account.appid, key, () => undefined);
    return { appid: account.appid, key, code: await issueJsCode(core, account.appid, key), openid: after.openid, unionid: after.unionid };
  });

  /** A user's state on one account: following, refused templates, unused subscription grants. */
  app.get('/__sim/users/:key', { schema: { hide: true } }, async (req, reply) => {
    const { key } = req.params as { key: string };
    const { appid } = req.query as { appid?: string };
    if (!appid || !known(reply, appid)) return appid ? reply : reply.code(400).send({ error: 'appid is required' });
    const u = await core.getUser(appid, openidOf(appid, key));
    return { appid, key, openid: openidOf(appid, key), user: u ?? null, grants: u ? await actions.grants(appid, u.openid) : {} };
  });

  app.get('/__sim/messages', { schema: { hide: true } }, async (req, reply) => {
    const q = req.query as { appid?: string; openid?: string; key?: string; all?: string; limit?: string };
    if (!q.appid || !accountOf(q.appid)) return reply.code(400).send({ error: 'appid is required' });
    const openid = q.openid || (q.key ? openidOf(q.appid, q.key) : undefined);
    const limit = Math.min(Math.max(Number(q.limit) || 200, 1), 1000);
    const list = await core.messages(q.appid, openid, limit);
    return { items: list.filter((m) => q.all === '1' || m.direction === 'out').map(messageView) };
  });

  app.get('/__sim/stats', { schema: { hide: true } }, async (req, reply) => {
    const { appid } = req.query as { appid?: string };
    if (!appid || !accountOf(appid)) return reply.code(400).send({ error: 'appid is required' });
    return statsOf(core, appid);
  });
}
