/**
 * Where the simulators keep what the vendor would remember (merchants, transactions, refunds, notification
 * deliveries, the SMS inbox, OAuth codes). A vendor does not forget a paid order or a pending notification
 * when our process restarts, so neither may the sandbox: the server passes a database-backed store, and
 * standalone uses (package tests, the client harness) get the in-memory one.
 *
 * Records are JSON values addressed by (kind, key). Values are copied in and out, never shared, so code
 * cannot change stored state by mutating an object it read.
 */
export interface RecordOptions {
  /** A secondary key to list by (a merchant id, a phone number). */
  ref?: string | null;
  /** When pending work on the record is next due (a notification attempt, a refund settling); null: none. */
  dueAt?: Date | null;
  /** From then on the record reads as absent and `purgeExpired` may delete it. */
  expiresAt?: Date | null;
}

/** A write: the new value and any options to change (an option left undefined keeps its stored value). */
export type RecordWrite<T> = { value: T } & RecordOptions;

export interface StoredRecord<T> {
  kind: string;
  key: string;
  value: T;
}

export interface SandboxStore {
  get<T>(kind: string, key: string): Promise<T | undefined>;
  /** Inserts or replaces; options left undefined keep their stored values. */
  put<T>(kind: string, key: string, value: T, opts?: RecordOptions): Promise<void>;
  /**
   * `put` for many records of one kind at once (one statement on a database): each inserted or replaced,
   * options left undefined keeping their stored values. A key given twice keeps its last write.
   */
  putMany<T>(kind: string, records: Array<{ key: string; value: T } & RecordOptions>): Promise<void>;
  /**
   * Atomic read-modify-write of one record. `change` gets the current value (undefined when absent) and
   * returns the write, or undefined to leave the record alone; throwing aborts. It must be pure and do no
   * I/O: it may run more than once and, on a database, runs under the row's lock. Returns the stored value.
   */
  update<T>(kind: string, key: string, change: (current: T | undefined) => RecordWrite<T> | undefined): Promise<T | undefined>;
  delete(kind: string, key: string): Promise<void>;
  /** Newest first (by first insertion). */
  list<T>(kind: string, opts?: { ref?: string; limit?: number }): Promise<T[]>;
  count(kind: string): Promise<number>;
  /**
   * Takes up to `limit` records of these kinds whose due time has come and moves their due time to
   * `leaseUntil`, so no other process takes them meanwhile. Whoever took a record sets its next due time
   * (or null) when done; a process that dies first leaves it to be taken again once the lease ends.
   */
  claimDue<T>(kinds: string[], now: Date, leaseUntil: Date, limit: number): Promise<StoredRecord<T>[]>;
  purgeExpired(now: Date): Promise<number>;
}

interface MemoryRow {
  json: string;
  ref: string | null;
  dueAt: number | null;
  expiresAt: number | null;
  seq: number;
}

/** For tests and standalone runs; state lives as long as the object. */
export class MemorySandboxStore implements SandboxStore {
  private readonly kinds = new Map<string, Map<string, MemoryRow>>();
  private seq = 0;

  private rows(kind: string) {
    let m = this.kinds.get(kind);
    if (!m) this.kinds.set(kind, (m = new Map()));
    return m;
  }

  private live(row: MemoryRow | undefined, now = Date.now()): row is MemoryRow {
    return !!row && (row.expiresAt === null || row.expiresAt > now);
  }

  private write<T>(kind: string, key: string, w: RecordWrite<T>) {
    const rows = this.rows(kind);
    const old = rows.get(key);
    const time = (d: Date | null | undefined, prev: number | null | undefined) => (d === undefined ? (prev ?? null) : d === null ? null : d.getTime());
    rows.set(key, {
      json: JSON.stringify(w.value),
      ref: w.ref === undefined ? (old?.ref ?? null) : w.ref,
      dueAt: time(w.dueAt, old?.dueAt),
      expiresAt: time(w.expiresAt, old?.expiresAt),
      seq: old?.seq ?? ++this.seq,
    });
  }

  async get<T>(kind: string, key: string): Promise<T | undefined> {
    const row = this.rows(kind).get(key);
    return this.live(row) ? (JSON.parse(row.json) as T) : undefined;
  }

  async put<T>(kind: string, key: string, value: T, opts: RecordOptions = {}): Promise<void> {
    this.write(kind, key, { ...opts, value });
  }

  async putMany<T>(kind: string, records: Array<{ key: string; value: T } & RecordOptions>): Promise<void> {
    for (const { key, ...w } of records) this.write(kind, key, w);
  }

  async update<T>(kind: string, key: string, change: (current: T | undefined) => RecordWrite<T> | undefined): Promise<T | undefined> {
    // Synchronous from read to write: nothing else runs on the event loop in between, which is the atomicity.
    const row = this.rows(kind).get(key);
    const current = this.live(row) ? (JSON.parse(row.json) as T) : undefined;
    const w = change(current);
    if (!w) return current;
    this.write(kind, key, w);
    return JSON.parse(JSON.stringify(w.value)) as T;
  }

  async delete(kind: string, key: string): Promise<void> {
    this.rows(kind).delete(key);
  }

  async list<T>(kind: string, opts: { ref?: string; limit?: number } = {}): Promise<T[]> {
    const now = Date.now();
    return [...this.rows(kind).values()]
      .filter((r) => this.live(r, now) && (opts.ref === undefined || r.ref === opts.ref))
      .sort((a, b) => b.seq - a.seq)
      .slice(0, opts.limit ?? Infinity)
      .map((r) => JSON.parse(r.json) as T);
  }

  async count(kind: string): Promise<number> {
    const now = Date.now();
    return [...this.rows(kind).values()].filter((r) => this.live(r, now)).length;
  }

  async claimDue<T>(kinds: string[], now: Date, leaseUntil: Date, limit: number): Promise<StoredRecord<T>[]> {
    const due: Array<{ kind: string; key: string; row: MemoryRow }> = [];
    for (const kind of kinds) {
      for (const [key, row] of this.rows(kind)) if (row.dueAt !== null && row.dueAt <= now.getTime()) due.push({ kind, key, row });
    }
    due.sort((a, b) => a.row.dueAt! - b.row.dueAt!);
    return due.slice(0, limit).map(({ kind, key, row }) => {
      row.dueAt = leaseUntil.getTime();
      return { kind, key, value: JSON.parse(row.json) as T };
    });
  }

  async purgeExpired(now: Date): Promise<number> {
    let n = 0;
    for (const rows of this.kinds.values()) {
      for (const [key, row] of rows) {
        if (row.expiresAt !== null && row.expiresAt <= now.getTime()) {
          rows.delete(key);
          n++;
        }
      }
    }
    return n;
  }
}

export interface DueRunnerOptions {
  /** How often to look for work that another process (or a previous life of this one) left due. */
  pollMs: number;
  /** How long a claimed record stays with this process before another may take it. */
  leaseMs: number;
  batch?: number;
  onError?: (err: unknown, record: StoredRecord<unknown>) => void;
}

/**
 * Runs due work kept in a SandboxStore: on start (so work pending when a previous process stopped is
 * picked up), on a poll, and at the due times this process scheduled itself. Timers never keep a process
 * alive, and close() waits for work in flight so a closing server leaves nothing half-done.
 */
export class DueRunner {
  private readonly timers = new Set<NodeJS.Timeout>();
  private poll: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(
    private readonly store: SandboxStore,
    private readonly kinds: string[],
    private readonly handle: (record: StoredRecord<unknown>) => Promise<void>,
    private readonly opts: DueRunnerOptions,
  ) {}

  start() {
    if (this.closed || this.poll) return;
    this.poll = setInterval(() => void this.tick(), this.opts.pollMs);
    this.poll.unref();
    void this.tick();
  }

  /** Runs due work at `at` (or at once); a record must already carry its due time in the store. */
  wake(at: Date = new Date()) {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.tick();
    }, Math.max(0, at.getTime() - Date.now()));
    timer.unref();
    this.timers.add(timer);
  }

  async close() {
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.running;
  }

  private tick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again && !this.closed) {
        this.again = false;
        void this.tick();
      }
    });
    return this.running;
  }

  private async drain() {
    const batch = this.opts.batch ?? 50;
    for (;;) {
      if (this.closed) return;
      let records: StoredRecord<unknown>[];
      try {
        const now = new Date();
        records = await this.store.claimDue(this.kinds, now, new Date(now.getTime() + this.opts.leaseMs), batch);
      } catch (err) {
        // The store is unreachable (a database restarting); the next poll tries again.
        this.opts.onError?.(err, { kind: this.kinds.join(','), key: '', value: null });
        return;
      }
      // Concurrently: one merchant whose endpoint hangs must not hold up everyone else's notifications.
      await Promise.all(records.map((r) => this.handle(r).catch((err) => this.opts.onError?.(err, r))));
      if (records.length < batch) return;
    }
  }
}
