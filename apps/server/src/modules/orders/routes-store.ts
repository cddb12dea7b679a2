import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CancelBody, CartAddBody, CartUpdateBody, CheckoutBody, PayBody, RefundRequestBody, ReturnShipmentBody, OrderStatus } from '@siyu/contracts';
import { customerOf, shopOf } from '../../platform/http/store-scope.js';
import type { CartService } from './cart-service.js';
import type { CheckoutService } from './checkout.js';
import type { PaymentService } from './payment-service.js';
import type { RefundService } from './refund-service.js';
import type { OrderService } from './service.js';
import type { ShippingService } from './shipping-service.js';
import { CARRIERS } from './order-no.js';

interface Deps {
  cart: CartService;
  checkout: CheckoutService;
  orders: OrderService;
  payments: PaymentService;
  refunds: RefundService;
  shipping: ShippingService;
}

const IdParams = z.object({ shop: z.string(), id: z.uuid() });
const IdempotencyHeader = z.object({ 'idempotency-key': z.string().min(8).max(100).optional() }).passthrough();

/** Storefront: cart, checkout, paying, my orders and after-sales. Mounted under /api/store/:shop. */
export const orderStoreRoutes: FastifyPluginAsyncZod<Deps> = async (app, d) => {
  const tags = ['storefront: orders'];
  const security = [{ customer: [] }];

  app.get('/cart', { schema: { tags, security, summary: 'My cart with live prices and stock' } }, async (req) => d.cart.view(shopOf(req).id, customerOf(req).id));
  app.post('/cart/items', { schema: { tags, security, summary: 'Add to cart', body: CartAddBody } }, async (req) =>
    d.cart.add(shopOf(req).id, customerOf(req).id, req.body.skuId, req.body.quantity));
  app.patch('/cart/items/:skuId', { schema: { tags, security, summary: 'Change quantity or selection', params: z.object({ shop: z.string(), skuId: z.uuid() }), body: CartUpdateBody } }, async (req) =>
    d.cart.update(shopOf(req).id, customerOf(req).id, req.params.skuId, req.body));
  app.delete('/cart/items/:skuId', { schema: { tags, security, summary: 'Remove from cart', params: z.object({ shop: z.string(), skuId: z.uuid() }) } }, async (req) =>
    d.cart.remove(shopOf(req).id, customerOf(req).id, [req.params.skuId]));

  app.get('/pickup-points', { schema: { tags, summary: 'Pickup points (到店自提)' } }, async (req) => ({ items: await d.shipping.listPickupPoints(shopOf(req).id, true) }));
  app.get('/carriers', { schema: { tags, summary: 'Carriers for return shipments' } }, async () => ({ items: Object.entries(CARRIERS).map(([code, name]) => ({ code, name })) }));

  app.post('/checkout/preview', { schema: { tags, security, summary: 'Price a would-be order line by line (writes nothing)', body: CheckoutBody } }, async (req) =>
    d.checkout.preview(shopOf(req).id, customerOf(req).id, req.body));

  app.post('/orders', {
    schema: { tags, security, summary: 'Place an order; stock is held until it is paid or cancelled. Send Idempotency-Key to retry safely.', body: CheckoutBody, headers: IdempotencyHeader },
  }, async (req, reply) => {
    const shop = shopOf(req);
    const customer = customerOf(req);
    const { orderId, created, view } = await d.checkout.placeOrder(shop.id, customer.id, req.body, req.headers['idempotency-key'] as string | undefined);
    // The answer is built from what was written; only an earlier order (a retry) or one paid as placed is read back.
    return reply.status(created ? 201 : 200).send(view ?? (await d.orders.detail(shop.id, orderId, customer.id)));
  });

  app.get('/orders', {
    schema: {
      tags,
      security,
      summary: 'My orders; afterSale=true lists those with an after-sales request (open or finished), latest first',
      querystring: z.object({
        status: OrderStatus.optional(),
        afterSale: z.enum(['true', 'false']).optional(),
        page: z.coerce.number().int().min(1).max(1000).default(1),
        pageSize: z.coerce.number().int().min(1).max(50).default(10),
      }),
    },
  }, async (req) => {
    const { afterSale, ...q } = req.query;
    return d.orders.list(shopOf(req).id, { ...q, afterSale: afterSale === 'true', customerIds: [customerOf(req).id] });
  });

  app.get('/orders/:id', { schema: { tags, security, summary: 'My order', params: IdParams } }, async (req) => d.orders.detail(shopOf(req).id, req.params.id, customerOf(req).id));

  app.post('/orders/:id/cancel', { schema: { tags, security, summary: 'Cancel my unpaid order', params: IdParams, body: CancelBody } }, async (req) => {
    const shop = shopOf(req);
    await d.orders.cancel(shop.id, req.params.id, { type: 'customer', id: customerOf(req).id }, req.body, customerOf(req).id);
    await d.payments.closeAtWechat(shop.id, req.params.id).catch((err) => req.log.warn({ err }, 'closing WeChat transaction failed'));
    return d.orders.detail(shop.id, req.params.id, customerOf(req).id);
  });

  app.post('/orders/:id/pay', { schema: { tags, security, summary: 'Start WeChat Pay (JSAPI): returns pay-sheet parameters', params: IdParams, body: PayBody } }, async (req) =>
    d.payments.startPayment(shopOf(req).id, customerOf(req).id, req.params.id, req.body.returnUrl));

  app.post('/orders/:id/sync-payment', { schema: { tags, security, summary: 'Ask WeChat Pay for the payment result now', params: IdParams } }, async (req) => {
    const shop = shopOf(req);
    await d.orders.detail(shop.id, req.params.id, customerOf(req).id);
    await d.payments.syncPayment(shop.id, req.params.id);
    return d.orders.detail(shop.id, req.params.id, customerOf(req).id);
  });

  app.post('/orders/:id/confirm-receipt', { schema: { tags, security, summary: 'Confirm the goods arrived (确认收货)', params: IdParams } }, async (req) =>
    d.orders.complete(shopOf(req).id, req.params.id, { type: 'customer', id: customerOf(req).id }, customerOf(req).id));

  app.post('/orders/:id/refunds', {
    schema: { tags, security, summary: 'Ask for a refund or a return (售后)', params: IdParams, body: RefundRequestBody, headers: IdempotencyHeader },
  }, async (req, reply) => {
    const refund = await d.refunds.request(shopOf(req).id, customerOf(req).id, req.params.id, { ...req.body, requestKey: req.headers['idempotency-key'] as string | undefined });
    return reply.status(201).send(refund);
  });

  const RefundParams = z.object({ shop: z.string(), id: z.uuid(), refundId: z.uuid() });
  app.post('/orders/:id/refunds/:refundId/return', { schema: { tags, security, summary: 'Give the tracking number of the goods sent back', params: RefundParams, body: ReturnShipmentBody } }, async (req) =>
    d.refunds.submitReturn(shopOf(req).id, customerOf(req).id, req.params.id, req.params.refundId, req.body));
  app.post('/orders/:id/refunds/:refundId/cancel', { schema: { tags, security, summary: 'Withdraw my after-sales request', params: RefundParams } }, async (req) =>
    d.refunds.cancelByCustomer(shopOf(req).id, customerOf(req).id, req.params.id, req.params.refundId));
};
