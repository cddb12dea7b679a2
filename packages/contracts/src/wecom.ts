import { z } from 'zod';

/**
 * WeCom (企业微信) SCRM: the connected corp, staff and their customers (relations), corp tags and channel
 * codes (渠道活码). WeCom's own limits are enforced here so a form refuses what WeCom would refuse.
 */

/** WeCom refuses a contact way whose `state` is longer than 30 characters (40058). */
export const WECOM_STATE_MAX = 30;

/** Follow-up stages of a relation, in the order a customer usually moves through them. */
export const WECOM_STAGES = ['pending', 'contacted', 'interested', 'won', 'lost'] as const;
export type WecomStage = (typeof WECOM_STAGES)[number];
export const WECOM_STAGE_LABELS: Record<WecomStage, { zh: string; en: string }> = {
  pending: { zh: '待跟进', en: 'To follow up' },
  contacted: { zh: '已沟通', en: 'Contacted' },
  interested: { zh: '有意向', en: 'Interested' },
  won: { zh: '已成交', en: 'Won' },
  lost: { zh: '已流失', en: 'Lost' },
};

export const WECOM_RELATION_STATUSES = ['active', 'deleted_by_staff', 'deleted_by_customer', 'transferred', 'taking_over'] as const;
export type WecomRelationStatus = (typeof WECOM_RELATION_STATUSES)[number];

const Secret = z.string().min(8).max(128);

export const WecomSettingsBody = z
  .object({
    corpId: z.string().regex(/^ww[A-Za-z0-9]{8,30}$/, 'a corp id starts with ww'),
    /** 客户联系 secret. Left out on an update to keep the stored one. */
    contactSecret: Secret.optional(),
    /** The self-built app (自建应用) that sends reminders to staff. */
    agentId: z.number().int().min(1).max(2_147_483_647).nullable().default(null),
    agentSecret: Secret.optional(),
    /** The callback's Token and EncodingAESKey, as set in WeCom's admin console. */
    callbackToken: z.string().regex(/^[A-Za-z0-9]{3,32}$/, '3–32 letters or digits'),
    encodingAesKey: z.string().regex(/^[A-Za-z0-9]{43}$/, 'exactly 43 letters or digits').optional(),
  })
  .strict();
export type WecomSettingsBody = z.infer<typeof WecomSettingsBody>;

const Userid = z.string().min(1).max(64);
const HourMinute = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

/** Who answers the code on which weekdays (1 = Monday … 7 = Sunday) between which times (shop time). */
export const ChannelCodeSchedule = z
  .object({
    weekdays: z.array(z.number().int().min(1).max(7)).min(1).max(7),
    start: HourMinute,
    end: HourMinute,
    users: z.array(Userid).min(1).max(100),
  })
  .strict()
  .refine((s) => s.start < s.end, { message: 'end must be after start', path: ['end'] });

export const ChannelCodeWelcome = z
  .object({
    text: z.string().trim().min(1).max(4000),
    /** A coupon of the promotions module: the message links to it and the linked customer gets one. */
    couponTemplateId: z.uuid().nullable().default(null),
    /** A mini-program card (the page must belong to a mini-program bound to the corp). */
    miniprogram: z
      .object({ appid: z.string().regex(/^wx[a-z0-9]{16}$/), title: z.string().trim().min(1).max(64), page: z.string().min(1).max(256), picMediaId: z.string().min(1).max(256) })
      .strict()
      .nullable()
      .default(null),
  })
  .strict()
  .refine((w) => !(w.couponTemplateId && w.miniprogram), { message: 'a coupon or a mini-program card, not both', path: ['miniprogram'] });

export const ChannelCodeBody = z
  .object({
    name: z.string().trim().min(1).max(60),
    /** Left out: a short one is generated. Given: at most 30 characters, as WeCom allows. */
    state: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -').max(WECOM_STATE_MAX).optional(),
    /** single: one staff member at a time (type 1); rotation: several, taking turns (type 2). */
    mode: z.enum(['single', 'rotation']),
    /** Who answers outside every schedule (and when there is no schedule). */
    users: z.array(Userid).min(1).max(100),
    schedules: z.array(ChannelCodeSchedule).max(20).default([]),
    /** Answers when every scheduled member has left or is unavailable. */
    backupUserid: Userid.nullable().default(null),
    /** Corp tag ids applied (mark_tag) to whoever adds through the code. */
    tagIds: z.array(z.string().min(1).max(64)).max(20).default([]),
    skipVerify: z.boolean().default(true),
    welcome: ChannelCodeWelcome.nullable().default(null),
  })
  .strict();
export type ChannelCodeBody = z.infer<typeof ChannelCodeBody>;

export const WecomRelationQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  staff: Userid.optional(),
  status: z.enum(WECOM_RELATION_STATUSES).optional(),
  stage: z.enum(WECOM_STAGES).optional(),
  channelCodeId: z.uuid().optional(),
  customerId: z.uuid().optional(),
  /** A corp tag's id (WeCom's, not a UUID: hence not `tagId`, which the platform reads as one). */
  tag: z.string().min(1).max(64).optional(),
  /** Added on or after / before (instants; the console sends Beijing day bounds). */
  addedFrom: z.coerce.date().optional(),
  addedTo: z.coerce.date().optional(),
  /** WeCom's add_way code (WECOM_ADD_WAY_LABELS). */
  addWay: z.coerce.number().int().min(0).max(999).optional(),
  /** Part of the contact's name or the staff member's remark. */
  q: z.string().trim().min(1).max(60).optional(),
});
export type WecomRelationQuery = z.infer<typeof WecomRelationQuery>;

/** WeCom's add_way codes (how the customer was added), as WeCom's console names them. */
export const WECOM_ADD_WAY_LABELS: Record<number, { zh: string; en: string }> = {
  0: { zh: '未知来源', en: 'Unknown' },
  1: { zh: '扫描二维码', en: 'QR code scan' },
  2: { zh: '搜索手机号', en: 'Phone number search' },
  3: { zh: '名片分享', en: 'Shared contact card' },
  4: { zh: '群聊', en: 'Group chat' },
  5: { zh: '手机通讯录', en: 'Phone contacts' },
  6: { zh: '微信联系人', en: 'WeChat contacts' },
  8: { zh: '第三方应用客服', en: 'Third-party app service' },
  9: { zh: '搜索邮箱', en: 'Email search' },
  10: { zh: '视频号', en: 'Channels' },
  16: { zh: '获客链接', en: 'Acquisition link' },
  201: { zh: '内部成员共享', en: 'Shared by a colleague' },
  202: { zh: '管理员分配', en: 'Assigned by an admin' },
};

export const WecomRelationPatch = z
  .object({
    remark: z.string().max(20).optional(),
    stage: z.enum(WECOM_STAGES).optional(),
  })
  .strict();
export type WecomRelationPatch = z.infer<typeof WecomRelationPatch>;

export const WecomRelationTagsBody = z
  .object({
    add: z.array(z.string().min(1).max(64)).max(100).default([]),
    remove: z.array(z.string().min(1).max(64)).max(100).default([]),
  })
  .strict();
export type WecomRelationTagsBody = z.infer<typeof WecomRelationTagsBody>;

export const WecomCorpTagBody = z
  .object({
    groupName: z.string().trim().min(1).max(30),
    names: z.array(z.string().trim().min(1).max(30)).min(1).max(50),
  })
  .strict();
export type WecomCorpTagBody = z.infer<typeof WecomCorpTagBody>;

// ── Handover (在职转接 / 离职继承) ───────────────────────────────────────────────────────────────────

/** WeCom takes at most 100 customers (or group chats) per transfer call; Siyu sends in chunks of this size. */
export const WECOM_TRANSFER_CHUNK = 100;
/** An on-job customer may be transferred at most this many times within WECOM_TRANSFER_WINDOW_DAYS. */
export const WECOM_TRANSFERS_PER_WINDOW = 2;
export const WECOM_TRANSFER_WINDOW_DAYS = 90;

/** A customer's place in a handover: requested (not yet sent) → waiting (WeCom accepted) → done / refused / limit / failed. */
export const WECOM_HANDOVER_CUSTOMER_STATES = ['requested', 'waiting', 'done', 'refused', 'limit', 'failed'] as const;
export type WecomHandoverCustomerState = (typeof WECOM_HANDOVER_CUSTOMER_STATES)[number];
export const WECOM_HANDOVER_STATUSES = ['sending', 'waiting', 'done'] as const;
/** Why a customer or group was left out of a handover before anything was sent. */
export const WECOM_HANDOVER_REFUSALS = ['transfer_limit', 'relation_ended', 'in_progress', 'not_a_customer', 'not_owner'] as const;

export const WecomHandoverBody = z
  .object({
    handoverUserid: Userid,
    takeoverUserid: Userid,
    /** Customers chosen in the relation list (relations of the handover staff member). */
    relationIds: z.array(z.uuid()).max(5000).default([]),
    /** Customers by WeCom id (e.g. from the unassigned list); ones Siyu does not know as the giver's are refused. */
    externalUserids: z.array(z.string().min(1).max(64)).max(5000).default([]),
    /** Every current customer of the handover staff member (离职继承 of everything). */
    allCustomers: z.boolean().default(false),
    /** Customer groups (客户群) by chat id, owned by the handover staff member. */
    chatIds: z.array(z.string().min(1).max(64)).max(1000).default([]),
    allGroups: z.boolean().default(false),
    /** What the customer is told (on-job only; WeCom sends its default when left out). */
    successMessage: z.string().trim().min(1).max(200).optional(),
    /** Answer what would be sent and what is refused, without creating the handover. */
    preview: z.boolean().default(false),
  })
  .strict();
export type WecomHandoverBody = z.infer<typeof WecomHandoverBody>;

export const WecomHandoverQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  status: z.enum(WECOM_HANDOVER_STATUSES).optional(),
  staff: Userid.optional(),
});
export type WecomHandoverQuery = z.infer<typeof WecomHandoverQuery>;

export const WecomHandoverGroupsQuery = z.object({ owner: Userid });
export type WecomHandoverGroupsQuery = z.infer<typeof WecomHandoverGroupsQuery>;

export const WecomUnassignedQuery = z.object({
  cursor: z.string().max(256).default(''),
  pageSize: z.coerce.number().int().min(1).max(1000).default(100),
});
export type WecomUnassignedQuery = z.infer<typeof WecomUnassignedQuery>;

export const WecomUnassignedAssignBody = z
  .object({
    takeoverUserid: Userid,
    items: z.array(z.object({ handoverUserid: Userid, externalUserid: z.string().min(1).max(64) }).strict()).min(1).max(5000),
  })
  .strict();
export type WecomUnassignedAssignBody = z.infer<typeof WecomUnassignedAssignBody>;
