import { randomUUID } from 'node:crypto';
import type { WecomReminderBody, WecomReminderQuery, WecomReminderRuleBody, WecomTodoPatch } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { pgArray } from '../../platform/db/prepared.js';
import { rows, sql, type Db } from '../../platform/db/index.js';
import { AppError, notFound, unprocessable } from '../../platform/errors.js';
import type { DomainEvent } from '../../platform/events/bus.js';
import type { CatalogService } from '../catalog/service.js';
import type { CategoryService } from '../catalog/categories.js';
import type { CustomersService } from '../customers/service.js';
import type { TenancyService } from '../../platform/tenancy/service.js';
import { WeComApiError } from './client/wecom-client.js';
import type { WecomCorps } from './corps.js';

export const REMINDER_QUEUE = 'wecom.reminder-send';
/** A reminder claimed this long ago and still not recorded sent: its job died, send again (WeCom's duplicate check drops a repeat). */
const STALE_SENDING_MS = 15 * 60_000;
/** WeCom drops an app message identical to one sent within this window (enable_duplicate_check, at most 4 h). */
export const DUPLICATE_CHECK_S = 4 * 3600;
const MAX_ATTEMPTS = 5;
const DAY_MS = 86_400_000;
const SHOP_OFFSET_MS = 8 * 3600_000;

type RuleRow = {
  id: string; shop_id: string; name: string; event: string; category_ids: string[]; delay_days: number; title: string; text: string;
  enabled: boolean; created_at: Date; updated_at: Date;
};
type ReminderRow = {
  id: string; shop_id: string; source_key: string; rule_id: string | null; customer_id: string | null; external_userid: string | null;
  title: string; text: string; vars: Record<string, string>; due_at: Date; status: string; attempts: number; claimed_at: Date | null;
  staff_userid: string | null; relation_id: string | null; msgid: string | null; skip_reason: string | null; error: string | null;
  sent_at: Date | null; todo: string | null; snoozed_until: Date | null; todo_at: Date | null; created_by: string; created_at: Date;
  contact_name?: string | null;
};

const ruleView = (r: RuleRow) => ({
  id: r.id, name: r.name, event: r.event, categoryIds: r.category_ids, delayDays: r.delay_days, title: r.title, text: r.text,
  enabled: r.enabled, createdAt: r.created_at, updatedAt: r.updated_at,
});

/** Fills {{name}}-style placeholders; an unknown or missing one becomes empty rather than showing braces to staff. */
export const render = (text: string, vars: Record<string, string>) => text.replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (_m, k: string) => vars[k] ?? '');
const shopDate = (d: Date) => new Date(d.getTime() + SHOP_OFFSET_MS).toISOString().slice(0, 10);

/**
 * Reminders for staff (提醒). One-off ones are set for a customer; rules make one per matching event
 * ("90 days after a paid order with lenses"). Either way the recipient is whoever serves the customer when
 * the reminder is due (the newest active relation), so a handover in between sends it to the taker. Due
 * reminders are claimed in a transaction and sent by a job; the row's status is the guard that makes each
 * one go out once, and a sent one becomes an open to-do of its recipient.
 */
export class WecomReminders {
  /** Time as reminders see it; tests move it forward to make months pass. */
  clock: () => Date = () => this.p.now();

  constructor(
    private p: Platform,
    private corps: WecomCorps,
    private d: { customers: CustomersService; catalog: CatalogService; categories: CategoryService; tenancy: TenancyService },
  ) {}

  // ── Rules ────────────────────────────────────────────────────────────────────────────────────────

  private async checkCategories(shopId: string, ids: string[]) {
    for (const [i, id] of ids.entries()) {
      try {
        await this.d.categories.get(shopId, id);
      } catch (err) {
        if (err instanceof AppError && err.status === 404) throw unprocessable('CATEGORY_NOT_FOUND', 'No such category', { field: `categoryIds.${i}` });
        throw err;
      }
    }
  }

  async rules(shopId: string) {
    const list = await rows<RuleRow>(this.p.db, sql`SELECT * FROM wecom_reminder_rules WHERE shop_id = ${shopId} AND deleted_at IS NULL ORDER BY created_at DESC`);
    return { items: list.map(ruleView) };
  }

  async rule(shopId: string, id: string, db: Db = this.p.db) {
    const [r] = await rows<RuleRow>(db, sql`SELECT * FROM wecom_reminder_rules WHERE shop_id = ${shopId} AND id = ${id} AND deleted_at IS NULL`);
    if (!r) throw notFound('Reminder rule', { field: 'id' });
    return ruleView(r);
  }

  async createRule(shopId: string, input: WecomReminderRuleBody) {
    await this.checkCategories(shopId, input.categoryIds);
    const [r] = await this.p.database.transaction((tx) =>
      rows<RuleRow>(tx, sql`
        INSERT INTO wecom_reminder_rules (shop_id, name, event, category_ids, delay_days, title, text, enabled)
        VALUES (${shopId}, ${input.name}, ${input.event}, ${pgArray(input.categoryIds)}::uuid[], ${input.delayDays}, ${input.title}, ${input.text}, ${input.enabled})
        RETURNING *`),
    );
    return ruleView(r!);
  }

  /** A changed rule applies to events from now on; reminders it already made keep their time and text. */
  async updateRule(shopId: string, id: string, input: WecomReminderRuleBody) {
    const before = await this.rule(shopId, id);
    await this.checkCategories(shopId, input.categoryIds);
    const [r] = await this.p.database.transaction((tx) =>
      rows<RuleRow>(tx, sql`
        UPDATE wecom_reminder_rules SET name = ${input.name}, event = ${input.event}, category_ids = ${pgArray(input.categoryIds)}::uuid[], delay_days = ${input.delayDays},
          title = ${input.title}, text = ${input.text}, enabled = ${input.enabled}, updated_at = now()
        WHERE shop_id = ${shopId} AND id = ${id} AND deleted_at IS NULL RETURNING *`),
    );
    if (!r) throw notFound('Reminder rule', { field: 'id' });
    return { before, after: ruleView(r) };
  }

  /** Deleting a rule cancels what it scheduled and has not sent; sent ones stay as their recipients' to-dos. */
  async removeRule(shopId: string, id: string) {
    const before = await this.rule(shopId, id);
    await this.p.database.transaction(async (tx) => {
      await tx.execute(sql`UPDATE wecom_reminder_rules SET deleted_at = now(), enabled = false WHERE shop_id = ${shopId} AND id = ${id}`);
      await tx.execute(sql`UPDATE wecom_reminders SET status = 'cancelled', skip_reason = 'rule_deleted' WHERE shop_id = ${shopId} AND rule_id = ${id} AND status = 'scheduled'`);
    });
    return before;
  }

  /**
   * order.paid: one reminder per enabled rule whose categories the order touches. The source key (rule +
   * order) makes a redelivered event a no-op.
   */
  async onOrderPaid(tx: Db, event: DomainEvent) {
    const shopId = event.shopId!;
    const rules = await rows<RuleRow>(tx, sql`SELECT * FROM wecom_reminder_rules WHERE shop_id = ${shopId} AND event = 'order.paid' AND enabled AND deleted_at IS NULL`);
    if (!rules.length) return 0;
    const e = event.payload as { orderId: string; orderNo: string; customerId: string; items: { productId: string }[] };
    const products: { id: string; title: string; categoryId: string | null }[] = [];
    for (const productId of new Set(e.items.map((i) => i.productId))) {
      try {
        const p = await this.d.catalog.detail(shopId, productId, tx);
        products.push({ id: p.id, title: p.title, categoryId: p.categoryId ?? null });
      } catch (err) {
        // A product deleted since the order was placed has no category to match.
        if (!(err instanceof AppError && err.status === 404)) throw err;
      }
    }
    const parents = new Map<string, string | null>();
    for (const c of products) {
      if (c.categoryId && !parents.has(c.categoryId)) parents.set(c.categoryId, (await this.d.categories.get(shopId, c.categoryId, tx).catch(() => null))?.parentId ?? null);
    }
    const paidAt = new Date(event.createdAt);
    let made = 0;
    for (const rule of rules) {
      const wanted = new Set(rule.category_ids);
      const hit = wanted.size
        ? products.find((x) => x.categoryId && (wanted.has(x.categoryId) || wanted.has(parents.get(x.categoryId) ?? '')))
        : products[0];
      if (!hit && wanted.size) continue;
      const vars = { orderNo: e.orderNo, product: hit?.title ?? '', paidDate: shopDate(paidAt) };
      const due = new Date(paidAt.getTime() + rule.delay_days * DAY_MS);
      const inserted = await rows<{ id: string }>(tx, sql`
        INSERT INTO wecom_reminders (shop_id, source_key, rule_id, customer_id, title, text, vars, due_at, created_by)
        VALUES (${shopId}, ${`rule:${rule.id}:order:${e.orderId}`}, ${rule.id}, ${e.customerId}, ${rule.title}, ${rule.text}, ${JSON.stringify(vars)}::jsonb,
          ${due.toISOString()}::timestamptz, ${`rule:${rule.name}`})
        ON CONFLICT (shop_id, source_key) DO NOTHING RETURNING id`);
      made += inserted.length;
    }
    return made;
  }

  // ── One-off reminders ────────────────────────────────────────────────────────────────────────────

  async create(shopId: string, input: WecomReminderBody, createdBy: string, db: Db = this.p.db) {
    if (input.customerId) await this.d.customers.getCustomer(shopId, input.customerId, db);
    if (input.externalUserid) {
      const [c] = await rows<{ external_userid: string }>(db, sql`SELECT external_userid FROM wecom_contacts WHERE shop_id = ${shopId} AND external_userid = ${input.externalUserid}`);
      if (!c) throw notFound('Contact', { field: 'externalUserid' });
    }
    const [r] = await this.p.database.transaction((tx) =>
      rows<ReminderRow>(tx, sql`
        INSERT INTO wecom_reminders (shop_id, source_key, customer_id, external_userid, title, text, due_at, created_by)
        VALUES (${shopId}, ${`manual:${randomUUID()}`}, ${input.customerId ?? null}::uuid, ${input.externalUserid ?? null}, ${input.title}, ${input.text},
          ${input.dueAt.toISOString()}::timestamptz, ${createdBy})
        RETURNING *`),
    );
    return this.view(r!);
  }

  async cancel(shopId: string, id: string) {
    const before = await this.get(shopId, id);
    const [r] = await this.p.database.transaction((tx) =>
      rows<ReminderRow>(tx, sql`UPDATE wecom_reminders SET status = 'cancelled', skip_reason = 'cancelled' WHERE shop_id = ${shopId} AND id = ${id} AND status = 'scheduled' RETURNING *`),
    );
    if (!r) throw unprocessable('WECOM_REMINDER_NOT_SCHEDULED', 'Only a reminder not sent yet can be cancelled', { field: 'id' });
    return { before, after: this.view(r) };
  }

  // ── Sending ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * Claims what is due (and what a dead job left claimed) and queues one send job each, in the same
   * transaction: a claimed reminder always has its job. Answers how many were queued.
   */
  async dispatchDue(limit = 200) {
    const now = this.clock();
    return this.p.database.transaction(async (tx) => {
      const claimed = await rows<{ id: string; attempts: number }>(tx, sql`
        UPDATE wecom_reminders SET status = 'sending', claimed_at = ${now.toISOString()}::timestamptz
        WHERE id IN (
          SELECT id FROM wecom_reminders
          WHERE (status = 'scheduled' AND due_at <= ${now.toISOString()}::timestamptz)
             OR (status = 'sending' AND claimed_at < ${new Date(now.getTime() - STALE_SENDING_MS).toISOString()}::timestamptz)
          ORDER BY due_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        RETURNING id, attempts`);
      for (const c of claimed) await this.p.jobs.send(REMINDER_QUEUE, { id: c.id }, { tx, singletonKey: `${c.id}:${c.attempts}` });
      return claimed.length;
    });
  }

  /** Whoever serves the customer now: the newest active relation of a member who has not left. */
  async ownerOf(shopId: string, r: { customer_id: string | null; external_userid: string | null }, db: Db = this.p.db) {
    const [o] = await rows<{ id: string; staff_userid: string; remark: string; contact_name: string | null; external_userid: string }>(db, sql`
      SELECT rel.id, rel.staff_userid, rel.remark, c.name AS contact_name, rel.external_userid FROM wecom_relations rel
      JOIN wecom_contacts c ON c.shop_id = rel.shop_id AND c.external_userid = rel.external_userid
      LEFT JOIN wecom_staff s ON s.shop_id = rel.shop_id AND s.userid = rel.staff_userid
      WHERE rel.shop_id = ${shopId} AND rel.status = 'active' AND coalesce(s.status, 1) <> 5
        AND (${r.customer_id ? sql`c.customer_id = ${r.customer_id}` : sql`false`} OR ${r.external_userid ? sql`rel.external_userid = ${r.external_userid}` : sql`false`})
      ORDER BY rel.added_at DESC, rel.id LIMIT 1`);
    return o ?? null;
  }

  private async finish(id: string, patch: { status: 'sent' | 'skipped' | 'failed'; staffUserid?: string | null; relationId?: string | null; msgid?: string; reason?: string; error?: string }) {
    await this.p.database.transaction((tx) =>
      tx.execute(sql`
        UPDATE wecom_reminders SET status = ${patch.status}, staff_userid = coalesce(${patch.staffUserid ?? null}::text, staff_userid),
          relation_id = coalesce(${patch.relationId ?? null}::uuid, relation_id), msgid = ${patch.msgid ?? null}, skip_reason = ${patch.reason ?? null}, error = ${patch.error ?? null},
          sent_at = CASE WHEN ${patch.status} = 'sent' THEN ${this.clock().toISOString()}::timestamptz END,
          todo = CASE WHEN ${patch.status} = 'sent' THEN 'open' END, todo_at = CASE WHEN ${patch.status} = 'sent' THEN ${this.clock().toISOString()}::timestamptz END
        WHERE id = ${id} AND status = 'sending'`),
    );
  }

  /**
   * The send job: the recipient is decided now; none (no active relation, the corp or its app not set up)
   * is a skip with its reason, not an error. WeCom refusing is recorded as failed; WeCom unreachable is
   * retried by the queue.
   */
  async deliver(id: string) {
    const [r] = await this.p.database.transaction((tx) =>
      rows<ReminderRow>(tx, sql`UPDATE wecom_reminders SET attempts = attempts + 1 WHERE id = ${id} AND status = 'sending' RETURNING *`),
    );
    if (!r) return 'not-due';
    const corp = await this.corps.corp(r.shop_id);
    if (!corp) return this.finish(id, { status: 'skipped', reason: 'wecom_not_connected' }).then(() => 'skipped');
    if (corp.agentId === null || !corp.agentSecret) return this.finish(id, { status: 'skipped', reason: 'wecom_app_missing' }).then(() => 'skipped');
    const owner = await this.ownerOf(r.shop_id, r);
    if (!owner) return this.finish(id, { status: 'skipped', reason: 'no_active_relation' }).then(() => 'skipped');

    const customer = r.customer_id ? (await this.d.customers.summaries(r.shop_id, [r.customer_id])).get(r.customer_id) : undefined;
    const vars = { ...r.vars, name: owner.remark || owner.contact_name || customer?.nickname || '客户' };
    const shop = await this.d.tenancy.getShop(r.shop_id);
    const url = `${this.p.publicUrl()}/s/${encodeURIComponent(shop.slug)}/wecom/sidebar?todo=${r.id}&external_userid=${encodeURIComponent(owner.external_userid)}`;
    try {
      const sent = await this.corps.client(corp, 'agent').sendAppTextcard({
        agentId: corp.agentId, touser: [owner.staff_userid], title: render(r.title, vars).slice(0, 40), description: render(r.text, vars), url, btntxt: '查看',
        duplicateCheckSeconds: DUPLICATE_CHECK_S,
      });
      if (sent.invalidUsers.includes(owner.staff_userid)) {
        await this.finish(id, { status: 'skipped', staffUserid: owner.staff_userid, relationId: owner.id, reason: 'staff_unavailable' });
        return 'skipped';
      }
      await this.finish(id, { status: 'sent', staffUserid: owner.staff_userid, relationId: owner.id, msgid: sent.msgId });
      return 'sent';
    } catch (err) {
      if (!(err instanceof WeComApiError)) throw err;
      if (err.transient && r.attempts < MAX_ATTEMPTS) throw err;
      // 81013: the member can no longer receive the app's messages (left, or outside its visible range).
      const status = err.errcode === 81013 ? 'skipped' : 'failed';
      await this.finish(id, { status, staffUserid: owner.staff_userid, relationId: owner.id, reason: status === 'skipped' ? 'staff_unavailable' : undefined, error: `${err.errcode} ${err.errmsg}` });
      return status;
    }
  }

  // ── Reading, to-dos ──────────────────────────────────────────────────────────────────────────────

  view(r: ReminderRow) {
    const now = this.clock();
    // A snoozed to-do whose time has come is open again, without a job to flip it.
    const todo = r.todo === 'snoozed' && r.snoozed_until && r.snoozed_until <= now ? 'open' : r.todo;
    return {
      id: r.id, ruleId: r.rule_id, customerId: r.customer_id, externalUserid: r.external_userid, name: r.contact_name ?? null,
      title: r.title, text: r.text, rendered: render(r.text, { ...r.vars, name: r.contact_name ?? '' }), dueAt: r.due_at, status: r.status,
      staffUserid: r.staff_userid, relationId: r.relation_id, skipReason: r.skip_reason, error: r.error, sentAt: r.sent_at,
      todo, snoozedUntil: todo === 'snoozed' ? r.snoozed_until : null, createdBy: r.created_by, createdAt: r.created_at,
    };
  }

  private from() {
    return sql`FROM wecom_reminders m LEFT JOIN wecom_relations rel ON rel.id = m.relation_id
      LEFT JOIN wecom_contacts c ON c.shop_id = m.shop_id AND c.external_userid = coalesce(rel.external_userid, m.external_userid)`;
  }

  async get(shopId: string, id: string, db: Db = this.p.db) {
    const [r] = await rows<ReminderRow>(db, sql`SELECT m.*, c.name AS contact_name ${this.from()} WHERE m.shop_id = ${shopId} AND m.id = ${id}`);
    if (!r) throw notFound('Reminder', { field: 'id' });
    return this.view(r);
  }

  async list(shopId: string, q: WecomReminderQuery) {
    const where = sql.join(
      [
        sql`m.shop_id = ${shopId}`,
        q.status ? sql`m.status = ${q.status}` : null,
        q.todo ? sql`m.todo = ${q.todo}` : null,
        q.staff ? sql`m.staff_userid = ${q.staff}` : null,
        q.customerId ? sql`m.customer_id = ${q.customerId}` : null,
        q.ruleId ? sql`m.rule_id = ${q.ruleId}` : null,
      ].filter((x) => x !== null),
      sql` AND `,
    );
    const [{ n }] = (await rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM wecom_reminders m WHERE ${where}`)) as [{ n: number }];
    const list = await rows<ReminderRow>(this.p.db, sql`
      SELECT m.*, c.name AS contact_name ${this.from()} WHERE ${where} ORDER BY m.due_at DESC, m.id LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`);
    return { items: list.map((r) => this.view(r)), total: n, page: q.page, pageSize: q.pageSize };
  }

  /** A member's to-do list: open (and snoozed) first by when they arrived, then the latest done. */
  async todos(shopId: string, staffUserid: string) {
    const list = await rows<ReminderRow>(this.p.db, sql`
      (SELECT m.*, c.name AS contact_name ${this.from()} WHERE m.shop_id = ${shopId} AND m.staff_userid = ${staffUserid} AND m.status = 'sent' AND m.todo IN ('open', 'snoozed')
        ORDER BY m.sent_at LIMIT 200)
      UNION ALL
      (SELECT m.*, c.name AS contact_name ${this.from()} WHERE m.shop_id = ${shopId} AND m.staff_userid = ${staffUserid} AND m.status = 'sent' AND m.todo = 'done'
        ORDER BY m.todo_at DESC LIMIT 20)`);
    const items = list.map((r) => this.view(r));
    return { open: items.filter((x) => x.todo === 'open'), snoozed: items.filter((x) => x.todo === 'snoozed'), done: items.filter((x) => x.todo === 'done') };
  }

  /** Reminders about one customer (or contact) that have not gone out yet. */
  async upcoming(shopId: string, customerId: string | null, externalUserid: string) {
    const list = await rows<ReminderRow>(this.p.db, sql`
      SELECT m.*, NULL AS contact_name FROM wecom_reminders m WHERE m.shop_id = ${shopId} AND m.status = 'scheduled'
        AND (m.external_userid = ${externalUserid} ${customerId ? sql`OR m.customer_id = ${customerId}` : sql``}) ORDER BY m.due_at LIMIT 50`);
    return list.map((r) => this.view(r));
  }

  /** Only the member a to-do was sent to marks it (404 for anyone else: another's to-do does not exist for them). */
  async setTodo(shopId: string, id: string, staffUserid: string | null, input: WecomTodoPatch) {
    const before = await this.get(shopId, id);
    if (before.status !== 'sent' || (staffUserid !== null && before.staffUserid !== staffUserid)) throw notFound('Reminder', { field: 'id' });
    await this.p.database.transaction((tx) =>
      tx.execute(sql`
        UPDATE wecom_reminders SET todo = ${input.todo}, snoozed_until = ${input.todo === 'snoozed' ? input.snoozedUntil!.toISOString() : null}::timestamptz,
          todo_at = ${this.clock().toISOString()}::timestamptz WHERE shop_id = ${shopId} AND id = ${id}`),
    );
    return { before, after: await this.get(shopId, id) };
  }

  /** Customers merged: their reminders follow the survivor. */
  async moveCustomer(tx: Db, shopId: string, fromId: string, intoId: string) {
    await tx.execute(sql`UPDATE wecom_reminders SET customer_id = ${intoId} WHERE shop_id = ${shopId} AND customer_id = ${fromId}`);
  }
}

/** The reminders' jobs and subscribers (called from the module's jobs.ts). */
export function registerReminderJobs(p: Platform, reminders: WecomReminders) {
  p.events.subscribe('order.paid', 'wecom.reminder-rules', async (event, tx) => {
    await reminders.onOrderPaid(tx, event);
  });
  // Reminders are day-grained; a minute late is on time, and one pass claims a batch for the workers.
  p.jobs.register('wecom.reminders-due', async () => {
    for (let i = 0; i < 20 && (await reminders.dispatchDue()) > 0; i++);
  });
  p.jobs.schedule('wecom.reminders-due', 60_000, 'wecom.reminders-due');
  p.jobs.register(REMINDER_QUEUE, async (j: { id: string }) => {
    await reminders.deliver(j.id);
  }, { backoffMs: 5_000 });
  p.events.subscribe('customer.merged', 'wecom.move-reminders', async (event, tx) => {
    const e = event.payload as { fromCustomerId: string; intoCustomerId: string };
    await reminders.moveCustomer(tx, event.shopId!, e.fromCustomerId, e.intoCustomerId);
  });
}
