import { sql } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import { rows } from '../../platform/db/index.js';

export interface DayStats {
  day: string;
  orders: number;
  paidOrders: number;
  paidFen: number;
  averageOrderFen: number;
  newCustomers: number;
}

/**
 * Today and the last 7 days (Asia/Shanghai calendar days): orders placed, orders paid, paid revenue,
 * average order value (客单价) and new customers.
 */
export async function dashboardStats(p: Platform, shopId: string, newCustomersByDay: (from: Date) => Promise<Map<string, number>>) {
  const now = p.now();
  const dayOf = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  const today = dayOf(now);
  const from = new Date(Date.parse(`${today}T00:00:00+08:00`) - 6 * 86400_000);
  const placed = await rows<{ day: string; n: number }>(p.db, sql`
    SELECT to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day, count(*)::int AS n
    FROM orders WHERE shop_id = ${shopId} AND created_at >= ${from.toISOString()}::timestamptz GROUP BY 1`);
  const paid = await rows<{ day: string; n: number; fen: number }>(p.db, sql`
    SELECT to_char(paid_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day, count(*)::int AS n, COALESCE(sum(paid_fen), 0)::bigint AS fen
    FROM orders WHERE shop_id = ${shopId} AND paid_at >= ${from.toISOString()}::timestamptz GROUP BY 1`);
  const fresh = await newCustomersByDay(from);
  const days: DayStats[] = [];
  for (let i = 6; i >= 0; i--) {
    const day = dayOf(new Date(Date.parse(`${today}T12:00:00+08:00`) - i * 86400_000));
    const pd = paid.find((r) => r.day === day);
    const paidOrders = pd?.n ?? 0;
    const paidFen = Number(pd?.fen ?? 0);
    days.push({
      day,
      orders: placed.find((r) => r.day === day)?.n ?? 0,
      paidOrders,
      paidFen,
      averageOrderFen: paidOrders ? Math.round(paidFen / paidOrders) : 0,
      newCustomers: fresh.get(day) ?? 0,
    });
  }
  const sum = (k: keyof DayStats) => days.reduce((s, d) => s + (d[k] as number), 0);
  const week = { orders: sum('orders'), paidOrders: sum('paidOrders'), paidFen: sum('paidFen'), newCustomers: sum('newCustomers'), averageOrderFen: 0 };
  week.averageOrderFen = week.paidOrders ? Math.round(week.paidFen / week.paidOrders) : 0;
  return { today: days[days.length - 1], last7Days: week, days };
}
