import { maskPhone } from '@siyu/contracts';
import { and, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Actor, Platform } from '../../platform/context.js';
import { isUniqueViolation, rows, type Db } from '../../platform/db/index.js';
import { conflict, notFound } from '../../platform/errors.js';
import type { CatalogService } from '../catalog/service.js';
import type { CustomersService } from '../customers/service.js';
import type { OrderService } from '../orders/service.js';
import { productReviews, type ReviewRow, type ReviewStatus } from './schema.js';

/** How a reviewer is shown: 张** from a nickname, 138****1234 from a phone. */
export function maskedAuthor(c: { nickname: string | null; phone: string | null }): string {
  const nick = c.nickname?.trim();
  if (nick) return `${[...nick][0]}**`;
  if (c.phone) return maskPhone(c.phone);
  return '匿名用户';
}

/**
 * Reviews (评价): a customer reviews each line of a completed order once; the product page shows the
 * visible ones with their average; staff hide and show them. `review.created` lets loyalty reward it.
 */
export class ReviewService {
  constructor(
    private p: Platform,
    private orders: OrderService,
    private catalog: CatalogService,
    private customers: CustomersService,
  ) {}

  async create(shopId: string, customerId: string, input: { orderId: string; orderItemId: string; rating: number; content: string }) {
    const order = await this.orders.detail(shopId, input.orderId, customerId);
    const line = order.items.find((i) => i.id === input.orderItemId);
    if (!line) throw notFound('Order line', { field: 'orderItemId' });
    if (order.status !== 'completed') throw conflict('REVIEW_ORDER_NOT_COMPLETED', 'Reviews open once the order is completed', { field: 'orderId' });
    if (line.refundedQty >= line.quantity) throw conflict('REVIEW_LINE_REFUNDED', 'This line was refunded', { field: 'orderItemId' });
    const me = await this.customers.getCustomer(shopId, customerId);
    const content = input.content.trim();
    try {
      return await this.p.database.transaction(async (tx) => {
        const [r] = await tx
          .insert(productReviews)
          .values({
            shopId,
            customerId,
            orderId: order.id,
            orderNo: order.orderNo,
            orderItemId: line.id,
            productId: line.productId,
            skuId: line.skuId,
            productTitle: line.title,
            specText: line.specText,
            authorName: maskedAuthor(me),
            rating: input.rating,
            content,
          })
          .onConflictDoNothing()
          .returning();
        if (!r) throw conflict('REVIEW_EXISTS', 'This item has been reviewed already', { field: 'orderItemId' });
        await this.p.events.emit(tx, {
          shopId,
          type: 'review.created',
          payload: { reviewId: r.id, orderId: r.orderId, orderItemId: r.orderItemId, productId: r.productId, customerId, rating: r.rating, contentLength: [...content].length },
        });
        return mine(r);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('REVIEW_EXISTS', 'This item has been reviewed already', { field: 'orderItemId' });
      throw err;
    }
  }

  /** My reviews, of one order (the order page marks its lines 已评价) or all. */
  async mine(shopId: string, customerId: string, orderId?: string) {
    const list = await this.p.db
      .select()
      .from(productReviews)
      .where(and(eq(productReviews.shopId, shopId), eq(productReviews.customerId, customerId), orderId ? eq(productReviews.orderId, orderId) : undefined))
      .orderBy(desc(productReviews.createdAt))
      .limit(200);
    return { items: list.map(mine) };
  }

  /** The product page: visible reviews, newest first, with the count, the average and how many per star. */
  async forProduct(shopId: string, productId: string, q: { page: number; pageSize: number; rating?: number }) {
    const found = await this.catalog.existingProductIds(shopId, [productId]);
    if (!found.has(productId)) throw notFound('Product', { field: 'id' });
    const stats = await rows<{ rating: number; n: number }>(this.p.db, sql`
      SELECT rating::int AS rating, count(*)::int AS n FROM product_reviews
      WHERE shop_id = ${shopId} AND product_id = ${productId} AND status = 'visible' GROUP BY rating`);
    const byRating: Record<string, number> = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
    for (const s of stats) byRating[s.rating] = Number(s.n);
    const total = Object.values(byRating).reduce((a, b) => a + b, 0);
    const sum = Object.entries(byRating).reduce((a, [r, n]) => a + Number(r) * n, 0);
    const where = and(eq(productReviews.shopId, shopId), eq(productReviews.productId, productId), eq(productReviews.status, 'visible'), q.rating ? eq(productReviews.rating, q.rating) : undefined);
    const list = await this.p.db.select().from(productReviews).where(where).orderBy(desc(productReviews.createdAt), desc(productReviews.id)).limit(q.pageSize).offset((q.page - 1) * q.pageSize);
    return {
      summary: { count: total, average: total ? Math.round((sum / total) * 10) / 10 : null, byRating, goodRate: total ? Math.round(((byRating[4] + byRating[5]) * 100) / total) : null },
      items: list.map((r) => ({ id: r.id, rating: r.rating, content: r.content, authorName: r.authorName, specText: r.specText, createdAt: r.createdAt.toISOString() })),
      total: q.rating ? byRating[q.rating] : total,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  /** The console's list, newest first. */
  async list(shopId: string, q: { page: number; pageSize: number; rating?: number; productId?: string; status?: ReviewStatus }) {
    const conds: SQL[] = [eq(productReviews.shopId, shopId)];
    if (q.rating) conds.push(eq(productReviews.rating, q.rating));
    if (q.productId) conds.push(eq(productReviews.productId, q.productId));
    if (q.status) conds.push(eq(productReviews.status, q.status));
    const [{ n }] = await this.p.db.select({ n: count() }).from(productReviews).where(and(...conds));
    const list = await this.p.db.select().from(productReviews).where(and(...conds)).orderBy(desc(productReviews.createdAt), desc(productReviews.id)).limit(q.pageSize).offset((q.page - 1) * q.pageSize);
    return { items: list.map(adminView), total: Number(n), page: q.page, pageSize: q.pageSize };
  }

  /** Hides a review from the product page, or shows it again. */
  async moderate(actor: Actor, id: string, status: ReviewStatus) {
    const [before] = await this.p.db.select().from(productReviews).where(and(eq(productReviews.shopId, actor.shopId), eq(productReviews.id, id)));
    if (!before) throw notFound('Review', { field: 'id' });
    const [after] = await this.p.database.transaction((tx) =>
      tx
        .update(productReviews)
        .set({ status, moderatedAt: this.p.now(), moderatedBy: actor.name, updatedAt: this.p.now() })
        .where(and(eq(productReviews.shopId, actor.shopId), eq(productReviews.id, id)))
        .returning(),
    );
    return { before: adminView(before), after: adminView(after) };
  }

  /** The same person under one customer id after a merge. */
  async moveCustomer(tx: Db, shopId: string, fromCustomerId: string, intoCustomerId: string) {
    await tx.update(productReviews).set({ customerId: intoCustomerId }).where(and(eq(productReviews.shopId, shopId), eq(productReviews.customerId, fromCustomerId)));
  }
}

function mine(r: ReviewRow) {
  return { id: r.id, orderId: r.orderId, orderItemId: r.orderItemId, productId: r.productId, productTitle: r.productTitle, specText: r.specText, rating: r.rating, content: r.content, status: r.status, createdAt: r.createdAt.toISOString() };
}

function adminView(r: ReviewRow) {
  return {
    id: r.id,
    customerId: r.customerId,
    authorName: r.authorName,
    orderId: r.orderId,
    orderNo: r.orderNo,
    productId: r.productId,
    productTitle: r.productTitle,
    specText: r.specText,
    rating: r.rating,
    content: r.content,
    status: r.status,
    moderatedAt: r.moderatedAt?.toISOString() ?? null,
    moderatedBy: r.moderatedBy,
    createdAt: r.createdAt.toISOString(),
  };
}
