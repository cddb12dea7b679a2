import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, rows, sql, type Database, type Db } from '../db/index.js';
import { migrate } from '../db/migrate.js';
import { JobQueue } from '../jobs/queue.js';
import { EventBus, type DomainEvent } from './bus.js';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const migrations = [{ owner: 'platform', dir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../migrations') }];

// Two "processes" on one database: each has its own queue and bus with the same subscribers, and on
// PostgreSQL its own connection pool (on PGlite they share the one database object).
const schema = process.env.DATABASE_URL ? `t_events_${randomBytes(5).toString('hex')}` : undefined;
let database: Database;
let other: Database;
let a: { jobs: JobQueue; events: EventBus };
let b: { jobs: JobQueue; events: EventBus };
const shopId = randomUUID();
/** Set by a test to make the `flaky` subscriber throw after writing, this many times. */
let flakyFailures = 0;

async function effect(tx: Db, subscriber: string, ev: DomainEvent) {
  await tx.execute(sql`INSERT INTO effects (subscriber, event_id, note) VALUES (${subscriber}, ${ev.id}, ${String(ev.payload.note ?? '')})`);
}

function process_(db: Database) {
  const jobs = new JobQueue(db, log, { pollMs: 10, batchSize: 50 });
  const events = new EventBus(db, jobs, log);
  jobs.onPoll(() => events.dispatch());
  events.subscribe('order.paid', 'loyalty.award-points', (ev, tx) => effect(tx, 'loyalty.award-points', ev));
  events.subscribe('order.paid', 'notify.merchant', (ev, tx) => effect(tx, 'notify.merchant', ev));
  events.subscribe('order.shipped', 'notify.customer', (ev, tx) => effect(tx, 'notify.customer', ev));
  events.subscribe('order.refunded', 'flaky', async (ev, tx) => {
    await effect(tx, 'flaky', ev);
    if (flakyFailures > 0) {
      flakyFailures--;
      throw new Error('downstream unavailable');
    }
  });
  return { jobs, events };
}

const effects = (type?: string) =>
  rows<{ subscriber: string; event_id: number; n: number }>(
    database.db,
    sql`SELECT e.subscriber, e.event_id, count(*)::int AS n FROM effects e JOIN outbox_events o ON o.id = e.event_id
        WHERE ${type ?? null}::text IS NULL OR o.type = ${type ?? null}
        GROUP BY 1, 2 ORDER BY 2, 1`,
  );

beforeAll(async () => {
  database = await createDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: 'memory://', schema, poolSize: 10 });
  await migrate(database, migrations);
  await database.exec(`CREATE TABLE effects (subscriber text NOT NULL, event_id bigint NOT NULL, note text NOT NULL)`);
  other = schema ? await createDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: 'memory://', schema, poolSize: 10 }) : database;
  a = process_(database);
  b = process_(other);
});

afterAll(async () => {
  await Promise.all([a?.jobs.stop(), b?.jobs.stop()]);
  if (other && other !== database) await other.close();
  await database?.close();
  if (schema) {
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    const left = await c.query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = $1`, [schema]);
    await c.end();
    expect(left.rowCount).toBe(0);
  }
});

describe('outbox events', () => {
  it('an event emitted in a transaction that rolls back never exists', async () => {
    const before = await rows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM outbox_events`);
    await expect(
      database.transaction(async (tx) => {
        await a.events.emit(tx, { shopId, type: 'order.paid', payload: { note: 'ghost' } });
        throw new Error('payment rejected');
      }),
    ).rejects.toThrow('payment rejected');
    const after = await rows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM outbox_events`);
    expect(after[0].n).toBe(before[0].n);
    await a.jobs.drain();
    expect(await rows(database.db, sql`SELECT 1 FROM effects WHERE note = 'ghost'`)).toEqual([]);
  });

  it('each committed event reaches every subscriber of its type exactly once, with dispatch racing from two processes', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 60; i++) {
      await database.transaction(async (tx) => {
        await a.events.emit(tx, { shopId, type: i % 3 === 2 ? 'order.shipped' : 'order.paid', payload: { note: `race-${i}` } });
      });
    }
    ids.push(...(await rows<{ id: number }>(database.db, sql`SELECT id FROM outbox_events WHERE payload->>'note' LIKE 'race-%'`)).map((r) => Number(r.id)));
    expect(ids).toHaveLength(60);
    // Dispatch and delivery from both processes at once, several rounds over.
    await Promise.all([a.events.dispatch(5), b.events.dispatch(5), a.events.dispatch(7), b.events.dispatch(7)]);
    a.jobs.start();
    b.jobs.start();
    await Promise.all([a.jobs.drain(), b.jobs.drain(), a.jobs.drain(), b.jobs.drain()]);
    await Promise.all([a.jobs.stop(), b.jobs.stop()]);
    await a.jobs.drain();

    const paid = await effects('order.paid');
    const shipped = await effects('order.shipped');
    expect(paid).toHaveLength(40 * 2);
    expect(shipped).toHaveLength(20);
    expect([...paid, ...shipped].every((e) => e.n === 1)).toBe(true);
    expect(new Set(paid.filter((e) => e.subscriber === 'loyalty.award-points').map((e) => e.event_id)).size).toBe(40);
    expect(new Set(paid.filter((e) => e.subscriber === 'notify.merchant').map((e) => e.event_id)).size).toBe(40);
    expect(shipped.every((e) => e.subscriber === 'notify.customer')).toBe(true);
    // One job per (event, subscriber), every one done, every event dispatched.
    const jobs = await rows<{ n: number; done: number }>(
      database.db,
      sql`SELECT count(*)::int AS n, count(*) FILTER (WHERE state = 'done')::int AS done FROM jobs WHERE queue LIKE 'event:%'
          AND (payload->>'eventId')::bigint IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`,
    );
    expect(jobs[0]).toEqual({ n: 100, done: 100 });
    expect(await rows(database.db, sql`SELECT id FROM outbox_events WHERE dispatched_at IS NULL`)).toEqual([]);
  });

  it('a subscriber job delivered twice (even at the same time) has its effect once', async () => {
    await database.transaction(async (tx) => {
      await a.events.emit(tx, { shopId, type: 'order.paid', payload: { note: 'twice' } });
    });
    const [{ id }] = await rows<{ id: number }>(database.db, sql`SELECT id FROM outbox_events WHERE payload->>'note' = 'twice'`);
    await a.events.dispatch();
    // Redelivery: the same subscriber job again under other singleton keys, on both processes.
    for (let i = 0; i < 4; i++) await a.jobs.send('event:loyalty.award-points', { eventId: Number(id) }, { singletonKey: `redeliver-${id}-${i}` });
    await Promise.all([a.jobs.pollOnce(), b.jobs.pollOnce()]);
    await Promise.all([a.jobs.drain(), b.jobs.drain()]);
    // And once more after everything finished.
    await b.jobs.send('event:loyalty.award-points', { eventId: Number(id) }, { singletonKey: `redeliver-${id}-late` });
    await b.jobs.drain();
    const rowsFor = await rows<{ subscriber: string; n: number }>(
      database.db,
      sql`SELECT subscriber, count(*)::int AS n FROM effects WHERE event_id = ${id} GROUP BY 1 ORDER BY 1`,
    );
    expect(rowsFor).toEqual([
      { subscriber: 'loyalty.award-points', n: 1 },
      { subscriber: 'notify.merchant', n: 1 },
    ]);
    const deliveries = await rows<{ state: string; n: number }>(
      database.db,
      sql`SELECT state, count(*)::int AS n FROM jobs WHERE queue = 'event:loyalty.award-points' AND payload->>'eventId' = ${String(id)} GROUP BY 1`,
    );
    expect(deliveries).toEqual([{ state: 'done', n: 6 }]);
  });

  it('a subscriber that throws is retried and its partial writes roll back', async () => {
    flakyFailures = 2;
    await database.transaction(async (tx) => {
      await a.events.emit(tx, { shopId, type: 'order.refunded', payload: { note: 'refund' } });
    });
    const [{ id }] = await rows<{ id: number }>(database.db, sql`SELECT id FROM outbox_events WHERE payload->>'note' = 'refund'`);
    const job = () =>
      rows<{ id: number; state: string; attempts: number; last_error: string | null }>(
        database.db,
        sql`SELECT id, state, attempts, last_error FROM jobs WHERE queue = 'event:flaky' AND payload->>'eventId' = ${String(id)}`,
      );
    const processed = () => rows(database.db, sql`SELECT 1 FROM processed_events WHERE subscriber = 'flaky' AND event_id = ${id}`);
    for (let attempt = 1; attempt <= 2; attempt++) {
      await a.jobs.drain();
      const [j] = await job();
      expect(j).toMatchObject({ state: 'queued', attempts: attempt, last_error: 'downstream unavailable' });
      // The failed attempt left neither its effect nor a processed mark behind.
      expect(await rows(database.db, sql`SELECT 1 FROM effects WHERE event_id = ${id}`)).toEqual([]);
      expect(await processed()).toEqual([]);
      await database.db.execute(sql`UPDATE jobs SET run_at = now() WHERE id = ${j.id}`);
    }
    await a.jobs.drain();
    expect((await job())[0]).toMatchObject({ state: 'done', attempts: 3 });
    expect(await effects('order.refunded')).toEqual([{ subscriber: 'flaky', event_id: Number(id), n: 1 }]);
    expect(await processed()).toHaveLength(1);
  });

  it('refuses two subscribers with the same name', () => {
    expect(() => a.events.subscribe('order.paid', 'notify.merchant', async () => undefined)).toThrow('duplicate subscriber');
  });
});
