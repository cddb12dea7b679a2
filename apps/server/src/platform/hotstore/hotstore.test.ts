import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CountersResult, HotStore } from './types.js';
import { MemoryHotStore } from './memory.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The same contract, run against every hot store this machine can reach: process memory always,
// Redis when REDIS_URL is set (under a key prefix unique to this run, removed afterwards).
const runPrefix = `hs-test:${randomBytes(5).toString('hex')}:`;
const stores: [string, () => Promise<HotStore>][] = [['memory', async () => new MemoryHotStore()]];
if (process.env.REDIS_URL) {
  stores.push([
    'redis',
    async () => {
      const { RedisHotStore } = await import('./redis.js');
      return new RedisHotStore(process.env.REDIS_URL!, runPrefix);
    },
  ]);
}

describe.each(stores)('%s hot store', (kind, make) => {
  let hot: HotStore;
  let n = 0;
  const key = (name: string) => `${name}:${++n}`;

  beforeAll(async () => {
    hot = await make();
    expect(hot.kind).toBe(kind);
  });
  afterAll(async () => {
    if (hot?.kind === 'redis') {
      const { RedisHotStore } = await import('./redis.js');
      const redis = (hot as InstanceType<typeof RedisHotStore>).redis;
      const left = await redis.keys(`${runPrefix}*`);
      if (left.length) await redis.del(...left);
      expect(await redis.keys(`${runPrefix}*`)).toEqual([]);
    }
    await hot?.close();
  });

  it('gets and sets, with nx only when absent', async () => {
    const k = key('kv');
    expect(await hot.get(k)).toBeNull();
    expect(await hot.set(k, 'a')).toBe(true);
    expect(await hot.get(k)).toBe('a');
    expect(await hot.set(k, 'b', { nx: true })).toBe(false);
    expect(await hot.get(k)).toBe('a');
    expect(await hot.set(k, 'c')).toBe(true);
    expect(await hot.get(k)).toBe('c');
    await hot.del(k);
    expect(await hot.get(k)).toBeNull();
    expect(await hot.set(k, 'd', { nx: true })).toBe(true);
    expect(await hot.get(k)).toBe('d');
  });

  it('reports ttl (-1 without expiry, -2 when absent) and expires keys', async () => {
    const k = key('ttl');
    expect(await hot.ttl(k)).toBe(-2);
    await hot.set(k, 'forever');
    expect(await hot.ttl(k)).toBe(-1);
    await hot.set(k, 'brief', { ttlMs: 80 });
    const left = await hot.ttl(k);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(80);
    await sleep(150);
    expect(await hot.get(k)).toBeNull();
    expect(await hot.ttl(k)).toBe(-2);
    // An expired key is absent for nx as well.
    expect(await hot.set(k, 'again', { nx: true })).toBe(true);
  });

  it('incrBy sets the TTL only when it creates the key', async () => {
    const k = key('incr');
    expect(await hot.incrBy(k, 5, 80)).toBe(5);
    const first = await hot.ttl(k);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(80);
    expect(await hot.incrBy(k, -2, 10_000)).toBe(3);
    // The second call did not extend the window.
    expect(await hot.ttl(k)).toBeLessThanOrEqual(first);
    await sleep(150);
    expect(await hot.incrBy(k, 7, 10_000)).toBe(7);
    expect(await hot.ttl(k)).toBeGreaterThan(80);

    // A key that exists without expiry keeps having none, even when its value happens to be 0.
    const zero = key('incr-zero');
    await hot.set(zero, '0');
    expect(await hot.incrBy(zero, 4, 10_000)).toBe(4);
    expect(await hot.ttl(zero)).toBe(-1);

    const plain = key('incr-plain');
    expect(await hot.incrBy(plain, 1)).toBe(1);
    expect(await hot.ttl(plain)).toBe(-1);
  });

  it('decrIfEnough never goes below zero: 500 parallel takes of 100 units, exactly 100 succeed', async () => {
    const k = key('stock');
    await hot.set(k, '100');
    const results = await Promise.all(Array.from({ length: 500 }, () => hot.decrIfEnough(k, 1)));
    const ok = results.filter((r) => r >= 0);
    expect(ok).toHaveLength(100);
    expect(results.filter((r) => r === -1)).toHaveLength(400);
    // Each success saw a different remaining amount: 99 down to 0.
    expect(new Set(ok).size).toBe(100);
    expect(Math.min(...ok)).toBe(0);
    expect(await hot.get(k)).toBe('0');
  });

  it('decrIfEnough refuses more than is left and treats a missing key as 0', async () => {
    const k = key('stock2');
    expect(await hot.decrIfEnough(k, 1)).toBe(-1);
    await hot.set(k, '5');
    expect(await hot.decrIfEnough(k, 6)).toBe(-1);
    expect(await hot.get(k)).toBe('5');
    expect(await hot.decrIfEnough(k, 5)).toBe(0);
    expect(await hot.decrIfEnough(k, 1)).toBe(-1);
    expect(await hot.get(k)).toBe('0');
  });

  it('applyCounters takes stock and a per-customer allowance together: 300 parallel takes of 50 units, exactly 50', async () => {
    const stock = key('ac-stock');
    const seen = key('ac-seen');
    await hot.set(stock, '50');
    // 150 customers, each trying twice with a limit of 1: stock and limits both hold under the race.
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        hot.applyCounters([{ key: stock, by: -1, min: 0, mustExist: true }, { key: `${seen}:${i % 150}`, by: 1, max: 1, ttlMs: 60_000 }], {
          record: { key: seen, field: `attempt-${i}`, value: String(i % 150) },
        }),
      ),
    );
    const ok = results.filter((r) => r.ok);
    expect(ok).toHaveLength(50);
    expect(await hot.get(stock)).toBe('0');
    const recorded = await hot.hgetall(seen);
    expect(Object.keys(recorded)).toHaveLength(50);
    // No customer got two.
    expect(new Set(Object.values(recorded)).size).toBe(50);
    for (const r of results) if (!r.ok) expect(['below_min', 'above_max']).toContain(r.reason);
    // The customer counter got its TTL when created.
    const someone = Object.values(recorded)[0];
    expect(await hot.ttl(`${seen}:${someone}`)).toBeGreaterThan(0);
  });

  it('applyCounters is all or nothing and names the step that refused', async () => {
    const a = key('ac-a');
    const b = key('ac-b');
    await hot.set(a, '5');
    await hot.set(b, '2');
    expect(await hot.applyCounters([{ key: a, by: -1, min: 0 }, { key: b, by: 1, max: 2 }])).toEqual({ ok: false, reason: 'above_max', index: 1, current: 2 });
    expect([await hot.get(a), await hot.get(b)]).toEqual(['5', '2']);
    expect(await hot.applyCounters([{ key: a, by: -6, min: 0 }, { key: b, by: -1 }])).toEqual({ ok: false, reason: 'below_min', index: 0, current: 5 });
    expect(await hot.applyCounters([{ key: key('ac-absent'), by: 1, mustExist: true }])).toEqual({ ok: false, reason: 'missing', index: 0 });
    expect(await hot.applyCounters([{ key: a, by: -2, min: 0 }, { key: b, by: -2, min: 0 }])).toEqual({ ok: true, values: [3, 0] });
    // A missing key without mustExist counts as 0 and is created without expiry unless a TTL is given.
    const fresh = key('ac-fresh');
    expect(await hot.applyCounters([{ key: fresh, by: 3 }])).toEqual({ ok: true, values: [3] });
    expect(await hot.ttl(fresh)).toBe(-1);
    // An existing key keeps its TTL (no extension) when a step changes it.
    const timed = key('ac-timed');
    await hot.applyCounters([{ key: timed, by: 1, ttlMs: 5_000 }]);
    await hot.applyCounters([{ key: timed, by: 1, ttlMs: 60_000 }]);
    const left = await hot.ttl(timed);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(5_000);
  });

  it('applyCounters refuses while a blocking key exists, and records a field only once with onlyNew', async () => {
    const stock = key('ac-block');
    const closed = key('ac-closed');
    const done = key('ac-done');
    await hot.set(stock, '10');
    await hot.set(closed, '1');
    expect(await hot.applyCounters([{ key: stock, by: -1, min: 0 }], { unless: [key('ac-other'), closed] })).toEqual({ ok: false, reason: 'blocked', index: 1 });
    await hot.del(closed);
    // Giving units back once per ref, however many times it is retried in parallel.
    const backs = await Promise.all(Array.from({ length: 20 }, () => hot.applyCounters([{ key: stock, by: 2, mustExist: true }], { record: { key: done, field: 'order-1', value: '2', onlyNew: true } })));
    expect(backs.filter((r) => r.ok)).toHaveLength(1);
    expect(backs.filter((r) => !r.ok && r.reason === 'recorded')).toHaveLength(19);
    expect(await hot.get(stock)).toBe('12');
  });

  it('applyCounters counts its limits first, on every call, and names the one over its limit', async () => {
    const ip = key('acl-ip');
    const me = key('acl-me');
    const closed = key('acl-closed');
    const limits = [{ key: ip, limit: 5, windowMs: 150 }, { key: me, limit: 2, windowMs: 10_000 }];
    const res = [];
    for (let i = 0; i < 4; i++) res.push(await hot.applyCounters([], { limits }));
    expect(res.map((r) => r.ok)).toEqual([true, true, false, false]);
    const refused = res[2] as Extract<CountersResult, { ok: false }>;
    expect(refused).toMatchObject({ reason: 'limited', index: 1 });
    expect(refused.resetMs).toBeGreaterThan(0);
    expect(refused.resetMs).toBeLessThanOrEqual(10_000);
    // A call refused later (closed) still counted against the first limit.
    await hot.set(closed, '1');
    expect(await hot.applyCounters([], { limits: [limits[0]], unless: [closed] })).toMatchObject({ ok: false, reason: 'blocked' });
    const over = await hot.applyCounters([], { limits: [limits[0]] });
    expect(over).toMatchObject({ ok: false, reason: 'limited', index: 0 });
    expect((over as Extract<CountersResult, { ok: false }>).resetMs).toBeLessThanOrEqual(150);
    await sleep(200);
    expect((await hot.applyCounters([], { limits: [limits[0]] })).ok).toBe(true);

    // Parallel calls: exactly `limit` get through a fresh window.
    const par = key('acl-par');
    const all = await Promise.all(Array.from({ length: 40 }, () => hot.applyCounters([], { limits: [{ key: par, limit: 15, windowMs: 10_000 }] })));
    expect(all.filter((r) => r.ok)).toHaveLength(15);
  });

  it('applyCounters claims a key on success: one at a time until it is deleted or expires', async () => {
    const stock = key('acc-stock');
    const claim = key('acc-claim');
    await hot.set(stock, '100');
    const all = await Promise.all(Array.from({ length: 30 }, () => hot.applyCounters([{ key: stock, by: -1, min: 0, mustExist: true }], { claim: { key: claim, ttlMs: 10_000 } })));
    expect(all.filter((r) => r.ok)).toHaveLength(1);
    for (const r of all) if (!r.ok) expect(r).toEqual({ ok: false, reason: 'claimed', index: -1 });
    expect(await hot.get(stock)).toBe('99');
    const left = await hot.ttl(claim);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(10_000);
    await hot.del(claim);
    // A refused step leaves no claim behind.
    expect(await hot.applyCounters([{ key: stock, by: -1000, min: 0 }], { claim: { key: claim, ttlMs: 10_000 } })).toMatchObject({ ok: false, reason: 'below_min', index: 0, current: 99 });
    expect(await hot.get(claim)).toBeNull();
    expect((await hot.applyCounters([{ key: stock, by: -1, min: 0 }], { claim: { key: claim, ttlMs: 60 } })).ok).toBe(true);
    await sleep(150);
    expect((await hot.applyCounters([{ key: stock, by: -1, min: 0 }], { claim: { key: claim, ttlMs: 60 } })).ok).toBe(true);
    expect(await hot.get(stock)).toBe('97');
  });

  it('applyCounters consumes a hash field at most once, and reports the counter that refused with its value', async () => {
    const h = key('acx-hash');
    const back = key('acx-back');
    const cap = key('acx-cap');
    await hot.set(back, '0');
    await hot.hset(h, 'a-1', 'x');
    const all = await Promise.all(Array.from({ length: 20 }, () => hot.applyCounters([{ key: back, by: 1, mustExist: true }], { consume: { key: h, field: 'a-1' } })));
    expect(all.filter((r) => r.ok)).toHaveLength(1);
    for (const r of all) if (!r.ok) expect(r).toEqual({ ok: false, reason: 'absent', index: -1 });
    expect(await hot.get(back)).toBe('1');
    expect(await hot.hgetall(h)).toEqual({});
    await hot.set(cap, '2');
    expect(await hot.applyCounters([{ key: back, by: 1 }, { key: cap, by: 1, max: 2 }])).toEqual({ ok: false, reason: 'above_max', index: 1, current: 2 });
    expect(await hot.get(back)).toBe('1');
  });

  it('claimUnit: 400 parallel claims by 100 claimants with a limit of 2 for 150 units take exactly 150, none above the limit', async () => {
    const left = key('cu:left');
    const held = key('cu:held');
    const pending = key('cu:pending');
    await hot.set(left, '150');
    const results = await Promise.all(
      Array.from({ length: 400 }, (_, i) => hot.claimUnit({ left: { key: left, by: 1 }, held: { key: held, field: `c${i % 100}`, max: 2 }, record: { key: pending, field: `claim${i}`, value: String(i) } })),
    );
    const taken = results.filter((r) => r.ok);
    expect(taken).toHaveLength(150);
    expect(await hot.get(left)).toBe('0');
    const holdings = Object.values(await hot.hgetall(held)).map(Number);
    expect(holdings.reduce((a, b) => a + b, 0)).toBe(150);
    expect(Math.max(...holdings)).toBeLessThanOrEqual(2);
    expect(Object.keys(await hot.hgetall(pending))).toHaveLength(150);
    const refused = results.filter((r): r is Extract<typeof r, { ok: false }> => !r.ok).map((r) => r.reason);
    expect(refused.every((r) => r === 'below_min' || r === 'above_max')).toBe(true);
    // With units to spare, the limit alone decides: 50 claimants × 2.
    await hot.set(left, '1000');
    await hot.del(held);
    const more = await Promise.all(Array.from({ length: 300 }, (_, i) => hot.claimUnit({ left: { key: left, by: 1 }, held: { key: held, field: `c${i % 50}`, max: 2 } })));
    expect(more.filter((r) => r.ok)).toHaveLength(100);
    expect(more.every((r) => r.ok || r.reason === 'above_max')).toBe(true);
    expect(await hot.get(left)).toBe('900');
    await hot.del([left, held, pending]);
  });

  it('claimUnit answers a repeated claim with what the first recorded, before any other check', async () => {
    const [left, held, once, paused] = [key('cu:left'), key('cu:held'), key('cu:once'), key('cu:paused')];
    const claim = (field: string, value: string) => hot.claimUnit({ once: { key: once, field, value }, unless: [paused], left: { key: left, by: 1 }, held: { key: held, field: 'c', max: 1 } });
    expect(await claim('k1', 'first')).toEqual({ ok: false, reason: 'missing', current: 0 });
    expect(await hot.hgetall(once)).toEqual({});
    await hot.set(left, '5');
    expect(await claim('k1', 'first')).toEqual({ ok: true, left: 4, held: 1 });
    // The limit, a blocking key and even the lost counter do not hide the first result from a retry.
    await hot.set(paused, '1');
    await hot.del(left);
    const [again, other] = await Promise.all([claim('k1', 'second'), claim('k2', 'third')]);
    expect(again).toEqual({ ok: false, reason: 'again', value: 'first' });
    expect(other).toEqual({ ok: false, reason: 'blocked', index: 0 });
    await hot.del(paused);
    await hot.set(left, '4');
    expect(await claim('k2', 'third')).toEqual({ ok: false, reason: 'above_max', current: 1 });
    expect(await hot.get(left)).toBe('4');
    await hot.set(left, '0');
    await hot.hdel(held, ['c']);
    expect(await claim('k3', 'x')).toEqual({ ok: false, reason: 'below_min', current: 0 });
    expect(await hot.hgetall(once)).toEqual({ k1: 'first' });
    await hot.del([left, held, once]);
  });

  it('del removes several keys at once', async () => {
    const tag = key('{del}');
    await hot.set(`${tag}:a`, '1');
    await hot.hset(`${tag}:h`, 'f', '1');
    await hot.del([`${tag}:a`, `${tag}:h`, `${tag}:absent`]);
    await hot.del([]);
    expect(await hot.get(`${tag}:a`)).toBeNull();
    expect(await hot.hgetall(`${tag}:h`)).toEqual({});
  });

  it('timelines: members stamped in the store clock, read from a time on, re-stamped, pruned, and a lost timeline says so', async () => {
    const tl = key('timeline');
    const first = await hot.timelineSince(tl, 0);
    expect(first.entries).toEqual([]);
    expect(first.completeSince).toBeGreaterThan(0);
    expect(first.completeSince).toBeLessThanOrEqual(first.now);
    await hot.timelineAdd(tl, 's:1', 60_000);
    await sleep(5);
    const mid = (await hot.timelineSince(tl, 0)).now;
    await sleep(5);
    await hot.timelineAdd(tl, 's:2', 60_000);
    const all = await hot.timelineSince(tl, 0);
    expect(all.entries.map((e) => e.member)).toEqual(['s:1', 's:2']);
    expect(all.completeSince).toBe(first.completeSince);
    expect((await hot.timelineSince(tl, mid)).entries.map((e) => e.member)).toEqual(['s:2']);
    // Added again: stamped again.
    await sleep(5);
    await hot.timelineAdd(tl, 's:1', 60_000);
    const again = await hot.timelineSince(tl, all.now + 1);
    expect(again.entries.map((e) => e.member)).toEqual(['s:1']);
    expect(again.entries[0].at).toBeGreaterThan(all.now);
    // Members older than keepMs go with the next add; the start of the timeline stays.
    await sleep(60);
    await hot.timelineAdd(tl, 's:3', 50);
    const pruned = await hot.timelineSince(tl, 0);
    expect(pruned.entries.map((e) => e.member)).toEqual(['s:3']);
    expect(pruned.completeSince).toBe(first.completeSince);
    // The store lost it: it starts again, and says from when.
    await hot.del(tl);
    await sleep(5);
    const lost = await hot.timelineSince(tl, 0);
    expect(lost.entries).toEqual([]);
    expect(lost.completeSince).toBeGreaterThan(pruned.now);
  });

  it('hash fields: set, read all, delete', async () => {
    const h = key('hash');
    expect(await hot.hgetall(h)).toEqual({});
    await hot.hset(h, 'a', '1');
    await hot.hset(h, 'b', '2');
    await hot.hset(h, 'a', '3');
    expect(await hot.hgetall(h)).toEqual({ a: '3', b: '2' });
    expect(await hot.hdel(h, ['a', 'zz'])).toBe(1);
    expect(await hot.hdel(h, [])).toBe(0);
    expect(await hot.hgetall(h)).toEqual({ b: '2' });
    await hot.del(h);
    expect(await hot.hgetall(h)).toEqual({});
  });

  it('rateLimit counts hits in a fixed window and resets after it', async () => {
    const k = key('rl');
    const hits = [];
    for (let i = 0; i < 5; i++) hits.push(await hot.rateLimit(k, 3, 150));
    expect(hits.map((h) => h.allowed)).toEqual([true, true, true, false, false]);
    expect(hits.map((h) => h.remaining)).toEqual([2, 1, 0, 0, 0]);
    for (const h of hits) {
      expect(h.resetMs).toBeGreaterThan(0);
      expect(h.resetMs).toBeLessThanOrEqual(150);
    }
    await sleep(250);
    const fresh = await hot.rateLimit(k, 3, 150);
    expect(fresh).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('rateLimit counts parallel hits exactly', async () => {
    const k = key('rl-par');
    const hits = await Promise.all(Array.from({ length: 50 }, () => hot.rateLimit(k, 20, 10_000)));
    expect(hits.filter((h) => h.allowed)).toHaveLength(20);
  });

  it('lock is exclusive and only its token unlocks it', async () => {
    const k = key('lock');
    const token = await hot.lock(k, 10_000);
    expect(token).toBeTruthy();
    expect(await hot.lock(k, 10_000)).toBeNull();
    expect(await hot.unlock(k, 'someone-else')).toBe(false);
    expect(await hot.lock(k, 10_000)).toBeNull();
    expect(await hot.unlock(k, token!)).toBe(true);
    expect(await hot.unlock(k, token!)).toBe(false);
    const next = await hot.lock(k, 10_000);
    expect(next).toBeTruthy();
    expect(next).not.toBe(token);
    expect(await hot.unlock(k, next!)).toBe(true);
  });

  it('parallel lock attempts have exactly one winner', async () => {
    const k = key('lock-par');
    const tokens = await Promise.all(Array.from({ length: 50 }, () => hot.lock(k, 10_000)));
    expect(tokens.filter(Boolean)).toHaveLength(1);
  });

  it('an expired lock can be taken by another, and the old token no longer unlocks it', async () => {
    const k = key('lock-exp');
    const old = await hot.lock(k, 60);
    expect(old).toBeTruthy();
    await sleep(150);
    const taken = await hot.lock(k, 10_000);
    expect(taken).toBeTruthy();
    expect(await hot.unlock(k, old!)).toBe(false);
    expect(await hot.lock(k, 10_000)).toBeNull();
    expect(await hot.unlock(k, taken!)).toBe(true);
  });

  it('idempotency: parallel begins give exactly one new, then done with the value', async () => {
    const k = key('idem');
    const states = await Promise.all(Array.from({ length: 50 }, () => hot.idempotencyBegin<{ orderId: string }>(k, 10_000)));
    expect(states.filter((s) => s.state === 'new')).toHaveLength(1);
    expect(states.filter((s) => s.state === 'pending')).toHaveLength(49);
    await hot.idempotencyComplete(k, { orderId: 'o-1' }, 10_000);
    expect(await hot.idempotencyBegin(k, 10_000)).toEqual({ state: 'done', value: { orderId: 'o-1' } });
  });

  it('idempotency: abort lets the operation start again, once', async () => {
    const k = key('idem-abort');
    expect((await hot.idempotencyBegin(k, 10_000)).state).toBe('new');
    expect((await hot.idempotencyBegin(k, 10_000)).state).toBe('pending');
    await hot.idempotencyAbort(k);
    const again = await Promise.all(Array.from({ length: 20 }, () => hot.idempotencyBegin(k, 10_000)));
    expect(again.filter((s) => s.state === 'new')).toHaveLength(1);
  });

  it('idempotency: a pending record expires so a crashed attempt does not block forever', async () => {
    const k = key('idem-exp');
    expect((await hot.idempotencyBegin(k, 60)).state).toBe('new');
    await sleep(150);
    expect((await hot.idempotencyBegin(k, 10_000)).state).toBe('new');
  });
});
