/** 秒杀 on the storefront: the shapes of GET /flash-sales and of an attempt, and the refusals in Chinese. */

export type SessionState = 'upcoming' | 'running' | 'ended';

export interface FlashItem {
  itemId: string;
  skuId: string;
  productId: string;
  title: string;
  specText: string;
  imageUrl: string | null;
  originalPriceFen: number;
  priceFen: number;
  stock: number;
  remaining: number;
  soldOut: boolean;
  soldPercent: number;
}

export interface FlashSession {
  sessionId: string;
  flashSaleId: string;
  name: string;
  perCustomerLimit: number;
  startsAt: string;
  endsAt: string;
  state: SessionState;
  /** Until the start (upcoming) or the end (running), from the server's clock. */
  countdownMs: number;
  soldOut: boolean;
  reminded: boolean;
  items: FlashItem[];
}

export interface FlashSessions {
  serverTime: string;
  sessions: FlashSession[];
}

export interface Attempt {
  attemptId: string;
  status: 'pending' | 'ordered' | 'failed';
  orderId: string | null;
  code: string | null;
  pollAfterMs?: number;
}

/** The tab label under the time: JD-style 已开抢 (past), 抢购中 (now), 即将开始 (later). */
export const STATE_TAB_TEXT: Record<SessionState, string> = { ended: '已开抢', running: '抢购中', upcoming: '即将开始' };

const CODES: Record<string, string> = {
  FLASH_SALE_SOLD_OUT: '已抢光',
  FLASH_SALE_LIMIT_REACHED: '超出限购数量',
  RATE_LIMITED: '操作太频繁,请稍后再试',
  FLASH_SALE_ATTEMPT_IN_FLIGHT: '上一次抢购还在处理中,请稍候',
  FLASH_SALE_NOT_STARTED: '本场还没开始',
  FLASH_SALE_ENDED: '本场已结束',
  FLASH_SALE_WARMING: '活动准备中,请稍后再试',
  FLASH_SALE_ALREADY_STARTED: '本场已开始,无需提醒',
  FLASH_SALE_ORDER_FAILED: '下单失败,名额已退回',
  ADDRESS_REQUIRED: '请选择收货地址',
  PICKUP_POINT_REQUIRED: '请选择自提门店',
  PICKUP_POINT_CLOSED: '该自提门店已停止营业',
  NOT_FOUND: '活动不存在或已结束',
};

export function flashErrorText(code: string | null | undefined, fallback = '没抢到,请稍后再试'): string {
  return (code && CODES[code]) || fallback;
}
