import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyBody } from '@siyu/contracts';
import { rows, sql } from '../../platform/db/index.js';
import { startTestApp, type StaffSession, type TestApp } from '../../testing/harness.js';
import { addAddress, bearer, createProduct, payOrder, signInCustomer, type CustomerFixture } from '../../testing/commerce.js';
import { shopMinute } from '../messaging/budget.js';
import { incrementalRevenue } from '../messaging/broadcasts.js';
import { inHoldout, splitBranch } from './graph.js';
import { isInternalAddress, nextShopTime, shopDate } from './service.js';

/**
 * The journey engine end to end. Its clock (`journeys.clock`) is moved forward to pass waits, and the
 * dispatcher's to the next 12:00 shop time so marketing SMS go out whatever hour the tests run.
 */
let t: TestApp;
let shop: { shopId: string; slug: string; owner: StaffSession };
let offsetMs = 0;
let smsTemplate: string;
let tagId: string;
const admin = (method: string, path: string, body?: unknown) => t.call(method, `/api/admin${path}`, { session: shop.owner, body });
const later = (ms: number) => {
  offsetMs += ms;
};
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function emit(type: string, payload: Record<string, unknown>) {
  await t.platform.database.transaction((tx) => t.platform.events.emit(tx, { shopId: shop.shopId, type, payload }));
  await t.drain();
}
/** Runs the engine until nothing is due now (what the every-second job does). */
async function advance() {
  for (let i = 0; i < 50 && (await t.services.journeys.advanceDue()) > 0; i++);
}
const instances = (journeyId: string) =>
  rows<{ id: string; customer_id: string; arm: string; status: string; version: number; node_id: string | null; converted_at: Date | null; converted_order_id: string | null; exit_reason: string | null; test: boolean }>(
    t.platform.db, sql`SELECT * FROM journey_instances WHERE journey_id = ${journeyId} ORDER BY entered_at, created_at`);
const steps = (instanceId: string) => rows<{ node_id: string; outcome: string; seq: number }>(t.platform.db, sql`SELECT node_id, outcome, seq FROM journey_steps WHERE instance_id = ${instanceId} ORDER BY seq`);
const path = async (instanceId: string) => (await steps(instanceId)).map((s) => `${s.node_id}:${s.outcome}`);

function body(b: Partial<JourneyBody> & Pick<JourneyBody, 'nodes' | 'edges'>): JourneyBody {
  return { name: '测试旅程', trigger: { kind: 'event', event: 'customer.registered', where: [] }, positions: {}, goal: null, exitOnSegmentLeft: false, reentry: { kind: 'after_exit' }, holdoutPercent: 0, ...b } as JourneyBody;
}
async function live(b: JourneyBody) {
  const created = await admin('POST', '/journeys', b);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const published = await admin('POST', `/journeys/${created.body.id}/publish`);
  expect(published.status, JSON.stringify(published.body)).toBe(200);
  return created.body.id as string;
}

beforeAll(async () => {
  t = await startTestApp();
  shop = await t.createShop();
  t.services.journeys.clock = () => new Date(Date.now() + offsetMs);
  t.services.dispatcher.clock = () => new Date(Date.now() + ((720 - shopMinute(new Date()) + 1440) % 1440) * 60_000);
  expect((await admin('PUT', '/messaging/channels/sms', { vendor: 'tencent', accessKeyId: 'AKIDsandbox', accessKeySecret: 'sandbox-secret-key', sdkAppId: '1400000001', signName: '思域商城' })).status).toBe(200);
  expect((await admin('PUT', '/messaging/budget', { daily: { total: 20, mini_subscribe: null, oa_template: 10, sms: 10, wecom: 1 }, weekly: { total: 50, mini_subscribe: null, oa_template: 30, sms: 30, wecom: 3 }, quietStart: 0, quietEnd: 0 })).status).toBe(200);
  const tpl = await admin('POST', '/messaging/templates', {
    name: '召回短信', topic: 'promotion', channel: 'sms', vendorTemplateId: '1000010', content: '{1}火热进行中,点击{2}查看详情,拒收请回复R',
    fields: [{ key: '1', value: '{{activity}}' }, { key: '2', value: '{{link}}' }],
  });
  expect(tpl.status).toBe(201);
  smsTemplate = tpl.body.id;
  tagId = (await admin('POST', '/tags', { name: '旅程标签', kind: 'manual' })).body.id;
}, 120_000);
afterAll(() => t?.close());

describe('the abandoned cart', () => {
  it('waits an hour for payment, then gives a coupon and a message; payment converts; the holdout gets nothing', async () => {
    const coupon = await admin('POST', '/coupons', { name: '回来就减 5 元', kind: 'amount_off', thresholdFen: 10000, amountOffFen: 500, validity: { type: 'relative', days: 7 }, totalQuantity: 100, perCustomerLimit: 5 });
    expect(coupon.status, JSON.stringify(coupon.body)).toBe(201);
    const fromPlaybook = await admin('POST', '/journeys/from-playbook', { key: 'abandoned_cart' });
    expect(fromPlaybook.status).toBe(201);
    const id = fromPlaybook.body.id as string;
    // A playbook's placeholders are refused at publish, naming the field.
    const early = await admin('POST', `/journeys/${id}/publish`);
    expect(early.status).toBe(422);
    expect(early.body.error).toMatchObject({ code: 'JOURNEY_INCOMPLETE', details: { field: 'nodes.2.couponTemplateId' } });
    const def = (await admin('GET', `/journeys/${id}`)).body.definition as JourneyBody;
    for (const n of def.nodes) {
      if (n.type === 'coupon') n.couponTemplateId = coupon.body.id;
      if (n.type === 'send') Object.assign(n, { channels: ['sms'], templateIds: { sms: smsTemplate }, vars: { activity: '购物车挽回', link: 'https://s.example.com/cart' } });
    }
    def.holdoutPercent = 50;
    expect((await admin('PUT', `/journeys/${id}`, def)).status).toBe(200);
    expect((await admin('POST', `/journeys/${id}/publish`)).status).toBe(200);

    // One customer of each arm (the arm is a hash of journey and customer, so it is known in advance).
    const people: CustomerFixture[] = [];
    let treated: CustomerFixture | undefined;
    let held: CustomerFixture | undefined;
    while (!treated || !held) {
      const c = await signInCustomer(t, shop.slug);
      people.push(c);
      if (inHoldout(id, c.customerId, 50)) held ??= c;
      else treated ??= c;
    }
    const product = await createProduct(t, shop.owner, { priceFen: 5000, stock: 100 });
    for (const c of [treated, held]) {
      await t.call('PUT', `/api/store/${shop.slug}/messages/preferences`, { headers: bearer(c), body: { refusedTopics: [], refusedChannels: [], smsMarketing: true } });
      const added = await t.call('POST', `/api/store/${shop.slug}/cart/items`, { headers: bearer(c), body: { skuId: product.skus[0]!.id, quantity: 1 } });
      expect(added.status).toBe(200);
    }
    await t.drain();
    await advance();
    let list = await instances(id);
    expect(list.map((i) => [i.customer_id, i.arm, i.status]).sort()).toEqual(
      [[treated.customerId, 'treatment', 'waiting'], [held.customerId, 'holdout', 'waiting']].sort(),
    );
    // Within the hour nothing happens.
    later(30 * 60_000);
    await advance();
    expect((await instances(id)).find((i) => i.arm === 'treatment')!.status).toBe('waiting');
    later(31 * 60_000);
    await advance();
    list = await instances(id);
    const ti = list.find((i) => i.arm === 'treatment')!;
    expect(await path(ti.id)).toEqual(['wait_pay:timeout', 'coupon:issued', 'remind:queued']);
    expect(ti.status).toBe('done');
    expect(await steps(list.find((i) => i.arm === 'holdout')!.id)).toEqual([]);

    // The coupon is the treated customer's; the message is delivered through the messaging core.
    const mine = async (c: CustomerFixture) => (await t.call('GET', `/api/store/${shop.slug}/me/coupons`, { headers: bearer(c) })).body.items as unknown[];
    expect(await mine(treated)).toHaveLength(1);
    expect(await mine(held)).toHaveLength(0);
    await t.services.dispatcher.drain();
    const inbox = async (c: CustomerFixture) => ((await t.call('GET', `/sandbox/sms/messages?phone=${c.phone}`)).body.items as { templateId: string; text: string }[]).filter((m) => m.templateId === '1000010');
    expect(await inbox(treated)).toHaveLength(1);
    expect((await inbox(treated))[0]!.text).toContain('购物车挽回');
    expect(await inbox(held)).toHaveLength(0);
    const [d] = await rows<{ idempotency_key: string; status: string }>(t.platform.db, sql`SELECT idempotency_key, status FROM deliveries WHERE customer_id = ${treated.customerId}`);
    expect(d!.idempotency_key).toMatch(new RegExp(`^journey:${ti.id}:remind:`));
    expect(['sent', 'delivered']).toContain(d!.status);

    // Running the engine again changes nothing.
    later(HOUR);
    await advance();
    expect(await path(ti.id)).toEqual(['wait_pay:timeout', 'coupon:issued', 'remind:queued']);

    // Both pay: each counts for their arm within the goal window.
    for (const c of [treated, held]) {
      const addressId = await addAddress(t, shop.slug, c);
      const placed = await t.call('POST', `/api/store/${shop.slug}/orders`, { headers: bearer(c), body: { items: [{ skuId: product.skus[0]!.id, quantity: 1 }], fulfilment: 'express', addressId } });
      expect(placed.status).toBe(201);
      await payOrder(t, shop.slug, c, placed.body.id);
    }
    await t.drain();
    list = await instances(id);
    expect(list.every((i) => i.converted_at !== null && i.converted_order_id !== null)).toBe(true);
    expect(list.find((i) => i.arm === 'holdout')!.status).toBe('converted');
    const stats = (await admin('GET', `/journeys/${id}/stats`)).body;
    expect(stats.entry).toMatchObject({ entered: 2, treatment: 1, holdout: 1, converted: 1 });
    expect(stats.nodes.coupon).toMatchObject({ entered: 1, passed: 1, converted: 1 });
    expect(stats.result.arms.treatment).toMatchObject({ customers: 1, converted: 1, orders: 1 });
    expect(stats.result.arms.holdout).toMatchObject({ customers: 1, converted: 1, orders: 1 });
    expect(stats.result.arms.treatment.revenueFen).toBeGreaterThan(0);
  });
});

describe('branches', () => {
  it('wait_event takes `yes` when the event comes in time and `timeout` otherwise', async () => {
    const id = await live(body({
      nodes: [
        { id: 'w', type: 'wait_event', event: 'order.created', timeout: { amount: 2, unit: 'days' } },
        { id: 'tag_yes', type: 'tag', action: 'add', tagIds: [tagId] },
        { id: 'out', type: 'exit' },
      ],
      edges: [{ from: 'entry', to: 'w' }, { from: 'w', to: 'tag_yes', branch: 'yes' }, { from: 'w', to: 'out', branch: 'timeout' }],
    }));
    const [a, b] = [randomUUID(), randomUUID()];
    for (const c of [a, b]) await emit('customer.registered', { customerId: c });
    await advance();
    later(HOUR);
    await emit('order.created', { customerId: a, orderId: randomUUID() });
    await advance();
    const list = await instances(id);
    const ia = list.find((i) => i.customer_id === a)!;
    expect(await path(ia.id)).toEqual(['w:yes', 'tag_yes:tagged']);
    expect((await t.services.tags.tagsOf(shop.shopId, a)).map((x) => x.id)).toEqual([tagId]);
    const ib = list.find((i) => i.customer_id === b)!;
    expect(ib.status).toBe('waiting');
    later(2 * DAY);
    // An event after the timeout does not count.
    await emit('order.created', { customerId: b, orderId: randomUUID() });
    await advance();
    expect(await path(ib.id)).toEqual(['w:timeout', 'out:exited']);
    expect((await instances(id)).find((i) => i.id === ib.id)!.exit_reason).toBe('exit_node');
  });

  it('a condition branches by the injected customer conditions', async () => {
    const yes = new Set<string>();
    const asked: unknown[] = [];
    t.services.journeys.useConditions({ matches: async (shopId, rule, customerId) => (asked.push([shopId, rule]), yes.has(customerId)) });
    const rule = { op: 'and' as const, items: [{ type: 'orders' as const, min: 1 }] };
    const id = await live(body({
      nodes: [{ id: 'c', type: 'condition', rule }, { id: 'y', type: 'exit' }, { id: 'n', type: 'tag', action: 'add', tagIds: [tagId] }],
      edges: [{ from: 'entry', to: 'c' }, { from: 'c', to: 'y', branch: 'yes' }, { from: 'c', to: 'n', branch: 'no' }],
    }));
    const [a, b] = [randomUUID(), randomUUID()];
    yes.add(a);
    for (const c of [a, b]) await emit('customer.registered', { customerId: c });
    await advance();
    const list = await instances(id);
    expect(await path(list.find((i) => i.customer_id === a)!.id)).toEqual(['c:yes', 'y:exited']);
    expect(await path(list.find((i) => i.customer_id === b)!.id)).toEqual(['c:no', 'n:tagged']);
    expect(asked[0]).toEqual([shop.shopId, rule]);
  });

  it('a random split follows its percentages, the same way on every retry', async () => {
    const split = { id: 's', type: 'random_split' as const, branches: [{ key: 'a', percent: 20 }, { key: 'b', percent: 30 }, { key: 'c', percent: 50 }] };
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 20_000; i++) counts[splitBranch(split, randomUUID())]!++;
    expect(counts.a / 20_000).toBeCloseTo(0.2, 1);
    expect(counts.b / 20_000).toBeCloseTo(0.3, 1);
    expect(counts.c / 20_000).toBeCloseTo(0.5, 1);
    const id = await live(body({
      nodes: [split, { id: 'ea', type: 'exit' }, { id: 'eb', type: 'exit' }, { id: 'ec', type: 'exit' }],
      edges: [{ from: 'entry', to: 's' }, { from: 's', to: 'ea', branch: 'a' }, { from: 's', to: 'eb', branch: 'b' }, { from: 's', to: 'ec', branch: 'c' }],
    }));
    await t.platform.database.transaction(async (tx) => {
      const [j] = await rows<{ id: string; shop_id: string; version: number }>(tx, sql`SELECT id, shop_id, version FROM journeys WHERE id = ${id}`);
      for (let i = 0; i < 120; i++) await t.services.journeys.enter(tx, j!, randomUUID());
    });
    await advance();
    const taken = await rows<{ instance_id: string; outcome: string }>(t.platform.db, sql`SELECT instance_id, outcome FROM journey_steps WHERE journey_id = ${id} AND node_id = 's'`);
    expect(taken).toHaveLength(120);
    for (const s of taken) expect(s.outcome).toBe(splitBranch(split, s.instance_id));
    expect(new Set(taken.map((s) => s.outcome))).toEqual(new Set(['a', 'b', 'c']));

    // The result reports the split as an A/B test: every branch's customers, conversion and revenue, compared with the first.
    const inC = taken.filter((s) => s.outcome === 'c').map((s) => s.instance_id);
    const buyers = inC.slice(0, Math.ceil(inC.length / 2));
    await t.platform.db.execute(sql`UPDATE journey_instances SET converted_at = now(), orders = 1, revenue_fen = 9900 WHERE id = ANY(${`{${buyers.join(',')}}`}::uuid[])`);
    const stats = (await admin('GET', `/journeys/${id}/stats`)).body;
    const [res] = stats.result.splits;
    expect(res.nodeId).toBe('s');
    const count = (k: string) => taken.filter((s) => s.outcome === k).length;
    expect(res.branches.map((b: { key: string; percent: number; customers: number; converted: number }) => [b.key, b.percent, b.customers, b.converted])).toEqual([
      ['a', 20, count('a'), 0], ['b', 30, count('b'), 0], ['c', 50, count('c'), buyers.length],
    ]);
    expect(res.branches[2].revenueFen).toBe(buyers.length * 9900);
    expect(res.analysis.comparisons.map((c: { key: string }) => c.key)).toEqual(['b', 'c']);
    expect(res.analysis.comparisons[1].conversion.difference).toBeCloseTo(buyers.length / count('c'), 5);
    expect(res.analysis.srm.flagged).toBe(false);
  });
});

describe('versions', () => {
  it('an edit of a live journey is a new version; instances stay on theirs', async () => {
    const v1 = body({
      nodes: [{ id: 'w', type: 'wait', duration: { amount: 1, unit: 'days' } }, { id: 'x', type: 'exit' }],
      edges: [{ from: 'entry', to: 'w' }, { from: 'w', to: 'x' }],
    });
    const id = await live(v1);
    const [a, b] = [randomUUID(), randomUUID()];
    await emit('customer.registered', { customerId: a });
    await advance();
    const v2 = body({
      name: '第二版',
      nodes: [{ id: 'w', type: 'wait', duration: { amount: 1, unit: 'days' } }, { id: 't', type: 'tag', action: 'add', tagIds: [tagId] }],
      edges: [{ from: 'entry', to: 'w' }, { from: 'w', to: 't' }],
    });
    const edited = await admin('PUT', `/journeys/${id}`, v2);
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ version: 2, status: 'live', name: '第二版' });
    await emit('customer.registered', { customerId: b });
    await advance();
    later(DAY + HOUR);
    await advance();
    const list = await instances(id);
    const ia = list.find((i) => i.customer_id === a)!;
    const ib = list.find((i) => i.customer_id === b)!;
    expect([ia.version, ib.version]).toEqual([1, 2]);
    expect(await path(ia.id)).toEqual(['w:done', 'x:exited']);
    expect(await path(ib.id)).toEqual(['w:done', 't:tagged']);
    const got = (await admin('GET', `/journeys/${id}`)).body;
    expect(got.versions.map((v: { version: number; publishedAt: string | null }) => [v.version, !!v.publishedAt])).toEqual([[1, true], [2, true]]);
    const [stored] = await rows<{ definition: JourneyBody }>(t.platform.db, sql`SELECT definition FROM journey_versions WHERE journey_id = ${id} AND version = 1`);
    expect(stored!.definition.nodes.map((n) => n.id)).toEqual(['w', 'x']);
    const perVersion = (await admin('GET', `/journeys/${id}/stats?version=1`)).body;
    expect(perVersion.nodes).toEqual({ w: { entered: 1, waiting: 0, passed: 1, converted: 0 }, x: { entered: 1, waiting: 0, passed: 1, converted: 0 } });
  });
});

describe('entry', () => {
  it('keeps at most one live instance whatever enters at once', async () => {
    const id = await live(body({
      trigger: { kind: 'event', event: 'cart.item_added', where: [] },
      nodes: [{ id: 'w', type: 'wait', duration: { amount: 1, unit: 'days' } }],
      edges: [{ from: 'entry', to: 'w' }],
    }));
    const c = randomUUID();
    const [j] = await rows<{ id: string; shop_id: string; version: number }>(t.platform.db, sql`SELECT id, shop_id, version FROM journeys WHERE id = ${id}`);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => t.platform.database.transaction((tx) => t.services.journeys.enter(tx, j!, c, { entryKey: `race:${i}` }))));
    expect(results.filter((r) => r !== 'skipped')).toHaveLength(1);
    // And through the bus: 50 events for the same customer.
    await t.platform.database.transaction(async (tx) => {
      for (let i = 0; i < 50; i++) await t.platform.events.emit(tx, { shopId: shop.shopId, type: 'cart.item_added', payload: { customerId: c, skuId: randomUUID(), productId: randomUUID(), quantity: 1 } });
    });
    await t.drain();
    const list = await instances(id);
    expect(list.filter((i) => ['active', 'waiting'].includes(i.status))).toHaveLength(1);
    expect(list).toHaveLength(1);
  });

  it('enters a customer who claims a coupon in the storefront (coupon.claimed), not one the shop gives', async () => {
    const coupon = await admin('POST', '/coupons', { name: '领券进旅程', kind: 'amount_off', thresholdFen: 1000, amountOffFen: 300, validity: { type: 'relative', days: 7 }, totalQuantity: 100, perCustomerLimit: 2 });
    expect(coupon.status, JSON.stringify(coupon.body)).toBe(201);
    const id = await live(body({ trigger: { kind: 'event', event: 'coupon.claimed', where: [] }, nodes: [{ id: 'w', type: 'wait', duration: { amount: 1, unit: 'days' } }], edges: [{ from: 'entry', to: 'w' }] }));
    const c = await signInCustomer(t, shop.slug);
    const claimed = await t.call('POST', `/api/store/${shop.slug}/coupons/${coupon.body.id}/claim`, { headers: bearer(c) });
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(201);
    const given = randomUUID();
    await emit('coupon.issued', { couponId: randomUUID(), templateId: coupon.body.id, customerId: given, source: 'journey' });
    await t.drain();
    expect((await instances(id)).map((i) => i.customer_id)).toEqual([c.customerId]);
  });

  it('filters an event trigger by the payload’s properties', async () => {
    const id = await live(body({
      trigger: { kind: 'event', event: 'order.paid', where: [{ property: 'paidFen', op: 'gt', value: 10_000 }] },
      nodes: [{ id: 'x', type: 'exit' }],
      edges: [{ from: 'entry', to: 'x' }],
    }));
    const [small, big] = [randomUUID(), randomUUID()];
    await emit('order.paid', { customerId: small, orderId: randomUUID(), paidFen: 5000, items: [] });
    await emit('order.paid', { customerId: big, orderId: randomUUID(), paidFen: 20_000, items: [] });
    expect((await instances(id)).map((i) => i.customer_id)).toEqual([big]);
  });

  it('follows the re-entry rule: never, after exit, after days', async () => {
    const make = (reentry: JourneyBody['reentry'], nodes: JourneyBody['nodes'] = [{ id: 'x', type: 'exit' }]) =>
      live(body({ trigger: { kind: 'event', event: 'review.created', where: [] }, reentry, nodes, edges: [{ from: 'entry', to: nodes[0]!.id }, ...(nodes[1] ? [{ from: nodes[0]!.id, to: nodes[1].id }] : [])] }));
    const never = await make({ kind: 'never' });
    const afterExit = await make({ kind: 'after_exit' });
    const afterDays = await make({ kind: 'after_days', days: 3 });
    const waiting = await make({ kind: 'after_exit' }, [{ id: 'w', type: 'wait', duration: { amount: 10, unit: 'days' } }, { id: 'x', type: 'exit' }]);
    const c = randomUUID();
    const count = async (id: string) => (await instances(id)).length;
    await emit('review.created', { customerId: c });
    await advance();
    await emit('review.created', { customerId: c });
    await advance();
    expect([await count(never), await count(afterExit), await count(afterDays), await count(waiting)]).toEqual([1, 2, 1, 1]);
    later(4 * DAY);
    await emit('review.created', { customerId: c });
    await advance();
    expect([await count(never), await count(afterExit), await count(afterDays), await count(waiting)]).toEqual([1, 3, 2, 1]);
  });

  it('enters on segment.changed and leaves with the segment when asked to', async () => {
    const group = await admin('POST', '/groups', { name: '沉睡客户', kind: 'static' });
    expect(group.status).toBe(201);
    const id = await live(body({
      trigger: { kind: 'segment_entered', groupId: group.body.id },
      exitOnSegmentLeft: true,
      nodes: [{ id: 'w', type: 'wait', duration: { amount: 7, unit: 'days' } }, { id: 't', type: 'tag', action: 'add', tagIds: [tagId] }],
      edges: [{ from: 'entry', to: 'w' }, { from: 'w', to: 't' }],
    }));
    const [a, b] = [randomUUID(), randomUUID()];
    await emit('segment.changed', { groupId: group.body.id, entered: [a, b], left: [] });
    await emit('segment.changed', { groupId: randomUUID(), entered: [randomUUID()], left: [] });
    await advance();
    await emit('segment.changed', { groupId: group.body.id, entered: [], left: [b] });
    const list = await instances(id);
    expect(list).toHaveLength(2);
    expect(list.find((i) => i.customer_id === a)!.status).toBe('waiting');
    expect(list.find((i) => i.customer_id === b)).toMatchObject({ status: 'exited', exit_reason: 'segment_left' });
  });

  it('enters a group on a repeating schedule, each slot once', async () => {
    const customers = [await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug)];
    const group = await admin('POST', '/groups', { name: '每周提醒', kind: 'static' });
    expect((await admin('POST', `/groups/${group.body.id}/members`, { customerIds: customers.map((c) => c.customerId) })).status).toBe(200);
    await t.drain();
    const at = new Date(t.services.journeys.clock().getTime() - 60_000).toISOString();
    const id = await live(body({ trigger: { kind: 'schedule', groupId: group.body.id, at, every: 'week' }, nodes: [{ id: 'x', type: 'exit' }], edges: [{ from: 'entry', to: 'x' }] }));
    expect(await t.services.journeys.runSchedules()).toBe(2);
    expect(await t.services.journeys.runSchedules()).toBe(0);
    const [j] = await rows<{ next_run_at: Date }>(t.platform.db, sql`SELECT next_run_at FROM journeys WHERE id = ${id}`);
    expect(new Date(j!.next_run_at).getTime() - Date.parse(at)).toBe(7 * DAY);
    await advance();
    later(7 * DAY);
    expect(await t.services.journeys.runSchedules()).toBe(2);
    expect(await instances(id)).toHaveLength(4);
  });

  it('enters on a date property at the trigger’s hour, once a day', async () => {
    const id = await live(body({ trigger: { kind: 'date_property', property: 'last_paid_at', offsetDays: 0, hour: 0 }, nodes: [{ id: 'x', type: 'exit' }], edges: [{ from: 'entry', to: 'x' }] }));
    const c = randomUUID();
    await emit('order.paid', { customerId: c, orderId: randomUUID(), paidFen: 100, items: [] });
    expect(await t.services.journeys.enterByDates()).toBeGreaterThanOrEqual(1);
    expect(await t.services.journeys.enterByDates()).toBe(0);
    await advance();
    const list = await instances(id);
    expect(list.map((i) => [i.customer_id, i.status])).toContainEqual([c, 'exited']);
  });
});

describe('with the segments module', () => {
  it('enters when a customer enters a dynamic segment, asks real conditions, and exits when they leave', async () => {
    t.services.journeys.useConditions(t.services.segments);
    const settle = async () => {
      await t.drain();
      await t.services.cdp.drain();
      await t.drain();
    };
    const vip = (await admin('POST', '/tags', { name: '贵宾', kind: 'manual' })).body.id as string;
    const c = await signInCustomer(t, shop.slug);
    await settle();
    const rule = { op: 'and' as const, items: [{ type: 'tag' as const, tagIds: [vip], match: 'any' as const }] };
    const g = await admin('POST', '/groups', { name: '贵宾人群', kind: 'dynamic', conditions: rule });
    expect(g.status, JSON.stringify(g.body)).toBe(201);
    const id = await live(body({
      trigger: { kind: 'segment_entered', groupId: g.body.id },
      exitOnSegmentLeft: true,
      nodes: [{ id: 'is_vip', type: 'condition', rule }, { id: 'w', type: 'wait', duration: { amount: 3, unit: 'days' } }, { id: 'no', type: 'exit' }],
      edges: [{ from: 'entry', to: 'is_vip' }, { from: 'is_vip', to: 'w', branch: 'yes' }, { from: 'is_vip', to: 'no', branch: 'no' }],
    }));
    // A condition naming another shop's tag is refused when the journey goes live.
    const foreign = await admin('PUT', `/journeys/${id}`, body({
      trigger: { kind: 'segment_entered', groupId: g.body.id },
      nodes: [{ id: 'c', type: 'condition', rule: { op: 'and', items: [{ type: 'tag', tagIds: [randomUUID()], match: 'any' }] } }, { id: 'x', type: 'exit' }, { id: 'y', type: 'exit' }],
      edges: [{ from: 'entry', to: 'c' }, { from: 'c', to: 'x', branch: 'yes' }, { from: 'c', to: 'y', branch: 'no' }],
    }));
    expect(foreign.status).toBe(422);
    expect(foreign.body.error.details.field).toBe('nodes.0.rule.items.0.tagIds.0');

    expect((await admin('PUT', `/customers/${c.customerId}/tags`, { tagIds: [vip] })).status).toBe(200);
    await settle();
    await advance();
    let [i] = await instances(id);
    expect(i).toMatchObject({ customer_id: c.customerId, status: 'waiting', node_id: 'w' });
    expect(await path(i!.id)).toEqual(['is_vip:yes']);
    expect((await admin('PUT', `/customers/${c.customerId}/tags`, { tagIds: [] })).status).toBe(200);
    await settle();
    [i] = await instances(id);
    expect(i).toMatchObject({ status: 'exited', exit_reason: 'segment_left' });
  });
});

describe('waiting for a time or a date', () => {
  it('wait_until_time wakes at the next shop time; wait_until_date at the property plus the offset', async () => {
    const id = await live(body({
      trigger: { kind: 'event', event: 'order.shipped', where: [] },
      nodes: [
        { id: 'nine', type: 'wait_until_time', hour: 9, minute: 30 },
        { id: 'due', type: 'wait_until_date', property: 'last_paid_at', offsetDays: 30, hour: 10 },
        { id: 'x', type: 'exit' },
      ],
      edges: [{ from: 'entry', to: 'nine' }, { from: 'nine', to: 'due' }, { from: 'due', to: 'x' }],
    }));
    const c = randomUUID();
    await emit('order.paid', { customerId: c, orderId: randomUUID(), paidFen: 100, items: [] });
    const paidAt = t.services.journeys.clock();
    await emit('order.shipped', { customerId: c, orderId: randomUUID() });
    await advance();
    const wake = async () => new Date((await rows<{ wake_at: Date }>(t.platform.db, sql`SELECT wake_at FROM journey_instances WHERE journey_id = ${id}`))[0]!.wake_at);
    const now = t.services.journeys.clock();
    const nine = await wake();
    expect(nextShopTime(now, 9, 30)).toEqual(nine);
    expect(nine.getTime()).toBeGreaterThan(now.getTime());
    expect(nine.getTime() - now.getTime()).toBeLessThanOrEqual(DAY);
    expect(new Date(nine.getTime() + 8 * HOUR).toISOString().slice(11, 16)).toBe('09:30');
    offsetMs += nine.getTime() - now.getTime();
    await advance();
    const due = await wake();
    expect(shopDate(due)).toBe(shopDate(new Date(paidAt.getTime() + 30 * DAY)));
    expect(new Date(due.getTime() + 8 * HOUR).toISOString().slice(11, 16)).toBe('10:00');
    offsetMs += due.getTime() - t.services.journeys.clock().getTime();
    await advance();
    const [i] = await instances(id);
    expect(await path(i!.id)).toEqual(['nine:done', 'due:done', 'x:exited']);
  });
});

describe('merged customers', () => {
  it('hands instances to the survivor, one live per journey', async () => {
    const id = await live(body({ trigger: { kind: 'event', event: 'order.completed', where: [] }, nodes: [{ id: 'w', type: 'wait', duration: { amount: 1, unit: 'days' } }], edges: [{ from: 'entry', to: 'w' }] }));
    const [from, into, alone] = [randomUUID(), randomUUID(), randomUUID()];
    for (const c of [from, into, alone]) await emit('order.completed', { customerId: c, orderId: randomUUID() });
    await advance();
    await emit('customer.merged', { fromCustomerId: from, intoCustomerId: into });
    await emit('customer.merged', { fromCustomerId: alone, intoCustomerId: randomUUID() });
    const list = await instances(id);
    expect(list.filter((i) => i.customer_id === into).map((i) => [i.status, i.exit_reason]).sort()).toEqual([['exited', 'merged'], ['waiting', null]]);
    expect(list.filter((i) => i.customer_id === alone)).toEqual([]);
  });
});

describe('running journeys', () => {
  it('pause holds instances, resume walks on, end exits them', async () => {
    const id = await live(body({ trigger: { kind: 'event', event: 'mp.followed', where: [] }, nodes: [{ id: 'w', type: 'wait', duration: { amount: 1, unit: 'hours' } }, { id: 'x', type: 'exit' }], edges: [{ from: 'entry', to: 'w' }, { from: 'w', to: 'x' }] }));
    const [a, b] = [randomUUID(), randomUUID()];
    for (const c of [a, b]) await emit('mp.followed', { customerId: c });
    await advance();
    expect((await admin('POST', `/journeys/${id}/pause`)).body.status).toBe('paused');
    expect((await admin('POST', `/journeys/${id}/pause`)).body.error.code).toBe('JOURNEY_STATE_INVALID');
    later(2 * HOUR);
    await advance();
    expect((await instances(id)).map((i) => i.status)).toEqual(['waiting', 'waiting']);
    expect((await admin('POST', `/journeys/${id}/resume`)).body.status).toBe('live');
    await advance();
    expect((await instances(id)).map((i) => i.status)).toEqual(['exited', 'exited']);
    await emit('mp.followed', { customerId: randomUUID() });
    expect((await admin('POST', `/journeys/${id}/end`)).body.status).toBe('ended');
    expect((await instances(id)).map((i) => i.exit_reason)).toEqual(['exit_node', 'exit_node', 'journey_ended']);
    expect((await admin('PUT', `/journeys/${id}`, body({ nodes: [{ id: 'x', type: 'exit' }], edges: [{ from: 'entry', to: 'x' }] }))).status).toBe(409);
  });

  it('POSTs a webhook signed with the journey’s secret', async () => {
    const got: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let b = '';
      req.on('data', (x) => (b += x));
      req.on('end', () => {
        got.push({ headers: req.headers, body: b });
        // The first call fails: the job queue retries it.
        res.statusCode = got.length === 1 ? 500 : 200;
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const id = await live(body({ trigger: { kind: 'event', event: 'member.level_changed', where: [] }, nodes: [{ id: 'h', type: 'webhook', url }], edges: [{ from: 'entry', to: 'h' }] }));
      const c = randomUUID();
      await emit('member.level_changed', { customerId: c });
      await advance();
      await t.drain();
      await t.platform.db.execute(sql`UPDATE jobs SET run_at = now() WHERE queue = 'journeys.webhook' AND state = 'queued'`);
      await t.drain();
      expect(got).toHaveLength(2);
      const secret = (await admin('GET', `/journeys/${id}`)).body.webhookSecret as string;
      expect(secret).toMatch(/^[0-9a-f]{48}$/);
      const sig = String(got[1]!.headers['x-siyu-signature']);
      const [, ts, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig)!;
      expect(v1).toBe(createHmac('sha256', secret).update(`${ts}.${got[1]!.body}`).digest('hex'));
      // In production a webhook cannot reach the platform's own network.
      for (const a of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fd00::1']) expect(isInternalAddress(a), a).toBe(true);
      for (const a of ['8.8.8.8', '172.32.0.1', '2400:3200::1']) expect(isInternalAddress(a), a).toBe(false);
      expect(JSON.parse(got[1]!.body)).toMatchObject({ journeyId: id, customerId: c, nodeId: 'h' });
      expect(got[0]!.headers['idempotency-key']).toBe(got[1]!.headers['idempotency-key']);
    } finally {
      server.close();
    }
  });
});

describe('the console', () => {
  it('validates the graph, naming the field', async () => {
    const bad = async (b: JourneyBody) => (await admin('POST', '/journeys', b)).body.error;
    expect(await bad(body({ nodes: [{ id: 'x', type: 'exit' }], edges: [{ from: 'entry', to: 'y' }] }))).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'edges.0.to' } });
    expect(await bad(body({ nodes: [{ id: 'x', type: 'exit' }], edges: [] }))).toMatchObject({ details: { field: 'edges' } });
    expect(await bad(body({
      nodes: [{ id: 'c', type: 'condition', rule: { op: 'and', items: [{ type: 'orders', min: 1 }] } }, { id: 'x', type: 'exit' }],
      edges: [{ from: 'entry', to: 'c' }, { from: 'c', to: 'x', branch: 'yes' }],
    }))).toMatchObject({ details: { field: 'nodes.0' } });
    expect(await bad(body({
      nodes: [{ id: 'a', type: 'tag', action: 'add', tagIds: [tagId] }, { id: 'b', type: 'points', points: 1 }],
      edges: [{ from: 'entry', to: 'a' }, { from: 'a', to: 'b' }, { from: 'b', to: 'a' }],
    }))).toMatchObject({ details: { field: 'edges.2.to' } });
    // The same loop through a wait is fine.
    const ok = await admin('POST', '/journeys', body({
      nodes: [{ id: 'a', type: 'tag', action: 'add', tagIds: [tagId] }, { id: 'w', type: 'wait', duration: { amount: 90, unit: 'days' } }],
      edges: [{ from: 'entry', to: 'a' }, { from: 'a', to: 'w' }, { from: 'w', to: 'a' }],
    }));
    expect(ok.status).toBe(201);
    const schema = await admin('POST', '/journeys', { ...body({ nodes: [{ id: 'x', type: 'exit' }], edges: [{ from: 'entry', to: 'x' }] }), holdoutPercent: 80 });
    expect(schema.status).toBe(400);
    expect(schema.body.error.details.field).toBe('holdoutPercent');
  });

  it('lists playbooks in Chinese and English, each a valid draft', async () => {
    const list = (await admin('GET', '/journeys/playbooks')).body.items as { key: string; name: { zh: string; en: string } }[];
    expect(list.map((p) => p.key)).toEqual(['abandoned_cart', 'welcome_series', 'care_reminder', 'repurchase', 'dormant_winback', 'birthday', 'review_request']);
    for (const p of list) {
      expect(p.name.zh).toMatch(/[\u4e00-\u9fa5]/);
      expect((await admin('POST', '/journeys/from-playbook', { key: p.key })).status).toBe(201);
    }
    expect((await admin('POST', '/journeys/from-playbook', { key: 'nope' })).status).toBe(404);
    const journeys = (await admin('GET', '/journeys')).body.items as { status: string; counts: { entered: number } }[];
    expect(journeys.some((j) => j.status === 'draft')).toBe(true);
  });

  it('a test run walks the current definition for one customer now, waits skipped, and is never counted', async () => {
    const c = await signInCustomer(t, shop.slug);
    const id = (await admin('POST', '/journeys', body({
      holdoutPercent: 50,
      nodes: [
        { id: 'w', type: 'wait', duration: { amount: 3, unit: 'days' } },
        { id: 'e', type: 'wait_event', event: 'order.paid', timeout: { amount: 1, unit: 'days' } },
        { id: 'p', type: 'points', points: 20 },
        { id: 'x', type: 'exit' },
      ],
      edges: [{ from: 'entry', to: 'w' }, { from: 'w', to: 'e' }, { from: 'e', to: 'x', branch: 'yes' }, { from: 'e', to: 'p', branch: 'timeout' }],
    }))).body.id;
    const run = await admin('POST', `/journeys/${id}/test-run`, { customerId: c.customerId });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(run.body.path.map((s: { nodeId: string; outcome: string }) => `${s.nodeId}:${s.outcome}`)).toEqual(['w:skipped', 'e:timeout', 'p:awarded']);
    expect(run.body.status).toBe('done');
    expect((await t.call('GET', `/api/store/${shop.slug}/me/points`, { headers: bearer(c) })).body.balance).toBe(20);
    const [inst] = await instances(id);
    expect(inst).toMatchObject({ test: true, arm: 'treatment' });
    const stats = (await admin('GET', `/journeys/${id}/stats`)).body;
    expect(stats.entry.entered).toBe(0);
    expect(stats.nodes).toEqual({});
    expect((await admin('POST', `/journeys/${id}/test-run`, { customerId: randomUUID() })).status).toBe(404);
  });
});

describe('stats and result', () => {
  it('counts nodes and compares the arms with a Welch interval', async () => {
    const id = await live(body({
      trigger: { kind: 'event', event: 'coupon.claimed', where: [] },
      holdoutPercent: 50,
      goal: { event: 'order.paid', withinDays: 7 },
      nodes: [{ id: 't', type: 'tag', action: 'add', tagIds: [tagId] }, { id: 'w', type: 'wait', duration: { amount: 1, unit: 'days' } }],
      edges: [{ from: 'entry', to: 't' }, { from: 't', to: 'w' }],
    }));
    const people = Array.from({ length: 24 }, () => randomUUID());
    for (const c of people) await emit('coupon.issued', { couponId: randomUUID(), templateId: randomUUID(), customerId: c, source: 'claim' });
    await advance();
    const arm = new Map((await instances(id)).map((i) => [i.customer_id, i.arm]));
    const treated = people.filter((c) => arm.get(c) === 'treatment');
    const held = people.filter((c) => arm.get(c) === 'holdout');
    expect(treated.length).toBeGreaterThanOrEqual(2);
    expect(held.length).toBeGreaterThanOrEqual(2);
    // Orders: every treated customer but one pays 100 yuan, one of them twice; half the held pay 30 yuan.
    const paid = new Map<string, number[]>();
    const pay = async (c: string, fen: number) => {
      await emit('order.paid', { customerId: c, orderId: randomUUID(), paidFen: fen, items: [] });
      paid.set(c, [...(paid.get(c) ?? []), fen]);
    };
    for (const c of treated.slice(1)) await pay(c, 10_000);
    await pay(treated[1]!, 2_000);
    for (const c of held.filter((_, i) => i % 2 === 0)) await pay(c, 3_000);
    // An order after the goal window counts for nobody.
    later(8 * DAY);
    await pay(treated[0]!, 99_999);
    const stats = (await admin('GET', `/journeys/${id}/stats`)).body;
    expect(stats.entry).toMatchObject({ entered: 24, treatment: treated.length, holdout: held.length, converted: treated.length - 1 });
    expect(stats.nodes.t).toEqual({ entered: treated.length, waiting: 0, passed: treated.length, converted: treated.length - 1 });
    // Converted instances left the wait; the one who did not buy still waits there.
    expect(stats.nodes.w).toEqual({ entered: 1, waiting: 1, passed: 0, converted: 0 });
    const sums = (list: string[]) => {
      const per = list.map((c) => (paid.get(c) ?? []).filter((f) => f !== 99_999).reduce((s, f) => s + f, 0));
      return { n: per.length, sum: per.reduce((s, x) => s + x, 0), sumSq: per.reduce((s, x) => s + x * x, 0) };
    };
    const want = incrementalRevenue(sums(treated), sums(held))!;
    const r = stats.result;
    expect(r.arms.treatment).toMatchObject({ customers: treated.length, converted: treated.length - 1, orders: treated.length, revenueFen: sums(treated).sum });
    expect(r.arms.holdout).toMatchObject({ customers: held.length, converted: Math.ceil(held.length / 2), orders: Math.ceil(held.length / 2), revenueFen: sums(held).sum });
    expect(r.incrementalRevenueFen).toEqual(want);
    expect(r.incrementalRevenuePerCustomerFen.estimate).toBeCloseTo(want.estimate / treated.length, 6);
    expect(r.incrementalRevenuePerCustomerFen.low).toBeLessThan(r.incrementalRevenuePerCustomerFen.estimate);
    expect(r.incrementalRevenuePerCustomerFen.high).toBeGreaterThan(r.incrementalRevenuePerCustomerFen.estimate);
  });
});
