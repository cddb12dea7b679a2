import { randomUUID } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { badRequest, conflict, notFound, unprocessable } from '../../platform/errors.js';
import type { TenancyService } from '../../platform/tenancy/service.js';
import type { CatalogService } from '../catalog/service.js';
import type { CustomersService as CustomerService } from '../customers/service.js';
import type { CartService } from './cart-service.js';
import { CheckoutCommitter, orderByIdempotencyKey, type CheckoutResult } from './checkout-commit.js';
import { CheckoutReader, type ShopCheckoutData } from './checkout-read.js';
import type { OrderWriter, OrderToWrite } from './order-writer.js';
import { priceOrder, type PricingInput, type PricingLineInput, type PricingResult, type PricingStep, defaultSteps } from './pricing.js';
import type { AddressSnapshot, PickupSnapshot } from './schema.js';
import type { ShippingService } from './shipping-service.js';
import { ShortStock } from './short-stock.js';
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
  /** 拼团: open a group of this group buy as its leader, or join `groupId`; the group price is the price. */
  groupBuy?: { groupBuyId: string; groupId?: string };
  /** 砍价: buy the launch's SKU at the price its helpers cut it to. */
  bargainLaunchId?: string;
}

/**
 * Whether the order has a price of its own (points-mall goods, a pre-sale balance, a group or bargain price):
 * no activity, coupon, member price or points apply on top of it.
 */
export function hasOwnPrice(input: CheckoutInput): boolean {
  return !!(input.mallItemId || input.presaleOrderId || input.groupBuy || input.bargainLaunchId);
}

/** A line a step may add (满赠 gift), with what the order line needs to show it. */
export type GiftCandidate = PricingLineInput & { skuCode: string | null; imageUrl: string | null };

/** Who checks out, what, and when: what an extension's reads are about. */
export interface CheckoutQuery {
  shopId: string;
  customerId: string;
  input: CheckoutInput;
  at: Date;
}

/**
 * How another module takes part in checkout without checkout knowing it. Reading: `shopData` is loaded
 * once per shop version (cached, dropped when staff change the shop), `customerData` is the module's part
 * of checkout's ONE statement about the customer (SQL over its own tables yielding JSON, the same text
 * every time), and `load` turns both into the context its pure pricing steps read. `settle` may price
 * alternatives to choose (the best coupon). Inside the order's transaction `commit` claims what the final
 * pricing used (marks the coupon used) — throwing refuses this order alone.
 */
export interface CheckoutExtension {
  code: string;
  steps: PricingStep[];
  shopData?(shopId: string, db: Db): Promise<unknown>;
  customerData?(q: CheckoutQuery, shop: unknown): SQL;
  load(db: Db, q: CheckoutQuery & { lines: PricingLineInput[] }, data: { shop: unknown; customer: unknown }): Promise<{ context: unknown; giftCandidates?: GiftCandidate[] }>;
  settle?(context: unknown, price: (context: unknown) => PricingResult): { context: unknown; extras?: Record<string, unknown> };
  commit?(tx: Db, order: { id: string; orderNo: string; shopId: string; customerId: string }, pricing: PricingResult, context: unknown): Promise<void>;
  /** Inside the order's transaction, before its stock is reserved: give back units set aside for it (a pre-sale's). */
  beforeReserve?(tx: Db, q: { shopId: string; customerId: string; input: CheckoutInput }, context: unknown): Promise<void>;
  /** Whether this checkout brings units of its own to `beforeReserve` (a pre-sale balance): the stock pre-check must not refuse it. */
  bringsUnits?(input: CheckoutInput): boolean;
}

export interface Prepared {
  pricing: PricingResult;
  context: Record<string, unknown>;
  extras: Record<string, unknown>;
  address: AddressSnapshot | null;
  pickupPoint: PickupSnapshot | null;
  lines: { skuId: string; productId: string; title: string; specText: string; skuCode: string | null; imageUrl: string | null; quantity: number }[];
  shop: ShopCheckoutData;
}

/** Turns a cart into a priced order that holds its stock: the convert step of the loop. */
export class CheckoutService {
  /** Pricing steps: shipping here, the rest from extensions. */
  readonly steps: PricingStep[] = [...defaultSteps];
  private readonly extensions: CheckoutExtension[] = [];
  private readonly reader: CheckoutReader;
  private readonly committer: CheckoutCommitter;
  private readonly shortStock: ShortStock;

  /** Called once at composition (app/container.ts). */
  extend(extension: CheckoutExtension) {
    this.extensions.push(extension);
    this.steps.push(...extension.steps);
  }

  constructor(
    private p: Platform,
    tenancy: TenancyService,
    catalog: CatalogService,
    customers: CustomerService,
    shipping: ShippingService,
    cart: CartService,
    orders: OrderService,
    writer: OrderWriter,
  ) {
    this.reader = new CheckoutReader(p, tenancy, catalog, customers, shipping, this.extensions);
    this.shortStock = new ShortStock(catalog.versions);
    this.committer = new CheckoutCommitter(p, { writer, orders, cart, extensions: this.extensions, shortStock: this.shortStock });
  }

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
    const at = this.p.now();
    const q: CheckoutQuery = { shopId, customerId, input, at };
    const shop = await this.reader.shop(shopId);
    const data = await this.reader.customer(db, q, shop);

    const skus = new Map(data.skus.map((s) => [s.skuId, s]));
    const lines = input.items.map((it, i) => {
      const sku = skus.get(it.skuId);
      if (!sku) throw unprocessable('SKU_NOT_FOUND', 'This product option does not exist', { field: `items.${i}.skuId`, skuId: it.skuId });
      if (sku.productStatus !== 'on_sale') throw conflict('PRODUCT_NOT_ON_SALE', `${sku.productTitle} is not on sale`, { field: `items.${i}.skuId`, skuId: it.skuId });
      return { sku, quantity: it.quantity };
    });
    let address: AddressSnapshot | null = null;
    let pickupPoint: PickupSnapshot | null = null;
    if (input.fulfilment === 'express' && !input.addressId) throw badRequest('ADDRESS_REQUIRED', 'Choose a delivery address', { field: 'addressId' });
    if (input.fulfilment === 'pickup' && !input.pickupPointId) throw badRequest('PICKUP_POINT_REQUIRED', 'Choose a pickup point', { field: 'pickupPointId' });
    if (input.fulfilment === 'express') {
      if (!data.address) throw notFound('Address', { field: 'addressId' });
      address = data.address;
    } else {
      const pp = shop.pickupPoints.find((x) => x.id === input.pickupPointId);
      if (!pp) throw notFound('Pickup point', { field: 'pickupPointId' });
      if (!pp.active) throw conflict('PICKUP_POINT_CLOSED', 'This pickup point is closed', { field: 'pickupPointId' });
      pickupPoint = { id: pp.id, name: pp.name, address: pp.address, phone: pp.phone, hours: pp.hours };
    }
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
    const loaded = await Promise.all(
      this.extensions.map((ext) => ext.load(db, { ...q, lines: baseLines }, { shop: shop.extensions[ext.code], customer: data.extensions[ext.code] })),
    );
    this.extensions.forEach((ext, i) => {
      context[ext.code] = loaded[i].context;
      giftCandidates.push(...(loaded[i].giftCandidates ?? []));
    });
    const pricingInput: PricingInput = {
      lines: baseLines,
      fulfilment: input.fulfilment,
      province: address?.province,
      shippingTemplate: input.fulfilment === 'express' ? shop.shippingTemplate : null,
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
      shop,
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
   * Prices the order outside any transaction, then hands it to the committer, which writes it together
   * with the other checkouts of the moment in one transaction: either the customer has an order that
   * holds every unit, or nothing was written. A retry with the same Idempotency-Key returns the first order.
   */
  async placeOrder(shopId: string, customerId: string, input: CheckoutInput, idempotencyKey?: string): Promise<CheckoutResult> {
    try {
      if (!this.extensions.some((e) => e.bringsUnits?.(input))) await this.shortStock.check(shopId, input.items);
    } catch (err) {
      // A retry must get its first answer, even once the stock is gone: one indexed read, not a checkout.
      const earlier = idempotencyKey ? await orderByIdempotencyKey(this.p.db, shopId, customerId, idempotencyKey) : null;
      if (earlier) return { orderId: earlier, created: false };
      throw err;
    }
    const prepared = await this.prepare(this.p.db, shopId, customerId, input);
    const order: OrderToWrite = {
      id: randomUUID(),
      customerId,
      fulfilment: input.fulfilment,
      address: prepared.address,
      pickupPoint: prepared.pickupPoint,
      pricing: prepared.pricing,
      lines: prepared.lines.map((l) => ({ id: randomUUID(), skuCode: l.skuCode, imageUrl: l.imageUrl })),
      remark: input.remark ?? null,
      idempotencyKey: idempotencyKey ?? null,
      payExpiresAt: new Date(this.p.now().getTime() + prepared.shop.unpaidTimeoutMinutes * 60_000),
    };
    return this.committer.submit(shopId, { order, prepared, input, customerId });
  }
}
