/**
 * Coupon grab benchmark (抢券): starts the real server in child processes, creates one 满100减20 coupon
 * template with a fixed total over the admin API, signs in many customers by SMS, then fires claim
 * requests from many concurrent connections as fast as they are answered — more customers than
 * coupons, each tapping several times — and checks in the database that exactly the total was issued,
 * at most one per customer.
 *
 *   npx tsx bench/coupon-grab/run.ts [--mode embedded|scaled|both] [--customers 2000] [--quantity 1000]
 *                                    [--attempts 10000] [--connections 100] [--out DIR]
 *
 * Writes bench/coupon-grab/results/<mode>.json. See bench/coupon-grab/README.md for reading the numbers.
 */
import { randomInt, randomUUID } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fail, parseBenchArgs, type Mode } from '../lib/args.js';
import { interrupted, runCleanups, runModes } from '../lib/cleanup.js';
import { CpuMeter, cpuPerAnswer, type CpuSample } from '../lib/cpu.js';
import { openPostgres, type Sql } from '../lib/database.js';
import { pool, runPhones, SHOP, signInCustomer, signInOwner } from '../lib/demo-shop.js';
import { json, sleep } from '../lib/http.js';
import { drive, hostOf, openLanes, post } from '../lib/load.js';
import { cpuLine, gitCommit, machineInfo, printRows, writeResult } from '../lib/report.js';
import { bootRun } from '../lib/run-env.js';
import type { Server } from '../lib/server.js';
import { latencySummary, round } from '../lib/stats.js';

/**
 * quantity: the template's totalQuantity (perCustomerLimit is 1); attempts: claim requests in all,
 * spread evenly over the customers in a random order.
 */
const args = parseBenchArgs(path.dirname(fileURLToPath(import.meta.url)), { customers: 2000, quantity: 1000, attempts: 10000, connections: 100 });
const params = args.ints;
// Phones are a 7-digit run prefix + a 4-digit index.
if (params.customers > 10_000) fail('--customers must be at most 10000');
const { modes, results: RESULTS, tmp: TMP } = args;

// ---------------------------------------------------------------------------------------------------
// Setup over the HTTP API: the coupon template and the signed-in customers.

async function setup(agent: http.Agent, base: string) {
  const admin = await signInOwner(agent, base);
  const template = await json(agent, base, 'POST', '/api/admin/coupons', {
    name: '压测抢券 满100减20',
    kind: 'amount_off',
    thresholdFen: 10_000,
    amountOffFen: 2_000,
    validity: { type: 'relative', days: 7 },
    totalQuantity: params.quantity,
    perCustomerLimit: 1,
  }, admin);
  const phones = runPhones(params.customers);
  const t0 = performance.now();
  let done = 0;
  const tokens = await pool(params.customers, 20, async (i) => {
    const token = await signInCustomer(agent, base, phones[i]);
    if (++done % 500 === 0) process.stdout.write(`  … ${done} customers signed in (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
    return token;
  });
  return { admin, templateId: template.id as string, label: template.label as string, tokens };
}

// ---------------------------------------------------------------------------------------------------
// The grab: `connections` workers take the next attempt from one shuffled list until it is empty.

interface Answer {
  t0: number;
  t1: number;
  /** HTTP status, or `network_error`. */
  status: string;
  /** The error code of a refusal (`COUPON_SOLD_OUT`, …), null for a 201. */
  code: string | null;
}

function shuffledAttempts(): number[] {
  const list = Array.from({ length: params.attempts }, (_, i) => i % params.customers);
  for (let i = list.length - 1; i > 0; i--) {
    const j = randomInt(0, i + 1);
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

async function grab(meter: CpuMeter, servers: Server[], templateId: string, tokens: string[]) {
  const base = servers[0].url;
  const attempts = shuffledAttempts();
  const host = hostOf(base);
  const auth = tokens.map((t) => `authorization: Bearer ${t}`);
  const path = `/api/store/${SHOP}/coupons/${templateId}/claim`;
  process.stdout.write(`  opening ${params.connections} connections…\n`);
  const lanes = await openLanes([base], params.connections);
  const answers: Answer[] = [];
  const sampleErrors: string[] = [];
  let accepted = 0;
  let soldOutAt: number | null = null;
  let cpuAtSoldOut: CpuSample | undefined;

  const progress = setInterval(() => process.stdout.write(`  … ${answers.length} answers, ${accepted} accepted\n`), 2000);
  process.stdout.write(`  grab: ${params.attempts} claims by ${params.customers} customers over ${params.connections} connections\n`);
  await meter.refreshRoles();
  const cpuAtStart = meter.sample();
  await drive(
    lanes,
    { kind: 'closed' },
    // Like the storefront: an empty body and a fresh Idempotency-Key per tap.
    (i) => (i < attempts.length ? { wire: post(host, path, {}, [auth[attempts[i]], `idempotency-key: ${randomUUID()}`]), wantBody: true } : null),
    (d) => {
      const status = d.reply.status === 0 ? 'network_error' : String(d.reply.status);
      let code: string | null = null;
      if (d.reply.status === 0) {
        code = 'network_error';
        if (sampleErrors.length < 5) sampleErrors.push(d.reply.error ?? 'network error');
      } else if (d.reply.status !== 201) {
        const text = d.reply.body?.toString('utf8') ?? '';
        code = errorCode(text);
        if (d.reply.status !== 409 && sampleErrors.length < 5) sampleErrors.push(`${d.reply.status} ${text.slice(0, 300)}`);
      }
      answers.push({ t0: d.t0, t1: d.t1, status, code });
      if (status === '201' && ++accepted === params.quantity) {
        soldOutAt = d.t1;
        cpuAtSoldOut = meter.sample();
      }
    },
    interrupted,
  );
  const cpuAtEnd = meter.sample();
  clearInterval(progress);
  lanes.forEach((l) => l.close());
  await meter.refreshRoles();
  const whole = meter.report(cpuAtStart, cpuAtEnd);
  return {
    answers,
    accepted,
    start: cpuAtStart.at,
    soldOutAt: soldOutAt as number | null,
    sampleErrors,
    cpuMsPerAnswer: {
      wholeGrab: cpuPerAnswer(whole, answers.length, meter.mode),
      ...(cpuAtSoldOut
        ? {
            untilSoldOut: cpuPerAnswer(meter.report(cpuAtStart, cpuAtSoldOut), answers.filter((a) => a.t1 <= soldOutAt!).length, meter.mode),
            afterSoldOut: cpuPerAnswer(meter.report(cpuAtSoldOut, cpuAtEnd), answers.filter((a) => a.t1 > soldOutAt!).length, meter.mode),
          }
        : {}),
    },
    cpu: {
      wholeGrab: whole.percentOfCore,
      ...(cpuAtSoldOut ? { untilSoldOut: meter.report(cpuAtStart, cpuAtSoldOut).percentOfCore, afterSoldOut: meter.report(cpuAtSoldOut, cpuAtEnd).percentOfCore } : {}),
    },
  };
}

function errorCode(text: string): string {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? 'no_code';
  } catch {
    return 'not_json';
  }
}

type Grab = Awaited<ReturnType<typeof grab>>;

/** Throughput, latency and counts from the answers; "sold out" is the moment the quantity-th 201 arrived. */
function figures(g: Grab) {
  const end = g.answers.reduce((m, a) => Math.max(m, a.t1), -Infinity);
  const secs = (ms: number) => round(ms / 1000, 2);
  const lastAccepted = Math.max(g.start, ...g.answers.filter((a) => a.status === '201').map((a) => a.t1));
  const before = g.soldOutAt === null ? g.answers : g.answers.filter((a) => a.t1 <= g.soldOutAt!);
  const after = g.soldOutAt === null ? [] : g.answers.filter((a) => a.t1 > g.soldOutAt!);
  const count = (list: Answer[], key: (a: Answer) => string | null) => {
    const m: Record<string, number> = {};
    for (const a of list) {
      const k = key(a);
      if (k !== null) m[k] = (m[k] ?? 0) + 1;
    }
    return m;
  };
  const lat = (list: Answer[]) => latencySummary(list.map((a) => a.t1 - a.t0));
  const outcome = (a: Answer) => (a.code ? `${a.status} ${a.code}` : a.status);
  const outcomes = [...new Set(g.answers.map(outcome))].sort();
  const phase = (list: Answer[], ms: number) => ({ seconds: secs(ms), answers: list.length, claimsPerSecond: round(list.length / (ms / 1000)) });
  return {
    throughput: {
      claimsPerSecond: round(g.answers.length / ((end - g.start) / 1000)),
      grabSeconds: secs(end - g.start),
      answers: g.answers.length,
      accepted: g.accepted,
      acceptedPerSecond: round(g.accepted / ((lastAccepted - g.start) / 1000)),
      soldOut: g.soldOutAt !== null,
      secondsUntilSoldOut: g.soldOutAt === null ? null : secs(g.soldOutAt - g.start),
      untilSoldOut: phase(before, (g.soldOutAt ?? end) - g.start),
      afterSoldOut: g.soldOutAt === null ? null : phase(after, end - g.soldOutAt),
    },
    latencyMs: {
      all: lat(g.answers),
      accepted: lat(g.answers.filter((a) => a.status === '201')),
      /** Requests sent after the sold-out moment: what a late customer waits. */
      sentAfterSoldOut: g.soldOutAt === null ? null : lat(g.answers.filter((a) => a.t0 > g.soldOutAt!)),
      byOutcome: Object.fromEntries(outcomes.map((o) => [o, lat(g.answers.filter((a) => outcome(a) === o))])),
      /** The five longest waits, with when they were sent (seconds after the first request). */
      slowest: [...g.answers].sort((a, b) => b.t1 - b.t0 - (a.t1 - a.t0)).slice(0, 5).map((a) => ({ ms: round(a.t1 - a.t0), sentAtSecond: secs(a.t0 - g.start), outcome: outcome(a) })),
    },
    statusCounts: count(g.answers, (a) => a.status),
    errorCodes: count(g.answers, (a) => a.code),
    statusCountsUntilSoldOut: count(before, outcome),
    statusCountsAfterSoldOut: count(after, outcome),
  };
}

// ---------------------------------------------------------------------------------------------------
// Correctness: the admin API's view while the server runs, then the database once it stopped.

async function adminView(agent: http.Agent, base: string, admin: Record<string, string>, templateId: string) {
  const t = await json(agent, base, 'GET', `/api/admin/coupons/${templateId}`, undefined, admin);
  return { issuedCount: t.issuedCount as number, statsIssued: t.stats.issued as number, status: t.status as string };
}

async function correctness(db: Sql, templateId: string, accepted: number, api: Awaited<ReturnType<typeof adminView>>) {
  const [t] = await db.query<{ total_quantity: number; issued_count: number }>(`SELECT total_quantity, issued_count FROM coupon_templates WHERE id = $1`, [templateId]);
  const [c] = await db.query<{ n: number; holders: number; claimed: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT customer_id)::int AS holders, count(*) FILTER (WHERE source = 'claim')::int AS claimed FROM coupons WHERE template_id = $1`,
    [templateId],
  );
  const [multi] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT customer_id FROM coupons WHERE template_id = $1 GROUP BY 1 HAVING count(*) > 1) d`,
    [templateId],
  );
  const [events] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events WHERE type = 'coupon.issued' AND payload->>'templateId' = $1`, [templateId]);
  return {
    quantity: params.quantity,
    issued: c.n,
    issuedEqualsQuantity: c.n === params.quantity,
    oversold: Math.max(0, c.n - params.quantity),
    unsold: Math.max(0, params.quantity - c.n),
    accepted201: accepted,
    couponsMatchResponses: c.n === accepted,
    couponsFromClaims: c.claimed,
    holders: c.holders,
    customersHoldingMoreThanOne: multi.n,
    templateTotalQuantity: t.total_quantity,
    templateIssuedCount: t.issued_count,
    issuedCountMatchesRows: t.issued_count === c.n,
    couponIssuedEvents: events.n,
    eventsMatchCoupons: events.n === c.n,
    adminApi: api,
    adminApiMatches: api.issuedCount === c.n && api.statsIssued === c.n,
  };
}

/**
 * Transactions the run database committed or rolled back so far (scaled only), to tell how many
 * database round trips one claim costs; null for embedded (PGlite cannot be read while the server runs).
 */
async function postgresTransactions(url: string | undefined): Promise<number | null> {
  if (!url) return null;
  const db = await openPostgres(url);
  try {
    const [r] = await db.query<{ n: string }>(`SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()`);
    return Number(r.n);
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------------------------------------------

async function runMode(mode: Mode) {
  // Production's shape: the scaled run has its HTTP and its outbox/jobs in separate processes.
  const run = await bootRun(mode, 'bench-coupon-grab', TMP, mode === 'scaled' ? 1 : 0);
  const { servers, topology } = run;
  const base = servers[0].url;
  console.log(`  creating the coupon and signing in ${params.customers} customers…`);
  const setupAgent = new http.Agent({ keepAlive: true, maxSockets: 20 });
  const { admin, templateId, label, tokens } = await setup(setupAgent, base);
  // Sign-ups leave outbox events (customer.registered) for the worker: let it finish before the grab.
  const meter = new CpuMeter(servers, mode, run.databaseUrl);
  const quietMs = await meter.waitForQuiet();
  console.log(`  set up in ${((performance.now() - run.startedAt) / 1000).toFixed(1)} s (server quiet after ${(quietMs / 1000).toFixed(1)} s more)`);

  const xactsBefore = await postgresTransactions(run.databaseUrl);
  const g = await grab(meter, servers, templateId, tokens);
  if (interrupted()) return;
  // Let the worker dispatch the last coupon.issued events, and PostgreSQL flush its statistics
  // (backends report at most once a second), before reading them, the admin view and stopping.
  await sleep(1500);
  const xacts = xactsBefore === null ? null : (await postgresTransactions(run.databaseUrl))! - xactsBefore;
  const api = await adminView(setupAgent, base, admin, templateId);
  setupAgent.destroy();
  console.log('  stopping servers, then checking the database…');
  for (const s of servers) await s.stop();
  const db = await run.openDatabase();
  const check = await correctness(db, templateId, g.accepted, api).finally(() => db.close());

  const result = {
    mode,
    date: new Date().toISOString(),
    commit: await gitCommit(),
    machine: machineInfo(mode),
    params: { ...params, topology, coupon: `${label}, totalQuantity ${params.quantity}, perCustomerLimit 1`, request: `POST /api/store/${SHOP}/coupons/:id/claim (empty body, unique Idempotency-Key)` },
    ...figures(g),
    sampleErrors: g.sampleErrors,
    cpuMsPerAnswer: g.cpuMsPerAnswer,
    cpu: g.cpu,
    ...(xacts === null ? {} : { postgres: { transactions: xacts, perAnswer: round(xacts / g.answers.length, 2), note: 'xact_commit + xact_rollback of the run database over the grab: each statement outside a transaction counts as one' } }),
    serverWarnings: servers.flatMap((s) => s.warnings.map((l) => `${s.role}: ${l}`)).slice(0, 20),
    correctness: check,
  };
  printSummary(result, writeResult(RESULTS, mode, result));
  await runCleanups();
  return result;
}

const ok = (good: boolean) => (good ? 'ok' : 'WRONG');
const lat = (l: { p50: number; p90: number; p99: number; max: number } | null) => (l ? `${l.p50} / ${l.p90} / ${l.p99} / ${l.max} ms` : '—');
const list = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k}: ${v}`).join(', ');

function printSummary(r: any, file: string) {
  const t = r.throughput;
  const c = r.correctness;
  const cpu = (x: Record<string, unknown> | undefined) => (x ? Object.entries(x).filter(([k]) => k !== 'unit' && k !== 'machineCapacity').map(([k, v]) => `${k} ${v}`).join(', ') : '—');
  const rows: [string, string][] = [
    ['mode', `${r.mode} (${r.params.topology})`],
    ['grab', `${r.params.attempts} claims, ${r.params.customers} customers, ${r.params.connections} connections, ${r.params.coupon}`],
    ['claims/s (all answers)', `${t.claimsPerSecond} over ${t.grabSeconds} s`],
    ['CPU ms per answer, whole grab', cpuLine(r.cpuMsPerAnswer.wholeGrab)],
    ...(r.cpuMsPerAnswer.afterSoldOut ? [['CPU ms per answer after sold out', cpuLine(r.cpuMsPerAnswer.afterSoldOut)] as [string, string]] : []),
    ['accepted (201), accepted/s', `${t.accepted}, ${t.acceptedPerSecond}/s`],
    ['sold out after', t.soldOut ? `${t.secondsUntilSoldOut} s (${t.untilSoldOut.claimsPerSecond} claims/s before, ${t.afterSoldOut.claimsPerSecond} after)` : 'NOT sold out'],
    ['latency all p50/p90/p99/max', lat(r.latencyMs.all)],
    ['latency 201 p50/p90/p99/max', lat(r.latencyMs.accepted)],
    ['latency sent after sold out', lat(r.latencyMs.sentAfterSoldOut)],
    ['status', list(r.statusCounts)],
    ['error codes', list(r.errorCodes)],
    ['CPU until sold out (% core)', cpu(r.cpu.untilSoldOut)],
    ['CPU after sold out (% core)', cpu(r.cpu.afterSoldOut)],
    ...(r.postgres ? [['PostgreSQL transactions per answer', `${r.postgres.perAnswer} (${r.postgres.transactions} in all)`] as [string, string]] : []),
    ['issued / quantity', `${c.issued} / ${c.quantity} ${ok(c.issuedEqualsQuantity)} (oversold ${c.oversold}, unsold ${c.unsold})`],
    ['coupons / 201 answers', `${c.issued} / ${c.accepted201} ${ok(c.couponsMatchResponses)}`],
    ['customers holding > 1', `${c.customersHoldingMoreThanOne} ${ok(c.customersHoldingMoreThanOne === 0)}`],
    ['template issued_count / rows', `${c.templateIssuedCount} / ${c.issued} ${ok(c.issuedCountMatchesRows)}`],
    ['coupon.issued events / rows', `${c.couponIssuedEvents} / ${c.issued} ${ok(c.eventsMatchCoupons)}`],
    ['admin API issuedCount / stats.issued', `${c.adminApi.issuedCount} / ${c.adminApi.statsIssued} ${ok(c.adminApiMatches)}`],
  ];
  if (r.serverWarnings.length) rows.push(['server warnings', `${r.serverWarnings.length} (see serverWarnings in the JSON)`]);
  printRows(rows, file);
}

runModes('coupon grab', modes, runMode);
