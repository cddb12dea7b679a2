import type { DashboardMetrics } from '@siyu/contracts';
import { SqlBuilder } from './analyses/sql.js';
import { DAY_MS, dateFromDay, dayFromDate, startOfDayMs, type AnalyticsEngine } from './engine/types.js';

type Row = Record<string, unknown>;
const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const VISIT = `event IN ('$pageview', '$screen')`;

/**
 * The core metrics of the seeds' KPI list over a date range. Visitors are people with a page or screen
 * view; orders and GMV are `order_paid` events (amount in fen), whose properties say whether the buyer
 * was a member and what coupons took off.
 */
export async function dashboard(engine: AnalyticsEngine, shopId: string, from: string, to: string): Promise<DashboardMetrics> {
  const b = new SqlBuilder(engine.dialect);
  const shop = b.shop(shopId);
  const range = b.range(from, to);
  const start = b.int(startOfDayMs(dayFromDate(from)));
  const member = `(${b.text('member')} = 'true')`;
  const coupon = b.number('coupon_discount_fen');
  const [totals] = await engine.query<Row>(
    `WITH v AS (SELECT DISTINCT person_id FROM events WHERE ${shop} AND ${range} AND ${VISIT}),
          f AS (SELECT person_id, min(ts) AS first_ts FROM events WHERE ${shop} GROUP BY person_id),
          o AS (SELECT person_id, ts, coalesce(amount, 0) AS amount, ${member} AS member, coalesce(${coupon}, 0) AS coupon FROM events WHERE ${shop} AND ${range} AND event = 'order_paid'),
          fo AS (SELECT person_id, min(ts) AS t1 FROM o GROUP BY person_id),
          again AS (SELECT fo.person_id AS person_id, min(e.ts - fo.t1) AS gap FROM fo JOIN events e ON e.person_id = fo.person_id
                    WHERE ${b.shop(shopId, 'e')} AND e.event = 'order_paid' AND e.ts > fo.t1 GROUP BY fo.person_id)
     SELECT (SELECT count(*) FROM v) AS visitors,
            (SELECT count(*) FROM v JOIN f ON f.person_id = v.person_id WHERE f.first_ts >= ${start}) AS new_visitors,
            (SELECT count(DISTINCT person_id) FROM o) AS payers,
            (SELECT count(*) FROM o) AS orders,
            (SELECT sum(amount) FROM o) AS gmv,
            (SELECT sum(CASE WHEN member THEN amount ELSE 0 END) FROM o) AS member_gmv,
            (SELECT sum(CASE WHEN coupon > 0 THEN amount ELSE 0 END) FROM o) AS coupon_gmv,
            (SELECT sum(coupon) FROM o) AS coupon_fen,
            (SELECT count(*) FROM again WHERE gap <= ${b.int(30 * DAY_MS)}) AS again30,
            (SELECT count(*) FROM again WHERE gap <= ${b.int(90 * DAY_MS)}) AS again90`,
    b.params,
  );
  const s = new SqlBuilder(engine.dialect);
  const sources = await engine.query<Row>(
    `WITH v AS (SELECT person_id, min(CASE WHEN channel = '' THEN '(direct)' ELSE channel END) AS src FROM events WHERE ${s.shop(shopId)} AND ${s.range(from, to)} AND ${VISIT} GROUP BY person_id),
          o AS (SELECT person_id, sum(coalesce(amount, 0)) AS gmv FROM events WHERE ${s.shop(shopId)} AND ${s.range(from, to)} AND event = 'order_paid' GROUP BY person_id)
     SELECT v.src AS value, count(*) AS visitors, sum(coalesce(o.gmv, 0)) AS gmv FROM v LEFT JOIN o ON o.person_id = v.person_id
     GROUP BY v.src ORDER BY visitors DESC, value LIMIT 10`,
    s.params,
  );
  const d = new SqlBuilder(engine.dialect);
  const daily = await engine.query<Row>(
    `SELECT ${d.day()} AS day, count(DISTINCT CASE WHEN ${VISIT} THEN person_id END) AS visitors,
            sum(CASE WHEN event = 'order_paid' THEN 1 ELSE 0 END) AS orders,
            sum(CASE WHEN event = 'order_paid' THEN coalesce(amount, 0) ELSE 0 END) AS gmv
     FROM events WHERE ${d.shop(shopId)} AND ${d.range(from, to)} GROUP BY 1`,
    d.params,
  );
  const byDay = new Map(daily.map((r) => [n(r.day), r]));
  const days = Array.from({ length: dayFromDate(to) - dayFromDate(from) + 1 }, (_, i) => dayFromDate(from) + i);
  const t = totals ?? {};
  const visitors = n(t.visitors);
  const payers = n(t.payers);
  const gmv = n(t.gmv);
  const couponFen = n(t.coupon_fen);
  return {
    from,
    to,
    visitors,
    newVisitors: n(t.new_visitors),
    returningVisitors: visitors - n(t.new_visitors),
    payers,
    conversionRate: visitors ? payers / visitors : 0,
    orders: n(t.orders),
    gmvFen: gmv,
    perCustomerFen: payers ? Math.round(gmv / payers) : 0,
    repurchaseRate30: payers ? n(t.again30) / payers : 0,
    repurchaseRate90: payers ? n(t.again90) / payers : 0,
    memberGmvShare: gmv ? n(t.member_gmv) / gmv : 0,
    couponRoi: couponFen ? n(t.coupon_gmv) / couponFen : null,
    couponDiscountFen: couponFen,
    topSources: sources.map((r) => ({ value: String(r.value), visitors: n(r.visitors), gmvFen: n(r.gmv) })),
    daily: days.map((day) => ({ date: dateFromDay(day), visitors: n(byDay.get(day)?.visitors), orders: n(byDay.get(day)?.orders), gmvFen: n(byDay.get(day)?.gmv) })),
  };
}
