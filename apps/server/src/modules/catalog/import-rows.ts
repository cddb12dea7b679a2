import { MAX_STOCK, type ProductStatus } from '@siyu/contracts';
import type { CategoryService } from './categories.js';
import type { ImportRow, ImportRowError } from './schema.js';
import { cartesian, specKey, yuanToFen } from './sku-matrix.js';
import { HEADER_OF, cellsOf, type ColumnKey } from './spreadsheet.js';

// Checks of import rows that need no database: each product's rows on their own, and codes across the file.

export const STATUS_IN: Record<string, ProductStatus> = {
  草稿: 'draft', draft: 'draft', 仓库中: 'draft',
  上架: 'on_sale', 在售: 'on_sale', 出售中: 'on_sale', on_sale: 'on_sale', 'on sale': 'on_sale',
  下架: 'off_shelf', 已下架: 'off_shelf', off_shelf: 'off_shelf', 'off shelf': 'off_shelf',
};
export const STATUS_OUT: Record<ProductStatus, string> = { draft: '草稿', on_sale: '上架', off_shelf: '下架' };
export const SKU_CODE = /^[\w.\-/#]{1,64}$/;

/** Chinese messages for row errors (the merchant reads them next to the row in Excel). */
export const MESSAGES: Record<string, string> = {
  TITLE_REQUIRED: '商品名称不能为空',
  TITLE_INVALID: '商品名称不能超过100个字',
  PRODUCT_TITLE_AMBIGUOUS: '店铺中有多个同名商品，无法确定要更新哪一个',
  CATEGORY_NOT_FOUND: '分类不存在，请先在后台创建分类（二级分类写作“一级/二级”）',
  CATEGORY_AMBIGUOUS: '有多个同名分类，请写作“一级/二级”',
  SPEC_INVALID: '规格填写有误：填了规格值就要填规格名，规格名最多20字、规格值最多30字，两个规格名不能相同',
  SPEC_INCONSISTENT: '同一商品的每一行规格名必须相同',
  SPEC_DUPLICATE: '同一商品中规格组合重复',
  SPEC_COMBINATION_MISSING: '规格组合不完整：每种规格值的组合都需要一行',
  PRICE_INVALID: '价格格式不正确：请填写不小于0、最多两位小数的金额（元）',
  MARKET_PRICE_BELOW_PRICE: '划线价不能低于售价',
  QUANTITY_INVALID: `库存须为0到${MAX_STOCK}之间的整数`,
  SKU_CODE_INVALID: '商品编码只能包含字母、数字和 _ . - / #，最多64位',
  SKU_CODE_DUPLICATE: '商品编码重复（文件内或已被其他商品使用）',
  STATUS_INVALID: '状态只能填写 草稿、上架 或 下架',
  PRODUCT_PRICE_REQUIRED: '上架商品至少要有一个售价大于0的规格',
  PRODUCT_HAS_ERRORS: '同一商品的其他行有错误，整个商品未导入',
  VALIDATION_FAILED: '数据不符合要求',
};
export const FIELD_OF_PATH: Record<string, ColumnKey> = {
  title: 'title', categoryId: 'category', status: 'status', specAttributes: 'spec1',
  price: 'price', marketPrice: 'marketPrice', stock: 'stock', skuCode: 'skuCode', specValues: 'spec1Value',
};

export interface Group {
  title: string;
  rows: ImportRow[];
}

export type CategoryResolver = Awaited<ReturnType<CategoryService['resolver']>>;

/** One product's rows (sharing a 商品名称): spec matrix, prices, stock, codes, category and status. */
export function checkRows(g: Group, resolver: CategoryResolver, fileCodes: Map<string, number>) {
  const errors: ImportRowError[] = [];
  const add = (row: number, field: ColumnKey, code: string) => {
    if (!errors.some((e) => e.row === row && e.code === code)) errors.push(rowError(row, field, code));
  };
  const first = g.rows[0];
  const firstCells = cellsOf(first);
  if (g.title.length > 100) add(first.row, 'title', 'TITLE_INVALID');

  let categoryId: string | null | undefined;
  const catRow = g.rows.find((r) => cellsOf(r).category);
  if (catRow) {
    const found = resolver.find(cellsOf(catRow).category);
    if ('error' in found) add(catRow.row, 'category', found.error);
    else categoryId = found.id;
  }
  let status: ProductStatus | undefined;
  for (const r of g.rows) {
    const s = cellsOf(r).status;
    if (!s) continue;
    const parsed = STATUS_IN[s.toLowerCase()];
    if (!parsed) add(r.row, 'status', 'STATUS_INVALID');
    else status ??= parsed;
  }

  const names = [firstCells.spec1, firstCells.spec2].filter(Boolean);
  const attrs = names.map((name) => ({ name, values: [] as string[] }));
  const lines: { row: ImportRow; specValues: Record<string, string>; price: number; marketPrice: number | null; stock?: number; skuCode?: string }[] = [];
  const seen = new Set<string>();
  for (const r of g.rows) {
    const c = cellsOf(r);
    const rowNames = [c.spec1, c.spec2].filter(Boolean);
    const specBad =
      (!c.spec1 && (c.spec1Value || c.spec2)) || (!c.spec2 && c.spec2Value) || (c.spec1 && !c.spec1Value) || (c.spec2 && !c.spec2Value) ||
      (c.spec1 && c.spec1 === c.spec2) || rowNames.some((n) => n.length > 20) || [c.spec1Value, c.spec2Value].some((v) => v.length > 30);
    if (specBad) add(r.row, c.spec1 ? 'spec1Value' : 'spec1', 'SPEC_INVALID');
    else if (rowNames.join('\u0001') !== names.join('\u0001')) add(r.row, 'spec1', 'SPEC_INCONSISTENT');
    const specValues: Record<string, string> = {};
    if (!specBad) {
      attrs.forEach((a, i) => {
        const v = i === 0 ? c.spec1Value : c.spec2Value;
        specValues[a.name] = v;
        if (!a.values.includes(v)) a.values.push(v);
      });
      const key = specKey(specValues);
      if (seen.has(key)) add(r.row, 'spec1Value', 'SPEC_DUPLICATE');
      seen.add(key);
    }
    const price = yuanToFen(c.price);
    if (price === null || price > 100_000_000_00) add(r.row, 'price', 'PRICE_INVALID');
    let marketPrice: number | null = null;
    if (c.marketPrice) {
      marketPrice = yuanToFen(c.marketPrice);
      if (marketPrice === null || marketPrice > 100_000_000_00) add(r.row, 'marketPrice', 'PRICE_INVALID');
      else if (price !== null && marketPrice < price) add(r.row, 'marketPrice', 'MARKET_PRICE_BELOW_PRICE');
    }
    let stock: number | undefined;
    if (c.stock) {
      stock = /^\d{1,7}$/.test(c.stock) ? Number(c.stock) : NaN;
      if (!(stock <= MAX_STOCK)) add(r.row, 'stock', 'QUANTITY_INVALID');
    }
    if (c.skuCode) {
      if (!SKU_CODE.test(c.skuCode)) add(r.row, 'skuCode', 'SKU_CODE_INVALID');
      else if ((fileCodes.get(c.skuCode) ?? 0) > 1) add(r.row, 'skuCode', 'SKU_CODE_DUPLICATE');
    }
    lines.push({ row: r, specValues, price: price ?? 0, marketPrice, stock, skuCode: c.skuCode || undefined });
  }
  if (errors.length === 0) {
    const missing = cartesian(attrs).filter((combo) => !seen.has(specKey(combo)));
    if (missing.length) add(first.row, 'spec1Value', 'SPEC_COMBINATION_MISSING');
    if (status === 'on_sale' && !lines.some((l) => l.price > 0)) add(first.row, 'status', 'PRODUCT_PRICE_REQUIRED');
  }
  return { errors, add, attrs, lines, categoryId, status };
}

export function rowError(row: number, field: ColumnKey, code: string): ImportRowError {
  return { row, field: HEADER_OF[field], code, message: MESSAGES[code] ?? code };
}

/** How often each 商品编码 appears in the file. */
export function countCodes(rows: ImportRow[]) {
  const m = new Map<string, number>();
  for (const r of rows) {
    const code = cellsOf(r).skuCode;
    if (code) m.set(code, (m.get(code) ?? 0) + 1);
  }
  return m;
}
