import type { CatalogService } from '../catalog/service.js';
import type { CustomersService } from '../customers/service.js';
import type { InventoryService } from '../inventory/service.js';
import type { CheckoutService } from '../orders/checkout.js';
import type { OrderService } from '../orders/service.js';
import type { PaymentService } from '../orders/payment-service.js';
import type { RefundService } from '../orders/refund-service.js';
import type { ShippingService } from '../orders/shipping-service.js';
import type { CouponService } from '../promotions/coupon-service.js';
import type { PointsService } from '../loyalty/points-service.js';
import type { StoredValueService } from '../storedvalue/service.js';
import type { TenancyService } from '../../platform/tenancy/service.js';

/** What fission (裂变) uses of the mall: only these modules' exported services, never their tables. */
export interface FissionDeps {
  tenancy: TenancyService;
  customers: CustomersService;
  catalog: CatalogService;
  inventory: InventoryService;
  checkout: CheckoutService;
  orders: OrderService;
  payments: PaymentService;
  refunds: RefundService;
  shipping: ShippingService;
  coupons: CouponService;
  points: PointsService;
  storedValue: StoredValueService;
}
