import { DEFAULT_CONTACT_BUDGET, type Channel, type ContactBudget, type Topic } from '@siyu/contracts';
import { pgArray } from '../../platform/db/prepared.js';
import { rows, sql, type Db } from '../../platform/db/index.js';
import { capBroken, count, emptyReceived, shopDay, type Received } from './budget.js';

/**
 * The contact budget for messages another module sends itself (WeCom mass messages: WeCom delivers them
 * when a staff member confirms, not the dispatcher). They take the same per-customer advisory locks, read
 * and raise the same counters and honour the same opt-outs as the dispatcher's admit step, so one customer
 * is not over-contacted across the official account, SMS and WeCom whatever runs at once.
 */
export type OutsideDecision = { customerId: string; admitted: true; day: number } | { customerId: string; admitted: false; reason: string };

/**
 * Admits non-transactional messages on `channel` for these customers (each at most once), in the caller's
 * transaction: refused when the customer opted out of the topic or the channel, or a cap is spent;
 * admitted ones are counted on today's shop day (give them back with `giveBackOutside` if never sent).
 */
export async function admitOutside(tx: Db, shopId: string, channel: Channel, topic: Topic, customerIds: string[], now: Date): Promise<Map<string, OutsideDecision>> {
  const ids = [...new Set(customerIds)];
  const out = new Map<string, OutsideDecision>();
  if (!ids.length) return out;
  // The dispatcher's lock keys, in one global order: the two never wait on each other in a circle.
  await tx.execute(sql`
    SELECT pg_advisory_xact_lock(k) FROM (
      SELECT DISTINCT hashtextextended(c, 7) AS k FROM unnest(${pgArray(ids.map((c) => `${shopId}:${c}`))}::text[]) c ORDER BY 1) s`);
  const [b] = await rows<{ budget: ContactBudget }>(tx, sql`SELECT budget FROM contact_budgets WHERE shop_id = ${shopId}`);
  const budget = b?.budget ?? DEFAULT_CONTACT_BUDGET;
  const today = shopDay(now);
  const received = new Map<string, Received>(ids.map((c) => [c, emptyReceived()]));
  for (const r of await rows<{ customer_id: string; channel: string; today: number | null; week: number }>(tx, sql`
    SELECT customer_id, channel, sum(n) FILTER (WHERE day = ${today})::int AS today, sum(n)::int AS week FROM contact_counters
    WHERE shop_id = ${shopId} AND customer_id = ANY(${pgArray(ids)}::uuid[]) AND day > ${today - 7} GROUP BY 1, 2`)) {
    received.get(r.customer_id)!.today.set(r.channel, r.today ?? 0);
    received.get(r.customer_id)!.week.set(r.channel, r.week ?? 0);
  }
  const optouts = new Set(
    (await rows<{ customer_id: string; channel: string; topic: string }>(tx, sql`
      SELECT customer_id, channel, topic FROM contact_optouts WHERE shop_id = ${shopId} AND customer_id = ANY(${pgArray(ids)}::uuid[])`)).map((r) => `${r.customer_id}:${r.channel}:${r.topic}`),
  );
  const counted: string[] = [];
  for (const c of ids) {
    if (optouts.has(`${c}:*:${topic}`) || optouts.has(`${c}:*:*`)) {
      out.set(c, { customerId: c, admitted: false, reason: `opted_out:${topic}` });
      continue;
    }
    if (optouts.has(`${c}:${channel}:*`)) {
      out.set(c, { customerId: c, admitted: false, reason: `opted_out:${channel}` });
      continue;
    }
    const cap = capBroken(budget, received.get(c)!, channel, false);
    if (cap) {
      out.set(c, { customerId: c, admitted: false, reason: `budget:${cap}` });
      continue;
    }
    count(received.get(c)!, channel);
    counted.push(c);
    out.set(c, { customerId: c, admitted: true, day: today });
  }
  await bump(tx, shopId, channel, counted.map((c) => ({ customerId: c, day: today })), 1);
  return out;
}

/** Gives back what `admitOutside` counted for messages that were never sent (on the day they were counted). */
export async function giveBackOutside(tx: Db, shopId: string, channel: Channel, list: { customerId: string; day: number }[]) {
  await bump(tx, shopId, channel, list, -1);
}

async function bump(tx: Db, shopId: string, channel: Channel, list: { customerId: string; day: number }[], sign: 1 | -1) {
  if (!list.length) return;
  const keys = new Map<string, { c: string; d: number; ch: string; n: number }>();
  for (const x of list) {
    for (const ch of [channel, '*']) {
      const k = `${x.customerId}|${x.day}|${ch}`;
      const e = keys.get(k) ?? { c: x.customerId, d: x.day, ch, n: 0 };
      e.n += 1;
      keys.set(k, e);
    }
  }
  // Key order, as the dispatcher does, so concurrent writers lock counter rows in the same order.
  const v = [...keys.values()].sort((a, b) => (a.c + a.d + a.ch < b.c + b.d + b.ch ? -1 : 1));
  const cols = sql`unnest(${pgArray(v.map((x) => x.c))}::uuid[], ${pgArray(v.map((x) => x.d))}::int[], ${pgArray(v.map((x) => x.ch))}::text[], ${pgArray(v.map((x) => x.n))}::int[]) AS t(c, d, ch, n)`;
  if (sign > 0) {
    await tx.execute(sql`
      INSERT INTO contact_counters (shop_id, customer_id, day, channel, n) SELECT ${shopId}, c, d, ch, n FROM ${cols}
      ON CONFLICT (shop_id, customer_id, day, channel) DO UPDATE SET n = contact_counters.n + excluded.n`);
  } else {
    await tx.execute(sql`
      UPDATE contact_counters k SET n = greatest(k.n - t.n, 0) FROM ${cols}
      WHERE k.shop_id = ${shopId} AND k.customer_id = t.c AND k.day = t.d AND k.channel = t.ch`);
  }
}
