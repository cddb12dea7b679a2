import type { SpecAttribute } from '@siyu/contracts';

/** One combination of spec values, e.g. {颜色: '红', 尺码: 'M'}; {} for a product without attributes. */
export type SpecValues = Record<string, string>;

/** Every combination of the attributes (colour × size), in the order a merchant reads the matrix. */
export function cartesian(attrs: SpecAttribute[]): SpecValues[] {
  let out: SpecValues[] = [{}];
  for (const a of attrs) {
    const next: SpecValues[] = [];
    for (const combo of out) for (const v of a.values) next.push({ ...combo, [a.name]: v });
    out = next;
  }
  return out;
}

/** Identifies a combination whatever the order of the attributes: sorted "name=value" pairs. */
export function specKey(values: SpecValues): string {
  return Object.keys(values)
    .sort()
    .map((k) => `${k}=${values[k]}`)
    .join('\u0001');
}

/** "红 / M", in attribute order, as shown on an order line. */
export function specText(attrs: SpecAttribute[], values: SpecValues): string {
  return attrs.map((a) => values[a.name]).filter(Boolean).join(' / ');
}

/**
 * Yuan as typed by a merchant ("12", "12.5", "¥1,299.00") to integer fen, exactly: the string is parsed,
 * never multiplied as a float. Returns null when it is not a price.
 */
export function yuanToFen(input: string | number): number | null {
  const s = String(input).trim().replace(/^[¥￥]/, '').replace(/,/g, '').trim();
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** 1234 fen as "12.34" (no currency sign: the export cells re-import as prices). */
export function fenToYuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}
