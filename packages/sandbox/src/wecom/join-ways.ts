import type { Ctx } from './core.js';
import { WxError } from './errors.js';
import type { Route } from './api.js';
import { newChatId, newConfigId, newMsgid, secs } from './ids.js';
import { JOIN_SCENE } from './groups.js';
import { staffOf, type CorpState, type GroupChat, type GroupJoinWay, type GroupWelcomeTemplate } from './state.js';

/**
 * Group join ways (客户群「加入群聊」, the merchant's 群活码) and group welcome templates (入群欢迎语).
 * A join way names up to 5 chats; a scan lands in the first with room, and when every chat is full and
 * auto_create_room is on, WeCom opens `room_base_name + room_base_id` (then counts the id up) with the
 * first chat's owner. A member who joined this way carries the way's `state` in groupchat/get.
 * Welcome templates are only made through the API; the chat's owner picks one on their phone, and from
 * then on everyone who joins gets it (the simulation's /groupchats/:chatId/welcome stands for that tap).
 */
export const JOIN_WAY_MAX_CHATS = 5;
/** A customer group takes at most 200 members who come by QR code. */
export const JOIN_WAY_CAPACITY = 200;
export const JOIN_WAY_STATE_MAX = 30;
/** WeCom keeps the latest messages per corp in the simulation, as a phone would show them. */
const WELCOME_KEEP = 5000;

const waysOf = (s: CorpState) => (s.groupJoinWays ??= []);
const templatesOf = (s: CorpState) => (s.groupWelcomeTemplates ??= []);

function wayInput(s: CorpState, b: Record<string, unknown>, prev?: GroupJoinWay) {
  const scene = b.scene === undefined ? (prev?.scene ?? 2) : Number(b.scene);
  if (scene !== 1 && scene !== 2) throw new WxError(40058, 'scene must be 1 (mini-program) or 2 (QR code)');
  const chats = (b.chat_id_list ?? prev?.chat_id_list) as unknown;
  if (!Array.isArray(chats) || chats.length < 1 || chats.length > JOIN_WAY_MAX_CHATS) throw new WxError(40058, `chat_id_list size must be 1..${JOIN_WAY_MAX_CHATS}`);
  for (const id of chats) if (!s.groupChats.some((c) => c.chat_id === id)) throw new WxError(40050, `chat_id ${String(id)} not found`);
  const state = b.state === undefined ? (prev?.state ?? '') : b.state;
  if (typeof state !== 'string' || [...state].length > JOIN_WAY_STATE_MAX) throw new WxError(40058, `state must be at most ${JOIN_WAY_STATE_MAX} characters`);
  const auto = b.auto_create_room === undefined ? (prev?.auto_create_room ?? 1) : Number(b.auto_create_room);
  const baseName = b.room_base_name === undefined ? (prev?.room_base_name ?? '') : String(b.room_base_name);
  if (auto === 1 && !baseName) throw new WxError(40058, 'room_base_name required when auto_create_room is 1');
  const baseId = b.room_base_id === undefined ? (prev?.room_base_id ?? 1) : Number(b.room_base_id);
  if (!Number.isInteger(baseId) || baseId < 0) throw new WxError(40058, 'room_base_id must be a non-negative integer');
  return { scene: scene as 1 | 2, chat_id_list: chats as string[], state, auto_create_room: (auto ? 1 : 0) as 0 | 1, room_base_name: baseName, room_base_id: baseId, remark: String(b.remark ?? prev?.remark ?? '') };
}

export function addJoinWay(s: CorpState, b: Record<string, unknown>, baseUrl: string) {
  const config_id = newConfigId();
  waysOf(s).push({ config_id, ...wayInput(s, b), qr_code: `${baseUrl}/join/${config_id}/qr.png` });
  return { config_id };
}

const wayOf = (s: CorpState, configId: unknown) => {
  const w = waysOf(s).find((x) => x.config_id === configId);
  if (!w) throw new WxError(41044, 'invalid config_id');
  return w;
};

export const getJoinWay = (s: CorpState, b: Record<string, unknown>) => ({ join_way: { ...wayOf(s, b.config_id) } });

export function updateJoinWay(s: CorpState, b: Record<string, unknown>) {
  const w = wayOf(s, b.config_id);
  Object.assign(w, wayInput(s, b, w));
  return {};
}

export function delJoinWay(s: CorpState, b: Record<string, unknown>) {
  wayOf(s, b.config_id);
  s.groupJoinWays = waysOf(s).filter((x) => x.config_id !== b.config_id);
  return {};
}

/** A customer scans the join way: into the first chat with room, or a new one when all are full. */
export function scanJoinWay(s: CorpState, ctx: Ctx, configId: string, b: Record<string, unknown>) {
  const w = wayOf(s, configId);
  const ext = b.external_userid;
  if (typeof ext !== 'string' || !s.customers[ext]) throw new WxError(40096, 'invalid external userid');
  const chats = w.chat_id_list.map((id) => s.groupChats.find((c) => c.chat_id === id)).filter((c): c is GroupChat => !!c);
  const already = chats.find((c) => c.member_list.some((m) => m.userid === ext));
  if (already) return { chat_id: already.chat_id, joined: false };
  let chat = chats.find((c) => c.member_list.filter((m) => m.type === 2).length < JOIN_WAY_CAPACITY);
  if (!chat) {
    const first = chats[0];
    if (!w.auto_create_room || !first) throw new WxError(40058, 'every group of this join way is full');
    const owner = staffOf(s, first.owner);
    if (!owner || owner.status !== 1) throw new WxError(40003, 'the owner of the first group has left');
    chat = { chat_id: newChatId(), name: `${w.room_base_name}${w.room_base_id}`, owner: owner.userid, create_time: secs(ctx.now), notice: first.notice, status: 0,
      member_list: [{ userid: owner.userid, type: 1, join_time: secs(ctx.now), join_scene: JOIN_SCENE.direct }], welcome_template_id: first.welcome_template_id };
    w.room_base_id += 1;
    s.groupChats.push(chat);
    // WeCom keeps at most five chats on a way: the newest replaces the oldest full one.
    w.chat_id_list = [...w.chat_id_list, chat.chat_id].slice(-JOIN_WAY_MAX_CHATS);
    ctx.emit('change_external_chat', 'create', [['ChatId', chat.chat_id]]);
  }
  chat.member_list.push({ userid: ext, type: 2, join_time: secs(ctx.now), join_scene: JOIN_SCENE.qrCode, unionid: s.customers[ext].unionid, ...(w.state ? { state: w.state } : {}) });
  ctx.emit('change_external_chat', 'update', [['ChatId', chat.chat_id], ['UpdateDetail', 'add_member'], ['JoinScene', JOIN_SCENE.qrCode], ['MemChangeCnt', 1]]);
  welcomeNewMember(s, ctx, chat, ext);
  return { chat_id: chat.chat_id, joined: true };
}

/** What WeCom sends into the chat when someone joins a chat whose owner chose a welcome template. */
export function welcomeNewMember(s: CorpState, ctx: Ctx, chat: GroupChat, external: string) {
  const t = chat.welcome_template_id ? templatesOf(s).find((x) => x.template_id === chat.welcome_template_id) : undefined;
  if (!t) return;
  const list = (s.groupWelcomeMessages ??= []);
  list.push({ chat_id: chat.chat_id, external_userid: external, template_id: t.template_id, text: t.text?.content, sent_at: ctx.now });
  if (list.length > WELCOME_KEEP) s.groupWelcomeMessages = list.slice(-WELCOME_KEEP);
}

const ATTACHMENT_KINDS = ['image', 'link', 'miniprogram', 'file', 'video'] as const;

function templateInput(b: Record<string, unknown>) {
  const text = b.text as { content?: unknown } | undefined;
  if (text !== undefined && (typeof text?.content !== 'string' || Buffer.byteLength(text.content) > 4000)) throw new WxError(40058, 'text.content must be a string of at most 4000 bytes');
  const kinds = ATTACHMENT_KINDS.filter((k) => b[k] !== undefined);
  if (kinds.length > 1) throw new WxError(40058, 'at most one of image, link, miniprogram, file, video');
  if (!text?.content && !kinds.length) throw new WxError(41033, 'text or an attachment required');
  const k = kinds[0];
  if (k === 'link') {
    const l = b.link as { title?: unknown; url?: unknown };
    if (typeof l?.title !== 'string' || !l.title || typeof l.url !== 'string' || !l.url) throw new WxError(40058, 'link.title and link.url required');
  }
  if (k === 'miniprogram') {
    const m = b.miniprogram as { title?: unknown; appid?: unknown; page?: unknown; pic_media_id?: unknown };
    if (typeof m?.appid !== 'string' || typeof m.page !== 'string' || typeof m.title !== 'string' || typeof m.pic_media_id !== 'string') throw new WxError(40058, 'miniprogram.title, appid, page and pic_media_id required');
  }
  if (k === 'image') {
    const i = b.image as { media_id?: unknown; pic_url?: unknown };
    if (typeof i?.media_id !== 'string' && typeof i?.pic_url !== 'string') throw new WxError(40058, 'image.media_id or image.pic_url required');
  }
  return {
    text: text?.content ? { content: text.content as string } : undefined,
    attachment: k && (k === 'image' || k === 'link' || k === 'miniprogram') ? { msgtype: k, ...(b[k] as object) } : undefined,
  };
}

export function addWelcomeTemplate(s: CorpState, ctx: Ctx, b: Record<string, unknown>) {
  const t: GroupWelcomeTemplate = { template_id: newMsgid(), ...templateInput(b), notify: b.notify === 0 ? 0 : 1, create_time: secs(ctx.now) };
  templatesOf(s).push(t);
  return { template_id: t.template_id };
}

const templateOf = (s: CorpState, id: unknown) => {
  const t = templatesOf(s).find((x) => x.template_id === id);
  if (!t) throw new WxError(40058, 'invalid template_id');
  return t;
};

export function editWelcomeTemplate(s: CorpState, b: Record<string, unknown>) {
  const t = templateOf(s, b.template_id);
  Object.assign(t, templateInput(b));
  return {};
}

export function getWelcomeTemplate(s: CorpState, b: Record<string, unknown>) {
  const t = templateOf(s, b.template_id);
  return { text: t.text, ...(t.attachment ? { [t.attachment.msgtype]: { ...t.attachment, msgtype: undefined } } : {}) };
}

export function delWelcomeTemplate(s: CorpState, b: Record<string, unknown>) {
  templateOf(s, b.template_id);
  s.groupWelcomeTemplates = templatesOf(s).filter((x) => x.template_id !== b.template_id);
  for (const c of s.groupChats) if (c.welcome_template_id === b.template_id) delete c.welcome_template_id;
  return {};
}

/** The owner turns a welcome template on for a chat (or off, with an empty id) on their phone. */
export function chooseWelcome(s: CorpState, chatId: string, b: Record<string, unknown>) {
  const chat = s.groupChats.find((c) => c.chat_id === chatId);
  if (!chat) throw new WxError(40050, 'chat_id not found');
  if (b.template_id) chat.welcome_template_id = templateOf(s, b.template_id).template_id;
  else delete chat.welcome_template_id;
  return { chat_id: chat.chat_id, template_id: chat.welcome_template_id ?? null };
}

/** The published group APIs: join ways (groupchat/*_join_way) and group welcome templates. */
export function groupApi(route: Route, baseUrl: () => string) {
  route(['POST'], '/cgi-bin/externalcontact/groupchat/add_join_way', ({ s, body }) => addJoinWay(s, body, baseUrl()));
  route(['POST'], '/cgi-bin/externalcontact/groupchat/get_join_way', ({ s, body }) => getJoinWay(s, body));
  route(['POST'], '/cgi-bin/externalcontact/groupchat/update_join_way', ({ s, body }) => updateJoinWay(s, body));
  route(['POST'], '/cgi-bin/externalcontact/groupchat/del_join_way', ({ s, body }) => delJoinWay(s, body));
  route(['POST'], '/cgi-bin/externalcontact/group_welcome_template/add', ({ s, ctx, body }) => addWelcomeTemplate(s, ctx, body));
  route(['POST'], '/cgi-bin/externalcontact/group_welcome_template/edit', ({ s, body }) => editWelcomeTemplate(s, body));
  route(['POST'], '/cgi-bin/externalcontact/group_welcome_template/get', ({ s, body }) => getWelcomeTemplate(s, body));
  route(['POST'], '/cgi-bin/externalcontact/group_welcome_template/del', ({ s, body }) => delWelcomeTemplate(s, body));
}
