import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  CommissionListQuery, DistributionProductBody, DistributionSettingsBody, Page, PromoterApplyBody, PromoterListQuery, PromoterRejectBody, PromoterTeamQuery,
  ReferralVisitBody, WithdrawalBody, WithdrawalListQuery, WithdrawalRejectBody,
} from '@siyu/contracts';
import { actorOf } from '../../../platform/http/admin-auth.js';
import { customerOf, shopOf } from '../../../platform/http/store-scope.js';
import type { Fission } from '../index.js';

const IdParams = z.object({ id: z.uuid() });
const CustomerParams = z.object({ customerId: z.uuid() });
const ProductParams = z.object({ productId: z.uuid() });
const KeyHeader = z.object({ 'idempotency-key': z.string().min(8).max(100).optional() }).passthrough();

/** 分销 in the console. Mounted under /api/admin. */
export const distributionAdminRoutes: FastifyPluginAsyncZod<{ fission: Fission }> = async (app, { fission }) => {
  const d = fission.distribution;
  const tags = ['distribution'];
  const read = { permission: 'distribution:read' } as const;
  const manage = { permission: 'distribution:manage' } as const;
  const payout = { permission: 'distribution:payout' } as const;

  app.get('/distribution/settings', { config: read, schema: { tags, summary: 'Distribution (分销) settings: eligibility, binding, two tiers of rates, after-sales window, withdrawals' } }, async (req) =>
    d.settings(actorOf(req).shopId));

  app.put('/distribution/settings', { config: manage, schema: { tags, summary: 'Change the distribution settings', body: DistributionSettingsBody } }, async (req) => {
    const { before, after } = await d.updateSettings(actorOf(req), req.body);
    req.audit = { entity: 'distribution_settings', entityId: actorOf(req).shopId, before, after };
    return after;
  });

  app.get('/distribution/overview', { config: read, schema: { tags, summary: 'Commission frozen / payable / paid / clawed back, promoters, pending reviews, ranking and 30 days' } }, async (req) =>
    d.overview(actorOf(req).shopId));

  app.get('/distribution/products/:productId', { config: read, schema: { tags, summary: 'A product’s commission (its own, or the shop’s rates)', params: ProductParams } }, async (req) =>
    d.productRule(actorOf(req).shopId, req.params.productId));

  app.put('/distribution/products/:productId', { config: manage, schema: { tags, summary: 'Set a product’s commission: percent (basis points) or fixed fen per unit, per tier', params: ProductParams, body: DistributionProductBody } }, async (req) => {
    const after = await d.setProductRule(actorOf(req), req.params.productId, req.body);
    req.audit = { entity: 'distribution_product', entityId: req.params.productId, after };
    return after;
  });

  app.get('/distribution/products', { config: read, schema: { tags, summary: 'Products with a commission of their own' } }, async (req) => d.productRules(actorOf(req).shopId));

  app.delete('/distribution/products/:productId', { config: manage, schema: { tags, summary: 'Remove a product’s own commission: the shop’s rates apply again', params: ProductParams } }, async (req) => {
    const after = await d.resetProductRule(actorOf(req), req.params.productId);
    req.audit = { entity: 'distribution_product', entityId: req.params.productId, after };
    return after;
  });

  app.get('/promoters/:customerId/team', { config: read, schema: { tags, summary: 'A promoter’s team: tier 1 (bound to them) or tier 2 (bound to their promoters)', params: CustomerParams, querystring: PromoterTeamQuery } }, async (req) =>
    d.teamOf(actorOf(req).shopId, req.params.customerId, req.query.tier === 2 ? 2 : 1, req.query.page, req.query.pageSize));

  app.get('/promoters', { config: read, schema: { tags, summary: 'Promoters with their team, parent and account', querystring: PromoterListQuery } }, async (req) =>
    d.listPromoters(actorOf(req).shopId, req.query));

  app.get('/promoters/:customerId', { config: read, schema: { tags, summary: 'A promoter with the binding audit and commissions', params: CustomerParams } }, async (req) =>
    d.promoterDetail(actorOf(req).shopId, req.params.customerId));

  for (const action of ['approve', 'disable'] as const) {
    app.post(`/promoters/:customerId/${action}`, { config: manage, schema: { tags, summary: action === 'approve' ? 'Approve a promoter (an application, or one rejected or disabled before)' : 'Disable a promoter: they earn nothing new', params: CustomerParams } }, async (req) => {
      const { before, after } = await d.review(actorOf(req), req.params.customerId, action);
      req.audit = { entity: 'promoter', entityId: req.params.customerId, before, after };
      return after;
    });
  }

  app.post('/promoters/:customerId/reject', { config: manage, schema: { tags, summary: 'Reject a promoter application', params: CustomerParams, body: PromoterRejectBody } }, async (req) => {
    const { before, after } = await d.review(actorOf(req), req.params.customerId, 'reject', req.body.reason);
    req.audit = { entity: 'promoter', entityId: req.params.customerId, before, after };
    return after;
  });

  app.get('/commissions', { config: read, schema: { tags, summary: 'Commissions per order line and tier', querystring: CommissionListQuery } }, async (req) =>
    d.listCommissions(actorOf(req).shopId, req.query));

  app.get('/withdrawals', { config: read, schema: { tags, summary: 'Promoters’ withdrawals', querystring: WithdrawalListQuery } }, async (req) =>
    d.withdrawals.list(actorOf(req).shopId, req.query));

  app.post('/withdrawals/:id/approve', { config: payout, schema: { tags, summary: 'Approve a withdrawal: WeChat Pay transfers it (the promoter confirms in WeChat)', params: IdParams } }, async (req) => {
    const { before, after } = await d.withdrawals.approve(actorOf(req), req.params.id);
    req.audit = { entity: 'promoter_withdrawal', entityId: req.params.id, before, after };
    return after;
  });

  app.post('/withdrawals/:id/reject', { config: payout, schema: { tags, summary: 'Reject a withdrawal: the money goes back to the promoter’s withdrawable balance', params: IdParams, body: WithdrawalRejectBody } }, async (req) => {
    const { before, after } = await d.withdrawals.reject(actorOf(req), req.params.id, req.body.reason);
    req.audit = { entity: 'promoter_withdrawal', entityId: req.params.id, before, after };
    return after;
  });
};

const security = [{ customer: [] }];

/** The promoter centre and referral visits. Mounted under /api/store/:shop. */
export const distributionStoreRoutes: FastifyPluginAsyncZod<{ fission: Fission }> = async (app, { fission }) => {
  const d = fission.distribution;
  const tags = ['storefront'];

  app.get('/me/promoter', { schema: { tags, security, summary: 'My promoter status and account (becomes a promoter at once where everyone may)' } }, async (req) =>
    d.me(shopOf(req).id, customerOf(req).id));

  app.post('/me/promoter/apply', { schema: { tags, security, summary: 'Apply to be a promoter', body: PromoterApplyBody } }, async (req) =>
    d.apply(shopOf(req).id, customerOf(req).id, req.body));

  app.get('/me/promoter/team', { schema: { tags, security, summary: 'My team: tier 1 (bound to me) or tier 2 (bound to my promoters)', querystring: PromoterTeamQuery } }, async (req) =>
    d.team(shopOf(req).id, customerOf(req).id, req.query.tier === 2 ? 2 : 1, req.query.page, req.query.pageSize));

  app.get('/me/promoter/commissions', { schema: { tags, security, summary: 'My commissions', querystring: Page } }, async (req) =>
    d.myCommissions(shopOf(req).id, customerOf(req).id, req.query.page, req.query.pageSize));

  app.get('/me/promoter/withdrawals', { schema: { tags, security, summary: 'My withdrawals', querystring: Page } }, async (req) =>
    d.withdrawals.mine(shopOf(req).id, customerOf(req).id, req.query.page, req.query.pageSize));

  app.post('/me/promoter/withdrawals', { schema: { tags, security, summary: 'Withdraw commission. Send Idempotency-Key so a retry gets the first answer', body: WithdrawalBody, headers: KeyHeader } }, async (req, reply) =>
    reply.status(201).send(await d.withdrawals.request(shopOf(req).id, customerOf(req).id, req.body, req.headers['idempotency-key'] as string | undefined)));

  app.post('/me/promoter/withdrawals/:id/confirm', { schema: { tags, security, summary: 'Confirm receiving a transfer: the package for wx.requestMerchantTransfer (and the sandbox page)', params: IdParams } }, async (req) =>
    d.withdrawals.confirm(shopOf(req).id, customerOf(req).id, req.params.id));

  app.post('/referrals/visit', { schema: { tags, security, summary: 'I opened a share link or code: binds me to its sharer as the shop’s rules say', body: ReferralVisitBody } }, async (req) =>
    d.visit(shopOf(req).id, customerOf(req).id, req.body.scene));
};
