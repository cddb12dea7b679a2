import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { SandboxStore, StoredRecord } from '../store.js';
import { cstDay, cstTime, isOptOut, normalizePhone, subscriber, unixSeconds } from './phone.js';
import type { SmsTemplateKind } from './templates.js';

/**
 * What both simulated vendors share: the messages and their delivery receipts, replies from the phones,
 * the opt-out lists, the per-number limits, and the simulator's own settings and injected faults. All of it
 * lives in the SandboxStore (the server's database), so several processes see one simulator and a restart
 * forgets nothing.
 *
 * Cost of a send: one record per accepted message (kind `sms.message`, ref = the number, for the inbox and
 * the per-number queries), all of a request's in one `putMany` (one statement on a database), plus, when a
 * request carries more than one number, one record of the request's receipts (`sms.batch`, due when the
 * receipts arrive) — two writes for a Tencent call of 200 numbers, where one write per message managed
 * ~3,100 messages/s on PostgreSQL. A single-number send carries its own receipt and costs exactly one write.
 * Reads: the settings (cached ½ s per process) and, for marketing templates, the sign's opt-out list (cached
 * likewise). Per-number limits and the daily quota cost one more read-modify-write
 * per number / per request, only when they are switched on. When receipts arrive: one write per request
 * (plus one for Tencent's pull queue) and one HTTP push per request to the merchant's callback URL.
 */
export type Vendor = 'tencent' | 'aliyun';

export const MESSAGE = 'sms.message';
export const BATCH = 'sms.batch';
export const REPLY = 'sms.reply';
export const PULL = 'sms.pull';
const SIM = 'sms.sim';
const BLACKLIST = 'sms.blacklist';
const LIMIT = 'sms.limit';
const QUOTA = 'sms.quota';

/** A verification code is worth minutes; a week keeps the inbox useful for demos without growing forever. */
const KEEP_MS = 7 * 24 * 3600_000;
/** Receipts and replies not pulled within three days are dropped, as the vendors do. */
const PULL_KEEP_MS = 3 * 24 * 3600_000;
/** How long a process trusts its copy of the settings and opt-out lists (another process's change shows after this). */
const CACHE_MS = 500;

export interface SmsCallbackUrls {
  /** Tencent 短信下发状态回调: a JSON array of receipts. */
  tencentStatusUrl?: string;
  /** Tencent 短信回复回调: one reply object. */
  tencentReplyUrl?: string;
  /** Aliyun SmsReport (HTTP batch push): a JSON array of receipts. */
  aliyunReportUrl?: string;
  /** Aliyun SmsUp: a JSON array of replies. */
  aliyunUpUrl?: string;
}

export interface SmsSimSettings {
  /** Same number, same text: at most this many within 30 s (Tencent's rule is 1). null: no limit. */
  thirtySecondLimit: number | null;
  /** Per number per hour (Tencent's default is 5). null: no limit. */
  hourlyLimit: number | null;
  /** Per number per day, China time (Tencent's default is 10). null: no limit. */
  dailyLimit: number | null;
  /** Messages the account may send per day, all numbers together. null: no quota. */
  dailyQuota: number | null;
  /** From an accepted send to its delivery receipt. */
  receiptDelayMs: number;
  /** Share of deliveries that fail at random (0…1), besides numbers marked failing. */
  failRate: number;
  /** Waits between receipt/reply pushes the merchant did not acknowledge; the push is dropped after the last. */
  callbackRetryDelaysMs: number[];
  callbackTimeoutMs: number;
  /** How long a request hit by a `timeout` fault hangs before the connection is dropped. */
  timeoutFaultMs: number;
  /** Sign names approved on the accounts; null: any non-empty sign. */
  approvedSigns: string[] | null;
}

export const DEFAULT_SETTINGS: SmsSimSettings = {
  thirtySecondLimit: null,
  hourlyLimit: null,
  dailyLimit: null,
  dailyQuota: null,
  receiptDelayMs: 200,
  failRate: 0,
  callbackRetryDelaysMs: [1_000, 5_000, 30_000, 120_000],
  callbackTimeoutMs: 5_000,
  timeoutFaultMs: 15_000,
  approvedSigns: null,
};

export type FaultKind = 'timeout' | 'http500' | 'error';

export interface SimFault {
  id: string;
  vendor: Vendor;
  /** null: any action of the vendor. */
  action: string | null;
  kind: FaultKind;
  /** For `error`: the vendor's error code (default RequestLimitExceeded / isv.BUSINESS_LIMIT_CONTROL). */
  code: string | null;
  message: string | null;
  /** Requests still to be hit. */
  remaining: number;
}

export interface FailingNumber {
  reason: string;
  code: string;
}

interface SimState {
  settings: SmsSimSettings;
  faults: SimFault[];
  /** Numbers whose messages are not delivered (空号, 停机 …), by E.164 number. */
  failing: Record<string, FailingNumber>;
}

/** The outcome the carrier reports, in the vendor's words (Tencent DELIVRD / Aliyun DELIVERED on success). */
export interface Report {
  success: boolean;
  code: string;
  description: string;
}

export interface PushState {
  /** Tencent: the receipts are in the pull queue. */
  queued: boolean;
  attempts: number;
  /** Acknowledged, given up, or nothing to push to. */
  done: boolean;
  acknowledged: boolean;
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
}

export interface SandboxSms {
  /** Tencent SerialNo; for Aliyun `<BizId>-<n>`. */
  serialNo: string;
  vendor: Vendor;
  /** E.164, `+8613800000000`. */
  phoneNumber: string;
  signName: string;
  /** Tencent TemplateId or Aliyun TemplateCode. */
  templateId: string;
  templateName: string;
  kind: SmsTemplateKind;
  /** Param values in the template's order. */
  params: string[];
  /** What the phone shows, 【sign】 first. */
  text: string;
  /** Billed segments. */
  fee: number;
  sentAt: string;
  /** When the carrier's receipt arrives (before then the message is `sending`). */
  receiptAt: string;
  report: Report;
  /** Tencent RequestId or Aliyun BizId of the send. */
  batchId: string;
  sessionContext?: string;
  outId?: string;
  bizId?: string;
  /** Only on a single-number send, which carries its own receipt push. */
  push?: PushState;
}

export interface Receipt {
  serialNo: string;
  phone: string;
  sentAt: string;
  receiptAt: string;
  report: Report;
  size: number;
  sessionContext?: string;
  bizId?: string;
  outId?: string;
}

interface ReceiptBatch {
  id: string;
  vendor: Vendor;
  receipts: Receipt[];
  push: PushState;
}

export interface SandboxReply {
  id: string;
  vendor: Vendor;
  phoneNumber: string;
  signName: string;
  text: string;
  at: string;
  /** The reply unsubscribed the number from the sign's marketing messages. */
  optOut: boolean;
  /** Aliyun's sequence_id. */
  sequenceId: number;
  /** The extension code the reply was sent to (none in the sandbox). */
  extend: string;
  push: PushState;
}

interface PullRecord<T> {
  key: string;
  items: T[];
}

interface OptOutList {
  vendor: Vendor;
  signName: string;
  phones: Record<string, { at: string; text: string }>;
}

interface LimitState {
  sent: Array<{ at: number; h: string }>;
}

export type LimitHit = 'thirtySecond' | 'hourly' | 'daily';

/** A request to the simulator's own endpoints that cannot be honoured (answered 400). */
export class SimInputError extends Error {}

const newPush = (): PushState => ({ queued: false, attempts: 0, done: false, acknowledged: false, lastStatus: null, lastError: null, lastAttemptAt: null });

function withDefaults(s: Partial<SimState> | undefined): SimState {
  return { settings: { ...DEFAULT_SETTINGS, ...(s?.settings ?? {}) }, faults: s?.faults ?? [], failing: s?.failing ?? {} };
}

export const SUCCESS_REPORT: Record<Vendor, Report> = {
  tencent: { success: true, code: 'DELIVRD', description: '用户短信送达成功' },
  aliyun: { success: true, code: 'DELIVERED', description: '用户接收成功' },
};

/** Tencent's PullSmsSendStatus item. */
export function tencentPullStatus(r: Receipt) {
  return {
    UserReceiveTime: unixSeconds(r.receiptAt),
    CountryCode: '86',
    SubscriberNumber: subscriber(r.phone),
    PhoneNumber: r.phone,
    SerialNo: r.serialNo,
    ReportStatus: r.report.success ? 'SUCCESS' : 'FAIL',
    Description: r.report.description,
    SessionContext: r.sessionContext ?? '',
  };
}

/** Tencent's PullSmsReplyStatus item. */
export function tencentPullReply(r: SandboxReply) {
  return {
    ExtendCode: r.extend,
    CountryCode: '86',
    SubscriberNumber: subscriber(r.phoneNumber),
    PhoneNumber: r.phoneNumber,
    SignName: r.signName,
    ReplyContent: r.text,
    ReplyTime: cstTime(r.at),
    ReplyUnixTime: unixSeconds(r.at),
  };
}

/** One element of Tencent's status callback array. */
export function tencentStatusCallback(r: Receipt) {
  return {
    user_receive_time: cstTime(r.receiptAt),
    nationcode: '86',
    mobile: subscriber(r.phone),
    report_status: r.report.success ? 'SUCCESS' : 'FAIL',
    errmsg: r.report.code,
    description: r.report.description,
    sid: r.serialNo,
  };
}

/** One element of Aliyun's SmsReport array. */
export function aliyunReport(r: Receipt) {
  return {
    phone_number: subscriber(r.phone),
    send_time: cstTime(r.sentAt),
    report_time: cstTime(r.receiptAt),
    success: r.report.success,
    err_code: r.report.code,
    err_msg: r.report.description,
    sms_size: String(r.size),
    biz_id: r.bizId ?? '',
    out_id: r.outId ?? '',
  };
}

export function tencentReplyCallback(r: SandboxReply) {
  return { extend: r.extend, mobile: subscriber(r.phoneNumber), nationcode: '86', sign: r.signName, text: r.text, time: unixSeconds(r.at) };
}

export function aliyunSmsUp(r: SandboxReply) {
  return { phone_number: subscriber(r.phoneNumber), send_time: cstTime(r.at), content: r.text, sign_name: r.signName, dest_code: r.extend, sequence_id: r.sequenceId };
}

export function receiptOf(m: SandboxSms): Receipt {
  return {
    serialNo: m.serialNo,
    phone: m.phoneNumber,
    sentAt: m.sentAt,
    receiptAt: m.receiptAt,
    report: m.report,
    size: m.fee,
    sessionContext: m.sessionContext,
    bizId: m.bizId,
    outId: m.outId,
  };
}

/** A message as `GET /messages` shows it: the delivery status as of now, no push bookkeeping. */
export function messageView(m: SandboxSms, now = Date.now()) {
  const { push, report, ...rest } = m;
  void push;
  const vendor = m.vendor ?? 'tencent';
  const receiptAt = m.receiptAt ?? m.sentAt;
  const arrived = Date.parse(receiptAt) <= now;
  const r = report ?? SUCCESS_REPORT[vendor];
  return {
    ...rest,
    vendor,
    kind: m.kind ?? 'notification',
    receiptAt,
    status: (!arrived ? 'sending' : r.success ? 'delivered' : 'failed') as 'sending' | 'delivered' | 'failed',
    report: arrived ? r : null,
  };
}

export class SmsCore {
  private stateCache: { at: number; value: SimState } | null = null;
  private readonly optOutCache = new Map<string, { at: number; phones: Set<string> }>();
  private lastPurge = 0;

  constructor(
    private readonly store: SandboxStore,
    private readonly wake: (at: Date) => void,
    private readonly callbacks: () => SmsCallbackUrls,
    private readonly fetchImpl: typeof fetch,
  ) {}

  // ── Simulator state: settings, faults, failing numbers ────────────────────────────────────────────

  async state(): Promise<SimState> {
    if (this.stateCache && Date.now() - this.stateCache.at < CACHE_MS) return this.stateCache.value;
    const value = withDefaults(await this.store.get<SimState>(SIM, 'state'));
    this.stateCache = { at: Date.now(), value };
    return value;
  }

  async settings(): Promise<SmsSimSettings> {
    return (await this.state()).settings;
  }

  private async changeState(change: (s: SimState) => SimState): Promise<SimState> {
    const stored = await this.store.update<SimState>(SIM, 'state', (cur) => ({ value: change(withDefaults(cur)) }));
    const value = withDefaults(stored);
    this.stateCache = { at: Date.now(), value };
    return value;
  }

  async changeSettings(patch: Partial<SmsSimSettings>): Promise<SmsSimSettings> {
    return (await this.changeState((s) => ({ ...s, settings: { ...s.settings, ...patch } }))).settings;
  }

  /** Settings back to the defaults, no faults, no failing numbers (messages, replies and opt-outs stay). */
  async reset(): Promise<void> {
    await this.changeState(() => withDefaults(undefined));
  }

  async addFault(f: Omit<SimFault, 'id'>): Promise<SimFault[]> {
    return (await this.changeState((s) => ({ ...s, faults: [...s.faults, { ...f, id: randomUUID() }] }))).faults;
  }

  async clearFaults(): Promise<void> {
    await this.changeState((s) => ({ ...s, faults: [] }));
  }

  /** Takes one hit of the first fault armed for this vendor and action, if any. */
  async takeFault(vendor: Vendor, action: string): Promise<SimFault | undefined> {
    const matches = (f: SimFault) => f.vendor === vendor && (f.action === null || f.action === action) && f.remaining > 0;
    if (!(await this.state()).faults.some(matches)) return undefined;
    let taken: SimFault | undefined;
    await this.changeState((s) => {
      taken = undefined;
      const i = s.faults.findIndex(matches);
      if (i < 0) return s;
      taken = s.faults[i];
      const faults = [...s.faults];
      if (taken.remaining > 1) faults[i] = { ...taken, remaining: taken.remaining - 1 };
      else faults.splice(i, 1);
      return { ...s, faults };
    });
    return taken;
  }

  async setFailing(phone: string, f: FailingNumber | null): Promise<void> {
    await this.changeState((s) => {
      const failing = { ...s.failing };
      if (f) failing[phone] = f;
      else delete failing[phone];
      return { ...s, failing };
    });
  }

  // ── Opt-outs (replies R/TD/T/退订) per vendor and sign ───────────────────────────────────────────

  async optedOut(vendor: Vendor, signName: string): Promise<Set<string>> {
    const key = `${vendor}:${signName}`;
    const hit = this.optOutCache.get(key);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.phones;
    const list = await this.store.get<OptOutList>(BLACKLIST, key);
    const phones = new Set(Object.keys(list?.phones ?? {}));
    this.optOutCache.set(key, { at: Date.now(), phones });
    return phones;
  }

  async optOutLists(): Promise<OptOutList[]> {
    return this.store.list<OptOutList>(BLACKLIST, { limit: 1000 });
  }

  async setOptOut(vendor: Vendor, signName: string, phone: string, entry: { at: string; text: string } | null): Promise<void> {
    const key = `${vendor}:${signName}`;
    const stored = await this.store.update<OptOutList>(BLACKLIST, key, (cur) => {
      const phones = { ...(cur?.phones ?? {}) };
      if (entry) phones[phone] = entry;
      else if (!(phone in phones)) return undefined;
      else delete phones[phone];
      return { value: { vendor, signName, phones } };
    });
    this.optOutCache.set(key, { at: Date.now(), phones: new Set(Object.keys(stored?.phones ?? {})) });
  }

  // ── Limits ─────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Counts a message to `phone` against the per-number limits, or returns the limit it would break (and
   * counts nothing). Free when no limit is set.
   */
  async countAgainstLimits(vendor: Vendor, phone: string, text: string, s: SmsSimSettings): Promise<LimitHit | null> {
    if (s.thirtySecondLimit === null && s.hourlyLimit === null && s.dailyLimit === null) return null;
    const now = Date.now();
    const today = cstDay(now);
    const h = createHash('sha256').update(text).digest('hex').slice(0, 16);
    let hit: LimitHit | null = null;
    await this.store.update<LimitState>(LIMIT, `${vendor}:${phone}`, (cur) => {
      hit = null;
      const sent = (cur?.sent ?? []).filter((e) => now - e.at < 24 * 3600_000);
      if (s.thirtySecondLimit !== null && sent.filter((e) => now - e.at < 30_000 && e.h === h).length >= s.thirtySecondLimit) hit = 'thirtySecond';
      else if (s.hourlyLimit !== null && sent.filter((e) => now - e.at < 3600_000).length >= s.hourlyLimit) hit = 'hourly';
      else if (s.dailyLimit !== null && sent.filter((e) => cstDay(e.at) === today).length >= s.dailyLimit) hit = 'daily';
      if (hit) return undefined;
      return { value: { sent: [...sent, { at: now, h }].slice(-1000) }, expiresAt: new Date(now + 25 * 3600_000) };
    });
    return hit;
  }

  /** Of `wanted` messages, how many the account's daily quota still allows (they are counted). */
  async takeQuota(vendor: Vendor, wanted: number, s: SmsSimSettings): Promise<number> {
    if (s.dailyQuota === null || wanted === 0) return wanted;
    const quota = s.dailyQuota;
    let allowed = 0;
    await this.store.update<{ used: number }>(QUOTA, `${vendor}:${cstDay(Date.now())}`, (cur) => {
      const used = cur?.used ?? 0;
      allowed = Math.max(0, Math.min(wanted, quota - used));
      return allowed ? { value: { used: used + allowed }, expiresAt: new Date(Date.now() + 2 * 24 * 3600_000) } : undefined;
    });
    return allowed;
  }

  /** What the carrier will report for a message to `phone` sent now. */
  decideReport(vendor: Vendor, phone: string, state: SimState): Report {
    const failing = state.failing[phone];
    if (failing) return { success: false, code: failing.code, description: failing.reason };
    if (state.settings.failRate > 0 && Math.random() < state.settings.failRate) {
      return { success: false, code: 'UNDELIV', description: vendor === 'tencent' ? '用户短信送达失败' : '用户接收失败' };
    }
    return SUCCESS_REPORT[vendor];
  }

  // ── Messages and receipts ─────────────────────────────────────────────────────────────────────────

  /** Stores the accepted messages of one send and schedules their receipts (see the cost note above). */
  async record(vendor: Vendor, batchId: string, messages: SandboxSms[]): Promise<void> {
    if (messages.length === 0) return;
    const expiresAt = new Date(Date.now() + KEEP_MS);
    const dueAt = new Date(Math.max(...messages.map((m) => Date.parse(m.receiptAt))));
    if (messages.length === 1) {
      const m = { ...messages[0], push: newPush() };
      await this.store.put(MESSAGE, m.serialNo, m, { ref: m.phoneNumber, expiresAt, dueAt });
    } else {
      const batch: ReceiptBatch = { id: batchId, vendor, receipts: messages.map(receiptOf), push: newPush() };
      await Promise.all([
        this.store.putMany(MESSAGE, messages.map((m) => ({ key: m.serialNo, value: m, ref: m.phoneNumber, expiresAt }))),
        this.store.put(BATCH, batchId, batch, { ref: vendor, expiresAt, dueAt }),
      ]);
    }
    this.wake(dueAt);
    if (Date.now() - this.lastPurge > 60_000) {
      this.lastPurge = Date.now();
      await this.store.purgeExpired(new Date());
    }
  }

  async messages(phone?: string, limit = 500): Promise<SandboxSms[]> {
    if (!phone) return this.store.list<SandboxSms>(MESSAGE, { limit });
    const wanted = normalizePhone(phone);
    return wanted ? this.store.list<SandboxSms>(MESSAGE, { ref: wanted, limit }) : [];
  }

  /** Work the runner found due: a send's receipts (a message or a batch) or a reply. */
  async due(record: StoredRecord<unknown>): Promise<void> {
    if (record.kind === REPLY) return this.replyDue(record.key, record.value as SandboxReply);
    let vendor: Vendor;
    let receipts: Receipt[];
    let push: PushState;
    let save: (p: PushState, dueAt: Date | null) => Promise<void>;
    if (record.kind === MESSAGE) {
      const m = record.value as SandboxSms;
      vendor = m.vendor ?? 'tencent';
      receipts = [receiptOf({ ...m, report: m.report ?? SUCCESS_REPORT[vendor], receiptAt: m.receiptAt ?? m.sentAt })];
      push = m.push ?? newPush();
      save = (p, dueAt) => this.store.put(MESSAGE, record.key, { ...m, push: p }, { dueAt });
    } else if (record.kind === BATCH) {
      const b = record.value as ReceiptBatch;
      vendor = b.vendor;
      receipts = b.receipts;
      push = b.push;
      save = (p, dueAt) => this.store.put(BATCH, record.key, { ...b, push: p }, { dueAt });
    } else {
      return;
    }
    if (push.done) return save(push, null);
    if (!push.queued && vendor === 'tencent') {
      // Keyed by the send, so doing this again after a crash queues the receipts once.
      const pull: PullRecord<ReturnType<typeof tencentPullStatus>> = { key: `status:${record.key}`, items: receipts.map(tencentPullStatus) };
      await this.store.put(PULL, pull.key, pull, { ref: 'tencent:status', expiresAt: new Date(Date.now() + PULL_KEEP_MS) });
      push = { ...push, queued: true };
    }
    const urls = this.callbacks();
    const url = vendor === 'tencent' ? urls.tencentStatusUrl : urls.aliyunReportUrl;
    if (!url) return save({ ...push, done: true }, null);
    const body = vendor === 'tencent' ? receipts.map(tencentStatusCallback) : receipts.map(aliyunReport);
    const next = await this.attempt(vendor, url, body, push);
    await save(next.push, next.dueAt);
  }

  private async replyDue(key: string, r: SandboxReply): Promise<void> {
    if (r.push.done) {
      await this.store.put(REPLY, key, r, { dueAt: null });
      return;
    }
    const urls = this.callbacks();
    const url = r.vendor === 'tencent' ? urls.tencentReplyUrl : urls.aliyunUpUrl;
    if (!url) {
      await this.store.put(REPLY, key, { ...r, push: { ...r.push, done: true } }, { dueAt: null });
      return;
    }
    const body = r.vendor === 'tencent' ? tencentReplyCallback(r) : [aliyunSmsUp(r)];
    const next = await this.attempt(r.vendor, url, body, r.push);
    await this.store.put(REPLY, key, { ...r, push: next.push }, { dueAt: next.dueAt });
  }

  /**
   * One push to the merchant. Acknowledged only by HTTP 200 with the vendor's success answer — Tencent
   * `{"result":0,"errmsg":"OK"}`, Aliyun `{"code":0,"msg":"成功"}`; anything else is retried on schedule.
   */
  private async attempt(vendor: Vendor, url: string, body: unknown, push: PushState): Promise<{ push: PushState; dueAt: Date | null }> {
    const s = await this.settings();
    let status: number | null = null;
    let error: string | null = null;
    let ok = false;
    try {
      const res = await this.fetchImpl(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json; charset=utf-8', Accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(s.callbackTimeoutMs),
      });
      status = res.status;
      const text = await res.text().catch(() => '');
      if (res.status === 200) {
        try {
          const answer = JSON.parse(text) as { result?: unknown; code?: unknown };
          const v = vendor === 'tencent' ? answer?.result : answer?.code;
          ok = v === 0 || v === '0';
        } catch {
          ok = false;
        }
      }
      if (!ok) error = `not acknowledged: HTTP ${res.status} ${text.slice(0, 200)}`;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const attempts = push.attempts + 1;
    const delay = ok ? undefined : s.callbackRetryDelaysMs[attempts - 1];
    const dueAt = delay === undefined ? null : new Date(Date.now() + delay);
    if (dueAt) this.wake(dueAt);
    return {
      push: { ...push, attempts, acknowledged: ok, done: dueAt === null, lastStatus: status, lastError: error, lastAttemptAt: new Date().toISOString() },
      dueAt,
    };
  }

  // ── Replies from the phone ────────────────────────────────────────────────────────────────────────

  /**
   * A customer answers an SMS. Without a vendor or sign, the reply goes to the latest message the number
   * received. R/TD/T/退订 unsubscribe the number from marketing messages of that sign on that vendor.
   */
  async reply(input: { phone: string; text: string; signName?: string; vendor?: Vendor }): Promise<SandboxReply> {
    const phone = normalizePhone(input.phone);
    if (!phone) throw new SimInputError('phone is not a mainland China mobile number');
    const text = input.text.trim();
    if (!text) throw new SimInputError('text is empty');
    let { signName, vendor } = input;
    if (!signName || !vendor) {
      const latest = (await this.store.list<SandboxSms>(MESSAGE, { ref: phone, limit: 100 })).find(
        (m) => (!vendor || (m.vendor ?? 'tencent') === vendor) && (!signName || m.signName === signName),
      );
      vendor ??= latest?.vendor ?? 'tencent';
      signName ??= latest?.signName;
    }
    if (!signName) throw new SimInputError('signName is required: no message was sent to this number');
    const at = new Date();
    const reply: SandboxReply = {
      id: randomUUID(),
      vendor,
      phoneNumber: phone,
      signName,
      text,
      at: at.toISOString(),
      optOut: isOptOut(text),
      sequenceId: randomInt(1, 2 ** 47),
      extend: '',
      push: newPush(),
    };
    const expiresAt = new Date(at.getTime() + KEEP_MS);
    await Promise.all([
      reply.optOut ? this.setOptOut(vendor, signName, phone, { at: reply.at, text }) : undefined,
      this.store.put(REPLY, reply.id, reply, { ref: phone, dueAt: at, expiresAt }),
      vendor === 'tencent'
        ? this.store.put(PULL, `reply:${reply.id}`, { key: `reply:${reply.id}`, items: [tencentPullReply(reply)] }, { ref: 'tencent:reply', expiresAt: new Date(at.getTime() + PULL_KEEP_MS) })
        : undefined,
    ]);
    this.wake(at);
    return reply;
  }

  async replies(phone?: string, limit = 500): Promise<SandboxReply[]> {
    if (!phone) return this.store.list<SandboxReply>(REPLY, { limit });
    const wanted = normalizePhone(phone);
    return wanted ? this.store.list<SandboxReply>(REPLY, { ref: wanted, limit }) : [];
  }

  // ── Tencent's pull queues ─────────────────────────────────────────────────────────────────────────

  /** Takes up to `limit` items not pulled before (each is handed out once, like Tencent's queue). */
  async pull<T>(queue: 'tencent:status' | 'tencent:reply', limit: number): Promise<T[]> {
    const out: T[] = [];
    const records = (await this.store.list<PullRecord<T>>(PULL, { ref: queue, limit: 100 })).reverse();
    for (const r of records) {
      if (out.length >= limit) break;
      let taken: T[] = [];
      const left = await this.store.update<PullRecord<T>>(PULL, r.key, (cur) => {
        taken = [];
        if (!cur || cur.items.length === 0) return undefined;
        taken = cur.items.slice(0, limit - out.length);
        return { value: { ...cur, items: cur.items.slice(taken.length) } };
      });
      out.push(...taken);
      if (left && left.items.length === 0) await this.store.delete(PULL, r.key);
    }
    return out;
  }
}
