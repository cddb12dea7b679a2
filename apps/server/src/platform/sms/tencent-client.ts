import { createHash, createHmac } from 'node:crypto';

/**
 * What Siyu needs from an SMS vendor. Templates are vendor-specific (each vendor approves
 * its own), so the interface speaks of purposes, not template ids; a second vendor is one more class.
 */
export interface SmsSender {
  readonly vendor: string;
  /** Sends a verification code to a mainland number (11 digits). Throws SmsSendError when refused. */
  sendVerificationCode(input: { phone: string; code: string; ttlMinutes: number }): Promise<{ serialNo: string; fee: number }>;
}

export class SmsSendError extends Error {
  constructor(
    readonly vendorCode: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

export interface TencentSmsOptions {
  /** `https://sms.tencentcloudapi.com` in production; the sandbox URL in embedded mode (known after listen). */
  baseUrl: string | (() => string);
  secretId: string;
  secretKey: string;
  region: string;
  smsSdkAppId: string;
  signName: string;
  templates: { verifyCode: string };
  timeoutMs?: number;
  /** Clock seam for signing tests. */
  now?: () => Date;
}

const VERSION = '2021-01-11';
const SERVICE = 'sms';
const CONTENT_TYPE = 'application/json; charset=utf-8';

const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();

/**
 * TC3-HMAC-SHA256 as Tencent Cloud API 3.0 defines it: canonical request → string to sign → key derived
 * from the secret, the UTC date and the service. Only content-type and host are signed (POST, no query).
 */
export function tc3Authorization(input: { secretId: string; secretKey: string; service: string; host: string; payload: string; timestamp: number }) {
  const date = new Date(input.timestamp * 1000).toISOString().slice(0, 10);
  const signedHeaders = 'content-type;host';
  const canonicalHeaders = `content-type:${CONTENT_TYPE.toLowerCase()}\nhost:${input.host.toLowerCase()}\n`;
  const canonicalRequest = ['POST', '/', '', canonicalHeaders, signedHeaders, sha256Hex(input.payload)].join('\n');
  const scope = `${date}/${input.service}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', String(input.timestamp), scope, sha256Hex(canonicalRequest)].join('\n');
  const kSigning = hmac(hmac(hmac(`TC3${input.secretKey}`, date), input.service), 'tc3_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
  return `TC3-HMAC-SHA256 Credential=${input.secretId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

interface SendStatus {
  SerialNo: string;
  PhoneNumber: string;
  Fee: number;
  SessionContext: string;
  Code: string;
  Message: string;
  IsoCode: string;
}


/** Tencent Cloud SMS (API 3.0, SendSms 2021-01-11). */
export class TencentSmsClient implements SmsSender {
  readonly vendor = 'tencent';
  constructor(private opts: TencentSmsOptions) {}

  /** One API 3.0 call to the SMS service, signed; a whole-request error throws SmsSendError. */
  async request<T>(action: string, body: Record<string, unknown>): Promise<T & { RequestId: string }> {
    const base = typeof this.opts.baseUrl === 'function' ? this.opts.baseUrl() : this.opts.baseUrl;
    const url = new URL(base.replace(/\/+$/, '') + '/');
    const payload = JSON.stringify(body);
    const timestamp = Math.floor((this.opts.now?.() ?? new Date()).getTime() / 1000);
    const authorization = tc3Authorization({ secretId: this.opts.secretId, secretKey: this.opts.secretKey, service: SERVICE, host: url.host, payload, timestamp });
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          authorization,
          'content-type': CONTENT_TYPE,
          'x-tc-action': action,
          'x-tc-version': VERSION,
          'x-tc-timestamp': String(timestamp),
          'x-tc-region': this.opts.region,
        },
        body: payload,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new SmsSendError('NetworkError', `SMS vendor unreachable: ${(err as Error).message}`);
    }
    let parsed: { Response?: T & { Error?: { Code: string; Message: string }; RequestId: string } };
    try {
      parsed = (await res.json()) as typeof parsed;
    } catch {
      throw new SmsSendError('InvalidResponse', `SMS vendor answered HTTP ${res.status} without JSON`);
    }
    const r = parsed?.Response;
    if (!r) throw new SmsSendError('InvalidResponse', 'SMS vendor answer has no Response');
    if (r.Error) throw new SmsSendError(r.Error.Code, r.Error.Message, r.RequestId);
    return r;
  }

  async sendSms(input: { phoneNumbers: string[]; templateId: string; templateParams: string[]; sessionContext?: string }): Promise<{ statuses: SendStatus[]; requestId: string }> {
    const r = await this.request<{ SendStatusSet?: SendStatus[] }>('SendSms', {
      PhoneNumberSet: input.phoneNumbers,
      SmsSdkAppId: this.opts.smsSdkAppId,
      SignName: this.opts.signName,
      TemplateId: input.templateId,
      TemplateParamSet: input.templateParams,
      ...(input.sessionContext ? { SessionContext: input.sessionContext } : {}),
    });
    return { statuses: r.SendStatusSet ?? [], requestId: r.RequestId };
  }

  /** Receipts not yet pulled (at most `limit`); also the cheapest call that proves the credentials. */
  async pullSendStatus(limit = 10) {
    const r = await this.request<{ PullSmsSendStatusSet?: unknown[] }>('PullSmsSendStatus', { Limit: limit, SmsSdkAppId: this.opts.smsSdkAppId });
    return r.PullSmsSendStatusSet ?? [];
  }

  async sendVerificationCode(input: { phone: string; code: string; ttlMinutes: number }) {
    const { statuses, requestId } = await this.sendSms({
      phoneNumbers: [`+86${input.phone}`],
      templateId: this.opts.templates.verifyCode,
      templateParams: [input.code, String(input.ttlMinutes)],
    });
    const status = statuses[0];
    if (!status) throw new SmsSendError('InvalidResponse', 'SMS vendor returned no send status', requestId);
    if (status.Code !== 'Ok') throw new SmsSendError(status.Code, status.Message, requestId);
    return { serialNo: status.SerialNo, fee: status.Fee };
  }
}
