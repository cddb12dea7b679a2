/**
 * Checkout load benchmark: starts the real server in child processes, sets up a shop with goods and
 * signed-in customers over the HTTP API, places orders from a fixed number of concurrent connections
 * for a fixed time, then checks in the database that every order and every unit of stock adds up.
 *
 *   npx tsx bench/checkout/run.ts [--mode embedded|scaled|both] [--customers 50] [--duration 20]
 *                                 [--connections 50] [--warmup 5] [--servers 1] [--skus 4] [--out DIR]
 *
 * Writes bench/checkout/results/<mode>.json. See bench/checkout/README.md for reading the numbers.
 */
import { randomInt, randomUUID } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fail, parseBenchArgs, type Mode } from '../lib/args.js';
import { interrupted, runCleanups, runMain } from '../lib/cleanup.js';
import { cpuReport, cpuSample, type CpuSample } from '../lib/cpu.js';
import type { Sql } from '../lib/database.js';
import { pool, runPhones, SHOP, signInCustomer, signInOwner } from '../lib/demo-shop.js';
import { json, request, sleep } from '../lib/http.js';
import { gitCommit, machineInfo, printRows, writeResult } from '../lib/report.js';
import { bootRun } from '../lib/run-env.js';
import type { Server } from '../lib/server.js';
import { latencySummary, round } from '../lib/stats.js';

const args = parseBenchArgs(path.dirname(fileURLToPath(import.meta.url)), { customers: 50, duration: 20, connections: 50, servers: 1, skus: 4 }, { warmup: '5' });
const params = {
  customers: args.ints.customers,
  durationSeconds: args.ints.duration,
  connections: args.ints.connections,
  warmupSeconds: Number(args.strings.warmup),
  /** Scaled mode only: more than 1 runs that many `serve` processes plus one `worker`. */
  servers: args.ints.servers,
  /** SKUs of the one product; few SKUs means every checkout competes for the same stock rows. */
  skus: args.ints.skus,
};
// One spec attribute holds at most 50 values (catalog contract).
if (params.skus > 50) fail('--skus must be at most 50');
const { modes, results: RESULTS, tmp: TMP } = args;

// ---------------------------------------------------------------------------------------------------
// Setup over the HTTP API: shipping template, product, customers with addresses.

interface Customer {
  token: string;
  addressId: string;
}

async function setupShop(agent: http.Agent, base: string, customerCount: number, skuCount: number) {
  const admin = await signInOwner(agent, base);

  await json(agent, base, 'POST', '/api/admin/shipping-templates', {
    name: '全国包邮满额',
    chargeBy: 'piece',
    rules: [{ regions: [], first: 1, firstFeeFen: 800, additional: 1, additionalFeeFen: 200 }],
    freeOverFen: 50_000,
    isDefault: true,
  }, admin);
  const styles = Array.from({ length: skuCount }, (_, i) => `款${i + 1}`);
  const product = await json(agent, base, 'POST', '/api/admin/products', {
    title: '压测T恤',
    status: 'on_sale',
    specAttributes: [{ name: '款式', values: styles }],
    weightGrams: 300,
    skus: styles.map((v) => ({ specValues: { 款式: v }, price: 9_900, stock: 1_000_000 })),
  }, admin);
  const skuIds: string[] = product.skus.map((s: { id: string }) => s.id);

  const phones = runPhones(customerCount);
  const customers: Customer[] = await pool(customerCount, 10, async (i) => {
    const token = await signInCustomer(agent, base, phones[i]);
    const address = await json(agent, base, 'POST', `/api/store/${SHOP}/me/addresses`, {
      contactName: '张三', phone: phones[i], province: '广东省', city: '深圳市', district: '南山区', detail: `科技园 ${i} 号`, isDefault: true,
    }, { authorization: `Bearer ${token}` });
    return { token, addressId: address.id };
  });
  return { skuIds, customers };
}

// ---------------------------------------------------------------------------------------------------
// Load: `connections` workers, each with one keep-alive socket, placing orders back to back.

interface LoadResult {
  measuredSeconds: number;
  measured2xx: number;
  measuredLatencies: number[];
  measuredStatus: Record<string, number>;
  totalStatus: Record<string, number>;
  created: number;
  unitsCreated: number;
  errors: string[];
  cpu: ReturnType<typeof cpuReport>;
}

async function runLoad(mode: Mode, servers: Server[], skuIds: string[], customers: Customer[]): Promise<LoadResult> {
  const http1 = servers.filter((s) => s.role !== 'worker');
  const agents = http1.map(() => new http.Agent({ keepAlive: true, maxSockets: params.connections }));
  const start = performance.now();
  const warmupEnd = start + params.warmupSeconds * 1000;
  const end = warmupEnd + params.durationSeconds * 1000;
  const measuredLatencies: number[] = [];
  const measuredStatus: Record<string, number> = {};
  const totalStatus: Record<string, number> = {};
  const errors: string[] = [];
  let created = 0;
  let unitsCreated = 0;
  let measured2xx = 0;
  let cpuAtStart: CpuSample | undefined;
  let cpuAtEnd: CpuSample | undefined;
  const inc = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);

  const worker = async (w: number) => {
    const agent = agents[w % agents.length];
    const base = http1[w % http1.length].url;
    while (!interrupted() && performance.now() < end) {
      const c = customers[randomInt(0, customers.length)];
      const skus = [...skuIds].sort(() => Math.random() - 0.5).slice(0, randomInt(1, 4));
      const items = skus.map((skuId) => ({ skuId, quantity: randomInt(1, 4) }));
      const t0 = performance.now();
      let status: string;
      try {
        const res = await request(agent, base, 'POST', `/api/store/${SHOP}/orders`, { items, fulfilment: 'express', addressId: c.addressId }, {
          authorization: `Bearer ${c.token}`,
          'idempotency-key': randomUUID(),
        });
        status = String(res.status);
        if (res.status === 201) {
          created++;
          unitsCreated += items.reduce((a, i) => a + i.quantity, 0);
        } else if (res.status >= 300 && errors.length < 5) errors.push(`${res.status} ${res.text.slice(0, 300)}`);
      } catch (err) {
        status = 'network_error';
        if (errors.length < 5) errors.push(String(err instanceof Error ? err.message : err));
      }
      const t1 = performance.now();
      inc(totalStatus, status);
      // A request counts in the measured window when it completes inside it.
      if (t1 >= warmupEnd && t1 <= end) {
        inc(measuredStatus, status);
        if (status.startsWith('2')) {
          measured2xx++;
          measuredLatencies.push(t1 - t0);
        }
      }
    }
  };
  const marks = (async () => {
    await sleep(Math.max(0, warmupEnd - performance.now()));
    cpuAtStart = cpuSample(servers, mode);
    let last = measured2xx;
    while (performance.now() < end - 50 && !interrupted()) {
      await sleep(Math.min(5000, Math.max(0, end - performance.now())));
      const rate = (measured2xx - last) / 5;
      last = measured2xx;
      process.stdout.write(`  … ${Math.round((performance.now() - warmupEnd) / 1000)} s: ${measured2xx} checkouts (${rate.toFixed(0)}/s lately)\n`);
    }
    cpuAtEnd = cpuSample(servers, mode);
  })();
  process.stdout.write(`  load: ${params.connections} connections, ${params.warmupSeconds} s warm-up + ${params.durationSeconds} s measured\n`);
  await Promise.all([...Array.from({ length: params.connections }, (_, w) => worker(w)), marks]);
  agents.forEach((a) => a.destroy());
  return {
    measuredSeconds: params.durationSeconds,
    measured2xx,
    measuredLatencies,
    measuredStatus,
    totalStatus,
    created,
    unitsCreated,
    errors,
    cpu: cpuReport(cpuAtStart!, cpuAtEnd!, mode),
  };
}

// ---------------------------------------------------------------------------------------------------
// Correctness counters, read from the database after the load (and the servers) stopped.

async function correctness(db: Sql, load: LoadResult) {
  const [shop] = await db.query<{ id: string }>(`SELECT id FROM shops WHERE slug = $1`, [SHOP]);
  const [orders] = await db.query<{ n: number; pending: number }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'pending_payment')::int AS pending FROM orders WHERE shop_id = $1`,
    [shop.id],
  );
  const [stock] = await db.query<{ skus: number; broken: number; negative: number; oversold: number; received: number; reserved: number; sold: number; available: number }>(
    `SELECT count(*)::int AS skus,
            count(*) FILTER (WHERE received <> available + reserved + sold)::int AS broken,
            count(*) FILTER (WHERE available < 0 OR reserved < 0 OR sold < 0)::int AS negative,
            COALESCE(sum(GREATEST(reserved + sold - received, 0)), 0)::int AS oversold,
            COALESCE(sum(received), 0)::int AS received, COALESCE(sum(reserved), 0)::int AS reserved,
            COALESCE(sum(sold), 0)::int AS sold, COALESCE(sum(available), 0)::int AS available
       FROM inventory_levels WHERE shop_id = $1`,
    [shop.id],
  );
  const [pendingUnits] = await db.query<{ n: number }>(
    `SELECT COALESCE(sum(i.quantity), 0)::int AS n FROM order_items i JOIN orders o ON o.id = i.order_id
      WHERE o.shop_id = $1 AND o.status = 'pending_payment'`,
    [shop.id],
  );
  const [held] = await db.query<{ n: number }>(
    `SELECT COALESCE(sum(quantity), 0)::int AS n FROM inventory_reservations WHERE shop_id = $1 AND status = 'held'`,
    [shop.id],
  );
  const [dupKeys] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT customer_id, idempotency_key FROM orders WHERE shop_id = $1 AND idempotency_key IS NOT NULL
      GROUP BY 1, 2 HAVING count(*) > 1) d`,
    [shop.id],
  );
  return {
    ordersCreated: orders.n,
    ok2xx: Object.entries(load.totalStatus).filter(([s]) => s.startsWith('2')).reduce((a, [, n]) => a + n, 0),
    created201: load.created,
    ordersMatchResponses: orders.n === load.created,
    pendingOrders: orders.pending,
    skusChecked: stock.skus,
    stockInvariantHolds: stock.broken === 0 && stock.negative === 0,
    skusBreakingInvariant: stock.broken,
    negativeCounters: stock.negative,
    oversold: stock.oversold,
    unitsOrdered201: load.unitsCreated,
    unitsReserved: stock.reserved,
    unitsInPendingOrders: pendingUnits.n,
    unitsHeldByReservations: held.n,
    reservedMatchesPendingOrders: stock.reserved === pendingUnits.n && held.n === pendingUnits.n && pendingUnits.n === load.unitsCreated,
    duplicateIdempotencyKeys: dupKeys.n,
    stock: { received: stock.received, available: stock.available, reserved: stock.reserved, sold: stock.sold },
  };
}

// ---------------------------------------------------------------------------------------------------

async function runMode(mode: Mode) {
  const run = await bootRun(mode, 'bench-checkout', TMP, mode === 'scaled' && params.servers > 1 ? params.servers : 0);
  const { servers, topology } = run;
  console.log(`  setting up shop, product and ${params.customers} customers…`);
  const setupAgent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  const { skuIds, customers } = await setupShop(setupAgent, servers[0].url, params.customers, params.skus);
  setupAgent.destroy();

  const load = await runLoad(mode, servers, skuIds, customers);
  if (interrupted()) return;
  console.log('  stopping servers, then checking the database…');
  for (const s of servers) await s.stop();
  const db = await run.openDatabase();
  const check = await correctness(db, load).finally(() => db.close());

  const result = {
    mode,
    date: new Date().toISOString(),
    commit: await gitCommit(),
    machine: machineInfo(mode),
    params: { ...params, servers: mode === 'scaled' ? params.servers : 1, topology, itemsPerOrder: '1–3 SKUs × 1–3 units', request: `POST /api/store/${SHOP}/orders (express, unique Idempotency-Key)` },
    throughput: { checkoutsPerSecond: round(load.measured2xx / load.measuredSeconds), measuredSeconds: load.measuredSeconds, checkouts: load.measured2xx },
    latencyMs: latencySummary(load.measuredLatencies),
    statusCounts: load.measuredStatus,
    statusCountsIncludingWarmup: load.totalStatus,
    sampleErrors: load.errors,
    cpu: load.cpu,
    correctness: check,
  };
  printTable(result, writeResult(RESULTS, mode, result));
  await runCleanups();
  return result;
}

function printTable(r: any, file: string) {
  const c = r.correctness;
  const rows: [string, string][] = [
    ['mode', `${r.mode} (${r.params.topology})`],
    ['load', `${r.params.connections} connections, ${r.params.customers} customers, ${r.params.durationSeconds} s after ${r.params.warmupSeconds} s warm-up`],
    ['checkouts/s', String(r.throughput.checkoutsPerSecond)],
    ['latency p50 / p90 / p99 / max', `${r.latencyMs.p50} / ${r.latencyMs.p90} / ${r.latencyMs.p99} / ${r.latencyMs.max} ms`],
    ['status (measured window)', Object.entries(r.statusCounts).map(([k, v]) => `${k}: ${v}`).join(', ')],
    ['CPU (% of a core)', Object.entries(r.cpu).filter(([k]) => k !== 'unit').map(([k, v]) => `${k} ${v}`).join(', ')],
    ['orders created / 201 responses', `${c.ordersCreated} / ${c.created201} ${c.ordersMatchResponses ? 'ok' : 'MISMATCH'}`],
    ['stock invariant (received = available + reserved + sold)', `${c.stockInvariantHolds ? 'holds' : 'BROKEN'} on ${c.skusChecked} SKUs, oversold ${c.oversold}`],
    ['reserved / in pending orders / held / ordered', `${c.unitsReserved} / ${c.unitsInPendingOrders} / ${c.unitsHeldByReservations} / ${c.unitsOrdered201} ${c.reservedMatchesPendingOrders ? 'ok' : 'MISMATCH'}`],
  ];
  printRows(rows, file);
}

async function main() {
  console.log(`checkout benchmark: ${modes.join(' + ')} on ${os.cpus().length} CPUs, node ${process.version}`);
  for (const mode of modes) {
    if (interrupted()) break;
    await runMode(mode);
  }
}

runMain(main);
