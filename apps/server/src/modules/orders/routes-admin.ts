import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CancelBody, OrderListQuery, PickupCodeBody, PickupPointBody, RejectBody, ShipBody, ShippingTemplateBody, StaffRefundBody } from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import type { CustomersService as CustomerService } from '../customers/service.js';
import { dashboardStats } from './dashboard.js';
import { exportOrdersXlsx } from './export.js';
import { CARRIERS } from './order-no.js';
import type { RefundService } from './refund-service.js';
import type { OrderService } from './service.js';
import type { ShippingService } from './shipping-service.js';
import type { Platform } from '../../platform/context.js';

interface Deps {
  p: Platform;
  orders: OrderService;
  refunds: RefundService;
  shipping: ShippingService;
  customers: CustomerService;
}

const IdParams = z.object({ id: z.uuid() });

/** Merchant console: orders, fulfilment, after-sales, shipping templates, pickup points, dashboard. */
export const orderAdminRoutes: FastifyPluginAsyncZod<Deps> = async (app, d) => {
  const tags = ['orders'];

  // The customer who placed it (name, phone) beside the order, as staff see it at the counter or in the detail.
  const withCustomer = async <O extends { customerId: string }>(shopId: string, order: O) => ({
    ...order,
    customer: await d.customers.getCustomer(shopId, order.customerId).catch(() => null),
  });

  // A phone filter becomes the customer ids that own that phone number (customers own the phone data).
  const filters = async (shopId: string, q: z.infer<typeof OrderListQuery>) => {
    const { phone, customerId, ...rest } = q;
    let customerIds: string[] | undefined = customerId ? [customerId] : undefined;
    if (phone) {
      const byPhone = await d.customers.findIdsByPhone(shopId, phone);
      customerIds = customerIds ? customerIds.filter((id) => byPhone.includes(id)) : byPhone;
    }
    return { ...rest, customerIds };
  };

  app.get('/orders', { config: { permission: 'orders:read' }, schema: { tags, summary: 'Orders, filtered and paginated', querystring: OrderListQuery } }, async (req) => {
    const shopId = actorOf(req).shopId;
    const res = await d.orders.list(shopId, await filters(shopId, req.query));
    const phones = await d.customers.phonesFor(shopId, res.items.map((o) => o.customerId));
    return { ...res, items: res.items.map((o) => ({ ...o, customerPhone: phones.get(o.customerId) ?? null })) };
  });

  app.get('/orders/export.xlsx', { config: { permission: 'orders:export' }, schema: { tags, summary: 'Export the filtered orders to Excel', querystring: OrderListQuery.omit({ page: true, pageSize: true }) } }, async (req, reply) => {
    const shopId = actorOf(req).shopId;
    const q = await filters(shopId, { ...req.query, page: 1, pageSize: 100 });
    const all = await d.orders.list(shopId, { ...q, page: 1, pageSize: 100 });
    const phones = await d.customers.phonesFor(shopId, all.items.map((o) => o.customerId));
    const buf = await exportOrdersXlsx(d.orders, shopId, q, (id) => phones.get(id) ?? null);
    reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    reply.header('content-disposition', `attachment; filename="orders-${new Date().toISOString().slice(0, 10)}.xlsx"`);
    return reply.send(buf);
  });

  app.get('/orders/:id', { config: { permission: 'orders:read' }, schema: { tags, summary: 'Order detail with timeline', params: IdParams } }, async (req) => {
    const shopId = actorOf(req).shopId;
    return withCustomer(shopId, await d.orders.detail(shopId, req.params.id));
  });

  app.post('/orders/:id/ship', { config: { permission: 'orders:fulfil' }, schema: { tags, summary: 'Ship with carrier and tracking number', params: IdParams, body: ShipBody } }, async (req) => {
    const { before, after } = await d.orders.ship(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'order', entityId: after.id, before, after };
    return after;
  });

  app.post('/orders/:id/cancel', { config: { permission: 'orders:fulfil' }, schema: { tags, summary: 'Cancel an unpaid order', params: IdParams, body: CancelBody } }, async (req) => {
    const { before, after } = await d.orders.cancelByStaff(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'order', entityId: after.id, before, after };
    return after;
  });

  app.post('/orders/pickup/lookup', { config: { permission: 'orders:fulfil', noAudit: true }, schema: { tags, summary: 'Look up an order by its pickup code', body: PickupCodeBody } }, async (req) =>
    withCustomer(actorOf(req).shopId, await d.orders.findByPickupCode(actorOf(req), req.body.code)));

  app.post('/orders/pickup/verify', { config: { permission: 'orders:fulfil' }, schema: { tags, summary: 'Verify a pickup code (核销) and complete the order', body: PickupCodeBody } }, async (req) => {
    const { before, after } = await d.orders.verifyPickup(actorOf(req), req.body.code);
    req.audit = { entity: 'order', entityId: after.id, before, after };
    return after;
  });

  app.post('/orders/:id/refunds', {
    config: { permission: 'orders:refund' },
    schema: { tags, summary: 'Refund lines of an order (full or partial)', params: IdParams, body: StaffRefundBody, headers: z.object({ 'idempotency-key': z.string().min(8).max(100).optional() }).passthrough() },
  }, async (req, reply) => {
    const refund = await d.refunds.createByStaff(actorOf(req), req.params.id, { ...req.body, requestKey: req.headers['idempotency-key'] as string | undefined });
    req.audit = { entity: 'refund', entityId: refund.id, after: refund };
    return reply.status(201).send(refund);
  });

  app.get('/refunds', {
    config: { permission: 'orders:read' },
    schema: { tags, summary: 'After-sales requests', querystring: z.object({ status: z.enum(['requested', 'awaiting_return', 'returned', 'processing', 'refunded', 'rejected', 'cancelled']).optional(), page: z.coerce.number().int().min(1).default(1), pageSize: z.coerce.number().int().min(1).max(100).default(20) }) },
  }, async (req) => d.refunds.list(actorOf(req).shopId, req.query));

  for (const [action, summary] of [['approve', 'Approve an after-sales request'], ['confirm-return', 'Confirm the returned goods arrived and refund']] as const) {
    app.post(`/refunds/:id/${action}`, { config: { permission: 'orders:refund' }, schema: { tags, summary, params: IdParams } }, async (req) => {
      const { before, after } = action === 'approve' ? await d.refunds.approve(actorOf(req), req.params.id) : await d.refunds.confirmReturn(actorOf(req), req.params.id);
      req.audit = { entity: 'refund', entityId: after.id, before, after };
      return after;
    });
  }

  app.post('/refunds/:id/reject', { config: { permission: 'orders:refund' }, schema: { tags, summary: 'Reject an after-sales request', params: IdParams, body: RejectBody } }, async (req) => {
    const { before, after } = await d.refunds.reject(actorOf(req), req.params.id, req.body.reason);
    req.audit = { entity: 'refund', entityId: after.id, before, after };
    return after;
  });

  app.get('/carriers', { config: { permission: 'orders:read' }, schema: { tags, summary: 'Carriers' } }, async () => ({ items: Object.entries(CARRIERS).map(([code, name]) => ({ code, name })) }));

  app.get('/dashboard', { config: { permission: 'dashboard:read' }, schema: { tags: ['dashboard'], summary: 'Today and last 7 days: orders, paid revenue, average order value, new customers' } }, async (req) => {
    const shopId = actorOf(req).shopId;
    return dashboardStats(d.p, shopId, (from) => d.customers.newCustomersByDay(shopId, from));
  });

  const stags = ['shipping'];
  app.get('/shipping-templates', { config: { permission: 'orders:read' }, schema: { tags: stags, summary: 'Shipping fee templates (运费模板)' } }, async (req) => ({ items: await d.shipping.listTemplates(actorOf(req).shopId) }));
  app.post('/shipping-templates', { config: { permission: 'shipping:manage' }, schema: { tags: stags, summary: 'Create a shipping fee template', body: ShippingTemplateBody } }, async (req, reply) => {
    const row = await d.shipping.createTemplate(actorOf(req), req.body);
    req.audit = { entity: 'shipping_template', entityId: row.id, after: row };
    return reply.status(201).send(row);
  });
  app.put('/shipping-templates/:id', { config: { permission: 'shipping:manage' }, schema: { tags: stags, summary: 'Replace a shipping fee template', params: IdParams, body: ShippingTemplateBody } }, async (req) => {
    const { before, after } = await d.shipping.updateTemplate(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'shipping_template', entityId: after.id, before, after };
    return after;
  });
  app.delete('/shipping-templates/:id', { config: { permission: 'shipping:manage' }, schema: { tags: stags, summary: 'Delete a shipping fee template', params: IdParams } }, async (req) => {
    const before = await d.shipping.deleteTemplate(actorOf(req), req.params.id);
    req.audit = { entity: 'shipping_template', entityId: before.id, before };
    return { ok: true };
  });

  app.get('/pickup-points', { config: { permission: 'orders:read' }, schema: { tags: stags, summary: 'Pickup points (自提点)' } }, async (req) => ({ items: await d.shipping.listPickupPoints(actorOf(req).shopId) }));
  app.post('/pickup-points', { config: { permission: 'shipping:manage' }, schema: { tags: stags, summary: 'Create a pickup point', body: PickupPointBody } }, async (req, reply) => {
    const row = await d.shipping.createPickupPoint(actorOf(req), req.body);
    req.audit = { entity: 'pickup_point', entityId: row.id, after: row };
    return reply.status(201).send(row);
  });
  app.patch('/pickup-points/:id', { config: { permission: 'shipping:manage' }, schema: { tags: stags, summary: 'Change a pickup point', params: IdParams, body: PickupPointBody.partial() } }, async (req) => {
    const { before, after } = await d.shipping.updatePickupPoint(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'pickup_point', entityId: after.id, before, after };
    return after;
  });

};
