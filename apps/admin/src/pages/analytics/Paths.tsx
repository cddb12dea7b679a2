import { useMemo } from 'react';
import { InputNumber, Segmented, Statistic, Table } from 'antd';
import type { PathsQuery, PathsResult } from '@siyu/contracts';
import Chart from '../../components/Chart';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { AnalysisShell } from './AnalysisShell';
import { DateRange, Field, MatcherEditor } from './builder';
import { pathsOption } from './charts';
import { useLabels } from './labels';
import { fmtInt, fmtPct, lastDays, ratio, type EventInfo } from './model';
import { useAnalysis } from './useAnalysis';

const defaultPaths = (): PathsQuery => ({ kind: 'paths', ...lastDays(30), anchor: { event: '$pageview', where: [] }, direction: 'after', depth: 3 });

/** 路径分析: what people did, step by step, after (or before) their first anchor event. */
export default function Paths() {
  const { t } = useI18n();
  const events = useApi<{ items: EventInfo[] }>('/analytics/events');
  const analysis = useAnalysis('paths', defaultPaths);
  const { query, setQuery } = analysis;

  const builder = query && (
    <>
      <div className="an-steps">
        <MatcherEditor value={query.anchor} onChange={(anchor) => setQuery({ ...query, anchor })} allowAny ariaLabel={t('an.paths.anchor')} testId="paths-anchor" prefix={<span className="an-matcher-label">{t('an.paths.anchor')}</span>} />
      </div>
      <div className="an-row">
        <Field label={t('an.range')}>
          <DateRange from={query.from} to={query.to} onChange={(r) => setQuery({ ...query, ...r })} />
        </Field>
        <Field label={t('an.paths.direction')}>
          <Segmented value={query.direction} onChange={(v) => setQuery({ ...query, direction: v as PathsQuery['direction'] })} options={[{ value: 'after', label: t('an.paths.after') }, { value: 'before', label: t('an.paths.before') }]} aria-label={t('an.paths.direction')} data-testid="paths-direction" />
        </Field>
        <Field label={t('an.paths.depth')}>
          <InputNumber min={1} max={5} precision={0} value={query.depth} onChange={(v) => setQuery({ ...query, depth: v ?? 3 })} suffix={t('an.paths.stepsUnit')} aria-label={t('an.paths.depth')} style={{ width: 100 }} data-testid="paths-depth" />
        </Field>
      </div>
    </>
  );

  return (
    <AnalysisShell kind="paths" help={t('an.paths.help')} events={events.data?.items} analysis={analysis} builder={builder} isEmpty={(r) => !r.anchorPeople && !r.links.length}>
      {(r, q) => <PathsResultView result={r} query={q} />}
    </AnalysisShell>
  );
}

function PathsResultView({ result, query }: { result: PathsResult; query: PathsQuery }) {
  const { t, lang } = useI18n();
  const labels = useLabels();
  const option = useMemo(() => pathsOption(result, query, { t, labels }), [result, query, lang]); // eslint-disable-line react-hooks/exhaustive-deps
  type Row = PathsResult['links'][number] & { key: number };
  const rows: Row[] = result.links.map((l, i) => ({ ...l, key: i }));
  const stepText = (n: number) => (query.direction === 'after' ? t('an.paths.stepAfter', { n }) : t('an.paths.stepBefore', { n }));

  return (
    <div>
      <div className="an-kpis">
        <Statistic title={t('an.paths.anchorPeople')} value={fmtInt(result.anchorPeople)} data-testid="paths-anchor-people" />
      </div>
      {result.links.length > 0 && <Chart option={option} height={Math.max(320, Math.min(640, 40 * new Set(result.links.map((l) => `${l.step}|${l.to}`)).size))} label={t('an.paths.chartLabel')} testId="paths-chart" />}
      <div data-testid="paths-table" style={{ marginTop: 16 }}>
        <Table<Row>
          rowKey="key"
          size="small"
          dataSource={rows}
          pagination={{ pageSize: 20, hideOnSinglePage: true, showSizeChanger: false }}
          locale={{ emptyText: <span className="muted">{t('an.paths.noLinks')}</span> }}
          columns={[
            { title: t('an.paths.step'), dataIndex: 'step', width: 120, render: (n: number) => stepText(n) },
            { title: t('an.paths.from'), dataIndex: 'from', render: (e: string, l) => (l.step === 1 ? `${labels.event(e)} (${t('an.paths.anchor')})` : labels.event(e)) },
            { title: t('an.paths.to'), dataIndex: 'to', render: (e: string) => labels.event(e) },
            { title: t('an.paths.people'), dataIndex: 'people', width: 110, align: 'right', render: (n: number) => fmtInt(n) },
            { title: t('an.paths.share'), key: 'share', width: 120, align: 'right', render: (_, l) => fmtPct(ratio(l.people, result.anchorPeople)) },
          ]}
        />
      </div>
    </div>
  );
}
