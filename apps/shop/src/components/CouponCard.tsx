import type { ReactNode } from 'react';
import { yuan } from '../lib/format';
import type { CouponKind, CouponValue, MyCoupon } from '../lib/types';

export const COUPON_KIND_TEXT: Record<CouponKind, string> = {
  amount_off: '满减券',
  percent_off: '折扣券',
  no_threshold: '无门槛券',
  gift: '兑换券',
};

/** "20" for whole yuan, "19.90" otherwise: the big number on a coupon face. */
export function shortYuan(fen: number): string {
  return fen % 100 === 0 ? String(fen / 100) : yuan(fen);
}

/** 85 → "8.5", 80 → "8". */
export function discountText(percentPaid: number): string {
  return String(percentPaid / 10);
}

/** What the left side of a coupon says: the value, and when it can be used. */
export function couponFace(c: CouponValue): { value: ReactNode; text: string; rule: string } {
  const rule = c.thresholdFen > 0 ? `满${shortYuan(c.thresholdFen)}可用` : c.kind === 'gift' ? '免费兑换' : '无门槛';
  if (c.kind === 'percent_off' && c.percentPaid) {
    const d = discountText(c.percentPaid);
    return {
      value: (
        <>
          {d}
          <small>折</small>
        </>
      ),
      text: `${d}折`,
      rule,
    };
  }
  if (c.kind === 'gift') return { value: <small className="coupon-word">兑换</small>, text: '兑换券', rule };
  const amount = shortYuan(c.amountOffFen ?? 0);
  return {
    value: (
      <>
        <small>¥</small>
        {amount}
      </>
    ),
    text: `¥${amount}`,
    rule,
  };
}

const pad = (n: number) => String(n).padStart(2, '0');
/** "2026.11.30" */
export function couponDate(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}.${pad(d.getMonth() + 1)}.${pad(d.getDate())}`;
}

/** "2026.11.01–2026.11.30" for an issued coupon. */
export function myCouponValidity(c: Pick<MyCoupon, 'validFrom' | 'validTo'>): string {
  return `${couponDate(c.validFrom)}–${couponDate(c.validTo)}`;
}

interface Props {
  coupon: CouponValue;
  /** Validity line: "领取后7天内有效" or a date range. */
  validity: string;
  /** Greyed: used, expired or sold out. */
  dim?: boolean;
  /** A round stamp across the right side: 已使用 / 已过期 / 已领完. */
  stamp?: string;
  /** The button (or state) on the right. */
  action?: ReactNode;
  /** Extra lines under the validity (a reason, a saving). */
  children?: ReactNode;
  /** Render as <li> inside a list. */
  item?: boolean;
  testId?: string;
}

/**
 * The classic coupon ticket: the value on a red band at the left, the name, scope and validity on the
 * right, and an action. White text sits on a dark red (≥ 5:1), never on a light one.
 */
export function CouponCard({ coupon, validity, dim, stamp, action, children, item, testId = 'coupon-card' }: Props) {
  const face = couponFace(coupon);
  const Tag = item ? 'li' : 'div';
  return (
    <Tag className={dim ? 'coupon dim' : 'coupon'} data-testid={testId} data-coupon-id={coupon.id}>
      <div className="coupon-face">
        <div className="coupon-value">
          <span aria-hidden="true">{face.value}</span>
          <span className="sr-only">{face.text}</span>
        </div>
        <div className="coupon-rule">{face.rule}</div>
        {coupon.kind === 'percent_off' && coupon.maxDiscountFen ? <div className="coupon-rule">最多减¥{shortYuan(coupon.maxDiscountFen)}</div> : null}
      </div>
      <div className="coupon-body">
        <div className="coupon-name ellipsis-2" data-testid="coupon-name">
          <span className="coupon-kind">{COUPON_KIND_TEXT[coupon.kind]}</span>
          {'audience' in coupon && coupon.audience === 'new_customers' && <span className="coupon-kind">新客专享</span>}
          {coupon.name}
        </div>
        <div className="coupon-meta ellipsis">{coupon.scopeText}</div>
        <div className="coupon-meta">{validity}</div>
        {children}
      </div>
      {action && <div className="coupon-side">{action}</div>}
      {stamp && (
        <span className="coupon-stamp" data-testid="coupon-stamp">
          {stamp}
        </span>
      )}
    </Tag>
  );
}
