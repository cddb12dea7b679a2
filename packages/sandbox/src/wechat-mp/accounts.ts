import { createHash } from 'node:crypto';

/**
 * The sandbox's WeChat accounts and their templates. Everything here is derived deterministically, so
 * template ids and gh_ ids stay the same across restarts and can be written into a merchant's settings.
 */
export type AccountKind = 'oa' | 'mini';

export interface SandboxAccount {
  appid: string;
  secret: string;
  kind: AccountKind;
  /** 原始 ID: ToUserName of every message pushed to the merchant's server. */
  ghId: string;
  name: string;
}

const hash = (s: string) => createHash('sha256').update(s).digest();
const ghIdOf = (appid: string) => `gh_${hash(`gh:${appid}`).toString('hex').slice(0, 12)}`;

const account = (appid: string, secret: string, kind: AccountKind, name: string): SandboxAccount => ({ appid, secret, kind, ghId: ghIdOf(appid), name });

export const ACCOUNTS: SandboxAccount[] = [
  account('wxsandboxmp0000001', 'sandbox-mp-secret', 'oa', '思域示例商城'),
  account('wxsandboxmp0000002', 'sandbox-mp-secret-2', 'oa', '思域示例商城·二号店'),
  account('wxsandboxmini00001', 'sandbox-mini-secret', 'mini', '思域商城小程序'),
];

export const accountOf = (appid: string | undefined): SandboxAccount | undefined => ACCOUNTS.find((a) => a.appid === appid);

/** One keyword of a template: `thing1`, `character_string2`, `time4` …; the letters say what it may hold. */
export interface Keyword {
  key: string;
  label: string;
}

export interface TemplateTopic {
  code: string;
  title: string;
  keywords: Keyword[];
  example: Record<string, string>;
}

/**
 * The reminder topics Siyu sends. Each OA has them as private template messages (类目模板, the
 * keyword-style templates since 2023, without first/remark), and each account has them as one-time
 * subscription templates (订阅通知 / 小程序一次性订阅消息) under other ids.
 */
export const TOPICS: TemplateTopic[] = [
  {
    code: 'ORDER_SHIPPED',
    title: '订单发货通知',
    keywords: [
      { key: 'thing1', label: '商品名称' },
      { key: 'character_string2', label: '快递单号' },
      { key: 'thing3', label: '快递公司' },
      { key: 'time4', label: '发货时间' },
    ],
    example: { thing1: '轻薄羽绒服 米白 M', character_string2: 'SF1234567890123', thing3: '顺丰速运', time4: '2024年11月11日 10:30' },
  },
  {
    code: 'PICKUP_READY',
    title: '取货提醒',
    keywords: [
      { key: 'thing1', label: '商品名称' },
      { key: 'character_string2', label: '取货码' },
      { key: 'thing3', label: '取货地点' },
      { key: 'time4', label: '截止时间' },
    ],
    example: { thing1: '每日坚果礼盒 x2', character_string2: '8391', thing3: '南山科技园店', time4: '2024年11月12日 21:00' },
  },
  {
    code: 'FLASH_SALE_START',
    title: '秒杀开始提醒',
    keywords: [
      { key: 'thing1', label: '活动名称' },
      { key: 'thing2', label: '商品名称' },
      { key: 'amount3', label: '秒杀价' },
      { key: 'time4', label: '开始时间' },
    ],
    example: { thing1: '双十一整点秒杀', thing2: '保温杯 500ml', amount3: '¥39.90', time4: '2024年11月11日 20:00' },
  },
  {
    code: 'PRESALE_BALANCE_DUE',
    title: '预售尾款支付提醒',
    keywords: [
      { key: 'thing1', label: '商品名称' },
      { key: 'amount2', label: '尾款金额' },
      { key: 'time3', label: '支付截止时间' },
      { key: 'character_string4', label: '订单编号' },
    ],
    example: { thing1: '新款冬季大衣', amount2: '¥459.00', time3: '2024年11月13日 23:59', character_string4: 'P202411100001' },
  },
  {
    code: 'MEMBER_CARD_EXPIRING',
    title: '会员卡到期提醒',
    keywords: [
      { key: 'thing1', label: '会员卡名称' },
      { key: 'time2', label: '到期时间' },
      { key: 'thing3', label: '温馨提示' },
    ],
    example: { thing1: '黄金会员年卡', time2: '2024年12月31日', thing3: '续费可继续享受会员价和包邮' },
  },
  {
    code: 'POINTS_EXPIRING',
    title: '积分到期提醒',
    keywords: [
      { key: 'number1', label: '到期积分' },
      { key: 'time2', label: '到期时间' },
      { key: 'thing3', label: '备注' },
    ],
    example: { number1: '1200', time2: '2024年12月31日', thing3: '积分可在积分商城兑换好礼' },
  },
  {
    code: 'COUPON_EXPIRING',
    title: '优惠券到期提醒',
    keywords: [
      { key: 'thing1', label: '优惠券名称' },
      { key: 'amount2', label: '优惠金额' },
      { key: 'time3', label: '到期时间' },
      { key: 'thing4', label: '温馨提示' },
    ],
    example: { thing1: '满199减30券', amount2: '¥30.00', time3: '2024年11月15日 23:59', thing4: '优惠券即将过期,请尽快使用' },
  },
  {
    code: 'BIRTHDAY',
    title: '生日祝福',
    keywords: [
      { key: 'thing1', label: '会员昵称' },
      { key: 'thing2', label: '生日礼遇' },
      { key: 'date3', label: '有效期至' },
    ],
    example: { thing1: '张三', thing2: '生日双倍积分和20元无门槛券', date3: '2024年11月30日' },
  },
  {
    code: 'ACTIVITY',
    title: '活动通知',
    keywords: [
      { key: 'thing1', label: '活动名称' },
      { key: 'thing2', label: '活动内容' },
      { key: 'time3', label: '活动时间' },
      { key: 'thing4', label: '备注' },
    ],
    example: { thing1: '会员日', thing2: '全场会员价再享9折', time3: '2024年11月18日 10:00', thing4: '详情请进入商城查看' },
  },
];

export type TemplateCode = (typeof TOPICS)[number]['code'];

export interface Template extends TemplateTopic {
  id: string;
  appid: string;
  /** Template message (模板消息, OA only) or one-time subscription template (订阅通知 / 订阅消息). */
  type: 'template' | 'subscribe';
  content: string;
  exampleText: string;
}

const templateIdOf = (appid: string, type: Template['type'], code: string) => hash(`wxmp-template:${type}:${appid}:${code}`).toString('base64url').slice(0, 43);

function build(appid: string, type: Template['type'], topic: TemplateTopic): Template {
  // Template messages show "label:value" lines; subscription templates show the label before the value.
  const sep = type === 'template' ? ':' : '';
  return {
    ...topic,
    id: templateIdOf(appid, type, topic.code),
    appid,
    type,
    content: topic.keywords.map((k) => `${k.label}${sep}{{${k.key}.DATA}}`).join('\n') + (type === 'template' ? '\n' : ''),
    exampleText: topic.keywords.map((k) => `${k.label}:${topic.example[k.key]}`).join('\n') + (type === 'template' ? '\n' : ''),
  };
}

const TEMPLATES = new Map<string, Template>();
for (const a of ACCOUNTS) {
  for (const t of TOPICS) {
    if (a.kind === 'oa') {
      const tm = build(a.appid, 'template', t);
      TEMPLATES.set(`${a.appid}:${tm.id}`, tm);
    }
    const sub = build(a.appid, 'subscribe', t);
    TEMPLATES.set(`${a.appid}:${sub.id}`, sub);
  }
}

export const templateOf = (appid: string, id: string | undefined, type: Template['type']): Template | undefined => {
  const t = id ? TEMPLATES.get(`${appid}:${id}`) : undefined;
  return t && t.type === type ? t : undefined;
};

export const templatesOf = (appid: string, type: Template['type']): Template[] => [...TEMPLATES.values()].filter((t) => t.appid === appid && t.type === type);

const idsOf = (appid: string, type: Template['type']) => Object.fromEntries(templatesOf(appid, type).map((t) => [t.code, t.id])) as Record<TemplateCode, string>;

/** Sandbox accounts and template ids, for seeding a merchant's settings and for tests. */
export const WECHAT_MP_SANDBOX = {
  officialAccount: { appid: 'wxsandboxmp0000001', secret: 'sandbox-mp-secret', ghId: ghIdOf('wxsandboxmp0000001') },
  officialAccount2: { appid: 'wxsandboxmp0000002', secret: 'sandbox-mp-secret-2', ghId: ghIdOf('wxsandboxmp0000002') },
  miniProgram: { appid: 'wxsandboxmini00001', secret: 'sandbox-mini-secret', ghId: ghIdOf('wxsandboxmini00001') },
  /** Private template-message ids per OA appid, by topic code. */
  templateIds: Object.fromEntries(ACCOUNTS.filter((a) => a.kind === 'oa').map((a) => [a.appid, idsOf(a.appid, 'template')])) as Record<string, Record<TemplateCode, string>>,
  /** One-time subscription template ids per appid (OA 订阅通知 and the mini-program's 订阅消息), by topic code. */
  subscribeTemplateIds: Object.fromEntries(ACCOUNTS.map((a) => [a.appid, idsOf(a.appid, 'subscribe')])) as Record<string, Record<TemplateCode, string>>,
  /** Topic codes and their keywords, e.g. ORDER_SHIPPED: thing1 商品名称, character_string2 快递单号 … */
  topics: TOPICS,
} as const;

/** Keyword kinds and what WeChat accepts in them (订阅消息参数值内容限制, the same for 类目模板). */
const DATE = /^\d{4}(?:年\d{1,2}月\d{1,2}日|[-/.]\d{1,2}[-/.]\d{1,2})$/;
const TIME = /^\d{1,2}:\d{2}(?::\d{2})?$/;

function isTime(s: string): boolean {
  return s.split(/\s*[~～至]\s*/).every((part) => {
    const [a, b, ...rest] = part.trim().split(/\s+/);
    if (rest.length) return false;
    if (b !== undefined) return DATE.test(a) && TIME.test(b);
    return DATE.test(a) || TIME.test(a);
  });
}

const chars = (s: string) => [...s].length;

const RULES: Array<{ kind: string; ok: (v: string) => boolean }> = [
  { kind: 'character_string', ok: (v) => chars(v) <= 32 && /^[\x21-\x7e]+$/.test(v) },
  { kind: 'phone_number', ok: (v) => chars(v) <= 17 && /^[\d+\-() ]+$/.test(v) },
  { kind: 'car_number', ok: (v) => chars(v) <= 8 },
  { kind: 'thing', ok: (v) => chars(v) <= 20 },
  { kind: 'number', ok: (v) => chars(v) <= 32 && /^\d+(?:\.\d+)?$/.test(v) },
  { kind: 'letter', ok: (v) => chars(v) <= 32 && /^[A-Za-z]+$/.test(v) },
  { kind: 'symbol', ok: (v) => chars(v) <= 5 && /^[^\p{L}\p{N}\s]+$/u.test(v) },
  { kind: 'amount', ok: (v) => /^[¥￥$]?\d{1,10}(?:\.\d{1,2})?元?$/.test(v) },
  { kind: 'time', ok: isTime },
  { kind: 'date', ok: isTime },
  { kind: 'phrase', ok: (v) => chars(v) <= 5 && /^\p{Script=Han}+$/u.test(v) },
  { kind: 'name', ok: (v) => (/^\p{Script=Han}+$/u.test(v) ? chars(v) <= 10 : chars(v) <= 20) },
  { kind: 'const', ok: () => true },
];

/**
 * Checks `data` against a template's keywords; returns WeChat's 47003 message for the first bad one, or
 * the rendered values. Extra keys are ignored, as WeChat does.
 */
export function checkData(t: Template, data: unknown): { error: string } | { values: Record<string, string> } {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return { error: 'argument invalid! data is empty' };
  const values: Record<string, string> = {};
  for (const k of t.keywords) {
    const entry = (data as Record<string, unknown>)[k.key];
    const raw = entry && typeof entry === 'object' ? (entry as { value?: unknown }).value : undefined;
    if (raw === undefined || raw === null || (typeof raw !== 'string' && typeof raw !== 'number')) return { error: `argument invalid! data.${k.key}.value is empty` };
    const value = String(raw);
    if (!value.trim()) return { error: `argument invalid! data.${k.key}.value is empty` };
    const rule = RULES.find((r) => k.key.startsWith(r.kind) && /^\d+$/.test(k.key.slice(r.kind.length)));
    if (rule && !rule.ok(value)) return { error: `argument invalid! data.${k.key}.value invalid` };
    values[k.key] = value;
  }
  return { values };
}

export const renderLines = (t: Template, values: Record<string, string>) => t.keywords.map((k) => ({ label: k.label, value: values[k.key] ?? '' }));
