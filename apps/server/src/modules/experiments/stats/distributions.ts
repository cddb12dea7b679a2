/**
 * The distributions the experiment tests need: standard normal, Student t, chi-square and beta —
 * density, CDF (and survival where tails matter) and quantile.
 *
 * Built on special.ts; every function is checked against scipy in fixtures/reference.json.
 */
import { logBeta, logGamma, regularizedBeta, regularizedGammaP, regularizedGammaQ } from './special.js';

const SQRT_TWO_PI = Math.sqrt(2 * Math.PI);

// ---------------------------------------------------------------- standard normal

export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / SQRT_TWO_PI;
}

/**
 * Φ(x) via erfc(z) = Q(½, z²). Why not a short polynomial approximation: those carry ~1e-7 absolute
 * error, which is larger than the p-values an SRM check or a big experiment produces.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const tail = 0.5 * regularizedGammaQ(0.5, 0.5 * x * x);
  return x < 0 ? tail : 1 - tail;
}

/** 1 − Φ(x), computed without the subtraction so that far tails keep their relative precision. */
export function normalSf(x: number): number {
  return normalCdf(-x);
}

// Acklam's rational approximation (relative error 1.15e-9), then polished by Halley steps below.
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

function acklam(p: number): number {
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
}

/** Φ⁻¹(p). Lower half refined against the exact CDF; upper half by symmetry so tails stay precise. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p > 0.5) return -normalQuantile(1 - p);
  let x = acklam(p);
  for (let i = 0; i < 2; i++) {
    // Halley's step on Φ(x) − p: two steps take Acklam's 1e-9 to machine precision.
    const e = normalCdf(x) - p;
    const u = e * SQRT_TWO_PI * Math.exp(0.5 * x * x);
    x -= u / (1 + 0.5 * x * u);
  }
  return x;
}

// ---------------------------------------------------------------- generic inversion

/**
 * Solves cdf(x) = p on [lo, hi] by Newton steps that fall back to bisection whenever a step would
 * leave the bracket — safe for every monotone CDF here, and quadratically fast once close.
 */
function invertCdf(cdf: (x: number) => number, pdf: (x: number) => number, p: number, lo: number, hi: number, guess: number): number {
  let x = Math.min(Math.max(guess, lo), hi);
  for (let i = 0; i < 1000; i++) {
    const f = cdf(x) - p;
    if (f === 0) return x;
    if (f < 0) lo = x;
    else hi = x;
    const density = pdf(x);
    let next = density > 0 ? x - f / density : NaN;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    // Relative, not absolute, stopping: a χ² quantile at tiny p can be 1e-24 and still matter.
    if (Math.abs(next - x) <= 1e-15 * Math.abs(next)) return next;
    x = next;
  }
  return x;
}

/** Doubles `hi` until cdf(hi) ≥ p, for distributions without an upper bound. */
function upperBracket(cdf: (x: number) => number, p: number, start: number): number {
  let hi = Math.max(start, 1);
  while (cdf(hi) < p && hi < 1e300) hi *= 2;
  return hi;
}

// ---------------------------------------------------------------- Student t

export function studentTPdf(t: number, df: number): number {
  if (df === Infinity) return normalPdf(t);
  const logDensity = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI) - ((df + 1) / 2) * Math.log1p((t * t) / df);
  return Math.exp(logDensity);
}

/** P(|T| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, ½): the two-sided p-value, without forming 1 − CDF. */
export function studentTTwoSided(t: number, df: number): number {
  if (Number.isNaN(t) || Number.isNaN(df)) return NaN;
  if (df === Infinity) return 2 * normalSf(Math.abs(t));
  const t2 = t * t;
  return regularizedBeta(df / (df + t2), df / 2, 0.5, t2 / (df + t2));
}

export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * studentTTwoSided(t, df);
  return t < 0 ? tail : 1 - tail;
}

export function studentTQuantile(p: number, df: number): number {
  if (!(p >= 0 && p <= 1) || !(df > 0)) return NaN;
  if (df === Infinity) return normalQuantile(p);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p > 0.5) return -studentTQuantile(1 - p, df);
  if (p === 0.5) return 0;
  // Solve in the lower tail against P(T ≤ t) = ½·I(...), which is exact there.
  const cdf = (t: number) => 0.5 * studentTTwoSided(t, df);
  const pdf = (t: number) => studentTPdf(t, df);
  const guess = normalQuantile(p);
  const lo = -upperBracket((t) => 1 - cdf(-t), 1 - p, -guess);
  return invertCdf(cdf, pdf, p, lo, 0, Math.max(guess, lo));
}

// ---------------------------------------------------------------- chi-square

export function chiSquarePdf(x: number, df: number): number {
  if (x < 0) return 0;
  if (x === 0) return df === 2 ? 0.5 : df < 2 ? Infinity : 0;
  const k = df / 2;
  return Math.exp((k - 1) * Math.log(x) - x / 2 - k * Math.LN2 - logGamma(k));
}

export function chiSquareCdf(x: number, df: number): number {
  return regularizedGammaP(df / 2, x / 2);
}

/** P(χ² ≥ x): the goodness-of-fit p-value, computed in the tail directly. */
export function chiSquareSf(x: number, df: number): number {
  return regularizedGammaQ(df / 2, x / 2);
}

export function chiSquareQuantile(p: number, df: number): number {
  if (!(p >= 0 && p <= 1) || !(df > 0)) return NaN;
  if (p === 0) return 0;
  if (p === 1) return Infinity;
  const cdf = (x: number) => chiSquareCdf(x, df);
  return invertCdf(cdf, (x) => chiSquarePdf(x, df), p, 0, upperBracket(cdf, p, df), df);
}

// ---------------------------------------------------------------- beta

export function betaPdf(x: number, a: number, b: number): number {
  if (x < 0 || x > 1) return 0;
  if (x === 0) return a === 1 ? 1 / Math.exp(logBeta(a, b)) : a < 1 ? Infinity : 0;
  if (x === 1) return b === 1 ? 1 / Math.exp(logBeta(a, b)) : b < 1 ? Infinity : 0;
  return Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - logBeta(a, b));
}

export function betaCdf(x: number, a: number, b: number): number {
  return regularizedBeta(x, a, b);
}

export function betaQuantile(p: number, a: number, b: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return 0;
  if (p === 1) return 1;
  return invertCdf((x) => betaCdf(x, a, b), (x) => betaPdf(x, a, b), p, 0, 1, a / (a + b));
}
