/**
 * Journey benchmark (自动化营销): N synthetic customers enter a 5-node journey through the real server and
 * its `journeys.advance` worker job; node transitions/s, the lag from an instance's wake-up to its step, the
 * time to finish, and afterwards whether every customer walked exactly the graph's path once.
 *
 *   npx tsx bench/journeys/run.ts [--mode embedded|scaled|both] [--customers N] [--holdout 10] [--wait 1]
 *        [--journey full|engine-only] [--batch N] [--concurrency N] [--poll 3] [--analyze-every 15] [--timeout 3600] [--out DIR]
 *
 * The journey (created and published over the admin API, no vendor): trigger `segment_entered` on a group →
 * t: tag add → w: wait --wait minutes → s: random split 50/50 → a: p: 10 points / b: u: tag remove → x: exit.
 * Every treatment instance writes 5 steps; the holdout (10 %) walks nothing. Entry: `segment.changed` events
 * of 1,000 customers each, written into the outbox by SQL exactly as the segments module's refresh writes
 * them (the way members arrive in production).
 *
 * Writes bench/journeys/results/<mode>.json. See bench/journeys/README.md.
 */
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fail, parseBenchArgs, positiveInt, type Mode } from '../lib/args.js';
import { interrupted, runCleanups, runModes } from '../lib/cleanup.js';
import { startAnalyzer } from '../lib/analyzer.js';
import { CpuMeter, type CpuReport } from '../lib/cpu.js';
import { openPglite, openPostgres, type Sql } from '../lib/database.js';
import { AdminClient, SHOP, signInOwner } from '../lib/demo-shop.js';
import { json, sleep } from '../lib/http.js';
import { gitCommit, machineInfo, printRows, writeResult } from '../lib/report.js';
import { prepareRun, type RunEnv } from '../lib/run-env.js';
import { freePort, startServer, type Server } from '../lib/server.js';
import { percentile, round } from '../lib/stats.js';

const args = parseBenchArgs(path.dirname(fileURLToPath(import.meta.url)), { holdout: 10, wait: 1, poll: 3, timeout: 3600, 'analyze-every': 15 }, { customers: '', batch: '', concurrency: '', journey: 'full' });
const { modes, results: RESULTS, tmp: TMP } = args;
if (args.ints.holdout > 50) fail('--holdout must be at most 50 (the API refuses more)');
const DEFAULT_CUSTOMERS: Record<Mode, number> = { scaled: 1_000_000, embedded: 100_000 };
const customersFor = (mode: Mode) => (args.strings.customers ? positiveInt('customers', args.strings.customers) : DEFAULT_CUSTOMERS[mode]);
if (!['full', 'engine-only'].includes(args.strings.journey)) fail('--journey must be full or engine-only');
const params = {
  /**
   * full: tag add, wait, split, points | tag remove, exit. engine-only: the same shape with no effect (t, p and u
   * are 50/50 random splits whose branches both go on): what the engine itself costs, without other modules.
   */
  journey: args.strings.journey as 'full' | 'engine-only',
  holdoutPercent: args.ints.holdout,
  waitMinutes: args.ints.wait,
  pollSeconds: args.ints.poll,
  timeoutSeconds: args.ints.timeout,
  /**
   * Scaled mode: every this many seconds while the journey runs, ANALYZE of the tables autovacuum would analyze
   * (50 + 10 % of their rows changed) — a stand-in for autovacuum, which this PostgreSQL instance runs without.
   * Without it the claim's plan stays the one of an empty journey_instances (a bitmap scan of every live
   * instance, ~170 ms a claim at 100,000).
   */
  analyzeEverySeconds: args.ints['analyze-every'],
  /** The server's JOURNEY_BATCH (instances an advance transaction walks); empty: the server's default. */
  journeyBatch: args.strings.batch ? positiveInt('batch', args.strings.batch) : null,
  /** The server's JOURNEY_CONCURRENCY (advance transactions a worker runs at once); empty: the server's default. */
  journeyConcurrency: args.strings.concurrency ? positiveInt('concurrency', args.strings.concurrency) : null,
};

/** The issue's aim for one machine. */
const AIM_TRANSITIONS_PER_SECOND = 10_000;
const PHONE_BASE = 16_000_000_000;
/** Customers per segment.changed event, as the segments module writes them. */
const CHUNK = 1_000;
const STEPS_PER_INSTANCE = 5;

interface Topology {
  servers: Server[];
  base: string;
  name: string;
}

async function startTopology(mode: Mode, run: RunEnv): Promise<Topology> {
  if (mode === 'embedded') {
    const all = await startServer('all', run.env);
    return { servers: [all], base: all.url, name: '1 × all (HTTP + worker)' };
  }
  const serve = await startServer('serve', run.env);
  const metricsPort = await freePort();
  const worker = await startServer('worker', { ...run.env, SEED_DEMO: 'false', METRICS_LISTEN: `127.0.0.1:${metricsPort}` });
  const until = Date.now() + 120_000;
  for (;;) {
    if (await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.ok, () => false)) break;
    if (worker.child.exitCode !== null) throw new Error(`worker exited with code ${worker.child.exitCode}:\n  ${worker.output.slice(-30).join('\n  ')}`);
    if (Date.now() > until) throw new Error('worker not up after 120 s');
    await sleep(300);
  }
  return { servers: [serve, worker], base: serve.url, name: '1 × serve (HTTP) + 1 × worker (outbox, journeys.advance)' };
}

/** The tag the journey adds and removes, the group its trigger names, the journey, published. */
async function configureShop(admin: AdminClient) {
  const stamp = Date.now().toString(36);
  const tag = await admin.call('POST', '/api/admin/tags', { name: `旅程压测 ${stamp}`, kind: 'manual' });
  const group = await admin.call('POST', '/api/admin/groups', { name: `旅程压测人群 ${stamp}`, kind: 'static', conditions: null });
  if (!group.id) throw new Error(`group not created: ${JSON.stringify(group)}`);
  const body = {
    name: `压测旅程 ${stamp}`,
    trigger: { kind: 'segment_entered', groupId: group.id },
    goal: null,
    reentry: { kind: 'never' },
    holdoutPercent: params.holdoutPercent,
    exitOnSegmentLeft: false,
    positions: {},
    nodes: params.journey === 'full'
      ? [
        { id: 't', type: 'tag', action: 'add', tagIds: [tag.id] },
        { id: 'w', type: 'wait', duration: { amount: params.waitMinutes, unit: 'minutes' } },
        { id: 's', type: 'random_split', branches: [{ key: 'a', percent: 50 }, { key: 'b', percent: 50 }] },
        { id: 'p', type: 'points', points: 10 },
        { id: 'u', type: 'tag', action: 'remove', tagIds: [tag.id] },
        { id: 'x', type: 'exit' },
      ]
      : [
        { id: 't', type: 'random_split', branches: [{ key: 'a', percent: 50 }, { key: 'b', percent: 50 }] },
        { id: 'w', type: 'wait', duration: { amount: params.waitMinutes, unit: 'minutes' } },
        { id: 's', type: 'random_split', branches: [{ key: 'a', percent: 50 }, { key: 'b', percent: 50 }] },
        { id: 'p', type: 'random_split', branches: [{ key: 'a', percent: 50 }, { key: 'b', percent: 50 }] },
        { id: 'u', type: 'random_split', branches: [{ key: 'a', percent: 50 }, { key: 'b', percent: 50 }] },
        { id: 'x', type: 'exit' },
      ],
    edges: params.journey === 'full'
      ? [
        { from: 'entry', to: 't' }, { from: 't', to: 'w' }, { from: 'w', to: 's' },
        { from: 's', to: 'p', branch: 'a' }, { from: 's', to: 'u', branch: 'b' }, { from: 'p', to: 'x' }, { from: 'u', to: 'x' },
      ]
      : [
        { from: 'entry', to: 't' }, { from: 't', to: 'w', branch: 'a' }, { from: 't', to: 'w', branch: 'b' }, { from: 'w', to: 's' },
        { from: 's', to: 'p', branch: 'a' }, { from: 's', to: 'u', branch: 'b' },
        { from: 'p', to: 'x', branch: 'a' }, { from: 'p', to: 'x', branch: 'b' }, { from: 'u', to: 'x', branch: 'a' }, { from: 'u', to: 'x', branch: 'b' },
      ],
  };
  const j = await admin.call('POST', '/api/admin/journeys', body);
  if (!j.id) throw new Error(`journey not created: ${JSON.stringify(j)}`);
  const pub = await admin.call('POST', `/api/admin/journeys/${j.id}/publish`);
  if (pub.status !== 'live') throw new Error(`journey not published: ${JSON.stringify(pub)}`);
  return { tagId: tag.id as string, groupId: group.id as string, journeyId: j.id as string, definition: body };
}

async function shopIdOf(db: Sql): Promise<string> {
  const [s] = await db.query<{ id: string }>(`SELECT id FROM shops WHERE slug = $1`, [SHOP]);
  return s!.id;
}

/** N customers (phones 160…) with their audience rows and group membership, in chunks of 100,000. */
async function seedCustomers(db: Sql, shopId: string, groupId: string, n: number) {
  const chunk = 100_000;
  for (let from = 1; from <= n; from += chunk) {
    const to = Math.min(n, from + chunk - 1);
    await db.query(
      `WITH c AS (
         INSERT INTO customers (shop_id, phone, source, registered_at, last_active_at)
         SELECT $1, ($4::bigint + g)::text, 'import', now(), now() FROM generate_series($2::int, $3::int) g
         RETURNING id),
       a AS (INSERT INTO audience_customers (shop_id, customer_id, source, registered_at) SELECT $1, id, 'import', now() FROM c)
       INSERT INTO customer_group_members (group_id, customer_id, shop_id) SELECT $5, id, $1 FROM c`,
      [shopId, from, to, PHONE_BASE, groupId],
    );
    process.stdout.write(`\r  seeded ${to.toLocaleString('en')} / ${n.toLocaleString('en')} customers`);
  }
  process.stdout.write('\n');
  for (const t of ['customers', 'audience_customers', 'customer_group_members']) await db.query(`ANALYZE ${t}`);
}

/** The group's members announced as `segment.changed`, CHUNK customers an event, as segments.apply writes them. */
async function announce(db: Sql, shopId: string, groupId: string) {
  const [r] = await db.query<{ n: number }>(
    `WITH x AS (
       SELECT customer_id, (row_number() OVER (ORDER BY customer_id) - 1) / ${CHUNK} AS chunk FROM customer_group_members WHERE group_id = $2),
     ins AS (
       INSERT INTO outbox_events (shop_id, type, payload)
       SELECT $1::uuid, 'segment.changed', jsonb_build_object('groupId', $2::uuid, 'entered', jsonb_agg(customer_id ORDER BY customer_id), 'left', '[]'::jsonb)
       FROM x GROUP BY chunk ORDER BY chunk RETURNING 1)
     SELECT count(*)::int AS n FROM ins`,
    [shopId, groupId],
  );
  return r!.n;
}

// ---------------------------------------------------------------------------------------------------
// Following the run.

interface Point { t: number; instances: number; steps: number; stepsPerSecond: number; live: number | null; cpu: Record<string, number> }

/** scaled: cheap counters while it runs (inserted rows from pg_stat, live instances by index). */
async function progressScaled(db: Sql, journeyId: string) {
  const st = await db.query<{ relname: string; n: string }>(`SELECT relname, n_tup_ins::text AS n FROM pg_stat_user_tables WHERE relname IN ('journey_instances', 'journey_steps')`);
  const ins = (name: string) => Number(st.find((r) => r.relname === name)?.n ?? 0);
  const [l] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journey_instances WHERE journey_id = $1 AND status IN ('active', 'waiting')`, [journeyId]);
  return { instances: ins('journey_instances'), steps: ins('journey_steps'), live: l!.n };
}

/** embedded: the admin API's list (its counts: entered, live). Steps are not counted while running. */
async function progressEmbedded(admin: AdminClient, journeyId: string) {
  const list = await admin.call('GET', '/api/admin/journeys');
  const j = (list.items as { id: string; counts: { live: number; entered: number } }[]).find((x) => x.id === journeyId);
  return { instances: j?.counts.entered ?? 0, steps: 0, live: j?.counts.live ?? 0 };
}

// ---------------------------------------------------------------------------------------------------
// Afterwards, from the database.

async function measure(db: Sql, journeyId: string, t0Epoch: number, waitMs: number) {
  const [span] = await db.query<{ n: number; first: number; last: number; entries: number; efirst: number; elast: number }>(
    `SELECT (SELECT count(*)::int FROM journey_steps WHERE journey_id = $1) AS n,
            (SELECT extract(epoch FROM min(at))::float8 FROM journey_steps WHERE journey_id = $1) AS first,
            (SELECT extract(epoch FROM max(at))::float8 FROM journey_steps WHERE journey_id = $1) AS last,
            (SELECT count(*)::int FROM journey_instances WHERE journey_id = $1) AS entries,
            (SELECT extract(epoch FROM min(entered_at))::float8 FROM journey_instances WHERE journey_id = $1) AS efirst,
            (SELECT extract(epoch FROM max(entered_at))::float8 FROM journey_instances WHERE journey_id = $1) AS elast`,
    [journeyId],
  );
  const s = span!;
  // Steps per second of the engine's clock (`at`), the partial first and last seconds left out.
  const perSecond = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journey_steps WHERE journey_id = $1 GROUP BY date_trunc('second', at) ORDER BY date_trunc('second', at)`, [journeyId])).map((r) => r.n);
  const inner = perSecond.slice(1, -1).sort((a, b) => a - b);
  // Lag: a step's `at` (the engine's clock when its transaction ran) minus when the instance was due: seq 1 at
  // entry, the wait's step (w) when the wait ended, every other step when the previous one set wake_at (its `at`).
  const lag = await db.query<{ kind: string; n: number; p50: number; p90: number; p99: number; max: number }>(
    `WITH d AS (
       SELECT s.node_id, CASE WHEN s.seq = 1 THEN 'entry → first step' WHEN s.node_id = 'w' THEN 'wait over → step' ELSE 'chained (same walk)' END AS kind,
         extract(epoch FROM s.at - CASE WHEN s.seq = 1 THEN i.entered_at WHEN s.node_id = 'w' THEN p.at + make_interval(secs => $2::float8 / 1000) ELSE p.at END) * 1000 AS ms
       FROM journey_steps s JOIN journey_instances i ON i.id = s.instance_id
       LEFT JOIN journey_steps p ON p.instance_id = s.instance_id AND p.seq = s.seq - 1
       WHERE s.journey_id = $1)
     SELECT kind, count(*)::int AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::float8 AS p50, percentile_cont(0.9) WITHIN GROUP (ORDER BY ms)::float8 AS p90,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::float8 AS p99, max(ms)::float8 AS max
     FROM (SELECT kind, ms FROM d UNION ALL SELECT 'all', ms FROM d) x GROUP BY kind ORDER BY kind`,
    [journeyId, waitMs],
  );
  // Per-instance transitions: steps over their own active time (without the wait), the engine's throughput when busy.
  const busySeconds = perSecond.length;
  return {
    steps: s.n,
    entry: {
      instances: s.entries,
      firstToLastEnteredSeconds: round(s.elast - s.efirst, 1),
      entriesPerSecond: round(s.entries / Math.max(0.001, s.elast - s.efirst), 0),
      firstEnteredAfterAnnounceSeconds: round(s.efirst - t0Epoch, 1),
    },
    transitions: {
      firstToLastStepSeconds: round(s.last - s.first, 1),
      perSecondFirstToLast: round(s.n / Math.max(0.001, s.last - s.first), 0),
      secondsWithSteps: busySeconds,
      perBusySecond: round(s.n / Math.max(1, busySeconds), 0),
      perSecond: inner.length ? { p10: percentile(inner, 10), p50: percentile(inner, 50), p90: percentile(inner, 90), max: inner.at(-1) } : null,
      note: 'journey_steps rows by their `at` second; firstToLast includes the wait (no step is due while every instance waits), perBusySecond counts only seconds with a step',
    },
    lagMs: Object.fromEntries(lag.map((l) => [l.kind, { steps: l.n, p50: round(l.p50, 1), p90: round(l.p90, 1), p99: round(l.p99, 1), max: round(l.max, 1) }])),
    finishedAfterAnnounceSeconds: round(s.last - t0Epoch, 1),
  };
}

async function checkDatabase(db: Sql, shopId: string, journeyId: string, tagId: string, customers: number, holdoutPercent: number) {
  // sha256-based buckets as graph.ts computes them: readUInt32BE(0) % 10000 / 100.
  const bucket = (text: string) => `((('x' || substr(encode(sha256(convert_to(${text}, 'UTF8')), 'hex'), 1, 8))::bit(32)::bigint % 10000) / 100.0)`;
  const [c] = await db.query<Record<string, number>>(
    `WITH i AS (
       SELECT i.*, ${bucket(`'holdout:' || i.journey_id || ':' || i.customer_id`)} < ${holdoutPercent} AS exp_holdout,
         CASE WHEN ${bucket(`'split:' || i.id || ':s'`)} < 50 THEN 'a' ELSE 'b' END AS exp_branch,
         CASE WHEN ${bucket(`'split:' || i.id || ':t'`)} < 50 THEN 'a' ELSE 'b' END AS exp_t,
         CASE WHEN ${bucket(`'split:' || i.id || ':p'`)} < 50 THEN 'a' ELSE 'b' END AS exp_p,
         CASE WHEN ${bucket(`'split:' || i.id || ':u'`)} < 50 THEN 'a' ELSE 'b' END AS exp_u
       FROM journey_instances i WHERE i.journey_id = $1),
     walk AS (
       SELECT instance_id, count(*)::int AS n, string_agg(node_id || ':' || outcome, ',' ORDER BY seq) AS path, max(seq) AS max_seq, count(DISTINCT seq)::int AS seqs,
         count(DISTINCT node_id)::int AS nodes
       FROM journey_steps WHERE journey_id = $1 GROUP BY instance_id),
     pts AS (SELECT customer_id, count(*)::int AS n FROM points_ledger WHERE shop_id = $2 AND kind = 'adjust' AND ref LIKE 'journey:%' GROUP BY customer_id),
     tg AS (SELECT customer_id FROM customer_tag_links WHERE shop_id = $2 AND tag_id = $3),
     j AS (
       SELECT i.arm, i.status, i.exp_holdout, i.exp_branch, i.exp_t, i.exp_p, i.exp_u, w.n, w.path, w.max_seq, w.seqs, w.nodes, coalesce(p.n, 0) AS points, (t.customer_id IS NOT NULL) AS tagged
       FROM i LEFT JOIN walk w ON w.instance_id = i.id LEFT JOIN pts p ON p.customer_id = i.customer_id LEFT JOIN tg t ON t.customer_id = i.customer_id)
     SELECT
       (SELECT count(*) FROM customers WHERE shop_id = $2 AND phone LIKE '16%')::int AS customers,
       count(*)::int AS instances,
       (SELECT count(*) FROM (SELECT customer_id FROM journey_instances WHERE journey_id = $1 GROUP BY customer_id HAVING count(*) > 1) d)::int AS customers_with_two_instances,
       count(*) FILTER (WHERE status IN ('active', 'waiting'))::int AS live_at_end,
       count(*) FILTER (WHERE arm = 'holdout')::int AS holdout,
       count(*) FILTER (WHERE exp_holdout)::int AS holdout_expected,
       count(*) FILTER (WHERE (arm = 'holdout') <> exp_holdout)::int AS holdout_wrong_arm,
       count(*) FILTER (WHERE arm = 'holdout' AND (status <> 'done' OR n IS NOT NULL OR points > 0 OR tagged))::int AS holdout_touched,
       count(*) FILTER (WHERE arm = 'treatment')::int AS treatment,
       count(*) FILTER (WHERE arm = 'treatment' AND status = 'exited')::int AS treatment_exited,
       count(*) FILTER (WHERE arm = 'treatment' AND n = ${STEPS_PER_INSTANCE} AND seqs = ${STEPS_PER_INSTANCE} AND max_seq = ${STEPS_PER_INSTANCE} AND nodes = ${STEPS_PER_INSTANCE}
         AND path = CASE exp_branch WHEN 'a' THEN ${params.journey === 'full' ? `'t:tagged,w:done,s:a,p:awarded,x:exited'` : `'t:' || exp_t || ',w:done,s:a,p:' || exp_p || ',x:exited'`}
           ELSE ${params.journey === 'full' ? `'t:tagged,w:done,s:b,u:untagged,x:exited'` : `'t:' || exp_t || ',w:done,s:b,u:' || exp_u || ',x:exited'`} END)::int AS walked_expected_path,
       count(*) FILTER (WHERE arm = 'treatment' AND exp_branch = 'a')::int AS branch_a,
       count(*) FILTER (WHERE arm = 'treatment' AND exp_branch = 'a' AND points = 1 AND tagged)::int AS branch_a_effects_once,
       count(*) FILTER (WHERE arm = 'treatment' AND exp_branch = 'b')::int AS branch_b,
       count(*) FILTER (WHERE arm = 'treatment' AND exp_branch = 'b' AND points = 0 AND NOT tagged)::int AS branch_b_effects_right,
       count(*) FILTER (WHERE points > 1)::int AS customers_with_points_twice,
       (SELECT count(*) FROM (SELECT 1 FROM journey_steps WHERE journey_id = $1 GROUP BY instance_id, node_id HAVING count(*) > 1) d)::int AS duplicate_instance_node_steps,
       coalesce(sum(n), 0)::int AS steps
     FROM j`,
    [journeyId, shopId, tagId],
  );
  const x = c!;
  const ok = x.customers === customers && x.instances === customers && x.customers_with_two_instances === 0 && x.live_at_end === 0 && x.holdout_wrong_arm === 0 && x.holdout_touched === 0
    && x.walked_expected_path === x.treatment && x.treatment_exited === x.treatment
    && (params.journey === 'full' ? x.branch_a_effects_once === x.branch_a : x.customers_with_points_twice === 0) && x.branch_b_effects_right === x.branch_b
    && x.customers_with_points_twice === 0 && x.duplicate_instance_node_steps === 0 && x.steps === x.treatment * STEPS_PER_INSTANCE;
  return { ...x, ok };
}

// ---------------------------------------------------------------------------------------------------

async function runMode(mode: Mode) {
  const customers = customersFor(mode);
  console.log(`\n=== ${mode}: ${customers.toLocaleString('en')} customers ===`);
  const run = await prepareRun(mode, 'bench-journeys', TMP, {
    ...(params.journeyBatch ? { JOURNEY_BATCH: String(params.journeyBatch) } : {}),
    ...(params.journeyConcurrency ? { JOURNEY_CONCURRENCY: String(params.journeyConcurrency) } : {}),
  });
  let topo = await startTopology(mode, run);
  console.log(`  started: ${topo.name}`);
  let admin = new AdminClient(topo.base);
  await admin.signIn();
  const setup = await configureShop(admin);
  console.log(`  journey ${setup.journeyId} live`);
  const seedStarted = performance.now();
  let t0Epoch: number;
  let t0: number;
  let events: number;
  let live: Sql | null = null;
  if (mode === 'scaled') {
    live = await openPostgres(run.databaseUrl!);
    const shopId = await shopIdOf(live);
    await seedCustomers(live, shopId, setup.groupId, customers);
    console.log(`  seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
    await sleep(3000);
    t0Epoch = Date.now() / 1000;
    t0 = performance.now();
    events = await announce(live, shopId, setup.groupId);
  } else {
    // PGlite is one process's: stop the server, seed its directory and the events, start it again (the clock starts when it answers).
    admin.close();
    for (const s of topo.servers) await s.stop();
    const db = await openPglite(run.dataDir);
    try {
      const shopId = await shopIdOf(db);
      await seedCustomers(db, shopId, setup.groupId, customers);
      events = await announce(db, shopId, setup.groupId);
    } finally {
      await db.close();
    }
    console.log(`  seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
    t0Epoch = Date.now() / 1000;
    t0 = performance.now();
    topo = await startTopology(mode, run);
    admin = new AdminClient(topo.base);
    await admin.signIn();
  }
  console.log(`  ${events} segment.changed events announced; following every ${params.pollSeconds} s…`);
  const at = () => (performance.now() - t0) / 1000;
  const timeline: Point[] = [];
  let prev = { t: 0, steps: 0 };
  const meter = new CpuMeter(topo.servers, mode, run.databaseUrl);
  const analyzer = startAnalyzer(mode === 'scaled' ? run.databaseUrl : undefined, params.analyzeEverySeconds);
  let sample = meter.sample();
  const intervals: CpuReport[] = [];
  let finishedAt: number | null = null;
  let stable = 0;
  while (!interrupted()) {
    await sleep(params.pollSeconds * 1000);
    const p = mode === 'scaled' ? await progressScaled(live!, setup.journeyId) : await progressEmbedded(admin, setup.journeyId);
    const t = at();
    // New PostgreSQL backends (pools grow) are told apart from the background processes.
    await meter.refreshRoles();
    const now = meter.sample();
    const r = meter.report(sample, now);
    intervals.push(r);
    sample = now;
    const point: Point = { t: round(t, 1), instances: p.instances, steps: p.steps, stepsPerSecond: round((p.steps - prev.steps) / Math.max(0.001, t - prev.t), 0), live: p.live, cpu: r.percentOfCore };
    timeline.push(point);
    stable = p.steps === prev.steps ? stable + 1 : 0;
    prev = { t, steps: p.steps };
    process.stdout.write(`  … ${Math.round(t)} s: ${p.instances} entered, ${p.live} live${mode === 'scaled' ? `, ${p.steps} steps (${point.stepsPerSecond}/s)` : ''}; CPU % ${JSON.stringify(r.percentOfCore)}\n`);
    // Done: everyone entered and nobody live (scaled: and pg_stat's step count settled, it lags a second).
    if (p.instances >= customers && p.live === 0 && (mode === 'embedded' || stable >= 1)) {
      finishedAt = t;
      break;
    }
    if (t > params.timeoutSeconds) {
      console.log(`  not finished after ${params.timeoutSeconds} s, giving up`);
      break;
    }
  }
  const cpuSum = { seconds: 0, server: 0, postgresBackends: 0, postgresBackground: 0, redis: 0, loadGenerator: 0 };
  for (const r of intervals) {
    cpuSum.seconds += r.seconds;
    for (const k of ['server', 'postgresBackends', 'postgresBackground', 'redis', 'loadGenerator'] as const) cpuSum[k] += r.msUsed[k];
  }
  const analyzed = await analyzer.stop();
  await live?.close();
  admin.close();
  const warnings = topo.servers.flatMap((s) => s.warnings.map((w) => `${s.role}: ${w}`)).filter((w) => !/SANDBOX is on|SEED_DEMO is on|PUBLIC_URL is not set|METRICS/.test(w)).slice(0, 10);
  console.log('  stopping the servers, then checking the database…');
  for (const s of topo.servers) await s.stop();
  const db = await run.openDatabase();
  let figures;
  let check;
  try {
    const shopId = await shopIdOf(db);
    figures = await measure(db, setup.journeyId, t0Epoch, params.waitMinutes * 60_000);
    check = await checkDatabase(db, shopId, setup.journeyId, setup.tagId, customers, params.holdoutPercent);
  } finally {
    await db.close();
  }
  const result = {
    mode,
    date: new Date().toISOString(),
    commit: await gitCommit(),
    machine: machineInfo(mode),
    params: {
      ...params,
      customers,
      topology: topo.name,
      journeyBatch: params.journeyBatch ?? 'server default (JOURNEY_BATCH)',
      journeyConcurrency: params.journeyConcurrency ?? 'server default (JOURNEY_CONCURRENCY)',
      journeyShape: params.journey === 'full'
        ? 'segment_entered → t: tag add → w: wait → s: random split 50/50 → p: 10 points | u: tag remove → x: exit (5 steps a treatment instance), goal none, re-entry never'
        : 'engine-only: segment_entered → t: split → w: wait → s: split → p | u: split → x: exit (5 steps a treatment instance, no effect), goal none, re-entry never',
      entry: `${events} segment.changed events of ${CHUNK} customers, written into the outbox by SQL as the segments module writes them`,
      clock: 'the server\'s real clock: the wait really lasts waitMinutes',
    },
    aim: { transitionsPerSecond: AIM_TRANSITIONS_PER_SECOND, measured: figures.transitions.perBusySecond, met: figures.transitions.perBusySecond >= AIM_TRANSITIONS_PER_SECOND },
    figures: { ...figures, finishedSecondsBenchClock: finishedAt === null ? null : round(finishedAt, 1) },
    cpu: {
      seconds: round(cpuSum.seconds, 1),
      percentOfCore: Object.fromEntries(Object.entries(cpuSum).filter(([k]) => k !== 'seconds').map(([k, v]) => [k, round((v / 10) / Math.max(0.001, cpuSum.seconds), 0)])),
      msPerTransition: {
        unit: 'CPU milliseconds from the announce to the end ÷ steps written (entry and everything else included)',
        server: round(cpuSum.server / Math.max(1, figures.steps), 3),
        ...(mode === 'scaled' ? { postgres: round((cpuSum.postgresBackends + cpuSum.postgresBackground) / Math.max(1, figures.steps), 3), redis: round(cpuSum.redis / Math.max(1, figures.steps), 3) } : {}),
        serverPostgresRedis: round((cpuSum.server + cpuSum.postgresBackends + cpuSum.postgresBackground + cpuSum.redis) / Math.max(1, figures.steps), 3),
      },
      note: 'lib/cpu: the siyu processes (PGlite included in embedded), this database\'s PostgreSQL backends and the shared background, Redis; summed over the polls',
    },
    analyzeDuringRun: analyzed,
    timeline,
    correctness: check,
    serverWarnings: warnings,
  };
  printSummary(result, writeResult(RESULTS, mode, result));
  await runCleanups();
  return result;
}

function printSummary(r: any, file: string) {
  const f = r.figures;
  const c = r.correctness;
  const lag = (k: string) => (f.lagMs[k] ? `p50 ${f.lagMs[k].p50} / p99 ${f.lagMs[k].p99} ms` : '–');
  printRows([
    ['mode', `${r.mode}: ${r.params.topology}`],
    ['customers', `${r.params.customers}: ${c.treatment} treatment, ${c.holdout} holdout (expected ${c.holdout_expected})`],
    ['entry', `${f.entry.entriesPerSecond}/s (${f.entry.instances} in ${f.entry.firstToLastEnteredSeconds} s)`],
    ['transitions/s', `${f.transitions.perBusySecond} per second with steps (aim ${AIM_TRANSITIONS_PER_SECOND}: ${r.aim.met ? 'met' : 'not met'}); per second p50 ${f.transitions.perSecond?.p50 ?? '–'}, p90 ${f.transitions.perSecond?.p90 ?? '–'}; ${f.steps} steps, first to last ${f.transitions.firstToLastStepSeconds} s`],
    ['lag', `all ${lag('all')}; entry → first step ${lag('entry → first step')}; wait over → step ${lag('wait over → step')}`],
    ['finished', `${f.finishedAfterAnnounceSeconds} s after the announce (last step)`],
    ['CPU', `${JSON.stringify(r.cpu.percentOfCore)} % of a core; ${r.cpu.msPerTransition.serverPostgresRedis} ms a transition (server ${r.cpu.msPerTransition.server})`],
    ['correctness', c.ok ? 'ok: every treatment instance walked its path once, effects once, holdout untouched, one instance per customer' : `PROBLEM: ${JSON.stringify(c)}`],
  ], file);
}

runModes('journeys', modes, runMode);
