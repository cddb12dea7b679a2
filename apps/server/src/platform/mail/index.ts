import type { Platform } from '../context.js';
import { SmtpMailer, type MailSender, type SmtpSettings } from './smtp-client.js';

export { MailSendError, SmtpMailer, type MailSender, type SmtpSettings } from './smtp-client.js';
export { EmailVerification, type EmailPurpose } from './verification.js';

/**
 * The deployment's outgoing mail: the SMTP server of SMTP_HOST, or, without it and with SANDBOX on, the
 * sandbox's SMTP server once it listens (`useSandbox`). Without either, e-mail is not offered.
 */
export class PlatformMail implements MailSender {
  private sandbox: { host: string; port: number } | null = null;
  private smtp: SmtpMailer;

  constructor(p: Platform) {
    const cfg = p.config;
    this.smtp = new SmtpMailer((): SmtpSettings | null => {
      const common = { user: cfg.SMTP_USER, password: cfg.SMTP_PASSWORD, from: cfg.MAIL_FROM };
      if (cfg.SMTP_HOST) return { host: cfg.SMTP_HOST, port: cfg.SMTP_PORT ?? (cfg.SMTP_SECURE ? 465 : 587), secure: cfg.SMTP_SECURE, ...common };
      if (cfg.SANDBOX && this.sandbox) return { host: this.sandbox.host, port: this.sandbox.port, secure: false, ...common };
      return null;
    });
  }

  /** The in-process sandbox SMTP server is listening here (told by the sandbox plugin). */
  useSandbox(address: { host: string; port: number }) {
    this.sandbox = address;
  }

  get configured() {
    return this.smtp.configured;
  }

  send(message: { to: string; subject: string; text: string; html?: string }) {
    return this.smtp.send(message);
  }
}
