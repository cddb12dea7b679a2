import { and, desc, eq, ne, sql } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { notFound, unauthorized, unprocessable } from '../../platform/errors.js';
import type { CustomerAddressInput, CustomerAddressPatch } from '@siyu/contracts';
import { customerAddresses, customers } from './schema.js';
import { addressView } from './views.js';

export const MAX_ADDRESSES = 20;

/**
 * A customer's shipping addresses. While any address exists exactly one is the default: the first one
 * becomes it, a new default demotes the old, and removing the default promotes the most recent other.
 * Writes lock the customer row so concurrent edits keep the count and the default right.
 */
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

  async create(shopId: string, customerId: string, input: CustomerAddressInput) {
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
