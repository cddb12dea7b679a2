import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../testing/harness.js';
import { bearer, createProduct, signInCustomer, type ShopFixture } from '../../../testing/commerce.js';
import type { MpAccount } from '../../messaging/accounts.js';

let t: TestApp;
let shop: ShopFixture;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
});
afterAll(() => t?.close());

describe('posters of a shop with a mini-program', () => {
  it('carry the 小程序码 of the scene (getUnlimitedQRCode, page pages/share/index); without one, the link’s QR code', async () => {
    const accounts = t.services.channelAccounts;
    const asked: { scene: string; page: string }[] = [];
    const real = accounts.client.bind(accounts);
    accounts.client = (a: MpAccount) => {
      const client = real(a);
      const code = client.wxaCodeUnlimited.bind(client);
      client.wxaCodeUnlimited = async (input) => {
        const png = await code(input);
        asked.push({ scene: input.scene, page: input.page });
        return png;
      };
      return client;
    };
    const product = await createProduct(t, shop.owner, { title: '小程序码海报', priceFen: 5_000, stock: 5 });
    const c = await signInCustomer(t, shop.slug);
    const before = await t.call('POST', `/api/store/${shop.slug}/me/share`, { headers: bearer(c), body: { kind: 'product', targetId: product.id } });
    expect((await t.call('GET', before.body.posterUrl)).status).toBe(200);
    expect(asked).toEqual([]);

    const mini = await t.call('PUT', '/api/admin/messaging/channels/mini', { session: shop.owner, body: { name: '小程序', appId: 'wxsandboxmini00001', appSecret: 'sandbox-mini-secret', state: 'formal' } });
    expect(mini.status, JSON.stringify(mini.body)).toBe(200);
    const other = await signInCustomer(t, shop.slug);
    const shared = await t.call('POST', `/api/store/${shop.slug}/me/share`, { headers: bearer(other), body: { kind: 'product', targetId: product.id } });
    const poster = await t.call('GET', shared.body.posterUrl);
    expect(poster.status).toBe(200);
    expect(asked).toEqual([{ scene: shared.body.scene, page: 'pages/share/index' }]);
  });
});
