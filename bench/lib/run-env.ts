/** Where a run's server keeps its data, per mode, and the environment it starts with. */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Mode } from './args.js';
import { onCleanup } from './cleanup.js';
import { createTempDatabase, openPglite, openPostgres, REDIS_URL, type Sql } from './database.js';
import { startServers, topologyName } from './server.js';

export interface RunEnv {
  env: Record<string, string>;
  dataDir: string;
  /** scaled: the temp PostgreSQL database (readable while the servers run). */
  databaseUrl?: string;
  /** The database the correctness counters read once the servers have stopped. */
  openDatabase(): Promise<Sql>;
}

/**
 * embedded: a fresh PGlite data directory under `tmp`; scaled: a fresh PostgreSQL database
 * `<name>_<timestamp>_<n>` and the shared Redis. Both are removed at cleanup. The server runs in
 * production mode with the demo shop, the sandbox vendors and SMS limits raised for mass sign-in.
 */
export async function prepareRun(mode: Mode, name: string, tmp: string, extraEnv: Record<string, string> = {}): Promise<RunEnv> {
  const stamp = new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 14);
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    SESSION_SECRET: `${name}-session-secret-not-for-real-use`,
    SEED_DEMO: 'true',
    LOG_LEVEL: 'warn',
    SANDBOX: 'true',
    SMS_IP_HOURLY_LIMIT: '100000',
    SMS_DAILY_LIMIT: '1000',
    ...extraEnv,
  };
  // Scaled mode keeps no database here, but media (none uploaded) would otherwise land in ./data of the repo.
  const dataDir = path.join(tmp, `${mode}-${stamp}`);
  fs.mkdirSync(dataDir, { recursive: true });
  env.DATA_DIR = dataDir;
  onCleanup(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  if (mode === 'embedded') return { env, dataDir, openDatabase: () => openPglite(dataDir) };
  const url = await createTempDatabase(name.replace(/-/g, '_'), stamp);
  env.DATABASE_URL = url;
  env.REDIS_URL = REDIS_URL;
  return { env, dataDir, databaseUrl: url, openDatabase: () => openPostgres(url) };
}

/** prepareRun, then the servers (see startServers for `serve`), saying what it does on the console. */
export async function bootRun(mode: Mode, name: string, tmp: string, serve: number) {
  console.log(`\n=== ${mode} ===`);
  const run = await prepareRun(mode, name, tmp);
  const topology = topologyName(serve);
  console.log(`  starting server (${topology})…`);
  const startedAt = performance.now();
  const servers = await startServers(serve, run.env);
  console.log(`  ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  return { ...run, servers, topology, startedAt };
}
