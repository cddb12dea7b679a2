import { randomUUID } from 'node:crypto';
import type { SandboxStore } from '../store.js';
import { encryptResource, platformSignatureHeaders, rfc3339Cst } from './crypto.js';
import type { Merchant } from './merchants.js';

/**
 * WeChat retries an unacknowledged notification for about 24 h (15s, 15s, 30s, 3m, 10m, 20m, 30m, …).
 * Tests and local runs cannot wait that long, so the default schedule is compressed; the shape is the same.
 */
export const DEFAULT_RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000];

/** WeChat's own schedule after the first attempt, for a sandbox that should behave exactly like it. */
export const WECHAT_RETRY_DELAYS_MS = [15, 15, 30, 180, 600, 1_200, 1_800, 1_800, 1_800, 3_600, 10_800, 10_800, 10_800, 21_600, 21_600].map((s) => s * 1000);

export interface NotifierOptions {
  retryDelaysMs: number[];
  /** WeChat gives the merchant 5 s to answer before it counts the attempt as failed. */
  timeoutMs: number;
  fetch: typeof fetch;
}

export interface Delivery {
  id: string;
  mchId: string;
  url: string;
  eventType: string;
  /** The exact body WeChat sends each attempt; only the signature headers are regenerated. */
  body: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  acknowledged: boolean;
  createdAt: string;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
}

export interface NotificationEvent {
  eventType: 'TRANSACTION.SUCCESS' | 'REFUND.SUCCESS' | 'MCHTRANSFER.BILL.FINISHED';
  summary: string;
  originalType: 'transaction' | 'refund' | 'mch_payment';
  resource: unknown;
}

export const NOTIFICATION = 'wxpay.notification';

/**
 * Notification deliveries live in the store with their next attempt as the due time, so a restart
 * (or another process sharing the store) carries on retrying where this one stopped.
 */
export class Notifier {
  constructor(
    private readonly store: SandboxStore,
    private readonly opts: NotifierOptions,
    private readonly merchantOf: (mchId: string) => Promise<Merchant | undefined>,
    /** Asks the due-work runner to look at the store at this time. */
    private readonly wake: (at: Date) => void,
  ) {}

  /**
   * Queues the first attempt for now (WeChat notifies asynchronously to the API call). With an `id`, a
   * notification already queued under it is left as it is, so whoever re-runs after a crash sends it once.
   */
  async send(merchant: Merchant, url: string, event: NotificationEvent, id: string = randomUUID()): Promise<Delivery> {
    const encrypted = encryptResource(merchant.apiV3Key, JSON.stringify(event.resource), event.originalType);
    const now = new Date();
    const delivery: Delivery = {
      id,
      mchId: merchant.mchId,
      url,
      eventType: event.eventType,
      body: JSON.stringify({
        id,
        create_time: rfc3339Cst(now),
        resource_type: 'encrypt-resource',
        event_type: event.eventType,
        summary: event.summary,
        resource: {
          original_type: event.originalType,
          algorithm: 'AEAD_AES_256_GCM',
          ciphertext: encrypted.ciphertext,
          associated_data: event.originalType,
          nonce: encrypted.nonce,
        },
      }),
      attempts: 0,
      lastStatus: null,
      lastError: null,
      acknowledged: false,
      createdAt: now.toISOString(),
      lastAttemptAt: null,
      nextAttemptAt: now.toISOString(),
    };
    const stored = (await this.store.update<Delivery>(NOTIFICATION, id, (cur) => (cur ? undefined : { value: delivery, ref: merchant.mchId, dueAt: now })))!;
    this.wake(now);
    return stored;
  }

  get(id: string): Promise<Delivery | undefined> {
    return this.store.get<Delivery>(NOTIFICATION, id);
  }

  /** Oldest first, the order they were sent in (the latest thousand). */
  async list(filter: { mchId?: string } = {}): Promise<Delivery[]> {
    return (await this.store.list<Delivery>(NOTIFICATION, { ref: filter.mchId, limit: 1000 })).reverse();
  }

  count(): Promise<number> {
    return this.store.count(NOTIFICATION);
  }

  /** One extra delivery of the same notification, as WeChat does when it is unsure it was received. */
  async resend(id: string): Promise<Delivery | undefined> {
    const d = await this.get(id);
    if (!d) return undefined;
    return this.attempt(d, false);
  }

  /** A due attempt, claimed from the store by the runner; schedules the next one unless acknowledged. */
  async due(id: string): Promise<void> {
    const d = await this.get(id);
    if (!d) return;
    if (d.acknowledged) {
      await this.store.update<Delivery>(NOTIFICATION, id, (cur) => (cur ? { value: { ...cur, nextAttemptAt: null }, dueAt: null } : undefined));
      return;
    }
    await this.attempt(d, true);
  }

  private async attempt(d: Delivery, scheduled: boolean): Promise<Delivery | undefined> {
    const merchant = await this.merchantOf(d.mchId);
    if (!merchant) return d;
    const at = new Date();
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await this.opts.fetch(d.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'User-Agent': 'Mozilla/4.0',
          ...platformSignatureHeaders(d.body, merchant.platformSerial, merchant.platformPrivateKey),
        },
        body: d.body,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      status = res.status;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    // WeChat's documented acknowledgement is HTTP 200 or 204; anything else (even another 2xx) is retried.
    const ok = status === 200 || status === 204;
    let next = null as Date | null;
    const after = await this.store.update<Delivery>(NOTIFICATION, d.id, (cur) => {
      if (!cur) return undefined;
      const attempts = cur.attempts + 1;
      const acknowledged = cur.acknowledged || ok;
      const delay = this.opts.retryDelaysMs[attempts - 1];
      // A manual resend leaves the schedule alone unless it settles the delivery.
      next = acknowledged ? null : scheduled ? (delay === undefined ? null : new Date(Date.now() + delay)) : cur.nextAttemptAt ? new Date(cur.nextAttemptAt) : null;
      const value: Delivery = { ...cur, attempts, acknowledged, lastStatus: status, lastError: error, lastAttemptAt: at.toISOString(), nextAttemptAt: next?.toISOString() ?? null };
      return scheduled || acknowledged ? { value, dueAt: next } : { value };
    });
    if (next) this.wake(next);
    return after;
  }
}

export function deliveryView(d: Delivery) {
  const { body, ...rest } = d;
  void body;
  return rest;
}
