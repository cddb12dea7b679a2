import { z } from 'zod';

/** Money is integer fen (分). ¥12.34 is 1234. */
export const Fen = z.number().int().min(0).max(100_000_000_00);
export const Id = z.uuid();
export const Phone = z.string().regex(/^1[3-9]\d{9}$/, 'must be a mainland mobile number');

export const Page = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

export interface Paged<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

/** ¥12.34 from 1234 fen. */
export function formatFen(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** The one error shape every API answer uses. */
export interface ApiError {
  error: { code: string; message: string; details?: { field?: string; [k: string]: unknown } };
}

/** A phone as staff and other customers may see it: 138****8000. */
export function maskPhone(phone: string): string {
  return `${phone.slice(0, 3)}****${phone.slice(-4)}`;
}
