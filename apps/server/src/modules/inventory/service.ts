import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Actor, Db, Platform } from '../../platform/context.js';
import { rows, sql } from '../../platform/db/index.js';
import type { SQL } from 'drizzle-orm';
import { Prepared, uuidArray } from '../../platform/db/prepared.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { inventoryLedger, inventoryLevels, inventoryReservations, type LedgerReason } from './schema.js';

export interface StockLine {
  skuId: string;
  quantity: number;
}

export interface StockLevel {
  available: number;
  reserved: number;
  sold: number;
  received: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const actorRef = (a: Actor) => `${a.type}:${a.id}`;

/**
 * Stock per SKU: received = available + reserved + sold + held, always (held: set aside for an activity).
 *
 * Every change is one conditional UPDATE (`… WHERE available >= q`), so two buyers of the last unit
 * cannot both win: the second waits for the first's row lock, re-reads the row and finds it short.
 * Lines are locked in sku_id order so two orders over the same SKUs never deadlock. Every change also
 * writes a ledger row in the same transaction, so the ledger sums are the levels.
 */
export class InventoryService {
  constructor(private p: Platform) {}

  /** Holds stock for an order. Throws STOCK_INSUFFICIENT (the caller's transaction then rolls back). */
  async reserve(tx: Db, shopId: string, orderId: string, lines: StockLine[]): Promise<void> {
    for (const line of mergeLines(lines, 'items')) {
      const q = line.quantity;
      const done = await rows(tx, sql`
        UPDATE inventory_levels SET available = available - ${q}, reserved = reserved + ${q}, updated_at = now()
        WHERE shop_id = ${shopId} AND sku_id = ${line.skuId} AND available >= ${q}
        RETURNING sku_id`);
      if (done.length === 0) {
        const [level] = await rows<{ available: number }>(tx, sql`
          SELECT available FROM inventory_levels WHERE shop_id = ${shopId} AND sku_id = ${line.skuId}`);
        const available = level?.available ?? 0;
        throw conflict('STOCK_INSUFFICIENT', `Only ${available} in stock, ${q} requested`, {
          field: `items.${line.index}.skuId`,
          skuId: line.skuId,
          available,
          requested: q,
        });
      }
      const held = await rows(tx, sql`
        INSERT INTO inventory_reservations (shop_id, order_id, sku_id, quantity) VALUES (${shopId}, ${orderId}, ${line.skuId}, ${q})
        ON CONFLICT (order_id, sku_id) DO UPDATE SET quantity = inventory_reservations.quantity + EXCLUDED.quantity, updated_at = now()
          WHERE inventory_reservations.status = 'held' AND inventory_reservations.shop_id = EXCLUDED.shop_id
        RETURNING id`);
      if (held.length === 0) {
        throw conflict('RESERVATION_CLOSED', 'The stock of this order was already released or sold', { field: `items.${line.index}.skuId`, skuId: line.skuId });
      }
      await this.ledger(tx, shopId, line.skuId, { available: -q, reserved: q }, 'reserve', 'order', orderId, 'system');
    }
  }

  /**
   * Reserves the stock of many orders (or one) in ONE statement: units per SKU summed, each level row
   * updated once with its check, the reservations and ledger rows written by the same statement. Meant to
   * run last in the orders' transaction, so the contended level rows stay locked for one statement and
   * the COMMIT. `from: 'held'` takes an activity's set-aside units (flash sale) instead of normal stock.
   * Answers the SKUs that fell short (with what they had); then nothing may be kept: the caller must roll
   * back, drop the orders that do not fit and try again.
   */
  async reserveMany(tx: Db, shopId: string, entries: { orderId: string; skuId: string; quantity: number }[], from: 'available' | 'held' = 'available'): Promise<{ skuId: string; requested: number; available: number }[]> {
    if (entries.length === 0) return [];
    for (const e of entries) {
      if (!Number.isInteger(e.quantity) || e.quantity <= 0) throw badRequest('QUANTITY_INVALID', 'Quantity must be a positive whole number', { field: 'quantity' });
    }
    const statement = from === 'held' ? RESERVE_HELD : RESERVE_AVAILABLE;
    const short = await statement.run(tx, [shopId, JSON.stringify(entries.map((e) => ({ order_id: e.orderId, sku_id: e.skuId, quantity: e.quantity })))]);
    return short.map((r) => ({ skuId: r.sku_id, requested: Number(r.requested), available: Number(r.available ?? 0) }));
  }

  /** Gives every held unit of the order back to available. A second call finds nothing held and does nothing. */
  async release(tx: Db, shopId: string, orderId: string): Promise<void> {
    const lines = await this.closeHeld(tx, shopId, orderId, 'released');
    for (const l of lines) {
      if (l.from_hold) {
        // Units of an activity (flash sale) go back to the activity, which decides when they return to sale.
        await rows(tx, sql`
          UPDATE inventory_levels SET held = held + ${l.quantity}, reserved = reserved - ${l.quantity}, updated_at = now()
          WHERE shop_id = ${shopId} AND sku_id = ${l.sku_id}`);
        await this.ledger(tx, shopId, l.sku_id, { held: l.quantity, reserved: -l.quantity }, 'release', 'order', orderId, 'system');
        continue;
      }
      await rows(tx, sql`
        UPDATE inventory_levels SET available = available + ${l.quantity}, reserved = reserved - ${l.quantity}, updated_at = now()
        WHERE shop_id = ${shopId} AND sku_id = ${l.sku_id}`);
      await this.ledger(tx, shopId, l.sku_id, { available: l.quantity, reserved: -l.quantity }, 'release', 'order', orderId, 'system');
    }
  }

  /**
   * Sets units aside for an activity (available → held), e.g. a flash sale's stock when it is published.
   * Throws STOCK_INSUFFICIENT naming `<fieldRoot>.<i>.skuId` when a SKU has fewer available.
   */
  async hold(tx: Db, shopId: string, ref: { type: string; id: string }, lines: StockLine[], actor: string, fieldRoot = 'items'): Promise<void> {
    for (const line of mergeLines(lines, fieldRoot)) {
      const q = line.quantity;
      const done = await rows(tx, sql`
        UPDATE inventory_levels SET available = available - ${q}, held = held + ${q}, updated_at = now()
        WHERE shop_id = ${shopId} AND sku_id = ${line.skuId} AND available >= ${q}
        RETURNING sku_id`);
      if (done.length === 0) {
        const [level] = await rows<{ available: number }>(tx, sql`
          SELECT available FROM inventory_levels WHERE shop_id = ${shopId} AND sku_id = ${line.skuId}`);
        const available = level?.available ?? 0;
        throw conflict('STOCK_INSUFFICIENT', `Only ${available} in stock, ${q} requested`, { field: `${fieldRoot}.${line.index}.skuId`, skuId: line.skuId, available, requested: q });
      }
      await this.ledger(tx, shopId, line.skuId, { available: -q, held: q }, 'hold', ref.type, ref.id, actor);
    }
  }

  /** Gives held units back to sale (held → available): an activity ended with units unsold. */
  async unhold(tx: Db, shopId: string, ref: { type: string; id: string }, lines: StockLine[], actor: string): Promise<void> {
    for (const line of mergeLines(lines, 'lines')) {
      const q = line.quantity;
      const done = await rows(tx, sql`
        UPDATE inventory_levels SET available = available + ${q}, held = held - ${q}, updated_at = now()
        WHERE shop_id = ${shopId} AND sku_id = ${line.skuId} AND held >= ${q}
        RETURNING sku_id`);
      // The activity's own count says these units are held; a shortfall is a bug, never something to paper over.
      if (done.length === 0) throw new Error(`unhold ${q} of ${line.skuId} for ${ref.type} ${ref.id}: not that many held`);
      await this.ledger(tx, shopId, line.skuId, { held: -q, available: q }, 'unhold', ref.type, ref.id, actor);
    }
  }

  /**
   * Holds stock for many orders at once from an activity's held units (held → reserved): one UPDATE
   * per SKU and one INSERT each for the reservations and the ledger, so a batch of flash-sale orders
   * costs a few statements. Payment then commits them like any reservation; a release sends them back
   * to `held`.
   */
  async reserveHeld(tx: Db, shopId: string, entries: { orderId: string; skuId: string; quantity: number }[]): Promise<void> {
    if (entries.length === 0) return;
    const bySku = new Map<string, number>();
    for (const e of entries) {
      if (!Number.isInteger(e.quantity) || e.quantity <= 0) throw badRequest('QUANTITY_INVALID', 'Quantity must be a positive whole number', { field: 'quantity' });
      bySku.set(e.skuId, (bySku.get(e.skuId) ?? 0) + e.quantity);
    }
    for (const [skuId, q] of [...bySku].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const done = await rows(tx, sql`
        UPDATE inventory_levels SET held = held - ${q}, reserved = reserved + ${q}, updated_at = now()
        WHERE shop_id = ${shopId} AND sku_id = ${skuId} AND held >= ${q}
        RETURNING sku_id`);
      if (done.length === 0) throw conflict('STOCK_INSUFFICIENT', `Fewer than ${q} units held for the activity`, { field: 'skuId', skuId, requested: q });
    }
    await tx.insert(inventoryReservations).values(entries.map((e) => ({ shopId, orderId: e.orderId, skuId: e.skuId, quantity: e.quantity, fromHold: true })));
    await tx.insert(inventoryLedger).values(entries.map((e) => ({
      shopId, skuId: e.skuId, deltaHeld: -e.quantity, deltaReserved: e.quantity, reason: 'reserve' as const, refType: 'order', refId: e.orderId, actor: 'system',
    })));
  }

  /** The order is paid: its held units become sold. Idempotent like release. */
  async commit(tx: Db, shopId: string, orderId: string): Promise<void> {
    const lines = await this.closeHeld(tx, shopId, orderId, 'committed');
    for (const l of lines) {
      await rows(tx, sql`
        UPDATE inventory_levels SET reserved = reserved - ${l.quantity}, sold = sold + ${l.quantity}, updated_at = now()
        WHERE shop_id = ${shopId} AND sku_id = ${l.sku_id}`);
      await this.ledger(tx, shopId, l.sku_id, { reserved: -l.quantity, sold: l.quantity }, 'commit', 'order', orderId, 'system');
    }
  }

  /** Returned goods go back on sale; never more than the order bought of that SKU (RETURN_EXCEEDS_SOLD). */
  async returnToStock(tx: Db, shopId: string, orderId: string, lines: StockLine[]): Promise<void> {
    for (const line of mergeLines(lines, 'lines')) {
      const q = line.quantity;
      const ok = await rows(tx, sql`
        UPDATE inventory_reservations SET returned = returned + ${q}, updated_at = now()
        WHERE shop_id = ${shopId} AND order_id = ${orderId} AND sku_id = ${line.skuId}
          AND status = 'committed' AND returned + ${q} <= quantity
        RETURNING id`);
      if (ok.length === 0) {
        const [r] = await rows<{ quantity: number; returned: number; status: string }>(tx, sql`
          SELECT quantity, returned, status FROM inventory_reservations
          WHERE shop_id = ${shopId} AND order_id = ${orderId} AND sku_id = ${line.skuId}`);
        const returnable = r && r.status === 'committed' ? r.quantity - r.returned : 0;
        throw conflict('RETURN_EXCEEDS_SOLD', `Only ${returnable} of this SKU can be returned to stock`, {
          field: `lines.${line.index}.quantity`,
          skuId: line.skuId,
          returnable,
        });
      }
      await rows(tx, sql`
        UPDATE inventory_levels SET sold = sold - ${q}, available = available + ${q}, updated_at = now()
        WHERE shop_id = ${shopId} AND sku_id = ${line.skuId}`);
      await this.ledger(tx, shopId, line.skuId, { sold: -q, available: q }, 'return', 'order', orderId, 'system');
    }
  }

  /** Staff counted the shelf: available becomes `available`, the difference counts as received (or written off). */
  async setStock(actor: Actor, skuId: string, available: number, db: Db = this.p.db): Promise<StockLevel> {
    if (!Number.isInteger(available) || available < 0) {
      throw conflict('STOCK_NEGATIVE', 'Stock cannot go below 0', { field: 'available', skuId });
    }
    return this.inTx(db, async (tx) => {
      await this.ensureLevel(tx, actor.shopId, skuId);
      const [level] = await rows<StockLevel>(tx, sql`
        SELECT received, available, reserved, sold FROM inventory_levels
        WHERE shop_id = ${actor.shopId} AND sku_id = ${skuId} FOR UPDATE`);
      if (!level) throw notFound('SKU', { field: 'skuId' });
      const delta = available - level.available;
      if (delta === 0) return level;
      const [after] = await rows<StockLevel>(tx, sql`
        UPDATE inventory_levels SET available = ${available}, received = received + ${delta}, updated_at = now()
        WHERE shop_id = ${actor.shopId} AND sku_id = ${skuId}
        RETURNING received, available, reserved, sold`);
      await this.ledger(tx, actor.shopId, skuId, { received: delta, available: delta }, 'adjust', 'stocktake', null, actorRef(actor), 'set');
      return after;
    });
  }

  /** Goods received (delta > 0) or written off (delta < 0). Refuses to take available below 0 (STOCK_NEGATIVE). */
  async adjust(actor: Actor, skuId: string, delta: number, reason: string, db: Db = this.p.db): Promise<StockLevel> {
    if (!Number.isInteger(delta)) throw badRequest('QUANTITY_INVALID', 'Stock change must be a whole number', { field: 'delta' });
    return this.inTx(db, async (tx) => {
      await this.ensureLevel(tx, actor.shopId, skuId);
      const [after] = await rows<StockLevel>(tx, sql`
        UPDATE inventory_levels SET available = available + ${delta}, received = received + ${delta}, updated_at = now()
        WHERE shop_id = ${actor.shopId} AND sku_id = ${skuId} AND available + ${delta} >= 0
        RETURNING received, available, reserved, sold`);
      if (!after) {
        const [level] = await rows<StockLevel>(tx, sql`
          SELECT available FROM inventory_levels WHERE shop_id = ${actor.shopId} AND sku_id = ${skuId}`);
        if (!level) throw notFound('SKU', { field: 'skuId' });
        throw conflict('STOCK_NEGATIVE', `Only ${level.available} available; cannot remove ${-delta}`, { field: 'delta', skuId, available: level.available });
      }
      if (delta !== 0) await this.ledger(tx, actor.shopId, skuId, { received: delta, available: delta }, 'adjust', 'manual', null, actorRef(actor), reason || null);
      return after;
    });
  }

  /** Levels of the shop's SKUs; SKUs without stock records (or of another shop) are absent. */
  /** Units available per SKU as a SQL expression yielding a JSON object `{ skuId: available }`, for checkout's one read. */
  availableSql(shopId: string, skuIds: string[]): SQL {
    return sql`(SELECT coalesce(json_object_agg(sku_id, available), '{}'::json) FROM inventory_levels
      WHERE shop_id = ${shopId} AND sku_id = ANY(${uuidArray(skuIds)}::uuid[]))`;
  }

  async levels(shopId: string, skuIds: string[], db: Db = this.p.db): Promise<Map<string, StockLevel>> {
    const ids = [...new Set(skuIds)].filter((id) => UUID.test(id));
    const out = new Map<string, StockLevel>();
    if (ids.length === 0) return out;
    const list = await db
      .select()
      .from(inventoryLevels)
      .where(and(eq(inventoryLevels.shopId, shopId), inArray(inventoryLevels.skuId, ids)));
    for (const l of list) out.set(l.skuId, { available: l.available, reserved: l.reserved, sold: l.sold, received: l.received });
    return out;
  }

  /** The newest ledger entries of one SKU (stock history in the console). */
  async history(shopId: string, skuId: string, limit = 50, db: Db = this.p.db) {
    return db
      .select()
      .from(inventoryLedger)
      .where(and(eq(inventoryLedger.shopId, shopId), eq(inventoryLedger.skuId, skuId)))
      .orderBy(desc(inventoryLedger.id))
      .limit(limit);
  }

  /** Creates the level row of a new SKU; only for a SKU of this shop. */
  private async ensureLevel(tx: Db, shopId: string, skuId: string) {
    if (!UUID.test(skuId)) throw notFound('SKU', { field: 'skuId' });
    await rows(tx, sql`
      INSERT INTO inventory_levels (shop_id, sku_id)
      SELECT shop_id, id FROM skus WHERE id = ${skuId} AND shop_id = ${shopId}
      ON CONFLICT (sku_id) DO NOTHING`);
  }

  /** Claims the order's held lines in one statement, so two concurrent calls cannot both move them. */
  private async closeHeld(tx: Db, shopId: string, orderId: string, to: 'released' | 'committed') {
    const list = await rows<{ sku_id: string; quantity: number; from_hold: boolean }>(tx, sql`
      UPDATE inventory_reservations SET status = ${to}, updated_at = now()
      WHERE shop_id = ${shopId} AND order_id = ${orderId} AND status = 'held'
      RETURNING sku_id, quantity, from_hold`);
    return list.sort((a, b) => (a.sku_id < b.sku_id ? -1 : a.sku_id > b.sku_id ? 1 : 0));
  }

  private async ledger(
    tx: Db,
    shopId: string,
    skuId: string,
    d: { received?: number; available?: number; reserved?: number; sold?: number; held?: number },
    reason: LedgerReason,
    refType: string | null,
    refId: string | null,
    actor: string,
    note: string | null = null,
  ) {
    await tx.insert(inventoryLedger).values({
      shopId,
      skuId,
      deltaReceived: d.received ?? 0,
      deltaAvailable: d.available ?? 0,
      deltaReserved: d.reserved ?? 0,
      deltaSold: d.sold ?? 0,
      deltaHeld: d.held ?? 0,
      reason,
      refType,
      refId,
      actor,
      note,
    });
  }

  private inTx<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
    // Called with the caller's transaction: join it. Called standalone: open our own.
    return db === this.p.db ? this.p.database.transaction(fn) : fn(db);
  }
}

/**
 * One statement per bucket (see reserveMany). The level rows are taken in sku_id order through the sorted
 * `want`, as every other stock change takes them, so concurrent statements do not deadlock.
 */
const reserveSql = (bucket: 'available' | 'held') => `
WITH req AS (
  SELECT order_id, sku_id, sum(quantity)::int AS quantity FROM json_to_recordset($2::json) AS r(order_id uuid, sku_id uuid, quantity int)
  GROUP BY order_id, sku_id
), want AS (
  SELECT sku_id, sum(quantity)::int AS q FROM req GROUP BY sku_id ORDER BY sku_id
), upd AS (
  UPDATE inventory_levels l SET ${bucket} = l.${bucket} - w.q, reserved = l.reserved + w.q, updated_at = now()
  FROM want w WHERE l.shop_id = $1 AND l.sku_id = w.sku_id AND l.${bucket} >= w.q
  RETURNING l.sku_id
), res AS (
  INSERT INTO inventory_reservations (shop_id, order_id, sku_id, quantity, from_hold)
  SELECT $1, r.order_id, r.sku_id, r.quantity, ${bucket === 'held'} FROM req r JOIN upd u ON u.sku_id = r.sku_id
), led AS (
  INSERT INTO inventory_ledger (shop_id, sku_id, delta_${bucket}, delta_reserved, reason, ref_type, ref_id, actor)
  SELECT $1, r.sku_id, -r.quantity, r.quantity, 'reserve', 'order', r.order_id::text, 'system' FROM req r JOIN upd u ON u.sku_id = r.sku_id
)
SELECT w.sku_id, w.q AS requested, l.${bucket} AS available
FROM want w LEFT JOIN inventory_levels l ON l.sku_id = w.sku_id AND l.shop_id = $1
WHERE w.sku_id NOT IN (SELECT sku_id FROM upd)`;

const RESERVE_AVAILABLE = new Prepared<{ sku_id: string; requested: number; available: number | null }>('inventory.reserve-available', reserveSql('available'));
const RESERVE_HELD = new Prepared<{ sku_id: string; requested: number; available: number | null }>('inventory.reserve-held', reserveSql('held'));

/** Merges repeated SKUs (keeping the first line's index for error fields) and sorts by sku_id (lock order). */
function mergeLines(lines: StockLine[], fieldRoot: string) {
  const merged = new Map<string, { skuId: string; quantity: number; index: number }>();
  lines.forEach((l, index) => {
    if (!Number.isInteger(l.quantity) || l.quantity <= 0) {
      throw badRequest('QUANTITY_INVALID', 'Quantity must be a positive whole number', { field: `${fieldRoot}.${index}.quantity` });
    }
    if (!UUID.test(l.skuId)) throw notFound('SKU', { field: `${fieldRoot}.${index}.skuId` });
    const m = merged.get(l.skuId);
    if (m) m.quantity += l.quantity;
    else merged.set(l.skuId, { skuId: l.skuId, quantity: l.quantity, index });
  });
  return [...merged.values()].sort((a, b) => (a.skuId < b.skuId ? -1 : a.skuId > b.skuId ? 1 : 0));
}
