import { randomInt } from 'node:crypto';
import type { Platform } from '../../../platform/context.js';
import { rows, sql, type Db } from '../../../platform/db/index.js';
import { AppError } from '../../../platform/errors.js';
import type { FissionDeps } from '../deps.js';
import type { TransferBill } from '../distribution/withdrawals.js';

export type PayoutStatus = 'pending' | 'transferring' | 'wait_confirm' | 'paid' | 'failed' | 'cancelled';
export type PayoutSide = 'inviter' | 'invitee';

interface PayoutRow {
  id: string;
  shop_id: string;
  invitation_id: string;
  customer_id: string;
  side: PayoutSide;
  amount_fen: number;
  out_bill_no: string;
  attempt: number;
  status: PayoutStatus;
  transfer_bill_no: string | null;
  package_info: string | null;
  fail_reason: string | null;
  credited_at: string | Date | null;
  paid_at: string | Date | null;
  created_at: string | Date;
  updated_at: string | Date;
}

/** WeChat Pay merchant transfer, the two calls used here (WechatPayClient has them). */
interface TransferClient {
  createTransferBill(input: {
    outBillNo: string;
    openid: string;
    amountFen: number;
    remark: string;
    sceneId: '1000';
    reportInfos: { type: string; content: string }[];
    notifyUrl: string;
  }): Promise<TransferBill>;
  getTransferBill(outBillNo: string): Promise<TransferBill>;
}

/** Every out_bill_no of an invitation payout starts so; other bills (withdrawals' W…) are not ours. */
const BILL_PREFIX = 'IV';
const IN_FLIGHT: PayoutStatus[] = ['pending', 'transferring', 'wait_confirm'];
/** WeChat refuses transfers below ¥0.10: smaller cash rewards go into the balance. */
export const MIN_TRANSFER_FEN = 10;
const REMARK: Record<PayoutSide, string> = { inviter: '邀请好友奖励', invitee: '受邀新人奖励' };
/** Refusals WeChat may lift by itself (the merchant's account topped up, a rate limit): the job retries those. */
const TRANSIENT = new Set(['NOT_ENOUGH', 'FREQUENCY_LIMITED', 'FREQUENCY_LIMIT_EXCEED', 'SYSTEM_ERROR', 'RATELIMIT_EXCEEDED']);

const iso = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());

/** The ledger reference of the reward in the member balance: the same as the balance payout's, so it is paid once. */
export const rewardRef = (invitationId: string, side: PayoutSide) => `invite:${invitationId}:${side}`;
export const rewardNote = (side: PayoutSide) => REMARK[side];

function billNo(now: Date, side: PayoutSide, attempt: number) {
  const t = now.toISOString().replace(/\D/g, '').slice(0, 14);
  return `${BILL_PREFIX}${t}${String(randomInt(0, 100_000_000)).padStart(8, '0')}${side === 'inviter' ? 'R' : 'E'}${attempt}`;
}

const vendorOf = (err: unknown) => (err as { details?: { vendorCode?: string; vendorStatus?: number } }).details ?? {};

export function presentPayout(w: PayoutRow, nickname?: string | null) {
  return {
    id: w.id, invitationId: w.invitation_id, customerId: w.customer_id, nickname: nickname ?? null, side: w.side, amountFen: Number(w.amount_fen),
    outBillNo: w.out_bill_no, status: w.status, failReason: w.fail_reason, creditedToBalance: w.credited_at !== null,
    createdAt: iso(w.created_at), paidAt: iso(w.paid_at), creditedAt: iso(w.credited_at),
  };
}

/**
 * 邀请有礼's cash paid as WeChat change: 商家转账 in scene 1000 (现金营销), which the customer confirms in WeChat.
 *
 *   pending ──job──▶ transferring ──bill──▶ wait_confirm ──customer confirms──▶ paid
 *      │                  │                     │
 *      │                  └── FAIL ─────────────┴── FAIL / CANCELLED ──▶ failed / cancelled (+ member balance)
 *      └── no openid for the merchant's app / no WeChat Pay account ──▶ failed (OPENID_MISSING / PAYMENT_NOT_CONFIGURED, + member balance)
 *
 * The payout row is written in the reward's transaction, once per (invitation, side); its out_bill_no never
 * changes, so a job run twice, in parallel or after a lost answer, sends the same bill (WeChat treats the
 * same out_bill_no as one bill). A bill WeChat cancels (the customer never confirmed: WeChat cancels
 * unconfirmed bills) or fails (no real-name account, a restricted payee, a refusal of the bill itself) is
 * paid into the member balance instead — once: the credit uses the same ledger reference as the balance
 * payout would have (`invite:<invitation>:<side>`), and only a payout still in flight moves to a final state.
 */
export class InvitePayoutService {
  constructor(
    private p: Platform,
    private d: FissionDeps,
    private activityName: (shopId: string) => Promise<string | null>,
  ) {
    // One of several transfer handlers (withdrawals are another): applyBill ignores bills that are not ours.
    d.payments.onTransfer((tx, shopId, resource) => this.applyBill(tx, shopId, resource as TransferBill));
  }

  private async client(shopId: string) {
    return (await this.d.payments.client(shopId)) as unknown as TransferClient;
  }

  /**
   * In the reward's transaction: records the payout, once per (invitation, side), and queues its transfer.
   * Returns false when it was already recorded (nothing queued again).
   */
  async create(tx: Db, q: { shopId: string; invitationId: string; customerId: string; side: PayoutSide; amountFen: number }) {
    const now = this.p.now();
    const [w] = await rows<PayoutRow>(tx, sql`
      INSERT INTO invite_payouts (shop_id, invitation_id, customer_id, side, amount_fen, out_bill_no, attempt, status, created_at, updated_at)
      VALUES (${q.shopId}, ${q.invitationId}, ${q.customerId}, ${q.side}, ${q.amountFen}, ${billNo(now, q.side, 1)}, 1, 'pending', ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
      ON CONFLICT (invitation_id, side) DO NOTHING RETURNING *`);
    if (!w) return false;
    await this.p.jobs.send('invite.payout', { shopId: w.shop_id, payoutId: w.id, attempt: w.attempt }, { tx, singletonKey: `${w.id}:${w.attempt}` });
    return true;
  }

  private async get(shopId: string, id: string) {
    const [w] = await rows<PayoutRow>(this.p.db, sql`SELECT * FROM invite_payouts WHERE id = ${id} AND shop_id = ${shopId}`);
    return w ?? null;
  }

  private apply(shopId: string, bill: TransferBill) {
    return this.p.database.transaction((tx) => this.applyBill(tx, shopId, bill));
  }

  /**
   * Job: sends the payout's bill. Safe to repeat, also in parallel: the bill number is fixed when the payout
   * is written, so every call names the same bill.
   */
  async transfer(shopId: string, payoutId: string, attempt: number) {
    const w = await this.get(shopId, payoutId);
    if (!w || w.attempt !== attempt || !['pending', 'transferring'].includes(w.status)) return;
    let merchant;
    try {
      merchant = await this.d.payments.merchant(shopId);
    } catch (err) {
      // The shop chose WeChat change but has no WeChat Pay account: nothing can be sent, the balance gets it.
      if (err instanceof AppError && err.code === 'PAYMENT_NOT_CONFIGURED' && w.status === 'pending') {
        return this.apply(shopId, { out_bill_no: w.out_bill_no, state: 'FAIL', fail_reason: 'PAYMENT_NOT_CONFIGURED' });
      }
      throw err;
    }
    const openid = await this.d.customers.wechatOpenid(shopId, w.customer_id, merchant.appId);
    if (!openid) {
      // Never signed in through the merchant's WeChat app: WeChat has nobody to pay, so the balance gets it now.
      // (A payout already transferring had an openid once: only when WeChat holds no bill is it safe to.)
      if (w.status === 'pending') await this.apply(shopId, { out_bill_no: w.out_bill_no, state: 'FAIL', fail_reason: 'OPENID_MISSING' });
      else await this.fallBackUnlessBilled(w, 'OPENID_MISSING');
      return;
    }
    await this.p.db.execute(sql`UPDATE invite_payouts SET status = 'transferring', updated_at = ${this.p.now().toISOString()}::timestamptz WHERE id = ${w.id} AND status = 'pending'`);
    const client = await this.client(shopId);
    let bill: TransferBill;
    try {
      bill = await client.createTransferBill({
        outBillNo: w.out_bill_no,
        openid,
        amountFen: Number(w.amount_fen),
        remark: REMARK[w.side],
        sceneId: '1000',
        reportInfos: [{ type: '活动名称', content: (await this.activityName(shopId)) || '邀请有礼' }, { type: '奖励说明', content: REMARK[w.side] }],
        notifyUrl: this.d.payments.transferNotifyUrl(shopId),
      });
    } catch (err) {
      const { vendorCode, vendorStatus } = vendorOf(err);
      // WeChat refused the bill itself (no permission for the scene, a parameter it will never take): retrying
      // cannot help, so the reward goes into the balance — unless an earlier call did create the bill.
      if (typeof vendorStatus === 'number' && vendorStatus >= 400 && vendorStatus < 500 && vendorStatus !== 429 && !TRANSIENT.has(String(vendorCode))) {
        this.p.log.warn({ err, shopId, payoutId }, 'invitation payout refused by WeChat Pay: paid into the member balance');
        return this.fallBackUnlessBilled(w, String(vendorCode ?? `HTTP_${vendorStatus}`));
      }
      throw err;
    }
    await this.apply(shopId, { ...bill, out_bill_no: w.out_bill_no });
  }

  /** Falls back to the balance only when WeChat holds no bill of this number; else applies the bill's state. */
  private async fallBackUnlessBilled(w: PayoutRow, reason: string) {
    const client = await this.client(w.shop_id);
    try {
      const bill = await client.getTransferBill(w.out_bill_no);
      await this.apply(w.shop_id, { ...bill, out_bill_no: w.out_bill_no });
    } catch (err) {
      if (vendorOf(err).vendorCode !== 'NOT_FOUND') throw err;
      await this.apply(w.shop_id, { out_bill_no: w.out_bill_no, state: 'FAIL', fail_reason: reason });
    }
  }

  /**
   * Applies WeChat's state of a bill (from the create call, a notification or a query), once. SUCCESS pays the
   * payout; FAIL and CANCELLED close it and pay the amount into the member balance instead (the fallback:
   * same ledger reference as the balance payout, so never twice); a final payout changes no more.
   */
  async applyBill(tx: Db, shopId: string, bill: TransferBill) {
    const outBillNo = bill.out_bill_no ?? bill.outBillNo;
    if (!outBillNo || !outBillNo.startsWith(BILL_PREFIX)) return;
    const [w] = await rows<PayoutRow>(tx, sql`SELECT * FROM invite_payouts WHERE shop_id = ${shopId} AND out_bill_no = ${outBillNo} FOR UPDATE`);
    if (!w || !IN_FLIGHT.includes(w.status)) return;
    const state = String(bill.state ?? '');
    const now = this.p.now().toISOString();
    const transferBillNo = bill.transfer_bill_no ?? bill.transferBillNo ?? w.transfer_bill_no ?? null;
    if (state === 'SUCCESS') {
      await tx.execute(sql`UPDATE invite_payouts SET status = 'paid', paid_at = ${now}::timestamptz, package_info = NULL, transfer_bill_no = ${transferBillNo}, updated_at = ${now}::timestamptz WHERE id = ${w.id}`);
    } else if (state === 'FAIL' || state === 'CANCELLED') {
      await this.d.storedValue.creditReward(tx, shopId, w.customer_id, Number(w.amount_fen), rewardRef(w.invitation_id, w.side), REMARK[w.side]);
      await tx.execute(sql`
        UPDATE invite_payouts SET status = ${state === 'FAIL' ? 'failed' : 'cancelled'}, fail_reason = ${bill.fail_reason ?? bill.failReason ?? state}, package_info = NULL,
          transfer_bill_no = ${transferBillNo}, credited_at = ${now}::timestamptz, updated_at = ${now}::timestamptz
        WHERE id = ${w.id}`);
    } else if (state === 'WAIT_USER_CONFIRM') {
      await tx.execute(sql`
        UPDATE invite_payouts SET status = 'wait_confirm', package_info = coalesce(${bill.package_info ?? bill.packageInfo ?? null}, package_info), transfer_bill_no = ${transferBillNo},
          updated_at = ${now}::timestamptz
        WHERE id = ${w.id}`);
    } else if (state) {
      await tx.execute(sql`UPDATE invite_payouts SET status = 'transferring', transfer_bill_no = ${transferBillNo}, updated_at = ${now}::timestamptz WHERE id = ${w.id}`);
    }
  }

  /**
   * Payouts in flight that have been quiet for a while: a lost notification, a bill WeChat cancelled because it
   * was never confirmed, a job that died. A bill WeChat never received is sent again, same number.
   */
  async syncInFlight(limit = 100, quietMs = 5 * 60_000) {
    const before = new Date(this.p.now().getTime() - quietMs).toISOString();
    const list = await rows<PayoutRow>(this.p.db, sql`
      SELECT * FROM invite_payouts WHERE status IN ('pending', 'transferring', 'wait_confirm') AND updated_at <= ${before}::timestamptz ORDER BY updated_at LIMIT ${limit}`);
    for (const w of list) await this.sync(w).catch((err) => this.p.log.warn({ err, payoutId: w.id }, 'invitation payout query failed'));
  }

  private async sync(w: PayoutRow) {
    if (w.status === 'pending') return this.transfer(w.shop_id, w.id, w.attempt);
    const client = await this.client(w.shop_id);
    let bill: TransferBill;
    try {
      bill = await client.getTransferBill(w.out_bill_no);
    } catch (err) {
      if (vendorOf(err).vendorCode === 'NOT_FOUND' && w.status === 'transferring') return this.transfer(w.shop_id, w.id, w.attempt);
      throw err;
    }
    // Touch the row even when nothing changed, so the next round asks about others first.
    await this.p.database.transaction(async (tx) => {
      await tx.execute(sql`UPDATE invite_payouts SET updated_at = ${this.p.now().toISOString()}::timestamptz WHERE id = ${w.id}`);
      await this.applyBill(tx, w.shop_id, { ...bill, out_bill_no: w.out_bill_no });
    });
  }

  /**
   * The customer's payouts still in flight, newest first; those waiting for 确认收款 carry what
   * `wx.requestMerchantTransfer` needs (and, in sandbox mode, the sandbox's confirm page).
   */
  async mine(shopId: string, customerId: string) {
    const list = await rows<PayoutRow>(this.p.db, sql`
      SELECT * FROM invite_payouts WHERE shop_id = ${shopId} AND customer_id = ${customerId} AND status IN ('pending', 'transferring', 'wait_confirm')
      ORDER BY created_at DESC, id LIMIT 50`);
    return {
      items: await Promise.all(list.map(async (w) => ({
        id: w.id, invitationId: w.invitation_id, side: w.side, amountFen: Number(w.amount_fen), status: w.status, createdAt: iso(w.created_at),
        confirm: w.status === 'wait_confirm' && w.package_info ? await this.d.payments.transferConfirmation(shopId, w.package_info) : null,
      }))),
    };
  }

  async list(shopId: string, q: { status?: PayoutStatus; page: number; pageSize: number }) {
    const where = sql`shop_id = ${shopId} ${q.status ? sql`AND status = ${q.status}` : sql``}`;
    const [list, [count]] = await Promise.all([
      rows<PayoutRow>(this.p.db, sql`SELECT * FROM invite_payouts WHERE ${where} ORDER BY created_at DESC, id LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`),
      rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM invite_payouts WHERE ${where}`),
    ]);
    const names = await this.d.customers.summaries(shopId, [...new Set(list.map((w) => w.customer_id))]);
    return { items: list.map((w) => presentPayout(w, names.get(w.customer_id)?.nickname)), total: count.n, page: q.page, pageSize: q.pageSize };
  }
}
