import { randomUUID } from 'node:crypto';
import { DueRunner, type SandboxStore, type StoredRecord } from '../store.js';
import { acknowledged, attempt, toXml, type AttemptResult, type XmlValue } from './callback.js';
import { NoCorp, WxError } from './errors.js';
import { settleTransfers } from './transfers.js';
import { newAccessToken, secs, wxErr } from './ids.js';
import { RECORD_KIND, beginJournal, endJournal, recordKey, restoreSmall, rollback, smallOf, type ReceivedRecord, type RecordOp, type SmallCorp } from './records.js';
import {
  DEFAULT_CORP_ID,
  KIND,
  TOKEN_TTL_S,
  WECOM_SANDBOX,
  newCorp,
  type AppMessage,
  type CorpState,
  type Customer,
  type Relation,
  type SecretKind,
  type TokenRecord,
  type WelcomeCode,
  type WelcomeMessage,
} from './state.js';

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

const opId = (op: RecordOp) => `${op.kind}\u0000${op.key}`;

/** Listing a corp's records takes them all; the store's default page is for people. */
const ALL = 1_000_000_000;

/** A corp as this process holds it, and the writes that have not reached the store yet. */
interface Held {
  s: CorpState;
  /** The small part as last stored (or about to be): a call compares with it and a refused call goes back to it. */
  smallJson: string;
  smallDirty: boolean;
  /** By kind and key; `reinsert`: deleted and written again, so the record goes to the end of the listing order. */
  pending: Map<string, RecordOp & { reinsert?: boolean }>;
  /** The write in progress, and the one queued behind it that later calls join. */
  writing: Promise<void>;
  queued: Promise<void> | null;
}

export class WecomCore {
  readonly store: SandboxStore;
  private readonly runner: DueRunner;
  private readonly held = new Map<string, Held>();
  private readonly loading = new Map<string, Promise<Held | undefined>>();

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
    await this.store.update<SmallCorp>(KIND.corp, DEFAULT_CORP_ID, (cur) => (cur ? undefined : { value: smallOf(newCorp(DEFAULT_CORP_ID)) }));
  }

  start() {
    this.runner.start();
  }

  async close() {
    await this.runner.close();
    for (const h of this.held.values()) {
      await h.writing;
      // Writes left over (a call answered with an error while the store was away) get one more try.
      if (h.pending.size || h.smallDirty) await this.flush(h).catch((err) => this.opts.log(err, 'corp write'));
    }
  }

  async createCorp(corpId: string, name?: string): Promise<CorpState | undefined> {
    let created = false;
    const s = newCorp(corpId, name);
    await this.store.update<SmallCorp>(KIND.corp, corpId, (cur) => {
      created = !cur;
      return cur ? undefined : { value: smallOf(s) };
    });
    if (!created) return undefined;
    this.held.set(corpId, this.hold(s));
    return s;
  }

  /** The corp as this process holds it: to read, not to change (changes go through `mutate`). */
  async corp(corpId: string): Promise<CorpState | undefined> {
    return (await this.load(corpId))?.s;
  }

  async corps(): Promise<CorpState[]> {
    const ids = (await this.store.list<SmallCorp>(KIND.corp, { limit: 1000 })).map((c) => c.corpId);
    const out: CorpState[] = [];
    for (const id of ids) {
      const s = await this.corp(id);
      if (s) out.push(s);
    }
    return out;
  }

  private hold(s: CorpState): Held {
    return { s, smallJson: JSON.stringify(smallOf(s)), smallDirty: false, pending: new Map(), writing: Promise.resolve(), queued: null };
  }

  /**
   * The first call for a corp in this process reads it from the store: the corp record and its records by
   * ref. Later calls use what this process holds and never read the store again, so a corp's calls must all
   * reach one process: a second process serving the same corp would work on a copy of its own and the two
   * would overwrite each other's records. The server mounts the sandbox in every HTTP process; with several
   * of them, WECOM_BASE_URL must name one (the bench runs the simulator in a process of its own). A restart is
   * safe: every call's changes are stored before it is answered.
   */
  private load(corpId: string): Promise<Held | undefined> {
    const h = this.held.get(corpId);
    if (h) return Promise.resolve(h);
    let p = this.loading.get(corpId);
    if (!p) {
      p = this.read(corpId).finally(() => this.loading.delete(corpId));
      this.loading.set(corpId, p);
    }
    return p;
  }

  private async read(corpId: string): Promise<Held | undefined> {
    const small = await this.store.get<SmallCorp & Partial<CorpState>>(KIND.corp, corpId);
    if (!small) return undefined;
    if (this.held.has(corpId)) return this.held.get(corpId);
    // A corp stored whole (before its collections were records of their own) is split on first use.
    if (small.customers) {
      const s = small as CorpState;
      if (Array.isArray(s.welcomeCodes)) s.welcomeCodes = Object.fromEntries((s.welcomeCodes as WelcomeCode[]).map((w) => [w.code, w]));
      const h = this.hold(s);
      h.smallDirty = true;
      const add = (op: RecordOp) => h.pending.set(opId(op), op);
      for (const c of Object.values(s.customers)) add({ kind: RECORD_KIND.customers, key: recordKey.customers(corpId, c), value: c });
      for (const r of s.relations) add({ kind: RECORD_KIND.relations, key: recordKey.relations(corpId, r), value: r });
      for (const w of Object.values(s.welcomeCodes)) add({ kind: RECORD_KIND.welcomeCodes, key: recordKey.welcomeCodes(corpId, w), value: w, expiresAt: new Date(Date.now() + 25 * 3600_000) });
      s.welcomeMessages.forEach((m, i) => add({ kind: RECORD_KIND.welcomeMessages, key: recordKey.welcomeMessages(corpId, i), value: m }));
      for (const [key, count] of Object.entries(s.received)) add({ kind: RECORD_KIND.received, key: recordKey.received(corpId, key), value: { key, count } });
      for (const m of s.appMessages) add({ kind: RECORD_KIND.appMessages, key: recordKey.appMessages(corpId, m), value: m });
      this.held.set(corpId, h);
      await this.flush(h);
      return h;
    }
    // Listed newest first; the collections keep the order they were made in.
    const all = async <T>(kind: string) => (await this.store.list<T>(kind, { ref: corpId, limit: ALL })).reverse();
    const [customers, relations, codes, welcomes, received, apps] = await Promise.all([
      all<Customer>(RECORD_KIND.customers),
      all<Relation>(RECORD_KIND.relations),
      all<WelcomeCode>(RECORD_KIND.welcomeCodes),
      all<WelcomeMessage>(RECORD_KIND.welcomeMessages),
      all<ReceivedRecord>(RECORD_KIND.received),
      all<AppMessage>(RECORD_KIND.appMessages),
    ]);
    if (this.held.has(corpId)) return this.held.get(corpId);
    const s: CorpState = {
      ...(small as CorpState),
      customers: Object.fromEntries(customers.map((c) => [c.external_userid, c])),
      relations,
      welcomeCodes: Object.fromEntries(codes.sort((a, b) => a.issuedAt - b.issuedAt).map((w) => [w.code, w])),
      welcomeMessages: welcomes.sort((a, b) => a.sent_at - b.sent_at),
      received: Object.fromEntries(received.map((r) => [r.key, r.count])),
      appMessages: apps,
    };
    const h = this.hold(s);
    this.held.set(corpId, h);
    return h;
  }

  /**
   * One atomic change of a corp: from settling the transfers whose time has come to the end of `f`, nothing
   * else runs (`f` is synchronous and does no I/O), so rules spanning objects see a consistent corp. A WxError
   * thrown by `f` undoes `f`'s changes and keeps only the settling. The call returns once its changes are
   * stored; events are pushed after that.
   */
  async mutate<T>(corpId: string, f: (s: CorpState, ctx: Ctx) => T): Promise<T> {
    const h = await this.load(corpId);
    if (!h) throw new NoCorp(corpId);
    const s = h.s;
    const ctx = new Ctx(corpId, simNow(s));
    const journal = beginJournal(s, corpId);
    let result: { ok: true; value: T } | { ok: false; error: unknown };
    let events: string[];
    let smallJson: string;
    try {
      settleTransfers(s, ctx);
      // Settling always tells the callback URL, so no event means nothing settled.
      const settled = ctx.events.length > 0 ? JSON.stringify(smallOf(s)) : h.smallJson;
      const settledEvents = [...ctx.events];
      const mark = { undo: journal.undo.length, ops: journal.ops.length };
      try {
        const value = f(s, ctx);
        // What the caller gets is a copy: the corp changes under it while the answer waits for the store.
        result = { ok: true, value: value === undefined ? value : structuredClone(value) };
        events = ctx.events;
      } catch (error) {
        rollback(journal, error instanceof WxError ? mark : { undo: 0, ops: 0 });
        restoreSmall(s, error instanceof WxError ? settled : h.smallJson);
        if (!(error instanceof WxError)) throw error;
        result = { ok: false, error };
        events = settledEvents;
      }
      smallJson = JSON.stringify(smallOf(s));
    } finally {
      endJournal(s);
    }
    if (smallJson !== h.smallJson) {
      h.smallJson = smallJson;
      h.smallDirty = true;
    }
    for (const op of journal.ops) {
      const id = opId(op);
      const prev = h.pending.get(id);
      h.pending.set(id, { ...op, reinsert: prev?.reinsert || (prev?.value === null && op.value !== null) });
    }
    if (h.smallDirty || h.pending.size) await this.flush(h);
    // Without a callback URL WeCom has nowhere to send the event, and it is not sent later either.
    if (events.length && s.callbackUrl) await this.enqueue(corpId, events);
    if (!result.ok) throw result.error;
    return result.value;
  }

  /**
   * Writes what is pending for a corp. One write at a time per corp, in order, so the store never goes back to
   * an older value; calls that come while one is under way share the next. A write takes the values as they
   * are when it starts, so it may carry a later call's change early, never an earlier one late.
   */
  private flush(h: Held): Promise<void> {
    if (h.queued) return h.queued;
    const p = h.writing.then(async () => {
      h.queued = null;
      const ops = [...h.pending.values()];
      const small = h.smallDirty ? smallOf(h.s) : undefined;
      h.pending.clear();
      h.smallDirty = false;
      try {
        await this.write(h.s.corpId, ops, small);
      } catch (err) {
        // Kept for the next write, unless a later change of the same record replaced it meanwhile.
        for (const op of ops) {
          const id = opId(op);
          if (!h.pending.has(id)) h.pending.set(id, op);
        }
        if (small) h.smallDirty = true;
        throw err;
      }
    });
    h.queued = p;
    h.writing = p.catch(() => undefined);
    return p;
  }

  private async write(corpId: string, ops: Array<RecordOp & { reinsert?: boolean }>, small: SmallCorp | undefined) {
    if (small) await this.store.put<SmallCorp>(KIND.corp, corpId, small);
    for (const op of ops) if (op.value === null || op.reinsert) await this.store.delete(op.kind, op.key);
    const byKind = new Map<string, Array<{ key: string; value: object; ref: string; expiresAt?: Date }>>();
    for (const op of ops) {
      if (op.value === null) continue;
      const list = byKind.get(op.kind) ?? byKind.set(op.kind, []).get(op.kind)!;
      list.push({ key: op.key, value: op.value, ref: corpId, ...(op.expiresAt ? { expiresAt: op.expiresAt } : {}) });
    }
    for (const [kind, list] of byKind) await this.store.putMany(kind, list);
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
