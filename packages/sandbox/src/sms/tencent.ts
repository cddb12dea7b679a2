import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { receiptOf, tencentPullReply, tencentPullStatus, type SandboxSms, type SmsCore } from './core.js';
import { normalizePhone, unixSeconds } from './phone.js';
import { badParam, segments, TENCENT_TEMPLATE_BY_ID } from './templates.js';

/**
 * Tencent Cloud SMS, API 3.0 version 2021-01-11, signed with TC3-HMAC-SHA256: `SendSms`,
 * `PullSmsSendStatus`, `PullSmsReplyStatus` and their `…ByPhoneNumber` forms, all `POST /` with the action
 * in `X-TC-Action`. Whole-request failures answer HTTP 200 with `Response.Error`; per-number outcomes are
 * in `SendStatusSet[].Code`, as Tencent does.
 */
export const SMS_SANDBOX = {
  secretId: 'AKIDsandbox',
  secretKey: 'sandbox-secret-key',
  smsSdkAppId: '1400000001',
  verificationTemplateId: '1000001',
} as const;

const VERSION = '2021-01-11';
const SERVICE = 'sms';
/** Tencent refuses requests whose X-TC-Timestamp is more than 5 minutes off. */
const MAX_SKEW_SECONDS = 300;

export const TENCENT_ACTIONS = ['SendSms', 'PullSmsSendStatus', 'PullSmsReplyStatus', 'PullSmsSendStatusByPhoneNumber', 'PullSmsReplyStatusByPhoneNumber'] as const;

export class TencentError extends Error {
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

/**
 * The official SDK (tencentcloud-sdk-nodejs-sms) works unchanged with only its endpoint pointed here, e.g.
 * `profile.httpProfile = { endpoint: '127.0.0.1:3000/sandbox/sms', protocol: 'http://' }`. It then POSTs to
 * `<endpoint>/`, signs that whole path, the host without its port, and a "service" that is the endpoint's
 * first dot-separated label (`127` here). Tencent's own host needs none of that, so the check accepts
 * those forms besides the canonical ones (`/`, the Host header, `sms`) — every one still under the secret key.
 */
export function verifyTc3(req: FastifyRequest, rawBody: string) {
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
  let ok = false;
  // Every form is computed and compared in constant time, so the time taken says nothing about which matched.
  for (const f of forms) {
    const expected = expectedSignature({ secretKey: SMS_SANDBOX.secretKey, service, method: req.method, uri: f.uri, query: f.query, headers: { ...headers, host: f.host }, signedHeaders, payload: rawBody, timestamp, date });
    ok = safeEqualHex(expected, signature) || ok;
  }
  if (!ok) throw new TencentError('AuthFailure.SignatureFailure', 'The provided credentials could not be validated. Please check your signature is correct.');
}

/** Holds the request open and drops the connection later, as a vendor that never answers. */
export type Hang = (reply: FastifyReply, ms: number) => FastifyReply;

type Body = Record<string, unknown> & { __invalidJson?: boolean };

const tencentSerialNo = () => `${Math.floor(1000 + Math.random() * 9000)}:${randomUUID().replace(/-/g, '').slice(0, 24)}`;

function limitParam(body: Body, max = 100): number {
  if (body.Limit === undefined) throw new TencentError('MissingParameter', 'The request is missing a required parameter `Limit`.');
  const limit = Number(body.Limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new TencentError('InvalidParameterValue', `The value of \`Limit\` must be an integer from 1 to ${max}.`);
  return limit;
}

function checkApp(body: Body) {
  if (body.SmsSdkAppId === undefined) throw new TencentError('MissingParameter', 'The request is missing a required parameter `SmsSdkAppId`.');
  if (body.SmsSdkAppId !== SMS_SANDBOX.smsSdkAppId) throw new TencentError('InvalidParameterValue.SdkAppIdNotExist', 'SdkAppId does not exist.');
}

function timeRange(body: Body): { begin: number; end: number } {
  if (body.BeginTime === undefined) throw new TencentError('MissingParameter', 'The request is missing a required parameter `BeginTime`.');
  const begin = Number(body.BeginTime);
  const end = body.EndTime === undefined ? Math.floor(Date.now() / 1000) : Number(body.EndTime);
  if (!Number.isInteger(begin) || !Number.isInteger(end) || end < begin) throw new TencentError('InvalidParameterValue', 'BeginTime and EndTime must be UNIX seconds with BeginTime ≤ EndTime.');
  return { begin, end };
}

function offsetParam(body: Body): number {
  const offset = body.Offset === undefined ? 0 : Number(body.Offset);
  if (!Number.isInteger(offset) || offset < 0) throw new TencentError('InvalidParameterValue', 'The value of `Offset` must be a non-negative integer.');
  return offset;
}

function phoneParam(body: Body): string {
  if (typeof body.PhoneNumber !== 'string') throw new TencentError('MissingParameter', 'The request is missing a required parameter `PhoneNumber`.');
  const phone = normalizePhone(body.PhoneNumber);
  if (!phone) throw new TencentError('InvalidParameterValue.IncorrectPhoneNumber', 'Incorrect phone number format.');
  return phone;
}

async function sendSms(core: SmsCore, body: Body, requestId: string) {
  if (!Array.isArray(body.PhoneNumberSet) || body.PhoneNumberSet.length === 0) throw new TencentError('MissingParameter', 'The request is missing a required parameter `PhoneNumberSet`.');
  if (body.PhoneNumberSet.length > 200) throw new TencentError('LimitExceeded.PhoneNumberCountLimit', 'The number of phone numbers exceeds 200.');
  checkApp(body);
  const state = await core.state();
  const s = state.settings;
  const signName = typeof body.SignName === 'string' ? body.SignName.trim() : '';
  if (!signName || (s.approvedSigns && !s.approvedSigns.includes(signName))) {
    throw new TencentError('FailedOperation.SignatureIncorrectOrUnapproved', 'Signature format is incorrect or signature is not approved.');
  }
  const template = TENCENT_TEMPLATE_BY_ID.get(String(body.TemplateId));
  if (!template) throw new TencentError('FailedOperation.TemplateIncorrectOrUnapproved', 'Template is not approved or request content does not match the approved template content.');
  const params = Array.isArray(body.TemplateParamSet) ? body.TemplateParamSet.map(String) : [];
  if (params.length !== template.params) {
    throw new TencentError('FailedOperation.TemplateParamSetNotMatchApprovedTemplate', 'The number of request parameters does not match the approved template.');
  }
  const bad = badParam(params, template.paramTypes);
  if (bad?.why === 'format') {
    throw new TencentError('InvalidParameterValue.TemplateParameterFormatError', 'Verification code template parameter format error: only 0-6 digits are allowed.');
  }
  if (bad) throw new TencentError('InvalidParameterValue.TemplateParameterLengthLimit', `The length of template parameter ${bad.index + 1} exceeds the limit.`);

  const text = `【${signName}】${template.text.replace(/\{(\d+)\}/g, (_m, i: string) => params[Number(i) - 1] ?? '')}`;
  const fee = segments(text);
  const sessionContext = typeof body.SessionContext === 'string' ? body.SessionContext : '';
  const optedOut = template.kind === 'marketing' ? await core.optedOut('tencent', signName) : null;

  type Status = { SerialNo: string; PhoneNumber: string; Fee: number; SessionContext: string; Code: string; Message: string; IsoCode: string };
  const refused = (phone: string, Code: string, Message: string): Status => ({ SerialNo: '', PhoneNumber: phone, Fee: 0, SessionContext: sessionContext, Code, Message, IsoCode: phone.startsWith('+86') ? 'CN' : '' });
  const statuses: Status[] = new Array(body.PhoneNumberSet.length);
  const candidates: Array<{ i: number; phone: string }> = [];
  body.PhoneNumberSet.forEach((n, i) => {
    const phone = normalizePhone(String(n));
    if (!phone) statuses[i] = refused(String(n), 'InvalidParameterValue.IncorrectPhoneNumber', 'incorrect number format');
    else if (optedOut?.has(phone)) statuses[i] = refused(phone, 'FailedOperation.PhoneNumberInBlacklist', 'The phone number is in the blacklist: the user replied to unsubscribe from marketing messages of this sign.');
    else candidates.push({ i, phone });
  });
  const hits = await Promise.all(candidates.map((c) => core.countAgainstLimits('tencent', c.phone, text, s)));
  const passing = candidates.filter((c, k) => {
    const hit = hits[k];
    if (hit === 'thirtySecond') statuses[c.i] = refused(c.phone, 'LimitExceeded.PhoneNumberThirtySecondLimit', 'The same content was sent to this number within 30 seconds.');
    else if (hit === 'hourly') statuses[c.i] = refused(c.phone, 'LimitExceeded.PhoneNumberOneHourLimit', 'The number of messages sent to this number within one hour exceeds the limit.');
    else if (hit === 'daily') statuses[c.i] = refused(c.phone, 'LimitExceeded.PhoneNumberDailyLimit', 'The number of messages sent to this number today exceeds the limit.');
    return !hit;
  });
  const allowed = await core.takeQuota('tencent', passing.length, s);

  const now = new Date();
  const receiptAt = new Date(now.getTime() + s.receiptDelayMs).toISOString();
  const messages: SandboxSms[] = [];
  passing.forEach((c, k) => {
    if (k >= allowed) {
      statuses[c.i] = refused(c.phone, 'LimitExceeded.AppDailyLimit', 'The number of messages sent by the application today exceeds the daily limit.');
      return;
    }
    const serialNo = tencentSerialNo();
    messages.push({
      serialNo,
      vendor: 'tencent',
      phoneNumber: c.phone,
      signName,
      templateId: template.id,
      templateName: template.name,
      kind: template.kind,
      params,
      text,
      fee,
      sentAt: now.toISOString(),
      receiptAt,
      report: core.decideReport('tencent', c.phone, state),
      batchId: requestId,
      sessionContext,
    });
    statuses[c.i] = { SerialNo: serialNo, PhoneNumber: c.phone, Fee: fee, SessionContext: sessionContext, Code: 'Ok', Message: 'send success', IsoCode: 'CN' };
  });
  await core.record('tencent', requestId, messages);
  return { SendStatusSet: statuses };
}

async function tencentAction(core: SmsCore, action: string, body: Body, requestId: string): Promise<Record<string, unknown>> {
  switch (action) {
    case 'SendSms':
      return sendSms(core, body, requestId);
    case 'PullSmsSendStatus': {
      const limit = limitParam(body);
      checkApp(body);
      return { PullSmsSendStatusSet: await core.pull('tencent:status', limit) };
    }
    case 'PullSmsReplyStatus': {
      const limit = limitParam(body);
      checkApp(body);
      return { PullSmsReplyStatusSet: await core.pull('tencent:reply', limit) };
    }
    case 'PullSmsSendStatusByPhoneNumber': {
      const limit = limitParam(body);
      const offset = offsetParam(body);
      checkApp(body);
      const phone = phoneParam(body);
      const { begin, end } = timeRange(body);
      const now = Date.now();
      const items = (await core.messages(phone, 1000))
        .filter((m) => (m.vendor ?? 'tencent') === 'tencent' && m.report && Date.parse(m.receiptAt) <= now)
        .filter((m) => unixSeconds(m.sentAt) >= begin && unixSeconds(m.sentAt) <= end)
        .reverse()
        .slice(offset, offset + limit)
        .map((m) => tencentPullStatus(receiptOf(m)));
      return { PullSmsSendStatusSet: items };
    }
    case 'PullSmsReplyStatusByPhoneNumber': {
      const limit = limitParam(body);
      const offset = offsetParam(body);
      checkApp(body);
      const phone = phoneParam(body);
      const { begin, end } = timeRange(body);
      const items = (await core.replies(phone, 1000))
        .filter((r) => r.vendor === 'tencent' && unixSeconds(r.at) >= begin && unixSeconds(r.at) <= end)
        .reverse()
        .slice(offset, offset + limit)
        .map(tencentPullReply);
      return { PullSmsReplyStatusSet: items };
    }
    default:
      throw new TencentError('InvalidAction', `The action \`${action}\` does not exist.`);
  }
}

/** `POST /`: one Tencent API 3.0 call. */
export async function handleTencent(core: SmsCore, hang: Hang, req: FastifyRequest, reply: FastifyReply) {
  const requestId = randomUUID();
  try {
    const raw = (req as FastifyRequest & { rawBody?: string }).rawBody ?? '';
    verifyTc3(req, raw);
    const action = String(req.headers['x-tc-action'] ?? '');
    if (!(TENCENT_ACTIONS as readonly string[]).includes(action)) throw new TencentError('InvalidAction', `The action \`${action}\` does not exist.`);
    if (req.headers['x-tc-version'] !== VERSION) throw new TencentError('NoSuchVersion', `The API version \`${String(req.headers['x-tc-version'])}\` does not exist.`);
    if (!req.headers['x-tc-region']) throw new TencentError('MissingParameter', 'The request is missing a required parameter `X-TC-Region`.');
    const body = (req.body ?? {}) as Body;
    if (body.__invalidJson) throw new TencentError('InvalidParameter', 'The request body is not valid JSON.');

    const fault = await core.takeFault('tencent', action);
    if (fault?.kind === 'timeout') return hang(reply, (await core.settings()).timeoutFaultMs);
    if (fault?.kind === 'http500') return reply.status(500).type('text/plain; charset=utf-8').send('Internal Server Error');
    if (fault?.kind === 'error') {
      throw new TencentError(fault.code ?? 'RequestLimitExceeded', fault.message ?? 'Your current request times exceeds the limit, please try again later.');
    }
    return { Response: { ...(await tencentAction(core, action, body, requestId)), RequestId: requestId } };
  } catch (err) {
    if (err instanceof TencentError) return { Response: { Error: { Code: err.code, Message: err.message }, RequestId: requestId } };
    throw err;
  }
}
