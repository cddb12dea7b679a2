import { z } from 'zod';
import { WECOM_STAGES } from './wecom.js';

/**
 * WeCom follow-ups, reminders for staff and the customer 360 sidebar (issue 16, items 4 and 5).
 */

export const WecomFollowupBody = z
  .object({
    text: z.string().trim().min(1).max(2000),
    /** Moves the relation to this stage with the record (left out: the stage stays). */
    stage: z.enum(WECOM_STAGES).optional(),
  })
  .strict();
export type WecomFollowupBody = z.infer<typeof WecomFollowupBody>;

/** Events a reminder rule can start from. */
export const WECOM_REMINDER_EVENTS = ['order.paid'] as const;

/** Placeholders a reminder's text may use; filled in when the reminder is sent. */
export const WECOM_REMINDER_VARIABLES = ['name', 'product', 'orderNo', 'paidDate'] as const;
const TEMPLATE_VAR = /\{\{\s*([A-Za-z]+)\s*\}\}/g;
const knownVars = (s: string) => [...s.matchAll(TEMPLATE_VAR)].every((m) => (WECOM_REMINDER_VARIABLES as readonly string[]).includes(m[1]!));
const ReminderText = z.string().trim().min(1).max(500).refine(knownVars, { message: `variables: ${WECOM_REMINDER_VARIABLES.map((v) => `{{${v}}}`).join(' ')}` });
/** A textcard's title: WeCom allows 128 bytes. */
const ReminderTitle = z.string().trim().min(1).max(40);

export const WecomReminderRuleBody = z
  .object({
    name: z.string().trim().min(1).max(60),
    event: z.enum(WECOM_REMINDER_EVENTS),
    /** A paid order counts when one of its products is in one of these categories (or their sub-categories); empty: any order. */
    categoryIds: z.array(z.uuid()).max(20).default([]),
    delayDays: z.number().int().min(0).max(730),
    title: ReminderTitle,
    text: ReminderText,
    enabled: z.boolean().default(true),
  })
  .strict();
export type WecomReminderRuleBody = z.infer<typeof WecomReminderRuleBody>;

/** A one-off reminder about one customer (a linked customer, or a WeCom contact not linked yet). */
export const WecomReminderBody = z
  .object({
    customerId: z.uuid().optional(),
    externalUserid: z.string().min(1).max(64).optional(),
    dueAt: z.coerce.date(),
    title: ReminderTitle.default('客户提醒'),
    text: ReminderText,
  })
  .strict()
  .refine((b) => !!b.customerId || !!b.externalUserid, { message: 'a customer or a WeCom contact', path: ['customerId'] });
export type WecomReminderBody = z.infer<typeof WecomReminderBody>;

export const WECOM_REMINDER_STATUSES = ['scheduled', 'sending', 'sent', 'skipped', 'failed', 'cancelled'] as const;
export const WECOM_TODO_STATUSES = ['open', 'done', 'snoozed'] as const;

export const WecomReminderQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  status: z.enum(WECOM_REMINDER_STATUSES).optional(),
  todo: z.enum(WECOM_TODO_STATUSES).optional(),
  staff: z.string().min(1).max(64).optional(),
  customerId: z.uuid().optional(),
  ruleId: z.uuid().optional(),
});
export type WecomReminderQuery = z.infer<typeof WecomReminderQuery>;

export const WecomTodoPatch = z
  .object({
    todo: z.enum(WECOM_TODO_STATUSES),
    /** With `snoozed`: when it comes back as open. */
    snoozedUntil: z.coerce.date().optional(),
  })
  .strict()
  .refine((b) => b.todo !== 'snoozed' || !!b.snoozedUntil, { message: 'when to show it again', path: ['snoozedUntil'] });
export type WecomTodoPatch = z.infer<typeof WecomTodoPatch>;

// ── The sidebar (侧边栏) ─────────────────────────────────────────────────────────────────────────────

/** The OAuth2 code WeCom appended to the sidebar's URL. */
export const WecomSidebarSessionBody = z.object({ code: z.string().min(1).max(512) }).strict();

/** The page's URL without its #fragment, as the JS-SDK signature covers it. */
export const WecomSidebarJssdkQuery = z.object({ url: z.url().max(2048) });

export const WecomSidebarCouponBody = z
  .object({
    templateId: z.uuid(),
    /** The page makes one per tap: a retried request issues nothing more. */
    idempotencyKey: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  })
  .strict();
export type WecomSidebarCouponBody = z.infer<typeof WecomSidebarCouponBody>;

export const WecomSidebarProductCardBody = z.object({ productId: z.uuid() }).strict();

export const WecomCustomerFieldBody = z
  .object({
    label: z.string().trim().min(1).max(30),
    value: z.string().trim().min(1).max(500),
    /** Health data (e.g. a glasses prescription): kept and shown only with the customer's separate consent. */
    health: z.boolean().default(false),
  })
  .strict();
export type WecomCustomerFieldBody = z.infer<typeof WecomCustomerFieldBody>;
export const WecomCustomerFieldKey = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/);

/** The customer's own choice (storefront): staff may keep and see their health data. */
export const WecomHealthConsentBody = z.object({ granted: z.boolean() }).strict();
