/**
 * The approved templates of the sandbox's SMS accounts: the same twelve texts under Tencent ids (`1000001`…,
 * positional `{1}` params) and Aliyun codes (`SMS_900001`…, named `${var}` params). The server seeds its
 * template library from these tables, so a template it offers is one the sandbox approves.
 *
 * Marketing templates end with "拒收请回复R" as Tencent requires (an opt-out in every commercial SMS, MIIT
 * 《通信短信息服务管理规定》); a number that replied R/TD/T/退订 no longer gets them under that sign.
 */
export type SmsTemplateKind = 'notification' | 'marketing';

/** How a param is checked: a verification code (1–6 digits), free text (≤ 35 characters), a link (≤ 128). */
export type SmsParamType = 'code' | 'text' | 'link';

interface TemplateDef {
  n: number;
  name: string;
  kind: SmsTemplateKind;
  /** Text with `{name}` placeholders, rendered per vendor below. */
  text: string;
  params: Array<[name: string, type: SmsParamType]>;
}

const DEFS: TemplateDef[] = [
  { n: 1, name: '验证码', kind: 'notification', text: '您的验证码为{code},{minutes}分钟内有效。如非本人操作,请忽略。', params: [['code', 'code'], ['minutes', 'text']] },
  { n: 2, name: '订单发货', kind: 'notification', text: '您的订单{order}已发货,{carrier}运单号{tracking},请注意查收。', params: [['order', 'text'], ['carrier', 'text'], ['tracking', 'text']] },
  { n: 3, name: '取货提醒', kind: 'notification', text: '您的订单{order}已到{store},取货码{pickup},请于{deadline}前到店取货。', params: [['order', 'text'], ['store', 'text'], ['pickup', 'text'], ['deadline', 'text']] },
  { n: 4, name: '秒杀提醒', kind: 'notification', text: '您预约的秒杀“{activity}”将于{time}开始,数量有限,请准时参与。', params: [['activity', 'text'], ['time', 'text']] },
  { n: 5, name: '尾款提醒', kind: 'notification', text: '您预订的{product}已开始支付尾款,请于{deadline}前完成支付,逾期定金不退。', params: [['product', 'text'], ['deadline', 'text']] },
  { n: 6, name: '会员卡到期', kind: 'notification', text: '您的{card}将于{date}到期,续费后可继续享受会员权益。', params: [['card', 'text'], ['date', 'text']] },
  { n: 7, name: '积分到期', kind: 'notification', text: '您有{points}积分将于{date}过期,请尽快使用。', params: [['points', 'text'], ['date', 'text']] },
  { n: 8, name: '优惠券到期', kind: 'notification', text: '您的{coupon}将于{date}过期,请尽快使用。', params: [['coupon', 'text'], ['date', 'text']] },
  { n: 9, name: '生日祝福', kind: 'notification', text: '亲爱的{name},祝您生日快乐!生日礼{gift}已放入您的账户,请在有效期内使用。', params: [['name', 'text'], ['gift', 'text']] },
  { n: 10, name: '活动通知', kind: 'marketing', text: '{activity}火热进行中,点击{link}查看详情,拒收请回复R', params: [['activity', 'text'], ['link', 'link']] },
  { n: 11, name: '新品上架', kind: 'marketing', text: '新品{product}已上架,会员专享价{price}元,详情{link} 拒收请回复R', params: [['product', 'text'], ['price', 'text'], ['link', 'link']] },
  { n: 12, name: '优惠券发放', kind: 'marketing', text: '送您一张{coupon},{date}前有效,戳{link}领取使用,拒收请回复R', params: [['coupon', 'text'], ['date', 'text'], ['link', 'link']] },
];

export interface SmsSandboxTemplate {
  /** Tencent TemplateId. */
  id: string;
  name: string;
  /** Approved text with positional `{1}`, `{2}` … (the 【sign】 is added in front when sent). */
  text: string;
  /** How many params TemplateParamSet must carry. */
  params: number;
  kind: SmsTemplateKind;
  /** What each positional param is, in order (the Aliyun template's variable names). */
  paramNames: string[];
  paramTypes: SmsParamType[];
  /** The same template on the Aliyun account. */
  aliyunCode: string;
}

export interface AliyunSmsSandboxTemplate {
  /** Aliyun TemplateCode. */
  code: string;
  name: string;
  /** Approved text with named `${var}` params. */
  text: string;
  /** The variable names TemplateParam must carry. */
  params: string[];
  paramTypes: SmsParamType[];
  kind: SmsTemplateKind;
  /** The same template on the Tencent account. */
  tencentId: string;
}

const tencentId = (n: number) => String(1000000 + n);
const aliyunCode = (n: number) => `SMS_${900000 + n}`;

export const SMS_SANDBOX_TEMPLATES: readonly SmsSandboxTemplate[] = DEFS.map((d) => ({
  id: tencentId(d.n),
  name: d.name,
  text: d.text.replace(/\{(\w+)\}/g, (_m, name: string) => `{${d.params.findIndex(([p]) => p === name) + 1}}`),
  params: d.params.length,
  kind: d.kind,
  paramNames: d.params.map(([p]) => p),
  paramTypes: d.params.map(([, t]) => t),
  aliyunCode: aliyunCode(d.n),
}));

export const ALIYUN_SMS_SANDBOX_TEMPLATES: readonly AliyunSmsSandboxTemplate[] = DEFS.map((d) => ({
  code: aliyunCode(d.n),
  name: d.name,
  text: d.text.replace(/\{(\w+)\}/g, (_m, name: string) => `\${${name}}`),
  params: d.params.map(([p]) => p),
  paramTypes: d.params.map(([, t]) => t),
  kind: d.kind,
  tencentId: tencentId(d.n),
}));

export const TENCENT_TEMPLATE_BY_ID = new Map(SMS_SANDBOX_TEMPLATES.map((t) => [t.id, t]));
export const ALIYUN_TEMPLATE_BY_CODE = new Map(ALIYUN_SMS_SANDBOX_TEMPLATES.map((t) => [t.code, t]));

/** The first param that breaks its type's rule, or null. */
export function badParam(values: string[], types: SmsParamType[]): { index: number; why: 'format' | 'length' } | null {
  for (let i = 0; i < types.length; i++) {
    const v = values[i] ?? '';
    if (types[i] === 'code' && !/^\d{1,6}$/.test(v)) return { index: i, why: 'format' };
    if (types[i] === 'text' && [...v].length > 35) return { index: i, why: 'length' };
    if (types[i] === 'link' && [...v].length > 128) return { index: i, why: 'length' };
  }
  return null;
}

/** Tencent and Aliyun both bill a message over 70 characters in segments of 67. */
export function segments(text: string): number {
  const n = [...text].length;
  return n <= 70 ? 1 : Math.ceil(n / 67);
}
