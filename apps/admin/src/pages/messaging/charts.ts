import type { EChartsCoreOption } from 'echarts/core';
import type { BroadcastResult } from '@siyu/contracts';
import type { TFunction } from '../../lib/i18n';
import { fenToYuan } from '../../lib/money';

/** ECharts options of the broadcast pages; the shared Chart draws them (bars and lines only). */

const SENT = '#155bd4';
const HOLDOUT = '#ff9f2e';
const yuan = (fen: number) => Number(fenToYuan(Math.round(fen)));

/** One horizontal bar per delivery status, coloured as the status tags. */
export function statusBarOption(rows: { name: string; value: number; color: string }[]): EChartsCoreOption {
  return {
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: rows.map((r) => r.name), axisTick: { show: false } },
    series: [{ type: 'bar', barMaxWidth: 18, data: rows.map((r) => ({ value: r.value, itemStyle: { color: r.color } })), label: { show: true, position: 'right' } }],
  };
}

/**
 * Sent vs holdout, side by side for each measure. The measures have their own units (people, %, orders,
 * yuan), so each sits in a small chart of its own with its own axis; one legend names the two arms.
 */
export function armsOption(r: BroadcastResult, t: TFunction): EChartsCoreOption {
  const sent = t('msg.result.sentArm');
  const holdout = t('msg.result.holdoutArm');
  const measures: { name: string; sent: number; holdout: number; fmt: (v: number) => string }[] = [
    { name: t('msg.result.recipients'), sent: r.arms.sent.recipients, holdout: r.arms.holdout.recipients, fmt: (v) => String(v) },
    { name: t('msg.result.buyers'), sent: r.arms.sent.buyers, holdout: r.arms.holdout.buyers, fmt: (v) => String(v) },
    { name: t('msg.result.conversion'), sent: r.conversion.sent * 100, holdout: r.conversion.holdout * 100, fmt: (v) => `${v.toFixed(2)}%` },
    { name: t('msg.result.orders'), sent: r.arms.sent.orders, holdout: r.arms.holdout.orders, fmt: (v) => String(v) },
    { name: t('msg.result.revenuePerRecipient'), sent: yuan(r.revenuePerRecipientFen.sent), holdout: yuan(r.revenuePerRecipientFen.holdout), fmt: (v) => `¥${v.toFixed(2)}` },
  ];
  const n = measures.length;
  const width = 100 / n;
  return {
    color: [SENT, HOLDOUT],
    legend: { top: 0, data: [sent, holdout] },
    tooltip: { trigger: 'item' },
    grid: measures.map((_, i) => ({ left: `${i * width + 3}%`, width: `${width - 6}%`, top: 40, bottom: 36 })),
    xAxis: measures.map((m, i) => ({ type: 'category', gridIndex: i, data: [m.name], axisTick: { show: false }, axisLabel: { interval: 0, width: 110, overflow: 'break' } })),
    yAxis: measures.map((_, i) => ({ type: 'value', gridIndex: i, splitNumber: 3, axisLabel: { fontSize: 10 } })),
    series: measures.flatMap((m, i) => [
      { name: sent, type: 'bar', xAxisIndex: i, yAxisIndex: i, barMaxWidth: 28, data: [m.sent], label: { show: true, position: 'top', fontSize: 11, formatter: () => m.fmt(m.sent) }, tooltip: { valueFormatter: () => m.fmt(m.sent) } },
      { name: holdout, type: 'bar', xAxisIndex: i, yAxisIndex: i, barMaxWidth: 28, data: [m.holdout], label: { show: true, position: 'top', fontSize: 11, formatter: () => m.fmt(m.holdout) }, tooltip: { valueFormatter: () => m.fmt(m.holdout) } },
    ]),
  };
}

/**
 * The incremental revenue as an interval on a yuan axis: a bar from the low to the high end of the 95%
 * interval with caps, the estimate as a diamond, and a dashed line at 0 (an interval over it: no proof).
 */
export function intervalOption(inc: { estimate: number; low: number; high: number }, t: TFunction): EChartsCoreOption {
  const low = yuan(inc.low);
  const high = yuan(inc.high);
  const est = yuan(inc.estimate);
  const span = Math.max(Math.abs(low), Math.abs(high), 1);
  const color = inc.low > 0 ? '#2fc25b' : inc.high < 0 ? '#d4380d' : '#8c8c8c';
  const money = (v: number, digits = 2) => `${v < 0 ? '-' : ''}¥${Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
  return {
    grid: { left: 24, right: 24, top: 24, bottom: 32, containLabel: true },
    tooltip: { trigger: 'item', formatter: () => `${t('msg.result.estimate')}: ${money(est)}<br/>${t('msg.result.interval95')}: ${money(low)} ~ ${money(high)}` },
    // The padded ends are not round numbers: only the axis's own ticks are labelled.
    xAxis: { type: 'value', min: Math.min(0, low) - span * 0.15, max: Math.max(0, high) + span * 0.15, axisLabel: { showMinLabel: false, showMaxLabel: false, formatter: (v: number) => money(v, 0) } },
    yAxis: { type: 'value', min: -1, max: 1, show: false },
    series: [
      { name: 'zero', type: 'line', data: [[0, -0.8], [0, 0.8]], symbol: 'none', lineStyle: { color: '#646566', type: 'dashed', width: 1 }, tooltip: { show: false }, silent: true },
      {
        name: t('msg.result.interval95'),
        type: 'line',
        data: [[low, 0], [high, 0]],
        symbol: 'rect',
        symbolSize: [3, 22],
        lineStyle: { color, width: 6 },
        itemStyle: { color },
        label: { show: true, position: 'bottom', formatter: (p: { value: number[] }) => money(p.value[0]!) },
      },
      { name: t('msg.result.estimate'), type: 'line', data: [[est, 0]], symbol: 'diamond', symbolSize: 16, itemStyle: { color: '#323233' }, label: { show: true, position: 'top', formatter: () => money(est) } },
    ],
  };
}
