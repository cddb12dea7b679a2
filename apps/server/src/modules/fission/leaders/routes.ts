import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  LeaderApplyBody, LeaderListQuery, LeaderNearbyQuery, LeaderPageQuery, LeaderPickListQuery, LeaderRejectBody, LeaderSettingsBody, LeaderSettlementExportQuery,
  LeaderSettlementListQuery, LeaderSettlementPaidBody, LeaderSettlementRunBody, LeaderVerifyBody, MyLeaderBody,
} from '@siyu/contracts';
import { actorOf } from '../../../platform/http/admin-auth.js';
import { customerOf, shopOf } from '../../../platform/http/store-scope.js';
import type { Fission } from '../index.js';
import { exportPickListXlsx, exportSettlementsXlsx } from './export.js';

const IdParams = z.object({ id: z.uuid() });
const CustomerParams = z.object({ customerId: z.uuid() });
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** 社区团长 in the console. Mounted under /api/admin. */
export const leaderAdminRoutes: FastifyPluginAsyncZod<{ fission: Fission }> = async (app, { fission }) => {
  const l = fission.leaders;
  const tags = ['leaders'];
  const read = { permission: 'distribution:read' } as const;
  const manage = { permission: 'distribution:manage' } as const;
  const payout = { permission: 'distribution:payout' } as const;

  app.get('/leaders/settings', { config: read, schema: { tags, summary: 'Community leaders (社区团长): commission, daily cut-off (Beijing), pickup day, review' } }, async (req) => l.settings(actorOf(req).shopId));

  app.put('/leaders/settings', { config: manage, schema: { tags, summary: 'Change the community leader settings', body: LeaderSettingsBody } }, async (req) => {
    const { before, after } = await l.saveSettings(actorOf(req), req.body);
    req.audit = { entity: 'leader_settings', entityId: actorOf(req).shopId, before, after };
    return after;
  });

  app.get('/leaders/overview', { config: read, schema: { tags, summary: 'Leaders, pending applications, verified orders and commission in 30 days, unsettled, ranking' } }, async (req) => l.overview(actorOf(req).shopId));

  app.get('/leaders', { config: read, schema: { tags, summary: 'Leaders and applications with their customers, verified orders and commission', querystring: LeaderListQuery } }, async (req) => l.list(actorOf(req).shopId, req.query));

  app.get('/leaders/:customerId', { config: read, schema: { tags, summary: 'A leader or application', params: CustomerParams } }, async (req) => l.detail(actorOf(req).shopId, req.params.customerId));

  for (const action of ['approve', 'disable'] as const) {
    app.post(`/leaders/:customerId/${action}`, {
      config: manage,
      schema: { tags, summary: action === 'approve' ? 'Approve a leader: creates their pickup point 「团长·name」 (or makes it active again)' : 'Disable a leader: their pickup point becomes inactive', params: CustomerParams },
    }, async (req) => {
      const { before, after } = await l.review(actorOf(req), req.params.customerId, action);
      req.audit = { entity: 'leader', entityId: req.params.customerId, before, after };
      return after;
    });
  }

  app.post('/leaders/:customerId/reject', { config: manage, schema: { tags, summary: 'Reject a leader application', params: CustomerParams, body: LeaderRejectBody } }, async (req) => {
    const { before, after } = await l.review(actorOf(req), req.params.customerId, 'reject', req.body.reason);
    req.audit = { entity: 'leader', entityId: req.params.customerId, before, after };
    return after;
  });

  app.get('/leaders/:customerId/pick-list', { config: read, schema: { tags, summary: 'A leader’s pick list for the batch whose cut-off is on date (Beijing)', params: CustomerParams, querystring: LeaderPickListQuery } }, async (req) =>
    l.pickList(actorOf(req).shopId, req.params.customerId, req.query.date ?? l.today()));

  app.get('/leaders/:customerId/pick-list.xlsx', { config: read, schema: { tags, summary: 'The pick list as Excel', params: CustomerParams, querystring: LeaderPickListQuery } }, async (req, reply) => {
    const buf = await exportPickListXlsx(l, actorOf(req).shopId, req.params.customerId, req.query.date ?? l.today());
    reply.header('content-type', XLSX);
    reply.header('content-disposition', `attachment; filename="pick-list-${req.query.date ?? l.today()}.xlsx"`);
    return reply.send(buf);
  });

  app.get('/leader-settlements', { config: read, schema: { tags, summary: 'Leader settlements', querystring: LeaderSettlementListQuery } }, async (req) => l.settlements(actorOf(req).shopId, req.query));

  app.get('/leader-settlements.xlsx', { config: read, schema: { tags, summary: 'Leader settlements as Excel', querystring: LeaderSettlementExportQuery } }, async (req, reply) => {
    const buf = await exportSettlementsXlsx(l, actorOf(req).shopId, req.query.status);
    reply.header('content-type', XLSX);
    reply.header('content-disposition', `attachment; filename="leader-settlements-${new Date().toISOString().slice(0, 10)}.xlsx"`);
    return reply.send(buf);
  });

  app.post('/leader-settlements/run', { config: manage, schema: { tags, summary: 'Settle every leader’s unsettled commission up to periodTo (Beijing day): one settlement per leader, once per period', body: LeaderSettlementRunBody } }, async (req) => {
    const result = await l.run(actorOf(req), req.body.periodTo);
    req.audit = { entity: 'leader_settlement_run', entityId: req.body.periodTo, after: result };
    return result;
  });

  app.get('/leader-settlements/:id/commissions', { config: read, schema: { tags, summary: 'The commissions a settlement took', params: IdParams } }, async (req) => ({
    items: await l.settlementCommissions(actorOf(req).shopId, req.params.id),
  }));

  app.post('/leader-settlements/:id/paid', { config: payout, schema: { tags, summary: 'Mark a settlement paid (offline or by transfer)', params: IdParams, body: LeaderSettlementPaidBody } }, async (req) => {
    const { before, after } = await l.markPaid(actorOf(req), req.params.id, req.body.note);
    req.audit = { entity: 'leader_settlement', entityId: req.params.id, before, after };
    return after;
  });
};

const security = [{ customer: [] }];

/** Choosing a leader, and the leader centre. Mounted under /api/store/:shop. */
export const leaderStoreRoutes: FastifyPluginAsyncZod<{ fission: Fission }> = async (app, { fission }) => {
  const l = fission.leaders;
  const tags = ['storefront'];

  app.get('/leaders/nearby', { schema: { tags, summary: 'Community leaders, nearest first when lat/lng are given (else by name)', querystring: LeaderNearbyQuery } }, async (req) =>
    l.nearby(shopOf(req).id, req.query));

  app.get('/me/leader', { schema: { tags, security, summary: 'My community leader, the cut-off time and when the next batch is picked up' } }, async (req) => l.myLeader(shopOf(req).id, customerOf(req).id));

  app.put('/me/leader', { schema: { tags, security, summary: 'Choose my community leader (changes are kept)', body: MyLeaderBody } }, async (req) => l.choose(shopOf(req).id, customerOf(req).id, req.body.leaderId));

  app.get('/me/leader-centre', { schema: { tags, security, summary: 'My leader application or leader centre with stats' } }, async (req) => l.centre(shopOf(req).id, customerOf(req).id));

  app.post('/me/leader-centre/apply', { schema: { tags, security, summary: 'Apply to be a community leader', body: LeaderApplyBody } }, async (req) => l.apply(shopOf(req).id, customerOf(req).id, req.body));

  app.get('/me/leader-centre/pick-list', { schema: { tags, security, summary: 'My pick list for the batch whose cut-off is on date', querystring: LeaderPickListQuery } }, async (req) =>
    l.myPickList(shopOf(req).id, customerOf(req).id, req.query.date ?? l.today()));

  app.post('/me/leader-centre/verify', { schema: { tags, security, summary: 'Verify a pickup code of an order at my pickup point: the order completes', body: LeaderVerifyBody } }, async (req) =>
    l.verify(shopOf(req).id, customerOf(req).id, req.body.code));

  app.get('/me/leader-centre/commissions', { schema: { tags, security, summary: 'My commissions on verified pickups', querystring: LeaderPageQuery } }, async (req) =>
    l.myCommissions(shopOf(req).id, customerOf(req).id, req.query.page, req.query.pageSize));

  app.get('/me/leader-centre/settlements', { schema: { tags, security, summary: 'My settlements', querystring: LeaderPageQuery } }, async (req) =>
    l.mySettlements(shopOf(req).id, customerOf(req).id, req.query.page, req.query.pageSize));
};
