import { describe, expect, it } from 'vitest';
import type { HotStore } from './hotstore/index.js';
import { ShopCache } from './shop-cache.js';

/** The two operations the cache uses, over one shared map: what Redis is to several processes. */
function sharedStore(kind: 'redis' | 'memory', calls: { gets: number }) {
  const data = new Map<string, number>();
  return {
    kind,
    async get(key: string) {
      calls.gets++;
      return data.has(key) ? String(data.get(key)) : null;
    },
    async incrBy(key: string, by: number) {
      data.set(key, (data.get(key) ?? 0) + by);
      return data.get(key)!;
    },
  } as unknown as HotStore;
}

describe('shop cache', () => {
  it('loads once per version and shares a load between concurrent callers', async () => {
    const calls = { gets: 0 };
    let clock = 0;
    const cache = new ShopCache(sharedStore('redis', calls), { checkEveryMs: 250, now: () => clock });
    let loads = 0;
    const load = async () => ++loads;
    const [a, b] = await Promise.all([cache.get('s1', 'x', load), cache.get('s1', 'x', load)]);
    expect([a, b, loads]).toEqual([1, 1, 1]);
    clock += 100;
    expect(await cache.get('s1', 'x', load)).toBe(1);
    expect(calls.gets).toBe(1);
  });

  it('another process sees a change within the check interval, the changing process at once', async () => {
    const calls = { gets: 0 };
    let clock = 0;
    const store = sharedStore('redis', calls);
    const a = new ShopCache(store, { checkEveryMs: 250, now: () => clock });
    const b = new ShopCache(store, { checkEveryMs: 250, now: () => clock });
    let value = 'old';
    const load = async () => value;
    expect(await a.get('s1', 'settings', load)).toBe('old');
    expect(await b.get('s1', 'settings', load)).toBe('old');
    value = 'new';
    await a.invalidate('s1');
    expect(await a.get('s1', 'settings', load)).toBe('new');
    // B looked 0 ms ago: it may still answer the old value until its interval passes …
    expect(await b.get('s1', 'settings', load)).toBe('old');
    clock += 251;
    // … and not a moment longer.
    expect(await b.get('s1', 'settings', load)).toBe('new');
    // Other shops are not disturbed.
    expect(await b.get('s2', 'settings', async () => 'other')).toBe('other');
  });

  it('in one process (memory hot store) never asks again, and forgets on invalidate', async () => {
    const calls = { gets: 0 };
    let clock = 0;
    const cache = new ShopCache(sharedStore('memory', calls), { checkEveryMs: 250, now: () => clock });
    let n = 0;
    const load = async () => ++n;
    expect(await cache.get('s1', 'x', load)).toBe(1);
    clock += 10_000;
    expect(await cache.get('s1', 'x', load)).toBe(1);
    expect(calls.gets).toBe(1);
    await cache.invalidate('s1');
    expect(await cache.get('s1', 'x', load)).toBe(2);
  });

  it('does not remember a failed load, and reloads after the age cap', async () => {
    const calls = { gets: 0 };
    let clock = 0;
    const cache = new ShopCache(sharedStore('redis', calls), { checkEveryMs: 250, now: () => clock });
    await expect(cache.get('s1', 'x', async () => { throw new Error('database down'); })).rejects.toThrow('database down');
    expect(await cache.get('s1', 'x', async () => 'ok')).toBe('ok');
    let n = 0;
    expect(await cache.get('s1', 'y', async () => ++n)).toBe(1);
    clock += 61_000;
    expect(await cache.get('s1', 'y', async () => ++n)).toBe(2);
  });
});
