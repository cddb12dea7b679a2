import { pgArray } from '../../platform/db/prepared.js';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Platform } from '../../platform/context.js';
import { rows, sql } from '../../platform/db/index.js';
import type { ChannelAccounts } from './accounts.js';

/** Replies that mean "stop sending me marketing" (Tencent and Aliyun both pass the text through). */
const OPT_OUT = /^(R|TD|T|N|退订|取消|拒收)$/i;

/**
 * Delivery receipts and replies the SMS vendors push. Vendors do not sign these, so the URL carries a
 * token derived from the deployment's secret; receipts only name serial numbers we issued.
 */
export class SmsCallbacks {
  constructor(
    private p: Platform,
    private accounts: ChannelAccounts,
  ) {}

  token() {
    return createHmac('sha256', this.p.config.SESSION_SECRET).update('sms-callbacks').digest('base64url').slice(0, 24);
  }

  tokenValid(given: unknown) {
    const a = Buffer.from(String(given ?? ''));
    const b = Buffer.from(this.token());
    return a.length === b.length && timingSafeEqual(a, b);
  }

  urls() {
    const base = `${this.p.publicUrl()}/api/hooks/sms`;
    const t = `?token=${this.token()}`;
    return { tencentStatusUrl: `${base}/tencent/status${t}`, tencentReplyUrl: `${base}/tencent/reply${t}`, aliyunReportUrl: `${base}/aliyun/report${t}`, aliyunUpUrl: `${base}/aliyun/up${t}` };
  }

  /** Tencent's status callback: one JSON array per send (up to 200 numbers). */
  async tencentStatus(list: { sid?: string; mobile?: string; report_status?: string; errmsg?: string; description?: string }[]) {
    const u: TencentReceipt[] = [];
    for (const r of list) {
      if (!r.sid) continue;
      u.push({ sid: r.sid, ok: r.report_status === 'SUCCESS', reason: `sms receipt: ${r.errmsg ?? ''} ${r.description ?? ''}`.trim() });
    }
    if (u.length) await this.tencentReceipts.add(u);
  }

  /** Aliyun's SmsReport: receipts name the request's BizId and the number. */
  async aliyunReport(list: { biz_id?: string; phone_number?: string; success?: boolean; err_code?: string; err_msg?: string }[]) {
    const u: AliyunReceipt[] = [];
    for (const r of list) {
      if (!r.biz_id || !r.phone_number) continue;
      u.push({ biz: r.biz_id, phone: r.phone_number.replace(/^\+?86/, ''), ok: r.success === true, reason: `sms receipt: ${r.err_code ?? ''} ${r.err_msg ?? ''}`.trim() });
    }
    if (u.length) await this.aliyunReceipts.add(u);
  }

  /**
   * Receipts are written one statement at a time per process: pushes that arrive meanwhile (a vendor pushes
   * many at once during a broadcast) wait and go together in the next one. Each push is answered once its
   * receipts are written; a receipt named twice counts once (the first), as when they ran one by one.
   */
  private tencentReceipts = new Coalescer<TencentReceipt>(async (all) => {
    const u = firstOf(all, (x) => x.sid);
    await this.p.db.execute(sql`
      UPDATE deliveries d SET status = CASE WHEN u.ok THEN 'delivered' ELSE 'failed' END, delivered_at = CASE WHEN u.ok THEN now() END,
        reason = CASE WHEN u.ok THEN d.reason ELSE u.reason END, updated_at = now()
      FROM unnest(${pgArray(u.map((x) => x.sid))}::text[], ${pgArray(u.map((x) => x.ok))}::boolean[], ${pgArray(u.map((x) => x.reason))}::text[]) AS u(sid, ok, reason)
      WHERE d.channel = 'sms' AND d.vendor_msg_id = u.sid AND d.status IN ('sent', 'sending')`);
  });

  private aliyunReceipts = new Coalescer<AliyunReceipt>(async (all) => {
    const u = firstOf(all, (x) => `${x.biz}|${x.phone}`);
    await this.p.db.execute(sql`
      UPDATE deliveries d SET status = CASE WHEN u.ok THEN 'delivered' ELSE 'failed' END, delivered_at = CASE WHEN u.ok THEN now() END,
        reason = CASE WHEN u.ok THEN d.reason ELSE u.reason END, updated_at = now()
      FROM unnest(${pgArray(u.map((x) => x.biz))}::text[], ${pgArray(u.map((x) => x.phone))}::text[], ${pgArray(u.map((x) => x.ok))}::boolean[], ${pgArray(u.map((x) => x.reason))}::text[]) AS u(biz, phone, ok, reason)
      WHERE d.channel = 'sms' AND d.vendor_msg_id = u.biz AND d.recipient = u.phone AND d.status IN ('sent', 'sending')`);
  });

  /** An opt-out reply suppresses the number for every shop sending under that signature. */
  async reply(input: { phone: string; signName: string; text: string }) {
    if (!OPT_OUT.test(input.text.trim())) return 0;
    const phone = input.phone.replace(/^\+?86/, '');
    const shops = await this.accounts.shopsBySignName(input.signName);
    if (!shops.length) return 0;
    const done = await rows(this.p.db, sql`
      INSERT INTO sms_suppressions (shop_id, phone, reason) SELECT s, ${phone}, ${`replied ${input.text.trim()}`} FROM unnest(${pgArray(shops)}::uuid[]) s
      ON CONFLICT DO NOTHING RETURNING 1`);
    return done.length;
  }
}

interface TencentReceipt {
  sid: string;
  ok: boolean;
  reason: string;
}

interface AliyunReceipt {
  biz: string;
  phone: string;
  ok: boolean;
  reason: string;
}

/** The first item of each key, in order. */
function firstOf<T>(items: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((x) => {
    const k = key(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Runs `apply` on everything added, one call at a time: what is added while a call runs goes together into
 * the next. `add` settles when its items were applied (or rejects with the call's error).
 */
class Coalescer<T> {
  private waiting: { items: T[]; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private running = false;

  constructor(private apply: (items: T[]) => Promise<void>) {}

  add(items: T[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain() {
    this.running = true;
    while (this.waiting.length) {
      const batch = this.waiting.splice(0);
      try {
        await this.apply(batch.flatMap((b) => b.items));
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.running = false;
  }
}
