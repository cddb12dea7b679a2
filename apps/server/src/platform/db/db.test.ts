import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigint, integer, numeric, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { eq } from 'drizzle-orm';
import { createDatabase, isUniqueViolation, rows, sql, type Database, type DbOptions } from './index.js';
import { PgliteWorker } from './pglite-client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const items = pgTable('db_test_items', {
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
  total: bigint('total', { mode: 'number' }).notNull().default(0),
  ratio: numeric('ratio'),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
});

const schemaSql = `
  CREATE TABLE db_test_items (id int PRIMARY KEY, name text NOT NULL, total bigint NOT NULL DEFAULT 0, ratio numeric,
                              at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE db_test_log (n int);`;

// What every run mode must do alike. PostgreSQL when DATABASE_URL is set (in a fresh schema), otherwise
// both embedded variants: PGlite in its worker thread (the default) and on the calling thread.
const pgSchema = `t_db_${randomBytes(5).toString('hex')}`;
const variants: [string, DbOptions][] = process.env.DATABASE_URL
  ? [['postgres', { databaseUrl: process.env.DATABASE_URL, dataDir: 'memory://', schema: pgSchema }]]
  : [
      ['pglite in a worker', { dataDir: 'memory://' }],
      ['pglite in thread', { dataDir: 'memory://', pgliteInWorker: false }],
    ];

describe.each(variants)('database contract: %s', (_name, opts) => {
  let d: Database;
  beforeAll(async () => {
    d = await createDatabase(opts);
    await d.exec(schemaSql);
  });
  afterAll(async () => {
    await d.close();
    if (opts.schema) {
      const c = new pg.Client({ connectionString: opts.databaseUrl });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${opts.schema}" CASCADE`);
      await c.end();
    }
  });

  it('reads int8 and numeric as numbers, timestamps as Dates through the schema', async () => {
    await d.db.insert(items).values({ id: 1, name: 'a', total: 9_007_199_254, ratio: '2.5' });
    const [row] = await d.db.select().from(items).where(eq(items.id, 1));
    expect(row.total).toBe(9_007_199_254);
    expect(row.at).toBeInstanceOf(Date);
    const [raw] = await rows<{ total: number; ratio: number; n: number }>(d.db, sql`SELECT total, ratio, count(*) OVER () AS n FROM db_test_items WHERE id = 1`);
    expect(raw).toEqual({ total: 9_007_199_254, ratio: 2.5, n: 1 });
  });

  it('keeps the SQLSTATE of an error, wrapped by Drizzle as on every driver', async () => {
    const err = await d.db.insert(items).values({ id: 1, name: 'again' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isUniqueViolation(err)).toBe(true);
    expect((err as { cause?: { code?: string } }).cause?.code).toBe('23505');
    expect(await rows(d.db, sql`SELECT 1 AS ok`)).toEqual([{ ok: 1 }]);
  });

  it('rolls a transaction back when its function throws, and commits otherwise', async () => {
    await expect(
      d.transaction(async (tx) => {
        await tx.insert(items).values({ id: 2, name: 'lost' });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const id = await d.transaction(async (tx) => (await tx.insert(items).values({ id: 3, name: 'kept' }).returning())[0].id);
    expect(id).toBe(3);
    expect((await rows<{ id: number }>(d.db, sql`SELECT id FROM db_test_items WHERE id IN (2, 3)`)).map((r) => r.id)).toEqual([3]);
  });

  it('undoes only a failed savepoint of a nested transaction', async () => {
    await d.transaction(async (tx) => {
      await tx.insert(items).values({ id: 4, name: 'outer' });
      await tx
        .transaction(async (sp) => {
          await sp.insert(items).values({ id: 5, name: 'inner' });
          await sp.insert(items).values({ id: 4, name: 'duplicate' });
        })
        .catch((e: unknown) => expect(isUniqueViolation(e)).toBe(true));
      await tx.transaction(async (sp) => {
        await sp.insert(items).values({ id: 6, name: 'inner ok' });
      });
    });
    expect((await rows<{ id: number }>(d.db, sql`SELECT id FROM db_test_items WHERE id BETWEEN 4 AND 6 ORDER BY id`)).map((r) => r.id)).toEqual([4, 6]);
  });

  it('runs multi-statement SQL with exec', async () => {
    await d.exec(`INSERT INTO db_test_log VALUES (1); INSERT INTO db_test_log VALUES (2);
                  UPDATE db_test_log SET n = n * 10;`);
    expect(await rows(d.db, sql`SELECT n FROM db_test_log ORDER BY n`)).toEqual([{ n: 10 }, { n: 20 }]);
    await expect(d.exec(`INSERT INTO db_test_log VALUES (3); INSERT INTO nowhere VALUES (1)`)).rejects.toMatchObject({ code: '42P01' });
  });

  it('carries statements and results of several megabytes whole', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => `INSERT INTO db_test_log VALUES (${1000 + i}); -- ${'pad'.repeat(100)}`).join('\n');
    await d.exec(many);
    expect(await rows(d.db, sql`SELECT count(*)::int AS n FROM db_test_log WHERE n >= 1000`)).toEqual([{ n: 3000 }]);
    const big = await rows<{ s: string }>(d.db, sql`SELECT repeat(${'字'}, 1000000) || i AS s FROM generate_series(1, 3) i`);
    expect(big.map((r) => [r.s.length, r.s.slice(-2)])).toEqual([1, 2, 3].map((i) => [1_000_001, `字${i}`]));
  });
});

describe.each(variants.filter(([, o]) => !o.databaseUrl))('one connection: %s', (_name, opts) => {
  it('makes queries from outside wait until the open transaction ends', async () => {
    const d = await createDatabase(opts);
    try {
      await d.exec(schemaSql);
      const seen: string[] = [];
      let outside: Promise<unknown> | undefined;
      await d.transaction(async (tx) => {
        await tx.insert(items).values({ id: 1, name: 'in tx' });
        outside = rows<{ n: number }>(d.db, sql`SELECT count(*)::int AS n FROM db_test_items`).then((r) => {
          seen.push(`outside saw ${r[0].n}`);
        });
        await sleep(50);
        await tx.insert(items).values({ id: 2, name: 'still in tx' });
        seen.push('commit');
      });
      await outside;
      expect(seen).toEqual(['commit', 'outside saw 2']);
    } finally {
      await d.close();
    }
  });
});

describe('PGlite in a worker thread', () => {
  it('leaves the event loop free while a query runs', async () => {
    const d = await createDatabase({ dataDir: 'memory://' });
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 20);
      const started = performance.now();
      await rows(d.db, sql`SELECT pg_sleep(1)`);
      clearInterval(timer);
      expect(performance.now() - started).toBeGreaterThanOrEqual(900);
      // On the calling thread no timer could fire until the query returned.
      expect(ticks).toBeGreaterThanOrEqual(10);
    } finally {
      await d.close();
    }
  });

  it('keeps the data on disk across close and reopen', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-db-'));
    try {
      const first = await createDatabase({ dataDir: dir });
      await first.exec(schemaSql);
      await first.db.insert(items).values({ id: 7, name: 'persisted', total: 42 });
      await first.close();
      await expect(rows(first.db, sql`SELECT 1`)).rejects.toThrow();

      const second = await createDatabase({ dataDir: dir });
      try {
        expect(await rows(second.db, sql`SELECT name, total FROM db_test_items`)).toEqual([{ name: 'persisted', total: 42 }]);
      } finally {
        await second.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails queries with an error, not a hang, when the worker dies', async () => {
    const w = await PgliteWorker.start('memory://');
    const pool = new pg.Pool({ max: 1, stream: () => w.connect(), user: 'postgres', database: 'postgres', ssl: false });
    pool.on('error', () => {});
    try {
      expect((await pool.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
      const running = expect(pool.query('SELECT pg_sleep(5)')).rejects.toThrow();
      await sleep(200);
      await (w as unknown as { worker: import('node:worker_threads').Worker }).worker.terminate();
      await running;
      await expect(pool.query('SELECT 1')).rejects.toThrow(/PGlite worker stopped/);
    } finally {
      await pool.end();
      await w.close();
    }
  });

  it('gives a new connection a fresh session, as a server does when one closes', async () => {
    const w = await PgliteWorker.start('memory://');
    const client = () => new pg.Client({ stream: () => w.connect(), user: 'postgres', database: 'postgres', ssl: false });
    try {
      const a = client();
      await a.connect();
      await a.query('CREATE TABLE t (n int)');
      expect((await a.query({ name: 'probe', text: 'SELECT 1 AS n' })).rows).toEqual([{ n: 1 }]);
      await a.query('SELECT pg_advisory_lock(42)');
      await a.query('BEGIN');
      await a.query('INSERT INTO t VALUES (1)');
      await a.end();

      // node-postgres replaces a connection after a failed query; the next one prepares its statements
      // again under the same names.
      const b = client();
      await b.connect();
      expect((await b.query({ name: 'probe', text: 'SELECT 2 AS n' })).rows).toEqual([{ n: 2 }]);
      expect((await b.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 0 }]);
      expect((await b.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`)).rows).toEqual([{ n: 0 }]);
      await b.query('INSERT INTO t VALUES (2)');
      expect((await b.query('SELECT n FROM t')).rows).toEqual([{ n: 2 }]);
      await b.end();
    } finally {
      await w.close();
    }
  });

  it('keeps named statements working after a failed query replaces the connection', async () => {
    const d = await createDatabase({ dataDir: 'memory://' });
    try {
      await d.exec(schemaSql);
      const pool = (d.db as unknown as { $client: pg.Pool }).$client;
      const named = () => pool.query({ name: 'db_test_count', text: 'SELECT count(*)::int AS n FROM db_test_items', values: [] });
      expect((await named()).rows).toEqual([{ n: 0 }]);
      await d.db.insert(items).values({ id: 1, name: 'a' });
      await expect(d.db.insert(items).values({ id: 1, name: 'again' })).rejects.toThrow();
      const [first, written] = await Promise.all([named(), d.transaction(async (tx) => (await tx.insert(items).values({ id: 2, name: 'b' }).returning())[0].id)]);
      expect([first.rows, written]).toEqual([[{ n: 1 }], 2]);
      expect((await named()).rows).toEqual([{ n: 2 }]);
    } finally {
      await d.close();
    }
  });
});
