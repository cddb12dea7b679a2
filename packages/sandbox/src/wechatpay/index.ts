import type { FastifyPluginAsync } from 'fastify';
import { DueRunner, MemorySandboxStore, type SandboxStore } from '../store.js';
import { v3Api } from './api.js';
import { cashier, payPrepay } from './cashier.js';
import { nameUuid } from './crypto.js';
import { Ledger, REFUND, WxError, refundNotificationView, transactionView, type Refund } from './ledger.js';
import { MerchantRegistry } from './merchants.js';
import { DEFAULT_RETRY_DELAYS_MS, NOTIFICATION, Notifier, deliveryView } from './notifier.js';
import { DEFAULT_CONFIRM_WINDOW_MS, TRANSFER, Transfers, transferSandboxRoutes } from './transfer.js';

export interface WechatPaySandboxOptions {
  /** Absolute URL where this plugin is mounted; merchants use it as the API base URL. */
  baseUrl(): string;
  /** Where merchants, orders, refunds and pending notifications are kept; in memory when omitted. */
  store?: SandboxStore;
  /** Delays between notification retries; defaults to a compressed version of WeChat's 24 h schedule. */
  notifyRetryDelaysMs?: number[];
  notifyTimeoutMs?: number;
  /** How long a refund stays PROCESSING before it succeeds and is notified. */
  refundDelayMs?: number;
  /** How long a 商家转账 payee has to confirm before the bill is cancelled (WeChat: 24 h). */
  transferConfirmWindowMs?: number;
  /** How long a cancelled transfer stays CANCELING. */
  transferCancelDelayMs?: number;
  /** How often to look in the store for work left due by another process or before a restart. */
  pollMs?: number;
  /** Used to deliver notifications; injectable for tests. */
  fetch?: typeof fetch;
}

/**
 * WeChat Pay API v3 (JSAPI) simulator: the merchant API with real request/response signatures, platform
 * certificates, a cashier page standing in for the in-app pay sheet, encrypted signed notifications with
 * retries, and sandbox-only admin endpoints under /sandbox. State is in the given store, so a restarted
 * server still knows its merchants and orders and goes on retrying the notifications it had not delivered.
 */
export const wechatPaySandbox: FastifyPluginAsync<WechatPaySandboxOptions> = async (app, opts) => {
  const store = opts.store ?? new MemorySandboxStore();
  const notifyTimeoutMs = opts.notifyTimeoutMs ?? 5_000;
  const merchants = new MerchantRegistry(store);
  const ledger = new Ledger(store, opts.refundDelayMs ?? 300);
  const wake = (at: Date) => runner.wake(at);
  const notifier = new Notifier(
    store,
    { retryDelaysMs: opts.notifyRetryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS, timeoutMs: notifyTimeoutMs, fetch: opts.fetch ?? globalThis.fetch },
    (mchId) => merchants.get(mchId),
    wake,
  );

  /** A refund's due time has come: it settles, then its notification is queued, then it is done. */
  const settleRefund = async (key: string) => {
    const refund = await ledger.settleRefund(key);
    const settled = refund ?? (await store.get<Refund>(REFUND, key));
    if (settled?.status === 'SUCCESS' && settled.notifyUrl) {
      const merchant = await merchants.get(settled.mchId);
      if (merchant) {
        await notifier.send(
          merchant,
          settled.notifyUrl,
          { eventType: 'REFUND.SUCCESS', summary: '退款成功', originalType: 'refund', resource: refundNotificationView(settled) },
          nameUuid(`REFUND.SUCCESS:${key}`),
        );
      }
    }
    await ledger.refundSettled(key);
  };

  const transfers = new Transfers(store, merchants, notifier, wake, {
    confirmWindowMs: opts.transferConfirmWindowMs ?? DEFAULT_CONFIRM_WINDOW_MS,
    cancelDelayMs: opts.transferCancelDelayMs ?? opts.refundDelayMs ?? 300,
  });

  const runner = new DueRunner(
    store,
    [NOTIFICATION, REFUND, TRANSFER],
    (r) => (r.kind === NOTIFICATION ? notifier.due(r.key) : r.kind === TRANSFER ? transfers.due(r.key) : settleRefund(r.key)),
    {
      pollMs: opts.pollMs ?? 1_000,
      // Longer than one delivery attempt can take, so a live process never has its claim taken over.
      leaseMs: notifyTimeoutMs + 10_000,
      onError: (err, r) => app.log.warn({ err, kind: r.kind, key: r.key }, 'wechatpay sandbox: due work failed'),
    },
  );

  // Deliveries start once the server accepts connections: a notification to this same server (embedded
  // mode) must not fail merely because it is still starting.
  app.addHook('onListen', async () => runner.start());
  app.addHook('onClose', async () => runner.close());

  await app.register(async (api) => v3Api(api, { merchants, ledger, wake, transfers }));
  await app.register(async (t) => transferSandboxRoutes(t, { transfers }));
  await app.register(async (c) => cashier(c, { merchants, ledger, notifier }));

  // Sandbox-only administration: not part of WeChat's API, used by seeding, tests and the bench.
  await app.register(async (admin) => {
    admin.setErrorHandler((err, _req, reply) => {
      if (err instanceof WxError) return reply.status(err.status).send({ code: err.code, message: (err as Error).message });
      const status = (err as { statusCode?: number }).statusCode ?? 500;
      return reply.status(status).send({ code: status < 500 ? 'PARAM_ERROR' : 'SYSTEM_ERROR', message: (err as Error).message });
    });

    admin.post('/sandbox/merchants', async (req, reply) => {
      const b = (req.body ?? {}) as { appId?: unknown; verifyMode?: unknown };
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
      return transactionView(await payPrepay({ merchants, ledger, notifier }, prepayId));
    });

    admin.get('/sandbox/notifications', async (req) => {
      const mchId = (req.query as { mchid?: string }).mchid;
      return { notifications: (await notifier.list({ mchId })).map(deliveryView) };
    });

    admin.post('/sandbox/notifications/:id/resend', async (req) => {
      const d = await notifier.resend((req.params as { id: string }).id);
      if (!d) throw new WxError(404, 'RESOURCE_NOT_EXISTS', '通知不存在');
      return deliveryView(d);
    });
  });

  app.get('/', { schema: { hide: true } }, async (_req, reply) => {
    reply.type('text/html; charset=utf-8');
    const rows = (await ledger.recentTransactions())
      .map((t) => `<tr><td>${esc(t.outTradeNo)}</td><td>${esc(t.description)}</td><td>¥${(t.total / 100).toFixed(2)}</td><td>${t.tradeState}</td>` +
        `<td>${t.tradeState === 'NOTPAY' ? `<a href="pay?prepay_id=${encodeURIComponent(t.prepayId)}">去支付</a>` : ''}</td></tr>`)
      .join('');
    return `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>微信支付沙箱</title>
<body style="font-family:sans-serif;max-width:860px;margin:2rem auto">
<h1>微信支付 v3 沙箱 WeChat Pay sandbox</h1>
<p>API base URL: <code>${esc(opts.baseUrl())}</code> · 商户 ${await merchants.count()} 个 · 通知 ${await notifier.count()} 条
(<a href="sandbox/notifications">JSON</a>)</p>
<table border="1" cellpadding="4" style="border-collapse:collapse"><caption>最近订单 Recent orders</caption>
<thead><tr><th scope="col">商户单号</th><th scope="col">描述</th><th scope="col">金额</th><th scope="col">状态</th><th scope="col">操作</th></tr></thead>
<tbody>${rows || '<tr><td colspan="5">暂无订单</td></tr>'}</tbody></table></body></html>`;
  });
};

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
