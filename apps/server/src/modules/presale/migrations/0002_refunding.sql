-- A deposit on its way back: from the moment it is given up (or the window closes on a refundable one)
-- until WeChat Pay confirms the refund, it can no longer pay off a balance.
ALTER TABLE presale_orders DROP CONSTRAINT IF EXISTS presale_orders_status_check;
ALTER TABLE presale_orders ADD CONSTRAINT presale_orders_status_check
  CHECK (status IN ('pending_deposit', 'deposit_paid', 'balance_ordered', 'completed', 'closed', 'forfeited', 'refunding', 'refunded'));
