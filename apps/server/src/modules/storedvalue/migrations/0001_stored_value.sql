-- 会员储值. The balance is two amounts: principal (money the customer paid in, a liability the merchant
-- owes) and bonus (what the shop added, e.g. top up ¥100 get ¥20). Every change is one ledger row, posted
-- once per (kind, ref) under the account row's lock; CHECKs keep both amounts ≥ 0 whatever the code does.
CREATE TABLE stored_value_settings (
  shop_id uuid PRIMARY KEY REFERENCES shops(id),
  enabled boolean NOT NULL DEFAULT true,
  custom_amount_enabled boolean NOT NULL DEFAULT true,
  min_custom_fen integer NOT NULL DEFAULT 100 CHECK (min_custom_fen > 0),
  max_custom_fen integer NOT NULL DEFAULT 500000 CHECK (max_custom_fen >= min_custom_fen),
  terms text NOT NULL DEFAULT '',
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stored_value_accounts (
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  principal_fen bigint NOT NULL DEFAULT 0 CHECK (principal_fen >= 0),
  bonus_fen bigint NOT NULL DEFAULT 0 CHECK (bonus_fen >= 0),
  topped_up_fen bigint NOT NULL DEFAULT 0,
  spent_fen bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, customer_id)
);

CREATE TABLE stored_value_ledger (
  id bigserial PRIMARY KEY,
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('topup', 'spend', 'refund', 'cancel', 'adjust')),
  ref text NOT NULL,
  principal_delta bigint NOT NULL,
  bonus_delta bigint NOT NULL,
  principal_after bigint NOT NULL CHECK (principal_after >= 0),
  bonus_after bigint NOT NULL CHECK (bonus_after >= 0),
  order_id uuid,
  note text,
  actor_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX stored_value_ledger_once ON stored_value_ledger (shop_id, customer_id, kind, ref);
CREATE INDEX stored_value_ledger_customer ON stored_value_ledger (shop_id, customer_id, id DESC);
CREATE INDEX stored_value_ledger_shop ON stored_value_ledger (shop_id, created_at DESC);
CREATE INDEX stored_value_ledger_order ON stored_value_ledger (order_id) WHERE order_id IS NOT NULL;

-- 充值方案: what the storefront offers, e.g. 充100送20.
CREATE TABLE topup_plans (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  name text NOT NULL,
  amount_fen integer NOT NULL CHECK (amount_fen > 0),
  bonus_fen integer NOT NULL DEFAULT 0 CHECK (bonus_fen >= 0),
  active boolean NOT NULL DEFAULT true,
  sort_order integer NOT NULL DEFAULT 0,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX topup_plans_shop ON topup_plans (shop_id) WHERE deleted_at IS NULL;

-- One top-up = one WeChat Pay transaction (out_trade_no). The terms are copied from the plan when the
-- customer starts, so a plan edited mid-payment does not change what was promised.
CREATE TABLE topups (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  plan_id uuid REFERENCES topup_plans(id),
  topup_no text NOT NULL UNIQUE,
  amount_fen integer NOT NULL CHECK (amount_fen > 0),
  bonus_fen integer NOT NULL DEFAULT 0 CHECK (bonus_fen >= 0),
  status text NOT NULL CHECK (status IN ('pending', 'paid', 'closed')),
  request_key text,
  pay_expires_at timestamptz NOT NULL,
  paid_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX topups_customer ON topups (shop_id, customer_id, created_at DESC);
CREATE UNIQUE INDEX topups_request_key ON topups (shop_id, customer_id, request_key) WHERE request_key IS NOT NULL;
