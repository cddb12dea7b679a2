import { formatFen } from '../lib/money';
import { useI18n } from '../lib/i18n';
import type { Refund, RefundLine } from '../lib/types';

/**
 * What a refund gives back, said in full before staff act on it: each line with its units and amount,
 * postage if it goes back too, the total, and where the money goes (WeChat Pay, member balance or both).
 */
export default function RefundSummary({ refund, lines }: { refund: Pick<Refund, 'amountFen' | 'balanceFen' | 'cashFen' | 'shippingFen'>; lines: Pick<RefundLine, 'orderItemId' | 'title' | 'specText' | 'imageUrl' | 'quantity' | 'amountFen'>[] }) {
  const { t } = useI18n();
  return (
    <div data-testid="refund-summary">
      <div style={{ fontWeight: 500, marginBottom: 4 }}>{t('refund.linesTitle')}</div>
      <ul className="summary-lines">
        {lines.map((l) => (
          <li key={l.orderItemId} data-testid="refund-summary-line">
            {l.imageUrl ? <img src={l.imageUrl} alt="" /> : <span className="img-placeholder" />}
            <div className="grow">
              <div>{l.title}</div>
              {l.specText && <div className="muted" style={{ fontSize: 12 }}>{l.specText}</div>}
            </div>
            <span className="nowrap">× {l.quantity}</span>
            <span className="nowrap" style={{ width: 90, textAlign: 'right' }}>{formatFen(l.amountFen)}</span>
          </li>
        ))}
      </ul>
      <div className="amount-rows" style={{ marginTop: 8, maxWidth: 'none' }}>
        {refund.shippingFen > 0 && (
          <div>
            <span>{t('refund.shippingBack')}</span>
            <span>{formatFen(refund.shippingFen)}</span>
          </div>
        )}
        <div className="total">
          <span>{t('refund.total')}</span>
          <span data-testid="refund-summary-total">{formatFen(refund.amountFen)}</span>
        </div>
        <div>
          <span>{t('refund.wayBack')}</span>
          <span data-testid="refund-summary-way" style={{ textAlign: 'right' }}>
            {refund.amountFen === 0
              ? t('refund.noMoney')
              : [refund.cashFen > 0 ? t('refund.toWechat', { amount: formatFen(refund.cashFen) }) : '', refund.balanceFen > 0 ? t('refund.toBalance', { amount: formatFen(refund.balanceFen) }) : '']
                  .filter(Boolean)
                  .join(t('common.listSep'))}
          </span>
        </div>
      </div>
    </div>
  );
}
