-- Reach (触达): channel accounts, templates, the contact budget, deliveries, broadcasts, QR codes, followers.

-- One official account and one mini-program per shop. Secrets are shown masked and never logged.
CREATE TABLE mp_accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('oa', 'mini')),
  name text NOT NULL,
  app_id text NOT NULL,
  app_secret text NOT NULL,
  token text,
  encoding_aes_key text,
  mini_state text NOT NULL DEFAULT 'formal',
  menu jsonb,
  verified_at timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (shop_id, kind)
);

-- The account's access token, refreshed before expiry by one worker for every process (stable_token).
CREATE TABLE mp_tokens (
  account_id uuid PRIMARY KEY REFERENCES mp_accounts(id) ON DELETE CASCADE,
  access_token text NOT NULL,
  expires_at timestamptz NOT NULL,
  refreshed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sms_accounts (
  shop_id uuid PRIMARY KEY REFERENCES shops(id) ON DELETE CASCADE,
  vendor text NOT NULL CHECK (vendor IN ('tencent', 'aliyun')),
  access_key_id text NOT NULL,
  access_key_secret text NOT NULL,
  sdk_app_id text,
  sign_name text NOT NULL,
  region text NOT NULL DEFAULT 'ap-guangzhou',
  verified_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contact_budgets (
  shop_id uuid PRIMARY KEY REFERENCES shops(id) ON DELETE CASCADE,
  budget jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE message_templates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  name text NOT NULL,
  topic text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('mini_subscribe', 'oa_template', 'sms')),
  vendor_template_id text NOT NULL,
  fields jsonb NOT NULL,
  content text NOT NULL,
  link text,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX message_templates_topic ON message_templates (shop_id, topic, channel) WHERE enabled;

-- Messages counted per customer, shop-local day and channel ('*' = all channels): the contact budget's record.
CREATE TABLE contact_counters (
  shop_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  day integer NOT NULL,
  channel text NOT NULL,
  n integer NOT NULL CHECK (n >= 0),
  PRIMARY KEY (shop_id, customer_id, day, channel)
);

-- What a customer refused: a topic on every channel ('*'), or a channel for every non-transactional topic.
CREATE TABLE contact_optouts (
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  customer_id uuid NOT NULL,
  channel text NOT NULL,
  topic text NOT NULL,
  source text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, customer_id, channel, topic),
  CHECK (channel = '*' OR topic = '*')
);

CREATE TABLE contact_consents (
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  customer_id uuid NOT NULL,
  sms_marketing_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, customer_id)
);

-- Numbers that replied R (or were suppressed by staff): no marketing SMS, whoever the number belongs to.
CREATE TABLE sms_suppressions (
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  phone text NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, phone)
);

-- One-time subscriptions (一次性订阅): each accept allows exactly one message of that topic.
CREATE TABLE subscribe_grants (
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  customer_id uuid NOT NULL,
  topic text NOT NULL,
  granted integer NOT NULL DEFAULT 0,
  used integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, customer_id, topic),
  CHECK (used >= 0 AND used <= granted)
);

CREATE TABLE broadcasts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  name text NOT NULL,
  audience jsonb NOT NULL,
  channels text[] NOT NULL,
  template_ids jsonb NOT NULL,
  vars jsonb NOT NULL,
  link text,
  holdout_percent integer NOT NULL CHECK (holdout_percent BETWEEN 0 AND 50),
  attribution_days integer NOT NULL,
  scheduled_at timestamptz,
  status text NOT NULL DEFAULT 'draft',
  recipients integer NOT NULL DEFAULT 0,
  holdout integer NOT NULL DEFAULT 0,
  queued integer NOT NULL DEFAULT 0,
  started_at timestamptz,
  finished_at timestamptz,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX broadcasts_shop ON broadcasts (shop_id, created_at DESC);

-- Every member of the audience, in the sent arm or the holdout, with what became of them.
CREATE TABLE broadcast_recipients (
  broadcast_id uuid NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
  shop_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  seq integer NOT NULL,
  holdout boolean NOT NULL,
  delivery_id uuid,
  clicked_at timestamptz,
  orders integer NOT NULL DEFAULT 0,
  revenue_fen bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (broadcast_id, customer_id)
);
CREATE UNIQUE INDEX broadcast_recipients_seq ON broadcast_recipients (broadcast_id, seq);
CREATE INDEX broadcast_recipients_customer ON broadcast_recipients (shop_id, customer_id);

-- The delivery log: one row per message to one customer on one channel. The key makes a retried send
-- (a redelivered event, a retried job) find the row instead of writing a second.
CREATE TABLE deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  customer_id uuid NOT NULL,
  idempotency_key text NOT NULL,
  topic text NOT NULL,
  transactional boolean NOT NULL,
  channel text,
  channels text[] NOT NULL,
  template_id uuid,
  broadcast_id uuid,
  vars jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'delivered', 'failed', 'capped', 'opted_out', 'unreachable')),
  reason text,
  recipient text,
  vendor_msg_id text,
  attempts integer NOT NULL DEFAULT 0,
  not_before timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  delivered_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX deliveries_key ON deliveries (shop_id, idempotency_key);
CREATE INDEX deliveries_due ON deliveries (not_before) WHERE status = 'pending';
CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE status = 'sending';
CREATE INDEX deliveries_shop ON deliveries (shop_id, created_at DESC);
CREATE INDEX deliveries_customer ON deliveries (shop_id, customer_id, created_at DESC);
CREATE INDEX deliveries_broadcast ON deliveries (broadcast_id) WHERE broadcast_id IS NOT NULL;
CREATE INDEX deliveries_vendor_msg ON deliveries (vendor_msg_id) WHERE vendor_msg_id IS NOT NULL;

-- Parametric QR codes of the official account (带参数二维码): the scene tags and groups followers by source.
CREATE TABLE mp_qr_codes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  account_id uuid NOT NULL REFERENCES mp_accounts(id) ON DELETE CASCADE,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('temporary', 'permanent')),
  scene text NOT NULL,
  ticket text NOT NULL,
  url text NOT NULL,
  expires_at timestamptz,
  tag_ids uuid[] NOT NULL DEFAULT '{}',
  group_id uuid,
  welcome text,
  scans integer NOT NULL DEFAULT 0,
  follows integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, scene)
);

CREATE TABLE mp_followers (
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  account_id uuid NOT NULL REFERENCES mp_accounts(id) ON DELETE CASCADE,
  openid text NOT NULL,
  unionid text,
  customer_id uuid,
  subscribed boolean NOT NULL,
  subscribed_at timestamptz,
  unsubscribed_at timestamptz,
  source_qr_id uuid,
  source_scene text,
  synced_at timestamptz,
  PRIMARY KEY (account_id, openid)
);
CREATE INDEX mp_followers_customer ON mp_followers (shop_id, customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX mp_followers_unionid ON mp_followers (shop_id, unionid) WHERE unionid IS NOT NULL;

-- Callback messages seen, so WeChat's retries (same MsgId, or FromUserName + CreateTime) act once.
CREATE TABLE mp_callbacks_seen (
  account_id uuid NOT NULL,
  dedupe_key text NOT NULL,
  seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, dedupe_key)
);

CREATE TABLE mp_auto_replies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('follow', 'keyword')),
  keyword text,
  match text NOT NULL DEFAULT 'exact',
  reply text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
