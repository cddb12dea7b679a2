import { shopSlug } from './shop';

/** An API answer with `{ error: { code, message, details: { field } } }`, or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const tokenKey = () => `siyu:shop:${shopSlug}:token`;

export const tokenStore = {
  get: (): string | null => {
    try {
      return localStorage.getItem(tokenKey());
    } catch {
      return null;
    }
  },
  set(token: string | null) {
    try {
      if (token) localStorage.setItem(tokenKey(), token);
      else localStorage.removeItem(tokenKey());
    } catch {
      /* private mode: the session lasts as long as the page */
    }
  },
};

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();
/** Called when the server says the session is gone (401), so the app can drop it and ask to sign in. */
export function onUnauthorized(fn: Listener) {
  unauthorizedListeners.add(fn);
  return () => void unauthorizedListeners.delete(fn);
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Calls /api/store/<shop><path>. Resolves with the JSON body; rejects with ApiError. */
export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, opts: RequestOptions = {}): Promise<T> {
  const qs = opts.query
    ? Object.entries(opts.query)
        .filter(([, v]) => v !== undefined && v !== null && v !== '')
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
        .join('&')
    : '';
  const url = `/api/store/${encodeURIComponent(shopSlug ?? '')}${path}${qs ? `?${qs}` : ''}`;
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': 'zh-CN', ...opts.headers };
  const token = tokenStore.get();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), signal: opts.signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', '网络异常,请检查网络后重试');
  }
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)?.error;
    if (res.status === 401 && token) {
      tokenStore.set(null);
      unauthorizedListeners.forEach((fn) => fn());
    }
    throw new ApiError(
      res.status,
      e?.code ?? `HTTP_${res.status}`,
      e?.message ?? (res.status >= 500 ? '服务器开小差了,请稍后再试' : '请求失败,请稍后再试'),
      typeof e?.details?.field === 'string' ? e.details.field : undefined,
      e?.details,
    );
  }
  return data as T;
}

/** A random UUID v4, also where crypto.randomUUID is missing (plain-http pages in older WebViews). */
export function uuid(): string {
  if (typeof crypto.randomUUID === 'function' && window.isSecureContext) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return '出错了,请稍后再试';
}
