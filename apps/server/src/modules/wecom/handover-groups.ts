import { WECOM_TRANSFER_CHUNK } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { pgArray } from '../../platform/db/prepared.js';
import { rows, sql } from '../../platform/db/index.js';
import { unprocessable } from '../../platform/errors.js';
import { WeComApiError, type WeComClient } from './client/wecom-client.js';
import type { WecomCorps } from './corps.js';
import type { WecomGroups } from './groups.js';
import type { HandoverRow, Refusal } from './handover.js';

/** WeCom's answer when the new owner already owns the chat: a repeated transfer that already happened. */
const ALREADY_OWNER = 90503;

/**
 * The customer groups (客户群) side of a handover: which chats a staff member owns (groupchat/list + get),
 * and their transfer to the taker (groupchat/onjob_transfer, or groupchat/transfer for a leaver's), which
 * WeCom does at once and answers with the chats it could not move.
 */
export class HandoverGroups {
  constructor(
    private p: Platform,
    private corps: WecomCorps,
    private groups: WecomGroups,
  ) {}

  /** The chats of these owners as WeCom has them now (the customer groups' own sync). */
  sync(shopId: string, owners: string[] = []) {
    return this.groups.sync(shopId, owners);
  }

  /** The owner's chats as WeCom has them now, for choosing what to hand over. */
  async ofOwner(shopId: string, owner: string) {
    await this.sync(shopId, [owner]);
    const list = await rows<{ chat_id: string; name: string; owner: string; status: number; member_count: number; synced_at: Date }>(this.p.db, sql`
      SELECT * FROM wecom_group_chats WHERE shop_id = ${shopId} AND owner = ${owner} ORDER BY name, chat_id`);
    return { items: list.map((c) => ({ chatId: c.chat_id, name: c.name, owner: c.owner, status: c.status, memberCount: c.member_count, syncedAt: c.synced_at })) };
  }

  /** The chats a handover names that it can send; the others go to `refusals` with the reason. */
  async choose(shopId: string, input: { handoverUserid: string; chatIds: string[]; allGroups: boolean }, refusals: Refusal[]) {
    if (input.allGroups) await this.sync(shopId, [input.handoverUserid]);
    const named = input.chatIds.length
      ? await rows<{ chat_id: string; name: string; owner: string }>(this.p.db, sql`SELECT chat_id, name, owner FROM wecom_group_chats WHERE shop_id = ${shopId} AND chat_id = ANY(${pgArray(input.chatIds)}::text[])`)
      : [];
    const found = new Map(named.map((c) => [c.chat_id, c]));
    input.chatIds.forEach((id, i) => {
      if (!found.has(id)) throw unprocessable('WECOM_GROUP_UNKNOWN', 'Not a customer group of the corp (sync the owner’s groups first)', { field: `chatIds.${i}` });
    });
    const all = input.allGroups
      ? await rows<{ chat_id: string; name: string; owner: string }>(this.p.db, sql`SELECT chat_id, name, owner FROM wecom_group_chats WHERE shop_id = ${shopId} AND owner = ${input.handoverUserid}`)
      : [];
    const chosen = new Map([...named, ...all].map((c) => [c.chat_id, c]));
    const open = new Set((await rows<{ chat_id: string }>(this.p.db, sql`
      SELECT chat_id FROM wecom_handover_groups WHERE shop_id = ${shopId} AND state = 'requested' AND chat_id = ANY(${pgArray([...chosen.keys()])}::text[])`)).map((r) => r.chat_id));
    const groups: { chatId: string; name: string }[] = [];
    for (const c of chosen.values()) {
      if (c.owner !== input.handoverUserid) refusals.push({ chatId: c.chat_id, name: c.name, reason: 'not_owner' });
      else if (open.has(c.chat_id)) refusals.push({ chatId: c.chat_id, name: c.name, reason: 'in_progress' });
      else groups.push({ chatId: c.chat_id, name: c.name });
    }
    return groups;
  }

  /**
   * Sends the handover's chats in chunks of ≤ 100. Sending a chunk again is harmless (WeCom answers
   * 90503 for a chat the taker already owns), so a chunk needs no claim: a resumed job repeats it.
   */
  async send(h: HandoverRow, client: WeComClient) {
    for (;;) {
      const next = (await rows<{ chat_id: string }>(this.p.db, sql`
        SELECT chat_id FROM wecom_handover_groups WHERE handover_id = ${h.id} AND state = 'requested' ORDER BY chat_id LIMIT ${WECOM_TRANSFER_CHUNK}`)).map((r) => r.chat_id);
      if (!next.length) return;
      let failed: { chatId: string; errcode: number }[];
      try {
        failed = await client.transferGroupChats({ resigned: h.kind === 'resigned', chatIds: next, newOwner: h.takeover_userid });
      } catch (err) {
        if (!(err instanceof WeComApiError) || err.transient) throw err;
        failed = next.map((chatId) => ({ chatId, errcode: err.errcode }));
      }
      const errs = new Map(failed.filter((f) => f.errcode !== ALREADY_OWNER).map((f) => [f.chatId, f.errcode]));
      await this.p.database.transaction(async (tx) => {
        const [{ n }] = (await rows<{ n: number }>(tx, sql`SELECT coalesce(max(chunk), 0)::int + 1 AS n FROM wecom_handover_groups WHERE handover_id = ${h.id}`)) as [{ n: number }];
        for (const chatId of next) {
          const errcode = errs.get(chatId) ?? 0;
          await tx.execute(sql`
            UPDATE wecom_handover_groups SET state = ${errcode ? 'failed' : 'done'}, errcode = ${errcode}, chunk = ${n}, settled_at = ${this.p.now().toISOString()}::timestamptz
            WHERE handover_id = ${h.id} AND chat_id = ${chatId} AND state = 'requested'`);
          if (!errcode) await tx.execute(sql`UPDATE wecom_group_chats SET owner = ${h.takeover_userid}, status = 0, synced_at = now() WHERE shop_id = ${h.shop_id} AND chat_id = ${chatId}`);
        }
      });
    }
  }

  async rowsOf(handoverId: string) {
    const list = await rows<{ chat_id: string; state: string; chunk: number | null; errcode: number | null; requested_at: Date; settled_at: Date | null; name: string | null }>(this.p.db, sql`
      SELECT g.*, c.name FROM wecom_handover_groups g LEFT JOIN wecom_group_chats c ON c.shop_id = g.shop_id AND c.chat_id = g.chat_id
      WHERE g.handover_id = ${handoverId} ORDER BY g.chat_id`);
    return list.map((g) => ({ chatId: g.chat_id, name: g.name, state: g.state, chunk: g.chunk, errcode: g.errcode, requestedAt: g.requested_at, settledAt: g.settled_at }));
  }
}
