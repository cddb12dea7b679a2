import { describe, expect, it } from 'vitest';
import {
  betaCdf,
  betaQuantile,
  chiSquareCdf,
  chiSquareQuantile,
  chiSquareSf,
  normalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
} from './distributions.js';
import { expectClose, reference } from './fixtures/reference.js';
import { logGamma } from './special.js';

const d = reference.distributions;

describe('distributions match scipy at 1e-6 relative (most agree to 1e-10)', () => {
  it.each(d.normalCdf)('Φ($x)', ({ x, value }) => expectClose(normalCdf(x), value, 1e-9));
  it.each(d.normalQuantile)('Φ⁻¹($p)', ({ p, value }) => expectClose(normalQuantile(p), value, 1e-9));
  it.each(d.studentTCdf)('t cdf($t; $df)', ({ t, df, value }) => expectClose(studentTCdf(t, df), value, 1e-6));
  it.each(d.studentTQuantile)('t quantile($p; $df)', ({ p, df, value }) => expectClose(studentTQuantile(p, df), value, 1e-6));
  it.each(d.chiSquareCdf)('χ² cdf($x; $df)', ({ x, df, value }) => expectClose(chiSquareCdf(x, df), value, 1e-6));
  it.each(d.chiSquareSf)('χ² sf($x; $df)', ({ x, df, value }) => expectClose(chiSquareSf(x, df), value, 1e-6));
  it.each(d.chiSquareQuantile)('χ² quantile($p; $df)', ({ p, df, value }) => expectClose(chiSquareQuantile(p, df), value, 1e-6));
  it.each(d.betaCdf)('beta cdf($x; $a, $b)', ({ x, a, b, value }) => expectClose(betaCdf(x, a, b), value, 1e-6));
  it.each(d.betaQuantile)('beta quantile($p; $a, $b)', ({ p, a, b, value }) => expectClose(betaQuantile(p, a, b), value, 1e-6));
});

describe('special values a reader can check by hand', () => {
  it('log-gamma of integers is log of factorials', () => {
    expectClose(logGamma(1), 0, 0, 1e-14);
    expectClose(logGamma(5), Math.log(24), 1e-13);
    expectClose(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13);
  });

  it('the 1.96 everybody knows, and Cauchy (t with 1 df) at 1 is 3/4', () => {
    expectClose(normalQuantile(0.975), 1.959963984540054, 1e-12);
    expectClose(studentTCdf(1, 1), 0.75, 1e-12);
    expectClose(chiSquareSf(3.841458820694124, 1), 0.05, 1e-10);
  });

  it('edges return limits instead of NaN', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(studentTQuantile(0.5, 7)).toBe(0);
    expect(chiSquareSf(0, 3)).toBe(1);
    expect(betaCdf(0, 2, 3)).toBe(0);
    expect(betaCdf(1, 2, 3)).toBe(1);
  });
});
