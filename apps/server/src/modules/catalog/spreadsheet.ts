import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { badRequest } from '../../platform/errors.js';
import type { ImportRow } from './schema.js';
import { addSheet, xlsxBuffer } from '../../platform/excel.js';

/** The import/export columns, in template order. Chinese headers are canonical; English ones are accepted. */
export const COLUMNS = [
  { key: 'title', header: '商品名称', aliases: ['title', 'product', 'product name', 'product title', 'name'], width: 30 },
  { key: 'category', header: '分类', aliases: ['category', '商品分类'], width: 18 },
  { key: 'spec1', header: '规格1', aliases: ['spec1', 'spec 1', 'spec1 name'], width: 10 },
  { key: 'spec1Value', header: '规格1值', aliases: ['spec1 value', 'spec 1 value', 'spec1value'], width: 10 },
  { key: 'spec2', header: '规格2', aliases: ['spec2', 'spec 2', 'spec2 name'], width: 10 },
  { key: 'spec2Value', header: '规格2值', aliases: ['spec2 value', 'spec 2 value', 'spec2value'], width: 10 },
  { key: 'price', header: '售价(元)', aliases: ['售价', 'price', 'price(yuan)', 'price (yuan)', 'price(cny)'], width: 12 },
  { key: 'marketPrice', header: '划线价(元)', aliases: ['划线价', 'market price', 'market price(yuan)', 'market price (yuan)', 'original price'], width: 12 },
  { key: 'stock', header: '库存', aliases: ['stock', 'quantity', 'inventory'], width: 10 },
  { key: 'skuCode', header: '商品编码', aliases: ['sku code', 'skucode', 'code', 'sku'], width: 18 },
  { key: 'status', header: '状态(草稿/上架)', aliases: ['状态', 'status', '状态(草稿/上架/下架)'], width: 16 },
] as const;

export type ColumnKey = (typeof COLUMNS)[number]['key'];
export const HEADER_OF = Object.fromEntries(COLUMNS.map((c) => [c.key, c.header])) as Record<ColumnKey, string>;
export const MAX_IMPORT_ROWS = 5000;

const norm = (s: string) => s.normalize('NFKC').toLowerCase().replace(/[\s_\-（）]/g, (c) => (c === '（' ? '(' : c === '）' ? ')' : '')).trim();
const ALIASES = new Map<string, ColumnKey>();
for (const c of COLUMNS) for (const a of [c.header, ...c.aliases]) ALIASES.set(norm(a), c.key);

/** Cells of one row in COLUMNS order. */
export type Cells = Record<ColumnKey, string>;
export const cellsOf = (r: ImportRow): Cells => Object.fromEntries(COLUMNS.map((c, i) => [c.key, r.cells[i] ?? ''])) as Cells;

const invalid = (message: string) => badRequest('IMPORT_FILE_INVALID', message, { field: 'file' });

/**
 * Reads an .xlsx or .csv upload into rows of cell texts in COLUMNS order, with each row's number as the
 * merchant sees it in Excel. Anything that is not a spreadsheet with a 商品名称 and a 售价 column is refused.
 */
export async function readSpreadsheet(fileName: string, data: Buffer): Promise<{ rows: ImportRow[] }> {
  let table: { row: number; cells: string[] }[];
  if (data.length >= 4 && data.readUInt32BE(0) === 0x504b0304) table = await readXlsx(data);
  else if (data.length >= 4 && data.readUInt32BE(0) === 0xd0cf11e0) throw invalid('Old .xls files are not supported; save the file as .xlsx');
  else if (looksLikeText(data)) table = readCsv(data);
  else throw invalid(`${fileName} is not an .xlsx or .csv file`);

  const headerAt = table.findIndex((r) => r.cells.some((c) => c !== ''));
  if (headerAt < 0) throw invalid('The file is empty');
  const header = table[headerAt].cells.map((c) => ALIASES.get(norm(c)));
  const positions = new Map<ColumnKey, number>();
  header.forEach((k, i) => {
    if (k && !positions.has(k)) positions.set(k, i);
  });
  for (const need of ['title', 'price'] as const) {
    if (!positions.has(need)) throw invalid(`Column ${HEADER_OF[need]} is missing; download the template`);
  }
  const rows: ImportRow[] = [];
  for (const r of table.slice(headerAt + 1)) {
    const cells = COLUMNS.map((c) => {
      const at = positions.get(c.key);
      return at === undefined ? '' : (r.cells[at] ?? '').trim();
    });
    if (cells.every((c) => c === '')) continue;
    rows.push({ row: r.row, cells });
  }
  if (rows.length === 0) throw invalid('The file has no product rows');
  if (rows.length > MAX_IMPORT_ROWS) throw badRequest('IMPORT_TOO_MANY_ROWS', `At most ${MAX_IMPORT_ROWS} rows per file`, { field: 'file', rows: rows.length });
  return { rows };
}

async function readXlsx(data: Buffer) {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(data as unknown as ArrayBuffer);
  } catch {
    throw invalid('The file is not a readable .xlsx workbook');
  }
  const sheet = wb.worksheets.find((w) => w.actualRowCount > 0);
  if (!sheet) throw invalid('The workbook has no data');
  const out: { row: number; cells: string[] }[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: string[] = [];
    for (let c = 1; c <= row.cellCount; c++) cells.push(cellText(row.getCell(c).value));
    out.push({ row: rowNumber, cells });
  });
  return out;
}

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') {
    // A formula like =A1*1.1 can leave binary noise (12.100000000000001); Excel shows two decimals.
    const s = String(v);
    return /\.\d{3,}/.test(s) && Math.abs(v * 100 - Math.round(v * 100)) < 1e-6 ? v.toFixed(2) : s;
  }
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((t) => t.text).join('').trim();
    if ('result' in v) return cellText((v as { result?: ExcelJS.CellValue }).result ?? null);
    if ('text' in v) return String((v as { text: unknown }).text).trim();
    if ('error' in v) return '';
  }
  return String(v).trim();
}

function looksLikeText(data: Buffer) {
  const head = data.subarray(0, 4096);
  return !head.includes(0);
}

function readCsv(data: Buffer) {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    // Excel on Chinese Windows saves CSV as GBK.
    text = new TextDecoder('gb18030').decode(data);
  }
  let records: string[][];
  try {
    records = parseCsv(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: false, relax_quotes: true }) as string[][];
  } catch {
    throw invalid('The CSV file cannot be read');
  }
  // When Excel opens a CSV, record n is row n.
  return records.map((cells, i) => ({ row: i + 1, cells: cells.map((c) => c.trim()) }));
}

/** A workbook with the template's header row (bold, frozen, with widths). */
export function templateWorkbook() {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Siyu';
  const sheet = addSheet(wb, '商品', COLUMNS.map((c) => ({ header: c.header, key: c.key, width: c.width })));
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  return { wb, sheet };
}

export { xlsxBuffer as toBuffer };

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
