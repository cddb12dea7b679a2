import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, sql } from '../../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../../testing/harness.js';
import { bearer, createProduct, payOrder, signInCustomer, waitFor, type CustomerFixture, type ShopFixture, atTime } from '../../../testing/commerce.js';
import { clawTarget, lineCommission } from './service.js';

const DAY = 86_400_000;
let t: TestApp;
let shop: ShopFixture;
let pickupPointId: string;
const store = (path: string, slug = shop.slug) => `/api/store/${slug}${path}`;

const SETTINGS = {
  enabled: true, eligibility: 'everyone', spendThresholdFen: 0, bindingMode: 'first_click', bindingDays: 30, newCustomersOnly: false,
  tiers: 2, level1Bp: 1000, level2Bp: 500, afterSaleDays: 7, withdrawMinFen: 100, withdrawFeeBp: 0, withdrawReview: true,
};

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  pickupPointId = (await t.call('POST', '/api/admin/pickup-points', { session: shop.owner, body: { name: '门店', address: '文三路 1 号' } })).body.id;
  const res = await t.call('PUT', '/api/admin/distribution/settings', { session: shop.owner, body: SETTINGS });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
});
afterAll(() => t?.close());

const dist = () => t.services.fission.distribution;

const at = <T>(ms: number, run: () => Promise<T>) => atTime(t, ms, run);

async function settings(patch: Partial<typeof SETTINGS> & Record<string, unknown>) {
  const res = await t.call('PUT', '/api/admin/distribution/settings', { session: shop.owner, body: { ...SETTINGS, ...patch } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function promoter(name: string) {
  const c = await signInCustomer(t, shop.slug);
  await t.call('PATCH', store('/me'), { headers: bearer(c), body: { nickname: name } });
  const me = await t.call('GET', store('/me/promoter'), { headers: bearer(c) });
  expect(me.body.status).toBe('approved');
  return c;
}

/** The promoter's share scene, made through the share service's own route. */
async function shareScene(c: CustomerFixture) {
  const res = await t.call('POST', store('/me/share'), { headers: bearer(c), body: { kind: 'promoter' } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.scene as string;
}

async function visit(c: CustomerFixture, scene: string) {
  const res = await t.call('POST', store('/referrals/visit'), { headers: bearer(c), body: { scene } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { bound: boolean; promoterNickname?: string };
}

async function buy(c: CustomerFixture, skuId: string, quantity: number) {
  const order = await t.call('POST', store('/orders'), { headers: bearer(c, { 'idempotency-key': randomUUID() }), body: { items: [{ skuId, quantity }], fulfilment: 'pickup', pickupPointId } });
  expect(order.status, JSON.stringify(order.body)).toBe(201);
  const paid = await payOrder(t, shop.slug, c, order.body.id);
  await t.drain();
  return paid as { id: string; pickupCode: string; items: { id: string }[] };
}

async function pickUp(order: { pickupCode: string }) {
  const res = await t.call('POST', '/api/admin/orders/pickup/verify', { session: shop.owner, body: { code: order.pickupCode } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await t.drain();
}

async function accountOf(c: CustomerFixture) {
  return (await t.call('GET', store('/me/promoter'), { headers: bearer(c) })).body.account;
}

async function invariant() {
  const bad = await rows(t.platform.db, sql`
    SELECT p.customer_id FROM promoters p
    LEFT JOIN (SELECT shop_id, customer_id, sum(frozen_delta) f, sum(payable_delta) pa, sum(withdrawing_delta) w, sum(paid_delta) pd, sum(clawed_delta) c, sum(earned_delta) e
               FROM promoter_ledger GROUP BY 1, 2) l ON l.shop_id = p.shop_id AND l.customer_id = p.customer_id
    WHERE p.frozen_fen + p.payable_fen + p.withdrawing_fen + p.paid_fen + p.clawed_fen <> p.earned_fen
       OR coalesce(l.f, 0) <> p.frozen_fen OR coalesce(l.pa, 0) <> p.payable_fen OR coalesce(l.w, 0) <> p.withdrawing_fen
       OR coalesce(l.pd, 0) <> p.paid_fen OR coalesce(l.c, 0) <> p.clawed_fen OR coalesce(l.e, 0) <> p.earned_fen`);
  expect(bad).toEqual([]);
}

describe('commission rules (pure)', () => {
  it('takes percent of the paid line rounded down, fixed × quantity capped at the line, and claws back cumulatively', () => {
    expect(lineCommission({ mode: 'percent', level1: 1000, level2: 500 }, { payableFen: 999, quantity: 1 }, 1)).toBe(99);
    expect(lineCommission({ mode: 'percent', level1: 1000, level2: 500 }, { payableFen: 999, quantity: 1 }, 2)).toBe(49);
    expect(lineCommission({ mode: 'fixed', level1: 300, level2: 100 }, { payableFen: 10_000, quantity: 3 }, 1)).toBe(900);
    expect(lineCommission({ mode: 'fixed', level1: 300, level2: 100 }, { payableFen: 1_000, quantity: 3 }, 2, 900)).toBe(100);
    expect(lineCommission({ mode: 'fixed', level1: 5_000, level2: 0 }, { payableFen: 1_000, quantity: 1 }, 1)).toBe(1_000);
    const c = { amount_fen: 1_000, base_fen: 3_000, quantity: 3 };
    // Three refunds of one unit each (line amounts 1000, 1000, 1000) claw 333, then 666, then all 1000.
    expect([clawTarget(c, 1_000, 1, false), clawTarget(c, 2_000, 2, false), clawTarget(c, 3_000, 3, false)]).toEqual([333, 666, 1_000]);
    expect(clawTarget(c, 10, 0, true)).toBe(1_000);
  });
});

describe('the promoter flow', () => {
  it('share → visit binds → buy → frozen → completed → window closes → payable → withdraw → approve → confirm → paid', async () => {
    // Withdrawals share WeChat's transfer notifications with invitation payouts: both handlers are registered.
    expect((t.services.payments as unknown as { transferHandlers: unknown[] }).transferHandlers.length).toBeGreaterThanOrEqual(2);
    const a = await promoter('推广员甲');
    const scene = await shareScene(a);
    const friend = await signInCustomer(t, shop.slug);
    expect(await visit(friend, scene)).toEqual({ bound: true, promoterNickname: '推广员甲' });
    const product = await createProduct(t, shop.owner, { priceFen: 10_000, stock: 50 });
    const order = await buy(friend, product.skus[0].id, 2);
    expect(await accountOf(a)).toMatchObject({ earnedFen: 2_000, frozenFen: 2_000, payableFen: 0 });
    const mine = await t.call('GET', store('/me/promoter/commissions'), { headers: bearer(a) });
    expect(mine.body.items).toEqual([expect.objectContaining({ tier: 1, amountFen: 2_000, status: 'frozen', thawAt: null })]);
    const team = await t.call('GET', store('/me/promoter/team?tier=1'), { headers: bearer(a) });
    expect(team.body).toMatchObject({ total: 1, items: [{ orders: 1, spentFen: 20_000 }] });

    await pickUp(order);
    const thawAt = (await t.call('GET', store('/me/promoter/commissions'), { headers: bearer(a) })).body.items[0].thawAt;
    expect(thawAt).not.toBeNull();
    // Not before the after-sales window has closed.
    await at(Date.parse(thawAt) - 60_000, () => dist().tick());
    expect(await accountOf(a)).toMatchObject({ frozenFen: 2_000, payableFen: 0 });
    await at(Date.parse(thawAt) + 60_000, () => dist().tick());
    expect(await accountOf(a)).toMatchObject({ frozenFen: 0, payableFen: 2_000 });

    const key = randomUUID();
    const w = await t.call('POST', store('/me/promoter/withdrawals'), { headers: bearer(a, { 'idempotency-key': key }), body: { amountFen: 1_500 } });
    expect(w.status, JSON.stringify(w.body)).toBe(201);
    expect(w.body).toMatchObject({ amountFen: 1_500, feeFen: 0, payFen: 1_500, status: 'reviewing' });
    const again = await t.call('POST', store('/me/promoter/withdrawals'), { headers: bearer(a, { 'idempotency-key': key }), body: { amountFen: 1_500 } });
    expect(again.body.id).toBe(w.body.id);
    expect(await accountOf(a)).toMatchObject({ payableFen: 500, withdrawingFen: 1_500 });

    const listed = await t.call('GET', '/api/admin/withdrawals?status=reviewing', { session: shop.owner });
    expect(listed.body.items.map((i: { id: string }) => i.id)).toContain(w.body.id);
    const approved = await t.call('POST', `/api/admin/withdrawals/${w.body.id}/approve`, { session: shop.owner });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    await t.drain();
    const waiting = await waitFor(async () => {
      const r = await t.call('GET', store('/me/promoter/withdrawals'), { headers: bearer(a) });
      return r.body.items[0].status === 'wait_confirm' ? r.body.items[0] : null;
    }, 'the bill to wait for confirmation');
    expect(waiting.id).toBe(w.body.id);

    const confirm = await t.call('POST', store(`/me/promoter/withdrawals/${w.body.id}/confirm`), { headers: bearer(a) });
    expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);
    expect(confirm.body).toMatchObject({ packageInfo: expect.any(String), mchId: expect.any(String), appId: expect.any(String) });
    expect(confirm.body.confirmUrl).toBe(`/sandbox/wechatpay/transfer/confirm?package=${encodeURIComponent(confirm.body.packageInfo)}`);
    const page = await t.call('GET', confirm.body.confirmUrl);
    expect(page.status).toBe(200);
    const ok = await t.call('POST', '/sandbox/wechatpay/sandbox/transfer/confirm', { body: { package_info: confirm.body.packageInfo } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    await waitFor(async () => {
      await t.drain();
      const r = await t.call('GET', store('/me/promoter/withdrawals'), { headers: bearer(a) });
      return r.body.items[0].status === 'paid';
    }, 'the withdrawal to be paid');
    expect(await accountOf(a)).toMatchObject({ earnedFen: 2_000, payableFen: 500, withdrawingFen: 0, paidFen: 1_500 });
    const bills = await t.call('GET', '/sandbox/wechatpay/sandbox/transfers');
    const bill = bills.body.transfers.find((b: { out_bill_no: string }) => b.out_bill_no === `${waiting.withdrawalNo}B1`);
    expect(bill).toMatchObject({ state: 'SUCCESS', transfer_amount: 1_500, transfer_scene_id: '1005' });

    const overview = await t.call('GET', '/api/admin/distribution/overview', { session: shop.owner });
    expect(overview.body.ranking[0]).toMatchObject({ earnedFen: expect.any(Number) });
    const detail = await t.call('GET', `/api/admin/promoters/${a.customerId}`, { session: shop.owner });
    expect(detail.body.bindings).toEqual([expect.objectContaining({ action: 'bind', customerId: friend.customerId, promoterId: a.customerId })]);
    expect(detail.body).toMatchObject({ team1: 1, earnedFen: 2_000 });
    await invariant();
  });

  it('an open after-sales case keeps the commission frozen past the window', async () => {
    const a = await promoter('推广员乙');
    const friend = await signInCustomer(t, shop.slug);
    expect((await visit(friend, await shareScene(a))).bound).toBe(true);
    const product = await createProduct(t, shop.owner, { priceFen: 5_000, stock: 10 });
    const order = await buy(friend, product.skus[0].id, 1);
    await pickUp(order);
    const detail = await t.call('GET', store(`/orders/${order.id}`), { headers: bearer(friend) });
    const asked = await t.call('POST', store(`/orders/${order.id}/refunds`), {
      headers: bearer(friend), body: { type: 'return_refund', items: [{ orderItemId: detail.body.items[0].id, quantity: 1 }], reason: '不合适' },
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    await at(Date.now() + 8 * DAY, () => dist().tick());
    expect(await accountOf(a)).toMatchObject({ frozenFen: 500, payableFen: 0 });
    await t.call('POST', store(`/orders/${order.id}/refunds/${asked.body.id}/cancel`), { headers: bearer(friend) });
    await at(Date.now() + 8 * DAY, () => dist().tick());
    expect(await accountOf(a)).toMatchObject({ frozenFen: 0, payableFen: 500 });
  });

  it('a partial refund after withdrawal leaves a debt that blocks withdrawing (PROMOTER_IN_DEBT)', async () => {
    const a = await promoter('推广员丙');
    const friend = await signInCustomer(t, shop.slug);
    expect((await visit(friend, await shareScene(a))).bound).toBe(true);
    const product = await createProduct(t, shop.owner, { priceFen: 10_000, stock: 10 });
    const order = await buy(friend, product.skus[0].id, 2);
    await pickUp(order);
    await at(Date.now() + 8 * DAY, () => dist().tick());
    expect(await accountOf(a)).toMatchObject({ payableFen: 2_000 });
    const w = await t.call('POST', store('/me/promoter/withdrawals'), { headers: bearer(a, { 'idempotency-key': randomUUID() }), body: { amountFen: 2_000 } });
    expect(w.status).toBe(201);
    const detail = await t.call('GET', store(`/orders/${order.id}`), { headers: bearer(friend) });
    const refund = await t.call('POST', `/api/admin/orders/${order.id}/refunds`, { session: shop.owner, body: { items: [{ orderItemId: detail.body.items[0].id, quantity: 1 }], reason: '质量问题' } });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    await waitFor(async () => {
      await t.drain();
      return (await accountOf(a)).clawedFen === 1_000;
    }, 'the clawback');
    expect(await accountOf(a)).toMatchObject({ payableFen: -1_000, withdrawingFen: 2_000, clawedFen: 1_000, earnedFen: 2_000 });
    const blocked = await t.call('POST', store('/me/promoter/withdrawals'), { headers: bearer(a, { 'idempotency-key': randomUUID() }), body: { amountFen: 100 } });
    expect(blocked.status).toBe(409);
    expect(blocked.body.error).toMatchObject({ code: 'PROMOTER_IN_DEBT', details: { debtFen: 1_000 } });
    // Rejecting the withdrawal gives the money back; the debt is repaid from it.
    const rejected = await t.call('POST', `/api/admin/withdrawals/${w.body.id}/reject`, { session: shop.owner, body: { reason: '核对中' } });
    expect(rejected.status).toBe(200);
    expect(await accountOf(a)).toMatchObject({ payableFen: 1_000, withdrawingFen: 0 });
    await invariant();
  });

  it('fixed commission is multiplied by the quantity, and tier 2 goes to the promoter’s own promoter', async () => {
    const top = await promoter('上级');
    const mid = await promoter('下级');
    expect((await visit(mid, await shareScene(top))).bound).toBe(true);
    const buyer = await signInCustomer(t, shop.slug);
    expect((await visit(buyer, await shareScene(mid))).bound).toBe(true);
    const product = await createProduct(t, shop.owner, { priceFen: 10_000, stock: 10 });
    const put = await t.call('PUT', `/api/admin/distribution/products/${product.id}`, { session: shop.owner, body: { mode: 'fixed', level1: 300, level2: 100 } });
    expect(put.body).toMatchObject({ custom: true, mode: 'fixed', level1: 300, level2: 100 });
    await buy(buyer, product.skus[0].id, 3);
    expect(await accountOf(mid)).toMatchObject({ frozenFen: 900 });
    expect(await accountOf(top)).toMatchObject({ frozenFen: 300 });
    const team2 = await t.call('GET', store('/me/promoter/team?tier=2'), { headers: bearer(top) });
    expect(team2.body).toMatchObject({ total: 1, items: [{ orders: 1, spentFen: 30_000 }] });
    // The buyer's own purchases never pay the buyer: a promoter bound to nobody earns nothing on them.
    await buy(top, product.skus[0].id, 1);
    expect(await accountOf(top)).toMatchObject({ frozenFen: 300 });

    // Staff see the same team, and the products with a commission of their own; removing it brings the shop's rates back.
    const staffTeam = await t.call('GET', `/api/admin/promoters/${top.customerId}/team?tier=2`, { session: shop.owner });
    expect(staffTeam.body).toMatchObject({ total: 1, items: [{ orders: 1, spentFen: 30_000 }] });
    expect((await t.call('GET', `/api/admin/promoters/${buyer.customerId}/team`, { session: shop.owner })).status).toBe(404);
    const rules = await t.call('GET', '/api/admin/distribution/products', { session: shop.owner });
    expect(rules.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ productId: product.id, mode: 'fixed', level1: 300, level2: 100 })]));
    const reset = await t.call('DELETE', `/api/admin/distribution/products/${product.id}`, { session: shop.owner });
    expect(reset.body).toMatchObject({ custom: false, mode: 'percent', level1: SETTINGS.level1Bp });
    expect((await t.call('GET', '/api/admin/distribution/products', { session: shop.owner })).body.items.some((r: { productId: string }) => r.productId === product.id)).toBe(false);
  });
});

describe('binding', () => {
  it('refuses loops over the whole ancestor chain, self and a second promoter under first click', async () => {
    const a = await promoter('环甲');
    const b = await promoter('环乙');
    const c = await promoter('环丙');
    expect((await visit(b, await shareScene(a))).bound).toBe(true);
    expect((await visit(c, await shareScene(b))).bound).toBe(true);
    expect((await visit(a, await shareScene(c))).bound).toBe(false);
    expect((await visit(a, await shareScene(b))).bound).toBe(false);
    expect((await visit(a, await shareScene(a))).bound).toBe(false);
    // First click: c stays with b.
    expect((await visit(c, await shareScene(a))).bound).toBe(false);
    const [row] = await rows<{ promoter_id: string }>(t.platform.db, sql`SELECT promoter_id FROM promoter_bindings WHERE shop_id = ${shop.shopId} AND customer_id = ${c.customerId}`);
    expect(row.promoter_id).toBe(b.customerId);
  });

  it('last click rebinds (audited); an expired binding is replaced and its expiry written', async () => {
    await settings({ bindingMode: 'last_click', bindingDays: 1 });
    try {
      const a = await promoter('末次甲');
      const b = await promoter('末次乙');
      const x = await signInCustomer(t, shop.slug);
      expect((await visit(x, await shareScene(a))).bound).toBe(true);
      expect((await visit(x, await shareScene(b))).bound).toBe(true);
      const log = await rows<{ action: string; previous_promoter_id: string | null }>(t.platform.db, sql`SELECT action, previous_promoter_id FROM promoter_binding_log WHERE customer_id = ${x.customerId} ORDER BY id`);
      expect(log).toEqual([{ action: 'bind', previous_promoter_id: null }, { action: 'rebind', previous_promoter_id: a.customerId }]);
      await at(Date.now() + 2 * DAY, () => dist().tick());
      const after = await rows<{ action: string }>(t.platform.db, sql`SELECT action FROM promoter_binding_log WHERE customer_id = ${x.customerId} ORDER BY id`);
      expect(after.map((r) => r.action)).toEqual(['bind', 'rebind', 'expire']);
    } finally {
      await settings({});
    }
  });

  it('a forged scene, a made-up one or another shop’s binds nothing', async () => {
    const a = await promoter('伪造');
    const scene = await shareScene(a);
    const x = await signInCustomer(t, shop.slug);
    const forged = `${scene.slice(0, 11)}${scene.slice(11).split('').reverse().join('')}`;
    expect((await visit(x, forged === scene ? `${scene.slice(0, 11)}zzzzzz` : forged)).bound).toBe(false);
    expect((await visit(x, 'not-a-scene')).bound).toBe(false);
    const other = await t.createShop();
    await t.call('PUT', '/api/admin/distribution/settings', { session: other.owner, body: SETTINGS });
    const stranger = await signInCustomer(t, other.slug);
    await t.call('GET', store('/me/promoter', other.slug), { headers: bearer(stranger) });
    const theirs = await t.call('POST', store('/me/share', other.slug), { headers: bearer(stranger), body: { kind: 'promoter' } });
    expect(theirs.status).toBe(200);
    expect((await visit(x, theirs.body.scene)).bound).toBe(false);
    const none = await rows(t.platform.db, sql`SELECT 1 FROM promoter_bindings WHERE customer_id = ${x.customerId}`);
    expect(none).toEqual([]);
  });
});

describe('who earns', () => {
  it('a disabled promoter earns nothing new; new-customers-only binds nobody who has paid before', async () => {
    const p = await promoter('停用者');
    const buyer = await signInCustomer(t, shop.slug);
    expect((await visit(buyer, await shareScene(p))).bound).toBe(true);
    expect((await t.call('POST', `/api/admin/promoters/${p.customerId}/disable`, { session: shop.owner })).body.status).toBe('disabled');
    const product = await createProduct(t, shop.owner, { priceFen: 10_000, stock: 5 });
    await buy(buyer, product.skus[0].id, 1);
    expect(await accountOf(p)).toMatchObject({ earnedFen: 0 });

    await settings({ newCustomersOnly: true });
    try {
      const q = await promoter('老带新');
      expect((await visit(buyer, await shareScene(q))).bound).toBe(false);
      const fresh = await signInCustomer(t, shop.slug);
      expect((await visit(fresh, await shareScene(q))).bound).toBe(true);
    } finally {
      await settings({});
    }
  });
});

describe('large withdrawals', () => {
  it('need the real name from ¥2,000, which goes to WeChat with the bill (scene 1005, fee taken)', async () => {
    await settings({ withdrawFeeBp: 100 });
    try {
      const a = await promoter('大额');
      await t.platform.database.transaction(async (tx) => {
        await tx.execute(sql`INSERT INTO promoter_ledger (shop_id, customer_id, kind, ref, payable_delta, earned_delta, created_at) VALUES (${shop.shopId}, ${a.customerId}, 'earn', 'seed', 300000, 300000, now())`);
        await tx.execute(sql`UPDATE promoters SET payable_fen = 300000, earned_fen = 300000 WHERE shop_id = ${shop.shopId} AND customer_id = ${a.customerId}`);
      });
      const nameless = await t.call('POST', store('/me/promoter/withdrawals'), { headers: bearer(a, { 'idempotency-key': randomUUID() }), body: { amountFen: 250_000 } });
      expect(nameless.status).toBe(422);
      expect(nameless.body.error).toMatchObject({ code: 'WITHDRAW_REAL_NAME_REQUIRED', details: { field: 'realName' } });
      const tooMuch = await t.call('POST', store('/me/promoter/withdrawals'), { headers: bearer(a, { 'idempotency-key': randomUUID() }), body: { amountFen: 300_001, realName: '李四' } });
      expect(tooMuch.body.error.code).toBe('WITHDRAW_EXCEEDS_PAYABLE');
      const small = await t.call('POST', store('/me/promoter/withdrawals'), { headers: bearer(a, { 'idempotency-key': randomUUID() }), body: { amountFen: 99 } });
      expect(small.body.error.code).toBe('WITHDRAW_BELOW_MINIMUM');
      const w = await t.call('POST', store('/me/promoter/withdrawals'), { headers: bearer(a, { 'idempotency-key': randomUUID() }), body: { amountFen: 250_000, realName: '李四' } });
      expect(w.status, JSON.stringify(w.body)).toBe(201);
      expect(w.body).toMatchObject({ amountFen: 250_000, feeFen: 2_500, payFen: 247_500 });
      expect((await t.call('POST', `/api/admin/withdrawals/${w.body.id}/approve`, { session: shop.owner })).status).toBe(200);
      await t.drain();
      const bill = await waitFor(async () => {
        const bills = await t.call('GET', '/sandbox/wechatpay/sandbox/transfers');
        return bills.body.transfers.find((b: { out_bill_no: string }) => b.out_bill_no === `${w.body.withdrawalNo}B1`);
      }, 'the bill');
      expect(bill).toMatchObject({ transfer_amount: 247_500, user_name: '李四', transfer_scene_id: '1005', state: 'WAIT_USER_CONFIRM' });
      expect(bill.transfer_scene_report_infos).toEqual([{ info_type: '岗位类型', info_content: '推广员' }, { info_type: '报酬说明', info_content: '推广佣金' }]);
      // The payee declines: the bill is cancelled, the money is withdrawable again, and staff may approve again (a new bill).
      const waiting = await waitFor(async () => {
        const r = await t.call('POST', store(`/me/promoter/withdrawals/${w.body.id}/confirm`), { headers: bearer(a) });
        return r.status === 200 ? r.body : null;
      }, 'the bill to wait for confirmation');
      const declined = await t.call('POST', '/sandbox/wechatpay/sandbox/transfer/decline', { body: { package_info: waiting.packageInfo } });
      expect(declined.status, JSON.stringify(declined.body)).toBe(200);
      await waitFor(async () => {
        await t.drain();
        await dist().withdrawals.syncInFlight(100, 0);
        const r = await t.call('GET', store('/me/promoter/withdrawals'), { headers: bearer(a) });
        return r.body.items[0].status === 'failed';
      }, 'the withdrawal to fail');
      expect(await accountOf(a)).toMatchObject({ payableFen: 300_000, withdrawingFen: 0 });
      expect((await t.call('POST', `/api/admin/withdrawals/${w.body.id}/approve`, { session: shop.owner })).status).toBe(200);
      expect(await accountOf(a)).toMatchObject({ payableFen: 50_000, withdrawingFen: 250_000 });
      await t.drain();
      const second = await waitFor(async () => {
        const bills = await t.call('GET', '/sandbox/wechatpay/sandbox/transfers');
        return bills.body.transfers.find((b: { out_bill_no: string }) => b.out_bill_no === `${w.body.withdrawalNo}B2`);
      }, 'the second bill');
      expect(second.state).toBe('WAIT_USER_CONFIRM');
      await invariant();
    } finally {
      await settings({});
    }
  });
});

describe('merges', () => {
  it('a merged-away promoter’s account, commissions and bindings follow the survivor', async () => {
    const top = await promoter('合并上级');
    const from = await promoter('合并前');
    const into = await promoter('合并后');
    expect((await visit(from, await shareScene(top))).bound).toBe(true);
    const buyer = await signInCustomer(t, shop.slug);
    expect((await visit(buyer, await shareScene(from))).bound).toBe(true);
    const product = await createProduct(t, shop.owner, { priceFen: 10_000, stock: 5 });
    await buy(buyer, product.skus[0].id, 1);
    expect(await accountOf(from)).toMatchObject({ frozenFen: 1_000 });
    await t.platform.database.transaction((tx) => t.platform.events.emit(tx, { shopId: shop.shopId, type: 'customer.merged', payload: { fromCustomerId: from.customerId, intoCustomerId: into.customerId } }));
    await t.drain();
    expect(await accountOf(into)).toMatchObject({ earnedFen: 1_000, frozenFen: 1_000 });
    const bindings = await rows<{ customer_id: string; promoter_id: string }>(t.platform.db, sql`
      SELECT customer_id, promoter_id FROM promoter_bindings WHERE shop_id = ${shop.shopId} AND customer_id IN (${buyer.customerId}, ${into.customerId}, ${from.customerId}) ORDER BY customer_id`);
    expect(bindings).toEqual(expect.arrayContaining([{ customer_id: buyer.customerId, promoter_id: into.customerId }, { customer_id: into.customerId, promoter_id: top.customerId }]));
    expect(bindings).toHaveLength(2);
    const gone = await rows(t.platform.db, sql`SELECT 1 FROM promoters WHERE shop_id = ${shop.shopId} AND customer_id = ${from.customerId}`);
    expect(gone).toEqual([]);
    await invariant();
  });
});

describe('eligibility and review', () => {
  it('spend: refused with the gap until the customer has spent enough; apply: staff review', async () => {
    await settings({ eligibility: 'spend', spendThresholdFen: 20_000 });
    try {
      const c = await signInCustomer(t, shop.slug);
      expect((await t.call('GET', store('/me/promoter'), { headers: bearer(c) })).body).toMatchObject({ status: 'none', canApply: true });
      const refused = await t.call('POST', store('/me/promoter/apply'), { headers: bearer(c), body: {} });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'PROMOTER_SPEND_REQUIRED', details: { gapFen: 20_000, spentFen: 0 } });
      const product = await createProduct(t, shop.owner, { priceFen: 25_000, stock: 5 });
      await buy(c, product.skus[0].id, 1);
      const ok = await t.call('POST', store('/me/promoter/apply'), { headers: bearer(c), body: {} });
      expect(ok.body.status).toBe('approved');

      await settings({ eligibility: 'apply' });
      const d = await signInCustomer(t, shop.slug);
      const applied = await t.call('POST', store('/me/promoter/apply'), { headers: bearer(d), body: { realName: '张三' } });
      expect(applied.body.status).toBe('pending');
      const pending = await t.call('GET', '/api/admin/promoters?status=pending', { session: shop.owner });
      expect(pending.body.items.map((i: { customerId: string }) => i.customerId)).toContain(d.customerId);
      const rejected = await t.call('POST', `/api/admin/promoters/${d.customerId}/reject`, { session: shop.owner, body: { reason: '资料不全' } });
      expect(rejected.body).toMatchObject({ status: 'rejected' });
      expect((await t.call('POST', store('/me/promoter/apply'), { headers: bearer(d), body: {} })).body.status).toBe('pending');
      expect((await t.call('POST', `/api/admin/promoters/${d.customerId}/approve`, { session: shop.owner })).body.status).toBe('approved');
      expect((await t.call('POST', `/api/admin/promoters/${d.customerId}/disable`, { session: shop.owner })).body.status).toBe('disabled');
      const again = await t.call('POST', `/api/admin/promoters/${d.customerId}/disable`, { session: shop.owner });
      expect(again.body.error.code).toBe('PROMOTER_STATE_INVALID');
    } finally {
      await settings({});
    }
  });

  it('refuses rates above 100 % together and a permanent binding with days', async () => {
    const res = await t.call('PUT', '/api/admin/distribution/settings', { session: shop.owner, body: { ...SETTINGS, level1Bp: 8000, level2Bp: 3000 } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('level2Bp');
    const perm = await t.call('PUT', '/api/admin/distribution/settings', { session: shop.owner, body: { ...SETTINGS, bindingMode: 'permanent', bindingDays: null } });
    expect(perm.body).toMatchObject({ bindingMode: 'permanent', bindingDays: null });
    await settings({});
  });
});

describe('withdrawals race', () => {
  it('30 parallel withdrawals of ¥10–¥40 from ¥100 payable take at most ¥100, payable never below 0', async () => {
    const a = await promoter('并发');
    await t.platform.database.transaction(async (tx) => {
      await tx.execute(sql`INSERT INTO promoter_ledger (shop_id, customer_id, kind, ref, payable_delta, earned_delta, created_at) VALUES (${shop.shopId}, ${a.customerId}, 'earn', 'seed', 10000, 10000, now())`);
      await tx.execute(sql`UPDATE promoters SET payable_fen = 10000, earned_fen = 10000 WHERE shop_id = ${shop.shopId} AND customer_id = ${a.customerId}`);
    });
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
    const asks = Array.from({ length: 30 }, () => 1_000 + Math.floor(rand() * 3_001));
    const results = await Promise.all(asks.map((amountFen) => t.call('POST', store('/me/promoter/withdrawals'), { headers: bearer(a, { 'idempotency-key': randomUUID() }), body: { amountFen } })));
    const accepted = results.filter((r) => r.status === 201).map((r) => r.body.amountFen as number);
    for (const r of results.filter((x) => x.status !== 201)) expect(r.body.error.code).toBe('WITHDRAW_EXCEEDS_PAYABLE');
    const sum = accepted.reduce((s, n) => s + n, 0);
    expect(sum).toBeLessThanOrEqual(10_000);
    expect(accepted.length).toBeGreaterThan(1);
    const acc = await accountOf(a);
    expect(acc.payableFen).toBe(10_000 - sum);
    expect(acc.payableFen).toBeGreaterThanOrEqual(0);
    expect(acc.withdrawingFen).toBe(sum);
    // Whatever is left is less than the smallest refused ask.
    const refusedAsks = results.map((r, i) => (r.status === 201 ? null : asks[i])).filter((n): n is number => n !== null);
    if (refusedAsks.length) expect(acc.payableFen).toBeLessThan(Math.min(...refusedAsks));
    await invariant();
  });
});

describe('the API description', () => {
  it('lists every distribution route with its permission-bearing admin paths', async () => {
    const doc = (await t.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/api/admin/distribution/settings', '/api/admin/distribution/overview', '/api/admin/distribution/products/{productId}', '/api/admin/promoters',
      '/api/admin/promoters/{customerId}', '/api/admin/promoters/{customerId}/approve', '/api/admin/promoters/{customerId}/reject', '/api/admin/promoters/{customerId}/disable',
      '/api/admin/commissions', '/api/admin/withdrawals', '/api/admin/withdrawals/{id}/approve', '/api/admin/withdrawals/{id}/reject',
      '/api/store/{shop}/me/promoter', '/api/store/{shop}/me/promoter/apply', '/api/store/{shop}/me/promoter/team', '/api/store/{shop}/me/promoter/commissions',
      '/api/store/{shop}/me/promoter/withdrawals', '/api/store/{shop}/me/promoter/withdrawals/{id}/confirm', '/api/store/{shop}/referrals/visit',
    ]) expect(paths).toContain(p);
  });
});
