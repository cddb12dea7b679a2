import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationSource } from '../platform/db/migrate.js';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Migration folders in the order they apply: platform first, then modules by dependency. */
export const migrationSources: MigrationSource[] = [
  { owner: 'platform', dir: path.join(src, 'platform/migrations') },
  { owner: 'customers', dir: path.join(src, 'modules/customers/migrations') },
  { owner: 'catalog', dir: path.join(src, 'modules/catalog/migrations') },
  { owner: 'inventory', dir: path.join(src, 'modules/inventory/migrations') },
  { owner: 'orders', dir: path.join(src, 'modules/orders/migrations') },
  { owner: 'promotions', dir: path.join(src, 'modules/promotions/migrations') },
  { owner: 'loyalty', dir: path.join(src, 'modules/loyalty/migrations') },
  { owner: 'tags', dir: path.join(src, 'modules/tags/migrations') },
  { owner: 'storedvalue', dir: path.join(src, 'modules/storedvalue/migrations') },
  { owner: 'presale', dir: path.join(src, 'modules/presale/migrations') },
  { owner: 'reviews', dir: path.join(src, 'modules/reviews/migrations') },
  { owner: 'flashsale', dir: path.join(src, 'modules/flashsale/migrations') },
  { owner: 'fission', dir: path.join(src, 'modules/fission/migrations') },
  { owner: 'cdp', dir: path.join(src, 'modules/cdp/migrations') },
  { owner: 'messaging', dir: path.join(src, 'modules/messaging/migrations') },
  { owner: 'journeys', dir: path.join(src, 'modules/journeys/migrations') },
  { owner: 'wecom', dir: path.join(src, 'modules/wecom/migrations') },
  { owner: 'experiments', dir: path.join(src, 'modules/experiments/migrations') },
  { owner: 'onboarding', dir: path.join(src, 'modules/onboarding/migrations') },
  { owner: 'sandbox', dir: path.join(src, 'app/sandbox-store/migrations') },
];
