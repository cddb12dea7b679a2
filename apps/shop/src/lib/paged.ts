import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorMessage } from './api';
import type { Paged } from './types';

/**
 * A list that loads page by page (InfiniteScroll). `reset()` starts over (pull-to-refresh, filter change).
 * Pages come back in order even if an older request answers late.
 */
export function usePaged<T>(fetchPage: (page: number) => Promise<Paged<T>>, deps: unknown[]) {
  const [items, setItems] = useState<T[]>([]);
  const [page, setPage] = useState(0);
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [initialLoading, setInitialLoading] = useState(true);
  const gen = useRef(0);
  const busy = useRef(false);

  // eslint-disable-next-line react-hooks/exhaustive-deps
  const fetcher = useCallback(fetchPage, deps);

  const load = useCallback(
    async (next: number, mine: number) => {
      busy.current = true;
      try {
        const res = await fetcher(next);
        if (mine !== gen.current) return;
        setItems((prev) => (next === 1 ? res.items : [...prev, ...res.items]));
        setPage(next);
        setTotal(res.total);
        setError(null);
      } catch (err) {
        if (mine !== gen.current) return;
        setError(err instanceof ApiError ? err : new ApiError(0, 'UNKNOWN', errorMessage(err)));
        throw err;
      } finally {
        if (mine === gen.current) {
          busy.current = false;
          setInitialLoading(false);
        }
      }
    },
    [fetcher],
  );

  const reset = useCallback(async () => {
    const mine = ++gen.current;
    setInitialLoading(true);
    setItems([]);
    setPage(0);
    setTotal(null);
    await load(1, mine).catch(() => undefined);
  }, [load]);

  useEffect(() => {
    void reset();
  }, [reset]);

  const hasMore = total === null ? false : items.length < total && !error;
  const loadMore = useCallback(async () => {
    if (busy.current) return;
    await load(page + 1, gen.current);
  }, [load, page]);

  return { items, setItems, total, error, initialLoading, hasMore, loadMore, reset };
}
