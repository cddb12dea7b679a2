-- Server-made texts become codes with parameters that each reader renders in their language. Old rows
-- keep their Chinese text (note, reason) and no code, and are shown as they were.
ALTER TABLE order_history ADD COLUMN IF NOT EXISTS code text;
ALTER TABLE order_history ADD COLUMN IF NOT EXISTS params jsonb;
-- The reason the customer picked from the list (REFUND_REASON_CODES); `reason` keeps their own words.
ALTER TABLE refunds ADD COLUMN IF NOT EXISTS reason_code text;
-- Pickup points picked from the region list: 省/市/区 and the street apart, `address` still the whole
-- address as orders copy it. Points saved before have only `address`.
ALTER TABLE pickup_points ADD COLUMN IF NOT EXISTS street text;
ALTER TABLE pickup_points ADD COLUMN IF NOT EXISTS province text;
ALTER TABLE pickup_points ADD COLUMN IF NOT EXISTS city text;
ALTER TABLE pickup_points ADD COLUMN IF NOT EXISTS district text;
