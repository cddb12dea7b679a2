-- Promotions: coupon templates, the coupons issued from them, packs, gift rules, activities, and what
-- each order used (for statistics and for giving coupons back).

CREATE TABLE coupon_templates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('amount_off', 'percent_off', 'no_threshold', 'gift')),
  threshold_fen integer NOT NULL DEFAULT 0 CHECK (threshold_fen >= 0),
  amount_off_fen integer CHECK (amount_off_fen > 0),
  percent_paid integer CHECK (percent_paid BETWEEN 1 AND 99),
  max_discount_fen integer CHECK (max_discount_fen > 0),
  gift_product_id uuid,
  scope text NOT NULL DEFAULT 'all' CHECK (scope IN ('all', 'categories', 'products')),
  scope_ids uuid[] NOT NULL DEFAULT '{}',
  excluded_product_ids uuid[] NOT NULL DEFAULT '{}',
  audience text NOT NULL DEFAULT 'all' CHECK (audience IN ('all', 'new_customers')),
  validity jsonb NOT NULL,
  total_quantity integer NOT NULL CHECK (total_quantity > 0),
  -- Never more issued than the total: the claim's UPDATE … WHERE issued_count < total_quantity is the gate.
  issued_count integer NOT NULL DEFAULT 0 CHECK (issued_count >= 0 AND issued_count <= total_quantity),
  per_customer_limit integer NOT NULL DEFAULT 1 CHECK (per_customer_limit BETWEEN 1 AND 100),
  stacks_with_activities boolean NOT NULL DEFAULT true,
  claimable boolean NOT NULL DEFAULT true,
  description text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'ended')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX coupon_templates_shop ON coupon_templates (shop_id, created_at DESC);

CREATE TABLE coupons (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  template_id uuid NOT NULL REFERENCES coupon_templates(id),
  customer_id uuid NOT NULL,
  -- 1..per_customer_limit: the unique index makes the per-customer limit hold under parallel claims.
  seq integer NOT NULL CHECK (seq >= 1),
  status text NOT NULL DEFAULT 'unused' CHECK (status IN ('unused', 'used', 'expired', 'revoked')),
  source text NOT NULL CHECK (source IN ('claim', 'issue', 'new_customer', 'pay_gift', 'pack')),
  source_ref text,
  valid_from timestamptz NOT NULL,
  valid_to timestamptz NOT NULL,
  order_id uuid,
  used_at timestamptz,
  claim_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (template_id, customer_id, seq)
);
CREATE INDEX coupons_customer ON coupons (shop_id, customer_id, status);
CREATE INDEX coupons_template ON coupons (template_id, status);
CREATE UNIQUE INDEX coupons_claim_key ON coupons (shop_id, customer_id, claim_key) WHERE claim_key IS NOT NULL;
-- A gift (new-customer, pay gift, batch) is given once per cause, however often its event is delivered.
CREATE UNIQUE INDEX coupons_source_once ON coupons (template_id, customer_id, source, source_ref) WHERE source_ref IS NOT NULL;

CREATE TABLE coupon_batches (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  template_id uuid NOT NULL REFERENCES coupon_templates(id),
  target jsonb NOT NULL,
  target_text text NOT NULL,
  quantity_each integer NOT NULL DEFAULT 1,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  total integer NOT NULL DEFAULT 0,
  processed integer NOT NULL DEFAULT 0,
  issued integer NOT NULL DEFAULT 0,
  skipped integer NOT NULL DEFAULT 0,
  failures jsonb NOT NULL DEFAULT '[]',
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX coupon_batches_template ON coupon_batches (template_id, created_at DESC);

CREATE TABLE coupon_packs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  name text NOT NULL,
  items jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);

CREATE TABLE coupon_gift_rules (
  shop_id uuid NOT NULL REFERENCES shops(id),
  kind text NOT NULL CHECK (kind IN ('new_customer', 'pay')),
  enabled boolean NOT NULL DEFAULT false,
  pack_id uuid REFERENCES coupon_packs(id),
  min_paid_fen integer NOT NULL DEFAULT 0 CHECK (min_paid_fen >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, kind)
);

CREATE TABLE promotion_activities (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  kind text NOT NULL CHECK (kind IN ('limited_discount', 'full_reduction', 'bundle')),
  name text NOT NULL,
  description text,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'ended')),
  rules jsonb NOT NULL,
  -- Products the rules name, for "which activities touch this product" lookups.
  product_ids uuid[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX promotion_activities_shop ON promotion_activities (shop_id, status, ends_at);

-- What each order used: one row per coupon or activity that saved money on it.
CREATE TABLE order_promotions (
  id bigserial PRIMARY KEY,
  shop_id uuid NOT NULL REFERENCES shops(id),
  order_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('coupon', 'activity')),
  ref_id uuid NOT NULL,
  discount_fen integer NOT NULL CHECK (discount_fen >= 0),
  units integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (order_id, kind, ref_id)
);
CREATE INDEX order_promotions_ref ON order_promotions (ref_id);
CREATE INDEX order_promotions_customer ON order_promotions (shop_id, customer_id, ref_id);
