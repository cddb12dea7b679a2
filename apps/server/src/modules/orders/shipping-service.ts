import { and, eq, ne } from 'drizzle-orm';
import type { Actor, Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { conflict, notFound } from '../../platform/errors.js';
import { pickupPoints, shippingTemplates } from './schema.js';
import type { ShippingRule } from './shipping.js';

export interface ShippingTemplateInput {
  name: string;
  chargeBy: 'piece' | 'weight';
  rules: ShippingRule[];
  freeOverFen: number | null;
  excludedRegions: string[];
  isDefault: boolean;
}

export interface PickupPointInput {
  name: string;
  address: string;
  phone?: string | null;
  hours?: string | null;
  active?: boolean;
}

/** 运费模板 and 自提点: how an order reaches the customer. */
export class ShippingService {
  constructor(private p: Platform) {}

  listTemplates(shopId: string) {
    return this.p.db.select().from(shippingTemplates).where(eq(shippingTemplates.shopId, shopId)).orderBy(shippingTemplates.createdAt);
  }

  async getTemplate(shopId: string, id: string, db: Db = this.p.db) {
    const [row] = await db.select().from(shippingTemplates).where(and(eq(shippingTemplates.id, id), eq(shippingTemplates.shopId, shopId)));
    if (!row) throw notFound('Shipping template', { field: 'id' });
    return row;
  }

  /** The template checkout uses: the shop's default one (none means free shipping). */
  async defaultTemplate(shopId: string, db: Db = this.p.db) {
    const [row] = await db.select().from(shippingTemplates).where(and(eq(shippingTemplates.shopId, shopId), eq(shippingTemplates.isDefault, true)));
    return row ?? null;
  }

  private validateRules(input: ShippingTemplateInput) {
    const seen = new Set<string>();
    input.rules.forEach((r, i) => {
      for (const region of r.regions) {
        if (seen.has(region)) throw conflict('SHIPPING_REGION_DUPLICATE', `${region} appears in two rules`, { field: `rules.${i}.regions` });
        seen.add(region);
      }
    });
    if (!input.rules.some((r) => r.regions.length === 0) && input.rules.length === 0) {
      throw conflict('SHIPPING_RULES_EMPTY', 'A template needs at least one rule', { field: 'rules' });
    }
  }

  async createTemplate(actor: Actor, input: ShippingTemplateInput) {
    this.validateRules(input);
    return this.p.database.transaction(async (tx) => {
      if (input.isDefault) await tx.update(shippingTemplates).set({ isDefault: false }).where(eq(shippingTemplates.shopId, actor.shopId));
      const [row] = await tx.insert(shippingTemplates).values({ ...input, shopId: actor.shopId }).returning();
      return row;
    });
  }

  async updateTemplate(actor: Actor, id: string, input: ShippingTemplateInput) {
    this.validateRules(input);
    return this.p.database.transaction(async (tx) => {
      const before = await this.getTemplate(actor.shopId, id, tx);
      if (input.isDefault) {
        await tx.update(shippingTemplates).set({ isDefault: false }).where(and(eq(shippingTemplates.shopId, actor.shopId), ne(shippingTemplates.id, id)));
      }
      const [after] = await tx.update(shippingTemplates).set({ ...input, updatedAt: new Date() }).where(eq(shippingTemplates.id, id)).returning();
      return { before, after };
    });
  }

  async deleteTemplate(actor: Actor, id: string) {
    const before = await this.getTemplate(actor.shopId, id);
    await this.p.db.delete(shippingTemplates).where(and(eq(shippingTemplates.id, id), eq(shippingTemplates.shopId, actor.shopId)));
    return before;
  }

  listPickupPoints(shopId: string, onlyActive = false) {
    const where = onlyActive ? and(eq(pickupPoints.shopId, shopId), eq(pickupPoints.active, true)) : eq(pickupPoints.shopId, shopId);
    return this.p.db.select().from(pickupPoints).where(where).orderBy(pickupPoints.createdAt);
  }

  async getPickupPoint(shopId: string, id: string, db: Db = this.p.db) {
    const [row] = await db.select().from(pickupPoints).where(and(eq(pickupPoints.id, id), eq(pickupPoints.shopId, shopId)));
    if (!row) throw notFound('Pickup point', { field: 'pickupPointId' });
    return row;
  }

  async createPickupPoint(actor: Actor, input: PickupPointInput) {
    const [row] = await this.p.db.insert(pickupPoints).values({ ...input, shopId: actor.shopId }).returning();
    return row;
  }

  async updatePickupPoint(actor: Actor, id: string, input: Partial<PickupPointInput>) {
    const before = await this.getPickupPoint(actor.shopId, id);
    const [after] = await this.p.db.update(pickupPoints).set({ ...input, updatedAt: new Date() }).where(and(eq(pickupPoints.id, id), eq(pickupPoints.shopId, actor.shopId))).returning();
    return { before, after };
  }
}
