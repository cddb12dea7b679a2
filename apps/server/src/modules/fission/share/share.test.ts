import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import QRCode from 'qrcode';
import { SCENE_PATTERN } from '@siyu/contracts';
import { startTestApp, type TestApp } from '../../../testing/harness.js';
import { addAddress, bearer, createProduct, payOrder, signInCustomer, waitFor, type CustomerFixture, type ShopFixture, atTime } from '../../../testing/commerce.js';
import { wrap } from './posters.js';

const DAY = 86_400_000;
let t: TestApp;
let shop: ShopFixture;
let other: ShopFixture;
let alice: CustomerFixture;
const store = (path: string, s: ShopFixture = shop) => `/api/store/${s.slug}${path}`;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  [shop, other] = [await t.createShop(), await t.createShop()];
  alice = await signInCustomer(t, shop.slug);
  await t.call('PATCH', store('/me'), { headers: bearer(alice), body: { nickname: '小鱼' } });
});
afterAll(() => t?.close());

const at = <T>(ms: number, run: () => Promise<T>) => atTime(t, ms, run);

async function share(c: CustomerFixture, body: unknown, s: ShopFixture = shop) {
  return t.call('POST', store('/me/share', s), { headers: bearer(c), body });
}

/** A product on sale whose main picture is a PNG in our media storage. */
async function productWithPicture(title: string, priceFen: number) {
  const pic = createCanvas(400, 400);
  const ctx = pic.getContext('2d');
  ctx.fillStyle = '#2a7de1';
  ctx.fillRect(0, 0, 400, 400);
  ctx.fillStyle = '#ffffff';
  ctx.beginPath();
  ctx.arc(200, 200, 120, 0, Math.PI * 2);
  ctx.fill();
  const stored = await t.platform.storage.put(`img/${shop.shopId}`, 'png', await pic.encode('png'), 'image/png');
  const res = await t.call('POST', '/api/admin/products', {
    session: shop.owner,
    body: { title, status: 'on_sale', images: [stored.url], specAttributes: [], weightGrams: 300, skus: [{ specValues: {}, price: priceFen, stock: 10 }] },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}

function pngSize(buf: Buffer) {
  expect(buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  expect(buf.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

async function fetchPng(path: string) {
  const res = await fetch(`${t.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), cache: res.headers.get('cache-control'), body: Buffer.from(await res.arrayBuffer()) };
}

describe('scenes', () => {
  it('are at most 32 characters of WeChat’s scene set, distinct, and resolve to what they were made for', async () => {
    const scenes = t.services.fission.scenes;
    const made = new Map<string, string>();
    for (let i = 0; i < 200; i++) {
      const targetId = randomUUID();
      const { scene, url, posterUrl } = await scenes.create(t.platform.db, shop.shopId, { kind: 'product', targetId, sharerCustomerId: i % 2 ? alice.customerId : null });
      expect(scene.length).toBeLessThanOrEqual(32);
      expect(scene).toMatch(/^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$/);
      expect(scene).toMatch(SCENE_PATTERN);
      expect(url).toBe(`${t.platform.publicUrl()}/s/${shop.slug}/share/${scene}`);
      expect(posterUrl).toBe(`/api/store/${shop.slug}/posters/${scene}.png`);
      made.set(scene, targetId);
    }
    expect(made.size).toBe(200);
    for (const [scene, targetId] of [...made].slice(0, 5)) {
      expect(await scenes.resolve(shop.shopId, scene)).toMatchObject({ kind: 'product', targetId, path: `/products/${targetId}` });
    }
  });

  it('gives the same scene for the same share, another for another sharer or target', async () => {
    const p = await createProduct(t, shop.owner, { title: '同一件', priceFen: 1000, stock: 5 });
    const bob = await signInCustomer(t, shop.slug);
    const a1 = await share(alice, { kind: 'product', targetId: p.id });
    const a2 = await share(alice, { kind: 'product', targetId: p.id });
    expect(a1.status, JSON.stringify(a1.body)).toBe(200);
    expect(a2.body.scene).toBe(a1.body.scene);
    expect((await share(bob, { kind: 'product', targetId: p.id })).body.scene).not.toBe(a1.body.scene);
    const home = await share(alice, { kind: 'promoter' });
    expect(home.status, JSON.stringify(home.body)).toBe(200);
    expect(home.body.scene).not.toBe(a1.body.scene);
    expect((await share(alice, { kind: 'promoter', targetId: null })).body.scene).toBe(home.body.scene);

    const opened = await t.call('GET', store(`/scenes/${a1.body.scene}`));
    expect(opened.body).toEqual({ kind: 'product', targetId: p.id, path: `/products/${p.id}`, sharerNickname: '小鱼' });
    expect((await t.call('GET', store(`/scenes/${home.body.scene}`))).body).toEqual({ kind: 'promoter', targetId: null, path: '/', sharerNickname: '小鱼' });
    const resolved = await t.services.fission.scenes.resolve(shop.shopId, a1.body.scene);
    expect(resolved).toMatchObject({ kind: 'product', targetId: p.id, sharerCustomerId: alice.customerId, sharerNickname: '小鱼' });
  });

  it('refuses forged scenes and another shop’s, and says 410 once expired (a new share then gets a new scene)', async () => {
    const p = await createProduct(t, shop.owner, { title: '会过期', priceFen: 1000, stock: 5 });
    const { scene } = (await share(alice, { kind: 'product', targetId: p.id })).body;
    const [id, sig] = scene.split('.');
    const flipped = `${id}.${sig.slice(0, 5)}${sig[5] === 'a' ? 'b' : 'a'}`;
    for (const bad of [flipped, `${id.slice(0, 9)}${id[9] === 'a' ? 'b' : 'a'}.${sig}`, 'abc', 'x'.repeat(32)]) {
      const res = await t.call('GET', store(`/scenes/${encodeURIComponent(bad)}`));
      expect(res.status, bad).toBe(404);
      expect(res.body.error.details.field).toBe('scene');
      expect(await t.services.fission.scenes.resolve(shop.shopId, bad)).toBeNull();
    }
    expect(t.services.fission.scenes.verify(other.shopId, scene)).toBeNull();
    expect((await t.call('GET', store(`/scenes/${scene}`, other))).status).toBe(404);
    expect((await fetchPng(store(`/posters/${scene}.png`, other))).status).toBe(404);
    expect(await t.services.fission.scenes.resolve(other.shopId, scene)).toBeNull();

    const later = Date.now() + 31 * DAY;
    await at(later, async () => {
      const gone = await t.call('GET', store(`/scenes/${scene}`));
      expect(gone.status).toBe(410);
      expect(gone.body.error).toMatchObject({ code: 'SCENE_EXPIRED', details: { field: 'scene' } });
      await expect(t.services.fission.scenes.resolve(shop.shopId, scene)).rejects.toMatchObject({ status: 410, code: 'SCENE_EXPIRED' });
      expect((await fetchPng(store(`/posters/${scene}.png`))).status).toBe(410);
      // (Alice's session has expired by then too, so the share is made on the service.)
      const again = await t.services.fission.scenes.create(t.platform.db, shop.shopId, { kind: 'product', targetId: p.id, sharerCustomerId: alice.customerId });
      expect(again.scene).not.toBe(scene);
      expect((await t.call('GET', store(`/scenes/${again.scene}`))).status).toBe(200);
      expect((await t.call('GET', store(`/scenes/${scene}`))).status).toBe(410);
    });
  });

  it('moves a merged-away sharer’s scenes to the survivor (whose own scene stays current) and purges long-expired ones', async () => {
    const scenes = t.services.fission.scenes;
    const [from, into] = [await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug)];
    const [shared, onlyFrom] = [randomUUID(), randomUUID()];
    const make = (sharer: string, targetId: string) => scenes.create(t.platform.db, shop.shopId, { kind: 'product', targetId, sharerCustomerId: sharer });
    const fromBoth = await make(from.customerId, shared);
    const intoBoth = await make(into.customerId, shared);
    const fromOnly = await make(from.customerId, onlyFrom);
    await t.platform.database.transaction((tx) => scenes.moveSharer(tx, shop.shopId, from.customerId, into.customerId));
    expect(await scenes.resolve(shop.shopId, fromBoth.scene)).toMatchObject({ targetId: shared, sharerCustomerId: into.customerId });
    expect(await scenes.resolve(shop.shopId, fromOnly.scene)).toMatchObject({ targetId: onlyFrom, sharerCustomerId: into.customerId });
    expect((await make(into.customerId, shared)).scene).toBe(intoBoth.scene);
    expect((await make(into.customerId, onlyFrom)).scene).toBe(fromOnly.scene);

    await at(Date.now() + 400 * DAY, () => scenes.purgeExpired());
    expect(await scenes.resolve(shop.shopId, fromOnly.scene)).toBeNull();
  });

  it('refuses a bad kind or target, naming the field', async () => {
    const draft = await createProduct(t, shop.owner, { title: '草稿', priceFen: 1000, stock: 5, status: 'draft' });
    const theirs = await createProduct(t, other.owner, { title: '别家的', priceFen: 1000, stock: 5 });
    const cases: [unknown, number, string][] = [
      [{ kind: 'coupon', targetId: draft.id }, 400, 'kind'],
      [{ kind: 'product' }, 400, 'targetId'],
      [{ kind: 'product', targetId: 'not-an-id' }, 400, 'targetId'],
      [{ kind: 'promoter', targetId: draft.id }, 400, 'targetId'],
      [{ kind: 'product', targetId: draft.id }, 404, 'targetId'],
      [{ kind: 'product', targetId: theirs.id }, 404, 'targetId'],
      [{ kind: 'product', targetId: randomUUID() }, 404, 'targetId'],
      [{ kind: 'group', targetId: randomUUID() }, 404, 'targetId'],
    ];
    for (const [body, status, field] of cases) {
      const res = await share(alice, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.details.field, JSON.stringify(body)).toBe(field);
    }
    expect((await t.call('POST', store('/me/share'), { body: { kind: 'promoter' } })).status).toBe(401);
  });
});

describe('posters', () => {
  it('draws a 750×1334 PNG with the QR code of the link, and a 500×400 share card, served from memory the second time', async () => {
    const p = await productWithPicture('手工陶瓷马克杯 大容量办公室咖啡杯 带盖带勺 情侣款礼盒装', 3990);
    const link = (await share(alice, { kind: 'product', targetId: p.id })).body;
    const first = await fetchPng(link.posterUrl);
    expect(first.status).toBe(200);
    expect(first.type).toBe('image/png');
    expect(first.cache).toBe('public, max-age=600');
    expect(pngSize(first.body)).toEqual({ width: 750, height: 1334 });

    // The QR sits at the card's bottom right: its three finder patterns are dark squares with a light ring.
    const img = await loadImage(first.body);
    const canvas = createCanvas(750, 1334);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const n = QRCode.create(link.url, { errorCorrectionLevel: 'M' }).modules.size;
    const [qx, qy, size] = [474, 1064, 200];
    const cell = size / (n + 4);
    const dark = (mx: number, my: number) => {
      const d = ctx.getImageData(Math.floor(qx + (mx + 2) * cell), Math.floor(qy + (my + 2) * cell), 1, 1).data;
      return d[0] + d[1] + d[2] < 200;
    };
    for (const [ox, oy] of [[0, 0], [n - 7, 0], [0, n - 7]]) {
      expect(dark(ox + 3.5, oy + 3.5)).toBe(true);
      expect(dark(ox + 0.5, oy + 0.5)).toBe(true);
      expect(dark(ox + 1.5, oy + 3.5)).toBe(false);
    }
    // The product picture (blue with a white disc) fills the top of the card.
    const top = ctx.getImageData(80, 180, 1, 1).data;
    expect([top[0], top[1], top[2]]).toEqual([0x2a, 0x7d, 0xe1]);

    const again = await fetchPng(link.posterUrl);
    expect(again.body.equals(first.body)).toBe(true);

    const card = await fetchPng(`${link.posterUrl}?card=1`);
    expect(card.status).toBe(200);
    expect(pngSize(card.body)).toEqual({ width: 500, height: 400 });
  });

  it('shares a bargain launch: the scene opens the launch, the poster draws the floor price', async () => {
    const p = await productWithPicture('砍价好物 保温杯', 9_900);
    const skuId = (await t.call('GET', store(`/products/${p.id}`))).body.skus[0].id;
    const now = Date.now();
    const bargain = await t.call('POST', '/api/admin/bargains', {
      session: shop.owner,
      body: { name: '砍一刀', productId: p.id, skuId, startsAt: new Date(now - 3600_000).toISOString(), endsAt: new Date(now + 48 * 3600_000).toISOString(), floorPriceFen: 990, helpersNeeded: 3, stock: 10 },
    });
    expect(bargain.status, JSON.stringify(bargain.body)).toBe(201);
    const launch = await t.call('POST', store(`/bargains/${bargain.body.id}/launches`), { headers: bearer(alice) });
    expect(launch.status, JSON.stringify(launch.body)).toBe(201);
    const link = await share(alice, { kind: 'bargain', targetId: launch.body.id });
    expect(link.status, JSON.stringify(link.body)).toBe(200);
    expect((await t.call('GET', store(`/scenes/${link.body.scene}`))).body).toEqual({ kind: 'bargain', targetId: launch.body.id, path: `/bargain-launches/${launch.body.id}`, sharerNickname: '小鱼' });
    const poster = await fetchPng(link.body.posterUrl);
    expect(poster.status).toBe(200);
    expect(pngSize(poster.body)).toEqual({ width: 750, height: 1334 });
    // Another shop's launch id is not a target there.
    const elsewhere = await share(await signInCustomer(t, other.slug), { kind: 'bargain', targetId: launch.body.id }, other);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.error.details.field).toBe('targetId');
  });

  it('shares an open group: the scene opens the group page, the poster draws the group price', async () => {
    const p = await productWithPicture('拼团好物 双肩包', 19_900);
    const skuId = (await t.call('GET', store(`/products/${p.id}`))).body.skus[0].id;
    const now = Date.now();
    const gb = await t.call('POST', '/api/admin/group-buys', {
      session: shop.owner,
      body: { name: '两人团', productId: p.id, startsAt: new Date(now - 3600_000).toISOString(), endsAt: new Date(now + 48 * 3600_000).toISOString(), groupSize: 2, durationMinutes: 60, leaderMode: 'same', newCustomerOnly: false, perOrderLimit: 1, perCustomerLimit: 1, items: [{ skuId, groupPriceFen: 12_900 }] },
    });
    expect(gb.status, JSON.stringify(gb.body)).toBe(201);
    const leader = await signInCustomer(t, shop.slug);
    const addressId = await addAddress(t, shop.slug, leader);
    const order = await t.call('POST', store('/orders'), { headers: bearer(leader, { 'idempotency-key': randomUUID() }), body: { items: [{ skuId, quantity: 1 }], fulfilment: 'express', addressId, groupBuy: { groupBuyId: gb.body.id } } });
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    await payOrder(t, shop.slug, leader, order.body.id);
    const groupId = await waitFor(async () => (await t.call('GET', store('/me/group-buys'), { headers: bearer(leader) })).body.items?.[0]?.groupId as string | undefined, 'the group to open');

    const link = await share(leader, { kind: 'group', targetId: groupId });
    expect(link.status, JSON.stringify(link.body)).toBe(200);
    expect((await t.call('GET', store(`/scenes/${link.body.scene}`))).body).toMatchObject({ kind: 'group', targetId: groupId, path: `/group-buys/groups/${groupId}` });
    const poster = await fetchPng(link.body.posterUrl);
    expect(poster.status).toBe(200);
    expect(pngSize(poster.body)).toEqual({ width: 750, height: 1334 });
  });

  it('draws a coloured block when the product has no picture, and the shop alone for a promoter', async () => {
    const p = await createProduct(t, shop.owner, { title: '没有图片的商品', priceFen: 12_800, stock: 5 });
    const link = (await share(alice, { kind: 'product', targetId: p.id })).body;
    const poster = await fetchPng(link.posterUrl);
    expect(poster.status).toBe(200);
    expect(pngSize(poster.body)).toEqual({ width: 750, height: 1334 });
    const home = (await share(alice, { kind: 'promoter' })).body;
    const homePoster = await fetchPng(home.posterUrl);
    expect(homePoster.status).toBe(200);
    expect(pngSize(homePoster.body)).toEqual({ width: 750, height: 1334 });
    expect((await fetchPng(store('/posters/nothing.png'))).status).toBe(404);
    expect((await fetchPng(store('/posters/nothing.jpg'))).status).toBe(404);
  });

  it('wraps a long title into two lines ending in an ellipsis', () => {
    const ctx = createCanvas(10, 10).getContext('2d');
    ctx.font = '36px sans-serif';
    const lines = wrap(ctx, '一'.repeat(100), 300, 2);
    expect(lines).toHaveLength(2);
    expect(lines[1].endsWith('…')).toBe(true);
    expect(wrap(ctx, '短标题', 300, 2)).toEqual(['短标题']);
  });
});
