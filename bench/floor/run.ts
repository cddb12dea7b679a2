/**
 * The per-request floor: how much a Siyu storefront JSON route costs when it touches neither the database
 * nor the hot store (`GET /api/store/:shop/shop`: the shop comes from the shop cache), against the same
 * route on a bare Fastify server. Closed loop, as fast as answered, server CPU per answer as the headline.
 *
 *   npx tsx bench/floor/run.ts [--connections 32] [--duration 10] [--warmup 3] [--out DIR]
 *
 * Embedded mode only (the route touches no store, so the run mode does not matter). Writes
 * bench/floor/results/embedded.json.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs } from '../lib/args.js';
import { interrupted, runCleanups, runMain } from '../lib/cleanup.js';
import { CpuMeter, cpuPerAnswer } from '../lib/cpu.js';
import { get, hostOf, openLanes, type Done, type Job } from '../lib/load.js';
import { cpuLine, gitCommit, machineInfo, printRows, writeResult } from '../lib/report.js';
import { bootRun } from '../lib/run-env.js';
import { freePort, ROOT, type Server } from '../lib/server.js';
import { latencySummary, round } from '../lib/stats.js';
import { Tally, timedRun } from '../lib/window.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = parseBenchArgs(here, { connections: 32, duration: 10 }, { warmup: '3' });

interface Req extends Job {
  wire: string;
}

async function startBare(): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', path.join(here, 'bare-server.ts')], { cwd: ROOT, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`bare server exited ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, role: 'all' } as unknown as Server;
}

async function measure(server: Server, routePath: string) {
  const host = hostOf(server.url);
  const wire = get(host, routePath);
  const lanes = await openLanes([server.url], args.ints.connections, () => wire);
  const meter = new CpuMeter([server], 'embedded');
  const all = new Tally();
  const run = await timedRun<Req>({
    lanes,
    loop: { kind: 'closed' },
    warmupSeconds: Number(args.strings.warmup),
    durationSeconds: args.ints.duration,
    meter,
    stop: interrupted,
    next: () => ({ wire, wantBody: false }) as Req,
    onDone: (d: Done<Req>, inWindow) => all.add(d, inWindow, (s) => s === 200),
  });
  lanes.forEach((l) => l.close());
  const cpu = cpuPerAnswer(run.cpu, all.answers, 'embedded');
  return {
    route: `GET ${routePath}`,
    answersPerSecond: round(all.answers / run.seconds),
    status: all.status,
    latencyMs: latencySummary(all.allLatencies),
    cpuMsPerAnswer: cpu,
  };
}

runMain(async () => {
  console.log('floor: bare Fastify …');
  const bare = await startBare();
  const bareResult = await measure(bare, '/api/store/demo/shop');
  bare.child.kill('SIGTERM');
  console.log('floor: Siyu (embedded) …');
  const run = await bootRun('embedded', 'bench-floor', args.tmp, 0);
  const [siyu] = run.servers;
  const siyuShop = await measure(siyu, '/api/store/demo/shop');
  const siyuHealth = await measure(siyu, '/healthz');
  await runCleanups();
  const budget = siyuShop.cpuMsPerAnswer.server != null && bareResult.cpuMsPerAnswer.server != null ? round(siyuShop.cpuMsPerAnswer.server - bareResult.cpuMsPerAnswer.server, 3) : null;
  const result = {
    bench: 'floor',
    commit: await gitCommit(),
    at: new Date().toISOString(),
    machine: machineInfo('embedded'),
    params: { connections: args.ints.connections, durationSeconds: args.ints.duration },
    bareFastify: bareResult,
    siyuStorefrontShop: siyuShop,
    siyuHealthz: siyuHealth,
    middlewareBudgetMs: { value: budget, meaning: 'server CPU per answer of the Siyu storefront route minus the bare Fastify route: what hooks, scope, cache lookup, metrics and headers cost' },
  };
  const file = writeResult(args.results, 'embedded', result);
  printRows(
    [
      ['bare Fastify', `${bareResult.answersPerSecond}/s, ${cpuLine(bareResult.cpuMsPerAnswer)}`],
      ['Siyu /api/store/demo/shop', `${siyuShop.answersPerSecond}/s, ${cpuLine(siyuShop.cpuMsPerAnswer)}`],
      ['Siyu /healthz', `${siyuHealth.answersPerSecond}/s, ${cpuLine(siyuHealth.cpuMsPerAnswer)}`],
      ['middleware budget', `${budget} ms server CPU per answer over bare Fastify`],
    ],
    file,
  );
});
