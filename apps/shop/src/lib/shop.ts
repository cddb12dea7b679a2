/**
 * The storefront is one build for every shop: the shop is the first path segment after /s/,
 * e.g. /s/demo/products/123 → slug "demo", router basename "/s/demo".
 */
const match = /^\/s\/([^/]+)/.exec(window.location.pathname);

export const shopSlug: string | null = match ? decodeURIComponent(match[1]) : null;
export const basename = shopSlug ? `/s/${encodeURIComponent(shopSlug)}` : '';

/** Absolute URL of a storefront page (for payment and WeChat return URLs). */
export function storefrontUrl(path: string): string {
  return `${window.location.origin}${basename}${path.startsWith('/') ? path : `/${path}`}`;
}

/** Demo helpers (sandbox SMS inbox link) are shown only when running on the developer's machine. */
export const isLocalHost = ['localhost', '127.0.0.1', '[::1]'].includes(window.location.hostname);

export const inWechat = /MicroMessenger/i.test(navigator.userAgent);
