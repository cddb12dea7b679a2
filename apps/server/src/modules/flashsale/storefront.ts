import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import { conflict, notFound } from '../../platform/errors.js';
import { hotKeys } from './keys.js';
import { flashSaleItems, flashSaleReminders, flashSaleSessions, flashSales, type FlashSale, type FlashSaleItem, type FlashSaleSession } from './schema.js';
import { sessionState } from './service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Sessions stay on the storefront this long after they end (the 已结束 tab). */
const SHOW_ENDED_MS = 24 * 3600_000;
const LIST_CACHE_MS = 1000;

interface Listed {
  sale: FlashSale;
  session: FlashSaleSession;
  items: FlashSaleItem[];
}

/**
 * The storefront's flash-sale page: session tabs with countdowns (server time with every answer),
 * each item's flash price and what is left (from the hot store, so a page refresh during the rush costs
 * no database query beyond a cached list), sold-out state, and "remind me".
 */
export class FlashSaleStorefront {
  private cache = new Map<string, { at: number; list: Listed[] }>();

  constructor(private p: Platform) {}

  private async listed(shopId: string): Promise<Listed[]> {
    const hit = this.cache.get(shopId);
    if (hit && Date.now() - hit.at < LIST_CACHE_MS) return hit.list;
    const since = new Date(this.p.now().getTime() - SHOW_ENDED_MS);
    const rowsList = await this.p.db
      .select({ sale: flashSales, session: flashSaleSessions })
      .from(flashSaleSessions)
      .innerJoin(flashSales, eq(flashSales.id, flashSaleSessions.flashSaleId))
      .where(and(eq(flashSaleSessions.shopId, shopId), sql`${flashSales.status} <> 'draft'`, sql`${flashSaleSessions.endsAt} > ${since.toISOString()}::timestamptz`))
      .orderBy(asc(flashSaleSessions.startsAt), asc(flashSaleSessions.id))
      .limit(100);
    const items = rowsList.length
      ? await this.p.db.select().from(flashSaleItems).where(inArray(flashSaleItems.sessionId, rowsList.map((r) => r.session.id))).orderBy(asc(flashSaleItems.position))
      : [];
    const list = rowsList.map((r) => ({ ...r, items: items.filter((i) => i.sessionId === r.session.id) }));
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(shopId, { at: Date.now(), list });
    return list;
  }

  private async present(l: Listed, reminded: Set<string>) {
    const now = this.p.now();
    const state = sessionState(l.sale, l.session, now);
    const keys = hotKeys(l.session.id);
    const items = await Promise.all(l.items.map(async (i) => {
      let remaining = i.stock;
      if (l.session.settledAt || state === 'ended') remaining = Math.max(0, Number((await this.p.hot.get(keys.left(i.id))) ?? 0));
      else {
        const hot = await this.p.hot.get(keys.left(i.id));
        if (hot !== null) remaining = Number(hot);
      }
      return {
        itemId: i.id, skuId: i.skuId, productId: i.productId, title: i.title, specText: i.specText, imageUrl: i.imageUrl,
        originalPriceFen: i.originalPriceFen, priceFen: i.priceFen, stock: i.stock, remaining, soldOut: remaining <= 0,
        soldPercent: Math.min(100, Math.round(((i.stock - remaining) / i.stock) * 100)),
      };
    }));
    return {
      sessionId: l.session.id,
      flashSaleId: l.sale.id,
      name: l.sale.name,
      perCustomerLimit: l.sale.perCustomerLimit,
      startsAt: l.session.startsAt.toISOString(),
      endsAt: l.session.endsAt.toISOString(),
      state,
      /** Milliseconds until the session starts (upcoming) or ends (running); 0 once ended. */
      countdownMs: state === 'upcoming' ? l.session.startsAt.getTime() - now.getTime() : state === 'running' ? l.session.endsAt.getTime() - now.getTime() : 0,
      soldOut: items.every((i) => i.soldOut),
      reminded: reminded.has(l.session.id),
      items,
    };
  }

  private async remindedOf(shopId: string, customerId: string | null, sessionIds: string[]) {
    if (!customerId || sessionIds.length === 0) return new Set<string>();
    const list = await this.p.db
      .select({ sessionId: flashSaleReminders.sessionId })
      .from(flashSaleReminders)
      .where(and(eq(flashSaleReminders.shopId, shopId), eq(flashSaleReminders.customerId, customerId), inArray(flashSaleReminders.sessionId, sessionIds)));
    return new Set(list.map((r) => r.sessionId));
  }

  async sessions(shopId: string, customerId: string | null) {
    const list = await this.listed(shopId);
    const reminded = await this.remindedOf(shopId, customerId, list.map((l) => l.session.id));
    return { serverTime: this.p.now().toISOString(), sessions: await Promise.all(list.map((l) => this.present(l, reminded))) };
  }

  async session(shopId: string, sessionId: string, customerId: string | null) {
    const l = await this.one(shopId, sessionId);
    const reminded = await this.remindedOf(shopId, customerId, [sessionId]);
    return { serverTime: this.p.now().toISOString(), ...(await this.present(l, reminded)) };
  }

  private async one(shopId: string, sessionId: string): Promise<Listed> {
    if (!UUID.test(sessionId)) throw notFound('Flash sale session', { field: 'sessionId' });
    const cached = (await this.listed(shopId)).find((l) => l.session.id === sessionId);
    if (cached) return cached;
    const [row] = await this.p.db
      .select({ sale: flashSales, session: flashSaleSessions })
      .from(flashSaleSessions)
      .innerJoin(flashSales, eq(flashSales.id, flashSaleSessions.flashSaleId))
      .where(and(eq(flashSaleSessions.id, sessionId), eq(flashSaleSessions.shopId, shopId), sql`${flashSales.status} <> 'draft'`));
    if (!row) throw notFound('Flash sale session', { field: 'sessionId' });
    const items = await this.p.db.select().from(flashSaleItems).where(eq(flashSaleItems.sessionId, sessionId)).orderBy(asc(flashSaleItems.position));
    return { ...row, items };
  }

  /** 提醒我: only before the session starts; asking twice is the same as once. */
  async remind(shopId: string, customerId: string, sessionId: string) {
    const l = await this.one(shopId, sessionId);
    if (sessionState(l.sale, l.session, this.p.now()) !== 'upcoming') throw conflict('FLASH_SALE_ALREADY_STARTED', 'This session has already started', { field: 'sessionId' });
    await this.p.db.insert(flashSaleReminders).values({ shopId, sessionId, customerId }).onConflictDoNothing();
    return { sessionId, reminded: true };
  }

  async unremind(shopId: string, customerId: string, sessionId: string) {
    await this.one(shopId, sessionId);
    await this.p.db.delete(flashSaleReminders).where(and(eq(flashSaleReminders.sessionId, sessionId), eq(flashSaleReminders.customerId, customerId), eq(flashSaleReminders.shopId, shopId)));
    return { sessionId, reminded: false };
  }
}
