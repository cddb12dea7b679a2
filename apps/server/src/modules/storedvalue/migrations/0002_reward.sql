-- A reward credited to the member balance as bonus (邀请有礼's cash reward), once per (kind, ref) like every posting.
ALTER TABLE stored_value_ledger DROP CONSTRAINT IF EXISTS stored_value_ledger_kind_check;
ALTER TABLE stored_value_ledger ADD CONSTRAINT stored_value_ledger_kind_check CHECK (kind IN ('topup', 'spend', 'refund', 'cancel', 'adjust', 'reward'));
