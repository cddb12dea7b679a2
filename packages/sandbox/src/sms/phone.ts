/** Numbers, times and text as the two vendors write them. Only mainland China numbers are simulated. */

/** `+8613800000000`, `008613800000000`, `8613800000000` and `13800000000` are the same mainland number. */
export function normalizePhone(raw: string): string | null {
  const s = raw.replace(/[\s-]/g, '');
  const m = /^(?:\+86|0086|86)?(1[3-9]\d{9})$/.exec(s);
  return m ? `+86${m[1]}` : null;
}

/** The number without its country code, as in Tencent's `mobile` / `SubscriberNumber` and Aliyun's `phone_number`. */
export const subscriber = (e164: string) => e164.replace(/^\+86/, '');

const CST_MS = 8 * 3600_000;

/** `2026-12-04 10:00:00` in China Standard Time, the form both vendors use in callbacks and queries. */
export function cstTime(at: Date | string | number): string {
  return new Date(new Date(at).getTime() + CST_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** `20261204`: the China Standard Time date (Aliyun's SendDate). */
export function cstDay(at: Date | string | number): string {
  return new Date(new Date(at).getTime() + CST_MS).toISOString().slice(0, 10).replace(/-/g, '');
}

export const unixSeconds = (at: Date | string | number) => Math.floor(new Date(at).getTime() / 1000);

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Replies that unsubscribe from marketing SMS under the sign they answer (Tencent: R; carriers: TD, T, 退订). */
export function isOptOut(text: string): boolean {
  return ['R', 'TD', 'T', '退订'].includes(text.trim().toUpperCase());
}
