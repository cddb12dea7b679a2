import type { EngineEvent } from './types.js';

/** Columns of the events table in both engines, in this order. */
export const EVENT_COLUMNS = [
  'inbox_id', 'shop_id', 'event', 'person_id', 'distinct_id', 'ts', 'properties',
  'source', 'medium', 'campaign', 'channel', 'os', 'path', 'amount',
] as const;

/**
 * `amount` (fen) is read out of the properties once, at load: RFM, revenue and the dashboard sum it
 * over millions of rows, and a JSON parse per row per query is most of their cost. Only a JSON number
 * counts, as docs/analytics.md says.
 */
export function amountOf(properties: string): number | null {
  const m = /"amount"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*[,}]/.exec(properties);
  if (!m) return null;
  // The regex may find a nested "amount"; only the top-level key counts, so confirm with a parse.
  try {
    const v = (JSON.parse(properties) as Record<string, unknown>).amount;
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

export function rowOf(e: EngineEvent) {
  return {
    inbox_id: e.inboxId, shop_id: e.shopId, event: e.event, person_id: e.personId, distinct_id: e.distinctId, ts: e.ts,
    properties: e.properties, source: e.source, medium: e.medium, campaign: e.campaign, channel: e.channel, os: e.os, path: e.path,
    amount: amountOf(e.properties),
  };
}
