-- Customers of a shop: one row per person, whichever way they signed in (SMS code, WeChat).
CREATE TABLE customers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  phone text CHECK (phone ~ '^1[3-9][0-9]{9}$'),
  nickname text,
  avatar_url text,
  gender text NOT NULL DEFAULT 'unknown' CHECK (gender IN ('unknown', 'male', 'female')),
  province text,
  city text,
  source text NOT NULL CHECK (source IN ('sms', 'wechat', 'import')),
  remark text,
  registered_at timestamptz NOT NULL DEFAULT now(),
  last_active_at timestamptz NOT NULL DEFAULT now(),
  -- Set when this person turned out to be another customer too; the row stays so old references resolve.
  merged_into uuid REFERENCES customers(id),
  merged_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (merged_into IS NULL OR phone IS NULL)
);
-- One person, one customer: a phone belongs to at most one customer of a shop.
CREATE UNIQUE INDEX customers_shop_phone ON customers (shop_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX customers_shop_registered ON customers (shop_id, registered_at DESC) WHERE merged_into IS NULL;

CREATE TABLE customer_identities (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL REFERENCES customers(id),
  provider text NOT NULL CHECK (provider IN ('wechat')),
  app_id text NOT NULL,
  openid text NOT NULL,
  unionid text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NOT NULL DEFAULT now()
);
-- Openid is per app: unique per (shop, app), so parallel first sign-ins cannot create two customers.
CREATE UNIQUE INDEX customer_identities_openid ON customer_identities (shop_id, provider, app_id, openid);
CREATE INDEX customer_identities_unionid ON customer_identities (shop_id, unionid) WHERE unionid IS NOT NULL;
CREATE INDEX customer_identities_customer ON customer_identities (customer_id);

-- Only a hash of the bearer token is stored.
CREATE TABLE customer_sessions (
  token_hash text PRIMARY KEY,
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL REFERENCES customers(id),
  via text NOT NULL CHECK (via IN ('sms', 'wechat', 'merge')),
  expires_at timestamptz NOT NULL,
  ip text,
  user_agent text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_sessions_customer ON customer_sessions (customer_id);
CREATE INDEX customer_sessions_expiry ON customer_sessions (expires_at);

CREATE TABLE customer_addresses (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL REFERENCES customers(id),
  contact_name text NOT NULL,
  phone text NOT NULL,
  province text NOT NULL,
  city text NOT NULL,
  district text NOT NULL,
  detail text NOT NULL,
  postal_code text,
  is_default boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_addresses_customer ON customer_addresses (shop_id, customer_id);
-- At most one default per customer; the service keeps it at exactly one while any address exists.
CREATE UNIQUE INDEX customer_addresses_one_default ON customer_addresses (customer_id) WHERE is_default;
