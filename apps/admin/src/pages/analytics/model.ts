import dayjs from 'dayjs';
import { AnalysisQuery, BUILTIN_PROPERTIES, EVENT_LABELS, type AnalysisKind, type AnalysisResult, type PeopleSelector } from '@siyu/contracts';
import { api, API_BASE, ApiError, csrfToken, type ApiErrorBody } from '../../lib/api';
import { contractMessage } from '../../lib/i18n';
import { saveBlob } from '../promotions/sheet';

/** Answers of the analytics API the console reads. */
export interface EventInfo {
  event: string;
  count: number;
  lastSeen: string;
}
export interface Insight {
  id: string;
  name: string;
  query: AnalysisQuery;
  pinned: boolean;
  createdAt: string;
}
/** The saved insight a page was opened from: saving again updates it rather than adding a copy. */
export type InsightRef = Pick<Insight, 'id' | 'name' | 'pinned'>;
export interface Person {
  personId: string;
  customerId: string | null;
  nickname: string | null;
  phone: string | null;
}
export interface PeopleAnswer {
  total: number;
  items: Person[];
}
export interface SavedGroup {
  group: { id: string; name: string };
  added: number;
  anonymous: number;
}
export interface EngineStatus {
  engine: 'duckdb' | 'clickhouse';
  events: number;
  pending: number;
  lastLoadedAt: string | null;
}
export interface WriteKey {
  id: string;
  name: string;
  key: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** Where each kind of analysis lives in the console. */
export const KIND_PATH: Record<AnalysisKind, string> = {
  trends: '/analytics/trends',
  funnel: '/analytics/funnels',
  retention: '/analytics/retention',
  paths: '/analytics/paths',
  lifecycle: '/analytics/lifecycle',
  rfm: '/analytics/rfm',
  attribution: '/analytics/attribution',
};

/**
 * The query travels in `?q=` so a reload, a shared link or an opened insight shows the same analysis;
 * the insight itself (to update it on save) rides in the location state.
 */
export function openLink(query: AnalysisQuery, insight?: InsightRef | null): { to: string; state?: { insight: InsightRef } } {
  return { to: `${KIND_PATH[query.kind]}?q=${encodeURIComponent(JSON.stringify(query))}`, state: insight ? { insight } : undefined };
}

/** A query from `?q=`, when it parses under the contract and is of the page's kind. */
export function queryFromParam<K extends AnalysisKind>(raw: string | null, kind: K): Extract<AnalysisQuery, { kind: K }> | null {
  if (!raw) return null;
  try {
    const res = AnalysisQuery.safeParse(JSON.parse(raw));
    return res.success && res.data.kind === kind ? (res.data as Extract<AnalysisQuery, { kind: K }>) : null;
  } catch {
    return null;
  }
}

/** The first contract issue of a query, in the console's language, with where it is. */
export function queryIssue(query: AnalysisQuery): { path: string; message: string } | null {
  const res = AnalysisQuery.safeParse(query);
  if (res.success) return null;
  // A union reports its members' issues nested; the member of the query's own kind is the useful one.
  const issue = res.error.issues[0] as { path: PropertyKey[]; message: string; errors?: { path: PropertyKey[]; message: string }[][] };
  const nested = issue.errors?.flat().find((e) => e.path.length);
  const chosen = nested ?? issue;
  return { path: chosen.path.map(String).join('.'), message: contractMessage(chosen.message) };
}

export const today = () => dayjs().format('YYYY-MM-DD');
export const daysAgo = (n: number) => dayjs().subtract(n, 'day').format('YYYY-MM-DD');
/** The last `days` days, today included. */
export const lastDays = (days: number) => ({ from: daysAgo(days - 1), to: today() });

export const runQuery = <R extends AnalysisResult = AnalysisResult>(query: AnalysisQuery, signal?: AbortSignal) => api.post<R>('/analytics/query', query, { signal });
export const fetchPeople = (query: AnalysisQuery, select: PeopleSelector, signal?: AbortSignal) => api.post<PeopleAnswer>('/analytics/people', { query, select }, { signal });
export const saveGroup = (query: AnalysisQuery, select: PeopleSelector, name: string) => api.post<SavedGroup>('/analytics/people/group', { query, select, name });

/** `attachment; filename*=UTF-8''漏斗.xlsx` or `filename="a.xlsx"` → the name. */
function fileNameOf(disposition: string | null): string | null {
  if (!disposition) return null;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* a malformed escape: fall through to the plain name */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(disposition);
  return plain ? plain[1].trim() : null;
}

/**
 * The export is a POST (the query is a body, too big and nested for a link), so it cannot be an `href`
 * like the other exports: the file comes back as a blob and is saved the way the coupon pages save theirs.
 */
export async function exportQuery(query: AnalysisQuery, fallbackName: string, lang: string) {
  const res = await fetch(`${API_BASE}/analytics/export`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/json', 'Accept-Language': lang, 'X-CSRF-Token': csrfToken() },
    body: JSON.stringify({ query }),
    credentials: 'same-origin',
  }).catch(() => {
    throw new ApiError(0, 'NETWORK', lang.startsWith('zh') ? '网络连接失败,请检查网络后重试' : 'Network error, check your connection and retry');
  });
  if (!res.ok) {
    let body: ApiErrorBody | null = null;
    try {
      body = (await res.json()) as ApiErrorBody;
    } catch {
      body = null;
    }
    throw new ApiError(res.status, body?.error?.code ?? `HTTP_${res.status}`, body?.error?.message ?? res.statusText, body?.error?.details ?? {});
  }
  saveBlob(await res.blob(), fileNameOf(res.headers.get('Content-Disposition')) ?? fallbackName);
}

/** Property names of an event, asked once per event and page visit (pickers of every step share them). */
const propertyCache = new Map<string, { at: number; names: Promise<string[]> }>();
const PROPERTY_TTL_MS = 5 * 60_000;
export function propertyNames(event: string): Promise<string[]> {
  // `$any` has no properties of its own; only the columns every event carries apply to it.
  if (!event || event === '$any') return Promise.resolve([...BUILTIN_PROPERTIES]);
  const hit = propertyCache.get(event);
  if (hit && Date.now() - hit.at < PROPERTY_TTL_MS) return hit.names;
  const names = api
    .get<{ items: string[] }>('/analytics/properties', { event })
    .then((r) => [...new Set([...r.items, ...BUILTIN_PROPERTIES])])
    .catch(() => {
      propertyCache.delete(event);
      return [...BUILTIN_PROPERTIES] as string[];
    });
  propertyCache.set(event, { at: Date.now(), names });
  return names;
}

/** Event names the pickers offer: those seen lately (most frequent first), then the known ones not seen. */
export function eventChoices(seen: EventInfo[] | undefined): { event: string; count: number | null }[] {
  const list = [...(seen ?? [])].sort((a, b) => b.count - a.count).map((e) => ({ event: e.event, count: e.count as number | null }));
  const have = new Set(list.map((e) => e.event));
  for (const name of Object.keys(EVENT_LABELS)) if (!have.has(name)) list.push({ event: name, count: null });
  return list;
}

/** Amounts in events are fen: these properties are shown in yuan. */
export const isMoneyProperty = (name: string | undefined) => !!name && /(^|_)(amount|price|total|discount)(_fen)?$|fen$/i.test(name);

export const fmtInt = (n: number | null | undefined) => (n === null || n === undefined || Number.isNaN(n) ? '-' : Math.round(n).toLocaleString('en-US'));
export const fmtPct = (r: number | null | undefined, digits = 1) => (r === null || r === undefined || !Number.isFinite(r) ? '-' : `${(r * 100).toFixed(digits)}%`);
export const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
