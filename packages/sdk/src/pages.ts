import type { LocationLike } from './env.js';
import type { Properties, Tracker } from './types.js';

export interface Where {
  pathname: string;
  search?: string;
}

/**
 * Returns a function to call on every route change (e.g. from a useEffect on react-router's location):
 * it records a page view when the path or query differs from the last one, so re-renders, React's
 * development double effects and repeated router notifications count once.
 */
export function pageViewer(tracker: Pick<Tracker, 'page'>): (where: Where, properties?: Properties) => void {
  let last: string | null = null;
  return (where, properties) => {
    const key = `${where.pathname}${where.search ?? ''}`;
    if (key === last) return;
    last = key;
    tracker.page(properties);
  };
}

/** history (v4/v5) has listen; react-router's data routers have subscribe. */
export interface HistoryLike {
  listen?(listener: (...args: never[]) => void): () => void;
  subscribe?(listener: (...args: never[]) => void): () => void;
}

/**
 * Records a page view now and after every navigation of `history`; returns the unsubscribe function.
 * The page is read from `location` (window.location by default) after the change, whatever the
 * notification's arguments look like.
 */
export function trackPages(tracker: Pick<Tracker, 'page'>, history: HistoryLike, location?: LocationLike | null): () => void {
  const loc = location === undefined ? ((globalThis as { location?: LocationLike }).location ?? null) : location;
  const view = pageViewer(tracker);
  const fire = () => {
    if (loc) view({ pathname: loc.pathname, search: loc.search });
  };
  fire();
  if (typeof history.listen === 'function') return history.listen(fire);
  if (typeof history.subscribe === 'function') return history.subscribe(fire);
  return () => {};
}
