import type { ProductDetail, StoreSku } from '../lib/types';
import { monthDay, nextBoundary, type Presale, type PresaleItem } from '../lib/presale';
import { money } from '../lib/format';
import { Countdown } from './Countdown';
import { Price } from './Price';
import '../pages/sales.css';

/** The pre-sale line to show: the chosen SKU's, else the one with the lowest price. */
export function presaleItemFor(presale: Presale, product: ProductDetail, sku: StoreSku | null): { item: PresaleItem; sku: StoreSku } | null {
  const pairs = presale.items
    .map((item) => ({ item, sku: product.skus.find((s) => s.id === item.skuId) }))
    .filter((x): x is { item: PresaleItem; sku: StoreSku } => !!x.sku);
  if (sku) return pairs.find((x) => x.sku.id === sku.id) ?? null;
  return pairs.sort((a, b) => a.sku.price - b.sku.price)[0] ?? null;
}

/** The product as the deposit picker shows it: SKUs outside the pre-sale cannot be chosen. */
export function presaleProduct(p: ProductDetail, presale: Presale): ProductDetail {
  const ids = new Set(presale.items.map((i) => i.skuId));
  return { ...p, skus: p.skus.map((s) => (ids.has(s.id) ? s : { ...s, soldOut: true })) };
}

/**
 * 定金预售 band under the product images: price, "定金¥50抵¥100", the balance, a two-step timeline
 * (付定金 → 付尾款) and a countdown to the next boundary on the server's clock (`skewMs` = server − here).
 */
export function PresaleBand({ presale, product, sku, skewMs, onBoundary }: { presale: Presale; product: ProductDetail; sku: StoreSku | null; skewMs: number; onBoundary: () => void }) {
  const shown = presaleItemFor(presale, product, sku);
  const boundary = nextBoundary(presale);
  const step = presale.phase === 'balance' ? 2 : presale.phase === 'waiting' ? 1.5 : presale.phase === 'deposit' ? 1 : 0;
  const local = (iso: string) => new Date(Date.parse(iso) - skewMs).toISOString();
  return (
    <section className="presale-band" aria-label="定金预售" data-testid="presale-band" data-phase={presale.phase}>
      <div className="presale-top">
        <div>
          <span className="presale-tag">定金预售</span>
          <span className="presale-name ellipsis">{presale.name}</span>
        </div>
        {boundary && (
          <div className="presale-clock">
            <span className="small">{boundary.text}</span> <Countdown to={local(boundary.to)} onEnd={onBoundary} testId="presale-countdown" />
          </div>
        )}
      </div>
      {shown ? (
        <div className="presale-prices">
          <div>
            <span className="small">预售价 </span>
            <Price fen={shown.sku.price} size="lg" testId="product-price" />
          </div>
          <div className="presale-deal" data-testid="presale-label">
            {shown.item.label}
          </div>
          <div className="small" data-testid="presale-balance">
            尾款 {money(Math.max(0, shown.sku.price - shown.item.deductFen))}
            <span className="presale-formula">(预售价 {money(shown.sku.price)} − 抵扣 {money(shown.item.deductFen)})</span>
          </div>
        </div>
      ) : (
        <div className="presale-prices small">所选规格不参与本次预售</div>
      )}
      <ol className="presale-steps" aria-label="预售流程">
        <li className={step >= 1 ? 'on' : ''} aria-current={presale.phase === 'deposit' || presale.phase === 'upcoming' ? 'step' : undefined}>
          <b>① 付定金</b>
          <span>
            {monthDay(presale.depositStartsAt)} – {monthDay(presale.depositEndsAt)}
          </span>
        </li>
        <li className={step >= 2 ? 'on' : ''} aria-current={presale.phase === 'balance' || presale.phase === 'waiting' ? 'step' : undefined}>
          <b>② 付尾款</b>
          <span>
            {monthDay(presale.balanceStartsAt)} – {monthDay(presale.balanceEndsAt)}
          </span>
        </li>
      </ol>
      <div className="presale-rules small">
        {presale.depositRefundable ? '定金可退:付尾款前可申请退定金' : '定金不退:未按时付尾款定金不退'} · 每人限购 {presale.perCustomerLimit} 件
      </div>
    </section>
  );
}
