-- 积分商城: coupons customers redeem with points. Stock and per-customer limits hold under races: the
-- stock is a conditional UPDATE, the limit a count under the customer's points-account lock.
CREATE TABLE points_mall_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  title text NOT NULL,
  coupon_template_id uuid NOT NULL,
  points integer NOT NULL CHECK (points > 0),
  stock integer NOT NULL CHECK (stock >= 0),
  redeemed integer NOT NULL DEFAULT 0 CHECK (redeemed >= 0),
  per_customer_limit integer NOT NULL DEFAULT 1 CHECK (per_customer_limit BETWEEN 1 AND 100),
  status text NOT NULL DEFAULT 'on_sale' CHECK (status IN ('on_sale', 'off_shelf')),
  sort_order integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE points_mall_redemptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  item_id uuid NOT NULL REFERENCES points_mall_items(id),
  customer_id uuid NOT NULL,
  points integer NOT NULL,
  coupon_id uuid NOT NULL,
  request_key text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX points_mall_redemptions_customer ON points_mall_redemptions (shop_id, customer_id, item_id);
CREATE UNIQUE INDEX points_mall_redemptions_key ON points_mall_redemptions (shop_id, customer_id, request_key) WHERE request_key IS NOT NULL;

ALTER TABLE points_ledger DROP CONSTRAINT IF EXISTS points_ledger_kind_check;
ALTER TABLE points_ledger ADD CONSTRAINT points_ledger_kind_check
  CHECK (kind IN ('earn_order', 'signup', 'checkin', 'spend_order', 'return_spend', 'reverse_earn', 'expire', 'adjust', 'redeem'));
