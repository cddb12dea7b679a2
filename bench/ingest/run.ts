/**
 * Event ingest benchmark: starts the real server in a child process, sends batches of Segment calls to
 * `POST /v1/batch` with the demo shop's write key for a fixed time (closed loop, or open loop at a rate),
 * retrying every 429 with the same batch after the Retry-After it names, then waits until the loader has
 * moved everything into the analytics engine and proves nothing answered 200 was lost: the engine holds
 * exactly the events the 200 answers accepted, every one of them once.
 *
 *   npx tsx bench/ingest/run.ts [--mode embedded|scaled|both] [--loop closed|open] [--connections 32]
 *        [--rate 50000] [--duration 25] [--warmup 5] [--batch 100] [--people 50000]
 *        [--loader during|after] [--max-pending 50000] [--crash off|on] [--crash-after 100] [--out DIR]
 *
 * Writes bench/ingest/results/<mode>.json (`--loader after`: <mode>-loader-after.json). See
 * bench/ingest/README.md for reading the numbers.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fail, parseBenchArgs, type Mode } from '../lib/args.js';
import { interrupted, runCleanups, runModes } from '../lib/cleanup.js';
import { CpuMeter, cpuPerAnswer, type CpuSample } from '../lib/cpu.js';
import { openPglite, openPostgres, type Sql } from '../lib/database.js';
import { SHOP, signInOwner } from '../lib/demo-shop.js';
import { json, sleep } from '../lib/http.js';
import { drive, get, hostOf, Lane, type Done, type Job, type Loop, type Reply, type Wire } from '../lib/load.js';
import { cpuLine, gitCommit, machineInfo, printRows, writeResult } from '../lib/report.js';
import { prepareRun, type RunEnv } from '../lib/run-env.js';
import { startServers, startServer, topologyName, type Server } from '../lib/server.js';
import { latencySummary, round } from '../lib/stats.js';
import { Tally, timedRun } from '../lib/window.js';
import { openDuckDb } from '../../apps/server/src/modules/cdp/engine/duckdb.js';

const args = parseBenchArgs(
  path.dirname(fileURLToPath(import.meta.url)),
  { connections: 32, rate: 50_000, duration: 25, batch: 100, people: 50_000, 'max-pending': 50_000, 'crash-after': 100, 'catchup-timeout': 1800 },
  { loop: 'closed', warmup: '5', loader: 'during', crash: 'off' },
);
const params = {
  loop: args.strings.loop as 'closed' | 'open',
  connections: args.ints.connections,
  /** Open loop: events per second offered (batches/s = rate ÷ batch). */
  rateEventsPerSecond: args.ints.rate,
  durationSeconds: args.ints.duration,
  warmupSeconds: Number(args.strings.warmup),
  eventsPerBatch: args.ints.batch,
  people: args.ints.people,
  /** The server's INGEST_MAX_PENDING: events waiting for the inbox's INSERT beyond which it answers 429. */
  maxPending: args.ints['max-pending'],
  /** during: the loader runs while events arrive (one `all` process does both); after: it is off during the load and catches up after a restart. */
  loader: args.strings.loader as 'during' | 'after',
  crash: args.strings.crash as 'off' | 'on',
  /** Crash check: the server is killed (SIGKILL) right after this many batches were answered 200. */
  crashAfterBatches: args.ints['crash-after'],
  catchupTimeoutSeconds: args.ints['catchup-timeout'],
};
if (!['closed', 'open'].includes(params.loop)) fail('--loop must be closed or open');
if (!['during', 'after'].includes(params.loader)) fail('--loader must be during or after');
if (!['off', 'on'].includes(params.crash)) fail('--crash must be off or on');
if (params.eventsPerBatch > 1000) fail('--batch must be at most 1000 (the body limit is 500 KB)');
if (!(params.warmupSeconds >= 0)) fail('--warmup must be 0 or more seconds');
const { modes, results: RESULTS, tmp: TMP } = args;

/** The issue's aim for one machine. */
const AIM_EVENTS_PER_SECOND = 50_000;

// ---------------------------------------------------------------------------------------------------
// The events: a storefront's funnel from ~`people` devices. Page views are `page` calls: a `track` named
// `$pageview` is refused (names starting with $ are reserved for the calls that make them).

const CHANNELS = ['wechat', 'wechat', 'wechat', 'douyin', 'xiaohongshu', 'baidu', '', '', ''];
const PAGES = ['/s/demo/', '/s/demo/products', '/s/demo/products/p-17', '/s/demo/cart', '/s/demo/me'];

interface Person {
  anon: string;
  /** JSON fragments written into every event of this person, prepared once. */
  ids: string;
  context: string;
}

function makePeople(n: number): Person[] {
  return Array.from({ length: n }, (_, i) => {
    const anon = randomUUID();
    // One in ten is signed in and sends its user id too.
    const ids = i % 10 === 0 ? `"anonymousId":"${anon}","userId":"u-${i}"` : `"anonymousId":"${anon}"`;
    const channel = CHANNELS[i % CHANNELS.length];
    const os = i % 3 === 0 ? 'Android' : 'iOS';
    const context = channel
      ? `{"os":{"name":"${os}"},"campaign":{"source":"${channel}","medium":"social","name":"spring"},"channel":"${channel}"}`
      : `{"os":{"name":"${os}"}}`;
    return { anon, ids, context };
  });
}

/** Batches of `size` events as wire bytes, built from prepared string pieces: the generator shares the cores with the server, so it builds no objects to stringify. */
class BatchMaker {
  private seq = 0;
  constructor(
    private people: Person[],
    private size: number,
    /** Tells this run's (or phase's) messageIds apart: `<tag>.<batch>.<index>`. */
    readonly tag: string,
    private head: string,
  ) {}

  next(): { wire: string; seq: number } {
    const seq = this.seq++;
    const now = Date.now();
    const parts: string[] = new Array(this.size);
    for (let j = 0; j < this.size; j++) {
      const p = this.people[(Math.random() * this.people.length) | 0];
      const r = Math.random();
      const ts = new Date(now - (this.size - j) * 37).toISOString();
      const common = `${p.ids},"messageId":"${this.tag}.${seq}.${j}","timestamp":"${ts}","context":${p.context}`;
      const product = `p-${(r * 997) | 0}`;
      if (r < 0.6) {
        const page = PAGES[(r * 100) % PAGES.length | 0];
        parts[j] = `{"type":"page",${common},"name":"page","properties":{"path":"${page}","title":"商城"}}`;
      } else if (r < 0.85) parts[j] = `{"type":"track",${common},"event":"product_viewed","properties":{"product_id":"${product}","price_fen":${9900 + ((r * 1000) | 0)}}}`;
      else if (r < 0.95) parts[j] = `{"type":"track",${common},"event":"product_added","properties":{"product_id":"${product}","quantity":${1 + ((r * 10) % 3 | 0)}}}`;
      else parts[j] = `{"type":"track",${common},"event":"order_paid","properties":{"order_id":"o-${this.tag}-${seq}-${j}","amount":${1990 + ((r * 100_000) | 0)}}}`;
    }
    const body = `{"batch":[${parts.join(',')}]}`;
    return { wire: `${this.head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, seq };
  }
}

function batchHead(host: string, writeKey: string) {
  const auth = Buffer.from(`${writeKey}:`).toString('base64');
  return `POST /v1/batch HTTP/1.1\r\nhost: ${host}\r\naccept-language: en\r\ncontent-type: application/json\r\nauthorization: Basic ${auth}\r\n`;
}

// ---------------------------------------------------------------------------------------------------
// A lane that retries a 429 with the same bytes (so the same messageIds) after the Retry-After the
// server named, as the Segment SDKs do; the answer it hands back is the last attempt's.

interface IngestReply extends Reply {
  /** 429s this batch got before its last answer. */
  shed: number;
  /** The last attempt alone, ms. */
  attemptMs: number;
}

class IngestLane extends Lane {
  override async send(wire: Wire, _wantBody = false, base = this.base): Promise<IngestReply> {
    let shed = 0;
    for (;;) {
      const t0 = performance.now();
      const reply = await super.send(wire, true, base);
      const attemptMs = performance.now() - t0;
      if (reply.status !== 429 || interrupted()) return { ...reply, shed, attemptMs };
      shed++;
      await sleep(retryAfterMs(reply.body) * (0.5 + Math.random() * 0.5));
    }
  }
}

/** Retry-After of a 429 (the body carries the same seconds as the header); 1 s when absent. */
function retryAfterMs(body: Buffer | null): number {
  try {
    const s = Number(JSON.parse(body!.toString('utf8')).error?.details?.retryAfterSeconds);
    return Number.isFinite(s) && s > 0 ? s * 1000 : 1000;
  } catch {
    return 1000;
  }
}

async function openIngestLanes(base: string, count: number): Promise<IngestLane[]> {
  const lanes = Array.from({ length: count }, () => new IngestLane(base));
  await Promise.all(
    lanes.map(async (lane) => {
      const r = await lane.send(get(hostOf(base), '/healthz'));
      if (r.status !== 200) throw new Error(`warming a connection to ${base} failed: ${r.error ?? r.status}`);
    }),
  );
  return lanes;
}

interface BatchJob extends Job {
  seq: number;
}

/** What the answers said: events accepted and duplicates, in the window and in all, and which batches were acknowledged. */
class Answers {
  accepted = 0;
  duplicates = 0;
  rejectedEvents = 0;
  batches200 = 0;
  shed429 = 0;
  networkErrors = 0;
  inWindow = { accepted: 0, shed429: 0 };
  readonly attemptLatencies: number[] = [];
  /** Batches answered 200: seq → accepted. */
  readonly acked = new Map<number, number>();

  add(d: Done<BatchJob>, inWindow: boolean, tally: Tally) {
    const reply = d.reply as IngestReply;
    this.shed429 += reply.shed;
    if (inWindow) this.inWindow.shed429 += reply.shed;
    if (reply.status === 0) this.networkErrors++;
    if (reply.status === 200 && reply.body) {
      const b = JSON.parse(reply.body.toString('utf8')) as { accepted: number; duplicates: number; errors: unknown[] };
      this.batches200++;
      this.accepted += b.accepted;
      this.duplicates += b.duplicates;
      this.rejectedEvents += b.errors.length;
      this.acked.set(d.job.seq, b.accepted);
      if (b.errors.length) tally.noteError(JSON.stringify(b.errors.slice(0, 2)));
      if (inWindow) {
        this.inWindow.accepted += b.accepted;
        this.attemptLatencies.push(reply.attemptMs);
      }
    } else if (reply.status !== 0) tally.noteError(`${reply.status} ${reply.body?.toString('utf8').slice(0, 200) ?? ''}`);
    tally.add(d, inWindow, (s) => s === 200);
  }
}

// ---------------------------------------------------------------------------------------------------
// CPU of the server's threads: the main thread (HTTP, JSON, the inbox writer, the loader's JavaScript)
// against the rest (embedded: PGlite's worker thread; DuckDB's and libuv's pool; V8's GC helpers).

function threadTicks(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(Number(tid), Number(f[11]) + Number(f[12]));
      } catch {
        /* thread ended */
      }
    }
  } catch {
    /* process ended */
  }
  return out;
}

/** CpuMeter that also keeps the server's per-thread ticks at every sample (timedRun samples at the window's edges). */
class ThreadMeter extends CpuMeter {
  threads: { at: number; ticks: Map<number, number> }[] = [];
  constructor(private server: Server, mode: Mode, databaseUrl?: string) {
    super([server], mode, databaseUrl);
  }
  override sample(): CpuSample {
    const s = super.sample();
    this.threads.push({ at: s.at, ticks: threadTicks(this.server.child.pid!) });
    return s;
  }
  /** Per-thread CPU between the last two samples, in % of one core: main thread, then the other busy ones. */
  split() {
    const [a, b] = this.threads.slice(-2);
    const secs = (b.at - a.at) / 1000;
    const pct = (ticks: number) => round((ticks / 100 / secs) * 100, 0);
    const pid = this.server.child.pid!;
    const used = [...b.ticks].map(([tid, t]) => ({ tid, pct: pct(t - (a.ticks.get(tid) ?? 0)) }));
    const main = used.find((x) => x.tid === pid)?.pct ?? 0;
    const others = used.filter((x) => x.tid !== pid).sort((x, y) => y.pct - x.pct);
    return {
      unit: '% of one core over the measured window',
      mainThread: main,
      otherThreads: others.reduce((s, x) => s + x.pct, 0),
      busiestOtherThreads: others.slice(0, 4).map((x) => x.pct),
    };
  }
}

// ---------------------------------------------------------------------------------------------------
// Status through the console API (the shop owner has analytics:read).

interface Status {
  engine: string;
  events: number;
  pending: number;
  lastLoadedAt: string | null;
}

class Console {
  private agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  private headers: Record<string, string> = {};
  constructor(private base: string) {}
  async signIn() {
    this.headers = await signInOwner(this.agent, this.base);
  }
  status(): Promise<Status> {
    return json(this.agent, this.base, 'GET', '/api/admin/analytics/status', undefined, { cookie: this.headers.cookie });
  }
  close() {
    this.agent.destroy();
  }
}

/**
 * Polls the status once a second until nothing waits and the engine holds `want` events (or the timeout);
 * CPU is sampled around it, so with no load running it is the loader's cost.
 */
async function catchUp(c: Console, meter: CpuMeter, want: number, label: string) {
  const start = performance.now();
  const a = meter.sample();
  let s = await c.status();
  const first = s;
  let lastPrint = start;
  // Nothing pending and the count still for 5 s: the loader is done, whether or not the count is `want`
  // (when it is not, events were lost and waiting longer changes nothing).
  let still = 0;
  while ((s.pending > 0 || s.events < want) && still < 5 && !interrupted()) {
    if (performance.now() - start > params.catchupTimeoutSeconds * 1000) break;
    await sleep(1000);
    const before = s.events;
    s = await c.status();
    still = s.pending === 0 && s.events === before ? still + 1 : 0;
    if (performance.now() - lastPrint > 10_000) {
      lastPrint = performance.now();
      process.stdout.write(`  … ${label}: ${Math.round((performance.now() - start) / 1000)} s, engine ${s.events}, pending ${s.pending}\n`);
    }
  }
  const b = meter.sample();
  // The pool may have opened connections since the last look: learn whose they are before dividing up.
  await meter.refreshRoles();
  const cpu = meter.report(a, b);
  const seconds = (performance.now() - start) / 1000 - (still >= 5 ? still : 0);
  const loaded = s.events - first.events;
  return {
    seconds: round(seconds, 1),
    done: s.pending === 0 && s.events >= want,
    atStart: { events: first.events, pending: first.pending },
    atEnd: s,
    loaded,
    eventsPerSecond: round(loaded / Math.max(seconds, 0.001)),
    cpu,
  };
}

// ---------------------------------------------------------------------------------------------------

interface ServerEnv {
  run: RunEnv;
  server: Server;
  base: string;
}

async function boot(mode: Mode, extraEnv: Record<string, string>): Promise<ServerEnv> {
  console.log(`\n=== ${mode}${params.loader === 'after' ? ' (loader after the load)' : ''} ===`);
  const run = await prepareRun(mode, 'bench-ingest', TMP, { INGEST_MAX_PENDING: String(params.maxPending), ...extraEnv });
  console.log(`  starting server (${topologyName(0)})…`);
  const t = performance.now();
  const [server] = await startServers(0, run.env);
  console.log(`  ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return { run, server, base: server.url };
}

async function measureLoad(se: ServerEnv, meter: ThreadMeter, maker: BatchMaker) {
  const lanes = await openIngestLanes(se.base, params.connections);
  const tally = new Tally();
  const answers = new Answers();
  const batchesPerSecond = params.rateEventsPerSecond / params.eventsPerBatch;
  const loop: Loop = params.loop === 'open' ? { kind: 'open', rate: batchesPerSecond, rampSeconds: params.warmupSeconds } : { kind: 'closed' };
  console.log(`  load: ${params.connections} connections, ${params.loop === 'open' ? `${params.rateEventsPerSecond} events/s offered` : 'closed loop'}, batches of ${params.eventsPerBatch}, ${params.warmupSeconds} s warm-up + ${params.durationSeconds} s measured`);
  meter.threads = [];
  const startedAt = performance.now();
  const run = await timedRun<BatchJob>({
    lanes,
    loop,
    warmupSeconds: params.warmupSeconds,
    durationSeconds: params.durationSeconds,
    meter,
    stop: interrupted,
    next: () => {
      const b = maker.next();
      return { wire: b.wire, seq: b.seq, wantBody: true };
    },
    onDone: (d, inWindow) => answers.add(d, inWindow, tally),
    progress: (secs) => process.stdout.write(`  … ${Math.round(secs)} s: ${answers.inWindow.accepted} events accepted, ${answers.shed429} × 429\n`),
  });
  const threads = meter.split();
  lanes.forEach((l) => l.close());
  return { run, tally, answers, threads, loadSeconds: (performance.now() - startedAt) / 1000 };
}

/**
 * Kills the server with SIGKILL right after `crashAfterBatches` batches were answered 200, while others
 * are in flight, then restarts it on the same data and checks that every acknowledged batch is there.
 */
async function crashCheck(mode: Mode, se: ServerEnv, people: Person[], writeKey: string) {
  console.log(`  crash check: load until ${params.crashAfterBatches} batches are answered 200, then SIGKILL…`);
  const c = new Console(se.base);
  await c.signIn();
  const before = await catchUp(c, new CpuMeter([se.server], mode, se.run.databaseUrl), 0, 'settling');
  c.close();
  const maker = new BatchMaker(people, params.eventsPerBatch, `crash${Date.now().toString(36)}`, batchHead(hostOf(se.base), writeKey));
  const lanes = await openIngestLanes(se.base, params.connections);
  const answers = new Answers();
  const tally = new Tally();
  const sent = new Set<number>();
  let killed = false;
  let killedAt = 0;
  await drive<BatchJob>(
    lanes,
    { kind: 'closed' },
    () => {
      const b = maker.next();
      sent.add(b.seq);
      return { wire: b.wire, seq: b.seq, wantBody: true };
    },
    (d) => {
      answers.add(d, false, tally);
      if (!killed && answers.batches200 >= params.crashAfterBatches) {
        killed = true;
        killedAt = performance.now();
        se.server.child.kill('SIGKILL');
      }
    },
    () => killed || interrupted(),
  );
  lanes.forEach((l) => l.close());
  await new Promise<void>((r) => (se.server.child.exitCode !== null || se.server.child.signalCode !== null ? r() : se.server.child.once('exit', () => r())));
  const unanswered = [...sent].filter((s) => !answers.acked.has(s));
  console.log(`  killed after ${answers.batches200} batches answered 200 (${answers.accepted} events), ${unanswered.length} batches in flight; restarting on the same data…`);
  const restartedAt = performance.now();
  const server = await startServer('all', { ...se.run.env, ANALYTICS_OWNER: 'auto' });
  const restartSeconds = (performance.now() - restartedAt) / 1000;
  se.server = server;
  se.base = server.url;
  const c2 = new Console(server.url);
  await c2.signIn();
  const want = before.atEnd.events + answers.accepted;
  const after = await catchUp(c2, new CpuMeter([server], mode, se.run.databaseUrl), want, 'loading after restart');
  c2.close();
  const inEngine = after.atEnd.events - before.atEnd.events;
  return {
    tag: maker.tag,
    acked: answers.acked,
    unanswered,
    result: {
      batchesAnswered200BeforeKill: answers.batches200,
      eventsAcceptedBeforeKill: answers.accepted,
      batchesInFlightAtKill: unanswered.length,
      eventsInFlightAtKill: unanswered.length * params.eventsPerBatch,
      networkErrorsAtKill: answers.networkErrors,
      restartSeconds: round(restartSeconds, 1),
      secondsFromKillToLoaded: round((performance.now() - killedAt) / 1000, 1),
      engineEventsAddedByThisPhase: inEngine,
      /** Every acknowledged event is in the engine; in-flight batches may or may not have committed (never partly: checked in `correctness`). */
      allAcceptedPresent: inEngine >= answers.accepted && inEngine <= answers.accepted + unanswered.length * params.eventsPerBatch && after.done,
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Correctness, read once the server has stopped (PGlite and the DuckDB file allow one process each).

async function correctness(run: RunEnv, shopId: string, phases: { tag: string; acked: Map<number, number>; unanswered?: number[]; accepted: number }[]) {
  const db: Sql = run.databaseUrl ? await openPostgres(run.databaseUrl) : await openPglite(run.dataDir);
  const out: Record<string, unknown> = {};
  try {
    const [inbox] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cdp_inbox WHERE shop_id = $1`, [shopId]);
    out.inboxRowsForShop = inbox.n;
    const [mark] = await db.query<{ xid: string; last_id: number; loaded: number }>(`SELECT xid::text AS xid, last_id::bigint AS last_id, loaded::bigint AS loaded FROM cdp_loader WHERE name = 'events'`);
    const [behind] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cdp_inbox WHERE (xid, id) > ($1::xid8, $2::bigint)`, [mark.xid, mark.last_id]);
    out.loaderMark = { xid: mark.xid, lastId: Number(mark.last_id), loadedCounter: Number(mark.loaded), inboxRowsAfterMark: behind.n };
    for (const ph of phases) {
      const perBatch = await db.query<{ b: string; n: number }>(
        `SELECT split_part(message_id, '.', 2) AS b, count(*)::int AS n FROM cdp_inbox WHERE shop_id = $1 AND message_id LIKE $2 GROUP BY 1`,
        [shopId, `${ph.tag}.%`],
      );
      const rows = new Map(perBatch.map((r) => [Number(r.b), r.n]));
      let ackedMissing = 0;
      for (const [seq, accepted] of ph.acked) if ((rows.get(seq) ?? 0) < accepted) ackedMissing += accepted - (rows.get(seq) ?? 0);
      const unanswered = new Set(ph.unanswered ?? []);
      let partial = 0;
      let inflightCommitted = 0;
      for (const [seq, n] of rows) {
        if (unanswered.has(seq)) {
          inflightCommitted += n;
          if (n !== params.eventsPerBatch) partial++;
        }
      }
      out[ph.tag.startsWith('crash') ? 'crashPhase' : 'loadPhase'] = {
        eventsAccepted200: ph.accepted,
        inboxRows: perBatch.reduce((s, r) => s + r.n, 0),
        ackedEventsMissingFromInbox: ackedMissing,
        ...(ph.unanswered ? { inFlightBatchesCommitted: [...rows.keys()].filter((s) => unanswered.has(s)).length, inFlightEventsCommitted: inflightCommitted, partlyCommittedBatches: partial } : {}),
      };
    }
  } finally {
    await db.close();
  }
  const engine = await openDuckDb({ path: path.join(run.dataDir, 'analytics', 'events.duckdb') });
  try {
    const [e] = await engine.query<{ n: number; d: number }>(`SELECT count(*) AS n, count(DISTINCT inbox_id) AS d FROM events WHERE shop_id = $s`, { s: shopId });
    out.engineRowsForShop = Number(e.n);
    out.engineDistinctInboxIds = Number(e.d);
    out.engineDuplicateRows = Number(e.n) - Number(e.d);
    out.engineMatchesInbox = Number(e.n) === out.inboxRowsForShop;
    /** Inbox rows at or below the loader's mark that the engine does not hold: passed over, never to be loaded. */
    out.inboxRowsPassedOverByLoader = (out.inboxRowsForShop as number) - (out.loaderMark as { inboxRowsAfterMark: number }).inboxRowsAfterMark - Number(e.d);
  } finally {
    await engine.close();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------

async function runMode(mode: Mode) {
  // `after`: this process accepts events but does not own the engine, so no loader runs during the load.
  const se = await boot(mode, params.loader === 'after' ? { ANALYTICS_OWNER: 'false' } : {});
  const people = makePeople(params.people);
  const agent = new http.Agent({ keepAlive: true });
  const config = await json(agent, se.base, 'GET', `/api/store/${SHOP}/analytics/config`);
  agent.destroy();
  const c = new Console(se.base);
  await c.signIn();
  const baseline = params.loader === 'during' ? (await c.status()).events : 0;

  const maker = new BatchMaker(people, params.eventsPerBatch, `run${Date.now().toString(36)}`, batchHead(hostOf(se.base), config.writeKey));
  const meter = new ThreadMeter(se.server, mode, se.run.databaseUrl);
  const quietWaitMs = await meter.waitForQuiet();
  const load = await measureLoad(se, meter, maker);
  if (interrupted()) return;
  const a = load.answers;
  console.log(`  load done: ${a.accepted} events accepted (${a.inWindow.accepted} in the window), ${a.shed429} × 429; waiting for the loader…`);

  if (params.loader === 'after') {
    c.close();
    await se.server.stop();
    console.log('  restarting with the loader on…');
    const t = performance.now();
    se.server = await startServer('all', { ...se.run.env, ANALYTICS_OWNER: 'auto' });
    se.base = se.server.url;
    console.log(`  ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const c2 = params.loader === 'after' ? new Console(se.base) : c;
  if (params.loader === 'after') await c2.signIn();
  const loaderMeter = new CpuMeter([se.server], mode, se.run.databaseUrl);
  await loaderMeter.refreshRoles();
  const catchup = await catchUp(c2, loaderMeter, baseline + a.accepted, 'loading');
  await loaderMeter.refreshRoles();
  const final = catchup.atEnd;
  c2.close();
  const loaderCpu = catchup.cpu.msUsed;
  const loaderCpuPer1000 = (ms: number) => (catchup.loaded > 0 ? round((ms / catchup.loaded) * 1000, 1) : null);

  const crash = params.crash === 'on' ? await crashCheck(mode, se, people, config.writeKey) : null;
  console.log('  stopping the server, then checking the inbox and the engine file…');
  await se.server.stop();
  const check = await correctness(se.run, await shopIdFrom(se.run), [
    { tag: maker.tag, acked: a.acked, accepted: a.accepted },
    ...(crash ? [{ tag: crash.tag, acked: crash.acked, unanswered: crash.unanswered, accepted: crash.result.eventsAcceptedBeforeKill }] : []),
  ]);

  const secs = load.run.seconds;
  const u = load.run.cpu.msUsed;
  const eventsInWindow = a.inWindow.accepted;
  const per1000 = (ms: number) => (eventsInWindow > 0 ? round((ms / eventsInWindow) * 1000, 1) : null);
  const eventsPerSecond = round(eventsInWindow / secs);
  const lost = baseline + a.accepted - final.events;
  const result = {
    mode,
    date: new Date().toISOString(),
    commit: await gitCommit(),
    machine: machineInfo(mode),
    quietWaitMs,
    params: { ...params, topology: topologyName(0), engine: 'duckdb (DATA_DIR/analytics/events.duckdb)', request: 'POST /v1/batch (Segment batch, Basic write key of the demo shop)', eventMix: '60% page ($pageview), 25% product_viewed, 10% product_added, 5% order_paid (amount); 1 in 10 people also sends a userId' },
    aim: { eventsPerSecond: AIM_EVENTS_PER_SECOND, met: eventsPerSecond >= AIM_EVENTS_PER_SECOND },
    throughput: {
      eventsAcceptedPerSecond: eventsPerSecond,
      batchesPerSecond: round(load.tally.ok / secs),
      measuredSeconds: secs,
      eventsAcceptedInWindow: eventsInWindow,
      eventsAcceptedInAll: a.accepted,
    },
    cpuSecondsPer1000Events: {
      unit: 'CPU seconds per 1,000 events accepted in the measured window (the loader\'s share included when it ran during the load)',
      server: per1000(u.server) === null ? null : round(per1000(u.server)! / 1000, 4),
      serverPostgresRedis: per1000(u.server + u.postgresBackends + u.postgresBackground + u.redis) === null ? null : round(per1000(u.server + u.postgresBackends + u.postgresBackground + u.redis)! / 1000, 4),
      ...(mode === 'scaled' ? { postgres: round((per1000(u.postgresBackends + u.postgresBackground) ?? 0) / 1000, 4), redis: round((per1000(u.redis) ?? 0) / 1000, 4) } : {}),
      loadGenerator: per1000(u.loadGenerator) === null ? null : round(per1000(u.loadGenerator)! / 1000, 4),
    },
    cpuMsPerAnswer: cpuPerAnswer(load.run.cpu, load.tally.answers, mode),
    latencyMs: {
      request: latencySummary(a.attemptLatencies),
      batchIncludingRetries: latencySummary(load.tally.latencies),
      note: 'request: one HTTP request answered 200 (the last attempt of a batch); batchIncludingRetries: from the first attempt to the 200, 429 back-offs included',
    },
    shed: { status429InWindow: a.inWindow.shed429, status429InAll: a.shed429, note: 'each 429 was retried with the same batch (same messageIds) after Retry-After × 0.5–1' },
    statusCounts: load.tally.status,
    statusCountsIncludingWarmup: load.tally.statusIncludingWarmup,
    sampleErrors: load.tally.sampleErrors,
    cpu: load.run.cpu.percentOfCore,
    serverThreads: load.threads,
    loader: {
      ranDuringLoad: params.loader === 'during',
      engineEventsWhenLoadEnded: catchup.atStart.events - baseline,
      pendingWhenLoadEnded: catchup.atStart.pending,
      catchUpSeconds: catchup.seconds,
      catchUpEventsPerSecond: catchup.eventsPerSecond,
      eventsLoadedInCatchUp: catchup.loaded,
      cpuSecondsPer1000EventsInCatchUp: {
        server: loaderCpuPer1000(loaderCpu.server) === null ? null : round(loaderCpuPer1000(loaderCpu.server)! / 1000, 4),
        ...(mode === 'scaled' ? { postgres: round((loaderCpuPer1000(loaderCpu.postgresBackends + loaderCpu.postgresBackground) ?? 0) / 1000, 4) } : {}),
      },
      cpuInCatchUp: catchup.cpu.percentOfCore,
      caughtUp: catchup.done,
    },
    noLoss: {
      acceptedBy200Answers: a.accepted,
      engineEventsBefore: baseline,
      engineEventsAfter: final.events,
      pendingAfter: final.pending,
      lost,
      duplicatesAnswered: a.duplicates,
      eventsRefusedInBatches: a.rejectedEvents,
      networkErrors: a.networkErrors,
      ok: lost === 0 && final.pending === 0 && a.duplicates === 0 && final.events === baseline + a.accepted,
    },
    crashCheck: crash?.result ?? null,
    correctness: check,
    serverWarnings: se.server.warnings.filter((w) => !/SANDBOX is on|SEED_DEMO is on|PUBLIC_URL is not set|METRICS/.test(w)).slice(0, 10),
  };
  // Variants get their own file next to the default run's: <mode>[-loader-after][-max-pending-N].json.
  const name = [mode, params.loader === 'after' ? 'loader-after' : '', params.maxPending !== 50_000 ? `max-pending-${params.maxPending}` : ''].filter(Boolean).join('-') as Mode;
  printSummary(result, writeResult(RESULTS, name, result));
  await runCleanups();
  return result;
}

/** The demo shop's id, from the database once the server has stopped. */
async function shopIdFrom(run: RunEnv): Promise<string> {
  const db = run.databaseUrl ? await openPostgres(run.databaseUrl) : await openPglite(run.dataDir);
  try {
    const [s] = await db.query<{ id: string }>(`SELECT id FROM shops WHERE slug = $1`, [SHOP]);
    return s.id;
  } finally {
    await db.close();
  }
}

function printSummary(r: any, file: string) {
  const c = r.correctness;
  const rows: [string, string][] = [
    ['mode', `${r.mode} (${r.params.topology}), loader ${r.params.loader} the load`],
    ['load', `${r.params.connections} connections, ${r.params.loop === 'open' ? `${r.params.rateEventsPerSecond} events/s offered` : 'closed loop'}, ${r.params.eventsPerBatch} events a batch, ${r.params.durationSeconds} s after ${r.params.warmupSeconds} s warm-up`],
    ['events accepted/s', `${r.throughput.eventsAcceptedPerSecond} (aim ${AIM_EVENTS_PER_SECOND}: ${r.aim.met ? 'met' : 'not met'}), ${r.throughput.batchesPerSecond} batches/s`],
    ['request p50 / p99 / max', `${r.latencyMs.request.p50} / ${r.latencyMs.request.p99} / ${r.latencyMs.request.max} ms`],
    ['429 (window / all)', `${r.shed.status429InWindow} / ${r.shed.status429InAll}`],
    ['CPU s per 1000 events', `server ${r.cpuSecondsPer1000Events.server}${r.mode === 'scaled' ? `, PostgreSQL ${r.cpuSecondsPer1000Events.postgres}` : ''}; load generator ${r.cpuSecondsPer1000Events.loadGenerator}`],
    ['CPU ms per batch', cpuLine(r.cpuMsPerAnswer)],
    ['CPU (% of a core)', Object.entries(r.cpu).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['server threads (% of a core)', `main ${r.serverThreads.mainThread}, others ${r.serverThreads.otherThreads} (${r.serverThreads.busiestOtherThreads.join(', ')})`],
    ['loader', `${r.loader.engineEventsWhenLoadEnded} loaded when the load ended, ${r.loader.pendingWhenLoadEnded} pending; caught up in ${r.loader.catchUpSeconds} s (${r.loader.catchUpEventsPerSecond} events/s, server ${r.loader.cpuSecondsPer1000EventsInCatchUp.server} CPU s per 1000)`],
    ['no loss', `engine ${r.noLoss.engineEventsAfter} = ${r.noLoss.engineEventsBefore} + ${r.noLoss.acceptedBy200Answers} accepted, pending ${r.noLoss.pendingAfter}, duplicates ${r.noLoss.duplicatesAnswered}: ${r.noLoss.ok ? 'ok' : 'MISMATCH'}`],
    ['inbox / engine rows', `${c.inboxRowsForShop} / ${c.engineRowsForShop}, duplicate engine rows ${c.engineDuplicateRows}, acked missing ${c.loadPhase.ackedEventsMissingFromInbox} ${c.engineMatchesInbox && c.loadPhase.ackedEventsMissingFromInbox === 0 ? 'ok' : 'MISMATCH'}`],
  ];
  if (r.crashCheck) {
    const k = r.crashCheck;
    rows.push(['crash check', `${k.eventsAcceptedBeforeKill} accepted before SIGKILL, ${k.batchesInFlightAtKill} batches in flight; after restart +${k.engineEventsAddedByThisPhase} in the engine, acked missing ${c.crashPhase.ackedEventsMissingFromInbox}, partly committed ${c.crashPhase.partlyCommittedBatches}: ${k.allAcceptedPresent && c.crashPhase.ackedEventsMissingFromInbox === 0 ? 'ok' : 'LOST'}`]);
  }
  printRows(rows, file);
}

runModes('ingest', modes, runMode);
