/**
 * Feature flags (A/B 实验) for a storefront. By default the SDK evaluates them itself: it loads the shop's
 * live experiments once (salts, traffic, weights, payloads — the same for every visitor, so cacheable) and
 * draws the variant with the hash the server uses (./assign), so a page knows its variant without a request
 * per visitor, and on the next visit before any request (the last answer is kept in storage). What it
 * showed is reported as exposures, which the server checks against its own assignment and records once.
 * `evaluate: 'server'` asks the server per identity instead (pages rendered elsewhere, old clients).
 * A failed request falls back to "no flags" so the page shows its default (the control) and never breaks.
 */
import { assignVariant } from './assign.js';
import type { StorageLike } from './storage.js';

export interface Flag {
  variant: string;
  payload: Record<string, unknown>;
  /** False for people outside the experiment's traffic or after it stopped (the shipped variant). */
  inExperiment: boolean;
}

export type FlagFetch = (
  url: string,
  init: { method?: 'GET' | 'POST'; headers: Record<string, string>; body?: string; keepalive?: boolean },
) => Promise<{ ok: boolean; json(): Promise<unknown> }>;

export interface FlagsOptions {
  /** e.g. `/api/store/<shop>/flags` */
  url: string;
  /**
   * The tracker's anonymous id, so events and the assignment name the same device. A promise while the
   * tracker still loads: a flag read before the id exists would show the control and count nobody.
   */
  device: () => string | null | Promise<string | null>;
  /** The signed-in customer's bearer token, when there is one. */
  token?: () => string | null;
  fetch?: FlagFetch;
  /** 'local' (default): evaluate here from the experiments' config; 'server': ask per identity. */
  evaluate?: 'local' | 'server';
  /** Keeps the last config for the next visit (local evaluation). */
  storage?: StorageLike;
  /** Exposures are sent together after this long (local evaluation). */
  exposureDelayMs?: number;
}

export interface FlagsClient {
  get(key: string): Promise<Flag | null>;
  /** Forget the answer (after sign-in or sign-out, the person may be someone else). */
  reset(): void;
  /** Sends the exposures waiting for their batch now (e.g. before the page goes away). */
  flush(): Promise<void>;
}

interface ConfigExperiment {
  key: string;
  status: 'running' | 'stopped';
  salt: string;
  trafficPercent: number;
  variants: { key: string; weight: number; payload: Record<string, unknown> }[];
  shippedVariant: string | null;
}
interface Config {
  experiments: ConfigExperiment[];
  assigned: Record<string, string>;
}

const STORAGE_KEY = 'siyu_flags_config';

function isConfig(v: unknown): v is Config {
  const c = v as Config | null;
  return !!c && Array.isArray(c.experiments) && typeof c.assigned === 'object' && c.assigned !== null;
}

/** The flag a device sees for one experiment of the config, and whether it is an exposure to report. */
export function evaluateFlag(e: ConfigExperiment, device: string | null, assigned: Record<string, string>): Flag {
  const control = e.variants[0]!;
  if (e.status === 'stopped') {
    const v = e.variants.find((x) => x.key === e.shippedVariant) ?? control;
    return { variant: v.key, payload: v.payload, inExperiment: false };
  }
  // The server names a device's subject `a:<anonymous id>` (a customer's `c:<id>`) and hashes that.
  const key = assigned[e.key] ?? (device ? assignVariant(e.salt, e.trafficPercent, e.variants, `a:${device}`) : null);
  const v = key ? e.variants.find((x) => x.key === key) : undefined;
  return v ? { variant: v.key, payload: v.payload, inExperiment: true } : { variant: control.key, payload: control.payload, inExperiment: false };
}

export function createFlags(options: FlagsOptions): FlagsClient {
  const doFetch: FlagFetch = options.fetch ?? ((url, init) => fetch(url, init));
  const headers = (token: string | null, json = false): Record<string, string> => ({
    Accept: 'application/json',
    ...(json ? { 'Content-Type': 'application/json' } : {}),
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
  });
  let pending: { identity: string; flags: Promise<Record<string, Flag>> } | null = null;
  let config: { token: string | null; value: Promise<Config | null> } | null = null;
  const reported = new Set<string>();
  let queue: { device: string; token: string | null; items: { key: string; variant: string }[] } | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const serverFlags = (device: string | null, token: string | null): Promise<Record<string, Flag>> => {
    const url = device ? `${options.url}?device=${encodeURIComponent(device)}` : options.url;
    return doFetch(url, { headers: headers(token) })
      .then(async (res) => {
        if (!res.ok) return {};
        const body = (await res.json()) as { flags?: Record<string, Flag> } | null;
        return body && typeof body.flags === 'object' && body.flags ? body.flags : {};
      })
      .catch(() => ({}));
  };

  const stored = (): Config | null => {
    try {
      const v: unknown = JSON.parse(options.storage?.getItem(STORAGE_KEY) ?? 'null');
      return isConfig(v) ? v : null;
    } catch {
      return null;
    }
  };

  /** The config for this identity: the stored one at once when there is one (refreshed behind it), else the server's. */
  const loadConfig = (token: string | null): Promise<Config | null> => {
    const fresh = doFetch(`${options.url}/config`, { headers: headers(token) })
      .then(async (res) => {
        if (!res.ok) return null;
        const body = await res.json();
        if (!isConfig(body)) return null;
        // Only the anonymous part is kept: a customer's variants belong to their session, not the device.
        if (!token) options.storage?.setItem(STORAGE_KEY, JSON.stringify(body));
        return body;
      })
      .catch(() => null);
    const kept = token ? null : stored();
    if (!kept) return fresh;
    void fresh.then((c) => {
      if (c && config?.token === token) config = { token, value: Promise.resolve(c) };
    });
    return Promise.resolve(kept);
  };

  const flush = async () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const q = queue;
    queue = null;
    if (!q?.items.length) return;
    await doFetch(`${options.url}/exposures`, { method: 'POST', headers: headers(q.token, true), body: JSON.stringify({ device: q.device, exposures: q.items }), keepalive: true })
      .then(() => undefined)
      .catch(() => undefined);
  };

  const report = (device: string, token: string | null, key: string, variant: string) => {
    const id = `${device}|${token ?? ''}|${key}`;
    if (reported.has(id)) return;
    reported.add(id);
    if (queue && (queue.device !== device || queue.token !== token)) void flush();
    queue ??= { device, token, items: [] };
    queue.items.push({ key, variant });
    if (queue.items.length >= 50) void flush();
    else timer ??= setTimeout(() => void flush(), options.exposureDelayMs ?? 300);
  };

  return {
    async get(key) {
      const device = await options.device();
      const token = options.token?.() ?? null;
      if (options.evaluate === 'server') {
        const identity = `${device ?? ''}|${token ?? ''}`;
        if (!pending || pending.identity !== identity) pending = { identity, flags: serverFlags(device, token) };
        return (await pending.flags)[key] ?? null;
      }
      if (!config || config.token !== token) config = { token, value: loadConfig(token) };
      const c = await config.value;
      const e = c?.experiments.find((x) => x.key === key);
      if (!c || !e || !e.variants.length) return null;
      const flag = evaluateFlag(e, device, c.assigned);
      if (flag.inExperiment && device) report(device, token, key, flag.variant);
      return flag;
    },
    reset() {
      pending = null;
      config = null;
    },
    flush,
  };
}
