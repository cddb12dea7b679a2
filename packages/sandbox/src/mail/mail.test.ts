import net from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIL_SANDBOX, mailSandbox } from './index.js';

/**
 * Protocol-level checks of the SMTP sandbox with a hand-rolled SMTP dialogue (no mail client library),
 * so a shared bug in the client cannot hide a sandbox bug. The server's nodemailer client is exercised
 * end to end by the merchant sign-up tests (apps/server/src/modules/onboarding).
 */
let app: FastifyInstance;
let smtp: { host: string; port: number };

beforeAll(async () => {
  app = Fastify();
  await app.register(mailSandbox, { prefix: '/mail', onListening: (a) => (smtp = a) });
  await app.ready();
});
afterAll(() => app?.close());

/** Speaks SMTP line by line: sends each command, collects each reply (multi-line replies joined). */
async function dialogue(commands: string[]): Promise<string[]> {
  const socket = net.connect(smtp.port, smtp.host);
  socket.setEncoding('utf8');
  let buffer = '';
  const waiters: ((reply: string) => void)[] = [];
  const replies: string[] = [];
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    // A reply ends with a line "NNN text" (a space after the code, not a dash).
    for (let m = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(buffer); m; m = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(buffer)) {
      const end = m.index + m[0].length;
      const reply = buffer.slice(0, end).trim();
      buffer = buffer.slice(end);
      const w = waiters.shift();
      if (w) w(reply);
      else replies.push(reply);
    }
  });
  const next = () => new Promise<string>((resolve) => (replies.length ? resolve(replies.shift()!) : waiters.push(resolve)));
  const out = [await next()];
  for (const c of commands) {
    socket.write(`${c}\r\n`);
    out.push(await next());
  }
  socket.end();
  return out;
}

const plain = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`).toString('base64');
const codes = (replies: string[]) => replies.map((r) => r.slice(0, 3));

describe('SMTP sandbox', () => {
  it('accepts an authenticated message, decodes it and lists it in the inbox', async () => {
    const subject = `=?UTF-8?B?${Buffer.from('【思域商城】开店注册验证码 123456').toString('base64')}?=`;
    const body = Buffer.from('您的验证码为 123456,5 分钟内有效。').toString('base64');
    const replies = await dialogue([
      'EHLO client.test',
      `AUTH PLAIN ${plain(MAIL_SANDBOX.user, MAIL_SANDBOX.password)}`,
      'MAIL FROM:<no-reply@siyu.localhost>',
      'RCPT TO:<Boss@Example.com>',
      'DATA',
      [
        'From: 思域商城 <no-reply@siyu.localhost>',
        'To: boss@example.com',
        `Subject: ${subject}`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        body,
        '.',
      ].join('\r\n'),
      'QUIT',
    ]);
    expect(codes(replies)).toEqual(['220', '250', '235', '250', '250', '354', '250', '221']);
    // STARTTLS is not offered: the sandbox has no certificate a client would trust.
    expect(replies[1]).not.toContain('STARTTLS');
    expect(replies[1]).toContain('AUTH PLAIN LOGIN');

    const res = await app.inject({ method: 'GET', url: '/mail/messages?to=boss@example.com' });
    const { items, smtp: where } = res.json();
    expect(where).toEqual(smtp);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ envelopeFrom: 'no-reply@siyu.localhost', envelopeTo: ['boss@example.com'], to: ['boss@example.com'], subject: '【思域商城】开店注册验证码 123456' });
    expect(items[0].text.trim()).toBe('您的验证码为 123456,5 分钟内有效。');
    const page = await app.inject({ method: 'GET', url: '/mail/inbox?to=boss@example.com' });
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('【思域商城】开店注册验证码 123456');
    expect(page.body).not.toContain('<script');
  });

  it('refuses mail without authentication and wrong credentials', async () => {
    const anonymous = await dialogue(['EHLO client.test', 'MAIL FROM:<a@example.com>', 'QUIT']);
    expect(codes(anonymous)).toEqual(['220', '250', '530', '221']);
    const wrong = await dialogue(['EHLO client.test', `AUTH PLAIN ${plain(MAIL_SANDBOX.user, 'not-the-password')}`, 'QUIT']);
    expect(codes(wrong)).toEqual(['220', '250', '535', '221']);
    expect((await app.inject({ method: 'GET', url: '/mail/messages?to=a@example.com' })).json().items).toEqual([]);
  });
});
