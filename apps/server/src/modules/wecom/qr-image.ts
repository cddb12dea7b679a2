import { AppError } from '../../platform/errors.js';

const MAX_BYTES = 1024 * 1024;
const TIMEOUT_MS = 5_000;

/**
 * A code's QR image fetched from where WeCom hosts it (wework.qpic.cn, or the sandbox), for the console:
 * its CSP only lets it show images of its own origin. Only URLs WeCom gave us for one of the shop's codes
 * come here (the routes look them up by the code's id), never a URL from the request.
 */
export async function fetchQrImage(url: string): Promise<{ type: string; body: Buffer }> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'follow' });
  } catch (err) {
    throw new AppError(502, 'WECOM_QR_UNAVAILABLE', `The QR image could not be fetched: ${(err as Error).message}`, { field: 'qrCode' });
  }
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok || !type.startsWith('image/')) throw new AppError(502, 'WECOM_QR_UNAVAILABLE', `The QR image answered ${res.status} ${type}`, { field: 'qrCode' });
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > MAX_BYTES) throw new AppError(502, 'WECOM_QR_UNAVAILABLE', 'The QR image is too large', { field: 'qrCode' });
  return { type, body };
}
