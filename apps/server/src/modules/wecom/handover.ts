import { WECOM_TRANSFER_CHUNK, WECOM_TRANSFERS_PER_WINDOW, WECOM_TRANSFER_WINDOW_DAYS, type WecomHandoverBody } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { pgArray, uuidArray } from '../../platform/db/prepared.js';
import { isUniqueViolation, rows, sql, type Db } from '../../platform/db/index.js';
import { conflict, notFound, unprocessable } from '../../platform/errors.js';
import { WeComApiError, type WeComClient } from './client/wecom-client.js';
import type { WecomCorps } from './corps.js';
import type { HandoverGroups } from './handover-groups.js';
import { HandoverReport } from './handover-report.js';
import { STAFF_LEFT, type WecomStaff } from './staff.js';
import { announceOwners } from './owners.js';

export const HANDOVER_SEND_QUEUE = 'wecom.handover-send';
export const HANDOVER_POLL_QUEUE = 'wecom.handover-poll';

type Kind = 'onjob' | 'resigned';
export type HandoverRow = {
  id: string; shop_id: string; kind: Kind; handover_userid: string; takeover_userid: string; success_msg: string | null; status: 'sending' | 'waiting' | 'done';
  refusals: Refusal[]; created_by: string | null; created_at: Date; sent_at: Date | null; last_polled_at: Date | null; finished_at: Date | null;
};
export type Refusal = { reason: string; handoverUserid?: string; externalUserid?: string; relationId?: string | null; chatId?: string; name?: string | null; count?: number; nextAllowedAt?: string };
type Chosen = { externalUserid: string; relationId: string | null; name: string | null };

/** WeCom's transfer statuses (transfer_result) and where each leaves the customer in Siyu. */
const SETTLED: Record<number, 'done' | 'refused' | 'limit' | 'failed'> = { 1: 'done', 3: 'refused', 4: 'limit', 5: 'failed' };
const WAITING = 2;
const DAY_MS = 86_400_000;

/**
 * Handover of customers (在职转接 / 离职继承) and their groups to a taker. WeCom accepts a transfer and
 * completes it within 24 h, or not (the customer refuses, the taker is at their limit), so Siyu sends and
 * then follows: the relation moves to the taker only when transfer_result says 接替完毕, never on the
 * request. Sending is a job that claims each chunk before its call, so a worker that dies mid-handover
 * resumes without sending a customer twice.
 */
export class WecomHandovers {
  /** Test seam: throws where a worker could die (after a chunk's call, before its answer is stored). */
  faults: { afterSend?: (handoverId: string, chunk: number) => void } = {};

  readonly report: HandoverReport;

  constructor(
    private p: Platform,
    private corps: WecomCorps,
    private staff: WecomStaff,
    readonly groups: HandoverGroups,
  ) {
    this.report = new HandoverReport(p, corps, groups);
  }

  // ── Choosing and refusing beforehand ────────────────────────────────────────────────────────────

  /** What a handover would send, and what is refused before anything is sent, with the reason. */
  async plan(shopId: string, input: WecomHandoverBody) {
    await this.corps.requireCorp(shopId);
    const db = this.p.db;
    if (input.handoverUserid === input.takeoverUserid) throw unprocessable('WECOM_HANDOVER_SAME_STAFF', 'The taker must be someone other than the handover staff member', { field: 'takeoverUserid' });
    const [giver] = await rows<{ status: number }>(db, sql`SELECT status FROM wecom_staff WHERE shop_id = ${shopId} AND userid = ${input.handoverUserid}`);
    if (!giver) throw unprocessable('WECOM_STAFF_UNKNOWN', 'Not a staff member of the WeCom corp', { field: 'handoverUserid' });
    const kind: Kind = giver.status === STAFF_LEFT ? 'resigned' : 'onjob';
    if (!(await this.staff.available(shopId, [input.takeoverUserid])).size) {
      throw unprocessable('WECOM_TAKER_UNAVAILABLE', 'The taker is not an active staff member allowed to contact customers', { field: 'takeoverUserid' });
    }

    type Rel = { id: string; staff_userid: string; external_userid: string; status: string };
    const chosen = new Map<string, Rel | null>();
    if (input.relationIds.length) {
      const found = new Map((await rows<Rel>(db, sql`SELECT id, staff_userid, external_userid, status FROM wecom_relations WHERE shop_id = ${shopId} AND id = ANY(${uuidArray(input.relationIds)}::uuid[])`)).map((r) => [r.id, r]));
      input.relationIds.forEach((id, i) => {
        const r = found.get(id);
        if (!r) throw notFound('Relation', { field: `relationIds.${i}` });
        if (r.staff_userid !== input.handoverUserid) throw unprocessable('WECOM_RELATION_NOT_HANDOVERS', 'Not a customer of the handover staff member', { field: `relationIds.${i}` });
        chosen.set(r.external_userid, r);
      });
    }
    const ofGiver = async (where: ReturnType<typeof sql>) =>
      rows<Rel>(db, sql`SELECT id, staff_userid, external_userid, status FROM wecom_relations WHERE shop_id = ${shopId} AND staff_userid = ${input.handoverUserid} AND ${where}`);
    if (input.externalUserids.length) {
      const found = new Map((await ofGiver(sql`external_userid = ANY(${pgArray(input.externalUserids)}::text[])`)).map((r) => [r.external_userid, r]));
      for (const e of input.externalUserids) if (!chosen.has(e)) chosen.set(e, found.get(e) ?? null);
    }
    if (input.allCustomers) for (const r of await ofGiver(sql`status = 'active'`)) if (!chosen.has(r.external_userid)) chosen.set(r.external_userid, r);

    const externals = [...chosen.keys()];
    const names = await this.report.contactNames(shopId, externals);
    const open = new Set((await rows<{ external_userid: string }>(db, sql`
      SELECT external_userid FROM wecom_handover_customers WHERE shop_id = ${shopId} AND state IN ('requested', 'sending', 'waiting') AND external_userid = ANY(${pgArray(externals)}::text[])`)).map((r) => r.external_userid));
    const recent = kind === 'onjob' ? await this.recentTransfers(shopId, externals) : new Map<string, { n: number; first: Date }>();

    const customers: Chosen[] = [];
    const refusals: Refusal[] = [];
    for (const [externalUserid, r] of chosen) {
      const base = { externalUserid, relationId: r?.id ?? null, name: names.get(externalUserid) ?? null };
      const seen = recent.get(externalUserid);
      // A customer Siyu does not know as the giver's is refused rather than sent on WeCom's word: the
      // relation sync brings a leaver's customers in before they are handed over.
      if (!r) refusals.push({ ...base, reason: 'not_a_customer' });
      else if (r.status !== 'active') refusals.push({ ...base, reason: 'relation_ended' });
      else if (open.has(externalUserid)) refusals.push({ ...base, reason: 'in_progress' });
      else if (seen && seen.n >= WECOM_TRANSFERS_PER_WINDOW) {
        refusals.push({ ...base, reason: 'transfer_limit', count: seen.n, nextAllowedAt: new Date(seen.first.getTime() + WECOM_TRANSFER_WINDOW_DAYS * DAY_MS).toISOString() });
      } else customers.push(base);
    }

    const groups = await this.groups.choose(shopId, input, refusals);
    if (!chosen.size && !groups.length && !refusals.length) throw unprocessable('WECOM_HANDOVER_EMPTY', 'Choose customers or groups to hand over', { field: 'relationIds' });
    return { kind, handoverUserid: input.handoverUserid, takeoverUserid: input.takeoverUserid, customers, groups, refusals };
  }

  /**
   * On-job transfers WeCom accepted per customer in the last 90 days, from the relation history: WeCom
   * counts a transfer it started whatever came of it, and resigned transfers not at all.
   */
  async recentTransfers(shopId: string, externals: string[], db: Db = this.p.db) {
    if (!externals.length) return new Map<string, { n: number; first: Date }>();
    const since = new Date(this.p.now().getTime() - WECOM_TRANSFER_WINDOW_DAYS * DAY_MS);
    const list = await rows<{ external_userid: string; n: number; first: Date }>(db, sql`
      SELECT r.external_userid, count(*)::int AS n, min(h.at) AS first FROM wecom_relation_history h JOIN wecom_relations r ON r.id = h.relation_id
      WHERE h.shop_id = ${shopId} AND h.kind = 'transfer_requested' AND h.detail->>'mode' = 'onjob' AND h.at > ${since.toISOString()}::timestamptz
        AND r.external_userid = ANY(${pgArray(externals)}::text[])
      GROUP BY r.external_userid`);
    return new Map(list.map((r) => [r.external_userid, { n: r.n, first: new Date(r.first) }]));
  }

  /** Creates the handover (what the plan accepts) and queues its sending. */
  async create(shopId: string, input: WecomHandoverBody, createdBy: string | null) {
    const plan = await this.plan(shopId, input);
    if (!plan.customers.length && !plan.groups.length) {
      throw unprocessable('WECOM_HANDOVER_EMPTY', 'Every chosen customer and group was refused', { field: 'relationIds', refusals: plan.refusals });
    }
    let id: string;
    try {
      id = await this.p.database.transaction(async (tx) => {
        const [h] = await rows<{ id: string }>(tx, sql`
          INSERT INTO wecom_handovers (shop_id, kind, handover_userid, takeover_userid, success_msg, refusals, created_by)
          VALUES (${shopId}, ${plan.kind}, ${plan.handoverUserid}, ${plan.takeoverUserid}, ${plan.kind === 'onjob' ? input.successMessage ?? null : null},
            ${JSON.stringify(plan.refusals)}::jsonb, ${createdBy}) RETURNING id`);
        if (plan.customers.length) {
          await tx.execute(sql`
            INSERT INTO wecom_handover_customers (handover_id, shop_id, external_userid, relation_id, requested_at)
            SELECT ${h!.id}, ${shopId}, e, nullif(r, '')::uuid, ${this.p.now().toISOString()}::timestamptz
            FROM unnest(${pgArray(plan.customers.map((c) => c.externalUserid))}::text[], ${pgArray(plan.customers.map((c) => c.relationId ?? ''))}::text[]) AS v(e, r)`);
        }
        if (plan.groups.length) {
          await tx.execute(sql`
            INSERT INTO wecom_handover_groups (handover_id, shop_id, chat_id, requested_at)
            SELECT ${h!.id}, ${shopId}, c, ${this.p.now().toISOString()}::timestamptz FROM unnest(${pgArray(plan.groups.map((g) => g.chatId))}::text[]) AS c`);
        }
        await this.p.jobs.send(HANDOVER_SEND_QUEUE, { handoverId: h!.id }, { tx, singletonKey: h!.id });
        return h!.id;
      });
    } catch (err) {
      // Two handovers racing for one customer: the open-row index lets one of them have it.
      if (isUniqueViolation(err)) throw conflict('WECOM_HANDOVER_IN_PROGRESS', 'A chosen customer or group is being handed over already', { field: 'relationIds' });
      throw err;
    }
    return this.detail(shopId, id);
  }

  // ── Sending (a job) ─────────────────────────────────────────────────────────────────────────────

  private async row(id: string, db: Db = this.p.db) {
    const [h] = await rows<HandoverRow>(db, sql`SELECT * FROM wecom_handovers WHERE id = ${id}`);
    return h ?? null;
  }

  /**
   * The job: chunks of ≤ 100 customers, each claimed (committed) before its call and recorded after it.
   * A run that finds claimed rows without an answer — its worker died between the two — asks WeCom
   * (transfer_result) which of them it started before sending anything again.
   */
  async send(handoverId: string) {
    const h = await this.row(handoverId);
    if (!h || h.status !== 'sending') return;
    const client = this.corps.client(await this.corps.requireCorp(h.shop_id));
    await this.reconcile(h, client);
    for (;;) {
      const chunk = await this.claim(h);
      if (!chunk) break;
      let answers: { externalUserId: string; errcode: number }[];
      try {
        answers = await client.transferCustomers({
          resigned: h.kind === 'resigned', handover: h.handover_userid, takeover: h.takeover_userid, externalUserIds: chunk.externals, successMsg: h.success_msg,
        });
      } catch (err) {
        // A refusal of the whole call (taker left meanwhile, leaver not yet resigned in WeCom) is every
        // customer's answer; WeCom unreachable or busy may have started them, so the retry reconciles.
        if (!(err instanceof WeComApiError) || err.transient) throw err;
        answers = chunk.externals.map((externalUserId) => ({ externalUserId, errcode: err.errcode }));
      }
      this.faults.afterSend?.(h.id, chunk.n);
      await this.record(h, answers, chunk.externals);
    }
    await this.groups.send(h, client);
    await this.p.database.transaction(async (tx) => {
      await tx.execute(sql`
        UPDATE wecom_handovers SET sent_at = coalesce(sent_at, ${this.p.now().toISOString()}::timestamptz), status = 'waiting' WHERE id = ${h.id} AND status = 'sending'`);
      await this.finishIfSettled(tx, h.id);
    });
  }

  private async claim(h: HandoverRow) {
    return this.p.database.transaction(async (tx) => {
      const next = await rows<{ external_userid: string }>(tx, sql`
        SELECT external_userid FROM wecom_handover_customers WHERE handover_id = ${h.id} AND state = 'requested'
        ORDER BY external_userid LIMIT ${WECOM_TRANSFER_CHUNK} FOR UPDATE`);
      if (!next.length) return null;
      const [{ n }] = (await rows<{ n: number }>(tx, sql`SELECT coalesce(max(chunk), 0)::int + 1 AS n FROM wecom_handover_customers WHERE handover_id = ${h.id}`)) as [{ n: number }];
      const externals = next.map((r) => r.external_userid);
      await tx.execute(sql`
        UPDATE wecom_handover_customers SET state = 'sending', chunk = ${n}, claimed_at = ${this.p.now().toISOString()}::timestamptz
        WHERE handover_id = ${h.id} AND external_userid = ANY(${pgArray(externals)}::text[])`);
      return { n, externals };
    });
  }

  /** WeCom's per-customer answers: 0 started (counted towards the 90-day limit), anything else failed. */
  private async record(h: HandoverRow, answers: { externalUserId: string; errcode: number }[], sent: string[]) {
    const byExternal = new Map(answers.map((a) => [a.externalUserId, a.errcode]));
    const started = sent.filter((e) => byExternal.get(e) === 0);
    await this.p.database.transaction(async (tx) => {
      for (const e of sent) {
        // A customer WeCom's answer leaves out was not started: WeCom lists every one it took.
        const errcode = byExternal.get(e) ?? -1;
        await tx.execute(sql`
          UPDATE wecom_handover_customers SET errcode = ${errcode}, state = ${errcode === 0 ? 'waiting' : 'failed'},
            sent_at = ${this.p.now().toISOString()}::timestamptz, settled_at = ${errcode === 0 ? null : this.p.now().toISOString()}::timestamptz
          WHERE handover_id = ${h.id} AND external_userid = ${e} AND state = 'sending'`);
      }
      await this.historyOfRequests(tx, h, started);
    });
  }

  private async historyOfRequests(tx: Db, h: HandoverRow, externals: string[]) {
    if (!externals.length) return;
    await tx.execute(sql`
      INSERT INTO wecom_relation_history (shop_id, relation_id, kind, detail, at)
      SELECT r.shop_id, r.id, 'transfer_requested', jsonb_build_object('mode', ${h.kind}::text, 'to', ${h.takeover_userid}::text, 'handoverId', ${h.id}::text), ${this.p.now().toISOString()}::timestamptz
      FROM wecom_relations r WHERE r.shop_id = ${h.shop_id} AND r.staff_userid = ${h.handover_userid} AND r.external_userid = ANY(${pgArray(externals)}::text[])`);
  }

  /** All pages of transfer_result for the handover's pair. */
  private async results(h: HandoverRow, client: WeComClient) {
    const out = new Map<string, { status: number; takeoverTime: number }>();
    let cursor = '';
    do {
      const page = await client.transferResult({ resigned: h.kind === 'resigned', handover: h.handover_userid, takeover: h.takeover_userid, cursor });
      for (const c of page.customers) out.set(c.externalUserId, { status: c.status, takeoverTime: c.takeoverTime });
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /**
   * Claimed rows without an answer: WeCom started those that transfer_result lists for this pair with a
   * takeover time after the claim (an older transfer of the pair took over before it); the rest go back
   * to be sent.
   */
  private async reconcile(h: HandoverRow, client: WeComClient) {
    const claimed = await rows<{ external_userid: string; claimed_ms: number }>(this.p.db, sql`
      SELECT external_userid, (extract(epoch FROM claimed_at) * 1000)::float8 AS claimed_ms FROM wecom_handover_customers WHERE handover_id = ${h.id} AND state = 'sending'`);
    if (!claimed.length) return;
    const results = await this.results(h, client);
    const started = claimed.filter((c) => {
      const r = results.get(c.external_userid);
      return !!r && r.takeoverTime * 1000 >= Number(c.claimed_ms) - 60_000;
    });
    const startedSet = new Set(started.map((c) => c.external_userid));
    const back = claimed.filter((c) => !startedSet.has(c.external_userid)).map((c) => c.external_userid);
    this.p.log.info({ handoverId: h.id, started: started.length, resend: back.length }, 'WeCom handover resumed after an unanswered chunk');
    await this.p.database.transaction(async (tx) => {
      if (started.length) {
        await tx.execute(sql`
          UPDATE wecom_handover_customers SET state = 'waiting', errcode = 0, sent_at = claimed_at
          WHERE handover_id = ${h.id} AND state = 'sending' AND external_userid = ANY(${pgArray([...startedSet])}::text[])`);
        await this.historyOfRequests(tx, h, [...startedSet]);
      }
      if (back.length) {
        await tx.execute(sql`
          UPDATE wecom_handover_customers SET state = 'requested', chunk = NULL, claimed_at = NULL
          WHERE handover_id = ${h.id} AND state = 'sending' AND external_userid = ANY(${pgArray(back)}::text[])`);
      }
    });
  }

  // ── Results (a scheduled job) ───────────────────────────────────────────────────────────────────

  /** Every handover still waiting for WeCom's results; one failing (its corp unreachable) does not stop the rest. */
  async pollAll() {
    const open = await rows<{ id: string }>(this.p.db, sql`SELECT id FROM wecom_handovers WHERE status = 'waiting' ORDER BY last_polled_at NULLS FIRST, created_at`);
    let settled = 0;
    for (const h of open) {
      try {
        settled += await this.poll(h.id);
      } catch (err) {
        this.p.log.warn({ err, handoverId: h.id }, 'WeCom handover results not polled');
      }
    }
    return settled;
  }

  /** transfer_result for one handover: each waiting customer that WeCom reports settled is settled in Siyu. */
  async poll(handoverId: string) {
    const h = await this.row(handoverId);
    if (!h || h.status !== 'waiting') return 0;
    const client = this.corps.client(await this.corps.requireCorp(h.shop_id));
    const results = await this.results(h, client);
    const waiting = await rows<{ external_userid: string }>(this.p.db, sql`SELECT external_userid FROM wecom_handover_customers WHERE handover_id = ${h.id} AND state = 'waiting'`);
    let n = 0;
    for (const w of waiting) {
      const r = results.get(w.external_userid);
      if (!r || r.status === WAITING || !SETTLED[r.status]) continue;
      const at = r.takeoverTime ? new Date(r.takeoverTime * 1000) : this.p.now();
      if (await this.p.database.transaction((tx) => this.settle(tx, h, w.external_userid, r.status, at))) n++;
    }
    await this.p.database.transaction(async (tx) => {
      await tx.execute(sql`UPDATE wecom_handovers SET last_polled_at = ${this.p.now().toISOString()}::timestamptz WHERE id = ${h.id}`);
      await this.finishIfSettled(tx, h.id);
    });
    return n;
  }

  private async finishIfSettled(tx: Db, id: string) {
    await tx.execute(sql`
      UPDATE wecom_handovers SET status = 'done', finished_at = ${this.p.now().toISOString()}::timestamptz
      WHERE id = ${id} AND status = 'waiting' AND NOT EXISTS (SELECT 1 FROM wecom_handover_customers WHERE handover_id = ${id} AND state IN ('requested', 'sending', 'waiting'))`);
  }

  /**
   * One customer's result. On 接替完毕 the handover's relation ends (history `transferred`) and the taker's
   * becomes active in the same transaction — created from the old one's remark, tags and stage when
   * WeCom's add event has not come yet, or released from `taking_over` when it has.
   */
  private async settle(tx: Db, h: HandoverRow, external: string, status: number, at: Date) {
    const [row] = await rows<{ state: string }>(tx, sql`
      SELECT state FROM wecom_handover_customers WHERE handover_id = ${h.id} AND external_userid = ${external} FOR UPDATE`);
    if (!row || row.state !== 'waiting') return false;
    const state = SETTLED[status]!;
    const now = this.p.now().toISOString();
    await tx.execute(sql`
      UPDATE wecom_handover_customers SET state = ${state}, wecom_status = ${status}, settled_at = ${now}::timestamptz,
        takeover_at = ${state === 'done' ? at.toISOString() : null}::timestamptz
      WHERE handover_id = ${h.id} AND external_userid = ${external}`);
    if (state !== 'done') return true;
    const detail = JSON.stringify({ mode: h.kind, from: h.handover_userid, to: h.takeover_userid, handoverId: h.id });
    const [old] = await rows<{ id: string }>(tx, sql`
      UPDATE wecom_relations SET status = 'transferred', deleted_at = ${at.toISOString()}::timestamptz, updated_at = now()
      WHERE shop_id = ${h.shop_id} AND staff_userid = ${h.handover_userid} AND external_userid = ${external} AND status = 'active' RETURNING id`);
    if (old) await tx.execute(sql`INSERT INTO wecom_relation_history (shop_id, relation_id, kind, detail, at) VALUES (${h.shop_id}, ${old.id}, 'transferred', ${detail}::jsonb, ${at.toISOString()}::timestamptz)`);
    const [mine] = await rows<{ id: string; status: string }>(tx, sql`
      SELECT id, status FROM wecom_relations WHERE shop_id = ${h.shop_id} AND staff_userid = ${h.takeover_userid} AND external_userid = ${external} FOR UPDATE`);
    if (mine?.status === 'active') {
      await announceOwners(this.p, tx, h.shop_id, { externalUserIds: [external] });
      return true;
    }
    let takerId = mine?.id;
    if (mine) {
      await tx.execute(sql`
        UPDATE wecom_relations SET status = 'active', deleted_at = NULL, updated_at = now(),
          added_at = CASE WHEN status = 'taking_over' THEN added_at ELSE ${at.toISOString()}::timestamptz END WHERE id = ${mine.id}`);
    } else {
      const [made] = await rows<{ id: string }>(tx, sql`
        INSERT INTO wecom_relations (shop_id, staff_userid, external_userid, remark, description, remark_mobiles, add_way, state, channel_code_id, tag_ids, stage, bought_before, added_at)
        SELECT ${h.shop_id}, ${h.takeover_userid}, ${external}, coalesce(o.remark, ''), coalesce(o.description, ''), coalesce(o.remark_mobiles, '{}'), coalesce(o.add_way, 0), o.state,
          o.channel_code_id, coalesce(o.tag_ids, '{}'), coalesce(o.stage, 'pending'), o.bought_before, ${at.toISOString()}::timestamptz
        FROM (SELECT 1) one LEFT JOIN wecom_relations o ON o.shop_id = ${h.shop_id} AND o.staff_userid = ${h.handover_userid} AND o.external_userid = ${external}
        RETURNING id`);
      takerId = made!.id;
    }
    if (mine?.status !== 'taking_over') {
      await tx.execute(sql`INSERT INTO wecom_relation_history (shop_id, relation_id, kind, detail, at) VALUES (${h.shop_id}, ${takerId}, 'added', ${detail}::jsonb, ${at.toISOString()}::timestamptz)`);
    }
    await announceOwners(this.p, tx, h.shop_id, { externalUserIds: [external] });
    return true;
  }

  /**
   * WeCom's add event for a taker can come before Siyu polls the result. Until the result is in, the
   * taker's relation waits as `taking_over` — the customer still has one owner, the handover — and a
   * poll of that handover is queued, so the move follows within moments, on the result.
   */
  async holdTaker(tx: Db, shopId: string, r: { id: string; staff_userid: string; external_userid: string }, prevStatus: string | null) {
    if (prevStatus === 'active') return;
    const [open] = await rows<{ handover_id: string }>(tx, sql`
      SELECT c.handover_id FROM wecom_handover_customers c JOIN wecom_handovers h ON h.id = c.handover_id
      WHERE c.shop_id = ${shopId} AND c.external_userid = ${r.external_userid} AND c.state IN ('sending', 'waiting') AND h.takeover_userid = ${r.staff_userid} LIMIT 1`);
    if (!open) return;
    await tx.execute(sql`UPDATE wecom_relations SET status = 'taking_over' WHERE id = ${r.id}`);
    const minute = Math.floor(this.p.now().getTime() / 60_000);
    await this.p.jobs.send(HANDOVER_POLL_QUEUE, { handoverId: open.handover_id }, { tx, singletonKey: `${open.handover_id}:${minute}`, delayMs: 1000 });
  }

  // ── Reading (handover-report.ts) ────────────────────────────────────────────────────────────────

  list(shopId: string, q: { page: number; pageSize: number; status?: string; staff?: string }) {
    return this.report.list(shopId, q);
  }

  detail(shopId: string, id: string) {
    return this.report.detail(shopId, id);
  }

  unassigned(shopId: string, q: { cursor: string; pageSize: number }) {
    return this.report.unassigned(shopId, q);
  }

  /**
   * Assigns unassigned customers in bulk: one resigned handover per member who left. Siyu's address book
   * may not know yet that someone left (the change_contact sync is queued), so it is synced first then.
   */
  async assignUnassigned(shopId: string, input: { takeoverUserid: string; items: { handoverUserid: string; externalUserid: string }[] }, createdBy: string | null) {
    const byGiver = new Map<string, string[]>();
    for (const i of input.items) byGiver.set(i.handoverUserid, [...(byGiver.get(i.handoverUserid) ?? []), i.externalUserid]);
    const left = new Set((await rows<{ userid: string }>(this.p.db, sql`
      SELECT userid FROM wecom_staff WHERE shop_id = ${shopId} AND status = ${STAFF_LEFT} AND userid = ANY(${pgArray([...byGiver.keys()])}::text[])`)).map((s) => s.userid));
    if ([...byGiver.keys()].some((u) => !left.has(u))) {
      await this.staff.syncStaff(shopId);
      const now = new Set((await rows<{ userid: string }>(this.p.db, sql`
        SELECT userid FROM wecom_staff WHERE shop_id = ${shopId} AND status = ${STAFF_LEFT} AND userid = ANY(${pgArray([...byGiver.keys()])}::text[])`)).map((s) => s.userid));
      const i = input.items.findIndex((x) => !now.has(x.handoverUserid));
      if (i >= 0) throw unprocessable('WECOM_STAFF_NOT_LEFT', 'Only customers of staff who left are unassigned', { field: `items.${i}.handoverUserid` });
    }
    const bodies = [...byGiver].map(([handoverUserid, externalUserids]) => ({
      handoverUserid, takeoverUserid: input.takeoverUserid, externalUserids, relationIds: [], allCustomers: false, chatIds: [], allGroups: false, preview: false,
    }));
    // Every leaver's part is checked before any handover is made, so a bad one makes none.
    const plans = [];
    for (const b of bodies) plans.push(await this.plan(shopId, b));
    const handovers = [];
    const refusals: Refusal[] = plans.flatMap((p) => p.refusals.map((r) => ({ ...r, handoverUserid: p.handoverUserid })));
    for (const [i, b] of bodies.entries()) if (plans[i]!.customers.length) handovers.push(await this.create(shopId, b, createdBy));
    if (!handovers.length) throw unprocessable('WECOM_HANDOVER_EMPTY', 'Every chosen customer was refused', { field: 'items', refusals });
    return { handovers, refusals };
  }
}
