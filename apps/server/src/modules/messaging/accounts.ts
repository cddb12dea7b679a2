import { setTimeout as sleep } from 'node:timers/promises';
import type { OfficialAccountBody } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { rows, sql, type Db } from '../../platform/db/index.js';
import { notFound, unprocessable } from '../../platform/errors.js';
import { MpApiError, MpClient, type TokenSource } from './clients/mp-client.js';
import { AliyunSmsGateway, TencentSmsGateway, type SmsAccountConfig, type SmsGateway } from './clients/sms.js';

export interface MpAccount {
  id: string;
  shopId: string;
  kind: 'oa' | 'mini';
  name: string;
  appId: string;
  appSecret: string;
  token: string | null;
  encodingAesKey: string | null;
  miniState: string;
  menu: unknown;
  verifiedAt: Date | null;
  lastError: string | null;
}

type AccountRow = {
  id: string; shop_id: string; kind: 'oa' | 'mini'; name: string; app_id: string; app_secret: string; token: string | null;
  encoding_aes_key: string | null; mini_state: string; menu: unknown; verified_at: Date | null; last_error: string | null;
};
const toAccount = (r: AccountRow): MpAccount => ({
  id: r.id, shopId: r.shop_id, kind: r.kind, name: r.name, appId: r.app_id, appSecret: r.app_secret, token: r.token,
  encodingAesKey: r.encoding_aes_key, miniState: r.mini_state, menu: r.menu, verifiedAt: r.verified_at, lastError: r.last_error,
});

const mask = (s: string | null) => (s ? `${s.slice(0, 3)}…${s.slice(-3)}` : null);

/** Refresh a token this long before WeChat would expire it (stable_token overlaps old and new by 5 minutes). */
const REFRESH_AHEAD_MS = 10 * 60_000;

/**
 * The shop's channel accounts: the official account, the mini-program and the SMS account, and the
 * clients that speak for them. Tokens live in `mp_tokens`: one worker refreshes those near expiry for
 * every process (`refreshDue`), a process reads the row when its copy is old, and a token WeChat calls
 * stale is replaced once, under a hot-store lock, by whichever process saw it first.
 */
export class ChannelAccounts {
  private tokens = new Map<string, { token: string; expiresAt: number }>();

  constructor(private p: Platform) {}

  mpBaseUrl() {
    return this.p.config.WECHAT_MP_BASE_URL ?? (this.p.config.SANDBOX ? `${this.p.selfUrl()}/sandbox/mp` : 'https://api.weixin.qq.com');
  }

  /** Where WeChat must send the account's messages (服务器地址 in the official account's console). */
  callbackUrl(accountId: string) {
    return `${this.p.publicUrl()}/api/hooks/wechat-mp/${accountId}`;
  }

  async account(shopId: string, kind: 'oa' | 'mini', db: Db = this.p.db): Promise<MpAccount | null> {
    const [r] = await rows<AccountRow>(db, sql`SELECT * FROM mp_accounts WHERE shop_id = ${shopId} AND kind = ${kind}`);
    return r ? toAccount(r) : null;
  }

  async accountById(id: string, db: Db = this.p.db): Promise<MpAccount | null> {
    const [r] = await rows<AccountRow>(db, sql`SELECT * FROM mp_accounts WHERE id = ${id}`);
    return r ? toAccount(r) : null;
  }

  async requireAccount(shopId: string, kind: 'oa' | 'mini', db: Db = this.p.db) {
    const a = await this.account(shopId, kind, db);
    if (!a) throw unprocessable(kind === 'oa' ? 'OA_NOT_CONNECTED' : 'MINI_NOT_CONNECTED', kind === 'oa' ? 'Connect the official account first' : 'Connect the mini-program first', { field: kind });
    return a;
  }

  view(a: MpAccount | null) {
    if (!a) return null;
    return {
      id: a.id, kind: a.kind, name: a.name, appId: a.appId, appSecret: mask(a.appSecret), token: a.token, encodingAesKey: mask(a.encodingAesKey),
      state: a.miniState, menu: a.menu, verifiedAt: a.verifiedAt, lastError: a.lastError, callbackUrl: a.kind === 'oa' ? this.callbackUrl(a.id) : null,
    };
  }

  async saveOfficialAccount(tx: Db, shopId: string, input: OfficialAccountBody) {
    const before = await this.account(shopId, 'oa', tx);
    if (!before && !input.appSecret) throw unprocessable('VALIDATION_FAILED', 'The AppSecret is required', { field: 'appSecret' });
    if (!before && !input.encodingAesKey) throw unprocessable('VALIDATION_FAILED', 'The EncodingAESKey is required', { field: 'encodingAesKey' });
    const [r] = await rows<AccountRow>(tx, sql`
      INSERT INTO mp_accounts (shop_id, kind, name, app_id, app_secret, token, encoding_aes_key)
      VALUES (${shopId}, 'oa', ${input.name}, ${input.appId}, ${input.appSecret ?? ''}, ${input.token}, ${input.encodingAesKey ?? before?.encodingAesKey ?? ''})
      ON CONFLICT (shop_id, kind) DO UPDATE SET name = excluded.name, app_id = excluded.app_id,
        app_secret = CASE WHEN ${input.appSecret ?? null}::text IS NULL THEN mp_accounts.app_secret ELSE excluded.app_secret END,
        token = excluded.token, encoding_aes_key = excluded.encoding_aes_key,
        verified_at = CASE WHEN mp_accounts.app_id = excluded.app_id THEN mp_accounts.verified_at END, updated_at = now()
      RETURNING *`);
    await this.forgetToken(tx, r!.id, before?.appId !== input.appId);
    return { before, after: toAccount(r!) };
  }

  async saveMiniProgram(tx: Db, shopId: string, input: { name: string; appId: string; appSecret?: string; state: string }) {
    const before = await this.account(shopId, 'mini', tx);
    if (!before && !input.appSecret) throw unprocessable('VALIDATION_FAILED', 'The AppSecret is required', { field: 'appSecret' });
    const [r] = await rows<AccountRow>(tx, sql`
      INSERT INTO mp_accounts (shop_id, kind, name, app_id, app_secret, mini_state)
      VALUES (${shopId}, 'mini', ${input.name}, ${input.appId}, ${input.appSecret ?? ''}, ${input.state})
      ON CONFLICT (shop_id, kind) DO UPDATE SET name = excluded.name, app_id = excluded.app_id, mini_state = excluded.mini_state,
        app_secret = CASE WHEN ${input.appSecret ?? null}::text IS NULL THEN mp_accounts.app_secret ELSE excluded.app_secret END,
        verified_at = CASE WHEN mp_accounts.app_id = excluded.app_id THEN mp_accounts.verified_at END, updated_at = now()
      RETURNING *`);
    await this.forgetToken(tx, r!.id, before?.appId !== input.appId);
    return { before, after: toAccount(r!) };
  }

  private async forgetToken(tx: Db, accountId: string, appChanged: boolean) {
    this.tokens.delete(accountId);
    if (appChanged) await tx.execute(sql`DELETE FROM mp_tokens WHERE account_id = ${accountId}`);
  }

  async markVerified(accountId: string, error: string | null) {
    await this.p.db.execute(sql`UPDATE mp_accounts SET verified_at = CASE WHEN ${error}::text IS NULL THEN now() ELSE verified_at END, last_error = ${error} WHERE id = ${accountId}`);
  }

  client(a: MpAccount): MpClient {
    return new MpClient({ baseUrl: () => this.mpBaseUrl(), appId: a.appId, appSecret: a.appSecret }, this.tokenSource(a));
  }

  private tokenSource(a: MpAccount): TokenSource {
    return { token: (stale) => this.token(a, stale) };
  }

  private async token(a: MpAccount, stale?: string): Promise<string> {
    const now = this.p.now().getTime();
    const mine = this.tokens.get(a.id);
    if (mine && mine.token !== stale && mine.expiresAt - now > 60_000) return mine.token;
    for (let attempt = 0; attempt < 50; attempt++) {
      const [row] = await rows<{ access_token: string; expires_at: Date }>(this.p.db, sql`SELECT access_token, expires_at FROM mp_tokens WHERE account_id = ${a.id}`);
      if (row && row.access_token !== stale && new Date(row.expires_at).getTime() - now > 60_000) {
        this.tokens.set(a.id, { token: row.access_token, expiresAt: new Date(row.expires_at).getTime() });
        return row.access_token;
      }
      // One process fetches; the others wait for its row (WeChat limits forced refreshes to 20 a day).
      const lock = await this.p.hot.lock(`mp-token:${a.id}`, 15_000);
      if (!lock) {
        await sleep(100);
        continue;
      }
      try {
        const [again] = await rows<{ access_token: string; expires_at: Date }>(this.p.db, sql`SELECT access_token, expires_at FROM mp_tokens WHERE account_id = ${a.id}`);
        if (again && again.access_token !== stale && new Date(again.expires_at).getTime() - now > 60_000) continue;
        return await this.fetchToken(a, !!stale && again?.access_token === stale);
      } finally {
        await this.p.hot.unlock(`mp-token:${a.id}`, lock);
      }
    }
    throw new MpApiError(-1, 'access token refresh is taking too long', '/cgi-bin/stable_token');
  }

  private async fetchToken(a: MpAccount, force: boolean) {
    const raw = new MpClient({ baseUrl: () => this.mpBaseUrl(), appId: a.appId, appSecret: a.appSecret });
    const t = await raw.stableToken(force);
    const expiresAt = new Date(this.p.now().getTime() + t.expiresIn * 1000);
    await this.p.db.execute(sql`
      INSERT INTO mp_tokens (account_id, access_token, expires_at) VALUES (${a.id}, ${t.accessToken}, ${expiresAt.toISOString()}::timestamptz)
      ON CONFLICT (account_id) DO UPDATE SET access_token = excluded.access_token, expires_at = excluded.expires_at, refreshed_at = now()`);
    this.tokens.set(a.id, { token: t.accessToken, expiresAt: expiresAt.getTime() });
    return t.accessToken;
  }

  /** The scheduled refresh: tokens that expire within 10 minutes are renewed before any send needs them. */
  async refreshDue(): Promise<number> {
    const due = await rows<AccountRow>(this.p.db, sql`
      SELECT a.* FROM mp_accounts a JOIN mp_tokens t ON t.account_id = a.id
      WHERE t.expires_at < ${new Date(this.p.now().getTime() + REFRESH_AHEAD_MS).toISOString()}::timestamptz`);
    let n = 0;
    for (const r of due) {
      const a = toAccount(r);
      const lock = await this.p.hot.lock(`mp-token:${a.id}`, 15_000);
      if (!lock) continue;
      try {
        await this.fetchToken(a, false);
        n++;
      } catch (err) {
        this.p.log.warn({ err, accountId: a.id }, 'access token refresh failed');
      } finally {
        await this.p.hot.unlock(`mp-token:${a.id}`, lock);
      }
    }
    return n;
  }

  // ── SMS ──────────────────────────────────────────────────────────────────────────────────────────

  smsBaseUrl(vendor: 'tencent' | 'aliyun') {
    const cfg = this.p.config;
    if (vendor === 'tencent') return cfg.SMS_BASE_URL ?? (cfg.SANDBOX ? `${this.p.selfUrl()}/sandbox/sms` : 'https://sms.tencentcloudapi.com');
    return cfg.ALIYUN_SMS_BASE_URL ?? (cfg.SANDBOX ? `${this.p.selfUrl()}/sandbox/sms/aliyun` : 'https://dysmsapi.aliyuncs.com');
  }

  async smsAccount(shopId: string, db: Db = this.p.db): Promise<(SmsAccountConfig & { verifiedAt: Date | null }) | null> {
    const [r] = await rows<{ vendor: 'tencent' | 'aliyun'; access_key_id: string; access_key_secret: string; sdk_app_id: string | null; sign_name: string; region: string; verified_at: Date | null }>(
      db,
      sql`SELECT * FROM sms_accounts WHERE shop_id = ${shopId}`,
    );
    if (!r) return null;
    return { vendor: r.vendor, accessKeyId: r.access_key_id, accessKeySecret: r.access_key_secret, sdkAppId: r.sdk_app_id, signName: r.sign_name, region: r.region, verifiedAt: r.verified_at };
  }

  smsView(a: Awaited<ReturnType<ChannelAccounts['smsAccount']>>) {
    return a ? { vendor: a.vendor, accessKeyId: a.accessKeyId, accessKeySecret: mask(a.accessKeySecret), sdkAppId: a.sdkAppId, signName: a.signName, region: a.region, verifiedAt: a.verifiedAt } : null;
  }

  async saveSmsAccount(tx: Db, shopId: string, input: { vendor: 'tencent' | 'aliyun'; accessKeyId: string; accessKeySecret?: string; sdkAppId: string | null; signName: string; region: string }) {
    const before = await this.smsAccount(shopId, tx);
    if ((!before || before.vendor !== input.vendor) && !input.accessKeySecret) throw unprocessable('VALIDATION_FAILED', 'The secret is required', { field: 'accessKeySecret' });
    await tx.execute(sql`
      INSERT INTO sms_accounts (shop_id, vendor, access_key_id, access_key_secret, sdk_app_id, sign_name, region)
      VALUES (${shopId}, ${input.vendor}, ${input.accessKeyId}, ${input.accessKeySecret ?? ''}, ${input.sdkAppId}, ${input.signName}, ${input.region})
      ON CONFLICT (shop_id) DO UPDATE SET vendor = excluded.vendor, access_key_id = excluded.access_key_id,
        access_key_secret = CASE WHEN ${input.accessKeySecret ?? null}::text IS NULL THEN sms_accounts.access_key_secret ELSE excluded.access_key_secret END,
        sdk_app_id = excluded.sdk_app_id, sign_name = excluded.sign_name, region = excluded.region, verified_at = NULL, updated_at = now()`);
    return { before: this.smsView(before), after: this.smsView(await this.smsAccount(shopId, tx)) };
  }

  async markSmsVerified(shopId: string) {
    await this.p.db.execute(sql`UPDATE sms_accounts SET verified_at = now() WHERE shop_id = ${shopId}`);
  }

  smsGateway(a: SmsAccountConfig): SmsGateway {
    return a.vendor === 'tencent' ? new TencentSmsGateway(() => this.smsBaseUrl('tencent'), a) : new AliyunSmsGateway(() => this.smsBaseUrl('aliyun'), a, () => this.p.now());
  }

  /** Shops whose SMS account signs with this name (a reply names the sign, not the shop). */
  async shopsBySignName(signName: string): Promise<string[]> {
    return (await rows<{ shop_id: string }>(this.p.db, sql`SELECT shop_id FROM sms_accounts WHERE sign_name = ${signName}`)).map((r) => r.shop_id);
  }

  async requireById(shopId: string, id: string) {
    const a = await this.accountById(id);
    if (!a || a.shopId !== shopId) throw notFound('Account');
    return a;
  }
}
