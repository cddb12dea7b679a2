import { randomUUID } from 'node:crypto';
import { DueRunner, type SandboxStore, type StoredRecord } from '../store.js';
import { accountOf, type SandboxAccount } from './accounts.js';
import { acknowledged, attempt, push, toXml, xmlInner, type PushOutcome, type PushTarget, type XmlValue } from './callback.js';
import {
  CLIENT_MSG_ID_WINDOW_MS,
  Counters,
  DEFAULT_SETTINGS,
  FORCE_REFRESH_GAP_MS,
  KIND,
  STABLE_OVERLAP_MS,
  TOKEN_TTL_S,
  chinaDay,
  messageExpiry,
  newAccessToken,
  newUser,
  userKey,
  type AccountState,
  type Fault,
  type IssuedToken,
  type MpMessage,
  type MpUser,
  type Settings,
  type TokenRecord,
} from './state.js';

export interface CoreOptions {
  store: SandboxStore;
  fetch: typeof fetch;
  /** How long the merchant's server has to answer a push (WeChat: 5 s). */
  pushTimeoutMs: number;
  /** Delays between attempts of a delivery-finished event (3 attempts in all). */
  finishRetryDelaysMs: number[];
  pollMs: number;
  log: (err: unknown, what: string) => void;
}

const WAKE_SLOT_MS = 50;

/** How long a process trusts what it read of a token or an account; its own changes apply at once. */
const CACHE_MS = 1_000;

/**
 * The simulator's state and the work shared by the vendor API, the simulation hooks and the pages.
 * Every fact lives in the SandboxStore; small read-mostly things (tokens, accounts, settings, faults)
 * are also kept in memory for at most a second, so a template send costs one read (the user) and one
 * write (the message, which also carries the due time of its delivery-finished event).
 */
export class MpCore {
  readonly store: SandboxStore;
  readonly counters: Counters;
  settings: Settings = { ...DEFAULT_SETTINGS };
  faults: Fault[] = [];
  private readonly tokens = new Map<string, { rec: TokenRecord | undefined; at: number }>();
  private readonly accounts = new Map<string, { state: AccountState; at: number }>();
  private readonly runner: DueRunner;
  private refresh: NodeJS.Timeout | null = null;
  private purge: NodeJS.Timeout | null = null;
  private readonly wakeSlots = new Set<number>();
  private readonly userCache = new Map<string, { user: MpUser | undefined; at: number }>();
  private day = { until: 0, day: '' };
  /** Requests held by a timeout fault; released when the server closes. */
  readonly held = new Set<() => void>();

  constructor(private readonly opts: CoreOptions) {
    this.store = opts.store;
    this.counters = new Counters(opts.store);
    this.runner = new DueRunner(opts.store, [KIND.message], (r) => this.finish(r as StoredRecord<MpMessage>), {
      pollMs: opts.pollMs,
      leaseMs: opts.pushTimeoutMs + 10_000,
      batch: 100,
      onError: (err, r) => opts.log(err, `delivery-finished event ${r.key}`),
    });
  }

  async init() {
    await this.reloadShared();
  }

  start() {
    this.runner.start();
    if (!this.refresh) {
      // Settings and faults set through another process (sharing the store) show here within a second.
      this.refresh = setInterval(() => void this.reloadShared().catch((err) => this.opts.log(err, 'reload settings')), 1_000);
      this.refresh.unref();
      // Expired tokens, codes, QR codes and month-old messages read as absent; this deletes them.
      this.purge = setInterval(() => void this.store.purgeExpired(new Date()).catch((err) => this.opts.log(err, 'purge')), 60_000);
      this.purge.unref();
    }
  }

  async close() {
    if (this.refresh) clearInterval(this.refresh);
    if (this.purge) clearInterval(this.purge);
    for (const release of this.held) release();
    this.held.clear();
    await this.runner.close();
    await this.counters.close();
  }

  private async reloadShared() {
    this.settings = { ...DEFAULT_SETTINGS, ...((await this.store.get<Partial<Settings>>(KIND.settings, 'global')) ?? {}) };
    this.faults = (await this.store.get<{ faults: Fault[] }>(KIND.faults, 'global'))?.faults ?? [];
  }

  async setSettings(change: Partial<Settings>): Promise<Settings> {
    const saved = await this.store.update<Partial<Settings>>(KIND.settings, 'global', (cur) => ({ value: { ...(cur ?? {}), ...change } }));
    this.settings = { ...DEFAULT_SETTINGS, ...(saved ?? {}) };
    return this.settings;
  }

  async addFault(f: Omit<Fault, 'id'>): Promise<Fault[]> {
    const saved = await this.store.update<{ faults: Fault[] }>(KIND.faults, 'global', (cur) => ({ value: { faults: [...(cur?.faults ?? []), { ...f, id: randomUUID() }] } }));
    this.faults = saved?.faults ?? [];
    return this.faults;
  }

  async clearFaults() {
    await this.store.put(KIND.faults, 'global', { faults: [] });
    this.faults = [];
  }

  /** The next matching fault, consumed atomically (so `count` is exact however many calls race). */
  async takeFault(api: string, appid: string | undefined): Promise<Fault | undefined> {
    const matches = (f: Fault) => f.remaining > 0 && (f.api === '*' || f.api === api) && (!f.appid || f.appid === appid);
    if (!this.faults.some(matches)) return undefined;
    let taken: Fault | undefined;
    const saved = await this.store.update<{ faults: Fault[] }>(KIND.faults, 'global', (cur) => {
      taken = undefined;
      const list = cur?.faults ?? [];
      const i = list.findIndex(matches);
      if (i < 0) return undefined;
      taken = list[i];
      const next = list.map((f, j) => (j === i ? { ...f, remaining: f.remaining - 1 } : f)).filter((f) => f.remaining > 0);
      return { value: { faults: next } };
    });
    this.faults = saved?.faults ?? [];
    return taken;
  }

  // ---- accounts and tokens ----

  async account(appid: string): Promise<AccountState> {
    const hit = this.accounts.get(appid);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.state;
    const state = (await this.store.get<AccountState>(KIND.account, appid)) ?? { appid };
    this.accounts.set(appid, { state, at: Date.now() });
    return state;
  }

  async updateAccount(appid: string, change: (cur: AccountState) => AccountState | undefined): Promise<AccountState> {
    const saved = (await this.store.update<AccountState>(KIND.account, appid, (cur) => {
      const next = change(cur ?? { appid });
      return next ? { value: next } : undefined;
    })) ?? { appid };
    this.accounts.set(appid, { state: saved, at: Date.now() });
    return saved;
  }

  private async putToken(token: string, rec: TokenRecord) {
    // Kept a day past expiry, so a late caller is told "expired" (42001) rather than "invalid" (40001).
    await this.store.put<TokenRecord>(KIND.token, token, rec, { expiresAt: new Date(rec.expiresAt + 86_400_000) });
    this.tokens.set(token, { rec, at: Date.now() });
  }

  private async markTokens(tokens: Array<string | undefined>, change: (r: TokenRecord) => TokenRecord) {
    for (const t of tokens) {
      if (!t) continue;
      const saved = await this.store.update<TokenRecord>(KIND.token, t, (cur) => (cur ? { value: change(cur) } : undefined));
      this.tokens.set(t, { rec: saved, at: Date.now() });
    }
  }

  /** GET /cgi-bin/token: a new token each call; the previous one stops working. */
  async issueLegacy(appid: string): Promise<IssuedToken> {
    const issued = { token: newAccessToken(), expiresAt: Date.now() + TOKEN_TTL_S * 1000 };
    await this.putToken(issued.token, { appid, kind: 'legacy', expiresAt: issued.expiresAt });
    let previous: string | undefined;
    await this.updateAccount(appid, (cur) => {
      previous = cur.legacy?.token;
      return { ...cur, legacy: issued };
    });
    await this.markTokens([previous], (r) => ({ ...r, invalid: true }));
    return issued;
  }

  /** POST /cgi-bin/stable_token: the same token until its last five minutes, or a forced refresh. */
  async issueStable(appid: string, force: boolean): Promise<IssuedToken> {
    const now = Date.now();
    // The common case, the current token handed out again, costs one read.
    const seen = (await this.store.get<AccountState>(KIND.account, appid))?.stable;
    if (!force && seen && seen.expiresAt - now > STABLE_OVERLAP_MS) return { token: seen.token, expiresAt: seen.expiresAt };
    // Written first, so whoever reads the new token from the account finds its record.
    const candidate = { token: newAccessToken(), expiresAt: now + TOKEN_TTL_S * 1000 };
    await this.putToken(candidate.token, { appid, kind: 'stable', expiresAt: candidate.expiresAt });
    let outcome: IssuedToken = candidate;
    let replaced: IssuedToken | undefined;
    // Decided in one atomic update, so callers racing for a token all get the same one.
    await this.updateAccount(appid, (cur) => {
      const current = cur.stable;
      const usable = !!current && current.expiresAt > now;
      const keep = usable && (force ? !!current.forcedAt && now - current.forcedAt < FORCE_REFRESH_GAP_MS : current.expiresAt - now > STABLE_OVERLAP_MS);
      if (keep) {
        outcome = { token: current.token, expiresAt: current.expiresAt };
        return undefined;
      }
      outcome = candidate;
      replaced = usable ? current : undefined;
      // A normal renewal leaves the old token its last minutes; a forced refresh ends it at once.
      return { ...cur, stable: { ...candidate, forcedAt: force ? now : undefined }, stablePrevious: !force && replaced ? { token: replaced.token, expiresAt: replaced.expiresAt } : undefined };
    });
    if (outcome !== candidate) {
      await this.store.delete(KIND.token, candidate.token);
      this.tokens.delete(candidate.token);
    } else if (force && replaced) {
      await this.markTokens([replaced.token], (r) => ({ ...r, invalid: true }));
    }
    return outcome;
  }

  private async tokenRecord(token: string): Promise<TokenRecord | undefined> {
    const hit = this.tokens.get(token);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.rec;
    const rec = await this.store.get<TokenRecord>(KIND.token, token);
    if (this.tokens.size > 10_000) this.tokens.clear();
    this.tokens.set(token, { rec, at: Date.now() });
    return rec;
  }

  /** The account an access_token belongs to, or WeChat's error for it. */
  async checkToken(token: string | undefined): Promise<{ appid: string } | { errcode: number; errmsg: string }> {
    if (!token) return { errcode: 41001, errmsg: 'access_token missing' };
    const rec = await this.tokenRecord(token);
    if (!rec || rec.invalid) return { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' };
    if (rec.expiresAt <= Date.now()) return { errcode: 42001, errmsg: 'access_token expired' };
    return { appid: rec.appid };
  }

  /** Test hook: every token of the account now reads as expired (42001) or invalid (40001). */
  async endTokens(appid: string, how: 'expire' | 'invalidate') {
    const a = await this.store.get<AccountState>(KIND.account, appid);
    const tokens = [a?.legacy?.token, a?.stable?.token, a?.stablePrevious?.token];
    const past = Date.now() - 1;
    await this.markTokens(tokens, (r) => (how === 'expire' ? { ...r, expiresAt: Math.min(r.expiresAt, past) } : { ...r, invalid: true }));
    const end = <T extends IssuedToken>(t: T | undefined): T | undefined => (t && how === 'expire' ? { ...t, expiresAt: Math.min(t.expiresAt, past) } : undefined);
    await this.updateAccount(appid, (cur) => ({ ...cur, legacy: end(cur.legacy), stable: end(cur.stable), stablePrevious: undefined }));
    return tokens.filter(Boolean).length;
  }

  // ---- users ----

  /**
   * A user as a send sees them: cached for a second (this process's own changes apply at once), so a
   * stream of sends to the same people does not read them again each time.
   */
  async getUser(appid: string, openid: string): Promise<MpUser | undefined> {
    const key = userKey(appid, openid);
    const hit = this.userCache.get(key);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.user;
    const user = await this.store.get<MpUser>(KIND.user, key);
    this.cacheUser(key, user);
    return user;
  }

  private cacheUser(key: string, user: MpUser | undefined) {
    if (this.userCache.size >= 50_000) this.userCache.clear();
    this.userCache.set(key, { user, at: Date.now() });
  }

  /** Atomic change of a user (created on first contact); `change` returns undefined to leave it. */
  async changeUser(appid: string, key: string, change: (u: MpUser, isNew: boolean) => MpUser | undefined): Promise<{ before: MpUser | undefined; after: MpUser }> {
    const fresh = newUser(appid, key);
    let before: MpUser | undefined;
    const recordKey = userKey(appid, fresh.openid);
    const after = await this.store.update<MpUser>(KIND.user, recordKey, (cur) => {
      before = cur;
      const next = change(cur ?? fresh, !cur);
      if (next) return { value: next, ref: appid };
      return cur ? undefined : { value: fresh, ref: appid };
    });
    this.cacheUser(recordKey, after);
    return { before, after: after! };
  }

  /** Every user of the account in the order they were first seen (stable across calls and restarts). */
  async users(appid: string): Promise<MpUser[]> {
    return (await this.store.list<MpUser>(KIND.user, { ref: appid, limit: 10_000_000 })).reverse();
  }

  // ---- pushes to the merchant's server ----

  target(account: SandboxAccount, state: AccountState, openid: string): PushTarget | undefined {
    return state.server ? { appid: account.appid, ghId: account.ghId, openid, server: state.server } : undefined;
  }

  /**
   * A message or event from a user, pushed now (the simulated user waits, as a phone does), with a passive
   * reply kept as a message the user received.
   */
  async pushFromUser(appid: string, openid: string, fields: Array<[string, XmlValue | undefined]>): Promise<PushOutcome> {
    const account = accountOf(appid)!;
    const target = this.target(account, await this.account(appid), openid);
    if (!target) return { configured: false, delivered: false, attempts: [] };
    const xml = toXml([['ToUserName', account.ghId], ['FromUserName', openid], ['CreateTime', Math.floor(Date.now() / 1000)], ...fields]);
    const outcome = await push(target, xml, { fetch: this.opts.fetch, timeoutMs: this.opts.pushTimeoutMs });
    if (outcome.reply && outcome.reply.msgType !== 'transfer_customer_service') {
      await this.putMessage({
        id: `r:${appid}:${randomUUID()}`,
        appid,
        openid,
        type: 'reply',
        direction: 'out',
        createdAt: new Date().toISOString(),
        status: 'success',
        reply: outcome.reply,
        content: outcome.reply.content,
      });
    }
    return outcome;
  }

  async putMessage(m: MpMessage, dueAt?: Date) {
    await this.store.put<MpMessage>(KIND.message, m.id, m, { ref: userKey(m.appid, m.openid), dueAt: dueAt ?? null, expiresAt: messageExpiry() });
    if (dueAt) this.wake(dueAt);
  }

  /**
   * Asks the runner to look for due events at `at`, rounded up to the next 50 ms: thousands of sends a
   * second then cost twenty looks a second, not one each.
   */
  wake(at: Date) {
    const slot = Math.ceil(at.getTime() / WAKE_SLOT_MS) * WAKE_SLOT_MS;
    if (this.wakeSlots.has(slot)) return;
    const now = Date.now();
    for (const s of this.wakeSlots) if (s < now) this.wakeSlots.delete(s);
    this.wakeSlots.add(slot);
    this.runner.wake(new Date(slot));
  }

  async messages(appid: string, openid: string | undefined, limit = 200): Promise<MpMessage[]> {
    const list = openid
      ? await this.store.list<MpMessage>(KIND.message, { ref: userKey(appid, openid), limit })
      : (await this.store.list<MpMessage>(KIND.message, { limit: limit * 5 })).filter((m) => m.appid === appid).slice(0, limit);
    return list.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  /**
   * The delivery-finished event of a template or subscription message, due a moment after the send:
   * the final status is decided on the first attempt and kept for the retries (with the same CreateTime).
   */
  private async finish(record: StoredRecord<MpMessage>): Promise<void> {
    const m = record.value;
    const status = m.status !== 'pending' ? m.status : m.systemFail ? 'failed: system failed' : m.blockedAfterSend ? 'failed:user block' : 'success';
    const account = accountOf(m.appid);
    const target = account ? this.target(account, await this.account(m.appid), m.openid) : undefined;
    const createTime = m.finish?.createTime ?? Math.floor(Date.now() / 1000);
    const attempts = m.finish?.attempts ?? 0;
    let result: { status: number | null; error?: string; delivered: boolean } | undefined;
    if (target && account) {
      const fields: Array<[string, XmlValue | undefined]> =
        m.type === 'template'
          ? [['Event', 'TEMPLATESENDJOBFINISH'], ['MsgID', Number(m.msgid)], ['Status', status]]
          : [
              ['Event', 'subscribe_msg_sent_event'],
              [
                'SubscribeMsgSentEvent',
                { xml: `<List>${xmlInner([['TemplateId', m.templateId!], ['MsgID', String(m.msgid)], ['ErrorCode', status === 'success' ? 0 : 10002], ['ErrorStatus', status === 'success' ? 'success' : 'fail']])}</List>` },
              ],
            ];
      const xml = toXml([['ToUserName', account.ghId], ['FromUserName', m.openid], ['CreateTime', createTime], ['MsgType', 'event'], ...fields]);
      const r = await attempt(target, xml, { fetch: this.opts.fetch, timeoutMs: this.opts.pushTimeoutMs });
      result = { status: r.status, error: r.error, delivered: acknowledged(r) };
    }
    const tries = attempts + (result ? 1 : 0);
    const delay = result && !result.delivered ? this.opts.finishRetryDelaysMs[tries - 1] : undefined;
    const next = delay === undefined || tries >= 3 ? null : new Date(Date.now() + delay);
    if (m.status === 'pending') {
      this.counters.add(`stats:${m.appid}`, `${m.type === 'template' ? 'template' : 'subscribe'}.finish.${status === 'success' ? 'success' : 'failed'}`);
    }
    // One write, not a read-modify-write: only this runner changes a claimed message, and its final status
    // was fixed above from the claimed value (a refusal that arrives after this moment is too late anyway).
    const finished: MpMessage = {
      ...m,
      status,
      finish: {
        createTime,
        attempts: tries,
        pushed: !!result,
        delivered: (m.finish?.delivered ?? false) || !!result?.delivered,
        lastStatus: result?.status ?? null,
        lastError: result?.error,
      },
    };
    await this.store.put<MpMessage>(KIND.message, record.key, finished, { dueAt: next });
    if (next) this.wake(next);
  }

  /** The quota counter key of today. */
  quotaKey(appid: string) {
    const now = Date.now();
    if (now >= this.day.until) {
      // Beijing midnights fall at 16:00 UTC.
      const dayMs = 86_400_000;
      this.day = { day: chinaDay(now), until: Math.floor((now + 8 * 3_600_000) / dayMs) * dayMs + dayMs - 8 * 3_600_000 };
    }
    return `quota:${appid}:${this.day.day}`;
  }

  /**
   * The message a client_msg_id already produced within the last ten minutes, if any (a send retried by the
   * merchant returns the first msgid and delivers nothing).
   */
  async dedupeHit(appid: string, clientMsgId: string | undefined): Promise<MpMessage | undefined> {
    if (!clientMsgId) return undefined;
    const m = await this.store.get<MpMessage>(KIND.message, clientKey(appid, clientMsgId));
    return m && Date.now() - Date.parse(m.createdAt) < CLIENT_MSG_ID_WINDOW_MS ? m : undefined;
  }

  /**
   * Writes a new template message, or with a client_msg_id returns the one it already produced within the
   * window: one atomic insert-if-absent, so retries racing each other deliver once.
   */
  async insertTemplateMessage(m: MpMessage, dueAt: Date): Promise<{ message: MpMessage; duplicate: boolean }> {
    if (!m.clientMsgId) {
      await this.putMessage(m, dueAt);
      return { message: m, duplicate: false };
    }
    let existing: MpMessage | undefined;
    let stale: MpMessage | undefined;
    const key = clientKey(m.appid, m.clientMsgId);
    const message: MpMessage = { ...m, id: key };
    await this.store.update<MpMessage>(KIND.message, key, (cur) => {
      existing = undefined;
      stale = undefined;
      if (cur && Date.now() - Date.parse(cur.createdAt) < CLIENT_MSG_ID_WINDOW_MS) {
        existing = cur;
        return undefined;
      }
      stale = cur;
      return { value: message, ref: userKey(m.appid, m.openid), dueAt, expiresAt: messageExpiry() };
    });
    if (existing) return { message: existing, duplicate: true };
    // The same client_msg_id used again after the window: the older message moves to a key of its own.
    if (stale) await this.store.put<MpMessage>(KIND.message, `m:${stale.appid}:${stale.msgid}`, { ...stale, id: `m:${stale.appid}:${stale.msgid}` }, { ref: userKey(stale.appid, stale.openid), expiresAt: messageExpiry() });
    this.wake(dueAt);
    return { message, duplicate: false };
  }
}

export const clientKey = (appid: string, clientMsgId: string) => `c:${appid}:${clientMsgId}`;
