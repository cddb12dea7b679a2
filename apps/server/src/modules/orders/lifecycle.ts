import { and, eq, sql } from 'drizzle-orm';
import { orderNoteText, type OrderNote } from '@siyu/contracts';
import type { Db } from '../../platform/db/index.js';
import { conflict, notFound } from '../../platform/errors.js';
import { orderHistory, orders, type Order, type OrderStatus } from './schema.js';
import { nextStatus, type OrderAction } from './state.js';

export interface TransitionActor {
  type: 'customer' | 'staff' | 'api_key' | 'system';
  id?: string;
}

/** Locks the order row for the rest of the transaction. Another shop's order is simply not found. */
export async function lockOrder(tx: Db, shopId: string, orderId: string): Promise<Order> {
  const [order] = await tx.select().from(orders).where(and(eq(orders.id, orderId), eq(orders.shopId, shopId))).for('update');
  if (!order) throw notFound('Order', { field: 'orderId' });
  return order;
}

/**
 * A timeline note's columns: its code and parameters for readers to render in their language, and the
 * Chinese text for exports. A plain string is text that has no code (none is written any more by orders).
 */
export function noteColumns(note: string | OrderNote | undefined) {
  if (note === undefined) return { note: null, code: null, params: null };
  if (typeof note === 'string') return { note, code: null, params: null };
  return { note: orderNoteText(note, 'zh'), code: note.code, params: note.params ?? {} };
}

/**
 * Moves an order along the state machine (refusing illegal moves), applies the accompanying column
 * changes and writes the timeline entry, all in the caller's transaction.
 */
export async function transition(
  tx: Db,
  order: Order,
  action: OrderAction,
  actor: TransitionActor,
  patch: Partial<typeof orders.$inferInsert> = {},
  note?: OrderNote,
): Promise<Order> {
  const to = nextStatus(order.status, action, order.statusBeforeRefund);
  // A held order (拼团 not yet formed) goes nowhere near the customer until its hold is lifted; a failed group
  // refunds it through the system, so the customer's own after-sales request waits too.
  if (order.fulfilmentHold && (action === 'ship' || action === 'verify_pickup' || action === 'request_refund')) {
    throw conflict('ORDER_ON_HOLD', 'The order waits for its group to form', { field: 'fulfilmentHold', hold: order.fulfilmentHold });
  }
  const extra: Partial<typeof orders.$inferInsert> = {};
  if (action === 'request_refund') extra.statusBeforeRefund = order.status;
  if (action === 'refund_closed' || action === 'refund_full') extra.statusBeforeRefund = null;
  const [updated] = await tx
    .update(orders)
    .set({ ...patch, ...extra, status: to, updatedAt: sql`now()` })
    .where(and(eq(orders.id, order.id), eq(orders.status, order.status)))
    .returning();
  // The row is locked, so this only happens if a caller forgot lockOrder: fail loudly rather than lose a change.
  if (!updated) throw conflict('ORDER_CHANGED', 'The order changed meanwhile, try again', { field: 'status' });
  await tx.insert(orderHistory).values({
    shopId: order.shopId,
    orderId: order.id,
    action,
    fromStatus: order.status,
    toStatus: to,
    actorType: actor.type,
    actorId: actor.id,
    ...noteColumns(note),
  });
  return updated;
}

export function isTerminal(status: OrderStatus) {
  return status === 'cancelled' || status === 'refunded';
}
