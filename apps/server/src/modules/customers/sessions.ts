import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { HotStore } from '../../platform/hotstore/index.js';
import type { Logger } from '../../platform/logger.js';

/**
 * Customer bearer tokens that are read without the database: the token carries its session id, customer,
 * shop, issue and expiry times, signed with an HMAC of SESSION_SECRET. Every storefront request of a
 * flash-sale rush carries one, so resolving it must cost no query. The session is still a row of
 * `customer_sessions` (listing, expiry, and the fallback below), and it can be ended before it expires:
 * see SessionRevocations.
 */
export interface SessionClaims {
  sessionId: string;
  customerId: string;
  shopId: string;
  /** Milliseconds, whole seconds. */
  issuedAt: number;
  expiresAt: number;
}

// Tokens issued before signed ones existed are 43 base64url characters without a dot.
const PREFIX = 'c1.';
const PAYLOAD_BYTES = 56;

const keys = new Map<string, KeyObject>();
/**
 * A key of its own, so no other HMAC made with the secret (CSRF tokens) can pass for a session signature;
 * kept as a KeyObject, which every request's HMAC then uses without importing the key again.
 */
function keyOf(secret: string) {
  let k = keys.get(secret);
  if (!k) keys.set(secret, (k = createSecretKey(createHmac('sha256', secret).update('siyu customer session v1').digest())));
  return k;
}

const uuidBytes = (id: string, into: Buffer, at: number) => into.write(id.replace(/-/g, ''), at, 16, 'hex');
function uuidOf(b: Buffer, at: number) {
  const h = b.toString('hex', at, at + 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const isSignedToken = (token: string) => token.startsWith(PREFIX);

export function signSessionToken(secret: string, c: SessionClaims): string {
  const payload = Buffer.alloc(PAYLOAD_BYTES);
  uuidBytes(c.sessionId, payload, 0);
  uuidBytes(c.customerId, payload, 16);
  uuidBytes(c.shopId, payload, 32);
  payload.writeUInt32BE(Math.floor(c.issuedAt / 1000), 48);
  payload.writeUInt32BE(Math.floor(c.expiresAt / 1000), 52);
  const sig = createHmac('sha256', keyOf(secret)).update(payload).digest();
  return `${PREFIX}${payload.toString('base64url')}.${sig.toString('base64url')}`;
}

/** The claims of a well-formed token with a valid signature, else null. Expiry is the caller's to check. */
export function readSessionToken(secret: string, token: string): SessionClaims | null {
  if (!isSignedToken(token) || token.length > 200) return null;
  const dot = token.indexOf('.', PREFIX.length);
  if (dot < 0) return null;
  const payload = Buffer.from(token.slice(PREFIX.length, dot), 'base64url');
  const sig = Buffer.from(token.slice(dot + 1), 'base64url');
  if (payload.length !== PAYLOAD_BYTES || sig.length !== 32) return null;
  const want = createHmac('sha256', keyOf(secret)).update(payload).digest();
  if (!timingSafeEqual(sig, want)) return null;
  return {
    sessionId: uuidOf(payload, 0),
    customerId: uuidOf(payload, 16),
    shopId: uuidOf(payload, 32),
    issuedAt: payload.readUInt32BE(48) * 1000,
    expiresAt: payload.readUInt32BE(52) * 1000,
  };
}

/** Ended sessions, as a hot-store timeline every process follows. `~since` is reserved by the timeline. */
export const REVOKED_KEY = 'cs:{revoked}';
export const revokedSession = (sessionId: string) => `s:${sessionId}`;
/** Every session of a customer (merged away: such a customer never signs in again). */
export const revokedCustomer = (customerId: string) => `c:${customerId}`;

/** A read younger than this is used as it is; older (up to STALE_MS) it is used while a new read runs. */
const FRESH_MS = 250;
/** Older than this, a request waits for a new read: a session ended anywhere stops working within a second. */
const STALE_MS = 750;
/** Each read starts this far before the last one ended, in case the store's clock stepped back. */
const OVERLAP_MS = 2000;
const PRUNE_EVERY_MS = 60_000;

export type RevocationState = 'valid' | 'revoked' | 'unknown';

/**
 * What this process knows about ended sessions: sign-outs and merges add to a timeline in the hot store
 * (kept as long as a session can live), and each process follows it with one read every 250 ms at most
 * while requests come, so a signed-out token stops working everywhere within a second without a query
 * per request. The hot store may lose the timeline (Redis flushed, the embedded process restarted): it
 * then says since when it is complete again, and a session issued before that is `unknown` — checked in
 * the database, where sign-out and merges delete its row.
 */
export class SessionRevocations {
  private revoked = new Map<string, number>();
  /** The store's clock at the last read; the next read starts there (less the overlap). */
  private cursor = 0;
  private completeSince = Number.POSITIVE_INFINITY;
  private readAt = Number.NEGATIVE_INFINITY;
  private prunedAt = 0;
  private reading: Promise<void> | null = null;

  constructor(
    private hot: HotStore,
    private keepMs: () => number,
    private log: Logger,
  ) {}

  async check(c: SessionClaims): Promise<RevocationState> {
    const known = await this.current();
    if (this.revoked.has(revokedSession(c.sessionId)) || this.revoked.has(revokedCustomer(c.customerId))) return 'revoked';
    return known && c.issuedAt >= this.completeSince ? 'valid' : 'unknown';
  }

  /** Ends a session (or all of a customer's: `revokedCustomer`) everywhere; here at once. */
  async revoke(member: string) {
    await this.hot.timelineAdd(REVOKED_KEY, member, this.keepMs());
    this.revoked.set(member, this.cursor || Date.now());
  }

  /** Reads what is new in the timeline (one read at a time; callers share it). */
  refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private async current(): Promise<boolean> {
    const age = performance.now() - this.readAt;
    if (age < FRESH_MS) return true;
    if (age < STALE_MS) {
      this.refresh().catch((err) => this.log.warn({ err }, 'customer sessions: reading ended sessions failed'));
      return true;
    }
    try {
      await this.refresh();
      return true;
    } catch (err) {
      this.log.warn({ err }, 'customer sessions: ended sessions unknown; checking tokens in the database');
      return false;
    }
  }

  private async read() {
    const r = await this.hot.timelineSince(REVOKED_KEY, Math.max(0, this.cursor - OVERLAP_MS));
    if (r.completeSince !== this.completeSince && Number.isFinite(this.completeSince)) {
      this.log.warn({ since: new Date(r.completeSince).toISOString() }, 'customer sessions: the hot store lost ended sessions; older tokens are checked in the database');
    }
    this.completeSince = r.completeSince;
    for (const e of r.entries) this.revoked.set(e.member, e.at);
    this.cursor = r.now;
    this.readAt = performance.now();
    if (r.now - this.prunedAt > PRUNE_EVERY_MS) {
      this.prunedAt = r.now;
      const before = r.now - this.keepMs();
      for (const [m, at] of this.revoked) if (at < before) this.revoked.delete(m);
    }
  }
}
