import { useCallback } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Tag } from 'antd';
import dayjs from 'dayjs';
import { ACTIVITY_KIND_LABELS, COUPON_KIND_LABELS } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { useI18n, type TFunction } from '../../lib/i18n';
import type { ActivityKind, ActivityPhase, CouponKind, CouponTemplate, PromotionStatus } from '../../lib/types';

/** URL search params as list filters: changing a filter goes back to page 1. */
export function useListParams() {
  const [params, setParams] = useSearchParams();
  const update = useCallback(
    (patch: Record<string, string | number | undefined>) => {
      setParams((prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(patch)) {
          if (v === undefined || v === '') next.delete(k);
          else next.set(k, String(v));
        }
        if (!('page' in patch)) next.delete('page');
        return next;
      });
    },
    [setParams],
  );
  return { params, update, page: Number(params.get('page') ?? 1), pageSize: Number(params.get('pageSize') ?? 20) };
}

const STATUS_COLORS: Record<PromotionStatus, string> = { active: 'green', paused: 'orange', ended: 'default' };
export function PromotionStatusTag({ status }: { status: PromotionStatus }) {
  const { t } = useI18n();
  return <Tag color={STATUS_COLORS[status]}>{t(`promo.status.${status}`)}</Tag>;
}

const PHASE_COLORS: Record<ActivityPhase, string> = { upcoming: 'blue', running: 'green', paused: 'orange', ended: 'default' };
export function PhaseTag({ phase }: { phase: ActivityPhase }) {
  const { t } = useI18n();
  return <Tag color={PHASE_COLORS[phase]}>{t(`promo.phase.${phase}`)}</Tag>;
}

const COUPON_KIND_COLORS: Record<CouponKind, string> = { amount_off: 'red', percent_off: 'orange', no_threshold: 'blue', gift: 'purple' };
export function couponKindText(kind: CouponKind, lang: string) {
  return lang === 'zh-CN' ? COUPON_KIND_LABELS[kind].zh : COUPON_KIND_LABELS[kind].en;
}
export function CouponKindTag({ kind }: { kind: CouponKind }) {
  const { lang } = useI18n();
  return <Tag color={COUPON_KIND_COLORS[kind]}>{couponKindText(kind, lang)}</Tag>;
}

const ACTIVITY_KIND_COLORS: Record<ActivityKind, string> = { limited_discount: 'red', full_reduction: 'orange', bundle: 'cyan' };
export function activityKindText(kind: ActivityKind, lang: string) {
  return lang === 'zh-CN' ? ACTIVITY_KIND_LABELS[kind].zh : ACTIVITY_KIND_LABELS[kind].en;
}
export function ActivityKindTag({ kind }: { kind: ActivityKind }) {
  const { lang } = useI18n();
  return <Tag color={ACTIVITY_KIND_COLORS[kind]}>{activityKindText(kind, lang)}</Tag>;
}

/** "2026.11.01–2026.11.30" or "领取后 7 天内有效", as the storefront writes it. */
export function validityText(v: CouponTemplate['validity'], t: TFunction): string {
  if (v.type === 'relative') return t('coupon.validity.relativeText', { n: v.days });
  return `${dayjs(v.from).format('YYYY.MM.DD')}–${dayjs(v.to).format('YYYY.MM.DD')}`;
}

/** "全部商品可用" / "指定分类可用" / "指定商品可用" in the console's language (the API's scopeText is Chinese only). */
export function scopeText(scope: CouponTemplate['scope'], t: TFunction): string {
  return t(`promo.scope.${scope}Text`);
}

/** "仅限新客" / "仅限指定会员等级" / "仅限指定标签"; empty when everyone may claim. */
export function audienceText(audience: CouponTemplate['audience'], t: TFunction): string {
  if (audience === 'new_customers') return t('coupon.audience.new_customers');
  if (audience === 'levels') return t('coupon.audience.levelsText');
  if (audience === 'tags') return t('coupon.audience.tagsText');
  return '';
}

export const fmtMinute = (v: string | null | undefined) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '-');

/** 85 → "8.5" (折), the way Chinese shops write a share paid. */
export const percentToZhe = (p: number | null | undefined) => (p === null || p === undefined ? undefined : p / 10);
export const zheToPercent = (z: number | null | undefined) => (z === null || z === undefined ? undefined : Math.round(z * 10));

/** pause / resume / end of a coupon template or an activity; returns the updated entity. */
export async function changeStatus<T>(path: string, action: 'pause' | 'resume' | 'end', t: TFunction): Promise<T | null> {
  try {
    const res = await api.post<T>(`${path}/${action}`);
    feedback.message.success(t(`promo.action.${action}.done`));
    return res;
  } catch (err) {
    showError(err);
    return null;
  }
}
