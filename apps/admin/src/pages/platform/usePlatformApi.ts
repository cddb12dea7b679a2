import { useCallback, useEffect, useState } from 'react';
import type { Query } from '../../lib/api';
import { platformApi } from '../../lib/platform-api';

/** GETs a platform path whenever it or the query change; `reload` fetches again. */
export function usePlatformApi<T>(path: string, query?: Query) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const key = path + JSON.stringify(query ?? {});
  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    platformApi
      .get<T>(path, query)
      .then((d) => live && setData(d))
      .catch((e: Error) => live && setError(e))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [key, tick]); // eslint-disable-line react-hooks/exhaustive-deps
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}
