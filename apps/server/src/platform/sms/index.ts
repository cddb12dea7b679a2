import type { Platform } from '../context.js';
import { TencentSmsClient, type SmsSender } from './tencent-client.js';

export { SmsSendError, TencentSmsClient, tc3Authorization, type SmsSender } from './tencent-client.js';
export { SmsVerification, type SmsPurpose } from './verification.js';

/**
 * The deployment's SMS account (Tencent Cloud SMS API 3.0): the sandbox in embedded mode, the vendor in
 * production. Customers, staff and merchants signing up all receive their codes through it.
 */
export function createSmsSender(p: Platform): SmsSender {
  const cfg = p.config;
  return new TencentSmsClient({
    baseUrl: () => cfg.SMS_BASE_URL ?? (cfg.SANDBOX ? `${p.selfUrl()}/sandbox/sms` : 'https://sms.tencentcloudapi.com'),
    secretId: cfg.SMS_SECRET_ID,
    secretKey: cfg.SMS_SECRET_KEY,
    region: cfg.SMS_REGION,
    smsSdkAppId: cfg.SMS_SDK_APP_ID,
    signName: cfg.SMS_SIGN_NAME,
    templates: { verifyCode: cfg.SMS_TEMPLATE_VERIFY_CODE },
  });
}
