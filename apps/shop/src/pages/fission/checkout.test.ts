import { describe, expect, it, vi } from 'vitest';

// The draft's modules read the shop's address and the browser when they load; here there is no page.
vi.stubGlobal('window', { location: { pathname: '/s/demo/', hostname: 'localhost', protocol: 'http:' } });
vi.stubGlobal('navigator', { userAgent: 'node' });
const { fissionBody, fissionNote } = await import('./checkout');

describe('fission checkout draft', () => {
  it('sends the group buy and the group, never the note-only tier', () => {
    expect(fissionBody({ groupBuy: { groupBuyId: 'g', groupId: 'x', firstTier: 2 } })).toEqual({ groupBuy: { groupBuyId: 'g', groupId: 'x' } });
    expect(fissionBody({ groupBuy: { groupBuyId: 'g', firstTier: 2 } })).toEqual({ groupBuy: { groupBuyId: 'g' } });
    expect(fissionBody(null)).toEqual({});
  });

  it('explains a 阶梯团 order apart from a plain group buy', () => {
    expect(fissionNote({ groupBuy: { groupBuyId: 'g', groupId: 'x', firstTier: 2 } })).toContain('按 2 人团价支付');
    expect(fissionNote({ groupBuy: { groupBuyId: 'g', firstTier: 3 } })).toContain('退差价');
    expect(fissionNote({ groupBuy: { groupBuyId: 'g', groupId: 'x' } })).toContain('成团后发货');
    expect(fissionNote({ bargainLaunchId: 'b' })).toBe('砍价订单:按砍后价格购买');
    expect(fissionNote(null)).toBeNull();
  });
});
