import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import { isUniqueViolation, type Db } from '../../platform/db/index.js';
import { sha256 } from '../../platform/auth/tokens.js';
import { customerIdentities, customers, customerSessions } from './schema.js';
import type { CustomerRow } from './views.js';
import { signSessionToken } from './sessions.js';

export type SessionMeta = { ip?: string; userAgent?: string };


/** A parallel first sign-in loses on a unique index; running again finds what the winner created. */
export async function retryOnUnique<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i < attempts && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}

/** Serialises work on one natural key (a phone, a unionid) inside the current transaction. */
export const lockKey = (tx: Db, key: string) => tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${key}))`);

/**
 * A new bearer token for the customer: signed, so requests read it without the database (sessions.ts).
 * The session is recorded all the same (listing, expiry, and the check of tokens older than the hot
 * store's memory of ended sessions); only a hash of the token is stored.
 */
export async function openSession(p: Platform, tx: Db, shopId: string, customerId: string, via: 'sms' | 'wechat' | 'merge', meta: SessionMeta) {
  // Whole seconds: the token carries them so.
  const issuedAt = Math.floor(p.now().getTime() / 1000) * 1000;
  const expiresAt = new Date(issuedAt + p.config.CUSTOMER_SESSION_TTL_HOURS * 3600_000);
  const token = signSessionToken(p.config.SESSION_SECRET, { sessionId: randomUUID(), customerId, shopId, issuedAt, expiresAt: expiresAt.getTime() });
  await tx.insert(customerSessions).values({ tokenHash: sha256(token), shopId, customerId, via, expiresAt, ip: meta.ip, userAgent: meta.userAgent?.slice(0, 300) });
  return { token, expiresAt };
}

export async function customerRow(db: Db, shopId: string, id: string): Promise<CustomerRow | undefined> {
  const [row] = await db.select().from(customers).where(and(eq(customers.id, id), eq(customers.shopId, shopId)));
  return row;
}

export function identitiesOf(db: Db, shopId: string, customerId: string) {
  return db.select().from(customerIdentities).where(and(eq(customerIdentities.shopId, shopId), eq(customerIdentities.customerId, customerId)));
}
