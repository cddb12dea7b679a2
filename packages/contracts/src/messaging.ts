import { z } from 'zod';
import type { SplitAnalysis } from './experiments.js';

/**
 * Reach (触达): channels, templates, the contact budget, deliveries and broadcasts. One `send` in the
 * server picks the channel, checks consent and the budget and logs every message (docs/messaging.md).
 */

/** The channels a message can take. `wecom` is staff-confirmed mass messaging (issue 16); listed so caps cover it. */
export const CHANNELS = ['mini_subscribe', 'oa_template', 'sms', 'wecom'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CHANNEL_LABELS: Record<Channel, { zh: string; en: string }> = {
  mini_subscribe: { zh: '小程序订阅消息', en: 'Mini-program subscribe message' },
  oa_template: { zh: '公众号模板消息', en: 'Official account template message' },
  sms: { zh: '短信', en: 'SMS' },
  wecom: { zh: '企业微信', en: 'WeCom' },
};

/**
 * What a message is about. Transactional topics answer something the customer did or asked for and are
 * exempt from caps and quiet hours; the others count against the contact budget. Every topic can be
 * refused by the customer (message preferences), and each is a subscription group of its own.
 */
export const TOPICS = [
  'order_shipped',
  'pickup_ready',
  'presale_balance_due',
  'flash_sale_reminder',
  'group_buy_result',
  'member_card_expiring',
  'points_expiring',
  'coupon_expiring',
  'birthday',
  'promotion',
] as const;
export type Topic = (typeof TOPICS)[number];

export const TRANSACTIONAL_TOPICS: readonly Topic[] = ['order_shipped', 'pickup_ready', 'presale_balance_due', 'flash_sale_reminder', 'group_buy_result'];
export const isTransactional = (t: Topic) => TRANSACTIONAL_TOPICS.includes(t);

export const TOPIC_LABELS: Record<Topic, { zh: string; en: string }> = {
  order_shipped: { zh: '订单发货通知', en: 'Order shipped' },
  pickup_ready: { zh: '到店取货提醒', en: 'Ready for pickup' },
  presale_balance_due: { zh: '预售尾款提醒', en: 'Pre-sale balance due' },
  flash_sale_reminder: { zh: '秒杀开抢提醒', en: 'Flash sale starting' },
  group_buy_result: { zh: '拼团结果通知', en: 'Group buy result' },
  member_card_expiring: { zh: '会员卡到期提醒', en: 'Member card expiring' },
  points_expiring: { zh: '积分到期提醒', en: 'Points expiring' },
  coupon_expiring: { zh: '优惠券到期提醒', en: 'Coupon expiring' },
  birthday: { zh: '生日祝福', en: 'Birthday greeting' },
  promotion: { zh: '活动与优惠', en: 'Promotions and offers' },
};

/**
 * The variables a template may use, per topic. A template field's value is text with `{{name}}`
 * placeholders; `preview` fills them with these examples.
 */
export const TOPIC_VARIABLES: Record<Topic, Record<string, string>> = {
  order_shipped: { shopName: '思域好物', orderNo: 'SY202612040001', goods: '保湿面霜 等2件', carrier: '顺丰速运', trackingNo: 'SF1234567890', time: '2026-12-04 10:00' },
  pickup_ready: { shopName: '思域好物', orderNo: 'SY202612040002', pickupCode: '836251', pickupPoint: '万象城店', time: '2026-12-04 10:00' },
  presale_balance_due: { shopName: '思域好物', goods: '羽绒服', balance: '¥399.00', endsAt: '2026-12-12 23:59' },
  flash_sale_reminder: { shopName: '思域好物', activity: '双12秒杀', startsAt: '2026-12-12 10:00' },
  group_buy_result: { shopName: '思域好物', goods: '有机草莓礼盒', result: '拼团成功,商家将尽快发货', time: '2026-12-04 10:00' },
  member_card_expiring: { shopName: '思域好物', card: '黑金年卡', endsAt: '2026-12-31' },
  points_expiring: { shopName: '思域好物', points: '1200', expiresAt: '2026-12-31' },
  coupon_expiring: { shopName: '思域好物', coupon: '满100减20', expiresAt: '2026-12-08' },
  birthday: { shopName: '思域好物', name: '小林', gift: '生日券 ¥20' },
  promotion: { shopName: '思域好物', name: '小林', activity: '年终大促', link: 'https://example.com/r/abc' },
};

/** Fills `{{name}}` placeholders; an unknown name stays visible so a preview shows the mistake. */
export function renderTemplateText(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{\s*([a-zA-Z][a-zA-Z0-9_]*)\s*\}\}/g, (m, k: string) => (k in vars ? vars[k]! : m));
}

export const DELIVERY_STATUSES = ['pending', 'sending', 'sent', 'delivered', 'failed', 'capped', 'opted_out', 'unreachable'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const DELIVERY_STATUS_LABELS: Record<DeliveryStatus, { zh: string; en: string }> = {
  pending: { zh: '排队中', en: 'Queued' },
  sending: { zh: '发送中', en: 'Sending' },
  sent: { zh: '已发送', en: 'Sent' },
  delivered: { zh: '已送达', en: 'Delivered' },
  failed: { zh: '失败', en: 'Failed' },
  capped: { zh: '超出频次', en: 'Capped' },
  opted_out: { zh: '已退订', en: 'Opted out' },
  unreachable: { zh: '无可用渠道', en: 'Unreachable' },
};

// ── Channel settings ──────────────────────────────────────────────────────────────────────────────

const AppId = z.string().regex(/^wx[0-9a-zA-Z]{16}$/, 'wx + 16 letters or digits');

export const OfficialAccountBody = z
  .object({
    name: z.string().trim().min(1, 'required').max(40),
    appId: AppId,
    /** Left out on an update to keep the stored secret. */
    appSecret: z.string().min(16).max(64).optional(),
    token: z.string().regex(/^[A-Za-z0-9]{3,32}$/, '3–32 letters or digits'),
    /** Left out on an update to keep the stored key. */
    encodingAesKey: z.string().regex(/^[A-Za-z0-9]{43}$/, 'exactly 43 letters or digits').optional(),
  })
  .strict();
export type OfficialAccountBody = z.infer<typeof OfficialAccountBody>;

export const MiniProgramBody = z
  .object({
    name: z.string().trim().min(1, 'required').max(40),
    appId: AppId,
    appSecret: z.string().min(16).max(64).optional(),
    /** developer | trial | formal: which build a subscribe message's page opens. */
    state: z.enum(['developer', 'trial', 'formal']).default('formal'),
  })
  .strict();

export const SMS_VENDORS = ['tencent', 'aliyun'] as const;
export const SmsAccountBody = z
  .object({
    vendor: z.enum(SMS_VENDORS),
    accessKeyId: z.string().trim().min(1, 'required').max(64),
    accessKeySecret: z.string().min(1).max(128).optional(),
    /** Tencent's SmsSdkAppId; Aliyun has none. */
    sdkAppId: z.string().regex(/^\d{10}$/, '10 digits').nullable().default(null),
    signName: z.string().trim().min(2, 'at least 2 characters').max(12),
    region: z.string().trim().max(32).default('ap-guangzhou'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.vendor === 'tencent' && !v.sdkAppId) ctx.addIssue({ code: 'custom', path: ['sdkAppId'], message: 'Tencent Cloud SMS needs the SmsSdkAppId' });
  });

/** Caps per customer. `null` is no cap. Transactional topics are never counted. */
const Cap = z.number().int().min(0).max(100).nullable();
export const ContactBudgetBody = z
  .object({
    daily: z.object({ total: Cap, mini_subscribe: Cap, oa_template: Cap, sms: Cap, wecom: Cap }).strict(),
    weekly: z.object({ total: Cap, mini_subscribe: Cap, oa_template: Cap, sms: Cap, wecom: Cap }).strict(),
    /** Quiet hours in shop time (UTC+8), minutes after midnight; start > end wraps midnight. Equal: none. */
    quietStart: z.number().int().min(0).max(1439),
    quietEnd: z.number().int().min(0).max(1439),
  })
  .strict();
export type ContactBudget = z.infer<typeof ContactBudgetBody>;

export const DEFAULT_CONTACT_BUDGET: ContactBudget = {
  daily: { total: 2, mini_subscribe: null, oa_template: 1, sms: 1, wecom: 1 },
  weekly: { total: 5, mini_subscribe: null, oa_template: 3, sms: 2, wecom: 3 },
  quietStart: 21 * 60,
  quietEnd: 9 * 60,
};

/** The law and the vendors allow marketing SMS only 08:00–20:00; the shop's quiet hours may be stricter. */
export const SMS_MARKETING_WINDOW = { start: 8 * 60, end: 20 * 60 } as const;
export const SMS_OPT_OUT_SUFFIX = '拒收请回复R';

// ── Templates ─────────────────────────────────────────────────────────────────────────────────────

export const TemplateFieldBody = z.object({ key: z.string().regex(/^[A-Za-z0-9_]{1,32}$/, 'a template keyword such as thing1, or an SMS parameter'), value: z.string().max(200) }).strict();

export const MessageTemplateBody = z
  .object({
    name: z.string().trim().min(1, 'required').max(40),
    topic: z.enum(TOPICS),
    channel: z.enum(['mini_subscribe', 'oa_template', 'sms']),
    /** The vendor's template id (OA template_id, mini-program priTmplId, SMS TemplateId / TemplateCode). */
    vendorTemplateId: z.string().trim().min(1, 'required').max(64),
    /** OA / mini-program: keyword → text with {{variables}}. SMS: param name or position → text. */
    fields: z.array(TemplateFieldBody).min(1).max(20),
    /** The vendor's approved text, for previews: `{{thing1.DATA}}` (WeChat) or `{1}` / `${name}` (SMS). */
    content: z.string().trim().min(1, 'required').max(500),
    /** Where tapping the message leads: a storefront path such as /orders/{{orderId}}. */
    link: z.string().max(300).nullable().default(null),
    enabled: z.boolean().default(true),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.channel === 'sms' && !TRANSACTIONAL_TOPICS.includes(v.topic) && !v.content.includes(SMS_OPT_OUT_SUFFIX)) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: `a marketing SMS must end with "${SMS_OPT_OUT_SUFFIX}"` });
    }
  });
export type MessageTemplateBody = z.infer<typeof MessageTemplateBody>;

export const TemplatePreviewBody = z.object({ vars: z.record(z.string(), z.string().max(200)).optional() }).strict();

// ── QR codes ──────────────────────────────────────────────────────────────────────────────────────

export const QrCodeBody = z
  .object({
    name: z.string().trim().min(1, 'required').max(40),
    kind: z.enum(['temporary', 'permanent']),
    /** Temporary codes live at most 30 days. */
    expireDays: z.number().int().min(1).max(30).default(30),
    tagIds: z.array(z.uuid()).max(10).default([]),
    groupId: z.uuid().nullable().default(null),
    /** What the follower is told on follow through this code (else the account's follow reply). */
    welcome: z.string().max(600).nullable().default(null),
  })
  .strict();

export const AutoReplyBody = z
  .object({
    kind: z.enum(['follow', 'keyword']),
    keyword: z.string().trim().max(30).nullable().default(null),
    match: z.enum(['exact', 'contains']).default('exact'),
    reply: z.string().trim().min(1, 'required').max(600),
    enabled: z.boolean().default(true),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.kind === 'keyword' && !v.keyword) ctx.addIssue({ code: 'custom', path: ['keyword'], message: 'a keyword reply needs a keyword' });
  });

const MenuButton: z.ZodType<unknown> = z.lazy(() =>
  z
    .object({
      name: z.string().trim().min(1, 'required').max(16),
      type: z.enum(['view', 'click', 'miniprogram']).optional(),
      url: z.string().url().max(1000).optional(),
      key: z.string().max(128).optional(),
      appid: z.string().optional(),
      pagepath: z.string().max(200).optional(),
      sub_button: z.array(MenuButton).max(5).optional(),
    })
    .strict(),
);
export const MenuBody = z.object({ button: z.array(MenuButton).min(1).max(3) }).strict();

// ── Broadcasts ────────────────────────────────────────────────────────────────────────────────────

export const BroadcastAudience = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }).strict(),
  z.object({ kind: z.literal('group'), groupId: z.uuid() }).strict(),
  z.object({ kind: z.literal('tag'), tagId: z.uuid() }).strict(),
]);
export type BroadcastAudience = z.infer<typeof BroadcastAudience>;

/**
 * One arm of an A/B test of the message itself: the broadcast's templates and variables with this arm's
 * overrides (another SMS text, another coupon amount). The first variant is the control; the sent arm is
 * split by weight, exactly, in the broadcast's random order, and the holdout stays apart from all arms.
 */
export const BroadcastVariant = z
  .object({
    key: z.string().regex(/^[a-z][a-z0-9_]{0,19}$/, 'lower-case letters, digits and _, starting with a letter'),
    name: z.string().trim().min(1, 'required').max(30),
    weight: z.number().int().min(1).max(100),
    templateIds: z.record(z.string(), z.uuid()).default({}),
    vars: z.record(z.string(), z.string().max(200)).default({}),
  })
  .strict();
export type BroadcastVariant = z.infer<typeof BroadcastVariant>;

export const BroadcastBody = z
  .object({
    name: z.string().trim().min(1, 'required').max(60),
    audience: BroadcastAudience,
    /** One channel, or a fallback chain tried in order (subscribe message → template → SMS). */
    channels: z.array(z.enum(['mini_subscribe', 'oa_template', 'sms'])).min(1).max(3),
    /** The template to use on each channel in the chain (topic `promotion`). */
    templateIds: z.record(z.string(), z.uuid()),
    /** Values of the templates' variables, e.g. activity name; `link` becomes a tracked short link. */
    vars: z.record(z.string(), z.string().max(200)).default({}),
    link: z.string().max(500).nullable().default(null),
    /** Share of the audience randomly kept back to measure the effect; 0 turns it off. */
    holdoutPercent: z.number().int().min(0).max(50).default(10),
    /** Orders within this many days after sending count toward the result. */
    attributionDays: z.number().int().min(1).max(30).default(7),
    scheduledAt: z.iso.datetime({ offset: true }).nullable().default(null),
    /** None, or 2–4 arms of an A/B test (A/B 测试), the control first. */
    variants: z.array(BroadcastVariant).max(4).default([]),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (new Set(v.channels).size !== v.channels.length) ctx.addIssue({ code: 'custom', path: ['channels'], message: 'a channel appears twice' });
    for (const c of v.channels) if (!v.templateIds[c]) ctx.addIssue({ code: 'custom', path: ['templateIds', c], message: 'choose a template for this channel' });
    if (v.variants.length === 1) ctx.addIssue({ code: 'custom', path: ['variants'], message: 'an A/B test needs at least two variants' });
    const seen = new Set<string>();
    v.variants.forEach((x, i) => {
      if (seen.has(x.key)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'key'], message: 'a variant key appears twice' });
      seen.add(x.key);
      for (const c of Object.keys(x.templateIds)) {
        if (!v.channels.includes(c as never)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'templateIds', c], message: 'this channel is not in the chain' });
      }
    });
  });
export type BroadcastBody = z.infer<typeof BroadcastBody>;

export const BROADCAST_STATUSES = ['draft', 'scheduled', 'preparing', 'sending', 'paused', 'cancelled', 'done'] as const;
export type BroadcastStatus = (typeof BROADCAST_STATUSES)[number];
export const BROADCAST_STATUS_LABELS: Record<BroadcastStatus, { zh: string; en: string }> = {
  draft: { zh: '草稿', en: 'Draft' },
  scheduled: { zh: '定时中', en: 'Scheduled' },
  preparing: { zh: '准备中', en: 'Preparing' },
  sending: { zh: '发送中', en: 'Sending' },
  paused: { zh: '已暂停', en: 'Paused' },
  cancelled: { zh: '已取消', en: 'Cancelled' },
  done: { zh: '已完成', en: 'Done' },
};

/** SMS are billed per 67-character segment (70 for one); the estimate uses this price per segment. */
export const SMS_PRICE_FEN = 4;

export const DeliveryQuery = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  status: z.enum(DELIVERY_STATUSES).optional(),
  channel: z.enum(CHANNELS).optional(),
  topic: z.enum(TOPICS).optional(),
  customerId: z.uuid().optional(),
  broadcastId: z.uuid().optional(),
});

/** The customer's own choices on the storefront (消息设置). */
export const MessagePreferencesBody = z
  .object({
    /** Topics the customer refuses (every channel). */
    refusedTopics: z.array(z.enum(TOPICS)).max(TOPICS.length),
    /** Channels the customer refuses for everything but transactional messages. */
    refusedChannels: z.array(z.enum(['mini_subscribe', 'oa_template', 'sms'])).max(3),
    /** Consent to marketing SMS (PIPL: informed, voluntary, revocable). */
    smsMarketing: z.boolean(),
  })
  .strict();

/** What the storefront reports after wx.requestSubscribeMessage: the templates the customer accepted. */
export const SubscribeGrantBody = z
  .object({
    topics: z.array(z.enum(TOPICS)).min(1).max(3),
    /** Per the WeChat result: 'accept' grants one message; 'reject' / 'ban' grant nothing. */
    results: z.array(z.enum(['accept', 'reject', 'ban'])).min(1).max(3),
    /** wx.login's code from the mini-program shell, so the server learns the customer's mini-program openid. */
    code: z.string().trim().min(1).max(128),
  })
  .strict()
  .refine((v) => v.results.length === v.topics.length, { message: 'one result per topic', path: ['results'] });

/** Incremental revenue: sent arm vs holdout, per recipient, with a Welch 95% interval. */
export interface BroadcastResult {
  attributionDays: number;
  arms: {
    sent: { recipients: number; delivered: number; clicked: number; buyers: number; orders: number; revenueFen: number };
    holdout: { recipients: number; buyers: number; orders: number; revenueFen: number };
  };
  revenuePerRecipientFen: { sent: number; holdout: number };
  conversion: { sent: number; holdout: number };
  /** (mean sent − mean holdout) × sent recipients, with its 95% confidence interval. */
  incrementalRevenueFen: { estimate: number; low: number; high: number } | null;
  /** Present for an A/B test: each arm's numbers, its own lift over the holdout, and the test of the arms. */
  variants: BroadcastVariantResult[] | null;
  analysis: BroadcastVariantAnalysis | null;
}

export interface BroadcastVariantResult {
  key: string;
  name: string;
  weight: number;
  recipients: number;
  delivered: number;
  clicked: number;
  buyers: number;
  orders: number;
  revenueFen: number;
  conversion: number;
  revenuePerRecipientFen: number;
  /** This arm against the holdout, scaled to the arm's recipients. */
  incrementalRevenueFen: { estimate: number; low: number; high: number } | null;
}

/** The arms against the control: buyers per recipient and revenue per recipient. */
export type BroadcastVariantAnalysis = SplitAnalysis;

