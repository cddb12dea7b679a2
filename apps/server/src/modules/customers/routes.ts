import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  AdminCustomerListQuery,
  AdminCustomerPatchBody,
  BindPhoneBody,
  CustomerAddressBody,
  CustomerAddressPatchBody,
  SendSmsCodeBody,
  SmsSignInBody,
  UpdateMeBody,
  WechatAuthorizeUrlQuery,
  WechatSignInBody,
} from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import { customerOf, shopOf } from '../../platform/http/store-scope.js';
import type { CustomersService } from './service.js';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../../platform/config.js';
import { isHttps } from '../../platform/http/security.js';

const WECHAT_STATE_COOKIE = 'siyu_wx_state';

const bearer = (header?: string) => (header?.startsWith('Bearer ') ? header.slice(7) : '');
const security = [{ customer: [] }];

/** Storefront sign-in, profile and addresses. Mounted under /api/store/:shop. */
export const customerStoreRoutes: FastifyPluginAsyncZod<{ customers: CustomersService; config: Config }> = async (app, { customers, config }) => {
  const tags = ['storefront: customers'];
  const meta = (req: { ip: string; headers: { 'user-agent'?: string } }) => ({ ip: req.ip, userAgent: req.headers['user-agent'] });

  app.post('/auth/sms-code', { schema: { tags, summary: 'Send an SMS verification code', body: SendSmsCodeBody } }, async (req) =>
    customers.sendSmsCode(shopOf(req).id, { ...req.body, ip: req.ip }),
  );

  app.post('/auth/sign-in/sms', { schema: { tags, summary: 'Sign in (or register) with phone and SMS code', body: SmsSignInBody } }, async (req) => {
    const { token, expiresAt, customer } = await customers.signInWithSms(shopOf(req).id, { ...req.body, ...meta(req) });
    return { token, expiresAt, customer };
  });

  // The state is bound to this browser by an http-only cookie, scoped to the shop's sign-in routes.
  const stateCookie = (req: FastifyRequest) => ({ path: `/api/store/${shopOf(req).slug}/auth`, httpOnly: true, sameSite: 'lax' as const, secure: isHttps(req, config) });

  app.get('/auth/wechat/authorize-url', {
    schema: { tags, summary: 'WeChat web authorization URL to send the browser to (sets the state cookie)', querystring: WechatAuthorizeUrlQuery },
  }, async (req, reply) => {
    const { browserKey, expiresInSeconds, ...res } = await customers.wechatAuthorizeUrl(shopOf(req).id, req.query);
    reply.setCookie(WECHAT_STATE_COOKIE, browserKey, { ...stateCookie(req), maxAge: expiresInSeconds });
    return res;
  });

  app.post('/auth/sign-in/wechat', {
    schema: { tags, summary: 'Sign in (or register) with a WeChat authorization code and the state issued to this browser', body: WechatSignInBody },
  }, async (req, reply) => {
    const { token, expiresAt, customer } = await customers.signInWithWechat(shopOf(req).id, { ...req.body, browserKey: req.cookies[WECHAT_STATE_COOKIE], ...meta(req) });
    reply.clearCookie(WECHAT_STATE_COOKIE, stateCookie(req));
    return { token, expiresAt, customer };
  });

  app.post('/auth/sign-out', { schema: { tags, summary: 'End this session', security } }, async (req) => {
    const c = customerOf(req);
    await customers.signOut(c.shopId, bearer(req.headers.authorization));
    return { ok: true };
  });

  app.get('/me', { schema: { tags, summary: 'The signed-in customer', security } }, async (req) => {
    const c = customerOf(req);
    return customers.me(c.shopId, c.id);
  });

  app.patch('/me', { schema: { tags, summary: 'Change nickname, avatar, gender; set the birthday once (409 BIRTHDAY_LOCKED after)', security, body: UpdateMeBody } }, async (req) => {
    const c = customerOf(req);
    return customers.updateMe(c.shopId, c.id, req.body);
  });

  app.post('/me/bind-phone', {
    schema: { tags, summary: 'Bind a phone; merges with the customer who already has it (returns a new token then)', security, body: BindPhoneBody },
  }, async (req) => {
    const c = customerOf(req);
    const res = await customers.bindPhone(c.shopId, c.id, { ...req.body, currentToken: bearer(req.headers.authorization), ...meta(req) });
    return { token: res.token, merged: res.merged, customer: res.customer };
  });

  const AddressParams = z.object({ shop: z.string(), id: z.uuid() });

  app.get('/me/addresses', { schema: { tags, summary: 'My addresses, default first', security } }, async (req) => {
    const c = customerOf(req);
    return { items: await customers.addresses.list(c.shopId, c.id) };
  });

  app.get('/me/addresses/:id', { schema: { tags, summary: 'One of my addresses', security, params: AddressParams } }, async (req) => {
    const c = customerOf(req);
    return customers.addresses.get(c.shopId, c.id, req.params.id);
  });

  app.post('/me/addresses', { schema: { tags, summary: 'Add an address (at most 20)', security, body: CustomerAddressBody } }, async (req, reply) => {
    const c = customerOf(req);
    return reply.status(201).send(await customers.addresses.create(c.shopId, c.id, req.body));
  });

  app.patch('/me/addresses/:id', { schema: { tags, summary: 'Change an address or make it the default', security, params: AddressParams, body: CustomerAddressPatchBody } }, async (req) => {
    const c = customerOf(req);
    return customers.addresses.update(c.shopId, c.id, req.params.id, req.body);
  });

  app.delete('/me/addresses/:id', { schema: { tags, summary: 'Remove an address', security, params: AddressParams } }, async (req) => {
    const c = customerOf(req);
    return customers.addresses.remove(c.shopId, c.id, req.params.id);
  });
};

/** The console's customer list and detail. Mounted under /api/admin. */
export const customerAdminRoutes: FastifyPluginAsyncZod<{ customers: CustomersService }> = async (app, { customers }) => {
  const tags = ['customers'];
  const Params = z.object({ id: z.uuid() });

  app.get('/customers', {
    config: { permission: 'customers:read' },
    schema: { tags, summary: 'Customers, newest first; search by phone or nickname', querystring: AdminCustomerListQuery },
  }, async (req) => customers.admin.list(actorOf(req).shopId, req.query));

  app.get('/customers/:id', {
    config: { permission: 'customers:read' },
    schema: { tags, summary: 'A customer with WeChat identities and addresses', params: Params },
  }, async (req) => customers.admin.detail(actorOf(req).shopId, req.params.id));

  app.patch('/customers/:id', {
    config: { permission: 'customers:write' },
    schema: { tags, summary: 'Change nickname, remark or birthday', params: Params, body: AdminCustomerPatchBody },
  }, async (req) => {
    const { before, after } = await customers.admin.update(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'customer', entityId: after.id, before, after };
    return after;
  });
};
