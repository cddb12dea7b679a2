import { pgArray } from '../../platform/db/prepared.js';
import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import { systemActor, type Platform } from '../../platform/context.js';
import { rows, sql, type Db } from '../../platform/db/index.js';
import { notFound, unprocessable } from '../../platform/errors.js';
import type { CustomersService } from '../customers/service.js';
import type { GroupService } from '../tags/group-service.js';
import type { TagService } from '../tags/tag-service.js';
import type { ChannelAccounts, MpAccount } from './accounts.js';
import { MpApiError } from './clients/mp-client.js';
import { CallbackRejected, openCallback, sealTextReply, verifyUrlSignature, type CallbackQuery } from './clients/mp-crypto.js';
import { suggest } from './recommend.js';

interface QrRow {
  id: string; shop_id: string; account_id: string; name: string; kind: 'temporary' | 'permanent'; scene: string; ticket: string; url: string;
  expires_at: Date | null; tag_ids: string[]; group_id: string | null; welcome: string | null; scans: number; follows: number; created_at: Date;
}

/**
 * The official account (公众号): the callback (verified, decrypted, answered within WeChat's 5 s and
 * de-duplicated), followers and their source QR codes, follow and keyword replies, menus and follower sync.
 * Work that needs WeChat's API (a follower's unionid) happens in a job after the answer.
 */
export class OfficialAccountService {
  constructor(
    private p: Platform,
    private accounts: ChannelAccounts,
    private customers: CustomersService,
    private tags: TagService,
    private groups: GroupService,
  ) {}

  // ── Callback ─────────────────────────────────────────────────────────────────────────────────────

  /** GET: WeChat checks the server address by asking for `echostr` back. */
  async verifyUrl(accountId: string, q: CallbackQuery): Promise<string | null> {
    const a = await this.accounts.accountById(accountId);
    if (!a || a.kind !== 'oa' || !a.token || !verifyUrlSignature(a.token, q) || !q.echostr) return null;
    return q.echostr;
  }

  /** POST: one message or event. Answers the reply body ('success' when there is nothing to say). */
  async receive(accountId: string, q: CallbackQuery, body: string): Promise<{ status: number; body: string }> {
    const a = await this.accounts.accountById(accountId);
    if (!a || a.kind !== 'oa' || !a.token || !a.encodingAesKey) return { status: 404, body: '' };
    let msg: Record<string, string>;
    try {
      msg = openCallback({ token: a.token, aesKey: a.encodingAesKey, appId: a.appId, query: q, body });
    } catch (err) {
      if (err instanceof CallbackRejected) {
        this.p.log.warn({ accountId, reason: err.message }, 'official account callback refused');
        return { status: 401, body: '' };
      }
      throw err;
    }
    // WeChat retries an unanswered message three times with the same MsgId (events: sender + CreateTime).
    const dedupe = msg.MsgId || msg.MsgID ? `m:${msg.MsgId ?? msg.MsgID}` : `e:${msg.FromUserName}:${msg.CreateTime}:${msg.Event ?? ''}`;
    const reply = await this.p.database.transaction(async (tx) => {
      const fresh = await rows(tx, sql`INSERT INTO mp_callbacks_seen (account_id, dedupe_key) VALUES (${a.id}, ${dedupe}) ON CONFLICT DO NOTHING RETURNING 1`);
      if (!fresh.length) return null;
      return this.handle(tx, a, msg);
    });
    if (!reply) return { status: 200, body: 'success' };
    return { status: 200, body: sealTextReply({ token: a.token, aesKey: a.encodingAesKey, appId: a.appId, to: msg.FromUserName!, from: msg.ToUserName!, content: reply, now: this.p.now() }) };
  }

  private async handle(tx: Db, a: MpAccount, msg: Record<string, string>): Promise<string | null> {
    const openid = msg.FromUserName!;
    const type = msg.MsgType;
    const event = msg.Event?.toLowerCase();
    if (type === 'event' && (event === 'subscribe' || event === 'scan')) {
      const scene = event === 'subscribe' ? (msg.EventKey?.startsWith('qrscene_') ? msg.EventKey.slice('qrscene_'.length) : null) : msg.EventKey || null;
      const [qr] = scene ? await rows<QrRow>(tx, sql`SELECT * FROM mp_qr_codes WHERE account_id = ${a.id} AND scene = ${scene}`) : [];
      if (qr) await tx.execute(sql`UPDATE mp_qr_codes SET scans = scans + 1, follows = follows + ${event === 'subscribe' ? 1 : 0} WHERE id = ${qr.id}`);
      if (event === 'subscribe') {
        await tx.execute(sql`
          INSERT INTO mp_followers (shop_id, account_id, openid, subscribed, subscribed_at, source_qr_id, source_scene)
          VALUES (${a.shopId}, ${a.id}, ${openid}, true, now(), ${qr?.id ?? null}, ${scene})
          ON CONFLICT (account_id, openid) DO UPDATE SET subscribed = true, subscribed_at = now(), unsubscribed_at = NULL,
            source_qr_id = coalesce(excluded.source_qr_id, mp_followers.source_qr_id), source_scene = coalesce(excluded.source_scene, mp_followers.source_scene)`);
        // The unionid needs an API call; the answer must not wait for it.
        await this.p.jobs.send('messaging.mp-link-follower', { accountId: a.id, openid, qrId: qr?.id ?? null }, { tx, singletonKey: `${a.id}:${openid}:${msg.CreateTime}` });
        await this.p.events.emit(tx, { shopId: a.shopId, type: 'mp.followed', payload: { accountId: a.id, openid, scene, qrCodeId: qr?.id ?? null } });
        if (qr?.welcome) return qr.welcome;
        const [r] = await rows<{ reply: string }>(tx, sql`SELECT reply FROM mp_auto_replies WHERE shop_id = ${a.shopId} AND kind = 'follow' AND enabled ORDER BY created_at LIMIT 1`);
        return r?.reply ?? null;
      }
      return null;
    }
    if (type === 'event' && event === 'unsubscribe') {
      const [f] = await rows<{ customer_id: string | null }>(tx, sql`UPDATE mp_followers SET subscribed = false, unsubscribed_at = now() WHERE account_id = ${a.id} AND openid = ${openid} RETURNING customer_id`);
      await this.p.events.emit(tx, { shopId: a.shopId, type: 'mp.unfollowed', payload: { accountId: a.id, openid, customerId: f?.customer_id ?? null } });
      return null;
    }
    if (type === 'event' && event === 'templatesendjobfinish') {
      const ok = msg.Status === 'success';
      await tx.execute(sql`
        UPDATE deliveries SET status = ${ok ? 'delivered' : 'failed'}, delivered_at = CASE WHEN ${ok} THEN now() END,
          reason = CASE WHEN ${ok} THEN reason ELSE ${`oa_template: ${msg.Status ?? 'failed'}`} END, updated_at = now()
        WHERE shop_id = ${a.shopId} AND channel = 'oa_template' AND vendor_msg_id = ${msg.MsgID ?? ''} AND status IN ('sent', 'sending')`);
      return null;
    }
    if (type === 'text') {
      const text = (msg.Content ?? '').trim();
      const replies = await rows<{ keyword: string; match: string; reply: string }>(tx, sql`
        SELECT keyword, match, reply FROM mp_auto_replies WHERE shop_id = ${a.shopId} AND kind = 'keyword' AND enabled ORDER BY match = 'exact' DESC, created_at`);
      const hit = replies.find((r) => (r.match === 'exact' ? text === r.keyword : text.includes(r.keyword)));
      return hit?.reply ?? null;
    }
    return null;
  }

  /** The job after a follow: the follower's unionid, the customer it belongs to, and the QR code's tags and group. */
  async linkFollower(accountId: string, openid: string, qrId: string | null) {
    const a = await this.accounts.accountById(accountId);
    if (!a) return;
    const [info] = await this.accounts.client(a).usersInfo([openid]);
    const unionid = info?.unionid ?? null;
    const customerId = unionid ? (await this.customers.idsByUnionids(a.shopId, [unionid])).get(unionid) ?? null : null;
    await this.p.database.transaction(async (tx) => {
      const [f] = await rows<{ customer_id: string | null; subscribed: boolean }>(tx, sql`
        UPDATE mp_followers SET unionid = coalesce(${unionid}, unionid), customer_id = coalesce(${customerId}::uuid, customer_id), synced_at = now()
        WHERE account_id = ${a.id} AND openid = ${openid} RETURNING customer_id, subscribed`);
      if (f?.customer_id) await this.announceLinked(tx, a.shopId, f.customer_id, f.subscribed);
    });
    if (customerId) await this.applySource(a.shopId, customerId, qrId);
  }

  /** Tags and group of the QR code a follower came through, given to the customer once they are known. */
  private async applySource(shopId: string, customerId: string, qrId: string | null) {
    if (!qrId) return;
    const [qr] = await rows<QrRow>(this.p.db, sql`SELECT * FROM mp_qr_codes WHERE id = ${qrId}`);
    if (!qr) return;
    await this.p.database.transaction((tx) => this.tags.addManualTags(tx, shopId, customerId, qr.tag_ids));
    if (qr.group_id) {
      try {
        await this.groups.addMembers(systemActor(shopId), qr.group_id, [customerId]);
      } catch (err) {
        this.p.log.warn({ err, qrId }, 'QR code group could not take the follower');
      }
    }
  }

  /**
   * A customer signed in with WeChat: followers with their unionid become theirs, and the tags of the QR
   * code they followed through apply now (they followed before they ever bought).
   */
  async linkCustomer(shopId: string, customerId: string) {
    const contacts = (await this.customers.contactPoints(shopId, [customerId])).get(customerId);
    if (!contacts?.unionids.length) return 0;
    const linked = await this.p.database.transaction(async (tx) => {
      const list = await rows<{ source_qr_id: string | null; subscribed: boolean }>(tx, sql`
        UPDATE mp_followers SET customer_id = ${customerId} WHERE shop_id = ${shopId} AND unionid = ANY(${pgArray(contacts.unionids)}::text[]) AND customer_id IS DISTINCT FROM ${customerId}
        RETURNING source_qr_id, subscribed`);
      if (list.length) await this.announceLinked(tx, shopId, customerId, list.some((f) => f.subscribed));
      return list;
    });
    for (const f of linked) await this.applySource(shopId, customerId, f.source_qr_id);
    return linked.length;
  }

  /** `mp.follower_linked`: a customer is now known to (still) follow or not; segments on following read it. */
  private async announceLinked(tx: Db, shopId: string, customerId: string, subscribed: boolean) {
    await this.p.events.emit(tx, { shopId, type: 'mp.follower_linked', payload: { customerId, subscribed } });
  }

  // ── Followers ────────────────────────────────────────────────────────────────────────────────────

  /** Pages through every follower (`next_openid`), 100 at a time for their unionids, linking customers. */
  async syncFollowers(shopId: string) {
    const a = await this.accounts.requireAccount(shopId, 'oa');
    const client = this.accounts.client(a);
    let next = '';
    let synced = 0;
    let linked = 0;
    const seen = new Set<string>();
    do {
      const page = await client.followers(next);
      for (let i = 0; i < page.openids.length; i += 100) {
        const infos = await client.usersInfo(page.openids.slice(i, i + 100));
        const unionids = infos.map((x) => x.unionid).filter((x): x is string => !!x);
        const owners = await this.customers.idsByUnionids(shopId, unionids);
        for (const x of infos) seen.add(x.openid);
        await this.p.db.execute(sql`
          INSERT INTO mp_followers (shop_id, account_id, openid, unionid, customer_id, subscribed, subscribed_at, source_scene, synced_at)
          SELECT ${shopId}, ${a.id}, o, u, c, s, to_timestamp(t), q, now()
          FROM unnest(${pgArray(infos.map((x) => x.openid))}::text[], ${pgArray(infos.map((x) => x.unionid))}::text[], ${pgArray(infos.map((x) => (x.unionid ? owners.get(x.unionid) ?? null : null)))}::uuid[],
            ${pgArray(infos.map((x) => x.subscribe))}::boolean[], ${pgArray(infos.map((x) => x.subscribeTime))}::float8[], ${pgArray(infos.map((x) => x.qrSceneStr))}::text[]) AS v(o, u, c, s, t, q)
          ON CONFLICT (account_id, openid) DO UPDATE SET unionid = coalesce(excluded.unionid, mp_followers.unionid),
            customer_id = coalesce(excluded.customer_id, mp_followers.customer_id), subscribed = excluded.subscribed, synced_at = now()`);
        synced += infos.length;
        linked += infos.filter((x) => x.unionid && owners.has(x.unionid)).length;
      }
      next = page.nextOpenid;
    } while (next);
    // Whoever is no longer in WeChat's list has unfollowed while we were not told.
    const gone = await rows(this.p.db, sql`
      UPDATE mp_followers SET subscribed = false, unsubscribed_at = now() WHERE account_id = ${a.id} AND subscribed AND NOT (openid = ANY(${pgArray([...seen])}::text[])) RETURNING 1`);
    return { synced, linked, unfollowed: gone.length };
  }

  async followers(shopId: string, q: { page: number; pageSize: number }) {
    const a = await this.accounts.account(shopId, 'oa');
    if (!a) return { items: [], total: 0, page: q.page, pageSize: q.pageSize };
    const [{ n }] = (await rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM mp_followers WHERE account_id = ${a.id}`)) as [{ n: number }];
    const list = await rows<{ openid: string; unionid: string | null; customer_id: string | null; subscribed: boolean; subscribed_at: Date | null; source_scene: string | null; qr_name: string | null }>(this.p.db, sql`
      SELECT f.*, q.name AS qr_name FROM mp_followers f LEFT JOIN mp_qr_codes q ON q.id = f.source_qr_id
      WHERE f.account_id = ${a.id} ORDER BY f.subscribed_at DESC NULLS LAST, f.openid LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`);
    const names = await this.customers.summaries(shopId, list.map((f) => f.customer_id).filter((x): x is string => !!x));
    return {
      items: list.map((f) => ({
        openid: f.openid, unionid: f.unionid, customerId: f.customer_id, customerName: f.customer_id ? names.get(f.customer_id)?.nickname ?? names.get(f.customer_id)?.phone ?? null : null,
        subscribed: f.subscribed, subscribedAt: f.subscribed_at, sourceQr: f.qr_name, sourceScene: f.source_scene,
      })),
      total: n, page: q.page, pageSize: q.pageSize,
    };
  }

  // ── QR codes ─────────────────────────────────────────────────────────────────────────────────────

  private qrView(r: QrRow) {
    return {
      id: r.id, name: r.name, kind: r.kind, scene: r.scene, url: r.url, expiresAt: r.expires_at, tagIds: r.tag_ids, groupId: r.group_id, welcome: r.welcome,
      scans: r.scans, follows: r.follows, imageUrl: `/api/admin/messaging/qr-codes/${r.id}/image`, createdAt: r.created_at,
    };
  }

  async qrCodes(shopId: string) {
    const list = await rows<QrRow>(this.p.db, sql`SELECT * FROM mp_qr_codes WHERE shop_id = ${shopId} ORDER BY created_at DESC`);
    return { items: list.map((r) => this.qrView(r)) };
  }

  /** Asks WeChat for the code first (no transaction is open meanwhile), then records it. */
  async createQrCode(shopId: string, input: { name: string; kind: 'temporary' | 'permanent'; expireDays: number; tagIds: string[]; groupId: string | null; welcome: string | null }) {
    const a = await this.accounts.requireAccount(shopId, 'oa');
    const known = await this.tags.existingIds(this.p.db, shopId, input.tagIds);
    const bad = input.tagIds.findIndex((t) => !known.has(t));
    if (bad >= 0) throw notFound('Tag', { field: `tagIds.${bad}` });
    if (input.groupId) {
      const g = await this.groups.get(shopId, input.groupId);
      if (g.kind !== 'static') throw unprocessable('GROUP_NOT_STATIC', 'Followers can join only a static group', { field: 'groupId' });
    }
    const scene = `sy_${randomBytes(9).toString('base64url')}`;
    let code;
    try {
      code = await this.accounts.client(a).createQrCode({ permanent: input.kind === 'permanent', scene, expireSeconds: input.expireDays * 86400 });
    } catch (err) {
      if (err instanceof MpApiError) throw unprocessable('WECHAT_API_ERROR', `WeChat refused: ${err.errcode} ${err.errmsg}`, { field: 'kind', errcode: err.errcode });
      throw err;
    }
    return this.p.database.transaction(async (tx) => {
      const [r] = await rows<QrRow>(tx, sql`
        INSERT INTO mp_qr_codes (shop_id, account_id, name, kind, scene, ticket, url, expires_at, tag_ids, group_id, welcome)
        VALUES (${shopId}, ${a.id}, ${input.name}, ${input.kind}, ${scene}, ${code.ticket}, ${code.url},
          ${code.expireSeconds ? new Date(this.p.now().getTime() + code.expireSeconds * 1000).toISOString() : null}::timestamptz,
          ${pgArray(input.tagIds)}::uuid[], ${input.groupId}, ${input.welcome})
        RETURNING *`);
      return this.qrView(r!);
    });
  }

  /** The code as a PNG drawn from WeChat's URL (the same image showqrcode serves). */
  async qrImage(shopId: string, id: string): Promise<Buffer> {
    const [r] = await rows<QrRow>(this.p.db, sql`SELECT * FROM mp_qr_codes WHERE shop_id = ${shopId} AND id = ${id}`);
    if (!r) throw notFound('QR code', { field: 'id' });
    return QRCode.toBuffer(r.url, { type: 'png', width: 430, margin: 2 });
  }

  // ── Replies and menu ─────────────────────────────────────────────────────────────────────────────

  async autoReplies(shopId: string) {
    const list = await rows<{ id: string; kind: string; keyword: string | null; match: string; reply: string; enabled: boolean; created_at: Date }>(
      this.p.db,
      sql`SELECT * FROM mp_auto_replies WHERE shop_id = ${shopId} ORDER BY kind, created_at`,
    );
    return { items: list.map((r) => ({ id: r.id, kind: r.kind, keyword: r.keyword, match: r.match, reply: r.reply, enabled: r.enabled, createdAt: r.created_at })) };
  }

  async saveAutoReply(tx: Db, shopId: string, id: string | null, input: { kind: string; keyword: string | null; match: string; reply: string; enabled: boolean }) {
    if (id) {
      const [r] = await rows<{ id: string }>(tx, sql`
        UPDATE mp_auto_replies SET kind = ${input.kind}, keyword = ${input.keyword}, match = ${input.match}, reply = ${input.reply}, enabled = ${input.enabled}
        WHERE shop_id = ${shopId} AND id = ${id} RETURNING id`);
      if (!r) throw notFound('Reply', { field: 'id' });
      return { id, ...input };
    }
    const [r] = await rows<{ id: string }>(tx, sql`
      INSERT INTO mp_auto_replies (shop_id, kind, keyword, match, reply, enabled) VALUES (${shopId}, ${input.kind}, ${input.keyword}, ${input.match}, ${input.reply}, ${input.enabled}) RETURNING id`);
    return { id: r!.id, ...input };
  }

  async removeAutoReply(tx: Db, shopId: string, id: string) {
    const r = await rows(tx, sql`DELETE FROM mp_auto_replies WHERE shop_id = ${shopId} AND id = ${id} RETURNING id`);
    if (!r.length) throw notFound('Reply', { field: 'id' });
  }

  async setMenu(shopId: string, menu: unknown) {
    const a = await this.accounts.requireAccount(shopId, 'oa');
    try {
      await this.accounts.client(a).createMenu(menu);
    } catch (err) {
      if (err instanceof MpApiError) throw unprocessable('WECHAT_API_ERROR', `WeChat refused the menu: ${err.errcode} ${err.errmsg}`, { field: 'button', errcode: err.errcode });
      throw err;
    }
    await this.p.database.transaction((tx) => tx.execute(sql`UPDATE mp_accounts SET menu = ${JSON.stringify(menu)}::jsonb, updated_at = now() WHERE id = ${a.id}`));
    return this.accounts.view(await this.accounts.accountById(a.id));
  }

  /** The test button: a token, the template list and the follower count prove the credentials. */
  async test(shopId: string, kind: 'oa' | 'mini') {
    const a = await this.accounts.requireAccount(shopId, kind);
    const client = this.accounts.client(a);
    try {
      if (kind === 'oa') {
        const templates = await client.privateTemplates();
        if (this.accounts.mpBaseUrl().endsWith('/sandbox/mp')) await this.configureSandboxServer(a);
        const followers = await client.followers();
        await this.accounts.markVerified(a.id, null);
        return { ok: true, templates: templates.length, followers: followers.total };
      }
      const templates = await client.miniTemplates();
      await this.accounts.markVerified(a.id, null);
      return { ok: true, templates: templates.length };
    } catch (err) {
      const message = err instanceof MpApiError ? `${err.errcode} ${err.errmsg}` : (err as Error).message;
      await this.accounts.markVerified(a.id, message);
      return { ok: false, error: message };
    }
  }

  /**
   * 一键导入: the vendor's templates that match a topic without a template on this channel, with their
   * keywords filled by our variables. Returns what was imported and what could not be matched.
   */
  async importRecommended(shopId: string, channel: 'oa_template' | 'mini_subscribe') {
    const { items } = await this.vendorTemplates(shopId, channel);
    const have = new Set((await rows<{ topic: string }>(this.p.db, sql`SELECT DISTINCT topic FROM message_templates WHERE shop_id = ${shopId} AND channel = ${channel}`)).map((r) => r.topic));
    const imported: { topic: string; title: string }[] = [];
    const skipped: { title: string; why: string }[] = [];
    await this.p.database.transaction(async (tx) => {
      for (const t of items) {
        const s = suggest(t);
        if (!s) {
          skipped.push({ title: t.title, why: 'no topic or a keyword Siyu cannot fill' });
          continue;
        }
        if (have.has(s.topic)) {
          skipped.push({ title: t.title, why: `the topic ${s.topic} already has a template` });
          continue;
        }
        have.add(s.topic);
        await tx.execute(sql`
          INSERT INTO message_templates (shop_id, name, topic, channel, vendor_template_id, fields, content, link)
          VALUES (${shopId}, ${t.title}, ${s.topic}, ${channel}, ${t.templateId}, ${JSON.stringify(s.fields)}::jsonb, ${t.content}, ${s.topic === 'order_shipped' || s.topic === 'pickup_ready' ? '/orders/{{orderId}}' : null})`);
        imported.push({ topic: s.topic, title: t.title });
      }
    });
    return { imported, skipped };
  }

  /**
   * In the sandbox the test button also does what a merchant does in WeChat's console: saves the server
   * address, Token and EncodingAESKey (the simulator checks the URL with an echostr first).
   */
  private async configureSandboxServer(a: MpAccount) {
    const res = await fetch(`${this.accounts.mpBaseUrl()}/__sim/accounts/${a.appId}/server`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: this.accounts.callbackUrl(a.id), token: a.token, encodingAESKey: a.encodingAesKey }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new MpApiError(-1, `the sandbox refused the server address: ${await res.text()}`, '/__sim/accounts/server');
  }

  async vendorTemplates(shopId: string, channel: 'oa_template' | 'mini_subscribe') {
    const a = await this.accounts.requireAccount(shopId, channel === 'oa_template' ? 'oa' : 'mini');
    const client = this.accounts.client(a);
    try {
      return { items: channel === 'oa_template' ? await client.privateTemplates() : await client.miniTemplates() };
    } catch (err) {
      if (err instanceof MpApiError) throw unprocessable('WECHAT_API_ERROR', `WeChat refused: ${err.errcode} ${err.errmsg}`, { field: 'channel', errcode: err.errcode });
      throw err;
    }
  }
}
