import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, signInCustomer, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';
import { birthdaysCelebratedOn } from './birthday-service.js';
import { shanghaiDay } from './points-service.js';

let t: TestApp;
let shop: ShopFixture;
let templateId: string;
const store = (path: string) => `/api/store/${shop.slug}${path}`;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  templateId = (await t.call('POST', '/api/admin/coupons', { session: shop.owner, body: { name: '生日券', kind: 'no_threshold', amountOffFen: 2000, validity: { type: 'relative', days: 30 }, totalQuantity: 100, perCustomerLimit: 10, claimable: false } })).body.id;
});
afterAll(() => t?.close());

const setBirthday = (c: CustomerFixture, birthday: string) => t.call('PATCH', store('/me'), { headers: bearer(c), body: { birthday } });
const birthdayCoupons = async (c: CustomerFixture) =>
  ((await t.call('GET', store('/me/coupons?status=unused'), { headers: bearer(c) })).body.items as { templateId: string }[]).filter((x) => x.templateId === templateId).length;
const birthdayEvents = (c: CustomerFixture) =>
  rows<{ payload: { year: number; couponId: string | null } }>(t.platform.db, sql`SELECT payload FROM outbox_events WHERE type = 'customer.birthday' AND payload->>'customerId' = ${c.customerId} ORDER BY id`);
/** Puts the customer at the shop's level (threshold 0) now, as a payment would. */
const evaluate = (c: CustomerFixture) => t.platform.database.transaction((tx) => t.services.levels.evaluate(tx, shop.shopId, c.customerId, '测试'));

describe('birthday (生日礼)', () => {
  it('lets the customer set a real past birthday once; staff correct it', async () => {
    const c = await signInCustomer(t, shop.slug);
    for (const bad of ['2023-02-29', '2001-13-01', '1899-12-31', '2999-01-01', '20000101']) {
      const r = await setBirthday(c, bad);
      expect(r.status, bad).toBe(400);
      expect(r.body.error.details.field).toBe('birthday');
    }
    const set = await setBirthday(c, '2000-02-29');
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ birthday: '2000-02-29', birthdayLocked: true });
    expect((await setBirthday(c, '2000-02-29')).status).toBe(200);
    const again = await setBirthday(c, '2000-03-01');
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'BIRTHDAY_LOCKED', details: { field: 'birthday' } });
    const fixed = await t.call('PATCH', `/api/admin/customers/${c.customerId}`, { session: shop.owner, body: { birthday: '2000-03-01' } });
    expect(fixed.body.birthday).toBe('2000-03-01');
    expect((await t.call('GET', `/api/admin/customers/${c.customerId}`, { session: shop.owner })).body.birthday).toBe('2000-03-01');
    expect((await t.call('GET', store('/me'), { headers: bearer(c) })).body).toMatchObject({ birthday: '2000-03-01', birthdayLocked: true });
    expect((await t.call('PATCH', `/api/admin/customers/${c.customerId}`, { session: shop.owner, body: { birthday: '2000-02-30' } })).status).toBe(400);
  });

  it("refuses a level's birthday coupon from another shop", async () => {
    const r = await t.call('PUT', '/api/admin/members/levels', { session: shop.owner, body: { metric: 'spend', period: 'all', levels: [{ rank: 1, name: '会员', threshold: 0, percentPaid: null, freeShipping: false, monthlyPackId: null, birthdayCouponTemplateId: randomUUID() }] } });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: 'COUPON_NOT_FOUND', details: { field: 'levels.0.birthdayCouponTemplateId' } });
  });

  it('celebrates 29 Feb on 28 Feb in common years, once a year however often the job runs', async () => {
    const saved = await t.call('PUT', '/api/admin/members/levels', { session: shop.owner, body: { metric: 'spend', period: 'all', levels: [{ rank: 1, name: '会员', threshold: 0, percentPaid: null, freeShipping: false, monthlyPackId: null, birthdayCouponTemplateId: templateId }] } });
    expect(saved.body.levels[0].birthdayCouponTemplateId).toBe(templateId);
    await t.drain();
    const leap = await signInCustomer(t, shop.slug);
    await setBirthday(leap, '2000-02-29');
    const plain = await signInCustomer(t, shop.slug);
    await setBirthday(plain, '1990-02-28');
    const noLevel = await signInCustomer(t, shop.slug);
    await setBirthday(noLevel, '1995-02-28');
    await evaluate(leap);
    await evaluate(plain);

    expect(birthdaysCelebratedOn('2027-02-28')).toEqual(['02-28', '02-29']);
    expect(birthdaysCelebratedOn('2028-02-28')).toEqual(['02-28']);
    const runs = await Promise.all([t.services.birthdays.run('2027-02-28'), t.services.birthdays.run('2027-02-28')]);
    expect(runs[0] + runs[1]).toBe(3);
    expect(await t.services.birthdays.run('2027-02-28')).toBe(0);
    expect(await birthdayCoupons(leap)).toBe(1);
    expect(await birthdayCoupons(plain)).toBe(1);
    expect(await birthdayCoupons(noLevel)).toBe(0);
    const [noLevelEvent] = await birthdayEvents(noLevel);
    expect(noLevelEvent.payload).toMatchObject({ year: 2027, couponId: null });

    // 2028 has a 29 Feb: not on the 28th, on the 29th — and a new year gives a new coupon.
    await t.services.birthdays.run('2028-02-28');
    expect(await birthdayCoupons(leap)).toBe(1);
    expect(await birthdayCoupons(plain)).toBe(2);
    await t.services.birthdays.run('2028-02-29');
    await t.services.birthdays.run('2028-02-29');
    expect(await birthdayCoupons(leap)).toBe(2);
    expect((await birthdayEvents(leap)).map((e) => e.payload.year)).toEqual([2027, 2028]);
    const coupon = (await t.call('GET', store('/me/coupons?status=unused'), { headers: bearer(leap) })).body.items.find((x: { templateId: string }) => x.templateId === templateId);
    expect(coupon).toMatchObject({ source: 'pack' });
  });

  it('runs as the scheduled job on the shop-local day', async () => {
    const c = await signInCustomer(t, shop.slug);
    // 1992 is a leap year, so today's month and day are a real date in it even on 29 Feb.
    await setBirthday(c, `1992-${shanghaiDay(t.platform.now()).slice(5)}`);
    await evaluate(c);
    await t.platform.jobs.send('loyalty.birthdays', {});
    await t.drain();
    await t.platform.jobs.send('loyalty.birthdays', {});
    await t.drain();
    expect(await birthdayCoupons(c)).toBe(1);
    expect(await birthdayEvents(c)).toHaveLength(1);
  });
});
