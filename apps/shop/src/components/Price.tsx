import { yuan } from '../lib/format';

/** ¥12.34 with the currency sign and cents smaller; `to` gives a range "¥9.90 起". */
export function Price({ fen, size = 'sm', from, testId }: { fen: number; size?: 'sm' | 'md' | 'lg'; from?: boolean; testId?: string }) {
  const [int, dec] = yuan(fen).split('.');
  return (
    <span className={`price ${size}`} data-testid={testId}>
      <span className="cur">¥</span>
      {int}
      <span className="dec">.{dec}</span>
      {from && <span className="dec"> 起</span>}
    </span>
  );
}

export function MarketPrice({ fen }: { fen: number | null | undefined }) {
  if (!fen) return null;
  return (
    <del className="strike">
      <span className="sr-only">原价</span>¥{yuan(fen)}
    </del>
  );
}
