import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DueRunner, MemorySandboxStore, type SandboxStore } from '../store.js';
import { aliyunRoutes } from './aliyun.js';
import { BATCH, MESSAGE, REPLY, SmsCore, type SmsCallbackUrls } from './core.js';
import { simRoutes } from './sim.js';
import { handleTencent } from './tencent.js';

export { ALIYUN_SMS_SANDBOX } from './aliyun.js';
export { DEFAULT_SETTINGS as SMS_SIM_DEFAULT_SETTINGS, type SandboxReply, type SandboxSms, type SmsCallbackUrls, type SmsSimSettings } from './core.js';
export { SMS_SANDBOX } from './tencent.js';
export {
  ALIYUN_SMS_SANDBOX_TEMPLATES,
  SMS_SANDBOX_TEMPLATES,
  type AliyunSmsSandboxTemplate,
  type SmsParamType,
  type SmsSandboxTemplate,
  type SmsTemplateKind,
} from './templates.js';

/**
 * SMS simulators: Tencent Cloud SMS (API 3.0, 2021-01-11) at the plugin's root and Aliyun SMS (Dysmsapi
 * 2017-05-25) under `/aliyun`, both reached by the vendors' official SDKs with only their endpoints changed.
 *
 * Sandbox credentials (the server's SMS_* settings default to them):
 *   Tencent: SecretId `AKIDsandbox`, SecretKey `sandbox-secret-key`, SmsSdkAppId `1400000001`.
 *   Aliyun:  AccessKeyId `LTAIsandbox`, AccessKeySecret `sandbox-aliyun-secret`.
 * Approved templates: SMS_SANDBOX_TEMPLATES (Tencent `1000001`…) and ALIYUN_SMS_SANDBOX_TEMPLATES
 * (`SMS_900001`…), the same texts; `1000001` / `SMS_900001` is the verification code.
 *
 * After an accepted send the carrier's receipt arrives (`receiptDelayMs`) and is pushed to the merchant's
 * callback URL in the vendor's format, retried until acknowledged; Tencent's receipts and replies can also
 * be pulled (PullSmsSendStatus / PullSmsReplyStatus), Aliyun's queried (QuerySendDetails). A customer's
 * reply (`POST /__sim/reply` or the inbox page) is pushed likewise, and R/TD/T/退订 opts the number out of
 * that sign's marketing messages.
 *
 * Every message lands in an inbox: `GET /messages?phone=` (JSON, newest first, with vendor, templateId,
 * kind and delivery status) and `GET /inbox` (a Chinese HTML page with a reply box per message).
 */
export interface SmsSandboxOptions {
  baseUrl(): string;
  store?: SandboxStore;
  /** Where the merchant receives receipts and replies; asked at each push, so it may change at run time. */
  callbacks?: () => SmsCallbackUrls;
  /** How often to look in the store for pushes left due by another process or before a restart. */
  pollMs?: number;
  /** Used to push receipts and replies; injectable for tests. */
  fetch?: typeof fetch;
}

export const smsSandbox: FastifyPluginAsync<SmsSandboxOptions> = async (app, opts) => {
  const store = opts.store ?? new MemorySandboxStore();
  const callbacks = opts.callbacks ?? (() => ({}));
  const core = new SmsCore(store, (at) => runner.wake(at), callbacks, opts.fetch ?? globalThis.fetch);
  const runner = new DueRunner(store, [MESSAGE, BATCH, REPLY], (r) => core.due(r), {
    pollMs: opts.pollMs ?? 1_000,
    // Longer than a push may take (callbackTimeoutMs), so a live process never has its claim taken over.
    leaseMs: 60_000,
    batch: 100,
    onError: (err, r) => app.log.warn({ err, kind: r.kind, key: r.key }, 'sms sandbox: due work failed'),
  });
  // Pushes start once the server accepts connections: a receipt to this same server (embedded mode) must
  // not fail merely because it is still starting.
  app.addHook('onListen', async () => runner.start());
  app.addHook('onClose', async () => runner.close());

  // Requests held open by a `timeout` fault; dropped when they are due or when the server closes.
  const hung = new Map<FastifyReply, NodeJS.Timeout>();
  const hang = (reply: FastifyReply, ms: number) => {
    reply.hijack();
    const timer = setTimeout(() => {
      hung.delete(reply);
      reply.raw.destroy();
    }, ms);
    timer.unref();
    hung.set(reply, timer);
    return reply;
  };
  app.addHook('preClose', async () => {
    for (const [reply, timer] of hung) {
      clearTimeout(timer);
      reply.raw.destroy();
    }
    hung.clear();
  });

  // Signatures cover the exact request bytes, so keep them alongside the parsed body.
  type WithRaw = FastifyRequest & { rawBody?: string };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    (req as WithRaw).rawBody = body as string;
    try {
      done(null, body === '' ? {} : JSON.parse(body as string));
    } catch {
      done(null, { __invalidJson: true });
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (req, body, done) => {
    (req as WithRaw).rawBody = body as string;
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.post('/', { schema: { hide: true } }, (req, reply) => handleTencent(core, hang, req, reply));
  await app.register(async (aliyun) => aliyunRoutes(aliyun, core, hang), { prefix: '/aliyun' });
  await app.register(async (sim) => simRoutes(sim, core));
};
