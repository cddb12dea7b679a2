-- 拼团 (group buy). An activity sells one product's SKUs at a group price to groups of `group_size` that must
-- fill within `duration_minutes` of opening. Seats are taken at payment by one conditional UPDATE on the
-- group row (filled + virtual_seats <= size is also a CHECK), so a group can never overfill; a buyer whose
-- group filled while paying is seated in another open group or opens a new one.
CREATE TABLE group_buys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  name text NOT NULL,
  product_id uuid NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  group_size integer NOT NULL CHECK (group_size BETWEEN 2 AND 50),
  duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 10080),
  leader_mode text NOT NULL CHECK (leader_mode IN ('same', 'discount', 'free')),
  new_customer_only boolean NOT NULL DEFAULT false,
  -- 模拟成团: at expiry a group with at least this share of real members succeeds; the empty seats are shown
  -- to customers as 系统补位, never as people.
  virtual_threshold_pct integer CHECK (virtual_threshold_pct BETWEEN 1 AND 100),
  per_order_limit integer NOT NULL DEFAULT 1 CHECK (per_order_limit BETWEEN 1 AND 100),
  per_customer_limit integer NOT NULL DEFAULT 1 CHECK (per_customer_limit BETWEEN 1 AND 100),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (starts_at < ends_at)
);
CREATE INDEX group_buys_shop ON group_buys (shop_id, created_at DESC);
CREATE INDEX group_buys_product ON group_buys (shop_id, product_id) WHERE status = 'active';

CREATE TABLE group_buy_items (
  group_buy_id uuid NOT NULL REFERENCES group_buys(id),
  shop_id uuid NOT NULL REFERENCES shops(id),
  sku_id uuid NOT NULL,
  group_price_fen integer NOT NULL CHECK (group_price_fen >= 0),
  leader_price_fen integer NOT NULL CHECK (leader_price_fen >= 0 AND leader_price_fen <= group_price_fen),
  PRIMARY KEY (group_buy_id, sku_id)
);

CREATE TABLE group_buy_groups (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  group_buy_id uuid NOT NULL REFERENCES group_buys(id),
  leader_customer_id uuid NOT NULL,
  size integer NOT NULL CHECK (size >= 2),
  filled integer NOT NULL DEFAULT 0 CHECK (filled >= 0),
  virtual_seats integer NOT NULL DEFAULT 0 CHECK (virtual_seats >= 0),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'succeeded', 'failed')),
  opened_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  ended_at timestamptz,
  CHECK (filled + virtual_seats <= size),
  CHECK (status <> 'succeeded' OR filled + virtual_seats = size)
);
CREATE INDEX group_buy_groups_activity ON group_buy_groups (group_buy_id, status, opened_at);
CREATE INDEX group_buy_groups_due ON group_buy_groups (expires_at) WHERE status = 'open';

-- One row per order of a group buy: what the buyer asked for at checkout, then the seat taken at payment.
CREATE TABLE group_buy_orders (
  order_id uuid PRIMARY KEY,
  shop_id uuid NOT NULL REFERENCES shops(id),
  group_buy_id uuid NOT NULL REFERENCES group_buys(id),
  customer_id uuid NOT NULL,
  sku_id uuid NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  wanted_group_id uuid,
  group_id uuid REFERENCES group_buy_groups(id),
  is_leader boolean NOT NULL DEFAULT false,
  -- Seated in another group than the one asked for (it filled or closed while the buyer paid).
  moved boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'joined', 'cancelled', 'refunding', 'refunded')),
  paid_fen integer NOT NULL DEFAULT 0,
  joined_at timestamptz,
  refunded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((group_id IS NULL) = (status IN ('pending', 'cancelled')) OR status IN ('refunding', 'refunded'))
);
CREATE UNIQUE INDEX group_buy_orders_seat ON group_buy_orders (group_id, customer_id) WHERE group_id IS NOT NULL;
CREATE INDEX group_buy_orders_customer ON group_buy_orders (shop_id, customer_id, group_buy_id);
CREATE INDEX group_buy_orders_group ON group_buy_orders (group_id) WHERE group_id IS NOT NULL;
