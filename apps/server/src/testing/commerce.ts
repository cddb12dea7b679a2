import type { StaffSession, TestApp } from './harness.js';

/** Shared fixtures for tests that need a shop with goods and signed-in customers. */
export interface ShopFixture {
  shopId: string;
  slug: string;
  owner: StaffSession;
}

export interface CustomerFixture {
  token: string;
  customerId: string;
  phone: string;
}

let phoneSeq = 0;
export function nextPhone(): string {
  phoneSeq++;
  return `139${String(process.pid % 1000).padStart(3, '0')}${String(phoneSeq).padStart(5, '0')}`;
}

/** A product on sale; `specs` of e.g. {颜色:['红','蓝'], 尺码:['M','L']} make a 2×2 SKU matrix. */
export async function createProduct(
  t: TestApp,
  owner: StaffSession,
  opts: { title?: string; priceFen: number; stock: number; specs?: Record<string, string[]>; weightGrams?: number; status?: 'on_sale' | 'draft' },
) {
  const specAttributes = Object.entries(opts.specs ?? {}).map(([name, values]) => ({ name, values }));
  const combos: Record<string, string>[] = specAttributes.reduce<Record<string, string>[]>(
    (acc, attr) => acc.flatMap((c) => attr.values.map((v) => ({ ...c, [attr.name]: v }))),
    [{}],
  );
  const res = await t.call('POST', '/api/admin/products', {
    session: owner,
    body: {
      title: opts.title ?? '测试商品',
      status: opts.status ?? 'on_sale',
      specAttributes,
      weightGrams: opts.weightGrams ?? 500,
      skus: combos.map((specValues) => ({ specValues, price: opts.priceFen, stock: opts.stock })),
    },
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`create product failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; skus: { id: string; specValues: Record<string, string>; price: number }[] };
}

/** Signs a customer in the way a person does: SMS code from the sandbox inbox. */
export async function signInCustomer(t: TestApp, slug: string, phone = nextPhone()): Promise<CustomerFixture> {
  const sent = await t.call('POST', `/api/store/${slug}/auth/sms-code`, { body: { phone, purpose: 'sign_in' } });
  if (sent.status !== 200) throw new Error(`sms-code failed: ${sent.status} ${JSON.stringify(sent.body)}`);
  const inbox = await t.call('GET', `/sandbox/sms/messages?phone=${phone}`);
  const messages = Array.isArray(inbox.body) ? inbox.body : inbox.body.items ?? inbox.body.messages;
  const text: string = messages[0].text ?? messages[0].content;
  const code = /(\d{6})/.exec(text)![1];
  const res = await t.call('POST', `/api/store/${slug}/auth/sign-in/sms`, { body: { phone, code } });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { token: res.body.token, customerId: res.body.customer.id, phone };
}

export function bearer(c: CustomerFixture, extra: Record<string, string> = {}) {
  return { authorization: `Bearer ${c.token}`, ...extra };
}

export async function addAddress(t: TestApp, slug: string, c: CustomerFixture, province = '广东省') {
  const res = await t.call('POST', `/api/store/${slug}/me/addresses`, {
    headers: bearer(c),
    body: { contactName: '张三', phone: c.phone, province, city: '深圳市', district: '南山区', detail: '科技园 1 号', isDefault: true },
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`address failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** Polls until `check` returns a truthy value (for effects that arrive over HTTP from the sandbox). */
export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Pays an order the way a customer does in the sandbox cashier, then waits for the notification to land. */
export async function payOrder(t: TestApp, slug: string, c: CustomerFixture, orderId: string) {
  const pay = await t.call('POST', `/api/store/${slug}/orders/${orderId}/pay`, { headers: bearer(c), body: {} });
  if (pay.status !== 200) throw new Error(`pay failed: ${pay.status} ${JSON.stringify(pay.body)}`);
  const confirm = await t.call('POST', '/sandbox/wechatpay/sandbox/pay', { body: { prepay_id: pay.body.prepayId } });
  if (confirm.status !== 200) throw new Error(`sandbox pay failed: ${confirm.status} ${JSON.stringify(confirm.body)}`);
  return waitFor(async () => {
    const o = await t.call('GET', `/api/store/${slug}/orders/${orderId}`, { headers: bearer(c) });
    return o.body.status === 'paid' ? o.body : null;
  }, 'order to be paid');
}

/** Runs `run` with the app's clock at `ms` (windows that close, commissions that thaw), then puts the clock back. */
export async function atTime<T>(t: TestApp, ms: number, run: () => Promise<T>): Promise<T> {
  const realNow = t.platform.now;
  t.platform.now = () => new Date(ms);
  try {
    return await run();
  } finally {
    t.platform.now = realNow;
  }
}
