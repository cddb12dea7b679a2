import { useMemo, useState } from 'react';
import { Button, InputNumber, Statistic, Table, Tooltip } from 'antd';
import { DeleteOutlined } from '@ant-design/icons';
import type { FunnelQuery, FunnelResult } from '@siyu/contracts';
import Chart from '../../components/Chart';
import { useApi } from '../../lib/hooks';
import { useI18n, type TFunction } from '../../lib/i18n';
import { AnalysisShell } from './AnalysisShell';
import { AddButton, DateRange, Field, MatcherEditor, PropertySelect } from './builder';
import { funnelOption } from './charts';
import { useLabels } from './labels';
import { fmtInt, fmtPct, lastDays, ratio, type EventInfo } from './model';
import PeopleDrawer, { type PeopleTarget } from './PeopleDrawer';
import { TableFrame } from './TableFrame';
import { useAnalysis } from './useAnalysis';

const DEFAULT_STEPS = ['$pageview', 'product_viewed', 'product_added', 'order_paid'];
const defaultFunnel = (): FunnelQuery => ({ kind: 'funnel', ...lastDays(30), steps: DEFAULT_STEPS.map((event) => ({ event, where: [] })), windowDays: 7 });

/** "2 小时 5 分": the median time from the first step to the last. */
export function durationText(seconds: number | null, t: TFunction) {
  if (seconds === null) return '-';
  if (seconds < 60) return t('an.dur.seconds', { n: seconds });
  if (seconds < 3600) return t('an.dur.minutes', { n: Math.floor(seconds / 60) });
  if (seconds < 86400) return t('an.dur.hours', { h: Math.floor(seconds / 3600), m: Math.floor((seconds % 3600) / 60) });
  return t('an.dur.days', { d: Math.floor(seconds / 86400), h: Math.floor((seconds % 86400) / 3600) });
}

/** 漏斗分析: ordered steps within a window, with the people who reached or dropped after each step. */
export default function Funnels() {
  const { t } = useI18n();
  const events = useApi<{ items: EventInfo[] }>('/analytics/events');
  const analysis = useAnalysis('funnel', defaultFunnel);
  const { query, setQuery } = analysis;
  const [people, setPeople] = useState<PeopleTarget | null>(null);

  const builder = query && (
    <>
      <div className="an-steps" data-testid="funnel-steps">
        {query.steps.map((s, i) => (
          <MatcherEditor
            key={i}
            value={s}
            onChange={(m) => setQuery({ ...query, steps: query.steps.map((x, j) => (j === i ? m : x)) })}
            ariaLabel={t('an.funnel.stepN', { n: i + 1 })}
            testId={`funnel-step-${i}`}
            prefix={<span className="an-step-no">{i + 1}</span>}
            suffix={
              query.steps.length > 2 && (
                <Tooltip title={t('an.funnel.removeStep')}>
                  <Button type="text" icon={<DeleteOutlined />} aria-label={t('an.funnel.removeStepN', { n: i + 1 })} onClick={() => setQuery({ ...query, steps: query.steps.filter((_, j) => j !== i) })} data-testid={`funnel-step-${i}-remove`} />
                </Tooltip>
              )
            }
          />
        ))}
        <AddButton onClick={() => setQuery({ ...query, steps: [...query.steps, { event: '', where: [] }] })} disabled={query.steps.length >= 8} testId="funnel-add-step">
          {t('an.funnel.addStep')}
        </AddButton>
      </div>
      <div className="an-row">
        <Field label={t('an.range')}>
          <DateRange from={query.from} to={query.to} onChange={(r) => setQuery({ ...query, ...r })} />
        </Field>
        <Field label={t('an.funnel.window')}>
          <InputNumber min={1} max={90} precision={0} value={query.windowDays} onChange={(v) => setQuery({ ...query, windowDays: v ?? 7 })} suffix={t('an.daysUnit')} aria-label={t('an.funnel.window')} style={{ width: 120 }} data-testid="funnel-window" />
        </Field>
        <Field label={t('an.breakdown')}>
          <PropertySelect event={query.steps[0]?.event ?? ''} value={query.breakdown} onChange={(b) => setQuery({ ...query, breakdown: b })} allowClear placeholder={t('an.noBreakdown')} ariaLabel={t('an.breakdown')} testId="funnel-breakdown" />
        </Field>
      </div>
    </>
  );

  return (
    <>
      <AnalysisShell kind="funnel" help={t('an.funnel.help')} events={events.data?.items} analysis={analysis} builder={builder} isEmpty={(r) => !r.groups.length || r.groups.every((g) => !g.counts[0])}>
        {(r, q) => <FunnelResultView result={r} query={q} onPeople={setPeople} />}
      </AnalysisShell>
      <PeopleDrawer target={people} onClose={() => setPeople(null)} />
    </>
  );
}

function FunnelResultView({ result, query, onPeople }: { result: FunnelResult; query: FunnelQuery; onPeople: (p: PeopleTarget) => void }) {
  const { t, lang } = useI18n();
  const labels = useLabels();
  const option = useMemo(() => funnelOption(result, query, { t, labels }), [result, query, lang]); // eslint-disable-line react-hooks/exhaustive-deps
  const stepName = (i: number) => labels.event(query.steps[i].event);
  const last = query.steps.length - 1;
  const single = result.groups.length === 1 ? result.groups[0] : null;

  const open = (g: FunnelResult['groups'][number], step: number, dropped: boolean) => {
    const base = dropped ? t('an.funnel.droppedAfter', { step: stepName(step) }) : t('an.funnel.reached', { step: stepName(step) });
    onPeople({
      query,
      select: { kind: 'funnel_step', step, dropped, breakdown: g.breakdown },
      title: query.breakdown ? `${base} · ${labels.value(g.breakdown)}` : base,
    });
  };

  type Row = FunnelResult['groups'][number] & { key: number };
  const rows: Row[] = result.groups.map((g, i) => ({ ...g, key: i }));

  return (
    <div>
      {single && (
        <div className="an-kpis">
          <Statistic title={t('an.funnel.entered')} value={fmtInt(single.counts[0])} />
          <Statistic title={t('an.funnel.converted')} value={fmtInt(single.counts[last])} />
          <Statistic title={t('an.funnel.overall')} value={fmtPct(ratio(single.counts[last], single.counts[0]))} data-testid="funnel-overall" />
          <Statistic title={t('an.funnel.median')} value={durationText(single.medianSecondsToConvert, t)} />
        </div>
      )}
      <Chart option={option} height={320} label={t('an.funnel.chartLabel')} testId="funnel-chart" />
      <div className="muted an-table-hint">{t('an.funnel.clickHint')}</div>
      <TableFrame testId="funnel-table" label={t('an.funnel.tableLabel')}>
        <Table<Row>
          rowKey="key"
          size="small"
          dataSource={rows}
          pagination={false}
          scroll={{ x: 'max-content' }}
          onRow={(g) => ({ 'data-testid': `funnel-group-${g.key}` }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            ...(query.breakdown ? [{ title: labels.property(query.breakdown), key: 'b', fixed: 'left' as const, width: 140, render: (_: unknown, g: Row) => labels.value(g.breakdown) }] : []),
            ...query.steps.map((s, i) => ({
              title: (
                <span>
                  {i + 1}. {labels.event(s.event)}
                  {s.where.length > 0 && <span className="muted"> ({t('an.funnel.filtered', { n: s.where.length })})</span>}
                </span>
              ),
              key: `s${i}`,
              width: 170,
              render: (_: unknown, g: Row) => (
                <div className="an-funnel-cell">
                  <Button type="link" size="small" className="an-count-link" onClick={() => open(g, i, false)} aria-label={t('an.funnel.reachedAria', { n: g.counts[i], step: stepName(i) })} data-testid={`funnel-step-count-${i}`}>
                    {g.counts[i]}
                  </Button>
                  {i > 0 && <span className="muted an-funnel-rate">{t('an.funnel.fromPrev', { pct: fmtPct(ratio(g.counts[i], g.counts[i - 1])) })}</span>}
                  {i < last && (
                    <Button type="link" size="small" danger className="an-drop-link" disabled={!(g.counts[i] - g.counts[i + 1])} onClick={() => open(g, i, true)} data-testid={`funnel-drop-${i}`}>
                      {t('an.funnel.dropped', { n: fmtInt(g.counts[i] - g.counts[i + 1]) })}
                    </Button>
                  )}
                </div>
              ),
            })),
            { title: t('an.funnel.overall'), key: 'overall', width: 110, align: 'right' as const, render: (_: unknown, g: Row) => <b>{fmtPct(ratio(g.counts[last], g.counts[0]))}</b> },
            { title: t('an.funnel.median'), key: 'median', width: 130, align: 'right' as const, render: (_: unknown, g: Row) => durationText(g.medianSecondsToConvert, t) },
          ]}
        />
      </TableFrame>
      {query.breakdown && <div className="muted an-foot">{t('an.funnel.breakdownNote')}</div>}
    </div>
  );
}
