import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, sql } from '../../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../../testing/harness.js';
import { atTime, bearer, createProduct, payOrder, signInCustomer, waitFor, type CustomerFixture, type ShopFixture } from '../../../testing/commerce.js';

let t: TestApp;
let shop: ShopFixture;
let pickupPointId: string;
let couponTemplateId: string;
const store = (path: string) => `/api/store/${shop.slug}${path}`;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  pickupPointId = (await t.call('POST', '/api/admin/pickup-points', { session: shop.owner, body: { name: '门店', address: '文三路 1 号' } })).body.id;
  const coupon = await t.call('POST', '/api/admin/coupons', {
    session: shop.owner,
    body: { name: '新人券', kind: 'no_threshold', amountOffFen: 500, totalQuantity: 100, perCustomerLimit: 5, validity: { type: 'relative', days: 7 } },
  });
  expect(coupon.status, JSON.stringify(coupon.body)).toBe(201);
  couponTemplateId = coupon.body.id;
});
afterAll(() => t?.close());

const settings = (over: Record<string, unknown> = {}) => ({
  enabled: true, newCustomer: 'new_account', newAccountHours: 24, trigger: 'first_order', attributionDays: 7,
  inviterCouponTemplateId: null, inviterPoints: 100, inviteeCouponTemplateId: couponTemplateId, inviteePoints: 0, inviterDailyCap: 10, ...over,
});

async function save(over: Record<string, unknown> = {}) {
  const res = await t.call('PUT', '/api/admin/invitations/settings', { session: shop.owner, body: settings(over) });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function shareOf(c: CustomerFixture) {
  const res = await t.call('POST', store('/me/share'), { headers: bearer(c), body: { kind: 'promoter' } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.scene as string;
}

const accept = (c: CustomerFixture, scene: string) => t.call('POST', store('/invitations/accept'), { headers: bearer(c), body: { scene } });
const pointsOf = async (c: CustomerFixture) => (await t.call('GET', store('/me/points'), { headers: bearer(c) })).body.balance as number;
const couponsOf = async (c: CustomerFixture) => (await t.call('GET', store('/me/coupons'), { headers: bearer(c) })).body.items.length as number;

async function buy(c: CustomerFixture) {
  const product = await createProduct(t, shop.owner, { priceFen: 3_000, stock: 10 });
  const placed = await t.call('POST', store('/orders'), { headers: bearer(c, { 'idempotency-key': randomUUID() }), body: { items: [{ skuId: product.skus[0].id, quantity: 1 }], fulfilment: 'pickup', pickupPointId, couponId: null } });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  await payOrder(t, shop.slug, c, placed.body.id);
  return placed.body.id as string;
}

describe('settings', () => {
  it('refuses an invitation scheme without a reward and an unknown coupon, naming the field', async () => {
    const none = await t.call('PUT', '/api/admin/invitations/settings', { session: shop.owner, body: settings({ inviterPoints: 0, inviteeCouponTemplateId: null }) });
    expect(none.status).toBe(422);
    expect(none.body.error).toMatchObject({ code: 'INVITE_REWARD_REQUIRED', details: { field: 'inviterPoints' } });
    const unknown = await t.call('PUT', '/api/admin/invitations/settings', { session: shop.owner, body: settings({ inviterCouponTemplateId: randomUUID() }) });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.details.field).toBe('inviterCouponTemplateId');
    const bad = await t.call('PUT', '/api/admin/invitations/settings', { session: shop.owner, body: settings({ attributionDays: 0 }) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('attributionDays');
  });
});

describe('an invitation', () => {
  it('rewards both sides once when the new customer pays a first order, and only new customers count', async () => {
    await save();
    const [inviter, friend, old, other] = [await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug)];
    await buy(old);
    const scene = await shareOf(inviter);
    expect((await accept(inviter, scene)).body.outcome).toBe('self');
    expect((await accept(old, scene)).body.outcome).toBe('not_new');
    const forged = await accept(friend, `${scene.slice(0, -2)}zz`);
    expect(forged.status).toBe(404);
    expect(forged.body.error.details.field).toBe('scene');

    const accepted = await accept(friend, scene);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body).toMatchObject({ outcome: 'accepted', invitation: { status: 'accepted', inviterId: inviter.customerId } });
    // The first inviter wins: another friend's link changes nothing.
    expect((await accept(friend, await shareOf(other))).body.outcome).toBe('already_invited');

    const before = await pointsOf(inviter);
    await buy(friend);
    await t.drain();
    await waitFor(async () => (await t.call('GET', store('/me/invitations'), { headers: bearer(inviter) })).body.invited[0]?.status === 'rewarded', 'invitation rewarded');
    expect(await pointsOf(inviter)).toBe(before + 100);
    expect(await couponsOf(friend)).toBe(1);
    // A second paid order (and the event replayed) gives nothing more.
    await buy(friend);
    await t.drain();
    expect(await pointsOf(inviter)).toBe(before + 100);
    expect(await couponsOf(friend)).toBe(1);

    const list = await t.call('GET', '/api/admin/invitations?status=rewarded', { session: shop.owner });
    expect(list.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ inviterId: inviter.customerId, inviteeId: friend.customerId, inviterRewarded: true })]));
    const overview = await t.call('GET', '/api/admin/invitations/overview', { session: shop.owner });
    expect(overview.body.rewarded).toBeGreaterThanOrEqual(1);
    expect(overview.body.ranking[0]).toMatchObject({ rewarded: expect.any(Number) });
  });

  it('does not count an account older than the merchant’s definition of new', async () => {
    await save({ newAccountHours: 1 });
    const [inviter, friend] = [await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug)];
    const scene = await shareOf(inviter);
    const realNow = t.platform.now;
    t.platform.now = () => new Date(Date.now() + 2 * 3600_000);
    try {
      expect((await accept(friend, scene)).body.outcome).toBe('not_new');
    } finally {
      t.platform.now = realNow;
    }
  });

  it('keeps the inviter within the daily cap when invitees sign up in parallel; each invitee still gets theirs', async () => {
    await save({ trigger: 'registered', inviterDailyCap: 2, inviterPoints: 10, inviteePoints: 5, inviteeCouponTemplateId: null });
    const inviter = await signInCustomer(t, shop.slug);
    const friends = await Promise.all(Array.from({ length: 5 }, () => signInCustomer(t, shop.slug)));
    const scene = await shareOf(inviter);
    const before = await pointsOf(inviter);
    const friendsBefore = await Promise.all(friends.map(pointsOf));
    const answers = await Promise.all(friends.map((f) => accept(f, scene)));
    expect(answers.every((a) => a.status === 200 && a.body.outcome === 'accepted')).toBe(true);
    expect(await pointsOf(inviter)).toBe(before + 20);
    for (const [i, f] of friends.entries()) expect(await pointsOf(f)).toBe(friendsBefore[i]! + 5);
    const [{ n }] = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM invitations WHERE inviter_id = ${inviter.customerId} AND inviter_rewarded`);
    expect(n).toBe(2);
  });
});

describe('a cash reward', () => {
  it('is paid into both members’ balances as bonus, once, with a 奖励 line in the statement', async () => {
    await save({ trigger: 'registered', inviterPoints: 0, inviteeCouponTemplateId: null, inviterCashFen: 500, inviteeCashFen: 300 });
    const [inviter, friend] = [await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug)];
    const scene = await shareOf(inviter);
    expect((await accept(friend, scene)).body.outcome).toBe('accepted');
    expect((await accept(friend, scene)).body.outcome).toBe('already_invited');
    const balance = async (c: CustomerFixture) => t.services.storedValue.account(shop.shopId, c.customerId);
    expect(await balance(inviter)).toMatchObject({ principalFen: 0, bonusFen: 500 });
    expect(await balance(friend)).toMatchObject({ principalFen: 0, bonusFen: 300 });
    const statement = await t.call('GET', store('/me/stored-value/ledger'), { headers: bearer(friend) });
    expect(JSON.stringify(statement.body)).toContain('reward');
    expect((await t.call('GET', store('/me/invitations'), { headers: bearer(inviter) })).body.rewards).toMatchObject({ inviterCashFen: 500, inviteeCashFen: 300 });
  });
});

describe('a cash reward paid as WeChat change (商家转账)', () => {
  interface SandboxBill { out_bill_no: string; openid: string; state: string; transfer_amount: number; transfer_scene_id: string; transfer_scene_report_infos: { info_type: string; info_content: string }[] }
  const payouts = () => t.services.fission.invitations.payouts;
  const balance = (c: CustomerFixture) => t.services.storedValue.account(shop.shopId, c.customerId);
  const bills = async () => (await t.call('GET', '/sandbox/wechatpay/sandbox/transfers')).body.transfers as SandboxBill[];
  const payoutRows = (invitationId: string) =>
    rows<{ id: string; side: string; status: string; out_bill_no: string; fail_reason: string | null; credited_at: unknown; attempt: number }>(t.platform.db, sql`SELECT * FROM invite_payouts WHERE invitation_id = ${invitationId} ORDER BY side`);
  const rewardLines = async (c: CustomerFixture) =>
    (await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM stored_value_ledger WHERE shop_id = ${shop.shopId} AND customer_id = ${c.customerId} AND kind = 'reward'`))[0]!.n;

  /** A customer signed in through the merchant's WeChat app (an openid for its appId). */
  async function wechatCustomer() {
    const c = await signInCustomer(t, shop.slug);
    const { appId } = await t.services.payments.merchant(shop.shopId);
    await t.platform.db.execute(sql`INSERT INTO customer_identities (shop_id, customer_id, provider, app_id, openid) VALUES (${shop.shopId}, ${c.customerId}, 'wechat', ${appId}, ${`o_inv_${c.customerId.replace(/-/g, '').slice(0, 20)}`})`);
    return c;
  }

  async function invited(inviter: CustomerFixture, friend: CustomerFixture) {
    const res = await accept(friend, await shareOf(inviter));
    expect(res.body.outcome, JSON.stringify(res.body)).toBe('accepted');
    return res.body.invitation.id as string;
  }

  const wechat = (over: Record<string, unknown> = {}) =>
    save({ trigger: 'registered', inviterPoints: 0, inviteeCouponTemplateId: null, inviterCashFen: 500, inviteeCashFen: 300, cashPayout: 'wechat', activityName: '春季邀请', ...over });

  it('is sent as a scene-1000 bill the customer confirms; a bill WeChat cancels goes into the balance, once', async () => {
    await wechat();
    expect((await t.call('GET', '/api/admin/invitations/settings', { session: shop.owner })).body).toMatchObject({ cashPayout: 'wechat', activityName: '春季邀请' });
    const [inviter, friend] = [await wechatCustomer(), await wechatCustomer()];
    const invitationId = await invited(inviter, friend);
    // Nothing went into the balances: two payouts wait for their job.
    expect(await balance(inviter)).toMatchObject({ bonusFen: 0 });
    expect(await balance(friend)).toMatchObject({ bonusFen: 0 });
    expect((await payoutRows(invitationId)).map((r) => [r.side, r.status])).toEqual([['invitee', 'pending'], ['inviter', 'pending']]);

    await t.drain();
    const [inviteeRow, inviterRow] = await payoutRows(invitationId);
    const all = await bills();
    const inviterBill = all.find((b) => b.out_bill_no === inviterRow!.out_bill_no)!;
    expect(inviterBill).toMatchObject({ transfer_scene_id: '1000', transfer_amount: 500, state: 'WAIT_USER_CONFIRM' });
    expect(inviterBill.transfer_scene_report_infos).toEqual([{ info_type: '活动名称', info_content: '春季邀请' }, { info_type: '奖励说明', info_content: '邀请好友奖励' }]);
    expect(all.find((b) => b.out_bill_no === inviteeRow!.out_bill_no)!.transfer_scene_report_infos).toEqual([{ info_type: '活动名称', info_content: '春季邀请' }, { info_type: '奖励说明', info_content: '受邀新人奖励' }]);

    // The inviter confirms (确认收款) with what the storefront gets.
    const mine = await t.call('GET', store('/me/invitations/payouts'), { headers: bearer(inviter) });
    expect(mine.status, JSON.stringify(mine.body)).toBe(200);
    expect(mine.body.items).toEqual([expect.objectContaining({ id: inviterRow!.id, side: 'inviter', amountFen: 500, status: 'wait_confirm', confirm: expect.objectContaining({ mchId: expect.any(String), appId: expect.any(String), packageInfo: expect.any(String) }) })]);
    const { confirm } = mine.body.items[0];
    expect(confirm.confirmUrl).toBe(`/sandbox/wechatpay/transfer/confirm?package=${encodeURIComponent(confirm.packageInfo)}`);
    expect((await t.call('GET', confirm.confirmUrl)).status).toBe(200);
    const ok = await t.call('POST', '/sandbox/wechatpay/sandbox/transfer/confirm', { body: { package_info: confirm.packageInfo } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    await waitFor(async () => {
      await t.drain();
      return (await payoutRows(invitationId)).find((r) => r.side === 'inviter')!.status === 'paid';
    }, 'the inviter’s payout to be paid');
    expect(await balance(inviter)).toMatchObject({ principalFen: 0, bonusFen: 0 });
    expect((await t.call('GET', store('/me/invitations/payouts'), { headers: bearer(inviter) })).body.items).toEqual([]);

    // The friend never confirms: WeChat cancels the bill (here the merchant API's cancel stands in for the
    // confirmation window running out); the next follow-up sees it and pays the balance instead.
    const client = await t.services.payments.client(shop.shopId);
    await client.cancelTransferBill(inviteeRow!.out_bill_no);
    await waitFor(async () => {
      await t.drain();
      await atTime(t, Date.now() + 10 * 60_000, () => payouts().syncInFlight(100));
      return (await payoutRows(invitationId)).find((r) => r.side === 'invitee')!.status === 'cancelled';
    }, 'the invitee’s payout to be cancelled');
    expect(await balance(friend)).toMatchObject({ principalFen: 0, bonusFen: 300 });
    // Told again (a resent notification, another query, a late FAIL): still once.
    await t.platform.database.transaction((tx) => payouts().applyBill(tx, shop.shopId, { out_bill_no: inviteeRow!.out_bill_no, state: 'CANCELLED' }));
    await t.platform.database.transaction((tx) => payouts().applyBill(tx, shop.shopId, { out_bill_no: inviteeRow!.out_bill_no, state: 'FAIL', fail_reason: 'LATE' }));
    await t.platform.database.transaction((tx) => payouts().applyBill(tx, shop.shopId, { out_bill_no: inviterRow!.out_bill_no, state: 'FAIL' }));
    await atTime(t, Date.now() + 20 * 60_000, () => payouts().syncInFlight(100));
    expect(await balance(friend)).toMatchObject({ bonusFen: 300 });
    expect(await rewardLines(friend)).toBe(1);
    expect(await balance(inviter)).toMatchObject({ bonusFen: 0 });

    const listed = await t.call('GET', '/api/admin/invitations/payouts', { session: shop.owner });
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body.items).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: inviterRow!.id, status: 'paid', amountFen: 500, creditedToBalance: false }),
      expect.objectContaining({ id: inviteeRow!.id, status: 'cancelled', amountFen: 300, creditedToBalance: true }),
    ]));
    const paidOnly = await t.call('GET', '/api/admin/invitations/payouts?status=paid', { session: shop.owner });
    expect(paidOnly.body.items.every((i: { status: string }) => i.status === 'paid')).toBe(true);
  });

  it('pays each reward once: the event delivered twice and the job run twice in parallel make one bill', async () => {
    const { appId } = await t.services.payments.merchant(shop.shopId);
    const billsOf = async (c: CustomerFixture) => {
      const [identity] = await rows<{ openid: string }>(t.platform.db, sql`SELECT openid FROM customer_identities WHERE shop_id = ${shop.shopId} AND customer_id = ${c.customerId} AND app_id = ${appId}`);
      return (await bills()).filter((b) => b.openid === identity!.openid);
    };
    // The order's event delivered again.
    await wechat({ trigger: 'first_order', inviteeCashFen: 0 });
    const [inviter, friend] = [await wechatCustomer(), await wechatCustomer()];
    const invitationId = await invited(inviter, friend);
    const orderId = await buy(friend);
    await t.drain();
    await t.platform.database.transaction((tx) => t.platform.events.emit(tx, { shopId: shop.shopId, type: 'order.paid', payload: { orderId, customerId: friend.customerId } }));
    await t.drain();
    const [row] = await payoutRows(invitationId);
    expect(await payoutRows(invitationId)).toEqual([expect.objectContaining({ side: 'inviter', status: 'wait_confirm', attempt: 1 })]);
    expect(await billsOf(inviter)).toEqual([expect.objectContaining({ out_bill_no: row!.out_bill_no, transfer_amount: 500, transfer_scene_id: '1000' })]);
    // The payout itself refuses a second row for the same reward.
    expect(await t.platform.database.transaction((tx) => payouts().create(tx, { shopId: shop.shopId, invitationId, customerId: inviter.customerId, side: 'inviter', amountFen: 500 }))).toBe(false);

    // The job run twice in parallel (and the queued one too) before any bill exists.
    await wechat({ inviteeCashFen: 0 });
    const [inviter2, friend2] = [await wechatCustomer(), await wechatCustomer()];
    const second = await invited(inviter2, friend2);
    const [pending] = await payoutRows(second);
    expect(pending).toMatchObject({ status: 'pending' });
    await Promise.all([payouts().transfer(shop.shopId, pending!.id, 1), payouts().transfer(shop.shopId, pending!.id, 1), t.drain()]);
    await t.drain();
    expect(await payoutRows(second)).toEqual([expect.objectContaining({ status: 'wait_confirm' })]);
    expect(await billsOf(inviter2)).toEqual([expect.objectContaining({ out_bill_no: pending!.out_bill_no, transfer_amount: 500 })]);
    expect(await balance(inviter)).toMatchObject({ bonusFen: 0 });
    expect(await balance(inviter2)).toMatchObject({ bonusFen: 0 });
  });

  it('goes into the balance at once for a customer without a WeChat sign-in, and a bill WeChat fails falls back too', async () => {
    await wechat();
    const [inviter, friend] = [await signInCustomer(t, shop.slug), await wechatCustomer()];
    const invitationId = await invited(inviter, friend);
    await t.drain();
    const [inviteeRow, inviterRow] = await payoutRows(invitationId);
    expect(inviterRow).toMatchObject({ status: 'failed', fail_reason: 'OPENID_MISSING', credited_at: expect.anything() });
    expect(await balance(inviter)).toMatchObject({ bonusFen: 500 });
    // The friend's bill fails at WeChat (e.g. no real-name account): the balance gets it, once.
    const waiting = await waitFor(async () => (await t.call('GET', store('/me/invitations/payouts'), { headers: bearer(friend) })).body.items[0]?.confirm, 'the friend’s bill');
    expect((await t.call('POST', '/sandbox/wechatpay/sandbox/transfer/fail', { body: { package_info: waiting.packageInfo, fail_reason: 'REAL_NAME_CHECK_FAIL' } })).status).toBe(200);
    await waitFor(async () => {
      await t.drain();
      await atTime(t, Date.now() + 10 * 60_000, () => payouts().syncInFlight(100));
      return (await payoutRows(invitationId)).find((r) => r.side === 'invitee')!.status === 'failed';
    }, 'the friend’s payout to fail');
    expect((await payoutRows(invitationId)).find((r) => r.side === 'invitee')).toMatchObject({ id: inviteeRow!.id, fail_reason: 'REAL_NAME_CHECK_FAIL' });
    expect(await balance(friend)).toMatchObject({ bonusFen: 300 });
    expect(await rewardLines(friend)).toBe(1);
    expect(await rewardLines(inviter)).toBe(1);
  });

  it('leaves the balance payout as it was when the merchant keeps the default', async () => {
    await save({ trigger: 'registered', inviterPoints: 0, inviteeCouponTemplateId: null, inviterCashFen: 200, inviteeCashFen: 0 });
    expect((await t.call('GET', '/api/admin/invitations/settings', { session: shop.owner })).body).toMatchObject({ cashPayout: 'balance', activityName: null });
    const [inviter, friend] = [await wechatCustomer(), await wechatCustomer()];
    const invitationId = await invited(inviter, friend);
    expect(await balance(inviter)).toMatchObject({ bonusFen: 200 });
    expect(await payoutRows(invitationId)).toEqual([]);
  });
});
