import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, signInCustomer, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';

/** Addresses name a real 省/市/区 from the national division list; ones typed before the picker stay readable. */
let t: TestApp;
let shop: ShopFixture;
let c: CustomerFixture;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  c = await signInCustomer(t, shop.slug);
});
afterAll(() => t?.close());

const path = (p = '') => `/api/store/${shop.slug}/me/addresses${p}`;
const body = (extra: Record<string, unknown> = {}) => ({ contactName: '王小明', phone: c.phone, province: '浙江省', city: '杭州市', district: '西湖区', detail: '文三路 90 号', ...extra });

describe('address regions', () => {
  it('accepts a real combination and names the part that does not fit', async () => {
    expect((await t.call('POST', path(), { headers: bearer(c), body: body() })).status).toBe(201);
    expect((await t.call('POST', path(), { headers: bearer(c), body: body({ province: '北京市', city: '北京市', district: '海淀区' }) })).status).toBe(201);
    for (const [bad, field] of [[{ province: '浙江' }, 'province'], [{ city: '深圳市' }, 'city'], [{ district: '南山区' }, 'district']] as const) {
      const res = await t.call('POST', path(), { headers: bearer(c, { 'accept-language': 'zh-CN' }), body: body(bad) });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'REGION_INVALID', details: { field } });
      expect(res.body.error.message).toBe('所选省、市、区不匹配,请重新选择所在地区');
    }
  });

  it('keeps an address typed before the picker readable and editable until its region changes', async () => {
    await t.platform.db.execute(sql`INSERT INTO customer_addresses (shop_id, customer_id, contact_name, phone, province, city, district, detail, is_default)
      VALUES (${shop.shopId}, ${c.customerId}, '老地址', ${c.phone}, '浙江', '杭州', '西湖', '老房子 1 号', false)`);
    const list = await t.call('GET', path(), { headers: bearer(c) });
    const old = list.body.items.find((a: any) => a.contactName === '老地址');
    expect(old).toMatchObject({ province: '浙江', city: '杭州', district: '西湖' });
    const renamed = await t.call('PATCH', path(`/${old.id}`), { headers: bearer(c), body: { detail: '老房子 2 号', isDefault: true } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ province: '浙江', detail: '老房子 2 号', isDefault: true });
    const halfFixed = await t.call('PATCH', path(`/${old.id}`), { headers: bearer(c), body: { province: '浙江省' } });
    expect(halfFixed.status).toBe(422);
    expect(halfFixed.body.error.details.field).toBe('city');
    const fixed = await t.call('PATCH', path(`/${old.id}`), { headers: bearer(c), body: { province: '浙江省', city: '杭州市', district: '西湖区' } });
    expect(fixed.body).toMatchObject({ province: '浙江省', city: '杭州市', district: '西湖区' });
  });
});
