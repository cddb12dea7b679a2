import ExcelJS from 'exceljs';
import { WECOM_ADD_WAY_LABELS, WECOM_STAGE_LABELS, type WecomRelationQuery, type WecomStage } from '@siyu/contracts';
import { addSheet, beijingTime, xlsxBuffer } from '../../platform/excel.js';
import type { WecomRelations } from './relations.js';

const MAX_ROWS = 50_000;
const STATUS_ZH: Record<string, string> = { active: '正常', deleted_by_staff: '员工删除客户', deleted_by_customer: '客户删除员工', transferred: '已转接', taking_over: '接替中' };

/** The filtered relations as an Excel sheet, one row per (staff member, customer), as merchants keep them. */
export async function exportRelationsXlsx(relations: WecomRelations, shopId: string, q: Omit<WecomRelationQuery, 'page' | 'pageSize'>, tagNames: Map<string, string>): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = addSheet(wb, '企微客户', [
    { header: '客户昵称', key: 'name', width: 16 },
    { header: '备注', key: 'remark', width: 16 },
    { header: '备注手机', key: 'mobiles', width: 16 },
    { header: '所属员工', key: 'staff', width: 12 },
    { header: '员工账号', key: 'staffUserid', width: 14 },
    { header: '添加方式', key: 'addWay', width: 14 },
    { header: '渠道参数', key: 'state', width: 14 },
    { header: '添加时间', key: 'addedAt', width: 20 },
    { header: '跟进阶段', key: 'stage', width: 10 },
    { header: '状态', key: 'status', width: 12 },
    { header: '企业标签', key: 'tags', width: 30 },
    { header: '已关联会员', key: 'linked', width: 10 },
    { header: 'external_userid', key: 'external', width: 34 },
  ]);
  let written = 0;
  for (let page = 1; written < MAX_ROWS; page++) {
    const res = await relations.list(shopId, { ...q, page, pageSize: 100 });
    for (const r of res.items) {
      ws.addRow({
        name: r.name ?? '', remark: r.remark, mobiles: r.remarkMobiles.join(' '), staff: r.staffName ?? '', staffUserid: r.staffUserid,
        addWay: WECOM_ADD_WAY_LABELS[r.addWay]?.zh ?? `其他(${r.addWay})`, state: r.state ?? '', addedAt: beijingTime(r.addedAt),
        stage: WECOM_STAGE_LABELS[r.stage as WecomStage]?.zh ?? r.stage, status: STATUS_ZH[r.status] ?? r.status,
        tags: r.tagIds.map((id) => tagNames.get(id) ?? id).join('、'), linked: r.customerId ? '是' : '否', external: r.externalUserid,
      });
      written++;
    }
    if (page * 100 >= res.total) break;
  }
  return xlsxBuffer(wb);
}
