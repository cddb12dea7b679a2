import { randomBytes } from 'node:crypto';
import type { WecomGroupCodeBody } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { rows, sql } from '../../platform/db/index.js';
import { pgArray } from '../../platform/db/prepared.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { WeComApiError, type JoinWayInput } from './client/wecom-client.js';
import { vendorRefusal, type WecomCorps } from './corps.js';
import { iso } from './groups.js';

type GroupCodeRow = {
  id: string; shop_id: string; name: string; state: string; config_id: string; qr_code: string; chat_ids: string[]; auto_create_room: boolean;
  room_base_name: string; room_base_id: number; created_at: Date; updated_at: Date; deleted_at: Date | null;
};

/** WeCom's errcode for a config_id it does not know (deleted in its own console). */
const UNKNOWN_CONFIG = 41044;

/**
 * Group codes (群活码): one WeCom join way each, told apart by a short `state` that WeCom writes on every
 * member who joins through it, which is what the statistics count. When every named group is full, WeCom
 * opens the next one itself; the code then lists it (get_join_way), so it is read back after each change.
 */
export class GroupCodes {
  constructor(
    private p: Platform,
    private corps: WecomCorps,
  ) {}

  private async freeState(shopId: string, wanted: string | undefined, exceptId?: string) {
    for (let i = 0; i < 5; i++) {
      const state = wanted ?? `g${randomBytes(8).toString('base64url').replace(/[-_]/g, '').slice(0, 10).toLowerCase()}`;
      const [taken] = await rows<{ id: string }>(this.p.db, sql`SELECT id FROM wecom_group_codes WHERE shop_id = ${shopId} AND state = ${state}`);
      if (!taken || taken.id === exceptId) return state;
      if (wanted) throw conflict('WECOM_STATE_TAKEN', 'Another group code of the shop uses this state', { field: 'state' });
    }
    throw conflict('WECOM_STATE_TAKEN', 'Could not find a free state', { field: 'state' });
  }

  /** Every chat must be a known customer group: WeCom would refuse the way with one errcode for all. */
  private async checkChats(shopId: string, chatIds: string[]) {
    const known = new Set((await rows<{ chat_id: string }>(this.p.db, sql`SELECT chat_id FROM wecom_group_chats WHERE shop_id = ${shopId} AND chat_id = ANY(${pgArray(chatIds)}::text[])`)).map((r) => r.chat_id));
    const missing = chatIds.findIndex((c) => !known.has(c));
    if (missing >= 0) throw badRequest('WECOM_GROUP_UNKNOWN', 'Not a customer group of the corp (sync the groups first)', { field: `chatIds.${missing}` });
  }

  private way(input: WecomGroupCodeBody, state: string): JoinWayInput {
    return { remark: input.name.slice(0, 30), state, chatIds: input.chatIds, autoCreateRoom: input.autoCreateRoom, roomBaseName: input.roomBaseName, roomBaseId: input.roomBaseId };
  }

  private vendorError(err: unknown): never {
    if (err instanceof WeComApiError) throw vendorRefusal(err, err.errcode === 40050 ? 'chatIds' : err.errcode === 40058 ? 'state' : 'config');
    throw err;
  }

  async create(shopId: string, input: WecomGroupCodeBody) {
    const corp = await this.corps.requireCorp(shopId);
    await this.checkChats(shopId, input.chatIds);
    const state = await this.freeState(shopId, input.state);
    const client = this.corps.client(corp);
    let made: { configId: string; qrCode: string };
    try {
      const { configId } = await client.addJoinWay(this.way(input, state));
      made = { configId, qrCode: (await client.getJoinWay(configId)).qrCode };
    } catch (err) {
      this.vendorError(err);
    }
    try {
      const [r] = await this.p.database.transaction((tx) => rows<GroupCodeRow>(tx, sql`
        INSERT INTO wecom_group_codes (shop_id, name, state, config_id, qr_code, chat_ids, auto_create_room, room_base_name, room_base_id)
        VALUES (${shopId}, ${input.name}, ${state}, ${made.configId}, ${made.qrCode}, ${pgArray(input.chatIds)}::text[], ${input.autoCreateRoom}, ${input.roomBaseName}, ${input.roomBaseId})
        RETURNING *`));
      return this.view(shopId, r!);
    } catch (err) {
      // Not recorded (a racing code took the state): the way must not live on in WeCom unnamed.
      await client.delJoinWay(made.configId).catch((e) => this.p.log.warn({ err: e, configId: made.configId }, 'orphan join way not deleted'));
      if (err instanceof Error && /wecom_group_codes_state|unique/i.test(err.message)) throw conflict('WECOM_STATE_TAKEN', 'Another group code of the shop uses this state', { field: 'state' });
      throw err;
    }
  }

  async update(shopId: string, id: string, input: WecomGroupCodeBody) {
    const before = await this.row(shopId, id);
    const corp = await this.corps.requireCorp(shopId);
    await this.checkChats(shopId, input.chatIds);
    const state = await this.freeState(shopId, input.state ?? before.state, id);
    const client = this.corps.client(corp);
    let chatIds: string[];
    let roomBaseId: number;
    try {
      await client.updateJoinWay(before.config_id, this.way(input, state));
      ({ chatIds, roomBaseId } = await client.getJoinWay(before.config_id));
    } catch (err) {
      this.vendorError(err);
    }
    const [r] = await this.p.database.transaction((tx) => rows<GroupCodeRow>(tx, sql`
      UPDATE wecom_group_codes SET name = ${input.name}, state = ${state}, chat_ids = ${pgArray(chatIds.length ? chatIds : input.chatIds)}::text[], auto_create_room = ${input.autoCreateRoom},
        room_base_name = ${input.roomBaseName}, room_base_id = ${roomBaseId || input.roomBaseId}, updated_at = now()
      WHERE shop_id = ${shopId} AND id = ${id} RETURNING *`));
    return { before: await this.view(shopId, before), after: await this.view(shopId, r!) };
  }

  async remove(shopId: string, id: string) {
    const before = await this.row(shopId, id);
    const corp = await this.corps.requireCorp(shopId);
    try {
      await this.corps.client(corp).delJoinWay(before.config_id);
    } catch (err) {
      if (!(err instanceof WeComApiError && err.errcode === UNKNOWN_CONFIG)) this.vendorError(err);
    }
    await this.p.database.transaction((tx) => tx.execute(sql`UPDATE wecom_group_codes SET deleted_at = now(), updated_at = now() WHERE shop_id = ${shopId} AND id = ${id}`));
    return this.view(shopId, before);
  }

  /** WeCom adds the groups it opened to the way: read it back, so the console shows where people go now. */
  private async refreshChats(shopId: string, r: GroupCodeRow): Promise<GroupCodeRow> {
    try {
      const w = await this.corps.client(await this.corps.requireCorp(shopId)).getJoinWay(r.config_id);
      if (w.chatIds.length && (w.chatIds.join() !== r.chat_ids.join() || w.roomBaseId !== r.room_base_id)) {
        const [u] = await this.p.database.transaction((tx) => rows<GroupCodeRow>(tx, sql`
          UPDATE wecom_group_codes SET chat_ids = ${pgArray(w.chatIds)}::text[], room_base_id = ${w.roomBaseId || r.room_base_id} WHERE id = ${r.id} RETURNING *`));
        return u ?? r;
      }
    } catch (err) {
      if (!(err instanceof WeComApiError)) throw err;
      this.p.log.warn({ errcode: err.errcode, id: r.id }, 'group code not read back from WeCom');
    }
    return r;
  }

  private async row(shopId: string, id: string, opts: { deletedToo?: boolean } = {}) {
    const [r] = await rows<GroupCodeRow>(this.p.db, sql`SELECT * FROM wecom_group_codes WHERE shop_id = ${shopId} AND id = ${id} ${opts.deletedToo ? sql`` : sql`AND deleted_at IS NULL`}`);
    if (!r) throw notFound('Group code', { field: 'id' });
    return r;
  }

  private async view(shopId: string, r: GroupCodeRow) {
    const chats = await rows<{ chat_id: string; name: string; member_count: number }>(this.p.db, sql`
      SELECT chat_id, name, member_count FROM wecom_group_chats WHERE shop_id = ${shopId} AND chat_id = ANY(${pgArray(r.chat_ids)}::text[])`);
    const byId = new Map(chats.map((c) => [c.chat_id, c]));
    return {
      id: r.id, name: r.name, state: r.state, configId: r.config_id, qrCode: r.qr_code, chatIds: r.chat_ids,
      chats: r.chat_ids.map((c) => ({ chatId: c, name: byId.get(c)?.name ?? '', memberCount: byId.get(c)?.member_count ?? 0 })),
      autoCreateRoom: r.auto_create_room, roomBaseName: r.room_base_name, roomBaseId: r.room_base_id, createdAt: iso(r.created_at), updatedAt: iso(r.updated_at), deletedAt: iso(r.deleted_at),
    };
  }

  async get(shopId: string, id: string) {
    return this.view(shopId, await this.refreshChats(shopId, await this.row(shopId, id)));
  }

  async list(shopId: string) {
    const list = await rows<GroupCodeRow>(this.p.db, sql`SELECT * FROM wecom_group_codes WHERE shop_id = ${shopId} AND deleted_at IS NULL ORDER BY created_at DESC`);
    return { items: await Promise.all(list.map((r) => this.view(shopId, r))) };
  }

  /** Joins through the code (by its state), who is still in, per Beijing day (30 days) and per group. */
  async stats(shopId: string, id: string) {
    const code = await this.row(shopId, id, { deletedToo: true });
    const [t] = await rows<{ joins: number; still_in: number; left: number }>(this.p.db, sql`
      SELECT count(*)::int AS joins, count(*) FILTER (WHERE left_at IS NULL)::int AS still_in, count(*) FILTER (WHERE left_at IS NOT NULL)::int AS left
      FROM wecom_group_members WHERE shop_id = ${shopId} AND state = ${code.state} AND kind = 2`);
    const BJ = 8 * 3_600_000;
    const now = this.p.now();
    const from = new Date(Math.floor((now.getTime() + BJ) / 86_400_000) * 86_400_000 - BJ - 29 * 86_400_000);
    const perDay = await rows<{ day: string; joins: number }>(this.p.db, sql`
      SELECT to_char((join_time AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM-DD') AS day, count(*)::int AS joins
      FROM wecom_group_members WHERE shop_id = ${shopId} AND state = ${code.state} AND kind = 2 AND join_time >= ${from.toISOString()}::timestamptz GROUP BY 1`);
    const got = new Map(perDay.map((d) => [d.day, d.joins]));
    const days = Array.from({ length: 30 }, (_, i) => {
      const day = new Date(from.getTime() + i * 86_400_000 + BJ).toISOString().slice(0, 10);
      return { day, joins: got.get(day) ?? 0 };
    });
    const chats = await rows<{ chat_id: string; name: string; joins: number; member_count: number }>(this.p.db, sql`
      SELECT m.chat_id, coalesce(c.name, '') AS name, count(*)::int AS joins, coalesce(max(c.member_count), 0)::int AS member_count
      FROM wecom_group_members m LEFT JOIN wecom_group_chats c ON c.shop_id = m.shop_id AND c.chat_id = m.chat_id
      WHERE m.shop_id = ${shopId} AND m.state = ${code.state} AND m.kind = 2 GROUP BY m.chat_id, c.name ORDER BY joins DESC`);
    return { joins: t!.joins, stillIn: t!.still_in, left: t!.left, days, chats: chats.map((c) => ({ chatId: c.chat_id, name: c.name, joins: c.joins, memberCount: c.member_count })) };
  }
}
