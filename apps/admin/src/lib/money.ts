/**
 * Money is integer fen. Merchants type yuan ("12", "12.5", "¥1,299.00"); converting goes through the
 * string so 0.1 + 0.2 style float drift can never change a price.
 */
export const YUAN_PATTERN = /^\d{1,9}(?:\.\d{1,2})?$/;

export function yuanToFen(input: string | number | null | undefined): number | null {
  if (input === null || input === undefined) return null;
  const s = String(input).trim().replace(/^[¥￥]/, '').replace(/,/g, '').trim();
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** 1234 → "12.34" (for an input field). */
export function fenToYuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return '';
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** 1234 → "¥12.34"; thousands separated for big sums on the dashboard. */
export function formatFen(fen: number | null | undefined, grouped = false): string {
  if (fen === null || fen === undefined) return '-';
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  let yuan = String(Math.floor(abs / 100));
  if (grouped) yuan = yuan.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}¥${yuan}.${String(abs % 100).padStart(2, '0')}`;
}
