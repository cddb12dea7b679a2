import { and, desc, eq } from 'drizzle-orm';
import type { Actor, Platform } from '../../platform/context.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { CustomersService } from '../customers/service.js';
import type { OrderService } from '../orders/service.js';
import type { GroupService } from '../tags/group-service.js';
import type { CouponService } from './coupon-service.js';
import { couponBatches, coupons, type BatchFailure } from './schema.js';

export const ISSUE_QUEUE = 'promotions.issue-batch';
const PROGRESS_EVERY = 50;
const MAX_FAILURES_KEPT = 5_000;

type Target = typeof couponBatches.$inferSelect['target'];

const SEGMENT_TEXT = { all_customers: '全部客户', never_ordered: '未下单客户', ordered: '已下单客户' } as const;
const REASONS: Record<string, string> = {
  COUPON_SOLD_OUT: '券已发完',
  COUPON_LIMIT_REACHED: '已达每人限领',
  COUPON_NEW_CUSTOMERS_ONLY: '仅限新客',
  COUPON_PAUSED: '券已暂停',
  COUPON_ENDED: '券已结束',
};

/**
 * 定向发券: issuing a coupon to a list of phones, customers or a segment, as a job with progress the
 * console shows as a bar. Each coupon is its own small transaction keyed by the batch, so a retried
 * job continues where the crash left it and never issues twice.
 */
export class CouponBatchService {
  constructor(
    private p: Platform,
    private coupons: CouponService,
    private customers: CustomersService,
    private orders: OrderService,
    private groups: GroupService,
  ) {}

  async start(actor: Actor, templateId: string, input: { target: Target; quantityEach: number }) {
    const template = await this.coupons.template(this.p.db, actor.shopId, templateId);
    if (template.status !== 'active') throw new AppError(409, template.status === 'paused' ? 'COUPON_PAUSED' : 'COUPON_ENDED', 'Only an active coupon can be issued', { field: 'templateId' });
    const target: Target = input.target.type === 'phones' ? { type: 'phones', phones: [...new Set(input.target.phones)] } : input.target.type === 'customers' ? { type: 'customers', customerIds: [...new Set(input.target.customerIds)] } : input.target;
    const targetText =
      target.type === 'phones' ? `${target.phones.length} 个手机号`
      : target.type === 'customers' ? `${target.customerIds.length} 位客户`
      : target.type === 'group' ? `分组:${(await this.groups.get(actor.shopId, target.groupId).catch(() => { throw notFound('Group', { field: 'target.groupId' }); })).name}`
      : SEGMENT_TEXT[target.segment];
    const batch = await this.p.database.transaction(async (tx) => {
      const [row] = await tx.insert(couponBatches).values({ shopId: actor.shopId, templateId, target, targetText, quantityEach: input.quantityEach, createdBy: actor.type === 'staff' ? actor.id : null }).returning();
      await this.p.jobs.send(ISSUE_QUEUE, { batchId: row.id }, { tx, singletonKey: row.id });
      return row;
    });
    return this.view(batch);
  }

  async run(batchId: string) {
    const [batch] = await this.p.db.select().from(couponBatches).where(eq(couponBatches.id, batchId));
    if (!batch || batch.status === 'done' || batch.status === 'failed') return;
    const refs = await this.resolve(batch.shopId, batch.target);
    const total = refs.length * batch.quantityEach;
    await this.p.db.update(couponBatches).set({ status: 'running', total }).where(eq(couponBatches.id, batchId));
    const counts = { processed: 0, issued: 0, skipped: 0 };
    const failures: BatchFailure[] = [];
    for (const r of refs) {
      for (let k = 0; k < batch.quantityEach; k++) {
        counts.processed++;
        if (!r.customerId) {
          counts.skipped++;
          if (failures.length < MAX_FAILURES_KEPT) failures.push({ ref: r.ref, reason: '不是本店客户' });
          continue;
        }
        const sourceRef = `${batchId}#${k}`;
        const done = await this.p.database.transaction(async (tx) => {
          const [already] = await tx.select({ id: coupons.id }).from(coupons).where(and(eq(coupons.templateId, batch.templateId), eq(coupons.customerId, r.customerId!), eq(coupons.source, 'issue'), eq(coupons.sourceRef, sourceRef)));
          if (already) return 'issued' as const;
          await this.coupons.issue(tx, batch.shopId, batch.templateId, r.customerId!, { source: 'issue', sourceRef });
          return 'issued' as const;
        }).catch((err: unknown) => {
          if (err instanceof AppError) return err.code;
          throw err;
        });
        if (done === 'issued') counts.issued++;
        else {
          counts.skipped++;
          if (failures.length < MAX_FAILURES_KEPT) failures.push({ ref: r.ref, reason: REASONS[done] ?? done });
        }
        if (counts.processed % PROGRESS_EVERY === 0) await this.p.db.update(couponBatches).set({ ...counts, failures }).where(eq(couponBatches.id, batchId));
      }
    }
    await this.p.db.update(couponBatches).set({ ...counts, failures, status: 'done', finishedAt: this.p.now() }).where(eq(couponBatches.id, batchId));
  }

  async markFailed(batchId: string, message: string) {
    await this.p.db.update(couponBatches).set({ status: 'failed', finishedAt: this.p.now(), failures: [{ ref: '-', reason: message.slice(0, 200) }] }).where(eq(couponBatches.id, batchId));
  }

  async get(shopId: string, id: string) {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('Batch', { field: 'id' });
    const [row] = await this.p.db.select().from(couponBatches).where(and(eq(couponBatches.shopId, shopId), eq(couponBatches.id, id)));
    if (!row) throw notFound('Batch', { field: 'id' });
    return this.view(row);
  }

  async list(shopId: string, templateId: string) {
    await this.coupons.template(this.p.db, shopId, templateId);
    const list = await this.p.db.select().from(couponBatches).where(and(eq(couponBatches.shopId, shopId), eq(couponBatches.templateId, templateId))).orderBy(desc(couponBatches.createdAt)).limit(50);
    return { items: list.map((b) => this.view(b)) };
  }

  /** The people a target names: phones become this shop's customers (or a failure row when unknown). */
  private async resolve(shopId: string, target: Target): Promise<{ ref: string; customerId: string | null }[]> {
    if (target.type === 'phones') {
      const ids = await this.customers.idsByPhones(shopId, target.phones);
      return target.phones.map((phone) => ({ ref: phone, customerId: ids.get(phone) ?? null }));
    }
    if (target.type === 'customers') {
      const known = await this.customers.existingIds(shopId, target.customerIds);
      return target.customerIds.map((id) => ({ ref: id, customerId: known.has(id) ? id : null }));
    }
    if (target.type === 'group') return (await this.groups.allMemberIds(shopId, target.groupId)).map((id) => ({ ref: id, customerId: id }));
    const ids = target.segment === 'all_customers' ? await this.customers.allIds(shopId) : await this.orders.customerIdsByOrdering(shopId, target.segment === 'ordered');
    return ids.map((id) => ({ ref: id, customerId: id }));
  }

  private view(b: typeof couponBatches.$inferSelect) {
    return {
      id: b.id,
      templateId: b.templateId,
      status: b.status,
      target: b.targetText,
      total: b.total,
      processed: b.processed,
      issued: b.issued,
      skipped: b.skipped,
      failures: b.failures,
      createdAt: b.createdAt.toISOString(),
      finishedAt: b.finishedAt?.toISOString() ?? null,
    };
  }
}
