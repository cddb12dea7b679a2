/**
 * Flash sale benchmark (秒杀): N attempts by many customers rush M units of one flash sale over HTTP.
 * Reports accepted orders/s, p50/p99 latency, oversold and lost counts, and the time from the first
 * request until every order is in the database.
 *
 *   npx tsx bench/flash-sale/run.ts [--mode embedded|scaled|both] [--units 1000] [--attempts 5000]
 *                                   [--customers 5000] [--connections 100] [--serve 2] [--out DIR]
 *
 * scaled: `--serve` × serve + 1 × worker on a fresh PostgreSQL database and Redis; customers are made in
 * bulk SQL. embedded: one `all` process on PGlite; customers sign in by SMS (at most 10,000).
 * Writes bench/flash-sale/results/<mode>.json.
 */
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fail, parseBenchArgs, type Mode } from '../lib/args.js';
import { interrupted, runCleanups, runMain } from '../lib/cleanup.js';
import { CpuMeter, cpuPerAnswer, type CpuSample } from '../lib/cpu.js';
import { openPostgres } from '../lib/database.js';
import { pool, runPhones, SHOP, signInCustomer } from '../lib/demo-shop.js';
import { json } from '../lib/http.js';
import { cpuLine, gitCommit, machineInfo, printRows, writeResult } from '../lib/report.js';
import { prepareRun } from '../lib/run-env.js';
import { startServers, topologyName } from '../lib/server.js';
import { latencySummary, round } from '../lib/stats.js';
import { bulkCustomers, correctness, createSale, rush, waitForOrdersLive, type Buyer } from './rush.js';

const args = parseBenchArgs(path.dirname(fileURLToPath(import.meta.url)), { units: 1000, attempts: 5000, customers: 5000, connections: 100, serve: 2 });
const params = args.ints;
if (params.customers > params.attempts) params.customers = params.attempts;

async function embeddedBuyers(agent: http.Agent, base: string, n: number): Promise<Buyer[]> {
  if (n > 10_000) fail('--customers must be at most 10000 in embedded mode (they sign in by SMS)');
  const phones = runPhones(n);
  return pool(n, 20, async (i) => {
    const token = await signInCustomer(agent, base, phones[i]);
    const a = await json(agent, base, 'POST', `/api/store/${SHOP}/me/addresses`, { contactName: '张三', phone: phones[i], province: '广东省', city: '深圳市', district: '南山区', detail: '科技园 1 号', isDefault: true }, { authorization: `Bearer ${token}` });
    return { token, addressId: a.id as string };
  });
}

async function runMode(mode: Mode) {
  console.log(`\n=== ${mode} ===`);
  const run = await prepareRun(mode, 'bench-flash-sale', args.tmp, { SMS_DAILY_LIMIT: '1000', JOBS_POLL_MS: '100' });
  const serve = mode === 'scaled' ? params.serve : 0;
  const topology = topologyName(serve);
  console.log(`  starting ${topology}…`);
  const servers = await startServers(serve, run.env);
  const web = servers.filter((s) => s.role !== 'worker');
  const base = web[0].url;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
  const sale = await createSale(agent, base, { units: params.units, stock: params.units * 2, limit: 1, minutes: 120 });
  const t0 = performance.now();
  let buyers: Buyer[];
  if (mode === 'scaled') {
    const db = await openPostgres(run.databaseUrl!);
    buyers = await bulkCustomers(db, params.customers, run.env.SESSION_SECRET);
    await db.close();
  } else {
    buyers = await embeddedBuyers(agent, base, params.customers);
  }
  console.log(`  ${buyers.length} customers ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; rushing ${params.units} units with ${params.attempts} attempts over ${params.connections} connections`);

  const meter = new CpuMeter(servers, mode, run.databaseUrl);
  await meter.refreshRoles();
  let cpuStart: CpuSample | undefined;
  let cpuRush: CpuSample | undefined;
  let start = performance.now();
  let last = 0;
  // Watched from the start, so "every order in the database" is seen when it happens, not after the rush.
  let rushDone = false;
  const written = waitForOrdersLive(new http.Agent({ keepAlive: true, maxSockets: 1 }), base, sale.admin, sale.saleId, 900_000, () => rushDone);
  const result = await rush({
    buyers,
    attempts: params.attempts,
    connections: params.connections,
    itemId: sale.itemId,
    baseFor: (i) => web[i % web.length].url,
    bases: web.map((s) => s.url),
    stop: interrupted,
    // Connections are open and warm by now: the rush (and its CPU) starts with the first attempt.
    onEdge: (edge) => {
      if (edge === 'start') {
        cpuStart = meter.sample();
        start = performance.now();
      } else cpuRush = meter.sample();
    },
    onProgress: (answered, accepted) => {
      if (answered - last >= Math.max(5000, params.attempts / 20)) {
        last = answered;
        process.stdout.write(`  … ${answered} answers, ${accepted} accepted (${((performance.now() - start) / 1000).toFixed(1)} s)\n`);
      }
    },
  });
  const rushEnd = performance.now();
  rushDone = true;
  const { at: allWritten, live: seen } = await written;
  // The remaining count once the rush is over (the watcher may have returned at sold-out).
  const live = await json(agent, base, 'GET', `/api/admin/flash-sales/${sale.saleId}/live`, undefined, sale.admin);
  const cpuEnd = meter.sample();
  await meter.refreshRoles();
  const rushCpu = meter.report(cpuStart!, cpuRush!);
  agent.destroy();
  if (interrupted()) return;

  const accepted = result.answers.filter((a) => a.status === '202');
  // Half a million answers: no spreading into Math.min/max (the call stack would overflow).
  const firstAt = result.answers.reduce((m, a) => Math.min(m, a.t0), Infinity);
  const lastAccepted = accepted.reduce((m, a) => Math.max(m, a.t1), -Infinity);
  const count = (f: (a: (typeof result.answers)[number]) => string) => result.answers.reduce<Record<string, number>>((m, a) => ((m[f(a)] = (m[f(a)] ?? 0) + 1), m), {});
  const soldOutAt = accepted.length >= params.units ? [...accepted].sort((a, b) => a.t1 - b.t1)[params.units - 1].t1 : null;

  console.log('  stopping servers, then checking the database…');
  for (const s of servers) await s.stop();
  const db = await run.openDatabase();
  const check = await correctness(db, sale, params.units, result.answers, live.remaining).finally(() => db.close());

  const out = {
    mode,
    date: new Date().toISOString(),
    commit: await gitCommit(),
    machine: machineInfo(mode),
    params: { ...params, topology, request: `POST /api/store/${SHOP}/flash-sales/attempts (one per customer in turn; perCustomerLimit 1)` },
    throughput: {
      answers: result.answers.length,
      rushSeconds: round((rushEnd - start) / 1000, 2),
      answersPerSecond: round(result.answers.length / ((rushEnd - start) / 1000)),
      accepted: accepted.length,
      acceptedOrdersPerSecond: round(accepted.length / ((lastAccepted - firstAt) / 1000)),
      secondsUntilSoldOut: soldOutAt === null ? null : round((soldOutAt - firstAt) / 1000, 2),
      secondsUntilEveryOrderInDatabase: round((allWritten - firstAt) / 1000, 2),
    },
    latencyMs: {
      all: latencySummary(result.answers.map((a) => a.t1 - a.t0)),
      accepted: latencySummary(accepted.map((a) => a.t1 - a.t0)),
      refused: latencySummary(result.answers.filter((a) => a.status !== '202').map((a) => a.t1 - a.t0)),
    },
    statusCounts: count((a) => a.status),
    errorCodes: count((a) => a.code ?? '202'),
    sampleErrors: result.samples,
    /** The rush's CPU per answer; writing the orders after it (the worker's batches) is in cpu.writingOrdersAfterRush. */
    cpuMsPerAnswer: cpuPerAnswer(rushCpu, result.answers.length, mode),
    cpu: { rush: rushCpu.percentOfCore, writingOrdersAfterRush: meter.report(cpuRush!, cpuEnd).percentOfCore },
    liveViewWhenAllWritten: { sold: seen.sold, remaining: seen.remaining, orders: seen.orders },
    serverWarnings: servers.flatMap((s) => s.warnings.map((l) => `${s.role}: ${l}`)).slice(0, 20),
    correctness: check,
  };
  const file = writeResult(args.results, mode, out);
  const t = out.throughput;
  const c = check;
  const lat = (l: { p50: number; p99: number; max: number } | null) => (l ? `${l.p50} / ${l.p99} / ${l.max} ms` : '—');
  printRows([
    ['mode', `${mode} (${topology})`],
    ['rush', `${params.attempts} attempts, ${buyers.length} customers, ${params.connections} connections, ${params.units} units`],
    ['answers/s', `${t.answersPerSecond} over ${t.rushSeconds} s`],
    ['CPU ms per answer (rush)', cpuLine(out.cpuMsPerAnswer)],
    ['accepted, accepted orders/s', `${t.accepted}, ${t.acceptedOrdersPerSecond}/s`],
    ['sold out after', t.secondsUntilSoldOut === null ? 'NOT sold out' : `${t.secondsUntilSoldOut} s`],
    ['every order in the database after', `${t.secondsUntilEveryOrderInDatabase} s`],
    ['latency all p50/p99/max', lat(out.latencyMs.all)],
    ['latency accepted p50/p99/max', lat(out.latencyMs.accepted)],
    ['status', Object.entries(out.statusCounts).map(([k, v]) => `${k}: ${v}`).join(', ')],
    ['codes', Object.entries(out.errorCodes).map(([k, v]) => `${k}: ${v}`).join(', ')],
    ['oversold / lost / duplicates', `${c.oversold} / ${c.lostAccepted} / ${c.duplicateOrders}`],
    ['sold + remaining = units', `${c.soldUnits} + ${c.remaining} = ${c.units} ${c.soldPlusRemainingEqualsStock ? 'ok' : 'WRONG'}`],
    ['inventory balanced', `${c.inventory.balanced ? 'ok' : 'WRONG'} (held ${c.inventory.held}, reserved ${c.inventory.reserved})`],
  ], file);
  await runCleanups();
  return out;
}

async function main() {
  console.log(`flash sale benchmark: ${args.modes.join(' + ')} on ${os.cpus().length} CPUs, node ${process.version}`);
  for (const mode of args.modes) {
    if (interrupted()) break;
    await runMode(mode);
  }
}

runMain(main);
