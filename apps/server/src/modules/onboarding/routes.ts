import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ChecklistPatchBody, CreateShopBody, SignUpCodeBody, SignUpVerifyBody, SlugCheckQuery } from '@siyu/contracts';
import type { Config } from '../../platform/config.js';
import { actorOf, CSRF_COOKIE, SESSION_COOKIE } from '../../platform/http/admin-auth.js';
import { isHttps } from '../../platform/http/security.js';
import type { SignUpService } from './sign-up.js';
import type { ChecklistService } from './checklist.js';

/**
 * Merchant sign-up (public: no session yet) and the new shop's first-steps checklist. Mounted under
 * /api/admin, so the shop's session cookie is set exactly as sign-in sets it.
 */
export const onboardingRoutes: FastifyPluginAsyncZod<{ signUp: SignUpService; checklist: ChecklistService; config: Config }> = async (app, { signUp, checklist, config }) => {
  const tags = ['onboarding'];

  app.post('/sign-up/codes', {
    config: { public: true },
    schema: { tags, summary: 'Merchant sign-up: send a code by SMS or e-mail (rate-limited per network and per phone / address)', body: SignUpCodeBody },
  }, async (req) => signUp.sendCode({ ...req.body, ip: req.ip }));

  app.post('/sign-up/verify', {
    config: { public: true },
    schema: { tags, summary: 'Merchant sign-up: check the code, choose the password; answers a ticket for creating the shop (409 LOGIN_TAKEN when the phone / e-mail has an account)', body: SignUpVerifyBody },
  }, async (req) => signUp.verify(req.body));

  app.get('/sign-up/slug', {
    config: { public: true },
    schema: { tags, summary: 'Whether a storefront address /s/<slug>/ can be had (invalid, reserved or taken)', querystring: SlugCheckQuery },
  }, async (req) => signUp.checkSlug(req.query.slug));

  app.post('/sign-up/shop', {
    config: { public: true },
    schema: { tags, summary: 'Merchant sign-up: create the shop and sign in as its owner (201; 200 when a retry of the same ticket finds the shop made)', body: CreateShopBody },
  }, async (req, reply) => {
    const res = await signUp.createShop({ ...req.body, ip: req.ip, userAgent: req.headers['user-agent'] });
    const cookie = { path: '/', sameSite: 'lax' as const, secure: isHttps(req, config), expires: res.session.expiresAt };
    reply.setCookie(SESSION_COOKIE, res.session.token, { ...cookie, httpOnly: true });
    reply.setCookie(CSRF_COOKIE, res.session.csrfToken, { ...cookie, httpOnly: false });
    return reply.status(res.created ? 201 : 200).send({ shop: res.shop, owner: res.owner, csrfToken: res.session.csrfToken, expiresAt: res.session.expiresAt });
  });

  app.get('/onboarding/checklist', {
    config: { permission: 'dashboard:read' },
    schema: { tags, summary: 'First steps of a new shop (WeChat Pay, first product, first coupon): done or not, and where to do each' },
  }, async (req) => checklist.get(actorOf(req).shopId));

  app.put('/onboarding/checklist', {
    config: { permission: 'settings:write' },
    schema: { tags, summary: 'Hide the first-steps checklist for the shop, or show it again', body: ChecklistPatchBody },
  }, async (req) => {
    const { before, after } = await checklist.setDismissed(actorOf(req), req.body.dismissed);
    req.audit = { entity: 'onboarding_checklist', entityId: actorOf(req).shopId, before, after: { dismissed: after.dismissed } };
    return after;
  });
};
