import ExcelJS from 'exceljs';
import { addSheet, beijingTime, xlsxBuffer, yuan } from '../../../platform/excel.js';
import type { LeaderService } from './service.js';

const MAX_ROWS = 50_000;
const ORDER_STATUS_ZH: Record<string, string> = { paid: '待自提', completed: '已自提' };
const SETTLEMENT_STATUS_ZH: Record<string, string> = { open: '待打款', paid: '已打款' };

/** A leader's pick list for one batch: what to pick per SKU, then the orders, as a leader prints it. */
export async function exportPickListXlsx(leaders: LeaderService, shopId: string, leaderId: string, date: string): Promise<Buffer> {
  const list = await leaders.pickList(shopId, leaderId, date);
  const wb = new ExcelJS.Workbook();
  const picks = addSheet(wb, '拣货单', [
    { header: '商品', key: 'title', width: 30 },
    { header: '规格', key: 'spec', width: 16 },
    { header: '数量', key: 'quantity', width: 8 },
    { header: '订单数', key: 'orders', width: 8 },
  ]);
  for (const l of list.lines) picks.addRow({ title: l.title, spec: l.specText, quantity: l.quantity, orders: l.orders });
  picks.addRow({});
  picks.addRow({ title: `团长：${list.leader.name}　自提点：${list.leader.pointName}　截单日：${list.batchDate}　自提日：${list.pickupDate}` });

  const orders = addSheet(wb, '订单', [
    { header: '订单号', key: 'orderNo', width: 24 },
    { header: '顾客', key: 'nickname', width: 14 },
    { header: '手机', key: 'phone', width: 14 },
    { header: '商品', key: 'items', width: 40 },
    { header: '状态', key: 'status', width: 10 },
    { header: '支付时间', key: 'paidAt', width: 20 },
  ]);
  for (const o of list.orders) {
    orders.addRow({
      orderNo: o.orderNo, nickname: o.customerNickname ?? '', phone: o.phone ?? '', items: o.items.map((i) => `${i.title}${i.specText ? `(${i.specText})` : ''}×${i.quantity}`).join('；'),
      status: o.onHold ? '待成团' : (ORDER_STATUS_ZH[o.status] ?? o.status), paidAt: beijingTime(o.paidAt),
    });
  }
  return xlsxBuffer(wb);
}

/** Leader settlements (filtered by status), one row each, amounts in yuan. */
export async function exportSettlementsXlsx(leaders: LeaderService, shopId: string, status?: 'open' | 'paid'): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = addSheet(wb, '团长结算', [
    { header: '结算单号', key: 'no', width: 26 },
    { header: '团长', key: 'name', width: 14 },
    { header: '开始日期', key: 'from', width: 12 },
    { header: '截止日期', key: 'to', width: 12 },
    { header: '订单数', key: 'orders', width: 8 },
    { header: '佣金(元)', key: 'amount', width: 12 },
    { header: '状态', key: 'status', width: 10 },
    { header: '打款时间', key: 'paidAt', width: 20 },
    { header: '备注', key: 'note', width: 24 },
    { header: '生成时间', key: 'createdAt', width: 20 },
  ]);
  let written = 0;
  for (let page = 1; written < MAX_ROWS; page++) {
    const res = await leaders.settlements(shopId, { status, page, pageSize: 100 });
    for (const s of res.items) {
      ws.addRow({
        no: s.settlementNo, name: s.leaderName ?? '', from: s.periodFrom, to: s.periodTo, orders: s.orders, amount: yuan(s.commissionFen), status: SETTLEMENT_STATUS_ZH[s.status] ?? s.status,
        paidAt: beijingTime(s.paidAt), note: s.note ?? '', createdAt: beijingTime(s.createdAt),
      });
      written++;
    }
    if (page * 100 >= res.total) break;
  }
  return xlsxBuffer(wb);
}
