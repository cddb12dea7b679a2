import type { FastifyInstance } from 'fastify';
import { nameUuid, verifySha256Rsa } from './crypto.js';
import { WxError, transactionView, type Ledger, type Transaction } from './ledger.js';
import type { MerchantRegistry } from './merchants.js';
import type { Notifier } from './notifier.js';

export interface CashierDeps {
  merchants: MerchantRegistry;
  ledger: Ledger;
  notifier: Notifier;
}

/**
 * Pays a prepay session and notifies the merchant, exactly once however often the customer taps. The
 * notification's id follows from the order, so a tap after a crash between paying and queueing the
 * notification queues it then, and a tap after that changes nothing.
 */
export async function payPrepay(deps: CashierDeps, prepayId: string): Promise<Transaction> {
  const { tx } = await deps.ledger.pay(await deps.ledger.byPrepayId(prepayId));
  const merchant = (await deps.merchants.get(tx.mchId))!;
  await deps.notifier.send(
    merchant,
    tx.notifyUrl,
    { eventType: 'TRANSACTION.SUCCESS', summary: '支付成功', originalType: 'transaction', resource: transactionView(tx) },
    nameUuid(`TRANSACTION.SUCCESS:${tx.mchId}:${tx.outTradeNo}`),
  );
  return tx;
}

interface CashierParams {
  prepay_id?: string;
  redirect?: string;
  action?: string;
  timeStamp?: string;
  nonceStr?: string;
  paySign?: string;
}

/**
 * Stands in for the pay sheet WeChat shows inside its browser after `WeixinJSBridge.invoke('getBrandWCPayRequest')`.
 * When the storefront passes the JSAPI parameters along, paySign is checked as WeChat would.
 */
export async function cashier(app: FastifyInstance, deps: CashierDeps) {
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
  }

  app.get('/pay', async (req, reply) => {
    const q = req.query as CashierParams;
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    try {
      const tx = await checkSession(deps, q);
      if (tx.tradeState !== 'NOTPAY' || deps.ledger.isExpired(tx)) {
        return page('订单无法支付', `<p class="msg">${tx.tradeState === 'NOTPAY' ? '订单已过支付期限' : escape(transactionView(tx).trade_state_desc)}</p>${backLink(q.redirect, 'fail')}`);
      }
      return page('确认付款', payForm(tx, q));
    } catch (err) {
      if (!(err instanceof WxError)) throw err;
      reply.status(err.status === 404 ? 404 : 400);
      return page('无法支付', `<p class="msg" role="alert">${escape(err.message)}</p>${backLink(q.redirect, 'fail')}`);
    }
  });

  app.post('/pay', async (req, reply) => {
    const b = (req.body ?? {}) as CashierParams;
    const back = safeRedirect(b.redirect);
    try {
      await checkSession(deps, b);
      if (b.action === 'cancel') return back ? reply.redirect(withResult(back, 'cancel'), 303) : reply.type('text/html; charset=utf-8').send(page('已取消', '<p class="msg">已取消支付</p>'));
      await payPrepay(deps, b.prepay_id!);
      return back ? reply.redirect(withResult(back, 'success'), 303) : reply.type('text/html; charset=utf-8').send(page('支付成功', '<p class="msg">支付成功</p>'));
    } catch (err) {
      if (!(err instanceof WxError)) throw err;
      reply.status(400).type('text/html; charset=utf-8');
      return page('支付失败', `<p class="msg" role="alert">${escape(err.message)}</p>${backLink(b.redirect, 'fail')}`);
    }
  });
}

async function checkSession(deps: CashierDeps, p: CashierParams): Promise<Transaction> {
  if (!p.prepay_id) throw new WxError(400, 'PARAM_ERROR', '缺少 prepay_id');
  const tx = await deps.ledger.byPrepayId(p.prepay_id);
  if (p.paySign) {
    const merchant = (await deps.merchants.get(tx.mchId))!;
    const message = `${tx.appId}\n${p.timeStamp ?? ''}\n${p.nonceStr ?? ''}\nprepay_id=${tx.prepayId}\n`;
    if (!verifySha256Rsa(message, p.paySign, merchant.merchantPublicKeyPem)) throw new WxError(400, 'SIGN_ERROR', '支付验证签名失败');
  }
  return tx;
}

function payForm(tx: Transaction, p: CashierParams): string {
  const hidden = (['prepay_id', 'redirect', 'timeStamp', 'nonceStr', 'paySign'] as const)
    .filter((k) => p[k])
    .map((k) => `<input type="hidden" name="${k}" value="${escape(p[k]!)}">`)
    .join('');
  return `<section aria-labelledby="t">
<h1 id="t" class="shop">${escape(tx.description)}</h1>
<p class="amount" aria-label="支付金额 ${yuan(tx.total)} 元">¥${yuan(tx.total)}</p>
<p class="muted">商户单号 ${escape(tx.outTradeNo)}</p>
</section>
<form method="post" action="pay">${hidden}
<button class="primary" type="submit" name="action" value="confirm">确认支付</button>
<button class="secondary" type="submit" name="action" value="cancel">取消支付</button>
</form>
<p class="muted">沙箱收银台:模拟微信支付确认页,不会产生真实扣款。</p>`;
}

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(title)} - 微信支付(沙箱)</title>
<style>
body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f7f7f7;color:#111}
main{max-width:420px;margin:0 auto;padding:2rem 1.25rem;text-align:center}
.brand{color:#07c160;font-weight:600}.shop{font-size:1.05rem;font-weight:500;margin:1.5rem 0 .5rem}
.amount{font-size:2.5rem;font-weight:600;margin:.25rem 0 1rem}.muted{color:#666;font-size:.85rem}.msg{font-size:1.1rem;margin:2rem 0}
button{display:block;width:100%;padding:.9rem;margin:.75rem 0;font-size:1.05rem;border-radius:8px;border:0;cursor:pointer}
.primary{background:#07c160;color:#fff}.secondary{background:#eaeaea;color:#111}
button:focus-visible,a:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}
</style></head><body><main>
<p class="brand">微信支付 · 沙箱</p>
${body}
</main></body></html>`;
}

export function backLink(redirect: string | undefined, result: string): string {
  const url = safeRedirect(redirect);
  return url ? `<p><a href="${escape(withResult(url, result))}">返回商户</a></p>` : '';
}

/** Only http(s) or same-site paths: the redirect comes from the query string and must not become a javascript: link. */
export function safeRedirect(redirect: string | undefined): string | null {
  if (!redirect) return null;
  if (redirect.startsWith('/') && !redirect.startsWith('//')) return redirect;
  try {
    const u = new URL(redirect);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

export function withResult(url: string, result: string): string {
  const relative = url.startsWith('/');
  const u = new URL(url, 'http://relative.invalid');
  u.searchParams.set('result', result);
  return relative ? `${u.pathname}${u.search}${u.hash}` : u.toString();
}

export function yuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

export function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
