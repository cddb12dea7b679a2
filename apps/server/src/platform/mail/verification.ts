import type { Platform } from '../context.js';
import { AppError } from '../errors.js';
import { VerificationCodes } from '../verification-codes.js';
import { MailSendError, type MailSender } from './smtp-client.js';

export type EmailPurpose = 'merchant_sign_up' | 'password_reset';

const SUBJECT: Record<EmailPurpose, string> = {
  merchant_sign_up: '开店注册验证码',
  password_reset: '重置密码验证码',
};

/**
 * E-mail verification codes, with the rules and settings of the SMS codes (platform/verification-codes.ts);
 * addresses are compared in lower case.
 */
export class EmailVerification {
  private codes: VerificationCodes;

  constructor(p: Platform, sender: () => MailSender, brand: () => string) {
    this.codes = new VerificationCodes(p, {
      keyPrefix: 'mail',
      errorPrefix: 'EMAIL',
      field: 'email',
      addressNoun: 'This address',
      async deliver(email, code, minutes, purpose) {
        const name = brand();
        const sent = await sender().send({
          to: email,
          subject: `【${name}】${SUBJECT[purpose as EmailPurpose]} ${code}`,
          text: `您的验证码为 ${code},${minutes} 分钟内有效。如非本人操作,请忽略本邮件。\n\n${name}`,
          html: `<p>您的验证码为 <strong style="font-size:20px;letter-spacing:2px">${code}</strong>,${minutes} 分钟内有效。</p><p>如非本人操作,请忽略本邮件。</p><p>${escapeHtml(name)}</p>`,
        });
        return { messageId: sent.messageId };
      },
      deliveryFailed(err) {
        if (!(err instanceof MailSendError)) return undefined;
        if (err.smtpCode === 'NOT_CONFIGURED') return new AppError(503, 'EMAIL_NOT_CONFIGURED', 'E-mail is not set up on this server; sign up with a phone number', { field: 'email' });
        p.log.warn({ smtpCode: err.smtpCode, msg: err.message }, 'verification e-mail refused');
        return new AppError(502, 'EMAIL_SEND_FAILED', 'The e-mail could not be sent, try again later', { field: 'email', smtpCode: err.smtpCode });
      },
    });
  }

  send(scope: string, input: { email: string; purpose: EmailPurpose; ip?: string }) {
    return this.codes.send(scope, input.email.toLowerCase(), input.purpose, input.ip);
  }

  verify(scope: string, input: { email: string; purpose: EmailPurpose; code: string }) {
    return this.codes.verify(scope, input.email.toLowerCase(), input.purpose, input.code);
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
