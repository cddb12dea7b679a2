import type { Platform } from '../../platform/context.js';
import type { CustomersService } from '../customers/service.js';
import type { OrderService } from '../orders/service.js';
import type { CouponService } from '../promotions/coupon-service.js';
import { WecomCallbacks } from './callbacks.js';
import { ChannelCodes } from './channel-codes.js';
import { WecomCorps } from './corps.js';
import { WecomRelations } from './relations.js';
import { WecomStaff } from './staff.js';

/** The WeCom module's parts, wired once: routes and jobs reach each through this. */
export class WecomService {
  readonly corps: WecomCorps;
  readonly relations: WecomRelations;
  readonly staff: WecomStaff;
  readonly codes: ChannelCodes;
  readonly callbacks: WecomCallbacks;

  constructor(p: Platform, d: { customers: CustomersService; orders: OrderService; coupons: CouponService }) {
    this.corps = new WecomCorps(p);
    this.relations = new WecomRelations(p, this.corps, d.customers, d.orders);
    this.staff = new WecomStaff(p, this.corps, this.relations);
    this.codes = new ChannelCodes(p, this.corps, this.staff, this.relations, d.coupons);
    // Someone left or came back: codes that pointed at them move now, not at the next scheduled turn.
    this.staff.onStaffChanged = async (shopId) => {
      await this.codes.rotate(shopId);
    };
    this.callbacks = new WecomCallbacks(p, this.corps, this.relations, this.staff, this.codes);
  }
}
