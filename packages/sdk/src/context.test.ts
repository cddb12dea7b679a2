import { describe, expect, it } from 'vitest';
import { ATTRIBUTION_KEY, attributionOf, captureAttribution, pageContext, storedAttribution } from './context.js';
import { MemoryStorage } from './fakes.js';
import { SafeStorage } from './storage.js';

describe('attributionOf', () => {
  it('reads utm_* into a campaign', () => {
    expect(attributionOf('?utm_source=wx&utm_medium=cpc&utm_campaign=618&utm_term=tea&utm_content=a')).toEqual({
      campaign: { source: 'wx', medium: 'cpc', name: '618', term: 'tea', content: 'a' },
    });
    expect(attributionOf('utm_source=wx')).toEqual({ campaign: { source: 'wx' } });
  });

  it('maps channel, scene and share_by to a channel, channel first', () => {
    expect(attributionOf('?scene=store_a').channel).toBe('qr:store_a');
    expect(attributionOf('?share_by=c1').channel).toBe('share');
    expect(attributionOf('?channel=poster&share_by=c1').channel).toBe('poster');
    expect(attributionOf('?scene=%E9%97%A8%E5%BA%97').channel).toBe('qr:门店');
  });

  it('ignores empty values and cuts long ones', () => {
    expect(attributionOf('?utm_source=&scene=%20')).toEqual({});
    expect(attributionOf(`?utm_source=${'a'.repeat(500)}`).campaign?.source).toHaveLength(200);
    expect(attributionOf('')).toEqual({});
  });
});

describe('captureAttribution', () => {
  it('keeps the landing values until a URL brings new ones, campaign and channel apart', () => {
    const s = new MemoryStorage();
    captureAttribution('?utm_source=a&scene=s1', s);
    captureAttribution('?q=tea', s);
    expect(storedAttribution(s)).toEqual({ campaign: { source: 'a' }, channel: 'qr:s1' });
    captureAttribution('?share_by=x', s);
    expect(storedAttribution(s)).toEqual({ campaign: { source: 'a' }, channel: 'share' });
    captureAttribution('?utm_medium=m', s);
    expect(storedAttribution(s)).toEqual({ campaign: { medium: 'm' }, channel: 'share' });
  });

  it('survives broken or unwritable storage', () => {
    const s = new MemoryStorage();
    s.map.set(ATTRIBUTION_KEY, 'nope');
    expect(storedAttribution(s)).toEqual({});
    s.failWrites = true;
    expect(() => captureAttribution('?scene=a', s)).not.toThrow();
    const mem = new SafeStorage(s);
    captureAttribution('?scene=a', mem);
    expect(storedAttribution(mem)).toEqual({ channel: 'qr:a' });
  });
});

describe('pageContext', () => {
  it('drops the fragment and tolerates a missing page', () => {
    expect(pageContext({ href: 'https://x.test/a?b=1#c', pathname: '/a', search: '?b=1' }, { title: 'T', referrer: 'R' })).toEqual({
      path: '/a',
      url: 'https://x.test/a?b=1',
      title: 'T',
      referrer: 'R',
      search: '?b=1',
    });
    expect(pageContext(null, null)).toEqual({ path: '', url: '', title: '', referrer: '', search: '' });
  });
});
