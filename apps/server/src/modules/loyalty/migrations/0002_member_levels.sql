-- Member levels (会员等级): the shop's rule, its levels with their benefits, each customer's level and
-- the history of changes.

CREATE TABLE member_level_settings (
  shop_id uuid PRIMARY KEY REFERENCES shops(id),
  metric text NOT NULL DEFAULT 'spend' CHECK (metric IN ('spend', 'orders')),
  period text NOT NULL DEFAULT 'all' CHECK (period IN ('all', 'last_3_months', 'this_month')),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE member_levels (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  rank integer NOT NULL CHECK (rank BETWEEN 1 AND 20),
  name text NOT NULL,
  -- Fen of spend, or a number of orders, depending on the shop's metric.
  threshold integer NOT NULL CHECK (threshold >= 0),
  -- Share paid on goods, 1–99 (95 = 9.5 折); NULL for no member discount.
  percent_paid integer CHECK (percent_paid BETWEEN 1 AND 99),
  free_shipping boolean NOT NULL DEFAULT false,
  monthly_pack_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX member_levels_rank ON member_levels (shop_id, rank) WHERE deleted_at IS NULL;

CREATE TABLE customer_levels (
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  level_id uuid REFERENCES member_levels(id),
  metric_value integer NOT NULL DEFAULT 0,
  evaluated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, customer_id)
);
CREATE INDEX customer_levels_level ON customer_levels (shop_id, level_id);

CREATE TABLE customer_level_history (
  id bigserial PRIMARY KEY,
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  from_level_id uuid,
  to_level_id uuid,
  metric_value integer NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_level_history_customer ON customer_level_history (shop_id, customer_id, id DESC);
