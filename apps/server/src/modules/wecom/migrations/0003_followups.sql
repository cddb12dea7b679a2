-- Follow-ups on relations, reminders for staff (one-off or by rule after an event), customer fields staff
-- keep for the sidebar, and the customer's separate consent for health data among them.

-- A follow-up: what the staff member did or learnt, and the stage it moved the relation to (if it did).
CREATE TABLE wecom_followups (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  relation_id uuid NOT NULL REFERENCES wecom_relations(id) ON DELETE CASCADE,
  -- Who: a WeCom member (sidebar) or a console user (by name; their id in the audit log).
  staff_userid text,
  author_name text NOT NULL,
  text text NOT NULL,
  stage_before text NOT NULL,
  stage_after text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wecom_followups_relation ON wecom_followups (relation_id, created_at DESC);

-- "N days after <event> (with a product of these categories), remind whoever serves the customer then."
CREATE TABLE wecom_reminder_rules (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  name text NOT NULL,
  event text NOT NULL CHECK (event IN ('order.paid')),
  category_ids uuid[] NOT NULL DEFAULT '{}',
  delay_days integer NOT NULL CHECK (delay_days BETWEEN 0 AND 730),
  title text NOT NULL,
  text text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wecom_reminder_rules_shop ON wecom_reminder_rules (shop_id, event) WHERE deleted_at IS NULL;

-- One reminder per source (rule + order, or one a person set): source_key makes a redelivered event or a
-- repeated request the same reminder. The recipient is decided when it is due, not when it is made.
CREATE TABLE wecom_reminders (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  source_key text NOT NULL,
  rule_id uuid REFERENCES wecom_reminder_rules(id) ON DELETE SET NULL,
  customer_id uuid,
  external_userid text,
  title text NOT NULL,
  text text NOT NULL,
  vars jsonb NOT NULL DEFAULT '{}',
  due_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'sending', 'sent', 'skipped', 'failed', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  claimed_at timestamptz,
  staff_userid text,
  relation_id uuid REFERENCES wecom_relations(id) ON DELETE SET NULL,
  msgid text,
  skip_reason text,
  error text,
  sent_at timestamptz,
  todo text CHECK (todo IN ('open', 'done', 'snoozed')),
  snoozed_until timestamptz,
  todo_at timestamptz,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (shop_id, source_key),
  CHECK (customer_id IS NOT NULL OR external_userid IS NOT NULL)
);
CREATE INDEX wecom_reminders_due ON wecom_reminders (due_at) WHERE status = 'scheduled';
CREATE INDEX wecom_reminders_staff ON wecom_reminders (shop_id, staff_userid, todo) WHERE staff_userid IS NOT NULL;
CREATE INDEX wecom_reminders_customer ON wecom_reminders (shop_id, customer_id);

-- Fields staff keep about a customer (e.g. a glasses prescription). health = sensitive personal
-- information: shown only while the customer's separate consent below stands.
CREATE TABLE wecom_customer_fields (
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  customer_id uuid NOT NULL,
  key text NOT NULL,
  label text NOT NULL,
  value text NOT NULL,
  health boolean NOT NULL DEFAULT false,
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, customer_id, key)
);

-- The customer's separate consent (单独同意) to staff keeping and seeing their health data; withdrawing it
-- keeps the row with revoked_at, so when it stood stays known.
CREATE TABLE wecom_health_consents (
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  customer_id uuid NOT NULL,
  granted_at timestamptz,
  revoked_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, customer_id)
);
