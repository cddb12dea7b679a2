-- Activity stock (秒杀): units set aside for an activity leave `available` for `held`, so normal checkout
-- cannot sell them and the balance still accounts for every unit received.
ALTER TABLE inventory_levels ADD COLUMN IF NOT EXISTS held integer NOT NULL DEFAULT 0 CHECK (held >= 0);
ALTER TABLE inventory_levels DROP CONSTRAINT inventory_levels_balance;
ALTER TABLE inventory_levels ADD CONSTRAINT inventory_levels_balance CHECK (received = available + reserved + sold + held);

ALTER TABLE inventory_ledger ADD COLUMN IF NOT EXISTS delta_held integer NOT NULL DEFAULT 0;
ALTER TABLE inventory_ledger DROP CONSTRAINT IF EXISTS inventory_ledger_reason_check;
ALTER TABLE inventory_ledger ADD CONSTRAINT inventory_ledger_reason_check
  CHECK (reason IN ('adjust', 'reserve', 'release', 'commit', 'return', 'hold', 'unhold'));

-- A reservation taken from an activity's held units goes back to `held` when its order is cancelled
-- (the activity decides, when it ends, what returns to `available`).
ALTER TABLE inventory_reservations ADD COLUMN IF NOT EXISTS from_hold boolean NOT NULL DEFAULT false;
