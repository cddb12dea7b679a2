import ExcelJS from 'exceljs';
import { ORDER_STATUS_LABELS } from '@siyu/contracts';
import { addSheet, beijingTime, xlsxBuffer, yuan } from '../../platform/excel.js';
import type { OrderService, OrderListQuery } from './service.js';

const MAX_ROWS = 20_000;

/** The filtered orders as an Excel sheet, one row per order line, the way merchants reconcile. */
export async function exportOrdersXlsx(orders: OrderService, shopId: string, q: Omit<OrderListQuery, 'page' | 'pageSize'>, phoneOf: (customerId: string) => string | null): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = addSheet(wb, '订单', [
    { header: '订单号', key: 'orderNo', width: 24 },
    { header: '下单时间', key: 'createdAt', width: 20 },
    { header: '状态', key: 'status', width: 10 },
    { header: '买家手机', key: 'phone', width: 14 },
    { header: '配送方式', key: 'fulfilment', width: 10 },
    { header: '商品', key: 'title', width: 30 },
    { header: '规格', key: 'spec', width: 16 },
    { header: '数量', key: 'qty', width: 8 },
    { header: '单价(元)', key: 'price', width: 10 },
    { header: '商品实付(元)', key: 'linePayable', width: 12 },
    { header: '运费(元)', key: 'shipping', width: 10 },
    { header: '订单实付(元)', key: 'paid', width: 12 },
    { header: '已退款(元)', key: 'refunded', width: 12 },
    { header: '收货人', key: 'contact', width: 10 },
    { header: '收货地址', key: 'address', width: 40 },
    { header: '快递公司', key: 'carrier', width: 12 },
    { header: '快递单号', key: 'trackingNo', width: 20 },
  ]);
  let rows = 0;
  for (let page = 1; rows < MAX_ROWS; page++) {
    const res = await orders.list(shopId, { ...q, page, pageSize: 100 });
    for (const o of res.items) {
      for (const it of o.items) {
        ws.addRow({
          orderNo: o.orderNo,
          createdAt: beijingTime(o.createdAt),
          status: ORDER_STATUS_LABELS[o.status].zh,
          phone: phoneOf(o.customerId) ?? '',
          fulfilment: o.fulfilment === 'pickup' ? '到店自提' : '快递',
          title: it.title,
          spec: it.specText,
          qty: it.quantity,
          price: yuan(it.unitPriceFen),
          linePayable: yuan(it.payableFen),
          shipping: yuan(o.shippingFen),
          paid: yuan(o.paidFen),
          refunded: yuan(o.refundedFen),
          contact: o.address?.contactName ?? o.pickupPoint?.name ?? '',
          address: o.address ? `${o.address.province}${o.address.city}${o.address.district}${o.address.detail}` : (o.pickupPoint?.address ?? ''),
          carrier: o.carrierName ?? '',
          trackingNo: o.trackingNo ?? '',
        });
        rows++;
      }
    }
    if (page * 100 >= res.total) break;
  }
  return xlsxBuffer(wb);
}
