-- 定金预售: a product sold in two payments. In the deposit phase a customer pays a deposit per unit (its
-- units are set aside from stock: available → held); in the balance window the deposit counts for more
-- (定金膨胀: ¥50 counts as ¥100) against the price, and the balance is an ordinary order. Unpaid balances
-- close when the window ends: the deposit is refunded or kept as the activity says, and the units go
-- back to sale.
CREATE TABLE presale_activities (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  name text NOT NULL,
  product_id uuid NOT NULL,
  deposit_starts_at timestamptz NOT NULL,
  deposit_ends_at timestamptz NOT NULL,
  balance_starts_at timestamptz NOT NULL,
  balance_ends_at timestamptz NOT NULL,
  deposit_refundable boolean NOT NULL DEFAULT false,
  per_customer_limit integer NOT NULL DEFAULT 1 CHECK (per_customer_limit BETWEEN 1 AND 100),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
  reminded_at timestamptz,
  closed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (deposit_starts_at < deposit_ends_at AND deposit_ends_at <= balance_starts_at AND balance_starts_at < balance_ends_at)
);
CREATE INDEX presale_activities_shop ON presale_activities (shop_id, created_at DESC);
CREATE INDEX presale_activities_product ON presale_activities (shop_id, product_id);

-- Per SKU: the deposit per unit and what it counts for (deduct ≥ deposit).
CREATE TABLE presale_items (
  activity_id uuid NOT NULL REFERENCES presale_activities(id),
  shop_id uuid NOT NULL REFERENCES shops(id),
  sku_id uuid NOT NULL,
  deposit_fen integer NOT NULL CHECK (deposit_fen > 0),
  deduct_fen integer NOT NULL,
  CHECK (deduct_fen >= deposit_fen),
  PRIMARY KEY (activity_id, sku_id)
);

-- One customer's pre-sale order: the deposit (paid through WeChat Pay as its own transaction) and, later,
-- the balance order. Status: pending_deposit → deposit_paid → balance_ordered → completed, or closed
-- (deposit never paid), forfeited (balance never paid, deposit kept) or refunded (deposit given back).
CREATE TABLE presale_orders (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  activity_id uuid NOT NULL REFERENCES presale_activities(id),
  customer_id uuid NOT NULL,
  sku_id uuid NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  deposit_fen integer NOT NULL CHECK (deposit_fen > 0),
  deduct_fen integer NOT NULL,
  deposit_no text NOT NULL UNIQUE,
  status text NOT NULL CHECK (status IN ('pending_deposit', 'deposit_paid', 'balance_ordered', 'completed', 'closed', 'forfeited', 'refunded')),
  units_held boolean NOT NULL DEFAULT false,
  balance_order_id uuid,
  request_key text,
  pay_expires_at timestamptz NOT NULL,
  deposit_paid_at timestamptz,
  completed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX presale_orders_activity ON presale_orders (activity_id, status);
CREATE INDEX presale_orders_customer ON presale_orders (shop_id, customer_id, created_at DESC);
CREATE UNIQUE INDEX presale_orders_key ON presale_orders (shop_id, customer_id, request_key) WHERE request_key IS NOT NULL;
CREATE UNIQUE INDEX presale_orders_balance_order ON presale_orders (balance_order_id) WHERE balance_order_id IS NOT NULL;
