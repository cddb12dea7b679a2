import { randomInt } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rows, type Db } from '../../platform/db/index.js';

const SUFFIX_SPACE = 1_000_000;
// Coprime to 10^6, so n -> n * MULTIPLIER mod 10^6 is a bijection: consecutive orders get distinct,
// non-consecutive suffixes (the order count of a shop is not readable from its order numbers).
const MULTIPLIER = 738_917;

/**
 * 20-digit order number: Shanghai date-time to the second + 6 digits scrambled from a database sequence
 * (readable on the phone to support). Unique as long as fewer than a million orders share one second;
 * random digits collided under load (two checkouts in one second with 10^6 choices), this cannot.
 */
export function newOrderNo(now: Date, sequence: number | bigint): string {
  const sh = new Date(now.getTime() + 8 * 3600_000);
  const stamp = sh.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const n = BigInt(sequence) % BigInt(SUFFIX_SPACE);
  const suffix = (n * BigInt(MULTIPLIER)) % BigInt(SUFFIX_SPACE);
  return stamp + String(suffix).padStart(6, '0');
}

export const nextOrderSequence = async (tx: Db): Promise<bigint> => {
  const [r] = await rows<{ n: string | number }>(tx, sql`SELECT nextval('order_no_seq') AS n`);
  return BigInt(r.n);
};

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
