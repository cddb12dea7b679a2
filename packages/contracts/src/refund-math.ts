/**
 * How much a refund gives back, and how: the one calculation the server books and the storefront shows
 * before the customer asks.
 */

/**
 * Refunding units k+1..k+q of a line returns floor(P·(k+q)/Q) − floor(P·k/Q): cumulative, so refunding
 * every unit, in any number of steps, returns exactly the line's payable P — never a fen more or less.
 */
export function lineRefundFen(line: { quantity: number; payableFen: number; refundedQty: number }, qty: number): number {
  const upto = (n: number) => Math.floor((line.payableFen * n) / line.quantity);
  return upto(line.refundedQty + qty) - upto(line.refundedQty);
}

export interface RefundQuote {
  items: { orderItemId: string; quantity: number; amountFen: number }[];
  /** Postage goes back only when nothing was shipped and every unit left is being refunded. */
  shippingFen: number;
  amountFen: number;
  /** The part that goes back to the member balance; the rest (cashFen) goes back through WeChat Pay. */
  balanceFen: number;
  cashFen: number;
}

/**
 * The refund of `chosen` units. `balanceBackFen` is what earlier refunds already put back on the balance:
 * after refunds totalling R of the P paid, floor(B·R/P) of the balance part B has gone back, so a full
 * refund in any number of steps returns exactly B to the balance and P − B through WeChat Pay.
 */
export function quoteRefund(
  order: { shippingFen: number; paidFen: number; refundedFen: number; balanceFen: number; notShipped: boolean },
  lines: { id: string; quantity: number; refundedQty: number; payableFen: number }[],
  chosen: { orderItemId: string; quantity: number }[],
  balanceBackFen: number,
): RefundQuote {
  const items = chosen.map((c) => {
    const line = lines.find((l) => l.id === c.orderItemId);
    return { orderItemId: c.orderItemId, quantity: c.quantity, amountFen: line ? lineRefundFen(line, c.quantity) : 0 };
  });
  const everything = lines.every((l) => l.quantity - l.refundedQty === (items.find((i) => i.orderItemId === l.id)?.quantity ?? 0));
  const shippingFen = everything && order.notShipped ? order.shippingFen : 0;
  const amountFen = items.reduce((s, i) => s + i.amountFen, 0) + shippingFen;
  let balanceFen = 0;
  if (order.balanceFen > 0 && order.paidFen > 0) {
    const target = Math.floor((order.balanceFen * (order.refundedFen + amountFen)) / order.paidFen);
    balanceFen = Math.max(0, Math.min(amountFen, target - balanceBackFen));
  }
  return { items, shippingFen, amountFen, balanceFen, cashFen: amountFen - balanceFen };
}
