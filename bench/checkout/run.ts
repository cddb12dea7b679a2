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
import { fileURLToPath } from 'node:url';
import { fail, parseBenchArgs, type Mode } from '../lib/args.js';
import { interrupted, runCleanups, runModes } from '../lib/cleanup.js';
import { CpuMeter, cpuPerAnswer, type CpuReport } from '../lib/cpu.js';
import type { Sql } from '../lib/database.js';
import { pool, runPhones, SHOP, signInCustomer, signInOwner } from '../lib/demo-shop.js';
import { json } from '../lib/http.js';
import { hostOf, openLanes, post } from '../lib/load.js';
import { cpuLine, gitCommit, machineInfo, printRows, writeResult } from '../lib/report.js';
import { bootRun } from '../lib/run-env.js';
import type { Server } from '../lib/server.js';
import { latencySummary, round } from '../lib/stats.js';
import { Tally, timedRun } from '../lib/window.js';

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
// Load: `connections` workers, each with one keep-alive socket opened and warmed before the window,
// placing orders back to back.

interface LoadResult {
  measuredSeconds: number;
  tally: Tally;
  created: number;
  unitsCreated: number;
  cpu: CpuReport;
}

async function runLoad(meter: CpuMeter, servers: Server[], skuIds: string[], customers: Customer[]): Promise<LoadResult> {
  const bases = servers.filter((s) => s.role !== 'worker').map((s) => s.url);
  process.stdout.write(`  opening ${params.connections} connections…\n`);
  const lanes = await openLanes(bases, params.connections);
  const tally = new Tally();
  let created = 0;
  let unitsCreated = 0;
  const auth = customers.map((c) => `authorization: Bearer ${c.token}`);
  // Every server is on 127.0.0.1; the Host header is not what routes the request.
  const host = hostOf(bases[0]);
  process.stdout.write(`  load: ${params.connections} connections, ${params.warmupSeconds} s warm-up + ${params.durationSeconds} s measured\n`);
  const run = await timedRun({
    lanes,
    loop: { kind: 'closed' },
    warmupSeconds: params.warmupSeconds,
    durationSeconds: params.durationSeconds,
    meter,
    stop: interrupted,
    next: () => {
      const c = randomInt(0, customers.length);
      const skus = [...skuIds].sort(() => Math.random() - 0.5).slice(0, randomInt(1, 4));
      const items = skus.map((skuId) => ({ skuId, quantity: randomInt(1, 4) }));
      const wire = post(host, `/api/store/${SHOP}/orders`, { items, fulfilment: 'express', addressId: customers[c].addressId }, [auth[c], `idempotency-key: ${randomUUID()}`]);
      return { items, wire, wantBody: true };
    },
    onDone: (d, inWindow) => {
      if (d.reply.status === 201) {
        created++;
        unitsCreated += d.job.items.reduce((a, i) => a + i.quantity, 0);
      } else if (d.reply.status >= 300) tally.noteError(`${d.reply.status} ${d.reply.body?.toString('utf8') ?? ''}`);
      tally.add(d, inWindow);
    },
    progress: (secs) => process.stdout.write(`  … ${Math.round(secs)} s: ${tally.ok} checkouts\n`),
  });
  lanes.forEach((l) => l.close());
  return { measuredSeconds: run.seconds, tally, created, unitsCreated, cpu: run.cpu };
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
    ok2xx: Object.entries(load.tally.statusIncludingWarmup).filter(([s]) => s.startsWith('2')).reduce((a, [, n]) => a + n, 0),
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

  const meter = new CpuMeter(servers, mode, run.databaseUrl);
  const load = await runLoad(meter, servers, skuIds, customers);
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
    throughput: { checkoutsPerSecond: round(load.tally.ok / load.measuredSeconds), answersPerSecond: round(load.tally.answers / load.measuredSeconds), measuredSeconds: load.measuredSeconds, checkouts: load.tally.ok },
    cpuMsPerAnswer: cpuPerAnswer(load.cpu, load.tally.answers, mode),
    latencyMs: latencySummary(load.tally.latencies),
    statusCounts: load.tally.status,
    statusCountsIncludingWarmup: load.tally.statusIncludingWarmup,
    sampleErrors: load.tally.sampleErrors,
    cpu: load.cpu.percentOfCore,
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
    ['CPU ms per answer', cpuLine(r.cpuMsPerAnswer)],
    ['latency p50 / p90 / p99 / max', `${r.latencyMs.p50} / ${r.latencyMs.p90} / ${r.latencyMs.p99} / ${r.latencyMs.max} ms`],
    ['status (measured window)', Object.entries(r.statusCounts).map(([k, v]) => `${k}: ${v}`).join(', ')],
    ['CPU (% of a core)', Object.entries(r.cpu).filter(([k]) => k !== 'unit').map(([k, v]) => `${k} ${v}`).join(', ')],
    ['orders created / 201 responses', `${c.ordersCreated} / ${c.created201} ${c.ordersMatchResponses ? 'ok' : 'MISMATCH'}`],
    ['stock invariant (received = available + reserved + sold)', `${c.stockInvariantHolds ? 'holds' : 'BROKEN'} on ${c.skusChecked} SKUs, oversold ${c.oversold}`],
    ['reserved / in pending orders / held / ordered', `${c.unitsReserved} / ${c.unitsInPendingOrders} / ${c.unitsHeldByReservations} / ${c.unitsOrdered201} ${c.reservedMatchesPendingOrders ? 'ok' : 'MISMATCH'}`],
  ];
  printRows(rows, file);
}

runModes('checkout', modes, runMode);
