import { Button, Skeleton } from 'antd-mobile';
import { useEffect, useState, type ReactNode } from 'react';
import { ErrorState } from '../../components/States';
import { api, type ApiError } from '../../lib/api';
import { useLoad } from '../../lib/hooks';

const PAGE_SIZE = 20;

/** A list read 20 rows a page; `rows` holds every page read so far, `more` whether there is another. */
export function usePagedRows<T>(path: string) {
  const [page, setPage] = useState(1);
  const [rows, setRows] = useState<T[]>([]);
  const list = useLoad(() => api<{ items: T[]; total?: number }>('GET', path, { query: { page, pageSize: PAGE_SIZE } }), [page]);
  useEffect(() => {
    if (list.data) setRows((r) => (page === 1 ? list.data!.items : [...r, ...list.data!.items]));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [list.data]);
  const more = list.data ? (list.data.total !== undefined ? rows.length < list.data.total : list.data.items.length === PAGE_SIZE) : false;
  return {
    rows,
    more,
    loading: list.loading,
    loadMore: () => setPage((p) => p + 1),
    // Only the first page decides between the error, the skeleton and the list.
    error: page === 1 ? list.error : null,
    loaded: !!list.data || page !== 1,
    reload: list.reload,
  };
}

interface Props<T> {
  /** aria-label of the section; omit when the list sits inside a section of its own. */
  label?: string;
  testId?: string;
  /** Shown above the list in every state (tabs, a title). */
  head?: ReactNode;
  error: ApiError | null;
  onRetry: () => void;
  loaded: boolean;
  items: T[];
  empty: ReactNode;
  skeletonLines?: number;
  /** A 加载更多 button under the list. */
  more?: { shown: boolean; loading: boolean; onMore: () => void };
  children: (item: T, i: number) => ReactNode;
}

/** A card of rows in the 推广中心 / 团长中心 tabs: error, skeleton, empty state, then the list (and 加载更多). */
export function ListCard<T>({ label, testId, head, error, onRetry, loaded, items, empty, skeletonLines = 3, more, children }: Props<T>) {
  const body = error ? (
    <ErrorState error={error} onRetry={onRetry} />
  ) : !loaded ? (
    <Skeleton.Paragraph lineCount={skeletonLines} animated />
  ) : items.length === 0 ? (
    empty
  ) : (
    <>
      <ul className="plain-list">{items.map(children)}</ul>
      {more?.shown && (
        <Button block fill="none" size="small" loading={more.loading} onClick={more.onMore}>
          加载更多
        </Button>
      )}
    </>
  );
  return (
    <section className="card" aria-label={label} data-testid={testId}>
      {head}
      {body}
    </section>
  );
}
