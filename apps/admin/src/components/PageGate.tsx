import type { ReactNode } from 'react';
import { Skeleton } from 'antd';
import { FirstLoadContext, usePageGate } from '../lib/hooks';
import { useI18n } from '../lib/i18n';

/**
 * Every console page sits behind one of these: while the page's first loads (each `useApi` call that has
 * no data yet) are running, the page is laid out but hidden and a skeleton stands in its place, so a
 * cold load never shows empty tables, zero figures or blank forms as if they were the answer.
 */
export default function PageGate({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const gate = usePageGate();
  return (
    <FirstLoadContext.Provider value={gate.begin}>
      <div className="page-gate">
        {gate.showSkeleton && (
          <div className="page-card" data-testid="page-loading" aria-busy="true" role="status">
            <span className="sr-only">{t('common.loading')}</span>
            <Skeleton active title={{ width: '30%' }} paragraph={{ rows: 8 }} />
          </div>
        )}
        {/* Laid out while hidden (not display:none) so tables and charts measure their real width. */}
        <div className={gate.open ? undefined : 'page-gate-hidden'} aria-hidden={gate.open ? undefined : true}>
          {children}
        </div>
      </div>
    </FirstLoadContext.Provider>
  );
}
