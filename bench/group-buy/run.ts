/**
 * Group-buy (拼团) payment benchmark: starts the real server in child processes, sets up a pickup point,
 * a product and a group buy with `--groups` leaders' groups over the HTTP API, then has every other
 * customer ask for one of those groups (round robin) and pay through the WeChat Pay sandbox from
 * `--connections` concurrent workers. Most of them find their group full while paying and are seated
 * elsewhere (`moved`). Measures checkout latency, "paid → seated" latency and joins seated per second,
 * then checks in the database that no group overfilled and every paid buyer holds exactly one seat.
 *
 *   npx tsx bench/group-buy/run.ts [--mode embedded|scaled|both] [--customers 300] [--groups 30] [--size 3]
 *                                  [--connections 30] [--servers 1] [--poll 25] [--tiers 2] [--out DIR]
 *
 * `--tiers 2` makes it a 阶梯团 whose first tier is 2 people (price ¥69) and last is `--size` (¥59): groups form at
 * 2 and keep taking members; every group that fills is settled at once (a job), giving each member ¥10 back as
 * a price-difference refund. The run then also measures the time from the last payment until every full group
 * is settled and every difference refunded, and checks each member got exactly one.
 *
 * Writes bench/group-buy/results/<mode>.json (<mode>-tiered.json with --tiers). See bench/group-buy/README.md for reading the numbers.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fail, parseBenchArgs, type Mode } from '../lib/args.js';
import { interrupted, runCleanups, runModes } from '../lib/cleanup.js';
import { CpuMeter, cpuPerAnswer, type CpuReport } from '../lib/cpu.js';
import type { Sql } from '../lib/database.js';
import { pool, runPhones, SHOP, signInCustomer, signInOwner } from '../lib/demo-shop.js';
import { json, request, sleep } from '../lib/http.js';
import { cpuLine, gitCommit, machineInfo, printRows, writeResult } from '../lib/report.js';
import { bootRun } from '../lib/run-env.js';
import type { Server } from '../lib/server.js';
import { latencySummary, round } from '../lib/stats.js';

const loadAverageAtStart = os.loadavg().map((n) => round(n, 2));
const args = parseBenchArgs(path.dirname(fileURLToPath(import.meta.url)), { customers: 300, groups: 30, size: 3, connections: 30, servers: 1, poll: 25, tiers: 0 });
const params = {
  customers: args.ints.customers,
  /** Leaders: the first `groups` customers each open one group before the measured phase. */
  groups: args.ints.groups,
  /** groupSize of the activity (2–50). */
  size: args.ints.size,
  connections: args.ints.connections,
  /** Scaled mode only: more than 1 runs that many `serve` processes plus one `worker`. */
  servers: args.ints.servers,
  /** How often (ms) each paying worker asks for its order until it shows `paid`. */
  pollMs: args.ints.poll,
  /** 阶梯团: the first tier's size (0 = a plain group buy); the last tier is `size`. */
  firstTier: args.ints.tiers,
};
const tiered = params.firstTier > 0;
const TIER_PRICES = [6_900, 5_900];
if (tiered && (params.firstTier < 2 || params.firstTier >= params.size)) fail('--tiers must be at least 2 and below --size');
if (params.size < 2 || params.size > 50) fail('--size must be 2–50 (the group-buy contract)');
if (params.groups >= params.customers) fail('--groups must be below --customers (the rest join)');
if (params.customers > 10_000) fail('--customers must be at most 10,000 (runPhones)');
const { modes, results: RESULTS, tmp: TMP } = args;

const store = (p: string) => `/api/store/${SHOP}${p}`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** When the paid order never shows up: give up on that one join and count it. */
const SEAT_TIMEOUT_MS = 120_000;

// ---------------------------------------------------------------------------------------------------
// Setup over the HTTP API: pickup point, product, group buy, signed-in customers.

interface Setup {
  admin: Record<string, string>;
  pickupPointId: string;
  skuId: string;
  groupBuyId: string;
  tokens: string[];
}

async function setupShop(agent: http.Agent, base: string): Promise<Setup> {
  const admin = await signInOwner(agent, base);
  const point = await json(agent, base, 'POST', '/api/admin/pickup-points', { name: '压测自提点', address: '科技园 1 号' }, admin);
  const product = await json(agent, base, 'POST', '/api/admin/products', {
    title: '压测拼团商品',
    status: 'on_sale',
    specAttributes: [],
    weightGrams: 300,
    skus: [{ specValues: {}, price: 9_900, stock: 1_000_000 }],
  }, admin);
  const skuId: string = product.skus[0].id;
  const now = Date.now();
  const gb = await json(agent, base, 'POST', '/api/admin/group-buys', {
    name: `${params.size}人团 压测`,
    productId: product.id,
    startsAt: new Date(now - 60_000).toISOString(),
    endsAt: new Date(now + 86_400_000).toISOString(),
    groupSize: params.size,
    durationMinutes: 1440,
    leaderMode: 'same',
    newCustomerOnly: false,
    virtualThresholdPct: null,
    perOrderLimit: 1,
    perCustomerLimit: 1,
    ...(tiered ? { tierSizes: [params.firstTier, params.size] } : {}),
    items: [{ skuId, groupPriceFen: TIER_PRICES[0], ...(tiered ? { tierPricesFen: TIER_PRICES } : {}) }],
  }, admin);
  const phones = runPhones(params.customers);
  const tokens = await pool(params.customers, 10, (i) => signInCustomer(agent, base, phones[i]));
  return { admin, pickupPointId: point.id, skuId, groupBuyId: gb.id, tokens };
}

/** Checkout of one unit of the group-buy SKU, pickup, asking for `groupId` (a join) or none (a leader). */
function placeOrder(agent: http.Agent, base: string, s: Setup, token: string, groupId?: string) {
  return request(agent, base, 'POST', store('/orders'), {
    items: [{ skuId: s.skuId, quantity: 1 }],
    fulfilment: 'pickup',
    pickupPointId: s.pickupPointId,
    groupBuy: { groupBuyId: s.groupBuyId, ...(groupId ? { groupId } : {}) },
  }, { ...bearer(token), 'idempotency-key': randomUUID() });
}

interface Paid {
  /** POST /orders/:id/pay (prepay). */
  prepayMs: number;
  /** POST /sandbox/wechatpay/sandbox/pay (the cashier's confirm; the notification goes out after it). */
  confirmMs: number;
  /** From the confirm's answer to the order showing `paid` — the seat is taken in that same transaction. */
  seatedMs: number | null;
  polls: number;
  /** Latency of each GET of the order: "paid → seated" is known to within one of these plus the poll interval. */
  pollMs: number[];
  /** When it never showed `paid`: the status it had last. */
  lastStatus?: string;
}

/** Pays an order through the sandbox cashier, then polls it every `pollMs` until it is paid. */
async function payAndWait(agent: http.Agent, base: string, token: string, orderId: string): Promise<Paid> {
  let t = performance.now();
  const started = await json(agent, base, 'POST', store(`/orders/${orderId}/pay`), {}, bearer(token));
  const prepayMs = performance.now() - t;
  t = performance.now();
  await json(agent, base, 'POST', '/sandbox/wechatpay/sandbox/pay', { prepay_id: started.prepayId });
  const confirmed = performance.now();
  const confirmMs = confirmed - t;
  let polls = 0;
  const pollMs: number[] = [];
  for (;;) {
    polls++;
    const asked = performance.now();
    const o = await json(agent, base, 'GET', store(`/orders/${orderId}`), undefined, bearer(token));
    pollMs.push(performance.now() - asked);
    if (o.status === 'paid') return { prepayMs, confirmMs, seatedMs: performance.now() - confirmed, polls, pollMs };
    if (performance.now() - confirmed > SEAT_TIMEOUT_MS || interrupted()) return { prepayMs, confirmMs, seatedMs: null, polls, pollMs, lastStatus: String(o.status) };
    await sleep(params.pollMs);
  }
}

// ---------------------------------------------------------------------------------------------------
// Leaders: each opens a group (order without groupId, paid); their group ids come from /me/group-buys.

async function openLeaderGroups(agent: http.Agent, base: string, s: Setup): Promise<string[]> {
  // The first leader pays alone: in sandbox mode the shop's WeChat Pay merchant is created on the first
  // payment, and that one-off work stays out of the other leaders' payments.
  const first = await openOne(agent, base, s, 0);
  return [first, ...(await pool(params.groups - 1, 10, (i) => openOne(agent, base, s, i + 1)))];
}

async function openOne(agent: http.Agent, base: string, s: Setup, i: number): Promise<string> {
  const token = s.tokens[i];
  const placed = await placeOrder(agent, base, s, token);
  if (placed.status !== 201) throw new Error(`leader checkout answered ${placed.status}: ${placed.text.slice(0, 300)}`);
  const paid = await payAndWait(agent, base, token, JSON.parse(placed.text).id);
  if (paid.seatedMs === null) throw new Error(`leader order ${JSON.parse(placed.text).id} still ${paid.lastStatus} 120 s after the sandbox confirm`);
  const mine = await json(agent, base, 'GET', store('/me/group-buys'), undefined, bearer(token));
  const groupId: string | undefined = mine.items[0]?.groupId;
  if (!groupId) throw new Error(`leader ${i} has no group: ${JSON.stringify(mine).slice(0, 300)}`);
  return groupId;
}

// ---------------------------------------------------------------------------------------------------
// Measured phase, in two steps as a rush of buyers behaves (and as groupbuy.test.ts does it): every joiner
// places an order asking for a leader's group — all pass, the groups still have seats at checkout — then
// every joiner pays. The seat is decided at payment, so all but (size − 1) × groups of them find their
// group full and are seated in another open group or open one.

interface JoinResult {
  checkout: { seconds: number; latencies: number[]; status: Record<string, number>; sampleErrors: string[]; cpu: CpuReport };
  pay: { seconds: number; seated: number; timedOut: number; failed: number; sampleErrors: string[]; seatedMs: number[]; prepayMs: number[]; confirmMs: number[]; pollMs: number[]; polls: number; cpu: CpuReport };
}

async function runJoins(meter: CpuMeter, servers: Server[], s: Setup, groupIds: string[]): Promise<JoinResult> {
  const bases = servers.filter((x) => x.role !== 'worker').map((x) => x.url);
  const agents = bases.map(() => new http.Agent({ keepAlive: true, maxSockets: params.connections }));
  const lane = (i: number) => ({ agent: agents[i % bases.length], base: bases[i % bases.length] });
  const joiners = s.tokens.slice(params.groups);

  // Step 1: checkouts.
  const cStatus: Record<string, number> = {};
  const cErrors: string[] = [];
  const cLat: number[] = [];
  const placed: { token: string; orderId: string }[] = [];
  process.stdout.write(`  checkout: ${joiners.length} joiners over ${params.connections} workers, asking for ${groupIds.length} groups round robin…\n`);
  await meter.refreshRoles();
  const c0 = meter.sample();
  await pool(joiners.length, params.connections, async (i) => {
    if (interrupted()) return;
    const { agent, base } = lane(i);
    const t0 = performance.now();
    const res = await placeOrder(agent, base, s, joiners[i], groupIds[i % groupIds.length]).catch((e: Error) => ({ status: 0, text: e.message }));
    const ms = performance.now() - t0;
    const key = res.status === 0 ? 'network_error' : String(res.status);
    cStatus[key] = (cStatus[key] ?? 0) + 1;
    if (res.status === 201) {
      cLat.push(ms);
      placed.push({ token: joiners[i], orderId: JSON.parse(res.text).id });
    } else if (cErrors.length < 5) cErrors.push(`${key} ${res.text.slice(0, 300)}`);
  });
  const c1 = meter.sample();

  // Step 2: payments, each followed by polling its order until it is paid (seated).
  const seatedMs: number[] = [];
  const prepayMs: number[] = [];
  const confirmMs: number[] = [];
  const pollMs: number[] = [];
  const pErrors: string[] = [];
  let polls = 0;
  let timedOut = 0;
  let failed = 0;
  process.stdout.write(`  pay: ${placed.length} orders over ${params.connections} workers, polling each every ${params.pollMs} ms until paid…\n`);
  const progress = setInterval(() => process.stdout.write(`  … ${seatedMs.length} seated\n`), 5000);
  const p0 = meter.sample();
  await pool(placed.length, params.connections, async (i) => {
    if (interrupted()) return;
    const { agent, base } = lane(i);
    try {
      const r = await payAndWait(agent, base, placed[i].token, placed[i].orderId);
      prepayMs.push(r.prepayMs);
      confirmMs.push(r.confirmMs);
      polls += r.polls;
      pollMs.push(...r.pollMs);
      if (r.seatedMs === null) timedOut++;
      else seatedMs.push(r.seatedMs);
    } catch (e) {
      failed++;
      if (pErrors.length < 5) pErrors.push((e as Error).message.slice(0, 300));
    }
  });
  const p1 = meter.sample();
  clearInterval(progress);
  await meter.refreshRoles();
  agents.forEach((a) => a.destroy());
  const checkoutCpu = meter.report(c0, c1);
  const payCpu = meter.report(p0, p1);
  return {
    checkout: { seconds: checkoutCpu.seconds, latencies: cLat, status: cStatus, sampleErrors: cErrors, cpu: checkoutCpu },
    pay: { seconds: payCpu.seconds, seated: seatedMs.length, timedOut, failed, sampleErrors: pErrors, seatedMs, prepayMs, confirmMs, pollMs, polls, cpu: payCpu },
  };
}

// ---------------------------------------------------------------------------------------------------
// 阶梯团: after the last payment, until every full group is settled and every difference refund is answered.

interface Settlement {
  seconds: number;
  fullGroups: number;
  unsettledFullGroups: number;
  refundsProcessing: number;
  timedOut: boolean;
}

async function awaitSettlement(base: string, s: Setup): Promise<Settlement> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const t0 = performance.now();
  let last: Settlement = { seconds: 0, fullGroups: 0, unsettledFullGroups: -1, refundsProcessing: -1, timedOut: false };
  for (;;) {
    let full = 0;
    let unsettled = 0;
    for (let page = 1; ; page++) {
      const list = await json(agent, base, 'GET', `/api/admin/group-buys/${s.groupBuyId}/groups?status=succeeded&page=${page}&pageSize=100`, undefined, s.admin);
      for (const g of list.items as { filled: number; size: number; settledAt: string | null }[]) {
        if (g.filled < g.size) continue;
        full++;
        if (!g.settledAt) unsettled++;
      }
      if (page * 100 >= list.total) break;
    }
    const processing = (await json(agent, base, 'GET', '/api/admin/refunds?status=processing&pageSize=1', undefined, s.admin)).total as number;
    last = { seconds: round((performance.now() - t0) / 1000), fullGroups: full, unsettledFullGroups: unsettled, refundsProcessing: processing, timedOut: false };
    if ((unsettled === 0 && processing === 0) || interrupted()) break;
    if (performance.now() - t0 > SEAT_TIMEOUT_MS) {
      last.timedOut = true;
      break;
    }
    await sleep(100);
  }
  agent.destroy();
  return last;
}

/** Each member of a settled group has exactly one price-difference refund of the tier difference, refunded. */
async function tierCorrectness(db: Sql, groupBuyId: string) {
  const diff = TIER_PRICES[0] - TIER_PRICES[1];
  const [r] = await db.query<{ members: number; owed: number; refunds: number; wrongAmount: number; twice: number; notRefunded: number; seatMismatch: number }>(
    `WITH m AS (
       SELECT s.order_id, s.tier_refund_fen, g.size, g.filled, g.settled_at,
              (SELECT count(*)::int FROM refunds r WHERE r.order_id = s.order_id AND r.request_key = 'group_buy_tier:' || s.order_id) AS n,
              (SELECT count(*)::int FROM refunds r WHERE r.order_id = s.order_id AND r.request_key = 'group_buy_tier:' || s.order_id AND r.amount_fen <> $2) AS wrong,
              (SELECT count(*)::int FROM refunds r WHERE r.order_id = s.order_id AND r.request_key = 'group_buy_tier:' || s.order_id AND r.status <> 'refunded') AS pending
         FROM group_buy_orders s JOIN group_buy_groups g ON g.id = s.group_id
        WHERE s.group_buy_id = $1 AND s.status = 'joined')
     SELECT count(*)::int AS members,
            count(*) FILTER (WHERE settled_at IS NOT NULL AND filled >= size)::int AS owed,
            coalesce(sum(n), 0)::int AS refunds,
            coalesce(sum(wrong), 0)::int AS "wrongAmount",
            count(*) FILTER (WHERE n > 1)::int AS twice,
            coalesce(sum(pending), 0)::int AS "notRefunded",
            count(*) FILTER (WHERE settled_at IS NOT NULL AND coalesce(tier_refund_fen, -1) <> $2)::int AS "seatMismatch"
       FROM m`,
    [groupBuyId, diff],
  );
  return {
    membersJoined: r.members,
    membersOwedDifference: r.owed,
    differenceRefunds: r.refunds,
    differenceRefundsWrongAmount: r.wrongAmount,
    membersRefundedTwice: r.twice,
    differenceRefundsNotRefunded: r.notRefunded,
    seatsWithWrongTierRefund: r.seatMismatch,
    allHold: r.refunds === r.owed && r.wrongAmount === 0 && r.twice === 0 && r.notRefunded === 0 && r.seatMismatch === 0,
  };
}

// ---------------------------------------------------------------------------------------------------
// Correctness counters, read from the database after the servers stopped.

async function correctness(db: Sql, groupBuyId: string, leaderGroupIds: string[], joins: JoinResult) {
  const [groups] = await db.query<{ n: number; over: number; mismatched: number; succeeded: number; open: number; failed: number; succeededNotFull: number; openMembers: number; filled: number }>(
    `SELECT count(*)::int AS n,
            count(*) FILTER (WHERE g.filled + g.virtual_seats > g.size OR s.seats > g.size)::int AS over,
            count(*) FILTER (WHERE g.filled <> s.seats)::int AS mismatched,
            count(*) FILTER (WHERE g.status = 'succeeded')::int AS succeeded,
            count(*) FILTER (WHERE g.status = 'open')::int AS open,
            count(*) FILTER (WHERE g.status = 'failed')::int AS failed,
            count(*) FILTER (WHERE g.status = 'succeeded' AND g.filled + g.virtual_seats <> g.size AND NOT (g.tiered AND g.filled >= g.min_size))::int AS "succeededNotFull",
            COALESCE(sum(s.seats) FILTER (WHERE g.status = 'open'), 0)::int AS "openMembers",
            COALESCE(sum(g.filled), 0)::int AS filled
       FROM group_buy_groups g
       CROSS JOIN LATERAL (SELECT count(*)::int AS seats FROM group_buy_orders o WHERE o.group_id = g.id AND o.status = 'joined') s
      WHERE g.group_buy_id = $1`,
    [groupBuyId],
  );
  const [seats] = await db.query<{ rows: number; joined: number; pending: number; moved: number; asked: number; leaders: number; paidOrders: number; paidWithoutSeat: number; seatedUnpaid: number }>(
    `SELECT count(*)::int AS rows,
            count(*) FILTER (WHERE s.status = 'joined')::int AS joined,
            count(*) FILTER (WHERE s.status = 'pending')::int AS pending,
            count(*) FILTER (WHERE s.moved)::int AS moved,
            count(*) FILTER (WHERE s.wanted_group_id IS NOT NULL AND s.wanted_group_id = s.group_id)::int AS asked,
            count(*) FILTER (WHERE s.is_leader)::int AS leaders,
            count(*) FILTER (WHERE o.paid_at IS NOT NULL)::int AS "paidOrders",
            count(*) FILTER (WHERE o.paid_at IS NOT NULL AND (s.group_id IS NULL OR s.status <> 'joined'))::int AS "paidWithoutSeat",
            count(*) FILTER (WHERE o.paid_at IS NULL AND s.group_id IS NOT NULL)::int AS "seatedUnpaid"
       FROM group_buy_orders s JOIN orders o ON o.id = s.order_id
      WHERE s.group_buy_id = $1`,
    [groupBuyId],
  );
  // group_buy_orders is keyed by order_id, so this is 0 by construction; counted anyway (and a customer in one group twice).
  const [multi] = await db.query<{ perOrder: number; perCustomerInGroup: number; perCustomer: number }>(
    `SELECT (SELECT count(*)::int FROM (SELECT order_id FROM group_buy_orders WHERE group_buy_id = $1 AND group_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1) x) AS "perOrder",
            (SELECT count(*)::int FROM (SELECT group_id, customer_id FROM group_buy_orders WHERE group_buy_id = $1 AND group_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) x) AS "perCustomerInGroup",
            (SELECT count(*)::int FROM (SELECT customer_id FROM group_buy_orders WHERE group_buy_id = $1 AND status = 'joined' GROUP BY 1 HAVING count(*) > 1) x) AS "perCustomer"`,
    [groupBuyId],
  );
  const [held] = await db.query<{ held: number; heldInOpen: number; heldElsewhere: number; releasedInOpen: number; releasedInSucceeded: number }>(
    `SELECT count(*) FILTER (WHERE o.fulfilment_hold = 'group_buy')::int AS held,
            count(*) FILTER (WHERE o.fulfilment_hold = 'group_buy' AND g.status = 'open')::int AS "heldInOpen",
            count(*) FILTER (WHERE o.fulfilment_hold = 'group_buy' AND g.status IS DISTINCT FROM 'open')::int AS "heldElsewhere",
            count(*) FILTER (WHERE o.fulfilment_hold IS NULL AND g.status = 'open')::int AS "releasedInOpen",
            count(*) FILTER (WHERE o.fulfilment_hold IS NULL AND g.status = 'succeeded')::int AS "releasedInSucceeded"
       FROM group_buy_orders s JOIN orders o ON o.id = s.order_id LEFT JOIN group_buy_groups g ON g.id = s.group_id
      WHERE s.group_buy_id = $1 AND s.status = 'joined'`,
    [groupBuyId],
  );
  const [leaderGroups] = await db.query<{ full: number }>(
    `SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS full FROM group_buy_groups WHERE id = ANY($1::uuid[])`,
    [leaderGroupIds],
  );
  return {
    groups: groups.n,
    groupsOverSize: groups.over,
    filledMismatchingSeats: groups.mismatched,
    groupsSucceeded: groups.succeeded,
    groupsOpen: groups.open,
    groupsFailed: groups.failed,
    succeededButNotFull: groups.succeededNotFull,
    leaderGroupsFull: `${leaderGroups.full} / ${leaderGroupIds.length}`,
    seatRows: seats.rows,
    seatsJoined: seats.joined,
    seatsFilledSum: groups.filled,
    seatsPending: seats.pending,
    paidGroupBuyOrders: seats.paidOrders,
    paidWithoutSeat: seats.paidWithoutSeat,
    seatedButUnpaid: seats.seatedUnpaid,
    seatsPerOrderOverOne: multi.perOrder,
    customerTwiceInOneGroup: multi.perCustomerInGroup,
    customersWithTwoSeats: multi.perCustomer,
    movedBuyers: seats.moved,
    seatedInAskedGroup: seats.asked,
    leadersOfGroups: seats.leaders,
    joinsSeatedSeenOverHttp: joins.pay.seated,
    heldOrders: held.held,
    heldOrdersInOpenGroups: held.heldInOpen,
    heldOrdersNotInOpenGroups: held.heldElsewhere,
    membersOfOpenGroups: groups.openMembers,
    releasedButGroupOpen: held.releasedInOpen,
    releasedInSucceededGroups: held.releasedInSucceeded,
    allHold:
      groups.over === 0 && groups.mismatched === 0 && seats.paidWithoutSeat === 0 && seats.seatedUnpaid === 0 && multi.perOrder === 0 && multi.perCustomerInGroup === 0 && multi.perCustomer === 0 &&
      groups.succeededNotFull === 0 && held.heldElsewhere === 0 && held.releasedInOpen === 0 && held.held === groups.openMembers && groups.filled === seats.joined,
  };
}

// ---------------------------------------------------------------------------------------------------

async function runMode(mode: Mode) {
  const loadAverageAtModeStart = os.loadavg().map((n) => round(n, 2));
  const run = await bootRun(mode, 'bench-group-buy', TMP, mode === 'scaled' && params.servers > 1 ? params.servers : 0);
  const { servers, topology } = run;
  const base = servers[0].url;
  console.log(`  setting up pickup point, product, group buy of ${params.size} and ${params.customers} customers…`);
  const setupAgent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  const setup = await setupShop(setupAgent, base);
  console.log(`  ${params.groups} leaders open their groups…`);
  const leaderStart = performance.now();
  const groupIds = await openLeaderGroups(setupAgent, base, setup).catch((e) => {
    console.error(`  server's last lines:\n    ${servers.flatMap((s) => s.output.slice(-15)).join('\n    ')}`);
    throw e;
  });
  const leaderSeconds = (performance.now() - leaderStart) / 1000;
  setupAgent.destroy();
  if (new Set(groupIds).size !== params.groups) throw new Error(`leaders opened ${new Set(groupIds).size} distinct groups, not ${params.groups}`);

  const meter = new CpuMeter(servers, mode, run.databaseUrl);
  const quietWaitMs = await meter.waitForQuiet();
  const joins = await runJoins(meter, servers, setup, groupIds);
  if (interrupted()) return;
  let settlement: Settlement | null = null;
  if (tiered) {
    console.log('  阶梯团: waiting until every full group is settled and every difference refunded…');
    const s0 = meter.sample();
    settlement = await awaitSettlement(base, setup);
    (settlement as Settlement & { cpu?: unknown }).cpu = meter.report(s0, meter.sample()).percentOfCore;
  }
  console.log('  stopping servers, then checking the database…');
  for (const s of servers) await s.stop();
  const db = await run.openDatabase();
  const check = await correctness(db, setup.groupBuyId, groupIds, joins).finally(async () => {
    if (!tiered) await db.close();
  });
  const tierCheck = tiered ? await tierCorrectness(db, setup.groupBuyId).finally(() => db.close()) : null;

  const c = joins.checkout;
  const p = joins.pay;
  const checkouts = c.status['201'] ?? 0;
  const result = {
    mode,
    date: new Date().toISOString(),
    commit: await gitCommit(),
    machine: { ...machineInfo(mode), loadAverageAtStart, loadAverageAtModeStart, note2: 'loadAverage: os.loadavg() 1/5/15 min when the benchmark (and this mode) started; the cores are shared with other work' },
    params: {
      ...params,
      servers: mode === 'scaled' ? params.servers : 1,
      topology,
      joiners: params.customers - params.groups,
      seatsInLeaderGroups: params.groups * (params.size - 1),
      groupBuy: `leaderMode same, perOrderLimit 1, perCustomerLimit 1, durationMinutes 1440, one SKU × 1,000,000, pickup${tiered ? `; 阶梯团 tiers ${params.firstTier} / ${params.size} at ¥${TIER_PRICES[0] / 100} / ¥${TIER_PRICES[1] / 100}` : ''}`,
      requests: `checkout: POST /api/store/${SHOP}/orders {groupBuy: {groupBuyId, groupId}} (pickup, fresh Idempotency-Key); pay: POST /api/store/${SHOP}/orders/:id/pay, POST /sandbox/wechatpay/sandbox/pay, then GET /api/store/${SHOP}/orders/:id every ${params.pollMs} ms until paid`,
    },
    setup: { leaderSeconds: round(leaderSeconds), quietWaitMs },
    throughput: {
      joinsSeatedPerSecond: round(p.seated / p.seconds),
      joinsSeatedPerSecondIncludingCheckout: round(p.seated / (p.seconds + c.seconds)),
      checkoutsPerSecond: round(checkouts / c.seconds),
      checkoutSeconds: c.seconds,
      paySeconds: p.seconds,
      checkouts,
      joinsSeated: p.seated,
      seatTimeouts: p.timedOut,
      payFailures: p.failed,
      pollRequests: p.polls,
    },
    latencyMs: {
      checkout: latencySummary(c.latencies),
      paidToSeated: latencySummary(p.seatedMs),
      prepay: latencySummary(p.prepayMs),
      sandboxConfirm: latencySummary(p.confirmMs),
      pollGetOrder: latencySummary(p.pollMs),
    },
    cpuMsPerAnswer: {
      checkout: cpuPerAnswer(c.cpu, checkouts, mode),
      perJoinSeated: { ...cpuPerAnswer(p.cpu, p.seated, mode), unit: 'CPU milliseconds per seated join in the pay step: prepay + sandbox confirm + the notification + the polls' },
    },
    checkoutStatusCounts: c.status,
    sampleErrors: [...c.sampleErrors, ...p.sampleErrors],
    cpu: { checkout: c.cpu.percentOfCore, pay: p.cpu.percentOfCore },
    serverWarnings: servers.flatMap((s) => s.warnings).slice(0, 10),
    correctness: check,
    ...(tiered ? { tierSettlement: { ...settlement, differenceRefundsPerSecond: settlement && settlement.seconds > 0 ? round((tierCheck?.differenceRefunds ?? 0) / settlement.seconds) : null, unit: 'seconds from the last payment seen paid until every full group was settled and no refund was processing' }, tierCorrectness: tierCheck } : {}),
  };
  printTable(result, writeResult(RESULTS, tiered ? `${mode}-tiered` : mode, result));
  await runCleanups();
  return result;
}

function printTable(r: any, file: string) {
  const c = r.correctness;
  const l = r.latencyMs;
  const ok = (n: number) => (n === 0 ? '0 ok' : `${n} BROKEN`);
  const rows: [string, string][] = [
    ['mode', `${r.mode} (${r.params.topology})`],
    ['load average at start (1/5/15 min)', `${r.machine.loadAverageAtModeStart.join(' / ')} on ${r.machine.cpus} CPUs`],
    ['load', `${r.params.groups} groups of ${r.params.size}, ${r.params.joiners} joiners over ${r.params.connections} workers`],
    ['joins seated/s (pay step; incl. checkout)', `${r.throughput.joinsSeatedPerSecond}; ${r.throughput.joinsSeatedPerSecondIncludingCheckout}`],
    ['checkouts/s', String(r.throughput.checkoutsPerSecond)],
    ['checkout p50 / p90 / p99 / max', `${l.checkout.p50} / ${l.checkout.p90} / ${l.checkout.p99} / ${l.checkout.max} ms`],
    ['paid → seated p50 / p90 / p99 / max', `${l.paidToSeated.p50} / ${l.paidToSeated.p90} / ${l.paidToSeated.p99} / ${l.paidToSeated.max} ms`],
    ['prepay / sandbox confirm / poll GET p50', `${l.prepay.p50} / ${l.sandboxConfirm.p50} / ${l.pollGetOrder.p50} ms`],
    ['CPU ms per checkout', cpuLine(r.cpuMsPerAnswer.checkout)],
    ['CPU ms per seated join', cpuLine(r.cpuMsPerAnswer.perJoinSeated)],
    ['checkout status', Object.entries(r.checkoutStatusCounts).map(([k, v]) => `${k}: ${v}`).join(', ')],
    ['seated / timed out / failed', `${r.throughput.joinsSeated} / ${r.throughput.seatTimeouts} / ${r.throughput.payFailures}`],
    ['groups over size', ok(c.groupsOverSize)],
    ['filled ≠ seats', ok(c.filledMismatchingSeats)],
    ['paid without seat / seats per order > 1', `${ok(c.paidWithoutSeat)} / ${ok(c.seatsPerOrderOverOne)}`],
    ['groups succeeded / open / failed', `${c.groupsSucceeded} / ${c.groupsOpen} / ${c.groupsFailed} (leader groups full ${c.leaderGroupsFull})`],
    ['moved / seated in asked group', `${c.movedBuyers} / ${c.seatedInAskedGroup}`],
    ['held orders / members of open groups', `${c.heldOrders} / ${c.membersOfOpenGroups}, held outside open groups ${ok(c.heldOrdersNotInOpenGroups)}`],
    ['all correctness checks', c.allHold ? 'hold' : 'BROKEN'],
  ];
  if (r.tierSettlement) {
    const ts = r.tierSettlement;
    const tc = r.tierCorrectness;
    rows.push(
      ['阶梯团: full groups settled, refunds answered in', `${ts.fullGroups} groups, ${ts.seconds} s${ts.timedOut ? ' (TIMED OUT)' : ''}; ${ts.differenceRefundsPerSecond} refunds/s`],
      ['阶梯团: difference refunds / owed', `${tc.differenceRefunds} / ${tc.membersOwedDifference}, twice ${ok(tc.membersRefundedTwice)}, wrong amount ${ok(tc.differenceRefundsWrongAmount)}, unanswered ${ok(tc.differenceRefundsNotRefunded)}`],
      ['阶梯团 checks', tc.allHold ? 'hold' : 'BROKEN'],
    );
  }
  printRows(rows, file);
}

runModes('group-buy', modes, runMode);
