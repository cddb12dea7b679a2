import { Fragment } from 'react';
import { money } from '../../lib/format';
import type { Tier } from './api';
import { ladderPosition, ladderText } from './tiers';

/** The ladder in one line ("2人团 ¥60.00 · 3人团 ¥50.00 · …"), breaking between tiers only, never inside one. */
export function LadderLine({ tiers }: { tiers: Tier[] }) {
  return (
    <>
      {tiers.map((t, i) => (
        <Fragment key={t.size}>
          {i > 0 && ' · '}
          <span className="fx-nowrap">{ladderText([t])}</span>
        </Fragment>
      ))}
    </>
  );
}

/**
 * 阶梯团's ladder as steps: each tier's size and price, the tiers reached filled in and the one that holds now
 * marked. `reachedSize` (tierSizeReached, once settled) wins over counting `count` members.
 */
export function TierLadder({ tiers, count, reachedSize }: { tiers: Tier[]; count: number; reachedSize?: number | null }) {
  const pos = ladderPosition(tiers, count);
  const settledAt = reachedSize ? tiers.findIndex((t) => t.size === reachedSize) : -1;
  const reached = settledAt >= 0 ? settledAt : pos.reached;
  const now = tiers[Math.max(0, reached)]!;
  return (
    <>
      <ol className="fx-tiers plain-list" aria-label="阶梯价" data-testid="group-tiers">
        {tiers.map((t, i) => (
          <li
            key={t.size}
            className={`fx-tier${i <= reached ? ' fx-tier-done' : ''}${i === reached ? ' fx-tier-current' : ''}`}
            aria-current={i === reached ? 'step' : undefined}
            data-testid="group-tier"
            data-reached={i <= reached ? 'true' : undefined}
          >
            <span className="fx-tier-size">{t.size}人团</span>
            <span className="fx-tier-price">{money(t.priceFen)}</span>
          </li>
        ))}
      </ol>
      <p className="small muted fx-tier-now" data-testid="group-tier-now">
        {/* Below the first tier everyone still pays (and holds) the first tier's price. */}
        {settledAt >= 0 ? (
          <>
            共 {count} 人 · 按 {now.size} 人团价 <b className="fx-red">{money(now.priceFen)}</b> 结算
          </>
        ) : reached >= 0 ? (
          <>
            当前 {count} 人 · 享 {now.size} 人团价 <b className="fx-red">{money(now.priceFen)}</b>
          </>
        ) : (
          <>
            当前 {count} 人 · 满 {now.size} 人成团,团价 <b className="fx-red">{money(now.priceFen)}</b>
          </>
        )}
      </p>
    </>
  );
}
