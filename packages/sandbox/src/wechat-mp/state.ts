import { randomBytes, randomInt } from 'node:crypto';
import type { SandboxStore } from '../store.js';
import { openidOf, unionidOf } from '../wechat-oauth/index.js';
import type { PassiveReply, ServerConfig } from './callback.js';

/** Store kinds. Every record of one user of one account is addressed `<appid>:<openid>`. */
export const KIND = {
  account: 'wxmp.account',
  token: 'wxmp.token',
  user: 'wxmp.user',
  /** Everything a user received (template and subscription messages, passive replies) and sent. */
  message: 'wxmp.message',
  grant: 'wxmp.grant',
  qr: 'wxmp.qr',
  jscode: 'wxmp.jscode',
  counter: 'wxmp.counter',
  settings: 'wxmp.settings',
  faults: 'wxmp.faults',
} as const;

export const TOKEN_TTL_S = 7200;
/** stable_token hands out a new token once the current one has less than this left; both then work. */
export const STABLE_OVERLAP_MS = 5 * 60_000;
/** force_refresh within this long of the previous forced refresh returns the current token unchanged. */
export const FORCE_REFRESH_GAP_MS = 30_000;
/** client_msg_id makes a template send idempotent for this long. */
export const CLIENT_MSG_ID_WINDOW_MS = 10 * 60_000;
const MESSAGE_KEEP_MS = 30 * 24 * 3600_000;

export interface TokenRecord {
  appid: string;
  kind: 'legacy' | 'stable';
  expiresAt: number;
  /** Replaced by a newer token (legacy), force-refreshed (stable) or invalidated by a test. */
  invalid?: boolean;
}

export interface IssuedToken {
  token: string;
  expiresAt: number;
}

export interface MenuState {
  button: unknown[];
  menuid: number;
  createdAt: string;
}

export interface AccountState {
  appid: string;
  legacy?: IssuedToken;
  stable?: IssuedToken & { forcedAt?: number };
  /** The stable token replaced in its last five minutes, still valid until it expires. */
  stablePrevious?: IssuedToken;
  server?: ServerConfig;
  menu?: MenuState;
}

export interface MpUser {
  appid: string;
  openid: string;
  key: string;
  unionid: string;
  /** OA only: following now. A user record stays after an unfollow, so the openid and list order stay. */
  subscribe: 0 | 1;
  subscribeTime: number;
  subscribeScene: string;
  qrScene: number;
  qrSceneStr: string;
  firstSeen: string;
  /** Template ids this user refused (43101 from then on). */
  blocked: string[];
}

/** Unused one-time subscription grants of one user for one template. */
export interface Grant {
  templateId: string;
  n: number;
}

export type MessageStatus = 'pending' | 'success' | 'failed:user block' | 'failed: system failed';

export interface MpMessage {
  /** Record key. */
  id: string;
  appid: string;
  openid: string;
  type: 'template' | 'subscribe' | 'reply' | 'user_text';
  /** out: to the user; in: from the user. */
  direction: 'out' | 'in';
  createdAt: string;
  msgid?: number | string;
  templateId?: string;
  title?: string;
  lines?: Array<{ label: string; value: string }>;
  url?: string;
  miniprogram?: { appid: string; pagepath?: string };
  page?: string;
  clientMsgId?: string;
  status: MessageStatus;
  systemFail?: boolean;
  blockedAfterSend?: boolean;
  content?: string;
  reply?: PassiveReply;
  /** The delivery-finished event (TEMPLATESENDJOBFINISH / subscribe_msg_sent_event) to the merchant. */
  finish?: { createTime: number; attempts: number; delivered: boolean; lastStatus: number | null; lastError?: string; pushed: boolean };
}

export interface Settings {
  followerPageSize: number;
  dailyQuota: number;
  finishDelayMs: number;
}

export const DEFAULT_SETTINGS: Settings = { followerPageSize: 10_000, dailyQuota: 100_000, finishDelayMs: 200 };

export type FaultKind = 'timeout' | 'http500' | 'errcode' | 'system_failed';

export interface Fault {
  id: string;
  api: string;
  appid?: string;
  kind: FaultKind;
  errcode?: number;
  errmsg?: string;
  remaining: number;
}

export const userKey = (appid: string, openid: string) => `${appid}:${openid}`;
export const grantKey = (appid: string, openid: string, templateId: string) => `${appid}:${openid}:${templateId}`;

export function newUser(appid: string, key: string): MpUser {
  return {
    appid,
    openid: openidOf(appid, key),
    key,
    unionid: unionidOf(key),
    subscribe: 0,
    subscribeTime: 0,
    subscribeScene: '',
    qrScene: 0,
    qrSceneStr: '',
    firstSeen: new Date().toISOString(),
    blocked: [],
  };
}

/** WeChat's access tokens are long opaque strings (at least 512 characters of storage are asked for). */
export const newAccessToken = () => `${randomInt(80, 99)}_${randomBytes(96).toString('base64url')}`;

/** WeChat adds a request id to every error message. */
export const rid = () => `${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`;
export const wxErr = (errcode: number, errmsg: string) => ({ errcode, errmsg: `${errmsg} rid: ${rid()}` });

const EPOCH_2024 = Date.UTC(2024, 0, 1);
const SALT = randomInt(0, 256);
let lastMsgid = 0;

/**
 * Template msgids are JSON numbers in WeChat's answer; these stay below 2^53 (safe in every client) and
 * grow with time, with a per-process salt so processes sharing a store do not collide.
 */
export function newMsgid(): number {
  const base = (Date.now() - EPOCH_2024) * 65_536 + SALT * 256;
  lastMsgid = Math.max(base, lastMsgid + 1);
  return lastMsgid;
}

/** Text messages' MsgId: a 64-bit number, written as digits in the XML. */
export const newTextMsgId = () => (BigInt(Date.now()) * 100_000n + BigInt(randomInt(0, 100_000))).toString();

/** WeChat's daily quotas reset at midnight Beijing time. */
export const chinaDay = (t = Date.now()) => new Date(t + 8 * 3600_000).toISOString().slice(0, 10);

export const messageExpiry = () => new Date(Date.now() + MESSAGE_KEEP_MS);

/**
 * Counters (daily quota use, send statistics) that a hot path bumps thousands of times a second. The
 * increments gather in memory and are written to the store by one atomic update per counter every
 * `flushMs` (and on close), so a send costs no counter write of its own; reads add what is not yet
 * written. Another process's increments show once it has written them.
 */
export class Counters {
  private readonly stored = new Map<string, Record<string, number>>();
  private readonly pending = new Map<string, Record<string, number>>();
  /** Increments being written: still counted until the write returns the stored total. */
  private readonly writing = new Map<string, Record<string, number>>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly store: SandboxStore,
    private readonly flushMs = 200,
  ) {}

  add(key: string, field: string, n = 1) {
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = {}));
    p[field] = (p[field] ?? 0) + n;
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.flushMs);
      this.timer.unref();
    }
  }

  /** The stored value is read once per key and process, then kept current by this process's flushes. */
  async load(key: string) {
    if (!this.stored.has(key)) this.stored.set(key, (await this.store.get<Record<string, number>>(KIND.counter, key)) ?? {});
  }

  /** Synchronous after `load(key)`. */
  value(key: string, field: string): number {
    return (this.stored.get(key)?.[field] ?? 0) + (this.writing.get(key)?.[field] ?? 0) + (this.pending.get(key)?.[field] ?? 0);
  }

  async read(key: string): Promise<Record<string, number>> {
    await this.flush();
    const fresh = (await this.store.get<Record<string, number>>(KIND.counter, key)) ?? {};
    this.stored.set(key, fresh);
    const out = { ...fresh };
    for (const [f, n] of Object.entries(this.pending.get(key) ?? {})) out[f] = (out[f] ?? 0) + n;
    return out;
  }

  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending.clear();
    for (const [key, delta] of batch) this.writing.set(key, delta);
    this.flushing = (async () => {
      for (const [key, delta] of batch) {
        try {
          const after = await this.store.update<Record<string, number>>(KIND.counter, key, (cur) => {
            const next = { ...(cur ?? {}) };
            for (const [f, n] of Object.entries(delta)) next[f] = (next[f] ?? 0) + n;
            // Daily quota counters are worth two days; statistics stay.
            return { value: next, expiresAt: key.startsWith('quota:') ? new Date(Date.now() + 2 * 86_400_000) : undefined };
          });
          if (after) this.stored.set(key, after);
        } catch {
          // The store is unreachable for a moment: put the increments back for the next flush.
          for (const [f, n] of Object.entries(delta)) this.add(key, f, n);
        } finally {
          this.writing.delete(key);
        }
      }
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
    }
  }

  async close() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }
}

