/**
 * Contracts shared by the server, the console, the storefront and the SDK: one zod schema per request
 * body or query, so a form validates with exactly the rules the API enforces.
 */
export * from './common.js';
export * from './catalog.js';
export * from './customers.js';
export * from './orders.js';
export * from './order-texts.js';
export * from './promo-labels.js';
export * from './goods-summary.js';
export * from './refund-math.js';
export * from './promotions.js';
export * from './loyalty.js';
export * from './tags.js';
export * from './storedvalue.js';
export * from './reviews.js';
export * from './flashsale.js';
export * from './cards.js';
export * from './presale.js';
export * from './onboarding.js';
export * from './analytics.js';
export * from './messaging.js';
export * from './segments.js';
export * from './journeys.js';
export * from './experiments.js';
export * from './wecom.js';
export * from './wecom-mass.js';
export * from './wecom-followups.js';
export * from './wecom-groups.js';
export * from './fission-share.js';
export * from './fission-distribution.js';
export * from './fission-bargain.js';
export * from './fission-groupbuy.js';
export * from './fission-invite.js';
export * from './fission-leaders.js';
