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
type BehaviourSets = Map<SegmentCondition, SQL>;

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
    const where = await this.compile(this.p.db, shopId, rule, await this.behaviourOf(shopId, rule));
    const [r] = await rows<{ n: number; total: number }>(this.p.db, sql`
      SELECT count(*) FILTER (WHERE ${where})::int AS n, count(*)::int AS total FROM audience_customers c WHERE c.shop_id = ${shopId}`);
    return { count: Number(r!.n), total: Number(r!.total) };
  }

  /** Whether one customer matches a rule now (a journey's condition node). */
  async matches(shopId: string, rule: SegmentRule, customerId: string, db: Db = this.p.db): Promise<boolean> {
    return (await this.select(db, shopId, rule, await this.behaviourOf(shopId, rule, [customerId]), [customerId])).has(customerId);
  }

  /** Recomputes a dynamic group's members over the whole shop. */
  async refresh(shopId: string, groupId: string) {
    this.behaviourShops.delete(shopId);
    return this.evaluate(shopId, groupId, undefined);
  }

  /**
   * Behaviour leaves are answered first, outside the transaction (the engine and the customer-data
   * tables are not this transaction's, and an embedded database has one connection); the transaction then
   * locks the group and, if its rule changed meanwhile, starts over with the new one.
   */
  private async evaluate(shopId: string, groupId: string, among: string[] | undefined) {
    for (let attempt = 0; ; attempt++) {
      const [g] = await rows<{ conditions: unknown }>(this.p.db, sql`SELECT conditions FROM customer_groups WHERE id = ${groupId} AND shop_id = ${shopId} AND kind = 'dynamic' AND deleted_at IS NULL`);
      if (!g) return { entered: 0, left: 0, count: 0 };
      const rule = ruleOf(g.conditions);
      const behaviour = await this.behaviourOf(shopId, rule, among);
      const done = await this.p.database.transaction(async (tx) => {
        const locked = await this.lockGroup(tx, shopId, groupId);
        if (!locked) return { entered: 0, left: 0, count: 0 };
        if (JSON.stringify(locked.conditions) !== JSON.stringify(g.conditions) && attempt < 3) return null;
        const now = await this.select(tx, shopId, rule, behaviour, among);
        const before = new Set((await rows<{ customer_id: string }>(tx, sql`
          SELECT customer_id FROM customer_group_members WHERE group_id = ${groupId} ${among ? sql`AND customer_id = ANY(${uuidArray(among)}::uuid[])` : sql``}`)).map((r) => r.customer_id));
        return this.apply(tx, shopId, groupId, now, before, !among);
      });
      if (done) return done;
    }
  }

  /** Re-evaluates the shop's dynamic groups for some customers after something about them changed. */
  async refreshCustomers(shopId: string, customerIds: string[]) {
    const ids = [...new Set(customerIds)];
    if (!ids.length) return;
    const groups = await rows<{ id: string }>(this.p.db, sql`SELECT id FROM customer_groups WHERE shop_id = ${shopId} AND kind = 'dynamic' AND deleted_at IS NULL ORDER BY id`);
    for (const { id } of groups) await this.evaluate(shopId, id, ids);
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

  private async select(db: Db, shopId: string, rule: SegmentRule, behaviour: BehaviourSets, among?: string[]): Promise<Set<string>> {
    const where = await this.compile(db, shopId, rule, behaviour);
    const scope = among ? sql`AND c.customer_id = ANY(${uuidArray(among)}::uuid[])` : sql``;
    const list = await rows<{ customer_id: string }>(db, sql`SELECT c.customer_id FROM audience_customers c WHERE c.shop_id = ${shopId} ${scope} AND ${where}`);
    return new Set(list.map((r) => r.customer_id));
  }

  private async compile(db: Db, shopId: string, rule: SegmentRule, behaviour: BehaviourSets): Promise<SQL> {
    const parts = await Promise.all(rule.items.map((i) => (isRule(i) ? this.compile(db, shopId, i, behaviour) : this.leaf(db, shopId, i, behaviour))));
    return sql`(${sql.join(parts, rule.op === 'and' ? sql` AND ` : sql` OR `)})`;
  }

  /** Each behaviour leaf of the rule as SQL over `c`, answered by the customer-data module. */
  private async behaviourOf(shopId: string, rule: SegmentRule, among?: string[]): Promise<BehaviourSets> {
    const out: BehaviourSets = new Map();
    for (const l of leaves(rule)) {
      if (l.type === 'event' || l.type === 'trait' || l.type === 'rfm') out.set(l, await this.behaviourLeaf(shopId, l, among));
    }
    return out;
  }

  private async leaf(db: Db, shopId: string, l: SegmentCondition, behaviour: BehaviourSets): Promise<SQL> {
    const since = (days: number) => new Date(this.p.now().getTime() - days * DAY_MS);
    const pay = (extra: SQL = sql``) => sql`FROM audience_payments p WHERE p.shop_id = c.shop_id AND p.customer_id = c.customer_id ${extra}`;
    const window = (days?: number) => (days ? sql`AND p.paid_at >= ${since(days)}` : sql``);
    switch (l.type) {
      case 'level': {
        const parts: SQL[] = [];
        if (l.levelIds.length) parts.push(sql`c.level_id = ANY(${uuidArray(l.levelIds)}::uuid[])`);
        if (l.noLevel) parts.push(sql`c.level_id IS NULL`);
        return parts.length ? sql`(${sql.join(parts, sql` OR `)})` : sql`TRUE`;
      }
      case 'tag': {
        const ids = sql`${uuidArray(l.tagIds)}::uuid[]`;
        const links = sql`FROM customer_tag_links t WHERE t.shop_id = c.shop_id AND t.customer_id = c.customer_id AND t.tag_id = ANY(${ids})`;
        if (l.match === 'all') return sql`((SELECT count(DISTINCT t.tag_id) ${links}) = ${new Set(l.tagIds).size})`;
        return l.match === 'none' ? sql`NOT EXISTS (SELECT 1 ${links})` : sql`EXISTS (SELECT 1 ${links})`;
      }
      case 'spend': {
        const spend = sql`coalesce((SELECT sum(p.paid_fen - p.refunded_fen) ${pay(window(l.withinDays))}), 0)`;
        const parts = [sql`TRUE`];
        if (l.minFen !== undefined) parts.push(sql`${spend} >= ${l.minFen}`);
        if (l.maxFen !== undefined) parts.push(sql`${spend} <= ${l.maxFen}`);
        return sql`(${sql.join(parts, sql` AND `)})`;
      }
      case 'orders': {
        const n = sql`(SELECT count(*) ${pay(sql`AND p.refunded_fen < p.paid_fen ${window(l.withinDays)}`)})`;
        const parts = [sql`TRUE`];
        if (l.min !== undefined) parts.push(sql`${n} >= ${l.min}`);
        if (l.max !== undefined) parts.push(sql`${n} <= ${l.max}`);
        return sql`(${sql.join(parts, sql` AND `)})`;
      }
      case 'last_order': {
        const parts = [sql`TRUE`];
        if (l.within) parts.push(sql`EXISTS (SELECT 1 ${pay(window(l.within))})`);
        // "No order for N days" means a customer who has ordered, just not lately (dormant), as groups had it.
        if (l.notWithin) parts.push(sql`NOT EXISTS (SELECT 1 ${pay(window(l.notWithin))}) AND EXISTS (SELECT 1 ${pay()})`);
        if (l.never) parts.push(sql`NOT EXISTS (SELECT 1 ${pay()})`);
        return sql`(${sql.join(parts, sql` AND `)})`;
      }
      case 'bought_category': {
        const paths = await this.categories.paths(shopId, db);
        const within = Object.keys(paths).filter((id) => paths[id]!.includes(l.categoryId));
        const ids = within.length ? within : [l.categoryId];
        return sql`EXISTS (SELECT 1 ${pay(sql`AND p.refunded_fen < p.paid_fen AND p.category_ids && ${uuidArray(ids)}::uuid[] ${window(l.withinDays)}`)})`;
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
      default:
        return behaviour.get(l) ?? sql`FALSE`;
    }
  }

  /**
   * Event counts become a set of the customers with at least / exactly / more than N; "at most N" and
   * "did not" are the complement, so customers with no events at all are in them.
   */
  private async behaviourLeaf(shopId: string, l: Behaviour, among?: string[]): Promise<SQL> {
    const inSet = (ids: string[]) => sql`c.customer_id = ANY(${uuidArray(ids)}::uuid[])`;
    if (l.type !== 'event') return inSet(await this.behaviour.customersMatching(shopId, l, { customerIds: among }));
    if (!l.did) return sql`NOT ${inSet(await this.behaviour.customersMatching(shopId, l, { having: { op: 'gte', count: 1 }, customerIds: among }))}`;
    if (l.op === 'lte') return sql`NOT ${inSet(await this.behaviour.customersMatching(shopId, l, { having: { op: 'gt', count: l.count }, customerIds: among }))}`;
    return inSet(await this.behaviour.customersMatching(shopId, l, { having: { op: l.op, count: l.count }, customerIds: among }));
  }

  // ---- membership -----------------------------------------------------------------------------

  /** Serialises refreshes of one group (a full one and a customer's) so neither writes on a stale read. */
  private async lockGroup(tx: Db, shopId: string, groupId: string) {
    const [g] = await rows<{ id: string; conditions: unknown }>(tx, sql`
      SELECT id, conditions FROM customer_groups WHERE id = ${groupId} AND shop_id = ${shopId} AND kind = 'dynamic' AND deleted_at IS NULL FOR UPDATE`);
    return g;
  }

  private async apply(tx: Db, shopId: string, groupId: string, now: Set<string>, before: Set<string>, full: boolean) {
    const entered = [...now].filter((id) => !before.has(id));
    const left = [...before].filter((id) => !now.has(id));
    for (let i = 0; i < entered.length; i += 10_000) {
      const chunk = entered.slice(i, i + 10_000);
      await tx.execute(sql`INSERT INTO customer_group_members (group_id, customer_id, shop_id) SELECT ${groupId}, x, ${shopId} FROM unnest(${uuidArray(chunk)}::uuid[]) AS x ON CONFLICT DO NOTHING`);
    }
    for (let i = 0; i < left.length; i += 10_000) {
      await tx.execute(sql`DELETE FROM customer_group_members WHERE group_id = ${groupId} AND customer_id = ANY(${uuidArray(left.slice(i, i + 10_000))}::uuid[])`);
    }
    const changes = [...entered.map((id) => [id, 'entered'] as const), ...left.map((id) => [id, 'left'] as const)];
    for (let i = 0; i < changes.length; i += 10_000) {
      const chunk = changes.slice(i, i + 10_000);
      await tx.execute(sql`INSERT INTO customer_group_changes (group_id, shop_id, customer_id, change)
        SELECT ${groupId}, ${shopId}, x, y FROM unnest(${uuidArray(chunk.map((c) => c[0]))}::uuid[], ${pgArray(chunk.map((c) => c[1]))}::text[]) AS u(x, y)`);
    }
    for (let i = 0; i < Math.max(entered.length, left.length); i += CHANGE_CHUNK) {
      await this.p.events.emit(tx, { shopId, type: 'segment.changed', payload: { groupId, entered: entered.slice(i, i + CHANGE_CHUNK), left: left.slice(i, i + CHANGE_CHUNK) } });
    }
    const [r] = await rows<{ n: number }>(tx, sql`
      UPDATE customer_groups SET ${full ? sql`member_count = ${now.size}, refreshed_at = now()` : sql`member_count = member_count + ${entered.length - left.length}`}
      WHERE id = ${groupId} RETURNING member_count AS n`);
    return { entered: entered.length, left: left.length, count: Number(r!.n) };
  }
}
