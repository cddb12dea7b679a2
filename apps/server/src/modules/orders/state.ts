import { conflict } from '../../platform/errors.js';
import type { OrderStatus } from './schema.js';

/**
 * The order state machine. Every change of `orders.status` goes through `nextStatus`, so an illegal
 * transition is refused in one place with one code.
 *
 *   pending_payment ─pay→ paid ─ship→ shipped ─complete→ completed
 *        │                 │ └─verify_pickup→ completed
 *        └─cancel→ cancelled
 *   paid | shipped | completed ─request_refund→ refund_requested ─(refund closes)→ back, or refunded
 *   paid | shipped | completed ─refund_full→ refunded
 */
export type OrderAction =
  | 'pay'
  | 'cancel'
  | 'ship'
  | 'verify_pickup'
  | 'complete'
  | 'request_refund'
  | 'refund_full'
  | 'refund_closed';

const TABLE: Record<OrderAction, Partial<Record<OrderStatus, OrderStatus | 'previous'>>> = {
  pay: { pending_payment: 'paid' },
  cancel: { pending_payment: 'cancelled' },
  ship: { paid: 'shipped' },
  verify_pickup: { paid: 'completed' },
  complete: { shipped: 'completed' },
  request_refund: { paid: 'refund_requested', shipped: 'refund_requested', completed: 'refund_requested' },
  refund_full: { paid: 'refunded', shipped: 'refunded', completed: 'refunded', refund_requested: 'refunded' },
  // A partial refund, a rejected or withdrawn request: the order returns to where it was.
  refund_closed: { refund_requested: 'previous' },
};

export const ORDER_ACTIONS = Object.keys(TABLE) as OrderAction[];
export const ORDER_STATUSES: OrderStatus[] = ['pending_payment', 'paid', 'shipped', 'completed', 'cancelled', 'refund_requested', 'refunded'];

export function canTransition(from: OrderStatus, action: OrderAction): boolean {
  return TABLE[action][from] !== undefined;
}

export function nextStatus(from: OrderStatus, action: OrderAction, previous?: OrderStatus | null): OrderStatus {
  const to = TABLE[action][from];
  if (to === undefined) {
    throw conflict('ORDER_STATE_INVALID', `Cannot ${action.replace('_', ' ')} an order that is ${from.replace('_', ' ')}`, { field: 'status', status: from, action });
  }
  if (to === 'previous') {
    if (!previous) throw conflict('ORDER_STATE_INVALID', 'No status to return to', { field: 'status', status: from, action });
    return previous;
  }
  return to;
}
