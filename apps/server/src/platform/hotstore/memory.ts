import { randomUUID } from 'node:crypto';
import type { HotStore, IdempotencyState, RateLimitResult } from './types.js';

interface Entry {
  value: string;
  expiresAt: number | null;
}

/** In-process hot store for embedded mode: correct for one process, which is all embedded mode runs. */
export class MemoryHotStore implements HotStore {
  readonly kind = 'memory' as const;
  private data = new Map<string, Entry>();
  private sweeper: NodeJS.Timeout;

  constructor(private now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  private live(key: string): Entry | undefined {
    const e = this.data.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== null && e.expiresAt <= this.now()) {
      this.data.delete(key);
      return undefined;
    }
    return e;
  }

  private sweep() {
    const t = this.now();
    for (const [k, e] of this.data) if (e.expiresAt !== null && e.expiresAt <= t) this.data.delete(k);
  }

  async get(key: string) {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, opts: { ttlMs?: number; nx?: boolean } = {}) {
    if (opts.nx && this.live(key)) return false;
    this.data.set(key, { value, expiresAt: opts.ttlMs ? this.now() + opts.ttlMs : null });
    return true;
  }

  async del(key: string) {
    this.data.delete(key);
  }

  async incrBy(key: string, by: number, ttlMs?: number) {
    const e = this.live(key);
    if (!e) {
      this.data.set(key, { value: String(by), expiresAt: ttlMs ? this.now() + ttlMs : null });
      return by;
    }
    const next = Number(e.value) + by;
    e.value = String(next);
    return next;
  }

  async decrIfEnough(key: string, n: number) {
    const e = this.live(key);
    const cur = e ? Number(e.value) : 0;
    if (cur < n) return -1;
    if (e) e.value = String(cur - n);
    else this.data.set(key, { value: String(cur - n), expiresAt: null });
    return cur - n;
  }

  async rateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    const count = await this.incrBy(key, 1, windowMs);
    const ttl = await this.ttl(key);
    return { allowed: count <= limit, remaining: Math.max(0, limit - count), resetMs: ttl < 0 ? windowMs : ttl };
  }

  async lock(key: string, ttlMs: number) {
    const token = randomUUID();
    return (await this.set(key, token, { ttlMs, nx: true })) ? token : null;
  }

  async unlock(key: string, token: string) {
    if (this.live(key)?.value !== token) return false;
    this.data.delete(key);
    return true;
  }

  async ttl(key: string) {
    const e = this.live(key);
    if (!e) return -2;
    return e.expiresAt === null ? -1 : e.expiresAt - this.now();
  }

  async idempotencyBegin<T>(key: string, ttlMs: number): Promise<IdempotencyState<T>> {
    const e = this.live(key);
    if (!e) {
      this.data.set(key, { value: JSON.stringify({ s: 'pending' }), expiresAt: this.now() + ttlMs });
      return { state: 'new' };
    }
    const rec = JSON.parse(e.value) as { s: 'pending' } | { s: 'done'; v: T };
    return rec.s === 'done' ? { state: 'done', value: rec.v } : { state: 'pending' };
  }

  async idempotencyComplete<T>(key: string, value: T, ttlMs: number) {
    this.data.set(key, { value: JSON.stringify({ s: 'done', v: value }), expiresAt: this.now() + ttlMs });
  }

  async idempotencyAbort(key: string) {
    this.data.delete(key);
  }

  async close() {
    clearInterval(this.sweeper);
    this.data.clear();
  }
}
