import { randomInt } from 'node:crypto';
import type { Actor, Platform } from '../../../platform/context.js';
import { createOnce, rows, sql, type Db } from '../../../platform/db/index.js';
import { conflict, notFound, unprocessable } from '../../../platform/errors.js';
import type { FissionDeps } from '../deps.js';
import { iso, post, recordReservation, reserveWithdrawal } from './ledger.js';
import type { DistributionService } from './service.js';

export type WithdrawalStatus = 'reviewing' | 'approved' | 'transferring' | 'wait_confirm' | 'paid' | 'rejected' | 'failed';

interface WithdrawalRow {
  id: string;
  shop_id: string;
  customer_id: string;
  withdrawal_no: string;
  amount_fen: number;
  fee_fen: number;
  pay_fen: number;
  real_name: string | null;
  status: WithdrawalStatus;
  attempt: number;
  out_bill_no: string | null;
  transfer_bill_no: string | null;
  package_info: string | null;
  fail_reason: string | null;
  reject_reason: string | null;
  request_key: string | null;
  reviewed_at: string | Date | null;
  paid_at: string | Date | null;
  created_at: string | Date;
}

/** A bill as WeChat Pay's 商家转账 answers it (the client may give it in either spelling). */
export interface TransferBill {
  out_bill_no?: string;
  outBillNo?: string;
  transfer_bill_no?: string;
  transferBillNo?: string;
  state?: string;
  package_info?: string | null;
  packageInfo?: string | null;
  fail_reason?: string | null;
  failReason?: string | null;
}

/** WeChat Pay merchant transfer (helper T's additions to WechatPayClient). */
interface TransferClient {
  createTransferBill(input: {
    outBillNo: string;
    openid: string;
    amountFen: number;
    remark: string;
    sceneId: '1005';
    reportInfos: { type: string; content: string }[];
    userName?: string;
    notifyUrl: string;
  }): Promise<TransferBill>;
  getTransferBill(outBillNo: string): Promise<TransferBill>;
}

/** WeChat requires the payee's real name from ¥2,000 on. */
const REAL_NAME_FROM_FEN = 200_000;
const IN_FLIGHT: WithdrawalStatus[] = ['transferring', 'wait_confirm'];

const present = (w: WithdrawalRow, nickname?: string | null) => ({
  id: w.id, withdrawalNo: w.withdrawal_no, customerId: w.customer_id, nickname: nickname ?? null,
  amountFen: Number(w.amount_fen), feeFen: Number(w.fee_fen), payFen: Number(w.pay_fen), status: w.status,
  createdAt: iso(w.created_at), reviewedAt: iso(w.reviewed_at), paidAt: iso(w.paid_at), failReason: w.fail_reason, rejectReason: w.reject_reason,
});

function withdrawalNo(now: Date) {
  const t = now.toISOString().replace(/\D/g, '').slice(0, 14);
  return `W${t}${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
}

/**
 * Promoters' withdrawals. The amount leaves payable for withdrawing at the request (a conditional UPDATE, so
 * parallel requests never take more than there is), staff review it, and an approved one is paid by WeChat
 * Pay's merchant transfer in scene 1005 (佣金报酬), which the promoter confirms in WeChat. Each approval
 * sends one bill whose out_bill_no never changes; a failed bill returns the money to payable.
 */
export class WithdrawalService {
  constructor(
    private p: Platform,
    private d: FissionDeps,
    private dist: DistributionService,
  ) {
    // One of several transfer handlers (invitation payouts are another): applyBill ignores any bill whose
    // out_bill_no is not a withdrawal's of this shop.
    d.payments.onTransfer((tx, shopId, resource) => this.applyBill(tx, shopId, resource as TransferBill));
  }

  private async client(shopId: string) {
    return (await this.d.payments.client(shopId)) as unknown as TransferClient;
  }

  private async openid(shopId: string, customerId: string) {
    const merchant = await this.d.payments.merchant(shopId);
    const openid = await this.d.customers.wechatOpenid(shopId, customerId, merchant.appId);
    if (openid) return openid;
    // The sandbox pays anyone, so demos and tests can withdraw without a WeChat sign-in (as payments do).
    if (this.p.config.SANDBOX) return `sandbox-payer-${customerId}`;
    return null;
  }

  private async byKey(shopId: string, customerId: string, key: string) {
    const [w] = await rows<WithdrawalRow>(this.p.db, sql`SELECT * FROM promoter_withdrawals WHERE shop_id = ${shopId} AND customer_id = ${customerId} AND request_key = ${key}`);
    return w ?? null;
  }

  /** A promoter asks to withdraw. Send Idempotency-Key: a retry gets the first answer. */
  async request(shopId: string, customerId: string, input: { amountFen: number; realName?: string }, key?: string) {
    if (key) {
      const again = await this.byKey(shopId, customerId, key);
      if (again) return present(again);
    }
    const s = await this.dist.settings(shopId);
    const promoter = await this.dist.promoter(this.p.db, shopId, customerId);
    if (!promoter || promoter.status === 'pending' || promoter.status === 'rejected') throw conflict('PROMOTER_REQUIRED', 'Only promoters can withdraw commission', { field: 'status' });
    if (input.amountFen < s.withdrawMinFen) throw unprocessable('WITHDRAW_BELOW_MINIMUM', `Withdraw at least ¥${(s.withdrawMinFen / 100).toFixed(2)}`, { field: 'amountFen', minFen: s.withdrawMinFen });
    const feeFen = Math.floor((input.amountFen * s.withdrawFeeBp) / 10_000);
    const payFen = input.amountFen - feeFen;
    if (payFen <= 0) throw unprocessable('WITHDRAW_BELOW_MINIMUM', 'Nothing left after the fee', { field: 'amountFen', minFen: s.withdrawMinFen });
    const realName = input.realName ?? promoter.real_name ?? null;
    if (payFen >= REAL_NAME_FROM_FEN && !realName) throw unprocessable('WITHDRAW_REAL_NAME_REQUIRED', 'WeChat needs your real name for ¥2,000 or more', { field: 'realName' });
    if (!(await this.openid(shopId, customerId))) throw conflict('WECHAT_AUTH_REQUIRED', 'Open the shop in WeChat to withdraw', { field: 'openid' });
    const w = await createOnce(key, () => this.byKey(shopId, customerId, key!), () =>
      this.p.database.transaction(async (tx) => {
        const [acc] = await rows<{ payable_fen: number }>(tx, sql`SELECT payable_fen FROM promoters WHERE shop_id = ${shopId} AND customer_id = ${customerId}`);
        const payable = Number(acc.payable_fen);
        if (payable < 0) throw conflict('PROMOTER_IN_DEBT', `Refunds clawed back ¥${(-payable / 100).toFixed(2)} more than you have: new commission repays it first`, { field: 'amountFen', debtFen: -payable });
        if (!(await reserveWithdrawal(tx, shopId, customerId, input.amountFen))) {
          const [now] = await rows<{ payable_fen: number }>(tx, sql`SELECT payable_fen FROM promoters WHERE shop_id = ${shopId} AND customer_id = ${customerId}`);
          throw conflict('WITHDRAW_EXCEEDS_PAYABLE', 'More than your withdrawable commission', { field: 'amountFen', payableFen: Math.max(0, Number(now.payable_fen)) });
        }
        const now = this.p.now();
        const auto = !s.withdrawReview;
        const no = withdrawalNo(now);
        const [row] = await rows<WithdrawalRow>(tx, sql`
          INSERT INTO promoter_withdrawals (shop_id, customer_id, withdrawal_no, amount_fen, fee_fen, pay_fen, real_name, status, attempt, out_bill_no, request_key, created_at, reviewed_at)
          VALUES (${shopId}, ${customerId}, ${no}, ${input.amountFen}, ${feeFen}, ${payFen}, ${realName}, ${auto ? 'approved' : 'reviewing'}, ${auto ? 1 : 0},
            ${auto ? `${no}B1` : null}, ${key ?? null}, ${now.toISOString()}::timestamptz, ${auto ? now.toISOString() : null}::timestamptz)
          RETURNING *`);
        await recordReservation(tx, shopId, customerId, `${row.id}:1`, input.amountFen, now);
        if (auto) await this.sendLater(tx, row);
        return row;
      }),
    );
    return present(w);
  }

  private async sendLater(tx: Db, w: WithdrawalRow) {
    await this.p.jobs.send('distribution.transfer', { shopId: w.shop_id, withdrawalId: w.id, attempt: w.attempt }, { tx, singletonKey: `${w.id}:${w.attempt}` });
  }

  private async lock(tx: Db, shopId: string, id: string) {
    const [w] = await rows<WithdrawalRow>(tx, sql`SELECT * FROM promoter_withdrawals WHERE id = ${id} AND shop_id = ${shopId} FOR UPDATE`);
    if (!w) throw notFound('Withdrawal', { field: 'id' });
    return w;
  }

  private expect(w: WithdrawalRow, allowed: WithdrawalStatus[]) {
    if (!allowed.includes(w.status)) throw conflict('WITHDRAWAL_STATE_INVALID', `The withdrawal is ${w.status}`, { field: 'status', status: w.status });
  }

  /** Staff approve: the transfer goes out by a job. A failed one may be approved again (a new bill). */
  async approve(actor: Actor, id: string) {
    return this.p.database.transaction(async (tx) => {
      const w = await this.lock(tx, actor.shopId, id);
      this.expect(w, ['reviewing', 'failed']);
      const attempt = w.attempt + 1;
      if (w.status === 'failed') {
        // The failed bill gave the money back to payable; take it again, if it is still there.
        if (!(await reserveWithdrawal(tx, actor.shopId, w.customer_id, Number(w.amount_fen)))) {
          throw conflict('WITHDRAW_EXCEEDS_PAYABLE', 'The promoter no longer has this much withdrawable commission', { field: 'amountFen' });
        }
        await recordReservation(tx, actor.shopId, w.customer_id, `${w.id}:${attempt}`, Number(w.amount_fen), this.p.now());
      }
      const [after] = await rows<WithdrawalRow>(tx, sql`
        UPDATE promoter_withdrawals SET status = 'approved', attempt = ${attempt}, out_bill_no = ${`${w.withdrawal_no}B${attempt}`}, package_info = NULL, fail_reason = NULL,
          reviewed_by = ${actor.id}, reviewed_at = ${this.p.now().toISOString()}::timestamptz, updated_at = now()
        WHERE id = ${w.id} RETURNING *`);
      await this.sendLater(tx, after);
      return { before: present(w), after: present(after) };
    });
  }

  /** Staff reject: the money goes back to payable (a failed one already went back; it just closes). */
  async reject(actor: Actor, id: string, reason: string) {
    return this.p.database.transaction(async (tx) => {
      const w = await this.lock(tx, actor.shopId, id);
      this.expect(w, ['reviewing', 'failed']);
      if (w.status === 'reviewing') {
        const a = Number(w.amount_fen);
        await post(tx, actor.shopId, w.customer_id, 'withdraw_return', `${w.id}:${w.attempt + 1}`, { withdrawing: -a, payable: a }, this.p.now());
      }
      const [after] = await rows<WithdrawalRow>(tx, sql`
        UPDATE promoter_withdrawals SET status = 'rejected', reject_reason = ${reason}, reviewed_by = ${actor.id}, reviewed_at = ${this.p.now().toISOString()}::timestamptz, updated_at = now()
        WHERE id = ${w.id} RETURNING *`);
      return { before: present(w), after: present(after) };
    });
  }

  /**
   * Job: sends the approved withdrawal's bill. Safe to repeat: WeChat treats the same out_bill_no as one bill,
   * and the bill number is fixed before the first call, so a call whose answer was lost is retried as-is.
   */
  async transfer(shopId: string, withdrawalId: string, attempt: number) {
    const [w] = await rows<WithdrawalRow>(this.p.db, sql`SELECT * FROM promoter_withdrawals WHERE id = ${withdrawalId} AND shop_id = ${shopId}`);
    if (!w || w.attempt !== attempt || !['approved', 'transferring'].includes(w.status) || !w.out_bill_no) return;
    await this.p.database.transaction((tx) => tx.execute(sql`UPDATE promoter_withdrawals SET status = 'transferring', updated_at = now() WHERE id = ${w.id} AND status = 'approved'`));
    const openid = await this.openid(shopId, w.customer_id);
    if (!openid) {
      await this.p.database.transaction((tx) => this.applyBill(tx, shopId, { out_bill_no: w.out_bill_no!, state: 'FAIL', fail_reason: 'OPENID_MISSING' }));
      return;
    }
    const client = await this.client(shopId);
    const bill = await client.createTransferBill({
      outBillNo: w.out_bill_no,
      openid,
      amountFen: Number(w.pay_fen),
      remark: '推广佣金提现',
      sceneId: '1005',
      reportInfos: [{ type: '岗位类型', content: '推广员' }, { type: '报酬说明', content: '推广佣金' }],
      ...(w.real_name && Number(w.pay_fen) >= REAL_NAME_FROM_FEN ? { userName: w.real_name } : {}),
      notifyUrl: this.d.payments.transferNotifyUrl(shopId),
    });
    await this.p.database.transaction((tx) => this.applyBill(tx, shopId, { ...bill, out_bill_no: bill.out_bill_no ?? bill.outBillNo ?? w.out_bill_no! }));
  }

  /**
   * Applies WeChat's state of a bill (from the create call, a notification or a query), once: SUCCESS pays
   * the withdrawal; FAIL / CANCELLED give the money back to payable and leave it failed (approve again or
   * reject). A bill of an earlier attempt changes nothing.
   */
  async applyBill(tx: Db, shopId: string, bill: TransferBill) {
    const outBillNo = bill.out_bill_no ?? bill.outBillNo;
    if (!outBillNo) return;
    const [w] = await rows<WithdrawalRow>(tx, sql`SELECT * FROM promoter_withdrawals WHERE shop_id = ${shopId} AND out_bill_no = ${outBillNo} FOR UPDATE`);
    if (!w || !['approved', 'transferring', 'wait_confirm'].includes(w.status)) return;
    const state = String(bill.state ?? '');
    const now = this.p.now();
    const a = Number(w.amount_fen);
    const transferBillNo = bill.transfer_bill_no ?? bill.transferBillNo ?? w.transfer_bill_no ?? null;
    if (state === 'SUCCESS') {
      await post(tx, shopId, w.customer_id, 'withdraw_paid', w.id, { withdrawing: -a, paid: a }, now);
      await tx.execute(sql`UPDATE promoter_withdrawals SET status = 'paid', paid_at = ${now.toISOString()}::timestamptz, transfer_bill_no = ${transferBillNo}, updated_at = now() WHERE id = ${w.id}`);
    } else if (state === 'FAIL' || state === 'CANCELLED') {
      await post(tx, shopId, w.customer_id, 'withdraw_return', `${w.id}:${w.attempt}`, { withdrawing: -a, payable: a }, now);
      await tx.execute(sql`
        UPDATE promoter_withdrawals SET status = 'failed', fail_reason = ${bill.fail_reason ?? bill.failReason ?? state}, transfer_bill_no = ${transferBillNo}, updated_at = now() WHERE id = ${w.id}`);
    } else if (state === 'WAIT_USER_CONFIRM') {
      await tx.execute(sql`
        UPDATE promoter_withdrawals SET status = 'wait_confirm', package_info = coalesce(${bill.package_info ?? bill.packageInfo ?? null}, package_info),
          transfer_bill_no = ${transferBillNo}, updated_at = now() WHERE id = ${w.id}`);
    } else if (state) {
      await tx.execute(sql`UPDATE promoter_withdrawals SET status = 'transferring', transfer_bill_no = ${transferBillNo}, updated_at = now() WHERE id = ${w.id}`);
    }
  }

  /**
   * Asks WeChat about bills in flight that have been quiet for a while (a lost notification, a confirmation
   * never made). A bill WeChat never received (the create call died on the way) is sent again, same number.
   */
  async syncInFlight(limit = 100, quietMs = 5 * 60_000) {
    const list = await rows<WithdrawalRow>(this.p.db, sql`
      SELECT * FROM promoter_withdrawals WHERE status IN ('transferring', 'wait_confirm') AND out_bill_no IS NOT NULL
        AND updated_at <= now() - make_interval(secs => ${quietMs / 1000}) ORDER BY updated_at LIMIT ${limit}`);
    for (const w of list) await this.sync(w).catch((err) => this.p.log.warn({ err, withdrawalId: w.id }, 'transfer bill query failed'));
  }

  private async sync(w: WithdrawalRow) {
    if (!IN_FLIGHT.includes(w.status) || !w.out_bill_no) return;
    const client = await this.client(w.shop_id);
    let bill: TransferBill;
    try {
      bill = await client.getTransferBill(w.out_bill_no);
    } catch (err) {
      if ((err as { details?: { vendorCode?: string } }).details?.vendorCode === 'NOT_FOUND' && w.status === 'transferring') return this.transfer(w.shop_id, w.id, w.attempt);
      throw err;
    }
    // Touch the row even when nothing changed, so the next round asks about others first.
    await this.p.database.transaction(async (tx) => {
      await tx.execute(sql`UPDATE promoter_withdrawals SET updated_at = now() WHERE id = ${w.id}`);
      await this.applyBill(tx, w.shop_id, { ...bill, out_bill_no: w.out_bill_no! });
    });
  }

  /** What the promoter needs to confirm the transfer: wx.requestMerchantTransfer, or the sandbox's page. */
  async confirm(shopId: string, customerId: string, id: string) {
    const [w] = await rows<WithdrawalRow>(this.p.db, sql`SELECT * FROM promoter_withdrawals WHERE id = ${id} AND shop_id = ${shopId} AND customer_id = ${customerId}`);
    if (!w) throw notFound('Withdrawal', { field: 'id' });
    this.expect(w, ['wait_confirm']);
    return this.d.payments.transferConfirmation(shopId, w.package_info);
  }

  async mine(shopId: string, customerId: string, page = 1, pageSize = 20) {
    const [list, [count]] = await Promise.all([
      rows<WithdrawalRow>(this.p.db, sql`SELECT * FROM promoter_withdrawals WHERE shop_id = ${shopId} AND customer_id = ${customerId} ORDER BY created_at DESC, id LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`),
      rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM promoter_withdrawals WHERE shop_id = ${shopId} AND customer_id = ${customerId}`),
    ]);
    return { items: list.map((w) => present(w)), total: count.n };
  }

  async list(shopId: string, q: { status?: WithdrawalStatus; page: number; pageSize: number }) {
    const where = sql`shop_id = ${shopId} ${q.status ? sql`AND status = ${q.status}` : sql``}`;
    const [list, [count]] = await Promise.all([
      rows<WithdrawalRow>(this.p.db, sql`SELECT * FROM promoter_withdrawals WHERE ${where} ORDER BY created_at DESC, id LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`),
      rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM promoter_withdrawals WHERE ${where}`),
    ]);
    const names = await this.d.customers.summaries(shopId, [...new Set(list.map((w) => w.customer_id))]);
    return { items: list.map((w) => present(w, names.get(w.customer_id)?.nickname)), total: count.n };
  }
}
