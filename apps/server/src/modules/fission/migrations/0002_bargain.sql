-- 砍价 (bargain): a customer launches a bargain on one SKU and friends cut its price, one help each, until
-- `helpers_needed` helps bring it to the floor. The launch row is the lock every help takes; the CHECKs make
-- a price below the floor, or a floor reached before the last help, impossible to write. Stock is reserved
-- only by the order (the activity quota `sold` is counted at order, given back when the order is cancelled).
CREATE TABLE bargains (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  name text NOT NULL,
  product_id uuid NOT NULL,
  sku_id uuid NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  start_price_fen integer NOT NULL,
  floor_price_fen integer NOT NULL CHECK (floor_price_fen >= 0),
  -- Each cut is at least ¥0.01, so no more helpers than fen to cut.
  helpers_needed integer NOT NULL CHECK (helpers_needed >= 1 AND helpers_needed <= start_price_fen - floor_price_fen),
  launch_hours integer NOT NULL CHECK (launch_hours BETWEEN 1 AND 720),
  buy_mode text NOT NULL CHECK (buy_mode IN ('floor_only', 'current_price')),
  helps_per_helper_per_day integer NOT NULL CHECK (helps_per_helper_per_day BETWEEN 1 AND 100),
  launches_per_customer integer NOT NULL CHECK (launches_per_customer BETWEEN 1 AND 100),
  stock integer NOT NULL CHECK (stock >= 1),
  sold integer NOT NULL DEFAULT 0 CHECK (sold >= 0 AND sold <= stock),
  first_cut_min_pct integer NOT NULL,
  first_cut_max_pct integer NOT NULL,
  ended_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (floor_price_fen < start_price_fen),
  CHECK (starts_at < ends_at),
  CHECK (first_cut_min_pct >= 1 AND first_cut_min_pct <= first_cut_max_pct AND first_cut_max_pct <= 90)
);
CREATE INDEX bargains_shop ON bargains (shop_id, created_at DESC);
CREATE INDEX bargains_product ON bargains (shop_id, product_id, ends_at);

-- One customer's launch. Prices are copied from the bargain when it is launched. Status: ongoing →
-- succeeded (the last help) → ordered, or expired at the deadline; an ordered launch whose order is
-- cancelled unpaid goes back to `status_before_order`.
CREATE TABLE bargain_launches (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  bargain_id uuid NOT NULL REFERENCES bargains(id),
  customer_id uuid NOT NULL,
  sku_id uuid NOT NULL,
  start_price_fen integer NOT NULL,
  floor_price_fen integer NOT NULL,
  current_price_fen integer NOT NULL,
  helpers_needed integer NOT NULL,
  helps_count integer NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'ongoing' CHECK (status IN ('ongoing', 'succeeded', 'expired', 'ordered')),
  status_before_order text CHECK (status_before_order IN ('ongoing', 'succeeded')),
  -- The launcher's device (x-device-id): a second account on the same phone may not help it.
  device_id text,
  expires_at timestamptz NOT NULL,
  succeeded_at timestamptz,
  order_id uuid,
  ordered_at timestamptz,
  paid_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (current_price_fen >= floor_price_fen AND current_price_fen <= start_price_fen),
  CHECK (helps_count BETWEEN 0 AND helpers_needed),
  -- The floor is reached by the last help, never before it.
  CHECK ((current_price_fen = floor_price_fen) = (helps_count = helpers_needed)),
  CHECK ((status = 'ordered') = (order_id IS NOT NULL))
);
-- At most one live launch per customer and bargain (an unpaid order may still be cancelled and return it).
CREATE UNIQUE INDEX bargain_launches_live ON bargain_launches (bargain_id, customer_id)
  WHERE status IN ('ongoing', 'succeeded') OR (status = 'ordered' AND paid_at IS NULL);
CREATE INDEX bargain_launches_bargain ON bargain_launches (bargain_id, created_at DESC);
CREATE INDEX bargain_launches_customer ON bargain_launches (shop_id, customer_id, created_at DESC);
CREATE INDEX bargain_launches_due ON bargain_launches (expires_at) WHERE status = 'ongoing';
CREATE UNIQUE INDEX bargain_launches_order ON bargain_launches (order_id) WHERE order_id IS NOT NULL;

-- One help: who cut how much. The helper's name and avatar are kept as they were when they helped.
CREATE TABLE bargain_helps (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  launch_id uuid NOT NULL REFERENCES bargain_launches(id),
  bargain_id uuid NOT NULL,
  helper_id uuid NOT NULL,
  device_id text,
  cut_fen integer NOT NULL CHECK (cut_fen >= 1),
  price_after_fen integer NOT NULL CHECK (price_after_fen >= 0),
  nickname text,
  avatar_url text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX bargain_helps_once ON bargain_helps (launch_id, helper_id);
CREATE UNIQUE INDEX bargain_helps_device ON bargain_helps (launch_id, device_id) WHERE device_id IS NOT NULL;
CREATE INDEX bargain_helps_helper ON bargain_helps (shop_id, helper_id, created_at DESC);

-- Helps per helper per shop-local day (Asia/Shanghai), across every launch of the shop: one row upserted
-- only while under the cap.
CREATE TABLE bargain_helper_days (
  shop_id uuid NOT NULL REFERENCES shops(id),
  helper_id uuid NOT NULL,
  day date NOT NULL,
  helps integer NOT NULL CHECK (helps >= 1),
  PRIMARY KEY (shop_id, helper_id, day)
);
