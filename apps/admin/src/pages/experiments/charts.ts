import type { EChartsCoreOption } from 'echarts/core';

/**
 * ECharts options of the experiment report, drawn by the shared Chart (bars and lines only, so error bars
 * are short line series with flat caps rather than a custom series).
 */

export const ARM_COLORS = ['#8c8c8c', '#155bd4', '#ff9f2e', '#722ed1', '#13a8a8'];
const INK = '#323233';
const WIN = '#2fc25b';
const LOSE = '#d4380d';
const UNSURE = '#8c8c8c';

const pctLabel = (v: number, digits = 2) => `${v.toFixed(digits)}%`;

/** Each arm's conversion rate as a bar, with its 95 % (Wilson) interval as an error bar over it. */
export function armRatesOption(arms: { name: string; rate: number; lower: number | null; upper: number | null }[], labels: { rate: string; interval: string }): EChartsCoreOption {
  const names = arms.map((a) => a.name);
  const top = Math.max(0.0001, ...arms.map((a) => (a.upper ?? a.rate) * 100));
  return {
    grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'item',
      formatter: (p: { dataIndex: number; seriesType: string; seriesName: string }) => {
        const a = p.seriesType === 'bar' ? arms[p.dataIndex] : arms.find((x) => p.seriesName === `${labels.interval} ${x.name}`);
        if (!a) return '';
        const ci = a.lower !== null && a.upper !== null ? `<br/>${labels.interval}: ${pctLabel(a.lower * 100)} ~ ${pctLabel(a.upper * 100)}` : '';
        return `${a.name}<br/>${labels.rate}: ${pctLabel(a.rate * 100)}${ci}`;
      },
    },
    xAxis: { type: 'category', data: names, axisTick: { show: false }, axisLabel: { interval: 0, width: 120, overflow: 'truncate' } },
    yAxis: { type: 'value', min: 0, max: Math.ceil(top * 1.15 * 10) / 10, axisLabel: { formatter: (v: number) => `${v}%` } },
    series: [
      {
        name: labels.rate,
        type: 'bar',
        barMaxWidth: 56,
        data: arms.map((a, i) => ({ value: a.rate * 100, itemStyle: { color: ARM_COLORS[i % ARM_COLORS.length], opacity: 0.85 } })),
        label: { show: true, position: 'insideBottom', color: '#fff', fontWeight: 600, formatter: (p: { value: number }) => pctLabel(p.value) },
      },
      ...arms
        .map((a, i) => ({ a, i }))
        .filter(({ a }) => a.lower !== null && a.upper !== null)
        .map(({ a, i }) => ({
          name: `${labels.interval} ${a.name}`,
          type: 'line',
          data: [
            [i, a.lower! * 100],
            [i, a.upper! * 100],
          ],
          symbol: 'rect',
          symbolSize: [18, 2],
          lineStyle: { color: INK, width: 1.5 },
          itemStyle: { color: INK },
          z: 5,
        })),
    ],
  };
}

export interface DifferenceRow {
  name: string;
  /** Variant minus control, in the axis' unit (percentage points or yuan). */
  estimate: number;
  lower: number;
  upper: number;
  /** The always-valid interval (wider), drawn faint behind. */
  avLower: number;
  avUpper: number;
}

/**
 * Each variant minus the control: its interval as a bar with caps (green above 0, red below, grey
 * across), the always-valid interval faint behind it, the estimate as a diamond and a dashed line at 0.
 */
export function differenceOption(rows: DifferenceRow[], fmt: (v: number) => string, labels: { estimate: string; interval: string; avInterval: string }): EChartsCoreOption {
  const ends = rows.flatMap((r) => [r.lower, r.upper, r.avLower, r.avUpper, r.estimate]).filter(Number.isFinite);
  const low = Math.min(0, ...ends);
  const high = Math.max(0, ...ends);
  const pad = Math.max(high - low, 1e-9) * 0.12;
  const n = rows.length;
  return {
    grid: { left: 16, right: 16, top: 8, bottom: 28, containLabel: true },
    tooltip: {
      trigger: 'item',
      formatter: (p: { seriesName: string }) => {
        const r = rows.find((x) => p.seriesName.endsWith(`\u200b${x.name}`));
        if (!r) return '';
        return `${r.name}<br/>${labels.estimate}: ${fmt(r.estimate)}<br/>${labels.interval}: ${fmt(r.lower)} ~ ${fmt(r.upper)}<br/>${labels.avInterval}: ${fmt(r.avLower)} ~ ${fmt(r.avUpper)}`;
      },
    },
    // The padded ends are not round numbers: only the axis's own ticks are labelled.
    xAxis: { type: 'value', min: low - pad, max: high + pad, axisLabel: { showMinLabel: false, showMaxLabel: false, formatter: (v: number) => fmt(v) } },
    yAxis: { type: 'value', min: -0.75, max: n - 0.25, inverse: true, show: false },
    series: [
      { name: 'zero', type: 'line', data: [[0, -0.6], [0, n - 0.4]], symbol: 'none', lineStyle: { color: '#646566', type: 'dashed', width: 1 }, tooltip: { show: false }, silent: true },
      ...rows.flatMap((r, i) => {
        const color = r.lower > 0 ? WIN : r.upper < 0 ? LOSE : UNSURE;
        // A zero-width space keeps each series' name unique and lets the tooltip find its row.
        const tag = `\u200b${r.name}`;
        return [
          { name: `av${tag}`, type: 'line', data: [[r.avLower, i], [r.avUpper, i]], symbol: 'none', lineStyle: { color, width: 14, opacity: 0.18, cap: 'round' }, z: 1 },
          { name: `ci${tag}`, type: 'line', data: [[r.lower, i], [r.upper, i]], symbol: 'rect', symbolSize: [3, 20], lineStyle: { color, width: 6 }, itemStyle: { color }, z: 2 },
          {
            name: `est${tag}`,
            type: 'line',
            data: [[r.estimate, i]],
            symbol: 'diamond',
            symbolSize: 16,
            itemStyle: { color: INK },
            z: 3,
            label: { show: true, position: 'top', distance: 12, color: INK, formatter: () => `${r.name}  ${fmt(r.estimate)}  [${fmt(r.lower)}, ${fmt(r.upper)}]` },
          },
        ];
      }),
    ],
  };
}
