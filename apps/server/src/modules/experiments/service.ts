import { sql } from 'drizzle-orm';
import type { ExperimentBody, ExperimentStatus, ExperimentVariant } from '@siyu/contracts';
import type { Actor, Platform } from '../../platform/context.js';
import { rows, type Db } from '../../platform/db/index.js';
import { pgArray } from '../../platform/db/prepared.js';
import { conflict, notFound, unprocessable } from '../../platform/errors.js';
import type { CdpService } from '../cdp/service.js';
import { assignVariant } from './flags.js';
import { analyse } from './stats/index.js';

/** Days before the first exposure whose revenue feeds CUPED. */
const PRE_PERIOD_DAYS = 14;
/**
 * How long a process serves a shop's live experiments from memory. Every storefront page asks for flags;
 * a change in the console reaches this process's cache at once and every other process within this time.
 */
const LIVE_CACHE_MS = 10_000;

interface ExperimentRow {
  id: string;
  shop_id: string;
  key: string;
  name: string;
  hypothesis: string;
  variants: ExperimentVariant[];
  traffic_percent: number;
  metric_event: string;
  window_days: number;
  mde_percent: string | number;
  primary_metric: 'conversion' | 'revenue';
  status: ExperimentStatus;
  salt: string;
  shipped_variant: string | null;
  started_at: Date | null;
  stopped_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * Storefront experiments: flags evaluated on the server, sticky per person, exposures recorded once as
 * events, and the result read from the event store through the statistics in ./stats.
 */
export class ExperimentService {
  private live = new Map<string, { at: number; list: Promise<ExperimentRow[]> }>();

  constructor(
    private p: Platform,
    private cdp: CdpService,
  ) {}

  /** Forgets the cached experiments once a change has committed (or failed). */
  private async changed<T>(shopId: string, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } finally {
      this.live.delete(shopId);
    }
  }

  /** The shop's running and stopped experiments, from memory for LIVE_CACHE_MS (see there). */
  private liveExperiments(shopId: string): Promise<ExperimentRow[]> {
    const hit = this.live.get(shopId);
    if (hit && Date.now() - hit.at < LIVE_CACHE_MS) return hit.list;
    const list = rows<ExperimentRow>(this.p.db, sql`SELECT * FROM experiments WHERE shop_id = ${shopId} AND status IN ('running', 'stopped') ORDER BY key`);
    this.live.set(shopId, { at: Date.now(), list });
    list.catch(() => this.live.delete(shopId));
    return list;
  }

  async list(shopId: string) {
    const list = await rows<ExperimentRow & { exposed: number }>(this.p.db, sql`
      SELECT e.*, (SELECT count(*) FROM experiment_assignments a WHERE a.experiment_id = e.id AND a.subject LIKE 'a:%')::int AS exposed
      FROM experiments e WHERE e.shop_id = ${shopId} ORDER BY e.created_at DESC`);
    return { items: list.map((r) => ({ ...view(r), exposedDevices: Number(r.exposed) })) };
  }

  async get(shopId: string, id: string) {
    return view(await this.row(this.p.db, shopId, id));
  }

  async create(actor: Actor, body: ExperimentBody) {
    return this.changed(actor.shopId, this.p.database.transaction(async (tx) => {
      const [same] = await rows(tx, sql`SELECT 1 FROM experiments WHERE shop_id = ${actor.shopId} AND key = ${body.key}`);
      if (same) throw conflict('EXPERIMENT_KEY_TAKEN', 'An experiment with this key exists', { field: 'key' });
      const [r] = await rows<ExperimentRow>(tx, sql`
        INSERT INTO experiments (shop_id, key, name, hypothesis, variants, traffic_percent, metric_event, window_days, mde_percent, primary_metric)
        VALUES (${actor.shopId}, ${body.key}, ${body.name}, ${body.hypothesis}, ${JSON.stringify(body.variants)}::jsonb, ${body.trafficPercent},
          ${body.metricEvent}, ${body.windowDays}, ${body.minimumDetectableEffectPercent}, ${body.primaryMetric})
        RETURNING *`);
      return view(r!);
    }));
  }

  /** A draft changes freely; a running experiment keeps its variants and key (people are assigned to them). */
  async update(actor: Actor, id: string, body: ExperimentBody) {
    return this.changed(actor.shopId, this.p.database.transaction(async (tx) => {
      const before = await this.row(tx, actor.shopId, id, true);
      if (before.status !== 'draft') {
        if (body.key !== before.key) throw unprocessable('EXPERIMENT_STARTED', 'The key of a started experiment is fixed', { field: 'key' });
        const same = JSON.stringify(body.variants.map((v) => [v.key, v.weight])) === JSON.stringify(before.variants.map((v) => [v.key, v.weight]));
        if (!same) throw unprocessable('EXPERIMENT_STARTED', 'Variants and weights of a started experiment are fixed', { field: 'variants' });
      }
      const [r] = await rows<ExperimentRow>(tx, sql`
        UPDATE experiments SET key = ${body.key}, name = ${body.name}, hypothesis = ${body.hypothesis}, variants = ${JSON.stringify(body.variants)}::jsonb,
          traffic_percent = ${body.trafficPercent}, metric_event = ${body.metricEvent}, window_days = ${body.windowDays},
          mde_percent = ${body.minimumDetectableEffectPercent}, primary_metric = ${body.primaryMetric}, updated_at = now()
        WHERE id = ${id} RETURNING *`);
      return { before: view(before), after: view(r!) };
    }));
  }

  async start(actor: Actor, id: string) {
    return this.transition(actor, id, ['draft', 'stopped'], sql`status = 'running', started_at = coalesce(started_at, now()), stopped_at = NULL, shipped_variant = NULL`);
  }

  /** Ends the experiment; `ship` names the variant everyone sees from now on (the control when omitted). */
  async stop(actor: Actor, id: string, ship: string | null) {
    const e = await this.row(this.p.db, actor.shopId, id);
    if (ship && !e.variants.some((v) => v.key === ship)) throw unprocessable('VARIANT_NOT_FOUND', 'No such variant in this experiment', { field: 'ship' });
    return this.transition(actor, id, ['running'], sql`status = 'stopped', stopped_at = now(), shipped_variant = ${ship}`);
  }

  private async transition(actor: Actor, id: string, from: ExperimentStatus[], set: ReturnType<typeof sql>) {
    return this.changed(actor.shopId, this.p.database.transaction(async (tx) => {
      const e = await this.row(tx, actor.shopId, id, true);
      if (!from.includes(e.status)) throw conflict('EXPERIMENT_STATE', `The experiment is ${e.status}`, { field: 'status' });
      const [r] = await rows<ExperimentRow>(tx, sql`UPDATE experiments SET ${set}, updated_at = now() WHERE id = ${id} RETURNING *`);
      return view(r!);
    }));
  }

  /**
   * The storefront's flags for a visitor: every running experiment's variant and payload, and every
   * stopped one's shipped variant. A first assignment is recorded under each subject the request carries
   * and announced once as an `experiment_exposed` event (the people the result counts).
   */
  async flags(shopId: string, who: { anonymousId?: string; customerId?: string }) {
    const subjects = [who.customerId ? `c:${who.customerId}` : null, who.anonymousId ? `a:${who.anonymousId}` : null].filter((x): x is string => !!x);
    const list = await this.liveExperiments(shopId);
    const flags: Record<string, { variant: string; payload: Record<string, unknown>; inExperiment: boolean }> = {};
    const exposures: { experiment: string; variant: string }[] = [];
    for (const e of list) {
      const control = e.variants[0]!;
      if (e.status === 'stopped' || subjects.length === 0) {
        const v = e.variants.find((x) => x.key === e.shipped_variant) ?? control;
        flags[e.key] = { variant: v.key, payload: v.payload, inExperiment: false };
        continue;
      }
      const { variant, fresh } = await this.assign(e, subjects);
      const v = variant ? e.variants.find((x) => x.key === variant) ?? control : control;
      flags[e.key] = { variant: v.key, payload: v.payload, inExperiment: !!variant };
      if (variant && fresh) exposures.push({ experiment: e.key, variant });
    }
    await this.announce(shopId, who, subjects, exposures);
    return { flags };
  }

  /** First exposures become `experiment_exposed` events: the people the result counts. */
  private async announce(shopId: string, who: { anonymousId?: string; customerId?: string }, subjects: string[], exposures: { experiment: string; variant: string }[]) {
    if (!exposures.length) return;
    const now = this.p.now().getTime();
    await this.cdp.accept(
      shopId,
      exposures.map((x) => ({
        type: 'track' as const, event: 'experiment_exposed', messageId: `exp:${x.experiment}:${subjects[0]}`.slice(0, 100),
        userId: who.customerId, anonymousId: who.anonymousId, ts: now, properties: { experiment: x.experiment, variant: x.variant },
        source: '', medium: '', campaign: '', channel: '', os: '', path: '',
      })),
    );
  }

  /**
   * What an SDK needs to evaluate flags itself: each live experiment's salt, traffic, weights and payloads
   * (the same for every visitor, so cacheable), and for a signed-in customer the variants they already
   * have, which win over a fresh draw (they saw them on another device).
   */
  async config(shopId: string, customerId?: string) {
    const list = await this.liveExperiments(shopId);
    const assigned: Record<string, string> = {};
    if (customerId) {
      const running = list.filter((e) => e.status === 'running');
      const had = running.length
        ? await rows<{ experiment_id: string; variant: string }>(this.p.db, sql`
            SELECT experiment_id, variant FROM experiment_assignments WHERE experiment_id = ANY(${pgArray(running.map((e) => e.id))}::uuid[]) AND subject = ${`c:${customerId}`}`)
        : [];
      for (const h of had) assigned[running.find((e) => e.id === h.experiment_id)!.key] = h.variant;
    }
    return {
      experiments: list.map((e) => ({
        key: e.key,
        status: e.status as 'running' | 'stopped',
        salt: e.salt,
        trafficPercent: e.traffic_percent,
        variants: e.variants.map((v) => ({ key: v.key, weight: v.weight, payload: v.payload })),
        shippedVariant: e.status === 'stopped' ? e.shipped_variant ?? e.variants[0]!.key : null,
      })),
      assigned,
    };
  }

  /**
   * Exposures an SDK evaluated itself. Each is recorded only when it is the variant the server would give
   * this device and customer (a stored assignment, else the same hash), so a tampered or stale client cannot
   * put people into an arm; the rest are counted as refused.
   */
  async recordExposures(shopId: string, who: { anonymousId: string; customerId?: string }, seen: { key: string; variant: string }[]) {
    const subjects = [who.customerId ? `c:${who.customerId}` : null, `a:${who.anonymousId}`].filter((x): x is string => !!x);
    const byKey = new Map((await this.liveExperiments(shopId)).filter((e) => e.status === 'running').map((e) => [e.key, e]));
    const exposures: { experiment: string; variant: string }[] = [];
    let accepted = 0;
    for (const x of seen) {
      const e = byKey.get(x.key);
      if (!e) continue;
      const { variant, fresh } = await this.assign(e, subjects, x.variant);
      if (variant !== x.variant) continue;
      accepted++;
      if (fresh) exposures.push({ experiment: e.key, variant });
    }
    await this.announce(shopId, who, subjects, exposures);
    return { accepted, refused: seen.length - accepted };
  }

  /** The subject's variant: what any of its subjects already has, else a new draw; recorded under all. */
  private async assign(e: ExperimentRow, subjects: string[], claimed?: string): Promise<{ variant: string | null; fresh: boolean }> {
    const had = await rows<{ subject: string; variant: string }>(this.p.db, sql`
      SELECT subject, variant FROM experiment_assignments WHERE experiment_id = ${e.id} AND subject = ANY(${pgArray(subjects)}::text[])`);
    // The signed-in customer's variant wins over a device's: it is the one they saw elsewhere before.
    const known = had.find((h) => h.subject.startsWith('c:')) ?? had[0];
    const variant = known?.variant ?? assignVariant(e.salt, e.traffic_percent, e.variants, subjects.find((s) => s.startsWith('a:')) ?? subjects[0]!);
    if (!variant || (claimed !== undefined && claimed !== variant)) return { variant, fresh: false };
    const missing = subjects.filter((s) => !had.some((h) => h.subject === s));
    if (!missing.length) return { variant, fresh: false };
    const inserted = await rows(this.p.db, sql`
      INSERT INTO experiment_assignments (experiment_id, subject, variant) SELECT ${e.id}, s, ${variant} FROM unnest(${pgArray(missing)}::text[]) AS s
      ON CONFLICT DO NOTHING RETURNING subject`);
    return { variant, fresh: !known && inserted.length > 0 };
  }

  /** The result page: per-variant numbers from the event store and the statistics over them. */
  async results(shopId: string, id: string) {
    const e = await this.row(this.p.db, shopId, id);
    const arms = await this.cdp.experimentArms(shopId, { experimentKey: e.key, metricEvent: e.metric_event, windowDays: e.window_days, preDays: PRE_PERIOD_DAYS });
    const byKey = new Map(arms.map((a) => [a.variant, a]));
    const input = e.variants.map((v) => {
      const a = byKey.get(v.key);
      return {
        key: v.key,
        weight: v.weight,
        users: a?.users ?? 0,
        conversions: a?.conversions ?? 0,
        revenue: a?.revenue ?? { sum: 0, sumSquares: 0 },
        preRevenue: a?.preRevenue ?? { sum: 0, sumSquares: 0, sumProducts: 0 },
      };
    });
    const enough = input.every((a) => a.users >= 2);
    return {
      experiment: view(e),
      arms: input.map((a) => ({ key: a.key, users: a.users, conversions: a.conversions, revenueFen: a.revenue.sum })),
      analysis: enough ? analyse({ arms: input, minimumDetectableEffect: Number(e.mde_percent) / 100, primaryMetric: e.primary_metric }) : null,
    };
  }

  private async row(db: Db, shopId: string, id: string, lock = false): Promise<ExperimentRow> {
    const [r] = await rows<ExperimentRow>(db, sql`SELECT * FROM experiments WHERE id = ${id} AND shop_id = ${shopId} ${lock ? sql`FOR UPDATE` : sql``}`);
    if (!r) throw notFound('Experiment', { field: 'id' });
    return r;
  }
}

function view(r: ExperimentRow) {
  return {
    id: r.id, key: r.key, name: r.name, hypothesis: r.hypothesis, variants: r.variants, trafficPercent: r.traffic_percent,
    metricEvent: r.metric_event, windowDays: r.window_days, minimumDetectableEffectPercent: Number(r.mde_percent), primaryMetric: r.primary_metric,
    status: r.status, shippedVariant: r.shipped_variant, startedAt: r.started_at ? new Date(r.started_at).toISOString() : null,
    stoppedAt: r.stopped_at ? new Date(r.stopped_at).toISOString() : null, createdAt: new Date(r.created_at).toISOString(),
  };
}
