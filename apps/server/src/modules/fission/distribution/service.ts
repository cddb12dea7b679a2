import type { DistributionSettingsInput } from '@siyu/contracts';
import type { Actor, Platform } from '../../../platform/context.js';
import { rows, sql, type Db } from '../../../platform/db/index.js';
import { conflict, notFound } from '../../../platform/errors.js';
import type { FissionDeps } from '../deps.js';
import type { SceneService } from '../share/scenes.js';
import { iso, post } from './ledger.js';
import { WithdrawalService } from './withdrawals.js';

export interface DistributionSettings {
  enabled: boolean;
  eligibility: 'everyone' | 'apply' | 'spend';
  spendThresholdFen: number;
  bindingMode: 'first_click' | 'last_click' | 'permanent';
  bindingDays: number | null;
  newCustomersOnly: boolean;
  tiers: 1 | 2;
  level1Bp: number;
  level2Bp: number;
  afterSaleDays: number;
  withdrawMinFen: number;
  withdrawFeeBp: number;
  withdrawReview: boolean;
}

export const DEFAULT_SETTINGS: DistributionSettings = {
  enabled: false, eligibility: 'everyone', spendThresholdFen: 0, bindingMode: 'first_click', bindingDays: 30, newCustomersOnly: false,
  tiers: 2, level1Bp: 1000, level2Bp: 500, afterSaleDays: 7, withdrawMinFen: 100, withdrawFeeBp: 0, withdrawReview: true,
};

export type PromoterStatus = 'pending' | 'approved' | 'rejected' | 'disabled';

/** What the share service gives back for a scene it signed (helper S's SceneService.resolve). */
export interface ResolvedScene {
  kind: string;
  targetId: string | null;
  sharerCustomerId: string | null;
  createdAt: Date | string;
}
interface SceneLookup {
  resolve(shopId: string, scene: string): Promise<ResolvedScene | null>;
}

export interface PromoterRow {
  shop_id: string;
  customer_id: string;
  status: PromoterStatus;
  real_name: string | null;
  phone: string | null;
  reject_reason: string | null;
  applied_at: string | Date;
  reviewed_at: string | Date | null;
  frozen_fen: number;
  payable_fen: number;
  withdrawing_fen: number;
  paid_fen: number;
  clawed_fen: number;
  earned_fen: number;
}

interface CommissionRow {
  id: string;
  shop_id: string;
  order_id: string;
  order_no: string;
  order_item_id: string;
  product_id: string;
  product_title: string;
  buyer_id: string;
  promoter_id: string;
  tier: number;
  mode: 'percent' | 'fixed';
  rate: number;
  base_fen: number;
  quantity: number;
  amount_fen: number;
  refunded_fen: number;
  refunded_qty: number;
  clawed_fen: number;
  status: 'frozen' | 'payable' | 'cancelled';
  thaw_at: string | Date | null;
  thawed_at: string | Date | null;
  created_at: string | Date;
}

const DAY = 86_400_000;

export const account = (p: PromoterRow | undefined) => ({
  earnedFen: Number(p?.earned_fen ?? 0), frozenFen: Number(p?.frozen_fen ?? 0), payableFen: Number(p?.payable_fen ?? 0),
  paidFen: Number(p?.paid_fen ?? 0), clawedFen: Number(p?.clawed_fen ?? 0), withdrawingFen: Number(p?.withdrawing_fen ?? 0),
});

/** Commission of a line for one tier. Pure: percent of the line's paid amount (rounded down), or fixed × quantity. */
export function lineCommission(rule: { mode: 'percent' | 'fixed'; level1: number; level2: number }, line: { payableFen: number; quantity: number }, tier: 1 | 2, tier1Fen = 0) {
  const rate = tier === 1 ? rule.level1 : rule.level2;
  if (rule.mode === 'percent') return Math.floor((line.payableFen * rate) / 10_000);
  // A fixed amount never pays out more than the customer paid for the line, both tiers together.
  return Math.max(0, Math.min(rate * line.quantity, line.payableFen - tier1Fen));
}

/** What the refunds of a line so far claw back of its commission: the refunded share, cumulative, so a full refund claws all. */
export function clawTarget(c: { amount_fen: number; base_fen: number; quantity: number }, refundedFen: number, refundedQty: number, full: boolean) {
  const amount = Number(c.amount_fen);
  if (full) return amount;
  const base = Number(c.base_fen);
  if (base > 0) return Math.floor((amount * Math.min(refundedFen, base)) / base);
  return Math.floor((amount * Math.min(refundedQty, c.quantity)) / c.quantity);
}

/**
 * 分销: customers promote the shop and earn commission on what the customers bound to them buy. Two tiers at
 * most, no recruit-count levels and no entry fee (WeChat's rules on 多级分销). Bindings come only from share
 * scenes the server signed; commissions are frozen from payment until the after-sales window after receipt
 * has closed with no case open; refunds claw back pro rata, also after withdrawal (the account may owe).
 */
export class DistributionService {
  readonly withdrawals: WithdrawalService;

  constructor(
    private p: Platform,
    private d: FissionDeps,
    private scenes: SceneService,
  ) {
    this.withdrawals = new WithdrawalService(p, d, this);
  }

  // ---- settings --------------------------------------------------------------------------------------

  async settings(shopId: string, db: Db = this.p.db): Promise<DistributionSettings> {
    const [r] = await rows<Record<string, unknown>>(db, sql`SELECT * FROM distribution_settings WHERE shop_id = ${shopId}`);
    if (!r) return { ...DEFAULT_SETTINGS };
    return {
      enabled: r.enabled as boolean, eligibility: r.eligibility as DistributionSettings['eligibility'], spendThresholdFen: Number(r.spend_threshold_fen),
      bindingMode: r.binding_mode as DistributionSettings['bindingMode'], bindingDays: r.binding_days == null ? null : Number(r.binding_days),
      newCustomersOnly: r.new_customers_only as boolean, tiers: Number(r.tiers) as 1 | 2, level1Bp: Number(r.level1_bp), level2Bp: Number(r.level2_bp),
      afterSaleDays: Number(r.after_sale_days), withdrawMinFen: Number(r.withdraw_min_fen), withdrawFeeBp: Number(r.withdraw_fee_bp), withdrawReview: r.withdraw_review as boolean,
    };
  }

  async updateSettings(actor: Actor, input: DistributionSettingsInput) {
    const days = input.bindingMode === 'permanent' ? null : (input.bindingDays ?? 30);
    return this.p.database.transaction(async (tx) => {
      const before = await this.settings(actor.shopId, tx);
      await tx.execute(sql`
        INSERT INTO distribution_settings (shop_id, enabled, eligibility, spend_threshold_fen, binding_mode, binding_days, new_customers_only, tiers, level1_bp, level2_bp,
          after_sale_days, withdraw_min_fen, withdraw_fee_bp, withdraw_review, updated_at)
        VALUES (${actor.shopId}, ${input.enabled}, ${input.eligibility}, ${input.spendThresholdFen}, ${input.bindingMode}, ${days}, ${input.newCustomersOnly}, ${input.tiers},
          ${input.level1Bp}, ${input.level2Bp}, ${input.afterSaleDays}, ${input.withdrawMinFen}, ${input.withdrawFeeBp}, ${input.withdrawReview}, now())
        ON CONFLICT (shop_id) DO UPDATE SET enabled = EXCLUDED.enabled, eligibility = EXCLUDED.eligibility, spend_threshold_fen = EXCLUDED.spend_threshold_fen,
          binding_mode = EXCLUDED.binding_mode, binding_days = EXCLUDED.binding_days, new_customers_only = EXCLUDED.new_customers_only, tiers = EXCLUDED.tiers,
          level1_bp = EXCLUDED.level1_bp, level2_bp = EXCLUDED.level2_bp, after_sale_days = EXCLUDED.after_sale_days, withdraw_min_fen = EXCLUDED.withdraw_min_fen,
          withdraw_fee_bp = EXCLUDED.withdraw_fee_bp, withdraw_review = EXCLUDED.withdraw_review, updated_at = now()`);
      return { before, after: await this.settings(actor.shopId, tx) };
    });
  }

  async productRule(shopId: string, productId: string) {
    if (!(await this.d.catalog.existingProductIds(shopId, [productId])).has(productId)) throw notFound('Product', { field: 'productId' });
    const [r] = await rows<{ mode: 'percent' | 'fixed'; level1: number; level2: number }>(this.p.db, sql`
      SELECT mode, level1, level2 FROM distribution_products WHERE shop_id = ${shopId} AND product_id = ${productId}`);
    if (r) return { productId, custom: true, mode: r.mode, level1: Number(r.level1), level2: Number(r.level2) };
    const s = await this.settings(shopId);
    return { productId, custom: false, mode: 'percent' as const, level1: s.level1Bp, level2: s.level2Bp };
  }

  async setProductRule(actor: Actor, productId: string, input: { mode: 'percent' | 'fixed'; level1: number; level2: number }) {
    if (!(await this.d.catalog.existingProductIds(actor.shopId, [productId])).has(productId)) throw notFound('Product', { field: 'productId' });
    await this.p.database.transaction((tx) =>
      tx.execute(sql`
        INSERT INTO distribution_products (shop_id, product_id, mode, level1, level2) VALUES (${actor.shopId}, ${productId}, ${input.mode}, ${input.level1}, ${input.level2})
        ON CONFLICT (shop_id, product_id) DO UPDATE SET mode = EXCLUDED.mode, level1 = EXCLUDED.level1, level2 = EXCLUDED.level2, updated_at = now()`),
    );
    return this.productRule(actor.shopId, productId);
  }

  /** Products with a commission of their own, newest change first. */
  async productRules(shopId: string) {
    const list = await rows<{ product_id: string; mode: 'percent' | 'fixed'; level1: number; level2: number; updated_at: string | Date }>(this.p.db, sql`
      SELECT product_id, mode, level1, level2, updated_at FROM distribution_products WHERE shop_id = ${shopId} ORDER BY updated_at DESC LIMIT 500`);
    const titles = await this.d.catalog.titles(shopId, list.map((r) => r.product_id));
    return { items: list.map((r) => ({ productId: r.product_id, title: titles.get(r.product_id) ?? null, mode: r.mode, level1: Number(r.level1), level2: Number(r.level2), updatedAt: iso(r.updated_at) })) };
  }

  /** Back to the shop's rates for this product. */
  async resetProductRule(actor: Actor, productId: string) {
    if (!(await this.d.catalog.existingProductIds(actor.shopId, [productId])).has(productId)) throw notFound('Product', { field: 'productId' });
    await this.p.database.transaction((tx) => tx.execute(sql`DELETE FROM distribution_products WHERE shop_id = ${actor.shopId} AND product_id = ${productId}`));
    return this.productRule(actor.shopId, productId);
  }

  /** A promoter's team as staff see it (404 for someone who is not this shop's promoter). */
  async teamOf(shopId: string, customerId: string, tier: 1 | 2, page = 1, pageSize = 20) {
    if (!(await this.promoter(this.p.db, shopId, customerId))) throw notFound('Promoter', { field: 'customerId' });
    return this.team(shopId, customerId, tier, page, pageSize);
  }

  // ---- promoters -------------------------------------------------------------------------------------

  async promoter(db: Db, shopId: string, customerId: string, lock = false): Promise<PromoterRow | undefined> {
    const [r] = await rows<PromoterRow>(db, sql`SELECT * FROM promoters WHERE shop_id = ${shopId} AND customer_id = ${customerId} ${lock ? sql`FOR UPDATE` : sql``}`);
    return r;
  }

  /** My promoter page. With eligibility 'everyone' the first visit makes me a promoter. */
  async me(shopId: string, customerId: string) {
    const s = await this.settings(shopId);
    let row = await this.promoter(this.p.db, shopId, customerId);
    if (!row && s.enabled && s.eligibility === 'everyone') row = await this.becomePromoter(shopId, customerId, 'approved', {});
    return this.meView(s, row);
  }

  private meView(s: DistributionSettings, row: PromoterRow | undefined) {
    const status = row?.status ?? 'none';
    return {
      status,
      canApply: s.enabled && (status === 'none' || status === 'rejected'),
      rejectReason: row?.status === 'rejected' ? row.reject_reason : null,
      account: account(row),
      settings: { withdrawMinFen: s.withdrawMinFen, withdrawFeeBp: s.withdrawFeeBp, tiers: s.tiers, eligibility: s.eligibility, spendThresholdFen: s.spendThresholdFen },
    };
  }

  async apply(shopId: string, customerId: string, input: { realName?: string; phone?: string }) {
    const s = await this.settings(shopId);
    if (!s.enabled) throw conflict('DISTRIBUTION_DISABLED', 'This shop has no promoter programme', { field: 'enabled' });
    const row = await this.promoter(this.p.db, shopId, customerId);
    if (row?.status === 'approved' || row?.status === 'pending') return this.meView(s, row);
    if (row?.status === 'disabled') throw conflict('PROMOTER_DISABLED', 'Your promoter account was disabled by the shop', { field: 'status' });
    let status: PromoterStatus = 'approved';
    if (s.eligibility === 'apply') status = 'pending';
    if (s.eligibility === 'spend') {
      const spentFen = await this.d.orders.paidTotalFen(shopId, customerId);
      if (spentFen < s.spendThresholdFen) {
        throw conflict('PROMOTER_SPEND_REQUIRED', `Spend ¥${((s.spendThresholdFen - spentFen) / 100).toFixed(2)} more to become a promoter`, {
          field: 'spendThresholdFen', thresholdFen: s.spendThresholdFen, spentFen, gapFen: s.spendThresholdFen - spentFen,
        });
      }
    }
    return this.meView(s, await this.becomePromoter(shopId, customerId, status, input));
  }

  private async becomePromoter(shopId: string, customerId: string, status: PromoterStatus, input: { realName?: string; phone?: string }) {
    const now = this.p.now();
    return this.p.database.transaction(async (tx) => {
      // A rejected applicant applies again: back to pending (or approved), their account untouched.
      const [r] = await rows<PromoterRow>(tx, sql`
        INSERT INTO promoters (shop_id, customer_id, status, real_name, phone, applied_at, reviewed_at)
        VALUES (${shopId}, ${customerId}, ${status}, ${input.realName ?? null}, ${input.phone ?? null}, ${now.toISOString()}::timestamptz, ${status === 'approved' ? now.toISOString() : null}::timestamptz)
        ON CONFLICT (shop_id, customer_id) DO UPDATE SET status = EXCLUDED.status, real_name = coalesce(EXCLUDED.real_name, promoters.real_name),
          phone = coalesce(EXCLUDED.phone, promoters.phone), applied_at = EXCLUDED.applied_at, reviewed_at = EXCLUDED.reviewed_at, reject_reason = NULL, updated_at = now()
          WHERE promoters.status = 'rejected'
        RETURNING *`);
      return r ?? (await this.promoter(tx, shopId, customerId))!;
    });
  }

  /** Staff review: approve (pending, rejected or disabled), reject (pending) or disable (approved). */
  async review(actor: Actor, customerId: string, action: 'approve' | 'reject' | 'disable', reason?: string) {
    const allowed: Record<typeof action, PromoterStatus[]> = { approve: ['pending', 'rejected', 'disabled'], reject: ['pending'], disable: ['approved', 'pending'] };
    const next: Record<typeof action, PromoterStatus> = { approve: 'approved', reject: 'rejected', disable: 'disabled' };
    return this.p.database.transaction(async (tx) => {
      const row = await this.promoter(tx, actor.shopId, customerId, true);
      if (!row) throw notFound('Promoter', { field: 'customerId' });
      if (!allowed[action].includes(row.status)) throw conflict('PROMOTER_STATE_INVALID', `The promoter is ${row.status}`, { field: 'status', status: row.status });
      const [after] = await rows<PromoterRow>(tx, sql`
        UPDATE promoters SET status = ${next[action]}, reject_reason = ${action === 'reject' ? (reason ?? null) : null}, reviewed_at = ${this.p.now().toISOString()}::timestamptz, updated_at = now()
        WHERE shop_id = ${actor.shopId} AND customer_id = ${customerId} RETURNING *`);
      return { before: { status: row.status }, after: { customerId, status: after.status, rejectReason: after.reject_reason } };
    });
  }

  // ---- binding ---------------------------------------------------------------------------------------

  /**
   * A customer opened a share link or code. Only the scene's stored payload says who shared it; the client
   * sends nothing else, so a forged, expired or another shop's scene binds nobody.
   */
  async visit(shopId: string, customerId: string, scene: string): Promise<{ bound: boolean; promoterNickname?: string | null }> {
    const s = await this.settings(shopId);
    if (!s.enabled) return { bound: false };
    const lookup = this.scenes as unknown as Partial<SceneLookup>;
    if (typeof lookup.resolve !== 'function') return { bound: false };
    let resolved: ResolvedScene | null = null;
    try {
      resolved = await lookup.resolve.call(this.scenes, shopId, scene);
    } catch {
      resolved = null; // expired or unknown: no binding, and the visit itself is not an error
    }
    const promoterId = resolved?.sharerCustomerId;
    if (!promoterId || promoterId === customerId) return { bound: false };
    if (s.newCustomersOnly && (await this.d.orders.hasPaidOrder(shopId, customerId))) return { bound: false };
    const bound = await this.p.database.transaction(async (tx) => {
      // Bindings of a shop are written one at a time: two customers binding to each other at once would
      // each pass the loop check on its own.
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`distribution-bind:${shopId}`}))`);
      const promoter = await this.promoter(tx, shopId, promoterId);
      if (promoter?.status !== 'approved') return false;
      const now = this.p.now();
      const loop = await rows(tx, sql`
        WITH RECURSIVE up(id) AS (
          SELECT ${promoterId}::uuid
          UNION
          SELECT b.promoter_id FROM promoter_bindings b JOIN up ON b.customer_id = up.id
          WHERE b.shop_id = ${shopId} AND (b.expires_at IS NULL OR b.expires_at > ${now.toISOString()}::timestamptz)
        )
        SELECT 1 FROM up WHERE id = ${customerId} LIMIT 1`);
      if (loop.length) return false;
      const [cur] = await rows<{ promoter_id: string; expires_at: string | Date | null; expiry_logged: boolean }>(tx, sql`
        SELECT promoter_id, expires_at, expiry_logged FROM promoter_bindings WHERE shop_id = ${shopId} AND customer_id = ${customerId} FOR UPDATE`);
      const expiresAt = s.bindingMode === 'permanent' ? null : new Date(now.getTime() + (s.bindingDays ?? 30) * DAY);
      const valid = cur && (cur.expires_at == null || new Date(cur.expires_at) > now);
      if (valid && cur.promoter_id === promoterId) {
        // The same promoter again: last click renews the period; otherwise nothing changes.
        if (s.bindingMode === 'last_click') await tx.execute(sql`UPDATE promoter_bindings SET expires_at = ${iso(expiresAt)}::timestamptz, scene = ${scene} WHERE shop_id = ${shopId} AND customer_id = ${customerId}`);
        return true;
      }
      if (valid && s.bindingMode !== 'last_click') return false;
      if (cur && !valid && !cur.expiry_logged) await this.logBinding(tx, shopId, customerId, cur.promoter_id, null, 'expire', null, iso(cur.expires_at), new Date(cur.expires_at!));
      await tx.execute(sql`
        INSERT INTO promoter_bindings (shop_id, customer_id, promoter_id, scene, bound_at, expires_at)
        VALUES (${shopId}, ${customerId}, ${promoterId}, ${scene}, ${now.toISOString()}::timestamptz, ${iso(expiresAt)}::timestamptz)
        ON CONFLICT (shop_id, customer_id) DO UPDATE SET promoter_id = EXCLUDED.promoter_id, scene = EXCLUDED.scene, bound_at = EXCLUDED.bound_at,
          expires_at = EXCLUDED.expires_at, expiry_logged = false`);
      await this.logBinding(tx, shopId, customerId, promoterId, valid ? cur.promoter_id : null, valid ? 'rebind' : 'bind', scene, iso(expiresAt), now);
      return true;
    });
    if (!bound) return { bound: false };
    const names = await this.d.customers.summaries(shopId, [promoterId]);
    return { bound: true, promoterNickname: names.get(promoterId)?.nickname ?? null };
  }

  private async logBinding(tx: Db, shopId: string, customerId: string, promoterId: string, previous: string | null, action: 'bind' | 'rebind' | 'expire' | 'merge', scene: string | null, expiresAt: string | null, at: Date) {
    await tx.execute(sql`
      INSERT INTO promoter_binding_log (shop_id, customer_id, promoter_id, previous_promoter_id, action, scene, expires_at, at)
      VALUES (${shopId}, ${customerId}, ${promoterId}, ${previous}, ${action}, ${scene}, ${expiresAt}::timestamptz, ${at.toISOString()}::timestamptz)`);
    if (action === 'expire') await tx.execute(sql`UPDATE promoter_bindings SET expiry_logged = true WHERE shop_id = ${shopId} AND customer_id = ${customerId}`);
  }

  /** Whom the customer was bound to at `at` (a valid binding only). */
  private async parentAt(db: Db, shopId: string, customerId: string, at: Date): Promise<string | null> {
    const [b] = await rows<{ promoter_id: string }>(db, sql`
      SELECT promoter_id FROM promoter_bindings WHERE shop_id = ${shopId} AND customer_id = ${customerId}
        AND (expires_at IS NULL OR expires_at > ${at.toISOString()}::timestamptz)`);
    return b?.promoter_id ?? null;
  }

  // ---- commissions (event subscribers, each in the event's transaction) ------------------------------

  /**
   * order.paid: tier 1 is the promoter the buyer was bound to at payment, tier 2 that promoter's own
   * promoter (when the shop pays two tiers). Never more. A disabled or unapproved promoter breaks the chain.
   */
  async onPaid(tx: Db, shopId: string, orderId: string) {
    const s = await this.settings(shopId, tx);
    if (!s.enabled) return;
    const order = await this.d.orders.get(shopId, orderId, tx);
    const paidAt = order.paidAt ?? this.p.now();
    const buyer = order.customerId;
    const tier1 = await this.parentAt(tx, shopId, buyer, paidAt);
    if (!tier1 || tier1 === buyer || (await this.promoter(tx, shopId, tier1))?.status !== 'approved') return;
    let tier2 = s.tiers === 2 ? await this.parentAt(tx, shopId, tier1, paidAt) : null;
    if (tier2 && (tier2 === buyer || (await this.promoter(tx, shopId, tier2))?.status !== 'approved')) tier2 = null;
    const lines = await this.d.orders.linesOf(shopId, orderId, tx);
    if (!lines.length) return;
    const overrides = await rows<{ product_id: string; mode: 'percent' | 'fixed'; level1: number; level2: number }>(tx, sql`
      SELECT product_id, mode, level1, level2 FROM distribution_products WHERE shop_id = ${shopId}
        AND product_id IN (${sql.join([...new Set(lines.map((l) => l.productId))].map((id) => sql`${id}::uuid`), sql`, `)})`);
    const now = this.p.now();
    // Goods already received (the completion was handled first): the window runs from then.
    const thawAt = order.completedAt ? new Date(order.completedAt.getTime() + s.afterSaleDays * DAY) : null;
    for (const line of lines) {
      const o = overrides.find((r) => r.product_id === line.productId);
      const rule = o ? { mode: o.mode, level1: Number(o.level1), level2: Number(o.level2) } : { mode: 'percent' as const, level1: s.level1Bp, level2: s.level2Bp };
      const a1 = lineCommission(rule, line, 1);
      const a2 = tier2 ? lineCommission(rule, line, 2, a1) : 0;
      for (const [tier, promoterId, amount] of [[1, tier1, a1], [2, tier2, a2]] as const) {
        if (!promoterId || amount <= 0) continue;
        const [c] = await rows<{ id: string }>(tx, sql`
          INSERT INTO commissions (shop_id, order_id, order_no, order_item_id, product_id, product_title, buyer_id, promoter_id, tier, mode, rate, base_fen, quantity, amount_fen, status, thaw_at, created_at)
          VALUES (${shopId}, ${orderId}, ${order.orderNo}, ${line.id}, ${line.productId}, ${line.title}, ${buyer}, ${promoterId}, ${tier}, ${rule.mode}, ${tier === 1 ? rule.level1 : rule.level2},
            ${line.payableFen}, ${line.quantity}, ${amount}, 'frozen', ${iso(thawAt)}::timestamptz, ${now.toISOString()}::timestamptz)
          ON CONFLICT (order_item_id, tier) DO NOTHING
          RETURNING id`);
        if (c) await post(tx, shopId, promoterId, 'earn', c.id, { frozen: amount, earned: amount }, now);
      }
    }
  }

  /** order.completed: the after-sales window starts at receipt; commissions thaw when it has closed. */
  async onCompleted(tx: Db, shopId: string, orderId: string) {
    const order = await this.d.orders.get(shopId, orderId, tx);
    const s = await this.settings(shopId, tx);
    const thawAt = new Date((order.completedAt ?? this.p.now()).getTime() + s.afterSaleDays * DAY);
    await tx.execute(sql`
      UPDATE commissions SET thaw_at = ${thawAt.toISOString()}::timestamptz
      WHERE shop_id = ${shopId} AND order_id = ${orderId} AND status = 'frozen' AND thaw_at IS NULL`);
  }

  /**
   * order.refunded: each refunded line claws back its share of the commission, cumulatively (a full refund
   * claws exactly all). From frozen while frozen, else from payable, which may go below zero: a debt that
   * blocks withdrawals until new commission repays it.
   */
  async onRefunded(tx: Db, shopId: string, payload: { orderId: string; refundId: string; full?: boolean; items?: { orderItemId: string; quantity: number; amountFen: number }[] }) {
    const list = await rows<CommissionRow>(tx, sql`
      SELECT * FROM commissions WHERE shop_id = ${shopId} AND order_id = ${payload.orderId} AND status <> 'cancelled' ORDER BY id FOR UPDATE`);
    const now = this.p.now();
    for (const c of list) {
      const item = (payload.items ?? []).find((i) => i.orderItemId === c.order_item_id);
      if (!item && !payload.full) continue;
      const refundedFen = Number(c.refunded_fen) + (item?.amountFen ?? 0);
      const refundedQty = c.refunded_qty + (item?.quantity ?? 0);
      const clawed = Number(c.clawed_fen);
      const target = Math.max(clawed, clawTarget(c, refundedFen, refundedQty, !!payload.full));
      const delta = target - clawed;
      const from = c.status === 'frozen' ? { frozen: -delta } : { payable: -delta };
      if (!(await post(tx, shopId, c.promoter_id, 'claw', `${payload.refundId}:${c.id}`, { ...from, clawed: delta }, now))) continue;
      await tx.execute(sql`
        UPDATE commissions SET refunded_fen = ${refundedFen}, refunded_qty = ${refundedQty}, clawed_fen = ${target},
          status = ${target === Number(c.amount_fen) ? 'cancelled' : c.status}
        WHERE id = ${c.id}`);
    }
  }

  /** Every minute: thaw what is due, note expired bindings, and ask WeChat about transfers in flight. */
  async tick() {
    await this.thawDue();
    await this.expireBindings();
    await this.withdrawals.syncInFlight();
  }

  /** Frozen commissions whose window has closed become payable, unless their order has an after-sales case open. */
  async thawDue(limit = 500) {
    const now = this.p.now();
    const due = await rows<{ id: string; shop_id: string; order_id: string }>(this.p.db, sql`
      SELECT id, shop_id, order_id FROM commissions WHERE status = 'frozen' AND thaw_at <= ${now.toISOString()}::timestamptz ORDER BY thaw_at LIMIT ${limit}`);
    let thawed = 0;
    for (const shopId of new Set(due.map((d) => d.shop_id))) {
      const mine = due.filter((d) => d.shop_id === shopId);
      const open = await this.d.orders.withOpenRefund(shopId, [...new Set(mine.map((d) => d.order_id))]);
      for (const d of mine.filter((m) => !open.has(m.order_id))) {
        const done = await this.p.database.transaction(async (tx) => {
          const [c] = await rows<CommissionRow>(tx, sql`SELECT * FROM commissions WHERE id = ${d.id} FOR UPDATE`);
          if (!c || c.status !== 'frozen') return false;
          // Checked again under the lock: a case opened since the read above keeps it frozen.
          if ((await this.d.orders.withOpenRefund(shopId, [c.order_id], tx)).size) return false;
          const x = Number(c.amount_fen) - Number(c.clawed_fen);
          await post(tx, shopId, c.promoter_id, 'thaw', c.id, { frozen: -x, payable: x }, now);
          await tx.execute(sql`UPDATE commissions SET status = 'payable', thawed_at = ${now.toISOString()}::timestamptz WHERE id = ${c.id}`);
          return true;
        });
        if (done) thawed++;
      }
    }
    return thawed;
  }

  /** Writes each binding's expiry to the audit once (validity itself is read from expires_at). */
  async expireBindings() {
    const now = this.p.now().toISOString();
    await this.p.database.transaction((tx) =>
      tx.execute(sql`
        WITH gone AS (
          UPDATE promoter_bindings SET expiry_logged = true
          WHERE expires_at IS NOT NULL AND expires_at <= ${now}::timestamptz AND NOT expiry_logged
          RETURNING shop_id, customer_id, promoter_id, expires_at
        )
        INSERT INTO promoter_binding_log (shop_id, customer_id, promoter_id, action, expires_at, at)
        SELECT shop_id, customer_id, promoter_id, 'expire', expires_at, expires_at FROM gone`),
    );
  }

  /**
   * customer.merged: one person, one place in the tree. The merged-away customer's binding follows the
   * survivor unless the survivor has one; customers bound to the merged-away promoter are bound to the
   * survivor; a binding that would point someone at themself is dropped. The promoter account, its ledger,
   * commissions and withdrawals move to the survivor; when both were promoters the buckets are added up (the
   * better status stays) and ledger refs that clash get `:merged:<id>`, so the sums still match the ledger.
   */
  async moveCustomer(tx: Db, shopId: string, fromId: string, intoId: string) {
    if (fromId === intoId) return;
    const now = this.p.now();
    const moved = await rows<{ customer_id: string; promoter_id: string }>(tx, sql`
      UPDATE promoter_bindings SET customer_id = ${intoId}
      WHERE shop_id = ${shopId} AND customer_id = ${fromId} AND promoter_id <> ${intoId}
        AND NOT EXISTS (SELECT 1 FROM promoter_bindings x WHERE x.shop_id = ${shopId} AND x.customer_id = ${intoId})
      RETURNING customer_id, promoter_id`);
    for (const m of moved) await this.logBinding(tx, shopId, intoId, m.promoter_id, null, 'merge', null, null, now);
    await tx.execute(sql`DELETE FROM promoter_bindings WHERE shop_id = ${shopId} AND (customer_id = ${fromId} OR (customer_id = ${intoId} AND promoter_id = ${fromId}))`);
    const rebound = await rows<{ customer_id: string }>(tx, sql`
      UPDATE promoter_bindings SET promoter_id = ${intoId} WHERE shop_id = ${shopId} AND promoter_id = ${fromId} RETURNING customer_id`);
    for (const r of rebound) await this.logBinding(tx, shopId, r.customer_id, intoId, fromId, 'merge', null, null, now);

    const from = await this.promoter(tx, shopId, fromId, true);
    await tx.execute(sql`UPDATE commissions SET buyer_id = ${intoId} WHERE shop_id = ${shopId} AND buyer_id = ${fromId}`);
    if (!from) return;
    const into = await this.promoter(tx, shopId, intoId, true);
    await tx.execute(sql`
      UPDATE promoter_ledger l SET customer_id = ${intoId},
        ref = CASE WHEN EXISTS (SELECT 1 FROM promoter_ledger x WHERE x.shop_id = l.shop_id AND x.customer_id = ${intoId} AND x.kind = l.kind AND x.ref = l.ref)
                   THEN l.ref || ':merged:' || ${fromId} ELSE l.ref END
      WHERE l.shop_id = ${shopId} AND l.customer_id = ${fromId}`);
    await tx.execute(sql`UPDATE promoter_withdrawals SET customer_id = ${intoId} WHERE shop_id = ${shopId} AND customer_id = ${fromId}`);
    // Commission one account earned on the other's purchase stays earned: it was honest before the merge.
    await tx.execute(sql`UPDATE commissions SET promoter_id = ${intoId} WHERE shop_id = ${shopId} AND promoter_id = ${fromId}`);
    if (!into) {
      await tx.execute(sql`UPDATE promoters SET customer_id = ${intoId}, updated_at = now() WHERE shop_id = ${shopId} AND customer_id = ${fromId}`);
      return;
    }
    const rank: Record<PromoterStatus, number> = { approved: 3, pending: 2, disabled: 1, rejected: 0 };
    const status = rank[from.status] > rank[into.status] && into.status !== 'disabled' ? from.status : into.status;
    await tx.execute(sql`DELETE FROM promoters WHERE shop_id = ${shopId} AND customer_id = ${fromId}`);
    await tx.execute(sql`
      UPDATE promoters SET status = ${status}, frozen_fen = frozen_fen + ${from.frozen_fen}, payable_fen = payable_fen + ${from.payable_fen},
        withdrawing_fen = withdrawing_fen + ${from.withdrawing_fen}, paid_fen = paid_fen + ${from.paid_fen}, clawed_fen = clawed_fen + ${from.clawed_fen},
        earned_fen = earned_fen + ${from.earned_fen}, real_name = coalesce(real_name, ${from.real_name}), updated_at = now()
      WHERE shop_id = ${shopId} AND customer_id = ${intoId}`);
  }

  // ---- the promoter centre ---------------------------------------------------------------------------

  /** Tier 1: customers bound to me; tier 2: customers bound to my tier-1 customers who are promoters. */
  async team(shopId: string, customerId: string, tier: 1 | 2, page = 1, pageSize = 20) {
    const now = this.p.now().toISOString();
    const valid = sql`(b.expires_at IS NULL OR b.expires_at > ${now}::timestamptz)`;
    const members = tier === 1
      ? sql`SELECT b.customer_id, b.bound_at FROM promoter_bindings b WHERE b.shop_id = ${shopId} AND b.promoter_id = ${customerId} AND ${valid}`
      : sql`SELECT b.customer_id, b.bound_at FROM promoter_bindings b
            JOIN promoter_bindings m ON m.shop_id = b.shop_id AND m.customer_id = b.promoter_id AND m.promoter_id = ${customerId}
              AND (m.expires_at IS NULL OR m.expires_at > ${now}::timestamptz)
            JOIN promoters p ON p.shop_id = m.shop_id AND p.customer_id = m.customer_id AND p.status = 'approved'
            WHERE b.shop_id = ${shopId} AND ${valid} AND b.customer_id <> ${customerId}`;
    const [list, [count]] = await Promise.all([
      rows<{ customer_id: string; bound_at: string | Date; orders: number; spent_fen: number }>(this.p.db, sql`
        SELECT t.customer_id, t.bound_at,
          (SELECT count(DISTINCT c.order_id)::int FROM commissions c WHERE c.shop_id = ${shopId} AND c.promoter_id = ${customerId} AND c.buyer_id = t.customer_id AND c.tier = ${tier}) AS orders,
          (SELECT coalesce(sum(c.base_fen - least(c.refunded_fen, c.base_fen)), 0)::bigint FROM commissions c WHERE c.shop_id = ${shopId} AND c.promoter_id = ${customerId} AND c.buyer_id = t.customer_id AND c.tier = ${tier}) AS spent_fen
        FROM (${members}) t ORDER BY t.bound_at DESC LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`),
      rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM (${members}) t`),
    ]);
    const people = await Promise.all(list.map((m) => this.d.customers.getCustomer(shopId, m.customer_id).catch(() => null)));
    return {
      items: list.map((m, i) => ({ nickname: people[i]?.nickname ?? null, avatarUrl: people[i]?.avatarUrl ?? null, boundAt: iso(m.bound_at), orders: m.orders, spentFen: Number(m.spent_fen) })),
      total: count.n,
    };
  }

  async myCommissions(shopId: string, customerId: string, page = 1, pageSize = 20) {
    const [list, [count]] = await Promise.all([
      rows<CommissionRow>(this.p.db, sql`SELECT * FROM commissions WHERE shop_id = ${shopId} AND promoter_id = ${customerId} ORDER BY created_at DESC, id LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`),
      rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM commissions WHERE shop_id = ${shopId} AND promoter_id = ${customerId}`),
    ]);
    return {
      items: list.map((c) => ({ id: c.id, orderNo: c.order_no, productTitle: c.product_title, tier: c.tier, amountFen: Number(c.amount_fen), clawedFen: Number(c.clawed_fen), status: c.status, thawAt: iso(c.thaw_at), createdAt: iso(c.created_at) })),
      total: count.n,
    };
  }

  // ---- the console -----------------------------------------------------------------------------------

  async overview(shopId: string) {
    const [[sums], [counts], ranking, daily] = await Promise.all([
      rows<{ frozen: number; payable: number; paid: number; clawed: number; withdrawing: number }>(this.p.db, sql`
        SELECT coalesce(sum(frozen_fen), 0)::bigint AS frozen, coalesce(sum(payable_fen), 0)::bigint AS payable, coalesce(sum(paid_fen), 0)::bigint AS paid,
          coalesce(sum(clawed_fen), 0)::bigint AS clawed, coalesce(sum(withdrawing_fen), 0)::bigint AS withdrawing
        FROM promoters WHERE shop_id = ${shopId}`),
      rows<{ promoters: number; pending: number; withdrawals: number }>(this.p.db, sql`
        SELECT (SELECT count(*)::int FROM promoters WHERE shop_id = ${shopId} AND status = 'approved') AS promoters,
          (SELECT count(*)::int FROM promoters WHERE shop_id = ${shopId} AND status = 'pending') AS pending,
          (SELECT count(*)::int FROM promoter_withdrawals WHERE shop_id = ${shopId} AND status = 'reviewing') AS withdrawals`),
      rows<{ customer_id: string; earned_fen: number; orders: number }>(this.p.db, sql`
        SELECT p.customer_id, p.earned_fen, (SELECT count(DISTINCT c.order_id)::int FROM commissions c WHERE c.shop_id = p.shop_id AND c.promoter_id = p.customer_id) AS orders
        FROM promoters p WHERE p.shop_id = ${shopId} AND p.earned_fen > 0 ORDER BY p.earned_fen DESC, p.customer_id LIMIT 10`),
      rows<{ date: string; earned: number; paid: number }>(this.p.db, sql`
        SELECT to_char((created_at AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD') AS date,
          coalesce(sum(earned_delta), 0)::bigint AS earned, coalesce(sum(paid_delta), 0)::bigint AS paid
        FROM promoter_ledger WHERE shop_id = ${shopId} AND kind IN ('earn', 'withdraw_paid') AND created_at >= ${new Date(this.p.now().getTime() - 30 * DAY).toISOString()}::timestamptz
        GROUP BY 1 ORDER BY 1`),
    ]);
    const names = await this.d.customers.summaries(shopId, ranking.map((r) => r.customer_id));
    return {
      frozenFen: Number(sums.frozen), payableFen: Number(sums.payable), paidFen: Number(sums.paid), clawedFen: Number(sums.clawed), withdrawingFen: Number(sums.withdrawing),
      promoters: counts.promoters, pendingApplications: counts.pending, pendingWithdrawals: counts.withdrawals,
      ranking: ranking.map((r) => ({ customerId: r.customer_id, nickname: names.get(r.customer_id)?.nickname ?? null, earnedFen: Number(r.earned_fen), orders: r.orders })),
      daily: daily.map((d) => ({ date: d.date, earnedFen: Number(d.earned), paidFen: Number(d.paid) })),
    };
  }

  async listPromoters(shopId: string, q: { status?: PromoterStatus; q?: string; page: number; pageSize: number; ids?: string[] }) {
    let only: string[] | null = q.ids ?? null;
    if (q.q) {
      // Names and phones live with customers: find the matching ones among this shop's promoters.
      const all = await rows<{ customer_id: string }>(this.p.db, sql`SELECT customer_id FROM promoters WHERE shop_id = ${shopId}`);
      const byPhone = /^\d{4,11}$/.test(q.q) ? await this.d.customers.findIdsByPhone(shopId, q.q).catch(() => [] as string[]) : [];
      const names = await this.d.customers.summaries(shopId, all.map((a) => a.customer_id));
      const needle = q.q.toLowerCase();
      only = all.map((a) => a.customer_id).filter((id) => (names.get(id)?.nickname ?? '').toLowerCase().includes(needle) || (byPhone as string[]).includes(id));
    }
    const where = sql`p.shop_id = ${shopId} ${q.status ? sql`AND p.status = ${q.status}` : sql``} ${only ? (only.length ? sql`AND p.customer_id IN (${sql.join(only.map((id) => sql`${id}::uuid`), sql`, `)})` : sql`AND false`) : sql``}`;
    const now = this.p.now().toISOString();
    const [list, [count]] = await Promise.all([
      rows<PromoterRow & { parent_id: string | null; team1: number; team2: number }>(this.p.db, sql`
        SELECT p.*,
          (SELECT b.promoter_id FROM promoter_bindings b WHERE b.shop_id = p.shop_id AND b.customer_id = p.customer_id AND (b.expires_at IS NULL OR b.expires_at > ${now}::timestamptz)) AS parent_id,
          (SELECT count(*)::int FROM promoter_bindings b WHERE b.shop_id = p.shop_id AND b.promoter_id = p.customer_id AND (b.expires_at IS NULL OR b.expires_at > ${now}::timestamptz)) AS team1,
          (SELECT count(*)::int FROM promoter_bindings b2 JOIN promoter_bindings b1 ON b1.shop_id = b2.shop_id AND b1.customer_id = b2.promoter_id
             JOIN promoters pp ON pp.shop_id = b1.shop_id AND pp.customer_id = b1.customer_id AND pp.status = 'approved'
           WHERE b2.shop_id = p.shop_id AND b1.promoter_id = p.customer_id AND b2.customer_id <> p.customer_id
             AND (b1.expires_at IS NULL OR b1.expires_at > ${now}::timestamptz) AND (b2.expires_at IS NULL OR b2.expires_at > ${now}::timestamptz)) AS team2
        FROM promoters p WHERE ${where} ORDER BY p.applied_at DESC, p.customer_id LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`),
      rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM promoters p WHERE ${where}`),
    ]);
    const names = await this.d.customers.summaries(shopId, [...new Set(list.flatMap((r) => [r.customer_id, r.parent_id].filter((x): x is string => !!x)))]);
    return {
      items: list.map((r) => ({
        customerId: r.customer_id, nickname: names.get(r.customer_id)?.nickname ?? null, phone: names.get(r.customer_id)?.phone ?? null, status: r.status,
        // One commission level for every promoter: no levels earned by recruiting (WeChat's 团队计酬 rule).
        level: 1, parentNickname: r.parent_id ? (names.get(r.parent_id)?.nickname ?? null) : null, parentId: r.parent_id,
        team1: r.team1, team2: r.team2, earnedFen: Number(r.earned_fen), frozenFen: Number(r.frozen_fen), payableFen: Number(r.payable_fen), paidFen: Number(r.paid_fen),
        clawedFen: Number(r.clawed_fen), withdrawingFen: Number(r.withdrawing_fen), realName: r.real_name, rejectReason: r.reject_reason, appliedAt: iso(r.applied_at), reviewedAt: iso(r.reviewed_at),
      })),
      total: count.n,
    };
  }

  async promoterDetail(shopId: string, customerId: string) {
    const row = await this.promoter(this.p.db, shopId, customerId);
    if (!row) throw notFound('Promoter', { field: 'customerId' });
    const [summary] = (await this.listPromoters(shopId, { page: 1, pageSize: 1, ids: [customerId] })).items;
    const log = await rows<{ customer_id: string; promoter_id: string; previous_promoter_id: string | null; action: string; scene: string | null; expires_at: string | null; at: string }>(this.p.db, sql`
      SELECT customer_id, promoter_id, previous_promoter_id, action, scene, expires_at, at FROM promoter_binding_log
      WHERE shop_id = ${shopId} AND (customer_id = ${customerId} OR promoter_id = ${customerId} OR previous_promoter_id = ${customerId}) ORDER BY id DESC LIMIT 200`);
    const commissions = await this.listCommissions(shopId, { page: 1, pageSize: 100, promoterId: customerId });
    const names = await this.d.customers.summaries(shopId, [...new Set(log.flatMap((l) => [l.customer_id, l.promoter_id, l.previous_promoter_id].filter((x): x is string => !!x)))]);
    const nick = (id: string | null) => (id ? (names.get(id)?.nickname ?? null) : null);
    return {
      ...summary,
      bindings: log.map((l) => ({
        customerId: l.customer_id, customerNickname: nick(l.customer_id), promoterId: l.promoter_id, promoterNickname: nick(l.promoter_id),
        previousPromoterId: l.previous_promoter_id, previousPromoterNickname: nick(l.previous_promoter_id), action: l.action, scene: l.scene, expiresAt: iso(l.expires_at), at: iso(l.at),
      })),
      commissions: commissions.items,
    };
  }

  async listCommissions(shopId: string, q: { status?: 'frozen' | 'payable' | 'cancelled'; page: number; pageSize: number; promoterId?: string }) {
    const where = sql`shop_id = ${shopId} ${q.status ? sql`AND status = ${q.status}` : sql``} ${q.promoterId ? sql`AND promoter_id = ${q.promoterId}` : sql``}`;
    const [list, [count]] = await Promise.all([
      rows<CommissionRow>(this.p.db, sql`SELECT * FROM commissions WHERE ${where} ORDER BY created_at DESC, id LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`),
      rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM commissions WHERE ${where}`),
    ]);
    const names = await this.d.customers.summaries(shopId, [...new Set(list.flatMap((c) => [c.buyer_id, c.promoter_id]))]);
    return {
      items: list.map((c) => ({
        id: c.id, orderId: c.order_id, orderNo: c.order_no, productId: c.product_id, productTitle: c.product_title,
        buyerId: c.buyer_id, buyerNickname: names.get(c.buyer_id)?.nickname ?? null, promoterId: c.promoter_id, promoterNickname: names.get(c.promoter_id)?.nickname ?? null,
        tier: c.tier, mode: c.mode, rate: Number(c.rate), baseFen: Number(c.base_fen), quantity: c.quantity, amountFen: Number(c.amount_fen), clawedFen: Number(c.clawed_fen),
        status: c.status, thawAt: iso(c.thaw_at), thawedAt: iso(c.thawed_at), createdAt: iso(c.created_at),
      })),
      total: count.n,
    };
  }
}
