import type { StorageLike } from './storage.js';

export interface LocationLike {
  href: string;
  pathname: string;
  search: string;
}

export interface ListenerTarget {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

export interface DocumentLike extends Partial<ListenerTarget> {
  title?: string;
  referrer?: string;
  visibilityState?: string;
}

export interface NavigatorLike {
  userAgent?: string;
  language?: string;
  sendBeacon?(url: string, data?: Blob | string): boolean;
}

export interface ScreenLike {
  width: number;
  height: number;
}

/** What the SDK reads from the page. Every part is optional: outside a browser it is all absent. */
export interface BrowserEnv {
  location?: LocationLike | null;
  document?: DocumentLike | null;
  window?: Partial<ListenerTarget> | null;
  navigator?: NavigatorLike | null;
  screen?: ScreenLike | null;
  /** IANA name, e.g. Asia/Shanghai */
  timezone?: string;
  storage?: StorageLike | null;
  sessionStorage?: StorageLike | null;
}

type Globals = {
  location?: LocationLike;
  document?: DocumentLike;
  navigator?: NavigatorLike;
  screen?: ScreenLike;
  addEventListener?: ListenerTarget['addEventListener'];
  removeEventListener?: ListenerTarget['removeEventListener'];
  localStorage?: StorageLike;
  sessionStorage?: StorageLike;
};

/** Reading localStorage itself throws a SecurityError where the browser blocks site data. */
function storageOf(name: 'localStorage' | 'sessionStorage'): StorageLike | null {
  try {
    return (globalThis as Globals)[name] ?? null;
  } catch {
    return null;
  }
}

function timezone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
  } catch {
    return undefined;
  }
}

/** The real page's objects, with anything given in `env` (null included) taking their place. */
export type ResolvedEnv = { [K in keyof BrowserEnv]-?: NonNullable<BrowserEnv[K]> | null };

export function resolveEnv(env: BrowserEnv): ResolvedEnv {
  const g = globalThis as Globals;
  const pick = <K extends keyof BrowserEnv>(k: K, fallback: () => BrowserEnv[K] | null): NonNullable<BrowserEnv[K]> | null =>
    (k in env ? env[k] : fallback()) ?? null;
  const win = typeof g.addEventListener === 'function' ? (g as ListenerTarget) : null;
  return {
    location: pick('location', () => g.location ?? null),
    document: pick('document', () => g.document ?? null),
    window: pick('window', () => win),
    navigator: pick('navigator', () => g.navigator ?? null),
    screen: pick('screen', () => g.screen ?? null),
    timezone: pick('timezone', () => timezone() ?? null),
    storage: pick('storage', () => storageOf('localStorage')),
    sessionStorage: pick('sessionStorage', () => storageOf('sessionStorage')),
  };
}
