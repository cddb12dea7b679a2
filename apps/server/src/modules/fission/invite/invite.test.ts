import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, sql } from '../../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../../testing/harness.js';
import { bearer, createProduct, payOrder, signInCustomer, waitFor, type CustomerFixture, type ShopFixture } from '../../../testing/commerce.js';

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
