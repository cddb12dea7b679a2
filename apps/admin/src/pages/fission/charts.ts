import type { EChartsCoreOption } from 'echarts/core';
import type { TFunction } from '../../lib/i18n';

/** ECharts options of the fission pages; the shared Chart draws them (bars and lines only). */

const BLUE = '#155bd4';
const GREEN = '#2fc25b';
const RED = '#f5222d';
const ORANGE = '#fa8c16';

/** Groups opened per day as bars; how many ended in success or failure that day as lines. */
export function groupDailyOption(days: { date: string; opened: number; succeeded: number; failed: number }[], t: TFunction): EChartsCoreOption {
  const opened = t('fission.gb.chart.opened');
  const succeeded = t('fission.gb.chart.succeeded');
  const failed = t('fission.gb.chart.failed');
  return {
    color: [BLUE, GREEN, RED],
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: [opened, succeeded, failed] },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: days.map((d) => d.date.slice(5, 10)), axisTick: { alignWithLabel: true } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: opened, type: 'bar', barMaxWidth: 16, data: days.map((d) => d.opened) },
      { name: succeeded, type: 'line', symbol: 'circle', symbolSize: 4, data: days.map((d) => d.succeeded) },
      { name: failed, type: 'line', symbol: 'circle', symbolSize: 4, data: days.map((d) => d.failed) },
    ],
  };
}

const DAY_MS = 86_400_000;
/** Today's date in China (the server groups days in Asia/Shanghai), "YYYY-MM-DD". */
const shanghaiDay = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

/**
 * The last `n` days, each present: the overview lists only days with ledger entries, and a chart whose
 * axis skips quiet days would read as steady activity.
 */
export function fillDays<T extends { date: string }>(days: T[], empty: (date: string) => T, n = 30, now = Date.now()): T[] {
  const byDate = new Map(days.map((d) => [d.date.slice(0, 10), d]));
  return Array.from({ length: n }, (_, i) => {
    const date = shanghaiDay(now - (n - 1 - i) * DAY_MS);
    return byDate.get(date) ?? empty(date);
  });
}

/** Commission earned vs paid out per day (the last 30 days, quiet ones as zero), in yuan. */
export function commissionDailyOption(raw: { date: string; earnedFen: number; paidFen: number }[], t: TFunction): EChartsCoreOption {
  const days = fillDays(raw, (date) => ({ date, earnedFen: 0, paidFen: 0 }));
  const earned = t('fission.ds.chart.earned');
  const paid = t('fission.ds.chart.paid');
  const yuan = (v: number) => `¥${v.toFixed(2)}`;
  return {
    color: [ORANGE, GREEN],
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => yuan(v) },
    legend: { top: 0, data: [earned, paid] },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: days.map((d) => d.date.slice(5, 10)), axisTick: { alignWithLabel: true } },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => `¥${v}` } },
    series: [
      { name: earned, type: 'bar', barMaxWidth: 16, data: days.map((d) => d.earnedFen / 100) },
      { name: paid, type: 'line', symbol: 'circle', symbolSize: 4, data: days.map((d) => d.paidFen / 100) },
    ],
  };
}
