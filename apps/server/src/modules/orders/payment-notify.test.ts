import { createCipheriv, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { addAddress, bearer, createProduct, signInCustomer, waitFor, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';

/**
 * The rule: only WeChat's record of a completed payment (`trade_state: SUCCESS` in the decrypted resource)
 * pays anything, whatever the envelope's event_type says. The notifications here are genuine in every
 * other way — signed with the sandbox's platform key, encrypted with the shop's APIv3 key — so only the
 * rule can be what keeps the order unpaid.
 */
let t: TestApp;
let shop: ShopFixture;
let customer: CustomerFixture;
let addressId: string;
let skuId: string;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  customer = await signInCustomer(t, shop.slug);
  addressId = await addAddress(t, shop.slug, customer);
  const tpl = await t.call('POST', '/api/admin/shipping-templates', {
    session: shop.owner,
    body: { name: '全国', chargeBy: 'piece', rules: [{ regions: [], first: 1, firstFeeFen: 800, additional: 1, additionalFeeFen: 200 }], isDefault: true },
  });
  expect(tpl.status).toBe(201);
  skuId = (await createProduct(t, shop.owner, { title: '镜布', priceFen: 1990, stock: 20 })).skus[0].id;
});
afterAll(() => t?.close());

const store = (path: string) => `/api/store/${shop.slug}${path}`;

/** A pending order with its WeChat Pay transaction opened (so the payment row and sandbox merchant exist). */
async function pendingOrder() {
  const placed = await t.call('POST', store('/orders'), { headers: bearer(customer), body: { items: [{ skuId, quantity: 1 }], fulfilment: 'express', addressId } });
  expect(placed.status).toBe(201);
  const pay = await t.call('POST', store(`/orders/${placed.body.id}/pay`), { headers: bearer(customer), body: {} });
  expect(pay.status).toBe(200);
  return { id: placed.body.id as string, orderNo: placed.body.orderNo as string, amountFen: pay.body.amountFen as number, prepayId: pay.body.prepayId as string };
}

/** A notification as WeChat Pay would send it for this shop, with the envelope and resource given. */
async function notification(eventType: string, resource: Record<string, unknown>) {
  const wechatPay = (await t.services.tenancy.settings(shop.shopId)).wechatPay!;
  const sandbox = JSON.parse(Buffer.from(wechatPay.sandboxRestoreToken!, 'base64url').toString('utf8')) as { platformSerial: string; platformPrivateKeyPem: string };
  const plain = JSON.stringify({ appid: wechatPay.appId, mchid: wechatPay.mchId, trade_type: 'JSAPI', payer: { openid: `sandbox-payer-${customer.customerId}` }, ...resource });
  const nonce = randomBytes(6).toString('hex');
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(wechatPay.apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from('transaction'));
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
  const body = JSON.stringify({
    id: randomUUID(), create_time: new Date().toISOString(), resource_type: 'encrypt-resource', event_type: eventType, summary: '支付成功',
    resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: 'transaction', nonce },
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signNonce = randomBytes(16).toString('hex');
  const signature = sign('sha256', Buffer.from(`${timestamp}\n${signNonce}\n${body}\n`), sandbox.platformPrivateKeyPem).toString('base64');
  const res = await fetch(`${t.url}/api/pay/wechatpay/notify/${shop.shopId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'wechatpay-timestamp': timestamp, 'wechatpay-nonce': signNonce, 'wechatpay-signature': signature, 'wechatpay-serial': sandbox.platformSerial },
    body,
  });
  return { status: res.status, id: JSON.parse(body).id as string };
}

const transaction = (outTradeNo: string, amountFen: number, tradeState: string) => ({
  out_trade_no: outTradeNo,
  trade_state: tradeState,
  trade_state_desc: tradeState,
  amount: { total: amountFen, payer_total: amountFen, currency: 'CNY', payer_currency: 'CNY' },
  ...(tradeState === 'SUCCESS' ? { transaction_id: `4200${Date.now()}`, success_time: new Date().toISOString() } : {}),
});

async function paymentOf(outTradeNo: string) {
  const [r] = await rows<{ status: string }>(t.platform.db, sql`SELECT status FROM payments WHERE shop_id = ${shop.shopId} AND out_trade_no = ${outTradeNo}`);
  return r.status;
}

async function outcomeOf(notificationId: string) {
  const [r] = await rows<{ outcome: string }>(t.platform.db, sql`SELECT outcome FROM payment_notifications WHERE notification_id = ${notificationId}`);
  return r?.outcome;
}

describe('a payment is paid only on trade_state SUCCESS', () => {
  it('leaves the order unpaid on TRANSACTION.SUCCESS with trade_state NOTPAY, and acknowledges it', async () => {
    const order = await pendingOrder();
    const note = await notification('TRANSACTION.SUCCESS', transaction(order.orderNo, order.amountFen, 'NOTPAY'));
    // Acknowledged: the notification is authentic, and refusing it would only bring the same content back for 24 h.
    expect(note.status).toBe(204);
    expect(await outcomeOf(note.id)).toBe('not_paid');
    expect((await t.services.orders.get(shop.shopId, order.id)).status).toBe('pending_payment');
    expect(await paymentOf(order.orderNo)).toBe('pending');

    for (const state of ['CLOSED', 'PAYERROR', 'USERPAYING', 'REVOKED', 'REFUND']) {
      expect((await notification('TRANSACTION.SUCCESS', transaction(order.orderNo, order.amountFen, state))).status).toBe(204);
    }
    expect((await t.services.orders.get(shop.shopId, order.id)).status).toBe('pending_payment');

    // The control: the same kind of notification with trade_state SUCCESS pays it.
    const paid = await notification('TRANSACTION.SUCCESS', transaction(order.orderNo, order.amountFen, 'SUCCESS'));
    expect(paid.status).toBe(204);
    expect(await outcomeOf(paid.id)).toBe('processed');
    expect((await t.services.orders.get(shop.shopId, order.id)).status).toBe('paid');
  });

  it('does not credit a top-up either (every payment purpose goes through the same rule)', async () => {
    const started = await t.call('POST', store('/me/stored-value/topups'), { headers: bearer(customer, { 'idempotency-key': randomUUID() }), body: { amountFen: 5_000 } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const topup = started.body.topup as { id: string; topupNo: string };
    const note = await notification('TRANSACTION.SUCCESS', transaction(topup.topupNo, 5_000, 'NOTPAY'));
    expect(note.status).toBe(204);
    expect(await paymentOf(topup.topupNo)).toBe('pending');
    const after = await t.call('GET', store(`/me/stored-value/topups/${topup.id}`), { headers: bearer(customer) });
    expect(after.body.status).toBe('pending');
    expect(after.body.account).toMatchObject({ principalFen: 0 });
  });
});

describe('a platform certificate the shop does not know yet', () => {
  it('is downloaded from WeChat when a notification is signed with it, kept, and the payment goes through', async () => {
    const order = await pendingOrder();
    const before = (await t.services.tenancy.settings(shop.shopId)).wechatPay!;
    const [current] = Object.keys(before.platformKeys);
    // The shop still has only the certificate WeChat used before its rotation.
    const retired = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const system = { shopId: shop.shopId, type: 'system' as const, id: 'system', name: 'system', role: 'owner' as const };
    await t.services.tenancy.updateShop(system, { settings: { wechatPay: { ...before, platformKeys: { '1A2B3C4D5E6F': retired } } } });

    const paid = await t.call('POST', '/sandbox/wechatpay/sandbox/pay', { body: { prepay_id: order.prepayId } });
    expect(paid.body.trade_state).toBe('SUCCESS');
    await waitFor(async () => ((await t.services.orders.get(shop.shopId, order.id)).status === 'paid' ? true : null), 'the order to be paid');
    const after = (await t.services.tenancy.settings(shop.shopId)).wechatPay!;
    expect(Object.keys(after.platformKeys).sort()).toEqual(['1A2B3C4D5E6F', current].sort());
    expect(after.platformKeys[current]).toContain('BEGIN CERTIFICATE');
  });
});

describe('a fresh sandbox shop paid by several customers at once', () => {
  it('makes one sandbox merchant, so every payment’s notification verifies and pays its order', async () => {
    const fresh = await t.createShop();
    const sku = (await createProduct(t, fresh.owner, { title: '首单', priceFen: 990, stock: 20 })).skus[0].id;
    const point = (await t.call('POST', '/api/admin/pickup-points', { session: fresh.owner, body: { name: '门店', address: '文三路 1 号' } })).body.id;
    const buyers = await Promise.all(Array.from({ length: 6 }, () => signInCustomer(t, fresh.slug)));
    const orders = await Promise.all(buyers.map(async (c) => {
      const placed = await t.call('POST', `/api/store/${fresh.slug}/orders`, { headers: bearer(c), body: { items: [{ skuId: sku, quantity: 1 }], fulfilment: 'pickup', pickupPointId: point } });
      expect(placed.status, JSON.stringify(placed.body)).toBe(201);
      return placed.body.id as string;
    }));
    // The first payments of the shop, all at once: each may be the one that creates the merchant.
    const prepays = await Promise.all(orders.map(async (id, i) => {
      const pay = await t.call('POST', `/api/store/${fresh.slug}/orders/${id}/pay`, { headers: bearer(buyers[i]!), body: {} });
      expect(pay.status, JSON.stringify(pay.body)).toBe(200);
      return pay.body.prepayId as string;
    }));
    for (const prepay_id of prepays) expect((await t.call('POST', '/sandbox/wechatpay/sandbox/pay', { body: { prepay_id } })).status).toBe(200);
    for (const [i, id] of orders.entries()) {
      await waitFor(async () => (await t.call('GET', `/api/store/${fresh.slug}/orders/${id}`, { headers: bearer(buyers[i]!) })).body.status === 'paid', `order ${i} paid`);
    }
  });
});
