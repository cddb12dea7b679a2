/** The real server in child processes: `node --import tsx apps/server/src/main.ts <role>` on a free port. */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.js';
import { request, sleep } from './http.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Server {
  role: string;
  url: string;
  child: ChildProcess;
  /** The last 200 lines it printed. */
  output: string[];
  /** The first 100 log lines at warn level or above (pino JSON, level ≥ 40), kept for the report. */
  warnings: string[];
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
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

export async function startServer(role: 'all' | 'serve' | 'worker', env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  // `node --import tsx` keeps the server in one process, so signals reach it directly. The flags are those
  // of `npm start` (apps/server/package.json): a 64 MB young generation, so a burst's short-lived request
  // objects die in fewer scavenges (bench/storefront/README.md: p99 17.1 → 6.1 ms). BENCH_SERVER_NODE_ARGS adds node flags,
  // e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where the server's time goes.
  const nodeArgs = ['--max-semi-space-size=64', ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'apps/server/src/main.ts', role], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output: string[] = [];
  const warnings: string[] = [];
  const keep = (chunk: Buffer) => {
    const lines = chunk.toString('utf8').split('\n').filter(Boolean);
    output.push(...lines);
    if (output.length > 200) output.splice(0, output.length - 200);
    for (const l of lines) if (warnings.length < 100 && Number(/"level":(\d+)/.exec(l)?.[1] ?? 0) >= 40) warnings.push(l);
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
  const server: Server = { role, url: `http://127.0.0.1:${port}`, child, output, warnings, stop };
  onCleanup(stop);
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

/**
 * `serve: 0` starts one `all` process (HTTP + worker); `serve: N` starts N `serve` processes and one
 * `worker`. The first process seeds the demo shop; the others start once it exists.
 */
export async function startServers(serve: number, env: Record<string, string>): Promise<Server[]> {
  if (serve === 0) return [await startServer('all', env)];
  const servers = [await startServer('serve', env)];
  for (let i = 1; i < serve; i++) servers.push(await startServer('serve', { ...env, SEED_DEMO: 'false' }));
  servers.push(await startServer('worker', { ...env, SEED_DEMO: 'false' }));
  return servers;
}

export const topologyName = (serve: number) => (serve === 0 ? '1 × all (HTTP + worker)' : `${serve} × serve + 1 × worker`);
