import ExcelJS from 'exceljs';
import { and, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { GroupConditions } from '@siyu/contracts';
import type { Actor, Platform } from '../../platform/context.js';
import { rows, type Db } from '../../platform/db/index.js';
import { notFound, unprocessable } from '../../platform/errors.js';
import type { CustomersService } from '../customers/service.js';
import { customerGroupMembers, customerGroups, customerTags, type CustomerGroup } from './schema.js';

const MAX_EXPORT = 50_000;

/**
 * 会员分组: static lists staff keep, and dynamic groups defined by conditions (level, tags, spend, last
 * order, how they came in) whose members and live counts come from this module's read model.
 */
export class GroupService {
  constructor(
    private p: Platform,
    private customers: CustomersService,
  ) {}

  async list(shopId: string) {
    const list = await this.p.db.select().from(customerGroups).where(and(eq(customerGroups.shopId, shopId), isNull(customerGroups.deletedAt))).orderBy(customerGroups.createdAt);
    return { items: await Promise.all(list.map(async (g) => ({ ...view(g), count: await this.count(g) }))) };
  }

  async get(shopId: string, id: string) {
    const g = await this.row(this.p.db, shopId, id);
    return { ...view(g), count: await this.count(g) };
  }

  async create(actor: Actor, input: { name: string; kind: 'static' | 'dynamic'; conditions: GroupConditions | null }) {
    await this.checkRefs(actor.shopId, input.conditions);
    const [g] = await this.p.database.transaction((tx) => tx.insert(customerGroups).values({ shopId: actor.shopId, name: input.name, kind: input.kind, conditions: input.kind === 'dynamic' ? input.conditions : null }).returning());
    return { ...view(g), count: await this.count(g) };
  }

  async update(actor: Actor, id: string, input: { name: string; kind: 'static' | 'dynamic'; conditions: GroupConditions | null }) {
    const before = await this.row(this.p.db, actor.shopId, id);
    if (before.kind !== input.kind) throw unprocessable('GROUP_KIND_FIXED', 'A group cannot change between static and dynamic', { field: 'kind' });
    await this.checkRefs(actor.shopId, input.conditions);
    const [after] = await this.p.database.transaction((tx) => tx.update(customerGroups).set({ name: input.name, conditions: input.kind === 'dynamic' ? input.conditions : null, updatedAt: new Date() }).where(eq(customerGroups.id, id)).returning());
    return { before: view(before), after: { ...view(after), count: await this.count(after) } };
  }

  async remove(actor: Actor, id: string) {
    const before = await this.row(this.p.db, actor.shopId, id);
    await this.p.database.transaction(async (tx) => {
      await tx.delete(customerGroupMembers).where(eq(customerGroupMembers.groupId, id));
      await tx.update(customerGroups).set({ deletedAt: new Date() }).where(eq(customerGroups.id, id));
    });
    return view(before);
  }

  /** Adds people to a static group; ids that are not this shop's customers are named and refused. */
  async addMembers(actor: Actor, id: string, customerIds: string[]) {
    const g = await this.row(this.p.db, actor.shopId, id);
    if (g.kind !== 'static') throw unprocessable('GROUP_NOT_STATIC', 'Members of a dynamic group follow its conditions', { field: 'kind' });
    const known = await this.customers.existingIds(actor.shopId, customerIds);
    const bad = customerIds.findIndex((c) => !known.has(c));
    if (bad >= 0) throw notFound('Customer', { field: `customerIds.${bad}` });
    await this.p.database.transaction(async (tx) => {
      for (const customerId of new Set(customerIds)) await tx.insert(customerGroupMembers).values({ groupId: id, customerId, shopId: actor.shopId }).onConflictDoNothing();
    });
    return this.get(actor.shopId, id);
  }

  async removeMembers(actor: Actor, id: string, customerIds: string[]) {
    const g = await this.row(this.p.db, actor.shopId, id);
    if (g.kind !== 'static') throw unprocessable('GROUP_NOT_STATIC', 'Members of a dynamic group follow its conditions', { field: 'kind' });
    await this.p.database.transaction((tx) => tx.delete(customerGroupMembers).where(and(eq(customerGroupMembers.groupId, id), inArray(customerGroupMembers.customerId, customerIds))));
    return this.get(actor.shopId, id);
  }

  /** Members with their phone and name, newest first. */
  async members(shopId: string, id: string, q: { page: number; pageSize: number }) {
    const g = await this.row(this.p.db, shopId, id);
    const ids = await this.memberIds(this.p.db, g, q.pageSize, (q.page - 1) * q.pageSize);
    const people = await Promise.all(ids.map((cid) => this.customers.getCustomer(shopId, cid).catch(() => null)));
    return { items: people.filter((x) => x !== null).map((c) => ({ id: c.id, phone: c.phone, nickname: c.nickname, registeredAt: c.registeredAt })), total: await this.count(g), page: q.page, pageSize: q.pageSize };
  }

  /** All member ids (for issuing coupons to a group). */
  async allMemberIds(shopId: string, id: string) {
    return this.memberIds(this.p.db, await this.row(this.p.db, shopId, id), MAX_EXPORT, 0);
  }

  async exportXlsx(shopId: string, id: string): Promise<{ name: string; data: Buffer }> {
    const g = await this.row(this.p.db, shopId, id);
    const ids = await this.memberIds(this.p.db, g, MAX_EXPORT, 0);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet(g.name.slice(0, 31));
    ws.columns = [
      { header: '手机号', key: 'phone', width: 14 },
      { header: '昵称', key: 'nickname', width: 16 },
      { header: '注册时间', key: 'registeredAt', width: 20 },
      { header: '客户ID', key: 'id', width: 38 },
    ];
    ws.getRow(1).font = { bold: true };
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = await Promise.all(ids.slice(i, i + 500).map((cid) => this.customers.getCustomer(shopId, cid).catch(() => null)));
      for (const c of chunk) if (c) ws.addRow({ phone: c.phone ?? '', nickname: c.nickname ?? '', registeredAt: new Date(new Date(c.registeredAt).getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' '), id: c.id });
    }
    return { name: g.name, data: Buffer.from(await wb.xlsx.writeBuffer()) };
  }

  /** The groups a customer is in now (static membership, or a dynamic group's conditions), for customer 360. */
  async groupsOf(shopId: string, customerId: string) {
    const list = await this.p.db.select().from(customerGroups).where(and(eq(customerGroups.shopId, shopId), isNull(customerGroups.deletedAt)));
    const inGroup = await Promise.all(list.map(async (g) => (await rows(this.p.db, sql`SELECT 1 FROM (${this.memberQuery(g)}) m WHERE m.customer_id = ${customerId} LIMIT 1`)).length > 0));
    return { items: list.filter((_, i) => inGroup[i]).map(view) };
  }

  async count(g: CustomerGroup): Promise<number> {
    const [r] = await rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM (${this.memberQuery(g)}) m`);
    return Number(r.n);
  }

  private async memberIds(db: Db, g: CustomerGroup, limit: number, offset: number) {
    const list = await rows<{ customer_id: string }>(db, sql`${this.memberQuery(g)} ORDER BY registered_at DESC, customer_id LIMIT ${limit} OFFSET ${offset}`);
    return list.map((r) => r.customer_id);
  }

  /** The SQL that selects a group's members (customer_id, registered_at). */
  private memberQuery(g: CustomerGroup): SQL {
    if (g.kind === 'static') {
      return sql`SELECT m.customer_id, c.registered_at FROM customer_group_members m JOIN audience_customers c ON c.shop_id = m.shop_id AND c.customer_id = m.customer_id WHERE m.group_id = ${g.id}`;
    }
    const c = g.conditions ?? { tagMatch: 'any' as const };
    const now = this.p.now();
    const where: SQL[] = [sql`c.shop_id = ${g.shopId}`];
    if (c.levelIds?.length || c.noLevel) {
      const parts: SQL[] = [];
      if (c.levelIds?.length) parts.push(sql`c.level_id IN (${sql.join(c.levelIds.map((id) => sql`${id}::uuid`), sql`, `)})`);
      if (c.noLevel) parts.push(sql`c.level_id IS NULL`);
      where.push(sql`(${sql.join(parts, sql` OR `)})`);
    }
    if (c.tagIds?.length) {
      const ids = sql.join(c.tagIds.map((id) => sql`${id}::uuid`), sql`, `);
      where.push(c.tagMatch === 'all'
        ? sql`(SELECT count(DISTINCT l.tag_id) FROM customer_tag_links l WHERE l.customer_id = c.customer_id AND l.tag_id IN (${ids})) = ${c.tagIds.length}`
        : sql`EXISTS (SELECT 1 FROM customer_tag_links l WHERE l.customer_id = c.customer_id AND l.tag_id IN (${ids}))`);
    }
    if (c.sources?.length) where.push(sql`c.source IN (${sql.join(c.sources.map((s) => sql`${s}`), sql`, `)})`);
    if (c.registeredWithinDays) where.push(sql`c.registered_at >= ${new Date(now.getTime() - c.registeredWithinDays * 86_400_000)}`);
    if (c.minSpendFen !== undefined) where.push(sql`COALESCE(p.spend, 0) >= ${c.minSpendFen}`);
    if (c.maxSpendFen !== undefined) where.push(sql`COALESCE(p.spend, 0) <= ${c.maxSpendFen}`);
    if (c.lastOrderWithinDays) where.push(sql`p.last_paid >= ${new Date(now.getTime() - c.lastOrderWithinDays * 86_400_000)}`);
    if (c.noOrderForDays) where.push(sql`p.last_paid < ${new Date(now.getTime() - c.noOrderForDays * 86_400_000)}`);
    if (c.neverOrdered) where.push(sql`p.last_paid IS NULL`);
    return sql`
      SELECT c.customer_id, c.registered_at FROM audience_customers c
      LEFT JOIN (SELECT customer_id, sum(paid_fen - refunded_fen) AS spend, max(paid_at) AS last_paid FROM audience_payments WHERE shop_id = ${g.shopId} GROUP BY customer_id) p
        ON p.customer_id = c.customer_id
      WHERE ${sql.join(where, sql` AND `)}`;
  }

  private async row(db: Db, shopId: string, id: string): Promise<CustomerGroup> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('Group', { field: 'id' });
    const [g] = await db.select().from(customerGroups).where(and(eq(customerGroups.shopId, shopId), eq(customerGroups.id, id), isNull(customerGroups.deletedAt)));
    if (!g) throw notFound('Group', { field: 'id' });
    return g;
  }

  private async checkRefs(shopId: string, c: GroupConditions | null) {
    if (!c?.tagIds?.length) return;
    const found = await this.p.db.select({ id: customerTags.id }).from(customerTags).where(and(eq(customerTags.shopId, shopId), inArray(customerTags.id, c.tagIds), isNull(customerTags.deletedAt)));
    const bad = c.tagIds.findIndex((id) => !found.some((f) => f.id === id));
    if (bad >= 0) throw unprocessable('TAG_NOT_FOUND', 'No such tag in this shop', { field: `conditions.tagIds.${bad}` });
  }
}

function view(g: CustomerGroup) {
  return { id: g.id, name: g.name, kind: g.kind, conditions: g.conditions, createdAt: g.createdAt.toISOString(), updatedAt: g.updatedAt.toISOString() };
}
