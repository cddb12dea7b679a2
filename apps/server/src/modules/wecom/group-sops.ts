import { WECOM_MASS_MAX_PER_CALL, type WecomSopBody, type WecomSopStep } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { rows, sql, type Db } from '../../platform/db/index.js';
import { pgArray } from '../../platform/db/prepared.js';
import { badRequest, notFound } from '../../platform/errors.js';
import { iso } from './groups.js';
import type { WecomMass } from './mass.js';

/** The scheduler's queue: every minute, the steps that fell due are handed to mass tasks. */
export const SOP_QUEUE = 'wecom.group-sops';
/** add_msg_template takes at most this many chats in chat_id_list. */
const CHATS_PER_TASK = 2000;
/**
 * How far back a tick looks before the last tick's time: a member synced a little late (a callback worked
 * after a queue backlog) still gets a step that fell due meanwhile; one synced later than this does not get
 * "day 1" on day 3.
 */
const LOOKBACK_MS = 3_600_000;

type SopRow = {
  id: string; shop_id: string; name: string; anchor: WecomSopBody['anchor']; chat_ids: string[]; owners: string[]; steps: WecomSopStep[]; active: boolean;
  active_since: Date; checked_until: Date | null; created_by: string | null; created_at: Date; updated_at: Date; deleted_at: Date | null;
};
type Due = { step_index: number; target: string; chat_id: string; external_userid: string | null; owner: string; status: 'queued' | 'skipped' };

/**
 * Group SOPs (社群 SOP): content scheduled per customer group, N days after the group was created (sent into
 * the group) or after a customer joined it (sent to that customer privately by the group's owner). A step
 * falls due at its Beijing day and time; due steps become ordinary mass tasks (one per owner and step, so
 * each owner confirms them on their phone like any 群发, within WeCom's caps and the contact budget).
 * Each (SOP, step, group or member) is recorded once by primary key in the transaction that creates its
 * task: a tick that runs twice, or in two processes, cannot send a step twice. Steps that fell due before
 * the SOP was switched on are not sent: an SOP starts from now, not back in time.
 */
export class GroupSops {
  constructor(
    private p: Platform,
    private mass: WecomMass,
  ) {}

  private async checkScope(shopId: string, b: WecomSopBody) {
    if (b.chatIds.length) {
      const known = new Set((await rows<{ chat_id: string }>(this.p.db, sql`SELECT chat_id FROM wecom_group_chats WHERE shop_id = ${shopId} AND chat_id = ANY(${pgArray(b.chatIds)}::text[])`)).map((r) => r.chat_id));
      const missing = b.chatIds.findIndex((c) => !known.has(c));
      if (missing >= 0) throw badRequest('WECOM_GROUP_UNKNOWN', 'Not a customer group of the corp (sync the groups first)', { field: `chatIds.${missing}` });
    }
    if (b.owners.length) {
      const known = new Set((await rows<{ userid: string }>(this.p.db, sql`SELECT userid FROM wecom_staff WHERE shop_id = ${shopId} AND userid = ANY(${pgArray(b.owners)}::text[])`)).map((r) => r.userid));
      const missing = b.owners.findIndex((u) => !known.has(u));
      if (missing >= 0) throw badRequest('WECOM_STAFF_UNKNOWN', 'Unknown staff member (sync the staff first)', { field: `owners.${missing}` });
    }
  }

  async create(shopId: string, b: WecomSopBody, createdBy: string | null) {
    await this.checkScope(shopId, b);
    const [r] = await this.p.database.transaction((tx) => rows<SopRow>(tx, sql`
      INSERT INTO wecom_group_sops (shop_id, name, anchor, chat_ids, owners, steps, active, active_since, created_by)
      VALUES (${shopId}, ${b.name}, ${b.anchor}, ${pgArray(b.chatIds)}::text[], ${pgArray(b.owners)}::text[], ${JSON.stringify(b.steps)}::jsonb, ${b.active},
        ${this.p.now().toISOString()}::timestamptz, ${createdBy})
      RETURNING *`));
    return this.get(shopId, r!.id);
  }

  async update(shopId: string, id: string, b: WecomSopBody) {
    const before = await this.get(shopId, id);
    await this.checkScope(shopId, b);
    const now = this.p.now().toISOString();
    // Switched back on: what fell due while it was off stays unsent.
    await this.p.database.transaction((tx) => tx.execute(sql`
      UPDATE wecom_group_sops SET name = ${b.name}, anchor = ${b.anchor}, chat_ids = ${pgArray(b.chatIds)}::text[], owners = ${pgArray(b.owners)}::text[],
        steps = ${JSON.stringify(b.steps)}::jsonb, active = ${b.active}, active_since = CASE WHEN ${b.active} AND NOT active THEN ${now}::timestamptz ELSE active_since END, updated_at = now()
      WHERE shop_id = ${shopId} AND id = ${id} AND deleted_at IS NULL`));
    return { before, after: await this.get(shopId, id) };
  }

  async remove(shopId: string, id: string) {
    const before = await this.get(shopId, id);
    await this.p.database.transaction((tx) => tx.execute(sql`UPDATE wecom_group_sops SET deleted_at = now(), active = false, updated_at = now() WHERE shop_id = ${shopId} AND id = ${id}`));
    return before;
  }

  /** What each run became: a recipient of its mass task that was sent, refused or is still waiting for the owner. */
  private outcome = sql`
    CASE WHEN r.status = 'skipped' THEN 'skipped'
         WHEN mr.status = 'sent' THEN 'sent'
         WHEN mr.status IN ('excluded', 'not_friend', 'received_other') OR t.status IN ('failed', 'cancelled') THEN 'skipped'
         ELSE 'queued' END`;

  private runsFrom = sql`
    wecom_group_sop_runs r
    LEFT JOIN wecom_mass_tasks t ON t.id = r.mass_task_id
    LEFT JOIN wecom_mass_recipients mr ON mr.task_id = r.mass_task_id AND mr.target = coalesce(r.external_userid, r.chat_id)`;

  private view(r: SopRow, counts: { queued: number; sent: number; skipped: number }, names: Map<string, string>) {
    return {
      id: r.id, name: r.name, anchor: r.anchor, chatIds: r.chat_ids, chats: r.chat_ids.map((c) => ({ chatId: c, name: names.get(c) ?? '' })), owners: r.owners,
      steps: r.steps, active: r.active, activeSince: iso(r.active_since), createdAt: iso(r.created_at), updatedAt: iso(r.updated_at), counts,
    };
  }

  /** The names of the chats SOPs name, for the console (a chat no longer synced has none). */
  private async chatNames(shopId: string, list: SopRow[]) {
    const ids = [...new Set(list.flatMap((r) => r.chat_ids))];
    if (!ids.length) return new Map<string, string>();
    const found = await rows<{ chat_id: string; name: string }>(this.p.db, sql`SELECT chat_id, name FROM wecom_group_chats WHERE shop_id = ${shopId} AND chat_id = ANY(${pgArray(ids)}::text[])`);
    return new Map(found.map((c) => [c.chat_id, c.name]));
  }

  private async counts(ids: string[]) {
    const list = await rows<{ sop_id: string; queued: number; sent: number; skipped: number }>(this.p.db, sql`
      SELECT r.sop_id, count(*) FILTER (WHERE o = 'queued')::int AS queued, count(*) FILTER (WHERE o = 'sent')::int AS sent, count(*) FILTER (WHERE o = 'skipped')::int AS skipped
      FROM (SELECT r.sop_id, ${this.outcome} AS o FROM ${this.runsFrom} WHERE r.sop_id = ANY(${pgArray(ids)}::uuid[])) r GROUP BY r.sop_id`);
    return new Map(list.map((c) => [c.sop_id, { queued: c.queued, sent: c.sent, skipped: c.skipped }]));
  }

  async list(shopId: string) {
    const list = await rows<SopRow>(this.p.db, sql`SELECT * FROM wecom_group_sops WHERE shop_id = ${shopId} AND deleted_at IS NULL ORDER BY created_at DESC`);
    const counts = await this.counts(list.map((r) => r.id));
    const names = await this.chatNames(shopId, list);
    return { items: list.map((r) => this.view(r, counts.get(r.id) ?? { queued: 0, sent: 0, skipped: 0 }, names)) };
  }

  async get(shopId: string, id: string) {
    const [r] = await rows<SopRow>(this.p.db, sql`SELECT * FROM wecom_group_sops WHERE shop_id = ${shopId} AND id = ${id} AND deleted_at IS NULL`);
    if (!r) throw notFound('Group SOP', { field: 'id' });
    return this.view(r, (await this.counts([id])).get(id) ?? { queued: 0, sent: 0, skipped: 0 }, await this.chatNames(shopId, [r]));
  }

  async runs(shopId: string, id: string, q: { page: number; pageSize: number }) {
    const sop = await this.get(shopId, id);
    const [{ total }] = (await rows<{ total: number }>(this.p.db, sql`SELECT count(*)::int AS total FROM wecom_group_sop_runs WHERE sop_id = ${id}`)) as [{ total: number }];
    const list = await rows<{ step_index: number; chat_id: string; chat_name: string | null; external_userid: string | null; member_name: string | null; owner: string; due_at: Date; o: string; reason: string | null; mass_task_id: string | null }>(this.p.db, sql`
      SELECT r.step_index, r.chat_id, c.name AS chat_name, r.external_userid, m.name AS member_name, r.owner, r.due_at, ${this.outcome} AS o,
        coalesce(r.reason, mr.reason, CASE WHEN mr.status IN ('not_friend', 'received_other') THEN mr.status END, CASE WHEN t.status IN ('failed', 'cancelled') THEN 'task_' || t.status END) AS reason, r.mass_task_id
      FROM ${this.runsFrom}
      LEFT JOIN wecom_group_chats c ON c.shop_id = r.shop_id AND c.chat_id = r.chat_id
      LEFT JOIN wecom_group_members m ON m.shop_id = r.shop_id AND m.chat_id = r.chat_id AND m.member_id = r.external_userid
      WHERE r.sop_id = ${id} ORDER BY r.due_at DESC, r.step_index, r.target LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`);
    const steps = await rows<{ step_index: number; queued: number; sent: number; skipped: number }>(this.p.db, sql`
      SELECT step_index, count(*) FILTER (WHERE o = 'queued')::int AS queued, count(*) FILTER (WHERE o = 'sent')::int AS sent, count(*) FILTER (WHERE o = 'skipped')::int AS skipped
      FROM (SELECT r.step_index, ${this.outcome} AS o FROM ${this.runsFrom} WHERE r.sop_id = ${id}) x GROUP BY step_index ORDER BY step_index`);
    return {
      items: list.map((r) => ({
        stepIndex: r.step_index, day: sop.steps[r.step_index]?.day ?? null, time: sop.steps[r.step_index]?.time ?? null, chatId: r.chat_id, chatName: r.chat_name,
        member: r.external_userid ? { externalUserid: r.external_userid, name: r.member_name } : null, owner: r.owner, dueAt: iso(r.due_at), status: r.o, reason: r.reason, massTaskId: r.mass_task_id,
      })),
      total,
      steps: sop.steps.map((_, i) => {
        const s = steps.find((x) => x.step_index === i);
        return { stepIndex: i, queued: s?.queued ?? 0, sent: s?.sent ?? 0, skipped: s?.skipped ?? 0 };
      }),
    };
  }

  /** The scheduler's turn: every active SOP's steps that are due now go out. */
  async tick() {
    const sops = await rows<SopRow>(this.p.db, sql`SELECT * FROM wecom_group_sops WHERE active AND deleted_at IS NULL ORDER BY created_at`);
    let queued = 0;
    for (const sop of sops) queued += await this.p.database.transaction((tx) => this.runDue(tx, sop));
    return queued;
  }

  private async runDue(tx: Db, sop: SopRow) {
    const now = this.p.now().toISOString();
    const since = new Date(Math.max(new Date(sop.active_since).getTime(), sop.checked_until ? new Date(sop.checked_until).getTime() - LOOKBACK_MS : 0)).toISOString();
    const steps = JSON.stringify(sop.steps.map((s, i) => ({ i, day: s.day, time: s.time })));
    const scope = sql`(${sop.chat_ids.length === 0 && sop.owners.length === 0} OR c.chat_id = ANY(${pgArray(sop.chat_ids)}::text[]) OR c.owner = ANY(${pgArray(sop.owners)}::text[]))`;
    // The Beijing day of the anchor, plus N days, at HH:MM Beijing time, back in UTC.
    const due = (anchor: ReturnType<typeof sql>) => sql`((date_trunc('day', (${anchor} AT TIME ZONE 'UTC') + interval '8 hours') + st.day * interval '1 day' + st.time::interval - interval '8 hours') AT TIME ZONE 'UTC')`;
    // Anchors whose step can fall due in (since, now]: a day's slack each side covers the Beijing day and time.
    const anchorIn = (anchor: ReturnType<typeof sql>) => sql`${anchor} > ${since}::timestamptz - (st.day + 1) * interval '1 day' AND ${anchor} <= ${now}::timestamptz - (st.day - 1) * interval '1 day'`;
    const stepsCte = sql`st AS (SELECT (x->>'i')::int AS i, (x->>'day')::int AS day, x->>'time' AS time FROM jsonb_array_elements(${steps}::jsonb) x)`;
    const candidates = sop.anchor === 'group_created'
      ? sql`
        SELECT st.i, c.chat_id AS target, c.chat_id, NULL::text AS external_userid, c.owner, ${due(sql`c.created_at`)} AS due_at,
          CASE WHEN s.status IS DISTINCT FROM 1 THEN 'owner_left' END AS skip
        FROM st JOIN wecom_group_chats c ON c.shop_id = ${sop.shop_id} AND ${anchorIn(sql`c.created_at`)}
        LEFT JOIN wecom_staff s ON s.shop_id = c.shop_id AND s.userid = c.owner
        WHERE ${scope}`
      : sql`
        SELECT st.i, c.chat_id || '/' || m.member_id AS target, c.chat_id, m.member_id AS external_userid, c.owner, ${due(sql`m.join_time`)} AS due_at,
          CASE WHEN s.status IS DISTINCT FROM 1 THEN 'owner_left'
               WHEN NOT EXISTS (SELECT 1 FROM wecom_relations rel WHERE rel.shop_id = c.shop_id AND rel.staff_userid = c.owner AND rel.external_userid = m.member_id AND rel.status = 'active') THEN 'not_contact' END AS skip
        FROM st JOIN wecom_group_members m ON m.shop_id = ${sop.shop_id} AND ${anchorIn(sql`m.join_time`)}
        JOIN wecom_group_chats c ON c.shop_id = m.shop_id AND c.chat_id = m.chat_id
        LEFT JOIN wecom_staff s ON s.shop_id = c.shop_id AND s.userid = c.owner
        WHERE m.kind = 2 AND m.left_at IS NULL AND ${scope}`;
    const fresh = await rows<Due>(tx, sql`
      WITH ${stepsCte}, cand AS (${candidates})
      INSERT INTO wecom_group_sop_runs (sop_id, step_index, target, shop_id, chat_id, external_userid, owner, due_at, status, reason)
      SELECT ${sop.id}, i, target, ${sop.shop_id}, chat_id, external_userid, owner, due_at, CASE WHEN skip IS NULL THEN 'queued' ELSE 'skipped' END, skip
      FROM cand WHERE due_at <= ${now}::timestamptz AND due_at > ${since}::timestamptz AND due_at >= ${new Date(sop.active_since).toISOString()}::timestamptz
      ON CONFLICT DO NOTHING
      RETURNING step_index, target, chat_id, external_userid, owner, status`);
    const byTask = new Map<string, Due[]>();
    for (const d of fresh) {
      if (d.status !== 'queued') continue;
      const key = `${d.step_index}\u0000${d.owner}`;
      byTask.set(key, [...(byTask.get(key) ?? []), d]);
    }
    for (const list of byTask.values()) {
      const { step_index: i, owner } = list[0]!;
      const step = sop.steps[i]!;
      const size = sop.anchor === 'group_created' ? CHATS_PER_TASK : WECOM_MASS_MAX_PER_CALL;
      for (let k = 0; k < list.length; k += size) {
        const part = list.slice(k, k + size);
        const taskId = await this.mass.insert(tx, sop.shop_id, {
          name: `SOP「${sop.name}」第 ${step.day} 天 ${step.time}`.slice(0, 60),
          audience: sop.anchor === 'group_created' ? { kind: 'groups', chatIds: part.map((d) => d.chat_id) } : { kind: 'contacts', externalUserIds: part.map((d) => d.external_userid!) },
          senders: [owner], text: step.text, attachments: step.attachments, sendAt: null,
        }, null);
        await tx.execute(sql`UPDATE wecom_group_sop_runs SET mass_task_id = ${taskId} WHERE sop_id = ${sop.id} AND step_index = ${i} AND target = ANY(${pgArray(part.map((d) => d.target))}::text[])`);
      }
    }
    await tx.execute(sql`UPDATE wecom_group_sops SET checked_until = greatest(coalesce(checked_until, ${now}::timestamptz), ${now}::timestamptz) WHERE id = ${sop.id}`);
    return fresh.filter((d) => d.status === 'queued').length;
  }
}
