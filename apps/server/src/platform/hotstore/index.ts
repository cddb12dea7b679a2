import type { HotStore } from './types.js';
import { MemoryHotStore } from './memory.js';

export type { HotStore, RateLimitResult, IdempotencyState, CounterStep, CounterLimit, CountersResult, CountersOptions, TimelineRead, UnitClaim, UnitClaimResult } from './types.js';

export async function createHotStore(opts: { redisUrl?: string; prefix?: string }): Promise<HotStore> {
  if (!opts.redisUrl) return new MemoryHotStore();
  const { RedisHotStore } = await import('./redis.js');
  return new RedisHotStore(opts.redisUrl, opts.prefix);
}
