import { randomBytes } from 'node:crypto';
import type { ChannelCodeBody } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { rows, sql, type Db } from '../../platform/db/index.js';
import { pgArray } from '../../platform/db/prepared.js';
import { AppError, conflict, notFound, unprocessable } from '../../platform/errors.js';
import { shopDay, shopMinute } from '../messaging/budget.js';
import type { CouponService } from '../promotions/coupon-service.js';
import { WeComApiError, type WelcomeAttachment } from './client/wecom-client.js';
import { vendorRefusal, type WecomCorps } from './corps.js';
import type { WecomRelations } from './relations.js';
import type { WecomStaff } from './staff.js';

type Schedule = ChannelCodeBody['schedules'][number];
/** The welcome as stored: the coupon's title and claim path are kept so that sending needs no lookup. */
type StoredWelcome = { text: string; couponTemplateId: string | null; couponTitle?: string; couponPath?: string; miniprogram: { appid: string; title: string; page: string; picMediaId: string } | null };

type CodeRow = {
  id: string; shop_id: string; name: string; state: string; config_id: string; qr_code: string; mode: 'single' | 'rotation'; users: string[];
  schedules: Schedule[]; backup_userid: string | null; current_users: string[]; tag_ids: string[]; skip_verify: boolean; welcome: StoredWelcome | null;
  deleted_at: Date | null; created_at: Date; updated_at: Date;
};

const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
/** ISO weekday in shop time: 1 = Monday … 7 = Sunday (day 0 of shopDay, 1970-01-01, was a Thursday). */
export const shopWeekday = (at: Date) => ((((shopDay(at) + 3) % 7) + 7) % 7) + 1;

/** Who should answer the code at `at`: the schedules in force (else the default members), those available, else the backup. */
export function membersAt(code: { mode: 'single' | 'rotation'; users: string[]; schedules: Schedule[]; backupUserid: string | null }, at: Date, available: Set<string>): string[] {
  const day = shopWeekday(at);
  const minute = shopMinute(at);
  const now = code.schedules.filter((s) => s.weekdays.includes(day) && minuteOf(s.start) <= minute && minute < minuteOf(s.end));
  const wanted = now.length ? [...new Set(now.flatMap((s) => s.users))] : code.users;
  const ready = wanted.filter((u) => available.has(u));
  if (ready.length) return code.mode === 'single' ? ready.slice(0, 1) : ready;
  // WeCom needs someone on the code: the backup, even if they too are away, rather than a dead code.
  if (code.backupUserid) return [code.backupUserid];
  return wanted.slice(0, 1);
}

/**
 * Channel codes (渠道活码): a 联系我 config per code, told apart by a short `state` that WeCom returns
 * with every add. Who answers follows schedules and who is still there (a job moves the code's members
 * with update_contact_way when that set changes); a new contact is tagged and welcomed from the code.
 */
export class ChannelCodes {
  constructor(
    private p: Platform,
    private corps: WecomCorps,
    private staff: WecomStaff,
    private relations: WecomRelations,
    private coupons: CouponService,
  ) {}

  private everyone(input: Pick<ChannelCodeBody, 'users' | 'schedules' | 'backupUserid'>) {
    return [...new Set([...input.users, ...input.schedules.flatMap((s) => s.users), ...(input.backupUserid ? [input.backupUserid] : [])])];
  }

  /** Members must be synced staff, tags current corp tags, the coupon the shop's own: a 4xx names the field otherwise. */
  private async validate(shopId: string, input: ChannelCodeBody): Promise<StoredWelcome | null> {
    const known = await this.staff.known(shopId, this.everyone(input));
    const badUser = input.users.findIndex((u) => !known.has(u));
    if (badUser >= 0) throw unprocessable('WECOM_STAFF_UNKNOWN', `Not a staff member of the corp: ${input.users[badUser]}`, { field: `users.${badUser}` });
    for (const [i, s] of input.schedules.entries()) {
      const j = s.users.findIndex((u) => !known.has(u));
      if (j >= 0) throw unprocessable('WECOM_STAFF_UNKNOWN', `Not a staff member of the corp: ${s.users[j]}`, { field: `schedules.${i}.users.${j}` });
      if (input.mode === 'single' && s.users.length > 1) throw unprocessable('VALIDATION_FAILED', 'A single-member code has one member per schedule', { field: `schedules.${i}.users` });
    }
    if (input.mode === 'single' && input.users.length > 1) throw unprocessable('VALIDATION_FAILED', 'A single-member code has one member', { field: 'users' });
    if (input.backupUserid && !known.has(input.backupUserid)) throw unprocessable('WECOM_STAFF_UNKNOWN', `Not a staff member of the corp: ${input.backupUserid}`, { field: 'backupUserid' });
    const unknownTags = await this.relations.unknownTags(shopId, input.tagIds);
    if (unknownTags.length) throw unprocessable('WECOM_TAG_UNKNOWN', `Not a corp tag: ${unknownTags[0]}`, { field: `tagIds.${input.tagIds.indexOf(unknownTags[0]!)}` });
    const w = input.welcome;
    if (!w) return null;
    if (!w.couponTemplateId) return { text: w.text, couponTemplateId: null, miniprogram: w.miniprogram };
    let coupon: Awaited<ReturnType<CouponService['get']>>;
    try {
      coupon = await this.coupons.get(shopId, w.couponTemplateId);
    } catch (err) {
      if (err instanceof AppError && err.status === 404) throw notFound('Coupon', { field: 'welcome.couponTemplateId' });
      throw err;
    }
    return { text: w.text, couponTemplateId: w.couponTemplateId, couponTitle: coupon.label, couponPath: coupon.claimPath, miniprogram: null };
  }

  private async freeState(shopId: string, wanted: string | undefined, exceptId?: string): Promise<string> {
    for (let i = 0; i < 5; i++) {
      // 11 characters: far inside WeCom's 30, and room for nothing else to collide in practice.
      const state = wanted ?? `c${randomBytes(8).toString('base64url').replace(/[-_]/g, '').slice(0, 10).toLowerCase()}`;
      const [taken] = await rows<{ id: string }>(this.p.db, sql`SELECT id FROM wecom_channel_codes WHERE shop_id = ${shopId} AND state = ${state}`);
      if (!taken || taken.id === exceptId) return state;
      if (wanted) throw conflict('WECOM_STATE_TAKEN', 'Another channel code of the shop uses this state', { field: 'state' });
    }
    throw conflict('WECOM_STATE_TAKEN', 'Could not find a free state', { field: 'state' });
  }

  private vendorError(err: unknown): never {
    if (err instanceof WeComApiError) {
      throw vendorRefusal(err, err.errcode === 40058 ? 'state' : err.errcode === 60111 || err.errcode === 84061 ? 'users' : 'config');
    }
    throw err;
  }

  async create(shopId: string, input: ChannelCodeBody) {
    const corp = await this.corps.requireCorp(shopId);
    const welcome = await this.validate(shopId, input);
    const state = await this.freeState(shopId, input.state);
    const available = await this.staff.available(shopId, this.everyone(input));
    const current = membersAt(input, this.p.now(), available);
    let made: { configId: string; qrCode: string };
    try {
      made = await this.corps.client(corp).addContactWay({ type: input.mode === 'single' ? 1 : 2, scene: 2, remark: input.name.slice(0, 30), skipVerify: input.skipVerify, state, user: current });
    } catch (err) {
      this.vendorError(err);
    }
    const insert = this.p.database.transaction(async (tx) => {
      const [row] = await rows<CodeRow>(tx, sql`
        INSERT INTO wecom_channel_codes (shop_id, name, state, config_id, qr_code, mode, users, schedules, backup_userid, current_users, tag_ids, skip_verify, welcome)
        VALUES (${shopId}, ${input.name}, ${state}, ${made.configId}, ${made.qrCode}, ${input.mode}, ${pgArray(input.users)}::text[], ${JSON.stringify(input.schedules)}::jsonb,
          ${input.backupUserid}, ${pgArray(current)}::text[], ${pgArray(input.tagIds)}::text[], ${input.skipVerify}, ${welcome ? JSON.stringify(welcome) : null}::jsonb)
        RETURNING *`);
      return row!;
    });
    let r: CodeRow;
    try {
      r = await insert;
    } catch (err) {
      // Not recorded (a racing code took the state): the config must not live on in WeCom unnamed.
      await this.corps.client(corp).delContactWay(made.configId).catch((e) => this.p.log.warn({ err: e, configId: made.configId }, 'orphan contact way not deleted'));
      if (err instanceof Error && /wecom_channel_codes_shop_id_state_key|unique/i.test(err.message)) throw conflict('WECOM_STATE_TAKEN', 'Another channel code of the shop uses this state', { field: 'state' });
      throw err;
    }
    return this.view(r);
  }

  async update(shopId: string, id: string, input: ChannelCodeBody) {
    const before = await this.row(shopId, id);
    const corp = await this.corps.requireCorp(shopId);
    if (before.mode !== input.mode) throw unprocessable('WECOM_CODE_MODE_FIXED', 'WeCom cannot turn a single-member code into a rotation or back; make a new code', { field: 'mode' });
    const welcome = await this.validate(shopId, input);
    const state = await this.freeState(shopId, input.state ?? before.state, id);
    const available = await this.staff.available(shopId, this.everyone(input));
    const current = membersAt(input, this.p.now(), available);
    try {
      await this.corps.client(corp).updateContactWay({ configId: before.config_id, user: current, state, remark: input.name.slice(0, 30), skipVerify: input.skipVerify });
    } catch (err) {
      this.vendorError(err);
    }
    const after = await this.p.database.transaction(async (tx) => {
      const [row] = await rows<CodeRow>(tx, sql`
        UPDATE wecom_channel_codes SET name = ${input.name}, state = ${state}, users = ${pgArray(input.users)}::text[], schedules = ${JSON.stringify(input.schedules)}::jsonb,
          backup_userid = ${input.backupUserid}, current_users = ${pgArray(current)}::text[], tag_ids = ${pgArray(input.tagIds)}::text[], skip_verify = ${input.skipVerify},
          welcome = ${welcome ? JSON.stringify(welcome) : null}::jsonb, updated_at = now()
        WHERE shop_id = ${shopId} AND id = ${id} RETURNING *`);
      return row!;
    });
    return { before: this.view(before), after: this.view(after) };
  }

  /** The config is deleted in WeCom (the printed code stops working); the row stays for its statistics. */
  async remove(shopId: string, id: string) {
    const before = await this.row(shopId, id);
    const corp = await this.corps.requireCorp(shopId);
    try {
      await this.corps.client(corp).delContactWay(before.config_id);
    } catch (err) {
      // Already gone in WeCom (deleted in its console) is what we wanted.
      if (!(err instanceof WeComApiError && err.errcode === 41044)) this.vendorError(err);
    }
    await this.p.database.transaction((tx) => tx.execute(sql`UPDATE wecom_channel_codes SET deleted_at = now(), updated_at = now() WHERE shop_id = ${shopId} AND id = ${id}`));
    return this.view(before);
  }

  private async row(shopId: string, id: string, opts: { deletedToo?: boolean } = {}): Promise<CodeRow> {
    const [r] = await rows<CodeRow>(this.p.db, sql`
      SELECT * FROM wecom_channel_codes WHERE shop_id = ${shopId} AND id = ${id} ${opts.deletedToo ? sql`` : sql`AND deleted_at IS NULL`}`);
    if (!r) throw notFound('Channel code', { field: 'id' });
    return r;
  }

  view(r: CodeRow) {
    return {
      id: r.id, name: r.name, state: r.state, configId: r.config_id, qrCode: r.qr_code, mode: r.mode, users: r.users, schedules: r.schedules,
      backupUserid: r.backup_userid, currentUsers: r.current_users, tagIds: r.tag_ids, skipVerify: r.skip_verify,
      welcome: r.welcome ? { text: r.welcome.text, couponTemplateId: r.welcome.couponTemplateId, miniprogram: r.welcome.miniprogram } : null,
      createdAt: r.created_at, updatedAt: r.updated_at,
    };
  }

  async get(shopId: string, id: string) {
    return this.view(await this.row(shopId, id));
  }

  async list(shopId: string) {
    const list = await rows<CodeRow>(this.p.db, sql`SELECT * FROM wecom_channel_codes WHERE shop_id = ${shopId} AND deleted_at IS NULL ORDER BY created_at DESC`);
    return { items: list.map((r) => this.view(r)) };
  }

  /** The code a contact came through, by the `state` WeCom passes back (deleted codes still count their adds). */
  async byState(shopId: string, state: string | null | undefined, db: Db = this.p.db) {
    if (!state) return null;
    const [r] = await rows<CodeRow>(db, sql`SELECT * FROM wecom_channel_codes WHERE shop_id = ${shopId} AND state = ${state}`);
    return r ?? null;
  }

  /** The welcome message of a code, ready for send_welcome_msg (no lookup beyond the code itself). */
  welcomeOf(code: CodeRow): { text: string; attachments: WelcomeAttachment[] } | null {
    const w = code.welcome;
    if (!w) return null;
    const attachments: WelcomeAttachment[] = [];
    if (w.couponTemplateId && w.couponPath) {
      attachments.push({ msgtype: 'link', link: { title: w.couponTitle ?? '优惠券', desc: '点击领取', url: `${this.p.publicUrl()}${w.couponPath}` } });
    }
    if (w.miniprogram) {
      attachments.push({ msgtype: 'miniprogram', miniprogram: { title: w.miniprogram.title, pic_media_id: w.miniprogram.picMediaId, appid: w.miniprogram.appid, page: w.miniprogram.page } });
    }
    return { text: w.text, attachments };
  }

  /**
   * After the welcome: the code's tags go on the relation in WeCom (mark_tag) and in Siyu, and the
   * welcome's coupon goes to the linked customer (once per relation, whatever retries happen).
   */
  async applyToNewContact(shopId: string, code: CodeRow, relation: { id: string; staff_userid: string; external_userid: string }, customerId: string | null) {
    if (code.tag_ids.length) {
      const corp = await this.corps.requireCorp(shopId);
      await this.corps.client(corp).markTag({ userid: relation.staff_userid, externalUserId: relation.external_userid, add: code.tag_ids, remove: [] });
      await this.relations.applyTags(shopId, relation.id, code.tag_ids, []);
    }
    const templateId = code.welcome?.couponTemplateId;
    if (!templateId || !customerId) return;
    try {
      await this.p.database.transaction((tx) => this.coupons.issue(tx, shopId, templateId, customerId, { source: 'issue', sourceRef: `wecom:${code.id}`, claimKey: `wecom-welcome:${relation.id}` }));
    } catch (err) {
      // Sold out, limit reached, already given for this relation: the welcome stands without it.
      if (!(err instanceof AppError && err.status < 500)) throw err;
      this.p.log.info({ shopId, codeId: code.id, code: err.code }, 'channel code coupon not issued');
    }
  }

  /**
   * The schedule job: every code whose members should change now (a schedule began or ended, someone
   * left) is moved in WeCom with update_contact_way, then recorded.
   */
  async rotate(shopId?: string) {
    // The clock only matters to codes with schedules; a shop whose staff changed has all its codes looked at.
    const codes = await rows<CodeRow>(this.p.db, sql`
      SELECT * FROM wecom_channel_codes WHERE deleted_at IS NULL ${shopId ? sql`AND shop_id = ${shopId}` : sql`AND jsonb_array_length(schedules) > 0`} ORDER BY shop_id`);
    let moved = 0;
    for (const c of codes) {
      const input = { mode: c.mode, users: c.users, schedules: c.schedules, backupUserid: c.backup_userid };
      const available = await this.staff.available(c.shop_id, this.everyone(input));
      const want = membersAt(input, this.p.now(), available);
      if (want.length === c.current_users.length && want.every((u, i) => u === c.current_users[i])) continue;
      const corp = await this.corps.corp(c.shop_id);
      if (!corp) continue;
      try {
        await this.corps.client(corp).updateContactWay({ configId: c.config_id, user: want });
      } catch (err) {
        this.p.log.warn({ err, codeId: c.id }, 'channel code members could not be moved');
        continue;
      }
      await this.p.database.transaction((tx) => tx.execute(sql`UPDATE wecom_channel_codes SET current_users = ${pgArray(want)}::text[], updated_at = now() WHERE id = ${c.id}`));
      moved++;
    }
    return moved;
  }

  /** Adds, deletions, and what the customers added through the code bought afterwards. */
  /** Also for a deleted code: its customers' purchases still count. */
  async stats(shopId: string, id: string) {
    const code = await this.row(shopId, id, { deletedToo: true });
    const [h] = await rows<{ adds: number; deletions: number; deleted_by_staff: number; deleted_by_customer: number }>(this.p.db, sql`
      SELECT count(*) FILTER (WHERE kind = 'added')::int AS adds, count(*) FILTER (WHERE kind IN ('deleted_by_staff', 'deleted_by_customer'))::int AS deletions,
        count(*) FILTER (WHERE kind = 'deleted_by_staff')::int AS deleted_by_staff, count(*) FILTER (WHERE kind = 'deleted_by_customer')::int AS deleted_by_customer
      FROM wecom_relation_history WHERE shop_id = ${shopId} AND channel_code_id = ${id}`);
    const [r] = await rows<{ active: number; linked: number }>(this.p.db, sql`
      SELECT count(*) FILTER (WHERE r.status = 'active')::int AS active, count(DISTINCT c.customer_id)::int AS linked
      FROM wecom_relations r LEFT JOIN wecom_contacts c ON c.shop_id = r.shop_id AND c.external_userid = r.external_userid
      WHERE r.shop_id = ${shopId} AND r.channel_code_id = ${id}`);
    const [o] = await rows<{ buyers: number; first_orders: number; orders: number; revenue: string }>(this.p.db, sql`
      SELECT count(*)::int AS buyers, count(*) FILTER (WHERE new_buyer)::int AS first_orders, coalesce(sum(orders), 0)::int AS orders, coalesce(sum(revenue_fen), 0)::text AS revenue
      FROM wecom_code_conversions WHERE shop_id = ${shopId} AND channel_code_id = ${id}`);
    return {
      id: code.id, name: code.name, state: code.state, deleted: code.deleted_at !== null,
      adds: h!.adds, deletions: h!.deletions, deletedByStaff: h!.deleted_by_staff, deletedByCustomer: h!.deleted_by_customer,
      activeContacts: r!.active, linkedCustomers: r!.linked, buyers: o!.buyers, firstOrders: o!.first_orders, orders: o!.orders, revenueFen: Number(o!.revenue),
    };
  }
}

export type { CodeRow as ChannelCodeRow };
