import { createHash } from 'node:crypto';
import type { WecomSettingsBody } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { rows, sql, type Db } from '../../platform/db/index.js';
import { AppError, unprocessable } from '../../platform/errors.js';
import { HotTokenCache } from './client/tokens.js';
import { WeComApiError, WeComClient } from './client/wecom-client.js';

export interface WecomCorp {
  id: string;
  shopId: string;
  corpId: string;
  contactSecret: string;
  agentId: number | null;
  agentSecret: string | null;
  callbackToken: string;
  encodingAesKey: string;
  verifiedAt: Date | null;
  lastError: string | null;
}

type CorpRow = {
  id: string; shop_id: string; corp_id: string; contact_secret: string; agent_id: number | null; agent_secret: string | null;
  callback_token: string; encoding_aes_key: string; verified_at: Date | null; last_error: string | null;
};
const toCorp = (r: CorpRow): WecomCorp => ({
  id: r.id, shopId: r.shop_id, corpId: r.corp_id, contactSecret: r.contact_secret, agentId: r.agent_id, agentSecret: r.agent_secret,
  callbackToken: r.callback_token, encodingAesKey: r.encoding_aes_key, verifiedAt: r.verified_at, lastError: r.last_error,
});

/**
 * A vendor error as the API answers it: WeCom refusing (with its errcode, e.g. a wrong secret) is 422,
 * WeCom unreachable or failing is 502; `field` names what the refusal is about.
 */
export function vendorRefusal(err: WeComApiError, field = 'corpId'): AppError {
  if (err.transient) return new AppError(502, 'WECOM_UNAVAILABLE', `WeCom did not answer: ${err.errcode} ${err.errmsg}`, { field, errcode: err.errcode });
  return new AppError(422, 'WECOM_API_ERROR', `WeCom refused: ${err.errcode} ${err.errmsg}`, { field, errcode: err.errcode });
}

/** Runs a call that reaches WeCom on a staff member's behalf, answering vendor errors as API errors. */
export async function onVendor<T>(f: () => Promise<T>, field?: string): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof WeComApiError) throw vendorRefusal(err, field);
    throw err;
  }
}

const mask = (s: string | null) => (s ? `${s.slice(0, 3)}…${s.slice(-3)}` : null);

export type SecretKind = 'contact' | 'agent';

/**
 * The shop's WeCom corp: its settings and the clients that speak for it, one per secret. A token is keyed
 * by corp and a hash of its secret, so a changed secret never meets the old secret's token.
 */
export class WecomCorps {
  readonly tokens: HotTokenCache;

  constructor(private p: Platform) {
    this.tokens = new HotTokenCache(p, 'wecom');
  }

  baseUrl() {
    return this.p.config.WECOM_BASE_URL ?? (this.p.config.SANDBOX ? `${this.p.selfUrl()}/sandbox/wecom` : 'https://qyapi.weixin.qq.com');
  }

  /** What the merchant enters as 接收事件服务器 URL in WeCom's admin console. */
  callbackUrl(corpRef: string) {
    return `${this.p.publicUrl()}/api/hooks/wecom/${corpRef}`;
  }

  async corp(shopId: string, db: Db = this.p.db): Promise<WecomCorp | null> {
    const [r] = await rows<CorpRow>(db, sql`SELECT * FROM wecom_corps WHERE shop_id = ${shopId}`);
    return r ? toCorp(r) : null;
  }

  async corpByRef(id: string, db: Db = this.p.db): Promise<WecomCorp | null> {
    const [r] = await rows<CorpRow>(db, sql`SELECT * FROM wecom_corps WHERE id = ${id}`);
    return r ? toCorp(r) : null;
  }

  async allCorps(): Promise<WecomCorp[]> {
    return (await rows<CorpRow>(this.p.db, sql`SELECT * FROM wecom_corps ORDER BY created_at`)).map(toCorp);
  }

  async requireCorp(shopId: string, db: Db = this.p.db) {
    const c = await this.corp(shopId, db);
    if (!c) throw unprocessable('WECOM_NOT_CONNECTED', 'Connect the WeCom corp first', { field: 'corpId' });
    return c;
  }

  view(c: WecomCorp | null) {
    if (!c) return null;
    return {
      id: c.id, corpId: c.corpId, contactSecret: mask(c.contactSecret), agentId: c.agentId, agentSecret: mask(c.agentSecret),
      callbackToken: c.callbackToken, encodingAesKey: mask(c.encodingAesKey), callbackUrl: this.callbackUrl(c.id),
      verifiedAt: c.verifiedAt, lastError: c.lastError,
    };
  }

  async save(tx: Db, shopId: string, input: WecomSettingsBody) {
    const before = await this.corp(shopId, tx);
    if (!before && !input.contactSecret) throw unprocessable('VALIDATION_FAILED', 'The contact secret is required', { field: 'contactSecret' });
    if (!before && !input.encodingAesKey) throw unprocessable('VALIDATION_FAILED', 'The EncodingAESKey is required', { field: 'encodingAesKey' });
    if (input.agentId !== null && !input.agentSecret && !before?.agentSecret) throw unprocessable('VALIDATION_FAILED', "The app's secret is required with its AgentId", { field: 'agentSecret' });
    const [r] = await rows<CorpRow>(tx, sql`
      INSERT INTO wecom_corps (shop_id, corp_id, contact_secret, agent_id, agent_secret, callback_token, encoding_aes_key)
      VALUES (${shopId}, ${input.corpId}, ${input.contactSecret ?? ''}, ${input.agentId}, ${input.agentSecret ?? null}, ${input.callbackToken}, ${input.encodingAesKey ?? ''})
      ON CONFLICT (shop_id) DO UPDATE SET corp_id = excluded.corp_id,
        contact_secret = coalesce(${input.contactSecret ?? null}::text, wecom_corps.contact_secret),
        agent_id = excluded.agent_id,
        agent_secret = CASE WHEN excluded.agent_id IS NULL THEN NULL ELSE coalesce(${input.agentSecret ?? null}::text, wecom_corps.agent_secret) END,
        callback_token = excluded.callback_token,
        encoding_aes_key = coalesce(${input.encodingAesKey ?? null}::text, wecom_corps.encoding_aes_key),
        verified_at = CASE WHEN wecom_corps.corp_id = excluded.corp_id THEN wecom_corps.verified_at END, updated_at = now()
      RETURNING *`);
    return { before, after: toCorp(r!) };
  }

  async markVerified(corpRef: string, error: string | null) {
    await this.p.database.transaction((tx) =>
      tx.execute(sql`UPDATE wecom_corps SET verified_at = CASE WHEN ${error}::text IS NULL THEN now() ELSE verified_at END, last_error = ${error} WHERE id = ${corpRef}`),
    );
  }

  private secretOf(c: WecomCorp, kind: SecretKind): string {
    if (kind === 'contact') return c.contactSecret;
    if (!c.agentSecret || c.agentId === null) throw unprocessable('WECOM_AGENT_MISSING', "Set the app's AgentId and secret first", { field: 'agentSecret' });
    return c.agentSecret;
  }

  private tokenKey(c: WecomCorp, kind: SecretKind) {
    return `${c.corpId}:${kind}:${createHash('sha256').update(this.secretOf(c, kind)).digest('hex').slice(0, 16)}`;
  }

  private raw(c: WecomCorp, kind: SecretKind) {
    return new WeComClient({ baseUrl: () => this.baseUrl(), corpId: c.corpId, secret: this.secretOf(c, kind) });
  }

  /** A client for one of the corp's secrets, its token shared by every process. */
  client(c: WecomCorp, kind: SecretKind = 'contact'): WeComClient {
    const key = this.tokenKey(c, kind);
    const raw = this.raw(c, kind);
    return new WeComClient({ baseUrl: () => this.baseUrl(), corpId: c.corpId, secret: this.secretOf(c, kind) }, {
      token: (stale) => this.tokens.token(key, () => raw.getToken(), stale),
    });
  }

  /** The test button: gettoken with each secret that is set (a fresh token, not the cached one). */
  async test(shopId: string) {
    const c = await this.requireCorp(shopId);
    const results: { secret: SecretKind; ok: boolean; errcode?: number; error?: string }[] = [];
    for (const kind of ['contact', 'agent'] as const) {
      if (kind === 'agent' && (c.agentId === null || !c.agentSecret)) continue;
      try {
        await this.raw(c, kind).getToken();
        results.push({ secret: kind, ok: true });
      } catch (err) {
        if (!(err instanceof WeComApiError)) throw err;
        results.push({ secret: kind, ok: false, errcode: err.errcode, error: `${err.errcode} ${err.errmsg}` });
      }
    }
    const failed = results.find((r) => !r.ok);
    await this.markVerified(c.id, failed ? `${failed.secret}: ${failed.error}` : null);
    return { ok: !failed, results };
  }

  /** The scheduled renewal of every corp's tokens before they expire. */
  async refreshDue(): Promise<number> {
    let n = 0;
    for (const c of await this.allCorps()) {
      for (const kind of ['contact', 'agent'] as const) {
        if (kind === 'agent' && (c.agentId === null || !c.agentSecret)) continue;
        try {
          if (await this.tokens.refreshIfDue(this.tokenKey(c, kind), () => this.raw(c, kind).getToken())) n++;
        } catch (err) {
          this.p.log.warn({ err, corpRef: c.id, kind }, 'WeCom token refresh failed');
        }
      }
    }
    return n;
  }
}
