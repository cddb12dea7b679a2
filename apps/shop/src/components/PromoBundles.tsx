import { Button, Popup, Toast } from 'antd-mobile';
import { CloseOutline } from 'antd-mobile-icons';
import { useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { api } from '../lib/api';
import { money } from '../lib/format';
import { toastError } from '../lib/hooks';
import { useSession } from '../lib/session';
import { track } from '../lib/tracking';
import type { Cart, ProductBundle } from '../lib/types';
import { Img } from './Img';
import { MarketPrice, Price } from './Price';

/** A SKU is chosen up front when it is the only one that can fill the set. */
function initialChoice(b: ProductBundle): Record<string, string> {
  const out: Record<string, string> = {};
  for (const it of b.items) {
    const ok = it.skus.filter((s) => s.available >= it.quantity);
    if (ok.length === 1) out[it.productId] = ok[0].skuId;
  }
  return out;
}

/** 组合套餐: the set's products, its price against buying them one by one, and 购买套餐. */
export function PromoBundles({ bundles }: { bundles: ProductBundle[] }) {
  const session = useSession();
  const navigate = useNavigate();
  const loc = useLocation();
  const [active, setActive] = useState<ProductBundle | null>(null);
  const [chosen, setChosen] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  if (!bundles.length) return null;

  const start = (b: ProductBundle) => {
    if (!session.token) {
      Toast.show({ content: '请先登录' });
      navigate(`/login?redirect=${encodeURIComponent(loc.pathname)}`);
      return;
    }
    setChosen(initialChoice(b));
    setActive(b);
  };

  const addAll = async () => {
    if (!active || busy) return;
    setBusy(true);
    try {
      let cart: Cart | null = null;
      for (const it of active.items) {
        const skuId = chosen[it.productId];
        cart = await api<Cart>('POST', '/cart/items', { body: { skuId, quantity: it.quantity } });
        // Each line is recorded as it lands: a later line failing leaves the earlier ones in the cart.
        track('product_added', { product_id: it.productId, sku_id: skuId, quantity: it.quantity, price_fen: it.skus.find((s) => s.skuId === skuId)?.priceFen ?? it.minPriceFen });
      }
      if (cart) session.setCart(cart);
      setActive(null);
      Toast.show({ icon: 'success', content: '套餐已加入购物车' });
      navigate('/cart');
    } catch (err) {
      toastError(err);
      void session.refreshCart();
    } finally {
      setBusy(false);
    }
  };

  const missing = active ? active.items.filter((it) => !chosen[it.productId]) : [];

  return (
    <section className="pd-bundles" aria-labelledby="bundles-title" data-testid="bundles">
      <h3 id="bundles-title">组合套餐</h3>
      {bundles.map((b) => (
        <div key={b.activityId} className="bundle" data-testid="bundle" data-activity-id={b.activityId}>
          <div className="row between">
            <strong className="ellipsis">{b.name}</strong>
            {b.originalFen > b.priceFen && <span className="bundle-save">省{money(b.originalFen - b.priceFen)}</span>}
          </div>
          <ul className="plain-list bundle-items" aria-label={`${b.name} 包含的商品`}>
            {b.items.map((it, i) => (
              <li key={it.productId}>
                {i > 0 && (
                  <span className="bundle-plus" aria-hidden="true">
                    +
                  </span>
                )}
                <Link to={`/products/${it.productId}`} className="bundle-item">
                  <span className="thumb">
                    <Img src={it.imageUrl} alt={it.title} />
                  </span>
                  <span className="ellipsis small">{it.title}</span>
                  <span className="small muted">
                    {money(it.minPriceFen)} ×{it.quantity}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
          <div className="row between">
            <span>
              <span className="small">套餐价 </span>
              <Price fen={b.priceFen} size="md" testId="bundle-price" />
              <MarketPrice fen={b.originalFen > b.priceFen ? b.originalFen : null} />
            </span>
            <Button size="small" color="primary" className="btn-round" onClick={() => start(b)} aria-label={`购买套餐 ${b.name}`} data-testid="bundle-buy">
              购买套餐
            </Button>
          </div>
        </div>
      ))}

      <Popup visible={!!active} onMaskClick={() => setActive(null)} onClose={() => setActive(null)} bodyStyle={{ borderTopLeftRadius: 16, borderTopRightRadius: 16, maxWidth: 750, margin: '0 auto', left: 0, right: 0 }}>
        {active && (
          <div className="sku-pop" role="dialog" aria-modal="true" aria-labelledby="bundle-pop-title" data-testid="bundle-popup">
            <div className="coupon-pop-head" style={{ padding: 0 }}>
              <div style={{ minWidth: 0 }}>
                <h2 id="bundle-pop-title" className="ellipsis">
                  {active.name}
                </h2>
                <span className="small">套餐价 </span>
                <Price fen={active.priceFen} size="md" />
                <MarketPrice fen={active.originalFen > active.priceFen ? active.originalFen : null} />
              </div>
              <button type="button" className="nav-back" aria-label="关闭" onClick={() => setActive(null)} style={{ alignSelf: 'flex-start' }}>
                <CloseOutline fontSize={20} aria-hidden />
              </button>
            </div>
            <div className="sku-body">
              {active.items.map((it) => (
                <div key={it.productId} className="sku-attr bundle-pick" role="group" aria-label={`${it.title} 规格`} data-testid="bundle-pick" data-product-id={it.productId}>
                  <div className="row gap8" style={{ marginBottom: 8 }}>
                    <span className="bundle-pick-thumb">
                      <Img src={it.imageUrl} alt={it.title} />
                    </span>
                    <span style={{ minWidth: 0 }}>
                      <span className="ellipsis-2">{it.title}</span>
                      <span className="small muted">×{it.quantity}</span>
                    </span>
                  </div>
                  <div className="sku-values">
                    {it.skus.map((s) => {
                      const enough = s.available >= it.quantity;
                      const on = chosen[it.productId] === s.skuId;
                      return (
                        <button
                          key={s.skuId}
                          type="button"
                          className="sku-val"
                          aria-pressed={on}
                          disabled={!enough}
                          onClick={() => setChosen((c) => ({ ...c, [it.productId]: s.skuId }))}
                          data-testid="bundle-sku"
                          data-sku-id={s.skuId}
                        >
                          {s.specText || '默认规格'}
                          <span className="bundle-sku-meta">
                            {money(s.priceFen)} · {s.available > 0 ? `库存 ${s.available}` : '已售罄'}
                          </span>
                        </button>
                      );
                    })}
                  </div>
                </div>
              ))}
            </div>
            <div className="sku-foot">
              <Button block color="primary" className="btn-round" disabled={missing.length > 0} loading={busy} onClick={addAll} data-testid="bundle-confirm">
                {missing.length > 0 ? `请选择 ${missing[0].title} 的规格` : '加入购物车'}
              </Button>
            </div>
          </div>
        )}
      </Popup>
    </section>
  );
}
