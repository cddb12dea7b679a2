/**
 * How much of a line a refund gives back. Amounts are cumulative: refunding units k+1..k+q of a line
 * returns floor(P·(k+q)/Q) − floor(P·k/Q), so refunding every unit, in any number of steps, returns exactly
 * the line's payable P — never a fen more or less.
 */
export function lineRefundFen(line: { quantity: number; payableFen: number; refundedQty: number }, qty: number): number {
  const upto = (n: number) => Math.floor((line.payableFen * n) / line.quantity);
  return upto(line.refundedQty + qty) - upto(line.refundedQty);
}
