import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { addAddress, bearer, createProduct, payOrder, signInCustomer, waitFor, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';

let t: TestApp;
let shop: ShopFixture;
let customer: CustomerFixture;
let addressId: string;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  customer = await signInCustomer(t, shop.slug);
  addressId = await addAddress(t, shop.slug, customer);
  const tpl = await t.call('POST', '/api/admin/shipping-templates', {
    session: shop.owner,
    body: { name: '全国', chargeBy: 'piece', rules: [{ regions: [], first: 1, firstFeeFen: 800, additional: 1, additionalFeeFen: 200 }], freeOverFen: 50_000, excludedRegions: ['台湾省'], isDefault: true },
  });
  expect(tpl.status).toBe(201);
});
afterAll(() => t?.close());

const store = (path: string) => `/api/store/${shop.slug}${path}`;

async function placeOrder(c: CustomerFixture, items: { skuId: string; quantity: number }[], extra: Record<string, unknown> = {}, key?: string) {
  return t.call('POST', store('/orders'), { headers: bearer(c, key ? { 'idempotency-key': key } : {}), body: { items, fulfilment: 'express', addressId, ...extra } });
}

async function stock(skuId: string) {
  const [r] = await rows<{ available: number; reserved: number; sold: number; received: number }>(t.platform.db, sql`SELECT available, reserved, sold, received FROM inventory_levels WHERE sku_id = ${skuId}`);
  return r;
}

async function outboxTypes(orderId: string) {
  const r = await rows<{ type: string }>(t.platform.db, sql`SELECT type FROM outbox_events WHERE payload->>'orderId' = ${orderId} ORDER BY id`);
  return r.map((x) => x.type);
}

describe('express order: cart → checkout → pay → ship → complete', () => {
  it('walks the whole way with stock held, sold and events emitted', async () => {
    const product = await createProduct(t, shop.owner, { title: 'T恤', priceFen: 4990, stock: 10, specs: { 颜色: ['红', '蓝'], 尺码: ['M', 'L'] } });
    expect(product.skus).toHaveLength(4);
    const [red, blue] = product.skus;
    await t.call('POST', store('/cart/items'), { headers: bearer(customer), body: { skuId: red.id, quantity: 2 } });
    const cart = await t.call('POST', store('/cart/items'), { headers: bearer(customer), body: { skuId: blue.id, quantity: 1 } });
    expect(cart.body.selectedTotalFen).toBe(3 * 4990);

    const items = [{ skuId: red.id, quantity: 2 }, { skuId: blue.id, quantity: 1 }];
    const preview = await t.call('POST', store('/checkout/preview'), { headers: bearer(customer), body: { items, fulfilment: 'express', addressId } });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ itemsTotalFen: 14970, shippingFen: 1200, payableFen: 16170 });
    expect(preview.body.lines.map((l: any) => l.lineTotalFen)).toEqual([9980, 4990]);

    const key = randomUUID();
    const placed = await placeOrder(customer, items, { fromCart: true }, key);
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ status: 'pending_payment', payableFen: 16170, shippingFen: 1200 });
    const again = await placeOrder(customer, items, { fromCart: true }, key);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(placed.body.id);
    expect((await t.call('GET', store('/cart'), { headers: bearer(customer) })).body.items).toHaveLength(0);
    expect(await stock(red.id)).toMatchObject({ available: 8, reserved: 2, sold: 0, received: 10 });

    const paid = await payOrder(t, shop.slug, customer, placed.body.id);
    expect(paid.paidFen).toBe(16170);
    expect(await stock(red.id)).toMatchObject({ available: 8, reserved: 0, sold: 2, received: 10 });

    const shipped = await t.call('POST', `/api/admin/orders/${placed.body.id}/ship`, { session: shop.owner, body: { carrier: 'SF', trackingNo: 'SF1234567890' } });
    expect(shipped.status).toBe(200);
    const seen = await t.call('GET', store(`/orders/${placed.body.id}`), { headers: bearer(customer) });
    expect(seen.body).toMatchObject({ status: 'shipped', carrierName: '顺丰速运', trackingNo: 'SF1234567890' });

    const done = await t.call('POST', store(`/orders/${placed.body.id}/confirm-receipt`), { headers: bearer(customer) });
    expect(done.body.status).toBe('completed');
    const detail = await t.call('GET', `/api/admin/orders/${placed.body.id}`, { session: shop.owner });
    expect(detail.body.history.map((h: any) => h.toStatus)).toEqual(['pending_payment', 'paid', 'shipped', 'completed']);
    expect(await outboxTypes(placed.body.id)).toEqual(['order.created', 'order.paid', 'order.shipped', 'order.completed']);
  });

  it('refuses illegal transitions over HTTP with ORDER_STATE_INVALID and changes nothing', async () => {
    const product = await createProduct(t, shop.owner, { priceFen: 1000, stock: 5 });
    const o = await placeOrder(customer, [{ skuId: product.skus[0].id, quantity: 1 }]);
    const ship = await t.call('POST', `/api/admin/orders/${o.body.id}/ship`, { session: shop.owner, body: { carrier: 'SF', trackingNo: 'SF0000000001' } });
    expect(ship.status).toBe(409);
    expect(ship.body.error.code).toBe('ORDER_STATE_INVALID');
    const receipt = await t.call('POST', store(`/orders/${o.body.id}/confirm-receipt`), { headers: bearer(customer) });
    expect(receipt.body.error.code).toBe('ORDER_STATE_INVALID');
    await payOrder(t, shop.slug, customer, o.body.id);
    const cancel = await t.call('POST', store(`/orders/${o.body.id}/cancel`), { headers: bearer(customer), body: { reason: '不想要了' } });
    expect(cancel.status).toBe(409);
    const staffCancel = await t.call('POST', `/api/admin/orders/${o.body.id}/cancel`, { session: shop.owner, body: { reason: 'x' } });
    expect(staffCancel.body.error.code).toBe('ORDER_STATE_INVALID');
    const pickup = await t.call('POST', '/api/admin/orders/pickup/verify', { session: shop.owner, body: { code: '00000000' } });
    expect(pickup.status).toBe(404);
    expect((await t.call('GET', store(`/orders/${o.body.id}`), { headers: bearer(customer) })).body.status).toBe('paid');
  });

  it('cancels an unpaid order on request and releases its stock', async () => {
    const product = await createProduct(t, shop.owner, { priceFen: 1000, stock: 3 });
    const o = await placeOrder(customer, [{ skuId: product.skus[0].id, quantity: 3 }]);
    expect(await stock(product.skus[0].id)).toMatchObject({ available: 0, reserved: 3 });
    const c = await t.call('POST', store(`/orders/${o.body.id}/cancel`), { headers: bearer(customer), body: { reason: '拍错了' } });
    expect(c.body.status).toBe('cancelled');
    expect(await stock(product.skus[0].id)).toMatchObject({ available: 3, reserved: 0, sold: 0 });
    const pay = await t.call('POST', store(`/orders/${o.body.id}/pay`), { headers: bearer(customer), body: {} });
    expect(pay.body.error.code).toBe('ORDER_STATE_INVALID');
  });
});

describe('auto-cancel', () => {
  it('cancels an order left unpaid past its window and releases stock', async () => {
    const product = await createProduct(t, shop.owner, { priceFen: 1500, stock: 4 });
    const o = await placeOrder(customer, [{ skuId: product.skus[0].id, quantity: 4 }]);
    // Start paying (so the auto-cancel must ask WeChat first) but never confirm.
    await t.call('POST', store(`/orders/${o.body.id}/pay`), { headers: bearer(customer), body: {} });
    await t.platform.db.execute(sql`UPDATE orders SET pay_expires_at = now() - interval '1 second' WHERE id = ${o.body.id}`);
    await t.platform.jobs.send('orders.expire-sweep', {});
    await t.drain();
    const after = await t.call('GET', store(`/orders/${o.body.id}`), { headers: bearer(customer) });
    expect(after.body.status).toBe('cancelled');
    expect(after.body.cancelReason).toContain('超时');
    expect(await stock(product.skus[0].id)).toMatchObject({ available: 4, reserved: 0, sold: 0, received: 4 });
    expect(await outboxTypes(o.body.id)).toEqual(['order.created', 'order.cancelled']);
  });

  it('does not cancel an order whose payment succeeded but whose notification was lost', async () => {
    const product = await createProduct(t, shop.owner, { priceFen: 1500, stock: 1 });
    const o = await placeOrder(customer, [{ skuId: product.skus[0].id, quantity: 1 }]);
    const pay = await t.call('POST', store(`/orders/${o.body.id}/pay`), { headers: bearer(customer), body: {} });
    const started = new Date().toISOString();
    // Make the server refuse the notification (as if it never arrived), pay, then put the record right.
    await t.platform.db.execute(sql`UPDATE payments SET amount_fen = amount_fen + 1 WHERE order_id = ${o.body.id}`);
    await t.call('POST', '/sandbox/wechatpay/sandbox/pay', { body: { prepay_id: pay.body.prepayId } });
    await waitFor(async () => {
      const d = await t.call('GET', '/sandbox/wechatpay/sandbox/notifications');
      const l = d.body.notifications;
      return l.some((n: any) => n.attempts >= 1 && !n.acknowledged && n.lastStatus === 422 && n.createdAt >= started);
    }, 'refused delivery');
    await t.platform.db.execute(sql`UPDATE payments SET amount_fen = amount_fen - 1 WHERE order_id = ${o.body.id}`);
    await t.platform.db.execute(sql`UPDATE orders SET pay_expires_at = now() - interval '1 second' WHERE id = ${o.body.id}`);
    await t.platform.jobs.send('orders.expire-sweep', {});
    await t.drain();
    const after = await waitFor(async () => {
      const r = await t.call('GET', store(`/orders/${o.body.id}`), { headers: bearer(customer) });
      return r.body.status === 'paid' ? r.body : null;
    }, 'paid');
    expect(after.status).toBe('paid');
  });
});

describe('WeChat Pay notifications', () => {
  it('processes a duplicate notification once', async () => {
    const product = await createProduct(t, shop.owner, { priceFen: 2000, stock: 5 });
    const o = await placeOrder(customer, [{ skuId: product.skus[0].id, quantity: 1 }]);
    await payOrder(t, shop.slug, customer, o.body.id);
    const deliveries = await t.call('GET', '/sandbox/wechatpay/sandbox/notifications');
    const list = deliveries.body.notifications;
    const mine = list.filter((n: any) => n.acknowledged && String(n.url).includes('/notify/'));
    const last = mine[mine.length - 1];
    const resend = await t.call('POST', `/sandbox/wechatpay/sandbox/notifications/${last.id}/resend`);
    expect(resend.status).toBeLessThan(300);
    await waitFor(async () => {
      const d = await t.call('GET', '/sandbox/wechatpay/sandbox/notifications');
      const l = d.body.notifications;
      const n = l.find((x: any) => x.id === last.id);
      return n && n.attempts >= 2 && n.acknowledged;
    }, 'resend acknowledged');
    const history = await t.call('GET', `/api/admin/orders/${o.body.id}`, { session: shop.owner });
    expect(history.body.history.filter((h: any) => h.action === 'pay')).toHaveLength(1);
    expect(await stock(product.skus[0].id)).toMatchObject({ sold: 1, reserved: 0 });
    expect((await outboxTypes(o.body.id)).filter((x) => x === 'order.paid')).toHaveLength(1);
  });

  it('refuses a forged notification and changes nothing', async () => {
    const product = await createProduct(t, shop.owner, { priceFen: 2000, stock: 5 });
    const o = await placeOrder(customer, [{ skuId: product.skus[0].id, quantity: 1 }]);
    const forged = JSON.stringify({ id: 'forged-1', create_time: new Date().toISOString(), event_type: 'TRANSACTION.SUCCESS', resource_type: 'encrypt-resource', resource: { algorithm: 'AEAD_AES_256_GCM', ciphertext: 'AAAA', nonce: 'abcdefabcdef', associated_data: 'transaction' } });
    const res = await fetch(`${t.url}/api/pay/wechatpay/notify/${shop.shopId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'wechatpay-timestamp': String(Math.floor(Date.now() / 1000)), 'wechatpay-nonce': 'n', 'wechatpay-signature': 'Zm9yZ2Vk', 'wechatpay-serial': 'PUB_KEY_ID_0000' },
      body: forged,
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe('PAYMENT_SIGNATURE_INVALID');
    expect((await t.call('GET', store(`/orders/${o.body.id}`), { headers: bearer(customer) })).body.status).toBe('pending_payment');
  });

  it('refuses a notification whose amount does not match the order', async () => {
    const product = await createProduct(t, shop.owner, { priceFen: 2000, stock: 5 });
    const o = await placeOrder(customer, [{ skuId: product.skus[0].id, quantity: 1 }]);
    const pay = await t.call('POST', store(`/orders/${o.body.id}/pay`), { headers: bearer(customer), body: {} });
    const started = new Date().toISOString();
    // The shop's record says one fen more than WeChat will report.
    await t.platform.db.execute(sql`UPDATE payments SET amount_fen = amount_fen + 1 WHERE order_id = ${o.body.id}`);
    await t.call('POST', '/sandbox/wechatpay/sandbox/pay', { body: { prepay_id: pay.body.prepayId } });
    await waitFor(async () => {
      const d = await t.call('GET', '/sandbox/wechatpay/sandbox/notifications');
      const l = d.body.notifications;
      return l.some((n: any) => n.attempts >= 1 && !n.acknowledged && n.lastStatus === 422 && n.createdAt >= started);
    }, 'refused delivery');
    const order = await t.call('GET', store(`/orders/${o.body.id}`), { headers: bearer(customer) });
    expect(order.body.status).toBe('pending_payment');
    expect(order.body.paidFen).toBe(0);
    expect(await stock(product.skus[0].id)).toMatchObject({ sold: 0, reserved: 1 });
  });
});

describe('store pickup (到店自提)', () => {
  it('gives a pickup code that store staff verify once', async () => {
    const pp = await t.call('POST', '/api/admin/pickup-points', { session: shop.owner, body: { name: '南山店', address: '深圳市南山区科技园', hours: '10:00-22:00' } });
    const product = await createProduct(t, shop.owner, { priceFen: 3000, stock: 2 });
    const o = await t.call('POST', store('/orders'), { headers: bearer(customer), body: { items: [{ skuId: product.skus[0].id, quantity: 1 }], fulfilment: 'pickup', pickupPointId: pp.body.id } });
    expect(o.status).toBe(201);
    expect(o.body.shippingFen).toBe(0);
    const paid = await payOrder(t, shop.slug, customer, o.body.id);
    expect(paid.pickupCode).toMatch(/^\d{8}$/);
    const cs = await t.createStaff(shop.owner, 'customer_service');
    const look = await t.call('POST', '/api/admin/orders/pickup/lookup', { session: cs, body: { code: paid.pickupCode } });
    expect(look.body.id).toBe(o.body.id);
    const ship = await t.call('POST', `/api/admin/orders/${o.body.id}/ship`, { session: cs, body: { carrier: 'SF', trackingNo: 'SF0000000002' } });
    expect(ship.body.error.code).toBe('FULFILMENT_MISMATCH');
    const v = await t.call('POST', '/api/admin/orders/pickup/verify', { session: cs, body: { code: paid.pickupCode } });
    expect(v.body.status).toBe('completed');
    const twice = await t.call('POST', '/api/admin/orders/pickup/verify', { session: cs, body: { code: paid.pickupCode } });
    expect(twice.body.error.code).toBe('PICKUP_CODE_USED');
  });
});

describe('refunds', () => {
  it('refunds part of a paid order, then the rest, returning stock and money exactly', async () => {
    const product = await createProduct(t, shop.owner, { priceFen: 3333, stock: 10 });
    const sku = product.skus[0].id;
    const o = await placeOrder(customer, [{ skuId: sku, quantity: 3 }]);
    await payOrder(t, shop.slug, customer, o.body.id);
    const line = o.body.items[0];
    const first = await t.call('POST', `/api/admin/orders/${o.body.id}/refunds`, { session: shop.owner, body: { items: [{ orderItemId: line.id, quantity: 1 }], reason: '缺货' } });
    expect(first.status).toBe(201);
    expect(first.body.amountFen).toBe(3333);
    await t.drain();
    const afterFirst = await waitFor(async () => {
      const r = await t.call('GET', `/api/admin/orders/${o.body.id}`, { session: shop.owner });
      return r.body.refundedFen === 3333 ? r.body : null;
    }, 'first refund');
    expect(afterFirst.status).toBe('paid');
    expect(await stock(sku)).toMatchObject({ available: 8, sold: 2 });
    const rest = await t.call('POST', `/api/admin/orders/${o.body.id}/refunds`, { session: shop.owner, body: { items: [{ orderItemId: line.id, quantity: 2 }], reason: '缺货' } });
    expect(rest.body.amountFen).toBe(3333 * 2 + 1200);
    await t.drain();
    const done = await waitFor(async () => {
      const r = await t.call('GET', `/api/admin/orders/${o.body.id}`, { session: shop.owner });
      return r.body.status === 'refunded' ? r.body : null;
    }, 'full refund');
    expect(done.refundedFen).toBe(done.paidFen);
    expect(await stock(sku)).toMatchObject({ available: 10, reserved: 0, sold: 0, received: 10 });
    const over = await t.call('POST', `/api/admin/orders/${o.body.id}/refunds`, { session: shop.owner, body: { items: [{ orderItemId: line.id, quantity: 1 }], reason: 'x' } });
    expect(over.status).toBe(409);
    expect((await outboxTypes(o.body.id)).filter((x) => x === 'order.refunded')).toHaveLength(2);
  });

  it('handles a return-and-refund with the return tracking number', async () => {
    const product = await createProduct(t, shop.owner, { priceFen: 5000, stock: 2 });
    const sku = product.skus[0].id;
    const o = await placeOrder(customer, [{ skuId: sku, quantity: 1 }]);
    await payOrder(t, shop.slug, customer, o.body.id);
    const early = await t.call('POST', store(`/orders/${o.body.id}/refunds`), { headers: bearer(customer), body: { type: 'return_refund', items: [{ orderItemId: o.body.items[0].id, quantity: 1 }], reason: '尺码不合适' } });
    expect(early.body.error.code).toBe('RETURN_NOT_SHIPPED');
    await t.call('POST', `/api/admin/orders/${o.body.id}/ship`, { session: shop.owner, body: { carrier: 'ZTO', trackingNo: 'ZTO123456789' } });
    const req = await t.call('POST', store(`/orders/${o.body.id}/refunds`), { headers: bearer(customer), body: { type: 'return_refund', items: [{ orderItemId: o.body.items[0].id, quantity: 1 }], reason: '尺码不合适' } });
    expect(req.status).toBe(201);
    expect(req.body.amountFen).toBe(5000);
    expect((await t.call('GET', store(`/orders/${o.body.id}`), { headers: bearer(customer) })).body.status).toBe('refund_requested');
    const copywriter = await t.createStaff(shop.owner, 'copywriter');
    expect((await t.call('POST', `/api/admin/refunds/${req.body.id}/approve`, { session: copywriter })).status).toBe(403);
    expect((await t.call('POST', `/api/admin/refunds/${req.body.id}/approve`, { session: shop.owner })).body.status).toBe('awaiting_return');
    const sent = await t.call('POST', store(`/orders/${o.body.id}/refunds/${req.body.id}/return`), { headers: bearer(customer), body: { carrier: 'YTO', trackingNo: 'YT9876543210' } });
    expect(sent.body).toMatchObject({ status: 'returned', returnTrackingNo: 'YT9876543210' });
    expect((await t.call('POST', `/api/admin/refunds/${req.body.id}/confirm-return`, { session: shop.owner })).body.status).toBe('processing');
    await t.drain();
    const done = await waitFor(async () => {
      const r = await t.call('GET', `/api/admin/orders/${o.body.id}`, { session: shop.owner });
      return r.body.status === 'refunded' ? r.body : null;
    }, 'return refunded');
    expect(done.refunds[0].status).toBe('refunded');
    expect(await stock(sku)).toMatchObject({ available: 2, sold: 0 });
  });

  it('closes a rejected request back to the previous status', async () => {
    const product = await createProduct(t, shop.owner, { priceFen: 5000, stock: 2 });
    const o = await placeOrder(customer, [{ skuId: product.skus[0].id, quantity: 1 }]);
    await payOrder(t, shop.slug, customer, o.body.id);
    const req = await t.call('POST', store(`/orders/${o.body.id}/refunds`), { headers: bearer(customer), body: { type: 'refund_only', items: [{ orderItemId: o.body.items[0].id, quantity: 1 }], reason: '不想要了' } });
    const twice = await t.call('POST', store(`/orders/${o.body.id}/refunds`), { headers: bearer(customer), body: { type: 'refund_only', items: [{ orderItemId: o.body.items[0].id, quantity: 1 }], reason: '不想要了' } });
    expect(twice.status).toBe(409);
    const rej = await t.call('POST', `/api/admin/refunds/${req.body.id}/reject`, { session: shop.owner, body: { reason: '已打包' } });
    expect(rej.body.status).toBe('rejected');
    expect((await t.call('GET', store(`/orders/${o.body.id}`), { headers: bearer(customer) })).body.status).toBe('paid');
  });
});

describe('bad input leaves nothing half-written', () => {
  it.each([
    ['negative quantity', (sku: string) => ({ items: [{ skuId: sku, quantity: -1 }], fulfilment: 'express' }), 400, 'items.0.quantity'],
    ['huge quantity', (sku: string) => ({ items: [{ skuId: sku, quantity: 1_000_000 }], fulfilment: 'express' }), 400, 'items.0.quantity'],
    ['unknown sku', () => ({ items: [{ skuId: randomUUID(), quantity: 1 }], fulfilment: 'express' }), 422, 'items.0.skuId'],
    ['no address', (sku: string) => ({ items: [{ skuId: sku, quantity: 1 }], fulfilment: 'express' }), 400, 'addressId'],
    ['unknown field', (sku: string) => ({ items: [{ skuId: sku, quantity: 1 }], fulfilment: 'express', price: 1 }), 400, 'body'],
  ])('%s', async (_name, body, status, field) => {
    const product = await createProduct(t, shop.owner, { priceFen: 100, stock: 1 });
    const before = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM orders`);
    const res = await t.call('POST', store('/orders'), { headers: bearer(customer), body: body(product.skus[0].id) });
    expect(res.status).toBe(status);
    if (field !== 'body') expect(res.body.error.details.field).toBe(field);
    const after = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM orders`);
    expect(after[0].n).toBe(before[0].n);
    expect(await stock(product.skus[0].id)).toMatchObject({ available: 1, reserved: 0 });
  });

  it('refuses malformed JSON and an expired customer session', async () => {
    const junk = await t.call('POST', store('/orders'), { headers: bearer(customer), body: '{"items": [' });
    expect(junk.body.error.code).toBe('INVALID_JSON');
    const stale = await t.call('GET', store('/orders'), { headers: { authorization: 'Bearer not-a-token' } });
    expect(stale.status).toBe(401);
    expect(stale.body.error.code).toBe('SESSION_EXPIRED');
  });

  it("cannot buy another shop's SKU", async () => {
    const other = await t.createShop();
    const foreign = await createProduct(t, other.owner, { priceFen: 100, stock: 5 });
    const res = await placeOrder(customer, [{ skuId: foreign.skus[0].id, quantity: 1 }]);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('SKU_NOT_FOUND');
    expect(await stock(foreign.skus[0].id)).toMatchObject({ available: 5, reserved: 0 });
  });

  it('refuses a second unit when stock runs out, naming the line', async () => {
    const product = await createProduct(t, shop.owner, { priceFen: 100, stock: 1 });
    const ok = await placeOrder(customer, [{ skuId: product.skus[0].id, quantity: 1 }]);
    expect(ok.status).toBe(201);
    const no = await placeOrder(customer, [{ skuId: product.skus[0].id, quantity: 1 }]);
    expect(no.status).toBe(409);
    expect(no.body.error).toMatchObject({ code: 'STOCK_INSUFFICIENT', details: { field: 'items.0.skuId' } });
  });
});
