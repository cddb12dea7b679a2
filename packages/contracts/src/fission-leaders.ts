import { z } from 'zod';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Use YYYY-MM-DD');
const pageFields = {
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
};

/** 社区团长 settings: the leaders' commission, the daily cut-off (Beijing time) and when a batch is picked up. */
export const LeaderSettingsBody = z
  .object({
    enabled: z.boolean(),
    /** Basis points of the order's paid amount less refunds, on verified pickups only (500 = 5%). */
    commissionBp: z.number().int().min(0).max(5000),
    /** HH:MM Beijing time; orders paid after it belong to the next day's batch. */
    cutoffTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use HH:MM'),
    /** The batch of cut-off day D is picked up on D + this many days. */
    pickupAfterDays: z.number().int().min(0).max(7),
    autoApprove: z.boolean(),
  })
  .strict();
export type LeaderSettingsInput = z.infer<typeof LeaderSettingsBody>;

export const LeaderStatus = z.enum(['pending', 'approved', 'rejected', 'disabled']);

export const LeaderListQuery = z.object({
  status: LeaderStatus.optional(),
  q: z.string().trim().max(50).optional(),
  ...pageFields,
});

export const LeaderRejectBody = z.object({ reason: z.string().trim().min(1).max(200) }).strict();

/** The batch whose cut-off is on `date` (Beijing); today's when absent. */
export const LeaderPickListQuery = z.object({ date: Day.optional() });

export const LeaderSettlementListQuery = z.object({ status: z.enum(['open', 'paid']).optional(), ...pageFields });
export const LeaderSettlementExportQuery = z.object({ status: z.enum(['open', 'paid']).optional() });

export const LeaderSettlementRunBody = z.object({ periodTo: Day }).strict();

export const LeaderSettlementPaidBody = z.object({ note: z.string().trim().max(200).optional() }).strict();

/** Storefront: leaders near me (lat/lng optional; without them by name). */
export const LeaderNearbyQuery = z
  .object({
    lat: z.coerce.number().min(-90).max(90).optional(),
    lng: z.coerce.number().min(-180).max(180).optional(),
  })
  .refine((q) => (q.lat === undefined) === (q.lng === undefined), { message: 'Give both lat and lng, or neither', path: ['lng'] });

export const MyLeaderBody = z.object({ leaderId: z.uuid() }).strict();

export const LeaderApplyBody = z
  .object({
    name: z.string().trim().min(1).max(30),
    phone: z.string().regex(/^1\d{10}$/, 'A mainland mobile number'),
    pointName: z.string().trim().min(1).max(40),
    address: z.string().trim().min(1).max(120),
    latitude: z.number().min(-90).max(90).optional(),
    longitude: z.number().min(-180).max(180).optional(),
    hours: z.string().trim().max(60).optional(),
  })
  .strict()
  .refine((b) => (b.latitude === undefined) === (b.longitude === undefined), { message: 'Give both latitude and longitude, or neither', path: ['longitude'] });
export type LeaderApplyInput = z.infer<typeof LeaderApplyBody>;

export const LeaderVerifyBody = z.object({ code: z.string().trim().regex(/^\d{6,12}$/, 'A pickup code') }).strict();

export const LeaderPageQuery = z.object(pageFields);
