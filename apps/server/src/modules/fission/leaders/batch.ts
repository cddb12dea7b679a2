/**
 * 截单 (order cut-off) arithmetic, pure. Beijing time is UTC+08:00 all year (no daylight saving), so a
 * Beijing wall-clock time is the UTC instant 8 hours earlier. An order belongs to the batch of the first
 * cut-off at or after its paid time; the batch of cut-off day D is picked up on D + pickupAfterDays.
 */
const OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

function parseCutoff(cutoff: string) {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(cutoff);
  if (!m) throw new Error(`Bad cut-off time ${cutoff}`);
  return (Number(m[1]) * 60 + Number(m[2])) * 60_000;
}

function parseDay(day: string) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new Error(`Bad date ${day}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(ms).toISOString().slice(0, 10) !== day) throw new Error(`Bad date ${day}`);
  return ms;
}

/** The Beijing calendar day of an instant, YYYY-MM-DD. */
export function beijingDay(at: Date): string {
  return new Date(at.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

/** `day` plus n calendar days. */
export function addDays(day: string, n: number): string {
  return new Date(parseDay(day) + n * DAY_MS).toISOString().slice(0, 10);
}

/** The instant of the cut-off on Beijing day `day`. */
export function cutoffAt(day: string, cutoff: string): Date {
  return new Date(parseDay(day) + parseCutoff(cutoff) - OFFSET_MS);
}

/** The batch an order paid at `paidAt` belongs to: its cut-off day and instant, and its pickup day. */
export function batchOf(paidAt: Date, cutoff: string, pickupAfterDays: number) {
  const sameDay = cutoffAt(beijingDay(paidAt), cutoff);
  const at = paidAt.getTime() <= sameDay.getTime() ? sameDay : new Date(sameDay.getTime() + DAY_MS);
  const batchDate = beijingDay(at);
  return { batchDate, cutoffAt: at, pickupDate: addDays(batchDate, pickupAfterDays) };
}

/** The orders of the batch whose cut-off is on `day`: paid after the previous day's cut-off, up to and including this one. */
export function batchWindow(day: string, cutoff: string) {
  const to = cutoffAt(day, cutoff);
  return { from: new Date(to.getTime() - DAY_MS), to };
}

/** The end (exclusive) of Beijing day `day`: settlements up to `periodTo` take what accrued before it. */
export function endOfDay(day: string): Date {
  return new Date(parseDay(day) + DAY_MS - OFFSET_MS);
}
