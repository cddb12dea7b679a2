import { z } from 'zod';

/** What a share scene points at. `promoter` shares the shop itself (a promoter's invitation): no target. */
export const SHARE_KINDS = ['product', 'group', 'bargain', 'promoter'] as const;
export type ShareKind = (typeof SHARE_KINDS)[number];

/**
 * WeChat's getUnlimitedQRCode scene: at most 32 characters from this set (no `%`). Our scenes are shorter
 * (`<10 base62>.<6 base62 signature>`); the pattern is the outer limit a client may rely on.
 */
export const SCENE_PATTERN = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$/;

/** POST /api/store/:shop/me/share: a link and a poster for the signed-in customer to pass on. */
export const ShareBody = z
  .object({
    kind: z.enum(SHARE_KINDS),
    /** A product id (product), a group id (group), a bargain launch id (bargain); none for promoter. */
    targetId: z.uuid().nullish(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.kind === 'promoter' && v.targetId) ctx.addIssue({ code: 'custom', path: ['targetId'], message: 'a promoter share has no target' });
    if (v.kind !== 'promoter' && !v.targetId) ctx.addIssue({ code: 'custom', path: ['targetId'], message: 'required for this kind' });
  });
export type ShareInput = z.infer<typeof ShareBody>;

export interface ShareLink {
  /** ≤ 32 characters; the 小程序码 scene and the last part of `url`. */
  scene: string;
  /** Storefront link: <public base>/s/<slug>/share/<scene>. */
  url: string;
  /** '/api/store/<slug>/posters/<scene>.png' (750×1334; `?card=1` gives a 500×400 share card). */
  posterUrl: string;
}

/** GET /api/store/:shop/scenes/:scene. */
export interface SceneView {
  kind: ShareKind;
  targetId: string | null;
  /** Storefront route to open, e.g. /products/<id>, /group-buys/groups/<id>, /bargain-launches/<id>, /. */
  path: string;
  sharerNickname: string | null;
}
