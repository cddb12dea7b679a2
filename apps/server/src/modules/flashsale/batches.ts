import { and, asc, eq, sql } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import { rows, type Db } from '../../platform/db/index.js';
import { Prepared } from '../../platform/db/prepared.js';
import { AppError } from '../../platform/errors.js';
import type { InventoryService } from '../inventory/service.js';
import type { BulkOrderService } from '../orders/bulk-orders.js';
import type { AddressSnapshot, PickupSnapshot } from '../orders/schema.js';
import { returnAllowance, returnUnits, type UnitsBack } from './hot-units.js';
import { ATTEMPT_RESULT_TTL_MS, attemptKey, FLASH_SOURCE } from './keys.js';
import { flashSaleAttempts } from './schema.js';

/** Orders written per transaction: one statement for the lot. */
export const BATCH_SIZE = 400;

/** An accepted attempt with what its order line needs from the item, as the claim returns it. */
interface Claimed {
  id: string;
  order_id: string;
  customer_id: string;
  flash_sale_id: string;
  quantity: number;
  fulfilment: 'express' | 'pickup';
  address: AddressSnapshot | null;
  pickup_point: PickupSnapshot | null;
  remark: string | null;
  sku_id: string;
  product_id: string;
  category_id: string | null;
  title: string;
  spec_text: string;
  sku_code: string | null;
  image_url: string | null;
  price_fen: number;
  original_price_fen: number;
  weight_grams: number;
}

/**
 * Claims up to $2 accepted attempts of shop $1 (or only attempt $3), oldest first, and marks them ordered
 * with the ids their orders will have, in the transaction that writes those orders.
 */
const CLAIM = new Prepared<Claimed>('flashsale.claim', `
UPDATE flash_sale_attempts a SET status = 'ordered', order_id = gen_random_uuid(), ordered_at = now()
FROM flash_sale_items i
WHERE a.id IN (
    SELECT id FROM flash_sale_attempts
    WHERE shop_id = $1 AND status = 'accepted' AND ($3::uuid IS NULL OR id = $3::uuid)
    ORDER BY accepted_at LIMIT $2
    FOR UPDATE SKIP LOCKED)
  AND a.status = 'accepted' AND i.id = a.item_id
RETURNING a.id, a.order_id, a.customer_id, a.flash_sale_id, a.quantity, a.fulfilment, a.address, a.pickup_point, a.remark,
  i.sku_id, i.product_id, i.category_id, i.title, i.spec_text, i.sku_code, i.image_url, i.price_fen, i.original_price_fen, i.weight_grams`);

const yuan = (fen: number) => (fen / 100).toFixed(2);

/**
 * From accepted attempts to orders, and back: a batch job writes the orders of many attempts in one
 * transaction (idempotent per attempt), and a cancelled flash order gives its units back to the
 * session's activity stock and the customer's allowance.
 */
export class FlashSaleOrders {
  private draining = new Map<string, { again: boolean; done: Promise<number> }>();

  constructor(
    private p: Platform,
    private bulk: BulkOrderService,
    private inventory: InventoryService,
  ) {}

  /**
   * Writes the orders of up to `limit` accepted attempts of the shop; answers how many it took. When the
   * batch as a whole fails, its attempts are written one by one, so one attempt that cannot become an
   * order (its units are not there) fails alone instead of holding back everyone's orders.
   */
  async runBatch(shopId: string, limit = BATCH_SIZE): Promise<number> {
    try {
      return await this.writeBatch(shopId, limit);
    } catch (err) {
      this.p.log.error({ err, shopId }, 'flash sale: an order batch failed; writing its attempts one by one');
      let n = 0;
      for (;;) {
        const [next] = await this.p.db
          .select({ id: flashSaleAttempts.id })
          .from(flashSaleAttempts)
          .where(and(eq(flashSaleAttempts.shopId, shopId), eq(flashSaleAttempts.status, 'accepted')))
          .orderBy(asc(flashSaleAttempts.acceptedAt))
          .limit(1);
        if (!next || n >= limit) return n;
        try {
          const wrote = await this.writeBatch(shopId, 1, next.id);
          // Another worker holds it (SKIP LOCKED): leave the rest to that worker's batch.
          if (wrote === 0) return n;
          n += wrote;
        } catch (one) {
          await this.failAttempt(shopId, next.id, one);
          n++;
        }
      }
    }
  }

  private async writeBatch(shopId: string, limit: number, onlyId?: string): Promise<number> {
    const done = await this.p.database.transaction(async (tx) => {
      // Taken and marked ordered in one statement: SKIP LOCKED lets several workers (or a retried job
      // beside a slow one) each take different attempts, and the order ids are chosen here.
      const attempts = await CLAIM.run(tx, [shopId, limit, onlyId ?? null]);
      if (attempts.length === 0) return [];
      const written = await this.bulk.createMany(
        tx,
        shopId,
        attempts.map((a) => ({
          sourceRef: a.id,
          orderId: a.order_id,
          customerId: a.customer_id,
          fulfilment: a.fulfilment,
          address: a.address,
          pickupPoint: a.pickup_point,
          remark: a.remark,
          lines: [{
            skuId: a.sku_id, productId: a.product_id, categoryId: a.category_id, title: a.title, specText: a.spec_text, skuCode: a.sku_code, imageUrl: a.image_url,
            unitPriceFen: a.price_fen, quantity: a.quantity, weightGrams: a.weight_grams,
          }],
          priceReason: { code: FLASH_SOURCE, label: `秒杀价 ¥${yuan(a.price_fen)}(原价 ¥${yuan(a.original_price_fen)})`, ref: a.flash_sale_id },
        })),
        // 秒杀包邮: flash orders ship free, so an order needs no shipping template and no region check.
        { source: FLASH_SOURCE, stock: 'held', shippingTemplate: null },
      );
      const pairs = attempts.map((a) => ({ id: a.id, customerId: a.customer_id, orderId: written.get(a.id)!.orderId, claimed: a.order_id }));
      // An order an earlier batch wrote for the attempt keeps its id.
      const moved = pairs.filter((x) => x.orderId !== x.claimed);
      if (moved.length > 0) {
        await tx.execute(sql`
          UPDATE flash_sale_attempts a SET order_id = v.order_id::uuid
          FROM (VALUES ${sql.join(moved.map((x) => sql`(${x.id}, ${x.orderId})`), sql`, `)}) AS v(id, order_id)
          WHERE a.id = v.id::uuid`);
      }
      return pairs;
    });
    await Promise.all(done.map((d) => this.p.hot.set(attemptKey(d.id), JSON.stringify({ c: d.customerId, s: 'ordered', o: d.orderId, shop: shopId }), { ttlMs: ATTEMPT_RESULT_TTL_MS })));
    return done.length;
  }

  /**
   * An attempt that cannot become an order: the customer is told (failed, with the reason) and gets the
   * allowance back; its units go back on sale unless the reason is that they are not in stock.
   */
  private async failAttempt(shopId: string, attemptId: string, err: unknown) {
    const code = err instanceof AppError ? err.code : 'FLASH_SALE_ORDER_FAILED';
    this.p.log.error({ err, shopId, attemptId, code }, 'flash sale: an accepted attempt could not become an order');
    const failed = await this.p.database.transaction(async (tx) => {
      const [a] = await rows<{ id: string; customer_id: string; session_id: string; item_id: string; quantity: number; flash_sale_id: string }>(tx, sql`
        UPDATE flash_sale_attempts SET status = 'failed', failure_code = ${code}
        WHERE id = ${attemptId} AND shop_id = ${shopId} AND status = 'accepted'
        RETURNING id, customer_id, session_id, item_id, quantity, flash_sale_id`);
      if (a) await this.p.events.emit(tx, { shopId, type: 'flash_sale.attempt_failed', payload: { attemptId: a.id, flashSaleId: a.flash_sale_id, customerId: a.customer_id, code } });
      return a ?? null;
    });
    if (!failed) return;
    await this.p.hot.set(attemptKey(failed.id), JSON.stringify({ c: failed.customer_id, s: 'failed', e: code, shop: shopId }), { ttlMs: ATTEMPT_RESULT_TTL_MS });
    const back = { attemptId: failed.id, sessionId: failed.session_id, itemId: failed.item_id, customerId: failed.customer_id, quantity: failed.quantity };
    // Units that are not in stock must not be sold again; for any other failure they go back on sale.
    if (code === 'STOCK_INSUFFICIENT') {
      await returnAllowance(this.p.hot, back).catch(() => undefined);
    } else {
      await this.returnUnits(back).catch(() => undefined);
    }
  }

  /**
   * Batches until no accepted attempt of the shop is left (or another worker holds the rest). One drain
   * per shop at a time in this process: parallel batches of one sale would only queue on the item's
   * stock row. A drain asked for meanwhile makes the running one look again before it ends.
   */
  async drain(shopId: string): Promise<number> {
    const running = this.draining.get(shopId);
    if (running) {
      running.again = true;
      return running.done;
    }
    const state = { again: false, done: Promise.resolve(0) };
    state.done = (async () => {
      let total = 0;
      try {
        for (;;) {
          state.again = false;
          const n = await this.runBatch(shopId);
          total += n;
          if (n < BATCH_SIZE && !state.again) return total;
        }
      } finally {
        this.draining.delete(shopId);
      }
    })();
    this.draining.set(shopId, state);
    return state.done;
  }

  /**
   * A flash order was cancelled (unpaid in time, or by the customer): its inventory reservation went back
   * to `held` with the cancel. While its session sells, the units go back to the activity stock in the
   * hot store (a job, so it happens only if this commits); once the session is settled they go back to
   * normal stock here.
   */
  async onOrderCancelled(tx: Db, shopId: string, orderId: string) {
    const [a] = await rows<{ id: string; flash_sale_id: string; session_id: string; item_id: string; customer_id: string; quantity: number }>(tx, sql`
      UPDATE flash_sale_attempts SET status = 'released', released_at = now()
      WHERE shop_id = ${shopId} AND order_id = ${orderId} AND status = 'ordered'
      RETURNING id, flash_sale_id, session_id, item_id, customer_id, quantity`);
    if (!a) return;
    // Lock the item first, then read the session in a new statement: settlement holds the same lock.
    const [item] = await rows<{ sku_id: string }>(tx, sql`SELECT sku_id FROM flash_sale_items WHERE id = ${a.item_id} FOR UPDATE`);
    const [session] = await rows<{ settled_at: Date | null }>(tx, sql`SELECT settled_at FROM flash_sale_sessions WHERE id = ${a.session_id}`);
    if (session.settled_at) {
      await this.inventory.unhold(tx, shopId, { type: FLASH_SOURCE, id: a.flash_sale_id }, [{ skuId: item.sku_id, quantity: a.quantity }], 'system');
      await tx.execute(sql`UPDATE flash_sale_items SET unheld = unheld + ${a.quantity} WHERE id = ${a.item_id}`);
      return;
    }
    await this.p.jobs.send('flashsale.return-units', { attemptId: a.id, sessionId: a.session_id, itemId: a.item_id, customerId: a.customer_id, quantity: a.quantity }, { tx, singletonKey: a.id });
  }

  /** Told when units come back, so this process's purchase path stops remembering the item as sold out. */
  unitsReturned: (itemId: string) => void = () => undefined;

  /** Gives a cancelled order's units and allowance back in the hot store, at most once per attempt. */
  async returnUnits(r: UnitsBack) {
    await returnUnits(this.p.hot, r);
    this.unitsReturned(r.itemId);
  }
}
