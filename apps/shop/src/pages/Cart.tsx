import { Button, Dialog, PullToRefresh, Toast } from 'antd-mobile';
import { DeleteOutline } from 'antd-mobile-icons';
import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { QtyStepper, RoundCheck } from '../components/Controls';
import { Img } from '../components/Img';
import { Page } from '../components/Page';
import { Price } from '../components/Price';
import { ListSkeleton } from '../components/ProductCard';
import { EmptyState, ErrorState } from '../components/States';
import { api } from '../lib/api';
import { checkoutDraft } from '../lib/checkout-draft';
import { toastError, useLoad } from '../lib/hooks';
import { useSession } from '../lib/session';
import type { Cart, CartLine } from '../lib/types';

function problemText(l: CartLine): string | null {
  switch (l.problem) {
    case 'SKU_NOT_FOUND':
      return '商品已失效';
    case 'PRODUCT_NOT_ON_SALE':
      return '商品已下架';
    case 'STOCK_INSUFFICIENT':
      return l.available <= 0 ? '已售罄' : `库存不足,仅剩 ${l.available} 件`;
    default:
      return null;
  }
}

export default function CartPage() {
  const session = useSession();
  const navigate = useNavigate();
  const [editing, setEditing] = useState(false);
  const [pending, setPending] = useState(false);
  const cart = useLoad(() => (session.token ? api<Cart>('GET', '/cart') : Promise.resolve(null)), [session.token]);
  const { setCart } = session;
  useEffect(() => {
    if (cart.data) setCart(cart.data);
  }, [cart.data, setCart]);

  if (!session.token) {
    return (
      <Page title="购物车" tabbar testId="page-cart">
        <EmptyState
          title="登录后查看购物车"
          description="登录后可同步购物车中的商品"
          action={
            <Button color="primary" className="btn-round" onClick={() => navigate('/login?redirect=%2Fcart')} data-testid="cart-sign-in">
              去登录
            </Button>
          }
        />
      </Page>
    );
  }

  const apply = async (p: Promise<Cart>) => {
    setPending(true);
    try {
      const c = await p;
      cart.setData(c);
    } catch (err) {
      toastError(err);
    } finally {
      setPending(false);
    }
  };

  const data = cart.data;
  const lines = data?.items ?? [];
  const buyable = lines.filter((l) => !l.problem);
  const allOn = buyable.length > 0 && buyable.every((l) => l.selected);
  const selected = lines.filter((l) => l.selected && (editing || !l.problem));

  const setAll = (on: boolean) =>
    apply(
      (async () => {
        let last: Cart | null = null;
        for (const l of editing ? lines : buyable) if (l.selected !== on) last = await api<Cart>('PATCH', `/cart/items/${l.skuId}`, { body: { selected: on } });
        return last ?? (await api<Cart>('GET', '/cart'));
      })(),
    );

  const remove = async (ls: CartLine[]) => {
    if (!ls.length) return;
    const ok = await Dialog.confirm({ content: `确定删除这 ${ls.length} 种商品吗?`, confirmText: '删除', cancelText: '取消' });
    if (!ok) return;
    await apply(
      (async () => {
        let last: Cart | null = null;
        for (const l of ls) last = await api<Cart>('DELETE', `/cart/items/${l.skuId}`);
        return last!;
      })(),
    );
  };

  const checkout = () => {
    const items = lines.filter((l) => l.selected && !l.problem);
    if (!items.length) {
      Toast.show({ content: '请选择要结算的商品' });
      return;
    }
    checkoutDraft.set({
      items: items.map((l) => ({ skuId: l.skuId, quantity: l.quantity })),
      fromCart: true,
      images: Object.fromEntries(items.map((l) => [l.skuId, l.imageUrl])),
      info: Object.fromEntries(items.map((l) => [l.skuId, { title: l.title, specText: l.specText, priceFen: l.unitPriceFen }])),
    });
    navigate('/checkout');
  };

  return (
    <Page
      title="购物车"
      tabbar
      actionbar={lines.length > 0}
      testId="page-cart"
      right={
        lines.length > 0 ? (
          <button type="button" className="link-btn" onClick={() => setEditing((e) => !e)} data-testid="cart-edit">
            {editing ? '完成' : '管理'}
          </button>
        ) : null
      }
    >
      <PullToRefresh onRefresh={cart.reload}>
        {cart.error && !data ? (
          <ErrorState error={cart.error} onRetry={cart.reload} />
        ) : !data ? (
          <ListSkeleton rows={3} />
        ) : lines.length === 0 ? (
          <EmptyState
            title="购物车还是空的"
            description="去挑几件喜欢的商品吧"
            action={
              <Button color="primary" fill="outline" className="btn-round" onClick={() => navigate('/')}>
                去逛逛
              </Button>
            }
          />
        ) : (
          <ul className="plain-list card" style={{ padding: 0, overflow: 'hidden' }} aria-label="购物车商品" data-testid="cart-lines">
            {lines.map((l) => {
              const problem = problemText(l);
              return (
                <li key={l.skuId} className={problem ? 'cart-line bad' : 'cart-line'} data-testid="cart-line" data-sku-id={l.skuId} data-problem={l.problem ?? ''}>
                  <RoundCheck
                    checked={l.selected && (editing || !problem)}
                    disabled={!editing && !!problem}
                    label={`选择 ${l.title} ${l.specText}`}
                    onChange={(on) => apply(api<Cart>('PATCH', `/cart/items/${l.skuId}`, { body: { selected: on } }))}
                    testId="cart-line-check"
                  />
                  <Link to={l.productId ? `/products/${l.productId}` : '#'} className="thumb" tabIndex={-1} aria-hidden="true">
                    <Img src={l.imageUrl} alt={l.title} />
                  </Link>
                  <div className="info">
                    <Link to={l.productId ? `/products/${l.productId}` : '#'} className="ellipsis-2" style={{ fontSize: 14, lineHeight: '20px' }}>
                      {l.title}
                    </Link>
                    {l.specText && <span className="spec-pill ellipsis">{l.specText}</span>}
                    {problem && (
                      <span className="problem" data-testid="cart-line-problem">
                        {problem}
                      </span>
                    )}
                    <div className="row between" style={{ marginTop: 4 }}>
                      <Price fen={l.unitPriceFen} size="md" />
                      {l.problem === 'SKU_NOT_FOUND' || l.problem === 'PRODUCT_NOT_ON_SALE' ? (
                        <button type="button" className="link-btn" onClick={() => remove([l])} aria-label={`删除 ${l.title}`}>
                          <DeleteOutline aria-hidden /> 删除
                        </button>
                      ) : (
                        <QtyStepper
                          value={l.quantity}
                          max={Math.max(1, Math.min(999, Math.max(l.available, l.quantity)))}
                          label={`${l.title} 数量`}
                          disabled={pending}
                          onChange={(q) => apply(api<Cart>('PATCH', `/cart/items/${l.skuId}`, { body: { quantity: q } }))}
                          testId="cart-qty"
                        />
                      )}
                    </div>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </PullToRefresh>

      {lines.length > 0 && (
        <div className="fixed-bottom actionbar above-tabbar" role="toolbar" aria-label="结算">
          <RoundCheck checked={editing ? lines.every((l) => l.selected) : allOn} label="全选" onChange={setAll} testId="cart-select-all" />
          <span aria-hidden="true">全选</span>
          <div className="grow" style={{ textAlign: 'right' }}>
            {!editing && (
              <>
                合计:
                <Price fen={data?.selectedTotalFen ?? 0} size="md" testId="cart-total" />
              </>
            )}
          </div>
          {editing ? (
            <Button color="danger" fill="outline" className="btn-round" disabled={!selected.length || pending} onClick={() => remove(selected)} data-testid="cart-delete-selected">
              删除
            </Button>
          ) : (
            <Button color="primary" className="btn-round" style={{ minWidth: 110 }} disabled={!data?.selectedCount || pending} onClick={checkout} data-testid="cart-checkout">
              结算({data?.selectedCount ?? 0})
            </Button>
          )}
        </div>
      )}
    </Page>
  );
}
