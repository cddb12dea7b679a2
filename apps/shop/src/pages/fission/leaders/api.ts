// Shapes of the 社区团长 store API (the brief's), as the storefront reads them.

export interface NearbyLeader {
  customerId: string;
  name: string;
  pointName: string;
  address: string;
  hours: string | null;
  distanceMeters: number | null;
}

export interface MyLeader {
  mine: (Partial<NearbyLeader> & { pickupPointId: string; customerId?: string; name?: string }) | null;
  cutoffTime: string;
  nextCutoffAt: string | null;
  pickupDate: string | null;
}

export type LeaderStatus = 'none' | 'pending' | 'approved' | 'rejected' | 'disabled';

export interface LeaderApplication {
  name: string;
  phone: string | null;
  pointName: string;
  address: string;
  hours: string | null;
  latitude?: number | null;
  longitude?: number | null;
  appliedAt?: string | null;
  rejectReason?: string | null;
}

export interface LeaderCentre {
  status: LeaderStatus;
  application: LeaderApplication | null;
  canApply: boolean;
  stats: { customers: number; ordersToPick: number; verifiedToday: number; commissionFen: number; unsettledFen: number };
  settings: { cutoffTime: string; commissionBp: number };
}

export interface PickList {
  batchDate: string;
  window: { from: string; to: string };
  lines: { skuId: string; title: string; specText: string | null; quantity: number; orders: number }[];
  orders: { orderId: string; orderNo: string; customerNickname: string | null; phone: string | null; items: unknown; status: string; onHold?: boolean }[];
}

export interface LeaderCommission {
  id: string;
  /** order: a verified pickup; adjustment: a refund after settlement, taken off the next one. */
  kind: 'order' | 'adjustment';
  orderId: string;
  orderNo: string;
  paidFen: number;
  refundedFen: number;
  rateBp: number;
  amountFen: number;
  status: 'unsettled' | 'settled';
  accruedAt: string;
}

export interface LeaderSettlement {
  id: string;
  settlementNo: string;
  periodFrom: string | null;
  periodTo: string;
  orders: number;
  commissionFen: number;
  status: 'open' | 'paid';
  paidAt: string | null;
  createdAt: string;
}

export const LEADER_STATUS_TEXT: Record<LeaderStatus, string> = {
  none: '未申请',
  pending: '审核中',
  approved: '团长',
  rejected: '未通过',
  disabled: '已停用',
};

export const SETTLEMENT_STATUS_TEXT = { open: '待支付', paid: '已支付' } as const;

/** "850 m" / "1.2 km". */
export function distanceText(m: number | null | undefined): string {
  if (m === null || m === undefined || !Number.isFinite(m)) return '';
  return m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(m < 10_000 ? 1 : 0)} km`;
}

/** Today in China (batches are cut in Beijing time), "YYYY-MM-DD". */
export const shanghaiToday = (now = Date.now()) => new Date(now + 8 * 3_600_000).toISOString().slice(0, 10);

/** An order's items as text, whatever shape the server sends ("苹果 ×2、梨 ×1"). */
export function itemsText(items: unknown): string {
  if (typeof items === 'string') return items;
  if (!Array.isArray(items)) return '';
  return items
    .map((i: { title?: string; productTitle?: string; specText?: string | null; quantity?: number }) => `${i.title ?? i.productTitle ?? ''}${i.specText ? `(${i.specText})` : ''} ×${i.quantity ?? 1}`)
    .join('、');
}

/** The browser's position, or null when refused, unavailable or slow. */
export function currentPosition(timeoutMs = 8000): Promise<{ lat: number; lng: number } | null> {
  if (!('geolocation' in navigator)) return Promise.resolve(null);
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: Number(p.coords.latitude.toFixed(6)), lng: Number(p.coords.longitude.toFixed(6)) }),
      () => resolve(null),
      { enableHighAccuracy: false, timeout: timeoutMs, maximumAge: 600_000 },
    );
  });
}

/** A moment in Beijing time, "12-05 20:00" (cut-offs are Beijing's whatever the phone's zone). */
export const beijingMinute = (iso: string) => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(5, 16).replace('T', ' ');

/** "2026-12-06" → "12月6日". */
export const monthDay = (day: string) => `${Number(day.slice(5, 7))}月${Number(day.slice(8, 10))}日`;
