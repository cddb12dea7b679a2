import type { EChartsCoreOption } from 'echarts/core';
import type { TFunction } from '../../lib/i18n';

/** ECharts options of the customer-group pages; the shared Chart draws them (bars and lines only). */

const JOINED = '#155bd4';
const LEFT = '#fa8c16';
const NET = '#2fc25b';

/**
 * Customers joining and leaving the corp's groups per day: joins up, leaves down as negative bars so a bad
 * day stands out, and the day's net change as a line.
 */
export function groupsTrendOption(days: { day: string; joined: number; left: number }[], t: TFunction): EChartsCoreOption {
  const joined = t('wecom.grp.joined');
  const left = t('wecom.grp.left');
  const net = t('wecom.grp.net');
  return {
    color: [JOINED, LEFT, NET],
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => String(Math.abs(v)) },
    legend: { top: 0, data: [joined, left, net] },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: days.map((d) => d.day.slice(5)), axisTick: { alignWithLabel: true } },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { formatter: (v: number) => String(Math.abs(v)) } },
    series: [
      { name: joined, type: 'bar', stack: 'flow', barMaxWidth: 16, data: days.map((d) => d.joined) },
      { name: left, type: 'bar', stack: 'flow', barMaxWidth: 16, data: days.map((d) => -d.left) },
      { name: net, type: 'line', symbol: 'none', data: days.map((d) => d.joined - d.left), tooltip: { valueFormatter: (v: number) => (v > 0 ? `+${v}` : String(v)) } },
    ],
  };
}

/** Joins through one group code per day. */
export function codeJoinsOption(days: { day: string; joins: number }[], t: TFunction): EChartsCoreOption {
  return {
    color: [JOINED],
    tooltip: { trigger: 'axis' },
    grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: days.map((d) => d.day.slice(5)), axisTick: { alignWithLabel: true } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: t('wecom.gcode.joins'), type: 'bar', barMaxWidth: 18, data: days.map((d) => d.joins) }],
  };
}
