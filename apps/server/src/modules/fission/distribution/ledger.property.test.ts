import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, sql } from '../../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../../testing/harness.js';
import { bearer, createProduct, payOrder, signInCustomer, type CustomerFixture, type ShopFixture, atTime } from '../../../testing/commerce.js';

/**
 * Random interleavings of paid / completed / thawed / partially refunded / withdrawn / rejected / paid out /
 * failed, with replays of events: after every step each promoter's buckets add up to what they earned and
 * agree with the ledger, the commissions and the withdrawals; commissions reach two tiers above the buyer at
 * most; no line pays more than the rates.
 */
const DAY = 86_400_000;
const STEPS = 320;
const SEED = Number(process.env.DISTRIBUTION_SEED ?? 20261204);

let t: TestApp;
let shop: ShopFixture;
let pickupPointId: string;
const store = (path: string) => `/api/store/${shop.slug}${path}`;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  pickupPointId = (await t.call('POST', '/api/admin/pickup-points', { session: shop.owner, body: { name: '门店', address: '文三路 1 号' } })).body.id;
  const res = await t.call('PUT', '/api/admin/distribution/settings', {
    session: shop.owner,
    body: {
      enabled: true, eligibility: 'everyone', spendThresholdFen: 0, bindingMode: 'first_click', bindingDays: 30, newCustomersOnly: false,
      tiers: 2, level1Bp: 1000, level2Bp: 500, afterSaleDays: 7, withdrawMinFen: 100, withdrawFeeBp: 100, withdrawReview: true,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
});
afterAll(() => t?.close());

function mulberry32(a: number) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const at = <T>(ms: number, run: () => Promise<T>) => atTime(t, ms, run);

async function bindTo(c: CustomerFixture, parent: CustomerFixture) {
  const share = await t.call('POST', store('/me/share'), { headers: bearer(parent), body: { kind: 'promoter' } });
  const res = await t.call('POST', store('/referrals/visit'), { headers: bearer(c), body: { scene: share.body.scene } });
  expect(res.body.bound).toBe(true);
}

async function check(promoterIds: string[]) {
  const bad = await rows(t.platform.db, sql`
    SELECT p.customer_id FROM promoters p
    LEFT JOIN (SELECT customer_id, sum(frozen_delta) f, sum(payable_delta) pa, sum(withdrawing_delta) w, sum(paid_delta) pd, sum(clawed_delta) c, sum(earned_delta) e
               FROM promoter_ledger WHERE shop_id = ${shop.shopId} GROUP BY 1) l ON l.customer_id = p.customer_id
    LEFT JOIN (SELECT promoter_id, sum(amount_fen) e, sum(clawed_fen) c, sum(amount_fen - clawed_fen) FILTER (WHERE status = 'frozen') f
               FROM commissions WHERE shop_id = ${shop.shopId} GROUP BY 1) k ON k.promoter_id = p.customer_id
    LEFT JOIN (SELECT customer_id, sum(amount_fen) FILTER (WHERE status IN ('reviewing', 'approved', 'transferring', 'wait_confirm')) w,
                 sum(amount_fen) FILTER (WHERE status = 'paid') pd
               FROM promoter_withdrawals WHERE shop_id = ${shop.shopId} GROUP BY 1) w ON w.customer_id = p.customer_id
    WHERE p.shop_id = ${shop.shopId} AND (
       p.frozen_fen + p.payable_fen + p.withdrawing_fen + p.paid_fen + p.clawed_fen <> p.earned_fen
       OR p.frozen_fen < 0 OR p.withdrawing_fen < 0
       OR coalesce(l.f, 0) <> p.frozen_fen OR coalesce(l.pa, 0) <> p.payable_fen OR coalesce(l.w, 0) <> p.withdrawing_fen
       OR coalesce(l.pd, 0) <> p.paid_fen OR coalesce(l.c, 0) <> p.clawed_fen OR coalesce(l.e, 0) <> p.earned_fen
       OR coalesce(k.e, 0) <> p.earned_fen OR coalesce(k.c, 0) <> p.clawed_fen OR coalesce(k.f, 0) <> p.frozen_fen
       OR coalesce(w.w, 0) <> p.withdrawing_fen OR coalesce(w.pd, 0) <> p.paid_fen)`);
  expect(bad).toEqual([]);
  expect(promoterIds.length).toBeGreaterThan(0);
}

describe('distribution ledger property', () => {
  it(`holds over ${STEPS} random steps (seed ${SEED})`, async () => {
    const rand = mulberry32(SEED);
    const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)];
    const d = t.services.fission.distribution;

    // A chain of four promoters a ← b ← c ← dd, and buyers under each of them (dd also buys).
    const [a, b, c, dd] = [await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug)];
    for (const p of [a, b, c, dd]) await t.call('GET', store('/me/promoter'), { headers: bearer(p) });
    await bindTo(b, a);
    await bindTo(c, b);
    await bindTo(dd, c);
    const buyers: { c: CustomerFixture; parent: string; grand: string | null }[] = [];
    for (const [parent, grand] of [[dd, c], [c, b], [b, a], [a, null]] as const) {
      const x = await signInCustomer(t, shop.slug);
      await bindTo(x, parent);
      buyers.push({ c: x, parent: parent.customerId, grand: grand?.customerId ?? null });
    }
    buyers.push({ c: dd, parent: c.customerId, grand: b.customerId });
    const promoterIds = [a, b, c, dd].map((p) => p.customerId);
    const promoterOf = new Map([a, b, c, dd].map((p) => [p.customerId, p]));

    const p1 = await createProduct(t, shop.owner, { priceFen: 3_333, stock: 500 });
    const p2 = await createProduct(t, shop.owner, { priceFen: 1_999, stock: 500 });
    type Line = { id: string; quantity: number; payableFen: number; refundedQty: number; refundedFen: number };
    const orders: { id: string; buyer: (typeof buyers)[number]; paid: boolean; lines: Line[]; refunds: unknown[] }[] = [];
    for (let i = 0; i < 12; i++) {
      const buyer = buyers[i % buyers.length];
      const res = await t.call('POST', store('/orders'), {
        headers: bearer(buyer.c, { 'idempotency-key': randomUUID() }),
        body: { items: [{ skuId: p1.skus[0].id, quantity: 1 + (i % 3) }, { skuId: p2.skus[0].id, quantity: 1 + ((i + 1) % 3) }], fulfilment: 'pickup', pickupPointId },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      orders.push({ id: res.body.id, buyer, paid: false, lines: [], refunds: [] });
    }

    const counts: Record<string, number> = {};
    const withdrawalsOf = () => rows<{ id: string; status: string; out_bill_no: string | null; customer_id: string }>(t.platform.db, sql`
      SELECT id, status, out_bill_no, customer_id FROM promoter_withdrawals WHERE shop_id = ${shop.shopId}`);

    for (let step = 0; step < STEPS; step++) {
      const paid = orders.filter((o) => o.paid);
      const unpaid = orders.filter((o) => !o.paid);
      const r = rand();
      let op: string;
      if (unpaid.length && (r < 0.12 || paid.length === 0)) {
        op = 'pay';
        const o = pick(unpaid);
        await payOrder(t, shop.slug, o.buyer.c, o.id);
        await t.drain();
        o.paid = true;
        o.lines = (await t.services.orders.linesOf(shop.shopId, o.id)).map((l) => ({ id: l.id, quantity: l.quantity, payableFen: l.payableFen, refundedQty: 0, refundedFen: 0 }));
      } else if (r < 0.2) {
        op = 'replay-paid';
        await t.platform.database.transaction((tx) => d.onPaid(tx, shop.shopId, pick(paid).id));
      } else if (r < 0.32) {
        op = 'complete';
        await t.platform.database.transaction((tx) => d.onCompleted(tx, shop.shopId, pick(paid).id));
      } else if (r < 0.44) {
        op = 'thaw';
        await at(Date.now() + Math.floor(rand() * 11) * DAY, () => d.thawDue());
      } else if (r < 0.58) {
        op = 'refund';
        const o = pick(paid);
        const open = o.lines.filter((l) => l.refundedQty < l.quantity);
        if (open.length === 0) {
          op = 'refund-none';
        } else {
          const l = pick(open);
          const q = 1 + Math.floor(rand() * (l.quantity - l.refundedQty));
          const amountFen = Math.floor((l.payableFen * (l.refundedQty + q)) / l.quantity) - Math.floor((l.payableFen * l.refundedQty) / l.quantity);
          l.refundedQty += q;
          l.refundedFen += amountFen;
          const payload = { orderId: o.id, refundId: randomUUID(), full: o.lines.every((x) => x.refundedQty === x.quantity), items: [{ orderItemId: l.id, quantity: q, amountFen }] };
          o.refunds.push(payload);
          await t.platform.database.transaction((tx) => d.onRefunded(tx, shop.shopId, payload));
        }
      } else if (r < 0.62) {
        op = 'replay-refund';
        const o = paid.find((x) => x.refunds.length);
        if (o) await t.platform.database.transaction((tx) => d.onRefunded(tx, shop.shopId, pick(o.refunds) as Parameters<typeof d.onRefunded>[2]));
      } else if (r < 0.78) {
        op = 'withdraw';
        const who = pick(promoterIds);
        const [acc] = await rows<{ payable_fen: number }>(t.platform.db, sql`SELECT payable_fen FROM promoters WHERE shop_id = ${shop.shopId} AND customer_id = ${who}`);
        const amountFen = 50 + Math.floor(rand() * Math.max(100, Number(acc.payable_fen) + 300));
        try {
          await d.withdrawals.request(shop.shopId, who, { amountFen }, randomUUID());
        } catch (err) {
          expect(['WITHDRAW_BELOW_MINIMUM', 'WITHDRAW_EXCEEDS_PAYABLE', 'PROMOTER_IN_DEBT']).toContain((err as { code: string }).code);
          op = `withdraw-refused`;
        }
        void promoterOf;
      } else {
        const list = await withdrawalsOf();
        const actor = { shopId: shop.shopId, type: 'staff' as const, id: randomUUID(), name: 'owner', role: 'owner' as const };
        const reviewing = list.filter((w) => w.status === 'reviewing' || w.status === 'failed');
        const inFlight = list.filter((w) => ['approved', 'transferring', 'wait_confirm'].includes(w.status));
        const r2 = rand();
        if (r2 < 0.35 && reviewing.length) {
          op = 'approve';
          await d.withdrawals.approve(actor, pick(reviewing).id).catch((err) => expect((err as { code: string }).code).toBe('WITHDRAW_EXCEEDS_PAYABLE'));
        } else if (r2 < 0.55 && reviewing.length) {
          op = 'reject';
          await d.withdrawals.reject(actor, pick(reviewing).id, '不符合');
        } else if (inFlight.length) {
          const w = pick(inFlight);
          op = rand() < 0.7 ? 'paid-out' : 'transfer-failed';
          await t.platform.database.transaction((tx) => d.withdrawals.applyBill(tx, shop.shopId, { out_bill_no: w.out_bill_no!, state: op === 'paid-out' ? 'SUCCESS' : 'FAIL' }));
        } else {
          op = 'idle';
        }
      }
      counts[op] = (counts[op] ?? 0) + 1;
      await check(promoterIds);
    }

    // Every kind of step happened.
    for (const op of ['pay', 'replay-paid', 'complete', 'thaw', 'refund', 'withdraw', 'approve', 'reject', 'paid-out', 'transfer-failed']) expect(counts[op] ?? 0, JSON.stringify(counts)).toBeGreaterThan(0);

    // Commissions: tier 1 the buyer's promoter, tier 2 that promoter's, nobody further up; rates never exceeded.
    const list = await rows<{ buyer_id: string; promoter_id: string; tier: number; base_fen: number; amount_fen: number; order_item_id: string }>(t.platform.db, sql`
      SELECT buyer_id, promoter_id, tier, base_fen, amount_fen, order_item_id FROM commissions WHERE shop_id = ${shop.shopId}`);
    expect(list.length).toBeGreaterThan(0);
    for (const k of list) {
      const buyer = buyers.find((x) => x.c.customerId === k.buyer_id)!;
      expect(k.promoter_id).toBe(k.tier === 1 ? buyer.parent : buyer.grand);
      expect(Number(k.amount_fen)).toBe(Math.floor((Number(k.base_fen) * (k.tier === 1 ? 1000 : 500)) / 10_000));
    }
    const perLine = new Map<string, number>();
    for (const k of list) perLine.set(k.order_item_id, (perLine.get(k.order_item_id) ?? 0) + Number(k.amount_fen));
    for (const k of list) expect(perLine.get(k.order_item_id)!).toBeLessThanOrEqual(Math.floor((Number(k.base_fen) * 1500) / 10_000));
    const tiers = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM commissions WHERE shop_id = ${shop.shopId} GROUP BY order_item_id ORDER BY 1 DESC LIMIT 1`);
    expect(tiers[0].n).toBeLessThanOrEqual(2);
    // Fully refunded lines clawed everything back.
    for (const o of orders.filter((x) => x.paid)) {
      for (const l of o.lines.filter((x) => x.refundedQty === x.quantity)) {
        const left = await rows(t.platform.db, sql`SELECT 1 FROM commissions WHERE order_item_id = ${l.id} AND (clawed_fen <> amount_fen OR status <> 'cancelled')`);
        expect(left).toEqual([]);
      }
    }
  });
});
