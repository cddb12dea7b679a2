/**
 * The promise of the always-valid view, checked by simulation: look after every batch of users, stop
 * the first time the result looks significant, and you are still wrong at most α of the time.
 * Seeded RNG, so the figures below are fixed; no clock is involved.
 */
import { describe, expect, it } from 'vitest';
import { type MeanArm } from './inputs.js';
import { meanArmFromSums } from './means.js';
import { twoProportion } from './proportions.js';
import { alwaysValid, alwaysValidMeans, alwaysValidProportions, defaultMixingVariance, optimalVarianceRatio } from './sequential.js';

const ALPHA = 0.05;
const RUNS = 400;
const LOOKS = 50;
const USERS_PER_LOOK = 100;
/** Binomial slack: miscoverage over RUNS runs may exceed α by ~2.3 standard errors by chance. */
const SLACK = 2.3 * Math.sqrt((ALPHA * (1 - ALPHA)) / RUNS);

/** mulberry32: tiny, seedable, good enough for simulation. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(next: () => number): number {
  // Box–Muller; 1 − u avoids log(0).
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

interface Running {
  n: number;
  sum: number;
  sumSquares: number;
}

function add(arm: Running, value: number): void {
  arm.n += 1;
  arm.sum += value;
  arm.sumSquares += value * value;
}

/** One simulated experiment on revenue-like normal data; true whether any look's interval missed the truth. */
function everMissesMeans(next: () => number, trueDifference: number, interval: (a: MeanArm, b: MeanArm) => { lower: number; upper: number }): boolean {
  const a: Running = { n: 0, sum: 0, sumSquares: 0 };
  const b: Running = { n: 0, sum: 0, sumSquares: 0 };
  for (let look = 0; look < LOOKS; look++) {
    for (let i = 0; i < USERS_PER_LOOK; i++) {
      add(a, 50 + 20 * normal(next));
      add(b, 50 + trueDifference + 20 * normal(next));
    }
    const ci = interval(meanArmFromSums(a), meanArmFromSums(b));
    if (trueDifference < ci.lower || trueDifference > ci.upper) return true;
  }
  return false;
}

function missRate(seed: number, simulate: (next: () => number) => boolean): number {
  const next = rng(seed);
  let misses = 0;
  for (let run = 0; run < RUNS; run++) if (simulate(next)) misses += 1;
  return misses / RUNS;
}

describe('confidence sequence coverage under continuous monitoring', () => {
  // τ² fixed before the experiment, from the planned size and a guessed per-user sd of 20.
  const tau2 = defaultMixingVariance(2 * 20 ** 2, 2500, ALPHA);
  const trueDifference = 1.5;

  it('the always-valid interval misses the true difference at some look in at most α of experiments', () => {
    const rate = missRate(11, (next) => everMissesMeans(next, trueDifference, (a, b) => alwaysValidMeans(a, b, { alpha: ALPHA, tau2 }).ci));
    expect(rate).toBeLessThanOrEqual(ALPHA + SLACK);
  });

  it('while the fixed-horizon 95 % interval, peeked at 50 times, misses far more often (why the mode exists)', () => {
    const fixedCi = (a: MeanArm, b: MeanArm) => {
      const se = Math.sqrt(a.variance / a.n + b.variance / b.n);
      const d = b.mean - a.mean;
      return { lower: d - 1.959963984540054 * se, upper: d + 1.959963984540054 * se };
    };
    const rate = missRate(11, (next) => everMissesMeans(next, trueDifference, fixedCi));
    expect(rate).toBeGreaterThan(3 * ALPHA);
  });
});

describe('always-valid p-value under the null, watched after every batch', () => {
  /** A/A test on a 10 % conversion rate; true when any look's p-value fell below α. */
  function falseAlarm(next: () => number, pValue: (a: { n: number; conversions: number }, b: { n: number; conversions: number }) => number): boolean {
    const a = { n: 0, conversions: 0 };
    const b = { n: 0, conversions: 0 };
    for (let look = 0; look < LOOKS; look++) {
      for (let i = 0; i < USERS_PER_LOOK; i++) {
        a.n += 1;
        b.n += 1;
        if (next() < 0.1) a.conversions += 1;
        if (next() < 0.1) b.conversions += 1;
      }
      if (pValue(a, b) < ALPHA) return true;
    }
    return false;
  }

  const tau2 = defaultMixingVariance(2 * 0.1 * 0.9, 2500, ALPHA);

  it('stopping at the first p < α is a false winner in at most α of A/A tests', () => {
    const rate = missRate(23, (next) => falseAlarm(next, (a, b) => alwaysValidProportions(a, b, { alpha: ALPHA, tau2 }).pValue));
    expect(rate).toBeLessThanOrEqual(ALPHA + SLACK);
  });

  it('the same stopping rule on the fixed-horizon p-value is wrong several times as often', () => {
    const rate = missRate(23, (next) => falseAlarm(next, (a, b) => twoProportion(a, b).pValue));
    expect(rate).toBeGreaterThan(3 * ALPHA);
  });
});

describe('mixing variance', () => {
  it('r* solves r = 2·ln(1/α) + ln(1 + r) and is where the interval is narrowest', () => {
    const r = optimalVarianceRatio(ALPHA);
    expect(Math.abs(r - (2 * Math.log(1 / ALPHA) + Math.log1p(r)))).toBeLessThan(1e-12);
    const width = (ratio: number) => alwaysValid({ difference: 0, standardError: 1 }, { tau2: ratio }).ci.upper;
    expect(width(r)).toBeLessThan(width(r * 0.8));
    expect(width(r)).toBeLessThan(width(r * 1.25));
  });

  it('no data yet means no claim: p = 1', () => {
    expect(alwaysValidProportions({ n: 0, conversions: 0 }, { n: 0, conversions: 0 }).pValue).toBe(1);
  });
});
