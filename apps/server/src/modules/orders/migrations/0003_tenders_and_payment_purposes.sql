-- A payment no longer always pays an order: member top-ups and paid member cards go through the same
-- WeChat Pay flow. `purpose` says which module settles it; `ref_id` is that module's record.
ALTER TABLE payments ALTER COLUMN order_id DROP NOT NULL;
ALTER TABLE payments ADD COLUMN IF NOT EXISTS purpose text NOT NULL DEFAULT 'order';
ALTER TABLE payments ADD COLUMN IF NOT EXISTS ref_id uuid;
ALTER TABLE payments ADD COLUMN IF NOT EXISTS customer_id uuid;
ALTER TABLE payments ADD CONSTRAINT payments_purpose_ref CHECK ((purpose = 'order') = (order_id IS NOT NULL) AND (purpose = 'order' OR ref_id IS NOT NULL));
CREATE UNIQUE INDEX IF NOT EXISTS payments_one_per_ref ON payments (purpose, ref_id) WHERE ref_id IS NOT NULL;

-- The part of an order paid from the customer's stored value (会员余额); WeChat Pay is asked for the rest.
ALTER TABLE orders ADD COLUMN IF NOT EXISTS balance_fen integer NOT NULL DEFAULT 0;
ALTER TABLE orders ADD CONSTRAINT orders_balance_within_payable CHECK (balance_fen >= 0 AND balance_fen <= payable_fen);

-- How much of a refund goes back to stored value rather than through WeChat Pay; fixed when the refund is quoted.
ALTER TABLE refunds ADD COLUMN IF NOT EXISTS balance_fen integer NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD CONSTRAINT refunds_balance_within_amount CHECK (balance_fen >= 0 AND balance_fen <= amount_fen);
