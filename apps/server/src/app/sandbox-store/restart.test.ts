import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { addAddress, bearer, createProduct, signInCustomer, waitFor } from '../../testing/commerce.js';

/** A port nobody listens on yet: the address the merchant's server will come back at. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Delivery {
  id: string;
  url: string;
  attempts: number;
  acknowledged: boolean;
  lastError: string | null;
}

const deliveries = async (t: TestApp) => ((await t.call('GET', '/sandbox/wechatpay/sandbox/notifications')).body as { notifications: Delivery[] }).notifications;

describe('WeChat Pay notifications across a server crash', () => {
  it('pays the order after a restart with the notification that was pending when the server went down', async () => {
    // The shop's public address is where the second server will listen. While the first one runs there is
    // nothing at that address, so WeChat's notification fails exactly as it would for a merchant that is down.
    const port = await freePort();
    const env = { PUBLIC_URL: `http://127.0.0.1:${port}`, SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' };
    const first = await startTestApp(env, { keepDatabase: true });
    let shopId = '';
    let orderId = '';
    let pending: Delivery;
    try {
      const shop = await first.createShop();
      shopId = shop.shopId;
      const customer = await signInCustomer(first, shop.slug);
      const addressId = await addAddress(first, shop.slug, customer);
      const tpl = await first.call('POST', '/api/admin/shipping-templates', {
        session: shop.owner,
        body: { name: '全国', chargeBy: 'piece', rules: [{ regions: [], first: 1, firstFeeFen: 0, additional: 1, additionalFeeFen: 0 }], isDefault: true },
      });
      expect(tpl.status).toBe(201);
      const product = await createProduct(first, shop.owner, { title: '护理液', priceFen: 3900, stock: 5 });
      const placed = await first.call('POST', `/api/store/${shop.slug}/orders`, { headers: bearer(customer), body: { items: [{ skuId: product.skus[0].id, quantity: 1 }], fulfilment: 'express', addressId } });
      expect(placed.status).toBe(201);
      orderId = placed.body.id;
      const pay = await first.call('POST', `/api/store/${shop.slug}/orders/${orderId}/pay`, { headers: bearer(customer), body: {} });
      expect(pay.status).toBe(200);

      // The customer pays; WeChat tries to notify and fails.
      const confirmed = await first.call('POST', '/sandbox/wechatpay/sandbox/pay', { body: { prepay_id: pay.body.prepayId } });
      expect(confirmed.body.trade_state).toBe('SUCCESS');
      pending = await waitFor(async () => (await deliveries(first)).find((d) => d.attempts >= 1 && d.lastError), 'a failed notification attempt', 10_000);
      expect(pending).toMatchObject({ url: `http://127.0.0.1:${port}/api/pay/wechatpay/notify/${shopId}`, acknowledged: false });
      expect((await first.services.orders.get(shopId, orderId)).status).toBe('pending_payment');
    } finally {
      // The crash: the process is gone with a notification still unacknowledged. Nothing else is told.
      await first.close();
    }

    const second = await startTestApp(env, { database: first.database, port });
    try {
      // WeChat (the sandbox, itself restarted from the same data) retries on its schedule and this time gets a 204.
      await waitFor(async () => ((await second.services.orders.get(shopId, orderId)).status === 'paid' ? true : null), 'the order to be paid after the restart', 20_000);
      // The 204 reaches the sandbox just after the order commits.
      const after = await waitFor(async () => (await deliveries(second)).find((d) => d.id === pending.id && d.acknowledged), 'the acknowledgement', 10_000);
      expect(after.attempts).toBeGreaterThan(pending.attempts);
      expect(await deliveries(second)).toHaveLength(1);
      const order = await second.services.orders.get(shopId, orderId);
      expect(order).toMatchObject({ status: 'paid', paidFen: 3900 });
    } finally {
      await second.close();
    }
    // Two servers start, one after the other, on a disk-backed database: slower than one in-memory app.
  }, 180_000);
});
