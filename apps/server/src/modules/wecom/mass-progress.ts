import type { WecomMassRecipientQuery, WecomMassTaskQuery } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { rows, sql } from '../../platform/db/index.js';
import { pgArray } from '../../platform/db/prepared.js';
import { notFound } from '../../platform/errors.js';
import { giveBackOutside } from '../messaging/external-budget.js';
import type { WecomCorps } from './corps.js';
import type { MassSendRow, MassTaskRow } from './mass.js';

/** WeCom's per-recipient send status (get_groupmsg_send_result) in our words. */
const RESULT: Record<number, 'pending' | 'sent' | 'not_friend' | 'received_other'> = { 0: 'pending', 1: 'sent', 2: 'not_friend', 3: 'received_other' };
/** After this long an unconfirmed part stops being polled; the budget it held is given back. */
export const MASS_TRACK_MS = 7 * 86_400_000;
const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/**
 * What became of a mass task: which staff members confirmed it (get_groupmsg_task) and what each customer
 * or group got (get_groupmsg_send_result, paged by cursor). A customer not sent (not a friend, another mass
 * message first, never confirmed) gives back the contact budget the task held for them.
 */
export class MassProgress {
  constructor(
    private p: Platform,
    private corps: WecomCorps,
  ) {}

  async row(shopId: string, id: string): Promise<MassTaskRow> {
    if (!isUuid(id)) throw notFound('Mass task', { field: 'id' });
    const [t] = await rows<MassTaskRow>(this.p.db, sql`SELECT * FROM wecom_mass_tasks WHERE id = ${id} AND shop_id = ${shopId}`);
    if (!t) throw notFound('Mass task', { field: 'id' });
    return t;
  }

  async poll(shopId: string, taskId: string) {
    const task = await this.row(shopId, taskId);
    if (task.status !== 'sending') return;
    const client = this.corps.client(await this.corps.requireCorp(shopId));
    const sends = await rows<MassSendRow>(this.p.db, sql`SELECT * FROM wecom_mass_sends WHERE task_id = ${taskId} AND msgid IS NOT NULL AND NOT results_done ORDER BY userid, part`);
    for (const s of sends) {
      let confirmed = s.staff_status === 2;
      let sendTime: number | null = null;
      if (!confirmed) {
        let cursor = '';
        do {
          const page = await client.groupMsgTask(s.msgid!, cursor);
          const mine = page.items.find((x) => x.userid === s.userid);
          if (mine) {
            confirmed = mine.status === 2;
            sendTime = mine.sendTime;
            break;
          }
          cursor = page.nextCursor;
        } while (cursor);
        if (!confirmed) continue;
      }
      const results: { target: string; isChat: boolean; status: number; sendTime: number | null }[] = [];
      let cursor = '';
      do {
        const page = await client.groupMsgSendResult(s.msgid!, s.userid, cursor);
        for (const x of page.items) results.push({ target: x.chatId || x.externalUserId, isChat: !!x.chatId, status: x.status, sendTime: x.sendTime });
        cursor = page.nextCursor;
      } while (cursor);
      await this.p.database.transaction(async (tx) => {
        const chats = results.filter((r) => r.isChat);
        if (chats.length) {
          await tx.execute(sql`
            INSERT INTO wecom_mass_recipients (task_id, shop_id, target, is_chat, userid, part, status, send_time)
            SELECT ${taskId}, ${shopId}, t, true, ${s.userid}, ${s.part}, st, to_timestamp(ts)
            FROM unnest(${pgArray(chats.map((c) => c.target))}::text[], ${pgArray(chats.map((c) => RESULT[c.status] ?? 'pending'))}::text[], ${pgArray(chats.map((c) => c.sendTime))}::bigint[]) AS x(t, st, ts)
            ON CONFLICT (task_id, target) DO UPDATE SET status = excluded.status, send_time = excluded.send_time`);
        }
        const single = results.filter((r) => !r.isChat && r.status !== 0);
        if (single.length) {
          const ended = await rows<{ customer_id: string | null; budget_day: number | null }>(tx, sql`
            WITH old AS (SELECT target, customer_id, budget_day FROM wecom_mass_recipients WHERE task_id = ${taskId} AND userid = ${s.userid} AND status = 'pending' FOR UPDATE),
            upd AS (
              UPDATE wecom_mass_recipients r SET status = x.st, send_time = to_timestamp(x.ts), budget_day = CASE WHEN x.st = 'sent' THEN r.budget_day END
              FROM unnest(${pgArray(single.map((c) => c.target))}::text[], ${pgArray(single.map((c) => RESULT[c.status] ?? 'pending'))}::text[], ${pgArray(single.map((c) => c.sendTime))}::bigint[]) AS x(t, st, ts), old
              WHERE r.task_id = ${taskId} AND r.target = x.t AND old.target = x.t
              RETURNING old.customer_id, old.budget_day, x.st)
            SELECT customer_id, budget_day FROM upd WHERE st <> 'sent'`);
          await giveBackHeld(tx, shopId, ended);
        }
        const open = results.some((r) => r.status === 0);
        await tx.execute(sql`
          UPDATE wecom_mass_sends SET staff_status = 2, send_time = coalesce(send_time, to_timestamp(${sendTime}::bigint)), results_done = ${!open}
          WHERE task_id = ${taskId} AND userid = ${s.userid} AND part = ${s.part}`);
      });
    }
    await this.finishIfDone(task);
  }

  /** Done when every part is confirmed and settled, or when tracking ends: pending customers are then unconfirmed. */
  private async finishIfDone(task: MassTaskRow) {
    const now = this.p.now();
    await this.p.database.transaction(async (tx) => {
      const [open] = await rows<{ n: number }>(tx, sql`SELECT count(*)::int AS n FROM wecom_mass_sends WHERE task_id = ${task.id} AND msgid IS NOT NULL AND NOT results_done`);
      // Raw rows carry timestamps as strings on some drivers: read them through Date.
      const expired = now.getTime() - new Date(task.started_at ?? task.created_at).getTime() > MASS_TRACK_MS;
      if (open!.n > 0 && !expired) return;
      const left = await rows<{ customer_id: string | null; budget_day: number | null }>(tx, sql`
        WITH old AS (SELECT target, customer_id, budget_day FROM wecom_mass_recipients WHERE task_id = ${task.id} AND status = 'pending' FOR UPDATE),
        upd AS (UPDATE wecom_mass_recipients r SET status = 'unconfirmed', budget_day = NULL FROM old WHERE r.task_id = ${task.id} AND r.target = old.target RETURNING old.customer_id, old.budget_day)
        SELECT * FROM upd`);
      await giveBackHeld(tx, task.shop_id, left);
      await tx.execute(sql`UPDATE wecom_mass_tasks SET status = 'done', finished_at = ${now.toISOString()}::timestamptz, next_poll_at = NULL WHERE id = ${task.id} AND status = 'sending'`);
    });
  }

  async list(shopId: string, q: WecomMassTaskQuery) {
    const where = sql`shop_id = ${shopId} ${q.status ? sql`AND status = ${q.status}` : sql``}`;
    const list = await rows<MassTaskRow>(this.p.db, sql`SELECT * FROM wecom_mass_tasks WHERE ${where} ORDER BY created_at DESC LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`);
    const [total] = await rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM wecom_mass_tasks WHERE ${where}`);
    const counts = await this.counts(list.map((t) => t.id));
    const staff = await rows<{ task_id: string; total: number; confirmed: number }>(this.p.db, sql`
      SELECT task_id, count(DISTINCT userid)::int AS total, count(DISTINCT userid) FILTER (WHERE staff_status = 2)::int AS confirmed
      FROM wecom_mass_sends WHERE task_id = ANY(${pgArray(list.map((t) => t.id))}::uuid[]) AND msgid IS NOT NULL GROUP BY task_id`);
    return {
      items: list.map((t) => ({ ...this.view(t), recipients: counts.get(t.id) ?? emptyCounts(), staff: { total: staff.find((s) => s.task_id === t.id)?.total ?? 0, confirmed: staff.find((s) => s.task_id === t.id)?.confirmed ?? 0 } })),
      total: total!.n, page: q.page, pageSize: q.pageSize,
    };
  }

  /** The task with its confirmation progress per staff member and its recipients counted by status and reason. */
  async get(shopId: string, id: string) {
    const t = await this.row(shopId, id);
    const staff = await rows<{ userid: string; name: string | null; parts: number; created: number; confirmed: number; send_time: Date | null; error: string | null; status: string | null; n: number | null }>(this.p.db, sql`
      SELECT s.userid, st.name, count(*)::int AS parts, count(s.msgid)::int AS created, count(*) FILTER (WHERE s.staff_status = 2)::int AS confirmed,
        max(s.send_time) AS send_time, max(s.error) AS error
      FROM wecom_mass_sends s LEFT JOIN wecom_staff st ON st.shop_id = s.shop_id AND st.userid = s.userid
      WHERE s.task_id = ${t.id} GROUP BY s.userid, st.name ORDER BY s.userid`);
    const perStaff = await rows<{ userid: string; status: string; n: number }>(this.p.db, sql`
      SELECT userid, status, count(*)::int AS n FROM wecom_mass_recipients WHERE task_id = ${t.id} AND status <> 'excluded' GROUP BY 1, 2`);
    const reasons = await rows<{ reason: string; n: number }>(this.p.db, sql`
      SELECT coalesce(reason, 'unknown') AS reason, count(*)::int AS n FROM wecom_mass_recipients WHERE task_id = ${t.id} AND status = 'excluded' GROUP BY 1 ORDER BY 1`);
    return {
      ...this.view(t),
      recipients: (await this.counts([t.id])).get(t.id) ?? emptyCounts(),
      excludedReasons: Object.fromEntries(reasons.map((r) => [r.reason, r.n])),
      staff: staff.map((s) => {
        const mine = perStaff.filter((x) => x.userid === s.userid);
        const by = (k: string) => mine.find((x) => x.status === k)?.n ?? 0;
        return {
          userid: s.userid, name: s.name ?? s.userid,
          status: s.created === 0 ? (s.error ? 'failed' : 'creating') : s.confirmed === s.created ? 'sent' : 'pending',
          sendTime: s.send_time, error: s.error,
          recipients: { total: mine.reduce((a, x) => a + x.n, 0), pending: by('pending'), sent: by('sent'), notFriend: by('not_friend'), receivedOther: by('received_other'), unconfirmed: by('unconfirmed') },
        };
      }),
    };
  }

  async recipients(shopId: string, id: string, q: WecomMassRecipientQuery) {
    const t = await this.row(shopId, id);
    const where = sql`r.task_id = ${t.id} ${q.status ? sql`AND r.status = ${q.status}` : sql``} ${q.staff ? sql`AND r.userid = ${q.staff}` : sql``}`;
    const list = await rows<{ target: string; is_chat: boolean; userid: string; customer_id: string | null; status: string; reason: string | null; send_time: Date | null; name: string | null }>(this.p.db, sql`
      SELECT r.target, r.is_chat, r.userid, r.customer_id, r.status, r.reason, r.send_time, c.name FROM wecom_mass_recipients r
      LEFT JOIN wecom_contacts c ON c.shop_id = r.shop_id AND c.external_userid = r.target
      WHERE ${where} ORDER BY r.status, r.target LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`);
    const [total] = await rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM wecom_mass_recipients r WHERE ${where}`);
    return {
      items: list.map((r) => ({
        externalUserId: r.is_chat ? null : r.target, chatId: r.is_chat ? r.target : null, name: r.name, userid: r.userid, customerId: r.customer_id, status: r.status, reason: r.reason, sendTime: r.send_time,
      })),
      total: total!.n, page: q.page, pageSize: q.pageSize,
    };
  }

  private async counts(ids: string[]) {
    const out = new Map<string, ReturnType<typeof emptyCounts>>();
    if (!ids.length) return out;
    for (const r of await rows<{ task_id: string; status: string; n: number }>(this.p.db, sql`
      SELECT task_id, status, count(*)::int AS n FROM wecom_mass_recipients WHERE task_id = ANY(${pgArray(ids)}::uuid[]) GROUP BY 1, 2`)) {
      const c = out.get(r.task_id) ?? emptyCounts();
      const key = ({ excluded: 'excluded', pending: 'pending', sent: 'sent', not_friend: 'notFriend', received_other: 'receivedOther', unconfirmed: 'unconfirmed' } as const)[r.status as 'sent'];
      if (key) c[key] += r.n;
      c.total += r.n;
      out.set(r.task_id, c);
    }
    return out;
  }

  view(t: MassTaskRow) {
    return {
      id: t.id, name: t.name, chatType: t.chat_type, audience: t.audience, senders: t.senders, text: t.text, attachments: t.attachments,
      sendAt: t.send_at, notBefore: t.not_before, status: t.status, error: t.error, createdBy: t.created_by, createdAt: t.created_at, startedAt: t.started_at, finishedAt: t.finished_at,
    };
  }
}

const emptyCounts = () => ({ total: 0, excluded: 0, pending: 0, sent: 0, notFriend: 0, receivedOther: 0, unconfirmed: 0 });

/** Gives back the contact budget held for recipients who will not get the message. */
export async function giveBackHeld(tx: Parameters<typeof giveBackOutside>[0], shopId: string, list: { customer_id: string | null; budget_day: number | null }[]) {
  await giveBackOutside(tx, shopId, 'wecom', list.filter((x) => x.customer_id && x.budget_day !== null).map((x) => ({ customerId: x.customer_id!, day: x.budget_day! })));
}

