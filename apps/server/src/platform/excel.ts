import ExcelJS from 'exceljs';

/**
 * What every Excel export of the console shares: a sheet with its columns and a bold header row, times as
 * merchants read them (Beijing, to the second), amounts in yuan, and the workbook as the bytes the route sends.
 */
export function addSheet(wb: ExcelJS.Workbook, name: string, columns: Partial<ExcelJS.Column>[]) {
  const ws = wb.addWorksheet(name);
  ws.columns = columns;
  ws.getRow(1).font = { bold: true };
  return ws;
}

/** "2026-12-05 10:21:09" in Beijing time; '' for none. */
export const beijingTime = (d: Date | string | null | undefined) =>
  d ? new Date(new Date(d).getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ') : '';

/** Fen as yuan, to the fen. */
export const yuan = (fen: number) => Number((fen / 100).toFixed(2));

export async function xlsxBuffer(wb: ExcelJS.Workbook) {
  return Buffer.from(await wb.xlsx.writeBuffer());
}
