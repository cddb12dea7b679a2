import type { InviteSettings } from '@siyu/contracts';
import type { Actor, Platform } from '../../../platform/context.js';
import { rows, sql, type Db } from '../../../platform/db/index.js';
import { AppError, notFound, tooMany, unprocessable } from '../../../platform/errors.js';
import { shanghaiDay } from '../../loyalty/points-service.js';
import type { FissionDeps } from '../deps.js';
import type { SceneService } from '../share/scenes.js';
import { InvitePayoutService, MIN_TRANSFER_FEN, rewardNote, rewardRef } from './payouts.js';

/** The scheme, as the contract's body makes it (defaults filled). */
export type { InviteSettings };

const DEFAULTS: InviteSettings = {
  enabled: false, newCustomer: 'new_account', newAccountHours: 24, trigger: 'first_order', attributionDays: 7,
  inviterCouponTemplateId: null, inviterPoints: 0, inviteeCouponTemplateId: null, inviteePoints: 0, inviterCashFen: 0, inviteeCashFen: 0, inviterDailyCap: 10,
  cashPayout: 'balance', activityName: null,
};

interface InvitationRow {
  id: string;
  shop_id: string;
  inviter_id: string;
  invitee_id: string;
  scene: string;
  status: 'accepted' | 'rewarded' | 'expired' | 'rejected';
  reject_reason: string | null;
  accepted_at: Date | string;
  expires_at: Date | string;
  qualified_order_id: string | null;
  rewarded_at: Date | string | null;
  inviter_rewarded: boolean;
}

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
/** Invitees of one inviter accepting from one network address within an hour: more looks like a farm of accounts. */
const PER_INVITER_ADDRESS_PER_HOUR = 10;

/**
 * 邀请有礼. Who invited whom is decided only on the server, from the share scene the invitee arrived by (its
 * stored sharer), never from an id the client sends. The first inviter of a customer wins (unique per
 * invitee). The invitee must be new as the merchant defines it; rewards go once per invitation when it
 * qualifies (sign-up, or a first paid order within the attribution window), the inviter's part within a
 * daily cap counted under the inviter's lock; merged-away accounts never qualify.
 */
export class InviteService {
  /** Cash rewards paid as WeChat change (商家转账). */
  readonly payouts: InvitePayoutService;

  constructor(
    private p: Platform,
    private d: FissionDeps,
    private scenes: SceneService,
  ) {
    this.payouts = new InvitePayoutService(p, d, async (shopId) => (await this.settings(shopId)).activityName);
  }

  async settings(shopId: string, db: Db = this.p.db): Promise<InviteSettings> {
    const [r] = await rows<Record<string, unknown>>(db, sql`SELECT * FROM invite_settings WHERE shop_id = ${shopId}`);
    if (!r) return { ...DEFAULTS };
    return {
      enabled: r.enabled as boolean, newCustomer: r.new_customer as InviteSettings['newCustomer'], newAccountHours: r.new_account_hours as number,
      trigger: r.trigger as InviteSettings['trigger'], attributionDays: r.attribution_days as number,
      inviterCouponTemplateId: r.inviter_coupon_template_id as string | null, inviterPoints: r.inviter_points as number,
      inviteeCouponTemplateId: r.invitee_coupon_template_id as string | null, inviteePoints: r.invitee_points as number, inviterDailyCap: r.inviter_daily_cap as number,
      inviterCashFen: r.inviter_cash_fen as number, inviteeCashFen: r.invitee_cash_fen as number,
      cashPayout: (r.cash_payout as InviteSettings['cashPayout']) ?? 'balance', activityName: (r.activity_name as string | null) ?? null,
    };
  }

  async saveSettings(actor: Actor, input: InviteSettings) {
    const ids = [input.inviterCouponTemplateId, input.inviteeCouponTemplateId].filter((x): x is string => !!x);
    const known = ids.length ? await this.d.coupons.existingTemplateIds(this.p.db, actor.shopId, ids) : new Set<string>();
    if (input.inviterCouponTemplateId && !known.has(input.inviterCouponTemplateId)) throw notFound('Coupon', { field: 'inviterCouponTemplateId' });
    if (input.inviteeCouponTemplateId && !known.has(input.inviteeCouponTemplateId)) throw notFound('Coupon', { field: 'inviteeCouponTemplateId' });
    if (input.enabled && !input.inviterCouponTemplateId && !input.inviterPoints && !input.inviterCashFen && !input.inviteeCouponTemplateId && !input.inviteePoints && !input.inviteeCashFen) {
      throw unprocessable('INVITE_REWARD_REQUIRED', 'Choose at least one reward', { field: 'inviterPoints' });
    }
    return this.p.database.transaction(async (tx) => {
      const before = await this.settings(actor.shopId, tx);
      await tx.execute(sql`
        INSERT INTO invite_settings (shop_id, enabled, new_customer, new_account_hours, trigger, attribution_days, inviter_coupon_template_id, inviter_points, invitee_coupon_template_id, invitee_points,
                                     inviter_cash_fen, invitee_cash_fen, cash_payout, activity_name, inviter_daily_cap, updated_at)
        VALUES (${actor.shopId}, ${input.enabled}, ${input.newCustomer}, ${input.newAccountHours}, ${input.trigger}, ${input.attributionDays}, ${input.inviterCouponTemplateId}, ${input.inviterPoints},
                ${input.inviteeCouponTemplateId}, ${input.inviteePoints}, ${input.inviterCashFen}, ${input.inviteeCashFen},
                ${input.cashPayout ?? 'balance'}, ${input.activityName ?? null}, ${input.inviterDailyCap}, now())
        ON CONFLICT (shop_id) DO UPDATE SET enabled = EXCLUDED.enabled, new_customer = EXCLUDED.new_customer, new_account_hours = EXCLUDED.new_account_hours,
          trigger = EXCLUDED.trigger, attribution_days = EXCLUDED.attribution_days, inviter_coupon_template_id = EXCLUDED.inviter_coupon_template_id,
          inviter_points = EXCLUDED.inviter_points, invitee_coupon_template_id = EXCLUDED.invitee_coupon_template_id, invitee_points = EXCLUDED.invitee_points,
          inviter_cash_fen = EXCLUDED.inviter_cash_fen, invitee_cash_fen = EXCLUDED.invitee_cash_fen, cash_payout = EXCLUDED.cash_payout, activity_name = EXCLUDED.activity_name,
          inviter_daily_cap = EXCLUDED.inviter_daily_cap, updated_at = now()`);
      return { before, after: await this.settings(actor.shopId, tx) };
    });
  }

  /**
   * The invitee, signed in, arrived by `scene`. Returns what happened; refusals that are the invitee's
   * business (not new, already invited) are answers, not errors, so the storefront can carry on quietly.
   */
  async accept(shopId: string, inviteeId: string, scene: string, ip: string) {
    // A forged scene or another shop's is refused whatever the settings: it was never a link of this shop.
    const found = await this.scenes.resolve(shopId, scene);
    if (!found?.sharerCustomerId) throw notFound('Share link', { field: 'scene' });
    const s = await this.settings(shopId);
    if (!s.enabled) return { outcome: 'off' as const };
    const inviterId = found.sharerCustomerId;
    if (inviterId === inviteeId) return { outcome: 'self' as const };
    const invitee = await this.d.customers.getCustomer(shopId, inviteeId);
    if (invitee.mergedInto) return { outcome: 'not_new' as const };
    if (await this.d.orders.hasPaidOrder(shopId, inviteeId)) return { outcome: 'not_new' as const };
    const createdAt = new Date(invitee.registeredAt);
    if (s.newCustomer === 'new_account' && this.p.now().getTime() - createdAt.getTime() > s.newAccountHours * 3600_000) return { outcome: 'not_new' as const };
    const limit = await this.p.hot.rateLimit(`invite-accept:${shopId}:${inviterId}:${ip}`, PER_INVITER_ADDRESS_PER_HOUR, 3600_000);
    if (!limit.allowed) throw tooMany('INVITE_SUSPICIOUS', 'Too many of this inviter’s invitations accepted from this network', { field: 'scene', retryAfterSeconds: Math.ceil(limit.resetMs / 1000) });
    return this.p.database.transaction(async (tx) => {
      const now = this.p.now();
      const [row] = await rows<InvitationRow>(tx, sql`
        INSERT INTO invitations (shop_id, inviter_id, invitee_id, scene, status, accepted_at, expires_at)
        VALUES (${shopId}, ${inviterId}, ${inviteeId}, ${scene}, 'accepted', ${now}, ${new Date(now.getTime() + s.attributionDays * 86_400_000)})
        ON CONFLICT (shop_id, invitee_id) DO NOTHING RETURNING *`);
      if (!row) return { outcome: 'already_invited' as const };
      if (s.trigger === 'registered') await this.reward(tx, row, s, null);
      const [after] = await rows<InvitationRow>(tx, sql`SELECT * FROM invitations WHERE id = ${row.id}`);
      return { outcome: 'accepted' as const, invitation: present(after!) };
    });
  }

  /** A paid order: the invitee's first within the window qualifies the invitation (subscriber of `order.paid`). */
  async onOrderPaid(tx: Db, shopId: string, customerId: string, orderId: string) {
    const [row] = await rows<InvitationRow>(tx, sql`SELECT * FROM invitations WHERE shop_id = ${shopId} AND invitee_id = ${customerId} AND status = 'accepted' FOR UPDATE`);
    if (!row) return;
    const s = await this.settings(shopId, tx);
    if (s.trigger !== 'first_order') return;
    if (new Date(row.expires_at) <= this.p.now()) {
      await tx.execute(sql`UPDATE invitations SET status = 'expired' WHERE id = ${row.id}`);
      return;
    }
    await this.reward(tx, row, s, orderId);
  }

  /** Both rewards, once (status moves from accepted in this transaction); the inviter's within the day's cap. */
  private async reward(tx: Db, row: InvitationRow, s: InviteSettings, orderId: string | null) {
    const [inviter, invitee] = await Promise.all([this.d.customers.getCustomer(row.shop_id, row.inviter_id, tx).catch(() => null), this.d.customers.getCustomer(row.shop_id, row.invitee_id, tx).catch(() => null)]);
    if (!inviter || !invitee || inviter.mergedInto || invitee.mergedInto) {
      await tx.execute(sql`UPDATE invitations SET status = 'rejected', reject_reason = 'merged' WHERE id = ${row.id}`);
      return;
    }
    const day = shanghaiDay(this.p.now());
    // The inviter's day is counted under a lock of (shop, inviter): parallel rewards cannot pass the cap together.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`invite:${row.shop_id}:${row.inviter_id}`}, 0))`);
    const [{ n }] = await rows<{ n: number }>(tx, sql`SELECT count(*)::int AS n FROM invitations WHERE shop_id = ${row.shop_id} AND inviter_id = ${row.inviter_id} AND reward_day = ${day} AND inviter_rewarded`);
    const inviterGets = n < s.inviterDailyCap;
    if (inviterGets) await this.give(tx, row, row.inviter_id, { couponTemplateId: s.inviterCouponTemplateId, points: s.inviterPoints, cashFen: s.inviterCashFen }, 'inviter', s.cashPayout);
    await this.give(tx, row, row.invitee_id, { couponTemplateId: s.inviteeCouponTemplateId, points: s.inviteePoints, cashFen: s.inviteeCashFen }, 'invitee', s.cashPayout);
    await tx.execute(sql`
      UPDATE invitations SET status = 'rewarded', rewarded_at = ${this.p.now()}, qualified_order_id = ${orderId}, inviter_rewarded = ${inviterGets}, reward_day = ${day}
      WHERE id = ${row.id} AND status = 'accepted'`);
    await this.p.events.emit(tx, { shopId: row.shop_id, type: 'invitation.rewarded', payload: { invitationId: row.id, inviterId: row.inviter_id, inviteeId: row.invitee_id, inviterRewarded: inviterGets } });
  }

  private async give(
    tx: Db, row: InvitationRow, customerId: string, reward: { couponTemplateId: string | null; points: number; cashFen: number }, side: 'inviter' | 'invitee', cashPayout: InviteSettings['cashPayout'],
  ) {
    const { couponTemplateId: templateId, points, cashFen } = reward;
    if (templateId) {
      try {
        await this.d.coupons.issue(tx, row.shop_id, templateId, customerId, { source: 'issue', sourceRef: `invite:${row.id}:${side}` });
      } catch (err) {
        // A coupon that ran out or ended is not a reason to withhold the rest of the reward.
        if (!(err instanceof AppError) || err.status >= 500) throw err;
      }
    }
    if (points > 0) await this.d.points.earn(tx, row.shop_id, customerId, points, 'share', `invite:${row.id}:${side}`, side === 'inviter' ? '邀请好友' : '受邀注册');
    if (cashFen <= 0) return;
    // As WeChat change: a payout (once per invitation and side) whose transfer a job sends; it falls back to the
    // balance, with this same ledger reference, if WeChat cancels or fails it. Below WeChat's ¥0.10 minimum the
    // balance gets it straight away.
    if (cashPayout === 'wechat' && cashFen >= MIN_TRANSFER_FEN) {
      await this.payouts.create(tx, { shopId: row.shop_id, invitationId: row.id, customerId, side, amountFen: cashFen });
      return;
    }
    await this.d.storedValue.creditReward(tx, row.shop_id, customerId, cashFen, rewardRef(row.id, side), rewardNote(side));
  }

  /** Accepted invitations past their window without qualifying. */
  async expireDue() {
    await this.p.db.execute(sql`UPDATE invitations SET status = 'expired' WHERE status = 'accepted' AND expires_at <= ${this.p.now()}`);
  }

  /**
   * Merged accounts never qualify: a merged-away invitee or inviter closes the invitation. Cash payouts already
   * given follow the survivor (its sign-ins, and its balance should one fall back).
   */
  async onMerged(tx: Db, shopId: string, fromCustomerId: string, intoCustomerId?: string) {
    await tx.execute(sql`UPDATE invitations SET status = 'rejected', reject_reason = 'merged' WHERE shop_id = ${shopId} AND status = 'accepted' AND (invitee_id = ${fromCustomerId} OR inviter_id = ${fromCustomerId})`);
    if (intoCustomerId) await tx.execute(sql`UPDATE invite_payouts SET customer_id = ${intoCustomerId} WHERE shop_id = ${shopId} AND customer_id = ${fromCustomerId}`);
  }

  // ---- reading ---------------------------------------------------------------------------------------

  async list(shopId: string, q: { status?: InvitationRow['status']; page: number; pageSize: number }) {
    const where = sql`shop_id = ${shopId} ${q.status ? sql`AND status = ${q.status}` : sql``}`;
    const [{ n }] = await rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM invitations WHERE ${where}`);
    const list = await rows<InvitationRow>(this.p.db, sql`SELECT * FROM invitations WHERE ${where} ORDER BY accepted_at DESC, id LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`);
    const names = await this.d.customers.summaries(shopId, [...new Set(list.flatMap((r) => [r.inviter_id, r.invitee_id]))]);
    return {
      items: list.map((r) => ({ ...present(r), inviterNickname: names.get(r.inviter_id)?.nickname ?? null, inviterPhone: names.get(r.inviter_id)?.phone ?? null, inviteeNickname: names.get(r.invitee_id)?.nickname ?? null, inviteePhone: names.get(r.invitee_id)?.phone ?? null })),
      total: n,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  async overview(shopId: string) {
    const since = new Date(this.p.now().getTime() - 29 * 86_400_000);
    const [totals] = await rows<{ accepted: number; rewarded: number; expired: number; rejected: number }>(this.p.db, sql`
      SELECT count(*)::int AS accepted, count(*) FILTER (WHERE status = 'rewarded')::int AS rewarded, count(*) FILTER (WHERE status = 'expired')::int AS expired,
             count(*) FILTER (WHERE status = 'rejected')::int AS rejected
      FROM invitations WHERE shop_id = ${shopId}`);
    const ranking = await rows<{ inviter_id: string; invited: number; rewarded: number }>(this.p.db, sql`
      SELECT inviter_id, count(*)::int AS invited, count(*) FILTER (WHERE status = 'rewarded')::int AS rewarded
      FROM invitations WHERE shop_id = ${shopId} GROUP BY inviter_id ORDER BY rewarded DESC, invited DESC LIMIT 10`);
    const daily = await rows<{ date: string; accepted: number; rewarded: number }>(this.p.db, sql`
      SELECT to_char(d.day, 'YYYY-MM-DD') AS date,
             (SELECT count(*)::int FROM invitations i WHERE i.shop_id = ${shopId} AND (i.accepted_at AT TIME ZONE 'Asia/Shanghai')::date = d.day) AS accepted,
             (SELECT count(*)::int FROM invitations i WHERE i.shop_id = ${shopId} AND i.status = 'rewarded' AND (i.rewarded_at AT TIME ZONE 'Asia/Shanghai')::date = d.day) AS rewarded
      FROM generate_series((${since}::timestamptz AT TIME ZONE 'Asia/Shanghai')::date, (${this.p.now()}::timestamptz AT TIME ZONE 'Asia/Shanghai')::date, interval '1 day') AS d(day)
      ORDER BY d.day`);
    const names = await this.d.customers.summaries(shopId, ranking.map((r) => r.inviter_id));
    return { ...totals, ranking: ranking.map((r) => ({ customerId: r.inviter_id, nickname: names.get(r.inviter_id)?.nickname ?? null, invited: r.invited, rewarded: r.rewarded })), daily };
  }

  /** The storefront's 邀请有礼 page: the rewards on offer and the friends I invited. */
  async mine(shopId: string, customerId: string) {
    const s = await this.settings(shopId);
    const list = await rows<InvitationRow>(this.p.db, sql`SELECT * FROM invitations WHERE shop_id = ${shopId} AND inviter_id = ${customerId} ORDER BY accepted_at DESC LIMIT 100`);
    const names = await this.d.customers.summaries(shopId, list.map((r) => r.invitee_id));
    return {
      enabled: s.enabled,
      trigger: s.trigger,
      attributionDays: s.attributionDays,
      rewards: { inviterPoints: s.inviterPoints, inviterCoupon: !!s.inviterCouponTemplateId, inviterCashFen: s.inviterCashFen, inviteePoints: s.inviteePoints, inviteeCoupon: !!s.inviteeCouponTemplateId, inviteeCashFen: s.inviteeCashFen, cashPayout: s.cashPayout, inviterDailyCap: s.inviterDailyCap },
      invited: list.map((r) => ({ nickname: names.get(r.invitee_id)?.nickname ?? '微信用户', avatarUrl: names.get(r.invitee_id)?.avatarUrl ?? null, status: r.status, acceptedAt: iso(r.accepted_at), rewardedAt: iso(r.rewarded_at), inviterRewarded: r.inviter_rewarded })),
      counts: { invited: list.length, rewarded: list.filter((r) => r.status === 'rewarded').length },
    };
  }
}

function present(r: InvitationRow) {
  return {
    id: r.id, inviterId: r.inviter_id, inviteeId: r.invitee_id, status: r.status, rejectReason: r.reject_reason, acceptedAt: iso(r.accepted_at), expiresAt: iso(r.expires_at),
    qualifiedOrderId: r.qualified_order_id, rewardedAt: iso(r.rewarded_at), inviterRewarded: r.inviter_rewarded,
  };
}

