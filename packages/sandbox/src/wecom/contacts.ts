import { createHash } from 'node:crypto';
import type { Ctx } from './core.js';
import { WxError } from './errors.js';
import { newExternalUserid, newWelcomeCode, secs } from './ids.js';
import { addRelation, addWelcomeCode, addWelcomeMessage, customerOf, dropRelation, editRelation, putCustomer, useWelcomeCode, welcomeCodeOf } from './records.js';
import { WELCOME_CODE_TTL_MS, relationOf, staffOf, tagIndex, type CorpState, type Customer, type Relation } from './state.js';

/** How a customer came to be added, as WeCom's add_way numbers it. */
export const ADD_WAY = { unknown: 0, qrCode: 1, mobileSearch: 2, card: 3 } as const;

export const MAX_STATE_LENGTH = 30;

/** A WeChat user of the simulation; the same unionid as the OA sandbox gives them when a unionid is passed in. */
export function createCustomer(s: CorpState, b: Record<string, unknown>): Customer {
  if (typeof b.name !== 'string' || !b.name.trim() || b.name.length > 64) throw new WxError(40058, 'name must be 1..64 characters');
  const gender = b.gender === undefined ? 0 : Number(b.gender);
  if (![0, 1, 2].includes(gender)) throw new WxError(40058, 'gender must be 0, 1 or 2');
  if (b.unionid !== undefined && typeof b.unionid !== 'string') throw new WxError(40058, 'unionid must be a string');
  const external_userid = newExternalUserid();
  const avatar = `https://wx.qlogo.cn/mmhead/${createHash('sha1').update(external_userid).digest('hex')}/0`;
  const c: Customer = { external_userid, name: b.name.trim(), type: 1, gender: gender as 0 | 1 | 2, unionid: b.unionid as string | undefined, avatar };
  putCustomer(s, c);
  return c;
}

/**
 * The customer and a staff member become friends: the relation, a welcome code valid for 20 s of the
 * corp's clock, and the add_external_contact event (with State when it came from a contact way).
 */
export function addFriend(s: CorpState, ctx: Ctx, userid: string, external: string, how: { state?: string; addWay: number }) {
  const st = staffOf(s, userid);
  if (!st || st.status !== 1) throw new WxError(40003, 'invalid userid');
  if (!customerOf(s, external)) throw new WxError(40096, 'invalid external userid');
  if (relationOf(s, userid, external)) throw new WxError(40058, 'already a friend of this member');
  const rel: Relation = {
    userid,
    external_userid: external,
    remark: '',
    description: '',
    createtime: secs(ctx.now),
    tags: [],
    remark_mobiles: [],
    add_way: how.addWay,
    state: how.state || undefined,
    oper_userid: external,
  };
  addRelation(s, rel);
  const code = newWelcomeCode();
  addWelcomeCode(s, { code, userid, external_userid: external, issuedAt: ctx.now, used: false }, ctx.now);
  ctx.emit('change_external_contact', 'add_external_contact', [
    ['UserID', userid],
    ['ExternalUserID', external],
    ['State', rel.state],
    ['WelcomeCode', code],
  ]);
  return { userid, external_userid: external, welcome_code: code };
}

/** by 'staff': the member deleted the customer (del_external_contact); 'customer': the customer deleted the member (del_follow_user). */
export function removeFriend(s: CorpState, ctx: Ctx, userid: string, external: string, by: 'staff' | 'customer') {
  const rel = relationOf(s, userid, external);
  if (!rel) throw new WxError(84061, 'not external contact');
  dropRelation(s, rel);
  const changeType = by === 'staff' ? 'del_external_contact' : 'del_follow_user';
  ctx.emit('change_external_contact', changeType, [['UserID', userid], ['ExternalUserID', external]]);
  return { userid, external_userid: external, change_type: changeType };
}

const contactView = (c: Customer) => ({ external_userid: c.external_userid, name: c.name, type: c.type, avatar: c.avatar, gender: c.gender, ...(c.unionid ? { unionid: c.unionid } : {}) });

function followUser(s: CorpState, r: Relation) {
  const tags = tagIndex(s);
  return {
    userid: r.userid,
    remark: r.remark,
    description: r.description,
    createtime: r.createtime,
    tags: r.tags.flatMap((id) => {
      const t = tags.get(id);
      return t ? [{ group_name: t.group.group_name, tag_name: t.tag.name, tag_id: id, type: 1 }] : [];
    }),
    remark_mobiles: r.remark_mobiles,
    add_way: r.add_way,
    ...(r.state ? { state: r.state } : {}),
    oper_userid: r.oper_userid,
  };
}

export function getContact(s: CorpState, external: unknown) {
  const c = customerOf(s, external);
  if (!c) throw new WxError(40096, 'invalid external userid');
  const rels = s.relations.filter((r) => r.external_userid === c.external_userid);
  if (!rels.length) throw new WxError(84061, 'not external contact');
  return { external_contact: contactView(c), follow_user: rels.map((r) => followUser(s, r)) };
}

export function listOfStaff(s: CorpState, userid: unknown) {
  if (!staffOf(s, userid)) throw new WxError(40003, 'invalid userid');
  const ids = s.relations.filter((r) => r.userid === userid).map((r) => r.external_userid);
  // WeCom answers a member without customers with an error rather than an empty list.
  if (!ids.length) throw new WxError(84061, 'not external contact');
  return { external_userid: ids };
}

export function batchByUser(s: CorpState, b: Record<string, unknown>) {
  const users = b.userid_list;
  if (!Array.isArray(users) || users.length === 0 || users.length > 100) throw new WxError(40058, 'userid_list size must be 1..100');
  for (const u of users) if (!staffOf(s, u)) throw new WxError(40003, `invalid userid ${String(u)}`);
  const limit = b.limit === undefined ? 50 : Number(b.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new WxError(40058, 'limit must be 1..100');
  const all = s.relations.filter((r) => users.includes(r.userid));
  const start = Number(b.cursor || 0) || 0;
  const page = all.slice(start, start + limit);
  return {
    external_contact_list: page.map((r) => {
      const f = followUser(s, r);
      return {
        external_contact: contactView(s.customers[r.external_userid]),
        follow_info: { userid: f.userid, remark: f.remark, description: f.description, createtime: f.createtime, tag_id: r.tags, remark_mobiles: f.remark_mobiles, add_way: f.add_way, ...(r.state ? { state: r.state } : {}), oper_userid: f.oper_userid },
      };
    }),
    next_cursor: start + page.length < all.length ? String(start + page.length) : '',
  };
}

export function remark(s: CorpState, b: Record<string, unknown>) {
  const rel = relationOf(s, b.userid, b.external_userid);
  if (!staffOf(s, b.userid)) throw new WxError(40003, 'invalid userid');
  if (!rel) throw new WxError(84061, 'not external contact');
  editRelation(s, rel);
  if (b.remark !== undefined) {
    if (typeof b.remark !== 'string' || [...b.remark].length > 20) throw new WxError(40058, 'remark must be at most 20 characters');
    rel.remark = b.remark;
  }
  if (b.description !== undefined) {
    if (typeof b.description !== 'string' || [...b.description].length > 150) throw new WxError(40058, 'description must be at most 150 characters');
    rel.description = b.description;
  }
  if (b.remark_mobiles !== undefined) {
    if (!Array.isArray(b.remark_mobiles) || b.remark_mobiles.some((m) => typeof m !== 'string')) throw new WxError(40058, 'remark_mobiles must be a list of strings');
    rel.remark_mobiles = b.remark_mobiles as string[];
  }
  return {};
}

/**
 * send_welcome_msg: once per code (41051 after), within 20 s of the corp's clock (40096 after, as for a
 * code WeCom does not know).
 */
export function sendWelcome(s: CorpState, ctx: Ctx, b: Record<string, unknown>) {
  const w = welcomeCodeOf(s, b.welcome_code);
  if (!w) throw new WxError(40096, 'invalid welcome_code');
  if (w.used) throw new WxError(41051, 'welcome_code already used');
  if (ctx.now - w.issuedAt > WELCOME_CODE_TTL_MS) throw new WxError(40096, 'welcome_code expired');
  const text = b.text as { content?: unknown } | undefined;
  const attachments = b.attachments ?? [];
  if (text !== undefined && (typeof text !== 'object' || typeof text?.content !== 'string' || Buffer.byteLength(text.content) > 4000)) throw new WxError(40058, 'text.content must be a string of at most 4000 bytes');
  if (!Array.isArray(attachments) || attachments.length > 9) throw new WxError(40058, 'at most 9 attachments');
  checkAttachments(attachments);
  if (!text?.content && attachments.length === 0) throw new WxError(41033, 'text or attachments required');
  useWelcomeCode(s, w);
  addWelcomeMessage(s, { external_userid: w.external_userid, userid: w.userid, text: text?.content as string | undefined, attachments, sent_at: ctx.now });
  return {};
}

const ATTACHMENT_TYPES = ['image', 'link', 'miniprogram', 'video', 'file'];

export function checkAttachments(list: unknown[]) {
  for (const [i, a] of list.entries()) {
    const t = (a as { msgtype?: unknown })?.msgtype;
    if (typeof t !== 'string' || !ATTACHMENT_TYPES.includes(t) || typeof (a as Record<string, unknown>)[t] !== 'object') throw new WxError(40058, `attachments[${i}]: msgtype must be one of ${ATTACHMENT_TYPES.join('|')} with its object`);
  }
}

/**
 * A WeChat user scans a contact way's code: a multi-member code (or one naming departments) hands its
 * customers to its active members in turn.
 */
export function scanContactWay(s: CorpState, ctx: Ctx, configId: unknown, external: string) {
  const way = s.contactWays.find((w) => w.config_id === configId);
  if (!way) throw new WxError(41044, 'invalid config_id');
  const members = [...way.user, ...s.staff.filter((x) => x.department.some((d) => way.party.includes(d))).map((x) => x.userid)];
  const candidates = members.filter((u, i) => members.indexOf(u) === i && staffOf(s, u)?.status === 1);
  if (!candidates.length) throw new WxError(40003, 'no active member on this contact way');
  const userid = candidates[way.next % candidates.length];
  way.next += 1;
  return addFriend(s, ctx, userid, external, { state: way.state, addWay: ADD_WAY.qrCode });
}
