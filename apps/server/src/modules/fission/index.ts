import type { Platform } from '../../platform/context.js';
import type { FissionDeps } from './deps.js';
import { GroupBuyService } from './groupbuy/service.js';
import { BargainService } from './bargain/service.js';
import { DistributionService } from './distribution/service.js';
import { SceneService } from './share/scenes.js';
import { PosterService } from './share/posters.js';
import { InviteService } from './invite/service.js';
import { LeaderService } from './leaders/service.js';

/**
 * 裂变: customers bring customers. Group buys, bargains, promoters (distribution), invitations and share codes, each in
 * its own folder; they take part in checkout through extensions and react to the orders' events.
 */
export function createFission(p: Platform, deps: FissionDeps) {
  const scenes = new SceneService(p);
  const posters = new PosterService(p, scenes, deps);
  const groupBuys = new GroupBuyService(p, deps);
  const bargains = new BargainService(p, deps);
  const distribution = new DistributionService(p, deps, scenes);
  const invitations = new InviteService(p, deps, scenes);
  const leaders = new LeaderService(p, deps);
  return { scenes, posters, groupBuys, bargains, distribution, invitations, leaders };
}

export type Fission = ReturnType<typeof createFission>;
