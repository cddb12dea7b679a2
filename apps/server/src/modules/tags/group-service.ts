import ExcelJS from 'exceljs';
import { and, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { GroupConditions, SegmentRule } from '@siyu/contracts';
import type { Actor, Platform } from '../../platform/context.js';
import { rows, type Db } from '../../platform/db/index.js';
import { notFound, unprocessable } from '../../platform/errors.js';
import { addSheet, beijingTime, xlsxBuffer } from '../../platform/excel.js';
import type { CustomersService } from '../customers/service.js';
import { customerGroupMembers, customerGroups, type CustomerGroup } from './schema.js';
import { ruleOf, type SegmentService } from './segments.js';

type GroupInput = { name: string; kind: 'static' | 'dynamic'; conditions: SegmentRule | GroupConditions | null };

const MAX_EXPORT = 50_000;

/**
 * 会员分组: static lists staff keep, and dynamic groups defined by conditions (level, tags, spend, last
 * order, how they came in) whose members and live counts come from this module's read model.
 */
export class GroupService {
  private segmentService?: SegmentService;

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

  async create(actor: Actor, input: GroupInput) {
    const rule = await this.ruleFor(actor.shopId, input);
    const [g] = await this.p.database.transaction((tx) => tx.insert(customerGroups).values({ shopId: actor.shopId, name: input.name, kind: input.kind, conditions: rule }).returning());
    if (g!.kind === 'dynamic') await this.segments().refresh(actor.shopId, g!.id);
    return this.get(actor.shopId, g!.id);
  }

  async update(actor: Actor, id: string, input: GroupInput) {
    const before = await this.row(this.p.db, actor.shopId, id);
    if (before.kind !== input.kind) throw unprocessable('GROUP_KIND_FIXED', 'A group cannot change between static and dynamic', { field: 'kind' });
    const rule = await this.ruleFor(actor.shopId, input);
    await this.p.database.transaction((tx) => tx.update(customerGroups).set({ name: input.name, conditions: rule, updatedAt: new Date() }).where(eq(customerGroups.id, id)));
    if (before.kind === 'dynamic') await this.segments().refresh(actor.shopId, id);
    return { before: view(before), after: await this.get(actor.shopId, id) };
  }

  /** A dynamic group's rule, checked against the shop; the older flat conditions become the rule they mean. */
  private async ruleFor(shopId: string, input: GroupInput): Promise<SegmentRule | null> {
    if (input.kind !== 'dynamic') return null;
    const rule = ruleOf(input.conditions);
    await this.segments().check(shopId, rule, 'conditions');
    return rule;
  }

  private segments(): SegmentService {
    if (!this.segmentService) throw new Error('GroupService used before segments were attached');
    return this.segmentService;
  }

  /**
   * Segments evaluate behaviour through the customer-data module, which itself saves groups; the
   * container builds both and then attaches the segments here.
   */
  attachSegments(s: SegmentService) {
    this.segmentService = s;
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
  /** Every member, however many (a broadcast or a journey's schedule reaches all of them; the export is capped). */
  async allMemberIds(shopId: string, id: string) {
    const g = await this.row(this.p.db, shopId, id);
    const list = await rows<{ customer_id: string }>(this.p.db, sql`
      SELECT m.customer_id FROM customer_group_members m
      WHERE m.group_id = ${g.id} AND EXISTS (SELECT 1 FROM audience_customers c WHERE c.shop_id = m.shop_id AND c.customer_id = m.customer_id)`);
    return list.map((r) => r.customer_id);
  }

  async exportXlsx(shopId: string, id: string): Promise<{ name: string; data: Buffer }> {
    const g = await this.row(this.p.db, shopId, id);
    const ids = await this.memberIds(this.p.db, g, MAX_EXPORT, 0);
    const wb = new ExcelJS.Workbook();
    const ws = addSheet(wb, g.name.slice(0, 31), [
      { header: '手机号', key: 'phone', width: 14 },
      { header: '昵称', key: 'nickname', width: 16 },
      { header: '注册时间', key: 'registeredAt', width: 20 },
      { header: '客户ID', key: 'id', width: 38 },
    ]);
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = await Promise.all(ids.slice(i, i + 500).map((cid) => this.customers.getCustomer(shopId, cid).catch(() => null)));
      for (const c of chunk) if (c) ws.addRow({ phone: c.phone ?? '', nickname: c.nickname ?? '', registeredAt: beijingTime(c.registeredAt), id: c.id });
    }
    return { name: g.name, data: await xlsxBuffer(wb) };
  }

  /** The groups a customer is in now (static membership, or a dynamic group's conditions), for customer 360. */
  async groupsOf(shopId: string, customerId: string) {
    const list = await this.p.db.select().from(customerGroups)
      .where(and(eq(customerGroups.shopId, shopId), isNull(customerGroups.deletedAt), sql`EXISTS (SELECT 1 FROM customer_group_members m WHERE m.group_id = ${customerGroups.id} AND m.customer_id = ${customerId})`))
      .orderBy(customerGroups.createdAt);
    return { items: list.map(view) };
  }

  async count(g: CustomerGroup): Promise<number> {
    if (g.kind === 'dynamic') return g.memberCount;
    const [r] = await rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM customer_group_members WHERE group_id = ${g.id}`);
    return Number(r!.n);
  }

  /** Members of either kind are rows of customer_group_members: listed by staff, or kept by the segment's rule. */
  private async memberIds(db: Db, g: CustomerGroup, limit: number, offset: number) {
    const list = await rows<{ customer_id: string }>(db, sql`
      SELECT m.customer_id FROM customer_group_members m JOIN audience_customers c ON c.shop_id = m.shop_id AND c.customer_id = m.customer_id
      WHERE m.group_id = ${g.id} ORDER BY c.registered_at DESC, m.customer_id LIMIT ${limit} OFFSET ${offset}`);
    return list.map((r) => r.customer_id);
  }

  private async row(db: Db, shopId: string, id: string): Promise<CustomerGroup> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('Group', { field: 'id' });
    const [g] = await db.select().from(customerGroups).where(and(eq(customerGroups.shopId, shopId), eq(customerGroups.id, id), isNull(customerGroups.deletedAt)));
    if (!g) throw notFound('Group', { field: 'id' });
    return g;
  }
}

function view(g: CustomerGroup) {
  return { id: g.id, name: g.name, kind: g.kind, conditions: g.kind === 'dynamic' ? ruleOf(g.conditions) : null, refreshedAt: g.refreshedAt?.toISOString() ?? null, createdAt: g.createdAt.toISOString(), updatedAt: g.updatedAt.toISOString() };
}
