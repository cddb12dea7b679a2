import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, rows, sql, type Database } from '../db/index.js';
import { migrate } from '../db/migrate.js';
import { JobQueue } from './queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const migrations = [{ owner: 'platform', dir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../migrations') }];

// One database for the file: in-memory PGlite, or a fresh schema in DATABASE_URL dropped at the end.
// "Another worker process" is a second connection pool on the same schema (PostgreSQL) or a second
// queue on the one PGlite database object.
const schema = process.env.DATABASE_URL ? `t_jobs_${randomBytes(5).toString('hex')}` : undefined;
let database: Database;
let other: Database;
const queues: JobQueue[] = [];

async function waitFor(check: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function queue(db: Database = database, opts: { pollMs?: number; lockMs?: number; batchSize?: number } = {}) {
  const q = new JobQueue(db, log, { pollMs: opts.pollMs ?? 10, lockMs: opts.lockMs, batchSize: opts.batchSize });
  queues.push(q);
  return q;
}

const jobsOf = (name: string) =>
  rows<{ id: number; state: string; attempts: number; last_error: string | null; run_at: Date | string; locked_until: Date | string | null; remaining_ms: number }>(
    database.db,
    sql`SELECT id, state, attempts, last_error, run_at, locked_until,
          (extract(epoch FROM run_at - now()) * 1000)::float8 AS remaining_ms
        FROM jobs WHERE queue = ${name} ORDER BY id`,
  );

beforeAll(async () => {
  database = await createDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: 'memory://', schema, poolSize: 10 });
  await migrate(database, migrations);
  other = schema ? await createDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: 'memory://', schema, poolSize: 10 }) : database;
});

beforeEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.stop()));
});

afterAll(async () => {
  await Promise.all(queues.map((q) => q.stop()));
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

describe('job queue', () => {
  it('runs a job once and marks it done', async () => {
    const q = queue();
    const seen: unknown[] = [];
    q.register('once', async (payload) => {
      seen.push(payload);
    });
    await q.send('once', { n: 1 });
    await q.drain();
    await q.drain();
    expect(seen).toEqual([{ n: 1 }]);
    const [job] = await jobsOf('once');
    expect(job).toMatchObject({ state: 'done', attempts: 1, locked_until: null });
  });

  it('does not run a delayed job before its time', async () => {
    const q = queue();
    let runs = 0;
    q.register('later', async () => {
      runs++;
    });
    await q.send('later', {}, { delayMs: 60_000 });
    await q.drain();
    expect(runs).toBe(0);
    await database.db.execute(sql`UPDATE jobs SET run_at = now() WHERE queue = 'later'`);
    await q.drain();
    expect(runs).toBe(1);
  });

  it('retries a failing job with exponential backoff, then fails it for good with last_error', async () => {
    const q = queue();
    let calls = 0;
    q.register(
      'flaky',
      async () => {
        calls++;
        throw new Error(`boom ${calls}`);
      },
      { backoffMs: 1000 },
    );
    await q.send('flaky', {}, { maxAttempts: 4 });
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      expect(await q.pollOnce()).toBe(1);
      const [job] = await jobsOf('flaky');
      expect(job.attempts).toBe(attempt);
      expect(job.last_error).toBe(`boom ${attempt}`);
      if (attempt < 4) {
        expect(job.state).toBe('queued');
        waits.push(job.remaining_ms);
        // Nothing runs while the backoff lasts…
        expect(await q.pollOnce()).toBe(0);
        // …so move the clock of this one job forward instead of sleeping.
        await database.db.execute(sql`UPDATE jobs SET run_at = now() WHERE id = ${job.id}`);
      } else {
        expect(job.state).toBe('failed');
      }
    }
    expect(calls).toBe(4);
    // Each wait roughly doubles the previous one (1 s, 2 s, 4 s).
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[1]).toBeGreaterThan(waits[0] * 1.5);
    expect(waits[2]).toBeGreaterThan(waits[1] * 1.5);
    expect(waits[1]).toBeLessThan(waits[0] * 2.5);
    expect(waits[2]).toBeLessThan(waits[1] * 2.5);
    // A failed job stays failed.
    await database.db.execute(sql`UPDATE jobs SET run_at = now() WHERE queue = 'flaky'`);
    expect(await q.pollOnce()).toBe(0);
    expect(q.stats).toMatchObject({ failed: 1, retried: 3 });
  });

  it('a running worker does not hold the queue behind a slow job', async () => {
    const q = queue();
    let release!: () => void;
    const slowDone = new Promise<void>((r) => (release = r));
    let slowRunning = false;
    let fastRuns = 0;
    q.register('slow-reconcile', async () => {
      slowRunning = true;
      await slowDone;
    });
    q.register('quick-batch', async () => {
      fastRuns++;
    });
    await q.send('slow-reconcile', {});
    q.start();
    await waitFor(async () => slowRunning, 'the slow job to start');
    await q.send('quick-batch', {});
    await q.send('quick-batch', {});
    // Jobs sent after the slow one started still run while it does.
    await waitFor(async () => fastRuns === 2, 'the quick jobs to run beside the slow one');
    expect(slowRunning).toBe(true);
    expect((await jobsOf('slow-reconcile'))[0].state).toBe('active');
    release();
    await waitFor(async () => (await jobsOf('slow-reconcile'))[0].state === 'done', 'the slow job to finish');
    await q.stop();
  });

  it('works a backlog at the pace of its jobs: a finished job starts the next round, not the poll interval', async () => {
    // pollMs of a minute: only rounds started by finished jobs (or by a full round) can get through 60 jobs.
    const q = new JobQueue(database, log, { pollMs: 60_000, batchSize: 5, concurrency: 5 });
    queues.push(q);
    let done = 0;
    let running = 0;
    let most = 0;
    q.register('burst', async () => {
      running++;
      most = Math.max(most, running);
      await sleep(1);
      running--;
      done++;
    });
    for (let i = 0; i < 60; i++) await q.send('burst', { i });
    q.start();
    await waitFor(async () => done === 60, 'the 60 jobs of the burst');
    // The last handler has returned; its row is marked done just after, in the worker's own statement.
    await waitFor(async () => (await jobsOf('burst')).every((j) => j.state === 'done'), 'every job of the burst marked done');
    expect(most).toBeLessThanOrEqual(5);
    await q.stop();
  });

  it('takes ready jobs by priority before age, so a backlog of events does not delay urgent work', async () => {
    const q = queue(database, { batchSize: 1 });
    const order: string[] = [];
    q.register('backlog', async (p: { n: number }) => void order.push(`backlog-${p.n}`));
    q.register('urgent', async () => void order.push('urgent'), { priority: 10 });
    for (let n = 0; n < 3; n++) await q.send('backlog', { n });
    await q.send('urgent', {});
    for (let i = 0; i < 4; i++) await q.pollOnce();
    expect(order).toEqual(['urgent', 'backlog-0', 'backlog-1', 'backlog-2']);
  });

  it('a singletonKey keeps only the first job', async () => {
    const q = queue();
    const seen: number[] = [];
    q.register('single', async (p: { n: number }) => {
      seen.push(p.n);
    });
    await Promise.all([1, 2, 3].map((n) => q.send('single', { n }, { singletonKey: 'k1' })));
    await q.send('single', { n: 4 }, { singletonKey: 'k2' });
    await q.drain();
    // Still deduplicated after the first one finished.
    await q.send('single', { n: 5 }, { singletonKey: 'k1' });
    await q.drain();
    expect(seen).toHaveLength(2);
    expect(seen).toContain(4);
    expect((await jobsOf('single')).length).toBe(2);
  });

  it('a job sent in a transaction that rolls back never exists, one that commits runs', async () => {
    const q = queue();
    const seen: string[] = [];
    q.register('tx', async (p: { v: string }) => {
      seen.push(p.v);
    });
    await expect(
      database.transaction(async (tx) => {
        await q.send('tx', { v: 'rolled back' }, { tx });
        throw new Error('abort the change');
      }),
    ).rejects.toThrow('abort the change');
    await database.transaction(async (tx) => {
      await q.send('tx', { v: 'committed' }, { tx });
    });
    await q.drain();
    expect(seen).toEqual(['committed']);
    expect((await jobsOf('tx')).length).toBe(1);
  });

  it('picks up again a job whose worker died (active, lock expired), but not one still locked', async () => {
    const q = queue();
    const seen: number[] = [];
    q.register('orphan', async (p: { n: number }) => {
      seen.push(p.n);
    });
    await q.send('orphan', { n: 1 });
    await q.send('orphan', { n: 2 });
    const [dead, alive] = await jobsOf('orphan');
    // Both were claimed by a worker that then vanished; only the first one's lock has run out.
    await database.db.execute(sql`UPDATE jobs SET state = 'active', attempts = 1, locked_until = now() - interval '1 second' WHERE id = ${dead.id}`);
    await database.db.execute(sql`UPDATE jobs SET state = 'active', attempts = 1, locked_until = now() + interval '1 hour' WHERE id = ${alive.id}`);
    await q.drain();
    expect(seen).toEqual([1]);
    const after = await jobsOf('orphan');
    expect(after[0]).toMatchObject({ state: 'done', attempts: 2 });
    expect(after[1]).toMatchObject({ state: 'active', attempts: 1 });
  });

  it('two queues polling the same database never run the same job twice (200 jobs)', async () => {
    const runs = new Map<number, number>();
    const by = { a: 0, b: 0 };
    const handler = (who: 'a' | 'b') => async (p: { n: number }) => {
      runs.set(p.n, (runs.get(p.n) ?? 0) + 1);
      by[who]++;
      await sleep(Math.random() * 3);
    };
    const a = queue(database, { pollMs: 5, batchSize: 7 });
    const b = queue(other, { pollMs: 5, batchSize: 7 });
    a.register('race', handler('a'));
    b.register('race', handler('b'));
    a.start();
    b.start();
    for (let n = 0; n < 200; n++) await a.send('race', { n });
    await waitFor(async () => (await rows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM jobs WHERE queue = 'race' AND state = 'done'`))[0].n === 200, '200 jobs done');
    await Promise.all([a.stop(), b.stop()]);
    expect(runs.size).toBe(200);
    expect([...runs.values()].every((c) => c === 1)).toBe(true);
    expect(by.a + by.b).toBe(200);
    const states = await rows<{ state: string; attempts: number; n: number }>(database.db, sql`SELECT state, attempts, count(*)::int AS n FROM jobs WHERE queue = 'race' GROUP BY 1, 2`);
    expect(states).toEqual([{ state: 'done', attempts: 1, n: 200 }]);
  });

  it('concurrent pollOnce calls from two queues claim disjoint jobs', async () => {
    const runs = new Map<number, number>();
    const a = queue(database, { batchSize: 50 });
    const b = queue(other, { batchSize: 50 });
    const handler = async (p: { n: number }) => {
      runs.set(p.n, (runs.get(p.n) ?? 0) + 1);
    };
    a.register('race2', handler);
    b.register('race2', handler);
    for (let n = 0; n < 100; n++) await a.send('race2', { n });
    while ((await Promise.all([a.pollOnce(), b.pollOnce(), a.pollOnce(), b.pollOnce()])).some((x) => x > 0));
    expect(runs.size).toBe(100);
    expect([...runs.values()].every((c) => c === 1)).toBe(true);
  });

  it('a schedule fires once per interval across two queues', async () => {
    let fired = 0;
    const a = queue(database);
    const b = queue(other);
    for (const q of [a, b]) {
      q.register('tick', async () => {
        fired++;
      });
      q.schedule('tick-every-hour', 3_600_000, 'tick');
    }
    // start() registers the schedule; stop at once so that only our explicit polls run.
    a.start();
    b.start();
    await waitFor(async () => (await rows(database.db, sql`SELECT 1 FROM job_schedules WHERE name = 'tick-every-hour'`)).length === 1, 'schedule row');
    await Promise.all([a.stop(), b.stop()]);
    const pollBoth = async (rounds: number) => {
      for (let i = 0; i < rounds; i++) await Promise.all([a.pollOnce(), b.pollOnce(), a.pollOnce(), b.pollOnce()]);
    };
    await pollBoth(5);
    expect(fired).toBe(1);
    // The hour passes.
    await database.db.execute(sql`UPDATE job_schedules SET next_run_at = now() - interval '1 millisecond' WHERE name = 'tick-every-hour'`);
    await pollBoth(5);
    expect(fired).toBe(2);
    expect((await jobsOf('tick')).map((j) => j.state)).toEqual(['done', 'done']);
  });

  it('claims every due schedule in one statement per poll, each slot once across two queues, each moved on by its own interval', async () => {
    const fired = new Map<string, number>();
    const schedules = [1, 2, 3, 4, 5].map((h) => ({ name: `multi-${h}h`, everyMs: h * 3_600_000 }));
    // Statements that touch job_schedules, as the first queue sends them.
    let scheduleStatements = 0;
    const dialect = (database.db as unknown as { dialect: { sqlToQuery(q: unknown): { sql: string } } }).dialect;
    const counting = new Proxy(database.db, {
      get(target, prop, receiver) {
        if (prop === 'execute') {
          return (q: Parameters<typeof target.execute>[0]) => {
            if (dialect.sqlToQuery(q).sql.includes('job_schedules')) scheduleStatements++;
            return target.execute(q);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const a = queue({ ...database, db: counting });
    const b = queue(other);
    for (const q of [a, b]) {
      q.register('multi', async (payload: { name: string }) => {
        fired.set(payload.name, (fired.get(payload.name) ?? 0) + 1);
      });
      for (const s of schedules) q.schedule(s.name, s.everyMs, 'multi', { name: s.name });
    }
    a.start();
    b.start();
    const names = schedules.map((s) => s.name);
    const scheduleRows = () =>
      rows<{ name: string; ahead_ms: number }>(database.db, sql`
        SELECT name, (extract(epoch FROM next_run_at - now()) * 1000)::float8 AS ahead_ms FROM job_schedules
        WHERE name IN (${sql.join(names.map((n) => sql`${n}`), sql`, `)}) ORDER BY name`);
    await waitFor(async () => names.every((n) => fired.get(n) === 1), 'every schedule to fire');
    await Promise.all([a.stop(), b.stop()]);
    // Each row moved on by its own interval.
    for (const r of await scheduleRows()) {
      const every = schedules.find((s) => s.name === r.name)!.everyMs;
      expect(r.ahead_ms).toBeGreaterThan(every - 60_000);
      expect(r.ahead_ms).toBeLessThanOrEqual(every);
    }
    // All five due again: one statement claims them, and each runs once however the two queues race.
    await database.db.execute(sql`UPDATE job_schedules SET next_run_at = now() - interval '1 millisecond' WHERE name IN (${sql.join(names.map((n) => sql`${n}`), sql`, `)})`);
    scheduleStatements = 0;
    await a.pollOnce();
    expect(scheduleStatements).toBe(1);
    for (let i = 0; i < 5; i++) await Promise.all([a.pollOnce(), b.pollOnce(), a.pollOnce(), b.pollOnce()]);
    expect(names.map((n) => fired.get(n))).toEqual([2, 2, 2, 2, 2]);
    // Nothing due: still one statement per poll.
    scheduleStatements = 0;
    await a.pollOnce();
    expect(scheduleStatements).toBe(1);
  });

  it('keeps polling when the database fails while start() registers schedules', async () => {
    // A worker that starts during a database blip must not sit there alive and idle forever.
    let failures = 1;
    const flakyDb = new Proxy(database.db, {
      get(target, prop, receiver) {
        if (prop === 'execute' && failures > 0) {
          return async () => {
            failures--;
            throw new Error('connection reset');
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const q = queue({ ...database, db: flakyDb }, { pollMs: 5 });
    let runs = 0;
    q.register('after-blip', async () => {
      runs++;
    });
    q.schedule('after-blip-daily', 86_400_000, 'after-blip');
    q.start();
    await waitFor(async () => runs === 1, 'the scheduled job to run after the blip');
    await q.stop();
    expect(failures).toBe(0);
  });

  it('stop() waits for the job in progress to finish and then fetches nothing more', async () => {
    const q = queue(database, { pollMs: 5 });
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const entered = new Promise<void>((r) => (started = r));
    let runs = 0;
    q.register('slow', async () => {
      runs++;
      started();
      await gate;
      order.push('job finished');
    });
    await q.send('slow', {});
    q.start();
    await entered;
    const stopping = q.stop().then(() => order.push('stop resolved'));
    await q.send('slow', {});
    await sleep(50);
    expect(order).toEqual([]);
    release();
    await stopping;
    expect(order).toEqual(['job finished', 'stop resolved']);
    const jobs = await jobsOf('slow');
    expect(jobs.map((j) => j.state)).toEqual(['done', 'queued']);
    await sleep(50);
    expect(runs).toBe(1);
  });
  it('stop() during a poll waits for the jobs that poll goes on to start (the database must not close under them)', async () => {
    const q = queue(database, { pollMs: 5 });
    let openPoll!: () => void;
    const pollGate = new Promise<void>((r) => (openPoll = r));
    let inPoll!: () => void;
    const pollEntered = new Promise<void>((r) => (inPoll = r));
    let polls = 0;
    q.onPoll(async () => {
      if (++polls === 1) {
        inPoll();
        await pollGate;
      }
      return 0;
    });
    const order: string[] = [];
    let finishJob!: () => void;
    const jobGate = new Promise<void>((r) => (finishJob = r));
    let jobStarted!: () => void;
    const jobEntered = new Promise<void>((r) => (jobStarted = r));
    q.register('late-start', async () => {
      jobStarted();
      await jobGate;
      order.push('job finished');
    });
    await q.send('late-start', {});
    q.start();
    await pollEntered;
    const stopping = q.stop().then(() => order.push('stop resolved'));
    openPoll();
    await jobEntered;
    await sleep(30);
    expect(order).toEqual([]);
    finishJob();
    await stopping;
    expect(order).toEqual(['job finished', 'stop resolved']);
    expect((await jobsOf('late-start')).map((j) => j.state)).toEqual(['done']);
  });
});
