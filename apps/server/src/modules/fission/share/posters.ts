import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createCanvas, GlobalFonts, loadImage, type Canvas, type Image, type SKRSContext2D } from '@napi-rs/canvas';
import QRCode from 'qrcode';
import type { SceneView, ShareInput, ShareLink } from '@siyu/contracts';
import type { Platform } from '../../../platform/context.js';
import { AppError, notFound, unprocessable } from '../../../platform/errors.js';
import type { FissionDeps } from '../deps.js';
import type { SceneService, ShareKind } from './scenes.js';

/** What a group or bargain share shows: its product and the price the friend would pay. */
export interface ShareTarget {
  productId: string;
  title: string;
  imageUrl: string | null;
  /** Group price (group) or bargain floor (bargain). */
  priceFen: number;
}

/**
 * How the group-buy and bargain services answer for their shares: the target when it belongs to the shop
 * (any status: an ended group still opens its page), else null.
 */
export interface ShareTargetSource {
  shareTarget(shopId: string, targetId: string): Promise<ShareTarget | null>;
}

export function isShareTargetSource(x: unknown): x is ShareTargetSource {
  return typeof (x as Partial<ShareTargetSource> | null)?.shareTarget === 'function';
}

/**
 * Where the code on a poster comes from. Today the storefront URL as a QR code; a shop with a mini-program
 * can plug in 小程序码 (getUnlimitedQRCode with the scene) here and return its PNG instead.
 */
export type PosterCodeSource = (shopId: string, scene: string, url: string) => Promise<Buffer | null>;

export interface PosterShop {
  id: string;
  slug: string;
  name: string;
}

interface PosterContent {
  shopName: string;
  title: string;
  imageUrl: string | null;
  priceFen: number | null;
  priceLabel: string;
  priceFrom: boolean;
  nickname: string | null;
  url: string;
  scene: string;
}

export const POSTER_SIZE = { width: 750, height: 1334 } as const;
export const CARD_SIZE = { width: 500, height: 400 } as const;
const CACHE_ENTRIES = 200;
const FONT = '"Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
const PRICE_LABELS: Record<ShareKind, string> = { product: '', group: '拼团价', bargain: '最低砍至', promoter: '' };
const CALL_TO_ACTION: Record<ShareKind, string> = { product: '长按识别二维码 查看商品', group: '长按识别二维码 一起拼团', bargain: '长按识别二维码 帮我砍一刀', promoter: '长按识别二维码 进店逛逛' };

let fontsLoaded = false;
function loadFonts() {
  if (fontsLoaded) return;
  fontsLoaded = true;
  // Without a CJK font on the machine the Chinese text renders as boxes; the poster is still served.
  // loadSystemFonts exists at runtime but is missing from the 1.1 typings.
  (GlobalFonts as typeof GlobalFonts & { loadSystemFonts?: () => void }).loadSystemFonts?.();
}

const yuan = (fen: number) => (fen % 100 === 0 ? String(fen / 100) : (fen / 100).toFixed(2));

/** Small LRU: Map keeps insertion order, a hit moves the entry to the end. */
class Lru<V> {
  private map = new Map<string, V>();
  constructor(private max: number) {}
  get(k: string) {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: string, v: V) {
    this.map.delete(k);
    this.map.set(k, v);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}

/** Share posters drawn on the server. */
export class PosterService {
  private sources: Partial<Record<'group' | 'bargain', ShareTargetSource>> = {};
  private codes: PosterCodeSource | null = null;
  private cache = new Lru<Buffer>(CACHE_ENTRIES);
  private drawing = new Map<string, Promise<Buffer>>();
  /** How long the last poster held this thread drawing, and then took to encode off it (ms). */
  lastDrawMs = 0;
  lastEncodeMs = 0;

  constructor(
    private p: Platform,
    private scenes: SceneService,
    private d: FissionDeps,
  ) {
    scenes.useNicknames(async (shopId, customerId, db) => (await d.customers.summaries(shopId, [customerId], db)).get(customerId)?.nickname ?? null);
  }

  /** The group-buy / bargain service that vouches for its targets (wired where the fission services meet). */
  useTargets(kind: 'group' | 'bargain', source: ShareTargetSource) {
    this.sources[kind] = source;
  }

  /** 小程序码 instead of the URL QR code, for shops with a mini-program (seam for the mini-program client). */
  useCodes(source: PosterCodeSource) {
    this.codes = source;
  }

  /** A customer shares something of the shop: its scene, storefront link and poster address. */
  async share(shop: PosterShop, customerId: string, input: ShareInput): Promise<ShareLink> {
    const targetId = input.kind === 'promoter' ? null : input.targetId ?? null;
    await this.target(shop.id, input.kind, targetId);
    return this.scenes.create(this.p.db, shop.id, { kind: input.kind, targetId, sharerCustomerId: customerId });
  }

  /** What the storefront opens for a scene; 404 for unknown or forged, 410 once expired. */
  async sceneView(shopId: string, scene: string): Promise<SceneView> {
    const s = await this.scenes.resolve(shopId, scene);
    if (!s) throw notFound('Scene', { field: 'scene' });
    return { kind: s.kind, targetId: s.targetId, path: s.path, sharerNickname: s.sharerNickname ?? null };
  }

  /**
   * The poster of a scene as PNG: 750×1334, or the 5:4 share card (500×400). Drawn once per content: the
   * same scene with the same title, picture, price and sharer comes from memory.
   */
  async poster(shop: PosterShop, scene: string, opts: { card?: boolean } = {}): Promise<Buffer> {
    const s = await this.scenes.resolve(shop.id, scene);
    if (!s) throw notFound('Scene', { field: 'scene' });
    const t = await this.target(shop.id, s.kind, s.targetId).catch((err: unknown) => {
      // The product went off sale after it was shared: the poster still draws, with the shop alone.
      if (err instanceof AppError && err.status === 404) return null;
      throw err;
    });
    const content: PosterContent = {
      shopName: shop.name,
      title: t?.title || shop.name,
      imageUrl: t?.imageUrl ?? null,
      priceFen: t?.priceFen ?? null,
      priceLabel: t ? PRICE_LABELS[s.kind] : '',
      priceFrom: t?.priceFrom ?? false,
      nickname: s.sharerNickname ?? null,
      url: this.scenes.links(shop.slug, scene).url,
      scene,
    };
    const key = createHash('sha1').update(JSON.stringify([content, s.kind, !!opts.card])).digest('base64url');
    const hit = this.cache.get(key);
    if (hit) return hit;
    // Taps on a fresh share arrive together: one draw answers them all.
    let pending = this.drawing.get(key);
    if (!pending) {
      pending = this.draw(shop.id, content, s.kind, !!opts.card).finally(() => this.drawing.delete(key));
      this.drawing.set(key, pending);
    }
    const png = await pending;
    this.cache.set(key, png);
    return png;
  }

  private async draw(shopId: string, content: PosterContent, kind: ShareKind, card: boolean): Promise<Buffer> {
    const image = await this.image(shopId, content.imageUrl);
    const code = this.codes && !card ? await this.codes(shopId, content.scene, content.url).catch(() => null) : null;
    const codeImage = code ? await loadImage(code) : null;
    // Drawing runs on this thread; PNG encoding runs on libuv's pool (encode is async) and blocks nothing.
    const started = performance.now();
    const canvas = card ? drawCard(content, image) : drawPoster(content, kind, image, codeImage);
    this.lastDrawMs = performance.now() - started;
    const png = await canvas.encode('png');
    this.lastEncodeMs = performance.now() - started - this.lastDrawMs;
    this.p.log.debug({ scene: content.scene, card, drawMs: Math.round(this.lastDrawMs), encodeMs: Math.round(this.lastEncodeMs) }, 'share poster drawn');
    return png;
  }

  /** The shared thing as the poster shows it; 404 with field targetId when it is not this shop's. */
  private async target(shopId: string, kind: ShareKind, targetId: string | null): Promise<(ShareTarget & { priceFrom?: boolean }) | null> {
    if (kind === 'promoter') return null;
    if (kind === 'product') {
      const view = await this.d.catalog.storeDetail(shopId, targetId!).catch((err: unknown) => {
        if (err instanceof AppError && err.status === 404) throw notFound('Product', { field: 'targetId' });
        throw err;
      });
      return { productId: view.id, title: view.title, imageUrl: view.images[0] ?? null, priceFen: view.minPrice, priceFrom: view.maxPrice > view.minPrice };
    }
    const source = this.sources[kind];
    if (!source) throw unprocessable('SHARE_KIND_UNAVAILABLE', `Sharing a ${kind} is not available yet`, { field: 'kind' });
    const found = await source.shareTarget(shopId, targetId!);
    if (!found) throw notFound(kind === 'group' ? 'Group' : 'Bargain launch', { field: 'targetId' });
    return found;
  }

  /** The product picture from our own media storage (never fetched over HTTP); null draws a coloured block. */
  private async image(shopId: string, url: string | null): Promise<Image | null> {
    if (!url) return null;
    const base = this.p.publicUrl();
    const local = url.startsWith(base + '/') ? url.slice(base.length) : url;
    const m = /^\/media\/(img\/[0-9a-f-]{36}\/[A-Za-z0-9_.-]+)$/.exec(local);
    if (!m || !m[1].startsWith(`img/${shopId}/`) || m[1].includes('..')) return null;
    try {
      const file = await this.p.storage.get(m[1]);
      return file ? await loadImage(file.data) : null;
    } catch (err) {
      this.p.log.warn({ err, url }, 'share poster: product image unreadable');
      return null;
    }
  }
}

// ---- drawing ----------------------------------------------------------------------------------------

function roundRect(ctx: SKRSContext2D, x: number, y: number, w: number, h: number, r: number) {
  ctx.beginPath();
  ctx.roundRect(x, y, w, h, r);
}

/** Draws `img` to cover the box (centre crop), or a coloured block with the title's first character. */
function cover(ctx: SKRSContext2D, img: Image | null, x: number, y: number, w: number, h: number, title: string) {
  if (!img || !img.width || !img.height) {
    const g = ctx.createLinearGradient(x, y, x + w, y + h);
    g.addColorStop(0, '#ffd8c2');
    g.addColorStop(1, '#ffb38a');
    ctx.fillStyle = g;
    ctx.fillRect(x, y, w, h);
    ctx.fillStyle = 'rgba(255,255,255,0.85)';
    ctx.font = `bold ${Math.round(h * 0.36)}px ${FONT}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText([...title][0] ?? '', x + w / 2, y + h / 2);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    return;
  }
  const scale = Math.max(w / img.width, h / img.height);
  const sw = w / scale;
  const sh = h / scale;
  ctx.drawImage(img, (img.width - sw) / 2, (img.height - sh) / 2, sw, sh, x, y, w, h);
}

/** Breaks text (CJK: any character) into at most `max` lines of `width`, the last one ending in … when cut. */
export function wrap(ctx: Pick<SKRSContext2D, 'measureText'>, text: string, width: number, max: number): string[] {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  const lines: string[] = [];
  let line = '';
  for (let i = 0; i < chars.length; i++) {
    const next = line + chars[i];
    if (ctx.measureText(next).width <= width) {
      line = next;
      continue;
    }
    if (lines.length === max - 1) {
      while (line && ctx.measureText(line + '…').width > width) line = line.slice(0, -1);
      lines.push(line + '…');
      return lines;
    }
    lines.push(line);
    line = chars[i];
  }
  if (line) lines.push(line);
  return lines;
}

function drawQr(ctx: SKRSContext2D, url: string, x: number, y: number, size: number) {
  const qr = QRCode.create(url, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const quiet = 2;
  const cell = size / (n + quiet * 2);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(x, y, size, size);
  ctx.fillStyle = '#111111';
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      // Cells overlap by a hair so no seams show between modules at fractional sizes.
      if (qr.modules.get(r, c)) ctx.fillRect(x + (c + quiet) * cell, y + (r + quiet) * cell, cell + 0.5, cell + 0.5);
    }
  }
}

function drawPrice(ctx: SKRSContext2D, c: PosterContent, x: number, baseline: number, big: number) {
  if (c.priceFen === null) return;
  let at = x;
  if (c.priceLabel) {
    ctx.font = `bold ${Math.round(big * 0.42)}px ${FONT}`;
    const w = ctx.measureText(c.priceLabel).width + 20;
    const h = Math.round(big * 0.62);
    ctx.fillStyle = '#ff4d2e';
    roundRect(ctx, at, baseline - h + 4, w, h, 6);
    ctx.fill();
    ctx.fillStyle = '#ffffff';
    ctx.fillText(c.priceLabel, at + 10, baseline - h * 0.22);
    at += w + 12;
  }
  ctx.fillStyle = '#ff3b1f';
  ctx.font = `bold ${Math.round(big * 0.5)}px ${FONT}`;
  ctx.fillText('¥', at, baseline);
  at += ctx.measureText('¥').width + 4;
  ctx.font = `bold ${big}px ${FONT}`;
  const amount = yuan(c.priceFen);
  ctx.fillText(amount, at, baseline);
  at += ctx.measureText(amount).width + 6;
  if (c.priceFrom) {
    ctx.font = `${Math.round(big * 0.42)}px ${FONT}`;
    ctx.fillText('起', at, baseline);
  }
}

function drawPoster(c: PosterContent, kind: ShareKind, image: Image | null, code: Image | null): Canvas {
  loadFonts();
  const { width: W, height: H } = POSTER_SIZE;
  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext('2d');

  const bg = ctx.createLinearGradient(0, 0, 0, H);
  bg.addColorStop(0, '#ff6a3d');
  bg.addColorStop(1, '#ff9a5a');
  ctx.fillStyle = bg;
  ctx.fillRect(0, 0, W, H);

  // Who recommends it, above the card.
  ctx.fillStyle = '#ffffff';
  ctx.beginPath();
  ctx.arc(84, 72, 32, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#ff6a3d';
  ctx.font = `bold 30px ${FONT}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText([...(c.nickname ?? '友')][0], 84, 73);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.fillStyle = '#ffffff';
  ctx.font = `bold 32px ${FONT}`;
  const who = wrap(ctx, c.nickname ?? '好友', 420, 1)[0];
  ctx.fillText(`${who} 推荐给你`, 134, 68);
  ctx.font = `24px ${FONT}`;
  ctx.fillStyle = 'rgba(255,255,255,0.88)';
  ctx.fillText(wrap(ctx, c.shopName, 540, 1)[0], 134, 104);

  // The card: picture, title, price, code.
  const cx = 40;
  const cy = 140;
  const cw = W - 80;
  const ch = H - cy - 40;
  ctx.save();
  roundRect(ctx, cx, cy, cw, ch, 24);
  ctx.fillStyle = '#ffffff';
  ctx.fill();
  ctx.clip();
  cover(ctx, image, cx, cy, cw, cw, c.title);
  ctx.restore();

  const tx = cx + 36;
  const tw = cw - 72;
  ctx.fillStyle = '#1f1f1f';
  ctx.font = `bold 36px ${FONT}`;
  wrap(ctx, c.title, tw, 2).forEach((line, i) => ctx.fillText(line, tx, cy + cw + 60 + i * 50));
  if (c.priceFen !== null) drawPrice(ctx, c, tx, cy + cw + 190, 64);
  else {
    ctx.fillStyle = '#ff4d2e';
    ctx.font = `bold 34px ${FONT}`;
    ctx.fillText('精选好物 邀你一起逛', tx, cy + cw + 180);
  }

  // Dashed line, then the code on the right and what to do on the left.
  const lineY = cy + cw + 232;
  ctx.strokeStyle = '#e6e6e6';
  ctx.lineWidth = 2;
  ctx.setLineDash([10, 8]);
  ctx.beginPath();
  ctx.moveTo(tx, lineY);
  ctx.lineTo(tx + tw, lineY);
  ctx.stroke();
  ctx.setLineDash([]);

  const qrSize = 200;
  const qx = cx + cw - 36 - qrSize;
  const qy = lineY + 22;
  if (code) ctx.drawImage(code, qx, qy, qrSize, qrSize);
  else drawQr(ctx, c.url, qx, qy, qrSize);
  ctx.fillStyle = '#333333';
  ctx.font = `bold 30px ${FONT}`;
  const [action, detail] = CALL_TO_ACTION[kind].split(' ');
  ctx.fillText(action, tx, qy + 78);
  ctx.fillStyle = '#8c8c8c';
  ctx.font = `26px ${FONT}`;
  ctx.fillText(detail, tx, qy + 124);
  ctx.font = `22px ${FONT}`;
  ctx.fillStyle = '#b0b0b0';
  ctx.fillText(wrap(ctx, c.shopName, qx - tx - 20, 1)[0], tx, qy + 168);

  return canvas;
}

/** The 5:4 card a chat shows: the picture, and the price on a band across the bottom. */
function drawCard(c: PosterContent, image: Image | null): Canvas {
  loadFonts();
  const { width: W, height: H } = CARD_SIZE;
  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  const band = 96;
  cover(ctx, image, 0, 0, W, H - band, c.title);
  const g = ctx.createLinearGradient(0, H - band, W, H);
  g.addColorStop(0, '#ff5a36');
  g.addColorStop(1, '#ff8a4c');
  ctx.fillStyle = g;
  ctx.fillRect(0, H - band, W, band);
  ctx.fillStyle = '#ffffff';
  if (c.priceFen !== null) {
    let at = 24;
    if (c.priceLabel) {
      ctx.font = `bold 26px ${FONT}`;
      ctx.fillText(c.priceLabel, at, H - 34);
      at += ctx.measureText(c.priceLabel).width + 10;
    }
    ctx.font = `bold 30px ${FONT}`;
    ctx.fillText('¥', at, H - 32);
    at += ctx.measureText('¥').width + 2;
    ctx.font = `bold 54px ${FONT}`;
    const amount = yuan(c.priceFen);
    ctx.fillText(amount, at, H - 30);
    at += ctx.measureText(amount).width + 4;
    if (c.priceFrom) {
      ctx.font = `24px ${FONT}`;
      ctx.fillText('起', at, H - 32);
    }
  } else {
    ctx.font = `bold 36px ${FONT}`;
    ctx.fillText(wrap(ctx, c.shopName, W - 48, 1)[0], 24, H - 34);
  }
  if (c.nickname) {
    ctx.font = `22px ${FONT}`;
    const text = wrap(ctx, `${c.nickname} 推荐`, 180, 1)[0];
    ctx.textAlign = 'right';
    ctx.fillText(text, W - 24, H - 36);
    ctx.textAlign = 'left';
  }
  return canvas;
}
