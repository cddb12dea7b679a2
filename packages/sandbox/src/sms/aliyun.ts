import { createHash, createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxSms, SmsCore } from './core.js';
import { cstDay, cstTime, normalizePhone, subscriber } from './phone.js';
import type { Hang } from './tencent.js';
import { ALIYUN_TEMPLATE_BY_CODE, badParam, segments } from './templates.js';

/**
 * Aliyun SMS (Dysmsapi 2017-05-25): `SendSms` and `QuerySendDetails`, RPC style, mounted at
 * `<sandbox>/sms/aliyun`.
 *
 * Authentication is what the official SDK sends. `@alicloud/dysmsapi20170525` 4.x (on
 * `@alicloud/openapi-core`) signs with **ACS3-HMAC-SHA256** by default: the parameters travel in the query,
 * and `Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=…,Signature=<hex>` covers
 * the method, the path, the sorted query, the `host` / `x-acs-*` / `content-type` headers and the body's
 * SHA-256 (`x-acs-content-sha256`). With `signatureAlgorithm: 'v2'` in its Config it uses the older **RPC
 * signature v1** instead (HMAC-SHA1 of the sorted parameters, with `AccessKeyId`, `SignatureMethod`,
 * `SignatureVersion`, `SignatureNonce`, `Timestamp` and `Signature` in the query). Both are verified here
 * with a constant-time compare; timestamps may be 15 minutes off and a nonce is accepted once.
 *
 * Reaching it with the SDK: `new Config({ accessKeyId, accessKeySecret, endpoint: '127.0.0.1:3000/sandbox/sms/aliyun',
 * protocol: 'http' })`. The SDK builds its URL as `<protocol>://<endpoint><pathname>` (pathname `/` for RPC)
 * and sends the endpoint as the Host header, so the path in the endpoint is kept; it signs the path `/` and
 * that Host, which is what the check below reproduces (the real request path is accepted as well).
 */
export const ALIYUN_SMS_SANDBOX = {
  accessKeyId: 'LTAIsandbox',
  accessKeySecret: 'sandbox-aliyun-secret',
  verificationTemplateCode: 'SMS_900001',
} as const;

const VERSION = '2017-05-25';
const MAX_SKEW_MS = 15 * 60_000;
const HOST_ID = 'dysmsapi.aliyuncs.com';

/** An answer other than `Code: OK`. `status` 200 is a business refusal (`isv.*`), the rest are gateway errors. */
export class AliyunError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const isvError = (code: string, message: string) => new AliyunError(200, code, message);

/** Aliyun's percent-encoding (RFC 3986: `!'()*` encoded too). */
function pct(s: string) {
  return encodeURIComponent(s).replace(/!/g, '%21').replace(/'/g, '%27').replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/\*/g, '%2A');
}

function safeEqual(a: string, b: string) {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Nonces seen in the last 15 minutes, per process (a replay through another process is not caught). */
class NonceWindow {
  private readonly seen = new Map<string, number>();
  private lastSweep = Date.now();

  use(nonce: string): boolean {
    const now = Date.now();
    if (now - this.lastSweep > 60_000) {
      this.lastSweep = now;
      for (const [n, exp] of this.seen) if (exp <= now) this.seen.delete(n);
    }
    const exp = this.seen.get(nonce);
    if (exp !== undefined && exp > now) return false;
    this.seen.set(nonce, now + MAX_SKEW_MS);
    return true;
  }
}

function checkTimestamp(value: string | undefined, name: string) {
  if (!value) throw new AliyunError(400, `Missing${name}`, `${name} is mandatory for this action.`);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value)) throw new AliyunError(400, 'InvalidTimeStamp.Format', `Specified time stamp or date value is not well formatted.`);
  if (Math.abs(Date.parse(value) - Date.now()) > MAX_SKEW_MS) throw new AliyunError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
}

interface Incoming {
  method: string;
  /** The request path, e.g. `/sandbox/sms/aliyun/`. */
  path: string;
  /** Query parameters, decoded, in arrival order. */
  query: Array<[string, string]>;
  /** Form body parameters (RPC POST may carry them there). */
  form: Array<[string, string]>;
  rawBody: string;
  headers: Record<string, string>;
}

const ACS3 = /^ACS3-HMAC-SHA256 Credential=([^,\s]+), ?SignedHeaders=([a-z0-9;._-]+), ?Signature=([0-9a-f]{64})$/;
const MUST_SIGN = ['host', 'x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'];

function verifyAcs3(inc: Incoming, nonces: NonceWindow) {
  const m = ACS3.exec(inc.headers.authorization ?? '');
  if (!m) throw new AliyunError(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards.');
  const [, accessKeyId, signedHeaderList, signature] = m;
  if (accessKeyId !== ALIYUN_SMS_SANDBOX.accessKeyId) throw new AliyunError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
  const signedHeaders = signedHeaderList.split(';');
  const missing = MUST_SIGN.find((h) => !signedHeaders.includes(h) || inc.headers[h] === undefined);
  if (missing) throw new AliyunError(400, 'IncompleteSignature', `The request signature does not conform to Aliyun standards: header ${missing} must be present and signed.`);
  checkTimestamp(inc.headers['x-acs-date'], 'Date');
  const bodyHash = createHash('sha256').update(inc.rawBody, 'utf8').digest('hex');
  if (!safeEqual(bodyHash, inc.headers['x-acs-content-sha256'])) throw new AliyunError(400, 'SignatureDoesNotMatch', 'The x-acs-content-sha256 header does not match the request body.');

  const query = [...inc.query].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${pct(v)}`).join('&');
  const headers = signedHeaders.map((h) => `${h}:${inc.headers[h].trim()}\n`).join('');
  let ok = false;
  let firstStringToSign = '';
  // The SDK signs `/` whatever path its endpoint carries; a client that signs the real path is accepted too.
  for (const uri of new Set(['/', inc.path])) {
    const canonical = [inc.method, uri, query, headers, signedHeaders.join(';'), inc.headers['x-acs-content-sha256']].join('\n');
    const stringToSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
    firstStringToSign ||= stringToSign;
    const expected = createHmac('sha256', ALIYUN_SMS_SANDBOX.accessKeySecret).update(stringToSign, 'utf8').digest('hex');
    ok = safeEqual(expected, signature) || ok;
  }
  if (!ok) {
    throw new AliyunError(400, 'SignatureDoesNotMatch', `Specified signature does not match our calculation. server string to sign is:${firstStringToSign.replace('\n', ' ')}`);
  }
  if (!nonces.use(inc.headers['x-acs-signature-nonce'])) throw new AliyunError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
}

function verifyRpcV1(inc: Incoming, params: Map<string, string>, nonces: NonceWindow) {
  const signature = params.get('Signature');
  if (!signature) throw new AliyunError(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards: Signature is missing.');
  const accessKeyId = params.get('AccessKeyId');
  if (!accessKeyId) throw new AliyunError(400, 'MissingAccessKeyId', 'AccessKeyId is mandatory for this action.');
  if (accessKeyId !== ALIYUN_SMS_SANDBOX.accessKeyId) throw new AliyunError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
  if (params.get('SignatureMethod') !== 'HMAC-SHA1') throw new AliyunError(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards: SignatureMethod must be HMAC-SHA1.');
  if (params.get('SignatureVersion') !== '1.0') throw new AliyunError(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards: SignatureVersion must be 1.0.');
  const nonce = params.get('SignatureNonce');
  if (!nonce) throw new AliyunError(400, 'MissingSignatureNonce', 'SignatureNonce is mandatory for this action.');
  checkTimestamp(params.get('Timestamp'), 'Timestamp');
  const canonical = [...inc.query, ...inc.form]
    .filter(([k]) => k !== 'Signature')
    .map(([k, v]) => [pct(k), pct(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const stringToSign = `${inc.method}&${pct('/')}&${pct(canonical)}`;
  const expected = createHmac('sha1', `${ALIYUN_SMS_SANDBOX.accessKeySecret}&`).update(stringToSign, 'utf8').digest('base64');
  if (!safeEqual(expected, signature)) throw new AliyunError(400, 'SignatureDoesNotMatch', `Specified signature does not match our calculation. server string to sign is:${stringToSign}`);
  if (!nonces.use(nonce)) throw new AliyunError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
}

const bizIdNow = () => `${Date.now()}${String(randomInt(0, 100_000)).padStart(5, '0')}^0`;

async function sendSms(core: SmsCore, p: Map<string, string>) {
  const numbersRaw = p.get('PhoneNumbers');
  if (!numbersRaw) throw new AliyunError(400, 'MissingPhoneNumbers', 'PhoneNumbers is mandatory for this action.');
  const signName = p.get('SignName')?.trim();
  if (!signName) throw new AliyunError(400, 'MissingSignName', 'SignName is mandatory for this action.');
  const templateCode = p.get('TemplateCode');
  if (!templateCode) throw new AliyunError(400, 'MissingTemplateCode', 'TemplateCode is mandatory for this action.');
  const numbers = numbersRaw.split(',').map((n) => n.trim());
  if (numbers.length > 1000) throw isvError('isv.MOBILE_COUNT_OVER_LIMIT', '手机号码数量超过限制,最多1000个');
  const phones = numbers.map(normalizePhone);
  if (phones.some((x) => !x)) throw isvError('isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
  const state = await core.state();
  const s = state.settings;
  if (s.approvedSigns && !s.approvedSigns.includes(signName)) throw isvError('isv.SMS_SIGNATURE_ILLEGAL', '该账号下找不到对应签名');
  if ([...signName].length > 12) throw isvError('isv.SMS_SIGNATURE_ILLEGAL', '签名不合法');
  const template = ALIYUN_TEMPLATE_BY_CODE.get(templateCode);
  if (!template) throw isvError('isv.SMS_TEMPLATE_ILLEGAL', '该账号下找不到对应模板');
  let given: Record<string, unknown> = {};
  const rawParam = p.get('TemplateParam');
  if (rawParam !== undefined && rawParam !== '') {
    try {
      given = JSON.parse(rawParam) as Record<string, unknown>;
    } catch {
      throw isvError('isv.INVALID_JSON_PARAM', 'JSON参数不合法,只接受字符串值');
    }
    if (!given || typeof given !== 'object' || Array.isArray(given)) throw isvError('isv.INVALID_JSON_PARAM', 'JSON参数不合法,只接受字符串值');
  }
  for (const name of template.params) {
    const v = given[name];
    if (v === undefined || v === null || v === '') throw isvError('isv.TEMPLATE_MISSING_PARAMETERS', `模板缺少变量: ${name}`);
    if (typeof v !== 'string' && typeof v !== 'number') throw isvError('isv.INVALID_JSON_PARAM', 'JSON参数不合法,只接受字符串值');
  }
  const params = template.params.map((name) => String(given[name]));
  const bad = badParam(params, template.paramTypes);
  if (bad?.why === 'format') throw isvError('isv.INVALID_PARAMETERS', `参数格式错误: ${template.params[bad.index]} 只能是1-6位数字`);
  if (bad) throw isvError('isv.PARAM_LENGTH_LIMIT', `参数超出长度限制: ${template.params[bad.index]}`);
  const outId = p.get('OutId') ?? '';
  if (outId.length > 256) throw isvError('isv.INVALID_PARAMETERS', 'OutId 超出长度限制');

  const text = `【${signName}】${template.text.replace(/\$\{(\w+)\}/g, (_m, name: string) => String(given[name] ?? ''))}`;
  const fee = segments(text);
  const optedOut = template.kind === 'marketing' ? await core.optedOut('aliyun', signName) : null;

  // A number Aliyun will not send to: the whole request fails when it is the only one; in a group send the
  // others go out and that number's receipt reports the refusal.
  const refusals: Array<{ code: string; message: string } | null> = [];
  for (const phone of phones as string[]) {
    if (optedOut?.has(phone)) refusals.push({ code: 'isv.BLACK_KEY_CONTROL_LIMIT', message: '黑名单管控: 用户已回复退订' });
    else refusals.push(null);
  }
  const hits = await Promise.all(
    (phones as string[]).map((phone, i) => (refusals[i] ? Promise.resolve(null) : core.countAgainstLimits('aliyun', phone, text, s))),
  );
  hits.forEach((hit, i) => {
    if (hit === 'thirtySecond') refusals[i] = { code: 'isv.BUSINESS_LIMIT_CONTROL', message: `触发分钟级流控Permits:${s.thirtySecondLimit}` };
    else if (hit === 'hourly') refusals[i] = { code: 'isv.BUSINESS_LIMIT_CONTROL', message: `触发小时级流控Permits:${s.hourlyLimit}` };
    else if (hit === 'daily') refusals[i] = { code: 'isv.BUSINESS_LIMIT_CONTROL', message: `触发天级流控Permits:${s.dailyLimit}` };
  });
  if (phones.length === 1 && refusals[0]) throw isvError(refusals[0].code, refusals[0].message);
  const wanted = refusals.filter((r) => !r).length;
  if ((await core.takeQuota('aliyun', wanted, s)) < wanted) throw isvError('isv.DAY_LIMIT_CONTROL', '触发日发送限额');

  const bizId = bizIdNow();
  const now = new Date();
  const receiptAt = new Date(now.getTime() + s.receiptDelayMs).toISOString();
  const messages: SandboxSms[] = (phones as string[]).map((phone, i) => {
    const refusal = refusals[i];
    return {
      serialNo: `${bizId}-${i + 1}`,
      vendor: 'aliyun',
      phoneNumber: phone,
      signName,
      templateId: template.code,
      templateName: template.name,
      kind: template.kind,
      params,
      text,
      fee,
      sentAt: now.toISOString(),
      receiptAt: refusal ? now.toISOString() : receiptAt,
      report: refusal ? { success: false, code: refusal.code, description: refusal.message } : core.decideReport('aliyun', phone, state),
      batchId: bizId,
      bizId,
      outId,
    };
  });
  await core.record('aliyun', bizId, messages);
  return { Code: 'OK', Message: 'OK', BizId: bizId };
}

async function querySendDetails(core: SmsCore, p: Map<string, string>) {
  const phoneRaw = p.get('PhoneNumber');
  if (!phoneRaw) throw new AliyunError(400, 'MissingPhoneNumber', 'PhoneNumber is mandatory for this action.');
  const sendDate = p.get('SendDate');
  if (!sendDate) throw new AliyunError(400, 'MissingSendDate', 'SendDate is mandatory for this action.');
  if (!p.get('PageSize')) throw new AliyunError(400, 'MissingPageSize', 'PageSize is mandatory for this action.');
  if (!p.get('CurrentPage')) throw new AliyunError(400, 'MissingCurrentPage', 'CurrentPage is mandatory for this action.');
  const phone = normalizePhone(phoneRaw);
  if (!phone) throw isvError('isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
  if (!/^\d{8}$/.test(sendDate)) throw isvError('isv.INVALID_PARAMETERS', 'SendDate 格式为 yyyyMMdd');
  const pageSize = Number(p.get('PageSize'));
  const currentPage = Number(p.get('CurrentPage'));
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50) throw isvError('isv.INVALID_PARAMETERS', 'PageSize 取值范围 1~50');
  if (!Number.isInteger(currentPage) || currentPage < 1) throw isvError('isv.INVALID_PARAMETERS', 'CurrentPage 从 1 开始');
  const bizId = p.get('BizId');
  const now = Date.now();
  const found = (await core.messages(phone, 1000)).filter(
    (m) => m.vendor === 'aliyun' && cstDay(m.sentAt) === sendDate && (!bizId || m.bizId === bizId),
  );
  const page = found.slice((currentPage - 1) * pageSize, currentPage * pageSize).map((m) => {
    const arrived = Date.parse(m.receiptAt) <= now;
    return {
      PhoneNum: subscriber(m.phoneNumber),
      SendStatus: !arrived ? 1 : m.report.success ? 3 : 2,
      ErrCode: arrived ? m.report.code : '',
      TemplateCode: m.templateId,
      Content: m.text,
      SendDate: cstTime(m.sentAt),
      ReceiveDate: arrived ? cstTime(m.receiptAt) : '',
      OutId: m.outId ?? '',
    };
  });
  return { Code: 'OK', Message: 'OK', TotalCount: found.length, SmsSendDetailDTOs: { SmsSendDetailDTO: page } };
}

/** The Aliyun routes, registered under `/aliyun` in the SMS plugin. */
export function aliyunRoutes(app: FastifyInstance, core: SmsCore, hang: Hang) {
  const nonces = new NonceWindow();

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const requestId = randomUUID().toUpperCase();
    try {
      const [path, rawQuery = ''] = req.url.split(/\?(.*)/s, 2);
      const rawBody = (req as FastifyRequest & { rawBody?: string }).rawBody ?? '';
      const isForm = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : String(v ?? '');
      const inc: Incoming = {
        method: req.method,
        path,
        query: [...new URLSearchParams(rawQuery)],
        form: isForm ? [...new URLSearchParams(rawBody)] : [],
        rawBody,
        headers,
      };
      const params = new Map([...inc.query, ...inc.form]);
      if ((headers.authorization ?? '').startsWith('ACS3-')) verifyAcs3(inc, nonces);
      else if (params.has('Signature') || params.has('AccessKeyId')) verifyRpcV1(inc, params, nonces);
      else throw new AliyunError(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards: no Authorization header and no Signature parameter.');

      const action = params.get('Action') ?? headers['x-acs-action'];
      const version = params.get('Version') ?? headers['x-acs-version'];
      if (version !== VERSION) throw new AliyunError(400, 'InvalidVersion', 'Specified parameter Version is not valid.');
      if (action !== 'SendSms' && action !== 'QuerySendDetails') throw new AliyunError(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.');

      const fault = await core.takeFault('aliyun', action);
      if (fault?.kind === 'timeout') return hang(reply, (await core.settings()).timeoutFaultMs);
      if (fault?.kind === 'http500') throw new AliyunError(500, 'InternalError', 'The request processing has failed due to some unknown error, exception or failure.');
      if (fault?.kind === 'error') {
        const code = fault.code ?? 'isv.BUSINESS_LIMIT_CONTROL';
        const status = code.startsWith('isv.') ? 200 : code === 'ServiceUnavailable' ? 503 : code === 'InternalError' ? 500 : 400;
        throw new AliyunError(status, code, fault.message ?? (code === 'isv.BUSINESS_LIMIT_CONTROL' ? '触发分钟级流控Permits:1' : `simulated ${code}`));
      }
      const body = action === 'SendSms' ? await sendSms(core, params) : await querySendDetails(core, params);
      return { ...body, RequestId: requestId };
    } catch (err) {
      if (!(err instanceof AliyunError)) throw err;
      reply.status(err.status);
      if (err.status === 200) return { Code: err.code, Message: err.message, RequestId: requestId };
      return { RequestId: requestId, HostId: HOST_ID, Code: err.code, Message: err.message, Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=Dysmsapi` };
    }
  };

  app.route({ method: ['GET', 'POST'], url: '/', schema: { hide: true }, handler: handle });
}
