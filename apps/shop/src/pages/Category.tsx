import { Skeleton } from 'antd-mobile';
import { SearchOutline } from 'antd-mobile-icons';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { ListFooter } from '../components/ListFooter';
import { Page } from '../components/Page';
import { ProductRow } from '../components/ProductCard';
import { EmptyState, ErrorState } from '../components/States';
import { api } from '../lib/api';
import { useLoad } from '../lib/hooks';
import { usePaged } from '../lib/paged';
import type { Category as Cat, Paged, ProductSummary } from '../lib/types';

export default function Category() {
  const { id } = useParams();
  const navigate = useNavigate();
  const cats = useLoad(() => api<{ items: Cat[] }>('GET', '/categories'), []);
  const tree = cats.data?.items ?? [];
  const top = tree.find((c) => c.id === id || c.children.some((k) => k.id === id)) ?? tree[0] ?? null;
  const [child, setChild] = useState<string | null>(() => (id && top && top.id !== id ? id : null));
  const categoryId = child ?? top?.id;

  const list = usePaged(
    (page) =>
      categoryId
        ? api<Paged<ProductSummary>>('GET', '/products', { query: { page, pageSize: 10, categoryId } })
        : Promise.resolve({ items: [], total: 0, page: 1, pageSize: 10 }),
    [categoryId],
  );

  return (
    <Page title="全部分类" tabbar testId="page-category">
      <div style={{ background: '#fff', padding: '8px 12px' }}>
        <button type="button" className="home-search" style={{ background: '#f2f3f5' }} onClick={() => navigate('/search')}>
          <SearchOutline aria-hidden /> 搜索店内商品
        </button>
      </div>
      {cats.error ? (
        <ErrorState error={cats.error} onRetry={cats.reload} />
      ) : cats.loading && !cats.data ? (
        <div className="card">
          <Skeleton.Paragraph lineCount={6} animated />
        </div>
      ) : tree.length === 0 ? (
        <EmptyState title="暂无分类" description="商家还没有设置商品分类" />
      ) : (
        <div className="cat-layout">
          <nav className="cat-side" aria-label="一级分类">
            <ul>
              {tree.map((c) => (
                <li key={c.id}>
                  <button
                    type="button"
                    aria-current={c.id === top?.id ? 'true' : undefined}
                    className={c.id === top?.id ? 'on' : ''}
                    onClick={() => {
                      setChild(null);
                      navigate(`/category/${c.id}`, { replace: true });
                    }}
                    data-testid="category-item"
                  >
                    {c.name}
                  </button>
                </li>
              ))}
            </ul>
          </nav>
          <section className="cat-main" aria-label={top?.name ?? '商品'}>
            {top && top.children.length > 0 && (
              <div className="cat-chips" role="group" aria-label="二级分类">
                <button type="button" className="chip" aria-pressed={!child} onClick={() => setChild(null)}>
                  全部
                </button>
                {top.children.map((k) => (
                  <button key={k.id} type="button" className="chip" aria-pressed={child === k.id} onClick={() => setChild(k.id)}>
                    {k.name}
                  </button>
                ))}
              </div>
            )}
            {list.initialLoading ? (
              <div style={{ padding: 12 }}>
                <Skeleton.Paragraph lineCount={5} animated />
              </div>
            ) : list.error && !list.items.length ? (
              <ErrorState error={list.error} onRetry={list.reset} />
            ) : list.items.length === 0 ? (
              <EmptyState title="该分类暂无商品" />
            ) : (
              list.items.map((p) => <ProductRow key={p.id} p={p} />)
            )}
            <ListFooter hasMore={list.hasMore} loadMore={list.loadMore} count={list.items.length} />
          </section>
        </div>
      )}
    </Page>
  );
}
