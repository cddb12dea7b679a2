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

  async tencentStatus(list: { sid?: string; mobile?: string; report_status?: string; errmsg?: string; description?: string }[]) {
    for (const r of list) {
      if (!r.sid) continue;
      const ok = r.report_status === 'SUCCESS';
      await this.p.db.execute(sql`
        UPDATE deliveries SET status = ${ok ? 'delivered' : 'failed'}, delivered_at = CASE WHEN ${ok} THEN now() END,
          reason = CASE WHEN ${ok} THEN reason ELSE ${`sms receipt: ${r.errmsg ?? ''} ${r.description ?? ''}`.trim()} END, updated_at = now()
        WHERE channel = 'sms' AND vendor_msg_id = ${r.sid} AND status IN ('sent', 'sending')`);
    }
  }

  async aliyunReport(list: { biz_id?: string; phone_number?: string; success?: boolean; err_code?: string; err_msg?: string }[]) {
    for (const r of list) {
      if (!r.biz_id || !r.phone_number) continue;
      const ok = r.success === true;
      await this.p.db.execute(sql`
        UPDATE deliveries SET status = ${ok ? 'delivered' : 'failed'}, delivered_at = CASE WHEN ${ok} THEN now() END,
          reason = CASE WHEN ${ok} THEN reason ELSE ${`sms receipt: ${r.err_code ?? ''} ${r.err_msg ?? ''}`.trim()} END, updated_at = now()
        WHERE channel = 'sms' AND vendor_msg_id = ${r.biz_id} AND recipient = ${r.phone_number.replace(/^\+?86/, '')} AND status IN ('sent', 'sending')`);
    }
  }

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
