import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { historyNoteText, lineSavingsText, quoteRefund, refundReasonText } from '@siyu/contracts';
import { rows } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { addAddress, bearer, createProduct, payOrder, signInCustomer, waitFor, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';

/**
 * What a customer and a merchant read about after-sales: reasons as codes, the timeline as codes that
 * render in Chinese and English, finished requests staying in the 售后 list, what each line's savings were.
 */
let t: TestApp;
let shop: ShopFixture;
let customer: CustomerFixture;
let addressId: string;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  customer = await signInCustomer(t, shop.slug);
  addressId = await addAddress(t, shop.slug, customer);
});
afterAll(() => t?.close());

const store = (path: string) => `/api/store/${shop.slug}${path}`;
const admin = (method: 'GET' | 'POST', path: string, body?: unknown) => t.call(method, `/api/admin${path}`, { session: shop.owner, body });

async function paidOrder(items: { skuId: string; quantity: number }[], extra: Record<string, unknown> = {}) {
  const o = await t.call('POST', store('/orders'), { headers: bearer(customer), body: { items, fulfilment: 'express', addressId, ...extra } });
  expect(o.status, JSON.stringify(o.body)).toBe(201);
  return payOrder(t, shop.slug, customer, o.body.id);
}

async function refundedTo(orderId: string, fen: number) {
  await t.drain();
  return waitFor(async () => {
    const r = await t.call('GET', store(`/orders/${orderId}`), { headers: bearer(customer) });
    return r.body.refundedFen === fen ? r.body : null;
  }, `refunds to reach ${fen}`);
}

describe('after-sales reasons and the timeline as codes', () => {
  it('keeps the picked reason as a code beside the customer’s words, and every timeline note as a code', async () => {
    const p = await createProduct(t, shop.owner, { priceFen: 7000, stock: 10, specs: { 颜色: ['红', '蓝'] } });
    const o = await paidOrder([{ skuId: p.skus[0].id, quantity: 2 }, { skuId: p.skus[1].id, quantity: 1 }]);

    const none = await t.call('POST', store(`/orders/${o.id}/refunds`), { headers: bearer(customer), body: { type: 'refund_only', items: [{ orderItemId: o.items[0].id, quantity: 1 }] } });
    expect(none.status).toBe(400);
    expect(none.body.error.details.field).toBe('reasonCode');
    const bad = await t.call('POST', store(`/orders/${o.id}/refunds`), { headers: bearer(customer), body: { type: 'refund_only', items: [{ orderItemId: o.items[0].id, quantity: 1 }], reasonCode: 'because' } });
    expect(bad.status).toBe(400);

    const req = await t.call('POST', store(`/orders/${o.id}/refunds`), {
      headers: bearer(customer),
      body: { type: 'refund_only', items: [{ orderItemId: o.items[0].id, quantity: 1 }], reasonCode: 'quality', reason: '线头多' },
    });
    expect(req.status).toBe(201);
    expect(req.body).toMatchObject({ reasonCode: 'quality', reason: '线头多', amountFen: 7000 });
    expect(refundReasonText(req.body, 'zh')).toBe('质量问题:线头多');
    expect(refundReasonText(req.body, 'en')).toBe('Quality problem: 线头多');

    // The console's list says which lines, how many and how the money goes back.
    const list = await admin('GET', '/refunds?status=requested');
    const row = list.body.items.find((r: any) => r.id === req.body.id);
    expect(row).toMatchObject({ orderNo: o.orderNo, amountFen: 7000, balanceFen: 0, cashFen: 7000, reasonCode: 'quality' });
    expect(row.lines).toEqual([expect.objectContaining({ orderItemId: o.items[0].id, quantity: 1, amountFen: 7000, title: o.items[0].title, specText: '红' })]);
    expect(row).not.toHaveProperty('requestKey');

    expect((await admin('POST', `/refunds/${req.body.id}/approve`)).body.status).toBe('processing');
    const done = await refundedTo(o.id, 7000);
    expect(done.status).toBe('paid');

    await admin('POST', `/orders/${o.id}/ship`, { carrier: 'SF', trackingNo: 'SF1234567890' });
    const detail = (await admin('GET', `/orders/${o.id}`)).body;
    const byAction = (a: string) => detail.history.filter((h: any) => h.action === a);
    const [paid] = byAction('pay');
    expect(paid).toMatchObject({ code: 'paid', params: { balanceFen: 0, cashFen: o.paidFen } });
    expect(historyNoteText(paid, 'en')).toBe(`WeChat Pay ¥${(o.paidFen / 100).toFixed(2)}`);
    const [asked] = byAction('request_refund');
    expect(asked).toMatchObject({ code: 'refund_requested', params: { type: 'refund_only', reasonCode: 'quality', amountFen: 7000 } });
    expect(asked.note).toBe('仅退款 ¥70.00:质量问题:线头多');
    expect(historyNoteText(asked, 'en')).toBe('Refund only ¥70.00: Quality problem: 线头多');
    expect(byAction('refund_approved')[0]).toMatchObject({ code: 'refund_approved', note: '同意退款' });
    expect(historyNoteText(byAction('refund_closed')[0], 'en')).toBe('Partial refund ¥70.00');
    const [shipped] = byAction('ship');
    expect(shipped).toMatchObject({ code: 'shipped', note: '顺丰速运 SF1234567890' });
    expect(historyNoteText(shipped, 'en')).toBe('SF Express SF1234567890');
  });

  it('shows timeline entries written before codes as they were', async () => {
    const p = await createProduct(t, shop.owner, { priceFen: 1000, stock: 5 });
    const o = await paidOrder([{ skuId: p.skus[0].id, quantity: 1 }]);
    await t.platform.db.execute(sql`INSERT INTO order_history (shop_id, order_id, action, from_status, to_status, actor_type, note) VALUES (${shop.shopId}, ${o.id}, 'refunded', 'paid', 'paid', 'system', '部分退款 5.00 元')`);
    const old = (await admin('GET', `/orders/${o.id}`)).body.history.find((h: any) => h.note === '部分退款 5.00 元');
    expect(old).toMatchObject({ code: null, params: null });
    expect(historyNoteText(old, 'en')).toBe('部分退款 5.00 元');
  });

  it('cancels with a reason from the list, kept as a code; an unpaid order closes with its own code', async () => {
    const p = await createProduct(t, shop.owner, { priceFen: 1000, stock: 5 });
    const o = await t.call('POST', store('/orders'), { headers: bearer(customer), body: { items: [{ skuId: p.skus[0].id, quantity: 1 }], fulfilment: 'express', addressId } });
    const c = await t.call('POST', store(`/orders/${o.body.id}/cancel`), { headers: bearer(customer), body: { reasonCode: 'duplicate' } });
    expect(c.body).toMatchObject({ status: 'cancelled', cancelReason: '重复下单' });
    const h = c.body.history.find((x: any) => x.action === 'cancel');
    expect(h).toMatchObject({ code: 'cancelled', params: { by: 'customer', reasonCode: 'duplicate' } });
    expect(historyNoteText(h, 'en')).toBe('Ordered twice');

    const o2 = await t.call('POST', store('/orders'), { headers: bearer(customer), body: { items: [{ skuId: p.skus[0].id, quantity: 1 }], fulfilment: 'express', addressId } });
    const staff = await admin('POST', `/orders/${o2.body.id}/cancel`, {});
    expect(staff.body).toMatchObject({ status: 'cancelled', cancelReason: '商家取消' });
  });
});

describe('the storefront’s 售后 list', () => {
  it('keeps finished requests with their result, latest first, and shows a partial refund on the order', async () => {
    const c = await signInCustomer(t, shop.slug);
    const addr = await addAddress(t, shop.slug, c);
    const p = await createProduct(t, shop.owner, { priceFen: 2000, stock: 20 });
    const place = async (quantity: number) => {
      const o = await t.call('POST', store('/orders'), { headers: bearer(c), body: { items: [{ skuId: p.skus[0].id, quantity }], fulfilment: 'express', addressId: addr } });
      return payOrder(t, shop.slug, c, o.body.id);
    };
    const untouched = await place(1);
    const partly = await place(3);
    const rejected = await place(1);

    const ask = (o: { id: string; items: { id: string }[] }, quantity: number) =>
      t.call('POST', store(`/orders/${o.id}/refunds`), { headers: bearer(c), body: { type: 'refund_only', items: [{ orderItemId: o.items[0].id, quantity }], reasonCode: 'unwanted' } });
    const r1 = await ask(partly, 1);
    await admin('POST', `/refunds/${r1.body.id}/approve`);
    await t.drain();
    await waitFor(async () => ((await t.call('GET', store(`/orders/${partly.id}`), { headers: bearer(c) })).body.refundedFen === 2000 ? true : null), 'partial refund');
    const r2 = await ask(rejected, 1);
    await admin('POST', `/refunds/${r2.body.id}/reject`, { reason: '已打包发出' });

    const afterSale = await t.call('GET', store('/orders?afterSale=true'), { headers: bearer(c) });
    expect(afterSale.status).toBe(200);
    expect(afterSale.body.items.map((o: any) => o.id)).toEqual([rejected.id, partly.id]);
    expect(afterSale.body.total).toBe(2);
    const [rej, part] = afterSale.body.items;
    expect(rej.afterSale).toMatchObject({ id: r2.body.id, status: 'rejected', amountFen: 2000 });
    expect(rej.status).toBe('paid');
    expect(part.afterSale).toMatchObject({ id: r1.body.id, status: 'refunded', amountFen: 2000 });
    expect(part).toMatchObject({ status: 'paid', refundedFen: 2000, paidFen: 6000 });

    // The plain list carries the same mark, and orders without a request have none.
    const all = await t.call('GET', store('/orders'), { headers: bearer(c) });
    expect(all.body.items.find((o: any) => o.id === untouched.id).afterSale).toBeNull();
    expect(all.body.items.find((o: any) => o.id === partly.id).afterSale.status).toBe('refunded');
    // Another customer's requests never show.
    expect((await t.call('GET', store('/orders?afterSale=true'), { headers: bearer(customer) })).body.items.every((o: any) => o.customerId === customer.customerId)).toBe(true);
  });
});

describe('what each line paid after order-level savings', () => {
  it('splits a coupon over the lines and says so per line; refunding a line gives back its share exactly', async () => {
    const tpl = await admin('POST', '/coupons', { name: '满100减20', kind: 'amount_off', thresholdFen: 10000, amountOffFen: 2000, validity: { type: 'relative', days: 7 }, totalQuantity: 10 });
    expect(tpl.status).toBe(201);
    const c = await signInCustomer(t, shop.slug);
    const addr = await addAddress(t, shop.slug, c);
    expect((await t.call('POST', store(`/coupons/${tpl.body.id}/claim`), { headers: bearer(c) })).status).toBe(201);
    const a = await createProduct(t, shop.owner, { title: '衬衫', priceFen: 7000, stock: 5 });
    const b = await createProduct(t, shop.owner, { title: '袜子', priceFen: 3999, stock: 5 });
    const o = await t.call('POST', store('/orders'), { headers: bearer(c), body: { items: [{ skuId: a.skus[0].id, quantity: 1 }, { skuId: b.skus[0].id, quantity: 1 }], fulfilment: 'express', addressId: addr } });
    expect(o.status).toBe(201);
    const paid = await payOrder(t, shop.slug, c, o.body.id);
    const [shirt, socks] = paid.items;
    const share = (i: any) => i.savings.find((s: any) => s.code === 'coupon').amountFen;
    // 2000 split over 7000 : 3999 by largest remainder.
    expect(share(shirt) + share(socks)).toBe(2000);
    expect(shirt.payableFen).toBe(7000 - share(shirt));
    expect(shirt.savings).toEqual([{ code: 'coupon', amountFen: shirt.discountFen }]);
    expect(lineSavingsText(shirt.savings, 'zh')).toBe(`含优惠券分摊 −¥${(share(shirt) / 100).toFixed(2)}`);
    expect(lineSavingsText(shirt.savings, 'en')).toBe(`incl. coupon share −¥${(share(shirt) / 100).toFixed(2)}`);

    // What the storefront shows before asking is what the request books.
    const shown = quoteRefund({ ...paid, notShipped: true }, paid.items, [{ orderItemId: shirt.id, quantity: 1 }], 0);
    const req = await t.call('POST', store(`/orders/${paid.id}/refunds`), { headers: bearer(c), body: { type: 'refund_only', items: [{ orderItemId: shirt.id, quantity: 1 }], reasonCode: 'unwanted' } });
    expect(req.body.amountFen).toBe(shirt.payableFen);
    expect(shown).toMatchObject({ amountFen: req.body.amountFen, shippingFen: req.body.shippingFen, balanceFen: req.body.balanceFen });

    // An order placed before lines kept their savings still reads, with no breakdown.
    await t.platform.db.execute(sql`UPDATE orders SET pricing = pricing #- '{lines,0,savings}' WHERE id = ${paid.id}`);
    const old = (await t.call('GET', store(`/orders/${paid.id}`), { headers: bearer(c) })).body;
    expect(old.items[0].savings).toBeNull();
    expect(old.items[0].discountFen).toBe(shirt.discountFen);
  });
});

describe('pickup points and shipping templates name real places', () => {
  it('composes a pickup point’s address from the picked region and refuses a region that does not exist', async () => {
    const made = await admin('POST', '/pickup-points', { name: '西湖店', province: '浙江省', city: '杭州市', district: '西湖区', address: '文三路 90 号' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ address: '浙江省杭州市西湖区文三路 90 号', street: '文三路 90 号', province: '浙江省', city: '杭州市', district: '西湖区' });
    const city = await admin('POST', '/pickup-points', { name: '北京店', province: '北京市', city: '北京市', district: '朝阳区', address: '建国路 1 号' });
    expect(city.body.address).toBe('北京市朝阳区建国路 1 号');
    const wrong = await admin('POST', '/pickup-points', { name: 'x', province: '浙江省', city: '深圳市', district: '南山区', address: 'y' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error).toMatchObject({ code: 'REGION_INVALID', details: { field: 'city' } });

    // Changing only the street keeps the region; a point saved as free text keeps its text.
    const moved = await t.call('PATCH', `/api/admin/pickup-points/${made.body.id}`, { session: shop.owner, body: { address: '文二路 1 号' } });
    expect(moved.body.address).toBe('浙江省杭州市西湖区文二路 1 号');
    const legacy = await admin('POST', '/pickup-points', { name: '老店', address: '杭州市上城区解放路 1 号' });
    expect(legacy.body).toMatchObject({ address: '杭州市上城区解放路 1 号', street: null, province: null });
    const renamed = await t.call('PATCH', `/api/admin/pickup-points/${legacy.body.id}`, { session: shop.owner, body: { name: '老店(总店)' } });
    expect(renamed.body.address).toBe('杭州市上城区解放路 1 号');
  });

  it('saves template regions by their full names and still prices templates saved with short ones', async () => {
    const s = await t.createShop();
    const made = await t.call('POST', '/api/admin/shipping-templates', {
      session: s.owner,
      body: { name: '偏远加价', chargeBy: 'piece', rules: [{ regions: [], first: 1, firstFeeFen: 800, additional: 1, additionalFeeFen: 0 }, { regions: ['新疆', '西藏自治区'], first: 1, firstFeeFen: 2000, additional: 1, additionalFeeFen: 0 }], excludedRegions: ['台湾'], isDefault: true },
    });
    expect(made.status).toBe(201);
    expect(made.body.rules[1].regions).toEqual(['新疆维吾尔自治区', '西藏自治区']);
    expect(made.body.excludedRegions).toEqual(['台湾省']);
    const unknown = await t.call('POST', '/api/admin/shipping-templates', {
      session: s.owner,
      body: { name: 'x', chargeBy: 'piece', rules: [{ regions: ['火星'], first: 1, firstFeeFen: 1, additional: 1, additionalFeeFen: 0 }] },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: 'REGION_UNKNOWN', details: { field: 'rules.0.regions' } });

    // A template saved before the picker (short names) still applies to addresses that use full names.
    await t.platform.db.execute(sql`UPDATE shipping_templates SET rules = ${JSON.stringify([{ regions: [], first: 1, firstFeeFen: 800, additional: 1, additionalFeeFen: 0 }, { regions: ['新疆'], first: 1, firstFeeFen: 2000, additional: 1, additionalFeeFen: 0 }])}::jsonb WHERE id = ${made.body.id}`);
    const c = await signInCustomer(t, s.slug);
    const xj = await t.call('POST', `/api/store/${s.slug}/me/addresses`, { headers: bearer(c), body: { contactName: '阿依', phone: c.phone, province: '新疆维吾尔自治区', city: '乌鲁木齐市', district: '天山区', detail: '人民路 1 号' } });
    expect(xj.status).toBe(201);
    const p = await createProduct(t, s.owner, { priceFen: 1000, stock: 5 });
    const preview = await t.call('POST', `/api/store/${s.slug}/checkout/preview`, { headers: bearer(c), body: { items: [{ skuId: p.skus[0].id, quantity: 1 }], fulfilment: 'express', addressId: xj.body.id } });
    expect(preview.body.shippingFen).toBe(2000);
    const [row] = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM shipping_templates WHERE shop_id = ${s.shopId}`);
    expect(row.n).toBe(1);
  });
});
