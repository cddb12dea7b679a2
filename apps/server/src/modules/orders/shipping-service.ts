import { and, eq, ne } from 'drizzle-orm';
import { canonicalProvince, regionProblem } from '@siyu/contracts/regions';
import type { Actor, Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { conflict, notFound, unprocessable } from '../../platform/errors.js';
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
  /** With a region, the street part; without, the whole address (as points were saved before the picker). */
  address: string;
  province?: string | null;
  city?: string | null;
  district?: string | null;
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

  /** Checks the rules and names every province in full, so templates and addresses name places alike. */
  private validateRules(input: ShippingTemplateInput): ShippingTemplateInput {
    const full = (names: string[], field: string) =>
      names.map((n) => {
        const name = canonicalProvince(n);
        if (!name) throw unprocessable('REGION_UNKNOWN', `${n} is not a province`, { field, region: n });
        return name;
      });
    const seen = new Set<string>();
    const rules = input.rules.map((r, i) => {
      const regions = full(r.regions, `rules.${i}.regions`);
      for (const region of regions) {
        if (seen.has(region)) throw conflict('SHIPPING_REGION_DUPLICATE', `${region} appears in two rules`, { field: `rules.${i}.regions` });
        seen.add(region);
      }
      return { ...r, regions };
    });
    if (!input.rules.some((r) => r.regions.length === 0) && input.rules.length === 0) {
      throw conflict('SHIPPING_RULES_EMPTY', 'A template needs at least one rule', { field: 'rules' });
    }
    return { ...input, rules, excludedRegions: full(input.excludedRegions, 'excludedRegions') };
  }

  async createTemplate(actor: Actor, raw: ShippingTemplateInput) {
    const input = this.validateRules(raw);
    return this.p.database.transaction(async (tx) => {
      if (input.isDefault) await tx.update(shippingTemplates).set({ isDefault: false }).where(eq(shippingTemplates.shopId, actor.shopId));
      const [row] = await tx.insert(shippingTemplates).values({ ...input, shopId: actor.shopId }).returning();
      return row;
    });
  }

  async updateTemplate(actor: Actor, id: string, raw: ShippingTemplateInput) {
    const input = this.validateRules(raw);
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
    return this.p.database.transaction(async (tx) => {
      const before = await this.getTemplate(actor.shopId, id, tx);
      await tx.delete(shippingTemplates).where(and(eq(shippingTemplates.id, id), eq(shippingTemplates.shopId, actor.shopId)));
      return before;
    });
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
    const [row] = await this.p.database.transaction((tx) => tx.insert(pickupPoints).values({ ...input, ...placeOf(input), shopId: actor.shopId }).returning());
    return row;
  }

  async updatePickupPoint(actor: Actor, id: string, input: Partial<PickupPointInput>) {
    const before = await this.getPickupPoint(actor.shopId, id);
    const place = 'address' in input || 'province' in input || 'city' in input || 'district' in input;
    // A change of street alone keeps the region; a point saved before the picker has its whole address as the street.
    const merged = { address: before.street ?? before.address, province: before.province, city: before.city, district: before.district, ...input };
    const patch = { ...input, ...(place ? placeOf(merged as PickupPointInput) : {}), updatedAt: new Date() };
    const [after] = await this.p.database.transaction((tx) => tx.update(pickupPoints).set(patch).where(and(eq(pickupPoints.id, id), eq(pickupPoints.shopId, actor.shopId))).returning());
    return { before, after };
  }
}

/**
 * Where a pickup point is, as stored: with a region, the three names (a real combination) and the street
 * apart, and `address` composed from them — what orders copy and customers read; without, the address as typed.
 */
function placeOf(input: PickupPointInput) {
  const region = [input.province, input.city, input.district];
  if (region.every((v) => !v)) return { address: input.address, street: null, province: null, city: null, district: null };
  const [province, city, district] = region.map((v) => v ?? '');
  const wrong = regionProblem(province, city, district);
  if (wrong) throw unprocessable('REGION_INVALID', 'Province, city and district are not one real place', { field: wrong });
  return { address: `${province}${city === province ? '' : city}${district}${input.address}`, street: input.address, province, city, district };
}
