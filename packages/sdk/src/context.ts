import type { DocumentLike, LocationLike } from './env.js';
import type { StorageLike } from './storage.js';
import type { Campaign, PageContext } from './types.js';

/** Where the page is now. The URL drops its #fragment, as Segment's does. */
export function pageContext(location: LocationLike | null | undefined, document: DocumentLike | null | undefined): PageContext {
  const href = location?.href ?? '';
  const hash = href.indexOf('#');
  return {
    path: location?.pathname ?? '',
    url: hash >= 0 ? href.slice(0, hash) : href,
    title: document?.title ?? '',
    referrer: document?.referrer ?? '',
    search: location?.search ?? '',
  };
}

export interface Attribution {
  campaign?: Campaign;
  channel?: string;
}

const UTM: [keyof Campaign, string][] = [
  ['source', 'utm_source'],
  ['medium', 'utm_medium'],
  ['name', 'utm_campaign'],
  ['term', 'utm_term'],
  ['content', 'utm_content'],
];

/** Query values are visitor-controlled: long ones are cut so they cannot bloat every later event. */
const MAX_VALUE = 200;

function params(search: string): URLSearchParams | null {
  try {
    return new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  } catch {
    return null;
  }
}

const value = (p: URLSearchParams, name: string) => (p.get(name) ?? '').trim().slice(0, MAX_VALUE);

/**
 * What a landing URL says about where the visitor came from: utm_* → campaign; `channel=x` → "x",
 * `scene=x` (a QR code's scene) → "qr:x", `share_by=<id>` (a shared link) → "share".
 */
export function attributionOf(search: string): Attribution {
  const p = params(search);
  if (!p) return {};
  const out: Attribution = {};
  const campaign: Campaign = {};
  for (const [field, name] of UTM) {
    const v = value(p, name);
    if (v) campaign[field] = v;
  }
  if (Object.keys(campaign).length) out.campaign = campaign;
  const channel = value(p, 'channel');
  const scene = value(p, 'scene');
  if (channel) out.channel = channel;
  else if (scene) out.channel = `qr:${scene}`;
  else if (value(p, 'share_by')) out.channel = 'share';
  return out;
}

/** Attribution belongs to the tab's visit, not to a write key: one key for every tracker. */
export const ATTRIBUTION_KEY = 'siyu:sdk:attribution';

export function storedAttribution(session: StorageLike): Attribution {
  try {
    const v = JSON.parse(session.getItem(ATTRIBUTION_KEY) ?? 'null') as Attribution | null;
    if (!v || typeof v !== 'object') return {};
    const out: Attribution = {};
    if (v.campaign && typeof v.campaign === 'object') out.campaign = v.campaign;
    if (typeof v.channel === 'string' && v.channel) out.channel = v.channel;
    return out;
  } catch {
    return {};
  }
}

/**
 * Remembers the URL's campaign and channel for the rest of the session. A URL without them keeps
 * what the landing page set (in-app navigation carries no utm_*); a new campaign or channel replaces
 * the old one, independently of each other.
 */
export function captureAttribution(search: string, session: StorageLike): void {
  const found = attributionOf(search);
  if (!found.campaign && !found.channel) return;
  const next = { ...storedAttribution(session), ...found };
  try {
    session.setItem(ATTRIBUTION_KEY, JSON.stringify(next));
  } catch {
    /* attribution is best effort */
  }
}
