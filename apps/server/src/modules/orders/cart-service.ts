import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { conflict, notFound } from '../../platform/errors.js';
import type { CatalogService } from '../catalog/service.js';
import type { InventoryService } from '../inventory/service.js';
import { cartItems } from './schema.js';

const MAX_CART_LINES = 100;

/** The customer's cart. Prices are never stored here: they are read fresh at every view and checkout. */
export class CartService {
  constructor(
    private p: Platform,
    private catalog: CatalogService,
    private inventory: InventoryService,
  ) {}

  async view(shopId: string, customerId: string) {
    const rows = await this.p.db
      .select()
      .from(cartItems)
      .where(and(eq(cartItems.shopId, shopId), eq(cartItems.customerId, customerId)))
      .orderBy(cartItems.addedAt);
    const skus = new Map((await this.catalog.skusForOrder(this.p.db, shopId, rows.map((r) => r.skuId))).map((s) => [s.skuId, s]));
    const levels = await this.inventory.levels(shopId, rows.map((r) => r.skuId));
    const items = rows.map((r) => {
      const sku = skus.get(r.skuId);
      const available = levels.get(r.skuId)?.available ?? 0;
      return {
        skuId: r.skuId,
        quantity: r.quantity,
        selected: r.selected,
        productId: sku?.productId ?? null,
        title: sku?.productTitle ?? '已失效商品',
        specText: sku?.specText ?? '',
        imageUrl: sku?.imageUrl ?? null,
        unitPriceFen: sku?.price ?? 0,
        available,
        // Why a line cannot be bought right now, so the cart can grey it out.
        problem: !sku ? 'SKU_NOT_FOUND' : sku.productStatus !== 'on_sale' ? 'PRODUCT_NOT_ON_SALE' : available < r.quantity ? 'STOCK_INSUFFICIENT' : null,
      };
    });
    const selected = items.filter((i) => i.selected && !i.problem);
    return {
      items,
      selectedCount: selected.reduce((s, i) => s + i.quantity, 0),
      selectedTotalFen: selected.reduce((s, i) => s + i.unitPriceFen * i.quantity, 0),
    };
  }

  async add(shopId: string, customerId: string, skuId: string, quantity: number) {
    const [sku] = await this.catalog.skusForOrder(this.p.db, shopId, [skuId]);
    if (!sku) throw notFound('SKU', { field: 'skuId' });
    if (sku.productStatus !== 'on_sale') throw conflict('PRODUCT_NOT_ON_SALE', 'This product is not on sale', { field: 'skuId' });
    await this.p.database.transaction(async (tx) => {
      const [count] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(cartItems)
        .where(and(eq(cartItems.shopId, shopId), eq(cartItems.customerId, customerId)));
      const [existing] = await tx
        .select()
        .from(cartItems)
        .where(and(eq(cartItems.shopId, shopId), eq(cartItems.customerId, customerId), eq(cartItems.skuId, skuId)));
      if (!existing && count.n >= MAX_CART_LINES) throw conflict('CART_FULL', `A cart holds at most ${MAX_CART_LINES} items`, { field: 'skuId' });
      const next = (existing?.quantity ?? 0) + quantity;
      if (next > 999) throw conflict('QUANTITY_TOO_LARGE', 'At most 999 of one item', { field: 'quantity' });
      await tx
        .insert(cartItems)
        .values({ shopId, customerId, skuId, quantity: next })
        .onConflictDoUpdate({ target: [cartItems.shopId, cartItems.customerId, cartItems.skuId], set: { quantity: next, selected: true } });
      await this.p.events.emit(tx, { shopId, type: 'cart.item_added', payload: { customerId, skuId, productId: sku.productId, quantity } });
    });
    return this.view(shopId, customerId);
  }

  async update(shopId: string, customerId: string, skuId: string, patch: { quantity?: number; selected?: boolean }) {
    const [row] = await this.p.db
      .update(cartItems)
      .set(patch)
      .where(and(eq(cartItems.shopId, shopId), eq(cartItems.customerId, customerId), eq(cartItems.skuId, skuId)))
      .returning();
    if (!row) throw notFound('Cart item', { field: 'skuId' });
    return this.view(shopId, customerId);
  }

  async remove(shopId: string, customerId: string, skuIds: string[]) {
    if (skuIds.length) {
      await this.p.db.delete(cartItems).where(and(eq(cartItems.shopId, shopId), eq(cartItems.customerId, customerId), inArray(cartItems.skuId, skuIds)));
    }
    return this.view(shopId, customerId);
  }

  /** Called by checkout inside its transaction: bought lines leave the cart with the order. */
  async removeBought(tx: Db, shopId: string, customerId: string, skuIds: string[]) {
    if (skuIds.length) {
      await tx.delete(cartItems).where(and(eq(cartItems.shopId, shopId), eq(cartItems.customerId, customerId), inArray(cartItems.skuId, skuIds)));
    }
  }

  /** `removeBought` for several customers' checkouts at once (a checkout group): one statement. */
  async removeBoughtMany(tx: Db, shopId: string, list: { customerId: string; skuIds: string[] }[]) {
    const pairs = list.flatMap((l) => l.skuIds.map((skuId) => ({ customer_id: l.customerId, sku_id: skuId })));
    if (pairs.length === 0) return;
    await tx.execute(sql`
      DELETE FROM cart_items c USING json_to_recordset(${JSON.stringify(pairs)}::json) AS x(customer_id uuid, sku_id uuid)
      WHERE c.shop_id = ${shopId} AND c.customer_id = x.customer_id AND c.sku_id = x.sku_id`);
  }

  async moveCustomer(tx: Db, shopId: string, fromCustomerId: string, intoCustomerId: string) {
    await tx.execute(sql`
      INSERT INTO cart_items (shop_id, customer_id, sku_id, quantity, selected, added_at)
      SELECT shop_id, ${intoCustomerId}, sku_id, quantity, selected, added_at FROM cart_items
      WHERE shop_id = ${shopId} AND customer_id = ${fromCustomerId}
      ON CONFLICT (shop_id, customer_id, sku_id) DO UPDATE SET quantity = LEAST(999, cart_items.quantity + EXCLUDED.quantity)`);
    await tx.delete(cartItems).where(and(eq(cartItems.shopId, shopId), eq(cartItems.customerId, fromCustomerId)));
  }
}
