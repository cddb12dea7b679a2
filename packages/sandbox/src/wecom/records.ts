import type { AppMessage, CorpState, Customer, Relation, WelcomeCode, WelcomeMessage } from './state.js';

/**
 * The parts of a corp that grow with its customers. Each element is a record of its own in the store (kind
 * below, key `${corpId}:…`, ref the corp id), so a call writes what it changed and not the corp: the corp
 * record keeps the rest (staff, tags, contact ways, transfers, mass tasks, group chats …), which stays small.
 * Handlers change these collections only through the functions below: a change made directly would be
 * neither undone when the call is refused nor stored.
 */
export const BIG = ['customers', 'relations', 'welcomeCodes', 'welcomeMessages', 'received', 'appMessages'] as const;
export type BigField = (typeof BIG)[number];
const BIG_SET = new Set<string>(BIG);

export const RECORD_KIND = {
  customers: 'wecom.customer',
  relations: 'wecom.relation',
  welcomeCodes: 'wecom.welcome_code',
  welcomeMessages: 'wecom.welcome_message',
  received: 'wecom.received',
  appMessages: 'wecom.app_message',
} as const satisfies Record<BigField, string>;

/** A per-customer mass-message counter as stored (a record's value must name its key: listing returns values only). */
export interface ReceivedRecord {
  key: string;
  count: number;
}

/** The corp record: everything but the growing collections. */
export type SmallCorp = Omit<CorpState, BigField>;

export function smallOf(s: CorpState): SmallCorp {
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(s)) if (!BIG_SET.has(k)) o[k] = (s as unknown as Record<string, unknown>)[k];
  return o as SmallCorp;
}

/** Puts the small part back as it was (a refused call's changes undone); the collections are left alone. */
export function restoreSmall(s: CorpState, json: string) {
  const prev = JSON.parse(json) as Record<string, unknown>;
  const live = s as unknown as Record<string, unknown>;
  for (const k of Object.keys(live)) if (!BIG_SET.has(k) && !(k in prev)) delete live[k];
  for (const [k, v] of Object.entries(prev)) live[k] = v;
}

export const recordKey = {
  customers: (corpId: string, c: Customer) => `${corpId}:${c.external_userid}`,
  relations: (corpId: string, r: Relation) => `${corpId}:${r.userid}:${r.external_userid}`,
  welcomeCodes: (corpId: string, w: WelcomeCode) => `${corpId}:${w.code}`,
  welcomeMessages: (corpId: string, index: number) => `${corpId}:${index}`,
  received: (corpId: string, key: string) => `${corpId}:${key}`,
  appMessages: (corpId: string, m: AppMessage) => `${corpId}:${m.msgid}:${m.touser}`,
};

/** One write a call makes to the growing collections; `value` null deletes the record. */
export interface RecordOp {
  kind: string;
  key: string;
  value: object | null;
  expiresAt?: Date;
}

/**
 * What a call changed in the growing collections, to undo it when the call is refused (a WxError after a
 * change) and to write it once the call is done. Kept beside the state, not in it, for the length of one call.
 */
export interface Journal {
  corpId: string;
  undo: Array<() => void>;
  ops: RecordOp[];
}

const journals = new WeakMap<CorpState, Journal>();

export function beginJournal(s: CorpState, corpId: string): Journal {
  const j: Journal = { corpId, undo: [], ops: [] };
  journals.set(s, j);
  return j;
}

export function endJournal(s: CorpState) {
  journals.delete(s);
}

/** Undoes the changes after `mark` (an undo length taken earlier), newest first, and forgets their writes. */
export function rollback(j: Journal, mark: { undo: number; ops: number }) {
  while (j.undo.length > mark.undo) j.undo.pop()!();
  j.ops.length = mark.ops;
}

// Outside a change (a handler called on a plain state) nothing is journaled: there is nothing to undo or write.
function record(s: CorpState, undo: () => void, op: (corpId: string) => RecordOp) {
  const j = journals.get(s);
  if (!j) return;
  j.undo.push(undo);
  j.ops.push(op(j.corpId));
}

export function putCustomer(s: CorpState, c: Customer) {
  const had = Object.hasOwn(s.customers, c.external_userid);
  const prev = s.customers[c.external_userid];
  s.customers[c.external_userid] = c;
  record(
    s,
    () => (had ? (s.customers[c.external_userid] = prev!) : delete s.customers[c.external_userid]),
    (corpId) => ({ kind: RECORD_KIND.customers, key: recordKey.customers(corpId, c), value: c }),
  );
}

/** Own keys only: a customer id or welcome code from a request must not reach Object.prototype. */
export const customerOf = (s: CorpState, external: unknown): Customer | undefined =>
  typeof external === 'string' && Object.hasOwn(s.customers, external) ? s.customers[external] : undefined;

export function addRelation(s: CorpState, rel: Relation) {
  s.relations.push(rel);
  record(
    s,
    () => (s.relations = s.relations.filter((r) => r !== rel)),
    (corpId) => ({ kind: RECORD_KIND.relations, key: recordKey.relations(corpId, rel), value: rel }),
  );
}

export function dropRelation(s: CorpState, rel: Relation) {
  const before = s.relations;
  s.relations = before.filter((r) => r !== rel);
  record(
    s,
    () => (s.relations = before),
    (corpId) => ({ kind: RECORD_KIND.relations, key: recordKey.relations(corpId, rel), value: null }),
  );
}

/** Before a relation is changed in place (remark, tags …): its old content for undo, and its write. */
export function editRelation(s: CorpState, rel: Relation) {
  const before = { ...rel, tags: [...rel.tags], remark_mobiles: [...rel.remark_mobiles] };
  record(
    s,
    () => Object.assign(rel, before),
    (corpId) => ({ kind: RECORD_KIND.relations, key: recordKey.relations(corpId, rel), value: rel }),
  );
}

export const welcomeCodeOf = (s: CorpState, code: unknown): WelcomeCode | undefined =>
  typeof code === 'string' && Object.hasOwn(s.welcomeCodes, code) ? s.welcomeCodes[code] : undefined;

/** Codes are kept a day (by the corp's clock); their records expire by themselves a little later. */
const WELCOME_CODE_KEPT_MS = 24 * 3600_000;

export function addWelcomeCode(s: CorpState, w: WelcomeCode, now: number) {
  // Issued in order, so the expired ones are at the front: forgetting them costs what there is to forget.
  for (const k in s.welcomeCodes) {
    if (now - s.welcomeCodes[k].issuedAt < WELCOME_CODE_KEPT_MS) break;
    delete s.welcomeCodes[k];
  }
  s.welcomeCodes[w.code] = w;
  record(
    s,
    () => delete s.welcomeCodes[w.code],
    (corpId) => ({ kind: RECORD_KIND.welcomeCodes, key: recordKey.welcomeCodes(corpId, w), value: w, expiresAt: new Date(Date.now() + WELCOME_CODE_KEPT_MS + 3600_000) }),
  );
}

export function useWelcomeCode(s: CorpState, w: WelcomeCode) {
  w.used = true;
  record(
    s,
    () => (w.used = false),
    (corpId) => ({ kind: RECORD_KIND.welcomeCodes, key: recordKey.welcomeCodes(corpId, w), value: w }),
  );
}

export function addWelcomeMessage(s: CorpState, m: WelcomeMessage) {
  const index = s.welcomeMessages.length;
  s.welcomeMessages.push(m);
  record(
    s,
    () => s.welcomeMessages.pop(),
    (corpId) => ({ kind: RECORD_KIND.welcomeMessages, key: recordKey.welcomeMessages(corpId, index), value: m }),
  );
}

export function setReceived(s: CorpState, key: string, count: number) {
  const had = Object.hasOwn(s.received, key);
  const prev = s.received[key];
  s.received[key] = count;
  record(
    s,
    () => (had ? (s.received[key] = prev!) : delete s.received[key]),
    (corpId) => ({ kind: RECORD_KIND.received, key: recordKey.received(corpId, key), value: { key, count } satisfies ReceivedRecord }),
  );
}

export const receivedOf = (s: CorpState, key: string) => (Object.hasOwn(s.received, key) ? s.received[key] : 0);

/** A staff member's phone keeps the latest messages; older ones are dropped (and their records deleted). */
export function addAppMessages(s: CorpState, msgs: AppMessage[], keep: number) {
  const before = s.appMessages;
  const all = [...before, ...msgs];
  const dropped = all.length > keep ? all.slice(0, all.length - keep) : [];
  s.appMessages = dropped.length ? all.slice(dropped.length) : all;
  const j = journals.get(s);
  if (!j) return;
  j.undo.push(() => (s.appMessages = before));
  for (const m of dropped) j.ops.push({ kind: RECORD_KIND.appMessages, key: recordKey.appMessages(j.corpId, m), value: null });
  for (const m of msgs) if (!dropped.includes(m)) j.ops.push({ kind: RECORD_KIND.appMessages, key: recordKey.appMessages(j.corpId, m), value: m });
}
