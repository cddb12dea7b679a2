import { fitCount, MAX_BATCH_BYTES, MAX_BEACON_BYTES, MAX_EVENT_BYTES, utf8Length } from './batch.js';
import { captureAttribution, pageContext, storedAttribution } from './context.js';
import { resolveEnv, type BrowserEnv } from './env.js';
import { safe, type SafeStorage } from './storage.js';
import type { CallOptions, EventContext, EventType, PageContext, Properties, SdkEvent, Tracker } from './types.js';
import { randomUuid } from './uuid.js';
import { LIBRARY_NAME, VERSION } from './version.js';

export interface FetchResponseLike {
  status: number;
  text(): Promise<string>;
  headers?: { get(name: string): string | null } | null;
}
export type FetchLike = (url: string, init: { method: 'POST'; headers: Record<string, string>; body: string }) => Promise<FetchResponseLike>;
export type SendBeaconLike = (url: string, data: Blob | string) => boolean;

export interface Logger {
  warn(message: string, detail?: unknown): void;
}

export interface TrackerOptions extends BrowserEnv {
  writeKey: string;
  /** Base of the tracking API; requests go to `${endpoint}/batch`. Default '/v1' (same origin). */
  endpoint?: string;
  fetch?: FetchLike | null;
  sendBeacon?: SendBeaconLike | null;
  now?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  /** In [0, 1): spreads retries of many clients after an outage. */
  random?: () => number;
  uuid?: () => string;
  logger?: Logger | null;
  /** Send as soon as this many events are queued. Default 20. */
  flushAt?: number;
  /** Otherwise send this long after the first unsent event, in ms. Default 2000. */
  flushInterval?: number;
  /** Queued events kept at most (the oldest go first). Default 1000. */
  maxQueue?: number;
  /** Events per request at most. Default 100. */
  maxBatchEvents?: number;
  /** First retry delay in ms, doubled on each failure. Default 1000. */
  retryBase?: number;
  /** Longest retry delay in ms. Default 60000. */
  retryMax?: number;
  maxEventBytes?: number;
  maxBatchBytes?: number;
  maxBeaconBytes?: number;
  /** Prefix of the localStorage keys; the write key follows it. */
  storagePrefix?: string;
}

type Outcome = { kind: 'network' } | { kind: 'http'; status: number; body: unknown; retryAfterMs: number | null };

const isEvent = (e: unknown): e is SdkEvent =>
  !!e && typeof e === 'object' && typeof (e as SdkEvent).messageId === 'string' && typeof (e as SdkEvent).type === 'string';

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Seconds or an HTTP date, as Retry-After allows. */
function retryAfterMs(header: string | null | undefined, now: number): number | null {
  if (!header) return null;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

/** Indices the server refused, from `{ success: false, errors: [{ index, … }] }`. */
function rejectedIndices(body: unknown, size: number): Set<number> {
  const out = new Set<number>();
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return out;
  for (const e of errors) {
    const i = (e as { index?: unknown } | null)?.index;
    if (typeof i === 'number' && Number.isInteger(i) && i >= 0 && i < size) out.add(i);
  }
  return out;
}

function firstError(body: unknown): string {
  const errors = (body as { errors?: { message?: unknown; field?: unknown; code?: unknown }[] } | null)?.errors;
  const e = Array.isArray(errors) ? errors[0] : undefined;
  if (!e) return '';
  return [e.code, e.field, e.message].filter((x) => typeof x === 'string' && x).join(' ');
}

const isPlainObject = (v: unknown): v is Properties => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * A tracker for one write key. Events go to a queue kept in localStorage (so a reload does not lose
 * them), leave in batches of `flushAt` or every `flushInterval`, one request at a time, and are
 * retried with exponential back-off on 429, 5xx and network failures. When the page is hidden the
 * rest of the queue goes by navigator.sendBeacon.
 */
export function createTracker(options: TrackerOptions): Tracker {
  const writeKey = String(options.writeKey ?? '');
  const env = resolveEnv(options);
  const local: SafeStorage = safe(env.storage);
  const session: SafeStorage = safe(env.sessionStorage);
  const logger: Logger | null = options.logger === undefined ? (typeof console !== 'undefined' ? console : null) : options.logger;
  const now = options.now ?? (() => Date.now());
  const setTimer = options.setTimeout ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const clearTimer = options.clearTimeout ?? ((h: unknown) => clearTimeout(h as Parameters<typeof clearTimeout>[0]));
  const random = options.random ?? Math.random;
  const uuid = options.uuid ?? randomUuid;
  const fetchFn: FetchLike | null =
    options.fetch !== undefined ? options.fetch : typeof fetch === 'function' ? (url, init) => fetch(url, init) : null;
  const nav = env.navigator;
  const sendBeacon: SendBeaconLike | null =
    options.sendBeacon !== undefined ? options.sendBeacon : typeof nav?.sendBeacon === 'function' ? (url, data) => nav.sendBeacon!(url, data) : null;

  const flushAt = Math.max(1, options.flushAt ?? 20);
  const flushInterval = Math.max(0, options.flushInterval ?? 2000);
  const maxQueue = Math.max(1, options.maxQueue ?? 1000);
  const maxBatchEvents = Math.max(1, options.maxBatchEvents ?? 100);
  const retryBase = Math.max(1, options.retryBase ?? 1000);
  const retryMax = Math.max(retryBase, options.retryMax ?? 60_000);
  const maxEventBytes = options.maxEventBytes ?? MAX_EVENT_BYTES;
  const maxBatchBytes = options.maxBatchBytes ?? MAX_BATCH_BYTES;
  const maxBeaconBytes = options.maxBeaconBytes ?? MAX_BEACON_BYTES;
  const url = `${(options.endpoint ?? '/v1').replace(/\/+$/, '')}/batch`;
  const authorization = `Basic ${base64(`${writeKey}:`)}`;

  const prefix = `${options.storagePrefix ?? 'siyu:sdk'}:${writeKey}`;
  const KEY = {
    anonymousId: `${prefix}:anonymous_id`,
    userId: `${prefix}:user_id`,
    identified: `${prefix}:identified`,
    queue: `${prefix}:queue`,
  };

  const warned = new Set<string>();
  const warnOnce = (kind: string, message: string, detail?: unknown) => {
    if (warned.has(kind)) return;
    warned.add(kind);
    try {
      logger?.warn(`[${LIBRARY_NAME}] ${message}`, detail);
    } catch {
      /* a broken logger must not break tracking */
    }
  };

  /** on: working; blocked: the server refused the write key; closed: shut down. */
  let state: 'on' | 'blocked' | 'closed' = writeKey ? 'on' : 'blocked';
  if (!writeKey) warnOnce('no-key', 'no write key: events are not sent');

  const serialize = (e: SdkEvent) => JSON.stringify(e);

  function readStored(): SdkEvent[] {
    const raw = local.getItem(KEY.queue);
    if (!raw) return [];
    try {
      const v = JSON.parse(raw) as unknown;
      return Array.isArray(v) ? v.filter(isEvent) : [];
    } catch {
      return [];
    }
  }

  let queue: SdkEvent[] = readStored()
    .filter((e) => utf8Length(serialize(e)) <= maxEventBytes)
    .slice(-maxQueue);
  /** messageIds of the request on the wire; the beacon leaves them to it. */
  let inFlight: Set<string> | null = null;
  let failures = 0;
  let retryAt = 0;
  let drain = false;
  let running = false;
  let waiters: (() => void)[] = [];
  let timer: unknown = null;
  let timerDue = 0;

  /**
   * Writes the queue. Other tabs of the shop share the key, so events they stored and this tab does not
   * hold stay, unless this tab just finished with them (`done`).
   */
  function persist(done?: ReadonlySet<string>) {
    const mine = new Set(queue.map((e) => e.messageId));
    const others = readStored().filter((e) => !mine.has(e.messageId) && !done?.has(e.messageId));
    let all = others.concat(queue);
    if (all.length > maxQueue) all = all.slice(all.length - maxQueue);
    if (!all.length) {
      local.removeItem(KEY.queue);
      return;
    }
    let text: string;
    try {
      text = JSON.stringify(all);
    } catch {
      return;
    }
    if (!local.setItem(KEY.queue, text)) warnOnce('persist', 'could not save the event queue (storage unavailable or full); unsent events are lost on reload');
  }

  function remove(ids: ReadonlySet<string>) {
    if (!ids.size) return;
    queue = queue.filter((e) => !ids.has(e.messageId));
    persist(ids);
  }

  function arm(ms: number) {
    if (state !== 'on') return;
    const due = now() + Math.max(0, ms);
    if (timer !== null) {
      if (timerDue <= due) return;
      clearTimer(timer);
    }
    timerDue = due;
    timer = setTimer(() => {
      timer = null;
      void kick(true);
    }, Math.max(0, ms));
  }

  function disarm() {
    if (timer !== null) clearTimer(timer);
    timer = null;
  }

  function kick(all: boolean): Promise<void> {
    if (all) drain = true;
    return new Promise<void>((resolve) => {
      waiters.push(resolve);
      if (!running) {
        running = true;
        void loop();
      }
    });
  }

  function backoff(): number {
    const exp = Math.min(retryMax, retryBase * 2 ** Math.min(30, failures - 1));
    // Up to half of the delay is random: clients that failed together do not retry together.
    return Math.round(exp * (1 - 0.5 * random()));
  }

  async function post(body: string): Promise<Outcome> {
    try {
      const res = await fetchFn!(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: authorization },
        body,
      });
      let parsed: unknown = null;
      try {
        const text = await res.text();
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = null;
      }
      let retryAfter: string | null = null;
      try {
        retryAfter = res.headers?.get('Retry-After') ?? null;
      } catch {
        retryAfter = null;
      }
      return { kind: 'http', status: res.status, body: parsed, retryAfterMs: retryAfterMs(retryAfter, now()) };
    } catch {
      return { kind: 'network' };
    }
  }

  function block() {
    state = 'blocked';
    disarm();
    queue = [];
    // Nothing stored under this key can ever be accepted.
    local.removeItem(KEY.queue);
    warnOnce('401', 'the server refused the write key (401/403): tracking stopped for this page');
  }

  /** Sends until the queue is empty, a retry is scheduled, or fewer than flushAt wait (unless draining). */
  async function loop() {
    try {
      while (state === 'on' && fetchFn) {
        if (!queue.length) {
          drain = false;
          return;
        }
        const wait = retryAt - now();
        if (wait > 0) return arm(wait);
        if (!drain && queue.length < flushAt) return arm(flushInterval);

        const sentAt = new Date(now()).toISOString();
        const head = queue.slice(0, maxBatchEvents);
        const parts = head.map(serialize);
        const n = fitCount(parts.map(utf8Length), maxBatchBytes, utf8Length(JSON.stringify({ batch: [], sentAt })), maxBatchEvents);
        if (n === 0) {
          // Only a stored event from an older version can be this big: it can never be sent.
          remove(new Set([head[0].messageId]));
          continue;
        }
        const batch = head.slice(0, n);
        const ids = new Set(batch.map((e) => e.messageId));
        inFlight = ids;
        const outcome = await post(`{"batch":[${parts.slice(0, n).join(',')}],"sentAt":${JSON.stringify(sentAt)}}`);
        inFlight = null;
        if (state !== 'on') return;

        if (outcome.kind === 'network' || outcome.status === 408 || outcome.status === 429 || outcome.status >= 500) {
          failures++;
          const delay = Math.min(retryMax, Math.max(backoff(), outcome.kind === 'http' ? (outcome.retryAfterMs ?? 0) : 0));
          retryAt = now() + delay;
          return arm(delay);
        }
        failures = 0;
        retryAt = 0;
        const { status, body } = outcome;
        if (status === 401 || status === 403) return block();
        if (status >= 200 && status < 300) {
          // Accepted, except the events listed as errors, which would be refused again: both leave the queue.
          if (rejectedIndices(body, n).size) warnOnce('rejected', `the server rejected events: ${firstError(body)}`, body);
          remove(ids);
          continue;
        }
        const refused = rejectedIndices(body, n);
        if ((status === 400 || status === 422) && refused.size) {
          // Only the listed events are bad; the others are sent again (the server drops duplicates by messageId).
          warnOnce('rejected', `the server rejected events: ${firstError(body)}`, body);
          remove(new Set([...refused].map((i) => batch[i].messageId)));
          continue;
        }
        warnOnce(`http-${status}`, `the server answered ${status}; the batch was dropped`, body);
        remove(ids);
      }
    } catch (err) {
      warnOnce('loop', 'sending failed unexpectedly', err);
    } finally {
      running = false;
      inFlight = null;
      const done = waiters;
      waiters = [];
      for (const w of done) w();
    }
  }

  /**
   * The page may be going away: what is not on the wire leaves by beacon (writeKey in the body, as a
   * beacon cannot set headers; text/plain needs no CORS preflight). During a back-off the server is
   * known to be failing and a beacon's answer cannot be read, so the events stay stored for the next visit.
   */
  function beacon() {
    if (state !== 'on' || !sendBeacon || retryAt > now()) return;
    let pending = queue.filter((e) => !inFlight?.has(e.messageId));
    while (pending.length) {
      const sentAt = new Date(now()).toISOString();
      const head = pending.slice(0, maxBatchEvents);
      const parts = head.map(serialize);
      const n = fitCount(parts.map(utf8Length), maxBeaconBytes, utf8Length(JSON.stringify({ batch: [], sentAt, writeKey })), maxBatchEvents);
      if (n === 0) {
        // Too big for a beacon: it stays queued for a normal request later.
        pending = pending.slice(1);
        continue;
      }
      const body = `{"batch":[${parts.slice(0, n).join(',')}],"sentAt":${JSON.stringify(sentAt)},"writeKey":${JSON.stringify(writeKey)}}`;
      let ok = false;
      try {
        ok = sendBeacon(url, typeof Blob === 'function' ? new Blob([body], { type: 'text/plain' }) : body);
      } catch {
        ok = false;
      }
      // Refused (the browser's keep-alive quota is used up): the rest stays stored.
      if (!ok) return;
      remove(new Set(head.slice(0, n).map((e) => e.messageId)));
      pending = pending.slice(n);
    }
  }

  const onVisibility = () => {
    if (env.document?.visibilityState === 'hidden') beacon();
  };
  const onPageHide = () => beacon();
  env.document?.addEventListener?.('visibilitychange', onVisibility);
  env.window?.addEventListener?.('pagehide', onPageHide);

  function anonymousId(): string {
    // Read every time: another tab may have reset it.
    let id = local.getItem(KEY.anonymousId);
    if (!id) {
      id = uuid();
      local.setItem(KEY.anonymousId, id);
    }
    return id;
  }

  const currentUserId = () => local.getItem(KEY.userId) || null;

  function baseContext(page: PageContext): EventContext {
    const attr = storedAttribution(session);
    const screen = env.screen;
    return {
      page,
      ...(attr.campaign ? { campaign: attr.campaign } : {}),
      library: { name: LIBRARY_NAME, version: VERSION },
      ...(nav?.userAgent ? { userAgent: nav.userAgent } : {}),
      ...(nav?.language ? { locale: nav.language } : {}),
      ...(screen && typeof screen.width === 'number' ? { screen: { width: screen.width, height: screen.height } } : {}),
      ...(env.timezone ? { timezone: env.timezone } : {}),
      ...(attr.channel ? { channel: attr.channel } : {}),
    };
  }

  function timestampOf(opt: CallOptions['timestamp']): string {
    if (opt !== undefined) {
      const d = opt instanceof Date ? opt : new Date(opt);
      if (!Number.isNaN(d.getTime())) return d.toISOString();
    }
    return new Date(now()).toISOString();
  }

  function enqueue(type: EventType, fields: Partial<SdkEvent>, opts: CallOptions | undefined) {
    const page = opts?.page ?? pageContext(env.location, env.document);
    const userId = fields.userId ?? currentUserId();
    const event: SdkEvent = {
      type,
      messageId: uuid(),
      anonymousId: anonymousId(),
      ...(userId ? { userId } : {}),
      ...fields,
      timestamp: timestampOf(opts?.timestamp),
      context: baseContext(page),
    };
    let json: string;
    try {
      json = JSON.stringify(event);
    } catch (err) {
      warnOnce('serialize', `event "${event.event ?? type}" has properties that are not JSON (cycle, BigInt); dropped`, err);
      return;
    }
    if (utf8Length(json) > maxEventBytes) {
      warnOnce('size', `event "${event.event ?? type}" is larger than ${maxEventBytes} bytes; dropped`);
      return;
    }
    // The stored copy is what JSON makes of it (dates as text, undefined gone), same as what is sent.
    queue.push(JSON.parse(json) as SdkEvent);
    let dropped: Set<string> | undefined;
    if (queue.length > maxQueue) {
      const old = queue.splice(0, queue.length - maxQueue);
      dropped = new Set(old.map((e) => e.messageId));
      warnOnce('cap', `more than ${maxQueue} events waiting; the oldest are dropped`);
    }
    persist(dropped);
    if (queue.length >= flushAt) void kick(false);
    else arm(flushInterval);
  }

  /** A tracker call never throws into the page. */
  const guard = (fn: () => void) => {
    if (state !== 'on') return;
    try {
      fn();
    } catch (err) {
      warnOnce('call', 'tracking call failed', err);
    }
  };

  captureAttribution(env.location?.search ?? '', session);
  if (queue.length) arm(flushInterval);

  const tracker: Tracker = {
    track(event, properties, opts) {
      guard(() => {
        if (typeof event !== 'string' || !event.trim()) return warnOnce('track-name', 'track() needs an event name');
        enqueue('track', { event, properties: isPlainObject(properties) ? properties : {} }, opts);
      });
    },
    page(properties, opts) {
      guard(() => {
        const page = opts?.page ?? pageContext(env.location, env.document);
        captureAttribution(page.search, session);
        enqueue(
          'page',
          { ...(opts?.name ? { name: opts.name } : {}), properties: { ...page, ...(isPlainObject(properties) ? properties : {}) } },
          { ...opts, page },
        );
      });
    },
    identify(userId, traits, opts) {
      guard(() => {
        const id = typeof userId === 'number' ? String(userId) : userId;
        if (typeof id !== 'string' || !id) return warnOnce('identify-id', 'identify() needs a user id');
        const t = isPlainObject(traits) ? traits : {};
        const previous = currentUserId();
        // Two known people must never share an anonymous id, or the server would merge them into one.
        if (previous && previous !== id) local.setItem(KEY.anonymousId, uuid());
        local.setItem(KEY.userId, id);
        // Signed-in pages call identify on every load: an unchanged identity is not sent again.
        const signature = JSON.stringify([id, t]);
        if (local.getItem(KEY.identified) === signature) return;
        local.setItem(KEY.identified, signature);
        enqueue('identify', { userId: id, traits: t }, opts);
      });
    },
    reset() {
      guard(() => {
        local.removeItem(KEY.userId);
        local.removeItem(KEY.identified);
        local.setItem(KEY.anonymousId, uuid());
      });
    },
    flush() {
      if (state !== 'on') return Promise.resolve();
      // Asked for explicitly: do not wait out a back-off.
      retryAt = 0;
      return kick(true);
    },
    async shutdown() {
      env.document?.removeEventListener?.('visibilitychange', onVisibility);
      env.window?.removeEventListener?.('pagehide', onPageHide);
      if (state === 'on') await tracker.flush();
      if (state === 'on') state = 'closed';
      disarm();
    },
    anonymousId: () => (state === 'on' ? anonymousId() : null),
    userId: () => (state === 'on' ? currentUserId() : null),
  };
  return tracker;
}

/** A tracker that records nothing: the shop has no analytics, or this is not a browser. */
export function noopTracker(): Tracker {
  return {
    track() {},
    page() {},
    identify() {},
    reset() {},
    flush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
    anonymousId: () => null,
    userId: () => null,
  };
}
