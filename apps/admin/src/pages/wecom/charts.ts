import type { EChartsCoreOption } from 'echarts/core';
import type { TFunction } from '../../lib/i18n';
import type { ChannelCodeStats } from './types';

/**
 * From scanning to buying, for one code: each bar is a subset of the one above (the customers who stayed
 * are among those added, the first-time buyers among the buyers), so the drop between bars is the loss.
 */
export function codeFunnelOption(s: ChannelCodeStats, t: TFunction): EChartsCoreOption {
  const rows = [
    { name: t('wecom.stats.adds'), value: s.adds, color: '#155bd4' },
    { name: t('wecom.stats.active'), value: s.activeContacts, color: '#3d7fff' },
    { name: t('wecom.stats.linked'), value: s.linkedCustomers, color: '#6c9dff' },
    { name: t('wecom.stats.buyers'), value: s.buyers, color: '#2fc25b' },
    { name: t('wecom.stats.firstOrders'), value: s.firstOrders, color: '#13a04a' },
  ];
  return {
    grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: rows.map((r) => r.name), axisTick: { show: false } },
    series: [{ type: 'bar', barMaxWidth: 22, data: rows.map((r) => ({ value: r.value, itemStyle: { color: r.color } })), label: { show: true, position: 'right' } }],
  };
}

/** Who ended the relations that ended: the staff member, or the customer. */
export function deletionsOption(s: ChannelCodeStats, t: TFunction): EChartsCoreOption {
  return {
    grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: [t('wecom.stats.deletedByCustomer'), t('wecom.stats.deletedByStaff')], axisTick: { show: false } },
    series: [
      {
        type: 'bar',
        barMaxWidth: 22,
        data: [
          { value: s.deletedByCustomer, itemStyle: { color: '#d4380d' } },
          { value: s.deletedByStaff, itemStyle: { color: '#fa8c16' } },
        ],
        label: { show: true, position: 'right' },
      },
    ],
  };
}
