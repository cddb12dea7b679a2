import ExcelJS from 'exceljs';
import { and, desc, eq, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import type { Actor, Platform } from '../../platform/context.js';
import { rows, type Db } from '../../platform/db/index.js';
import { conflict } from '../../platform/errors.js';
import { addSheet, beijingTime, xlsxBuffer, yuan } from '../../platform/excel.js';
import { storedValueAccounts, storedValueLedger, storedValueSettings, type StoredValueKind, type StoredValuePosting, type StoredValueSettings } from './schema.js';

const DEFAULT_SETTINGS: StoredValueSettings = { enabled: true, customAmountEnabled: true, minCustomFen: 100, maxCustomFen: 500_000, terms: '' };

export interface Split {
  principalFen: number;
  bonusFen: number;
}

export const KIND_LABELS: Record<StoredValueKind, string> = { topup: '充值', spend: '消费', refund: '退款退回', cancel: '取消退回', adjust: '人工调整', reward: '奖励' };

/**
 * 会员储值: a balance of principal (paid in) and bonus (given). Every change is one ledger posting,
 * made once per (kind, ref) under the account row's lock, so a replayed payment notification, a retried
 * event or two checkouts racing for the same yuan can never credit twice or overdraw. Spending takes
 * principal and bonus in proportion to what the customer holds, and an order's refund returns them in the
 * proportion that order took — a refunded order never turns bonus into principal.
 */
export class StoredValueService {
  constructor(private p: Platform) {}

  async settings(shopId: string, db: Db = this.p.db): Promise<StoredValueSettings> {
    const [s] = await db.select().from(storedValueSettings).where(eq(storedValueSettings.shopId, shopId));
    if (!s) return { ...DEFAULT_SETTINGS };
    const { shopId: _s, updatedAt: _u, ...rest } = s;
    return rest;
  }

  async saveSettings(actor: Actor, input: StoredValueSettings) {
    if (input.maxCustomFen < input.minCustomFen) throw conflict('TOPUP_RANGE_INVALID', 'The largest custom amount is below the smallest', { field: 'maxCustomFen' });
    return this.p.database.transaction(async (tx) => {
      const before = await this.settings(actor.shopId, tx);
      const values = { ...input, updatedAt: new Date() };
      await tx.insert(storedValueSettings).values({ shopId: actor.shopId, ...values }).onConflictDoUpdate({ target: storedValueSettings.shopId, set: values });
      return { before, after: await this.settings(actor.shopId, tx) };
    });
  }

  async account(shopId: string, customerId: string, db: Db = this.p.db) {
    const [a] = await db.select().from(storedValueAccounts).where(and(eq(storedValueAccounts.shopId, shopId), eq(storedValueAccounts.customerId, customerId)));
    const principalFen = a?.principalFen ?? 0;
    const bonusFen = a?.bonusFen ?? 0;
    return { principalFen, bonusFen, balanceFen: principalFen + bonusFen, toppedUpFen: a?.toppedUpFen ?? 0, spentFen: a?.spentFen ?? 0 };
  }

  /** Newest postings first, for the customer's statement (对账单) and the console profile. */
  async ledger(shopId: string, customerId: string, opts: { limit?: number; beforeId?: number } = {}) {
    const list = await this.p.db
      .select()
      .from(storedValueLedger)
      .where(and(eq(storedValueLedger.shopId, shopId), eq(storedValueLedger.customerId, customerId), opts.beforeId ? lt(storedValueLedger.id, opts.beforeId) : undefined))
      .orderBy(desc(storedValueLedger.id))
      .limit(opts.limit ?? 50);
    return list.map(present);
  }

  // ---- postings --------------------------------------------------------------------------------------

  private async lock(tx: Db, shopId: string, customerId: string) {
    await tx.insert(storedValueAccounts).values({ shopId, customerId }).onConflictDoNothing();
    const [a] = await tx.select().from(storedValueAccounts).where(and(eq(storedValueAccounts.shopId, shopId), eq(storedValueAccounts.customerId, customerId))).for('update');
    return a;
  }

  private async posted(tx: Db, shopId: string, customerId: string, kind: StoredValueKind, ref: string) {
    const [row] = await tx
      .select({ id: storedValueLedger.id })
      .from(storedValueLedger)
      .where(and(eq(storedValueLedger.shopId, shopId), eq(storedValueLedger.customerId, customerId), eq(storedValueLedger.kind, kind), eq(storedValueLedger.ref, ref)));
    return !!row;
  }

  /**
   * Posts a change of principal and bonus (either may be negative) under the account lock. Returns null
   * when this (kind, ref) was already posted — the caller's retry changes nothing.
   */
  private async post(
    tx: Db,
    shopId: string,
    customerId: string,
    delta: Split,
    kind: StoredValueKind,
    ref: string,
    meta: { orderId?: string; note?: string; actorId?: string } = {},
  ): Promise<StoredValuePosting | null> {
    const a = await this.lock(tx, shopId, customerId);
    if (await this.posted(tx, shopId, customerId, kind, ref)) return null;
    const principalAfter = a.principalFen + delta.principalFen;
    const bonusAfter = a.bonusFen + delta.bonusFen;
    if (principalAfter < 0 || bonusAfter < 0) {
      throw conflict('BALANCE_INSUFFICIENT', 'Not enough member balance', { field: principalAfter < 0 ? 'principalFen' : 'bonusFen', balanceFen: a.principalFen + a.bonusFen });
    }
    const moved = delta.principalFen + delta.bonusFen;
    await tx
      .update(storedValueAccounts)
      .set({
        principalFen: principalAfter,
        bonusFen: bonusAfter,
        toppedUpFen: kind === 'topup' ? a.toppedUpFen + delta.principalFen : a.toppedUpFen,
        spentFen: kind === 'spend' || kind === 'refund' || kind === 'cancel' ? a.spentFen - moved : a.spentFen,
        updatedAt: new Date(),
      })
      .where(and(eq(storedValueAccounts.shopId, shopId), eq(storedValueAccounts.customerId, customerId)));
    const [row] = await tx
      .insert(storedValueLedger)
      .values({
        shopId,
        customerId,
        kind,
        ref,
        principalDelta: delta.principalFen,
        bonusDelta: delta.bonusFen,
        principalAfter,
        bonusAfter,
        orderId: meta.orderId ?? null,
        note: meta.note ?? null,
        actorId: meta.actorId ?? null,
      })
      .returning();
    await this.p.events.emit(tx, { shopId, type: 'stored_value.changed', payload: { customerId, kind, ref, deltaFen: moved, balanceFen: principalAfter + bonusAfter } });
    return row;
  }

  /** A paid top-up: principal in, bonus given. Once per top-up however often WeChat notifies. */
  async creditTopup(tx: Db, shopId: string, customerId: string, topupId: string, split: Split, note: string) {
    return this.post(tx, shopId, customerId, split, 'topup', topupId, { note });
  }

  /** A reward paid into the balance as bonus (spent like bonus, never refunded as cash): once per `ref`. */
  async creditReward(tx: Db, shopId: string, customerId: string, bonusFen: number, ref: string, note: string) {
    return this.post(tx, shopId, customerId, { principalFen: 0, bonusFen }, 'reward', ref, { note });
  }

  /**
   * Pays `amountFen` of an order from the balance (inside checkout's transaction). Principal and bonus go
   * in proportion to what the customer holds; the bonus share is rounded down.
   */
  async spend(tx: Db, shopId: string, customerId: string, orderId: string, amountFen: number, note: string): Promise<Split> {
    const a = await this.lock(tx, shopId, customerId);
    const total = a.principalFen + a.bonusFen;
    if (amountFen > total) throw conflict('BALANCE_INSUFFICIENT', 'Not enough member balance', { field: 'useBalance', balanceFen: total });
    const bonusFen = Math.floor((amountFen * a.bonusFen) / total);
    const split = { principalFen: amountFen - bonusFen, bonusFen };
    const row = await this.post(tx, shopId, customerId, { principalFen: -split.principalFen, bonusFen: -split.bonusFen }, 'spend', orderId, { orderId, note });
    if (!row) throw conflict('BALANCE_ALREADY_SPENT', 'This order has already been paid from the balance', { field: 'orderId' });
    return split;
  }

  /**
   * Gives part of an order's balance payment back (a refund, or all of it on cancel). Cumulative like line
   * refunds: after R of the S the order took has come back, floor(bonus·R/S) of its bonus has, so any
   * sequence of partial refunds ends with exactly the order's principal and bonus returned.
   */
  async returnToBalance(tx: Db, shopId: string, customerId: string, orderId: string, amountFen: number, kind: 'refund' | 'cancel', ref: string, note: string) {
    await this.lock(tx, shopId, customerId);
    const [t] = await rows<{ spent_p: string | null; spent_b: string | null; back_p: string | null; back_b: string | null }>(tx, sql`
      SELECT -sum(principal_delta) FILTER (WHERE kind = 'spend') AS spent_p, -sum(bonus_delta) FILTER (WHERE kind = 'spend') AS spent_b,
             sum(principal_delta) FILTER (WHERE kind IN ('refund', 'cancel')) AS back_p, sum(bonus_delta) FILTER (WHERE kind IN ('refund', 'cancel')) AS back_b
      FROM stored_value_ledger WHERE shop_id = ${shopId} AND customer_id = ${customerId} AND order_id = ${orderId}`);
    const spentP = Number(t?.spent_p ?? 0);
    const spentB = Number(t?.spent_b ?? 0);
    const backP = Number(t?.back_p ?? 0);
    const backB = Number(t?.back_b ?? 0);
    const spent = spentP + spentB;
    const back = backP + backB;
    const amount = Math.min(amountFen, spent - back);
    if (amount <= 0) return null;
    const bonusFen = (spent === 0 ? 0 : Math.floor((spentB * (back + amount)) / spent)) - backB;
    return this.post(tx, shopId, customerId, { principalFen: amount - bonusFen, bonusFen }, kind, ref, { orderId, note });
  }

  /** Staff corrections, never below 0; the reason goes on the statement. */
  async adjust(actor: Actor, customerId: string, input: { principalDeltaFen: number; bonusDeltaFen: number; reason: string }, key: string) {
    return this.p.database.transaction(async (tx) => {
      const row = await this.post(tx, actor.shopId, customerId, { principalFen: input.principalDeltaFen, bonusFen: input.bonusDeltaFen }, 'adjust', key, { note: input.reason, actorId: actor.id });
      return { posted: !!row, account: await this.account(actor.shopId, customerId, tx) };
    });
  }

  /**
   * One person, one balance: when two customers merge, the merged-away one's balance, statement and
   * top-ups move to the survivor, so refunds of moved orders find the balance they took.
   */
  async moveCustomer(tx: Db, shopId: string, fromId: string, intoId: string) {
    for (const id of [fromId, intoId].sort()) await this.lock(tx, shopId, id);
    const [from] = await tx.select().from(storedValueAccounts).where(and(eq(storedValueAccounts.shopId, shopId), eq(storedValueAccounts.customerId, fromId)));
    // A posting keyed like one of the survivor's (the same staff key) keeps its own identity.
    await tx.execute(sql`
      UPDATE stored_value_ledger l SET customer_id = ${intoId},
        ref = CASE WHEN EXISTS (SELECT 1 FROM stored_value_ledger x WHERE x.shop_id = l.shop_id AND x.customer_id = ${intoId} AND x.kind = l.kind AND x.ref = l.ref)
                   THEN l.ref || ':merged:' || ${fromId} ELSE l.ref END
      WHERE l.shop_id = ${shopId} AND l.customer_id = ${fromId}`);
    await tx.execute(sql`
      UPDATE stored_value_accounts SET principal_fen = principal_fen + ${from.principalFen}, bonus_fen = bonus_fen + ${from.bonusFen},
        topped_up_fen = topped_up_fen + ${from.toppedUpFen}, spent_fen = spent_fen + ${from.spentFen}, updated_at = now()
      WHERE shop_id = ${shopId} AND customer_id = ${intoId}`);
    await tx.update(storedValueAccounts).set({ principalFen: 0, bonusFen: 0, toppedUpFen: 0, spentFen: 0, updatedAt: new Date() }).where(and(eq(storedValueAccounts.shopId, shopId), eq(storedValueAccounts.customerId, fromId)));
    await tx.execute(sql`UPDATE topups SET customer_id = ${intoId} WHERE shop_id = ${shopId} AND customer_id = ${fromId}`);
  }

  // ---- the merchant's view ---------------------------------------------------------------------------

  /** What the shop owes its members (principal is a liability), and this month's flow. */
  async overview(shopId: string) {
    const monthStart = shopMonthStart(this.p.now());
    const [owed] = await rows<{ principal: string | null; bonus: string | null; members: number }>(this.p.db, sql`
      SELECT sum(principal_fen) AS principal, sum(bonus_fen) AS bonus, count(*) FILTER (WHERE principal_fen + bonus_fen > 0)::int AS members
      FROM stored_value_accounts WHERE shop_id = ${shopId}`);
    const [flow] = await rows<{ topped_up: string | null; bonus_given: string | null; spent: string | null; refunded: string | null }>(this.p.db, sql`
      SELECT sum(principal_delta) FILTER (WHERE kind = 'topup') AS topped_up, sum(bonus_delta) FILTER (WHERE kind = 'topup') AS bonus_given,
             -sum(principal_delta + bonus_delta) FILTER (WHERE kind = 'spend') AS spent,
             sum(principal_delta + bonus_delta) FILTER (WHERE kind IN ('refund', 'cancel')) AS refunded
      FROM stored_value_ledger WHERE shop_id = ${shopId} AND created_at >= ${monthStart}`);
    return {
      principalFen: Number(owed?.principal ?? 0),
      bonusFen: Number(owed?.bonus ?? 0),
      members: owed?.members ?? 0,
      month: { toppedUpFen: Number(flow?.topped_up ?? 0), bonusGivenFen: Number(flow?.bonus_given ?? 0), spentFen: Number(flow?.spent ?? 0), returnedFen: Number(flow?.refunded ?? 0) },
    };
  }

  /** The shop's statement (储值流水): every posting in a period, filterable by kind and customer. */
  async statement(shopId: string, q: { from?: Date; to?: Date; kind?: StoredValueKind; customerIds?: string[]; page: number; pageSize: number }) {
    const where = and(
      eq(storedValueLedger.shopId, shopId),
      q.from ? gte(storedValueLedger.createdAt, q.from) : undefined,
      q.to ? lte(storedValueLedger.createdAt, q.to) : undefined,
      q.kind ? eq(storedValueLedger.kind, q.kind) : undefined,
      q.customerIds ? (q.customerIds.length ? inArray(storedValueLedger.customerId, q.customerIds) : sql`false`) : undefined,
    );
    const [items, [count]] = await Promise.all([
      this.p.db.select().from(storedValueLedger).where(where).orderBy(desc(storedValueLedger.id)).limit(q.pageSize).offset((q.page - 1) * q.pageSize),
      this.p.db.select({ n: sql<number>`count(*)::int` }).from(storedValueLedger).where(where),
    ]);
    return { items: items.map(present), total: count.n, page: q.page, pageSize: q.pageSize };
  }

  /** The statement as an Excel sheet, for the accountant. */
  async exportStatement(shopId: string, q: { from?: Date; to?: Date; kind?: StoredValueKind; customerIds?: string[] }, phones: (ids: string[]) => Promise<Map<string, string | null>>) {
    const all = await this.statement(shopId, { ...q, page: 1, pageSize: 100_000 });
    const phoneOf = await phones([...new Set(all.items.map((i) => i.customerId))]);
    const wb = new ExcelJS.Workbook();
    const ws = addSheet(wb, '储值流水', [
      { header: '时间', key: 'at', width: 20 },
      { header: '客户手机号', key: 'phone', width: 15 },
      { header: '类型', key: 'kind', width: 10 },
      { header: '本金变动(元)', key: 'p', width: 14 },
      { header: '赠送金变动(元)', key: 'b', width: 14 },
      { header: '本金余额(元)', key: 'pa', width: 14 },
      { header: '赠送金余额(元)', key: 'ba', width: 14 },
      { header: '说明', key: 'note', width: 30 },
    ]);
    for (const i of all.items) {
      ws.addRow({
        at: beijingTime(i.createdAt),
        phone: phoneOf.get(i.customerId) ?? '',
        kind: KIND_LABELS[i.kind],
        p: yuan(i.principalDeltaFen),
        b: yuan(i.bonusDeltaFen),
        pa: yuan(i.principalAfterFen),
        ba: yuan(i.bonusAfterFen),
        note: i.note ?? '',
      });
    }
    return xlsxBuffer(wb);
  }
}

function present(l: StoredValuePosting) {
  return {
    id: l.id,
    customerId: l.customerId,
    kind: l.kind,
    kindLabel: KIND_LABELS[l.kind],
    ref: l.ref,
    orderId: l.orderId,
    principalDeltaFen: l.principalDelta,
    bonusDeltaFen: l.bonusDelta,
    deltaFen: l.principalDelta + l.bonusDelta,
    principalAfterFen: l.principalAfter,
    bonusAfterFen: l.bonusAfter,
    balanceAfterFen: l.principalAfter + l.bonusAfter,
    note: l.note,
    createdAt: l.createdAt.toISOString(),
  };
}

/** The first instant of this month in China time (the shop's books are kept in UTC+8). */
function shopMonthStart(now: Date) {
  const local = new Date(now.getTime() + 8 * 3600_000);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - 8 * 3600_000);
}
