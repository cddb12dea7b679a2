import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../platform/errors.js';
import { rows } from '../../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../../testing/harness.js';
import { waitFor } from '../../../testing/commerce.js';
import type { PaymentService } from '../payment-service.js';
import { sandboxTransferConfirmUrl, type CreateTransferBillInput, type WechatPayClient } from './client.js';

/**
 * 商家转账 end to end in a test app: the merchant client against the embedded sandbox, the payee's confirm
 * step through the sandbox, and MCHTRANSFER.BILL.FINISHED reaching the handler registered with
 * payments.onTransfer — once per notification, however often WeChat sends it.
 */
let t: TestApp;
let shopId: string;
let payments: PaymentService;
let client: WechatPayClient;
let sandbox: string;
const seen: Array<{ shopId: string; resource: Record<string, unknown> }> = [];
/** Set by a test to make the handler fail (WeChat must then retry, and nothing may stay recorded). */
let failNext = 0;

beforeAll(async () => {
  t = await startTestApp();
  shopId = (await t.createShop()).shopId;
  payments = t.services.payments;
  payments.onTransfer(async (tx, sid, resource) => {
    // Runs inside the notification's transaction: what it reads sees the notification recorded.
    const [row] = await rows<{ n: number }>(tx, sql`SELECT count(*)::int AS n FROM payment_notifications WHERE shop_id = ${sid} AND event_type = 'MCHTRANSFER.BILL.FINISHED'`);
    expect(row.n).toBeGreaterThan(0);
    if (failNext > 0) {
      failNext--;
      throw new Error('withdrawal ledger unavailable');
    }
    seen.push({ shopId: sid, resource });
  });
  client = await payments.client(shopId);
  sandbox = payments.wechatBaseUrl();
});
afterAll(() => t?.close());

let seq = 0;
const billNo = () => `WD${Date.now()}${++seq}`;
const input = (outBillNo: string, over: Partial<CreateTransferBillInput> = {}): CreateTransferBillInput => ({
  outBillNo,
  openid: 'o_promoter_7',
  amountFen: 1234,
  remark: '推广佣金提现',
  sceneId: '1005',
  reportInfos: [
    { type: '岗位类型', content: '推广员' },
    { type: '报酬说明', content: '推广佣金' },
  ],
  notifyUrl: payments.transferNotifyUrl(shopId),
  perception: '劳务报酬',
  ...over,
});

async function sandboxPost(path: string, body: object) {
  const res = await fetch(`${sandbox}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

interface Delivery {
  id: string;
  url: string;
  eventType: string;
  attempts: number;
  lastStatus: number | null;
  acknowledged: boolean;
}

/** The sandbox's record of the MCHTRANSFER notifications it sent for a merchant. */
async function transferDeliveries(mchId: string): Promise<Delivery[]> {
  const res = await fetch(`${sandbox}/sandbox/notifications?mchid=${mchId}`);
  return ((await res.json()) as { notifications: Delivery[] }).notifications.filter((d) => d.eventType === 'MCHTRANSFER.BILL.FINISHED');
}

async function expectAppError(p: Promise<unknown>, code: string) {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  return err as AppError;
}

describe('商家转账 through the WeChat Pay client', () => {
  it('creates a bill awaiting the payee, idempotent per outBillNo, and queries it', async () => {
    const no = billNo();
    const created = await client.createTransferBill(input(no));
    expect(created).toEqual({ outBillNo: no, transferBillNo: expect.stringMatching(/^\d+$/), state: 'WAIT_USER_CONFIRM', packageInfo: expect.any(String), createdAt: expect.any(Date), failReason: null });
    expect(await client.createTransferBill(input(no))).toEqual(created);
    // Outside a mini-program the payee confirms on the sandbox's page, which shows what they are about to get.
    const page = await fetch(sandboxTransferConfirmUrl(sandbox, created.packageInfo!, '/s/shop/me/promoter'));
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/确认收款[\s\S]*¥12\.34/);
    const bill = await client.getTransferBill(no);
    expect(bill).toMatchObject({ mchId: client.mchId, appId: client.appId, outBillNo: no, transferBillNo: created.transferBillNo, state: 'WAIT_USER_CONFIRM', amountFen: 1234, remark: '推广佣金提现', openid: 'o_promoter_7', userName: null, failReason: null });

    const changed = await expectAppError(client.createTransferBill(input(no, { amountFen: 1300 })), 'WECHATPAY_ERROR');
    expect(changed.details).toMatchObject({ vendorCode: 'INVALID_REQUEST', vendorStatus: 400 });
    const missing = await expectAppError(client.getTransferBill('NEVERCREATED1'), 'WECHATPAY_ERROR');
    expect(missing.details).toMatchObject({ vendorCode: 'NOT_FOUND', vendorStatus: 404 });
    const noReport = await expectAppError(client.createTransferBill(input(billNo(), { reportInfos: [{ type: '岗位类型', content: '推广员' }] })), 'WECHATPAY_ERROR');
    expect(noReport.details).toMatchObject({ vendorCode: 'PARAM_ERROR' });
    await expectAppError(client.createTransferBill(input(billNo(), { remark: '佣'.repeat(33) })), 'TRANSFER_REMARK_TOO_LONG');
  });

  it('the payee confirms; MCHTRANSFER.BILL.FINISHED reaches the onTransfer handler exactly once, resends included', async () => {
    const no = billNo();
    const { packageInfo } = await client.createTransferBill(input(no, { amountFen: 5000 }));
    const confirmed = await sandboxPost('/sandbox/transfer/confirm', { package_info: packageInfo });
    expect(confirmed.body).toMatchObject({ out_bill_no: no, state: 'SUCCESS' });

    const hit = await waitFor(async () => seen.find((s) => s.resource.out_bill_no === no), 'the transfer notification');
    expect(hit).toEqual({ shopId, resource: expect.objectContaining({ out_bill_no: no, state: 'SUCCESS', mch_id: client.mchId, transfer_amount: 5000, openid: 'o_promoter_7' }) });
    expect((await client.getTransferBill(no)).state).toBe('SUCCESS');

    const deliveries = await transferDeliveries(client.mchId);
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    expect(delivery.url).toBe(payments.transferNotifyUrl(shopId));
    expect(delivery.acknowledged).toBe(true);

    // WeChat may send the same notification again: acknowledged, and the handler does not run twice.
    for (let i = 0; i < 2; i++) {
      const resent = await fetch(`${sandbox}/sandbox/notifications/${delivery.id}/resend`, { method: 'POST' });
      expect(((await resent.json()) as { lastStatus: number }).lastStatus).toBe(204);
    }
    expect((await transferDeliveries(client.mchId)).find((d) => d.id === delivery.id)?.attempts).toBe(3);
    expect(seen.filter((s) => s.resource.out_bill_no === no)).toHaveLength(1);
    const recorded = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM payment_notifications WHERE shop_id = ${shopId} AND notification_id = ${delivery.id}`);
    expect(recorded[0].n).toBe(1);
  });

  it('a handler that fails leaves nothing recorded, so the retry is applied', async () => {
    const no = billNo();
    const { packageInfo } = await client.createTransferBill(input(no));
    failNext = 1;
    await sandboxPost('/sandbox/transfer/confirm', { package_info: packageInfo });
    await waitFor(async () => seen.find((s) => s.resource.out_bill_no === no), 'the retried transfer notification');
    expect(failNext).toBe(0);
    expect(seen.filter((s) => s.resource.out_bill_no === no)).toHaveLength(1);
  });

  it('declined and cancelled bills reach the handler as CANCELLED', async () => {
    const declined = billNo();
    const a = await client.createTransferBill(input(declined));
    expect((await sandboxPost('/sandbox/transfer/decline', { package_info: a.packageInfo })).body.state).toBe('CANCELLED');
    await waitFor(async () => seen.find((s) => s.resource.out_bill_no === declined && s.resource.state === 'CANCELLED'), 'the declined bill');

    const cancelled = billNo();
    const b = await client.createTransferBill(input(cancelled));
    const c = await client.cancelTransferBill(cancelled);
    expect(c).toEqual({ outBillNo: cancelled, transferBillNo: b.transferBillNo, state: 'CANCELING', updatedAt: expect.any(Date) });
    await waitFor(async () => seen.find((s) => s.resource.out_bill_no === cancelled && s.resource.state === 'CANCELLED'), 'the cancelled bill');
    expect((await client.getTransferBill(cancelled)).state).toBe('CANCELLED');
    // The same out_bill_no stays that cancelled bill: a new payment needs a new number.
    expect(await client.createTransferBill(input(cancelled))).toMatchObject({ transferBillNo: b.transferBillNo, state: 'CANCELLED', packageInfo: null });
  });

  it('sends the payee name encrypted from ¥2,000 and reads it back', async () => {
    await expectAppError(client.createTransferBill(input(billNo(), { amountFen: 200_000 })), 'TRANSFER_NAME_REQUIRED');
    const no = billNo();
    const created = await client.createTransferBill(input(no, { amountFen: 200_000, userName: '王小明' }));
    expect(created.state).toBe('WAIT_USER_CONFIRM');
    // What the sandbox decrypted with the platform private key:
    const listed = (await (await fetch(`${sandbox}/sandbox/transfers?mchid=${client.mchId}`)).json()) as { transfers: Array<Record<string, unknown>> };
    expect(listed.transfers.find((b) => b.out_bill_no === no)).toMatchObject({ user_name: '王小明', transfer_amount: 200_000 });
    // And what WeChat returns, encrypted with the merchant's key:
    expect((await client.getTransferBill(no)).userName).toBe('王小明');
    // Idempotent although each encryption of the name differs (RSA-OAEP is randomised).
    expect((await client.createTransferBill(input(no, { amountFen: 200_000, userName: '王小明' }))).transferBillNo).toBe(created.transferBillNo);
  });

  it('refuses a transfer notification for another shop’s bill at this shop’s URL', async () => {
    const other = (await t.createShop()).shopId;
    const otherClient = await payments.client(other);
    const no = billNo();
    // The other shop's bill names this shop's notify URL: its notification is signed and encrypted for the
    // other merchant, so this shop cannot verify it and WeChat gets an error.
    const { packageInfo } = await otherClient.createTransferBill({ ...input(no), notifyUrl: payments.transferNotifyUrl(shopId) });
    await sandboxPost('/sandbox/transfer/confirm', { package_info: packageInfo });
    const delivery = await waitFor(async () => (await transferDeliveries(otherClient.mchId)).find((d) => d.attempts > 0), 'the misdirected delivery');
    expect(delivery.acknowledged).toBe(false);
    expect(delivery.lastStatus).toBe(401);
    expect(seen.some((s) => s.resource.out_bill_no === no)).toBe(false);
  });
});
