import { SMS_MARKETING_WINDOW, type Channel, type ContactBudget } from '@siyu/contracts';

/**
 * The contact budget's rules as pure functions, so a property test can drive them and the dispatcher
 * applies exactly these under its per-customer locks. Times are shop time (UTC+8), days are integers.
 */
const SHOP_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

export const shopDay = (at: Date) => Math.floor((at.getTime() + SHOP_OFFSET_MS) / DAY_MS);
export const shopMinute = (at: Date) => Math.floor((((at.getTime() + SHOP_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS / 60_000);

/** Within [start, end) of the day, wrapping midnight when start > end; an empty window when equal. */
function within(minute: number, start: number, end: number) {
  if (start === end) return false;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/**
 * When a non-transactional message on this channel may go out, at or after `at`: outside quiet hours,
 * and for SMS also inside the 08:00–20:00 marketing window. Returns `at` itself when it may go now.
 */
export function nextSendTime(budget: ContactBudget, channel: Channel, at: Date): Date {
  const ok = (m: number) => !within(m, budget.quietStart, budget.quietEnd) && (channel !== 'sms' || within(m, SMS_MARKETING_WINDOW.start, SMS_MARKETING_WINDOW.end));
  const minute = shopMinute(at);
  if (ok(minute)) return at;
  const startOfMinute = at.getTime() - (at.getTime() % 60_000);
  for (let step = 1; step <= 1440; step++) {
    if (ok((minute + step) % 1440)) return new Date(startOfMinute + step * 60_000);
  }
  // Quiet all day (a misconfiguration the settings refuse); never send rather than send in quiet hours.
  return new Date(at.getTime() + 365 * DAY_MS);
}

/** Counts of what a customer already received: per channel and '*' (all), today and over the last 7 days. */
export interface Received {
  today: Map<string, number>;
  week: Map<string, number>;
}

export const emptyReceived = (): Received => ({ today: new Map(), week: new Map() });

/** Which cap a message would break, or null when it fits. Transactional messages are never capped. */
export function capBroken(budget: ContactBudget, received: Received, channel: Channel, transactional: boolean): string | null {
  if (transactional) return null;
  const checks: [string, number | null, number][] = [
    ['daily.total', budget.daily.total, received.today.get('*') ?? 0],
    [`daily.${channel}`, budget.daily[channel], received.today.get(channel) ?? 0],
    ['weekly.total', budget.weekly.total, received.week.get('*') ?? 0],
    [`weekly.${channel}`, budget.weekly[channel], received.week.get(channel) ?? 0],
  ];
  for (const [name, cap, n] of checks) if (cap !== null && n >= cap) return name;
  return null;
}

export function count(received: Received, channel: Channel) {
  for (const m of [received.today, received.week]) {
    m.set(channel, (m.get(channel) ?? 0) + 1);
    m.set('*', (m.get('*') ?? 0) + 1);
  }
}
