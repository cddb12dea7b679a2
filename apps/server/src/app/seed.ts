import { seedDemoMessaging } from '../modules/messaging/demo.js';
import type { Actor, Platform } from '../platform/context.js';
import type { Services } from './container.js';
import { demoEvents } from '../modules/cdp/demo.js';
import { gradientPng } from './demo-images.js';

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

type Rgb = [number, number, number];
interface DemoProduct {
  title: string;
  subtitle: string;
  category: string;
  colors: [Rgb, Rgb];
  specs: Record<string, string[]>;
  priceFen: number;
  marketFen: number;
  stock: number;
  weightGrams: number;
}

const CATEGORIES: Record<string, string[]> = { 服饰: ['T恤', '外套'], 美妆: ['护肤'], 食品: ['零食', '茶饮'] };

const PRODUCTS: DemoProduct[] = [
  { title: '纯棉圆领短袖T恤', subtitle: '新疆长绒棉 · 亲肤透气', category: 'T恤', colors: [[244, 143, 177], [255, 205, 210]], specs: { 颜色: ['白色', '黑色'], 尺码: ['M', 'L'] }, priceFen: 5900, marketFen: 9900, stock: 200, weightGrams: 250 },
  { title: '轻薄防风连帽外套', subtitle: '春秋通勤 · 可收纳', category: '外套', colors: [[100, 181, 246], [187, 222, 251]], specs: { 颜色: ['藏青', '卡其'], 尺码: ['M', 'L', 'XL'] }, priceFen: 19900, marketFen: 29900, stock: 80, weightGrams: 600 },
  { title: '玻尿酸补水面膜 10片装', subtitle: '深层补水 · 敏感肌可用', category: '护肤', colors: [[129, 199, 132], [200, 230, 201]], specs: {}, priceFen: 8900, marketFen: 12800, stock: 500, weightGrams: 300 },
  { title: '每日坚果 30袋礼盒', subtitle: '6种坚果果干 · 独立小包', category: '零食', colors: [[255, 183, 77], [255, 224, 178]], specs: { 规格: ['15袋', '30袋'] }, priceFen: 6990, marketFen: 9900, stock: 300, weightGrams: 750 },
  { title: '明前龙井绿茶 250g', subtitle: '杭州原产 · 2026年新茶', category: '茶饮', colors: [[77, 182, 172], [178, 223, 219]], specs: {}, priceFen: 16800, marketFen: 23800, stock: 120, weightGrams: 300 },
  { title: '冷萃挂耳咖啡 20包', subtitle: '哥伦比亚单品 · 中度烘焙', category: '茶饮', colors: [[161, 136, 127], [215, 204, 200]], specs: { 口味: ['经典', '花香'] }, priceFen: 4990, marketFen: 6900, stock: 400, weightGrams: 260 },
];

function combos(specs: Record<string, string[]>): Record<string, string>[] {
  return Object.entries(specs).reduce<Record<string, string>[]>((acc, [name, values]) => acc.flatMap((c) => values.map((v) => ({ ...c, [name]: v }))), [{}]);
}

/**
 * Seeds the demo shop on first run — staff, categories, products with pictures and stock, a shipping
 * template, a pickup point, two claimable coupons, top-up plans and a paid member card — so a fresh install can be
 * tried end to end at once. Later runs change nothing.
 */
export async function seedDemo(p: Platform, s: Services): Promise<DemoInfo> {
  const info: DemoInfo = { shopSlug: DEMO_SLUG, logins: [OWNER, ...STAFF], customerPhone: '13800138000' };
  const existing = await s.tenancy.getShopBySlug(DEMO_SLUG).catch(() => null);
  if (existing) return info;
  const { shop, owner } = await s.tenancy.createShop({
    slug: DEMO_SLUG,
    name: '私域好物演示店',
    owner: { login: OWNER.login, password: OWNER.password, displayName: '店主' },
  });
  const actor: Actor = { shopId: shop.id, type: 'staff', id: owner.id, name: '店主', role: 'owner' };
  for (const st of STAFF) await s.auth.createStaff(actor, st);
  await s.tenancy.updateShop(actor, { settings: { servicePhone: '400-800-8888' } });

  const categoryIds = new Map<string, string>();
  for (const [parent, children] of Object.entries(CATEGORIES)) {
    const top = await s.categories.create(actor, { name: parent });
    for (const child of children) categoryIds.set(child, (await s.categories.create(actor, { name: child, parentId: top.id })).id);
  }
  const made: { id: string; priceFen: number }[] = [];
  for (const d of PRODUCTS) {
    const image = await s.media.upload(actor, { data: gradientPng(d.colors[0], d.colors[1]), fileName: `${d.title}.png` });
    const product = await s.catalog.createProduct(actor, {
      title: d.title,
      subtitle: d.subtitle,
      description: `${d.title}。${d.subtitle}。`,
      categoryId: categoryIds.get(d.category) ?? null,
      status: 'on_sale',
      images: [image.url],
      specAttributes: Object.entries(d.specs).map(([name, values]) => ({ name, values })),
      weightGrams: d.weightGrams,
      skus: combos(d.specs).map((specValues) => ({ specValues, price: d.priceFen, marketPrice: d.marketFen, stock: d.stock })),
    });
    made.push({ id: product.id, priceFen: d.priceFen });
  }
  // A month of visits, so 数据分析 shows funnels and trends on first start (the loader takes them in).
  const visits = demoEvents(made, p.now().getTime());
  for (let i = 0; i < visits.length; i += 500) await s.cdp.accept(shop.id, visits.slice(i, i + 500));
  await s.shipping.createTemplate(actor, {
    name: '全国包邮(满99)',
    chargeBy: 'piece',
    rules: [
      { regions: [], first: 1, firstFeeFen: 800, additional: 1, additionalFeeFen: 200 },
      { regions: ['新疆维吾尔自治区', '西藏自治区', '青海省'], first: 1, firstFeeFen: 2000, additional: 1, additionalFeeFen: 1000 },
    ],
    freeOverFen: 9900,
    excludedRegions: [],
    isDefault: true,
  });
  await s.shipping.createPickupPoint(actor, { name: '深圳南山旗舰店', address: '广东省深圳市南山区科技园南区 1 号', phone: '0755-88886666', hours: '10:00-22:00' });
  // Coupons in the claim centre, so the storefront shows promotions at once; nothing is given automatically.
  const coupon = { scope: 'all' as const, scopeIds: [], excludedProductIds: [], audience: 'all' as const, audienceIds: [], perCustomerLimit: 1, stacksWithActivities: true, claimable: true };
  await s.coupons.createTemplate(actor, { ...coupon, name: '全场满100减20', kind: 'amount_off', thresholdFen: 10000, amountOffFen: 2000, validity: { type: 'relative', days: 30 }, totalQuantity: 1000 });
  await s.coupons.createTemplate(actor, { ...coupon, name: '新人无门槛5元', kind: 'no_threshold', thresholdFen: 0, amountOffFen: 500, audience: 'new_customers', validity: { type: 'relative', days: 7 }, totalQuantity: 5000 });
  // Stored value and a paid card, so the member centre shows 充值 and 会员卡 at once.
  await s.topups.savePlan(actor, null, { name: '充100送20', amountFen: 10000, bonusFen: 2000, active: true, sortOrder: 1 });
  await s.topups.savePlan(actor, null, { name: '充300送80', amountFen: 30000, bonusFen: 8000, active: true, sortOrder: 2 });
  const monthly = await s.coupons.createTemplate(actor, { ...coupon, claimable: false, perCustomerLimit: 100, name: '会员卡月度无门槛10元', kind: 'no_threshold', thresholdFen: 0, amountOffFen: 1000, validity: { type: 'relative', days: 30 }, totalQuantity: 100000 });
  await s.cards.savePlan(actor, null, { name: '黑金月卡', periodKind: 'month', priceFen: 1990, percentPaid: 95, freeShipping: true, monthlyCouponTemplateId: monthly.id, description: '全场9.5折,包邮,每月无门槛10元券', active: true, sortOrder: 1 });
  await seedDemoMessaging(p, { accounts: s.channelAccounts, oa: s.officialAccount, messaging: s.messaging }, shop.id);
  p.log.info({ shop: shop.slug }, 'demo shop seeded');
  return info;
}
