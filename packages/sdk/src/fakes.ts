/**
 * Test doubles for the SDK's injected environment: a manual clock, web storage, a scripted /v1/batch
 * server, sendBeacon, and a document/window whose events the test fires. Used by the *.test.ts files only.
 */
import type { StorageLike } from './storage.js';
import { createTracker, type FetchLike, type TrackerOptions } from './tracker.js';
import type { SdkEvent, Tracker } from './types.js';

/** Lets every pending promise callback (fetch answers, body reads) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}

export class FakeClock {
  t = Date.parse('2025-03-01T08:00:00.000Z');
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now = () => this.t;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.timers.delete(handle as number);
  };

  /** Moves time forward, running each timer that falls due at its own time. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const due = [...this.timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
      await settle();
    }
    this.t = end;
    await settle();
  }

  /** Milliseconds until each pending timer. */
  pending(): number[] {
    return [...this.timers.values()].map((x) => x.at - this.t).sort((a, b) => a - b);
  }
}

export class MemoryStorage implements StorageLike {
  readonly map = new Map<string, string>();
  failWrites = false;
  failReads = false;
  getItem(key: string): string | null {
    if (this.failReads) throw new Error('SecurityError');
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    if (this.failWrites) throw new Error('QuotaExceededError');
    this.map.set(key, value);
  }
  removeItem(key: string): void {
    if (this.failWrites) throw new Error('SecurityError');
    this.map.delete(key);
  }
}

export interface SentRequest {
  url: string;
  headers: Record<string, string>;
  raw: string;
  body: { batch: SdkEvent[]; sentAt: string; writeKey?: string };
}

export type Reply = number | 'network' | { status: number; body?: unknown; headers?: Record<string, string> };

/** A /v1/batch server: answers each request with the next scripted reply (200 success when none is left). */
export function fakeServer() {
  const requests: SentRequest[] = [];
  const replies: (Reply | Promise<Reply>)[] = [];
  const fetch: FetchLike = async (url, init) => {
    requests.push({ url, headers: init.headers, raw: init.body, body: JSON.parse(init.body) as SentRequest['body'] });
    const r = await (replies.shift() ?? 200);
    if (r === 'network') throw new TypeError('Failed to fetch');
    const spec = typeof r === 'number' ? { status: r, body: r < 300 ? { success: true } : { success: false } } : r;
    return new Response(spec.body === undefined ? null : JSON.stringify(spec.body), { status: spec.status, headers: spec.headers });
  };
  return {
    fetch,
    requests,
    reply(...r: Reply[]) {
      replies.push(...r);
    },
    /** The next request waits until `release` is called with its reply. */
    hold(): (r?: Reply) => void {
      let release!: (r: Reply) => void;
      replies.push(new Promise<Reply>((res) => (release = res)));
      return (r: Reply = 200) => release(r);
    },
    /** Every event the server received, in order. */
    events(): SdkEvent[] {
      return requests.flatMap((q) => q.body.batch);
    },
  };
}

export function fakeBeacon() {
  const calls: { url: string; data: Blob | string }[] = [];
  let accept = true;
  return {
    calls,
    refuse() {
      accept = false;
    },
    sendBeacon: (url: string, data: Blob | string) => {
      if (!accept) return false;
      calls.push({ url, data });
      return true;
    },
    async bodies(): Promise<{ batch: SdkEvent[]; sentAt: string; writeKey?: string }[]> {
      return Promise.all(calls.map(async (c) => JSON.parse(typeof c.data === 'string' ? c.data : await c.data.text())));
    },
  };
}

export class FakeTarget {
  readonly listeners = new Map<string, Set<() => void>>();
  addEventListener(type: string, fn: () => void) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(fn);
  }
  removeEventListener(type: string, fn: () => void) {
    this.listeners.get(type)?.delete(fn);
  }
  fire(type: string) {
    for (const fn of [...(this.listeners.get(type) ?? [])]) fn();
  }
  count(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}

export class FakeDocument extends FakeTarget {
  title = '商品详情';
  referrer = 'https://weixin.qq.com/';
  visibilityState = 'visible';
  hide() {
    this.visibilityState = 'hidden';
    this.fire('visibilitychange');
  }
  show() {
    this.visibilityState = 'visible';
    this.fire('visibilitychange');
  }
}

export class FakeLocation {
  href = '';
  pathname = '';
  search = '';
  constructor(url = 'https://shop.example.com/s/demo/') {
    this.go(url);
  }
  go(url: string) {
    const u = new URL(url);
    this.href = u.href;
    this.pathname = u.pathname;
    this.search = u.search;
  }
}

export interface World {
  clock: FakeClock;
  storage: MemoryStorage;
  session: MemoryStorage;
  server: ReturnType<typeof fakeServer>;
  beacon: ReturnType<typeof fakeBeacon>;
  document: FakeDocument;
  window: FakeTarget;
  location: FakeLocation;
  warnings: string[];
  ids: { n: number };
  /** Options for createTracker wired to this world. */
  options(extra?: Partial<TrackerOptions>): TrackerOptions;
  tracker(extra?: Partial<TrackerOptions>): Tracker;
}

/** One browser tab: its clock, storage, server and page. A "reload" is a second tracker in the same world. */
export function world(url?: string): World {
  const w: World = {
    clock: new FakeClock(),
    storage: new MemoryStorage(),
    session: new MemoryStorage(),
    server: fakeServer(),
    beacon: fakeBeacon(),
    document: new FakeDocument(),
    window: new FakeTarget(),
    location: new FakeLocation(url),
    warnings: [],
    ids: { n: 0 },
    options(extra = {}) {
      return {
        writeKey: 'wk_test',
        endpoint: '/v1',
        storage: w.storage,
        sessionStorage: w.session,
        fetch: w.server.fetch,
        sendBeacon: w.beacon.sendBeacon,
        now: w.clock.now,
        setTimeout: w.clock.setTimeout,
        clearTimeout: w.clock.clearTimeout,
        random: () => 0,
        uuid: () => `00000000-0000-4000-8000-${String(++w.ids.n).padStart(12, '0')}`,
        location: w.location,
        document: w.document,
        window: w.window,
        navigator: { userAgent: 'Mozilla/5.0 (iPhone) MicroMessenger/8.0', language: 'zh-CN' },
        screen: { width: 390, height: 844 },
        timezone: 'Asia/Shanghai',
        logger: { warn: (m: string) => void w.warnings.push(m) },
        ...extra,
      };
    },
    tracker(extra) {
      return createTracker(w.options(extra));
    },
  };
  return w;
}
