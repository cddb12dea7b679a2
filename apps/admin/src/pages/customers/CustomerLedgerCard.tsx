import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { Alert, Button, Card } from 'antd';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { showError } from '../../lib/feedback';
import { useI18n } from '../../lib/i18n';

const PAGE_SIZE = 20;

/**
 * A customer's account summary whose `ledger` comes a page at a time, newest first (积分, 储值):
 * the first page with the summary, older pages by `beforeId`. Each panel keeps its own figures.
 */
export function useCustomerLedger<S extends { ledger: { id: number }[] }>(url: string) {
  type Entry = S['ledger'][number];
  const [summary, setSummary] = useState<Omit<S, 'ledger'> | null>(null);
  const [ledger, setLedger] = useState<Entry[]>([]);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<Error | null>(null);

  const load = useCallback(
    async (signal?: AbortSignal) => {
      setLoading(true);
      setError(null);
      try {
        const { ledger: first, ...rest } = await api.get<S>(url, { limit: PAGE_SIZE }, { signal });
        setSummary(rest);
        setLedger(first);
        setHasMore(first.length === PAGE_SIZE);
      } catch (err) {
        if ((err as Error).name !== 'AbortError') setError(err as Error);
      } finally {
        if (!signal?.aborted) setLoading(false);
      }
    },
    [url],
  );

  useEffect(() => {
    const ctl = new AbortController();
    void load(ctl.signal);
    return () => ctl.abort();
  }, [load]);

  const loadMore = async () => {
    const last = ledger[ledger.length - 1];
    if (!last) return;
    setLoadingMore(true);
    try {
      const page = await api.get<S>(url, { limit: PAGE_SIZE, beforeId: last.id });
      setLedger((l) => [...l, ...page.ledger.filter((e) => !l.some((x) => x.id === e.id))]);
      setHasMore(page.ledger.length === PAGE_SIZE);
    } catch (err) {
      showError(err);
    } finally {
      setLoadingMore(false);
    }
  };

  return { summary, ledger, hasMore, loading, loadingMore, error, load, loadMore };
}

/** What the adjust modal of a panel is given: open/close, and `onDone` (closes it and reloads the panel). */
export interface AdjustModalProps {
  open: boolean;
  onClose: () => void;
  onDone: () => void;
}

/**
 * The shell of a loyalty ledger panel on the customer page: a card with its title and (for loyalty:manage)
 * the adjust button, the load error with 重试 in place of the content, and the adjust modal beside it.
 */
export function CustomerLedgerCard({
  title,
  testId,
  adjustLabel,
  adjustTestId,
  panel,
  renderAdjustModal,
  children,
}: {
  title: string;
  testId: string;
  adjustLabel: string;
  adjustTestId: string;
  panel: { summary: unknown; error: Error | null; load: () => Promise<void> };
  renderAdjustModal: (modal: AdjustModalProps) => ReactNode;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const { can } = useAuth();
  const [adjusting, setAdjusting] = useState(false);
  const { error, load } = panel;
  return (
    <Card
      title={title}
      variant="borderless"
      style={{ marginBottom: 16 }}
      data-testid={testId}
      extra={
        can('loyalty:manage') && (
          <Button onClick={() => setAdjusting(true)} disabled={!panel.summary} data-testid={adjustTestId}>
            {adjustLabel}
          </Button>
        )
      }
    >
      {error ? (
        <Alert
          type="error"
          showIcon
          title={error.message}
          action={
            <Button size="small" onClick={() => void load()}>
              {t('common.retry')}
            </Button>
          }
        />
      ) : (
        children
      )}
      {renderAdjustModal({
        open: adjusting,
        onClose: () => setAdjusting(false),
        onDone: () => {
          setAdjusting(false);
          void load();
        },
      })}
    </Card>
  );
}

/** 加载更多 under a ledger table, while older postings remain. */
export function LedgerLoadMore({ hasMore, loading, onClick, testId }: { hasMore: boolean; loading: boolean; onClick: () => void; testId: string }) {
  const { t } = useI18n();
  if (!hasMore) return null;
  return (
    <div style={{ textAlign: 'center', marginTop: 12 }}>
      <Button onClick={onClick} loading={loading} data-testid={testId}>
        {t('points.loadMore')}
      </Button>
    </div>
  );
}
