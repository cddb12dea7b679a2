import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { MemorySandboxStore, type SandboxStore } from '../store.js';
import { UserActions } from './actions.js';
import { vendorApi } from './api.js';
import { MpCore } from './core.js';
import { pages } from './pages.js';
import { simHooks } from './sim.js';

export { WECHAT_MP_SANDBOX, TOPICS as WECHAT_MP_TOPICS } from './accounts.js';

const MAX_DEPTH = 32;

/** No NUL in any string or key, no deeper than MAX_DEPTH levels. */
function storable(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return !v.includes('\u0000');
  if (typeof v !== 'object' || v === null) return true;
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(v)) return v.every((x) => storable(x, depth + 1));
  return Object.entries(v).every(([k, x]) => !k.includes('\u0000') && storable(x, depth + 1));
}

export interface WechatMpSandboxOptions {
  /** Absolute URL where this plugin is mounted: the merchant's API base instead of https://api.weixin.qq.com. */
  baseUrl(): string;
  /** Where accounts, tokens, users, messages and pending events live; in memory when omitted. */
  store?: SandboxStore;
  /** Used for pushes to the merchant's server; injectable for tests. */
  fetch?: typeof fetch;
  /** How long the merchant's server has to answer a push (WeChat: 5 s). */
  pushTimeoutMs?: number;
  /** Delays before the 2nd and 3rd attempt of a delivery-finished event. */
  finishRetryDelaysMs?: number[];
  /** How often to look in the store for events left due by another process or before a restart. */
  pollMs?: number;
}

/**
 * Simulator of a WeChat Official Account (公众号, two of them) and a mini-program, as published:
 *
 *   GET  /cgi-bin/token, POST /cgi-bin/stable_token            access tokens (40013, 40125, 40001, 42001)
 *   POST /cgi-bin/qrcode/create, GET /cgi-bin/showqrcode        parametric QR codes (PNG)
 *   GET  /cgi-bin/user/get, /cgi-bin/user/info, POST …/batchget followers and unionids
 *   POST /cgi-bin/menu/create, GET /cgi-bin/menu/get, /cgi-bin/get_current_selfmenu_info, /cgi-bin/menu/delete
 *   GET  /cgi-bin/template/get_all_private_template, POST /cgi-bin/message/template/send
 *   POST /cgi-bin/message/subscribe/bizsend                     OA one-time subscription notices
 *   GET  /sns/jscode2session, POST /cgi-bin/message/subscribe/send, GET /wxaapi/newtmpl/gettemplate
 *   POST /wxa/getwxacodeunlimit                                 小程序码 (PNG; 40169 scene, 41030 page)
 *
 * Events and messages go to the account's server (服务器配置) encrypted in safe mode, with WeChat's retries;
 * TEMPLATESENDJOBFINISH follows each template send. Users are simulated through the hooks under /__sim;
 * `/phone?appid=&key=` shows what a user sees. Openids and unionids are the OAuth sandbox's, so one
 * person has one unionid across web sign-in, the OAs and the mini-program.
 */
export const wechatMpSandbox: FastifyPluginAsync<WechatMpSandboxOptions> = async (app, opts) => {
  const store = opts.store ?? new MemorySandboxStore();
  const fetchImpl = opts.fetch ?? globalThis.fetch;
  const pushTimeoutMs = opts.pushTimeoutMs ?? 5_000;
  const core = new MpCore({
    store,
    fetch: fetchImpl,
    pushTimeoutMs,
    finishRetryDelaysMs: opts.finishRetryDelaysMs ?? [1_000, 2_000],
    pollMs: opts.pollMs ?? 1_000,
    log: (err, what) => app.log.warn({ err }, `wechat-mp sandbox: ${what} failed`),
  });
  await core.init();
  const actions = new UserActions(core, opts.baseUrl);

  // WeChat reads the body as JSON whatever the Content-Type says; a body it cannot read is 47001, none 44002.
  // What the store could not keep (NUL characters, absurd nesting) counts as unreadable too.
  const lenient = (_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
    const text = body.toString();
    if (text.trim() === '') return done(null, { __empty: true });
    try {
      const value: unknown = JSON.parse(text);
      done(null, storable(value) ? value : { __invalidJson: true });
    } catch {
      done(null, { __invalidJson: true });
    }
  };
  app.removeContentTypeParser('application/json');
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, lenient);
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, lenient);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, lenient);

  // Events are delivered once the server accepts connections (in embedded mode the merchant is this server).
  app.addHook('onListen', async () => core.start());
  // Requests held by a timeout fault are let go first, so closing does not wait 30 s for them.
  app.addHook('preClose', async () => {
    for (const release of core.held) release();
  });
  app.addHook('onClose', async () => core.close());

  vendorApi(app, core, opts.baseUrl);
  simHooks(app, { core, actions, fetch: fetchImpl, pushTimeoutMs });
  pages(app, core, actions, opts.baseUrl);
};
