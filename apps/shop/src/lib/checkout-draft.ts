import { uuid } from './api';
import { shopSlug } from './shop';

/** What the checkout page is buying: the lines, and the choices made on the way (address, coupon, points …). */
export interface CheckoutDraft {
  /** Tells one checkout from another across tabs (set on first save). */
  id?: string;
  items: { skuId: string; quantity: number }[];
  fromCart: boolean;
  /** Images by SKU for the line list (the price preview has titles but no images). */
  images: Record<string, string | null>;
  /** Title, spec and price as last seen, shown until the priced preview answers (no address yet). */
  info?: Record<string, { title: string; specText: string; priceFen: number }>;
  /** Idempotency-Key of this checkout attempt: reused on retry so a lost answer never makes two orders. */
  key?: string;
  addressId?: string;
  pickupPointId?: string;
  fulfilment?: 'express' | 'pickup';
  remark?: string;
  /** The coupon the customer picked: absent lets the server choose the best, null means none. */
  couponId?: string | null;
  /** Pay part of the order with points (积分抵扣); off unless the customer turns it on. */
  usePoints?: boolean;
  /** Pay with the member balance (余额支付); off unless the customer turns it on. */
  useBalance?: boolean;
  /** Paying the balance of a 定金预售 deposit: exactly the deposit's one item, the deposit deducted. */
  presaleOrderId?: string;
}

const KEY = `siyu:shop:${shopSlug}:checkout`;
/** A draft older than this is a checkout the customer walked away from, not one to bring back. */
const SHARED_FOR_MS = 24 * 3600_000;

const read = <T>(store: Storage, key: string): T | null => {
  try {
    return JSON.parse(store.getItem(key) ?? 'null') as T | null;
  } catch {
    return null;
  }
};
const write = (store: Storage, key: string, value: unknown) => {
  try {
    store.setItem(key, JSON.stringify(value));
  } catch {
    /* private mode or full: the page keeps the draft in memory as well */
  }
};

/**
 * The draft lives in this tab (sessionStorage: a reload and the payment round trip keep it, and two tabs
 * can check out different things) and, as the browser's latest checkout, in localStorage: a new tab opened
 * on /checkout (a shared link, "open in new tab", a restored session) picks it up from there.
 */
export const checkoutDraft = {
  get(): CheckoutDraft | null {
    const mine = read<CheckoutDraft>(sessionStorage, KEY);
    if (mine) return mine;
    const shared = read<{ draft: CheckoutDraft; savedAt: number }>(localStorage, KEY);
    if (!shared?.draft || Date.now() - shared.savedAt > SHARED_FOR_MS) return null;
    write(sessionStorage, KEY, shared.draft);
    return shared.draft;
  },
  set(d: CheckoutDraft) {
    const draft = d.id ? d : { ...d, id: uuid() };
    write(sessionStorage, KEY, draft);
    write(localStorage, KEY, { draft, savedAt: Date.now() });
  },
  patch(p: Partial<CheckoutDraft>) {
    const d = checkoutDraft.get();
    if (d) checkoutDraft.set({ ...d, ...p });
  },
  /** After the order is placed: this tab's draft goes, and the shared one too unless another tab has started a newer one. */
  clear() {
    const mine = read<CheckoutDraft>(sessionStorage, KEY);
    sessionStorage.removeItem(KEY);
    const shared = read<{ draft: CheckoutDraft }>(localStorage, KEY);
    if (!shared || !mine || shared.draft?.id === mine.id) localStorage.removeItem(KEY);
  },
  /** On sign-out: the next person on this browser must not find this one's checkout. */
  forget() {
    sessionStorage.removeItem(KEY);
    localStorage.removeItem(KEY);
  },
};
