import { randomInt } from 'node:crypto';

/** 20-digit order number: Shanghai date-time to the second + 6 random digits (readable on the phone to support). */
export function newOrderNo(now: Date): string {
  const sh = new Date(now.getTime() + 8 * 3600_000);
  const stamp = sh.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return stamp + String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** 8-digit pickup code (到店自提), shown as text and as a QR code. */
export function newPickupCode(): string {
  return String(randomInt(10_000_000, 100_000_000));
}

export const CARRIERS: Record<string, string> = {
  SF: '顺丰速运',
  ZTO: '中通快递',
  YTO: '圆通速递',
  STO: '申通快递',
  YD: '韵达快递',
  JD: '京东物流',
  EMS: '中国邮政 EMS',
  JT: '极兔速递',
  DBL: '德邦快递',
};
