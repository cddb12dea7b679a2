import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import type { Actor } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { rows, sql } from '../../platform/db/index.js';
import { createProduct } from '../catalog/testing/fixtures.js';

let t: TestApp;
let actor: Actor;
let shopId: string;
beforeAll(async () => {
  t = await startTestApp();
  const shop = await t.createShop();
  actor = shop.owner.actor;
  shopId = shop.shopId;
});
afterAll(() => t?.close());

const inv = () => t.services.inventory;
const tx = <T>(fn: (db: any) => Promise<T>) => t.platform.database.transaction(fn);

async function skusWithStock(stocks: number[]) {
  const values = stocks.map((_, i) => `v${i}`);
  const product = await createProduct(t, actor, {
    specAttributes: [{ name: '款式', values }],
    skus: stocks.map((stock, i) => ({ specValues: { 款式: values[i] }, price: 1000, stock })),
  });
  return product.skus.map((s) => s.id);
}

async function ledgerSums(skuIds: string[]) {
  const list = await rows<{ sku_id: string; received: number; available: number; reserved: number; sold: number }>(t.platform.db, sql`
    SELECT sku_id, sum(delta_received)::int AS received, sum(delta_available)::int AS available,
           sum(delta_reserved)::int AS reserved, sum(delta_sold)::int AS sold
    FROM inventory_ledger WHERE sku_id IN (${sql.join(skuIds.map((id) => sql`${id}`), sql`, `)}) GROUP BY sku_id`);
  return new Map(list.map((r) => [r.sku_id, { received: r.received, available: r.available, reserved: r.reserved, sold: r.sold }]));
}

describe('inventory', () => {
  it('never oversells: 200 parallel reservations of 1 unit against 20 in stock, exactly 20 win', async () => {
    const [sku] = await skusWithStock([20]);
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, () => tx((db) => inv().reserve(db, shopId, randomUUID(), [{ skuId: sku, quantity: 1 }]))),
    );
    const won = results.filter((r) => r.status === 'fulfilled').length;
    expect(won).toBe(20);
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(lost.every((r) => r.reason instanceof AppError && r.reason.code === 'STOCK_INSUFFICIENT')).toBe(true);
    const level = (await inv().levels(shopId, [sku])).get(sku)!;
    expect(level).toEqual({ received: 20, available: 0, reserved: 20, sold: 0 });
    const [{ n }] = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM inventory_reservations WHERE sku_id = ${sku} AND status = 'held'`);
    expect(n).toBe(20);
  });

  it('reserves all lines or none, names the failing line, and merges repeated SKUs', async () => {
    const [a, b] = await skusWithStock([5, 1]);
    const order = randomUUID();
    const err = await tx((db) => inv().reserve(db, shopId, order, [{ skuId: a, quantity: 2 }, { skuId: b, quantity: 1 }, { skuId: b, quantity: 1 }])).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('STOCK_INSUFFICIENT');
    expect(err.details).toMatchObject({ field: 'items.1.skuId', skuId: b, available: 1 });
    // The first line was rolled back with the transaction.
    expect((await inv().levels(shopId, [a])).get(a)!.available).toBe(5);
    await tx((db) => inv().reserve(db, shopId, order, [{ skuId: a, quantity: 2 }, { skuId: a, quantity: 1 }]));
    expect((await inv().levels(shopId, [a])).get(a)).toMatchObject({ available: 2, reserved: 3 });
  });

  it('release and commit are idempotent; returns never exceed what the order bought', async () => {
    const [a] = await skusWithStock([10]);
    const paid = randomUUID();
    const cancelled = randomUUID();
    await tx((db) => inv().reserve(db, shopId, paid, [{ skuId: a, quantity: 3 }]));
    await tx((db) => inv().reserve(db, shopId, cancelled, [{ skuId: a, quantity: 2 }]));
    await Promise.all([tx((db) => inv().commit(db, shopId, paid)), tx((db) => inv().commit(db, shopId, paid))]);
    await Promise.all([tx((db) => inv().release(db, shopId, cancelled)), tx((db) => inv().release(db, shopId, cancelled))]);
    // A late payment of the cancelled order cannot turn released stock into sold.
    await tx((db) => inv().commit(db, shopId, cancelled));
    expect((await inv().levels(shopId, [a])).get(a)).toEqual({ received: 10, available: 7, reserved: 0, sold: 3 });
    await tx((db) => inv().returnToStock(db, shopId, paid, [{ skuId: a, quantity: 2 }]));
    const over = await tx((db) => inv().returnToStock(db, shopId, paid, [{ skuId: a, quantity: 2 }])).catch((e) => e);
    expect(over.code).toBe('RETURN_EXCEEDS_SOLD');
    expect(over.details).toMatchObject({ field: 'lines.0.quantity', returnable: 1 });
    const notSold = await tx((db) => inv().returnToStock(db, shopId, cancelled, [{ skuId: a, quantity: 1 }])).catch((e) => e);
    expect(notSold.code).toBe('RETURN_EXCEEDS_SOLD');
    expect((await inv().levels(shopId, [a])).get(a)).toEqual({ received: 10, available: 9, reserved: 0, sold: 1 });
  });

  it('staff stock changes refuse to go below zero and cannot touch another shop', async () => {
    const [a] = await skusWithStock([3]);
    await expect(inv().adjust(actor, a, -4, '盘亏')).rejects.toMatchObject({ code: 'STOCK_NEGATIVE' });
    await expect(inv().setStock(actor, a, -1)).rejects.toMatchObject({ code: 'STOCK_NEGATIVE' });
    expect(await inv().adjust(actor, a, 7, '到货')).toMatchObject({ available: 10, received: 10 });
    expect(await inv().setStock(actor, a, 4)).toMatchObject({ available: 4, received: 4 });
    const other = await t.createShop();
    await expect(inv().adjust(other.owner.actor, a, 1, 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(inv().setStock(other.owner.actor, a, 100)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await inv().levels(other.shopId, [a])).size).toBe(0);
    const err = await tx((db) => inv().reserve(db, other.shopId, randomUUID(), [{ skuId: a, quantity: 1 }])).catch((e) => e);
    expect(err.code).toBe('STOCK_INSUFFICIENT');
  });

  it('the ledger is append-only', async () => {
    await expect(t.platform.db.execute(sql`DELETE FROM inventory_ledger`)).rejects.toThrow();
    await expect(t.platform.db.execute(sql`UPDATE inventory_ledger SET delta_sold = 0`)).rejects.toThrow();
  });

  it('keeps received = available + reserved + sold and the ledger equal to the levels over random operations', async () => {
    type Op =
      | { kind: 'reserve'; order: number; lines: { sku: number; q: number }[] }
      | { kind: 'release' | 'commit'; order: number }
      | { kind: 'return'; order: number; sku: number; q: number }
      | { kind: 'adjust'; sku: number; delta: number }
      | { kind: 'set'; sku: number; n: number };
    const sku = fc.integer({ min: 0, max: 1 });
    const order = fc.integer({ min: 0, max: 3 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('reserve' as const), order, lines: fc.array(fc.record({ sku, q: fc.integer({ min: 1, max: 6 }) }), { minLength: 1, maxLength: 3 }) }),
      fc.record({ kind: fc.constantFrom('release' as const, 'commit' as const), order }),
      fc.record({ kind: fc.constant('return' as const), order, sku, q: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('adjust' as const), sku, delta: fc.integer({ min: -8, max: 10 }) }),
      fc.record({ kind: fc.constant('set' as const), sku, n: fc.integer({ min: 0, max: 15 }) }),
    );

    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 25 }), async (ops) => {
        const skuIds = await skusWithStock([5, 5]);
        const orders = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
        // The model: what the levels must be after each operation.
        const model = skuIds.map(() => ({ received: 5, available: 5, reserved: 0, sold: 0 }));
        const res = new Map<string, { q: number; returned: number; status: 'held' | 'released' | 'committed' }>();
        const key = (o: number, s: number) => `${o}:${s}`;
        for (const o of ops) {
          let expectOk = true;
          if (o.kind === 'reserve') {
            const merged = new Map<number, number>();
            for (const l of o.lines) merged.set(l.sku, (merged.get(l.sku) ?? 0) + l.q);
            for (const [s, q] of merged) {
              const r = res.get(key(o.order, s));
              if (model[s].available < q || (r && r.status !== 'held')) expectOk = false;
            }
            const ok = await tx((db) => inv().reserve(db, shopId, orders[o.order], o.lines.map((l) => ({ skuId: skuIds[l.sku], quantity: l.q })))).then(() => true, () => false);
            expect(ok).toBe(expectOk);
            if (ok) {
              for (const [s, q] of merged) {
                model[s].available -= q;
                model[s].reserved += q;
                const r = res.get(key(o.order, s));
                if (r) r.q += q;
                else res.set(key(o.order, s), { q, returned: 0, status: 'held' });
              }
            }
          } else if (o.kind === 'release' || o.kind === 'commit') {
            await tx((db) => (o.kind === 'release' ? inv().release(db, shopId, orders[o.order]) : inv().commit(db, shopId, orders[o.order])));
            for (let s = 0; s < skuIds.length; s++) {
              const r = res.get(key(o.order, s));
              if (!r || r.status !== 'held') continue;
              model[s].reserved -= r.q;
              if (o.kind === 'release') model[s].available += r.q;
              else model[s].sold += r.q;
              r.status = o.kind === 'release' ? 'released' : 'committed';
            }
          } else if (o.kind === 'return') {
            const r = res.get(key(o.order, o.sku));
            expectOk = !!r && r.status === 'committed' && r.returned + o.q <= r.q;
            const ok = await tx((db) => inv().returnToStock(db, shopId, orders[o.order], [{ skuId: skuIds[o.sku], quantity: o.q }])).then(() => true, () => false);
            expect(ok).toBe(expectOk);
            if (ok) {
              r!.returned += o.q;
              model[o.sku].sold -= o.q;
              model[o.sku].available += o.q;
            }
          } else if (o.kind === 'adjust') {
            expectOk = model[o.sku].available + o.delta >= 0;
            const ok = await inv().adjust(actor, skuIds[o.sku], o.delta, 'property').then(() => true, () => false);
            expect(ok).toBe(expectOk);
            if (ok) {
              model[o.sku].available += o.delta;
              model[o.sku].received += o.delta;
            }
          } else if (o.kind === 'set') {
            await inv().setStock(actor, skuIds[o.sku], o.n);
            model[o.sku].received += o.n - model[o.sku].available;
            model[o.sku].available = o.n;
          }
        }
        const levels = await inv().levels(shopId, skuIds);
        const sums = await ledgerSums(skuIds);
        skuIds.forEach((id, s) => {
          const l = levels.get(id)!;
          expect(l).toEqual(model[s]);
          expect(l.received).toBe(l.available + l.reserved + l.sold);
          expect(Math.min(l.available, l.reserved, l.sold)).toBeGreaterThanOrEqual(0);
          expect(sums.get(id)).toEqual(l);
        });
      }),
      { numRuns: 25 },
    );
  });
});
