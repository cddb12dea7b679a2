/**
 * 砍价 cut curve. Pure: (what is left to cut, helpers still to come, a random source) → this helper's cut.
 *
 * Guarantees, whatever `rnd` returns in [0, 1): every cut is at least 1 fen; a cut always leaves at least
 * 1 fen for each helper still to come, so the price can never reach the floor early nor pass below it; the
 * last helper cuts exactly what is left, so after `helpersNeeded` helps the price is the floor. (YD left its
 * minimum cut unused and CRMEB let the random cut run into the floor before the last helper.)
 */
export interface CutOptions {
  /** The launch's first help: a large share of the whole cut, within `firstCutPct`, to get it going. */
  first: boolean;
  /** Share of the whole cut (start − floor) the first helper takes, in percent: [min, max]. */
  firstCutPct: readonly [number, number];
}

/** How far from the average share later cuts may stray (0.5 = between half and one and a half times it). */
const SPREAD = 0.5;

export function nextCut(remainingFen: number, helpersLeft: number, rnd: () => number, opts: CutOptions): number {
  if (!Number.isInteger(remainingFen) || !Number.isInteger(helpersLeft) || helpersLeft < 1 || remainingFen < helpersLeft) {
    throw new RangeError(`cannot cut ${remainingFen} fen over ${helpersLeft} helpers`);
  }
  if (helpersLeft === 1) return remainingFen;
  const most = remainingFen - (helpersLeft - 1);
  const r = Math.min(Math.max(rnd(), 0), 0.999_999_999);
  let cut: number;
  if (opts.first) {
    const [lo, hi] = opts.firstCutPct;
    cut = Math.round((remainingFen * (lo + r * (hi - lo))) / 100);
  } else {
    const avg = remainingFen / helpersLeft;
    const lo = Math.max(1, Math.floor(avg * (1 - SPREAD)));
    const hi = Math.max(lo, Math.ceil(avg * (1 + SPREAD)));
    cut = lo + Math.floor(r * (hi - lo + 1));
  }
  return Math.min(Math.max(cut, 1), most);
}

/** A whole launch's cuts in order (for tests and the console's preview of a curve). */
export function cutSequence(totalFen: number, helpers: number, rnd: () => number, firstCutPct: readonly [number, number]): number[] {
  const out: number[] = [];
  let left = totalFen;
  for (let i = 0; i < helpers; i++) {
    const c = nextCut(left, helpers - i, rnd, { first: i === 0, firstCutPct });
    out.push(c);
    left -= c;
  }
  return out;
}
