import { randomUUID } from 'node:crypto';
import { encryptResource, platformSignatureHeaders, rfc3339Cst } from './crypto.js';
import type { Merchant } from './merchants.js';

/**
 * WeChat retries an unacknowledged notification for about 24 h (15s, 15s, 30s, 3m, 10m, 20m, 30m, …).
 * Tests and local runs cannot wait that long, so the default schedule is compressed; the shape is the same.
 */
export const DEFAULT_RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000];

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
  eventType: 'TRANSACTION.SUCCESS' | 'REFUND.SUCCESS';
  summary: string;
  originalType: 'transaction' | 'refund';
  resource: unknown;
}

export class Notifier {
  private readonly deliveries = new Map<string, Delivery>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly opts: NotifierOptions,
    private readonly merchantOf: (mchId: string) => Merchant | undefined,
  ) {}

  /** Queues the first attempt right away (not awaited: WeChat notifies asynchronously to the API call). */
  send(merchant: Merchant, url: string, event: NotificationEvent): Delivery {
    const id = randomUUID();
    const encrypted = encryptResource(merchant.apiV3Key, JSON.stringify(event.resource), event.originalType);
    const body = JSON.stringify({
      id,
      create_time: rfc3339Cst(),
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
    });
    const delivery: Delivery = {
      id,
      mchId: merchant.mchId,
      url,
      eventType: event.eventType,
      body,
      attempts: 0,
      lastStatus: null,
      lastError: null,
      acknowledged: false,
      createdAt: new Date().toISOString(),
      lastAttemptAt: null,
      nextAttemptAt: null,
    };
    this.deliveries.set(id, delivery);
    this.schedule(delivery, 0);
    return delivery;
  }

  get(id: string): Delivery | undefined {
    return this.deliveries.get(id);
  }

  list(filter: { mchId?: string } = {}): Delivery[] {
    return [...this.deliveries.values()].filter((d) => !filter.mchId || d.mchId === filter.mchId);
  }

  /** One extra delivery of the same notification, as WeChat does when it is unsure it was received. */
  async resend(id: string): Promise<Delivery | undefined> {
    const d = this.deliveries.get(id);
    if (!d) return undefined;
    await this.track(this.attempt(d));
    return d;
  }

  /** Stops all pending retries and waits for attempts in flight, so a closing server leaves nothing behind. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(d: Delivery, delayMs: number) {
    if (this.closed) return;
    d.nextAttemptAt = new Date(Date.now() + delayMs).toISOString();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.track(this.attemptAndRetry(d));
    }, delayMs);
    // A pending retry must never keep a process (or a test run) alive.
    timer.unref();
    this.timers.add(timer);
  }

  private async attemptAndRetry(d: Delivery) {
    d.nextAttemptAt = null;
    if (d.acknowledged) return;
    await this.attempt(d);
    if (d.acknowledged) return;
    const delay = this.opts.retryDelaysMs[d.attempts - 1];
    if (delay !== undefined) this.schedule(d, delay);
  }

  private async attempt(d: Delivery) {
    const merchant = this.merchantOf(d.mchId);
    if (!merchant) return;
    d.attempts++;
    d.lastAttemptAt = new Date().toISOString();
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
      d.lastStatus = res.status;
      d.lastError = null;
      // WeChat's documented acknowledgement is HTTP 200 or 204; anything else (even another 2xx) is retried.
      if (res.status === 200 || res.status === 204) d.acknowledged = true;
    } catch (err) {
      d.lastStatus = null;
      d.lastError = err instanceof Error ? err.message : String(err);
    }
  }

  private async track(p: Promise<void>) {
    this.inFlight.add(p);
    try {
      await p;
    } finally {
      this.inFlight.delete(p);
    }
  }
}

export function deliveryView(d: Delivery) {
  const { body, ...rest } = d;
  void body;
  return rest;
}
