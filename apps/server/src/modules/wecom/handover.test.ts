import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WECOM_SANDBOX } from '@siyu/sandbox';
import { rows, sql } from '../../platform/db/index.js';
import { startTestApp, type StaffSession, type TestApp } from '../../testing/harness.js';
import { waitFor } from '../../testing/commerce.js';
import { WeComClient } from './client/wecom-client.js';
import type { WecomService } from './service.js';

/**
 * Handovers against the sandbox's WeCom simulator: transfer_customer / resigned/transfer_customer sent in
 * chunks, results polled through transfer_result, groups via groupchat/onjob_transfer, unassigned
 * customers of a leaver. The simulator completes a transfer 24 h of its clock after the request, so the
 * tests advance that clock. One fresh simulated corp per run.
 */
let t: TestApp;
let shop: { shopId: string; slug: string; owner: StaffSession };
let corpId: string;
let callbackUrl: string;
let w: WecomService;

const admin = (method: string, path: string, body?: unknown) => t.call(method, `/api/admin${path}`, { session: shop.owner, body });
const sim = async (path: string, body?: unknown) => {
  const res = await t.call(body === undefined ? 'GET' : 'POST', `/sandbox/wecom/__sim/corps/${corpId}${path}`, { body });
  return res;
};
const advance = async (hours: number) => expect((await sim('/clock', { advanceMs: hours * 3600_000 })).status).toBe(200);

type SimTransfer = { kind: 'onjob' | 'resigned'; handover_userid: string; takeover_userid: string; external_userid: string; status: number };
const simTransfers = async (): Promise<SimTransfer[]> => (await sim('/transfers')).body;
const simOwners = async (external: string): Promise<string[]> => (await sim(`/relations?external_userid=${external}`)).body.map((r: { userid: string }) => r.userid);

/** Siyu's relations of a customer by status. */
const relations = async (external: string) =>
  rows<{ id: string; staff_userid: string; status: string }>(t.platform.db, sql`
    SELECT id, staff_userid, status FROM wecom_relations WHERE shop_id = ${shop.shopId} AND external_userid = ${external} ORDER BY staff_userid`);
const activeOwners = async (external: string) => (await relations(external)).filter((r) => r.status === 'active').map((r) => r.staff_userid);

/** WeChat users who add `userid`; each add's callback is worked, so Siyu knows the relation. */
async function addCustomers(userid: string, n: number, name = userid) {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = await sim('/customers', { name: `${name}-${i}` });
    expect(c.status).toBe(200);
    expect((await sim('/add', { userid, external_userid: c.body.external_userid })).status).toBe(200);
    out.push(c.body.external_userid);
  }
  await waitFor(async () => {
    await t.drain();
    const known = await rows<{ n: number }>(t.platform.db, sql`
      SELECT count(*)::int AS n FROM wecom_relations WHERE shop_id = ${shop.shopId} AND staff_userid = ${userid} AND external_userid = ANY(${`{${out.join(',')}}`}::text[]) AND status = 'active'`);
    return known[0]!.n === n;
  }, `${n} customers of ${userid} in Siyu`);
  return out;
}

/** Many customers at once: added with the callback off, then pulled by the relation sync (100 per page). */
async function addManyCustomers(userid: string, n: number) {
  expect((await sim('/callback/delete', {})).status).toBe(200);
  const out: string[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const c = await sim('/customers', { name: `${userid}-bulk-${i}` });
      await sim('/add', { userid, external_userid: c.body.external_userid });
      out.push(c.body.external_userid);
    }
  } finally {
    expect((await sim('/callback', { url: callbackUrl })).status).toBe(200);
  }
  await w.relations.syncAll(shop.shopId, async () => {});
  return out;
}

const relationIdsOf = async (userid: string, externals: string[]) =>
  (await rows<{ id: string }>(t.platform.db, sql`
    SELECT id FROM wecom_relations WHERE shop_id = ${shop.shopId} AND staff_userid = ${userid} AND external_userid = ANY(${`{${externals.join(',')}}`}::text[]) ORDER BY external_userid`)).map((r) => r.id);

beforeAll(async () => {
  t = await startTestApp();
  w = t.services.wecom;
  shop = await t.createShop();
  corpId = (await t.call('POST', '/sandbox/wecom/__sim/corps', { body: {} })).body.corpId;
  const saved = await admin('PUT', '/wecom/settings', {
    corpId, contactSecret: WECOM_SANDBOX.contactSecret, agentId: WECOM_SANDBOX.agentId, agentSecret: WECOM_SANDBOX.agentSecret,
    callbackToken: WECOM_SANDBOX.token, encodingAesKey: WECOM_SANDBOX.encodingAesKey,
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  callbackUrl = saved.body.callbackUrl;
  expect((await sim('/callback', { url: callbackUrl })).status).toBe(200);
  expect((await admin('POST', '/wecom/staff/sync')).status).toBe(202);
  await t.drain();
}, 120_000);
afterAll(() => t?.close());

describe('WeCom handover: protocol round trip', () => {
  it('sends, waits, and moves ownership only on 接替完毕; a refusal leaves the customer where they were', async () => {
    const [a, b, c] = await addCustomers('zhangsan', 3);
    const chat = await sim('/groupchats', { owner: 'zhangsan', name: '老客群', members: [a] });
    expect(chat.status).toBe(200);
    const ids = await relationIdsOf('zhangsan', [a!, b!, c!]);

    const preview = await admin('POST', '/wecom/handovers', { handoverUserid: 'zhangsan', takeoverUserid: 'lisi', relationIds: ids, allGroups: true, preview: true, successMessage: '您好，我是新的专属顾问李四' });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({ preview: true, kind: 'onjob', refusals: [] });
    expect(preview.body.customers).toHaveLength(3);
    expect(preview.body.groups).toEqual([{ chatId: chat.body.chat_id, name: '老客群' }]);
    expect(await rows(t.platform.db, sql`SELECT 1 FROM wecom_handovers WHERE shop_id = ${shop.shopId}`)).toHaveLength(0);

    const made = await admin('POST', '/wecom/handovers', { handoverUserid: 'zhangsan', takeoverUserid: 'lisi', relationIds: ids, allGroups: true, successMessage: '您好，我是新的专属顾问李四' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ status: 'sending', counts: { total: 3, requested: 3 } });
    await t.drain();

    // Sent: WeCom has three waiting transfers; Siyu still has zhangsan as the owner of each.
    const sent = (await simTransfers()).filter((x) => [a, b, c].includes(x.external_userid));
    expect(sent.map((x) => [x.kind, x.handover_userid, x.takeover_userid, x.status])).toEqual(Array(3).fill(['onjob', 'zhangsan', 'lisi', 2]));
    let detail = await admin('GET', `/wecom/handovers/${made.body.id}`);
    expect(detail.body).toMatchObject({ status: 'waiting', counts: { waiting: 3, done: 0 } });
    expect(detail.body.customers.every((x: { errcode: number; sentAt: string | null }) => x.errcode === 0 && x.sentAt)).toBe(true);
    expect(detail.body.groups).toMatchObject([{ chatId: chat.body.chat_id, state: 'done', errcode: 0 }]);
    expect((await w.handovers.groups.ofOwner(shop.shopId, 'lisi')).items.map((g) => g.chatId)).toEqual([chat.body.chat_id]);
    for (const x of [a, b, c]) expect(await activeOwners(x!)).toEqual(['zhangsan']);
    expect(await w.handovers.poll(made.body.id)).toBe(0);

    // The customer refuses one; 24 h of WeCom's clock complete the others.
    expect((await sim(`/customers/${a}/transfer-response`, { accept: false })).status).toBe(200);
    await advance(24);
    expect(await simOwners(b!)).toEqual(['lisi']);
    expect(await w.handovers.poll(made.body.id)).toBe(3);

    detail = await admin('GET', `/wecom/handovers/${made.body.id}`);
    expect(detail.body).toMatchObject({ status: 'done', counts: { total: 3, waiting: 0, done: 2, refused: 1 } });
    expect(detail.body.finishedAt).toBeTruthy();
    const byExternal = new Map(detail.body.customers.map((x: { externalUserid: string }) => [x.externalUserid, x]));
    expect(byExternal.get(a)).toMatchObject({ state: 'refused', wecomStatus: 3, takeoverAt: null });
    expect(byExternal.get(b)).toMatchObject({ state: 'done', wecomStatus: 1 });
    expect((byExternal.get(b) as { takeoverAt: string }).takeoverAt).toBeTruthy();
    expect(await activeOwners(a!)).toEqual(['zhangsan']);
    for (const x of [b, c]) {
      const rel = await relations(x!);
      expect(rel.map((r) => [r.staff_userid, r.status])).toEqual([['lisi', 'active'], ['zhangsan', 'transferred']]);
      const old = await admin('GET', `/wecom/relations/${rel.find((r) => r.staff_userid === 'zhangsan')!.id}`);
      expect(old.body.history.map((h: { kind: string }) => h.kind)).toEqual(['added', 'transfer_requested', 'transferred']);
    }

    // WeCom's add events for lisi arrive afterwards: nothing changes hands twice.
    await waitFor(async () => {
      await t.drain();
      const cbs = await rows<{ n: number }>(t.platform.db, sql`
        SELECT count(*)::int AS n FROM wecom_callbacks WHERE shop_id = ${shop.shopId} AND change_type = 'add_external_contact' AND fields->>'UserID' = 'lisi' AND processed_at IS NOT NULL`);
      return cbs[0]!.n >= 2;
    }, 'the add events for the taker');
    for (const x of [b, c]) expect(await activeOwners(x!)).toEqual(['lisi']);

    const list = await admin('GET', '/wecom/handovers?staff=zhangsan');
    expect(list.body.items[0]).toMatchObject({ id: made.body.id, counts: { done: 2, refused: 1 } });
  });

  it('holds the taker back when WeCom’s add event comes before the result, and settles on the poll', async () => {
    const [x] = await addCustomers('wangwu', 1, 'order');
    const made = await admin('POST', '/wecom/handovers', { handoverUserid: 'wangwu', takeoverUserid: 'zhaoliu', relationIds: await relationIdsOf('wangwu', [x!]) });
    expect(made.status).toBe(201);
    await t.drain();
    expect((await sim(`/customers/${x}/transfer-response`, { accept: true })).status).toBe(200);
    // The add event for zhaoliu is worked first: zhaoliu's relation exists but waits; wangwu still owns.
    await waitFor(async () => {
      await t.drain();
      return (await relations(x!)).some((r) => r.staff_userid === 'zhaoliu');
    }, 'the taker’s add event');
    const held = await relations(x!);
    expect(held.filter((r) => r.status === 'active').length).toBe(1);
    if (held.find((r) => r.staff_userid === 'zhaoliu')!.status === 'taking_over') expect(await activeOwners(x!)).toEqual(['wangwu']);
    await w.handovers.poll(made.body.id);
    const after = await relations(x!);
    expect(after.map((r) => [r.staff_userid, r.status])).toEqual([['wangwu', 'transferred'], ['zhaoliu', 'active']]);
    // The taker's relation was held (taking_over) and released by the result: its one add is WeCom's event.
    const taker = await admin('GET', `/wecom/relations/${after.find((r) => r.staff_userid === 'zhaoliu')!.id}`);
    expect(taker.body.history.map((h: { kind: string }) => h.kind)).toEqual(['added']);
  });
});

describe('WeCom handover: refusals', () => {
  it('refuses beforehand, per customer with the reason: twice in 90 days, a relation that ended, one in progress; and a taker who cannot take', async () => {
    const [twice, ended, busy] = await addCustomers('lisi', 3, 'refusals');
    // Two on-job transfers of `twice` (lisi → wangwu → lisi), each completed.
    for (const [from, to] of [['lisi', 'wangwu'], ['wangwu', 'lisi']] as const) {
      const h = await admin('POST', '/wecom/handovers', { handoverUserid: from, takeoverUserid: to, externalUserids: [twice] });
      expect(h.status, JSON.stringify(h.body)).toBe(201);
      await t.drain();
      await sim(`/customers/${twice}/transfer-response`, { accept: true });
      await w.handovers.poll(h.body.id);
    }
    expect(await activeOwners(twice!)).toEqual(['lisi']);
    expect((await sim('/delete', { userid: 'lisi', external_userid: ended, by: 'customer' })).status).toBe(200);
    await waitFor(async () => {
      await t.drain();
      return (await relations(ended!))[0]!.status === 'deleted_by_customer';
    }, 'the deletion');
    const first = await admin('POST', '/wecom/handovers', { handoverUserid: 'lisi', takeoverUserid: 'zhaoliu', externalUserids: [busy] });
    expect(first.status).toBe(201);

    const res = await admin('POST', '/wecom/handovers', { handoverUserid: 'lisi', takeoverUserid: 'zhaoliu', relationIds: await relationIdsOf('lisi', [twice!, ended!, busy!]), preview: true });
    expect(res.status).toBe(200);
    expect(res.body.customers).toEqual([]);
    const reasons = Object.fromEntries(res.body.refusals.map((r: { externalUserid: string; reason: string }) => [r.externalUserid, r]));
    expect(reasons[twice!]).toMatchObject({ reason: 'transfer_limit', count: 2 });
    expect(reasons[ended!]).toMatchObject({ reason: 'relation_ended' });
    expect(reasons[busy!]).toMatchObject({ reason: 'in_progress' });
    const none = await admin('POST', '/wecom/handovers', { handoverUserid: 'lisi', takeoverUserid: 'zhaoliu', relationIds: await relationIdsOf('lisi', [twice!, ended!]) });
    expect(none.status).toBe(422);
    expect(none.body.error).toMatchObject({ code: 'WECOM_HANDOVER_EMPTY', details: { field: 'relationIds' } });

    const same = await admin('POST', '/wecom/handovers', { handoverUserid: 'lisi', takeoverUserid: 'lisi', externalUserids: [twice] });
    expect(same.body.error).toMatchObject({ code: 'WECOM_HANDOVER_SAME_STAFF', details: { field: 'takeoverUserid' } });
    const nobody = await admin('POST', '/wecom/handovers', { handoverUserid: 'lisi', takeoverUserid: 'nobody', externalUserids: [twice] });
    expect(nobody.status).toBe(422);
    expect(nobody.body.error).toMatchObject({ code: 'WECOM_TAKER_UNAVAILABLE', details: { field: 'takeoverUserid' } });
    await t.platform.db.execute(sql`UPDATE wecom_staff SET can_contact = false WHERE shop_id = ${shop.shopId} AND userid = 'sunqi'`);
    try {
      const cannot = await admin('POST', '/wecom/handovers', { handoverUserid: 'lisi', takeoverUserid: 'sunqi', externalUserids: [twice] });
      expect(cannot.body.error.code).toBe('WECOM_TAKER_UNAVAILABLE');
    } finally {
      await t.platform.db.execute(sql`UPDATE wecom_staff SET can_contact = true WHERE shop_id = ${shop.shopId} AND userid = 'sunqi'`);
    }
    const unknown = await admin('POST', '/wecom/handovers', { handoverUserid: 'lisi', takeoverUserid: 'zhaoliu', externalUserids: ['wmNotACustomerOfLisi'], preview: true });
    expect(unknown.body.refusals).toEqual([{ externalUserid: 'wmNotACustomerOfLisi', relationId: null, name: null, reason: 'not_a_customer' }]);
    const employed = await admin('POST', '/wecom/unassigned/assign', { takeoverUserid: 'zhaoliu', items: [{ handoverUserid: 'lisi', externalUserid: busy }] });
    expect(employed.status).toBe(422);
    expect(employed.body.error).toMatchObject({ code: 'WECOM_STAFF_NOT_LEFT', details: { field: 'items.0.handoverUserid' } });
    const foreign = await admin('POST', '/wecom/handovers', { handoverUserid: 'wangwu', takeoverUserid: 'zhaoliu', relationIds: await relationIdsOf('lisi', [twice!]) });
    expect(foreign.body.error).toMatchObject({ code: 'WECOM_RELATION_NOT_HANDOVERS', details: { field: 'relationIds.0' } });

    // When WeCom refuses anyway (Siyu's history no longer sees the two transfers — here: 91 days later
    // on Siyu's clock, not on WeCom's), its errcode is what the customer's row says.
    await t.drain();
    const realNow = t.platform.now;
    t.platform.now = () => new Date(Date.now() + 91 * 86_400_000);
    let late: { id: string };
    try {
      late = await w.handovers.create(shop.shopId, { handoverUserid: 'lisi', takeoverUserid: 'zhaoliu', externalUserids: [twice!], relationIds: [], allCustomers: false, chatIds: [], allGroups: false, preview: false }, 'test');
      await t.drain();
    } finally {
      t.platform.now = realNow;
    }
    const d = await admin('GET', `/wecom/handovers/${late.id}`);
    expect(d.body).toMatchObject({ status: 'done', counts: { failed: 1 } });
    expect(d.body.customers[0]).toMatchObject({ externalUserid: twice, state: 'failed', errcode: 40128 });
    expect((await simTransfers()).filter((x) => x.external_userid === twice && x.kind === 'onjob')).toHaveLength(2);
  });
});

describe('WeCom handover: a worker dies mid-handover', () => {
  it('resumes after the first chunk’s call without sending anyone twice', async () => {
    const customers = await addManyCustomers('sunqi', 150);
    const spy = vi.spyOn(WeComClient.prototype, 'transferCustomers');
    let crashes = 0;
    try {
      const made = await admin('POST', '/wecom/handovers', { handoverUserid: 'sunqi', takeoverUserid: 'zhaoliu', allCustomers: true });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      expect(made.body.counts.total).toBe(150);
      w.handovers.faults.afterSend = (id, chunk) => {
        if (id === made.body.id && chunk === 1 && crashes++ === 0) throw new Error('worker killed');
      };
      await t.drain();
      expect(crashes).toBe(1);
      expect(spy.mock.calls.filter((c) => c[0].handover === 'sunqi')).toHaveLength(1);
      // The first chunk reached WeCom but its answer was never stored.
      const claimed = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM wecom_handover_customers WHERE handover_id = ${made.body.id} AND state = 'sending'`);
      expect(claimed[0]!.n).toBe(100);

      await w.handovers.send(made.body.id);
      expect(spy.mock.calls.filter((c) => c[0].handover === 'sunqi').map((c) => c[0].externalUserIds.length)).toEqual([100, 50]);
      const sent = (await simTransfers()).filter((x) => x.handover_userid === 'sunqi');
      expect(sent).toHaveLength(150);
      expect(new Set(sent.map((x) => x.external_userid))).toEqual(new Set(customers));
      const d = await admin('GET', `/wecom/handovers/${made.body.id}`);
      expect(d.body).toMatchObject({ status: 'waiting', counts: { total: 150, waiting: 150 } });
      // The job's own retry finds nothing left to send.
      await w.handovers.send(made.body.id);
      expect(spy.mock.calls.filter((c) => c[0].handover === 'sunqi')).toHaveLength(2);
      const history = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM wecom_relation_history WHERE shop_id = ${shop.shopId} AND kind = 'transfer_requested' AND detail->>'handoverId' = ${made.body.id}`);
      expect(history[0]!.n).toBe(150);
    } finally {
      w.handovers.faults = {};
      spy.mockRestore();
    }
  });
});

describe('WeCom handover: a staff member leaves', () => {
  it('lists their unassigned customers page by page and assigns them in bulk, 100 per call', async () => {
    const customers = await addManyCustomers('zhouba', 230);
    expect((await sim('/staff/zhouba/leave', {})).status).toBe(200);
    await w.staff.syncStaff(shop.shopId);

    const seen: string[] = [];
    let cursor = '';
    let pages = 0;
    for (;;) {
      const page = await admin('GET', `/wecom/unassigned?pageSize=100${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      pages++;
      for (const i of page.body.items) {
        expect(i).toMatchObject({ handoverUserid: 'zhouba', handoverName: '周八' });
        expect(i.relationId).toBeTruthy();
        seen.push(i.externalUserid);
      }
      if (page.body.isLast) break;
      cursor = page.body.nextCursor;
    }
    expect(pages).toBe(3);
    expect(new Set(seen)).toEqual(new Set(customers));

    const spy = vi.spyOn(WeComClient.prototype, 'transferCustomers');
    try {
      const assigned = await admin('POST', '/wecom/unassigned/assign', { takeoverUserid: 'wangwu', items: seen.map((e) => ({ handoverUserid: 'zhouba', externalUserid: e })) });
      expect(assigned.status, JSON.stringify(assigned.body)).toBe(201);
      expect(assigned.body.handovers).toHaveLength(1);
      expect(assigned.body.handovers[0]).toMatchObject({ kind: 'resigned', handoverUserid: 'zhouba', takeoverUserid: 'wangwu', counts: { total: 230 } });
      await t.drain();
      expect(spy.mock.calls.filter((c) => c[0].handover === 'zhouba').map((c) => [c[0].resigned, c[0].externalUserIds.length])).toEqual([[true, 100], [true, 100], [true, 30]]);
    } finally {
      spy.mockRestore();
    }
    const sent = (await simTransfers()).filter((x) => x.handover_userid === 'zhouba');
    expect(sent).toHaveLength(230);
    expect(sent.every((x) => x.kind === 'resigned' && x.status === 2)).toBe(true);
    expect((await admin('GET', '/wecom/unassigned')).body.items).toEqual([]);

    // 230 add events for the taker would only keep the queue busy here; the poll is what moves them.
    expect((await sim('/callback/delete', {})).status).toBe(200);
    try {
      await advance(24);
    } finally {
      expect((await sim('/callback', { url: callbackUrl })).status).toBe(200);
    }
    const id = (await admin('GET', '/wecom/handovers?staff=zhouba')).body.items[0].id as string;
    expect(await w.handovers.pollAll()).toBeGreaterThanOrEqual(230);
    const d = await admin('GET', `/wecom/handovers/${id}`);
    expect(d.body).toMatchObject({ status: 'done', counts: { total: 230, done: 230 } });
    const owners = await rows<{ staff_userid: string; status: string; n: number }>(t.platform.db, sql`
      SELECT staff_userid, status, count(*)::int AS n FROM wecom_relations WHERE shop_id = ${shop.shopId} AND external_userid = ANY(${`{${customers.join(',')}}`}::text[])
      GROUP BY staff_userid, status ORDER BY staff_userid`);
    expect(owners).toEqual([{ staff_userid: 'wangwu', status: 'active', n: 230 }, { staff_userid: 'zhouba', status: 'transferred', n: 230 }]);
  }, 120_000);
});

describe('WeCom handover: properties', () => {
  const STAFF = ['zhangsan', 'lisi', 'wangwu'] as const;
  type Step =
    | { k: 'handover'; who: number[]; taker: number }
    | { k: 'respond'; who: number; accept: boolean }
    | { k: 'cycle'; who: number; taker: number }
    | { k: 'advance' }
    | { k: 'limit'; staff: number; full: boolean }
    | { k: 'poll' }
    | { k: 'deliver' };
  // Handovers, answers and polls often enough that a customer reaches the 90-day limit within a run.
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ k: fc.constant('handover' as const), who: fc.uniqueArray(fc.nat(2), { minLength: 1, maxLength: 3 }), taker: fc.integer({ min: 1, max: 2 }) }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('respond' as const), who: fc.nat(2), accept: fc.boolean() }) },
    // A whole quick transfer (handover, the customer accepts, a poll): three of these reach the limit.
    { weight: 6, arbitrary: fc.record({ k: fc.constant('cycle' as const), who: fc.constantFrom(0, 0, 0, 1, 2), taker: fc.integer({ min: 1, max: 2 }) }) },
    { weight: 1, arbitrary: fc.constant({ k: 'advance' as const }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('limit' as const), staff: fc.nat(2), full: fc.boolean() }) },
    { weight: 3, arbitrary: fc.constant({ k: 'poll' as const }) },
    { weight: 3, arbitrary: fc.constant({ k: 'deliver' as const }) },
  );

  it('over random handovers, customer answers, limits and poll orders: one owner at a time, ≤ 2 on-job transfers in 90 days, ownership only on 接替完毕', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 16 }), async (steps) => {
        run++;
        const customers = await addCustomers('zhangsan', 3, `prop${run}`);
        const owner = new Map(customers.map((c) => [c, 'zhangsan']));
        const check = async () => {
          for (const c of customers) {
            const active = await activeOwners(c);
            // Never two owners; and a change of owner only with WeCom's 接替完毕 for exactly that pair.
            expect(active.length, `${c}: ${active}`).toBeLessThanOrEqual(1);
            const now = active[0];
            if (now && now !== owner.get(c)) {
              const confirmed = await rows(t.platform.db, sql`
                SELECT 1 FROM wecom_handover_customers hc JOIN wecom_handovers h ON h.id = hc.handover_id
                WHERE hc.shop_id = ${shop.shopId} AND hc.external_userid = ${c} AND hc.state = 'done' AND hc.wecom_status = 1
                  AND h.handover_userid = ${owner.get(c)!} AND h.takeover_userid = ${now}`);
              expect(confirmed.length, `${c} moved ${owner.get(c)} → ${now} without a result`).toBeGreaterThan(0);
              expect((await simTransfers()).some((x) => x.external_userid === c && x.handover_userid === owner.get(c) && x.takeover_userid === now && x.status === 1)).toBe(true);
              owner.set(c, now);
            }
            // Siyu refused beforehand whatever WeCom would have refused for the 90-day limit.
            const onjob = (await simTransfers()).filter((x) => x.external_userid === c && x.kind === 'onjob');
            expect(onjob.length).toBeLessThanOrEqual(2);
          }
          const refusedByWecom = await rows(t.platform.db, sql`
            SELECT 1 FROM wecom_handover_customers WHERE shop_id = ${shop.shopId} AND errcode IN (40128, 40129) AND external_userid = ANY(${`{${customers.join(',')}}`}::text[])`);
          expect(refusedByWecom).toHaveLength(0);
        };
        try {
          for (const s of steps) {
            if (s.k === 'handover' || s.k === 'cycle') {
              const chosen = s.k === 'cycle' ? [customers[s.who]!] : s.who.map((i) => customers[i]!);
              const from = owner.get(chosen[0]!)!;
              const mine = chosen.filter((c) => owner.get(c) === from);
              // `taker` counts on from the giver, so the taker is always someone else.
              const taker = STAFF[(STAFF.indexOf(from as (typeof STAFF)[number]) + s.taker) % STAFF.length]!;
              const res = await admin('POST', '/wecom/handovers', { handoverUserid: from, takeoverUserid: taker, externalUserids: mine });
              expect([201, 422], JSON.stringify(res.body)).toContain(res.status);
              if (res.status === 422) expect(res.body.error.code).toBe('WECOM_HANDOVER_EMPTY');
              const refusals = (res.status === 422 ? res.body.error.details.refusals : res.body.refusals) as { reason: string }[];
              // Nobody deletes anybody here: the only reasons are a transfer still open and the 90-day limit.
              for (const r of refusals) expect(['in_progress', 'transfer_limit']).toContain(r.reason);
              await t.drain();
              if (s.k === 'cycle' && res.status === 201) {
                await sim(`/customers/${chosen[0]}/transfer-response`, { accept: true });
                await w.handovers.poll(res.body.id);
              }
            } else if (s.k === 'respond') {
              await sim(`/customers/${customers[s.who]}/transfer-response`, { accept: s.accept });
            } else if (s.k === 'advance') {
              await advance(24);
            } else if (s.k === 'limit') {
              await sim(`/staff/${STAFF[s.staff]}/limit`, { customerLimit: s.full ? 0 : 50_000 });
            } else if (s.k === 'poll') {
              await w.handovers.pollAll();
            } else {
              await t.drain();
            }
            await check();
          }
          // Everything settles: WeCom's clock runs out every transfer, the results are polled, the events
          // worked — and then Siyu's owner is WeCom's owner.
          for (const st of STAFF) await sim(`/staff/${st}/limit`, { customerLimit: 50_000 });
          await advance(24);
          await w.handovers.pollAll();
          await check();
          await waitFor(async () => {
            await t.drain();
            for (const c of customers) if ((await activeOwners(c)).join() !== (await simOwners(c)).join()) return false;
            return true;
          }, 'Siyu and WeCom to agree on the owners');
          await check();
        } finally {
          for (const st of STAFF) await sim(`/staff/${st}/limit`, { customerLimit: 50_000 });
        }
      }),
      { numRuns: 15 },
    );
  }, 300_000);
});
