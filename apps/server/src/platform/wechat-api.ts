/**
 * The shape WeChat's server APIs share — the official account and mini-program (api.weixin.qq.com) and WeCom
 * (qyapi.weixin.qq.com): JSON over HTTPS, `?access_token=` on every call but the token's own, errors as
 * `{errcode, errmsg}` with HTTP 200. A call refused because its token is stale gets one fresh token from the
 * caller's TokenSource (kept for every process) and one retry. Each client names its error class and which
 * errcodes mean "stale token".
 */

export class WeChatApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    readonly api: string,
  ) {
    super(`${api}: ${errcode} ${errmsg}`);
  }
  /** Worth trying again later (network, 5xx, system busy, quota), as opposed to a refusal about this message. */
  get transient() {
    return this.errcode === -1 || this.errcode === -2 || this.errcode === 45009 || this.errcode === 45011 || (this.errcode >= 500 && this.errcode < 600);
  }
}

export interface TokenSource {
  /** The current token; `stale` names the token a call was refused with, so exactly that one is replaced. */
  token(stale?: string): Promise<string>;
}

export type Json = Record<string, any>;

export interface WeChatApiOptions {
  baseUrl: string | (() => string);
  timeoutMs?: number;
}

export abstract class WeChatJsonApi {
  constructor(
    protected readonly api: WeChatApiOptions,
    protected readonly tokens: TokenSource | undefined,
    private readonly staleTokenCodes: ReadonlySet<number>,
    private readonly failure: (errcode: number, errmsg: string, api: string) => WeChatApiError,
  ) {}

  private base() {
    const b = typeof this.api.baseUrl === 'function' ? this.api.baseUrl() : this.api.baseUrl;
    return b.replace(/\/+$/, '');
  }

  /** One request; a network failure is -2, an answer that is not JSON (a binary download, an error page) -1. */
  protected async http(method: 'GET' | 'POST', path: string, query: Record<string, string>, body?: unknown): Promise<Json> {
    const url = new URL(this.base() + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.api.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw this.failure(-2, `unreachable: ${(err as Error).message}`, path);
    }
    if (res.status >= 500) throw this.failure(res.status, `HTTP ${res.status}`, path);
    let json: Json;
    try {
      json = JSON.parse(await res.text()) as Json;
    } catch {
      throw this.failure(-1, `unexpected ${res.headers.get('content-type') || 'content'} (HTTP ${res.status})`, path);
    }
    if (typeof json.errcode === 'number' && json.errcode !== 0) throw this.failure(json.errcode, String(json.errmsg ?? ''), path);
    return json;
  }

  /** A call with the token, refreshed once if the API says it is stale. */
  protected async call(method: 'GET' | 'POST', path: string, query: Record<string, string> = {}, body?: unknown): Promise<Json> {
    if (!this.tokens) throw new Error(`${this.constructor.name} needs a TokenSource for API calls`);
    const token = await this.tokens.token();
    try {
      return await this.http(method, path, { ...query, access_token: token }, body);
    } catch (err) {
      if (!(err instanceof WeChatApiError) || !this.staleTokenCodes.has(err.errcode)) throw err;
      const fresh = await this.tokens.token(token);
      return this.http(method, path, { ...query, access_token: fresh }, body);
    }
  }
}
