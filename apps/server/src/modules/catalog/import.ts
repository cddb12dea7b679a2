import { and, desc, eq, inArray, notInArray } from 'drizzle-orm';
import { MAX_STOCK, ProductInput, type ProductInputParsed } from '@siyu/contracts';
import type { Actor, Platform } from '../../platform/context.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { Role } from '../../platform/auth/rbac.js';
import type { CategoryService } from './categories.js';
import { FIELD_OF_PATH, MESSAGES, STATUS_OUT, checkRows, countCodes, rowError, type CategoryResolver, type Group } from './import-rows.js';
import type { CatalogService, ListFilters } from './service.js';
import { catalogImports, skus, type ImportRowError } from './schema.js';
import { fenToYuan, specKey } from './sku-matrix.js';
import { COLUMNS, HEADER_OF, cellsOf, readSpreadsheet, templateWorkbook, toBuffer } from './spreadsheet.js';

export const IMPORT_QUEUE = 'catalog.import';

/** Batch product import (Excel/CSV) as a background job, its error report, the template and the export. */
export class ImportService {
  constructor(
    private p: Platform,
    private catalog: CatalogService,
    private categories: CategoryService,
  ) {}

  /** Reads the file now (so a non-spreadsheet is refused at once) and queues the import. */
  async start(actor: Actor, fileName: string, data: Buffer) {
    const { rows } = await readSpreadsheet(fileName, data);
    return this.p.database.transaction(async (tx) => {
      const [row] = await tx
        .insert(catalogImports)
        .values({
          shopId: actor.shopId,
          fileName: fileName.slice(0, 200),
          headers: COLUMNS.map((c) => c.header),
          rows,
          total: rows.length,
          createdBy: `${actor.type}:${actor.id}`,
          createdByName: actor.name,
        })
        .returning();
      await this.p.jobs.send(IMPORT_QUEUE, { importId: row.id }, { tx, singletonKey: row.id });
      return view(row);
    });
  }

  async get(shopId: string, id: string) {
    const [row] = await this.p.db.select().from(catalogImports).where(and(eq(catalogImports.shopId, shopId), eq(catalogImports.id, id)));
    if (!row) throw notFound('Import', { field: 'id' });
    return row;
  }

  async status(shopId: string, id: string) {
    return view(await this.get(shopId, id));
  }

  async list(shopId: string, limit = 20) {
    const list = await this.p.db.select().from(catalogImports).where(eq(catalogImports.shopId, shopId)).orderBy(desc(catalogImports.createdAt)).limit(limit);
    return list.map(view);
  }

  /** The job: every product (rows sharing a 商品名称) is checked, then written in its own transaction or not at all. */
  async run(importId: string, attempt: { last: boolean }) {
    const [imp] = await this.p.db.select().from(catalogImports).where(eq(catalogImports.id, importId));
    if (!imp || imp.status === 'done' || imp.status === 'failed') return;
    try {
      await this.p.db.update(catalogImports).set({ status: 'running', startedAt: this.p.now() }).where(eq(catalogImports.id, importId));
      const [type, id] = imp.createdBy.split(':');
      const actor: Actor = { shopId: imp.shopId, type: type as Actor['type'], id, name: imp.createdByName ?? 'import', role: 'operator' as Role };
      const resolver = await this.categories.resolver(imp.shopId);
      const errors: ImportRowError[] = [];
      const counts = { processed: 0, succeeded: 0, failed: 0, created: 0, updated: 0 };

      const groups = new Map<string, Group>();
      for (const r of imp.rows) {
        const title = cellsOf(r).title;
        if (!title) {
          errors.push(rowError(r.row, 'title', 'TITLE_REQUIRED'));
          counts.processed++;
          counts.failed++;
          continue;
        }
        const g = groups.get(title) ?? { title, rows: [] };
        g.rows.push(r);
        groups.set(title, g);
      }
      const fileCodes = countCodes(imp.rows);

      for (const g of groups.values()) {
        let groupErrors = await this.check(imp.shopId, g, resolver, fileCodes);
        if (groupErrors.errors.length === 0) {
          try {
            const outcome = await this.p.database.transaction(async (tx) => {
              const ids = await this.catalog.idsByTitle(imp.shopId, g.title, tx);
              if (ids.length > 1) throw new RowFailure(rowError(g.rows[0].row, 'title', 'PRODUCT_TITLE_AMBIGUOUS'));
              if (ids.length === 1) {
                const current = await this.catalog.detail(imp.shopId, ids[0], tx);
                await this.catalog.updateProduct(actor, ids[0], groupErrors.input(current), tx);
                return 'updated' as const;
              }
              await this.catalog.createProduct(actor, groupErrors.input(null), tx);
              return 'created' as const;
            });
            counts[outcome]++;
          } catch (err) {
            groupErrors = { ...groupErrors, errors: [toRowError(err, g)] };
          }
        }
        counts.processed += g.rows.length;
        if (groupErrors.errors.length === 0) {
          counts.succeeded += g.rows.length;
        } else {
          counts.failed += g.rows.length;
          const bad = new Set(groupErrors.errors.map((e) => e.row));
          errors.push(...groupErrors.errors, ...g.rows.filter((r) => !bad.has(r.row)).map((r) => rowError(r.row, 'title', 'PRODUCT_HAS_ERRORS')));
        }
        await this.progress(importId, counts, errors);
      }
      errors.sort((a, b) => a.row - b.row);
      await this.p.db
        .update(catalogImports)
        .set({ ...progressValues(counts, errors), status: 'done', finishedAt: this.p.now() })
        .where(eq(catalogImports.id, importId));
    } catch (err) {
      // A crash (not a bad row) is retried by the queue; products already written are simply updated again.
      if (attempt.last) {
        await this.p.db
          .update(catalogImports)
          .set({ status: 'failed', failure: (err as Error).message.slice(0, 500), finishedAt: this.p.now() })
          .where(eq(catalogImports.id, importId));
      }
      throw err;
    }
  }

  private async progress(id: string, counts: Counts, errors: ImportRowError[]) {
    await this.p.db.update(catalogImports).set(progressValues(counts, errors)).where(eq(catalogImports.id, id));
  }

  /** Checks one product's rows; on success returns how to build its ProductInput. */
  private async check(shopId: string, g: Group, resolver: CategoryResolver, fileCodes: Map<string, number>) {
    const { errors, add, attrs, lines, categoryId, status } = checkRows(g, resolver, fileCodes);
    if (errors.length === 0) {
      // Codes already used by another product of the shop (this product's own codes may stay).
      const codes = lines.map((l) => l.skuCode).filter((c): c is string => !!c);
      if (codes.length) {
        const own = await this.catalog.idsByTitle(shopId, g.title);
        const taken = await this.p.db
          .select({ skuCode: skus.skuCode })
          .from(skus)
          .where(and(eq(skus.shopId, shopId), eq(skus.status, 'active'), inArray(skus.skuCode, codes), own.length ? notInArray(skus.productId, own) : undefined));
        for (const t of taken) add(lines.find((l) => l.skuCode === t.skuCode)!.row.row, 'skuCode', 'SKU_CODE_DUPLICATE');
      }
    }
    const input = (current: Awaited<ReturnType<CatalogService['detail']>> | null): ProductInputParsed => {
      const raw = {
        title: g.title,
        subtitle: current?.subtitle ?? '',
        description: current?.description ?? '',
        categoryId: categoryId !== undefined ? categoryId : (current?.categoryId ?? null),
        status: status ?? current?.status ?? 'draft',
        images: current?.images ?? [],
        specAttributes: attrs,
        weightGrams: current?.weightGrams ?? 0,
        skus: lines.map((l) => {
          const old = current?.skus.find((s) => specKey(s.specValues) === specKey(l.specValues));
          return { specValues: l.specValues, price: l.price, marketPrice: l.marketPrice, stock: l.stock, skuCode: l.skuCode, weightGrams: old?.weightGrams ?? null };
        }),
      };
      const parsed = ProductInput.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const path = issue.path.map(String);
        const line = path[0] === 'skus' ? lines[Number(path[1])] : lines[0];
        throw new RowFailure({ row: line.row.row, field: HEADER_OF[FIELD_OF_PATH[path[path.length - 1]] ?? FIELD_OF_PATH[path[0]] ?? 'title'], code: 'VALIDATION_FAILED', message: `${MESSAGES.VALIDATION_FAILED}: ${issue.message}` });
      }
      return parsed.data;
    };
    return { errors, input };
  }

  // ---- spreadsheets out ---------------------------------------------------------------------------

  async template() {
    const { wb, sheet } = templateWorkbook();
    const statusCol = COLUMNS.findIndex((c) => c.key === 'status') + 1;
    for (let r = 2; r <= 1000; r++) {
      sheet.getCell(r, statusCol).dataValidation = { type: 'list', allowBlank: true, formulae: ['"草稿,上架,下架"'] };
    }
    const help = wb.addWorksheet('填写说明');
    help.columns = [{ header: '列', key: 'col', width: 16 }, { header: '说明', key: 'text', width: 80 }];
    help.getRow(1).font = { bold: true };
    const notes: [string, string][] = [
      ['商品名称', '必填。商品名称相同的行属于同一个商品（每个规格组合一行）；店铺里已有同名商品时更新该商品。'],
      ['分类', '选填。一级分类直接写名称，二级分类写作“一级/二级”，分类需先在后台创建。'],
      ['规格1 / 规格1值', '选填。例如 颜色 / 红。没有规格的商品只写一行。'],
      ['规格2 / 规格2值', '选填。例如 尺码 / M。每种 规格1值 × 规格2值 的组合都需要一行。'],
      ['售价(元)', '必填。不小于0，最多两位小数，例如 99.90。'],
      ['划线价(元)', '选填。不能低于售价。'],
      ['库存', `选填。0 到 ${MAX_STOCK} 的整数；留空则新商品为0、已有商品不变。`],
      ['商品编码', '选填。店铺内唯一；留空自动生成。'],
      ['状态(草稿/上架)', '选填。草稿、上架 或 下架；默认草稿。'],
      ['示例', '夏日T恤 | 服装/T恤 | 颜色 | 红 | 尺码 | M | 59.00 | 99.00 | 100 | TS-R-M | 上架'],
    ];
    for (const [col, text] of notes) help.addRow({ col, text });
    return toBuffer(wb);
  }

  /** Same columns as the template: an export edited in Excel imports back. */
  async export(shopId: string, filters: Omit<ListFilters, 'page' | 'pageSize'>) {
    const resolver = await this.categories.resolver(shopId);
    const list = await this.catalog.skusMatching(shopId, filters);
    const { wb, sheet } = templateWorkbook();
    for (const { product, sku, available } of list) {
      const [a1, a2] = product.specAttributes;
      sheet.addRow({
        title: product.title,
        category: resolver.pathOf(product.categoryId),
        spec1: a1?.name ?? '',
        spec1Value: a1 ? sku.specValues[a1.name] : '',
        spec2: a2?.name ?? '',
        spec2Value: a2 ? sku.specValues[a2.name] : '',
        price: fenToYuan(sku.price),
        marketPrice: sku.marketPrice === null ? '' : fenToYuan(sku.marketPrice),
        stock: available,
        skuCode: sku.skuCode,
        status: STATUS_OUT[product.status],
      });
    }
    return toBuffer(wb);
  }

  /** Each failed row with the merchant's own cells, to fix and import again. */
  async errorReport(shopId: string, id: string) {
    const imp = await this.get(shopId, id);
    const byRow = new Map(imp.rows.map((r) => [r.row, r]));
    const { wb } = templateWorkbook();
    wb.removeWorksheet(wb.worksheets[0].id);
    const sheet = wb.addWorksheet('错误');
    sheet.columns = [
      { header: '行号', key: 'row', width: 8 },
      { header: '列', key: 'field', width: 14 },
      { header: '错误代码', key: 'code', width: 26 },
      { header: '错误说明', key: 'message', width: 50 },
      ...COLUMNS.map((c) => ({ header: c.header, key: c.key, width: c.width })),
    ];
    sheet.getRow(1).font = { bold: true };
    for (const e of imp.errors) {
      const r = byRow.get(e.row);
      sheet.addRow({ ...(r ? cellsOf(r) : {}), row: e.row, field: e.field, code: e.code, message: e.message });
    }
    return toBuffer(wb);
  }
}

type Counts = { processed: number; succeeded: number; failed: number; created: number; updated: number };

function progressValues(c: Counts, errors: ImportRowError[]) {
  return { processed: c.processed, succeeded: c.succeeded, failed: c.failed, productsCreated: c.created, productsUpdated: c.updated, errors };
}

class RowFailure extends Error {
  constructor(readonly error: ImportRowError) {
    super(error.message);
  }
}

/** A failure while writing (a race with another writer, say) is pinned on the row it concerns. */
function toRowError(err: unknown, g: Group): ImportRowError {
  if (err instanceof RowFailure) return err.error;
  if (err instanceof AppError) {
    const path = (err.details?.field ?? '').split('.');
    const row = path[0] === 'skus' && path[1] && g.rows[Number(path[1])] ? g.rows[Number(path[1])] : g.rows[0];
    const col = FIELD_OF_PATH[path[path.length - 1]] ?? FIELD_OF_PATH[path[0]] ?? 'title';
    return { row: row.row, field: HEADER_OF[col], code: err.code, message: MESSAGES[err.code] ?? err.message };
  }
  throw err;
}


function view(r: typeof catalogImports.$inferSelect) {
  return {
    id: r.id,
    fileName: r.fileName,
    status: r.status,
    total: r.total,
    processed: r.processed,
    succeeded: r.succeeded,
    failed: r.failed,
    productsCreated: r.productsCreated,
    productsUpdated: r.productsUpdated,
    errors: r.errors,
    failure: r.failure,
    createdBy: r.createdByName,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
  };
}

