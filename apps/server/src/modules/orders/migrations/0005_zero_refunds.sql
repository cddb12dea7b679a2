-- An order that cost nothing (points only, wholly discounted) can still be returned: its refund moves
-- goods and points back for ¥0.
ALTER TABLE refunds DROP CONSTRAINT IF EXISTS refunds_amount_fen_check;
ALTER TABLE refunds ADD CONSTRAINT refunds_amount_fen_check CHECK (amount_fen >= 0);
