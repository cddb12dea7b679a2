import { useCallback, useEffect, useRef, useState } from 'react';
import { useLocation, useSearchParams } from 'react-router-dom';
import type { AnalysisKind, AnalysisQuery, AnalysisResult } from '@siyu/contracts';
import { feedback, showError } from '../../lib/feedback';
import { useI18n, type TFunction } from '../../lib/i18n';
import { queryFromParam, queryIssue, runQuery, type InsightRef } from './model';

/** "steps.1.where.0.value" → "第 2 步 · 条件 1": where in the builder a contract issue is. */
function pathText(path: string, t: TFunction): string {
  const parts = path.split('.');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    const n = Number(parts[i + 1]);
    if (p === 'steps' && Number.isInteger(n)) out.push(t('an.funnel.stepN', { n: n + 1 }));
    else if (p === 'series' && Number.isInteger(n)) out.push(t('an.trends.seriesN', { n: n + 1 }));
    else if (p === 'where' && Number.isInteger(n)) out.push(t('an.filterN', { n: n + 1 }));
    else if (p === 'start') out.push(t('an.retention.start'));
    else if (p === 'return') out.push(t('an.retention.return'));
    else if (p === 'anchor') out.push(t('an.paths.anchor'));
    else if (p === 'from' || p === 'to') out.push(t('an.range'));
    else if (p === 'breakdown') out.push(t('an.breakdown'));
    else if (p === 'thresholds') out.push(t('an.rfm.thresholds'));
    else if (p === 'windowDays') out.push(t('an.funnel.window'));
    else if (p === 'periods') out.push(t('an.retention.periods'));
    else if (p === 'property' && parts[0] === 'series') out.push(t('an.trends.sumProperty'));
  }
  return out.join(' · ');
}

type QueryOf<K extends AnalysisKind> = Extract<AnalysisQuery, { kind: K }>;
type ResultOf<K extends AnalysisKind> = Extract<AnalysisResult, { kind: K }>;

/**
 * One analysis page's state: the query being edited, the query behind the result on screen (export, save
 * and the people behind a number use that one, so they match what is shown), running and its time.
 * The first run starts on its own: the query from `?q=`, else the page's default once `ready`.
 */
export function useAnalysis<K extends AnalysisKind>(kind: K, makeDefault: () => QueryOf<K>, ready = true) {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const location = useLocation();
  const [insight, setInsight] = useState<InsightRef | null>(() => (location.state as { insight?: InsightRef } | null)?.insight ?? null);
  const [fromUrl] = useState(() => queryFromParam(params.get('q'), kind));
  const [query, setQuery] = useState<QueryOf<K> | null>(fromUrl);
  const [ran, setRan] = useState<QueryOf<K> | null>(null);
  const [result, setResult] = useState<ResultOf<K> | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [elapsed, setElapsed] = useState(0);
  const ctl = useRef<AbortController | null>(null);
  const locationState = useRef(location.state);
  locationState.current = location.state;

  const run = useCallback(
    async (q: QueryOf<K>) => {
      const issue = queryIssue(q);
      if (issue) {
        const where = pathText(issue.path, t);
        feedback.message.error(t('an.invalidQuery', { message: where ? `${where} ${issue.message}` : issue.message }));
        return;
      }
      ctl.current?.abort();
      const c = new AbortController();
      ctl.current = c;
      setRunning(true);
      setError(null);
      try {
        const res = await runQuery<ResultOf<K>>(q, c.signal);
        if (ctl.current !== c) return;
        setResult(res);
        setRan(q);
        // The URL follows the result, so a reload or a copied link opens this same analysis.
        setParams({ q: JSON.stringify(q) }, { replace: true, state: locationState.current });
      } catch (err) {
        if ((err as Error).name === 'AbortError' || ctl.current !== c) return;
        setError(err as Error);
        showError(err);
      } finally {
        if (ctl.current === c) {
          setRunning(false);
          ctl.current = null;
        }
      }
    },
    [setParams, t],
  );

  const cancel = useCallback(() => {
    ctl.current?.abort();
    ctl.current = null;
    setRunning(false);
  }, []);

  const canStart = !!fromUrl || ready;
  const defaultRef = useRef(makeDefault);
  defaultRef.current = makeDefault;
  useEffect(() => {
    if (!canStart) return;
    const q = fromUrl ?? defaultRef.current();
    setQuery(q);
    void run(q);
    return () => ctl.current?.abort();
  }, [canStart]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (!running) return;
    setElapsed(0);
    const started = Date.now();
    const timer = setInterval(() => setElapsed(Math.floor((Date.now() - started) / 1000)), 1000);
    return () => clearInterval(timer);
  }, [running]);

  return { query, setQuery, ran, result, running, error, elapsed, run, cancel, insight, setInsight };
}
export type Analysis<K extends AnalysisKind> = ReturnType<typeof useAnalysis<K>>;
