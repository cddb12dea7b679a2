-- 邀请有礼's cash reward: paid into the member balance (储值) as bonus, to spend in the shop.
ALTER TABLE invite_settings
  ADD COLUMN inviter_cash_fen integer NOT NULL DEFAULT 0 CHECK (inviter_cash_fen BETWEEN 0 AND 100000),
  ADD COLUMN invitee_cash_fen integer NOT NULL DEFAULT 0 CHECK (invitee_cash_fen BETWEEN 0 AND 100000);
