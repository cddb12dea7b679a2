import { and, eq } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { AppError, badRequest, notFound } from '../../platform/errors.js';
import { newToken, safeEqual, sha256 } from '../../platform/auth/tokens.js';
import { customerIdentities, customers } from './schema.js';
import { customerRow, lockKey, openSession, retryOnUnique, type SessionMeta } from './shared.js';
import { customerView, type CustomerRow } from './views.js';
import { WechatApiError, type WechatApp, type WechatOAuthClient, type WechatScope, type WechatUserInfo } from './wechat-oauth/client.js';

const STATE_TTL_MS = 10 * 60_000;

interface StateRecord {
  shopId: string;
  appId: string;
  scope: WechatScope;
  /** sha256 of the browser key kept in the browser's cookie. */
  browser: string;
}

const stateKey = (state: string) => `wx:state:${state}`;

/**
 * Sign-in through WeChat web authorization: the authorize URL (with a state remembered for this shop),
 * then code → token (→ userinfo with snsapi_userinfo) → the shop's customer for that openid or unionid.
 */
export class WechatSignIn {
  constructor(
    private p: Platform,
    private client: WechatOAuthClient,
    private appFor: (shopId: string) => Promise<WechatApp>,
  ) {}

  /**
   * The authorize URL with a fresh `state`, and the browser key the caller puts in an http-only cookie.
   * The state is honoured only together with that cookie, so a code obtained by someone else cannot be
   * planted in a victim's browser (login CSRF, the first step of an account takeover through bind-phone).
   */
  async authorizeUrl(shopId: string, input: { scope: WechatScope; redirect: string }) {
    const app = await this.appFor(shopId);
    const state = newToken(16);
    const browserKey = newToken(24);
    const record: StateRecord = { shopId, appId: app.appId, scope: input.scope, browser: sha256(browserKey) };
    await this.p.hot.set(stateKey(state), JSON.stringify(record), { ttlMs: STATE_TTL_MS });
    return {
      url: this.client.authorizeUrl({ appId: app.appId, redirectUri: input.redirect, scope: input.scope, state }),
      state,
      appId: app.appId,
      browserKey,
      expiresInSeconds: STATE_TTL_MS / 1000,
    };
  }

  async signIn(shopId: string, input: { code: string; state: string; browserKey?: string } & SessionMeta) {
    const invalid = () => badRequest('WECHAT_STATE_INVALID', 'The sign-in link has expired or was opened in another browser, start again', { field: 'state' });
    const raw = await this.p.hot.get(stateKey(input.state));
    if (!raw) throw invalid();
    const record = JSON.parse(raw) as StateRecord;
    if (record.shopId !== shopId || !input.browserKey || !safeEqual(record.browser, sha256(input.browserKey))) throw invalid();
    // Single use, also when two requests race with the same state.
    if (!(await this.p.hot.set(`${stateKey(input.state)}:used`, '1', { nx: true, ttlMs: STATE_TTL_MS }))) throw invalid();
    await this.p.hot.del(stateKey(input.state));
    const app = await this.appFor(shopId);
    if (app.appId !== record.appId) throw invalid();
    const token = await this.call(() => this.client.exchangeCode(app, input.code));
    const profile = token.scope === 'snsapi_userinfo' ? await this.call(() => this.client.userInfo(token.accessToken, token.openid)) : undefined;
    const unionid = token.unionid ?? profile?.unionid;
    const result = await retryOnUnique(() =>
      this.p.database.transaction(async (tx) => {
        const { customer, created } = await this.findOrCreateByWechat(tx, shopId, { appId: app.appId, openid: token.openid, unionid, profile });
        const session = await openSession(this.p, tx, shopId, customer.id, 'wechat', input);
        return { ...session, created, customer: customerView(customer, true) };
      }),
    );
    return { ...result, openid: token.openid, scope: token.scope };
  }

  /** By openid (this app), else by unionid (another app of the same open platform), else a new customer. */
  private async findOrCreateByWechat(tx: Db, shopId: string, who: { appId: string; openid: string; unionid?: string; profile?: WechatUserInfo }) {
    const now = this.p.now();
    if (who.unionid) await lockKey(tx, `customer:unionid:${shopId}:${who.unionid}`);
    const [byOpenid] = await tx
      .select()
      .from(customerIdentities)
      .where(and(eq(customerIdentities.shopId, shopId), eq(customerIdentities.provider, 'wechat'), eq(customerIdentities.appId, who.appId), eq(customerIdentities.openid, who.openid)));
    if (byOpenid) {
      await tx
        .update(customerIdentities)
        .set({ lastUsedAt: now, unionid: byOpenid.unionid ?? who.unionid ?? null })
        .where(eq(customerIdentities.id, byOpenid.id));
      return { customer: await this.touchWithProfile(tx, shopId, byOpenid.customerId, who.profile), created: false };
    }
    if (who.unionid) {
      const [byUnionid] = await tx
        .select({ customerId: customerIdentities.customerId })
        .from(customerIdentities)
        .where(and(eq(customerIdentities.shopId, shopId), eq(customerIdentities.unionid, who.unionid)))
        .orderBy(customerIdentities.createdAt)
        .limit(1);
      if (byUnionid) {
        await tx.insert(customerIdentities).values({ shopId, customerId: byUnionid.customerId, provider: 'wechat', appId: who.appId, openid: who.openid, unionid: who.unionid });
        return { customer: await this.touchWithProfile(tx, shopId, byUnionid.customerId, who.profile), created: false };
      }
    }
    const [customer] = await tx
      .insert(customers)
      .values({ shopId, source: 'wechat', registeredAt: now, lastActiveAt: now, ...this.profileFields(who.profile) })
      .returning();
    await tx.insert(customerIdentities).values({ shopId, customerId: customer.id, provider: 'wechat', appId: who.appId, openid: who.openid, unionid: who.unionid ?? null });
    await this.p.events.emit(tx, { shopId, type: 'customer.registered', payload: { customerId: customer.id, source: 'wechat' } });
    return { customer, created: true };
  }

  private profileFields(profile?: WechatUserInfo) {
    if (!profile) return {};
    return {
      nickname: profile.nickname || null,
      avatarUrl: profile.headimgurl || null,
      gender: profile.sex === 1 ? ('male' as const) : profile.sex === 2 ? ('female' as const) : ('unknown' as const),
      province: profile.province || null,
      city: profile.city || null,
    };
  }

  /** Marks the customer active and fills profile gaps from WeChat; what the customer set stays. */
  private async touchWithProfile(tx: Db, shopId: string, customerId: string, profile?: WechatUserInfo): Promise<CustomerRow> {
    const current = await customerRow(tx, shopId, customerId);
    if (!current) throw notFound('Customer');
    const p = this.profileFields(profile);
    const [row] = await tx
      .update(customers)
      .set({
        lastActiveAt: this.p.now(),
        nickname: current.nickname ?? p.nickname ?? null,
        avatarUrl: current.avatarUrl ?? p.avatarUrl ?? null,
        gender: current.gender !== 'unknown' ? current.gender : (p.gender ?? 'unknown'),
        province: current.province ?? p.province ?? null,
        city: current.city ?? p.city ?? null,
      })
      .where(eq(customers.id, customerId))
      .returning();
    return row;
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof WechatApiError)) throw err;
      // 40029 invalid code, 40163 code already used: the customer starts again. Anything else is ours.
      if (err.errcode === 40029 || err.errcode === 40163) throw badRequest('WECHAT_CODE_INVALID', 'The WeChat authorization has expired, sign in again', { field: 'code', errcode: err.errcode });
      this.p.log.error({ errcode: err.errcode, errmsg: err.errmsg }, 'WeChat OAuth call failed');
      throw new AppError(502, 'WECHAT_UNAVAILABLE', 'WeChat sign-in is unavailable, try again later', { errcode: err.errcode });
    }
  }
}
