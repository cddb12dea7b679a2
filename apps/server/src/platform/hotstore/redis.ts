import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { CounterStep, CountersOptions, CountersResult, HotStore, IdempotencyState, RateLimitResult, TimelineRead, UnitClaim, UnitClaimResult } from './types.js';

// Each multi-step operation is one Lua script, so it is atomic across every process using this Redis.
// "Created" is decided by EXISTS, not by the new value equalling the increment: a key that already held 0
// would otherwise get a TTL it never had, or have its window extended.
const INCR_WITH_TTL = `
local existed = redis.call('EXISTS', KEYS[1])
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 and existed == 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v`;

const DECR_IF_ENOUGH = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local n = tonumber(ARGV[1])
if cur < n then return -1 end
return redis.call('DECRBY', KEYS[1], n)`;

const RATE_LIMIT = `
local v = redis.call('INCR', KEYS[1])
if v == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {v, ttl}`;

const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const IDEM_BEGIN = `
local ok = redis.call('SET', KEYS[1], '{"s":"pending"}', 'PX', ARGV[1], 'NX')
if ok then return false end
return redis.call('GET', KEYS[1])`;

// KEYS, in this order: the limits' counters, the `unless` keys, the claim, the record hash, the consume
// hash (each of the last three only when given), then the steps' counters.
// ARGV: nLimits, nUnless, hasClaim, hasRecord, hasConsume, nSteps; 2 per limit (limit, windowMs); the
// claim's ttlMs; the record's field, value, onlyNew; the consumed field; 5 per step (by, min, max,
// mustExist, ttlMs; '' = no bound). Checks everything first, then writes: all or nothing, except that
// every limit counts the call up to the one that refuses.
const APPLY_COUNTERS = `
local nL, nU, nS = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[6])
local hasC, hasR, hasX = ARGV[3] == '1', ARGV[4] == '1', ARGV[5] == '1'
local k, a = 0, 6
for i = 1, nL do
  local key = KEYS[k + i]
  local v = redis.call('INCR', key)
  if v == 1 then redis.call('PEXPIRE', key, ARGV[a + 2]) end
  if v > tonumber(ARGV[a + 1]) then return {0, 'limited', i - 1, redis.call('PTTL', key)} end
  a = a + 2
end
k = k + nL
for i = 1, nU do
  if redis.call('EXISTS', KEYS[k + i]) == 1 then return {0, 'blocked', i - 1, 0} end
end
k = k + nU
local ck, cttl, rk, rf, rv, xk, xf
if hasC then
  k = k + 1; ck = KEYS[k]; a = a + 1; cttl = ARGV[a]
  if redis.call('EXISTS', ck) == 1 then return {0, 'claimed', -1, 0} end
end
if hasR then
  k = k + 1; rk = KEYS[k]; rf = ARGV[a + 1]; rv = ARGV[a + 2]
  if ARGV[a + 3] == '1' and redis.call('HEXISTS', rk, rf) == 1 then return {0, 'recorded', -1, 0} end
  a = a + 3
end
if hasX then
  k = k + 1; xk = KEYS[k]; a = a + 1; xf = ARGV[a]
  if redis.call('HEXISTS', xk, xf) == 0 then return {0, 'absent', -1, 0} end
end
local values = {}
for i = 1, nS do
  local b = a + (i - 1) * 5
  local cur = redis.call('GET', KEYS[k + i])
  if cur == false then
    if ARGV[b + 4] == '1' then return {0, 'missing', i - 1, 0} end
    cur = 0
  else
    cur = tonumber(cur)
  end
  local nv = cur + tonumber(ARGV[b + 1])
  if ARGV[b + 2] ~= '' and nv < tonumber(ARGV[b + 2]) then return {0, 'below_min', i - 1, cur} end
  if ARGV[b + 3] ~= '' and nv > tonumber(ARGV[b + 3]) then return {0, 'above_max', i - 1, cur} end
  values[i] = nv
end
for i = 1, nS do
  local b = a + (i - 1) * 5
  local existed = redis.call('EXISTS', KEYS[k + i])
  redis.call('INCRBY', KEYS[k + i], ARGV[b + 1])
  local ttl = tonumber(ARGV[b + 5])
  if existed == 0 and ttl > 0 then redis.call('PEXPIRE', KEYS[k + i], ttl) end
end
if hasC then redis.call('SET', ck, '1', 'PX', cttl) end
if hasR then redis.call('HSET', rk, rf, rv) end
if hasX then redis.call('HDEL', xk, xf) end
return {1, 'ok', -1, 0, unpack(values)}`;

// KEYS: the `once` hash (when given), the `unless` keys, left, the held hash, the record hash (when given).
// ARGV: hasOnce, nUnless, hasRecord, onceField, onceValue, by, heldField, max, recordField, recordValue.
const CLAIM_UNIT = `
local hasO, nU, hasR = ARGV[1] == '1', tonumber(ARGV[2]), ARGV[3] == '1'
local k = 0
if hasO then
  k = 1
  local first = redis.call('HGET', KEYS[1], ARGV[4])
  if first then return {0, 'again', first} end
end
for i = 1, nU do
  if redis.call('EXISTS', KEYS[k + i]) == 1 then return {0, 'blocked', i - 1} end
end
k = k + nU
local by, max = tonumber(ARGV[6]), tonumber(ARGV[8])
local left = redis.call('GET', KEYS[k + 1])
if left == false then return {0, 'missing', 0} end
left = tonumber(left)
if left - by < 0 then return {0, 'below_min', left} end
local held = tonumber(redis.call('HGET', KEYS[k + 2], ARGV[7]) or '0')
if held + by > max then return {0, 'above_max', held} end
redis.call('DECRBY', KEYS[k + 1], by)
redis.call('HINCRBY', KEYS[k + 2], ARGV[7], by)
if hasO then redis.call('HSET', KEYS[1], ARGV[4], ARGV[5]) end
if hasR then redis.call('HSET', KEYS[k + 3], ARGV[9], ARGV[10]) end
return {1, 'ok', left - by, held + by}`;

// A timeline is one sorted set scored by Redis's own clock (one clock for every process). The member
// '~since' holds when it was started, so that a reader can tell a timeline that was lost (evicted, flushed)
// and begun again; pruning keeps it.
const TIMELINE_NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local since = redis.call('ZSCORE', KEYS[1], '~since')
if not since then
  since = now
  redis.call('ZADD', KEYS[1], now, '~since')
end`;

const TIMELINE_ADD = `${TIMELINE_NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[2])))
redis.call('ZADD', KEYS[1], since, '~since')
redis.call('ZADD', KEYS[1], now, ARGV[1])
return now`;

const TIMELINE_SINCE = `${TIMELINE_NOW}
return {now, tonumber(since), redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf', 'WITHSCORES')}`;

export class RedisHotStore implements HotStore {
  readonly kind = 'redis' as const;
  readonly redis: Redis;

  constructor(url: string, readonly prefix = 'siyu:') {
    this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3, enableAutoPipelining: true });
    this.redis.defineCommand('siyuIncrTtl', { numberOfKeys: 1, lua: INCR_WITH_TTL });
    this.redis.defineCommand('siyuDecrIfEnough', { numberOfKeys: 1, lua: DECR_IF_ENOUGH });
    this.redis.defineCommand('siyuRateLimit', { numberOfKeys: 1, lua: RATE_LIMIT });
    this.redis.defineCommand('siyuUnlock', { numberOfKeys: 1, lua: UNLOCK });
    this.redis.defineCommand('siyuIdemBegin', { numberOfKeys: 1, lua: IDEM_BEGIN });
    // Variable key count: the first argument of the call says how many keys follow.
    this.redis.defineCommand('siyuApplyCounters', { lua: APPLY_COUNTERS });
    this.redis.defineCommand('siyuClaimUnit', { lua: CLAIM_UNIT });
    this.redis.defineCommand('siyuTimelineAdd', { numberOfKeys: 1, lua: TIMELINE_ADD });
    this.redis.defineCommand('siyuTimelineSince', { numberOfKeys: 1, lua: TIMELINE_SINCE });
  }

  private k(key: string) {
    return this.prefix + key;
  }

  // ioredis adds defined commands at run time; this view gives them types.
  private get cmd() {
    return this.redis as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>;
  }

  async get(key: string) {
    return this.redis.get(this.k(key));
  }

  async set(key: string, value: string, opts: { ttlMs?: number; nx?: boolean } = {}) {
    const args: (string | number)[] = [];
    if (opts.ttlMs) args.push('PX', opts.ttlMs);
    if (opts.nx) args.push('NX');
    const res = await (this.redis.set as unknown as (...a: (string | number)[]) => Promise<string | null>)(this.k(key), value, ...args);
    return res === 'OK';
  }

  async del(key: string | string[]) {
    const keys = typeof key === 'string' ? [key] : key;
    if (keys.length) await this.redis.del(...keys.map((k) => this.k(k)));
  }

  async incrBy(key: string, by: number, ttlMs = 0) {
    return Number(await this.cmd.siyuIncrTtl(this.k(key), by, ttlMs));
  }

  async decrIfEnough(key: string, n: number) {
    return Number(await this.cmd.siyuDecrIfEnough(this.k(key), n));
  }

  async applyCounters(steps: CounterStep[], opts: CountersOptions = {}): Promise<CountersResult> {
    const { limits = [], unless = [], claim, record: rec, consume } = opts;
    const keys: string[] = [...limits.map((l) => l.key), ...unless];
    const argv: (string | number)[] = [limits.length, unless.length, claim ? '1' : '0', rec ? '1' : '0', consume ? '1' : '0', steps.length];
    for (const l of limits) argv.push(l.limit, l.windowMs);
    if (claim) {
      keys.push(claim.key);
      argv.push(claim.ttlMs);
    }
    if (rec) {
      keys.push(rec.key);
      argv.push(rec.field, rec.value, rec.onlyNew ? '1' : '0');
    }
    if (consume) {
      keys.push(consume.key);
      argv.push(consume.field);
    }
    for (const s of steps) {
      keys.push(s.key);
      argv.push(s.by, s.min ?? '', s.max ?? '', s.mustExist ? '1' : '0', s.ttlMs ?? 0);
    }
    const res = (await this.cmd.siyuApplyCounters(keys.length, ...keys.map((k) => this.k(k)), ...argv)) as [number, string, number, number, ...number[]];
    if (res[0] === 1) return { ok: true, values: res.slice(4).map(Number) };
    const reason = res[1] as Exclude<CountersResult, { ok: true }>['reason'];
    const index = Number(res[2]);
    if (reason === 'limited') return { ok: false, reason, index, resetMs: Number(res[3]) < 0 ? limits[index].windowMs : Number(res[3]) };
    if (reason === 'below_min' || reason === 'above_max') return { ok: false, reason, index, current: Number(res[3]) };
    return { ok: false, reason, index };
  }

  async claimUnit(c: UnitClaim): Promise<UnitClaimResult> {
    const keys = [...(c.once ? [c.once.key] : []), ...(c.unless ?? []), c.left.key, c.held.key, ...(c.record ? [c.record.key] : [])];
    const argv = [c.once ? '1' : '0', (c.unless ?? []).length, c.record ? '1' : '0', c.once?.field ?? '', c.once?.value ?? '', c.left.by, c.held.field, c.held.max, c.record?.field ?? '', c.record?.value ?? ''];
    const res = (await this.cmd.siyuClaimUnit(keys.length, ...keys.map((k) => this.k(k)), ...argv)) as [number, string, number | string, number?];
    if (res[0] === 1) return { ok: true, left: Number(res[2]), held: Number(res[3]) };
    if (res[1] === 'again') return { ok: false, reason: 'again', value: String(res[2]) };
    if (res[1] === 'blocked') return { ok: false, reason: 'blocked', index: Number(res[2]) };
    return { ok: false, reason: res[1] as 'missing' | 'below_min' | 'above_max', current: Number(res[2]) };
  }

  async timelineAdd(key: string, member: string, keepMs: number) {
    await this.cmd.siyuTimelineAdd(this.k(key), member, keepMs);
  }

  async timelineSince(key: string, sinceMs: number): Promise<TimelineRead> {
    const [now, since, flat] = (await this.cmd.siyuTimelineSince(this.k(key), Math.floor(sinceMs))) as [number, number, string[]];
    const entries: TimelineRead['entries'] = [];
    for (let i = 0; i < flat.length; i += 2) if (flat[i] !== '~since') entries.push({ member: flat[i], at: Number(flat[i + 1]) });
    return { entries, now: Number(now), completeSince: Number(since) };
  }

  async hset(key: string, field: string, value: string) {
    await this.redis.hset(this.k(key), field, value);
  }

  async hdel(key: string, fields: string[]) {
    if (fields.length === 0) return 0;
    return this.redis.hdel(this.k(key), ...fields);
  }

  async hgetall(key: string) {
    return this.redis.hgetall(this.k(key));
  }

  async rateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    const [count, ttl] = (await this.cmd.siyuRateLimit(this.k(key), windowMs)) as [number, number];
    return { allowed: count <= limit, remaining: Math.max(0, limit - count), resetMs: ttl < 0 ? windowMs : ttl };
  }

  async lock(key: string, ttlMs: number) {
    const token = randomUUID();
    return (await this.set(key, token, { ttlMs, nx: true })) ? token : null;
  }

  async unlock(key: string, token: string) {
    return Number(await this.cmd.siyuUnlock(this.k(key), token)) === 1;
  }

  async ttl(key: string) {
    return this.redis.pttl(this.k(key));
  }

  async idempotencyBegin<T>(key: string, ttlMs: number): Promise<IdempotencyState<T>> {
    const existing = (await this.cmd.siyuIdemBegin(this.k(key), ttlMs)) as string | null;
    if (!existing) return { state: 'new' };
    const rec = JSON.parse(existing) as { s: 'pending' } | { s: 'done'; v: T };
    return rec.s === 'done' ? { state: 'done', value: rec.v } : { state: 'pending' };
  }

  async idempotencyComplete<T>(key: string, value: T, ttlMs: number) {
    await this.redis.set(this.k(key), JSON.stringify({ s: 'done', v: value }), 'PX', ttlMs);
  }

  async idempotencyAbort(key: string) {
    await this.redis.del(this.k(key));
  }

  async close() {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
