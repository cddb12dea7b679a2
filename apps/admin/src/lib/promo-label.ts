import { activityLabelText, couponLabelText, type CouponLabelFields } from '@siyu/contracts';
import { textLang, type Lang } from './i18n';

/** A coupon's label ("满100减20" / "¥20 off over ¥100") in the console's language, from the template's own fields. */
export const couponLabel = (c: CouponLabelFields & { giftProductTitle?: string | null }, lang: Lang) => couponLabelText(c, textLang(lang), c.giftProductTitle);

/** An activity's label ("满100减10,满200减30" / "¥10 off over ¥100, …") in the console's language. */
export const activityLabel = (a: { kind: string; rules: unknown }, lang: Lang) => activityLabelText(a.kind, a.rules as Record<string, unknown>, textLang(lang));
