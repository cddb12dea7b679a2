-- Customer tags (粉丝标签) and groups (会员分组). Groups and automatic tags read a model of their own,
-- fed by events (registration, payments, refunds, level changes), never other modules' tables.

CREATE TABLE customer_tags (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  name text NOT NULL,
  color text NOT NULL DEFAULT 'blue',
  -- manual: staff put it on people; auto: a rule does; source: how the customer came in.
  kind text NOT NULL CHECK (kind IN ('manual', 'auto', 'source')),
  rule jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX customer_tags_name ON customer_tags (shop_id, name) WHERE deleted_at IS NULL;

CREATE TABLE customer_tag_links (
  shop_id uuid NOT NULL REFERENCES shops(id),
  tag_id uuid NOT NULL REFERENCES customer_tags(id),
  customer_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tag_id, customer_id)
);
CREATE INDEX customer_tag_links_customer ON customer_tag_links (shop_id, customer_id);

-- The read model: one row per customer, one per paid order.
CREATE TABLE audience_customers (
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  source text NOT NULL,
  registered_at timestamptz NOT NULL,
  level_id uuid,
  PRIMARY KEY (shop_id, customer_id)
);

CREATE TABLE audience_payments (
  shop_id uuid NOT NULL REFERENCES shops(id),
  order_id uuid PRIMARY KEY,
  customer_id uuid NOT NULL,
  paid_fen integer NOT NULL,
  refunded_fen integer NOT NULL DEFAULT 0,
  paid_at timestamptz NOT NULL,
  category_ids uuid[] NOT NULL DEFAULT '{}'
);
CREATE INDEX audience_payments_customer ON audience_payments (shop_id, customer_id, paid_at);

CREATE TABLE customer_groups (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('static', 'dynamic')),
  conditions jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);

CREATE TABLE customer_group_members (
  group_id uuid NOT NULL REFERENCES customer_groups(id),
  customer_id uuid NOT NULL,
  shop_id uuid NOT NULL,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, customer_id)
);

-- Customers and payments from before this module existed.
INSERT INTO audience_customers (shop_id, customer_id, source, registered_at)
  SELECT shop_id, id, source, registered_at FROM customers WHERE merged_into IS NULL
  ON CONFLICT DO NOTHING;
INSERT INTO audience_payments (shop_id, order_id, customer_id, paid_fen, refunded_fen, paid_at)
  SELECT shop_id, id, customer_id, paid_fen, refunded_fen, paid_at FROM orders WHERE paid_at IS NOT NULL
  ON CONFLICT DO NOTHING;
