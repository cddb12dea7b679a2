-- 社区团长: customers who run a pickup point for their neighbours. They apply, staff review (or the shop approves
-- at once), approval creates their pickup point; customers choose a leader; the leader verifies pickups at their
-- point and earns commission on verified pickups only, settled per period and paid offline or by transfer.
CREATE TABLE leader_settings (
  shop_id uuid PRIMARY KEY REFERENCES shops(id),
  enabled boolean NOT NULL DEFAULT false,
  commission_bp integer NOT NULL DEFAULT 500 CHECK (commission_bp BETWEEN 0 AND 5000),
  -- Beijing time; an order paid at or before it belongs to that day's batch, after it to the next day's.
  cutoff_time text NOT NULL DEFAULT '22:00' CHECK (cutoff_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  pickup_after_days integer NOT NULL DEFAULT 1 CHECK (pickup_after_days BETWEEN 0 AND 7),
  auto_approve boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One application per customer; a rejected one may be sent again (the same row).
CREATE TABLE leaders (
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'disabled')),
  name text NOT NULL,
  phone text NOT NULL,
  point_name text NOT NULL,
  address text NOT NULL,
  latitude numeric(9, 6) CHECK (latitude BETWEEN -90 AND 90),
  longitude numeric(9, 6) CHECK (longitude BETWEEN -180 AND 180),
  hours text,
  pickup_point_id uuid,
  reject_reason text,
  applied_at timestamptz NOT NULL,
  reviewed_at timestamptz,
  reviewed_by text,
  PRIMARY KEY (shop_id, customer_id)
);
CREATE UNIQUE INDEX leaders_point ON leaders (shop_id, pickup_point_id) WHERE pickup_point_id IS NOT NULL;
CREATE INDEX leaders_status ON leaders (shop_id, status, applied_at DESC);

-- The leader each customer picks up from: one row per customer, every change kept in the history.
CREATE TABLE leader_customers (
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  leader_id uuid NOT NULL,
  chosen_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, customer_id)
);
CREATE INDEX leader_customers_leader ON leader_customers (shop_id, leader_id);

CREATE TABLE leader_customer_history (
  id bigserial PRIMARY KEY,
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  from_leader_id uuid,
  to_leader_id uuid NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX leader_customer_history_customer ON leader_customer_history (shop_id, customer_id, id);

CREATE TABLE leader_settlements (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  settlement_no text NOT NULL,
  leader_id uuid NOT NULL,
  -- Beijing days, YYYY-MM-DD.
  period_from text NOT NULL CHECK (period_from ~ '^\d{4}-\d{2}-\d{2}$'),
  period_to text NOT NULL CHECK (period_to ~ '^\d{4}-\d{2}-\d{2}$'),
  orders integer NOT NULL,
  commission_fen integer NOT NULL CHECK (commission_fen >= 0),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid')),
  note text,
  paid_at timestamptz,
  paid_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (shop_id, leader_id, period_to),
  UNIQUE (shop_id, settlement_no)
);
CREATE INDEX leader_settlements_shop ON leader_settlements (shop_id, status, created_at DESC);

-- kind 'order': one row per verified pickup order (amount follows its refunds while unsettled);
-- kind 'adjustment': a refund after the order's commission was settled, carried into the next settlement (negative).
CREATE TABLE leader_commissions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  leader_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('order', 'adjustment')),
  order_id uuid NOT NULL,
  order_no text NOT NULL,
  pickup_point_id uuid NOT NULL,
  paid_fen integer NOT NULL,
  refunded_fen integer NOT NULL DEFAULT 0,
  rate_bp integer NOT NULL,
  -- order rows: the commission now (paid less refunds × rate, rounded down); adjustment rows: the (negative) change.
  amount_fen integer NOT NULL,
  -- What the settlement counted for an order row (later refunds change amount_fen and add adjustments).
  settled_fen integer,
  status text NOT NULL DEFAULT 'unsettled' CHECK (status IN ('unsettled', 'settled')),
  settlement_id uuid REFERENCES leader_settlements(id),
  accrued_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (kind = 'adjustment' OR amount_fen >= 0)
);
CREATE UNIQUE INDEX leader_commissions_order ON leader_commissions (shop_id, order_id) WHERE kind = 'order';
CREATE INDEX leader_commissions_leader ON leader_commissions (shop_id, leader_id, status, accrued_at);
CREATE INDEX leader_commissions_settlement ON leader_commissions (settlement_id) WHERE settlement_id IS NOT NULL;
