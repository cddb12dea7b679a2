import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIL_SANDBOX, SandboxMailbox, startSmtpSandbox } from '@siyu/sandbox';
import { MailSendError, SmtpMailer } from './smtp-client.js';
import { startTestApp } from '../../testing/harness.js';

let smtp: Awaited<ReturnType<typeof startSmtpSandbox>>;
const mailbox = new SandboxMailbox();

beforeAll(async () => {
  smtp = await startSmtpSandbox({ host: '127.0.0.1', port: 0, mailbox });
});
afterAll(() => smtp?.close());

const settings = (over: Partial<{ user: string; password: string }> = {}) => ({
  host: smtp.host,
  port: smtp.port,
  secure: false,
  user: MAIL_SANDBOX.user,
  password: MAIL_SANDBOX.password,
  from: '思域商城 <no-reply@siyu.localhost>',
  ...over,
});

describe('SMTP mail client', () => {
  it('delivers a message with a Chinese subject and HTML part', async () => {
    const mailer = new SmtpMailer(() => settings());
    const sent = await mailer.send({ to: 'shop@example.com', subject: '【思域商城】验证码 654321', text: '您的验证码为 654321', html: '<p>您的验证码为 <strong>654321</strong></p>' });
    expect(sent.messageId).toMatch(/^<.+@.+>$/);
    const [got] = mailbox.list('shop@example.com');
    expect(got).toMatchObject({ messageId: sent.messageId, from: 'no-reply@siyu.localhost', subject: '【思域商城】验证码 654321' });
    expect(got.text.trim()).toBe('您的验证码为 654321');
    expect(got.html).toContain('<strong>654321</strong>');
  });

  it('reports a refusal with the SMTP reply code', async () => {
    const mailer = new SmtpMailer(() => settings({ password: 'wrong' }));
    const err = await mailer.send({ to: 'shop@example.com', subject: 'x', text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailSendError);
    expect((err as MailSendError).smtpCode).toBe('535');
    const nowhere = await new SmtpMailer(() => null).send({ to: 'shop@example.com', subject: 'x', text: 'x' }).catch((e: unknown) => e);
    expect((nowhere as MailSendError).smtpCode).toBe('NOT_CONFIGURED');
  });

  it('answers 503 EMAIL_NOT_CONFIGURED for e-mail sign-up on a server without SMTP and without the sandbox', async () => {
    const t = await startTestApp({ SANDBOX: 'false' });
    try {
      const res = await t.call('POST', '/api/admin/sign-up/codes', { body: { channel: 'email', email: 'boss@example.com' } });
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: 'EMAIL_NOT_CONFIGURED', details: { field: 'email' } });
    } finally {
      await t.close();
    }
  });
});
