import { and, eq } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { AppError, conflict, notFound, unprocessable } from '../../platform/errors.js';
import type { TenancyService } from '../../platform/tenancy/service.js';
import type { WechatPayMerchantConfig } from '../../platform/tenancy/schema.js';
import type { CustomersService as CustomerService } from '../customers/service.js';
import { lockOrder } from './lifecycle.js';
import { orderHistory, paymentNotifications, payments, type Order, type Payment, type PaymentPurpose } from './schema.js';
import type { OrderService } from './service.js';
import type { RefundService } from './refund-service.js';
import { createSandboxMerchant, WechatPayClient } from './wechatpay/client.js';

interface WechatTransaction {
  out_trade_no: string;
  transaction_id?: string;
  trade_state: string;
  mchid?: string;
  amount?: { total: number; payer_total?: number };
  payer?: { openid?: string };
  success_time?: string;
}

/** Settles a paid top-up or member card inside the transaction that marks its payment paid (exactly once). */
export interface PurposeHandler {
  paid(tx: Db, payment: Payment): Promise<void>;
  /** WeChat's verdict on a refund the module asked for with `refundRef` (from the notification or the call). */
  refunded?(tx: Db, payment: Payment, result: { outRefundNo: string; status: string }): Promise<void>;
}

/**
 * Applies a 商家转账 bill's final state (MCHTRANSFER.BILL.FINISHED) inside the transaction that records the
 * notification, so it runs once per notification id. `resource` is the decrypted bill (out_bill_no, state, …).
 * Every handler sees every transfer notification: each must ignore bills that are not its own (by looking
 * the out_bill_no up in its own table).
 */
export type TransferHandler = (tx: Db, shopId: string, resource: Record<string, unknown>) => Promise<void>;

/**
 * WeChat Pay v3 JSAPI: prepay, the notify callback, active queries and closing — for orders and, through
 * `settle`, for other things a customer pays for (member top-ups, paid member cards).
 */
export class PaymentService {
  private refunds!: RefundService;
  private purposes = new Map<PaymentPurpose, PurposeHandler>();
  private transferHandlers: TransferHandler[] = [];

  constructor(
    private p: Platform,
    private tenancy: TenancyService,
    private customers: CustomerService,
    private orders: OrderService,
  ) {}

  /** Refunds and payments call each other; the container wires the cycle after both exist. */
  attachRefunds(refunds: RefundService) {
    this.refunds = refunds;
  }

  wechatBaseUrl() {
    return this.p.config.WECHATPAY_BASE_URL ?? `${this.p.selfUrl()}/sandbox/wechatpay`;
  }

  notifyUrl(shopId: string, kind: 'pay' | 'refund') {
    return `${this.p.publicUrl()}/api/pay/wechatpay/${kind === 'pay' ? 'notify' : 'refund-notify'}/${shopId}`;
  }

  /**
   * What the payee needs to confirm a 商家转账 (确认收款): wx.requestMerchantTransfer's mchId, appId and package,
   * and in sandbox mode the simulator's page standing in for WeChat's.
   */
  async transferConfirmation(shopId: string, packageInfo: string | null) {
    const merchant = await this.merchant(shopId);
    const sandboxed = !!this.p.config.SANDBOX && !this.p.config.WECHATPAY_BASE_URL;
    return {
      mchId: merchant.mchId,
      appId: merchant.appId,
      packageInfo,
      confirmUrl: sandboxed && packageInfo ? `/sandbox/wechatpay/transfer/confirm?package=${encodeURIComponent(packageInfo)}` : null,
    };
  }

  /** The notify_url for 商家转账 bills; their MCHTRANSFER.* notifications go to the `onTransfer` handler. */
  transferNotifyUrl(shopId: string) {
    return `${this.p.publicUrl()}/api/pay/wechatpay/transfer-notify/${shopId}`;
  }

  /**
   * Who applies transfer outcomes (distribution withdrawals, invitation payouts), wired at composition. Each
   * handler is called, in order, for every transfer notification and ignores the bills it does not own.
   */
  onTransfer(handler: TransferHandler) {
    this.transferHandlers.push(handler);
  }

  /**
   * The shop's merchant account. In sandbox mode a shop without one gets a sandbox merchant on first
   * use, so a fresh install can take payments at once.
   */
  async merchant(shopId: string): Promise<WechatPayMerchantConfig> {
    const settings = await this.tenancy.settings(shopId);
    // The sandbox keeps its merchants in the database, so a stored config stays valid across restarts.
    if (settings.wechatPay) return settings.wechatPay;
    if (!this.p.config.SANDBOX || this.p.config.WECHATPAY_BASE_URL) {
      throw conflict('PAYMENT_NOT_CONFIGURED', 'This shop has not set up WeChat Pay yet', { field: 'wechatPay' });
    }
    const key = `wechatpay-provision:${shopId}`;
    let lock = await this.p.hot.lock(key, 10_000);
    // Another request is creating this shop's sandbox merchant: wait for it and use that one. Going ahead would make a
    // second merchant, and the payments opened on the first would fail their notifications' signature check.
    for (let waited = 0; !lock && waited < 15_000; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
      const made = await this.tenancy.settings(shopId);
      if (made.wechatPay) return made.wechatPay;
      lock = await this.p.hot.lock(key, 10_000);
    }
    if (!lock) throw new AppError(503, 'PAYMENT_PROVISIONING', 'WeChat Pay is being set up for this shop, try again in a moment', { field: 'wechatPay' });
    try {
      const again = await this.tenancy.settings(shopId);
      if (again.wechatPay) return again.wechatPay;
      const { verifyMode: _mode, restoreToken, ...merchant } = await createSandboxMerchant(this.wechatBaseUrl(), { appId: settings.wechat?.appId });
      const config: WechatPayMerchantConfig = { ...merchant, sandboxRestoreToken: restoreToken };
      await this.tenancy.updateShop({ shopId, type: 'system', id: 'system', name: 'system', role: 'owner' }, { settings: { wechatPay: config } });
      return config;
    } finally {
      await this.p.hot.unlock(key, lock);
    }
  }

  async client(shopId: string) {
    const { sandboxRestoreToken: _t, ...merchant } = await this.merchant(shopId);
    return new WechatPayClient({ baseUrl: this.wechatBaseUrl(), ...merchant });
  }

  /** Starts (or resumes) paying an order: returns what the storefront needs to open the pay sheet. */
  async startPayment(shopId: string, customerId: string, orderId: string, returnUrl?: string) {
    const order = await this.orders.get(shopId, orderId);
    if (order.customerId !== customerId) throw notFound('Order', { field: 'orderId' });
    if (order.status !== 'pending_payment') throw conflict('ORDER_STATE_INVALID', `The order is ${order.status}`, { field: 'status', status: order.status });
    if (order.payExpiresAt <= this.p.now()) throw conflict('ORDER_PAYMENT_EXPIRED', 'The payment window has closed', { field: 'orderId' });
    const started = await this.prepay({
      shopId,
      customerId,
      purpose: 'order',
      orderId,
      outTradeNo: order.orderNo,
      amountFen: order.payableFen - order.balanceFen,
      description: `订单 ${order.orderNo}`,
      expiresAt: order.payExpiresAt,
      returnUrl,
    });
    return { orderId, ...started };
  }

  /**
   * The one WeChat Pay JSAPI prepay for every purpose: records the payment (once per out_trade_no) and
   * asks WeChat for a prepay id. Top-ups and member cards call it with their own purpose and record.
   */
  async prepay(q: {
    shopId: string;
    customerId: string;
    purpose: PaymentPurpose;
    orderId?: string;
    refId?: string;
    outTradeNo: string;
    amountFen: number;
    description: string;
    expiresAt: Date;
    returnUrl?: string;
  }) {
    const merchant = await this.merchant(q.shopId);
    const client = await this.client(q.shopId);
    let openid = await this.customers.wechatOpenid(q.shopId, q.customerId, merchant.appId);
    if (!openid) {
      // JSAPI needs the payer's openid; a phone-only customer must first pass snsapi_base in WeChat.
      // The sandbox accepts any payer, so demos and tests can pay without that round trip.
      if (!this.p.config.SANDBOX) throw conflict('WECHAT_AUTH_REQUIRED', 'Open the shop in WeChat to pay', { field: 'openid' });
      openid = `sandbox-payer-${q.customerId}`;
    }
    await this.p.db
      .insert(payments)
      .values({
        shopId: q.shopId,
        orderId: q.orderId ?? null,
        purpose: q.purpose,
        refId: q.refId ?? null,
        customerId: q.customerId,
        provider: 'wechatpay',
        outTradeNo: q.outTradeNo,
        amountFen: q.amountFen,
        status: 'pending',
        payerOpenid: openid,
      })
      .onConflictDoNothing();
    const { prepayId } = await client.jsapiPrepay({
      description: q.description,
      outTradeNo: q.outTradeNo,
      amountFen: q.amountFen,
      payerOpenid: openid,
      notifyUrl: this.notifyUrl(q.shopId, 'pay'),
      timeExpire: q.expiresAt,
    });
    await this.p.db.update(payments).set({ prepayId, updatedAt: new Date() }).where(and(eq(payments.outTradeNo, q.outTradeNo), eq(payments.shopId, q.shopId)));
    const cashierUrl = this.p.config.SANDBOX && !this.p.config.WECHATPAY_BASE_URL
      ? `${this.p.publicUrl()}/sandbox/wechatpay/pay?prepay_id=${encodeURIComponent(prepayId)}${q.returnUrl ? `&redirect=${encodeURIComponent(q.returnUrl)}` : ''}`
      : null;
    return { amountFen: q.amountFen, prepayId, payParams: client.jsapiPayParams(prepayId), cashierUrl };
  }

  /** Who settles payments that are not for orders (top-ups, member cards); wired once at composition. */
  settle(purpose: Exclude<PaymentPurpose, 'order'>, handler: PurposeHandler) {
    this.purposes.set(purpose, handler);
  }

  /**
   * The notify callback. Verifies the signature over the raw body and decrypts; a duplicate notification
   * (WeChat retries for ~24 h) is acknowledged and changes nothing; a forged one throws before any write.
   * A payment counts as paid only when the decrypted transaction says `trade_state: SUCCESS`, whatever
   * the envelope's event_type claims: the envelope is a label, the resource is WeChat's record. Such a
   * notification is still acknowledged — it is authentic, and every retry would carry the same content —
   * and the order waits for a later notification or the active query before auto-cancel.
   */
  async handleNotification(shopId: string, headers: Record<string, string | string[] | undefined>, rawBody: string) {
    await this.tenancy.getShop(shopId);
    const { mchId } = await this.merchant(shopId);
    const client = await this.client(shopId);
    let note;
    try {
      note = client.parseNotification(headers, rawBody);
    } catch (err) {
      if (!(await this.learnPlatformCertificate(shopId, client, err, headers))) throw err;
      note = client.parseNotification(headers, rawBody);
    }
    const resource = note.resource as unknown as Record<string, unknown>;
    const isTransfer = note.eventType.startsWith('MCHTRANSFER.') || note.originalType === 'mch_payment';
    if (isTransfer) {
      // Refused before anything is recorded, so WeChat keeps retrying until a handler exists or the bill is ours.
      if (this.transferHandlers.length === 0) throw new AppError(503, 'TRANSFER_HANDLER_MISSING', 'No handler for WeChat Pay transfer notifications');
      if (resource.mch_id && resource.mch_id !== mchId) throw unprocessable('PAYMENT_MERCHANT_MISMATCH', 'Notification for another merchant', { field: 'mch_id' });
    }
    return this.p.database.transaction(async (tx) => {
      const fresh = await tx
        .insert(paymentNotifications)
        .values({
          notificationId: note.id,
          shopId,
          eventType: note.eventType,
          outTradeNo: (resource.out_trade_no as string) ?? null,
          outRefundNo: (resource.out_refund_no as string) ?? null,
          outcome: 'processed',
        })
        .onConflictDoNothing()
        .returning();
      if (fresh.length === 0) return { outcome: 'duplicate' as const };
      if (isTransfer) {
        for (const handler of this.transferHandlers) await handler(tx, shopId, resource);
      } else if (note.originalType === 'transaction' || note.eventType.startsWith('TRANSACTION.')) {
        const trx = resource as unknown as WechatTransaction;
        if (trx.trade_state !== 'SUCCESS') {
          await tx.update(paymentNotifications).set({ outcome: 'not_paid' }).where(eq(paymentNotifications.notificationId, note.id));
          this.p.log.warn({ shopId, notificationId: note.id, eventType: note.eventType, tradeState: trx.trade_state, outTradeNo: trx.out_trade_no }, 'payment notification without trade_state SUCCESS: not marked paid');
          return { outcome: 'not_paid' as const };
        }
        await this.applyTransaction(tx, shopId, trx, mchId);
      } else if (note.eventType.startsWith('REFUND.')) {
        const purposeRefund = await this.purposePayment(tx, shopId, String(resource.out_trade_no ?? ''));
        if (purposeRefund) await this.purposes.get(purposeRefund.purpose)?.refunded?.(tx, purposeRefund, { outRefundNo: String(resource.out_refund_no), status: String(resource.refund_status) });
        else await this.refunds.applyRefundResult(tx, shopId, resource);
      }
      return { outcome: 'processed' as const };
    });
  }

  /**
   * WeChat replaces its platform certificate every few years and signs with the new one from a date of its
   * choosing; a shop configured with the old one would refuse every notification (money it was paid). On a
   * certificate serial the shop does not know, ask WeChat for its current certificates (the download is
   * only trusted once decrypted with the APIv3 key) and keep them. At most once a minute per shop, so forged
   * serials cannot make us hammer the API.
   */
  private async learnPlatformCertificate(shopId: string, client: WechatPayClient, err: unknown, headers: Record<string, string | string[] | undefined>) {
    const serial = String(headers['wechatpay-serial'] ?? '');
    if (!(err instanceof AppError) || err.code !== 'PAYMENT_SIGNATURE_INVALID' || err.details?.reason !== 'unknown_serial' || !serial || serial.startsWith('PUB_KEY_ID_')) return false;
    if (!(await this.p.hot.lock(`wechatpay-certificates:${shopId}`, 60_000))) return false;
    const certs = await client.downloadPlatformCertificates().catch((e) => {
      this.p.log.warn({ err: e, shopId }, 'downloading WeChat Pay platform certificates failed');
      return [];
    });
    if (!certs.some((c) => c.serialNo === serial.toUpperCase())) return false;
    const current = await this.merchant(shopId);
    const platformKeys = { ...current.platformKeys, ...Object.fromEntries(certs.map((c) => [c.serialNo, c.pem])) };
    await this.tenancy.updateShop({ shopId, type: 'system', id: 'system', name: 'system', role: 'owner' }, { settings: { wechatPay: { ...current, platformKeys } } });
    this.p.log.info({ shopId, serials: certs.map((c) => c.serialNo) }, 'learned WeChat Pay platform certificates');
    return true;
  }

  /** Asks WeChat how the payment stands (used when returning from the pay sheet and before auto-cancel). */
  async syncPayment(shopId: string, orderId: string) {
    const [payment] = await this.p.db.select().from(payments).where(and(eq(payments.orderId, orderId), eq(payments.shopId, shopId)));
    if (payment) await this.syncOne(shopId, payment);
    return this.orders.get(shopId, orderId);
  }

  /** The same for a top-up or a member card: settles it now if WeChat says it was paid. */
  async syncRef(shopId: string, purpose: PaymentPurpose, refId: string) {
    const [payment] = await this.p.db.select().from(payments).where(and(eq(payments.purpose, purpose), eq(payments.refId, refId), eq(payments.shopId, shopId)));
    if (payment) await this.syncOne(shopId, payment);
  }

  private async syncOne(shopId: string, payment: Payment) {
    if (payment.status !== 'pending' || !payment.prepayId) return;
    const { mchId } = await this.merchant(shopId);
    const client = await this.client(shopId);
    const trx = (await client.queryByOutTradeNo(payment.outTradeNo)) as WechatTransaction;
    if (trx.trade_state === 'SUCCESS') {
      await this.p.database.transaction((tx) => this.applyTransaction(tx, shopId, trx, mchId));
    }
  }

  private async purposePayment(db: Db, shopId: string, outTradeNo: string) {
    const [payment] = await db.select().from(payments).where(and(eq(payments.outTradeNo, outTradeNo), eq(payments.shopId, shopId)));
    return payment && payment.purpose !== 'order' ? payment : null;
  }

  /**
   * Gives back a paid top-up, card or deposit through WeChat Pay (orders have RefundService). Safe to
   * repeat: WeChat treats the same out_refund_no as one refund. The module's `refunded` handler applies
   * the verdict, now if WeChat answers SUCCESS at once, else when the notification arrives.
   */
  async refundRef(shopId: string, purpose: Exclude<PaymentPurpose, 'order'>, refId: string, q: { outRefundNo: string; amountFen: number; reason: string }) {
    const [payment] = await this.p.db.select().from(payments).where(and(eq(payments.purpose, purpose), eq(payments.refId, refId), eq(payments.shopId, shopId)));
    if (!payment || payment.status !== 'paid') throw new Error(`${purpose} ${refId}: nothing paid to refund`);
    const client = await this.client(shopId);
    const res = (await client.refund({ outTradeNo: payment.outTradeNo, outRefundNo: q.outRefundNo, reason: q.reason.slice(0, 80), refundFen: q.amountFen, totalFen: payment.amountFen, notifyUrl: this.notifyUrl(shopId, 'refund') })) as { status?: string };
    if (res.status === 'SUCCESS') {
      await this.p.database.transaction((tx) => this.purposes.get(purpose)!.refunded!(tx, payment, { outRefundNo: q.outRefundNo, status: 'SUCCESS' }));
    }
  }

  /** Closes the pending WeChat transaction of an abandoned top-up or card purchase. */
  async closeRef(shopId: string, purpose: PaymentPurpose, refId: string) {
    const [payment] = await this.p.db.select().from(payments).where(and(eq(payments.purpose, purpose), eq(payments.refId, refId), eq(payments.shopId, shopId)));
    if (!payment?.prepayId || payment.status !== 'pending') return;
    const client = await this.client(shopId);
    await client.close(payment.outTradeNo);
    await this.p.db.update(payments).set({ status: 'closed', updatedAt: new Date() }).where(and(eq(payments.id, payment.id), eq(payments.status, 'pending')));
  }

  /** Closes the WeChat transaction of a cancelled order so the customer can no longer pay it. */
  async closeAtWechat(shopId: string, orderId: string) {
    const [payment] = await this.p.db.select().from(payments).where(and(eq(payments.orderId, orderId), eq(payments.shopId, shopId)));
    if (!payment?.prepayId) return;
    const client = await this.client(shopId);
    await client.close(payment.outTradeNo);
  }

  /**
   * Records a successful WeChat transaction against its order, exactly once. `mchId` is looked up by the
   * caller before the transaction (PGlite has one connection: no outside reads inside it).
   */
  async applyTransaction(tx: Db, shopId: string, trx: WechatTransaction, mchId: string) {
    // Only WeChat's own record of a completed payment pays anything (also guards callers other than notify).
    if (trx.trade_state !== 'SUCCESS') return;
    const [payment] = await tx.select().from(payments).where(and(eq(payments.outTradeNo, trx.out_trade_no), eq(payments.shopId, shopId))).for('update');
    if (!payment) throw notFound('Payment', { field: 'out_trade_no' });
    if (payment.status === 'paid') return;
    const total = trx.amount?.total;
    if (total !== payment.amountFen) {
      this.p.log.error({ shopId, outTradeNo: trx.out_trade_no, expected: payment.amountFen, got: total }, 'payment amount mismatch');
      throw unprocessable('PAYMENT_AMOUNT_MISMATCH', 'Paid amount does not match the order', { field: 'amount.total', expected: payment.amountFen, received: total });
    }
    if (trx.mchid && trx.mchid !== mchId) throw unprocessable('PAYMENT_MERCHANT_MISMATCH', 'Notification for another merchant', { field: 'mchid' });
    await tx
      .update(payments)
      .set({ status: 'paid', transactionId: trx.transaction_id ?? null, paidAt: trx.success_time ? new Date(trx.success_time) : this.p.now(), updatedAt: new Date() })
      .where(eq(payments.id, payment.id));
    if (payment.purpose !== 'order') {
      const handler = this.purposes.get(payment.purpose);
      if (!handler) throw new Error(`no handler for ${payment.purpose} payments`);
      await handler.paid(tx, { ...payment, status: 'paid' });
      return;
    }
    const order = await lockOrder(tx, shopId, payment.orderId!);
    if (order.status === 'pending_payment') {
      await this.orders.markPaidLocked(tx, order, total);
      this.p.metrics.domain.inc({ type: 'order.paid' });
    } else {
      await this.paidAfterCancel(tx, order, total);
    }
  }

  // The customer paid just as the order timed out: the money goes straight back, the order stays cancelled.
  private async paidAfterCancel(tx: Db, order: Order, amountFen: number) {
    await tx.insert(orderHistory).values({
      shopId: order.shopId,
      orderId: order.id,
      action: 'late_payment',
      fromStatus: order.status,
      toStatus: order.status,
      actorType: 'system',
      note: `订单已关闭后收到支付 ${(amountFen / 100).toFixed(2)} 元,自动原路退回`,
    });
    await this.refunds.refundLatePayment(tx, order, amountFen);
  }
}
