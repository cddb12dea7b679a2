import { z } from 'zod';

export const BARGAIN_BUY_MODES = ['floor_only', 'current_price'] as const;
export type BargainBuyMode = (typeof BARGAIN_BUY_MODES)[number];

/**
 * POST /api/admin/bargains: a 砍价 activity on one SKU. The start price defaults to the SKU's price; each
 * cut is at least ¥0.01, so helpersNeeded ≤ start − floor in fen (checked by the server: 422
 * BARGAIN_FLOOR_NOT_BELOW_START, BARGAIN_TOO_MANY_HELPERS, BARGAIN_START_ABOVE_PRICE).
 */
export const BargainBody = z
  .object({
    name: z.string().trim().min(1).max(60),
    productId: z.uuid(),
    skuId: z.uuid(),
    startsAt: z.coerce.date(),
    endsAt: z.coerce.date(),
    startPriceFen: z.number().int().min(1).max(100_000_000).optional(),
    floorPriceFen: z.number().int().min(0).max(100_000_000),
    /** Helps that bring the price to the floor (the launcher does not cut). */
    helpersNeeded: z.number().int().min(1).max(1000),
    /** How long a launch lasts (it never outlives the activity). */
    launchHours: z.number().int().min(1).max(720).default(24),
    /** Buy only at the floor, or at whatever the price has come down to. */
    buyMode: z.enum(BARGAIN_BUY_MODES).default('current_price'),
    /** Helps one customer may give per day across all launches of the shop. */
    helpsPerHelperPerDay: z.number().int().min(1).max(100).default(3),
    launchesPerCustomer: z.number().int().min(1).max(100).default(1),
    /** Activity quota: units sold through bargains (counted at order). */
    stock: z.number().int().min(1).max(1_000_000),
    /** Share of the whole cut the first helper takes, percent [min, max]. */
    firstCutPct: z.tuple([z.number().int().min(1).max(90), z.number().int().min(1).max(90)]).default([30, 50]),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.endsAt <= v.startsAt) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after the start' });
    if (v.firstCutPct[0] > v.firstCutPct[1]) ctx.addIssue({ code: 'custom', path: ['firstCutPct'], message: 'min must not exceed max' });
  });
export type BargainInput = z.infer<typeof BargainBody>;

export type BargainStatus = 'upcoming' | 'active' | 'ended';
export type BargainLaunchStatus = 'ongoing' | 'succeeded' | 'expired' | 'ordered';

export interface BargainView {
  id: string;
  name: string;
  productId: string;
  productTitle: string;
  imageUrl: string | null;
  skuId: string;
  specText: string;
  status: BargainStatus;
  startsAt: string;
  endsAt: string;
  startPriceFen: number;
  floorPriceFen: number;
  helpersNeeded: number;
  launchHours: number;
  buyMode: BargainBuyMode;
  helpsPerHelperPerDay: number;
  launchesPerCustomer: number;
  stock: number;
  /** Units ordered through the activity (unpaid orders included until cancelled). */
  sold: number;
  firstCutPct: [number, number];
}

export interface BargainLaunchView {
  id: string;
  bargainId: string;
  productId: string;
  skuId: string;
  productTitle: string;
  specText: string;
  imageUrl: string | null;
  launcher: { nickname: string; avatarUrl: string | null };
  startPriceFen: number;
  floorPriceFen: number;
  currentPriceFen: number;
  helpersNeeded: number;
  helpsCount: number;
  status: BargainLaunchStatus;
  expiresAt: string;
  buyMode: BargainBuyMode;
  /** The signed-in launcher may check out now (`bargainLaunchId` on POST /orders). */
  canBuy: boolean;
  helps: { nickname: string; avatarUrl: string | null; cutFen: number; at: string }[];
  mine: boolean;
  helpedByMe: boolean;
  /** The launcher's order of it (only to the launcher). */
  orderId: string | null;
  serverTime: string;
}
