import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { MemorySandboxStore, type SandboxStore } from '../store.js';
import { contactApi, makeRoute } from './api.js';
import { taskApi } from './api-tasks.js';
import { groupApi } from './join-ways.js';
import { WecomCore } from './core.js';
import { oauthApi } from './oauth.js';
import { pages } from './pages.js';
import { simHooks } from './sim.js';

export { WECOM_SANDBOX } from './state.js';

export interface WecomSandboxOptions {
  /** Absolute URL where this plugin is mounted: the merchant's API base instead of https://qyapi.weixin.qq.com. */
  baseUrl(): string;
  /** Where corps, tokens and pending callbacks live; in memory when omitted. */
  store?: SandboxStore;
  /** Used for callbacks to the merchant's server; injectable for tests. */
  fetch?: typeof fetch;
  /** How long the merchant's server has to answer a callback (WeCom: 5 s). */
  pushTimeoutMs?: number;
  /** Delays before the retries of an unacknowledged callback (WeCom retries three times, at once). */
  retryDelaysMs?: number[];
  /** How often to look in the store for callbacks left due by another process or before a restart. */
  pollMs?: number;
}

/**
 * Simulator of WeCom (企业微信) for a self-built app with customer contact (客户联系), as published on
 * developer.work.weixin.qq.com, JSON in and out with `{errcode, errmsg}`:
 *
 *   GET  /cgi-bin/gettoken                                  one token per secret, 7200 s of the corp's clock
 *   GET  /cgi-bin/department/list, /cgi-bin/user/list, /user/simplelist, /user/get
 *   GET  /cgi-bin/externalcontact/get_follow_user_list, /list, /get; POST /batch/get_by_user, /remark
 *   POST /cgi-bin/externalcontact/{get,add,edit,del}_corp_tag(_list), /mark_tag
 *   POST /cgi-bin/externalcontact/{add,get,list,update,del}_contact_way, /send_welcome_msg
 *   POST /cgi-bin/externalcontact/transfer_customer, /transfer_result, /resigned/…, /get_unassigned_list
 *   POST /cgi-bin/externalcontact/add_msg_template, /get_groupmsg_list_v2, /get_groupmsg_task, /get_groupmsg_send_result
 *   POST /cgi-bin/externalcontact/groupchat/{list,get,transfer,onjob_transfer}
 *   POST /cgi-bin/externalcontact/add_moment_task, GET …/get_moment_task_result
 *   POST /cgi-bin/message/send; GET /cgi-bin/get_jsapi_ticket, /cgi-bin/ticket/get?type=agent_config
 *   GET  /connect/oauth2/authorize (open.weixin.qq.com's page), /cgi-bin/auth/getuserinfo (oauth.ts)
 *
 * Limits as WeCom applies them: ≤ 100 customers per transfer call (40058 for the call), 2 on-job
 * transfers per customer in 90 days (40128 for that customer), a transfer in progress (40129), 24 h until a
 * transfer completes; welcome codes single use (41051) and valid 20 s (40096 after); contact-way state
 * ≤ 30 characters (40058); each customer receives at most as many mass messages a month as the month has
 * days (send status 3 beyond). Codes not confirmed from WeCom's pages are chosen from its global table:
 * 40058 for "> 100 per call", 40096 for an expired welcome code, 84061 for "not this member's customer",
 * 40003 for an on-job transfer from a member who left, 41044 for an unknown config_id, 41048 for a mass
 * message without recipients, 90500 / 90502 / 90503 in failed_chat_list (owner not left / left / same).
 *
 * Events (change_external_contact, change_external_chat, change_contact) go to the corp's callback URL
 * encrypted with @wecom/crypto, 5 s to answer, retried three times. Each corp has its own clock (tests
 * advance it under /__sim). `/phone?corp=&userid=` is a staff member's phone: mass tasks to confirm, app
 * messages, customers.
 */
export const wecomSandbox: FastifyPluginAsync<WecomSandboxOptions> = async (app, opts) => {
  const core = new WecomCore({
    store: opts.store ?? new MemorySandboxStore(),
    fetch: opts.fetch ?? globalThis.fetch,
    pushTimeoutMs: opts.pushTimeoutMs ?? 5_000,
    retryDelaysMs: opts.retryDelaysMs ?? [0, 0, 0],
    pollMs: opts.pollMs ?? 1_000,
    log: (err, what) => app.log.warn({ err }, `wecom sandbox: ${what} failed`),
  });
  await core.init();

  // WeCom reads the body as JSON whatever the Content-Type says; an unreadable body is answered 47001.
  const lenient = (_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
    const text = body.toString();
    if (text.trim() === '') return done(null, { __empty: true });
    try {
      const v: unknown = JSON.parse(text);
      done(null, v && typeof v === 'object' && !Array.isArray(v) ? v : { __invalidJson: true });
    } catch {
      done(null, { __invalidJson: true });
    }
  };
  app.removeContentTypeParser('application/json');
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, lenient);
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, lenient);
  // The pages' forms.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
  app.addContentTypeParser('*', { parseAs: 'string' }, lenient);

  // Callbacks go out once the server accepts connections (in embedded mode the merchant is this server).
  app.addHook('onListen', async () => core.start());
  app.addHook('onClose', async () => core.close());

  const route = makeRoute(app, core);
  contactApi(app, core, route, opts.baseUrl);
  taskApi(route);
  groupApi(route, opts.baseUrl);
  oauthApi(app, core, route);
  simHooks(app, core);
  pages(app, core, opts.baseUrl);
};
