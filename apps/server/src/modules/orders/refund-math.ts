/** The refund arithmetic lives in @siyu/contracts so the storefront shows exactly what the server books. */
export { lineRefundFen, quotePriceDifference, quoteRefund } from '@siyu/contracts';
