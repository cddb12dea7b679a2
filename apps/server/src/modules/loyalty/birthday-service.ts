import { and, eq } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import type { CustomersService } from '../customers/service.js';
import type { CouponService } from '../promotions/coupon-service.js';
import type { LevelService } from './level-service.js';
import { shanghaiDay } from './points-service.js';
import { birthdayGifts } from './schema.js';

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** The birthdays ("MM-DD") celebrated on a day: 29 Feb birthdays on 28 Feb when the year has no 29 Feb. */
export function birthdaysCelebratedOn(day: string): string[] {
  const md = day.slice(5);
  return md === '02-28' && !isLeap(Number(day.slice(0, 4))) ? ['02-28', '02-29'] : [md];
}

/**
 * 生日礼: on a customer's birthday (shop-local day) the member level's birthday coupon, and a
 * `customer.birthday` event for messaging. At most once per customer per year: the year's row is
 * inserted first in the same transaction as the coupon, so a second run, or another worker running the
 * same day, finds it and does nothing.
 */
export class BirthdayService {
  constructor(
    private p: Platform,
    private customers: CustomersService,
    private levels: LevelService,
    private coupons: CouponService,
  ) {}

  /** Celebrates everyone whose birthday is `day` (YYYY-MM-DD, default today in Shanghai). Returns how many were new. */
  async run(day: string = shanghaiDay(this.p.now())) {
    const year = Number(day.slice(0, 4));
    const people = await this.customers.withBirthdayOn(birthdaysCelebratedOn(day));
    let celebrated = 0;
    for (const person of people) {
      const done = await this.p.database.transaction(async (tx) => {
        const { shopId, customerId } = person;
        const [row] = await tx.insert(birthdayGifts).values({ shopId, customerId, year, day }).onConflictDoNothing().returning();
        if (!row) return false;
        const level = await this.levels.levelOf(tx, shopId, customerId);
        let couponId: string | null = null;
        let note: string | null = null;
        if (!level) note = '无会员等级';
        else if (!level.birthdayCouponTemplateId) note = '会员等级未设置生日券';
        else {
          const templateId = level.birthdayCouponTemplateId;
          // A savepoint: a coupon that cannot be given (sold out, paused) is noted, the birthday still counts.
          try {
            couponId = await tx.transaction(async (sp) => (await this.coupons.issue(sp, shopId, templateId, customerId, { source: 'pack', sourceRef: `birthday:${year}` })).id);
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            note = `生日券未发放:${err.code}`;
            this.p.log.info({ shopId, customerId, templateId, code: err.code }, 'birthday coupon skipped');
          }
        }
        await tx.update(birthdayGifts).set({ levelId: level?.id ?? null, couponId, note }).where(and(eq(birthdayGifts.shopId, shopId), eq(birthdayGifts.customerId, customerId), eq(birthdayGifts.year, year)));
        await this.p.events.emit(tx, { shopId, type: 'customer.birthday', payload: { customerId, birthday: person.birthday, day, year, levelId: level?.id ?? null, couponId } });
        return true;
      });
      if (done) celebrated++;
    }
    return celebrated;
  }
}
