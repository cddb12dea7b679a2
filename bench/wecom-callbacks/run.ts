/**
 * WeCom callback benchmark (企业微信回调, issue 16): a burst of N `add_external_contact` events — customers
 * scanning a channel code — POSTed to the server's callback URL encrypted as WeCom sends them, with a share
 * sent twice as WeCom's retries are; how fast each is acknowledged (WeCom waits 5 s, then retries), then,
 * once the `wecom.callback` jobs have worked everything, whether every customer got their relation and
 * exactly one welcome message, and how many welcomes made the welcome code's 20 s.
 *
 *   npx tsx bench/wecom-callbacks/run.ts [--mode embedded|scaled|both] [--customers 10000] [--concurrency 200]
 *        [--sim-concurrency 4] [--scan pipelined|ahead] [--retries 10] [--poll 2] [--stall 180] [--timeout 3600] [--out DIR]
 *
 * Writes bench/wecom-callbacks/results/<mode>.json. See bench/wecom-callbacks/README.md.
 */
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sealCallback } from '../../apps/server/src/modules/wecom/client/crypto.js';
import { fail, parseBenchArgs, type Mode } from '../lib/args.js';
import { interrupted, runCleanups, runModes } from '../lib/cleanup.js';
import { CpuMeter, type CpuReport } from '../lib/cpu.js';
import type { Sql } from '../lib/database.js';
import { SHOP, signInOwner } from '../lib/demo-shop.js';
import { json, sleep } from '../lib/http.js';
import { Connection, get, hostOf, post } from '../lib/load.js';
import { gitCommit, machineInfo, printRows, writeResult } from '../lib/report.js';
import { prepareRun, type RunEnv } from '../lib/run-env.js';
import { freePort, startServer, type Server } from '../lib/server.js';
import { latencySummary, percentile, round } from '../lib/stats.js';

const args = parseBenchArgs(
  path.dirname(fileURLToPath(import.meta.url)),
  { customers: 10_000, concurrency: 200, 'sim-concurrency': 4, poll: 2, stall: 180, timeout: 3600 },
  { retries: '10', scan: 'pipelined' },
);
const { modes, results: RESULTS, tmp: TMP } = args;
const retriesPercent = Number(args.strings.retries);
if (!['pipelined', 'ahead'].includes(args.strings.scan)) fail(`--scan must be pipelined or ahead (got ${args.strings.scan})`);
if (!Number.isInteger(retriesPercent) || retriesPercent < 0 || retriesPercent > 100) fail(`--retries must be a whole percentage 0..100 (got ${args.strings.retries})`);
const params = {
  customers: args.ints.customers,
  /** Customers in flight at once, each walking: sim customer → sim scan → callback POST(s). */
  concurrency: args.ints.concurrency,
  /**
   * Sim calls (customer, scan) the bench has in flight. The sim shares one process (and one PGlite) between
   * them and the server's send_welcome_msg: a long line there makes welcomes late for the sim's sake.
   */
  simConcurrency: args.ints['sim-concurrency'],
  /** pipelined: each customer scans right before their callback; ahead: all scan first, then the callbacks (see burst). */
  scan: args.strings.scan as 'pipelined' | 'ahead',
  /** % of the callbacks also POSTed a second time, at the same moment as the first, as WeCom's retry of an event whose first attempt it gave up on. */
  retriesPercent,
  pollSeconds: args.ints.poll,
  /** Give up waiting for the queue when nothing moved for this long (what is left undone then counts as lost). */
  stallSeconds: args.ints.stall,
  timeoutSeconds: args.ints.timeout,
};

const AIM = { customers: 10_000, ackWithinMs: 5_000, lost: 0, doubleWelcomed: 0 };
/** WeCom's limits: it waits 5 s for an answer, then retries; a welcome code is good for 20 s after the add. */
const ACK_LIMIT_MS = 5_000;
const WELCOME_CODE_TTL_MS = 20_000;
/** WeCom sends an event 4 times at most (the first attempt and 3 retries). */
const MAX_ATTEMPTS = 4;
const WELCOME_TEXT = '欢迎添加,回复"会员"领取新人礼(压测)';
const STAFF = ['zhangsan', 'lisi', 'wangwu', 'zhaoliu', 'sunqi', 'zhouba'];

/** Wall clock in ms with sub-ms resolution, comparable with the sim's `sent_at` (same machine, a fresh corp's clock has no offset). */
const wallNow = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------------
// Processes.

interface Topology {
  servers: Server[];
  base: string;
  name: string;
  /** WeCom's stand-in: a `serve` process of its own on its own PGlite directory (see startSim). */
  sim: Server;
}

/**
 * WeCom itself is not on this machine, so its stand-in should not take the server's event loop or database:
 * the simulator's own work (a process holding the corp, its records written on PGlite on every call) would
 * otherwise count as the server's. It runs as a `serve` process of its own
 * (SEED_DEMO off, no shop), on its own PGlite directory and in-memory hot store, in both modes; its CPU is
 * reported apart. It still shares the two cores.
 */
async function startSim(run: RunEnv): Promise<Server> {
  const dataDir = path.join(run.dataDir, 'wecom-sim');
  const { DATABASE_URL: _db, REDIS_URL: _redis, ...env } = run.env;
  return startServer('serve', { ...env, SEED_DEMO: 'false', DATA_DIR: dataDir });
}

/**
 * embedded: one `all` process (HTTP, jobs). scaled: one `serve` (HTTP: admin API, callbacks) and one `worker`
 * (the `wecom.callback` jobs). Both talk to the simulator's process as their WeCom (WECOM_BASE_URL).
 */
async function startTopology(mode: Mode, run: RunEnv): Promise<Topology> {
  const sim = await startSim(run);
  const env = { ...run.env, WECOM_BASE_URL: `${sim.url}/sandbox/wecom` };
  if (mode === 'embedded') {
    const all = await startServer('all', env);
    return { servers: [all], base: all.url, name: '1 × all (HTTP + worker); WeCom: 1 × serve on its own PGlite', sim };
  }
  const serve = await startServer('serve', env);
  const metricsPort = await freePort();
  const worker = await startServer('worker', { ...env, SEED_DEMO: 'false', METRICS_LISTEN: `127.0.0.1:${metricsPort}` });
  // The worker has no HTTP port to wait on: its metrics listener answering means it started.
  const until = Date.now() + 120_000;
  for (;;) {
    if (await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.ok, () => false)) break;
    if (worker.child.exitCode !== null) throw new Error(`worker exited with code ${worker.child.exitCode}:\n  ${worker.output.slice(-30).join('\n  ')}`);
    if (Date.now() > until) throw new Error(`worker not up after 120 s:\n  ${worker.output.slice(-30).join('\n  ')}`);
    await sleep(300);
  }
  return { servers: [serve, worker], base: serve.url, name: '1 × serve (HTTP, callbacks) + 1 × worker (wecom.callback jobs); WeCom: 1 × serve on its own PGlite', sim };
}

/** The owner's admin API; unlike lib's AdminClient it takes the statuses to accept (the staff sync answers 202). */
class Admin {
  private agent = new http.Agent({ keepAlive: true });
  private headers: Record<string, string> = {};
  constructor(readonly base: string) {}
  async signIn() {
    this.headers = await signInOwner(this.agent, this.base);
  }
  call(method: string, p: string, body?: unknown, expect = [200, 201]) {
    return json(this.agent, this.base, method, p, body, this.headers, expect);
  }
  close() {
    this.agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------
// Setup over the admin API: a fresh simulated corp connected, staff synced, a channel code with a welcome.

interface Setup {
  corpId: string;
  keys: { token: string; encodingAesKey: string; corpId: string };
  agentId: number;
  /** The path of the server's callback URL (each attempt adds its own signed query). */
  callbackPath: string;
  codeId: string;
  configId: string;
  state: string;
}

async function configureShop(admin: Admin, simBase: string): Promise<Setup> {
  const corp = await json(new http.Agent(), simBase, 'POST', '/sandbox/wecom/__sim/corps', {});
  const settings = await admin.call('PUT', '/api/admin/wecom/settings', {
    corpId: corp.corpId, contactSecret: corp.contactSecret, agentId: corp.agentId, agentSecret: corp.agentSecret,
    callbackToken: corp.token, encodingAesKey: corp.encodingAesKey,
  });
  // The sim's own pushes stay off (no callback URL set in it): the bench is WeCom's sender, so every POST is timed.
  const run = await admin.call('POST', '/api/admin/wecom/staff/sync', undefined, [202]);
  const until = Date.now() + 120_000;
  for (;;) {
    const r = await admin.call('GET', `/api/admin/wecom/sync-runs/${run.id}`);
    if (r.status === 'done') break;
    if (r.status === 'failed' || Date.now() > until) throw new Error(`staff sync ${r.status}: ${JSON.stringify(r)}`);
    await sleep(300);
  }
  const code = await admin.call('POST', '/api/admin/wecom/channel-codes', { name: `压测活码 ${Date.now().toString(36)}`, mode: 'rotation', users: STAFF, welcome: { text: WELCOME_TEXT } });
  return {
    corpId: corp.corpId,
    keys: { token: corp.token, encodingAesKey: corp.encodingAesKey, corpId: corp.corpId },
    agentId: corp.agentId,
    callbackPath: new URL(settings.callbackUrl).pathname,
    codeId: code.id,
    configId: code.configId,
    state: code.state,
  };
}

// ---------------------------------------------------------------------------------------------------
// The burst.

interface Attempt {
  status: number;
  ms: number;
  body: string;
}

interface Customer {
  i: number;
  external?: string;
  userid?: string;
  /** When the sim answered the scan (the welcome code's 20 s start about then). */
  scanAt?: number;
  /** customers + scan, as the sim answered them. */
  simMs?: number;
  /** The event, the same plaintext on every attempt. */
  xml?: string;
  simError?: string;
  attempts: Attempt[];
  duplicate?: Attempt;
  /** When the first attempt answered 200 arrived (wall clock). */
  ackAt?: number;
}

const cdata = (s: string) => `<![CDATA[${s}]]>`;

/** The event as the sim would push it (and WeCom sends it): the same plaintext on every attempt. */
function eventXml(corpId: string, c: Customer, state: string, welcomeCode: string, createTime: number) {
  const f: [string, string | number][] = [
    ['ToUserName', corpId], ['FromUserName', 'sys'], ['CreateTime', createTime], ['MsgType', 'event'], ['Event', 'change_external_contact'],
    ['ChangeType', 'add_external_contact'], ['UserID', c.userid!], ['ExternalUserID', c.external!], ['State', state], ['WelcomeCode', welcomeCode],
  ];
  return `<xml>${f.map(([k, v]) => `<${k}>${typeof v === 'number' ? v : cdata(v)}</${k}>`).join('')}</xml>`;
}

/** One attempt's bytes: fresh timestamp, nonce and encryption each time, as WeCom does. */
function callbackWire(host: string, s: Setup, xml: string) {
  const sealed = sealCallback(s.keys, xml, { agentId: s.agentId });
  const q = new URLSearchParams(sealed.query).toString();
  return `POST ${s.callbackPath}?${q} HTTP/1.1\r\nhost: ${host}\r\ncontent-type: text/xml\r\ncontent-length: ${Buffer.byteLength(sealed.body)}\r\n\r\n${sealed.body}`;
}

const acknowledged = (a: Attempt) => a.status === 200 && (a.body === 'success' || a.body === '') && a.ms <= ACK_LIMIT_MS;

async function timed(conn: Connection, wire: string): Promise<Attempt> {
  const t0 = performance.now();
  const r = await conn.request(wire, true);
  return { status: r.status, ms: performance.now() - t0, body: r.body?.toString('utf8').trim() ?? r.error ?? '' };
}

async function simCall(conn: Connection, p: string, body: unknown) {
  const r = await conn.request(post(conn.host, p, body), true);
  const text = r.body?.toString('utf8') ?? '';
  if (r.status !== 200) throw new Error(`${p} answered ${r.status || r.error}: ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/** Every `1/share`-th customer, spread evenly: exactly `percent` % of them. */
const duplicated = (i: number, percent: number) => Math.floor(((i + 1) * percent) / 100) > Math.floor((i * percent) / 100);

/** A customer of the sim scans the channel code: the welcome code and the event's XML, kept on `c`. */
async function scan(conn: Connection, s: Setup, c: Customer): Promise<boolean> {
  const sim = `/sandbox/wecom/__sim/corps/${s.corpId}`;
  const t0 = performance.now();
  try {
    c.external = (await simCall(conn, `${sim}/customers`, { name: `压测客户${c.i}` })).external_userid;
    const scanned = await simCall(conn, `${sim}/scan`, { config_id: s.configId, external_userid: c.external });
    c.scanAt = wallNow();
    c.simMs = performance.now() - t0;
    c.userid = scanned.userid;
    c.xml = eventXml(s.corpId, c, s.state, scanned.welcome_code, Math.floor(c.scanAt / 1000));
    return true;
  } catch (err) {
    c.simError = (err as Error).message;
    return false;
  }
}

/** At most `size` sim calls in flight: the sim works one call of a corp at a time, so more would only queue there. */
class SimPool {
  private free: Connection[];
  private waiting: ((c: Connection) => void)[] = [];
  constructor(readonly conns: Connection[]) {
    this.free = [...conns];
  }
  async use<T>(f: (c: Connection) => Promise<T>): Promise<T> {
    const conn = this.free.pop() ?? (await new Promise<Connection>((r) => this.waiting.push(r)));
    try {
      return await f(conn);
    } finally {
      const w = this.waiting.shift();
      if (w) w(conn);
      else this.free.push(conn);
    }
  }
}

/**
 * pipelined: each lane takes the next customer, has them scan (through the sim pool) and POSTs their event at
 * once, so the welcome code is fresh — the callbacks come as fast as the sim makes customers scan.
 * ahead: every customer scans first (not timed), then the lanes POST the N events as fast as they are
 * answered — a true burst at the callback URL, but welcome codes older than 20 s by then are refused (40096).
 */
async function burst(base: string, simBase: string, s: Setup, onStart: () => void, onProgress: (done: number) => void) {
  const n = params.customers;
  const host = hostOf(base);
  const lanes = Array.from({ length: Math.min(params.concurrency, n) }, () => ({ cb: new Connection(base), dup: new Connection(base) }));
  const pool = new SimPool(Array.from({ length: params.simConcurrency }, () => new Connection(simBase)));
  // Sockets are opened and warmed before the clock starts, so no handshake falls inside the burst.
  await Promise.all([...lanes.flatMap((l) => [l.cb, l.dup]), ...pool.conns].map((c) => c.request(get(c.host, '/healthz'))));
  const customers: Customer[] = Array.from({ length: n }, (_, i) => ({ i, attempts: [] }));
  let scanSeconds: number | null = null;
  if (params.scan === 'ahead') {
    const t0 = performance.now();
    let next = 0;
    let scanned = 0;
    await Promise.all(pool.conns.map(async () => {
      while (next < n && !interrupted()) {
        const c = customers[next++]!;
        await pool.use((conn) => scan(conn, s, c));
        if (++scanned % Math.max(1, Math.floor(n / 20)) === 0) process.stdout.write(`\r  scanned ahead: ${scanned} / ${n}`);
      }
    }));
    process.stdout.write('\n');
    scanSeconds = round((performance.now() - t0) / 1000, 1);
  }
  let next = 0;
  let done = 0;
  onStart();
  const started = performance.now();
  await Promise.all(
    lanes.map(async (lane) => {
      while (next < n && !interrupted()) {
        const c = customers[next++]!;
        if (params.scan === 'pipelined' && !(await pool.use((conn) => scan(conn, s, c)))) {
          done++;
          continue;
        }
        if (!c.xml) continue;
        const dup = duplicated(c.i, params.retriesPercent) ? timed(lane.dup, callbackWire(host, s, c.xml)).then((a) => (c.duplicate = a)) : null;
        // WeCom tries again (at most 3 times) when an attempt is not acknowledged within 5 s.
        while (c.attempts.length < MAX_ATTEMPTS) {
          const a = await timed(lane.cb, callbackWire(host, s, c.xml));
          c.attempts.push(a);
          if (a.status === 200 && c.ackAt === undefined) c.ackAt = wallNow();
          if (acknowledged(a)) break;
        }
        await dup;
        onProgress(++done);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const c of [...lanes.flatMap((l) => [l.cb, l.dup]), ...pool.conns]) c.close();
  return { customers, seconds, scanSeconds };
}

// ---------------------------------------------------------------------------------------------------
// Waiting for the queue, then the checks.

async function waitForQueue(admin: Admin, codeId: string, expected: number) {
  const start = performance.now();
  let last = -1;
  let lastMove = start;
  const timeline: { t: number; adds: number }[] = [];
  for (;;) {
    const stats = await admin.call('GET', `/api/admin/wecom/channel-codes/${codeId}/stats`);
    const t = (performance.now() - start) / 1000;
    if (stats.adds !== last) {
      last = stats.adds;
      lastMove = performance.now();
      timeline.push({ t: round(t, 1), adds: stats.adds });
      process.stdout.write(`\r  queue: ${stats.adds} / ${expected} relations added after ${t.toFixed(0)} s   `);
    }
    if (stats.adds >= expected) break;
    if (interrupted() || (performance.now() - lastMove) / 1000 > params.stallSeconds || t > params.timeoutSeconds) {
      process.stdout.write(`\n  gave up waiting: ${stats.adds} of ${expected} added, nothing moved for ${((performance.now() - lastMove) / 1000).toFixed(0)} s\n`);
      return { drained: false, seconds: round(t, 1), adds: last, timeline };
    }
    await sleep(params.pollSeconds * 1000);
  }
  process.stdout.write('\n');
  return { drained: true, seconds: round((performance.now() - start) / 1000, 1), adds: last, timeline };
}

interface SimWelcome {
  external_userid: string;
  userid: string;
  text: string;
  sent_at: string;
}

async function checkDatabase(db: Sql, customers: Customer[], welcomes: SimWelcome[]) {
  const [shop] = await db.query<{ id: string }>(`SELECT id FROM shops WHERE slug = $1`, [SHOP]);
  const shopId = shop!.id;
  const cbRows = await db.query<{ ext: string; n: number; processed: boolean; welcome_error: string | null; error: string | null; received_ms: number; welcome_ms: number | null }>(
    `SELECT fields->>'ExternalUserID' AS ext, count(*)::int AS n, bool_and(processed_at IS NOT NULL) AS processed, max(welcome_error) AS welcome_error, max(error) AS error,
       (extract(epoch FROM min(received_at)) * 1000)::float8 AS received_ms, (extract(epoch FROM max(welcome_sent_at)) * 1000)::float8 AS welcome_ms
     FROM wecom_callbacks WHERE shop_id = $1 AND change_type = 'add_external_contact' GROUP BY 1`, [shopId]);
  const relRows = await db.query<{ ext: string; n: number; coded: number }>(
    `SELECT external_userid AS ext, count(*)::int AS n, count(channel_code_id)::int AS coded FROM wecom_relations WHERE shop_id = $1 AND status = 'active' GROUP BY 1`, [shopId]);
  const [hist] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM wecom_relation_history WHERE shop_id = $1 AND kind = 'added'`, [shopId]);

  const cbBy = new Map(cbRows.map((r) => [r.ext, r]));
  const relBy = new Map(relRows.map((r) => [r.ext, r]));
  const welcomesBy = new Map<string, SimWelcome[]>();
  for (const w of welcomes) welcomesBy.set(w.external_userid, [...(welcomesBy.get(w.external_userid) ?? []), w]);

  const scanned = customers.filter((c) => c.external && c.attempts.length);
  const acked = scanned.filter((c) => c.ackAt !== undefined);
  const lost: { external: string; why: string }[] = [];
  const welcomeErrors: Record<string, number> = {};
  const sinceScan: number[] = [];
  const sinceAck: number[] = [];
  const receivedToWelcome: number[] = [];
  let welcomedOnce = 0;
  let doubleWelcomed = 0;
  let withinWindow = 0;
  let lateSent = 0;
  let errorRecordedButWelcomed = 0;
  for (const c of scanned) {
    const ext = c.external!;
    const cb = cbBy.get(ext);
    const rel = relBy.get(ext);
    const ws = welcomesBy.get(ext) ?? [];
    if (ws.length === 1) welcomedOnce++;
    if (ws.length > 1) doubleWelcomed++;
    if (cb?.welcome_error) {
      const code = cb.welcome_error.split(' ')[0]!;
      welcomeErrors[code] = (welcomeErrors[code] ?? 0) + 1;
      if (ws.length) errorRecordedButWelcomed++;
    }
    for (const w of ws.slice(0, 1)) {
      const at = Date.parse(w.sent_at);
      sinceScan.push(at - c.scanAt!);
      if (at - c.scanAt! <= WELCOME_CODE_TTL_MS) withinWindow++;
      else lateSent++;
      if (c.ackAt !== undefined) sinceAck.push(at - c.ackAt);
    }
    if (cb?.welcome_ms != null) receivedToWelcome.push(cb.welcome_ms - cb.received_ms);
    if (c.ackAt === undefined) lost.push({ external: ext, why: 'never acknowledged (4 attempts)' });
    else if (!cb) lost.push({ external: ext, why: 'acknowledged, but no callback row' });
    else if (!rel) lost.push({ external: ext, why: `no relation (callback ${cb.processed ? 'processed' : 'unprocessed'}${cb.error ? `: ${cb.error}` : ''})` });
    else if (!ws.length && !cb.welcome_error) lost.push({ external: ext, why: 'no welcome and no recorded reason' });
  }
  const storedTwice = cbRows.filter((r) => r.n > 1).length;
  const relationsTwice = relRows.filter((r) => r.n > 1).length;
  const lostCount = lost.length;
  return {
    customers: customers.length,
    simSetupFailed: customers.filter((c) => c.simError).length,
    simSetupErrors: [...new Set(customers.filter((c) => c.simError).map((c) => c.simError!))].slice(0, 5),
    scanned: scanned.length,
    acknowledged: acked.length,
    callbacksStored: cbRows.length,
    callbacksStoredTwice: storedTwice,
    callbacksUnprocessed: cbRows.filter((r) => !r.processed).length,
    callbackJobErrors: [...new Set(cbRows.filter((r) => r.error).map((r) => r.error!))].slice(0, 5),
    relations: relRows.length,
    relationsThroughTheCode: relRows.filter((r) => r.coded > 0).length,
    relationsTwice,
    addedHistoryRows: hist!.n,
    welcome: {
      welcomedOnce,
      doubleWelcomed,
      notWelcomed: scanned.length - welcomedOnce - doubleWelcomed,
      /** Why a welcome did not go, as the callback row recorded it: 40096 = the code was past its 20 s, 41051 = already used. */
      errorsRecorded: welcomeErrors,
      /**
       * Welcomed (the sim has the message) while the callback row records an error: an earlier attempt of the
       * job sent it, but its answer did not arrive in time (the client gives up after 10 s), so the retry met 41051.
       */
      errorRecordedButWelcomed,
      withinWindow,
      sentLaterThanWindow: lateSent,
      note: `withinWindow: the sim's sent_at minus when the bench saw the scan answered ≤ ${WELCOME_CODE_TTL_MS / 1000} s; the sim refuses a code older than that (40096), so a welcome not sent within it is recorded as 40096, not sent late`,
      sinceScanMs: latencySummary(sinceScan),
      sinceAckMs: latencySummary(sinceAck),
      callbackStoredToWelcomeMs: latencySummary(receivedToWelcome),
    },
    lost: lostCount,
    lostSample: lost.slice(0, 10),
    ok: lostCount === 0 && doubleWelcomed === 0 && storedTwice === 0 && relationsTwice === 0 && relRows.length === scanned.length,
  };
}

// ---------------------------------------------------------------------------------------------------

function ackFigures(customers: Customer[], seconds: number) {
  const all = customers.flatMap((c) => [...c.attempts, ...(c.duplicate ? [c.duplicate] : [])]);
  const status: Record<string, number> = {};
  for (const a of all) {
    const k = a.status === 0 ? 'network_error' : String(a.status);
    status[k] = (status[k] ?? 0) + 1;
  }
  const answered200 = all.filter((a) => a.status === 200);
  const first = customers.filter((c) => c.attempts.length).map((c) => c.attempts[0]!);
  return {
    posts: all.length,
    firstAttempts: first.length,
    wecomRetries: customers.reduce((a, c) => a + Math.max(0, c.attempts.length - 1), 0),
    duplicatesSent: customers.filter((c) => c.duplicate).length,
    status,
    non200: all.length - answered200.length,
    bodiesOtherThanSuccess: answered200.filter((a) => a.body !== 'success' && a.body !== '').length,
    over5s: all.filter((a) => a.ms > ACK_LIMIT_MS).length,
    ackMs: latencySummary(answered200.map((a) => a.ms)),
    ackMsFirstAttempts: latencySummary(first.filter((a) => a.status === 200).map((a) => a.ms)),
    ackMsDuplicates: latencySummary(customers.filter((c) => c.duplicate?.status === 200).map((c) => c.duplicate!.ms)),
    burstSeconds: round(seconds, 2),
    acksPerSecond: round(answered200.length / Math.max(seconds, 0.001), 0),
    customersPerSecond: round(first.length / Math.max(seconds, 0.001), 0),
    note: `acksPerSecond: HTTP 200 answers to the callback POSTs (first attempts, WeCom-style retries and the duplicates) per second of the burst; ${params.scan === 'pipelined' ? 'pipelined: the burst includes the sim calls (customer + scan) before each callback, so the sim paces it' : 'ahead: the customers scanned before the burst (scannedAheadSeconds), so it is the callback URL alone'}`,
  };
}

/** The sim's customer + scan time by tenth of the run: whether it stays flat as the corp grows. */
function simFigures(customers: Customer[]) {
  const ms = customers.filter((c) => c.simMs !== undefined);
  const tenths = Array.from({ length: 10 }, (_, k) => {
    const part = ms.slice(Math.floor((k * ms.length) / 10), Math.floor(((k + 1) * ms.length) / 10)).map((c) => c.simMs!).sort((a, b) => a - b);
    return { p50: round(percentile(part, 50)), p99: round(percentile(part, 99)) };
  });
  return { customerPlusScanMs: latencySummary(ms.map((c) => c.simMs!)), byTenthOfTheRun: tenths };
}

function cpuOf(r: CpuReport, customers: number, mode: Mode) {
  const u = r.msUsed;
  const per = (x: number) => (customers ? round(x / customers, 3) : null);
  return {
    seconds: r.seconds,
    percentOfCore: r.percentOfCore,
    msPerCustomer: {
      server: per(u.server),
      ...(mode === 'scaled' ? { postgres: per(u.postgresBackends + u.postgresBackground), redis: per(u.redis) } : {}),
      serverPostgresRedis: per(u.server + u.postgresBackends + u.postgresBackground + u.redis),
      bench: per(u.loadGenerator),
    },
  };
}

async function runMode(mode: Mode) {
  const n = params.customers;
  console.log(`\n=== ${mode}: ${n.toLocaleString('en')} add_external_contact callbacks, ${params.concurrency} in flight, ${params.retriesPercent} % sent twice ===`);
  const run = await prepareRun(mode, 'bench-wecom-callbacks', TMP);
  const topo = await startTopology(mode, run);
  console.log(`  started: ${topo.name}`);
  const admin = new Admin(topo.base);
  await admin.signIn();
  const setup = await configureShop(admin, topo.sim.url);
  console.log(`  corp ${setup.corpId} connected, staff synced, channel code ${setup.state}`);

  const meter = new CpuMeter(topo.servers, mode, run.databaseUrl);
  const simMeter = new CpuMeter([topo.sim], 'embedded');
  const quietWaitMs = await meter.waitForQuiet(10, 30_000);
  await meter.refreshRoles();
  let a = meter.sample();
  let simA = simMeter.sample();
  let shown = 0;
  const onStart = () => {
    a = meter.sample();
    simA = simMeter.sample();
  };
  const b0 = await burst(topo.base, topo.sim.url, setup, onStart, (done) => {
    if (done - shown >= Math.max(1, Math.floor(n / 20)) || done === n) {
      shown = done;
      process.stdout.write(`\r  burst: ${done} / ${n} customers`);
    }
  });
  const b = meter.sample();
  const simB = simMeter.sample();
  process.stdout.write('\n');
  const scanned = b0.customers.filter((c) => c.ackAt !== undefined).length;
  const queue = await waitForQueue(admin, setup.codeId, scanned);
  const c = meter.sample();
  const simC = simMeter.sample();
  await meter.refreshRoles();
  const welcomes = (await json(new http.Agent(), topo.sim.url, 'GET', `/sandbox/wecom/__sim/corps/${setup.corpId}/welcome-messages`)) as SimWelcome[];
  admin.close();
  const warnings = topo.servers.flatMap((s) => s.warnings.map((w) => `${s.role}: ${w}`)).filter((w) => !/SANDBOX is on|SEED_DEMO is on|PUBLIC_URL is not set|METRICS/.test(w)).slice(0, 10);
  console.log('  stopping the servers, then checking the database…');
  for (const s of [...topo.servers, topo.sim]) await s.stop();
  const db = await run.openDatabase();
  let correctness;
  try {
    correctness = await checkDatabase(db, b0.customers, welcomes);
  } finally {
    await db.close();
  }
  const acks = ackFigures(b0.customers, b0.seconds);
  const result = {
    mode,
    date: new Date().toISOString(),
    commit: await gitCommit(),
    machine: machineInfo(mode),
    params: {
      ...params,
      topology: topo.name,
      channelCode: `rotation over ${STAFF.length} staff, welcome text only (no coupon, no tags: the job's calls are send_welcome_msg then externalcontact/get)`,
      perCustomer: `POST __sim/customers, POST __sim/scan (at most simConcurrency in flight; the sim has no callback URL, so its own push is dropped), then — ${params.scan === 'pipelined' ? 'at once' : 'after every customer scanned'} — the add_external_contact event sealed with sealCallback and POSTed to the callback URL (at most concurrency in flight); the duplicate share POSTed at the same moment on a second connection; an attempt not answered 200 "success" within 5 s is sent again, 4 attempts at most`,
      quietWaitMs,
    },
    aim: {
      ...AIM,
      measured: { customers: n, over5s: acks.over5s, non200: acks.non200, lost: correctness.lost, doubleWelcomed: correctness.welcome.doubleWelcomed },
      met: n >= AIM.customers && acks.over5s === 0 && acks.non200 === 0 && correctness.lost === 0 && correctness.welcome.doubleWelcomed === 0,
    },
    figures: {
      acks: { ...acks, scannedAheadSeconds: b0.scanSeconds },
      sim: simFigures(b0.customers),
      queue: { ...queue, note: 'seconds after the burst ended until the channel code counted every acknowledged customer as added (admin API stats, polled)' },
      welcome: correctness.welcome,
    },
    cpu: {
      burst: cpuOf(meter.report(a, b), n, mode),
      burstAndQueue: cpuOf(meter.report(a, c), n, mode),
      wecomSimulator: {
        percentOfCoreBurst: simMeter.report(simA, simB).percentOfCore.server,
        percentOfCoreBurstAndQueue: simMeter.report(simA, simC).percentOfCore.server,
        msPerCustomer: round(simMeter.report(simA, simC).msUsed.server / n, 3),
        note: "WeCom's stand-in process (its PGlite included), not part of the system under test; in the figures above it is among otherProcesses",
      },
    },
    correctness,
    serverWarnings: warnings,
  };
  const file = writeResult(RESULTS, mode, result);
  const w = correctness.welcome;
  printRows([
    ['mode', `${mode}: ${topo.name}`],
    ['callbacks', `${acks.posts} POSTs (${acks.firstAttempts} first, ${acks.duplicatesSent} duplicates, ${acks.wecomRetries} retries) in ${acks.burstSeconds} s: ${acks.acksPerSecond} acks/s`],
    ['ack ms p50/p90/p99/max', `${acks.ackMs.p50} / ${acks.ackMs.p90} / ${acks.ackMs.p99} / ${acks.ackMs.max}; over 5 s ${acks.over5s}; non-200 ${acks.non200} ${JSON.stringify(acks.status)}`],
    ['sim customer+scan ms', `p50 ${result.figures.sim.customerPlusScanMs.p50}, p99 ${result.figures.sim.customerPlusScanMs.p99}; p50 first → last tenth ${result.figures.sim.byTenthOfTheRun[0]!.p50} → ${result.figures.sim.byTenthOfTheRun[9]!.p50}`],
    ['queue', `${queue.drained ? 'drained' : 'NOT drained'} ${queue.seconds} s after the burst`],
    ['welcomes', `${w.welcomedOnce} once, ${w.doubleWelcomed} twice+, ${w.notWelcomed} none (${JSON.stringify(w.errorsRecorded)}); within 20 s ${w.withinWindow}`],
    ['welcome ms', `after scan p50 ${w.sinceScanMs.p50} / p99 ${w.sinceScanMs.p99}; after ack p50 ${w.sinceAckMs.p50} / p99 ${w.sinceAckMs.p99}`],
    ['relations', `${correctness.relations} of ${correctness.scanned} (stored twice: ${correctness.callbacksStoredTwice}, relations twice: ${correctness.relationsTwice})`],
    ['CPU ms per customer', JSON.stringify(result.cpu.burstAndQueue.msPerCustomer).replace(/,"note".*$/, '}')],
    ['correctness', correctness.ok ? 'ok: 0 lost, 0 double-welcomed, stored once' : `PROBLEM: lost ${correctness.lost} ${JSON.stringify(correctness.lostSample.slice(0, 3))}`],
  ], file);
  await runCleanups();
  return result;
}

runModes('wecom-callbacks', modes, runMode);
