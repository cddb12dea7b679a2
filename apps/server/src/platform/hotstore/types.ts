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
