import { PullToRefresh } from 'antd-mobile';
import type { ReactNode } from 'react';
import { Page } from '../components/Page';
import { ListSkeleton } from '../components/ProductCard';
import { EmptyState, ErrorState } from '../components/States';
import type { ApiError } from '../lib/api';

/** What useLoad hands back, as far as the list frame needs it. */
interface Loaded<T> {
  data: { items: T[] } | null;
  error: ApiError | null;
  reload: () => Promise<void>;
}

interface Props<T> {
  title: string;
  testId: string;
  list: Loaded<T>;
  emptyTitle: string;
  emptyDescription: string;
  /** aria-label of the list. */
  label: string;
  children: (item: T) => ReactNode;
}

/** The frame of 我的砍价 / 我的拼团 / 我的预售: pull to refresh, error, skeleton, empty state, then one card per item. */
export function MyActivityList<T>({ title, testId, list, emptyTitle, emptyDescription, label, children }: Props<T>) {
  const items = list.data?.items ?? [];
  return (
    <Page title={title} back="/me" testId={testId}>
      <PullToRefresh onRefresh={async () => void (await list.reload())}>
        {list.error ? (
          <ErrorState error={list.error} onRetry={list.reload} />
        ) : !list.data ? (
          <ListSkeleton rows={2} />
        ) : items.length === 0 ? (
          <EmptyState title={emptyTitle} description={emptyDescription} />
        ) : (
          <ul className="plain-list" aria-label={label}>
            {items.map(children)}
          </ul>
        )}
      </PullToRefresh>
    </Page>
  );
}
