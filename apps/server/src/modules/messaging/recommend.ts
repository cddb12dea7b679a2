import type { Topic } from '@siyu/contracts';

/**
 * 一键导入: matching the templates a merchant already has in WeChat's console to Siyu's topics, and their
 * keywords to our variables, by the words WeChat's template library uses. A keyword we cannot fill is
 * left out of the suggestion, so nothing is imported that would send an empty field.
 */
const TOPIC_TITLES: [Topic, RegExp][] = [
  ['order_shipped', /发货/],
  ['pickup_ready', /取货|提货|自提/],
  ['flash_sale_reminder', /秒杀|开抢|开售/],
  ['presale_balance_due', /尾款|预售/],
  ['group_buy_result', /拼团/],
  ['member_card_expiring', /会员卡.*(到期|过期)|会员.*到期/],
  ['points_expiring', /积分.*(到期|过期)/],
  ['coupon_expiring', /(优惠券|券).*(到期|过期)/],
  ['birthday', /生日/],
  ['promotion', /活动|优惠|上新|新品/],
];

/** Keyword label → the variable that fills it, per topic (first match wins). */
const LABELS: Record<Topic, [RegExp, string][]> = {
  order_shipped: [[/商品/, '{{goods}}'], [/单号|运单/, '{{trackingNo}}'], [/快递|物流公司|承运/, '{{carrier}}'], [/时间/, '{{time}}'], [/订单/, '{{orderNo}}']],
  pickup_ready: [[/取货码|提货码|核销码/, '{{pickupCode}}'], [/地点|门店|自提点/, '{{pickupPoint}}'], [/订单/, '{{orderNo}}'], [/时间/, '{{time}}']],
  flash_sale_reminder: [[/活动/, '{{activity}}'], [/开始时间|时间/, '{{startsAt}}']],
  presale_balance_due: [[/商品/, '{{goods}}'], [/金额/, '{{balance}}'], [/时间/, '{{endsAt}}']],
  group_buy_result: [[/商品/, '{{goods}}'], [/结果|状态|进度/, '{{result}}'], [/时间/, '{{time}}']],
  member_card_expiring: [[/会员卡|名称/, '{{card}}'], [/时间|日期/, '{{endsAt}}'], [/提示|备注/, '续费后可继续享受会员权益']],
  points_expiring: [[/积分/, '{{points}}'], [/时间|日期/, '{{expiresAt}}'], [/提示|备注/, '请尽快使用']],
  coupon_expiring: [[/优惠券|名称/, '{{coupon}}'], [/时间|日期/, '{{expiresAt}}'], [/提示|备注/, '请尽快使用']],
  birthday: [[/昵称|姓名|会员/, '{{name}}'], [/礼/, '{{gift}}']],
  promotion: [[/活动/, '{{activity}}'], [/提示|备注|说明/, '点击查看详情']],
};

export interface VendorTemplate {
  templateId: string;
  title: string;
  content: string;
}

/** `{{thing1.DATA}}` keywords with the label written before each in the template's content. */
export function keywordsOf(content: string): { key: string; label: string }[] {
  const out: { key: string; label: string }[] = [];
  for (const line of content.split(/\n/)) {
    const m = /^\s*([^{:：]*)[:：]?\s*\{\{\s*([A-Za-z_]+\d+)\.DATA\s*\}\}/.exec(line);
    if (m) out.push({ key: m[2]!, label: m[1]!.trim() });
    else for (const k of line.matchAll(/\{\{\s*([A-Za-z_]+\d+)\.DATA\s*\}\}/g)) out.push({ key: k[1]!, label: '' });
  }
  return out;
}

/** Variables that hold a date or time: the only ones WeChat accepts in a `time…` / `date…` keyword. */
const TIME_VARIABLES = new Set(['{{time}}', '{{startsAt}}', '{{endsAt}}', '{{expiresAt}}']);
const isTimeKeyword = (key: string) => /^(time|date)\d+$/.test(key);

export function suggest(t: VendorTemplate): { topic: Topic; fields: { key: string; value: string }[] } | null {
  const topic = TOPIC_TITLES.find(([, re]) => re.test(t.title))?.[0];
  if (!topic) return null;
  const fields: { key: string; value: string }[] = [];
  for (const k of keywordsOf(t.content)) {
    // 活动时间 also says 活动: a time keyword takes only a time variable, or WeChat refuses every send (47003).
    const hit = LABELS[topic].find(([re, value]) => re.test(k.label) && (!isTimeKeyword(k.key) || TIME_VARIABLES.has(value)));
    if (!hit) return null;
    fields.push({ key: k.key, value: hit[1] });
  }
  return fields.length ? { topic, fields } : null;
}
