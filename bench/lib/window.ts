/**
 * A timed run: warm-up, then a measured window. A request belongs to the window when its answer arrives
 * inside it; CPU is sampled at the window's two edges, so CPU per answer is "what the window cost ÷ what
 * it answered". Requests still in flight when the window closes are awaited (they count in the totals,
 * not in the figures).
 */
import { performance } from 'node:perf_hooks';
import type { CpuMeter, CpuReport } from './cpu.js';
import { sleep } from './http.js';
import { drive, type Done, type Job, type Lane, type Loop } from './load.js';

export interface TimedRun {
  /** Seconds the window lasted (as sampled). */
  seconds: number;
  cpu: CpuReport;
  issued: number;
  /** Open loop: the longest line of requests that were due but found no free connection. */
  maxQueue: number;
}

export async function timedRun<T extends Job>(opts: {
  lanes: Lane[];
  loop: Loop;
  warmupSeconds: number;
  durationSeconds: number;
  meter: CpuMeter;
  next: (i: number) => T | null;
  onDone: (d: Done<T>, inWindow: boolean) => void;
  stop?: () => boolean;
  /** Called every `everySeconds` of the window with the answers inside it so far. */
  progress?: (secondsIn: number) => void;
}): Promise<TimedRun> {
  await opts.meter.refreshRoles();
  const start = performance.now();
  const windowStart = start + opts.warmupSeconds * 1000;
  const windowEnd = windowStart + opts.durationSeconds * 1000;
  let first: ReturnType<CpuMeter['sample']> | undefined;
  let last: ReturnType<CpuMeter['sample']> | undefined;
  const stop = () => performance.now() >= windowEnd || (opts.stop?.() ?? false);
  const edges = (async () => {
    await sleep(Math.max(0, windowStart - performance.now()));
    first = opts.meter.sample();
    while (performance.now() < windowEnd - 5 && !opts.stop?.()) {
      await sleep(Math.min(5000, Math.max(0, windowEnd - performance.now())));
      if (performance.now() < windowEnd - 5) opts.progress?.((performance.now() - windowStart) / 1000);
    }
    last = opts.meter.sample();
  })();
  const driven = await drive(opts.lanes, opts.loop, opts.next, (d) => opts.onDone(d, d.t1 >= windowStart && d.t1 <= windowEnd), stop);
  await edges;
  await opts.meter.refreshRoles();
  const cpu = opts.meter.report(first!, last!);
  return { seconds: cpu.seconds, cpu, issued: driven.issued, maxQueue: driven.maxQueue };
}

/** Status counts and latencies of a run: inside the window, and in all. */
export class Tally {
  readonly status: Record<string, number> = {};
  readonly statusIncludingWarmup: Record<string, number> = {};
  /** Latencies (ms) of the window's answers that `ok` accepted. */
  readonly latencies: number[] = [];
  /** Latencies of every answer in the window, whatever its status. */
  readonly allLatencies: number[] = [];
  readonly sampleErrors: string[] = [];
  answers = 0;
  ok = 0;

  add(d: Done<Job>, inWindow: boolean, ok: (status: number) => boolean = (s) => s >= 200 && s < 300) {
    const key = d.reply.status === 0 ? 'network_error' : String(d.reply.status);
    this.statusIncludingWarmup[key] = (this.statusIncludingWarmup[key] ?? 0) + 1;
    if (d.reply.status === 0 && this.sampleErrors.length < 5) this.sampleErrors.push(d.reply.error ?? 'network error');
    if (!inWindow) return;
    this.status[key] = (this.status[key] ?? 0) + 1;
    this.answers++;
    const ms = d.t1 - d.t0;
    this.allLatencies.push(ms);
    if (ok(d.reply.status)) {
      this.ok++;
      this.latencies.push(ms);
    }
  }

  /** Keeps the first few error bodies (the caller asked for bodies of answers it wants to show). */
  noteError(text: string) {
    if (this.sampleErrors.length < 5) this.sampleErrors.push(text.slice(0, 300));
  }
}
