import { maskPhone } from '@siyu/contracts';
import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { AppError, conflict, notFound, unauthorized, unprocessable } from '../../platform/errors.js';
import { sha256 } from '../../platform/auth/tokens.js';
import { pgArray, uuidArray } from '../../platform/db/prepared.js';
import type { TenancyService } from '../../platform/tenancy/service.js';
import type { StoreCustomer } from '../../platform/http/store-scope.js';
import { CustomerAddresses } from './addresses.js';
import { CustomerAdmin } from './admin.js';
import { TtlCache } from '../../platform/ttl-cache.js';
import { customerIdentities, customers, customerSessions } from './schema.js';
import { createSmsSender, SmsVerification, type SmsPurpose, type SmsSender } from '../../platform/sms/index.js';
import { customerView, type CustomerRow } from './views.js';
import { WechatOAuthClient, type WechatApp, type WechatScope } from './wechat-oauth/client.js';
import { WechatSignIn } from './wechat-sign-in.js';
import { customerRow, identitiesOf, lockKey, openSession, retryOnUnique, type SessionMeta } from './shared.js';
import { isSignedToken, readSessionToken, revokedCustomer, revokedSession, SessionRevocations } from './sessions.js';

/** last_active_at is informative; refresh it at most this often per customer. */
const ACTIVE_REFRESH_MS = 5 * 60_000;
/** Customers seen active are written together, at most this often per process. */
const ACTIVE_WRITE_MS = 2000;

/**
 * Storefront customers: sign-in by SMS code or WeChat web authorization, sessions, profile and the
 * "one person, one customer" rule across phone and WeChat (binding a phone that another customer has
 * merges the two).
 */
export class CustomersService {
  readonly addresses: CustomerAddresses;
  readonly admin: CustomerAdmin;
  /**
   * Tokens resolved in the database lately (5 s): those issued before signed tokens, and signed ones older
   * than the hot store's memory of ended sessions. Sign-out and merges here drop them at once; another
   * process may honour such a signed-out token for up to 5 s more.
   */
  private tokens = new TtlCache<{ customer: StoreCustomer; expiresAt: Date }>(5_000, 100_000);
  /** Ended signed sessions, followed from the hot store. */
  readonly revocations: SessionRevocations;
  private activeSeen = new Map<string, number>();
  private activeDue = new Set<string>();
  private activeTimer: NodeJS.Timeout | null = null;
  readonly verification: SmsVerification;
  readonly wechat: WechatOAuthClient;
  private readonly wechatSignIn: WechatSignIn;
  private readonly smsSender: () => SmsSender;

  constructor(
    private p: Platform,
    private tenancy: TenancyService,
    deps: { sms?: SmsSender; wechat?: WechatOAuthClient } = {},
  ) {
    const cfg = p.config;
    const tencent = createSmsSender(p);
    this.smsSender = () => deps.sms ?? tencent;
    // Browsers are sent to the public address; the server calls the API on its own address.
    this.wechat =
      deps.wechat ??
      new WechatOAuthClient({
        authorizeBaseUrl: () => cfg.WECHAT_AUTHORIZE_BASE_URL ?? cfg.WECHAT_OAUTH_BASE_URL ?? (cfg.SANDBOX ? `${p.publicUrl()}/sandbox/wechat` : 'https://open.weixin.qq.com'),
        apiBaseUrl: () => cfg.WECHAT_OAUTH_BASE_URL ?? (cfg.SANDBOX ? `${p.selfUrl()}/sandbox/wechat` : 'https://api.weixin.qq.com'),
      });
    this.wechatSignIn = new WechatSignIn(p, this.wechat, (shopId) => this.wechatApp(shopId));
    this.verification = new SmsVerification(p, this.smsSender);
    this.addresses = new CustomerAddresses(p);
    this.admin = new CustomerAdmin(p);
    this.revocations = new SessionRevocations(p.hot, () => p.config.CUSTOMER_SESSION_TTL_HOURS * 3600_000, p.log.child({ part: 'customer-sessions' }));
    // Read at start, so that the first requests do not wait for it and the timeline is begun early.
    this.revocations.refresh().catch(() => undefined);
  }

  // ---- for other modules -------------------------------------------------------------------------

  /**
   * The customer behind a bearer token, for this shop only; null when unknown, expired, signed out or
   * merged away. A signed token is read without the database unless it is older than what the hot store
   * remembers of ended sessions.
   */
  async resolveToken(shopId: string, token: string): Promise<StoreCustomer | null> {
    const now = this.p.now();
    if (isSignedToken(token)) {
      const c = readSessionToken(this.p.config.SESSION_SECRET, token);
      // A session lives at most the configured time, even one issued when it was longer.
      const maxLife = this.p.config.CUSTOMER_SESSION_TTL_HOURS * 3600_000;
      if (!c || c.shopId !== shopId || c.expiresAt <= now.getTime() || c.issuedAt + maxLife <= now.getTime()) return null;
      const state = await this.revocations.check(c);
      if (state === 'revoked') return null;
      if (state === 'valid') {
        // Signing in set last_active_at; a token younger than the refresh interval has nothing to add.
        if (now.getTime() - c.issuedAt >= ACTIVE_REFRESH_MS) this.noteActive(c.customerId);
        return { id: c.customerId, shopId };
      }
    }
    const key = `${shopId}:${sha256(token)}`;
    const hit = this.tokens.get(key);
    if (hit && hit.expiresAt > now) return hit.customer;
    const [row] = await this.p.db
      .select({ id: customers.id, shopId: customers.shopId, lastActiveAt: customers.lastActiveAt, expiresAt: customerSessions.expiresAt })
      .from(customerSessions)
      .innerJoin(customers, eq(customers.id, customerSessions.customerId))
      .where(and(eq(customerSessions.tokenHash, sha256(token)), eq(customerSessions.shopId, shopId), gt(customerSessions.expiresAt, now), isNull(customers.mergedInto)));
    if (!row) return null;
    if (now.getTime() - row.lastActiveAt.getTime() > ACTIVE_REFRESH_MS) {
      void this.p.db
        .update(customers)
        .set({ lastActiveAt: now })
        .where(and(eq(customers.id, row.id), lt(customers.lastActiveAt, now)))
        .catch(() => undefined);
    }
    const customer = { id: row.id, shopId: row.shopId };
    this.tokens.set(key, { customer, expiresAt: row.expiresAt });
    return customer;
  }

  /** Keeps last_active_at roughly current for customers with signed tokens: one UPDATE for all seen lately. */
  private noteActive(customerId: string) {
    const now = Date.now();
    const seen = this.activeSeen.get(customerId);
    if (seen !== undefined && now - seen < ACTIVE_REFRESH_MS) return;
    if (this.activeSeen.size >= 200_000) this.activeSeen.clear();
    this.activeSeen.set(customerId, now);
    this.activeDue.add(customerId);
    if (!this.activeTimer) {
      this.activeTimer = setTimeout(() => void this.writeActive(), ACTIVE_WRITE_MS);
      this.activeTimer.unref();
    }
  }

  private async writeActive() {
    this.activeTimer = null;
    const ids = [...this.activeDue];
    this.activeDue.clear();
    for (let i = 0; i < ids.length; i += 5000) {
      await this.p.db
        .execute(sql`UPDATE customers SET last_active_at = now()
          WHERE id = ANY(${uuidArray(ids.slice(i, i + 5000))}::uuid[]) AND last_active_at < now() - interval '5 minutes'`)
        .catch((err) => this.p.log.debug({ err }, 'customers: last active not written'));
    }
  }

  /** A customer of the shop (merged ones too, with `mergedInto` set); 404 for another shop's id. */
  async getCustomer(shopId: string, id: string, db: Db = this.p.db) {
    const row = await customerRow(db, shopId, id);
    if (!row) throw notFound('Customer', { field: 'customerId' });
    const wechat = await identitiesOf(db, shopId, id);
    return { ...customerView(row, wechat.length > 0), source: row.source, mergedInto: row.mergedInto };
  }

  /**
   * Name and masked phone of many customers at once (the people behind an analysis), keyed by id; ids
   * that are not this shop's customers are absent.
   */
  async summaries(shopId: string, ids: string[], db: Db = this.p.db) {
    const out = new Map<string, { nickname: string | null; phone: string | null; avatarUrl: string | null }>();
    for (let i = 0; i < ids.length; i += 5000) {
      const found = await db
        .select({ id: customers.id, nickname: customers.nickname, phone: customers.phone, avatarUrl: customers.avatarUrl })
        .from(customers)
        .where(and(eq(customers.shopId, shopId), sql`${customers.id} = ANY(${uuidArray(ids.slice(i, i + 5000))}::uuid[])`));
      for (const c of found) out.set(c.id, { nickname: c.nickname, phone: c.phone ? maskPhone(c.phone) : null, avatarUrl: c.avatarUrl });
    }
    return out;
  }

  getAddress(shopId: string, customerId: string, addressId: string, db: Db = this.p.db) {
    return this.addresses.get(shopId, customerId, addressId, db);
  }

  /** The customer's openid under a WeChat app (for JSAPI payment and service messages), or null. */
  async wechatOpenid(shopId: string, customerId: string, appId: string, db: Db = this.p.db): Promise<string | null> {
    const [row] = await db
      .select({ openid: customerIdentities.openid })
      .from(customerIdentities)
      .where(and(eq(customerIdentities.shopId, shopId), eq(customerIdentities.customerId, customerId), eq(customerIdentities.provider, 'wechat'), eq(customerIdentities.appId, appId)));
    return row?.openid ?? null;
  }

  /**
   * How each customer can be reached: phone, WeChat openids per app and unionids (messaging resolves the
   * channel from these). Merged and unknown ids are absent.
   */
  async contactPoints(shopId: string, ids: string[], db: Db = this.p.db) {
    const out = new Map<string, { phone: string | null; nickname: string | null; unionids: string[]; openids: { appId: string; openid: string }[] }>();
    for (let i = 0; i < ids.length; i += 5000) {
      const chunk = uuidArray(ids.slice(i, i + 5000));
      const found = await db
        .select({ id: customers.id, phone: customers.phone, nickname: customers.nickname })
        .from(customers)
        .where(and(eq(customers.shopId, shopId), isNull(customers.mergedInto), sql`${customers.id} = ANY(${chunk}::uuid[])`));
      for (const c of found) out.set(c.id, { phone: c.phone, nickname: c.nickname, unionids: [], openids: [] });
      const idents = await db
        .select({ customerId: customerIdentities.customerId, appId: customerIdentities.appId, openid: customerIdentities.openid, unionid: customerIdentities.unionid })
        .from(customerIdentities)
        .where(and(eq(customerIdentities.shopId, shopId), sql`${customerIdentities.customerId} = ANY(${chunk}::uuid[])`));
      for (const r of idents) {
        const c = out.get(r.customerId);
        if (!c) continue;
        c.openids.push({ appId: r.appId, openid: r.openid });
        if (r.unionid && !c.unionids.includes(r.unionid)) c.unionids.push(r.unionid);
      }
    }
    return out;
  }

  /** The customer holding each unionid (a follower of the official account becomes a known customer). */
  async idsByUnionids(shopId: string, unionids: string[], db: Db = this.p.db): Promise<Map<string, string>> {
    if (!unionids.length) return new Map();
    const found = await db
      .selectDistinct({ unionid: customerIdentities.unionid, customerId: customerIdentities.customerId })
      .from(customerIdentities)
      .where(and(eq(customerIdentities.shopId, shopId), sql`${customerIdentities.unionid} = ANY(${pgArray(unionids)}::text[])`));
    return new Map(found.map((r) => [r.unionid!, r.customerId]));
  }

  findIdsByPhone(shopId: string, phone: string) {
    return this.admin.findIdsByPhone(shopId, phone);
  }

  phonesFor(shopId: string, customerIds: string[]) {
    return this.admin.phonesFor(shopId, customerIds);
  }

  idsByPhones(shopId: string, phones: string[]) {
    return this.admin.idsByPhones(shopId, phones);
  }

  existingIds(shopId: string, ids: string[]) {
    return this.admin.existingIds(shopId, ids);
  }

  allIds(shopId: string) {
    return this.admin.allIds(shopId);
  }

  newCustomersByDay(shopId: string, from: Date) {
    return this.admin.newCustomersByDay(shopId, from);
  }

  /** The WeChat official account a shop signs customers in with. */
  async wechatApp(shopId: string, db: Db = this.p.db): Promise<WechatApp> {
    const settings = await this.tenancy.settings(shopId, db);
    if (settings.wechat?.appId && settings.wechat.appSecret) return { appId: settings.wechat.appId, appSecret: settings.wechat.appSecret };
    if (this.p.config.SANDBOX) return { appId: this.p.config.WECHAT_SANDBOX_APP_ID, appSecret: this.p.config.WECHAT_SANDBOX_APP_SECRET };
    throw unprocessable('WECHAT_NOT_CONFIGURED', 'This shop has no WeChat official account configured');
  }

  // ---- SMS sign-in -------------------------------------------------------------------------------

  sendSmsCode(shopId: string, input: { phone: string; purpose: SmsPurpose; ip?: string }) {
    return this.verification.send(shopId, input);
  }

  async signInWithSms(shopId: string, input: { phone: string; code: string } & SessionMeta) {
    await this.verification.verify(shopId, { phone: input.phone, purpose: 'sign_in', code: input.code });
    return this.p.database.transaction(async (tx) => {
      const { customer, created } = await this.findOrCreateByPhone(tx, shopId, input.phone);
      const session = await openSession(this.p, tx, shopId, customer.id, 'sms', input);
      return { ...session, created, customer: customerView(customer, (await identitiesOf(tx, shopId, customer.id)).length > 0) };
    });
  }

  /**
   * Finds the shop's customer with this phone or creates one. The partial unique index decides races:
   * a parallel insert waits for the first and then does nothing, and the select sees the winner.
   */
  async findOrCreateByPhone(tx: Db, shopId: string, phone: string): Promise<{ customer: CustomerRow; created: boolean }> {
    const now = this.p.now();
    const [inserted] = await tx
      .insert(customers)
      .values({ shopId, phone, source: 'sms', registeredAt: now, lastActiveAt: now })
      .onConflictDoNothing({ target: [customers.shopId, customers.phone], where: sql`phone IS NOT NULL` })
      .returning();
    if (inserted) {
      await this.p.events.emit(tx, { shopId, type: 'customer.registered', payload: { customerId: inserted.id, source: 'sms' } });
      return { customer: inserted, created: true };
    }
    const [existing] = await tx
      .update(customers)
      .set({ lastActiveAt: now })
      .where(and(eq(customers.shopId, shopId), eq(customers.phone, phone)))
      .returning();
    if (!existing) throw new AppError(409, 'CONFLICT_RETRY', 'Please try again');
    return { customer: existing, created: false };
  }

  // ---- WeChat sign-in ----------------------------------------------------------------------------

  wechatAuthorizeUrl(shopId: string, input: { scope: WechatScope; redirect: string }) {
    return this.wechatSignIn.authorizeUrl(shopId, input);
  }

  signInWithWechat(shopId: string, input: { code: string; state: string; browserKey?: string } & SessionMeta) {
    return this.wechatSignIn.signIn(shopId, input);
  }

  // ---- sessions and profile ----------------------------------------------------------------------

  /** Ends this session: at once here, within a second in every other process (SessionRevocations). */
  async signOut(shopId: string, token: string) {
    const c = isSignedToken(token) ? readSessionToken(this.p.config.SESSION_SECRET, token) : null;
    if (c && c.shopId === shopId) await this.revocations.revoke(revokedSession(c.sessionId));
    await this.p.db.delete(customerSessions).where(and(eq(customerSessions.tokenHash, sha256(token)), eq(customerSessions.shopId, shopId)));
    this.tokens.delete(`${shopId}:${sha256(token)}`);
  }

  /**
   * Ends every session of a customer merged away (their rows went with the merge). Called right after the
   * merge and again by the `customer.merged` subscriber, which holds should this process die in between.
   */
  async endSessionsOf(customerId: string) {
    await this.revocations.revoke(revokedCustomer(customerId));
    this.tokens.clear();
  }

  async me(shopId: string, customerId: string) {
    const c = await this.getCustomer(shopId, customerId);
    const { source: _s, mergedInto: _m, ...view } = c;
    return view;
  }

  async updateMe(shopId: string, customerId: string, input: { nickname?: string; avatarUrl?: string | null; gender?: 'unknown' | 'male' | 'female'; birthday?: string }) {
    const { birthday, ...patch } = input;
    if (birthday !== undefined) await this.setBirthdayOnce(shopId, customerId, birthday);
    const [row] = await this.p.db
      .update(customers)
      .set({ ...patch, updatedAt: this.p.now() })
      .where(and(eq(customers.id, customerId), eq(customers.shopId, shopId), isNull(customers.mergedInto)))
      .returning();
    if (!row) throw unauthorized('SESSION_EXPIRED', 'Session expired, sign in again');
    return this.me(shopId, customerId);
  }

  /**
   * The customer sets their birthday once (a birthday coupon is worth moving it for); the conditional
   * UPDATE makes two racing first settings one. Sending the same date again is fine; staff correct it.
   */
  private async setBirthdayOnce(shopId: string, customerId: string, birthday: string) {
    const [set] = await this.p.db
      .update(customers)
      .set({ birthday, birthdaySetAt: this.p.now(), updatedAt: this.p.now() })
      .where(and(eq(customers.id, customerId), eq(customers.shopId, shopId), isNull(customers.mergedInto), isNull(customers.birthdaySetAt)))
      .returning({ id: customers.id });
    if (set) return;
    const c = await this.getCustomer(shopId, customerId);
    if (c.birthday !== birthday) throw conflict('BIRTHDAY_LOCKED', 'The birthday can be set only once; ask the shop to correct it', { field: 'birthday' });
  }

  /**
   * Customers whose birthday falls on one of `monthDays` ("MM-DD"), in every shop (the daily birthday
   * job; 29 Feb birthdays are asked for on 28 Feb of common years by the caller).
   */
  async withBirthdayOn(monthDays: string[], db: Db = this.p.db): Promise<{ shopId: string; customerId: string; birthday: string }[]> {
    if (monthDays.length === 0) return [];
    const pairs = monthDays.map((md) => sql`(${Number(md.slice(0, 2))}, ${Number(md.slice(3, 5))})`);
    const list = await db
      .select({ shopId: customers.shopId, customerId: customers.id, birthday: customers.birthday })
      .from(customers)
      .where(and(isNull(customers.mergedInto), sql`${customers.birthday} IS NOT NULL`, sql`(EXTRACT(MONTH FROM ${customers.birthday}), EXTRACT(DAY FROM ${customers.birthday})) IN (${sql.join(pairs, sql`, `)})`));
    return list.map((r) => ({ shopId: r.shopId, customerId: r.customerId, birthday: r.birthday! }));
  }

  // ---- one person, one customer ------------------------------------------------------------------

  /**
   * Binds a verified phone to the signed-in customer. When another customer already has it, both are
   * the same person: the newer is merged into the older (identities, addresses, phone), its sessions end,
   * `customer.merged` tells other modules to move their rows, and the caller gets a token for the survivor.
   */
  async bindPhone(shopId: string, customerId: string, input: { phone: string; code: string; currentToken: string } & SessionMeta) {
    await this.verification.verify(shopId, { phone: input.phone, purpose: 'bind', code: input.code });
    // A merge ends the merged-away customer's sessions: forget what this process cached about any token.
    const done = await retryOnUnique(() =>
      this.p.database.transaction(async (tx) => {
        await lockKey(tx, `customer:phone:${shopId}:${input.phone}`);
        const [me] = await tx.select().from(customers).where(and(eq(customers.id, customerId), eq(customers.shopId, shopId))).for('update');
        if (!me || me.mergedInto) throw unauthorized('SESSION_EXPIRED', 'Session expired, sign in again');
        const wechat = async (id: string) => (await identitiesOf(tx, shopId, id)).length > 0;
        if (me.phone === input.phone) return { token: input.currentToken, merged: false, customer: customerView(me, await wechat(me.id)) };
        if (me.phone) throw conflict('PHONE_ALREADY_BOUND', 'This account already has a phone number', { field: 'phone' });
        const [other] = await tx.select().from(customers).where(and(eq(customers.shopId, shopId), eq(customers.phone, input.phone))).for('update');
        if (!other) {
          const [row] = await tx.update(customers).set({ phone: input.phone, updatedAt: this.p.now() }).where(eq(customers.id, me.id)).returning();
          return { token: input.currentToken, merged: false, customer: customerView(row, await wechat(row.id)) };
        }
        const [into, from] = me.registeredAt < other.registeredAt || (me.registeredAt.getTime() === other.registeredAt.getTime() && me.id < other.id) ? [me, other] : [other, me];
        const survivor = await this.merge(tx, shopId, from, into, input.phone);
        const session = await openSession(this.p, tx, shopId, survivor.id, 'merge', input);
        return { token: session.token, expiresAt: session.expiresAt, merged: true, mergedFrom: from.id, customer: customerView(survivor, await wechat(survivor.id)) };
      }),
    );
    if (done.merged) {
      this.tokens.clear();
      await this.endSessionsOf(done.mergedFrom!).catch((err) => this.p.log.error({ err, customerId: done.mergedFrom }, 'customers: ending merged sessions failed; the customer.merged subscriber retries'));
    }
    return done;
  }

  private async merge(tx: Db, shopId: string, from: CustomerRow, into: CustomerRow, phone: string): Promise<CustomerRow> {
    const now = this.p.now();
    await tx.update(customerIdentities).set({ customerId: into.id }).where(and(eq(customerIdentities.shopId, shopId), eq(customerIdentities.customerId, from.id)));
    // Moved addresses keep their default only when the survivor has none (the statement sees the old rows).
    await tx.execute(sql`
      UPDATE customer_addresses SET customer_id = ${into.id},
        is_default = is_default AND NOT EXISTS (SELECT 1 FROM customer_addresses d WHERE d.customer_id = ${into.id} AND d.is_default)
      WHERE shop_id = ${shopId} AND customer_id = ${from.id}`);
    await tx.update(customers).set({ mergedInto: into.id }).where(and(eq(customers.shopId, shopId), eq(customers.mergedInto, from.id)));
    await tx.update(customers).set({ phone: null, mergedInto: into.id, mergedAt: now, updatedAt: now }).where(eq(customers.id, from.id));
    await tx.delete(customerSessions).where(eq(customerSessions.customerId, from.id));
    const [survivor] = await tx
      .update(customers)
      .set({
        phone,
        nickname: into.nickname ?? from.nickname,
        avatarUrl: into.avatarUrl ?? from.avatarUrl,
        gender: into.gender !== 'unknown' ? into.gender : from.gender,
        province: into.province ?? from.province,
        city: into.city ?? from.city,
        lastActiveAt: now,
        updatedAt: now,
      })
      .where(eq(customers.id, into.id))
      .returning();
    await this.p.events.emit(tx, { shopId, type: 'customer.merged', payload: { fromCustomerId: from.id, intoCustomerId: into.id } });
    return survivor;
  }

  // ---- helpers -----------------------------------------------------------------------------------

  /** Removes sessions that ended (run by a scheduled job). */
  async purgeExpiredSessions() {
    await this.p.db.delete(customerSessions).where(lt(customerSessions.expiresAt, this.p.now()));
  }
}

/** Other modules import the service under this name. */
export type CustomerService = CustomersService;
