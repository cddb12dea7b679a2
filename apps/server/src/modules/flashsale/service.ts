import { and, asc, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import type { FlashSaleInput } from '@siyu/contracts';
import type { Actor, Platform } from '../../platform/context.js';
import { escapeLike, rows, type Db } from '../../platform/db/index.js';
import { badRequest, conflict, notFound, unprocessable } from '../../platform/errors.js';
import type { CatalogService } from '../catalog/service.js';
import type { InventoryService } from '../inventory/service.js';
import { FLASH_SOURCE, hotKeys } from './keys.js';
import { flashSaleAttempts, flashSaleItems, flashSaleSessions, flashSales, type FlashSale, type FlashSaleItem, type FlashSaleSession } from './schema.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const actorRef = (a: Actor) => `${a.type}:${a.id}`;

export interface SaleDetail extends FlashSale {
  sessions: (FlashSaleSession & { items: FlashSaleItem[] })[];
}

/** Units per item by attempt status, from PostgreSQL. */
export interface ItemUse {
  accepted: number;
  ordered: number;
  released: number;
  orders: number;
  paidOrders: number;
  paidUnits: number;
}

/**
 * Flash sales as the console manages them: drafts, publish (sets the activity stock aside from normal
 * stock), end, and the figures of a running sale. The purchase path is in purchase.ts; warming,
 * reconciliation and settlement in reconcile.ts.
 */
export class FlashSaleService {
  constructor(
    private p: Platform,
    private catalog: CatalogService,
    private inventory: InventoryService,
  ) {}

  async get(shopId: string, id: string, db: Db = this.p.db): Promise<SaleDetail> {
    if (!UUID.test(id)) throw notFound('Flash sale', { field: 'id' });
    const [sale] = await db.select().from(flashSales).where(and(eq(flashSales.id, id), eq(flashSales.shopId, shopId)));
    if (!sale) throw notFound('Flash sale', { field: 'id' });
    const [sessions, items] = await Promise.all([
      db.select().from(flashSaleSessions).where(eq(flashSaleSessions.flashSaleId, id)).orderBy(asc(flashSaleSessions.startsAt), asc(flashSaleSessions.id)),
      db.select().from(flashSaleItems).where(eq(flashSaleItems.flashSaleId, id)).orderBy(asc(flashSaleItems.position)),
    ]);
    return { ...sale, sessions: sessions.map((s) => ({ ...s, items: items.filter((i) => i.sessionId === s.id) })) };
  }

  /** The sale with, per item, what is sold and left (the hot store's count while the session is loaded). */
  async detail(shopId: string, id: string) {
    const sale = await this.get(shopId, id);
    const use = await this.itemUse(sale.sessions.flatMap((s) => s.items.map((i) => i.id)));
    const now = this.p.now();
    return {
      ...sale,
      serverTime: now.toISOString(),
      sessions: await Promise.all(sale.sessions.map(async (s) => ({
        ...s,
        state: sessionState(sale, s, now),
        items: await Promise.all(s.items.map(async (i) => ({ ...i, ...(await this.figures(sale, s, i, use.get(i.id))) }))),
      }))),
    };
  }

  async list(shopId: string, q: { status?: FlashSale['status']; q?: string; page: number; pageSize: number }) {
    const conds: SQL[] = [eq(flashSales.shopId, shopId)];
    if (q.status) conds.push(eq(flashSales.status, q.status));
    if (q.q) conds.push(ilike(flashSales.name, `%${escapeLike(q.q)}%`));
    const where = and(...conds);
    const [list, [count]] = await Promise.all([
      this.p.db.select().from(flashSales).where(where).orderBy(desc(flashSales.createdAt), desc(flashSales.id)).limit(q.pageSize).offset((q.page - 1) * q.pageSize),
      this.p.db.select({ n: sql<number>`count(*)::int` }).from(flashSales).where(where),
    ]);
    const sessions = list.length
      ? await this.p.db.select().from(flashSaleSessions).where(inArray(flashSaleSessions.flashSaleId, list.map((s) => s.id))).orderBy(asc(flashSaleSessions.startsAt))
      : [];
    const now = this.p.now();
    return {
      items: list.map((s) => {
        const mine = sessions.filter((x) => x.flashSaleId === s.id);
        return { ...s, sessionCount: mine.length, startsAt: mine[0]?.startsAt ?? null, endsAt: mine.reduce<Date | null>((m, x) => (!m || x.endsAt > m ? x.endsAt : m), null), sessions: mine.map((x) => ({ id: x.id, startsAt: x.startsAt, endsAt: x.endsAt, state: sessionState(s, x, now) })) };
      }),
      total: count.n,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  async create(actor: Actor, input: FlashSaleInput) {
    const id = await this.p.database.transaction(async (tx) => {
      const [sale] = await tx
        .insert(flashSales)
        .values({ shopId: actor.shopId, name: input.name, perCustomerLimit: input.perCustomerLimit, ipRatePerSecond: input.ipRatePerSecond, customerRatePerSecond: input.customerRatePerSecond })
        .returning({ id: flashSales.id });
      await this.writeSessions(tx, actor.shopId, sale.id, input);
      return sale.id;
    });
    return this.get(actor.shopId, id);
  }

  /** Replaces a draft's name, limits and sessions. A published sale is fixed: its stock is already set aside. */
  async update(actor: Actor, id: string, input: FlashSaleInput) {
    const before = await this.get(actor.shopId, id);
    await this.p.database.transaction(async (tx) => {
      const [locked] = await tx.select().from(flashSales).where(and(eq(flashSales.id, id), eq(flashSales.shopId, actor.shopId))).for('update');
      if (!locked) throw notFound('Flash sale', { field: 'id' });
      if (locked.status !== 'draft') throw conflict('FLASH_SALE_NOT_DRAFT', 'Only a draft can be changed', { field: 'status', status: locked.status });
      await tx
        .update(flashSales)
        .set({ name: input.name, perCustomerLimit: input.perCustomerLimit, ipRatePerSecond: input.ipRatePerSecond, customerRatePerSecond: input.customerRatePerSecond, updatedAt: new Date() })
        .where(eq(flashSales.id, id));
      await tx.delete(flashSaleSessions).where(eq(flashSaleSessions.flashSaleId, id));
      await this.writeSessions(tx, actor.shopId, id, input);
    });
    return { before, after: await this.get(actor.shopId, id) };
  }

  async remove(actor: Actor, id: string) {
    const before = await this.get(actor.shopId, id);
    await this.p.database.transaction(async (tx) => {
      const [locked] = await tx.select().from(flashSales).where(and(eq(flashSales.id, id), eq(flashSales.shopId, actor.shopId))).for('update');
      if (!locked) throw notFound('Flash sale', { field: 'id' });
      if (locked.status !== 'draft') throw conflict('FLASH_SALE_NOT_DRAFT', 'A published sale cannot be deleted; end it instead', { field: 'status', status: locked.status });
      await tx.delete(flashSales).where(eq(flashSales.id, id));
    });
    return before;
  }

  private async writeSessions(tx: Db, shopId: string, saleId: string, input: FlashSaleInput) {
    const skuIds = input.sessions.flatMap((s) => s.items.map((i) => i.skuId));
    const skus = new Map((await this.catalog.skusForOrder(tx, shopId, skuIds)).map((s) => [s.skuId, s]));
    const sorted = input.sessions.map((s, i) => ({ s, i }));
    for (const { s, i } of sorted) {
      if (s.endsAt <= s.startsAt) throw badRequest('SESSION_WINDOW_INVALID', 'A session must end after it starts', { field: `sessions.${i}.endsAt` });
      const seen = new Set<string>();
      s.items.forEach((it, j) => {
        if (seen.has(it.skuId)) throw badRequest('SKU_DUPLICATE', 'The same SKU appears twice in a session', { field: `sessions.${i}.items.${j}.skuId` });
        seen.add(it.skuId);
        const sku = skus.get(it.skuId);
        if (!sku) throw unprocessable('SKU_NOT_FOUND', 'This product option does not exist', { field: `sessions.${i}.items.${j}.skuId`, skuId: it.skuId });
        if (it.priceFen > sku.price) throw badRequest('FLASH_PRICE_TOO_HIGH', 'The flash price must not exceed the normal price', { field: `sessions.${i}.items.${j}.priceFen`, priceFen: sku.price });
      });
      for (const { s: o, i: k } of sorted) {
        if (k < i && o.startsAt < s.endsAt && s.startsAt < o.endsAt) throw badRequest('SESSION_OVERLAP', 'Sessions of one sale may not overlap', { field: `sessions.${i}.startsAt` });
      }
    }
    for (const s of input.sessions) {
      const [session] = await tx.insert(flashSaleSessions).values({ shopId, flashSaleId: saleId, startsAt: s.startsAt, endsAt: s.endsAt }).returning({ id: flashSaleSessions.id });
      await tx.insert(flashSaleItems).values(s.items.map((it, position) => {
        const sku = skus.get(it.skuId)!;
        return {
          shopId, flashSaleId: saleId, sessionId: session.id, skuId: sku.skuId, productId: sku.productId, categoryId: sku.categoryId, title: sku.productTitle, specText: sku.specText,
          skuCode: sku.skuCode ?? null, imageUrl: sku.imageUrl ?? null, weightGrams: sku.weightGrams ?? 0, originalPriceFen: sku.price, priceFen: it.priceFen, stock: it.stock, position,
        };
      }));
    }
  }

  /**
   * Publishes a draft: every session's activity stock leaves normal stock (inventory available → held,
   * with its ledger entries) in the same transaction, so either the whole sale is backed by units or
   * nothing changed (STOCK_INSUFFICIENT names the session item).
   */
  async publish(actor: Actor, id: string) {
    const before = await this.get(actor.shopId, id);
    await this.p.database.transaction(async (tx) => {
      const [locked] = await tx.select().from(flashSales).where(and(eq(flashSales.id, id), eq(flashSales.shopId, actor.shopId))).for('update');
      if (!locked) throw notFound('Flash sale', { field: 'id' });
      if (locked.status !== 'draft') throw conflict('FLASH_SALE_NOT_DRAFT', 'This sale was already published', { field: 'status', status: locked.status });
      const now = this.p.now();
      before.sessions.forEach((s, i) => {
        if (s.endsAt <= now) throw conflict('FLASH_SALE_SESSION_PAST', 'A session has already ended; change it before publishing', { field: `sessions.${i}.endsAt` });
      });
      // The catalog may have changed since the draft was saved: the SKUs must still exist.
      const items = before.sessions.flatMap((s) => s.items);
      const live = new Set((await this.catalog.skusForOrder(tx, actor.shopId, items.map((i) => i.skuId))).map((s) => s.skuId));
      before.sessions.forEach((s, i) => s.items.forEach((it, j) => {
        if (!live.has(it.skuId)) throw unprocessable('SKU_NOT_FOUND', 'This product option no longer exists', { field: `sessions.${i}.items.${j}.skuId`, skuId: it.skuId });
      }));
      await this.inventory.hold(tx, actor.shopId, { type: FLASH_SOURCE, id }, items.map((i) => ({ skuId: i.skuId, quantity: i.stock })), actorRef(actor));
      await tx.update(flashSales).set({ status: 'published', publishedAt: now, updatedAt: new Date() }).where(eq(flashSales.id, id));
    });
    return { before, after: await this.get(actor.shopId, id) };
  }

  /** Marks the sale ended; reconcile.ts closes and settles its sessions (the route runs that right away). */
  async markEnded(actor: Actor, id: string) {
    const before = await this.get(actor.shopId, id);
    await this.p.database.transaction(async (tx) => {
      const [locked] = await tx.select().from(flashSales).where(and(eq(flashSales.id, id), eq(flashSales.shopId, actor.shopId))).for('update');
      if (!locked) throw notFound('Flash sale', { field: 'id' });
      if (locked.status !== 'published') throw conflict('FLASH_SALE_NOT_RUNNING', 'Only a published sale can be ended', { field: 'status', status: locked.status });
      await tx.update(flashSales).set({ status: 'ended', endedAt: this.p.now(), updatedAt: new Date() }).where(eq(flashSales.id, id));
    });
    // Close in the hot store now, so no attempt is accepted while settlement drains the rest.
    await Promise.all(before.sessions.map((s) => this.p.hot.set(hotKeys(s.id).closed, '1')));
    return before;
  }

  /** Units and orders per item, by attempt status. */
  async itemUse(itemIds: string[], db: Db = this.p.db): Promise<Map<string, ItemUse>> {
    const out = new Map<string, ItemUse>();
    if (itemIds.length === 0) return out;
    const list = await rows<{ item_id: string; status: string; units: number; n: number; paid: number; paid_units: number }>(db, sql`
      SELECT item_id, status, sum(quantity)::int AS units, count(*)::int AS n, count(paid_at)::int AS paid,
             coalesce(sum(quantity) FILTER (WHERE paid_at IS NOT NULL), 0)::int AS paid_units
      FROM flash_sale_attempts WHERE item_id IN (${sql.join(itemIds.map((i) => sql`${i}`), sql`, `)})
      GROUP BY item_id, status`);
    for (const id of itemIds) out.set(id, { accepted: 0, ordered: 0, released: 0, orders: 0, paidOrders: 0, paidUnits: 0 });
    for (const r of list) {
      const u = out.get(r.item_id)!;
      if (r.status === 'accepted') u.accepted = r.units;
      if (r.status === 'ordered') u.ordered = r.units;
      if (r.status === 'released') u.released = r.units;
      if (r.status === 'ordered' || r.status === 'released') u.orders += r.n;
      u.paidOrders += r.paid;
      u.paidUnits += r.paid_units;
    }
    return out;
  }

  /**
   * sold + remaining = stock. While the session's counters are loaded, remaining is the hot store's
   * (it includes attempts accepted but not yet written); otherwise it is computed from PostgreSQL.
   */
  async figures(sale: FlashSale, session: FlashSaleSession, item: FlashSaleItem, use?: ItemUse) {
    const u = use ?? { accepted: 0, ordered: 0, released: 0, orders: 0, paidOrders: 0, paidUnits: 0 };
    let remaining: number;
    if (session.settledAt) remaining = 0;
    else if (sale.status === 'draft') remaining = item.stock;
    else {
      const hot = await this.p.hot.get(hotKeys(session.id).left(item.id));
      remaining = hot === null ? item.stock - u.accepted - u.ordered : Number(hot);
    }
    const sold = session.settledAt ? u.accepted + u.ordered : item.stock - remaining;
    return { sold, remaining, soldOut: remaining <= 0, returnedToStock: item.unheld, paidUnits: u.paidUnits };
  }

  /**
   * The console's live view: per item sold / remaining, orders written, paid and the payment rate, and
   * orders per second over the last minute (attempts accepted, each becomes one order).
   */
  async live(shopId: string, id: string) {
    const sale = await this.get(shopId, id);
    const itemIds = sale.sessions.flatMap((s) => s.items.map((i) => i.id));
    const use = await this.itemUse(itemIds);
    const [minute] = await rows<{ n: number }>(this.p.db, sql`
      SELECT count(*)::int AS n FROM flash_sale_attempts
      WHERE flash_sale_id = ${id} AND shop_id = ${shopId} AND accepted_at > now() - interval '1 minute'`);
    const now = this.p.now();
    const sessions = await Promise.all(sale.sessions.map(async (s) => {
      const items = await Promise.all(s.items.map(async (i) => {
        const u = use.get(i.id)!;
        const f = await this.figures(sale, s, i, u);
        return { itemId: i.id, skuId: i.skuId, title: i.title, specText: i.specText, priceFen: i.priceFen, stock: i.stock, sold: f.sold, remaining: f.remaining, soldOut: f.soldOut, waitingForOrder: u.accepted, orders: u.orders, cancelledUnits: u.released, paidOrders: u.paidOrders, paidUnits: u.paidUnits, returnedToStock: i.unheld };
      }));
      const sum = (k: 'stock' | 'sold' | 'remaining' | 'orders' | 'paidOrders') => items.reduce((a, i) => a + i[k], 0);
      return { sessionId: s.id, startsAt: s.startsAt, endsAt: s.endsAt, state: sessionState(sale, s, now), stock: sum('stock'), sold: sum('sold'), remaining: sum('remaining'), orders: sum('orders'), paidOrders: sum('paidOrders'), items };
    }));
    const orders = sessions.reduce((a, s) => a + s.orders, 0);
    const paidOrders = sessions.reduce((a, s) => a + s.paidOrders, 0);
    return {
      flashSaleId: id,
      status: sale.status,
      serverTime: now.toISOString(),
      stock: sessions.reduce((a, s) => a + s.stock, 0),
      sold: sessions.reduce((a, s) => a + s.sold, 0),
      remaining: sessions.reduce((a, s) => a + s.remaining, 0),
      orders,
      paidOrders,
      paymentRate: orders === 0 ? 0 : Math.round((paidOrders / orders) * 10_000) / 10_000,
      acceptedLastMinute: minute.n,
      ordersPerSecond: Math.round((minute.n / 60) * 100) / 100,
      sessions,
    };
  }

  /** Marks the flash order paid (for the payment rate); other orders find no attempt and change nothing. */
  async markPaid(tx: Db, shopId: string, orderId: string) {
    await tx.update(flashSaleAttempts).set({ paidAt: this.p.now() }).where(and(eq(flashSaleAttempts.shopId, shopId), eq(flashSaleAttempts.orderId, orderId)));
  }
}

export type SessionState = 'upcoming' | 'running' | 'ended';

export function sessionState(sale: Pick<FlashSale, 'status'>, s: Pick<FlashSaleSession, 'startsAt' | 'endsAt' | 'closedAt'>, now: Date): SessionState {
  if (sale.status === 'ended' || s.closedAt || now >= s.endsAt) return 'ended';
  return now < s.startsAt ? 'upcoming' : 'running';
}
