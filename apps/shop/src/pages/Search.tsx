import { Skeleton } from 'antd-mobile';
import { DeleteOutline, SearchOutline } from 'antd-mobile-icons';
import { useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { ListFooter } from '../components/ListFooter';
import { Page } from '../components/Page';
import { ProductCard } from '../components/ProductCard';
import { EmptyState, ErrorState } from '../components/States';
import { api } from '../lib/api';
import { usePaged } from '../lib/paged';
import { shopSlug } from '../lib/shop';
import { track } from '../lib/tracking';
import type { Paged, ProductSummary } from '../lib/types';

const HISTORY_KEY = `siyu:shop:${shopSlug}:search-history`;
const SORTS = [
  { key: '-created', label: '综合' },
  { key: '-sales', label: '销量' },
  { key: 'price', label: '价格↑' },
  { key: '-price', label: '价格↓' },
] as const;

function readHistory(): string[] {
  try {
    return JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]') as string[];
  } catch {
    return [];
  }
}

export default function Search() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const sort = params.get('sort') ?? '-created';
  const [draft, setDraft] = useState(q);
  const [history, setHistory] = useState(readHistory);

  const submit = (text: string) => {
    const t = text.trim();
    if (!t) return;
    const next = [t, ...history.filter((h) => h !== t)].slice(0, 10);
    setHistory(next);
    try {
      localStorage.setItem(HISTORY_KEY, JSON.stringify(next));
    } catch {
      /* history is a convenience */
    }
    setDraft(t);
    setParams({ q: t, sort }, { replace: true });
  };

  // Recorded from the first page's answer (the total is known there), once per query: re-sorting is not a new search.
  const searched = useRef<string | null>(null);
  const list = usePaged(
    (page) =>
      q
        ? api<Paged<ProductSummary>>('GET', '/products', { query: { q, sort, page, pageSize: 10 } }).then((r) => {
            if (page === 1 && searched.current !== q) {
              searched.current = q;
              track('products_searched', { query: q, results: r.total });
            }
            return r;
          })
        : Promise.resolve({ items: [], total: 0, page: 1, pageSize: 10 }),
    [q, sort],
  );

  return (
    <Page title="搜索" back testId="page-search">
      <form
        role="search"
        style={{ background: '#fff', padding: '8px 12px' }}
        onSubmit={(e) => {
          e.preventDefault();
          submit(draft);
        }}
      >
        <div className="searchbox">
          <SearchOutline aria-hidden />
          <input
            type="search"
            enterKeyHint="search"
            placeholder="搜索店内商品"
            aria-label="搜索店内商品"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            autoFocus={!q}
            maxLength={100}
            data-testid="search-input"
          />
          <button type="submit" className="searchbox-go" data-testid="search-submit">
            搜索
          </button>
        </div>
      </form>
      {!q ? (
        history.length > 0 && (
          <section className="card" aria-label="搜索历史">
            <div className="card-title">
              <span>搜索历史</span>
              <button
                type="button"
                className="nav-back"
                aria-label="清空搜索历史"
                onClick={() => {
                  setHistory([]);
                  localStorage.removeItem(HISTORY_KEY);
                }}
              >
                <DeleteOutline aria-hidden />
              </button>
            </div>
            <div className="cat-chips" style={{ padding: 0 }}>
              {history.map((h) => (
                <button key={h} type="button" className="chip" onClick={() => submit(h)}>
                  {h}
                </button>
              ))}
            </div>
          </section>
        )
      ) : (
        <>
          <div className="sort-tabs" role="group" aria-label="排序">
            {SORTS.map((s) => (
              <button key={s.key} type="button" aria-pressed={sort === s.key} onClick={() => setParams({ q, sort: s.key }, { replace: true })}>
                {s.label}
              </button>
            ))}
          </div>
          {list.initialLoading ? (
            <div className="card">
              <Skeleton.Paragraph lineCount={5} animated />
            </div>
          ) : list.error && !list.items.length ? (
            <ErrorState error={list.error} onRetry={list.reset} />
          ) : list.items.length === 0 ? (
            <EmptyState title={`没有找到“${q}”相关的商品`} description="换个关键词试试" />
          ) : (
            <div className="grid2" data-testid="search-results">
              {list.items.map((p) => (
                <ProductCard key={p.id} p={p} />
              ))}
            </div>
          )}
          <ListFooter hasMore={list.hasMore} loadMore={list.loadMore} count={list.items.length} />
        </>
      )}
    </Page>
  );
}
