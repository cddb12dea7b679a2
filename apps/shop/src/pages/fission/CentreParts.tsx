import { Skeleton, Tabs } from 'antd-mobile';
import type { CSSProperties, ReactNode } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Page } from '../../components/Page';
import { ErrorState } from '../../components/States';
import type { ApiError } from '../../lib/api';

/** The parts 推广中心 and 团长中心 share: the page while the account loads, the red hero, the tabs kept in ?tab=. */

/** The centre's page while its account is loading, or when it failed to load. */
export function CentrePending({ title, error, onRetry }: { title: string; error: ApiError | null; onRetry: () => void }) {
  return (
    <Page title={title} back="/me">
      {error ? (
        <ErrorState error={error} onRetry={onRetry} />
      ) : (
        <div className="card">
          <Skeleton.Paragraph lineCount={5} animated />
        </div>
      )}
    </Page>
  );
}

/** The hero at the top: a small label over the main figure, the status tag on the right, `children` below. */
export function CentreHero({ testId, status, label, main, tag, tagStyle, children }: { testId: string; status: string; label: ReactNode; main: ReactNode; tag: ReactNode; tagStyle?: CSSProperties; children?: ReactNode }) {
  return (
    <section className="fx-promoter-hero" data-testid={testId} data-status={status}>
      <div className="row between">
        <div>
          <div className="small" style={{ opacity: 0.9 }}>
            {label}
          </div>
          {main}
        </div>
        <span className="fx-hero-tag" style={tagStyle}>
          {tag}
        </span>
      </div>
      {children}
    </section>
  );
}

/** The open tab of the centre, kept in ?tab= (switching replaces the history entry). */
export function useCentreTab(first: string) {
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? first;
  const setTab = (k: string) => setParams({ tab: k }, { replace: true });
  return { tab, setTab };
}

/** The centre's tabs, as [key, title] pairs. */
export function CentreTabs({ tab, onChange, items }: { tab: string; onChange: (key: string) => void; items: [key: string, title: string][] }) {
  return (
    <Tabs activeKey={tab} onChange={onChange} className="fx-tabs">
      {items.map(([key, title]) => (
        <Tabs.Tab title={title} key={key} />
      ))}
    </Tabs>
  );
}
