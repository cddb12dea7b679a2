import { useEffect, useState, type ReactNode } from 'react';
import { ErrorBlock } from 'antd-mobile';
import { api } from '../lib/api';

interface ShopState {
  name: string;
  logoUrl: string | null;
  servicePhone: string | null;
  status: 'active' | 'suspended';
  suspensionReason: string | null;
}

/**
 * 店铺暂停营业: what a customer sees of a shop the platform suspended. The server refuses every
 * storefront write meanwhile (SHOP_SUSPENDED); this page says so instead of letting them try.
 */
export function Suspended({ shop }: { shop: ShopState }) {
  useEffect(() => {
    document.title = `${shop.name} · 暂停营业`;
  }, [shop.name]);
  return (
    <main className="empty suspended-page" data-testid="shop-suspended" style={{ paddingTop: 96, paddingLeft: 24, paddingRight: 24 }}>
      {shop.logoUrl && <img src={shop.logoUrl} alt="" width={64} height={64} style={{ borderRadius: 12, objectFit: 'cover', marginBottom: 12 }} />}
      <p style={{ margin: '0 0 8px', color: '#646566' }}>{shop.name}</p>
      <h1 style={{ fontSize: 22, margin: '0 0 8px' }}>店铺暂停营业</h1>
      <ErrorBlock
        status="default"
        title="暂时不能下单"
        description={
          <>
            <span>本店暂停营业中,暂时无法下单、付款或领取优惠券,已下的订单不受影响。</span>
            {shop.suspensionReason && (
              <span style={{ display: 'block', marginTop: 8 }} data-testid="shop-suspended-reason">
                原因:{shop.suspensionReason}
              </span>
            )}
            {shop.servicePhone && (
              <span style={{ display: 'block', marginTop: 8 }}>
                联系商家:<a href={`tel:${shop.servicePhone}`}>{shop.servicePhone}</a>
              </span>
            )}
          </>
        }
        style={{ '--image-height': '120px' } as React.CSSProperties}
      />
    </main>
  );
}

/**
 * Shows the suspended page in place of the storefront when the shop is suspended. The storefront
 * renders meanwhile: an open shop (nearly every one) must not wait for this answer.
 */
export function SuspendedGate({ children }: { children: ReactNode }) {
  const [shop, setShop] = useState<ShopState | null>(null);
  useEffect(() => {
    api<ShopState>('GET', '/shop')
      .then(setShop)
      .catch(() => {
        /* an unknown shop or a network error: the pages say so themselves */
      });
  }, []);
  return shop?.status === 'suspended' ? <Suspended shop={shop} /> : <>{children}</>;
}
