/**
 * CPU accounting from /proc: what the server, PostgreSQL, Redis and the load generator each used between
 * two samples, so a benchmark can say what one answer costs in CPU — the figure that still means
 * something when the machine is shared and wall-clock rates are not.
 */
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Mode } from './args.js';
import { ADMIN_PG, openPostgres } from './database.js';
import { sleep } from './http.js';
import type { Server } from './server.js';
import { round } from './stats.js';

const CLK_TCK = 100;

/** utime + stime of a process, all its threads (the server's PGlite worker thread included), in ticks. */
function procTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** Ticks of every process whose command name is `comm`, by pid. */
function ticksByPid(comm: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (d.charCodeAt(0) > 57) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === comm) out.set(Number(d), procTicks(Number(d)));
    } catch {
      /* process ended */
    }
  }
  return out;
}

function machineTicks() {
  const [, ...f] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = f.map(Number);
  const idle = n[3] + n[4];
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface CpuSample {
  at: number;
  loadgen: NodeJS.CpuUsage;
  servers: number;
  postgres: Map<number, number>;
  redis: number;
  machine: { busy: number; total: number };
}

type PgRole = 'ours' | 'shared' | 'other';

/**
 * Samples CPU of the run's processes. PostgreSQL processes are told apart with pg_stat_activity: the
 * backends of the run's database (`ours`), the cluster's background processes — WAL writer,
 * checkpointer, autovacuum launcher… (`shared`, working for every database, ours among them) — and the
 * backends of other databases (`other`: someone else's tests, counted as other processes). Redis has
 * no such split: redis-server's whole CPU is reported.
 */
export class CpuMeter {
  private roles = new Map<number, PgRole>();

  constructor(
    private servers: Server[],
    readonly mode: Mode,
    /** The run's database (scaled mode). */
    private databaseUrl?: string,
  ) {}

  /** Learns which PostgreSQL process serves which database; call before the first and the last sample. */
  async refreshRoles() {
    if (this.mode !== 'scaled' || !this.databaseUrl) return;
    const ours = new URL(this.databaseUrl).pathname.slice(1);
    const db = await openPostgres(ADMIN_PG);
    try {
      const list = await db.query<{ pid: number; datname: string | null; backend_type: string }>(`SELECT pid, datname, backend_type FROM pg_stat_activity WHERE pid <> pg_backend_pid()`);
      for (const r of list) this.roles.set(r.pid, r.datname === ours ? 'ours' : r.datname === null ? 'shared' : 'other');
    } finally {
      await db.close();
    }
  }

  /** Synchronous, so it can be taken at an exact moment of the load (e.g. sold out). */
  sample(): CpuSample {
    return {
      at: performance.now(),
      loadgen: process.cpuUsage(),
      servers: this.servers.reduce((a, s) => a + procTicks(s.child.pid!), 0),
      postgres: this.mode === 'scaled' ? ticksByPid('postgres') : new Map(),
      redis: this.mode === 'scaled' ? [...ticksByPid('redis-server').values()].reduce((a, b) => a + b, 0) : 0,
      machine: machineTicks(),
    };
  }

  /** CPU between two samples, in % of one core and in milliseconds. */
  report(a: CpuSample, b: CpuSample): CpuReport {
    const secs = (b.at - a.at) / 1000;
    const ms = (ticks: number) => (ticks / CLK_TCK) * 1000;
    const pg = { ours: 0, shared: 0, other: 0 };
    for (const [pid, ticks] of b.postgres) {
      // A process born inside the window used all its ticks inside it.
      const used = ticks - (a.postgres.get(pid) ?? 0);
      pg[this.roles.get(pid) ?? 'shared'] += ms(Math.max(0, used));
    }
    const msUsed = {
      server: ms(b.servers - a.servers),
      postgresBackends: pg.ours,
      postgresBackground: pg.shared,
      redis: ms(b.redis - a.redis),
      loadGenerator: (b.loadgen.user + b.loadgen.system - a.loadgen.user - a.loadgen.system) / 1000,
    };
    const cores = os.cpus().length;
    const machineMs = ((b.machine.busy - a.machine.busy) / Math.max(1, b.machine.total - a.machine.total)) * cores * secs * 1000;
    const accounted = msUsed.server + pg.ours + pg.shared + msUsed.redis + msUsed.loadGenerator;
    const pct = (m: number) => round((m / 1000 / secs) * 100, 0);
    return {
      seconds: round(secs, 2),
      msUsed,
      percentOfCore: {
        server: pct(msUsed.server),
        ...(this.mode === 'scaled' ? { postgresBackends: pct(pg.ours), postgresBackground: pct(pg.shared), redis: pct(msUsed.redis) } : {}),
        loadGenerator: pct(msUsed.loadGenerator),
        machineBusy: pct(machineMs),
        /** Whatever else ran meanwhile (other people's tests, other databases, the OS): noise in the figures. */
        otherProcesses: pct(Math.max(0, machineMs - accounted)),
        machineCapacity: cores * 100,
      },
    };
  }

  /**
   * Waits until the servers use less than `pct` % of a core over one second — the background work that
   * setup left (outbox events, jobs) is done — or `maxMs` passed; answers the milliseconds waited.
   */
  async waitForQuiet(pct = 10, maxMs = 60_000): Promise<number> {
    const start = performance.now();
    for (;;) {
      const a = this.sample();
      await sleep(1000);
      const busy = this.report(a, this.sample()).percentOfCore.server;
      if (busy < pct || performance.now() - start > maxMs) return Math.round(performance.now() - start);
    }
  }
}

export interface CpuReport {
  seconds: number;
  msUsed: { server: number; postgresBackends: number; postgresBackground: number; redis: number; loadGenerator: number };
  percentOfCore: Record<string, number>;
}

/**
 * The headline: CPU milliseconds per answer — server + PostgreSQL + Redis, each apart, and the load
 * generator's own per request, shown apart (it is not part of the system under test).
 */
export function cpuPerAnswer(r: CpuReport, answers: number, mode: Mode) {
  const per = (ms: number) => (answers > 0 ? round(ms / answers, 3) : null);
  const u = r.msUsed;
  const pg = u.postgresBackends + u.postgresBackground;
  return {
    unit: 'CPU milliseconds per answer in the measured window',
    answers,
    serverPostgresRedis: per(u.server + pg + u.redis),
    server: per(u.server),
    ...(mode === 'scaled'
      ? {
          postgres: per(pg),
          postgresBackends: per(u.postgresBackends),
          postgresBackground: per(u.postgresBackground),
          redis: per(u.redis),
          note: "postgresBackends: the run database's connections; postgresBackground: WAL writer, checkpointer and the like (shared by every database); redis: the whole redis-server",
        }
      : { note: 'embedded: PostgreSQL (PGlite, in its worker thread) and the hot store run inside the server process' }),
    loadGeneratorPerRequest: per(u.loadGenerator),
  };
}
