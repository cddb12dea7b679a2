import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { verifyUrl } from './callback.js';
import { ADD_WAY, addFriend, createCustomer, remark, removeFriend, scanContactWay } from './contacts.js';
import type { Ctx, WecomCore } from './core.js';
import { NoCorp, WxError } from './errors.js';
import { createChat, dismissChat, joinChat, quitChat } from './groups.js';
import { chooseWelcome, scanJoinWay } from './join-ways.js';
import { confirmTask, publishMoment } from './mass.js';
import { addTags, deleteTags, markTag } from './tags.js';
import { secs } from './ids.js';
import { WECOM_SANDBOX, relationOf, staffOf, type CorpState } from './state.js';
import { accept, refuse, settleTransfers } from './transfers.js';

/**
 * The simulation hooks under /__sim (not WeCom's API): tests, the E2E run and the pages play the WeChat
 * users, the staff's phones and the admin console through them. Refusals are HTTP 4xx with
 * `{error, errcode?}`; times in answers are ISO 8601 on the corp's clock.
 */
export function simHooks(app: FastifyInstance, core: WecomCore) {
  const body = (b: unknown) => (b && typeof b === 'object' ? (b as Record<string, unknown>) : {});
  const iso = (ms: number) => new Date(ms).toISOString();

  const run = async (reply: FastifyReply, f: () => Promise<unknown>) => {
    try {
      return await f();
    } catch (err) {
      if (err instanceof WxError) return reply.code(400).send({ error: err.message, errcode: err.errcode });
      if (err instanceof NoCorp) return reply.code(404).send({ error: `unknown corp ${err.message}` });
      throw err;
    }
  };

  /** A hook that changes the corp: one atomic change, events pushed after it is stored. */
  const change = (path: string, f: (s: CorpState, ctx: Ctx, b: Record<string, unknown>, params: Record<string, string>) => unknown) =>
    app.post(`/__sim/corps/:corpId${path}`, { schema: { hide: true } }, async (req, reply) => {
      const params = req.params as Record<string, string>;
      return run(reply, () => core.mutate(params.corpId, (s, ctx) => f(s, ctx, body(req.body), params)));
    });

  /** A hook that reads the corp (after due transfers settled, so the view is current). */
  const read = (path: string, f: (s: CorpState, ctx: Ctx, q: Record<string, string | undefined>) => unknown) =>
    app.get(`/__sim/corps/:corpId${path}`, { schema: { hide: true } }, async (req, reply) => {
      const { corpId } = req.params as { corpId: string };
      return run(reply, () => core.mutate(corpId, (s, ctx) => f(s, ctx, req.query as Record<string, string | undefined>)));
    });

  const summary = (s: CorpState, now: number) => ({
    corpId: s.corpId,
    name: s.name,
    contactSecret: WECOM_SANDBOX.contactSecret,
    agentId: WECOM_SANDBOX.agentId,
    agentSecret: WECOM_SANDBOX.agentSecret,
    token: WECOM_SANDBOX.token,
    encodingAesKey: WECOM_SANDBOX.encodingAesKey,
    callbackUrl: s.callbackUrl ?? null,
    now: iso(now),
    staff: s.staff.map((x) => ({ userid: x.userid, name: x.name, department: x.department, status: x.status, customers: s.relations.filter((r) => r.userid === x.userid).length })),
    customers: Object.keys(s.customers).length,
    relations: s.relations.length,
  });

  app.get('/__sim/corps', { schema: { hide: true } }, async () => ({ corps: (await core.corps()).map((s) => summary(s, Date.now() + s.clockOffsetMs)) }));

  /** A fresh corp (same staff and secrets as the sandbox corp), so a test's limits do not leak into another's. */
  app.post('/__sim/corps', { schema: { hide: true } }, async (req, reply) => {
    const b = body(req.body);
    const corpId = typeof b.corpId === 'string' ? b.corpId : `ww${randomBytes(8).toString('hex')}`;
    if (!/^ww[0-9a-z]{8,32}$/.test(corpId)) return reply.code(400).send({ error: 'corpId must be ww followed by 8 to 32 letters or digits' });
    const s = await core.createCorp(corpId, typeof b.name === 'string' ? b.name : undefined);
    if (!s) return reply.code(409).send({ error: `corp ${corpId} exists` });
    return summary(s, Date.now());
  });

  read('', (s, ctx) => summary(s, ctx.now));

  /** What the admin does in WeCom's console: WeCom first checks the URL with an encrypted echostr. */
  app.post('/__sim/corps/:corpId/callback', { schema: { hide: true } }, async (req, reply) => {
    const { corpId } = req.params as { corpId: string };
    const b = body(req.body);
    let url: URL;
    try {
      url = new URL(String(b.url));
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
    } catch {
      return reply.code(400).send({ error: 'url must be an http(s) URL' });
    }
    if (!(await core.corp(corpId))) return reply.code(404).send({ error: `unknown corp ${corpId}` });
    if (b.verify !== false) {
      const cfg = { url: url.toString(), token: WECOM_SANDBOX.token, encodingAesKey: WECOM_SANDBOX.encodingAesKey, corpId, agentId: WECOM_SANDBOX.agentId };
      const check = await verifyUrl(cfg, { fetch: core.opts.fetch, timeoutMs: core.opts.pushTimeoutMs });
      if (!check.ok) return reply.code(400).send({ error: '回调地址校验失败: the echostr was not answered decrypted', status: check.status, body: check.body, detail: check.error });
    }
    return run(reply, () => core.mutate(corpId, (s) => ((s.callbackUrl = url.toString()), { callbackUrl: s.callbackUrl })));
  });

  change('/callback/delete', (s) => {
    delete s.callbackUrl;
    return { callbackUrl: null };
  });

  change('/customers', (s, _ctx, b) => ({ external_userid: createCustomer(s, b).external_userid }));

  change('/scan', (s, ctx, b) => scanContactWay(s, ctx, b.config_id, String(b.external_userid)));

  change('/add', (s, ctx, b) => {
    const addWay = b.add_way === undefined ? ADD_WAY.card : Number(b.add_way);
    const { welcome_code } = addFriend(s, ctx, String(b.userid), String(b.external_userid), { addWay });
    return { welcome_code };
  });

  change('/delete', (s, ctx, b) => {
    if (b.by !== 'staff' && b.by !== 'customer') throw new WxError(40058, "by must be 'staff' or 'customer'");
    return removeFriend(s, ctx, String(b.userid), String(b.external_userid), b.by);
  });

  /** The member edits the customer in their WeCom client (remark, corp tags): edit_external_contact. */
  change('/edit', (s, ctx, b) => {
    const rel = relationOf(s, b.userid, b.external_userid);
    if (!rel) throw new WxError(84061, 'not external contact');
    if (b.remark !== undefined || b.description !== undefined) remark(s, { userid: b.userid, external_userid: b.external_userid, remark: b.remark, description: b.description });
    if (b.add_tag !== undefined || b.remove_tag !== undefined) markTag(s, { userid: b.userid, external_userid: b.external_userid, add_tag: b.add_tag, remove_tag: b.remove_tag });
    ctx.emit('change_external_contact', 'edit_external_contact', [['UserID', rel.userid], ['ExternalUserID', rel.external_userid]]);
    return { userid: rel.userid, external_userid: rel.external_userid };
  });

  /** An admin changes corp tags in the WeCom console: change_external_tag, which the API's own changes do not send. */
  change('/tags', (s, ctx, b) => {
    const before = new Set(s.tagGroups.map((g) => g.group_id));
    const added = addTags(s, ctx, b).tag_group;
    if (!before.has(added.group_id)) ctx.emit('change_external_tag', 'create', [['Id', added.group_id], ['TagType', 'tag_group']]);
    for (const t of added.tag) ctx.emit('change_external_tag', 'create', [['Id', t.id], ['TagType', 'tag']]);
    return added;
  });
  change('/tags/delete', (s, ctx, b) => {
    const groups = ((b.group_id ?? []) as string[]).filter((id) => s.tagGroups.some((g) => g.group_id === id));
    deleteTags(s, b);
    for (const id of (b.tag_id ?? []) as string[]) ctx.emit('change_external_tag', 'delete', [['Id', id], ['TagType', 'tag']]);
    for (const id of groups) ctx.emit('change_external_tag', 'delete', [['Id', id], ['TagType', 'tag_group']]);
    return {};
  });

  change('/staff/:userid/leave', (s, ctx, _b, p) => {
    const st = staffOf(s, p.userid);
    if (!st) throw new WxError(60111, 'userid not found');
    if (st.status === 5) throw new WxError(40058, 'already left');
    st.status = 5;
    st.leftAt = ctx.now;
    for (const c of s.groupChats) if (c.owner === st.userid) c.status = 1;
    ctx.emit('change_contact', 'delete_user', [['UserID', st.userid]]);
    return { userid: st.userid, status: 5, customers: s.relations.filter((r) => r.userid === st.userid).length };
  });

  change('/staff/:userid/limit', (s, _ctx, b, p) => {
    const st = staffOf(s, p.userid);
    if (!st) throw new WxError(60111, 'userid not found');
    const limit = Number(b.customerLimit);
    if (!Number.isInteger(limit) || limit < 0) throw new WxError(40058, 'customerLimit must be a non-negative integer');
    st.customerLimit = limit;
    return { userid: st.userid, customerLimit: limit };
  });

  change('/tasks/:msgid/confirm', (s, ctx, b, p) => {
    const t = confirmTask(s, ctx, p.msgid, String(b.userid));
    return { msgid: p.msgid, userid: t.userid, status: t.status, results: t.results };
  });

  change('/customers/:external/transfer-response', (s, ctx, b, p) => {
    if (typeof b.accept !== 'boolean') throw new WxError(40058, 'accept must be true or false');
    const t = b.accept ? accept(s, ctx, p.external) : refuse(s, ctx, p.external);
    if (!t) throw new WxError(40058, 'no pending transfer of this customer');
    return { external_userid: t.external_userid, handover_userid: t.handover_userid, takeover_userid: t.takeover_userid, status: t.status };
  });

  change('/clock', (s, ctx, b) => {
    const ms = Number(b.advanceMs);
    if (!Number.isFinite(ms) || ms < 0) throw new WxError(40058, 'advanceMs must be a non-negative number (the clock only moves forward)');
    s.clockOffsetMs += ms;
    ctx.now += ms;
    settleTransfers(s, ctx);
    return { now: iso(ctx.now), offsetMs: s.clockOffsetMs };
  });
  read('/clock', (s, ctx) => ({ now: iso(ctx.now), offsetMs: s.clockOffsetMs }));

  change('/faults', (s, _ctx, b) => {
    const times = b.times === undefined ? 1 : Number(b.times);
    if (!Number.isInteger(b.errcode)) throw new WxError(40058, 'errcode must be an integer');
    if (!Number.isInteger(times) || times < 1 || times > 10_000) throw new WxError(40058, 'times must be 1..10000');
    if (b.path !== undefined && (typeof b.path !== 'string' || !b.path.startsWith('/cgi-bin/'))) throw new WxError(40058, "path must be an API path such as '/cgi-bin/message/send'");
    s.faults.push({ errcode: b.errcode as number, remaining: times, path: b.path as string | undefined });
    return { faults: s.faults };
  });
  change('/faults/clear', (s) => ((s.faults = []), { faults: [] }));
  read('/faults', (s) => ({ faults: s.faults }));

  for (const how of ['expire', 'invalidate'] as const) {
    app.post(`/__sim/corps/:corpId/${how}-tokens`, { schema: { hide: true } }, async (req, reply) =>
      run(reply, async () => ({ tokens: await core.endTokens((req.params as { corpId: string }).corpId, how) })),
    );
  }

  read('/welcome-messages', (s, _ctx, q) =>
    s.welcomeMessages.filter((w) => !q.external_userid || w.external_userid === q.external_userid).map((w) => ({ ...w, sent_at: iso(w.sent_at) })),
  );
  read('/app-messages', (s, _ctx, q) => s.appMessages.filter((m) => !q.touser || m.touser === q.touser).map((m) => ({ ...m, sent_at: iso(m.sent_at) })));
  read('/relations', (s, _ctx, q) =>
    s.relations
      .filter((r) => (!q.external_userid || r.external_userid === q.external_userid) && (!q.userid || r.userid === q.userid))
      .map((r) => ({ userid: r.userid, external_userid: r.external_userid, state: r.state ?? null, tags: r.tags, remark: r.remark, add_way: r.add_way, createtime: r.createtime })),
  );
  read('/transfers', (s, _ctx, q) =>
    s.transfers.filter((t) => !q.external_userid || t.external_userid === q.external_userid).map((t) => ({ ...t, requestedAt: iso(t.requestedAt), takeover_time: secs(t.takeover_time) })),
  );
  read('/tasks', (s, _ctx, q) => s.massTasks.filter((t) => !q.userid || t.tasks.some((x) => x.userid === q.userid)));

  change('/groupchats', (s, ctx, b) => createChat(s, ctx, b));
  change('/groupchats/:chatId/join', (s, ctx, b, p) => joinChat(s, ctx, p.chatId, b));
  change('/groupchats/:chatId/quit', (s, ctx, b, p) => quitChat(s, ctx, p.chatId, b));
  change('/groupchats/:chatId/dismiss', (s, ctx, _b, p) => dismissChat(s, ctx, p.chatId));
  change('/groupchats/:chatId/welcome', (s, _ctx, b, p) => chooseWelcome(s, p.chatId, b));
  change('/moments/:momentId/publish', (s, _ctx, b, p) => publishMoment(s, p.momentId, b.userid));
  change('/join-ways/:configId/scan', (s, ctx, b, p) => scanJoinWay(s, ctx, p.configId, b));
  read('/group-welcome-messages', (s, _ctx, q) =>
    (s.groupWelcomeMessages ?? []).filter((m) => (!q.chat_id || m.chat_id === q.chat_id) && (!q.external_userid || m.external_userid === q.external_userid)).map((m) => ({ ...m, sent_at: iso(m.sent_at) })),
  );

  app.get('/__sim/corps/:corpId/pushes', { schema: { hide: true } }, async (req) => {
    const { corpId } = req.params as { corpId: string };
    return { pushes: await core.pushes(corpId) };
  });

}
