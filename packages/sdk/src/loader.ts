import { captureAttribution, pageContext } from './context.js';
import { resolveEnv } from './env.js';
import { safe } from './storage.js';
import { createTracker, type TrackerOptions } from './tracker.js';
import type { CallOptions, Tracker } from './types.js';

export interface TrackerConfig {
  writeKey: string;
  endpoint?: string;
}

export type LoadOptions = Omit<TrackerOptions, 'writeKey'> & {
  /** Calls kept while the config loads; later ones are dropped. Default 100. */
  maxBuffered?: number;
};

export interface LoadingTracker extends Tracker {
  /** The real tracker, or null when there is none (no config, or it failed to load). */
  ready: Promise<Tracker | null>;
}

/**
 * A tracker usable at once while its write key is fetched. Calls made meanwhile are kept with the time
 * and page of the moment they were made and replayed, in order, once the tracker exists. When `load`
 * yields nothing (analytics off) or fails, the calls are dropped and every later call does nothing.
 */
export function loadTracker(load: () => Promise<TrackerConfig | null | undefined>, options: LoadOptions = {}): LoadingTracker {
  const env = resolveEnv(options);
  // The tracker uses the same wrapper, so a memory fallback written here is seen there.
  const session = safe(env.sessionStorage);
  const now = options.now ?? (() => Date.now());
  const max = options.maxBuffered ?? 100;
  // The landing URL may be gone (SPA navigation) by the time the config arrives.
  captureAttribution(env.location?.search ?? '', session);

  let target: Tracker | null = null;
  let settled = false;
  const buffer: ((t: Tracker) => void)[] = [];

  const run = (fn: (t: Tracker) => void, t: Tracker) => {
    try {
      fn(t);
    } catch {
      /* tracker calls never throw into the page */
    }
  };
  const call = (fn: (t: Tracker) => void) => {
    if (target) run(fn, target);
    else if (!settled && buffer.length < max) buffer.push(fn);
  };
  const stamp = (opts?: CallOptions): CallOptions => ({ timestamp: now(), page: pageContext(env.location, env.document), ...opts });

  const ready: Promise<Tracker | null> = Promise.resolve()
    .then(load)
    .then((cfg) => {
      if (!cfg || typeof cfg.writeKey !== 'string' || !cfg.writeKey) return null;
      const { maxBuffered: _unused, ...rest } = options;
      return createTracker({ ...rest, sessionStorage: session, writeKey: cfg.writeKey, endpoint: cfg.endpoint ?? options.endpoint });
    })
    .catch((err: unknown) => {
      try {
        options.logger?.warn('[@siyu/sdk] tracking config failed to load; tracking is off for this page', err);
      } catch {
        /* ignore */
      }
      return null;
    })
    .then((t) => {
      settled = true;
      target = t;
      const pending = buffer.splice(0);
      if (t) for (const fn of pending) run(fn, t);
      return t;
    });

  return {
    ready,
    track(event, properties, opts) {
      const o = target ? opts : stamp(opts);
      call((t) => t.track(event, properties, o));
    },
    page(properties, opts) {
      const o = target ? opts : { ...opts, ...stamp(opts) };
      call((t) => t.page(properties, o));
    },
    identify(userId, traits, opts) {
      const o = target ? opts : stamp(opts);
      call((t) => t.identify(userId, traits, o));
    },
    reset() {
      call((t) => t.reset());
    },
    flush: () => ready.then((t) => t?.flush()),
    shutdown: () => ready.then((t) => t?.shutdown()),
    anonymousId: () => target?.anonymousId() ?? null,
    userId: () => target?.userId() ?? null,
  };
}
