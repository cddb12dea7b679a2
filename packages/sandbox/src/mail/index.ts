import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyPluginAsync } from 'fastify';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { simpleParser, type AddressObject } from 'mailparser';

/**
 * A real SMTP server (RFC 5321, AUTH PLAIN / LOGIN) standing in for the deployment's mail provider, so
 * e-mail verification codes travel the same path offline as in production: the server's SMTP client
 * connects, authenticates and sends; every accepted message is parsed (MIME, encodings) and kept.
 *
 * Sandbox credentials (the server's SMTP_USER / SMTP_PASSWORD default to them):
 *   user `siyu-sandbox`, password `sandbox-smtp-password`.
 *
 * The inbox: `GET /messages?to=` (JSON, newest first) and `GET /inbox` (a Chinese HTML page).
 */
export const MAIL_SANDBOX = { user: 'siyu-sandbox', password: 'sandbox-smtp-password' } as const;

const INBOX_SIZE = 500;
const MAX_MESSAGE_BYTES = 5 * 1024 * 1024;

export interface SandboxMail {
  id: string;
  messageId: string | null;
  /** The envelope sender (MAIL FROM) and recipients (RCPT TO), lower-cased. */
  envelopeFrom: string;
  envelopeTo: string[];
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  receivedAt: string;
}

/** The messages the sandbox SMTP server accepted, newest first. */
export class SandboxMailbox {
  private messages: SandboxMail[] = [];

  add(m: SandboxMail) {
    this.messages.unshift(m);
    this.messages.length = Math.min(this.messages.length, INBOX_SIZE);
  }

  list(to?: string): SandboxMail[] {
    if (!to) return this.messages;
    const wanted = to.trim().toLowerCase();
    return this.messages.filter((m) => m.envelopeTo.includes(wanted) || m.to.includes(wanted));
  }
}

const addresses = (a: AddressObject | AddressObject[] | undefined): string[] =>
  [a ?? []].flat().flatMap((o) => o.value.map((v) => (v.address ?? '').toLowerCase())).filter(Boolean);

const envelopeAddress = (a: SMTPServerAddress | false) => (a ? a.address.toLowerCase() : '');

export interface SmtpSandboxOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  mailbox: SandboxMailbox;
}

/**
 * Starts the SMTP server. STARTTLS is off: the sandbox listens on the loopback interface and has no
 * certificate a client would trust, so clients authenticate in plain text there (never in production).
 */
export async function startSmtpSandbox(opts: SmtpSandboxOptions): Promise<{ host: string; port: number; close(): Promise<void> }> {
  const server = new SMTPServer({
    name: 'sandbox.siyu.localhost',
    banner: 'Siyu SMTP sandbox',
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    // No DNS on an offline machine: a reverse lookup of every client would only wait for a timeout.
    disableReverseLookup: true,
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === MAIL_SANDBOX.user && auth.password === MAIL_SANDBOX.password) return callback(null, { user: auth.username });
      const err = Object.assign(new Error('Invalid username or password'), { responseCode: 535 });
      return callback(err);
    },
    onMailFrom(_address, session, callback) {
      if (!session.user) return callback(Object.assign(new Error('Authentication required'), { responseCode: 530 }));
      return callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
            return callback(Object.assign(new Error('Message exceeds the fixed maximum message size'), { responseCode: 552 }));
          }
          opts.mailbox.add({
            id: randomUUID(),
            messageId: parsed.messageId ?? null,
            envelopeFrom: envelopeAddress(session.envelope.mailFrom),
            envelopeTo: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            from: addresses(parsed.from)[0] ?? '',
            to: addresses(parsed.to),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : null,
            receivedAt: new Date().toISOString(),
          });
          return callback();
        })
        .catch((err: Error) => callback(Object.assign(new Error(`Message could not be parsed: ${err.message}`), { responseCode: 554 })));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A client that hangs up mid-session is the client's problem, not a reason to stop the sandbox.
  server.on('error', () => undefined);
  const addr = server.server.address() as AddressInfo;
  return {
    host: opts.host,
    port: addr.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface MailSandboxOptions {
  /** Where the SMTP server listens; port 0 picks a free one. */
  smtp?: { host?: string; port?: number };
  /** Told where the SMTP server listens once it does (the server's mail client connects there). */
  onListening?(address: { host: string; port: number }): void;
}

/** The SMTP server, started with the app and closed with it, and its inbox pages. */
export const mailSandbox: FastifyPluginAsync<MailSandboxOptions> = async (app, opts) => {
  const mailbox = new SandboxMailbox();
  const smtp = await startSmtpSandbox({ host: opts.smtp?.host ?? '127.0.0.1', port: opts.smtp?.port ?? 0, mailbox });
  app.addHook('onClose', async () => smtp.close());
  opts.onListening?.({ host: smtp.host, port: smtp.port });

  app.get('/messages', { schema: { hide: true } }, async (req) => {
    const { to } = req.query as { to?: string };
    return { smtp: { host: smtp.host, port: smtp.port }, items: mailbox.list(to) };
  });

  app.get('/inbox', { schema: { hide: true } }, async (req, reply) => {
    const { to } = req.query as { to?: string };
    const list = mailbox.list(to).slice(0, 100);
    const rowsHtml = list.length
      ? list
          .map(
            (m) => `<tr><td>${escapeHtml(new Date(m.receivedAt).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }))}</td>` +
              `<td>${escapeHtml(m.envelopeTo.join(', '))}</td><td><strong>${escapeHtml(m.subject)}</strong><pre>${escapeHtml(m.text)}</pre></td></tr>`,
          )
          .join('\n')
      : '<tr><td colspan="3" style="color:#646566">暂无邮件</td></tr>';
    reply.type('text/html; charset=utf-8');
    return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="5"><title>邮件收件箱 · Siyu 沙箱</title>
<style>body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;max-width:860px;margin:1.5rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.5rem;text-align:left;vertical-align:top}th{color:#646566;font-weight:normal}
pre{white-space:pre-wrap;font-family:inherit;margin:.25rem 0 0}</style></head>
<body><h1>邮件收件箱</h1>
<p>这里显示沙箱 SMTP 服务器(${escapeHtml(smtp.host)}:${smtp.port})收到的所有邮件。演示时在此查看邮箱验证码。页面每 5 秒自动刷新。</p>
<form method="get"><label>收件人 <input name="to" placeholder="按邮箱筛选" value="${escapeHtml(to ?? '')}"></label> <button>筛选</button></form>
<table><thead><tr><th>时间</th><th>收件人</th><th>内容</th></tr></thead><tbody>
${rowsHtml}
</tbody></table></body></html>`;
  });
};
