import Fastify, { type FastifyInstance } from 'fastify';
// The package exports only the whole sandbox (which also mounts simulators still being written), so import the
// WeChat Pay plugin by path; an `exports` entry "./wechatpay" in packages/sandbox would make this tidier.
import { wechatPaySandbox, type WechatPaySandboxOptions } from '../../../../../../packages/sandbox/src/wechatpay/index.js';
import { WechatPayClient, createSandboxMerchant, type SandboxMerchant } from './client.js';

export interface ReceivedNotification {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  answeredStatus: number;
}

/**
 * A bare Fastify with the WeChat Pay sandbox and a merchant notify endpoint that records raw bodies,
 * for tests of the client and of code built on it. No database involved.
 */
export async function startWechatPaySandbox(opts: Partial<Omit<WechatPaySandboxOptions, 'baseUrl'>> = {}) {
  const app: FastifyInstance = Fastify({ logger: false });
  const received: ReceivedNotification[] = [];
  // Decides the HTTP status the merchant answers with; tests swap it to simulate outages.
  let answer: (n: Omit<ReceivedNotification, 'answeredStatus'>) => number = () => 204;

  await app.register(async (notify) => {
    // Notifications must be verified over the exact bytes, so keep them as a string.
    notify.removeContentTypeParser('application/json');
    notify.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    notify.post('/notify/*', async (req, reply) => {
      const n = { path: req.url, headers: req.headers, rawBody: req.body as string };
      const status = answer(n);
      received.push({ ...n, answeredStatus: status });
      return reply.status(status).send(status === 200 ? { code: 'SUCCESS' } : status === 204 ? undefined : { code: 'FAIL', message: 'not now' });
    });
  });

  let baseUrl = '';
  await app.register(wechatPaySandbox, {
    prefix: '/sandbox/wechatpay',
    baseUrl: () => baseUrl,
    notifyRetryDelaysMs: [50, 100, 150],
    refundDelayMs: 30,
    ...opts,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  baseUrl = `${origin}/sandbox/wechatpay`;

  return {
    app,
    origin,
    baseUrl,
    received,
    notifyUrl: (name = 'pay') => `${origin}/notify/${name}`,
    answerWith(fn: typeof answer) {
      answer = fn;
    },
    async merchant(verifyMode: 'certificate' | 'public_key' = 'certificate'): Promise<{ config: SandboxMerchant; client: WechatPayClient }> {
      const config = await createSandboxMerchant(baseUrl, { verifyMode });
      return { config, client: new WechatPayClient({ ...config, baseUrl }) };
    },
    /** Pays as the customer would, without a browser. */
    async pay(prepayId: string) {
      const res = await fetch(`${baseUrl}/sandbox/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prepay_id: prepayId }) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async notifications(): Promise<Array<{ id: string; url: string; eventType: string; attempts: number; lastStatus: number | null; acknowledged: boolean }>> {
      const res = await fetch(`${baseUrl}/sandbox/notifications`);
      return ((await res.json()) as { notifications: never[] }).notifications;
    },
    async waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5_000): Promise<T> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const v = await probe();
        if (v) return v;
        if (Date.now() > until) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => app.close(),
  };
}

export type WechatPaySandboxHarness = Awaited<ReturnType<typeof startWechatPaySandbox>>;
