import { describe, expect, it } from 'vitest';
import { BroadcastBody } from '@siyu/contracts';
import { alphaPerComparison, armTitle, defaultVariants, followBaseVars, newVariant, splitCounts, variantsBody, wilsonInterval, type VariantValues } from './ab';

const nameOf = (l: string) => `方案 ${l}`;

describe('broadcast A/B helpers', () => {
  it('splits the people to send to as the server does, the counts adding up', () => {
    expect(splitCounts(40, [50, 50])).toEqual([20, 20]);
    expect(splitCounts(7, [1, 1, 1])).toEqual([2, 3, 2]);
    expect(splitCounts(10, [70, 30])).toEqual([7, 3]);
    expect(splitCounts(1001, [25, 25, 25, 25]).reduce((s, n) => s + n, 0)).toBe(1001);
    // An emptied weight takes none; nobody to send to gives zeros.
    expect(splitCounts(9, [1, null, 2])).toEqual([3, 0, 6]);
    expect(splitCounts(0, [50, 50])).toEqual([0, 0]);
  });

  it('names arms a–d, taking the first free key, and stops at four', () => {
    const rows = defaultVariants({ activity: '满100减20' }, nameOf);
    expect(rows.map((v) => [v.key, v.name, v.weight, v.vars.activity])).toEqual([['a', '方案 A', 50, '满100减20'], ['b', '方案 B', 50, '满100减20']]);
    const c = newVariant(rows, {}, nameOf)!;
    expect(c.key).toBe('c');
    // After removing b the next one is b again.
    expect(newVariant([rows[0]!, c], {}, nameOf)!.key).toBe('b');
    const d = newVariant([...rows, c], {}, nameOf)!;
    expect(newVariant([...rows, c, d], {}, nameOf)).toBeNull();
  });

  it('sends only what an arm changes, and the contract accepts it', () => {
    const base = { activity: '满100减20', deadline: '周日' };
    const rows: VariantValues[] = [
      { key: 'a', name: ' 减20 ', weight: 50, templateIds: { sms: '' }, vars: { ...base } },
      { key: 'b', name: '减30', weight: 50, templateIds: { sms: '11111111-1111-4111-8111-111111111111', oa_template: 'x' }, vars: { activity: ' 满100减30 ', deadline: '周日' } },
    ];
    const variants = variantsBody(rows, base, ['sms']);
    expect(variants).toEqual([
      { key: 'a', name: '减20', weight: 50, templateIds: {}, vars: {} },
      { key: 'b', name: '减30', weight: 50, templateIds: { sms: '11111111-1111-4111-8111-111111111111' }, vars: { activity: '满100减30' } },
    ]);
    const body = { name: 'AB', audience: { kind: 'all' }, channels: ['sms'], templateIds: { sms: '22222222-2222-4222-8222-222222222222' }, vars: base, variants };
    expect(BroadcastBody.safeParse(body).success).toBe(true);
    // An emptied weight is refused on its own field.
    const empty = BroadcastBody.safeParse({ ...body, variants: variantsBody([rows[0]!, { ...rows[1]!, weight: null }], base, ['sms']) });
    expect(empty.success).toBe(false);
    expect(empty.error!.issues[0]!.path).toEqual(['variants', 1, 'weight']);
  });

  it('arms follow a change of the broadcast’s value unless they were changed', () => {
    const rows = defaultVariants({ activity: '满100减20' }, nameOf);
    rows[1]!.vars.activity = '满100减30';
    const next = followBaseVars(rows, { activity: '满100减20' }, { activity: '满200减40', deadline: '周日' })!;
    expect(next.map((v) => v.vars)).toEqual([{ activity: '满200减40', deadline: '周日' }, { activity: '满100减30', deadline: '周日' }]);
    expect(followBaseVars(rows, { activity: 'x' }, { activity: 'x' })).toBeNull();
  });

  it('titles an arm by its letter and its name, once', () => {
    expect(armTitle('方案 B', ' 减30 ')).toBe('方案 B · 减30');
    expect(armTitle('方案 A', '方案 A')).toBe('方案 A');
    expect(armTitle('方案 C', '')).toBe('方案 C');
  });

  it('gives the Wilson interval and the confidence per comparison', () => {
    const ci = wilsonInterval(2, 20)!;
    expect(ci.lower).toBeCloseTo(0.0279, 3);
    expect(ci.upper).toBeCloseTo(0.3010, 3);
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(wilsonInterval(0, 10)!.lower).toBe(0);
    expect(alphaPerComparison(2)).toBe(0.05);
    expect(alphaPerComparison(3)).toBe(0.025);
  });
});
