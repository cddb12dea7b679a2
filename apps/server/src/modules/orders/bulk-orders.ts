import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import { rows, type Db } from '../../platform/db/index.js';
import type { TenancyService } from '../../platform/tenancy/service.js';
import type { InventoryService } from '../inventory/service.js';
import { newOrderNo } from './order-no.js';
import { priceOrder, shippingStep, STAGES, type PricingLineInput, type PricingStep } from './pricing.js';
import { orderHistory, orderItems, orders, type AddressSnapshot, type PickupSnapshot } from './schema.js';
import type { ShippingTemplateDef } from './shipping.js';

/** One order whose price was settled elsewhere (a flash-sale price), ready to be written. */
export interface PrePricedOrder {
  /** The source's key for this order (a flash-sale attempt id): at most one order per key, ever. */
  sourceRef: string;
  customerId: string;
  fulfilment: 'express' | 'pickup';
  address: AddressSnapshot | null;
  pickupPoint: PickupSnapshot | null;
  remark?: string | null;
  /** Lines at the price the customer pays per unit (unitPriceFen). */
  lines: (PricingLineInput & { skuCode: string | null; imageUrl: string | null })[];
  /** Why the unit price is what it is, kept in the pricing as an adjustment per line (e.g. code 'flash_sale'). */
  priceReason: { code: string; label: string; ref?: string };
}

export interface BulkOrderOptions {
  /** Stored on every order (`orders.source`), e.g. 'flash_sale'. */
  source: string;
  /**
   * Where the stock comes from: `held` takes the units an activity set aside (inventory held → reserved,
   * back to held on cancel); `available` reserves normal stock like checkout.
   */
  stock: 'held' | 'available';
  /** Express fee template; null ships free (包邮). */
  shippingTemplate?: ShippingTemplateDef | null;
}

export interface BulkOrderResult {
  orderId: string;
  orderNo: string;
  payableFen: number;
  /** False when an earlier (retried) batch already wrote it. */
  created: boolean;
}

/**
 * Writes many pre-priced orders inside the caller's transaction, each exactly as checkout writes one
 * (orders + order_items + order_history, the stock reservation, `order.created`, the auto-cancel job at
 * the end of the payment window), but with one INSERT per table for the whole batch. Orders already
 * written for a sourceRef are answered, not written again; the unique index (shop, source, source_ref)
 * is the last line of defence if two batches race.
 */
export class BulkOrderService {
  constructor(
    private p: Platform,
    private tenancy: TenancyService,
    private inventory: InventoryService,
  ) {}

  async createMany(tx: Db, shopId: string, list: PrePricedOrder[], opts: BulkOrderOptions): Promise<Map<string, BulkOrderResult>> {
    const out = new Map<string, BulkOrderResult>();
    if (list.length === 0) return out;
    const refs = list.map((o) => o.sourceRef);
    if (new Set(refs).size !== refs.length) throw new Error('bulk orders: a sourceRef appears twice in one batch');
    const existing = await tx
      .select({ id: orders.id, orderNo: orders.orderNo, sourceRef: orders.sourceRef, payableFen: orders.payableFen })
      .from(orders)
      .where(and(eq(orders.shopId, shopId), eq(orders.source, opts.source), inArray(orders.sourceRef, refs)));
    for (const e of existing) out.set(e.sourceRef!, { orderId: e.id, orderNo: e.orderNo, payableFen: e.payableFen, created: false });
    const fresh = list.filter((o) => !out.has(o.sourceRef));
    if (fresh.length === 0) return out;

    const settings = await this.tenancy.settings(shopId, tx);
    const now = this.p.now();
    const payExpiresAt = new Date(now.getTime() + settings.unpaidTimeoutMinutes * 60_000);
    const seqs = await rows<{ n: string | number }>(tx, sql`SELECT nextval('order_no_seq') AS n FROM generate_series(1, ${fresh.length})`);
    const priced = fresh.map((o) => ({
      o,
      pricing: priceOrder(
        { lines: o.lines, fulfilment: o.fulfilment, province: o.address?.province, shippingTemplate: opts.shippingTemplate ?? null, customerId: o.customerId, at: now },
        [priceReasonStep(o.priceReason), shippingStep],
      ),
    }));

    const inserted = await tx
      .insert(orders)
      .values(priced.map(({ o, pricing }, i) => ({
        shopId,
        orderNo: newOrderNo(now, BigInt(seqs[i].n)),
        customerId: o.customerId,
        status: 'pending_payment' as const,
        fulfilment: o.fulfilment,
        address: o.address,
        pickupPoint: o.pickupPoint,
        itemsTotalFen: pricing.itemsTotalFen,
        discountFen: pricing.discountFen,
        shippingFen: pricing.shippingFen,
        payableFen: pricing.payableFen,
        pricing,
        remark: o.remark ?? null,
        source: opts.source,
        sourceRef: o.sourceRef,
        payExpiresAt,
      })))
      .returning({ id: orders.id, orderNo: orders.orderNo, sourceRef: orders.sourceRef });
    const idOf = new Map(inserted.map((r) => [r.sourceRef!, r]));

    await tx.insert(orderItems).values(priced.flatMap(({ o, pricing }) => pricing.lines.map((l, i) => ({
      shopId,
      orderId: idOf.get(o.sourceRef)!.id,
      skuId: l.skuId,
      productId: l.productId,
      title: l.title,
      specText: l.specText,
      skuCode: o.lines[i].skuCode,
      imageUrl: o.lines[i].imageUrl,
      unitPriceFen: l.unitPriceFen,
      quantity: l.quantity,
      lineTotalFen: l.lineTotalFen,
      discountFen: l.discountFen,
      payableFen: l.payableFen,
      position: i,
    }))));

    const stockLines = priced.flatMap(({ o }) => o.lines.map((l) => ({ orderId: idOf.get(o.sourceRef)!.id, skuId: l.skuId, quantity: l.quantity })));
    if (opts.stock === 'held') {
      await this.inventory.reserveHeld(tx, shopId, stockLines);
    } else {
      for (const { o } of priced) await this.inventory.reserve(tx, shopId, idOf.get(o.sourceRef)!.id, o.lines.map((l) => ({ skuId: l.skuId, quantity: l.quantity })));
    }

    await tx.insert(orderHistory).values(priced.map(({ o }) => ({
      shopId, orderId: idOf.get(o.sourceRef)!.id, action: 'create', fromStatus: null, toStatus: 'pending_payment', actorType: 'customer', actorId: o.customerId,
    })));
    for (const { o, pricing } of priced) {
      const row = idOf.get(o.sourceRef)!;
      await this.p.events.emit(tx, {
        shopId,
        type: 'order.created',
        payload: { orderId: row.id, orderNo: row.orderNo, customerId: o.customerId, payableFen: pricing.payableFen, source: opts.source, items: pricing.lines.map((l) => ({ skuId: l.skuId, productId: l.productId, quantity: l.quantity })) },
      });
      await this.p.jobs.send('orders.auto-cancel', { shopId, orderId: row.id }, { tx, runAt: payExpiresAt, singletonKey: row.id });
      out.set(o.sourceRef, { orderId: row.id, orderNo: row.orderNo, payableFen: pricing.payableFen, created: true });
    }
    this.p.metrics.domain.inc({ type: 'order.created' }, fresh.length);
    return out;
  }
}

/** Records, at the activity-price stage, why each line costs what it does (no saving of its own: the price is already the offer). */
function priceReasonStep(reason: PrePricedOrder['priceReason']): PricingStep {
  return {
    code: reason.code,
    stage: STAGES.activityPrice,
    apply(state) {
      for (const l of state.lines) state.adjustments.push({ code: reason.code, label: reason.label, amountFen: 0, skuId: l.skuId, quantity: l.quantity, ...(reason.ref ? { ref: reason.ref } : {}) });
    },
  };
}
