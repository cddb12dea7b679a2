import { JourneyBody } from '@siyu/contracts';
import { PICK_ME } from './service.js';

/**
 * Ready journeys (场景模板). Templates, coupons, tags, groups and categories are the shop's own, so a playbook
 * names PICK_ME where one is needed: the draft it makes is edited on the canvas, and publishing refuses a
 * placeholder, naming its field.
 */
export interface Playbook {
  key: string;
  name: { zh: string; en: string };
  description: { zh: string; en: string };
  body: JourneyBody;
}

const sms = (vars: Record<string, string>) => ({ channels: ['mini_subscribe', 'oa_template', 'sms'] as ('mini_subscribe' | 'oa_template' | 'sms')[], templateIds: { mini_subscribe: PICK_ME, oa_template: PICK_ME, sms: PICK_ME }, vars });

const define = (b: Omit<JourneyBody, 'positions' | 'goal' | 'exitOnSegmentLeft' | 'reentry' | 'holdoutPercent'> & Partial<JourneyBody>): JourneyBody => JourneyBody.parse(b);

export const PLAYBOOKS: Playbook[] = [
  {
    key: 'abandoned_cart',
    name: { zh: '购物车挽回', en: 'Abandoned cart' },
    description: {
      zh: '加购后 1 小时内未支付:发一张优惠券并提醒回来结账;7 天内支付即为转化。',
      en: 'Added to cart and not paid within an hour: a coupon and a reminder to come back; paying within 7 days converts.',
    },
    body: define({
      name: '购物车挽回',
      trigger: { kind: 'event', event: 'cart.item_added', where: [] },
      nodes: [
        { id: 'wait_pay', type: 'wait_event', event: 'order.paid', timeout: { amount: 1, unit: 'hours' } },
        { id: 'paid', type: 'exit' },
        { id: 'coupon', type: 'coupon', couponTemplateId: PICK_ME },
        { id: 'remind', type: 'send', ...sms({ activity: '您的购物车商品还在等您,送您一张优惠券' }) },
      ],
      edges: [
        { from: 'entry', to: 'wait_pay' },
        { from: 'wait_pay', to: 'paid', branch: 'yes' },
        { from: 'wait_pay', to: 'coupon', branch: 'timeout' },
        { from: 'coupon', to: 'remind' },
      ],
      goal: { event: 'order.paid', withinDays: 7 },
      reentry: { kind: 'after_days', days: 7 },
    }),
  },
  {
    key: 'welcome_series',
    name: { zh: '新会员欢迎', en: 'New member welcome series' },
    description: {
      zh: '注册当天欢迎消息,次日送新人券,3 天后仍未下单再提醒一次。',
      en: 'A welcome on sign-up, a first-order coupon the next day, and a reminder three days later if they have not bought.',
    },
    body: define({
      name: '新会员欢迎',
      trigger: { kind: 'event', event: 'customer.registered', where: [] },
      nodes: [
        { id: 'welcome', type: 'send', ...sms({ activity: '欢迎加入会员' }) },
        { id: 'wait_1d', type: 'wait', duration: { amount: 1, unit: 'days' } },
        { id: 'coupon', type: 'coupon', couponTemplateId: PICK_ME },
        { id: 'wait_3d', type: 'wait', duration: { amount: 3, unit: 'days' } },
        { id: 'bought', type: 'condition', rule: { op: 'and', items: [{ type: 'orders', min: 1 }] } },
        { id: 'done', type: 'exit' },
        { id: 'nudge', type: 'send', ...sms({ activity: '新人券即将过期' }) },
      ],
      edges: [
        { from: 'entry', to: 'welcome' },
        { from: 'welcome', to: 'wait_1d' },
        { from: 'wait_1d', to: 'coupon' },
        { from: 'coupon', to: 'wait_3d' },
        { from: 'wait_3d', to: 'bought' },
        { from: 'bought', to: 'done', branch: 'yes' },
        { from: 'bought', to: 'nudge', branch: 'no' },
      ],
      goal: { event: 'order.paid', withinDays: 14 },
      reentry: { kind: 'never' },
    }),
  },
  {
    key: 'care_reminder',
    name: { zh: '复查提醒(眼镜)', en: 'Care reminder (eyeglasses)' },
    description: {
      zh: '买了某个类目(如眼镜)后:儿童每 3 个月、成人每 6 个月提醒复查。先选类目和“儿童”标签。',
      en: 'After buying a category (e.g. eyeglasses): a check-up reminder every 3 months for children, every 6 months for adults. Pick the category and the "child" tag first.',
    },
    body: define({
      name: '复查提醒',
      trigger: { kind: 'event', event: 'order.paid', where: [] },
      nodes: [
        { id: 'bought_glasses', type: 'condition', rule: { op: 'and', items: [{ type: 'bought_category', categoryId: PICK_ME, withinDays: 1 }] } },
        { id: 'not_glasses', type: 'exit' },
        { id: 'child', type: 'condition', rule: { op: 'and', items: [{ type: 'tag', tagIds: [PICK_ME], match: 'any' }] } },
        { id: 'wait_3m', type: 'wait', duration: { amount: 90, unit: 'days' } },
        { id: 'remind_child', type: 'send', ...sms({ activity: '孩子的视力该复查了' }) },
        { id: 'wait_6m', type: 'wait', duration: { amount: 180, unit: 'days' } },
        { id: 'remind_adult', type: 'send', ...sms({ activity: '距上次验光已半年,欢迎到店复查' }) },
      ],
      edges: [
        { from: 'entry', to: 'bought_glasses' },
        { from: 'bought_glasses', to: 'not_glasses', branch: 'no' },
        { from: 'bought_glasses', to: 'child', branch: 'yes' },
        { from: 'child', to: 'wait_3m', branch: 'yes' },
        { from: 'wait_3m', to: 'remind_child' },
        // Every 3 months for a child: back to the wait (a loop through a wait is allowed).
        { from: 'remind_child', to: 'wait_3m' },
        { from: 'child', to: 'wait_6m', branch: 'no' },
        { from: 'wait_6m', to: 'remind_adult' },
        { from: 'remind_adult', to: 'wait_6m' },
      ],
      goal: null,
      reentry: { kind: 'after_exit' },
      holdoutPercent: 0,
    }),
  },
  {
    key: 'repurchase',
    name: { zh: '复购提醒', en: 'Repurchase at the consumption cycle' },
    description: {
      zh: '下单 25 天后(按商品的消耗周期调整)仍未再次购买,提醒补货并送券。',
      en: 'No new order 25 days after a purchase (set it to the product’s consumption cycle): a restock reminder with a coupon.',
    },
    body: define({
      name: '复购提醒',
      trigger: { kind: 'event', event: 'order.paid', where: [] },
      nodes: [
        { id: 'cycle', type: 'wait', duration: { amount: 25, unit: 'days' } },
        { id: 'rebought', type: 'condition', rule: { op: 'and', items: [{ type: 'last_order', within: 25 }] } },
        { id: 'done', type: 'exit' },
        { id: 'coupon', type: 'coupon', couponTemplateId: PICK_ME },
        { id: 'remind', type: 'send', ...sms({ activity: '您常买的商品该补货啦' }) },
      ],
      edges: [
        { from: 'entry', to: 'cycle' },
        { from: 'cycle', to: 'rebought' },
        { from: 'rebought', to: 'done', branch: 'yes' },
        { from: 'rebought', to: 'coupon', branch: 'no' },
        { from: 'coupon', to: 'remind' },
      ],
      goal: { event: 'order.paid', withinDays: 30 },
    }),
  },
  {
    key: 'dormant_winback',
    name: { zh: '沉睡客户唤醒', en: 'Dormant customer win-back' },
    description: {
      zh: '客户进入“沉睡”人群时送券并召回,7 天后仍未回来再提醒一次;离开人群即退出。',
      en: 'When a customer enters the dormant segment: a coupon and a win-back message, a second nudge after 7 days; leaving the segment exits.',
    },
    body: define({
      name: '沉睡客户唤醒',
      trigger: { kind: 'segment_entered', groupId: PICK_ME },
      nodes: [
        { id: 'coupon', type: 'coupon', couponTemplateId: PICK_ME },
        { id: 'winback', type: 'send', ...sms({ activity: '好久不见,送您一张回归券' }) },
        { id: 'wait_7d', type: 'wait', duration: { amount: 7, unit: 'days' } },
        { id: 'nudge', type: 'send', ...sms({ activity: '回归券即将过期' }) },
      ],
      edges: [
        { from: 'entry', to: 'coupon' },
        { from: 'coupon', to: 'winback' },
        { from: 'winback', to: 'wait_7d' },
        { from: 'wait_7d', to: 'nudge' },
      ],
      goal: { event: 'order.paid', withinDays: 30 },
      exitOnSegmentLeft: true,
      reentry: { kind: 'after_days', days: 90 },
    }),
  },
  {
    key: 'birthday',
    name: { zh: '生日关怀', en: 'Birthday' },
    description: { zh: '生日前 3 天上午 10 点送生日券并发祝福。', en: 'Three days before the birthday at 10:00: a birthday coupon and a greeting.' },
    body: define({
      name: '生日关怀',
      trigger: { kind: 'date_property', property: 'birthday', offsetDays: -3, hour: 10 },
      nodes: [
        { id: 'gift', type: 'coupon', couponTemplateId: PICK_ME },
        { id: 'greet', type: 'send', ...sms({ activity: '生日快乐,生日礼券已到账' }) },
      ],
      edges: [
        { from: 'entry', to: 'gift' },
        { from: 'gift', to: 'greet' },
      ],
      goal: { event: 'order.paid', withinDays: 10 },
      reentry: { kind: 'after_days', days: 300 },
    }),
  },
  {
    key: 'review_request',
    name: { zh: '邀请评价', en: 'Review request' },
    description: {
      zh: '确认收货 2 天后邀请评价;3 天内写了评价送 50 积分,没写再提醒一次。',
      en: 'Two days after an order is completed, ask for a review; a review within 3 days earns 50 points, otherwise one reminder.',
    },
    body: define({
      name: '邀请评价',
      trigger: { kind: 'event', event: 'order.completed', where: [] },
      nodes: [
        { id: 'wait_2d', type: 'wait', duration: { amount: 2, unit: 'days' } },
        { id: 'ask', type: 'send', ...sms({ activity: '您的宝贝用得怎么样?来写个评价吧' }) },
        { id: 'wait_review', type: 'wait_event', event: 'review.created', timeout: { amount: 3, unit: 'days' } },
        { id: 'thanks', type: 'points', points: 50 },
        { id: 'remind', type: 'send', ...sms({ activity: '评价有礼,写评价得积分' }) },
      ],
      edges: [
        { from: 'entry', to: 'wait_2d' },
        { from: 'wait_2d', to: 'ask' },
        { from: 'ask', to: 'wait_review' },
        { from: 'wait_review', to: 'thanks', branch: 'yes' },
        { from: 'wait_review', to: 'remind', branch: 'timeout' },
      ],
      goal: { event: 'review.created', withinDays: 7 },
      holdoutPercent: 0,
    }),
  },
];

export const playbookList = () => PLAYBOOKS.map((p) => ({ key: p.key, name: p.name, description: p.description, definition: p.body }));
