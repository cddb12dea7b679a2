import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BulkStatus, CategoryCreate, CategoryUpdate, Page, ProductInput, ProductListQuery, StockAdjust } from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import { badRequest } from '../../platform/errors.js';
import type { CategoryService } from './categories.js';
import type { ImportService } from './import.js';
import type { MediaService } from './media.js';
import type { CatalogService } from './service.js';
import { XLSX_TYPE } from './spreadsheet.js';

export interface CatalogRouteDeps {
  catalog: CatalogService;
  categories: CategoryService;
  imports: ImportService;
  media: MediaService;
}

const IdParams = z.object({ id: z.uuid() });
const ExportQuery = ProductListQuery.omit({ page: true, pageSize: true });

/** The one uploaded file of a multipart request, read into memory (size limited by UPLOAD_MAX_BYTES). */
async function uploadedFile(req: FastifyRequest) {
  if (!req.isMultipart()) throw badRequest('FILE_REQUIRED', 'Send the file as multipart/form-data', { field: 'file' });
  const part = await req.file();
  if (!part) throw badRequest('FILE_REQUIRED', 'No file in the request', { field: 'file' });
  return { fileName: part.filename, data: await part.toBuffer() };
}

function sendXlsx(reply: FastifyReply, fileName: string, data: Buffer) {
  return reply
    .header('content-type', XLSX_TYPE)
    .header('content-disposition', `attachment; filename="${fileName.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(fileName)}`)
    .send(data);
}

/** Categories, products, stock, media, import and export. Mounted under /api/admin. */
export const catalogAdminRoutes: FastifyPluginAsyncZod<CatalogRouteDeps> = async (app, { catalog, categories, imports, media }) => {
  const tags = ['catalog'];

  // ---- categories
  app.get('/categories', { config: { permission: 'catalog:read' }, schema: { tags, summary: 'Category tree' } }, async (req) => ({
    items: await categories.tree(actorOf(req).shopId),
  }));

  app.post('/categories', { config: { permission: 'catalog:write' }, schema: { tags, summary: 'Create a category', body: CategoryCreate } }, async (req, reply) => {
    const created = await categories.create(actorOf(req), req.body);
    req.audit = { entity: 'category', entityId: created.id, after: created };
    return reply.status(201).send(created);
  });

  app.patch('/categories/:id', { config: { permission: 'catalog:write' }, schema: { tags, summary: 'Rename, move or re-order a category', params: IdParams, body: CategoryUpdate } }, async (req) => {
    const { before, after } = await categories.update(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'category', entityId: after.id, before, after };
    return after;
  });

  app.delete('/categories/:id', { config: { permission: 'catalog:write' }, schema: { tags, summary: 'Delete an empty category', params: IdParams } }, async (req) => {
    const before = await categories.remove(actorOf(req), req.params.id);
    req.audit = { entity: 'category', entityId: before.id, before };
    return { ok: true };
  });

  // ---- products
  app.get('/products', { config: { permission: 'catalog:read' }, schema: { tags, summary: 'Search, filter, sort and page products', querystring: ProductListQuery } }, async (req) =>
    catalog.list(actorOf(req).shopId, req.query),
  );

  app.get('/products/export.xlsx', { config: { permission: 'catalog:import' }, schema: { tags, summary: 'Export products (one row per SKU, re-importable)', querystring: ExportQuery } }, async (req, reply) =>
    sendXlsx(reply, '商品导出.xlsx', await imports.export(actorOf(req).shopId, req.query)),
  );

  app.get('/products/:id', { config: { permission: 'catalog:read' }, schema: { tags, summary: 'A product with its SKUs and stock', params: IdParams } }, async (req) =>
    catalog.detail(actorOf(req).shopId, req.params.id),
  );

  app.post('/products', { config: { permission: 'catalog:write' }, schema: { tags, summary: 'Create a product with its SKU matrix, prices and stock', body: ProductInput } }, async (req, reply) => {
    const created = await catalog.createProduct(actorOf(req), req.body);
    req.audit = { entity: 'product', entityId: created.id, after: created };
    return reply.status(201).send(created);
  });

  app.put('/products/:id', { config: { permission: 'catalog:write' }, schema: { tags, summary: 'Replace a product; SKUs whose combination remains keep their ids', params: IdParams, body: ProductInput } }, async (req) => {
    const { before, after } = await catalog.updateProduct(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'product', entityId: after.id, before, after };
    return after;
  });

  app.post('/products/bulk-status', { config: { permission: 'catalog:write' }, schema: { tags, summary: 'Change the status of many products, all or nothing', body: BulkStatus } }, async (req) => {
    const res = await catalog.bulkStatus(actorOf(req), req.body.ids, req.body.status);
    req.audit = { entity: 'product', before: res.before, after: { ids: req.body.ids, status: req.body.status } };
    return { updated: res.updated };
  });

  app.delete('/products/:id', { config: { permission: 'catalog:write' }, schema: { tags, summary: 'Delete a draft product', params: IdParams } }, async (req) => {
    const before = await catalog.deleteProduct(actorOf(req), req.params.id);
    req.audit = { entity: 'product', entityId: before.id, before };
    return { ok: true };
  });

  app.post('/skus/:id/stock', { config: { permission: 'catalog:write' }, schema: { tags, summary: 'Set the counted stock or add/remove received goods', params: IdParams, body: StockAdjust } }, async (req) => {
    const res = await catalog.adjustStock(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'sku_stock', entityId: res.skuId, before: res.before, after: res.after };
    return res;
  });

  app.get('/skus/:id/stock-ledger', { config: { permission: 'catalog:read' }, schema: { tags, summary: 'Stock history of a SKU, newest first', params: IdParams, querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) } }, async (req) => {
    const { shopId } = actorOf(req);
    await catalog.skuOf(shopId, req.params.id);
    return { items: await catalog.stockHistory(shopId, req.params.id, req.query.limit) };
  });

  // ---- import
  app.get('/catalog/import-template.xlsx', { config: { permission: 'catalog:import' }, schema: { tags, summary: 'Download the import template' } }, async (_req, reply) =>
    sendXlsx(reply, '商品导入模板.xlsx', await imports.template()),
  );

  app.post('/catalog/imports', { config: { permission: 'catalog:import' }, schema: { tags, summary: 'Upload an .xlsx or .csv file; the import runs in the background' } }, async (req, reply) => {
    const { fileName, data } = await uploadedFile(req);
    const created = await imports.start(actorOf(req), fileName, data);
    req.audit = { entity: 'catalog_import', entityId: created.id, after: { fileName: created.fileName, total: created.total } };
    return reply.status(202).send(created);
  });

  app.get('/catalog/imports', { config: { permission: 'catalog:import' }, schema: { tags, summary: 'Recent imports' } }, async (req) => ({
    items: await imports.list(actorOf(req).shopId),
  }));

  app.get('/catalog/imports/:id', { config: { permission: 'catalog:import' }, schema: { tags, summary: 'Progress and row errors of an import', params: IdParams } }, async (req) =>
    imports.status(actorOf(req).shopId, req.params.id),
  );

  app.get('/catalog/imports/:id/errors.xlsx', { config: { permission: 'catalog:import' }, schema: { tags, summary: 'Row errors with the original cells, as a spreadsheet', params: IdParams } }, async (req, reply) =>
    sendXlsx(reply, '导入错误报告.xlsx', await imports.errorReport(actorOf(req).shopId, req.params.id)),
  );

  // ---- media
  app.post('/media', { config: { permission: 'media:upload' }, schema: { tags: ['media'], summary: 'Upload an image (PNG, JPEG, WebP, GIF)' } }, async (req, reply) => {
    const { fileName, data } = await uploadedFile(req);
    const created = await media.upload(actorOf(req), { data, fileName });
    req.audit = { entity: 'media', entityId: created.id, after: created };
    return reply.status(201).send(created);
  });

  app.get('/media', { config: { permission: 'media:upload' }, schema: { tags: ['media'], summary: 'Uploaded images, newest first', querystring: Page } }, async (req) => ({
    items: await media.list(actorOf(req).shopId, req.query),
  }));

  app.delete('/media/:id', { config: { permission: 'media:upload' }, schema: { tags: ['media'], summary: 'Delete an uploaded image', params: IdParams } }, async (req) => {
    const before = await media.remove(actorOf(req), req.params.id);
    req.audit = { entity: 'media', entityId: before.id, before };
    return { ok: true };
  });
};
