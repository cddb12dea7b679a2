import { z } from 'zod';

/**
 * WeCom mass messages (群发) and Moments (朋友圈) tasks. WeCom's limits are checked here so the console
 * refuses what WeCom would: at most 9 attachments, at most 10,000 customers per add_msg_template call.
 */

/** WeCom takes at most this many external_userid per add_msg_template; bigger audiences are split. */
export const WECOM_MASS_MAX_PER_CALL = 10_000;
export const WECOM_MASS_MAX_ATTACHMENTS = 9;

const Userid = z.string().min(1).max(64);
const TagId = z.string().min(1).max(64);
const Url = z.string().url().max(2048);

/** The attachment kinds a mass message or Moment may carry: an image by link, a link card, a mini-program card. */
export const WecomAttachment = z.discriminatedUnion('type', [
  z.object({ type: z.literal('image'), picUrl: Url }).strict(),
  z.object({ type: z.literal('link'), title: z.string().trim().min(1).max(128), url: Url, picUrl: Url.optional(), desc: z.string().max(512).optional() }).strict(),
  z.object({ type: z.literal('miniprogram'), appid: z.string().regex(/^wx[a-z0-9]{16}$/), title: z.string().trim().min(1).max(64), page: z.string().min(1).max(256), picMediaId: z.string().min(1).max(256) }).strict(),
]);
export type WecomAttachment = z.infer<typeof WecomAttachment>;

const Content = {
  text: z.string().trim().max(4000).default(''),
  attachments: z.array(WecomAttachment).max(WECOM_MASS_MAX_ATTACHMENTS).default([]),
};

/** Who a mass task reaches. */
export const WecomMassAudience = z.discriminatedUnion('kind', [
  /** Customers carrying any of these corp tags. */
  z.object({ kind: z.literal('tags'), tagIds: z.array(TagId).min(1).max(100) }).strict(),
  /** Customers of a Siyu customer group (segment) who are WeCom contacts of an active staff member. */
  z.object({ kind: z.literal('segment'), groupId: z.uuid() }).strict(),
  /** The customer groups (社群) owned by the senders (chat_type group); with chatIds, only those of them. */
  z.object({ kind: z.literal('groups'), chatIds: z.array(z.string().min(1).max(64)).min(1).max(2000).optional() }).strict(),
  /** These customers (external_userid), each through the sender who has them (group SOPs to new members). */
  z.object({ kind: z.literal('contacts'), externalUserIds: z.array(z.string().min(1).max(64)).min(1).max(WECOM_MASS_MAX_PER_CALL) }).strict(),
]);
export type WecomMassAudience = z.infer<typeof WecomMassAudience>;

export const WecomMassTaskBody = z
  .object({
    name: z.string().trim().min(1).max(60),
    audience: WecomMassAudience,
    /** Only these staff members send (their customers only); empty: every active member. Required for groups. */
    senders: z.array(Userid).max(1000).default([]),
    ...Content,
    /** Left out or past: now. Otherwise the task is created in WeCom at this time. */
    sendAt: z.coerce.date().nullable().default(null),
  })
  .strict()
  .refine((b) => b.text.length > 0 || b.attachments.length > 0, { message: 'text or an attachment is required', path: ['text'] })
  .refine((b) => b.audience.kind !== 'groups' || b.senders.length > 0, { message: 'choose the group owners who send', path: ['senders'] });
export type WecomMassTaskBody = z.infer<typeof WecomMassTaskBody>;

export const WECOM_MASS_TASK_STATUSES = ['scheduled', 'creating', 'sending', 'done', 'failed', 'cancelled'] as const;
export type WecomMassTaskStatus = (typeof WECOM_MASS_TASK_STATUSES)[number];
export const WECOM_MASS_TASK_STATUS_LABELS: Record<WecomMassTaskStatus, { zh: string; en: string }> = {
  scheduled: { zh: '待发送', en: 'Scheduled' },
  creating: { zh: '创建中', en: 'Creating' },
  sending: { zh: '待成员确认', en: 'Awaiting staff' },
  done: { zh: '已结束', en: 'Done' },
  failed: { zh: '失败', en: 'Failed' },
  cancelled: { zh: '已取消', en: 'Cancelled' },
};

/**
 * A recipient's state: excluded before the task was created (with a reason), or WeCom's send status
 * (0 未发送, 1 已发送, 2 非好友, 3 已收到其他群发), or unconfirmed when the staff member never sent it.
 */
export const WECOM_MASS_RECIPIENT_STATUSES = ['excluded', 'pending', 'sent', 'not_friend', 'received_other', 'unconfirmed'] as const;
export type WecomMassRecipientStatus = (typeof WECOM_MASS_RECIPIENT_STATUSES)[number];
export const WECOM_MASS_RECIPIENT_STATUS_LABELS: Record<WecomMassRecipientStatus, { zh: string; en: string }> = {
  excluded: { zh: '未纳入', en: 'Left out' },
  pending: { zh: '未发送', en: 'Not sent yet' },
  sent: { zh: '已发送', en: 'Sent' },
  not_friend: { zh: '非好友', en: 'Not a contact' },
  received_other: { zh: '已收到其他群发', en: 'Got another mass message' },
  unconfirmed: { zh: '成员未确认', en: 'Never confirmed' },
};

export const WecomMassTaskQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  status: z.enum(WECOM_MASS_TASK_STATUSES).optional(),
});
export type WecomMassTaskQuery = z.infer<typeof WecomMassTaskQuery>;

export const WecomMassRecipientQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
  status: z.enum(WECOM_MASS_RECIPIENT_STATUSES).optional(),
  staff: Userid.optional(),
});
export type WecomMassRecipientQuery = z.infer<typeof WecomMassRecipientQuery>;

export const WecomMomentBody = z
  .object({
    ...Content,
    /** Staff who post it; empty with no departments: everyone in the corp. */
    userids: z.array(Userid).max(10_000).default([]),
    departmentIds: z.array(z.number().int().min(1)).max(100).default([]),
    /** Customers with these corp tags see it (empty: all of the senders' customers). */
    tagIds: z.array(TagId).max(100).default([]),
  })
  .strict()
  .refine((b) => b.text.length > 0 || b.attachments.length > 0, { message: 'text or an attachment is required', path: ['text'] });
export type WecomMomentBody = z.infer<typeof WecomMomentBody>;

export const WecomMomentQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
export type WecomMomentQuery = z.infer<typeof WecomMomentQuery>;
