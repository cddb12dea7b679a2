import Fastify, { type FastifyInstance } from 'fastify';
import tencentcloud from 'tencentcloud-sdk-nodejs-sms';
import Dysmsapi from '@alicloud/dysmsapi20170525';
import * as OpenApi from '@alicloud/openapi-client';
import { MemorySandboxStore } from '../store.js';
import { ALIYUN_SMS_SANDBOX, SMS_SANDBOX, smsSandbox, type SmsCallbackUrls } from './index.js';

/** Helpers of the SMS sandbox tests: the plugin mounted under /sandbox/sms, and the vendors' official SDKs. */

const TencentClient = tencentcloud.sms.v20210111.Client;
// A CommonJS module: Node gives module.exports as the default import, some loaders its `default` already.
const AliyunClient: typeof Dysmsapi.default = (Dysmsapi as unknown as { default?: typeof Dysmsapi.default }).default ?? (Dysmsapi as unknown as typeof Dysmsapi.default);

export interface SmsTestSandbox {
  app: FastifyInstance;
  origin: string;
  /** `127.0.0.1:<port>/sandbox/sms`: the Tencent SDK's endpoint. */
  tencentEndpoint: string;
  /** `127.0.0.1:<port>/sandbox/sms/aliyun`: the Aliyun SDK's endpoint. */
  aliyunEndpoint: string;
  /** Calls the sandbox's own endpoints (`/sandbox/sms` + path). */
  sim(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  tencent(opts?: { secretKey?: string; reqTimeout?: number }): InstanceType<typeof TencentClient>;
  aliyun(opts?: { accessKeyId?: string; secret?: string; rpcV1?: boolean; readTimeout?: number }): InstanceType<typeof AliyunClient>;
}

export async function startSmsSandbox(callbacks?: () => SmsCallbackUrls, setup?: (app: FastifyInstance) => void): Promise<SmsTestSandbox> {
  const app = Fastify();
  setup?.(app);
  let origin = '';
  await app.register(smsSandbox, { prefix: '/sandbox/sms', baseUrl: () => `${origin}/sandbox/sms`, store: new MemorySandboxStore(), callbacks, pollMs: 100 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  origin = `http://127.0.0.1:${port}`;
  const tencentEndpoint = `127.0.0.1:${port}/sandbox/sms`;
  const aliyunEndpoint = `127.0.0.1:${port}/sandbox/sms/aliyun`;
  return {
    app,
    origin,
    tencentEndpoint,
    aliyunEndpoint,
    async sim(method, path, body) {
      const res = await fetch(`${origin}/sandbox/sms${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
    tencent: (opts = {}) =>
      new TencentClient({
        credential: { secretId: SMS_SANDBOX.secretId, secretKey: opts.secretKey ?? SMS_SANDBOX.secretKey },
        region: 'ap-guangzhou',
        profile: { httpProfile: { endpoint: tencentEndpoint, protocol: 'http://', reqTimeout: opts.reqTimeout ?? 10 } },
      }),
    aliyun: (opts = {}) =>
      new AliyunClient(
        new OpenApi.Config({
          accessKeyId: opts.accessKeyId ?? ALIYUN_SMS_SANDBOX.accessKeyId,
          accessKeySecret: opts.secret ?? ALIYUN_SMS_SANDBOX.accessKeySecret,
          endpoint: aliyunEndpoint,
          protocol: 'http',
          readTimeout: opts.readTimeout,
          ...(opts.rpcV1 ? { signatureAlgorithm: 'v2' } : {}),
        }) as never,
      ),
  };
}

let counter = 0;
/** A fresh mainland number per call, so tests never see each other's messages. */
export const newPhone = () => `13${(counter++ % 7) + 3}${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries `check` until it stops throwing (or the time is up, then its last error). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > end) throw err;
      await sleep(50);
    }
  }
}

export interface Received {
  path: string;
  body: any;
}

/** The merchant's callback server: records every push and answers as told per path. */
export async function startReceiver() {
  const received: Received[] = [];
  const answers = new Map<string, Array<{ status: number; body: unknown }>>();
  const app = Fastify();
  app.post('/*', async (req, reply) => {
    received.push({ path: req.url, body: req.body });
    const queued = answers.get(req.url)?.shift();
    if (queued) return reply.status(queued.status).send(queued.body);
    return req.url.startsWith('/tencent') ? { result: 0, errmsg: 'OK' } : { code: 0, msg: '成功' };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return {
    url,
    received,
    /** The next answers to pushes on `path`, before it answers the vendor's success again. */
    answer(path: string, ...next: Array<{ status: number; body: unknown }>) {
      answers.set(path, [...(answers.get(path) ?? []), ...next]);
    },
    on: (path: string) => received.filter((r) => r.path === path),
    close: () => app.close(),
  };
}
