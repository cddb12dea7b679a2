import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { CounterStep, CountersOptions, CountersResult, HotStore, IdempotencyState, RateLimitResult } from './types.js';

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

// KEYS: the steps' counters, then the `unless` keys, then the record hash (if any).
// ARGV: nSteps, nUnless, hasRecord, then 5 per step (by, min, max, mustExist, ttlMs; '' = no bound),
// then the record's field, value and onlyNew. Checks everything first, then writes: all or nothing.
const APPLY_COUNTERS = `
local nSteps = tonumber(ARGV[1])
local nUnless = tonumber(ARGV[2])
local hasRecord = ARGV[3] == '1'
for i = 1, nUnless do
  if redis.call('EXISTS', KEYS[nSteps + i]) == 1 then return {0, 'blocked', i - 1} end
end
local rk, rbase
if hasRecord then
  rk = KEYS[nSteps + nUnless + 1]
  rbase = 3 + nSteps * 5
  if ARGV[rbase + 3] == '1' and redis.call('HEXISTS', rk, ARGV[rbase + 1]) == 1 then return {0, 'recorded', -1} end
end
local values = {}
for i = 1, nSteps do
  local a = 3 + (i - 1) * 5
  local cur = redis.call('GET', KEYS[i])
  if cur == false then
    if ARGV[a + 4] == '1' then return {0, 'missing', i - 1} end
    cur = 0
  else
    cur = tonumber(cur)
  end
  local nv = cur + tonumber(ARGV[a + 1])
  if ARGV[a + 2] ~= '' and nv < tonumber(ARGV[a + 2]) then return {0, 'below_min', i - 1} end
  if ARGV[a + 3] ~= '' and nv > tonumber(ARGV[a + 3]) then return {0, 'above_max', i - 1} end
  values[i] = nv
end
for i = 1, nSteps do
  local a = 3 + (i - 1) * 5
  local existed = redis.call('EXISTS', KEYS[i])
  redis.call('INCRBY', KEYS[i], ARGV[a + 1])
  local ttl = tonumber(ARGV[a + 5])
  if existed == 0 and ttl > 0 then redis.call('PEXPIRE', KEYS[i], ttl) end
end
if hasRecord then redis.call('HSET', rk, ARGV[rbase + 1], ARGV[rbase + 2]) end
return {1, 'ok', -1, unpack(values)}`;

export class RedisHotStore implements HotStore {
  readonly kind = 'redis' as const;
  readonly redis: Redis;

  constructor(url: string, private prefix = 'siyu:') {
    this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3, enableAutoPipelining: true });
    this.redis.defineCommand('siyuIncrTtl', { numberOfKeys: 1, lua: INCR_WITH_TTL });
    this.redis.defineCommand('siyuDecrIfEnough', { numberOfKeys: 1, lua: DECR_IF_ENOUGH });
    this.redis.defineCommand('siyuRateLimit', { numberOfKeys: 1, lua: RATE_LIMIT });
    this.redis.defineCommand('siyuUnlock', { numberOfKeys: 1, lua: UNLOCK });
    this.redis.defineCommand('siyuIdemBegin', { numberOfKeys: 1, lua: IDEM_BEGIN });
    // Variable key count: the first argument of the call says how many keys follow.
    this.redis.defineCommand('siyuApplyCounters', { lua: APPLY_COUNTERS });
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

  async del(key: string) {
    await this.redis.del(this.k(key));
  }

  async incrBy(key: string, by: number, ttlMs = 0) {
    return Number(await this.cmd.siyuIncrTtl(this.k(key), by, ttlMs));
  }

  async decrIfEnough(key: string, n: number) {
    return Number(await this.cmd.siyuDecrIfEnough(this.k(key), n));
  }

  async applyCounters(steps: CounterStep[], opts: CountersOptions = {}): Promise<CountersResult> {
    const unless = opts.unless ?? [];
    const rec = opts.record;
    const keys = [...steps.map((s) => this.k(s.key)), ...unless.map((k) => this.k(k)), ...(rec ? [this.k(rec.key)] : [])];
    const argv: (string | number)[] = [steps.length, unless.length, rec ? '1' : '0'];
    for (const s of steps) argv.push(s.by, s.min ?? '', s.max ?? '', s.mustExist ? '1' : '0', s.ttlMs ?? 0);
    if (rec) argv.push(rec.field, rec.value, rec.onlyNew ? '1' : '0');
    const res = (await this.cmd.siyuApplyCounters(keys.length, ...keys, ...argv)) as [number, string, number, ...number[]];
    if (res[0] === 1) return { ok: true, values: res.slice(3).map(Number) };
    return { ok: false, reason: res[1] as Exclude<CountersResult, { ok: true }>['reason'], index: Number(res[2]) };
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
