import type { Platform } from '../../platform/context.js';
import type { MessagingService, SendInput } from './service.js';

const shopTime = (iso: string | undefined) => (iso ? new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ') : '');
const shopDate = (iso: string | undefined) => shopTime(iso).slice(0, 10);

/**
 * The mall's reminders, turned into messages. Each subscriber runs once per event (processed_events) and
 * keys its messages by the event, so a redelivered event finds its deliveries instead of writing more.
 */
export function registerReminders(p: Platform, messaging: MessagingService) {
  const on = (type: string, name: string, build: (payload: any, shopId: string, eventId: string) => SendInput[]) => {
    p.events.subscribe(type, `messaging.${name}`, async (event, tx) => {
      await messaging.send(tx, build(event.payload, event.shopId!, String(event.id)));
    });
  };

  on('order.shipped', 'order-shipped', (e, shopId) => [
    { shopId, customerId: e.customerId, topic: 'order_shipped', key: `order_shipped:${e.orderId}`, vars: { orderId: e.orderId, orderNo: e.orderNo, carrier: e.carrierName ?? e.carrier, trackingNo: e.trackingNo, goods: e.goods || e.orderNo, time: shopTime(new Date().toISOString()) } },
  ]);
  on('order.pickup_ready', 'pickup-ready', (e, shopId) => [
    { shopId, customerId: e.customerId, topic: 'pickup_ready', key: `pickup_ready:${e.orderId}`, vars: { orderId: e.orderId, orderNo: e.orderNo, pickupCode: e.pickupCode, pickupPoint: '自提点', time: shopTime(new Date().toISOString()) } },
  ]);
  on('flash_sale.reminder_due', 'flash-sale-reminder', (e, shopId) =>
    (e.customerIds as string[]).map((customerId) => ({
      shopId, customerId, topic: 'flash_sale_reminder' as const, key: `flash_sale_reminder:${e.sessionId}:${customerId}`, vars: { activity: e.name, startsAt: shopTime(e.startsAt) },
    })),
  );
  on('presale.balance_due', 'presale-balance-due', (e, shopId) => [
    { shopId, customerId: e.customerId, topic: 'presale_balance_due', key: `presale_balance_due:${e.presaleOrderId}`, vars: { goods: e.name ?? '', endsAt: shopTime(e.balanceEndsAt) } },
  ]);
  // 拼团: every member hears how their group ended (a failed group's money is already on its way back).
  on('group_buy.succeeded', 'group-buy-succeeded', (e, shopId) =>
    (e.customerIds as string[]).map((customerId) => ({
      shopId, customerId, topic: 'group_buy_result' as const, key: `group_buy_result:${e.groupId}:${customerId}`, vars: { goods: e.productTitle ?? '', result: '拼团成功,商家将尽快发货', time: shopTime(new Date().toISOString()) },
    })),
  );
  on('group_buy.failed', 'group-buy-failed', (e, shopId) =>
    (e.customerIds as string[]).map((customerId) => ({
      shopId, customerId, topic: 'group_buy_result' as const, key: `group_buy_result:${e.groupId}:${customerId}`, vars: { goods: e.productTitle ?? '', result: '拼团未成功,款项已原路退回', time: shopTime(new Date().toISOString()) },
    })),
  );
  // 阶梯团: the group grew past its first tier, so each member hears what came back.
  on('group_buy.settled', 'group-buy-settled', (e, shopId) =>
    (e.members as { customerId: string; refundFen: number }[])
      .filter((m) => m.refundFen > 0)
      .map((m) => ({
        shopId, customerId: m.customerId, topic: 'group_buy_result' as const, key: `group_buy_settled:${e.groupId}:${m.customerId}`,
        vars: { goods: e.productTitle ?? '', result: `已按${e.tierSize}人团价结算,差价¥${(m.refundFen / 100).toFixed(2)}已原路退回`, time: shopTime(new Date().toISOString()) },
      })),
  );
  on('member_card.expiring', 'member-card-expiring', (e, shopId) => [
    { shopId, customerId: e.customerId, topic: 'member_card_expiring', key: `member_card_expiring:${e.customerId}:${e.expiresAt}`, vars: { card: '付费会员卡', endsAt: shopDate(e.expiresAt) } },
  ]);
  on('points.expiring', 'points-expiring', (e, shopId, id) => [
    { shopId, customerId: e.customerId, topic: 'points_expiring', key: `points_expiring:${id}`, vars: { points: String(e.points), expiresAt: shopDate(e.expiresAt) } },
  ]);
  on('coupon.expiring', 'coupon-expiring', (e, shopId) => [
    { shopId, customerId: e.customerId, topic: 'coupon_expiring', key: `coupon_expiring:${e.couponId}`, vars: { coupon: e.name ?? '', expiresAt: shopDate(e.validTo) } },
  ]);
  on('customer.birthday', 'birthday', (e, shopId) => [
    { shopId, customerId: e.customerId, topic: 'birthday', key: `birthday:${e.customerId}:${e.year}`, vars: { gift: e.couponId ? '生日礼券' : '生日祝福' } },
  ]);
}
