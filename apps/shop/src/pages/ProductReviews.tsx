import { Button, DotLoading, Rate } from 'antd-mobile';
import { RightOutline } from 'antd-mobile-icons';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Page } from '../components/Page';
import { EmptyState, ErrorState } from '../components/States';
import { ApiError, api, errorMessage } from '../lib/api';
import { dateTime } from '../lib/format';
import { useLoad } from '../lib/hooks';
import './retention.css';

export interface ProductReview {
  id: string;
  rating: number;
  content: string;
  authorName: string;
  specText: string;
  createdAt: string;
}

interface ReviewPage {
  summary: { count: number; average: number | null; byRating: Record<string, number>; goodRate: number | null };
  items: ProductReview[];
  total: number;
  page: number;
  pageSize: number;
}

function ReviewItem({ r }: { r: ProductReview }) {
  return (
    <li className="rv-item" data-testid="review-item">
      <div className="rv-head">
        <span>{r.authorName}</span>
        <Rate readOnly value={r.rating} style={{ '--star-size': '12px' } as React.CSSProperties} aria-label={`${r.rating} 星`} />
        <span className="small muted grow" style={{ textAlign: 'right' }}>
          {dateTime(r.createdAt).slice(0, 10)}
        </span>
      </div>
      {r.specText && <div className="small muted">{r.specText}</div>}
      <p className="rv-content">{r.content || <span className="muted">用户只打了分,没有写评价</span>}</p>
    </li>
  );
}

function Summary({ s }: { s: ReviewPage['summary'] }) {
  return (
    <div className="rv-summary" data-testid="review-summary">
      <span className="rv-average" aria-label={`平均 ${s.average ?? 0} 分`}>
        {s.average?.toFixed(1)}
      </span>
      <Rate readOnly allowHalf value={s.average ?? 0} style={{ '--star-size': '14px' } as React.CSSProperties} aria-hidden />
      <span className="small muted">
        {s.count} 条评价{s.goodRate !== null ? ` · 好评率 ${s.goodRate}%` : ''}
      </span>
    </div>
  );
}

/** On the product page: the average, how many, and the newest three, with a link to all of them. */
export function ReviewsSection({ productId }: { productId: string }) {
  const { data, error } = useLoad(() => api<ReviewPage>('GET', `/products/${encodeURIComponent(productId)}/reviews`, { query: { pageSize: 3 } }), [productId]);
  if (error || !data) return null;
  return (
    <section className="card" aria-labelledby="pd-reviews-title" style={{ margin: '10px 0 0', borderRadius: 0 }} data-testid="product-reviews">
      <div className="card-title">
        <h3 id="pd-reviews-title" style={{ fontSize: 15, margin: 0 }}>
          商品评价{data.summary.count > 0 ? `(${data.summary.count})` : ''}
        </h3>
        {data.summary.count > 0 && (
          <Link to={`/products/${encodeURIComponent(productId)}/reviews`} className="small link-btn" style={{ padding: 0 }} data-testid="product-reviews-all">
            查看全部
            <RightOutline aria-hidden fontSize={12} />
          </Link>
        )}
      </div>
      {data.summary.count === 0 ? (
        <p className="small muted" style={{ margin: 0 }}>
          暂无评价,买过的顾客完成订单后可以评价
        </p>
      ) : (
        <>
          <Summary s={data.summary} />
          <ul className="plain-list">
            {data.items.map((r) => (
              <ReviewItem key={r.id} r={r} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

const PAGE_SIZE = 10;

/** Every visible review of a product, newest first, by star. */
export default function ProductReviews() {
  const { id = '' } = useParams();
  const [rating, setRating] = useState<number | null>(null);
  const [pages, setPages] = useState<ReviewPage[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(
    async (page: number) => {
      setLoading(true);
      try {
        const r = await api<ReviewPage>('GET', `/products/${encodeURIComponent(id)}/reviews`, { query: { page, pageSize: PAGE_SIZE, rating: rating ?? undefined } });
        setPages((p) => (page === 1 ? [r] : [...p, r]));
        setError(null);
      } catch (err) {
        setError(err instanceof ApiError ? err : new ApiError(0, 'UNKNOWN', errorMessage(err)));
      } finally {
        setLoading(false);
      }
    },
    [id, rating],
  );
  useEffect(() => {
    setPages([]);
    void load(1);
  }, [load]);

  const first = pages[0];
  const items = pages.flatMap((p) => p.items);
  const more = first ? items.length < first.total : false;

  return (
    <Page title="商品评价" back testId="page-product-reviews">
      {error && !first ? (
        <ErrorState error={error} onRetry={() => void load(1)} />
      ) : (
        <>
          {first && (
            <div className="card">
              <Summary s={first.summary} />
            </div>
          )}
          <div className="rv-filters" role="group" aria-label="按评分筛选">
            {[null, 5, 4, 3, 2, 1].map((n) => (
              <button key={n ?? 'all'} type="button" aria-pressed={rating === n} onClick={() => setRating(n)} data-testid={`review-filter-${n ?? 'all'}`}>
                {n === null ? '全部' : `${n} 星${first ? ` ${first.summary.byRating[n] ?? 0}` : ''}`}
              </button>
            ))}
          </div>
          <section className="card" aria-label="评价列表">
            {!first ? (
              <div className="center-pad">
                <DotLoading color="primary" />
              </div>
            ) : items.length === 0 ? (
              <EmptyState title="暂无评价" />
            ) : (
              <ul className="plain-list" data-testid="review-list">
                {items.map((r) => (
                  <ReviewItem key={r.id} r={r} />
                ))}
              </ul>
            )}
            {more && (
              <Button block fill="none" loading={loading} onClick={() => void load(pages.length + 1)} data-testid="review-more">
                加载更多
              </Button>
            )}
          </section>
        </>
      )}
    </Page>
  );
}
