import type { WecomRelationPatch, WecomRelationQuery, WecomRelationTagsBody } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { pgArray } from '../../platform/db/prepared.js';
import { escapeLike, rows, sql, type Db } from '../../platform/db/index.js';
import { notFound, unprocessable } from '../../platform/errors.js';
import type { CustomersService } from '../customers/service.js';
import type { OrderService } from '../orders/service.js';
import type { ExternalContact, FollowUser } from './client/wecom-client.js';
import type { WecomCorps } from './corps.js';
import { announceOwners } from './owners.js';

export type RelationEnd = 'deleted_by_staff' | 'deleted_by_customer';

type RelationRow = {
  id: string; shop_id: string; staff_userid: string; external_userid: string; remark: string; description: string; remark_mobiles: string[];
  add_way: number; state: string | null; channel_code_id: string | null; tag_ids: string[]; stage: string; status: string; bought_before: boolean | null;
  added_at: Date; deleted_at: Date | null; updated_at: Date;
  contact_name?: string; unionid?: string | null; customer_id?: string | null; staff_name?: string | null;
};

/**
 * Relations between staff members and external contacts: one row per pair, with the contact's remark, how
 * they were added (add_way, the channel code's state), corp tags and follow-up stage; adds, deletions and
 * transfers kept as history. The contact is tied to a Siyu customer by unionid through the customers
 * service (never its tables), now or when that customer signs in with WeChat later.
 */
export class WecomRelations {
  constructor(
    private p: Platform,
    private corps: WecomCorps,
    private customers: CustomersService,
    private orders: OrderService,
  ) {}

  // ── Contacts and their customers ────────────────────────────────────────────────────────────────

  /** Stores the contact and answers the customer their unionid belongs to (null when none yet). */
  async upsertContact(tx: Db, shopId: string, c: ExternalContact, customerId: string | null) {
    const [r] = await rows<{ customer_id: string | null }>(tx, sql`
      INSERT INTO wecom_contacts (shop_id, external_userid, name, type, gender, unionid, avatar, customer_id)
      VALUES (${shopId}, ${c.externalUserId}, ${c.name}, ${c.type}, ${c.gender}, ${c.unionid}, ${c.avatar}, ${customerId}::uuid)
      ON CONFLICT (shop_id, external_userid) DO UPDATE SET name = excluded.name, type = excluded.type, gender = excluded.gender,
        unionid = coalesce(excluded.unionid, wecom_contacts.unionid), avatar = excluded.avatar,
        customer_id = coalesce(excluded.customer_id, wecom_contacts.customer_id), synced_at = now()
      RETURNING customer_id`);
    return r?.customer_id ?? null;
  }

  /**
   * The customer behind a contact: by unionid; failing that, by the phone numbers staff noted on the
   * contact (remark_mobiles), when they point at exactly one customer (a guess between two is no link).
   */
  async customerOf(shopId: string, unionid: string | null, phones: string[] = []) {
    const byUnionid = unionid ? (await this.customers.idsByUnionids(shopId, [unionid])).get(unionid) : undefined;
    if (byUnionid || !phones.length) return byUnionid ?? null;
    const found = new Set((await this.customers.idsByPhones(shopId, phones)).values());
    return found.size === 1 ? [...found][0]! : null;
  }

  /** A customer signed in with WeChat: contacts with one of their unionids are now theirs. */
  async linkCustomer(shopId: string, customerId: string) {
    const contacts = (await this.customers.contactPoints(shopId, [customerId])).get(customerId);
    if (!contacts?.unionids.length) return 0;
    const bought = await this.orders.hasPaidOrder(shopId, customerId);
    return this.p.database.transaction(async (tx) => {
      const linked = await rows<{ external_userid: string }>(tx, sql`
        UPDATE wecom_contacts SET customer_id = ${customerId} WHERE shop_id = ${shopId} AND unionid = ANY(${pgArray(contacts.unionids)}::text[])
          AND customer_id IS DISTINCT FROM ${customerId} RETURNING external_userid`);
      if (linked.length) {
        await tx.execute(sql`
          UPDATE wecom_relations SET bought_before = ${bought} WHERE shop_id = ${shopId} AND bought_before IS NULL
            AND external_userid = ANY(${pgArray(linked.map((l) => l.external_userid))}::text[])`);
        await announceOwners(this.p, tx, shopId, { customerIds: [customerId] });
      }
      return linked.length;
    });
  }

  /** Customers merged: contacts and code conversions follow the survivor. */
  async moveCustomer(tx: Db, shopId: string, fromId: string, intoId: string) {
    await tx.execute(sql`UPDATE wecom_contacts SET customer_id = ${intoId} WHERE shop_id = ${shopId} AND customer_id = ${fromId}`);
    await tx.execute(sql`
      INSERT INTO wecom_code_conversions (shop_id, channel_code_id, customer_id, new_buyer, orders, revenue_fen, first_paid_at)
      SELECT shop_id, channel_code_id, ${intoId}, new_buyer, orders, revenue_fen, first_paid_at FROM wecom_code_conversions WHERE shop_id = ${shopId} AND customer_id = ${fromId}
      ON CONFLICT (channel_code_id, customer_id) DO UPDATE SET orders = wecom_code_conversions.orders + excluded.orders,
        revenue_fen = wecom_code_conversions.revenue_fen + excluded.revenue_fen, new_buyer = wecom_code_conversions.new_buyer AND excluded.new_buyer,
        first_paid_at = least(wecom_code_conversions.first_paid_at, excluded.first_paid_at)`);
    await tx.execute(sql`DELETE FROM wecom_code_conversions WHERE shop_id = ${shopId} AND customer_id = ${fromId}`);
    await announceOwners(this.p, tx, shopId, { customerIds: [intoId] });
  }

  // ── Relations ───────────────────────────────────────────────────────────────────────────────────

  /**
   * The relation as WeCom describes it now. `event` adds a history row (added, or re-added after a
   * deletion); a plain sync only refreshes the fields.
   */
  async upsertRelation(tx: Db, shopId: string, f: FollowUser, externalUserId: string, opts: { channelCodeId: string | null; boughtBefore: boolean | null; event: boolean }) {
    const addedAt = f.createtime ? new Date(f.createtime * 1000) : this.p.now();
    const [prev] = await rows<{ status: string }>(tx, sql`SELECT status FROM wecom_relations WHERE shop_id = ${shopId} AND staff_userid = ${f.userid} AND external_userid = ${externalUserId} FOR UPDATE`);
    const [r] = await rows<RelationRow>(tx, sql`
      INSERT INTO wecom_relations (shop_id, staff_userid, external_userid, remark, description, remark_mobiles, add_way, state, channel_code_id, tag_ids, bought_before, added_at)
      VALUES (${shopId}, ${f.userid}, ${externalUserId}, ${f.remark}, ${f.description}, ${pgArray(f.remarkMobiles)}::text[], ${f.addWay}, ${f.state}, ${opts.channelCodeId}::uuid,
        ${pgArray(f.tagIds)}::text[], ${opts.boughtBefore}, ${addedAt.toISOString()}::timestamptz)
      ON CONFLICT (shop_id, staff_userid, external_userid) DO UPDATE SET remark = excluded.remark, description = excluded.description,
        remark_mobiles = excluded.remark_mobiles, add_way = excluded.add_way, state = coalesce(excluded.state, wecom_relations.state),
        channel_code_id = coalesce(excluded.channel_code_id, wecom_relations.channel_code_id), tag_ids = excluded.tag_ids,
        bought_before = coalesce(wecom_relations.bought_before, excluded.bought_before),
        added_at = CASE WHEN wecom_relations.status <> 'active' THEN excluded.added_at ELSE wecom_relations.added_at END,
        status = 'active', deleted_at = NULL, updated_at = now()
      RETURNING *`);
    if (opts.event || !prev || prev.status !== 'active') {
      await tx.execute(sql`
        INSERT INTO wecom_relation_history (shop_id, relation_id, kind, channel_code_id, detail, at)
        VALUES (${shopId}, ${r!.id}, 'added', ${opts.channelCodeId}::uuid, ${JSON.stringify({ addWay: f.addWay, state: f.state, again: !!prev })}::jsonb, ${addedAt.toISOString()}::timestamptz)`);
    }
    await this.onUpserted(tx, shopId, r!, prev?.status ?? null);
    await announceOwners(this.p, tx, shopId, { externalUserIds: [externalUserId] });
    return r!;
  }

  /**
   * Told, in the upsert's transaction, whenever WeCom reports a relation as current: a handover holds back
   * a taker's relation that WeCom reports before Siyu has the transfer's result (handover.ts).
   */
  onUpserted: (tx: Db, shopId: string, r: { id: string; staff_userid: string; external_userid: string }, prevStatus: string | null) => Promise<void> = async () => {};

  /** del_external_contact (the staff member deleted the customer) / del_follow_user (the customer deleted the staff member). */
  async endRelation(tx: Db, shopId: string, staffUserid: string, externalUserId: string, how: RelationEnd, at: Date) {
    const [r] = await rows<RelationRow>(tx, sql`
      UPDATE wecom_relations SET status = ${how}, deleted_at = ${at.toISOString()}::timestamptz, updated_at = now()
      WHERE shop_id = ${shopId} AND staff_userid = ${staffUserid} AND external_userid = ${externalUserId} AND status = 'active' RETURNING *`);
    if (!r) return null;
    await tx.execute(sql`
      INSERT INTO wecom_relation_history (shop_id, relation_id, kind, channel_code_id, at)
      VALUES (${shopId}, ${r.id}, ${how}, ${r.channel_code_id}::uuid, ${at.toISOString()}::timestamptz)`);
    await announceOwners(this.p, tx, shopId, { externalUserIds: [externalUserId] });
    return r;
  }

  async recordTransferFailed(tx: Db, shopId: string, staffUserid: string, externalUserId: string, failType: string | undefined, at: Date) {
    const [r] = await rows<{ id: string }>(tx, sql`SELECT id FROM wecom_relations WHERE shop_id = ${shopId} AND staff_userid = ${staffUserid} AND external_userid = ${externalUserId}`);
    if (!r) return;
    await tx.execute(sql`
      INSERT INTO wecom_relation_history (shop_id, relation_id, kind, detail, at) VALUES (${shopId}, ${r.id}, 'transfer_failed', ${JSON.stringify({ failType: failType ?? null })}::jsonb, ${at.toISOString()}::timestamptz)`);
  }

  /** Fetches a contact from WeCom and brings the contact, its customer and its relations up to date. */
  async refreshContact(shopId: string, externalUserId: string, opts: { eventFor?: string; channelCodeId?: string | null } = {}) {
    const corp = await this.corps.requireCorp(shopId);
    const { contact, followUsers } = await this.corps.client(corp).externalContact(externalUserId);
    const customerId = await this.customerOf(shopId, contact.unionid, followUsers.flatMap((f) => f.remarkMobiles));
    const bought = customerId ? await this.orders.hasPaidOrder(shopId, customerId) : null;
    return this.p.database.transaction(async (tx) => {
      const linked = await this.upsertContact(tx, shopId, contact, customerId);
      const out: RelationRow[] = [];
      for (const f of followUsers) {
        const mine = f.userid === opts.eventFor;
        out.push(await this.upsertRelation(tx, shopId, f, externalUserId, { channelCodeId: mine ? opts.channelCodeId ?? null : null, boughtBefore: linked ? bought : null, event: mine }));
      }
      return { contact, customerId: linked, relations: out };
    });
  }

  /** Every contactable member's customers, 100 members per call and 100 contacts per page. */
  async syncAll(shopId: string, onProgress: (done: number, total: number) => Promise<void>) {
    const corp = await this.corps.requireCorp(shopId);
    const client = this.corps.client(corp);
    const staff = (await rows<{ userid: string }>(this.p.db, sql`SELECT userid FROM wecom_staff WHERE shop_id = ${shopId} AND can_contact AND status = 1 ORDER BY userid`)).map((r) => r.userid);
    const codes = new Map((await rows<{ id: string; state: string }>(this.p.db, sql`SELECT id, state FROM wecom_channel_codes WHERE shop_id = ${shopId}`)).map((c) => [c.state, c.id]));
    let n = 0;
    for (let i = 0; i < staff.length; i += 100) {
      const chunk = staff.slice(i, i + 100);
      let cursor = '';
      do {
        const page = await client.contactsByUsers(chunk, cursor);
        const owners = await this.customers.idsByUnionids(shopId, page.items.map((x) => x.contact.unionid).filter((u): u is string => !!u));
        await this.p.database.transaction(async (tx) => {
          for (const x of page.items) {
            await this.upsertContact(tx, shopId, x.contact, x.contact.unionid ? owners.get(x.contact.unionid) ?? null : null);
            await this.upsertRelation(tx, shopId, x.follow, x.contact.externalUserId, { channelCodeId: x.follow.state ? codes.get(x.follow.state) ?? null : null, boughtBefore: null, event: false });
          }
        });
        n += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
      await onProgress(Math.min(i + 100, staff.length), staff.length);
    }
    return n;
  }

  // ── Corp tags ───────────────────────────────────────────────────────────────────────────────────

  async syncCorpTags(shopId: string) {
    const corp = await this.corps.requireCorp(shopId);
    const groups = await this.corps.client(corp).corpTags();
    const tags = groups.flatMap((g) => g.tags.map((t) => ({ ...t, groupId: g.groupId, groupName: g.groupName })));
    await this.p.database.transaction(async (tx) => {
      await tx.execute(sql`UPDATE wecom_corp_tags SET deleted = true WHERE shop_id = ${shopId} AND NOT (tag_id = ANY(${pgArray(tags.map((t) => t.id))}::text[]))`);
      for (const t of tags) {
        await tx.execute(sql`
          INSERT INTO wecom_corp_tags (shop_id, tag_id, group_id, group_name, name, sort) VALUES (${shopId}, ${t.id}, ${t.groupId}, ${t.groupName}, ${t.name}, ${t.order})
          ON CONFLICT (shop_id, tag_id) DO UPDATE SET group_id = excluded.group_id, group_name = excluded.group_name, name = excluded.name, sort = excluded.sort, deleted = false, synced_at = now()`);
      }
    });
    return tags.length;
  }

  async corpTags(shopId: string) {
    const list = await rows<{ tag_id: string; group_id: string; group_name: string; name: string }>(this.p.db, sql`
      SELECT * FROM wecom_corp_tags WHERE shop_id = ${shopId} AND NOT deleted ORDER BY group_name, sort, name`);
    return { items: list.map((t) => ({ id: t.tag_id, groupId: t.group_id, groupName: t.group_name, name: t.name })) };
  }

  /** Creates tags in WeCom (they exist there first), then records them. */
  async createCorpTags(shopId: string, input: { groupName: string; names: string[] }) {
    const corp = await this.corps.requireCorp(shopId);
    const [group] = await rows<{ group_id: string }>(this.p.db, sql`SELECT group_id FROM wecom_corp_tags WHERE shop_id = ${shopId} AND group_name = ${input.groupName} AND NOT deleted LIMIT 1`);
    const made = await this.corps.client(corp).addCorpTags(group ? { groupId: group.group_id, names: input.names } : { groupName: input.groupName, names: input.names });
    await this.p.database.transaction(async (tx) => {
      for (const t of made.tags) {
        await tx.execute(sql`
          INSERT INTO wecom_corp_tags (shop_id, tag_id, group_id, group_name, name) VALUES (${shopId}, ${t.id}, ${made.groupId}, ${made.groupName || input.groupName}, ${t.name})
          ON CONFLICT (shop_id, tag_id) DO UPDATE SET name = excluded.name, deleted = false, synced_at = now()`);
      }
    });
    return { groupId: made.groupId, tags: made.tags };
  }

  /** Tag ids that are not current corp tags of the shop (a 4xx names them). */
  async unknownTags(shopId: string, ids: string[], db: Db = this.p.db) {
    if (!ids.length) return [];
    const found = new Set((await rows<{ tag_id: string }>(db, sql`SELECT tag_id FROM wecom_corp_tags WHERE shop_id = ${shopId} AND NOT deleted AND tag_id = ANY(${pgArray(ids)}::text[])`)).map((r) => r.tag_id));
    return ids.filter((id) => !found.has(id));
  }

  /** A tag added or removed in Siyu goes to WeCom first (mark_tag); the relation records what WeCom accepted. */
  async markTags(shopId: string, relationId: string, input: WecomRelationTagsBody) {
    const r = await this.row(shopId, relationId);
    const unknown = await this.unknownTags(shopId, input.add);
    if (unknown.length) throw unprocessable('WECOM_TAG_UNKNOWN', `Not a corp tag: ${unknown.join(', ')}`, { field: `add.${input.add.indexOf(unknown[0]!)}` });
    if (r.status !== 'active') throw unprocessable('WECOM_RELATION_ENDED', 'The customer is no longer a contact of this staff member', { field: 'id' });
    const corp = await this.corps.requireCorp(shopId);
    await this.corps.client(corp).markTag({ userid: r.staff_userid, externalUserId: r.external_userid, add: input.add, remove: input.remove });
    return this.applyTags(shopId, relationId, input.add, input.remove);
  }

  async applyTags(shopId: string, relationId: string, add: string[], remove: string[]) {
    const before = await this.row(shopId, relationId);
    const after = await this.p.database.transaction(async (tx) => {
      const [r] = await rows<RelationRow>(tx, sql`
        UPDATE wecom_relations SET tag_ids = ARRAY(SELECT DISTINCT x FROM unnest(tag_ids || ${pgArray(add)}::text[]) x WHERE NOT (x = ANY(${pgArray(remove)}::text[])) ORDER BY x),
          updated_at = now() WHERE id = ${relationId} AND shop_id = ${shopId} RETURNING *`);
      return r!;
    });
    return { before: this.view(before), after: this.view(after) };
  }

  // ── Reading and editing ─────────────────────────────────────────────────────────────────────────

  private async row(shopId: string, id: string, db: Db = this.p.db): Promise<RelationRow> {
    const [r] = await rows<RelationRow>(db, sql`
      SELECT r.*, c.name AS contact_name, c.unionid, c.customer_id, s.name AS staff_name FROM wecom_relations r
      LEFT JOIN wecom_contacts c ON c.shop_id = r.shop_id AND c.external_userid = r.external_userid
      LEFT JOIN wecom_staff s ON s.shop_id = r.shop_id AND s.userid = r.staff_userid
      WHERE r.shop_id = ${shopId} AND r.id = ${id}`);
    if (!r) throw notFound('Relation', { field: 'id' });
    return r;
  }

  view(r: RelationRow) {
    return {
      id: r.id, staffUserid: r.staff_userid, staffName: r.staff_name ?? null, externalUserid: r.external_userid, name: r.contact_name ?? null,
      customerId: r.customer_id ?? null, remark: r.remark, description: r.description, remarkMobiles: r.remark_mobiles, addWay: r.add_way, state: r.state,
      channelCodeId: r.channel_code_id, tagIds: r.tag_ids, stage: r.stage, status: r.status, addedAt: r.added_at, deletedAt: r.deleted_at,
    };
  }

  async get(shopId: string, id: string) {
    const r = await this.row(shopId, id);
    const history = await rows<{ kind: string; channel_code_id: string | null; detail: unknown; at: Date }>(this.p.db, sql`
      SELECT kind, channel_code_id, detail, at FROM wecom_relation_history WHERE shop_id = ${shopId} AND relation_id = ${id} ORDER BY at, id`);
    return { ...this.view(r), history: history.map((h) => ({ kind: h.kind, channelCodeId: h.channel_code_id, detail: h.detail, at: h.at })) };
  }

  async list(shopId: string, q: WecomRelationQuery) {
    const where = sql.join(
      [
        sql`r.shop_id = ${shopId}`,
        q.staff ? sql`r.staff_userid = ${q.staff}` : null,
        q.status ? sql`r.status = ${q.status}` : null,
        q.stage ? sql`r.stage = ${q.stage}` : null,
        q.channelCodeId ? sql`r.channel_code_id = ${q.channelCodeId}` : null,
        q.customerId ? sql`c.customer_id = ${q.customerId}` : null,
        q.tag ? sql`${q.tag} = ANY(r.tag_ids)` : null,
        q.addedFrom ? sql`r.added_at >= ${q.addedFrom.toISOString()}::timestamptz` : null,
        q.addedTo ? sql`r.added_at < ${q.addedTo.toISOString()}::timestamptz` : null,
        q.addWay !== undefined ? sql`r.add_way = ${q.addWay}` : null,
        q.q ? sql`(c.name ILIKE ${`%${escapeLike(q.q)}%`} OR r.remark ILIKE ${`%${escapeLike(q.q)}%`})` : null,
      ].filter((x) => x !== null),
      sql` AND `,
    );
    const from = sql`FROM wecom_relations r LEFT JOIN wecom_contacts c ON c.shop_id = r.shop_id AND c.external_userid = r.external_userid
      LEFT JOIN wecom_staff s ON s.shop_id = r.shop_id AND s.userid = r.staff_userid WHERE ${where}`;
    const [{ n }] = (await rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n ${from}`)) as [{ n: number }];
    const list = await rows<RelationRow>(this.p.db, sql`
      SELECT r.*, c.name AS contact_name, c.unionid, c.customer_id, s.name AS staff_name ${from}
      ORDER BY r.added_at DESC, r.id LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`);
    return { items: list.map((r) => this.view(r)), total: n, page: q.page, pageSize: q.pageSize };
  }

  /** The remark goes to WeCom (the staff member sees it in their app); the stage is Siyu's own. */
  async patch(shopId: string, id: string, input: WecomRelationPatch) {
    const before = await this.row(shopId, id);
    if (input.remark !== undefined && input.remark !== before.remark) {
      const corp = await this.corps.requireCorp(shopId);
      await this.corps.client(corp).remark({ userid: before.staff_userid, externalUserId: before.external_userid, remark: input.remark });
    }
    await this.p.database.transaction((tx) =>
      tx.execute(sql`
        UPDATE wecom_relations SET remark = coalesce(${input.remark ?? null}::text, remark), stage = coalesce(${input.stage ?? null}::text, stage), updated_at = now()
        WHERE shop_id = ${shopId} AND id = ${id}`),
    );
    return { before: this.view(before), after: this.view(await this.row(shopId, id)) };
  }

  // ── What customers added through a code bought ──────────────────────────────────────────────────

  /**
   * order.paid: the order counts for the code the customer was first added through (first touch), if
   * that relation began before the payment.
   */
  async attributeOrder(tx: Db, shopId: string, customerId: string, paidFen: number, paidAt: Date) {
    const [first] = await rows<{ channel_code_id: string; bought_before: boolean | null }>(tx, sql`
      SELECT r.channel_code_id, r.bought_before FROM wecom_relations r JOIN wecom_contacts c ON c.shop_id = r.shop_id AND c.external_userid = r.external_userid
      WHERE r.shop_id = ${shopId} AND c.customer_id = ${customerId} AND r.channel_code_id IS NOT NULL AND r.added_at <= ${paidAt.toISOString()}::timestamptz
      ORDER BY r.added_at, r.id LIMIT 1`);
    if (!first) return;
    await tx.execute(sql`
      INSERT INTO wecom_code_conversions (shop_id, channel_code_id, customer_id, new_buyer, orders, revenue_fen, first_paid_at)
      VALUES (${shopId}, ${first.channel_code_id}, ${customerId}, ${first.bought_before === false}, 1, ${paidFen}, ${paidAt.toISOString()}::timestamptz)
      ON CONFLICT (channel_code_id, customer_id) DO UPDATE SET orders = wecom_code_conversions.orders + 1, revenue_fen = wecom_code_conversions.revenue_fen + excluded.revenue_fen`);
  }
}
