import { and, desc, eq } from 'drizzle-orm';
import type { Actor, Platform } from '../../platform/context.js';
import { AppError, notFound } from '../../platform/errors.js';
import { media } from './schema.js';

/** Public media keys start here; anything else in storage (none today) is never served by /media. */
export const MEDIA_PREFIX = 'img';

const SIGNATURES: { type: string; ext: string; test: (b: Buffer) => boolean }[] = [
  { type: 'image/png', ext: 'png', test: (b) => b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/jpeg', ext: 'jpg', test: (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/gif', ext: 'gif', test: (b) => b.length >= 6 && ['GIF87a', 'GIF89a'].includes(b.subarray(0, 6).toString('latin1')) },
  { type: 'image/webp', ext: 'webp', test: (b) => b.length >= 12 && b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

/** The image type from the file's first bytes; the name and the declared content type are not trusted. */
export function sniffImage(data: Buffer): { type: string; ext: string } | null {
  const hit = SIGNATURES.find((s) => s.test(data));
  return hit ? { type: hit.type, ext: hit.ext } : null;
}

/** Uploaded images (product photos, banners), stored through platform storage and served at /media/…. */
export class MediaService {
  constructor(private p: Platform) {}

  async upload(actor: Actor, file: { data: Buffer; fileName?: string }) {
    const kind = sniffImage(file.data);
    if (!kind) {
      throw new AppError(415, 'MEDIA_TYPE_UNSUPPORTED', 'Only PNG, JPEG, WebP and GIF images can be uploaded', { field: 'file' });
    }
    const stored = await this.p.storage.put(`${MEDIA_PREFIX}/${actor.shopId}`, kind.ext, file.data, kind.type);
    try {
      // In a transaction, so the staff audit entry commits with the row (platform/http/admin-auth.ts).
      const [row] = await this.p.database.transaction((tx) =>
        tx
          .insert(media)
          .values({
            shopId: actor.shopId,
            storageKey: stored.key,
            url: stored.url,
            contentType: kind.type,
            sizeBytes: stored.size,
            fileName: file.fileName?.slice(0, 200) ?? null,
            createdBy: `${actor.type}:${actor.id}`,
          })
          .returning(),
      );
      return view(row);
    } catch (err) {
      await this.p.storage.delete(stored.key).catch(() => undefined);
      throw err;
    }
  }

  async list(shopId: string, opts: { page: number; pageSize: number }) {
    const items = await this.p.db
      .select()
      .from(media)
      .where(eq(media.shopId, shopId))
      .orderBy(desc(media.createdAt), desc(media.id))
      .limit(opts.pageSize)
      .offset((opts.page - 1) * opts.pageSize);
    return items.map(view);
  }

  async remove(actor: Actor, id: string) {
    // Not found is thrown inside the transaction, so it rolls back and no audit entry names the id asked for.
    const row = await this.p.database.transaction(async (tx) => {
      const [deleted] = await tx.delete(media).where(and(eq(media.shopId, actor.shopId), eq(media.id, id))).returning();
      if (!deleted) throw notFound('Media', { field: 'id' });
      return deleted;
    });
    await this.p.storage.delete(row.storageKey);
    return view(row);
  }

  /** A public file by key; only image keys are served. */
  async read(key: string) {
    if (!key.startsWith(`${MEDIA_PREFIX}/`) || key.includes('..')) return null;
    return this.p.storage.get(key);
  }
}

function view(m: typeof media.$inferSelect) {
  return { id: m.id, url: m.url, contentType: m.contentType, size: m.sizeBytes, fileName: m.fileName, createdAt: m.createdAt };
}
