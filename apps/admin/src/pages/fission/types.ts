import type { BargainView } from '@siyu/contracts';
/**
 * Shapes of the fission (裂变) admin API as the shared brief fixes them: 拼团, 砍价 and 分销. Money is integer
 * fen, times ISO strings. Fields the brief leaves open (the promoter detail's audit, commission rows, a
 * bargain's recent launches) are typed as optional so a page shows what the server sends and never crashes.
 */

export type LeaderMode = 'same' | 'discount' | 'free';
/** Group buys say active|ended; bargains also say upcoming. The console works out the phase from the window too. */
export type ActivityStatus = 'upcoming' | 'active' | 'ended';

export interface GroupBuyItem {
  skuId: string;
  specText: string;
  priceFen: number;
  groupPriceFen: number;
  leaderPriceFen: number;
  /** 阶梯团: the price at each tier (the first is groupPriceFen); null for one price. */
  tierPricesFen: number[] | null;
}

export interface GroupBuyStats {
  groupsOpen: number;
  groupsSucceeded: number;
  groupsFailed: number;
  membersPaid: number;
  paidFen: number;
}

export interface GroupBuy {
  id: string;
  name: string;
  productId: string;
  productTitle: string;
  imageUrl: string | null;
  status: ActivityStatus;
  startsAt: string;
  endsAt: string;
  groupSize: number;
  durationMinutes: number;
  leaderMode: LeaderMode;
  newCustomerOnly: boolean;
  /** 模拟成团: an expiring group succeeds when filled/size ≥ this percent; null = off. */
  virtualThresholdPct: number | null;
  perOrderLimit: number;
  perCustomerLimit: number;
  /** 阶梯团: the sizes at which the price falls; null for one price. */
  tierSizes: number[] | null;
  items: GroupBuyItem[];
  stats: GroupBuyStats;
}

export interface GroupBuyDetail extends GroupBuy {
  daily: { date: string; opened: number; succeeded: number; failed: number }[];
}

export type GroupStatus = 'open' | 'succeeded' | 'failed';

export interface GroupMember {
  customerId: string;
  nickname: string | null;
  orderId: string;
  orderNo: string | null;
  isLeader: boolean;
  /** Seated here because the group they paid for filled meanwhile. */
  moved?: boolean;
  joinedAt: string;
  refundedAt: string | null;
  status?: 'joined' | 'refunding' | 'refunded';
  /** 阶梯团: the difference given back when the group was settled. */
  tierRefundFen?: number | null;
}

export interface Group {
  id: string;
  status: GroupStatus;
  size: number;
  filled: number;
  virtualSeats: number;
  openedAt: string;
  expiresAt: string;
  endedAt: string | null;
  /** 阶梯团: succeeded at minSize, takes members until settled at the tier reached. */
  tiered?: boolean;
  minSize?: number | null;
  settledAt?: string | null;
  tierSizeReached?: number | null;
  members: GroupMember[];
}

export interface GroupBuyBody {
  name: string;
  productId: string;
  startsAt: string;
  endsAt: string;
  groupSize: number;
  durationMinutes: number;
  leaderMode: LeaderMode;
  newCustomerOnly: boolean;
  virtualThresholdPct?: number;
  perOrderLimit: number;
  perCustomerLimit: number;
  tierSizes?: number[];
  items: { skuId: string; groupPriceFen: number; leaderPriceFen?: number; tierPricesFen?: number[] }[];
}

// ---------------------------------------------------------------------------------------------------
// 砍价

export type BargainBuyMode = 'floor_only' | 'current_price';
export type LaunchStatus = 'ongoing' | 'succeeded' | 'expired' | 'ordered';

/** A bargain as the API answers it (the contract's view); lists add the figures. */
export type Bargain = Omit<BargainView, 'sold'> & {
  /** Units ordered through the activity. */
  sold?: number;
  stats?: BargainStats;
};

export interface BargainStats {
  launches: number;
  succeeded: number;
  ordered: number;
  helps: number;
}

export interface BargainLaunchRow {
  id: string;
  customerId?: string;
  nickname?: string;
  launcher?: { nickname: string; avatarUrl: string | null };
  /** Not in the admin detail's launches: the bargain's own prices apply. */
  startPriceFen?: number;
  floorPriceFen?: number;
  currentPriceFen: number;
  helpersNeeded: number;
  helpsCount: number;
  status: LaunchStatus;
  createdAt?: string;
  expiresAt: string;
  succeededAt?: string | null;
  orderId?: string | null;
  orderNo?: string | null;
  paidAt?: string | null;
}

export interface BargainDetail extends Bargain {
  stats: BargainStats;
  launches?: BargainLaunchRow[];
  recentLaunches?: BargainLaunchRow[];
}

/** What the create form sends: the bargain without what the server works out. */
export type BargainBody = Omit<Bargain, 'id' | 'productTitle' | 'imageUrl' | 'specText' | 'status' | 'sold' | 'stats'>;

// ---------------------------------------------------------------------------------------------------
// 分销

export type Eligibility = 'everyone' | 'apply' | 'spend';
export type BindingMode = 'first_click' | 'last_click' | 'permanent';

export interface DistributionSettings {
  enabled: boolean;
  eligibility: Eligibility;
  spendThresholdFen: number;
  bindingMode: BindingMode;
  /** null for permanent bindings. */
  bindingDays: number | null;
  newCustomersOnly: boolean;
  tiers: 1 | 2;
  /** Percent × 100: 1050 = 10.50 %. */
  level1Bp: number;
  level2Bp: number;
  afterSaleDays: number;
  withdrawMinFen: number;
  withdrawFeeBp: number;
  withdrawReview: boolean;
}

export interface DistributionOverview {
  frozenFen: number;
  payableFen: number;
  paidFen: number;
  clawedFen: number;
  promoters: number;
  pendingApplications: number;
  pendingWithdrawals: number;
  ranking: { customerId: string; nickname: string; earnedFen: number; orders: number }[];
  daily: { date: string; earnedFen: number; paidFen: number }[];
}

export type PromoterStatus = 'pending' | 'approved' | 'rejected' | 'disabled';

export interface PromoterRow {
  customerId: string;
  nickname: string | null;
  phone: string | null;
  status: PromoterStatus;
  level: number | null;
  parentId?: string | null;
  parentNickname: string | null;
  team1: number;
  team2: number;
  earnedFen: number;
  frozenFen: number;
  payableFen: number;
  paidFen: number;
  clawedFen?: number;
  withdrawingFen?: number;
  realName?: string | null;
  rejectReason?: string | null;
  appliedAt: string | null;
  reviewedAt?: string | null;
}

export type CommissionStatus = 'frozen' | 'payable' | 'cancelled';

export interface CommissionRow {
  id: string;
  orderId?: string;
  orderNo: string;
  productId?: string;
  productTitle?: string;
  buyerId?: string;
  buyerNickname?: string | null;
  promoterId?: string;
  promoterNickname?: string | null;
  /** percent: rate in basis points of baseFen; fixed: fen per unit × quantity. */
  mode?: 'percent' | 'fixed';
  rate?: number;
  baseFen?: number;
  quantity?: number;
  tier: 1 | 2;
  amountFen: number;
  clawedFen?: number;
  status: CommissionStatus;
  thawAt?: string | null;
  createdAt?: string;
}

export type BindingAction = 'bind' | 'rebind' | 'expire' | 'merge';

/** One line of the binding log: a customer bound to a promoter (or moved from another, or expired). */
export interface BindingAudit {
  customerId: string;
  customerNickname: string | null;
  promoterId: string;
  promoterNickname: string | null;
  previousPromoterId: string | null;
  previousPromoterNickname: string | null;
  action: BindingAction;
  scene: string | null;
  expiresAt: string | null;
  at: string;
}

export interface TeamMember {
  customerId?: string;
  nickname: string | null;
  avatarUrl?: string | null;
  boundAt: string;
  orders: number;
  spentFen: number;
}

export interface PromoterDetail extends PromoterRow {
  bindings: BindingAudit[];
  commissions: CommissionRow[];
}

export type WithdrawalStatus = 'reviewing' | 'approved' | 'transferring' | 'wait_confirm' | 'paid' | 'rejected' | 'failed';

export interface WithdrawalRow {
  id: string;
  withdrawalNo: string;
  customerId: string;
  nickname: string;
  amountFen: number;
  feeFen: number;
  payFen: number;
  status: WithdrawalStatus;
  createdAt: string;
  reviewedAt: string | null;
  paidAt: string | null;
  failReason: string | null;
  rejectReason?: string | null;
}

export interface ProductCommission {
  /** GET answers the shop's rates with custom: false when the product has none of its own. */
  custom?: boolean;
  mode: 'percent' | 'fixed';
  /** percent: basis points; fixed: fen per unit. */
  level1: number;
  level2: number;
}

export interface PagedList<T> {
  items: T[];
  total: number;
}
