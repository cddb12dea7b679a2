import { createFlags, type FlagsClient } from '@siyu/sdk';
import { useEffect, useState } from 'react';
import { tokenStore } from './api';
import { shopSlug } from './shop';
import { deviceId } from './tracking';

/**
 * Feature flags (A/B 实验) the console runs on the storefront. The server picks the variant (sticky per
 * person) and counts the exposure; a page reads the variant's payload and falls back to its default.
 * The client asks again by itself when the device or the signed-in customer changes.
 */
let client: FlagsClient | null = null;
const flags = () =>
  (client ??= createFlags({ url: `/api/store/${encodeURIComponent(shopSlug ?? '')}/flags`, device: deviceId, token: () => tokenStore.get() }));

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
