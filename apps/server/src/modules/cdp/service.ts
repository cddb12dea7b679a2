import type http from 'node:http';
import { AnalysisQuery, type AnalysisResult, type DashboardMetrics, type PeopleSelector, type PropertyFilter, type SegmentCondition, maskPhone } from '@siyu/contracts';
import type { Actor, Platform } from '../../platform/context.js';
import { rows, sql } from '../../platform/db/index.js';
import { uuidArray } from '../../platform/db/prepared.js';
import { AppError, badRequest, notFound } from '../../platform/errors.js';
import type { CustomersService } from '../customers/service.js';
import type { GroupService } from '../tags/group-service.js';
import { runAnalysis, runPeople } from './analyses/run.js';
import { experimentArms } from './analyses/experiment.js';
import { personEvents, SqlBuilder } from './analyses/sql.js';
import { dashboard } from './dashboard.js';
import { openEngine } from './engine/index.js';
import { DAY_MS, type AnalyticsEngine } from './engine/types.js';
import { InboxWriter } from './inbox.js';
import { EventLoader } from './loader.js';
import { remoteEngine, serveAnalytics } from './owner.js';
import type { InboxEvent } from './segment.js';
import { WriteKeys } from './write-keys.js';

/** Up to this many persons are looked up one by one (an index lookup each); more are filtered in a scan. */
const PERSON_LOOKUP_MAX = 50;

type BehaviourLeaf = Extract<SegmentCondition, { type: 'event' | 'trait' | 'rfm' }>;

const PEOPLE_LIMIT = 200;
const GROUP_LIMIT = 100_000;

/**
 * The customer data platform's front door: accepted events go to the inbox, the loader moves them to the
 * analytics engine, and analyses, the dashboard and customer 360 read from there. The engine opens in
 * `start()`, once the process knows its roles (only the owner of a DuckDB file may open it).
 */
export class CdpService {
  readonly keys: WriteKeys;
  readonly inbox: InboxWriter;
  private engine?: AnalyticsEngine;
  private loader?: EventLoader;
  private listener?: http.Server;
  private behaviourListeners: ((shopId: string, customerIds: string[]) => Promise<void>)[] = [];

  constructor(
    private p: Platform,
    private customers: CustomersService,
    private groups: GroupService,
  ) {
    this.keys = new WriteKeys(p);
    this.inbox = new InboxWriter(p, { maxPending: p.config.INGEST_MAX_PENDING, maxRowsPerFlush: 5000, maxInFlight: p.database.kind === 'postgres' ? p.config.INGEST_MAX_INFLIGHT : 1 });
  }

  async start(roles: { worker: boolean }) {
    const c = this.p.config;
    const owner = c.ANALYTICS_OWNER === 'auto' ? roles.worker : c.ANALYTICS_OWNER === 'true';
    if (c.ANALYTICS_ENGINE === 'duckdb' && !owner) {
      if (c.ANALYTICS_OWNER_URL) this.engine = remoteEngine(c.ANALYTICS_OWNER_URL, c.SESSION_SECRET, 'duckdb');
      return;
    }
    this.engine = await openEngine(c);
    await this.engine.init();
    if (owner) {
      this.loader = new EventLoader(this.p, this.engine, {
        pageSize: 5000,
        idleMs: 200,
        customersAmong: async (shopId, ids, db) => new Set((await this.customers.summaries(shopId, ids, db)).keys()),
        onLoaded: async (shopId, personIds) => {
          if (!this.behaviourListeners.length) return;
          const customerIds = [...new Set([...(await this.personsById(shopId, personIds)).values()].filter((x): x is string => !!x))];
          if (customerIds.length) for (const l of this.behaviourListeners) await l(shopId, customerIds);
        },
      });
      this.loader.start();
      if (c.ANALYTICS_LISTEN && c.ANALYTICS_ENGINE === 'duckdb') this.listener = await serveAnalytics(this.engine, c.ANALYTICS_LISTEN, c.SESSION_SECRET, this.p.log);
    }
  }

  /** Called with the customers whose events were just loaded (in the process that loads). */
  onBehaviour(listener: (shopId: string, customerIds: string[]) => Promise<void>) {
    this.behaviourListeners.push(listener);
  }

  async stop() {
    await this.loader?.stop();
    if (this.listener) await new Promise<void>((r) => this.listener!.close(() => r()));
    await this.engine?.close();
    this.engine = undefined;
  }

  /** Loads everything accepted so far (tests and benchmarks wait on it). */
  async drain() {
    if (!this.loader) throw new Error('this process does not load events');
    await this.loader.drain();
  }

  private get e(): AnalyticsEngine {
    if (!this.engine) throw new AppError(503, 'ANALYTICS_UNAVAILABLE', 'The analytics engine is not reachable from this process');
    return this.engine;
  }

  accept(shopId: string, events: InboxEvent[]) {
    return this.inbox.write(shopId, events);
  }

  // ---- analyses ---------------------------------------------------------------------------------

  query(shopId: string, q: AnalysisQuery): Promise<AnalysisResult> {
    return runAnalysis(this.e, shopId, q);
  }

  /** The people behind a number, with who they are in the mall. */
  async people(shopId: string, q: AnalysisQuery, select: PeopleSelector) {
    checkSelector(q, select);
    const ids = await runPeople(this.e, shopId, q, select);
    const page = ids.slice(0, PEOPLE_LIMIT);
    const persons = await this.personsById(shopId, page);
    const names = await this.customers.summaries(shopId, [...persons.values()].filter((x): x is string => !!x));
    return {
      total: ids.length,
      items: page.map((personId) => {
        const customerId = persons.get(personId) ?? null;
        const c = customerId ? names.get(customerId) : undefined;
        return { personId, customerId, nickname: c?.nickname ?? null, phone: c?.phone ?? null };
      }),
    };
  }

  /** Saves the customers among those people as a static customer group (the tags module's groups). */
  async saveGroup(actor: Actor, q: AnalysisQuery, select: PeopleSelector, name: string) {
    checkSelector(q, select);
    const ids = await runPeople(this.e, actor.shopId, q, select, GROUP_LIMIT);
    const persons = await this.personsById(actor.shopId, ids);
    const customerIds = [...new Set([...persons.values()].filter((x): x is string => !!x))];
    const group = await this.groups.create(actor, { name, kind: 'static', conditions: null });
    for (let i = 0; i < customerIds.length; i += 10_000) await this.groups.addMembers(actor, group.id, customerIds.slice(i, i + 10_000));
    return { group: { id: group.id, name: group.name }, added: customerIds.length, anonymous: ids.length - customerIds.length };
  }

  /**
   * Customers matching a segment's behaviour leaf: an event count in a window (with property filters),
   * a trait, or an RFM type over the last year. `customerIds` narrows the question to a few customers
   * (a segment re-evaluated after one of them did something).
   */
  async customersMatching(shopId: string, leaf: BehaviourLeaf, opts: { having?: { op: 'gte' | 'eq' | 'gt'; count: number }; customerIds?: string[] }): Promise<string[]> {
    if (opts.customerIds && opts.customerIds.length === 0) return [];
    if (leaf.type === 'trait') return this.customersWithTrait(shopId, leaf.filter, opts.customerIds);
    const scope = opts.customerIds ? await this.personsOfCustomers(shopId, opts.customerIds) : null;
    if (scope && scope.length === 0) return [];
    const b = new SqlBuilder(this.e.dialect);
    // A few persons (a segment re-evaluated after they did something) are looked up by person, not scanned for.
    const source = scope && scope.length <= PERSON_LOOKUP_MAX ? personEvents(b, scope) : { with: '', from: 'events' };
    const only = scope && scope.length > PERSON_LOOKUP_MAX ? ` AND person_id IN (${scope.map((id) => b.str(id)).join(', ')})` : '';
    let persons: string[];
    if (leaf.type === 'event') {
      const h = opts.having ?? { op: 'gte', count: 1 };
      const since = this.p.now().getTime() - leaf.withinDays * DAY_MS;
      const found = await this.e.query<{ person_id: string }>(
        `${source.with}SELECT person_id FROM ${source.from} WHERE ${b.shop(shopId)} AND ${b.match({ event: leaf.event, where: leaf.where })} AND ts >= ${b.int(since)}${only}
         GROUP BY person_id HAVING count(*) ${h.op === 'gte' ? '>=' : h.op === 'gt' ? '>' : '='} ${b.int(h.count)}`,
        b.params,
      );
      persons = found.map((r) => r.person_id);
    } else {
      const today = new Date(this.p.now().getTime() + 8 * 3600_000).toISOString().slice(0, 10);
      const yearAgo = new Date(this.p.now().getTime() + 8 * 3600_000 - 365 * DAY_MS).toISOString().slice(0, 10);
      const q = { kind: 'rfm' as const, from: yearAgo, to: today, thresholds: 'mean' as const };
      persons = (await Promise.all(leaf.rfmTypes.map((type) => runPeople(this.e, shopId, q, { kind: 'rfm_type', type })))).flat();
      if (scope) persons = persons.filter((id) => scope.includes(id));
    }
    const map = await this.personsById(shopId, persons);
    return [...new Set([...map.values()].filter((x): x is string => !!x))];
  }

  /** An experiment's per-variant aggregates from the event store (see analyses/experiment.ts). */
  experimentArms(shopId: string, q: { experimentKey: string; metricEvent: string; windowDays: number; preDays: number }) {
    return experimentArms(this.e, shopId, q);
  }

  private async personsOfCustomers(shopId: string, customerIds: string[]) {
    const r = await rows<{ id: string }>(this.p.db, sql`
      SELECT id FROM cdp_persons WHERE shop_id = ${shopId} AND merged_into IS NULL AND customer_id = ANY(${uuidArray(customerIds)}::uuid[])`);
    return r.map((x) => x.id);
  }

  private async customersWithTrait(shopId: string, f: PropertyFilter, customerIds?: string[]) {
    const v = sql`p.traits ->> ${f.property}`;
    const value = String(f.value ?? '');
    const num = typeof f.value === 'number' ? f.value : Number(value);
    const cond =
      f.op === 'eq' ? sql`${v} = ${value}`
      : f.op === 'neq' ? sql`${v} IS NOT NULL AND ${v} <> ${value}`
      : f.op === 'contains' ? sql`strpos(${v}, ${value}) > 0`
      : f.op === 'set' ? sql`${v} IS NOT NULL`
      : f.op === 'not_set' ? sql`${v} IS NULL`
      : Number.isFinite(num) ? sql`jsonb_typeof(p.traits -> ${f.property}) = 'number' AND (${v})::numeric ${f.op === 'gt' ? sql`>` : sql`<`} ${num}`
      : sql`FALSE`;
    const scope = customerIds ? sql`AND p.customer_id = ANY(${uuidArray(customerIds)}::uuid[])` : sql``;
    const r = await rows<{ customer_id: string }>(this.p.db, sql`
      SELECT DISTINCT p.customer_id FROM cdp_persons p WHERE p.shop_id = ${shopId} AND p.merged_into IS NULL AND p.customer_id IS NOT NULL ${scope} AND ${cond}`);
    return r.map((x) => x.customer_id);
  }

  private async personsById(shopId: string, ids: string[]) {
    const out = new Map<string, string | null>();
    for (let i = 0; i < ids.length; i += 5000) {
      const r = await rows<{ id: string; customer_id: string | null }>(
        this.p.db,
        sql`SELECT id, customer_id FROM cdp_persons WHERE shop_id = ${shopId} AND id = ANY(${uuidArray(ids.slice(i, i + 5000))}::uuid[])`,
      );
      for (const x of r) out.set(x.id, x.customer_id);
    }
    return out;
  }

  /** Event names seen in the last 90 days, most frequent first (for pickers). */
  async eventNames(shopId: string) {
    const b = new SqlBuilder(this.e.dialect);
    const r = await this.e.query<{ event: string; n: number; last: number }>(
      `SELECT event, count(*) AS n, max(ts) AS last FROM events WHERE ${b.shop(shopId)} AND ts >= ${b.int(this.p.now().getTime() - 90 * DAY_MS)} GROUP BY event ORDER BY n DESC, event LIMIT 500`,
      b.params,
    );
    return { items: r.map((x) => ({ event: x.event, count: Number(x.n), lastSeen: new Date(Number(x.last)).toISOString() })) };
  }

  /** Property names of an event, from its latest 2,000 occurrences. */
  async propertyNames(shopId: string, event: string) {
    const b = new SqlBuilder(this.e.dialect);
    const match = event === '$any' ? '1 = 1' : `event = ${b.str(event)}`;
    const r = await this.e.query<{ k: string }>(
      `SELECT DISTINCT k FROM (SELECT ${b.jsonKeys('properties')} AS k FROM (SELECT properties FROM events WHERE ${b.shop(shopId)} AND ${match} ORDER BY ts DESC LIMIT 2000) x) y ORDER BY k LIMIT 200`,
      b.params,
    );
    return { items: ['$source', '$medium', '$campaign', '$channel', '$os', '$path', ...r.map((x) => x.k).filter((k) => /^[A-Za-z_][A-Za-z0-9_.]*$/.test(k))] };
  }

  dashboard(shopId: string, from: string, to: string): Promise<DashboardMetrics> {
    return dashboard(this.e, shopId, from, to);
  }

  async status(shopId: string) {
    const b = new SqlBuilder(this.e.dialect);
    const [n] = await this.e.query<{ n: number }>(`SELECT count(*) AS n FROM events WHERE ${b.shop(shopId)}`, b.params);
    const [mark] = await rows<{ xid: string; last_id: string; loaded_at: Date | string | null }>(this.p.db, sql`SELECT xid::text AS xid, last_id::text AS last_id, loaded_at FROM cdp_loader WHERE name = 'events'`);
    const [pending] = await rows<{ n: number }>(
      this.p.db,
      sql`SELECT count(*)::int AS n FROM cdp_inbox WHERE shop_id = ${shopId} AND (xid, id) > (${mark!.xid}::xid8, ${mark!.last_id}::bigint)`,
    );
    return { engine: this.p.config.ANALYTICS_ENGINE, events: Number(n?.n ?? 0), pending: pending?.n ?? 0, lastLoadedAt: mark?.loaded_at ? new Date(mark.loaded_at).toISOString() : null };
  }

  // ---- customer 360 -----------------------------------------------------------------------------

  private async personOfCustomer(shopId: string, customerId: string): Promise<string | null> {
    const [r] = await rows<{ id: string }>(
      this.p.db,
      sql`SELECT coalesce(p.merged_into, p.id) AS id FROM cdp_identities i JOIN cdp_persons p ON p.id = i.person_id
          WHERE i.shop_id = ${shopId} AND i.kind = 'user' AND i.value = ${customerId}
          UNION ALL SELECT id FROM cdp_persons WHERE shop_id = ${shopId} AND customer_id = ${customerId}::uuid AND merged_into IS NULL
          LIMIT 1`,
    );
    return r?.id ?? null;
  }

  async profile(shopId: string, customerId: string) {
    await this.customers.getCustomer(shopId, customerId);
    const personId = await this.personOfCustomer(shopId, customerId);
    if (!personId) return { personId: null, identities: [], traits: {}, firstSeen: null, lastSeen: null, eventCount: 0 };
    const [person] = await rows<{ traits: Record<string, unknown> }>(this.p.db, sql`SELECT traits FROM cdp_persons WHERE id = ${personId}`);
    const identities = await rows<{ kind: string; value: string; identified: boolean; created_at: Date | string }>(
      this.p.db,
      sql`SELECT kind, value, identified, created_at FROM cdp_identities WHERE shop_id = ${shopId} AND person_id = ${personId} ORDER BY identified DESC, created_at`,
    );
    const b = new SqlBuilder(this.e.dialect);
    const [seen] = await this.e.query<{ first: number | null; last: number | null; n: number }>(
      `SELECT min(ts) AS first, max(ts) AS last, count(*) AS n FROM events WHERE ${b.shop(shopId)} AND person_id = ${b.str(personId)}`,
      b.params,
    );
    const none = Number(seen?.n ?? 0) === 0;
    const iso = (v: number | null | undefined) => (none || v === null || v === undefined ? null : new Date(Number(v)).toISOString());
    return {
      personId,
      identities: identities.map((i) => ({ kind: i.kind, value: maskIdentity(i.kind, i.value), identified: i.identified, createdAt: new Date(i.created_at).toISOString() })),
      traits: person?.traits ?? {},
      firstSeen: iso(seen?.first),
      lastSeen: iso(seen?.last),
      eventCount: Number(seen?.n ?? 0),
    };
  }

  /** A customer's events, newest first; `before` is the cursor (`<ts>_<event id>`) the previous page returned. */
  async timeline(shopId: string, customerId: string, before: string | undefined, limit: number) {
    await this.customers.getCustomer(shopId, customerId);
    const personId = await this.personOfCustomer(shopId, customerId);
    if (!personId) return { items: [], next: null };
    const b = new SqlBuilder(this.e.dialect);
    const [ts, id] = before?.split('_').map(Number) ?? [];
    const cursor = ts !== undefined && id !== undefined ? { ts, id } : null;
    const r = await this.e.query<{ inbox_id: number; event: string; ts: number; properties: string; source: string; channel: string; path: string }>(
      `SELECT inbox_id, event, ts, properties, source, channel, path FROM events
       WHERE ${b.shop(shopId)} AND person_id = ${b.str(personId)} ${cursor ? `AND (ts < ${b.int(cursor.ts)} OR (ts = ${b.int(cursor.ts)} AND inbox_id < ${b.int(cursor.id)}))` : ''}
       ORDER BY ts DESC, inbox_id DESC LIMIT ${b.int(limit + 1)}`,
      b.params,
    );
    const page = r.slice(0, limit);
    return {
      items: page.map((x) => ({ id: Number(x.inbox_id), event: x.event, ts: new Date(Number(x.ts)).toISOString(), properties: JSON.parse(x.properties) as Record<string, unknown>, source: x.source, channel: x.channel, path: x.path })),
      next: r.length > limit ? `${page.at(-1)!.ts}_${page.at(-1)!.inbox_id}` : null,
    };
  }

  // ---- saved insights ---------------------------------------------------------------------------

  async insights(shopId: string) {
    const r = await rows<InsightRow>(this.p.db, sql`SELECT * FROM cdp_insights WHERE shop_id = ${shopId} ORDER BY pinned DESC, created_at DESC`);
    return { items: r.map(insightView) };
  }

  async saveInsight(actor: Actor, body: { name: string; query: AnalysisQuery; pinned: boolean }, id?: string) {
    const query = JSON.stringify(AnalysisQuery.parse(body.query));
    // Not found throws inside the transaction: it rolls back, audit entry included.
    const r = await this.p.database.transaction(async (tx) => {
      const [row] = id
        ? await rows<InsightRow>(tx, sql`UPDATE cdp_insights SET name = ${body.name}, query = ${query}::jsonb, pinned = ${body.pinned}, updated_at = now()
            WHERE shop_id = ${actor.shopId} AND id = ${id} RETURNING *`)
        : await rows<InsightRow>(tx, sql`INSERT INTO cdp_insights (shop_id, name, query, pinned, created_by) VALUES (${actor.shopId}, ${body.name}, ${query}::jsonb, ${body.pinned}, ${actor.name}) RETURNING *`);
      if (!row) throw notFound('Insight', { field: 'id' });
      return row;
    });
    return insightView(r);
  }

  async removeInsight(shopId: string, id: string) {
    const r = await this.p.database.transaction(async (tx) => {
      const [row] = await rows<InsightRow>(tx, sql`DELETE FROM cdp_insights WHERE shop_id = ${shopId} AND id = ${id} RETURNING *`);
      if (!row) throw notFound('Insight', { field: 'id' });
      return row;
    });
    return insightView(r);
  }
}

interface InsightRow {
  id: string;
  name: string;
  query: AnalysisQuery;
  pinned: boolean;
  created_by: string;
  created_at: Date | string;
  updated_at: Date | string;
}
const insightView = (r: InsightRow) => ({ id: r.id, name: r.name, query: r.query, pinned: r.pinned, createdBy: r.created_by, createdAt: new Date(r.created_at).toISOString(), updatedAt: new Date(r.updated_at).toISOString() });

function checkSelector(q: AnalysisQuery, s: PeopleSelector) {
  const need = { funnel_step: 'funnel', rfm_type: 'rfm', retention_cohort: 'retention' }[s.kind];
  if (q.kind !== need) throw badRequest('VALIDATION_FAILED', `people of ${s.kind} need a ${need} query`, { field: 'select.kind' });
  if (s.kind === 'funnel_step' && q.kind === 'funnel' && s.step >= q.steps.length) throw badRequest('VALIDATION_FAILED', 'no such step', { field: 'select.step' });
}

/** Staff see enough of an identity to recognise it, not enough to copy a phone number. */
function maskIdentity(kind: string, value: string) {
  if (kind === 'phone' && value.length >= 7) return maskPhone(value);
  if ((kind === 'openid' || kind === 'unionid') && value.length > 10) return `${value.slice(0, 6)}…${value.slice(-4)}`;
  return value;
}
