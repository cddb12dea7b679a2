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
    inviterDailyCap: z.number().int().min(0).max(1000),
  })
  .strict();

export const InviteAcceptBody = z.object({ scene: z.string().min(1).max(32) }).strict();

export const InvitationsQuery = z.object({
  status: z.enum(['accepted', 'rewarded', 'expired', 'rejected']).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
