import { createHash, randomBytes } from 'node:crypto';

/** A parametric QR code (带参数二维码) made by /cgi-bin/qrcode/create. */
export interface QrCode {
  code: string;
  appid: string;
  ticket: string;
  actionName: 'QR_SCENE' | 'QR_STR_SCENE' | 'QR_LIMIT_SCENE' | 'QR_LIMIT_STR_SCENE';
  sceneId?: number;
  sceneStr?: string;
  /** Temporary codes only (ms since epoch). */
  expiresAt?: number;
  url: string;
  createdAt: string;
}

export const MAX_EXPIRE_SECONDS = 2_592_000;
export const DEFAULT_EXPIRE_SECONDS = 60;
export const ACTION_NAMES = ['QR_SCENE', 'QR_STR_SCENE', 'QR_LIMIT_SCENE', 'QR_LIMIT_STR_SCENE'] as const;

const PREFIX = Buffer.from([0x81, 0x0f, 0x3c, 0x00]);

/** Temporary codes are random; a permanent code is the same for the same scene, as WeChat's are. */
export function qrCodeId(appid: string, actionName: QrCode['actionName'], scene: string | number): string {
  if (actionName === 'QR_SCENE' || actionName === 'QR_STR_SCENE') return randomBytes(16).toString('base64url');
  return createHash('sha256').update(`qr:${appid}:${actionName}:${scene}`).digest('base64url').slice(0, 22);
}

/** Tickets are standard base64 (with + / =, so clients must URL-encode them, as WeChat asks). */
export const ticketOf = (code: string) => Buffer.concat([PREFIX, Buffer.from(code, 'utf8')]).toString('base64');

export function codeOfTicket(ticket: string | undefined): string | undefined {
  if (!ticket) return undefined;
  const raw = Buffer.from(ticket, 'base64');
  if (raw.length <= PREFIX.length || !raw.subarray(0, PREFIX.length).equals(PREFIX)) return undefined;
  const code = raw.subarray(PREFIX.length).toString('utf8');
  return /^[A-Za-z0-9_-]{16,43}$/.test(code) && ticketOf(code) === ticket ? code : undefined;
}

/** The scene as the subscribe event's EventKey carries it after `qrscene_`, and SCAN's EventKey. */
export const sceneOf = (qr: QrCode) => (qr.sceneStr !== undefined ? qr.sceneStr : String(qr.sceneId));

type Check = { error: { errcode: number; errmsg: string } } | { qr: Omit<QrCode, 'code' | 'ticket' | 'url' | 'createdAt' | 'appid'> & { scene: string | number } };

/**
 * The request's checks, with WeChat's codes (40052 bad action name, 40053 bad action info). WeChat does not
 * document what an expire_seconds above 30 days gets; the sandbox refuses it (47003) rather than guess.
 */
export function checkQrRequest(body: Record<string, unknown>): Check {
  const actionName = body.action_name;
  if (typeof actionName !== 'string' || !(ACTION_NAMES as readonly string[]).includes(actionName)) return { error: { errcode: 40052, errmsg: 'invalid action name' } };
  const name = actionName as QrCode['actionName'];
  const scene = ((body.action_info as { scene?: Record<string, unknown> } | undefined)?.scene ?? {}) as Record<string, unknown>;
  const bad = { error: { errcode: 40053, errmsg: 'invalid action info, please check document' } };
  const temporary = name === 'QR_SCENE' || name === 'QR_STR_SCENE';
  let expiresAt: number | undefined;
  if (temporary) {
    const raw = body.expire_seconds ?? DEFAULT_EXPIRE_SECONDS;
    const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0 || n > MAX_EXPIRE_SECONDS) return { error: { errcode: 47003, errmsg: 'argument invalid! expire_seconds must be 1 to 2592000' } };
    expiresAt = Date.now() + n * 1000;
  }
  if (name === 'QR_SCENE' || name === 'QR_LIMIT_SCENE') {
    const id = typeof scene.scene_id === 'string' && /^\d+$/.test(scene.scene_id) ? Number(scene.scene_id) : scene.scene_id;
    const max = name === 'QR_LIMIT_SCENE' ? 100_000 : 4_294_967_295;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > max) return bad;
    return { qr: { actionName: name, sceneId: id, expiresAt, scene: id } };
  }
  const str = scene.scene_str;
  if (typeof str !== 'string' || [...str].length < 1 || [...str].length > 64) return bad;
  return { qr: { actionName: name, sceneStr: str, expiresAt, scene: str } };
}
