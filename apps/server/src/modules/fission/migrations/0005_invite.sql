-- 邀请有礼: a customer's share link brings a new customer; once the invitee qualifies (signs up, or pays a
-- first order within the attribution window) both get the shop's rewards. One invitation per invitee (the
-- first inviter wins), rewards at most once per invitation, and an inviter's rewards capped per day.
CREATE TABLE invite_settings (
  shop_id uuid PRIMARY KEY REFERENCES shops(id),
  enabled boolean NOT NULL DEFAULT false,
  -- never_paid: anyone who never paid here; new_account: also signed up at most new_account_hours before accepting.
  new_customer text NOT NULL DEFAULT 'new_account' CHECK (new_customer IN ('never_paid', 'new_account')),
  new_account_hours integer NOT NULL DEFAULT 24 CHECK (new_account_hours BETWEEN 1 AND 720),
  trigger text NOT NULL DEFAULT 'first_order' CHECK (trigger IN ('registered', 'first_order')),
  attribution_days integer NOT NULL DEFAULT 7 CHECK (attribution_days BETWEEN 1 AND 90),
  inviter_coupon_template_id uuid,
  inviter_points integer NOT NULL DEFAULT 0 CHECK (inviter_points BETWEEN 0 AND 100000),
  invitee_coupon_template_id uuid,
  invitee_points integer NOT NULL DEFAULT 0 CHECK (invitee_points BETWEEN 0 AND 100000),
  inviter_daily_cap integer NOT NULL DEFAULT 10 CHECK (inviter_daily_cap BETWEEN 0 AND 1000),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE invitations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  inviter_id uuid NOT NULL,
  invitee_id uuid NOT NULL,
  scene text NOT NULL,
  status text NOT NULL CHECK (status IN ('accepted', 'rewarded', 'expired', 'rejected')),
  reject_reason text,
  accepted_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  qualified_order_id uuid,
  rewarded_at timestamptz,
  -- Whether the inviter's part was given (false when the day's cap was reached; the invitee's part still is).
  inviter_rewarded boolean NOT NULL DEFAULT false,
  reward_day text,
  CHECK (inviter_id <> invitee_id)
);
CREATE UNIQUE INDEX invitations_invitee ON invitations (shop_id, invitee_id);
CREATE INDEX invitations_inviter ON invitations (shop_id, inviter_id, accepted_at DESC);
CREATE INDEX invitations_inviter_day ON invitations (shop_id, inviter_id, reward_day) WHERE inviter_rewarded;
CREATE INDEX invitations_shop ON invitations (shop_id, accepted_at DESC);
