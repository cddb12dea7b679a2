-- Customer data (CDP). PostgreSQL keeps persons, identities, write keys and saved insights; events pass
-- through the inbox on their way to the analytics engine (DuckDB or ClickHouse), which keeps them.

CREATE TABLE cdp_write_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  name text NOT NULL,
  -- Public by design (a browser sends it, as Segment's are): it only lets someone add events.
  key text NOT NULL UNIQUE,
  -- The storefront's own key, made on first use.
  storefront boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE UNIQUE INDEX cdp_write_keys_storefront ON cdp_write_keys (shop_id) WHERE storefront AND revoked_at IS NULL;

-- Accepted events, durable before the 200. The unique key makes a replayed messageId count once (for as
-- long as its row is kept: 7 days after it was loaded). `xid` lets the loader read only rows whose
-- transaction has ended, so a slow writer's row is never skipped.
CREATE TABLE cdp_inbox (
  id bigserial PRIMARY KEY,
  shop_id uuid NOT NULL,
  message_id text NOT NULL,
  body text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE UNIQUE INDEX cdp_inbox_message ON cdp_inbox (shop_id, message_id);
CREATE INDEX cdp_inbox_order ON cdp_inbox (xid, id);

-- Where the loader is: every row at or below (xid, id) is in the engine.
CREATE TABLE cdp_loader (
  name text PRIMARY KEY,
  xid xid8 NOT NULL DEFAULT '0',
  last_id bigint NOT NULL DEFAULT 0,
  loaded bigint NOT NULL DEFAULT 0,
  loaded_at timestamptz
);
INSERT INTO cdp_loader (name) VALUES ('events');

CREATE TABLE cdp_persons (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL,
  -- The mall customer this person is, once known.
  customer_id uuid,
  -- Identified: known by a user id, customer, unionid or phone. Two identified persons are never merged
  -- by an event; only the mall's own customer merge does that.
  identified boolean NOT NULL DEFAULT false,
  traits jsonb NOT NULL DEFAULT '{}',
  merged_into uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX cdp_persons_customer ON cdp_persons (shop_id, customer_id) WHERE customer_id IS NOT NULL AND merged_into IS NULL;

CREATE TABLE cdp_identities (
  shop_id uuid NOT NULL,
  -- anonymous (device id), user (userId), openid, unionid, phone
  kind text NOT NULL,
  value text NOT NULL,
  person_id uuid NOT NULL REFERENCES cdp_persons(id),
  identified boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, kind, value)
);
CREATE INDEX cdp_identities_person ON cdp_identities (person_id);

-- What the loader could not do as asked (an identify that would merge two identified persons …).
CREATE TABLE cdp_identity_warnings (
  id bigserial PRIMARY KEY,
  shop_id uuid NOT NULL,
  code text NOT NULL,
  detail jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cdp_identity_warnings_shop ON cdp_identity_warnings (shop_id, id DESC);

CREATE TABLE cdp_insights (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  name text NOT NULL,
  query jsonb NOT NULL,
  pinned boolean NOT NULL DEFAULT false,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cdp_insights_shop ON cdp_insights (shop_id, created_at DESC);

-- Person merges committed here and not yet applied to the engine's events (the loader applies and
-- deletes them; a crash in between leaves them for the next page).
CREATE TABLE cdp_pending_reassign (
  id bigserial PRIMARY KEY,
  shop_id uuid NOT NULL,
  from_person uuid NOT NULL,
  to_person uuid NOT NULL
);
