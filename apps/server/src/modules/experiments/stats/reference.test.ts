/**
 * Every public function against scipy/numpy (fixtures/generate.py). 1e-6 relative unless a case says
 * why it is looser.
 */
import { describe, expect, it } from 'vitest';
import { chanceToWinMeans, chanceToWinProportions } from './bayes.js';
import { cupedFromSamples } from './cuped.js';
import { expectClose, reference } from './fixtures/reference.js';
import { welchFromSamples, welchFromSums } from './means.js';
import { twoProportion } from './proportions.js';
import { minSampleSizeMeans, minSampleSizeProportions } from './sample-size.js';
import { alwaysValid } from './sequential.js';
import { srm } from './srm.js';

const REL = 1e-6;

describe('twoProportion', () => {
  it.each(reference.twoProportion)('$a.conversions/$a.n vs $b.conversions/$b.n at α=$alpha', (c) => {
    const r = twoProportion(c.a, c.b, { alpha: c.alpha });
    expectClose(r.difference, c.difference, REL);
    if (c.relativeLift === null) expect(r.relativeLift).toBeNull();
    else expectClose(r.relativeLift ?? NaN, c.relativeLift, REL);
    expectClose(r.z, c.z, REL);
    expectClose(r.pValue, c.pValue, REL);
    expectClose(r.ci.lower, c.ci[0], REL);
    expectClose(r.ci.upper, c.ci[1], REL);
    expectClose(r.wilsonA.lower, c.wilsonA[0], REL);
    expectClose(r.wilsonA.upper, c.wilsonA[1], REL);
    expectClose(r.wilsonB.lower, c.wilsonB[0], REL);
    expectClose(r.wilsonB.upper, c.wilsonB[1], REL);
  });
});

describe('welch', () => {
  it.each(reference.welch)('$name from raw samples matches scipy.stats.ttest_ind(equal_var=False)', (c) => {
    const r = welchFromSamples(c.a, c.b, { alpha: c.alpha });
    expectClose(r.difference, c.difference, REL);
    expectClose(r.t, c.t, REL);
    expectClose(r.df, c.df, REL);
    expectClose(r.pValue, c.pValue, REL);
    expectClose(r.ci.lower, c.ci[0], REL);
    expectClose(r.ci.upper, c.ci[1], REL);
  });

  // From SUM and SUM of squares the variance is a difference of large numbers; these data keep ~10
  // digits, so 1e-6 still holds (see meanArmFromSums for when it would not).
  it.each(reference.welch)('$name from SQL-style sums gives the same answer', (c) => {
    const r = welchFromSums(c.sumsA, c.sumsB, { alpha: c.alpha });
    expectClose(r.t, c.t, REL);
    expectClose(r.df, c.df, REL);
    expectClose(r.pValue, c.pValue, REL);
    expectClose(r.ci.lower, c.ci[0], REL);
    expectClose(r.ci.upper, c.ci[1], REL);
  });

  it('reproduces the published textbook values (Wikipedia, Welch’s t-test, examples 1–3)', () => {
    const published = [
      { t: 2.46, df: 25.0, p: 0.021 },
      { t: 1.57, df: 9.9, p: 0.149 },
      { t: 2.22, df: 24.5, p: 0.036 },
    ];
    reference.welch.slice(0, 3).forEach((c, i) => {
      // The article's sign is A1 − A2; ours is B − A.
      const r = welchFromSamples(c.a, c.b);
      expect(-r.t).toBeCloseTo(-published[i].t, 2);
      expect(r.df).toBeCloseTo(published[i].df, 1);
      expect(r.pValue).toBeCloseTo(published[i].p, 3);
    });
  });
});

describe('chance to win', () => {
  // scipy's reference integrates numerically (quad with epsrel 1e-12 for P(B>A), a nested quad with
  // epsrel 1e-10 for the losses), so we compare at 1e-7 relative (1e-9 absolute): tighter than any
  // decision needs, looser than the quadrature's guaranteed error. The exact sum agrees to ~1e-10; the
  // last case is past the switch to the normal posterior and agrees to ~1e-8.
  it.each(reference.chanceToWin.proportions)('$a.conversions/$a.n vs $b.conversions/$b.n against quadrature', (c) => {
    const r = chanceToWinProportions(c.a, c.b);
    expectClose(r.chanceToWin, c.chanceToWin, 1e-7, 1e-9);
    expectClose(r.expectedLossB, c.expectedLossB, 1e-6, 1e-9);
    expectClose(r.expectedLossA, c.expectedLossA, 1e-6, 1e-9);
  });

  it.each(reference.chanceToWin.means)('means $a.mean vs $b.mean (normal posterior)', (c) => {
    const r = chanceToWinMeans(c.a, c.b);
    expectClose(r.chanceToWin, c.chanceToWin, REL);
    expectClose(r.expectedLossB, c.expectedLossB, REL);
    expectClose(r.expectedLossA, c.expectedLossA, REL);
  });
});

describe('cuped', () => {
  it.each(reference.cuped)('$name matches numpy regression + scipy Welch on the adjusted metric', (c) => {
    const r = cupedFromSamples(c.a, c.b);
    expectClose(r.theta, c.theta, REL);
    expectClose(r.adjustedMeanA, c.adjustedMeanA, REL);
    expectClose(r.adjustedMeanB, c.adjustedMeanB, REL);
    expectClose(r.adjustedVarianceA, c.adjustedVarianceA, REL);
    expectClose(r.adjustedVarianceB, c.adjustedVarianceB, REL);
    expectClose(r.adjusted.t, c.t, REL);
    expectClose(r.adjusted.df, c.df, REL);
    expectClose(r.adjusted.pValue, c.pValue, REL);
    expectClose(r.adjusted.ci.lower, c.ci[0], REL);
    expectClose(r.adjusted.ci.upper, c.ci[1], REL);
    expectClose(r.unadjusted.pValue, c.unadjustedPValue, REL);
    expectClose(r.varianceReduction, c.varianceReduction, REL);
    // The adjusted difference is the arm coefficient of the regression Y ~ 1 + arm + X.
    expectClose(r.adjusted.difference, c.regressionArmEffect, REL);
  });

  it('reduces variance when the pre-period predicts the outcome', () => {
    const strong = reference.cuped.find((c) => c.name === 'strong_covariate');
    expect(strong && cupedFromSamples(strong.a, strong.b).varianceReduction).toBeGreaterThan(0.3);
  });
});

describe('srm', () => {
  it.each(reference.srm)('$name matches scipy.stats.chisquare', (c) => {
    const r = srm(c.observed, c.ratios);
    expectClose(r.chi2, c.chi2, REL);
    expect(r.df).toBe(c.df);
    expectClose(r.pValue, c.pValue, REL);
    c.expected.forEach((e, i) => expectClose(r.expected[i], e, REL));
    expect(r.flagged).toBe(c.flagged);
  });

  it('50,000 vs 51,000 on a 50/50 split is suspicious (p ≈ 0.0017) but not below the 0.001 threshold', () => {
    const r = srm([50_000, 51_000], [1, 1]);
    expect(r.pValue).toBeGreaterThan(0.001);
    expect(r.flagged).toBe(false);
    expect(srm([50_000, 51_000], [1, 1], { threshold: 0.01 }).flagged).toBe(true);
  });

  it('50,000 vs 51,500 on a 50/50 split is flagged', () => {
    expect(srm([50_000, 51_500], [1, 1]).flagged).toBe(true);
  });
});

describe('minimum sample size', () => {
  it.each(reference.sampleSize.proportions)('baseline $baselineRate, mde $mde, α $alpha, power $power', (c) => {
    const r = minSampleSizeProportions(c.baselineRate, c.mde, { alpha: c.alpha, power: c.power });
    expectClose(r.exact, c.exact, REL);
    expect(r.perArm).toBe(c.perArm);
  });

  it.each(reference.sampleSize.means)('sd $sd, difference $delta, α $alpha, power $power', (c) => {
    const r = minSampleSizeMeans(c.sd, c.delta, { alpha: c.alpha, power: c.power });
    expectClose(r.exact, c.exact, REL);
    expect(r.perArm).toBe(c.perArm);
  });

  it('the rule of thumb: 10 % → 12 % needs about 3,800 users per arm', () => {
    expect(minSampleSizeProportions(0.1, { absolute: 0.02 }).perArm).toBe(3841);
  });
});

describe('mixture SPRT', () => {
  it.each(reference.sequential)('difference $difference ± $standardError, τ² $tau2', (c) => {
    const r = alwaysValid({ difference: c.difference, standardError: c.standardError }, { alpha: c.alpha, tau2: c.tau2 });
    expectClose(r.pValue, c.pValue, REL);
    expectClose(r.ci.lower, c.ci[0], REL);
    expectClose(r.ci.upper, c.ci[1], REL);
    expect(r.pValue).toBeGreaterThanOrEqual(c.fixedPValue);
  });
});
