-- 邀请有礼's cash reward paid as WeChat change (商家转账, scene 1000 现金营销) instead of into the member
-- balance, when the merchant chooses so. Each reward side of an invitation is one payout (paid once); the
-- customer confirms it in WeChat. A payout WeChat cancels (never confirmed) or fails, or one to a customer
-- without an openid for the merchant's app, goes into the member balance instead, once.
ALTER TABLE invite_settings
  ADD COLUMN cash_payout text NOT NULL DEFAULT 'balance' CHECK (cash_payout IN ('balance', 'wechat')),
  ADD COLUMN activity_name text CHECK (activity_name IS NULL OR char_length(activity_name) BETWEEN 1 AND 32);

CREATE TABLE invite_payouts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  invitation_id uuid NOT NULL REFERENCES invitations(id),
  customer_id uuid NOT NULL,
  side text NOT NULL CHECK (side IN ('inviter', 'invitee')),
  amount_fen integer NOT NULL CHECK (amount_fen > 0),
  out_bill_no text NOT NULL,
  attempt integer NOT NULL DEFAULT 1,
  -- pending → transferring → wait_confirm → paid | failed | cancelled (failed and cancelled went to the balance).
  status text NOT NULL CHECK (status IN ('pending', 'transferring', 'wait_confirm', 'paid', 'failed', 'cancelled')),
  transfer_bill_no text,
  package_info text,
  fail_reason text,
  -- When the amount went into the member balance instead (the fallback), else null.
  credited_at timestamptz,
  paid_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX invite_payouts_reward ON invite_payouts (invitation_id, side);
CREATE UNIQUE INDEX invite_payouts_bill ON invite_payouts (out_bill_no);
CREATE INDEX invite_payouts_customer ON invite_payouts (shop_id, customer_id, created_at DESC);
CREATE INDEX invite_payouts_shop ON invite_payouts (shop_id, created_at DESC);
CREATE INDEX invite_payouts_in_flight ON invite_payouts (updated_at) WHERE status IN ('pending', 'transferring', 'wait_confirm');
