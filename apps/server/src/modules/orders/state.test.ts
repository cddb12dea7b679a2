import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import type { OrderStatus } from './schema.js';
import { canTransition, nextStatus, ORDER_ACTIONS, ORDER_STATUSES, type OrderAction } from './state.js';

// The whole table, written out as the product defines it; anything not listed must be refused.
const ALLOWED: [OrderStatus, OrderAction, OrderStatus][] = [
  ['pending_payment', 'pay', 'paid'],
  ['pending_payment', 'cancel', 'cancelled'],
  ['paid', 'ship', 'shipped'],
  ['paid', 'verify_pickup', 'completed'],
  ['shipped', 'complete', 'completed'],
  ['paid', 'request_refund', 'refund_requested'],
  ['shipped', 'request_refund', 'refund_requested'],
  ['completed', 'request_refund', 'refund_requested'],
  ['paid', 'refund_full', 'refunded'],
  ['shipped', 'refund_full', 'refunded'],
  ['completed', 'refund_full', 'refunded'],
  ['refund_requested', 'refund_full', 'refunded'],
];

describe('order state machine', () => {
  it.each(ALLOWED)('%s --%s--> %s', (from, action, to) => {
    expect(canTransition(from, action)).toBe(true);
    expect(nextStatus(from, action)).toBe(to);
  });

  it('returns a closed after-sales request to the status before it', () => {
    for (const prev of ['paid', 'shipped', 'completed'] as OrderStatus[]) {
      expect(nextStatus('refund_requested', 'refund_closed', prev)).toBe(prev);
    }
  });

  const refused: [OrderStatus, OrderAction][] = [];
  for (const from of ORDER_STATUSES) {
    for (const action of ORDER_ACTIONS) {
      const ok = ALLOWED.some(([f, a]) => f === from && a === action) || (from === 'refund_requested' && action === 'refund_closed');
      if (!ok) refused.push([from, action]);
    }
  }

  it.each(refused)('refuses %s --%s-->', (from, action) => {
    expect(canTransition(from, action)).toBe(false);
    try {
      nextStatus(from, action);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(409);
      expect((err as AppError).code).toBe('ORDER_STATE_INVALID');
    }
  });

  it('has terminal states with no way out', () => {
    for (const action of ORDER_ACTIONS) {
      expect(canTransition('cancelled', action)).toBe(false);
      expect(canTransition('refunded', action)).toBe(false);
    }
  });
});
