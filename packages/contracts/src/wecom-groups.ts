import { z } from 'zod';
import { WecomAttachment, WECOM_MASS_MAX_ATTACHMENTS } from './wecom-mass.js';

/**
 * Customer groups (社群): the corp's customer group chats and members, group codes (群活码, WeCom's
 * 「加入群聊」 join ways), group welcome templates (入群欢迎语) and group SOPs. WeCom's limits are checked
 * here so the console refuses what WeCom would.
 */

/** A join way names at most this many chats; a full chat passes new members to the next. */
export const WECOM_GROUP_CODE_MAX_CHATS = 5;
export const WECOM_GROUP_STATE_MAX = 30;
/** An SOP may run for a year of days after its anchor. */
export const WECOM_SOP_MAX_DAY = 365;
export const WECOM_SOP_MAX_STEPS = 30;

const Userid = z.string().min(1).max(64);
const ChatId = z.string().min(1).max(64);
const HourMinute = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

export const WecomGroupQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  owner: Userid.optional(),
  /** Part of the group's name. */
  q: z.string().trim().max(60).optional(),
});
export type WecomGroupQuery = z.infer<typeof WecomGroupQuery>;

export const WecomGroupMemberQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
  /** current: in the group now; left: those who quit or were removed. */
  presence: z.enum(['current', 'left', 'all']).default('current'),
});
export type WecomGroupMemberQuery = z.infer<typeof WecomGroupMemberQuery>;

export const WecomGroupCodeBody = z
  .object({
    name: z.string().trim().min(1).max(60),
    /** Left out: a short one is generated. */
    state: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -').max(WECOM_GROUP_STATE_MAX).optional(),
    chatIds: z.array(ChatId).min(1).max(WECOM_GROUP_CODE_MAX_CHATS),
    /** When every chat is full, WeCom opens `roomBaseName + roomBaseId` with the first chat's owner. */
    autoCreateRoom: z.boolean().default(true),
    roomBaseName: z.string().trim().max(40).default(''),
    roomBaseId: z.number().int().min(1).max(100_000).default(1),
  })
  .strict()
  .refine((b) => !b.autoCreateRoom || b.roomBaseName.length > 0, { message: 'name the groups WeCom opens when all are full', path: ['roomBaseName'] })
  .refine((b) => new Set(b.chatIds).size === b.chatIds.length, { message: 'a group is named twice', path: ['chatIds'] });
export type WecomGroupCodeBody = z.infer<typeof WecomGroupCodeBody>;

/** One attachment at most, as WeCom's group welcome takes. */
export const WecomGroupWelcomeBody = z
  .object({
    name: z.string().trim().min(1).max(60),
    text: z.string().trim().max(4000).default(''),
    attachment: WecomAttachment.nullable().default(null),
    /** Tell the staff in WeCom that a new template is there to choose. */
    notifyStaff: z.boolean().default(true),
  })
  .strict()
  .refine((b) => b.text.length > 0 || b.attachment !== null, { message: 'text or an attachment is required', path: ['text'] });
export type WecomGroupWelcomeBody = z.infer<typeof WecomGroupWelcomeBody>;

export const WECOM_SOP_ANCHORS = ['group_created', 'member_joined'] as const;
export type WecomSopAnchor = (typeof WECOM_SOP_ANCHORS)[number];
export const WECOM_SOP_ANCHOR_LABELS: Record<WecomSopAnchor, { zh: string; en: string }> = {
  group_created: { zh: '建群后第 N 天发到群里', en: 'Day N after the group was created, to the group' },
  member_joined: { zh: '入群后第 N 天私聊新成员', en: 'Day N after a member joined, to the member' },
};

export const WecomSopStep = z
  .object({
    /** 0 = the anchor's own day. */
    day: z.number().int().min(0).max(WECOM_SOP_MAX_DAY),
    /** Beijing time of day. */
    time: HourMinute,
    text: z.string().trim().max(4000).default(''),
    attachments: z.array(WecomAttachment).max(WECOM_MASS_MAX_ATTACHMENTS).default([]),
  })
  .strict()
  .refine((s) => s.text.length > 0 || s.attachments.length > 0, { message: 'text or an attachment is required', path: ['text'] });
export type WecomSopStep = z.infer<typeof WecomSopStep>;

export const WecomSopBody = z
  .object({
    name: z.string().trim().min(1).max(60),
    anchor: z.enum(WECOM_SOP_ANCHORS),
    /** Which groups: these chats, the chats of these owners, or (both empty) every customer group. */
    chatIds: z.array(ChatId).max(2000).default([]),
    owners: z.array(Userid).max(1000).default([]),
    steps: z.array(WecomSopStep).min(1).max(WECOM_SOP_MAX_STEPS),
    active: z.boolean().default(true),
  })
  .strict()
  .refine((b) => new Set(b.steps.map((s) => `${s.day} ${s.time}`)).size === b.steps.length, { message: 'two steps at the same day and time', path: ['steps'] });
export type WecomSopBody = z.infer<typeof WecomSopBody>;

export const WECOM_SOP_RUN_STATUSES = ['queued', 'sent', 'skipped'] as const;
