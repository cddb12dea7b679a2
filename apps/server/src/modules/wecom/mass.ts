import { WECOM_MASS_MAX_PER_CALL, type WecomMassAudience, type WecomMassTaskBody, type WecomMassTaskStatus } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { rows, sql, type Db } from '../../platform/db/index.js';
import { pgArray } from '../../platform/db/prepared.js';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors.js';
import { nextSendTime } from '../messaging/budget.js';
import { admitOutside } from '../messaging/external-budget.js';
import type { MessagingService } from '../messaging/service.js';
import type { GroupService } from '../tags/group-service.js';
import { WeComApiError } from './client/wecom-client.js';
import type { WecomCorps } from './corps.js';
import { toWecomAttachments } from './mass-content.js';
import { giveBackHeld, MassProgress } from './mass-progress.js';

/**
 * Mass messages (群发). A task picks its recipients once, when it runs: the audience's customers of active
 * staff members (each customer through one member: the one they added first), less those at this month's
 * cap, those who refused promotions or WeCom, and those whose contact budget is spent — each left out row
 * keeps its reason. Then one add_msg_template per sender and 10,000 customers. WeCom only sends when each
 * member confirms on their phone; `MassProgress` polls who did and what each customer got.
 */
export const MASS_RUN_QUEUE = 'wecom.mass-run';
export const MASS_POLL_QUEUE = 'wecom.mass-poll';
/** How often a task awaiting confirmations is polled; also the watchdog for a run that stopped. */
export const MASS_POLL_EVERY_MS = 5 * 60_000;
/** A run that asked WeCom and has no msgid yet: another run's call may still be in flight. */
const IN_FLIGHT_MS = 2 * 60_000;
const BEIJING_MS = 8 * 3600_000;

export type MassTaskRow = {
  id: string; shop_id: string; name: string; chat_type: 'single' | 'group'; audience: WecomMassAudience; senders: string[]; text: string;
  attachments: WecomMassTaskBody['attachments']; send_at: Date; not_before: Date | null; status: WecomMassTaskStatus; prepared_at: Date | null;
  next_poll_at: Date | null; error: string | null; created_by: string | null; created_at: Date; started_at: Date | null; finished_at: Date | null;
};
export type MassSendRow = { task_id: string; userid: string; part: number; msgid: string | null; requested_at: Date | null; staff_status: number; send_time: Date | null; results_done: boolean; error: string | null };

/** The Beijing calendar month of `at`: its first instant and its number of days. */
export function beijingMonth(at: Date) {
  const b = new Date(at.getTime() + BEIJING_MS);
  const start = Date.UTC(b.getUTCFullYear(), b.getUTCMonth(), 1) - BEIJING_MS;
  return { start: new Date(start), days: new Date(Date.UTC(b.getUTCFullYear(), b.getUTCMonth() + 1, 0)).getUTCDate() };
}

export class WecomMass {
  readonly progress: MassProgress;

  constructor(
    private p: Platform,
    private corps: WecomCorps,
    private groups: GroupService,
    private messaging: MessagingService,
  ) {
    this.progress = new MassProgress(p, corps);
  }

  /** WeCom lets a customer receive as many mass messages a month as it has days; config may keep us lower. */
  monthlyCap(at: Date) {
    const days = beijingMonth(at).days;
    return Math.min(this.p.config.WECOM_MASS_MONTHLY_CAP ?? days, days);
  }

  async create(shopId: string, input: WecomMassTaskBody, createdBy: string) {
    await this.corps.requireCorp(shopId);
    if (input.audience.kind === 'segment') {
      try {
        await this.groups.get(shopId, input.audience.groupId);
      } catch (err) {
        if (err instanceof AppError && err.status === 404) throw notFound('Group', { field: 'audience.groupId' });
        throw err;
      }
    }
    if (input.audience.kind === 'tags') {
      const known = await rows<{ tag_id: string }>(this.p.db, sql`SELECT tag_id FROM wecom_corp_tags WHERE shop_id = ${shopId} AND NOT deleted AND tag_id = ANY(${pgArray(input.audience.tagIds)}::text[])`);
      const missing = input.audience.tagIds.findIndex((t) => !known.some((k) => k.tag_id === t));
      if (missing >= 0) throw badRequest('WECOM_TAG_UNKNOWN', 'Unknown corp tag (sync the tags first)', { field: `audience.tagIds.${missing}` });
    }
    if (input.senders.length) {
      const known = await rows<{ userid: string }>(this.p.db, sql`SELECT userid FROM wecom_staff WHERE shop_id = ${shopId} AND userid = ANY(${pgArray(input.senders)}::text[])`);
      const missing = input.senders.findIndex((u) => !known.some((k) => k.userid === u));
      if (missing >= 0) throw badRequest('WECOM_STAFF_UNKNOWN', 'Unknown staff member (sync the staff first)', { field: `senders.${missing}` });
    }
    const id = await this.p.database.transaction((tx) => this.insert(tx, shopId, input, createdBy));
    return this.progress.get(shopId, id);
  }

  /**
   * The task's row, and its run queued when it is due now, in the caller's transaction: a group SOP records
   * which steps it handed over in the same transaction as the tasks that carry them.
   */
  async insert(tx: Db, shopId: string, input: WecomMassTaskBody, createdBy: string | null) {
    const now = this.p.now();
    const sendAt = input.sendAt && input.sendAt.getTime() > now.getTime() ? input.sendAt : now;
    const due = sendAt.getTime() <= now.getTime();
    const [r] = await rows<{ id: string }>(tx, sql`
      INSERT INTO wecom_mass_tasks (shop_id, name, chat_type, audience, senders, text, attachments, send_at, status, next_poll_at, created_by)
      VALUES (${shopId}, ${input.name}, ${input.audience.kind === 'groups' ? 'group' : 'single'}, ${JSON.stringify(input.audience)}::jsonb, ${pgArray(input.senders)}::text[],
        ${input.text}, ${JSON.stringify(input.attachments)}::jsonb, ${sendAt.toISOString()}::timestamptz, ${due ? 'creating' : 'scheduled'},
        ${due ? new Date(now.getTime() + MASS_POLL_EVERY_MS).toISOString() : null}::timestamptz, ${createdBy})
      RETURNING id`);
    if (due) await this.p.jobs.send(MASS_RUN_QUEUE, { shopId, taskId: r!.id }, { tx });
    return r!.id;
  }

  async cancel(shopId: string, id: string) {
    const before = await this.progress.get(shopId, id);
    if (before.status !== 'scheduled') throw conflict('WECOM_MASS_NOT_SCHEDULED', 'Only a task that has not been created in WeCom yet can be cancelled', { field: 'status' });
    await this.p.database.transaction((tx) => tx.execute(sql`UPDATE wecom_mass_tasks SET status = 'cancelled', finished_at = now() WHERE id = ${id} AND shop_id = ${shopId} AND status = 'scheduled'`));
    return { before, after: await this.progress.get(shopId, id) };
  }

  /**
   * The scheduler's turn (every 30 s): scheduled tasks whose time has come, and tasks whose next poll is
   * due, are handed to jobs; moving next_poll_at in the same statement keeps them from being queued twice.
   */
  async tick() {
    const now = this.p.now();
    const later = new Date(now.getTime() + MASS_POLL_EVERY_MS).toISOString();
    return this.p.database.transaction(async (tx) => {
      const due = await rows<{ id: string; shop_id: string; status: string }>(tx, sql`
        UPDATE wecom_mass_tasks SET status = CASE WHEN status = 'scheduled' THEN 'creating' ELSE status END, next_poll_at = ${later}::timestamptz
        WHERE id IN (SELECT id FROM wecom_mass_tasks
          WHERE (status = 'scheduled' AND coalesce(not_before, send_at) <= ${now.toISOString()}::timestamptz)
             OR (status IN ('creating', 'sending') AND next_poll_at <= ${now.toISOString()}::timestamptz)
          ORDER BY coalesce(next_poll_at, send_at) LIMIT 200 FOR UPDATE SKIP LOCKED)
        RETURNING id, shop_id, status`);
      for (const t of due) await this.p.jobs.send(t.status === 'sending' ? MASS_POLL_QUEUE : MASS_RUN_QUEUE, { shopId: t.shop_id, taskId: t.id }, { tx });
      return due.length;
    });
  }

  /** Creates the task in WeCom: prepares the recipients once, then one add_msg_template per (sender, part) once. */
  async run(shopId: string, taskId: string) {
    const task = await this.progress.row(shopId, taskId);
    if (task.status !== 'creating') return;
    const now = this.p.now();
    const quietUntil = nextSendTime(await this.messaging.budget(shopId), 'wecom', now);
    if (!task.prepared_at && quietUntil.getTime() > now.getTime()) {
      // A task created now would ring staff phones in quiet hours; customers would get it at night.
      await this.p.database.transaction((tx) => tx.execute(sql`UPDATE wecom_mass_tasks SET status = 'scheduled', not_before = ${quietUntil.toISOString()}::timestamptz WHERE id = ${taskId} AND status = 'creating'`));
      return;
    }
    if (!task.prepared_at) await this.prepare(task);
    const corp = await this.corps.requireCorp(shopId);
    const client = this.corps.client(corp);
    const sends = await rows<MassSendRow>(this.p.db, sql`SELECT * FROM wecom_mass_sends WHERE task_id = ${taskId} AND msgid IS NULL AND error IS NULL ORDER BY userid, part`);
    for (const s of sends) {
      const targets = task.chat_type === 'single' ? (await rows<{ target: string }>(this.p.db, sql`SELECT target FROM wecom_mass_recipients WHERE task_id = ${taskId} AND userid = ${s.userid} AND part = ${s.part} AND status = 'pending' ORDER BY target`)).map((r) => r.target) : [];
      if (task.chat_type === 'single' && !targets.length) {
        await this.failSend(task, s, 'no recipient left');
        continue;
      }
      if (s.requested_at) {
        const found = await this.recover(client, task, s, targets);
        if (found) {
          await this.p.database.transaction((tx) => tx.execute(sql`UPDATE wecom_mass_sends SET msgid = ${found} WHERE task_id = ${taskId} AND userid = ${s.userid} AND part = ${s.part}`));
          continue;
        }
        if (now.getTime() - new Date(s.requested_at).getTime() < IN_FLIGHT_MS) throw new Error(`add_msg_template for ${s.userid} may still be in flight; retry later`);
      }
      // Claimed by this run alone (compare-and-set on requested_at); whoever loses finds the msgid later.
      const claimed = await this.p.database.transaction(async (tx) =>
        rows(tx, sql`UPDATE wecom_mass_sends SET requested_at = ${now.toISOString()}::timestamptz
          WHERE task_id = ${taskId} AND userid = ${s.userid} AND part = ${s.part} AND msgid IS NULL AND requested_at IS NOT DISTINCT FROM ${s.requested_at ? new Date(s.requested_at).toISOString() : null}::timestamptz RETURNING part`),
      );
      if (!claimed.length) continue;
      try {
        const chatIds = task.audience.kind === 'groups' ? task.audience.chatIds : undefined;
        const made = await client.addMsgTemplate({ chatType: task.chat_type, sender: s.userid, externalUserIds: task.chat_type === 'single' ? targets : undefined, chatIds, text: task.text || undefined, attachments: toWecomAttachments(task.attachments) });
        await this.p.database.transaction(async (tx) => {
          await tx.execute(sql`UPDATE wecom_mass_sends SET msgid = ${made.msgId} WHERE task_id = ${taskId} AND userid = ${s.userid} AND part = ${s.part}`);
          if (made.failList.length) await this.exclude(tx, task, sql`userid = ${s.userid} AND part = ${s.part} AND target = ANY(${pgArray(made.failList)}::text[])`, 'wecom_refused');
        });
      } catch (err) {
        if (!(err instanceof WeComApiError) || err.transient) throw err;
        await this.failSend(task, s, `${err.errcode} ${err.errmsg}`, err.errcode);
      }
    }
    await this.p.database.transaction(async (tx) => {
      const [left] = await rows<{ all: number; open: number; ok: number }>(tx, sql`
        SELECT count(*)::int AS all, count(*) FILTER (WHERE msgid IS NULL AND error IS NULL)::int AS open, count(*) FILTER (WHERE msgid IS NOT NULL)::int AS ok
        FROM wecom_mass_sends WHERE task_id = ${taskId}`);
      if (left!.open > 0) return;
      // Nobody to send to (all left out, or no active sender) is an outcome, not a failure; WeCom refusing every part is.
      const [status, error] = left!.ok > 0 ? ['sending', null] : left!.all === 0 ? ['done', 'no recipient: every customer was left out or no sender is active'] : ['failed', 'WeCom created no task'];
      await tx.execute(sql`
        UPDATE wecom_mass_tasks SET status = ${status}, error = ${error},
          finished_at = ${status === 'sending' ? null : now.toISOString()}::timestamptz,
          next_poll_at = ${status === 'sending' ? new Date(now.getTime() + MASS_POLL_EVERY_MS).toISOString() : null}::timestamptz
        WHERE id = ${taskId} AND status = 'creating'`);
    });
  }

  /**
   * Finds the task WeCom made for this (sender, part) when the run that asked died before storing its
   * msgid: same creator, same text, created since the request, not one of ours yet, and (for a split
   * audience) listing this part's first customer.
   */
  private async recover(client: ReturnType<WecomCorps['client']>, task: MassTaskRow, s: MassSendRow, targets: string[]) {
    const day = 86_400;
    const since = Math.floor(Math.min(new Date(s.requested_at!).getTime(), Date.now()) / 1000) - day;
    const until = Math.floor(Math.max(this.p.now().getTime(), Date.now()) / 1000) + day;
    const known = new Set((await rows<{ msgid: string }>(this.p.db, sql`SELECT msgid FROM wecom_mass_sends WHERE shop_id = ${task.shop_id} AND msgid IS NOT NULL`)).map((r) => r.msgid));
    let cursor = '';
    do {
      const page = await client.groupMsgList({ chatType: task.chat_type, startTime: since, endTime: until, creator: s.userid, cursor });
      for (const m of page.items) {
        if (known.has(m.msgId) || m.creator !== s.userid || m.text !== task.text) continue;
        if (task.chat_type === 'single') {
          const first = await client.groupMsgSendResult(m.msgId, s.userid);
          if (!first.items.some((x) => targets.includes(x.externalUserId))) continue;
        }
        return m.msgId;
      }
      cursor = page.nextCursor;
    } while (cursor);
    return null;
  }

  private async failSend(task: MassTaskRow, s: MassSendRow, error: string, errcode?: number) {
    await this.p.database.transaction(async (tx) => {
      await tx.execute(sql`UPDATE wecom_mass_sends SET error = ${error} WHERE task_id = ${task.id} AND userid = ${s.userid} AND part = ${s.part}`);
      await this.exclude(tx, task, sql`userid = ${s.userid} AND part = ${s.part}`, errcode ? `wecom:${errcode}` : 'wecom_refused');
    });
  }

  /** Leaves pending recipients out after all (WeCom refused them) and gives their budget back. */
  private async exclude(tx: Db, task: MassTaskRow, where: ReturnType<typeof sql>, reason: string) {
    const gone = await rows<{ customer_id: string | null; budget_day: number | null }>(tx, sql`
      WITH old AS (SELECT target, customer_id, budget_day FROM wecom_mass_recipients WHERE task_id = ${task.id} AND status = 'pending' AND ${where} FOR UPDATE),
      upd AS (UPDATE wecom_mass_recipients r SET status = 'excluded', reason = ${reason}, budget_day = NULL FROM old WHERE r.task_id = ${task.id} AND r.target = old.target
        RETURNING old.customer_id, old.budget_day)
      SELECT * FROM upd`);
    await giveBackHeld(tx, task.shop_id, gone);
  }

  /** Chooses the recipients once, in one transaction, serialized per shop so two tasks cannot both pass a cap. */
  private async prepare(task: MassTaskRow) {
    const segment = task.audience.kind === 'segment' ? await this.groups.allMemberIds(task.shop_id, task.audience.groupId).catch((err) => {
      if (err instanceof AppError && err.status === 404) return [] as string[];
      throw err;
    }) : null;
    const now = this.p.now();
    await this.p.database.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`wecom-mass:${task.shop_id}`}, 7))`);
      const [fresh] = await rows<{ prepared_at: Date | null }>(tx, sql`SELECT prepared_at FROM wecom_mass_tasks WHERE id = ${task.id} FOR UPDATE`);
      if (fresh!.prepared_at) return;
      if (task.chat_type === 'group') {
        // Group chats are only known per sender at confirmation; WeCom applies the cap to them itself.
        await tx.execute(sql`
          INSERT INTO wecom_mass_sends (task_id, shop_id, userid, part)
          SELECT ${task.id}, ${task.shop_id}, s.userid, 0 FROM wecom_staff s WHERE s.shop_id = ${task.shop_id} AND s.status = 1 AND s.userid = ANY(${pgArray(task.senders)}::text[])
          ON CONFLICT DO NOTHING`);
      } else {
        await this.prepareCustomers(tx, task, segment, now);
      }
      await tx.execute(sql`UPDATE wecom_mass_tasks SET prepared_at = ${now.toISOString()}::timestamptz, started_at = ${now.toISOString()}::timestamptz WHERE id = ${task.id}`);
    });
  }

  private async prepareCustomers(tx: Db, task: MassTaskRow, segment: string[] | null, now: Date) {
    const aud = task.audience;
    const filter = aud.kind === 'tags' ? sql`r.tag_ids && ${pgArray(aud.tagIds)}::text[]`
      : aud.kind === 'contacts' ? sql`r.external_userid = ANY(${pgArray(aud.externalUserIds)}::text[])`
      : sql`c.customer_id = ANY(${pgArray(segment ?? [])}::uuid[])`;
    const senders = task.senders.length ? sql`AND r.staff_userid = ANY(${pgArray(task.senders)}::text[])` : sql``;
    // Each customer through one member (the first who added them), as WeCom itself sends a customer one copy.
    const candidates = await rows<{ target: string; userid: string; customer_id: string | null }>(tx, sql`
      SELECT DISTINCT ON (r.external_userid) r.external_userid AS target, r.staff_userid AS userid, c.customer_id
      FROM wecom_relations r
      JOIN wecom_staff s ON s.shop_id = r.shop_id AND s.userid = r.staff_userid AND s.status = 1
      LEFT JOIN wecom_contacts c ON c.shop_id = r.shop_id AND c.external_userid = r.external_userid
      WHERE r.shop_id = ${task.shop_id} AND r.status = 'active' AND ${filter} ${senders}
      ORDER BY r.external_userid, r.added_at, r.staff_userid`);
    if (!candidates.length) return;
    const cap = this.monthlyCap(now);
    const month = beijingMonth(now);
    // What each customer got this month, or may still get (tasks not yet confirmed count: they may be).
    const got = new Map((await rows<{ target: string; n: number }>(tx, sql`
      SELECT target, count(*)::int AS n FROM wecom_mass_recipients
      WHERE shop_id = ${task.shop_id} AND NOT is_chat AND status IN ('pending', 'sent') AND coalesce(send_time, created_at) >= ${month.start.toISOString()}::timestamptz
        AND target = ANY(${pgArray(candidates.map((c) => c.target))}::text[])
      GROUP BY target`)).map((r) => [r.target, r.n]));
    const reasons = new Map<string, string>();
    for (const c of candidates) if ((got.get(c.target) ?? 0) >= cap) reasons.set(c.target, `monthly_cap:${cap}`);
    const linked = candidates.filter((c) => c.customer_id && !reasons.has(c.target));
    const decisions = await admitOutside(tx, task.shop_id, 'wecom', 'promotion', linked.map((c) => c.customer_id!), now);
    const days = new Map<string, number>();
    for (const c of linked) {
      const d = decisions.get(c.customer_id!)!;
      if (d.admitted) days.set(c.target, d.day);
      else reasons.set(c.target, d.reason);
    }
    // A sender's customers in parts of at most 10,000: one add_msg_template each.
    const seen = new Map<string, number>();
    const list = candidates.map((c) => {
      const included = !reasons.has(c.target);
      const n = included ? (seen.get(c.userid) ?? 0) : 0;
      if (included) seen.set(c.userid, n + 1);
      return { ...c, part: Math.floor(n / WECOM_MASS_MAX_PER_CALL), status: included ? 'pending' : 'excluded', reason: reasons.get(c.target) ?? null, day: days.get(c.target) ?? null };
    });
    for (let i = 0; i < list.length; i += 5000) {
      const chunk = list.slice(i, i + 5000);
      await tx.execute(sql`
        INSERT INTO wecom_mass_recipients (task_id, shop_id, target, userid, part, customer_id, status, reason, budget_day, created_at)
        SELECT ${task.id}, ${task.shop_id}, t, u, pt, c, st, rs, d, ${now.toISOString()}::timestamptz
        FROM unnest(${pgArray(chunk.map((x) => x.target))}::text[], ${pgArray(chunk.map((x) => x.userid))}::text[], ${pgArray(chunk.map((x) => x.part))}::int[],
          ${pgArray(chunk.map((x) => x.customer_id))}::uuid[], ${pgArray(chunk.map((x) => x.status))}::text[], ${pgArray(chunk.map((x) => x.reason))}::text[], ${pgArray(chunk.map((x) => x.day))}::int[])
          AS x(t, u, pt, c, st, rs, d)
        ON CONFLICT DO NOTHING`);
    }
    await tx.execute(sql`
      INSERT INTO wecom_mass_sends (task_id, shop_id, userid, part)
      SELECT DISTINCT ${task.id}::uuid, ${task.shop_id}::uuid, userid, part FROM wecom_mass_recipients WHERE task_id = ${task.id} AND status = 'pending'
      ON CONFLICT DO NOTHING`);
  }
}
