-- Stock per SKU. The CHECKs are the last line of defence: no code path can oversell or lose a unit.
CREATE TABLE inventory_levels (
  shop_id uuid NOT NULL REFERENCES shops(id),
  sku_id uuid PRIMARY KEY REFERENCES skus(id),
  received integer NOT NULL DEFAULT 0,
  available integer NOT NULL DEFAULT 0 CHECK (available >= 0),
  reserved integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  sold integer NOT NULL DEFAULT 0 CHECK (sold >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT inventory_levels_balance CHECK (received = available + reserved + sold)
);
CREATE INDEX inventory_levels_shop ON inventory_levels (shop_id);

-- Every change of a level, append-only: the sums of the deltas are the levels.
CREATE TABLE inventory_ledger (
  id bigserial PRIMARY KEY,
  shop_id uuid NOT NULL REFERENCES shops(id),
  sku_id uuid NOT NULL REFERENCES skus(id),
  delta_received integer NOT NULL DEFAULT 0,
  delta_available integer NOT NULL DEFAULT 0,
  delta_reserved integer NOT NULL DEFAULT 0,
  delta_sold integer NOT NULL DEFAULT 0,
  reason text NOT NULL CHECK (reason IN ('adjust', 'reserve', 'release', 'commit', 'return')),
  ref_type text,
  ref_id text,
  note text,
  actor text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inventory_ledger_sku ON inventory_ledger (shop_id, sku_id, id);

CREATE FUNCTION inventory_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'inventory_ledger is append-only';
END;
$$;
CREATE TRIGGER inventory_ledger_no_change BEFORE UPDATE OR DELETE ON inventory_ledger
  FOR EACH ROW EXECUTE FUNCTION inventory_ledger_append_only();

-- What each order holds. `returned` counts units of a committed line that came back to stock.
CREATE TABLE inventory_reservations (
  id bigserial PRIMARY KEY,
  shop_id uuid NOT NULL REFERENCES shops(id),
  order_id uuid NOT NULL,
  sku_id uuid NOT NULL REFERENCES skus(id),
  quantity integer NOT NULL CHECK (quantity > 0),
  returned integer NOT NULL DEFAULT 0 CHECK (returned >= 0 AND returned <= quantity),
  status text NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'released', 'committed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT inventory_reservations_line UNIQUE (order_id, sku_id)
);
CREATE INDEX inventory_reservations_shop_order ON inventory_reservations (shop_id, order_id);
