import { describe, expect, it } from 'vitest';
import { world } from './fakes.js';
import { loadTracker } from './loader.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('loadTracker', () => {
  it('keeps calls made before the config arrives, with their own time and page, and replays them in order', async () => {
    const w = world('https://shop.example.com/s/demo/?utm_source=wx');
    const config = deferred<{ writeKey: string; endpoint: string } | null>();
    const { writeKey: _k, ...opts } = w.options();
    const t = loadTracker(() => config.promise, opts);
    expect(t.anonymousId()).toBeNull();

    t.page();
    t.identify('cust_1', { nickname: 'a' });
    w.clock.t += 5000;
    w.location.go('https://shop.example.com/s/demo/products/p1');
    w.document.title = 'Tea';
    t.track('product_viewed', { product_id: 'p1' });

    config.resolve({ writeKey: 'wk_test', endpoint: '/v1' });
    const real = await t.ready;
    expect(real).not.toBeNull();
    t.track('after');
    await t.flush();

    const events = w.server.events();
    expect(events.map((e) => e.event ?? e.type)).toEqual(['page', 'identify', 'product_viewed', 'after']);
    expect(events[0].timestamp).toBe('2025-03-01T08:00:00.000Z');
    expect(events[0].context.page.path).toBe('/s/demo/');
    expect(events[0].properties?.search).toBe('?utm_source=wx');
    expect(events[2].timestamp).toBe('2025-03-01T08:00:05.000Z');
    expect(events[2].context.page).toMatchObject({ path: '/s/demo/products/p1', title: 'Tea' });
    expect(events[2].userId).toBe('cust_1');
    // The landing campaign was captured before the SPA moved on.
    for (const e of events) expect(e.context.campaign).toEqual({ source: 'wx' });
    expect(t.userId()).toBe('cust_1');
  });

  it('stays a no-op when the shop has no analytics', async () => {
    const w = world();
    const { writeKey: _k, ...opts } = w.options();
    const t = loadTracker(async () => null, opts);
    t.track('a');
    expect(await t.ready).toBeNull();
    t.track('b');
    t.identify('c');
    await t.flush();
    await t.shutdown();
    await w.clock.advance(10_000);
    expect(w.server.requests).toHaveLength(0);
    expect(w.storage.map.size).toBe(0);
  });

  it('stays a no-op when the config fails to load, and says so', async () => {
    const w = world();
    const { writeKey: _k, ...opts } = w.options();
    const t = loadTracker(async () => {
      throw new Error('offline');
    }, opts);
    t.track('a');
    expect(await t.ready).toBeNull();
    await t.flush();
    expect(w.server.requests).toHaveLength(0);
    expect(w.warnings.some((m) => m.includes('config'))).toBe(true);
  });

  it('keeps at most maxBuffered calls', async () => {
    const w = world();
    const config = deferred<{ writeKey: string }>();
    const { writeKey: _k, ...opts } = w.options();
    const t = loadTracker(() => config.promise, { ...opts, maxBuffered: 3, flushAt: 100 });
    for (let i = 0; i < 10; i++) t.track('e', { i });
    config.resolve({ writeKey: 'wk_test' });
    await t.ready;
    await t.flush();
    expect(w.server.events().map((e) => e.properties?.i)).toEqual([0, 1, 2]);
  });
});
