import { and, eq } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import { isUniqueViolation, type Db } from '../../platform/db/index.js';
import { badRequest, conflict, unprocessable } from '../../platform/errors.js';
import type { TenancyService } from '../../platform/tenancy/service.js';
import type { CatalogService } from '../catalog/service.js';
import type { CustomersService as CustomerService } from '../customers/service.js';
import type { InventoryService } from '../inventory/service.js';
import type { CartService } from './cart-service.js';
import { lockOrder } from './lifecycle.js';
import { newOrderNo, nextOrderSequence } from './order-no.js';
import { priceOrder, type PricingInput, type PricingLineInput, type PricingResult, type PricingStep, defaultSteps } from './pricing.js';
import { orderHistory, orderItems, orders, type AddressSnapshot, type PickupSnapshot } from './schema.js';
import type { ShippingService } from './shipping-service.js';
import type { OrderService } from './service.js';

export interface CheckoutInput {
  items: { skuId: string; quantity: number }[];
  fulfilment: 'express' | 'pickup';
  addressId?: string;
  pickupPointId?: string;
  remark?: string;
  fromCart?: boolean;
  /** The coupon the customer chose; absent lets the promotions extension pick the best, null means none. */
  couponId?: string | null;
  usePoints?: boolean;
  /** A points-mall goods item (积分兑换): its extension prices the one line and spends the points; other offers stay out. */
  mallItemId?: string;
  /** The balance payment of a pre-sale (定金预售 尾款): the deposit counts for its inflated value. */
  presaleOrderId?: string;
  /** Pay what the member balance covers from it (stored value), WeChat Pay the rest. */
  useBalance?: boolean;
}

/** A line a step may add (满赠 gift), with what the order line needs to show it. */
export type GiftCandidate = PricingLineInput & { skuCode: string | null; imageUrl: string | null };

/**
 * How another module takes part in checkout without checkout knowing it: it loads what its pure pricing
 * steps need, may settle a choice by pricing alternatives (the best coupon), and, inside the order's
 * transaction, claims what the final pricing used (marks the coupon used) — throwing rolls the order back.
 */
export interface CheckoutExtension {
  code: string;
  steps: PricingStep[];
  load(db: Db, q: { shopId: string; customerId: string; input: CheckoutInput; lines: PricingLineInput[]; at: Date }): Promise<{ context: unknown; giftCandidates?: GiftCandidate[] }>;
  settle?(context: unknown, price: (context: unknown) => PricingResult): { context: unknown; extras?: Record<string, unknown> };
  commit?(tx: Db, order: { id: string; orderNo: string; shopId: string; customerId: string }, pricing: PricingResult, context: unknown): Promise<void>;
  /** Inside the order's transaction, before its stock is reserved: give back units set aside for it (a pre-sale's). */
  beforeReserve?(tx: Db, q: { shopId: string; customerId: string; input: CheckoutInput }, context: unknown): Promise<void>;
}

interface Prepared {
  pricing: PricingResult;
  context: Record<string, unknown>;
  extras: Record<string, unknown>;
  address: AddressSnapshot | null;
  pickupPoint: PickupSnapshot | null;
  lines: { skuId: string; productId: string; title: string; specText: string; skuCode: string | null; imageUrl: string | null; quantity: number }[];
}

/** Turns a cart into a priced order that holds its stock: the convert step of the loop. */
export class CheckoutService {
  /** Pricing steps: shipping here, the rest from extensions. */
  readonly steps: PricingStep[] = [...defaultSteps];
  private readonly extensions: CheckoutExtension[] = [];

  /** Called once at composition (app/container.ts). */
  extend(extension: CheckoutExtension) {
    this.extensions.push(extension);
    this.steps.push(...extension.steps);
  }

  constructor(
    private p: Platform,
    private tenancy: TenancyService,
    private catalog: CatalogService,
    private inventory: InventoryService,
    private customers: CustomerService,
    private shipping: ShippingService,
    private cart: CartService,
    private orders: OrderService,
  ) {}

  /** What the order would cost, line by line, without writing anything. */
  async preview(shopId: string, customerId: string, input: CheckoutInput) {
    const prepared = await this.prepare(this.p.db, shopId, customerId, input);
    return { ...prepared.pricing, ...prepared.extras, address: prepared.address, pickupPoint: prepared.pickupPoint };
  }

  private async prepare(db: Db, shopId: string, customerId: string, input: CheckoutInput): Promise<Prepared> {
    const seen = new Set<string>();
    input.items.forEach((it, i) => {
      if (seen.has(it.skuId)) throw badRequest('SKU_DUPLICATE', 'The same SKU appears twice', { field: `items.${i}.skuId` });
      seen.add(it.skuId);
    });
    const skus = new Map((await this.catalog.skusForOrder(db, shopId, input.items.map((i) => i.skuId))).map((s) => [s.skuId, s]));
    const lines = input.items.map((it, i) => {
      const sku = skus.get(it.skuId);
      if (!sku) throw unprocessable('SKU_NOT_FOUND', 'This product option does not exist', { field: `items.${i}.skuId`, skuId: it.skuId });
      if (sku.productStatus !== 'on_sale') throw conflict('PRODUCT_NOT_ON_SALE', `${sku.productTitle} is not on sale`, { field: `items.${i}.skuId`, skuId: it.skuId });
      return { sku, quantity: it.quantity };
    });
    let address: AddressSnapshot | null = null;
    let pickupPoint: PickupSnapshot | null = null;
    if (input.fulfilment === 'express') {
      if (!input.addressId) throw badRequest('ADDRESS_REQUIRED', 'Choose a delivery address', { field: 'addressId' });
      const a = await this.customers.getAddress(shopId, customerId, input.addressId, db);
      address = { contactName: a.contactName, phone: a.phone, province: a.province, city: a.city, district: a.district, detail: a.detail };
    } else {
      if (!input.pickupPointId) throw badRequest('PICKUP_POINT_REQUIRED', 'Choose a pickup point', { field: 'pickupPointId' });
      const pp = await this.shipping.getPickupPoint(shopId, input.pickupPointId, db);
      if (!pp.active) throw conflict('PICKUP_POINT_CLOSED', 'This pickup point is closed', { field: 'pickupPointId' });
      pickupPoint = { id: pp.id, name: pp.name, address: pp.address, phone: pp.phone, hours: pp.hours };
    }
    const template = input.fulfilment === 'express' ? await this.shipping.defaultTemplate(shopId, db) : null;
    const at = this.p.now();
    const baseLines: PricingLineInput[] = lines.map(({ sku, quantity }) => ({
      skuId: sku.skuId,
      productId: sku.productId,
      categoryId: sku.categoryId,
      title: sku.productTitle,
      specText: sku.specText,
      unitPriceFen: sku.price,
      quantity,
      weightGrams: sku.weightGrams ?? 0,
    }));
    const context: Record<string, unknown> = {};
    const giftCandidates: GiftCandidate[] = [];
    for (const ext of this.extensions) {
      const loaded = await ext.load(db, { shopId, customerId, input, lines: baseLines, at });
      context[ext.code] = loaded.context;
      giftCandidates.push(...(loaded.giftCandidates ?? []));
    }
    const pricingInput: PricingInput = {
      lines: baseLines,
      fulfilment: input.fulfilment,
      province: address?.province,
      shippingTemplate: template,
      customerId,
      at,
      context,
      giftCandidates,
    };
    const extras: Record<string, unknown> = {};
    for (const ext of this.extensions) {
      if (!ext.settle) continue;
      const settled = ext.settle(context[ext.code], (alt) => priceOrder({ ...pricingInput, context: { ...context, [ext.code]: alt } }, this.steps));
      context[ext.code] = settled.context;
      Object.assign(extras, settled.extras ?? {});
    }
    const pricing = priceOrder(pricingInput, this.steps);
    const giftInfo = new Map(giftCandidates.map((g) => [g.skuId, g]));
    return {
      pricing,
      context,
      extras,
      address,
      pickupPoint,
      lines: [
        ...lines.map(({ sku, quantity }) => ({
          skuId: sku.skuId,
          productId: sku.productId,
          title: sku.productTitle,
          specText: sku.specText,
          skuCode: sku.skuCode ?? null,
          imageUrl: sku.imageUrl ?? null,
          quantity,
        })),
        ...pricing.lines.slice(lines.length).map((l) => ({
          skuId: l.skuId,
          productId: l.productId,
          title: l.title,
          specText: l.specText,
          skuCode: giftInfo.get(l.skuId)?.skuCode ?? null,
          imageUrl: giftInfo.get(l.skuId)?.imageUrl ?? null,
          quantity: l.quantity,
        })),
      ],
    };
  }

  /**
   * Creates the order and reserves its stock in one transaction: either the customer has an order that
   * holds every unit, or nothing was written. A retry with the same Idempotency-Key returns the first order.
   */
  async placeOrder(shopId: string, customerId: string, input: CheckoutInput, idempotencyKey?: string): Promise<{ orderId: string; created: boolean }> {
    if (idempotencyKey) {
      const existing = await this.findByKey(shopId, customerId, idempotencyKey);
      if (existing) return { orderId: existing, created: false };
    }
    const settings = await this.tenancy.settings(shopId);
    try {
      const orderId = await this.p.database.transaction(async (tx) => {
        const prepared = await this.prepare(tx, shopId, customerId, input);
        const now = this.p.now();
        const payExpiresAt = new Date(now.getTime() + settings.unpaidTimeoutMinutes * 60_000);
        const { pricing } = prepared;
        const [order] = await tx
          .insert(orders)
          .values({
            shopId,
            orderNo: newOrderNo(now, await nextOrderSequence(tx)),
            customerId,
            status: 'pending_payment',
            fulfilment: input.fulfilment,
            address: prepared.address,
            pickupPoint: prepared.pickupPoint,
            itemsTotalFen: pricing.itemsTotalFen,
            discountFen: pricing.discountFen,
            shippingFen: pricing.shippingFen,
            payableFen: pricing.payableFen,
            balanceFen: pricing.payableFen - (pricing.cashDueFen ?? pricing.payableFen),
            pricing,
            remark: input.remark,
            idempotencyKey: idempotencyKey ?? null,
            payExpiresAt,
          })
          .returning({ id: orders.id, orderNo: orders.orderNo });
        await tx.insert(orderItems).values(
          pricing.lines.map((l, i) => ({
            shopId,
            orderId: order.id,
            skuId: l.skuId,
            productId: l.productId,
            title: l.gift ? `【赠品】${l.title}` : l.title,
            specText: l.specText,
            skuCode: prepared.lines[i].skuCode,
            imageUrl: prepared.lines[i].imageUrl,
            unitPriceFen: l.unitPriceFen,
            quantity: l.quantity,
            lineTotalFen: l.lineTotalFen,
            discountFen: l.discountFen,
            payableFen: l.payableFen,
            position: i,
          })),
        );
        for (const ext of this.extensions) await ext.beforeReserve?.(tx, { shopId, customerId, input }, prepared.context[ext.code]);
        await this.inventory.reserve(tx, shopId, order.id, pricing.lines.map((l) => ({ skuId: l.skuId, quantity: l.quantity })));
        for (const ext of this.extensions) await ext.commit?.(tx, { id: order.id, orderNo: order.orderNo, shopId, customerId }, pricing, prepared.context[ext.code]);
        await tx.insert(orderHistory).values({ shopId, orderId: order.id, action: 'create', fromStatus: null, toStatus: 'pending_payment', actorType: 'customer', actorId: customerId });
        if (input.fromCart) await this.cart.removeBought(tx, shopId, customerId, input.items.map((l) => l.skuId));
        await this.p.events.emit(tx, {
          shopId,
          type: 'order.created',
          payload: { orderId: order.id, orderNo: order.orderNo, customerId, payableFen: pricing.payableFen, items: pricing.lines.map((l) => ({ skuId: l.skuId, productId: l.productId, quantity: l.quantity })) },
        });
        if (pricing.cashDueFen === 0) {
          // Nothing is left for WeChat Pay (stored value or savings covered it all): paid as placed.
          await this.orders.markPaidLocked(tx, await lockOrder(tx, shopId, order.id), 0);
        } else {
          await this.p.jobs.send('orders.auto-cancel', { shopId, orderId: order.id }, { tx, runAt: payExpiresAt, singletonKey: order.id });
        }
        return order.id;
      });
      this.p.metrics.domain.inc({ type: 'order.created' });
      return { orderId, created: true };
    } catch (err) {
      // Two identical retries raced: the loser finds the winner's order.
      if (idempotencyKey && isUniqueViolation(err)) {
        const existing = await this.findByKey(shopId, customerId, idempotencyKey);
        if (existing) return { orderId: existing, created: false };
      }
      throw err;
    }
  }

  private async findByKey(shopId: string, customerId: string, key: string) {
    const [row] = await this.p.db
      .select({ id: orders.id })
      .from(orders)
      .where(and(eq(orders.shopId, shopId), eq(orders.customerId, customerId), eq(orders.idempotencyKey, key)));
    return row?.id ?? null;
  }
}
