import type { CSSProperties } from 'react';
import { Skeleton } from 'antd-mobile';
import { Link } from 'react-router-dom';
import type { ProductSummary } from '../lib/types';
import { Img } from './Img';
import { Price } from './Price';

export function ProductCard({ p }: { p: ProductSummary }) {
  return (
    <Link to={`/products/${p.id}`} className="pcard" data-testid="product-card" data-product-id={p.id}>
      <div className="thumb">
        <Img src={p.imageUrl} alt={p.title} />
      </div>
      {p.soldOut && (
        <div className="soldout-mask" aria-hidden="true">
          <span>已售罄</span>
        </div>
      )}
      <div className="body">
        <div className="title ellipsis-2">{p.title}</div>
        {p.soldOut && <span className="sr-only">已售罄</span>}
        {p.subtitle && <div className="sub ellipsis">{p.subtitle}</div>}
        <div className="foot">
          <Price fen={p.minPrice} size="md" from={p.maxPrice > p.minPrice} />
          <span className="sold">已售 {p.salesCount}</span>
        </div>
      </div>
    </Link>
  );
}

/** A list row (search results, category page). */
export function ProductRow({ p }: { p: ProductSummary }) {
  return (
    <Link to={`/products/${p.id}`} className="prow" data-testid="product-card" data-product-id={p.id}>
      <div className="thumb">
        <Img src={p.imageUrl} alt={p.title} />
      </div>
      <div className="info">
        <div className="ellipsis-2" style={{ fontSize: 14, lineHeight: '20px' }}>
          {p.title}
        </div>
        {p.subtitle && <div className="small muted ellipsis">{p.subtitle}</div>}
        <div className="row between" style={{ marginTop: 'auto' }}>
          <Price fen={p.minPrice} size="md" from={p.maxPrice > p.minPrice} />
          <span className="small muted">{p.soldOut ? '已售罄' : `已售 ${p.salesCount}`}</span>
        </div>
      </div>
    </Link>
  );
}

export function ProductGridSkeleton({ count = 4 }: { count?: number }) {
  return (
    <div className="grid2" aria-busy="true" aria-label="商品加载中">
      {Array.from({ length: count }, (_, i) => (
        <div key={i} className="pcard">
          <Skeleton animated style={{ '--width': '100%', '--height': 'auto', '--border-radius': '0', aspectRatio: '1 / 1' } as CSSProperties} />
          <div className="body">
            <Skeleton.Paragraph lineCount={2} animated />
          </div>
        </div>
      ))}
    </div>
  );
}

export function ListSkeleton({ rows = 3 }: { rows?: number }) {
  return (
    <div aria-busy="true" aria-label="加载中">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="card">
          <Skeleton.Title animated />
          <Skeleton.Paragraph lineCount={3} animated />
        </div>
      ))}
    </div>
  );
}
