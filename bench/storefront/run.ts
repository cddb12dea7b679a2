/**
 * Storefront read benchmark: product detail (`GET /api/store/:shop/products/:id`) and the listing
 * (`GET /api/store/:shop/products?…`) over HTTP, anonymous and signed-in shoppers mixed, at a fixed
 * offered rate (open loop: requests are due on a schedule whatever the answers do, so p99 is what a
 * shopper waits at that load) and at the most the server answers (closed loop). Optionally orders are
 * placed meanwhile, so stock moves and the cached pages must follow. Afterwards every server's answers
 * are compared with the database (through the admin API, which reads it directly).
 *
 *   npx tsx bench/storefront/run.ts [--mode embedded|scaled|both] [--scenario detail|list|both]
 *        [--loop open|closed|both] [--rate 5000] [--connections 64] [--duration 20] [--warmup 5]
 *        [--products 200] [--customers 100] [--signed-in 50] [--servers 1] [--orders 0] [--out DIR]
 *
 * Writes bench/storefront/results/<mode>.json. See bench/storefront/README.md for reading the numbers.
 */
import { randomInt, randomUUID } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail, parseBenchArgs, type Mode } from '../lib/args.js';
import { interrupted, runCleanups, runModes } from '../lib/cleanup.js';
import { CpuMeter, cpuPerAnswer } from '../lib/cpu.js';
import { pool, runPhones, SHOP, signInCustomer, signInOwner } from '../lib/demo-shop.js';
import { json, sleep } from '../lib/http.js';
import { drive, get, hostOf, openLanes, post, type Done, type Job, type Lane, type Loop } from '../lib/load.js';
import { cpuLine, gitCommit, machineInfo, printRows, writeResult } from '../lib/report.js';
import { bootRun } from '../lib/run-env.js';
import type { Server } from '../lib/server.js';
import { latencySummary, percentile, round } from '../lib/stats.js';
import { Tally, timedRun } from '../lib/window.js';

const args = parseBenchArgs(
  path.dirname(fileURLToPath(import.meta.url)),
  { rate: 5000, connections: 64, duration: 20, products: 200, customers: 100, servers: 1 },
  { scenario: 'both', loop: 'both', warmup: '5', 'signed-in': '50', orders: '0' },
);
const params = {
  rate: args.ints.rate,
  connections: args.ints.connections,
  products: args.ints.products,
  customers: args.ints.customers,
  /** Scaled mode only: more than 1 runs that many `serve` processes plus one `worker`. */
  servers: args.ints.servers,
  durationSeconds: args.ints.duration,
  warmupSeconds: Number(args.strings.warmup),
  /** Per cent of requests that carry a signed-in customer's token. */
  signedInPercent: Number(args.strings['signed-in']),
  /** Orders placed per second meanwhile (0: reads only). */
  ordersPerSecond: Number(args.strings.orders),
};
const scenarios = pick(args.strings.scenario, ['detail', 'list'] as const, 'scenario');
const loops = pick(args.strings.loop, ['open', 'closed'] as const, 'loop');
if (!(params.signedInPercent >= 0 && params.signedInPercent <= 100)) fail('--signed-in must be a per cent, 0 to 100');
if (!(params.ordersPerSecond >= 0)) fail('--orders must be 0 or more orders per second');
if (!(params.warmupSeconds >= 0)) fail('--warmup must be 0 or more seconds');
const { modes, results: RESULTS, tmp: TMP } = args;

/** The aim: product detail answered within 10 ms at the 99th percentile while 5,000 requests/s arrive. */
const AIM = { scenario: 'detail', rate: 5000, p99Ms: 10 };
const CATEGORIES = 5;
const PAGE_SIZE = 20;

function pick<T extends string>(v: string, all: readonly T[], name: string): T[] {
  if (v === 'both') return [...all];
  if ((all as readonly string[]).includes(v)) return [v as T];
  return fail(`--${name} must be ${all.join(', ')} or both (got ${v})`);
}

// ---------------------------------------------------------------------------------------------------
// Setup over the HTTP API: categories, products on sale, signed-in customers with an address.

interface Shop {
  productIds: string[];
  skuIds: string[];
  categoryIds: string[];
  customers: { token: string; addressId: string }[];
  admin: Record<string, string>;
}

async function setupShop(agent: http.Agent, base: string): Promise<Shop> {
  const admin = await signInOwner(agent, base);
  const categoryIds: string[] = [];
  for (let i = 0; i < CATEGORIES; i++) categoryIds.push((await json(agent, base, 'POST', '/api/admin/categories', { name: `压测分类${i + 1}` }, admin)).id);
  // A product page of the usual size: three colours × two sizes, a paragraph of description, five images.
  const description = '精选面料,亲肤透气,日常通勤与周末出游皆宜。'.repeat(12);
  const made = await pool(params.products, 8, (i) =>
    json(agent, base, 'POST', '/api/admin/products', {
      title: `压测商品 ${i + 1} 号`,
      subtitle: '限时包邮 · 七天无理由',
      description,
      status: 'on_sale',
      categoryId: categoryIds[i % CATEGORIES],
      images: Array.from({ length: 5 }, (_, k) => `/media/img/bench/${i}-${k}.jpg`),
      specAttributes: [{ name: '颜色', values: ['白', '黑', '灰'] }, { name: '尺码', values: ['M', 'L'] }],
      weightGrams: 300,
      skus: ['白', '黑', '灰'].flatMap((c, ci) => ['M', 'L'].map((s) => ({ specValues: { 颜色: c, 尺码: s }, price: 4_900 + i * 10 + ci * 100, marketPrice: 9_900, stock: 1_000_000 }))),
    }, admin),
  );
  const phones = runPhones(params.customers);
  const customers = await pool(params.customers, 10, async (i) => {
    const token = await signInCustomer(agent, base, phones[i]);
    const address = await json(agent, base, 'POST', `/api/store/${SHOP}/me/addresses`, {
      contactName: '张三', phone: phones[i], province: '广东省', city: '深圳市', district: '南山区', detail: `科技园 ${i} 号`, isDefault: true,
    }, { authorization: `Bearer ${token}` });
    return { token, addressId: address.id as string };
  });
  return { productIds: made.map((p) => p.id), skuIds: made.flatMap((p) => p.skus.map((s: { id: string }) => s.id)), categoryIds, customers, admin };
}

// ---------------------------------------------------------------------------------------------------
// Requests: prepared once, picked at random during the run (no per-request building).

interface Read extends Job {
  signedIn: boolean;
  /** What the answer must be about: the product id (detail) or the page asked for (list). */
  expect: string;
}

function readRequests(shop: Shop, host: string, scenario: 'detail' | 'list'): Read[] {
  const auth = shop.customers.map((c) => `authorization: Bearer ${c.token}`);
  const paths: { path: string; expect: string }[] = [];
  if (scenario === 'detail') {
    for (const id of shop.productIds) paths.push({ path: `/api/store/${SHOP}/products/${id}`, expect: id });
  } else {
    // The pages a shopper pages through: newest, cheapest, best-selling, and by category.
    const pages = Math.max(1, Math.min(5, Math.ceil(shop.productIds.length / PAGE_SIZE)));
    for (const sort of ['-created', 'price', '-sales']) for (let p = 1; p <= pages; p++) paths.push({ path: `/api/store/${SHOP}/products?sort=${sort}&page=${p}&pageSize=${PAGE_SIZE}`, expect: `page ${p}` });
    for (const c of shop.categoryIds) paths.push({ path: `/api/store/${SHOP}/products?categoryId=${c}&page=1&pageSize=${PAGE_SIZE}`, expect: 'page 1' });
  }
  // A fixed mix, 8,192 requests long, in random order.
  return Array.from({ length: 8192 }, () => {
    const p = paths[randomInt(0, paths.length)];
    const signedIn = shop.customers.length > 0 && randomInt(0, 100) < params.signedInPercent;
    return { wire: get(host, p.path, signedIn ? [auth[randomInt(0, auth.length)]] : []), signedIn, expect: p.expect };
  });
}

/** Every 64th answer is read: the product or page it says it is, not an error in a 200. */
function answerMatches(scenario: 'detail' | 'list', r: Read, body: Buffer): boolean {
  try {
    const b = JSON.parse(body.toString('utf8'));
    if (scenario === 'detail') return b.id === r.expect && Array.isArray(b.skus) && b.skus.length > 0;
    return Array.isArray(b.items) && `page ${b.page}` === r.expect && b.items.length > 0;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// One measured run: a scenario in one loop.

interface Orders {
  stop(): Promise<{ placed: number; statusCounts: Record<string, number>; latencyMs: ReturnType<typeof latencySummary>; sampleErrors: string[] }>;
}

/** Orders at `rate` per second on their own connections, for as long as a run lasts. */
async function placeOrders(bases: string[], shop: Shop, rate: number): Promise<Orders> {
  const host = hostOf(bases[0]);
  const lanes = await openLanes(bases, Math.max(2, Math.ceil(rate / 10)));
  let stopped = false;
  const tally = new Tally();
  const driving = drive(
    lanes,
    { kind: 'open', rate },
    () => {
      const c = shop.customers[randomInt(0, shop.customers.length)];
      const items = [{ skuId: shop.skuIds[randomInt(0, shop.skuIds.length)], quantity: randomInt(1, 3) }];
      return { wire: post(host, `/api/store/${SHOP}/orders`, { items, fulfilment: 'express', addressId: c.addressId }, [`authorization: Bearer ${c.token}`, `idempotency-key: ${randomUUID()}`]), wantBody: true };
    },
    (d) => {
      if (d.reply.status !== 201) tally.noteError(`${d.reply.status} ${d.reply.body?.toString('utf8') ?? d.reply.error ?? ''}`);
      tally.add(d, true, (s) => s === 201);
    },
    () => stopped,
  );
  return {
    async stop() {
      stopped = true;
      await driving;
      lanes.forEach((l) => l.close());
      return { placed: tally.ok, statusCounts: tally.status, latencyMs: latencySummary(tally.latencies), sampleErrors: tally.sampleErrors.filter((e) => !e.startsWith('201')) };
    },
  };
}

async function measure(meter: CpuMeter, bases: string[], shop: Shop, scenario: 'detail' | 'list', loopKind: 'open' | 'closed', mode: Mode) {
  const host = hostOf(bases[0]);
  const requests = readRequests(shop, host, scenario);
  // The open loop climbs to its rate during the warm-up: the window then starts at full rate on a warm server.
  const loop: Loop = loopKind === 'open' ? { kind: 'open', rate: params.rate, rampSeconds: params.warmupSeconds } : { kind: 'closed' };
  const label = loopKind === 'open' ? `${params.rate} requests/s offered` : 'as fast as answered';
  console.log(`  ${scenario}, ${label}: opening ${params.connections} connections…`);
  // Each connection is warmed with a request of the scenario (which also fills the server's cache).
  const lanes: Lane[] = await openLanes(bases, params.connections, () => requests[randomInt(0, requests.length)].wire);
  const orders = params.ordersPerSecond > 0 ? await placeOrders(bases, shop, params.ordersPerSecond) : null;
  const all = new Tally();
  const byCustomer = { anonymous: new Tally(), signedIn: new Tally() };
  const sendDelays: number[] = [];
  let checked = 0;
  let wrong = 0;
  const run = await timedRun({
    lanes,
    loop,
    warmupSeconds: params.warmupSeconds,
    durationSeconds: params.durationSeconds,
    meter,
    stop: interrupted,
    next: (i) => {
      const r = requests[i & 8191];
      // Every 64th answer is read whole; the rest only for their status (as a browser would, minus parsing).
      return (i & 63) === 0 ? { ...r, wantBody: true } : r;
    },
    onDone: (d: Done<Read>, inWindow) => {
      all.add(d, inWindow, (s) => s === 200);
      (d.job.signedIn ? byCustomer.signedIn : byCustomer.anonymous).add(d, inWindow, (s) => s === 200);
      if (inWindow && loopKind === 'open') sendDelays.push(d.sentAt - d.t0);
      if (d.reply.body && d.reply.status !== 200) all.noteError(`${d.reply.status} ${d.reply.body.toString('utf8')}`);
      else if (d.reply.body) {
        checked++;
        if (!answerMatches(scenario, d.job, d.reply.body)) wrong++;
      }
    },
    progress: (secs) => process.stdout.write(`  … ${Math.round(secs)} s: ${all.answers} answers\n`),
  });
  const placed = orders ? await orders.stop() : null;
  lanes.forEach((l) => l.close());
  const reconnects = lanes.reduce((a, l) => a + l.reconnects(), 0);
  const delays = sendDelays.sort((a, b) => a - b);
  return {
    scenario,
    loop: loopKind,
    request: scenario === 'detail' ? `GET /api/store/${SHOP}/products/:id (${shop.productIds.length} products, uniformly)` : `GET /api/store/${SHOP}/products?sort=…&page=…&pageSize=${PAGE_SIZE} and by category`,
    ...(loopKind === 'open' ? { offeredPerSecond: params.rate } : {}),
    throughput: { answersPerSecond: round(all.answers / run.seconds), ok200PerSecond: round(all.ok / run.seconds), measuredSeconds: run.seconds, answers: all.answers },
    cpuMsPerAnswer: cpuPerAnswer(run.cpu, all.answers, mode),
    latencyMs: {
      all: latencySummary(all.allLatencies),
      ok200: latencySummary(all.latencies),
      anonymous: latencySummary(byCustomer.anonymous.allLatencies),
      signedIn: latencySummary(byCustomer.signedIn.allLatencies),
    },
    ...(loopKind === 'open'
      ? {
          loadGenerator: {
            note: 'open loop: latency counts from when a request was due; these are how late the generator wrote them (waiting for a timer tick or a free connection)',
            sendDelayMs: { p50: round(percentile(delays, 50), 2), p99: round(percentile(delays, 99), 2), max: round(delays.at(-1) ?? 0, 2) },
            longestLineOfDueRequests: run.maxQueue,
          },
        }
      : {}),
    statusCounts: all.status,
    statusCountsIncludingWarmup: all.statusIncludingWarmup,
    sampleErrors: all.sampleErrors,
    cpu: run.cpu.percentOfCore,
    connections: { count: params.connections, reconnects },
    answersRead: { checked, wrong },
    ...(placed ? { ordersMeanwhile: placed } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// Correctness: what each server answers now = what the database holds (admin API, never cached).

async function agreesWithDatabase(agent: http.Agent, bases: string[], shop: Shop) {
  const sample = shop.productIds.filter((_, i) => i % Math.max(1, Math.floor(shop.productIds.length / 20)) === 0);
  let compared = 0;
  const mismatches: string[] = [];
  for (const id of sample) {
    const truth = await json(agent, bases[0], 'GET', `/api/admin/products/${id}`, undefined, shop.admin);
    const want = JSON.stringify({ title: truth.title, minPrice: truth.minPrice, salesCount: truth.salesCount, skus: truth.skus.map((s: any) => [s.id, s.price, s.stock.available]) });
    for (const base of bases) {
      const seen = await json(agent, base, 'GET', `/api/store/${SHOP}/products/${id}`);
      const got = JSON.stringify({ title: seen.title, minPrice: seen.minPrice, salesCount: seen.salesCount, skus: seen.skus.map((s: any) => [s.id, s.price, s.available]) });
      compared++;
      if (got !== want && mismatches.length < 5) mismatches.push(`${base} ${id}: ${got} ≠ ${want}`);
    }
  }
  return { productsCompared: sample.length, answersCompared: compared, matches: mismatches.length === 0, mismatches };
}

// ---------------------------------------------------------------------------------------------------

async function runMode(mode: Mode) {
  const run = await bootRun(mode, 'bench-storefront', TMP, mode === 'scaled' && params.servers > 1 ? params.servers : 0);
  const { servers, topology } = run;
  const bases = servers.filter((s) => s.role !== 'worker').map((s) => s.url);
  console.log(`  setting up ${params.products} products and ${params.customers} customers…`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  const shop = await setupShop(agent, bases[0]);
  const meter = new CpuMeter(servers, mode, run.databaseUrl);
  // Sign-ups and products leave outbox events: let the worker finish them before measuring.
  await meter.waitForQuiet();

  const runs = [];
  for (const scenario of scenarios) {
    for (const loop of loops) {
      if (interrupted()) return;
      runs.push(await measure(meter, bases, shop, scenario, loop, mode));
    }
  }
  // Orders placed meanwhile moved stock: every cache must have followed within a second.
  await sleep(1_000);
  const consistency = await agreesWithDatabase(agent, bases, shop);
  agent.destroy();
  const warnings = servers.flatMap((s) => s.warnings.map((l) => `${s.role}: ${l}`)).slice(0, 20);
  for (const s of servers) await s.stop();

  const aimRun = runs.find((r) => r.scenario === AIM.scenario && r.loop === 'open');
  const result = {
    mode,
    date: new Date().toISOString(),
    commit: await gitCommit(),
    machine: machineInfo(mode),
    params: { ...params, servers: mode === 'scaled' ? params.servers : 1, topology, scenarios, loops },
    aim: {
      ...AIM,
      note: 'product detail p99 < 10 ms at 5,000 requests/s offered',
      ...(aimRun && aimRun.offeredPerSecond === AIM.rate ? { p99Ms: aimRun.latencyMs.all.p99, met: aimRun.latencyMs.all.p99 < AIM.p99Ms && (aimRun.statusCounts['200'] ?? 0) === aimRun.throughput.answers } : { met: null, why: `no open-loop detail run at ${AIM.rate}/s in these parameters` }),
    },
    runs,
    correctness: {
      every200: runs.every((r) => Object.keys(r.statusCountsIncludingWarmup).every((k) => k === '200')),
      answersRead: runs.reduce((a, r) => a + r.answersRead.checked, 0),
      answersWrong: runs.reduce((a, r) => a + r.answersRead.wrong, 0),
      serversAgreeWithDatabase: consistency,
    },
    serverWarnings: warnings,
  };
  printSummary(result, writeResult(RESULTS, mode, result));
  await runCleanups();
  return result;
}

function printSummary(r: any, file: string) {
  const lat = (l: { p50: number; p90: number; p99: number; max: number }) => `${l.p50} / ${l.p90} / ${l.p99} / ${l.max} ms`;
  const rows: [string, string][] = [
    ['mode', `${r.mode} (${r.params.topology})`],
    ['shop', `${r.params.products} products, ${r.params.customers} customers, ${r.params.signedInPercent} % of requests signed in, ${r.params.ordersPerSecond} orders/s meanwhile`],
  ];
  for (const x of r.runs) {
    const name = `${x.scenario}, ${x.loop === 'open' ? `${x.offeredPerSecond}/s offered` : 'closed loop'}`;
    rows.push([name, `${x.throughput.answersPerSecond} answers/s over ${x.throughput.measuredSeconds} s, ${Object.entries(x.statusCounts).map(([k, v]) => `${k}: ${v}`).join(', ')}`]);
    rows.push(['  CPU ms per answer', cpuLine(x.cpuMsPerAnswer)]);
    rows.push(['  latency p50 / p90 / p99 / max', lat(x.latencyMs.all)]);
    if (x.loadGenerator) rows.push(['  generator late by p99 / max', `${x.loadGenerator.sendDelayMs.p99} / ${x.loadGenerator.sendDelayMs.max} ms (line of due requests ≤ ${x.loadGenerator.longestLineOfDueRequests})`]);
    rows.push(['  CPU (% of a core)', Object.entries(x.cpu).filter(([k]) => k !== 'machineCapacity').map(([k, v]) => `${k} ${v}`).join(', ')]);
    if (x.ordersMeanwhile) rows.push(['  orders meanwhile', `${x.ordersMeanwhile.placed} placed, ${Object.entries(x.ordersMeanwhile.statusCounts).map(([k, v]) => `${k}: ${v}`).join(', ')}`]);
  }
  const c = r.correctness;
  rows.push(['aim (detail p99 < 10 ms at 5,000/s)', r.aim.met === null ? r.aim.why : `${r.aim.met ? 'met' : 'NOT met'} (p99 ${r.aim.p99Ms} ms)`]);
  rows.push(['every answer 200', c.every200 ? 'yes' : 'NO']);
  rows.push(['answers read whole / wrong', `${c.answersRead} / ${c.answersWrong} ${c.answersWrong === 0 ? 'ok' : 'WRONG'}`]);
  rows.push(['servers agree with the database', `${c.serversAgreeWithDatabase.answersCompared} answers ${c.serversAgreeWithDatabase.matches ? 'ok' : 'MISMATCH'}`]);
  if (r.serverWarnings.length) rows.push(['server warnings', `${r.serverWarnings.length} (see serverWarnings in the JSON)`]);
  printRows(rows, file);
}

runModes('storefront', modes, runMode);
