import { createHmac, randomUUID } from 'node:crypto';
import { TencentSmsClient } from '../../../platform/sms/index.js';

/**
 * A shop's SMS account, whichever vendor it is with. Both vendors approve templates and sign names of
 * their own; Tencent takes positional parameters and reports per number, Aliyun takes named parameters
 * and answers for the whole request.
 */
export interface SmsResult {
  phone: string;
  ok: boolean;
  /** Tencent SerialNo / Aliyun BizId: what delivery receipts refer to. */
  vendorMsgId: string | null;
  code: string;
  message: string;
}

export interface SmsGateway {
  readonly vendor: 'tencent' | 'aliyun';
  readonly maxBatch: number;
  /** One request for numbers that get the same text. Throws SmsVendorError when the whole request failed. */
  send(input: { phones: string[]; templateId: string; params: { key: string; value: string }[]; sessionContext: string }): Promise<SmsResult[]>;
  /** A call that sends nothing but proves the credentials (the settings page's test button). */
  test(): Promise<void>;
}

export class SmsVendorError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The request may or may not have reached the vendor (timeout): never resend blindly. */
    readonly uncertain: boolean,
  ) {
    super(message);
  }
}

export interface SmsAccountConfig {
  vendor: 'tencent' | 'aliyun';
  accessKeyId: string;
  accessKeySecret: string;
  sdkAppId: string | null;
  signName: string;
  region: string;
}

export class TencentSmsGateway implements SmsGateway {
  readonly vendor = 'tencent';
  readonly maxBatch = 200;
  private client: TencentSmsClient;
  constructor(baseUrl: () => string, a: SmsAccountConfig) {
    this.client = new TencentSmsClient({ baseUrl, secretId: a.accessKeyId, secretKey: a.accessKeySecret, region: a.region, smsSdkAppId: a.sdkAppId ?? '', signName: a.signName, templates: { verifyCode: '' } });
  }

  async test() {
    try {
      await this.client.pullSendStatus(1);
    } catch (err) {
      const e = err as { vendorCode?: string; message: string };
      throw new SmsVendorError(e.vendorCode ?? 'Error', e.message, false);
    }
  }

  async send(input: { phones: string[]; templateId: string; params: { key: string; value: string }[]; sessionContext: string }): Promise<SmsResult[]> {
    // Tencent's parameters are positional: {1}, {2} … in key order.
    const ordered = [...input.params].sort((a, b) => Number(a.key) - Number(b.key)).map((p) => p.value);
    let r;
    try {
      r = await this.client.sendSms({ phoneNumbers: input.phones.map((p) => `+86${p}`), templateId: input.templateId, templateParams: ordered, sessionContext: input.sessionContext });
    } catch (err) {
      const e = err as { vendorCode?: string; message: string };
      throw new SmsVendorError(e.vendorCode ?? 'Error', e.message, e.vendorCode === 'NetworkError' || e.vendorCode === 'InvalidResponse');
    }
    const byPhone = new Map(r.statuses.map((s) => [s.PhoneNumber.replace(/^\+86/, ''), s]));
    return input.phones.map((phone) => {
      const s = byPhone.get(phone);
      if (!s) return { phone, ok: false, vendorMsgId: null, code: 'NoStatus', message: 'no status for this number' };
      return { phone, ok: s.Code === 'Ok', vendorMsgId: s.SerialNo || null, code: s.Code, message: s.Message };
    });
  }
}

/** Aliyun's RPC encoding: RFC 3986 percent-encoding (so `*` and `~` differ from encodeURIComponent). */
const pct = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Aliyun RPC signature v1 (HMAC-SHA1 over the sorted, encoded parameters), as dysmsapi 2017-05-25 documents. */
export function aliyunRpcSignature(params: Record<string, string>, secret: string, method = 'POST'): string {
  const canonical = Object.keys(params)
    .sort()
    .map((k) => `${pct(k)}=${pct(params[k]!)}`)
    .join('&');
  const stringToSign = `${method}&${pct('/')}&${pct(canonical)}`;
  return createHmac('sha1', `${secret}&`).update(stringToSign, 'utf8').digest('base64');
}

export class AliyunSmsGateway implements SmsGateway {
  readonly vendor = 'aliyun';
  readonly maxBatch = 1000;
  constructor(
    private baseUrl: () => string,
    private a: SmsAccountConfig,
    private now: () => Date = () => new Date(),
  ) {}

  /** One signed RPC call; the answer's Code must be OK. */
  private async rpc<T>(action: string, extra: Record<string, string>): Promise<T & { Code?: string; Message?: string }> {
    const params: Record<string, string> = {
      AccessKeyId: this.a.accessKeyId,
      Action: action,
      Format: 'JSON',
      RegionId: 'cn-hangzhou',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: randomUUID(),
      SignatureVersion: '1.0',
      Timestamp: this.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      Version: '2017-05-25',
      ...extra,
    };
    params.Signature = aliyunRpcSignature(params, this.a.accessKeySecret);
    const url = this.baseUrl().replace(/\/+$/, '') + '/';
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new SmsVendorError('NetworkError', `SMS vendor unreachable: ${(err as Error).message}`, true);
    }
    let body: T & { Code?: string; Message?: string };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new SmsVendorError('InvalidResponse', `SMS vendor answered HTTP ${res.status} without JSON`, res.status >= 500);
    }
    if (body.Code !== 'OK') throw new SmsVendorError(body.Code ?? `HTTP${res.status}`, body.Message ?? '', false);
    return body;
  }

  async test() {
    const day = new Date(this.now().getTime() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
    await this.rpc('QuerySendDetails', { PhoneNumber: '13800000000', SendDate: day, PageSize: '1', CurrentPage: '1' });
  }

  async send(input: { phones: string[]; templateId: string; params: { key: string; value: string }[]; sessionContext: string }): Promise<SmsResult[]> {
    const body = await this.rpc<{ BizId?: string }>('SendSms', {
      PhoneNumbers: input.phones.join(','),
      SignName: this.a.signName,
      TemplateCode: input.templateId,
      TemplateParam: JSON.stringify(Object.fromEntries(input.params.map((p) => [p.key, p.value]))),
      OutId: input.sessionContext,
    });
    // One BizId for the whole request; receipts name it with the number.
    return input.phones.map((phone) => ({ phone, ok: true, vendorMsgId: body.BizId ?? null, code: 'OK', message: 'OK' }));
  }
}
