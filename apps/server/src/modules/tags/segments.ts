import { sql, type SQL } from 'drizzle-orm';
import type { GroupConditions, SegmentCondition, SegmentRule } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { rows, type Db } from '../../platform/db/index.js';
import { pgArray, uuidArray } from '../../platform/db/prepared.js';
import { unprocessable } from '../../platform/errors.js';
import { TtlCache } from '../../platform/ttl-cache.js';
import type { CategoryService } from '../catalog/categories.js';

const DAY_MS = 86_400_000;
/** Customers per `segment.changed` event: journeys enter them in bulk, one event per chunk. */
const CHANGE_CHUNK = 1_000;

/** Behaviour and person data the customer-data module answers (events, traits, RFM over events). */
export interface BehaviourSource {
  customersMatching(shopId: string, leaf: Extract<SegmentCondition, { type: 'event' | 'trait' | 'rfm' }>, opts: { having?: { op: 'gte' | 'eq' | 'gt'; count: number }; customerIds?: string[] }): Promise<string[]>;
}

type Behaviour = Extract<SegmentCondition, { type: 'event' | 'trait' | 'rfm' }>;
/** Behaviour leaves' answers by the leaf's JSON (the same leaf in two groups is asked once). */
type BehaviourSets = Map<string, BehaviourSet>;

/** Something about these customers changed: their segments are re-evaluated by a job after the commit. */
export async function touchSegments(p: Platform, tx: Db, shopId: string, customerIds: string[]) {
  if (customerIds.length) await p.jobs.send('segments.refresh-customers', { shopId, customerIds }, { tx });
}

export const isRule = (x: SegmentCondition | SegmentRule): x is SegmentRule => 'op' in x && 'items' in x;

/** Groups saved before segments had the flat form; they read as the AND of its parts. */
export function ruleOf(conditions: unknown): SegmentRule {
  const c = (conditions ?? {}) as Partial<SegmentRule> & GroupConditions;
  if (Array.isArray(c.items) && (c.op === 'and' || c.op === 'or')) return c as SegmentRule;
  const items: SegmentCondition[] = [];
  if (c.levelIds?.length || c.noLevel) items.push({ type: 'level', levelIds: c.levelIds ?? [], noLevel: !!c.noLevel });
  if (c.tagIds?.length) items.push({ type: 'tag', tagIds: c.tagIds, match: c.tagMatch ?? 'any' });
  if (c.sources?.length) items.push({ type: 'source', sources: c.sources });
  if (c.registeredWithinDays) items.push({ type: 'registered', withinDays: c.registeredWithinDays });
  if (c.minSpendFen !== undefined || c.maxSpendFen !== undefined) items.push({ type: 'spend', minFen: c.minSpendFen, maxFen: c.maxSpendFen });
  if (c.lastOrderWithinDays) items.push({ type: 'last_order', within: c.lastOrderWithinDays });
  if (c.noOrderForDays) items.push({ type: 'last_order', notWithin: c.noOrderForDays });
  if (c.neverOrdered) items.push({ type: 'last_order', never: true });
  return { op: 'and', items };
}

function leaves(r: SegmentRule): SegmentCondition[] {
  return r.items.flatMap((i) => (isRule(i) ? leaves(i) : [i]));
}

/** Conditions that change with the clock alone, so membership needs a periodic sweep besides events. */
export function needsSweep(r: SegmentRule): boolean {
  return leaves(r).some((l) =>
    l.type === 'event' || l.type === 'rfm' || l.type === 'registered' || l.type === 'last_order' ||
    ((l.type === 'spend' || l.type === 'orders' || l.type === 'bought_category') && l.withinDays !== undefined));
}

/**
 * Segments: a dynamic group's rule compiled to one SQL predicate over this module's read model
 * (audience_customers `c`, payments, tag links); behaviour leaves (events, traits, RFM) are asked of the
 * customer-data module and come back as customer ids. Membership is stored in customer_group_members and
 * changed only by `apply`, which records each entry and exit and announces them as `segment.changed`.
 */
export class SegmentService {
  /** Whether a shop has segments on events, traits or RFM (only then do loaded events matter here). */
  private behaviourShops = new TtlCache<boolean>(5_000, 10_000);

  constructor(
    private p: Platform,
    private behaviour: BehaviourSource,
    private categories: CategoryService,
  ) {}

  async watchesBehaviour(shopId: string): Promise<boolean> {
    const known = this.behaviourShops.get(shopId);
    if (known !== undefined) return known;
    const list = await rows<{ conditions: unknown }>(this.p.db, sql`SELECT conditions FROM customer_groups WHERE shop_id = ${shopId} AND kind = 'dynamic' AND deleted_at IS NULL`);
    const yes = list.some((g) => leaves(ruleOf(g.conditions)).some((l) => l.type === 'event' || l.type === 'trait' || l.type === 'rfm'));
    this.behaviourShops.set(shopId, yes);
    return yes;
  }

  touch(tx: Db, shopId: string, customerIds: string[]) {
    return touchSegments(this.p, tx, shopId, customerIds);
  }

  /** How many customers the rule selects now, of how many (the builder's live estimate). */
  async estimate(shopId: string, rule: SegmentRule) {
    await this.check(shopId, rule);
    const f = new Features(shopId);
    const where = await this.compile(this.p.db, f, rule, await this.behaviourOf(shopId, [rule]));
    const [r] = await this.p.database.transaction(async (tx) => {
      await wholeShop(tx);
      return rows<{ n: number; total: number }>(tx, sql`
        SELECT count(*) FILTER (WHERE ${where})::int AS n, count(*)::int AS total FROM audience_customers c ${f.joins()} WHERE ${f.scope()}`);
    });
    return { count: Number(r!.n), total: Number(r!.total) };
  }

  /** Whether one customer matches a rule now (a journey's condition node). */
  async matches(shopId: string, rule: SegmentRule, customerId: string, db: Db = this.p.db): Promise<boolean> {
    const f = new Features(shopId, [customerId]);
    const where = await this.compile(db, f, rule, await this.behaviourOf(shopId, [rule], [customerId]));
    const found = await rows<{ customer_id: string }>(db, sql`SELECT c.customer_id FROM audience_customers c ${f.joins()} WHERE ${f.scope()} AND ${where}`);
    return found.length > 0;
  }

  /** Recomputes a dynamic group's members over the whole shop. */
  async refresh(shopId: string, groupId: string) {
    this.behaviourShops.delete(shopId);
    const [r] = await this.evaluate(shopId, sql`id = ${groupId}`, undefined);
    return r ? { entered: r.entered, left: r.left, count: r.count } : { entered: 0, left: 0, count: 0 };
  }

  /**
   * Re-evaluates the shop's dynamic groups for some customers after something about them changed: all the
   * groups in one transaction and one statement, so a customer's event costs the same few round trips
   * whatever the number of groups (it was a transaction and six statements per group).
   */
  async refreshCustomers(shopId: string, customerIds: string[]) {
    const ids = [...new Set(customerIds)];
    if (!ids.length) return;
    await this.evaluate(shopId, sql`TRUE`, ids);
  }

  /**
   * Evaluates the dynamic groups `which` selects (one, or all the shop's) over the whole shop or `among`
   * some customers, and applies the difference. Behaviour leaves are answered first, outside the
   * transaction (the engine and the customer-data tables are not this transaction's, and an embedded
   * database has one connection); the transaction then locks the groups and, if a rule changed meanwhile,
   * starts over with the new ones.
   */
  private async evaluate(shopId: string, which: SQL, among: string[] | undefined) {
    const groupsSql = sql`SELECT id, conditions FROM customer_groups WHERE ${which} AND shop_id = ${shopId} AND kind = 'dynamic' AND deleted_at IS NULL ORDER BY id`;
    for (let attempt = 0; ; attempt++) {
      const groups = await rows<{ id: string; conditions: unknown }>(this.p.db, groupsSql);
      if (!groups.length) return [];
      const rules = groups.map((g) => ruleOf(g.conditions));
      const behaviour = await this.behaviourOf(shopId, rules, among);
      const done = await this.p.database.transaction(async (tx) => {
        // Serialises refreshes of a group (a full one and a customer's) so neither writes on a stale read;
        // always taken in id order, so two customers' refreshes never wait on each other in a cycle.
        const locked = await rows<{ id: string; conditions: unknown }>(tx, sql`${groupsSql} FOR UPDATE`);
        const same = locked.length === groups.length && locked.every((g, i) => g.id === groups[i]!.id && JSON.stringify(g.conditions) === JSON.stringify(groups[i]!.conditions));
        if (!same && attempt < 3) return null;
        if (!among) await wholeShop(tx);
        const live = new Set(locked.map((g) => g.id));
        const f = new Features(shopId, among);
        const list: { id: string; where: SQL }[] = [];
        for (const [i, g] of groups.entries()) if (live.has(g.id)) list.push({ id: g.id, where: await this.compile(tx, f, rules[i]!, behaviour) });
        return this.apply(tx, shopId, f, list, !among);
      });
      if (done) return done;
    }
  }

  /** Dynamic groups whose rules depend on the clock, or never computed: the sweep refreshes them. */
  async dueForSweep(olderThanMs: number) {
    const list = await rows<{ id: string; shop_id: string; conditions: unknown; refreshed_at: Date | null }>(this.p.db, sql`
      SELECT id, shop_id, conditions, refreshed_at FROM customer_groups WHERE kind = 'dynamic' AND deleted_at IS NULL ORDER BY refreshed_at NULLS FIRST`);
    const cutoff = this.p.now().getTime() - olderThanMs;
    return list.filter((g) => g.refreshed_at === null || (needsSweep(ruleOf(g.conditions)) && new Date(g.refreshed_at).getTime() < cutoff)).map((g) => ({ id: g.id, shopId: g.shop_id }));
  }

  /** Entries and exits over time, newest first (the group's history). */
  async changes(shopId: string, groupId: string, limit = 100) {
    const list = await rows<{ customer_id: string; change: string; at: Date }>(this.p.db, sql`
      SELECT customer_id, change, at FROM customer_group_changes WHERE shop_id = ${shopId} AND group_id = ${groupId} ORDER BY id DESC LIMIT ${limit}`);
    return list.map((r) => ({ customerId: r.customer_id, change: r.change as 'entered' | 'left', at: new Date(r.at).toISOString() }));
  }

  /** Refuses references to another shop's tags, levels or categories, naming the leaf. */
  async check(shopId: string, rule: SegmentRule, path = 'rule') {
    for (const [i, item] of rule.items.entries()) {
      const at = `${path}.items.${i}`;
      if (isRule(item)) {
        await this.check(shopId, item, at);
        continue;
      }
      if (item.type === 'tag') {
        const found = await rows<{ id: string }>(this.p.db, sql`SELECT id FROM customer_tags WHERE shop_id = ${shopId} AND deleted_at IS NULL AND id = ANY(${uuidArray(item.tagIds)}::uuid[])`);
        const bad = item.tagIds.findIndex((id) => !found.some((f) => f.id === id));
        if (bad >= 0) throw unprocessable('TAG_NOT_FOUND', 'No such tag in this shop', { field: `${at}.tagIds.${bad}` });
      }
      if (item.type === 'bought_category') {
        await this.categories.get(shopId, item.categoryId).catch(() => {
          throw unprocessable('CATEGORY_NOT_FOUND', 'No such category in this shop', { field: `${at}.categoryId` });
        });
      }
    }
  }

  // ---- evaluation -----------------------------------------------------------------------------

  private async compile(db: Db, f: Features, rule: SegmentRule, behaviour: BehaviourSets): Promise<SQL> {
    const parts: SQL[] = [];
    for (const i of rule.items) parts.push(isRule(i) ? await this.compile(db, f, i, behaviour) : await this.leaf(db, f, i, behaviour));
    return sql`(${sql.join(parts, rule.op === 'and' ? sql` AND ` : sql` OR `)})`;
  }

  /** Each distinct behaviour leaf of the rules, asked once of the customer-data module. */
  private async behaviourOf(shopId: string, rules: SegmentRule[], among?: string[]): Promise<BehaviourSets> {
    const distinct = new Map<string, Behaviour>();
    for (const l of rules.flatMap(leaves)) if (l.type === 'event' || l.type === 'trait' || l.type === 'rfm') distinct.set(JSON.stringify(l), l);
    // Asked at once: the engine's scans run on other threads while PostgreSQL maps persons to customers.
    const answers = await Promise.all([...distinct.values()].map((l) => this.behaviourLeaf(shopId, l, among)));
    return new Map([...distinct.keys()].map((k, i) => [k, answers[i]!]));
  }

  /**
   * A leaf as a predicate over `c` and the per-customer aggregates of `f`. Payments and tag links are read
   * as sets (one aggregate per table, joined by customer) rather than a correlated subquery per customer:
   * over a million customers that is one pass over each table instead of a million index probes per leaf.
   */
  private async leaf(db: Db, f: Features, l: SegmentCondition, behaviour: BehaviourSets): Promise<SQL> {
    const since = (days: number) => new Date(this.p.now().getTime() - days * DAY_MS);
    const window = (days?: number) => (days ? sql` AND p.paid_at >= ${since(days)}` : sql``);
    const within = (days?: number) => (days ? since(days) : undefined);
    switch (l.type) {
      case 'level': {
        const parts: SQL[] = [];
        if (l.levelIds.length) parts.push(sql`c.level_id = ANY(${uuidArray(l.levelIds)}::uuid[])`);
        if (l.noLevel) parts.push(sql`c.level_id IS NULL`);
        return parts.length ? sql`(${sql.join(parts, sql` OR `)})` : sql`TRUE`;
      }
      case 'tag': {
        // A link is unique per (tag, customer), so counting a customer's links among the tags counts distinct tags.
        const ids = [...new Set(l.tagIds)];
        const n = f.tag(sql`count(*) FILTER (WHERE t.tag_id = ANY(${uuidArray(ids)}::uuid[]))`, ids);
        return l.match === 'all' ? sql`${n} = ${ids.length}` : l.match === 'none' ? sql`${n} = 0` : sql`${n} > 0`;
      }
      case 'spend': {
        const spend = f.pay(sql`sum(p.paid_fen - p.refunded_fen) FILTER (WHERE TRUE${window(l.withinDays)})`, within(l.withinDays));
        const parts = [sql`TRUE`];
        if (l.minFen !== undefined) parts.push(sql`${spend} >= ${l.minFen}`);
        if (l.maxFen !== undefined) parts.push(sql`${spend} <= ${l.maxFen}`);
        return sql`(${sql.join(parts, sql` AND `)})`;
      }
      case 'orders': {
        const n = f.pay(sql`count(*) FILTER (WHERE p.refunded_fen < p.paid_fen${window(l.withinDays)})`, within(l.withinDays));
        const parts = [sql`TRUE`];
        if (l.min !== undefined) parts.push(sql`${n} >= ${l.min}`);
        if (l.max !== undefined) parts.push(sql`${n} <= ${l.max}`);
        return sql`(${sql.join(parts, sql` AND `)})`;
      }
      case 'last_order': {
        const parts = [sql`TRUE`];
        if (l.within) parts.push(sql`${f.pay(sql`count(*) FILTER (WHERE TRUE${window(l.within)})`, within(l.within))} > 0`);
        // "No order for N days" means a customer who has ordered, just not lately (dormant), as groups had it.
        if (l.notWithin) parts.push(sql`${f.pay(sql`count(*) FILTER (WHERE TRUE${window(l.notWithin)})`, within(l.notWithin))} = 0 AND ${f.pay(sql`count(*)`, undefined)} > 0`);
        if (l.never) parts.push(sql`${f.pay(sql`count(*)`, undefined)} = 0`);
        return sql`(${sql.join(parts, sql` AND `)})`;
      }
      case 'bought_category': {
        const paths = await this.categories.paths(f.shopId, db);
        const under = Object.keys(paths).filter((id) => paths[id]!.includes(l.categoryId));
        const ids = under.length ? under : [l.categoryId];
        return sql`${f.pay(sql`count(*) FILTER (WHERE p.refunded_fen < p.paid_fen AND p.category_ids && ${uuidArray(ids)}::uuid[]${window(l.withinDays)})`, within(l.withinDays))} > 0`;
      }
      case 'source':
        return sql`c.source = ANY(${pgArray(l.sources)}::text[])`;
      case 'registered': {
        const parts = [sql`TRUE`];
        if (l.withinDays) parts.push(sql`c.registered_at >= ${since(l.withinDays)}`);
        if (l.beforeDays) parts.push(sql`c.registered_at < ${since(l.beforeDays)}`);
        return sql`(${sql.join(parts, sql` AND `)})`;
      }
      case 'follows_oa':
        return l.value ? sql`c.follows_oa` : sql`NOT c.follows_oa`;
      case 'wecom_owner': {
        const owned = l.userIds.length ? sql`c.wecom_owners && ${pgArray(l.userIds)}::text[]` : sql`cardinality(c.wecom_owners) > 0`;
        return l.has ? owned : sql`NOT (${owned})`;
      }
      default: {
        const set = behaviour.get(JSON.stringify(l));
        if (!set) return sql`FALSE`;
        return set.negate ? sql`NOT ${f.inSet(set.ids)}` : f.inSet(set.ids);
      }
    }
  }

  /**
   * Event counts become a set of the customers with at least / exactly / more than N; "at most N" and
   * "did not" are the complement, so customers with no events at all are in them.
   */
  private async behaviourLeaf(shopId: string, l: Behaviour, among?: string[]): Promise<BehaviourSet> {
    const ask = (having?: { op: 'gte' | 'eq' | 'gt'; count: number }) => this.behaviour.customersMatching(shopId, l, { having, customerIds: among });
    if (l.type !== 'event') return { ids: await ask(), negate: false };
    if (!l.did) return { ids: await ask({ op: 'gte', count: 1 }), negate: true };
    if (l.op === 'lte') return { ids: await ask({ op: 'gt', count: l.count }), negate: true };
    return { ids: await ask({ op: l.op, count: l.count }), negate: false };
  }

  // ---- membership -----------------------------------------------------------------------------

  /**
   * One statement computes who is in each group now and applies the difference: new members inserted,
   * leavers deleted, each entry and exit recorded, `segment.changed` written (CHANGE_CHUNK customers an
   * event), the counts updated. No membership passes through this process: a first refresh of a million
   * members is a million rows PostgreSQL writes, not a million ids sent to Node and back in chunks. The
   * events go straight into the outbox table in the statement, as order-writer's do (the columns
   * `events.emit` writes), since a thousand `emit`s would cost a round trip each.
   */
  private async apply(tx: Db, shopId: string, f: Features, groups: { id: string; where: SQL }[], full: boolean) {
    if (!groups.length) return [];
    const ids = sql`${uuidArray(groups.map((g) => g.id))}::uuid[]`;
    const hits = sql.join(groups.map((g) => sql`(${g.id}::uuid, ${g.where})`), sql`, `);
    const list = await rows<{ group_id: string; entered_n: number; left_n: number; count: number }>(tx, sql`
      WITH fresh AS MATERIALIZED (
        SELECT g.group_id, c.customer_id FROM audience_customers c ${f.joins()}
        CROSS JOIN LATERAL (VALUES ${hits}) AS g(group_id, hit)
        WHERE ${f.scope()} AND g.hit
      ), ins AS (
        INSERT INTO customer_group_members (group_id, customer_id, shop_id)
        SELECT n.group_id, n.customer_id, ${shopId}::uuid FROM fresh n
        WHERE NOT EXISTS (SELECT 1 FROM customer_group_members m WHERE m.group_id = n.group_id AND m.customer_id = n.customer_id)
        ON CONFLICT DO NOTHING RETURNING group_id, customer_id
      ), del AS (
        DELETE FROM customer_group_members m WHERE m.group_id = ANY(${ids})${f.among ? sql` AND m.customer_id = ANY(${uuidArray(f.among)}::uuid[])` : sql``}
          AND NOT EXISTS (SELECT 1 FROM fresh n WHERE n.group_id = m.group_id AND n.customer_id = m.customer_id)
        RETURNING m.group_id, m.customer_id
      ), diff AS MATERIALIZED (
        SELECT group_id, customer_id, 'entered' AS change FROM ins UNION ALL SELECT group_id, customer_id, 'left' FROM del
      ), history AS (
        INSERT INTO customer_group_changes (group_id, shop_id, customer_id, change)
        SELECT group_id, ${shopId}::uuid, customer_id, change FROM diff ORDER BY group_id, change, customer_id
      ), announced AS (
        INSERT INTO outbox_events (shop_id, type, payload)
        SELECT ${shopId}::uuid, 'segment.changed', jsonb_build_object('groupId', group_id,
          'entered', coalesce(jsonb_agg(customer_id ORDER BY customer_id) FILTER (WHERE change = 'entered'), '[]'::jsonb),
          'left', coalesce(jsonb_agg(customer_id ORDER BY customer_id) FILTER (WHERE change = 'left'), '[]'::jsonb))
        FROM (SELECT group_id, customer_id, change, (row_number() OVER (PARTITION BY group_id, change ORDER BY customer_id) - 1) / ${CHANGE_CHUNK} AS chunk FROM diff) x
        GROUP BY group_id, chunk ORDER BY group_id, chunk
      ), counted AS (
        SELECT g.id AS group_id, (count(d.change) FILTER (WHERE d.change = 'entered'))::int AS entered_n, (count(d.change) FILTER (WHERE d.change = 'left'))::int AS left_n
        FROM unnest(${ids}) AS g(id) LEFT JOIN diff d ON d.group_id = g.id GROUP BY g.id
      ), updated AS (
        UPDATE customer_groups cg SET ${full
          ? sql`member_count = (SELECT count(*) FROM fresh n WHERE n.group_id = cg.id), refreshed_at = now()`
          : sql`member_count = cg.member_count + k.entered_n - k.left_n`}
        FROM counted k WHERE cg.id = k.group_id
        RETURNING cg.id, cg.member_count
      )
      SELECT k.group_id, k.entered_n, k.left_n, u.member_count AS count FROM counted k JOIN updated u ON u.id = k.group_id ORDER BY k.group_id`);
    return list.map((r) => ({ groupId: r.group_id, entered: Number(r.entered_n), left: Number(r.left_n), count: Number(r.count) }));
  }
}

/**
 * A statement over the whole shop aggregates payments and tag links by customer and joins them to every
 * customer. Settings for this transaction only: with the default 4 MB of work memory those hashes spill to
 * disk in batches (or the planner falls back to reading payments through the index, customer by customer);
 * JIT compiled the plan anew each time for more than it saved; and the parallel plan PostgreSQL picks builds
 * the whole payments hash once in every worker (not a shared parallel hash) — at 1,000,000 customers three
 * times the CPU for a slower answer on two cores (3.3 s against 2.0 s measured).
 */
async function wholeShop(tx: Db) {
  await tx.execute(sql`SELECT set_config('work_mem', '128MB', true), set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)`);
}

/** A behaviour leaf's answer: the customers it names, or (did not / at most N) those it does not. */
interface BehaviourSet {
  ids: string[];
  negate: boolean;
}

/**
 * The per-customer aggregates some rules read, each table at most once: `pay` (audience_payments grouped
 * by customer, a column per payment leaf) and `tg` (customer_tag_links likewise) are LEFT JOINed to `c`
 * (customers without rows read 0), and behaviour leaves' customers join as sets. Scoped to `among` when
 * given, so re-evaluating one customer reads that customer's rows only, by index.
 */
class Features {
  private payCols: SQL[] = [];
  private paySince: (Date | undefined)[] = [];
  private tagCols: SQL[] = [];
  private tagIds = new Set<string>();
  private sets: SQL[] = [];

  constructor(
    readonly shopId: string,
    readonly among?: string[],
  ) {}

  /** `c`'s rows: the shop's customers, or those among them. */
  scope(): SQL {
    return this.among ? sql`c.shop_id = ${this.shopId} AND c.customer_id = ANY(${uuidArray(this.among)}::uuid[])` : sql`c.shop_id = ${this.shopId}`;
  }

  /**
   * An aggregate over a customer's payments (`p`) that reads only payments since `since` (none: all of
   * them). When every aggregate has a window, older payments are left out before grouping.
   */
  pay(agg: SQL, since: Date | undefined): SQL {
    this.payCols.push(agg);
    this.paySince.push(since);
    return sql`coalesce(pay.${sql.raw(`a${this.payCols.length - 1}`)}, 0)`;
  }

  /** An aggregate over a customer's links to `tagIds` (`t`); links to other tags are never read. */
  tag(agg: SQL, tagIds: string[]): SQL {
    this.tagCols.push(agg);
    for (const id of tagIds) this.tagIds.add(id);
    return sql`coalesce(tg.${sql.raw(`a${this.tagCols.length - 1}`)}, 0)`;
  }

  /**
   * Whether `c` is among these customers: the list joined once as a set, not `= ANY(array)` tested on every
   * row (a linear search of the array for each of a million customers).
   */
  inSet(ids: string[]): SQL {
    if (!ids.length) return sql`FALSE`;
    const alias = sql.raw(`b${this.sets.length}`);
    this.sets.push(sql`LEFT JOIN (SELECT DISTINCT x AS customer_id FROM unnest(${uuidArray(ids)}::uuid[]) AS x) ${alias} ON ${alias}.customer_id = c.customer_id`);
    return sql`(${alias}.customer_id IS NOT NULL)`;
  }

  joins(): SQL {
    const out: SQL[] = [];
    const narrow = (col: SQL) => (this.among ? sql` AND ${col} = ANY(${uuidArray(this.among)}::uuid[])` : sql``);
    if (this.payCols.length) {
      const cols = sql.join(this.payCols.map((a, i) => sql`${a} AS ${sql.raw(`a${i}`)}`), sql`, `);
      const windowed = this.paySince.every((d) => d !== undefined);
      const earliest = windowed ? sql` AND p.paid_at >= ${new Date(Math.min(...this.paySince.map((d) => d!.getTime())))}` : sql``;
      out.push(sql`LEFT JOIN (SELECT p.customer_id, ${cols} FROM audience_payments p WHERE p.shop_id = ${this.shopId}${earliest}${narrow(sql`p.customer_id`)} GROUP BY p.customer_id) pay ON pay.customer_id = c.customer_id`);
    }
    if (this.tagCols.length) {
      const cols = sql.join(this.tagCols.map((a, i) => sql`${a} AS ${sql.raw(`a${i}`)}`), sql`, `);
      const tags = sql` AND t.tag_id = ANY(${uuidArray([...this.tagIds])}::uuid[])`;
      out.push(sql`LEFT JOIN (SELECT t.customer_id, ${cols} FROM customer_tag_links t WHERE t.shop_id = ${this.shopId}${tags}${narrow(sql`t.customer_id`)} GROUP BY t.customer_id) tg ON tg.customer_id = c.customer_id`);
    }
    return sql.join([...out, ...this.sets], sql` `);
  }
}
