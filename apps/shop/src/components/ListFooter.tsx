import { DotLoading, InfiniteScroll } from 'antd-mobile';

/** InfiniteScroll with Chinese copy: 加载中 / 没有更多了. */
export function ListFooter({ hasMore, loadMore, count }: { hasMore: boolean; loadMore: () => Promise<void>; count: number }) {
  return (
    <InfiniteScroll loadMore={loadMore} hasMore={hasMore} threshold={200}>
      {(more, failed, retry) =>
        failed ? (
          <button type="button" className="link-btn" onClick={() => void retry()}>
            加载失败,点击重试
          </button>
        ) : more ? (
          <span>
            加载中
            <DotLoading />
          </span>
        ) : count > 0 ? (
          <span>— 没有更多了 —</span>
        ) : null
      }
    </InfiniteScroll>
  );
}
