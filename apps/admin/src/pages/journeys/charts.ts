import type { EChartsCoreOption } from 'echarts/core';
import type { TFunction } from '../../lib/i18n';
import { fenToYuan } from '../../lib/money';
import type { JourneyResult } from './types';

const TREATMENT = '#155bd4';
const HOLDOUT = '#ff9f2e';
const yuan = (fen: number) => Number(fenToYuan(Math.round(fen)));

export const rate = (a: { customers: number; converted: number }) => (a.customers > 0 ? a.converted / a.customers : 0);
export const perCustomerFen = (a: { customers: number; revenueFen: number }) => (a.customers > 0 ? a.revenueFen / a.customers : 0);

/**
 * Treatment vs holdout for the two measures a journey is judged on — conversion rate and revenue per
 * customer — each in a small chart of its own axis (% and yuan), one legend naming the two groups.
 */
export function journeyArmsOption(r: JourneyResult, t: TFunction): EChartsCoreOption {
  const a = t('jr.result.treatment');
  const b = t('jr.result.holdout');
  const measures = [
    { name: t('jr.result.conversion'), a: rate(r.treatment) * 100, b: rate(r.holdout) * 100, fmt: (v: number) => `${v.toFixed(2)}%` },
    { name: t('jr.result.revenuePerCustomer'), a: yuan(perCustomerFen(r.treatment)), b: yuan(perCustomerFen(r.holdout)), fmt: (v: number) => `¥${v.toFixed(2)}` },
  ];
  return {
    color: [TREATMENT, HOLDOUT],
    legend: { top: 0, data: [a, b] },
    tooltip: { trigger: 'item' },
    grid: measures.map((_, i) => ({ left: `${i * 50 + 6}%`, width: '38%', top: 40, bottom: 30 })),
    xAxis: measures.map((m, i) => ({ type: 'category', gridIndex: i, data: [m.name], axisTick: { show: false } })),
    yAxis: measures.map((_, i) => ({ type: 'value', gridIndex: i, splitNumber: 3, axisLabel: { fontSize: 10 } })),
    series: measures.flatMap((m, i) => [
      { name: a, type: 'bar', xAxisIndex: i, yAxisIndex: i, barMaxWidth: 36, data: [m.a], label: { show: true, position: 'top', formatter: () => m.fmt(m.a) }, tooltip: { valueFormatter: () => m.fmt(m.a) } },
      { name: b, type: 'bar', xAxisIndex: i, yAxisIndex: i, barMaxWidth: 36, data: [m.b], label: { show: true, position: 'top', formatter: () => m.fmt(m.b) }, tooltip: { valueFormatter: () => m.fmt(m.b) } },
    ]),
  };
}
