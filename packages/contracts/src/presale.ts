import { z } from 'zod';

/** A deposit pre-sale (定金预售): deposit phase, then the balance window; per SKU the deposit and what it counts for. */
export const PresaleBody = z
  .object({
    name: z.string().trim().min(1).max(60),
    productId: z.uuid(),
    depositStartsAt: z.coerce.date(),
    depositEndsAt: z.coerce.date(),
    balanceStartsAt: z.coerce.date(),
    balanceEndsAt: z.coerce.date(),
    /** Whether an unpaid balance gets its deposit back (otherwise the deposit is kept). */
    depositRefundable: z.boolean().default(false),
    perCustomerLimit: z.number().int().min(1).max(100).default(1),
    items: z
      .array(z.object({ skuId: z.uuid(), depositFen: z.number().int().min(1).max(10_000_000), deductFen: z.number().int().min(1).max(10_000_000) }))
      .min(1)
      .max(200)
      .refine((l) => new Set(l.map((i) => i.skuId)).size === l.length, 'one entry per SKU'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.depositEndsAt <= v.depositStartsAt) ctx.addIssue({ code: 'custom', path: ['depositEndsAt'], message: 'must be after the deposit starts' });
    if (v.balanceStartsAt < v.depositEndsAt) ctx.addIssue({ code: 'custom', path: ['balanceStartsAt'], message: 'must not be before the deposit phase ends' });
    if (v.balanceEndsAt <= v.balanceStartsAt) ctx.addIssue({ code: 'custom', path: ['balanceEndsAt'], message: 'must be after the balance window opens' });
    v.items.forEach((it, i) => {
      if (it.deductFen < it.depositFen) ctx.addIssue({ code: 'custom', path: ['items', i, 'deductFen'], message: 'a deposit counts for at least itself' });
    });
  });

export const PresaleDepositBody = z
  .object({
    skuId: z.uuid(),
    quantity: z.number().int().min(1).max(100),
    returnUrl: z.string().max(500).optional(),
  })
  .strict();
