import type { Platform } from '../platform/context.js';
import type { Services } from './container.js';

export interface DemoInfo {
  shopSlug: string;
  logins: { login: string; password: string; role: string }[];
  customerPhone: string;
}

const DEMO_SLUG = 'demo';
const OWNER = { login: 'owner@demo', password: 'siyu-demo-123', role: 'owner' };
const STAFF = [
  { login: 'ops@demo', password: 'siyu-demo-123', role: 'operator' as const, displayName: '运营小王' },
  { login: 'cs@demo', password: 'siyu-demo-123', role: 'customer_service' as const, displayName: '客服小李' },
];

/** Seeds the demo shop on first run; later runs find it and change nothing. */
export async function seedDemo(p: Platform, s: Services): Promise<DemoInfo> {
  const info: DemoInfo = { shopSlug: DEMO_SLUG, logins: [OWNER, ...STAFF], customerPhone: '13800138000' };
  const existing = await s.tenancy.getShopBySlug(DEMO_SLUG).catch(() => null);
  if (existing) return info;
  const { shop, owner } = await s.tenancy.createShop({
    slug: DEMO_SLUG,
    name: '私域好物演示店',
    owner: { login: OWNER.login, password: OWNER.password, displayName: '店主' },
  });
  const actor = { shopId: shop.id, type: 'staff' as const, id: owner.id, name: '店主', role: 'owner' as const };
  for (const st of STAFF) await s.auth.createStaff(actor, st);
  p.log.info({ shop: shop.slug }, 'demo shop seeded');
  return info;
}
