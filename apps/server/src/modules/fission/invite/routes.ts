import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { InviteAcceptBody, InvitePayoutsQuery, InviteSettingsBody, InvitationsQuery } from '@siyu/contracts';
import { actorOf } from '../../../platform/http/admin-auth.js';
import { customerOf, shopOf } from '../../../platform/http/store-scope.js';
import type { Fission } from '../index.js';

/** 邀请有礼 in the console. Mounted under /api/admin. */
export const inviteAdminRoutes: FastifyPluginAsyncZod<{ fission: Fission }> = async (app, { fission: f }) => {
  const tags = ['invitations'];
  app.get('/invitations/settings', { config: { permission: 'promotions:read' }, schema: { tags, summary: 'Invitation rewards (邀请有礼): who counts as new, when a reward is due, the rewards and the daily cap' } }, async (req) =>
    f.invitations.settings(actorOf(req).shopId));

  app.put('/invitations/settings', { config: { permission: 'promotions:write' }, schema: { tags, summary: 'Set the invitation rewards', body: InviteSettingsBody } }, async (req) => {
    const { before, after } = await f.invitations.saveSettings(actorOf(req), req.body);
    req.audit = { entity: 'invite_settings', entityId: actorOf(req).shopId, before, after };
    return after;
  });

  app.get('/invitations', { config: { permission: 'promotions:read' }, schema: { tags, summary: 'Invitations: who invited whom, and whether it was rewarded', querystring: InvitationsQuery } }, async (req) =>
    f.invitations.list(actorOf(req).shopId, req.query));

  app.get('/invitations/payouts', { config: { permission: 'promotions:read' }, schema: { tags, summary: 'Cash rewards paid as WeChat change (商家转账): each side of each invitation, its transfer state, and whether it fell back to the member balance', querystring: InvitePayoutsQuery } }, async (req) =>
    f.invitations.payouts.list(actorOf(req).shopId, req.query));

  app.get('/invitations/overview', { config: { permission: 'promotions:read' }, schema: { tags, summary: 'Invitations accepted and rewarded, top inviters, 30 days by day' } }, async (req) => f.invitations.overview(actorOf(req).shopId));
};

const security = [{ customer: [] }];

/** 邀请有礼 on the storefront. Mounted under /api/store/:shop. */
export const inviteStoreRoutes: FastifyPluginAsyncZod<{ fission: Fission }> = async (app, { fission: f }) => {
  const tags = ['storefront'];
  app.post('/invitations/accept', { schema: { tags, security, summary: 'I arrived by a friend’s share link (its scene): the server decides whether that makes me their invitee', body: InviteAcceptBody } }, async (req) =>
    f.invitations.accept(shopOf(req).id, customerOf(req).id, req.body.scene, req.ip));

  app.get('/me/invitations', { schema: { tags, security, summary: 'The rewards for inviting friends, and the friends I invited' } }, async (req) => f.invitations.mine(shopOf(req).id, customerOf(req).id));

  app.get('/me/invitations/payouts', { schema: { tags, security, summary: 'My invitation cash rewards on their way as WeChat change; those waiting for 确认收款 carry what wx.requestMerchantTransfer needs' } }, async (req) =>
    f.invitations.payouts.mine(shopOf(req).id, customerOf(req).id));
};
