import { and, asc, desc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import type { BargainInput, BargainLaunchView, BargainStatus, BargainView } from '@siyu/contracts';
import type { Actor, Platform } from '../../../platform/context.js';
import { rows, type Db } from '../../../platform/db/index.js';
import { AppError, conflict, notFound, unprocessable } from '../../../platform/errors.js';
import type { SkuForOrder } from '../../catalog/service.js';
import type { FissionDeps } from '../deps.js';
import { bargainCheckoutExtension, type BargainCheckoutContext } from './checkout-extension.js';
import { nextCut } from './cuts.js';
import { bargainHelperDays, bargainHelps, bargainLaunches, bargains, type Bargain, type BargainLaunch } from './schema.js';

/** The shop-local calendar day (Asia/Shanghai, no daylight saving) a help counts against. */
const shopDay = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
const maskPhone = (p: string) => `${p.slice(0, 3)}****${p.slice(-4)}`;
const displayName = (c: { nickname?: string | null; phone?: string | null } | undefined) => c?.nickname?.trim() || (c?.phone ? maskPhone(c.phone) : '好友');
const EXPIRE_BATCH = 500;

/** Where a bargain stands at `now`. Pure. */
export function bargainStatus(b: Pick<Bargain, 'status' | 'startsAt' | 'endsAt'>, now: Date): BargainStatus {
  if (b.status === 'ended' || now >= b.endsAt) return 'ended';
  return now < b.startsAt ? 'upcoming' : 'active';
}

/** A launch as customers see it: an ongoing launch past its deadline is expired even before the sweep marks it. */
const launchStatus = (l: BargainLaunch, now: Date) => (l.status === 'ongoing' && l.expiresAt <= now ? 'expired' : l.status);

/**
 * 砍价. A customer launches a bargain on one SKU; friends, each once, cut its price along the cut curve
 * (cuts.ts) until `helpersNeeded` helps land it on the floor. Every help locks its launch row, so parallel
 * helps are serialised and the CHECKs of the table hold. The launcher buys through ordinary checkout with
 * `bargainLaunchId` (checkout-extension.ts); stock is reserved by that order only, and the activity quota
 * is counted there too.
 */
export class BargainService {
  constructor(
    private p: Platform,
    private d: FissionDeps,
  ) {
    d.checkout.extend(bargainCheckoutExtension(this));
  }

  // ---- activities (console) --------------------------------------------------------------------------

  async create(actor: Actor, input: BargainInput) {
    const [sku] = await this.d.catalog.skusForOrder(this.p.db, actor.shopId, [input.skuId]);
    if (!sku || sku.productId !== input.productId) throw notFound('SKU', { field: 'skuId' });
    const start = input.startPriceFen ?? sku.price;
    if (start > sku.price) throw unprocessable('BARGAIN_START_ABOVE_PRICE', 'The start price may not be above the SKU’s price', { field: 'startPriceFen', priceFen: sku.price });
    if (input.floorPriceFen >= start) throw unprocessable('BARGAIN_FLOOR_NOT_BELOW_START', 'The floor price must be below the start price', { field: 'floorPriceFen', startPriceFen: start });
    if (input.helpersNeeded > start - input.floorPriceFen) {
      throw unprocessable('BARGAIN_TOO_MANY_HELPERS', 'Each helper cuts at least ¥0.01: at most as many helpers as fen between start and floor', { field: 'helpersNeeded', max: start - input.floorPriceFen });
    }
    return this.p.database.transaction(async (tx) => {
      const clash = await tx
        .select({ id: bargains.id })
        .from(bargains)
        .where(and(eq(bargains.shopId, actor.shopId), eq(bargains.productId, input.productId), eq(bargains.status, 'active'), gt(bargains.endsAt, input.startsAt), sql`${bargains.startsAt} < ${input.endsAt}`))
        .limit(1);
      if (clash.length) throw conflict('BARGAIN_OVERLAP', 'This product already has a bargain at that time', { field: 'productId', bargainId: clash[0].id });
      const [b] = await tx
        .insert(bargains)
        .values({
          shopId: actor.shopId, name: input.name, productId: input.productId, skuId: input.skuId, startsAt: input.startsAt, endsAt: input.endsAt,
          startPriceFen: start, floorPriceFen: input.floorPriceFen, helpersNeeded: input.helpersNeeded, launchHours: input.launchHours, buyMode: input.buyMode,
          helpsPerHelperPerDay: input.helpsPerHelperPerDay, launchesPerCustomer: input.launchesPerCustomer, stock: input.stock,
          firstCutMinPct: input.firstCutPct[0], firstCutMaxPct: input.firstCutPct[1],
        })
        .returning();
      return (await this.views(tx, actor.shopId, [b]))[0];
    });
  }

  private async bargain(db: Db, shopId: string, id: string, field = 'id') {
    const [b] = await db.select().from(bargains).where(and(eq(bargains.id, id), eq(bargains.shopId, shopId)));
    if (!b) throw notFound('Bargain', { field });
    return b;
  }

  private async skus(db: Db, shopId: string, skuIds: string[]) {
    const list = skuIds.length ? await this.d.catalog.skusForOrder(db, shopId, [...new Set(skuIds)]) : [];
    return new Map<string, SkuForOrder>(list.map((s) => [s.skuId, s]));
  }

  private async views(db: Db, shopId: string, list: Bargain[]): Promise<BargainView[]> {
    const skus = await this.skus(db, shopId, list.map((b) => b.skuId));
    const now = this.p.now();
    return list.map((b) => {
      const s = skus.get(b.skuId);
      return {
        id: b.id, name: b.name, productId: b.productId, productTitle: s?.productTitle ?? '', imageUrl: s?.imageUrl ?? null, skuId: b.skuId, specText: s?.specText ?? '',
        status: bargainStatus(b, now), startsAt: b.startsAt.toISOString(), endsAt: b.endsAt.toISOString(),
        startPriceFen: b.startPriceFen, floorPriceFen: b.floorPriceFen, helpersNeeded: b.helpersNeeded, launchHours: b.launchHours, buyMode: b.buyMode,
        helpsPerHelperPerDay: b.helpsPerHelperPerDay, launchesPerCustomer: b.launchesPerCustomer, stock: b.stock, sold: b.sold,
        firstCutPct: [b.firstCutMinPct, b.firstCutMaxPct],
      };
    });
  }

  private async stats(db: Db, ids: string[]) {
    const out = new Map<string, { launches: number; succeeded: number; ordered: number; helps: number }>();
    if (!ids.length) return out;
    const list = await db
      .select({
        bargainId: bargainLaunches.bargainId,
        launches: sql<number>`count(*)::int`,
        succeeded: sql<number>`(count(*) FILTER (WHERE ${bargainLaunches.succeededAt} IS NOT NULL))::int`,
        ordered: sql<number>`(count(*) FILTER (WHERE ${bargainLaunches.paidAt} IS NOT NULL))::int`,
        helps: sql<number>`coalesce(sum(${bargainLaunches.helpsCount}), 0)::int`,
      })
      .from(bargainLaunches)
      .where(inArray(bargainLaunches.bargainId, ids))
      .groupBy(bargainLaunches.bargainId);
    for (const r of list) out.set(r.bargainId, { launches: Number(r.launches), succeeded: Number(r.succeeded), ordered: Number(r.ordered), helps: Number(r.helps) });
    return out;
  }

  async list(shopId: string) {
    const list = await this.p.db.select().from(bargains).where(eq(bargains.shopId, shopId)).orderBy(desc(bargains.createdAt)).limit(200);
    const [views, stats] = await Promise.all([this.views(this.p.db, shopId, list), this.stats(this.p.db, list.map((b) => b.id))]);
    return { items: views.map((v) => ({ ...v, stats: stats.get(v.id) ?? { launches: 0, succeeded: 0, ordered: 0, helps: 0 } })) };
  }

  /** A bargain with its figures and its latest launches (who launched, how far their helpers got). */
  async get(shopId: string, id: string) {
    const b = await this.bargain(this.p.db, shopId, id);
    const [[view], stats, launches] = await Promise.all([
      this.views(this.p.db, shopId, [b]),
      this.stats(this.p.db, [b.id]),
      this.p.db.select().from(bargainLaunches).where(eq(bargainLaunches.bargainId, b.id)).orderBy(desc(bargainLaunches.createdAt)).limit(100),
    ]);
    const who = await this.d.customers.summaries(shopId, [...new Set(launches.map((l) => l.customerId))]);
    const now = this.p.now();
    return {
      ...view,
      stats: stats.get(b.id) ?? { launches: 0, succeeded: 0, ordered: 0, helps: 0 },
      launches: launches.map((l) => ({
        id: l.id, customerId: l.customerId, nickname: displayName(who.get(l.customerId)), status: launchStatus(l, now),
        currentPriceFen: l.currentPriceFen, helpsCount: l.helpsCount, helpersNeeded: l.helpersNeeded,
        expiresAt: l.expiresAt.toISOString(), createdAt: l.createdAt.toISOString(), succeededAt: l.succeededAt?.toISOString() ?? null,
        orderId: l.orderId, paidAt: l.paidAt?.toISOString() ?? null,
      })),
    };
  }

  /** Ends a bargain now: no more launches or helps; ongoing launches expire. Succeeded ones may still be bought. */
  async end(actor: Actor, id: string) {
    await this.p.database.transaction(async (tx) => {
      const [b] = await tx.select().from(bargains).where(and(eq(bargains.id, id), eq(bargains.shopId, actor.shopId))).for('update');
      if (!b) throw notFound('Bargain', { field: 'id' });
      if (b.status === 'ended') return;
      const now = this.p.now();
      await tx.update(bargains).set({ status: 'ended', endedAt: now, updatedAt: now }).where(eq(bargains.id, b.id));
      await tx.update(bargainLaunches).set({ status: 'expired', updatedAt: now }).where(and(eq(bargainLaunches.bargainId, b.id), eq(bargainLaunches.status, 'ongoing')));
    });
    return this.get(actor.shopId, id);
  }

  // ---- the storefront --------------------------------------------------------------------------------

  /** The running (or next) bargain of a product, for the product page. */
  async forProduct(shopId: string, productId: string) {
    if (!(await this.d.catalog.existingProductIds(shopId, [productId])).has(productId)) throw notFound('Product', { field: 'id' });
    const now = this.p.now();
    const [b] = await this.p.db
      .select()
      .from(bargains)
      .where(and(eq(bargains.shopId, shopId), eq(bargains.productId, productId), eq(bargains.status, 'active'), gt(bargains.endsAt, now)))
      .orderBy(asc(bargains.startsAt))
      .limit(1);
    return { bargain: b ? (await this.views(this.p.db, shopId, [b]))[0] : null, serverTime: now.toISOString() };
  }

  /**
   * Launches a bargain for the customer, or returns their live launch of it (`created: false`). The
   * advisory lock orders a customer's launches of one bargain, so the per-customer count cannot be raced past.
   */
  async launch(shopId: string, customerId: string, bargainId: string, deviceId?: string) {
    const { launch, created } = await this.p.database.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`bargain-launch:${bargainId}:${customerId}`}))`);
      const b = await this.bargain(tx, shopId, bargainId);
      const now = this.p.now();
      const phase = bargainStatus(b, now);
      if (phase !== 'active') throw conflict('BARGAIN_NOT_ACTIVE', phase === 'upcoming' ? 'The bargain has not started' : 'The bargain is over', { field: 'id', status: phase });
      const [live] = await tx
        .select()
        .from(bargainLaunches)
        .where(and(eq(bargainLaunches.bargainId, b.id), eq(bargainLaunches.customerId, customerId), or(inArray(bargainLaunches.status, ['ongoing', 'succeeded']), and(eq(bargainLaunches.status, 'ordered'), isNull(bargainLaunches.paidAt)))));
      if (live && !(live.status === 'ongoing' && live.expiresAt <= now)) return { launch: live, created: false };
      // Its deadline passed before the sweep reached it: that is what it is.
      if (live) await tx.update(bargainLaunches).set({ status: 'expired', updatedAt: now }).where(and(eq(bargainLaunches.id, live.id), eq(bargainLaunches.status, 'ongoing')));
      if (b.sold >= b.stock) throw conflict('BARGAIN_SOLD_OUT', 'The bargain is sold out', { field: 'id' });
      const [had] = await tx.select({ n: sql<number>`count(*)::int` }).from(bargainLaunches).where(and(eq(bargainLaunches.bargainId, b.id), eq(bargainLaunches.customerId, customerId)));
      if (Number(had.n) >= b.launchesPerCustomer) throw conflict('BARGAIN_LAUNCH_LIMIT', `At most ${b.launchesPerCustomer} launches per customer`, { field: 'id', limit: b.launchesPerCustomer });
      const [row] = await tx
        .insert(bargainLaunches)
        .values({
          shopId, bargainId: b.id, customerId, skuId: b.skuId, startPriceFen: b.startPriceFen, floorPriceFen: b.floorPriceFen, currentPriceFen: b.startPriceFen,
          helpersNeeded: b.helpersNeeded, deviceId: deviceId ?? null, expiresAt: new Date(Math.min(now.getTime() + b.launchHours * 3600_000, b.endsAt.getTime())),
        })
        .returning();
      return { launch: row, created: true };
    });
    return { launch: (await this.present(this.p.db, shopId, [launch], customerId))[0], created };
  }

  /** A launch for its page: public (a friend opens the shared link), with what the viewer may do. */
  async launchView(shopId: string, id: string, viewerId: string | null) {
    const [l] = await this.p.db.select().from(bargainLaunches).where(and(eq(bargainLaunches.id, id), eq(bargainLaunches.shopId, shopId)));
    if (!l) throw notFound('Bargain launch', { field: 'id' });
    return (await this.present(this.p.db, shopId, [l], viewerId))[0];
  }

  async mine(shopId: string, customerId: string) {
    const list = await this.p.db.select().from(bargainLaunches).where(and(eq(bargainLaunches.shopId, shopId), eq(bargainLaunches.customerId, customerId))).orderBy(desc(bargainLaunches.createdAt)).limit(50);
    return { items: await this.present(this.p.db, shopId, list, customerId) };
  }

  private async present(db: Db, shopId: string, list: BargainLaunch[], viewerId: string | null): Promise<BargainLaunchView[]> {
    if (!list.length) return [];
    const ids = list.map((l) => l.id);
    const [acts, skus, helps] = await Promise.all([
      db.select().from(bargains).where(inArray(bargains.id, [...new Set(list.map((l) => l.bargainId))])),
      this.skus(db, shopId, list.map((l) => l.skuId)),
      db.select().from(bargainHelps).where(inArray(bargainHelps.launchId, ids)).orderBy(asc(bargainHelps.createdAt)),
    ]);
    const byId = new Map(acts.map((b) => [b.id, b]));
    const launchers = new Map<string, { nickname: string; avatarUrl: string | null }>();
    for (const cid of new Set(list.map((l) => l.customerId))) {
      const c = await this.d.customers.getCustomer(shopId, cid, db).catch((err) => {
        if (err instanceof AppError && err.status === 404) return null;
        throw err;
      });
      launchers.set(cid, { nickname: displayName(c ?? undefined), avatarUrl: c?.avatarUrl ?? null });
    }
    const now = this.p.now();
    return list.map((l) => {
      const b = byId.get(l.bargainId)!;
      const s = skus.get(l.skuId);
      const status = launchStatus(l, now);
      const mine = viewerId === l.customerId;
      const its = helps.filter((h) => h.launchId === l.id);
      const buyable = status === 'succeeded' || (status === 'ongoing' && b.buyMode === 'current_price');
      return {
        id: l.id, bargainId: l.bargainId, productId: b.productId, skuId: l.skuId, productTitle: s?.productTitle ?? '', specText: s?.specText ?? '', imageUrl: s?.imageUrl ?? null,
        launcher: launchers.get(l.customerId)!,
        startPriceFen: l.startPriceFen, floorPriceFen: l.floorPriceFen, currentPriceFen: l.currentPriceFen, helpersNeeded: l.helpersNeeded, helpsCount: l.helpsCount,
        status, expiresAt: l.expiresAt.toISOString(), buyMode: b.buyMode,
        canBuy: mine && buyable && b.sold < b.stock,
        helps: its.map((h) => ({ nickname: h.nickname ?? '好友', avatarUrl: h.avatarUrl, cutFen: h.cutFen, at: h.createdAt.toISOString() })),
        mine,
        helpedByMe: !!viewerId && its.some((h) => h.helperId === viewerId),
        orderId: mine ? l.orderId : null,
        serverTime: now.toISOString(),
      };
    });
  }

  /** The phones that speak for a customer: the account's and those of their delivery addresses. */
  private async phonesOf(shopId: string, customerId: string, accountPhone: string | null) {
    const addresses = await this.d.customers.addresses.list(shopId, customerId);
    return { account: accountPhone, all: new Set([accountPhone, ...addresses.map((a) => a.phone)].filter((p): p is string => !!p)) };
  }

  /**
   * A friend helps: one transaction under the launch's row lock. Refused when the launch is over, when
   * they helped it already, from the launcher's own device or a device that helped it already, when the
   * helper's phone is the launcher's (their account's or one they ship to, either way), or past the helper's
   * daily cap. The cut comes from the curve over what is left, so the last helper lands on the floor.
   */
  async help(shopId: string, helperId: string, launchId: string, deviceId?: string) {
    const [first] = await this.p.db.select().from(bargainLaunches).where(and(eq(bargainLaunches.id, launchId), eq(bargainLaunches.shopId, shopId)));
    if (!first) throw notFound('Bargain launch', { field: 'id' });
    if (first.customerId === helperId) throw conflict('BARGAIN_HELP_REFUSED', 'You cannot help your own bargain', { field: 'id', reason: 'self' });
    const b = await this.bargain(this.p.db, shopId, first.bargainId);
    const helper = await this.d.customers.getCustomer(shopId, helperId);
    const launcherPhone = (await this.d.customers.phonesFor(shopId, [first.customerId])).get(first.customerId) ?? null;
    const [mine, theirs] = await Promise.all([this.phonesOf(shopId, helperId, helper.phone), this.phonesOf(shopId, first.customerId, launcherPhone)]);
    const samePhone = (!!mine.account && theirs.all.has(mine.account)) || (!!theirs.account && mine.all.has(theirs.account));

    return this.p.database.transaction(async (tx) => {
      const [l] = await tx.select().from(bargainLaunches).where(eq(bargainLaunches.id, first.id)).for('update');
      const now = this.p.now();
      if (l.status !== 'ongoing' || l.expiresAt <= now) throw conflict('BARGAIN_CLOSED', 'This bargain takes no more help', { field: 'id', status: launchStatus(l, now) });
      const [again] = await tx.select({ id: bargainHelps.id }).from(bargainHelps).where(and(eq(bargainHelps.launchId, l.id), eq(bargainHelps.helperId, helperId)));
      if (again) throw conflict('BARGAIN_ALREADY_HELPED', 'You have already helped this bargain', { field: 'id' });
      if (deviceId) {
        const [seen] = await tx.select({ id: bargainHelps.id }).from(bargainHelps).where(and(eq(bargainHelps.launchId, l.id), eq(bargainHelps.deviceId, deviceId)));
        if (seen || l.deviceId === deviceId) throw conflict('BARGAIN_HELP_REFUSED', 'This device has already taken part in this bargain', { field: 'id', reason: 'same_device' });
      }
      if (samePhone) throw conflict('BARGAIN_HELP_REFUSED', 'The helper’s phone is the launcher’s', { field: 'id', reason: 'same_phone' });
      const [counted] = await rows<{ helps: number }>(tx, sql`
        INSERT INTO bargain_helper_days (shop_id, helper_id, day, helps) VALUES (${shopId}, ${helperId}, ${shopDay(now)}, 1)
        ON CONFLICT (shop_id, helper_id, day) DO UPDATE SET helps = bargain_helper_days.helps + 1
          WHERE bargain_helper_days.helps < ${b.helpsPerHelperPerDay}
        RETURNING helps`);
      if (!counted) throw conflict('BARGAIN_DAILY_LIMIT', `At most ${b.helpsPerHelperPerDay} helps a day`, { field: 'id', limit: b.helpsPerHelperPerDay });
      const cutFen = nextCut(l.currentPriceFen - l.floorPriceFen, l.helpersNeeded - l.helpsCount, Math.random, { first: l.helpsCount === 0, firstCutPct: [b.firstCutMinPct, b.firstCutMaxPct] });
      const currentPriceFen = l.currentPriceFen - cutFen;
      const done = l.helpsCount + 1 === l.helpersNeeded;
      await tx.insert(bargainHelps).values({
        shopId, launchId: l.id, bargainId: l.bargainId, helperId, deviceId: deviceId ?? null, cutFen, priceAfterFen: currentPriceFen,
        nickname: displayName(helper), avatarUrl: helper.avatarUrl ?? null, createdAt: now,
      });
      await tx
        .update(bargainLaunches)
        .set({ currentPriceFen, helpsCount: l.helpsCount + 1, status: done ? 'succeeded' : 'ongoing', succeededAt: done ? now : null, updatedAt: now })
        .where(eq(bargainLaunches.id, l.id));
      if (done) await this.p.events.emit(tx, { shopId, type: 'bargain.succeeded', payload: { launchId: l.id, bargainId: l.bargainId, customerId: l.customerId, priceFen: currentPriceFen } });
      return { cutFen, currentPriceFen, status: done ? ('succeeded' as const) : ('ongoing' as const) };
    });
  }

  // ---- the order (checkout extension and order events) -----------------------------------------------

  /** What checkout needs to price a bargain order, checked: my launch, still buyable, exactly its SKU once. */
  async forCheckout(db: Db, shopId: string, customerId: string, launchId: string, items: { skuId: string; quantity: number }[]): Promise<BargainCheckoutContext> {
    const [l] = await db.select().from(bargainLaunches).where(and(eq(bargainLaunches.id, launchId), eq(bargainLaunches.shopId, shopId), eq(bargainLaunches.customerId, customerId)));
    if (!l) throw notFound('Bargain launch', { field: 'bargainLaunchId' });
    const b = await this.bargain(db, shopId, l.bargainId, 'bargainLaunchId');
    const status = launchStatus(l, this.p.now());
    if (status === 'ordered') throw conflict('BARGAIN_ORDERED', 'This bargain has already been ordered', { field: 'bargainLaunchId', orderId: l.orderId });
    if (status === 'expired') throw conflict('BARGAIN_CLOSED', 'This bargain has expired', { field: 'bargainLaunchId', status });
    if (b.buyMode === 'floor_only' && status !== 'succeeded') {
      throw conflict('BARGAIN_NOT_AT_FLOOR', 'This bargain can only be bought at the floor price', { field: 'bargainLaunchId', currentPriceFen: l.currentPriceFen, floorPriceFen: l.floorPriceFen });
    }
    if (b.sold >= b.stock) throw conflict('BARGAIN_SOLD_OUT', 'The bargain is sold out', { field: 'bargainLaunchId' });
    if (items.length !== 1 || items[0].skuId !== l.skuId || items[0].quantity !== 1) {
      throw unprocessable('BARGAIN_ITEMS_INVALID', 'A bargain order holds the bargain’s SKU, once', { field: 'items', skuId: l.skuId });
    }
    return { launchId: l.id, bargainId: b.id, skuId: l.skuId, currentPriceFen: l.currentPriceFen, buyMode: b.buyMode };
  }

  /**
   * Inside the order's transaction: the activity quota counts one and the launch becomes ordered, both by
   * conditional UPDATEs, so an order past the quota or a second order of the launch is refused (and rolled
   * back). The quota row first: every bargain order (and `end`) locks the bargain before its launches.
   */
  async claimForOrder(tx: Db, shopId: string, customerId: string, c: BargainCheckoutContext, orderId: string) {
    const now = this.p.now();
    const counted = await tx
      .update(bargains)
      .set({ sold: sql`${bargains.sold} + 1`, updatedAt: now })
      .where(and(eq(bargains.id, c.bargainId), sql`${bargains.sold} < ${bargains.stock}`))
      .returning({ id: bargains.id });
    const buyableNow = c.buyMode === 'current_price'
      ? or(eq(bargainLaunches.status, 'succeeded'), and(eq(bargainLaunches.status, 'ongoing'), gt(bargainLaunches.expiresAt, now)))
      : eq(bargainLaunches.status, 'succeeded');
    const claimed = counted.length
      ? await tx
          .update(bargainLaunches)
          .set({ status: 'ordered', statusBeforeOrder: sql`${bargainLaunches.status}`, orderId, orderedAt: now, updatedAt: now })
          .where(and(eq(bargainLaunches.id, c.launchId), eq(bargainLaunches.shopId, shopId), eq(bargainLaunches.customerId, customerId), eq(bargainLaunches.currentPriceFen, c.currentPriceFen), buyableNow))
          .returning({ id: bargainLaunches.id })
      : [];
    if (claimed.length) return;
    const [l] = await tx.select().from(bargainLaunches).where(eq(bargainLaunches.id, c.launchId));
    if (l?.status === 'ordered') throw conflict('BARGAIN_ORDERED', 'This bargain has already been ordered', { field: 'bargainLaunchId' });
    if (!counted.length) throw conflict('BARGAIN_SOLD_OUT', 'The bargain is sold out', { field: 'bargainLaunchId' });
    if (l && l.currentPriceFen !== c.currentPriceFen && launchStatus(l, now) !== 'expired') {
      throw conflict('BARGAIN_PRICE_CHANGED', 'A friend just cut the price: check out again at the new price', { field: 'bargainLaunchId', currentPriceFen: l.currentPriceFen });
    }
    throw conflict('BARGAIN_CLOSED', 'This bargain can no longer be bought', { field: 'bargainLaunchId' });
  }

  /** The order was paid: the launch is bought (and no longer the customer's live launch). */
  async onOrderPaid(tx: Db, shopId: string, orderId: string) {
    await tx
      .update(bargainLaunches)
      .set({ paidAt: this.p.now(), updatedAt: new Date() })
      .where(and(eq(bargainLaunches.shopId, shopId), eq(bargainLaunches.orderId, orderId), isNull(bargainLaunches.paidAt)));
  }

  /** The order was cancelled unpaid: the launch is as it was before (the customer may order again), the quota unit comes back. */
  async onOrderCancelled(tx: Db, shopId: string, orderId: string) {
    const [l] = await tx.select().from(bargainLaunches).where(and(eq(bargainLaunches.shopId, shopId), eq(bargainLaunches.orderId, orderId))).for('update');
    if (!l || l.status !== 'ordered' || l.paidAt) return;
    const now = this.p.now();
    const before = l.statusBeforeOrder ?? 'succeeded';
    const status = before === 'ongoing' && l.expiresAt <= now ? 'expired' : before;
    await tx.update(bargainLaunches).set({ status, statusBeforeOrder: null, orderId: null, orderedAt: null, updatedAt: now }).where(eq(bargainLaunches.id, l.id));
    await tx.update(bargains).set({ sold: sql`${bargains.sold} - 1`, updatedAt: now }).where(and(eq(bargains.id, l.bargainId), gt(bargains.sold, 0)));
  }

  // ---- over time -------------------------------------------------------------------------------------

  /** Ongoing launches past their deadline become expired (in batches; SKIP LOCKED leaves a launch being helped alone). */
  async expireDue() {
    let total = 0;
    for (;;) {
      const now = this.p.now();
      const done = await rows<{ id: string }>(this.p.db, sql`
        UPDATE bargain_launches SET status = 'expired', updated_at = ${now}
        WHERE status = 'ongoing' AND id IN (SELECT id FROM bargain_launches WHERE status = 'ongoing' AND expires_at <= ${now} ORDER BY expires_at LIMIT ${EXPIRE_BATCH} FOR UPDATE SKIP LOCKED)
        RETURNING id`);
      total += done.length;
      if (done.length < EXPIRE_BATCH) break;
    }
    // Yesterday's counters decide nothing any more (a day in Asia/Shanghai ends within 16 h of UTC's).
    await this.p.db.delete(bargainHelperDays).where(sql`${bargainHelperDays.day} < ${shopDay(new Date(this.p.now().getTime() - 2 * 86_400_000))}::date`);
    return total;
  }
}

