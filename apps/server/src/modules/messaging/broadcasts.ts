import { pgArray } from '../../platform/db/prepared.js';
import { SMS_PRICE_FEN, type BroadcastAudience, type BroadcastBody, type BroadcastResult, type BroadcastVariant, type Channel } from '@siyu/contracts';
import type { Actor, Platform } from '../../platform/context.js';
import { rows, sql, type Db } from '../../platform/db/index.js';
import { conflict, notFound, unprocessable } from '../../platform/errors.js';
import type { CustomersService } from '../customers/service.js';
import { compareArms } from '../experiments/stats/index.js';
import type { GroupService } from '../tags/group-service.js';
import type { TagService } from '../tags/tag-service.js';
import type { Dispatcher } from './dispatcher.js';
import type { MessagingService } from './service.js';

interface BroadcastRow {
  id: string; shop_id: string; name: string; audience: BroadcastAudience; channels: Channel[]; template_ids: Record<string, string>; vars: Record<string, string>;
  link: string | null; holdout_percent: number; attribution_days: number; scheduled_at: Date | null; status: string; recipients: number; holdout: number;
  queued: number; started_at: Date | null; finished_at: Date | null; created_at: Date; variants: BroadcastVariant[];
}

const FANOUT_CHUNK = 2000;
/** How long one fan-out job keeps queueing chunks before it hands over to the next job. */
const FANOUT_SLICE_MS = 3000;

/** A short link's code: the delivery id in base64url (22 characters), so a click names the recipient. */
export const linkCode = (deliveryId: string) => Buffer.from(deliveryId.replace(/-/g, ''), 'hex').toString('base64url');
export function deliveryIdOf(code: string): string | null {
  if (!/^[A-Za-z0-9_-]{22}$/.test(code)) return null;
  const hex = Buffer.from(code, 'base64url').toString('hex');
  return hex.length === 32 ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` : null;
}

/**
 * Broadcasts (群发): an audience (everyone, a group, a tag), a channel chain, and a random holdout kept
 * back by default. Preparing fixes the recipients and the holdout once (a hash of broadcast and customer
 * orders them, so a retried preparation picks the same people); fan-out queues the sent arm's messages in
 * chunks through the one `send`, so every message meets the contact budget. Orders paid within the
 * attribution window count for both arms; the result compares revenue per recipient (Welch interval).
 */
export class BroadcastService {
  constructor(
    private p: Platform,
    private messaging: MessagingService,
    private dispatcher: Dispatcher,
    private customers: CustomersService,
    private groups: GroupService,
    private tags: TagService,
  ) {}

  private async row(shopId: string, id: string, db: Db = this.p.db) {
    const [b] = await rows<BroadcastRow>(db, sql`SELECT * FROM broadcasts WHERE shop_id = ${shopId} AND id = ${id}`);
    if (!b) throw notFound('Broadcast', { field: 'id' });
    return b;
  }

  private async progress(ids: string[]) {
    if (!ids.length) return new Map<string, Record<string, number>>();
    const list = await rows<{ broadcast_id: string; status: string; n: number }>(this.p.db, sql`
      SELECT broadcast_id, status, count(*)::int AS n FROM deliveries WHERE broadcast_id = ANY(${pgArray(ids)}::uuid[]) GROUP BY 1, 2`);
    const out = new Map<string, Record<string, number>>();
    for (const r of list) {
      const m = out.get(r.broadcast_id) ?? {};
      m[r.status] = r.n;
      out.set(r.broadcast_id, m);
    }
    return out;
  }

  private view(b: BroadcastRow, by: Record<string, number> = {}) {
    const toSend = b.recipients - b.holdout;
    const done = (by.sent ?? 0) + (by.delivered ?? 0) + (by.failed ?? 0) + (by.capped ?? 0) + (by.opted_out ?? 0) + (by.unreachable ?? 0);
    return {
      id: b.id, name: b.name, status: b.status, audience: b.audience, channels: b.channels, templateIds: b.template_ids, vars: b.vars, link: b.link,
      holdoutPercent: b.holdout_percent, attributionDays: b.attribution_days, scheduledAt: b.scheduled_at, recipients: b.recipients, holdout: b.holdout, queued: b.queued,
      variants: b.variants,
      progress: {
        total: toSend, done, sent: (by.sent ?? 0) + (by.delivered ?? 0), delivered: by.delivered ?? 0, failed: by.failed ?? 0, capped: by.capped ?? 0,
        optedOut: by.opted_out ?? 0, unreachable: by.unreachable ?? 0, pending: (by.pending ?? 0) + (by.sending ?? 0),
      },
      createdAt: b.created_at, startedAt: b.started_at, finishedAt: b.finished_at,
    };
  }

  async list(shopId: string) {
    const list = await rows<BroadcastRow>(this.p.db, sql`SELECT * FROM broadcasts WHERE shop_id = ${shopId} ORDER BY created_at DESC LIMIT 200`);
    const by = await this.progress(list.map((b) => b.id));
    return { items: list.map((b) => this.view(b, by.get(b.id))) };
  }

  async get(shopId: string, id: string) {
    const b = await this.row(shopId, id);
    return this.view(b, (await this.progress([id])).get(id));
  }

  async create(tx: Db, actor: Actor, input: BroadcastBody) {
    for (const c of input.channels) {
      const t = await this.messaging.template(actor.shopId, input.templateIds[c]!, tx).catch(() => null);
      if (!t) throw notFound('Template', { field: `templateIds.${c}` });
      if (t.channel !== c) throw unprocessable('TEMPLATE_CHANNEL_MISMATCH', 'This template is for another channel', { field: `templateIds.${c}` });
      if (t.topic !== 'promotion') throw unprocessable('TEMPLATE_TOPIC_MISMATCH', 'A broadcast uses templates of the topic “promotion”', { field: `templateIds.${c}` });
    }
    for (const [i, v] of input.variants.entries()) {
      for (const [c, templateId] of Object.entries(v.templateIds)) {
        const field = `variants.${i}.templateIds.${c}`;
        const t = await this.messaging.template(actor.shopId, templateId, tx).catch(() => null);
        if (!t) throw notFound('Template', { field });
        if (t.channel !== c) throw unprocessable('TEMPLATE_CHANNEL_MISMATCH', 'This template is for another channel', { field });
        if (t.topic !== 'promotion') throw unprocessable('TEMPLATE_TOPIC_MISMATCH', 'A broadcast uses templates of the topic “promotion”', { field });
      }
    }
    const [b] = await rows<BroadcastRow>(tx, sql`
      INSERT INTO broadcasts (shop_id, name, audience, channels, template_ids, vars, link, holdout_percent, attribution_days, scheduled_at, created_by, variants)
      VALUES (${actor.shopId}, ${input.name}, ${JSON.stringify(input.audience)}::jsonb, ${pgArray(input.channels)}::text[], ${JSON.stringify(input.templateIds)}::jsonb,
        ${JSON.stringify(input.vars)}::jsonb, ${input.link}, ${input.holdoutPercent}, ${input.attributionDays}, ${input.scheduledAt}::timestamptz, ${actor.name},
        ${JSON.stringify(input.variants)}::jsonb)
      RETURNING *`);
    return this.view(b!);
  }

  private async audienceIds(shopId: string, a: BroadcastAudience): Promise<string[]> {
    if (a.kind === 'all') return this.customers.allIds(shopId);
    if (a.kind === 'group') return this.groups.allMemberIds(shopId, a.groupId);
    return this.tags.customerIdsWithTag(shopId, a.tagId);
  }

  /** Reach and cost before sending: who each channel of the chain would take, and what SMS would cost. */
  async estimate(shopId: string, id: string) {
    const b = await this.row(shopId, id);
    const ids = await this.audienceIds(shopId, b.audience);
    const holdout = Math.round((ids.length * b.holdout_percent) / 100);
    const toSend = ids.length - holdout;
    const ctx = await this.dispatcher.shopContext(shopId);
    const reach = await rows<{ oa: number; mini: number; sms: number; any_channel: number }>(this.p.db, sql`
      WITH a AS (SELECT unnest(${pgArray(ids)}::uuid[]) AS c),
      oa AS (SELECT DISTINCT customer_id AS c FROM mp_followers WHERE shop_id = ${shopId} AND account_id = ${ctx.oa?.id ?? null}::uuid AND subscribed AND customer_id IS NOT NULL),
      mini AS (SELECT DISTINCT customer_id AS c FROM subscribe_grants WHERE shop_id = ${shopId} AND topic = 'promotion' AND granted > used),
      sms AS (SELECT customer_id AS c FROM contact_consents WHERE shop_id = ${shopId} AND sms_marketing_at IS NOT NULL)
      SELECT count(*) FILTER (WHERE a.c IN (SELECT c FROM oa))::int AS oa, count(*) FILTER (WHERE a.c IN (SELECT c FROM mini))::int AS mini,
        count(*) FILTER (WHERE a.c IN (SELECT c FROM sms))::int AS sms,
        count(*) FILTER (WHERE a.c IN (SELECT c FROM oa) OR a.c IN (SELECT c FROM mini) OR a.c IN (SELECT c FROM sms))::int AS any_channel
      FROM a`);
    const r = reach[0]!;
    const share = ids.length ? toSend / ids.length : 0;
    const reachable = {
      mini_subscribe: b.channels.includes('mini_subscribe') ? Math.round(r.mini * share) : 0,
      oa_template: b.channels.includes('oa_template') ? Math.round(r.oa * share) : 0,
      sms: b.channels.includes('sms') && ctx.sms ? Math.round(r.sms * share) : 0,
    };
    // SMS go to those the earlier channels of the chain do not reach (an upper bound: caps may stop some).
    const earlier = b.channels.indexOf('sms') > 0 ? Math.max(reachable.mini_subscribe, reachable.oa_template) : 0;
    const smsCount = b.channels.includes('sms') ? Math.max(0, reachable.sms - earlier) : 0;
    const anyReach = Math.round(r.any_channel * share);
    return { audience: ids.length, holdout, toSend, reachable, unreachable: Math.max(0, toSend - anyReach), smsCount, costFen: smsCount * SMS_PRICE_FEN };
  }

  async start(tx: Db, shopId: string, id: string) {
    const b = await this.row(shopId, id, tx);
    if (b.status !== 'draft') throw conflict('BROADCAST_STATE_INVALID', 'Only a draft can be started', { field: 'status' });
    const at = b.scheduled_at && new Date(b.scheduled_at) > this.p.now() ? new Date(b.scheduled_at) : this.p.now();
    await tx.execute(sql`UPDATE broadcasts SET status = ${at > this.p.now() ? 'scheduled' : 'preparing'}, updated_at = now() WHERE id = ${id}`);
    await this.p.jobs.send('messaging.broadcast-prepare', { shopId, id }, { tx, runAt: at, singletonKey: `prepare:${id}` });
    return { before: this.view(b), after: this.view(await this.row(shopId, id, tx)) };
  }

  /** Fixes the recipients and the holdout (a retried job finds them fixed), then starts the fan-out. */
  async prepare(shopId: string, id: string) {
    const b = await this.row(shopId, id);
    if (b.status === 'cancelled' || b.status === 'done') return;
    const ids = b.recipients ? [] : await this.audienceIds(shopId, b.audience);
    await this.p.database.transaction(async (tx) => {
      const [cur] = await rows<BroadcastRow>(tx, sql`SELECT * FROM broadcasts WHERE id = ${id} FOR UPDATE`);
      if (!cur || cur.recipients > 0 || !['scheduled', 'preparing'].includes(cur.status)) return;
      const holdout = Math.round((ids.length * cur.holdout_percent) / 100);
      // The audience goes to a scratch table in chunks, then into broadcast_recipients once, numbered in a
      // random order fixed by the ids: the first `holdout` of it are kept back, the rest are numbered for fan-out.
      await tx.execute(sql`CREATE TEMP TABLE broadcast_audience (customer_id uuid) ON COMMIT DROP`);
      for (let i = 0; i < ids.length; i += 20_000) {
        await tx.execute(sql`INSERT INTO broadcast_audience SELECT unnest(${pgArray(ids.slice(i, i + 20_000))}::uuid[])`);
      }
      await tx.execute(sql`
        INSERT INTO broadcast_recipients (broadcast_id, shop_id, customer_id, seq, holdout, variant)
        SELECT ${id}, ${shopId}, c, rn, rn <= ${holdout}, CASE WHEN rn <= ${holdout} THEN NULL ELSE ${variantCase(cur.variants, holdout, ids.length - holdout)} END
        FROM (SELECT c, row_number() OVER (ORDER BY md5(${id}::text || c::text))::int AS rn FROM (SELECT DISTINCT customer_id AS c FROM broadcast_audience) a) o
        ON CONFLICT DO NOTHING`);
      await tx.execute(sql`UPDATE broadcasts SET recipients = ${ids.length}, holdout = ${holdout}, status = 'sending', started_at = now(), updated_at = now() WHERE id = ${id}`);
      await this.p.jobs.send('messaging.broadcast-fanout', { shopId, id, after: holdout }, { tx, singletonKey: `fanout:${id}:${holdout}` });
    });
  }

  /**
   * Queues the sent arm chunk by chunk, each chunk in a transaction of its own that first checks the
   * broadcast is still sending, so pause takes effect between chunks. A job goes on for FANOUT_SLICE_MS
   * (the next chunk need not wait for the queue's next poll); the chunk that ends its slice queues the next
   * job in its own transaction, so a retried job repeats at most its own slice (`send` skips known keys).
   */
  async fanout(shopId: string, id: string, after: number) {
    const until = Date.now() + FANOUT_SLICE_MS;
    for (let from: number | null = after; from !== null; ) {
      const start: number = from;
      from = await this.p.database.transaction(async (tx) => {
        const [b] = await rows<BroadcastRow>(tx, sql`SELECT * FROM broadcasts WHERE id = ${id} FOR UPDATE`);
        if (!b || b.status !== 'sending') return null;
        const chunk = await rows<{ customer_id: string; seq: number; variant: string | null }>(tx, sql`
          SELECT customer_id, seq, variant FROM broadcast_recipients WHERE broadcast_id = ${id} AND seq > ${start} AND NOT holdout ORDER BY seq LIMIT ${FANOUT_CHUNK}`);
        if (!chunk.length) return null;
        const content = messageOf(b);
        const inputs = chunk.map((r) => {
          const deliveryId = globalThis.crypto.randomUUID();
          const link = b.link ? `${this.p.publicUrl()}/r/${linkCode(deliveryId)}` : '';
          return { deliveryId, shopId, customerId: r.customer_id, topic: 'promotion' as const, key: `bc:${id}:${r.customer_id}`, channels: b.channels, broadcastId: id, vars: { ...content(r.variant), ...(link ? { link } : {}) } };
        });
        const n = await this.messaging.send(tx, inputs);
        await tx.execute(sql`UPDATE broadcasts SET queued = queued + ${n}, updated_at = now() WHERE id = ${id}`);
        const last = chunk[chunk.length - 1]!.seq;
        if (chunk.length < FANOUT_CHUNK) return null;
        if (Date.now() < until) return last;
        await this.p.jobs.send('messaging.broadcast-fanout', { shopId, id, after: last }, { tx, singletonKey: `fanout:${id}:${last}` });
        return null;
      });
    }
  }

  async pause(tx: Db, shopId: string, id: string) {
    const b = await this.row(shopId, id, tx);
    if (!['sending', 'preparing', 'scheduled'].includes(b.status)) throw conflict('BROADCAST_STATE_INVALID', 'Only a running broadcast can be paused', { field: 'status' });
    await tx.execute(sql`UPDATE broadcasts SET status = 'paused', updated_at = now() WHERE id = ${id}`);
    // Queued messages wait too: far in the future until resumed.
    await tx.execute(sql`UPDATE deliveries SET not_before = 'infinity' WHERE broadcast_id = ${id} AND status = 'pending'`);
    return { before: this.view(b), after: this.view(await this.row(shopId, id, tx)) };
  }

  async resume(tx: Db, shopId: string, id: string) {
    const b = await this.row(shopId, id, tx);
    if (b.status !== 'paused') throw conflict('BROADCAST_STATE_INVALID', 'Only a paused broadcast can be resumed', { field: 'status' });
    const prepared = b.recipients > 0;
    await tx.execute(sql`UPDATE broadcasts SET status = ${prepared ? 'sending' : 'preparing'}, updated_at = now() WHERE id = ${id}`);
    await tx.execute(sql`UPDATE deliveries SET not_before = now() WHERE broadcast_id = ${id} AND status = 'pending'`);
    if (!prepared) await this.p.jobs.send('messaging.broadcast-prepare', { shopId, id }, { tx });
    else {
      const [last] = await rows<{ seq: number | null }>(tx, sql`
        SELECT max(r.seq) AS seq FROM broadcast_recipients r JOIN deliveries d ON d.shop_id = r.shop_id AND d.idempotency_key = 'bc:' || r.broadcast_id || ':' || r.customer_id
        WHERE r.broadcast_id = ${id}`);
      const after = last?.seq ?? b.holdout;
      await this.p.jobs.send('messaging.broadcast-fanout', { shopId, id, after }, { tx });
    }
    return { before: this.view(b), after: this.view(await this.row(shopId, id, tx)) };
  }

  async cancel(tx: Db, shopId: string, id: string) {
    const b = await this.row(shopId, id, tx);
    if (['cancelled', 'done'].includes(b.status)) throw conflict('BROADCAST_STATE_INVALID', 'This broadcast has ended', { field: 'status' });
    await tx.execute(sql`UPDATE broadcasts SET status = 'cancelled', finished_at = now(), updated_at = now() WHERE id = ${id}`);
    await tx.execute(sql`UPDATE deliveries SET status = 'failed', reason = 'broadcast cancelled before sending', updated_at = now() WHERE broadcast_id = ${id} AND status = 'pending'`);
    return { before: this.view(b), after: this.view(await this.row(shopId, id, tx)) };
  }

  /**
   * A sending broadcast whose every message is queued and none is waiting any more is done. `queued` counts
   * the deliveries fan-out wrote (in their transactions), so no count over a million rows every 15 s; the
   * waiting ones are found through the partial indexes of pending and sending rows.
   */
  async finishDone() {
    await this.p.db.execute(sql`
      UPDATE broadcasts b SET status = 'done', finished_at = now(), updated_at = now()
      WHERE b.status = 'sending' AND b.queued >= b.recipients - b.holdout
        AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.status = 'pending' AND d.broadcast_id = b.id)
        AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.status = 'sending' AND d.broadcast_id = b.id)`);
  }

  /** Orders count for every broadcast the customer was in (either arm) within its attribution window. */
  async attributeOrder(tx: Db, shopId: string, customerId: string, amountFen: number, paidAt: Date) {
    await tx.execute(sql`
      UPDATE broadcast_recipients r SET orders = r.orders + 1, revenue_fen = r.revenue_fen + ${amountFen}
      FROM broadcasts b
      WHERE r.shop_id = ${shopId} AND r.customer_id = ${customerId} AND b.id = r.broadcast_id AND b.started_at IS NOT NULL
        AND b.started_at <= ${paidAt.toISOString()}::timestamptz AND ${paidAt.toISOString()}::timestamptz < b.started_at + b.attribution_days * interval '1 day'`);
  }

  async click(deliveryId: string): Promise<{ url: string } | null> {
    const [d] = await rows<{ shop_id: string; customer_id: string; broadcast_id: string | null; link: string | null; slug: string }>(this.p.db, sql`
      SELECT d.shop_id, d.customer_id, d.broadcast_id, b.link, s.slug FROM deliveries d JOIN broadcasts b ON b.id = d.broadcast_id JOIN shops s ON s.id = d.shop_id WHERE d.id = ${deliveryId}`);
    if (!d || !d.link) return null;
    await this.p.db.execute(sql`UPDATE broadcast_recipients SET clicked_at = coalesce(clicked_at, now()) WHERE broadcast_id = ${d.broadcast_id} AND customer_id = ${d.customer_id}`);
    const url = /^https?:\/\//.test(d.link) ? d.link : `${this.p.publicUrl()}/s/${d.slug}${d.link.startsWith('/') ? '' : '/'}${d.link}`;
    return { url };
  }

  async result(shopId: string, id: string): Promise<BroadcastResult> {
    const b = await this.row(shopId, id);
    const arms = await rows<{ holdout: boolean; n: number; buyers: number; orders: number; revenue: number; revenue_sq: number; clicked: number }>(this.p.db, sql`
      SELECT holdout, count(*)::int AS n, count(*) FILTER (WHERE orders > 0)::int AS buyers, coalesce(sum(orders), 0)::int AS orders,
        coalesce(sum(revenue_fen), 0)::float8 AS revenue, coalesce(sum(revenue_fen::float8 * revenue_fen::float8), 0)::float8 AS revenue_sq,
        count(*) FILTER (WHERE clicked_at IS NOT NULL)::int AS clicked
      FROM broadcast_recipients WHERE broadcast_id = ${id} GROUP BY holdout`);
    const [delivered] = await rows<{ n: number }>(this.p.db, sql`
      SELECT count(*)::int AS n FROM deliveries WHERE broadcast_id = ${id} AND (status = 'delivered' OR (status = 'sent' AND channel <> 'oa_template'))`);
    const s = arms.find((a) => !a.holdout) ?? { n: 0, buyers: 0, orders: 0, revenue: 0, revenue_sq: 0, clicked: 0 };
    const h = arms.find((a) => a.holdout) ?? { n: 0, buyers: 0, orders: 0, revenue: 0, revenue_sq: 0, clicked: 0 };
    return {
      attributionDays: b.attribution_days,
      arms: {
        sent: { recipients: s.n, delivered: delivered?.n ?? 0, clicked: s.clicked, buyers: s.buyers, orders: s.orders, revenueFen: Math.round(s.revenue) },
        holdout: { recipients: h.n, buyers: h.buyers, orders: h.orders, revenueFen: Math.round(h.revenue) },
      },
      revenuePerRecipientFen: { sent: s.n ? s.revenue / s.n : 0, holdout: h.n ? h.revenue / h.n : 0 },
      conversion: { sent: s.n ? s.buyers / s.n : 0, holdout: h.n ? h.buyers / h.n : 0 },
      incrementalRevenueFen: incrementalRevenue({ n: s.n, sum: s.revenue, sumSq: s.revenue_sq }, { n: h.n, sum: h.revenue, sumSq: h.revenue_sq }),
      ...(b.variants.length ? await this.variantResult(b, { n: h.n, sum: h.revenue, sumSq: h.revenue_sq }) : { variants: null, analysis: null }),
    };
  }

  /** Each arm of an A/B test against the holdout, and the arms against the control (buyers and revenue per recipient). */
  private async variantResult(b: BroadcastRow, holdout: { n: number; sum: number; sumSq: number }) {
    const per = await rows<{ variant: string; n: number; buyers: number; orders: number; revenue: number; revenue_sq: number; clicked: number; delivered: number }>(this.p.db, sql`
      SELECT r.variant, count(*)::int AS n, count(*) FILTER (WHERE r.orders > 0)::int AS buyers, coalesce(sum(r.orders), 0)::int AS orders,
        coalesce(sum(r.revenue_fen), 0)::float8 AS revenue, coalesce(sum(r.revenue_fen::float8 * r.revenue_fen::float8), 0)::float8 AS revenue_sq,
        count(*) FILTER (WHERE r.clicked_at IS NOT NULL)::int AS clicked,
        count(*) FILTER (WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.shop_id = r.shop_id AND d.idempotency_key = 'bc:' || r.broadcast_id || ':' || r.customer_id
          AND (d.status = 'delivered' OR (d.status = 'sent' AND d.channel <> 'oa_template'))))::int AS delivered
      FROM broadcast_recipients r WHERE r.broadcast_id = ${b.id} AND NOT r.holdout GROUP BY r.variant`);
    const byKey = new Map(per.map((r) => [r.variant, r]));
    const arms = b.variants.map((v) => {
      const r = byKey.get(v.key) ?? { n: 0, buyers: 0, orders: 0, revenue: 0, revenue_sq: 0, clicked: 0, delivered: 0 };
      return {
        key: v.key, name: v.name, weight: v.weight, recipients: r.n, delivered: r.delivered, clicked: r.clicked, buyers: r.buyers, orders: r.orders,
        revenueFen: Math.round(r.revenue), conversion: r.n ? r.buyers / r.n : 0, revenuePerRecipientFen: r.n ? r.revenue / r.n : 0,
        incrementalRevenueFen: incrementalRevenue({ n: r.n, sum: r.revenue, sumSq: r.revenue_sq }, holdout),
        sumSquares: r.revenue_sq,
      };
    });
    const analysis = compareArms(arms.map((x) => ({ key: x.key, users: x.recipients, conversions: x.buyers, weight: x.weight, revenue: { sum: x.revenueFen, sumSquares: x.sumSquares } })));
    return { variants: arms.map(({ sumSquares: _, ...x }) => x), analysis };
  }
}

/**
 * The SQL that names a sent recipient's arm from its place in the broadcast's random order: arm i takes
 * the next round(weight_i / Σweight × toSend) places, so the split is exact and a retried preparation,
 * which finds the same order, gives everyone the same arm.
 */
function variantCase(variants: BroadcastVariant[], holdout: number, toSend: number) {
  if (!variants.length) return sql`NULL`;
  const total = variants.reduce((s, v) => s + v.weight, 0);
  let acc = 0;
  const whens = variants.slice(0, -1).map((v) => {
    acc += v.weight;
    return sql`WHEN rn <= ${holdout + Math.round((acc / total) * toSend)} THEN ${v.key}`;
  });
  return sql`(CASE ${sql.join(whens, sql` `)} ELSE ${variants.at(-1)!.key} END)`;
}

/** A recipient's variables: the broadcast's, its arm's overrides, and the template per channel. */
function messageOf(b: BroadcastRow) {
  const cache = new Map<string | null, Record<string, string>>();
  return (variant: string | null) => {
    let vars = cache.get(variant);
    if (!vars) {
      const v = variant ? b.variants.find((x) => x.key === variant) : undefined;
      const templateIds = { ...b.template_ids, ...(v?.templateIds ?? {}) };
      vars = { ...b.vars, ...(v?.vars ?? {}), ...Object.fromEntries(b.channels.map((c) => [`__template_${c}`, templateIds[c]!])) };
      cache.set(variant, vars);
    }
    return vars;
  };
}

/**
 * (mean_sent − mean_holdout) × n_sent with a 95% interval from Welch's standard error. Needs two people
 * per arm; the normal quantile is used (arms of a broadcast are large), which the t quantile approaches.
 */
export function incrementalRevenue(sent: { n: number; sum: number; sumSq: number }, holdout: { n: number; sum: number; sumSq: number }) {
  if (sent.n < 2 || holdout.n < 2) return null;
  const stats = (a: { n: number; sum: number; sumSq: number }) => {
    const mean = a.sum / a.n;
    const variance = Math.max(0, (a.sumSq - a.n * mean * mean) / (a.n - 1));
    return { mean, variance };
  };
  const x = stats(sent);
  const y = stats(holdout);
  const diff = x.mean - y.mean;
  const se = Math.sqrt(x.variance / sent.n + y.variance / holdout.n);
  const z = 1.959963984540054;
  return { estimate: Math.round(diff * sent.n), low: Math.round((diff - z * se) * sent.n), high: Math.round((diff + z * se) * sent.n) };
}
