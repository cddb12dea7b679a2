import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TenancyService } from '../tenancy/service.js';
import { unauthorized } from '../errors.js';
import { TtlCache } from '../ttl-cache.js';

/** The shop a storefront request is for, from the `:shop` slug in the URL. */
export interface StoreShop {
  id: string;
  slug: string;
  name: string;
}

/** A signed-in customer of that shop. */
export interface StoreCustomer {
  id: string;
  shopId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    shop?: StoreShop;
    customer?: StoreCustomer;
  }
}

export type CustomerResolver = (shopId: string, token: string) => Promise<StoreCustomer | null>;

/**
 * Storefront scope (`/api/store/:shop/...`): resolves the shop from its slug and, when the request
 * carries `Authorization: Bearer <customer token>`, the customer. Routes that need a signed-in customer
 * call `customerOf(req)`.
 */
export function installStoreScope(app: FastifyInstance, tenancy: TenancyService, resolveCustomer: CustomerResolver) {
  // Every storefront request names its shop; a rush (flash sale) must not cost a query each for it.
  const shops = new TtlCache<StoreShop>(30_000, 10_000);
  app.addHook('onRequest', async (req) => {
    const slug = (req.params as { shop?: string }).shop;
    if (!slug) return;
    let cached = shops.get(slug);
    if (!cached) {
      const shop = await tenancy.getShopBySlug(slug);
      cached = { id: shop.id, slug: shop.slug, name: shop.name };
      shops.set(slug, cached);
    }
    const shop = cached;
    req.shop = shop;
    const header = req.headers.authorization;
    if (header?.startsWith('Bearer ')) {
      const customer = await resolveCustomer(shop.id, header.slice(7));
      if (!customer) throw unauthorized('SESSION_EXPIRED', 'Session expired, sign in again');
      req.customer = customer;
    }
  });
}

export function shopOf(req: FastifyRequest): StoreShop {
  if (!req.shop) throw new Error('store scope not installed');
  return req.shop;
}

export function customerOf(req: FastifyRequest): StoreCustomer {
  if (!req.customer) throw unauthorized('UNAUTHENTICATED', 'Sign in to continue');
  return req.customer;
}
