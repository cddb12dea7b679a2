import { X509Certificate } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { encryptResource, platformSignatureHeaders, rfc3339Cst, verifySha256Rsa } from './crypto.js';
import { WxError, refundView, transactionView, type Ledger, type PrepayInput, type RefundInput } from './ledger.js';
import type { Merchant, MerchantRegistry } from './merchants.js';
import { transferApi, type Transfers } from './transfer.js';

export interface ApiDeps {
  merchants: MerchantRegistry;
  ledger: Ledger;
  /** Asks the due-work runner to look at the store at this time (a refund settling). */
  wake(at: Date): void;
  /** 商家转账 bills; their routes share this scope's authentication and response signing. */
  transfers?: Transfers;
}

const MAX_SKEW_SECONDS = 300;
const AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';

/**
 * The merchant-facing /v3 API. Every request must carry a valid merchant signature over the raw body, and
 * every answer to an authenticated request is signed with the platform key, exactly as WeChat does.
 */
export async function v3Api(app: FastifyInstance, deps: ApiDeps) {
  const rawBodies = new WeakMap<FastifyRequest, string>();
  const authenticated = new WeakMap<FastifyRequest, Merchant>();

  // The signature covers the bytes as sent, so the JSON parser must keep them.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    rawBodies.set(req, body as string);
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new WxError(400, 'PARAM_ERROR', '请求体不是合法的JSON'), undefined);
    }
  });

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof WxError) return reply.status(err.status).send({ code: err.code, message: err.message, ...(err.detail ? { detail: err.detail } : {}) });
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status < 500) return reply.status(status).send({ code: 'PARAM_ERROR', message: (err as Error).message });
    reply.log.error({ err }, 'wechatpay sandbox error');
    return reply.status(500).send({ code: 'SYSTEM_ERROR', message: '系统错误' });
  });

  // api.mch.weixin.qq.com answers a path it does not serve in its own error shape, not a web server's page.
  app.setNotFoundHandler(async (_req, reply) => reply.status(404).send({ code: 'NOT_FOUND', message: '请求的资源不存在,请检查请求URL是否正确' }));

  app.addHook('preHandler', async (req) => {
    if (req.is404) return;
    authenticated.set(req, await authenticate(req, rawBodies.get(req) ?? '', deps.merchants));
  });

  app.addHook('onSend', async (req, reply, payload) => {
    // Every answer carries a Request-ID (what WeChat support asks for) and names the signature scheme.
    reply.header('Request-ID', `08${Date.now()}${Math.floor(Math.random() * 1e6)}`);
    reply.header('Wechatpay-Signature-Type', AUTH_SCHEME);
    const merchant = authenticated.get(req);
    if (!merchant) return payload;
    const body = payload == null ? '' : typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null;
    if (body === null) return payload;
    for (const [k, v] of Object.entries(platformSignatureHeaders(body, merchant.platformSerial, merchant.platformPrivateKey))) reply.header(k, v);
    return body;
  });

  const merchantOf = (req: FastifyRequest) => authenticated.get(req)!;

  app.post('/v3/pay/transactions/jsapi', async (req) => {
    const m = merchantOf(req);
    const b = (req.body ?? {}) as Record<string, unknown>;
    requireMchid(m, b.mchid, 'body');
    const tx = await deps.ledger.prepay(m, parsePrepay(b));
    return { prepay_id: tx.prepayId };
  });

  app.get('/v3/pay/transactions/out-trade-no/:outTradeNo', async (req) => {
    const m = merchantOf(req);
    requireMchid(m, (req.query as Record<string, unknown>).mchid, 'query');
    return transactionView(await deps.ledger.get(m.mchId, (req.params as { outTradeNo: string }).outTradeNo));
  });

  app.get('/v3/pay/transactions/id/:transactionId', async (req) => {
    const m = merchantOf(req);
    requireMchid(m, (req.query as Record<string, unknown>).mchid, 'query');
    return transactionView(await deps.ledger.getByTransactionId(m.mchId, (req.params as { transactionId: string }).transactionId));
  });

  app.post('/v3/pay/transactions/out-trade-no/:outTradeNo/close', async (req, reply) => {
    const m = merchantOf(req);
    requireMchid(m, ((req.body ?? {}) as Record<string, unknown>).mchid, 'body');
    await deps.ledger.close(await deps.ledger.get(m.mchId, (req.params as { outTradeNo: string }).outTradeNo));
    return reply.status(204).send();
  });

  app.post('/v3/refund/domestic/refunds', async (req) => {
    const m = merchantOf(req);
    const { refund, created, settlesAt } = await deps.ledger.refund(m, parseRefund((req.body ?? {}) as Record<string, unknown>));
    // The refund is stored with its settling time as due time; the runner settles it then and notifies.
    if (created) deps.wake(settlesAt);
    return refundView(refund);
  });

  app.get('/v3/refund/domestic/refunds/:outRefundNo', async (req) => {
    const m = merchantOf(req);
    return refundView(await deps.ledger.getRefund(m.mchId, (req.params as { outRefundNo: string }).outRefundNo));
  });

  // 下载平台证书: the certificate comes encrypted with the APIv3 key, which is what lets a merchant trust a
  // first download before it has any certificate to check the answer's signature with.
  app.get('/v3/certificates', async (req) => {
    const m = merchantOf(req);
    if (m.verifyMode !== 'certificate' || !m.platformCertificatePem) {
      throw new WxError(404, 'RESOURCE_NOT_EXISTS', '无可用的平台证书,请在商户平台-API安全申请使用微信支付公钥');
    }
    const cert = new X509Certificate(m.platformCertificatePem);
    const { nonce, ciphertext } = encryptResource(m.apiV3Key, m.platformCertificatePem, 'certificate');
    return {
      data: [
        {
          serial_no: m.platformSerial,
          effective_time: rfc3339Cst(new Date(cert.validFrom)),
          expire_time: rfc3339Cst(new Date(cert.validTo)),
          encrypt_certificate: { algorithm: 'AEAD_AES_256_GCM', nonce, associated_data: 'certificate', ciphertext },
        },
      ],
    };
  });

  if (deps.transfers) transferApi(app, deps.transfers, merchantOf);
}

async function authenticate(req: FastifyRequest, rawBody: string, merchants: MerchantRegistry): Promise<Merchant> {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith(`${AUTH_SCHEME} `)) throw new WxError(401, 'SIGN_ERROR', `Authorization 缺失或认证类型不是 ${AUTH_SCHEME}`);
  const fields: Record<string, string> = {};
  for (const m of header.slice(AUTH_SCHEME.length + 1).matchAll(/(\w+)="([^"]*)"/g)) fields[m[1]] = m[2];
  const { mchid, nonce_str: nonce, signature, timestamp, serial_no: serial } = fields;
  if (!mchid || !nonce || !signature || !timestamp || !serial) throw new WxError(401, 'SIGN_ERROR', 'Authorization 缺少 mchid/nonce_str/signature/timestamp/serial_no');
  const skew = Math.abs(Date.now() / 1000 - Number(timestamp));
  if (!Number.isFinite(skew) || skew > MAX_SKEW_SECONDS) throw new WxError(401, 'SIGN_ERROR', '请求时间戳与系统时间相差超过5分钟');
  const merchant = await merchants.get(mchid);
  if (!merchant) throw new WxError(401, 'SIGN_ERROR', '商户号不存在或未开通APIv3');
  if (serial !== merchant.serialNo) throw new WxError(401, 'SIGN_ERROR', '商户证书序列号有误');
  const message = `${req.method}\n${req.url}\n${timestamp}\n${nonce}\n${rawBody}\n`;
  if (!verifySha256Rsa(message, signature, merchant.merchantPublicKeyPem)) throw new WxError(401, 'SIGN_ERROR', '签名错误,请检查后再试');
  return merchant;
}

function requireMchid(m: Merchant, mchid: unknown, location: string) {
  if (typeof mchid !== 'string' || !mchid) throw param('mchid', location, '缺少参数 mchid');
  if (mchid !== m.mchId) throw new WxError(400, 'PARAM_ERROR', 'mchid 与请求签名的商户号不一致', { field: 'mchid', location });
}

function param(field: string, location: string, message: string) {
  return new WxError(400, 'PARAM_ERROR', message, { field, location });
}

function str(b: Record<string, unknown>, field: string, max: number, optional = false): string | undefined {
  const v = b[field];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.length === 0) throw param(field, 'body', `缺少参数 ${field}`);
  if (v.length > max) throw param(field, 'body', `${field} 长度超过 ${max}`);
  return v;
}

function obj(b: Record<string, unknown>, field: string): Record<string, unknown> {
  const v = b[field];
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw param(field, 'body', `缺少参数 ${field}`);
  return v as Record<string, unknown>;
}

function fen(o: Record<string, unknown>, field: string, path: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw param(path, 'body', `${path} 必须是大于0的整数(单位:分)`);
  return v;
}

const OUT_NO = /^[0-9A-Za-z_\-|*]{6,32}$/;
const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;

function parsePrepay(b: Record<string, unknown>): PrepayInput {
  const outTradeNo = str(b, 'out_trade_no', 32)!;
  if (!OUT_NO.test(outTradeNo)) throw param('out_trade_no', 'body', 'out_trade_no 只能是6-32位数字、大小写字母或_-|*');
  const notifyUrl = checkNotifyUrl(str(b, 'notify_url', 255)!);
  const timeExpire = str(b, 'time_expire', 64, true);
  if (timeExpire !== undefined && (!/T.*(Z|[+-]\d\d:\d\d)$/.test(timeExpire) || Number.isNaN(Date.parse(timeExpire)))) {
    throw param('time_expire', 'body', 'time_expire 必须是 RFC 3339 格式,例如 2018-06-08T10:34:56+08:00');
  }
  if (timeExpire !== undefined && Date.parse(timeExpire) <= Date.now()) throw param('time_expire', 'body', 'time_expire 不能早于当前时间');
  const amount = obj(b, 'amount');
  const currency = amount.currency === undefined ? 'CNY' : amount.currency;
  if (currency !== 'CNY') throw param('amount.currency', 'body', '境内商户仅支持人民币 CNY');
  const payer = obj(b, 'payer');
  return {
    appid: str(b, 'appid', 32)!,
    description: str(b, 'description', 127)!,
    out_trade_no: outTradeNo,
    time_expire: timeExpire,
    attach: str(b, 'attach', 128, true),
    notify_url: notifyUrl,
    amount: { total: fen(amount, 'total', 'amount.total'), currency },
    payer: { openid: str(payer, 'openid', 128)! },
  };
}

function parseRefund(b: Record<string, unknown>): RefundInput {
  const outRefundNo = str(b, 'out_refund_no', 64)!;
  if (!OUT_REFUND_NO.test(outRefundNo)) throw param('out_refund_no', 'body', 'out_refund_no 只能是数字、大小写字母或_-|*@');
  const transactionId = str(b, 'transaction_id', 32, true);
  const outTradeNo = str(b, 'out_trade_no', 32, true);
  if (!transactionId && !outTradeNo) throw param('out_trade_no', 'body', 'transaction_id 和 out_trade_no 必须二选一');
  const amount = obj(b, 'amount');
  if (amount.currency !== 'CNY') throw param('amount.currency', 'body', 'amount.currency 必须为 CNY');
  const notifyUrl = str(b, 'notify_url', 256, true);
  return {
    ...(transactionId ? { transaction_id: transactionId } : { out_trade_no: outTradeNo }),
    out_refund_no: outRefundNo,
    reason: str(b, 'reason', 80, true),
    notify_url: notifyUrl === undefined ? undefined : checkNotifyUrl(notifyUrl),
    amount: { refund: fen(amount, 'refund', 'amount.refund'), total: fen(amount, 'total', 'amount.total'), currency: 'CNY' },
  };
}

/** WeChat documents notify_url as an absolute URL that 不能携带查询参数, and refuses one with a query. */
function checkNotifyUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw param('notify_url', 'body', 'notify_url 必须是绝对URL');
  }
  // Real WeChat insists on https; the sandbox also accepts http so it works on a laptop.
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || /\s/.test(url)) throw param('notify_url', 'body', 'notify_url 必须是 http(s) 绝对URL');
  if (url.includes('?') || url.includes('#')) throw param('notify_url', 'body', 'notify_url 不能携带查询参数');
  return url;
}
