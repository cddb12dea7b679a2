import { createFlags, SafeStorage, type FlagsClient } from '@siyu/sdk';
import { useEffect, useState } from 'react';
import { tokenStore } from './api';
import { shopSlug } from './shop';
import { readyDeviceId } from './tracking';

/**
 * Feature flags (A/B 实验) the console runs on the storefront. The SDK draws the variant itself from the
 * shop's experiments (the server's hash, sticky per person; the last config is kept for the next visit)
 * and reports what the page showed, which the server checks and counts once; a page reads the variant's
 * payload and falls back to its default. A sign-in or sign-out is picked up by itself.
 */
let client: FlagsClient | null = null;
const flags = () => {
  if (client) return client;
  const storage = new SafeStorage(typeof localStorage === 'undefined' ? null : localStorage);
  client = createFlags({ url: `/api/store/${encodeURIComponent(shopSlug ?? '')}/flags`, device: readyDeviceId, token: () => tokenStore.get(), storage });
  // Exposures wait a moment to go together; a page closed before then still sends them.
  if (typeof window !== 'undefined') window.addEventListener('pagehide', () => void client?.flush());
  return client;
};

/** A text the experiment may change, e.g. the buy button's: the variant's payload value, else `fallback`. */
export function useFlagText(key: string, field: string, fallback: string): string {
  const [text, setText] = useState(fallback);
  useEffect(() => {
    let live = true;
    if (!shopSlug) return;
    void flags()
      .get(key)
      .then((f) => {
        const v = f?.payload[field];
        if (live && typeof v === 'string' && v) setText(v);
      });
    return () => {
      live = false;
    };
  }, [key, field]);
  return text;
}
