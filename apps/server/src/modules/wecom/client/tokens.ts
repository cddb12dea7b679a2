import { setTimeout as sleep } from 'node:timers/promises';
import type { Platform } from '../../../platform/context.js';
import { WeComApiError } from './wecom-client.js';

/** Renew this long before expiry, so no call meets an expired token in the ordinary course. */
export const REFRESH_AHEAD_MS = 10 * 60_000;
/** A token this close to expiry is not handed out. */
const MIN_LEFT_MS = 60_000;

type Entry = { token: string; expiresAt: number };
export type FetchToken = () => Promise<{ accessToken: string; expiresIn: number }>;

/**
 * Access tokens shared by every process through the hot store. gettoken is rate-limited per corp and a
 * new token does not end the old one at once, so one process fetches under a hot-store lock while the
 * others wait for its entry; a token the vendor calls stale is replaced once, by whichever process saw
 * it first (the others find the replacement already there).
 */
export class HotTokenCache {
  private local = new Map<string, Entry>();

  constructor(
    private p: Platform,
    private prefix: string,
  ) {}

  private entryKey = (key: string) => `${this.prefix}:token:${key}`;
  private lockKey = (key: string) => `${this.prefix}:token-lock:${key}`;

  private usable(e: Entry | null | undefined, stale?: string): e is Entry {
    return !!e && e.token !== stale && e.expiresAt - this.p.now().getTime() > MIN_LEFT_MS;
  }

  private async shared(key: string): Promise<Entry | null> {
    const raw = await this.p.hot.get(this.entryKey(key));
    if (!raw) return null;
    try {
      return JSON.parse(raw) as Entry;
    } catch {
      return null;
    }
  }

  async token(key: string, fetchToken: FetchToken, stale?: string): Promise<string> {
    const mine = this.local.get(key);
    if (this.usable(mine, stale)) return mine.token;
    for (let attempt = 0; attempt < 100; attempt++) {
      const found = await this.shared(key);
      if (this.usable(found, stale)) {
        this.local.set(key, found);
        return found.token;
      }
      const lock = await this.p.hot.lock(this.lockKey(key), 15_000);
      if (!lock) {
        await sleep(100);
        continue;
      }
      try {
        const again = await this.shared(key);
        if (this.usable(again, stale)) {
          this.local.set(key, again);
          return again.token;
        }
        return (await this.fetchAndStore(key, fetchToken)).token;
      } finally {
        await this.p.hot.unlock(this.lockKey(key), lock);
      }
    }
    throw new WeComApiError(-1, 'access token refresh is taking too long', '/cgi-bin/gettoken');
  }

  private async fetchAndStore(key: string, fetchToken: FetchToken): Promise<Entry> {
    const t = await fetchToken();
    const entry = { token: t.accessToken, expiresAt: this.p.now().getTime() + t.expiresIn * 1000 };
    await this.p.hot.set(this.entryKey(key), JSON.stringify(entry), { ttlMs: t.expiresIn * 1000 });
    this.local.set(key, entry);
    return entry;
  }

  /**
   * The scheduled renewal: a token within REFRESH_AHEAD_MS of expiry (or none at all, when `always`) is
   * fetched again by one process for all. Answers whether it fetched.
   */
  async refreshIfDue(key: string, fetchToken: FetchToken, opts: { always?: boolean } = {}): Promise<boolean> {
    const found = await this.shared(key);
    if (found ? found.expiresAt - this.p.now().getTime() > REFRESH_AHEAD_MS : !opts.always) return false;
    const lock = await this.p.hot.lock(this.lockKey(key), 15_000);
    if (!lock) return false;
    try {
      const again = await this.shared(key);
      if (again && again.expiresAt - this.p.now().getTime() > REFRESH_AHEAD_MS) return false;
      await this.fetchAndStore(key, fetchToken);
      return true;
    } finally {
      await this.p.hot.unlock(this.lockKey(key), lock);
    }
  }

  /** Credentials changed: the old token must not be used again by anyone. */
  async forget(key: string) {
    this.local.delete(key);
    await this.p.hot.del(this.entryKey(key));
  }
}
