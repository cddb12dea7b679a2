import type { Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import type { DomainEvent } from '../../platform/events/bus.js';
import type { InboxEvent } from './segment.js';
import type { InboxWriter } from './inbox.js';

type P = Record<string, unknown>;
type Membership = (db: Db, shopId: string, customerId: string) => Promise<boolean>;

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * The mall's own domain events become tracked events of the customer: written to the inbox in the
 * subscriber's transaction under the messageId `srv:<outbox id>:<n>`, so each counts exactly once however
 * often the subscriber runs. Names follow the storefront SDK's (object_action, snake_case properties).
 */
function translate(ev: DomainEvent, member: boolean): Omit<InboxEvent, 'messageId' | 'ts' | 'userId' | 'source' | 'medium' | 'campaign' | 'channel' | 'os' | 'path' | 'type'>[] {
  const p = ev.payload as P;
  const items = Array.isArray(p.items) ? (p.items as P[]) : [];
  const productIds = [...new Set(items.map((i) => str(i.productId)).filter(Boolean))];
  switch (ev.type) {
    case 'order.created':
      return [{ event: 'order_placed', properties: { order_id: p.orderId, order_no: p.orderNo, payable_fen: p.payableFen, units: items.reduce((s, i) => s + Number(i.quantity ?? 0), 0), product_ids: productIds, ...(p.source ? { order_source: p.source } : {}) } }];
    case 'order.paid': {
      const out: { event: string; properties: P }[] = [{ event: 'order_paid', properties: { order_id: p.orderId, order_no: p.orderNo, amount: p.paidFen, balance_fen: p.balanceFen ?? 0, coupon_discount_fen: p.couponDiscountFen ?? 0, member, units: items.reduce((s, i) => s + Number(i.quantity ?? 0), 0), product_ids: productIds } }];
      for (const couponId of Array.isArray(p.couponIds) ? p.couponIds : []) out.push({ event: 'coupon_used', properties: { coupon_id: couponId, order_id: p.orderId, coupon_discount_fen: p.couponDiscountFen ?? 0 } });
      return out;
    }
    case 'order.refunded':
      return [{ event: 'order_refunded', properties: { order_id: p.orderId, order_no: p.orderNo, refund_fen: p.amountFen, full: p.full } }];
    case 'order.completed':
      return [{ event: 'order_completed', properties: { order_id: p.orderId, order_no: p.orderNo } }];
    case 'order.cancelled':
      return [{ event: 'order_cancelled', properties: { order_id: p.orderId, order_no: p.orderNo, reason: p.reason } }];
    case 'coupon.issued':
      return [{ event: p.source === 'claim' ? 'coupon_claimed' : 'coupon_received', properties: { coupon_id: p.couponId, template_id: p.templateId, via: p.source } }];
    case 'customer.registered':
      return [{ event: 'signed_up', properties: { via: p.source } }];
    case 'points.changed': {
      const out: { event: string; properties: P }[] = [{ event: 'points_changed', properties: { delta: p.delta, balance: p.balance, reason: p.kind } }];
      if (p.kind === 'checkin') out.push({ event: 'checked_in', properties: { points: p.delta } });
      return out;
    }
    case 'member.level_changed':
      return [{ event: 'level_changed', properties: { from_level_id: p.fromLevelId, to_level_id: p.toLevelId, level_name: p.levelName } }];
    case 'flash_sale.attempt_failed':
      return [{ event: 'flash_sale_attempted', properties: { flash_sale_id: p.flashSaleId, result: 'failed', code: p.code } }];
    case 'stored_value.topped_up':
      return [{ event: 'topped_up', properties: { topup_id: p.topupId, topup_fen: p.amountFen, bonus_fen: p.bonusFen } }];
    case 'review.created':
      return [{ event: 'review_posted', properties: { order_id: p.orderId, product_id: p.productId, rating: p.rating } }];
    default:
      return [];
  }
}

export const SERVER_EVENT_TYPES = [
  'order.created', 'order.paid', 'order.refunded', 'order.completed', 'order.cancelled', 'coupon.issued', 'customer.registered',
  'points.changed', 'member.level_changed', 'flash_sale.attempt_failed', 'stored_value.topped_up', 'review.created',
];

export function registerServerEvents(p: Platform, inbox: InboxWriter, isMember: Membership) {
  for (const type of SERVER_EVENT_TYPES) {
    p.events.subscribe(type, `cdp.track.${type}`, async (ev, tx) => {
      const customerId = str((ev.payload as P).customerId);
      if (!ev.shopId || !customerId) return;
      const member = type === 'order.paid' ? await isMember(tx, ev.shopId, customerId) : false;
      const ts = Date.parse(ev.createdAt);
      const events: InboxEvent[] = translate(ev, member).map((e, n) => ({
        ...e, type: 'track', messageId: `srv:${ev.id}:${n}`, userId: customerId, ts, source: '', medium: '', campaign: '', channel: '', os: '', path: '',
      }));
      await inbox.writeIn(tx, ev.shopId, events);
    });
  }
  // The mall merged two customers: their persons merge too, in the loader's order with everything else.
  p.events.subscribe('customer.merged', 'cdp.merge-persons', async (ev, tx) => {
    const pl = ev.payload as { fromCustomerId: string; intoCustomerId: string };
    if (!ev.shopId) return;
    await inbox.writeIn(tx, ev.shopId, [{
      type: 'merge', event: '$merge', messageId: `merge:${ev.id}`, ts: Date.parse(ev.createdAt), properties: {}, fromCustomerId: pl.fromCustomerId, toCustomerId: pl.intoCustomerId,
      source: '', medium: '', campaign: '', channel: '', os: '', path: '',
    }]);
  });
}
