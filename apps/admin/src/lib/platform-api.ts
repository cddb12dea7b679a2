import { ApiError, queryString, type ApiErrorBody, type Query } from './api';

/**
 * The platform operator's API (/api/platform): its own session cookie and CSRF cookie, separate from
 * a shop's console session, so the two never stand in for each other.
 */
const BASE = '/api/platform';
let language = 'zh-CN';
export function setPlatformLanguage(lang: string) {
  language = lang;
}

export function operatorCsrf(): string {
  const m = /(?:^|;\s*)siyu_op_csrf=([^;]*)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]) : '';
}

async function request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': language };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = operatorCsrf();
  let res: Response;
  try {
    res = await fetch(`${BASE}${path}${queryString(query)}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'NETWORK', language.startsWith('zh') ? '网络连接失败,请检查网络后重试' : 'Network error, check your connection and retry');
  }
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const e = (data as ApiErrorBody | null)?.error;
    throw new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? res.statusText, e?.details ?? {});
  }
  return data as T;
}

export const platformApi = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, undefined, query),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
};
