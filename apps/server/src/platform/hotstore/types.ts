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
  /**
   * `index` is the step, `limits` entry or `unless` key that refused; -1 for `claimed`, `recorded` and
   * `absent`. `resetMs` comes with `limited` (until its window ends); `current` with `below_min` /
   * `above_max` (the counter's value, unchanged).
   */
  | { ok: false; reason: 'limited' | 'blocked' | 'claimed' | 'recorded' | 'absent' | 'missing' | 'below_min' | 'above_max'; index: number; resetMs?: number; current?: number };

/** A fixed-window hit counter of `applyCounters`: every call counts, even one refused later. */
export interface CounterLimit {
  key: string;
  limit: number;
  windowMs: number;
}

/**
 * Everything around the counters that must be decided in the same atomic step, checked in this order:
 * `limits`, `unless`, `claim`, `record` (onlyNew), `consume`, then the steps. Nothing is written unless
 * every check passes, except the `limits` counters, which count every call up to the one that refuses.
 */
export interface CountersOptions {
  /** Rate limits counted first; the first over its limit refuses ('limited'). */
  limits?: CounterLimit[];
  /** Refuse ('blocked') while any of these keys exists (a "closed" flag). */
  unless?: string[];
  /** Refuse ('claimed') while `key` exists; on success set it for `ttlMs` (one operation in flight per owner, until `del`). */
  claim?: { key: string; ttlMs: number };
  /** On success also set `field` of hash `key`; with `onlyNew`, refuse ('recorded') when the field exists. */
  record?: { key: string; field: string; value: string; onlyNew?: boolean };
  /** Refuse ('absent') unless `field` of hash `key` exists; on success remove it. */
  consume?: { key: string; field: string };
}

/**
 * One claim of a counted thing (a coupon), decided in one atomic step of `claimUnit`, checked in this
 * order: `once`, `unless`, `left`, `held`. Nothing is written unless every check passes.
 */
export interface UnitClaim {
  /**
   * The claim's idempotency record: when `field` of hash `key` exists the call changes nothing and
   * answers 'again' with its value (what the first claim recorded); on success it is set to `value`.
   */
  once?: { key: string; field: string; value: string };
  /** Refuse ('blocked', with the index) while any of these keys exists. */
  unless?: string[];
  /** Units left, taken by `by`: never below 0 ('below_min'); an absent key answers 'missing' (not loaded). */
  left: { key: string; by: number };
  /** The claimant's holdings, a field of hash `key` (absent = 0), raised by the same `by`: never above `max` ('above_max'). */
  held: { key: string; field: string; max: number };
  /** Also set on success: the claim as pending, for whoever finishes it if its writer dies. */
  record?: { key: string; field: string; value: string };
}

export type UnitClaimResult =
  | { ok: true; left: number; held: number }
  | { ok: false; reason: 'again'; value: string }
  | { ok: false; reason: 'blocked'; index: number }
  /** `current`: the value of the counter that refused (0 for 'missing'). */
  | { ok: false; reason: 'missing' | 'below_min' | 'above_max'; current: number };

/** Members of a timeline read from `sinceMs` on, in the store's clock. */
export interface TimelineRead {
  entries: { member: string; at: number }[];
  /** The store's time at the read: the next read can start from it. */
  now: number;
  /**
   * Since when the timeline is complete: when it was first used or, after the store lost it, recreated.
   * Anything that happened before is not in it.
   */
  completeSince: number;
}

export interface HotStore {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | null>;
  /** Sets a value; with `nx` only when absent. Returns whether it was set. */
  set(key: string, value: string, opts?: { ttlMs?: number; nx?: boolean }): Promise<boolean>;
  /** Deletes keys (hashes too); several keys must share a Redis Cluster slot (one hash tag). */
  del(key: string | string[]): Promise<void>;
  /** Atomically adds `by` (may be negative) and returns the new value; sets the TTL when the key is created. */
  incrBy(key: string, by: number, ttlMs?: number): Promise<number>;
  /**
   * Atomically subtracts `n` only if the value stays ≥ 0. Returns the new value, or -1 when there is not
   * enough (the value is then unchanged). A missing key counts as 0.
   */
  decrIfEnough(key: string, n: number): Promise<number>;
  /**
   * All or nothing over several counters: every step's new value is checked against its bounds first,
   * then all are applied (with the claim, record and consume of `opts`) in one atomic step, or none is.
   * Keys must be distinct and, for Redis Cluster, share one hash tag. In Redis this is one Lua script,
   * so it is atomic across every process.
   */
  applyCounters(steps: CounterStep[], opts?: CountersOptions): Promise<CountersResult>;
  /**
   * Takes `left.by` units for one claimant in one atomic step (one Lua script on Redis), under the
   * idempotency record, the blocking keys, the units left and the claimant's limit of `UnitClaim`. Keys
   * share one hash tag for Redis Cluster.
   */
  claimUnit(claim: UnitClaim): Promise<UnitClaimResult>;
  /**
   * A time-ordered set that every process can follow: `timelineAdd` stamps `member` with the store's
   * clock (again: moves it to now) and drops members older than `keepMs`; `timelineSince` answers the
   * members stamped at or after `sinceMs`. Readers poll it to learn what others did (revoked sessions).
   * The member name `~since` is reserved.
   */
  timelineAdd(key: string, member: string, keepMs: number): Promise<void>;
  timelineSince(key: string, sinceMs: number): Promise<TimelineRead>;
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
