import { randomUUID } from 'node:crypto';
import type { CounterStep, CountersOptions, CountersResult, HotStore, IdempotencyState, RateLimitResult, TimelineRead, UnitClaim, UnitClaimResult } from './types.js';

interface Entry {
  value: string;
  expiresAt: number | null;
}

/** In-process hot store for embedded mode: correct for one process, which is all embedded mode runs. */
export class MemoryHotStore implements HotStore {
  readonly kind = 'memory' as const;
  private data = new Map<string, Entry>();
  private hashes = new Map<string, Map<string, string>>();
  private timelines = new Map<string, { since: number; members: Map<string, number> }>();
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

  async del(key: string | string[]) {
    for (const k of typeof key === 'string' ? [key] : key) {
      this.data.delete(k);
      this.hashes.delete(k);
      this.timelines.delete(k);
    }
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

  // No await between the checks and the writes: one turn of the event loop, so atomic in this process.
  async applyCounters(steps: CounterStep[], opts: CountersOptions = {}): Promise<CountersResult> {
    for (const [i, l] of (opts.limits ?? []).entries()) {
      const count = this.hit(l.key, l.windowMs);
      if (count > l.limit) return { ok: false, reason: 'limited', index: i, resetMs: this.ttlOf(l.key, l.windowMs) };
    }
    for (const [i, k] of (opts.unless ?? []).entries()) if (this.live(k) || this.hashes.has(k)) return { ok: false, reason: 'blocked', index: i };
    const { claim, record: rec, consume } = opts;
    if (claim && this.live(claim.key)) return { ok: false, reason: 'claimed', index: -1 };
    if (rec?.onlyNew && this.hashes.get(rec.key)?.has(rec.field)) return { ok: false, reason: 'recorded', index: -1 };
    if (consume && !this.hashes.get(consume.key)?.has(consume.field)) return { ok: false, reason: 'absent', index: -1 };
    const values: number[] = [];
    for (const [i, s] of steps.entries()) {
      const e = this.live(s.key);
      if (!e && s.mustExist) return { ok: false, reason: 'missing', index: i };
      const current = e ? Number(e.value) : 0;
      const next = current + s.by;
      if (s.min !== undefined && next < s.min) return { ok: false, reason: 'below_min', index: i, current };
      if (s.max !== undefined && next > s.max) return { ok: false, reason: 'above_max', index: i, current };
      values.push(next);
    }
    steps.forEach((s, i) => {
      const e = this.live(s.key);
      if (e) e.value = String(values[i]);
      else this.data.set(s.key, { value: String(values[i]), expiresAt: s.ttlMs ? this.now() + s.ttlMs : null });
    });
    if (claim) this.data.set(claim.key, { value: '1', expiresAt: this.now() + claim.ttlMs });
    if (rec) this.hashOf(rec.key).set(rec.field, rec.value);
    if (consume) {
      const h = this.hashes.get(consume.key)!;
      h.delete(consume.field);
      if (h.size === 0) this.hashes.delete(consume.key);
    }
    return { ok: true, values };
  }

  // Like applyCounters: no await between the checks and the writes.
  async claimUnit(c: UnitClaim): Promise<UnitClaimResult> {
    if (c.once) {
      const first = this.hashes.get(c.once.key)?.get(c.once.field);
      if (first !== undefined) return { ok: false, reason: 'again', value: first };
    }
    for (const [i, k] of (c.unless ?? []).entries()) if (this.live(k) || this.hashes.has(k)) return { ok: false, reason: 'blocked', index: i };
    const e = this.live(c.left.key);
    if (!e) return { ok: false, reason: 'missing', current: 0 };
    const left = Number(e.value);
    if (left - c.left.by < 0) return { ok: false, reason: 'below_min', current: left };
    const held = Number(this.hashes.get(c.held.key)?.get(c.held.field) ?? 0);
    if (held + c.left.by > c.held.max) return { ok: false, reason: 'above_max', current: held };
    e.value = String(left - c.left.by);
    this.hashOf(c.held.key).set(c.held.field, String(held + c.left.by));
    if (c.once) this.hashOf(c.once.key).set(c.once.field, c.once.value);
    if (c.record) this.hashOf(c.record.key).set(c.record.field, c.record.value);
    return { ok: true, left: left - c.left.by, held: held + c.left.by };
  }

  /** Counts a hit of a fixed window (created with the window as its life). */
  private hit(key: string, windowMs: number) {
    const e = this.live(key);
    if (!e) {
      this.data.set(key, { value: '1', expiresAt: this.now() + windowMs });
      return 1;
    }
    e.value = String(Number(e.value) + 1);
    return Number(e.value);
  }

  private ttlOf(key: string, fallback: number) {
    const at = this.live(key)?.expiresAt;
    return at ? at - this.now() : fallback;
  }

  async timelineAdd(key: string, member: string, keepMs: number) {
    const t = this.timeline(key);
    const now = this.now();
    // Re-inserted so that the map stays in stamp order.
    t.members.delete(member);
    t.members.set(member, now);
    for (const [m, at] of t.members) {
      if (at >= now - keepMs) break;
      t.members.delete(m);
    }
  }

  async timelineSince(key: string, sinceMs: number): Promise<TimelineRead> {
    const t = this.timeline(key);
    const entries = [...t.members].filter(([, at]) => at >= sinceMs).map(([member, at]) => ({ member, at }));
    return { entries, now: this.now(), completeSince: t.since };
  }

  private timeline(key: string) {
    let t = this.timelines.get(key);
    if (!t) this.timelines.set(key, (t = { since: this.now(), members: new Map() }));
    return t;
  }

  private hashOf(key: string) {
    let h = this.hashes.get(key);
    if (!h) this.hashes.set(key, (h = new Map()));
    return h;
  }

  async hset(key: string, field: string, value: string) {
    this.hashOf(key).set(field, value);
  }

  async hdel(key: string, fields: string[]) {
    const h = this.hashes.get(key);
    if (!h) return 0;
    let n = 0;
    for (const f of fields) if (h.delete(f)) n++;
    if (h.size === 0) this.hashes.delete(key);
    return n;
  }

  async hgetall(key: string) {
    return Object.fromEntries(this.hashes.get(key) ?? []);
  }

  async rateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    const count = this.hit(key, windowMs);
    return { allowed: count <= limit, remaining: Math.max(0, limit - count), resetMs: this.ttlOf(key, windowMs) };
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
    this.hashes.clear();
    this.timelines.clear();
  }
}
