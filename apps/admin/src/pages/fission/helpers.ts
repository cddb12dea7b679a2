/** Pure helpers of the fission pages (no React), shared by the pages and their tests. */
import dayjs from 'dayjs';
import type { TFunction } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import type { ActivityStatus } from './types';

export const fmtMinute = (v: string | null | undefined) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '-');

/** Basis points as the merchant typed them: 1050 → "10.5%". */
export const bpText = (bp: number | null | undefined) => (bp === null || bp === undefined ? '-' : `${Number((bp / 100).toFixed(2))}%`);
/** 12.5 (a percent typed in a form) → 1250 basis points; null when the field is empty. */
export const pctToBp = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 100) : null);

/** 1500 minutes → "1 天 1 小时"; the time a group has to fill. */
export function durationText(minutes: number, t: TFunction): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const parts: string[] = [];
  if (d) parts.push(t('fission.unit.days', { n: d }));
  if (h) parts.push(t('fission.unit.hours', { n: h }));
  if (m || parts.length === 0) parts.push(t('fission.unit.minutes', { n: m }));
  return parts.join(' ');
}

/** An activity as the merchant thinks of it: not started yet, running, or over (ended early or past its end). */
export type Phase = 'upcoming' | 'running' | 'ended';
export function phaseOf(a: { status: ActivityStatus; startsAt: string; endsAt: string }, now = Date.now()): Phase {
  if (a.status === 'ended' || Date.parse(a.endsAt) <= now) return 'ended';
  if (Date.parse(a.startsAt) > now) return 'upcoming';
  return 'running';
}

/**
 * Every helper cuts at least one fen, so N helpers need a gap of at least N fen between the start and
 * the floor; the form says so before the server has to.
 */
export function maxHelpers(startFen: number | null, floorFen: number | null): number | null {
  if (startFen === null || floorFen === null || floorFen >= startFen) return null;
  return startFen - floorFen;
}

/** "¥59.00" or "¥49.00 ~ ¥59.00" over the SKUs taking part. */
export function groupPriceRange(items: { groupPriceFen: number }[]): string {
  if (items.length === 0) return '-';
  const prices = items.map((i) => i.groupPriceFen);
  const min = Math.min(...prices);
  const max = Math.max(...prices);
  return min === max ? formatFen(min) : `${formatFen(min)} ~ ${formatFen(max)}`;
}

