-- Where an order came from when not from checkout ('flash_sale' …), and that source's own key for it
-- (a flash-sale attempt id): a retried batch finds the order it already wrote instead of writing another.
ALTER TABLE orders ADD COLUMN IF NOT EXISTS source text;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS source_ref text;
ALTER TABLE orders ADD CONSTRAINT orders_source_ref_needs_source CHECK (source_ref IS NULL OR source IS NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS orders_source_ref ON orders (shop_id, source, source_ref) WHERE source_ref IS NOT NULL;
