import { and, count, eq, inArray, isNull } from 'drizzle-orm';
import type { Actor, Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { AppError, notFound, unprocessable } from '../../platform/errors.js';
import type { CouponService } from './coupon-service.js';
import { couponLabel } from './labels.js';
import { couponGiftRules, couponPacks, couponTemplates, coupons, type PackItem } from './schema.js';

type GiftKind = 'new_customer' | 'pay';

/**
 * Coupon packs (券包) and the gifts that hand them out: 新客有礼 on a customer's first registration and
 * 支付有礼 after a qualifying payment. A gift is given once per cause (registration, order), however
 * often the event is delivered; a coupon the pack cannot give (sold out, limit) is skipped, not retried.
 */
export class GiftService {
  constructor(
    private p: Platform,
    private coupons: CouponService,
  ) {}

  async listPacks(shopId: string) {
    const list = await this.p.db.select().from(couponPacks).where(and(eq(couponPacks.shopId, shopId), isNull(couponPacks.deletedAt))).orderBy(couponPacks.createdAt);
    const templates = await this.p.db.select().from(couponTemplates).where(eq(couponTemplates.shopId, shopId));
    const byId = new Map(templates.map((t) => [t.id, t]));
    return {
      items: list.map((pk) => ({
        id: pk.id,
        name: pk.name,
        items: pk.items.map((i) => {
          const t = byId.get(i.templateId);
          // The label's fields go along so the console can say it in its own language.
          const fields = t ? { kind: t.kind, thresholdFen: t.thresholdFen, amountOffFen: t.amountOffFen, percentPaid: t.percentPaid, maxDiscountFen: t.maxDiscountFen } : null;
          return { ...i, name: t?.name ?? '', label: t ? couponLabel(t) : '', labelFields: fields };
        }),
        createdAt: pk.createdAt.toISOString(),
      })),
    };
  }

  async savePack(actor: Actor, id: string | null, input: { name: string; items: PackItem[] }) {
    return this.p.database.transaction(async (tx) => {
      const [before] = id ? await tx.select().from(couponPacks).where(and(eq(couponPacks.id, id), eq(couponPacks.shopId, actor.shopId), isNull(couponPacks.deletedAt))) : [null];
      if (id && !before) throw notFound('Coupon pack', { field: 'id' });
      const known = await this.coupons.existingTemplateIds(tx, actor.shopId, input.items.map((i) => i.templateId));
      const bad = input.items.findIndex((i) => !known.has(i.templateId));
      if (bad >= 0) throw unprocessable('COUPON_NOT_FOUND', 'No such coupon in this shop', { field: `items.${bad}.templateId` });
      if (id) {
        const [after] = await tx.update(couponPacks).set({ name: input.name, items: input.items, updatedAt: new Date() }).where(eq(couponPacks.id, id)).returning();
        return { before, after };
      }
      const [after] = await tx.insert(couponPacks).values({ shopId: actor.shopId, name: input.name, items: input.items }).returning();
      return { before: null, after };
    });
  }

  /** Which of `ids` are live packs of the shop (other modules name packs, e.g. a level's monthly pack). */
  async existingPackIds(db: Db, shopId: string, ids: string[]): Promise<Set<string>> {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return new Set();
    const list = await db.select({ id: couponPacks.id }).from(couponPacks).where(and(eq(couponPacks.shopId, shopId), inArray(couponPacks.id, wanted), isNull(couponPacks.deletedAt)));
    return new Set(list.map((r) => r.id));
  }

  async deletePack(actor: Actor, id: string) {
    return this.p.database.transaction(async (tx) => {
      const [before] = await tx.select().from(couponPacks).where(and(eq(couponPacks.id, id), eq(couponPacks.shopId, actor.shopId), isNull(couponPacks.deletedAt)));
      if (!before) throw notFound('Coupon pack', { field: 'id' });
      await tx.update(couponPacks).set({ deletedAt: new Date() }).where(eq(couponPacks.id, id));
      await tx.update(couponGiftRules).set({ enabled: false, packId: null, updatedAt: new Date() }).where(and(eq(couponGiftRules.shopId, actor.shopId), eq(couponGiftRules.packId, id)));
      return before;
    });
  }

  async rules(shopId: string) {
    const list = await this.p.db.select().from(couponGiftRules).where(eq(couponGiftRules.shopId, shopId));
    const given = async (source: 'new_customer' | 'pay_gift') => {
      const [{ n }] = await this.p.db.select({ n: count() }).from(coupons).where(and(eq(coupons.shopId, shopId), eq(coupons.source, source)));
      return Number(n);
    };
    const view = async (kind: GiftKind) => {
      const r = list.find((x) => x.kind === kind);
      return { enabled: r?.enabled ?? false, packId: r?.packId ?? null, minPaidFen: r?.minPaidFen ?? 0, given: await given(kind === 'pay' ? 'pay_gift' : 'new_customer') };
    };
    return { new_customer: await view('new_customer'), pay: await view('pay') };
  }

  async saveRule(actor: Actor, kind: GiftKind, input: { enabled: boolean; packId: string | null; minPaidFen: number }) {
    if (input.enabled && !input.packId) throw unprocessable('PACK_REQUIRED', 'Choose a coupon pack to give', { field: 'packId' });
    return this.p.database.transaction(async (tx) => {
      if (input.packId) {
        const [pack] = await tx.select({ id: couponPacks.id }).from(couponPacks).where(and(eq(couponPacks.id, input.packId), eq(couponPacks.shopId, actor.shopId), isNull(couponPacks.deletedAt)));
        if (!pack) throw notFound('Coupon pack', { field: 'packId' });
      }
      const [before] = await tx.select().from(couponGiftRules).where(and(eq(couponGiftRules.shopId, actor.shopId), eq(couponGiftRules.kind, kind)));
      const values = { enabled: input.enabled, packId: input.packId, minPaidFen: kind === 'pay' ? input.minPaidFen : 0, updatedAt: new Date() };
      const [after] = await tx
        .insert(couponGiftRules)
        .values({ shopId: actor.shopId, kind, ...values })
        .onConflictDoUpdate({ target: [couponGiftRules.shopId, couponGiftRules.kind], set: values })
        .returning();
      return { before: before ?? null, after };
    });
  }

  /** Gives the rule's pack for one cause (`ref`: the customer for 新客, the order for 支付有礼), inside the event's transaction. */
  async give(tx: Db, shopId: string, kind: GiftKind, customerId: string, ref: string, paidFen = 0): Promise<number> {
    const [rule] = await tx.select().from(couponGiftRules).where(and(eq(couponGiftRules.shopId, shopId), eq(couponGiftRules.kind, kind)));
    if (!rule?.enabled || !rule.packId) return 0;
    if (kind === 'pay' && paidFen < rule.minPaidFen) return 0;
    return this.givePack(tx, shopId, rule.packId, customerId, kind === 'pay' ? 'pay_gift' : 'new_customer', ref);
  }

  /**
   * Gives every coupon of a pack to a customer once per `ref` (a member level's monthly pack uses
   * `level:<month>`). A coupon that cannot be given (sold out, limit reached) is skipped, not retried.
   */
  async givePack(tx: Db, shopId: string, packId: string, customerId: string, source: 'new_customer' | 'pay_gift' | 'pack', ref: string): Promise<number> {
    const [pack] = await tx.select().from(couponPacks).where(and(eq(couponPacks.id, packId), eq(couponPacks.shopId, shopId), isNull(couponPacks.deletedAt)));
    if (!pack) return 0;
    let given = 0;
    for (const item of pack.items) {
      for (let k = 0; k < item.quantity; k++) {
        const sourceRef = `${ref}#${k}`;
        // A savepoint per coupon: one that cannot be given (sold out, limit reached) must not undo the others.
        try {
          await tx.transaction(async (sp) => {
            const [already] = await sp.select({ id: coupons.id }).from(coupons).where(and(eq(coupons.templateId, item.templateId), eq(coupons.customerId, customerId), eq(coupons.source, source), eq(coupons.sourceRef, sourceRef)));
            if (already) return;
            await this.coupons.issue(sp, shopId, item.templateId, customerId, { source, sourceRef });
            given++;
          });
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          this.p.log.info({ shopId, customerId, templateId: item.templateId, code: err.code }, 'pack coupon skipped');
        }
      }
    }
    return given;
  }
}
