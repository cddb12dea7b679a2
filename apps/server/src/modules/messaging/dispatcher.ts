import client from 'prom-client';
import { pgArray } from '../../platform/db/prepared.js';
import { DEFAULT_CONTACT_BUDGET, renderTemplateText, type Channel, type ContactBudget, type Topic } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { rows, sql, type Db } from '../../platform/db/index.js';
import type { CustomersService } from '../customers/service.js';
import type { TenancyService } from '../../platform/tenancy/service.js';
import type { ChannelAccounts, MpAccount } from './accounts.js';
import { capBroken, count, emptyReceived, nextSendTime, shopDay, type Received } from './budget.js';
import { MpApiError } from './clients/mp-client.js';
import { SmsVendorError, type SmsAccountConfig } from './clients/sms.js';

/**
 * Takes pending deliveries in batches and sends them:
 *
 * 1. **Admit** (one transaction per batch): claim due rows (`FOR UPDATE SKIP LOCKED`, so processes split
 *    the work), lock their customers (advisory locks in key order, so two processes deciding for one
 *    customer take turns), read what each already received, their opt-outs, consent and reachability,
 *    and decide per message: a channel from its chain, or `capped` / `opted_out` / `unreachable`, or a later
 *    `not_before` in quiet hours. Admitted rows become `sending` with a lease and their counters rise in
 *    the same commit — so a cap can never be passed, whatever runs at once.
 * 2. **Send** outside any transaction: SMS in vendor batches, WeChat calls concurrently.
 * 3. **Record** the outcomes in one statement. A definite refusal gives the budget back and falls back to
 *    the next channel of the chain; a transient one goes back to `pending` with a backoff.
 *
 * A worker killed between 1 and 3 leaves rows `sending` past their lease. Template messages are sent
 * again with the same `client_msg_id` (WeChat answers a repeat within 10 minutes with the first msgid);
 * SMS and subscribe messages have no such key, so they are marked failed as uncertain — never sent twice.
 */

export interface TemplateRow {
  id: string;
  shop_id: string;
  name: string;
  topic: Topic;
  channel: Exclude<Channel, 'wecom'>;
  vendor_template_id: string;
  fields: { key: string; value: string }[];
  content: string;
  link: string | null;
  enabled: boolean;
}

interface Pending {
  id: string;
  shop_id: string;
  customer_id: string;
  topic: Topic;
  transactional: boolean;
  channels: Channel[];
  template_id: string | null;
  broadcast_id: string | null;
  vars: Record<string, string>;
  attempts: number;
}

interface Decision {
  id: string;
  status: 'sending' | 'pending' | 'capped' | 'opted_out' | 'unreachable';
  channel: Channel | null;
  templateId: string | null;
  recipient: string | null;
  reason: string | null;
  notBefore: Date | null;
}

interface Outgoing {
  id: string;
  shopId: string;
  customerId: string;
  channel: Exclude<Channel, 'wecom'>;
  template: TemplateRow;
  recipient: string;
  vars: Record<string, string>;
  restChannels: Channel[];
  transactional: boolean;
  attempts: number;
  day: number;
}

interface Outcome {
  id: string;
  status: 'sent' | 'failed' | 'pending';
  vendorMsgId: string | null;
  reason: string | null;
  channels: Channel[] | null;
  notBefore: Date | null;
  /** Give the budget back (the message certainly did not go out). */
  refund: Outgoing | null;
}

const MAX_ATTEMPTS = 5;
const LEASE_MS = 60_000;
const SEND_CONCURRENCY = 32;

export interface ShopContext {
  budget: ContactBudget;
  oa: MpAccount | null;
  mini: MpAccount | null;
  sms: SmsAccountConfig | null;
  slug: string;
  name: string;
}

export class Dispatcher {
  /** Per batch: how the last one went (the broadcast progress and the bench read these). */
  readonly stats = { admitted: 0, sent: 0, failed: 0, capped: 0, optedOut: 0, unreachable: 0, deferred: 0 };
  /** The dispatcher's clock (quiet hours, the SMS window, budget days); tests set the time of day with it. */
  clock: () => Date = () => this.p.now();

  constructor(
    private p: Platform,
    private accounts: ChannelAccounts,
    private customers: CustomersService,
    private tenancy: TenancyService,
  ) {}

  async shopContext(shopId: string, db: Db = this.p.db): Promise<ShopContext> {
    const [b] = await rows<{ budget: ContactBudget }>(db, sql`SELECT budget FROM contact_budgets WHERE shop_id = ${shopId}`);
    const shop = await this.tenancy.getShop(shopId, db);
    return {
      budget: b?.budget ?? DEFAULT_CONTACT_BUDGET,
      oa: await this.accounts.account(shopId, 'oa', db),
      mini: await this.accounts.account(shopId, 'mini', db),
      sms: await this.accounts.smsAccount(shopId, db),
      slug: shop.slug,
      name: shop.name,
    };
  }

  /** One batch: admit, send, record. Returns how many deliveries it took (0: nothing due). */
  async runBatch(limit = this.p.config.MESSAGING_BATCH): Promise<number> {
    const now = this.clock();
    const t0 = performance.now();
    const admitted = await this.p.database.transaction(async (tx) => this.admit(tx, limit, now));
    if (!admitted) return 0;
    const t1 = performance.now();
    const outcomes = await this.send(admitted.outgoing, admitted.contexts);
    const t2 = performance.now();
    if (outcomes.length) await this.p.database.transaction(async (tx) => this.record(tx, outcomes));
    const t3 = performance.now();
    const h = batchSeconds(this.p);
    h.observe({ phase: 'admit' }, (t1 - t0) / 1000);
    h.observe({ phase: 'send' }, (t2 - t1) / 1000);
    h.observe({ phase: 'record' }, (t3 - t2) / 1000);
    h.observe({ phase: 'batch' }, (t3 - t0) / 1000);
    return admitted.taken;
  }

  /** Runs batches until nothing is due. */
  async drain(maxBatches = 10_000) {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = await this.runBatch();
      if (!n) break;
      total += n;
    }
    return total;
  }

  private async admit(tx: Db, limit: number, now: Date): Promise<{ taken: number; outgoing: Outgoing[]; contexts: Map<string, ShopContext> } | null> {
    const due = await rows<Pending>(tx, sql`
      SELECT id, shop_id, customer_id, topic, transactional, channels, template_id, broadcast_id, vars, attempts FROM deliveries
      WHERE status = 'pending' AND not_before <= ${now.toISOString()}::timestamptz
      ORDER BY not_before LIMIT ${limit} FOR UPDATE SKIP LOCKED`);
    if (!due.length) return null;
    const byShop = new Map<string, Pending[]>();
    for (const d of due) (byShop.get(d.shop_id) ?? byShop.set(d.shop_id, []).get(d.shop_id)!).push(d);

    // Customers in one global key order, so concurrent batches never wait on each other in a circle.
    await tx.execute(sql`
      SELECT pg_advisory_xact_lock(k) FROM (
        SELECT DISTINCT hashtextextended(c, 7) AS k FROM unnest(${pgArray(due.map((d) => `${d.shop_id}:${d.customer_id}`))}::text[]) c ORDER BY 1) s`);

    const decisions: Decision[] = [];
    const outgoing: Outgoing[] = [];
    const counted: { shopId: string; customerId: string; channel: string }[] = [];
    const grantsUsed: { shopId: string; customerId: string; topic: string }[] = [];
    const today = shopDay(now);
    // The send step uses what this transaction read, so a channel connected a moment ago is used at once.
    const contexts = new Map<string, ShopContext>();
    for (const [shopId, list] of byShop) {
      const ctx = await this.shopContext(shopId, tx);
      contexts.set(shopId, ctx);
      const customerIds = [...new Set(list.map((d) => d.customer_id))];
      const facts = await this.facts(tx, shopId, customerIds, ctx, today);
      const templates = await this.templatesFor(tx, shopId, list);
      for (const d of list) {
        const decision = this.decide(d, ctx, facts, templates, now);
        decisions.push(decision);
        if (decision.status !== 'sending') continue;
        const channel = decision.channel as Exclude<Channel, 'wecom'>;
        const template = templates.byId.get(decision.templateId!)!;
        if (!d.transactional) {
          count(facts.received.get(d.customer_id)!, channel);
          counted.push({ shopId, customerId: d.customer_id, channel });
        }
        if (channel === 'mini_subscribe') {
          facts.grants.set(`${d.customer_id}:${d.topic}`, (facts.grants.get(`${d.customer_id}:${d.topic}`) ?? 0) - 1);
          grantsUsed.push({ shopId, customerId: d.customer_id, topic: d.topic });
        }
        outgoing.push({
          id: d.id, shopId, customerId: d.customer_id, channel, template, recipient: decision.recipient!, transactional: d.transactional, attempts: d.attempts + 1, day: today,
          vars: withDefaults({ shopName: ctx.name, customerName: facts.contacts.get(d.customer_id)?.nickname ?? '顾客', name: facts.contacts.get(d.customer_id)?.nickname ?? '顾客' }, d.vars), restChannels: d.channels.slice(d.channels.indexOf(channel) + 1),
        });
      }
    }

    const leaseUntil = new Date(now.getTime() + LEASE_MS).toISOString();
    await tx.execute(sql`
      UPDATE deliveries d SET status = u.status, channel = coalesce(u.channel, d.channel), template_id = coalesce(u.template_id, d.template_id),
        recipient = coalesce(u.recipient, d.recipient), reason = nullif(concat_ws('; ', d.reason, u.reason), ''), not_before = coalesce(u.not_before, d.not_before),
        attempts = d.attempts + (u.status = 'sending')::int,
        lease_until = CASE WHEN u.status = 'sending' THEN ${leaseUntil}::timestamptz END, updated_at = now()
      FROM (SELECT * FROM unnest(${pgArray(decisions.map((x) => x.id))}::uuid[], ${pgArray(decisions.map((x) => x.status))}::text[], ${pgArray(decisions.map((x) => x.channel))}::text[],
        ${pgArray(decisions.map((x) => x.templateId))}::uuid[], ${pgArray(decisions.map((x) => x.recipient))}::text[], ${pgArray(decisions.map((x) => x.reason))}::text[],
        ${pgArray(decisions.map((x) => x.notBefore?.toISOString() ?? null))}::timestamptz[])
        AS t(id, status, channel, template_id, recipient, reason, not_before)) u
      WHERE d.id = u.id`);
    if (counted.length) await this.bumpCounters(tx, counted, today, 1);
    if (grantsUsed.length) {
      await tx.execute(sql`
        UPDATE subscribe_grants g SET used = g.used + u.n, updated_at = now()
        FROM (SELECT s, c, t, count(*)::int AS n FROM unnest(${pgArray(grantsUsed.map((g) => g.shopId))}::uuid[], ${pgArray(grantsUsed.map((g) => g.customerId))}::uuid[], ${pgArray(grantsUsed.map((g) => g.topic))}::text[]) AS x(s, c, t) GROUP BY 1, 2, 3) u
        WHERE g.shop_id = u.s AND g.customer_id = u.c AND g.topic = u.t`);
    }
    for (const x of decisions) {
      if (x.status === 'capped') this.stats.capped++;
      else if (x.status === 'opted_out') this.stats.optedOut++;
      else if (x.status === 'unreachable') this.stats.unreachable++;
      else if (x.status === 'pending') this.stats.deferred++;
      else this.stats.admitted++;
    }
    countOutcomes(this.p, decisions.map((x) => (x.status === 'pending' ? 'deferred' : x.status === 'sending' ? 'admitted' : x.status)));
    return { taken: due.length, outgoing, contexts };
  }

  private async bumpCounters(tx: Db, list: { shopId: string; customerId: string; channel: string }[], day: number, sign: 1 | -1) {
    const keys = new Map<string, { s: string; c: string; ch: string; n: number }>();
    for (const x of list) {
      for (const ch of [x.channel, '*']) {
        const k = `${x.shopId}|${x.customerId}|${ch}`;
        const e = keys.get(k) ?? { s: x.shopId, c: x.customerId, ch, n: 0 };
        e.n += 1;
        keys.set(k, e);
      }
    }
    // Key order, so two batches touching the same counters lock them in the same order.
    const v = [...keys.values()].sort((a, b) => (a.s + a.c + a.ch < b.s + b.c + b.ch ? -1 : 1));
    const cols = sql`unnest(${pgArray(v.map((x) => x.s))}::uuid[], ${pgArray(v.map((x) => x.c))}::uuid[], ${pgArray(v.map((x) => x.ch))}::text[], ${pgArray(v.map((x) => x.n))}::int[]) AS t(s, c, ch, n)`;
    if (sign > 0) {
      await tx.execute(sql`
        INSERT INTO contact_counters (shop_id, customer_id, day, channel, n) SELECT s, c, ${day}, ch, n FROM ${cols}
        ON CONFLICT (shop_id, customer_id, day, channel) DO UPDATE SET n = contact_counters.n + excluded.n`);
    } else {
      await tx.execute(sql`
        UPDATE contact_counters k SET n = greatest(k.n - t.n, 0) FROM ${cols}
        WHERE k.shop_id = t.s AND k.customer_id = t.c AND k.day = ${day} AND k.channel = t.ch`);
    }
  }

  /** Everything the decision needs about these customers, read in a handful of statements. */
  private async facts(tx: Db, shopId: string, customerIds: string[], ctx: ShopContext, today: number) {
    const received = new Map<string, Received>(customerIds.map((c) => [c, emptyReceived()]));
    const counters = await rows<{ customer_id: string; channel: string; today: number; week: number }>(tx, sql`
      SELECT customer_id, channel, sum(n) FILTER (WHERE day = ${today})::int AS today, sum(n)::int AS week FROM contact_counters
      WHERE shop_id = ${shopId} AND customer_id = ANY(${pgArray(customerIds)}::uuid[]) AND day > ${today - 7} GROUP BY 1, 2`);
    for (const r of counters) {
      const rec = received.get(r.customer_id)!;
      rec.today.set(r.channel, r.today ?? 0);
      rec.week.set(r.channel, r.week ?? 0);
    }
    const optouts = new Set(
      (await rows<{ customer_id: string; channel: string; topic: string }>(tx, sql`SELECT customer_id, channel, topic FROM contact_optouts WHERE shop_id = ${shopId} AND customer_id = ANY(${pgArray(customerIds)}::uuid[])`)).map(
        (r) => `${r.customer_id}:${r.channel}:${r.topic}`,
      ),
    );
    const consented = new Set(
      (await rows<{ customer_id: string }>(tx, sql`SELECT customer_id FROM contact_consents WHERE shop_id = ${shopId} AND customer_id = ANY(${pgArray(customerIds)}::uuid[]) AND sms_marketing_at IS NOT NULL`)).map((r) => r.customer_id),
    );
    const grants = new Map(
      (await rows<{ customer_id: string; topic: string; left: number }>(tx, sql`SELECT customer_id, topic, granted - used AS left FROM subscribe_grants WHERE shop_id = ${shopId} AND customer_id = ANY(${pgArray(customerIds)}::uuid[]) AND granted > used`)).map(
        (r) => [`${r.customer_id}:${r.topic}`, r.left],
      ),
    );
    const accountIds = [ctx.oa?.id, ctx.mini?.id].filter((x): x is string => !!x);
    const openids = new Map<string, string>();
    if (accountIds.length) {
      for (const r of await rows<{ account_id: string; customer_id: string; openid: string }>(tx, sql`
        SELECT account_id, customer_id, openid FROM mp_followers WHERE shop_id = ${shopId} AND customer_id = ANY(${pgArray(customerIds)}::uuid[]) AND subscribed AND account_id = ANY(${pgArray(accountIds)}::uuid[])`)) {
        openids.set(`${r.account_id}:${r.customer_id}`, r.openid);
      }
    }
    const contacts = await this.customers.contactPoints(shopId, customerIds, tx);
    const phones = [...contacts.values()].map((c) => c.phone).filter((x): x is string => !!x);
    const suppressed = new Set(
      phones.length ? (await rows<{ phone: string }>(tx, sql`SELECT phone FROM sms_suppressions WHERE shop_id = ${shopId} AND phone = ANY(${pgArray(phones)}::text[])`)).map((r) => r.phone) : [],
    );
    return { received, optouts, consented, grants, openids, contacts, suppressed };
  }

  private async templatesFor(tx: Db, shopId: string, list: Pending[]) {
    const all = await rows<TemplateRow>(tx, sql`SELECT * FROM message_templates WHERE shop_id = ${shopId} AND enabled`);
    const byId = new Map(all.map((t) => [t.id, t]));
    const byTopic = new Map<string, TemplateRow>();
    // The oldest enabled template of a topic and channel is its default; a broadcast names its own.
    for (const t of [...all].reverse()) byTopic.set(`${t.topic}:${t.channel}`, t);
    void list;
    return { byId, byTopic };
  }

  private decide(d: Pending, ctx: ShopContext, f: Awaited<ReturnType<Dispatcher['facts']>>, templates: Awaited<ReturnType<Dispatcher['templatesFor']>>, now: Date): Decision {
    const base = { id: d.id, channel: null, templateId: null, recipient: null, notBefore: null };
    if (f.optouts.has(`${d.customer_id}:*:${d.topic}`) || f.optouts.has(`${d.customer_id}:*:*`)) return { ...base, status: 'opted_out', reason: `topic ${d.topic} refused` };
    const contact = f.contacts.get(d.customer_id);
    if (!contact) return { ...base, status: 'unreachable', reason: 'customer not found or merged' };
    const received = f.received.get(d.customer_id)!;
    const skipped: string[] = [];
    let capReason: string | null = null;
    let deferUntil: Date | null = null;
    for (const channel of d.channels) {
      if (channel === 'wecom') {
        skipped.push('wecom: staff-confirmed mass messages only');
        continue;
      }
      if (!d.transactional && f.optouts.has(`${d.customer_id}:${channel}:*`)) {
        skipped.push(`${channel}: refused by the customer`);
        continue;
      }
      const template = this.templateOf(d, channel, templates);
      if (!template) {
        skipped.push(`${channel}: no template for ${d.topic}`);
        continue;
      }
      const recipient = this.recipient(d, channel, ctx, f, contact.phone);
      if (typeof recipient !== 'string') {
        skipped.push(`${channel}: ${recipient.why}`);
        continue;
      }
      if (!d.transactional) {
        const when = nextSendTime(ctx.budget, channel, now);
        if (when.getTime() > now.getTime()) {
          const earliest = deferUntil as Date | null;
          deferUntil = earliest && earliest.getTime() < when.getTime() ? earliest : when;
          skipped.push(`${channel}: quiet hours`);
          continue;
        }
        const cap = capBroken(ctx.budget, received, channel, false);
        if (cap) {
          capReason = capReason ?? cap;
          skipped.push(`${channel}: ${cap} cap reached`);
          continue;
        }
      }
      return { id: d.id, status: 'sending', channel, templateId: template.id, recipient, reason: null, notBefore: null };
    }
    if (deferUntil) return { ...base, status: 'pending', notBefore: deferUntil, reason: skipped.join('; ') };
    if (capReason) return { ...base, status: 'capped', reason: skipped.join('; ') };
    const refusedAll = skipped.length > 0 && skipped.every((s) => s.endsWith('refused by the customer') || s.includes('suppressed') || s.includes('no marketing consent'));
    return { ...base, status: refusedAll ? 'opted_out' : 'unreachable', reason: skipped.join('; ') || 'no channel' };
  }

  private templateOf(d: Pending, channel: Channel, templates: Awaited<ReturnType<Dispatcher['templatesFor']>>) {
    if (d.broadcast_id) {
      // A broadcast chooses one template per channel (vars.__template_<channel>).
      const chosen = d.vars[`__template_${channel}`];
      return chosen ? templates.byId.get(chosen) ?? null : null;
    }
    return templates.byTopic.get(`${d.topic}:${channel}`) ?? null;
  }

  private recipient(d: Pending, channel: Channel, ctx: ShopContext, f: Awaited<ReturnType<Dispatcher['facts']>>, phone: string | null): string | { why: string } {
    if (channel === 'oa_template') {
      if (!ctx.oa) return { why: 'no official account connected' };
      return f.openids.get(`${ctx.oa.id}:${d.customer_id}`) ?? { why: 'not following the official account' };
    }
    if (channel === 'mini_subscribe') {
      if (!ctx.mini) return { why: 'no mini-program connected' };
      const openid = f.openids.get(`${ctx.mini.id}:${d.customer_id}`);
      if (!openid) return { why: 'never opened the mini-program' };
      if ((f.grants.get(`${d.customer_id}:${d.topic}`) ?? 0) <= 0) return { why: 'no one-time subscription left' };
      return openid;
    }
    if (!ctx.sms) return { why: 'no SMS account' };
    if (!phone) return { why: 'no phone number' };
    if (!d.transactional) {
      if (f.suppressed.has(phone)) return { why: 'number suppressed (replied R)' };
      if (!f.consented.has(d.customer_id)) return { why: 'no marketing consent' };
    }
    return phone;
  }

  // ── Sending ──────────────────────────────────────────────────────────────────────────────────────

  private async send(list: Outgoing[], contexts: Map<string, ShopContext>): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    const sms = list.filter((o) => o.channel === 'sms');
    const wechat = list.filter((o) => o.channel !== 'sms');
    // SMS: numbers that get the same text go in one vendor request.
    const groups = new Map<string, Outgoing[]>();
    for (const o of sms) {
      const params = this.render(o).map((x) => `${x.key}=${x.value}`).join('\u0001');
      const k = `${o.shopId}|${o.template.id}|${params}`;
      (groups.get(k) ?? groups.set(k, []).get(k)!).push(o);
    }
    const tasks: (() => Promise<void>)[] = [];
    for (const g of groups.values()) {
      const ctx = contexts.get(g[0]!.shopId)!;
      if (!ctx.sms) {
        for (const o of g) outcomes.push(this.failed(o, 'sms: account removed', true));
        continue;
      }
      const gateway = this.accounts.smsGateway(ctx.sms);
      // One task per vendor request, so the requests of a large group (a broadcast's one text) go out concurrently.
      for (let i = 0; i < g.length; i += gateway.maxBatch) {
        const chunk = g.slice(i, i + gateway.maxBatch);
        tasks.push(async () => {
          try {
            const results = await gateway.send({ phones: chunk.map((o) => o.recipient), templateId: chunk[0]!.template.vendor_template_id, params: this.render(chunk[0]!), sessionContext: chunk.length === 1 ? chunk[0]!.id : `batch:${chunk[0]!.id}` });
            chunk.forEach((o, j) => {
              const r = results[j]!;
              outcomes.push(r.ok ? this.sent(o, r.vendorMsgId) : this.smsRefused(o, r.code, r.message));
            });
          } catch (err) {
            const e = err as SmsVendorError;
            for (const o of chunk) outcomes.push(e.uncertain ? this.uncertain(o, `sms: ${e.code} ${e.message}`) : this.retryOrFail(o, `sms: ${e.code} ${e.message}`, isTransientSms(e.code)));
          }
        });
      }
    }
    for (const o of wechat) {
      tasks.push(async () => {
        const ctx = contexts.get(o.shopId)!;
        const account = o.channel === 'oa_template' ? ctx.oa : ctx.mini;
        if (!account) {
          outcomes.push(this.failed(o, `${o.channel}: account removed`, true));
          return;
        }
        const client = this.accounts.client(account);
        const data = Object.fromEntries(this.render(o).map((x) => [x.key, x.value]));
        const link = o.template.link ? renderTemplateText(o.template.link, o.vars) : null;
        try {
          if (o.channel === 'oa_template') {
            const url = link ? (/^https?:/.test(link) ? link : `${this.p.publicUrl()}/s/${ctx.slug}${link.startsWith('/') ? '' : '/'}${link}`) : undefined;
            const r = await client.sendTemplate({ openid: o.recipient, templateId: o.template.vendor_template_id, data, url, clientMsgId: o.id.replace(/-/g, '') });
            outcomes.push(this.sent(o, r.msgId));
          } else {
            await client.sendSubscribe({ openid: o.recipient, templateId: o.template.vendor_template_id, data, page: link ?? undefined, state: account.miniState });
            outcomes.push(this.sent(o, null));
          }
        } catch (err) {
          if (!(err instanceof MpApiError)) {
            outcomes.push(this.uncertain(o, `${o.channel}: ${(err as Error).message}`));
            return;
          }
          const why = `${o.channel}: ${err.errcode} ${err.errmsg}`;
          // A template message may be retried with its client_msg_id; a subscribe message that may have gone out may not.
          if (err.errcode === -2 && o.channel === 'mini_subscribe') outcomes.push(this.uncertain(o, why));
          else if (err.transient) outcomes.push(this.retryOrFail(o, why, true));
          else outcomes.push(this.failed(o, why, true, err.errcode === 43101 && o.channel === 'mini_subscribe'));
        }
      });
    }
    await runLimited(tasks, SEND_CONCURRENCY);
    return outcomes;
  }

  private render(o: Outgoing) {
    return o.template.fields.map((f) => ({ key: f.key, value: renderTemplateText(f.value, o.vars) }));
  }

  private sent(o: Outgoing, vendorMsgId: string | null): Outcome {
    return { id: o.id, status: 'sent', vendorMsgId, reason: null, channels: null, notBefore: null, refund: null };
  }

  /** A definite refusal: the budget goes back and the next channel of the chain gets its turn. */
  private failed(o: Outgoing, why: string, fallback: boolean, grantSpent = false): Outcome {
    void grantSpent;
    if (fallback && o.restChannels.length) return { id: o.id, status: 'pending', vendorMsgId: null, reason: why, channels: o.restChannels, notBefore: this.clock(), refund: o };
    return { id: o.id, status: 'failed', vendorMsgId: null, reason: why, channels: null, notBefore: null, refund: o };
  }

  private smsRefused(o: Outgoing, code: string, message: string) {
    return isTransientSms(code) ? this.retryOrFail(o, `sms: ${code} ${message}`, true) : this.failed(o, `sms: ${code} ${message}`, true);
  }

  private retryOrFail(o: Outgoing, why: string, transient: boolean): Outcome {
    if (!transient || o.attempts >= MAX_ATTEMPTS) return this.failed(o, why, true);
    const backoff = 2_000 * 2 ** (o.attempts - 1);
    return { id: o.id, status: 'pending', vendorMsgId: null, reason: why, channels: null, notBefore: new Date(this.clock().getTime() + backoff), refund: o };
  }

  /** It may have gone out: never sent again, and its budget stays spent. */
  private uncertain(o: Outgoing, why: string): Outcome {
    return { id: o.id, status: 'failed', vendorMsgId: null, reason: `UNCERTAIN ${why}`, channels: null, notBefore: null, refund: null };
  }

  private async record(tx: Db, outcomes: Outcome[]) {
    const now = this.clock().toISOString();
    await tx.execute(sql`
      UPDATE deliveries d SET status = u.status, vendor_msg_id = coalesce(u.vendor_msg_id, d.vendor_msg_id),
        reason = nullif(concat_ws('; ', d.reason, u.reason), ''),
        channels = coalesce(u.channels::text[], d.channels), not_before = coalesce(u.not_before, d.not_before),
        channel = CASE WHEN u.status = 'pending' THEN NULL ELSE d.channel END,
        sent_at = CASE WHEN u.status = 'sent' THEN ${now}::timestamptz ELSE d.sent_at END, lease_until = NULL, updated_at = now()
      FROM (SELECT * FROM unnest(${pgArray(outcomes.map((o) => o.id))}::uuid[], ${pgArray(outcomes.map((o) => o.status))}::text[], ${pgArray(outcomes.map((o) => o.vendorMsgId))}::text[],
        ${pgArray(outcomes.map((o) => o.reason))}::text[], ${pgArray(outcomes.map((o) => (o.channels ? o.channels.join(',') : null)))}::text[], ${pgArray(outcomes.map((o) => (o.notBefore ? o.notBefore.toISOString() : null)))}::timestamptz[])
        AS t(id, status, vendor_msg_id, reason, channels_csv, not_before)
        CROSS JOIN LATERAL (SELECT string_to_array(t.channels_csv, ',') AS channels) c) u
      WHERE d.id = u.id AND d.status = 'sending'`);
    const refunds = outcomes.filter((o) => o.refund && !o.refund.transactional).map((o) => o.refund!);
    for (const day of new Set(refunds.map((r) => r.day))) {
      await this.bumpCounters(tx, refunds.filter((r) => r.day === day).map((r) => ({ shopId: r.shopId, customerId: r.customerId, channel: r.channel })), day, -1);
    }
    for (const o of outcomes) {
      if (o.status === 'sent') this.stats.sent++;
      else if (o.status === 'failed') this.stats.failed++;
    }
    countOutcomes(this.p, outcomes.map((o) => (o.status === 'pending' ? 'retry' : o.status)));
  }

  /**
   * Rows left `sending` by a worker that died: template messages go again with the same client_msg_id
   * (WeChat's de-duplication answers with the first msgid); the others are failed as uncertain.
   */
  async recoverStale(): Promise<number> {
    const now = this.clock().toISOString();
    const res = await rows<{ id: string }>(this.p.db, sql`
      UPDATE deliveries SET status = CASE WHEN channel = 'oa_template' AND updated_at > now() - interval '9 minutes' THEN 'pending' ELSE 'failed' END,
        reason = CASE WHEN channel = 'oa_template' AND updated_at > now() - interval '9 minutes' THEN 'resent after a stopped worker (same client_msg_id)'
          ELSE 'UNCERTAIN: the worker stopped during the send; not sent again' END,
        channels = CASE WHEN channel = 'oa_template' THEN ARRAY['oa_template'] ELSE channels END,
        lease_until = NULL, updated_at = now()
      WHERE status = 'sending' AND lease_until < ${now}::timestamptz
      RETURNING id`);
    return res.length;
  }
}

/** The caller's values over the defaults, except empty ones (a reminder that knows no name leaves it to the customer's). */
function withDefaults(defaults: Record<string, string>, vars: Record<string, string>) {
  const out = { ...defaults };
  for (const [k, v] of Object.entries(vars)) if (v !== '' || !(k in out)) out[k] = v;
  return out;
}

/** Vendor answers worth another try later (frequency limits, busy); the others refuse this message for good. */
function isTransientSms(code: string) {
  return /^(RequestLimitExceeded|InternalError|LimitExceeded\.DeliveryFrequencyLimit|isv\.BUSINESS_LIMIT_CONTROL|Throttling|ServiceUnavailable|HTTP5)/.test(code);
}

/**
 * `siyu_messaging_batch_seconds{phase}`: how long a batch took to admit (the budget transaction), send (the
 * vendor calls) and record, and in all. Registered once per app's registry (several dispatchers may share one).
 */
function batchSeconds(p: Platform): client.Histogram<'phase'> {
  const name = 'siyu_messaging_batch_seconds';
  return (p.metrics.registry.getSingleMetric(name) as client.Histogram<'phase'> | undefined) ??
    new client.Histogram({
      name,
      help: 'Dispatcher batches: seconds to admit, send and record, and in all',
      labelNames: ['phase'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [p.metrics.registry],
    });
}

/**
 * `siyu_messaging_deliveries_total{outcome}`: what the dispatcher decided — admitted (to send), deferred
 * (quiet hours), capped, opted_out, unreachable — and what sending came to: sent, failed, retry.
 */
function countOutcomes(p: Platform, outcomes: string[]) {
  const name = 'siyu_messaging_deliveries_total';
  const c =
    (p.metrics.registry.getSingleMetric(name) as client.Counter<'outcome'> | undefined) ??
    new client.Counter({ name, help: 'Deliveries by what the dispatcher decided and what sending came to', labelNames: ['outcome'] as const, registers: [p.metrics.registry] });
  const n = new Map<string, number>();
  for (const o of outcomes) n.set(o, (n.get(o) ?? 0) + 1);
  for (const [outcome, k] of n) c.inc({ outcome }, k);
}

async function runLimited(tasks: (() => Promise<void>)[], limit: number) {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}
