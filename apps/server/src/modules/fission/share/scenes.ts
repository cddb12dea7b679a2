import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { ShareKind } from '@siyu/contracts';
import type { Platform } from '../../../platform/context.js';
import { rows, type Db } from '../../../platform/db/index.js';
import { AppError, badRequest } from '../../../platform/errors.js';

export type { ShareKind };

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_LENGTH = 10;
const SIG_LENGTH = 6;
/** `<id>.<signature>`: 17 characters, well inside WeChat's 32 and its character set. */
const SCENE_SHAPE = /^([0-9A-Za-z]{10})\.([0-9A-Za-z]{6})$/;
export const DEFAULT_SCENE_TTL_DAYS = 30;
const MAX_TTL_DAYS = 365;
const DAY_MS = 86_400_000;

export interface SceneCreateInput {
  kind: ShareKind;
  targetId: string | null;
  sharerCustomerId: string | null;
  ttlDays?: number;
}

export interface ResolvedScene {
  kind: ShareKind;
  targetId: string | null;
  sharerCustomerId: string | null;
  /** Filled when a nickname source is attached (PosterService attaches the customers module's). */
  sharerNickname?: string | null;
  createdAt: Date;
  expiresAt: Date;
  /** Storefront route to open, under /s/<slug>. */
  path: string;
}

export type NicknameSource = (shopId: string, customerId: string, db: Db) => Promise<string | null>;

interface SceneRow {
  id: string;
  kind: ShareKind;
  target_id: string | null;
  sharer_customer_id: string | null;
  expires_at: string | Date;
  created_at: string | Date;
}

/** The storefront route a scene opens. */
export function scenePath(kind: ShareKind, targetId: string | null): string {
  switch (kind) {
    case 'product':
      return `/products/${targetId}`;
    case 'group':
      return `/group-buys/groups/${targetId}`;
    case 'bargain':
      return `/bargain-launches/${targetId}`;
    case 'promoter':
      return '/';
  }
}

function randomId(): string {
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 62).
  let out = '';
  while (out.length < ID_LENGTH) {
    for (const b of randomBytes(16)) {
      if (b < 248 && out.length < ID_LENGTH) out += ALPHABET[b % 62];
    }
  }
  return out;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Short signed scene ids (小程序码 scene ≤ 32 characters) for share links and posters.
 *
 * A scene is a random id plus a signature over (shop, id) with the server secret: a guessed or altered
 * scene is refused before any query, and one shop's scene means nothing in another shop. What the scene
 * points at and who shared it live only in the row, so nobody can claim a sharer by editing a link.
 */
export class SceneService {
  private nicknames: NicknameSource | null = null;

  constructor(private p: Platform) {}

  /** Where sharer nicknames come from (the customers module, attached by PosterService). */
  useNicknames(source: NicknameSource) {
    this.nicknames = source;
  }

  /** The signature part of a scene for (shop, id). */
  sign(shopId: string, id: string): string {
    const mac = createHmac('sha256', this.p.config.SESSION_SECRET).update(`share-scene|${shopId}|${id}`).digest();
    let n = mac.readBigUInt64BE(0) % 62n ** BigInt(SIG_LENGTH);
    let out = '';
    for (let i = 0; i < SIG_LENGTH; i++) {
      out = ALPHABET[Number(n % 62n)] + out;
      n /= 62n;
    }
    return out;
  }

  /** The row id of a well-formed scene signed for this shop; null for anything else. */
  verify(shopId: string, scene: string): string | null {
    const m = SCENE_SHAPE.exec(scene);
    if (!m) return null;
    const expected = Buffer.from(this.sign(shopId, m[1]));
    return timingSafeEqual(expected, Buffer.from(m[2])) ? m[1] : null;
  }

  /**
   * The live scene of (kind, target, sharer), made when there is none. Sharing again extends its life,
   * so a scene handed around keeps working and its poster is drawn once; an expired one is retired and a
   * fresh scene takes its place.
   */
  async create(db: Db, shopId: string, input: SceneCreateInput): Promise<{ scene: string; url: string; posterUrl: string }> {
    if (input.kind === 'promoter' ? input.targetId != null : !input.targetId || !UUID.test(input.targetId)) {
      throw badRequest('SHARE_TARGET_INVALID', input.kind === 'promoter' ? 'A promoter share has no target' : 'Target must be an id', { field: 'targetId' });
    }
    if (input.sharerCustomerId != null && !UUID.test(input.sharerCustomerId)) throw badRequest('SHARE_SHARER_INVALID', 'Sharer must be a customer id', { field: 'sharerCustomerId' });
    const targetId = input.targetId ?? null;
    const sharer = input.sharerCustomerId ?? null;
    const ttlDays = Math.min(Math.max(Math.round(input.ttlDays ?? DEFAULT_SCENE_TTL_DAYS), 1), MAX_TTL_DAYS);
    const now = this.p.now();
    const expiresAt = new Date(now.getTime() + ttlDays * DAY_MS);
    const same = sql`shop_id = ${shopId} AND kind = ${input.kind} AND target_id IS NOT DISTINCT FROM ${targetId}::uuid
      AND sharer_customer_id IS NOT DISTINCT FROM ${sharer}::uuid AND current`;
    const run = async (tx: Db) => {
      await tx.execute(sql`UPDATE share_scenes SET current = false WHERE ${same} AND expires_at <= ${now.toISOString()}::timestamptz`);
      const [row] = await rows<{ id: string }>(
        tx,
        sql`INSERT INTO share_scenes (shop_id, id, kind, target_id, sharer_customer_id, expires_at, created_at)
            VALUES (${shopId}, ${randomId()}, ${input.kind}, ${targetId}::uuid, ${sharer}::uuid, ${expiresAt.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
            ON CONFLICT (shop_id, kind, target_id, sharer_customer_id) WHERE current
            DO UPDATE SET expires_at = GREATEST(share_scenes.expires_at, EXCLUDED.expires_at)
            RETURNING id`,
      );
      const [shop] = await rows<{ slug: string }>(tx, sql`SELECT slug FROM shops WHERE id = ${shopId}`);
      return { id: row.id, slug: shop.slug };
    };
    const { id, slug } = db === this.p.db ? await this.p.database.transaction(run) : await run(db);
    const scene = `${id}.${this.sign(shopId, id)}`;
    return { scene, ...this.links(slug, scene) };
  }

  /** The storefront link and poster address of a scene. */
  links(slug: string, scene: string) {
    return {
      url: `${this.p.publicUrl()}/s/${encodeURIComponent(slug)}/share/${scene}`,
      posterUrl: `/api/store/${encodeURIComponent(slug)}/posters/${scene}.png`,
    };
  }

  /**
   * What a scene points at and who shared it. Null for a malformed, forged or unknown scene or one of
   * another shop; 410 SCENE_EXPIRED once its life is over.
   */
  async resolve(shopId: string, scene: string, db: Db = this.p.db): Promise<ResolvedScene | null> {
    const id = this.verify(shopId, scene);
    if (!id) return null;
    const [row] = await rows<SceneRow>(
      db,
      sql`SELECT id, kind, target_id, sharer_customer_id, expires_at, created_at FROM share_scenes WHERE shop_id = ${shopId} AND id = ${id}`,
    );
    if (!row) return null;
    const expiresAt = new Date(row.expires_at);
    if (expiresAt <= this.p.now()) throw new AppError(410, 'SCENE_EXPIRED', 'This share link has expired', { field: 'scene' });
    const out: ResolvedScene = {
      kind: row.kind,
      targetId: row.target_id,
      sharerCustomerId: row.sharer_customer_id,
      createdAt: new Date(row.created_at),
      expiresAt,
      path: scenePath(row.kind, row.target_id),
    };
    if (this.nicknames) out.sharerNickname = row.sharer_customer_id ? await this.nicknames(shopId, row.sharer_customer_id, db) : null;
    return out;
  }

  /** A merged-away customer's shares follow the survivor; where both shared the same thing, the survivor's stays current. */
  async moveSharer(tx: Db, shopId: string, fromCustomerId: string, intoCustomerId: string) {
    await tx.execute(sql`
      UPDATE share_scenes s SET sharer_customer_id = ${intoCustomerId}::uuid,
        current = s.current AND NOT EXISTS (
          SELECT 1 FROM share_scenes o WHERE o.shop_id = s.shop_id AND o.kind = s.kind AND o.target_id IS NOT DISTINCT FROM s.target_id
            AND o.sharer_customer_id = ${intoCustomerId}::uuid AND o.current)
      WHERE s.shop_id = ${shopId} AND s.sharer_customer_id = ${fromCustomerId}::uuid`);
  }

  /** Rows expired long ago answer 404 instead of 410 from then on; nothing else reads them. */
  async purgeExpired(olderThanDays = 180) {
    const before = new Date(this.p.now().getTime() - olderThanDays * DAY_MS);
    await this.p.db.execute(sql`DELETE FROM share_scenes WHERE expires_at < ${before.toISOString()}::timestamptz`);
  }
}
