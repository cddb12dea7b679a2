import type { Platform } from '../../platform/context.js';
import { MASS_POLL_QUEUE, MASS_RUN_QUEUE, type WecomMass } from './mass.js';
import { MOMENT_CREATE_QUEUE, MOMENT_POLL_QUEUE, PUBLISHED_CHECK_EVERY_MS, type WecomMoments } from './moments.js';

/** Jobs of mass messages and Moments: creating tasks in WeCom at their time, and polling what became of them. */
export function registerMassJobs(p: Platform, mass: WecomMass, moments: WecomMoments) {
  p.jobs.register(MASS_RUN_QUEUE, async (j: { shopId: string; taskId: string }) => mass.run(j.shopId, j.taskId), { backoffMs: 10_000 });
  p.jobs.register(MASS_POLL_QUEUE, async (j: { shopId: string; taskId: string }) => mass.progress.poll(j.shopId, j.taskId), { backoffMs: 10_000 });
  // Scheduled tasks go within 30 s of their time; confirmations are polled every few minutes per task.
  p.jobs.register('wecom.mass-tick', async () => {
    await mass.tick();
  });
  p.jobs.schedule('wecom.mass-tick', 30_000, 'wecom.mass-tick');

  p.jobs.register(MOMENT_CREATE_QUEUE, async (j: { shopId: string; momentId: string }) => moments.post(j.shopId, j.momentId), { backoffMs: 5_000 });
  p.jobs.register(MOMENT_POLL_QUEUE, async (j: { shopId: string; momentId: string; n: number }) => moments.poll(j.shopId, j.momentId, j.n), { backoffMs: 5_000 });
  // Who published each recent Moment on their phone (get_moment_task), until all did or a week passed.
  p.jobs.register('wecom.moment-published', async () => {
    for (const m of await moments.duePublished()) await moments.refreshPublished(m.shop_id, m.id);
  });
  p.jobs.schedule('wecom.moment-published', PUBLISHED_CHECK_EVERY_MS, 'wecom.moment-published');
}
