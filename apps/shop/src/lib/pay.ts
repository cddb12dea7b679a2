import { api } from './api';
import { storefrontUrl } from './shop';
import type { PayStart } from './types';

interface WeixinJSBridge {
  invoke(name: 'getBrandWCPayRequest', params: Record<string, string>, cb: (res: { err_msg: string }) => void): void;
}
declare global {
  interface Window {
    WeixinJSBridge?: WeixinJSBridge;
  }
}

export type PayOutcome = { kind: 'redirecting' } | { kind: 'returned'; result: 'success' | 'cancel' | 'fail' };

/**
 * Starts WeChat Pay (JSAPI) for an order. Inside WeChat the pay sheet opens over the page through
 * WeixinJSBridge; elsewhere (sandbox/demo) the browser goes to the sandbox cashier, which sends it back
 * to /pay/result/:id?result=success|cancel. Either way the result page asks the server to sync.
 */
export async function startPayment(orderId: string): Promise<PayOutcome> {
  const returnUrl = storefrontUrl(`/pay/result/${orderId}`);
  const start = await api<PayStart>('POST', `/orders/${orderId}/pay`, { body: { returnUrl } });
  return openPayment(start);
}

/**
 * Opens a payment the server has prepared (an order, a top-up, a member card): the WeChat pay sheet
 * inside WeChat, else the sandbox cashier, which returns to the returnUrl given when it was prepared.
 */
export async function openPayment(start: Pick<PayStart, 'payParams' | 'cashierUrl'>): Promise<PayOutcome> {
  const bridge = window.WeixinJSBridge;
  if (bridge) {
    const result = await new Promise<'success' | 'cancel' | 'fail'>((resolve) => {
      bridge.invoke('getBrandWCPayRequest', start.payParams, (res) => {
        // WeChat's answer is only a hint: the order is paid when the server has the notification.
        if (res.err_msg === 'get_brand_wcpay_request:ok') resolve('success');
        else if (res.err_msg === 'get_brand_wcpay_request:cancel') resolve('cancel');
        else resolve('fail');
      });
    });
    return { kind: 'returned', result };
  }
  if (start.cashierUrl) {
    window.location.assign(devSameOrigin(start.cashierUrl));
    return { kind: 'redirecting' };
  }
  throw Object.assign(new Error('请在微信中打开本页面完成支付'), { code: 'WECHAT_REQUIRED' });
}

/**
 * The dev server proxies /sandbox, so in development the cashier is opened through it: its form posts
 * and redirects back to the storefront then stay on one origin (its CSP has form-action 'self').
 */
function devSameOrigin(url: string): string {
  if (!import.meta.env.DEV) return url;
  const u = new URL(url, window.location.href);
  return u.pathname.startsWith('/sandbox/') ? `${window.location.origin}${u.pathname}${u.search}` : url;
}

/**
 * Loads a payment's record with sync=true (the server asks WeChat Pay) a few times while it may still be
 * settling: WeChat's notification can land a moment after the browser comes back.
 */
export async function pollUntilSettled<T>(load: () => Promise<T>, isPending: (record: T) => boolean, tries: number, live: () => boolean): Promise<T> {
  let last = await load();
  for (let i = 1; i < tries && live() && isPending(last); i++) {
    await new Promise((r) => setTimeout(r, 1500));
    if (!live()) break;
    last = await load();
  }
  return last;
}
