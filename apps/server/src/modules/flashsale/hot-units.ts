import type { HotStore } from '../../platform/hotstore/index.js';
import { hotKeys } from './keys.js';

export interface UnitsBack {
  attemptId: string;
  sessionId: string;
  itemId: string;
  customerId: string;
  quantity: number;
}

/**
 * Gives an attempt's units and the customer's allowance back to the session in the hot store, at most
 * once per attempt (the `returned` record), however often it is retried. Answers whether the units went
 * back now; false when they already had, or the counters are not loaded (the next warm-up counts from
 * PostgreSQL, where the attempt no longer holds them).
 */
export async function returnUnits(hot: HotStore, r: UnitsBack): Promise<boolean> {
  const keys = hotKeys(r.sessionId);
  const record = { key: keys.returned, field: r.attemptId, value: String(r.quantity), onlyNew: true };
  const left = { key: keys.left(r.itemId), by: r.quantity, mustExist: true };
  const both = await hot.applyCounters([left, { key: keys.bought(r.itemId, r.customerId), by: -r.quantity, min: 0 }], { record });
  if (both.ok) return true;
  // The allowance counter expired or was lost: the units still go back.
  if (both.reason === 'below_min') return (await hot.applyCounters([left], { record })).ok;
  return false;
}

/** Gives only the allowance back (the units are not in stock, so they must not be sold again). */
export async function returnAllowance(hot: HotStore, r: UnitsBack): Promise<void> {
  const keys = hotKeys(r.sessionId);
  await hot.applyCounters([{ key: keys.bought(r.itemId, r.customerId), by: -r.quantity, min: 0 }], { record: { key: keys.returned, field: r.attemptId, value: '0', onlyNew: true } });
}
