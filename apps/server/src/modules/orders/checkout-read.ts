import { sql, type SQL } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { queryComposed } from '../../platform/db/prepared.js';
import type { TenancyService } from '../../platform/tenancy/service.js';
import type { CatalogService, SkuForOrder } from '../catalog/service.js';
import type { CustomersService as CustomerService } from '../customers/service.js';
import type { CheckoutExtension, CheckoutInput } from './checkout.js';
import type { pickupPoints } from './schema.js';
import type { ShippingService } from './shipping-service.js';
import type { ShippingTemplateDef } from './shipping.js';

type PickupPoint = typeof pickupPoints.$inferSelect;

/** What every checkout of a shop needs and staff change rarely: kept per process (ShopCache). */
export interface ShopCheckoutData {
  unpaidTimeoutMinutes: number;
  shippingTemplate: ShippingTemplateDef | null;
  pickupPoints: PickupPoint[];
  /** Each extension's own shop data, by extension code. */
  extensions: Record<string, unknown>;
}

/** What one checkout needs of its customer and goods: read in ONE query (see `readCustomer`). */
export interface CustomerCheckoutData {
  skus: SkuForOrder[];
  address: { contactName: string; phone: string; province: string; city: string; district: string; detail: string } | null;
  /** Each extension's own customer data, by extension code. */
  extensions: Record<string, unknown>;
}

/**
 * The read half of checkout. Shop data comes from the shop cache; everything about the customer and the
 * goods comes from one statement that each module contributes a part of (its own tables, its own SQL):
 * the catalog the SKUs, customers the address, each checkout extension its JSON. The statement's text is
 * the same for every checkout (lists travel as array parameters), so it is prepared once per connection.
 */
export class CheckoutReader {
  constructor(
    private p: Platform,
    private tenancy: TenancyService,
    private catalog: CatalogService,
    private customers: CustomerService,
    private shipping: ShippingService,
    private extensions: CheckoutExtension[],
  ) {}

  shop(shopId: string): Promise<ShopCheckoutData> {
    return this.p.shopCache.get(shopId, 'checkout', async () => {
      const db = this.p.db;
      const [settings, shippingTemplate, pickupPoints, ...ext] = await Promise.all([
        this.tenancy.settings(shopId, db),
        this.shipping.defaultTemplate(shopId, db),
        this.shipping.listPickupPoints(shopId),
        ...this.extensions.map((e) => (e.shopData ? e.shopData(shopId, db) : Promise.resolve(null))),
      ]);
      return {
        unpaidTimeoutMinutes: settings.unpaidTimeoutMinutes,
        shippingTemplate,
        pickupPoints,
        extensions: Object.fromEntries(this.extensions.map((e, i) => [e.code, ext[i]])),
      };
    });
  }

  async customer(db: Db, q: { shopId: string; customerId: string; input: CheckoutInput; at: Date }, shop: ShopCheckoutData): Promise<CustomerCheckoutData> {
    const parts: SQL[] = [
      sql`${this.catalog.skusForOrderSql(q.shopId, q.input.items.map((i) => i.skuId))} AS skus`,
      sql`${this.customers.addresses.checkoutSql(q.shopId, q.customerId, q.input.fulfilment === 'express' ? (q.input.addressId ?? null) : null)} AS address`,
    ];
    const contributing = this.extensions.filter((e) => e.customerData);
    contributing.forEach((e, i) => parts.push(sql`${e.customerData!({ ...q }, shop.extensions[e.code])} AS ${sql.raw(`e${i}`)}`));
    const [row] = await queryComposed<Record<string, unknown>>(db, 'checkout.read', sql`SELECT ${sql.join(parts, sql`, `)}`);
    return {
      skus: (row.skus as SkuForOrder[]) ?? [],
      address: (row.address as CustomerCheckoutData['address']) ?? null,
      extensions: Object.fromEntries(contributing.map((e, i) => [e.code, row[`e${i}`]])),
    };
  }
}
