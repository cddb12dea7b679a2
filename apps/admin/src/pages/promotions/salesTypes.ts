/** Shapes of the console's 定金预售 and 秒杀 API answers (apps/server/src/modules/presale, flashsale). */

export type PresalePhase = 'upcoming' | 'deposit' | 'waiting' | 'balance' | 'ended';
export type PresaleOrderStatus = 'pending_deposit' | 'deposit_paid' | 'balance_ordered' | 'completed' | 'closed' | 'forfeited' | 'refunded';

export interface PresaleStats {
  deposits: number;
  units: number;
  depositFen: number;
  completed: number;
  forfeited: number;
  refunded: number;
  awaitingBalance: number;
}

export interface Presale {
  id: string;
  name: string;
  productId: string;
  depositStartsAt: string;
  depositEndsAt: string;
  balanceStartsAt: string;
  balanceEndsAt: string;
  depositRefundable: boolean;
  perCustomerLimit: number;
  status: 'active' | 'ended';
  closedAt: string | null;
  createdAt: string;
  phase: PresalePhase;
  /** label: "定金¥50抵¥100". */
  items: { skuId: string; depositFen: number; deductFen: number; label: string }[];
  stats: PresaleStats;
}

export interface PresaleOrder {
  id: string;
  activityId: string;
  customerId: string;
  skuId: string;
  quantity: number;
  depositFen: number;
  deductFen: number;
  depositNo: string;
  status: PresaleOrderStatus;
  balanceOrderId: string | null;
  depositPaidAt: string | null;
  completedAt: string | null;
  createdAt: string;
  label: string;
}

export type PresaleDetail = Presale & { orders: PresaleOrder[] };

export type FlashSaleStatus = 'draft' | 'published' | 'ended';
export type FlashSessionState = 'upcoming' | 'running' | 'ended';

export interface FlashSaleRow {
  id: string;
  name: string;
  status: FlashSaleStatus;
  perCustomerLimit: number;
  ipRatePerSecond: number;
  customerRatePerSecond: number;
  createdAt: string;
  sessionCount: number;
  startsAt: string | null;
  endsAt: string | null;
  sessions: { id: string; startsAt: string; endsAt: string; state: FlashSessionState }[];
}

export interface FlashSaleItem {
  id: string;
  skuId: string;
  productId: string;
  title: string;
  specText: string;
  imageUrl: string | null;
  originalPriceFen: number;
  priceFen: number;
  stock: number;
  sold: number;
  remaining: number;
  soldOut: boolean;
  paidUnits: number;
}

export interface FlashSaleDetail extends Omit<FlashSaleRow, 'sessions' | 'sessionCount' | 'startsAt' | 'endsAt'> {
  serverTime: string;
  publishedAt: string | null;
  endedAt: string | null;
  sessions: { id: string; startsAt: string; endsAt: string; state: FlashSessionState; items: FlashSaleItem[] }[];
}

export interface FlashLiveItem {
  itemId: string;
  skuId: string;
  title: string;
  specText: string;
  priceFen: number;
  stock: number;
  sold: number;
  remaining: number;
  soldOut: boolean;
  waitingForOrder: number;
  orders: number;
  cancelledUnits: number;
  paidOrders: number;
  paidUnits: number;
  returnedToStock: number;
}

export interface FlashLiveSession {
  sessionId: string;
  startsAt: string;
  endsAt: string;
  state: FlashSessionState;
  stock: number;
  sold: number;
  remaining: number;
  orders: number;
  paidOrders: number;
  items: FlashLiveItem[];
}

export interface FlashLive {
  flashSaleId: string;
  status: FlashSaleStatus;
  serverTime: string;
  stock: number;
  sold: number;
  remaining: number;
  orders: number;
  paidOrders: number;
  /** 0..1 */
  paymentRate: number;
  acceptedLastMinute: number;
  ordersPerSecond: number;
  sessions: FlashLiveSession[];
}
