import { rows, sql, type Db } from '../../../platform/db/index.js';

export const iso = (v: string | Date | null | undefined) => (v == null ? null : new Date(v).toISOString());

/** The buckets of a promoter's account; frozen + payable + withdrawing + paid + clawed = earned, always. */
export interface Deltas {
  frozen?: number;
  payable?: number;
  withdrawing?: number;
  paid?: number;
  clawed?: number;
  earned?: number;
}

export type LedgerKind = 'earn' | 'thaw' | 'claw' | 'withdraw' | 'withdraw_return' | 'withdraw_paid';

/**
 * Posts once per (kind, ref): the ledger row's unique key decides, so a replayed event, a job run twice or
 * two racing runs move the account once. Returns whether this call posted. The caller holds whatever lock
 * makes the posting's own preconditions true (the commission row, the withdrawal row).
 */
export async function post(tx: Db, shopId: string, customerId: string, kind: LedgerKind, ref: string, d: Deltas, at: Date): Promise<boolean> {
  const v = { frozen: d.frozen ?? 0, payable: d.payable ?? 0, withdrawing: d.withdrawing ?? 0, paid: d.paid ?? 0, clawed: d.clawed ?? 0, earned: d.earned ?? 0 };
  const inserted = await rows<{ id: number }>(tx, sql`
    INSERT INTO promoter_ledger (shop_id, customer_id, kind, ref, frozen_delta, payable_delta, withdrawing_delta, paid_delta, clawed_delta, earned_delta, created_at)
    VALUES (${shopId}, ${customerId}, ${kind}, ${ref}, ${v.frozen}, ${v.payable}, ${v.withdrawing}, ${v.paid}, ${v.clawed}, ${v.earned}, ${at.toISOString()}::timestamptz)
    ON CONFLICT (shop_id, customer_id, kind, ref) DO NOTHING
    RETURNING id`);
  if (inserted.length === 0) return false;
  const updated = await rows<{ customer_id: string }>(tx, sql`
    UPDATE promoters SET
      frozen_fen = frozen_fen + ${v.frozen}, payable_fen = payable_fen + ${v.payable}, withdrawing_fen = withdrawing_fen + ${v.withdrawing},
      paid_fen = paid_fen + ${v.paid}, clawed_fen = clawed_fen + ${v.clawed}, earned_fen = earned_fen + ${v.earned}, updated_at = now()
    WHERE shop_id = ${shopId} AND customer_id = ${customerId}
    RETURNING customer_id`);
  if (updated.length === 0) throw new Error(`promoter ${customerId} has no account`);
  return true;
}

/**
 * Moves `amount` from payable to withdrawing only if that much is payable, in one conditional UPDATE: parallel
 * withdrawals queue on the row and each sees the balance the one before it left.
 */
export async function reserveWithdrawal(tx: Db, shopId: string, customerId: string, amount: number): Promise<boolean> {
  const moved = await rows<{ customer_id: string }>(tx, sql`
    UPDATE promoters SET payable_fen = payable_fen - ${amount}, withdrawing_fen = withdrawing_fen + ${amount}, updated_at = now()
    WHERE shop_id = ${shopId} AND customer_id = ${customerId} AND payable_fen >= ${amount}
    RETURNING customer_id`);
  return moved.length === 1;
}

/** The ledger row of a reservation made by `reserveWithdrawal` (the account already moved). */
export async function recordReservation(tx: Db, shopId: string, customerId: string, ref: string, amount: number, at: Date) {
  await tx.execute(sql`
    INSERT INTO promoter_ledger (shop_id, customer_id, kind, ref, payable_delta, withdrawing_delta, created_at)
    VALUES (${shopId}, ${customerId}, 'withdraw', ${ref}, ${-amount}, ${amount}, ${at.toISOString()}::timestamptz)`);
}
