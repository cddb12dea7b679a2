import type { FastifyPluginAsync } from 'fastify';
import { wechatPaySandbox } from './wechatpay/index.js';
import { wechatOAuthSandbox } from './wechat-oauth/index.js';
import { smsSandbox, type SmsCallbackUrls } from './sms/index.js';
import { mailSandbox, type MailSandboxOptions } from './mail/index.js';
import { wechatMpSandbox } from './wechat-mp/index.js';
import { wecomSandbox } from './wecom/index.js';
import { MemorySandboxStore, type SandboxStore } from './store.js';

export { startClickHouseSandbox, type ClickHouseSandbox, type ClickHouseSandboxOptions } from './clickhouse/server.js';
export {
  ALIYUN_SMS_SANDBOX,
  ALIYUN_SMS_SANDBOX_TEMPLATES,
  SMS_SANDBOX,
  SMS_SANDBOX_TEMPLATES,
  type AliyunSmsSandboxTemplate,
  type SmsCallbackUrls,
  type SmsSandboxTemplate,
  type SmsTemplateKind,
} from './sms/index.js';
export { MAIL_SANDBOX, SandboxMailbox, startSmtpSandbox, type SandboxMail } from './mail/index.js';
export { WECHAT_MP_SANDBOX } from './wechat-mp/index.js';
export { WECOM_SANDBOX } from './wecom/index.js';
export { DueRunner, MemorySandboxStore, type RecordOptions, type RecordWrite, type SandboxStore, type StoredRecord } from './store.js';

/**
 * Local simulators of the vendor APIs Siyu talks to, speaking the vendors' published protocols, so the
 * whole product runs and is tested offline. Mounted at /sandbox in embedded mode.
 */
export interface SandboxOptions {
  /** Absolute URL where this plugin is mounted (e.g. http://127.0.0.1:3000/sandbox). */
  baseUrl(): string;
  /** The SMTP server (mail/): where it listens, and who to tell once it does. */
  mail?: MailSandboxOptions;
  /** Where the simulators keep their state; the server passes its database so a restart forgets nothing. */
  store?: SandboxStore;
  /**
   * Where the SMS simulators push delivery receipts and customers' replies (Tencent status / reply
   * callbacks, Aliyun SmsReport / SmsUp); asked at each push. None: nothing is pushed (Tencent's pull
   * APIs and Aliyun's QuerySendDetails still answer).
   */
  smsCallbacks?: () => SmsCallbackUrls;
}

export const sandboxPlugin: FastifyPluginAsync<SandboxOptions> = async (app, opts) => {
  const store = opts.store ?? new MemorySandboxStore();
  await app.register(wechatPaySandbox, { prefix: '/wechatpay', baseUrl: () => `${opts.baseUrl()}/wechatpay`, store });
  await app.register(wechatOAuthSandbox, { prefix: '/wechat', baseUrl: () => `${opts.baseUrl()}/wechat`, store });
  await app.register(smsSandbox, { prefix: '/sms', baseUrl: () => `${opts.baseUrl()}/sms`, store, callbacks: opts.smsCallbacks });
  await app.register(wechatMpSandbox, { prefix: '/mp', baseUrl: () => `${opts.baseUrl()}/mp`, store });
  await app.register(wecomSandbox, { prefix: '/wecom', baseUrl: () => `${opts.baseUrl()}/wecom`, store });
  await app.register(mailSandbox, { prefix: '/mail', ...opts.mail });
  app.get('/', { schema: { hide: true } }, async (_req, reply) => {
    reply.type('text/html; charset=utf-8');
    return `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>Siyu 沙箱</title>
<body style="font-family:sans-serif;max-width:640px;margin:2rem auto">
<h1>Siyu 沙箱 Sandbox</h1>
<p>本地模拟的第三方服务,按厂商公开协议实现。Local simulators of vendor APIs.</p>
<ul>
<li><a href="sms/inbox">短信收件箱 SMS inbox</a> — 查看发送的验证码</li>
<li><a href="mail/inbox">邮件收件箱 Mail inbox</a> — 查看邮箱验证码(SMTP)</li>
<li><a href="wechatpay/">微信支付 WeChat Pay v3</a></li>
<li><a href="wechat/">微信网页授权 WeChat OAuth</a></li>
<li><a href="mp/">微信公众号 / 小程序 WeChat Official Account &amp; mini-program</a> — 模板消息、订阅消息、关注与扫码、手机视图</li>
<li><a href="wecom/">企业微信 WeCom</a> — 客户联系、欢迎语、群发确认、客户继承、员工手机视图</li>
</ul></body></html>`;
  });
};
