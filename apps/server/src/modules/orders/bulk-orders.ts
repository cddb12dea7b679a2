import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { conflict } from '../../platform/errors.js';
import type { TenancyService } from '../../platform/tenancy/service.js';
import type { OrderToWrite, OrderWriter } from './order-writer.js';
import { priceOrder, shippingStep, STAGES, type PricingLineInput, type PricingResult, type PricingStep } from './pricing.js';
import { orders, type AddressSnapshot, type PickupSnapshot } from './schema.js';
import type { ShippingTemplateDef } from './shipping.js';

/** One order whose price was settled elsewhere (a flash-sale price), ready to be written. */
export interface PrePricedOrder {
  /** The source's key for this order (a flash-sale attempt id): at most one order per key, ever. */
  sourceRef: string;
  /** The new order's id when the source already chose it (it is recorded beside the source ref). */
  orderId?: string;
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
 * Writes many pre-priced orders inside the caller's transaction, each as checkout writes one (orders,
 * lines, history and `order.created` in one statement for the lot through OrderWriter, the stock in one
 * more), with the payment window in `pay_expires_at`: the orders module's sweep cancels what is unpaid by
 * then, so no job is written per order. An order already written for a sourceRef (a retried batch) is
 * answered, not written again: the unique index (shop, source, source_ref) makes the writer skip it.
 */
export class BulkOrderService {
  constructor(
    private p: Platform,
    private tenancy: TenancyService,
    private writer: OrderWriter,
  ) {}

  async createMany(tx: Db, shopId: string, list: PrePricedOrder[], opts: BulkOrderOptions): Promise<Map<string, BulkOrderResult>> {
    const out = new Map<string, BulkOrderResult>();
    if (list.length === 0) return out;
    const refs = list.map((o) => o.sourceRef);
    if (new Set(refs).size !== refs.length) throw new Error('bulk orders: a sourceRef appears twice in one batch');

    const settings = await this.tenancy.settings(shopId, tx);
    const now = this.p.now();
    const payExpiresAt = new Date(now.getTime() + settings.unpaidTimeoutMinutes * 60_000);
    const pricing = pricer(opts.shippingTemplate ?? null, now);
    const toWrite = list.map((o): OrderToWrite & { sourceRef: string } => ({
      id: o.orderId ?? randomUUID(),
      customerId: o.customerId,
      fulfilment: o.fulfilment,
      address: o.address,
      pickupPoint: o.pickupPoint,
      pricing: pricing(o),
      lines: o.lines.map((l) => ({ id: randomUUID(), skuCode: l.skuCode, imageUrl: l.imageUrl })),
      remark: o.remark ?? null,
      source: opts.source,
      sourceRef: o.sourceRef,
      payExpiresAt,
    }));

    const written = await this.writer.write(tx, shopId, toWrite);
    const fresh = toWrite.filter((o) => written.has(o.id));
    if (fresh.length > 0) {
      const short = await this.writer.reserve(tx, shopId, fresh, opts.stock);
      if (short.length > 0) {
        const s = short[0];
        throw conflict('STOCK_INSUFFICIENT', `Only ${s.available} in stock, ${s.requested} requested`, { field: 'skuId', skuId: s.skuId, available: s.available, requested: s.requested });
      }
    }
    for (const o of fresh) out.set(o.sourceRef, { orderId: o.id, orderNo: written.get(o.id)!.orderNo, payableFen: o.pricing.payableFen, created: true });

    // The rest hit the unique source ref: an earlier batch wrote them.
    const skipped = toWrite.filter((o) => !written.has(o.id)).map((o) => o.sourceRef);
    if (skipped.length > 0) {
      const existing = await tx
        .select({ id: orders.id, orderNo: orders.orderNo, sourceRef: orders.sourceRef, payableFen: orders.payableFen })
        .from(orders)
        .where(and(eq(orders.shopId, shopId), eq(orders.source, opts.source), inArray(orders.sourceRef, skipped)));
      for (const e of existing) out.set(e.sourceRef!, { orderId: e.id, orderNo: e.orderNo, payableFen: e.payableFen, created: false });
      const lost = skipped.filter((r) => !out.has(r));
      if (lost.length > 0) throw new Error(`bulk orders: ${lost.length} orders were neither written nor found (source ${opts.source})`);
    }
    return out;
  }
}

/**
 * Prices each order; orders of a batch are mostly alike (the same flash item, free shipping), so equal
 * inputs share one pricing result rather than running the steps again.
 */
function pricer(shippingTemplate: ShippingTemplateDef | null, at: Date) {
  const seen = new Map<string, PricingResult>();
  return (o: PrePricedOrder): PricingResult => {
    const province = o.address?.province;
    const key = JSON.stringify([o.priceReason, o.fulfilment, shippingTemplate ? province : null, o.lines]);
    let p = seen.get(key);
    if (!p) {
      p = priceOrder({ lines: o.lines, fulfilment: o.fulfilment, province, shippingTemplate, customerId: o.customerId, at }, [priceReasonStep(o.priceReason), shippingStep]);
      seen.set(key, p);
    }
    return p;
  };
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
