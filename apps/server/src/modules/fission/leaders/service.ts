import { maskPhone, type LeaderApplyInput, type LeaderSettingsInput } from '@siyu/contracts';
import { systemActor, type Actor, type Platform } from '../../../platform/context.js';
import { rows, sql, type Db } from '../../../platform/db/index.js';
import { conflict, notFound } from '../../../platform/errors.js';
import type { FissionDeps } from '../deps.js';
import { addDays, batchOf, batchWindow, beijingDay, endOfDay } from './batch.js';

export type LeaderSettings = LeaderSettingsInput;
export type LeaderStatus = 'pending' | 'approved' | 'rejected' | 'disabled';

const DEFAULTS: LeaderSettings = { enabled: false, commissionBp: 500, cutoffTime: '22:00', pickupAfterDays: 1, autoApprove: false };
const DAY = 86_400_000;

interface LeaderRow {
  shop_id: string;
  customer_id: string;
  status: LeaderStatus;
  name: string;
  phone: string;
  point_name: string;
  address: string;
  latitude: string | number | null;
  longitude: string | number | null;
  hours: string | null;
  pickup_point_id: string | null;
  reject_reason: string | null;
  applied_at: string | Date;
  reviewed_at: string | Date | null;
}

interface CommissionRow {
  id: string;
  leader_id: string;
  kind: 'order' | 'adjustment';
  order_id: string;
  order_no: string;
  paid_fen: number;
  refunded_fen: number;
  rate_bp: number;
  amount_fen: number;
  settled_fen: number | null;
  status: 'unsettled' | 'settled';
  settlement_id: string | null;
  accrued_at: string | Date;
}

interface SettlementRow {
  id: string;
  settlement_no: string;
  leader_id: string;
  period_from: string;
  period_to: string;
  orders: number;
  commission_fen: number;
  status: 'open' | 'paid';
  note: string | null;
  paid_at: string | Date | null;
  created_at: string | Date;
}

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
const num = (v: string | number | null) => (v === null ? null : Number(v));

/** A commission on a paid amount less refunds, rounded down. Pure. */
export function leaderCommission(paidFen: number, refundedFen: number, rateBp: number) {
  return Math.floor((Math.max(0, paidFen - refundedFen) * rateBp) / 10_000);
}

/**
 * 社区团长. A customer applies to run a pickup point; approval (by staff, or at once if the shop says so)
 * creates the point through shipping. Customers choose their leader, nearest first. Orders for pickup at a
 * leader's point are picked per cut-off batch; the leader verifies pickups there (orders service) and earns
 * commission on verified pickups only, reduced pro rata by refunds (after settlement, as a negative
 * adjustment carried into the next one). Settlements run once per (leader, period end).
 */
export class LeaderService {
  constructor(
    private p: Platform,
    private d: FissionDeps,
  ) {}

  // ---- settings -----------------------------------------------------------------------------------

  async settings(shopId: string, db: Db = this.p.db): Promise<LeaderSettings> {
    const [r] = await rows<Record<string, unknown>>(db, sql`SELECT * FROM leader_settings WHERE shop_id = ${shopId}`);
    if (!r) return { ...DEFAULTS };
    return { enabled: r.enabled as boolean, commissionBp: r.commission_bp as number, cutoffTime: r.cutoff_time as string, pickupAfterDays: r.pickup_after_days as number, autoApprove: r.auto_approve as boolean };
  }

  async saveSettings(actor: Actor, input: LeaderSettings) {
    return this.p.database.transaction(async (tx) => {
      const before = await this.settings(actor.shopId, tx);
      await tx.execute(sql`
        INSERT INTO leader_settings (shop_id, enabled, commission_bp, cutoff_time, pickup_after_days, auto_approve, updated_at)
        VALUES (${actor.shopId}, ${input.enabled}, ${input.commissionBp}, ${input.cutoffTime}, ${input.pickupAfterDays}, ${input.autoApprove}, now())
        ON CONFLICT (shop_id) DO UPDATE SET enabled = EXCLUDED.enabled, commission_bp = EXCLUDED.commission_bp, cutoff_time = EXCLUDED.cutoff_time,
          pickup_after_days = EXCLUDED.pickup_after_days, auto_approve = EXCLUDED.auto_approve, updated_at = now()`);
      return { before, after: await this.settings(actor.shopId, tx) };
    });
  }

  // ---- applications and review ----------------------------------------------------------------------

  private async row(shopId: string, customerId: string, db: Db = this.p.db, lock = false) {
    const [r] = await rows<LeaderRow>(db, sql`SELECT * FROM leaders WHERE shop_id = ${shopId} AND customer_id = ${customerId} ${lock ? sql`FOR UPDATE` : sql``}`);
    return r;
  }

  private async mustRow(shopId: string, customerId: string, db: Db = this.p.db, lock = false) {
    const r = await this.row(shopId, customerId, db, lock);
    if (!r) throw notFound('Leader', { field: 'customerId' });
    return r;
  }

  /** One application per customer; a rejected one may be sent again. Approved at once where the shop says so. */
  async apply(shopId: string, customerId: string, input: LeaderApplyInput) {
    const s = await this.settings(shopId);
    if (!s.enabled) throw conflict('LEADERS_DISABLED', 'The shop does not take community leaders', { field: 'enabled' });
    await this.d.customers.getCustomer(shopId, customerId);
    await this.p.database.transaction(async (tx) => {
      const now = this.p.now();
      const [inserted] = await rows<LeaderRow>(tx, sql`
        INSERT INTO leaders (shop_id, customer_id, status, name, phone, point_name, address, latitude, longitude, hours, applied_at)
        VALUES (${shopId}, ${customerId}, 'pending', ${input.name}, ${input.phone}, ${input.pointName}, ${input.address}, ${input.latitude ?? null}, ${input.longitude ?? null}, ${input.hours ?? null}, ${now})
        ON CONFLICT (shop_id, customer_id) DO UPDATE SET status = 'pending', name = EXCLUDED.name, phone = EXCLUDED.phone, point_name = EXCLUDED.point_name,
          address = EXCLUDED.address, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude, hours = EXCLUDED.hours, applied_at = EXCLUDED.applied_at,
          reject_reason = NULL, reviewed_at = NULL, reviewed_by = NULL
        WHERE leaders.status = 'rejected'
        RETURNING *`);
      if (!inserted) throw conflict('LEADER_APPLICATION_EXISTS', 'You have already applied', { field: 'customerId' });
    });
    if (s.autoApprove) await this.review(systemActor(shopId), customerId, 'approve');
    return this.centre(shopId, customerId);
  }

  /**
   * approve (pending, rejected or disabled → approved: the point is created, or set active again), reject
   * (pending → rejected), disable (approved → disabled: the point is set inactive; past commission stays).
   */
  async review(actor: Actor, customerId: string, action: 'approve' | 'reject' | 'disable', reason?: string) {
    const shopId = actor.shopId;
    const before = await this.mustRow(shopId, customerId);
    const allowed: Record<typeof action, LeaderStatus[]> = { approve: ['pending', 'rejected', 'disabled'], reject: ['pending'], disable: ['approved'] };
    if (!allowed[action].includes(before.status)) throw conflict('LEADER_STATE_INVALID', `The leader is ${before.status}`, { field: 'status', status: before.status });
    const to: LeaderStatus = action === 'approve' ? 'approved' : action === 'reject' ? 'rejected' : 'disabled';

    // The point is shipping's: it is written in shipping's own transaction, before the leader's row moves.
    let pointId = before.pickup_point_id;
    let created = false;
    if (action === 'approve') {
      if (pointId) await this.d.shipping.updatePickupPoint(actor, pointId, { active: true, name: `团长·${before.name}`, address: before.address, phone: before.phone, hours: before.hours });
      else {
        const point = await this.d.shipping.createPickupPoint(actor, { name: `团长·${before.name}`, address: before.address, phone: before.phone, hours: before.hours, active: true });
        pointId = point!.id;
        created = true;
      }
    }
    const after = await this.p.database.transaction(async (tx) => {
      const [r] = await rows<LeaderRow>(tx, sql`
        UPDATE leaders SET status = ${to}, pickup_point_id = ${pointId}, reviewed_at = ${this.p.now()}, reviewed_by = ${`${actor.type}:${actor.id}`},
          reject_reason = ${action === 'reject' ? (reason ?? null) : null}
        WHERE shop_id = ${shopId} AND customer_id = ${customerId} AND status = ${before.status}
        RETURNING *`);
      return r;
    });
    if (!after) {
      // Reviewed twice at once: the other review won; a point this one made is not left serving customers.
      if (created && pointId) await this.d.shipping.updatePickupPoint(actor, pointId, { active: false });
      throw conflict('LEADER_STATE_INVALID', 'The leader changed meanwhile, try again', { field: 'status' });
    }
    if (action === 'disable' && pointId) await this.d.shipping.updatePickupPoint(actor, pointId, { active: false });
    return { before: presentLeader(before), after: presentLeader(after) };
  }

  // ---- customers choosing a leader ---------------------------------------------------------------------

  /** Approved leaders with an active point, nearest first (haversine, metres) when the customer says where they are. */
  async nearby(shopId: string, at: { lat?: number; lng?: number }) {
    const hasAt = at.lat !== undefined && at.lng !== undefined;
    const distance = hasAt
      ? sql`CASE WHEN latitude IS NULL OR longitude IS NULL THEN NULL ELSE 2 * 6371000 * asin(least(1, sqrt(
          power(sin(radians(latitude::float8 - ${at.lat}::float8) / 2), 2)
          + cos(radians(${at.lat}::float8)) * cos(radians(latitude::float8)) * power(sin(radians(longitude::float8 - ${at.lng}::float8) / 2), 2)))) END`
      : sql`NULL::float8`;
    const list = await rows<LeaderRow & { distance: number | null }>(this.p.db, sql`
      SELECT *, ${distance} AS distance FROM leaders
      WHERE shop_id = ${shopId} AND status = 'approved' AND pickup_point_id IS NOT NULL
      ORDER BY distance ASC NULLS LAST, name, customer_id LIMIT 50`);
    return {
      items: list.map((r) => ({
        customerId: r.customer_id, name: r.name, pointName: r.point_name, address: r.address, hours: r.hours, pickupPointId: r.pickup_point_id,
        latitude: num(r.latitude), longitude: num(r.longitude), distanceMeters: r.distance === null ? null : Math.round(Number(r.distance)),
      })),
    };
  }

  /** The customer's leader (one per customer); every change is kept in the history. */
  async choose(shopId: string, customerId: string, leaderId: string) {
    const leader = await this.row(shopId, leaderId);
    if (!leader || leader.status !== 'approved' || !leader.pickup_point_id) throw notFound('Leader', { field: 'leaderId' });
    await this.p.database.transaction(async (tx) => {
      const now = this.p.now();
      const [prev] = await rows<{ leader_id: string }>(tx, sql`SELECT leader_id FROM leader_customers WHERE shop_id = ${shopId} AND customer_id = ${customerId} FOR UPDATE`);
      if (prev?.leader_id === leaderId) return;
      await tx.execute(sql`
        INSERT INTO leader_customers (shop_id, customer_id, leader_id, chosen_at) VALUES (${shopId}, ${customerId}, ${leaderId}, ${now})
        ON CONFLICT (shop_id, customer_id) DO UPDATE SET leader_id = EXCLUDED.leader_id, chosen_at = EXCLUDED.chosen_at`);
      await tx.execute(sql`
        INSERT INTO leader_customer_history (shop_id, customer_id, from_leader_id, to_leader_id, at) VALUES (${shopId}, ${customerId}, ${prev?.leader_id ?? null}, ${leaderId}, ${now})`);
    });
    return this.myLeader(shopId, customerId);
  }

  async myLeader(shopId: string, customerId: string) {
    const s = await this.settings(shopId);
    const [r] = await rows<LeaderRow>(this.p.db, sql`
      SELECT l.* FROM leader_customers c JOIN leaders l ON l.shop_id = c.shop_id AND l.customer_id = c.leader_id
      WHERE c.shop_id = ${shopId} AND c.customer_id = ${customerId} AND l.status = 'approved'`);
    const batch = batchOf(this.p.now(), s.cutoffTime, s.pickupAfterDays);
    return {
      mine: r ? { customerId: r.customer_id, name: r.name, pointName: r.point_name, address: r.address, hours: r.hours, pickupPointId: r.pickup_point_id } : null,
      cutoffTime: s.cutoffTime,
      nextCutoffAt: batch.cutoffAt.toISOString(),
      pickupDate: batch.pickupDate,
    };
  }

  /** Who changed to or from which leader, for support. */
  async choiceHistory(shopId: string, customerId: string) {
    const list = await rows<{ from_leader_id: string | null; to_leader_id: string; at: string | Date }>(this.p.db, sql`
      SELECT from_leader_id, to_leader_id, at FROM leader_customer_history WHERE shop_id = ${shopId} AND customer_id = ${customerId} ORDER BY id`);
    return list.map((h) => ({ fromLeaderId: h.from_leader_id, toLeaderId: h.to_leader_id, at: iso(h.at) }));
  }

  // ---- the leader centre -----------------------------------------------------------------------------

  async centre(shopId: string, customerId: string) {
    const s = await this.settings(shopId);
    const r = await this.row(shopId, customerId);
    const stats = { customers: 0, ordersToPick: 0, verifiedToday: 0, commissionFen: 0, unsettledFen: 0 };
    if (r?.status === 'approved' && r.pickup_point_id) {
      const [agg] = await this.aggregates(shopId, [customerId]);
      const now = this.p.now();
      // Still to pick: paid in the last 60 days (a batch older than that is long overdue and dealt with by staff).
      const open = await this.d.orders.paidPickupOrdersAt(shopId, r.pickup_point_id, new Date(now.getTime() - 60 * DAY), new Date(now.getTime() + DAY));
      const today = beijingDay(now);
      Object.assign(stats, {
        customers: agg?.customers ?? 0,
        ordersToPick: open.filter((o) => o.status === 'paid' && !o.fulfilmentHold).length,
        verifiedToday: open.filter((o) => o.status === 'completed' && o.completedAt && beijingDay(new Date(o.completedAt)) === today).length,
        commissionFen: agg?.commissionFen ?? 0,
        unsettledFen: agg?.unsettledFen ?? 0,
      });
    }
    return {
      status: r?.status ?? ('none' as const),
      application: r ? presentLeader(r) : null,
      canApply: s.enabled && (!r || r.status === 'rejected'),
      stats,
      settings: { cutoffTime: s.cutoffTime, commissionBp: s.commissionBp, pickupAfterDays: s.pickupAfterDays },
    };
  }

  private async approvedLeader(shopId: string, customerId: string) {
    const r = await this.row(shopId, customerId);
    if (!r || r.status !== 'approved' || !r.pickup_point_id) throw conflict('LEADER_STATE_INVALID', 'You are not an approved leader', { field: 'status', status: r?.status ?? 'none' });
    return r as LeaderRow & { pickup_point_id: string };
  }

  /** 核销 by the leader at their own point; a code of another point is unknown (404). */
  async verify(shopId: string, leaderId: string, code: string) {
    const r = await this.approvedLeader(shopId, leaderId);
    const { after } = await this.d.orders.verifyPickupAt(shopId, code, r.pickup_point_id, { type: 'customer', id: leaderId });
    return {
      orderId: after.id, orderNo: after.orderNo, status: after.status, paidFen: after.paidFen, completedAt: iso(after.completedAt),
      items: (await this.d.orders.linesOf(shopId, after.id)).map((l) => ({ title: l.title, quantity: l.quantity })),
    };
  }

  async myPickList(shopId: string, leaderId: string, date: string) {
    await this.approvedLeader(shopId, leaderId);
    return this.pickList(shopId, leaderId, date);
  }

  async myCommissions(shopId: string, leaderId: string, page: number, pageSize: number) {
    const where = sql`shop_id = ${shopId} AND leader_id = ${leaderId}`;
    const [{ n }] = await rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM leader_commissions WHERE ${where}`);
    const list = await rows<CommissionRow>(this.p.db, sql`SELECT * FROM leader_commissions WHERE ${where} ORDER BY accrued_at DESC, id LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`);
    return { items: list.map(presentCommission), total: n, page, pageSize };
  }

  async mySettlements(shopId: string, leaderId: string, page: number, pageSize: number) {
    return this.settlements(shopId, { page, pageSize }, leaderId);
  }

  // ---- pick lists --------------------------------------------------------------------------------

  /** The batch whose cut-off is on `date`: what to pick (per SKU) and the orders, for one leader's point. */
  /** Today in Beijing (YYYY-MM-DD): the pick list's batch when none is asked for. */
  today() {
    return new Date(this.p.now().getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  }

  async pickList(shopId: string, leaderId: string, date: string) {
    const r = await this.mustRow(shopId, leaderId);
    const s = await this.settings(shopId);
    const window = batchWindow(date, s.cutoffTime);
    const list = r.pickup_point_id ? await this.d.orders.paidPickupOrdersAt(shopId, r.pickup_point_id, window.from, window.to) : [];
    const names = await this.d.customers.summaries(shopId, [...new Set(list.map((o) => o.customerId))]);
    const lines = new Map<string, { skuId: string; title: string; specText: string; quantity: number; orders: number }>();
    // Held orders (a group not yet formed) are not picked until their hold lifts.
    for (const o of list.filter((o) => !o.fulfilmentHold)) {
      for (const i of o.items) {
        const qty = i.quantity - i.refundedQty;
        if (qty <= 0) continue;
        const line = lines.get(i.skuId) ?? { skuId: i.skuId, title: i.title, specText: i.specText, quantity: 0, orders: 0 };
        line.quantity += qty;
        line.orders += 1;
        lines.set(i.skuId, line);
      }
    }
    return {
      leader: { customerId: r.customer_id, name: r.name, pointName: r.point_name, address: r.address, pickupPointId: r.pickup_point_id },
      batchDate: date,
      pickupDate: addDays(date, s.pickupAfterDays),
      window: { from: window.from.toISOString(), to: window.to.toISOString() },
      lines: [...lines.values()].sort((a, b) => a.title.localeCompare(b.title, 'zh') || a.specText.localeCompare(b.specText, 'zh')),
      orders: list.map((o) => {
        const c = names.get(o.customerId);
        return {
          orderId: o.id, orderNo: o.orderNo, customerNickname: c?.nickname ?? null, phone: c?.phone ? maskPhone(c.phone) : null,
          items: o.items.map((i) => ({ skuId: i.skuId, title: i.title, specText: i.specText, quantity: i.quantity - i.refundedQty })),
          status: o.status, onHold: !!o.fulfilmentHold, paidAt: iso(o.paidAt), paidFen: o.paidFen,
        };
      }),
    };
  }

  // ---- commission ----------------------------------------------------------------------------------

  /** A verified pickup at an approved leader's point earns the leader commission, once per order (subscriber of order.completed). */
  async onCompleted(tx: Db, shopId: string, payload: { orderId: string; pickup?: boolean }) {
    if (!payload.pickup) return;
    const order = await this.d.orders.get(shopId, payload.orderId, tx);
    const pointId = order.pickupPoint?.id;
    if (order.fulfilment !== 'pickup' || order.status !== 'completed' || !pointId) return;
    const [leader] = await rows<LeaderRow>(tx, sql`SELECT * FROM leaders WHERE shop_id = ${shopId} AND pickup_point_id = ${pointId} AND status = 'approved'`);
    if (!leader) return;
    const s = await this.settings(shopId, tx);
    const amount = leaderCommission(order.paidFen, order.refundedFen, s.commissionBp);
    await tx.execute(sql`
      INSERT INTO leader_commissions (shop_id, leader_id, kind, order_id, order_no, pickup_point_id, paid_fen, refunded_fen, rate_bp, amount_fen, accrued_at)
      VALUES (${shopId}, ${leader.customer_id}, 'order', ${order.id}, ${order.orderNo}, ${pointId}, ${order.paidFen}, ${order.refundedFen}, ${s.commissionBp}, ${amount}, ${order.completedAt ?? this.p.now()})
      ON CONFLICT (shop_id, order_id) WHERE kind = 'order' DO NOTHING`);
  }

  /**
   * A refund reduces the order's commission pro rata (never below 0). The order's refunded total is read
   * afresh, so a replayed event changes nothing. Once settled, the reduction becomes a negative adjustment
   * carried into the leader's next settlement.
   */
  async onRefunded(tx: Db, shopId: string, payload: { orderId: string }) {
    const [c] = await rows<CommissionRow>(tx, sql`SELECT * FROM leader_commissions WHERE shop_id = ${shopId} AND order_id = ${payload.orderId} AND kind = 'order' FOR UPDATE`);
    if (!c) return;
    const order = await this.d.orders.get(shopId, payload.orderId, tx);
    if (order.refundedFen <= c.refunded_fen) return;
    const target = Math.min(c.amount_fen, leaderCommission(c.paid_fen, order.refundedFen, c.rate_bp));
    await tx.execute(sql`UPDATE leader_commissions SET refunded_fen = ${order.refundedFen}, amount_fen = ${target} WHERE id = ${c.id}`);
    const delta = target - c.amount_fen;
    if (c.status === 'settled' && delta < 0) {
      await tx.execute(sql`
        INSERT INTO leader_commissions (shop_id, leader_id, kind, order_id, order_no, pickup_point_id, paid_fen, refunded_fen, rate_bp, amount_fen, accrued_at)
        SELECT shop_id, leader_id, 'adjustment', order_id, order_no, pickup_point_id, paid_fen, ${order.refundedFen}, rate_bp, ${delta}, ${this.p.now()}
        FROM leader_commissions WHERE id = ${c.id}`);
    }
  }

  // ---- settlements ---------------------------------------------------------------------------------

  /**
   * Settles every leader's unsettled commission that accrued up to the end of `periodTo` (Beijing), one
   * transaction and one settlement per leader, once per (leader, periodTo). A leader whose rows come to less
   * than zero (refunds after settlement) carries them to a later settlement.
   */
  /**
   * Settles every leader's unsettled commission up to `periodTo` in one transaction (the run and its audit entry
   * commit together): one settlement per leader and period, so a second run of the same period writes nothing.
   */
  async run(actor: Actor, periodTo: string) {
    const shopId = actor.shopId;
    const until = endOfDay(periodTo);
    return this.p.database.transaction(async (tx) => {
      const list = await rows<CommissionRow>(tx, sql`
        SELECT * FROM leader_commissions WHERE shop_id = ${shopId} AND status = 'unsettled' AND accrued_at < ${until}
        ORDER BY leader_id, accrued_at, id FOR UPDATE`);
      const byLeader = new Map<string, CommissionRow[]>();
      for (const c of list) byLeader.set(c.leader_id, [...(byLeader.get(c.leader_id) ?? []), c]);
      const created: string[] = [];
      for (const [leaderId, mine] of byLeader) {
        const total = mine.reduce((sum, c) => sum + Number(c.amount_fen), 0);
        // A leader who owes (refunds after an earlier settlement) waits until new commission covers it.
        if (total < 0) continue;
        const from = mine.map((c) => beijingDay(new Date(c.accrued_at))).sort()[0]!;
        const no = `LS${periodTo.replaceAll('-', '')}${leaderId.replaceAll('-', '').slice(0, 8).toUpperCase()}`;
        const [s] = await rows<{ id: string }>(tx, sql`
          INSERT INTO leader_settlements (shop_id, settlement_no, leader_id, period_from, period_to, orders, commission_fen, created_at)
          VALUES (${shopId}, ${no}, ${leaderId}, ${from}, ${periodTo}, ${new Set(mine.filter((c) => c.kind === 'order').map((c) => c.order_id)).size}, ${total}, ${this.p.now()})
          ON CONFLICT (shop_id, leader_id, period_to) DO NOTHING RETURNING id`);
        if (!s) continue;
        await tx.execute(sql`
          UPDATE leader_commissions SET status = 'settled', settlement_id = ${s.id}, settled_fen = amount_fen
          WHERE id = ANY(${`{${mine.map((c) => c.id).join(',')}}`}::uuid[])`);
        created.push(s.id);
      }
      return { periodTo, created: created.length, settlementIds: created };
    });
  }

  async markPaid(actor: Actor, id: string, note?: string) {
    return this.p.database.transaction(async (tx) => {
      const [before] = await rows<SettlementRow>(tx, sql`SELECT * FROM leader_settlements WHERE shop_id = ${actor.shopId} AND id = ${id} FOR UPDATE`);
      if (!before) throw notFound('Settlement', { field: 'id' });
      if (before.status !== 'open') throw conflict('LEADER_SETTLEMENT_STATE_INVALID', `The settlement is ${before.status}`, { field: 'status', status: before.status });
      const [after] = await rows<SettlementRow>(tx, sql`
        UPDATE leader_settlements SET status = 'paid', paid_at = ${this.p.now()}, paid_by = ${`${actor.type}:${actor.id}`}, note = ${note ?? null}
        WHERE id = ${id} RETURNING *`);
      const names = await this.names(actor.shopId, [before.leader_id], tx);
      return { before: presentSettlement(before, names), after: presentSettlement(after!, names) };
    });
  }

  async settlements(shopId: string, q: { status?: 'open' | 'paid'; page: number; pageSize: number }, leaderId?: string) {
    const where = sql`shop_id = ${shopId} ${q.status ? sql`AND status = ${q.status}` : sql``} ${leaderId ? sql`AND leader_id = ${leaderId}` : sql``}`;
    const [{ n }] = await rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM leader_settlements WHERE ${where}`);
    const list = await rows<SettlementRow>(this.p.db, sql`
      SELECT * FROM leader_settlements WHERE ${where} ORDER BY created_at DESC, id LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`);
    const names = await this.names(shopId, [...new Set(list.map((s) => s.leader_id))]);
    return { items: list.map((s) => presentSettlement(s, names)), total: n, page: q.page, pageSize: q.pageSize };
  }

  async settlementCommissions(shopId: string, settlementId: string) {
    const [found] = await rows<{ id: string }>(this.p.db, sql`SELECT id FROM leader_settlements WHERE shop_id = ${shopId} AND id = ${settlementId}`);
    if (!found) throw notFound('Settlement', { field: 'id' });
    const list = await rows<CommissionRow>(this.p.db, sql`SELECT * FROM leader_commissions WHERE shop_id = ${shopId} AND settlement_id = ${settlementId} ORDER BY accrued_at, id`);
    return list.map(presentCommission);
  }

  private async names(shopId: string, leaderIds: string[], db: Db = this.p.db) {
    if (!leaderIds.length) return new Map<string, string>();
    const list = await rows<{ customer_id: string; name: string }>(db, sql`
      SELECT customer_id, name FROM leaders WHERE shop_id = ${shopId} AND customer_id = ANY(${`{${leaderIds.join(',')}}`}::uuid[])`);
    return new Map(list.map((l) => [l.customer_id, l.name]));
  }

  // ---- console reading ---------------------------------------------------------------------------------

  private async aggregates(shopId: string, leaderIds: string[]) {
    if (!leaderIds.length) return [];
    const ids = `{${leaderIds.join(',')}}`;
    const list = await rows<{ leader_id: string; customers: number; orders_verified: number; commission_fen: number; unsettled_fen: number }>(this.p.db, sql`
      SELECT l.id AS leader_id,
        (SELECT count(*)::int FROM leader_customers c WHERE c.shop_id = ${shopId} AND c.leader_id = l.id) AS customers,
        (SELECT count(*)::int FROM leader_commissions m WHERE m.shop_id = ${shopId} AND m.leader_id = l.id AND m.kind = 'order') AS orders_verified,
        (SELECT coalesce(sum(m.amount_fen), 0)::int FROM leader_commissions m WHERE m.shop_id = ${shopId} AND m.leader_id = l.id AND m.kind = 'order') AS commission_fen,
        (SELECT coalesce(sum(m.amount_fen), 0)::int FROM leader_commissions m WHERE m.shop_id = ${shopId} AND m.leader_id = l.id AND m.status = 'unsettled') AS unsettled_fen
      FROM unnest(${ids}::uuid[]) AS l(id)`);
    return leaderIds.map((id) => {
      const a = list.find((x) => x.leader_id === id);
      return { leaderId: id, customers: a?.customers ?? 0, ordersVerified: a?.orders_verified ?? 0, commissionFen: Number(a?.commission_fen ?? 0), unsettledFen: Number(a?.unsettled_fen ?? 0) };
    });
  }

  async list(shopId: string, q: { status?: LeaderStatus; q?: string; page: number; pageSize: number }) {
    const term = q.q?.replace(/[%_\\]/g, '');
    const where = sql`shop_id = ${shopId} ${q.status ? sql`AND status = ${q.status}` : sql``}
      ${term ? sql`AND (name ILIKE ${`%${term}%`} OR point_name ILIKE ${`%${term}%`} OR phone LIKE ${`%${term}%`})` : sql``}`;
    const [{ n }] = await rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM leaders WHERE ${where}`);
    const list = await rows<LeaderRow>(this.p.db, sql`SELECT * FROM leaders WHERE ${where} ORDER BY applied_at DESC, customer_id LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`);
    const aggs = await this.aggregates(shopId, list.map((r) => r.customer_id));
    return {
      items: list.map((r, i) => {
        const a = aggs[i]!;
        return { ...presentLeader(r), pointName: r.point_name, customers: a.customers, ordersVerified: a.ordersVerified, commissionFen: a.commissionFen, unsettledFen: a.unsettledFen };
      }),
      total: n,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  async detail(shopId: string, customerId: string) {
    const r = await this.mustRow(shopId, customerId);
    const [a] = await this.aggregates(shopId, [customerId]);
    return { ...presentLeader(r), customers: a!.customers, ordersVerified: a!.ordersVerified, commissionFen: a!.commissionFen, unsettledFen: a!.unsettledFen };
  }

  async overview(shopId: string) {
    const since = new Date(this.p.now().getTime() - 30 * DAY);
    const [counts] = await rows<{ leaders: number; pending: number }>(this.p.db, sql`
      SELECT count(*) FILTER (WHERE status = 'approved')::int AS leaders, count(*) FILTER (WHERE status = 'pending')::int AS pending FROM leaders WHERE shop_id = ${shopId}`);
    const [money] = await rows<{ verified: number; commission: number; unsettled: number }>(this.p.db, sql`
      SELECT count(*) FILTER (WHERE kind = 'order' AND accrued_at >= ${since})::int AS verified,
             coalesce(sum(amount_fen) FILTER (WHERE accrued_at >= ${since}), 0)::int AS commission,
             coalesce(sum(amount_fen) FILTER (WHERE status = 'unsettled'), 0)::int AS unsettled
      FROM leader_commissions WHERE shop_id = ${shopId}`);
    const ranking = await rows<{ leader_id: string; orders: number; commission: number }>(this.p.db, sql`
      SELECT leader_id, count(*) FILTER (WHERE kind = 'order')::int AS orders, coalesce(sum(amount_fen), 0)::int AS commission
      FROM leader_commissions WHERE shop_id = ${shopId} AND accrued_at >= ${since}
      GROUP BY leader_id ORDER BY commission DESC, orders DESC LIMIT 10`);
    const names = await this.names(shopId, ranking.map((r) => r.leader_id));
    return {
      leaders: counts?.leaders ?? 0, pendingApplications: counts?.pending ?? 0, verifiedOrders30d: money?.verified ?? 0, commissionFen30d: Number(money?.commission ?? 0),
      unsettledFen: Number(money?.unsettled ?? 0),
      ranking: ranking.map((r) => ({ customerId: r.leader_id, name: names.get(r.leader_id) ?? null, orders: r.orders, commissionFen: Number(r.commission) })),
    };
  }
}

function presentLeader(r: LeaderRow) {
  return {
    customerId: r.customer_id, name: r.name, phone: maskPhone(r.phone), status: r.status, pickupPointId: r.pickup_point_id, pointName: r.point_name, address: r.address,
    latitude: num(r.latitude), longitude: num(r.longitude), hours: r.hours, appliedAt: iso(r.applied_at), reviewedAt: iso(r.reviewed_at), rejectReason: r.reject_reason,
  };
}

function presentCommission(c: CommissionRow) {
  return {
    id: c.id, kind: c.kind, orderId: c.order_id, orderNo: c.order_no, paidFen: c.paid_fen, refundedFen: c.refunded_fen, rateBp: c.rate_bp, amountFen: Number(c.amount_fen),
    settledFen: c.settled_fen === null ? null : Number(c.settled_fen), status: c.status, settlementId: c.settlement_id, accruedAt: iso(c.accrued_at),
  };
}

function presentSettlement(s: SettlementRow, names: Map<string, string>) {
  return {
    id: s.id, settlementNo: s.settlement_no, customerId: s.leader_id, leaderName: names.get(s.leader_id) ?? null, periodFrom: s.period_from, periodTo: s.period_to,
    orders: s.orders, commissionFen: Number(s.commission_fen), status: s.status, note: s.note, paidAt: iso(s.paid_at), createdAt: iso(s.created_at),
  };
}
