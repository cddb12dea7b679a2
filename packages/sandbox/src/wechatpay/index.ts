import type { FastifyPluginAsync } from 'fastify';
import { v3Api } from './api.js';
import { cashier, payPrepay } from './cashier.js';
import { Ledger, WxError, transactionView } from './ledger.js';
import { MerchantRegistry } from './merchants.js';
import { DEFAULT_RETRY_DELAYS_MS, Notifier, deliveryView } from './notifier.js';

export interface WechatPaySandboxOptions {
  /** Absolute URL where this plugin is mounted; merchants use it as the API base URL. */
  baseUrl(): string;
  /** Delays between notification retries; defaults to a compressed version of WeChat's 24 h schedule. */
  notifyRetryDelaysMs?: number[];
  notifyTimeoutMs?: number;
  /** How long a refund stays PROCESSING before it succeeds and is notified. */
  refundDelayMs?: number;
  /** Used to deliver notifications; injectable for tests. */
  fetch?: typeof fetch;
}

/**
 * WeChat Pay API v3 (JSAPI) simulator: the merchant API with real request/response signatures, a cashier page
 * standing in for the in-app pay sheet, encrypted signed notifications with retries, and sandbox-only admin
 * endpoints under /sandbox. State is in memory.
 */
export const wechatPaySandbox: FastifyPluginAsync<WechatPaySandboxOptions> = async (app, opts) => {
  const merchants = new MerchantRegistry();
  const ledger = new Ledger();
  const notifier = new Notifier(
    { retryDelaysMs: opts.notifyRetryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS, timeoutMs: opts.notifyTimeoutMs ?? 5_000, fetch: opts.fetch ?? globalThis.fetch },
    (mchId) => merchants.get(mchId),
  );
  const refundTimers = new Set<NodeJS.Timeout>();

  app.addHook('onClose', async () => {
    for (const t of refundTimers) clearTimeout(t);
    refundTimers.clear();
    await notifier.close();
  });

  await app.register(async (api) => v3Api(api, { merchants, ledger, notifier, refundDelayMs: opts.refundDelayMs ?? 300, timers: refundTimers }));
  await app.register(async (c) => cashier(c, { merchants, ledger, notifier }));

  // Sandbox-only administration: not part of WeChat's API, used by seeding, tests and the bench.
  await app.register(async (admin) => {
    admin.setErrorHandler((err, _req, reply) => {
      if (err instanceof WxError) return reply.status(err.status).send({ code: err.code, message: (err as Error).message });
      const status = (err as { statusCode?: number }).statusCode ?? 500;
      return reply.status(status).send({ code: status < 500 ? 'PARAM_ERROR' : 'SYSTEM_ERROR', message: (err as Error).message });
    });

    admin.post('/sandbox/merchants', async (req, reply) => {
      const b = (req.body ?? {}) as { appId?: unknown; verifyMode?: unknown; restoreToken?: unknown };
      if (typeof b.restoreToken === 'string') {
        const m = merchants.restore(b.restoreToken);
        if (!m) throw new WxError(400, 'PARAM_ERROR', 'restoreToken 无效');
        return { mchId: m.mchId, appId: m.appId, serialNo: m.serialNo, verifyMode: m.verifyMode, platformKeys: { [m.platformSerial]: m.platformPublicKeyPem } };
      }
      if (b.appId !== undefined && (typeof b.appId !== 'string' || !/^[A-Za-z0-9_]{1,32}$/.test(b.appId))) throw new WxError(400, 'PARAM_ERROR', 'appId 格式错误');
      if (b.verifyMode !== undefined && b.verifyMode !== 'certificate' && b.verifyMode !== 'public_key') {
        throw new WxError(400, 'PARAM_ERROR', "verifyMode 只能是 'certificate' 或 'public_key'");
      }
      reply.status(201);
      return merchants.create({ appId: b.appId as string | undefined, verifyMode: b.verifyMode as 'certificate' | 'public_key' | undefined });
    });

    admin.post('/sandbox/pay', async (req) => {
      const prepayId = ((req.body ?? {}) as { prepay_id?: unknown }).prepay_id;
      if (typeof prepayId !== 'string') throw new WxError(400, 'PARAM_ERROR', '缺少 prepay_id');
      return transactionView(payPrepay({ merchants, ledger, notifier }, prepayId));
    });

    admin.get('/sandbox/notifications', async (req) => {
      const mchId = (req.query as { mchid?: string }).mchid;
      return { notifications: notifier.list({ mchId }).map(deliveryView) };
    });

    admin.post('/sandbox/notifications/:id/resend', async (req) => {
      const d = await notifier.resend((req.params as { id: string }).id);
      if (!d) throw new WxError(404, 'RESOURCE_NOT_EXISTS', '通知不存在');
      return deliveryView(d);
    });
  });

  app.get('/', { schema: { hide: true } }, async (_req, reply) => {
    reply.type('text/html; charset=utf-8');
    const rows = ledger
      .recentTransactions()
      .map((t) => `<tr><td>${esc(t.outTradeNo)}</td><td>${esc(t.description)}</td><td>¥${(t.total / 100).toFixed(2)}</td><td>${t.tradeState}</td>` +
        `<td>${t.tradeState === 'NOTPAY' ? `<a href="pay?prepay_id=${encodeURIComponent(t.prepayId)}">去支付</a>` : ''}</td></tr>`)
      .join('');
    return `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>微信支付沙箱</title>
<body style="font-family:sans-serif;max-width:860px;margin:2rem auto">
<h1>微信支付 v3 沙箱 WeChat Pay sandbox</h1>
<p>API base URL: <code>${esc(opts.baseUrl())}</code> · 商户 ${merchants.list().length} 个 · 通知 ${notifier.list().length} 条
(<a href="sandbox/notifications">JSON</a>)</p>
<table border="1" cellpadding="4" style="border-collapse:collapse"><caption>最近订单 Recent orders</caption>
<thead><tr><th scope="col">商户单号</th><th scope="col">描述</th><th scope="col">金额</th><th scope="col">状态</th><th scope="col">操作</th></tr></thead>
<tbody>${rows || '<tr><td colspan="5">暂无订单</td></tr>'}</tbody></table></body></html>`;
  });
};

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
