import { describe, expect, it } from 'vitest';
import { MAX_BATCH_BYTES, utf8Length } from './batch.js';
import { FakeClock, MemoryStorage, settle, world } from './fakes.js';
import { createTracker, noopTracker } from './tracker.js';
import type { SdkEvent } from './types.js';
import { VERSION } from './version.js';

const QUEUE_KEY = 'siyu:sdk:wk_test:queue';
const stored = (s: MemoryStorage, key = QUEUE_KEY): SdkEvent[] => JSON.parse(s.map.get(key) ?? '[]') as SdkEvent[];
const names = (events: SdkEvent[]) => events.map((e) => e.event ?? e.type);

describe('events', () => {
  it('builds Segment track events with the page, library and device context', async () => {
    const w = world('https://shop.example.com/s/demo/products/p1?x=1#reviews');
    const t = w.tracker();
    t.track('product_viewed', { product_id: 'p1', price_fen: 1990 });
    await t.flush();

    expect(w.server.requests).toHaveLength(1);
    const [e] = w.server.events();
    expect(e).toEqual({
      type: 'track',
      event: 'product_viewed',
      properties: { product_id: 'p1', price_fen: 1990 },
      messageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      anonymousId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      timestamp: '2025-03-01T08:00:00.000Z',
      context: {
        page: {
          path: '/s/demo/products/p1',
          url: 'https://shop.example.com/s/demo/products/p1?x=1',
          title: '商品详情',
          referrer: 'https://weixin.qq.com/',
          search: '?x=1',
        },
        library: { name: '@siyu/sdk', version: VERSION },
        userAgent: 'Mozilla/5.0 (iPhone) MicroMessenger/8.0',
        locale: 'zh-CN',
        screen: { width: 390, height: 844 },
        timezone: 'Asia/Shanghai',
      },
    });
    expect(e.userId).toBeUndefined();
    expect(e.messageId).not.toBe(e.anonymousId);
  });

  it('page() puts the page into its properties, with an optional name', async () => {
    const w = world('https://shop.example.com/s/demo/cart');
    const t = w.tracker();
    t.page();
    t.page({ tab: 'coupons' }, { name: 'Cart' });
    await t.flush();
    const [a, b] = w.server.events();
    expect(a.type).toBe('page');
    expect(a.name).toBeUndefined();
    expect(a.properties).toEqual({ path: '/s/demo/cart', url: 'https://shop.example.com/s/demo/cart', title: '商品详情', referrer: 'https://weixin.qq.com/', search: '' });
    expect(b.name).toBe('Cart');
    expect(b.properties).toMatchObject({ path: '/s/demo/cart', tab: 'coupons' });
  });

  it('gives every event its own messageId and the same anonymousId', async () => {
    const w = world();
    const t = w.tracker();
    for (let i = 0; i < 5; i++) t.track('e', { i });
    await t.flush();
    const events = w.server.events();
    expect(new Set(events.map((e) => e.messageId)).size).toBe(5);
    expect(new Set(events.map((e) => e.anonymousId)).size).toBe(1);
    expect(events.map((e) => e.properties?.i)).toEqual([0, 1, 2, 3, 4]);
  });

  it('stores properties as JSON makes them and drops an event that is not JSON without breaking', async () => {
    const w = world();
    const t = w.tracker();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => t.track('bad', cyclic)).not.toThrow();
    t.track('good', { at: new Date('2025-01-02T03:04:05Z'), gone: undefined, n: 1 });
    t.track('', {});
    await t.flush();
    const events = w.server.events();
    expect(names(events)).toEqual(['good']);
    expect(events[0].properties).toEqual({ at: '2025-01-02T03:04:05.000Z', n: 1 });
    expect(w.warnings.some((m) => m.includes('not JSON'))).toBe(true);
  });

  it('uses a given timestamp and page (replayed calls)', async () => {
    const w = world();
    const t = w.tracker();
    const page = { path: '/s/demo/search', url: 'https://shop.example.com/s/demo/search?q=tea', title: '搜索', referrer: '', search: '?q=tea' };
    t.track('products_searched', { query: 'tea' }, { timestamp: Date.parse('2025-02-01T00:00:00Z'), page });
    await t.flush();
    const [e] = w.server.events();
    expect(e.timestamp).toBe('2025-02-01T00:00:00.000Z');
    expect(e.context.page).toEqual(page);
  });
});

describe('batching', () => {
  it('sends as soon as 20 events are queued, with basic auth and the send time', async () => {
    const w = world();
    const t = w.tracker();
    for (let i = 0; i < 19; i++) t.track('e', { i });
    await settle();
    expect(w.server.requests).toHaveLength(0);
    t.track('e', { i: 19 });
    await settle();
    expect(w.server.requests).toHaveLength(1);
    const [req] = w.server.requests;
    expect(req.url).toBe('/v1/batch');
    expect(req.headers.Authorization).toBe(`Basic ${Buffer.from('wk_test:').toString('base64')}`);
    expect(req.headers['Content-Type']).toBe('application/json');
    expect(req.body.batch).toHaveLength(20);
    expect(req.body.sentAt).toBe('2025-03-01T08:00:00.000Z');
    expect(req.body.writeKey).toBeUndefined();
    await settle();
    expect(stored(w.storage)).toEqual([]);
  });

  it('sends fewer events 2 s after the first one was queued', async () => {
    const w = world();
    const t = w.tracker();
    t.track('a');
    await w.clock.advance(1500);
    t.track('b');
    await w.clock.advance(499);
    expect(w.server.requests).toHaveLength(0);
    await w.clock.advance(1);
    expect(w.server.requests).toHaveLength(1);
    expect(names(w.server.requests[0].body.batch)).toEqual(['a', 'b']);
    expect(w.server.requests[0].body.sentAt).toBe('2025-03-01T08:00:02.000Z');
    await w.clock.advance(10_000);
    expect(w.server.requests).toHaveLength(1);
    expect(w.clock.pending()).toEqual([]);
  });

  it('keeps at most one request in flight', async () => {
    const w = world();
    const t = w.tracker();
    const release = w.server.hold();
    for (let i = 0; i < 20; i++) t.track('first', { i });
    await settle();
    expect(w.server.requests).toHaveLength(1);
    for (let i = 0; i < 25; i++) t.track('second', { i });
    await w.clock.advance(5000);
    expect(w.server.requests).toHaveLength(1);
    release();
    await settle();
    expect(w.server.requests).toHaveLength(2);
    expect(w.server.requests[1].body.batch).toHaveLength(25);
    expect(names(w.server.events())).toEqual([...Array(20).fill('first'), ...Array(25).fill('second')]);
  });

  it('flush() sends now and resolves once the server answered', async () => {
    const w = world();
    const t = w.tracker();
    t.track('a');
    await t.flush();
    expect(w.server.requests).toHaveLength(1);
    expect(stored(w.storage)).toEqual([]);
    await expect(t.flush()).resolves.toBeUndefined();
    expect(w.server.requests).toHaveLength(1);
  });

  it('splits a long queue into requests of at most maxBatchEvents', async () => {
    const w = world();
    const t = w.tracker({ flushAt: 1000, maxBatchEvents: 100 });
    for (let i = 0; i < 250; i++) t.track('e', { i });
    await t.flush();
    expect(w.server.requests.map((r) => r.body.batch.length)).toEqual([100, 100, 50]);
    expect(w.server.events().map((e) => e.properties?.i)).toEqual([...Array(250).keys()]);
  });

  it('posts to an absolute endpoint without doubling the slash', async () => {
    const w = world();
    const t = w.tracker({ endpoint: 'https://t.example.com/v1/' });
    t.track('a');
    await t.flush();
    expect(w.server.requests[0].url).toBe('https://t.example.com/v1/batch');
  });
});

describe('retries', () => {
  it('retries 5xx after 1 s, 2 s, 4 s with the same events in the same order', async () => {
    const w = world();
    const t = w.tracker();
    w.server.reply(500, 502, 503, 200);
    for (const n of ['a', 'b', 'c']) t.track(n);
    await w.clock.advance(2000);
    expect(w.server.requests).toHaveLength(1);
    const first = w.server.requests[0].body.batch.map((e) => e.messageId);

    await w.clock.advance(999);
    expect(w.server.requests).toHaveLength(1);
    await w.clock.advance(1);
    expect(w.server.requests).toHaveLength(2);
    await w.clock.advance(1999);
    expect(w.server.requests).toHaveLength(2);
    await w.clock.advance(1);
    expect(w.server.requests).toHaveLength(3);
    await w.clock.advance(4000);
    expect(w.server.requests).toHaveLength(4);

    for (const r of w.server.requests) {
      expect(r.body.batch.map((e) => e.messageId)).toEqual(first);
      expect(names(r.body.batch)).toEqual(['a', 'b', 'c']);
    }
    // sentAt is the time of each attempt, so the server can correct the device clock.
    expect(w.server.requests.map((r) => r.body.sentAt)).toEqual([
      '2025-03-01T08:00:02.000Z',
      '2025-03-01T08:00:03.000Z',
      '2025-03-01T08:00:05.000Z',
      '2025-03-01T08:00:09.000Z',
    ]);
    expect(stored(w.storage)).toEqual([]);
    await w.clock.advance(60_000);
    expect(w.server.requests).toHaveLength(4);
  });

  it('keeps events stored while retrying and sends newer ones after the older ones', async () => {
    const w = world();
    const t = w.tracker();
    w.server.reply('network');
    t.track('old1');
    t.track('old2');
    await w.clock.advance(2000);
    expect(w.server.requests).toHaveLength(1);
    expect(names(stored(w.storage))).toEqual(['old1', 'old2']);
    t.track('new1');
    await w.clock.advance(1000);
    expect(w.server.requests).toHaveLength(2);
    expect(names(w.server.requests[1].body.batch)).toEqual(['old1', 'old2', 'new1']);
    expect(w.server.requests[1].body.batch.slice(0, 2).map((e) => e.messageId)).toEqual(w.server.requests[0].body.batch.map((e) => e.messageId));
  });

  it('does not send a full batch early during a back-off', async () => {
    const w = world();
    const t = w.tracker();
    w.server.reply(503);
    t.track('a');
    await w.clock.advance(2000);
    for (let i = 0; i < 30; i++) t.track('b');
    await w.clock.advance(999);
    expect(w.server.requests).toHaveLength(1);
    await w.clock.advance(1);
    expect(w.server.requests).toHaveLength(2);
    expect(w.server.requests[1].body.batch).toHaveLength(31);
  });

  it('waits what a 429 Retry-After asks', async () => {
    const w = world();
    const t = w.tracker();
    w.server.reply({ status: 429, headers: { 'Retry-After': '7' } });
    t.track('a');
    await w.clock.advance(2000);
    await w.clock.advance(6999);
    expect(w.server.requests).toHaveLength(1);
    await w.clock.advance(1);
    expect(w.server.requests).toHaveLength(2);
  });

  it('caps the back-off at 60 s and starts over after a success', async () => {
    const w = world();
    const t = w.tracker();
    w.server.reply(...Array<number>(9).fill(500));
    t.track('a');
    await w.clock.advance(2000);
    const gaps: number[] = [];
    for (let i = 0; i < 9; i++) {
      const before = w.server.requests.length;
      const start = w.clock.t;
      while (w.server.requests.length === before) await w.clock.advance(1000);
      gaps.push(w.clock.t - start);
    }
    expect(gaps).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(names(w.server.events()).every((n) => n === 'a')).toBe(true);
    // The 10th attempt succeeded: the next failure waits 1 s again.
    w.server.reply(500);
    t.track('b');
    await w.clock.advance(2000);
    const before = w.server.requests.length;
    await w.clock.advance(1000);
    expect(w.server.requests.length).toBe(before + 1);
  });

  it('spreads retries with jitter of up to half the delay', async () => {
    const w = world();
    const t = w.tracker({ random: () => 0.5 });
    w.server.reply(500);
    t.track('a');
    await w.clock.advance(2000);
    expect(w.clock.pending()).toEqual([750]);
  });

  it('flush() does not wait out a back-off', async () => {
    const w = world();
    const t = w.tracker();
    w.server.reply(500);
    t.track('a');
    await w.clock.advance(2000);
    await t.flush();
    expect(w.server.requests).toHaveLength(2);
    expect(stored(w.storage)).toEqual([]);
  });
});

describe('events the server refuses', () => {
  it('drops events listed as errors in a 200 answer and never retries them', async () => {
    const w = world();
    const t = w.tracker();
    w.server.reply({ status: 200, body: { success: false, errors: [{ index: 1, code: 'invalid', field: 'event', message: 'too long' }] } });
    t.track('a');
    t.track('b');
    t.track('c');
    await t.flush();
    await w.clock.advance(120_000);
    expect(w.server.requests).toHaveLength(1);
    expect(stored(w.storage)).toEqual([]);
    expect(w.warnings.filter((m) => m.includes('rejected'))).toHaveLength(1);
  });

  it('on a 400 listing bad events drops those and sends the rest again with the same ids', async () => {
    const w = world();
    const t = w.tracker();
    w.server.reply({ status: 400, body: { success: false, errors: [{ index: 0, code: 'invalid', field: 'timestamp', message: 'bad' }] } });
    t.track('bad');
    t.track('ok1');
    t.track('ok2');
    await t.flush();
    expect(w.server.requests).toHaveLength(2);
    const [first, second] = w.server.requests;
    expect(names(second.body.batch)).toEqual(['ok1', 'ok2']);
    expect(second.body.batch.map((e) => e.messageId)).toEqual(first.body.batch.slice(1).map((e) => e.messageId));
    expect(stored(w.storage)).toEqual([]);
  });

  it('drops a batch refused with a 400 that names no event, without retrying', async () => {
    const w = world();
    const t = w.tracker();
    w.server.reply({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
    t.track('a');
    await t.flush();
    await w.clock.advance(120_000);
    expect(w.server.requests).toHaveLength(1);
    expect(stored(w.storage)).toEqual([]);
    t.track('b');
    await t.flush();
    expect(names(w.server.requests[1].body.batch)).toEqual(['b']);
  });

  it('stops for good on 401, says so once and forgets the queue', async () => {
    const w = world();
    const t = w.tracker();
    w.server.reply(401);
    t.track('a');
    await t.flush();
    expect(w.server.requests).toHaveLength(1);
    t.track('b');
    t.page();
    t.identify('c1');
    await t.flush();
    await w.clock.advance(300_000);
    w.document.hide();
    expect(w.server.requests).toHaveLength(1);
    expect(w.beacon.calls).toHaveLength(0);
    expect(w.storage.map.has(QUEUE_KEY)).toBe(false);
    expect(w.warnings.filter((m) => m.includes('401'))).toHaveLength(1);
    expect(t.anonymousId()).toBeNull();
  });

  it('treats 403 like 401', async () => {
    const w = world();
    const t = w.tracker();
    w.server.reply(403);
    t.track('a');
    await t.flush();
    t.track('b');
    await w.clock.advance(10_000);
    expect(w.server.requests).toHaveLength(1);
  });
});

describe('beacon when the page is hidden', () => {
  it('sends the queue as text/plain with the write key in the body', async () => {
    const w = world();
    const t = w.tracker();
    t.track('a');
    t.track('b');
    w.document.hide();
    expect(w.beacon.calls).toHaveLength(1);
    const { url, data } = w.beacon.calls[0];
    expect(url).toBe('/v1/batch');
    expect(data).toBeInstanceOf(Blob);
    expect((data as Blob).type).toBe('text/plain');
    const [body] = await w.beacon.bodies();
    expect(body.writeKey).toBe('wk_test');
    expect(body.sentAt).toBe('2025-03-01T08:00:00.000Z');
    expect(names(body.batch)).toEqual(['a', 'b']);
    expect(stored(w.storage)).toEqual([]);
    await w.clock.advance(5000);
    expect(w.server.requests).toHaveLength(0);
  });

  it('also on pagehide, and not when the page becomes visible', async () => {
    const w = world();
    const t = w.tracker();
    t.track('a');
    w.document.show();
    expect(w.beacon.calls).toHaveLength(0);
    w.window.fire('pagehide');
    expect(w.beacon.calls).toHaveLength(1);
    // visibilitychange then pagehide when a tab closes: the second has nothing left to send.
    w.document.hide();
    expect(w.beacon.calls).toHaveLength(1);
  });

  it('leaves the events of the request in flight to that request', async () => {
    const w = world();
    const t = w.tracker();
    const release = w.server.hold();
    for (let i = 0; i < 20; i++) t.track('wire');
    await settle();
    t.track('waiting');
    w.document.hide();
    const [body] = await w.beacon.bodies();
    expect(names(body.batch)).toEqual(['waiting']);
    release();
    await settle();
    expect(stored(w.storage)).toEqual([]);
  });

  it('keeps the events stored during a back-off (the server is failing)', async () => {
    const w = world();
    const t = w.tracker();
    w.server.reply(503);
    t.track('a');
    await w.clock.advance(2000);
    t.track('b');
    w.document.hide();
    expect(w.beacon.calls).toHaveLength(0);
    expect(names(stored(w.storage))).toEqual(['a', 'b']);
  });

  it('keeps what the browser refuses to beacon for a later request', async () => {
    const w = world();
    const t = w.tracker();
    w.beacon.refuse();
    t.track('a');
    w.document.hide();
    expect(names(stored(w.storage))).toEqual(['a']);
    w.document.show();
    await w.clock.advance(2000);
    expect(names(w.server.events())).toEqual(['a']);
  });

  it('splits beacons to stay under the keep-alive limit', async () => {
    const w = world();
    const t = w.tracker({ flushAt: 1000 });
    const blob = 'x'.repeat(10_000);
    for (let i = 0; i < 14; i++) t.track('big', { i, blob });
    w.document.hide();
    const bodies = await w.beacon.bodies();
    expect(bodies.length).toBeGreaterThan(2);
    for (const c of w.beacon.calls) expect((c.data as Blob).size).toBeLessThanOrEqual(60 * 1024);
    expect(bodies.flatMap((b) => b.batch).map((e) => e.properties?.i)).toEqual([...Array(14).keys()]);
  });
});

describe('persistence', () => {
  it('sends after a reload what was queued before it, with the same ids', async () => {
    const w = world();
    const before = w.tracker();
    before.track('a');
    before.track('b');
    before.page();
    const queued = stored(w.storage);
    expect(names(queued)).toEqual(['a', 'b', 'page']);

    // The reload: a new page (own clock), same storage; the old page's timers never run.
    const after = createTracker({ ...w.options(), now: () => w.clock.t + 60_000 });
    after.track('c');
    await after.flush();
    const events = w.server.events();
    expect(names(events)).toEqual(['a', 'b', 'page', 'c']);
    expect(events.slice(0, 3).map((e) => e.messageId)).toEqual(queued.map((e) => e.messageId));
    expect(new Set(events.map((e) => e.anonymousId)).size).toBe(1);
  });

  it('sends stored events on its own within the flush interval', async () => {
    const w = world();
    w.tracker().track('left over');
    const clock = new FakeClock();
    createTracker({ ...w.options(), now: clock.now, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout });
    await clock.advance(2000);
    expect(names(w.server.events())).toEqual(['left over']);
  });

  it('keeps one anonymous id per write key across reloads', () => {
    const w = world();
    const a = w.tracker().anonymousId();
    expect(w.tracker().anonymousId()).toBe(a);
    expect(w.storage.map.get('siyu:sdk:wk_test:anonymous_id')).toBe(a);
    const other = w.tracker({ writeKey: 'wk_other' }).anonymousId();
    expect(other).not.toBe(a);
  });

  it('works from memory when storage throws', async () => {
    const w = world();
    w.storage.failReads = true;
    w.storage.failWrites = true;
    const t = w.tracker();
    const id = t.anonymousId();
    t.identify('c1');
    t.track('a');
    await t.flush();
    const events = w.server.events();
    expect(names(events)).toEqual(['identify', 'a']);
    expect(events.every((e) => e.anonymousId === id && e.userId === 'c1')).toBe(true);
    expect(w.warnings.some((m) => m.includes('could not save'))).toBe(true);
  });

  it('works with no storage at all', async () => {
    const w = world();
    const t = w.tracker({ storage: null, sessionStorage: null });
    t.track('a');
    await t.flush();
    expect(names(w.server.events())).toEqual(['a']);
  });

  it('caps the queue, dropping the oldest', async () => {
    const w = world();
    w.server.reply('network');
    const t = w.tracker({ maxQueue: 5, flushAt: 100 });
    for (let i = 0; i < 8; i++) t.track('e', { i });
    expect(stored(w.storage).map((e) => e.properties?.i)).toEqual([3, 4, 5, 6, 7]);
    await t.flush();
    await t.flush();
    expect(w.server.requests.at(-1)!.body.batch.map((e) => e.properties?.i)).toEqual([3, 4, 5, 6, 7]);
  });

  it('does not erase what another tab stored', async () => {
    const w = world();
    const tabA = w.tracker();
    const tabB = w.tracker();
    tabA.track('from A');
    tabB.track('from B');
    expect(names(stored(w.storage)).sort()).toEqual(['from A', 'from B']);
    await tabB.flush();
    expect(names(w.server.events())).toEqual(['from B']);
    expect(names(stored(w.storage))).toEqual(['from A']);
  });

  it('skips a corrupt stored queue', async () => {
    const w = world();
    w.storage.map.set(QUEUE_KEY, '{not json');
    const t = w.tracker();
    t.track('a');
    await t.flush();
    expect(names(w.server.events())).toEqual(['a']);
  });
});

describe('identify and reset', () => {
  it('sets the user on every later event and remembers it across reloads', async () => {
    const w = world();
    const t = w.tracker();
    t.track('before');
    t.identify('cust_1', { nickname: '小明' });
    t.track('after');
    await t.flush();
    const [before, identify, after] = w.server.events();
    expect(before.userId).toBeUndefined();
    expect(identify).toMatchObject({ type: 'identify', userId: 'cust_1', traits: { nickname: '小明' } });
    expect(after.userId).toBe('cust_1');
    expect(new Set([before.anonymousId, identify.anonymousId, after.anonymousId]).size).toBe(1);

    const reloaded = w.tracker();
    expect(reloaded.userId()).toBe('cust_1');
    reloaded.track('later');
    await reloaded.flush();
    expect(w.server.events().at(-1)!.userId).toBe('cust_1');
  });

  it('does not send the same identity twice, but does when traits change', async () => {
    const w = world();
    const t = w.tracker();
    t.identify('cust_1', { nickname: 'a' });
    t.identify('cust_1', { nickname: 'a' });
    w.tracker().identify('cust_1', { nickname: 'a' });
    t.identify('cust_1', { nickname: 'b' });
    await t.flush();
    expect(w.server.events().map((e) => e.traits)).toEqual([{ nickname: 'a' }, { nickname: 'b' }]);
  });

  it('reset() forgets the user and starts a new anonymous id', async () => {
    const w = world();
    const t = w.tracker();
    t.identify('cust_1');
    const firstAnon = t.anonymousId();
    t.reset();
    expect(t.userId()).toBeNull();
    expect(t.anonymousId()).not.toBe(firstAnon);
    expect(w.tracker().userId()).toBeNull();
    t.track('signed out');
    t.identify('cust_1');
    await t.flush();
    const [, out, again] = w.server.events();
    expect(out.userId).toBeUndefined();
    expect(out.anonymousId).not.toBe(firstAnon);
    expect(again).toMatchObject({ type: 'identify', userId: 'cust_1', anonymousId: out.anonymousId });
  });

  it('gives a different person signing in without a sign-out a new anonymous id', async () => {
    const w = world();
    const t = w.tracker();
    t.identify('cust_1');
    t.track('by 1');
    t.identify('cust_2');
    t.track('by 2');
    await t.flush();
    const [id1, by1, id2, by2] = w.server.events();
    expect(by1).toMatchObject({ userId: 'cust_1', anonymousId: id1.anonymousId });
    expect(id2.anonymousId).not.toBe(id1.anonymousId);
    expect(by2).toMatchObject({ userId: 'cust_2', anonymousId: id2.anonymousId });
  });

  it('ignores identify without an id', async () => {
    const w = world();
    const t = w.tracker();
    t.identify('');
    await t.flush();
    expect(w.server.requests).toHaveLength(0);
    expect(t.userId()).toBeNull();
  });
});

describe('sizes', () => {
  it('drops an event over 32 KB and keeps the others', async () => {
    const w = world();
    const t = w.tracker();
    t.track('huge', { text: 'x'.repeat(33 * 1024) });
    t.track('fine', { text: 'x'.repeat(30 * 1024) });
    await t.flush();
    expect(names(w.server.events())).toEqual(['fine']);
    expect(w.warnings.some((m) => m.includes('larger than 32768'))).toBe(true);
  });

  it('counts bytes, not characters (Chinese text is 3 bytes a character)', async () => {
    const w = world();
    const t = w.tracker();
    t.track('chinese', { text: '商'.repeat(11 * 1024) });
    await t.flush();
    expect(w.server.requests).toHaveLength(0);
  });

  it('splits batches to stay under 500 KB', async () => {
    const w = world();
    const t = w.tracker({ flushAt: 1000 });
    for (let i = 0; i < 40; i++) t.track('big', { i, blob: 'y'.repeat(30 * 1024) });
    await t.flush();
    expect(w.server.requests.length).toBeGreaterThanOrEqual(3);
    for (const r of w.server.requests) expect(utf8Length(r.raw)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    // Each request is as full as the limit allows: one more event would not have fitted.
    const first = w.server.requests[0];
    expect(utf8Length(first.raw) + utf8Length(JSON.stringify(w.server.requests[1].body.batch[0])) + 1).toBeGreaterThan(MAX_BATCH_BYTES);
    expect(w.server.events().map((e) => e.properties?.i)).toEqual([...Array(40).keys()]);
  });
});

describe('attribution', () => {
  it('attaches the landing campaign to every event of the session', async () => {
    const w = world('https://shop.example.com/s/demo/?utm_source=wechat&utm_medium=social&utm_campaign=spring&utm_term=tea&utm_content=banner');
    const t = w.tracker();
    w.location.go('https://shop.example.com/s/demo/products/p1');
    t.track('a');
    // A reload in the same tab keeps it (sessionStorage), even without the utm_* now.
    const reloaded = w.tracker();
    reloaded.track('b');
    await t.flush();
    await reloaded.flush();
    for (const e of w.server.events()) {
      expect(e.context.campaign).toEqual({ source: 'wechat', medium: 'social', name: 'spring', term: 'tea', content: 'banner' });
      expect(e.context.page.path).toBe('/s/demo/products/p1');
    }
  });

  it('sets the channel from a QR scene, a channel parameter or a shared link', async () => {
    const cases: [string, string | undefined][] = [
      ['?scene=store_a', 'qr:store_a'],
      ['?channel=poster', 'poster'],
      ['?share_by=c_123', 'share'],
      ['?channel=poster&scene=store_a', 'poster'],
      ['?q=tea', undefined],
    ];
    for (const [search, channel] of cases) {
      const w = world(`https://shop.example.com/s/demo/${search}`);
      const t = w.tracker();
      t.track('a');
      await t.flush();
      expect(w.server.events()[0].context.channel).toBe(channel);
      expect(w.server.events()[0].context.campaign).toBeUndefined();
    }
  });

  it('takes a new campaign from a later page view in the same session', async () => {
    const w = world('https://shop.example.com/s/demo/?utm_source=a');
    const t = w.tracker();
    w.location.go('https://shop.example.com/s/demo/?utm_source=b&scene=s1');
    t.page();
    t.track('x');
    await t.flush();
    const [page, x] = w.server.events();
    expect(page.context.campaign).toEqual({ source: 'b' });
    expect(x.context).toMatchObject({ campaign: { source: 'b' }, channel: 'qr:s1' });
  });
});

describe('shutdown', () => {
  it('sends what is left, removes its listeners and ignores later calls', async () => {
    const w = world();
    const t = w.tracker();
    expect(w.document.count() + w.window.count()).toBe(2);
    t.track('a');
    await t.shutdown();
    expect(names(w.server.events())).toEqual(['a']);
    expect(w.document.count() + w.window.count()).toBe(0);
    t.track('b');
    await t.flush();
    await w.clock.advance(10_000);
    expect(w.server.requests).toHaveLength(1);
    expect(w.clock.pending()).toEqual([]);
  });

  it('noopTracker records nothing', async () => {
    const t = noopTracker();
    t.track('a');
    t.identify('x');
    await t.flush();
    expect(t.anonymousId()).toBeNull();
  });

  it('a tracker without a write key sends nothing', async () => {
    const w = world();
    const t = w.tracker({ writeKey: '' });
    t.track('a');
    await t.flush();
    expect(w.server.requests).toHaveLength(0);
  });
});
