/** CPU accounting from /proc: who used the 2 cores between two samples. */
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Mode } from './args.js';
import { sleep } from './http.js';
import type { Server } from './server.js';
import { round } from './stats.js';

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

export interface CpuSample {
  at: number;
  loadgen: NodeJS.CpuUsage;
  servers: number;
  postgres: number;
  redis: number;
  machine: { busy: number; total: number };
}

export function cpuSample(servers: Server[], mode: Mode): CpuSample {
  return {
    at: performance.now(),
    loadgen: process.cpuUsage(),
    servers: servers.reduce((a, s) => a + procTicks(s.child.pid!), 0),
    postgres: mode === 'scaled' ? ticksOf('postgres') : 0,
    redis: mode === 'scaled' ? ticksOf('redis-server') : 0,
    machine: machineTicks(),
  };
}

/** Per cent of one core, averaged between the samples (200 = both cores busy). */
export function cpuReport(a: CpuSample, b: CpuSample, mode: Mode) {
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

/**
 * Waits until the servers use less than `pct` % of a core over one second — the background work that
 * setup left (outbox events, jobs) is done — or `maxMs` passed; answers the milliseconds waited.
 */
export async function waitForQuiet(servers: Server[], mode: Mode, pct = 10, maxMs = 60_000): Promise<number> {
  const start = performance.now();
  for (;;) {
    const a = cpuSample(servers, mode);
    await sleep(1000);
    const busy = cpuReport(a, cpuSample(servers, mode), mode).server;
    if (busy < pct || performance.now() - start > maxMs) return Math.round(performance.now() - start);
  }
}
