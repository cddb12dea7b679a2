/**
 * Hot store keys of a session. The `{session}` hash tag keeps a session's keys in one Redis Cluster slot,
 * so the purchase decision (one Lua script over rate limits, in-flight marker, counters and the pending
 * hash) stays legal there too.
 */
export const hotKeys = (sessionId: string) => {
  const s = `fs:{${sessionId}}`;
  return {
    /** Units left to take, per item. Absent = not loaded (warm it from PostgreSQL). */
    left: (itemId: string) => `${s}:left:${itemId}`,
    /** Units a customer holds of an item in this session (their limit). */
    bought: (itemId: string, customerId: string) => `${s}:bought:${itemId}:${customerId}`,
    /** Present once the session takes no more attempts. */
    closed: `${s}:closed`,
    /** Present while the counters are loaded; holds when and from what they were loaded. */
    warm: `${s}:warm`,
    warming: `${s}:warming`,
    /** Hash attemptId → attempt JSON: taken in the hot store, maybe not yet in PostgreSQL. */
    pending: `${s}:pending`,
    /** Hash attemptId → units given back after its order was cancelled (each at most once). */
    returned: `${s}:returned`,
    /** Fixed-window hit counters of the purchase path, per client address and per customer. */
    rateByIp: (ip: string) => `${s}:rl:ip:${ip}`,
    rateByCustomer: (customerId: string) => `${s}:rl:c:${customerId}`,
    /** Present while a customer's accepted attempt is on its way to PostgreSQL: one attempt in flight each. */
    inFlight: (customerId: string) => `${s}:inflight:${customerId}`,
  };
};

/** What a poll reads: c customer, s status, o order id, e failure code. */
export const attemptKey = (attemptId: string) => `fs:attempt:${attemptId}`;
export interface AttemptResult {
  c: string;
  s: 'pending' | 'ordered' | 'failed';
  o?: string;
  e?: string;
}
export const ATTEMPT_RESULT_TTL_MS = 6 * 3600_000;
/** Hot keys of a session outlive it by a day (limits and results stay readable for late polls). */
export const SESSION_KEY_GRACE_MS = 24 * 3600_000;
export const FLASH_SOURCE = 'flash_sale';
