import { z } from 'zod';
import { Page, Phone } from './common.js';

/** 分销 settings of a shop. Rates are basis points (1000 = 10 %); two tiers at most, together ≤ 100 %. */
export const DistributionSettingsBody = z
  .object({
    enabled: z.boolean(),
    eligibility: z.enum(['everyone', 'apply', 'spend']),
    spendThresholdFen: z.number().int().min(0).max(100_000_000),
    bindingMode: z.enum(['first_click', 'last_click', 'permanent']),
    /** How long a binding lasts; ignored (null) for permanent bindings. */
    bindingDays: z.number().int().min(1).max(3650).nullable().default(30),
    newCustomersOnly: z.boolean(),
    tiers: z.union([z.literal(1), z.literal(2)]),
    level1Bp: z.number().int().min(0).max(10_000),
    level2Bp: z.number().int().min(0).max(10_000),
    afterSaleDays: z.number().int().min(0).max(90),
    withdrawMinFen: z.number().int().min(1).max(100_000_000),
    withdrawFeeBp: z.number().int().min(0).max(5000),
    withdrawReview: z.boolean(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.level1Bp + v.level2Bp > 10_000) ctx.addIssue({ code: 'custom', path: ['level2Bp'], message: 'both tiers together at most 100 %' });
    if (v.bindingMode !== 'permanent' && v.bindingDays == null) ctx.addIssue({ code: 'custom', path: ['bindingDays'], message: 'required unless bindings are permanent' });
  });
export type DistributionSettingsInput = z.infer<typeof DistributionSettingsBody>;

/** Commission of one product instead of the shop's rates: basis points of the line, or fen per unit. */
export const DistributionProductBody = z
  .object({
    mode: z.enum(['percent', 'fixed']),
    level1: z.number().int().min(0).max(100_000_000),
    level2: z.number().int().min(0).max(100_000_000),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.mode === 'percent' && v.level1 + v.level2 > 10_000) ctx.addIssue({ code: 'custom', path: ['level2'], message: 'both tiers together at most 100 %' });
  });

export const PromoterListQuery = Page.extend({
  status: z.enum(['pending', 'approved', 'rejected', 'disabled']).optional(),
  q: z.string().trim().max(40).optional(),
});

export const PromoterRejectBody = z.object({ reason: z.string().trim().min(1).max(200) }).strict();

export const CommissionListQuery = Page.extend({ status: z.enum(['frozen', 'payable', 'cancelled']).optional() });

export const WithdrawalStatus = z.enum(['reviewing', 'approved', 'transferring', 'wait_confirm', 'paid', 'rejected', 'failed']);
export const WithdrawalListQuery = Page.extend({ status: WithdrawalStatus.optional() });
export const WithdrawalRejectBody = z.object({ reason: z.string().trim().min(1).max(200) }).strict();

export const PromoterApplyBody = z
  .object({
    realName: z.string().trim().min(1).max(30).optional(),
    phone: Phone.optional(),
  })
  .strict();

export const PromoterTeamQuery = Page.extend({ tier: z.coerce.number().int().min(1).max(2).default(1) });

export const WithdrawalBody = z
  .object({
    amountFen: z.number().int().min(1).max(100_000_000),
    /** The payee's real name; WeChat requires it for a transfer of ¥2,000 or more. */
    realName: z.string().trim().min(1).max(30).optional(),
  })
  .strict();

export const ReferralVisitBody = z.object({ scene: z.string().min(1).max(64) }).strict();
