import { z } from 'zod';

/** 邀请有礼: who counts as a new customer, when the invitation qualifies, the rewards on each side, the inviter's daily cap. */
export const InviteSettingsBody = z
  .object({
    enabled: z.boolean(),
    /** never_paid: never paid here; new_account: also signed up at most newAccountHours before accepting. */
    newCustomer: z.enum(['never_paid', 'new_account']),
    newAccountHours: z.number().int().min(1).max(720),
    /** registered: on accepting the link; first_order: on the invitee's first paid order within attributionDays. */
    trigger: z.enum(['registered', 'first_order']),
    attributionDays: z.number().int().min(1).max(90),
    inviterCouponTemplateId: z.uuid().nullable(),
    inviterPoints: z.number().int().min(0).max(100_000),
    inviteeCouponTemplateId: z.uuid().nullable(),
    inviteePoints: z.number().int().min(0).max(100_000),
    /** Cash paid into the member balance (储值) as bonus, fen. */
    inviterCashFen: z.number().int().min(0).max(100_000).default(0),
    inviteeCashFen: z.number().int().min(0).max(100_000).default(0),
    /**
     * How the cash is paid: balance — into the member balance (储值) as bonus; wechat — as WeChat change by
     * 商家转账 (scene 1000 现金营销), which the customer confirms in WeChat (falls back to the balance when
     * WeChat cancels or fails it, or the customer has no WeChat sign-in).
     */
    cashPayout: z.enum(['balance', 'wechat']).default('balance'),
    /** 活动名称 reported to WeChat with each transfer; '邀请有礼' when empty. */
    activityName: z.string().trim().min(1).max(32).nullable().default(null),
    inviterDailyCap: z.number().int().min(0).max(1000),
  })
  .strict();

/** The scheme as the server keeps and answers it. */
export type InviteSettings = z.output<typeof InviteSettingsBody>;

export const InviteAcceptBody = z.object({ scene: z.string().min(1).max(32) }).strict();

export const InvitationsQuery = z.object({
  status: z.enum(['accepted', 'rewarded', 'expired', 'rejected']).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

export const InvitePayoutsQuery = z.object({
  status: z.enum(['pending', 'transferring', 'wait_confirm', 'paid', 'failed', 'cancelled']).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
