import type { Platform } from '../../platform/context.js';
import type { Fission } from './index.js';
import { registerGroupBuyJobs } from './groupbuy/jobs.js';
import { registerBargainJobs } from './bargain/jobs.js';
import { registerDistributionJobs } from './distribution/jobs.js';
import { registerShareJobs } from './share/jobs.js';
import { registerInviteJobs } from './invite/jobs.js';
import { registerLeaderJobs } from './leaders/jobs.js';

export function registerFissionJobs(p: Platform, f: Fission) {
  registerGroupBuyJobs(p, f);
  registerBargainJobs(p, f);
  registerDistributionJobs(p, f);
  registerShareJobs(p, f);
  registerInviteJobs(p, f);
  registerLeaderJobs(p, f);
}
