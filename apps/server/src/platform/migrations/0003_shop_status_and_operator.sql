-- A shop can be suspended by the platform operator (平台运营): its storefront then takes no orders.
-- Slugs need no extra index to be unique case-insensitively: the CHECK of 0002 admits lower case only,
-- so the existing UNIQUE (slug) already refuses "Tea" next to "tea", and it settles races of two sign-ups.
ALTER TABLE shops
  ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  ADD COLUMN suspended_at timestamptz,
  ADD COLUMN suspension_reason text,
  -- Whether customers may read the reason on the storefront's "店铺暂停营业" page.
  ADD COLUMN suspension_reason_public boolean NOT NULL DEFAULT false,
  ADD CONSTRAINT shops_suspension_consistent CHECK ((status = 'suspended') = (suspended_at IS NOT NULL));
CREATE INDEX shops_created ON shops (created_at DESC, id);

-- The platform operator: one per deployment, not a staff member of any shop.
CREATE TABLE platform_operators (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Always true and unique: a second operator row cannot be written.
  singleton boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton),
  login text NOT NULL,
  display_name text NOT NULL,
  password_hash text NOT NULL,
  failed_logins int NOT NULL DEFAULT 0,
  locked_until timestamptz,
  last_login_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Only a hash of each session token is stored, as for staff sessions.
CREATE TABLE operator_sessions (
  token_hash text PRIMARY KEY,
  operator_id uuid NOT NULL REFERENCES platform_operators(id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  ip text,
  user_agent text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);

-- Everything the operator does, with the shop it was done to (if any) and the reason given.
CREATE TABLE operator_audit_log (
  id bigserial PRIMARY KEY,
  operator_id uuid REFERENCES platform_operators(id) ON DELETE SET NULL,
  operator_login text NOT NULL,
  action text NOT NULL,
  shop_id uuid REFERENCES shops(id),
  reason text,
  before jsonb,
  after jsonb,
  ip text,
  request_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX operator_audit_log_shop ON operator_audit_log (shop_id, id DESC) WHERE shop_id IS NOT NULL;
