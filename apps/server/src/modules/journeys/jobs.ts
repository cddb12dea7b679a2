import { JOURNEY_EVENTS } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import type { JourneyService } from './service.js';

/** How long one advance job keeps taking batches before it lets the next slot run. */
const ADVANCE_SLICE_MS = 10_000;
/** Advance jobs running at once in one process; the schedule starts one a second, the others end at once. */
const ADVANCE_CONCURRENCY = 2;

export function registerJourneyJobs(p: Platform, journeys: JourneyService) {
  let advancing = 0;
  // Ahead of ordinary jobs: each tag a journey adds queues a segments refresh, and a backlog of those must not
  // hold the engine back (the queue takes jobs highest priority first, then oldest first).
  p.jobs.register('journeys.advance', async () => {
    if (advancing >= ADVANCE_CONCURRENCY) return;
    advancing++;
    try {
      const until = Date.now() + ADVANCE_SLICE_MS;
      while (Date.now() < until && (await journeys.advanceDue()) > 0);
    } finally {
      advancing--;
    }
  }, { priority: 10 });
  p.jobs.schedule('journeys.advance', 1_000, 'journeys.advance');

  p.jobs.register('journeys.schedules', async () => {
    await journeys.runSchedules();
  });
  p.jobs.schedule('journeys.schedules', 60_000, 'journeys.schedules');
  p.jobs.register('journeys.dates', async () => {
    await journeys.enterByDates();
  });
  p.jobs.schedule('journeys.dates', 3_600_000, 'journeys.dates');

  p.jobs.register('journeys.webhook', async (j: Parameters<JourneyService['callWebhook']>[0]) => journeys.callWebhook(j), { backoffMs: 5_000 });

  // Every journey event: goals, wait_event wake-ups and entries, exactly once per event.
  for (const type of JOURNEY_EVENTS) {
    if (type !== 'coupon.claimed') p.events.subscribe(type, `journeys.on:${type}`, (event, tx) => journeys.onEvent(tx, event));
  }
  // A claim is a `coupon.issued` of source 'claim': the claim path writes one event per coupon in the same
  // statement as the coupon, and a second event per claim would double the outbox on the hottest path.
  p.events.subscribe('coupon.issued', 'journeys.on:coupon.claimed', async (event, tx) => {
    if (event.payload.source === 'claim') await journeys.onEvent(tx, { ...event, type: 'coupon.claimed' });
  });
  p.events.subscribe('segment.changed', 'journeys.segment-changed', (event, tx) => journeys.onSegmentChanged(tx, event));
  p.events.subscribe('member_card.changed', 'journeys.card-dates', (event, tx) => journeys.onCardChanged(tx, event));
  p.events.subscribe('customer.merged', 'journeys.customer-merged', (event, tx) => journeys.onMerged(tx, event));
}
