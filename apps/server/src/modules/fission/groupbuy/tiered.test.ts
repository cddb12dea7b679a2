import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, sql } from '../../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../../testing/harness.js';
import { atTime, bearer, createProduct, payOrder, signInCustomer, waitFor, type CustomerFixture, type ShopFixture } from '../../../testing/commerce.js';

/**
 * 阶梯团: tiers of 2 / 3 / 5 at ¥60 / ¥50 / ¥40. Everyone pays ¥60; the group forms at 2 (orders ship), keeps
 * taking members until it is full or out of time, and is then settled: the difference to the tier reached
 * comes back to each member as a price-difference refund, once.
 */
const MIN = 60_000;
let t: TestApp;
let shop: ShopFixture;
let pickupPointId: string;
const store = (path: string) => `/api/store/${shop.slug}${path}`;
const admin = (method: string, path: string, body?: unknown) => t.call(method, `/api/admin${path}`, { session: shop.owner, body });

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000', SIGNIN_RATE_PER_MINUTE: '10000' });
  shop = await t.createShop();
  pickupPointId = (await admin('POST', '/pickup-points', { name: '门店', address: '文三路 1 号' })).body.id;
});
afterAll(() => t?.close());

async function tieredBuy(opts: { tiers?: number[]; prices?: number[]; minutes?: number } = {}) {
  const tiers = opts.tiers ?? [2, 3, 5];
  const prices = opts.prices ?? [6_000, 5_000, 4_000];
  const product = await createProduct(t, shop.owner, { priceFen: 10_000, stock: 500 });
  const skuId = product.skus[0].id;
  const res = await admin('POST', '/group-buys', {
    name: '阶梯团', productId: product.id, startsAt: new Date(Date.now() - MIN).toISOString(), endsAt: new Date(Date.now() + 24 * 60 * MIN).toISOString(),
    groupSize: tiers.at(-1), durationMinutes: opts.minutes ?? 60, leaderMode: 'same', perOrderLimit: 2, perCustomerLimit: 1, tierSizes: tiers,
    items: [{ skuId, groupPriceFen: prices[0], tierPricesFen: prices }],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.id as string, skuId, productId: product.id };
}

async function buy(c: CustomerFixture, gb: { id: string; skuId: string }, groupId?: string, quantity = 1) {
  const placed = await t.call('POST', store('/orders'), {
    headers: bearer(c, { 'idempotency-key': randomUUID() }),
    body: { items: [{ skuId: gb.skuId, quantity }], fulfilment: 'pickup', pickupPointId, groupBuy: { groupBuyId: gb.id, ...(groupId ? { groupId } : {}) } },
  });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  await payOrder(t, shop.slug, c, placed.body.id);
  return placed.body.id as string;
}

const seatOf = async (orderId: string) =>
  (await rows<{ group_id: string; status: string; tier_refund_fen: number | null }>(t.platform.db, sql`SELECT group_id, status, tier_refund_fen FROM group_buy_orders WHERE order_id = ${orderId}`))[0]!;
const orderOf = async (c: CustomerFixture, id: string) => (await t.call('GET', store(`/orders/${id}`), { headers: bearer(c) })).body;
const refundsOf = (orderId: string) => rows<{ amount_fen: number; status: string; items: { quantity: number; amountFen: number }[] }>(t.platform.db, sql`SELECT amount_fen, status, items FROM refunds WHERE order_id = ${orderId} ORDER BY created_at`);
/** The order's refunds once WeChat Pay (the sandbox) has answered for each: its REFUND.SUCCESS comes as a notification. */
async function refundsDone(orderId: string) {
  return waitFor(async () => {
    await t.drain();
    const list = await refundsOf(orderId);
    return list.every((r) => r.status !== 'processing') ? list : null;
  }, `refunds of ${orderId} answered`);
}
const settleAfter = (ms: number) => atTime(t, Date.now() + ms, () => t.services.fission.groupBuys.settleDue());
const people = (n: number) => Promise.all(Array.from({ length: n }, () => signInCustomer(t, shop.slug)));

describe('阶梯团', () => {
  it('refuses tiers that do not fall, leader prices and 模拟成团, naming the field', async () => {
    const product = await createProduct(t, shop.owner, { priceFen: 1_000, stock: 5 });
    const skuId = product.skus[0].id;
    const base = {
      name: '阶梯', productId: product.id, startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString(), groupSize: 5, durationMinutes: 60,
      tierSizes: [2, 3, 5], items: [{ skuId, groupPriceFen: 800, tierPricesFen: [800, 700, 600] }],
    };
    const cases: [Record<string, unknown>, string, string][] = [
      [{ leaderMode: 'discount', items: [{ skuId, groupPriceFen: 800, leaderPriceFen: 500, tierPricesFen: [800, 700, 600] }] }, 'GROUP_BUY_TIERS_LEADER', 'leaderMode'],
      [{ virtualThresholdPct: 60 }, 'GROUP_BUY_TIERS_VIRTUAL', 'virtualThresholdPct'],
      [{ tierSizes: [2, 3, 4] }, 'GROUP_BUY_TIERS_INVALID', 'tierSizes'],
      [{ tierSizes: [3, 3, 5] }, 'GROUP_BUY_TIERS_INVALID', 'tierSizes.1'],
      [{ items: [{ skuId, groupPriceFen: 800, tierPricesFen: [800, 700, 700] }] }, 'GROUP_BUY_TIER_PRICES', 'items.0.tierPricesFen.2'],
      [{ items: [{ skuId, groupPriceFen: 800, tierPricesFen: [750, 700, 600] }] }, 'GROUP_BUY_TIER_PRICES', 'items.0.tierPricesFen.0'],
      [{ items: [{ skuId, groupPriceFen: 800, tierPricesFen: [800, 700] }] }, 'GROUP_BUY_TIER_PRICES', 'items.0.tierPricesFen'],
    ];
    for (const [change, code, field] of cases) {
      const res = await admin('POST', '/group-buys', { ...base, ...change });
      expect(res.status, JSON.stringify(change)).toBe(422);
      expect(res.body.error).toMatchObject({ code, details: { field } });
    }
    const [{ n }] = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM group_buys WHERE product_id = ${product.id}`);
    expect(n).toBe(0);
    const ok = await admin('POST', '/group-buys', base);
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body).toMatchObject({ tierSizes: [2, 3, 5], items: [expect.objectContaining({ tierPricesFen: [800, 700, 600] })] });
  });

  it('forms at the first tier, keeps taking members, and gives each the difference to the tier reached', async () => {
    const gb = await tieredBuy();
    const [a, b, c, stranger] = await people(4);
    const first = await buy(a, gb, undefined, 2);
    const groupId = (await seatOf(first)).group_id;
    expect((await orderOf(a, first))).toMatchObject({ paidFen: 12_000, fulfilmentHold: 'group_buy' });

    const second = await buy(b, gb, groupId);
    // Two members: the first tier is reached, so the group has formed and its orders may be picked up.
    const formed = await t.call('GET', store(`/group-buys/groups/${groupId}`), { headers: bearer(stranger) });
    expect(formed.body).toMatchObject({ status: 'succeeded', filled: 2, size: 5, tiered: true, minSize: 2, settledAt: null, joinable: true });
    expect(formed.body.tiers).toEqual([{ size: 2, priceFen: 6_000 }, { size: 3, priceFen: 5_000 }, { size: 5, priceFen: 4_000 }]);
    expect((await orderOf(a, first)).fulfilmentHold).toBeNull();
    const offered = await t.call('GET', store(`/products/${gb.productId}/group-buy`), { headers: bearer(stranger) });
    expect(offered.body.openGroups).toEqual([expect.objectContaining({ id: groupId, filled: 2, size: 5, formed: true })]);

    const third = await buy(c, gb, groupId);
    expect(await seatOf(third)).toMatchObject({ group_id: groupId, status: 'joined' });
    expect((await orderOf(c, third)).fulfilmentHold).toBeNull();
    // Before its time the group is not settled: it may still reach five.
    expect(await settleAfter(0)).toEqual({ found: 0, settled: 0 });

    expect(await settleAfter(61 * MIN)).toEqual({ found: 1, settled: 1 });
    await t.drain();
    for (const [who, id, back] of [[a, first, 2_000], [b, second, 1_000], [c, third, 1_000]] as const) {
      expect(await refundsDone(id)).toEqual([{ amount_fen: back, status: 'refunded', items: [expect.objectContaining({ quantity: 0, amountFen: back })] }]);
      expect(await seatOf(id)).toMatchObject({ tier_refund_fen: back });
      // A price difference returns money, not goods: the order stays as it was.
      expect(await orderOf(who, id)).toMatchObject({ status: 'paid', refundedFen: back });
    }
    const group = await t.call('GET', store(`/group-buys/groups/${groupId}`), { headers: bearer(a) });
    expect(group.body).toMatchObject({ tierSizeReached: 3, joinable: false, myTierRefundFen: 2_000 });
    expect(group.body.settledAt).not.toBeNull();
    const notices = await rows<{ customer_id: string }>(t.platform.db, sql`SELECT customer_id FROM deliveries WHERE idempotency_key LIKE ${`group_buy_settled:${groupId}:%`}`);
    expect(notices.map((n) => n.customer_id).sort()).toEqual([a.customerId, b.customerId, c.customerId].sort());

    // A later refund of the goods gives back what the line still holds: ¥120 paid − ¥20 already back.
    const o = await orderOf(a, first);
    const asked = await t.call('POST', store(`/orders/${first}/refunds`), { headers: bearer(a), body: { type: 'refund_only', reason: '不想要了', items: [{ orderItemId: o.items[0].id, quantity: 2 }] } });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    expect(asked.body.amountFen).toBe(10_000);
    const stats = await admin('GET', `/group-buys/${gb.id}`);
    expect(stats.body.stats).toMatchObject({ groupsSucceeded: 1, membersPaid: 3, paidFen: 12_000 + 6_000 + 6_000 - 4_000 });
    // Settling again changes nothing.
    expect(await settleAfter(120 * MIN)).toEqual({ found: 0, settled: 0 });
    expect(await t.services.fission.groupBuys.settle(shop.shopId, groupId)).toBe(false);
  });

  it('gives each member the difference of their own SKU, and shows a member their own ladder', async () => {
    const product = await createProduct(t, shop.owner, { priceFen: 10_000, stock: 50, specs: { 规格: ['小份', '大份'] } });
    const [small, big] = product.skus.map((k) => k.id) as [string, string];
    const res = await admin('POST', '/group-buys', {
      name: '两规格阶梯团', productId: product.id, startsAt: new Date(Date.now() - MIN).toISOString(), endsAt: new Date(Date.now() + 24 * 60 * MIN).toISOString(),
      groupSize: 3, durationMinutes: 60, leaderMode: 'same', perOrderLimit: 2, perCustomerLimit: 1, tierSizes: [2, 3],
      items: [{ skuId: small, groupPriceFen: 3_000, tierPricesFen: [3_000, 2_500] }, { skuId: big, groupPriceFen: 8_000, tierPricesFen: [8_000, 6_000] }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const [a, b, c] = await people(3);
    const first = await buy(a, { id: res.body.id, skuId: small });
    const groupId = (await seatOf(first)).group_id;
    const second = await buy(b, { id: res.body.id, skuId: big }, groupId);
    // A visitor sees the lowest price per tier; a member their own SKU's.
    expect((await t.call('GET', store(`/group-buys/groups/${groupId}`))).body.tiers).toEqual([{ size: 2, priceFen: 3_000 }, { size: 3, priceFen: 2_500 }]);
    expect((await t.call('GET', store(`/group-buys/groups/${groupId}`), { headers: bearer(b) })).body.tiers).toEqual([{ size: 2, priceFen: 8_000 }, { size: 3, priceFen: 6_000 }]);
    const third = await buy(c, { id: res.body.id, skuId: big }, groupId);
    await waitFor(async () => {
      await t.drain();
      return (await seatOf(third)).tier_refund_fen !== null;
    }, 'the full group settled');
    expect((await refundsDone(first)).map((r) => r.amount_fen)).toEqual([500]);
    expect((await refundsDone(second)).map((r) => r.amount_fen)).toEqual([2_000]);
    expect((await refundsDone(third)).map((r) => r.amount_fen)).toEqual([2_000]);
  });

  it('settles a full group at once at the lowest price', async () => {
    const gb = await tieredBuy({ tiers: [2, 3], prices: [6_000, 4_500] });
    const [a, b, c] = await people(3);
    const first = await buy(a, gb);
    const groupId = (await seatOf(first)).group_id;
    const ids = [first, await buy(b, gb, groupId), await buy(c, gb, groupId)];
    // The last seat queued the settlement: the group does not wait for its time.
    await waitFor(async () => {
      await t.drain();
      return (await seatOf(first)).tier_refund_fen !== null;
    }, 'the full group settled');
    for (const id of ids) expect((await refundsDone(id)).map((r) => r.amount_fen)).toEqual([1_500]);
    const full = await t.call('GET', store(`/products/${gb.productId}/group-buy`));
    expect(full.body.openGroups).toEqual([]);
  });

  it('fails and refunds a group that never reached its first tier', async () => {
    const gb = await tieredBuy({ tiers: [3, 5], prices: [6_000, 5_000] });
    const [a, b] = await people(2);
    const first = await buy(a, gb);
    const groupId = (await seatOf(first)).group_id;
    const second = await buy(b, gb, groupId);
    await atTime(t, Date.now() + 61 * MIN, () => t.services.fission.groupBuys.expireDue());
    await t.drain();
    for (const [who, id] of [[a, first], [b, second]] as const) {
      await waitFor(async () => (await orderOf(who, id)).status === 'refunded', 'member refunded');
      expect((await refundsOf(id)).map((r) => r.amount_fen)).toEqual([6_000]);
    }
    expect((await t.call('GET', store(`/group-buys/groups/${groupId}`))).body).toMatchObject({ status: 'failed', settledAt: null });
  });

  it('waits for a member’s open after-sales case, then settles each member once even when run twice at once', async () => {
    const gb = await tieredBuy({ tiers: [2, 3, 4], prices: [6_000, 5_000, 4_000] });
    const [a, b, c] = await people(3);
    const first = await buy(a, gb);
    const groupId = (await seatOf(first)).group_id;
    const second = await buy(b, gb, groupId);
    const third = await buy(c, gb, groupId);
    // b has asked for their money back: what b is owed depends on that case, so b waits.
    const ob = await orderOf(b, second);
    const asked = await t.call('POST', store(`/orders/${second}/refunds`), { headers: bearer(b), body: { type: 'refund_only', reason: '不想要了', items: [{ orderItemId: ob.items[0].id, quantity: 1 }] } });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    expect(await settleAfter(61 * MIN)).toEqual({ found: 1, settled: 0 });
    expect((await seatOf(first)).tier_refund_fen).toBe(1_000);
    expect((await seatOf(third)).tier_refund_fen).toBe(1_000);
    expect((await seatOf(second)).tier_refund_fen).toBeNull();
    expect((await t.call('GET', store(`/group-buys/groups/${groupId}`))).body.settledAt).toBeNull();
    // Not looked at again for a minute: a few waiting groups do not fill every round of the sweep.
    expect(await settleAfter(61 * MIN + 30_000)).toEqual({ found: 0, settled: 0 });

    const withdrawn = await t.call('POST', store(`/orders/${second}/refunds/${asked.body.id}/cancel`), { headers: bearer(b) });
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).toBe(200);
    const runs = await atTime(t, Date.now() + 62 * MIN, () => Promise.all([t.services.fission.groupBuys.settle(shop.shopId, groupId), t.services.fission.groupBuys.settle(shop.shopId, groupId)]));
    expect(runs.filter(Boolean)).toHaveLength(1);
    await t.drain();
    for (const id of [first, second, third]) {
      expect((await refundsDone(id)).filter((r) => r.items.every((it) => it.quantity === 0)).map((r) => [r.amount_fen, r.status])).toEqual([[1_000, 'refunded']]);
    }
    expect((await t.call('GET', store(`/group-buys/groups/${groupId}`))).body).toMatchObject({ tierSizeReached: 3 });
  });

  it('parallel buyers never overfill tiered groups, and settlement gives each member the difference once', async () => {
    const gb = await tieredBuy({ tiers: [2, 3], prices: [6_000, 5_000] });
    const leaders = await people(6);
    const joiners = await people(18);
    const groupIds: string[] = [];
    for (const c of leaders) groupIds.push((await seatOf(await buy(c, gb))).group_id);
    // 18 buyers ask for 6 groups with 12 seats: some are moved, none overfills.
    const placed = await Promise.all(joiners.map(async (c, i) => {
      const r = await t.call('POST', store('/orders'), {
        headers: bearer(c, { 'idempotency-key': randomUUID() }),
        body: { items: [{ skuId: gb.skuId, quantity: 1 }], fulfilment: 'pickup', pickupPointId, groupBuy: { groupBuyId: gb.id, groupId: groupIds[i % 6] } },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return { c, id: r.body.id as string };
    }));
    await Promise.all(placed.map(({ c, id }) => payOrder(t, shop.slug, c, id)));
    await settleAfter(61 * MIN);
    await t.drain();
    const groups = await rows<{ id: string; filled: number; size: number; members: number; reached: number | null; status: string }>(t.platform.db, sql`
      SELECT g.id, g.filled, g.size, g.status, g.tier_size_reached AS reached, (SELECT count(*)::int FROM group_buy_orders o WHERE o.group_id = g.id) AS members
      FROM group_buy_groups g WHERE g.group_buy_id = ${gb.id}`);
    expect(groups.every((g) => g.filled <= g.size && g.members === g.filled)).toBe(true);
    expect(groups.reduce((n, g) => n + g.filled, 0)).toBe(24);
    const seats = await rows<{ order_id: string; group_id: string; tier_refund_fen: number | null }>(t.platform.db, sql`SELECT order_id, group_id, tier_refund_fen FROM group_buy_orders WHERE group_buy_id = ${gb.id}`);
    for (const s of seats) {
      const g = groups.find((x) => x.id === s.group_id)!;
      const owed = g.status === 'succeeded' && g.filled === 3 ? 1_000 : 0;
      if (g.status === 'succeeded') expect(s.tier_refund_fen).toBe(owed);
      const diffs = (await refundsOf(s.order_id)).filter((r) => r.items.every((it) => it.quantity === 0));
      expect(diffs.map((r) => r.amount_fen)).toEqual(owed ? [owed] : []);
    }
  }, 300_000);
});
