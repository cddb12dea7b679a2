-- Points for sharing (分享得积分) and for reviews (评价有礼), a member level's birthday coupon (生日礼), and
-- points-mall goods (积分商城 兑换商品): a product SKU for points plus optional cash, bought as an order.

ALTER TABLE points_rules
  ADD COLUMN share_points integer NOT NULL DEFAULT 0 CHECK (share_points BETWEEN 0 AND 100000),
  ADD COLUMN share_daily_cap integer NOT NULL DEFAULT 3 CHECK (share_daily_cap BETWEEN 0 AND 100),
  ADD COLUMN review_points integer NOT NULL DEFAULT 0 CHECK (review_points BETWEEN 0 AND 100000),
  ADD COLUMN review_min_chars integer NOT NULL DEFAULT 0 CHECK (review_min_chars BETWEEN 0 AND 500);

ALTER TABLE points_ledger DROP CONSTRAINT IF EXISTS points_ledger_kind_check;
ALTER TABLE points_ledger ADD CONSTRAINT points_ledger_kind_check
  CHECK (kind IN ('earn_order', 'signup', 'checkin', 'spend_order', 'return_spend', 'reverse_earn', 'expire', 'adjust', 'redeem', 'share', 'review'));

-- Every reported share of a shop-local day, rewarded or not. The key makes one target count once a day;
-- the daily cap is counted under the customer's points-account lock.
CREATE TABLE points_shares (
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  day date NOT NULL,
  target text NOT NULL CHECK (target IN ('product', 'coupon', 'page')),
  target_id text NOT NULL,
  points integer NOT NULL DEFAULT 0 CHECK (points >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, customer_id, day, target, target_id)
);

ALTER TABLE member_levels ADD COLUMN birthday_coupon_template_id uuid;

-- One row per customer per year, written before the coupon is issued in the same transaction: however
-- often the job runs, and on however many workers, a birthday is celebrated once a year.
CREATE TABLE birthday_gifts (
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  year integer NOT NULL,
  day date NOT NULL,
  level_id uuid,
  coupon_id uuid,
  -- Why no coupon was given (no level, the level has none, the coupon ran out).
  note text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, customer_id, year)
);

ALTER TABLE points_mall_items
  ADD COLUMN kind text NOT NULL DEFAULT 'coupon' CHECK (kind IN ('coupon', 'goods')),
  ADD COLUMN product_id uuid,
  ADD COLUMN sku_id uuid,
  -- Cash on top of the points, in fen; goods only.
  ADD COLUMN cash_fen integer NOT NULL DEFAULT 0 CHECK (cash_fen >= 0),
  ALTER COLUMN coupon_template_id DROP NOT NULL;
ALTER TABLE points_mall_items ADD CONSTRAINT points_mall_items_kind_refs CHECK (
  (kind = 'coupon' AND coupon_template_id IS NOT NULL AND cash_fen = 0)
  OR (kind = 'goods' AND product_id IS NOT NULL AND sku_id IS NOT NULL));

-- A goods redemption is an order: no coupon, the order it belongs to, and when a cancel or refund gave
-- the stock and the customer's limit back.
ALTER TABLE points_mall_redemptions
  ALTER COLUMN coupon_id DROP NOT NULL,
  ADD COLUMN order_id uuid,
  ADD COLUMN cash_fen integer NOT NULL DEFAULT 0,
  ADD COLUMN returned_at timestamptz;
CREATE UNIQUE INDEX points_mall_redemptions_order ON points_mall_redemptions (order_id) WHERE order_id IS NOT NULL;
