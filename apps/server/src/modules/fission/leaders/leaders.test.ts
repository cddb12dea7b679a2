import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../testing/harness.js';
import { atTime, bearer, createProduct, payOrder, signInCustomer, waitFor, type CustomerFixture, type ShopFixture } from '../../../testing/commerce.js';
import { download } from '../../catalog/testing/fixtures.js';
import { batchOf, beijingDay } from './batch.js';

let t: TestApp;
let shop: ShopFixture;
const store = (path: string) => `/api/store/${shop.slug}${path}`;
const admin = (method: string, path: string, body?: unknown) => t.call(method, `/api/admin${path}`, { session: shop.owner, body });

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
});
afterAll(() => t?.close());

const settings = (over: Record<string, unknown> = {}) => ({ enabled: true, commissionBp: 1000, cutoffTime: '22:00', pickupAfterDays: 1, autoApprove: false, ...over });

async function saveSettings(over: Record<string, unknown> = {}) {
  const res = await admin('PUT', '/leaders/settings', settings(over));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const application = (name: string, latitude?: number, longitude?: number) => ({
  name, phone: `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`, pointName: `${name}的小店`, address: `文三路 ${name} 号`, hours: '8:00-20:00',
  ...(latitude !== undefined ? { latitude, longitude } : {}),
});

async function applyAndApprove(c: CustomerFixture, name: string, lat: number, lng: number) {
  const applied = await t.call('POST', store('/me/leader-centre/apply'), { headers: bearer(c), body: application(name, lat, lng) });
  expect(applied.status, JSON.stringify(applied.body)).toBe(200);
  expect(applied.body.status).toBe('pending');
  const approved = await admin('POST', `/leaders/${c.customerId}/approve`);
  expect(approved.status, JSON.stringify(approved.body)).toBe(200);
  expect(approved.body).toMatchObject({ status: 'approved', pickupPointId: expect.any(String) });
  return approved.body.pickupPointId as string;
}

async function placeAt(c: CustomerFixture, skuId: string, pickupPointId: string, quantity = 1) {
  const placed = await t.call('POST', store('/orders'), { headers: bearer(c, { 'idempotency-key': randomUUID() }), body: { items: [{ skuId, quantity }], fulfilment: 'pickup', pickupPointId, couponId: null } });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const paid = await payOrder(t, shop.slug, c, placed.body.id);
  return { id: placed.body.id as string, orderNo: paid.orderNo as string, pickupCode: paid.pickupCode as string };
}

async function readXlsx(path: string) {
  const file = await download(t, path, shop.owner);
  expect(file.status).toBe(200);
  expect(file.headers.get('content-type')).toContain('spreadsheetml');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(file.data as unknown as ArrayBuffer);
  return wb;
}

describe('applications', () => {
  it('refuses while the shop takes no leaders, one application per customer, and a rejected one may be sent again', async () => {
    const c = await signInCustomer(t, shop.slug);
    const off = await t.call('POST', store('/me/leader-centre/apply'), { headers: bearer(c), body: application('甲') });
    expect(off.status).toBe(409);
    expect(off.body.error.code).toBe('LEADERS_DISABLED');

    await saveSettings();
    const bad = await admin('PUT', '/leaders/settings', settings({ cutoffTime: '24:00' }));
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('cutoffTime');

    expect((await t.call('POST', store('/me/leader-centre/apply'), { headers: bearer(c), body: application('甲') })).status).toBe(200);
    const again = await t.call('POST', store('/me/leader-centre/apply'), { headers: bearer(c), body: application('甲') });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('LEADER_APPLICATION_EXISTS');

    const rejected = await admin('POST', `/leaders/${c.customerId}/reject`, { reason: '地址不清楚' });
    expect(rejected.body).toMatchObject({ status: 'rejected', rejectReason: '地址不清楚', pickupPointId: null });
    const disableRejected = await admin('POST', `/leaders/${c.customerId}/disable`);
    expect(disableRejected.status).toBe(409);
    expect(disableRejected.body.error.code).toBe('LEADER_STATE_INVALID');
    const centre = await t.call('GET', store('/me/leader-centre'), { headers: bearer(c) });
    expect(centre.body).toMatchObject({ status: 'rejected', canApply: true });
    expect((await t.call('POST', store('/me/leader-centre/apply'), { headers: bearer(c), body: application('甲') })).body.status).toBe('pending');
    const unknown = await admin('POST', `/leaders/${randomUUID()}/approve`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.details.field).toBe('customerId');
  });

  it('approves at once where the shop says so', async () => {
    await saveSettings({ autoApprove: true });
    try {
      const c = await signInCustomer(t, shop.slug);
      const applied = await t.call('POST', store('/me/leader-centre/apply'), { headers: bearer(c), body: application('乙') });
      expect(applied.body).toMatchObject({ status: 'approved', application: { pickupPointId: expect.any(String) } });
      // Disabled at once again so it does not appear among the leaders the next test expects.
      expect((await admin('POST', `/leaders/${c.customerId}/disable`)).body.status).toBe('disabled');
    } finally {
      await saveSettings();
    }
  });
});

describe('a community leader, from application to settlement', () => {
  it('runs the whole loop', async () => {
    await saveSettings();
    const [a, b, c, buyer, other] = await Promise.all([0, 1, 2, 3, 4].map(() => signInCustomer(t, shop.slug)));
    // Three leaders around West Lake, Hangzhou: A nearest the buyer, then B (about 1 km), then C in Shanghai.
    const pointA = await applyAndApprove(a!, '阿明', 30.2741, 120.1551);
    const pointB = await applyAndApprove(b!, '阿芳', 30.2831, 120.1551);
    const pointC = await applyAndApprove(c!, '阿强', 31.2304, 121.4737);
    const points = (await admin('GET', '/pickup-points')).body.items as { id: string; name: string; active: boolean }[];
    expect(points.find((p) => p.id === pointA)).toMatchObject({ name: '团长·阿明', active: true });

    const near = await t.call('GET', store('/leaders/nearby?lat=30.2745&lng=120.1555'), { headers: bearer(buyer!) });
    expect(near.status, JSON.stringify(near.body)).toBe(200);
    const ids = near.body.items.map((l: { customerId: string }) => l.customerId);
    expect(ids.filter((id: string) => [a!.customerId, b!.customerId, c!.customerId].includes(id))).toEqual([a!.customerId, b!.customerId, c!.customerId]);
    const meters = near.body.items.slice(0, 3).map((l: { distanceMeters: number }) => l.distanceMeters);
    expect(meters[0]).toBeLessThan(100);
    expect(meters[1]).toBeGreaterThan(900);
    expect(meters[1]).toBeLessThan(1100);
    expect(meters[2]).toBeGreaterThan(150_000);

    // Choosing: a pending/unknown leader is not found; a change is kept in the history.
    const wrong = await t.call('PUT', store('/me/leader'), { headers: bearer(buyer!), body: { leaderId: randomUUID() } });
    expect(wrong.status).toBe(404);
    expect(wrong.body.error.details.field).toBe('leaderId');
    expect((await t.call('PUT', store('/me/leader'), { headers: bearer(buyer!), body: { leaderId: b!.customerId } })).status).toBe(200);
    const mine = await t.call('PUT', store('/me/leader'), { headers: bearer(buyer!), body: { leaderId: a!.customerId } });
    expect(mine.body).toMatchObject({ mine: { customerId: a!.customerId, pickupPointId: pointA }, cutoffTime: '22:00' });
    expect((await t.call('GET', store('/me/leader'), { headers: bearer(buyer!) })).body.mine.pickupPointId).toBe(pointA);
    expect(await t.services.fission.leaders.choiceHistory(shop.shopId, buyer!.customerId)).toMatchObject([{ fromLeaderId: null, toLeaderId: b!.customerId }, { fromLeaderId: b!.customerId, toLeaderId: a!.customerId }]);

    // The cut-off a minute or two from now; one order paid 30 s before it, one 30 s after.
    const cutoffMs = Math.ceil(Date.now() / 60_000) * 60_000 + 60_000;
    const cutoffTime = new Date(cutoffMs + 8 * 3600_000).toISOString().slice(11, 16);
    await saveSettings({ cutoffTime });
    const dayD = batchOf(new Date(cutoffMs), cutoffTime, 1).batchDate;
    const dayNext = batchOf(new Date(cutoffMs + 1), cutoffTime, 1).batchDate;
    expect(dayNext).not.toBe(dayD);

    const product = await createProduct(t, shop.owner, { priceFen: 5_000, stock: 100 });
    const skuId = product.skus[0]!.id;
    const before = await atTime(t, cutoffMs - 30_000, () => placeAt(buyer!, skuId, pointA, 2));
    const held = await atTime(t, cutoffMs - 20_000, () => placeAt(other!, skuId, pointA, 1));
    const after = await atTime(t, cutoffMs + 30_000, () => placeAt(buyer!, skuId, pointA, 3));
    const atB = await atTime(t, cutoffMs - 10_000, () => placeAt(other!, skuId, pointB, 1));
    await t.platform.database.transaction((tx) => t.services.orders.hold(tx, shop.shopId, held.id, 'group_buy'));

    const listD = await admin('GET', `/leaders/${a!.customerId}/pick-list?date=${dayD}`);
    expect(listD.status, JSON.stringify(listD.body)).toBe(200);
    expect(listD.body.orders.map((o: { orderId: string }) => o.orderId).sort()).toEqual([before.id, held.id].sort());
    expect(listD.body.orders.find((o: { orderId: string }) => o.orderId === held.id).onHold).toBe(true);
    // The held order is not picked until its group forms.
    expect(listD.body.lines).toEqual([expect.objectContaining({ skuId, quantity: 2, orders: 1 })]);
    expect(listD.body.window.to).toBe(new Date(cutoffMs).toISOString());
    const listNext = await t.call('GET', store(`/me/leader-centre/pick-list?date=${dayNext}`), { headers: bearer(a!) });
    expect(listNext.status, JSON.stringify(listNext.body)).toBe(200);
    expect(listNext.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual([after.id]);
    expect(listNext.body.lines).toEqual([expect.objectContaining({ quantity: 3, orders: 1 })]);
    expect(listNext.body.pickupDate > dayNext).toBe(true);
    const notLeader = await t.call('GET', store(`/me/leader-centre/pick-list?date=${dayD}`), { headers: bearer(buyer!) });
    expect(notLeader.status).toBe(409);
    expect(notLeader.body.error.code).toBe('LEADER_STATE_INVALID');

    const pickXlsx = await readXlsx(`/api/admin/leaders/${a!.customerId}/pick-list.xlsx?date=${dayD}`);
    expect(pickXlsx.getWorksheet('拣货单')!.getRow(2).getCell(3).value).toBe(2);
    expect(pickXlsx.getWorksheet('订单')!.rowCount).toBe(3);

    // Verification at the leader's own point only.
    const verify = (who: CustomerFixture, code: string) => t.call('POST', store('/me/leader-centre/verify'), { headers: bearer(who), body: { code } });
    const elsewhere = await verify(a!, atB.pickupCode);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.error.details.field).toBe('code');
    const onHold = await verify(a!, held.pickupCode);
    expect(onHold.status).toBe(409);
    expect(onHold.body.error.code).toBe('ORDER_ON_HOLD');
    const done = await verify(a!, before.pickupCode);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ orderId: before.id, status: 'completed', items: [{ quantity: 2 }] });
    const used = await verify(a!, before.pickupCode);
    expect(used.status).toBe(409);
    expect(used.body.error.code).toBe('PICKUP_CODE_USED');
    expect((await verify(b!, atB.pickupCode)).status).toBe(200);

    // Commission on the verified order only: 10% of 10 000 fen.
    await waitFor(async () => {
      await t.drain();
      return (await t.call('GET', store('/me/leader-centre/commissions'), { headers: bearer(b!) })).body.total === 1;
    }, 'the commissions');
    const commissionsA = await t.call('GET', store('/me/leader-centre/commissions'), { headers: bearer(a!) });
    expect(commissionsA.body.items).toEqual([expect.objectContaining({ orderId: before.id, kind: 'order', amountFen: 1_000, status: 'unsettled' })]);
    const centre = await t.call('GET', store('/me/leader-centre'), { headers: bearer(a!) });
    expect(centre.body).toMatchObject({ status: 'approved', stats: { customers: 1, ordersToPick: 1, verifiedToday: 1, commissionFen: 1_000, unsettledFen: 1_000 } });

    // A refund of one of the two units halves it.
    const detail = await admin('GET', `/orders/${before.id}`);
    const itemId = detail.body.items[0].id as string;
    const refund = await admin('POST', `/orders/${before.id}/refunds`, { items: [{ orderItemId: itemId, quantity: 1 }], reason: '质量问题' });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    await waitFor(async () => {
      await t.drain();
      const list = await t.call('GET', store('/me/leader-centre/commissions'), { headers: bearer(a!) });
      return list.body.items[0].amountFen === 500;
    }, 'the reduced commission');

    // Settling twice settles each leader once, and links each commission once.
    const periodTo = beijingDay(new Date());
    const run1 = await admin('POST', '/leader-settlements/run', { periodTo });
    expect(run1.status, JSON.stringify(run1.body)).toBe(200);
    expect(run1.body.created).toBe(2);
    const run2 = await admin('POST', '/leader-settlements/run', { periodTo });
    expect(run2.body.created).toBe(0);
    const settlements = await admin('GET', '/leader-settlements?status=open');
    const mineA = settlements.body.items.filter((s: { customerId: string }) => s.customerId === a!.customerId);
    expect(mineA).toEqual([expect.objectContaining({ leaderName: '阿明', periodTo, orders: 1, commissionFen: 500, status: 'open' })]);
    expect(settlements.body.items.filter((s: { customerId: string }) => s.customerId === b!.customerId)).toEqual([expect.objectContaining({ commissionFen: 500, orders: 1 })]);
    const linked = await admin('GET', `/leader-settlements/${mineA[0].id}/commissions`);
    expect(linked.body.items).toEqual([expect.objectContaining({ orderId: before.id, status: 'settled', settledFen: 500 })]);
    const unknownSettlement = await admin('GET', `/leader-settlements/${randomUUID()}/commissions`);
    expect(unknownSettlement.status).toBe(404);
    expect(unknownSettlement.body.error.details.field).toBe('id');

    // A refund after settlement is carried as a negative adjustment; less than zero waits for a later settlement.
    expect((await admin('POST', `/orders/${before.id}/refunds`, { items: [{ orderItemId: itemId, quantity: 1 }], reason: '质量问题' })).status).toBe(201);
    await waitFor(async () => {
      await t.drain();
      const list = await t.call('GET', store('/me/leader-centre/commissions'), { headers: bearer(a!) });
      return list.body.items.find((i: { kind: string }) => i.kind === 'adjustment');
    }, 'the adjustment');
    const afterRefund = (await t.call('GET', store('/me/leader-centre/commissions'), { headers: bearer(a!) })).body.items;
    expect(afterRefund).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'adjustment', amountFen: -500, status: 'unsettled' }),
      expect.objectContaining({ kind: 'order', amountFen: 0, settledFen: 500, status: 'settled' }),
    ]));
    const later = await admin('POST', '/leader-settlements/run', { periodTo: beijingDay(new Date(Date.now() + 86_400_000)) });
    expect(later.body.created).toBe(0);
    expect((await admin('GET', `/leaders?status=approved&q=阿明`)).body.items).toEqual([expect.objectContaining({ customerId: a!.customerId, unsettledFen: -500, ordersVerified: 1, customers: 1 })]);

    // Paying.
    const paid = await admin('POST', `/leader-settlements/${mineA[0].id}/paid`, { note: '线下转账' });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(paid.body).toMatchObject({ status: 'paid', note: '线下转账', paidAt: expect.any(String) });
    const twice = await admin('POST', `/leader-settlements/${mineA[0].id}/paid`, {});
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('LEADER_SETTLEMENT_STATE_INVALID');
    expect((await t.call('GET', store('/me/leader-centre/settlements'), { headers: bearer(a!) })).body.items).toEqual([expect.objectContaining({ id: mineA[0].id, status: 'paid' })]);

    const settlementsXlsx = await readXlsx('/api/admin/leader-settlements.xlsx?status=paid');
    const sheet = settlementsXlsx.getWorksheet('团长结算')!;
    expect(sheet.rowCount).toBe(2);
    expect(sheet.getRow(2).getCell(2).value).toBe('阿明');
    expect(sheet.getRow(2).getCell(6).value).toBe(5);

    const overview = await admin('GET', '/leaders/overview');
    expect(overview.body).toMatchObject({ leaders: 3, verifiedOrders30d: 2 });
    expect(overview.body.ranking[0]).toMatchObject({ customerId: b!.customerId, commissionFen: 500 });

    // Guessing codes is capped per (shop, leader), as for staff; another leader is not held up by it.
    let limited = null as null | { status: number; body: any };
    for (let i = 0; i < 35 && !limited; i++) {
      const res = await verify(b!, '99999999');
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(404);
    }
    expect(limited?.body.error.code).toBe('RATE_LIMITED');
    expect((await verify(a!, '99999999')).status).toBe(404);

    // Disabling a leader closes their pickup point and takes them off the list customers choose from.
    expect((await admin('POST', `/leaders/${c!.customerId}/disable`)).body.status).toBe('disabled');
    expect(((await admin('GET', '/pickup-points')).body.items as { id: string; active: boolean }[]).find((p) => p.id === pointC)!.active).toBe(false);
    const nearAfter = await t.call('GET', store('/leaders/nearby'), { headers: bearer(buyer!) });
    expect(nearAfter.body.items.map((l: { customerId: string }) => l.customerId)).not.toContain(c!.customerId);
  });
});
