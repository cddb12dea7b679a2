import type { Actor, Platform } from '../../../platform/context.js';
import { rows, sql, type Db } from '../../../platform/db/index.js';
import { conflict, notFound, unprocessable } from '../../../platform/errors.js';
import type { Order } from '../../orders/schema.js';
import type { FissionDeps } from '../deps.js';
import { groupBuyCheckoutExtension } from './checkout-extension.js';

export type LeaderMode = 'same' | 'discount' | 'free';
export type GroupStatus = 'open' | 'succeeded' | 'failed';

export interface GroupBuyInput {
  name: string;
  productId: string;
  startsAt: Date;
  endsAt: Date;
  groupSize: number;
  durationMinutes: number;
  leaderMode: LeaderMode;
  newCustomerOnly: boolean;
  virtualThresholdPct?: number | null;
  perOrderLimit: number;
  perCustomerLimit: number;
  /** 阶梯团: group sizes at which the price falls, ascending; the last is groupSize. */
  tierSizes?: number[] | null;
  items: { skuId: string; groupPriceFen: number; leaderPriceFen?: number; tierPricesFen?: number[] }[];
}

interface ActivityRow {
  id: string;
  shop_id: string;
  name: string;
  product_id: string;
  starts_at: Date | string;
  ends_at: Date | string;
  group_size: number;
  duration_minutes: number;
  leader_mode: LeaderMode;
  new_customer_only: boolean;
  virtual_threshold_pct: number | null;
  per_order_limit: number;
  per_customer_limit: number;
  status: 'active' | 'ended';
  tier_sizes: number[] | null;
  items: ActivityItem[];
}

interface ActivityItem {
  skuId: string;
  groupPriceFen: number;
  leaderPriceFen: number;
  tierPricesFen: number[] | null;
}

interface GroupRow {
  id: string;
  shop_id: string;
  group_buy_id: string;
  leader_customer_id: string;
  size: number;
  filled: number;
  virtual_seats: number;
  status: GroupStatus;
  opened_at: Date | string;
  expires_at: Date | string;
  ended_at: Date | string | null;
  tiered: boolean;
  min_size: number | null;
  settled_at: Date | string | null;
  tier_size_reached: number | null;
  settle_retry_at: Date | string | null;
}

interface SeatRow {
  order_id: string;
  shop_id: string;
  group_buy_id: string;
  customer_id: string;
  sku_id: string;
  quantity: number;
  wanted_group_id: string | null;
  group_id: string | null;
  is_leader: boolean;
  moved: boolean;
  status: 'pending' | 'joined' | 'cancelled' | 'refunding' | 'refunded';
  joined_at: Date | string | null;
  refunded_at: Date | string | null;
  tier_refund_fen: number | null;
}

/** What checkout learnt about a group-buy order, for its pricing step and its commit. */
export interface GroupBuyContext {
  groupBuyId: string;
  groupId: string | null;
  skuId: string;
  quantity: number;
  unitPriceFen: number;
  groupPriceFen: number;
  isLeader: boolean;
  perCustomerLimit: number;
}

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
const HOLD = 'group_buy';
const FAILED_REASON = '拼团未成团,自动退款';
const ENDED_REASON = '拼团活动已结束,自动退款';
const TIER_REASON = '阶梯团差价退款';
/** A settlement waiting for a member's open case is tried again after this. */
const SETTLE_RETRY_MS = 60_000;

/** An activity's SKUs with their prices, as one JSON column. */
const ITEMS_JSON = sql`coalesce((SELECT json_agg(json_build_object('skuId', i.sku_id, 'groupPriceFen', i.group_price_fen, 'leaderPriceFen', i.leader_price_fen, 'tierPricesFen', i.tier_prices_fen)) FROM group_buy_items i WHERE i.group_buy_id = a.id), '[]'::json)`;

/** A group that takes members: open, or a tiered group that succeeded at a lower tier and is not settled yet. */
const JOINABLE = sql`(g.status = 'open' OR (g.tiered AND g.status = 'succeeded' AND g.settled_at IS NULL))`;

/** The largest tier a group of `filled` members reached (0 when below the first). */
export function tierReached(tierSizes: number[], filled: number) {
  return tierSizes.filter((n) => n <= filled).at(-1) ?? 0;
}

/**
 * 拼团. Checkout prices the line at the group (or leader) price and holds the order; the seat is taken when
 * the order is paid, inside the payment's transaction (`orders.whenPaid`), by a conditional UPDATE of the
 * group row — the row lock serialises every payment into one group, and `filled + virtual_seats <= size`
 * is also a CHECK. A buyer whose group filled or closed while paying is seated in another open group, or
 * opens one. A full group releases its members' orders for shipping or pickup; an expired one refunds every
 * member in one transaction keyed per order, so retries and parallel sweeps refund once.
 */
export class GroupBuyService {
  constructor(
    private p: Platform,
    private d: FissionDeps,
  ) {
    d.orders.whenPaid((tx, order) => this.seat(tx, order));
    d.checkout.extend(groupBuyCheckoutExtension(this));
  }

  // ---- console ---------------------------------------------------------------------------------------

  async create(actor: Actor, input: GroupBuyInput) {
    if (!(input.startsAt < input.endsAt)) throw unprocessable('GROUP_BUY_WINDOW_INVALID', 'The end must come after the start', { field: 'endsAt' });
    const tiers = input.tierSizes?.length ? input.tierSizes : null;
    if (tiers) assertTiers(input, tiers);
    const skus = await this.d.catalog.skusForOrder(this.p.db, actor.shopId, input.items.map((i) => i.skuId));
    const seen = new Set<string>();
    const items = input.items.map((it, i) => {
      const sku = skus.find((s) => s.skuId === it.skuId);
      if (!sku || sku.productId !== input.productId) throw notFound('SKU', { field: `items.${i}.skuId` });
      if (seen.has(it.skuId)) throw unprocessable('SKU_DUPLICATE', 'The same SKU appears twice', { field: `items.${i}.skuId` });
      seen.add(it.skuId);
      if (it.groupPriceFen >= sku.price) throw unprocessable('GROUP_PRICE_TOO_HIGH', 'The group price must be below the price', { field: `items.${i}.groupPriceFen`, priceFen: sku.price });
      const leaderPriceFen = input.leaderMode === 'free' ? 0 : input.leaderMode === 'same' ? it.groupPriceFen : (it.leaderPriceFen ?? it.groupPriceFen);
      if (leaderPriceFen > it.groupPriceFen) throw unprocessable('LEADER_PRICE_TOO_HIGH', 'The leader pays at most the group price', { field: `items.${i}.leaderPriceFen` });
      return { skuId: it.skuId, groupPriceFen: it.groupPriceFen, leaderPriceFen, tierPricesFen: tiers ? (it.tierPricesFen ?? null) : null };
    });
    return this.p.database.transaction(async (tx) => {
      // One running group buy per product: two would price the same product two ways.
      const [clash] = await rows(tx, sql`SELECT id FROM group_buys WHERE shop_id = ${actor.shopId} AND product_id = ${input.productId} AND status = 'active' AND ends_at > ${input.startsAt} AND starts_at < ${input.endsAt} FOR UPDATE`);
      if (clash) throw conflict('GROUP_BUY_OVERLAP', 'This product is already in a group buy at that time', { field: 'productId' });
      const [row] = await rows<{ id: string }>(tx, sql`
        INSERT INTO group_buys (shop_id, name, product_id, starts_at, ends_at, group_size, duration_minutes, leader_mode, new_customer_only, virtual_threshold_pct, per_order_limit, per_customer_limit, tier_sizes)
        VALUES (${actor.shopId}, ${input.name}, ${input.productId}, ${input.startsAt}, ${input.endsAt}, ${input.groupSize}, ${input.durationMinutes}, ${input.leaderMode}, ${input.newCustomerOnly},
                ${input.virtualThresholdPct ?? null}, ${input.perOrderLimit}, ${input.perCustomerLimit}, ${tiers ? `{${tiers.join(',')}}` : null}::integer[])
        RETURNING id`);
      for (const it of items) {
        await tx.execute(sql`INSERT INTO group_buy_items (group_buy_id, shop_id, sku_id, group_price_fen, leader_price_fen, tier_prices_fen)
          VALUES (${row.id}, ${actor.shopId}, ${it.skuId}, ${it.groupPriceFen}, ${it.leaderPriceFen}, ${it.tierPricesFen ? `{${it.tierPricesFen.join(',')}}` : null}::integer[])`);
      }
      return (await this.present(tx, actor.shopId, [row.id]))[0]!;
    });
  }

  async list(shopId: string) {
    const ids = await rows<{ id: string }>(this.p.db, sql`SELECT id FROM group_buys WHERE shop_id = ${shopId} ORDER BY created_at DESC LIMIT 200`);
    return { items: await this.present(this.p.db, shopId, ids.map((r) => r.id)) };
  }

  async get(shopId: string, id: string) {
    const [activity] = await this.present(this.p.db, shopId, [id]);
    if (!activity) throw notFound('Group buy', { field: 'id' });
    const since = new Date(this.p.now().getTime() - 29 * 86_400_000);
    const daily = await rows<{ date: string; opened: number; succeeded: number; failed: number }>(this.p.db, sql`
      SELECT to_char(d.day, 'YYYY-MM-DD') AS date,
             count(g.id) FILTER (WHERE (g.opened_at AT TIME ZONE 'Asia/Shanghai')::date = d.day)::int AS opened,
             count(g.id) FILTER (WHERE g.status = 'succeeded' AND (g.ended_at AT TIME ZONE 'Asia/Shanghai')::date = d.day)::int AS succeeded,
             count(g.id) FILTER (WHERE g.status = 'failed' AND (g.ended_at AT TIME ZONE 'Asia/Shanghai')::date = d.day)::int AS failed
      FROM generate_series((${since}::timestamptz AT TIME ZONE 'Asia/Shanghai')::date, (${this.p.now()}::timestamptz AT TIME ZONE 'Asia/Shanghai')::date, interval '1 day') AS d(day)
      LEFT JOIN group_buy_groups g ON g.group_buy_id = ${id} AND g.shop_id = ${shopId}
        AND ((g.opened_at AT TIME ZONE 'Asia/Shanghai')::date = d.day OR (g.ended_at AT TIME ZONE 'Asia/Shanghai')::date = d.day)
      GROUP BY d.day ORDER BY d.day`);
    return { ...activity, daily };
  }

  async end(actor: Actor, id: string) {
    return this.p.database.transaction(async (tx) => {
      const [row] = await rows(tx, sql`UPDATE group_buys SET status = 'ended', updated_at = now() WHERE id = ${id} AND shop_id = ${actor.shopId} RETURNING id`);
      if (!row) throw notFound('Group buy', { field: 'id' });
      return (await this.present(tx, actor.shopId, [id]))[0]!;
    });
  }

  async groups(shopId: string, id: string, q: { status?: GroupStatus; page: number; pageSize: number }) {
    const [exists] = await rows(this.p.db, sql`SELECT 1 FROM group_buys WHERE id = ${id} AND shop_id = ${shopId}`);
    if (!exists) throw notFound('Group buy', { field: 'id' });
    const where = sql`shop_id = ${shopId} AND group_buy_id = ${id} ${q.status ? sql`AND status = ${q.status}` : sql``}`;
    const [{ n }] = await rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM group_buy_groups WHERE ${where}`);
    const list = await rows<GroupRow>(this.p.db, sql`SELECT * FROM group_buy_groups WHERE ${where} ORDER BY opened_at DESC, id LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`);
    const seats = list.length ? await rows<SeatRow & { order_no: string }>(this.p.db, sql`
      SELECT * FROM group_buy_orders WHERE shop_id = ${shopId} AND group_id = ANY(${`{${list.map((g) => g.id).join(',')}}`}::uuid[]) ORDER BY joined_at`) : [];
    const [names, numbers] = await Promise.all([
      this.d.customers.summaries(shopId, [...new Set(seats.map((s) => s.customer_id))]),
      this.d.orders.numbersOf(shopId, seats.map((s) => s.order_id)),
    ]);
    return {
      items: list.map((g) => ({
        ...presentGroup(g),
        members: seats
          .filter((s) => s.group_id === g.id)
          .map((s) => ({ customerId: s.customer_id, nickname: names.get(s.customer_id)?.nickname ?? null, orderId: s.order_id, orderNo: numbers.get(s.order_id) ?? null, isLeader: s.is_leader, moved: s.moved, joinedAt: iso(s.joined_at), refundedAt: iso(s.refunded_at), status: s.status, tierRefundFen: s.tier_refund_fen })),
      })),
      total: n,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  private async present(db: Db, shopId: string, ids: string[]) {
    if (!ids.length) return [];
    const list = await rows<ActivityRow & { stats: { groupsOpen: number; groupsSucceeded: number; groupsFailed: number; membersPaid: number; paidFen: number } }>(db, sql`
      SELECT a.*,
        ${ITEMS_JSON} AS items,
        (SELECT json_build_object(
           'groupsOpen', count(*) FILTER (WHERE g.status = 'open'),
           'groupsSucceeded', count(*) FILTER (WHERE g.status = 'succeeded'),
           'groupsFailed', count(*) FILTER (WHERE g.status = 'failed'),
           'membersPaid', coalesce((SELECT count(*) FROM group_buy_orders o WHERE o.group_buy_id = a.id AND o.group_id IS NOT NULL), 0),
           -- 实收: members still in (a failed group's refunds are out), less what 阶梯团 settlements gave back.
           'paidFen', coalesce((SELECT sum(o.paid_fen - coalesce(o.tier_refund_fen, 0)) FROM group_buy_orders o WHERE o.group_buy_id = a.id AND o.status = 'joined'), 0))
         FROM group_buy_groups g WHERE g.group_buy_id = a.id) AS stats
      FROM group_buys a WHERE a.shop_id = ${shopId} AND a.id = ANY(${`{${ids.join(',')}}`}::uuid[])`);
    const skus = await this.d.catalog.skusForOrder(db, shopId, list.flatMap((a) => a.items.map((i) => i.skuId)));
    const byId = new Map(list.map((a) => [a.id, a]));
    return ids
      .map((id) => byId.get(id))
      .filter((a): a is NonNullable<typeof a> => !!a)
      .map((a) => {
        const first = skus.find((s) => s.productId === a.product_id);
        return {
          ...presentActivity(a),
          productTitle: first?.productTitle ?? null,
          imageUrl: first?.imageUrl ?? null,
          items: a.items.map((i) => {
            const sku = skus.find((s) => s.skuId === i.skuId);
            return { ...i, specText: sku?.specText ?? '', priceFen: sku?.price ?? null };
          }),
          stats: { groupsOpen: Number(a.stats.groupsOpen), groupsSucceeded: Number(a.stats.groupsSucceeded), groupsFailed: Number(a.stats.groupsFailed), membersPaid: Number(a.stats.membersPaid), paidFen: Number(a.stats.paidFen) },
        };
      });
  }

  // ---- storefront ------------------------------------------------------------------------------------

  /** The group buy running for a product now, and groups still open to join (fullest first, then oldest). */
  async forProduct(shopId: string, productId: string, customerId?: string) {
    const now = this.p.now();
    const [a] = await rows<ActivityRow>(this.p.db, sql`
      SELECT a.*, ${ITEMS_JSON} AS items
      FROM group_buys a WHERE a.shop_id = ${shopId} AND a.product_id = ${productId} AND a.status = 'active' AND a.starts_at <= ${now} AND a.ends_at > ${now}
      ORDER BY a.starts_at LIMIT 1`);
    if (!a) return { groupBuy: null, openGroups: [], serverTime: now.toISOString() };
    const open = await rows<GroupRow>(this.p.db, sql`
      SELECT g.* FROM group_buy_groups g
      WHERE g.group_buy_id = ${a.id} AND ${JOINABLE} AND g.expires_at > ${now} AND g.filled + g.virtual_seats < g.size
        ${customerId ? sql`AND NOT EXISTS (SELECT 1 FROM group_buy_orders o WHERE o.group_id = g.id AND o.customer_id = ${customerId})` : sql``}
      ORDER BY g.size - g.filled ASC, g.expires_at ASC LIMIT 10`);
    const names = await this.d.customers.summaries(shopId, open.map((g) => g.leader_customer_id));
    return {
      groupBuy: { ...presentActivity(a), items: a.items },
      openGroups: open.map((g) => ({
        id: g.id, leaderNickname: names.get(g.leader_customer_id)?.nickname ?? null, leaderAvatarUrl: names.get(g.leader_customer_id)?.avatarUrl ?? null,
        filled: g.filled, size: g.size, seatsLeft: g.size - g.filled - g.virtual_seats, expiresAt: iso(g.expires_at), formed: g.status === 'succeeded',
      })),
      serverTime: now.toISOString(),
    };
  }

  /** A group as its members and those invited see it. */
  async group(shopId: string, groupId: string, customerId?: string) {
    const [g] = await rows<GroupRow & { product_id: string }>(this.p.db, sql`
      SELECT g.*, a.product_id FROM group_buy_groups g JOIN group_buys a ON a.id = g.group_buy_id WHERE g.id = ${groupId} AND g.shop_id = ${shopId}`);
    if (!g) throw notFound('Group', { field: 'id' });
    const seats = await rows<SeatRow>(this.p.db, sql`SELECT * FROM group_buy_orders WHERE group_id = ${groupId} AND status IN ('joined', 'refunding', 'refunded') ORDER BY is_leader DESC, joined_at`);
    const [names, items] = await Promise.all([
      this.d.customers.summaries(shopId, seats.map((s) => s.customer_id)),
      rows<{ sku_id: string; group_price_fen: number; tier_prices_fen: number[] | null; tier_sizes: number[] | null }>(this.p.db, sql`
        SELECT i.sku_id, i.group_price_fen, i.tier_prices_fen, a.tier_sizes FROM group_buy_items i JOIN group_buys a ON a.id = i.group_buy_id WHERE i.group_buy_id = ${g.group_buy_id}`),
    ]);
    const skus = await this.d.catalog.skusForOrder(this.p.db, shopId, items.map((i) => i.sku_id));
    const mine = customerId ? seats.find((s) => s.customer_id === customerId) : undefined;
    return {
      ...presentGroup(g),
      groupBuyId: g.group_buy_id,
      productId: g.product_id,
      productTitle: skus[0]?.productTitle ?? null,
      imageUrl: skus[0]?.imageUrl ?? null,
      groupPriceFen: Math.min(...items.map((i) => i.group_price_fen)),
      // 阶梯团: each tier's size and price for the ladder the page draws — a member's own SKU's, else the lowest over the SKUs.
      tiers: tierLadder(items[0]?.tier_sizes ?? null, (mine ? items.filter((i) => i.sku_id === mine.sku_id) : items).map((i) => i.tier_prices_fen)),
      myTierRefundFen: mine?.tier_refund_fen ?? null,
      joinable: (g.status === 'open' || (g.tiered && g.status === 'succeeded' && !g.settled_at)) && new Date(g.expires_at) > this.p.now() && g.filled + g.virtual_seats < g.size,
      members: seats.filter((s) => s.status === 'joined' || g.status !== 'open').map((s) => ({ nickname: names.get(s.customer_id)?.nickname ?? '微信用户', avatarUrl: names.get(s.customer_id)?.avatarUrl ?? null, isLeader: s.is_leader, virtual: false })),
      mine: !!mine,
      myOrderId: mine?.order_id ?? null,
      serverTime: this.p.now().toISOString(),
    };
  }

  async mine(shopId: string, customerId: string) {
    const list = await rows<GroupRow & { order_id: string; is_leader: boolean; sku_id: string; seat_status: string; product_id: string; tier_refund_fen: number | null }>(this.p.db, sql`
      SELECT o.order_id, o.is_leader, o.status AS seat_status, o.sku_id, o.tier_refund_fen, g.*, a.product_id
      FROM group_buy_orders o JOIN group_buy_groups g ON g.id = o.group_id JOIN group_buys a ON a.id = o.group_buy_id
      WHERE o.shop_id = ${shopId} AND o.customer_id = ${customerId} ORDER BY o.joined_at DESC LIMIT 100`);
    const skus = await this.d.catalog.skusForOrder(this.p.db, shopId, list.map((r) => r.sku_id));
    return {
      items: list.map((r) => {
        const sku = skus.find((s) => s.skuId === r.sku_id);
        return {
          groupId: r.id, status: r.status, size: r.size, filled: r.filled, virtualSeats: r.virtual_seats, expiresAt: iso(r.expires_at), productTitle: sku?.productTitle ?? null, imageUrl: sku?.imageUrl ?? null, orderId: r.order_id, isLeader: r.is_leader,
          tiered: r.tiered, minSize: r.min_size, settledAt: iso(r.settled_at), tierSizeReached: r.tier_size_reached, tierRefundFen: r.tier_refund_fen,
        };
      }),
    };
  }

  // ---- checkout --------------------------------------------------------------------------------------

  /** Checks a group-buy checkout before it is priced; the seat itself is decided at payment. */
  async forCheckout(db: Db, q: { shopId: string; customerId: string; at: Date; groupBuy: { groupBuyId: string; groupId?: string }; items: { skuId: string; quantity: number }[] }): Promise<GroupBuyContext> {
    const [a] = await rows<ActivityRow>(db, sql`
      SELECT a.*, ${ITEMS_JSON} AS items,
        (SELECT count(*)::int FROM group_buy_orders o WHERE o.group_buy_id = a.id AND o.customer_id = ${q.customerId} AND o.status IN ('pending', 'joined')) AS taken
      FROM group_buys a WHERE a.id = ${q.groupBuy.groupBuyId} AND a.shop_id = ${q.shopId}`);
    const field = 'groupBuy.groupBuyId';
    if (!a) throw notFound('Group buy', { field });
    if (a.status !== 'active' || new Date(a.starts_at) > q.at || new Date(a.ends_at) <= q.at) throw conflict('GROUP_BUY_NOT_RUNNING', 'This group buy is not running', { field });
    if (q.items.length !== 1) throw unprocessable('GROUP_BUY_ONE_LINE', 'A group-buy order has exactly one line', { field: 'items' });
    const line = q.items[0]!;
    const item = a.items.find((i) => i.skuId === line.skuId);
    if (!item) throw unprocessable('GROUP_BUY_SKU', 'This option is not in the group buy', { field: 'items.0.skuId' });
    if (line.quantity > a.per_order_limit) throw conflict('GROUP_BUY_ORDER_LIMIT', `At most ${a.per_order_limit} per order`, { field: 'items.0.quantity', limit: a.per_order_limit });
    if (Number((a as unknown as { taken: number }).taken) >= a.per_customer_limit) throw conflict('GROUP_BUY_CUSTOMER_LIMIT', 'You have already taken part as often as allowed', { field, limit: a.per_customer_limit });
    const groupId = q.groupBuy.groupId ?? null;
    if (groupId) {
      const [g] = await rows<GroupRow & { mine: boolean }>(db, sql`
        SELECT g.*, EXISTS (SELECT 1 FROM group_buy_orders o WHERE o.group_id = g.id AND o.customer_id = ${q.customerId}) AS mine
        FROM group_buy_groups g WHERE g.id = ${groupId} AND g.group_buy_id = ${a.id}`);
      if (!g) throw notFound('Group', { field: 'groupBuy.groupId' });
      if (g.mine) throw conflict('GROUP_ALREADY_JOINED', 'You are already in this group', { field: 'groupBuy.groupId' });
      const growing = g.tiered && g.status === 'succeeded' && !g.settled_at;
      if ((g.status !== 'open' && !growing) || new Date(g.expires_at) <= q.at) throw conflict('GROUP_CLOSED', 'This group has closed', { field: 'groupBuy.groupId' });
      if (g.filled + g.virtual_seats >= g.size) throw conflict('GROUP_FULL', 'This group is full; open your own or join another', { field: 'groupBuy.groupId' });
      // 老带新: the leader may be anyone; those who join must never have paid here.
      if (a.new_customer_only && (await this.d.orders.hasPaidOrder(q.shopId, q.customerId, db))) {
        throw conflict('GROUP_BUY_NEW_CUSTOMERS_ONLY', 'Only new customers may join these groups', { field: 'groupBuy.groupId' });
      }
    }
    const isLeader = !groupId;
    return { groupBuyId: a.id, groupId, skuId: line.skuId, quantity: line.quantity, unitPriceFen: isLeader ? item.leaderPriceFen : item.groupPriceFen, groupPriceFen: item.groupPriceFen, isLeader, perCustomerLimit: a.per_customer_limit };
  }

  /** In the order's transaction: records what the buyer asked for and holds the order until its group forms. */
  async commitOrder(tx: Db, order: { id: string; shopId: string; customerId: string }, c: GroupBuyContext) {
    // Per customer, checked again under a lock of (activity, customer), so parallel checkouts cannot pass it together.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`group_buy:${c.groupBuyId}:${order.customerId}`}, 0))`);
    const [{ n }] = await rows<{ n: number }>(tx, sql`SELECT count(*)::int AS n FROM group_buy_orders WHERE group_buy_id = ${c.groupBuyId} AND customer_id = ${order.customerId} AND status IN ('pending', 'joined')`);
    if (n >= c.perCustomerLimit) throw conflict('GROUP_BUY_CUSTOMER_LIMIT', 'You have already taken part as often as allowed', { field: 'groupBuy.groupBuyId', limit: c.perCustomerLimit });
    await tx.execute(sql`
      INSERT INTO group_buy_orders (order_id, shop_id, group_buy_id, customer_id, sku_id, quantity, wanted_group_id)
      VALUES (${order.id}, ${order.shopId}, ${c.groupBuyId}, ${order.customerId}, ${c.skuId}, ${c.quantity}, ${c.groupId})`);
    await this.d.orders.hold(tx, order.shopId, order.id, HOLD);
  }

  // ---- payment: the seat -----------------------------------------------------------------------------

  /**
   * Runs in the payment's transaction. The asked-for group if it still has a seat, else the fullest open
   * group of the activity the buyer is not in, else a new group with the buyer as leader; each a
   * conditional UPDATE whose WHERE is evaluated again after any wait for the row lock, so no group overfills.
   */
  async seat(tx: Db, order: Order) {
    const [s] = await rows<SeatRow>(tx, sql`SELECT * FROM group_buy_orders WHERE order_id = ${order.id} FOR UPDATE`);
    if (!s || s.status !== 'pending') return;
    const now = this.p.now();
    const [a] = await rows<ActivityRow>(tx, sql`SELECT * FROM group_buys WHERE id = ${s.group_buy_id}`);
    let group: GroupRow | undefined;
    let isLeader = false;
    if (s.wanted_group_id) group = await this.takeSeat(tx, sql`g.id = ${s.wanted_group_id}`, s.customer_id, now);
    if (!group && s.wanted_group_id) {
      // Its group filled or closed while the buyer paid: the fullest other group with a seat, else a new one.
      for (let attempt = 0; attempt < 3 && !group; attempt++) {
        const [candidate] = await rows<{ id: string }>(tx, sql`
          SELECT g.id FROM group_buy_groups g
          WHERE g.group_buy_id = ${s.group_buy_id} AND ${JOINABLE} AND g.expires_at > ${now} AND g.filled + g.virtual_seats < g.size
            AND NOT EXISTS (SELECT 1 FROM group_buy_orders o WHERE o.group_id = g.id AND o.customer_id = ${s.customer_id})
          ORDER BY g.size - g.filled ASC, g.opened_at ASC LIMIT 1 FOR UPDATE SKIP LOCKED`);
        if (!candidate) break;
        group = await this.takeSeat(tx, sql`g.id = ${candidate.id}`, s.customer_id, now);
      }
    }
    if (!group) {
      if (!a || a.status !== 'active' || new Date(a.ends_at) <= now) {
        // No group can be opened after the activity: the money goes straight back.
        await tx.execute(sql`UPDATE group_buy_orders SET status = 'refunding', paid_fen = ${order.paidFen} WHERE order_id = ${order.id}`);
        await this.d.refunds.refundWholeBySystem(tx, order.shopId, order.id, ENDED_REASON, `group_buy:${order.id}`);
        return;
      }
      const expires = new Date(now.getTime() + a.duration_minutes * 60_000);
      [group] = await rows<GroupRow>(tx, sql`
        INSERT INTO group_buy_groups (shop_id, group_buy_id, leader_customer_id, size, filled, opened_at, expires_at, tiered, min_size)
        VALUES (${order.shopId}, ${s.group_buy_id}, ${s.customer_id}, ${a.group_size}, 1, ${now}, ${expires}, ${!!a.tier_sizes}, ${a.tier_sizes?.[0] ?? null}) RETURNING *`);
      isLeader = true;
    }
    const g = group!;
    await tx.execute(sql`
      UPDATE group_buy_orders SET group_id = ${g.id}, is_leader = ${isLeader}, moved = ${!!s.wanted_group_id && s.wanted_group_id !== g.id}, status = 'joined', joined_at = ${now}, paid_fen = ${order.paidFen}
      WHERE order_id = ${order.id}`);
    if (g.tiered) {
      if (g.status === 'succeeded') {
        // A tiered group already formed: the newcomer ships at once and lowers everyone's price at settlement.
        await this.d.orders.releaseHold(tx, g.shop_id, [order.id], HOLD);
        await this.p.events.emit(tx, { shopId: g.shop_id, type: 'group_buy.succeeded', payload: { groupId: g.id, groupBuyId: g.group_buy_id, productTitle: await this.productTitle(tx, g), orderIds: [order.id], customerIds: [s.customer_id], virtualSeats: 0 } });
      } else if (g.filled >= (g.min_size ?? g.size)) {
        await this.succeed(tx, g, now);
      }
      if (g.filled >= g.size) await this.p.jobs.send('groupbuy.settle', { shopId: g.shop_id, groupId: g.id }, { tx, singletonKey: `settle:${g.id}` });
      return;
    }
    if (g.filled + g.virtual_seats >= g.size) await this.succeed(tx, g, now);
  }

  private async takeSeat(tx: Db, which: ReturnType<typeof sql>, customerId: string, now: Date) {
    const [g] = await rows<GroupRow>(tx, sql`
      UPDATE group_buy_groups g SET filled = g.filled + 1
      WHERE ${which} AND ${JOINABLE} AND g.expires_at > ${now} AND g.filled + g.virtual_seats < g.size
        AND NOT EXISTS (SELECT 1 FROM group_buy_orders o WHERE o.group_id = g.id AND o.customer_id = ${customerId})
      RETURNING g.*`);
    return g;
  }

  private async succeed(tx: Db, g: GroupRow, now: Date, virtualSeats = 0) {
    await tx.execute(sql`UPDATE group_buy_groups SET status = 'succeeded', virtual_seats = virtual_seats + ${virtualSeats}, ended_at = ${now} WHERE id = ${g.id}`);
    const members = await rows<{ order_id: string; customer_id: string }>(tx, sql`SELECT order_id, customer_id FROM group_buy_orders WHERE group_id = ${g.id} AND status = 'joined'`);
    await this.d.orders.releaseHold(tx, g.shop_id, members.map((m) => m.order_id), HOLD);
    await this.p.events.emit(tx, { shopId: g.shop_id, type: 'group_buy.succeeded', payload: { groupId: g.id, groupBuyId: g.group_buy_id, productTitle: await this.productTitle(tx, g), orderIds: members.map((m) => m.order_id), customerIds: members.map((m) => m.customer_id), virtualSeats } });
  }

  /** What the members' notice names: the group buy's product. */
  private async productTitle(tx: Db, g: GroupRow) {
    const [a] = await rows<{ product_id: string }>(tx, sql`SELECT product_id FROM group_buys WHERE id = ${g.group_buy_id}`);
    return a ? ((await this.d.catalog.titles(g.shop_id, [a.product_id], tx)).get(a.product_id) ?? '') : '';
  }

  // ---- expiry ----------------------------------------------------------------------------------------

  /** Groups past their time: 模拟成团 where the threshold is met, otherwise failed with every member refunded. */
  async expireDue(limit = 50) {
    const due = await rows<{ id: string; shop_id: string }>(this.p.db, sql`
      SELECT id, shop_id FROM group_buy_groups WHERE status = 'open' AND expires_at <= ${this.p.now()} ORDER BY expires_at LIMIT ${limit}`);
    for (const g of due) await this.expire(g.shop_id, g.id);
    return due.length;
  }

  async expire(shopId: string, groupId: string) {
    await this.p.database.transaction(async (tx) => {
      const now = this.p.now();
      const [g] = await rows<GroupRow & { virtual_threshold_pct: number | null }>(tx, sql`
        SELECT g.*, a.virtual_threshold_pct FROM group_buy_groups g JOIN group_buys a ON a.id = g.group_buy_id
        WHERE g.id = ${groupId} AND g.shop_id = ${shopId} FOR UPDATE OF g`);
      if (!g || g.status !== 'open' || new Date(g.expires_at) > now) return;
      if (g.virtual_threshold_pct !== null && g.filled * 100 >= g.virtual_threshold_pct * g.size) {
        await this.succeed(tx, g, now, g.size - g.filled - g.virtual_seats);
        return;
      }
      await tx.execute(sql`UPDATE group_buy_groups SET status = 'failed', ended_at = ${now} WHERE id = ${g.id}`);
      const members = await rows<{ order_id: string; customer_id: string }>(tx, sql`SELECT order_id, customer_id FROM group_buy_orders WHERE group_id = ${g.id} AND status = 'joined' ORDER BY order_id FOR UPDATE`);
      for (const m of members) {
        await this.d.refunds.refundWholeBySystem(tx, shopId, m.order_id, FAILED_REASON, `group_buy:${m.order_id}`);
        await tx.execute(sql`UPDATE group_buy_orders SET status = 'refunding' WHERE order_id = ${m.order_id}`);
      }
      await this.p.events.emit(tx, { shopId, type: 'group_buy.failed', payload: { groupId: g.id, groupBuyId: g.group_buy_id, productTitle: await this.productTitle(tx, g), orderIds: members.map((m) => m.order_id), customerIds: members.map((m) => m.customer_id) } });
    });
  }

  // ---- 阶梯团 settlement -------------------------------------------------------------------------------

  /** Tiered groups that are full or out of time and not settled yet. */
  async settleDue(limit = 50) {
    const due = await rows<{ id: string; shop_id: string }>(this.p.db, sql`
      SELECT id, shop_id FROM group_buy_groups
      WHERE tiered AND status = 'succeeded' AND settled_at IS NULL AND (expires_at <= ${this.p.now()} OR filled >= size)
        AND (settle_retry_at IS NULL OR settle_retry_at <= ${this.p.now()})
      ORDER BY expires_at LIMIT ${limit}`);
    let settled = 0;
    for (const g of due) if (await this.settle(g.shop_id, g.id)) settled++;
    return { found: due.length, settled };
  }

  /**
   * Gives every member the difference between the first tier's price, which they paid, and the tier the group
   * reached, as a price-difference refund keyed per order: a retried or parallel settlement refunds once. A
   * member with another after-sales case open is left for the next round (its amount depends on that case),
   * and the group stays unsettled until every member is done.
   */
  async settle(shopId: string, groupId: string) {
    return this.p.database.transaction(async (tx) => {
      const now = this.p.now();
      const [g] = await rows<GroupRow & { tier_sizes: number[] | null }>(tx, sql`
        SELECT g.*, a.tier_sizes FROM group_buy_groups g JOIN group_buys a ON a.id = g.group_buy_id
        WHERE g.id = ${groupId} AND g.shop_id = ${shopId} FOR UPDATE OF g`);
      if (!g || !g.tiered || g.status !== 'succeeded' || g.settled_at || !g.tier_sizes) return false;
      if (new Date(g.expires_at) > now && g.filled < g.size) return false;
      const reached = tierReached(g.tier_sizes, g.filled);
      const tier = g.tier_sizes.indexOf(reached);
      const members = await rows<SeatRow & { tier_prices_fen: number[] | null }>(tx, sql`
        SELECT o.*, i.tier_prices_fen FROM group_buy_orders o JOIN group_buy_items i ON i.group_buy_id = o.group_buy_id AND i.sku_id = o.sku_id
        WHERE o.group_id = ${g.id} AND o.status = 'joined' ORDER BY o.order_id FOR UPDATE OF o`);
      let waiting = false;
      const refunded: { customerId: string; orderId: string; refundFen: number }[] = [];
      for (const m of members) {
        if (m.tier_refund_fen !== null) continue;
        const prices = m.tier_prices_fen ?? [];
        const diff = tier > 0 && prices.length > tier ? (prices[0]! - prices[tier]!) * m.quantity : 0;
        let fen = 0;
        if (diff > 0) {
          const r = await this.d.refunds.refundPriceDifferenceBySystem(tx, shopId, m.order_id, m.sku_id, diff, TIER_REASON, `group_buy_tier:${m.order_id}`);
          if (r === 'busy') {
            waiting = true;
            continue;
          }
          fen = r?.amountFen ?? 0;
        }
        await tx.execute(sql`UPDATE group_buy_orders SET tier_refund_fen = ${fen} WHERE order_id = ${m.order_id}`);
        refunded.push({ customerId: m.customer_id, orderId: m.order_id, refundFen: fen });
      }
      if (waiting) {
        await tx.execute(sql`UPDATE group_buy_groups SET settle_retry_at = ${new Date(now.getTime() + SETTLE_RETRY_MS)} WHERE id = ${g.id}`);
        return false;
      }
      await tx.execute(sql`UPDATE group_buy_groups SET settled_at = ${now}, tier_size_reached = ${reached} WHERE id = ${g.id}`);
      await this.p.events.emit(tx, { shopId, type: 'group_buy.settled', payload: { groupId: g.id, groupBuyId: g.group_buy_id, productTitle: await this.productTitle(tx, g), tierSize: reached, members: refunded } });
      return true;
    });
  }

  // ---- order events ----------------------------------------------------------------------------------

  /** An unpaid group-buy order was cancelled: it no longer counts against the customer's limit. */
  async onCancelled(tx: Db, orderId: string) {
    await tx.execute(sql`UPDATE group_buy_orders SET status = 'cancelled' WHERE order_id = ${orderId} AND status = 'pending'`);
  }

  /** A member's money is back: a failed group's refund landed, or staff refunded a member of an open group (the seat is free again). */
  async onRefunded(tx: Db, orderId: string, full: boolean) {
    if (!full) return;
    const [s] = await rows<SeatRow>(tx, sql`SELECT * FROM group_buy_orders WHERE order_id = ${orderId} FOR UPDATE`);
    if (!s || s.status === 'refunded' || !s.group_id) return;
    if (s.status === 'joined') {
      await tx.execute(sql`UPDATE group_buy_groups SET filled = filled - 1 WHERE id = ${s.group_id} AND status = 'open'`);
    }
    await tx.execute(sql`UPDATE group_buy_orders SET status = 'refunded', refunded_at = ${this.p.now()} WHERE order_id = ${orderId}`);
  }

  async moveCustomer(tx: Db, shopId: string, fromCustomerId: string, intoCustomerId: string) {
    await tx.execute(sql`UPDATE group_buy_orders o SET customer_id = ${intoCustomerId} WHERE shop_id = ${shopId} AND customer_id = ${fromCustomerId}
      AND NOT EXISTS (SELECT 1 FROM group_buy_orders x WHERE x.group_id = o.group_id AND x.customer_id = ${intoCustomerId})`);
    await tx.execute(sql`UPDATE group_buy_groups SET leader_customer_id = ${intoCustomerId} WHERE shop_id = ${shopId} AND leader_customer_id = ${fromCustomerId}`);
  }
}

function presentActivity(a: ActivityRow) {
  return {
    id: a.id,
    name: a.name,
    productId: a.product_id,
    status: a.status,
    startsAt: iso(a.starts_at),
    endsAt: iso(a.ends_at),
    groupSize: a.group_size,
    durationMinutes: a.duration_minutes,
    leaderMode: a.leader_mode,
    newCustomerOnly: a.new_customer_only,
    virtualThresholdPct: a.virtual_threshold_pct,
    perOrderLimit: a.per_order_limit,
    perCustomerLimit: a.per_customer_limit,
    tierSizes: a.tier_sizes,
  };
}

function presentGroup(g: GroupRow) {
  return {
    id: g.id, status: g.status, size: g.size, filled: g.filled, virtualSeats: g.virtual_seats, openedAt: iso(g.opened_at), expiresAt: iso(g.expires_at), endedAt: iso(g.ended_at),
    tiered: g.tiered, minSize: g.min_size, settledAt: iso(g.settled_at), tierSizeReached: g.tier_size_reached,
  };
}

/** Each tier's size with the lowest of its SKUs' prices ("3 人 ¥79 起"), or null for a plain group buy. */
function tierLadder(sizes: number[] | null, prices: (number[] | null)[]) {
  if (!sizes) return null;
  return sizes.map((size, i) => ({ size, priceFen: Math.min(...prices.map((p) => p?.[i] ?? Number.MAX_SAFE_INTEGER)) }));
}

/**
 * 阶梯团 rules the contract cannot see alone: everyone pays the first tier's price (so no leader price, and no
 * 模拟成团 — a tiered group already forms at its first tier), and each SKU's price falls with every tier.
 */
function assertTiers(input: GroupBuyInput, tiers: number[]) {
  if (input.leaderMode !== 'same') throw unprocessable('GROUP_BUY_TIERS_LEADER', 'A tiered group buy has no leader price', { field: 'leaderMode' });
  if (input.virtualThresholdPct != null) throw unprocessable('GROUP_BUY_TIERS_VIRTUAL', 'A tiered group buy forms at its first tier; 模拟成团 does not apply', { field: 'virtualThresholdPct' });
  if (tiers.at(-1) !== input.groupSize) throw unprocessable('GROUP_BUY_TIERS_INVALID', 'The last tier is the group size', { field: 'tierSizes' });
  tiers.forEach((n, i) => {
    if (n < 2 || (i > 0 && n <= tiers[i - 1]!)) throw unprocessable('GROUP_BUY_TIERS_INVALID', 'Tier sizes rise from at least 2', { field: `tierSizes.${i}` });
  });
  input.items.forEach((it, i) => {
    const prices = it.tierPricesFen;
    if (!prices || prices.length !== tiers.length) throw unprocessable('GROUP_BUY_TIER_PRICES', 'One price per tier', { field: `items.${i}.tierPricesFen` });
    if (prices[0] !== it.groupPriceFen) throw unprocessable('GROUP_BUY_TIER_PRICES', 'The first tier costs the group price', { field: `items.${i}.tierPricesFen.0` });
    prices.forEach((fen, k) => {
      if (k > 0 && !(fen < prices[k - 1]!)) throw unprocessable('GROUP_BUY_TIER_PRICES', 'Each tier costs less than the one before', { field: `items.${i}.tierPricesFen.${k}` });
    });
  });
}
