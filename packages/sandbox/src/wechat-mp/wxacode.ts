import type { FastifyReply } from 'fastify';
import QRCode from 'qrcode';
import { wxErr } from './state.js';

/**
 * 小程序码 getUnlimitedQRCode (POST /wxa/getwxacodeunlimit): an image on success, `{errcode, errmsg}` JSON
 * otherwise. WeChat draws its round "sun code"; the sandbox draws a plain QR code of the same content (the
 * page and the scene), which is what a test or a person scanning it needs.
 */

/**
 * The pages the sandbox mini-program has "published": with check_path (the default) the page must be one of
 * them, as WeChat requires a page of the released version.
 */
export const PUBLISHED_PAGES = [
  'pages/index/index',
  'pages/share/index',
  'pages/product/index',
  'pages/group-buy/index',
  'pages/bargain/index',
  'pages/promoter/index',
  'pages/me/index',
] as const;

/** scene: at most 32 visible characters from this set (no %, so callers encode their own way). */
const SCENE = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$/;
/** A page path as WeChat takes it: no leading slash, no query string. */
const PAGE = /^[A-Za-z0-9_\-]+(?:\/[A-Za-z0-9_\-]+)*$/;
const MIN_WIDTH = 280;
const MAX_WIDTH = 1280;
const ENV_VERSIONS = ['release', 'trial', 'develop'];

export async function wxaCodeUnlimit(body: Record<string, unknown>, reply: FastifyReply) {
  const scene = body.scene;
  if (typeof scene !== 'string' || !SCENE.test(scene)) return wxErr(40169, 'invalid length for scene, or the data is not json string');
  const page = body.page ?? 'pages/index/index';
  const checkPath = body.check_path ?? true;
  if (typeof checkPath !== 'boolean') return wxErr(47001, 'data format error');
  const envVersion = body.env_version ?? 'release';
  if (typeof envVersion !== 'string' || !ENV_VERSIONS.includes(envVersion)) return wxErr(40097, 'invalid args env_version');
  if (typeof page !== 'string' || !PAGE.test(page) || (checkPath && !(PUBLISHED_PAGES as readonly string[]).includes(page))) {
    return wxErr(41030, 'invalid page');
  }
  const width = body.width ?? 430;
  if (typeof width !== 'number' || !Number.isFinite(width)) return wxErr(47001, 'data format error');
  // WeChat draws the code within 280–1280 px whatever was asked.
  const px = Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, width)));
  const png = await QRCode.toBuffer(`${page}?scene=${encodeURIComponent(scene)}`, { type: 'png', width: px, margin: 2, errorCorrectionLevel: 'M' });
  return reply.type('image/png').send(png);
}
