import type { Platform } from '../context.js';
import { AppError } from '../errors.js';
import { VerificationCodes } from '../verification-codes.js';
import { SmsSendError, type SmsSender } from './tencent-client.js';

/** `merchant_sign_up` and `password_reset` are asked for under the `platform` scope, not a shop's. */
export type SmsPurpose = 'sign_in' | 'bind' | 'merchant_sign_up' | 'password_reset';

/** SMS verification codes: the rules of platform/verification-codes.ts, delivered by the SMS provider. */
export class SmsVerification {
  private codes: VerificationCodes;

  constructor(p: Platform, sender: () => SmsSender) {
    this.codes = new VerificationCodes(p, {
      keyPrefix: 'sms',
      errorPrefix: 'SMS',
      field: 'phone',
      addressNoun: 'This number',
      async deliver(phone, code, ttlMinutes) {
        const sent = await sender().sendVerificationCode({ phone, code, ttlMinutes });
        return { serialNo: sent.serialNo };
      },
      deliveryFailed(err) {
        if (!(err instanceof SmsSendError)) return undefined;
        p.log.warn({ vendorCode: err.vendorCode, requestId: err.requestId, msg: err.message }, 'verification SMS refused');
        return new AppError(502, 'SMS_SEND_FAILED', 'The SMS could not be sent, try again later', { vendorCode: err.vendorCode });
      },
    });
  }

  send(scope: string, input: { phone: string; purpose: SmsPurpose; ip?: string }) {
    return this.codes.send(scope, input.phone, input.purpose, input.ip);
  }

  verify(scope: string, input: { phone: string; purpose: SmsPurpose; code: string }) {
    return this.codes.verify(scope, input.phone, input.purpose, input.code);
  }
}
