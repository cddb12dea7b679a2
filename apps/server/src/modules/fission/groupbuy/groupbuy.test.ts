import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, sql } from '../../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../../testing/harness.js';
import { bearer, createProduct, payOrder, signInCustomer, waitFor, type CustomerFixture, type ShopFixture, atTime } from '../../../testing/commerce.js';

const MIN = 60_000;
let t: TestApp;
let shop: ShopFixture;
let pickupPointId: string;
const store = (path: string) => `/api/store/${shop.slug}${path}`;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000', SIGNIN_RATE_PER_MINUTE: '10000' });
  shop = await t.createShop();
  pickupPointId = (await t.call('POST', '/api/admin/pickup-points', { session: shop.owner, body: { name: '门店', address: '文三路 1 号' } })).body.id;
});
afterAll(() => t?.close());

async function groupBuy(opts: { size?: number; minutes?: number; leaderMode?: 'same' | 'discount' | 'free'; virtualThresholdPct?: number; newCustomerOnly?: boolean; perCustomerLimit?: number; stock?: number } = {}) {
  const product = await createProduct(t, shop.owner, { priceFen: 10_000, stock: opts.stock ?? 100 });
  const skuId = product.skus[0].id;
  const res = await t.call('POST', '/api/admin/group-buys', {
    session: shop.owner,
    body: {
      name: '三人团', productId: product.id, startsAt: new Date(Date.now() - MIN).toISOString(), endsAt: new Date(Date.now() + 24 * 60 * MIN).toISOString(),
      groupSize: opts.size ?? 2, durationMinutes: opts.minutes ?? 60, leaderMode: opts.leaderMode ?? 'same', newCustomerOnly: opts.newCustomerOnly ?? false,
      virtualThresholdPct: opts.virtualThresholdPct ?? null, perOrderLimit: 2, perCustomerLimit: opts.perCustomerLimit ?? 1,
      items: [{ skuId, groupPriceFen: 6_000, leaderPriceFen: opts.leaderMode === 'discount' ? 5_000 : undefined }],
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.id as string, skuId, productId: product.id };
}

async function order(c: CustomerFixture, gb: { id: string; skuId: string }, groupId?: string, quantity = 1) {
  return t.call('POST', store('/orders'), {
    headers: bearer(c, { 'idempotency-key': randomUUID() }),
    body: { items: [{ skuId: gb.skuId, quantity }], fulfilment: 'pickup', pickupPointId, groupBuy: { groupBuyId: gb.id, ...(groupId ? { groupId } : {}) } },
  });
}

/** payOrder with room for a machine busy with 500 buyers: the notification arrives when it arrives. */
async function pay(c: CustomerFixture, orderId: string) {
  const started = await t.call('POST', store(`/orders/${orderId}/pay`), { headers: bearer(c), body: {} });
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  const confirm = await t.call('POST', '/sandbox/wechatpay/sandbox/pay', { body: { prepay_id: started.body.prepayId } });
  expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);
  await waitFor(async () => (await orderOf(c, orderId)).status === 'paid', `order ${orderId} paid`, 180_000);
}

async function buy(c: CustomerFixture, gb: { id: string; skuId: string }, groupId?: string) {
  const placed = await order(c, gb, groupId);
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  await pay(c, placed.body.id);
  return placed.body.id as string;
}

const seatOf = async (orderId: string) => (await rows<{ group_id: string | null; status: string; is_leader: boolean; moved: boolean }>(t.platform.db, sql`SELECT group_id, status, is_leader, moved FROM group_buy_orders WHERE order_id = ${orderId}`))[0]!;
const orderOf = async (c: CustomerFixture, id: string) => (await t.call('GET', store(`/orders/${id}`), { headers: bearer(c) })).body;

const at = <T>(ms: number, run: () => Promise<T>) => atTime(t, ms, run);

async function pool<T>(items: T[], width: number, run: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      await run(items[i]!, i);
    }
  }));
}

describe('a group of two', () => {
  it('opens at the group price, holds the order, fills when a friend pays, then both can be picked up', async () => {
    const gb = await groupBuy({ size: 2 });
    const [a, b] = [await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug)];
    const preview = await t.call('POST', store('/checkout/preview'), { headers: bearer(a), body: { items: [{ skuId: gb.skuId, quantity: 1 }], fulfilment: 'pickup', pickupPointId, groupBuy: { groupBuyId: gb.id } } });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body.payableFen).toBe(6_000);
    expect(preview.body.adjustments).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'group_buy', label: '拼团价', amountFen: -4_000 })]));

    const first = await buy(a, gb);
    const seat = await seatOf(first);
    expect(seat).toMatchObject({ status: 'joined', is_leader: true });
    const held = await orderOf(a, first);
    expect(held).toMatchObject({ status: 'paid', fulfilmentHold: 'group_buy' });
    const early = await t.call('POST', '/api/admin/orders/pickup/verify', { session: shop.owner, body: { code: held.pickupCode } });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'ORDER_ON_HOLD', details: { field: 'fulfilmentHold' } });
    const refundAsk = await t.call('POST', store(`/orders/${first}/refunds`), { headers: bearer(a), body: { type: 'refund_only', reason: '不想要了', items: [{ orderItemId: held.items[0].id, quantity: 1 }] } });
    expect(refundAsk.status).toBe(409);
    expect(refundAsk.body.error.code).toBe('ORDER_ON_HOLD');

    const page = await t.call('GET', store(`/products/${gb.productId}/group-buy`), { headers: bearer(b) });
    expect(page.body.openGroups).toEqual([expect.objectContaining({ id: seat.group_id, filled: 1, size: 2, seatsLeft: 1 })]);
    const own = await order(a, gb, seat.group_id!);
    expect(own.status).toBe(409);

    const second = await buy(b, gb, seat.group_id!);
    expect(await seatOf(second)).toMatchObject({ group_id: seat.group_id, status: 'joined', is_leader: false, moved: false });
    const group = await t.call('GET', store(`/group-buys/groups/${seat.group_id}`), { headers: bearer(b) });
    expect(group.body).toMatchObject({ status: 'succeeded', filled: 2, size: 2, virtualSeats: 0, mine: true, myOrderId: second });
    expect(group.body.members).toHaveLength(2);
    for (const [c, id] of [[a, first], [b, second]] as const) {
      const o = await orderOf(c, id);
      expect(o.fulfilmentHold).toBeNull();
      const verified = await t.call('POST', '/api/admin/orders/pickup/verify', { session: shop.owner, body: { code: o.pickupCode } });
      expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    }
    const stats = await t.call('GET', `/api/admin/group-buys/${gb.id}`, { session: shop.owner });
    expect(stats.body.stats).toMatchObject({ groupsOpen: 0, groupsSucceeded: 1, groupsFailed: 0, membersPaid: 2, paidFen: 12_000 });
    // Both members are told, once each, whatever redelivery does.
    await t.drain();
    const notices = await rows<{ customer_id: string; topic: string }>(t.platform.db, sql`SELECT customer_id, topic FROM deliveries WHERE topic = 'group_buy_result' AND idempotency_key LIKE ${`group_buy_result:${seat.group_id}:%`}`);
    expect(notices.map((n) => n.customer_id).sort()).toEqual([a.customerId, b.customerId].sort());
    expect(stats.body.daily.at(-1)).toMatchObject({ opened: 1, succeeded: 1 });
  });

  it('seats a buyer whose group filled while paying in a new group of their own', async () => {
    const gb = await groupBuy({ size: 2 });
    const [a, b, c] = [await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug)];
    const first = await buy(a, gb);
    const groupId = (await seatOf(first)).group_id!;
    const bOrder = await order(b, gb, groupId);
    const cOrder = await order(c, gb, groupId);
    expect([bOrder.status, cOrder.status]).toEqual([201, 201]);
    await payOrder(t, shop.slug, b, bOrder.body.id);
    await payOrder(t, shop.slug, c, cOrder.body.id);
    expect(await seatOf(bOrder.body.id)).toMatchObject({ group_id: groupId, moved: false });
    const moved = await seatOf(cOrder.body.id);
    expect(moved).toMatchObject({ status: 'joined', moved: true, is_leader: true });
    expect(moved.group_id).not.toBe(groupId);
    expect((await orderOf(c, cOrder.body.id)).fulfilmentHold).toBe('group_buy');
  });
});

describe('rules', () => {
  it('refuses bad activities and bad joins with the field', async () => {
    const product = await createProduct(t, shop.owner, { priceFen: 1_000, stock: 5 });
    const base = { name: '团', productId: product.id, startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString(), groupSize: 2, durationMinutes: 60, items: [{ skuId: product.skus[0].id, groupPriceFen: 800 }] };
    const tooBig = await t.call('POST', '/api/admin/group-buys', { session: shop.owner, body: { ...base, groupSize: 1 } });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.details.field).toBe('groupSize');
    const price = await t.call('POST', '/api/admin/group-buys', { session: shop.owner, body: { ...base, items: [{ skuId: product.skus[0].id, groupPriceFen: 1_000 }] } });
    expect(price.status).toBe(422);
    expect(price.body.error).toMatchObject({ code: 'GROUP_PRICE_TOO_HIGH', details: { field: 'items.0.groupPriceFen' } });
    const foreign = await t.call('POST', '/api/admin/group-buys', { session: shop.owner, body: { ...base, items: [{ skuId: randomUUID(), groupPriceFen: 800 }] } });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.details.field).toBe('items.0.skuId');
    expect((await t.call('POST', '/api/admin/group-buys', { session: shop.owner, body: base })).status).toBe(201);
    const twice = await t.call('POST', '/api/admin/group-buys', { session: shop.owner, body: base });
    expect(twice.body.error).toMatchObject({ code: 'GROUP_BUY_OVERLAP', details: { field: 'productId' } });
  });

  it('lets only new customers join a 老带新 group, and counts the per-customer limit under parallel checkouts', async () => {
    const gb = await groupBuy({ size: 3, newCustomerOnly: true, perCustomerLimit: 1 });
    const [leader, old, fresh] = [await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug)];
    const other = await groupBuy({ size: 2 });
    await buy(old, other);
    const first = await buy(leader, gb);
    const groupId = (await seatOf(first)).group_id!;
    const refused = await order(old, gb, groupId);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'GROUP_BUY_NEW_CUSTOMERS_ONLY', details: { field: 'groupBuy.groupId' } });
    const tries = await Promise.all(Array.from({ length: 5 }, () => order(fresh, gb, groupId)));
    expect(tries.filter((r) => r.status === 201)).toHaveLength(1);
    expect(tries.filter((r) => r.status === 409).every((r) => r.body.error.code === 'GROUP_BUY_CUSTOMER_LIMIT')).toBe(true);
    const leaderPrice = await groupBuy({ size: 2, leaderMode: 'free' });
    const free = await t.call('POST', store('/checkout/preview'), { headers: bearer(fresh), body: { items: [{ skuId: leaderPrice.skuId, quantity: 1 }], fulfilment: 'pickup', pickupPointId, groupBuy: { groupBuyId: leaderPrice.id } } });
    expect(free.body.payableFen).toBe(0);
    expect(free.body.adjustments[0]).toMatchObject({ label: '团长免单' });
  });
});

describe('expiry', () => {
  it('succeeds a group at the 模拟成团 threshold with the empty seats counted apart', async () => {
    const gb = await groupBuy({ size: 3, virtualThresholdPct: 60 });
    const [a, b] = [await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug)];
    const first = await buy(a, gb);
    const groupId = (await seatOf(first)).group_id!;
    await buy(b, gb, groupId);
    await at(Date.now() + 61 * MIN, () => t.services.fission.groupBuys.expireDue());
    const group = await t.call('GET', store(`/group-buys/groups/${groupId}`));
    expect(group.body).toMatchObject({ status: 'succeeded', filled: 2, virtualSeats: 1, size: 3 });
    expect(group.body.members).toHaveLength(2);
    expect((await orderOf(a, first)).fulfilmentHold).toBeNull();
  });

  it('refunds every member of a failed group exactly once, also when the sweep dies half-way and runs twice at once', async () => {
    const gb = await groupBuy({ size: 4 });
    const people = [await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug)];
    const first = await buy(people[0]!, gb);
    const groupId = (await seatOf(first)).group_id!;
    const orderIds = [first, await buy(people[1]!, gb, groupId), await buy(people[2]!, gb, groupId)];
    const refunds = t.services.refunds;
    const real = refunds.refundWholeBySystem.bind(refunds);
    let calls = 0;
    refunds.refundWholeBySystem = async (...args) => {
      const r = await real(...args);
      // The worker dies after refunding the second member: the transaction never commits.
      if (++calls === 2) throw new Error('worker killed');
      return r;
    };
    await expect(at(Date.now() + 61 * MIN, () => t.services.fission.groupBuys.expireDue())).rejects.toThrow('worker killed');
    refunds.refundWholeBySystem = real;
    const [{ n: none }] = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM refunds WHERE order_id = ANY(${`{${orderIds.join(',')}}`}::uuid[])`);
    expect(none).toBe(0);
    expect((await t.call('GET', store(`/group-buys/groups/${groupId}`))).body.status).toBe('open');

    await at(Date.now() + 61 * MIN, () => Promise.all([t.services.fission.groupBuys.expireDue(), t.services.fission.groupBuys.expireDue()]));
    await t.drain();
    const per = await rows<{ order_id: string; n: number; amount: number }>(t.platform.db, sql`
      SELECT order_id, count(*)::int AS n, sum(amount_fen)::int AS amount FROM refunds WHERE order_id = ANY(${`{${orderIds.join(',')}}`}::uuid[]) GROUP BY order_id`);
    expect(per).toHaveLength(3);
    expect(per.every((r) => r.n === 1 && r.amount === 6_000)).toBe(true);
    for (const [i, id] of orderIds.entries()) {
      await waitFor(async () => (await orderOf(people[i]!, id)).status === 'refunded', 'member refunded');
      await waitFor(async () => (await seatOf(id)).status === 'refunded', 'seat marked refunded');
    }
    const group = await t.call('GET', store(`/group-buys/groups/${groupId}`));
    expect(group.body.status).toBe('failed');
    const stats = await t.call('GET', `/api/admin/group-buys/${gb.id}/groups?status=failed`, { session: shop.owner });
    expect(stats.body.items[0].members.every((m: { refundedAt: string | null }) => m.refundedAt)).toBe(true);
  });
});

describe('race', () => {
  it('500 parallel joins of groups of 3: no group over 3, every paid buyer in exactly one group', async () => {
    const gb = await groupBuy({ size: 3, stock: 1_000, perCustomerLimit: 1 });
    const customers: CustomerFixture[] = [];
    await pool(Array.from({ length: 520 }, (_, i) => i), 20, async () => {
      customers.push(await signInCustomer(t, shop.slug));
    });
    const leaders = customers.slice(0, 20);
    const joiners = customers.slice(20);
    const groupIds: string[] = [];
    await pool(leaders, 10, async (c) => {
      groupIds.push((await seatOf(await buy(c, gb))).group_id!);
    });
    // Everyone asks for one of the 20 groups (40 seats): most of them find it full while paying.
    const placed: { c: CustomerFixture; id: string }[] = [];
    await pool(joiners, 25, async (c, i) => {
      const r = await order(c, gb, groupIds[i % groupIds.length]);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      placed.push({ c, id: r.body.id });
    });
    await pool(placed, 25, async ({ c, id }) => {
      await pay(c, id);
    });
    const groups = await rows<{ id: string; size: number; filled: number; status: string; members: number }>(t.platform.db, sql`
      SELECT g.id, g.size, g.filled, g.status, (SELECT count(*)::int FROM group_buy_orders o WHERE o.group_id = g.id) AS members
      FROM group_buy_groups g WHERE g.group_buy_id = ${gb.id}`);
    expect(groups.every((g) => g.filled <= 3 && g.members === g.filled)).toBe(true);
    expect(groups.every((g) => (g.status === 'succeeded') === (g.filled === 3))).toBe(true);
    const seats = await rows<{ order_id: string; group_id: string | null; status: string }>(t.platform.db, sql`SELECT order_id, group_id, status FROM group_buy_orders WHERE group_buy_id = ${gb.id}`);
    expect(seats).toHaveLength(520);
    expect(seats.every((s) => s.group_id && s.status === 'joined')).toBe(true);
    expect(groups.reduce((n, g) => n + g.filled, 0)).toBe(520);
    // 40 seats in the 20 asked-for groups: at most 40 joiners got the group they asked for, the rest were seated elsewhere.
    const [{ asked, moved }] = await rows<{ asked: number; moved: number }>(t.platform.db, sql`
      SELECT count(*) FILTER (WHERE wanted_group_id = group_id)::int AS asked, count(*) FILTER (WHERE moved)::int AS moved FROM group_buy_orders WHERE group_buy_id = ${gb.id}`);
    expect(asked).toBeLessThanOrEqual(40);
    expect(asked + moved).toBe(500);
    const [{ released, held }] = await rows<{ released: number; held: number }>(t.platform.db, sql`
      SELECT count(*) FILTER (WHERE o.fulfilment_hold IS NULL)::int AS released, count(*) FILTER (WHERE o.fulfilment_hold IS NOT NULL)::int AS held
      FROM orders o JOIN group_buy_orders s ON s.order_id = o.id WHERE s.group_buy_id = ${gb.id}`);
    const succeededMembers = groups.filter((g) => g.status === 'succeeded').reduce((n, g) => n + g.filled, 0);
    expect(released).toBe(succeededMembers);
    expect(held).toBe(520 - succeededMembers);
  }, 600_000);
});
