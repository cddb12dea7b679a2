/**
 * The hot store keeps state that many processes hit at once and that must not hammer one Postgres row:
 * counters, rate limits, locks and idempotency records. Redis in scaled mode, process memory in
 * embedded mode — same semantics, proven by the same test suite against both.
 */
export interface RateLimitResult {
  allowed: boolean;
  /** Requests left in the current window. */
  remaining: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

export type IdempotencyState<T> = { state: 'new' } | { state: 'pending' } | { state: 'done'; value: T };

/** One counter change of `applyCounters`. A missing key counts as 0 unless `mustExist`. */
export interface CounterStep {
  key: string;
  /** Added to the counter; negative to take. */
  by: number;
  /** The new value may not go below this (0 for stock). */
  min?: number;
  /** The new value may not go above this (a per-customer limit). */
  max?: number;
  /** Refuse when the key is absent instead of counting it as 0 (a counter that was never loaded). */
  mustExist?: boolean;
  /** TTL given to the key when this step creates it. */
  ttlMs?: number;
}

export type CountersResult =
  | { ok: true; values: number[] }
  /** `index` is the step (or the `unless` key) that refused; -1 for `recorded`. */
  | { ok: false; reason: 'blocked' | 'missing' | 'below_min' | 'above_max' | 'recorded'; index: number };

export interface CountersOptions {
  /** Refuse ('blocked') while any of these keys exists (a "closed" flag). */
  unless?: string[];
  /** On success also set `field` of hash `key`; with `onlyNew`, refuse ('recorded') when the field exists. */
  record?: { key: string; field: string; value: string; onlyNew?: boolean };
}

export interface HotStore {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | null>;
  /** Sets a value; with `nx` only when absent. Returns whether it was set. */
  set(key: string, value: string, opts?: { ttlMs?: number; nx?: boolean }): Promise<boolean>;
  del(key: string): Promise<void>;
  /** Atomically adds `by` (may be negative) and returns the new value; sets the TTL when the key is created. */
  incrBy(key: string, by: number, ttlMs?: number): Promise<number>;
  /**
   * Atomically subtracts `n` only if the value stays ≥ 0. Returns the new value, or -1 when there is not
   * enough (the value is then unchanged). A missing key counts as 0.
   */
  decrIfEnough(key: string, n: number): Promise<number>;
  /**
   * All or nothing over several counters: every step's new value is checked against its bounds first,
   * then all are applied (and the optional hash record written) in one atomic step, or none is. Keys
   * must be distinct. In Redis this is one Lua script, so it is atomic across every process.
   */
  applyCounters(steps: CounterStep[], opts?: CountersOptions): Promise<CountersResult>;
  /** Hash fields: set, delete (answers how many existed), read all. */
  hset(key: string, field: string, value: string): Promise<void>;
  hdel(key: string, fields: string[]): Promise<number>;
  hgetall(key: string): Promise<Record<string, string>>;
  /** Fixed-window limiter: counts this hit and says whether it is within `limit` per `windowMs`. */
  rateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;
  /** Acquires a lock; returns a token to release it with, or null when someone else holds it. */
  lock(key: string, ttlMs: number): Promise<string | null>;
  /** Releases a lock only if `token` still owns it. */
  unlock(key: string, token: string): Promise<boolean>;
  /** Milliseconds a key has left to live; -1 without expiry, -2 when absent. */
  ttl(key: string): Promise<number>;
  /** Starts an idempotent operation: `new` the first time, `pending` while it runs, `done` with its value after. */
  idempotencyBegin<T>(key: string, ttlMs: number): Promise<IdempotencyState<T>>;
  idempotencyComplete<T>(key: string, value: T, ttlMs: number): Promise<void>;
  /** Forgets a pending record so the operation can be tried again (after a failure). */
  idempotencyAbort(key: string): Promise<void>;
  close(): Promise<void>;
}
