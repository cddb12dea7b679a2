import type { Ctx } from './core.js';
import { WxError } from './errors.js';
import { newChatId, secs } from './ids.js';
import { welcomeNewMember } from './join-ways.js';
import { staffOf, type CorpState, type GroupChat } from './state.js';

/**
 * Customer group chats (客户群). The simulation creates chats and moves people in and out (each pushing
 * change_external_chat as WeCom does); the API lists, reads and reassigns them.
 */
export const JOIN_SCENE = { direct: 1, link: 2, qrCode: 3 } as const;

/** Errcodes WeCom gives per chat in failed_chat_list. */
export const CHAT_ERR = { notFound: 40050, ownerNotLeft: 90500, ownerLeft: 90502, sameOwner: 90503 } as const;

const chatOf = (s: CorpState, chatId: unknown) => {
  const c = s.groupChats.find((x) => x.chat_id === chatId);
  if (!c) throw new WxError(40050, 'chat_id not found');
  return c;
};

export function createChat(s: CorpState, ctx: Ctx, b: Record<string, unknown>) {
  const owner = staffOf(s, b.owner);
  if (!owner || owner.status !== 1) throw new WxError(40003, 'invalid owner');
  const members = (b.members ?? []) as unknown[];
  if (!Array.isArray(members)) throw new WxError(40058, 'members must be a list of external_userid');
  for (const m of members) if (typeof m !== 'string' || !s.customers[m]) throw new WxError(40096, `invalid external userid ${String(m)}`);
  const chat: GroupChat = {
    chat_id: newChatId(),
    name: typeof b.name === 'string' ? b.name : '',
    owner: owner.userid,
    create_time: secs(ctx.now),
    notice: '',
    status: 0,
    member_list: [
      { userid: owner.userid, type: 1, join_time: secs(ctx.now), join_scene: JOIN_SCENE.direct },
      ...(members as string[]).map((m) => ({ userid: m, type: 2 as const, join_time: secs(ctx.now), join_scene: JOIN_SCENE.direct, unionid: s.customers[m].unionid, invitor: { userid: owner.userid } })),
    ],
  };
  s.groupChats.push(chat);
  ctx.emit('change_external_chat', 'create', [['ChatId', chat.chat_id]]);
  return { chat_id: chat.chat_id };
}

export function joinChat(s: CorpState, ctx: Ctx, chatId: string, b: Record<string, unknown>) {
  const chat = chatOf(s, chatId);
  const ext = b.external_userid;
  if (typeof ext !== 'string' || !s.customers[ext]) throw new WxError(40096, 'invalid external userid');
  if (chat.member_list.some((m) => m.userid === ext)) throw new WxError(40058, 'already a member');
  const scene = b.join_scene === undefined ? JOIN_SCENE.qrCode : Number(b.join_scene);
  chat.member_list.push({ userid: ext, type: 2, join_time: secs(ctx.now), join_scene: scene, unionid: s.customers[ext].unionid });
  ctx.emit('change_external_chat', 'update', [['ChatId', chat.chat_id], ['UpdateDetail', 'add_member'], ['JoinScene', scene], ['MemChangeCnt', 1]]);
  welcomeNewMember(s, ctx, chat, ext);
  return { chat_id: chat.chat_id, member_count: chat.member_list.length };
}

export function quitChat(s: CorpState, ctx: Ctx, chatId: string, b: Record<string, unknown>) {
  const chat = chatOf(s, chatId);
  if (!chat.member_list.some((m) => m.userid === b.external_userid && m.type === 2)) throw new WxError(40096, 'not a member');
  chat.member_list = chat.member_list.filter((m) => m.userid !== b.external_userid);
  ctx.emit('change_external_chat', 'update', [['ChatId', chat.chat_id], ['UpdateDetail', 'del_member'], ['QuitScene', 0], ['MemChangeCnt', 1]]);
  return { chat_id: chat.chat_id, member_count: chat.member_list.length };
}

export function dismissChat(s: CorpState, ctx: Ctx, chatId: string) {
  const chat = chatOf(s, chatId);
  s.groupChats = s.groupChats.filter((c) => c !== chat);
  ctx.emit('change_external_chat', 'dismiss', [['ChatId', chat.chat_id]]);
  return { chat_id: chat.chat_id };
}

export function listChats(s: CorpState, b: Record<string, unknown>) {
  const owners = (b.owner_filter as { userid_list?: string[] } | undefined)?.userid_list ?? [];
  const statusFilter = Number(b.status_filter ?? 0);
  const limit = Number(b.limit ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new WxError(40058, 'limit must be 1..1000');
  const all = s.groupChats.filter((c) => (!owners.length || owners.includes(c.owner)) && (statusFilter === 0 || (statusFilter === 1 && c.status === 1)));
  const start = Number(b.cursor || 0) || 0;
  const page = all.slice(start, start + limit);
  return { group_chat_list: page.map((c) => ({ chat_id: c.chat_id, status: c.status })), next_cursor: start + page.length < all.length ? String(start + page.length) : '' };
}

export function getChat(s: CorpState, b: Record<string, unknown>) {
  const c = chatOf(s, b.chat_id);
  const admins: Array<{ userid: string }> = [];
  return {
    group_chat: {
      chat_id: c.chat_id,
      name: c.name,
      owner: c.owner,
      create_time: c.create_time,
      notice: c.notice,
      member_list: c.member_list.map((m) => ({ ...m, ...(b.need_name ? { name: m.type === 1 ? staffOf(s, m.userid)?.name : s.customers[m.userid]?.name } : {}) })),
      admin_list: admins,
    },
  };
}

/**
 * groupchat/transfer hands chats of members who left to a new owner; onjob_transfer those of members
 * still employed. Failures are per chat, in failed_chat_list.
 */
export function transferChats(s: CorpState, b: Record<string, unknown>, onJob: boolean) {
  const list = b.chat_id_list;
  if (!Array.isArray(list) || list.length === 0 || list.length > 100) throw new WxError(40058, 'chat_id_list size must be 1..100');
  const owner = staffOf(s, b.new_owner);
  if (!owner || owner.status !== 1) throw new WxError(40003, 'invalid new_owner');
  const failed: Array<{ chat_id: string; errcode: number; errmsg: string }> = [];
  for (const id of list as string[]) {
    const c = s.groupChats.find((x) => x.chat_id === id);
    const prev = c ? staffOf(s, c.owner) : undefined;
    const errcode = !c ? CHAT_ERR.notFound : c.owner === owner.userid ? CHAT_ERR.sameOwner : onJob && prev?.status === 5 ? CHAT_ERR.ownerLeft : !onJob && prev?.status !== 5 ? CHAT_ERR.ownerNotLeft : 0;
    if (errcode) {
      failed.push({ chat_id: id, errcode, errmsg: 'transfer failed' });
      continue;
    }
    c!.member_list = c!.member_list.filter((m) => m.userid !== c!.owner);
    if (!c!.member_list.some((m) => m.userid === owner.userid)) c!.member_list.unshift({ userid: owner.userid, type: 1, join_time: c!.create_time, join_scene: JOIN_SCENE.direct });
    c!.owner = owner.userid;
    c!.status = 0;
  }
  return { failed_chat_list: failed };
}
