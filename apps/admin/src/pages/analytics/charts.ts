import * as echarts from 'echarts/core';
import { SankeyChart } from 'echarts/charts';
import type { EChartsCoreOption } from 'echarts/core';
import dayjs from 'dayjs';
import {
  RFM_TYPES,
  type AnalysisQuery,
  type AnalysisResult,
  type AttributionResult,
  type FunnelQuery,
  type FunnelResult,
  type LifecycleResult,
  type PathsQuery,
  type PathsResult,
  type RetentionQuery,
  type RetentionResult,
  type RfmResult,
  type TrendsQuery,
  type TrendsResult,
} from '@siyu/contracts';
import type { TFunction } from '../../lib/i18n';
import { fenToYuan } from '../../lib/money';
import type { Labels } from './labels';
import { fmtInt, fmtPct, isMoneyProperty, ratio } from './model';

// The shared Chart registers lines and bars only; paths add the sankey here so only these pages load it.
echarts.use([SankeyChart]);

export interface ChartCtx {
  t: TFunction;
  labels: Labels;
}

export const PALETTE = ['#155bd4', '#ff9f2e', '#2fc25b', '#f04864', '#8543e0', '#13c2c2', '#facc14', '#8fb5f5', '#a0d911', '#eb2f96'];
const yuan = (fen: number) => Number(fenToYuan(Math.round(fen)));
const short = (d: string) => d.slice(5);

/** "浏览页面 · 人数 · 华东": a trend series as the chart legend and the table name it. */
export function trendSeriesName(s: TrendsResult['series'][number], q: TrendsQuery, { t, labels }: ChartCtx) {
  const def = q.series[s.index];
  const measure = def?.measure === 'sum' ? t('an.trends.sumOf', { property: labels.property(def.property ?? '') }) : t(`an.trends.measure.${(def?.measure ?? s.measure) as 'count' | 'people'}`);
  const parts = [q.series.length > 1 ? `${s.index + 1}. ${labels.event(s.event)}` : labels.event(s.event), measure];
  if (q.breakdown) parts.push(labels.value(s.breakdown));
  return parts.join(' · ');
}
/** A sum of a money property is fen: shown in yuan. */
export const trendIsMoney = (s: TrendsResult['series'][number], q: TrendsQuery) => q.series[s.index]?.measure === 'sum' && isMoneyProperty(q.series[s.index]?.property);

export function trendsOption(r: TrendsResult, q: TrendsQuery, ctx: ChartCtx): EChartsCoreOption {
  // Yuan beside counts would flatten one of them: money gets its own axis on the right.
  const money = r.series.map((s) => trendIsMoney(s, q));
  const twoAxes = money.some(Boolean) && money.some((m) => !m);
  return {
    color: PALETTE,
    tooltip: { trigger: 'axis' },
    legend: { type: 'scroll', top: 0 },
    grid: { left: 56, right: twoAxes ? 64 : 24, top: 40, bottom: 28 },
    xAxis: { type: 'category', data: r.periods.map(short) },
    yAxis: twoAxes ? [{ type: 'value', minInterval: 1 }, { type: 'value', name: '¥' }] : { type: 'value', minInterval: money[0] ? 0 : 1, name: money[0] ? '¥' : undefined },
    series: r.series.map((s, i) => ({
      name: trendSeriesName(s, q, ctx),
      type: 'line',
      smooth: true,
      showSymbol: r.periods.length <= 31,
      yAxisIndex: twoAxes && money[i] ? 1 : 0,
      data: money[i] ? s.values.map(yuan) : s.values,
    })),
  };
}

export const groupName = (g: FunnelResult['groups'][number], q: FunnelQuery, { t, labels }: ChartCtx) => (q.breakdown ? labels.value(g.breakdown) : t('an.funnel.allPeople'));

export function funnelOption(r: FunnelResult, q: FunnelQuery, ctx: ChartCtx): EChartsCoreOption {
  const steps = q.steps.map((s, i) => `${i + 1}. ${ctx.labels.event(s.event)}`);
  const single = r.groups.length === 1;
  return {
    color: PALETTE,
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (items: { seriesIndex: number; dataIndex: number; marker: string; seriesName: string; value: number }[]) => {
        const i = items[0]?.dataIndex ?? 0;
        const lines = items.map((it) => {
          const counts = r.groups[it.seriesIndex].counts;
          const prev = i > 0 ? ctx.t('an.funnel.fromPrev', { pct: fmtPct(ratio(counts[i], counts[i - 1])) }) : '';
          return `${it.marker}${it.seriesName}: ${fmtInt(it.value)} ${prev}`;
        });
        return [steps[i], ...lines].join('<br/>');
      },
    },
    legend: single ? undefined : { type: 'scroll', top: 0 },
    grid: { left: 56, right: 24, top: single ? 32 : 48, bottom: 28 },
    xAxis: { type: 'category', data: steps, axisLabel: { interval: 0 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: r.groups.map((g) => ({
      name: groupName(g, q, ctx),
      type: 'bar',
      barMaxWidth: single ? 64 : 24,
      data: g.counts,
      label: single
        ? {
            show: true,
            position: 'top',
            formatter: (p: { dataIndex: number; value: number }) =>
              p.dataIndex === 0 ? fmtInt(p.value) : `${fmtInt(p.value)}\n${fmtPct(ratio(p.value, g.counts[p.dataIndex - 1]))}`,
          }
        : undefined,
    })),
  };
}

/** The start of period N after a cohort, to tell periods that have not come yet from real zeros. */
export function periodStart(cohort: string, n: number, interval: RetentionQuery['interval']) {
  return dayjs(cohort).add(interval === 'week' ? n * 7 : n, 'day');
}
export const periodCame = (cohort: string, n: number, interval: RetentionQuery['interval']) => !periodStart(cohort, n, interval).isAfter(dayjs(), 'day');

/** Per period N: retained people / cohort people over the cohorts that have reached N (weighted). */
export function retentionAverages(r: RetentionResult, q: RetentionQuery) {
  const out: { retained: number; size: number; rate: number | null }[] = [];
  for (let n = 1; n <= q.periods; n++) {
    let retained = 0;
    let size = 0;
    for (const c of r.cohorts) {
      if (!periodCame(c.start, n, q.interval)) continue;
      retained += c.retained[n - 1] ?? 0;
      size += c.size;
    }
    out.push({ retained, size, rate: ratio(retained, size) });
  }
  return out;
}

export const periodLabel = (n: number, interval: RetentionQuery['interval'], t: TFunction) => (interval === 'week' ? t('an.retention.weekN', { n }) : t('an.retention.dayN', { n }));

export function retentionOption(r: RetentionResult, q: RetentionQuery, { t }: ChartCtx): EChartsCoreOption {
  const avg = retentionAverages(r, q);
  return {
    color: PALETTE,
    tooltip: { trigger: 'axis', valueFormatter: (v: number | null) => (v === null ? '-' : `${v}%`) },
    grid: { left: 48, right: 24, top: 24, bottom: 28 },
    xAxis: { type: 'category', data: avg.map((_, i) => periodLabel(i + 1, q.interval, t)) },
    yAxis: { type: 'value', axisLabel: { formatter: '{value}%' }, max: (v: { max: number }) => Math.min(100, Math.ceil(v.max / 10) * 10 || 10) },
    series: [{ name: t('an.retention.average'), type: 'line', smooth: true, areaStyle: { opacity: 0.12 }, data: avg.map((a) => (a.rate === null ? null : Number((a.rate * 100).toFixed(1)))) }],
  };
}

const SEP = '\u0001';
/** Sankey nodes must be unique and acyclic: a node is an event at a step. */
export function pathsOption(r: PathsResult, q: PathsQuery, { labels, t }: ChartCtx, maxPerStep = 12): EChartsCoreOption {
  const byStep = new Map<number, PathsResult['links']>();
  for (const l of r.links) byStep.set(l.step, [...(byStep.get(l.step) ?? []), l]);
  // The busiest links of each step only: a sankey with hundreds of thin links says nothing.
  const kept = [...byStep.values()].flatMap((ls) => [...ls].sort((a, b) => b.people - a.people).slice(0, maxPerStep));
  const nodes = new Map<string, { name: string }>();
  const id = (step: number, event: string) => `${step}${SEP}${event}`;
  const links = kept.map((l) => {
    const a = id(l.step - 1, l.from);
    const b = id(l.step, l.to);
    nodes.set(a, { name: a });
    nodes.set(b, { name: b });
    // Before the anchor, people flow from the earliest step towards the anchor.
    return q.direction === 'before' ? { source: b, target: a, value: l.people } : { source: a, target: b, value: l.people };
  });
  const nodeLabel = (name: string) => {
    const [step, event] = name.split(SEP);
    return step === '0' ? `${labels.event(event)} (${t('an.paths.anchor')})` : labels.event(event);
  };
  return {
    color: PALETTE,
    tooltip: {
      trigger: 'item',
      formatter: (p: { dataType: string; name: string; value: number; data: { source?: string; target?: string } }) =>
        p.dataType === 'edge' ? `${nodeLabel(p.data.source ?? '')} → ${nodeLabel(p.data.target ?? '')}: ${fmtInt(p.value)}` : `${nodeLabel(p.name)}: ${fmtInt(p.value)}`,
    },
    series: [
      {
        type: 'sankey',
        left: 16,
        right: 140,
        top: 16,
        bottom: 16,
        nodeGap: 10,
        emphasis: { focus: 'adjacency' },
        lineStyle: { color: 'gradient', opacity: 0.35 },
        label: { formatter: (p: { name: string }) => nodeLabel(p.name) },
        data: [...nodes.values()],
        links,
      },
    ],
  };
}

export function lifecycleOption(r: LifecycleResult, { t }: ChartCtx): EChartsCoreOption {
  const stack = (name: string, data: number[], color: string) => ({ name, type: 'bar', stack: 'people', barMaxWidth: 32, data, itemStyle: { color } });
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0 },
    grid: { left: 56, right: 24, top: 40, bottom: 28 },
    xAxis: { type: 'category', data: r.periods.map(short) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      stack(t('an.lifecycle.new'), r.new, '#2fc25b'),
      stack(t('an.lifecycle.returning'), r.returning, '#155bd4'),
      stack(t('an.lifecycle.resurrecting'), r.resurrecting, '#ff9f2e'),
      stack(t('an.lifecycle.dormant'), r.dormant, '#bfbfbf'),
    ],
  };
}

export function rfmOption(r: RfmResult, { t, labels }: ChartCtx): EChartsCoreOption {
  const byType = new Map(r.types.map((x) => [x.type, x]));
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 120, right: 48, top: 16, bottom: 28 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: RFM_TYPES.map((k) => labels.rfm(k)) },
    series: [
      {
        name: t('an.rfm.people'),
        type: 'bar',
        barMaxWidth: 22,
        data: RFM_TYPES.map((k, i) => ({ value: byType.get(k)?.people ?? 0, itemStyle: { color: i < 4 ? '#155bd4' : '#8fb5f5' } })),
        label: { show: true, position: 'right' },
      },
    ],
  };
}

export function attributionOption(r: AttributionResult, { t, labels }: ChartCtx, top = 15): EChartsCoreOption {
  const rows = r.rows.slice(0, top);
  return {
    color: ['#155bd4', '#2fc25b'],
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0 },
    grid: { left: 56, right: 56, top: 40, bottom: 48 },
    xAxis: { type: 'category', data: rows.map((x) => labels.value(x.value)), axisLabel: { interval: 0, rotate: rows.length > 8 ? 30 : 0 } },
    yAxis: [
      { type: 'value', name: '¥' },
      { type: 'value', minInterval: 1 },
    ],
    series: [
      { name: t('an.attr.revenueYuan'), type: 'bar', barMaxWidth: 32, data: rows.map((x) => yuan(x.revenueFen)) },
      { name: t('an.attr.newPeople'), type: 'line', yAxisIndex: 1, data: rows.map((x) => x.newPeople) },
    ],
  };
}

/** The chart of any analysis: what a pinned insight draws on the board. */
export function chartOption(q: AnalysisQuery, r: AnalysisResult, ctx: ChartCtx): EChartsCoreOption {
  if (q.kind === 'trends' && r.kind === 'trends') return trendsOption(r, q, ctx);
  if (q.kind === 'funnel' && r.kind === 'funnel') return funnelOption(r, q, ctx);
  if (q.kind === 'retention' && r.kind === 'retention') return retentionOption(r, q, ctx);
  if (q.kind === 'paths' && r.kind === 'paths') return pathsOption(r, q, ctx);
  if (r.kind === 'lifecycle') return lifecycleOption(r, ctx);
  if (r.kind === 'rfm') return rfmOption(r, ctx);
  if (r.kind === 'attribution') return attributionOption(r, ctx);
  return {};
}

/** Whether an answer has nothing to draw (no one entered, no events in the range). */
export function resultIsEmpty(r: AnalysisResult): boolean {
  switch (r.kind) {
    case 'trends':
      return !r.series.length || r.series.every((s) => s.values.every((v) => !v));
    case 'funnel':
      return !r.groups.length || r.groups.every((g) => !g.counts[0]);
    case 'retention':
      return !r.cohorts.length;
    case 'paths':
      return !r.anchorPeople && !r.links.length;
    case 'lifecycle':
      return !r.periods.length || [...r.new, ...r.returning, ...r.resurrecting, ...r.dormant].every((v) => !v);
    case 'rfm':
      return r.types.every((x) => !x.people);
    case 'attribution':
      return !r.rows.length;
  }
}
