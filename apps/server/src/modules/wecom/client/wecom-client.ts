import { MpApiError, type TokenSource } from '../../messaging/clients/mp-client.js';

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

type Json = Record<string, any>;

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

export class WeComClient {
  constructor(
    private opts: WeComClientOptions,
    private tokens?: TokenSource,
  ) {}

  private base() {
    const b = typeof this.opts.baseUrl === 'function' ? this.opts.baseUrl() : this.opts.baseUrl;
    return b.replace(/\/+$/, '');
  }

  private async http(method: 'GET' | 'POST', path: string, query: Record<string, string>, body?: unknown): Promise<Json> {
    const url = new URL(this.base() + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new WeComApiError(-2, `unreachable: ${(err as Error).message}`, path);
    }
    if (res.status >= 500) throw new WeComApiError(res.status, `HTTP ${res.status}`, path);
    let json: Json;
    try {
      json = (await res.json()) as Json;
    } catch {
      throw new WeComApiError(-1, `not JSON (HTTP ${res.status})`, path);
    }
    if (typeof json.errcode === 'number' && json.errcode !== 0) throw new WeComApiError(json.errcode, String(json.errmsg ?? ''), path);
    return json;
  }

  private async call(method: 'GET' | 'POST', path: string, query: Record<string, string> = {}, body?: unknown): Promise<Json> {
    if (!this.tokens) throw new Error('WeComClient needs a TokenSource for API calls');
    const token = await this.tokens.token();
    try {
      return await this.http(method, path, { ...query, access_token: token }, body);
    } catch (err) {
      if (!(err instanceof WeComApiError) || !TOKEN_ERRORS.has(err.errcode)) throw err;
      const fresh = await this.tokens.token(token);
      return this.http(method, path, { ...query, access_token: fresh }, body);
    }
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
}
