/**
 * The custom menu (自定义菜单): at most 3 buttons, each either a leaf or a group of at most 5 leaves, with
 * WeChat's limits (names 16 / 60 bytes, key 128 bytes, url 1024 bytes) and error codes: 400xx for a top
 * button, the "sub button" codes for a leaf inside a group.
 */
const KEY_TYPES = ['click', 'scancode_push', 'scancode_waitmsg', 'pic_sysphoto', 'pic_photo_or_album', 'pic_weixin', 'location_select'];
const TYPES = [...KEY_TYPES, 'view', 'miniprogram', 'media_id', 'article_id', 'article_view_limited', 'view_limited'];

const bytes = (s: unknown) => (typeof s === 'string' ? Buffer.byteLength(s) : 0);
const isHttpUrl = (s: unknown) => typeof s === 'string' && /^https?:\/\/[^\s/]+/i.test(s);

type MenuError = { errcode: number; errmsg: string };

interface Leaf {
  type?: unknown;
  name?: unknown;
  key?: unknown;
  url?: unknown;
  appid?: unknown;
  pagepath?: unknown;
  media_id?: unknown;
  article_id?: unknown;
  sub_button?: unknown;
}

function checkLeaf(b: Leaf, sub: boolean, miniAppids: string[]): MenuError | null {
  const code = (top: number, inner: number, what: string) => ({ errcode: sub ? inner : top, errmsg: `invalid ${sub ? 'sub ' : ''}button ${what}` });
  if (typeof b.type !== 'string' || !TYPES.includes(b.type)) return code(40017, 40024, 'type');
  if (typeof b.name !== 'string' || bytes(b.name) === 0 || bytes(b.name) > (sub ? 60 : 16)) return code(40018, 40025, 'name size');
  if (KEY_TYPES.includes(b.type) && (typeof b.key !== 'string' || bytes(b.key) === 0 || bytes(b.key) > 128)) return code(40019, 40026, 'key size');
  if (b.type === 'view' || b.type === 'miniprogram') {
    if (typeof b.url !== 'string' || bytes(b.url) === 0 || bytes(b.url) > 1024) return code(40020, 40027, 'url size');
    if (!isHttpUrl(b.url)) return code(40055, 40054, 'url domain');
  }
  if (b.type === 'miniprogram') {
    if (typeof b.appid !== 'string' || !miniAppids.includes(b.appid)) return { errcode: 40166, errmsg: 'invalid weapp appid' };
    if (typeof b.pagepath !== 'string' || !b.pagepath) return { errcode: 40165, errmsg: 'invalid weapp pagepath' };
  }
  if ((b.type === 'media_id' || b.type === 'view_limited') && (typeof b.media_id !== 'string' || !b.media_id)) return { errcode: 40007, errmsg: 'invalid media_id' };
  if ((b.type === 'article_id' || b.type === 'article_view_limited') && (typeof b.article_id !== 'string' || !b.article_id)) return { errcode: 40007, errmsg: 'invalid media_id' };
  return null;
}

export function checkMenu(button: unknown, miniAppids: string[]): MenuError | null {
  if (!Array.isArray(button) || button.length === 0 || button.length > 3) return { errcode: 40016, errmsg: 'invalid button size' };
  for (const raw of button as Leaf[]) {
    if (!raw || typeof raw !== 'object') return { errcode: 40017, errmsg: 'invalid button type' };
    if (raw.sub_button !== undefined && !(Array.isArray(raw.sub_button) && raw.sub_button.length === 0 && raw.type !== undefined)) {
      const subs = raw.sub_button;
      if (!Array.isArray(subs) || subs.length === 0 || subs.length > 5) return { errcode: 40023, errmsg: 'invalid sub button size' };
      if (typeof raw.name !== 'string' || bytes(raw.name) === 0 || bytes(raw.name) > 16) return { errcode: 40018, errmsg: 'invalid button name size' };
      for (const s of subs as Leaf[]) {
        if (!s || typeof s !== 'object') return { errcode: 40024, errmsg: 'invalid sub button type' };
        if (s.sub_button !== undefined && Array.isArray(s.sub_button) && s.sub_button.length) return { errcode: 40022, errmsg: 'invalid sub menu level' };
        const bad = checkLeaf(s, true, miniAppids);
        if (bad) return bad;
      }
      continue;
    }
    const bad = checkLeaf(raw, false, miniAppids);
    if (bad) return bad;
  }
  return null;
}

const leafView = (b: Leaf) => {
  const out: Record<string, unknown> = { type: b.type, name: b.name };
  for (const k of ['key', 'url', 'appid', 'pagepath', 'media_id', 'article_id'] as const) if (b[k] !== undefined) out[k] = b[k];
  return out;
};

/** The shape of get_current_selfmenu_info: groups carry `sub_button: {list: […]}`. */
export function currentSelfMenu(button: unknown[]) {
  return (button as Leaf[]).map((b) =>
    Array.isArray(b.sub_button) && b.sub_button.length ? { name: b.name, sub_button: { list: (b.sub_button as Leaf[]).map(leafView) } } : leafView(b),
  );
}

/** Every click-type button of a menu (what a simulated user can click). */
export function clickButtons(button: unknown[] | undefined): Array<{ key: string; name: string }> {
  const out: Array<{ key: string; name: string }> = [];
  for (const b of (button ?? []) as Leaf[]) {
    const leaves = Array.isArray(b.sub_button) && b.sub_button.length ? (b.sub_button as Leaf[]) : [b];
    for (const l of leaves) if (l.type === 'click' && typeof l.key === 'string') out.push({ key: l.key, name: String(l.name ?? l.key) });
  }
  return out;
}

export const clickKeys = (button: unknown[] | undefined) => clickButtons(button).map((b) => b.key);
