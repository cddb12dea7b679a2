import { z } from 'zod';

const fen = (max: number) => z.number().int().min(0).max(max);

/** 会员储值 settings: whether top-ups are taken, and the range for an amount the customer types. */
export const StoredValueSettingsBody = z
  .object({
    enabled: z.boolean(),
    customAmountEnabled: z.boolean(),
    minCustomFen: fen(10_000_000).refine((v) => v >= 1, 'at least 1 fen'),
    maxCustomFen: fen(10_000_000).refine((v) => v >= 1, 'at least 1 fen'),
    /** Shown on the top-up page (储值协议). */
    terms: z.string().trim().max(2000),
  })
  .strict()
  .refine((v) => v.maxCustomFen >= v.minCustomFen, { path: ['maxCustomFen'], message: 'must not be below the smallest amount' });

/** A top-up plan (充值方案): top up amountFen, get bonusFen on top. */
export const TopupPlanBody = z
  .object({
    name: z.string().trim().min(1).max(40),
    amountFen: z.number().int().min(1).max(10_000_000),
    bonusFen: fen(10_000_000),
    active: z.boolean().default(true),
    sortOrder: z.number().int().min(0).max(10_000).default(0),
  })
  .strict();

/** The storefront starts a top-up with a plan, or with an amount of its own when the shop allows it. */
export const TopupStartBody = z
  .object({
    planId: z.uuid().optional(),
    amountFen: z.number().int().min(1).max(10_000_000).optional(),
    /** Where the sandbox cashier sends the customer back; `{id}` stands for the new top-up's id. */
    returnUrl: z.string().max(500).optional(),
  })
  .strict();

/** A staff correction of a member balance (never below 0). */
export const StoredValueAdjustBody = z
  .object({
    principalDeltaFen: z.number().int().min(-10_000_000).max(10_000_000),
    bonusDeltaFen: z.number().int().min(-10_000_000).max(10_000_000),
    reason: z.string().trim().min(1, 'give a reason').max(100),
  })
  .strict()
  .refine((v) => v.principalDeltaFen !== 0 || v.bonusDeltaFen !== 0, { path: ['principalDeltaFen'], message: 'change something' });

export const STORED_VALUE_KINDS = ['topup', 'spend', 'refund', 'cancel', 'adjust', 'reward'] as const;

export const StoredValueStatementQuery = z.object({
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  kind: z.enum(STORED_VALUE_KINDS).optional(),
  phone: z.string().trim().max(20).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
});
