/** Experiment statistics (A/B 实验统计): pure functions, no I/O. See analyse.ts for the one-call entry. */
export * from './analyse.js';
export * from './bayes.js';
export * from './cuped.js';
export * from './distributions.js';
export { INVALID_INPUT, relativeLift, type Interval, type MeanArm, type ProportionArm } from './inputs.js';
export * from './means.js';
export * from './proportions.js';
export * from './sample-size.js';
export * from './sequential.js';
export * from './srm.js';
export { logBeta, logGamma, regularizedBeta, regularizedGammaP, regularizedGammaQ } from './special.js';
