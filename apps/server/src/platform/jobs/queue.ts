import type { Database, Db } from '../db/index.js';
import { rows, sql } from '../db/index.js';
import type { Logger } from '../logger.js';

export interface JobRow {
  id: number;
  queue: string;
  payload: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
}

export type JobHandler = (payload: any, job: JobRow) => Promise<void>;

export interface SendOptions {
  /** Enqueue inside this transaction, so the job exists exactly when the change commits. */
  tx?: Db;
  delayMs?: number;
  runAt?: Date;
  /** At most one job per (queue, singletonKey), ever: duplicates are dropped. */
  singletonKey?: string;
  maxAttempts?: number;
}

interface Registration {
  handler: JobHandler;
  backoffMs: number;
  /** Ready jobs are taken highest priority first (0 by default), then oldest first. */
  priority: number;
}

/** Hooks that run on each poll before jobs are fetched (the outbox dispatcher uses one). */
export type PollHook = () => Promise<number>;

/**
 * A Postgres job queue: `FOR UPDATE SKIP LOCKED` hands each job to one worker, failed jobs come back with
 * exponential backoff, and a job whose worker died is picked up again when its lock expires.
 * We use our own instead of pg-boss because it must run unchanged on PGlite's single connection and
 * in the same transaction as the business change; see docs/architecture.md.
 */
export class JobQueue {
  private handlers = new Map<string, Registration>();
  private schedules: { name: string; everyMs: number; queue: string; payload: Record<string, unknown> }[] = [];
  private pollHooks: PollHook[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private inFlight = new Set<Promise<void>>();
  private polling: Promise<void> | null = null;
  private schedulesSynced = false;
  /** The last round found jobs: a job that finishes then starts the next round at once instead of after pollMs. */
  private busy = false;
  private lastSchedulesAt = 0;
  private tick: (() => Promise<void>) | null = null;
  readonly stats = { completed: 0, failed: 0, retried: 0 };

  constructor(
    private database: Database,
    private log: Logger,
    private opts: { pollMs: number; batchSize?: number; lockMs?: number; concurrency?: number } = { pollMs: 250 },
  ) {}

  register(queue: string, handler: JobHandler, opts: { backoffMs?: number; priority?: number } = {}) {
    this.handlers.set(queue, { handler, backoffMs: opts.backoffMs ?? 1000, priority: opts.priority ?? 0 });
  }

  /** A recurring job, run once per interval across all workers. */
  schedule(name: string, everyMs: number, queue: string, payload: Record<string, unknown> = {}) {
    this.schedules.push({ name, everyMs, queue, payload });
  }

  onPoll(hook: PollHook) {
    this.pollHooks.push(hook);
  }

  async send(queue: string, payload: Record<string, unknown>, opts: SendOptions = {}) {
    const db = opts.tx ?? this.database.db;
    const runAt = opts.runAt ?? new Date(Date.now() + (opts.delayMs ?? 0));
    await db.execute(sql`
      INSERT INTO jobs (queue, payload, singleton_key, run_at, max_attempts, priority)
      VALUES (${queue}, ${JSON.stringify(payload)}::jsonb, ${opts.singletonKey ?? null}, ${runAt.toISOString()}::timestamptz, ${opts.maxAttempts ?? 5},
        ${this.handlers.get(queue)?.priority ?? 0})
      ON CONFLICT (queue, singleton_key) WHERE singleton_key IS NOT NULL DO NOTHING`);
  }

  start() {
    if (this.running) return;
    this.running = true;
    const tick = async () => {
      if (!this.running) return;
      this.timer = null;
      // Schedules and poll hooks run once per pollMs; the rounds a finished job starts in between only fetch.
      const full = Date.now() - this.lastSchedulesAt >= this.opts.pollMs;
      if (full) this.lastSchedulesAt = Date.now();
      // Schedules are (re)registered inside the loop: a database error at start-up is retried on the next
      // tick instead of becoming an unhandled rejection that leaves the worker alive but never polling.
      const round = this.schedulesSynced ? this.pollOnce({ wait: false, hooks: full }) : this.syncSchedules().then(() => {
        this.schedulesSynced = true;
        return this.pollOnce({ wait: false });
      });
      let started = 0;
      this.polling = round.then(
        (n) => void (started = n),
        (err) => this.log.error({ err }, 'job poll failed'),
      );
      await this.polling;
      this.polling = null;
      this.busy = started > 0;
      // Jobs found and room left: more are probably waiting, so look again now rather than after pollMs.
      const again = this.busy && this.inFlight.size < (this.opts.concurrency ?? 20);
      if (this.running && !this.timer) this.timer = setTimeout(tick, again ? 0 : this.opts.pollMs);
    };
    this.tick = tick;
    void tick();
  }

  /**
   * A job finished while the last round had found work: there is room again and probably more waiting, so
   * the next round starts now. Without this a burst ran at most one batch per pollMs (the WeCom callback
   * bench: 42 jobs/s against 88 arriving, until every welcome code in the backlog had expired).
   */
  private wake() {
    if (!this.running || !this.busy || this.polling || !this.timer || !this.tick) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(this.tick, 0);
  }

  /** Stops fetching new jobs and waits for the ones in progress (graceful shutdown). */
  async stop(timeoutMs = 10_000) {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    // The round in progress may still start the jobs it fetched, so wait for it before looking at inFlight,
    // and look again until none is left: the database must not close under a running job.
    const wait = (async () => {
      await this.polling;
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    })();
    await Promise.race([wait, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  private async syncSchedules() {
    for (const s of this.schedules) {
      await this.database.db.execute(sql`
        INSERT INTO job_schedules (name, every_ms, next_run_at) VALUES (${s.name}, ${s.everyMs}, now())
        ON CONFLICT (name) DO UPDATE SET every_ms = EXCLUDED.every_ms`);
    }
  }

  /**
   * Claims every due slot of this process's schedules in one statement: the conditional UPDATE moves each
   * due row's next run on by its own interval, so of two workers polling at once only one gets a row back
   * (the other re-checks `next_run_at` after the row lock and skips it). The claimed slots are enqueued in
   * one more statement; the singleton key makes a double claim harmless all the same.
   */
  private async runSchedules() {
    if (this.schedules.length === 0) return;
    const claimed = await rows<{ name: string; slot: string }>(
      this.database.db,
      sql`UPDATE job_schedules SET next_run_at = now() + every_ms * interval '1 millisecond'
          WHERE name IN (${sql.join(this.schedules.map((s) => sql`${s.name}`), sql`, `)}) AND next_run_at <= now()
          RETURNING name, to_char(next_run_at, 'YYYYMMDDHH24MISSMS') AS slot`,
    );
    if (claimed.length === 0) return;
    const byName = new Map(this.schedules.map((s) => [s.name, s]));
    const due = claimed.filter((c) => byName.has(c.name));
    await this.database.db.execute(sql`
      INSERT INTO jobs (queue, payload, singleton_key, run_at, max_attempts, priority)
      VALUES ${sql.join(due.map((c) => {
        const s = byName.get(c.name)!;
        return sql`(${s.queue}, ${JSON.stringify(s.payload)}::jsonb, ${`${s.name}@${c.slot}`}, now(), 5, ${this.handlers.get(s.queue)?.priority ?? 0})`;
      }), sql`, `)}
      ON CONFLICT (queue, singleton_key) WHERE singleton_key IS NOT NULL DO NOTHING`);
  }

  /**
   * One round: run poll hooks and schedules, then fetch ready jobs and start them. Returns jobs started.
   * The worker loop does not wait for them: a slow job (a reconciliation, a vendor call) must not hold back
   * the jobs behind it, such as the order batches of a flash sale. At most `concurrency` run at once.
   * `wait` (drain, tests) waits for the round's jobs to finish.
   */
  async pollOnce(opts: { wait?: boolean; hooks?: boolean } = { wait: true }): Promise<number> {
    if (opts.hooks !== false) {
      for (const hook of this.pollHooks) await hook();
      await this.runSchedules();
    }
    const queues = [...this.handlers.keys()];
    const room = (this.opts.concurrency ?? 20) - this.inFlight.size;
    if (queues.length === 0 || room <= 0) return 0;
    const lockMs = this.opts.lockMs ?? 5 * 60_000;
    const jobs = await rows<JobRow>(
      this.database.db,
      sql`UPDATE jobs SET state = 'active', attempts = attempts + 1,
            locked_until = now() + (${lockMs} || ' milliseconds')::interval
          WHERE id IN (
            SELECT id FROM jobs
            WHERE ((state = 'queued' AND run_at <= now()) OR (state = 'active' AND locked_until < now()))
              AND queue IN (${sql.join(queues.map((q) => sql`${q}`), sql`, `)})
            ORDER BY priority DESC, run_at, id
            LIMIT ${Math.min(room, this.opts.batchSize ?? 20)}
            FOR UPDATE SKIP LOCKED)
          RETURNING id, queue, payload, attempts, max_attempts`,
    );
    const started = jobs.map((job) => this.track(this.runJob(job)));
    if (opts.wait) await Promise.all(started);
    return jobs.length;
  }

  private track(p: Promise<void>) {
    this.inFlight.add(p);
    return p.finally(() => {
      this.inFlight.delete(p);
      this.wake();
    });
  }

  /** Never rejects: a job whose bookkeeping fails is picked up again when its lock expires. */
  private async runJob(job: JobRow) {
    try {
      await this.runJobOnce(job);
    } catch (err) {
      this.log.error({ err, job: job.id, queue: job.queue }, 'job bookkeeping failed; the job runs again when its lock expires');
    }
  }

  private async runJobOnce(job: JobRow) {
    const reg = this.handlers.get(job.queue)!;
    try {
      await reg.handler(job.payload, job);
      await this.database.db.execute(sql`UPDATE jobs SET state = 'done', finished_at = now(), locked_until = NULL WHERE id = ${job.id}`);
      this.stats.completed++;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (job.attempts >= job.max_attempts) {
        this.stats.failed++;
        this.log.error({ err, job: job.id, queue: job.queue }, 'job failed for good');
        await this.database.db.execute(sql`UPDATE jobs SET state = 'failed', finished_at = now(), last_error = ${message} WHERE id = ${job.id}`);
      } else {
        this.stats.retried++;
        const delay = reg.backoffMs * 2 ** (job.attempts - 1);
        this.log.warn({ err, job: job.id, queue: job.queue, retryInMs: delay }, 'job failed, will retry');
        await this.database.db.execute(sql`
          UPDATE jobs SET state = 'queued', locked_until = NULL, last_error = ${message},
            run_at = now() + (${delay} || ' milliseconds')::interval
          WHERE id = ${job.id}`);
      }
    }
  }

  /**
   * Runs rounds until nothing is ready (tests and scripts use this instead of waiting on timers).
   * Jobs scheduled in the future are left alone. A sign-in alone fans out to a dozen subscribers, so a
   * test file's backlog can pass the 20 jobs a round × 100 rounds this once stopped at.
   */
  async drain(maxRounds = 1_000) {
    for (let i = 0; i < maxRounds; i++) {
      // A running worker loop (the E2E app's) may hold jobs of its own round: they are part of the queue
      // too, and a drain that returned while one was still running let a test read before it committed.
      await this.polling;
      const running = this.inFlight.size;
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      const n = (await this.pollOnce()) + running;
      const pending = await rows<{ n: number }>(
        this.database.db,
        sql`SELECT count(*)::int AS n FROM outbox_events WHERE dispatched_at IS NULL`,
      );
      if (n === 0 && pending[0].n === 0) return;
    }
  }
}
