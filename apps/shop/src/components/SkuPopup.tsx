import { Button, Popup } from 'antd-mobile';
import { CloseOutline } from 'antd-mobile-icons';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { ProductDetail, StoreSku } from '../lib/types';
import { QtyStepper } from './Controls';
import { Img } from './Img';
import { MarketPrice, Price } from './Price';

export type SkuAction = 'cart' | 'buy';

interface Props {
  product: ProductDetail;
  visible: boolean;
  /** Which button opened it: only that one is shown; null shows both (opened from "已选"). */
  action: SkuAction | null;
  busy?: boolean;
  onClose: () => void;
  onConfirm: (sku: StoreSku, quantity: number, action: SkuAction) => void;
  /** Reports the selection so the detail page can show "已选 红 / M". */
  onSelect?: (sku: StoreSku | null, quantity: number) => void;
  /** One confirm button with this text instead of 加入购物车 / 立即购买 (e.g. 支付定金); it confirms as 'buy'. */
  confirmText?: string;
  /** A cap below the stock (a per-customer limit). */
  maxQuantity?: number;
  /** A line under the price about the chosen SKU (e.g. 定金¥50抵¥100). */
  note?: (sku: StoreSku | null) => ReactNode;
}

const MAX_QTY = 999;

/** Does some purchasable SKU match every chosen value? */
function purchasable(skus: StoreSku[], chosen: Record<string, string>) {
  return skus.some((s) => !s.soldOut && Object.entries(chosen).every(([k, v]) => s.specValues[k] === v));
}

/**
 * The spec picker (规格选择): one row of values per spec attribute. A value is disabled when no
 * in-stock SKU has it together with the values already chosen in the other rows.
 */
export function SkuPopup({ product, visible, action, busy, onClose, onConfirm, onSelect, confirmText, maxQuantity, note }: Props) {
  const attrs = product.specAttributes;
  const [chosen, setChosen] = useState<Record<string, string>>(() => {
    // A single purchasable SKU (or none to choose) is preselected.
    const live = product.skus.filter((s) => !s.soldOut);
    return live.length === 1 ? { ...live[0].specValues } : {};
  });
  const [qty, setQty] = useState(1);

  const sku = useMemo(() => {
    if (attrs.length === 0) return product.skus[0] ?? null;
    if (attrs.some((a) => !chosen[a.name])) return null;
    return product.skus.find((s) => attrs.every((a) => s.specValues[a.name] === chosen[a.name])) ?? null;
  }, [attrs, chosen, product.skus]);

  const cap = Math.max(1, Math.min(MAX_QTY, maxQuantity ?? MAX_QTY));
  const maxQty = sku ? Math.max(1, Math.min(cap, sku.available)) : cap;
  useEffect(() => {
    if (qty > maxQty) setQty(maxQty);
  }, [maxQty, qty]);
  useEffect(() => {
    onSelect?.(sku, qty);
  }, [sku, qty, onSelect]);

  const missing = attrs.filter((a) => !chosen[a.name]).map((a) => a.name);
  const image = (sku && product.images[0]) || product.images[0] || null;

  // Choosing is idempotent (tapping the chosen value keeps it), so a scripted or repeated tap is harmless;
  // another value of the row replaces it.
  const toggle = (name: string, value: string) => setChosen((c) => ({ ...c, [name]: value }));

  const confirm = (a: SkuAction) => {
    if (!sku || sku.soldOut) return;
    onConfirm(sku, qty, a);
  };

  const stockText = sku ? (sku.soldOut ? '已售罄' : `库存 ${sku.available} 件`) : product.soldOut ? '已售罄' : '';
  const canBuy = !!sku && !sku.soldOut && !busy;
  const label = !sku ? `请选择 ${missing.join(' ')}` : sku.soldOut ? '已售罄' : null;

  return (
    <Popup visible={visible} onMaskClick={onClose} onClose={onClose} bodyStyle={{ borderTopLeftRadius: 16, borderTopRightRadius: 16, maxWidth: 750, margin: '0 auto', left: 0, right: 0 }} destroyOnClose={false}>
      <div className="sku-pop" role="dialog" aria-modal="true" aria-label="选择规格" data-testid="sku-popup">
        <div className="sku-head">
          <div className="thumb">
            <Img src={image} alt={product.title} lazy={false} />
          </div>
          <div style={{ flex: 1, minWidth: 0 }}>
            <div>
              <Price fen={sku ? sku.price : product.minPrice} size="lg" from={!sku && product.maxPrice > product.minPrice} testId="sku-price" />
              {sku && <MarketPrice fen={sku.marketPrice} />}
            </div>
            <div className="small muted" data-testid="sku-stock" aria-live="polite">
              {stockText}
            </div>
            {note?.(sku)}
            <div className="small ellipsis" style={{ marginTop: 4 }}>
              {sku ? (attrs.length ? `已选:${sku.specText}` : '') : `请选择:${missing.join(' ')}`}
            </div>
          </div>
          <button type="button" className="nav-back" aria-label="关闭" onClick={onClose} style={{ alignSelf: 'flex-start' }}>
            <CloseOutline fontSize={20} aria-hidden />
          </button>
        </div>
        <div className="sku-body">
          {attrs.map((a) => (
            <div className="sku-attr" key={a.name} role="group" aria-label={a.name}>
              <div className="sku-attr-name">{a.name}</div>
              <div className="sku-values">
                {a.values.map((v) => {
                  const others = Object.fromEntries(Object.entries(chosen).filter(([k]) => k !== a.name));
                  const enabled = purchasable(product.skus, { ...others, [a.name]: v });
                  const on = chosen[a.name] === v;
                  return (
                    <button
                      key={v}
                      type="button"
                      className="sku-val"
                      aria-pressed={on}
                      disabled={!enabled && !on}
                      aria-label={enabled ? v : `${v}(已售罄)`}
                      onClick={() => toggle(a.name, v)}
                      data-testid="sku-option"
                      data-attr={a.name}
                      data-value={v}
                    >
                      {v}
                    </button>
                  );
                })}
              </div>
            </div>
          ))}
          <div className="row between sku-attr">
            <span className="sku-attr-name" id="qty-label" style={{ margin: 0 }}>
              购买数量
            </span>
            <QtyStepper value={qty} max={maxQty} onChange={setQty} disabled={!!sku && sku.soldOut} testId="sku-qty" />
          </div>
        </div>
        <div className="sku-foot">
          {label ? (
            <Button block color="primary" className="btn-round" disabled>
              {label}
            </Button>
          ) : confirmText ? (
            <Button block color="primary" className="btn-round" disabled={!canBuy} loading={busy} onClick={() => confirm('buy')} data-testid="sku-confirm">
              {confirmText}
            </Button>
          ) : (
            <>
              {action !== 'buy' && (
                <Button block className="btn-round btn-orange" disabled={!canBuy} loading={busy && action === 'cart'} onClick={() => confirm('cart')} data-testid="sku-confirm-cart">
                  加入购物车
                </Button>
              )}
              {action !== 'cart' && (
                <Button block color="primary" className="btn-round" disabled={!canBuy} loading={busy && action === 'buy'} onClick={() => confirm('buy')} data-testid="sku-confirm-buy">
                  立即购买
                </Button>
              )}
            </>
          )}
        </div>
      </div>
    </Popup>
  );
}
