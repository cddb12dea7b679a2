-- 运费模板: shipping fee templates, by region, by piece or weight, free above an amount.
CREATE TABLE shipping_templates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  name text NOT NULL,
  charge_by text NOT NULL CHECK (charge_by IN ('piece', 'weight')),
  rules jsonb NOT NULL,
  free_over_fen integer CHECK (free_over_fen IS NULL OR free_over_fen >= 0),
  excluded_regions jsonb NOT NULL DEFAULT '[]'::jsonb,
  is_default boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipping_templates_shop ON shipping_templates (shop_id);
CREATE UNIQUE INDEX shipping_templates_one_default ON shipping_templates (shop_id) WHERE is_default;

-- 到店自提: pickup points.
CREATE TABLE pickup_points (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  name text NOT NULL,
  address text NOT NULL,
  phone text,
  hours text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pickup_points_shop ON pickup_points (shop_id);

CREATE TABLE cart_items (
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  sku_id uuid NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0 AND quantity <= 999),
  selected boolean NOT NULL DEFAULT true,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, customer_id, sku_id)
);

CREATE TABLE orders (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  order_no text NOT NULL UNIQUE,
  customer_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('pending_payment', 'paid', 'shipped', 'completed', 'cancelled', 'refund_requested', 'refunded')),
  status_before_refund text,
  fulfilment text NOT NULL CHECK (fulfilment IN ('express', 'pickup')),
  address jsonb,
  pickup_point jsonb,
  pickup_code text,
  items_total_fen integer NOT NULL CHECK (items_total_fen >= 0),
  discount_fen integer NOT NULL DEFAULT 0 CHECK (discount_fen >= 0),
  shipping_fen integer NOT NULL DEFAULT 0 CHECK (shipping_fen >= 0),
  payable_fen integer NOT NULL CHECK (payable_fen >= 0),
  paid_fen integer NOT NULL DEFAULT 0 CHECK (paid_fen >= 0),
  refunded_fen integer NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0 AND refunded_fen <= paid_fen),
  pricing jsonb NOT NULL,
  remark text,
  carrier text,
  tracking_no text,
  cancel_reason text,
  idempotency_key text,
  pay_expires_at timestamptz NOT NULL,
  paid_at timestamptz,
  shipped_at timestamptz,
  completed_at timestamptz,
  cancelled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_shop_created ON orders (shop_id, created_at DESC);
CREATE INDEX orders_shop_status ON orders (shop_id, status);
CREATE INDEX orders_customer ON orders (shop_id, customer_id, created_at DESC);
CREATE UNIQUE INDEX orders_idempotency ON orders (shop_id, customer_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX orders_pickup_code ON orders (shop_id, pickup_code) WHERE pickup_code IS NOT NULL;

CREATE TABLE order_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  order_id uuid NOT NULL REFERENCES orders(id),
  sku_id uuid NOT NULL,
  product_id uuid NOT NULL,
  title text NOT NULL,
  spec_text text NOT NULL DEFAULT '',
  sku_code text,
  image_url text,
  unit_price_fen integer NOT NULL CHECK (unit_price_fen >= 0),
  quantity integer NOT NULL CHECK (quantity > 0),
  line_total_fen integer NOT NULL CHECK (line_total_fen >= 0),
  discount_fen integer NOT NULL DEFAULT 0 CHECK (discount_fen >= 0),
  payable_fen integer NOT NULL CHECK (payable_fen >= 0),
  refunded_qty integer NOT NULL DEFAULT 0 CHECK (refunded_qty >= 0 AND refunded_qty <= quantity),
  refunded_fen integer NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0 AND refunded_fen <= payable_fen)
);
CREATE INDEX order_items_order ON order_items (order_id);

-- The order's timeline: every transition, who made it and why.
CREATE TABLE order_history (
  id bigserial PRIMARY KEY,
  shop_id uuid NOT NULL REFERENCES shops(id),
  order_id uuid NOT NULL REFERENCES orders(id),
  action text NOT NULL,
  from_status text,
  to_status text NOT NULL,
  actor_type text NOT NULL,
  actor_id text,
  note text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_history_order ON order_history (order_id, id);

CREATE TABLE payments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  order_id uuid NOT NULL REFERENCES orders(id),
  provider text NOT NULL CHECK (provider IN ('wechatpay')),
  out_trade_no text NOT NULL UNIQUE,
  prepay_id text,
  amount_fen integer NOT NULL CHECK (amount_fen > 0),
  status text NOT NULL CHECK (status IN ('pending', 'paid', 'closed')),
  transaction_id text,
  payer_openid text,
  paid_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX payments_one_per_order ON payments (order_id);

-- Every notification WeChat Pay delivered, once: duplicates (normal, WeChat retries ~24 h) are answered 200 and ignored.
CREATE TABLE payment_notifications (
  notification_id text PRIMARY KEY,
  shop_id uuid NOT NULL REFERENCES shops(id),
  event_type text NOT NULL,
  out_trade_no text,
  out_refund_no text,
  outcome text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

-- 退款 / 退货退款.
CREATE TABLE refunds (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  order_id uuid NOT NULL REFERENCES orders(id),
  refund_no text NOT NULL UNIQUE,
  type text NOT NULL CHECK (type IN ('refund_only', 'return_refund')),
  status text NOT NULL CHECK (status IN ('requested', 'awaiting_return', 'returned', 'processing', 'refunded', 'rejected', 'cancelled')),
  amount_fen integer NOT NULL CHECK (amount_fen > 0),
  shipping_fen integer NOT NULL DEFAULT 0 CHECK (shipping_fen >= 0),
  items jsonb NOT NULL,
  reason text NOT NULL,
  requested_by text NOT NULL CHECK (requested_by IN ('customer', 'staff')),
  return_carrier text,
  return_tracking_no text,
  reject_reason text,
  restock boolean NOT NULL DEFAULT false,
  request_key text,
  wechat_refund_id text,
  refunded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_order ON refunds (order_id);
CREATE UNIQUE INDEX refunds_request_key ON refunds (shop_id, order_id, request_key) WHERE request_key IS NOT NULL;
-- One open after-sales request per order at a time keeps the amounts simple and unambiguous.
CREATE UNIQUE INDEX refunds_one_open ON refunds (order_id) WHERE status IN ('requested', 'awaiting_return', 'returned', 'processing');
