import { createHmac, randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { JOURNEY_EVENTS, JourneyBody, durationMs, type JourneyNode, type JourneyNodeStats, type JourneyStatus, type JourneyTrigger, type SegmentRule } from '@siyu/contracts';
import type { Actor, Platform } from '../../platform/context.js';
import { rows, sql, type Db } from '../../platform/db/index.js';
import { pgArray, uuidArray } from '../../platform/db/prepared.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import type { CustomersService } from '../customers/service.js';
import type { PointsService } from '../loyalty/points-service.js';
import { compareArms } from '../experiments/stats/index.js';
import { incrementalRevenue } from '../messaging/broadcasts.js';
import type { MessagingService } from '../messaging/service.js';
import type { CouponService } from '../promotions/coupon-service.js';
import type { GroupService } from '../tags/group-service.js';
import type { TagService } from '../tags/tag-service.js';
import { branchesOf, inHoldout, nextNode, payloadMatches, splitBranch, validateGraph } from './graph.js';

/** Segment-style conditions about one customer now; the segments module provides the real one. */
export interface CustomerConditions {
  matches(shopId: string, rule: SegmentRule, customerId: string): Promise<boolean>;
  /** Refuses a rule naming another shop's tags, levels or categories (field under `path`). */
  check?(shopId: string, rule: SegmentRule, path: string): Promise<void>;
}

/** Until the segments module is wired: a condition node waits (retried with backoff) rather than guessing. */
const UNWIRED: CustomerConditions = {
  matches: async () => {
    throw new Error('customer conditions are not wired (JourneyService.useConditions)');
  },
};

interface JourneyRow {
  id: string; shop_id: string; name: string; status: JourneyStatus; version: number; trigger_kind: string; trigger_event: string | null;
  trigger_group_id: string | null; next_run_at: Date | null; secret: string; created_by: string | null; created_at: Date; updated_at: Date;
  published_at: Date | null; ended_at: Date | null;
}

interface InstanceRow {
  id: string; shop_id: string; journey_id: string; version: number; customer_id: string; arm: 'treatment' | 'holdout'; test: boolean;
  status: 'active' | 'waiting' | 'converted' | 'exited' | 'done'; node_id: string | null; seq: number; wake_at: Date | null; waiting_event: string | null;
  event_hit: boolean; attempts: number; entered_at: Date; goal_until: Date | null; last_error: string | null; ended_at: Date | null; exit_reason: string | null;
}

/** What a node does now: pass on (with an outcome, and a branch when it branches) or wait until a time (or an event). */
type NodeAction = { pass: true; outcome: string; detail: Record<string, unknown> | null; branch?: string } | { pass: false; at: Date; event: string | null };

export interface PathStep { seq: number; nodeId: string; type: JourneyNode['type']; outcome: string; detail: Record<string, unknown> | null }

/** Thrown by a test's fault hook: the worker "dies" there (nothing after it runs, its claims stay until they expire). */
export class WorkerCrash extends Error {}

const LIVE = ['active', 'waiting'];
/** Nodes one instance walks in one claim before it goes back to the queue (a long chain cannot hog a worker). */
const MAX_STEPS = 50;
const MAX_ATTEMPTS = 8;
const SHOP_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;
/** A placeholder id in playbooks: the merchant picks the real template, coupon, tag or group before publishing. */
export const PICK_ME = '00000000-0000-4000-8000-000000000000';

/** The shop-local day (UTC+8) as YYYY-MM-DD. */
export const shopDate = (at: Date) => new Date(at.getTime() + SHOP_OFFSET_MS).toISOString().slice(0, 10);
/** The instant a shop-local date and hour begins. */
const shopInstant = (date: string, hour: number, minute = 0) => new Date(Date.parse(`${date}T00:00:00Z`) - SHOP_OFFSET_MS + hour * 3600_000 + minute * 60_000);
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** The next shop-local hh:mm strictly after `now`. */
export function nextShopTime(now: Date, hour: number, minute: number): Date {
  const today = shopInstant(shopDate(now), hour, minute);
  return today > now ? today : new Date(today.getTime() + DAY_MS);
}

/**
 * 自动化营销: journeys, their versions, instances and steps. Entry comes from domain events, segment changes,
 * dates and schedules; `advanceDue` (a job every second) walks due instances node by node, each node's effect,
 * its step row and the instance's new state in one transaction (a batch of instances shares one), so a killed
 * worker resumes at the last committed node and nothing is skipped or done twice.
 */
export class JourneyService {
  /** The engine's clock; tests move it to pass waits. */
  clock: () => Date = () => this.p.now();
  /** Tests only: called inside a step's transaction just before it commits, and right after. A throw is a crash. */
  faults: { beforeCommit?: (instanceId: string, seq: number) => void; afterCommit?: (instanceId: string, seq: number) => void } = {};
  private conditions: CustomerConditions = UNWIRED;
  private definitions = new Map<string, JourneyBody>();

  constructor(
    private p: Platform,
    private d: { messaging: MessagingService; coupons: CouponService; points: PointsService; tags: TagService; groups: GroupService; customers: CustomersService },
  ) {}

  useConditions(c: CustomerConditions) {
    this.conditions = c;
  }

  // ── Journeys and versions ─────────────────────────────────────────────────────────────────────────

  private async row(db: Db, shopId: string, id: string, lock = false) {
    const [j] = await rows<JourneyRow>(db, lock ? sql`SELECT * FROM journeys WHERE shop_id = ${shopId} AND id = ${id} FOR UPDATE` : sql`SELECT * FROM journeys WHERE shop_id = ${shopId} AND id = ${id}`);
    if (!j) throw notFound('Journey', { field: 'id' });
    return j;
  }

  /** A version's definition; published versions never change, so they are kept per process. */
  private async definition(db: Db, journeyId: string, version: number): Promise<JourneyBody> {
    const key = `${journeyId}:${version}`;
    const hit = this.definitions.get(key);
    if (hit) return hit;
    const [v] = await rows<{ definition: JourneyBody; published_at: Date | null }>(db, sql`SELECT definition, published_at FROM journey_versions WHERE journey_id = ${journeyId} AND version = ${version}`);
    if (!v) throw new Error(`journey ${journeyId} has no version ${version}`);
    if (v.published_at) this.definitions.set(key, v.definition);
    return v.definition;
  }

  private view(j: JourneyRow, counts?: { live: number; entered: number; converted: number; holdout: number }) {
    return {
      id: j.id, name: j.name, status: j.status, version: j.version, trigger: { kind: j.trigger_kind, event: j.trigger_event, groupId: j.trigger_group_id },
      nextRunAt: j.next_run_at, createdBy: j.created_by, createdAt: j.created_at, updatedAt: j.updated_at, publishedAt: j.published_at, endedAt: j.ended_at,
      counts: counts ?? { live: 0, entered: 0, converted: 0, holdout: 0 },
    };
  }

  async list(shopId: string) {
    const list = await rows<JourneyRow>(this.p.db, sql`SELECT * FROM journeys WHERE shop_id = ${shopId} ORDER BY created_at DESC LIMIT 500`);
    const counts = await rows<{ journey_id: string; live: number; entered: number; converted: number; holdout: number }>(this.p.db, sql`
      SELECT journey_id, count(*) FILTER (WHERE status IN ('active', 'waiting') AND arm = 'treatment')::int AS live, count(*)::int AS entered,
        count(*) FILTER (WHERE converted_at IS NOT NULL)::int AS converted, count(*) FILTER (WHERE arm = 'holdout')::int AS holdout
      FROM journey_instances WHERE shop_id = ${shopId} AND NOT test GROUP BY journey_id`);
    const by = new Map(counts.map((c) => [c.journey_id, c]));
    return { items: list.map((j) => this.view(j, by.get(j.id))) };
  }

  async get(shopId: string, id: string) {
    const j = await this.row(this.p.db, shopId, id);
    const versions = await rows<{ version: number; published_at: Date | null; created_by: string | null; created_at: Date }>(this.p.db, sql`
      SELECT version, published_at, created_by, created_at FROM journey_versions WHERE journey_id = ${id} ORDER BY version`);
    return {
      ...this.view(j),
      // Receivers check X-Siyu-Signature with it.
      webhookSecret: j.secret,
      definition: await this.definition(this.p.db, id, j.version),
      versions: versions.map((v) => ({ version: v.version, publishedAt: v.published_at, createdBy: v.created_by, createdAt: v.created_at })),
    };
  }

  /**
   * What the other modules hold that a definition names must be the shop's. A draft may still hold a playbook's
   * placeholders (PICK_ME); going live (`final`) refuses them, naming the field.
   */
  private async checkRefs(shopId: string, body: JourneyBody, final: boolean) {
    if (final) {
      const placeholder = findPath(body, PICK_ME);
      if (placeholder) throw new AppError(422, 'JOURNEY_INCOMPLETE', 'Pick the template, coupon, tag or group this step needs', { field: placeholder });
    }
    const real = (id: string) => id !== PICK_ME;
    const t = body.trigger;
    if ((t.kind === 'segment_entered' || t.kind === 'schedule') && real(t.groupId)) {
      await this.d.groups.get(shopId, t.groupId).catch((err) => {
        throw err instanceof AppError && err.status === 404 ? notFound('Group', { field: 'trigger.groupId' }) : err;
      });
    }
    for (const [i, n] of body.nodes.entries()) {
      if (n.type === 'send') {
        for (const c of n.channels.filter((x) => real(n.templateIds[x]!))) {
          const tpl = await this.d.messaging.template(shopId, n.templateIds[c]!).catch(() => null);
          if (!tpl) throw notFound('Template', { field: `nodes.${i}.templateIds.${c}` });
          if (tpl.channel !== c) throw new AppError(422, 'TEMPLATE_CHANNEL_MISMATCH', 'This template is for another channel', { field: `nodes.${i}.templateIds.${c}` });
          if (tpl.topic !== 'promotion') throw new AppError(422, 'TEMPLATE_TOPIC_MISMATCH', 'A journey uses templates of the topic “promotion”', { field: `nodes.${i}.templateIds.${c}` });
        }
      }
      if (n.type === 'coupon' && real(n.couponTemplateId)) {
        await this.d.coupons.template(this.p.db, shopId, n.couponTemplateId).catch(() => {
          throw notFound('Coupon', { field: `nodes.${i}.couponTemplateId` });
        });
      }
      if (n.type === 'condition' && final && this.conditions.check) await this.conditions.check(shopId, n.rule, `nodes.${i}.rule`);
      if (n.type === 'tag') {
        const known = await this.d.tags.existingIds(this.p.db, shopId, n.tagIds);
        const bad = n.tagIds.findIndex((id) => real(id) && !known.has(id));
        if (bad >= 0) throw notFound('Tag', { field: `nodes.${i}.tagIds.${bad}` });
      }
    }
  }

  private triggerColumns(t: JourneyTrigger) {
    return {
      kind: t.kind,
      event: t.kind === 'event' ? t.event : null,
      groupId: t.kind === 'segment_entered' || t.kind === 'schedule' ? t.groupId : null,
      nextRunAt: t.kind === 'schedule' ? new Date(t.at).toISOString() : null,
    };
  }

  async create(actor: Actor, input: JourneyBody) {
    const body = JourneyBody.parse(input);
    validateGraph(body);
    await this.checkRefs(actor.shopId, body, false);
    const c = this.triggerColumns(body.trigger);
    return this.p.database.transaction(async (tx) => {
      const [j] = await rows<JourneyRow>(tx, sql`
        INSERT INTO journeys (shop_id, name, trigger_kind, trigger_event, trigger_group_id, next_run_at, secret, created_by)
        VALUES (${actor.shopId}, ${body.name}, ${c.kind}, ${c.event}, ${c.groupId}::uuid, ${c.nextRunAt}::timestamptz, ${randomBytes(24).toString('hex')}, ${actor.name})
        RETURNING *`);
      await tx.execute(sql`INSERT INTO journey_versions (journey_id, version, definition, created_by) VALUES (${j!.id}, 1, ${JSON.stringify(body)}::jsonb, ${actor.name})`);
      return { ...this.view(j!), definition: body };
    });
  }

  /** A draft is edited in place; a live or paused journey gets a new version that new entries take (instances stay on theirs). */
  async update(actor: Actor, id: string, input: JourneyBody) {
    const body = JourneyBody.parse(input);
    validateGraph(body);
    const current = await this.row(this.p.db, actor.shopId, id);
    await this.checkRefs(actor.shopId, body, current.status !== 'draft');
    const c = this.triggerColumns(body.trigger);
    return this.p.database.transaction(async (tx) => {
      const j = await this.row(tx, actor.shopId, id, true);
      if (j.status === 'ended') throw conflict('JOURNEY_STATE_INVALID', 'An ended journey cannot be changed', { field: 'status' });
      const before = this.view(j);
      let version = j.version;
      if (j.status === 'draft') {
        await tx.execute(sql`UPDATE journey_versions SET definition = ${JSON.stringify(body)}::jsonb, created_by = ${actor.name} WHERE journey_id = ${id} AND version = ${version} AND published_at IS NULL`);
      } else {
        version = j.version + 1;
        await tx.execute(sql`INSERT INTO journey_versions (journey_id, version, definition, published_at, created_by) VALUES (${id}, ${version}, ${JSON.stringify(body)}::jsonb, ${this.clock().toISOString()}::timestamptz, ${actor.name})`);
      }
      const [after] = await rows<JourneyRow>(tx, sql`
        UPDATE journeys SET name = ${body.name}, version = ${version}, trigger_kind = ${c.kind}, trigger_event = ${c.event}, trigger_group_id = ${c.groupId}::uuid,
          next_run_at = CASE WHEN ${c.kind} = 'schedule' THEN coalesce(CASE WHEN trigger_kind = 'schedule' THEN next_run_at END, ${c.nextRunAt}::timestamptz) END, updated_at = now()
        WHERE id = ${id} RETURNING *`);
      return { before, after: { ...this.view(after!), definition: body } };
    });
  }

  async publish(actor: Actor, id: string) {
    const j = await this.row(this.p.db, actor.shopId, id);
    if (j.status !== 'draft') throw conflict('JOURNEY_STATE_INVALID', 'Only a draft can be published', { field: 'status' });
    const body = await this.definition(this.p.db, id, j.version);
    validateGraph(body);
    await this.checkRefs(actor.shopId, body, true);
    return this.p.database.transaction(async (tx) => {
      const cur = await this.row(tx, actor.shopId, id, true);
      if (cur.status !== 'draft') throw conflict('JOURNEY_STATE_INVALID', 'Only a draft can be published', { field: 'status' });
      await tx.execute(sql`UPDATE journey_versions SET published_at = ${this.clock().toISOString()}::timestamptz WHERE journey_id = ${id} AND version = ${cur.version}`);
      const [after] = await rows<JourneyRow>(tx, sql`UPDATE journeys SET status = 'live', published_at = ${this.clock().toISOString()}::timestamptz, updated_at = now() WHERE id = ${id} RETURNING *`);
      return { before: this.view(cur), after: this.view(after!) };
    });
  }

  async setStatus(actor: Actor, id: string, action: 'pause' | 'resume' | 'end') {
    return this.p.database.transaction(async (tx) => {
      const j = await this.row(tx, actor.shopId, id, true);
      const allowed = { pause: ['live'], resume: ['paused'], end: ['live', 'paused'] }[action];
      if (!allowed.includes(j.status)) throw conflict('JOURNEY_STATE_INVALID', `A ${j.status} journey cannot ${action}`, { field: 'status' });
      const status = { pause: 'paused', resume: 'live', end: 'ended' }[action];
      const [after] = await rows<JourneyRow>(tx, sql`
        UPDATE journeys SET status = ${status}, updated_at = now(), ended_at = CASE WHEN ${status} = 'ended' THEN now() ELSE ended_at END WHERE id = ${id} RETURNING *`);
      if (action === 'end') {
        await tx.execute(sql`
          UPDATE journey_instances SET status = 'exited', exit_reason = 'journey_ended', ended_at = ${this.clock().toISOString()}::timestamptz, wake_at = NULL
          WHERE journey_id = ${id} AND status IN ('active', 'waiting')`);
      }
      return { before: this.view(j), after: this.view(after!) };
    });
  }

  // ── Entry ─────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Enters a customer on the journey's current version, in the caller's transaction. The re-entry rule is
   * read first; the partial unique index then makes "at most one live instance" hold whatever races, and
   * `entryKey` makes the same cause (an event, a day, a schedule slot) enter at most once.
   */
  async enter(tx: Db, j: Pick<JourneyRow, 'id' | 'shop_id' | 'version'>, customerId: string, opts: { entryKey?: string; wakeAt?: Date } = {}): Promise<'treatment' | 'holdout' | 'skipped'> {
    const now = this.clock();
    const def = await this.definition(tx, j.id, j.version);
    const [last] = await rows<{ status: string; entered_at: Date }>(tx, sql`
      SELECT status, entered_at FROM journey_instances WHERE shop_id = ${j.shop_id} AND customer_id = ${customerId} AND journey_id = ${j.id} AND NOT test ORDER BY entered_at DESC, created_at DESC LIMIT 1`);
    if (last) {
      if (LIVE.includes(last.status)) return 'skipped';
      if (def.reentry.kind === 'never') return 'skipped';
      if (def.reentry.kind === 'after_days' && new Date(last.entered_at).getTime() + def.reentry.days * DAY_MS > now.getTime()) return 'skipped';
    }
    const holdout = inHoldout(j.id, customerId, def.holdoutPercent);
    const enteredAt = opts.wakeAt && opts.wakeAt > now ? opts.wakeAt : now;
    const goalUntil = def.goal ? new Date(enteredAt.getTime() + def.goal.withinDays * DAY_MS) : null;
    // The holdout walks nothing: it waits out the goal window (so both arms are measured alike), or is done at once without a goal.
    const status = holdout ? (goalUntil ? 'waiting' : 'done') : 'active';
    const wakeAt = holdout ? goalUntil : enteredAt;
    const exitGroup = def.exitOnSegmentLeft && def.trigger.kind === 'segment_entered' ? def.trigger.groupId : null;
    const inserted = await rows<{ id: string }>(tx, sql`
      INSERT INTO journey_instances (shop_id, journey_id, version, customer_id, arm, status, wake_at, entry_key, entered_at, goal_event, goal_until, exit_group_id, ended_at, exit_reason)
      VALUES (${j.shop_id}, ${j.id}, ${j.version}, ${customerId}, ${holdout ? 'holdout' : 'treatment'}, ${status}, ${wakeAt?.toISOString() ?? null}::timestamptz, ${opts.entryKey ?? null},
        ${enteredAt.toISOString()}::timestamptz, ${def.goal?.event ?? null}, ${goalUntil?.toISOString() ?? null}::timestamptz, ${exitGroup}::uuid,
        ${status === 'done' ? now.toISOString() : null}::timestamptz, ${status === 'done' ? 'holdout' : null})
      ON CONFLICT DO NOTHING RETURNING id`);
    if (!inserted.length) return 'skipped';
    return holdout ? 'holdout' : 'treatment';
  }

  /**
   * `enter` for many customers at once, in the caller's transaction: the same rules per customer (re-entry read
   * first, the partial unique indexes deciding races and repeated causes), one read and one INSERT for the lot.
   * Answers how many entered each arm.
   */
  async enterMany(tx: Db, j: Pick<JourneyRow, 'id' | 'shop_id' | 'version'>, customerIds: string[], opts: { entryKey?: string; wakeAt?: Date } = {}) {
    const ids = [...new Set(customerIds)];
    const out = { treatment: 0, holdout: 0 };
    if (!ids.length) return out;
    const now = this.clock();
    const def = await this.definition(tx, j.id, j.version);
    const last = await rows<{ customer_id: string; status: string; entered_at: Date }>(tx, sql`
      SELECT DISTINCT ON (customer_id) customer_id, status, entered_at FROM journey_instances
      WHERE shop_id = ${j.shop_id} AND customer_id = ANY(${uuidArray(ids)}::uuid[]) AND journey_id = ${j.id} AND NOT test
      ORDER BY customer_id, entered_at DESC, created_at DESC`);
    const lastOf = new Map(last.map((l) => [l.customer_id, l]));
    const entering = ids.filter((c) => {
      const l = lastOf.get(c);
      if (!l) return true;
      if (LIVE.includes(l.status)) return false;
      if (def.reentry.kind === 'never') return false;
      if (def.reentry.kind === 'after_days' && new Date(l.entered_at).getTime() + def.reentry.days * DAY_MS > now.getTime()) return false;
      return true;
    });
    if (!entering.length) return out;
    const enteredAt = opts.wakeAt && opts.wakeAt > now ? opts.wakeAt : now;
    const goalUntil = def.goal ? new Date(enteredAt.getTime() + def.goal.withinDays * DAY_MS) : null;
    const exitGroup = def.exitOnSegmentLeft && def.trigger.kind === 'segment_entered' ? def.trigger.groupId : null;
    const arms = entering.map((c) => (inHoldout(j.id, c, def.holdoutPercent) ? 'holdout' : 'treatment'));
    // The holdout walks nothing: it waits out the goal window, or is done at once without a goal (as `enter`).
    const holdoutStatus = goalUntil ? 'waiting' : 'done';
    const inserted = await rows<{ arm: 'treatment' | 'holdout' }>(tx, sql`
      INSERT INTO journey_instances (shop_id, journey_id, version, customer_id, arm, status, wake_at, entry_key, entered_at, goal_event, goal_until, exit_group_id, ended_at, exit_reason)
      SELECT ${j.shop_id}, ${j.id}, ${j.version}, e.customer_id, e.arm,
        CASE WHEN e.arm = 'holdout' THEN ${holdoutStatus} ELSE 'active' END,
        CASE WHEN e.arm = 'holdout' THEN ${goalUntil?.toISOString() ?? null}::timestamptz ELSE ${enteredAt.toISOString()}::timestamptz END,
        ${opts.entryKey ?? null}, ${enteredAt.toISOString()}::timestamptz, ${def.goal?.event ?? null}, ${goalUntil?.toISOString() ?? null}::timestamptz, ${exitGroup}::uuid,
        CASE WHEN e.arm = 'holdout' AND ${holdoutStatus} = 'done' THEN ${now.toISOString()}::timestamptz END,
        CASE WHEN e.arm = 'holdout' AND ${holdoutStatus} = 'done' THEN 'holdout' END
      FROM unnest(${uuidArray(entering)}::uuid[], ${pgArray(arms)}::text[]) WITH ORDINALITY AS e(customer_id, arm, n) ORDER BY e.n
      ON CONFLICT DO NOTHING RETURNING arm`);
    for (const r of inserted) out[r.arm]++;
    return out;
  }

  private async liveJourneys(db: Db, shopId: string, kind: string, event?: string) {
    return rows<JourneyRow>(db, event
      ? sql`SELECT * FROM journeys WHERE shop_id = ${shopId} AND status = 'live' AND trigger_kind = ${kind} AND trigger_event = ${event}`
      : sql`SELECT * FROM journeys WHERE shop_id = ${shopId} AND status = 'live' AND trigger_kind = ${kind}`);
  }

  /**
   * A journey event on the bus (exactly once, in its transaction): orders count for instances within their goal
   * window, the goal converts, waiting instances that wait for it wake, and journeys it triggers are entered.
   */
  async onEvent(tx: Db, event: { id: number; shopId: string | null; type: string; payload: Record<string, unknown> }) {
    const c = event.payload.customerId;
    const customerId = typeof c === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(c) ? c : null;
    if (!event.shopId || !customerId) return;
    const now = this.clock().toISOString();
    if (event.type === 'order.paid') {
      // The read model for date triggers is kept whether or not the shop has journeys yet.
      await tx.execute(sql`
        INSERT INTO journey_customer_dates (shop_id, customer_id, property, at) VALUES (${event.shopId}, ${customerId}, 'last_paid_at', ${now}::timestamptz)
        ON CONFLICT (shop_id, customer_id, property) DO UPDATE SET at = greatest(journey_customer_dates.at, excluded.at)`);
    }
    // Most shops have no journey: one indexed look, and the event costs nothing more.
    const [any] = await rows(tx, sql`SELECT 1 FROM journeys WHERE shop_id = ${event.shopId} AND status <> 'draft' LIMIT 1`);
    if (!any) return;
    if (event.type === 'order.paid') {
      const paidFen = Number(event.payload.paidFen ?? 0);
      await tx.execute(sql`
        UPDATE journey_instances SET orders = orders + 1, revenue_fen = revenue_fen + ${paidFen}
        WHERE shop_id = ${event.shopId} AND customer_id = ${customerId} AND NOT test AND entered_at <= ${now}::timestamptz AND ${now}::timestamptz < goal_until`);
    }
    const orderId = typeof event.payload.orderId === 'string' ? event.payload.orderId : null;
    await tx.execute(sql`
      UPDATE journey_instances SET converted_at = ${now}::timestamptz, converted_order_id = ${orderId},
        converted_fen = ${event.type === 'order.paid' ? Number(event.payload.paidFen ?? 0) : null},
        status = CASE WHEN status IN ('active', 'waiting') THEN 'converted' ELSE status END,
        ended_at = CASE WHEN status IN ('active', 'waiting') THEN ${now}::timestamptz ELSE ended_at END,
        exit_reason = CASE WHEN status IN ('active', 'waiting') THEN 'goal' ELSE exit_reason END,
        wake_at = CASE WHEN status IN ('active', 'waiting') THEN NULL ELSE wake_at END
      WHERE shop_id = ${event.shopId} AND customer_id = ${customerId} AND NOT test AND goal_event = ${event.type} AND converted_at IS NULL
        AND entered_at <= ${now}::timestamptz AND ${now}::timestamptz < goal_until`);
    await tx.execute(sql`
      UPDATE journey_instances SET event_hit = true, wake_at = ${now}::timestamptz
      WHERE shop_id = ${event.shopId} AND customer_id = ${customerId} AND status = 'waiting' AND waiting_event = ${event.type} AND NOT event_hit AND wake_at >= ${now}::timestamptz`);
    for (const j of await this.liveJourneys(tx, event.shopId, 'event', event.type)) {
      const def = await this.definition(tx, j.id, j.version);
      if (def.trigger.kind !== 'event' || !payloadMatches(event.payload, def.trigger.where)) continue;
      await this.enter(tx, j, customerId, { entryKey: `ev:${event.id}` });
    }
  }

  /** `segment.changed` {groupId, entered, left}: enters journeys started by the segment, exits instances that leave on leaving it. */
  async onSegmentChanged(tx: Db, event: { id: number; shopId: string | null; payload: Record<string, unknown> }) {
    const p = event.payload as { groupId?: unknown; entered?: unknown; left?: unknown };
    const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    const ids = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && UUID.test(x)) : []);
    const groupId = typeof p.groupId === 'string' && UUID.test(p.groupId) ? p.groupId : null;
    const entered = ids(p.entered);
    const left = ids(p.left);
    if (!event.shopId || !groupId) return;
    if (left.length) {
      await tx.execute(sql`
        UPDATE journey_instances SET status = 'exited', exit_reason = 'segment_left', ended_at = ${this.clock().toISOString()}::timestamptz, wake_at = NULL
        WHERE shop_id = ${event.shopId} AND exit_group_id = ${groupId} AND status IN ('active', 'waiting') AND NOT test
          AND customer_id = ANY(${pgArray(left)}::uuid[])`);
    }
    if (!entered.length) return;
    const journeys = (await this.liveJourneys(tx, event.shopId, 'segment_entered')).filter((j) => j.trigger_group_id === groupId);
    for (const j of journeys) await this.enterMany(tx, j, entered, { entryKey: `seg:${event.id}` });
  }

  /** `customer.merged`: the survivor takes the merged-away customer's instances (one live per journey still) and dates. */
  async onMerged(tx: Db, event: { shopId: string | null; payload: Record<string, unknown> }) {
    const { fromCustomerId: from, intoCustomerId: into } = event.payload as { fromCustomerId?: string; intoCustomerId?: string };
    if (!event.shopId || !from || !into) return;
    await tx.execute(sql`
      UPDATE journey_instances i SET status = 'exited', exit_reason = 'merged', ended_at = ${this.clock().toISOString()}::timestamptz, wake_at = NULL
      WHERE i.shop_id = ${event.shopId} AND i.customer_id = ${from} AND i.status IN ('active', 'waiting') AND NOT i.test
        AND EXISTS (SELECT 1 FROM journey_instances x WHERE x.journey_id = i.journey_id AND x.customer_id = ${into} AND x.status IN ('active', 'waiting') AND NOT x.test)`);
    await tx.execute(sql`
      UPDATE journey_instances i SET customer_id = ${into}
      WHERE i.shop_id = ${event.shopId} AND i.customer_id = ${from}
        AND NOT EXISTS (SELECT 1 FROM journey_instances x WHERE x.journey_id = i.journey_id AND x.customer_id = ${into} AND x.entry_key = i.entry_key)`);
    await tx.execute(sql`
      INSERT INTO journey_customer_dates (shop_id, customer_id, property, at)
      SELECT shop_id, ${into}, property, at FROM journey_customer_dates WHERE shop_id = ${event.shopId} AND customer_id = ${from}
      ON CONFLICT (shop_id, customer_id, property) DO UPDATE SET at = greatest(journey_customer_dates.at, excluded.at)`);
    await tx.execute(sql`DELETE FROM journey_customer_dates WHERE shop_id = ${event.shopId} AND customer_id = ${from}`);
  }

  async onCardChanged(tx: Db, event: { shopId: string | null; payload: Record<string, unknown> }) {
    const { customerId, expiresAt } = event.payload as { customerId?: string; expiresAt?: string };
    if (!event.shopId || !customerId || !expiresAt) return;
    await tx.execute(sql`
      INSERT INTO journey_customer_dates (shop_id, customer_id, property, at) VALUES (${event.shopId}, ${customerId}, 'member_card_end', ${expiresAt}::timestamptz)
      ON CONFLICT (shop_id, customer_id, property) DO UPDATE SET at = excluded.at`);
  }

  /**
   * date_property triggers (hourly; entries keyed by the day, so running again enters nobody twice): everyone whose
   * date plus the offset is today (shop time) enters, waking at the trigger's hour.
   */
  async enterByDates() {
    const now = this.clock();
    const today = shopDate(now);
    const journeys = await rows<JourneyRow>(this.p.db, sql`SELECT * FROM journeys WHERE status = 'live' AND trigger_kind = 'date_property'`);
    let n = 0;
    for (const j of journeys) {
      const def = await this.definition(this.p.db, j.id, j.version);
      if (def.trigger.kind !== 'date_property') continue;
      const t = def.trigger;
      const day = addDays(today, -t.offsetDays);
      let people: string[];
      if (t.property === 'birthday') {
        const md = day.slice(5);
        const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
        const mds = md === '02-28' && !leap(Number(day.slice(0, 4))) ? ['02-28', '02-29'] : [md];
        people = (await this.d.customers.withBirthdayOn(mds)).filter((r) => r.shopId === j.shop_id).map((r) => r.customerId);
      } else {
        const from = shopInstant(day, 0);
        people = (await rows<{ customer_id: string }>(this.p.db, sql`
          SELECT customer_id FROM journey_customer_dates WHERE shop_id = ${j.shop_id} AND property = ${t.property}
            AND at >= ${from.toISOString()}::timestamptz AND at < ${new Date(from.getTime() + DAY_MS).toISOString()}::timestamptz`)).map((r) => r.customer_id);
      }
      const wakeAt = shopInstant(today, t.hour);
      for (let i = 0; i < people.length; i += 500) {
        await this.p.database.transaction(async (tx) => {
          const e = await this.enterMany(tx, j, people.slice(i, i + 500), { entryKey: `date:${today}`, wakeAt });
          n += e.treatment + e.holdout;
        });
      }
    }
    return n;
  }

  /** schedule triggers: at each due slot every member of the group enters (keyed by the slot), then the next slot is set. */
  async runSchedules() {
    const now = this.clock();
    const due = await rows<JourneyRow>(this.p.db, sql`
      SELECT * FROM journeys WHERE status = 'live' AND trigger_kind = 'schedule' AND next_run_at <= ${now.toISOString()}::timestamptz`);
    let n = 0;
    for (const j of due) {
      const def = await this.definition(this.p.db, j.id, j.version);
      if (def.trigger.kind !== 'schedule') continue;
      const slot = new Date(j.next_run_at!);
      const members = await this.d.groups.allMemberIds(j.shop_id, def.trigger.groupId).catch(() => [] as string[]);
      for (let i = 0; i < members.length; i += 500) {
        await this.p.database.transaction(async (tx) => {
          const e = await this.enterMany(tx, j, members.slice(i, i + 500), { entryKey: `sched:${slot.toISOString()}` });
          n += e.treatment + e.holdout;
        });
      }
      let next: Date | null = null;
      const every = def.trigger.every;
      if (every !== 'once') {
        next = new Date(slot);
        while (next <= now) {
          if (every === 'day') next = new Date(next.getTime() + DAY_MS);
          else if (every === 'week') next = new Date(next.getTime() + 7 * DAY_MS);
          else next.setUTCMonth(next.getUTCMonth() + 1);
        }
      }
      await this.p.db.execute(sql`UPDATE journeys SET next_run_at = ${next?.toISOString() ?? null}::timestamptz WHERE id = ${j.id} AND next_run_at = ${slot.toISOString()}::timestamptz`);
    }
    return n;
  }

  // ── The engine ────────────────────────────────────────────────────────────────────────────────────

  /**
   * Walks due instances of live journeys as far as each goes now: up to JOURNEY_CONCURRENCY batches at once, each
   * one transaction that claims up to JOURNEY_BATCH due instances (`walkBatch`). Returns how many were claimed.
   */
  async advanceDue(limit = this.p.config.JOURNEY_BATCH * this.p.config.JOURNEY_CONCURRENCY): Promise<number> {
    const size = Math.max(1, Math.min(this.p.config.JOURNEY_BATCH, limit));
    const batches = Math.max(1, Math.ceil(limit / size));
    let claimed = 0;
    let started = 0;
    let crash: unknown = null;
    const worker = async () => {
      while (started < batches && !crash) {
        started++;
        try {
          const n = await this.walkBatch(size);
          claimed += n;
          // Fewer due than a batch: the other slots would find none either.
          if (n < size) return;
        } catch (err) {
          crash = err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.p.config.JOURNEY_CONCURRENCY, batches) }, worker));
    if (crash) throw crash;
    return claimed;
  }

  /**
   * One transaction: claims up to `limit` due instances of live journeys (FOR UPDATE SKIP LOCKED: other workers
   * pass them by while it runs, and a killed worker's claims end with its transaction), walks each node by node in
   * memory as `step` would (the same effects, in this transaction), then writes every step row in one INSERT and
   * every instance's new state in one UPDATE, all committing together. An instance that reaches a condition stops
   * before it (its state so far commits) and takes the one-by-one path after the commit, since the condition is
   * asked outside any transaction. If the batch fails, nothing of it committed and each of its instances takes
   * the one-by-one path, which backs a failing node off on its own. Returns how many were claimed.
   */
  private async walkBatch(limit: number): Promise<number> {
    const solo: string[] = [];
    const written: [string, number][] = [];
    let ids: string[] = [];
    try {
      await this.p.database.transaction(async (tx) => {
        const now = this.clock();
        const list = await rows<InstanceRow>(tx, sql`
          SELECT i.* FROM journey_instances i JOIN journeys j ON j.id = i.journey_id
          WHERE i.status IN ('active', 'waiting') AND i.wake_at <= ${now.toISOString()}::timestamptz AND NOT i.test AND j.status = 'live'
            AND (i.lease_until IS NULL OR i.lease_until < ${now.toISOString()}::timestamptz)
          ORDER BY i.wake_at LIMIT ${limit} FOR UPDATE OF i SKIP LOCKED`);
        ids = list.map((i) => i.id);
        const journeyIds = [...new Set(list.map((i) => i.journey_id))];
        const live = new Set((await rows<{ id: string }>(tx, sql`SELECT id FROM journeys WHERE id = ANY(${uuidArray(journeyIds)}::uuid[]) AND status = 'live'`)).map((j) => j.id));
        const steps: StepRow[] = [];
        const states: InstanceRow[] = [];
        const effects: Effect[] = [];
        for (const inst of list) {
          const cur: InstanceRow = { ...inst };
          states.push(cur);
          if (!LIVE.includes(inst.status) || !inst.wake_at || new Date(inst.wake_at) > now || !live.has(inst.journey_id)) continue;
          if (inst.arm === 'holdout') {
            Object.assign(cur, { status: 'done', exit_reason: 'holdout', ended_at: now, wake_at: null });
            continue;
          }
          const def = await this.definition(tx, inst.journey_id, inst.version);
          const nodeOf = (nodeId: string) => {
            const n = def.nodes.find((x) => x.id === nodeId);
            if (!n) throw new Error(`journey ${inst.journey_id} v${inst.version} has no node ${nodeId}`);
            return n;
          };
          for (let k = 0; k < MAX_STEPS; k++) {
            const seq = cur.seq + 1;
            let node: JourneyNode;
            let a: NodeAction;
            if (cur.status === 'waiting') {
              node = nodeOf(cur.node_id!);
              a = node.type === 'wait_event' ? { pass: true, outcome: cur.event_hit ? 'yes' : 'timeout', detail: null, branch: cur.event_hit ? 'yes' : 'timeout' } : { pass: true, outcome: 'done', detail: null };
            } else {
              const nodeId = cur.node_id ?? nextNode(def, 'entry');
              if (!nodeId) {
                Object.assign(cur, { status: 'done', exit_reason: 'completed', ended_at: now, wake_at: null });
                break;
              }
              node = nodeOf(nodeId);
              if (node.type === 'condition') {
                // Where it is now (active at the condition, due) commits with the batch; the condition is asked after.
                cur.node_id = node.id;
                solo.push(inst.id);
                break;
              }
              a = BATCHED.has(node.type) ? deferEffect(effects, cur, node, seq) : (await this.runNode(tx, cur, node, seq, now, {}, null))!;
            }
            if (!a.pass) {
              Object.assign(cur, { status: 'waiting', node_id: node.id, wake_at: a.at, waiting_event: a.event, event_hit: false });
              break;
            }
            steps.push({ instanceId: inst.id, seq, shopId: inst.shop_id, journeyId: inst.journey_id, version: inst.version, nodeId: node.id, outcome: a.outcome, detail: a.detail ? JSON.stringify(a.detail) : null });
            if (effects.at(-1)?.step === null) effects.at(-1)!.step = steps.at(-1)!;
            cur.seq = seq;
            if (node.type === 'exit') {
              Object.assign(cur, { status: 'exited', exit_reason: 'exit_node', node_id: node.id, ended_at: now, wake_at: null, waiting_event: null });
              break;
            }
            const to = nextNode(def, node.id, branchesOf(node) ? a.branch : undefined);
            if (!to) {
              Object.assign(cur, { status: 'done', exit_reason: 'completed', node_id: node.id, ended_at: now, wake_at: null, waiting_event: null });
              break;
            }
            Object.assign(cur, { status: 'active', node_id: to, wake_at: now, waiting_event: null, event_hit: false, attempts: 0, last_error: null });
          }
        }
        await this.applyEffects(tx, effects);
        if (steps.length) {
          await tx.execute(sql`
            INSERT INTO journey_steps (instance_id, seq, shop_id, journey_id, version, node_id, outcome, detail, at)
            SELECT s.*, ${now.toISOString()}::timestamptz FROM unnest(${uuidArray(steps.map((x) => x.instanceId))}::uuid[], ${pgArray(steps.map((x) => x.seq))}::int[],
              ${uuidArray(steps.map((x) => x.shopId))}::uuid[], ${uuidArray(steps.map((x) => x.journeyId))}::uuid[], ${pgArray(steps.map((x) => x.version))}::int[],
              ${pgArray(steps.map((x) => x.nodeId))}::text[], ${pgArray(steps.map((x) => x.outcome))}::text[], ${pgArray(steps.map((x) => x.detail))}::jsonb[]) AS s`);
        }
        if (states.length) {
          const ts = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
          await tx.execute(sql`
            UPDATE journey_instances i SET status = v.status, node_id = v.node_id, seq = v.seq, wake_at = v.wake_at, waiting_event = v.waiting_event, event_hit = v.event_hit,
              attempts = v.attempts, last_error = v.last_error, ended_at = v.ended_at, exit_reason = v.exit_reason, lease_until = NULL
            FROM unnest(${uuidArray(states.map((x) => x.id))}::uuid[], ${pgArray(states.map((x) => x.status))}::text[], ${pgArray(states.map((x) => x.node_id))}::text[],
              ${pgArray(states.map((x) => x.seq))}::int[], ${pgArray(states.map((x) => ts(x.wake_at)))}::timestamptz[], ${pgArray(states.map((x) => x.waiting_event))}::text[],
              ${pgArray(states.map((x) => x.event_hit))}::boolean[], ${pgArray(states.map((x) => x.attempts))}::int[], ${pgArray(states.map((x) => x.last_error))}::text[],
              ${pgArray(states.map((x) => ts(x.ended_at)))}::timestamptz[], ${pgArray(states.map((x) => x.exit_reason))}::text[])
              AS v(id, status, node_id, seq, wake_at, waiting_event, event_hit, attempts, last_error, ended_at, exit_reason)
            WHERE i.id = v.id`);
        }
        if (this.faults.beforeCommit) for (const x of steps) this.crashOn(() => this.faults.beforeCommit!(x.instanceId, x.seq));
        for (const x of steps) written.push([x.instanceId, x.seq]);
      });
    } catch (err) {
      if (err instanceof WorkerCrash) throw err;
      this.p.log.warn({ err, instances: ids.length }, 'journey batch failed, walking its instances one by one');
      for (const id of ids) await this.advanceInstance(id);
      return ids.length;
    }
    if (this.faults.afterCommit) for (const [id, seq] of written) this.crashOn(() => this.faults.afterCommit!(id, seq));
    for (const id of solo) await this.advanceInstance(id);
    return ids.length;
  }

  /**
   * The batch's sends, points and tags, set-wise: one `queue` for every message, one `earnMany` per shop
   * and one tag statement per shop, action and tags (with one segments refresh for all its customers). The
   * steps learn whether their effect was new; the keys are the ones the single-node path uses, so a batch
   * retried after a crash, or walked again one by one, finds them taken.
   */
  private async applyEffects(tx: Db, effects: Effect[]) {
    const sends = effects.filter((e) => e.node.type === 'send');
    if (sends.length) {
      const queued = await this.d.messaging.queue(tx, sends.map((e) => {
        const node = e.node as Extract<JourneyNode, { type: 'send' }>;
        const vars: Record<string, string> = { ...node.vars };
        for (const c of node.channels) vars[`__template_${c}`] = node.templateIds[c]!;
        return { shopId: e.shopId, customerId: e.customerId, topic: 'promotion' as const, key: e.ref, channels: node.channels, vars };
      }));
      for (const e of sends) if (e.step) e.step.outcome = queued.has(e.ref) ? 'queued' : 'duplicate';
    }
    const groups = new Map<string, Effect[]>();
    for (const e of effects) {
      if (e.node.type === 'points') groups.set(`points|${e.shopId}`, [...(groups.get(`points|${e.shopId}`) ?? []), e]);
      if (e.node.type === 'tag') {
        const k = `tag|${e.shopId}|${e.node.action}|${[...e.node.tagIds].sort().join(',')}`;
        groups.set(k, [...(groups.get(k) ?? []), e]);
      }
    }
    for (const list of groups.values()) {
      const { node, shopId } = list[0]!;
      if (node.type === 'points') {
        const fresh = await this.d.points.earnMany(tx, shopId, list.map((e) => ({ customerId: e.customerId, amount: (e.node as Extract<JourneyNode, { type: 'points' }>).points, ref: e.ref })), 'adjust', '自动化营销赠送');
        for (const e of list) if (e.step) e.step.outcome = fresh.has(e.ref) ? 'awarded' : 'duplicate';
      } else if (node.type === 'tag') {
        const customers = [...new Set(list.map((e) => e.customerId))];
        if (node.action === 'add') await this.d.tags.addManualTagsMany(tx, shopId, customers, node.tagIds);
        else await this.d.tags.removeManualTagsMany(tx, shopId, customers, node.tagIds);
      }
    }
  }

  /** Walks one instance until it waits, ends or has taken MAX_STEPS; a failing node backs off and is retried. */
  async advanceInstance(id: string, opts: { test?: boolean } = {}) {
    try {
      for (let i = 0; i < MAX_STEPS; i++) if (!(await this.step(id, opts))) break;
      await this.p.db.execute(sql`UPDATE journey_instances SET lease_until = NULL WHERE id = ${id}`);
    } catch (err) {
      if (err instanceof WorkerCrash) throw err;
      const message = err instanceof Error ? err.message : String(err);
      this.p.log.warn({ err, instanceId: id }, 'journey step failed, will retry');
      const now = this.clock();
      await this.p.db.execute(sql`
        UPDATE journey_instances SET attempts = attempts + 1, last_error = ${message.slice(0, 500)}, lease_until = NULL,
          wake_at = ${now.toISOString()}::timestamptz + least(3600, 30 * power(2, attempts)) * interval '1 second',
          status = CASE WHEN attempts + 1 >= ${MAX_ATTEMPTS} THEN 'exited' ELSE status END,
          exit_reason = CASE WHEN attempts + 1 >= ${MAX_ATTEMPTS} THEN 'error' ELSE exit_reason END,
          ended_at = CASE WHEN attempts + 1 >= ${MAX_ATTEMPTS} THEN ${now.toISOString()}::timestamptz ELSE ended_at END
        WHERE id = ${id} AND status IN ('active', 'waiting')`);
      if (opts.test) throw err;
    }
  }

  private async instance(db: Db, id: string, lock = false) {
    const [i] = await rows<InstanceRow>(db, lock ? sql`SELECT * FROM journey_instances WHERE id = ${id} FOR UPDATE` : sql`SELECT * FROM journey_instances WHERE id = ${id}`);
    return i ?? null;
  }

  /**
   * One node, in one transaction: the instance row is locked and read again, the node's effect, its step row
   * (unique per instance and seq) and the instance's next state commit together. Returns whether to go on now.
   */
  private async step(id: string, opts: { test?: boolean }): Promise<boolean> {
    // A condition asks the segments module, which reads on its own connection: asked before the transaction,
    // used only if the instance is still where it was.
    const peek = await this.instance(this.p.db, id);
    if (!peek || !LIVE.includes(peek.status)) return false;
    let asked: { seq: number; nodeId: string; value: boolean } | null = null;
    if (peek.status === 'active' && peek.arm === 'treatment') {
      const def = await this.definition(this.p.db, peek.journey_id, peek.version);
      const nodeId = peek.node_id ?? nextNode(def, 'entry');
      const node = def.nodes.find((n) => n.id === nodeId);
      if (node?.type === 'condition') asked = { seq: peek.seq, nodeId: node.id, value: await this.conditions.matches(peek.shop_id, node.rule, peek.customer_id) };
    }

    let committedSeq: number | null = null;
    const goOn = await this.p.database.transaction(async (tx) => {
      const inst = await this.instance(tx, id, true);
      if (!inst || !LIVE.includes(inst.status)) return false;
      const now = this.clock();
      if (!opts.test) {
        if (!inst.wake_at || new Date(inst.wake_at) > now) return false;
        const [j] = await rows<{ status: string }>(tx, sql`SELECT status FROM journeys WHERE id = ${inst.journey_id}`);
        if (j?.status !== 'live') return false;
      }
      if (inst.arm === 'holdout') {
        await tx.execute(sql`UPDATE journey_instances SET status = 'done', exit_reason = 'holdout', ended_at = ${now.toISOString()}::timestamptz, wake_at = NULL WHERE id = ${id}`);
        return false;
      }
      const def = await this.definition(tx, inst.journey_id, inst.version);
      const seq = inst.seq + 1;
      const nodeOf = (nodeId: string) => {
        const n = def.nodes.find((x) => x.id === nodeId);
        if (!n) throw new Error(`journey ${inst.journey_id} v${inst.version} has no node ${nodeId}`);
        return n;
      };

      /** Writes the step and moves the instance on by `branch` (or to the end). */
      const pass = async (node: JourneyNode, outcome: string, detail: Record<string, unknown> | null, branch?: string) => {
        await tx.execute(sql`
          INSERT INTO journey_steps (instance_id, seq, shop_id, journey_id, version, node_id, outcome, detail, at)
          VALUES (${id}, ${seq}, ${inst.shop_id}, ${inst.journey_id}, ${inst.version}, ${node.id}, ${outcome}, ${detail ? JSON.stringify(detail) : null}::jsonb, ${now.toISOString()}::timestamptz)`);
        if (node.type === 'exit') {
          await tx.execute(sql`UPDATE journey_instances SET seq = ${seq}, status = 'exited', exit_reason = 'exit_node', node_id = ${node.id}, ended_at = ${now.toISOString()}::timestamptz, wake_at = NULL, waiting_event = NULL WHERE id = ${id}`);
          return false;
        }
        const to = nextNode(def, node.id, branchesOf(node) ? branch : undefined);
        if (!to) {
          await tx.execute(sql`UPDATE journey_instances SET seq = ${seq}, status = 'done', exit_reason = 'completed', node_id = ${node.id}, ended_at = ${now.toISOString()}::timestamptz, wake_at = NULL, waiting_event = NULL WHERE id = ${id}`);
          return false;
        }
        await tx.execute(sql`UPDATE journey_instances SET seq = ${seq}, status = 'active', node_id = ${to}, wake_at = ${now.toISOString()}::timestamptz, waiting_event = NULL, event_hit = false, attempts = 0, last_error = NULL WHERE id = ${id}`);
        return true;
      };
      const waitUntil = async (node: JourneyNode, at: Date, event: string | null = null) => {
        await tx.execute(sql`UPDATE journey_instances SET status = 'waiting', node_id = ${node.id}, wake_at = ${at.toISOString()}::timestamptz, waiting_event = ${event}, event_hit = false WHERE id = ${id}`);
        return false;
      };

      let result: boolean;
      if (inst.status === 'waiting') {
        // A wait is over: by its time, or (wait_event) by the event.
        const node = nodeOf(inst.node_id!);
        if (node.type === 'wait_event') result = await pass(node, inst.event_hit ? 'yes' : 'timeout', null, inst.event_hit ? 'yes' : 'timeout');
        else result = await pass(node, 'done', null);
      } else {
        const nodeId = inst.node_id ?? nextNode(def, 'entry');
        if (!nodeId) {
          await tx.execute(sql`UPDATE journey_instances SET status = 'done', exit_reason = 'completed', ended_at = ${now.toISOString()}::timestamptz, wake_at = NULL WHERE id = ${id}`);
          return false;
        }
        const node = nodeOf(nodeId);
        const a = await this.runNode(tx, inst, node, seq, now, opts, asked);
        if (a === null) return true; // moved meanwhile: look again
        result = a.pass ? await pass(node, a.outcome, a.detail, a.branch) : await waitUntil(node, a.at, a.event);
      }
      if (this.faults.beforeCommit) this.crashOn(() => this.faults.beforeCommit!(id, seq));
      committedSeq = seq;
      return result;
    });
    if (committedSeq !== null && this.faults.afterCommit) this.crashOn(() => this.faults.afterCommit!(id, committedSeq!));
    return goOn;
  }

  /**
   * What a node does for an instance (its effect, in `tx`): pass on with an outcome (and a branch), or wait until a
   * time (or an event); null when a condition's answer was asked about another place (look again).
   */
  private async runNode(tx: Db, inst: InstanceRow, node: JourneyNode, seq: number, now: Date, opts: { test?: boolean }, asked: { seq: number; nodeId: string; value: boolean } | null): Promise<NodeAction | null> {
    const id = inst.id;
    const ref = `journey:${id}:${node.id}:${seq}`;
    const P = (outcome: string, detail: Record<string, unknown> | null, branch?: string): NodeAction => ({ pass: true, outcome, detail, branch });
    const W = (at: Date, event: string | null = null): NodeAction => ({ pass: false, at, event });
    switch (node.type) {
      case 'wait':
        return opts.test ? P('skipped', { wouldWaitMs: durationMs(node.duration) }) : W(new Date(now.getTime() + durationMs(node.duration)));
      case 'wait_until_time': {
        const at = nextShopTime(now, node.hour, node.minute);
        return opts.test ? P('skipped', { wouldWaitUntil: at.toISOString() }) : W(at);
      }
      case 'wait_until_date': {
        const at = await this.dateTarget(tx, inst.shop_id, inst.customer_id, node, now);
        if (!at) return P('no_date', null);
        else if (at <= now) return P('passed', { at: at.toISOString() });
        else return opts.test ? P('skipped', { wouldWaitUntil: at.toISOString() }) : W(at);
      }
      case 'wait_event':
        return opts.test ? P('timeout', { skipped: true }, 'timeout') : W(new Date(now.getTime() + durationMs(node.timeout)), node.event);
      case 'condition': {
        if (!asked || asked.seq !== inst.seq || asked.nodeId !== node.id) return null; // moved meanwhile: look again
        const b = asked.value ? 'yes' : 'no';
        return P(b, null, b);
      }
      case 'random_split': {
        const b = splitBranch(node, id);
        return P(b, null, b);
      }
      case 'send': {
        const vars: Record<string, string> = { ...node.vars };
        for (const c of node.channels) vars[`__template_${c}`] = node.templateIds[c]!;
        const n = await this.d.messaging.send(tx, [{ shopId: inst.shop_id, customerId: inst.customer_id, topic: 'promotion', key: ref, channels: node.channels, vars }]);
        return P(n ? 'queued' : 'duplicate', { key: ref });
      }
      case 'coupon': {
        // A savepoint: a coupon that cannot be given (sold out, paused, limit) is noted and the journey goes on.
        try {
          const coupon = await tx.transaction((sp) => this.d.coupons.issue(sp, inst.shop_id, node.couponTemplateId, inst.customer_id, { source: 'issue', sourceRef: ref }));
          return P('issued', { couponId: coupon.id });
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          return P('skipped', { code: err.code });
        }
      }
      case 'points': {
        const fresh = await this.d.points.earn(tx, inst.shop_id, inst.customer_id, node.points, 'adjust', ref, '自动化营销赠送');
        return P(fresh ? 'awarded' : 'duplicate', { points: node.points });
      }
      case 'tag':
        if (node.action === 'add') await this.d.tags.addManualTags(tx, inst.shop_id, inst.customer_id, node.tagIds);
        else await this.d.tags.removeManualTags(tx, inst.shop_id, inst.customer_id, node.tagIds);
        return P(node.action === 'add' ? 'tagged' : 'untagged', { tagIds: node.tagIds });
      case 'webhook':
        // Out of the transaction's reach: a job in it, so the call happens at least once after the commit.
        await this.p.jobs.send('journeys.webhook', { shopId: inst.shop_id, journeyId: inst.journey_id, instanceId: id, nodeId: node.id, seq, url: node.url, customerId: inst.customer_id, test: inst.test },
          { tx, singletonKey: `${id}:${seq}`, maxAttempts: 6 });
        return P('queued', { url: node.url });
      case 'exit':
        return P('exited', null);
    }
  }

  private crashOn(hook: () => void) {
    try {
      hook();
    } catch (err) {
      throw err instanceof WorkerCrash ? err : new WorkerCrash(String(err));
    }
  }

  private async dateTarget(tx: Db, shopId: string, customerId: string, node: Extract<JourneyNode, { type: 'wait_until_date' }>, now: Date): Promise<Date | null> {
    if (node.property === 'birthday') {
      const c = await this.d.customers.getCustomer(shopId, customerId, tx).catch(() => null);
      const birthday = c?.birthday ? String(c.birthday).slice(0, 10) : null;
      if (!birthday) return null;
      // This year's birthday plus the offset, or next year's when that has passed.
      const year = Number(shopDate(now).slice(0, 4));
      for (const y of [year, year + 1]) {
        const at = shopInstant(addDays(`${y}-${birthday.slice(5)}`, node.offsetDays), node.hour);
        if (at > now) return at;
      }
      return null;
    }
    const [r] = await rows<{ at: Date }>(tx, sql`SELECT at FROM journey_customer_dates WHERE shop_id = ${shopId} AND customer_id = ${customerId} AND property = ${node.property}`);
    if (!r) return null;
    return shopInstant(addDays(shopDate(new Date(r.at)), node.offsetDays), node.hour);
  }

  /** The webhook job: POSTs the customer and journey, signed with the journey's secret; a failure is retried by the queue. */
  async callWebhook(j: { shopId: string; journeyId: string; instanceId: string; nodeId: string; seq: number; url: string; customerId: string; test?: boolean }) {
    const [row] = await rows<{ secret: string; name: string }>(this.p.db, sql`SELECT secret, name FROM journeys WHERE id = ${j.journeyId} AND shop_id = ${j.shopId}`);
    if (!row) return;
    if (this.p.config.NODE_ENV === 'production') await refuseInternal(j.url);
    const body = JSON.stringify({ journeyId: j.journeyId, journeyName: row.name, instanceId: j.instanceId, nodeId: j.nodeId, customerId: j.customerId, test: !!j.test, at: this.clock().toISOString() });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', row.secret).update(`${timestamp}.${body}`).digest('hex');
    const res = await fetch(j.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-siyu-signature': `t=${timestamp},v1=${signature}`, 'idempotency-key': `journey:${j.instanceId}:${j.nodeId}:${j.seq}` },
      body,
      // A redirect could lead anywhere (an internal address): it counts as a failure.
      redirect: 'manual',
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
  }

  // ── Test run ──────────────────────────────────────────────────────────────────────────────────────

  /** Runs the current definition for one customer now, waits skipped (wait_event takes `timeout`); marked test, never counted. */
  async testRun(actor: Actor, id: string, customerId: string) {
    const j = await this.row(this.p.db, actor.shopId, id);
    if (j.status === 'ended') throw conflict('JOURNEY_STATE_INVALID', 'An ended journey cannot be tested', { field: 'status' });
    await this.d.customers.getCustomer(actor.shopId, customerId);
    const def = await this.definition(this.p.db, id, j.version);
    validateGraph(def);
    const now = this.clock();
    const [inst] = await this.p.database.transaction((tx) =>
      rows<{ id: string }>(tx, sql`
        INSERT INTO journey_instances (shop_id, journey_id, version, customer_id, arm, test, status, wake_at, entered_at)
        VALUES (${actor.shopId}, ${id}, ${j.version}, ${customerId}, 'treatment', true, 'active', ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
        RETURNING id`),
    );
    const instanceId = inst!.id;
    let error: string | null = null;
    try {
      await this.advanceInstance(instanceId, { test: true });
    } catch (err) {
      // A node that cannot run (a condition without the segments module, a broken reference): the run stops there.
      error = err instanceof Error ? err.message : String(err);
      await this.p.db.execute(sql`UPDATE journey_instances SET status = 'exited', exit_reason = 'error', ended_at = now(), wake_at = NULL WHERE id = ${instanceId} AND status IN ('active', 'waiting')`);
    }
    const steps = await rows<{ seq: number; node_id: string; outcome: string; detail: Record<string, unknown> | null }>(this.p.db, sql`
      SELECT seq, node_id, outcome, detail FROM journey_steps WHERE instance_id = ${instanceId} ORDER BY seq`);
    const end = (await this.instance(this.p.db, instanceId))!;
    const types = new Map(def.nodes.map((n) => [n.id, n.type]));
    return {
      instanceId, version: j.version, status: end.status, error,
      path: steps.map((s): PathStep => ({ seq: s.seq, nodeId: s.node_id, type: types.get(s.node_id)!, outcome: s.outcome, detail: s.detail })),
    };
  }

  // ── Stats and result ──────────────────────────────────────────────────────────────────────────────

  async stats(shopId: string, id: string, version?: number) {
    const j = await this.row(this.p.db, shopId, id);
    const v = version ?? null;
    const steps = await rows<{ version: number; node_id: string; passed: number; converted: number }>(this.p.db, sql`
      SELECT s.version, s.node_id, count(*)::int AS passed, count(DISTINCT s.instance_id) FILTER (WHERE i.converted_at IS NOT NULL)::int AS converted
      FROM journey_steps s JOIN journey_instances i ON i.id = s.instance_id
      WHERE s.journey_id = ${id} AND NOT i.test AND (${v}::int IS NULL OR s.version = ${v}::int) GROUP BY 1, 2`);
    const at = await rows<{ version: number; node_id: string; status: string; n: number }>(this.p.db, sql`
      SELECT version, node_id, status, count(*)::int AS n FROM journey_instances
      WHERE journey_id = ${id} AND NOT test AND arm = 'treatment' AND status IN ('active', 'waiting') AND node_id IS NOT NULL AND (${v}::int IS NULL OR version = ${v}::int)
      GROUP BY 1, 2, 3`);
    const totals = await rows<{ version: number; arm: string; status: string; n: number; converted: number }>(this.p.db, sql`
      SELECT version, arm, status, count(*)::int AS n, count(*) FILTER (WHERE converted_at IS NOT NULL)::int AS converted FROM journey_instances
      WHERE journey_id = ${id} AND NOT test AND (${v}::int IS NULL OR version = ${v}::int) GROUP BY 1, 2, 3`);
    const nodes: Record<string, JourneyNodeStats> = {};
    const byVersion: Record<number, Record<string, JourneyNodeStats>> = {};
    const add = (ver: number, nodeId: string, k: keyof JourneyNodeStats, n: number) => {
      for (const m of [nodes, (byVersion[ver] ??= {})]) {
        const s = (m[nodeId] ??= { entered: 0, waiting: 0, passed: 0, converted: 0 });
        s[k] += n;
        if (k === 'passed' || k === 'waiting') s.entered += n;
      }
    };
    for (const s of steps) {
      add(s.version, s.node_id, 'passed', s.passed);
      add(s.version, s.node_id, 'converted', s.converted);
    }
    for (const a of at) {
      if (a.status === 'waiting') add(a.version, a.node_id, 'waiting', a.n);
      else for (const m of [nodes, (byVersion[a.version] ??= {})]) (m[a.node_id] ??= { entered: 0, waiting: 0, passed: 0, converted: 0 }).entered += a.n;
    }
    const sum = (f: (t: (typeof totals)[number]) => boolean, k: 'n' | 'converted' = 'n') => totals.filter(f).reduce((s, t) => s + t[k], 0);
    return {
      journeyId: id, version: v ?? 'all', currentVersion: j.version,
      entry: {
        entered: sum(() => true), treatment: sum((t) => t.arm === 'treatment'), holdout: sum((t) => t.arm === 'holdout'),
        live: sum((t) => t.arm === 'treatment' && LIVE.includes(t.status)), converted: sum((t) => t.arm === 'treatment', 'converted'),
        done: sum((t) => t.arm === 'treatment' && t.status === 'done'), exited: sum((t) => t.arm === 'treatment' && t.status === 'exited'),
      },
      nodes,
      versions: Object.fromEntries(Object.entries(byVersion).map(([ver, m]) => [ver, m])),
    };
  }

  /**
   * Treatment vs holdout, per customer over the goal windows of their instances: conversions, orders paid and
   * revenue within the window, and the incremental revenue per treated customer with a 95% Welch interval.
   */
  async result(shopId: string, id: string, version?: number) {
    await this.row(this.p.db, shopId, id);
    const v = version ?? null;
    const arms = await rows<{ arm: string; n: number; converted: number; orders: number; revenue: number; revenue_sq: number }>(this.p.db, sql`
      SELECT arm, count(*)::int AS n, count(*) FILTER (WHERE converted)::int AS converted, coalesce(sum(orders), 0)::int AS orders,
        coalesce(sum(revenue), 0)::float8 AS revenue, coalesce(sum(revenue * revenue), 0)::float8 AS revenue_sq
      FROM (SELECT customer_id, arm, bool_or(converted_at IS NOT NULL) AS converted, sum(orders)::int AS orders, sum(revenue_fen)::float8 AS revenue
            FROM journey_instances WHERE journey_id = ${id} AND NOT test AND (${v}::int IS NULL OR version = ${v}::int) GROUP BY customer_id, arm) c
      GROUP BY arm`);
    const zero = { n: 0, converted: 0, orders: 0, revenue: 0, revenue_sq: 0 };
    const t = arms.find((a) => a.arm === 'treatment') ?? zero;
    const h = arms.find((a) => a.arm === 'holdout') ?? zero;
    const total = incrementalRevenue({ n: t.n, sum: t.revenue, sumSq: t.revenue_sq }, { n: h.n, sum: h.revenue, sumSq: h.revenue_sq });
    const arm = (a: typeof zero) => ({ customers: a.n, converted: a.converted, orders: a.orders, revenueFen: Math.round(a.revenue), conversion: a.n ? a.converted / a.n : 0, revenuePerCustomerFen: a.n ? a.revenue / a.n : 0 });
    return {
      version: v ?? 'all',
      arms: { treatment: arm(t), holdout: arm(h) },
      incrementalRevenueFen: total,
      incrementalRevenuePerCustomerFen: total ? { estimate: total.estimate / t.n, low: total.low / t.n, high: total.high / t.n } : null,
      splits: await this.splitResults(id, v ?? (await this.row(this.p.db, shopId, id)).version, v === null, { n: h.n, sum: h.revenue, sumSq: h.revenue_sq }),
    };
  }

  /**
   * A/B tests inside a journey: every random split of the version shown, each branch's customers with their
   * conversion and revenue, each against the holdout, and the branches against the first (the control)
   * with the experiments' statistics. Customers are counted by the branch their instance took.
   */
  private async splitResults(id: string, version: number, allVersions: boolean, holdout: { n: number; sum: number; sumSq: number }) {
    const def = await this.definition(this.p.db, id, version);
    const splits = def.nodes.filter((n): n is Extract<JourneyBody['nodes'][number], { type: 'random_split' }> => n.type === 'random_split');
    if (!splits.length) return [];
    const per = await rows<{ node_id: string; branch: string; n: number; converted: number; revenue: number; revenue_sq: number }>(this.p.db, sql`
      SELECT node_id, branch, count(*)::int AS n, count(*) FILTER (WHERE converted)::int AS converted,
        coalesce(sum(revenue), 0)::float8 AS revenue, coalesce(sum(revenue * revenue), 0)::float8 AS revenue_sq
      FROM (SELECT s.node_id, s.outcome AS branch, i.customer_id, bool_or(i.converted_at IS NOT NULL) AS converted, sum(i.revenue_fen)::float8 AS revenue
            FROM journey_steps s JOIN journey_instances i ON i.id = s.instance_id
            WHERE s.journey_id = ${id} AND s.node_id = ANY(${pgArray(splits.map((x) => x.id))}::text[]) AND NOT i.test
              AND (${allVersions} OR s.version = ${version})
            GROUP BY 1, 2, 3) c
      GROUP BY 1, 2`);
    return splits.map((node) => {
      const branches = node.branches.map((b) => {
        const r = per.find((x) => x.node_id === node.id && x.branch === b.key) ?? { n: 0, converted: 0, revenue: 0, revenue_sq: 0 };
        return {
          key: b.key, percent: b.percent, customers: r.n, converted: r.converted, revenueFen: Math.round(r.revenue),
          conversion: r.n ? r.converted / r.n : 0, revenuePerCustomerFen: r.n ? r.revenue / r.n : 0,
          incrementalRevenueFen: incrementalRevenue({ n: r.n, sum: r.revenue, sumSq: r.revenue_sq }, holdout), sumSquares: r.revenue_sq,
        };
      });
      const analysis = compareArms(branches.map((b) => ({ key: b.key, users: b.customers, conversions: b.converted, weight: b.percent, revenue: { sum: b.revenueFen, sumSquares: b.sumSquares } })));
      return { nodeId: node.id, branches: branches.map(({ sumSquares: _, ...b }) => b), analysis };
    });
  }
}

/** A merchant's webhook must not reach the platform's own network (loopback, private, link-local, metadata). */
export const isInternalAddress = (a: string) =>
  /^(127\.|10\.|192\.168\.|169\.254\.|0\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)/.test(a) || /^172\.(1[6-9]|2\d|3[01])\./.test(a) ||
  a === '::1' || a === '::' || /^(fc|fd|fe80)/i.test(a) || /^::ffff:(127|10|192\.168|169\.254)\./i.test(a);

async function refuseInternal(url: string) {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  if (addresses.some(isInternalAddress)) throw new Error(`webhook host ${host} is on an internal network`);
}

/** The dotted path of the first place `value` appears in `v`. */
function findPath(v: unknown, value: string, path = ''): string | null {
  if (v === value) return path;
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) {
      const p = findPath(x, value, path ? `${path}.${i}` : String(i));
      if (p !== null) return p;
    }
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const p = findPath(x, value, path ? `${path}.${k}` : k);
      if (p !== null) return p;
    }
  }
  return null;
}

export const JOURNEY_EVENT_TYPES: readonly string[] = JOURNEY_EVENTS;

interface StepRow { instanceId: string; seq: number; shopId: string; journeyId: string; version: number; nodeId: string; outcome: string; detail: string | null }

/** A node's effect a batch applies set-wise after its walk (see applyEffects); `step` is the step it belongs to. */
interface Effect { shopId: string; customerId: string; node: JourneyNode; ref: string; step: StepRow | null }

/** Nodes whose effect a batch applies for all its instances at once. */
const BATCHED = new Set<JourneyNode['type']>(['send', 'points', 'tag']);

/** Notes the node's effect for applyEffects and answers what runNode would (the outcome is settled there). */
function deferEffect(effects: Effect[], inst: InstanceRow, node: JourneyNode, seq: number): NodeAction {
  const ref = `journey:${inst.id}:${node.id}:${seq}`;
  effects.push({ shopId: inst.shop_id, customerId: inst.customer_id, node, ref, step: null });
  if (node.type === 'send') return { pass: true, outcome: 'queued', detail: { key: ref } };
  if (node.type === 'points') return { pass: true, outcome: 'awarded', detail: { points: node.points } };
  if (node.type === 'tag') return { pass: true, outcome: node.action === 'add' ? 'tagged' : 'untagged', detail: { tagIds: node.tagIds } };
  throw new Error(`${node.type} is not applied in batches`);
}
