import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { SOURCE_TAG_NAMES, type TagRule } from '@siyu/contracts';
import type { Actor, Platform } from '../../platform/context.js';
import { rows, type Db } from '../../platform/db/index.js';
import { uuidArray } from '../../platform/db/prepared.js';
import { conflict, notFound, unprocessable } from '../../platform/errors.js';
import type { CatalogService } from '../catalog/service.js';
import type { CategoryService } from '../catalog/categories.js';
import { touchSegments } from './segments.js';
import { audienceCustomers, audiencePayments, customerTagLinks, customerTags, type CustomerTag } from './schema.js';

export interface TagInput {
  name: string;
  color: string;
  kind: 'manual' | 'auto';
  rule: TagRule | null;
}

/**
 * 粉丝标签: manual tags staff put on people, automatic tags a rule keeps up to date (on every payment
 * and nightly), and source tags for how a customer came in. Rules read this module's own model of
 * customers and payments, fed by events.
 */
export class TagService {
  constructor(
    private p: Platform,
    private catalog: CatalogService,
    private categories: CategoryService,
  ) {}

  async list(shopId: string) {
    const list = await rows<{ id: string; name: string; color: string; kind: string; rule: TagRule | null; customers: number }>(this.p.db, sql`
      SELECT t.id, t.name, t.color, t.kind, t.rule, count(l.customer_id)::int AS customers
      FROM customer_tags t LEFT JOIN customer_tag_links l ON l.tag_id = t.id
      WHERE t.shop_id = ${shopId} AND t.deleted_at IS NULL
      GROUP BY t.id ORDER BY t.created_at`);
    return { items: list.map((t) => ({ ...t, customers: Number(t.customers) })) };
  }

  async create(actor: Actor, input: TagInput) {
    const tag = await this.p.database.transaction(async (tx) => {
      await this.checkRule(tx, actor.shopId, input.rule);
      await this.checkName(tx, actor.shopId, input.name, null);
      const [row] = await tx.insert(customerTags).values({ shopId: actor.shopId, name: input.name, color: input.color, kind: input.kind, rule: input.rule }).returning();
      return row;
    });
    if (tag.kind === 'auto') await this.p.jobs.send('tags.evaluate-shop', { shopId: actor.shopId }, { singletonKey: `tags:${actor.shopId}:${Date.now()}` });
    return tag;
  }

  async update(actor: Actor, id: string, input: TagInput) {
    const result = await this.p.database.transaction(async (tx) => {
      const before = await this.get(tx, actor.shopId, id);
      if (before.kind === 'source') throw conflict('TAG_NOT_EDITABLE', 'Source tags are kept by the system', { field: 'kind' });
      if (before.kind !== input.kind) throw unprocessable('TAG_KIND_FIXED', 'A tag cannot change between manual and automatic', { field: 'kind' });
      await this.checkRule(tx, actor.shopId, input.rule);
      await this.checkName(tx, actor.shopId, input.name, id);
      const [after] = await tx.update(customerTags).set({ name: input.name, color: input.color, rule: input.rule, updatedAt: new Date() }).where(eq(customerTags.id, id)).returning();
      return { before, after };
    });
    if (result.after.kind === 'auto') await this.p.jobs.send('tags.evaluate-shop', { shopId: actor.shopId }, { singletonKey: `tags:${actor.shopId}:${Date.now()}` });
    return result;
  }

  async remove(actor: Actor, id: string) {
    return this.p.database.transaction(async (tx) => {
      const before = await this.get(tx, actor.shopId, id);
      await tx.delete(customerTagLinks).where(eq(customerTagLinks.tagId, id));
      await tx.update(customerTags).set({ deletedAt: new Date() }).where(eq(customerTags.id, id));
      // Segments on the tag lose everyone who carried it at once: recompute them whole.
      const groups = await rows<{ id: string }>(tx, sql`SELECT id FROM customer_groups WHERE shop_id = ${actor.shopId} AND kind = 'dynamic' AND deleted_at IS NULL AND conditions::text LIKE ${`%${id}%`}`);
      for (const g of groups) await this.p.jobs.send('segments.refresh', { shopId: actor.shopId, groupId: g.id }, { tx });
      return before;
    });
  }

  /** Which of `ids` are live tags of the shop. */
  async existingIds(db: Db, shopId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const list = await db.select({ id: customerTags.id }).from(customerTags).where(and(eq(customerTags.shopId, shopId), inArray(customerTags.id, ids), isNull(customerTags.deletedAt)));
    return new Set(list.map((r) => r.id));
  }

  async tagsOf(shopId: string, customerId: string, db: Db = this.p.db) {
    return db
      .select({ id: customerTags.id, name: customerTags.name, color: customerTags.color, kind: customerTags.kind })
      .from(customerTagLinks)
      .innerJoin(customerTags, eq(customerTags.id, customerTagLinks.tagId))
      .where(and(eq(customerTagLinks.shopId, shopId), eq(customerTagLinks.customerId, customerId), isNull(customerTags.deletedAt)))
      .orderBy(customerTags.createdAt);
  }

  /** Sets a customer's manual tags; automatic and source tags stay as their rules say. */
  async setManualTags(actor: Actor, customerId: string, tagIds: string[]) {
    return this.p.database.transaction(async (tx) => {
      const wanted = [...new Set(tagIds)];
      const tags = wanted.length ? await tx.select().from(customerTags).where(and(eq(customerTags.shopId, actor.shopId), inArray(customerTags.id, wanted), isNull(customerTags.deletedAt))) : [];
      const bad = wanted.findIndex((id) => !tags.some((t) => t.id === id));
      if (bad >= 0) throw notFound('Tag', { field: `tagIds.${tagIds.indexOf(wanted[bad])}` });
      const notManual = wanted.findIndex((id) => tags.find((t) => t.id === id)!.kind !== 'manual');
      if (notManual >= 0) throw unprocessable('TAG_NOT_MANUAL', 'Automatic and source tags follow their rules', { field: `tagIds.${tagIds.indexOf(wanted[notManual])}` });
      const before = await this.tagsOf(actor.shopId, customerId, tx);
      const manualNow = before.filter((t) => t.kind === 'manual').map((t) => t.id);
      for (const id of manualNow.filter((id) => !wanted.includes(id))) await tx.delete(customerTagLinks).where(and(eq(customerTagLinks.tagId, id), eq(customerTagLinks.customerId, customerId)));
      for (const id of wanted.filter((id) => !manualNow.includes(id))) await tx.insert(customerTagLinks).values({ shopId: actor.shopId, tagId: id, customerId }).onConflictDoNothing();
      await touchSegments(this.p, tx, actor.shopId, [customerId]);
      return { before, after: await this.tagsOf(actor.shopId, customerId, tx) };
    });
  }

  /** Everyone carrying a tag now (a broadcast's audience). */
  async customerIdsWithTag(shopId: string, tagId: string): Promise<string[]> {
    const found = await this.p.db.select({ id: customerTagLinks.customerId }).from(customerTagLinks).where(and(eq(customerTagLinks.shopId, shopId), eq(customerTagLinks.tagId, tagId)));
    return found.map((r) => r.id);
  }

  /** Adds manual tags without touching the others (a follower tagged by the QR code they came through). */
  async addManualTags(tx: Db, shopId: string, customerId: string, tagIds: string[]) {
    await this.addManualTagsMany(tx, shopId, [customerId], tagIds);
  }

  /** Takes manual tags off without touching the others (a journey's tag node). */
  async removeManualTags(tx: Db, shopId: string, customerId: string, tagIds: string[]) {
    await this.removeManualTagsMany(tx, shopId, [customerId], tagIds);
  }

  /**
   * The same manual tags on many customers in two statements and one segments refresh (a journey's batch);
   * tags that are not the shop's live manual tags are left out.
   */
  async addManualTagsMany(tx: Db, shopId: string, customerIds: string[], tagIds: string[]) {
    if (!tagIds.length || !customerIds.length) return;
    const added = await rows<{ customer_id: string }>(tx, sql`
      INSERT INTO customer_tag_links (shop_id, tag_id, customer_id)
      SELECT ${shopId}, t.id, c FROM customer_tags t CROSS JOIN unnest(${uuidArray(customerIds)}::uuid[]) AS c
      WHERE t.shop_id = ${shopId} AND t.id = ANY(${uuidArray(tagIds)}::uuid[]) AND t.kind = 'manual' AND t.deleted_at IS NULL
      ON CONFLICT DO NOTHING RETURNING customer_id`);
    await touchSegments(this.p, tx, shopId, [...new Set(added.map((r) => r.customer_id))]);
  }

  async removeManualTagsMany(tx: Db, shopId: string, customerIds: string[], tagIds: string[]) {
    if (!tagIds.length || !customerIds.length) return;
    const removed = await rows<{ customer_id: string }>(tx, sql`
      DELETE FROM customer_tag_links l USING customer_tags t
      WHERE l.shop_id = ${shopId} AND l.customer_id = ANY(${uuidArray(customerIds)}::uuid[]) AND l.tag_id = ANY(${uuidArray(tagIds)}::uuid[])
        AND t.id = l.tag_id AND t.kind = 'manual'
      RETURNING l.customer_id`);
    // Segments by tag follow a removal as they follow an addition.
    await touchSegments(this.p, tx, shopId, [...new Set(removed.map((r) => r.customer_id))]);
  }

  // ---- the read model and the rules ----------------------------------------------------------------

  async onRegistered(tx: Db, shopId: string, customerId: string, source: string, at: Date) {
    await tx.insert(audienceCustomers).values({ shopId, customerId, source, registeredAt: at }).onConflictDoNothing();
    const name = SOURCE_TAG_NAMES[source];
    if (!name) return;
    await tx.insert(customerTags).values({ shopId, name, kind: 'source', color: 'cyan' }).onConflictDoNothing();
    const [tag] = await tx.select().from(customerTags).where(and(eq(customerTags.shopId, shopId), eq(customerTags.name, name), isNull(customerTags.deletedAt)));
    if (tag) await tx.insert(customerTagLinks).values({ shopId, tagId: tag.id, customerId }).onConflictDoNothing();
  }

  async onPaid(tx: Db, shopId: string, p: { orderId: string; customerId: string; paidFen: number; productIds: string[] }) {
    const products = await Promise.all([...new Set(p.productIds)].map((id) => this.catalog.detail(shopId, id, tx).catch(() => null)));
    const categoryIds = [...new Set(products.map((x) => x?.categoryId).filter((x): x is string => !!x))];
    await tx.insert(audiencePayments).values({ shopId, orderId: p.orderId, customerId: p.customerId, paidFen: p.paidFen, paidAt: this.p.now(), categoryIds }).onConflictDoNothing();
    await this.evaluate(tx, shopId, p.customerId);
  }

  async onRefunded(tx: Db, shopId: string, orderId: string, customerId: string, refundedFen: number) {
    await tx.update(audiencePayments).set({ refundedFen }).where(and(eq(audiencePayments.orderId, orderId), eq(audiencePayments.shopId, shopId)));
    await this.evaluate(tx, shopId, customerId);
  }

  /** The customer's live WeCom owners, as the wecom module announces them (the whole set each time). */
  async onWecomOwnersChanged(tx: Db, shopId: string, customerId: string, owners: string[]) {
    await tx.update(audienceCustomers).set({ wecomOwners: [...new Set(owners)].sort() }).where(and(eq(audienceCustomers.shopId, shopId), eq(audienceCustomers.customerId, customerId)));
  }

  async onFollowChanged(tx: Db, shopId: string, customerId: string, follows: boolean) {
    await tx.update(audienceCustomers).set({ followsOa: follows }).where(and(eq(audienceCustomers.shopId, shopId), eq(audienceCustomers.customerId, customerId)));
  }

  async onLevelChanged(tx: Db, shopId: string, customerId: string, levelId: string | null) {
    await tx.update(audienceCustomers).set({ levelId }).where(and(eq(audienceCustomers.shopId, shopId), eq(audienceCustomers.customerId, customerId)));
  }

  async onMerged(tx: Db, shopId: string, from: string, into: string) {
    await tx.update(audiencePayments).set({ customerId: into }).where(and(eq(audiencePayments.shopId, shopId), eq(audiencePayments.customerId, from)));
    await tx.execute(sql`
      INSERT INTO customer_tag_links (shop_id, tag_id, customer_id) SELECT shop_id, tag_id, ${into} FROM customer_tag_links WHERE shop_id = ${shopId} AND customer_id = ${from}
      ON CONFLICT DO NOTHING`);
    await tx.delete(customerTagLinks).where(and(eq(customerTagLinks.shopId, shopId), eq(customerTagLinks.customerId, from)));
    await tx.delete(audienceCustomers).where(and(eq(audienceCustomers.shopId, shopId), eq(audienceCustomers.customerId, from)));
    await this.evaluate(tx, shopId, into);
  }

  /** Puts on or takes off every automatic tag of the shop for one customer. */
  async evaluate(tx: Db, shopId: string, customerId: string) {
    const autos = await tx.select().from(customerTags).where(and(eq(customerTags.shopId, shopId), eq(customerTags.kind, 'auto'), isNull(customerTags.deletedAt)));
    if (autos.length === 0) return;
    const paths = autos.some((t) => t.rule?.type === 'bought_category') ? await this.categories.paths(shopId, tx) : {};
    let changed = 0;
    for (const tag of autos) {
      const match = await this.matches(tx, shopId, customerId, tag, paths);
      const r = match
        ? await tx.insert(customerTagLinks).values({ shopId, tagId: tag.id, customerId }).onConflictDoNothing().returning({ id: customerTagLinks.tagId })
        : await tx.delete(customerTagLinks).where(and(eq(customerTagLinks.tagId, tag.id), eq(customerTagLinks.customerId, customerId))).returning({ id: customerTagLinks.tagId });
      changed += r.length;
    }
    if (changed) await touchSegments(this.p, tx, shopId, [customerId]);
  }

  async evaluateShop(shopId: string) {
    const people = await rows<{ customer_id: string }>(this.p.db, sql`SELECT customer_id FROM audience_customers WHERE shop_id = ${shopId}`);
    for (const { customer_id } of people) await this.p.database.transaction((tx) => this.evaluate(tx, shopId, customer_id));
    return people.length;
  }

  private async matches(tx: Db, shopId: string, customerId: string, tag: CustomerTag, paths: Record<string, string[]>) {
    const rule = tag.rule;
    if (!rule) return false;
    if (rule.type === 'paid_in_days') {
      const since = new Date(this.p.now().getTime() - rule.days * 86_400_000);
      const [r] = await rows<{ n: string }>(tx, sql`
        SELECT COALESCE(sum(paid_fen - refunded_fen), 0)::bigint AS n FROM audience_payments
        WHERE shop_id = ${shopId} AND customer_id = ${customerId} AND paid_at >= ${since}`);
      return Number(r.n) >= rule.minFen;
    }
    const list = await tx.select({ categoryIds: audiencePayments.categoryIds }).from(audiencePayments).where(and(eq(audiencePayments.shopId, shopId), eq(audiencePayments.customerId, customerId), sql`${audiencePayments.refundedFen} < ${audiencePayments.paidFen}`));
    return list.some((p) => p.categoryIds.some((c) => (paths[c] ?? [c]).includes(rule.categoryId)));
  }

  private async get(db: Db, shopId: string, id: string): Promise<CustomerTag> {
    const [t] = await db.select().from(customerTags).where(and(eq(customerTags.shopId, shopId), eq(customerTags.id, id), isNull(customerTags.deletedAt)));
    if (!t) throw notFound('Tag', { field: 'id' });
    return t;
  }

  private async checkName(db: Db, shopId: string, name: string, selfId: string | null) {
    const [same] = await db.select({ id: customerTags.id }).from(customerTags).where(and(eq(customerTags.shopId, shopId), eq(customerTags.name, name), isNull(customerTags.deletedAt)));
    if (same && same.id !== selfId) throw conflict('TAG_NAME_TAKEN', 'A tag with this name exists', { field: 'name' });
  }

  private async checkRule(db: Db, shopId: string, rule: TagRule | null) {
    if (rule?.type === 'bought_category') {
      await this.categories.get(shopId, rule.categoryId, db).catch(() => {
        throw unprocessable('CATEGORY_NOT_FOUND', 'No such category in this shop', { field: 'rule.categoryId' });
      });
    }
  }
}
