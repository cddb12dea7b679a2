import { loadTracker, noopTracker, pageViewer, type Properties, type Tracker } from '@siyu/sdk';
import { useEffect } from 'react';
import { useLocation } from 'react-router-dom';
import { shopSlug } from './shop';

/**
 * Behaviour events for the shop's customer data (数据分析). The write key comes from the shop's
 * analytics config; a shop without analytics answers 404 and every call here does nothing.
 * Tracking must never break the shop: each call swallows whatever the tracker throws.
 */

/** The events the storefront sends and their properties (money in fen). */
export interface ShopEvents {
  product_viewed: { product_id: string; name: string; price_fen: number };
  product_added: { product_id: string; sku_id: string; quantity: number; price_fen: number };
  /** channel: how it was shared — share_sheet (system share) or copy_link. */
  product_shared: { product_id: string; channel: 'share_sheet' | 'copy_link' };
  products_searched: { query: string; results: number };
  /** items: units being bought; total_fen: their goods total before discounts and shipping. */
  checkout_started: { items: number; total_fen: number };
}

interface AnalyticsConfig {
  writeKey: string;
  endpoint: string;
}

async function loadConfig(slug: string): Promise<AnalyticsConfig | null> {
  // Plain fetch rather than api(): no customer token is needed, and a failure here must not touch the session.
  const res = await fetch(`/api/store/${encodeURIComponent(slug)}/analytics/config`, { headers: { Accept: 'application/json' } });
  // 404 ANALYTICS_OFF: the shop records no behaviour.
  if (!res.ok) return null;
  const body = (await res.json().catch(() => null)) as { writeKey?: unknown; endpoint?: unknown } | null;
  if (typeof body?.writeKey !== 'string' || !body.writeKey) return null;
  return { writeKey: body.writeKey, endpoint: typeof body.endpoint === 'string' && body.endpoint ? body.endpoint : '/v1' };
}

const trackers = new Map<string, Tracker>();

/** One tracker per shop, made on first use; calls made while its config loads are replayed. */
function tracker(): Tracker {
  const slug = shopSlug ?? '';
  let t = trackers.get(slug);
  if (!t) {
    try {
      t = slug ? loadTracker(() => loadConfig(slug)) : noopTracker();
    } catch {
      t = noopTracker();
    }
    trackers.set(slug, t);
  }
  return t;
}

const quietly = (fn: (t: Tracker) => void) => {
  try {
    fn(tracker());
  } catch {
    /* tracking is never worth an error in the shop */
  }
};

/** This device's anonymous id (the one events carry), or null while tracking is off or loading. */
export function deviceId(): string | null {
  try {
    return tracker().anonymousId();
  } catch {
    return null;
  }
}

/** The device's anonymous id once the tracker has loaded its config (null when the shop records no behaviour). */
export async function readyDeviceId(): Promise<string | null> {
  try {
    const t = tracker() as Tracker & { ready?: Promise<unknown> };
    if (t.ready) await t.ready;
  } catch {
    return null;
  }
  return deviceId();
}

export function track<E extends keyof ShopEvents>(event: E, properties: ShopEvents[E]): void {
  quietly((t) => t.track(event, properties as unknown as Properties));
}

/** On sign-in and on app start with a signed-in customer; the SDK skips an unchanged identity. */
export function identify(customerId: string, traits: { nickname?: string | null }): void {
  const clean: Properties = {};
  if (traits.nickname) clean.nickname = traits.nickname;
  quietly((t) => t.identify(customerId, clean));
}

/** On sign-out: later events belong to a new anonymous visitor. */
export function resetTracking(): void {
  quietly((t) => t.reset());
}

const viewPage = pageViewer({ page: (p) => quietly((t) => t.page(p)) });

/** Records a page view on every route change (path or query). Render once, inside the router. */
export function usePageViews(): void {
  const { pathname, search } = useLocation();
  useEffect(() => {
    try {
      viewPage({ pathname, search });
    } catch {
      /* see quietly */
    }
  }, [pathname, search]);
}
