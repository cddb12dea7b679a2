import { orderStatusLabel } from '@siyu/contracts';
import type { OrderStatus } from './types';

/** "已发货", "待自提" etc., from the labels the console uses too (kept apart from format.ts so zod stays off the home page). */
export function statusText(status: OrderStatus, fulfilment?: 'express' | 'pickup'): string {
  return orderStatusLabel(status, fulfilment)?.zh ?? status;
}
