import { Button, ErrorBlock } from 'antd-mobile';
import type { ReactNode } from 'react';
import type { ApiError } from '../lib/api';

export function EmptyState({ title, description, action }: { title: string; description?: string; action?: ReactNode }) {
  return (
    <div className="empty" data-testid="empty-state">
      <ErrorBlock status="empty" title={title} description={description ?? ''} style={{ '--image-height': '120px' } as React.CSSProperties}>
        {action}
      </ErrorBlock>
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const notFound = error.status === 404;
  return (
    <div className="empty" role="alert">
      <ErrorBlock status={notFound ? 'empty' : 'default'} title={notFound ? '内容不存在或已下架' : '加载失败'} description={error.message}>
        {onRetry && !notFound && (
          <Button color="primary" fill="outline" className="btn-round" onClick={onRetry}>
            重新加载
          </Button>
        )}
      </ErrorBlock>
    </div>
  );
}
