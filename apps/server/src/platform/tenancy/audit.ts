import { eq } from 'drizzle-orm';
import type { Actor } from '../context.js';
import type { Db } from '../db/index.js';
import { auditLog } from './schema.js';

export interface AuditEntry {
  shopId: string;
  actor: Pick<Actor, 'type' | 'id' | 'name'>;
  action: string;
  entity?: string;
  entityId?: string;
  before?: unknown;
  after?: unknown;
  request?: unknown;
  status?: number;
  ip?: string;
  requestId?: string;
}

/** Writes an audit entry with `db` (the transaction of the change it records) and answers its id. */
export async function writeAuditEntry(db: Db, entry: AuditEntry): Promise<number> {
  const [row] = await db
    .insert(auditLog)
    .values({
      shopId: entry.shopId,
      actorType: entry.actor.type,
      actorId: entry.actor.id,
      actorName: entry.actor.name,
      action: entry.action,
      entity: entry.entity,
      entityId: entry.entityId,
      before: entry.before ?? null,
      after: entry.after ?? null,
      request: entry.request ?? null,
      status: entry.status,
      ip: entry.ip,
      requestId: entry.requestId,
    })
    .returning({ id: auditLog.id });
  return row.id;
}

/**
 * Adds what is known only once the route has answered (the outcome, and the before/after the route
 * shaped from the service's result) to an entry written inside the change's transaction.
 */
export async function completeAuditEntry(db: Db, id: number, outcome: Pick<AuditEntry, 'status' | 'entity' | 'entityId' | 'before' | 'after'>) {
  await db
    .update(auditLog)
    .set({
      status: outcome.status,
      ...(outcome.entity !== undefined ? { entity: outcome.entity } : {}),
      ...(outcome.entityId !== undefined ? { entityId: outcome.entityId } : {}),
      ...(outcome.before !== undefined ? { before: outcome.before } : {}),
      ...(outcome.after !== undefined ? { after: outcome.after } : {}),
    })
    .where(eq(auditLog.id, id));
}
