import type { Platform } from '../../platform/context.js';
import { pgArray, uuidArray } from '../../platform/db/prepared.js';
import { rows, sql } from '../../platform/db/index.js';
import { notFound } from '../../platform/errors.js';
import type { WecomCorps } from './corps.js';
import type { HandoverGroups } from './handover-groups.js';
import type { HandoverRow } from './handover.js';

/**
 * What a handover looks like to a person: its progress counts and a row per customer and group with
 * state, WeCom's errcode and status, and times; and WeCom's list of unassigned customers of leavers with
 * the names Siyu knows. `sending` is the job's own bookkeeping: to a person such a customer is requested.
 */
export class HandoverReport {
  constructor(
    private p: Platform,
    private corps: WecomCorps,
    private groups: HandoverGroups,
  ) {}

  async contactNames(shopId: string, externals: string[]) {
    if (!externals.length) return new Map<string, string>();
    const list = await rows<{ external_userid: string; name: string }>(this.p.db, sql`
      SELECT external_userid, name FROM wecom_contacts WHERE shop_id = ${shopId} AND external_userid = ANY(${pgArray(externals)}::text[])`);
    return new Map(list.map((r) => [r.external_userid, r.name]));
  }

  private view(h: HandoverRow, counts: Record<string, number>) {
    return {
      id: h.id, kind: h.kind, handoverUserid: h.handover_userid, takeoverUserid: h.takeover_userid, successMessage: h.success_msg, status: h.status,
      counts, refusals: h.refusals, createdBy: h.created_by, createdAt: h.created_at, sentAt: h.sent_at, lastPolledAt: h.last_polled_at, finishedAt: h.finished_at,
    };
  }

  private async counts(ids: string[]) {
    const list = await rows<{ handover_id: string; state: string; n: number }>(this.p.db, sql`
      SELECT handover_id, state, count(*)::int AS n FROM wecom_handover_customers WHERE handover_id = ANY(${uuidArray(ids)}::uuid[]) GROUP BY handover_id, state`);
    const out = new Map<string, Record<string, number>>();
    for (const id of ids) out.set(id, { total: 0, requested: 0, waiting: 0, done: 0, refused: 0, limit: 0, failed: 0 });
    for (const r of list) {
      const c = out.get(r.handover_id)!;
      // `sending` is the job's own bookkeeping: to a person the customer is still requested.
      const key = r.state === 'sending' ? 'requested' : r.state;
      c[key] = (c[key] ?? 0) + r.n;
      c.total! += r.n;
    }
    return out;
  }

  async list(shopId: string, q: { page: number; pageSize: number; status?: string; staff?: string }) {
    const where = sql.join(
      [
        sql`shop_id = ${shopId}`,
        q.status ? sql`status = ${q.status}` : null,
        q.staff ? sql`(handover_userid = ${q.staff} OR takeover_userid = ${q.staff})` : null,
      ].filter((x) => x !== null),
      sql` AND `,
    );
    const [{ n }] = (await rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM wecom_handovers WHERE ${where}`)) as [{ n: number }];
    const list = await rows<HandoverRow>(this.p.db, sql`
      SELECT * FROM wecom_handovers WHERE ${where} ORDER BY created_at DESC, id LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`);
    const counts = await this.counts(list.map((h) => h.id));
    return { items: list.map((h) => this.view(h, counts.get(h.id)!)), total: n, page: q.page, pageSize: q.pageSize };
  }

  /** The handover with its progress and a row per customer and group. */
  async detail(shopId: string, id: string) {
    const [h] = await rows<HandoverRow>(this.p.db, sql`SELECT * FROM wecom_handovers WHERE shop_id = ${shopId} AND id = ${id}`);
    if (!h) throw notFound('Handover', { field: 'id' });
    const customers = await rows<{
      external_userid: string; relation_id: string | null; state: string; chunk: number | null; errcode: number | null; wecom_status: number | null;
      requested_at: Date; sent_at: Date | null; takeover_at: Date | null; settled_at: Date | null; name: string | null;
    }>(this.p.db, sql`
      SELECT c.*, k.name FROM wecom_handover_customers c LEFT JOIN wecom_contacts k ON k.shop_id = c.shop_id AND k.external_userid = c.external_userid
      WHERE c.handover_id = ${id} ORDER BY c.external_userid`);
    const groups = await this.groups.rowsOf(id);
    return {
      ...this.view(h, (await this.counts([id])).get(id)!),
      customers: customers.map((c) => ({
        externalUserid: c.external_userid, name: c.name, relationId: c.relation_id, state: c.state === 'sending' ? 'requested' : c.state, chunk: c.chunk,
        errcode: c.errcode, wecomStatus: c.wecom_status, requestedAt: c.requested_at, sentAt: c.sent_at, takeoverAt: c.takeover_at, settledAt: c.settled_at,
      })),
      groups,
    };
  }

  /** Customers of members who left, not handed to anyone yet (WeCom's list), with what Siyu knows of them. */
  async unassigned(shopId: string, q: { cursor: string; pageSize: number }) {
    const client = this.corps.client(await this.corps.requireCorp(shopId));
    const page = await client.unassignedList(q.cursor, q.pageSize);
    const externals = page.items.map((i) => i.externalUserId);
    const names = await this.contactNames(shopId, externals);
    const staff = new Map((await rows<{ userid: string; name: string }>(this.p.db, sql`
      SELECT userid, name FROM wecom_staff WHERE shop_id = ${shopId} AND userid = ANY(${pgArray([...new Set(page.items.map((i) => i.handoverUserid))])}::text[])`)).map((s) => [s.userid, s.name]));
    const rels = new Map((await rows<{ id: string; staff_userid: string; external_userid: string }>(this.p.db, sql`
      SELECT id, staff_userid, external_userid FROM wecom_relations WHERE shop_id = ${shopId} AND external_userid = ANY(${pgArray(externals)}::text[])`)).map((r) => [`${r.staff_userid}|${r.external_userid}`, r.id]));
    return {
      items: page.items.map((i) => ({
        handoverUserid: i.handoverUserid, handoverName: staff.get(i.handoverUserid) ?? null, externalUserid: i.externalUserId, name: names.get(i.externalUserId) ?? null,
        relationId: rels.get(`${i.handoverUserid}|${i.externalUserId}`) ?? null, dimissionTime: i.dimissionTime ? new Date(i.dimissionTime * 1000) : null,
      })),
      nextCursor: page.nextCursor,
      isLast: page.isLast,
    };
  }
}
