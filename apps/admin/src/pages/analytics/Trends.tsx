import { useMemo } from 'react';
import { Button, Select, Table, Tooltip } from 'antd';
import { DeleteOutlined } from '@ant-design/icons';
import type { TrendsQuery, TrendsResult } from '@siyu/contracts';
import Chart from '../../components/Chart';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { fenToYuan } from '../../lib/money';
import { AnalysisShell } from './AnalysisShell';
import { AddButton, DateRange, Field, MatcherEditor, PropertySelect, IntervalField } from './builder';
import { resultIsEmpty, trendIsMoney, trendSeriesName, trendsOption } from './charts';
import { useLabels } from './labels';
import { fmtInt, lastDays, type EventInfo } from './model';
import { TableFrame } from './TableFrame';
import { useAnalysis } from './useAnalysis';

type Series = TrendsQuery['series'][number];
const defaultTrends = (): TrendsQuery => ({ kind: 'trends', ...lastDays(30), interval: 'day', series: [{ event: '$pageview', where: [], measure: 'people' }] });

/** 事件分析: counts, people or sums of events per day or week, up to five series, split by a property. */
export default function Trends() {
  const { t } = useI18n();
  const events = useApi<{ items: EventInfo[] }>('/analytics/events');
  const analysis = useAnalysis('trends', defaultTrends);
  const { query, setQuery } = analysis;

  const setSeries = (i: number, s: Series) => query && setQuery({ ...query, series: query.series.map((x, j) => (j === i ? s : x)) });

  const builder = query && (
    <>
      <div className="an-steps" data-testid="trends-series">
        {query.series.map((s, i) => (
          <MatcherEditor
            key={i}
            value={{ event: s.event, where: s.where }}
            onChange={(m) => setSeries(i, { ...s, event: m.event, where: m.where, ...(m.event !== s.event && s.measure === 'sum' ? { property: undefined } : {}) })}
            allowAny
            ariaLabel={t('an.trends.seriesN', { n: i + 1 })}
            testId={`trends-series-${i}`}
            prefix={<span className="an-step-no">{String.fromCharCode(65 + i)}</span>}
            suffix={
              <>
                <Select
                  value={s.measure}
                  onChange={(measure: Series['measure']) => {
                    const next: Series = { event: s.event, where: s.where, measure };
                    if (measure === 'sum' && s.property) next.property = s.property;
                    setSeries(i, next);
                  }}
                  options={(['count', 'people', 'sum'] as const).map((m) => ({ value: m, label: t(`an.trends.measure.${m}`) }))}
                  aria-label={t('an.trends.measure')}
                  style={{ width: 120 }}
                  data-testid={`trends-series-${i}-measure`}
                />
                {s.measure === 'sum' && (
                  <PropertySelect event={s.event} value={s.property} onChange={(p) => setSeries(i, { ...s, property: p })} ariaLabel={t('an.trends.sumProperty')} placeholder={t('an.trends.sumProperty')} testId={`trends-series-${i}-property`} />
                )}
                {query.series.length > 1 && (
                  <Tooltip title={t('an.trends.removeSeries')}>
                    <Button type="text" icon={<DeleteOutlined />} aria-label={t('an.trends.removeSeriesN', { n: i + 1 })} onClick={() => setQuery({ ...query, series: query.series.filter((_, j) => j !== i) })} />
                  </Tooltip>
                )}
              </>
            }
          />
        ))}
        <AddButton onClick={() => setQuery({ ...query, series: [...query.series, { event: '$pageview', where: [], measure: 'count' }] })} disabled={query.series.length >= 5} testId="trends-add-series">
          {t('an.trends.addSeries')}
        </AddButton>
      </div>
      <div className="an-row">
        <Field label={t('an.range')}>
          <DateRange from={query.from} to={query.to} onChange={(r) => setQuery({ ...query, ...r })} />
        </Field>
        <IntervalField value={query.interval} onChange={(interval) => setQuery({ ...query, interval })} testId="trends-interval" />
        <Field label={t('an.breakdown')}>
          <PropertySelect event={query.series[0]?.event ?? ''} value={query.breakdown} onChange={(b) => setQuery({ ...query, breakdown: b })} allowClear placeholder={t('an.noBreakdown')} ariaLabel={t('an.breakdown')} testId="trends-breakdown" />
        </Field>
      </div>
    </>
  );

  return (
    <AnalysisShell kind="trends" help={t('an.trends.help')} events={events.data?.items} analysis={analysis} builder={builder} isEmpty={resultIsEmpty}>
      {(r, q) => <TrendsResultView result={r} query={q} />}
    </AnalysisShell>
  );
}

function TrendsResultView({ result, query }: { result: TrendsResult; query: TrendsQuery }) {
  const { t, lang } = useI18n();
  const labels = useLabels();
  const option = useMemo(() => trendsOption(result, query, { t, labels }), [result, query, lang]); // eslint-disable-line react-hooks/exhaustive-deps
  type Row = TrendsResult['series'][number] & { key: number };
  const rows: Row[] = result.series.map((s, i) => ({ ...s, key: i }));
  const cell = (s: Row, v: number) => (trendIsMoney(s, query) ? `¥${fenToYuan(v)}` : fmtInt(v));

  return (
    <div>
      <Chart option={option} height={340} label={t('an.trends.chartLabel')} testId="trends-chart" />
      <TableFrame testId="trends-table" label={t('an.trends.tableLabel')} style={{ marginTop: 16 }}>
        <Table<Row>
          rowKey="key"
          size="small"
          dataSource={rows}
          pagination={false}
          scroll={{ x: 'max-content' }}
          columns={[
            { title: t('an.trends.series'), key: 'name', fixed: 'left', width: 240, render: (_, s) => trendSeriesName(s, query, { t, labels }) },
            { title: t('an.trends.total'), key: 'total', fixed: 'left', width: 110, align: 'right', render: (_, s) => <b>{cell(s, s.total)}</b> },
            ...result.periods.map((p, i) => ({ title: p.slice(5), key: p, width: 80, align: 'right' as const, render: (_: unknown, s: Row) => cell(s, s.values[i] ?? 0) })),
          ]}
        />
      </TableFrame>
    </div>
  );
}
