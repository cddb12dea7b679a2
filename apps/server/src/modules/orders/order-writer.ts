import type { Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { Prepared } from '../../platform/db/prepared.js';
import type { InventoryService } from '../inventory/service.js';
import type { PricingResult } from './pricing.js';
import type { AddressSnapshot, PickupSnapshot } from './schema.js';

/** An order priced and ready to be written (checkout, or a pre-priced flash-sale order). */
export interface OrderToWrite {
  /** Chosen by the caller (a UUID), so every row of the order can be written in the same statement. */
  id: string;
  customerId: string;
  fulfilment: 'express' | 'pickup';
  address: AddressSnapshot | null;
  pickupPoint: PickupSnapshot | null;
  pricing: PricingResult;
  /** What the order lines show beyond the pricing (per pricing line, same order), and their ids. */
  lines: { id: string; skuCode: string | null; imageUrl: string | null }[];
  remark?: string | null;
  idempotencyKey?: string | null;
  source?: string | null;
  sourceRef?: string | null;
  payExpiresAt: Date;
  /** Extra fields of the `order.created` event (orderId, orderNo, customerId, payableFen, items are always there). */
  event?: Record<string, unknown>;
}

export interface WrittenOrder {
  id: string;
  orderNo: string;
  createdAt: Date;
  /** The id of the order's first history entry. */
  historyId: number;
}

/** The orders the statement wrote; an order missing here hit a unique key (its Idempotency-Key or source ref was written before). */
export type WriteResult = Map<string, WrittenOrder>;

/**
 * The order number is made in the statement, as `newOrderNo` (order-no.ts) makes it: Shanghai time to the
 * second + the sequence scrambled by the same multiplier. order-no.test.ts checks both agree.
 */
const ORDER_NO_SQL = `to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDDHH24MISS') || lpad((((nextval('order_no_seq') % 1000000) * 738917) % 1000000)::text, 6, '0')`;

/**
 * Orders, their lines, their first history entry and their `order.created` events: one statement for any
 * number of orders. Orders whose unique keys are taken are skipped (ON CONFLICT DO NOTHING) together
 * with their lines, history and event.
 */
const WRITE_ORDERS = new Prepared<{ id: string; order_no: string; created_at: Date | string; history_id: number }>(
  'orders.write',
  `
WITH input AS (
  SELECT * FROM json_to_recordset($2::json) AS x(
    id uuid, customer_id uuid, fulfilment text, address jsonb, pickup_point jsonb, items_total_fen int, discount_fen int,
    shipping_fen int, payable_fen int, balance_fen int, pricing jsonb, remark text, idempotency_key text, source text,
    source_ref text, pay_expires_at timestamptz, event jsonb, n int)
), o AS (
  INSERT INTO orders (id, shop_id, order_no, customer_id, status, fulfilment, address, pickup_point, items_total_fen, discount_fen,
    shipping_fen, payable_fen, balance_fen, pricing, remark, idempotency_key, source, source_ref, pay_expires_at)
  SELECT x.id, $1, ${ORDER_NO_SQL}, x.customer_id, 'pending_payment', x.fulfilment, x.address, x.pickup_point, x.items_total_fen,
    x.discount_fen, x.shipping_fen, x.payable_fen, x.balance_fen, x.pricing, x.remark, x.idempotency_key, x.source, x.source_ref, x.pay_expires_at
  FROM input x ORDER BY x.n
  ON CONFLICT DO NOTHING
  RETURNING id, order_no, customer_id, created_at
), i AS (
  INSERT INTO order_items (id, shop_id, order_id, sku_id, product_id, title, spec_text, sku_code, image_url, unit_price_fen, quantity,
    line_total_fen, discount_fen, payable_fen, position)
  SELECT l.id, $1, l.order_id, l.sku_id, l.product_id, l.title, l.spec_text, l.sku_code, l.image_url, l.unit_price_fen, l.quantity,
    l.line_total_fen, l.discount_fen, l.payable_fen, l.position
  FROM json_to_recordset($3::json) AS l(id uuid, order_id uuid, sku_id uuid, product_id uuid, title text, spec_text text, sku_code text, image_url text,
    unit_price_fen int, quantity int, line_total_fen int, discount_fen int, payable_fen int, position int)
  JOIN o ON o.id = l.order_id
), h AS (
  INSERT INTO order_history (shop_id, order_id, action, from_status, to_status, actor_type, actor_id)
  SELECT $1, o.id, 'create', NULL, 'pending_payment', 'customer', o.customer_id::text FROM o
  RETURNING id, order_id
), e AS (
  INSERT INTO outbox_events (shop_id, type, payload)
  SELECT $1, 'order.created', x.event || jsonb_build_object('orderId', o.id, 'orderNo', o.order_no) FROM o JOIN input x ON x.id = o.id
)
SELECT o.id, o.order_no, o.created_at, h.id AS history_id FROM o JOIN h ON h.order_id = o.id`,
);

/**
 * Writes orders the way every path does (checkout one by one or in groups, flash-sale batches): the rows
 * in one statement, the stock in one more placed last by the caller (`reserve`). Runs inside the caller's
 * transaction.
 */
export class OrderWriter {
  constructor(
    private p: Platform,
    private inventory: InventoryService,
  ) {}

  async write(tx: Db, shopId: string, list: OrderToWrite[]): Promise<WriteResult> {
    if (list.length === 0) return new Map();
    const input = list.map((o, n) => ({
      id: o.id,
      customer_id: o.customerId,
      fulfilment: o.fulfilment,
      address: o.address,
      pickup_point: o.pickupPoint,
      items_total_fen: o.pricing.itemsTotalFen,
      discount_fen: o.pricing.discountFen,
      shipping_fen: o.pricing.shippingFen,
      payable_fen: o.pricing.payableFen,
      balance_fen: o.pricing.payableFen - (o.pricing.cashDueFen ?? o.pricing.payableFen),
      pricing: o.pricing,
      remark: o.remark ?? null,
      idempotency_key: o.idempotencyKey ?? null,
      source: o.source ?? null,
      source_ref: o.sourceRef ?? null,
      pay_expires_at: o.payExpiresAt.toISOString(),
      event: {
        customerId: o.customerId,
        payableFen: o.pricing.payableFen,
        items: o.pricing.lines.map((l) => ({ skuId: l.skuId, productId: l.productId, quantity: l.quantity })),
        ...(o.source ? { source: o.source } : {}),
        ...(o.event ?? {}),
      },
      n,
    }));
    const lines = list.flatMap((o) =>
      o.pricing.lines.map((l, i) => ({
        id: o.lines[i].id,
        order_id: o.id,
        sku_id: l.skuId,
        product_id: l.productId,
        title: l.gift ? `【赠品】${l.title}` : l.title,
        spec_text: l.specText,
        sku_code: o.lines[i].skuCode,
        image_url: o.lines[i].imageUrl,
        unit_price_fen: l.unitPriceFen,
        quantity: l.quantity,
        line_total_fen: l.lineTotalFen,
        discount_fen: l.discountFen,
        payable_fen: l.payableFen,
        position: i,
      })),
    );
    const written = await WRITE_ORDERS.run(tx, [shopId, JSON.stringify(input), JSON.stringify(lines)]);
    this.p.metrics.domain.inc({ type: 'order.created' }, written.length);
    return new Map(written.map((r) => [r.id, { id: r.id, orderNo: r.order_no, createdAt: new Date(r.created_at), historyId: Number(r.history_id) }]));
  }

  /**
   * Reserves the stock of the written orders in one statement (run it last, just before COMMIT). Answers
   * the SKUs that fell short; the caller then rolls back.
   */
  reserve(tx: Db, shopId: string, list: Pick<OrderToWrite, 'id' | 'pricing'>[], from: 'available' | 'held' = 'available') {
    return this.inventory.reserveMany(tx, shopId, list.flatMap((o) => o.pricing.lines.map((l) => ({ orderId: o.id, skuId: l.skuId, quantity: l.quantity }))), from);
  }
}
