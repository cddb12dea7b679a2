/**
 * The flash-sale rush shared by bench/flash-sale/run.ts and the scaled kill test
 * (apps/server/src/modules/flashsale/scaled.test.ts): customers made in bulk SQL, a sale over the admin
 * API, attempts over HTTP from many connections, and the correctness counters read from PostgreSQL.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Sql } from '../lib/database.js';
import { signInOwner, SHOP } from '../lib/demo-shop.js';
import { json, sleep } from '../lib/http.js';
import { drive, hostOf, Lane, openLanes, post } from '../lib/load.js';
import { signSessionToken } from '../../apps/server/src/modules/customers/sessions.js';

export interface Buyer {
  token: string;
  addressId: string;
}

/**
 * `n` customers of the demo shop, each with a session and a default address, in a few INSERTs. The tokens
 * are signed with the servers' SESSION_SECRET, as sign-in issues them, and recorded like sign-in does.
 */
export async function bulkCustomers(db: Sql, n: number, sessionSecret: string): Promise<Buyer[]> {
  const [shop] = await db.query<{ id: string }>(`SELECT id FROM shops WHERE slug = $1`, [SHOP]);
  const out: Buyer[] = [];
  const prefix = 130 + Math.floor(Math.random() * 60);
  for (let start = 0; start < n; start += 5000) {
    const count = Math.min(5000, n - start);
    const phones = Array.from({ length: count }, (_, i) => `${prefix}${String(start + i).padStart(8, '0')}`);
    const ids = await db.query<{ id: string; phone: string }>(
      `INSERT INTO customers (shop_id, phone, source) SELECT $1, unnest($2::text[]), 'import' RETURNING id, phone`,
      [shop.id, phones],
    );
    const byPhone = new Map(ids.map((r) => [r.phone, r.id]));
    const customerIds = phones.map((p) => byPhone.get(p)!);
    const issuedAt = Math.floor(Date.now() / 1000) * 1000;
    const tokens = customerIds.map((customerId) => signSessionToken(sessionSecret, { sessionId: randomUUID(), customerId, shopId: shop.id, issuedAt, expiresAt: issuedAt + 24 * 3600_000 }));
    await db.query(
      `INSERT INTO customer_sessions (token_hash, shop_id, customer_id, via, expires_at)
       SELECT unnest($1::text[]), $2, unnest($3::uuid[]), 'sms', now() + interval '1 day'`,
      [tokens.map((t) => createHash('sha256').update(t).digest('hex')), shop.id, customerIds],
    );
    const addr = await db.query<{ id: string; customer_id: string }>(
      `INSERT INTO customer_addresses (shop_id, customer_id, contact_name, phone, province, city, district, detail, is_default)
       SELECT $1, c, '张三', p, '广东省', '深圳市', '南山区', '科技园 1 号', true FROM unnest($2::uuid[], $3::text[]) AS x(c, p)
       RETURNING id, customer_id`,
      [shop.id, customerIds, phones],
    );
    const addrOf = new Map(addr.map((r) => [r.customer_id, r.id]));
    customerIds.forEach((c, i) => out.push({ token: tokens[i], addressId: addrOf.get(c)! }));
  }
  return out;
}

/** A product with `stock` units and a published flash sale over `units` of them, running now. */
export async function createSale(agent: http.Agent, base: string, opts: { units: number; stock: number; limit?: number; minutes?: number }) {
  const admin = await signInOwner(agent, base);
  const product = await json(agent, base, 'POST', '/api/admin/products', {
    title: '压测秒杀商品', status: 'on_sale', weightGrams: 300, skus: [{ price: 9900, stock: opts.stock }],
  }, admin);
  const startsAt = new Date(Date.now() - 5_000);
  const sale = await json(agent, base, 'POST', '/api/admin/flash-sales', {
    name: '压测整点秒杀',
    perCustomerLimit: opts.limit ?? 1,
    // Every simulated customer connects from 127.0.0.1: the per-IP limit would be the only thing measured.
    ipRatePerSecond: 1_000_000,
    customerRatePerSecond: 5,
    sessions: [{ startsAt, endsAt: new Date(startsAt.getTime() + (opts.minutes ?? 60) * 60_000), items: [{ skuId: product.skus[0].id, priceFen: 990, stock: opts.units }] }],
  }, admin);
  await json(agent, base, 'POST', `/api/admin/flash-sales/${sale.id}/publish`, undefined, admin);
  return { admin, saleId: sale.id as string, sessionId: sale.sessions[0].id as string, itemId: sale.sessions[0].items[0].id as string, skuId: product.skus[0].id as string };
}

export interface Answer {
  t0: number;
  t1: number;
  status: string;
  code: string | null;
  attemptId: string | null;
}

/**
 * `attempts` requests (customer i % buyers) from `connections` workers, each on its own kept-alive
 * connections (opened and warmed first for `bases`; to another server when `baseFor` names a new one).
 * `baseFor(i)` picks the server for the i-th request; `onProgress` sees the count every 100 answers.
 */
export async function rush(opts: {
  buyers: Buyer[];
  attempts: number;
  connections: number;
  itemId: string;
  baseFor: (i: number) => string;
  /** Servers to connect to before the first request. */
  bases?: string[];
  onProgress?: (answered: number, accepted: number) => Promise<void> | void;
  stop?: () => boolean;
  /** Called with the CPU-sampling moments: just before the first request and after the last answer. */
  onEdge?: (edge: 'start' | 'end') => void;
}) {
  const lanes = opts.bases?.length ? await openLanes(opts.bases, opts.connections) : Array.from({ length: opts.connections }, () => new Lane(opts.baseFor(0)));
  const answers: Answer[] = [];
  let accepted = 0;
  const samples: string[] = [];
  const path = `/api/store/${SHOP}/flash-sales/attempts`;
  const host = hostOf(opts.baseFor(0));
  opts.onEdge?.('start');
  await drive(
    lanes,
    { kind: 'closed' },
    (i) => {
      if (i >= opts.attempts) return null;
      const b = opts.buyers[i % opts.buyers.length];
      return { wire: post(host, path, { itemId: opts.itemId, fulfilment: 'express', addressId: b.addressId }, [`authorization: Bearer ${b.token}`]), wantBody: true, base: opts.baseFor(i) };
    },
    (d) => {
      let status = 'network_error';
      let code: string | null = 'network_error';
      let attemptId: string | null = null;
      if (d.reply.status === 0) {
        if (samples.length < 5) samples.push(d.reply.error ?? 'network error');
      } else {
        status = String(d.reply.status);
        const text = d.reply.body?.toString('utf8') ?? '';
        let body: { attemptId?: string; error?: { code?: string } } | null = null;
        try {
          body = text ? JSON.parse(text) : {};
        } catch {
          /* not JSON: counted as such below */
        }
        code = d.reply.status === 202 ? null : body ? body.error?.code ?? 'no_code' : 'not_json';
        attemptId = body?.attemptId ?? null;
        if (d.reply.status === 202) accepted++;
        else if (d.reply.status >= 500 && samples.length < 5) samples.push(text.slice(0, 300));
      }
      answers.push({ t0: d.t0, t1: d.t1, status, code, attemptId });
      if (opts.onProgress && answers.length % 100 === 0) void Promise.resolve(opts.onProgress(answers.length, accepted)).catch((err) => samples.push(String(err)));
    },
    () => opts.stop?.() ?? false,
  );
  opts.onEdge?.('end');
  lanes.forEach((l) => l.close());
  return { answers, accepted, samples };
}

/**
 * Waits until the admin live view says every unit taken is an order (works on both run modes: the
 * embedded database cannot be read from outside while the server runs); answers when, and the view.
 */
export async function waitForOrdersLive(agent: http.Agent, base: string, adminHeaders: Record<string, string>, saleId: string, timeoutMs: number, rushDone: () => boolean = () => true) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const live = await json(agent, base, 'GET', `/api/admin/flash-sales/${saleId}/live`, undefined, adminHeaders);
    const item = live.sessions[0].items[0];
    // Nothing more can be taken (sold out, or no more requests), and every unit taken is an order.
    const settled = item.remaining === 0 || rushDone();
    if (settled && item.sold > 0 && item.waitingForOrder === 0 && item.orders - item.cancelledUnits >= item.sold) return { at: performance.now(), live };
    if (Date.now() > until) throw new Error(`orders not all written after ${timeoutMs} ms: ${JSON.stringify(item)}`);
    await sleep(200);
  }
}

/** Waits until every accepted attempt is an order (none accepted or pending in the hot store); answers when that was seen. */
export async function waitForOrders(db: Sql, redis: { hlen(key: string): Promise<number> }, sessionId: string, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [r] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM flash_sale_attempts WHERE session_id = $1 AND status = 'accepted'`, [sessionId]);
    const pending = await redis.hlen(`fs:{${sessionId}}:pending`);
    if (r.n === 0 && pending === 0) return performance.now();
    if (Date.now() > until) throw new Error(`orders not all written after ${timeoutMs} ms: ${r.n} accepted in PostgreSQL, ${pending} pending in Redis`);
    await sleep(200);
  }
}

/** What PostgreSQL and the hot store say once the queue drained. */
export async function correctness(db: Sql, sale: { saleId: string; sessionId: string; itemId: string; skuId: string }, units: number, answers: Answer[], remaining: number) {
  const [o] = await db.query<{ orders: number; live_units: number; attempts_ordered: number; dup: number; attempts: number }>(`
    SELECT (SELECT count(*)::int FROM orders WHERE source = 'flash_sale' AND source_ref IN (SELECT id::text FROM flash_sale_attempts WHERE flash_sale_id = $1)) AS orders,
           (SELECT coalesce(sum(i.quantity), 0)::int FROM orders o JOIN order_items i ON i.order_id = o.id
             WHERE o.source = 'flash_sale' AND o.status <> 'cancelled' AND o.source_ref IN (SELECT id::text FROM flash_sale_attempts WHERE flash_sale_id = $1)) AS live_units,
           (SELECT count(*)::int FROM flash_sale_attempts WHERE flash_sale_id = $1 AND status IN ('ordered', 'released')) AS attempts_ordered,
           (SELECT count(*)::int FROM (SELECT source_ref FROM orders WHERE source = 'flash_sale' GROUP BY shop_id, source_ref HAVING count(*) > 1) d) AS dup,
           (SELECT count(*)::int FROM flash_sale_attempts WHERE flash_sale_id = $1) AS attempts`, [sale.saleId]);
  const accepted = answers.filter((a) => a.status === '202').map((a) => a.attemptId!);
  const found = new Set<string>();
  for (let i = 0; i < accepted.length; i += 10_000) {
    const part = accepted.slice(i, i + 10_000);
    const rowsFound = await db.query<{ source_ref: string }>(`SELECT source_ref FROM orders WHERE source = 'flash_sale' AND source_ref = ANY($1::text[])`, [part]);
    for (const r of rowsFound) found.add(r.source_ref);
  }
  const lost = accepted.filter((id) => !found.has(id)).length;
  const [stock] = await db.query<{ received: number; available: number; reserved: number; sold: number; held: number }>(`SELECT received, available, reserved, sold, held FROM inventory_levels WHERE sku_id = $1`, [sale.skuId]);
  return {
    units,
    accepted202: accepted.length,
    attemptsInPostgres: o.attempts,
    orders: o.orders,
    soldUnits: o.live_units,
    remaining,
    soldPlusRemainingEqualsStock: o.live_units + remaining === units,
    oversold: Math.max(0, o.live_units - units),
    lostAccepted: lost,
    duplicateOrders: o.dup,
    ordersMatchAttempts: o.orders === o.attempts_ordered,
    inventory: { ...stock, balanced: stock.received === stock.available + stock.reserved + stock.sold + stock.held, heldPlusReservedEqualsUnsoldActivityStock: stock.held + stock.reserved === units },
  };
}
