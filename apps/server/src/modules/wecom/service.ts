import type { Platform } from '../../platform/context.js';
import type { CustomersService } from '../customers/service.js';
import type { OrderService } from '../orders/service.js';
import type { CouponService } from '../promotions/coupon-service.js';
import type { CatalogService } from '../catalog/service.js';
import type { CategoryService } from '../catalog/categories.js';
import type { LevelService } from '../loyalty/level-service.js';
import type { PointsService } from '../loyalty/points-service.js';
import type { TagService } from '../tags/tag-service.js';
import type { TenancyService } from '../../platform/tenancy/service.js';
import type { GroupService } from '../tags/group-service.js';
import type { MessagingService } from '../messaging/service.js';
import { WecomCallbacks } from './callbacks.js';
import { ChannelCodes } from './channel-codes.js';
import { WecomCorps } from './corps.js';
import { WecomFollowups } from './followups.js';
import { GroupCodes } from './group-codes.js';
import { GroupSops } from './group-sops.js';
import { GroupWelcomes } from './group-welcomes.js';
import { WecomGroups } from './groups.js';
import { WecomHandovers } from './handover.js';
import { WecomMass } from './mass.js';
import { WecomMoments } from './moments.js';
import { HandoverGroups } from './handover-groups.js';
import { WecomRelations } from './relations.js';
import { WecomReminders } from './reminders.js';
import { WecomSidebar } from './sidebar.js';
import { WecomStaff } from './staff.js';

/** The WeCom module's parts, wired once: routes and jobs reach each through this. */
export class WecomService {
  readonly corps: WecomCorps;
  readonly relations: WecomRelations;
  readonly staff: WecomStaff;
  readonly codes: ChannelCodes;
  readonly callbacks: WecomCallbacks;
  readonly handovers: WecomHandovers;
  readonly followups: WecomFollowups;
  readonly reminders: WecomReminders;
  readonly sidebar: WecomSidebar;
  readonly mass: WecomMass;
  readonly moments: WecomMoments;
  readonly groups: WecomGroups;
  readonly groupCodes: GroupCodes;
  readonly groupWelcomes: GroupWelcomes;
  readonly groupSops: GroupSops;

  constructor(
    p: Platform,
    d: {
      customers: CustomersService; orders: OrderService; coupons: CouponService;
      points: PointsService; levels: LevelService; tags: TagService; catalog: CatalogService; categories: CategoryService; tenancy: TenancyService;
      groups: GroupService; messaging: MessagingService;
    },
  ) {
    this.corps = new WecomCorps(p);
    this.relations = new WecomRelations(p, this.corps, d.customers, d.orders);
    this.staff = new WecomStaff(p, this.corps, this.relations);
    this.groups = new WecomGroups(p, this.corps);
    this.staff.syncGroups = (shopId, onProgress) => this.groups.sync(shopId, [], onProgress);
    this.codes = new ChannelCodes(p, this.corps, this.staff, this.relations, d.coupons);
    // Someone left or came back: codes that pointed at them move now, not at the next scheduled turn.
    this.staff.onStaffChanged = async (shopId) => {
      await this.codes.rotate(shopId);
    };
    this.callbacks = new WecomCallbacks(p, this.corps, this.relations, this.staff, this.codes, this.groups);
    this.handovers = new WecomHandovers(p, this.corps, this.staff, new HandoverGroups(p, this.corps, this.groups));
    // A taker's relation that WeCom reports before the transfer's result waits for the result.
    this.relations.onUpserted = (tx, shopId, r, prev) => this.handovers.holdTaker(tx, shopId, r, prev);
    this.followups = new WecomFollowups(p);
    this.reminders = new WecomReminders(p, this.corps, d);
    this.sidebar = new WecomSidebar(p, this.corps, this.relations, this.followups, this.reminders, d);
    this.mass = new WecomMass(p, this.corps, d.groups, d.messaging);
    this.moments = new WecomMoments(p, this.corps);
    this.groupCodes = new GroupCodes(p, this.corps);
    this.groupWelcomes = new GroupWelcomes(p, this.corps);
    this.groupSops = new GroupSops(p, this.mass);
  }
}
