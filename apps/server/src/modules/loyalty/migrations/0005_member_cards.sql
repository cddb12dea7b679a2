-- 付费会员卡: cards a customer buys for a period (monthly, quarterly, annual or N days). Benefits are a
-- discount on goods, free shipping and a monthly no-threshold coupon. Card time is a ledger too: every
-- purchase, renewal or staff grant is a posting that moves expires_at, so the card's end is always the
-- last posting's expires_after and can be explained line by line.
CREATE TABLE member_card_plans (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  name text NOT NULL,
  period_kind text NOT NULL CHECK (period_kind IN ('month', 'quarter', 'year', 'days')),
  days integer NOT NULL CHECK (days BETWEEN 1 AND 3660),
  price_fen integer NOT NULL CHECK (price_fen > 0),
  percent_paid integer CHECK (percent_paid BETWEEN 1 AND 99),
  free_shipping boolean NOT NULL DEFAULT false,
  monthly_coupon_template_id uuid,
  description text NOT NULL DEFAULT '',
  active boolean NOT NULL DEFAULT true,
  sort_order integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX member_card_plans_shop ON member_card_plans (shop_id);

-- A customer's card: one per shop. Renewing with another plan switches the benefits to that plan.
CREATE TABLE customer_cards (
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  plan_id uuid NOT NULL REFERENCES member_card_plans(id),
  starts_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  expiring_notified_for timestamptz,
  expired_notified_for timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, customer_id)
);
CREATE INDEX customer_cards_expiry ON customer_cards (expires_at);

CREATE TABLE member_card_ledger (
  id bigserial PRIMARY KEY,
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  plan_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('purchase', 'renew', 'grant', 'revoke')),
  ref text NOT NULL,
  days integer NOT NULL,
  expires_before timestamptz,
  expires_after timestamptz NOT NULL,
  note text,
  actor_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX member_card_ledger_once ON member_card_ledger (shop_id, customer_id, kind, ref);
CREATE INDEX member_card_ledger_customer ON member_card_ledger (shop_id, customer_id, id DESC);

-- A card bought through WeChat Pay; terms copied from the plan when the customer starts.
CREATE TABLE member_card_purchases (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  plan_id uuid NOT NULL REFERENCES member_card_plans(id),
  purchase_no text NOT NULL UNIQUE,
  price_fen integer NOT NULL CHECK (price_fen > 0),
  days integer NOT NULL CHECK (days > 0),
  status text NOT NULL CHECK (status IN ('pending', 'paid', 'closed')),
  request_key text,
  pay_expires_at timestamptz NOT NULL,
  paid_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX member_card_purchases_customer ON member_card_purchases (shop_id, customer_id, created_at DESC);
CREATE UNIQUE INDEX member_card_purchases_key ON member_card_purchases (shop_id, customer_id, request_key) WHERE request_key IS NOT NULL;

-- The monthly no-threshold coupon of a card, once per holder per month (the key), even if the job runs twice.
CREATE TABLE member_card_monthly_coupons (
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  month text NOT NULL,
  coupon_id uuid,
  note text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, customer_id, month)
);
