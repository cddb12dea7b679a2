import { WeChatApiError, WeChatJsonApi, type Json, type TokenSource } from '../../../platform/wechat-api.js';

/**
 * The WeChat official account (公众号) and mini-program server APIs (api.weixin.qq.com), as published:
 * JSON over HTTPS, `?access_token=` on every call, errors as `{errcode, errmsg}` with HTTP 200.
 * Tokens come from the caller's `TokenSource` (one per account, kept in the database and refreshed by one
 * worker for all processes); a call answered 40001 / 42001 / 40014 gets one fresh token and one retry.
 */

export class MpApiError extends WeChatApiError {}
export type { TokenSource };

/** Errors meaning "this token is not (or no longer) good". */
const TOKEN_ERRORS = new Set([40001, 40014, 42001]);

export interface MpClientOptions {
  baseUrl: string | (() => string);
  appId: string;
  appSecret: string;
  timeoutMs?: number;
}


export class MpClient extends WeChatJsonApi {
  constructor(
    private opts: MpClientOptions,
    tokens?: TokenSource,
  ) {
    super(opts, tokens, TOKEN_ERRORS, (code, msg, api) => new MpApiError(code, msg, api));
  }

  /** POST /cgi-bin/stable_token: isolated from the legacy token; force only when WeChat refused the current one. */
  async stableToken(forceRefresh = false): Promise<{ accessToken: string; expiresIn: number }> {
    const r = await this.http('POST', '/cgi-bin/stable_token', {}, { grant_type: 'client_credential', appid: this.opts.appId, secret: this.opts.appSecret, force_refresh: forceRefresh });
    return { accessToken: String(r.access_token), expiresIn: Number(r.expires_in) };
  }

  async createQrCode(input: { permanent: boolean; scene: string; expireSeconds?: number }) {
    const body = input.permanent
      ? { action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: input.scene } } }
      : { expire_seconds: input.expireSeconds ?? 2_592_000, action_name: 'QR_STR_SCENE', action_info: { scene: { scene_str: input.scene } } };
    const r = await this.call('POST', '/cgi-bin/qrcode/create', {}, body);
    return { ticket: String(r.ticket), url: String(r.url), expireSeconds: r.expire_seconds === undefined ? null : Number(r.expire_seconds) };
  }

  /** One page of followers; `nextOpenid` is empty when the list is done. */
  async followers(nextOpenid = ''): Promise<{ total: number; openids: string[]; nextOpenid: string }> {
    const r = await this.call('GET', '/cgi-bin/user/get', nextOpenid ? { next_openid: nextOpenid } : {});
    const data = (r.data ?? {}) as { openid?: string[] };
    const openids = data.openid ?? [];
    return { total: Number(r.total ?? 0), openids, nextOpenid: openids.length ? String(r.next_openid ?? '') : '' };
  }

  async usersInfo(openids: string[]): Promise<{ openid: string; subscribe: boolean; unionid: string | null; subscribeTime: number | null; qrSceneStr: string | null }[]> {
    if (!openids.length) return [];
    const r = await this.call('POST', '/cgi-bin/user/info/batchget', {}, { user_list: openids.map((openid) => ({ openid, lang: 'zh_CN' })) });
    return ((r.user_info_list ?? []) as Json[]).map((u) => ({
      openid: String(u.openid),
      subscribe: Number(u.subscribe) === 1,
      unionid: u.unionid ? String(u.unionid) : null,
      subscribeTime: u.subscribe_time ? Number(u.subscribe_time) : null,
      qrSceneStr: u.qr_scene_str ? String(u.qr_scene_str) : null,
    }));
  }

  async createMenu(menu: unknown) {
    await this.call('POST', '/cgi-bin/menu/create', {}, menu);
  }

  async privateTemplates(): Promise<{ templateId: string; title: string; content: string; example: string }[]> {
    const r = await this.call('GET', '/cgi-bin/template/get_all_private_template');
    return ((r.template_list ?? []) as Json[]).map((t) => ({ templateId: String(t.template_id), title: String(t.title), content: String(t.content ?? ''), example: String(t.example ?? '') }));
  }

  async miniTemplates(): Promise<{ templateId: string; title: string; content: string; example: string }[]> {
    const r = await this.call('GET', '/wxaapi/newtmpl/gettemplate');
    return ((r.data ?? []) as Json[]).map((t) => ({ templateId: String(t.priTmplId), title: String(t.title), content: String(t.content ?? ''), example: String(t.example ?? '') }));
  }

  /** Template message. `clientMsgId` makes a retry within 10 minutes return the first msgid instead of sending again. */
  async sendTemplate(input: { openid: string; templateId: string; data: Record<string, string>; url?: string; miniprogram?: { appid: string; pagepath: string }; clientMsgId: string }) {
    const r = await this.call('POST', '/cgi-bin/message/template/send', {}, {
      touser: input.openid,
      template_id: input.templateId,
      ...(input.url ? { url: input.url } : {}),
      ...(input.miniprogram ? { miniprogram: input.miniprogram } : {}),
      client_msg_id: input.clientMsgId,
      data: Object.fromEntries(Object.entries(input.data).map(([k, value]) => [k, { value }])),
    });
    return { msgId: String(r.msgid) };
  }

  /**
   * 小程序码 getUnlimitedQRCode: an image of a code that opens `page` with `scene` (the page reads it from
   * `options.scene`, URL-encoded). scene is ≤ 32 characters of [0-9A-Za-z!#$&'()*+,/:;=?@-._~]; page has no
   * leading slash and no query, and must be released unless checkPath is false. Codes never expire but
   * WeChat allows 5,000 calls a minute: generate once and keep the image. Errors: 40169 scene, 41030 page.
   */
  async wxaCodeUnlimited(input: { scene: string; page: string; width?: number; checkPath?: boolean; envVersion?: 'release' | 'trial' | 'develop' }): Promise<Buffer> {
    if (!this.tokens) throw new Error('MpClient needs a TokenSource for API calls');
    const body = {
      scene: input.scene,
      page: input.page,
      check_path: input.checkPath ?? true,
      ...(input.envVersion ? { env_version: input.envVersion } : {}),
      ...(input.width !== undefined ? { width: input.width } : {}),
    };
    const token = await this.tokens.token();
    try {
      return await this.image('/wxa/getwxacodeunlimit', token, body);
    } catch (err) {
      if (!(err instanceof MpApiError) || !TOKEN_ERRORS.has(err.errcode)) throw err;
      return this.image('/wxa/getwxacodeunlimit', await this.tokens.token(token), body);
    }
  }

  /** An API that answers an image on success and `{errcode, errmsg}` JSON on failure. */
  private async image(path: string, token: string, body: unknown): Promise<Buffer> {
    const base = (typeof this.opts.baseUrl === 'function' ? this.opts.baseUrl() : this.opts.baseUrl).replace(/\/+$/, '');
    const url = new URL(base + path);
    url.searchParams.set('access_token', token);
    let res: Response;
    let bytes: Buffer;
    try {
      res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000) });
      bytes = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      throw new MpApiError(-2, `unreachable: ${(err as Error).message}`, path);
    }
    if (res.status >= 500) throw new MpApiError(res.status, `HTTP ${res.status}`, path);
    // The content type is not reliable across WeChat's edges; the bytes are: JSON starts with "{".
    if (bytes[0] === 0x7b) {
      let json: Json;
      try {
        json = JSON.parse(bytes.toString('utf8')) as Json;
      } catch {
        throw new MpApiError(-1, `unexpected ${res.headers.get('content-type') || 'content'} (HTTP ${res.status})`, path);
      }
      throw new MpApiError(typeof json.errcode === 'number' ? json.errcode : -1, String(json.errmsg ?? 'no image'), path);
    }
    if (!isImage(bytes)) throw new MpApiError(-1, `unexpected ${res.headers.get('content-type') || 'content'} (HTTP ${res.status})`, path);
    return bytes;
  }

  /** Mini-program subscribe message: spends one of the customer's one-time subscriptions. */
  async sendSubscribe(input: { openid: string; templateId: string; data: Record<string, string>; page?: string; state: string }) {
    await this.call('POST', '/cgi-bin/message/subscribe/send', {}, {
      touser: input.openid,
      template_id: input.templateId,
      ...(input.page ? { page: input.page } : {}),
      miniprogram_state: input.state,
      lang: 'zh_CN',
      data: Object.fromEntries(Object.entries(input.data).map(([k, value]) => [k, { value }])),
    });
  }
}

const isImage = (b: Buffer) =>
  (b.length > 8 && b.readUInt32BE(0) === 0x89504e47) || (b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff);

/** jscode2session: the mini-program's login code → openid (and unionid when the app is bound to an open platform). */
export async function miniCodeToSession(opts: MpClientOptions, code: string): Promise<{ openid: string; unionid: string | null }> {
  const base = (typeof opts.baseUrl === 'function' ? opts.baseUrl() : opts.baseUrl).replace(/\/+$/, '');
  const url = new URL(`${base}/sns/jscode2session`);
  url.search = new URLSearchParams({ appid: opts.appId, secret: opts.appSecret, js_code: code, grant_type: 'authorization_code' }).toString();
  let json: Record<string, unknown>;
  try {
    json = (await (await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) })).json()) as Record<string, unknown>;
  } catch (err) {
    throw new MpApiError(-2, `unreachable: ${(err as Error).message}`, '/sns/jscode2session');
  }
  if (typeof json.errcode === 'number' && json.errcode !== 0) throw new MpApiError(json.errcode, String(json.errmsg ?? ''), '/sns/jscode2session');
  return { openid: String(json.openid), unionid: json.unionid ? String(json.unionid) : null };
}
