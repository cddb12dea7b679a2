/**
 * WeChat official-account web authorization (网页授权) client, to the published API:
 * the browser goes to open.weixin.qq.com/connect/oauth2/authorize, comes back with a code, and the server
 * exchanges it at api.weixin.qq.com/sns/oauth2/access_token, then (snsapi_userinfo only) reads /sns/userinfo.
 */
export type WechatScope = 'snsapi_base' | 'snsapi_userinfo';

export interface WechatApp {
  appId: string;
  appSecret: string;
}

export interface WechatOAuthToken {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  openid: string;
  scope: WechatScope;
  /** Present when the official account is bound to an open-platform account. */
  unionid?: string;
}

export interface WechatUserInfo {
  openid: string;
  nickname: string;
  /** 1 male, 2 female, 0 unknown. */
  sex: number;
  province: string;
  city: string;
  country: string;
  headimgurl: string;
  privilege: string[];
  unionid?: string;
}

export class WechatApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(`WeChat error ${errcode}: ${errmsg}`);
  }
}

export interface WechatOAuthOptions {
  /** open.weixin.qq.com in production: where browsers are sent. */
  authorizeBaseUrl: string | (() => string);
  /** api.weixin.qq.com in production: server-to-server calls. */
  apiBaseUrl: string | (() => string);
  timeoutMs?: number;
}

const resolve = (u: string | (() => string)) => (typeof u === 'function' ? u() : u).replace(/\/+$/, '');

export class WechatOAuthClient {
  constructor(private opts: WechatOAuthOptions) {}

  authorizeUrl(input: { appId: string; redirectUri: string; scope: WechatScope; state: string }): string {
    const q = new URLSearchParams({ appid: input.appId, redirect_uri: input.redirectUri, response_type: 'code', scope: input.scope, state: input.state });
    // WeChat requires the parameters in this order and the #wechat_redirect fragment.
    return `${resolve(this.opts.authorizeBaseUrl)}/connect/oauth2/authorize?${q.toString()}#wechat_redirect`;
  }

  async exchangeCode(app: WechatApp, code: string): Promise<WechatOAuthToken> {
    const r = await this.get<{ access_token: string; expires_in: number; refresh_token: string; openid: string; scope: string; unionid?: string }>(
      '/sns/oauth2/access_token',
      { appid: app.appId, secret: app.appSecret, code, grant_type: 'authorization_code' },
    );
    // WeChat reports a comma-joined list when several scopes were granted; userinfo implies base.
    const scope: WechatScope = r.scope?.split(',').includes('snsapi_userinfo') ? 'snsapi_userinfo' : 'snsapi_base';
    return { accessToken: r.access_token, expiresIn: r.expires_in, refreshToken: r.refresh_token, openid: r.openid, scope, unionid: r.unionid || undefined };
  }

  async userInfo(accessToken: string, openid: string): Promise<WechatUserInfo> {
    const r = await this.get<WechatUserInfo>('/sns/userinfo', { access_token: accessToken, openid, lang: 'zh_CN' });
    return { ...r, unionid: r.unionid || undefined };
  }

  /** Whether an access token is still valid for this openid. */
  async checkToken(accessToken: string, openid: string): Promise<boolean> {
    try {
      await this.get('/sns/auth', { access_token: accessToken, openid });
      return true;
    } catch (err) {
      if (err instanceof WechatApiError) return false;
      throw err;
    }
  }

  private async get<T>(path: string, query: Record<string, string>): Promise<T> {
    const url = `${resolve(this.opts.apiBaseUrl)}${path}?${new URLSearchParams(query).toString()}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000) });
    } catch (err) {
      throw new WechatApiError(-1, `WeChat unreachable: ${(err as Error).message}`);
    }
    let body: (T & { errcode?: number; errmsg?: string }) | undefined;
    try {
      body = (await res.json()) as T & { errcode?: number; errmsg?: string };
    } catch {
      throw new WechatApiError(-1, `WeChat answered HTTP ${res.status} without JSON`);
    }
    // WeChat answers errors with HTTP 200 and a non-zero errcode.
    if (!body || (body.errcode !== undefined && body.errcode !== 0)) throw new WechatApiError(body?.errcode ?? -1, body?.errmsg ?? 'unknown error');
    return body;
  }
}
