-- Points (积分): the shop's rules, each customer's balance, the lots points are earned in (for expiry,
-- oldest first), an append-only ledger, what each order spent from which lot, and daily check-ins.

CREATE TABLE points_rules (
  shop_id uuid PRIMARY KEY REFERENCES shops(id),
  enabled boolean NOT NULL DEFAULT true,
  earn_per_yuan integer NOT NULL DEFAULT 1 CHECK (earn_per_yuan BETWEEN 0 AND 1000),
  signup_points integer NOT NULL DEFAULT 0 CHECK (signup_points BETWEEN 0 AND 1000000),
  checkin_points integer NOT NULL DEFAULT 0 CHECK (checkin_points BETWEEN 0 AND 100000),
  checkin_streak_bonus jsonb NOT NULL DEFAULT '[]',
  points_per_yuan integer NOT NULL DEFAULT 100 CHECK (points_per_yuan BETWEEN 1 AND 100000),
  max_deduct_percent integer NOT NULL DEFAULT 50 CHECK (max_deduct_percent BETWEEN 0 AND 100),
  expiry text NOT NULL DEFAULT 'end_of_next_year' CHECK (expiry IN ('never', 'end_of_next_year', 'days')),
  expiry_days integer CHECK (expiry_days BETWEEN 1 AND 3650),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE points_accounts (
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  balance integer NOT NULL DEFAULT 0 CHECK (balance >= 0),
  earned_total integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, customer_id)
);

CREATE TABLE points_lots (
  id bigserial PRIMARY KEY,
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  amount integer NOT NULL CHECK (amount > 0),
  remaining integer NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
  expires_at timestamptz,
  expiring_notified boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX points_lots_open ON points_lots (shop_id, customer_id, expires_at) WHERE remaining > 0;

CREATE TABLE points_ledger (
  id bigserial PRIMARY KEY,
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  delta integer NOT NULL CHECK (delta <> 0),
  balance_after integer NOT NULL CHECK (balance_after >= 0),
  kind text NOT NULL CHECK (kind IN ('earn_order', 'signup', 'checkin', 'spend_order', 'return_spend', 'reverse_earn', 'expire', 'adjust')),
  -- What caused it (order id, day, refund id, lot id…); with kind it makes every posting happen once.
  ref text NOT NULL,
  note text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (shop_id, customer_id, kind, ref)
);
CREATE INDEX points_ledger_customer ON points_ledger (shop_id, customer_id, id DESC);

CREATE TABLE points_order_spends (
  order_id uuid NOT NULL,
  lot_id bigint NOT NULL REFERENCES points_lots(id),
  shop_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  amount integer NOT NULL CHECK (amount > 0),
  returned integer NOT NULL DEFAULT 0 CHECK (returned >= 0 AND returned <= amount),
  PRIMARY KEY (order_id, lot_id)
);

CREATE TABLE points_checkins (
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  day date NOT NULL,
  streak integer NOT NULL CHECK (streak >= 1),
  points integer NOT NULL,
  PRIMARY KEY (shop_id, customer_id, day)
);
