import type { TextLang } from './order-texts.js';

export interface GoodsSummary {
  /** Kinds of goods (order lines) in all. */
  kinds: number;
  /** Kinds besides the first line, the one the summary names. */
  others: number;
  /** Units over every line. */
  units: number;
}

export function summarizeGoods(items: { quantity: number }[]): GoodsSummary {
  return { kinds: items.length, others: Math.max(0, items.length - 1), units: items.reduce((n, i) => n + i.quantity, 0) };
}

/**
 * The line under an order's first item: "红色 等 3 种 × 5" / "Red + 2 more × 5". Chinese counts every kind
 * (等 N 种 includes the one named); English counts the others ("+ 2 more" beside the one named).
 */
export function goodsSummaryText(items: { specText: string; quantity: number }[], lang: TextLang): string {
  if (!items.length) return '';
  const s = summarizeGoods(items);
  const spec = items[0].specText.trim();
  const more = s.others === 0 ? '' : lang === 'zh' ? `等 ${s.kinds} 种` : `+ ${s.others} more`;
  return [spec, more, `× ${s.units}`].filter(Boolean).join(' ');
}
