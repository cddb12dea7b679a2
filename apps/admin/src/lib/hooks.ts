import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { api, type Query } from './api';

/**
 * Lets `useApi` tell the page around it that a first load started; the page's gate (PageGate) shows a
 * skeleton until every first load it saw has answered. Returns the call that says "answered".
 */
type BeginFirstLoad = () => () => void;
export const FirstLoadContext = createContext<BeginFirstLoad | null>(null);

/** GETs `path` (null = not yet) whenever path or query change; `reload` fetches again. */
export function useApi<T>(path: string | null, query?: Query) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const key = path === null ? null : path + JSON.stringify(query ?? {});
  const queryRef = useRef(query);
  queryRef.current = query;
  const hasData = useRef(false);
  hasData.current = data !== null;
  const beginFirstLoad = useContext(FirstLoadContext);

  useEffect(() => {
    if (key === null || path === null) return;
    const ctl = new AbortController();
    // Only the load that brings the first data holds the page back; later ones show in place (table spinners).
    const answered = hasData.current ? undefined : beginFirstLoad?.();
    setLoading(true);
    setError(null);
    api
      .get<T>(path, queryRef.current, { signal: ctl.signal })
      .then((d) => setData(d))
      .catch((e: Error) => {
        if (e.name !== 'AbortError') setError(e);
      })
      .finally(() => {
        if (!ctl.signal.aborted) setLoading(false);
        answered?.();
      });
    return () => {
      ctl.abort();
      answered?.();
    };
  }, [key, tick]); // eslint-disable-line react-hooks/exhaustive-deps

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload, setData };
}

/** A load that starts within this long after the last one answered (a load that needs the first one's data) still counts as first. */
const SETTLE_MS = 40;
/** Loads quicker than this never flash a skeleton. */
const SKELETON_AFTER_MS = 120;

/**
 * The state behind PageGate: open once every first load started while it was closed has answered (and
 * nothing new started for SETTLE_MS), or at once when the page started none. Once open it stays open:
 * a dialog's or a filter's load later shows in its own place, not as the whole page again.
 */
export function usePageGate() {
  const [open, setOpen] = useState(false);
  const [slow, setSlow] = useState(false);
  const openRef = useRef(false);
  const pending = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const check = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    if (openRef.current || pending.current > 0) return;
    timer.current = setTimeout(() => {
      if (pending.current > 0) return;
      openRef.current = true;
      setOpen(true);
    }, SETTLE_MS);
  }, []);

  const begin = useCallback<BeginFirstLoad>(() => {
    if (openRef.current) return () => undefined;
    pending.current++;
    if (timer.current) clearTimeout(timer.current);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      pending.current--;
      check();
    };
  }, [check]);

  useEffect(() => {
    // Runs after the page's own effects, so its first loads have begun by now.
    check();
    const t = setTimeout(() => setSlow(true), SKELETON_AFTER_MS);
    return () => {
      clearTimeout(t);
      if (timer.current) clearTimeout(timer.current);
    };
  }, [check]);

  return { open, showSkeleton: !open && slow, begin };
}
