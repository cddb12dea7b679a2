import { randomUUID } from 'node:crypto';
import { DueRunner, type SandboxStore, type StoredRecord } from '../store.js';
import { acknowledged, attempt, toXml, type AttemptResult, type XmlValue } from './callback.js';
import { NoCorp, WxError } from './errors.js';
import { settleTransfers } from './transfers.js';
import { newAccessToken, secs, wxErr } from './ids.js';
import { DEFAULT_CORP_ID, KIND, TOKEN_TTL_S, WECOM_SANDBOX, newCorp, type CorpState, type SecretKind, type TokenRecord } from './state.js';

/** What a handler sees besides the state: the corp's clock and where its events go. */
export class Ctx {
  readonly events: string[] = [];
  constructor(
    readonly corpId: string,
    /** Sim time; only the clock hook moves it within a change. */
    public now: number,
  ) {}

  /** An event for the callback URL, with the header fields every WeCom event carries. */
  emit(event: string, changeType: string | undefined, fields: Array<[string, XmlValue | undefined]>) {
    this.events.push(
      toXml([['ToUserName', this.corpId], ['FromUserName', 'sys'], ['CreateTime', secs(this.now)], ['MsgType', 'event'], ['Event', event], ['ChangeType', changeType], ...fields]),
    );
  }
}

export interface PushRecord {
  id: string;
  corpId: string;
  xml: string;
  createdAt: string;
  attempts: AttemptResult[];
  delivered: boolean;
  gaveUp: boolean;
}

export interface CoreOptions {
  store: SandboxStore;
  fetch: typeof fetch;
  pushTimeoutMs: number;
  /** Delays before each retry of an unacknowledged push (WeCom retries three times). */
  retryDelaysMs: number[];
  pollMs: number;
  log: (err: unknown, what: string) => void;
}

export const simNow = (s: CorpState) => Date.now() + s.clockOffsetMs;

export class WecomCore {
  readonly store: SandboxStore;
  private readonly runner: DueRunner;

  constructor(readonly opts: CoreOptions) {
    this.store = opts.store;
    this.runner = new DueRunner(this.store, [KIND.push], (r) => this.deliver(r as StoredRecord<PushRecord>), {
      pollMs: opts.pollMs,
      leaseMs: opts.pushTimeoutMs + 5_000,
      onError: (err) => opts.log(err, 'callback push'),
    });
  }

  /** The sandbox corp always exists, so a fresh install can be connected without a setup step. */
  async init() {
    await this.store.update<CorpState>(KIND.corp, DEFAULT_CORP_ID, (cur) => (cur ? undefined : { value: newCorp(DEFAULT_CORP_ID) }));
  }

  start() {
    this.runner.start();
  }

  close() {
    return this.runner.close();
  }

  async createCorp(corpId: string, name?: string): Promise<CorpState | undefined> {
    let created = false;
    const s = await this.store.update<CorpState>(KIND.corp, corpId, (cur) => {
      created = !cur;
      return cur ? undefined : { value: newCorp(corpId, name) };
    });
    return created ? s : undefined;
  }

  corp(corpId: string): Promise<CorpState | undefined> {
    return this.store.get<CorpState>(KIND.corp, corpId);
  }

  async corps(): Promise<CorpState[]> {
    return this.store.list<CorpState>(KIND.corp, { limit: 1000 });
  }

  /**
   * One atomic change of a corp. Transfers whose time has come settle first; then `f` runs on a copy,
   * so a WxError it throws leaves only the settling written. Events are pushed once the change is stored.
   * `f` must do no I/O: the store may run it more than once.
   */
  async mutate<T>(corpId: string, f: (s: CorpState, ctx: Ctx) => T): Promise<T> {
    let result: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    let events: string[] = [];
    let callbackUrl: string | undefined;
    await this.store.update<CorpState>(KIND.corp, corpId, (cur) => {
      if (!cur) throw new NoCorp(corpId);
      const base = structuredClone(cur);
      const ctx = new Ctx(corpId, simNow(base));
      settleTransfers(base, ctx);
      const settledEvents = [...ctx.events];
      const work = structuredClone(base);
      callbackUrl = base.callbackUrl;
      try {
        result = { ok: true, value: f(work, ctx) };
        events = ctx.events;
        callbackUrl = work.callbackUrl;
        return { value: work };
      } catch (error) {
        if (!(error instanceof WxError)) throw error;
        result = { ok: false, error };
        events = settledEvents;
        return { value: base };
      }
    });
    // Without a callback URL WeCom has nowhere to send the event, and it is not sent later either.
    if (events.length && callbackUrl) await this.enqueue(corpId, events);
    if (!result!.ok) throw result!.error;
    return result!.value;
  }

  // ---- access tokens ----

  /** gettoken: the same token while it is valid (as WeCom does), a new one after it expired or was invalidated. */
  async issueToken(corpId: string, secret: SecretKind): Promise<{ token: string; expiresIn: number }> {
    let fresh: TokenRecord | undefined;
    const out = await this.mutate(corpId, (s, ctx) => {
      fresh = undefined;
      const cur = s.tokens[secret];
      if (cur && cur.expiresAt > ctx.now) return { token: cur.token, expiresIn: secs(cur.expiresAt - ctx.now) };
      const token = newAccessToken();
      const expiresAt = ctx.now + TOKEN_TTL_S * 1000;
      s.tokens[secret] = { token, expiresAt };
      fresh = { corpId, secret, expiresAt };
      return { token, expiresIn: TOKEN_TTL_S };
    });
    // Kept well past expiry, so a late caller is told "expired" (42001) rather than "invalid" (40014).
    if (fresh) await this.store.put<TokenRecord>(KIND.token, out.token, fresh, { ref: corpId, expiresAt: new Date(Date.now() + 30 * 86_400_000) });
    return out;
  }

  async checkToken(token: string | undefined): Promise<{ corpId: string; secret: SecretKind; token: string } | ReturnType<typeof wxErr>> {
    if (!token) return wxErr(41001, 'access_token missing');
    const rec = await this.store.get<TokenRecord>(KIND.token, token);
    if (!rec || rec.invalid) return wxErr(40014, 'invalid access_token');
    const s = await this.corp(rec.corpId);
    if (!s) return wxErr(40014, 'invalid access_token');
    if (rec.expiresAt <= simNow(s)) return wxErr(42001, 'access_token expired');
    return { corpId: rec.corpId, secret: rec.secret, token };
  }

  /** WeCom may end a token before its time; the merchant must fetch a new one (a fault simulates this). */
  async invalidateToken(token: string) {
    const rec = await this.store.update<TokenRecord>(KIND.token, token, (cur) => (cur ? { value: { ...cur, invalid: true } } : undefined));
    if (!rec) return;
    await this.mutate(rec.corpId, (s) => {
      if (s.tokens[rec.secret]?.token === token) delete s.tokens[rec.secret];
    });
  }

  /** Every token of the corp ends now: 42001 ('expire') or 40014 ('invalidate') from then on. */
  async endTokens(corpId: string, how: 'expire' | 'invalidate') {
    const tokens = await this.mutate(corpId, (s, ctx) => {
      const list = Object.entries(s.tokens).map(([secret, t]) => ({ secret: secret as SecretKind, token: t!.token }));
      if (how === 'expire') for (const t of Object.values(s.tokens)) t!.expiresAt = Math.min(t!.expiresAt, ctx.now - 1);
      else s.tokens = {};
      return list;
    });
    const s = (await this.corp(corpId))!;
    for (const t of tokens) {
      await this.store.update<TokenRecord>(KIND.token, t.token, (cur) =>
        cur ? { value: how === 'expire' ? { ...cur, expiresAt: Math.min(cur.expiresAt, simNow(s) - 1) } : { ...cur, invalid: true } } : undefined,
      );
    }
    return tokens.length;
  }

  // ---- callbacks ----

  private async enqueue(corpId: string, events: string[]) {
    const now = new Date();
    await this.store.putMany<PushRecord>(
      KIND.push,
      events.map((xml) => {
        const id = randomUUID();
        return { key: id, value: { id, corpId, xml, createdAt: now.toISOString(), attempts: [], delivered: false, gaveUp: false }, ref: corpId, dueAt: now, expiresAt: new Date(now.getTime() + 7 * 86_400_000) };
      }),
    );
    this.runner.wake(now);
  }

  private async deliver(record: StoredRecord<PushRecord>) {
    const p = record.value;
    const s = await this.corp(p.corpId);
    if (!s?.callbackUrl) {
      await this.store.put<PushRecord>(KIND.push, record.key, { ...p, gaveUp: true }, { dueAt: null });
      return;
    }
    const cfg = { url: s.callbackUrl, token: WECOM_SANDBOX.token, encodingAesKey: WECOM_SANDBOX.encodingAesKey, corpId: s.corpId, agentId: WECOM_SANDBOX.agentId };
    const r = await attempt(cfg, p.xml, { fetch: this.opts.fetch, timeoutMs: this.opts.pushTimeoutMs });
    const attempts = [...p.attempts, r];
    const delivered = acknowledged(r);
    const delay = delivered ? undefined : this.opts.retryDelaysMs[attempts.length - 1];
    const next = delay === undefined ? null : new Date(Date.now() + delay);
    await this.store.put<PushRecord>(KIND.push, record.key, { ...p, attempts, delivered, gaveUp: !delivered && !next }, { dueAt: next });
    if (next) this.runner.wake(next);
  }

  async pushes(corpId: string, limit = 100): Promise<PushRecord[]> {
    return this.store.list<PushRecord>(KIND.push, { ref: corpId, limit });
  }
}
