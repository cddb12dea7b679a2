-- How each self-service shop came to be: who proved which phone or e-mail, from where. The ticket hash
-- is unique, so a retried (or doubled) "create shop" finds the shop its first attempt made.
CREATE TABLE merchant_sign_ups (
  shop_id uuid PRIMARY KEY REFERENCES shops(id),
  owner_id uuid NOT NULL REFERENCES staff(id),
  channel text NOT NULL CHECK (channel IN ('sms', 'email')),
  phone text,
  email text,
  ticket_hash text NOT NULL UNIQUE,
  ip text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((channel = 'sms') = (phone IS NOT NULL) AND (channel = 'email') = (email IS NOT NULL))
);

-- The first-steps checklist (开店引导) a shop's staff hid. Its steps' state is not stored: it is read
-- from the modules that own the data (products, coupons, the WeChat Pay settings) each time.
CREATE TABLE onboarding_checklists (
  shop_id uuid PRIMARY KEY REFERENCES shops(id),
  dismissed_at timestamptz,
  dismissed_by uuid REFERENCES staff(id),
  updated_at timestamptz NOT NULL DEFAULT now()
);
