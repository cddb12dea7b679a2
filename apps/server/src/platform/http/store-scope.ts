import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TenancyService } from '../tenancy/service.js';
import { AppError, unauthorized } from '../errors.js';
import { TtlCache } from '../ttl-cache.js';
import type { ShopCache } from '../shop-cache.js';

/** The shop a storefront request is for, from the `:shop` slug in the URL. */
export interface StoreShop {
  id: string;
  slug: string;
  name: string;
  /** A `suspended` shop answers reads (so the storefront can say so) and refuses every write. */
  status: 'active' | 'suspended';
  logoUrl: string | null;
  servicePhone: string | null;
  /** Why it is suspended, when the operator made the reason public. */
  suspensionReason: string | null;
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

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
export function installStoreScope(app: FastifyInstance, tenancy: TenancyService, shopCache: ShopCache, resolveCustomer: CustomerResolver) {
  // Every storefront request names its shop; a rush (flash sale) must not cost a query each for it. A slug
  // always names the same shop; what it says (name, status) comes from the shop cache, which every
  // process drops within a quarter second of a change (a suspension bites at once where it was made).
  const ids = new TtlCache<string>(300_000, 10_000);
  const load = (id: string) =>
    tenancy.getShop(id).then((s): StoreShop => ({
      id: s.id,
      slug: s.slug,
      name: s.name,
      status: s.status,
      logoUrl: s.logoUrl ?? null,
      servicePhone: s.settings?.servicePhone ?? null,
      suspensionReason: s.status === 'suspended' && s.suspensionReasonPublic ? s.suspensionReason : null,
    }));
  app.addHook('onRequest', async (req) => {
    const slug = (req.params as { shop?: string }).shop;
    if (!slug) return;
    let id = ids.get(slug);
    if (!id) {
      const shop = await tenancy.getShopBySlug(slug);
      id = shop.id;
      ids.set(slug, id);
    }
    const cached = await shopCache.get(id, 'store', () => load(id));
    const shop = cached;
    req.shop = shop;
    if (shop.status === 'suspended' && !READS.has(req.method)) {
      throw new AppError(403, 'SHOP_SUSPENDED', 'This shop is suspended and takes no orders for now', { field: 'shop' });
    }
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
