import type { OrderStatus } from '../../../lib/types';

// Shapes of the 社区团长 (community leaders) console API, as the brief defines them.

export type LeaderStatus = 'pending' | 'approved' | 'rejected' | 'disabled';
export const LEADER_STATUSES: LeaderStatus[] = ['pending', 'approved', 'rejected', 'disabled'];

export interface LeaderRow {
  customerId: string;
  name: string;
  phone: string | null;
  status: LeaderStatus;
  pickupPointId: string | null;
  pointName: string | null;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  hours: string | null;
  customers: number;
  ordersVerified: number;
  commissionFen: number;
  unsettledFen: number;
  appliedAt: string | null;
  reviewedAt: string | null;
  rejectReason: string | null;
}

export interface PickLine {
  skuId: string;
  title: string;
  specText: string | null;
  quantity: number;
  orders: number;
}

/** An order's items: the brief leaves their shape open, so a list of lines or one text. */
export type PickOrderItems = string | { title?: string; productTitle?: string; specText?: string | null; quantity?: number }[];

export interface PickOrder {
  orderId: string;
  orderNo: string;
  customerNickname: string | null;
  phone: string | null;
  items: PickOrderItems;
  status: OrderStatus;
  /** Held (a group buy not formed yet): not in the SKU totals until the hold lifts. */
  onHold?: boolean;
  paidAt?: string | null;
}

export interface PickList {
  leader: Partial<LeaderRow> | null;
  batchDate: string;
  pickupDate?: string;
  window: { from: string; to: string };
  lines: PickLine[];
  orders: PickOrder[];
}

export type SettlementStatus = 'open' | 'paid';

export interface Settlement {
  id: string;
  settlementNo: string;
  customerId: string;
  leaderName: string | null;
  periodFrom: string | null;
  periodTo: string;
  orders: number;
  commissionFen: number;
  status: SettlementStatus;
  paidAt: string | null;
  createdAt: string;
}

export interface LeaderSettings {
  enabled: boolean;
  commissionBp: number;
  cutoffTime: string;
  pickupAfterDays: number;
  autoApprove: boolean;
}

export interface LeadersOverview {
  leaders: number;
  pendingApplications: number;
  verifiedOrders30d: number;
  commissionFen30d: number;
  unsettledFen: number;
  ranking: { customerId: string; name: string | null; orders: number; commissionFen: number }[];
}

/** Today's date in China (batches are cut in Beijing time), "YYYY-MM-DD". */
export const shanghaiToday = (now = Date.now()) => new Date(now + 8 * 3_600_000).toISOString().slice(0, 10);

/** An order's items as one line of text: "苹果 ×2、梨 ×1". */
export function itemsText(items: PickOrderItems | null | undefined): string {
  if (!items) return '';
  if (typeof items === 'string') return items;
  return items.map((i) => `${i.title ?? i.productTitle ?? ''}${i.specText ? `(${i.specText})` : ''} ×${i.quantity ?? 1}`).join('、');
}

/** A moment in Beijing time, "2026-12-05 20:00": cut-offs are Beijing's whatever the browser's zone. */
export const beijingMinute = (iso: string | null | undefined) => (iso ? new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ') : '-');
