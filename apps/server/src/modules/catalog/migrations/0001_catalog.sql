-- Two-level categories; a name is unique among its siblings.
CREATE TABLE categories (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  parent_id uuid REFERENCES categories(id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 30),
  sort_order integer NOT NULL DEFAULT 0,
  image_url text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX categories_sibling_name ON categories (shop_id, COALESCE(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), name);
CREATE INDEX categories_shop ON categories (shop_id, parent_id);

CREATE TABLE products (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  title text NOT NULL,
  subtitle text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  category_id uuid REFERENCES categories(id),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'on_sale', 'off_shelf')),
  images jsonb NOT NULL DEFAULT '[]'::jsonb,
  spec_attributes jsonb NOT NULL DEFAULT '[]'::jsonb,
  weight_grams integer NOT NULL DEFAULT 0 CHECK (weight_grams >= 0),
  -- Cached from the active SKUs so lists can sort and filter by price without a join.
  min_price integer NOT NULL DEFAULT 0 CHECK (min_price >= 0),
  max_price integer NOT NULL DEFAULT 0 CHECK (max_price >= min_price),
  sales_count integer NOT NULL DEFAULT 0 CHECK (sales_count >= 0),
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_shop_created ON products (shop_id, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX products_shop_category ON products (shop_id, category_id) WHERE deleted_at IS NULL;
CREATE INDEX products_shop_title ON products (shop_id, title);

-- SKU rows are never deleted: orders point at them. A combination that leaves the matrix is disabled.
CREATE TABLE skus (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  product_id uuid NOT NULL REFERENCES products(id),
  spec_values jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Canonical "name=value" pairs, sorted: identifies the combination whatever the attribute order.
  spec_key text NOT NULL,
  spec_text text NOT NULL DEFAULT '',
  sku_code text NOT NULL,
  price integer NOT NULL CHECK (price >= 0),
  market_price integer CHECK (market_price IS NULL OR market_price >= price),
  weight_grams integer CHECK (weight_grams IS NULL OR weight_grams >= 0),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  sort_order integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX skus_product_combination ON skus (product_id, spec_key);
CREATE UNIQUE INDEX skus_shop_code ON skus (shop_id, sku_code) WHERE status = 'active';
CREATE INDEX skus_shop_product ON skus (shop_id, product_id);

CREATE TABLE media (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  storage_key text NOT NULL UNIQUE,
  url text NOT NULL,
  content_type text NOT NULL,
  size_bytes integer NOT NULL,
  file_name text,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_shop ON media (shop_id, created_at DESC);

-- A batch import: the parsed rows are kept so the job can run on any worker and the error report
-- can show the merchant's own data next to each error.
CREATE TABLE catalog_imports (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  file_name text NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  headers jsonb NOT NULL,
  rows jsonb NOT NULL,
  total integer NOT NULL DEFAULT 0,
  processed integer NOT NULL DEFAULT 0,
  succeeded integer NOT NULL DEFAULT 0,
  failed integer NOT NULL DEFAULT 0,
  products_created integer NOT NULL DEFAULT 0,
  products_updated integer NOT NULL DEFAULT 0,
  errors jsonb NOT NULL DEFAULT '[]'::jsonb,
  failure text,
  created_by text NOT NULL,
  created_by_name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX catalog_imports_shop ON catalog_imports (shop_id, created_at DESC);
