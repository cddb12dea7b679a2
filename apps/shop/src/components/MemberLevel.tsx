import { LEVEL_PERIOD_LABELS } from '@siyu/contracts';
import { RightOutline } from 'antd-mobile-icons';
import { yuan } from '../lib/format';

export interface MemberLevelView {
  id: string;
  rank: number;
  name: string;
  threshold: number;
  percentPaid: number | null;
  freeShipping: boolean;
}

export interface MyLevel {
  metric: 'spend' | 'orders';
  period: 'all' | 'last_3_months' | 'this_month';
  value: number;
  level: MemberLevelView | null;
  next: (MemberLevelView & { remaining: number }) | null;
  levels: MemberLevelView[];
  history: { id: number; from: string | null; to: string | null; metricValue: number; reason: string; createdAt: string }[];
}

/** Shown for a customer below the first level. */
export const BASE_LEVEL_NAME = '普通会员';

/** "¥380" for whole yuan, "¥380.50" otherwise: thresholds are usually round, remainders rarely. */
export function yuanShort(fen: number): string {
  return fen % 100 === 0 ? `¥${fen / 100}` : `¥${yuan(fen)}`;
}

/** A figure under the shop's rule: "¥120" of spend or "3 单". */
export function metricAmount(metric: MyLevel['metric'], n: number): string {
  return metric === 'spend' ? yuanShort(n) : `${n} 单`;
}

/** "累计消费 ¥120" / "近3个月下单 2 单". */
export function metricSoFar(l: Pick<MyLevel, 'metric' | 'period' | 'value'>): string {
  const period = LEVEL_PERIOD_LABELS[l.period].zh;
  return l.metric === 'spend' ? `${period}消费 ${yuanShort(l.value)}` : `${period}下单 ${l.value} 单`;
}

/** "再消费 ¥380 升级为 金卡" / "再下 3 单升级为 金卡"; at the top, what keeps the level. */
export function progressText(l: MyLevel): string {
  if (!l.next) return l.level ? '已是最高等级' : '';
  return l.metric === 'spend' ? `再消费 ${yuanShort(l.next.remaining)} 升级为 ${l.next.name}` : `再下 ${l.next.remaining} 单升级为 ${l.next.name}`;
}

/** 95 → "9.5折", 90 → "9折"; null or 100 is no discount. */
export function discountText(percentPaid: number | null): string | null {
  if (percentPaid === null || percentPaid >= 100) return null;
  return `${Number((percentPaid / 10).toFixed(1))}折`;
}

export function benefitList(l: Pick<MemberLevelView, 'percentPaid' | 'freeShipping'>): string[] {
  return [discountText(l.percentPaid) && `商品${discountText(l.percentPaid)}`, l.freeShipping && '包邮'].filter((x): x is string => !!x);
}

/** How much of the next level's threshold is reached, 0–100 ("1 of 5 orders" reads as 20%). */
export function progressPercent(l: MyLevel): number {
  if (!l.next) return 100;
  if (l.next.threshold <= 0) return 100;
  return Math.max(0, Math.min(100, Math.round((l.value / l.next.threshold) * 100)));
}

/** The period rule in words, for windows that slide (a level can be lost again). */
export function periodNote(l: Pick<MyLevel, 'metric' | 'period'>): string | null {
  const what = l.metric === 'spend' ? '消费金额' : '订单数';
  if (l.period === 'last_3_months') return `等级按近3个月${what}每日更新`;
  if (l.period === 'this_month') return `等级按本月${what}计算,每月重新累计`;
  return null;
}

/**
 * The member card: level name on a dark card and the bar to the next level. With `onOpen` the whole
 * card is one button (个人中心 → 会员中心); without it, a plain section (the member centre itself).
 */
export function MemberCard({ data, onOpen, className }: { data: MyLevel; onOpen?: () => void; className?: string }) {
  const name = data.level?.name ?? BASE_LEVEL_NAME;
  const pct = progressPercent(data);
  const text = progressText(data);
  const benefits = data.level ? benefitList(data.level) : [];
  const tier = data.level ? Math.min(data.level.rank, 4) : 0;
  const nextBenefits = data.next ? benefitList(data.next) : [];
  // What the level gives, else what the next one would; nothing when neither has a benefit to name.
  const benefitLine = benefits.length ? `尊享 ${benefits.join(' · ')}` : data.next && nextBenefits.length ? `升级${data.next.name}可享${nextBenefits.join('、')}` : '';
  const body = (
    <>
      <span className="member-card-top">
        <span className="member-card-name" data-testid="member-level-name">
          {name}
        </span>
        {onOpen && (
          <span className="member-card-go">
            会员中心
            <RightOutline fontSize={12} aria-hidden />
          </span>
        )}
      </span>
      {benefitLine && (
        <span className="member-card-benefits" data-testid="member-benefits">
          {benefitLine}
        </span>
      )}
      <span className="member-card-metric">{metricSoFar(data)}</span>
      <span
        className="member-progress"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-label={data.next ? `距${data.next.name}的进度` : '等级进度'}
      >
        <span className="member-progress-fill" style={{ width: `${pct}%` }} />
      </span>
      {text && (
        <span className="member-progress-text" data-testid="member-progress-text">
          {text}
        </span>
      )}
    </>
  );
  const cls = ['member-card', `tier-${tier}`, className].filter(Boolean).join(' ');
  return onOpen ? (
    <button type="button" className={cls} onClick={onOpen} data-testid="member-card">
      {body}
    </button>
  ) : (
    <section className={cls} data-testid="member-card" aria-label="我的会员等级">
      {body}
    </section>
  );
}
