import nodemailer, { type Transporter } from 'nodemailer';

/** What Siyu needs from a mail provider: one message to one person. Throws MailSendError when refused. */
export interface MailSender {
  send(message: { to: string; subject: string; text: string; html?: string }): Promise<{ messageId: string }>;
}

export class MailSendError extends Error {
  constructor(
    /** SMTP reply code (e.g. 535 for bad credentials, 550 for a refused recipient), or a socket error code. */
    readonly smtpCode: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where to connect; `null` when no SMTP server is known (no SMTP_HOST and no sandbox). */
export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  password: string;
  from: string;
}

/**
 * An SMTP client (nodemailer's transport). Settings are resolved per message because the sandbox's
 * port is known only once it listens. One connection per message: codes are few, and no idle socket
 * outlives a shutdown.
 */
export class SmtpMailer implements MailSender {
  private transport: { key: string; t: Transporter } | null = null;

  constructor(private settings: () => SmtpSettings | null) {}

  /** Whether a server is configured at all (e-mail sign-up is offered only then). */
  get configured(): boolean {
    return this.settings() !== null;
  }

  async send(message: { to: string; subject: string; text: string; html?: string }) {
    const s = this.settings();
    if (!s) throw new MailSendError('NOT_CONFIGURED', 'No SMTP server is configured (SMTP_HOST)');
    const key = `${s.host}:${s.port}:${s.secure}:${s.user}`;
    if (this.transport?.key !== key) {
      this.transport?.t.close();
      this.transport = {
        key,
        t: nodemailer.createTransport({
          host: s.host,
          port: s.port,
          secure: s.secure,
          auth: { user: s.user, pass: s.password },
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 20_000,
        }),
      };
    }
    try {
      const info = await this.transport.t.sendMail({ from: s.from, to: message.to, subject: message.subject, text: message.text, html: message.html });
      return { messageId: info.messageId };
    } catch (err) {
      const e = err as Error & { responseCode?: number; code?: string };
      throw new MailSendError(String(e.responseCode ?? e.code ?? 'UNKNOWN'), e.message);
    }
  }

  close() {
    this.transport?.t.close();
    this.transport = null;
  }
}
