import ExcelJS from 'exceljs';
import { RFM_LABELS, type AnalysisQuery, type AnalysisResult } from '@siyu/contracts';
import { xlsxBuffer } from '../../platform/excel.js';

const KIND_NAMES: Record<AnalysisResult['kind'], string> = {
  trends: '事件分析', funnel: '漏斗分析', retention: '留存分析', paths: '路径分析', lifecycle: '用户生命周期', rfm: 'RFM分析', attribution: '渠道归因',
};

/** An analysis result as the table the console shows, one sheet, Chinese headers. */
export async function resultXlsx(query: AnalysisQuery, result: AnalysisResult): Promise<{ name: string; data: Buffer }> {
  const wb = new ExcelJS.Workbook();
  const name = `${KIND_NAMES[result.kind]} ${query.from}~${query.to}`;
  const ws = wb.addWorksheet(KIND_NAMES[result.kind]);
  const header = (cols: string[]) => {
    ws.addRow(cols);
    ws.getRow(1).font = { bold: true };
  };
  switch (result.kind) {
    case 'trends':
      header(['指标', '分组', ...result.periods, '合计']);
      for (const s of result.series) ws.addRow([`${s.event} (${s.measure})`, s.breakdown ?? '(无)', ...s.values, s.total]);
      break;
    case 'funnel': {
      const steps = query.kind === 'funnel' ? query.steps.map((s, i) => `${i + 1}. ${s.event}`) : [];
      header(['分组', ...steps, '总转化率', '转化时间中位数(秒)']);
      for (const g of result.groups) ws.addRow([g.breakdown ?? '(全部)', ...g.counts, g.counts[0] ? g.counts.at(-1)! / g.counts[0] : 0, g.medianSecondsToConvert ?? '']);
      break;
    }
    case 'retention': {
      const n = result.cohorts[0]?.retained.length ?? 0;
      header(['起始', '人数', ...Array.from({ length: n }, (_, i) => `第${i + 1}期`)]);
      for (const c of result.cohorts) ws.addRow([c.start, c.size, ...c.retained]);
      break;
    }
    case 'paths':
      header(['步骤', '从', '到', '人数']);
      for (const l of result.links) ws.addRow([l.step, l.from, l.to, l.people]);
      break;
    case 'lifecycle':
      header(['周期', '新用户', '回流', '沉睡唤醒', '流失']);
      result.periods.forEach((p, i) => ws.addRow([p, result.new[i], result.returning[i], result.resurrecting[i], result.dormant[i]]));
      break;
    case 'rfm':
      header(['客户类型', '人数', '消费金额(元)']);
      for (const t of result.types) ws.addRow([RFM_LABELS[t.type].zh, t.people, t.monetaryFen / 100]);
      break;
    case 'attribution':
      header(['来源', '新客', '付款人数', '订单数', '收入(元)']);
      for (const r of result.rows) ws.addRow([r.value, r.newPeople, r.payers, r.orders, r.revenueFen / 100]);
      break;
  }
  return { name, data: await xlsxBuffer(wb) };
}
