/**
 * How much a refund gives back, and how: the one calculation the server books and the storefront shows
 * before the customer asks.
 */

/** What a line has paid and given back so far: units refunded, and money refunded (units and price differences). */
export interface RefundableLine {
  quantity: number;
  payableFen: number;
  refundedQty: number;
  refundedFen: number;
}

/**
 * Refunding q of the r units not yet refunded returns that share of what the line still holds:
 * floor((P − R)·q / r), where R is everything the line gave back so far — units, and price differences
 * (阶梯团) that returned money without units. Refunding every unit, in any number of steps and with any
 * price-difference refunds in between, returns exactly the line's payable P — never a fen more or less.
 */
export function lineRefundFen(line: RefundableLine, qty: number): number {
  const left = line.quantity - line.refundedQty;
  if (qty <= 0 || left <= 0) return 0;
  const held = Math.max(0, line.payableFen - line.refundedFen);
  return Math.floor((held * Math.min(qty, left)) / left);
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
  lines: (RefundableLine & { id: string })[],
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
  const balanceFen = balancePart(order, amountFen, balanceBackFen);
  return { items, shippingFen, amountFen, balanceFen, cashFen: amountFen - balanceFen };
}

/**
 * A price difference given back on a line without returning units (阶梯团: the group grew to a cheaper tier):
 * at most what the line and the order still hold, so later unit refunds still add up to what was paid.
 */
export function quotePriceDifference(
  order: { paidFen: number; refundedFen: number; balanceFen: number },
  line: RefundableLine & { id: string },
  amountFen: number,
  balanceBackFen: number,
): RefundQuote {
  const fen = Math.max(0, Math.min(amountFen, line.payableFen - line.refundedFen, order.paidFen - order.refundedFen));
  const balanceFen = balancePart(order, fen, balanceBackFen);
  return { items: [{ orderItemId: line.id, quantity: 0, amountFen: fen }], shippingFen: 0, amountFen: fen, balanceFen, cashFen: fen - balanceFen };
}

/** After refunds totalling R of the P paid, floor(B·R/P) of the balance part B has gone back. */
function balancePart(order: { paidFen: number; refundedFen: number; balanceFen: number }, amountFen: number, balanceBackFen: number) {
  if (!(order.balanceFen > 0 && order.paidFen > 0)) return 0;
  const target = Math.floor((order.balanceFen * (order.refundedFen + amountFen)) / order.paidFen);
  return Math.max(0, Math.min(amountFen, target - balanceBackFen));
}
