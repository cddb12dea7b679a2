-- WeCom (企业微信) SCRM: the connected corp, its staff, external contacts and their relations, corp tags,
-- channel codes (渠道活码) and the callbacks WeCom pushes.

-- One corp per shop. Secrets are stored as messaging stores the official account's (masked in every view,
-- never logged, masked in the audit log by name).
CREATE TABLE wecom_corps (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL UNIQUE REFERENCES shops(id) ON DELETE CASCADE,
  corp_id text NOT NULL,
  contact_secret text NOT NULL,
  agent_id integer,
  agent_secret text,
  callback_token text NOT NULL,
  encoding_aes_key text NOT NULL,
  verified_at timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every callback once: the decrypted XML is kept, its hash de-duplicates WeCom's retries.
CREATE TABLE wecom_callbacks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  corp_ref uuid NOT NULL REFERENCES wecom_corps(id) ON DELETE CASCADE,
  dedupe_key text NOT NULL,
  event text NOT NULL,
  change_type text,
  fields jsonb NOT NULL,
  xml text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  welcome_sent_at timestamptz,
  welcome_error text,
  processed_at timestamptz,
  error text,
  UNIQUE (corp_ref, dedupe_key)
);
CREATE INDEX wecom_callbacks_pending ON wecom_callbacks (received_at) WHERE processed_at IS NULL;

CREATE TABLE wecom_departments (
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  dept_id integer NOT NULL,
  name text NOT NULL,
  parent_id integer NOT NULL,
  sort integer NOT NULL DEFAULT 0,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, dept_id)
);

-- Staff members (成员). status: WeCom's (1 active, 2 disabled, 4 not activated, 5 left).
CREATE TABLE wecom_staff (
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  userid text NOT NULL,
  name text NOT NULL,
  departments integer[] NOT NULL DEFAULT '{}',
  position text NOT NULL DEFAULT '',
  mobile text,
  status integer NOT NULL,
  can_contact boolean NOT NULL DEFAULT false,
  synced_at timestamptz NOT NULL DEFAULT now(),
  left_at timestamptz,
  PRIMARY KEY (shop_id, userid)
);

-- Runs of the staff (and relation) sync, with progress the console can poll.
CREATE TABLE wecom_sync_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  progress jsonb NOT NULL DEFAULT '{}',
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX wecom_sync_runs_shop ON wecom_sync_runs (shop_id, created_at DESC);

-- Corp tags (企业标签), pulled from WeCom; relations carry their ids.
CREATE TABLE wecom_corp_tags (
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  tag_id text NOT NULL,
  group_id text NOT NULL,
  group_name text NOT NULL,
  name text NOT NULL,
  sort integer NOT NULL DEFAULT 0,
  deleted boolean NOT NULL DEFAULT false,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, tag_id)
);

-- The WeChat users who are external contacts of the corp; customer_id once their unionid is a customer's.
CREATE TABLE wecom_contacts (
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  external_userid text NOT NULL,
  name text NOT NULL DEFAULT '',
  type integer NOT NULL DEFAULT 1,
  gender integer NOT NULL DEFAULT 0,
  unionid text,
  avatar text,
  customer_id uuid,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, external_userid)
);
CREATE INDEX wecom_contacts_unionid ON wecom_contacts (shop_id, unionid) WHERE unionid IS NOT NULL;
CREATE INDEX wecom_contacts_customer ON wecom_contacts (shop_id, customer_id) WHERE customer_id IS NOT NULL;

-- Channel codes (渠道活码): a 联系我 config with our short `state`, who answers when, and what a new contact gets.
CREATE TABLE wecom_channel_codes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  name text NOT NULL,
  state text NOT NULL CHECK (char_length(state) <= 30),
  config_id text NOT NULL,
  qr_code text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('single', 'rotation')),
  users text[] NOT NULL,
  schedules jsonb NOT NULL DEFAULT '[]',
  backup_userid text,
  current_users text[] NOT NULL,
  tag_ids text[] NOT NULL DEFAULT '{}',
  skip_verify boolean NOT NULL DEFAULT true,
  welcome jsonb,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (shop_id, state)
);

-- One relation per (staff member, external contact). status follows who ended it; history keeps each change.
CREATE TABLE wecom_relations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  staff_userid text NOT NULL,
  external_userid text NOT NULL,
  remark text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  remark_mobiles text[] NOT NULL DEFAULT '{}',
  add_way integer NOT NULL DEFAULT 0,
  state text,
  channel_code_id uuid REFERENCES wecom_channel_codes(id) ON DELETE SET NULL,
  tag_ids text[] NOT NULL DEFAULT '{}',
  stage text NOT NULL DEFAULT 'pending',
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deleted_by_staff', 'deleted_by_customer')),
  -- Whether the customer had bought before this relation began (a first order through the code is not).
  bought_before boolean,
  added_at timestamptz NOT NULL,
  deleted_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (shop_id, staff_userid, external_userid)
);
CREATE INDEX wecom_relations_contact ON wecom_relations (shop_id, external_userid);
CREATE INDEX wecom_relations_code ON wecom_relations (channel_code_id) WHERE channel_code_id IS NOT NULL;

CREATE TABLE wecom_relation_history (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  relation_id uuid NOT NULL REFERENCES wecom_relations(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('added', 'deleted_by_staff', 'deleted_by_customer', 'transferred', 'transfer_failed')),
  channel_code_id uuid,
  detail jsonb NOT NULL DEFAULT '{}',
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wecom_relation_history_relation ON wecom_relation_history (relation_id, at);
CREATE INDEX wecom_relation_history_code ON wecom_relation_history (channel_code_id, kind) WHERE channel_code_id IS NOT NULL;

-- What customers added through a code bought afterwards (from order.paid), per code and customer.
CREATE TABLE wecom_code_conversions (
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  channel_code_id uuid NOT NULL REFERENCES wecom_channel_codes(id) ON DELETE CASCADE,
  customer_id uuid NOT NULL,
  new_buyer boolean NOT NULL,
  orders integer NOT NULL DEFAULT 0,
  revenue_fen bigint NOT NULL DEFAULT 0,
  first_paid_at timestamptz NOT NULL,
  PRIMARY KEY (channel_code_id, customer_id)
);
