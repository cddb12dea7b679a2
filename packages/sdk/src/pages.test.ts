import { describe, expect, it } from 'vitest';
import { FakeLocation } from './fakes.js';
import { pageViewer, trackPages } from './pages.js';
import type { Properties } from './types.js';

function recorder() {
  const pages: (Properties | undefined)[] = [];
  return { pages, page: (p?: Properties) => void pages.push(p) };
}

describe('pageViewer', () => {
  it('records a view per distinct path and query, once', () => {
    const r = recorder();
    const view = pageViewer(r);
    view({ pathname: '/s/demo/' });
    view({ pathname: '/s/demo/', search: '' });
    view({ pathname: '/s/demo/search', search: '?q=tea' });
    view({ pathname: '/s/demo/search', search: '?q=tea' });
    view({ pathname: '/s/demo/search', search: '?q=milk' }, { from: 'history' });
    view({ pathname: '/s/demo/' });
    expect(r.pages).toEqual([undefined, undefined, { from: 'history' }, undefined]);
  });
});

describe('trackPages', () => {
  it('records the current page and each navigation of a history', () => {
    const r = recorder();
    const loc = new FakeLocation('https://x.test/s/demo/');
    const listeners: (() => void)[] = [];
    const history = {
      listen(fn: () => void) {
        listeners.push(fn);
        return () => void listeners.splice(listeners.indexOf(fn), 1);
      },
    };
    const stop = trackPages(r, history, loc);
    expect(r.pages).toHaveLength(1);
    loc.go('https://x.test/s/demo/cart');
    listeners.forEach((f) => f());
    listeners.forEach((f) => f());
    expect(r.pages).toHaveLength(2);
    stop();
    expect(listeners).toHaveLength(0);
  });

  it('works with a router that has subscribe instead of listen', () => {
    const r = recorder();
    const loc = new FakeLocation('https://x.test/a');
    let notify = () => {};
    trackPages(r, { subscribe: (fn: () => void) => ((notify = fn), () => {}) }, loc);
    loc.go('https://x.test/b');
    notify();
    expect(r.pages).toHaveLength(2);
  });
});
