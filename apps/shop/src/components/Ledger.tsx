import { Button, PullToRefresh, Skeleton } from 'antd-mobile';
import { useState, type ReactNode } from 'react';
import type { ApiError } from '../lib/api';
import { toastError } from '../lib/hooks';
import { ErrorState } from './States';

export interface LedgerPages<T> {
  items: T[];
  hasMore: boolean;
  moreLoading: boolean;
  loadMore: () => Promise<void>;
  reset: () => void;
  pageSize: number;
}

/**
 * A ledger read newest first: the first page comes with the page's own load, older pages are fetched
 * with 加载更多 and kept apart, so a refresh of the first page (call `reset`) starts over cleanly.
 */
export function useLedgerPages<T extends { id: number }>(first: T[] | undefined, fetchOlder: (beforeId: number) => Promise<T[]>, pageSize: number): LedgerPages<T> {
  const [older, setOlder] = useState<{ items: T[]; done: boolean }>({ items: [], done: false });
  const [moreLoading, setMoreLoading] = useState(false);

  const items = [...(first ?? []), ...older.items];
  const hasMore = !!first && first.length === pageSize && !older.done;

  const reset = () => setOlder({ items: [], done: false });

  const loadMore = async () => {
    const last = items[items.length - 1];
    if (!last || moreLoading) return;
    setMoreLoading(true);
    try {
      const page = await fetchOlder(last.id);
      setOlder((o) => ({ items: [...o.items, ...page], done: page.length < pageSize }));
    } catch (err) {
      toastError(err);
    } finally {
      setMoreLoading(false);
    }
  };

  return { items, hasMore, moreLoading, loadMore, reset, pageSize };
}

/** A wallet page's body under pull-to-refresh: the error, a skeleton until `data` arrives, then `children(data)`. */
export function LedgerPageBody<D>({ data, error, onRetry, onRefresh, children }: { data: D | null | undefined; error: ApiError | null; onRetry: () => void; onRefresh: () => Promise<unknown>; children: (data: D) => ReactNode }) {
  return (
    <PullToRefresh onRefresh={onRefresh}>
      {error && !data ? (
        <ErrorState error={error} onRetry={onRetry} />
      ) : !data ? (
        <div className="card">
          <Skeleton.Title animated />
          <Skeleton.Paragraph lineCount={4} animated />
        </div>
      ) : (
        children(data)
      )}
    </PullToRefresh>
  );
}

/** The big number at the top of a wallet page (当前积分, 当前余额), with what goes under it. */
export function LedgerHero({ className, ariaLabel, label, value, valueTestId, children }: { className?: string; ariaLabel: string; label: string; value: ReactNode; valueTestId: string; children?: ReactNode }) {
  return (
    <section className={className ? `points-hero ${className}` : 'points-hero'} aria-label={ariaLabel}>
      <div className="points-hero-label">{label}</div>
      <div className="points-balance" data-testid={valueTestId}>
        {value}
      </div>
      {children}
    </section>
  );
}

/**
 * The 明细 card: a heading, the postings (or an empty note), and 加载更多 / 没有更多了.
 * `name` makes the ids: <name>-ledger-title, <name>-ledger, <name>-ledger-empty, <name>-load-more.
 * `error`/`onRetry`/`loading` are for a ledger loaded apart from the page's own data.
 */
export function LedgerSection<T extends { id: number }>({
  name,
  title,
  pages,
  emptyText,
  renderItem,
  error,
  onRetry,
  loading,
}: {
  name: string;
  title: string;
  pages: LedgerPages<T>;
  emptyText: string;
  renderItem: (item: T) => ReactNode;
  error?: ApiError | null;
  onRetry?: () => void;
  loading?: boolean;
}) {
  const { items, hasMore, moreLoading, loadMore, pageSize } = pages;
  return (
    <section className="card" aria-labelledby={`${name}-ledger-title`}>
      <h2 id={`${name}-ledger-title`} className="card-title pts-h">
        {title}
      </h2>
      {error && onRetry ? (
        <ErrorState error={error} onRetry={onRetry} />
      ) : loading ? (
        <Skeleton.Paragraph lineCount={3} animated />
      ) : items.length === 0 ? (
        <p className="muted center-pad" data-testid={`${name}-ledger-empty`}>
          {emptyText}
        </p>
      ) : (
        <ul className="plain-list" data-testid={`${name}-ledger`}>
          {items.map(renderItem)}
        </ul>
      )}
      {hasMore ? (
        <Button block fill="none" className="points-more" loading={moreLoading} onClick={loadMore} data-testid={`${name}-load-more`}>
          加载更多
        </Button>
      ) : (
        items.length > pageSize - 1 && <p className="small muted center-pad">— 没有更多了 —</p>
      )}
    </section>
  );
}
