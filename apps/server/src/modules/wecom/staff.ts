import type { Platform } from '../../platform/context.js';
import { pgArray } from '../../platform/db/prepared.js';
import { rows, sql, type Db } from '../../platform/db/index.js';
import { notFound } from '../../platform/errors.js';
import type { WecomCorps } from './corps.js';
import type { WecomRelations } from './relations.js';
import { iso } from './groups.js';

type RunRow = { id: string; shop_id: string; status: string; progress: Record<string, number>; error: string | null; created_at: Date; started_at: Date | null; finished_at: Date | null };
const runView = (r: RunRow) => ({ id: r.id, status: r.status, progress: r.progress, error: r.error, createdAt: iso(r.created_at), startedAt: iso(r.started_at), finishedAt: iso(r.finished_at) });

/** WeCom's status of a member who has left (已退出企业). */
export const STAFF_LEFT = 5;

/**
 * The corp's address book as Siyu knows it: departments, members (with whether they may contact
 * customers) and corp tags, pulled by a job with progress; the job ends by syncing relations, because
 * the customers of a corp connected today were added long before.
 */
export class WecomStaff {
  /** Told when members leave, so channel codes stop sending customers to them. */
  onStaffChanged: (shopId: string) => Promise<void> = async () => {};
  /** The customer groups' sync, last in a run (groups name staff as owners and customers as members). */
  syncGroups?: (shopId: string, onProgress: (done: number, total: number) => Promise<void>) => Promise<number>;

  constructor(
    private p: Platform,
    private corps: WecomCorps,
    private relations: WecomRelations,
  ) {}

  /** Queues a sync; one at a time per shop (a second request answers the run in progress). */
  async requestSync(shopId: string, db?: Db) {
    await this.corps.requireCorp(shopId);
    const run = async (tx: Db) => {
      const [open] = await rows<RunRow>(tx, sql`SELECT * FROM wecom_sync_runs WHERE shop_id = ${shopId} AND status IN ('queued', 'running') ORDER BY created_at DESC LIMIT 1`);
      if (open) return runView(open);
      const [r] = await rows<RunRow>(tx, sql`INSERT INTO wecom_sync_runs (shop_id) VALUES (${shopId}) RETURNING *`);
      await this.p.jobs.send('wecom.sync-staff', { shopId, runId: r!.id }, { tx, singletonKey: r!.id });
      return runView(r!);
    };
    return db ? run(db) : this.p.database.transaction(run);
  }

  async run(shopId: string, id: string) {
    const [r] = await rows<RunRow>(this.p.db, sql`SELECT * FROM wecom_sync_runs WHERE shop_id = ${shopId} AND id = ${id}`);
    if (!r) throw notFound('Sync run');
    return runView(r);
  }

  private async progress(runId: string, patch: Record<string, number>, status?: 'running' | 'done' | 'failed', error?: string) {
    await this.p.db.execute(sql`
      UPDATE wecom_sync_runs SET progress = progress || ${JSON.stringify(patch)}::jsonb,
        status = coalesce(${status ?? null}::text, status), error = coalesce(${error ?? null}::text, error),
        started_at = coalesce(started_at, now()), finished_at = CASE WHEN ${status ?? null}::text IN ('done', 'failed') THEN now() ELSE finished_at END
      WHERE id = ${runId}`);
  }

  /** The job: departments, members, corp tags, then every member's customers. */
  async sync(shopId: string, runId: string) {
    const [r] = await rows<RunRow>(this.p.db, sql`SELECT * FROM wecom_sync_runs WHERE id = ${runId} AND shop_id = ${shopId}`);
    if (!r || r.status === 'done' || r.status === 'failed') return;
    const corp = await this.corps.corp(shopId);
    if (!corp) return this.progress(runId, {}, 'failed', 'WeCom is not connected');
    await this.progress(runId, {}, 'running');
    try {
      const staff = await this.syncStaff(shopId);
      await this.progress(runId, { departments: staff.departments, staff: staff.staff, left: staff.left });
      const tags = await this.relations.syncCorpTags(shopId);
      await this.progress(runId, { tags });
      const relations = await this.relations.syncAll(shopId, async (done, total) => this.progress(runId, { relationStaffDone: done, relationStaffTotal: total }));
      await this.progress(runId, { relations });
      const groups = this.syncGroups ? await this.syncGroups(shopId, async (done, total) => this.progress(runId, { groupsDone: done, groupsTotal: total })) : 0;
      await this.progress(runId, { groups }, 'done');
    } catch (err) {
      await this.progress(runId, {}, 'failed', (err as Error).message);
      throw err;
    }
  }

  /** Departments and members; members no longer listed (or listed as left) are marked left. */
  async syncStaff(shopId: string) {
    const corp = await this.corps.requireCorp(shopId);
    const client = this.corps.client(corp);
    const departments = await client.departments();
    const ids = new Set(departments.map((d) => d.id));
    // The roots: departments whose parent is not listed (the corp's root, or the app's visible range).
    const roots = departments.filter((d) => !ids.has(d.parentId));
    const members = new Map<string, Awaited<ReturnType<typeof client.users>>[number]>();
    for (const root of roots) for (const u of await client.users(root.id)) members.set(u.userid, u);
    const contactable = new Set(await client.followUsers());
    const list = [...members.values()];
    const left = await this.p.database.transaction(async (tx) => {
      await tx.execute(sql`DELETE FROM wecom_departments WHERE shop_id = ${shopId} AND NOT (dept_id = ANY(${pgArray(departments.map((d) => d.id))}::int[]))`);
      if (departments.length) {
        await tx.execute(sql`
          INSERT INTO wecom_departments (shop_id, dept_id, name, parent_id, sort)
          SELECT ${shopId}, i, n, pa, o FROM unnest(${pgArray(departments.map((d) => d.id))}::int[], ${pgArray(departments.map((d) => d.name))}::text[],
            ${pgArray(departments.map((d) => d.parentId))}::int[], ${pgArray(departments.map((d) => d.order))}::int[]) AS v(i, n, pa, o)
          ON CONFLICT (shop_id, dept_id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id, sort = excluded.sort, synced_at = now()`);
      }
      for (const u of list) {
        await tx.execute(sql`
          INSERT INTO wecom_staff (shop_id, userid, name, departments, position, mobile, status, can_contact, left_at)
          VALUES (${shopId}, ${u.userid}, ${u.name}, ${pgArray(u.departments)}::int[], ${u.position}, ${u.mobile}, ${u.status}, ${contactable.has(u.userid)},
            ${u.status === STAFF_LEFT ? this.p.now().toISOString() : null}::timestamptz)
          ON CONFLICT (shop_id, userid) DO UPDATE SET name = excluded.name, departments = excluded.departments, position = excluded.position,
            mobile = excluded.mobile, status = excluded.status, can_contact = excluded.can_contact, synced_at = now(),
            left_at = CASE WHEN excluded.status = ${STAFF_LEFT} THEN coalesce(wecom_staff.left_at, now()) END`);
      }
      const gone = await rows<{ userid: string }>(tx, sql`
        UPDATE wecom_staff SET status = ${STAFF_LEFT}, can_contact = false, left_at = coalesce(left_at, now())
        WHERE shop_id = ${shopId} AND status <> ${STAFF_LEFT} AND NOT (userid = ANY(${pgArray(list.map((u) => u.userid))}::text[])) RETURNING userid`);
      return gone.length + list.filter((u) => u.status === STAFF_LEFT).length;
    });
    await this.onStaffChanged(shopId);
    return { departments: departments.length, staff: list.length, left };
  }

  async departments(shopId: string) {
    const list = await rows<{ dept_id: number; name: string; parent_id: number; sort: number }>(this.p.db, sql`SELECT * FROM wecom_departments WHERE shop_id = ${shopId} ORDER BY parent_id, sort, dept_id`);
    return { items: list.map((d) => ({ id: d.dept_id, name: d.name, parentId: d.parent_id, order: d.sort })) };
  }

  async list(shopId: string) {
    const list = await rows<{ userid: string; name: string; departments: number[]; position: string; status: number; can_contact: boolean; left_at: Date | null; customers: number }>(this.p.db, sql`
      SELECT s.*, (SELECT count(*)::int FROM wecom_relations r WHERE r.shop_id = s.shop_id AND r.staff_userid = s.userid AND r.status = 'active') AS customers
      FROM wecom_staff s WHERE s.shop_id = ${shopId} ORDER BY s.status = ${STAFF_LEFT}, s.name`);
    return {
      items: list.map((s) => ({ userid: s.userid, name: s.name, departments: s.departments, position: s.position, status: s.status, active: s.status === 1, canContact: s.can_contact, leftAt: s.left_at, customers: s.customers })),
    };
  }

  /** Members who can take customers now (active, with the customer-contact permission). */
  async available(shopId: string, userids: string[], db: Db = this.p.db): Promise<Set<string>> {
    if (!userids.length) return new Set();
    const found = await rows<{ userid: string }>(db, sql`
      SELECT userid FROM wecom_staff WHERE shop_id = ${shopId} AND userid = ANY(${pgArray(userids)}::text[]) AND status = 1 AND can_contact`);
    return new Set(found.map((r) => r.userid));
  }

  async known(shopId: string, userids: string[], db: Db = this.p.db): Promise<Set<string>> {
    if (!userids.length) return new Set();
    const found = await rows<{ userid: string }>(db, sql`SELECT userid FROM wecom_staff WHERE shop_id = ${shopId} AND userid = ANY(${pgArray(userids)}::text[])`);
    return new Set(found.map((r) => r.userid));
  }
}
