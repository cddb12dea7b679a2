import { and, desc, eq, gte, ilike, inArray, isNull, like, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Actor, Platform } from '../../platform/context.js';
import { notFound } from '../../platform/errors.js';
import type { AdminCustomerListInput, Paged } from '@siyu/contracts';
import { customerAddresses, customerIdentities, customers } from './schema.js';
import { addressView, adminCustomerView, identityView, type AdminCustomerView } from './views.js';
import { escapeLike } from '../../platform/db/index.js';

/** The console's view of customers: list, search, detail and staff edits. */
export class CustomerAdmin {
  constructor(private p: Platform) {}

  async list(shopId: string, q: AdminCustomerListInput): Promise<Paged<AdminCustomerView>> {
    const where: SQL[] = [eq(customers.shopId, shopId), isNull(customers.mergedInto)];
    if (q.q) {
      const pattern = `%${escapeLike(q.q)}%`;
      where.push(/^\d+$/.test(q.q) ? like(customers.phone, pattern) : or(ilike(customers.nickname, pattern), ilike(customers.remark, pattern))!);
    }
    if (q.source) where.push(eq(customers.source, q.source));
    if (q.registeredFrom) where.push(gte(customers.registeredAt, q.registeredFrom));
    if (q.registeredTo) where.push(lt(customers.registeredAt, q.registeredTo));
    const cond = and(...where);
    const [{ total }] = await this.p.db.select({ total: sql<number>`count(*)::int` }).from(customers).where(cond);
    const list = await this.p.db
      .select()
      .from(customers)
      .where(cond)
      .orderBy(desc(customers.registeredAt), desc(customers.id))
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize);
    return { items: list.map(adminCustomerView), total, page: q.page, pageSize: q.pageSize };
  }

  async detail(shopId: string, id: string) {
    const [row] = await this.p.db.select().from(customers).where(and(eq(customers.id, id), eq(customers.shopId, shopId)));
    if (!row) throw notFound('Customer', { field: 'id' });
    const identities = await this.p.db
      .select()
      .from(customerIdentities)
      .where(and(eq(customerIdentities.shopId, shopId), eq(customerIdentities.customerId, id)))
      .orderBy(customerIdentities.createdAt);
    const addresses = await this.p.db
      .select()
      .from(customerAddresses)
      .where(and(eq(customerAddresses.shopId, shopId), eq(customerAddresses.customerId, id)))
      .orderBy(desc(customerAddresses.isDefault), desc(customerAddresses.updatedAt));
    const mergedFrom = await this.p.db
      .select({ id: customers.id, mergedAt: customers.mergedAt })
      .from(customers)
      .where(and(eq(customers.shopId, shopId), eq(customers.mergedInto, id)));
    return { ...adminCustomerView(row), identities: identities.map(identityView), addresses: addresses.map(addressView), mergedFrom };
  }

  /** Ids of the shop's customers whose phone is this number (11 digits) or contains these digits. */
  async findIdsByPhone(shopId: string, phone: string, limit = 500): Promise<string[]> {
    const digits = phone.replace(/\D/g, '');
    if (!digits) return [];
    const match = digits.length === 11 ? eq(customers.phone, digits) : like(customers.phone, `%${digits}%`);
    const list = await this.p.db.select({ id: customers.id }).from(customers).where(and(eq(customers.shopId, shopId), match)).limit(limit);
    return list.map((r) => r.id);
  }

  /** Phone per customer id (null when none); ids of other shops are absent from the map. */
  async phonesFor(shopId: string, ids: string[]): Promise<Map<string, string | null>> {
    const unique = [...new Set(ids)];
    if (!unique.length) return new Map();
    const list = await this.p.db.select({ id: customers.id, phone: customers.phone }).from(customers).where(and(eq(customers.shopId, shopId), inArray(customers.id, unique)));
    return new Map(list.map((r) => [r.id, r.phone]));
  }

  /** Customer id per exact phone, for lists merchants paste or upload (chunks keep the IN list small). */
  async idsByPhones(shopId: string, phones: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const unique = [...new Set(phones)];
    for (let i = 0; i < unique.length; i += 1000) {
      const list = await this.p.db.select({ id: customers.id, phone: customers.phone }).from(customers).where(and(eq(customers.shopId, shopId), inArray(customers.phone, unique.slice(i, i + 1000))));
      for (const r of list) if (r.phone) out.set(r.phone, r.id);
    }
    return out;
  }

  /** Which ids are live customers of the shop (merged-away ones are not). */
  async existingIds(shopId: string, ids: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 1000) {
      const list = await this.p.db.select({ id: customers.id }).from(customers).where(and(eq(customers.shopId, shopId), inArray(customers.id, unique.slice(i, i + 1000)), isNull(customers.mergedInto)));
      for (const r of list) out.add(r.id);
    }
    return out;
  }

  async allIds(shopId: string): Promise<string[]> {
    const list = await this.p.db.select({ id: customers.id }).from(customers).where(and(eq(customers.shopId, shopId), isNull(customers.mergedInto))).orderBy(customers.registeredAt);
    return list.map((r) => r.id);
  }

  /** Customers registered per Asia/Shanghai calendar day (YYYY-MM-DD) since `from`; merged ones are not new people. */
  async newCustomersByDay(shopId: string, from: Date): Promise<Map<string, number>> {
    const day = sql<string>`to_char(${customers.registeredAt} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')`;
    const list = await this.p.db
      .select({ day, n: sql<number>`count(*)::int` })
      .from(customers)
      .where(and(eq(customers.shopId, shopId), gte(customers.registeredAt, from), isNull(customers.mergedInto)))
      .groupBy(day);
    return new Map(list.map((r) => [r.day, r.n]));
  }

  async update(actor: Actor, id: string, patch: { nickname?: string; remark?: string | null; birthday?: string | null }) {
    return this.p.database.transaction(async (tx) => {
      const [before] = await tx.select().from(customers).where(and(eq(customers.id, id), eq(customers.shopId, actor.shopId))).for('update');
      if (!before) throw notFound('Customer', { field: 'id' });
      const [after] = await tx
        .update(customers)
        .set({
          nickname: patch.nickname ?? before.nickname,
          remark: patch.remark === undefined ? before.remark : patch.remark,
          // Staff correct what the customer entered; the customer's one change stays used.
          birthday: patch.birthday === undefined ? before.birthday : patch.birthday,
          updatedAt: this.p.now(),
        })
        .where(eq(customers.id, id))
        .returning();
      return { before: adminCustomerView(before), after: adminCustomerView(after) };
    });
  }
}
