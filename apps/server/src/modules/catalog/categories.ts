import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Actor, Db, Platform } from '../../platform/context.js';
import { conflict, notFound, unprocessable } from '../../platform/errors.js';
import { categories, products } from './schema.js';
import { isUniqueViolation } from '../../platform/db/index.js';
import type { CatalogVersions } from './versions.js';

export type Category = typeof categories.$inferSelect;
export interface CategoryNode extends Category {
  productCount: number;
  children: CategoryNode[];
}


/** Two-level product categories (一级/二级分类). */
export class CategoryService {
  constructor(
    private p: Platform,
    /** The storefront filters and shows by category: its cache is told of every change. */
    private versions: CatalogVersions,
  ) {}

  /** The shop's categories as a tree, each with the number of (not deleted) products filed directly under it. */
  async tree(shopId: string, db: Db = this.p.db): Promise<CategoryNode[]> {
    const list = await db.select().from(categories).where(eq(categories.shopId, shopId)).orderBy(asc(categories.sortOrder), asc(categories.createdAt));
    const counts = await db
      .select({ categoryId: products.categoryId, n: sql<number>`count(*)::int` })
      .from(products)
      .where(and(eq(products.shopId, shopId), isNull(products.deletedAt)))
      .groupBy(products.categoryId);
    const byCategory = new Map(counts.map((c) => [c.categoryId, c.n]));
    const nodes = new Map<string, CategoryNode>(list.map((c) => [c.id, { ...c, productCount: byCategory.get(c.id) ?? 0, children: [] }]));
    const roots: CategoryNode[] = [];
    for (const n of nodes.values()) {
      if (n.parentId && nodes.has(n.parentId)) nodes.get(n.parentId)!.children.push(n);
      else roots.push(n);
    }
    return roots;
  }

  /** Each category with its ancestors (self first): a promotion scoped to 服装 covers 服装 › T恤. */
  async paths(shopId: string, db: Db = this.p.db): Promise<Record<string, string[]>> {
    const all = await db.select({ id: categories.id, parentId: categories.parentId }).from(categories).where(eq(categories.shopId, shopId));
    const parent = new Map(all.map((c) => [c.id, c.parentId]));
    const out: Record<string, string[]> = {};
    for (const c of all) {
      const path = [c.id];
      for (let up = parent.get(c.id); up && !path.includes(up); up = parent.get(up)) path.push(up);
      out[c.id] = path;
    }
    return out;
  }

  async get(shopId: string, id: string, db: Db = this.p.db): Promise<Category> {
    const [row] = await db.select().from(categories).where(and(eq(categories.shopId, shopId), eq(categories.id, id)));
    if (!row) throw notFound('Category', { field: 'id' });
    return row;
  }

  async create(actor: Actor, input: { name: string; parentId?: string | null; sortOrder?: number; imageUrl?: string | null }) {
    return this.p.database.transaction(async (tx) => {
      if (input.parentId) await this.assertParent(tx, actor.shopId, input.parentId, null);
      try {
        const [row] = await tx
          .insert(categories)
          .values({ shopId: actor.shopId, name: input.name, parentId: input.parentId ?? null, sortOrder: input.sortOrder ?? 0, imageUrl: input.imageUrl ?? null })
          .returning();
        await this.versions.changed(actor.shopId, 'content');
        return row;
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken();
        throw err;
      }
    });
  }

  async update(actor: Actor, id: string, patch: { name?: string; parentId?: string | null; sortOrder?: number; imageUrl?: string | null }) {
    return this.p.database.transaction(async (tx) => {
      const before = await this.get(actor.shopId, id, tx);
      const parentId = patch.parentId === undefined ? before.parentId : patch.parentId;
      if (parentId && parentId !== before.parentId) await this.assertParent(tx, actor.shopId, parentId, id);
      try {
        const [after] = await tx
          .update(categories)
          .set({
            name: patch.name ?? before.name,
            parentId,
            sortOrder: patch.sortOrder ?? before.sortOrder,
            imageUrl: patch.imageUrl === undefined ? before.imageUrl : patch.imageUrl,
            updatedAt: new Date(),
          })
          .where(and(eq(categories.id, id), eq(categories.shopId, actor.shopId)))
          .returning();
        await this.versions.changed(actor.shopId, 'content');
        return { before, after };
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken();
        throw err;
      }
    });
  }

  /** Only an empty category goes: products and sub-categories must be moved first (CATEGORY_NOT_EMPTY). */
  async remove(actor: Actor, id: string) {
    return this.p.database.transaction(async (tx) => {
      const before = await this.get(actor.shopId, id, tx);
      // Lock the row so a product filed under it concurrently waits and then fails its foreign key.
      await tx.execute(sql`SELECT id FROM categories WHERE id = ${id} FOR UPDATE`);
      const [{ n: children }] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(categories)
        .where(and(eq(categories.shopId, actor.shopId), eq(categories.parentId, id)));
      const [{ n: productCount }] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(products)
        .where(and(eq(products.shopId, actor.shopId), eq(products.categoryId, id), isNull(products.deletedAt)));
      if (children > 0 || productCount > 0) {
        throw conflict('CATEGORY_NOT_EMPTY', 'Move its products and sub-categories elsewhere first', { field: 'id', products: productCount, children });
      }
      // Deleted products keep no link to a category that no longer exists.
      await tx.update(products).set({ categoryId: null }).where(and(eq(products.shopId, actor.shopId), eq(products.categoryId, id)));
      await tx.delete(categories).where(and(eq(categories.id, id), eq(categories.shopId, actor.shopId)));
      await this.versions.changed(actor.shopId, 'content');
      return before;
    });
  }

  /** Finds a category by "父/子" path or by a name that only one category has (import files). */
  async resolver(shopId: string, db: Db = this.p.db) {
    const list = await db.select().from(categories).where(eq(categories.shopId, shopId));
    const byId = new Map(list.map((c) => [c.id, c]));
    const byPath = new Map<string, string>();
    const byName = new Map<string, string[]>();
    for (const c of list) {
      const parent = c.parentId ? byId.get(c.parentId) : undefined;
      byPath.set(parent ? `${parent.name}/${c.name}` : c.name, c.id);
      byName.set(c.name, [...(byName.get(c.name) ?? []), c.id]);
    }
    return {
      find(text: string): { id: string } | { error: 'CATEGORY_NOT_FOUND' | 'CATEGORY_AMBIGUOUS' } {
        const t = text.split(/\s*[/>／]\s*/).join('/').trim();
        const exact = byPath.get(t);
        if (exact) return { id: exact };
        const named = byName.get(t) ?? [];
        if (named.length === 1) return { id: named[0] };
        return { error: named.length > 1 ? 'CATEGORY_AMBIGUOUS' : 'CATEGORY_NOT_FOUND' };
      },
      pathOf(id: string | null): string {
        const c = id ? byId.get(id) : undefined;
        if (!c) return '';
        const parent = c.parentId ? byId.get(c.parentId) : undefined;
        return parent ? `${parent.name}/${c.name}` : c.name;
      },
    };
  }

  private async assertParent(tx: Db, shopId: string, parentId: string, selfId: string | null) {
    const [parent] = await tx.select().from(categories).where(and(eq(categories.shopId, shopId), eq(categories.id, parentId)));
    if (!parent) throw unprocessable('CATEGORY_NOT_FOUND', 'Parent category not found', { field: 'parentId' });
    if (parent.parentId || parent.id === selfId) throw unprocessable('CATEGORY_DEPTH_EXCEEDED', 'Categories have two levels only', { field: 'parentId' });
    if (selfId) {
      const [child] = await tx.select({ id: categories.id }).from(categories).where(and(eq(categories.shopId, shopId), eq(categories.parentId, selfId))).limit(1);
      if (child) throw unprocessable('CATEGORY_DEPTH_EXCEEDED', 'A category with sub-categories cannot become a sub-category', { field: 'parentId' });
    }
  }
}

const nameTaken = () => conflict('CATEGORY_NAME_TAKEN', 'A sibling category already has this name', { field: 'name' });
