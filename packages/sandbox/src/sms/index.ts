import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { MemorySandboxStore, type SandboxStore } from '../store.js';

/**
 * Simulator of Tencent Cloud SMS, API 3.0 `SendSms` (version 2021-01-11), signed with TC3-HMAC-SHA256.
 *
 * Sandbox credentials (the server's SMS_* settings default to them):
 *   SecretId `AKIDsandbox`, SecretKey `sandbox-secret-key`, SmsSdkAppId `1400000001`.
 * Approved templates: `1000001` (verification code, 2 params).
 *
 * Every accepted message lands in an inbox: `GET /messages?phone=` (JSON, newest first) and `GET /inbox`
 * (a Chinese HTML page where a demo user reads their code).
 *
 * The official SDK (tencentcloud-sdk-nodejs-sms) works unchanged with only its endpoint pointed here, e.g.
 * `profile.httpProfile = { endpoint: '127.0.0.1:3000/sandbox/sms', protocol: 'http://' }`. It then POSTs to
 * `<endpoint>/`, signs that whole path, the host without its port, and a "service" that is the endpoint's
 * first dot-separated label (`127` here). Tencent's own host needs none of that, so the check below accepts
 * those forms besides the canonical ones (`/`, the Host header, `sms`) — every one still under the secret key.
 */
export const SMS_SANDBOX = {
  secretId: 'AKIDsandbox',
  secretKey: 'sandbox-secret-key',
  smsSdkAppId: '1400000001',
  verificationTemplateId: '1000001',
} as const;

const TEMPLATES: Record<string, { name: string; text: string; params: number }> = {
  '1000001': { name: '验证码', text: '您的验证码为{1},{2}分钟内有效。如非本人操作,请忽略。', params: 2 },
};

const VERSION = '2021-01-11';
const SERVICE = 'sms';
/** Tencent refuses requests whose X-TC-Timestamp is more than 5 minutes off. */
const MAX_SKEW_SECONDS = 300;
const MESSAGE = 'sms.message';
/** A verification code is worth minutes; a week keeps the inbox useful for demos without growing forever. */
const KEEP_MS = 7 * 24 * 3600_000;

export interface SandboxSms {
  serialNo: string;
  phoneNumber: string;
  signName: string;
  templateId: string;
  params: string[];
  text: string;
  sentAt: string;
}

class TencentError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();

function safeEqualHex(a: string, b: string) {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** The signature Tencent computes for a request: canonical request → string to sign → derived key. */
function expectedSignature(input: {
  secretKey: string;
  service: string;
  method: string;
  uri: string;
  query: string;
  headers: Record<string, string>;
  signedHeaders: string[];
  payload: string;
  timestamp: number;
  date: string;
}) {
  const canonicalHeaders = input.signedHeaders.map((h) => `${h}:${(input.headers[h] ?? '').trim().toLowerCase()}\n`).join('');
  const canonicalRequest = [input.method, input.uri, input.query, canonicalHeaders, input.signedHeaders.join(';'), sha256Hex(input.payload)].join('\n');
  const scope = `${input.date}/${input.service}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', String(input.timestamp), scope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac(`TC3${input.secretKey}`, input.date);
  const kService = hmac(kDate, input.service);
  const kSigning = hmac(kService, 'tc3_request');
  return createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
}

// The service part may hold what the SDK derives from an endpoint such as `localhost:3000/sandbox/sms`.
const AUTH = /^TC3-HMAC-SHA256 Credential=([^/\s]+)\/(\d{4}-\d{2}-\d{2})\/([^\s,]+)\/tc3_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

function verify(req: FastifyRequest, rawBody: string) {
  const header = String(req.headers.authorization ?? '');
  const m = AUTH.exec(header);
  if (!m) throw new TencentError('AuthFailure.InvalidAuthorization', 'Authorization header is missing or malformed.');
  const [, secretId, date, service, signedHeaderList, signature] = m;
  if (secretId !== SMS_SANDBOX.secretId) throw new TencentError('AuthFailure.SecretIdNotFound', 'The SecretId is not found, please ensure that your SecretId is correct.');
  const timestamp = Number(req.headers['x-tc-timestamp']);
  if (!Number.isInteger(timestamp)) throw new TencentError('MissingParameter', 'The request is missing a required parameter `X-TC-Timestamp`.');
  if (Math.abs(Date.now() / 1000 - timestamp) > MAX_SKEW_SECONDS) {
    throw new TencentError('AuthFailure.SignatureExpire', 'Signature expired. Timestamp and server time cannot differ by more than five minutes.');
  }
  const signedHeaders = signedHeaderList.split(';');
  const utcDate = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : String(v ?? '');
  const host = headers.host ?? '';
  const [path, query = ''] = req.url.split(/\?(.*)/s, 2);
  // The SDK's endpoint is host + path less the "/" it appends; its service is that endpoint's first label.
  const sdkService = `${host}${path.replace(/\/$/, '')}`.split('.')[0];
  if ((service !== SERVICE && service !== sdkService) || date !== utcDate || !signedHeaders.includes('content-type') || !signedHeaders.includes('host')) {
    throw new TencentError('AuthFailure.SignatureFailure', 'The provided credentials could not be validated. Please check your signature is correct.');
  }
  const hostname = host.replace(/:\d+$/, '');
  const forms = [
    { uri: '/', query: '', host },
    { uri: path, query, host },
    { uri: '/', query: '', host: hostname },
    { uri: path, query, host: hostname },
  ];
  const ok = forms.some((f) =>
    safeEqualHex(
      expectedSignature({ secretKey: SMS_SANDBOX.secretKey, service, method: req.method, uri: f.uri, query: f.query, headers: { ...headers, host: f.host }, signedHeaders, payload: rawBody, timestamp, date }),
      signature,
    ),
  );
  if (!ok) throw new TencentError('AuthFailure.SignatureFailure', 'The provided credentials could not be validated. Please check your signature is correct.');
}

/** `+8613800000000`, `008613800000000` and `13800000000` are the same mainland number. */
function normalizePhone(raw: string): string | null {
  const s = raw.replace(/[\s-]/g, '');
  const m = /^(?:\+86|0086)?(1[3-9]\d{9})$/.exec(s);
  return m ? `+86${m[1]}` : null;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export const smsSandbox: FastifyPluginAsync<{ baseUrl(): string; store?: SandboxStore }> = async (app, opts) => {
  const store = opts.store ?? new MemorySandboxStore();
  let lastPurge = 0;

  // The signature covers the exact request bytes, so keep them alongside the parsed body.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    (req as FastifyRequest & { rawBody?: string }).rawBody = body as string;
    try {
      done(null, body === '' ? {} : JSON.parse(body as string));
    } catch {
      done(null, { __invalidJson: true });
    }
  });

  app.post('/', { schema: { hide: true } }, async (req) => {
    const requestId = randomUUID();
    try {
      const raw = (req as FastifyRequest & { rawBody?: string }).rawBody ?? '';
      verify(req, raw);
      const action = req.headers['x-tc-action'];
      if (action !== 'SendSms') throw new TencentError('InvalidAction', `The action \`${String(action)}\` does not exist.`);
      if (req.headers['x-tc-version'] !== VERSION) throw new TencentError('NoSuchVersion', `The API version \`${String(req.headers['x-tc-version'])}\` does not exist.`);
      if (!req.headers['x-tc-region']) throw new TencentError('MissingParameter', 'The request is missing a required parameter `X-TC-Region`.');
      const body = req.body as {
        __invalidJson?: boolean;
        PhoneNumberSet?: unknown;
        SmsSdkAppId?: unknown;
        SignName?: unknown;
        TemplateId?: unknown;
        TemplateParamSet?: unknown;
        SessionContext?: unknown;
      };
      if (body.__invalidJson) throw new TencentError('InvalidParameter', 'The request body is not valid JSON.');
      if (!Array.isArray(body.PhoneNumberSet) || body.PhoneNumberSet.length === 0) throw new TencentError('MissingParameter', 'The request is missing a required parameter `PhoneNumberSet`.');
      if (body.PhoneNumberSet.length > 200) throw new TencentError('LimitExceeded.PhoneNumberCountLimit', 'The number of phone numbers exceeds 200.');
      if (body.SmsSdkAppId !== SMS_SANDBOX.smsSdkAppId) throw new TencentError('InvalidParameterValue.SdkAppIdNotExist', 'SdkAppId does not exist.');
      if (typeof body.SignName !== 'string' || !body.SignName.trim()) throw new TencentError('FailedOperation.SignatureIncorrectOrUnapproved', 'Signature format is incorrect or signature is not approved.');
      const template = TEMPLATES[String(body.TemplateId)];
      if (!template) throw new TencentError('FailedOperation.TemplateIncorrectOrUnapproved', 'Template is not approved or request content does not match the approved template content.');
      const params = Array.isArray(body.TemplateParamSet) ? body.TemplateParamSet.map(String) : [];
      if (params.length !== template.params) {
        throw new TencentError('FailedOperation.TemplateParamSetNotMatchApprovedTemplate', 'The number of request parameters does not match the approved template.');
      }
      const text = `【${body.SignName}】${template.text.replace(/\{(\d+)\}/g, (_m, i: string) => params[Number(i) - 1] ?? '')}`;
      // Tencent bills long SMS in segments of 67 characters.
      const fee = text.length <= 70 ? 1 : Math.ceil(text.length / 67);
      const sessionContext = typeof body.SessionContext === 'string' ? body.SessionContext : '';
      const SendStatusSet = [];
      for (const n of body.PhoneNumberSet) {
        const phone = normalizePhone(String(n));
        const serialNo = `${Math.floor(1000 + Math.random() * 9000)}:${randomUUID().replace(/-/g, '').slice(0, 24)}`;
        if (!phone) {
          SendStatusSet.push({ SerialNo: '', PhoneNumber: String(n), Fee: 0, SessionContext: sessionContext, Code: 'InvalidParameterValue.IncorrectPhoneNumber', Message: 'incorrect number format', IsoCode: '' });
          continue;
        }
        const sms: SandboxSms = { serialNo, phoneNumber: phone, signName: body.SignName as string, templateId: String(body.TemplateId), params, text, sentAt: new Date().toISOString() };
        await store.put(MESSAGE, serialNo, sms, { ref: phone, expiresAt: new Date(Date.now() + KEEP_MS) });
        SendStatusSet.push({ SerialNo: serialNo, PhoneNumber: phone, Fee: fee, SessionContext: sessionContext, Code: 'Ok', Message: 'send success', IsoCode: 'CN' });
      }
      if (Date.now() - lastPurge > 60_000) {
        lastPurge = Date.now();
        await store.purgeExpired(new Date());
      }
      return { Response: { SendStatusSet, RequestId: requestId } };
    } catch (err) {
      if (err instanceof TencentError) return { Response: { Error: { Code: err.code, Message: err.message }, RequestId: requestId } };
      throw err;
    }
  });

  const filtered = async (phone?: string, limit = 500): Promise<SandboxSms[]> => {
    if (!phone) return store.list<SandboxSms>(MESSAGE, { limit });
    const wanted = normalizePhone(phone);
    return wanted ? store.list<SandboxSms>(MESSAGE, { ref: wanted, limit }) : [];
  };

  app.get('/messages', { schema: { hide: true } }, async (req) => {
    const { phone } = req.query as { phone?: string };
    return { items: await filtered(phone) };
  });

  app.get('/inbox', { schema: { hide: true } }, async (req, reply) => {
    const { phone } = req.query as { phone?: string };
    const list = await filtered(phone, 100);
    const rowsHtml = list.length
      ? list
          .map(
            (m) => `<tr><td>${escapeHtml(new Date(m.sentAt).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }))}</td>` +
              `<td>${escapeHtml(m.phoneNumber.replace(/^\+86/, ''))}</td><td>${escapeHtml(m.text)}</td></tr>`,
          )
          .join('\n')
      : '<tr><td colspan="3" style="color:#888">暂无短信</td></tr>';
    reply.type('text/html; charset=utf-8');
    return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="5"><title>短信收件箱 · Siyu 沙箱</title>
<style>body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;max-width:760px;margin:1.5rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.5rem;text-align:left;vertical-align:top}th{color:#666;font-weight:normal}</style></head>
<body><h1>短信收件箱</h1>
<p>这里显示沙箱短信服务(模拟腾讯云短信)收到的所有短信。演示时在此查看验证码。页面每 5 秒自动刷新。</p>
<form method="get"><input name="phone" placeholder="按手机号筛选" value="${escapeHtml(phone ?? '')}"> <button>筛选</button></form>
<table><thead><tr><th>时间</th><th>手机号</th><th>内容</th></tr></thead><tbody>
${rowsHtml}
</tbody></table></body></html>`;
  });
};
