import type { InboxEvent } from './segment.js';

/**
 * A month of believable visits for the demo shop, so the console's analyses have something to show on
 * first start: visitors from posters, WeChat groups, a livestream, a store's QR code and shared links
 * browse, view products, add some to the cart and pay, and some come back. Deterministic (a fixed seed),
 * so every fresh demo looks the same.
 */
export function demoEvents(products: { id: string; priceFen: number }[], now: number, people = 400): InboxEvent[] {
  let seed = 20261204;
  const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)]!;
  const SOURCES = [
    { channel: 'poster', source: 'poster', medium: 'offline', campaign: 'autumn' },
    { channel: 'wechat_group', source: 'wechat', medium: 'social', campaign: 'group_buy' },
    { channel: 'live', source: 'douyin', medium: 'live', campaign: 'live_1111' },
    { channel: 'qr:store_a', source: '', medium: '', campaign: '' },
    { channel: 'share', source: '', medium: '', campaign: '' },
    { channel: '', source: '', medium: '', campaign: '' },
  ];
  const out: InboxEvent[] = [];
  let n = 0;
  const add = (who: { anonymousId: string; userId?: string }, from: (typeof SOURCES)[number], ts: number, type: InboxEvent['type'], event: string, properties: Record<string, unknown>, path: string) =>
    out.push({ type, event, messageId: `demo-${n++}`, ...who, ts, properties, source: from.source, medium: from.medium, campaign: from.campaign, channel: from.channel, os: rnd() < 0.7 ? 'iOS' : 'Android', path });
  for (let i = 0; i < people; i++) {
    const who: { anonymousId: string; userId?: string } = { anonymousId: `demo-device-${i}` };
    const from = pick(SOURCES);
    let day = Math.floor(rnd() * 30);
    const visits = 1 + (rnd() < 0.4 ? Math.floor(rnd() * 3) + 1 : 0);
    for (let v = 0; v < visits && day >= 0; v++) {
      let ts = now - day * 86_400_000 - Math.floor(rnd() * 12 * 3600_000);
      const step = () => (ts += 20_000 + Math.floor(rnd() * 120_000));
      add(who, from, ts, 'page', '$pageview', { path: '/' }, '/');
      if (rnd() < 0.7) {
        const p = pick(products);
        add(who, from, step(), 'track', 'product_viewed', { product_id: p.id, price_fen: p.priceFen }, `/products/${p.id}`);
        if (rnd() < 0.4) {
          add(who, from, step(), 'track', 'product_added', { product_id: p.id, quantity: 1, price_fen: p.priceFen }, `/products/${p.id}`);
          if (rnd() < 0.45) {
            if (!who.userId) {
              who.userId = `demo-member-${i}`;
              add(who, from, step(), 'identify', '$identify', {}, '/login');
            }
            const coupon = rnd() < 0.25 ? 500 : 0;
            add(who, from, step(), 'track', 'order_paid', { amount: p.priceFen - coupon, coupon_discount_fen: coupon, member: rnd() < 0.3, product_ids: [p.id] }, '/checkout');
          }
        }
      }
      day -= 1 + Math.floor(rnd() * 7);
    }
  }
  return out;
}
