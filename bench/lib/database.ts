/**
 * Database access for the correctness counters (the same SQL on both run modes) and the temp
 * PostgreSQL database of a scaled run.
 */
import { randomInt } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { onCleanup } from './cleanup.js';

export const ADMIN_PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Sql {
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function openPostgres(url: string): Promise<Sql> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return { query: async (t, p) => (await c.query(t, p as unknown[])).rows, close: () => c.end() };
}

/** PGlite allows one process per data directory: only open it after the server has stopped. */
export async function openPglite(dataDir: string): Promise<Sql> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(path.join(dataDir, 'pglite'));
  return { query: async (t, p) => (await db.query(t, p as unknown[])).rows as never[], close: () => db.close() };
}

/** Creates `<prefix>_<stamp>_<n>` next to ADMIN_PG, dropped at cleanup; answers its URL. */
/** Runs `fn` on the server's `postgres` database of `url` (to create or drop the one a test works in). */
export async function onMaintenanceDb<T>(url: string, fn: (c: Sql) => Promise<T>): Promise<T> {
  const u = new URL(url);
  u.pathname = '/postgres';
  const c = await openPostgres(u.toString());
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

export async function createTempDatabase(prefix: string, stamp: string): Promise<string> {
  const dbName = `${prefix}_${stamp}_${randomInt(0, 1000)}`;
  const admin = await openPostgres(ADMIN_PG);
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.close();
  onCleanup(async () => {
    const a = await openPostgres(ADMIN_PG);
    await a.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await a.close();
  });
  const u = new URL(ADMIN_PG);
  u.pathname = `/${dbName}`;
  return u.toString();
}
