import { and, desc, eq, ne, sql, type SQL } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { notFound, unauthorized, unprocessable } from '../../platform/errors.js';
import type { CustomerAddressInput, CustomerAddressPatch } from '@siyu/contracts';
import { regionProblem } from '@siyu/contracts/regions';
import { customerAddresses, customers } from './schema.js';
import { addressView } from './views.js';

export const MAX_ADDRESSES = 20;

/**
 * A customer's shipping addresses. While any address exists exactly one is the default: the first one
 * becomes it, a new default demotes the old, and removing the default promotes the most recent other.
 * Writes lock the customer row so concurrent edits keep the count and the default right.
 */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class CustomerAddresses {
  constructor(private p: Platform) {}

  async list(shopId: string, customerId: string, db: Db = this.p.db) {
    const list = await db
      .select()
      .from(customerAddresses)
      .where(and(eq(customerAddresses.shopId, shopId), eq(customerAddresses.customerId, customerId)))
      .orderBy(desc(customerAddresses.isDefault), desc(customerAddresses.updatedAt));
    return list.map(addressView);
  }

  async get(shopId: string, customerId: string, addressId: string, db: Db = this.p.db) {
    const [row] = await db
      .select()
      .from(customerAddresses)
      .where(and(eq(customerAddresses.id, addressId), eq(customerAddresses.shopId, shopId), eq(customerAddresses.customerId, customerId)));
    if (!row) throw notFound('Address', { field: 'addressId' });
    return addressView(row);
  }

  /**
   * The address an order ships to, as one SQL expression yielding JSON (null when it is not this customer's),
   * for checkout to read with everything else in one statement.
   */
  checkoutSql(shopId: string, customerId: string, addressId: string | null): SQL {
    return sql`(SELECT json_build_object('contactName', a.contact_name, 'phone', a.phone, 'province', a.province, 'city', a.city,
        'district', a.district, 'detail', a.detail)
      FROM customer_addresses a WHERE a.id = ${addressId && UUID_RE.test(addressId) ? addressId : null}::uuid AND a.shop_id = ${shopId} AND a.customer_id = ${customerId})`;
  }

  async create(shopId: string, customerId: string, input: CustomerAddressInput) {
    assertRealRegion(input);
    return this.p.database.transaction(async (tx) => {
      await this.lockCustomer(tx, shopId, customerId);
      const [{ n }] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(customerAddresses)
        .where(and(eq(customerAddresses.shopId, shopId), eq(customerAddresses.customerId, customerId)));
      if (n >= MAX_ADDRESSES) throw unprocessable('ADDRESS_LIMIT_REACHED', `At most ${MAX_ADDRESSES} addresses`, { field: 'addresses', limit: MAX_ADDRESSES });
      const makeDefault = n === 0 || input.isDefault === true;
      if (makeDefault) await this.clearDefault(tx, shopId, customerId);
      const [row] = await tx
        .insert(customerAddresses)
        .values({ ...this.fields(input), shopId, customerId, isDefault: makeDefault })
        .returning();
      return addressView(row);
    });
  }

  async update(shopId: string, customerId: string, addressId: string, patch: CustomerAddressPatch) {
    return this.p.database.transaction(async (tx) => {
      await this.lockCustomer(tx, shopId, customerId);
      const before = await this.get(shopId, customerId, addressId, tx);
      // Addresses typed before the region picker stay as they are until their region is edited.
      if (patch.province !== undefined || patch.city !== undefined || patch.district !== undefined) assertRealRegion({ ...before, ...patch });
      if (patch.isDefault === true && !before.isDefault) await this.clearDefault(tx, shopId, customerId);
      const [row] = await tx
        .update(customerAddresses)
        .set({ ...this.fields({ ...before, ...patch }), isDefault: patch.isDefault === true ? true : before.isDefault, updatedAt: this.p.now() })
        .where(eq(customerAddresses.id, addressId))
        .returning();
      // Turning the default off hands it to another address; the only address stays the default.
      if (patch.isDefault === false && before.isDefault) {
        const promoted = await this.promoteLatest(tx, shopId, customerId, addressId);
        if (promoted) {
          const [after] = await tx.select().from(customerAddresses).where(eq(customerAddresses.id, addressId));
          return addressView(after);
        }
      }
      return addressView(row);
    });
  }

  async remove(shopId: string, customerId: string, addressId: string) {
    return this.p.database.transaction(async (tx) => {
      await this.lockCustomer(tx, shopId, customerId);
      const before = await this.get(shopId, customerId, addressId, tx);
      await tx.delete(customerAddresses).where(eq(customerAddresses.id, addressId));
      if (before.isDefault) await this.promoteLatest(tx, shopId, customerId, addressId);
      return { id: addressId };
    });
  }

  private fields(a: CustomerAddressInput) {
    return {
      contactName: a.contactName,
      phone: a.phone,
      province: a.province,
      city: a.city,
      district: a.district,
      detail: a.detail,
      postalCode: a.postalCode ?? null,
    };
  }

  private async lockCustomer(tx: Db, shopId: string, customerId: string) {
    const [c] = await tx
      .select({ id: customers.id, mergedInto: customers.mergedInto })
      .from(customers)
      .where(and(eq(customers.id, customerId), eq(customers.shopId, shopId)))
      .for('update');
    if (!c || c.mergedInto) throw unauthorized('SESSION_EXPIRED', 'Session expired, sign in again');
  }

  private async clearDefault(tx: Db, shopId: string, customerId: string) {
    await tx
      .update(customerAddresses)
      .set({ isDefault: false })
      .where(and(eq(customerAddresses.shopId, shopId), eq(customerAddresses.customerId, customerId), eq(customerAddresses.isDefault, true)));
  }

  /** Makes the most recently updated address other than `exceptId` the default. */
  private async promoteLatest(tx: Db, shopId: string, customerId: string, exceptId: string) {
    const [next] = await tx
      .select({ id: customerAddresses.id })
      .from(customerAddresses)
      .where(and(eq(customerAddresses.shopId, shopId), eq(customerAddresses.customerId, customerId), ne(customerAddresses.id, exceptId)))
      .orderBy(desc(customerAddresses.updatedAt))
      .limit(1);
    if (!next) return false;
    await this.clearDefault(tx, shopId, customerId);
    await tx.update(customerAddresses).set({ isDefault: true }).where(eq(customerAddresses.id, next.id));
    return true;
  }
}

/** 省/市/区 must be one real place (浙江省 杭州市 西湖区), named as the national division list names them. */
function assertRealRegion(a: { province: string; city: string; district: string }) {
  const wrong = regionProblem(a.province, a.city, a.district);
  if (wrong) throw unprocessable('REGION_INVALID', 'Province, city and district are not one real place', { field: wrong });
}
