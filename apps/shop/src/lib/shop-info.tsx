import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { api } from './api';
import { shopSlug } from './shop';

export interface ShopInfo {
  slug: string;
  name: string;
}

const fallback: ShopInfo = { slug: shopSlug ?? '', name: '微商城' };
const ShopContext = createContext<ShopInfo>(fallback);

/** The shop's public name for the header and page titles (GET /api/store/:shop/shop). */
export function ShopProvider({ children }: { children: ReactNode }) {
  const [info, setInfo] = useState<ShopInfo>(fallback);
  useEffect(() => {
    api<{ slug: string; name: string }>('GET', '/shop')
      .then((s) => s?.name && setInfo({ slug: s.slug ?? fallback.slug, name: s.name }))
      .catch(() => {
        /* older servers have no shop endpoint: keep the generic name */
      });
  }, []);
  return <ShopContext.Provider value={info}>{children}</ShopContext.Provider>;
}

export const useShop = () => useContext(ShopContext);
