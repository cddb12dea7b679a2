import { MpApiError } from '../../messaging/clients/mp-client.js';
import { WeChatJsonApi, type Json, type TokenSource } from '../../../platform/wechat-api.js';

/**
 * WeCom's server API (qyapi.weixin.qq.com) as published: JSON over HTTPS, `?access_token=` on every call
 * but gettoken, errors as `{errcode, errmsg}` with HTTP 200. A token belongs to one secret (the contact
 * secret for 客户联系, the app's secret for app messages); the caller's TokenSource keeps it for every
 * process, and a call refused with 40014 / 42001 gets one fresh token and one retry.
 */
export class WeComApiError extends MpApiError {}

/** "This token is not (or no longer) good": refetch once and retry. */
const TOKEN_ERRORS = new Set([40014, 42001]);

export interface WeComClientOptions {
  baseUrl: string | (() => string);
  corpId: string;
  secret: string;
  timeoutMs?: number;
}


export interface ExternalContact {
  externalUserId: string;
  name: string;
  type: number;
  gender: number;
  unionid: string | null;
  avatar: string | null;
}

export interface FollowUser {
  userid: string;
  remark: string;
  description: string;
  createtime: number;
  tagIds: string[];
  remarkMobiles: string[];
  addWay: number;
  state: string | null;
  operUserid: string | null;
}

export interface ContactWayInput {
  type: 1 | 2;
  scene: 1 | 2;
  style?: number;
  remark?: string;
  skipVerify?: boolean;
  state: string;
  user: string[];
}

export interface WelcomeAttachment {
  msgtype: 'image' | 'link' | 'miniprogram';
  [k: string]: unknown;
}

export interface GroupChatDetail {
  chatId: string;
  name: string;
  owner: string;
  /** Unix seconds. */
  createTime: number;
  notice: string;
  memberCount: number;
  members: Array<{ memberId: string; kind: 1 | 2; name: string; unionid: string | null; joinTime: number; joinScene: number; invitor: string | null; state: string | null }>;
}

export interface JoinWayInput {
  remark: string;
  state: string;
  chatIds: string[];
  autoCreateRoom: boolean;
  roomBaseName: string;
  roomBaseId: number;
}

const joinWayBody = (i: JoinWayInput) => ({
  scene: 2, remark: i.remark, state: i.state, chat_id_list: i.chatIds, auto_create_room: i.autoCreateRoom ? 1 : 0,
  ...(i.autoCreateRoom ? { room_base_name: i.roomBaseName, room_base_id: i.roomBaseId } : {}),
});

export interface GroupWelcomeInput {
  text: string;
  attachment: WelcomeAttachment | null;
  notify: boolean;
}

/** WeCom's group welcome takes its one attachment by kind ({ image: {...} }), without add_msg_template's msgtype list. */
const groupWelcomeBody = (i: GroupWelcomeInput) => {
  const a = i.attachment ? { [i.attachment.msgtype]: i.attachment[i.attachment.msgtype] } : {};
  return { ...(i.text ? { text: { content: i.text } } : {}), ...a };
};

const contactOf = (c: Json): ExternalContact => ({
  externalUserId: String(c.external_userid),
  name: String(c.name ?? ''),
  type: Number(c.type ?? 1),
  gender: Number(c.gender ?? 0),
  unionid: c.unionid ? String(c.unionid) : null,
  avatar: c.avatar ? String(c.avatar) : null,
});

const followOf = (f: Json): FollowUser => ({
  userid: String(f.userid),
  remark: String(f.remark ?? ''),
  description: String(f.description ?? ''),
  createtime: Number(f.createtime ?? 0),
  tagIds: Array.isArray(f.tags) ? f.tags.map((t: Json) => String(t.tag_id)) : Array.isArray(f.tag_id) ? f.tag_id.map(String) : [],
  remarkMobiles: Array.isArray(f.remark_mobiles) ? f.remark_mobiles.map(String) : [],
  addWay: Number(f.add_way ?? 0),
  state: f.state ? String(f.state) : null,
  operUserid: f.oper_userid ? String(f.oper_userid) : null,
});

export class WeComClient extends WeChatJsonApi {
  constructor(
    private opts: WeComClientOptions,
    tokens?: TokenSource,
  ) {
    super(opts, tokens, TOKEN_ERRORS, (code, msg, api) => new WeComApiError(code, msg, api));
  }

  /** GET /cgi-bin/gettoken: 40013 names a wrong corp id, 40001 a wrong secret. */
  async getToken(): Promise<{ accessToken: string; expiresIn: number }> {
    const r = await this.http('GET', '/cgi-bin/gettoken', { corpid: this.opts.corpId, corpsecret: this.opts.secret });
    return { accessToken: String(r.access_token), expiresIn: Number(r.expires_in ?? 7200) };
  }

  // ── Address book ─────────────────────────────────────────────────────────────────────────────────

  async departments(): Promise<{ id: number; name: string; parentId: number; order: number }[]> {
    const r = await this.call('GET', '/cgi-bin/department/list');
    return ((r.department ?? []) as Json[]).map((d) => ({ id: Number(d.id), name: String(d.name ?? ''), parentId: Number(d.parentid ?? 0), order: Number(d.order ?? 0) }));
  }

  async users(departmentId: number): Promise<{ userid: string; name: string; departments: number[]; position: string; mobile: string | null; status: number }[]> {
    const r = await this.call('GET', '/cgi-bin/user/list', { department_id: String(departmentId), fetch_child: '1' });
    return ((r.userlist ?? []) as Json[]).map((u) => ({
      userid: String(u.userid),
      name: String(u.name ?? ''),
      departments: Array.isArray(u.department) ? u.department.map(Number) : [],
      position: String(u.position ?? ''),
      mobile: u.mobile ? String(u.mobile) : null,
      status: Number(u.status ?? 1),
    }));
  }

  // ── External contacts (客户联系) ─────────────────────────────────────────────────────────────────

  /** Staff members with the customer-contact permission. */
  async followUsers(): Promise<string[]> {
    const r = await this.call('GET', '/cgi-bin/externalcontact/get_follow_user_list');
    return ((r.follow_user ?? []) as unknown[]).map(String);
  }

  async externalContactIds(userid: string): Promise<string[]> {
    const r = await this.call('GET', '/cgi-bin/externalcontact/list', { userid });
    return ((r.external_userid ?? []) as unknown[]).map(String);
  }

  async externalContact(externalUserId: string): Promise<{ contact: ExternalContact; followUsers: FollowUser[] }> {
    const r = await this.call('GET', '/cgi-bin/externalcontact/get', { external_userid: externalUserId });
    return { contact: contactOf(r.external_contact ?? {}), followUsers: ((r.follow_user ?? []) as Json[]).map(followOf) };
  }

  /** One page of the contacts of up to 100 staff members; `nextCursor` is empty at the end. */
  async contactsByUsers(userids: string[], cursor = '', limit = 100): Promise<{ items: { contact: ExternalContact; follow: FollowUser }[]; nextCursor: string }> {
    const r = await this.call('POST', '/cgi-bin/externalcontact/batch/get_by_user', {}, { userid_list: userids.slice(0, 100), cursor, limit: Math.min(limit, 100) });
    return {
      items: ((r.external_contact_list ?? []) as Json[]).map((x) => ({ contact: contactOf(x.external_contact ?? {}), follow: followOf(x.follow_info ?? {}) })),
      nextCursor: String(r.next_cursor ?? ''),
    };
  }

  async remark(input: { userid: string; externalUserId: string; remark?: string; description?: string; remarkMobiles?: string[] }) {
    await this.call('POST', '/cgi-bin/externalcontact/remark', {}, {
      userid: input.userid, external_userid: input.externalUserId,
      ...(input.remark !== undefined ? { remark: input.remark } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.remarkMobiles ? { remark_mobiles: input.remarkMobiles } : {}),
    });
  }

  // ── Corp tags (企业标签) ─────────────────────────────────────────────────────────────────────────

  async corpTags(): Promise<{ groupId: string; groupName: string; order: number; tags: { id: string; name: string; order: number }[] }[]> {
    const r = await this.call('POST', '/cgi-bin/externalcontact/get_corp_tag_list', {}, {});
    return ((r.tag_group ?? []) as Json[]).map((g) => ({
      groupId: String(g.group_id),
      groupName: String(g.group_name ?? ''),
      order: Number(g.order ?? 0),
      tags: ((g.tag ?? []) as Json[]).map((t) => ({ id: String(t.id), name: String(t.name ?? ''), order: Number(t.order ?? 0) })),
    }));
  }

  async addCorpTags(input: { groupId?: string; groupName?: string; names: string[] }) {
    const r = await this.call('POST', '/cgi-bin/externalcontact/add_corp_tag', {}, {
      ...(input.groupId ? { group_id: input.groupId } : { group_name: input.groupName }),
      tag: input.names.map((name) => ({ name })),
    });
    const g = (r.tag_group ?? {}) as Json;
    return { groupId: String(g.group_id), groupName: String(g.group_name ?? ''), tags: ((g.tag ?? []) as Json[]).map((t) => ({ id: String(t.id), name: String(t.name ?? '') })) };
  }

  async markTag(input: { userid: string; externalUserId: string; add: string[]; remove: string[] }) {
    if (!input.add.length && !input.remove.length) return;
    await this.call('POST', '/cgi-bin/externalcontact/mark_tag', {}, { userid: input.userid, external_userid: input.externalUserId, add_tag: input.add, remove_tag: input.remove });
  }

  // ── Contact ways (联系我 / 渠道活码) ────────────────────────────────────────────────────────────────

  async addContactWay(input: ContactWayInput): Promise<{ configId: string; qrCode: string }> {
    const r = await this.call('POST', '/cgi-bin/externalcontact/add_contact_way', {}, {
      type: input.type, scene: input.scene, ...(input.style ? { style: input.style } : {}), remark: input.remark ?? '', skip_verify: input.skipVerify ?? true,
      state: input.state, user: input.user,
    });
    return { configId: String(r.config_id), qrCode: String(r.qr_code ?? '') };
  }

  async updateContactWay(input: { configId: string; user: string[]; state?: string; remark?: string; skipVerify?: boolean }) {
    await this.call('POST', '/cgi-bin/externalcontact/update_contact_way', {}, {
      config_id: input.configId, user: input.user,
      ...(input.state !== undefined ? { state: input.state } : {}),
      ...(input.remark !== undefined ? { remark: input.remark } : {}),
      ...(input.skipVerify !== undefined ? { skip_verify: input.skipVerify } : {}),
    });
  }

  async getContactWay(configId: string): Promise<{ configId: string; type: number; user: string[]; state: string | null; qrCode: string }> {
    const r = await this.call('POST', '/cgi-bin/externalcontact/get_contact_way', {}, { config_id: configId });
    const w = (r.contact_way ?? {}) as Json;
    return { configId: String(w.config_id ?? configId), type: Number(w.type ?? 1), user: ((w.user ?? []) as unknown[]).map(String), state: w.state ? String(w.state) : null, qrCode: String(w.qr_code ?? '') };
  }

  async delContactWay(configId: string) {
    await this.call('POST', '/cgi-bin/externalcontact/del_contact_way', {}, { config_id: configId });
  }

  /** 41051: the code was used; 40096: invalid or older than its 20 s. Neither is worth a retry. */
  async sendWelcomeMsg(input: { welcomeCode: string; text?: string; attachments?: WelcomeAttachment[] }) {
    await this.call('POST', '/cgi-bin/externalcontact/send_welcome_msg', {}, {
      welcome_code: input.welcomeCode,
      ...(input.text ? { text: { content: input.text } } : {}),
      ...(input.attachments?.length ? { attachments: input.attachments } : {}),
    });
  }

  // ── App messages (应用消息, the app agent's secret) ──────────────────────────────────────────────

  async sendAppText(input: { agentId: number; touser: string[]; content: string }): Promise<{ msgId: string }> {
    const r = await this.call('POST', '/cgi-bin/message/send', {}, { touser: input.touser.join('|'), msgtype: 'text', agentid: input.agentId, text: { content: input.content } });
    return { msgId: String(r.msgid ?? '') };
  }

  // ── Mass messages (群发) and Moments (朋友圈) ─────────────────────────────────────────────────────

  /** Creates a task for the sender's phone; nothing is sent until they confirm. fail_list: recipients WeCom refused. */
  async addMsgTemplate(input: { chatType: 'single' | 'group'; sender: string; externalUserIds?: string[]; chatIds?: string[]; text?: string; attachments: WelcomeAttachment[] }) {
    const r = await this.call('POST', '/cgi-bin/externalcontact/add_msg_template', {}, {
      chat_type: input.chatType, sender: input.sender,
      ...(input.externalUserIds ? { external_userid: input.externalUserIds } : {}),
      ...(input.chatIds ? { chat_id_list: input.chatIds } : {}),
      ...(input.text ? { text: { content: input.text } } : {}),
      attachments: input.attachments,
    });
    return { msgId: String(r.msgid), failList: ((r.fail_list ?? []) as unknown[]).map(String) };
  }

  /** Mass tasks created in a time window (unix seconds), to find one whose msgid was lost. */
  async groupMsgList(input: { chatType: 'single' | 'group'; startTime: number; endTime: number; creator?: string; cursor?: string }) {
    const r = await this.call('POST', '/cgi-bin/externalcontact/get_groupmsg_list_v2', {}, {
      chat_type: input.chatType, start_time: input.startTime, end_time: input.endTime, limit: 100, cursor: input.cursor ?? '',
      ...(input.creator ? { creator: input.creator, filter_type: 2 } : {}),
    });
    return {
      items: ((r.group_msg_list ?? []) as Json[]).map((m) => ({ msgId: String(m.msgid), creator: String(m.creator ?? ''), createTime: Number(m.create_time ?? 0), text: String(m.text?.content ?? '') })),
      nextCursor: String(r.next_cursor ?? ''),
    };
  }

  /** Per member of a task: 0 未发送, 2 已发送 (confirmed on the phone). */
  async groupMsgTask(msgId: string, cursor = '') {
    const r = await this.call('POST', '/cgi-bin/externalcontact/get_groupmsg_task', {}, { msgid: msgId, limit: 1000, cursor });
    return {
      items: ((r.task_list ?? []) as Json[]).map((t) => ({ userid: String(t.userid), status: Number(t.status ?? 0), sendTime: t.send_time ? Number(t.send_time) : null })),
      nextCursor: String(r.next_cursor ?? ''),
    };
  }

  /** Per recipient of a member's part: 0 未发送, 1 已发送, 2 非好友, 3 已收到其他群发. */
  async groupMsgSendResult(msgId: string, userid: string, cursor = '') {
    const r = await this.call('POST', '/cgi-bin/externalcontact/get_groupmsg_send_result', {}, { msgid: msgId, userid, limit: 1000, cursor });
    return {
      items: ((r.send_list ?? []) as Json[]).map((x) => ({
        externalUserId: String(x.external_userid ?? ''), chatId: String(x.chat_id ?? ''), status: Number(x.status ?? 0), sendTime: x.send_time ? Number(x.send_time) : null,
      })),
      nextCursor: String(r.next_cursor ?? ''),
    };
  }

  async addMomentTask(input: { text?: string; attachments: WelcomeAttachment[]; userids: string[]; departmentIds: number[]; tagIds: string[] }) {
    const r = await this.call('POST', '/cgi-bin/externalcontact/add_moment_task', {}, {
      ...(input.text ? { text: { content: input.text } } : {}),
      attachments: input.attachments,
      visible_range: {
        sender_list: { user_list: input.userids, department_list: input.departmentIds },
        ...(input.tagIds.length ? { external_contact_list: { tag_list: input.tagIds } } : {}),
      },
    });
    return { jobId: String(r.jobid) };
  }

  /** status 1 started, 2 running, 3 done (then result carries moment_id or its own errcode). */
  /** One page of a Moment's staff and whether each has published it (publish_status 1) on their phone. */
  async momentTask(momentId: string, cursor = '') {
    const r = await this.call('POST', '/cgi-bin/externalcontact/get_moment_task', {}, { moment_id: momentId, cursor, limit: 1000 });
    return {
      items: ((r.task_list ?? []) as Json[]).map((x) => ({ userid: String(x.userid), published: Number(x.publish_status) === 1 })),
      nextCursor: String(r.next_cursor ?? ''),
    };
  }

  async momentTaskResult(jobId: string) {
    const r = await this.call('GET', '/cgi-bin/externalcontact/get_moment_task_result', { jobid: jobId });
    const res = (r.result ?? {}) as Json;
    return {
      status: Number(r.status ?? 0),
      errcode: Number(res.errcode ?? 0),
      errmsg: String(res.errmsg ?? ''),
      momentId: res.moment_id ? String(res.moment_id) : null,
      invalidUserids: ((res.invalid_sender_list?.user_list ?? []) as unknown[]).map(String),
      invalidTagIds: ((res.invalid_external_contact_list?.tag_list ?? []) as unknown[]).map(String),
    };
  }

  // ── Transfers (在职继承 / 离职继承) and customer groups ─────────────────────────────────────────

  /**
   * transfer_customer (on-job) or resigned/transfer_customer: at most 100 customers per call; each
   * customer answers its own errcode (0 = the transfer started and completes within 24 h).
   */
  async transferCustomers(input: { resigned: boolean; handover: string; takeover: string; externalUserIds: string[]; successMsg?: string | null }) {
    const path = input.resigned ? '/cgi-bin/externalcontact/resigned/transfer_customer' : '/cgi-bin/externalcontact/transfer_customer';
    const r = await this.call('POST', path, {}, {
      handover_userid: input.handover, takeover_userid: input.takeover, external_userid: input.externalUserIds,
      ...(!input.resigned && input.successMsg ? { transfer_success_msg: input.successMsg } : {}),
    });
    return ((r.customer ?? []) as Json[]).map((c) => ({ externalUserId: String(c.external_userid), errcode: Number(c.errcode ?? 0) }));
  }

  /** One page of a (handover, takeover) pair's transfers: status 1 done, 2 waiting, 3 refused, 4 taker at limit, 5 none. */
  async transferResult(input: { resigned: boolean; handover: string; takeover: string; cursor?: string }) {
    const path = input.resigned ? '/cgi-bin/externalcontact/resigned/transfer_result' : '/cgi-bin/externalcontact/transfer_result';
    const r = await this.call('POST', path, {}, { handover_userid: input.handover, takeover_userid: input.takeover, cursor: input.cursor ?? '' });
    return {
      customers: ((r.customer ?? []) as Json[]).map((c) => ({ externalUserId: String(c.external_userid), status: Number(c.status), takeoverTime: Number(c.takeover_time ?? 0) })),
      nextCursor: String(r.next_cursor ?? ''),
    };
  }

  /** Customers of members who left, not handed to anyone yet. */
  async unassignedList(cursor = '', pageSize = 1000) {
    const r = await this.call('POST', '/cgi-bin/externalcontact/get_unassigned_list', {}, { cursor, page_size: Math.min(pageSize, 1000) });
    return {
      items: ((r.info ?? []) as Json[]).map((x) => ({ handoverUserid: String(x.handover_userid), externalUserId: String(x.external_userid), dimissionTime: Number(x.dimission_time ?? 0) })),
      isLast: r.is_last !== false,
      nextCursor: String(r.next_cursor ?? ''),
    };
  }

  async groupChats(input: { owners?: string[]; cursor?: string; limit?: number }) {
    const r = await this.call('POST', '/cgi-bin/externalcontact/groupchat/list', {}, {
      status_filter: 0, ...(input.owners?.length ? { owner_filter: { userid_list: input.owners } } : {}), cursor: input.cursor ?? '', limit: input.limit ?? 1000,
    });
    return { items: ((r.group_chat_list ?? []) as Json[]).map((c) => ({ chatId: String(c.chat_id), status: Number(c.status ?? 0) })), nextCursor: String(r.next_cursor ?? '') };
  }

  /** A chat with its members (need_name: the names as the group shows them). */
  async groupChat(chatId: string): Promise<GroupChatDetail> {
    const r = await this.call('POST', '/cgi-bin/externalcontact/groupchat/get', {}, { chat_id: chatId, need_name: 1 });
    const g = (r.group_chat ?? {}) as Json;
    const members = ((g.member_list ?? []) as Json[]).map((m) => ({
      memberId: String(m.userid), kind: Number(m.type) === 1 ? (1 as const) : (2 as const), name: String(m.group_nickname || m.name || ''),
      unionid: m.unionid ? String(m.unionid) : null, joinTime: Number(m.join_time ?? 0), joinScene: Number(m.join_scene ?? 0),
      invitor: (m.invitor as Json | undefined)?.userid ? String((m.invitor as Json).userid) : null, state: m.state ? String(m.state) : null,
    }));
    return { chatId: String(g.chat_id ?? chatId), name: String(g.name ?? ''), owner: String(g.owner ?? ''), createTime: Number(g.create_time ?? 0), notice: String(g.notice ?? ''), memberCount: members.length, members };
  }

  /** A group join way (加入群聊, the 群活码): up to 5 chats, a new one opened when all are full. */
  async addJoinWay(input: JoinWayInput): Promise<{ configId: string }> {
    const r = await this.call('POST', '/cgi-bin/externalcontact/groupchat/add_join_way', {}, joinWayBody(input));
    return { configId: String(r.config_id) };
  }

  async getJoinWay(configId: string) {
    const r = await this.call('POST', '/cgi-bin/externalcontact/groupchat/get_join_way', {}, { config_id: configId });
    const w = (r.join_way ?? {}) as Json;
    return { configId: String(w.config_id ?? configId), qrCode: String(w.qr_code ?? ''), chatIds: ((w.chat_id_list ?? []) as unknown[]).map(String), roomBaseId: Number(w.room_base_id ?? 0) };
  }

  async updateJoinWay(configId: string, input: JoinWayInput) {
    await this.call('POST', '/cgi-bin/externalcontact/groupchat/update_join_way', {}, { config_id: configId, ...joinWayBody(input) });
  }

  async delJoinWay(configId: string) {
    await this.call('POST', '/cgi-bin/externalcontact/groupchat/del_join_way', {}, { config_id: configId });
  }

  /** A group welcome template (入群欢迎语): text and at most one attachment; owners choose it per chat in WeCom. */
  async addGroupWelcomeTemplate(input: GroupWelcomeInput): Promise<{ templateId: string }> {
    const r = await this.call('POST', '/cgi-bin/externalcontact/group_welcome_template/add', {}, { ...groupWelcomeBody(input), notify: input.notify ? 1 : 0 });
    return { templateId: String(r.template_id) };
  }

  async editGroupWelcomeTemplate(templateId: string, input: GroupWelcomeInput) {
    await this.call('POST', '/cgi-bin/externalcontact/group_welcome_template/edit', {}, { template_id: templateId, ...groupWelcomeBody(input) });
  }

  async delGroupWelcomeTemplate(templateId: string) {
    await this.call('POST', '/cgi-bin/externalcontact/group_welcome_template/del', {}, { template_id: templateId });
  }

  /** groupchat/onjob_transfer (owner employed) or groupchat/transfer (owner left): ≤ 100 chats; failures per chat. */
  async transferGroupChats(input: { resigned: boolean; chatIds: string[]; newOwner: string }) {
    const path = input.resigned ? '/cgi-bin/externalcontact/groupchat/transfer' : '/cgi-bin/externalcontact/groupchat/onjob_transfer';
    const r = await this.call('POST', path, {}, { chat_id_list: input.chatIds, new_owner: input.newOwner });
    return ((r.failed_chat_list ?? []) as Json[]).map((f) => ({ chatId: String(f.chat_id), errcode: Number(f.errcode ?? 0) }));
  }

  // ── App textcards, JS-SDK tickets and OAuth2 (reminders and the sidebar) ────────────────────────────

  /**
   * A textcard (title, description, link) to members. With `duplicateCheckSeconds` WeCom drops a message
   * identical to one the app sent within that window (at most 4 h): a resend after a lost answer is not
   * delivered twice. Members WeCom could not reach come back in `invalidUsers`.
   */
  async sendAppTextcard(input: { agentId: number; touser: string[]; title: string; description: string; url: string; btntxt?: string; duplicateCheckSeconds?: number }): Promise<{ msgId: string; invalidUsers: string[] }> {
    const r = await this.call('POST', '/cgi-bin/message/send', {}, {
      touser: input.touser.join('|'), msgtype: 'textcard', agentid: input.agentId,
      textcard: { title: input.title, description: input.description, url: input.url, ...(input.btntxt ? { btntxt: input.btntxt } : {}) },
      ...(input.duplicateCheckSeconds ? { enable_duplicate_check: 1, duplicate_check_interval: input.duplicateCheckSeconds } : {}),
    });
    return { msgId: String(r.msgid ?? ''), invalidUsers: String(r.invaliduser ?? '').split('|').filter(Boolean) };
  }

  /** The corp's jsapi_ticket (wx.config) or, with `agent`, the app's ticket (wx.agentConfig); both live 7200 s. */
  async jsapiTicket(kind: 'corp' | 'agent'): Promise<{ accessToken: string; expiresIn: number }> {
    const r = kind === 'corp' ? await this.call('GET', '/cgi-bin/get_jsapi_ticket') : await this.call('GET', '/cgi-bin/ticket/get', { type: 'agent_config' });
    return { accessToken: String(r.ticket), expiresIn: Number(r.expires_in ?? 7200) };
  }

  /** The member behind an OAuth2 code (snsapi_base); a code of someone outside the corp has no userid. */
  async userOfCode(code: string): Promise<{ userid: string | null }> {
    const r = await this.call('GET', '/cgi-bin/auth/getuserinfo', { code });
    return { userid: r.userid ? String(r.userid) : r.UserId ? String(r.UserId) : null };
  }
}
