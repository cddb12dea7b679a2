import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, createProduct, signInCustomer, waitFor, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';
import { nextExpiry } from './card-service.js';
import { memberBenefits } from './checkout-extension.js';

const DAY = 86_400_000;
let t: TestApp;
let shop: ShopFixture;
let monthCard: string;
let couponTemplate: string;
let pickupPointId: string;
const store = (path: string) => `/api/store/${shop.slug}${path}`;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  pickupPointId = (await t.call('POST', '/api/admin/pickup-points', { session: shop.owner, body: { name: '门店', address: '文三路 1 号' } })).body.id;
  couponTemplate = (await t.call('POST', '/api/admin/coupons', { session: shop.owner, body: { name: '会员月券 无门槛5元', kind: 'no_threshold', thresholdFen: 0, amountOffFen: 500, validity: { type: 'relative', days: 30 }, totalQuantity: 1000, perCustomerLimit: 100 } })).body.id;
  const plan = await t.call('POST', '/api/admin/member-cards', {
    session: shop.owner,
    body: { name: '黑金月卡', periodKind: 'month', priceFen: 1_990, percentPaid: 90, freeShipping: true, monthlyCouponTemplateId: couponTemplate, description: '全场9折,每月无门槛券' },
  });
  expect(plan.status, JSON.stringify(plan.body)).toBe(201);
  expect(plan.body).toMatchObject({ days: 30, periodKind: 'month' });
  monthCard = plan.body.id;
});
afterAll(() => t?.close());

async function buy(c: CustomerFixture, planId = monthCard) {
  const started = await t.call('POST', store('/me/member-card/purchases'), { headers: bearer(c, { 'idempotency-key': randomUUID() }), body: { planId } });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  await t.call('POST', '/sandbox/wechatpay/sandbox/pay', { body: { prepay_id: started.body.payment.prepayId } });
  return waitFor(async () => {
    const r = await t.call('GET', store(`/me/member-card/purchases/${started.body.purchase.id}`), { headers: bearer(c) });
    return r.body.status === 'paid' ? r.body : null;
  }, 'card purchase to be paid');
}

/** The card's end is the last posting's, and every posting starts where the previous one ended. */
async function chain(customerId: string) {
  const ledger = await rows<{ expires_before: Date | null; expires_after: Date }>(t.platform.db, sql`
    SELECT expires_before, expires_after FROM member_card_ledger WHERE shop_id = ${shop.shopId} AND customer_id = ${customerId} ORDER BY id`);
  const [card] = await rows<{ expires_at: Date }>(t.platform.db, sql`SELECT expires_at FROM customer_cards WHERE shop_id = ${shop.shopId} AND customer_id = ${customerId}`);
  for (let i = 1; i < ledger.length; i++) expect(new Date(ledger[i].expires_before!).getTime()).toBe(new Date(ledger[i - 1].expires_after).getTime());
  if (ledger.length) expect(new Date(card.expires_at).getTime()).toBe(new Date(ledger.at(-1)!.expires_after).getTime());
  return ledger.length;
}

describe('card rules (pure)', () => {
  it('extends a live card from its end, restarts a lapsed one today, never takes time before now', () => {
    const now = new Date('2026-11-23T00:00:00Z');
    expect(nextExpiry(null, now, 30).toISOString()).toBe('2026-12-23T00:00:00.000Z');
    expect(nextExpiry(new Date('2026-12-01T00:00:00Z'), now, 30).toISOString()).toBe('2026-12-31T00:00:00.000Z');
    expect(nextExpiry(new Date('2026-11-01T00:00:00Z'), now, 30).toISOString()).toBe('2026-12-23T00:00:00.000Z');
    expect(nextExpiry(new Date('2026-12-01T00:00:00Z'), now, -5).toISOString()).toBe('2026-11-26T00:00:00.000Z');
    expect(nextExpiry(new Date('2026-12-01T00:00:00Z'), now, -50).toISOString()).toBe(now.toISOString());
  });

  it('gives the better of level and card, free shipping from either', () => {
    expect(memberBenefits({ name: '银卡', percentPaid: 95, freeShipping: true }, { name: '月卡', percentPaid: 90, freeShipping: false })).toEqual({ name: '月卡', percentPaid: 90, freeShipping: true });
    expect(memberBenefits({ name: '金卡', percentPaid: 85, freeShipping: false }, { name: '月卡', percentPaid: 90, freeShipping: false })).toEqual({ name: '金卡', percentPaid: 85, freeShipping: false });
    expect(memberBenefits(null, { name: '月卡', percentPaid: null, freeShipping: true })).toEqual({ name: '月卡', percentPaid: null, freeShipping: true });
  });
});

describe('buying and renewing', () => {
  it('starts a 30-day card once however often WeChat notifies, and a renewal extends it', async () => {
    const c = await signInCustomer(t, shop.slug);
    const first = await buy(c);
    expect(first.card).toMatchObject({ planId: monthCard, name: '黑金月卡', active: true, daysLeft: 30 });
    const deliveries = (await t.call('GET', '/sandbox/wechatpay/sandbox/notifications')).body.notifications;
    const mine = deliveries.filter((n: any) => n.acknowledged && String(n.url).includes('/notify/')).at(-1);
    await t.platform.db.execute(sql`DELETE FROM payment_notifications WHERE shop_id = ${shop.shopId}`);
    await t.call('POST', `/sandbox/wechatpay/sandbox/notifications/${mine.id}/resend`);
    await waitFor(async () => {
      const n = (await t.call('GET', '/sandbox/wechatpay/sandbox/notifications')).body.notifications.find((x: any) => x.id === mine.id);
      return n && n.attempts >= 2 && n.acknowledged;
    }, 'replay acknowledged');
    expect(await chain(c.customerId)).toBe(1);

    const renewed = await buy(c);
    expect(new Date(renewed.card.expiresAt).getTime() - new Date(first.card.expiresAt).getTime()).toBe(30 * DAY);
    expect(renewed.card.daysLeft).toBe(60);
    const profile = await t.call('GET', `/api/admin/customers/${c.customerId}/member-card`, { session: shop.owner });
    expect(profile.body.ledger.map((l: any) => l.kind)).toEqual(['renew', 'purchase']);
    expect(await chain(c.customerId)).toBe(2);
  });

  it('prices goods at the card discount with free shipping while the card lasts', async () => {
    const c = await signInCustomer(t, shop.slug);
    const product = await createProduct(t, shop.owner, { priceFen: 10_000, stock: 10 });
    const body = { items: [{ skuId: product.skus[0].id, quantity: 1 }], fulfilment: 'pickup', pickupPointId, couponId: null };
    const before = await t.call('POST', store('/checkout/preview'), { headers: bearer(c), body });
    expect(before.body.payableFen).toBe(10_000);
    await buy(c);
    const after = await t.call('POST', store('/checkout/preview'), { headers: bearer(c), body });
    expect(after.body.payableFen).toBe(9_000);
    expect(after.body.adjustments).toEqual([expect.objectContaining({ code: 'member_price', label: '会员价·黑金月卡 9折', amountFen: -1_000 })]);
  });

  it('refuses bad plans and purchases with the field', async () => {
    const noDays = await t.call('POST', '/api/admin/member-cards', { session: shop.owner, body: { name: 'N天卡', periodKind: 'days', priceFen: 100, percentPaid: null, freeShipping: false, monthlyCouponTemplateId: null } });
    expect(noDays.status).toBe(400);
    expect(noDays.body.error.details.field).toBe('days');
    const ghostCoupon = await t.call('POST', '/api/admin/member-cards', { session: shop.owner, body: { name: '卡', periodKind: 'year', priceFen: 100, percentPaid: null, freeShipping: false, monthlyCouponTemplateId: randomUUID() } });
    expect(ghostCoupon.status).toBe(404);
    expect(ghostCoupon.body.error.details.field).toBe('monthlyCouponTemplateId');
    const c = await signInCustomer(t, shop.slug);
    const ghost = await t.call('POST', store('/me/member-card/purchases'), { headers: bearer(c), body: { planId: randomUUID() } });
    expect(ghost.status).toBe(404);
  });
});

describe('one card at a time', () => {
  it('extends a live card only with its own plan: no carrying days over to another card’s benefits', async () => {
    const yearly = await t.call('POST', '/api/admin/member-cards', { session: shop.owner, body: { name: '包邮年卡', periodKind: 'year', priceFen: 9_900, percentPaid: null, freeShipping: true, monthlyCouponTemplateId: null } });
    expect(yearly.status).toBe(201);
    const c = await signInCustomer(t, shop.slug);
    await buy(c, yearly.body.id);
    const other = await t.call('POST', store('/me/member-card/purchases'), { headers: bearer(c), body: { planId: monthCard } });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'CARD_PLAN_SWITCH', details: { field: 'planId', currentPlanId: yearly.body.id } });
    const grant = await t.call('POST', `/api/admin/customers/${c.customerId}/member-card/grant`, { session: shop.owner, body: { planId: monthCard, days: 10, reason: '补偿' } });
    expect(grant.body.error.code).toBe('CARD_PLAN_SWITCH');
    const same = await buy(c, yearly.body.id);
    expect(same.card).toMatchObject({ planId: yearly.body.id, daysLeft: 730 });
  });
});

describe('over time', () => {
  it('announces expiring and expired once per card end, and gives the monthly coupon once a month', async () => {
    const c = await signInCustomer(t, shop.slug);
    const bought = await buy(c);
    const end = new Date(bought.card.expiresAt).getTime();
    const realNow = t.platform.now;
    const events = async (type: string) => (await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM outbox_events WHERE type = ${type} AND payload->>'customerId' = ${c.customerId}`))[0].n;
    try {
      expect(await t.services.cards.giveMonthlyCoupons()).toBeGreaterThanOrEqual(1);
      await t.services.cards.giveMonthlyCoupons();
      const mine = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM coupons WHERE customer_id = ${c.customerId} AND template_id = ${couponTemplate}`);
      expect(mine[0].n).toBe(1);

      t.platform.now = () => new Date(end - 2 * DAY);
      await t.services.cards.announce();
      await t.services.cards.announce();
      expect(await events('member_card.expiring')).toBe(1);
      t.platform.now = () => new Date(end + 60_000);
      await t.services.cards.announce();
      await t.services.cards.announce();
      expect(await events('member_card.expired')).toBe(1);
      // (A month on, the customer's session has lapsed: ask the service, as the storefront's route does.)
      expect(await t.services.cards.card(shop.shopId, c.customerId)).toMatchObject({ active: false, daysLeft: 0 });
      // An expired card gives no discount and no coupon.
      expect(await t.services.cards.activeCard(t.platform.db, shop.shopId, c.customerId)).toBeNull();
    } finally {
      t.platform.now = realNow;
    }
  });

  it('lets staff give days and take them away, never before now', async () => {
    const c = await signInCustomer(t, shop.slug);
    const none = await t.call('POST', `/api/admin/customers/${c.customerId}/member-card/grant`, { session: shop.owner, body: { planId: monthCard, days: -3, reason: '纠错' } });
    expect(none.status).toBe(409);
    expect(none.body.error).toMatchObject({ code: 'CARD_NOT_ACTIVE', details: { field: 'days' } });
    const key = randomUUID();
    const give = () => t.call('POST', `/api/admin/customers/${c.customerId}/member-card/grant`, { session: shop.owner, headers: { 'idempotency-key': key }, body: { planId: monthCard, days: 7, reason: '抽奖奖品' } });
    expect((await give()).body.card).toMatchObject({ active: true, daysLeft: 7 });
    expect((await give()).body.card.daysLeft).toBe(7);
    const take = await t.call('POST', `/api/admin/customers/${c.customerId}/member-card/grant`, { session: shop.owner, body: { planId: monthCard, days: -100, reason: '误操作' } });
    expect(take.body.card).toMatchObject({ active: false });
    expect(await chain(c.customerId)).toBe(2);
  });
});

describe('card time under random interleavings', () => {
  it('keeps the card end equal to the last posting, each posting chained to the one before, never ending before its own time', async () => {
    const s = t.services.cards;
    const op = fc.oneof(
      fc.record({ kind: fc.constant('buy' as const), days: fc.integer({ min: 1, max: 400 }) }),
      fc.record({ kind: fc.constant('grant' as const), days: fc.integer({ min: 1, max: 30 }) }),
      fc.record({ kind: fc.constant('revoke' as const), days: fc.integer({ min: 1, max: 200 }) }),
      fc.record({ kind: fc.constant('retry' as const) }),
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 20 }), async (ops) => {
        const customerId = randomUUID();
        let k = 0;
        let lastRef = 'none';
        const run = async (o: (typeof ops)[number]) => {
          const ref = o.kind === 'retry' ? lastRef : `r${k++}`;
          lastRef = ref;
          try {
            await t.platform.database.transaction(async (tx) => {
              if (o.kind === 'buy' || o.kind === 'retry') await s.post(tx, shop.shopId, customerId, monthCard, o.kind === 'buy' ? o.days : 30, 'auto', ref);
              if (o.kind === 'grant') await s.post(tx, shop.shopId, customerId, monthCard, o.days, 'grant', ref);
              if (o.kind === 'revoke') await s.post(tx, shop.shopId, customerId, monthCard, -o.days, 'revoke', ref);
            });
          } catch (err) {
            if (!(err instanceof AppError && err.code === 'CARD_NOT_ACTIVE')) throw err;
          }
        };
        const half = Math.floor(ops.length / 2);
        await Promise.all(ops.slice(0, half).map(run));
        for (const o of ops.slice(half)) await run(o);
        await chain(customerId);
        const early = await rows(t.platform.db, sql`SELECT 1 FROM member_card_ledger WHERE customer_id = ${customerId} AND expires_after < created_at - interval '1 second'`);
        expect(early).toHaveLength(0);
        const dupes = await rows(t.platform.db, sql`SELECT ref FROM member_card_ledger WHERE customer_id = ${customerId} GROUP BY ref HAVING count(*) > 1`);
        expect(dupes).toHaveLength(0);
        runs++;
      }),
      { numRuns: 25 },
    );
    expect(runs).toBe(25);
  });
});
