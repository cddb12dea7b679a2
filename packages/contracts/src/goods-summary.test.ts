import { describe, expect, it } from 'vitest';
import { goodsSummaryText, summarizeGoods } from './goods-summary.js';

const line = (specText: string, quantity: number) => ({ specText, quantity });

describe('order goods summary', () => {
  it('counts the other kinds beside the one it names, and every unit', () => {
    expect(summarizeGoods([line('红色', 1), line('蓝色', 2), line('绿色', 2)])).toEqual({ kinds: 3, others: 2, units: 5 });
    expect(goodsSummaryText([line('红色', 1), line('蓝色', 2), line('绿色', 2)], 'en')).toBe('红色 + 2 more × 5');
    expect(goodsSummaryText([line('红色', 1), line('蓝色', 2), line('绿色', 2)], 'zh')).toBe('红色 等 3 种 × 5');
  });

  it('says nothing about other kinds when there is one line', () => {
    expect(goodsSummaryText([line('红色', 3)], 'en')).toBe('红色 × 3');
    expect(goodsSummaryText([line('红色', 3)], 'zh')).toBe('红色 × 3');
    expect(summarizeGoods([line('红色', 3)]).others).toBe(0);
  });

  it('two lines are one other kind, not two', () => {
    expect(goodsSummaryText([line('红色', 1), line('蓝色', 1)], 'en')).toBe('红色 + 1 more × 2');
    expect(goodsSummaryText([line('', 1), line('蓝色', 1)], 'zh')).toBe('等 2 种 × 2');
  });

  it('an order with no lines has no summary', () => {
    expect(goodsSummaryText([], 'en')).toBe('');
    expect(summarizeGoods([])).toEqual({ kinds: 0, others: 0, units: 0 });
  });
});
