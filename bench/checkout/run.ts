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
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

type Mode = 'embedded' | 'scaled';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const TMP = path.join(HERE, 'tmp');
const ADMIN_PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SHOP = 'demo';
const OWNER = { login: 'owner@demo', password: 'siyu-demo-123' };

const { values: argv } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    customers: { type: 'string', default: '50' },
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '5' },
    servers: { type: 'string', default: '1' },
    skus: { type: 'string', default: '4' },
    out: { type: 'string', default: path.join(path.dirname(fileURLToPath(import.meta.url)), 'results') },
  },
});
const params = {
  customers: positiveInt('customers', argv.customers!),
  durationSeconds: positiveInt('duration', argv.duration!),
  connections: positiveInt('connections', argv.connections!),
  warmupSeconds: Number(argv.warmup),
  /** Scaled mode only: more than 1 runs that many `serve` processes plus one `worker`. */
  servers: positiveInt('servers', argv.servers!),
  /** SKUs of the one product; few SKUs means every checkout competes for the same stock rows. */
  skus: positiveInt('skus', argv.skus!),
};
// One spec attribute holds at most 50 values (catalog contract).
if (params.skus > 50) fail('--skus must be at most 50');
/** Where <mode>.json goes; point it elsewhere (e.g. tmp/) for experiments that should not be committed. */
const RESULTS = path.resolve(argv.out!);
const modes: Mode[] = argv.mode === 'both' ? ['embedded', 'scaled'] : argv.mode === 'embedded' || argv.mode === 'scaled' ? [argv.mode] : fail(`--mode must be embedded, scaled or both (got ${argv.mode})`);

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer (got ${v})`);
  return n;
}
function fail(msg: string): never {
  console.error(msg);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------------
// Cleanup: child processes and the temp database go away on success, on error and on Ctrl-C.

const cleanups: (() => Promise<void>)[] = [];
let interrupted = false;
async function runCleanups() {
  while (cleanups.length) {
    const fn = cleanups.pop()!;
    await fn().catch((err) => console.error('cleanup failed:', err instanceof Error ? err.message : err));
  }
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${sig}: stopping servers and cleaning up…`);
    void runCleanups().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------------
// HTTP: node:http with keep-alive, so the load generator spends as little CPU per request as it can
// (both share the same 2 cores with the server).

interface Res {
  status: number;
  text: string;
  headers: http.IncomingHttpHeaders;
}

function request(agent: http.Agent, base: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const url = new URL(p, base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: { 'accept-language': 'en', ...(payload ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}), ...headers },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out after 30 s')));
    req.on('error', reject);
    req.end(payload);
  });
}

async function json(agent: http.Agent, base: string, method: string, p: string, body?: unknown, headers?: Record<string, string>, expect: number[] = [200, 201]) {
  const res = await request(agent, base, method, p, body, headers);
  if (!expect.includes(res.status)) throw new Error(`${method} ${p} answered ${res.status}: ${res.text.slice(0, 500)}`);
  return res.text ? JSON.parse(res.text) : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Server processes

interface Server {
  role: string;
  url: string;
  child: ChildProcess;
  output: string[];
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startServer(role: 'all' | 'serve' | 'worker', env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  // `node --import tsx` keeps the server in one process, so signals reach it directly.
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts', role], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  const exitedP = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => {
      // Still there after the grace period: take the whole process group down.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 25_000);
    await exitedP;
    clearTimeout(t);
  };
  const server: Server = { role, url: `http://127.0.0.1:${port}`, child, output, stop };
  cleanups.push(stop);
  if (role === 'worker') return server;
  const agent = new http.Agent({ keepAlive: false });
  const until = Date.now() + 180_000;
  for (;;) {
    if (exited) throw new Error(`server (${role}) exited with code ${child.exitCode} before it was ready:\n  ${output.slice(-30).join('\n  ')}`);
    // /readyz turns green at listen, before the demo shop is seeded; the banner comes after seeding.
    const ok = await request(agent, server.url, 'GET', '/readyz').then((r) => r.status === 200, () => false);
    if (ok && (env.SEED_DEMO !== 'true' || output.some((l) => l.includes('Siyu is running')))) return server;
    if (Date.now() > until) throw new Error(`server (${role}) not ready after 180 s:\n  ${output.slice(-30).join('\n  ')}`);
    await sleep(300);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------
// Database access for the correctness counters, the same SQL on both run modes.

interface Sql {
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

async function openPostgres(url: string): Promise<Sql> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return { query: async (t, p) => (await c.query(t, p as unknown[])).rows, close: () => c.end() };
}

/** PGlite allows one process per data directory: only open it after the server has stopped. */
async function openPglite(dataDir: string): Promise<Sql> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(path.join(dataDir, 'pglite'));
  return { query: async (t, p) => (await db.query(t, p as unknown[])).rows as never[], close: () => db.close() };
}

// ---------------------------------------------------------------------------------------------------
// CPU accounting: who used the 2 cores during the measured window.

const CLK_TCK = 100;
function procTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return 0;
  }
}
function ticksOf(comm: string): number {
  let sum = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === comm) sum += procTicks(Number(d));
    } catch {
      /* process ended */
    }
  }
  return sum;
}
function machineTicks() {
  const [, ...f] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = f.map(Number);
  const idle = n[3] + n[4];
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
interface CpuSample {
  at: number;
  loadgen: NodeJS.CpuUsage;
  servers: number;
  postgres: number;
  redis: number;
  machine: { busy: number; total: number };
}
function cpuSample(servers: Server[], mode: Mode): CpuSample {
  return {
    at: performance.now(),
    loadgen: process.cpuUsage(),
    servers: servers.reduce((a, s) => a + procTicks(s.child.pid!), 0),
    postgres: mode === 'scaled' ? ticksOf('postgres') : 0,
    redis: mode === 'scaled' ? ticksOf('redis-server') : 0,
    machine: machineTicks(),
  };
}
/** Per cent of one core, averaged over the window (200 = both cores busy). */
function cpuReport(a: CpuSample, b: CpuSample, mode: Mode) {
  const secs = (b.at - a.at) / 1000;
  const pct = (ticks: number) => round((ticks / CLK_TCK / secs) * 100, 0);
  const lg = b.loadgen.user + b.loadgen.system - (a.loadgen.user + a.loadgen.system);
  const cores = os.cpus().length;
  const machineBusy = ((b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total)) * 100 * cores;
  const ours = (b.servers - a.servers + b.postgres - a.postgres + b.redis - a.redis) / CLK_TCK / secs * 100 + (lg / 1e6 / secs) * 100;
  return {
    unit: '% of one core (100 per fully used core)',
    server: pct(b.servers - a.servers),
    loadGenerator: round((lg / 1e6 / secs) * 100, 0),
    ...(mode === 'scaled' ? { postgresAllClients: pct(b.postgres - a.postgres), redis: pct(b.redis - a.redis) } : {}),
    machineBusy: round(machineBusy, 0),
    /** Whatever else ran on the machine meanwhile (other people's tests, the OS): noise in the figures. */
    otherProcesses: round(Math.max(0, machineBusy - ours), 0),
    machineCapacity: cores * 100,
  };
}

// ---------------------------------------------------------------------------------------------------
// Setup over the HTTP API: shipping template, product, customers with addresses.

interface Customer {
  token: string;
  addressId: string;
}

async function setupShop(agent: http.Agent, base: string, customerCount: number, skuCount: number) {
  const signIn = await request(agent, base, 'POST', '/api/admin/auth/sign-in', OWNER);
  if (signIn.status !== 200) throw new Error(`owner sign-in answered ${signIn.status}: ${signIn.text}`);
  const cookie = (signIn.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
  const admin = { cookie, 'x-csrf-token': JSON.parse(signIn.text).csrfToken as string };

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

  // Phones unique per run, so SMS limits kept in a shared Redis never collide with an earlier run.
  const prefix = `139${String(randomInt(0, 10_000)).padStart(4, '0')}`;
  const customers: Customer[] = [];
  const one = async (i: number) => {
    const phone = prefix + String(i).padStart(4, '0');
    await json(agent, base, 'POST', `/api/store/${SHOP}/auth/sms-code`, { phone, purpose: 'sign_in' });
    const inbox = await json(agent, base, 'GET', `/sandbox/sms/messages?phone=${phone}`);
    const messages = Array.isArray(inbox) ? inbox : inbox.items ?? inbox.messages;
    const text: string = messages[0].text ?? messages[0].content;
    const code = /(\d{6})/.exec(text)![1];
    const session = await json(agent, base, 'POST', `/api/store/${SHOP}/auth/sign-in/sms`, { phone, code });
    const auth = { authorization: `Bearer ${session.token}` };
    const address = await json(agent, base, 'POST', `/api/store/${SHOP}/me/addresses`, {
      contactName: '张三', phone, province: '广东省', city: '深圳市', district: '南山区', detail: `科技园 ${i} 号`, isDefault: true,
    }, auth);
    customers.push({ token: session.token, addressId: address.id });
  };
  for (let i = 0; i < customerCount; i += 10) {
    await Promise.all(Array.from({ length: Math.min(10, customerCount - i) }, (_, k) => one(i + k)));
  }
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
    while (!interrupted && performance.now() < end) {
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
    while (performance.now() < end - 50 && !interrupted) {
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

function percentile(sorted: number[], p: number) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
function round(n: number, digits = 1) {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

async function gitCommit(): Promise<string | null> {
  // Read-only: the HEAD file, no git command.
  try {
    const head = fs.readFileSync(path.join(ROOT, '.git/HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice(5);
    const loose = path.join(ROOT, '.git', ref);
    if (fs.existsSync(loose)) return fs.readFileSync(loose, 'utf8').trim();
    const packed = fs.readFileSync(path.join(ROOT, '.git/packed-refs'), 'utf8').split('\n').find((l) => l.endsWith(' ' + ref));
    return packed?.split(' ')[0] ?? null;
  } catch {
    return null;
  }
}

async function runMode(mode: Mode) {
  const stamp = new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 14);
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    SESSION_SECRET: 'bench-checkout-session-secret-not-for-real-use',
    SEED_DEMO: 'true',
    LOG_LEVEL: 'warn',
    SANDBOX: 'true',
    SMS_IP_HOURLY_LIMIT: '100000',
    SMS_DAILY_LIMIT: '1000',
  };
  let dataDir: string | undefined;
  let dbName: string | undefined;
  console.log(`\n=== ${mode} ===`);
  if (mode === 'embedded') {
    dataDir = path.join(TMP, `embedded-${stamp}`);
    fs.mkdirSync(dataDir, { recursive: true });
    env.DATA_DIR = dataDir;
    cleanups.push(async () => fs.rmSync(dataDir!, { recursive: true, force: true }));
  } else {
    dbName = `bench_checkout_${stamp}_${randomInt(0, 1000)}`;
    const admin = await openPostgres(ADMIN_PG);
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.close();
    cleanups.push(async () => {
      const a = await openPostgres(ADMIN_PG);
      await a.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await a.close();
    });
    const u = new URL(ADMIN_PG);
    u.pathname = `/${dbName}`;
    env.DATABASE_URL = u.toString();
    env.REDIS_URL = REDIS_URL;
    // Media (none uploaded here) would otherwise land in ./data of the repo.
    dataDir = path.join(TMP, `scaled-${stamp}`);
    env.DATA_DIR = dataDir;
    cleanups.push(async () => fs.rmSync(dataDir!, { recursive: true, force: true }));
  }

  const topology = mode === 'scaled' && params.servers > 1 ? `${params.servers} × serve + 1 × worker` : '1 × all (HTTP + worker)';
  console.log(`  starting server (${topology})…`);
  const t0 = performance.now();
  const servers: Server[] = [];
  if (topology.startsWith('1 × all')) servers.push(await startServer('all', env));
  else {
    // The first one seeds the demo shop; the others start once it exists.
    servers.push(await startServer('serve', env));
    for (let i = 1; i < params.servers; i++) servers.push(await startServer('serve', { ...env, SEED_DEMO: 'false' }));
    servers.push(await startServer('worker', { ...env, SEED_DEMO: 'false' }));
  }
  console.log(`  ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; setting up shop, product and ${params.customers} customers…`);
  const setupAgent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  const { skuIds, customers } = await setupShop(setupAgent, servers[0].url, params.customers, params.skus);
  setupAgent.destroy();

  const load = await runLoad(mode, servers, skuIds, customers);
  if (interrupted) return;
  console.log('  stopping servers, then checking the database…');
  for (const s of servers) await s.stop();
  const db = mode === 'embedded' ? await openPglite(dataDir!) : await openPostgres(env.DATABASE_URL);
  const check = await correctness(db, load).finally(() => db.close());

  const lat = [...load.measuredLatencies].sort((a, b) => a - b);
  const result = {
    mode,
    date: new Date().toISOString(),
    commit: await gitCommit(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      note: 'load generator, server(s)' + (mode === 'scaled' ? ', PostgreSQL and Redis' : '') + ' all share these cores',
    },
    params: { ...params, servers: mode === 'scaled' ? params.servers : 1, topology, itemsPerOrder: '1–3 SKUs × 1–3 units', request: `POST /api/store/${SHOP}/orders (express, unique Idempotency-Key)` },
    throughput: { checkoutsPerSecond: round(load.measured2xx / load.measuredSeconds), measuredSeconds: load.measuredSeconds, checkouts: load.measured2xx },
    latencyMs: { p50: round(percentile(lat, 50)), p90: round(percentile(lat, 90)), p99: round(percentile(lat, 99)), max: round(lat.at(-1) ?? 0), mean: round(lat.reduce((a, b) => a + b, 0) / (lat.length || 1)) },
    statusCounts: load.measuredStatus,
    statusCountsIncludingWarmup: load.totalStatus,
    sampleErrors: load.errors,
    cpu: load.cpu,
    correctness: check,
  };
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(path.join(RESULTS, `${mode}.json`), JSON.stringify(result, null, 2) + '\n');
  printTable(result);
  await runCleanups();
  return result;
}

function printTable(r: any) {
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
  const w = Math.max(...rows.map(([k]) => k.length));
  console.log('');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
  console.log(`  → ${path.relative(ROOT, path.join(RESULTS, `${r.mode}.json`))}`);
}

async function main() {
  console.log(`checkout benchmark: ${modes.join(' + ')} on ${os.cpus().length} CPUs, node ${process.version}`);
  for (const mode of modes) {
    if (interrupted) break;
    await runMode(mode);
  }
}

main()
  .then(() => runCleanups())
  .catch(async (err) => {
    console.error('\nbenchmark failed:', err instanceof Error ? err.message : err);
    await runCleanups();
    process.exit(1);
  });
