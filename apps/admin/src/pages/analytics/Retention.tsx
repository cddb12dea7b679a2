import { useMemo, useState } from 'react';
import { Button, InputNumber, Table } from 'antd';
import type { RetentionQuery, RetentionResult } from '@siyu/contracts';
import Chart from '../../components/Chart';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { AnalysisShell } from './AnalysisShell';
import { DateRange, Field, MatcherEditor, IntervalField } from './builder';
import { periodCame, periodLabel, retentionAverages, retentionOption } from './charts';
import { useLabels } from './labels';
import { fmtInt, fmtPct, lastDays, ratio, type EventInfo } from './model';
import PeopleDrawer, { type PeopleTarget } from './PeopleDrawer';
import { TableFrame } from './TableFrame';
import { useAnalysis } from './useAnalysis';

/** 留存分析: of the people who did the start event in a period, how many came back N periods later. */
export default function Retention() {
  const { t } = useI18n();
  const events = useApi<{ items: EventInfo[] }>('/analytics/events');
  // Sign-ups make the classic cohort; a shop that records none yet starts from any first activity.
  const makeDefault = (): RetentionQuery => ({
    kind: 'retention',
    ...lastDays(30),
    start: { event: events.data?.items.some((e) => e.event === 'signed_up') ? 'signed_up' : '$any', where: [] },
    return: { event: '$any', where: [] },
    interval: 'day',
    periods: 7,
  });
  const analysis = useAnalysis('retention', makeDefault, !events.loading);
  const { query, setQuery } = analysis;
  const [people, setPeople] = useState<PeopleTarget | null>(null);

  const builder = query && (
    <>
      <div className="an-steps">
        <MatcherEditor value={query.start} onChange={(start) => setQuery({ ...query, start })} allowAny ariaLabel={t('an.retention.start')} testId="retention-start" prefix={<span className="an-matcher-label">{t('an.retention.start')}</span>} />
        <MatcherEditor value={query.return} onChange={(ret) => setQuery({ ...query, return: ret })} allowAny ariaLabel={t('an.retention.return')} testId="retention-return" prefix={<span className="an-matcher-label">{t('an.retention.return')}</span>} />
      </div>
      <div className="an-row">
        <Field label={t('an.range')}>
          <DateRange from={query.from} to={query.to} onChange={(r) => setQuery({ ...query, ...r })} />
        </Field>
        <IntervalField value={query.interval} onChange={(interval) => setQuery({ ...query, interval })} testId="retention-interval" />
        <Field label={t('an.retention.periods')}>
          <InputNumber min={1} max={60} precision={0} value={query.periods} onChange={(v) => setQuery({ ...query, periods: v ?? 7 })} aria-label={t('an.retention.periods')} style={{ width: 100 }} data-testid="retention-periods" />
        </Field>
      </div>
    </>
  );

  return (
    <>
      <AnalysisShell kind="retention" help={t('an.retention.help')} events={events.data?.items} analysis={analysis} builder={builder} isEmpty={(r) => !r.cohorts.length}>
        {(r, q) => <RetentionResultView result={r} query={q} onPeople={setPeople} />}
      </AnalysisShell>
      <PeopleDrawer target={people} onClose={() => setPeople(null)} />
    </>
  );
}

/** Darker for higher retention, relative to the best cell; text stays dark, so the shade never costs contrast. */
const shade = (rate: number, max: number) => `rgba(21, 91, 212, ${(0.06 + (max > 0 ? rate / max : 0) * 0.54).toFixed(3)})`;

function RetentionResultView({ result, query, onPeople }: { result: RetentionResult; query: RetentionQuery; onPeople: (p: PeopleTarget) => void }) {
  const { t, lang } = useI18n();
  const labels = useLabels();
  const option = useMemo(() => retentionOption(result, query, { t, labels }), [result, query, lang]); // eslint-disable-line react-hooks/exhaustive-deps
  const avg = useMemo(() => retentionAverages(result, query), [result, query]);
  const periods = Array.from({ length: query.periods }, (_, i) => i + 1);
  const max = Math.max(0, ...result.cohorts.flatMap((c) => c.retained.map((v) => ratio(v, c.size) ?? 0)));
  const totalSize = result.cohorts.reduce((s, c) => s + c.size, 0);

  type Row = { key: string; start: string | null; size: number; retained: (number | null)[]; sizes: number[] };
  const rows: Row[] = [
    { key: 'avg', start: null, size: totalSize, retained: avg.map((a) => (a.size ? a.retained : null)), sizes: avg.map((a) => a.size) },
    ...result.cohorts.map((c) => ({ key: c.start, start: c.start, size: c.size, retained: periods.map((n) => (periodCame(c.start, n, query.interval) ? (c.retained[n - 1] ?? 0) : null)), sizes: periods.map(() => c.size) })),
  ];

  const cohortTitle = (start: string) => (query.interval === 'week' ? t('an.retention.cohortWeek', { date: start }) : t('an.retention.cohortDay', { date: start }));

  return (
    <div>
      <Chart option={option} height={260} label={t('an.retention.chartLabel')} testId="retention-chart" />
      <div className="muted an-table-hint">{t('an.retention.clickHint')}</div>
      <TableFrame testId="retention-table" label={t('an.retention.tableLabel')}>
        <Table<Row>
          rowKey="key"
          size="small"
          dataSource={rows}
          pagination={false}
          scroll={{ x: 'max-content' }}
          rowClassName={(r) => (r.start ? '' : 'an-ret-avg')}
          columns={[
            { title: t('an.retention.cohort'), key: 'start', fixed: 'left', width: 130, render: (_, r) => (r.start ? (query.interval === 'week' ? t('an.retention.weekOf', { date: r.start }) : r.start) : t('an.retention.average')) },
            {
              title: t('an.retention.size'),
              key: 'size',
              fixed: 'left',
              width: 90,
              align: 'right',
              render: (_, r, i) =>
                r.start ? (
                  <Button type="link" size="small" className="an-count-link" onClick={() => onPeople({ query, select: { kind: 'retention_cohort', start: r.start!, period: 0 }, title: cohortTitle(r.start!) })} data-testid={`retention-size-${i - 1}`}>
                    {fmtInt(r.size)}
                  </Button>
                ) : (
                  <b>{fmtInt(r.size)}</b>
                ),
            },
            ...periods.map((n) => ({
              title: periodLabel(n, query.interval, t),
              key: `p${n}`,
              width: 76,
              align: 'center' as const,
              onCell: () => ({ className: 'an-ret-td' }),
              render: (_: unknown, r: Row, i: number) => {
                const v = r.retained[n - 1];
                if (v === null || v === undefined) return <span className="an-ret-cell an-ret-none">-</span>;
                const rate = ratio(v, r.sizes[n - 1]) ?? 0;
                const aria = t('an.retention.cellAria', { period: periodLabel(n, query.interval, t), n: v, pct: fmtPct(rate) });
                if (!r.start)
                  return (
                    <span className="an-ret-cell" style={{ background: shade(rate, max) }} title={aria}>
                      {fmtPct(rate)}
                    </span>
                  );
                return (
                  <button
                    type="button"
                    className="an-ret-cell an-ret-button"
                    style={{ background: shade(rate, max) }}
                    title={aria}
                    aria-label={aria}
                    onClick={() => onPeople({ query, select: { kind: 'retention_cohort', start: r.start!, period: n }, title: `${cohortTitle(r.start!)} · ${periodLabel(n, query.interval, t)}` })}
                    data-testid={`retention-cell-${i - 1}-${n}`}
                  >
                    {fmtPct(rate)}
                  </button>
                );
              },
            })),
          ]}
        />
      </TableFrame>
    </div>
  );
}
