import type { WecomMomentBody, WecomMomentQuery } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { rows, sql } from '../../platform/db/index.js';
import { pgArray } from '../../platform/db/prepared.js';
import { badRequest, notFound } from '../../platform/errors.js';
import { WeComApiError } from './client/wecom-client.js';
import type { WecomCorps } from './corps.js';
import { toWecomAttachments } from './mass-content.js';

export const MOMENT_CREATE_QUEUE = 'wecom.moment-create';
export const MOMENT_POLL_QUEUE = 'wecom.moment-poll';
/** add_moment_task is asynchronous: its result is polled this often until WeCom reports it done. */
const POLL_EVERY_MS = 5_000;
/** A result still not done after this many polls (~10 minutes) is left failed rather than polled forever. */
const MAX_POLLS = 120;
/** Staff publish a Moment within days or never: who did is asked again every 10 minutes for a week. */
export const PUBLISHED_CHECK_EVERY_MS = 10 * 60_000;
const PUBLISHED_CHECK_FOR_MS = 7 * 86_400_000;

type MomentRow = {
  id: string; shop_id: string; text: string; attachments: WecomMomentBody['attachments']; userids: string[]; department_ids: number[]; tag_ids: string[];
  status: 'creating' | 'publishing' | 'done' | 'failed'; jobid: string | null; requested_at: Date | null; moment_id: string | null;
  invalid_userids: string[]; invalid_tag_ids: string[]; error: string | null; created_by: string | null; created_at: Date; finished_at: Date | null;
  published: Record<string, 0 | 1>; published_checked_at: Date | null;
};

const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/**
 * Moments (朋友圈) posted by staff for the company: add_moment_task with the visible range (staff or
 * departments who post it, corp tags of the customers who see it), then get_moment_task_result until WeCom
 * answers the moment_id. WeCom's API here has no idempotency key and no way to find a lost job id, so a
 * run that asked and died before storing the job id is marked failed ("uncertain"), never posted twice.
 */
export class WecomMoments {
  constructor(
    private p: Platform,
    private corps: WecomCorps,
  ) {}

  async create(shopId: string, input: WecomMomentBody, createdBy: string) {
    await this.corps.requireCorp(shopId);
    if (input.userids.length) {
      const known = await rows<{ userid: string }>(this.p.db, sql`SELECT userid FROM wecom_staff WHERE shop_id = ${shopId} AND userid = ANY(${pgArray(input.userids)}::text[])`);
      const missing = input.userids.findIndex((u) => !known.some((k) => k.userid === u));
      if (missing >= 0) throw badRequest('WECOM_STAFF_UNKNOWN', 'Unknown staff member (sync the staff first)', { field: `userids.${missing}` });
    }
    if (input.tagIds.length) {
      const known = await rows<{ tag_id: string }>(this.p.db, sql`SELECT tag_id FROM wecom_corp_tags WHERE shop_id = ${shopId} AND NOT deleted AND tag_id = ANY(${pgArray(input.tagIds)}::text[])`);
      const missing = input.tagIds.findIndex((t) => !known.some((k) => k.tag_id === t));
      if (missing >= 0) throw badRequest('WECOM_TAG_UNKNOWN', 'Unknown corp tag (sync the tags first)', { field: `tagIds.${missing}` });
    }
    const id = await this.p.database.transaction(async (tx) => {
      const [r] = await rows<{ id: string }>(tx, sql`
        INSERT INTO wecom_moments (shop_id, text, attachments, userids, department_ids, tag_ids, status, created_by)
        VALUES (${shopId}, ${input.text}, ${JSON.stringify(input.attachments)}::jsonb, ${pgArray(input.userids)}::text[], ${pgArray(input.departmentIds)}::int[],
          ${pgArray(input.tagIds)}::text[], 'creating', ${createdBy})
        RETURNING id`);
      await this.p.jobs.send(MOMENT_CREATE_QUEUE, { shopId, momentId: r!.id }, { tx });
      return r!.id;
    });
    return this.get(shopId, id);
  }

  /** The job: one add_moment_task per moment, ever. */
  async post(shopId: string, id: string) {
    const m = await this.row(shopId, id);
    if (m.status !== 'creating') return;
    const claimed = await this.p.database.transaction((tx) =>
      rows(tx, sql`UPDATE wecom_moments SET requested_at = now() WHERE id = ${id} AND requested_at IS NULL AND status = 'creating' RETURNING id`),
    );
    if (!claimed.length) {
      await this.fail(id, 'uncertain: a run asked WeCom and stopped before the answer was kept; post it again if it is not on the staff phones');
      return;
    }
    const client = this.corps.client(await this.corps.requireCorp(shopId));
    try {
      const { jobId } = await client.addMomentTask({ text: m.text || undefined, attachments: toWecomAttachments(m.attachments), userids: m.userids, departmentIds: m.department_ids, tagIds: m.tag_ids });
      await this.p.database.transaction(async (tx) => {
        await tx.execute(sql`UPDATE wecom_moments SET jobid = ${jobId}, status = 'publishing' WHERE id = ${id}`);
        await this.p.jobs.send(MOMENT_POLL_QUEUE, { shopId, momentId: id, n: 1 }, { tx });
      });
    } catch (err) {
      // Only a definite refusal is final; the request may have reached WeCom otherwise, so it is not repeated.
      await this.fail(id, err instanceof WeComApiError && !err.transient ? `${err.errcode} ${err.errmsg}` : `uncertain: ${(err as Error).message}`);
    }
  }

  /** The job: get_moment_task_result until done (status 3), then the moment_id or WeCom's error. */
  async poll(shopId: string, id: string, n: number) {
    const m = await this.row(shopId, id);
    if (m.status !== 'publishing' || !m.jobid) return;
    const client = this.corps.client(await this.corps.requireCorp(shopId));
    const r = await client.momentTaskResult(m.jobid);
    if (r.status !== 3) {
      if (n >= MAX_POLLS) return this.fail(id, `WeCom did not finish the task (status ${r.status})`);
      await this.p.jobs.send(MOMENT_POLL_QUEUE, { shopId, momentId: id, n: n + 1 }, { delayMs: POLL_EVERY_MS });
      return;
    }
    if (r.errcode !== 0 || !r.momentId) return this.fail(id, `${r.errcode} ${r.errmsg}`);
    await this.p.database.transaction((tx) =>
      tx.execute(sql`
        UPDATE wecom_moments SET status = 'done', moment_id = ${r.momentId}, invalid_userids = ${pgArray(r.invalidUserids)}::text[], invalid_tag_ids = ${pgArray(r.invalidTagIds)}::text[],
          finished_at = ${this.p.now().toISOString()}::timestamptz
        WHERE id = ${id} AND status = 'publishing'`),
    );
  }

  /** get_moment_task: who of the Moment's staff has published it on their phone. */
  async refreshPublished(shopId: string, id: string) {
    const m = await this.row(shopId, id);
    if (m.status !== 'done' || !m.moment_id) return;
    const client = this.corps.client(await this.corps.requireCorp(shopId));
    const published: Record<string, 0 | 1> = {};
    let cursor = '';
    do {
      const page = await client.momentTask(m.moment_id, cursor);
      for (const x of page.items) published[x.userid] = x.published ? 1 : 0;
      cursor = page.nextCursor;
    } while (cursor);
    await this.p.database.transaction((tx) =>
      tx.execute(sql`UPDATE wecom_moments SET published = ${JSON.stringify(published)}::jsonb, published_checked_at = ${this.p.now().toISOString()}::timestamptz WHERE id = ${id}`),
    );
  }

  /** The scheduler's turn: Moments of the last week whose staff were not all seen publishing. */
  async duePublished() {
    const now = this.p.now();
    return rows<{ id: string; shop_id: string }>(this.p.db, sql`
      SELECT id, shop_id FROM wecom_moments
      WHERE status = 'done' AND finished_at >= ${new Date(now.getTime() - PUBLISHED_CHECK_FOR_MS).toISOString()}::timestamptz
        AND (published_checked_at IS NULL OR published_checked_at <= ${new Date(now.getTime() - PUBLISHED_CHECK_EVERY_MS + 5_000).toISOString()}::timestamptz)
        AND (published = '{}'::jsonb OR EXISTS (SELECT 1 FROM jsonb_each_text(published) e WHERE e.value = '0'))
      ORDER BY finished_at LIMIT 200`);
  }

  private async fail(id: string, error: string) {
    await this.p.database.transaction((tx) => tx.execute(sql`UPDATE wecom_moments SET status = 'failed', error = ${error}, finished_at = ${this.p.now().toISOString()}::timestamptz WHERE id = ${id}`));
  }

  private async row(shopId: string, id: string): Promise<MomentRow> {
    if (!isUuid(id)) throw notFound('Moment', { field: 'id' });
    const [m] = await rows<MomentRow>(this.p.db, sql`SELECT * FROM wecom_moments WHERE id = ${id} AND shop_id = ${shopId}`);
    if (!m) throw notFound('Moment', { field: 'id' });
    return m;
  }

  async get(shopId: string, id: string) {
    const m = await this.row(shopId, id);
    // Who posts it: the staff named (or every active member of the departments, or everyone), less those WeCom refused.
    const staff = await rows<{ userid: string; name: string }>(this.p.db, sql`
      SELECT userid, name FROM wecom_staff WHERE shop_id = ${shopId} AND status = 1
        AND (${m.userids.length === 0 && m.department_ids.length === 0} OR userid = ANY(${pgArray(m.userids)}::text[]) OR departments && ${pgArray(m.department_ids)}::int[])
      ORDER BY userid`);
    return {
      ...view(m),
      staff: staff.map((s) => ({
        userid: s.userid, name: s.name,
        // Done means on the phones; a member publishes it (or not) there, as get_moment_task last said.
        status: m.invalid_userids.includes(s.userid) ? 'invalid' : m.status === 'failed' ? 'failed' : m.status === 'done' ? (m.published[s.userid] === 1 ? 'published' : 'unpublished') : 'pending',
      })),
    };
  }

  async list(shopId: string, q: WecomMomentQuery) {
    const list = await rows<MomentRow>(this.p.db, sql`SELECT * FROM wecom_moments WHERE shop_id = ${shopId} ORDER BY created_at DESC LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`);
    const [total] = await rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM wecom_moments WHERE shop_id = ${shopId}`);
    return { items: list.map(view), total: total!.n, page: q.page, pageSize: q.pageSize };
  }
}

function view(m: MomentRow) {
  return {
    id: m.id, text: m.text, attachments: m.attachments, userids: m.userids, departmentIds: m.department_ids, tagIds: m.tag_ids, status: m.status,
    momentId: m.moment_id, invalidUserids: m.invalid_userids, invalidTagIds: m.invalid_tag_ids, error: m.error, createdBy: m.created_by, createdAt: m.created_at, finishedAt: m.finished_at,
    publishedCount: Object.values(m.published ?? {}).filter((v) => v === 1).length, publishedCheckedAt: m.published_checked_at,
  };
}
