-- 秒杀: a flash sale has sessions (time slots); each session sells some SKUs at a flash price from an
-- activity stock that was set aside (inventory `held`) when the sale was published.
CREATE TABLE flash_sales (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  name text NOT NULL,
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'ended')),
  per_customer_limit integer NOT NULL CHECK (per_customer_limit BETWEEN 1 AND 100),
  ip_rate_per_second integer NOT NULL DEFAULT 20 CHECK (ip_rate_per_second >= 1),
  customer_rate_per_second integer NOT NULL DEFAULT 3 CHECK (customer_rate_per_second >= 1),
  published_at timestamptz,
  ended_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX flash_sales_shop ON flash_sales (shop_id, created_at DESC);

CREATE TABLE flash_sale_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  flash_sale_id uuid NOT NULL REFERENCES flash_sales(id) ON DELETE CASCADE,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  -- warmed: stock loaded into the hot store; reminded: reminder events emitted; closed: no more attempts;
  -- settled: unsold units given back to normal stock.
  warmed_at timestamptz,
  reminded_at timestamptz,
  closed_at timestamptz,
  settled_at timestamptz,
  CONSTRAINT flash_sale_sessions_window CHECK (ends_at > starts_at)
);
CREATE INDEX flash_sale_sessions_sale ON flash_sale_sessions (flash_sale_id, starts_at);
CREATE INDEX flash_sale_sessions_unsettled ON flash_sale_sessions (starts_at) WHERE settled_at IS NULL;

-- A SKU in a session, with what an order line needs copied when the sale is saved, so the order
-- batches read nothing from the catalog.
CREATE TABLE flash_sale_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  flash_sale_id uuid NOT NULL REFERENCES flash_sales(id) ON DELETE CASCADE,
  session_id uuid NOT NULL REFERENCES flash_sale_sessions(id) ON DELETE CASCADE,
  sku_id uuid NOT NULL REFERENCES skus(id),
  product_id uuid NOT NULL,
  category_id uuid,
  title text NOT NULL,
  spec_text text NOT NULL DEFAULT '',
  sku_code text,
  image_url text,
  weight_grams integer NOT NULL DEFAULT 0,
  original_price_fen integer NOT NULL CHECK (original_price_fen >= 0),
  price_fen integer NOT NULL CHECK (price_fen >= 0),
  -- Activity stock: the units set aside at publish. `unheld`: units given back to normal stock since.
  stock integer NOT NULL CHECK (stock > 0),
  unheld integer NOT NULL DEFAULT 0 CHECK (unheld >= 0 AND unheld <= stock),
  position integer NOT NULL DEFAULT 0,
  CONSTRAINT flash_sale_items_one_per_session UNIQUE (session_id, sku_id)
);
CREATE INDEX flash_sale_items_sale ON flash_sale_items (flash_sale_id);

-- An accepted attempt: the hot store took the units and the customer's allowance; the order is written
-- by a batch job. accepted → ordered (order written) → released (order cancelled, units back);
-- failed: no order could be written (units back).
CREATE TABLE flash_sale_attempts (
  id uuid PRIMARY KEY,
  shop_id uuid NOT NULL REFERENCES shops(id),
  flash_sale_id uuid NOT NULL,
  session_id uuid NOT NULL,
  item_id uuid NOT NULL REFERENCES flash_sale_items(id),
  customer_id uuid NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  fulfilment text NOT NULL CHECK (fulfilment IN ('express', 'pickup')),
  address jsonb,
  pickup_point jsonb,
  remark text,
  status text NOT NULL DEFAULT 'accepted' CHECK (status IN ('accepted', 'ordered', 'released', 'failed')),
  order_id uuid,
  failure_code text,
  accepted_at timestamptz NOT NULL DEFAULT now(),
  ordered_at timestamptz,
  paid_at timestamptz,
  released_at timestamptz,
  CONSTRAINT flash_sale_attempts_order CHECK ((status IN ('ordered', 'released')) = (order_id IS NOT NULL))
);
CREATE UNIQUE INDEX flash_sale_attempts_one_per_order ON flash_sale_attempts (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX flash_sale_attempts_waiting ON flash_sale_attempts (shop_id, accepted_at) WHERE status = 'accepted';
CREATE INDEX flash_sale_attempts_item ON flash_sale_attempts (item_id, status);
CREATE INDEX flash_sale_attempts_sale_time ON flash_sale_attempts (flash_sale_id, accepted_at);
CREATE INDEX flash_sale_attempts_customer ON flash_sale_attempts (shop_id, customer_id);

-- 提醒我: customers who asked to be told before a session starts.
CREATE TABLE flash_sale_reminders (
  shop_id uuid NOT NULL REFERENCES shops(id),
  session_id uuid NOT NULL REFERENCES flash_sale_sessions(id) ON DELETE CASCADE,
  customer_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  notified_at timestamptz,
  PRIMARY KEY (session_id, customer_id)
);
