import { shopSlug } from './shop';

/** What the checkout page is buying; kept in sessionStorage so a reload or the payment round trip keeps it. */
export interface CheckoutDraft {
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

export const checkoutDraft = {
  get(): CheckoutDraft | null {
    try {
      return JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as CheckoutDraft | null;
    } catch {
      return null;
    }
  },
  set(d: CheckoutDraft) {
    try {
      sessionStorage.setItem(KEY, JSON.stringify(d));
    } catch {
      /* the page keeps it in memory as well */
    }
  },
  patch(p: Partial<CheckoutDraft>) {
    const d = checkoutDraft.get();
    if (d) checkoutDraft.set({ ...d, ...p });
  },
  clear() {
    sessionStorage.removeItem(KEY);
  },
};
