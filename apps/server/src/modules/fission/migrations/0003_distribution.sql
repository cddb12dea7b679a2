-- 分销 (distribution): promoters, customer → promoter bindings with their audit, commissions per order line
-- and tier, a ledger per promoter, withdrawals paid by WeChat Pay merchant transfer (商家转账).

CREATE TABLE distribution_settings (
  shop_id uuid PRIMARY KEY,
  enabled boolean NOT NULL DEFAULT false,
  eligibility text NOT NULL DEFAULT 'everyone' CHECK (eligibility IN ('everyone', 'apply', 'spend')),
  spend_threshold_fen bigint NOT NULL DEFAULT 0 CHECK (spend_threshold_fen >= 0),
  binding_mode text NOT NULL DEFAULT 'first_click' CHECK (binding_mode IN ('first_click', 'last_click', 'permanent')),
  binding_days integer DEFAULT 30 CHECK (binding_days IS NULL OR binding_days BETWEEN 1 AND 3650),
  new_customers_only boolean NOT NULL DEFAULT false,
  -- Two tiers at most (WeChat: no 多层级 distribution), and together never more than the line.
  tiers smallint NOT NULL DEFAULT 2 CHECK (tiers IN (1, 2)),
  level1_bp integer NOT NULL DEFAULT 1000 CHECK (level1_bp BETWEEN 0 AND 10000),
  level2_bp integer NOT NULL DEFAULT 500 CHECK (level2_bp BETWEEN 0 AND 10000),
  after_sale_days integer NOT NULL DEFAULT 7 CHECK (after_sale_days BETWEEN 0 AND 90),
  withdraw_min_fen bigint NOT NULL DEFAULT 100 CHECK (withdraw_min_fen >= 1),
  withdraw_fee_bp integer NOT NULL DEFAULT 0 CHECK (withdraw_fee_bp BETWEEN 0 AND 5000),
  withdraw_review boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (level1_bp + level2_bp <= 10000),
  CHECK ((binding_mode = 'permanent') = (binding_days IS NULL))
);

-- A promoter and their account in one row: the account is locked with the promoter.
CREATE TABLE promoters (
  shop_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'disabled')),
  real_name text,
  phone text,
  reject_reason text,
  applied_at timestamptz NOT NULL,
  reviewed_at timestamptz,
  frozen_fen bigint NOT NULL DEFAULT 0 CHECK (frozen_fen >= 0),
  -- Negative after a clawback of commission already withdrawn: a debt that blocks withdrawals.
  payable_fen bigint NOT NULL DEFAULT 0,
  withdrawing_fen bigint NOT NULL DEFAULT 0 CHECK (withdrawing_fen >= 0),
  paid_fen bigint NOT NULL DEFAULT 0 CHECK (paid_fen >= 0),
  clawed_fen bigint NOT NULL DEFAULT 0 CHECK (clawed_fen >= 0),
  earned_fen bigint NOT NULL DEFAULT 0 CHECK (earned_fen >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, customer_id),
  CHECK (frozen_fen + payable_fen + withdrawing_fen + paid_fen + clawed_fen = earned_fen)
);
CREATE INDEX promoters_status ON promoters (shop_id, status, applied_at DESC);

-- Append-only; each posting once per (kind, ref), so a replayed event or job changes nothing.
CREATE TABLE promoter_ledger (
  id bigserial PRIMARY KEY,
  shop_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('earn', 'thaw', 'claw', 'withdraw', 'withdraw_return', 'withdraw_paid')),
  ref text NOT NULL,
  frozen_delta bigint NOT NULL DEFAULT 0,
  payable_delta bigint NOT NULL DEFAULT 0,
  withdrawing_delta bigint NOT NULL DEFAULT 0,
  paid_delta bigint NOT NULL DEFAULT 0,
  clawed_delta bigint NOT NULL DEFAULT 0,
  earned_delta bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  CHECK (frozen_delta + payable_delta + withdrawing_delta + paid_delta + clawed_delta = earned_delta),
  UNIQUE (shop_id, customer_id, kind, ref)
);
CREATE INDEX promoter_ledger_day ON promoter_ledger (shop_id, created_at);

-- One binding per customer; a rebind changes the row under its lock and is written to the audit below.
CREATE TABLE promoter_bindings (
  shop_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  promoter_id uuid NOT NULL,
  scene text,
  bound_at timestamptz NOT NULL,
  -- NULL: permanent.
  expires_at timestamptz,
  expiry_logged boolean NOT NULL DEFAULT false,
  PRIMARY KEY (shop_id, customer_id),
  CHECK (customer_id <> promoter_id)
);
CREATE INDEX promoter_bindings_promoter ON promoter_bindings (shop_id, promoter_id);
CREATE INDEX promoter_bindings_expiry ON promoter_bindings (expires_at) WHERE expires_at IS NOT NULL AND NOT expiry_logged;

CREATE TABLE promoter_binding_log (
  id bigserial PRIMARY KEY,
  shop_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  promoter_id uuid NOT NULL,
  previous_promoter_id uuid,
  action text NOT NULL CHECK (action IN ('bind', 'rebind', 'expire', 'merge')),
  scene text,
  expires_at timestamptz,
  at timestamptz NOT NULL
);
CREATE INDEX promoter_binding_log_customer ON promoter_binding_log (shop_id, customer_id, id);
CREATE INDEX promoter_binding_log_promoter ON promoter_binding_log (shop_id, promoter_id, id);

-- Per product commission instead of the shop's rates: basis points of the line, or fen per unit.
CREATE TABLE distribution_products (
  shop_id uuid NOT NULL,
  product_id uuid NOT NULL,
  mode text NOT NULL CHECK (mode IN ('percent', 'fixed')),
  level1 bigint NOT NULL CHECK (level1 >= 0),
  level2 bigint NOT NULL CHECK (level2 >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, product_id),
  CHECK (mode = 'fixed' OR level1 + level2 <= 10000)
);

CREATE TABLE commissions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL,
  order_id uuid NOT NULL,
  order_no text NOT NULL,
  order_item_id uuid NOT NULL,
  product_id uuid NOT NULL,
  product_title text NOT NULL,
  buyer_id uuid NOT NULL,
  promoter_id uuid NOT NULL,
  tier smallint NOT NULL CHECK (tier IN (1, 2)),
  mode text NOT NULL CHECK (mode IN ('percent', 'fixed')),
  rate bigint NOT NULL,
  base_fen bigint NOT NULL CHECK (base_fen >= 0),
  quantity integer NOT NULL CHECK (quantity > 0),
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  -- The line's refunds seen so far (cumulative), and what they clawed back.
  refunded_fen bigint NOT NULL DEFAULT 0,
  refunded_qty integer NOT NULL DEFAULT 0,
  clawed_fen bigint NOT NULL DEFAULT 0 CHECK (clawed_fen BETWEEN 0 AND amount_fen),
  status text NOT NULL CHECK (status IN ('frozen', 'payable', 'cancelled')),
  thaw_at timestamptz,
  thawed_at timestamptz,
  created_at timestamptz NOT NULL,
  -- buyer = promoter is never written at payment; only a merge of the two accounts can make it so.
  UNIQUE (order_item_id, tier)
);
CREATE INDEX commissions_promoter ON commissions (shop_id, promoter_id, created_at DESC);
CREATE INDEX commissions_order ON commissions (shop_id, order_id);
CREATE INDEX commissions_thaw ON commissions (thaw_at) WHERE status = 'frozen' AND thaw_at IS NOT NULL;
CREATE INDEX commissions_status ON commissions (shop_id, status, created_at DESC);

CREATE TABLE promoter_withdrawals (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  withdrawal_no text NOT NULL UNIQUE,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  fee_fen bigint NOT NULL CHECK (fee_fen >= 0),
  pay_fen bigint NOT NULL CHECK (pay_fen > 0),
  real_name text,
  status text NOT NULL CHECK (status IN ('reviewing', 'approved', 'transferring', 'wait_confirm', 'paid', 'rejected', 'failed')),
  -- Each approval sends one bill; its out_bill_no never changes once sent (a failed bill is final, a new
  -- approval sends a new one).
  attempt integer NOT NULL DEFAULT 0,
  out_bill_no text UNIQUE,
  transfer_bill_no text,
  package_info text,
  fail_reason text,
  reject_reason text,
  request_key text,
  reviewed_by text,
  reviewed_at timestamptz,
  paid_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (amount_fen = fee_fen + pay_fen),
  UNIQUE (shop_id, customer_id, request_key)
);
CREATE INDEX promoter_withdrawals_shop ON promoter_withdrawals (shop_id, status, created_at DESC);
CREATE INDEX promoter_withdrawals_mine ON promoter_withdrawals (shop_id, customer_id, created_at DESC);
