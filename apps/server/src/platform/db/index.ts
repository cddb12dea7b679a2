import fs from 'node:fs';
import path from 'node:path';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql, type SQL } from 'drizzle-orm';

/** A Drizzle handle: the database itself or an open transaction (they share the query API). */
export type Db = PgDatabase<PgQueryResultHKT, Record<string, never>>;

export interface Database {
  kind: 'pglite' | 'postgres';
  db: Db;
  /**
   * Runs `fn` in one transaction. On PostgreSQL a serialization failure or deadlock is retried
   * (the whole function runs again), so `fn` must only touch the database through `tx`.
   * On PGlite there is one connection: using the outer `db` inside `fn` would wait forever.
   */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Multi-statement SQL without parameters (migrations). */
  exec(text: string): Promise<void>;
  /**
   * Runs `fn` while holding a lock across processes: cluster-wide (one migrator at a time), or for this
   * schema's data only (`schema`: installations in other schemas of the same cluster — tests, previews —
   * never wait on each other's loaders).
   */
  exclusive<T>(key: number, fn: () => Promise<T>, scope?: 'cluster' | 'schema'): Promise<T>;
  close(): Promise<void>;
}

export interface DbOptions {
  databaseUrl?: string;
  /** Directory for PGlite files; `memory://` for an in-memory database. */
  dataDir: string;
  /** PostgreSQL schema to use (tests isolate themselves in a fresh schema). */
  schema?: string;
  poolSize?: number;
  /**
   * Embedded mode: PGlite in a worker thread behind node-postgres (default), or, when false, on the
   * calling thread through drizzle-orm/pglite as before (kept to compare the two).
   */
  pgliteInWorker?: boolean;
}

const RETRYABLE = new Set(['40001', '40P01']);

export async function createDatabase(opts: DbOptions): Promise<Database> {
  if (opts.databaseUrl) return createPostgres(opts);
  if (opts.pgliteInWorker === false) return createPgliteInThread(opts);
  return createPgliteInWorker(opts);
}

async function loadPg() {
  const pg = (await import('pg')).default;
  // bigint (int8) and numeric come back as strings by default; counts and fen sums fit in JS numbers.
  // Set once for the process: these are the parsers of every query, PostgreSQL or embedded.
  pg.types.setTypeParser(20, (v: string) => Number(v));
  pg.types.setTypeParser(1700, (v: string) => Number(v));
  return pg;
}

type Pool = import('pg').Pool;

/** Drizzle over a node-postgres pool: `db`, `transaction` (retried on serialization failure or deadlock), `exec`. */
async function overPool(pool: Pool) {
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const db = drizzle(pool) as unknown as Db;
  return {
    db,
    async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction((tx) => fn(tx as unknown as Db));
        } catch (err) {
          const code = (err as { code?: string; cause?: { code?: string } }).code ?? (err as { cause?: { code?: string } }).cause?.code;
          if (code && RETRYABLE.has(code) && attempt < 5) {
            await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20));
            continue;
          }
          throw err;
        }
      }
    },
    async exec(text: string) {
      await pool.query(text);
    },
  };
}

async function createPostgres(opts: DbOptions): Promise<Database> {
  const pg = await loadPg();
  if (opts.schema) {
    const admin = new pg.Client({ connectionString: opts.databaseUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${opts.schema}"`);
    await admin.end();
  }
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    max: opts.poolSize ?? 10,
    options: opts.schema ? `-c search_path="${opts.schema}",public` : undefined,
  });
  pool.on('error', () => {
    /* idle client errors are reported by the next query */
  });
  return {
    kind: 'postgres',
    ...(await overPool(pool)),
    async exclusive(key, fn, scope = 'cluster') {
      const conn = await pool.connect();
      // The two-key form for a schema's lock: (hash of the schema, key) never meets the one-key locks.
      const [lock, unlock] = scope === 'schema'
        ? ['SELECT pg_advisory_lock(hashtext(current_schema()), $1::int)', 'SELECT pg_advisory_unlock(hashtext(current_schema()), $1::int)']
        : ['SELECT pg_advisory_lock($1)', 'SELECT pg_advisory_unlock($1)'];
      try {
        await conn.query(lock, [key]);
        try {
          return await fn();
        } finally {
          await conn.query(unlock, [key]);
        }
      } finally {
        conn.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

function pgliteDir(dataDir: string) {
  if (dataDir.startsWith('memory://')) return dataDir;
  fs.mkdirSync(path.resolve(dataDir), { recursive: true });
  return path.resolve(dataDir, 'pglite');
}

/**
 * PGlite runs Postgres synchronously on the thread that calls it. On the HTTP thread a busy database
 * stops Node from accepting connections and answering for as long as it runs, so it runs in a worker
 * thread (pglite-worker.mjs), reached by node-postgres over a MessagePort.
 */
async function createPgliteInWorker(opts: DbOptions): Promise<Database> {
  const pg = await loadPg();
  const { PgliteWorker } = await import('./pglite-client.js');
  const worker = await PgliteWorker.start(pgliteDir(opts.dataDir));
  // One backend, so one connection: a transaction holds it, and everything else queues in the pool
  // until COMMIT or ROLLBACK, as PGlite itself does. Kept open while idle: reconnecting costs a startup.
  const pool = new pg.Pool({
    max: 1,
    idleTimeoutMillis: 0,
    stream: () => worker.connect(),
    user: 'postgres',
    database: 'postgres',
    ssl: false,
  });
  pool.on('error', () => {
    /* a worker that died is reported by the next query */
  });
  return {
    kind: 'pglite',
    ...(await overPool(pool)),
    // One process owns a PGlite directory, so there is nobody to exclude.
    exclusive: (_key, fn) => fn(),
    async close() {
      await pool.end();
      await worker.close();
    },
  };
}

async function createPgliteInThread(opts: DbOptions): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const client = await PGlite.create(pgliteDir(opts.dataDir), {
    parsers: { 20: (v: string) => Number(v), 1700: (v: string) => Number(v) },
  });
  const db = drizzle(client) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    transaction: (fn) => db.transaction((tx) => fn(tx as unknown as Db)),
    async exec(text) {
      await client.exec(text);
    },
    exclusive: (_key, fn) => fn(),
    async close() {
      await client.close();
    },
  };
}

/** Rows of a raw query, the same on both drivers. */
export async function rows<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  const res = (await db.execute(query)) as unknown as { rows: T[] };
  return res.rows;
}

export { sql };

/** Whether a database error is a unique-constraint violation (PostgreSQL 23505), from either driver. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } } | null;
  return e?.code === '23505' || e?.cause?.code === '23505';
}

/**
 * Creates a record once per client request key (Idempotency-Key): a retry finds the first record, and a
 * retry racing the first loses on the key's unique index and then finds the winner's.
 */
export async function createOnce<T>(key: string | undefined, find: () => Promise<T | null>, create: () => Promise<T>): Promise<T> {
  if (key) {
    const existing = await find();
    if (existing) return existing;
  }
  try {
    return await create();
  } catch (err) {
    if (!(key && isUniqueViolation(err))) throw err;
    const winner = await find();
    if (!winner) throw err;
    return winner;
  }
}

/** Escapes LIKE wildcards so a search for "50%" finds "50%", not everything starting with "50". */
export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
