import type { WecomGroupMemberQuery, WecomGroupQuery } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { escapeLike, rows, sql, type Db } from '../../platform/db/index.js';
import { pgArray } from '../../platform/db/prepared.js';
import { notFound } from '../../platform/errors.js';
import { WeComApiError, type GroupChatDetail } from './client/wecom-client.js';
import type { WecomCorps } from './corps.js';

/** How many groupchat/get calls one sync keeps in flight: WeCom limits a corp's calls per minute, not per second. */
const FETCH_CONCURRENCY = 4;
/** WeCom's answer for a chat that was dismissed (or never was). */
const CHAT_GONE = new Set([40050, 90501]);

type ChatRow = { chat_id: string; name: string; owner: string; owner_name: string | null; status: number; member_count: number; customer_count: number; created_at: Date | null; notice: string; synced_at: Date; joined7d: number; left7d: number };
type MemberRow = { member_id: string; kind: number; name: string; join_time: Date; join_scene: number; state: string | null; invitor: string | null; left_at: Date | null; customer_id: string | null; unionid: string | null };

/** Timestamps as ISO strings: raw SQL rows carry them as the driver gives them (PGlite: text). */
export const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/**
 * Customer groups (客户群) and their members as WeCom has them: pulled whole in the staff sync, and one chat
 * again on each change_external_chat callback. A member who left keeps their row (left_at), so joins and
 * quits per day and per group code stay countable; a dismissed chat goes, members and all.
 */
export class WecomGroups {
  constructor(
    private p: Platform,
    private corps: WecomCorps,
  ) {}

  /** Pulls the chats of the given owners (every chat when none are given) with their members. */
  async sync(shopId: string, owners: string[] = [], onProgress?: (done: number, total: number) => Promise<void>) {
    const client = this.corps.client(await this.corps.requireCorp(shopId));
    const listed: { chatId: string; status: number }[] = [];
    let cursor = '';
    do {
      const page = await client.groupChats({ owners, cursor });
      listed.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    let next = 0;
    let done = 0;
    const fetched: Array<GroupChatDetail & { status: number }> = [];
    const worker = async () => {
      while (next < listed.length) {
        const c = listed[next++]!;
        try {
          fetched.push({ ...(await client.groupChat(c.chatId)), status: c.status });
        } catch (err) {
          // Dismissed between the list and the get: it is simply not there any more.
          if (!(err instanceof WeComApiError && CHAT_GONE.has(err.errcode))) throw err;
        }
        done++;
        if (onProgress && done % 50 === 0) await onProgress(done, listed.length);
      }
    };
    await Promise.all(Array.from({ length: FETCH_CONCURRENCY }, worker));
    await this.p.database.transaction(async (tx) => {
      for (const c of fetched) await this.store(tx, shopId, c);
      // Chats of these owners that WeCom no longer lists were dismissed or moved on.
      const ids = pgArray(fetched.map((c) => c.chatId));
      if (owners.length) await tx.execute(sql`DELETE FROM wecom_group_chats WHERE shop_id = ${shopId} AND owner = ANY(${pgArray(owners)}::text[]) AND NOT (chat_id = ANY(${ids}::text[]))`);
      else await tx.execute(sql`DELETE FROM wecom_group_chats WHERE shop_id = ${shopId} AND NOT (chat_id = ANY(${ids}::text[]))`);
    });
    if (onProgress) await onProgress(listed.length, listed.length);
    return fetched.length;
  }

  /** A change_external_chat callback: the chat as it is now (or gone, when dismissed). */
  async chatChanged(shopId: string, f: Record<string, string>) {
    const chatId = f.ChatId;
    if (!chatId) return;
    if (f.ChangeType === 'dismiss') {
      await this.p.database.transaction((tx) => tx.execute(sql`DELETE FROM wecom_group_chats WHERE shop_id = ${shopId} AND chat_id = ${chatId}`));
      return;
    }
    const client = this.corps.client(await this.corps.requireCorp(shopId));
    let chat: GroupChatDetail;
    try {
      chat = await client.groupChat(chatId);
    } catch (err) {
      if (err instanceof WeComApiError && CHAT_GONE.has(err.errcode)) return;
      throw err;
    }
    await this.p.database.transaction((tx) => this.store(tx, shopId, { ...chat, status: 0 }, { keepStatus: true }));
  }

  /** One chat and its members, set-wise: members not listed any more are marked as having left now. */
  private async store(tx: Db, shopId: string, c: GroupChatDetail & { status: number }, opts: { keepStatus?: boolean } = {}) {
    const customers = c.members.filter((m) => m.kind === 2).length;
    const created = c.createTime ? new Date(c.createTime * 1000).toISOString() : null;
    await tx.execute(sql`
      INSERT INTO wecom_group_chats (shop_id, chat_id, name, owner, status, member_count, customer_count, created_at, notice)
      VALUES (${shopId}, ${c.chatId}, ${c.name}, ${c.owner}, ${c.status}, ${c.memberCount}, ${customers}, ${created}::timestamptz, ${c.notice})
      ON CONFLICT (shop_id, chat_id) DO UPDATE SET name = excluded.name, owner = excluded.owner,
        status = ${opts.keepStatus ? sql`wecom_group_chats.status` : sql`excluded.status`}, member_count = excluded.member_count,
        customer_count = excluded.customer_count, created_at = coalesce(excluded.created_at, wecom_group_chats.created_at), notice = excluded.notice, synced_at = now()`);
    const m = c.members;
    if (m.length) {
      await tx.execute(sql`
        INSERT INTO wecom_group_members (shop_id, chat_id, member_id, kind, name, unionid, join_time, join_scene, invitor, state)
        SELECT ${shopId}, ${c.chatId}, id, k, n, u, to_timestamp(jt), js, inv, st
        FROM unnest(${pgArray(m.map((x) => x.memberId))}::text[], ${pgArray(m.map((x) => x.kind))}::smallint[], ${pgArray(m.map((x) => x.name))}::text[],
          ${pgArray(m.map((x) => x.unionid))}::text[], ${pgArray(m.map((x) => x.joinTime))}::bigint[], ${pgArray(m.map((x) => x.joinScene))}::smallint[],
          ${pgArray(m.map((x) => x.invitor))}::text[], ${pgArray(m.map((x) => x.state))}::text[]) AS v(id, k, n, u, jt, js, inv, st)
        ON CONFLICT (shop_id, chat_id, member_id) DO UPDATE SET kind = excluded.kind, name = excluded.name, unionid = coalesce(excluded.unionid, wecom_group_members.unionid),
          join_time = excluded.join_time, join_scene = excluded.join_scene, invitor = excluded.invitor, state = excluded.state, left_at = NULL`);
    }
    await tx.execute(sql`
      UPDATE wecom_group_members SET left_at = ${this.p.now().toISOString()}::timestamptz
      WHERE shop_id = ${shopId} AND chat_id = ${c.chatId} AND left_at IS NULL AND NOT (member_id = ANY(${pgArray(m.map((x) => x.memberId))}::text[]))`);
  }

  private async chatRows(shopId: string, where: ReturnType<typeof sql>, tail: ReturnType<typeof sql> = sql``) {
    const weekAgo = new Date(this.p.now().getTime() - 7 * 86_400_000).toISOString();
    return rows<ChatRow>(this.p.db, sql`
      SELECT c.*, s.name AS owner_name,
        (SELECT count(*)::int FROM wecom_group_members m WHERE m.shop_id = c.shop_id AND m.chat_id = c.chat_id AND m.kind = 2 AND m.join_time >= ${weekAgo}::timestamptz) AS joined7d,
        (SELECT count(*)::int FROM wecom_group_members m WHERE m.shop_id = c.shop_id AND m.chat_id = c.chat_id AND m.kind = 2 AND m.left_at >= ${weekAgo}::timestamptz) AS left7d
      FROM wecom_group_chats c LEFT JOIN wecom_staff s ON s.shop_id = c.shop_id AND s.userid = c.owner
      WHERE c.shop_id = ${shopId} AND ${where}
      ORDER BY c.created_at DESC NULLS LAST, c.chat_id ${tail}`);
  }

  private view(c: ChatRow) {
    return {
      chatId: c.chat_id, name: c.name, owner: c.owner, ownerName: c.owner_name, status: c.status, memberCount: c.member_count, customerCount: c.customer_count,
      createdAt: iso(c.created_at), notice: c.notice, syncedAt: iso(c.synced_at), joined7d: c.joined7d, left7d: c.left7d,
    };
  }

  async list(shopId: string, q: WecomGroupQuery) {
    const where = sql`${q.owner ? sql`c.owner = ${q.owner}` : sql`TRUE`} AND ${q.q ? sql`c.name ILIKE ${`%${escapeLike(q.q)}%`}` : sql`TRUE`}`;
    const [{ total }] = (await rows<{ total: number }>(this.p.db, sql`SELECT count(*)::int AS total FROM wecom_group_chats c WHERE c.shop_id = ${shopId} AND ${where}`)) as [{ total: number }];
    const items = await this.chatRows(shopId, where, sql`LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`);
    return { items: items.map((c) => this.view(c)), total };
  }

  async get(shopId: string, chatId: string) {
    const [c] = await this.chatRows(shopId, sql`c.chat_id = ${chatId}`);
    if (!c) throw notFound('Customer group', { field: 'chatId' });
    const [counts] = await rows<{ staff: number; customers: number }>(this.p.db, sql`
      SELECT count(*) FILTER (WHERE kind = 1)::int AS staff, count(*) FILTER (WHERE kind = 2)::int AS customers
      FROM wecom_group_members WHERE shop_id = ${shopId} AND chat_id = ${chatId} AND left_at IS NULL`);
    return { ...this.view(c), members: counts! };
  }

  async members(shopId: string, chatId: string, q: WecomGroupMemberQuery) {
    await this.get(shopId, chatId);
    const presence = q.presence === 'current' ? sql`m.left_at IS NULL` : q.presence === 'left' ? sql`m.left_at IS NOT NULL` : sql`TRUE`;
    const [{ total }] = (await rows<{ total: number }>(this.p.db, sql`SELECT count(*)::int AS total FROM wecom_group_members m WHERE m.shop_id = ${shopId} AND m.chat_id = ${chatId} AND ${presence}`)) as [{ total: number }];
    const list = await rows<MemberRow>(this.p.db, sql`
      SELECT m.*, ct.customer_id FROM wecom_group_members m
      LEFT JOIN wecom_contacts ct ON ct.shop_id = m.shop_id AND ct.external_userid = m.member_id
      WHERE m.shop_id = ${shopId} AND m.chat_id = ${chatId} AND ${presence}
      ORDER BY m.kind, m.join_time DESC, m.member_id LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`);
    return {
      items: list.map((m) => ({
        memberId: m.member_id, kind: m.kind === 1 ? 'staff' : 'customer', name: m.name, joinTime: iso(m.join_time), joinScene: m.join_scene, state: m.state,
        invitor: m.invitor, leftAt: iso(m.left_at), customerId: m.customer_id,
      })),
      total,
    };
  }

  /** Groups and customers now, and customers joining and leaving per Beijing day for the last 30 days. */
  async overview(shopId: string) {
    const now = this.p.now();
    const BJ = 8 * 3_600_000;
    const todayStart = new Date(Math.floor((now.getTime() + BJ) / 86_400_000) * 86_400_000 - BJ);
    const from = new Date(todayStart.getTime() - 29 * 86_400_000);
    const [totals] = await rows<{ groups: number; customers: number }>(this.p.db, sql`
      SELECT (SELECT count(*)::int FROM wecom_group_chats WHERE shop_id = ${shopId}) AS groups,
        (SELECT count(DISTINCT member_id)::int FROM wecom_group_members WHERE shop_id = ${shopId} AND kind = 2 AND left_at IS NULL) AS customers`);
    const byDay = await rows<{ day: string; joined: number; left: number }>(this.p.db, sql`
      SELECT day, sum(joined)::int AS joined, sum(left_)::int AS left FROM (
        SELECT to_char((join_time AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM-DD') AS day, 1 AS joined, 0 AS left_
          FROM wecom_group_members WHERE shop_id = ${shopId} AND kind = 2 AND join_time >= ${from.toISOString()}::timestamptz
        UNION ALL
        SELECT to_char((left_at AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM-DD'), 0, 1
          FROM wecom_group_members WHERE shop_id = ${shopId} AND kind = 2 AND left_at >= ${from.toISOString()}::timestamptz
      ) x GROUP BY day`);
    const got = new Map(byDay.map((d) => [d.day, d]));
    const days = Array.from({ length: 30 }, (_, i) => {
      const day = new Date(from.getTime() + i * 86_400_000 + BJ).toISOString().slice(0, 10);
      return { day, joined: got.get(day)?.joined ?? 0, left: got.get(day)?.left ?? 0 };
    });
    const today = days[days.length - 1]!;
    return { groups: totals!.groups, customers: totals!.customers, joinedToday: today.joined, leftToday: today.left, days };
  }
}
