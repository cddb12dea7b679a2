/**
 * Broadcast benchmark (群发): one marketing SMS to a whole audience of synthetic customers through the
 * real server and the Tencent Cloud SMS sandbox, with a 10 % holdout, timed from the admin API's `start`
 * to the last message recorded; then the same broadcast again the same day, when every customer is capped.
 * Afterwards the database says whether anyone got two messages, passed a cap, or was in the holdout and
 * still heard from us.
 *
 *   npx tsx bench/broadcast/run.ts [--mode embedded|scaled|both] [--customers N] [--holdout 10]
 *        [--batch N] [--concurrency N] [--poll 2] [--api-poll 30] [--same-day on|off]
 *        [--analyze-every 30] [--timeout 3600] [--out DIR]
 *
 * Writes bench/broadcast/results/<mode>.json. See bench/broadcast/README.md for reading the numbers.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fail, parseBenchArgs, positiveInt, type Mode } from '../lib/args.js';
import { interrupted, runCleanups, runModes } from '../lib/cleanup.js';
import { startAnalyzer } from '../lib/analyzer.js';
import { CpuMeter, type CpuSample } from '../lib/cpu.js';
import { openPglite, openPostgres, type Sql } from '../lib/database.js';
import { AdminClient, SHOP, signInOwner } from '../lib/demo-shop.js';
import { json, sleep } from '../lib/http.js';
import { gitCommit, machineInfo, printRows, writeResult } from '../lib/report.js';
import { prepareRun, type RunEnv } from '../lib/run-env.js';
import { freePort, startServer, type Server } from '../lib/server.js';
import { percentile, round } from '../lib/stats.js';

const args = parseBenchArgs(
  path.dirname(fileURLToPath(import.meta.url)),
  { holdout: 10, poll: 2, 'api-poll': 30, timeout: 3600 },
  { customers: '', batch: '', concurrency: '', 'same-day': 'on', 'analyze-every': '30' },
);
const { modes, results: RESULTS, tmp: TMP } = args;
if (args.ints.holdout > 50) fail('--holdout must be at most 50 (the API refuses more)');
if (!['on', 'off'].includes(args.strings['same-day'])) fail('--same-day must be on or off');
const DEFAULT_CUSTOMERS: Record<Mode, number> = { scaled: 1_000_000, embedded: 100_000 };
const customersFor = (mode: Mode) => (args.strings.customers ? positiveInt('customers', args.strings.customers) : DEFAULT_CUSTOMERS[mode]);
if (args.strings.customers && customersFor('scaled') > 9_000_000) fail('--customers must be at most 9,000,000 (phone numbers 150…)');
const params = {
  holdoutPercent: args.ints.holdout,
  pollSeconds: args.ints.poll,
  /** How often the admin API's view of the broadcast is asked for while it sends (it counts every delivery). */
  apiPollSeconds: args.ints['api-poll'],
  timeoutSeconds: args.ints.timeout,
  /** The server's MESSAGING_BATCH (deliveries a dispatcher batch admits and sends); empty: the server's default. */
  messagingBatch: args.strings.batch ? positiveInt('batch', args.strings.batch) : null,
  /** The server's MESSAGING_CONCURRENCY (dispatcher batches a worker runs at once); empty: the server's default. */
  messagingConcurrency: args.strings.concurrency ? positiveInt('concurrency', args.strings.concurrency) : null,
  sameDay: args.strings['same-day'] === 'on',
  /**
   * Scaled mode: every this many seconds while a broadcast runs, ANALYZE of the tables autovacuum would
   * analyze (0: never) — a stand-in for autovacuum, which this PostgreSQL instance runs without.
   */
  analyzeEverySeconds: Number(args.strings['analyze-every']),
};
if (!(params.analyzeEverySeconds >= 0)) fail('--analyze-every must be 0 or more seconds');

/** The issue's aim for one machine. */
const AIM_MESSAGES_PER_SECOND = 5_000;
/** Synthetic customers have phone numbers PHONE_BASE + 1 … PHONE_BASE + N (150…, far from the demo's 138…). */
const PHONE_BASE = 15_000_000_000;
/** Tencent sandbox template 1000010 (活动通知, marketing): {1}火热进行中,点击{2}查看详情,拒收请回复R. */
const TEMPLATE = {
  name: '活动短信(压测)', topic: 'promotion', channel: 'sms', vendorTemplateId: '1000010', content: '{1}火热进行中,点击{2}查看详情,拒收请回复R',
  fields: [{ key: '1', value: '{{activity}}' }, { key: '2', value: '{{link}}' }],
};
/** No tracked link (`link: null`) and one fixed `link` value: every recipient gets the same text, so 200 numbers go in one Tencent request. */
const VARS = { activity: '双12大促', link: 'https://s.example.com/d12' };

// ---------------------------------------------------------------------------------------------------
// Processes and their CPU.

function procTicks(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

interface Topology {
  servers: Server[];
  /** Where the admin API and the sandbox answer. */
  base: string;
  /** Where the dispatcher's metrics are scraped. */
  metricsUrl: string;
  name: string;
  /** Per process, for the CPU split: serve (HTTP, sandbox, receipts) against worker (jobs, dispatcher). */
  roles: { role: string; pid: number }[];
}

/**
 * embedded: one `all` process (HTTP + jobs + sandbox; /metrics on its port, NODE_ENV is development).
 * scaled: one `serve` (HTTP, the SMS sandbox and the receipts it pushes back) and one `worker` (jobs:
 * fan-out and the dispatcher), whose SMS client is pointed at the serve process's sandbox and whose
 * metrics get a listener of their own.
 */
async function startTopology(mode: Mode, run: RunEnv): Promise<Topology> {
  if (mode === 'embedded') {
    const all = await startServer('all', run.env);
    return { servers: [all], base: all.url, metricsUrl: `${all.url}/metrics`, name: '1 × all (HTTP + worker + sandbox)', roles: [{ role: 'all', pid: all.child.pid! }] };
  }
  const serve = await startServer('serve', run.env);
  const metricsPort = await freePort();
  const worker = await startServer('worker', { ...run.env, SEED_DEMO: 'false', SMS_BASE_URL: `${serve.url}/sandbox/sms`, METRICS_LISTEN: `127.0.0.1:${metricsPort}` });
  // The worker has no HTTP port to wait on: its metrics listener answering means it started.
  const until = Date.now() + 120_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.ok, () => false);
    if (ok) break;
    if (worker.child.exitCode !== null) throw new Error(`worker exited with code ${worker.child.exitCode}:\n  ${worker.output.slice(-30).join('\n  ')}`);
    if (Date.now() > until) throw new Error(`worker not up after 120 s:\n  ${worker.output.slice(-30).join('\n  ')}`);
    await sleep(300);
  }
  return {
    servers: [serve, worker],
    base: serve.url,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    name: '1 × serve (HTTP, SMS sandbox, receipts) + 1 × worker (fan-out, dispatcher)',
    roles: [{ role: 'serve', pid: serve.child.pid! }, { role: 'worker', pid: worker.child.pid! }],
  };
}

/** A CPU sample of the run (lib/cpu) plus each server process apart. */
interface Sample {
  cpu: CpuSample;
  perRole: Record<string, number>;
}

function sampleOf(meter: CpuMeter, topo: Topology): Sample {
  return { cpu: meter.sample(), perRole: Object.fromEntries(topo.roles.map((r) => [r.role, procTicks(r.pid)])) };
}

/** Poll intervals added up: seconds and milliseconds summed, % of a core weighted by each interval's seconds. */
function sumIntervals(list: ReturnType<typeof cpuBetween>[]) {
  const seconds = list.reduce((a, x) => a + x.report.seconds, 0);
  const msUsed = { server: 0, postgresBackends: 0, postgresBackground: 0, redis: 0, loadGenerator: 0 };
  const pct: Record<string, number> = {};
  for (const x of list) {
    for (const k of Object.keys(msUsed) as (keyof typeof msUsed)[]) msUsed[k] += x.report.msUsed[k];
    for (const [k, v] of Object.entries(x.percentOfCore)) pct[k] = (pct[k] ?? 0) + v * x.report.seconds;
  }
  const percentOfCore = Object.fromEntries(Object.entries(pct).map(([k, v]) => [k, round(v / Math.max(seconds, 0.001), 0)]));
  return { report: { seconds: round(seconds, 1), msUsed }, percentOfCore };
}

/** % of one core per component between two samples, the server split by role. */
function cpuBetween(meter: CpuMeter, a: Sample, b: Sample) {
  const r = meter.report(a.cpu, b.cpu);
  const secs = r.seconds || 0.001;
  const perRole = Object.fromEntries(Object.keys(a.perRole).map((k) => [k, round((((b.perRole[k]! - a.perRole[k]!) / 100) / secs) * 100, 0)]));
  return { report: r, percentOfCore: { ...perRole, ...r.percentOfCore } };
}

// ---------------------------------------------------------------------------------------------------
// The dispatcher's batch histogram (siyu_messaging_batch_seconds{phase}), scraped before and after.

type Histo = Map<string, { buckets: [number, number][]; sum: number; count: number }>;

async function scrapeBatches(url: string): Promise<Histo> {
  const text = await fetch(url).then((r) => r.text(), () => '');
  const out: Histo = new Map();
  for (const line of text.split('\n')) {
    const m = /^siyu_messaging_batch_seconds_(bucket|sum|count)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    const phase = labels.phase!;
    const h = out.get(phase) ?? { buckets: [], sum: 0, count: 0 };
    out.set(phase, h);
    if (m[1] === 'bucket') h.buckets.push([labels.le === '+Inf' ? Infinity : Number(labels.le), Number(m[3])]);
    else if (m[1] === 'sum') h.sum = Number(m[3]);
    else h.count = Number(m[3]);
  }
  return out;
}

/** Quantile from cumulative buckets, interpolated inside the bucket (as Prometheus' histogram_quantile). */
function bucketQuantile(buckets: [number, number][], q: number): number | null {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (!total) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevN = 0;
  for (const [le, n] of buckets) {
    if (n >= rank) {
      if (le === Infinity) return prevLe;
      return prevLe + ((le - prevLe) * (rank - prevN)) / Math.max(1, n - prevN);
    }
    prevLe = le;
    prevN = n;
  }
  return prevLe;
}

function batchTimes(before: Histo, after: Histo) {
  const out: Record<string, { batches: number; meanMs: number | null; p50Ms: number | null; p90Ms: number | null; p99Ms: number | null }> = {};
  for (const [phase, h] of after) {
    const b = before.get(phase);
    const buckets = h.buckets.map(([le, n]) => [le, n - (b?.buckets.find((x) => x[0] === le)?.[1] ?? 0)] as [number, number]);
    const count = h.count - (b?.count ?? 0);
    const sum = h.sum - (b?.sum ?? 0);
    const ms = (v: number | null) => (v === null ? null : round(v * 1000, 1));
    out[phase] = { batches: count, meanMs: count ? round((sum / count) * 1000, 1) : null, p50Ms: ms(bucketQuantile(buckets, 0.5)), p90Ms: ms(bucketQuantile(buckets, 0.9)), p99Ms: ms(bucketQuantile(buckets, 0.99)) };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Setup: the shop's SMS account, budget, template and tag over the admin API; customers by SQL.

async function configureShop(admin: AdminClient) {
  await admin.call('PUT', '/api/admin/messaging/channels/sms', { vendor: 'tencent', accessKeyId: 'AKIDsandbox', accessKeySecret: 'sandbox-secret-key', sdkAppId: '1400000001', signName: '思域商城', region: 'ap-guangzhou' });
  // The default budget (1 SMS a day, 2 a week per customer) with quiet hours off (start = end).
  const budget = await admin.call('GET', '/api/admin/messaging/budget');
  const ours = { ...budget, quietStart: 0, quietEnd: 0 };
  await admin.call('PUT', '/api/admin/messaging/budget', ours);
  const template = await admin.call('POST', '/api/admin/messaging/templates', TEMPLATE);
  const tag = await admin.call('POST', '/api/admin/tags', { name: `压测人群 ${Date.now().toString(36)}`, kind: 'manual' });
  return { budget: ours as { daily: Record<string, number | null>; weekly: Record<string, number | null>; quietStart: number; quietEnd: number }, templateId: template.id as string, tagId: tag.id as string };
}

/**
 * `n` customers of the demo shop with phones 150…, each with SMS marketing consent and the tag, in chunks
 * of 100,000 rows (one statement each: customers, consents and tag links), then ANALYZE.
 */
async function seedCustomers(db: Sql, shopId: string, tagId: string, n: number) {
  const chunk = 100_000;
  for (let from = 1; from <= n; from += chunk) {
    const to = Math.min(n, from + chunk - 1);
    await db.query(
      `WITH c AS (
         INSERT INTO customers (shop_id, phone, source, registered_at, last_active_at)
         SELECT $1, ($4::bigint + g)::text, 'import', now(), now() FROM generate_series($2::int, $3::int) g
         RETURNING id),
       k AS (INSERT INTO contact_consents (shop_id, customer_id, sms_marketing_at) SELECT $1, id, now() FROM c)
       INSERT INTO customer_tag_links (shop_id, tag_id, customer_id) SELECT $1, $5, id FROM c`,
      [shopId, from, to, PHONE_BASE, tagId],
    );
    process.stdout.write(`\r  seeded ${to.toLocaleString('en')} / ${n.toLocaleString('en')} customers`);
  }
  process.stdout.write('\n');
  await db.query(`ANALYZE customers; ANALYZE contact_consents; ANALYZE customer_tag_links`).catch(async () => {
    for (const t of ['customers', 'contact_consents', 'customer_tag_links']) await db.query(`ANALYZE ${t}`);
  });
}

async function shopIdOf(db: Sql): Promise<string> {
  const [s] = await db.query<{ id: string }>(`SELECT id FROM shops WHERE slug = $1`, [SHOP]);
  return s!.id;
}

// ---------------------------------------------------------------------------------------------------
// One broadcast, from `start` until every message is decided.

interface Progress {
  total: number;
  done: number;
  sent: number;
  delivered: number;
  failed: number;
  capped: number;
  optedOut: number;
  unreachable: number;
  pending: number;
}
interface View {
  id: string;
  status: string;
  recipients: number;
  holdout: number;
  queued: number;
  progress: Progress;
}

interface Point {
  t: number;
  /** From the worker's siyu_messaging_deliveries_total since the start: decided (sent, failed, capped, opted out, unreachable). */
  decided: number;
  sent: number;
  capped: number;
  /** Decided since the previous point, per second. */
  decidedPerSecond: number;
  /** From the admin API, when it was asked at this point (see apiPollSeconds). */
  api?: { status: string; queued: number; pending: number; delivered: number };
  cpu: Record<string, number>;
}

/** siyu_messaging_deliveries_total by outcome. */
async function scrapeOutcomes(url: string): Promise<Record<string, number>> {
  const text = await fetch(url).then((r) => r.text(), () => '');
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^siyu_messaging_deliveries_total\{outcome="([a-z_]+)"\} (\S+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}
const DECIDED = ['sent', 'failed', 'capped', 'opted_out', 'unreachable'];

/**
 * One broadcast from `start` until every message of its sent arm is decided. Progress comes from the
 * worker's metrics every `--poll` s (free); the admin API's view (a count over all the broadcast's
 * deliveries: ~1 s of PostgreSQL CPU at a million) only while preparing, every `--api-poll` s, and
 * after the end until the status is done.
 */
async function runBroadcast(label: string, admin: AdminClient, topo: Topology, meter: CpuMeter, setup: { templateId: string; tagId: string }, toSend: number, databaseUrl?: string) {
  const created = await admin.call('POST', '/api/admin/messaging/broadcasts', {
    name: `${label} ${new Date().toISOString().slice(0, 19)}`, audience: { kind: 'tag', tagId: setup.tagId }, channels: ['sms'], templateIds: { sms: setup.templateId },
    vars: VARS, link: null, holdoutPercent: params.holdoutPercent, attributionDays: 7,
  });
  const id = created.id as string;
  await meter.refreshRoles();
  const histBefore = await scrapeBatches(topo.metricsUrl);
  const base = await scrapeOutcomes(topo.metricsUrl);
  const first = sampleOf(meter, topo);
  const analyzer = startAnalyzer(databaseUrl, params.analyzeEverySeconds, ANALYZE_COLUMNS);
  const t0 = performance.now();
  const started = (await admin.call('POST', `/api/admin/messaging/broadcasts/${id}/start`)) as View;
  console.log(`  ${label}: started (${started.status}); ${toSend} to decide; polling every ${params.pollSeconds} s…`);
  const at = () => (performance.now() - t0) / 1000;
  const marks: Record<string, number | null> = { prepared: null, firstDecided: null, finished: null, statusDone: null };
  const samples: { t: number; s: Sample; decided: number }[] = [{ t: 0, s: first, decided: 0 }];
  /** CPU of each poll interval (interval i ends at samples[i + 1]): PostgreSQL backends come and go (pools close idle connections), so windows are sums of short intervals whose roles were refreshed at their ends. */
  const intervals: ReturnType<typeof cpuBetween>[] = [];
  const timeline: Point[] = [];
  let view: View = started;
  let lastApi = 0;
  while (!interrupted()) {
    await sleep(params.pollSeconds * 1000);
    const o = await scrapeOutcomes(topo.metricsUrl);
    const d = (k: string) => (o[k] ?? 0) - (base[k] ?? 0);
    const decided = DECIDED.reduce((a, k) => a + d(k), 0);
    let t = at();
    const askApi = marks.prepared === null || marks.finished !== null || decided >= toSend || t - lastApi >= params.apiPollSeconds;
    if (askApi) {
      view = (await admin.call('GET', `/api/admin/messaging/broadcasts/${id}`)) as View;
      lastApi = t;
      t = at();
    }
    // New PostgreSQL backends (pools grow) are told apart from the background processes.
    await meter.refreshRoles();
    const s = sampleOf(meter, topo);
    const prev = samples.at(-1)!;
    samples.push({ t, s, decided });
    intervals.push(cpuBetween(meter, prev.s, s));
    const p = view.progress;
    timeline.push({
      t: round(t, 1), decided, sent: d('sent'), capped: d('capped'), decidedPerSecond: round((decided - prev.decided) / Math.max(0.001, t - prev.t), 0),
      ...(askApi ? { api: { status: view.status, queued: view.queued, pending: p.pending, delivered: p.delivered } } : {}),
      cpu: intervals.at(-1)!.percentOfCore,
    });
    if (marks.prepared === null && view.recipients > 0) marks.prepared = t;
    if (marks.firstDecided === null && decided > 0) marks.firstDecided = t;
    if (marks.finished === null && decided >= toSend) marks.finished = t;
    if (view.status === 'done') marks.statusDone = t;
    process.stdout.write(`  … ${Math.round(t)} s: decided ${decided} (sent ${d('sent')}, capped ${d('capped')}), ${timeline.at(-1)!.decidedPerSecond}/s${askApi ? `; ${view.status}, queued ${view.queued}, pending ${p.pending}, delivered ${p.delivered}` : ''}\n`);
    // The status turns done on the next maintenance round (every 15 s).
    if (marks.finished !== null && (marks.statusDone !== null || t - marks.finished > 40)) break;
    if (t > params.timeoutSeconds) {
      console.log(`  ${label}: not finished after ${params.timeoutSeconds} s, giving up`);
      break;
    }
  }
  const analyzed = await analyzer.stop();
  const histAfter = await scrapeBatches(topo.metricsUrl);
  // CPU windows: start → finished (everything), and the sending window between the first poll that saw a
  // decided message and the first that saw all decided (the fan-out's and dispatcher's steady state).
  const idxOf = (t: number | null) => (t === null ? samples.length - 1 : samples.findIndex((x) => x.t >= t - 1e-9));
  const whole = sumIntervals(intervals.slice(0, idxOf(marks.finished)));
  const firstIdx = marks.firstDecided === null ? 0 : idxOf(marks.firstDecided);
  const sendA = samples[Math.max(0, firstIdx)]!;
  const sendB = samples[idxOf(marks.finished)]!;
  const sending = sumIntervals(intervals.slice(Math.max(0, firstIdx), idxOf(marks.finished)));
  return {
    id,
    view,
    analyzed,
    marks,
    timeline,
    batchTimes: batchTimes(histBefore, histAfter),
    cpuWhole: whole,
    cpuSending: { ...sending, decided: sendB.decided - sendA.decided, fromT: round(sendA.t, 1), toT: round(sendB.t, 1) },
  };
}

/** When the server did each step, from its own rows (database clock, seconds from the `start` call). */
async function phasesOf(db: Sql, id: string) {
  const [r] = await db.query<{ prepared: number | null; first_queued: number | null; last_queued: number | null; finished: number | null }>(
    `WITH s AS (SELECT created_at AS at FROM jobs WHERE queue = 'messaging.broadcast-prepare' AND payload->>'id' = $1 ORDER BY id LIMIT 1)
     SELECT extract(epoch FROM (SELECT max(finished_at) FROM jobs WHERE queue = 'messaging.broadcast-prepare' AND payload->>'id' = $1) - s.at)::float8 AS prepared,
            extract(epoch FROM (SELECT min(created_at) FROM deliveries WHERE broadcast_id = $1::uuid) - s.at)::float8 AS first_queued,
            extract(epoch FROM (SELECT max(created_at) FROM deliveries WHERE broadcast_id = $1::uuid) - s.at)::float8 AS last_queued,
            extract(epoch FROM (SELECT finished_at FROM broadcasts WHERE id = $1::uuid) - s.at)::float8 AS finished
     FROM s`, [id]);
  const r1 = (v: number | null | undefined) => (v === null || v === undefined ? null : round(v, 1));
  return r
    ? { note: 'database clock, seconds after the start call: the prepare job done (recipients fixed), the first and the last fan-out chunk, the status done (set by maintenance every 15 s)', prepared: r1(r.prepared), firstQueued: r1(r.first_queued), lastQueued: r1(r.last_queued), statusDone: r1(r.finished) }
    : null;
}

/**
 * Scaled mode: autovacuum's analyze, done by the bench. This PostgreSQL instance runs with autovacuum off,
 * so the tables a broadcast fills (deliveries, contact_counters, the sandbox's records) would never get
 * statistics and the planner would pick plans no production database picks (sequential scans of
 * deliveries for each receipt, of the shop's counters for each batch). Every `analyzeEverySeconds`, each
 * table changed by more than autovacuum's threshold (50 rows + 10 %) since its last analyze is analyzed —
 * on the columns statements filter or join on for the big tables (their jsonb payloads cost seconds to
 * sample and no plan reads them), in full for the others.
 */
const ANALYZE_COLUMNS: Record<string, string> = {
  deliveries: '(shop_id, customer_id, idempotency_key, status, channel, broadcast_id, vendor_msg_id, recipient, not_before, lease_until, created_at)',
  sandbox_records: '(kind, key, ref, due_at, expires_at, seq)',
};

/** After the last message: receipts keep arriving (the sandbox pushes them back). Waits until `delivered` stops moving. */
async function waitForReceipts(admin: AdminClient, id: string) {
  const t0 = performance.now();
  let lastN = -1;
  let still = 0;
  for (;;) {
    const v = (await admin.call('GET', `/api/admin/messaging/broadcasts/${id}`)) as View;
    const n = v.progress.delivered;
    still = n === lastN ? still + 1 : 0;
    lastN = n;
    if (still >= 3 || (performance.now() - t0) / 1000 > 120 || interrupted()) return { delivered: n, sent: v.progress.sent, waitedSeconds: round((performance.now() - t0) / 1000, 1) };
    await sleep(2000);
  }
}

// ---------------------------------------------------------------------------------------------------
// Correctness, from the database once the servers have stopped (same SQL on PostgreSQL and PGlite).

async function checkDatabase(db: Sql, shopId: string, first: string, second: string | null, budget: { daily: Record<string, number | null>; weekly: Record<string, number | null> }, customers: number) {
  const q = async <T>(text: string, p: unknown[] = []) => (await db.query<T>(text, p))[0]!;
  const byStatus = async (id: string) =>
    Object.fromEntries((await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM deliveries WHERE broadcast_id = $1 GROUP BY 1 ORDER BY 1`, [id])).map((r) => [r.status, r.n]));
  const b = await q<{ recipients: number; holdout: number; status: string }>(`SELECT recipients, holdout, status FROM broadcasts WHERE id = $1`, [first]);
  const arms = await q<{ held: number; sent_arm: number }>(`SELECT count(*) FILTER (WHERE holdout)::int AS held, count(*) FILTER (WHERE NOT holdout)::int AS sent_arm FROM broadcast_recipients WHERE broadcast_id = $1`, [first]);
  const dupDeliveries = async (id: string) => (await q<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT customer_id FROM deliveries WHERE broadcast_id = $1 GROUP BY 1 HAVING count(*) > 1) x`, [id])).n;
  const holdoutDeliveries = (await q<{ n: number }>(
    `SELECT count(*)::int AS n FROM broadcast_recipients r JOIN deliveries d ON d.shop_id = r.shop_id AND d.customer_id = r.customer_id AND d.broadcast_id = r.broadcast_id WHERE r.broadcast_id = $1 AND r.holdout`, [first])).n;
  // What the phones received: the sandbox's own records (one per accepted message, ref = the number).
  const sandbox = await q<{ messages: number; phones: number }>(
    `SELECT count(*)::int AS messages, count(DISTINCT ref)::int AS phones FROM sandbox_records WHERE kind = 'sms.message' AND value->>'templateId' = $1`, [TEMPLATE.vendorTemplateId]);
  const phonesWithTwo = (await q<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT ref FROM sandbox_records WHERE kind = 'sms.message' AND value->>'templateId' = $1 GROUP BY ref HAVING count(*) > 1) x`, [TEMPLATE.vendorTemplateId])).n;
  // Per recipient of the first broadcast: what the phone received against what the deliveries of both
  // broadcasts say was sent to that customer.
  const perRecipient = await q<{ matching: number; extra: number; missing: number; more: number; sent_arm_one: number; held_reached: number }>(
    `SELECT count(*) FILTER (WHERE m.n = s.n)::int AS matching, count(*) FILTER (WHERE m.n > s.n)::int AS extra, count(*) FILTER (WHERE m.n < s.n)::int AS missing,
            count(*) FILTER (WHERE m.n > 1)::int AS more, count(*) FILTER (WHERE NOT r.holdout AND s.first = 1 AND m.n >= 1)::int AS sent_arm_one,
            count(*) FILTER (WHERE r.holdout AND m.n > s.n)::int AS held_reached
     FROM broadcast_recipients r JOIN customers c ON c.id = r.customer_id
     CROSS JOIN LATERAL (SELECT count(*)::int AS n FROM sandbox_records x WHERE x.kind = 'sms.message' AND x.ref = '+86' || c.phone AND x.value->>'templateId' = $2) m
     CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE d.broadcast_id = $1)::int AS first, count(*)::int AS n FROM deliveries d
                         WHERE d.shop_id = r.shop_id AND d.customer_id = r.customer_id AND d.broadcast_id = ANY($3::uuid[]) AND d.status IN ('sent', 'delivered')) s
     WHERE r.broadcast_id = $1`, [first, TEMPLATE.vendorTemplateId, `{${[first, second].filter(Boolean).join(',')}}`]);
  // The contact budget's record: no customer above a daily cap on any day, nor above a weekly cap over the 7 days.
  const caps = { sms: { daily: budget.daily.sms ?? null, weekly: budget.weekly.sms ?? null }, '*': { daily: budget.daily.total ?? null, weekly: budget.weekly.total ?? null } };
  const counters: Record<string, unknown> = {};
  for (const [channel, cap] of Object.entries(caps)) {
    const r = await q<{ rows: number; customers: number; max_day: number | null; sum_n: number; over_daily: number }>(
      `SELECT count(*)::int AS rows, count(DISTINCT customer_id)::int AS customers, max(n)::int AS max_day, coalesce(sum(n), 0)::int AS sum_n,
              count(*) FILTER (WHERE $3::int IS NOT NULL AND n > $3::int)::int AS over_daily
       FROM contact_counters WHERE shop_id = $1 AND channel = $2`, [shopId, channel, cap.daily]);
    const w = await q<{ max_week: number | null; over_weekly: number }>(
      `SELECT max(s)::int AS max_week, count(*) FILTER (WHERE $3::int IS NOT NULL AND s > $3::int)::int AS over_weekly
       FROM (SELECT customer_id, sum(n) AS s FROM contact_counters WHERE shop_id = $1 AND channel = $2 GROUP BY customer_id) x`, [shopId, channel, cap.weekly]);
    counters[channel] = { caps: cap, rows: r.rows, customers: r.customers, sumN: r.sum_n, maxPerDay: r.max_day, maxOverAllDays: w.max_week, overDailyCap: r.over_daily, overWeeklyCap: w.over_weekly };
  }
  const firstStatus = await byStatus(first);
  const secondStatus = second ? await byStatus(second) : null;
  const sent = (firstStatus.sent ?? 0) + (firstStatus.delivered ?? 0);
  const sent2 = secondStatus ? (secondStatus.sent ?? 0) + (secondStatus.delivered ?? 0) : 0;
  // The second broadcast draws its own holdout: its sent arm holds people the first held back (not capped:
  // they got nothing today) and people the first reached (each must be capped).
  const secondArms = second
    ? await q<{ held_by_first: number; reached_by_first: number; sent_again: number }>(
        `SELECT count(*) FILTER (WHERE r1.holdout)::int AS held_by_first, count(*) FILTER (WHERE NOT r1.holdout)::int AS reached_by_first,
                (SELECT count(*)::int FROM deliveries d2 JOIN deliveries d1 ON d1.shop_id = d2.shop_id AND d1.customer_id = d2.customer_id AND d1.broadcast_id = $1 AND d1.status IN ('sent', 'delivered')
                 WHERE d2.broadcast_id = $2 AND d2.status IN ('sent', 'delivered')) AS sent_again
         FROM broadcast_recipients r2 JOIN broadcast_recipients r1 ON r1.broadcast_id = $1 AND r1.customer_id = r2.customer_id
         WHERE r2.broadcast_id = $2 AND NOT r2.holdout`, [first, second])
    : null;
  const expectedHoldout = Math.round((customers * params.holdoutPercent) / 100);
  const c = counters as Record<string, { overDailyCap: number; overWeeklyCap: number; sumN: number }>;
  const result = {
    first: {
      broadcast: b,
      deliveriesByStatus: firstStatus,
      deliveries: Object.values(firstStatus).reduce((a, n) => a + n, 0),
      sentOrDelivered: sent,
      customersWithTwoDeliveries: await dupDeliveries(first),
      holdout: { recipients: b.recipients, holdout: b.holdout, expected: expectedHoldout, exact: b.recipients === customers && b.holdout === expectedHoldout && arms.held === expectedHoldout, holdoutRows: arms.held, sentArmRows: arms.sent_arm, deliveriesToHoldout: holdoutDeliveries, holdoutPhonesThatGotAMessage: perRecipient.held_reached },
      sentArmPhonesWithItsMessage: perRecipient.sent_arm_one,
      phones: {
        matchingDeliveries: perRecipient.matching, moreThanDeliveries: perRecipient.extra, fewerThanDeliveries: perRecipient.missing, moreThanOneMessage: perRecipient.more,
        note: 'per recipient of the first broadcast: sandbox messages to the phone against deliveries sent to the customer by both broadcasts',
      },
    },
    second: second
      ? {
          deliveriesByStatus: secondStatus,
          deliveries: Object.values(secondStatus!).reduce((a, n) => a + n, 0),
          sentOrDelivered: sent2,
          sentArmHeldBackByFirst: secondArms!.held_by_first,
          sentArmReachedByFirst: secondArms!.reached_by_first,
          sentToCustomersTheFirstReached: secondArms!.sent_again,
          expected: `capped ${secondArms!.reached_by_first} (everyone the first reached); sent at most ${secondArms!.held_by_first} (those the first held back)`,
          customersWithTwoDeliveries: await dupDeliveries(second),
        }
      : null,
    sandbox: { messages: sandbox.messages, distinctPhones: sandbox.phones, phonesWithMoreThanOne: phonesWithTwo, note: `sandbox_records of kind sms.message for template ${TEMPLATE.vendorTemplateId}: what the phones received` },
    counters,
  };
  const duplicates = result.first.customersWithTwoDeliveries + (result.second?.customersWithTwoDeliveries ?? 0) + phonesWithTwo + perRecipient.more;
  const overCap = c.sms!.overDailyCap + c.sms!.overWeeklyCap + c['*']!.overDailyCap + c['*']!.overWeeklyCap;
  const secondOk = !second || (secondArms!.sent_again === 0 && (secondStatus!.capped ?? 0) === secondArms!.reached_by_first && sent2 <= secondArms!.held_by_first);
  const holdoutReached = holdoutDeliveries + perRecipient.held_reached;
  return {
    ...result,
    summary: {
      duplicates,
      overCap,
      holdoutExact: result.first.holdout.exact,
      holdoutReached,
      everySentArmPhoneGotOne: perRecipient.sent_arm_one === arms.sent_arm,
      phonesMatchDeliveries: perRecipient.matching === arms.held + arms.sent_arm,
      sandboxMatchesSent: sandbox.messages === sent + sent2,
      countersMatchSent: c.sms!.sumN === sent + sent2,
      secondSentToAlreadyReached: secondArms?.sent_again ?? null,
      secondOk,
      ok: duplicates === 0 && overCap === 0 && result.first.holdout.exact && holdoutReached === 0 && perRecipient.sent_arm_one === arms.sent_arm && perRecipient.matching === arms.held + arms.sent_arm && sandbox.messages === sent + sent2 && c.sms!.sumN === sent + sent2 && secondOk,
    },
  };
}

/** Per-second sends from `sent_at` (the dispatcher's clock, so only its differences mean anything): the steady rate and how it varied. */
async function sendRate(db: Sql, id: string) {
  const span = await db.query<{ first: string; last: string; n: number; batches: number }>(
    `SELECT min(sent_at)::text AS first, max(sent_at)::text AS last, count(*)::int AS n, count(DISTINCT sent_at)::int AS batches FROM deliveries WHERE broadcast_id = $1 AND sent_at IS NOT NULL`, [id]);
  const s = span[0]!;
  if (!s.n) return null;
  const [w] = await db.query<{ secs: number }>(`SELECT extract(epoch FROM (max(sent_at) - min(sent_at)))::float8 AS secs FROM deliveries WHERE broadcast_id = $1 AND sent_at IS NOT NULL`, [id]);
  const perSecond = (await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM deliveries WHERE broadcast_id = $1 AND sent_at IS NOT NULL GROUP BY date_trunc('second', sent_at) ORDER BY date_trunc('second', sent_at)`, [id])).map((r) => r.n);
  // The first and last seconds are partial.
  const inner = perSecond.slice(1, -1).sort((a, b) => a - b);
  const sizes = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE broadcast_id = $1 AND sent_at IS NOT NULL GROUP BY sent_at`, [id])).map((r) => r.n).sort((a, b) => a - b);
  return {
    sent: s.n,
    firstToLastSentSeconds: round(w!.secs, 1),
    messagesPerSecond: round(s.n / Math.max(0.001, w!.secs), 0),
    perSecond: inner.length ? { seconds: perSecond.length, p10: percentile(inner, 10), p50: percentile(inner, 50), p90: percentile(inner, 90), max: inner.at(-1) } : null,
    recordedBatches: { count: s.batches, sizeP50: percentile(sizes, 50), sizeMin: sizes[0], sizeMax: sizes.at(-1), note: 'rows sharing one sent_at were recorded by one statement: one dispatcher batch' },
  };
}

async function cappedRate(db: Sql, id: string) {
  const [r] = await db.query<{ n: number; secs: number | null }>(
    `SELECT count(*)::int AS n, extract(epoch FROM (max(updated_at) - min(updated_at)))::float8 AS secs FROM deliveries WHERE broadcast_id = $1 AND status = 'capped'`, [id]);
  return r!.n ? { capped: r!.n, firstToLastCappedSeconds: round(r!.secs ?? 0, 1), cappedPerSecond: round(r!.n / Math.max(0.001, r!.secs ?? 0), 0), note: 'from updated_at of the capped rows (the admit transaction that decided them)' } : null;
}

// ---------------------------------------------------------------------------------------------------

async function runMode(mode: Mode) {
  const customers = customersFor(mode);
  console.log(`\n=== ${mode}: ${customers.toLocaleString('en')} customers ===`);
  const run = await prepareRun(mode, 'bench-broadcast', TMP, {
    // MESSAGING_CLOCK_NOON_FOR_BENCH moves the dispatcher's clock to the next 12:00 shop time (marketing SMS
    // go only 08:00–20:00); the server refuses it in production, so this bench runs in development mode.
    NODE_ENV: 'development',
    MESSAGING_CLOCK_NOON_FOR_BENCH: 'true',
    ...(params.messagingBatch ? { MESSAGING_BATCH: String(params.messagingBatch) } : {}),
    ...(params.messagingConcurrency ? { MESSAGING_CONCURRENCY: String(params.messagingConcurrency) } : {}),
  });
  if (mode === 'scaled' && (process.env.BENCH_PG_EXPLAIN_MS || process.env.BENCH_PG_LOG_MS)) {
    // Diagnostics, in PostgreSQL's log: BENCH_PG_EXPLAIN_MS logs the plan of every statement of the run's
    // database slower than that (auto_explain), BENCH_PG_LOG_MS every statement slower than that with its duration.
    const a = await openPostgres(run.databaseUrl!);
    const dbName = new URL(run.databaseUrl!).pathname.slice(1);
    if (process.env.BENCH_PG_EXPLAIN_MS) {
      await a.query(`ALTER DATABASE ${dbName} SET session_preload_libraries = 'auto_explain'`);
      await a.query(`ALTER DATABASE ${dbName} SET auto_explain.log_min_duration = ${Number(process.env.BENCH_PG_EXPLAIN_MS)}`);
    }
    if (process.env.BENCH_PG_LOG_MS) await a.query(`ALTER DATABASE ${dbName} SET log_min_duration_statement = ${Number(process.env.BENCH_PG_LOG_MS)}`);
    // With BENCH_PG_LOG_MS=0, also each statement's CPU (getrusage) in the log.
    if (process.env.BENCH_PG_LOG_MS === '0') await a.query(`ALTER DATABASE ${dbName} SET log_statement_stats = on`);
    await a.close();
  }
  const setupStarted = performance.now();
  let topo = await startTopology(mode, run);
  console.log(`  started: ${topo.name}`);
  let admin = new AdminClient(topo.base);
  await admin.signIn();
  const setup = await configureShop(admin);
  const seedStarted = performance.now();
  if (mode === 'scaled') {
    const db = await openPostgres(run.databaseUrl!);
    try {
      await seedCustomers(db, await shopIdOf(db), setup.tagId, customers);
    } finally {
      await db.close();
    }
  } else {
    // PGlite is one process's: stop the server, seed its directory, start it again.
    admin.close();
    for (const s of topo.servers) await s.stop();
    const db = await openPglite(run.dataDir);
    try {
      await seedCustomers(db, await shopIdOf(db), setup.tagId, customers);
    } finally {
      await db.close();
    }
    topo = await startTopology(mode, run);
    admin = new AdminClient(topo.base);
    await admin.signIn();
  }
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  console.log(`  seeded in ${seedSeconds.toFixed(1)} s (setup ${((performance.now() - setupStarted) / 1000).toFixed(1)} s in all)`);
  const sandboxSettings = await json(new http.Agent(), topo.base, 'GET', '/sandbox/sms/__sim/settings');

  const meter = new CpuMeter(topo.servers, mode, run.databaseUrl);
  const quietWaitMs = await meter.waitForQuiet(10, 60_000);
  const toSend = customers - Math.round((customers * params.holdoutPercent) / 100);
  const first = await runBroadcast('broadcast', admin, topo, meter, setup, toSend, run.databaseUrl);
  const receipts = first.marks.finished !== null ? await waitForReceipts(admin, first.id) : null;
  let second: Awaited<ReturnType<typeof runBroadcast>> | null = null;
  if (params.sameDay && !interrupted()) {
    await meter.waitForQuiet(10, 60_000);
    second = await runBroadcast('same day again', admin, topo, meter, setup, toSend, run.databaseUrl);
  }
  admin.close();
  const warnings = topo.servers.flatMap((s) => s.warnings.map((w) => `${s.role}: ${w}`)).filter((w) => !/SANDBOX is on|SEED_DEMO is on|PUBLIC_URL is not set|METRICS/.test(w)).slice(0, 10);
  console.log('  stopping the servers, then checking the database…');
  for (const s of topo.servers) await s.stop();
  const db = await run.openDatabase();
  let check;
  let rate;
  let rate2;
  let phases;
  let phases2;
  try {
    const shopId = await shopIdOf(db);
    check = await checkDatabase(db, shopId, first.id, second?.id ?? null, setup.budget, customers);
    rate = await sendRate(db, first.id);
    rate2 = second ? await cappedRate(db, second.id) : null;
    phases = await phasesOf(db, first.id);
    phases2 = second ? await phasesOf(db, second.id) : null;
  } finally {
    await db.close();
  }

  const m = first.marks;
  const cpuMs = first.cpuSending.report.msUsed;
  const perMsg = (ms: number) => (first.cpuSending.decided > 0 ? round(ms / first.cpuSending.decided, 3) : null);
  const result = {
    mode,
    date: new Date().toISOString(),
    commit: await gitCommit(),
    machine: machineInfo(mode),
    params: {
      ...params,
      customers,
      topology: topo.name,
      messagingBatch: params.messagingBatch ?? 'server default (MESSAGING_BATCH 500)',
      messagingConcurrency: params.messagingConcurrency ?? 'server default (MESSAGING_CONCURRENCY 4)',
      audience: 'a manual tag on every synthetic customer (phones 150…, SMS marketing consent, seeded by SQL)',
      channel: `sms (Tencent Cloud sandbox, template ${TEMPLATE.vendorTemplateId}, one text for all: 200 numbers a request)`,
      budget: setup.budget,
      clock: 'MESSAGING_CLOCK_NOON_FOR_BENCH: the dispatcher runs at the next 12:00 shop time (NODE_ENV=development)',
      sandboxSettings,
      seedSeconds: round(seedSeconds, 1),
      quietWaitMs,
    },
    aim: { messagesPerSecond: AIM_MESSAGES_PER_SECOND, met: (rate?.messagesPerSecond ?? 0) >= AIM_MESSAGES_PER_SECOND },
    broadcast: {
      recipients: first.view.recipients,
      holdout: first.view.holdout,
      toSend,
      seconds: {
        note: `bench clock from the answer to POST …/start, at the first poll (every ${params.pollSeconds} s; the admin API's view every ${params.apiPollSeconds} s) that saw each: recipients fixed, a message decided, every message decided (worker metrics), the status done`,
        prepared: m.prepared,
        firstDecided: m.firstDecided,
        finished: m.finished,
        statusDone: m.statusDone,
      },
      serverSteps: phases,
      sending: rate,
      messagesPerSecondStartToFinish: m.finished ? round(toSend / m.finished, 0) : null,
      receipts,
      analyzeDuringRun: first.analyzed,
      batchTimes: { ...first.batchTimes, note: 'siyu_messaging_batch_seconds scraped from the worker before and after: admit (claim + budget transaction), send (vendor requests), record; quantiles interpolated inside the histogram buckets' },
      cpu: {
        sendingWindow: { seconds: first.cpuSending.report.seconds, fromT: first.cpuSending.fromT, toT: first.cpuSending.toT, decided: first.cpuSending.decided, percentOfCore: first.cpuSending.percentOfCore },
        startToFinish: { seconds: first.cpuWhole.report.seconds, percentOfCore: first.cpuWhole.percentOfCore },
        msPerMessage: {
          unit: 'CPU milliseconds per message decided in the sending window',
          server: perMsg(cpuMs.server),
          ...(mode === 'scaled' ? { postgres: perMsg(cpuMs.postgresBackends + cpuMs.postgresBackground), redis: perMsg(cpuMs.redis) } : {}),
          serverPostgresRedis: perMsg(cpuMs.server + cpuMs.postgresBackends + cpuMs.postgresBackground + cpuMs.redis),
          bench: perMsg(cpuMs.loadGenerator),
        },
      },
      timeline: first.timeline,
    },
    sameDayAgain: second
      ? {
          recipients: second.view.recipients,
          holdout: second.view.holdout,
          seconds: { prepared: second.marks.prepared, firstDecided: second.marks.firstDecided, finished: second.marks.finished, statusDone: second.marks.statusDone },
          serverSteps: phases2,
          capping: rate2,
          decidedPerSecondStartToFinish: second.marks.finished ? round(toSend / second.marks.finished, 0) : null,
          batchTimes: second.batchTimes,
          cpu: { sendingWindow: { seconds: second.cpuSending.report.seconds, decided: second.cpuSending.decided, percentOfCore: second.cpuSending.percentOfCore } },
          timeline: second.timeline,
        }
      : null,
    correctness: check,
    serverWarnings: warnings,
  };
  printSummary(result, writeResult(RESULTS, mode, result));
  await runCleanups();
  return result;
}

function printSummary(r: any, file: string) {
  const b = r.broadcast;
  const c = r.correctness;
  const cpu = b.cpu.sendingWindow.percentOfCore;
  const rows: [string, string][] = [
    ['mode', `${r.mode}: ${r.params.topology}`],
    ['audience', `${b.recipients} customers, holdout ${b.holdout} (${r.params.holdoutPercent} %), to send ${b.toSend}`],
    ['messages/s (sending)', `${b.sending?.messagesPerSecond ?? '–'} (aim ${AIM_MESSAGES_PER_SECOND}: ${r.aim.met ? 'met' : 'not met'}); per second p10/p50/p90 ${b.sending?.perSecond ? `${b.sending.perSecond.p10} / ${b.sending.perSecond.p50} / ${b.sending.perSecond.p90}` : '–'}`],
    ['seconds from start', `prepared ${b.serverSteps?.prepared ?? b.seconds.prepared}, last chunk queued ${b.serverSteps?.lastQueued ?? '–'}, all decided ${b.seconds.finished}, status done ${b.serverSteps?.statusDone ?? b.seconds.statusDone}`],
    ['batch ms p50 / p99', Object.entries(b.batchTimes).filter(([k]) => k !== 'note').map(([k, v]: [string, any]) => `${k} ${v.p50Ms} / ${v.p99Ms}`).join(', ')],
    ['CPU % of a core (sending)', Object.entries(cpu).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['CPU ms per message', `server ${b.cpu.msPerMessage.server}${r.mode === 'scaled' ? `, PostgreSQL ${b.cpu.msPerMessage.postgres}` : ''}`],
    ['receipts', b.receipts ? `${b.receipts.delivered} delivered of ${b.receipts.sent} sent` : '–'],
    ['deliveries', JSON.stringify(c.first.deliveriesByStatus)],
    ['sandbox', `${c.sandbox.messages} messages to ${c.sandbox.distinctPhones} phones, ${c.sandbox.phonesWithMoreThanOne} with more than one`],
    ['holdout', `${c.first.holdout.holdout} = ${c.first.holdout.expected}: ${c.first.holdout.exact ? 'exact' : 'WRONG'}; reached ${c.summary.holdoutReached}`],
    ['over cap', `${c.summary.overCap} (sms max/day ${c.counters.sms.maxPerDay}, all channels max/day ${c.counters['*'].maxPerDay})`],
  ];
  if (r.sameDayAgain) {
    const s = r.sameDayAgain;
    rows.push(['same day again', `${JSON.stringify(c.second.deliveriesByStatus)}; ${s.capping?.cappedPerSecond ?? '–'} capped/s; finished ${s.seconds.finished} s; sent to someone the first reached: ${c.second.sentToCustomersTheFirstReached} (${c.second.expected})`]);
  }
  rows.push(['correctness', c.summary.ok ? 'ok: 0 duplicates, 0 over cap, holdout exact and untouched' : `PROBLEM: ${JSON.stringify(c.summary)}`]);
  printRows(rows, file);
}

runModes('broadcast', modes, runMode);
