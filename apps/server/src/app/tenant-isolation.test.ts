import { createCipheriv, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type StaffSession, type TestApp } from '../testing/harness.js';
import { addAddress, bearer, nextPhone, payOrder, signInCustomer, waitFor, type CustomerFixture } from '../testing/commerce.js';
import { upload } from '../modules/catalog/testing/fixtures.js';
import { WECOM_SANDBOX } from '@siyu/sandbox';
import { fillPath, rawCall, registeredRoutes, routeKey, staffHeaders, type Route } from './route-walk.js';

/**
 * Shop A gets one of everything; shop B (its owner, its customer) then reaches for A's data through
 * every route. Every route the app serves must be named below, so a new route cannot skip the walk.
 */
const MARK = 'SHOPA'; // in every name A's data carries, so a leak shows up even without an id

let t: TestApp;
let A: { shopId: string; slug: string; owner: StaffSession };
let B: { shopId: string; slug: string; owner: StaffSession };
let c1: CustomerFixture; // A's customer with the orders
let c2: CustomerFixture; // another customer of A
let cb: CustomerFixture; // B's customer

/** A's ids, by what they are. */
const a = {} as {
  category: string; emptyCategory: string; product: string; draftProduct: string; sku: string; cartSku: string;
  media: string; import: string; template: string; pickupPoint: string; staff: string; apiKey: string; apiKeySecret: string;
  address: string; pending: string; pendingNo: string; pendingFen: number; paid: string; paidItem: string; shipped: string; pickup: string; pickupCode: string;
  awaitingReturnOrder: string; awaitingReturn: string; returnedOrder: string; returned: string; requestedOrder: string; requested: string;
  requestedItem: string;
  coupon: string; couponPack: string; couponBatch: string; activity: string; myCoupon: string;
  tag: string; group: string; mallItem: string; topupPlan: string; topup: string; cardPlan: string; cardPurchase: string; presale: string; presaleProduct: string; presaleOrder: string;
  reviewOrder: string; reviewItem: string; review: string; insight: string; writeKey: string;
  msgTemplate: string; msgReply: string; qrCode: string; broadcast: string; journey: string; experiment: string;
  wecomRun: string; wecomTag: string; wecomCode: string; wecomRelation: string; wecomRule: string; wecomReminder: string; wecomMass: string; wecomMoment: string; wecomHandover: string; wecomContact: string;
  wecomChat: string; wecomGroupCode: string; wecomWelcome: string; wecomSop: string;
  groupBuy: string; groupBuyProduct: string; groupBuyGroup: string; bargain: string; bargainProduct: string; bargainLaunch: string;
  scene: string; withdrawal: string; leaderPoint: string; settlement: string;
  flashSale: string; flashDraft: string; flashSession: string; flashItem: string; flashAttempt: string;
};
let bAddress: string;
let bSku: string;
let bPaid: { id: string; payableFen: number; items: { id: string }[] };
/** Every string of A's that must never appear in an answer to B. */
let secrets: string[] = [];

const store = (slug: string, path: string) => `/api/store/${slug}${path}`;

async function place(c: CustomerFixture, body: Record<string, unknown>) {
  const res = await t.call('POST', store(A.slug, '/orders'), { headers: bearer(c), body });
  if (res.status !== 201) throw new Error(`order failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; orderNo: string; payableFen: number; items: { id: string }[] };
}

async function paidExpress(shipped = false) {
  const o = await place(c1, { items: [{ skuId: a.sku, quantity: 1 }], fulfilment: 'express', addressId: a.address });
  await payOrder(t, A.slug, c1, o.id);
  if (shipped) {
    const s = await t.call('POST', `/api/admin/orders/${o.id}/ship`, { session: A.owner, body: { carrier: 'SF', trackingNo: `SF${Date.now()}` } });
    expect(s.status).toBe(200);
  }
  secrets.push(o.id, o.orderNo);
  return o;
}

async function returnRequest(o: { id: string; items: { id: string }[] }) {
  const r = await t.call('POST', store(A.slug, `/orders/${o.id}/refunds`), { headers: bearer(c1), body: { type: 'return_refund', items: [{ orderItemId: o.items[0].id, quantity: 1 }], reason: `${MARK} 退货` } });
  expect(r.status).toBe(201);
  expect((await t.call('POST', `/api/admin/refunds/${r.body.id}/approve`, { session: A.owner })).body.status).toBe('awaiting_return');
  return r.body.id as string;
}

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000', SIGNIN_RATE_PER_MINUTE: '10000' });
  const tag = randomBytes(3).toString('hex');
  A = await t.createShop(`tenant-a-${tag}`);
  B = await t.createShop(`tenant-b-${tag}`);
  const own = { session: A.owner };

  // Catalog: a category holding a product with a 2-SKU matrix, an empty category, a draft, an image, an import.
  a.category = (await t.call('POST', '/api/admin/categories', { ...own, body: { name: `${MARK} 分类` } })).body.id;
  a.emptyCategory = (await t.call('POST', '/api/admin/categories', { ...own, body: { name: `${MARK} 空分类` } })).body.id;
  const product = await t.call('POST', '/api/admin/products', {
    ...own,
    body: { title: `${MARK} T恤`, status: 'on_sale', categoryId: a.category, specAttributes: [{ name: '颜色', values: ['红', '蓝'] }], weightGrams: 300, skus: [{ specValues: { 颜色: '红' }, price: 1000, stock: 100 }, { specValues: { 颜色: '蓝' }, price: 1000, stock: 100 }] },
  });
  expect(product.status).toBe(201);
  a.product = product.body.id;
  [a.sku, a.cartSku] = product.body.skus.map((s: { id: string }) => s.id);
  a.draftProduct = (await t.call('POST', '/api/admin/products', { ...own, body: { title: `${MARK} 草稿`, skus: [{ price: 500, stock: 1 }] } })).body.id;
  const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(20)]);
  a.media = (await upload(t, '/api/admin/media', A.owner, `${MARK}.gif`, gif, 'image/gif')).body.id;
  const imp = await upload(t, '/api/admin/catalog/imports', A.owner, `${MARK}.csv`, `商品名称,售价(元)\n${MARK} 导入,1.00\n,坏行\n`, 'text/csv');
  expect(imp.status).toBe(202);
  a.import = imp.body.id;
  await t.drain();

  // Shipping, people and keys.
  a.template = (await t.call('POST', '/api/admin/shipping-templates', { ...own, body: { name: `${MARK} 全国`, chargeBy: 'piece', rules: [{ regions: [], first: 1, firstFeeFen: 800, additional: 1, additionalFeeFen: 200 }], isDefault: true } })).body.id;
  a.pickupPoint = (await t.call('POST', '/api/admin/pickup-points', { ...own, body: { name: `${MARK} 南山店`, address: '深圳市南山区科技园' } })).body.id;
  a.staff = (await t.createStaff(A.owner, 'operator')).actor.id;
  const key = await t.call('POST', '/api/admin/api-keys', { ...own, body: { name: `${MARK} ERP`, role: 'operator' } });
  a.apiKey = key.body.id;
  a.apiKeySecret = key.body.key;

  // Customers: c1 with an address, a cart line and orders in every state; c2 with nothing.
  c1 = await signInCustomer(t, A.slug);
  c2 = await signInCustomer(t, A.slug);
  await t.call('PATCH', store(A.slug, '/me'), { headers: bearer(c1), body: { nickname: `${MARK} 买家` } });
  a.address = await addAddress(t, A.slug, c1);
  await t.call('POST', store(A.slug, '/cart/items'), { headers: bearer(c1), body: { skuId: a.cartSku, quantity: 2 } });

  const pending = await place(c1, { items: [{ skuId: a.sku, quantity: 1 }], fulfilment: 'express', addressId: a.address });
  expect((await t.call('POST', store(A.slug, `/orders/${pending.id}/pay`), { headers: bearer(c1), body: {} })).status).toBe(200);
  Object.assign(a, { pending: pending.id, pendingNo: pending.orderNo, pendingFen: pending.payableFen });
  const paid = await paidExpress();
  Object.assign(a, { paid: paid.id, paidItem: paid.items[0].id });
  a.shipped = (await paidExpress(true)).id;
  const pickup = await place(c1, { items: [{ skuId: a.sku, quantity: 1 }], fulfilment: 'pickup', pickupPointId: a.pickupPoint });
  a.pickup = pickup.id;
  a.pickupCode = (await payOrder(t, A.slug, c1, pickup.id)).pickupCode;
  const awaiting = await paidExpress(true);
  Object.assign(a, { awaitingReturnOrder: awaiting.id, awaitingReturn: await returnRequest(awaiting) });
  const returned = await paidExpress(true);
  Object.assign(a, { returnedOrder: returned.id, returned: await returnRequest(returned) });
  const back = await t.call('POST', store(A.slug, `/orders/${returned.id}/refunds/${a.returned}/return`), { headers: bearer(c1), body: { carrier: 'YTO', trackingNo: 'YT9876543210' } });
  expect(back.body.status).toBe('returned');
  const requested = await paidExpress();
  const req = await t.call('POST', store(A.slug, `/orders/${requested.id}/refunds`), { headers: bearer(c1), body: { type: 'refund_only', items: [{ orderItemId: requested.items[0].id, quantity: 1 }], reason: `${MARK} 不想要了` } });
  expect(req.status).toBe(201);
  Object.assign(a, { requestedOrder: requested.id, requested: req.body.id, requestedItem: requested.items[0].id });

  // Promotions: a coupon c1 holds, a pack, an issue batch and an activity on A's product.
  a.coupon = (await t.call('POST', '/api/admin/coupons', { ...own, body: { name: `${MARK} 满100减20`, kind: 'amount_off', thresholdFen: 10000, amountOffFen: 2000, validity: { type: 'relative', days: 7 }, totalQuantity: 100, perCustomerLimit: 5 } })).body.id;
  a.myCoupon = (await t.call('POST', store(A.slug, `/coupons/${a.coupon}/claim`), { headers: bearer(c1) })).body.id;
  a.couponPack = (await t.call('POST', '/api/admin/coupon-packs', { ...own, body: { name: `${MARK} 礼包`, items: [{ templateId: a.coupon, quantity: 1 }] } })).body.id;
  a.couponBatch = (await t.call('POST', `/api/admin/coupons/${a.coupon}/issue`, { ...own, body: { target: { type: 'customers', customerIds: [c2.customerId] } } })).body.id;
  a.activity = (await t.call('POST', '/api/admin/activities', { ...own, body: { kind: 'limited_discount', name: `${MARK} 限时`, startsAt: new Date(Date.now() - 3600_000).toISOString(), endsAt: new Date(Date.now() + 86_400_000).toISOString(), rules: { items: [{ productId: a.product, percentPaid: 90 }] } } })).body.id;
  expect([a.coupon, a.myCoupon, a.couponPack, a.couponBatch, a.activity].every(Boolean)).toBe(true);
  // Tags and groups: a manual tag on c1, a static group holding c1.
  a.tag = (await t.call('POST', '/api/admin/tags', { ...own, body: { name: `${MARK} 老客`, kind: 'manual' } })).body.id;
  await t.call('PUT', `/api/admin/customers/${c1.customerId}/tags`, { ...own, body: { tagIds: [a.tag] } });
  a.group = (await t.call('POST', '/api/admin/groups', { ...own, body: { name: `${MARK} 名单`, kind: 'static' } })).body.id;
  a.insight = (await t.call('POST', '/api/admin/analytics/insights', { ...own, body: { name: `${MARK} 漏斗`, query: analysis(), pinned: true } })).body.id;
  a.writeKey = (await t.call('POST', '/api/admin/analytics/write-keys', { ...own, body: { name: `${MARK} 数据源` } })).body.id;
  await t.call('POST', `/api/admin/groups/${a.group}/members`, { ...own, body: { customerIds: [c1.customerId] } });
  // Reach: the sandbox official account and SMS, a template, a reply, a source QR code and a draft broadcast.
  expect((await t.call('PUT', '/api/admin/messaging/channels/oa', { ...own, body: { name: `${MARK} 公众号`, appId: 'wxsandboxmp0000001', appSecret: 'sandbox-mp-secret', token: 'marktoken1', encodingAesKey: 'a'.repeat(43) } })).status).toBe(200);
  expect((await t.call('PUT', '/api/admin/messaging/channels/sms', { ...own, body: { vendor: 'tencent', accessKeyId: 'AKIDsandbox', accessKeySecret: 'sandbox-secret-key', sdkAppId: '1400000001', signName: 'A店' } })).status).toBe(200);
  a.msgTemplate = (await t.call('POST', '/api/admin/messaging/templates', { ...own, body: { name: `${MARK} 活动短信`, topic: 'promotion', channel: 'sms', vendorTemplateId: '1000010', content: '{1}火热进行中,点击{2}查看详情,拒收请回复R', fields: [{ key: '1', value: '{{activity}}' }, { key: '2', value: '{{link}}' }] } })).body.id;
  a.msgReply = (await t.call('POST', '/api/admin/messaging/auto-replies', { ...own, body: { kind: 'keyword', keyword: '你好', reply: `${MARK} 欢迎` } })).body.id;
  a.qrCode = (await t.call('POST', '/api/admin/messaging/qr-codes', { ...own, body: { name: `${MARK} 门店码`, kind: 'permanent', tagIds: [a.tag] } })).body.id;
  a.broadcast = (await t.call('POST', '/api/admin/messaging/broadcasts', { ...own, body: { name: `${MARK} 群发`, audience: { kind: 'tag', tagId: a.tag }, channels: ['sms'], templateIds: { sms: a.msgTemplate }, vars: { activity: '大促' } } })).body.id;
  expect([a.msgTemplate, a.msgReply, a.qrCode, a.broadcast].every(Boolean)).toBe(true);
  // A live journey giving A's coupon (on an event nothing in the walk emits, so A stays as it was).
  a.experiment = (await t.call('POST', '/api/admin/experiments', { ...own, body: experimentBody(`a_${Date.now()}`, `${MARK} 实验`) })).body.id;
  a.journey = (await t.call('POST', '/api/admin/journeys', { ...own, body: journeyBody(`${MARK} 旅程`, a.coupon) })).body.id;
  expect((await t.call('POST', `/api/admin/journeys/${a.journey}/publish`, own)).status).toBe(200);
  a.mallItem = (await t.call('POST', '/api/admin/points/mall', { ...own, body: { title: `${MARK} 兑换券`, couponTemplateId: a.coupon, points: 100, stock: 10 } })).body.id;
  expect([a.tag, a.group, a.mallItem].every(Boolean)).toBe(true);
  // A completed order of c1's with a review of its line.
  const reviewed = await place(c1, { items: [{ skuId: a.sku, quantity: 1 }], fulfilment: 'pickup', pickupPointId: a.pickupPoint });
  const reviewedCode = (await payOrder(t, A.slug, c1, reviewed.id)).pickupCode;
  expect((await t.call('POST', '/api/admin/orders/pickup/verify', { ...own, body: { code: reviewedCode } })).body.status).toBe('completed');
  Object.assign(a, { reviewOrder: reviewed.id, reviewItem: reviewed.items[0].id });
  a.review = (await t.call('POST', store(A.slug, '/reviews'), { headers: bearer(c1), body: { orderId: a.reviewOrder, orderItemId: a.reviewItem, rating: 5, content: `${MARK} 好评` } })).body.id;
  expect(a.review).toBeTruthy();
  secrets.push(reviewed.id, reviewed.orderNo);
  // Stored value: a plan, and c1's paid top-up.
  a.topupPlan = (await t.call('POST', '/api/admin/stored-value/plans', { ...own, body: { name: `${MARK} 充100送20`, amountFen: 10000, bonusFen: 2000 } })).body.id;
  const topup = await t.call('POST', store(A.slug, '/me/stored-value/topups'), { headers: bearer(c1), body: { planId: a.topupPlan } });
  await t.call('POST', '/sandbox/wechatpay/sandbox/pay', { body: { prepay_id: topup.body.payment.prepayId } });
  a.topup = topup.body.topup.id;
  await waitFor(async () => (await t.call('GET', store(A.slug, `/me/stored-value/topups/${a.topup}`), { headers: bearer(c1) })).body.status === 'paid', 'top-up');
  // Paid member cards: a plan, and c1's paid card.
  a.cardPlan = (await t.call('POST', '/api/admin/member-cards', { ...own, body: { name: `${MARK} 月卡`, periodKind: 'month', priceFen: 1990, percentPaid: 90, freeShipping: true, monthlyCouponTemplateId: null } })).body.id;
  const card = await t.call('POST', store(A.slug, '/me/member-card/purchases'), { headers: bearer(c1), body: { planId: a.cardPlan } });
  await t.call('POST', '/sandbox/wechatpay/sandbox/pay', { body: { prepay_id: card.body.payment.prepayId } });
  a.cardPurchase = card.body.purchase.id;
  await waitFor(async () => (await t.call('GET', store(A.slug, `/me/member-card/purchases/${a.cardPurchase}`), { headers: bearer(c1) })).body.status === 'paid', 'card purchase');
  // A deposit pre-sale on its own product, and c1's (unpaid) deposit.
  const presaleProduct = (await t.call('POST', '/api/admin/products', { ...own, body: { title: `${MARK} 预售款`, status: 'on_sale', skus: [{ price: 30000, stock: 10 }] } })).body;
  a.presaleProduct = presaleProduct.id;
  a.presale = (await t.call('POST', '/api/admin/presales', {
    ...own,
    body: { name: `${MARK} 预售`, productId: presaleProduct.id, depositStartsAt: new Date(Date.now() - 3600_000).toISOString(), depositEndsAt: new Date(Date.now() + 86_400_000).toISOString(),
      balanceStartsAt: new Date(Date.now() + 2 * 86_400_000).toISOString(), balanceEndsAt: new Date(Date.now() + 3 * 86_400_000).toISOString(), items: [{ skuId: presaleProduct.skus[0].id, depositFen: 5000, deductFen: 10000 }] },
  })).body.id;
  a.presaleOrder = (await t.call('POST', store(A.slug, `/presales/${a.presale}/deposits`), { headers: bearer(c1), body: { skuId: presaleProduct.skus[0].id, quantity: 1 } })).body.presaleOrder.id;
  // Fission: a group buy with c1's paid group, a bargain with c1's launch, c1 a promoter sharing the shop
  // (c2 bought through the link: its commission thawed and c1 asked to withdraw it), invitations switched on.
  const gbProduct = (await t.call('POST', '/api/admin/products', { ...own, body: { title: `${MARK} 拼团款`, status: 'on_sale', skus: [{ price: 10000, stock: 10 }] } })).body;
  a.groupBuyProduct = gbProduct.id;
  a.groupBuy = (await t.call('POST', '/api/admin/group-buys', {
    ...own,
    body: { name: `${MARK} 拼团`, productId: gbProduct.id, startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 86_400_000).toISOString(), groupSize: 3, durationMinutes: 1440, items: [{ skuId: gbProduct.skus[0].id, groupPriceFen: 6000 }] },
  })).body.id;
  const gbOrder = await place(c1, { items: [{ skuId: gbProduct.skus[0].id, quantity: 1 }], fulfilment: 'express', addressId: a.address, groupBuy: { groupBuyId: a.groupBuy } });
  await payOrder(t, A.slug, c1, gbOrder.id);
  secrets.push(gbOrder.id, gbOrder.orderNo);
  a.groupBuyGroup = (await t.call('GET', store(A.slug, '/me/group-buys'), { headers: bearer(c1) })).body.items[0].groupId;
  const bgProduct = (await t.call('POST', '/api/admin/products', { ...own, body: { title: `${MARK} 砍价款`, status: 'on_sale', skus: [{ price: 10000, stock: 10 }] } })).body;
  a.bargainProduct = bgProduct.id;
  a.bargain = (await t.call('POST', '/api/admin/bargains', {
    ...own,
    body: { name: `${MARK} 砍价`, productId: bgProduct.id, skuId: bgProduct.skus[0].id, startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 86_400_000).toISOString(), floorPriceFen: 100, helpersNeeded: 3, stock: 5 },
  })).body.id;
  a.bargainLaunch = (await t.call('POST', store(A.slug, `/bargains/${a.bargain}/launches`), { headers: bearer(c1) })).body.id;
  await t.call('PUT', '/api/admin/distribution/settings', { ...own, body: { ...(await t.call('GET', '/api/admin/distribution/settings', own)).body, enabled: true, afterSaleDays: 0, withdrawMinFen: 1, withdrawReview: true } });
  expect((await t.call('GET', store(A.slug, '/me/promoter'), { headers: bearer(c1) })).body.status).toBe('approved');
  a.scene = (await t.call('POST', store(A.slug, '/me/share'), { headers: bearer(c1), body: { kind: 'promoter' } })).body.scene;
  // A friend of c1's (c2 keeps no orders: the walk checks that).
  const friend = await signInCustomer(t, A.slug);
  expect((await t.call('POST', store(A.slug, '/referrals/visit'), { headers: bearer(friend), body: { scene: a.scene } })).body.bound).toBe(true);
  const referred = await place(friend, { items: [{ skuId: a.sku, quantity: 1 }], fulfilment: 'pickup', pickupPointId: a.pickupPoint });
  await payOrder(t, A.slug, friend, referred.id);
  secrets.push(referred.id, referred.orderNo);
  const referredCode = (await t.call('GET', store(A.slug, `/orders/${referred.id}`), { headers: bearer(friend) })).body.pickupCode;
  expect((await t.call('POST', '/api/admin/orders/pickup/verify', { ...own, body: { code: referredCode } })).status).toBe(200);
  await t.drain();
  await t.services.fission.distribution.tick();
  await t.drain();
  const promoter = (await t.call('GET', store(A.slug, '/me/promoter'), { headers: bearer(c1) })).body;
  expect(promoter.account.payableFen, JSON.stringify(promoter)).toBeGreaterThan(0);
  const payable = promoter.account.payableFen;
  const withdrawal = await t.call('POST', store(A.slug, '/me/promoter/withdrawals'), { headers: bearer(c1), body: { amountFen: payable } });
  expect(withdrawal.status, JSON.stringify(withdrawal.body)).toBe(201);
  a.withdrawal = withdrawal.body.id;
  await t.call('PUT', '/api/admin/invitations/settings', { ...own, body: { enabled: true, newCustomer: 'never_paid', newAccountHours: 24, trigger: 'first_order', attributionDays: 7, inviterCouponTemplateId: null, inviterPoints: 10, inviteeCouponTemplateId: null, inviteePoints: 0, inviterDailyCap: 10 } });
  // Community leaders: c1 leads a point; a neighbour's pickup there was verified by c1 and settled.
  expect((await t.call('PUT', '/api/admin/leaders/settings', { ...own, body: { enabled: true, commissionBp: 500, cutoffTime: '22:00', pickupAfterDays: 1, autoApprove: false } })).status).toBe(200);
  expect((await t.call('POST', store(A.slug, '/me/leader-centre/apply'), { headers: bearer(c1), body: { name: `${MARK} 团长`, phone: c1.phone, pointName: `${MARK} 团点`, address: '文三路 2 号', latitude: 30.27, longitude: 120.13 } })).status).toBeLessThan(300);
  a.leaderPoint = (await t.call('POST', `/api/admin/leaders/${c1.customerId}/approve`, own)).body.pickupPointId;
  const neighbour = await signInCustomer(t, A.slug);
  const atPoint = await place(neighbour, { items: [{ skuId: a.sku, quantity: 1 }], fulfilment: 'pickup', pickupPointId: a.leaderPoint });
  await payOrder(t, A.slug, neighbour, atPoint.id);
  secrets.push(atPoint.id, atPoint.orderNo);
  const neighbourCode = (await t.call('GET', store(A.slug, `/orders/${atPoint.id}`), { headers: bearer(neighbour) })).body.pickupCode;
  expect((await t.call('POST', store(A.slug, '/me/leader-centre/verify'), { headers: bearer(c1), body: { code: neighbourCode } })).status).toBe(200);
  await t.drain();
  const settled = await t.call('POST', '/api/admin/leader-settlements/run', { ...own, body: { periodTo: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10) } });
  expect(settled.status, JSON.stringify(settled.body)).toBeLessThan(300);
  a.settlement = (await t.call('GET', '/api/admin/leader-settlements', own)).body.items[0].id;
  // Flash sales: a draft, a running sale, and c1's accepted attempt with its order written.
  const flashBody = (startsAt: number) => ({ name: `${MARK} 秒杀`, perCustomerLimit: 1, sessions: [{ startsAt: new Date(startsAt), endsAt: new Date(startsAt + 3 * 3600_000), items: [{ skuId: a.cartSku, priceFen: 500, stock: 5 }] }] });
  a.flashDraft = (await t.call('POST', '/api/admin/flash-sales', { ...own, body: flashBody(Date.now() + 86_400_000) })).body.id;
  const flash = await t.call('POST', '/api/admin/flash-sales', { ...own, body: flashBody(Date.now() - 60_000) });
  expect((await t.call('POST', `/api/admin/flash-sales/${flash.body.id}/publish`, own)).status).toBe(200);
  Object.assign(a, { flashSale: flash.body.id, flashSession: flash.body.sessions[0].id, flashItem: flash.body.sessions[0].items[0].id });
  const grab = await t.call('POST', store(A.slug, '/flash-sales/attempts'), { headers: bearer(c1), body: { itemId: a.flashItem, fulfilment: 'express', addressId: a.address } });
  expect(grab.status).toBe(202);
  a.flashAttempt = grab.body.attemptId;
  await t.services.flashSalePurchase.settleWrites();
  await t.services.flashSaleOrders.drain(A.shopId);
  await t.drain();

  // WeCom: A's corp (a fresh simulated one), its staff, a corp tag, a channel code and a customer's relation.
  const wecomCorp = (await t.call('POST', '/sandbox/wecom/__sim/corps', { body: {} })).body.corpId as string;
  const wecom = await t.call('PUT', '/api/admin/wecom/settings', { ...own, body: wecomSettings(wecomCorp) });
  expect((await t.call('POST', `/sandbox/wecom/__sim/corps/${wecomCorp}/callback`, { body: { url: wecom.body.callbackUrl } })).status).toBe(200);
  a.wecomRun = (await t.call('POST', '/api/admin/wecom/staff/sync', own)).body.id;
  await t.drain();
  a.wecomTag = (await t.call('POST', '/api/admin/wecom/tags', { ...own, body: { groupName: `${MARK} 渠道`, names: [`${MARK} 门店`] } })).body.tags[0].id;
  const wecomCode = await t.call('POST', '/api/admin/wecom/channel-codes', { ...own, body: { name: `${MARK} 活码`, mode: 'single', users: ['zhangsan'], tagIds: [a.wecomTag], welcome: { text: `${MARK} 欢迎` } } });
  a.wecomCode = wecomCode.body.id;
  const wecomContact = (await t.call('POST', `/sandbox/wecom/__sim/corps/${wecomCorp}/customers`, { body: { name: `${MARK} 客户` } })).body.external_userid as string;
  await t.call('POST', `/sandbox/wecom/__sim/corps/${wecomCorp}/scan`, { body: { config_id: wecomCode.body.configId, external_userid: wecomContact } });
  a.wecomRelation = await waitFor(async () => {
    await t.drain();
    return (await t.call('GET', '/api/admin/wecom/relations', own)).body.items[0]?.id as string | undefined;
  }, 'the WeCom relation');
  secrets.push(wecomCorp, wecomContact, wecomCode.body.state, wecomCode.body.configId);
  a.wecomContact = wecomContact;
  // A's follow-up on that relation, a reminder rule on A's category, and a reminder about c1.
  await t.call('POST', `/api/admin/wecom/relations/${a.wecomRelation}/followups`, { ...own, body: { text: `${MARK} 跟进`, stage: 'contacted' } });
  a.wecomRule = (await t.call('POST', '/api/admin/wecom/reminder-rules', { ...own, body: { name: `${MARK} 规则`, event: 'order.paid', categoryIds: [a.category], delayDays: 90, title: '提醒', text: `${MARK} {{name}}` } })).body.id;
  a.wecomReminder = (await t.call('POST', '/api/admin/wecom/reminders', { ...own, body: { customerId: c1.customerId, dueAt: new Date(Date.now() + 86_400_000).toISOString(), text: `${MARK} 回访` } })).body.id;
  // A's mass task to its tag (scheduled for tomorrow, so it stays cancellable) and a Moment.
  a.wecomMass = (await t.call('POST', '/api/admin/wecom/mass-tasks', { ...own, body: { name: `${MARK} 群发`, audience: { kind: 'tags', tagIds: [a.wecomTag] }, text: `${MARK} 群发`, sendAt: new Date(Date.now() + 86_400_000).toISOString() } })).body.id;
  a.wecomMoment = (await t.call('POST', '/api/admin/wecom/moments', { ...own, body: { text: `${MARK} 朋友圈`, userids: ['zhangsan'] } })).body.id;
  // A's customer group (made in WeCom, synced by its callback), a group code, a group welcome and a group SOP.
  a.wecomChat = (await t.call('POST', `/sandbox/wecom/__sim/corps/${wecomCorp}/groupchats`, { body: { owner: 'zhangsan', name: `${MARK} 群`, members: [wecomContact] } })).body.chat_id as string;
  await waitFor(async () => {
    await t.drain();
    return (await t.call('GET', `/api/admin/wecom/groups/${a.wecomChat}`, own)).status === 200;
  }, "A's customer group");
  secrets.push(a.wecomChat);
  a.wecomGroupCode = (await t.call('POST', '/api/admin/wecom/group-codes', { ...own, body: { name: `${MARK} 群码`, chatIds: [a.wecomChat], roomBaseName: `${MARK} 群` } })).body.id;
  a.wecomWelcome = (await t.call('POST', '/api/admin/wecom/group-welcomes', { ...own, body: { name: `${MARK} 欢迎`, text: `${MARK} 欢迎进群` } })).body.id;
  a.wecomSop = (await t.call('POST', '/api/admin/wecom/group-sops', { ...own, body: { name: `${MARK} SOP`, anchor: 'group_created', chatIds: [a.wecomChat], steps: [{ day: 1, time: '10:00', text: `${MARK} 第一天` }] } })).body.id;
  // A's handover of its customer to lisi (sent; WeCom's clock is not advanced, so it stays waiting).
  a.wecomHandover = (await t.call('POST', '/api/admin/wecom/handovers', { ...own, body: { handoverUserid: 'zhangsan', takeoverUserid: 'lisi', relationIds: [a.wecomRelation] } })).body.id;
  await t.drain();

  // Shop B: its own customer, address and product, so B-side calls are otherwise valid.
  cb = await signInCustomer(t, B.slug);
  bAddress = await addAddress(t, B.slug, cb);
  bSku = (await t.call('POST', '/api/admin/products', { session: B.owner, body: { title: 'B 的商品', status: 'on_sale', skus: [{ price: 900, stock: 10 }] } })).body.skus[0].id;
  const bOrder = await t.call('POST', store(B.slug, '/orders'), { headers: bearer(cb), body: { items: [{ skuId: bSku, quantity: 1 }], fulfilment: 'express', addressId: bAddress } });
  expect(bOrder.status).toBe(201);
  await payOrder(t, B.slug, cb, bOrder.body.id);
  bPaid = bOrder.body;

  secrets = [...secrets, MARK, A.shopId, A.slug, c1.customerId, c2.customerId, a.apiKeySecret, pending.id, pending.orderNo, pickup.id, pickup.orderNo,
    ...Object.values(a).filter((v): v is string => typeof v === 'string' && /^[0-9a-f-]{36}$/.test(v))];
}, 240_000);
afterAll(() => t?.close());

/** What shop A looks like to its owner and to c1: compared before and after B's attempts. */
async function snapshotA() {
  const get = async (path: string) => {
    const res = await rawCall(t, 'GET', path, { headers: staffHeaders(A.owner) });
    return [res.status, res.body];
  };
  const mine = async (path: string) => (await t.call('GET', store(A.slug, path), { headers: bearer(c1) })).body;
  const orders = [a.pending, a.paid, a.shipped, a.pickup, a.awaitingReturnOrder, a.returnedOrder, a.requestedOrder];
  const snap = {
    products: await Promise.all([a.product, a.draftProduct].map((id) => get(`/api/admin/products/${id}`))),
    categories: await get('/api/admin/categories'),
    media: await get('/api/admin/media'),
    import: await get(`/api/admin/catalog/imports/${a.import}`),
    ledger: await get(`/api/admin/skus/${a.sku}/stock-ledger`),
    templates: await get('/api/admin/shipping-templates'),
    pickupPoints: await get('/api/admin/pickup-points'),
    staff: await get('/api/admin/staff'),
    apiKeys: await get('/api/admin/api-keys'),
    customers: await Promise.all([c1, c2].map((c) => get(`/api/admin/customers/${c.customerId}`))),
    orders: await Promise.all(orders.map((id) => get(`/api/admin/orders/${id}`))),
    refunds: await get('/api/admin/refunds'),
    shop: await get('/api/admin/shop'),
    audit: await get('/api/admin/audit-log?limit=200'),
    dashboard: await get('/api/admin/dashboard'),
    coupons: await get('/api/admin/coupons'),
    activities: await get('/api/admin/activities'),
    pointsRules: await get('/api/admin/points/rules'),
    pointsMall: await get('/api/admin/points/mall'),
    flashSales: await get('/api/admin/flash-sales'),
    // serverTime is the clock (for countdowns), not A's data.
    flashSaleDetails: await Promise.all([a.flashSale, a.flashDraft].map(async (id) => { const [status, body] = await get(`/api/admin/flash-sales/${id}`); return [status, { ...body, serverTime: undefined }]; })),
    levels: await get('/api/admin/members/levels'),
    tags: await get('/api/admin/tags'),
    groups: await get('/api/admin/groups'),
    c1Tags: await get(`/api/admin/customers/${c1.customerId}/tags`),
    points: await Promise.all([c1, c2].map((c) => get(`/api/admin/customers/${c.customerId}/points`))),
    storedValue: await get(`/api/admin/customers/${c1.customerId}/stored-value`),
    memberCards: await get('/api/admin/member-cards'),
    presales: await get('/api/admin/presales'),
    groupBuys: await get('/api/admin/group-buys'),
    groupBuyGroups: await get(`/api/admin/group-buys/${a.groupBuy}/groups`),
    bargains: await get('/api/admin/bargains'),
    promoters: await get('/api/admin/promoters'),
    withdrawals: await get('/api/admin/withdrawals'),
    distributionSettings: await get('/api/admin/distribution/settings'),
    inviteSettings: await get('/api/admin/invitations/settings'),
    leaders: await get('/api/admin/leaders'),
    leaderSettlements: await get('/api/admin/leader-settlements'),
    presale: await get(`/api/admin/presales/${a.presale}`),
    myPresales: await mine('/me/presale-orders'),
    c1Card: await get(`/api/admin/customers/${c1.customerId}/member-card`),
    myCard: await mine('/me/member-card'),
    topupPlans: await get('/api/admin/stored-value/plans'),
    storedValueSettings: await get('/api/admin/stored-value/settings'),
    reviews: await get('/api/admin/reviews'),
    myBalance: await mine('/me/stored-value'),
    cart: await mine('/cart'),
    addresses: await mine('/me/addresses'),
    myOrders: await mine('/orders'),
    wecomCodes: await get('/api/admin/wecom/channel-codes'),
    wecomRelation: await get(`/api/admin/wecom/relations/${a.wecomRelation}`),
    wecomTags: await get('/api/admin/wecom/tags'),
    wecomFollowups: await get(`/api/admin/wecom/relations/${a.wecomRelation}/followups`),
    wecomRules: await get('/api/admin/wecom/reminder-rules'),
    wecomReminders: await get('/api/admin/wecom/reminders'),
    wecomMass: await get(`/api/admin/wecom/mass-tasks/${a.wecomMass}`),
    wecomMoments: await get('/api/admin/wecom/moments'),
    wecomGroupCodes: await get('/api/admin/wecom/group-codes'),
    wecomGroupWelcomes: await get('/api/admin/wecom/group-welcomes'),
    wecomGroupSops: await get('/api/admin/wecom/group-sops'),
  };
  // Activity stamps move on their own (a session in use); they are not A's data changing.
  return JSON.parse(JSON.stringify(snap, (k, v) => (/^last(Active|Used|Seen|SignIn)/.test(k) ? undefined : v)));
}

/** A corp's settings as its admin enters them: the simulator's secrets, Token and EncodingAESKey. */
const wecomSettings = (corpId: string) => ({
  corpId, contactSecret: WECOM_SANDBOX.contactSecret, agentId: WECOM_SANDBOX.agentId, agentSecret: WECOM_SANDBOX.agentSecret,
  callbackToken: WECOM_SANDBOX.token, encodingAesKey: WECOM_SANDBOX.encodingAesKey,
});

/** An analysis over the last month (A has events in it). */
const analysis = () => ({
  kind: 'funnel', from: new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10), to: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
  steps: [{ event: 'order_placed' }, { event: 'order_paid' }],
});
/** A call whose answer must name nothing of A's: a leak turns into a failing status for the walk. */
async function noLeak(call: Promise<{ status: number; body: unknown }>) {
  const res = await call;
  const found = leaks(JSON.stringify(res.body ?? ''));
  return found.length ? { status: 599, body: { leaked: found } } : res;
}

/** Names anything of A's found in an answer given to someone outside A (bar what the caller itself sent). */
function leaks(text: string, sent: unknown = ''): string[] {
  const echo = typeof sent === 'string' ? sent : JSON.stringify(sent);
  return secrets.filter((s) => text.includes(s) && !echo.includes(s));
}

const bOwner = () => staffHeaders(B.owner);
const isOk = (status: number) => status >= 200 && status < 300;

// ---------------------------------------------------------------------------------------------------
// Admin routes. `foreign`: the path names one of A's records (B must get 404). `ref`: the body names
// A's records (B must not succeed). `list`: B's answer must mention nothing of A's. `own`: a write
// that only ever touches the caller's shop (A must stay unchanged — checked by the snapshot).
type AdminCase =
  | { kind: 'foreign'; params: () => Record<string, string>; body?: () => unknown }
  | { kind: 'ref'; body: () => unknown; expect?: number[] }
  | { kind: 'list'; queries?: () => string[] }
  | { kind: 'own'; run: () => Promise<{ status: number }> };

const shipBody = () => ({ carrier: 'SF', trackingNo: 'SF0000000099' });
const templateBody = () => ({ name: 'B 改的模板', chargeBy: 'piece', rules: [{ regions: [], first: 1, firstFeeFen: 1, additional: 1, additionalFeeFen: 1 }], isDefault: true });
const productBody = (extra: Record<string, unknown> = {}) => ({ title: 'B 改的商品', status: 'on_sale', skus: [{ price: 1, stock: 1 }], ...extra });

const ADMIN: Record<string, AdminCase> = {
  'POST /api/admin/auth/sign-in': { kind: 'own', run: () => t.call('POST', '/api/admin/auth/sign-in', { body: { login: B.owner.login, password: B.owner.password } }) },
  // Signing out a session of B's (a fresh one, B's working session stays) must not end A's.
  'POST /api/admin/auth/sign-out': { kind: 'own', run: async () => t.call('POST', '/api/admin/auth/sign-out', { session: await t.signIn(B.owner.login, B.owner.password) }) },
  'GET /api/admin/auth/me': { kind: 'list' },
  'GET /api/admin/roles': { kind: 'list' },
  'GET /api/admin/staff': { kind: 'list' },
  'POST /api/admin/staff': { kind: 'own', run: () => t.call('POST', '/api/admin/staff', { session: B.owner, body: { login: `b-staff-${Date.now()}`, password: 'staff-password-1', displayName: 'B 员工', role: 'operator' } }) },
  'PATCH /api/admin/staff/{id}': { kind: 'foreign', params: () => ({ id: a.staff }), body: () => ({ displayName: 'B 改的', status: 'disabled', password: 'hijacked-pass-1' }) },
  'GET /api/admin/api-keys': { kind: 'list' },
  'POST /api/admin/api-keys': { kind: 'own', run: () => t.call('POST', '/api/admin/api-keys', { session: B.owner, body: { name: 'B key', role: 'operator' } }) },
  'DELETE /api/admin/api-keys/{id}': { kind: 'foreign', params: () => ({ id: a.apiKey }) },
  'GET /api/admin/shop': { kind: 'list' },
  'GET /api/admin/onboarding/checklist': { kind: 'list' },
  'PUT /api/admin/onboarding/checklist': { kind: 'own', run: () => t.call('PUT', '/api/admin/onboarding/checklist', { session: B.owner, body: { dismissed: true } }) },
  'PATCH /api/admin/shop': { kind: 'own', run: () => t.call('PATCH', '/api/admin/shop', { session: B.owner, body: { name: 'B 新名字', settings: { servicePhone: '0755-1' } } }) },
  'PUT /api/admin/shop/wechat': { kind: 'own', run: () => t.call('PUT', '/api/admin/shop/wechat', { session: B.owner, body: { appId: 'wx0123456789abcdef', appSecret: 'b-secret-0123456789' } }) },
  'PUT /api/admin/shop/wechat-pay': {
    kind: 'own',
    run: () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
      return t.call('PUT', '/api/admin/shop/wechat-pay', { session: B.owner, body: { mchId: '1900000109', appId: 'wx0123456789abcdef', serialNo: 'ABCDEF0123456789', privateKeyPem: privateKey, apiV3Key: 'b'.repeat(32), platformKeys: { PUB_KEY_ID_0000000001: publicKey } } });
    },
  },
  'GET /api/admin/audit-log': { kind: 'list' },
  'GET /api/admin/customers': { kind: 'list', queries: () => ['', `?q=${c1.phone}`] },
  'GET /api/admin/customers/{id}': { kind: 'foreign', params: () => ({ id: c1.customerId }) },
  'PATCH /api/admin/customers/{id}': { kind: 'foreign', params: () => ({ id: c1.customerId }), body: () => ({ nickname: 'B 改的', remark: 'B 改的' }) },
  'GET /api/admin/categories': { kind: 'list' },
  'POST /api/admin/categories': { kind: 'ref', body: () => ({ name: 'B 子分类', parentId: a.category }) },
  'PATCH /api/admin/categories/{id}': { kind: 'foreign', params: () => ({ id: a.category }), body: () => ({ name: 'B 改的' }) },
  'DELETE /api/admin/categories/{id}': { kind: 'foreign', params: () => ({ id: a.emptyCategory }) },
  'GET /api/admin/products': { kind: 'list', queries: () => ['', `?q=${MARK}`, `?categoryId=${a.category}`] },
  'GET /api/admin/products/export.xlsx': { kind: 'list', queries: () => ['', `?categoryId=${a.category}`] },
  'GET /api/admin/products/{id}': { kind: 'foreign', params: () => ({ id: a.product }) },
  'POST /api/admin/products': { kind: 'ref', body: () => productBody({ categoryId: a.category }) },
  'PUT /api/admin/products/{id}': { kind: 'foreign', params: () => ({ id: a.product }), body: () => productBody() },
  'POST /api/admin/products/bulk-status': { kind: 'ref', body: () => ({ ids: [a.product], status: 'off_shelf' }) },
  'DELETE /api/admin/products/{id}': { kind: 'foreign', params: () => ({ id: a.draftProduct }) },
  'POST /api/admin/skus/{id}/stock': { kind: 'foreign', params: () => ({ id: a.sku }), body: () => ({ available: 0, reason: 'B 盘点' }) },
  'GET /api/admin/skus/{id}/stock-ledger': { kind: 'foreign', params: () => ({ id: a.sku }) },
  'GET /api/admin/catalog/import-template.xlsx': { kind: 'list' },
  'POST /api/admin/catalog/imports': { kind: 'own', run: () => upload(t, '/api/admin/catalog/imports', B.owner, 'b.csv', '商品名称,售价(元)\nB 导入,1.00\n', 'text/csv') },
  'GET /api/admin/catalog/imports': { kind: 'list' },
  'GET /api/admin/catalog/imports/{id}': { kind: 'foreign', params: () => ({ id: a.import }) },
  'GET /api/admin/catalog/imports/{id}/errors.xlsx': { kind: 'foreign', params: () => ({ id: a.import }) },
  'POST /api/admin/media': { kind: 'own', run: () => upload(t, '/api/admin/media', B.owner, 'b.gif', Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(20)]), 'image/gif') },
  'GET /api/admin/media': { kind: 'list' },
  'DELETE /api/admin/media/{id}': { kind: 'foreign', params: () => ({ id: a.media }) },
  'GET /api/admin/orders': { kind: 'list', queries: () => ['', `?customerId=${c1.customerId}`, `?orderNo=${a.pendingNo}`, `?phone=${c1.phone}`] },
  'GET /api/admin/orders/export.xlsx': { kind: 'list', queries: () => ['', `?customerId=${c1.customerId}`] },
  'GET /api/admin/orders/{id}': { kind: 'foreign', params: () => ({ id: a.paid }) },
  'POST /api/admin/orders/{id}/ship': { kind: 'foreign', params: () => ({ id: a.paid }), body: shipBody },
  'POST /api/admin/orders/{id}/cancel': { kind: 'foreign', params: () => ({ id: a.pending }), body: () => ({ reason: 'B 取消' }) },
  'POST /api/admin/orders/pickup/lookup': { kind: 'ref', body: () => ({ code: a.pickupCode }), expect: [404] },
  'POST /api/admin/orders/pickup/verify': { kind: 'ref', body: () => ({ code: a.pickupCode }), expect: [404] },
  'POST /api/admin/orders/{id}/refunds': { kind: 'foreign', params: () => ({ id: a.paid }), body: () => ({ items: [{ orderItemId: a.paidItem, quantity: 1 }], reason: 'B 退款' }) },
  'GET /api/admin/refunds': { kind: 'list', queries: () => ['', '?status=requested', '?status=returned'] },
  'POST /api/admin/refunds/{id}/approve': { kind: 'foreign', params: () => ({ id: a.requested }) },
  'POST /api/admin/refunds/{id}/confirm-return': { kind: 'foreign', params: () => ({ id: a.returned }) },
  'POST /api/admin/refunds/{id}/reject': { kind: 'foreign', params: () => ({ id: a.requested }), body: () => ({ reason: 'B 拒绝' }) },
  'GET /api/admin/carriers': { kind: 'list' },
  'GET /api/admin/dashboard': { kind: 'list' },
  'GET /api/admin/shipping-templates': { kind: 'list' },
  'POST /api/admin/shipping-templates': { kind: 'own', run: () => t.call('POST', '/api/admin/shipping-templates', { session: B.owner, body: templateBody() }) },
  'PUT /api/admin/shipping-templates/{id}': { kind: 'foreign', params: () => ({ id: a.template }), body: templateBody },
  'DELETE /api/admin/shipping-templates/{id}': { kind: 'foreign', params: () => ({ id: a.template }) },
  'GET /api/admin/pickup-points': { kind: 'list' },
  'POST /api/admin/pickup-points': { kind: 'own', run: () => t.call('POST', '/api/admin/pickup-points', { session: B.owner, body: { name: 'B 店', address: 'B 地址' } }) },
  'PATCH /api/admin/pickup-points/{id}': { kind: 'foreign', params: () => ({ id: a.pickupPoint }), body: () => ({ name: 'B 改的', active: false }) },
  'GET /api/admin/coupons': { kind: 'list', queries: () => ['', `?q=${MARK}`] },
  'POST /api/admin/coupons': { kind: 'ref', body: () => ({ name: 'B 券', kind: 'gift', giftProductId: a.product, validity: { type: 'relative', days: 1 }, totalQuantity: 1 }) },
  'GET /api/admin/coupons/{id}': { kind: 'foreign', params: () => ({ id: a.coupon }) },
  'PATCH /api/admin/coupons/{id}': { kind: 'foreign', params: () => ({ id: a.coupon }), body: () => ({ name: 'B 改的', totalQuantity: 1000 }) },
  'POST /api/admin/coupons/{id}/{action}': { kind: 'foreign', params: () => ({ id: a.coupon, action: 'end' }) },
  'GET /api/admin/coupons/{id}/coupons': { kind: 'foreign', params: () => ({ id: a.coupon }) },
  'POST /api/admin/coupons/{id}/issue': { kind: 'foreign', params: () => ({ id: a.coupon }), body: () => ({ target: { type: 'segment', segment: 'all_customers' } }) },
  'GET /api/admin/coupons/{id}/batches': { kind: 'foreign', params: () => ({ id: a.coupon }) },
  'GET /api/admin/coupon-batches/{id}': { kind: 'foreign', params: () => ({ id: a.couponBatch }) },
  'GET /api/admin/coupon-packs': { kind: 'list' },
  'POST /api/admin/coupon-packs': { kind: 'ref', body: () => ({ name: 'B 礼包', items: [{ templateId: a.coupon, quantity: 1 }] }) },
  'PATCH /api/admin/coupon-packs/{id}': { kind: 'foreign', params: () => ({ id: a.couponPack }), body: () => ({ name: 'B 改的', items: [{ templateId: a.coupon, quantity: 2 }] }) },
  'DELETE /api/admin/coupon-packs/{id}': { kind: 'foreign', params: () => ({ id: a.couponPack }) },
  'GET /api/admin/coupon-gifts': { kind: 'list' },
  // B's gift rule naming A's pack.
  'PUT /api/admin/coupon-gifts/{kind}': { kind: 'foreign', params: () => ({ kind: 'new_customer' }), body: () => ({ enabled: true, packId: a.couponPack }) },
  'GET /api/admin/activities': { kind: 'list', queries: () => ['', `?q=${MARK}`, '?status=running'] },
  'POST /api/admin/activities': { kind: 'ref', body: () => ({ kind: 'limited_discount', name: 'B 限时', startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString(), rules: { items: [{ productId: a.product, percentPaid: 50 }] } }) },
  'GET /api/admin/activities/{id}': { kind: 'foreign', params: () => ({ id: a.activity }) },
  'PUT /api/admin/activities/{id}': { kind: 'foreign', params: () => ({ id: a.activity }), body: () => ({ kind: 'limited_discount', name: 'B 改的', startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString(), rules: { items: [{ productId: bSku, percentPaid: 50 }] } }) },
  'POST /api/admin/activities/{id}/{action}': { kind: 'foreign', params: () => ({ id: a.activity, action: 'end' }) },
  'GET /api/admin/points/rules': { kind: 'list' },
  'PUT /api/admin/points/rules': { kind: 'own', run: () => t.call('PUT', '/api/admin/points/rules', { session: B.owner, body: { enabled: true, earnPerYuan: 2, signupPoints: 0, checkinPoints: 1, checkinStreakBonus: [], pointsPerYuan: 100, maxDeductPercent: 10, expiry: 'never', expiryDays: null } }) },
  'GET /api/admin/customers/{id}/points': { kind: 'foreign', params: () => ({ id: c1.customerId }) },
  'POST /api/admin/customers/{id}/points/adjust': { kind: 'foreign', params: () => ({ id: c1.customerId }), body: () => ({ delta: 100000, reason: 'B 加的' }) },
  'GET /api/admin/members/levels': { kind: 'list' },
  // B's levels with a monthly pack of A's: refused, and A's levels untouched (snapshot).
  'PUT /api/admin/members/levels': { kind: 'ref', body: () => ({ metric: 'spend', period: 'all', levels: [{ rank: 1, name: 'B 银卡', threshold: 1, percentPaid: null, freeShipping: false, monthlyPackId: a.couponPack }] }) },
  'GET /api/admin/customers/{id}/level': { kind: 'foreign', params: () => ({ id: c1.customerId }) },
  'GET /api/admin/tags': { kind: 'list' },
  'POST /api/admin/tags': { kind: 'ref', body: () => ({ name: 'B 自动', kind: 'auto', rule: { type: 'bought_category', categoryId: a.category } }) },
  'PUT /api/admin/tags/{id}': { kind: 'foreign', params: () => ({ id: a.tag }), body: () => ({ name: 'B 改的', kind: 'manual' }) },
  'DELETE /api/admin/tags/{id}': { kind: 'foreign', params: () => ({ id: a.tag }) },
  'GET /api/admin/customers/{id}/tags': { kind: 'foreign', params: () => ({ id: c1.customerId }) },
  'PUT /api/admin/customers/{id}/tags': { kind: 'foreign', params: () => ({ id: c1.customerId }), body: () => ({ tagIds: [] }) },
  'GET /api/admin/groups': { kind: 'list' },
  'POST /api/admin/groups': { kind: 'ref', body: () => ({ name: 'B 分组', kind: 'dynamic', conditions: { tagIds: [a.tag] } }) },
  'POST /api/admin/groups/estimate': { kind: 'ref', body: () => ({ rule: { op: 'and', items: [{ type: 'tag', tagIds: [a.tag] }] } }) },
  'GET /api/admin/groups/{id}/changes': { kind: 'foreign', params: () => ({ id: a.group }) },
  'GET /api/admin/groups/{id}': { kind: 'foreign', params: () => ({ id: a.group }) },
  'PUT /api/admin/groups/{id}': { kind: 'foreign', params: () => ({ id: a.group }), body: () => ({ name: 'B 改的', kind: 'static' }) },
  'DELETE /api/admin/groups/{id}': { kind: 'foreign', params: () => ({ id: a.group }) },
  'GET /api/admin/groups/{id}/members': { kind: 'foreign', params: () => ({ id: a.group }) },
  'POST /api/admin/groups/{id}/members': { kind: 'foreign', params: () => ({ id: a.group }), body: () => ({ customerIds: [cb.customerId] }) },
  'POST /api/admin/groups/{id}/members/remove': { kind: 'foreign', params: () => ({ id: a.group }), body: () => ({ customerIds: [c1.customerId] }) },
  'GET /api/admin/groups/{id}/export.xlsx': { kind: 'foreign', params: () => ({ id: a.group }) },
  'GET /api/admin/points/mall': { kind: 'list' },
  'POST /api/admin/points/mall': { kind: 'ref', body: () => ({ title: 'B 兑换', couponTemplateId: a.coupon, points: 1, stock: 1 }) },
  'PUT /api/admin/points/mall/{id}': { kind: 'foreign', params: () => ({ id: a.mallItem }), body: () => ({ title: 'B 改的', couponTemplateId: a.coupon, points: 1, stock: 999 }) },
  'GET /api/admin/flash-sales': { kind: 'list', queries: () => ['', `?q=${MARK}`, '?status=published'] },
  'POST /api/admin/flash-sales': { kind: 'ref', body: () => ({ name: 'B 秒杀', perCustomerLimit: 1, sessions: [{ startsAt: new Date(Date.now() + 3600_000), endsAt: new Date(Date.now() + 7200_000), items: [{ skuId: a.sku, priceFen: 1, stock: 1 }] }] }) },
  'GET /api/admin/flash-sales/{id}': { kind: 'foreign', params: () => ({ id: a.flashSale }) },
  'PUT /api/admin/flash-sales/{id}': { kind: 'foreign', params: () => ({ id: a.flashDraft }), body: () => ({ name: 'B 改的', perCustomerLimit: 1, sessions: [{ startsAt: new Date(Date.now() + 3600_000), endsAt: new Date(Date.now() + 7200_000), items: [{ skuId: bSku, priceFen: 1, stock: 1 }] }] }) },
  'DELETE /api/admin/flash-sales/{id}': { kind: 'foreign', params: () => ({ id: a.flashDraft }) },
  'POST /api/admin/flash-sales/{id}/publish': { kind: 'foreign', params: () => ({ id: a.flashDraft }) },
  'POST /api/admin/flash-sales/{id}/end': { kind: 'foreign', params: () => ({ id: a.flashSale }) },
  'GET /api/admin/flash-sales/{id}/live': { kind: 'foreign', params: () => ({ id: a.flashSale }) },
  'GET /api/admin/reviews': { kind: 'list', queries: () => ['', `?productId=${a.product}`, '?rating=5'] },
  // Analyses are reads sent as POST: B's answers must name nothing of A's.
  'POST /api/admin/analytics/query': { kind: 'own', run: () => noLeak(t.call('POST', '/api/admin/analytics/query', { session: B.owner, body: analysis() })) },
  'POST /api/admin/analytics/people': { kind: 'own', run: () => noLeak(t.call('POST', '/api/admin/analytics/people', { session: B.owner, body: { query: analysis(), select: { kind: 'funnel_step', step: 0 } } })) },
  'POST /api/admin/analytics/people/group': { kind: 'own', run: () => noLeak(t.call('POST', '/api/admin/analytics/people/group', { session: B.owner, body: { query: analysis(), select: { kind: 'funnel_step', step: 0 }, name: 'B 的人' } })) },
  'POST /api/admin/analytics/export': { kind: 'own', run: () => noLeak(t.call('POST', '/api/admin/analytics/export', { session: B.owner, body: { query: analysis() } })) },
  'GET /api/admin/analytics/events': { kind: 'list' },
  'GET /api/admin/analytics/properties': { kind: 'list', queries: () => ['?event=order_paid'] },
  'GET /api/admin/analytics/dashboard': { kind: 'list', queries: () => [`?from=${analysis().from}&to=${analysis().to}`] },
  'GET /api/admin/analytics/status': { kind: 'list' },
  'GET /api/admin/analytics/insights': { kind: 'list' },
  'GET /api/admin/experiments': { kind: 'list' },
  'POST /api/admin/experiments': { kind: 'own', run: () => t.call('POST', '/api/admin/experiments', { session: B.owner, body: experimentBody('b_own', 'B 实验') }) },
  'GET /api/admin/experiments/{id}': { kind: 'foreign', params: () => ({ id: a.experiment }) },
  'PUT /api/admin/experiments/{id}': { kind: 'foreign', params: () => ({ id: a.experiment }), body: () => experimentBody('b_changed', 'B 改的') },
  'POST /api/admin/experiments/{id}/start': { kind: 'foreign', params: () => ({ id: a.experiment }) },
  'POST /api/admin/experiments/{id}/stop': { kind: 'foreign', params: () => ({ id: a.experiment }), body: () => ({ ship: null }) },
  'GET /api/admin/experiments/{id}/results': { kind: 'foreign', params: () => ({ id: a.experiment }) },
  'POST /api/admin/analytics/insights': { kind: 'own', run: () => t.call('POST', '/api/admin/analytics/insights', { session: B.owner, body: { name: 'B 的洞察', query: analysis(), pinned: false } }) },
  'PUT /api/admin/analytics/insights/{id}': { kind: 'foreign', params: () => ({ id: a.insight }), body: () => ({ name: 'B 改的', query: analysis(), pinned: false }) },
  'DELETE /api/admin/analytics/insights/{id}': { kind: 'foreign', params: () => ({ id: a.insight }) },
  'GET /api/admin/analytics/write-keys': { kind: 'list' },
  'POST /api/admin/analytics/write-keys': { kind: 'own', run: () => t.call('POST', '/api/admin/analytics/write-keys', { session: B.owner, body: { name: 'B 的数据源' } }) },
  'DELETE /api/admin/analytics/write-keys/{id}': { kind: 'foreign', params: () => ({ id: a.writeKey }) },
  'GET /api/admin/customers/{id}/profile': { kind: 'foreign', params: () => ({ id: c1.customerId }) },
  'GET /api/admin/customers/{id}/events': { kind: 'foreign', params: () => ({ id: c1.customerId }) },
  'GET /api/admin/customers/{id}/groups': { kind: 'foreign', params: () => ({ id: c1.customerId }) },
  'GET /api/admin/customers/{id}/coupons': { kind: 'foreign', params: () => ({ id: c1.customerId }) },
  'PATCH /api/admin/reviews/{id}': { kind: 'foreign', params: () => ({ id: a.review }), body: () => ({ status: 'hidden' }) },
  'GET /api/admin/stored-value/settings': { kind: 'list' },
  'PUT /api/admin/stored-value/settings': { kind: 'own', run: () => t.call('PUT', '/api/admin/stored-value/settings', { session: B.owner, body: { enabled: true, customAmountEnabled: true, minCustomFen: 100, maxCustomFen: 100000, terms: 'B' } }) },
  'GET /api/admin/stored-value/overview': { kind: 'list' },
  'GET /api/admin/stored-value/plans': { kind: 'list' },
  'POST /api/admin/stored-value/plans': { kind: 'own', run: () => t.call('POST', '/api/admin/stored-value/plans', { session: B.owner, body: { name: 'B 充值', amountFen: 100, bonusFen: 0 } }) },
  'PUT /api/admin/stored-value/plans/{id}': { kind: 'foreign', params: () => ({ id: a.topupPlan }), body: () => ({ name: 'B 改的', amountFen: 1, bonusFen: 99999 }) },
  'DELETE /api/admin/stored-value/plans/{id}': { kind: 'foreign', params: () => ({ id: a.topupPlan }) },
  'GET /api/admin/stored-value/statement': { kind: 'list', queries: () => ['', `?phone=${c1.phone}`, '?kind=topup'] },
  'GET /api/admin/stored-value/statement.xlsx': { kind: 'list', queries: () => ['', '?kind=topup'] },
  'GET /api/admin/customers/{id}/stored-value': { kind: 'foreign', params: () => ({ id: c1.customerId }) },
  'GET /api/admin/presales': { kind: 'list' },
  'POST /api/admin/presales': { kind: 'ref', body: () => ({ name: 'B 预售', productId: a.presaleProduct, depositStartsAt: new Date(Date.now() + 86_400_000 * 10).toISOString(), depositEndsAt: new Date(Date.now() + 86_400_000 * 11).toISOString(), balanceStartsAt: new Date(Date.now() + 86_400_000 * 12).toISOString(), balanceEndsAt: new Date(Date.now() + 86_400_000 * 13).toISOString(), items: [{ skuId: a.sku, depositFen: 1, deductFen: 1 }] }) },
  'GET /api/admin/presales/{id}': { kind: 'foreign', params: () => ({ id: a.presale }) },
  'POST /api/admin/presales/{id}/end': { kind: 'foreign', params: () => ({ id: a.presale }) },
  'GET /api/admin/group-buys': { kind: 'list' },
  'POST /api/admin/group-buys': { kind: 'ref', body: () => ({ name: 'B 拼团', productId: a.groupBuyProduct, startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 86_400_000).toISOString(), groupSize: 2, durationMinutes: 60, items: [{ skuId: a.sku, groupPriceFen: 1 }] }) },
  'GET /api/admin/group-buys/{id}': { kind: 'foreign', params: () => ({ id: a.groupBuy }) },
  'GET /api/admin/group-buys/{id}/groups': { kind: 'foreign', params: () => ({ id: a.groupBuy }) },
  'POST /api/admin/group-buys/{id}/end': { kind: 'foreign', params: () => ({ id: a.groupBuy }) },
  'GET /api/admin/bargains': { kind: 'list' },
  'POST /api/admin/bargains': { kind: 'ref', body: () => ({ name: 'B 砍价', productId: a.bargainProduct, skuId: a.sku, startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 86_400_000).toISOString(), floorPriceFen: 1, helpersNeeded: 2, stock: 1 }) },
  'GET /api/admin/bargains/{id}': { kind: 'foreign', params: () => ({ id: a.bargain }) },
  'POST /api/admin/bargains/{id}/end': { kind: 'foreign', params: () => ({ id: a.bargain }) },
  'GET /api/admin/invitations/settings': { kind: 'list' },
  'PUT /api/admin/invitations/settings': { kind: 'own', run: () => t.call('PUT', '/api/admin/invitations/settings', { session: B.owner, body: { enabled: false, newCustomer: 'never_paid', newAccountHours: 24, trigger: 'registered', attributionDays: 7, inviterCouponTemplateId: null, inviterPoints: 0, inviteeCouponTemplateId: null, inviteePoints: 0, inviterDailyCap: 1 } }) },
  'GET /api/admin/invitations': { kind: 'list' },
  'GET /api/admin/invitations/overview': { kind: 'list' },
  'GET /api/admin/invitations/payouts': { kind: 'list', queries: () => ['', '?status=wait_confirm'] },
  'GET /api/admin/distribution/settings': { kind: 'list' },
  'PUT /api/admin/distribution/settings': { kind: 'own', run: async () => t.call('PUT', '/api/admin/distribution/settings', { session: B.owner, body: (await t.call('GET', '/api/admin/distribution/settings', { session: B.owner })).body }) },
  'GET /api/admin/distribution/overview': { kind: 'list' },
  'GET /api/admin/distribution/products/{productId}': { kind: 'foreign', params: () => ({ productId: a.product }) },
  'PUT /api/admin/distribution/products/{productId}': { kind: 'foreign', params: () => ({ productId: a.product }), body: () => ({ mode: 'percent', level1: 100, level2: 50 }) },
  'GET /api/admin/promoters': { kind: 'list' },
  'GET /api/admin/distribution/products': { kind: 'list' },
  'DELETE /api/admin/distribution/products/{productId}': { kind: 'foreign', params: () => ({ productId: a.product }) },
  'GET /api/admin/promoters/{customerId}/team': { kind: 'foreign', params: () => ({ customerId: c1.customerId }) },
  'GET /api/admin/promoters/{customerId}': { kind: 'foreign', params: () => ({ customerId: c1.customerId }) },
  'POST /api/admin/promoters/{customerId}/approve': { kind: 'foreign', params: () => ({ customerId: c1.customerId }) },
  'POST /api/admin/promoters/{customerId}/reject': { kind: 'foreign', params: () => ({ customerId: c1.customerId }), body: () => ({ reason: 'B' }) },
  'POST /api/admin/promoters/{customerId}/disable': { kind: 'foreign', params: () => ({ customerId: c1.customerId }) },
  'GET /api/admin/commissions': { kind: 'list' },
  'GET /api/admin/withdrawals': { kind: 'list' },
  'POST /api/admin/withdrawals/{id}/approve': { kind: 'foreign', params: () => ({ id: a.withdrawal }) },
  'POST /api/admin/withdrawals/{id}/reject': { kind: 'foreign', params: () => ({ id: a.withdrawal }), body: () => ({ reason: 'B' }) },
  'GET /api/admin/leaders/settings': { kind: 'list' },
  'PUT /api/admin/leaders/settings': { kind: 'own', run: () => t.call('PUT', '/api/admin/leaders/settings', { session: B.owner, body: { enabled: false, commissionBp: 100, cutoffTime: '20:00', pickupAfterDays: 0, autoApprove: true } }) },
  'GET /api/admin/leaders/overview': { kind: 'list' },
  'GET /api/admin/leaders': { kind: 'list' },
  'GET /api/admin/leaders/{customerId}': { kind: 'foreign', params: () => ({ customerId: c1.customerId }) },
  'POST /api/admin/leaders/{customerId}/approve': { kind: 'foreign', params: () => ({ customerId: c1.customerId }) },
  'POST /api/admin/leaders/{customerId}/reject': { kind: 'foreign', params: () => ({ customerId: c1.customerId }), body: () => ({ reason: 'B' }) },
  'POST /api/admin/leaders/{customerId}/disable': { kind: 'foreign', params: () => ({ customerId: c1.customerId }) },
  'GET /api/admin/leaders/{customerId}/pick-list': { kind: 'foreign', params: () => ({ customerId: c1.customerId }) },
  'GET /api/admin/leaders/{customerId}/pick-list.xlsx': { kind: 'foreign', params: () => ({ customerId: c1.customerId }) },
  'GET /api/admin/leader-settlements': { kind: 'list' },
  'GET /api/admin/leader-settlements.xlsx': { kind: 'list' },
  'POST /api/admin/leader-settlements/run': { kind: 'own', run: () => t.call('POST', '/api/admin/leader-settlements/run', { session: B.owner, body: { periodTo: new Date().toISOString().slice(0, 10) } }) },
  'GET /api/admin/leader-settlements/{id}/commissions': { kind: 'foreign', params: () => ({ id: a.settlement }) },
  'POST /api/admin/leader-settlements/{id}/paid': { kind: 'foreign', params: () => ({ id: a.settlement }), body: () => ({}) },
  'GET /api/admin/member-cards': { kind: 'list' },
  'POST /api/admin/member-cards': { kind: 'ref', body: () => ({ name: 'B 卡', periodKind: 'month', priceFen: 100, percentPaid: null, freeShipping: false, monthlyCouponTemplateId: a.coupon }) },
  'PUT /api/admin/member-cards/{id}': { kind: 'foreign', params: () => ({ id: a.cardPlan }), body: () => ({ name: 'B 改的', periodKind: 'year', priceFen: 1, percentPaid: 1, freeShipping: true, monthlyCouponTemplateId: null }) },
  'GET /api/admin/customers/{id}/member-card': { kind: 'foreign', params: () => ({ id: c1.customerId }) },
  'POST /api/admin/customers/{id}/member-card/grant': { kind: 'foreign', params: () => ({ id: c1.customerId }), body: () => ({ planId: a.cardPlan, days: 365, reason: 'B 送的' }) },
  'POST /api/admin/customers/{id}/stored-value/adjust': { kind: 'foreign', params: () => ({ id: c1.customerId }), body: () => ({ principalDeltaFen: 100000, bonusDeltaFen: 0, reason: 'B 加钱' }) },
  'GET /api/admin/messaging/channels': { kind: 'list' },
  'PUT /api/admin/messaging/channels/oa': { kind: 'own', run: () => t.call('PUT', '/api/admin/messaging/channels/oa', { session: B.owner, body: { name: 'B 公众号', appId: 'wxsandboxmp0000002', appSecret: 'sandbox-mp-secret-2', token: 'btoken', encodingAesKey: 'b'.repeat(43) } }) },
  'PUT /api/admin/messaging/channels/mini': { kind: 'own', run: () => t.call('PUT', '/api/admin/messaging/channels/mini', { session: B.owner, body: { name: 'B 小程序', appId: 'wxsandboxmini00001', appSecret: 'sandbox-mini-secret' } }) },
  'PUT /api/admin/messaging/channels/sms': { kind: 'own', run: () => t.call('PUT', '/api/admin/messaging/channels/sms', { session: B.owner, body: { vendor: 'aliyun', accessKeyId: 'LTAIsandbox', accessKeySecret: 'sandbox-aliyun-secret', sdkAppId: null, signName: 'B店' } }) },
  'POST /api/admin/messaging/channels/oa/test': { kind: 'own', run: () => noLeak(t.call('POST', '/api/admin/messaging/channels/oa/test', { session: B.owner })) },
  'POST /api/admin/messaging/channels/sms/test': { kind: 'own', run: () => noLeak(t.call('POST', '/api/admin/messaging/channels/sms/test', { session: B.owner })) },
  'POST /api/admin/messaging/channels/mini/test': { kind: 'own', run: () => noLeak(t.call('POST', '/api/admin/messaging/channels/mini/test', { session: B.owner })) },
  'POST /api/admin/messaging/channels/oa/sync-followers': { kind: 'own', run: () => noLeak(t.call('POST', '/api/admin/messaging/channels/oa/sync-followers', { session: B.owner })) },
  'PUT /api/admin/messaging/channels/oa/menu': { kind: 'own', run: () => noLeak(t.call('PUT', '/api/admin/messaging/channels/oa/menu', { session: B.owner, body: { button: [{ type: 'click', name: 'B', key: 'b' }] } })) },
  'GET /api/admin/messaging/budget': { kind: 'list' },
  'PUT /api/admin/messaging/budget': { kind: 'own', run: () => t.call('PUT', '/api/admin/messaging/budget', { session: B.owner, body: { daily: { total: 1, mini_subscribe: null, oa_template: 1, sms: 1, wecom: 1 }, weekly: { total: 2, mini_subscribe: null, oa_template: 2, sms: 1, wecom: 1 }, quietStart: 1320, quietEnd: 480 } }) },
  'GET /api/admin/messaging/templates': { kind: 'list' },
  'POST /api/admin/messaging/templates': { kind: 'own', run: () => t.call('POST', '/api/admin/messaging/templates', { session: B.owner, body: { name: 'B 模板', topic: 'order_shipped', channel: 'sms', vendorTemplateId: '1000002', content: '{1}{2}{3}', fields: [{ key: '1', value: '{{orderNo}}' }, { key: '2', value: '{{carrier}}' }, { key: '3', value: '{{trackingNo}}' }] } }) },
  'PUT /api/admin/messaging/templates/{id}': { kind: 'foreign', params: () => ({ id: a.msgTemplate }), body: () => ({ name: 'B 改的', topic: 'order_shipped', channel: 'sms', vendorTemplateId: '1000002', content: '{1}', fields: [{ key: '1', value: '{{orderNo}}' }] }) },
  'DELETE /api/admin/messaging/templates/{id}': { kind: 'foreign', params: () => ({ id: a.msgTemplate }) },
  'POST /api/admin/messaging/templates/{id}/preview': { kind: 'foreign', params: () => ({ id: a.msgTemplate }), body: () => ({}) },
  'POST /api/admin/messaging/templates/import': { kind: 'own', run: () => noLeak(t.call('POST', '/api/admin/messaging/templates/import', { session: B.owner, body: { channel: 'oa_template' } })) },
  'GET /api/admin/messaging/vendor-templates': { kind: 'own', run: () => noLeak(t.call('GET', '/api/admin/messaging/vendor-templates?channel=oa_template', { session: B.owner })) },
  'GET /api/admin/messaging/qr-codes': { kind: 'list' },
  'POST /api/admin/messaging/qr-codes': { kind: 'ref', body: () => ({ name: 'B 码', kind: 'temporary', tagIds: [a.tag] }) },
  'GET /api/admin/messaging/qr-codes/{id}/image': { kind: 'foreign', params: () => ({ id: a.qrCode }) },
  'GET /api/admin/messaging/auto-replies': { kind: 'list' },
  'POST /api/admin/messaging/auto-replies': { kind: 'own', run: () => t.call('POST', '/api/admin/messaging/auto-replies', { session: B.owner, body: { kind: 'follow', reply: 'B 欢迎' } }) },
  'PUT /api/admin/messaging/auto-replies/{id}': { kind: 'foreign', params: () => ({ id: a.msgReply }), body: () => ({ kind: 'keyword', keyword: 'B', reply: 'B 改的' }) },
  'DELETE /api/admin/messaging/auto-replies/{id}': { kind: 'foreign', params: () => ({ id: a.msgReply }) },
  'GET /api/admin/messaging/followers': { kind: 'list' },
  'GET /api/admin/messaging/deliveries': { kind: 'list', queries: () => ['', `?customerId=${c1.customerId}`, `?broadcastId=${a.broadcast}`] },
  'GET /api/admin/customers/{id}/messages': { kind: 'foreign', params: () => ({ id: c1.customerId }) },
  'GET /api/admin/messaging/broadcasts': { kind: 'list' },
  'POST /api/admin/messaging/broadcasts': { kind: 'ref', body: () => ({ name: 'B 群发', audience: { kind: 'all' }, channels: ['sms'], templateIds: { sms: a.msgTemplate } }) },
  'GET /api/admin/messaging/broadcasts/{id}': { kind: 'foreign', params: () => ({ id: a.broadcast }) },
  'POST /api/admin/messaging/broadcasts/{id}/estimate': { kind: 'foreign', params: () => ({ id: a.broadcast }) },
  'POST /api/admin/messaging/broadcasts/{id}/start': { kind: 'foreign', params: () => ({ id: a.broadcast }) },
  'POST /api/admin/messaging/broadcasts/{id}/pause': { kind: 'foreign', params: () => ({ id: a.broadcast }) },
  'POST /api/admin/messaging/broadcasts/{id}/resume': { kind: 'foreign', params: () => ({ id: a.broadcast }) },
  'POST /api/admin/messaging/broadcasts/{id}/cancel': { kind: 'foreign', params: () => ({ id: a.broadcast }) },
  'GET /api/admin/messaging/broadcasts/{id}/result': { kind: 'foreign', params: () => ({ id: a.broadcast }) },
  'GET /api/admin/journeys': { kind: 'list' },
  'GET /api/admin/journeys/playbooks': { kind: 'list' },
  'POST /api/admin/journeys': { kind: 'ref', body: () => journeyBody('B 旅程', a.coupon) },
  'POST /api/admin/journeys/from-playbook': { kind: 'own', run: () => t.call('POST', '/api/admin/journeys/from-playbook', { session: B.owner, body: { key: 'abandoned_cart' } }) },
  'GET /api/admin/journeys/{id}': { kind: 'foreign', params: () => ({ id: a.journey }) },
  'PUT /api/admin/journeys/{id}': { kind: 'foreign', params: () => ({ id: a.journey }), body: () => journeyBody('B 改的', a.coupon) },
  'POST /api/admin/journeys/{id}/publish': { kind: 'foreign', params: () => ({ id: a.journey }) },
  'POST /api/admin/journeys/{id}/pause': { kind: 'foreign', params: () => ({ id: a.journey }) },
  'POST /api/admin/journeys/{id}/resume': { kind: 'foreign', params: () => ({ id: a.journey }) },
  'POST /api/admin/journeys/{id}/end': { kind: 'foreign', params: () => ({ id: a.journey }) },
  'GET /api/admin/journeys/{id}/stats': { kind: 'foreign', params: () => ({ id: a.journey }) },
  'POST /api/admin/journeys/{id}/test-run': { kind: 'foreign', params: () => ({ id: a.journey }), body: () => ({ customerId: c1.customerId }) },
  // B connects a corp of its own (a fresh simulated one) first; its later calls go to that corp only.
  'PUT /api/admin/wecom/settings': { kind: 'own', run: async () => t.call('PUT', '/api/admin/wecom/settings', { session: B.owner, body: wecomSettings((await t.call('POST', '/sandbox/wecom/__sim/corps', { body: {} })).body.corpId) }) },
  'GET /api/admin/wecom/settings': { kind: 'list' },
  'POST /api/admin/wecom/settings/test': { kind: 'own', run: () => noLeak(t.call('POST', '/api/admin/wecom/settings/test', { session: B.owner })) },
  'POST /api/admin/wecom/staff/sync': { kind: 'own', run: () => noLeak(t.call('POST', '/api/admin/wecom/staff/sync', { session: B.owner })) },
  'GET /api/admin/wecom/sync-runs/{id}': { kind: 'foreign', params: () => ({ id: a.wecomRun }) },
  'GET /api/admin/wecom/staff': { kind: 'list' },
  'GET /api/admin/wecom/departments': { kind: 'list' },
  'GET /api/admin/wecom/tags': { kind: 'list' },
  'POST /api/admin/wecom/tags': { kind: 'own', run: () => noLeak(t.call('POST', '/api/admin/wecom/tags', { session: B.owner, body: { groupName: 'B 渠道', names: ['B 门店'] } })) },
  'POST /api/admin/wecom/tags/sync': { kind: 'own', run: () => noLeak(t.call('POST', '/api/admin/wecom/tags/sync', { session: B.owner })) },
  'GET /api/admin/wecom/relations': { kind: 'list', queries: () => ['', `?channelCodeId=${a.wecomCode}`, `?customerId=${c1.customerId}`, `?tag=${a.wecomTag}`, '?staff=zhangsan'] },
  'GET /api/admin/wecom/relations/{id}': { kind: 'foreign', params: () => ({ id: a.wecomRelation }) },
  'PATCH /api/admin/wecom/relations/{id}': { kind: 'foreign', params: () => ({ id: a.wecomRelation }), body: () => ({ stage: 'lost', remark: 'B 改的' }) },
  'POST /api/admin/wecom/relations/{id}/tags': { kind: 'foreign', params: () => ({ id: a.wecomRelation }), body: () => ({ add: [], remove: [a.wecomTag] }) },
  'GET /api/admin/wecom/channel-codes': { kind: 'list' },
  // A code of B's welcoming with A's coupon and A's corp tag.
  'POST /api/admin/wecom/channel-codes': { kind: 'ref', body: () => ({ name: 'B 活码', mode: 'single', users: ['zhangsan'], tagIds: [a.wecomTag], welcome: { text: 'B', couponTemplateId: a.coupon } }) },
  'GET /api/admin/wecom/channel-codes/{id}': { kind: 'foreign', params: () => ({ id: a.wecomCode }) },
  'PUT /api/admin/wecom/channel-codes/{id}': { kind: 'foreign', params: () => ({ id: a.wecomCode }), body: () => ({ name: 'B 改的', mode: 'single', users: ['lisi'] }) },
  'DELETE /api/admin/wecom/channel-codes/{id}': { kind: 'foreign', params: () => ({ id: a.wecomCode }) },
  'GET /api/admin/wecom/channel-codes/{id}/stats': { kind: 'foreign', params: () => ({ id: a.wecomCode }) },
  'POST /api/admin/wecom/handovers': { kind: 'ref', body: () => ({ handoverUserid: 'zhangsan', takeoverUserid: 'lisi', relationIds: [a.wecomRelation] }) },
  'GET /api/admin/wecom/handovers': { kind: 'list', queries: () => ['', '?staff=zhangsan', '?status=waiting'] },
  // These two ask WeCom, so they need B's corp (connected by B's own walk above): walked with B's writes.
  'GET /api/admin/wecom/handovers/groups': { kind: 'own', run: () => noLeak(t.call('GET', '/api/admin/wecom/handovers/groups?owner=zhangsan', { session: B.owner })) },
  'GET /api/admin/wecom/handovers/{id}': { kind: 'foreign', params: () => ({ id: a.wecomHandover }) },
  'GET /api/admin/wecom/unassigned': { kind: 'own', run: () => noLeak(t.call('GET', '/api/admin/wecom/unassigned', { session: B.owner })) },
  // A's customer named as an unassigned one of B's: B does not know it, so nothing is handed over.
  'POST /api/admin/wecom/unassigned/assign': { kind: 'ref', body: () => ({ takeoverUserid: 'lisi', items: [{ handoverUserid: 'zhangsan', externalUserid: a.wecomContact }] }) },
  'GET /api/admin/wecom/relations/{id}/followups': { kind: 'foreign', params: () => ({ id: a.wecomRelation }) },
  'POST /api/admin/wecom/relations/{id}/followups': { kind: 'foreign', params: () => ({ id: a.wecomRelation }), body: () => ({ text: 'B 跟进', stage: 'lost' }) },
  'GET /api/admin/wecom/reminder-rules': { kind: 'list' },
  'POST /api/admin/wecom/reminder-rules': { kind: 'ref', body: () => ({ name: 'B 规则', event: 'order.paid', categoryIds: [a.category], delayDays: 1, title: 'B', text: 'B' }) },
  'GET /api/admin/wecom/reminder-rules/{id}': { kind: 'foreign', params: () => ({ id: a.wecomRule }) },
  'PUT /api/admin/wecom/reminder-rules/{id}': { kind: 'foreign', params: () => ({ id: a.wecomRule }), body: () => ({ name: 'B 改的', event: 'order.paid', delayDays: 1, title: 'B', text: 'B' }) },
  'DELETE /api/admin/wecom/reminder-rules/{id}': { kind: 'foreign', params: () => ({ id: a.wecomRule }) },
  'GET /api/admin/wecom/reminders': { kind: 'list', queries: () => ['', `?customerId=${c1.customerId}`, `?ruleId=${a.wecomRule}`, '?staff=zhangsan'] },
  'POST /api/admin/wecom/reminders': { kind: 'ref', body: () => ({ customerId: c1.customerId, dueAt: new Date(Date.now() + 86_400_000).toISOString(), text: 'B 回访' }) },
  'GET /api/admin/wecom/reminders/{id}': { kind: 'foreign', params: () => ({ id: a.wecomReminder }) },
  'POST /api/admin/wecom/reminders/{id}/cancel': { kind: 'foreign', params: () => ({ id: a.wecomReminder }) },
  'GET /api/admin/wecom/mass-tasks': { kind: 'list', queries: () => ['', '?status=scheduled'] },
  // A task of B's to A's corp tag.
  'POST /api/admin/wecom/mass-tasks': { kind: 'ref', body: () => ({ name: 'B 群发', audience: { kind: 'tags', tagIds: [a.wecomTag] }, text: 'B' }) },
  'GET /api/admin/wecom/mass-tasks/{id}': { kind: 'foreign', params: () => ({ id: a.wecomMass }) },
  'GET /api/admin/wecom/mass-tasks/{id}/recipients': { kind: 'foreign', params: () => ({ id: a.wecomMass }) },
  'POST /api/admin/wecom/mass-tasks/{id}/refresh': { kind: 'foreign', params: () => ({ id: a.wecomMass }) },
  'POST /api/admin/wecom/mass-tasks/{id}/cancel': { kind: 'foreign', params: () => ({ id: a.wecomMass }) },
  'GET /api/admin/wecom/moments': { kind: 'list' },
  'POST /api/admin/wecom/moments': { kind: 'ref', body: () => ({ text: 'B', tagIds: [a.wecomTag] }) },
  'GET /api/admin/wecom/moments/{id}': { kind: 'foreign', params: () => ({ id: a.wecomMoment }) },
  'POST /api/admin/wecom/moments/{id}/refresh': { kind: 'foreign', params: () => ({ id: a.wecomMoment }) },
  'GET /api/admin/wecom/relations/export.xlsx': { kind: 'list', queries: () => ['', `?channelCodeId=${a.wecomCode}`, `?q=${encodeURIComponent(MARK)}`] },
  'GET /api/admin/wecom/channel-codes/{id}/qr': { kind: 'foreign', params: () => ({ id: a.wecomCode }) },
  'GET /api/admin/wecom/groups': { kind: 'list', queries: () => ['', '?owner=zhangsan', `?q=${encodeURIComponent(MARK)}`] },
  'GET /api/admin/wecom/groups/overview': { kind: 'list' },
  'POST /api/admin/wecom/groups/sync': { kind: 'own', run: () => noLeak(t.call('POST', '/api/admin/wecom/groups/sync', { session: B.owner })) },
  'GET /api/admin/wecom/groups/{chat}': { kind: 'foreign', params: () => ({ chat: a.wecomChat }) },
  'GET /api/admin/wecom/groups/{chat}/members': { kind: 'foreign', params: () => ({ chat: a.wecomChat }) },
  'GET /api/admin/wecom/group-codes': { kind: 'list' },
  // A code of B's on A's group.
  'POST /api/admin/wecom/group-codes': { kind: 'ref', body: () => ({ name: 'B 群码', chatIds: [a.wecomChat], roomBaseName: 'B 群' }) },
  'GET /api/admin/wecom/group-codes/{id}': { kind: 'foreign', params: () => ({ id: a.wecomGroupCode }) },
  'PUT /api/admin/wecom/group-codes/{id}': { kind: 'foreign', params: () => ({ id: a.wecomGroupCode }), body: () => ({ name: 'B 改的', chatIds: [a.wecomChat], autoCreateRoom: false }) },
  'DELETE /api/admin/wecom/group-codes/{id}': { kind: 'foreign', params: () => ({ id: a.wecomGroupCode }) },
  'GET /api/admin/wecom/group-codes/{id}/qr': { kind: 'foreign', params: () => ({ id: a.wecomGroupCode }) },
  'GET /api/admin/wecom/group-codes/{id}/stats': { kind: 'foreign', params: () => ({ id: a.wecomGroupCode }) },
  'GET /api/admin/wecom/group-welcomes': { kind: 'list' },
  'POST /api/admin/wecom/group-welcomes': { kind: 'own', run: () => noLeak(t.call('POST', '/api/admin/wecom/group-welcomes', { session: B.owner, body: { name: 'B 欢迎', text: 'B' } })) },
  'GET /api/admin/wecom/group-welcomes/{id}': { kind: 'foreign', params: () => ({ id: a.wecomWelcome }) },
  'PUT /api/admin/wecom/group-welcomes/{id}': { kind: 'foreign', params: () => ({ id: a.wecomWelcome }), body: () => ({ name: 'B 改的', text: 'B' }) },
  'DELETE /api/admin/wecom/group-welcomes/{id}': { kind: 'foreign', params: () => ({ id: a.wecomWelcome }) },
  'GET /api/admin/wecom/group-sops': { kind: 'list' },
  // An SOP of B's on A's group.
  'POST /api/admin/wecom/group-sops': { kind: 'ref', body: () => ({ name: 'B SOP', anchor: 'group_created', chatIds: [a.wecomChat], steps: [{ day: 0, time: '10:00', text: 'B' }] }) },
  'GET /api/admin/wecom/group-sops/{id}': { kind: 'foreign', params: () => ({ id: a.wecomSop }) },
  'PUT /api/admin/wecom/group-sops/{id}': { kind: 'foreign', params: () => ({ id: a.wecomSop }), body: () => ({ name: 'B 改的', anchor: 'group_created', steps: [{ day: 0, time: '10:00', text: 'B' }] }) },
  'DELETE /api/admin/wecom/group-sops/{id}': { kind: 'foreign', params: () => ({ id: a.wecomSop }) },
  'GET /api/admin/wecom/group-sops/{id}/runs': { kind: 'foreign', params: () => ({ id: a.wecomSop }) },
};

// ---------------------------------------------------------------------------------------------------
// Storefront routes. `owned`: the path names a record of one customer (order, address, refund) —
// another customer, in the same shop or another, gets 404. `shop`: the path names a record of the
// shop (product, SKU) — another shop gets 404. `open`: no record in the path; `refs` are bodies that
// name A's records and must fail when sent to B's storefront.
type StoreCase =
  | { kind: 'owned' | 'shop'; params: () => Record<string, string>; body?: () => unknown; expect?: number[] }
  | { kind: 'open'; body?: () => unknown; refs?: () => unknown[]; queries?: () => string[]; ownStatus?: number[] };

const STORE: Record<string, StoreCase> = {
  'GET /api/store/{shop}/shop': { kind: 'open' },
  'GET /api/store/{shop}/analytics/config': { kind: 'open' },
  'GET /api/store/{shop}/flags': { kind: 'open' },
  'GET /api/store/{shop}/flags/config': { kind: 'open' },
  'POST /api/store/{shop}/flags/exposures': { kind: 'open', body: () => ({ device: 'dev-b', exposures: [{ key: 'buy_button', variant: 'control' }] }) },
  'GET /api/store/{shop}/messages/preferences': { kind: 'open' },
  'PUT /api/store/{shop}/messages/preferences': { kind: 'open', body: () => ({ refusedTopics: ['birthday'], refusedChannels: [], smsMarketing: true }) },
  'GET /api/store/{shop}/messages/subscribe-config': { kind: 'open' },
  'GET /api/store/{shop}/wecom/health-consent': { kind: 'open' },
  'PUT /api/store/{shop}/wecom/health-consent': { kind: 'open', body: () => ({ granted: true }) },
  'POST /api/store/{shop}/messages/subscriptions': { kind: 'open', body: () => ({ topics: ['order_shipped'], results: ['accept'], code: 'h5:x' }), ownStatus: [400, 422] },
  'GET /api/store/{shop}/coupons': { kind: 'open' },
  'GET /api/store/{shop}/coupons/{id}': { kind: 'shop', params: () => ({ id: a.coupon }) },
  'POST /api/store/{shop}/coupons/{id}/claim': { kind: 'shop', params: () => ({ id: a.coupon }) },
  'GET /api/store/{shop}/me/coupons': { kind: 'open' },
  'GET /api/store/{shop}/me/points': { kind: 'open' },
  'GET /api/store/{shop}/me/level': { kind: 'open' },
  'GET /api/store/{shop}/points/mall': { kind: 'open' },
  'GET /api/store/{shop}/products/{id}/presale': { kind: 'shop', params: () => ({ id: a.presaleProduct }) },
  'POST /api/store/{shop}/presales/{id}/deposits': { kind: 'shop', params: () => ({ id: a.presale }), body: () => ({ skuId: a.sku, quantity: 1 }) },
  'GET /api/store/{shop}/me/presale-orders': { kind: 'open' },
  'GET /api/store/{shop}/me/presale-orders/{id}': { kind: 'owned', params: () => ({ id: a.presaleOrder }) },
  'POST /api/store/{shop}/me/presale-orders/{id}/cancel': { kind: 'owned', params: () => ({ id: a.presaleOrder }) },
  'GET /api/store/{shop}/products/{id}/group-buy': { kind: 'shop', params: () => ({ id: a.groupBuyProduct }), expect: [200] },
  'GET /api/store/{shop}/group-buys/groups/{id}': { kind: 'shop', params: () => ({ id: a.groupBuyGroup }) },
  'GET /api/store/{shop}/me/group-buys': { kind: 'open' },
  'GET /api/store/{shop}/products/{id}/bargain': { kind: 'shop', params: () => ({ id: a.bargainProduct }) },
  'POST /api/store/{shop}/bargains/{id}/launches': { kind: 'shop', params: () => ({ id: a.bargain }) },
  'GET /api/store/{shop}/bargain-launches/{id}': { kind: 'shop', params: () => ({ id: a.bargainLaunch }) },
  'POST /api/store/{shop}/bargain-launches/{id}/helps': { kind: 'shop', params: () => ({ id: a.bargainLaunch }) },
  'GET /api/store/{shop}/me/bargain-launches': { kind: 'open' },
  'POST /api/store/{shop}/me/share': { kind: 'open', body: () => ({ kind: 'promoter' }), refs: () => [{ kind: 'product', targetId: a.product }, { kind: 'group', targetId: a.groupBuyGroup }, { kind: 'bargain', targetId: a.bargainLaunch }] },
  'GET /api/store/{shop}/scenes/{scene}': { kind: 'shop', params: () => ({ scene: a.scene }) },
  'GET /api/store/{shop}/posters/{file}': { kind: 'shop', params: () => ({ file: `${a.scene}.png` }) },
  'GET /api/store/{shop}/me/promoter': { kind: 'open' },
  // B runs no distribution: applying and withdrawing are refused in B, never reach A.
  'POST /api/store/{shop}/me/promoter/apply': { kind: 'open', body: () => ({}), ownStatus: [409] },
  'GET /api/store/{shop}/me/promoter/team': { kind: 'open', queries: () => ['', '?tier=2'] },
  'GET /api/store/{shop}/me/promoter/commissions': { kind: 'open' },
  'GET /api/store/{shop}/me/promoter/withdrawals': { kind: 'open' },
  'POST /api/store/{shop}/me/promoter/withdrawals': { kind: 'open', body: () => ({ amountFen: 100 }), ownStatus: [409] },
  'POST /api/store/{shop}/me/promoter/withdrawals/{id}/confirm': { kind: 'owned', params: () => ({ id: a.withdrawal }) },
  // A's scene at B binds nobody (B runs no distribution, and the scene is not B's).
  'POST /api/store/{shop}/referrals/visit': { kind: 'open', body: () => ({ scene: a.scene }) },
  'POST /api/store/{shop}/invitations/accept': { kind: 'open', body: () => ({ scene: a.scene }), refs: () => [{ scene: a.scene }], ownStatus: [404] },
  'GET /api/store/{shop}/me/invitations': { kind: 'open' },
  'GET /api/store/{shop}/me/invitations/payouts': { kind: 'open' },
  'GET /api/store/{shop}/leaders/nearby': { kind: 'open', queries: () => ['', '?lat=30.27&lng=120.13'] },
  'GET /api/store/{shop}/me/leader': { kind: 'open' },
  'PUT /api/store/{shop}/me/leader': { kind: 'open', body: () => ({ leaderId: '00000000-0000-4000-8000-000000000000' }), refs: () => [{ leaderId: c1.customerId }], ownStatus: [404] },
  'GET /api/store/{shop}/me/leader-centre': { kind: 'open' },
  // B has no leaders: applying is refused there (feature off), never reaches A.
  'POST /api/store/{shop}/me/leader-centre/apply': { kind: 'open', body: () => ({ name: 'B 团长', phone: '13900000000', pointName: 'B 点', address: 'B 路 1 号' }), ownStatus: [409] },
  // B's customer leads nothing (409 there); A's pick list opens only with the token of A's leader, refused at B (401 walk).
  'GET /api/store/{shop}/me/leader-centre/pick-list': { kind: 'open', queries: () => [] },
  'POST /api/store/{shop}/me/leader-centre/verify': { kind: 'open', body: () => ({ code: '12345678' }), ownStatus: [404, 409] },
  'GET /api/store/{shop}/me/leader-centre/commissions': { kind: 'open' },
  'GET /api/store/{shop}/me/leader-centre/settlements': { kind: 'open' },
  'GET /api/store/{shop}/me/member-card': { kind: 'open' },
  // B sells no card: its own call names a card that does not exist (404), like one of A's.
  'POST /api/store/{shop}/me/member-card/purchases': { kind: 'open', body: () => ({ planId: '00000000-0000-4000-8000-000000000000' }), refs: () => [{ planId: a.cardPlan }], ownStatus: [404] },
  'GET /api/store/{shop}/me/member-card/purchases/{id}': { kind: 'owned', params: () => ({ id: a.cardPurchase }) },
  'GET /api/store/{shop}/me/stored-value': { kind: 'open' },
  'GET /api/store/{shop}/me/stored-value/ledger': { kind: 'open' },
  'GET /api/store/{shop}/me/stored-value/topups': { kind: 'open' },
  // B's WeChat Pay was set to a made-up merchant by the admin walk; the sandbox refuses it (502).
  'POST /api/store/{shop}/me/stored-value/topups': { kind: 'open', body: () => ({ amountFen: 1000 }), refs: () => [{ planId: a.topupPlan }], ownStatus: [201, 502] },
  'GET /api/store/{shop}/me/stored-value/topups/{id}': { kind: 'owned', params: () => ({ id: a.topup }) },
  'POST /api/store/{shop}/points/mall/{id}/redeem': { kind: 'shop', params: () => ({ id: a.mallItem }) },
  'GET /api/store/{shop}/points/share': { kind: 'open' },
  'POST /api/store/{shop}/points/share': { kind: 'open', body: () => ({ target: 'page', targetId: '/' }), refs: () => [{ target: 'product', targetId: a.product }, { target: 'coupon', targetId: a.coupon }] },
  // B's customer's own order is not completed (409); A's completed order and line are not there at all.
  'POST /api/store/{shop}/reviews': { kind: 'open', body: () => ({ orderId: bPaid.id, orderItemId: bPaid.items[0].id, rating: 5, content: 'B' }), refs: () => [{ orderId: a.reviewOrder, orderItemId: a.reviewItem, rating: 1, content: '别人的订单' }] },
  'GET /api/store/{shop}/me/reviews': { kind: 'open', queries: () => ['', `?orderId=${a.reviewOrder}`] },
  'GET /api/store/{shop}/products/{id}/reviews': { kind: 'shop', params: () => ({ id: a.product }) },
  'POST /api/store/{shop}/me/check-in': { kind: 'open', ownStatus: [201, 409] },
  'GET /api/store/{shop}/me/check-ins': { kind: 'open', queries: () => ['?month=2026-11'] },
  'GET /api/store/{shop}/products/{id}/promotions': { kind: 'shop', params: () => ({ id: a.product }) },
  'POST /api/store/{shop}/auth/sms-code': { kind: 'open', body: () => ({ phone: nextPhone(), purpose: 'sign_in' }) },
  'POST /api/store/{shop}/auth/sign-in/sms': { kind: 'open', body: () => ({ phone: c1.phone, code: '000000' }) },
  // B's WeChat account was set to a made-up appid by the admin walk; the WeChat sandbox refuses it (502).
  'POST /api/store/{shop}/auth/sign-in/wechat': { kind: 'open', body: () => ({ code: 'not-a-code' }), ownStatus: [400, 401, 409, 422, 502] },
  'GET /api/store/{shop}/auth/wechat/authorize-url': { kind: 'open', queries: () => ['?redirect=https%3A%2F%2Fshop.example%2Fcb'] },
  'POST /api/store/{shop}/auth/sign-out': { kind: 'open' },
  'GET /api/store/{shop}/me': { kind: 'open' },
  'PATCH /api/store/{shop}/me': { kind: 'open', body: () => ({ nickname: 'B 买家' }) },
  'POST /api/store/{shop}/me/bind-phone': { kind: 'open', body: () => ({ phone: c1.phone, code: '000000' }) },
  'GET /api/store/{shop}/me/addresses': { kind: 'open' },
  'POST /api/store/{shop}/me/addresses': { kind: 'open', body: () => ({ contactName: '李四', phone: cb.phone, province: '广东省', city: '深圳市', district: '福田区', detail: 'B 地址', isDefault: false }) },
  'GET /api/store/{shop}/me/addresses/{id}': { kind: 'owned', params: () => ({ id: a.address }) },
  'PATCH /api/store/{shop}/me/addresses/{id}': { kind: 'owned', params: () => ({ id: a.address }), body: () => ({ detail: 'B 改的', isDefault: true }) },
  'DELETE /api/store/{shop}/me/addresses/{id}': { kind: 'owned', params: () => ({ id: a.address }) },
  'GET /api/store/{shop}/categories': { kind: 'open' },
  'GET /api/store/{shop}/products': { kind: 'open', queries: () => ['', `?q=${MARK}`, `?categoryId=${a.category}`] },
  'GET /api/store/{shop}/products/{id}': { kind: 'shop', params: () => ({ id: a.product }) },
  'GET /api/store/{shop}/cart': { kind: 'open' },
  'POST /api/store/{shop}/cart/items': { kind: 'open', body: () => ({ skuId: bSku, quantity: 1 }), refs: () => [{ skuId: a.sku, quantity: 1 }] },
  'PATCH /api/store/{shop}/cart/items/{skuId}': { kind: 'shop', params: () => ({ skuId: a.cartSku }), body: () => ({ quantity: 5, selected: false }) },
  // Removing a line that is not in one's own cart is a no-op answering the (own) cart.
  'DELETE /api/store/{shop}/cart/items/{skuId}': { kind: 'shop', params: () => ({ skuId: a.cartSku }), expect: [200, 404] },
  'GET /api/store/{shop}/pickup-points': { kind: 'open' },
  'GET /api/store/{shop}/carriers': { kind: 'open' },
  'POST /api/store/{shop}/checkout/preview': { kind: 'open', body: () => ({ items: [{ skuId: bSku, quantity: 1 }], fulfilment: 'express', addressId: bAddress }), refs: () => orderRefs() },
  'POST /api/store/{shop}/orders': { kind: 'open', refs: () => orderRefs() },
  'GET /api/store/{shop}/orders': { kind: 'open' },
  'GET /api/store/{shop}/orders/{id}': { kind: 'owned', params: () => ({ id: a.paid }) },
  'GET /api/store/{shop}/flash-sales': { kind: 'open' },
  'GET /api/store/{shop}/flash-sales/sessions/{sessionId}': { kind: 'shop', params: () => ({ sessionId: a.flashSession }) },
  'POST /api/store/{shop}/flash-sales/sessions/{sessionId}/remind': { kind: 'shop', params: () => ({ sessionId: a.flashSession }) },
  'DELETE /api/store/{shop}/flash-sales/sessions/{sessionId}/remind': { kind: 'shop', params: () => ({ sessionId: a.flashSession }) },
  'POST /api/store/{shop}/flash-sales/attempts': { kind: 'open', refs: () => [{ itemId: a.flashItem, fulfilment: 'express', addressId: bAddress }] },
  'GET /api/store/{shop}/flash-sales/attempts/{id}': { kind: 'owned', params: () => ({ id: a.flashAttempt }) },
  'POST /api/store/{shop}/orders/{id}/cancel': { kind: 'owned', params: () => ({ id: a.pending }), body: () => ({ reason: '别人取消' }) },
  'POST /api/store/{shop}/orders/{id}/pay': { kind: 'owned', params: () => ({ id: a.pending }), body: () => ({}) },
  'POST /api/store/{shop}/orders/{id}/sync-payment': { kind: 'owned', params: () => ({ id: a.pending }) },
  'POST /api/store/{shop}/orders/{id}/confirm-receipt': { kind: 'owned', params: () => ({ id: a.shipped }) },
  'POST /api/store/{shop}/orders/{id}/refunds': { kind: 'owned', params: () => ({ id: a.paid }), body: () => ({ type: 'refund_only', items: [{ orderItemId: a.paidItem, quantity: 1 }], reason: '别人退款' }) },
  'POST /api/store/{shop}/orders/{id}/refunds/{refundId}/return': { kind: 'owned', params: () => ({ id: a.awaitingReturnOrder, refundId: a.awaitingReturn }), body: () => ({ carrier: 'YTO', trackingNo: 'YT0000000001' }) },
  'POST /api/store/{shop}/orders/{id}/refunds/{refundId}/cancel': { kind: 'owned', params: () => ({ id: a.requestedOrder, refundId: a.requested }) },
};

/** A journey: a customer who claims a coupon is given another. */
function journeyBody(name: string, couponTemplateId: string) {
  return { name, trigger: { kind: 'event', event: 'coupon.claimed', where: [] }, nodes: [{ id: 'c', type: 'coupon', couponTemplateId }], edges: [{ from: 'entry', to: 'c' }] };
}

/** Orders (and previews) that borrow one of A's SKUs, addresses or pickup points. */
function orderRefs() {
  return [
    { items: [{ skuId: a.sku, quantity: 1 }], fulfilment: 'express', addressId: bAddress },
    { items: [{ skuId: bSku, quantity: 1 }], fulfilment: 'express', addressId: a.address },
    { items: [{ skuId: bSku, quantity: 1 }], fulfilment: 'pickup', pickupPointId: a.pickupPoint },
    { items: [{ skuId: bSku, quantity: 1 }], fulfilment: 'express', addressId: bAddress, couponId: a.myCoupon },
    { items: [{ skuId: bSku, quantity: 1 }], fulfilment: 'express', addressId: bAddress, mallItemId: a.mallItem },
    { items: [{ skuId: bSku, quantity: 1 }], fulfilment: 'express', addressId: bAddress, groupBuy: { groupBuyId: a.groupBuy } },
    { items: [{ skuId: bSku, quantity: 1 }], fulfilment: 'express', addressId: bAddress, groupBuy: { groupBuyId: a.groupBuy, groupId: a.groupBuyGroup } },
    { items: [{ skuId: bSku, quantity: 1 }], fulfilment: 'express', addressId: bAddress, bargainLaunchId: a.bargainLaunch },
  ];
}

/** Routes outside both walks, and why. */
const ALLOWED: Record<string, string> = {
  'GET /': 'redirect to the console',
  'GET /openapi.json': 'API description',
  'GET /healthz': 'liveness', 'GET /readyz': 'readiness', 'GET /metrics': 'process metrics, no shop data',
  // Public by design: keys are random, a URL is known only to whoever was given it.
  'GET /media/*': 'uploaded images',
  // Covered below by "payment notifications": signed per shop, checked against that shop's keys.
  'POST /api/pay/wechatpay/notify/{shopId}': 'payment notify', 'POST /api/pay/wechatpay/refund-notify/{shopId}': 'refund notify', 'POST /api/pay/wechatpay/transfer-notify/{shopId}': 'transfer notify',
  // Public by design, before any shop exists for the caller: they name no shop's records (onboarding/sign-up.test.ts).
  // The Segment tracking API: the write key names the shop; events only go in (cdp/ingest.test.ts).
  'POST /v1/track': 'ingest', 'POST /v1/page': 'ingest', 'POST /v1/screen': 'ingest', 'POST /v1/identify': 'ingest', 'POST /v1/group': 'ingest',
  'POST /v1/alias': 'ingest', 'POST /v1/batch': 'ingest', 'POST /v1/import': 'ingest',
  // Reach: vendors' pushes, checked by their own signatures or a deployment token (messaging/*.test.ts).
  'GET /api/hooks/wechat-mp/{accountId}': 'official account URL check (signed)', 'POST /api/hooks/wechat-mp/{accountId}': 'official account callback (signed, encrypted)',
  'POST /api/hooks/sms/tencent/status': 'SMS receipts', 'POST /api/hooks/sms/tencent/reply': 'SMS replies',
  'POST /api/hooks/sms/aliyun/report': 'SMS receipts', 'POST /api/hooks/sms/aliyun/up': 'SMS replies',
  'GET /r/{code}': 'a broadcast short link (the code is a random delivery id)',
  // WeCom's pushes, signed and encrypted per corp (wecom/wecom.test.ts).
  'GET /api/hooks/wecom/{corpRef}': 'WeCom callback URL check (signed, encrypted)', 'POST /api/hooks/wecom/{corpRef}': 'WeCom callback (signed, encrypted)',
  // The WeCom sidebar: a member's own signed session, valid for one shop only, and a contact answered only to a
  // member with an active relation with it — 404 otherwise, across shops too (wecom/sidebar.test.ts).
  'GET /api/store/{shop}/wecom/sidebar/authorize': 'WeCom OAuth2 URL of the shop\'s corp', 'POST /api/store/{shop}/wecom/sidebar/session': 'WeCom OAuth2 code → sidebar session',
  'GET /api/store/{shop}/wecom/sidebar/jssdk': 'sidebar: JS-SDK signatures', 'GET /api/store/{shop}/wecom/sidebar/todos': "sidebar: the member's to-dos",
  'PATCH /api/store/{shop}/wecom/sidebar/todos/{id}': "sidebar: the member's to-do", 'GET /api/store/{shop}/wecom/sidebar/coupon-templates': 'sidebar: coupons to send',
  'GET /api/store/{shop}/wecom/sidebar/customers/{externalUserid}': 'sidebar: customer 360',
  'GET /api/store/{shop}/wecom/sidebar/tags': 'sidebar: corp tags',
  'POST /api/store/{shop}/wecom/sidebar/customers/{externalUserid}/tags': 'sidebar: mark_tag', 'POST /api/store/{shop}/wecom/sidebar/customers/{externalUserid}/followups': 'sidebar: follow-up',
  'POST /api/store/{shop}/wecom/sidebar/customers/{externalUserid}/reminders': 'sidebar: reminder', 'PUT /api/store/{shop}/wecom/sidebar/customers/{externalUserid}/fields/{key}': 'sidebar: customer field',
  'POST /api/store/{shop}/wecom/sidebar/customers/{externalUserid}/coupons': 'sidebar: send a coupon', 'POST /api/store/{shop}/wecom/sidebar/customers/{externalUserid}/product-card': 'sidebar: product card',
  'GET /api/admin/sign-up/slug': 'whether a shop address is free', 'POST /api/admin/sign-up/codes': 'merchant sign-up code',
  'POST /api/admin/sign-up/verify': 'merchant sign-up', 'POST /api/admin/sign-up/shop': 'makes a new shop',
  // Same answer whether or not the account exists (auth/password-reset.test.ts).
  'POST /api/admin/auth/password-reset/code': 'staff password reset code', 'POST /api/admin/auth/password-reset': 'staff password reset',
  // The platform operator's own area: its own session; shop staff and API keys are refused (operator/operator.test.ts).
  'POST /api/platform/auth/sign-in': 'operator sign-in', 'POST /api/platform/auth/sign-out': 'operator sign-out', 'GET /api/platform/auth/me': 'operator',
  'GET /api/platform/shops': 'operator: every shop', 'GET /api/platform/shops/{id}': 'operator: a shop', 'GET /api/platform/audit-log': 'operator audit log',
  'POST /api/platform/shops/{id}/suspend': 'operator suspends a shop', 'POST /api/platform/shops/{id}/resume': 'operator resumes a shop',
};
const ALLOWED_PREFIXES = ['/docs', '/sandbox', '/admin', '/s/', '/shop-assets/'];

describe('the walk knows every route', () => {
  it('names every registered route in the admin or storefront table, or allows it with a reason', () => {
    const unknown = registeredRoutes(t)
      .map(routeKey)
      .filter((k) => !(k in ADMIN) && !(k in STORE) && !(k in ALLOWED) && !ALLOWED_PREFIXES.some((p) => k.split(' ')[1].startsWith(p)));
    expect(unknown).toEqual([]);
    const registered = new Set(registeredRoutes(t).map(routeKey));
    expect(Object.keys({ ...ADMIN, ...STORE, ...ALLOWED }).filter((k) => !registered.has(k))).toEqual([]);
  });
});

describe("shop B's staff cannot reach shop A's records", () => {
  let before: unknown;
  beforeAll(async () => {
    before = await snapshotA();
  });

  it("answers 404 on every admin route given one of A's ids, and changes nothing", async () => {
    const failures: string[] = [];
    let walked = 0;
    for (const [key, c] of Object.entries(ADMIN)) {
      if (c.kind !== 'foreign') continue;
      const [method, path] = key.split(' ');
      const res = await rawCall(t, method, fillPath(path, c.params()), { headers: bOwner(), body: c.body?.() });
      walked++;
      if (res.status !== 404 || res.body?.error?.code !== 'NOT_FOUND') failures.push(`${key}: ${res.status} ${res.text.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    // Every admin route with a path parameter is walked this way.
    const withParams = Object.keys(ADMIN).filter((k) => k.includes('{'));
    expect(withParams.filter((k) => ADMIN[k].kind !== 'foreign')).toEqual([]);
    expect(walked).toBe(withParams.length);
  });

  it("refuses writes whose body names A's records", async () => {
    const failures: string[] = [];
    for (const [key, c] of Object.entries(ADMIN)) {
      if (c.kind !== 'ref') continue;
      const [method, path] = key.split(' ');
      const body = c.body();
      const res = await rawCall(t, method, path, { headers: bOwner(), body });
      const ok = c.expect ? c.expect.includes(res.status) : res.status >= 400 && res.status < 500 && res.status !== 403;
      if (!ok || leaks(res.text, body).length) failures.push(`${key}: ${res.status} ${res.text.slice(0, 200)}`);
    }
    // B's own paid order, refunded with one of A's order lines.
    const mixed = { items: [{ orderItemId: a.paidItem, quantity: 1 }], reason: 'B 退款' };
    const res = await t.call('POST', `/api/admin/orders/${bPaid.id}/refunds`, { session: B.owner, body: mixed });
    if (res.status !== 404) failures.push(`refund of B's order with A's line: ${res.status} ${JSON.stringify(res.body)}`);
    expect(failures).toEqual([]);
  });

  it("lists nothing of A's on any admin list", async () => {
    const failures: string[] = [];
    for (const [key, c] of Object.entries(ADMIN)) {
      if (c.kind !== 'list') continue;
      const [method, path] = key.split(' ');
      for (const q of c.queries?.() ?? ['']) {
        const res = await rawCall(t, method, path + q, { headers: bOwner() });
        if (res.status !== 200) failures.push(`${key}${q}: ${res.status} ${res.text.slice(0, 200)}`);
        const found = leaks(res.text);
        if (found.length) failures.push(`${key}${q} shows ${found.join(', ')}`);
      }
    }
    expect(failures).toEqual([]);
    // B's figures are B's one paid order and one customer, none of A's seven orders.
    const dash = (await t.call('GET', '/api/admin/dashboard', { session: B.owner })).body;
    expect(dash.last7Days).toMatchObject({ orders: 1, paidOrders: 1, paidFen: bPaid.payableFen, newCustomers: 1 });
  });

  it("keeps B's own writes in shop B", async () => {
    const failures: string[] = [];
    for (const [key, c] of Object.entries(ADMIN)) {
      if (c.kind !== 'own') continue;
      const res = await c.run();
      if (!isOk(res.status)) failures.push(`${key}: ${res.status} ${JSON.stringify((res as { body?: unknown }).body).slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    // B's keys work in B only: an API key of A's answers as A, never as B.
    const me = await t.call('GET', '/api/admin/auth/me', { headers: { authorization: `Bearer ${a.apiKeySecret}` } });
    expect(me.body.actor.shopId).toBe(A.shopId);
  });

  it('audited every staff write of the walk inside the transaction of its change', async () => {
    // A route that wrote outside a transaction had its entry written after the change (admin-auth.ts).
    const after = (await t.platform.metrics.auditAfterChange.get()).values.filter((v) => v.value > 0).map((v) => v.labels.route);
    expect(after).toEqual([]);
  });

  it("leaves shop A exactly as it was", async () => {
    await t.drain();
    expect(await snapshotA()).toEqual(before);
  });
});

describe('storefront tenancy', () => {
  let before: unknown;
  beforeAll(async () => {
    before = await snapshotA();
  });

  const storeRoutes = () => Object.entries(STORE).map(([key, c]) => {
    const [method, path] = key.split(' ');
    return { key, c, method, path };
  });
  const urlFor = (path: string, slug: string, c: StoreCase) => fillPath(path, { shop: slug, ...('params' in c ? c.params() : {}) });

  it("refuses B's customer token at A's storefront on every route (401 SESSION_EXPIRED)", async () => {
    const failures: string[] = [];
    for (const { key, c, method, path } of storeRoutes()) {
      const res = await rawCall(t, method, urlFor(path, A.slug, c), { headers: bearer(cb), body: c.body?.() ?? (method === 'POST' ? {} : undefined) });
      if (res.status !== 401 || res.body?.error?.code !== 'SESSION_EXPIRED') failures.push(`${key}: ${res.status} ${res.text.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
  });

  it("answers 404 when A's order, address, refund, product or SKU ids are used at B's storefront", async () => {
    const failures: string[] = [];
    for (const { key, c, method, path } of storeRoutes()) {
      if (c.kind === 'open') continue;
      const res = await rawCall(t, method, urlFor(path, B.slug, c), { headers: bearer(cb), body: c.body?.() });
      const ok = (c.expect ?? [404]).includes(res.status);
      if (!ok || leaks(res.text).length) failures.push(`${key}: ${res.status} ${res.text.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
  });

  it("answers 404 when another customer of A uses c1's order, address and refund ids", async () => {
    const failures: string[] = [];
    for (const { key, c, method, path } of storeRoutes()) {
      if (c.kind !== 'owned') continue;
      const res = await rawCall(t, method, urlFor(path, A.slug, c), { headers: bearer(c2), body: c.body?.() });
      if (res.status !== 404 || res.text.includes(a.address) || res.text.includes(MARK)) failures.push(`${key}: ${res.status} ${res.text.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    const theirs = await t.call('GET', store(A.slug, '/orders'), { headers: bearer(c2) });
    expect(theirs.body.items).toEqual([]);
    expect((await t.call('GET', store(A.slug, '/me/addresses'), { headers: bearer(c2) })).body.items).toEqual([]);
    // c2 cannot ship an order to c1's address.
    const borrowed = await t.call('POST', store(A.slug, '/orders'), { headers: bearer(c2), body: { items: [{ skuId: a.sku, quantity: 1 }], fulfilment: 'express', addressId: a.address } });
    expect(borrowed.status).toBeGreaterThanOrEqual(400);
    expect(borrowed.status).toBeLessThan(500);
  });

  it("shows B's customer nothing of A's, and refuses bodies that borrow A's records", async () => {
    const failures: string[] = [];
    for (const { key, c, method, path } of storeRoutes()) {
      if (c.kind !== 'open') continue;
      if (method === 'GET') {
        for (const q of c.queries?.() ?? ['']) {
          const res = await rawCall(t, method, urlFor(path, B.slug, c) + q, { headers: bearer(cb) });
          if (res.status !== 200 || leaks(res.text, q).length) failures.push(`${key}${q}: ${res.status} ${leaks(res.text, q).join(', ')} ${res.text.slice(0, 200)}`);
        }
      }
      for (const body of c.refs?.() ?? []) {
        const res = await rawCall(t, method, urlFor(path, B.slug, c), { headers: bearer(cb), body });
        if (res.status < 400 || res.status >= 500 || leaks(res.text, body).length) failures.push(`${key} ${JSON.stringify(body)}: ${res.status} ${res.text.slice(0, 200)}`);
      }
    }
    // B's customer's own paid order, with A's order line or A's refund.
    const mine = (p: string) => store(B.slug, `/orders/${bPaid.id}${p}`);
    const mixed = [
      await t.call('POST', mine('/refunds'), { headers: bearer(cb), body: { type: 'refund_only', items: [{ orderItemId: a.paidItem, quantity: 1 }], reason: '混用' } }),
      await t.call('POST', mine(`/refunds/${a.requested}/cancel`), { headers: bearer(cb) }),
      await t.call('POST', mine(`/refunds/${a.awaitingReturn}/return`), { headers: bearer(cb), body: { carrier: 'YTO', trackingNo: 'YT0000000002' } }),
    ];
    for (const res of mixed) if (res.status !== 404) failures.push(`B's order with A's line/refund: ${res.status} ${JSON.stringify(res.body)}`);
    expect(failures).toEqual([]);
  });

  it("keeps B's own storefront writes in shop B", async () => {
    const failures: string[] = [];
    for (const { key, c, method, path } of storeRoutes()) {
      if (c.kind !== 'open' || method === 'GET' || !c.body) continue;
      const body = c.body();
      const res = await rawCall(t, method, urlFor(path, B.slug, c), { headers: key.includes('/auth/') ? {} : bearer(cb), body });
      const ok = c.ownStatus ? c.ownStatus.includes(res.status) : res.status < 500;
      if (!ok || leaks(res.text, body).length) failures.push(`${key}: ${res.status} ${res.text.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    // A's customer's phone signs in at B as a new customer of B, not as c1.
    const same = await signInCustomer(t, B.slug, c1.phone);
    expect(same.customerId).not.toBe(c1.customerId);
    const throwaway = await signInCustomer(t, B.slug);
    expect((await t.call('POST', store(B.slug, '/auth/sign-out'), { headers: bearer(throwaway) })).status).toBe(200);
    expect((await t.call('GET', store(A.slug, '/me'), { headers: bearer(c1) })).status).toBe(200);
  });

  it("leaves shop A exactly as it was", async () => {
    await t.drain();
    expect(await snapshotA()).toEqual(before);
  });
});

describe('payment notifications', () => {
  /** A genuine WeChat Pay notification for A's pending order, signed and encrypted with A's sandbox merchant keys. */
  async function notificationForA() {
    const wechatPay = (await t.services.tenancy.settings(A.shopId)).wechatPay!;
    const restore = JSON.parse(Buffer.from(wechatPay.sandboxRestoreToken!, 'base64url').toString('utf8')) as { platformSerial: string; platformPrivateKeyPem: string };
    const resource = JSON.stringify({
      appid: wechatPay.appId, mchid: wechatPay.mchId, out_trade_no: a.pendingNo, transaction_id: `42000${Date.now()}`, trade_type: 'JSAPI', trade_state: 'SUCCESS',
      success_time: new Date().toISOString(), payer: { openid: `sandbox-payer-${c1.customerId}` }, amount: { total: a.pendingFen, payer_total: a.pendingFen, currency: 'CNY', payer_currency: 'CNY' },
    });
    const nonce = randomBytes(6).toString('hex');
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(wechatPay.apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
    cipher.setAAD(Buffer.from('transaction'));
    const ciphertext = Buffer.concat([cipher.update(resource, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
    const body = JSON.stringify({
      id: `note-${randomBytes(4).toString('hex')}`, create_time: new Date().toISOString(), resource_type: 'encrypt-resource', event_type: 'TRANSACTION.SUCCESS', summary: '支付成功',
      resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: 'transaction', nonce },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signNonce = randomBytes(16).toString('hex');
    const signature = sign('sha256', Buffer.from(`${timestamp}\n${signNonce}\n${body}\n`), restore.platformPrivateKeyPem).toString('base64');
    return { body, headers: { 'content-type': 'application/json', 'wechatpay-timestamp': timestamp, 'wechatpay-nonce': signNonce, 'wechatpay-signature': signature, 'wechatpay-serial': restore.platformSerial } };
  }

  it("refuses A's notification at B's notify URL; the same notification pays the order at A's", async () => {
    const note = await notificationForA();
    for (const kind of ['notify', 'refund-notify', 'transfer-notify']) {
      const res = await fetch(`${t.url}/api/pay/wechatpay/${kind}/${B.shopId}`, { method: 'POST', headers: note.headers, body: note.body });
      expect(res.status, kind).toBe(401);
      expect(((await res.json()) as any).error.code).toBe('PAYMENT_SIGNATURE_INVALID');
    }
    expect((await t.call('GET', `/api/admin/orders/${a.pending}`, { session: A.owner })).body.status).toBe('pending_payment');
    // The control: it was a genuine notification of A's, so A's own URL takes it.
    const atA = await fetch(`${t.url}/api/pay/wechatpay/notify/${A.shopId}`, { method: 'POST', headers: note.headers, body: note.body });
    expect(atA.status).toBe(204);
    expect((await t.call('GET', `/api/admin/orders/${a.pending}`, { session: A.owner })).body.status).toBe('paid');
  });
});

/** A two-variant storefront experiment. */
function experimentBody(key: string, name: string) {
  return { key, name, variants: [{ key: 'control', name: '对照', weight: 50 }, { key: 'bold', name: '醒目按钮', weight: 50 }] };
}
